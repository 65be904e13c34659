"""HiGHS through its own Python API (``highspy``): one model reused, a starting solution given.

scipy's ``milp`` calls the same HiGHS but cannot hand it a starting portfolio, nor keep a model
between solves. Here one :class:`Model` holds two HiGHS objects built once from the sparse
matrix: the LP relaxation (re-solved from its last basis when a row bound changes, e.g. the
budget along a frontier) and the MIP (given a feasible starting solution before each run).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
from scipy import sparse

__all__ = ["Cancelled", "MipResult", "Model"]

_BANNER_LOCK = threading.Lock()
_BANNER_DONE = False


def _new_highs() -> highspy.Highs:
    """A silent HiGHS object. The first one of a process prints a licence banner straight to
    file descriptor 1 (below Python), which would spoil a CLI's ``--json`` output: that one
    is created with descriptor 1 pointed at the null device."""
    global _BANNER_DONE
    with _BANNER_LOCK:
        if _BANNER_DONE:
            h = highspy.Highs()
        else:
            sys.stdout.flush()
            saved = os.dup(1)
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, 1)
                h = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(null)
            _BANNER_DONE = True
    h.setOptionValue("output_flag", False)
    return h


class Cancelled(Exception):
    """A solve stopped on request (:meth:`Model.interruptible`): its result is not wanted."""


@dataclass
class MipResult:
    """``x`` (None when no portfolio), HiGHS status in words, proven relative gap, the best
    bound on the objective (a minimisation), and whether the model was proven infeasible."""

    x: np.ndarray | None
    status: str
    gap: float
    bound: float
    infeasible: bool = False
    duals: np.ndarray | None = None  # LP-relaxation shadow prices per row (Model.duals)


class Model:
    """``min c x`` s.t. ``lo <= A x <= hi``, ``0 <= x <= ub``, x binary."""

    def __init__(
        self,
        c: np.ndarray,
        a: sparse.spmatrix,
        lo: np.ndarray,
        hi: np.ndarray,
        ub: np.ndarray,
    ) -> None:
        self.c = np.asarray(c, dtype=float)
        self._a = sparse.csc_matrix(a)  # kept: passed again with other bounds (rebound)
        self._lp = self._pass(a, lo, hi, ub, integer=False)
        self._mip = self._pass(a, lo, hi, ub, integer=True)
        self.lo = np.array(lo, dtype=float)
        self.hi = np.array(hi, dtype=float)
        self.ub = np.array(ub, dtype=float)
        self.shape = (int(np.shape(a)[0]), int(self.c.size))
        self._stop: Any = None

    def rebound(self, lo: np.ndarray, hi: np.ndarray, ub: np.ndarray) -> None:
        """The same matrix and costs with new row bounds ``lo <= A x <= hi`` and column bounds
        ``0 <= x <= ub`` (e.g. other forced-in/out projects, another capacity level): the
        kept matrix is passed to HiGHS again with these bounds (a few ms; nothing rebuilt in
        Python), so the next solve is the one of a model built anew. Not the bounds changed
        in place: after ``clearSolver`` an object that had re-solved from other bases and
        been stopped mid-solve could reach another optimal LP vertex (hence another first
        portfolio, within the gap) than a new one (bench, session 9); nor warm-started from
        the old basis (2-3x the pivots of a cold solve, session 8)."""
        self._lp = self._pass(self._a, lo, hi, ub, integer=False)
        self._mip = self._pass(self._a, lo, hi, ub, integer=True)
        self.lo, self.hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
        self.ub = np.array(ub, dtype=float)
        if self._stop is not None:
            self._watch()

    def interruptible(self, stop: Any) -> None:
        """Let ``stop()`` end a branch and cut: HiGHS calls it from the solving thread
        between its steps (about ten times a second), and the solve then raises
        :class:`Cancelled`. Only the MIP's callback: the simplex one is called at every
        iteration and re-enters Python each time, so a solve in one thread and Python in
        another wait for each other's GIL (measured: a click's LP re-solve on the kernel's
        loop took seconds while the worker ran Python); an LP (at most ~0.5 s cold at 1,000
        projects) runs to its end."""
        first = self._stop is None
        self._stop = stop
        if first:
            self._watch()

    def _watch(self) -> None:
        def check(event: Any) -> None:
            # HiGHS keeps the flag between solves: cleared when not stopping
            event.interrupt(bool(self._stop is not None and self._stop()))

        self._mip.cbMipInterrupt += check

    def _stopped(self, h: highspy.Highs) -> None:
        if h.getModelStatus() == highspy.HighsModelStatus.kInterrupt:
            raise Cancelled("solve cancelled")

    def _pass(
        self, a: sparse.spmatrix, lo: np.ndarray, hi: np.ndarray, ub: np.ndarray, integer: bool
    ) -> highspy.Highs:
        csc = sparse.csc_matrix(a)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = int(self.c.size), int(csc.shape[0])
        lp.col_cost_ = self.c
        lp.col_lower_ = np.zeros(self.c.size)
        lp.col_upper_ = np.asarray(ub, dtype=float)
        lp.row_lower_ = np.asarray(lo, dtype=float)
        lp.row_upper_ = np.asarray(hi, dtype=float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
        lp.a_matrix_.index_ = csc.indices.astype(np.int32)
        lp.a_matrix_.value_ = csc.data.astype(float)
        if integer:
            lp.integrality_ = [highspy.HighsVarType.kInteger] * int(self.c.size)
        h = _new_highs()
        h.passModel(lp)
        return h

    def set_row_bounds(self, row: int, lo: float, hi: float) -> None:
        """Change one row's bounds in both models (e.g. the budget of a frontier point)."""
        for h in (self._lp, self._mip):
            h.changeRowBounds(int(row), float(lo), float(hi))
        self.lo[row], self.hi[row] = float(lo), float(hi)

    def relaxation(
        self, time_limit: float, basis: highspy.HighsBasis | None = None
    ) -> tuple[np.ndarray | None, float]:
        """The LP relaxation's solution and objective (a bound on the MIP); ``(None, inf)``
        when infeasible or out of time. Re-solves start from the previous basis, or from
        ``basis`` (e.g. :meth:`basis` of the nearest budget solved before: a far warm start
        can take more simplex iterations than a cold one)."""
        h = self._lp
        h.setOptionValue("time_limit", max(float(time_limit), 0.05))
        if basis is not None:
            h.setBasis(basis)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None, np.inf
        return np.asarray(h.getSolution().col_value), float(h.getInfo().objective_function_value)

    def basis(self) -> highspy.HighsBasis | None:
        """A copy of the basis of the LP last solved to optimality (None otherwise)."""
        h = self._lp
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        return h.getBasis()

    def duals(self) -> np.ndarray | None:
        """Per row, the value (``-c``, the maximised objective) gained per unit the row's
        active bound is relaxed, in the LP last solved by :meth:`relaxation`: HiGHS's row dual
        of the minimisation is d(min c x)/d(bound), so this is its negative. ``None`` when
        that LP was not solved to optimality."""
        h = self._lp
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        sol = h.getSolution()
        if not sol.dual_valid:
            return None
        return -np.asarray(sol.row_dual, dtype=float)

    def mip(self, start: np.ndarray | None, time_limit: float, gap: float) -> MipResult:
        """Branch and cut from the starting solution ``start`` (ignored by HiGHS when it is
        not feasible) until the proven gap is within ``gap`` or ``time_limit`` seconds."""
        h = self._mip
        t0 = time.perf_counter()
        h.setOptionValue("mip_rel_gap", float(gap))
        h.setOptionValue("time_limit", max(float(time_limit), 0.05))
        if start is not None:
            sol = highspy.HighsSolution()
            sol.col_value = list(np.asarray(start, dtype=float))
            sol.value_valid = True
            h.setSolution(sol)
        h.run()
        self._stopped(h)
        if start is not None and self._handed_back_another(h):
            # HiGHS 1.16, presolve on, given a start: it can report (and prove) a better
            # portfolio than the values it hands back, which are the start's. Solved again
            # without the start (measured right); if that still differs, the values are
            # kept and their gap is computed from them below (never called optimal).
            left = time_limit - (time.perf_counter() - t0)
            if left > 0.05:
                h.clearSolver()
                h.setOptionValue("time_limit", left)
                h.run()
                self._stopped(h)
        status = h.getModelStatus()
        info = h.getInfo()
        if status == highspy.HighsModelStatus.kInfeasible:
            return MipResult(None, "infeasible", np.inf, np.inf, infeasible=True)
        if info.primal_solution_status != 2:  # no feasible point
            return MipResult(None, "no solution", np.inf, float(info.mip_dual_bound))
        x = np.round(np.asarray(h.getSolution().col_value))
        bound = float(info.mip_dual_bound)
        # the gap of the portfolio handed back, not HiGHS's own figure (see above)
        obj = float(self.c @ x)
        own = max(obj - bound, 0.0) / max(abs(obj), 1e-9) if np.isfinite(bound) else np.inf
        optimal = status == highspy.HighsModelStatus.kOptimal and own <= float(gap) + 1e-7
        return MipResult(x, "optimal" if optimal else "time limit", own, bound)

    def _handed_back_another(self, h: highspy.Highs) -> bool:
        """True when the solution's values are worse than the objective HiGHS reports."""
        if h.getInfo().primal_solution_status != 2:
            return False
        x = np.round(np.asarray(h.getSolution().col_value))
        reported = float(h.getInfo().objective_function_value)
        return bool(float(self.c @ x) > reported + 1e-9 * max(1.0, abs(reported)))
