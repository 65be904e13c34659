"""The PMO review's kernel-side cost on a large portfolio: page build, each tab's first
opening, and a filter change with each tab open (the Python part of an interaction); then
the glance (page build, a filter) and the planning page (opened on a project, a switch).

Runs in-process on a portfolio folder (``--data``, e.g. ``pmkit generate DIR --projects
1000``), through the shared cache (:mod:`pmkit.cache`, filled first and not timed). With
``--baseline DIR`` (another checkout, ``git archive REV | tar -x -C DIR``) the same steps run
first on that code in a child process, then on this tree: before/after side by side, same
machine, same minute. The browser part (sending the widgets, drawing) is
``bench_interactions.py`` / ``bench_load.py``; this isolates what the kernel does.

    python bench/bench_review.py --data /tmp/p1000 --baseline /tmp/base --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TABS = ("Overview", "Capacity", "Dependencies", "Risks", "Governance", "Trends", "Change board")


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


def measure(data: str, repeats: int) -> dict[str, float]:
    """Milliseconds per step, on the code importable here."""
    os.environ["PMKIT_DATA"] = data
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    from pmkit import cache
    from pmkit.ui import portfolio_review as pr
    from pmkit.ui._common import setup

    setup()
    out["import + setup"] = _ms(t0)
    cache.prewarm(data)
    pf = cache.load_portfolio(data)
    builds = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        review = pr.PortfolioReview(pf)
        builds.append(_ms(t0))
    out["page build (Overview)"] = statistics.median(builds)
    programmes = [o for o in review.f["programme"].options if o != "(all)"][:2]
    for tab in TABS:
        t0 = time.perf_counter()
        review.open_tab(tab)
        out[f"open {tab}"] = _ms(t0)
        times = []
        for i in range(repeats):
            t0 = time.perf_counter()
            review.f["programme"].value = programmes[i % len(programmes)]
            times.append(_ms(t0))
        review.clear_filters()
        out[f"filter with {tab} open"] = statistics.median(times)
    out.update(measure_pm_pages(pf, repeats))
    return out


def measure_pm_pages(pf: object, repeats: int) -> dict[str, float]:
    """Glance (page build, a programme filter) and planning (a page opened on a project, as
    from a ``?project=`` link, and a project switch): milliseconds, median of repeats."""
    from pmkit.ui import glance, planning

    out: dict[str, float] = {}
    builds, filters = [], []
    for i in range(repeats):
        t0 = time.perf_counter()
        page = glance.build(pf)  # type: ignore[arg-type]
        builds.append(_ms(t0))
        programme = page.children[1].children[0]  # type: ignore[attr-defined]
        t0 = time.perf_counter()
        programme.value = programme.options[1 + i % (len(programme.options) - 1)]
        filters.append(_ms(t0))
    out["glance: page build"] = statistics.median(builds)
    out["glance: programme filter"] = statistics.median(filters)
    ids = list(pf.project_ids)  # type: ignore[attr-defined]
    builds, switches = [], []
    for i in range(repeats):
        t0 = time.perf_counter()
        dash = planning.PlanningDashboard(pf, ids[(37 * i + 3) % len(ids)])  # type: ignore[arg-type]
        builds.append(_ms(t0))
        t0 = time.perf_counter()
        dash.project.value = ids[(53 * i + 500) % len(ids)]
        switches.append(_ms(t0))
    out["planning: page on a project"] = statistics.median(builds)
    out["planning: project switch"] = statistics.median(switches)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", required=True, help="portfolio folder")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--baseline", help="a checkout of the code before a change")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # child mode
    args = ap.parse_args()
    if args.json:
        print(json.dumps(measure(args.data, args.repeats)))
        return
    load = "load average {:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg())
    print(f"# bench_review {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {load}")
    runs: list[tuple[str, dict[str, float]]] = []
    for label, src in (("before", args.baseline), ("after", str(Path(__file__).parents[1]))):
        if label == "before" and not src:
            continue
        env = {**os.environ, "PYTHONPATH": str(src)}
        cmd = [sys.executable, __file__, "--data", args.data, "--repeats", str(args.repeats)]
        res = subprocess.run([*cmd, "--json"], env=env, capture_output=True, text=True, check=True)
        runs.append((label, json.loads(res.stdout.strip().splitlines()[-1])))
    keys = list(runs[-1][1])
    print(f"{'step (ms, median of repeats)':34s} " + " ".join(f"{lb:>9s}" for lb, _ in runs)
          + ("    ratio" if len(runs) == 2 else ""))  # fmt: skip
    for k in keys:
        vals = [r.get(k, float("nan")) for _, r in runs]
        ratio = f" {vals[0] / vals[1]:8.1f}x" if len(vals) == 2 and vals[1] else ""
        print(f"{k:34s} " + " ".join(f"{v:9.0f}" for v in vals) + ratio)
    print("# done; load average {:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
