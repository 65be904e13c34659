"""What-if scheduling: change durations, lags or links of a project and see what moves.

Every scenario re-schedules the project with the same CPM engine as the Gantt
(:func:`pmkit.schedule.portfolio_adapter.schedule_project`) on a modified copy of the portfolio
tables (the portfolio itself is never changed), then compares task by task.

Units: durations and lags are **working days** (as in the CSV); ``*_moved_days`` and
``finish_delta_days`` are working days of the project calendar (positive = later);
``finish_delta_calendar_days`` counts calendar days.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pmkit.errors import UnknownIdError, WhatIfError
from pmkit.evm import evm_series
from pmkit.schedule.portfolio_adapter import reschedule_project, schedule_project
from pmkit.vocabulary import LINK_TYPES

if TYPE_CHECKING:  # pragma: no cover
    from pmkit.model import Portfolio
    from pmkit.schedule.cpm import Schedule

__all__ = [
    "WhatIfError",
    "WhatIfResult",
    "apply_changes",
    "preview_change_request",
    "what_if",
    "what_if_result",
    "what_if_schedule",
]

LinkKey = tuple[str, str]


@dataclass
class WhatIfResult:
    """Before/after schedules of a scenario and what changed.

    Attributes
    ----------
    before, after : Schedule
        The project's schedule without and with the changes.
    delta : DataFrame
        One row per task: ``task_id, name, is_summary, is_milestone, old_start, new_start,
        old_finish, new_finish, start_moved_days, finish_moved_days`` (working days, + = later),
        ``critical_before, critical_after, moved`` (bool), ``critical_change``
        (``"joined"``, ``"left"`` or ``""``), sorted by new start.
    finish_before, finish_after : Timestamp
    finish_delta_days : float
        Working days the project finish moves (+ = later).
    finish_delta_calendar_days : float
    critical_added, critical_removed : list of str
        Leaf tasks that joined / left the critical path.
    changes : DataFrame
        What the scenario applied: ``change, target, old, new``.
    cost : dict
        Cost effect (change-request previews): ``cost_impact, budget_before, budget_after,
        eac_before, eac_after`` (money); empty for a pure schedule scenario.
    """

    before: Schedule
    after: Schedule
    delta: pd.DataFrame
    finish_before: pd.Timestamp
    finish_after: pd.Timestamp
    finish_delta_days: float
    finish_delta_calendar_days: float
    critical_added: list[str]
    critical_removed: list[str]
    changes: pd.DataFrame
    cost: dict[str, Any] = field(default_factory=dict)

    @property
    def moved(self) -> pd.DataFrame:
        """Only the rows of ``delta`` whose start or finish moved."""
        return self.delta[self.delta["moved"]].reset_index(drop=True)

    def summary(self) -> dict[str, Any]:
        """Headline numbers for a dashboard card."""
        out = {
            "finish_before": self.finish_before,
            "finish_after": self.finish_after,
            "finish_delta_days": self.finish_delta_days,
            "finish_delta_calendar_days": self.finish_delta_calendar_days,
            "tasks_moved": int(self.delta["moved"].sum()),
            "critical_added": list(self.critical_added),
            "critical_removed": list(self.critical_removed),
        }
        out.update(self.cost)
        return out


def _link_key(x: Any) -> LinkKey:
    if isinstance(x, Mapping):
        return str(x["pred_id"]), str(x["succ_id"])
    return str(x[0]), str(x[1])


@dataclass
class _Scenario:
    """The copied tables of a what-if, the project's tasks it may touch, and the log."""

    project_id: str
    tasks: pd.DataFrame
    links: pd.DataFrame
    own: set[str]  # the project's task ids
    leaf: set[str]  # its leaf task ids
    log: list[dict[str, Any]] = field(default_factory=list)

    def check_task(self, tid: str, what: str) -> None:
        """``tid`` must be a leaf task of the project."""
        if tid not in self.own:
            raise WhatIfError(
                f"{what}: task is not in project {self.project_id}", field="task_id", value=tid
            )
        if tid not in self.leaf:
            raise WhatIfError(
                f"{what}: summary tasks take no links or durations", field="task_id", value=tid
            )

    def find(self, key: LinkKey) -> int:
        """Row number of the link ``pred_id -> succ_id``."""
        links = self.links
        hit = np.flatnonzero(
            (links["pred_id"] == key[0]).to_numpy() & (links["succ_id"] == key[1]).to_numpy()
        )
        if hit.size == 0:
            raise WhatIfError("no such link", field="link", value=f"{key[0]} -> {key[1]}")
        return int(hit[0])


