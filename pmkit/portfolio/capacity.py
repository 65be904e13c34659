"""Shared capacity: demand vs capacity by role x month across every project, and what-ifs.

Demand of one assignment (the one hours model, docs/DATA-MODEL.md): ``units x resource
capacity_hours_per_day`` on every working day of the task's scheduled span (``units`` 1.0 = the
resource's full working day, Microsoft Project's units of the resource's own time), i.e. ``units
x capacity_hours_per_day x`` the working days (exact, on the task's calendar) between the
scheduled start and finish that fall in the month. :func:`pmkit.schedule.leveling.resource_load`
counts the same hours. Capacity of a resource in a
month = ``capacity_hours_per_day x`` working days of the resource's calendar in that month.

One computation, several views
------------------------------
:func:`capacity_model` computes demand, capacity and the priority allocation once, on integer
codes (resource x project x month) and flat numpy arrays; the heat map
(:meth:`CapacityModel.by_role_month`), the over-allocated resource-months
(:meth:`CapacityModel.overallocated`) and the shortfall per project
(:meth:`CapacityModel.shortfall`) all read that one model. The module functions
(:func:`capacity_by_role_month`, :func:`overallocated_resources`, :func:`project_shortfall`) keep
their signatures; each builds a model unless given one with ``model=``, so a screen showing all
three should build the model once and pass it (the 100k-task benchmark shows why).

What-ifs
--------
``shifts={project_id: n}`` moves a project's tasks by ``n`` working days (negative = earlier)
before demand is counted: the heat map shows where the hours would land. ``priorities=
{project_id: p}`` overrides ``projects.priority`` (1 = first served): on every over-loaded
resource-month the hours go to projects in priority order and the rest is ``unmet_hours``; totals
of demand and capacity do not change, who goes short does. Another what-if on a model already
built (:meth:`CapacityModel.what_if`, or ``capacity_model(..., source=model.source)``) counts
again only the projects whose shift changed: on 1,000 projects a one-project what-if takes
~20 ms instead of ~150 ms, with the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from pmkit.errors import CapacityError
from pmkit.model import Portfolio
from pmkit.portfolio._util import schedule_tasks, task_calendar_ids
from pmkit.schedule.cpm import Schedule

__all__ = [
    "CapacityError",
    "CapacityModel",
    "allocate_by_priority",
    "capacity_by_role_month",
    "capacity_model",
    "overallocated_resources",
    "project_shortfall",
    "resource_capacity",
    "resource_demand",
]

_NO_HOLIDAYS = np.array([], dtype="datetime64[D]")
_EPS = 1e-9


def _task_dates(portfolio: Portfolio, schedule: Schedule | pd.DataFrame | None) -> pd.DataFrame:
    """task_id, project_id, calendar, duration and [start, finish] dates (datetime64[D])."""
    t = portfolio.tasks
    out = pd.DataFrame(
        {
            "task_id": t["task_id"].to_numpy(),
            "project_id": t["project_id"].to_numpy(),
            "calendar_id": task_calendar_ids(portfolio).to_numpy(),
            "duration_days": t["duration_days"].to_numpy(dtype=float),
        }
    )
    st = schedule_tasks(schedule)
    if st is None:  # no schedule: the baseline dates say when the work is planned
        start, finish = t["baseline_start"], t["baseline_finish"]
    else:
        idx = pd.Index(st["task_id"])
        pos = idx.get_indexer(out["task_id"])
        start = pd.Series(pd.to_datetime(st["start"]).to_numpy()[pos], dtype="datetime64[ns]")
        finish = pd.Series(pd.to_datetime(st["finish"]).to_numpy()[pos], dtype="datetime64[ns]")
        start[pos < 0] = pd.NaT
        finish[pos < 0] = pd.NaT
    start, finish = pd.to_datetime(start), pd.to_datetime(finish)
    if st is None:  # baseline dates name whole days: the finish day is worked
        finish = finish.where(finish != finish.dt.normalize(), finish + pd.Timedelta(days=1))
    out["start"] = start.to_numpy(dtype="datetime64[ns]")
    out["finish"] = finish.to_numpy(dtype="datetime64[ns]")
    return out


def _check_shifts(known: np.ndarray, shifts: Mapping[str, float] | None) -> None:
    """Every shifted project is known and shifted by whole working days."""
    known_set = set(known.tolist())
    for pid, days in (shifts or {}).items():
        if pid not in known_set:
            raise CapacityError("cannot shift an unknown project", field="shifts", value=pid)
        if not float(days).is_integer():
            raise CapacityError(
                "shift whole working days",
                field=f"shifts[{pid}]",
                value=days,
                expected="an integer number of working days",
            )


def _shift(inst: np.ndarray, n: np.ndarray, cal: np.ndarray, specs: dict) -> np.ndarray:
    """Instants (``datetime64[ns]``) moved by ``n`` whole working days of each row's calendar
    (the time of day is kept); rows with ``n == 0`` or no date are returned as they are."""
    values = inst.astype("datetime64[D]")
    clock = inst - values.astype("datetime64[ns]")
    sel_all = (n != 0) & ~np.isnat(values)
    for cid in pd.unique(cal[sel_all]):
        mask, hols, _ = specs.get(str(cid), ("1111100", _NO_HOLIDAYS, 8.0))
        sel = sel_all & (cal == cid)
        values[sel] = np.busday_offset(
            values[sel], n[sel], roll="forward", weekmask=mask, holidays=hols
        )
    return values.astype("datetime64[ns]") + clock


def _month_split(
    start: np.ndarray, finish: np.ndarray, cal: np.ndarray, portfolio: Portfolio
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows x months touched: (row index, month, working days of the row's calendar between
    its start and finish instants that fall in the month, exact to the minute)."""
    b = start.astype("datetime64[ns]")
    e = finish.astype("datetime64[ns]")
    m0 = b.astype("datetime64[M]")
    m1 = e.astype("datetime64[M]")
    n = np.maximum((m1 - m0).astype(np.int64) + 1, 1)
    rep = np.repeat(np.arange(len(b)), n)
    offs = np.arange(rep.size) - np.repeat(np.cumsum(n) - n, n)
    month = m0[rep] + offs.astype("timedelta64[M]")
    seg_b = np.maximum(b[rep], month.astype("datetime64[ns]"))
    seg_e = np.minimum(e[rep], (month + np.timedelta64(1, "M")).astype("datetime64[ns]"))
    days = np.zeros(rep.size)
    cal_rep = cal[rep]
    for cid in pd.unique(cal_rep):
        c = portfolio.calendar(str(cid))
        sel = cal_rep == cid
        w = c.to_working_minutes(seg_e[sel]) - c.to_working_minutes(seg_b[sel])
        days[sel] = np.clip(w, 0.0, None) / c.minutes_per_day
    return rep, month, days


