"""A portfolio repaired from the previous one when the forced sets, the capacity level, the
weights or the schedule links change.

A forced-in/out or capacity-level change is a new solve (an LP, a start, maybe branch and
cut: about half a second at 1,000 projects, more when the solver is busy with a frontier
point). Meanwhile a dashboard can show :func:`repaired`: the previous portfolio with the
forced-out projects removed, the capacity and budget restored by dropping the least valuable
projects that are not required, the forced-in projects (and what their rules and links need)
added at their earliest start that fits, projects left without a prerequisite dropped, then
the room left filled by value. It satisfies every constraint of the new problem (checked row
by row before it is returned; ``None`` when it cannot be made to) but proves nothing about
its distance from the best portfolio: its status is ``"provisional"`` and its gap unknown
(NaN), until the solver's answer replaces it.

A weights change leaves every constraint as it was: the previous portfolio stays feasible
and is re-valued at once (the model's objective rebuilt from the new values, the room left
filled by them). Links switched on or off change the rules' rows: the new problem's model is
built (:func:`_build`, the solver's own) and the previous portfolio repaired against it
(a successor without its predecessor dropped; a broken link timing mended by moving one of
its projects, else by dropping the less valuable, else, both being required, by putting the
predecessor's chain back first ones first).
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from pmkit.portfolio.prioritise._ahp import PrioritiseError
from pmkit.portfolio.prioritise._select import (
    _TOL,
    Selection,
    SelectionProblem,
    _build,
    _feasible_x,
    _Model,
    _selection,
    needed,
    objective,
    rebound,
    same_structure,
)

__all__ = ["repaired"]

_LINES = ("capacity", "budget", "exclusive", "link timing")  # rows a project's start uses
_NEEDS = ("requires", "link")  # y_b <= y_a: a successor needs its predecessor


def repaired(previous: Selection, problem: SelectionProblem) -> Selection | None:
    """``previous`` (a solved portfolio) made to satisfy ``problem`` (with its budget), which
    may differ from ``previous.problem`` in its forced sets, capacity level, budget, values
    (the drivers' weights) and schedule links only.

    Returns a :class:`Selection` with status ``"provisional"`` and ``gap`` NaN, or ``None``
    when the problems differ in anything else, or when the repair cannot satisfy every
    constraint (the solver decides, and explains). Its problem's overload allowance is
    ``None`` unless the required projects (forced in, running, and what they need) overfill
    a role-month by themselves at the starts they were given: those hours over are then
    its allowance (shown as "could not be fixed", like the solver's least overload, which
    may be smaller), and no other project uses that role-month.
    """
    t0 = time.perf_counter()
    q = problem.with_(allowance=None)
    if previous.model is None or q.budget is None or previous.problem.budget is None:
        return None
    if previous.x.size != previous.model.c.size:
        return None
    try:
        base = _model_for(previous, q)
        if base is None:
            return None
        m = rebound(base, q)
    except PrioritiseError:  # e.g. a project forced in and out: the solver says so
        return None
    s = _repair(m, q, previous.x)
    if s is None:
        return None
    if s.over.any():
        q = q.with_(allowance=s.allowance())
        m = rebound(base, q)
    if not _feasible_x(m, s.x):
        return None
    return _selection(q, s.x, m, "provisional", float("nan"), time.perf_counter() - t0)


def _model_for(previous: Selection, q: SelectionProblem) -> _Model | None:
    """A model of ``q``'s structure whose variables are ``previous``'s (its bounds set by
    :func:`rebound`): ``previous.model`` itself when only bounds differ, with the objective
    of ``q``'s values when the weights changed, built anew when the links changed; ``None``
    when anything else differs."""
    old, m = previous.problem, previous.model
    assert m is not None
    if same_structure(old, q):
        return m
    if same_structure(old.with_(value=q.value), q):
        return replace(m, c=objective(q, m.var_proj, m.var_shift))
    if not same_structure(old.with_(value=q.value, links=q.links), q):
        return None
    built = _build(q)
    same_vars = np.array_equal(built.var_proj, m.var_proj) and np.array_equal(
        built.var_shift, m.var_shift
    )
    return built if same_vars else None


class _State:
    """The portfolio being repaired: which start of each project is taken, the rows' values."""

    def __init__(self, m: _Model, p: SelectionProblem, x: np.ndarray) -> None:
        self.m, self.p = m, p
        self.csc = m.a.tocsc()
        self.csr = m.a.tocsr()
        kinds = m.rows["kind"].to_numpy()
        self.line = np.isin(kinds, _LINES)
        self.need = np.isin(kinds, _NEEDS)
        self.hi = np.where(self.line, m.hi, np.inf) + _TOL
        self.lo = np.where(self.line, m.lo, -np.inf) - _TOL
        self.x = np.where(m.ub > 0.5, np.asarray(x, dtype=float), 0.0)  # forced out: removed
        self.act = m.a @ self.x
        self.var = np.full(p.n, -1)  # the start (variable) each project takes, -1: not chosen
        on = np.flatnonzero(self.x > 0.5)
        self.var[m.var_proj[on]] = on
        self.must = np.isin(p.ids.astype(str), needed(p, p.forced_in))
        self.value = np.asarray(p.value, dtype=float)
        self.capacity = kinds == "capacity"
        self.timing = kinds == "link timing"
        self.preds: dict[int, list[int]] = {}  # a project's prerequisites and predecessors
        of = {str(k): j for j, k in enumerate(p.ids)}
        for b, a in [(lk[1], lk[0]) for lk in p.links] + list(p.requires):
            if str(a) in of and str(b) in of:
                self.preds.setdefault(of[str(b)], []).append(of[str(a)])
        self.over = np.zeros(m.hi.size)  # hours accepted over a capacity row's limit

    def accept(self, rows: np.ndarray, extra: np.ndarray) -> bool:
        """Accept ``extra`` hours over the limit of capacity ``rows`` (only required projects
        use them); False when one of them is not a capacity row (budget, rules: no overload
        there)."""
        if not self.capacity[rows].all():
            return False
        self.over[rows] += extra
        self.hi[rows] += extra
        return True

    def allowance(self) -> np.ndarray:
        """The hours accepted over the limit, per role and month (the problem's allowance)."""
        n_r, n_t = len(self.p.roles), len(self.p.months)
        return np.ceil(self.over[self.capacity].reshape(n_r, n_t) * 100) / 100

    def column(self, v: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.csc.indptr[v], self.csc.indptr[v + 1]
        return self.csc.indices[lo:hi], self.csc.data[lo:hi]

    def broken_by(self, v: int, *, needs: bool = False) -> np.ndarray:
        """The rows (capacity, budget, exclusive, link timing; ``needs``: and prerequisites)
        adding start ``v`` breaks."""
        rows, coef = self.column(v)
        new = self.act[rows] + coef
        bad = (new > self.hi[rows]) | (new < self.lo[rows])
        if needs:
            bad |= self.need[rows] & (new > self.m.hi[rows] + _TOL)
        return rows[bad]

    def take(self, v: int) -> None:
        rows, coef = self.column(v)
        self.act[rows] += coef
        self.x[v], self.var[self.m.var_proj[v]] = 1.0, v

    def drop(self, i: int) -> None:
        v = int(self.var[i])
        rows, coef = self.column(v)
        self.act[rows] -= coef
        self.x[v], self.var[i] = 0.0, -1

    def least_valuable_in(self, rows: np.ndarray) -> int | None:
        """The chosen project, not required, of least value among those using ``rows``."""
        vs = np.concatenate([self.csr.indices[self.csr.indptr[r] : self.csr.indptr[r + 1]]
                             for r in rows])  # fmt: skip
        proj = np.unique(self.m.var_proj[vs[self.x[vs] > 0.5]])
        proj = proj[~self.must[proj]]
        return None if proj.size == 0 else int(proj[np.argmin(self.value[proj])])

    def chain(self, i: int) -> list[int]:
        """Project ``i`` and its chosen predecessors (schedule links), transitively."""
        out, todo = {i}, [i]
        while todo:
            for a in self.preds.get(todo.pop(), ()):
                if a not in out and self.var[a] >= 0:
                    out.add(a)
                    todo.append(a)
        return sorted(out)

    def order(self, idx: np.ndarray) -> list[int]:
        """``idx`` with every project after its predecessors (rules and links; a cycle, which
        the solver refuses anyway, leaves the order as it is)."""
        depth = dict.fromkeys(idx.tolist(), 0)
        for _ in range(len(depth)):
            moved = False
            for b, preds in self.preds.items():
                if b in depth:
                    d = max((depth[a] + 1 for a in preds if a in depth), default=0)
                    if d > depth[b]:
                        depth[b], moved = d, True
            if not moved:
                break
        return sorted(depth, key=lambda k: (depth[k], k))

    def starts(self, i: int) -> np.ndarray:
        """Project ``i``'s start variables, earliest first, not forced out."""
        vs = np.flatnonzero(self.m.var_proj == i)
        return vs[self.m.ub[vs] > 0.5]


def _repair(m: _Model, p: SelectionProblem, x0: np.ndarray) -> _State | None:
    s = _State(m, p, x0)
    if not _restore_lines(s) or not _add_must(s, m):
        return None
    _drop_orphans(s)
    _fill(s)
    return s


def _restore_lines(s: _State) -> bool:
    """Drop the least valuable project of each broken line until every line holds (a lower
    capacity level, a smaller budget); a capacity row overfilled by required projects alone
    keeps their hours over the limit (accepted); False for any other such line. A broken
    link timing (links switched on) is first mended by moving one of its two projects to
    another start that breaks nothing; when both are required and neither can move, the
    predecessor is taken off here and put back by :func:`_add_must`."""
    while True:
        bad = np.flatnonzero((s.act > s.hi) | (s.act < s.lo))
        if bad.size == 0:
            return True
        if s.timing[bad[0]] and _moved(s, int(bad[0])):
            continue
        i = s.least_valuable_in(bad[:1])
        if i is None and s.timing[bad[0]]:  # both required: the predecessor and its chosen
            # predecessors taken off, put back at their earliest starts that fit, first ones
            # first, by _add_must (room made there by dropping the least valuable)
            for j in s.chain(s.p.index(str(s.m.rows["a"].iat[int(bad[0])]))):
                s.drop(j)
            continue
        if i is None:
            if not s.accept(bad[:1], s.act[bad[:1]] - s.hi[bad[:1]] + _TOL):
                return False
            continue
        s.drop(i)


def _moved(s: _State, row: int) -> bool:
    """One chosen project of ``row`` moved to another of its starts that breaks no line (this
    row included); False when none does. Taking a project's start off never breaks a line
    (capacity, budget and exclusive rows have positive coefficients under an upper limit; a
    link timing holds whenever one of its two projects is out), so a move mends ``row``
    without breaking another."""
    vs = s.csr.indices[s.csr.indptr[row] : s.csr.indptr[row + 1]]
    for i in np.unique(s.m.var_proj[vs[s.x[vs] > 0.5]]):
        was = int(s.var[i])
        s.drop(int(i))
        to = next(
            (int(v) for v in s.starts(int(i)) if v != was and not s.broken_by(int(v)).size), None
        )
        s.take(was if to is None else to)
        if to is not None:
            return True
    return False


def _add_must(s: _State, m: _Model) -> bool:
    """Every required project not chosen, at its earliest start that fits, room made by
    dropping the least valuable project of the lines it would break."""
    for i in s.order(np.flatnonzero(s.must & (s.var < 0))):
        vs = s.starts(int(i))
        if vs.size == 0:
            return False
        while True:
            fits = next((int(v) for v in vs if s.broken_by(int(v)).size == 0), None)
            if fits is not None:
                s.take(fits)
                break
            # room made at the earliest start that breaks no link timing (dropping projects
            # cannot mend a timing with a required partner), else the earliest
            at = next((int(v) for v in vs if not s.timing[s.broken_by(int(v))].any()), int(vs[0]))
            broken = s.broken_by(at)
            j = s.least_valuable_in(broken)
            if j is None:  # only required projects there: accept the hours over, if capacity
                rows, coef = s.column(at)
                new = dict(zip(rows.tolist(), (s.act[rows] + coef).tolist(), strict=True))
                extra = np.array([new[int(r)] for r in broken]) - s.hi[broken] + _TOL
                if not s.accept(broken, extra):
                    return False
                continue
            s.drop(j)
    return True


def _drop_orphans(s: _State) -> None:
    """While a chosen project lacks a prerequisite (requires rule, schedule link), drop it
    (dropping keeps every line: a required project's prerequisites are required too)."""
    need = np.flatnonzero(s.need)
    while True:
        bad = need[s.act[need] > s.m.hi[need] + _TOL]
        if bad.size == 0:
            return
        before = s.x.sum()
        for r in bad:
            vs = s.csr.indices[s.csr.indptr[r] : s.csr.indptr[r + 1]]
            coef = s.csr.data[s.csr.indptr[r] : s.csr.indptr[r + 1]]
            for i in np.unique(s.m.var_proj[vs[(coef > 0) & (s.x[vs] > 0.5)]]):
                if s.var[i] >= 0 and not s.must[i]:
                    s.drop(int(i))
        if s.x.sum() == before:  # only required ones left there: the final check refuses it
            return


def _fill(s: _State) -> None:
    """The room left filled: projects not chosen, by value, each at its earliest start that
    breaks no line and whose prerequisites are chosen."""
    ok = s.m.ub > 0.5
    free = np.flatnonzero((s.var < 0) & (np.bincount(s.m.var_proj[ok], minlength=s.p.n) > 0))
    for i in free[np.argsort(-s.value[free], kind="stable")]:
        for v in s.starts(int(i)):
            if s.broken_by(int(v), needs=True).size == 0:
                s.take(int(v))
                break
