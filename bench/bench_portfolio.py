"""Benchmark the PMO lens at scale: 1,000 projects / ~100k tasks / 1,000 resources.

    python bench/bench_portfolio.py [--projects 1000] [--repeat 3] [--baseline-sample 50]

Stages timed (the issue's goal: load + validate + schedule + roll-up + capacity <= 3 s, kernel
RSS <= 400 MB): load_portfolio (read + validate), schedule_portfolio (every project in one
vectorised network, cross-project links honoured), rollup, then the capacity views the way the
PMO dashboard needs them: one ``capacity_model`` (demand, capacity and priority allocation),
the heat map (``by_role_month``) and the over-allocated resource-months read from it.
Generation to a temp folder is not part of the budget. Each stage is run ``--repeat`` times
(best wall time, and the CPU time of that run: the machine is shared, CPU time is the steadier
number).

Baselines, in the same process, printed side by side with the ratio:
- capacity, before the shared model: the previous implementation, kept verbatim below as
  ``_legacy_*`` (pandas groupbys, a Python ``", ".join`` per over-allocated resource-month, the
  demand computed again for each view), timed on the same data; its results are checked equal
  to the new ones (same rows, same values) so the ratio compares like with like;
- capacity, module functions without sharing: ``capacity_by_role_month(pf, sched)`` then
  ``overallocated_resources(pf, sched)`` (each builds its own model) - what sharing saves;
- scheduling: a per-project loop of ``schedule_project`` (the way a one-project tool would do
  it), timed on ``--baseline-sample`` projects and extrapolated linearly to all of them;
- roll-up: ``pmkit.evm.evm_rollup`` (a per-project loop over status reports) against the
  vectorised latest-report EVM of the roll-up.
Peak RSS is the process high-water mark (``VmHWM``; see ``rss_mb`` for why not ``ru_maxrss``), read
after each stage's first run (reruns drop the previous result first, but the allocator may keep
freed pages, so the first-run value is the honest one) and before the baselines.
"""

from __future__ import annotations

import argparse
import gc
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pmkit.generate import write_generated  # noqa: E402
from pmkit.io.csv_folder import load_portfolio  # noqa: E402
from pmkit.portfolio._util import calendar_specs  # noqa: E402
from pmkit.portfolio.capacity import (  # noqa: E402
    _NO_HOLIDAYS,
    CapacityError,
    _month_split,
    _shift,
    _task_dates,
    capacity_by_role_month,
    capacity_model,
    overallocated_resources,
)
from pmkit.portfolio.rollup import latest_evm, rollup  # noqa: E402
from pmkit.schedule.portfolio_adapter import (  # noqa: E402
    plan_at_status,
    schedule_project,
)

# --------------------------------------------------------------------------- legacy baseline
# The capacity code as it was before the shared CapacityModel (commit 0deadac), docstrings
# dropped. Only the benchmark uses it, as the "before" of the ratio.


def _legacy_resource_demand(
    portfolio: Any, schedule: Any = None, *, shifts: Mapping[str, float] | None = None
) -> pd.DataFrame:
    specs = calendar_specs(portfolio)
    dates = _task_dates(portfolio, schedule)
    _shift(dates, shifts, specs)
    a = portfolio.assignments
    res = portfolio.resources.set_index("resource_id")
    pos = pd.Index(dates["task_id"]).get_indexer(a["task_id"])
    if (pos < 0).any():
        bad = int(np.flatnonzero(pos < 0)[0])
        raise CapacityError(
            "assignment to an unknown task",
            file="assignments.csv",
            line=bad + 2,
            field="task_id",
            value=a["task_id"].iat[bad],
        )
    d = dates.iloc[pos].reset_index(drop=True)
    hpd = a["resource_id"].map(res["capacity_hours_per_day"]).to_numpy(dtype=float)
    # the hours model of today (units x the resource's h/day on each working day of the span),
    # so the legacy pandas pipeline and the shared model count the same hours
    hours = a["units"].to_numpy(dtype=float) * hpd
    ok = (hours > 0) & ~np.isnat(d["start"].to_numpy()) & ~np.isnat(d["finish"].to_numpy())
    ok &= d["finish"].to_numpy() >= d["start"].to_numpy()
    idx = np.flatnonzero(ok)
    rep, month, share = _month_split(
        d["start"].to_numpy()[idx],
        d["finish"].to_numpy()[idx],
        d["calendar_id"].to_numpy(dtype=object)[idx],
        portfolio,
    )
    rows = idx[rep]
    rid = a["resource_id"].to_numpy()[rows]
    long = pd.DataFrame(
        {
            "resource_id": rid,
            "project_id": d["project_id"].to_numpy()[rows],
            "month": month.astype("datetime64[ns]"),
            "demand_hours": hours[rows] * share,
        }
    )
    out = long.groupby(["resource_id", "project_id", "month"], sort=True, as_index=False)[
        "demand_hours"
    ].sum()
    out.insert(1, "role", out["resource_id"].map(res["role"]).astype("str"))
    return out


