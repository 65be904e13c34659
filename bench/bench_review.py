"""The PMO review's kernel-side cost on a large portfolio: page build, each tab's first
opening, and a filter change with each tab open (the Python part of an interaction); then
the glance (page build, a filter), the planning page (opened on a project, a switch, the WBS
slider, a what-if, and a what-if on the project reaching the most others) and the tracking
page (opened on a project, a switch, its hidden tabs' first opening).

Runs in-process on a portfolio folder (``--data``, e.g. ``pmkit generate DIR --projects
1000``), through the shared cache (:mod:`pmkit.cache`, filled first and not timed) as a
served kernel has it before its request: the review's warm parts (its whole-portfolio tables
included) and the page built ahead (what that tree precomputes then is not timed). With
``--baseline DIR`` (another checkout, ``git archive REV | tar -x -C DIR``) the same steps run
first on that code in a child process, then on this tree: before/after side by side, same
machine, same minute. Before each measured child, another child opens a planning and a tracking
page (untimed): the measured kernel is one started after another served pages (its "(1st)"
pages then show what the tree shares between kernels). The browser part (sending the
widgets, drawing) is ``bench_interactions.py`` / ``bench_load.py``; this isolates what the
kernel does.

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
from typing import Any

TABS = ("Overview", "Capacity", "Dependencies", "Risks", "Governance", "Trends", "Change board")


def _timed(fn: Any) -> tuple[float, float]:
    """``fn()``'s wall-clock and CPU milliseconds (CPU: this process's own work, which a
    loaded machine stretches much less than the wall clock)."""
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000


def _median(runs: list[tuple[float, float]]) -> list[float]:
    return [statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)]


def measure(data: str, repeats: int) -> dict[str, list[float]]:
    """``[wall ms, cpu ms]`` per step (median of repeats), on the code importable here."""
    os.environ["PMKIT_DATA"] = data
    out: dict[str, list[float]] = {}
    mods: dict[str, Any] = {}

    def imports() -> None:
        from pmkit import cache
        from pmkit.ui import portfolio_review as pr
        from pmkit.ui._common import setup

        setup()
        mods.update(cache=cache, pr=pr)

    out["import + setup"] = list(_timed(imports))
    cache, pr = mods["cache"], mods["pr"]
    _served_kernel(cache, pr, data)
    pf = cache.load_portfolio(data)
    pages: list[Any] = []
    out["page build (Overview)"] = _median(
        [_timed(lambda: pages.append(pr.PortfolioReview(pf))) for _ in range(repeats)]
    )
    review = pages[-1]
    programmes = [o for o in review.f["programme"].options if o != "(all)"][:2]

    def pick(i: int) -> None:
        review.f["programme"].value = programmes[i % len(programmes)]

    for tab in TABS:
        out[f"open {tab}"] = list(_timed(lambda tab=tab: review.open_tab(tab)))
        out[f"filter with {tab} open"] = _median(
            [_timed(lambda i=i: pick(i)) for i in range(repeats)]
        )
        if tab == "Capacity":
            out["capacity what-if apply"] = _capacity_what_if(review.tabs[tab], repeats)
        review.clear_filters()
    out.update(measure_pm_pages(pf, repeats))
    return out


def _served_kernel(cache: Any, pr: Any, data: str) -> None:
    """What a kernel of ``pmkit serve`` does before its request, untimed: the review's
    ``warm`` parts (portfolio, schedule, roll-up and the review's whole-portfolio tables),
    then the page built ahead (``before_request()`` true: whatever that tree precomputes)."""
    from pmkit.ui import _common

    cache.prewarm(data, parts=(*cache.PARTS, "review"))
    ahead = getattr(_common, "_PREBUILDING", None)
    if ahead is None:
        return
    ahead.append(True)
    try:
        pr.PortfolioReview(cache.load_portfolio(data))
    finally:
        ahead.clear()


def _first_kernel(data: str) -> None:
    """Another kernel before the measured one: a planning and a tracking page on the first
    project, untimed (the measured kernel's "(1st)" pages are then a pool's usual case: a
    kernel started after others served pages; what they share depends on the tree)."""
    os.environ["PMKIT_DATA"] = data
    from pmkit import cache
    from pmkit.ui import planning, tracking

    pf = cache.load_portfolio(data)
    first = str(pf.project_ids[0])
    planning.PlanningDashboard(pf, first)
    tracking.TrackingDashboard(pf, first)


def _capacity_what_if(tab: Any, repeats: int) -> list[float]:
    """The Capacity tab's what-if: a project's start shifted, applied (median)."""
    ids = list(tab.what_project.options)
    runs = []
    for i in range(repeats):
        tab.what_project.value = ids[(97 * i + 5) % len(ids)][1]
        tab.shift.value = 20
        runs.append(_timed(tab.apply_what_if))
    tab.reset()
    return _median(runs)


def _planning_what_if(dash: Any) -> tuple[float, float]:
    """Planning's what-if: the last unfinished leaf task's duration + 10 days, applied."""
    tasks = dash._tasks()
    todo = tasks[~tasks["is_summary"].astype(bool) & tasks["actual_finish"].isna()]
    row = todo.iloc[-1] if len(todo) else tasks[~tasks["is_summary"].astype(bool)].iloc[-1]
    dash.wi_task.value = row["task_id"]
    dash.wi_duration.value = float(row["duration_days"]) + 10.0
    return _timed(dash.apply_what_if)


def measure_tracking(pf: Any, repeats: int) -> dict[str, list[float]]:
    """Tracking: a page opened on a project, a project switch (``[wall ms, cpu ms]``)."""
    from pmkit.ui import tracking

    ids = list(pf.project_ids)
    dashes: list[Any] = []
    picks = [ids[(41 * i + 7) % len(ids)] for i in range(repeats)]
    opens = [
        _timed(lambda pid=pid: dashes.append(tracking.TrackingDashboard(pf, pid))) for pid in picks
    ]
    switches = [
        _timed(lambda d=d, i=i: setattr(d.project, "value", ids[(59 * i + 300) % len(ids)]))
        for i, d in enumerate(dashes)
    ]
    risks = [_timed(lambda d=d: setattr(d.tabs, "selected_index", 1)) for d in dashes]
    on_risks = [
        _timed(lambda d=d, i=i: setattr(d.project, "value", ids[(61 * i + 400) % len(ids)]))
        for i, d in enumerate(dashes)
    ]
    resources = [_timed(lambda d=d: setattr(d.tabs, "selected_index", 2)) for d in dashes]
    return {
        "tracking: page on a project (1st)": list(opens[0]),
        "tracking: page on a project": _median(opens),
        "tracking: project switch": _median(switches),
        "tracking: open Risks tab": _median(risks),
        "tracking: switch, Risks open": _median(on_risks),
        "tracking: open Resources tab": _median(resources),
    }


def _worst_project(pf: Any) -> str:
    """The project whose what-if reschedules the most projects (its downstream ones)."""
    from pmkit.schedule.portfolio_adapter import downstream_projects

    return max(pf.project_ids, key=lambda p: (len(downstream_projects(pf, p)), p))


def measure_worst_what_if(pf: Any, repeats: int) -> dict[str, list[float]]:
    """Planning's what-if on the project reaching the most others: the page opened on it,
    the preselected task's duration edited (+10 days, then +11...), applied; the first
    apply of the process, then the median of the next ones (``[wall ms, cpu ms]``)."""
    from pmkit.ui import planning

    worst = _worst_project(pf)
    dash = planning.PlanningDashboard(pf, worst)
    start = float(dash.wi_duration.value)
    edits, applies = [], []
    for i in range(max(repeats, 2)):
        edits.append(_timed(lambda i=i: setattr(dash.wi_duration, "value", start + 10 + i)))
        applies.append(_timed(dash.apply_what_if))
    return {
        f"what-if edit, worst ({worst}) 1st": list(edits[0]),
        f"what-if apply, worst ({worst}) 1st": list(applies[0]),
        "what-if apply, worst, again": _median(applies[1:]),
    }


def measure_pm_pages(pf: Any, repeats: int) -> dict[str, list[float]]:
    """Glance (page build, a programme filter) and planning (a page opened on a project, as
    from a ``?project=`` link, and a project switch): ``[wall ms, cpu ms]``, median."""
    from pmkit.ui import glance, planning

    pages: list[Any] = []
    builds = [_timed(lambda: pages.append(glance.build(pf))) for _ in range(repeats)]
    filters = []
    for i, page in enumerate(pages):
        programme = page.children[1].children[0]
        value = programme.options[1 + i % (len(programme.options) - 1)]
        filters.append(_timed(lambda w=programme, v=value: setattr(w, "value", v)))
    ids = list(pf.project_ids)
    picks = [ids[(37 * i + 3) % len(ids)] for i in range(repeats)]
    dashes: list[Any] = []
    opens = [
        _timed(lambda pid=pid: dashes.append(planning.PlanningDashboard(pf, pid))) for pid in picks
    ]
    switches = [
        _timed(lambda d=d, i=i: setattr(d.project, "value", ids[(53 * i + 500) % len(ids)]))
        for i, d in enumerate(dashes)
    ]
    sliders = [_timed(lambda d=d: setattr(d.level, "value", 2)) for d in dashes]
    what_ifs = [_planning_what_if(d) for d in dashes]
    return {
        "glance: page build": _median(builds),
        "glance: programme filter": _median(filters),
        "planning: page on a project (1st)": list(opens[0]),
        "planning: page on a project": _median(opens),
        "planning: project switch": _median(switches),
        "planning: WBS levels slider": _median(sliders),
        "planning: what-if apply": _median(what_ifs),
        **measure_worst_what_if(pf, repeats),
        **measure_tracking(pf, repeats),
    }


PAGES = (
    "portfolio_glance.ipynb",
    "pmo_portfolio_review.ipynb",
    "pm_planning.ipynb",
    "pm_tracking.ipynb",
)


def browser(args: argparse.Namespace) -> None:
    """First chart in headless Chromium, preheated (``pmkit serve``), one viewer per page:
    glance, review, planning, and planning opened on another project (``?project=``, as the
    glance's links do). ``--baseline`` serves that code first, on its own copy of the data
    (:mod:`pmkit.cache` keeps one data version per folder), then this tree."""
    import asyncio
    import shutil
    import tempfile

    sys.path.insert(0, str(Path(__file__).parent))
    import bench_load as bl  # the server, pool wait and viewer of the load benchmark

    def load() -> str:
        return f"load {os.getloadavg()[0]:.1f}"

    sides: list[tuple[str, Path | None]] = (
        [("before", Path(args.baseline))] if args.baseline else []
    )
    sides.append(("after", None))
    sides = [s for s in sides if s[0] in args.sides.split(",")]  # e.g. one side per locked run
    with tempfile.TemporaryDirectory() as tmp:
        for label, src in sides:
            data = Path(tmp) / label
            shutil.copytree(args.data, data)
            pid = _a_project(data)
            proc, base = bl.serve(data, [], src, Path(args.log) if args.log else None)
            try:
                warm, kernels = bl.wait_pool(proc, args.warmup, 8)
                print(f"# {label}: pool of {kernels} kernels ready in {warm:.0f} s; {load()}")
                urls = [f"{base}/voila/render/{nb}" for nb in PAGES]
                urls.append(f"{base}/voila/render/pm_planning.ipynb?project={pid}")
                for url in urls:
                    if url.endswith("?project=" + pid):
                        time.sleep(5)  # planning's pool starts its next kernel
                        bl.wait_pool(proc, args.warmup, 8)
                    t = asyncio.run(_first_chart(bl, url, args.page_timeout))
                    shown = "failed" if t is None else f"{t:6.1f} s"
                    print(f"{label:6s} {url.split('/render/')[1]:44s} {shown}  ({load()})")
            finally:
                bl.stop_server(proc)


def _a_project(folder: Path) -> str:
    """A project in the middle of the portfolio (not the page's default, the first one)."""
    ids = [ln.split(",")[0] for ln in (folder / "projects.csv").read_text().splitlines()[1:]]
    return ids[len(ids) // 2]


async def _first_chart(bl: Any, url: str, timeout_s: float) -> float | None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=bl.CHROMIUM, args=bl.ARGS)
        try:
            return await bl._one(chromium, url, timeout_s)
        finally:
            await chromium.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", required=True, help="portfolio folder")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--baseline", help="a checkout of the code before a change")
    ap.add_argument("--browser", action="store_true", help="first chart in Chromium instead")
    ap.add_argument("--warmup", type=float, default=900.0, help="max seconds for the pool")
    ap.add_argument("--page-timeout", type=float, default=180.0, help="seconds per page")
    ap.add_argument("--log", help="append the servers' output to this file")
    ap.add_argument("--sides", default="before,after", help="--browser: which sides to serve")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # child mode
    ap.add_argument("--first-kernel", action="store_true", help=argparse.SUPPRESS)  # child mode
    args = ap.parse_args()
    if args.first_kernel:
        _first_kernel(args.data)
        return
    if args.json:
        print(json.dumps(measure(args.data, args.repeats)))
        return
    if args.browser:
        print(f"# bench_review --browser {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
        browser(args)
        print("# done; load average {:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg()))
        return
    load = "load average {:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg())
    print(f"# bench_review {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {load}")
    runs: list[tuple[str, dict[str, list[float]]]] = []
    for label, src in (("before", args.baseline), ("after", str(Path(__file__).parents[1]))):
        if label == "before" and not src:
            continue
        # each side keeps its own cache folder: a re-run reads its shared files again
        cache_dir = Path(os.environ.get("PMKIT_CACHE", "/tmp/pmkit-bench-cache")) / label
        env = {**os.environ, "PYTHONPATH": str(src), "PMKIT_CACHE": str(cache_dir)}
        cmd = [sys.executable, __file__, "--data", args.data, "--repeats", str(args.repeats)]
        # another kernel served the PM pages first (what it shares is the tree's business)
        subprocess.run([*cmd, "--first-kernel"], env=env, capture_output=True, check=True)
        res = subprocess.run([*cmd, "--json"], env=env, capture_output=True, text=True, check=True)
        runs.append((label, json.loads(res.stdout.strip().splitlines()[-1])))
        print(f"# {label} measured; load average {os.getloadavg()[0]:.1f}", flush=True)
    keys = list(runs[-1][1])
    for col, what in ((0, "wall ms"), (1, "CPU ms")):
        print(f"{'step (' + what + ', median)':34s} " + " ".join(f"{lb:>9s}" for lb, _ in runs)
              + ("    ratio" if len(runs) == 2 else ""))  # fmt: skip
        for k in keys:
            vals = [r.get(k, [float("nan")] * 2)[col] for _, r in runs]
            ratio = f" {vals[0] / vals[1]:8.1f}x" if len(vals) == 2 and vals[1] else ""
            print(f"{k:34s} " + " ".join(f"{v:9.0f}" for v in vals) + ratio)
    print("# done; load average {:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
