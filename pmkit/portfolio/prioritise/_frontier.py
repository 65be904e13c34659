"""Efficient frontier: the best value reachable at each budget (or capacity level).

Each point is a solved portfolio (:func:`solve` with that budget), so the curve is exact up to
the solver gap; the current plan (every candidate at its planned start) is computed beside it so
a chart can show how far the portfolio sits from the frontier.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from pmkit.portfolio.prioritise._ahp import PrioritiseError
from pmkit.portfolio.prioritise._select import (
    Selection,
    SelectionProblem,
    _limits,
    _load,
    needed,
    solve,
)

__all__ = ["current_point", "frontier"]


def _budgets(p: SelectionProblem, n: int) -> np.ndarray:
    cost = np.asarray(p.cost, dtype=float)
    forced = np.isin(p.ids.astype(str), needed(p, p.forced_in))  # and what they need
    lo = float(cost[forced].sum())
    hi = float(cost[~np.isin(p.ids.astype(str), list(p.forced_out))].sum())
    if hi <= lo:
        return np.array([hi])
    return np.linspace(lo, hi, n)


def frontier(
    problem: SelectionProblem,
    *,
    budgets: Sequence[float] | None = None,
    levels: Sequence[float] | None = None,
    n: int = 20,
    time_limit: float = 5.0,
    gap: float = 1e-3,
    progress: Callable[[int, int], Any] | None = None,
) -> pd.DataFrame:
    """Value against budget (or against capacity level when ``levels`` is given).

    Returns
    -------
    DataFrame
        ``budget, level, value, cost, n_chosen, chosen`` (comma-joined ids), ``status, gap,
        seconds``; one row per point, cheapest first. Points where no portfolio is feasible
        (e.g. a budget below the forced-in projects) have ``status "infeasible"`` and NaN value.
    """
    if levels is not None:
        grid = [(problem.budget, float(lv)) for lv in levels]
    else:
        bs = _budgets(problem, n) if budgets is None else np.asarray(budgets, dtype=float)
        grid = [(float(b), problem.level) for b in bs]
    rows: list[dict[str, Any]] = []
    for k, (b, lv) in enumerate(grid):
        if progress is not None:
            progress(k, len(grid))
        try:
            sel = solve(problem.with_(budget=b, level=lv), time_limit=time_limit, gap=gap)
        except PrioritiseError:
            rows.append({"budget": b, "level": lv, "value": np.nan, "status": "infeasible"})
            continue
        rows.append(_point(sel, b, lv))
    if progress is not None:
        progress(len(grid), len(grid))
    return pd.DataFrame(
        rows,
        columns=[
            "budget",
            "level",
            "value",
            "cost",
            "n_chosen",
            "chosen",
            "status",
            "gap",
            "seconds",
        ],
    )


def _point(sel: Selection, budget: float | None, level: float) -> dict[str, Any]:
    return {
        "budget": budget,
        "level": level,
        "value": sel.value,
        "cost": sel.cost,
        "n_chosen": len(sel.ids),
        "chosen": ", ".join(sel.ids),
        "status": sel.status,
        "gap": sel.gap,
        "seconds": sel.seconds,
    }


def current_point(problem: SelectionProblem) -> dict[str, Any]:
    """The plan as it stands: every candidate not forced out, at its planned start.

    Returns ``value, cost, n_chosen, over_capacity_cells`` (role-months above the limit) and
    ``over_budget`` (bool).
    """
    ids = problem.ids.astype(str)
    keep = np.flatnonzero(~np.isin(ids, list(problem.forced_out)))
    load = _load(problem, keep, np.zeros(keep.size, dtype=int))
    over = int((load > _limits(problem) + 1e-6).sum())
    cost = float(np.asarray(problem.cost, dtype=float)[keep].sum())
    return {
        "value": float(np.asarray(problem.value, dtype=float)[keep].sum()),
        "cost": cost,
        "n_chosen": int(keep.size),
        "over_capacity_cells": over,
        "over_budget": problem.budget is not None and cost > problem.budget + 1e-6,
    }
