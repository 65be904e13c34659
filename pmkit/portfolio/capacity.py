"""Shared capacity: demand vs capacity by role x month across every project, and what-ifs.

Demand of one assignment = ``units x resource capacity_hours_per_day x task duration_days``
(``units`` 1.0 = the resource's full working day on the task), spread over the months the task
spans in proportion to the working days of its calendar in each month. Capacity of a resource in a
month = ``capacity_hours_per_day x`` working days of the resource's calendar in that month.
Everything is computed on flat arrays (one row per assignment x month touched), so 100k tasks
cost well under a second.

What-ifs
--------
``shifts={project_id: n}`` moves a project's tasks by ``n`` working days (negative = earlier)
before demand is counted: the heat map shows where the hours would land. ``priorities=
{project_id: p}`` overrides ``projects.priority`` (1 = first served): on every over-loaded
resource-month the hours go to projects in priority order and the rest is ``unmet_hours``; totals
of demand and capacity do not change, who goes short does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from pmkit.errors import PmkitError
from pmkit.portfolio._util import calendar_specs, schedule_tasks, task_calendar_ids

__all__ = [
    "CapacityError",
    "allocate_by_priority",
    "capacity_by_role_month",
    "overallocated_resources",
    "project_shortfall",
    "resource_capacity",
    "resource_demand",
]

_NO_HOLIDAYS = np.array([], dtype="datetime64[D]")


class CapacityError(PmkitError):
    """A what-if or schedule that the capacity view cannot use."""


def _task_dates(portfolio: Any, schedule: Any) -> pd.DataFrame:
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
    out["start"] = pd.to_datetime(start).to_numpy(dtype="datetime64[D]")
    out["finish"] = pd.to_datetime(finish).to_numpy(dtype="datetime64[D]")
    return out


def _shift(dates: pd.DataFrame, shifts: Mapping[str, float] | None, specs: dict) -> None:
    """Move the tasks of shifted projects by whole working days of their calendar, in place."""
    if not shifts:
        return
    known = set(dates["project_id"].unique())
    for pid, days in shifts.items():
        if pid not in known:
            raise CapacityError("cannot shift an unknown project", field="shifts", value=pid)
        if not float(days).is_integer():
            raise CapacityError(
                "shift whole working days",
                field=f"shifts[{pid}]",
                value=days,
                expected="an integer number of working days",
            )
    n = dates["project_id"].map({k: int(v) for k, v in shifts.items()}).fillna(0).to_numpy(int)
    cal = dates["calendar_id"].to_numpy(dtype=object)
    for col in ("start", "finish"):
        values = dates[col].to_numpy(dtype="datetime64[D]").copy()
        sel_all = (n != 0) & ~np.isnat(values)
        for cid in pd.unique(cal[sel_all]):
            mask, hols, _ = specs.get(str(cid), ("1111100", _NO_HOLIDAYS, 8.0))
            sel = sel_all & (cal == cid)
            values[sel] = np.busday_offset(
                values[sel], n[sel], roll="forward", weekmask=mask, holidays=hols
            )
        dates[col] = values


def _month_split(
    start: np.ndarray, finish: np.ndarray, cal: np.ndarray, specs: dict
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows x months touched: (row index, month, share of the row's working days in the month)."""
    b = start.astype("datetime64[D]")
    e = finish.astype("datetime64[D]") + np.timedelta64(1, "D")  # inclusive finish day
    m0 = b.astype("datetime64[M]")
    m1 = (e - np.timedelta64(1, "D")).astype("datetime64[M]")
    n = np.maximum((m1 - m0).astype(np.int64) + 1, 1)
    rep = np.repeat(np.arange(len(b)), n)
    offs = np.arange(rep.size) - np.repeat(np.cumsum(n) - n, n)
    month = m0[rep] + offs.astype("timedelta64[M]")
    seg_b = np.maximum(b[rep], month.astype("datetime64[D]"))
    seg_e = np.minimum(e[rep], (month + np.timedelta64(1, "M")).astype("datetime64[D]"))
    days = np.zeros(rep.size)
    cal_rep = cal[rep]
    for cid in pd.unique(cal_rep):
        mask, hols, _ = specs.get(str(cid), ("1111100", _NO_HOLIDAYS, 8.0))
        sel = cal_rep == cid
        days[sel] = np.busday_count(seg_b[sel], seg_e[sel], weekmask=mask, holidays=hols)
    total = np.bincount(rep, weights=days, minlength=len(b))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total[rep] > 0, days / total[rep], (offs == 0).astype(float))
    return rep, month, share


