"""Portfolio selection/sequencing at scale: 1,000 candidates, 24 months, 10 roles, a budget and
30 prerequisite/exclusion rules (HiGHS via scipy.optimize.milp), against a greedy baseline.

Prints: the solve time, status and proven gap (goal: optimal or gap <= 1 % in <= 10 s); the
value of the greedy baseline (rank by score, add while it fits) run side by side and the value
gained; the time of a 20-point efficient frontier (goal <= 30 s). Not a timed test.

Side by side, the baseline is the previous solve path: the same model handed to
``scipy.optimize.milp`` (HiGHS without a starting solution), 10 s limit, and its gap.

Run: ``python bench/bench_prioritise.py [N_PROJECTS] [SEED] [--product] [--no-solve]
[--no-frontier] [--tightness] [--tab] [--baseline=TREE]``; ``--product`` adds the product's
own case: ``pmkit generate DIR --projects N`` loaded and solved by ``prioritise_run`` (what
``pmkit prioritise`` runs), links respected and not, and the problem build alone;
``--tightness`` a table of gap and time over capacity 1/3, 2/5, 1/2, 2/3 of the demand, three
seeds; ``--tab`` the Prioritise tab in-process (open, budget moves, forced, capacity, weights and
links changes);
``--baseline=TREE`` runs the product / tab measurements again with pmkit from TREE (e.g.
``git archive main``) right after, side by side (the wall and CPU seconds and the load
average are printed: the machine is shared).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import numpy as np

from pmkit.portfolio.prioritise import SelectionProblem, frontier, greedy, solve
from pmkit.portfolio.prioritise._select import _build, _milp


def instance(
    n: int = 1000,
    *,
    seed: int = 1,
    months: int = 24,
    roles: int = 10,
    capacity_share: float = 1 / 3,
) -> SelectionProblem:
    """A random but realistic instance: projects of 3-12 months on 2-4 roles, 40 % movable by
    up to 3 months, capacity for ``capacity_share`` of the demand (default: about a third,
    the benchmark's instance), a budget for 40 % of the cost, 15 prerequisites and 15
    mutually exclusive pairs."""
    rng = np.random.default_rng(seed)
    length = rng.integers(3, 13, size=n)
    demand = np.zeros((n, roles, months))
    for i in range(n):
        for r in rng.choice(roles, size=int(rng.integers(2, 5)), replace=False):
            demand[i, r, : length[i]] = rng.integers(20, 161, size=length[i])
    start = rng.integers(0, months - 3, size=n)
    cost = demand.sum(axis=(1, 2)) * rng.uniform(70, 110, size=n)
    value = np.round(cost / 1e4 * rng.uniform(0.5, 1.5, size=n) + rng.uniform(0, 20, size=n), 2)
    load = np.zeros((roles, months))
    for i in range(n):
        span = min(months - start[i], months)
        load[:, start[i] : start[i] + span] += demand[i, :, :span]
    ids = np.array([f"X{i:04d}" for i in range(n)], dtype=object)
    pairs = rng.choice(n, size=(30, 2), replace=False)
    return SelectionProblem(
        ids=ids,
        value=value,
        cost=cost,
        demand=demand,
        cost_profile=demand.sum(axis=1) * cost[:, None] / demand.sum(axis=(1, 2))[:, None],
        start=start,
        max_shift=np.where(rng.random(n) < 0.4, 3, 0),
        months=np.arange(np.datetime64("2027-01"), np.datetime64("2027-01") + months),
        roles=np.array([f"Role {r}" for r in range(roles)], dtype=object),
        capacity=np.round(
            load.mean(axis=1, keepdims=True).repeat(months, axis=1) * capacity_share, 0
        ),
        budget=float(0.4 * cost.sum()),
        requires=tuple((str(ids[a]), str(ids[b])) for a, b in pairs[:15]),
        exclusive=tuple((str(ids[a]), str(ids[b])) for a, b in pairs[15:]),
    )


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} cores"


def _solve_random(p: SelectionProblem) -> None:
    """Greedy, the old path (scipy milp, no start) and the current one, side by side."""
    t0 = time.perf_counter()
    g = greedy(p)
    tg = time.perf_counter() - t0
    t0 = time.perf_counter()
    m = _build(p)
    base = _milp(m, m.c, 10.0, 0.01)
    tb = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    s = solve(p, time_limit=10.0, gap=0.01)
    ts, cs = time.perf_counter() - t0, time.process_time() - c0
    print(f"greedy baseline: value {g.value:10.2f}  ({len(g.ids)} projects)  {tg:6.2f} s")
    b_val = -float(base.fun) if base.x is not None else float("nan")
    b_gap = float(getattr(base, "mip_gap", float("nan")) or 0.0)
    print(
        f"before (scipy milp, no start): value {b_val:10.2f}  {tb:6.2f} s  proven gap {b_gap:.3%}"
    )
    print(
        f"after  (highspy, LP + start):  value {s.value:10.2f}  {ts:6.2f} s (cpu {cs:5.2f} s)  "
        f"proven gap {s.gap:.3%}  status {s.status}  ({len(s.ids)} projects; goal: gap <= 1 % "
        "in <= 10 s)"
    )
    print(f"ratio before/after: time {tb / ts:.2f}x, gap {b_gap / max(s.gap, 1e-9):.2f}x")
    print(f"value gained over greedy: {s.value - g.value:+.2f} ({s.value / g.value - 1:+.2%})")
    cap_ok = bool((s.load <= p.capacity + 1e-6).all())
    print(
        f"capacity respected month by month: {cap_ok}; cost {s.cost:,.0f} <= budget "
        f"{p.budget:,.0f}: {s.cost <= (p.budget or 0) + 1e-6}"
    )


def _frontier(p: SelectionProblem) -> None:
    """The previous call (1.5 s per point) and the shared 25 s budget, side by side."""
    for label, kw in (
        ("per point 1.5 s (previous call)", {"time_limit": 1.5}),
        ("shared budget 25 s (adaptive)  ", {"time_limit": 10.0, "total_time": 25.0}),
    ):
        t0 = time.perf_counter()
        f = frontier(p, n=20, gap=0.01, **kw)  # type: ignore[arg-type]
        tf = time.perf_counter() - t0
        proven = f["status"].isin(["optimal", "time limit"])
        worst = float(f.loc[proven, "gap"].max()) if proven.any() else float("nan")
        solved = int((f["seconds"] > 0.05).sum())
        print(
            f"frontier, {label}: {len(f)} points in {tf:6.2f} s (goal <= 30 s), {solved} "
            f"solved, {len(f) - solved} reused; worst proven gap {worst:.3%}; statuses "
            f"{f['status'].value_counts().to_dict()}; {_load()}"
        )


def _tightness(n: int, seeds: tuple[int, ...] = (1, 2, 3)) -> None:
    """Where the 10 s / 1 % goal holds: the same generator with capacity for 1/3, 2/5, 1/2, 2/3
    of the demand, a few seeds; one solve each (10 s limit, gap goal 1 %)."""
    print(f"tightness table, {n} candidates (solve 10 s, goal: proven gap <= 1 %):")
    print("  capacity/demand  seed  value      LP-proven gap  status       wall s  cpu s  load")
    for share, label in ((1 / 3, "1/3"), (2 / 5, "2/5"), (1 / 2, "1/2"), (2 / 3, "2/3")):
        for seed in seeds:
            p = instance(n, seed=seed, capacity_share=share)
            t0, c0 = time.perf_counter(), time.process_time()
            s = solve(p, time_limit=10.0, gap=0.01)
            ts, cs = time.perf_counter() - t0, time.process_time() - c0
            ok = "met" if s.gap <= 0.01 and ts <= 10.5 else "NOT met"
            print(
                f"  {label:>15}  {seed:4d}  {s.value:9.1f}  {s.gap:12.3%}  {s.status:11}  "
                f"{ts:6.2f}  {cs:5.2f}  {os.getloadavg()[0]:.1f}  {ok}",
                flush=True,
            )


def _tab(n: int) -> None:
    """The Prioritise tab in-process on ``pmkit generate`` data, driven like a kernel drives
    it: each change is a callback run inside an asyncio event loop, and what the tab leaves
    for later (CPM dates, "why", the frontier point by point) runs on that loop after the
    callback returned. Per change: "usable" = the callback returned (the kernel answers
    clicks again), "shown" = the headline (chosen portfolio) changed, "solver's" = the headline
    shows the solver's answer (later than "shown" when a repaired, provisional portfolio was
    shown first), "cpm" = the chosen list
    has its CPM finishes, "done" = nothing left to do (frontier included). A tree whose tab
    does everything inside the callback (e.g. main before session 6) has usable = done.
    Then a click during the frontier: the budget is moved right after a forced change
    returned; "click->shown" is the wait from that click until its portfolio is shown. Last,
    clicks at set times while a new frontier is being solved (after a third forced change):
    for each, the wait from the moment of the click until the kernel takes it and until its
    portfolio is shown (a kernel busy with a step answers late). A fake ``ipykernel`` app
    marks the process as a kernel (the tab runs its later steps on the loop only there)."""
    import asyncio
    from types import SimpleNamespace

    from pmkit.ui.prioritise import PrioritiseTab

    _fake_kernel()
    pf, sched = _tab_data(n)
    review = SimpleNamespace(p=pf, schedule=lambda: sched, currency="EUR", label=str, labels={})
    box: dict[str, Any] = {}
    marks: dict[str, float] = {}

    async def idle() -> None:
        later = getattr(box["tab"], "later", None)
        while later is not None and (later.jobs or later.pending):
            await asyncio.sleep(0.005)  # an idle kernel waits in select: no spinning here

    async def step(name: str, fn: Any, click: Any = None) -> None:
        marks.clear()
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        usable, cpu_usable = time.perf_counter() - t0, time.process_time() - c0
        if click is not None:  # the user clicks as soon as the page answers
            marks["click"] = time.perf_counter()
            asyncio.get_running_loop().call_soon(click)
        await idle()
        done, cpu = time.perf_counter() - t0, time.process_time() - c0
        tab = box["tab"]
        head = " ".join(tab.headline.value.replace("<b>", "").replace("</b>", "").split()[:12])
        shown = marks.get("shown", t0 + usable) - t0  # open: set inside the constructor
        solved = marks.get("solved", t0 + usable) - t0
        cpm = marks.get("cpm", t0 + done) - t0
        extra = ""
        if click is not None:
            clicked = [v for k, v in marks.items() if k == "shown2"]
            extra = f"  click->shown {clicked[0] - marks['click']:6.2f} s" if clicked else ""
        print(
            f"tab {n}: {name:<16} usable {usable:6.2f} s (cpu {cpu_usable:5.2f})  shown "
            f"{shown:6.2f} s  solver's {solved:6.2f} s  cpm "
            f"{cpm:6.2f} s  done {done:6.2f} s (cpu {cpu:6.2f} s)  load "
            f"{os.getloadavg()[0]:.1f}{extra} | {head[3:]}",
            flush=True,
        )

    def opening() -> None:
        box["tab"] = PrioritiseTab(review)
        _watch(box["tab"], marks)

    async def run() -> None:
        await step("open", opening)
        tab = box["tab"]
        b0 = float(tab.budget.value)
        await step("budget -40 %", lambda: setattr(tab.budget, "value", round(b0 * 0.6, -4)))
        await step("budget -28 %", lambda: setattr(tab.budget, "value", round(b0 * 0.72, -4)))
        opts = [v for _, v in tab.forced_out.options]
        await _moves(tab, step, opts)
        await step("force one out", lambda: setattr(tab.forced_out, "value", (opts[-1],)))

        def click() -> None:
            tab.headline.observe(
                lambda _c: marks.setdefault("shown2", time.perf_counter()), "value"
            )
            tab.budget.value = round(b0 * 0.8, -4)

        await step(
            "force 2nd + click",
            lambda: setattr(tab.forced_out, "value", (opts[-1], opts[-2])),
            click=click,
        )
        await _clicks_during(tab, b0, opts, n)
        await _forced_during(tab, opts, n)

    asyncio.run(run())


def _watch(tab: Any, marks: dict[str, float]) -> None:
    """Marks the first headline change ("shown"), the first that is the solver's answer
    ("solved", not a provisional one) and the chosen list with its CPM finishes ("cpm")."""

    def headline(change: Any) -> None:
        now = time.perf_counter()
        marks.setdefault("shown", now)
        if "Provisional portfolio" not in str(change["new"]):
            marks.setdefault("solved", now)

    def cpm(change: Any) -> None:
        if "rescheduling…" not in change["new"] and "pmkit-prio-chosen" in change["new"]:
            marks.setdefault("cpm", time.perf_counter())

    tab.headline.observe(headline, "value")
    tab.chosen.observe(cpm, "value")


async def _moves(tab: Any, step: Any, opts: list[str]) -> None:
    """Forced changes that move the chosen portfolio itself (its most valuable project forced
    out, the most valuable one left out forced in), a capacity level down and up, both lists
    emptied; then a weights change (one pairwise comparison) and back, links off and on."""
    ch = tab.selection.chosen
    top_in = str(ch.loc[ch["chosen"]].sort_values("value")["project_id"].iloc[-1])
    out = [str(x) for x in ch.loc[~ch["chosen"]].sort_values("value")["project_id"]]
    best_out = next(x for x in reversed(out) if x not in opts[-8:])
    await step("force top out", lambda: setattr(tab.forced_out, "value", (top_in,)))
    await step("force one in", lambda: setattr(tab.forced_in, "value", (best_out,)))
    await step("capacity 80 %", lambda: setattr(tab.level, "value", 0.8))
    await step("capacity 100 %", lambda: setattr(tab.level, "value", 1.0))
    await step("release both", lambda: _release(tab))
    pair = next(iter(tab.pairs.values()))  # the first pairwise comparison (AHP weights)
    was = pair.value
    other = next(v for _, v in pair.options if v != was)
    await step("weights: 1 pair", lambda: setattr(pair, "value", other))
    await step("weights back", lambda: setattr(pair, "value", was))
    await step("links off", lambda: setattr(tab.use_links, "value", False))
    await step("links on", lambda: setattr(tab.use_links, "value", True))


def _release(tab: Any) -> None:
    """Nothing forced in or out (two changes, one after the other)."""
    tab.forced_in.value = ()
    tab.forced_out.value = ()


def _tab_data(n: int) -> tuple[Any, Any]:
    """``pmkit generate`` data of ``n`` projects, loaded, and its schedule."""
    import tempfile

    from pmkit.generate import main as generate_main
    from pmkit.io.csv_folder import load_portfolio
    from pmkit.schedule.portfolio_adapter import schedule_portfolio

    with tempfile.TemporaryDirectory() as tmp:
        generate_main([tmp, "--projects", str(n)])
        pf = load_portfolio(tmp)
    return pf, schedule_portfolio(pf)  # a dashboard kernel has the schedule from pmkit.cache


def _fake_kernel() -> None:
    """Mark this process as an ipykernel (what ``pmkit.ui.prioritise`` checks before it
    leaves steps to the loop), for this tree and the baseline's alike."""
    import types

    class App:
        @staticmethod
        def initialized() -> bool:
            return True

    sys.modules["ipykernel.kernelapp"] = types.SimpleNamespace(IPKernelApp=App)  # type: ignore[assignment]