@dataclass(frozen=True)
class _Demand:
    """Demand aggregated per (resource, project, month), sorted that way, as integer codes.

    ``r`` indexes ``res_ids`` (sorted resource ids), ``p`` indexes ``proj_ids`` (sorted),
    ``m`` is the month as months since 1970 (``datetime64[M]`` as int64).
    """

    r: np.ndarray
    p: np.ndarray
    m: np.ndarray
    hours: np.ndarray
    res_ids: np.ndarray
    res_pos: np.ndarray  # row of each sorted resource id in portfolio.resources
    proj_ids: np.ndarray


@dataclass(frozen=True, eq=False)
class _Plan:
    """What demand is computed from, once per portfolio and schedule (a what-if then counts
    again only the assignments of the projects it moves): the tasks' dates as planned, each
    assignment's task row, resource code and hours per working day."""

    specs: dict
    start: np.ndarray  # per task row, datetime64[ns]
    finish: np.ndarray
    cal: np.ndarray  # per task row, its calendar id
    task_proj: np.ndarray  # per task row, index into proj_ids
    proj_ids: np.ndarray
    pos: np.ndarray  # per assignment, its task row
    r_all: np.ndarray  # per assignment, index into res_ids (-1: unknown resource)
    hours: np.ndarray  # per assignment, hours per working day (NaN: unknown resource)
    res_ids: np.ndarray
    res_pos: np.ndarray


def _plan(portfolio: Portfolio, schedule: Schedule | pd.DataFrame | None) -> _Plan:
    dates = _task_dates(portfolio, schedule)
    a = portfolio.assignments
    res = portfolio.resources
    pos = pd.Index(dates["task_id"]).get_indexer(a["task_id"])
    if (pos < 0).any():
        bad = int(np.flatnonzero(pos < 0)[0])
        raise CapacityError(
            "assignment to an unknown task",
            file="assignments.csv",
            line=bad + 2,
            field="task_id",
            value=a["task_id"].iat[bad],
        )
    res_ids = res["resource_id"].to_numpy(dtype=object)
    order = np.argsort(res_ids, kind="stable")
    res_ids = res_ids[order]
    r_all = pd.Index(res_ids).get_indexer(a["resource_id"])  # -1: unknown resource, no hours
    hpd = res["capacity_hours_per_day"].to_numpy(dtype=float)[order]
    hpd_a = np.where(r_all >= 0, hpd[np.maximum(r_all, 0)], np.nan)
    task_proj, proj_ids = pd.factorize(dates["project_id"].astype(str), sort=True)
    return _Plan(
        specs=portfolio.busday_calendars(),
        start=dates["start"].to_numpy(dtype="datetime64[ns]"),
        finish=dates["finish"].to_numpy(dtype="datetime64[ns]"),
        cal=dates["calendar_id"].to_numpy(dtype=object),
        task_proj=np.asarray(task_proj),
        proj_ids=np.asarray(proj_ids, dtype=object),
        pos=pos,
        r_all=r_all,
        hours=a["units"].to_numpy(dtype=float) * hpd_a,  # per working day of the span
        res_ids=res_ids,
        res_pos=order,
    )


