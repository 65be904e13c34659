"""Validation door throughput: MB/s and peak memory of ``pmkit validate`` on big CSV folders.

The sample portfolio (``data/``) is replicated K times with renamed ids (every table, so the
cross-table rules have real work) to reach ~12, 25 and 50 MB, once as plain UTF-8 CSV and once as
Spanish Excel writes it (semicolon, decimal comma, dd/mm/yyyy, Windows-1252, CRLF). Each run is a
fresh process, so peak memory is that process's high-water mark (VmHWM). The baseline, side by
side, is plain ``pandas.read_csv(dtype=str)`` of the same files: reading alone, no checks.

    python bench/bench_validate.py            # 12/25/50 MB
    python bench/bench_validate.py --mb 50    # one size
"""

from __future__ import annotations

import argparse
import json
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
mode, folder = sys.argv[1], Path(sys.argv[2])
import pandas as pd
from pmkit.io.csv_folder import read_folder
t0 = time.perf_counter()
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
secs = time.perf_counter() - t0
hwm = next(int(l.split()[1]) for l in Path("/proc/self/status").read_text().splitlines()
           if l.startswith("VmHWM"))
print(json.dumps({"secs": secs, "peak_mb": hwm / 1024, "ok": ok, "rows": rows, "errors": errors}))
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


def _run(mode: str, folder: Path) -> dict[str, object]:
    res = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(folder)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, nargs="*", default=[12.5, 25, 50])
    args = ap.parse_args(argv)
    per_copy = sum(p.stat().st_size for p in DATA.glob("*.csv")) / 1e6
    print(f"{'dialect':8} {'MB':>6} {'rows':>9} {'pmkit s':>8} {'MB/s':>6} {'peak MB':>8} "
          f"{'pandas s':>9} {'MB/s':>6} {'peak MB':>8} {'time x':>7} {'mem x':>6}")  # fmt: skip
    for spanish in (False, True):
        for mb in args.mb:
            k = max(1, round(mb / per_copy))
            with tempfile.TemporaryDirectory(prefix="pmkit-bench-") as tmp:
                size = _replicate(k, Path(tmp) / "pf", spanish)
                ours = _run("pmkit", Path(tmp) / "pf")
                base = _run("pandas-es" if spanish else "pandas", Path(tmp) / "pf")
            if not ours["ok"]:
                print("validation failed:", ours["errors"])
                return 1
            name = "es-excel" if spanish else "utf8-csv"
            t1, t0 = float(ours["secs"]), float(base["secs"])
            m1, m0 = float(ours["peak_mb"]), float(base["peak_mb"])
            print(
                f"{name:8} {size:6.1f} {ours['rows']:9,} {t1:8.2f} {size / t1:6.1f} {m1:8.0f} "
                f"{t0:9.2f} {size / t0:6.1f} {m0:8.0f} {t1 / t0:7.1f} {m1 / m0:6.2f}"
            )
    print("time x / mem x: pmkit (read + every check) over pandas.read_csv (read only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