CLICK_AT = (0.3, 1.1, 1.9, 2.7, 3.5, 4.3)  # seconds after a forced change returned
CLICK_BUDGET = (0.82, 0.76, 0.84, 0.7, 0.9, 0.78)  # share of the opening budget (each new)


async def _clicks_during(tab: Any, b0: float, opts: list[str], n: int) -> None:
    """A third project forced out (a new model, a new frontier), then budget clicks at
    :data:`CLICK_AT` while that frontier is solved: per click, scheduled -> taken by the
    kernel and scheduled -> its portfolio shown."""
    import asyncio

    loop = asyncio.get_running_loop()
    shown: list[float] = []
    t0, c0 = time.perf_counter(), time.process_time()
    tab.forced_out.value = (opts[-1], opts[-2], opts[-3])
    tab.headline.observe(lambda _c: shown.append(time.perf_counter()), "value")
    base = time.perf_counter()
    print(f"tab {n}: force 3rd out      usable {base - t0:6.2f} s (cpu "
          f"{time.process_time() - c0:5.2f})", flush=True)  # fmt: skip
    taken: list[tuple[float, float]] = []  # (at, when the kernel ran the click)

    def click(at: float, share: float) -> None:
        taken.append((at, time.perf_counter()))
        tab.budget.value = round(b0 * share, -4)

    for at, share in zip(CLICK_AT, CLICK_BUDGET, strict=True):
        loop.call_at(loop.time() + at, click, at, share)
    later = getattr(tab, "later", None)
    while len(taken) < len(CLICK_AT) or (later is not None and (later.jobs or later.pending)):
        await asyncio.sleep(0.005)
    # a click's portfolio is shown at the first headline change after the kernel ran it (in
    # its callback, or later when the callback left the answer to a worker), before the next
    # click was run (NaN: the next click came first)
    rows: list[tuple[float, float, float]] = []
    ends = [t for _, t in taken[1:]] + [float("inf")]
    for (at, t), end in zip(taken, ends, strict=True):
        first = next((s for s in shown if t <= s < end), float("nan"))
        rows.append((at, t - (base + at), first - (base + at)))
    for at, wait, done in rows:
        print(f"tab {n}: click at +{at:.1f} s   taken after {wait * 1e3:6.0f} ms   shown after "
              f"{done * 1e3:6.0f} ms  load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    waits = sorted(r[2] for r in rows if r[2] == r[2]) or [float("nan")]  # NaN: not shown
    print(f"tab {n}: clicks during the frontier: {len(rows) - len(waits)} of {len(rows)} "
          f"superseded before shown; shown after median "
          f"{waits[len(waits) // 2] * 1e3:.0f} ms, max {waits[-1] * 1e3:.0f} ms "
          f"(goal ~300 ms); total {time.perf_counter() - t0:.2f} s", flush=True)  # fmt: skip


FORCED_AFTER = (1, 2, 3)  # forced changes made once the frontier shows this many points
INSIDE_POINT = 0.2  # ... and this many seconds later (the next point is being solved)


async def _forced_during(tab: Any, opts: list[str], n: int) -> None:
    """A forced change made while the worker solves the frontier (a point: up to ~1-2 s of
    branch and cut): a project forced out starts a new frontier; once the frontier being
    solved shows :data:`FORCED_AFTER` points, one more project is forced out (a new model,
    whose frontier the next change interrupts in turn); per change, the wait from the change until
    its portfolio is shown (the first headline change after it: in the callback or from the
    worker). A worker that finishes its running point first answers later."""
    import asyncio

    later = getattr(tab, "later", None)
    waits: list[float] = []
    answers: list[float] = []  # the solver's answer (the same as shown unless repaired first)
    drawn = {"points": 0}  # points of the frontier being solved drawn so far (an observer:
    # "Frontier k/n" shows only between a point drawn and the next step's label)

    def progress(change: Any) -> None:
        words = str(change["new"]).split()
        if len(words) == 2 and words[0] == "Frontier" and "/" in words[1]:
            done, total = (int(x) for x in words[1].split("/"))
            if done < total:
                drawn["points"] = max(drawn["points"], done)

    tab.busy.observe(progress, "description")
    tab.forced_out.value = (*tab.forced_out.value, opts[-4])  # a new frontier to interrupt
    for k, extra in zip(FORCED_AFTER, (opts[-5], opts[-6], opts[-7]), strict=True):
        t_wait = time.perf_counter()
        while drawn["points"] < k and time.perf_counter() - t_wait < 60:
            if later is not None and not (later.jobs or later.pending):
                break  # the frontier is done: the change is then made with the worker idle
            await asyncio.sleep(0.005)
        # a point is drawn just before the worker starts the next one: the change is made a
        # little later, inside that point's solve
        await asyncio.sleep(INSIDE_POINT)
        running, before = getattr(later, "running", None), str(tab.busy.description)
        shown: list[float] = []
        solved: list[float] = []

        def mark(change: Any, s: list[float] = shown, f: list[float] = solved) -> None:
            s.append(time.perf_counter())
            if "Provisional portfolio" not in str(change["new"]):
                f.append(s[-1])

        tab.headline.observe(mark, "value")
        t0 = time.perf_counter()
        drawn["points"] = 0  # the next frontier's
        tab.forced_out.value = (*tab.forced_out.value, extra)
        usable = time.perf_counter() - t0
        while not shown and time.perf_counter() - t0 < 60:
            await asyncio.sleep(0.005)
        wait = (shown[0] if shown else float("nan")) - t0
        waits.append(wait)
        while not solved and time.perf_counter() - t0 < 60:
            await asyncio.sleep(0.005)
        answer = (solved[0] if solved else float("nan")) - t0
        answers.append(answer)
        head = " ".join(tab.headline.value.replace("<b>", "").replace("</b>", "").split()[:6])
        print(f"tab {n}: forced change after frontier point {k} (page: {before!r}; worker "
              f"job: {running})  usable {usable:5.2f} s  new portfolio shown "
              f"after {wait * 1e3:6.0f} ms, solver's {answer * 1e3:6.0f} ms  load "
              f"{os.getloadavg()[0]:.1f} | {head[3:]}",
              flush=True)  # fmt: skip
    while later is not None and (later.jobs or later.pending):
        await asyncio.sleep(0.005)
    ok = sorted(w for w in waits if w == w) or [float("nan")]
    fin = sorted(w for w in answers if w == w) or [float("nan")]
    print(f"tab {n}: forced change during a long job: new portfolio shown after median "
          f"{ok[len(ok) // 2] * 1e3:.0f} ms, max {ok[-1] * 1e3:.0f} ms; the solver's answer "
          f"median {fin[len(fin) // 2] * 1e3:.0f} ms, max {fin[-1] * 1e3:.0f} ms",
          flush=True)  # fmt: skip


def _baseline(tree: str, argv: list[str]) -> None:
    """This bench's measurement run again on another pmkit tree (e.g. ``git archive`` of
    main), in a subprocess, right after ours: the side-by-side pair."""
    import subprocess

    print(f"--- baseline: the same measurement with pmkit from {tree}", flush=True)
    env = {**os.environ, "PYTHONPATH": tree}
    subprocess.run([sys.executable, __file__, *argv], env=env, check=False, timeout=900)


def _product_case(n: int) -> None:
    """``pmkit generate DIR --projects N``, loaded and solved through the CLI's own path."""
    import tempfile

    from pmkit.generate import main as generate_main
    from pmkit.io.csv_folder import load_portfolio
    from pmkit.portfolio.prioritise import PrioritiseError, prioritise_run

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        generate_main([tmp, "--projects", str(n)])
        pf = load_portfolio(tmp)
        print(
            f"product case: generated and loaded {n} projects in {time.perf_counter() - t0:.1f} s"
        )
    from pmkit.portfolio.prioritise import selection_problem

    t0, c0 = time.perf_counter(), time.process_time()
    selection_problem(pf)  # what prioritise_run builds before any solve (schedule included)
    print(
        f"product case: problem built from the portfolio (schedule, demand by role and month, "
        f"scores, rules, links) in {time.perf_counter() - t0:.2f} s (cpu "
        f"{time.process_time() - c0:.2f} s); {_load()}"
    )
    for links in (True, False):
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            run = prioritise_run(pf, time_limit=10.0, gap=0.01, use_links=links)
        except PrioritiseError as exc:
            took = time.perf_counter() - t0
            print(f"product case, links {links}: no portfolio ({exc}) after {took:.1f} s")
            continue
        sm, sel = run.summary, run.selection
        print(
            f"product case, links {links}: {sm['chosen']}/{sm['candidates']} chosen, value "
            f"{sm['value']:.2f}, status {sm['status']}, proven gap {sel.gap:.3%}; solve "
            f"{sel.seconds:.2f} s, whole prioritise_run (problem from the portfolio + solve) "
            f"{time.perf_counter() - t0:.2f} s (cpu {time.process_time() - c0:.2f} s); {_load()}"
        )


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 1000
    seed = int(args[1]) if len(args) > 1 else 1
    p = instance(n, seed=seed)
    print(f"machine at start: {_load()}")
    n_vars = int((p.max_shift + 1).sum())
    print(
        f"instance: {n} candidates, {len(p.months)} months, {len(p.roles)} roles, budget, "
        f"{len(p.requires)} prerequisites + {len(p.exclusive)} exclusions; {n_vars} binaries"
    )
    if "--no-solve" not in sys.argv:
        _solve_random(p)
    if "--no-frontier" not in sys.argv:
        _frontier(p)
    if "--product" in sys.argv:
        _product_case(n)
    if "--tightness" in sys.argv:
        _tightness(n)
    if "--tab" in sys.argv:
        _tab(n)
    base = [a.split("=", 1)[1] for a in sys.argv if a.startswith("--baseline=")]
    if base:
        keep = [a for a in sys.argv[1:] if not a.startswith("--") or a in ("--product", "--tab")]
        _baseline(base[0], [*keep, "--no-solve", "--no-frontier"])
    print(f"machine at end: {_load()}")


if __name__ == "__main__":
    main()