def _legacy_resource_capacity(portfolio: Any, months: Any) -> pd.DataFrame:
    specs = calendar_specs(portfolio)
    r = portfolio.resources
    m = np.unique(pd.to_datetime(pd.Series(months)).to_numpy(dtype="datetime64[M]"))
    nr, nm = (len(r), len(m))
    rid = np.repeat(r["resource_id"].to_numpy(), nm)
    mon = np.tile(m, nr)
    cal = np.repeat(r["calendar_id"].to_numpy(dtype=object), nm)
    days = np.zeros(nr * nm)
    for cid in pd.unique(cal):
        mask, hols, _ = specs.get(str(cid), ("1111100", _NO_HOLIDAYS, 8.0))
        sel = cal == cid
        days[sel] = np.busday_count(
            mon[sel].astype("datetime64[D]"),
            (mon[sel] + np.timedelta64(1, "M")).astype("datetime64[D]"),
            weekmask=mask,
            holidays=hols,
        )
    return pd.DataFrame(
        {
            "resource_id": rid,
            "role": np.repeat(r["role"].to_numpy(dtype=object), nm),
            "month": mon.astype("datetime64[ns]"),
            "capacity_hours": days * np.repeat(r["capacity_hours_per_day"].to_numpy(float), nm),
        }
    )


def _legacy_priorities(portfolio: Any, priorities: Mapping[str, int] | None) -> pd.Series:
    prio = portfolio.projects.set_index("project_id")["priority"].astype(float)
    for pid, p in (priorities or {}).items():
        if pid not in prio.index:
            raise CapacityError(
                "cannot reprioritise an unknown project", field="priorities", value=pid
            )
        prio[pid] = float(p)
    return prio


def _legacy_allocate_by_priority(
    demand: pd.DataFrame, capacity: pd.DataFrame, priority: pd.Series
) -> pd.DataFrame:
    cap = capacity.set_index(["resource_id", "month"])["capacity_hours"]
    d = demand.assign(priority=demand["project_id"].map(priority).to_numpy(dtype=float))
    d = d.sort_values(["resource_id", "month", "priority", "project_id"], kind="stable")
    key = pd.MultiIndex.from_arrays([d["resource_id"], d["month"]])
    c = cap.reindex(key).fillna(0.0).to_numpy()
    h = d["demand_hours"].to_numpy(dtype=float)
    before = d.groupby(["resource_id", "month"], sort=False)["demand_hours"].cumsum().to_numpy() - h
    alloc = np.clip(c - before, 0.0, h)
    d["allocated_hours"] = alloc
    d["unmet_hours"] = h - alloc
    return d.reset_index(drop=True)


def _legacy_months_of(demand: pd.DataFrame, start: Any, end: Any) -> pd.DatetimeIndex:
    if start is None and demand.empty:
        return pd.DatetimeIndex([])
    lo = pd.Timestamp(start) if start is not None else demand["month"].min()
    hi = pd.Timestamp(end) if end is not None else demand["month"].max()
    return pd.date_range(
        lo.to_period("M").to_timestamp(), hi.to_period("M").to_timestamp(), freq="MS"
    )


