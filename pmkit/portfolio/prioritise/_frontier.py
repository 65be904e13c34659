"""Efficient frontier: the best value reachable at each budget (or capacity level).

Each point is a solved portfolio (:func:`solve` with that budget), so the curve is exact up to
the solver gap; the current plan (every candidate at its planned start) is computed beside it so
a chart can show how far the portfolio sits from the frontier.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from pmkit.portfolio.prioritise import _highs
from pmkit.portfolio.prioritise._select import (
    Selection,
    SelectionProblem,
    _build,
    _feasible_x,
    _limits,
    _load,
    _Model,
    _selection,
    needed,
    rebound,
    run,
    same_structure,
    solve,
)

__all__ = ["BudgetFrontier", "current_point", "frontier"]


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
    total_time: float | None = None,
    progress: Callable[[int, int], Any] | None = None,
) -> pd.DataFrame:
    """Value against budget (or against capacity level when ``levels`` is given).

    One HiGHS model serves every point: only the budget row (or the capacity rows) change
    between points and the LP relaxation is re-solved from the previous basis. The points are
    visited by bisection (loosest, tightest, then the middle of each open interval): a looser
    point's portfolio that also fits a tighter point is that point's answer with the same
    proven gap (the tighter optimum cannot be worth more), so it is not solved again; a
    tighter neighbour's portfolio is a feasible start for a looser point.

    ``time_limit`` caps the seconds of one point; ``total_time`` (optional) is the budget of
    the whole frontier, shared as it goes: each point solved gets what is left divided by the
    points still open, so points proven quickly (or not solved at all) leave time to the
    others. Every point reports its own proven gap.

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
    return _walk_points(_Walk(problem, grid), time_limit, gap, total_time, progress)


def _walk_points(
    walk: _Walk,
    time_limit: float,
    gap: float,
    total_time: float | None,
    progress: Callable[[int, int], Any] | None,
) -> pd.DataFrame:
    n = len(walk.grid)
    rows: dict[int, dict[str, Any]] = {}
    if progress is not None:
        progress(0, n)
    for rows in _walk_steps(walk, time_limit, gap, total_time):
        if progress is not None:
            progress(len(rows), n)
    return _table(rows)


def _walk_steps(
    walk: _Walk, time_limit: float, gap: float, total_time: float | None
) -> Iterator[dict[int, dict[str, Any]]]:
    """The frontier point by point, in bisection order: after each solved point (and the
    tighter points its portfolio answers), the rows known so far by point index. The shared
    ``total_time`` counts only the seconds spent in these steps, so a caller may pause
    between them (a dashboard handles clicks there)."""
    n = len(walk.grid)
    clock = _Clock(time_limit, total_time)
    rows: dict[int, dict[str, Any]] = {}
    for k in _bisection(n):
        if k in rows:
            continue
        t0 = time.perf_counter()
        rows[k] = walk.point(k, time_limit=clock.limit(n - len(rows)), gap=gap)
        rows.update(walk.reuse(k, rows))
        clock.spent(time.perf_counter() - t0)
        yield rows


