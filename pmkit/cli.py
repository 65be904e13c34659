"""`pmkit` command line: serve the dashboards, validate a portfolio, schedule a file, report.

Each verb returns an exit code and prints a readable message on bad input (no traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from pmkit.bundle import (
    NO_MATH,
    POOL_READY_ENV,
    STATIC_DIR_ENV,
    dashboards_path,
    init_workspace,
    user_sample_path,
    voila_jupyter_path,
    voila_static_dir,
)
from pmkit.errors import PmkitError, PortfolioValidationError
from pmkit.exporting import EXPORT_LIMITS, export_project
from pmkit.generate import main as generate_main
from pmkit.importing import import_schedule
from pmkit.io.csv_folder import (
    cli_validate,
    guard_frame,
    load_portfolio,
    sample_data_path,
    write_portfolio,
)
from pmkit.io.mpxj import read_project_file
from pmkit.model import Portfolio
from pmkit.portfolio.rollup import rollup
from pmkit.reports import export_excel, status_pack_html, status_pack_pdf
from pmkit.schedule import schedule_mspdi
from pmkit.schedule.cpm import Schedule
from pmkit.schedule.portfolio_adapter import schedule_portfolio

if TYPE_CHECKING:
    import pandas as pd

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
# Listing rules of the served folder: Jupyter's defaults plus the analyst notebooks and the
# jupytext scripts paired with them.
_HIDDEN = [
    f"--ContentsManager.hide_globs={g}"
    for g in ("__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*.so", "*.dylib", "*~", "analysis")
]


# What a dashboard viewer's browser may send to a kernel: widget traffic only. Anything else
# (execute_request, complete/inspect/history requests, ...) is dropped by the server, so a viewer
# cannot run code through the kernel's websocket (Voila itself executes the notebook directly).
VIEWER_MESSAGE_TYPES = (
    "comm_open",
    "comm_msg",
    "comm_close",
    "comm_info_request",
    "kernel_info_request",
)
# Files a page may fetch through Voila's file handler (relative to notebooks/): images and
# styles only; never the portfolio's CSV/Excel data.
FILE_ALLOWLIST = ".*\\.(png|jpg|gif|svg|css)"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


# JupyterLab extensions a dashboard page does not load: jupytext's (it throws a console error
# on every Voila page) and jupyterlab_pygments' (code highlighting colours: the dashboards show
# no code; 3 scripts). The page still loads the widget extensions and anywidget (the charts).
EXTENSION_DENYLIST = ("jupyterlab-jupytext", "jupyterlab_pygments")


def _voila_command(
    port: int,
    *,
    preheat: bool,
    notebooks: Path,
    ip: str = "127.0.0.1",
    pools: dict[str, int] | None = None,
) -> list[str]:
    cmd = [
        sys.executable, "-m", "voila", str(notebooks),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={ip}",
        "--VoilaConfiguration.show_tracebacks=False",
        f"--VoilaConfiguration.file_allowlist={FILE_ALLOWLIST}",
    ]  # fmt: skip
    cmd += [f"--VoilaConfiguration.extension_denylist={x}" for x in EXTENSION_DENYLIST]
    cmd += [f"--MappingKernelManager.allowed_message_types={t}" for t in VIEWER_MESSAGE_TYPES]
    cmd.append(f"--Voila.tornado_settings={_tornado_settings()}")
    # The pmkit page template (pmkit.bundle.voila_jupyter_path): Font Awesome from this server.
    # The analyst notebooks (notebooks/analysis, for JupyterLab) are not dashboards: unlisted.
    cmd += ["--VoilaConfiguration.template=pmkit", *_HIDDEN]
    if preheat:
        cmd += ["--preheat_kernel=True", "--pool_size=1"]
        # the pools fill a kernel per core at a time (pmkit.serving), not all at once; the analyst
        # notebooks (unlisted, for JupyterLab) get no preheated kernel: Voila would otherwise
        # run all of them at start-up, doubling the kernels and the memory estimate's count
        cmd.append(f"--VoilaConfiguration.multi_kernel_manager_class={POOL_MANAGER}")
        cmd.append("--VoilaKernelManager.preheat_denylist=analysis/")
        if pools:
            import json

            config = {"default": {"pool_size": 1}}
            config.update({nb: {"pool_size": n} for nb, n in pools.items()})
            cmd.append(f"--VoilaKernelManager.kernel_pools_config={json.dumps(config)}")
            if max(pools.values(), default=1) > 1:  # a rush: refills wait until it has passed
                cmd.append(f"--VoilaKernelManager.fill_delay={RUSH_FILL_DELAY_S}")
    return cmd


# A widget extension's webpack files named by their content's hash (``remoteEntry.<hash>.js``,
# ``<chunk>.<hash>.js``): a new version is a new name, so a browser may keep them for good.
_HASHED_NAME = re.compile(r"\.[0-9a-f]{8,}\.js$")


def hashed_labextension_urls(base_url: str = "/") -> list[str]:
    """URL paths of the widget extensions' content-hashed files Voila serves at
    ``{base_url}voila/labextensions/``.

    Voila serves every extension file with ``Cache-Control: no-cache`` and no ETag, so a
    returning viewer's browser asks again for each of them on every page (a 304 each).
    Listed in the ``static_immutable_cache`` setting, which Jupyter's file handler reads,
    these get ``public, max-age=31536000, immutable``; an extension's unhashed files
    (``style.js``, ``package.json``), Voila's own scripts and the page keep their headers.
    """
    from jupyter_core.paths import jupyter_path

    roots = [Path(p) for p in jupyter_path("labextensions")]
    roots += [Path(p) / "labextensions" for p in jupyter_path("voila")]
    urls: set[str] = set()
    for root in roots:
        if not root.is_dir():
            continue
        for f in root.rglob("*.js"):
            if _HASHED_NAME.search(f.name) and "/static/" in f"/{f.relative_to(root)}":
                urls.add(f"{base_url}voila/labextensions/{f.relative_to(root).as_posix()}")
    return sorted(urls)


def _tornado_settings() -> str:
    """Voila's ``tornado_settings``, JSON: the hashed extension files cached for good, and
    the pages' LaTeX typesetter pointed at pmkit's own (``pmkit.bundle.NO_MATH``: no math on
    the dashboards) instead of MathJax 3, which each page would otherwise fetch and set up."""
    import json

    return json.dumps(
        {
            "static_immutable_cache": hashed_labextension_urls(),
            "mathjax_url": f"/voila/static/{NO_MATH}",
        }
    )


POOL_MANAGER = "pmkit.serving.FillGateKernelManager"
# Voila refills a used pool slot 1 s after use: with a pool sized for a rush, 20 viewers would
# start 20 new kernels (each importing pandas/altair, ~9 CPU-s) while their own pages are
# still being sent. With pools above 1, refills wait this long instead.
RUSH_FILL_DELAY_S = 60


def _auth_config(token: str, password_hash: str) -> str:
    """A private config folder holding the token / password hash (kept off the command line)."""
    import json
    import tempfile

    folder = tempfile.mkdtemp(prefix="pmkit-serve-")  # 0700
    conf: dict[str, dict[str, str]] = {}
    if token:
        conf["Voila"] = {"token": token}
    if password_hash:
        conf["PasswordIdentityProvider"] = {"hashed_password": password_hash}
    path = Path(folder) / "voila.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(conf, fh)
    return folder


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


def check_pool_memory(pools: dict[str, int], have: int | None = None) -> None:
    """Refuse preheated pools whose estimated memory exceeds what the machine has available.

    ``--viewers 20`` preheats 20 kernels for *every* dashboard (8 dashboards: 160 kernels,
    ~30 GB): the machine would swap or kill kernels long before the rush. The message points
    at sizing only the dashboard the rush hits. ``have``: MB available (default: now, from
    /proc/meminfo; unknown there means no check).
    """
    have = _available_mb() if have is None else have
    kernels = sum(pools.values())
    need = kernels * KERNEL_MB
    if have is None or need <= have:
        return
    others = len(pools) - 1  # one preheated kernel each for the dashboards not in the rush
    fits = max(have // KERNEL_MB - others, 1)
    # the biggest pool; on a tie (a bare N) the at-a-glance page, the one opened together
    busiest = max(sorted(pools), key=lambda nb: (pools[nb], "glance" in nb))
    name = busiest.removesuffix(".ipynb")
    short = name.rsplit("_", 1)[-1]
    name = short if sum(short in nb for nb in pools) == 1 else name
    raise PmkitError(
        f"--viewers: {kernels} preheated kernels need ≈ {need:,} MB at ~{KERNEL_MB} MB each, "
        f"more than the {have:,} MB available",
        expected=f"a pool sized for the dashboard the viewers open at once and 1 kernel for "
        f"the others, e.g. --viewers {name}={min(pools[busiest], fits)} "
        f"(at most ~{fits} kernels for one dashboard fit here)",
    )


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


def _serve_data(args: argparse.Namespace, env: dict[str, str]) -> str | None:
    """Resolve ``--data`` / ``$PMKIT_DATA`` (a folder or a database URL); None if unusable."""
    from pmkit.store import is_database_url, open_store  # lazy: SQLAlchemy, ~0.4 s per command

    if args.data:
        env["PMKIT_DATA"] = (
            args.data if is_database_url(args.data) else str(Path(args.data).resolve())
        )
    data = env.get("PMKIT_DATA") or str(user_sample_path())
    env["PMKIT_DATA"] = data
    try:
        store = open_store(data)
    except PmkitError as exc:
        print(f"pmkit serve: {exc}" + (f" ({exc.expected})" if exc.expected else ""),
              file=sys.stderr)  # fmt: skip
        return None
    return str(store.label)


def _serve_env(env: dict[str, str]) -> dict[str, str]:
    """Voila's environment: the ``pmkit`` page template (Font Awesome served locally)."""
    extra = voila_jupyter_path()
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(extra), env.get("JUPYTER_PATH")) if p)
    # Kernels put the offline chart bundle there once; charts import it by URL (first paint).
    env[STATIC_DIR_ENV] = str(voila_static_dir(extra))
    # Preheated kernels say "page built" there (kernel ids are unique: one folder for all).
    (extra / "pool-ready").mkdir(exist_ok=True)
    env[POOL_READY_ENV] = str(extra / "pool-ready")
    return env


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve every dashboard with Voila (loopback by default; offline: no CDN needed)."""
    env = dict(os.environ)
    token = args.token or env.pop("PMKIT_TOKEN", "")
    password_hash = env.pop("PMKIT_PASSWORD_HASH", "")
    if args.ip not in LOOPBACK and not (token or password_hash):
        print(
            f"pmkit serve: refusing to listen on {args.ip} without a token or password: "
            "set PMKIT_TOKEN (or --token) or PMKIT_PASSWORD_HASH "
            "(from `python -c 'from jupyter_server.auth import passwd; print(passwd())'`)",
            file=sys.stderr,
        )
        return 2
    label = _serve_data(args, env)
    if label is None:
        return 2
    notebooks = Path(args.notebooks).resolve() if args.notebooks else dashboards_path()
    if not notebooks.is_dir():
        print(f"pmkit serve: notebooks folder not found: {notebooks}", file=sys.stderr)
        return 2
    env = _serve_env(env)
    if token or password_hash:
        env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
            p for p in (_auth_config(token, password_hash), env.get("JUPYTER_CONFIG_PATH")) if p
        )
    host = f"[{args.ip}]" if ":" in args.ip else args.ip
    print(f"pmkit: serving the dashboards on http://{host}:{args.port} ({label})")
    pools = None
    if args.preheat:
        pools = pool_sizes(args.viewers, sorted(p.name for p in notebooks.glob("*.ipynb")))
        print(memory_estimate(pools), flush=True)
        check_pool_memory(pools)
    cmd = _voila_command(
        args.port, preheat=args.preheat, notebooks=notebooks, ip=args.ip, pools=pools
    )
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
    return cli_validate(args.path)


def cmd_schedule(args: argparse.Namespace) -> int:
    """Schedule one project file (what ``pmkit import`` reads) and print early/late dates and
    float."""
    return cli_schedule(args.file, args.format, guard=args.guard)


# ``pmkit schedule``: the verb lives here, so the schedule package never reaches up to io
# for a command line (schedule -> io stays one-way through schedule.mspdi_adapter).
CSV_COLUMNS = [
    "uid",
    "name",
    "early_start",
    "early_finish",
    "late_start",
    "late_finish",
    "total_slack_min",
    "free_slack_min",
    "critical",
]


def _fmt(ts: Any) -> str:
    import pandas as pd

    if ts is None or pd.isna(ts):
        return ""
    return pd.Timestamp(ts).strftime("%Y-%m-%dT%H:%M")


def schedule_table(sched: Schedule) -> pd.DataFrame:
    """The stable CSV view: one row per task, ISO minute dates, slack in working minutes."""
    import numpy as np
    import pandas as pd

    t = sched.tasks
    out = pd.DataFrame(
        {
            "uid": t["uid"],
            "name": t["name"],
            "early_start": [_fmt(x) for x in t["early_start"]],
            "early_finish": [_fmt(x) for x in t["early_finish"]],
            "late_start": [_fmt(x) for x in t["late_start"]],
            "late_finish": [_fmt(x) for x in t["late_finish"]],
            "total_slack_min": np.rint(t["total_slack_min"].to_numpy()).astype(np.int64),
            "free_slack_min": np.rint(t["free_slack_min"].to_numpy()).astype(np.int64),
            "critical": t["critical"].astype(bool),
        }
    )
    return out[CSV_COLUMNS]


def cli_schedule(
    path: str, fmt: str = "csv", out: TextIO | None = None, *, guard: bool = True
) -> int:
    """``pmkit schedule FILE --format csv|table``: print the schedule; 0 on success, 2 on a
    pmkit error (message on stderr, no traceback). The CSV goes to spreadsheets: a task named
    ``=HYPERLINK(...)`` gets a guard apostrophe unless ``guard`` is False (``--no-guard``)."""
    import pandas as pd

    stream = out or sys.stdout
    try:
        if not Path(path).exists():
            raise PmkitError("file not found", file=path)
        project = read_project_file(path)  # MSPDI, or .mpp/.mpx/.xer/P6 through MPXJ
        for note in project.notes:  # a duplicate link kept once, ...
            print(f"warning: {path}: {note}", file=sys.stderr)
        sched = schedule_mspdi(project)
        table = schedule_table(sched)
        if fmt == "csv":
            table = table.assign(critical=table["critical"].map({True: "true", False: "false"}))
            (guard_frame(table) if guard else table).to_csv(
                stream, index=False, lineterminator="\n"
            )
        elif fmt == "table":
            with pd.option_context(
                "display.max_rows", None, "display.width", 200, "display.max_colwidth", 40
            ):
                stream.write(table.to_string(index=False) + "\n")
            stream.write(f"project finish: {_fmt(sched.finish)}\n")
        else:
            raise PmkitError(
                "unknown output format", field="--format", value=fmt, expected="csv or table"
            )
    except PmkitError as exc:
        if not exc.file:  # errors raised past the reader (calendar, scheduler) name it too
            exc.file = path
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write the PMO status pack (HTML and/or PDF) and/or the roll-up workbook (Excel)."""
    if not (args.html or args.xlsx or args.pdf):
        print("pmkit report: give --html FILE, --pdf FILE and/or --xlsx FILE", file=sys.stderr)
        return 2
    if args.path and Path(args.path).suffix.lower() in (".xlsx", ".xlsm"):
        from pmkit.io.excel import load_workbook  # the door `pmkit validate` takes too

        portfolio = load_workbook(args.path)
    else:
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


