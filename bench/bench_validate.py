"""Validation door throughput: MB/s and peak memory of ``pmkit validate`` on big CSV folders.

The sample portfolio (``data/``) is replicated K times with renamed ids (every table, so the
cross-table rules have real work) to reach ~12 and ~50 MB, once as plain UTF-8 CSV and once as
Spanish Excel writes it (semicolon, decimal comma, dd/mm/yyyy, Windows-1252, CRLF). Each run is a
fresh process, so peak memory is that process's high-water mark (VmHWM). The baseline, side by
side, is plain ``pandas.read_csv(dtype=str)`` of the same files: reading alone, no checks.

Times are CPU seconds of the child process (``time.process_time``): on a machine shared by many
jobs the wall clock mostly measures the queue for a core, the CPU time measures the work. Wall
seconds are printed too, with the load average. Before timing, each child validates the small
sample once, so one-off imports (pandera registers its backends on first use) are shown in their
own column ("warm s") instead of being spread over the throughput.

    python bench/bench_validate.py                 # 12.5 and 50 MB
    python bench/bench_validate.py --mb 50          # one size
    python bench/bench_validate.py --code /tmp/old  # time another checkout's pmkit (before/after)

Columns: ``x pandas`` = pmkit CPU time / pandas CPU time on the same files; ``growth`` = CPU time
at this size / CPU time at the smallest size, next to the size ratio (proportional: growth <=
size ratio).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
ID_COLUMNS = {"project_id", "task_id", "pred_id", "succ_id", "cr_id", "risk_id"}

CHILD = r"""
import json, sys, time
from pathlib import Path
mode, folder, sample = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
import pandas as pd
from pmkit.io.csv_folder import read_folder
import pmkit
c0 = time.process_time()
if mode == "pmkit":
    read_folder(sample)  # one-off imports and first-use set-up, timed apart
warm = time.process_time() - c0
t0, c0 = time.perf_counter(), time.process_time()
if mode == "pmkit":
    tables, _, report = read_folder(folder)
    ok, rows = report.ok, sum(len(t) for t in tables.values())
    errors = [str(i) for i in report.errors[:3]]
else:
    sep = ";" if mode == "pandas-es" else ","
    enc = "cp1252" if mode == "pandas-es" else "utf-8"
    frames = [pd.read_csv(f, dtype=str, keep_default_na=False, sep=sep, encoding=enc)
              for f in sorted(folder.glob("*.csv"))]
    ok, rows, errors = True, sum(len(f) for f in frames), []
cpu, wall = time.process_time() - c0, time.perf_counter() - t0
hwm = next(int(l.split()[1]) for l in Path("/proc/self/status").read_text().splitlines()
           if l.startswith("VmHWM"))
print(json.dumps({"cpu": cpu, "wall": wall, "warm": warm, "peak_mb": hwm / 1024, "ok": ok,
                  "rows": rows, "errors": errors, "code": str(Path(pmkit.__file__).parent)}))
"""


def _replicate(k: int, dst: Path, spanish: bool) -> float:
    """Write the sample K times over (ids suffixed ``-k``); returns the folder's size in MB."""
    dst.mkdir(parents=True, exist_ok=True)
    for f in sorted(DATA.glob("*.csv")):
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        ids = [c for c in df.columns if c in ID_COLUMNS]
        keyed = ids and f.stem not in ("calendars", "resources")
        parts = []
        for i in range(k if keyed else 1):
            part = df.copy()
            for c in ids:
                part[c] = part[c].where(part[c] == "", part[c] + f"-{i}")
            parts.append(part)
        out = pd.concat(parts, ignore_index=True)
        if spanish:
            out = out.apply(_to_spanish)
        sep, enc, nl = (";", "cp1252", "\r\n") if spanish else (",", "utf-8", "\n")
        out.to_csv(
            dst / f.name, index=False, sep=sep, encoding=enc, lineterminator=nl, errors="replace"
        )
    (dst / "standards.yaml").write_text((DATA / "standards.yaml").read_text(encoding="utf-8"))
    return sum(p.stat().st_size for p in dst.glob("*.csv")) / 1e6


def _to_spanish(col: pd.Series) -> pd.Series:
    if col.str.fullmatch(r"-?\d+\.\d+|").all():
        return col.str.replace(".", ",", regex=False)
    if col.str.fullmatch(r"\d{4}-\d{2}-\d{2}|").all():
        return col.str.replace(r"(\d{4})-(\d{2})-(\d{2})", r"\3/\2/\1", regex=True)
    return col


def _run(mode: str, folder: Path, code: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    res = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(folder), str(DATA)],
        capture_output=True,
        text=True,
        check=True,
        cwd=code,
        env=env,
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} (1 / 5 min) on {os.cpu_count()} cores"


HEADER = (
    f"{'dialect':8} {'MB':>5} {'rows':>9} {'pmkit s':>8} {'MB/s':>6} {'wall s':>7} "
    f"{'warm s':>6} {'peak MB':>7} {'pandas s':>8} {'MB/s':>6} {'peak MB':>7} "
    f"{'x pandas':>8} {'mem x':>5} {'size x':>6} {'growth':>6}"
)


def _row(name: str, size: float, ours: dict, base: dict, first: tuple[float, float] | None) -> str:
    t1, t0 = float(ours["cpu"]), float(base["cpu"])
    m1, m0 = float(ours["peak_mb"]), float(base["peak_mb"])
    size0, t_first = first if first else (size, t1)
    return (
        f"{name:8} {size:5.1f} {ours['rows']:9,} {t1:8.2f} {size / t1:6.1f} "
        f"{float(ours['wall']):7.1f} {float(ours['warm']):6.2f} {m1:7.0f} {t0:8.2f} "
        f"{size / t0:6.1f} {m0:7.0f} {t1 / t0:8.1f} {m1 / m0:5.2f} {size / size0:6.2f} "
        f"{t1 / t_first:6.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, nargs="*", default=[12.5, 50])
    ap.add_argument("--code", type=Path, default=REPO, help="checkout whose pmkit is timed")
    ap.add_argument("--dialect", choices=["utf8", "es", "both"], default="both")
    args = ap.parse_args(argv)
    per_copy = sum(p.stat().st_size for p in DATA.glob("*.csv")) / 1e6
    print(f"pmkit from {args.code.resolve()}; {_load()}")
    print(HEADER)
    for spanish in {"utf8": [False], "es": [True], "both": [False, True]}[args.dialect]:
        first: tuple[float, float] | None = None
        for mb in args.mb:
            k = max(1, round(mb / per_copy))
            with tempfile.TemporaryDirectory(prefix="pmkit-bench-") as tmp:
                size = _replicate(k, Path(tmp) / "pf", spanish)
                ours = _run("pmkit", Path(tmp) / "pf", args.code)
                base = _run("pandas-es" if spanish else "pandas", Path(tmp) / "pf", args.code)
            if not str(ours["code"]).startswith(str(args.code.resolve())):
                print("warning: timed the pmkit of", ours["code"])
            if not ours["ok"]:
                print("validation failed:", ours["errors"])
                return 1
            print(_row("es-excel" if spanish else "utf8-csv", size, ours, base, first), flush=True)
            first = first or (size, float(ours["cpu"]))
    print(_load())
    print(
        "pmkit s / pandas s: CPU seconds (read + every check / read only); x pandas = their ratio"
    )
    print(
        "size x / growth: size and pmkit CPU time over the smallest size's"
        " (linear: growth <= size x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