def resource_demand(
    portfolio: Any,
    schedule: Any = None,
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
        ``resource_id, role, project_id, month, demand_hours`` (month = first day, Timestamp).
    """
    specs = calendar_specs(portfolio)
    dates = _task_dates(portfolio, schedule)
    _shift(dates, shifts, specs)
    a = portfolio.assignments
    res = portfolio.resources.set_index("resource_id")
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
    d = dates.iloc[pos].reset_index(drop=True)
    hpd = a["resource_id"].map(res["capacity_hours_per_day"]).to_numpy(dtype=float)
    hours = a["units"].to_numpy(dtype=float) * hpd * d["duration_days"].to_numpy()
    ok = (hours > 0) & ~np.isnat(d["start"].to_numpy()) & ~np.isnat(d["finish"].to_numpy())
    ok &= d["finish"].to_numpy() >= d["start"].to_numpy()
    idx = np.flatnonzero(ok)
    rep, month, share = _month_split(
        d["start"].to_numpy()[idx],
        d["finish"].to_numpy()[idx],
        d["calendar_id"].to_numpy(dtype=object)[idx],
        specs,
    )
    rows = idx[rep]
    rid = a["resource_id"].to_numpy()[rows]
    long = pd.DataFrame(
        {
            "resource_id": rid,
            "project_id": d["project_id"].to_numpy()[rows],
            "month": month.astype("datetime64[ns]"),
            "demand_hours": hours[rows] * share,
        }
    )
    out = long.groupby(["resource_id", "project_id", "month"], sort=True, as_index=False)[
        "demand_hours"
    ].sum()
    out.insert(1, "role", out["resource_id"].map(res["role"]).astype("str"))
    return out


def resource_capacity(portfolio: Any, months: Any) -> pd.DataFrame:
    """Hours each resource can give in each month: ``resource_id, role, month, capacity_hours``."""
    specs = calendar_specs(portfolio)
    r = portfolio.resources
    m = np.unique(pd.to_datetime(pd.Series(months)).to_numpy(dtype="datetime64[M]"))
    nr, nm = len(r), len(m)
    rid = np.repeat(r["resource_id"].to_numpy(), nm)
    mon = np.tile(m, nr)
    cal = np.repeat(r["calendar_id"].to_numpy(dtype=object), nm)
    days = np.zeros(nr * nm)
    for cid in pd.unique(cal):
        mask, hols, _ = specs.get(str(cid), ("1111100", _NO_HOLIDAYS, 8.0))
        sel = cal == cid
        days[sel] = np.busday_count(
            mon[sel].astype("datetime64[D]"),
            (mon[sel] + np.timedelta64(1, "M")).astype("datetime64[D]"),
            weekmask=mask,
            holidays=hols,
        )
    return pd.DataFrame(
        {
            "resource_id": rid,
            "role": np.repeat(r["role"].to_numpy(dtype=object), nm),
            "month": mon.astype("datetime64[ns]"),
            "capacity_hours": days * np.repeat(r["capacity_hours_per_day"].to_numpy(float), nm),
        }
    )


def _priorities(portfolio: Any, priorities: Mapping[str, int] | None) -> pd.Series:
    prio = portfolio.projects.set_index("project_id")["priority"].astype(float)
    for pid, p in (priorities or {}).items():
        if pid not in prio.index:
            raise CapacityError(
                "cannot reprioritise an unknown project", field="priorities", value=pid
            )
        prio[pid] = float(p)
    return prio


def allocate_by_priority(
    demand: pd.DataFrame, capacity: pd.DataFrame, priority: pd.Series
) -> pd.DataFrame:
    """Serve each resource-month's hours to projects in priority order (1 first).

    Returns ``demand`` with ``priority, allocated_hours, unmet_hours`` added. Ties are served in
    project-id order.
    """
    cap = capacity.set_index(["resource_id", "month"])["capacity_hours"]
    d = demand.assign(priority=demand["project_id"].map(priority).to_numpy(dtype=float))
    d = d.sort_values(["resource_id", "month", "priority", "project_id"], kind="stable")
    key = pd.MultiIndex.from_arrays([d["resource_id"], d["month"]])
    c = cap.reindex(key).fillna(0.0).to_numpy()
    h = d["demand_hours"].to_numpy(dtype=float)
    before = d.groupby(["resource_id", "month"], sort=False)["demand_hours"].cumsum().to_numpy() - h
    alloc = np.clip(c - before, 0.0, h)
    d["allocated_hours"] = alloc
    d["unmet_hours"] = h - alloc
    return d.reset_index(drop=True)


def _months_of(demand: pd.DataFrame, start: Any, end: Any) -> pd.DatetimeIndex:
    if start is None and demand.empty:
        return pd.DatetimeIndex([])
    lo = pd.Timestamp(start) if start is not None else demand["month"].min()
    hi = pd.Timestamp(end) if end is not None else demand["month"].max()
    return pd.date_range(
        lo.to_period("M").to_timestamp(), hi.to_period("M").to_timestamp(), freq="MS"
    )


def _plan(
    portfolio: Any, schedule: Any, shifts: Any, priorities: Any, start: Any, end: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    demand = resource_demand(portfolio, schedule, shifts=shifts)
    months = _months_of(demand, start, end)
    demand = demand[demand["month"].isin(months)]
    capacity = resource_capacity(portfolio, months)
    alloc = allocate_by_priority(demand, capacity, _priorities(portfolio, priorities))
    return alloc, capacity


def capacity_by_role_month(
    portfolio: Any,
    schedule: Any = None,
    *,
    shifts: Mapping[str, float] | None = None,
    priorities: Mapping[str, int] | None = None,
    start: Any = None,
    end: Any = None,
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

    Returns
    -------
    DataFrame
        ``role, month, demand_hours, capacity_hours, allocated_hours, unmet_hours, load_pct``
        (demand / capacity x 100; ``inf`` when demand meets no capacity), ``over_capacity``
        (bool) and ``n_projects`` asking that role that month; every role x month present.
    """
    alloc, capacity = _plan(portfolio, schedule, shifts, priorities, start, end)
    dem = alloc.groupby(["role", "month"]).agg(
        demand_hours=("demand_hours", "sum"),
        allocated_hours=("allocated_hours", "sum"),
        unmet_hours=("unmet_hours", "sum"),
        n_projects=("project_id", "nunique"),
    )
    cap = capacity.groupby(["role", "month"])["capacity_hours"].sum()
    out = pd.concat([dem, cap], axis=1).fillna(0.0).reset_index()
    out["n_projects"] = out["n_projects"].astype("int64")
    d, c = out["demand_hours"].to_numpy(), out["capacity_hours"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["load_pct"] = np.where(c > 0, 100.0 * d / c, np.where(d > 0, np.inf, 0.0))
    out["over_capacity"] = d > c + 1e-9
    cols = [
        "role",
        "month",
        "demand_hours",
        "capacity_hours",
        "allocated_hours",
        "unmet_hours",
        "load_pct",
        "over_capacity",
        "n_projects",
    ]
    return out[cols].sort_values(["role", "month"]).reset_index(drop=True)


def overallocated_resources(
    portfolio: Any,
    schedule: Any = None,
    *,
    shifts: Mapping[str, float] | None = None,
    priorities: Mapping[str, int] | None = None,
    start: Any = None,
    end: Any = None,
    threshold: float = 1.0,
) -> pd.DataFrame:
    """Resource-months asked for more than ``threshold x`` capacity, with the competing projects.

    Returns
    -------
    DataFrame
        ``resource_id, name, role, month, demand_hours, capacity_hours, load_pct, over_hours,
        n_projects, projects`` (ids in priority order, comma-separated) and ``short_projects``
        (those left with unmet hours under the priorities), worst load first.
    """
    alloc, capacity = _plan(portfolio, schedule, shifts, priorities, start, end)
    cols = [
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
    ]
    cap = capacity.set_index(["resource_id", "month"])["capacity_hours"]
    key = ["resource_id", "month"]
    # flag over-loaded resource-months on the flat table, then aggregate only those rows
    demand = alloc.groupby(key, sort=False)["demand_hours"].transform("sum").to_numpy()
    c = cap.reindex(pd.MultiIndex.from_frame(alloc[key])).fillna(0.0).to_numpy()
    sub = alloc[demand > threshold * c + 1e-9].assign(
        capacity_hours=c[demand > threshold * c + 1e-9],
        short=lambda d: np.where(d["unmet_hours"] > 1e-9, d["project_id"], None),
    )
    if sub.empty:
        return pd.DataFrame({col: [] for col in cols})
    out = (
        sub.groupby(key, sort=False)
        .agg(
            demand_hours=("demand_hours", "sum"),
            capacity_hours=("capacity_hours", "first"),
            n_projects=("project_id", "size"),
            projects=("project_id", ", ".join),
            short_projects=("short", lambda s: ", ".join(s.dropna())),
        )
        .reset_index()
    )
    res = portfolio.resources.set_index("resource_id")
    out.insert(1, "name", out["resource_id"].map(res["name"]).astype("str"))
    out.insert(2, "role", out["resource_id"].map(res["role"]).astype("str"))
    d, c2 = out["demand_hours"].to_numpy(), out["capacity_hours"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["load_pct"] = np.where(c2 > 0, 100.0 * d / c2, np.inf)
    out["over_hours"] = d - c2
    return out[cols].sort_values(["load_pct", "over_hours"], ascending=False).reset_index(drop=True)


def project_shortfall(
    portfolio: Any,
    schedule: Any = None,
    *,
    shifts: Mapping[str, float] | None = None,
    priorities: Mapping[str, int] | None = None,
    start: Any = None,
    end: Any = None,
) -> pd.DataFrame:
    """Per project: hours asked, hours served under the priorities, and the shortfall.

    Returns ``project_id, priority, demand_hours, allocated_hours, unmet_hours, unmet_pct``,
    largest shortfall first: how a priority change moves the pain between projects.
    """
    alloc, _ = _plan(portfolio, schedule, shifts, priorities, start, end)
    out = alloc.groupby("project_id", as_index=False).agg(
        priority=("priority", "first"),
        demand_hours=("demand_hours", "sum"),
        allocated_hours=("allocated_hours", "sum"),
        unmet_hours=("unmet_hours", "sum"),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["unmet_pct"] = np.where(
            out["demand_hours"] > 0, 100.0 * out["unmet_hours"] / out["demand_hours"], 0.0
        )
    return out.sort_values(["unmet_hours", "priority"], ascending=[False, True]).reset_index(
        drop=True
    )
