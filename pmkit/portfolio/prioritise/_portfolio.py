"""From a portfolio to a selection problem, and from a solved selection back to dates (CPM).

Candidates are the projects not closed. A project has *started* when it is in execution or
closing; started projects cannot move and are forced in unless ``keep_running=False``. A project
not started (initiation, planning) may be delayed by whole months within ``window_months``: its
remaining work (from the status month on) moves as one block.

Demand comes from the one capacity model (:func:`pmkit.portfolio.capacity.resource_demand` on
the CPM schedule): hours per role per month, counted from the status month. A not-started
project's hours are counted from its first month of work; if that month is already past, its
earliest start is the status month. Money per month is the project's budget spread like its
hours (the money still to spend in the horizon is its ``cost``). Capacity is
:func:`pmkit.portfolio.capacity.resource_capacity` summed by role.

The month shifts are then applied to ``projects.start`` and the portfolio is scheduled again by
the CPM engine (:func:`sequenced_dates`), so the finish dates shown come from the same engine as
the Gantt (cross-project links included).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from pmkit.errors import UnknownPrioritiseProjectError
from pmkit.model import Portfolio
from pmkit.portfolio.capacity import resource_capacity, resource_demand
from pmkit.portfolio.prioritise._ahp import PrioritiseError
from pmkit.portfolio.prioritise._scores import Drivers, drivers_of, priority_values
from pmkit.portfolio.prioritise._select import Selection, SelectionProblem
from pmkit.schedule.cpm import Schedule
from pmkit.schedule.portfolio_adapter import (
    downstream_projects,
    schedule_portfolio,
    schedule_subnetwork,
)

__all__ = ["portfolio_rules", "selection_problem", "sequenced_dates", "started_projects"]

_FILE = "standards.yaml"
_RUNNING = ("execution", "closing")
_MONTH_MIN = 21 * 480.0  # working minutes in a month of 21 eight-hour days (link float)


def started_projects(portfolio: Portfolio) -> set[str]:
    """Projects under way: phase execution or closing (their dates are commitments)."""
    pr = portfolio.projects
    return set(pr.loc[pr["phase"].isin(_RUNNING), "project_id"].astype(str))


def _status_month(portfolio: Portfolio, status_date: Any) -> pd.Timestamp:
    sd = status_date if status_date is not None else portfolio.status_date
    sd = pd.Timestamp.today() if sd is None else pd.Timestamp(sd)
    return sd.to_period("M").to_timestamp()


def portfolio_rules(
    portfolio: Portfolio,
) -> tuple[dict[str, Any], tuple[tuple[str, str], ...], tuple[tuple[str, ...], ...]]:
    """``(budget spec, requires pairs (b, a), exclusive groups)`` from ``standards.yaml``."""
    spec = (getattr(portfolio, "standards", {}) or {}).get("prioritisation") or {}
    known = set(portfolio.projects["project_id"].astype(str))
    requires: list[tuple[str, str]] = []
    exclusive: list[tuple[str, ...]] = []
    for k, rule in enumerate(spec.get("rules") or []):
        key = f"prioritisation.rules[{k}]"
        if isinstance(rule, Mapping) and "requires" in rule and "project" in rule:
            pair = (str(rule["project"]), str(rule["requires"]))
            requires.append(pair)
            named = list(pair)
        elif isinstance(rule, Mapping) and isinstance(rule.get("exclusive"), list):
            group = tuple(str(x) for x in rule["exclusive"])
            exclusive.append(group)
            named = list(group)
        else:
            raise PrioritiseError(
                "unknown rule",
                file=_FILE,
                field=key,
                value=rule,
                expected="{project: P08, requires: P12} or {exclusive: [P03, P06]}",
            )
        for pid in named:
            if pid not in known:
                raise UnknownPrioritiseProjectError("project", pid, file=_FILE, field=key)
    budget = spec.get("budget") or {}
    if not isinstance(budget, Mapping):
        raise PrioritiseError(
            "expected {total: ..., by_year: {2027: ...}}",
            file=_FILE,
            field="prioritisation.budget",
            value=budget,
        )
    return dict(budget), tuple(requires), tuple(exclusive)


def _profiles(
    portfolio: Portfolio,
    schedule: Schedule | pd.DataFrame | None,
    ids: list[str],
    months: pd.DatetimeIndex,
    roles: list[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(demand (n, R, L), cost profile (n, L), earliest start index) per project, vectorised."""
    d = resource_demand(portfolio, schedule)
    d = d[d["project_id"].isin(ids)]
    n, n_r, n_l = len(ids), len(roles), len(months)
    m0 = np.datetime64(months[0].to_period("M").to_timestamp(), "M")
    t = (d["month"].to_numpy().astype("datetime64[M]") - m0).astype(np.int64)
    i = pd.Index(ids).get_indexer(d["project_id"])
    r = pd.Index(roles).get_indexer(d["role"].astype(str))
    h = d["demand_hours"].to_numpy(dtype=float)
    started = np.isin(np.array(ids, dtype=object), list(started_projects(portfolio)))
    first = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first, i, t)
    # movable projects: the remaining work, from its first month not before the status month
    start = np.where(started | (first == np.iinfo(np.int64).max), 0, np.maximum(first, 0))
    ll = t - start[i]
    keep = (ll >= 0) & (ll < n_l) & (r >= 0)
    demand = np.zeros((n, n_r, n_l))
    np.add.at(demand, (i[keep], r[keep], ll[keep]), h[keep])
    total = np.bincount(i, weights=h, minlength=n)
    budget = (
        portfolio.projects.set_index(portfolio.projects["project_id"].astype(str))["budget"]
        .reindex(ids)
        .fillna(0.0)
        .to_numpy(dtype=float)
    )
    rate = np.divide(budget, total, out=np.zeros(n), where=total > 0)
    cost = np.zeros((n, n_l))
    np.add.at(cost, (i[keep], ll[keep]), h[keep] * rate[i[keep]])
    return demand, cost, start.astype(int)