def _report_pdf(portfolio: Portfolio, path: str, **kwargs: Any) -> None:
    """The status pack printed to an A4 PDF by Chromium (see pmkit.reports.pdf for why)."""
    out = status_pack_pdf(portfolio, path, **kwargs)
    print(f"status pack (PDF): {out}")


def cmd_import(args: argparse.Namespace) -> int:
    """Add a schedule file (MSPDI, or .mpp/.xer/... with MPXJ) to a portfolio folder."""
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
    notes: list[str] = []
    try:
        merged = import_schedule(args.file, into=base, project_id=args.project_id, notes=notes)
    except PmkitError as exc:
        print(f"pmkit import: {args.file} was not imported:\n{exc}", file=sys.stderr)
        return 1
    out = write_portfolio(merged, args.out or args.into)
    n = int((merged.tasks["project_id"] == args.project_id).sum())
    print(f"imported {args.project_id} ({n:,} tasks) from {args.file}; portfolio written to {out}")
    for note in notes:
        print(f"note: {args.file}: {note}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write one portfolio project as MS Project XML (MSPDI), P6 XML or MPX."""
    data = args.data or os.environ.get("PMKIT_DATA") or sample_data_path()
    if not Path(data).is_dir():
        print(f"pmkit export: {data}: no such portfolio folder", file=sys.stderr)
        return 2
    portfolio = load_portfolio(data)
    out = export_project(portfolio, args.project_id, args.out, fmt=args.format)
    print(f"exported {args.project_id} as {args.format} to {out}")
    if args.format in EXPORT_LIMITS:
        print(f"note: {EXPORT_LIMITS[args.format]}")
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    """``pmkit db init|upgrade|load|dump``: manage a SQLite/PostgreSQL portfolio store."""
    from pmkit import store  # lazy: SQLAlchemy, ~0.4 s per command

    try:
        if args.action in ("init", "upgrade"):
            rev = store.init_db(args.url)
            print(f"database at schema revision {rev}")
        elif args.action == "load":
            if not Path(args.folder).is_dir():
                print(f"pmkit db load: {args.folder}: no such portfolio folder", file=sys.stderr)
                return 2
            sql = store.load_folder(args.folder, args.url, replace=args.replace)
            print(f"loaded {args.folder} into {sql.label} (one transaction)")
        elif args.action == "grant":
            return _db_grant(args)
        else:
            out = store.dump_store(args.url, args.folder)
            print(f"dumped to {out}")
    except PortfolioValidationError as exc:
        print(f"pmkit db load: nothing was written.\n{exc.report}", file=sys.stderr)
        return 1
    return 0


def _db_parser(sub: Any) -> None:
    d = sub.add_parser("db", help="manage a database store (SQLite or PostgreSQL)")
    dsub = d.add_subparsers(dest="action", required=True)
    for name, text in (("init", "create the tables (or upgrade them)"),
                       ("upgrade", "upgrade an older database's schema (data kept)")):  # fmt: skip
        p = dsub.add_parser(name, help=text)
        p.add_argument("url", help="sqlite:///FILE or postgresql://USER@HOST/DB")
    ld = dsub.add_parser("load", help="validate a CSV folder, then copy it in one transaction")
    ld.add_argument("folder")
    ld.add_argument("url")
    ld.add_argument("--replace", action="store_true", help="replace a portfolio already there")
    dp = dsub.add_parser("dump", help="write the database's portfolio as a CSV folder")
    dp.add_argument("url")
    dp.add_argument("folder")
    gr = dsub.add_parser(
        "grant", help="PostgreSQL: read-only and change-board roles (docs/DEPLOY.md)"
    )
    gr.add_argument("url", help="postgresql://OWNER@HOST/DB (run as the portfolio's owner)")
    for kind, who in (("read", "may only read (managers, analysts)"),
                      ("board", "may also record change-board decisions")):  # fmt: skip
        gr.add_argument(f"--{kind}", nargs="*", default=[], metavar="LOGIN", help=who)
    d.set_defaults(func=cmd_db)


def _db_grant(args: argparse.Namespace) -> int:
    """``pmkit db grant``: create/refresh the two group roles and add the login roles given."""
    from pmkit.store.roles import grant_roles  # lazy: SQLAlchemy

    roles = grant_roles(args.url, {"read": args.read, "board": args.board})
    print(f"{roles['read']}: SELECT on every table; members added: {', '.join(args.read) or '-'}")
    print(
        f"{roles['board']}: {roles['read']} + INSERT into decisions and audit; "
        f"members added: {', '.join(args.board) or '-'}"
    )
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    """Write an editable working folder: the notebooks and a portfolio (sample or empty)."""
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


def cmd_prioritise(args: argparse.Namespace) -> int:
    """Rank the projects, choose and sequence the portfolio under a budget and capacity level;
    optionally save the result as a scenario, compare it with a saved one and export both."""
    import json

    from pmkit.portfolio import prioritise as pz  # lazy: scipy and HiGHS, ~0.5 s per command

    data = args.path or os.environ.get("PMKIT_DATA") or sample_data_path()
    if not Path(data).exists():
        raise PmkitError("no such portfolio folder or workbook", file=str(data))
    if args.export and not args.compare:
        raise PmkitError("--export writes a comparison: give --compare NAME too", field="--export")
    portfolio = load_portfolio(data)
    if args.rank:
        table = pz.priority_scores(portfolio)[["rank", "project_id", "name", "score", "why"]]
        return _print_table(table.round({"score": 2}), {}, args)
    budget: float | str | None = None if args.no_budget else args.budget
    run = pz.prioritise_run(
        portfolio,
        budget="standards" if budget is None and not args.no_budget else budget,
        level=args.level,
        forced_in=_ids(args.force_in),
        forced_out=_ids(args.force_out),
        time_limit=args.time_limit,
        use_links=not args.ignore_links,
    )
    record = pz.scenario(args.save or "current", run.selection)
    saved = pz.save_scenario(portfolio, record) if args.save else None
    extra: dict[str, pd.DataFrame] = {}
    if args.compare:
        other = pz.load_scenario(portfolio, args.compare)
        extra = pz.compare_scenarios(other, record)
        if args.export:
            done = pz.export_scenarios(other, record, args.export, guard=args.guard)
            print(f"comparison: {done}", file=sys.stderr)
    if saved is not None:
        print(f"scenario saved: {saved}", file=sys.stderr)
    if args.json:
        out = {"summary": run.summary, "projects": run.projects.to_dict("records")}
        out |= {k: v.to_dict("records") for k, v in extra.items()}
        print(json.dumps(out, indent=1, default=str))
        return 0
    return _print_table(run.projects, extra, args, summary=run.summary)


def _ids(values: Sequence[str] | None) -> list[str]:
    """``--force-in P01,P02 --force-in P03`` -> ``["P01", "P02", "P03"]``."""
    return [x.strip() for v in values or () for x in v.split(",") if x.strip()]


def _print_table(
    table: pd.DataFrame,
    extra: dict[str, pd.DataFrame],
    args: argparse.Namespace,
    *,
    summary: dict[str, Any] | None = None,
) -> int:
    """The run's line and tables as text, or the project table as CSV. The run's summary is
    apart from ``extra``: a comparison has its own "summary" table (kept apart, it no longer
    replaced the run's and stopped ``--compare`` with a traceback)."""
    import pandas as pd

    if getattr(args, "json", False):
        print(table.to_json(orient="records", indent=1))
        return 0
    if args.csv:
        (guard_frame(table) if args.guard else table).to_csv(
            sys.stdout, index=False, lineterminator="\n"
        )
        return 0
    if summary:
        gap = "" if summary["gap"] is None else f", proven gap {summary['gap']:.2%}"
        budget = "none" if summary["budget"] is None else f"{summary['budget']:,.0f}"
        print(
            f"chosen {summary['chosen']} of {summary['candidates']} projects: value "
            f"{summary['value']:,.1f}, cost {summary['cost']:,.0f} (budget {budget}, capacity "
            f"level {summary['level']:g}); {summary['status']}{gap}, {summary['seconds']:.1f} s"
        )
        if summary["overload_accepted_hours"]:
            print(
                f"committed work over capacity, accepted: "
                f"{summary['overload_accepted_hours']:,.0f} h (could not be fixed)"
            )
    with pd.option_context("display.max_rows", None, "display.width", 200,
                           "display.max_colwidth", 70):  # fmt: skip
        print(_readable(table).to_string(index=False))
        for name, t in extra.items():
            print(f"\n{name}:\n{_readable(t).to_string(index=False)}")
    return 0


def _readable(table: pd.DataFrame) -> pd.DataFrame:
    """Money as whole units with thousands separators, other decimals to two places.

    Only for the printed table: ``--csv`` and ``--json`` keep full precision.
    """
    out = table.copy()
    for col in out.columns[[k == "f" for k in out.dtypes.map(lambda d: d.kind)]]:
        money = any(w in str(col) for w in ("cost", "budget", "value_at", "eac", "bac"))
        out[col] = out[col].map(
            lambda v, m=money: "" if v != v else (f"{v:,.0f}" if m else f"{v:,.2f}")
        )
    return out


NO_GUARD_HELP = (
    "CSV: write text cells exactly as they are. By default a name starting with = + - @, a tab "
    "or CR gets a leading apostrophe so a spreadsheet shows it instead of running it as a "
    "formula (numbers stay numbers); use this only for a machine reader, never for a file "
    "someone opens in Excel"
)


def add_prioritise_parser(sub: Any) -> None:
    z = sub.add_parser(
        "prioritise", help="rank projects and choose the portfolio under budget and capacity"
    )
    z.add_argument("path", nargs="?", help="portfolio folder (default: $PMKIT_DATA or the sample)")
    z.add_argument("--rank", action="store_true", help="print the priority ranking only")
    z.add_argument("--budget", type=float, help="total budget (default: standards.yaml)")
    z.add_argument("--no-budget", action="store_true", help="no total budget constraint")
    z.add_argument("--level", type=float, default=1.0, help="capacity level (1.0 = all of it)")
    z.add_argument("--force-in", action="append", help="project ids to keep (P01,P02)")
    z.add_argument("--force-out", action="append", help="project ids to leave out")
    z.add_argument("--ignore-links", action="store_true", help="ignore cross-project links")
    z.add_argument("--time-limit", type=float, default=10.0, help="solver seconds (default 10)")
    z.add_argument("--save", metavar="NAME", help="save the result as scenario NAME")
    z.add_argument("--compare", metavar="NAME", help="compare with saved scenario NAME")
    z.add_argument("--export", metavar="FILE", help="write the comparison (.csv or .xlsx)")
    out = z.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print JSON")
    out.add_argument("--csv", action="store_true", help="print the project table as CSV")
    z.add_argument("--no-guard", dest="guard", action="store_false", help=NO_GUARD_HELP)
    z.set_defaults(func=cmd_prioritise)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pmkit", description=__doc__)
    sub = p.add_subparsers(dest="verb", required=True)

    s = sub.add_parser("serve", help="serve the dashboards with Voila")
    s.add_argument("--port", type=int, default=8866)
    s.add_argument(
        "--data",
        help="portfolio folder or database URL (sqlite:///FILE, postgresql://USER@HOST/DB); "
        "default: $PMKIT_DATA, else the bundled sample",
    )
    s.add_argument(
        "--ip",
        default="127.0.0.1",
        help="address to listen on (default loopback; any other needs a token or password)",
    )
    s.add_argument("--token", default="", help="access token (prefer $PMKIT_TOKEN: not in ps)")
    s.add_argument("--notebooks", help="dashboards folder (default: the installed ones)")
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

    c = sub.add_parser(
        "schedule", help="schedule one project file (MSPDI; .mpp/.mpx/.xer/P6 XML with MPXJ)"
    )
    c.add_argument("file")
    c.add_argument("--format", choices=["csv", "table"], default="table")
    c.add_argument("--no-guard", dest="guard", action="store_false", help=NO_GUARD_HELP)
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

    x = sub.add_parser("export", help="write a project as MS Project XML, P6 XML or MPX")
    x.add_argument("project_id", help="id of the portfolio project, e.g. P03")
    x.add_argument("out", help="file to write")
    x.add_argument("--format", choices=["mspdi", "pmxml", "mpx"], default="mspdi")
    x.add_argument("--data", help="portfolio folder (default: the sample, or $PMKIT_DATA)")
    x.set_defaults(func=cmd_export)
    _db_parser(sub)
    add_init_parser(sub)
    add_prioritise_parser(sub)

    # Listed for --help; main() hands its arguments to pmkit.generate's own parser.
    sub.add_parser(
        "generate", help="write a seeded sample portfolio (OUT_DIR [--projects N] [--seed S])"
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["generate"]:
        try:
            return generate_main(argv[1:])
        except OSError as exc:
            return _os_error("generate", exc)
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except PmkitError as exc:
        print(f"pmkit {args.verb}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `pmkit schedule x.xml | head`: the reader left, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        return _os_error(args.verb, exc)


def _os_error(verb: str, exc: OSError) -> int:
    """An output path that cannot be written (a file where a folder should be, a missing
    parent, no permission): say which path and why, exit 2, no traceback."""
    print(f"pmkit {verb}: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
