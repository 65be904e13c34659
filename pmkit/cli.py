"""`pmkit` command line: serve the dashboards, validate a portfolio, schedule a file, report.

Each verb returns an exit code and prints a readable message on bad input (no traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pmkit.errors import PmkitError

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
# Listing rules of the served folder: Jupyter's defaults plus the analyst notebooks and the
# jupytext scripts paired with them.
_HIDDEN = [
    f"--ContentsManager.hide_globs={g}"
    for g in ("__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*.so", "*.dylib", "*~", "analysis")
]


def _voila_command(port: int, *, preheat: bool, notebooks: Path) -> list[str]:
    cmd = [
        sys.executable, "-m", "voila", str(notebooks),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.extension_denylist=jupyterlab-jupytext",
        "--VoilaConfiguration.file_allowlist=.*\\.(png|jpg|gif|svg|css|csv|xlsx|html)",
    ]  # fmt: skip
    # The pmkit page template (pmkit.bundle.voila_jupyter_path): Font Awesome from this server.
    # The analyst notebooks (notebooks/analysis, for JupyterLab) are not dashboards: unlisted.
    cmd += ["--VoilaConfiguration.template=pmkit", *_HIDDEN]
    if preheat:
        cmd += ["--preheat_kernel=True", "--pool_size=1"]
    return cmd


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (the server's kernels), read from /proc."""
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Stop a ``pmkit serve`` process; none of its (preheated) kernels may outlive it."""
    kernels = _children(proc.pid)
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
    for pid in kernels:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _serve_env(env: dict[str, str]) -> dict[str, str]:
    """Voila's environment: the ``pmkit`` page template (Font Awesome served locally)."""
    from pmkit.bundle import voila_jupyter_path

    extra = str(voila_jupyter_path())
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (extra, env.get("JUPYTER_PATH")) if p)
    return env


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve every dashboard with Voila on 127.0.0.1 (offline: no CDN needed)."""
    from pmkit.bundle import dashboards_path, user_sample_path

    env = dict(os.environ)
    if args.data:
        env["PMKIT_DATA"] = str(Path(args.data).resolve())
    data = env.get("PMKIT_DATA") or str(user_sample_path())
    env["PMKIT_DATA"] = data
    if not Path(data).is_dir():
        print(f"pmkit serve: portfolio folder not found: {data}", file=sys.stderr)
        return 2
    notebooks = Path(args.notebooks).resolve() if args.notebooks else dashboards_path()
    if not notebooks.is_dir():
        print(f"pmkit serve: notebooks folder not found: {notebooks}", file=sys.stderr)
        return 2
    env = _serve_env(env)
    print(f"pmkit: serving {notebooks} on http://127.0.0.1:{args.port} (data: {data})")
    cmd = _voila_command(args.port, preheat=args.preheat, notebooks=notebooks)
    if os.name == "posix":
        # Become Voila, so a stop signal reaches the server itself and it shuts its kernels
        # down (a child server would be orphaned with its kernels when we are stopped).
        os.chdir(notebooks)
        os.execve(sys.executable, cmd, env)
    try:
        return subprocess.call(cmd, env=env, cwd=notebooks)
    except KeyboardInterrupt:
        return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Check a portfolio (folder of CSV, or .xlsx workbook): every problem, located."""
    from pmkit.io.csv_folder import cli_validate

    return cli_validate(args.path)


def cmd_schedule(args: argparse.Namespace) -> int:
    """Schedule an MS Project (MSPDI) file and print early/late dates and float."""
    from pmkit.schedule import cli_schedule

    return cli_schedule(args.file, args.format)


def cmd_report(args: argparse.Namespace) -> int:
    """Write the PMO status pack (HTML and/or PDF) and/or the roll-up workbook (Excel)."""
    from pmkit.io.csv_folder import load_portfolio, sample_data_path
    from pmkit.portfolio.rollup import rollup
    from pmkit.reports import export_excel, status_pack_html
    from pmkit.schedule.portfolio_adapter import schedule_portfolio

    if not (args.html or args.xlsx or args.pdf):
        print("pmkit report: give --html FILE, --pdf FILE and/or --xlsx FILE", file=sys.stderr)
        return 2
    portfolio = load_portfolio(args.path or sample_data_path())
    schedule = schedule_portfolio(portfolio)
    roll = rollup(portfolio, schedule=schedule)
    if args.html:
        out = status_pack_html(portfolio, args.html, schedule=schedule, rollup_df=roll)
        print(f"status pack: {out}")
    if args.pdf:
        _report_pdf(portfolio, args.pdf, schedule=schedule, rollup_df=roll)
    if args.xlsx:
        out = export_excel(portfolio, args.xlsx, schedule=schedule, rollup_df=roll)
        print(f"workbook: {out}")
    return 0


