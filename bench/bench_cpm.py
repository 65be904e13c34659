"""Benchmark pmkit's CPM against a straightforward networkx CPM (and MPXJ if available).

    python bench/bench_cpm.py [--sizes 10000 100000] [--no-mpxj] [--no-networkx]
    python bench/bench_cpm.py --small [--calls 200] [--rounds 3] [--baseline DIR]

Generated projects: ~1.5 links per task to earlier tasks (window of 2000 tasks), mixed link
types (70% FS, 15% SS, 10% FF, 5% SF) and lags (-1..3 days), a Mon-Fri calendar with 10
holidays a year. The networkx version runs the same passes with a topological sort and dict
loops in working minutes and converts with the same calendar; both are checked to agree on
the project finish. Peak memory of pmkit's run is measured with tracemalloc.

When Java and the ``mpxj`` package are there, the same network is built as an MPXJ
``ProjectFile`` and scheduled with MPXJ's ``MicrosoftScheduler`` (an emulation of Microsoft
Project's scheduling) in the same process through jpype: JVM start-up, a warm-up run and
network construction are timed apart from ``schedule()``; its project finish and per-task
dates are compared with pmkit's.
"""

from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SRC = os.environ.get("PMKIT_BENCH_SRC", str(ROOT))  # --small --baseline: the other checkout
if SRC not in sys.path:
    sys.path.insert(0, SRC)

from pmkit.calendar import Calendar  # noqa: E402
from pmkit.schedule import schedule_network  # noqa: E402
from pmkit.schedule.cpm import Schedule  # noqa: E402

START = pd.Timestamp("2025-01-06 08:00")
T = TypeVar("T")


def make_calendar() -> Calendar:
    rng = np.random.default_rng(7)
    days = pd.date_range("2025-01-01", "2060-12-31", freq="D")
    hol = rng.choice(len(days), size=10 * 36, replace=False)
    return Calendar.from_spec(holidays=list(days[np.sort(hol)]), name="bench")


