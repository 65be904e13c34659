"""`explain`'s shadow prices come from the LP relaxation the solve already ran (HiGHS row duals),
with the sign of "value points gained per unit of extra room". Checked on a knapsack solved by
hand: the LP relaxation of a fractional knapsack takes the items by value density and splits
one, so the price of one more unit of the binding line is the split item's density."""

from __future__ import annotations

import numpy as np
import pytest

from pmkit.portfolio.prioritise import BudgetFrontier, SelectionProblem, explain, solve
from pmkit.portfolio.prioritise._why import lp_shadow_prices

# A: value 6 for 6 units (density 1.0), B: 4 for 5 (0.8), C: 1 for 4 (0.25); 10 units of room.
# LP by hand: all of A (6 units), 4/5 of B -> 6 + 3.2 = 9.2; one more unit buys 1/5 more of B,
# worth 4/5 = 0.8. Integer optimum by hand: {A, C} = 7 (10 units); {A, B} needs 11, {B, C} = 5.
VALUE = np.array([6.0, 4.0, 1.0])
SIZE = np.array([6.0, 5.0, 4.0])


def _problem(*, capacity: float, budget: float | None) -> SelectionProblem:
    n = 3
    return SelectionProblem(
        ids=np.array(["A", "B", "C"], dtype=object),
        value=VALUE,
        cost=SIZE.copy(),
        demand=SIZE.reshape(n, 1, 1).copy(),
        cost_profile=SIZE.reshape(n, 1).copy(),
        start=np.zeros(n, dtype=int),
        max_shift=np.zeros(n, dtype=int),
        months=np.array(["2027-01"], dtype="datetime64[M]"),
        roles=np.array(["Dev"], dtype=object),
        capacity=np.array([[capacity]]),
        budget=budget,
    )


def _row(sel: object, kind: str) -> int:
    kinds = sel.model.rows["kind"].to_numpy()  # type: ignore[attr-defined]
    return int(np.flatnonzero(kinds == kind)[0])


def test_capacity_price_is_the_split_items_density() -> None:
    sel = solve(_problem(capacity=10.0, budget=None), gap=1e-9)
    assert sel.ids == ["A", "C"] and sel.value == pytest.approx(7.0)
    r = _row(sel, "capacity")
    assert sel.duals is not None
    assert sel.duals[r] == pytest.approx(0.8, abs=1e-6)  # by hand, positive = worth more room
    assert lp_shadow_prices(sel)[r] == pytest.approx(0.8, abs=1e-6)  # linprog agrees
    why = explain(sel).set_index("project_id")
    assert why.loc["B", "status"] == "cut"
    assert why.loc["B", "shadow_price"].startswith("0.8 value points per extra hour")


def test_budget_price_follows_the_budget_the_frontier_solved() -> None:
    """The same knapsack on the budget line: at 10 the price is B's density (0.8); at 13,
    A and B fit (11) and 2/4 of C is taken, so one more unit is worth C's density 0.25. The
    frontier moves the budget row of one model: each answer carries its own LP's prices."""
    fr = BudgetFrontier(_problem(capacity=100.0, budget=None), n=4)
    at10 = fr.solve(10.0, gap=1e-9)
    fr.points(gap=1e-9)  # moves the budget row through other values
    at13 = fr.solve(13.0, gap=1e-9)
    again = fr.solve(10.0, gap=1e-9)
    for sel, price in ((at10, 0.8), (at13, 0.25), (again, 0.8)):
        r = _row(sel, "budget")
        assert sel.duals is not None
        assert sel.duals[r] == pytest.approx(price, abs=1e-6)
        assert lp_shadow_prices(sel)[r] == pytest.approx(price, abs=1e-6)
    assert at13.ids == ["A", "B"]
    assert "money unit" in explain(at13).set_index("project_id").loc["C", "shadow_price"]