def selection_problem(
    portfolio: Portfolio,
    *,
    drivers: Drivers | None = None,
    schedule: Schedule | pd.DataFrame | None = None,
    status_date: Any = None,
    horizon_months: int = 24,
    window_months: int = 6,
    budget: float | str | None = "standards",
    budget_by_year: Mapping[int, float] | str | None = "standards",
    level: float = 1.0,
    forced_in: Iterable[str] | None = None,
    forced_out: Iterable[str] = (),
    keep_running: bool = True,
    use_links: bool = True,
) -> SelectionProblem:
    """The PMO's selection/sequencing problem for a portfolio (see the module docstring).

    ``budget="standards"`` (default) reads ``prioritisation.budget.total`` /
    ``by_year`` from ``standards.yaml``; ``None`` drops the constraint. ``forced_in`` adds to
    the running projects kept when ``keep_running`` is true.
    """
    drivers = drivers or drivers_of(portfolio)
    if drivers is None:
        raise PrioritiseError(
            "no business drivers defined", file=_FILE, field="prioritisation.drivers"
        )
    spec, requires, exclusive = portfolio_rules(portfolio)
    pr = portfolio.projects
    ids = pr.loc[pr["phase"] != "closed", "project_id"].astype(str).tolist()
    m0 = _status_month(portfolio, status_date)
    months = pd.date_range(m0, periods=int(horizon_months), freq="MS")
    cap = resource_capacity(portfolio, months)
    roles = sorted(cap["role"].astype(str).unique())
    cap_rt = (
        cap.pivot_table(index="role", columns="month", values="capacity_hours", aggfunc="sum")
        .reindex(index=roles, columns=months)
        .fillna(0.0)
        .to_numpy()
    )
    sched = schedule if schedule is not None else schedule_portfolio(portfolio)
    demand, cost_prof, start = _profiles(portfolio, sched, ids, months, roles)
    started = started_projects(portfolio)
    shift = np.array([0 if p in started else int(window_months) for p in ids])
    scores = priority_values(portfolio, drivers)
    running = {p for p in ids if p in started} if keep_running else set()
    links = _links(portfolio, sched, ids) if use_links else ()
    total = spec.get("total") if isinstance(budget, str) else budget
    by_year = spec.get("by_year") if isinstance(budget_by_year, str) else budget_by_year
    return SelectionProblem(
        ids=np.array(ids, dtype=object),
        value=scores.reindex(ids).fillna(0.0).to_numpy(dtype=float),
        cost=cost_prof.sum(axis=1),
        demand=demand,
        cost_profile=cost_prof,
        start=start,
        max_shift=shift,
        months=months.to_numpy().astype("datetime64[M]"),
        roles=np.array(roles, dtype=object),
        capacity=cap_rt,
        budget=None if total is None else float(total),
        budget_by_year={int(k): float(v) for k, v in (by_year or {}).items()},
        forced_in=frozenset(running | {str(x) for x in (forced_in or ())}),
        forced_out=frozenset(str(x) for x in forced_out),
        requires=tuple((b, a) for b, a in requires if b in ids and a in ids),
        exclusive=tuple(tuple(x for x in g if x in ids) for g in exclusive),
        links=links,
        running=frozenset(p for p in ids if p in started),
        level=float(level),
        names=pr.set_index(pr["project_id"].astype(str))["name"].reindex(ids).to_numpy(),
    )


