"""Benchmark the PMO lens at scale: 1,000 projects / ~100k tasks / 1,000 resources.

    python bench/bench_portfolio.py [--projects 1000] [--baseline-sample 50]

Stages timed (the issue's goal: load + validate + schedule + roll-up + capacity <= 3 s, kernel
RSS <= 400 MB): load_portfolio (read + validate), schedule_portfolio (every project in one
vectorised network, cross-project links honoured), rollup, capacity_by_role_month and
overallocated_resources. Generation to a temp folder is not part of the budget.

Baselines, in the same process, printed side by side with the ratio:
- scheduling: a per-project loop of ``schedule_project`` (the way a one-project tool would do
  it), timed on ``--baseline-sample`` projects and extrapolated linearly to all of them;
- roll-up: ``pmkit.evm.evm_rollup`` (a per-project loop over status reports) against the
  vectorised latest-report EVM of the roll-up.
Peak RSS is ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (the process high-water mark).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pmkit.generate import write_generated  # noqa: E402
from pmkit.io.csv_folder import load_portfolio  # noqa: E402
from pmkit.portfolio.capacity import capacity_by_role_month, overallocated_resources  # noqa: E402
from pmkit.portfolio.rollup import latest_evm, rollup  # noqa: E402
from pmkit.schedule.portfolio_adapter import schedule_portfolio, schedule_project  # noqa: E402


def rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed(label: str, fn: Callable[[], Any], log: list[tuple[str, float]]) -> Any:
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    log.append((label, dt))
    print(f"  {label:<34} {dt:7.2f} s   peak RSS {rss_mb():7.0f} MB", flush=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=1000)
    ap.add_argument("--resources", type=int, default=1000)
    ap.add_argument("--baseline-sample", type=int, default=50)
    ap.add_argument("--data", help="run the pipeline on this folder (no generation)")
    args = ap.parse_args()
    if args.data is None:  # generate, then measure in a fresh process (RSS = the kernel's own)
        with tempfile.TemporaryDirectory(prefix="pmkit-bench-") as tmp:
            t0 = time.perf_counter()
            write_generated(
                tmp,
                n_projects=args.projects,
                tasks_per_project=(80, 120),
                n_resources=args.resources,
                seed=1,
            )
            print(f"generated {args.projects} projects in {time.perf_counter() - t0:.1f} s")
            cmd = [
                sys.executable,
                __file__,
                "--data",
                tmp,
                "--baseline-sample",
                str(args.baseline_sample),
            ]
            return subprocess.run(cmd, check=False).returncode
    tmp = args.data
    base_rss = rss_mb()
    log: list[tuple[str, float]] = []
    print("pipeline:")
    pf = timed("load + validate", lambda: load_portfolio(tmp), log)
    print(f"  ({pf.summary()})")
    sched = timed("schedule every project (one network)", lambda: schedule_portfolio(pf), log)
    roll = timed("roll-up (RAG x 4 dimensions)", lambda: rollup(pf, schedule=sched), log)
    cap = timed("capacity by role x month", lambda: capacity_by_role_month(pf, sched), log)
    over = timed("over-allocated resources", lambda: overallocated_resources(pf, sched), log)
    total = sum(dt for _, dt in log)
    peak = rss_mb()
    print(
        f"  {'TOTAL':<34} {total:7.2f} s   peak RSS {peak:7.0f} MB "
        f"(goal <= 3 s, <= 400 MB; {base_rss:.0f} MB after imports)"
    )
    print(
        f"  rows: roll-up {len(roll)}, capacity cells {len(cap)}, "
        f"over-allocated resource-months {len(over)}"
    )
    print(f"  RAG overall: {roll['rag_overall'].value_counts().to_dict()}")

    print("baselines (same process):")
    ids = pf.project_ids[: args.baseline_sample]
    t0 = time.perf_counter()
    for pid in ids:
        schedule_project(pf, pid, external=sched)
    loop = (time.perf_counter() - t0) * len(pf.project_ids) / max(len(ids), 1)
    one = dict(log)["schedule every project (one network)"]
    print(
        f"  per-project schedule loop (extrapolated from {len(ids)}): {loop:7.2f} s "
        f"vs one network {one:.2f} s -> x{loop / one:.1f}"
    )
    from pmkit.evm import evm_rollup

    t0 = time.perf_counter()
    latest_evm(pf)
    vec = time.perf_counter() - t0
    sub = type(pf).from_tables(
        {
            t: getattr(pf, t)
            for t in (
                "tasks",
                "links",
                "resources",
                "assignments",
                "calendars",
                "holidays",
                "risks",
                "changes",
                "milestone_forecasts",
                "gates",
            )
        }
        | {
            "projects": pf.projects[pf.projects["project_id"].isin(ids)],
            "snapshots": pf.snapshots[pf.snapshots["project_id"].isin(ids)],
        },
        pf.standards,
    )
    t0 = time.perf_counter()
    evm_rollup(sub)
    naive = (time.perf_counter() - t0) * len(pf.project_ids) / max(len(ids), 1)
    print(
        f"  per-project EVM loop (evm_rollup, extrapolated): {naive:7.2f} s "
        f"vs vectorised latest_evm {vec:.3f} s -> x{naive / max(vec, 1e-9):.0f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
