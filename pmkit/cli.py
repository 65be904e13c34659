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

from pmkit.errors import PmkitError

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"


def _voila_command(
    port: int, *, preheat: bool, notebooks: Path, pools: dict[str, int] | None = None
) -> list[str]:
    cmd = [
        sys.executable, "-m", "voila", str(notebooks),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.extension_denylist=jupyterlab-jupytext",
        "--VoilaConfiguration.file_allowlist=.*\\.(png|jpg|gif|svg|css|csv|xlsx|html)",
    ]  # fmt: skip
    if preheat:
        cmd += ["--preheat_kernel=True", "--pool_size=1"]
        if pools:
            import json

            config = {"default": {"pool_size": 1}}
            config.update({nb: {"pool_size": n} for nb, n in pools.items()})
            cmd.append(f"--VoilaKernelManager.kernel_pools_config={json.dumps(config)}")
    return cmd


# Memory of one preheated dashboard kernel on the sample (RSS; bench/bench_load.py measured
# 145-150 MB PSS, 190 MB RSS, 2026-11-29); a large portfolio adds its tables.
KERNEL_MB = 190


def pool_sizes(spec: str, notebooks: Sequence[str]) -> dict[str, int]:
    """``--viewers`` as preheated kernels per dashboard.

    ``"10"``: 10 for every dashboard; ``"glance=20,review=5"``: those (a name matches a
    dashboard whose file name contains it), 1 for the others.
    """
    spec = spec.strip()
    if spec.isdigit():
        return {nb: max(int(spec), 1) for nb in notebooks}
    out = dict.fromkeys(notebooks, 1)
    for item in filter(None, (p.strip() for p in spec.split(","))):
        name, _, count = item.partition("=")
        hits = [nb for nb in notebooks if name.strip() and name.strip() in nb]
        if not count.strip().isdigit() or int(count) < 1 or not hits:
            raise PmkitError(
                f"--viewers: cannot read {item!r}",
                expected="N, or NAME=N,... with NAME part of a dashboard's file name "
                f"({', '.join(sorted(notebooks))})",
            )
        out.update(dict.fromkeys(hits, int(count)))
    return out


def _available_mb() -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    return None


def memory_estimate(pools: dict[str, int]) -> str:
    """One line: preheated kernels, the memory they will hold, and what the machine has."""
    kernels = sum(pools.values())
    need = kernels * KERNEL_MB
    have = _available_mb()
    each = ", ".join(f"{nb.removesuffix('.ipynb')} {n}" for nb, n in sorted(pools.items()))
    line = (
        f"pmkit: {kernels} preheated kernels ({each}) ≈ {need:,} MB at ~{KERNEL_MB} MB each, "
        f"plus ~{KERNEL_MB} MB per viewer beyond them"
    )
    if have is not None:
        line += f"; {have:,} MB available now"
        if need > have:
            line += " — NOT ENOUGH: lower --viewers"
    return line


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


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve every dashboard with Voila on 127.0.0.1 (offline: no CDN needed)."""
    env = dict(os.environ)
    if args.data:
        env["PMKIT_DATA"] = str(Path(args.data).resolve())
    data = env.get("PMKIT_DATA", str(REPO / "data"))
    if not Path(data).is_dir():
        print(f"pmkit serve: portfolio folder not found: {data}", file=sys.stderr)
        return 2
    print(f"pmkit: serving {NOTEBOOKS} on http://127.0.0.1:{args.port} (data: {data})")
    pools = None
    if args.preheat:
        pools = pool_sizes(args.viewers, sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
        print(memory_estimate(pools), flush=True)
    cmd = _voila_command(args.port, preheat=args.preheat, notebooks=NOTEBOOKS, pools=pools)
    if os.name == "posix":
        # Become Voila, so a stop signal reaches the server itself and it shuts its kernels
        # down (a child server would be orphaned with its kernels when we are stopped).
        os.chdir(NOTEBOOKS)
        os.execve(sys.executable, cmd, env)
    try:
        return subprocess.call(cmd, env=env, cwd=NOTEBOOKS)
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
    """Write the PMO status pack (HTML) and/or the roll-up workbook (Excel)."""
    from pmkit.io.csv_folder import load_portfolio, sample_data_path
    from pmkit.portfolio.export import export_excel, status_pack_html
    from pmkit.portfolio.rollup import rollup
    from pmkit.schedule.portfolio_adapter import schedule_portfolio

    if not (args.html or args.xlsx):
        print("pmkit report: give --html FILE and/or --xlsx FILE", file=sys.stderr)
        return 2
    portfolio = load_portfolio(args.path or sample_data_path())
    schedule = schedule_portfolio(portfolio)
    roll = rollup(portfolio, schedule=schedule)
    if args.html:
        out = status_pack_html(portfolio, args.html, schedule=schedule, rollup_df=roll)
        print(f"status pack: {out}")
    if args.xlsx:
        out = export_excel(portfolio, args.xlsx, schedule=schedule, rollup_df=roll)
        print(f"workbook: {out}")
    return 0


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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pmkit", description=__doc__)
    sub = p.add_subparsers(dest="verb", required=True)

    s = sub.add_parser("serve", help="serve the dashboards with Voila")
    s.add_argument("--port", type=int, default=8866)
    s.add_argument("--data", help="portfolio folder (default: the bundled sample, or $PMKIT_DATA)")
    s.add_argument(
        "--no-preheat",
        dest="preheat",
        action="store_false",
        help="start each dashboard's kernel on request (slower first paint)",
    )
    s.add_argument(
        "--viewers",
        default="1",
        help="viewers each dashboard serves at once from a preheated kernel: N, or "
        "NAME=N,... (e.g. glance=20,review=5; others 1). Each costs memory (printed at start)",
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

    r = sub.add_parser("report", help="write the PMO status pack (HTML) and roll-up (Excel)")
    r.add_argument("path", nargs="?", help="portfolio folder (default: the sample)")
    r.add_argument("--html", help="status pack file to write (.html)")
    r.add_argument("--xlsx", help="roll-up workbook to write (.xlsx)")
    r.set_defaults(func=cmd_report)

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
