"""The HiGHS pipeline (LP relaxation, LP-guided start, branch and cut) and the reused-model
frontier, checked against brute-force enumeration of every start/leave-out combination on small
random instances (plain Python loops, no pmkit code in the check)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pmkit.portfolio.prioritise import PrioritiseError, SelectionProblem, frontier, greedy, solve
from pmkit.portfolio.prioritise._select import fill

MONTHS = np.arange(np.datetime64("2027-01"), np.datetime64("2027-07"))  # 6 months


def _random(seed: int, n: int = 6) -> SelectionProblem:
    rng = np.random.default_rng(seed)
    roles, t = 2, len(MONTHS)
    demand = np.zeros((n, roles, t))
    for i in range(n):
        length = int(rng.integers(1, 4))
        demand[i, :, :length] = rng.integers(0, 6, size=(roles, length))
    ids = np.array([f"P{i + 1}" for i in range(n)], dtype=object)
    return SelectionProblem(
        ids=ids,
        value=rng.integers(1, 20, size=n).astype(float),
        cost=rng.integers(1, 10, size=n).astype(float),
        demand=demand,
        cost_profile=np.zeros((n, t)),
        start=rng.integers(0, 3, size=n),
        max_shift=rng.integers(0, 3, size=n),
        months=MONTHS,
        roles=np.array(["A", "B"], dtype=object),
        capacity=np.full((roles, t), float(rng.integers(4, 9))),
        budget=float(rng.integers(8, 20)),
        requires=((str(ids[1]), str(ids[0])),),
        exclusive=((str(ids[2]), str(ids[3])),),
    )


def _brute_force(p: SelectionProblem, budget: float | None) -> float:
    """Best value over every choice per project: left out, or started 0..max_shift late."""
    best = 0.0
    options = [[None, *range(int(s) + 1)] for s in p.max_shift]
    ids = [str(x) for x in p.ids]
    for combo in itertools.product(*options):
        chosen = {ids[i] for i, c in enumerate(combo) if c is not None}
        if any(b in chosen and a not in chosen for b, a in p.requires):
            continue
        if any(sum(x in chosen for x in g) > 1 for g in p.exclusive):
            continue
        cost = sum(float(p.cost[i]) for i, c in enumerate(combo) if c is not None)
        if budget is not None and cost > budget + 1e-9:
            continue
        load = [[0.0] * len(p.months) for _ in p.roles]
        for i, c in enumerate(combo):
            if c is None:
                continue
            for r in range(len(p.roles)):
                for k in range(len(p.months)):
                    month = int(p.start[i]) + c + k
                    if month < len(p.months):
                        load[r][month] += float(p.demand[i, r, k])
        if any(load[r][k] > p.capacity[r, k] + 1e-9 for r in range(2) for k in range(6)):
            continue
        value = sum(float(p.value[i]) for i, c in enumerate(combo) if c is not None)
        best = max(best, value)
    return best


@pytest.mark.parametrize("seed", range(8))
def test_solve_matches_brute_force(seed: int) -> None:
    p = _random(seed)
    sel = solve(p, time_limit=30.0, gap=1e-9)
    assert sel.status == "optimal"
    assert sel.value == pytest.approx(_brute_force(p, p.budget))
    assert greedy(p).value <= sel.value + 1e-9


def test_frontier_points_match_brute_force_at_each_budget() -> None:
    p = _random(3)
    budgets = [0.0, 4.0, 9.0, 15.0, 40.0]
    f = frontier(p, budgets=budgets[::-1], time_limit=30.0, gap=1e-9)  # any order given
    assert f["budget"].tolist() == budgets  # cheapest first
    expected = [_brute_force(p, b) for b in budgets]
    assert f["value"].tolist() == pytest.approx(expected)
    assert (f["cost"] <= f["budget"] + 1e-9).all()


def test_frontier_by_level_matches_brute_force() -> None:
    p = _random(5)
    levels = [0.5, 1.0, 2.0]
    f = frontier(p, levels=levels, time_limit=30.0, gap=1e-9)
    expected = [_brute_force(p.with_(capacity=p.capacity * lv), p.budget) for lv in levels]
    assert f["value"].tolist() == pytest.approx(expected)


def test_a_forced_in_project_that_cannot_fit_is_infeasible_on_the_frontier() -> None:
    p = _random(1).with_(forced_in={"P5"})
    f = frontier(p, budgets=[0.0, 100.0], time_limit=10.0, gap=1e-9)
    assert f["status"].iloc[0] == "infeasible"
    assert "P5" in f["chosen"].iloc[1].split(", ")


def test_fill_keeps_every_capacity_and_budget_line() -> None:
    from pmkit.portfolio.prioritise._select import _build

    p = _random(2, n=8)
    m = _build(p)
    x = fill(m, p, np.arange(m.c.size), np.zeros(m.c.size))
    act = m.a @ x
    assert (act <= m.hi + 1e-9).all() and (act >= m.lo - 1e-9).all()


def test_forced_projects_needing_both_of_an_exclusive_pair_are_named_quickly() -> None:
    # P1 needs P3 and P2 needs P4 through schedule links; P3 and P4 exclude each other:
    # no capacity or budget could ever let P1 and P2 in together.
    p = _random(4).with_(
        requires=(),
        links=(("P3", "P1"), ("P4", "P2")),
        exclusive=(("P3", "P4"),),
        forced_in={"P1", "P2"},
        budget=None,
        capacity=np.full((2, 6), 1000.0),
    )
    with pytest.raises(PrioritiseError) as err:
        solve(p, time_limit=10.0)
    text = str(err.value)
    assert "P1" in text and "P2" in text
    assert "P3 and P4" in text and "mutually exclusive" in text


def test_frontier_with_a_shared_time_budget_matches_brute_force() -> None:
    # many budgets past the point where capacity binds: their optimum is the same portfolio,
    # found once and reused (bisection); the values must still be the brute-force ones
    p = _random(6)
    budgets = [0.0, 3.0, 6.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    f = frontier(p, budgets=budgets, time_limit=30.0, total_time=120.0, gap=1e-9)
    assert f["value"].tolist() == pytest.approx([_brute_force(p, b) for b in budgets])
    assert (f["cost"] <= f["budget"] + 1e-9).all()
    assert set(f["status"]) == {"optimal"}


@pytest.mark.parametrize("seed", [1, 4])
def test_budget_frontier_solves_any_budget_on_one_model_like_brute_force(seed: int) -> None:
    """#10 s5: a slider move re-solves only the budget row of the frontier's model (starts from
    the portfolios found at lower budgets): each answer is the brute-force optimum, before and
    after the frontier's points were solved, in any order of budgets."""
    from pmkit.portfolio.prioritise import BudgetFrontier

    p = _random(seed, n=7)
    fr = BudgetFrontier(p.with_(budget=None), n=4)
    for b in (11.0, 3.0, 25.0, 6.0, 0.0, 17.0):
        if b == 6.0:
            pts = fr.points(time_limit=30.0, gap=1e-9)
            assert pts["value"].tolist() == pytest.approx(
                [_brute_force(p, x) for x in pts["budget"]]
            )
        sel = fr.solve(b, time_limit=30.0, gap=1e-9)
        assert sel.status == "optimal"
        assert sel.value == pytest.approx(_brute_force(p, b))
        assert sel.cost <= b + 1e-9
        assert (sel.load <= p.capacity + 1e-9).all()


def test_budget_frontier_names_forced_projects_a_budget_cannot_hold() -> None:
    from pmkit.portfolio.prioritise import BudgetFrontier

    p = _random(2, n=6).with_(budget=None, forced_in={"P1"}, requires=(), exclusive=())
    fr = BudgetFrontier(p, n=3)
    with pytest.raises(PrioritiseError, match="P1"):
        fr.solve(float(p.cost[0]) - 0.5, time_limit=10.0)
    assert fr.solve(float(p.cost[0]), time_limit=10.0).ids[:1] == ["P1"]