def _links(
    portfolio: Portfolio, sched: Schedule | pd.DataFrame | None, ids: list[str]
) -> tuple[tuple[Any, ...], ...]:
    """(pred project, succ project, float in whole months) of the schedule's cross links."""
    lk = getattr(sched, "links", None)
    proj = pd.Series(
        portfolio.tasks["project_id"].astype(str).to_numpy(), index=portfolio.tasks["task_id"]
    )
    if lk is None or lk.empty:
        return ()
    a, b = lk["pred_uid"].map(proj), lk["succ_uid"].map(proj)
    fl = pd.to_numeric(lk.get("link_float_min", 0.0), errors="coerce").fillna(0.0)
    df = pd.DataFrame({"a": a, "b": b, "k": (fl.clip(lower=0) // _MONTH_MIN).astype(int)})
    df = df[(df["a"] != df["b"]) & df["a"].isin(ids) & df["b"].isin(ids)]
    df = df.groupby(["a", "b"], as_index=False)["k"].min()
    return tuple((str(x), str(y), int(k)) for x, y, k in df.to_numpy().tolist())


def sequenced_dates(
    portfolio: Portfolio,
    sel: Selection,
    *,
    status_date: Any = None,
    schedule: Schedule | pd.DataFrame | None = None,
    reschedule: bool = True,
) -> pd.DataFrame:
    """New start and finish of each chosen project, scheduled again by the CPM engine.

    Only the projects a shift can move are scheduled again: the shifted ones and every
    project their tasks reach through cross-project links, with their predecessors in other
    projects pinned at their dates in the unshifted plan (which the shifts cannot change).
    Every other project keeps its planned finish: the same dates as scheduling the whole
    shifted portfolio again, for a fraction of the work.

    Returns
    -------
    DataFrame
        ``project_id, name, chosen, shift_months, planned_start, new_start, planned_finish,
        new_finish, finish_moved_days`` (calendar days). Cut projects keep their planned dates
        with ``chosen False``. ``schedule``: the unshifted portfolio schedule, if already built.
        ``reschedule=False`` skips the CPM run: ``new_finish`` is then NaT (not known yet).
    """
    p = sel.problem
    before = schedule if schedule is not None else schedule_portfolio(portfolio)
    pr = portfolio.projects.copy()
    starts = pd.to_datetime(pr["start"])
    ch = sel.chosen.set_index("project_id")
    new = _new_starts(pr, ch, _status_day(portfolio, p, status_date))
    pr["start"] = new
    fin_b = _finishes(before)
    if reschedule:
        moved = set(pr.loc[(new != starts).to_numpy(), "project_id"].astype(str))
        fin_a = _finishes_after(portfolio, pr, moved, before, fin_b)
    else:
        fin_a = pd.Series(pd.NaT, index=fin_b.index, dtype="datetime64[ns]")
    pid = pr["project_id"].astype(str)
    out = pd.DataFrame(
        {
            "project_id": pid,
            "name": pr["name"],
            "chosen": pid.map(ch["chosen"]).fillna(False).astype(bool),
            "shift_months": pid.map(ch["shift_months"]).fillna(0),
            "planned_start": starts,
            "new_start": new,
            "planned_finish": pr["project_id"].map(fin_b),
            "new_finish": pd.to_datetime(pr["project_id"].map(fin_a)),
        }
    )
    out["finish_moved_days"] = (out["new_finish"] - out["planned_finish"]).dt.days
    keep = pid.isin(set(map(str, p.ids)))
    return out[keep.to_numpy()].reset_index(drop=True)


def _status_day(portfolio: Portfolio, p: SelectionProblem, status_date: Any) -> pd.Timestamp:
    m0 = pd.Timestamp(np.asarray(p.months, dtype="datetime64[M]")[0])
    return pd.Timestamp(status_date if status_date is not None else (portfolio.status_date or m0))


def _new_starts(pr: pd.DataFrame, ch: pd.DataFrame, sd: pd.Timestamp) -> pd.Series:
    """Each project's start with its chosen shift: the work not yet started waits ``s``
    months from its earliest start (its start, or the status date if that is later)."""
    starts = pd.to_datetime(pr["start"])
    pid = pr["project_id"].astype(str)
    chosen = pid.map(ch["chosen"]).fillna(False).astype(bool).to_numpy()
    shift = pid.map(ch["shift_months"]).fillna(0).astype(int).to_numpy()
    earliest = starts.where(starts >= sd, sd)
    new = starts.copy()
    for s in np.unique(shift[chosen & (shift > 0)]):
        on = chosen & (shift == s)
        new[on] = earliest[on] + pd.DateOffset(months=int(s))
    return new


def _finishes_after(
    portfolio: Portfolio,
    pr: pd.DataFrame,
    moved: set[str],
    before: Schedule,
    fin_b: pd.Series,
) -> pd.Series:
    """Finish per project once the ``moved`` projects start at ``pr``'s dates: the moved
    projects and their downstream closure scheduled again (a sub-network, outside
    predecessors pinned at ``before``'s dates), every other project as planned."""
    if not moved:  # no start moved: the schedule is the one already computed
        return fin_b
    changed = dataclasses.replace(portfolio, projects=pr)
    sub = schedule_subnetwork(changed, set(downstream_projects(portfolio, moved)), before)
    return _finishes(sub).combine_first(fin_b)


def _finishes(sched: Schedule) -> pd.Series:
    t = sched.tasks
    leaf = t[~t["is_summary"].astype(bool)]
    return pd.to_datetime(leaf.groupby("project_id")["finish"].max())