def apply_changes(
    portfolio: Portfolio,
    project_id: str,
    *,
    duration_changes: Mapping[str, float] | None = None,
    lag_changes: Mapping[LinkKey, float] | None = None,
    add_links: Iterable[Any] = (),
    remove_links: Iterable[Any] = (),
) -> tuple[Portfolio, pd.DataFrame]:
    """A copy of the portfolio with the scenario applied, and the list of changes.

    Parameters
    ----------
    portfolio : Portfolio
    project_id : str
        Every task named must belong to this project.
    duration_changes : mapping
        ``task_id -> new duration (working days, >= 0)``. Summary tasks and milestones cannot
        take a duration.
    lag_changes : mapping
        ``(pred_id, succ_id) -> new lag (working days, may be negative)`` of an existing link.
    add_links : iterable
        ``(pred_id, succ_id)``, ``(pred_id, succ_id, type)``, ``(pred_id, succ_id, type, lag)``
        or dicts with ``pred_id, succ_id[, type, lag_days]``.
    remove_links : iterable
        ``(pred_id, succ_id)`` pairs (or dicts) of existing links.

    Returns
    -------
    (Portfolio, DataFrame)
        The modified copy and ``change, target, old, new`` rows.
    """
    if project_id not in set(portfolio.projects["project_id"]):
        raise UnknownIdError("project", project_id)
    tasks = portfolio.tasks.copy()
    mine = tasks["project_id"] == project_id
    sc = _Scenario(
        project_id=project_id,
        tasks=tasks,
        links=portfolio.links.copy(),
        own=set(tasks.loc[mine, "task_id"]),
        leaf=set(tasks.loc[mine & ~tasks["is_summary"], "task_id"]),
    )
    _change_durations(sc, duration_changes or {})
    _change_lags(sc, lag_changes or {})
    _remove_links(sc, remove_links)
    _add_links(sc, add_links)
    links = sc.links.reset_index(drop=True)
    changes = _change_log(sc.log)
    return dataclasses.replace(portfolio, tasks=sc.tasks, links=links), changes


def _change_log(log: list[dict[str, Any]]) -> pd.DataFrame:
    """The ``change, target, old, new`` rows (old and new as Python objects)."""
    if not log:
        empty = pd.DataFrame(log, columns=["change", "target", "old", "new"])
        return empty.astype({"old": object, "new": object})
    return pd.DataFrame(
        {
            "change": [r["change"] for r in log],
            "target": [r["target"] for r in log],
            "old": pd.Series([r["old"] for r in log]).astype(object),
            "new": pd.Series([r["new"] for r in log]).astype(object),
        }
    )


def _change_durations(sc: _Scenario, duration_changes: Mapping[str, float]) -> None:
    """New durations (working days >= 0); a milestone given work is no longer one."""
    tasks = sc.tasks
    ids = pd.Index(tasks["task_id"])
    for tid, days in duration_changes.items():
        sc.check_task(tid, "duration change")
        d = float(days)
        if not np.isfinite(d) or d < 0:
            raise WhatIfError(
                "a duration must be a number of working days >= 0",
                field="duration_days",
                value=days,
            )
        pos = ids.get_loc(tid)
        old = float(tasks.at[pos, "duration_days"])
        if bool(tasks.at[pos, "is_milestone"]) and d > 0:
            tasks.at[pos, "is_milestone"] = False
        tasks.at[pos, "duration_days"] = d
        sc.log.append({"change": "duration", "target": tid, "old": old, "new": d})


def _change_lags(sc: _Scenario, lag_changes: Mapping[LinkKey, float]) -> None:
    """New lags (working days, any sign) of existing links between the project's tasks."""
    for raw, lag in lag_changes.items():
        key = _link_key(raw)
        sc.check_task(key[0], "lag change")
        sc.check_task(key[1], "lag change")
        i = sc.find(key)
        new = float(lag)
        if not np.isfinite(new):
            raise WhatIfError("a lag must be a number of working days", field="lag_days", value=lag)
        sc.log.append(
            {
                "change": "lag",
                "target": f"{key[0]} -> {key[1]}",
                "old": float(sc.links.iloc[i]["lag_days"]),
                "new": new,
            }
        )
        sc.links.iloc[i, sc.links.columns.get_loc("lag_days")] = new