def _demand(
    portfolio: Portfolio,
    schedule: Schedule | pd.DataFrame | None,
    shifts: Mapping[str, float] | None,
    plan: _Plan | None = None,
    projects: np.ndarray | None = None,
) -> _Demand:
    """Demand per resource x project x month: the one place demand is computed. ``plan``:
    :func:`_plan` of this portfolio and schedule, if known; ``projects``: count only the
    assignments of these projects (codes into ``plan.proj_ids``)."""
    plan = plan or _plan(portfolio, schedule)
    _check_shifts(plan.proj_ids, shifts)
    by_code = pd.Series(plan.proj_ids).map({k: int(v) for k, v in (shifts or {}).items()})
    n = by_code.fillna(0).to_numpy(dtype=np.int64)[plan.task_proj]
    a_proj = plan.task_proj[plan.pos]
    wanted = np.ones(plan.pos.size, bool) if projects is None else np.isin(a_proj, projects)
    pos = plan.pos[wanted]
    start = plan.start[pos]
    finish = plan.finish[pos]
    if n.any():
        start = _shift(start, n[pos], plan.cal[pos], plan.specs)
        finish = _shift(finish, n[pos], plan.cal[pos], plan.specs)
    hours = plan.hours[wanted]
    ok = (hours > 0) & ~np.isnat(start) & ~np.isnat(finish) & (finish >= start)
    idx = np.flatnonzero(ok)
    rep, month, share = _month_split(start[idx], finish[idx], plan.cal[pos[idx]], portfolio)
    rows = idx[rep]
    p_rows = a_proj[wanted][rows]
    m = month.astype("datetime64[M]").astype(np.int64)
    proj_ids = plan.proj_ids
    if m.size == 0:
        e = np.zeros(0, np.int64)
        return _Demand(e, e, e, np.zeros(0), plan.res_ids, plan.res_pos, proj_ids)
    m0, n_m, n_p = int(m.min()), int(m.max() - m.min()) + 1, max(len(proj_ids), 1)
    key = (plan.r_all[wanted][rows].astype(np.int64) * n_p + p_rows) * n_m + (m - m0)
    uniq, inv = np.unique(key, return_inverse=True)
    total = np.bincount(inv, weights=hours[rows] * share, minlength=uniq.size)
    return _Demand(
        r=uniq // (n_p * n_m),
        p=(uniq // n_m) % n_p,
        m=uniq % n_m + m0,
        hours=total,
        res_ids=plan.res_ids,
        res_pos=plan.res_pos,
        proj_ids=proj_ids,
    )


def _redo(
    portfolio: Portfolio, dem: _Demand, plan: _Plan, shifts: Mapping[str, float], moved: np.ndarray
) -> _Demand:
    """``dem`` with the rows of the projects ``moved`` (codes) counted again under ``shifts``:
    every other project's rows are kept as they are (their dates did not change), so the
    result equals :func:`_demand` of the whole portfolio under ``shifts``, row for row."""
    new = _demand(portfolio, None, shifts, plan, moved)
    keep = ~np.isin(dem.p, moved)
    if not new.m.size:
        return replace(dem, r=dem.r[keep], p=dem.p[keep], m=dem.m[keep], hours=dem.hours[keep])
    lo = min(int(dem.m.min()) if dem.m.size else 0, int(new.m.min()))
    n_p = max(len(dem.proj_ids), 1)
    span = max(int(dem.m.max()) if dem.m.size else 0, int(new.m.max())) - lo + 1

    def key(d: _Demand, sel: Any) -> np.ndarray:
        return (d.r[sel].astype(np.int64) * n_p + d.p[sel]) * span + (d.m[sel] - lo)

    # both are sorted by (resource, project, month) and share no key: merge them
    at = np.searchsorted(key(dem, keep), key(new, slice(None)))

    def merged(f: str) -> np.ndarray:
        return np.insert(getattr(dem, f)[keep], at, getattr(new, f))

    return replace(dem, r=merged("r"), p=merged("p"), m=merged("m"), hours=merged("hours"))


def resource_demand(
    portfolio: Portfolio,
    schedule: Schedule | pd.DataFrame | None = None,
    *,
    shifts: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Hours each resource is asked for, per project and month.

    Parameters
    ----------
    portfolio : Portfolio
    schedule : Schedule or DataFrame, optional
        Scheduled task dates (``uid``/``task_id``, ``start``, ``finish``); without it the tasks'
        baseline dates are used.
    shifts : mapping project_id -> working days, optional
        What-if: move a project earlier (negative) or later (positive).

    Returns
    -------
    DataFrame
        ``resource_id, role, project_id, month, demand_hours`` (month = first day, Timestamp),
        sorted by resource, project and month.
    """
    d = _demand(portfolio, schedule, shifts)
    roles = portfolio.resources["role"].to_numpy(dtype=object)[d.res_pos]
    return pd.DataFrame(
        {
            "resource_id": d.res_ids[d.r],
            "role": roles[d.r].astype(str),
            "project_id": d.proj_ids[d.p],
            "month": d.m.astype("datetime64[M]").astype("datetime64[ns]"),
            "demand_hours": d.hours,
        }
    )


def _capacity_days(portfolio: Portfolio, months: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Working days of each resource (``rows`` of the table) in each month: (len(rows), n_m)."""
    specs = portfolio.busday_calendars()
    cal = portfolio.resources["calendar_id"].to_numpy(dtype=object)[rows]
    b = months.astype("datetime64[D]")
    e = (months + np.timedelta64(1, "M")).astype("datetime64[D]")
    days = np.zeros((len(rows), len(months)))
    for cid in pd.unique(cal):  # a few calendars: count each month once per calendar
        mask, hols, _ = specs.get(str(cid), ("1111100", _NO_HOLIDAYS, 8.0))
        days[cal == cid] = np.busday_count(b, e, weekmask=mask, holidays=hols)
    return days


def resource_capacity(portfolio: Portfolio, months: Any) -> pd.DataFrame:
    """Hours each resource can give in each month: ``resource_id, role, month, capacity_hours``."""
    r = portfolio.resources
    m = np.unique(pd.to_datetime(pd.Series(months)).to_numpy(dtype="datetime64[M]"))
    nm = len(m)
    hpd = r["capacity_hours_per_day"].to_numpy(dtype=float)
    cap = _capacity_days(portfolio, m, np.arange(len(r))) * hpd[:, None]
    return pd.DataFrame(
        {
            "resource_id": np.repeat(r["resource_id"].to_numpy(), nm),
            "role": np.repeat(r["role"].to_numpy(dtype=object), nm),
            "month": np.tile(m, len(r)).astype("datetime64[ns]"),
            "capacity_hours": cap.ravel(),
        }
    )


def _priorities(portfolio: Portfolio, priorities: Mapping[str, int] | None) -> pd.Series:
    prio = portfolio.projects.set_index("project_id")["priority"].astype(float)
    for pid, p in (priorities or {}).items():
        if pid not in prio.index:
            raise CapacityError(
                "cannot reprioritise an unknown project", field="priorities", value=pid
            )
        prio[pid] = float(p)
    return prio


def _serve(
    cell: np.ndarray, prio: np.ndarray, p: np.ndarray, hours: np.ndarray, cap: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Order rows by (cell, priority, project) and serve each cell's capacity in that order.

    ``cell`` = resource-month code (rows of one cell compete), ``cap`` = its capacity per row.
    Returns (row order, allocated hours in that order). NaN priority is served last.
    """
    order = np.lexsort((p, np.where(np.isnan(prio), np.inf, prio), cell))
    h = hours[order]
    # hours asked before this row in its cell: a cumulative sum restarted at each cell (pandas'
    # grouped cumsum restarts exactly, no cancellation against a global running total)
    cum = pd.Series(h).groupby(cell[order], sort=False).cumsum().to_numpy()
    alloc = np.clip(cap[order] - (cum - h), 0.0, h)
    return order, alloc


def allocate_by_priority(
    demand: pd.DataFrame, capacity: pd.DataFrame, priority: pd.Series
) -> pd.DataFrame:
    """Serve each resource-month's hours to projects in priority order (1 first).

    Returns ``demand`` with ``priority, allocated_hours, unmet_hours`` added. Ties are served in
    project-id order.
    """
    cap = capacity.set_index(["resource_id", "month"])["capacity_hours"]
    key = pd.MultiIndex.from_arrays([demand["resource_id"], demand["month"]])
    c = cap.reindex(key).fillna(0.0).to_numpy(dtype=float)
    cell = pd.factorize(key, sort=True)[0]
    p = pd.factorize(demand["project_id"], sort=True)[0]
    prio = demand["project_id"].map(priority).to_numpy(dtype=float)
    order, alloc = _serve(cell, prio, p, demand["demand_hours"].to_numpy(dtype=float), c)
    d = demand.iloc[order].assign(priority=prio[order])
    d["allocated_hours"] = alloc
    d["unmet_hours"] = d["demand_hours"].to_numpy(dtype=float) - alloc
    return d.reset_index(drop=True)


def _window(m: np.ndarray, start: Any, end: Any) -> np.ndarray:
    """Months shown (``datetime64[M]``): ``start``..``end``, default the months with demand."""
    if start is None and m.size == 0:
        return np.zeros(0, "datetime64[M]")

    def month(x: Any) -> np.datetime64:
        return np.datetime64(pd.Timestamp(x).to_period("M").to_timestamp(), "M")

    lo = month(start) if start is not None else m.min().astype("datetime64[M]")
    last = m.max().astype("datetime64[M]") if m.size else lo  # no demand: the start month
    hi = month(end) if end is not None else last
    return np.arange(lo, hi + np.timedelta64(1, "M"), dtype="datetime64[M]")


def _join_groups(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """``", "``-join consecutive runs of strings (run ``i`` begins at ``starts[i]``), in C.

    Appends the separator to every item but the last of its run, then concatenates each run
    with ``np.add.reduceat`` on an object array (no Python call per group).
    """
    if values.size == 0:
        return np.zeros(0, dtype=object)
    tokens = values.astype(object)  # a copy: the separators are added in place
    inner = np.ones(values.size, dtype=bool)
    inner[np.r_[starts[1:], values.size] - 1] = False
    tokens[inner] += ", "
    return np.add.reduceat(tokens, starts)


@dataclass(frozen=True, eq=False)
class CapacityModel:
    """Demand, capacity and priority allocation of one what-if, computed once for every view.

    Rows (flat arrays, one per resource x project x month with demand in the window), ordered by
    resource, month, priority (1 first, NaN last) and project: ``r`` (index into
    ``resource_ids``), ``p`` (index into ``project_ids``), ``m`` (index into ``months``),
    ``demand``, ``priority``, ``allocated``, ``unmet``. ``capacity`` is the dense resource x
    month grid of hours (1,000 resources x 36 months is 36k floats), ``cell_demand`` the same
    grid of demand. Build it with :func:`capacity_model`.
    """

    portfolio: Portfolio
    schedule: Schedule | pd.DataFrame | None
    resource_ids: np.ndarray
    resource_names: np.ndarray
    resource_roles: np.ndarray
    project_ids: np.ndarray
    months: np.ndarray
    capacity: np.ndarray
    cell_demand: np.ndarray
    r: np.ndarray
    p: np.ndarray
    m: np.ndarray
    demand: np.ndarray
    priority: np.ndarray
    allocated: np.ndarray
    unmet: np.ndarray
    source: _Source | None = field(default=None, repr=False)

    def what_if(
        self,
        shifts: Mapping[str, float] | None = None,
        priorities: Mapping[str, int] | None = None,
    ) -> CapacityModel:
        """The model of the same portfolio, schedule and window under these what-ifs (instead
        of this model's own): equal to ``capacity_model(portfolio, schedule, shifts=...,
        priorities=..., start=..., end=...)``, but only the projects whose shift differs
        from this model's are counted again (a what-if on one of 1,000 projects counts its
        own assignments, not the portfolio's); the capacity grid is reused."""
        src = self.source
        if src is None:
            raise CapacityError("this model keeps no source to re-use", field="model")
        return capacity_model(
            self.portfolio, self.schedule, shifts=shifts, priorities=priorities,
            start=src.start, end=src.end, source=src,
        )  # fmt: skip

    def allocation(self) -> pd.DataFrame:
        """The flat table: ``resource_id, role, project_id, month, demand_hours, priority,
        allocated_hours, unmet_hours`` (the rows of the model, in its order)."""
        return pd.DataFrame(
            {
                "resource_id": self.resource_ids[self.r],
                "role": self.resource_roles[self.r],
                "project_id": self.project_ids[self.p],
                "month": self.months[self.m].astype("datetime64[ns]"),
                "demand_hours": self.demand,
                "priority": self.priority,
                "allocated_hours": self.allocated,
                "unmet_hours": self.unmet,
            }
        )

    def by_role_month(self) -> pd.DataFrame:
        """Demand vs capacity per role and month: see :func:`capacity_by_role_month`."""
        roles, role_of = np.unique(self.resource_roles.astype(str), return_inverse=True)
        n_ro, n_m = len(roles), len(self.months)
        cell = role_of[self.r] * n_m + self.m
        size = n_ro * n_m

        def total(w: np.ndarray) -> np.ndarray:
            return np.bincount(cell, weights=w, minlength=size)

        cap = np.zeros((n_ro, n_m))
        np.add.at(cap, role_of, self.capacity)
        # distinct projects per role-month: unique (cell, project) pairs, counted per cell
        pairs = np.unique(cell * max(len(self.project_ids), 1) + self.p)
        n_proj = np.bincount(pairs // max(len(self.project_ids), 1), minlength=size)
        d, c = total(self.demand), cap.ravel()
        with np.errstate(divide="ignore", invalid="ignore"):
            load = np.where(c > 0, 100.0 * d / c, np.where(d > 0, np.inf, 0.0))
        return pd.DataFrame(
            {
                "role": np.repeat(roles.astype(object), n_m),
                "month": np.tile(self.months, n_ro).astype("datetime64[ns]"),
                "demand_hours": d,
                "capacity_hours": c,
                "allocated_hours": total(self.allocated),
                "unmet_hours": total(self.unmet),
                "load_pct": load,
                "over_capacity": d > c + _EPS,
                "n_projects": n_proj.astype("int64"),
            }
        )

    def overallocated(self, threshold: float = 1.0) -> pd.DataFrame:
        """Resource-months over ``threshold x`` capacity: see :func:`overallocated_resources`."""
        cols = list(_OVER_COLUMNS)
        n_m = len(self.months)
        over_cell = self.cell_demand > threshold * self.capacity + _EPS
        sel = np.flatnonzero(over_cell[self.r, self.m])
        if sel.size == 0:
            return pd.DataFrame({col: [] for col in cols})
        cell = self.r[sel] * n_m + self.m[sel]  # rows are ordered by cell already
        starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
        cells = cell[starts]
        r, m = cells // n_m, cells % n_m
        pids = self.project_ids[self.p[sel]]
        short = self.unmet[sel] > _EPS
        short_txt = np.full(cells.size, "", dtype=object)
        if short.any():
            sc = cell[short]
            s_starts = np.flatnonzero(np.r_[True, sc[1:] != sc[:-1]])
            short_txt[np.searchsorted(cells, sc[s_starts])] = _join_groups(pids[short], s_starts)
        d, c = self.cell_demand[r, m], self.capacity[r, m]
        with np.errstate(divide="ignore", invalid="ignore"):
            load = np.where(c > 0, 100.0 * d / c, np.inf)
        out = pd.DataFrame(
            {
                "resource_id": self.resource_ids[r],
                "name": self.resource_names[r],
                "role": self.resource_roles[r],
                "month": self.months[m].astype("datetime64[ns]"),
                "demand_hours": d,
                "capacity_hours": c,
                "load_pct": load,
                "over_hours": d - c,
                "n_projects": np.diff(np.r_[starts, sel.size]).astype("int64"),
                "projects": _join_groups(pids, starts),
                "short_projects": short_txt,
            }
        )
        # worst first; keys rounded so that summation noise (1 ulp) does not reorder ties,
        # which then read by resource and month
        worst = np.lexsort((m, r, -np.round(d - c, 6), -np.round(load, 6)))
        return out.iloc[worst].reset_index(drop=True)[cols]

    def shortfall(self) -> pd.DataFrame:
        """Hours asked, served and short per project: see :func:`project_shortfall`."""
        n_p = len(self.project_ids)
        present = np.bincount(self.p, minlength=n_p) > 0
        prio = np.full(n_p, np.nan)
        prio[self.p[::-1]] = self.priority[::-1]  # one priority per project (all rows agree)

        def total(w: np.ndarray) -> np.ndarray:
            return np.bincount(self.p, weights=w, minlength=n_p)[present]

        d, a, u = total(self.demand), total(self.allocated), total(self.unmet)
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = np.where(d > 0, 100.0 * u / d, 0.0)
        out = pd.DataFrame(
            {
                "project_id": self.project_ids[present],
                "priority": prio[present],
                "demand_hours": d,
                "allocated_hours": a,
                "unmet_hours": u,
                "unmet_pct": pct,
            }
        )
        return out.sort_values(["unmet_hours", "priority"], ascending=[False, True]).reset_index(
            drop=True
        )


_OVER_COLUMNS = (
    "resource_id",
    "name",
    "role",
    "month",
    "demand_hours",
    "capacity_hours",
    "load_pct",
    "over_hours",
    "n_projects",
    "projects",
    "short_projects",
)


def capacity_model(
    portfolio: Portfolio,
    schedule: Schedule | pd.DataFrame | None = None,
    *,
    shifts: Mapping[str, float] | None = None,
    priorities: Mapping[str, int] | None = None,
    start: Any = None,
    end: Any = None,
    source: Any = None,
) -> CapacityModel:
    """Compute demand, capacity and the priority allocation once, for every capacity view.

    Parameters are those of :func:`capacity_by_role_month`. Pass the result as ``model=`` to
    :func:`capacity_by_role_month`, :func:`overallocated_resources` and
    :func:`project_shortfall` (or call its methods) instead of recomputing it for each.

    ``source``: the :attr:`CapacityModel.source` of a model of the same portfolio, schedule
    and window (``start``, ``end``), e.g. the model as planned: then only the projects whose
    shift differs from that model's are counted again (a what-if on one project of 1,000
    counts that project's assignments, not the portfolio's) and its capacity grid is reused.
    The result is the same, number for number. ``source`` holds no portfolio (it pickles
    small: a cache can share it between processes); :meth:`CapacityModel.what_if` passes it.
    """
    new = dict(shifts or {})
    if source is None:
        plan = _plan(portfolio, schedule)
        src = _Source(plan, _demand(portfolio, schedule, new, plan), new, start, end, None, None)
    else:
        src = _reuse(portfolio, source, new, start, end)
    return _assemble(portfolio, schedule, src, priorities)


def _reuse(portfolio: Portfolio, src: Any, new: dict[str, float], start: Any, end: Any) -> _Source:
    """``src`` under the shifts ``new``: the projects whose shift changed counted again."""
    plan = src.plan if isinstance(src, _Source) else None
    ok = (
        plan is not None
        and len(plan.pos) == len(portfolio.assignments)
        and len(plan.start) == len(portfolio.tasks)
        and (src.start, src.end) == (start, end)
    )
    if not ok:
        raise CapacityError(
            "source= comes from a model of another portfolio or window",
            field="source",
            expected="the source of a model of this portfolio, schedule, start and end",
        )
    assert plan is not None
    _check_shifts(plan.proj_ids, new)
    changed = {k for k in set(src.shifts) | set(new) if src.shifts.get(k, 0) != new.get(k, 0)}
    dem = src.demand
    if changed:
        moved = np.flatnonzero(np.isin(plan.proj_ids, sorted(changed)))
        dem = _redo(portfolio, dem, plan, new, moved)
    return replace(src, demand=dem, shifts=new)


@dataclass(frozen=True, eq=False)
class _Source:
    """What a model was computed from, kept so that another what-if recomputes only what it
    changes: the plan, the whole demand (every month) under ``shifts``, the window asked and
    the capacity grid of the months shown."""

    plan: _Plan
    demand: _Demand
    shifts: dict[str, float]
    start: Any
    end: Any
    months: np.ndarray | None
    capacity: np.ndarray | None


def _assemble(
    portfolio: Portfolio,
    schedule: Schedule | pd.DataFrame | None,
    source: _Source,
    priorities: Mapping[str, int] | None,
) -> CapacityModel:
    """The model of ``source``'s demand: the window, the capacity grid (``source``'s when its
    months are the same), the priority allocation."""
    dem = source.demand
    prio_of = _priorities(portfolio, priorities)
    months = _window(dem.m, source.start, source.end)
    m_lo = months[0].astype(np.int64) if months.size else 0
    inside = (dem.m >= m_lo) & (dem.m < m_lo + months.size)
    r, p, mi, h = dem.r[inside], dem.p[inside], dem.m[inside] - m_lo, dem.hours[inside]
    res = portfolio.resources
    if (
        source.capacity is not None
        and source.months is not None
        and np.array_equal(source.months, months)
    ):
        cap = source.capacity
    else:
        hpd = res["capacity_hours_per_day"].to_numpy(dtype=float)[dem.res_pos]
        cap = _capacity_days(portfolio, months, dem.res_pos) * hpd[:, None]
    n_m = len(months)
    cell = r * n_m + mi
    prio = pd.Series(dem.proj_ids).map(prio_of).to_numpy(dtype=float)[p]
    order, alloc = _serve(cell, prio, p, h, cap.ravel()[cell] if cell.size else np.zeros(0))
    cell_demand = np.bincount(cell, weights=h, minlength=cap.size).reshape(cap.shape)
    return CapacityModel(
        portfolio=portfolio,
        schedule=schedule,
        resource_ids=dem.res_ids,
        resource_names=res["name"].to_numpy(dtype=object)[dem.res_pos].astype(str),
        resource_roles=res["role"].to_numpy(dtype=object)[dem.res_pos].astype(str),
        project_ids=dem.proj_ids,
        months=months,
        capacity=cap,
        cell_demand=cell_demand,
        r=r[order],
        p=p[order],
        m=mi[order],
        demand=h[order],
        priority=prio[order],
        allocated=alloc,
        unmet=h[order] - alloc,
        source=replace(source, months=months, capacity=cap),
    )


def _model(
    portfolio: Portfolio,
    schedule: Schedule | pd.DataFrame | None,
    model: CapacityModel | None,
    **what_if: Any,
) -> CapacityModel:
    """The given model (checked to belong to these arguments) or a fresh one."""
    if model is None:
        return capacity_model(portfolio, schedule, **what_if)
    clash = [k for k, v in what_if.items() if v is not None]
    if clash or model.portfolio is not portfolio or schedule not in (None, model.schedule):
        raise CapacityError(
            "model= was built for other arguments; pass the what-ifs to capacity_model()",
            field=clash[0] if clash else "model",
            expected="the portfolio and schedule the model was built from, no what-ifs",
        )
    return model


def capacity_by_role_month(
    portfolio: Portfolio,
    schedule: Schedule | pd.DataFrame | None = None,
    *,
    shifts: Mapping[str, float] | None = None,
    priorities: Mapping[str, int] | None = None,
    start: Any = None,
    end: Any = None,
    model: CapacityModel | None = None,
) -> pd.DataFrame:
    """Demand vs capacity hours per role and month, across all projects (the heat map's data).

    Parameters
    ----------
    portfolio, schedule
        See :func:`resource_demand`.
    shifts : mapping project_id -> working days, optional
        What-if: move projects.
    priorities : mapping project_id -> int, optional
        What-if: override priorities (1 = first served) for ``unmet_hours``.
    start, end : date-like, optional
        Month range shown (default: the months with demand).
    model : CapacityModel, optional
        A :func:`capacity_model` of the same portfolio and schedule (then no what-ifs here):
        reuses its demand instead of computing it again.

    Returns
    -------
    DataFrame
        ``role, month, demand_hours, capacity_hours, allocated_hours, unmet_hours, load_pct``
        (demand / capacity x 100; ``inf`` when demand meets no capacity), ``over_capacity``
        (bool) and ``n_projects`` asking that role that month; every role x month present.
    """
    what_if = {"shifts": shifts, "priorities": priorities, "start": start, "end": end}
    return _model(portfolio, schedule, model, **what_if).by_role_month()


def overallocated_resources(
    portfolio: Portfolio,
    schedule: Schedule | pd.DataFrame | None = None,
    *,
    shifts: Mapping[str, float] | None = None,
    priorities: Mapping[str, int] | None = None,
    start: Any = None,
    end: Any = None,
    threshold: float = 1.0,
    model: CapacityModel | None = None,
) -> pd.DataFrame:
    """Resource-months asked for more than ``threshold x`` capacity, with the competing projects.

    ``model``: see :func:`capacity_by_role_month`.

    Returns
    -------
    DataFrame
        ``resource_id, name, role, month, demand_hours, capacity_hours, load_pct, over_hours,
        n_projects, projects`` (ids in priority order, comma-separated) and ``short_projects``
        (those left with unmet hours under the priorities); worst load first, then most hours
        over, then by resource and month.
    """
    what_if = {"shifts": shifts, "priorities": priorities, "start": start, "end": end}
    return _model(portfolio, schedule, model, **what_if).overallocated(threshold)


def project_shortfall(
    portfolio: Portfolio,
    schedule: Schedule | pd.DataFrame | None = None,
    *,
    shifts: Mapping[str, float] | None = None,
    priorities: Mapping[str, int] | None = None,
    start: Any = None,
    end: Any = None,
    model: CapacityModel | None = None,
) -> pd.DataFrame:
    """Per project: hours asked, hours served under the priorities, and the shortfall.

    Returns ``project_id, priority, demand_hours, allocated_hours, unmet_hours, unmet_pct``,
    largest shortfall first: how a priority change moves the pain between projects. ``model``:
    see :func:`capacity_by_role_month`.
    """
    what_if = {"shifts": shifts, "priorities": priorities, "start": start, "end": end}
    return _model(portfolio, schedule, model, **what_if).shortfall()