def make_project(n: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` tasks and ~1.5 n links (a DAG: links go from earlier to later tasks)."""
    rng = np.random.default_rng(seed)
    dur = rng.integers(0, 11, size=n) * 480.0
    tasks = pd.DataFrame({"uid": np.arange(1, n + 1), "duration_min": dur})
    m = int(1.5 * n)
    succ = rng.integers(1, n, size=m)
    pred = succ - rng.integers(1, 2000, size=m)
    ok = pred >= 0
    succ, pred = succ[ok], pred[ok]
    pairs = np.unique(np.stack([pred, succ], axis=1), axis=0)
    types = rng.choice(["FS", "SS", "FF", "SF"], size=len(pairs), p=[0.7, 0.15, 0.1, 0.05])
    lags = rng.choice([-480.0, 0.0, 0.0, 0.0, 480.0, 960.0, 1440.0], size=len(pairs))
    links = pd.DataFrame(
        {"pred_uid": pairs[:, 0] + 1, "succ_uid": pairs[:, 1] + 1, "type": types, "lag_min": lags}
    )
    return tasks, links


def networkx_cpm(tasks: pd.DataFrame, links: pd.DataFrame, cal: Calendar) -> pd.Timestamp:
    """Textbook CPM: networkx topological order, dict loops, working minutes."""
    import networkx as nx

    g = nx.DiGraph()
    dur = dict(zip(tasks["uid"].tolist(), tasks["duration_min"].tolist(), strict=True))
    g.add_nodes_from(dur)
    for p, s, t, lag in links.itertuples(index=False):
        g.add_edge(p, s, type=t, lag=lag)
    w0 = int(cal.to_working_minutes([START])[0])
    es: dict[int, float] = {}
    ef: dict[int, float] = {}
    order = list(nx.topological_sort(g))
    for v in order:
        start = w0
        for p, _, d in g.in_edges(v, data=True):
            t, lag = d["type"], d["lag"]
            if t == "FS":
                c = ef[p] + lag
            elif t == "SS":
                c = es[p] + lag
            elif t == "FF":
                c = ef[p] + lag - dur[v]
            else:
                c = es[p] + lag - dur[v]
            start = max(start, c)
        es[v] = start
        ef[v] = start + dur[v]
    finish = max(ef.values())
    lf: dict[int, float] = {}
    ls: dict[int, float] = {}
    for v in reversed(order):
        fin = finish
        for _, s, d in g.out_edges(v, data=True):
            t, lag = d["type"], d["lag"]
            if t == "FS":
                c = ls[s] - lag
            elif t == "SS":
                c = ls[s] - lag + dur[v]
            elif t == "FF":
                c = lf[s] - lag
            else:
                c = lf[s] - lag + dur[v]
            fin = min(fin, c)
        lf[v] = fin
        ls[v] = fin - dur[v]
    keys = list(es)
    arr = np.array([es[k] for k in keys], dtype=np.int64)
    cal.from_working_minutes(arr)
    cal.from_working_minutes(np.array([ls[k] for k in keys], dtype=np.int64))
    return pd.Timestamp(cal.from_working_minutes([finish], as_finish=True)[0])


def time_it(fn: Callable[[], T], repeat: int = 3) -> tuple[float, T]:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


MPXJ_LIMIT_S = 120.0  # skip a size whose extrapolated MPXJ scheduling time exceeds this


@dataclass
class MpxjRun:
    """One MPXJ run: network construction and ``MicrosoftScheduler.schedule`` timed apart."""

    build_s: float
    schedule_s: float
    heap_mb: float
    finish: pd.Timestamp
    dates: pd.DataFrame  # uid, early/late start/finish as MPXJ scheduled them


def mpxj_unavailable() -> str | None:
    """Why MPXJ cannot run here (None when Java and the ``mpxj`` package are both present)."""
    try:
        import jpype
        import mpxj  # noqa: F401
    except ImportError as exc:
        return f"python package {exc.name!r} is not installed"
    if jpype.isJVMStarted():
        return None
    try:
        jpype.getDefaultJVMPath()
    except Exception as exc:  # jpype.JVMNotFoundException
        return f"no Java runtime found ({type(exc).__name__}; set JAVA_HOME)"
    return None


def start_jvm() -> float:
    """Start the JVM with MPXJ's jars on the class path; seconds taken."""
    import jpype
    import mpxj  # noqa: F401  (adds the MPXJ jars to jpype's class path)

    t0 = time.perf_counter()
    if not jpype.isJVMStarted():
        jpype.startJVM()
    return time.perf_counter() - t0


def _ldt(text: object) -> pd.Timestamp:
    return pd.Timestamp(str(text)) if text is not None else pd.NaT


def mpxj_calendar(pf: Any, cal: Calendar) -> Any:
    """``cal`` as an MPXJ ``ProjectCalendar`` of ``pf``: the same working hours per weekday
    and the same non-working exception days."""
    from java.time import DayOfWeek, LocalDate, LocalTime  # type: ignore[import-not-found]
    from org.mpxj import LocalTimeRange  # type: ignore[import-not-found]

    if cal.base is not None or cal.work_weeks:
        raise ValueError("only a plain calendar (week + exception days) is translated")
    jc = pf.addCalendar()
    jc.setName(cal.name)
    for wd in range(7):
        day = DayOfWeek.of(wd + 1)  # java: 1 = Monday
        periods = cal.week.get(wd, ())
        jc.setWorkingDay(day, bool(periods))
        hours = jc.addCalendarHours(day)
        for a, b in periods:
            hours.add(
                LocalTimeRange(LocalTime.of(a // 60, a % 60), LocalTime.of(b // 60 % 24, b % 60))
            )

    def date(d: int) -> Any:
        t = pd.Timestamp(np.datetime64(d, "D"))
        return LocalDate.of(t.year, t.month, t.day)

    for ex in cal.exceptions:
        if ex.periods:
            raise ValueError("working exceptions are not translated")
        jc.addCalendarException(date(ex.start), date(ex.end))
    return jc


def run_mpxj(tasks: pd.DataFrame, links: pd.DataFrame, cal: Calendar) -> MpxjRun:
    """Build the same network as an MPXJ ``ProjectFile`` and schedule it with MPXJ's
    ``MicrosoftScheduler`` (the JVM must be started).

    The same calendar (working hours per weekday, holidays as non-working exception days;
    here Mon-Fri 08:00-12:00, 13:00-17:00, Project's Standard), durations and lags in working
    hours of that calendar, the same link types. MPXJ's scheduler wants progress on every
    task: an actual duration of 0 days and the remaining duration equal to the duration
    (without it: "Task has no actual duration value and no resource assignments with an
    actual work value")."""
    from java.lang import Runtime  # type: ignore[import-not-found]
    from java.time import LocalDateTime  # type: ignore[import-not-found]
    from org.mpxj import (  # type: ignore[import-not-found]
        Duration,
        ProjectFile,
        Relation,
        RelationType,
        TimeUnit,
    )
    from org.mpxj.cpm import MicrosoftScheduler  # type: ignore[import-not-found]

    start = LocalDateTime.of(START.year, START.month, START.day, START.hour, START.minute)
    t0 = time.perf_counter()
    pf = ProjectFile()
    pf.setDefaultCalendar(mpxj_calendar(pf, cal))
    pf.getProjectProperties().setStartDate(start)
    zero = Duration.getInstance(0, TimeUnit.DAYS)
    hours = TimeUnit.HOURS
    jt = {}
    for uid, d in zip(tasks["uid"].tolist(), tasks["duration_min"].tolist(), strict=True):
        t = pf.addTask()
        t.setName(f"T{uid}")
        dur = Duration.getInstance(d / 60.0, hours)
        t.setDuration(dur)
        t.setActualDuration(zero)
        t.setRemainingDuration(dur)
        jt[uid] = t
    rt = {
        "FS": RelationType.FINISH_START,
        "SS": RelationType.START_START,
        "FF": RelationType.FINISH_FINISH,
        "SF": RelationType.START_FINISH,
    }
    for p, s, typ, lag in links.itertuples(index=False):
        jt[s].addPredecessor(
            Relation.Builder()
            .predecessorTask(jt[p])
            .type(rt[typ])
            .lag(Duration.getInstance(lag / 60.0, hours))
        )
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    MicrosoftScheduler().schedule(pf, start)
    schedule_s = time.perf_counter() - t0
    rt_ = Runtime.getRuntime()
    heap_mb = (rt_.totalMemory() - rt_.freeMemory()) / 1e6
    rows = [
        (
            uid,
            str(t.getEarlyStart()),
            str(t.getEarlyFinish()),
            str(t.getLateStart()),
            str(t.getLateFinish()),
        )
        for uid, t in jt.items()
    ]
    dates = pd.DataFrame(rows, columns=["uid", *DATE_COLS])
    for c in DATE_COLS:
        dates[c] = pd.to_datetime(dates[c])
    finish = max(dates["early_finish"].max(), _ldt(pf.getProjectProperties().getFinishDate()))
    return MpxjRun(build_s, schedule_s, heap_mb, pd.Timestamp(finish), dates)


DATE_COLS = ["early_start", "early_finish", "late_start", "late_finish"]


def compare_dates(
    sched: Schedule, run: MpxjRun, links: pd.DataFrame, cal: Calendar, show: int = 5
) -> None:
    """Print how MPXJ's per-task dates compare with pmkit's, in working minutes.

    A working-minute value on the boundary between two working periods names two instants
    (Friday 17:00 and Monday 08:00); a date that differs only that way is the same schedule
    (MPXJ puts zero-duration tasks at the next period's start, pmkit at the previous
    period's end, and the other way round for their late dates).
    """
    ours = sched.tasks.set_index("uid").loc[run.dates["uid"], DATE_COLS].reset_index()
    w0 = int(cal.to_working_minutes([START])[0])
    real = np.zeros(len(ours), dtype=bool)
    for c in DATE_COLS:
        a, b = ours[c].to_numpy(), run.dates[c].to_numpy()
        wa, wb = cal.to_working_minutes(a), cal.to_working_minutes(b)
        n_boundary = int(((a != b) & (wa == wb)).sum())
        diff = wa != wb
        real |= diff
        print(
            f"    {c:<12}: {int((a == b).sum()):7d} identical, {n_boundary:6d} same working "
            f"minute (other side of a non-working gap), {int(diff.sum()):6d} differ"
        )
    if not real.any():
        return
    w_ours = cal.to_working_minutes(ours["early_start"].to_numpy())
    w_mpxj = cal.to_working_minutes(run.dates["early_start"].to_numpy())
    before = real & (w_mpxj < w0)
    uids = run.dates["uid"].to_numpy()
    diff_uids = set(uids[real].tolist())
    fed = set(links.loc[links["pred_uid"].isin(diff_uids), "succ_uid"].tolist())
    downstream = real & ~before & np.isin(uids, list(fed))
    other = int(real.sum() - before.sum() - downstream.sum())
    earlier = int((real & (w_mpxj <= w_ours)).sum())
    print(
        f"    {int(real.sum())} tasks differ, MPXJ earlier in {earlier}: {int(before.sum())} "
        f"start before the project start in MPXJ (a negative lag or an SS/FF/SF link lets "
        f"their predecessor place them there; pmkit, like the networkx baseline, holds every "
        f"task at or after the project start), {int(downstream.sum())} follow from those "
        f"through their links, {other} otherwise. First ones:"
    )
    into = links.groupby("succ_uid")
    for i in np.flatnonzero(real)[:show]:
        uid = int(run.dates["uid"].iloc[i])
        lk = into.get_group(uid) if uid in into.groups else links.iloc[:0]
        desc = ", ".join(
            f"{t} from {p} lag {lag / 480:+g}d" for p, _, t, lag in lk.itertuples(index=False)
        )
        print(
            f"      task {uid}: early start pmkit {ours['early_start'].iloc[i]} MPXJ "
            f"{run.dates['early_start'].iloc[i]}, early finish pmkit "
            f"{ours['early_finish'].iloc[i]} MPXJ {run.dates['early_finish'].iloc[i]} "
            f"(preds: {desc or 'none'})"
        )


def _num(x: float, width: int, prec: int) -> str:
    return f"{x:{width}.{prec}f}" if x == x else f"{'-':>{width}}"


def _mpxj_ready(cal: Calendar) -> bool:
    """Start the JVM and warm MPXJ up (neither is timed); False, saying why, when it cannot."""
    why = mpxj_unavailable()
    if why is None:
        try:
            jvm_s = start_jvm()
            t0 = time.perf_counter()
            run_mpxj(*make_project(2000, seed=99), cal)  # JIT warm-up
            print(
                f"MPXJ: JVM start-up {jvm_s:.2f} s, warm-up (2000 tasks) "
                f"{time.perf_counter() - t0:.2f} s; neither counted below"
            )
        except Exception as exc:  # a broken Java install, a jar mismatch...
            why = f"{type(exc).__name__}: {exc}"
    if why is not None:
        print(f"MPXJ comparison skipped: {why}")
        return False
    return True


def small_inputs() -> dict[str, tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]]:
    """The small networks of ``--small``: (tasks, links, keyword arguments) by name."""
    from pmkit.cache import load_sample
    from pmkit.schedule.portfolio_adapter import plan_inputs

    cal = make_calendar()
    _ = cal.timeline
    tasks, links = make_project(40)
    out = {"generated 40 tasks": (tasks, links, {"calendar": cal, "project_start": START})}
    pf = load_sample()
    eng, lk, main, cals = plan_inputs(pf)
    start = pd.to_datetime(pf.projects["start"]).min()
    kw = {"calendar": main, "project_start": start, "calendars": cals}
    mine = eng["project_id"] == "P01"
    ids = set(eng.loc[mine, "uid"])
    inside = lk["pred_uid"].isin(ids) & lk["succ_uid"].isin(ids)
    n1 = f"sample P01 at status ({int(mine.sum())} tasks)"
    out[n1] = (eng[mine].reset_index(drop=True), lk[inside].reset_index(drop=True), kw)
    out[f"sample plan ({len(eng)} tasks)"] = (eng, lk, kw)
    sub = _whatif_network(pf)
    out[f"sample P01 what-if network ({len(sub[0])} tasks)"] = sub
    return out


def _whatif_network(pf: Any) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The network a planning what-if on P01 schedules (P01 and its downstream projects at
    the status date, predecessors pinned): recorded from ``reschedule_project``."""
    from pmkit.schedule import portfolio_adapter as pa
    from pmkit.schedule.whatif import apply_changes

    seen: list[tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]] = []
    real = pa.schedule_network

    def spy(tasks: pd.DataFrame, links: pd.DataFrame, **kw: Any) -> Schedule:
        seen.append((tasks.copy(), links.copy(), kw))
        return real(tasks, links, **kw)

    t = pf.tasks
    leaf = t[(t["project_id"] == "P01") & ~t["is_summary"].astype(bool)].iloc[-2]
    changed, _ = apply_changes(
        pf, "P01", duration_changes={leaf["task_id"]: float(leaf["duration_days"]) + 1}
    )
    pa.schedule_network = spy  # type: ignore[assignment]
    try:
        pa.reschedule_project(pf, changed, "P01")
    finally:
        pa.schedule_network = real  # type: ignore[assignment]
    return seen[-1]


def time_small(calls: int) -> dict[str, float]:
    """Median CPU ms per ``schedule_network`` call on each small input (after a warm-up)."""
    out = {}
    for name, (tasks, links, kw) in small_inputs().items():
        k = max(10, calls // 10) if "plan" in name else calls
        for _ in range(5):
            schedule_network(tasks, links, **kw)
        ts = []
        for _ in range(k):
            t0 = time.process_time()  # CPU: other work on the machine does not count
            schedule_network(tasks, links, **kw)
            ts.append(time.process_time() - t0)
        out[name] = float(np.median(ts) * 1e3)
    return out


def _load() -> str:
    a, b, _c = os.getloadavg()
    return f"load {a:.1f}/{b:.1f}"


def main_small(args: argparse.Namespace) -> int:
    """``--small``: in-process, or alternating with ``--baseline`` in subprocesses."""
    if args.child:
        print(repr(time_small(args.calls)))
        return 0
    print(f"# bench_cpm --small, {args.calls} calls per input; {_load()} on {os.cpu_count()} CPUs")
    sides = [("after", str(ROOT))]
    if args.baseline:
        sides.insert(0, ("before", str(Path(args.baseline).resolve())))
    got: dict[str, dict[str, list[float]]] = {s: {} for s, _ in sides}
    for r in range(args.rounds):
        for side, src in sides:
            env = {**os.environ, "PMKIT_BENCH_SRC": src, "PYTHONPATH": src}
            cmd = [sys.executable, __file__, "--small", "--child", "--calls", str(args.calls)]
            res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
            vals = ast.literal_eval(res.stdout.strip().splitlines()[-1])
            for name, ms in vals.items():
                got[side].setdefault(name, []).append(ms)
            print(
                f"  round {r + 1} {side:6s} {_load()}: "
                + ", ".join(f"{v:.2f}" for v in vals.values())
            )
    print(
        f"\n{'input':40s} "
        + " ".join(f"{s + ' ms':>10s}" for s, _ in sides)
        + ("   ratio" if args.baseline else "")
    )
    for name in got["after"]:
        meds = [float(np.median(got[s][name])) for s, _ in sides]
        ratio = f"  {meds[0] / meds[-1]:5.2f}x" if args.baseline else ""
        print(f"{name:40s} " + " ".join(f"{m:10.2f}" for m in meds) + ratio)
    print(f"# median over rounds of the median CPU ms per call; {_load()} at the end")
    return 0


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--mpxj", action="store_true", help="(default) time MPXJ when available")
    ap.add_argument("--no-mpxj", action="store_true", help="skip MPXJ")
    ap.add_argument("--no-networkx", action="store_true")
    ap.add_argument("--small", action="store_true", help="time many calls on small networks")
    ap.add_argument("--calls", type=int, default=200, help="--small: calls per input")
    ap.add_argument("--rounds", type=int, default=3, help="--small --baseline: alternations")
    ap.add_argument("--baseline", help="--small: a checkout timed alternately, same run")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.small:
        return main_small(args)
    cal = make_calendar()
    _ = cal.timeline  # built once, like a loaded portfolio's calendar

    use_mpxj = _mpxj_ready(cal) if not args.no_mpxj else False
    if args.no_mpxj:
        print("MPXJ comparison skipped (--no-mpxj)")

    rows: list[str] = []
    differ = 0  # sizes where the textbook CPM (networkx) finishes elsewhere: exit 1
    mpxj_rate: tuple[int, float] | None = None  # (tasks, seconds) of the last MPXJ run
    for n in args.sizes:
        tasks, links = make_project(n)
        print(f"{n} tasks, {len(links)} links")

        def ours(tasks=tasks, links=links):
            return schedule_network(tasks, links, calendar=cal, project_start=START)

        t_ours, sched = time_it(ours)
        tracemalloc.start()
        ours()
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        print(f"  pmkit    : {t_ours:8.3f} s  finish {sched.finish}  peak {peak:.1f} MB")
        if args.no_networkx:
            t_nx, ratio = float("nan"), float("nan")
        else:
            t_nx, fin = time_it(partial(networkx_cpm, tasks, links, cal))  # same repeats
            ratio = t_nx / t_ours
            w_ours = cal.to_working_minutes([sched.finish])[0]
            w_nx = cal.to_working_minutes([fin])[0]
            same = "same" if w_ours == w_nx else "DIFFERS"
            print(f"  networkx : {t_nx:8.3f} s  finish {fin}  ({same}; {ratio:.1f}x pmkit)")
            if w_ours != w_nx:
                print(f"  WARNING: project finish differs: pmkit {sched.finish} networkx {fin}")
                differ += 1
        t_mpxj, m_ratio, agree = float("nan"), float("nan"), "-"
        if use_mpxj and mpxj_rate is not None:
            guess = mpxj_rate[1] * n / mpxj_rate[0]
            if guess > MPXJ_LIMIT_S:
                print(
                    f"  MPXJ     : skipped at {n} tasks: ~{guess:.0f} s extrapolated from "
                    f"{mpxj_rate[0]} tasks > {MPXJ_LIMIT_S:.0f} s; MPXJ runs at "
                    f"{mpxj_rate[0]} tasks only"
                )
                use_mpxj = False
        if use_mpxj:
            try:
                run = run_mpxj(tasks, links, cal)
            except Exception as exc:
                print(f"  MPXJ     : failed: {type(exc).__name__}: {exc}")
            else:
                t_mpxj = run.schedule_s
                m_ratio = t_mpxj / t_ours
                mpxj_rate = (n, t_mpxj)
                w_ours = cal.to_working_minutes([sched.finish])[0]
                w_m = cal.to_working_minutes([run.finish])[0]
                agree = "same" if w_ours == w_m else "DIFFERS"
                print(
                    f"  MPXJ     : {t_mpxj:8.3f} s  finish {run.finish}  ({agree}; "
                    f"{m_ratio:.1f}x pmkit); building the ProjectFile {run.build_s:.2f} s, "
                    f"JVM heap in use after scheduling ~{run.heap_mb:.0f} MB"
                )
                compare_dates(sched, run, links, cal)
        rows.append(
            f"{n:8d} {len(links):8d} {t_ours:9.3f} {t_nx:11.2f} {ratio:9.1f} {peak:8.1f} "
            f"{_num(t_mpxj, 8, 2)} {_num(m_ratio, 11, 1)} {agree:>7}"
        )
    print()
    print(
        f"{'tasks':>8} {'links':>8} {'pmkit s':>9} {'networkx s':>11} {'nx/pmkit':>9} "
        f"{'peak MB':>8} {'mpxj s':>8} {'mpxj/pmkit':>11} {'finish':>7}"
    )
    for r in rows:
        print(r)
    print("(peak MB: pmkit, tracemalloc; finish: MPXJ's project finish vs pmkit's)")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