def _remove_links(sc: _Scenario, remove_links: Iterable[Any]) -> None:
    """Drop existing links that touch the project."""
    drop: list[int] = []
    for raw in remove_links:
        key = _link_key(raw)
        i = sc.find(key)
        if key[0] not in sc.own and key[1] not in sc.own:
            raise WhatIfError(
                f"link is not in project {sc.project_id}",
                field="link",
                value=f"{key[0]} -> {key[1]}",
            )
        drop.append(i)
        sc.log.append(
            {
                "change": "remove link",
                "target": f"{key[0]} -> {key[1]}",
                "old": str(sc.links.iloc[i]["type"]),
                "new": "",
            }
        )
    sc.links = sc.links.drop(index=sc.links.index[drop])


def _new_link(raw: Any) -> dict[str, Any]:
    """A link to add as a links.csv record (type upper-case, FS and lag 0 by default)."""
    if isinstance(raw, Mapping):
        return {
            "pred_id": str(raw["pred_id"]),
            "succ_id": str(raw["succ_id"]),
            "type": str(raw.get("type", "FS")).upper(),
            "lag_days": float(raw.get("lag_days", 0.0)),
        }
    seq = list(raw)
    if len(seq) < 2:
        raise WhatIfError("a new link needs at least pred_id and succ_id", field="link", value=raw)
    return {
        "pred_id": str(seq[0]),
        "succ_id": str(seq[1]),
        "type": str(seq[2]).upper() if len(seq) > 2 else "FS",
        "lag_days": float(seq[3]) if len(seq) > 3 else 0.0,
    }


def _check_new_link(sc: _Scenario, rec: Mapping[str, Any]) -> None:
    """A new link joins two leaf tasks of the project, by a known type, and is new."""
    sc.check_task(str(rec["pred_id"]), "new link")
    sc.check_task(str(rec["succ_id"]), "new link")
    if rec["pred_id"] == rec["succ_id"]:
        raise WhatIfError("a task cannot be linked to itself", field="link", value=rec["pred_id"])
    if rec["type"] not in LINK_TYPES:
        raise WhatIfError(
            "unknown link type", field="type", value=rec["type"], expected="FS, SS, FF or SF"
        )
    links = sc.links
    dup = ((links["pred_id"] == rec["pred_id"]) & (links["succ_id"] == rec["succ_id"])).any()
    if dup:
        raise WhatIfError(
            "the link already exists (change its lag instead)",
            field="link",
            value=f"{rec['pred_id']} -> {rec['succ_id']}",
        )


def _add_links(sc: _Scenario, add_links: Iterable[Any]) -> None:
    """Append new links (checked one by one against the links before the additions)."""
    new_rows = []
    for raw in add_links:
        rec = _new_link(raw)
        _check_new_link(sc, rec)
        new_rows.append(rec)
        sc.log.append(
            {
                "change": "add link",
                "target": f"{rec['pred_id']} -> {rec['succ_id']}",
                "old": "",
                "new": f"{rec['type']} {rec['lag_days']:+g}d",
            }
        )
    if new_rows:
        links = sc.links
        add = pd.DataFrame(new_rows).astype(
            {
                "pred_id": links["pred_id"].dtype,
                "succ_id": links["succ_id"].dtype,
                "type": links["type"].dtype,
            }
        )
        sc.links = pd.concat(
            [links, add[links.columns.intersection(add.columns)]], ignore_index=True
        )


