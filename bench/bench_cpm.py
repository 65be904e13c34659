"""Benchmark pmkit's CPM against a straightforward networkx CPM (and MPXJ if available).

    python bench/bench_cpm.py [--sizes 10000 100000] [--mpxj]

Generated projects: ~1.5 links per task to earlier tasks (window of 2000 tasks), mixed link
types (70% FS, 15% SS, 10% FF, 5% SF) and lags (-1..3 days), a Mon-Fri calendar with 10
holidays a year. The networkx version runs the same passes with a topological sort and dict
loops in working minutes and converts with the same calendar; both are checked to agree on
the project finish. Peak memory of pmkit's run is measured with tracemalloc.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pmkit.calendar import Calendar  # noqa: E402
from pmkit.schedule import schedule_network  # noqa: E402

START = pd.Timestamp("2025-01-06 08:00")


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


def time_it(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run_mpxj(tasks: pd.DataFrame, links: pd.DataFrame) -> float | None:
    """Time MPXJ's MicrosoftScheduler on the same network; None when unavailable."""
    try:
        import jpype
        import mpxj  # noqa: F401
    except ImportError:
        return None
    try:
        if not jpype.isJVMStarted():
            jpype.startJVM()
        from java.time import LocalDateTime  # type: ignore[import-not-found]
        from org.mpxj import Duration, ProjectFile, Relation, RelationType, TimeUnit  # type: ignore
        from org.mpxj.cpm import MicrosoftScheduler  # type: ignore[import-not-found]
    except Exception as exc:
        print(f"  MPXJ not usable: {exc}")
        return None
    pf = ProjectFile()
    pf.addDefaultBaseCalendar()
    pf.getProjectProperties().setStartDate(LocalDateTime.of(2025, 1, 6, 8, 0))
    jt = {}
    for uid, d in zip(tasks["uid"].tolist(), tasks["duration_min"].tolist(), strict=True):
        t = pf.addTask()
        t.setName(f"T{uid}")
        t.setDuration(Duration.getInstance(d / 60.0, TimeUnit.HOURS))
        jt[uid] = t
    rt = {
        "FS": RelationType.FINISH_START,
        "SS": RelationType.START_START,
        "FF": RelationType.FINISH_FINISH,
        "SF": RelationType.START_FINISH,
    }
    for p, s, t, lag in links.itertuples(index=False):
        jt[s].addPredecessor(
            Relation.Builder()
            .predecessorTask(jt[p])
            .type(rt[t])
            .lag(Duration.getInstance(lag / 60.0, TimeUnit.HOURS))
        )
    t0 = time.perf_counter()
    try:
        MicrosoftScheduler().schedule(pf, LocalDateTime.of(2025, 1, 6, 8, 0))
    except Exception as exc:
        print(f"  MPXJ scheduling failed: {exc}")
        return None
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--mpxj", action="store_true", help="also time MPXJ (needs Java + mpxj)")
    ap.add_argument("--no-networkx", action="store_true")
    args = ap.parse_args(argv)
    cal = make_calendar()
    _ = cal.timeline  # built once, like a loaded portfolio's calendar
    print(
        f"{'tasks':>8} {'links':>8} {'pmkit s':>9} {'networkx s':>11} {'ratio':>7} "
        f"{'peak MB':>8} {'mpxj s':>8}"
    )
    for n in args.sizes:
        tasks, links = make_project(n)

        def ours(tasks=tasks, links=links):
            return schedule_network(tasks, links, calendar=cal, project_start=START)

        t_ours, sched = time_it(ours)
        tracemalloc.start()
        ours()
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        if args.no_networkx:
            t_nx, ratio = float("nan"), float("nan")
        else:
            t_nx, fin = time_it(
                lambda tasks=tasks, links=links: networkx_cpm(tasks, links, cal), repeat=1
            )
            ratio = t_nx / t_ours
            w_ours = cal.to_working_minutes([sched.finish])[0]
            w_nx = cal.to_working_minutes([fin])[0]
            if w_ours != w_nx:
                print(f"  WARNING: project finish differs: pmkit {sched.finish} networkx {fin}")
        t_mpxj = run_mpxj(tasks, links) if args.mpxj else None
        mp = f"{t_mpxj:8.2f}" if t_mpxj is not None else "       -"
        print(f"{n:8d} {len(links):8d} {t_ours:9.3f} {t_nx:11.2f} {ratio:7.1f} {peak:8.1f} {mp}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
