"""Portfolio selection/sequencing at scale: 1,000 candidates, 24 months, 10 roles, a budget and
30 prerequisite/exclusion rules (HiGHS via scipy.optimize.milp), against a greedy baseline.

Prints: the solve time, status and proven gap (goal: optimal or gap <= 1 % in <= 10 s); the
value of the greedy baseline (rank by score, add while it fits) run side by side and the value
gained; the time of a 20-point efficient frontier (goal <= 30 s). Not a timed test.

Side by side, the baseline is the previous solve path: the same model handed to
``scipy.optimize.milp`` (HiGHS without a starting solution), 10 s limit, and its gap.

Run: ``python bench/bench_prioritise.py [N_PROJECTS] [SEED] [--product] [--no-solve]
[--no-frontier]``; ``--product`` adds the product's own case: ``pmkit generate DIR --projects N``
loaded and solved by ``prioritise_run`` (what ``pmkit prioritise`` runs), links respected and
not (the wall and CPU seconds and the load average are printed: the machine is shared).
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from pmkit.portfolio.prioritise import SelectionProblem, frontier, greedy, solve
from pmkit.portfolio.prioritise._select import _build, _milp


def instance(
    n: int = 1000, *, seed: int = 1, months: int = 24, roles: int = 10
) -> SelectionProblem:
    """A random but realistic instance: projects of 3-12 months on 2-4 roles, 40 % movable by
    up to 3 months, capacity for about a third of the demand, a budget for 40 % of the cost,
    15 prerequisites and 15 mutually exclusive pairs."""
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
        capacity=np.round(load.mean(axis=1, keepdims=True).repeat(months, axis=1) / 3, 0),
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
    print(f"machine at end: {_load()}")


if __name__ == "__main__":
    main()