def _legacy_plan(
    portfolio: Any, schedule: Any, shifts: Any, priorities: Any, start: Any, end: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    demand = _legacy_resource_demand(portfolio, schedule, shifts=shifts)
    months = _legacy_months_of(demand, start, end)
    demand = demand[demand["month"].isin(months)]
    capacity = _legacy_resource_capacity(portfolio, months)
    alloc = _legacy_allocate_by_priority(
        demand, capacity, _legacy_priorities(portfolio, priorities)
    )
    return (alloc, capacity)


def _legacy_capacity_by_role_month(
    portfolio: Any,
    schedule: Any = None,
    *,
    shifts: Mapping[str, float] | None = None,
    priorities: Mapping[str, int] | None = None,
    start: Any = None,
    end: Any = None,
) -> pd.DataFrame:
    alloc, capacity = _legacy_plan(portfolio, schedule, shifts, priorities, start, end)
    dem = alloc.groupby(["role", "month"]).agg(
        demand_hours=("demand_hours", "sum"),
        allocated_hours=("allocated_hours", "sum"),
        unmet_hours=("unmet_hours", "sum"),
        n_projects=("project_id", "nunique"),
    )
    cap = capacity.groupby(["role", "month"])["capacity_hours"].sum()
    out = pd.concat([dem, cap], axis=1).fillna(0.0).reset_index()
    out["n_projects"] = out["n_projects"].astype("int64")
    d, c = (out["demand_hours"].to_numpy(), out["capacity_hours"].to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        out["load_pct"] = np.where(c > 0, 100.0 * d / c, np.where(d > 0, np.inf, 0.0))
    out["over_capacity"] = d > c + 1e-09
    cols = [
        "role",
        "month",
        "demand_hours",
        "capacity_hours",
        "allocated_hours",
        "unmet_hours",
        "load_pct",
        "over_capacity",
        "n_projects",
    ]
    return out[cols].sort_values(["role", "month"]).reset_index(drop=True)


def _legacy_overallocated_resources(
    portfolio: Any,
    schedule: Any = None,
    *,
    shifts: Mapping[str, float] | None = None,
    priorities: Mapping[str, int] | None = None,
    start: Any = None,
    end: Any = None,
    threshold: float = 1.0,
) -> pd.DataFrame:
    alloc, capacity = _legacy_plan(portfolio, schedule, shifts, priorities, start, end)
    cols = [
        "resource_id",
        "name",
        "role",
        "month",
        "demand_hours",
        "capacity_hours",
        "load_pct",
        "over_hours",
        "n_projects",
        "projects",
        "short_projects",
    ]
    cap = capacity.set_index(["resource_id", "month"])["capacity_hours"]
    key = ["resource_id", "month"]
    demand = alloc.groupby(key, sort=False)["demand_hours"].transform("sum").to_numpy()
    c = cap.reindex(pd.MultiIndex.from_frame(alloc[key])).fillna(0.0).to_numpy()
    sub = alloc[demand > threshold * c + 1e-09].assign(
        capacity_hours=c[demand > threshold * c + 1e-09],
        short=lambda d: np.where(d["unmet_hours"] > 1e-09, d["project_id"], None),
    )
    if sub.empty:
        return pd.DataFrame({col: [] for col in cols})
    out = (
        sub.groupby(key, sort=False)
        .agg(
            demand_hours=("demand_hours", "sum"),
            capacity_hours=("capacity_hours", "first"),
            n_projects=("project_id", "size"),
            projects=("project_id", ", ".join),
            short_projects=("short", lambda s: ", ".join(s.dropna())),
        )
        .reset_index()
    )
    res = portfolio.resources.set_index("resource_id")
    out.insert(1, "name", out["resource_id"].map(res["name"]).astype("str"))
    out.insert(2, "role", out["resource_id"].map(res["role"]).astype("str"))
    d, c2 = (out["demand_hours"].to_numpy(), out["capacity_hours"].to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        out["load_pct"] = np.where(c2 > 0, 100.0 * d / c2, np.inf)
    out["over_hours"] = d - c2
    return out[cols].sort_values(["load_pct", "over_hours"], ascending=False).reset_index(drop=True)


# --------------------------------------------------------------------------- measurement


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MB.

    ``VmHWM`` of /proc/self/status belongs to this program's memory map, which exec starts
    afresh; ``ru_maxrss`` (the fallback) is carried over from the forking parent on Linux, so
    after the generating parent it would report the generator's peak, not the pipeline's.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[Any, float, float]:
    """(result, best wall seconds, CPU seconds of that run) over ``repeat`` runs."""
    out, wall, cpu = None, float("inf"), float("inf")
    for _ in range(max(repeat, 1)):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        if dt < wall:
            wall, cpu = dt, dc
    return out, wall, cpu


def timed(
    label: str, fn: Callable[[], Any], log: dict[str, tuple[float, float]], repeat: int
) -> Any:
    """Run ``fn`` once (this first pass sets the peak RSS), then ``repeat - 1`` more times for
    the best time; the previous result is dropped before each rerun so reruns add no memory."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = rss_mb()
    for _ in range(repeat - 1):
        out = None
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        if dt < wall:
            wall, cpu = dt, dc
    log[label] = (wall, cpu)
    print(f"  {label:<42} {wall:6.3f} s  cpu {cpu:6.3f} s   peak RSS {peak:4.0f} MB", flush=True)
    return out


def _same(old: pd.DataFrame, new: pd.DataFrame, keys: list[str]) -> bool:
    """Same rows and values (order within ties of the sort key may differ by float noise)."""
    try:
        pd.testing.assert_frame_equal(
            old.sort_values(keys).reset_index(drop=True),
            new.sort_values(keys).reset_index(drop=True),
        )
    except AssertionError:
        return False
    return True


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--projects", type=int, default=1000)
    ap.add_argument("--resources", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3, help="runs per stage (best is shown)")
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
            cmd = [sys.executable, __file__, "--data", tmp, "--repeat", str(args.repeat)]
            cmd += ["--baseline-sample", str(args.baseline_sample)]
            return subprocess.run(cmd, check=False).returncode
    tmp, rep = args.data, args.repeat
    base_rss = rss_mb()
    log: dict[str, tuple[float, float]] = {}
    print(f"pipeline (best of {rep}):")
    pf = timed("load + validate", lambda: load_portfolio(tmp), log, rep)
    print(f"  ({pf.summary()})")
    # plan_at_status: built on every repeat (schedule_portfolio would return its cached copy)
    sched = timed("schedule every project (one network)", lambda: plan_at_status(pf), log, rep)
    roll = timed("roll-up (RAG x 4 dimensions)", lambda: rollup(pf, schedule=sched), log, rep)
    model = timed(
        "capacity model (demand, capacity, alloc)", lambda: capacity_model(pf, sched), log, rep
    )
    cap = timed("  heat map: role x month (from model)", model.by_role_month, log, rep)
    over = timed("  over-allocated resources (from model)", model.overallocated, log, rep)
    total = sum(w for w, _ in log.values())
    total_cpu = sum(c for _, c in log.values())
    peak = rss_mb()
    print(
        f"  {'TOTAL':<42} {total:6.3f} s  cpu {total_cpu:6.3f} s   peak RSS {peak:4.0f} MB "
        f"(goal <= 3 s, <= 400 MB: {total / 3.0:.0%} of the time, {peak / 400.0:.0%} of the "
        f"memory; {base_rss:.0f} MB after imports)"
    )
    print(
        f"  rows: roll-up {len(roll)}, capacity cells {len(cap)}, "
        f"over-allocated resource-months {len(over)}"
    )
    print(f"  RAG overall: {roll['rag_overall'].value_counts().to_dict()}")

    print("baselines (same process, same data):")
    new_cap = sum(log[k][0] for k in list(log)[3:])
    new_cap_cpu = sum(log[k][1] for k in list(log)[3:])
    legacy, lw, lc = best_of(
        lambda: (
            _legacy_capacity_by_role_month(pf, sched),
            _legacy_overallocated_resources(pf, sched),
        ),
        rep,
    )
    same = _same(legacy[0], cap, ["role", "month"]) and _same(
        legacy[1], over, ["resource_id", "month"]
    )
    print(
        f"  capacity before the shared model (legacy):  {lw:7.3f} s (cpu {lc:.3f}) vs "
        f"{new_cap:.3f} s (cpu {new_cap_cpu:.3f}) -> x{lw / new_cap:.1f} "
        f"(cpu x{lc / max(new_cap_cpu, 1e-9):.1f}); results equal: {same}"
    )
    _, uw, uc = best_of(
        lambda: (capacity_by_role_month(pf, sched), overallocated_resources(pf, sched)), rep
    )
    print(
        f"  capacity, two calls without sharing:        {uw:7.3f} s (cpu {uc:.3f}) vs "
        f"{new_cap:.3f} s -> x{uw / new_cap:.2f}"
    )
    legacy_total, legacy_cpu = total - new_cap + lw, total_cpu - new_cap_cpu + lc
    print(
        f"  pipeline total with the legacy capacity:    {legacy_total:7.3f} s (cpu "
        f"{legacy_cpu:.3f}) vs {total:.3f} s (cpu {total_cpu:.3f}) -> x{legacy_total / total:.2f}"
        f" (cpu x{legacy_cpu / max(total_cpu, 1e-9):.2f})"
    )
    ids = pf.project_ids[: args.baseline_sample]
    t0 = time.perf_counter()
    for pid in ids:
        schedule_project(pf, pid, external=sched)
    loop = (time.perf_counter() - t0) * len(pf.project_ids) / max(len(ids), 1)
    one = log["schedule every project (one network)"][0]
    print(
        f"  per-project schedule loop (extrapolated from {len(ids)}): {loop:7.2f} s "
        f"vs one network {one:.2f} s -> x{loop / one:.1f}"
    )
    from pmkit.evm import evm_rollup

    _, vec, _ = best_of(lambda: latest_evm(pf), rep)
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
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
