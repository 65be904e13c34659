"""What a 1,000-project portfolio costs when a kernel computes only what a request needs,
against the full computation it replaces, side by side in one process (CPU and wall ms):

- a what-if on one project: the whole portfolio rescheduled (``schedule_project`` on the
  changed copy, the code before) vs the project and its downstream projects only
  (``reschedule_project``); the dates are checked equal on every run;
- a ``?project=`` link on a preheated planning / tracking kernel: a new page built for the
  project (before) vs the prebuilt page switched to it (``open_project``).

Small enough to run without the bench lock (< 30 s CPU on p1000):

    python bench/bench_scope.py --data /tmp/p1000
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any


def _cpu(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    c, w = time.process_time(), time.perf_counter()
    out = fn()
    return (time.process_time() - c) * 1000, (time.perf_counter() - w) * 1000, out


def what_ifs(pf: Any, picks: list[str]) -> None:
    from pmkit.schedule import portfolio_adapter as pa
    from pmkit.schedule.whatif import apply_changes

    rows = []
    for pid in picks:
        t = pf.tasks
        todo = t[(t.project_id == pid) & ~t.is_summary.astype(bool) & t.actual_finish.isna()]
        if todo.empty:
            continue
        leaf = todo.iloc[0]
        change = {leaf.task_id: float(leaf.duration_days) + 15}
        changed, _ = apply_changes(pf, pid, duration_changes=change)
        fc, fw, full = _cpu(lambda: pa.schedule_project(changed, pid))  # noqa: B023
        nc, nw, fast = _cpu(lambda: pa.reschedule_project(pf, changed, pid))  # noqa: B023
        assert fast.tasks["finish"].equals(full.tasks["finish"]), pid
        n = len(pa.downstream_projects(changed, pid))
        rows.append((fc, nc))
        print(f"what-if {pid} ({n:4d} projects rescheduled): full {fc:6.0f} ms CPU ({fw:6.0f} "
              f"wall)  downstream {nc:5.0f} ms CPU ({nw:5.0f} wall)  {fc / nc:5.1f}x")  # fmt: skip
    full_ms = statistics.median(r[0] for r in rows)
    fast_ms = statistics.median(r[1] for r in rows)
    print(f"what-if median CPU: full {full_ms:.0f} ms, downstream {fast_ms:.0f} ms, "
          f"{full_ms / fast_ms:.1f}x")  # fmt: skip


def project_links(pf: Any, picks: list[str]) -> None:
    from pmkit.ui import planning, tracking
    from pmkit.ui._common import setup

    setup()
    first = pf.project_ids[0]
    for cls in (planning.PlanningDashboard, tracking.TrackingDashboard):
        cls(pf, first)  # first-in-process costs (imports, chart templates)
        for pid in picks:
            bc, bw, _ = _cpu(lambda: cls(pf, pid))  # noqa: B023
            pre = cls(pf, first)  # the page a preheated kernel builds before the request
            sc, sw, ok = _cpu(lambda: pre.open_project(f"project={pid}"))  # noqa: B023
            print(f"{cls.__name__} ?project={pid}: new page {bc:5.0f} ms CPU ({bw:5.0f} wall)"
                  f"  prebuilt switched {sc:5.0f} ms CPU ({sw:5.0f} wall)  {bc / sc:4.1f}x"
                  f"  {'ok' if ok else 'NOT SWITCHED'}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", required=True, help="portfolio folder (pmkit generate ...)")
    args = ap.parse_args()
    os.environ["PMKIT_DATA"] = args.data
    from pmkit.io.csv_folder import load_portfolio
    from pmkit.schedule import portfolio_adapter as pa

    load = "load average {:.2f} / {:.2f} / {:.2f}"
    print(f"# bench_scope {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
          + load.format(*os.getloadavg()))  # fmt: skip
    pf = load_portfolio(args.data)
    pa.schedule_portfolio(pf)  # the shared plan a kernel adopts (pmkit.cache)
    ids = list(pf.project_ids)
    size = {p: len(pa.downstream_projects(pf, p)) for p in ids}
    n = len(ids)
    what_ifs(pf, [max(ids, key=size.__getitem__), ids[n // 2], ids[n // 8], ids[3 * n // 4]])
    project_links(pf, [ids[n // 2], ids[3 * n // 4]])
    print("# done; " + load.format(*os.getloadavg()))


if __name__ == "__main__":
    main()