def _report_pdf(portfolio: Any, path: str, **kwargs: Any) -> None:
    """The status pack printed to an A4 PDF by Chromium (see pmkit.reports.pdf for why)."""
    from pmkit.reports import status_pack_pdf

    out = status_pack_pdf(portfolio, path, **kwargs)
    print(f"status pack (PDF): {out}")


def cmd_import(args: argparse.Namespace) -> int:
    """Add a schedule file (MSPDI, or .mpp/.xer/... with MPXJ) to a portfolio folder."""
    from pmkit.io.convert import import_schedule
    from pmkit.io.csv_folder import load_portfolio, write_portfolio

    if not Path(args.file).is_file():
        print(f"pmkit import: {args.file}: no such file", file=sys.stderr)
        return 2
    if not Path(args.into).is_dir():
        print(f"pmkit import: {args.into}: no such portfolio folder", file=sys.stderr)
        return 2
    if args.out is None and not args.in_place:
        print("pmkit import: give --out DIR (or --in-place to rewrite --into)", file=sys.stderr)
        return 2
    base = load_portfolio(args.into)
    try:
        merged = import_schedule(args.file, into=base, project_id=args.project_id)
    except PmkitError as exc:
        print(f"pmkit import: {args.file} was not imported:\n{exc}", file=sys.stderr)
        return 1
    out = write_portfolio(merged, args.out or args.into)
    n = int((merged.tasks["project_id"] == args.project_id).sum())
    print(f"imported {args.project_id} ({n:,} tasks) from {args.file}; portfolio written to {out}")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    """Write an editable working folder: the notebooks and a portfolio (sample or empty)."""
    from pmkit.bundle import init_workspace

    root = init_workspace(args.dir, empty=args.empty)
    what = "an empty portfolio" if args.empty else "a copy of the sample portfolio"
    print(
        f"pmkit init: wrote {root} (notebooks/, data/ = {what}).\n"
        f"Serve it:   cd {root} && pmkit serve --data data --notebooks notebooks\n"
        f"Explore it: jupyter lab {root / 'notebooks' / 'analysis'}"
    )
    return 0


def add_init_parser(sub: Any) -> None:
    i = sub.add_parser("init", help="write an editable working folder (notebooks + portfolio)")
    i.add_argument("dir", help="a new or empty folder")
    i.add_argument(
        "--empty",
        action="store_true",
        help="an empty portfolio (table headers, the standards template) instead of the sample",
    )
    i.set_defaults(func=cmd_init)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pmkit", description=__doc__)
    sub = p.add_subparsers(dest="verb", required=True)

    s = sub.add_parser("serve", help="serve the dashboards with Voila")
    s.add_argument("--port", type=int, default=8866)
    s.add_argument("--data", help="portfolio folder (default: the bundled sample, or $PMKIT_DATA)")
    s.add_argument("--notebooks", help="dashboards folder (default: the installed ones)")
    s.add_argument(
        "--no-preheat",
        dest="preheat",
        action="store_false",
        help="start each dashboard's kernel on request (slower first paint)",
    )
    s.set_defaults(func=cmd_serve)

    v = sub.add_parser("validate", help="validate a portfolio (CSV folder or .xlsx workbook)")
    v.add_argument("path")
    v.set_defaults(func=cmd_validate)

    c = sub.add_parser("schedule", help="schedule an MSPDI (MS Project XML) file")
    c.add_argument("file")
    c.add_argument("--format", choices=["csv", "table"], default="table")
    c.set_defaults(func=cmd_schedule)

    m = sub.add_parser("import", help="add a schedule file (MSPDI/.mpp/.xer) to a portfolio")
    m.add_argument("file")
    m.add_argument("--into", required=True, help="portfolio folder the project joins")
    m.add_argument("--project-id", required=True, help="id of the new project, e.g. P12")
    m.add_argument("--out", help="folder to write the merged portfolio to")
    m.add_argument("--in-place", action="store_true", help="rewrite --into (no --out needed)")
    m.set_defaults(func=cmd_import)

    r = sub.add_parser("report", help="write the PMO status pack (HTML/PDF) and roll-up (Excel)")
    r.add_argument("path", nargs="?", help="portfolio folder (default: the sample)")
    r.add_argument("--html", help="status pack file to write (.html)")
    r.add_argument("--xlsx", help="roll-up workbook to write (.xlsx)")
    r.add_argument("--pdf", help="status pack to write as an A4 PDF (needs Chromium)")
    r.set_defaults(func=cmd_report)

    add_init_parser(sub)

    # Listed for --help; main() hands its arguments to pmkit.generate's own parser.
    sub.add_parser(
        "generate", help="write a seeded sample portfolio (OUT_DIR [--projects N] [--seed S])"
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["generate"]:
        from pmkit.generate import main as generate_main

        return generate_main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except PmkitError as exc:
        print(f"pmkit {args.verb}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `pmkit schedule x.xml | head`: the reader left, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
