"""Efficient frontier: the best value reachable at each budget (or capacity level).

Each point is a solved portfolio (:func:`solve` with that budget), so the curve is exact up to
the solver gap; the current plan (every candidate at its planned start) is computed beside it so
a chart can show how far the portfolio sits from the frontier.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from pmkit.portfolio.prioritise import _highs
from pmkit.portfolio.prioritise._select import (
    Selection,
    SelectionProblem,
    _build,
    _limits,
    _load,
    _selection,
    needed,
    run,
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

    One HiGHS model serves every point: only the budget row (or the capacity rows) change
    between points, the LP relaxation is re-solved from the previous basis, and the
    neighbouring point's portfolio (feasible, since points go from tight to loose) is one of
    the starting solutions. ``time_limit`` is the seconds allowed per point; the proven gap
    of each point is reported.

    Returns
    -------
    DataFrame
        ``budget, level, value, cost, n_chosen, chosen`` (comma-joined ids), ``status, gap,
        seconds``; one row per point, cheapest first. Points where no portfolio is feasible
        (e.g. a budget below the forced-in projects) have ``status "infeasible"`` and NaN value.
    """
    if levels is not None:
        grid = [(problem.budget, float(lv)) for lv in sorted(levels)]
    else:
        bs = _budgets(problem, n) if budgets is None else np.asarray(budgets, dtype=float)
        grid = [(float(b), problem.level) for b in np.sort(bs)]
    rows: list[dict[str, Any]] = []
    walk = _Walk(problem, grid)
    for k, (b, lv) in enumerate(grid):
        if progress is not None:
            progress(k, len(grid))
        rows.append(walk.point(b, lv, time_limit=time_limit, gap=gap))
    if progress is not None:
        progress(len(grid), len(grid))
    return pd.DataFrame(rows, columns=_COLUMNS)


_COLUMNS = ["budget", "level", "value", "cost", "n_chosen", "chosen", "status", "gap", "seconds"]


class _Walk:
    """One model reused along the frontier: each point changes only the rows whose bound
    moves (the total budget, or the capacity rows for a level)."""

    def __init__(self, problem: SelectionProblem, grid: list[tuple[float | None, float]]) -> None:
        budgets = [b for b, _ in grid if b is not None]
        top = max(budgets) if budgets else None
        self.base = problem.with_(budget=top, level=max(lv for _, lv in grid))
        self.model = _build(self.base)
        self.solver = _highs.Model(
            self.model.c, self.model.a, self.model.lo, self.model.hi, self.model.ub
        )
        self.hi = self.model.hi.copy()
        self.last: np.ndarray | None = None

    def _hi_for(self, p: SelectionProblem) -> np.ndarray:
        kinds = self.model.rows["kind"].to_numpy()
        years = self.model.rows.get("year")
        hi = self.model.hi.copy()
        hi[np.flatnonzero(kinds == "capacity")] = _limits(p).ravel()
        if p.budget is not None and years is not None:
            hi[np.flatnonzero((kinds == "budget") & years.isna().to_numpy())] = float(p.budget)
        return hi

    def point(
        self, budget: float | None, level: float, *, time_limit: float, gap: float
    ) -> dict[str, Any]:
        t0 = time.perf_counter()
        p = self.base.with_(budget=budget, level=level)
        hi = self._hi_for(p)
        for r in np.flatnonzero(hi != self.hi):
            self.solver.set_row_bounds(int(r), float(self.model.lo[r]), float(hi[r]))
        self.hi = hi
        m = replace(self.model, hi=hi)
        starts = [self.last] if self.last is not None else []
        res = run(m, p, time_limit=time_limit, gap=gap, solver=self.solver, starts=starts)
        if res.x is None:
            status = "infeasible" if res.infeasible else "no portfolio found (time limit)"
            return {"budget": budget, "level": level, "value": np.nan, "status": status}
        self.last = res.x
        sel = _selection(p, res.x, m, res.status, res.gap, time.perf_counter() - t0)
        return _point(sel, budget, level)


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