def _table(rows: dict[int, dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame([rows[k] for k in sorted(rows)], columns=_COLUMNS)


class BudgetFrontier:
    """The budget frontier of one problem and the portfolio at any budget, on ONE model.

    The model (matrix, HiGHS objects, LP basis) is built once; :meth:`points` solves the
    frontier (:func:`frontier`); :meth:`solve` solves one budget (a slider move) by changing
    the budget row only, the LP re-solved from the last basis, and the portfolios already found
    at lower budgets (feasible at a higher one) handed to HiGHS as starts. Same answers as
    :func:`solve` on ``problem.with_(budget=b)`` (same model, same gap rule).
    """

    walk: _Walk
    found: list[tuple[float, np.ndarray]]
    bases: list[tuple[float, Any]]

    def __init__(
        self,
        problem: SelectionProblem,
        n: int = 20,
        *,
        reuse: BudgetFrontier | None = None,
    ) -> None:
        """``reuse``: a frontier no longer needed, whose problem has the same structure (it
        may differ in forced sets, capacity level, allowance, budget: see
        :func:`same_structure`): the model is not built again, its HiGHS objects take the
        new bounds (:meth:`_highs.Model.rebound`) and ``reuse`` is retired (its later steps
        and solves raise :class:`_highs.Cancelled`). Otherwise the model is built."""
        grid: list[tuple[float | None, float]] = [
            (float(b), problem.level) for b in np.sort(_budgets(problem, n))
        ]
        self.walk = _Walk(problem, grid, None if reuse is None else reuse.walk)
        self.found: list[tuple[float, np.ndarray]] = []  # (budget, x) of every solved budget
        self.bases: list[tuple[float, Any]] = []  # (budget, LP basis) of every solved budget

    def twin(self, reuse: BudgetFrontier | None = None) -> BudgetFrontier:
        """The same problem on HiGHS objects of its own (a second thread's model): the matrix,
        grid and bounds shared (never changed), nothing built; ``reuse``'s HiGHS objects
        take the bounds when its structure is the same (it is retired), else new ones are
        passed. Nothing solved yet."""
        out = object.__new__(BudgetFrontier)
        out.walk = self.walk.twin(None if reuse is None else reuse.walk)
        out.found, out.bases = [], []
        return out

    @property
    def retired(self) -> bool:
        """Were its HiGHS objects taken over by another frontier (``reuse=``)?"""
        return self.walk.retired

    def points(
        self,
        *,
        time_limit: float = 5.0,
        gap: float = 1e-3,
        total_time: float | None = None,
        progress: Callable[[int, int], Any] | None = None,
    ) -> pd.DataFrame:
        """The frontier's points (see :func:`frontier`)."""
        return _walk_points(self.walk, time_limit, gap, total_time, progress)

    def steps(
        self, *, time_limit: float = 5.0, gap: float = 1e-3, total_time: float | None = None
    ) -> Iterator[tuple[int, int, pd.DataFrame]]:
        """The same frontier one solved point at a time: yields ``(points known, points in
        all, their table so far)``, cheapest first, so a dashboard can draw it as it grows
        and answer a click (:meth:`solve`, on the same model) between two points."""
        n = len(self.walk.grid)
        for rows in _walk_steps(self.walk, time_limit, gap, total_time):
            yield len(rows), n, _table(rows)

    def _known(self) -> list[tuple[float, np.ndarray]]:
        """(budget, portfolio) of every budget solved so far, by a slider or the frontier."""
        w = self.walk
        return self.found + [(float(w.grid[k][0] or np.inf), x) for k, (x, _, _) in w.found.items()]

    def _basis(self, budget: float) -> Any:
        """The LP basis of the solved budget nearest ``budget`` (None when none is known):
        the relaxation is re-solved from it in a few pivots, where the last basis, if far,
        can take more than a cold solve."""
        w = self.walk
        known = self.bases + [(float(w.grid[k][0] or np.inf), b) for k, b in w.bases.items()]
        return min(known, key=lambda kb: abs(kb[0] - budget))[1] if known else None

    def solve(
        self, budget: float, *, time_limit: float = 5.0, gap: float = 1e-3, branch: bool = True
    ) -> Selection:
        """The best portfolio within ``budget`` (raises like :func:`solve` when none fits).
        ``branch=False``: the first portfolio only (the best start, its LP-proven gap, status
        ``"first"`` unless already within ``gap``); solving the same budget again then
        starts branch and cut from it."""
        t0 = time.perf_counter()
        w = self.walk
        w.alive()
        p = w.base.with_(budget=float(budget))
        hi = w._hi_for(p)
        for r in np.flatnonzero(hi != w.hi):
            w.solver.set_row_bounds(int(r), float(w.model.lo[r]), float(hi[r]))
        w.hi = hi
        m = replace(w.model, hi=hi)
        near = sorted((b for b in self._known() if b[0] <= budget), key=lambda b: -b[0])[:2]
        res = run(
            m,
            p,
            time_limit=time_limit,
            gap=gap,
            solver=w.solver,
            starts=[x for _, x in near],
            branch=branch,
            basis=self._basis(budget),
        )
        basis = w.solver.basis()
        if basis is not None:
            self.bases.append((float(budget), basis))
        if res.x is None:  # none fits (or none found in time): the plain solve says why
            return solve(p, time_limit=time_limit, gap=gap)
        self.found.append((float(budget), res.x))
        return _selection(p, res.x, m, res.status, res.gap, time.perf_counter() - t0, res.duals)


_COLUMNS = ["budget", "level", "value", "cost", "n_chosen", "chosen", "status", "gap", "seconds"]


def _bisection(n: int) -> list[int]:
    """Point indices loosest first, then tightest, then midpoints of the open intervals."""
    if n <= 0:
        return []
    order = [n - 1, 0] if n > 1 else [0]
    todo = [(0, n - 1)]
    while todo:
        lo, hi = todo.pop(0)
        if hi - lo < 2:
            continue
        mid = (lo + hi) // 2
        order.append(mid)
        todo += [(lo, mid), (mid, hi)]
    return order


class _Clock:
    """Seconds for the next point: ``time_limit``, or less when a total budget is shared
    (what is left of it, counted in the seconds the points took, over the points open)."""

    def __init__(self, time_limit: float, total: float | None) -> None:
        self.cap, self.total, self.used = float(time_limit), total, 0.0

    def limit(self, open_points: int) -> float:
        if self.total is None:
            return self.cap
        left = self.total - self.used
        return float(min(self.cap, max(left, 0.0) / max(open_points, 1)))

    def spent(self, seconds: float) -> None:
        self.used += seconds


class _Walk:
    """One model reused along the frontier: each point changes only the rows whose bound
    moves (the total budget, or the capacity rows for a level)."""

    grid: list[tuple[float | None, float]]
    base: SelectionProblem
    model: _Model
    his: list[np.ndarray]
    limits: dict[float, np.ndarray]
    solver: _highs.Model
    hi: np.ndarray
    retired: bool

    def __init__(
        self,
        problem: SelectionProblem,
        grid: list[tuple[float | None, float]],
        reuse: _Walk | None = None,
    ) -> None:
        budgets = [b for b, _ in grid if b is not None]
        top = max(budgets) if budgets else None
        self.grid = grid
        self.base = problem.with_(budget=top, level=max(lv for _, lv in grid))
        same = reuse is not None and not reuse.retired and same_structure(reuse.base, self.base)
        self.model = rebound(reuse.model, self.base) if same and reuse else _build(self.base)
        self.limits: dict[float, np.ndarray] = {}  # capacity limits per level
        self.his = [self._hi_for(self._problem(k)) for k in range(len(grid))]
        self._solver(reuse if same else None)

    def _solver(self, reuse: _Walk | None) -> None:
        """HiGHS objects for :attr:`model`: ``reuse``'s with the new bounds (it is retired),
        else passed anew; no point solved yet."""
        m = self.model
        if reuse is not None:
            self.solver = reuse.solver
            self.solver.rebound(m.lo, m.hi, m.ub)
            reuse.retired = True
        else:
            self.solver = _highs.Model(m.c, m.a, m.lo, m.hi, m.ub)
        self.hi = m.hi.copy()
        self.retired = False
        self.found: dict[int, tuple[np.ndarray, str, float]] = {}
        self.bases: dict[int, Any] = {}  # LP basis of each point solved

    def twin(self, reuse: _Walk | None = None) -> _Walk:
        """The same model (matrix, grid, bounds: shared, read only) on HiGHS objects of its
        own: ``reuse``'s when its structure is the same (retired then), else passed anew."""
        w = object.__new__(_Walk)
        w.grid, w.base, w.model, w.his = self.grid, self.base, self.model, self.his
        w.limits = self.limits
        same = reuse is not None and not reuse.retired and same_structure(reuse.base, self.base)
        w._solver(reuse if same else None)
        return w

    def alive(self) -> None:
        if self.retired:
            raise _highs.Cancelled("this model's solver was given to a newer model")

    def _problem(self, k: int) -> SelectionProblem:
        budget, level = self.grid[k]
        return self.base.with_(budget=budget, level=level)

    def _hi_for(self, p: SelectionProblem) -> np.ndarray:
        kinds = self.model.rows["kind"].to_numpy()
        years = self.model.rows.get("year")
        hi = self.model.hi.copy()
        if p.level not in self.limits:  # the same for every budget of a level
            self.limits[p.level] = _limits(p).ravel()
        hi[np.flatnonzero(kinds == "capacity")] = self.limits[p.level]
        if p.budget is not None and years is not None:
            hi[np.flatnonzero((kinds == "budget") & years.isna().to_numpy())] = float(p.budget)
        return hi

    def _starts(self, k: int) -> list[np.ndarray]:
        """Portfolios of tighter points (feasible here), nearest first."""
        return [self.found[j][0] for j in sorted(self.found, reverse=True) if j < k][:2]

    def point(self, k: int, *, time_limit: float, gap: float) -> dict[str, Any]:
        self.alive()
        t0 = time.perf_counter()
        p, hi = self._problem(k), self.his[k]
        for r in np.flatnonzero(hi != self.hi):
            self.solver.set_row_bounds(int(r), float(self.model.lo[r]), float(hi[r]))
        self.hi = hi
        m = replace(self.model, hi=hi)
        near = min(self.bases, key=lambda j: abs(j - k), default=None)  # the nearest basis
        res = run(
            m,
            p,
            time_limit=time_limit,
            gap=gap,
            solver=self.solver,
            starts=self._starts(k),
            basis=None if near is None else self.bases[near],
        )
        basis = self.solver.basis()
        if basis is not None:
            self.bases[k] = basis
        budget, level = self.grid[k]
        if res.x is None:
            status = "infeasible" if res.infeasible else "no portfolio found (time limit)"
            return {"budget": budget, "level": level, "value": np.nan, "status": status}
        self.found[k] = (res.x, res.status, res.gap)
        sel = _selection(p, res.x, m, res.status, res.gap, time.perf_counter() - t0)
        return _point(sel, budget, level)

    def reuse(self, k: int, rows: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
        """Tighter points still open where point ``k``'s portfolio fits: the same portfolio,
        status and gap (a bound of the looser point bounds the tighter one too)."""
        if k not in self.found:
            return {}
        x, status, gap = self.found[k]
        out: dict[int, dict[str, Any]] = {}
        for j in range(k - 1, -1, -1):
            if j in rows:
                break
            if not _feasible_x(replace(self.model, hi=self.his[j]), x):
                break
            t0 = time.perf_counter()
            sel = _selection(self._problem(j), x, self.model, status, gap, 0.0)
            sel.seconds = time.perf_counter() - t0
            out[j] = _point(sel, *self.grid[j])
        return out


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