def compare_schedules(
    before: Schedule, after: Schedule, *, minutes_per_day: float
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Task-by-task delta of two schedules of the same project (see :class:`WhatIfResult`)."""
    d = _paired(before.tasks, after.tasks)
    old_s, new_s = pd.to_datetime(d["start_old"]), pd.to_datetime(d["start_new"])
    old_f, new_f = pd.to_datetime(d["finish_old"]), pd.to_datetime(d["finish_new"])
    out = pd.DataFrame(
        {
            "task_id": d["uid"],
            "name": d["name"],
            "is_summary": d["is_summary"].fillna(False).astype(bool),
            "old_start": old_s,
            "new_start": new_s,
            "old_finish": old_f,
            "new_finish": new_f,
        }
    )
    w_os, w_ns, w_of, w_nf = _working_minutes(after.calendar, [old_s, new_s, old_f, new_f])
    out["start_moved_days"] = (w_ns - w_os) / minutes_per_day
    out["finish_moved_days"] = (w_nf - w_of) / minutes_per_day
    out["critical_before"] = d["critical_old"].fillna(False).astype(bool)
    out["critical_after"] = d["critical_new"].fillna(False).astype(bool)
    out["moved"] = (out["old_start"] != out["new_start"]) | (out["old_finish"] != out["new_finish"])
    joined = out["critical_after"] & ~out["critical_before"]
    left = out["critical_before"] & ~out["critical_after"]
    out["critical_change"] = np.select([joined, left], ["joined", "left"], "")
    leaf = ~out["is_summary"]
    added = out.loc[joined & leaf, "task_id"].tolist()
    removed = out.loc[left & leaf, "task_id"].tolist()
    out = out.sort_values(["new_start", "task_id"], kind="stable").reset_index(drop=True)
    return out, added, removed


def _paired(b_tasks: pd.DataFrame, a_tasks: pd.DataFrame) -> pd.DataFrame:
    """Each task's row before and after, by uid: ``uid, name, start_old, finish_old,
    critical_old, is_summary, start_new, finish_new, critical_new`` (an outer join; rows in
    any order: the delta is sorted after)."""
    cols = ["uid", "name", "start", "finish", "critical", "is_summary"]
    b = b_tasks[[c for c in cols if c in b_tasks.columns]]
    a = a_tasks[["uid", "start", "finish", "critical"]]
    b_ids, a_ids = pd.Index(b["uid"]), pd.Index(a["uid"])
    if not (b_ids.is_unique and a_ids.is_unique and len(b_ids) == len(a_ids)):
        return b.merge(a, on="uid", suffixes=("_old", "_new"), how="outer")
    at = a_ids.get_indexer(b_ids)  # the same tasks (the usual what-if): no join needed
    if (at < 0).any():
        return b.merge(a, on="uid", suffixes=("_old", "_new"), how="outer")
    d = b.rename(columns={c: f"{c}_old" for c in ("start", "finish", "critical")})
    d = d.reset_index(drop=True)
    for c in ("start", "finish", "critical"):
        d[f"{c}_new"] = a[c].to_numpy()[at]
    return d


def _working_minutes(cal: Any, columns: list[pd.Series]) -> list[np.ndarray]:
    """Working minutes of each date column on ``cal`` (missing dates: NaN), in one call."""
    n = len(columns[0])
    out = np.full(n * len(columns), np.nan)
    dates = np.concatenate([c.to_numpy(dtype="datetime64[ns]") for c in columns])
    ok = ~np.isnat(dates)
    if ok.any():
        out[ok] = cal.to_working_minutes(dates[ok])
    return [out[i * n : (i + 1) * n] for i in range(len(columns))]


def what_if_result(before: Schedule, after: Schedule, changes: pd.DataFrame) -> WhatIfResult:
    """The comparison :func:`what_if` returns, of the schedules without and with a scenario
    (``changes``: what it applied, as :func:`what_if_schedule` says)."""
    mpd = before.calendar.minutes_per_day
    delta, added, removed = compare_schedules(before, after, minutes_per_day=mpd)
    fb, fa = pd.Timestamp(before.finish), pd.Timestamp(after.finish)
    wb, wa = before.calendar.to_working_minutes([fb, fa])
    return WhatIfResult(
        before=before,
        after=after,
        delta=delta,
        finish_before=fb,
        finish_after=fa,
        finish_delta_days=float(wa - wb) / mpd,
        finish_delta_calendar_days=float((fa - fb) / pd.Timedelta(days=1)),
        critical_added=added,
        critical_removed=removed,
        changes=changes,
    )


def what_if(
    portfolio: Portfolio,
    project_id: str,
    *,
    duration_changes: Mapping[str, float] | None = None,
    lag_changes: Mapping[LinkKey, float] | None = None,
    add_links: Iterable[Any] = (),
    remove_links: Iterable[Any] = (),
    before: Schedule | None = None,
) -> WhatIfResult:
    """Re-schedule a project with changed durations, lags or links and compare.

    Parameters
    ----------
    portfolio : Portfolio
    project_id : str
    duration_changes, lag_changes, add_links, remove_links
        The scenario, in working days (see :func:`apply_changes`).
    before : Schedule, optional
        The current schedule, if already computed (saves one CPM run per widget change).

    Returns
    -------
    WhatIfResult

    Examples
    --------
    >>> from pmkit import load_sample
    >>> r = what_if(load_sample(), "P01", duration_changes={"P01-T0017": 20})
    >>> r.finish_delta_days
    6.0
    >>> r.moved[["task_id", "finish_moved_days"]].head(2)
         task_id  finish_moved_days
    0  P01-T0010                6.0
    1  P01-T0011                6.0
    """
    after, log = what_if_schedule(
        portfolio,
        project_id,
        duration_changes=duration_changes,
        lag_changes=lag_changes,
        add_links=add_links,
        remove_links=remove_links,
    )
    if before is None:
        before = schedule_project(portfolio, project_id)
    return what_if_result(before, after, log)


def what_if_schedule(
    portfolio: Portfolio,
    project_id: str,
    *,
    duration_changes: Mapping[str, float] | None = None,
    lag_changes: Mapping[LinkKey, float] | None = None,
    add_links: Iterable[Any] = (),
    remove_links: Iterable[Any] = (),
) -> tuple[Schedule, pd.DataFrame]:
    """:func:`what_if`'s first step: the project's schedule with the scenario applied and
    the ``change, target, old, new`` rows (a page draws the new schedule before comparing;
    :func:`what_if_result` compares)."""
    changed, log = apply_changes(
        portfolio,
        project_id,
        duration_changes=duration_changes,
        lag_changes=lag_changes,
        add_links=add_links,
        remove_links=remove_links,
    )
    # only what the change can move: the project and its downstream projects
    return reschedule_project(portfolio, changed, project_id), log


def preview_change_request(
    portfolio: Portfolio, cr_id: str, *, before: Schedule | None = None
) -> WhatIfResult:
    """What a change request would do if approved: schedule and cost deltas.

    The request's ``schedule_impact_days`` is added to its ``task_id``'s duration (not below
    0); without a task only the cost moves. The cost effect is in ``result.cost``:
    ``cost_impact`` (money, negative = saving), ``budget_before/after`` (BAC),
    ``eac_before/after`` (the latest CPI-based EAC from the status reports, plus the impact;
    ``NaN`` without reports), ``decision`` (the request's current decision).

    Parameters
    ----------
    portfolio : Portfolio
    cr_id : str
        A change request id (any decision; a decided one is previewed as if it were pending).
    before : Schedule, optional
        The current schedule of the request's project, if already computed.

    Returns
    -------
    WhatIfResult
    """
    crs = portfolio.changes
    hit = crs[crs["cr_id"] == cr_id]
    if hit.empty:
        raise WhatIfError("unknown change request", field="cr_id", value=cr_id)
    cr = hit.iloc[0]
    pid = str(cr["project_id"])
    tid = str(cr["task_id"]) if pd.notna(cr["task_id"]) else ""
    impact = float(cr["schedule_impact_days"]) if pd.notna(cr["schedule_impact_days"]) else 0.0
    durations: dict[str, float] = {}
    if tid and impact:
        row = portfolio.tasks[portfolio.tasks["task_id"] == tid]
        if row.empty:
            raise WhatIfError("change request names an unknown task", field="task_id", value=tid)
        durations[tid] = max(float(row.iloc[0]["duration_days"]) + impact, 0.0)
    res = what_if(portfolio, pid, duration_changes=durations, before=before)

    cost = float(cr["cost_impact"]) if pd.notna(cr["cost_impact"]) else 0.0
    budget = float(portfolio.projects.set_index("project_id").loc[pid, "budget"])
    series = evm_series(portfolio, pid)
    status = portfolio.status_date
    if status is not None and len(series):
        series = series[series["report_date"] <= status]
    eac = float(series["eac"].iloc[-1]) if len(series) else float("nan")
    res.cost = {
        "cr_id": cr_id,
        "project_id": pid,
        "decision": str(cr["decision"]),
        "cost_impact": cost,
        "budget_before": budget,
        "budget_after": budget + cost,
        "eac_before": eac,
        "eac_after": eac + cost,
    }
    if not durations:
        res.changes = pd.DataFrame(
            [{"change": "cost only", "target": tid or pid, "old": "", "new": ""}]
        )
    return res
