"""Choose and sequence projects under budget, capacity and project-to-project rules (HiGHS MILP).

The model is time-indexed over months. Binary ``x[i, s]`` = project ``i`` is chosen and starts
``s`` months after its earliest start (``s = 0..max_shift[i]``; running projects have no
shift). Maximise ``sum value[i] x[i, s]`` (minus a tie-break of ``1e-4`` value points per month
of delay, so nothing slips for no reason) subject to:

* one start per project (``sum_s x[i, s] <= 1``; ``= 1`` when forced in; ``0`` when forced out);
* **capacity**: for every role and month, the hours of the chosen projects at their chosen
  starts ``<= level x capacity`` (if committed work that cannot move already exceeds that, the
  limit is the committed load: the optimiser adds nothing there, and says so);
* **budget**: total and/or per calendar year, on the money each project spends in the horizon;
* **rules**: ``b requires a`` (``y_b <= y_a``), mutually exclusive groups (``sum y <= 1``) and
  cross-project schedule links (a successor needs its predecessor and starts no fewer months
  later than the predecessor is shifted).

Solved by :func:`scipy.optimize.milp` (HiGHS branch and cut). The "why" of a cut or delayed
project compares its demand with what the chosen portfolio leaves free in each constraint; the
dual values of the LP relaxation (:func:`scipy.optimize.linprog`, HiGHS) are reported beside as
*LP-relaxation shadow prices* (value points per extra hour / per extra money unit) — a guide,
not a promise, since the integer problem has no exact duals.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from pmkit.errors import UnknownPrioritiseProjectError
from pmkit.portfolio.prioritise import _highs
from pmkit.portfolio.prioritise._ahp import PrioritiseError

__all__ = [
    "Selection",
    "SelectionProblem",
    "fill",
    "greedy",
    "model_of",
    "needed",
    "rebound",
    "same_structure",
    "solve",
]

_TOL = 1e-6
_TIE = 1e-4


@dataclass(frozen=True)
class SelectionProblem:
    """A selection/sequencing instance as plain arrays (build one from a portfolio with
    :func:`pmkit.portfolio.prioritise.selection_problem`, or by hand in tests).

    Attributes
    ----------
    ids : (n,) project ids
    value : (n,) strategic value of each project (e.g. its priority score)
    cost : (n,) money each project spends in the horizon (the total-budget row)
    demand : (n, R, L) hours per role per month counted from the project's earliest start
    cost_profile : (n, L) money per month counted from the earliest start (yearly budgets)
    start : (n,) month index (0..T-1) of each project's earliest start
    max_shift : (n,) months each project may be delayed (0 = fixed)
    months : (T,) the horizon's months (``datetime64[M]``)
    roles : (R,) role names
    capacity : (R, T) hours available per role and month
    budget : total budget or ``None``; ``budget_by_year`` : ``{year: budget}``
    forced_in, forced_out : project ids
    requires : ``(b, a)`` pairs, b requires a; ``exclusive`` : groups, at most one of each
    links : ``(a, b)`` or ``(a, b, k)`` cross-project schedule links (a's work feeds b; b may
        be shifted up to ``k`` months less than a, the link's float in whole months; default 0)
    running : projects already under way: their load cannot move, so where it alone exceeds
        the capacity the limit is that load (nothing else may be added there)
    level : capacity level (1.0 = all of it)
    names : (n,) display names (defaults to ids)
    allowance : (R, T) hours of unavoidable overload accepted on top of the limit (set by
        :func:`solve` with ``overload=True`` when the must-have projects cannot fit)
    """

    ids: np.ndarray
    value: np.ndarray
    cost: np.ndarray
    demand: np.ndarray
    cost_profile: np.ndarray
    start: np.ndarray
    max_shift: np.ndarray
    months: np.ndarray
    roles: np.ndarray
    capacity: np.ndarray
    budget: float | None = None
    budget_by_year: dict[int, float] = field(default_factory=dict)
    forced_in: frozenset[str] = frozenset()
    forced_out: frozenset[str] = frozenset()
    requires: tuple[tuple[str, str], ...] = ()
    exclusive: tuple[tuple[str, ...], ...] = ()
    links: tuple[tuple[Any, ...], ...] = ()
    running: frozenset[str] = frozenset()
    level: float = 1.0
    allowance: np.ndarray | None = None
    names: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.ids)

    def with_(self, **changes: Any) -> SelectionProblem:
        """A copy with some fields changed (budget, level, forced_in, ...)."""
        for k in ("forced_in", "forced_out", "running"):
            if k in changes:
                changes[k] = frozenset(map(str, changes[k]))
        return replace(self, **changes)

    def index(self, pid: str) -> int:
        pos = np.flatnonzero(self.ids.astype(str) == str(pid))
        if not len(pos):
            raise UnknownPrioritiseProjectError("project", pid)
        return int(pos[0])

    def label(self, i: int) -> str:
        name = self.names[i] if self.names is not None else self.ids[i]
        return str(self.ids[i]) if str(name) == str(self.ids[i]) else f"{self.ids[i]} {name}"

    def check(self) -> None:
        """Raise :class:`PrioritiseError` on unknown ids in the forced sets and rules."""
        known = set(self.ids.astype(str))
        named = [("forced_in", p) for p in self.forced_in]
        named += [("forced_out", p) for p in self.forced_out]
        named += [("requires", p) for pair in self.requires for p in pair]
        named += [("exclusive", p) for g in self.exclusive for p in g]
        for where, p in named:
            if p not in known:
                raise PrioritiseError(
                    "unknown or closed project", field=where, value=p, expected="a candidate"
                )
        both = sorted(self.forced_in & self.forced_out)
        if both:
            raise PrioritiseError(
                "a project cannot be forced in and out at once", field="forced_in", value=both
            )


# ----------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class _Model:
    """The MILP in matrix form plus what each variable and row means."""

    var_proj: np.ndarray
    var_shift: np.ndarray
    c: np.ndarray
    ub: np.ndarray
    a: sparse.csr_matrix
    lo: np.ndarray
    hi: np.ndarray
    rows: pd.DataFrame  # kind, role, month, year, a, b: what each row is, in words later


def _variables(p: SelectionProblem) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(p.max_shift, dtype=np.int64).clip(min=0)
    var_proj = np.repeat(np.arange(p.n), s + 1)
    var_shift = np.arange(var_proj.size) - np.repeat(np.cumsum(s + 1) - (s + 1), s + 1)
    return var_proj, var_shift


def _spread(
    p: SelectionProblem, var_proj: np.ndarray, var_shift: np.ndarray, profile: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(var, role, month, amount) of every nonzero of ``profile`` (n, R, L) at each start."""
    i, r, ll = np.nonzero(profile)
    amount = profile[i, r, ll]
    order = np.argsort(i, kind="stable")
    i, r, ll, amount = i[order], r[order], ll[order], amount[order]
    cnt = np.bincount(i, minlength=p.n)
    ptr = np.cumsum(cnt) - cnt
    per_var = cnt[var_proj]
    v = np.repeat(np.arange(var_proj.size), per_var)
    nz = ptr[var_proj][v] + (np.arange(v.size) - np.repeat(np.cumsum(per_var) - per_var, per_var))
    t = np.asarray(p.start)[var_proj[v]] + var_shift[v] + ll[nz]
    keep = (t >= 0) & (t < len(p.months))
    return v[keep], r[nz][keep], t[keep], amount[nz][keep]


def _limits(p: SelectionProblem) -> np.ndarray:
    """Hours allowed per role and month: level x capacity, or the running projects' own load
    where that alone is higher (work under way is not undone by the optimiser)."""
    cap = np.asarray(p.capacity, dtype=float) * float(p.level)
    ids = p.ids.astype(str)
    fixed = np.flatnonzero(np.isin(ids, list(p.running - p.forced_out)))
    if fixed.size:
        cap = np.maximum(cap, _load(p, fixed, np.zeros(fixed.size, dtype=int)))
    if p.allowance is not None:  # on top of the limit it was computed against
        cap = cap + np.asarray(p.allowance, dtype=float)
    return cap


def _rule_rows(
    p: SelectionProblem, var_proj: np.ndarray, var_shift: np.ndarray
) -> tuple[list[tuple[np.ndarray, np.ndarray, float, float]], list[dict[str, Any]]]:
    """Sparse rows (vars, coefs, lo, hi) and their meaning for requires/exclusive/links."""
    of = {str(k): i for i, k in enumerate(p.ids)}
    by_proj = [np.flatnonzero(var_proj == i) for i in range(p.n)]
    rows: list[tuple[np.ndarray, np.ndarray, float, float]] = []
    info: list[dict[str, Any]] = []
    need = [(b, a, "requires", 0) for b, a in p.requires]
    need += [(lk[1], lk[0], "link", int(lk[2]) if len(lk) > 2 else 0) for lk in p.links]
    for b, a, kind, k in need:
        if b not in of or a not in of:
            continue
        vb, va = by_proj[of[b]], by_proj[of[a]]
        rows.append((np.r_[vb, va], np.r_[np.ones(vb.size), -np.ones(va.size)], -np.inf, 0.0))
        info.append({"kind": kind, "a": a, "b": b})
        big = int(p.max_shift[of[a]])
        if kind == "link" and big > k:  # y_b = 1 => shift_b >= shift_a - k
            coef = np.r_[var_shift[vb] - big, -var_shift[va]].astype(float)
            rows.append((np.r_[vb, va], coef, -float(k + big), np.inf))
            info.append({"kind": "link timing", "a": a, "b": b, "k": k})
    for g in p.exclusive:
        vs = np.concatenate([by_proj[of[x]] for x in g if x in of] or [np.zeros(0, int)])
        rows.append((vs, np.ones(vs.size), -np.inf, 1.0))
        info.append({"kind": "exclusive", "a": ", ".join(g), "b": ""})
    return rows, info


class _Rows:
    """Constraint rows added block by block: (row, var, coef) triplets, bounds, meanings."""

    def __init__(self) -> None:
        self.r: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.x: list[np.ndarray] = []
        self.lo: list[np.ndarray] = []
        self.hi: list[np.ndarray] = []
        self.info: list[dict[str, Any]] = []
        self.n = 0

    def add(
        self,
        rows: Any,
        vars_: Any,
        coefs: Any,
        lo: Any,
        hi: Any,
        info: list[dict[str, Any]],
    ) -> None:
        """Rows numbered from 0 within the block; ``lo``/``hi``/``info`` one per row."""
        self.r.append(self.n + np.asarray(rows, dtype=np.int64))
        self.v.append(np.asarray(vars_, dtype=np.int64))
        self.x.append(np.asarray(coefs, dtype=float))
        self.lo.append(np.asarray(lo, dtype=float))
        self.hi.append(np.asarray(hi, dtype=float))
        self.info += info
        self.n += len(info)

    def matrix(self, nv: int) -> sparse.csr_matrix:
        data = (np.concatenate(self.x), (np.concatenate(self.r), np.concatenate(self.v)))
        return sparse.csr_matrix(data, shape=(self.n, nv))


def _budget_rows(rows: _Rows, p: SelectionProblem, vp: np.ndarray, vs: np.ndarray) -> None:
    nv = vp.size
    if p.budget is not None:
        cost = np.asarray(p.cost, dtype=float)[vp]
        rows.add(
            np.zeros(nv),
            np.arange(nv),
            cost,
            [-np.inf],
            [float(p.budget)],
            [{"kind": "budget", "year": None}],
        )
    if p.budget_by_year:
        years = pd.DatetimeIndex(np.asarray(p.months, dtype="datetime64[M]")).year.to_numpy()
        prof = np.asarray(p.cost_profile, dtype=float)[:, None, :]
        v, _, t, h = _spread(p, vp, vs, prof)
        for y, amount in sorted(p.budget_by_year.items()):
            sel = years[t] == int(y)
            info = [{"kind": "budget", "year": int(y)}]
            rows.add(np.zeros(int(sel.sum())), v[sel], h[sel], [-np.inf], [float(amount)], info)


def objective(p: SelectionProblem, var_proj: np.ndarray, var_shift: np.ndarray) -> np.ndarray:
    """The (minimised) cost of each start variable: minus its project's value, plus a tie
    breaker that prefers the earlier start of equal value."""
    return -(np.asarray(p.value, dtype=float)[var_proj] - _TIE * var_shift)


def _build(p: SelectionProblem) -> _Model:
    p.check()
    vp, vs = _variables(p)
    nv, n_r, n_t = vp.size, len(p.roles), len(p.months)
    ids = p.ids.astype(str)
    rows = _Rows()
    forced = np.isin(ids, list(p.forced_in)).astype(float)
    one = [{"kind": "one start", "a": ids[i]} for i in range(p.n)]
    rows.add(vp, np.arange(nv), np.ones(nv), forced, np.ones(p.n), one)
    v, r, t, h = _spread(p, vp, vs, np.asarray(p.demand, dtype=float))
    cap = [{"kind": "capacity", "role": p.roles[k // n_t], "t": k % n_t} for k in range(n_r * n_t)]
    rows.add(r * n_t + t, v, h, np.full(n_r * n_t, -np.inf), _limits(p).ravel(), cap)
    _budget_rows(rows, p, vp, vs)
    rule_rows, rule_info = _rule_rows(p, vp, vs)
    for (vars_, coef, rlo, rhi), info in zip(rule_rows, rule_info, strict=True):
        rows.add(np.zeros(vars_.size), vars_, coef, [rlo], [rhi], [info])
    ub = (~np.isin(ids[vp], list(p.forced_out))).astype(float)
    return _Model(
        vp,
        vs,
        objective(p, vp, vs),
        ub,
        rows.matrix(nv),
        np.concatenate(rows.lo),
        np.concatenate(rows.hi),
        pd.DataFrame(rows.info),
    )


_BOUNDS_ONLY = frozenset({"forced_in", "forced_out", "level", "allowance", "budget"})


def same_structure(a: SelectionProblem, b: SelectionProblem) -> bool:
    """Do ``a`` and ``b`` give models with the same matrix, costs, rows and columns, so that
    one differs from the other in its bounds only (:func:`rebound`)? They may differ in the
    forced sets, the capacity level, the overload allowance and the budget's amount (not in
    having one or not): everything else must be the same."""
    if (a.budget is None) != (b.budget is None):
        return False
    for f in fields(SelectionProblem):
        if f.name in _BOUNDS_ONLY:
            continue
        x, y = getattr(a, f.name), getattr(b, f.name)
        if x is y:
            continue
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            if x is None or y is None or np.shape(x) != np.shape(y):
                return False
            if not np.array_equal(np.asarray(x), np.asarray(y)):
                return False
        elif x != y:
            return False
    return True


def rebound(m: _Model, p: SelectionProblem) -> _Model:
    """The model of ``p`` from a model ``m`` built (:func:`_build`) for a problem of the same
    structure (:func:`same_structure`): the same matrix with ``p``'s bounds: one start per
    project (``= 1`` when forced in), forced-out columns fixed at 0, the capacity limits
    (level, running load, allowance) and the budget lines. Equal to ``_build(p)``."""
    p.check()
    ids = p.ids.astype(str)
    kinds = m.rows["kind"].to_numpy()
    lo, hi = m.lo.copy(), m.hi.copy()
    lo[: p.n] = np.isin(ids, list(p.forced_in)).astype(float)
    hi[np.flatnonzero(kinds == "capacity")] = _limits(p).ravel()
    budget = np.flatnonzero(kinds == "budget")
    if budget.size:
        years = m.rows["year"].to_numpy()[budget]
        total = np.inf if p.budget is None else p.budget
        amount = [total if pd.isna(y) else p.budget_by_year[int(y)] for y in years]
        hi[budget] = np.asarray(amount, dtype=float)
    ub = (~np.isin(ids[m.var_proj], list(p.forced_out))).astype(float)
    return replace(m, lo=lo, hi=hi, ub=ub)


def _without_open_budget(m: _Model, p: SelectionProblem) -> _Model:
    """``m`` without its total-budget row when ``p`` has no budget (a model kept for every
    budget has the row, open): the very model :func:`_build` gives for ``p``."""
    kinds = m.rows["kind"].to_numpy()
    years = m.rows.get("year")
    total = (kinds == "budget") & (years.isna().to_numpy() if years is not None else True)
    if p.budget is not None or not total.any():
        return m
    keep = np.flatnonzero(~total)
    rows = m.rows.iloc[keep].reset_index(drop=True)
    if "year" in rows and rows["year"].isna().all():
        rows = rows.drop(columns="year")
    return replace(m, a=m.a[keep], lo=m.lo[keep], hi=m.hi[keep], rows=rows)


def model_of(p: SelectionProblem, kept: _Model | None = None) -> _Model:
    """``p``'s model: ``kept`` (built for a problem of the same structure, any budget) with
    ``p``'s bounds when given, else built; without a total-budget row when ``p`` has no
    budget, like :func:`_build`."""
    if kept is None:
        return _build(p)
    q = p if p.budget is not None else p.with_(budget=np.inf)
    return _without_open_budget(rebound(kept, q), p)


# ----------------------------------------------------------------------------- results


@dataclass
class Selection:
    """A solved portfolio: who is in, when each starts, the value, cost and load it gives.

    Attributes
    ----------
    problem : SelectionProblem
    chosen : DataFrame
        One row per candidate: ``project_id, name, chosen, shift_months, start_month, value,
        cost, forced`` (``"in"``, ``"out"`` or ``""``).
    value, cost : float
        Strategic value and money of the chosen projects.
    status : str
        ``"optimal"``, ``"time limit"`` (best found, with ``gap``), ``"greedy"`` or
        ``"first"`` (the starting portfolio before branch and cut, with its proven ``gap``).
    gap : float
        Proven relative gap between the value and the best bound (0 when optimal).
    seconds : float
        Wall time of the solve.
    load : ndarray (R, T)
        Hours per role and month of the chosen portfolio.
    duals : ndarray or None
        Per model row, value points gained per unit of extra room in the LP relaxation the
        solve already ran (its shadow prices; ``None`` when it has none, e.g. greedy).
    """

    problem: SelectionProblem
    chosen: pd.DataFrame
    value: float
    cost: float
    status: str
    gap: float
    seconds: float
    load: np.ndarray
    x: np.ndarray
    model: _Model | None = None
    duals: np.ndarray | None = None  # LP-relaxation shadow prices per model row, if solved

    @property
    def ids(self) -> list[str]:
        """Chosen project ids, in candidate order."""
        return self.chosen.loc[self.chosen["chosen"], "project_id"].tolist()

    def load_table(self) -> pd.DataFrame:
        """``role, month, load_hours, capacity_hours, limit_hours`` of the chosen portfolio."""
        p = self.problem
        n_r, n_t = len(p.roles), len(p.months)
        return pd.DataFrame(
            {
                "role": np.repeat(p.roles, n_t),
                "month": np.tile(pd.PeriodIndex(p.months, freq="M").astype(str), n_r),
                "load_hours": self.load.ravel(),
                "capacity_hours": np.asarray(p.capacity, dtype=float).ravel(),
                "limit_hours": _limits(p).ravel(),
            }
        )

    def overload(self) -> pd.DataFrame:
        """Role-months where the must-have projects could not be fitted (hours accepted over
        the limit): ``role, month, overload_hours``; empty when everything fits."""
        p = self.problem
        if p.allowance is None:
            return pd.DataFrame(columns=["role", "month", "overload_hours"])
        r, t = np.nonzero(np.asarray(p.allowance) > _TOL)
        return pd.DataFrame(
            {
                "role": p.roles[r],
                "month": [_month(p, int(k)) for k in t],
                "overload_hours": np.asarray(p.allowance)[r, t],
            }
        )

    def peak_load(self) -> pd.Series:
        """Peak load / capacity per role over the horizon (1.0 = full)."""
        cap = np.asarray(self.problem.capacity, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(cap > 0, self.load / cap, np.where(self.load > 0, np.inf, 0.0))
        return pd.Series(ratio.max(axis=1), index=self.problem.roles, name="peak_load")


def _load(p: SelectionProblem, proj: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Hours per role and month of projects ``proj`` started ``shift`` months late."""
    out = np.zeros((len(p.roles), len(p.months)))
    if proj.size == 0:
        return out
    sub = replace(
        p,
        ids=p.ids[proj],
        demand=np.asarray(p.demand)[proj],
        start=np.asarray(p.start)[proj] + shift,
        max_shift=np.zeros(proj.size, dtype=int),
        names=None,
    )
    vp, vs = _variables(sub)
    _, r, t, h = _spread(sub, vp, vs, np.asarray(sub.demand, dtype=float))
    np.add.at(out, (r, t), h)
    return out


def _selection(
    p: SelectionProblem,
    x: np.ndarray,
    m: _Model,
    status: str,
    gap: float,
    seconds: float,
    duals: np.ndarray | None = None,
) -> Selection:
    on = x > 0.5
    chosen = np.zeros(p.n, dtype=bool)
    chosen[m.var_proj[on]] = True
    shift = np.zeros(p.n, dtype=int)
    shift[m.var_proj[on]] = m.var_shift[on]
    ids = p.ids.astype(str)
    forced = np.where(np.isin(ids, list(p.forced_in)), "in", "")
    forced = np.where(np.isin(ids, list(p.forced_out)), "out", forced)
    table = pd.DataFrame(
        {
            "project_id": ids,
            "name": (p.names if p.names is not None else ids),
            "chosen": chosen,
            "shift_months": shift,
            "start_month": np.asarray(p.start) + shift,
            "value": np.asarray(p.value, dtype=float),
            "cost": np.asarray(p.cost, dtype=float),
            "forced": forced,
        }
    )
    idx = np.flatnonzero(chosen)
    return Selection(
        problem=p,
        chosen=table,
        value=float(table.loc[chosen, "value"].sum()),
        cost=float(table.loc[chosen, "cost"].sum()),
        status=status,
        gap=gap,
        seconds=seconds,
        load=_load(p, idx, shift[idx]),
        x=x,
        model=m,
        duals=duals,
    )


def _milp(m: _Model, c: np.ndarray, time_limit: float, gap: float) -> Any:
    return milp(
        c,
        constraints=LinearConstraint(m.a, m.lo, m.hi),
        integrality=np.ones(m.c.size),
        bounds=Bounds(np.zeros(m.c.size), m.ub),
        options={"time_limit": float(time_limit), "mip_rel_gap": float(gap), "disp": False},
    )


def solve(
    problem: SelectionProblem,
    *,
    time_limit: float = 10.0,
    gap: float = 1e-4,
    overload: bool = False,
) -> Selection:
    """The value-maximising portfolio (and start shifts) under the problem's constraints.

    The steps (:mod:`._highs`): the model is built with sparse arrays; its LP relaxation is
    solved (the upper bound); an LP-guided greedy fill gives a first portfolio that is handed
    to HiGHS as its starting solution; HiGHS branch and cut then improves it until the proven
    gap is within ``gap`` or the time is up.

    Parameters
    ----------
    problem : SelectionProblem
    time_limit : float
        Seconds the whole solve may use (model, LP, heuristic and branch and cut); past it the
        best portfolio found is returned with its proven ``gap`` (status ``"time limit"``).
    gap : float
        Relative optimality gap at which HiGHS may stop (``1e-4`` = 0.01 %).
    overload : bool
        When the projects that must be in (forced in, and what rules and links make them
        need) cannot fit the capacity at any allowed start: ``False`` raises; ``True`` first
        finds the least overload (hours per role and month) that lets them in, accepts it
        (``Selection.overload``, the "could not be fixed" report) and optimises the rest.

    Raises
    ------
    PrioritiseError
        When no portfolio satisfies the constraints: the message names the forced-in projects
        that cannot all fit and the constraint they break (role and month, budget line, rule).
    """
    t0 = time.perf_counter()
    m = _build(problem)
    res = run(m, problem, time_limit=time_limit, gap=gap)
    if res.x is None and res.infeasible and overload:
        extra = _least_overload(problem, time_limit, model=m)
        if extra is not None:
            problem = problem.with_(allowance=extra)
            m = model_of(problem, m)
            left = max(time_limit - (time.perf_counter() - t0), 0.5)
            res = run(m, problem, time_limit=left, gap=gap)
    seconds = time.perf_counter() - t0
    if res.x is None and not res.infeasible:  # time limit before any portfolio: the greedy one
        g = greedy(problem)
        g.status, g.seconds = "greedy (time limit)", time.perf_counter() - t0
        return g
    if res.x is None:
        raise _infeasible(problem)
    return _selection(problem, res.x, m, res.status, res.gap, seconds, res.duals)


def run(
    m: _Model,
    p: SelectionProblem,
    *,
    time_limit: float,
    gap: float,
    solver: _highs.Model | None = None,
    starts: Sequence[np.ndarray] = (),
    branch: bool = True,
    basis: Any = None,
) -> _highs.MipResult:
    """LP relaxation, LP-guided greedy start, then HiGHS branch and cut from that start.

    When the best start is already within ``gap`` of the LP bound it is returned at once
    (proven by the bound; branch and cut would only repeat presolve). ``solver`` lets a
    caller (the frontier) reuse one HiGHS model; ``starts`` are extra candidate starts
    (e.g. the neighbouring frontier point's portfolio). ``branch=False`` stops before branch
    and cut: the best start is returned with its LP-proven gap and status ``"first"`` (a
    dashboard shows it at once, then improves it). ``basis``: an LP basis to start the
    relaxation from (``solver``'s, e.g. the nearest budget's)."""
    t0 = time.perf_counter()
    hm = solver or _highs.Model(m.c, m.a, m.lo, m.hi, m.ub)
    x_lp, bound = hm.relaxation(max(time_limit, 10.0), basis)  # the bound behind every proven gap
    duals = hm.duals()  # read now: the LP of this very problem (explain's shadow prices)
    start = _best_start(m, p, x_lp, starts)
    if start is not None and _gap(m, start, bound) <= gap:
        return _highs.MipResult(start, "optimal", _gap(m, start, bound), bound, duals=duals)
    if not branch and start is not None:
        return _highs.MipResult(start, "first", _gap(m, start, bound), bound, duals=duals)
    left = time_limit - (time.perf_counter() - t0)
    res = hm.mip(start, left, gap)
    if res.x is None and start is not None:  # out of time: the start is still a portfolio
        res = _highs.MipResult(start, "time limit", np.inf, bound)
    if res.x is not None:  # the LP bound may be the better proof when time ran out early
        res.gap = min(res.gap, _gap(m, res.x, bound))
    res.duals = duals
    return res


def _gap(m: _Model, x: np.ndarray, bound: float) -> float:
    """Proven relative gap of portfolio ``x`` against a bound on the (minimised) objective."""
    if not np.isfinite(bound):
        return np.inf
    obj = float(m.c @ x)
    return max(obj - bound, 0.0) / max(abs(obj), 1e-9)


def _feasible_x(m: _Model, x: np.ndarray) -> bool:
    act = m.a @ x
    return bool(((act <= m.hi + _TOL) & (act >= m.lo - _TOL)).all() and (x <= m.ub + _TOL).all())


def _best_start(
    m: _Model, p: SelectionProblem, x_lp: np.ndarray | None, extra: Sequence[np.ndarray]
) -> np.ndarray | None:
    """The best feasible of: the LP-guided fill (projects by LP weight, then value), the
    value-density fill (value per share of the capacity and budget it uses) and ``extra``."""
    value = -m.c
    kinds = m.rows["kind"].to_numpy()
    lines = np.isin(kinds, ["capacity", "budget"])
    room = np.maximum(m.hi[lines], 1.0)
    share = (1.0 / room) @ m.a[lines].maximum(0)  # share of every line each start uses
    density = value / np.maximum(np.asarray(share).ravel(), 1e-9)
    # the forced-in projects first, with the projects their rules and links need
    forced = np.isin(p.ids.astype(str), needed(p, p.forced_in))[m.var_proj]
    orders = [np.lexsort((-density, ~forced))]
    if x_lp is not None:
        y = np.bincount(m.var_proj, weights=x_lp, minlength=p.n)[m.var_proj]
        orders.append(np.lexsort((-value, -x_lp, -np.round(y, 6), ~forced)))
    cands = [fill(m, p, o, np.zeros(m.c.size)) for o in orders] + list(extra)
    ok = [x for x in cands if _feasible_x(m, x)]
    return min(ok, key=lambda x: float(m.c @ x)) if ok else None


def _least_overload(
    p: SelectionProblem, time_limit: float, *, model: _Model | None = None
) -> np.ndarray | None:
    """Hours per role and month above the limit that the must-have projects need at least.

    Minimises total overload hours (``A x - o <= limit``, ``o >= 0``) with the value ignored;
    ``None`` when even unlimited capacity does not help (a budget or rule conflict).
    ``model``: ``p``'s own model when already built (:func:`model_of`).
    """
    m = _build(p) if model is None else model
    n_r, n_t = len(p.roles), len(p.months)
    cap_rows = np.arange(p.n, p.n + n_r * n_t)
    o = sparse.csr_matrix(
        (-np.ones(cap_rows.size), (cap_rows, np.arange(cap_rows.size))),
        shape=(m.a.shape[0], cap_rows.size),
    )
    a = sparse.hstack([m.a, o]).tocsr()
    c = np.r_[np.zeros(m.c.size), np.ones(cap_rows.size)]
    res = milp(
        c,
        constraints=LinearConstraint(a, m.lo, m.hi),
        integrality=np.r_[np.ones(m.c.size), np.zeros(cap_rows.size)],
        bounds=Bounds(np.zeros(c.size), np.r_[m.ub, np.full(cap_rows.size, np.inf)]),
        options={"time_limit": float(time_limit), "disp": False},
    )
    if res.x is None:
        return None
    extra = np.asarray(res.x[m.c.size :]).reshape(n_r, n_t)
    return np.where(extra > _TOL, np.ceil(extra * 100) / 100, 0.0)


# ----------------------------------------------------------------------------- infeasibility


def _feasible(p: SelectionProblem, forced: Sequence[str]) -> bool:
    """Is there any portfolio holding every project in ``forced`` (others free)?"""
    m = _build(p.with_(forced_in=forced))
    return _milp(m, np.zeros(m.c.size), 10.0, 1e-4).x is not None


def _infeasible(p: SelectionProblem) -> PrioritiseError:
    """Name a minimal set of forced-in projects that cannot fit together, and why."""
    forced = sorted(p.forced_in)
    if not forced or not _feasible(p, []):
        return PrioritiseError(
            "no portfolio satisfies the rules (requires / exclusive / links contradict each other)",
            field="rules",
        )
    core = _rule_conflict(p, forced) or list(forced)
    for pid in list(core):  # deletion filter: drop every project the conflict does not need
        trial = [x for x in core if x != pid]
        if trial and not _feasible(p, trial):
            core = trial
    broken = _broken_by(p, core)
    names = ", ".join(p.label(p.index(x)) for x in core)
    what = f"projects {names} cannot all" if len(core) > 1 else f"project {names} cannot"
    return PrioritiseError(
        f"the forced-in {what} be chosen: {broken}",
        field="forced_in",
        value=core,
        expected="release one of them, or raise the budget / capacity",
    )


def _rule_conflict(p: SelectionProblem, forced: Sequence[str]) -> list[str] | None:
    """One or two forced-in projects whose needs (rules and links, transitively) hit a
    forced-out project or two members of one exclusive group: found without a solve, so a
    big portfolio's message does not wait for one MILP per forced project."""
    seen: dict[tuple[int, str], str] = {}
    for f in forced:
        need = set(needed(p, [f]))
        if need & p.forced_out:
            return [f]
        for gi, g in enumerate(p.exclusive):
            for x in sorted(need & set(g)):
                other = [f0 for (gj, y), f0 in seen.items() if gj == gi and y != x]
                if other:
                    return sorted({other[0], f})
                seen[(gi, x)] = f
    return None


def needed(p: SelectionProblem, ids: Iterable[str]) -> list[str]:
    """``ids`` plus every project they need, transitively (requires rules and schedule links),
    in candidate order."""
    needs: dict[str, set[str]] = {}
    for b, a in p.requires:
        needs.setdefault(b, set()).add(a)
    for lk in p.links:
        needs.setdefault(str(lk[1]), set()).add(str(lk[0]))
    todo, seen = list(map(str, ids)), set(map(str, ids))
    while todo:
        for a in needs.get(todo.pop(), ()):
            if a not in seen:
                seen.add(a)
                todo.append(a)
    return [x for x in p.ids.astype(str) if x in seen]


def _broken_by(p: SelectionProblem, core: Sequence[str]) -> str:
    """The first constraint the core breaks at its earliest starts, in words."""
    full = needed(p, core)
    extra = [x for x in full if x not in core]
    out = sorted(set(full) & p.forced_out)
    if out:
        return (
            f"they need {', '.join(out)} (requires rules and schedule links, transitively), "
            "which is forced out"
        )
    for g in p.exclusive:
        both = [x for x in full if x in g]
        if len(both) > 1 and extra:
            return (
                f"they need {' and '.join(both)} (requires rules and schedule links, "
                "transitively), which are mutually exclusive"
            )
    cost_all = float(np.asarray(p.cost)[[p.index(x) for x in full]].sum())
    if p.budget is not None and cost_all > p.budget + _TOL:
        dragged = f" with the projects they need ({', '.join(extra)})" if extra else ""
        return f"together{dragged} they cost {cost_all:,.0f} against a budget of {p.budget:,.0f}"
    idx = np.array([p.index(x) for x in core])
    load = _load(p, idx, np.zeros(idx.size, dtype=int))
    over = load - _limits(p)
    if (over > _TOL).any():
        r, t = np.unravel_index(int(np.argmax(over)), over.shape)
        return (
            f"together they need {load[r, t]:,.0f} h of {p.roles[r]} in "
            f"{_month(p, int(t))} against {_limits(p)[r, t]:,.0f} h available"
        )
    cost = float(np.asarray(p.cost)[idx].sum())
    if p.budget is not None and cost > p.budget + _TOL:
        return f"together they cost {cost:,.0f} against a budget of {p.budget:,.0f}"
    for g in p.exclusive:
        both = [x for x in core if x in g]
        if len(both) > 1:
            return f"{' and '.join(both)} are mutually exclusive"
    return (
        "with the projects their rules and schedule links need, no start dates in their "
        "windows fit the capacity and budget together (solve with overload=True to see the "
        "least overload)"
    )


def _month(p: SelectionProblem, t: int) -> str:
    return pd.Timestamp(np.asarray(p.months, dtype="datetime64[M]")[t]).strftime("%b %Y")


# ----------------------------------------------------------------------------- greedy


def greedy(problem: SelectionProblem, *, model: _Model | None = None) -> Selection:
    """Baseline: rank by value (forced-in first), add each project at the earliest start that
    fits what is left of every capacity and budget line (and exclusive groups, link timing);
    then drop, until none is left, any project whose prerequisite is not in. ``model``:
    ``problem``'s own model when already built (:func:`model_of`)."""
    t0 = time.perf_counter()
    m = _build(problem) if model is None else model
    value = np.asarray(problem.value, dtype=float)
    forced = np.isin(problem.ids.astype(str), list(problem.forced_in))
    rank = np.empty(problem.n, dtype=np.int64)
    rank[np.lexsort((-value, ~forced))] = np.arange(problem.n)
    order = np.lexsort((m.var_shift, rank[m.var_proj]))  # by project rank, earliest start first
    x = fill(m, problem, order, np.zeros(m.c.size))
    return _selection(problem, x, m, "greedy", np.nan, time.perf_counter() - t0)


def fill(m: _Model, p: SelectionProblem, order: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """Add variables in ``order`` to ``x0`` while every capacity, budget, exclusive and
    link-timing row still holds (one start per project); then drop, until none is left, any
    project whose prerequisite (requires rule or schedule link) is not in."""
    kinds = m.rows["kind"].to_numpy()
    check = np.isin(kinds, ["capacity", "budget", "exclusive", "link timing"])
    a = m.a.tocsc()
    x = np.asarray(x0, dtype=float).copy()
    act = m.a @ x
    taken = np.zeros(p.n, dtype=bool)
    taken[m.var_proj[x > 0.5]] = True
    hi = np.where(check, m.hi, np.inf) + _TOL
    lo = np.where(check, m.lo, -np.inf) - _TOL
    for v in order[m.ub[order] > 0.5]:
        if taken[m.var_proj[v]]:
            continue
        rows = a.indices[a.indptr[v] : a.indptr[v + 1]]
        new = act[rows] + a.data[a.indptr[v] : a.indptr[v + 1]]
        if (new <= hi[rows]).all() and (new >= lo[rows]).all():
            x[v], act[rows], taken[m.var_proj[v]] = 1.0, new, True
    return _drop_orphans(m, p, x, check | (kinds == "one start"))


def _drop_orphans(m: _Model, p: SelectionProblem, x: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Prerequisites: while a ``y_b <= y_a`` row is broken, drop b."""
    while True:
        bad = np.flatnonzero(~ok & (m.a @ x > m.hi + _TOL))
        if not bad.size:
            return x
        for r in bad:
            x[m.var_proj == p.index(str(m.rows.iloc[r]["b"]))] = 0.0


def ids_of(values: Iterable[Any]) -> frozenset[str]:
    return frozenset(str(v) for v in values)
