"""Schedule the portfolio tables (docs/DATA-MODEL.md) with the CPM engine.

Durations and lags are working days of the task's calendar; they become working minutes via
the calendar's ``hours_per_day``. ``task_id`` is the uid.

Cross-project links. :func:`schedule_portfolio` schedules every project in one network, so a
link between projects is an ordinary link. :func:`schedule_project` schedules one project: a
predecessor in another project becomes a pinned external task at the dates ``external`` (a
portfolio :class:`Schedule`) gives it, or, without ``external``, the link is ignored and the
successor is flagged in the ``external_preds_ignored`` column (and in ``Schedule.notes``), so
a dashboard can say the single-project dates do not account for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from pmkit.calendar import Calendar
from pmkit.errors import ScheduleError, UnknownIdError
from pmkit.schedule.cpm import Schedule, schedule_network

__all__ = ["schedule_portfolio", "schedule_project"]


def _calendar_getter(portfolio: Any) -> Any:
    cache: dict[str, Calendar] = {}

    def get(cid: Any) -> Calendar:
        key = str(cid)
        if key not in cache:
            cal = portfolio.calendar(key)
            rows = portfolio.calendars[portfolio.calendars["calendar_id"] == key]
            if len(rows) and "hours_per_day" in rows.columns:
                hpd = rows.iloc[0]["hours_per_day"]
                if pd.notna(hpd) and float(hpd) > 0:
                    cal.minutes_per_day_hint = float(hpd) * 60.0
            cache[key] = cal
        return cache[key]

    return get


def _parents(tasks: pd.DataFrame) -> list[Any]:
    """Parent task_id from the dotted wbs within each project."""
    key = dict(
        zip(
            zip(tasks["project_id"], tasks["wbs"].astype(str), strict=True),
            tasks["task_id"],
            strict=True,
        )
    )
    out = []
    for pid, wbs in zip(tasks["project_id"], tasks["wbs"].astype(str), strict=True):
        head = wbs.rsplit(".", 1)[0] if "." in wbs else None
        out.append(key.get((pid, head)) if head else None)
    return out


def _actual_dates(
    tasks: pd.DataFrame,
    col: str,
    cal_id: pd.Series,
    cals: Mapping[str, Calendar],
    *,
    finish: bool | np.ndarray,
) -> np.ndarray:
    """Actual dates as instants. A date without a time of day names a whole working day:
    an actual start is the start of that day's work, an actual finish its end (a task that
    finished on the status date worked all of it, so its successor starts the next day).
    ``finish`` may be per row (milestones take both actual dates at the day's end)."""
    out = pd.to_datetime(tasks[col], errors="coerce") if col in tasks.columns else None
    if out is None:
        return np.full(len(tasks), np.datetime64("NaT"), dtype="datetime64[ns]")
    vals = out.to_numpy(dtype="datetime64[ns]").copy()
    day_only = out.notna() & (out == out.dt.normalize())
    fin = np.broadcast_to(np.asarray(finish, dtype=bool), (len(tasks),))
    for cid in pd.unique(cal_id[day_only]):
        for as_finish in (False, True):
            sel = (day_only & (cal_id == cid)).to_numpy() & (fin == as_finish)
            if not sel.any():
                continue
            cal = cals[str(cid)]
            day = vals[sel].astype("datetime64[D]")
            if as_finish:
                # working minutes done by the day's end, shown where that work ends
                w = cal.to_working_minutes(day + np.timedelta64(1, "D"))
                vals[sel] = cal.from_working_minutes(w, as_finish=True)
            else:
                vals[sel] = cal.next_working_start(day)
    return vals


def _network(
    portfolio: Any, tasks: pd.DataFrame, get_cal: Any
) -> tuple[pd.DataFrame, Calendar, dict[str, Calendar]]:
    """Portfolio task rows -> engine task table (minutes), main calendar, calendar map."""
    projects = portfolio.projects.set_index("project_id")
    proj_cal = tasks["project_id"].map(projects["calendar_id"])
    task_cal = tasks["calendar_id"] if "calendar_id" in tasks.columns else proj_cal
    cal_id = task_cal.where(task_cal.notna() & (task_cal.astype(str) != ""), proj_cal)
    if cal_id.isna().any():
        bad = tasks.loc[cal_id.isna(), "task_id"].iloc[0]
        raise ScheduleError(
            "task has no calendar (neither its own nor its project's)",
            field="calendar_id",
            value=bad,
        )
    main_id = str(cal_id.mode().iloc[0]) if len(cal_id) else str(projects["calendar_id"].iloc[0])
    cals = {str(c): get_cal(c) for c in pd.unique(cal_id)}
    mpd = cal_id.astype(str).map({k: v.minutes_per_day for k, v in cals.items()})
    ctype = tasks.get("constraint_type", pd.Series("ASAP", index=tasks.index)).fillna("ASAP")
    cdate = tasks.get("constraint_date", pd.Series(pd.NaT, index=tasks.index))
    # each project's tasks may not start before that project's start
    pstart = tasks["project_id"].map(projects["start"])
    asap = ctype.isin(["ASAP", "ALAP"])
    zero = (tasks["duration_days"].fillna(0).astype(float) <= 0).to_numpy()
    eng = pd.DataFrame(
        {
            "uid": tasks["task_id"].to_numpy(),
            "name": tasks["name"].to_numpy(),
            "duration_min": (tasks["duration_days"].fillna(0).astype(float) * mpd).to_numpy(),
            "is_summary": tasks["is_summary"].fillna(False).astype(bool).to_numpy(),
            "is_milestone": tasks["is_milestone"].fillna(False).astype(bool).to_numpy(),
            "parent_uid": _parents(tasks),
            "constraint_type": np.where(asap & (ctype == "ASAP"), "SNET", ctype),
            "constraint_date": np.where(asap & (ctype == "ASAP"), pstart, cdate),
            "calendar_id": cal_id.astype(str).to_numpy(),
            "percent_complete": tasks.get("percent_complete", 0.0),
            "actual_start": _actual_dates(tasks, "actual_start", cal_id, cals, finish=zero),
            "actual_finish": _actual_dates(tasks, "actual_finish", cal_id, cals, finish=True),
            "project_id": tasks["project_id"].to_numpy(),
        }
    )
    eng["constraint_date"] = pd.to_datetime(eng["constraint_date"])
    return eng, cals[main_id], cals


def _links(
    portfolio: Any, tasks: pd.DataFrame, cals: Mapping[str, Calendar], cal_of: Mapping[Any, str]
) -> pd.DataFrame:
    lk = portfolio.links
    mpd = lk["succ_id"].map(lambda t: cals[cal_of[t]].minutes_per_day if t in cal_of else 480.0)
    return pd.DataFrame(
        {
            "pred_uid": lk["pred_id"].to_numpy(),
            "succ_uid": lk["succ_id"].to_numpy(),
            "type": lk["type"].fillna("FS").to_numpy(),
            "lag_min": (lk["lag_days"].fillna(0).astype(float) * mpd).to_numpy(),
        }
    )


def _apply_overrides(
    tasks: pd.DataFrame, overrides: Mapping[str, Mapping[str, Any]] | None
) -> pd.DataFrame:
    if not overrides:
        return tasks
    tasks = tasks.copy()
    idx = pd.Index(tasks["task_id"])
    for tid, cols in overrides.items():
        pos = idx.get_indexer([tid])[0]
        if pos < 0:
            raise ScheduleError("override for an unknown task", field="task_id", value=tid)
        for col, val in cols.items():
            if col not in tasks.columns:
                raise ScheduleError("override of an unknown column", field=col, value=val)
            tasks.loc[tasks.index[pos], col] = val
    return tasks


def schedule_portfolio(
    portfolio: Any,
    *,
    cross_project: bool = True,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Schedule:
    """All projects in one network; ``cross_project=False`` drops links between projects.
    Each project's tasks start no earlier than its ``start``."""
    get_cal = _calendar_getter(portfolio)
    tasks = _apply_overrides(portfolio.tasks, overrides)
    eng, main, cals = _network(portfolio, tasks, get_cal)
    cal_of = dict(zip(eng["uid"], eng["calendar_id"], strict=True))
    links = _links(portfolio, tasks, cals, cal_of)
    if not cross_project:
        proj = dict(zip(tasks["task_id"], tasks["project_id"], strict=True))
        same = links["pred_uid"].map(proj) == links["succ_uid"].map(proj)
        links = links[same]
    start = pd.to_datetime(portfolio.projects["start"]).min()
    sched = schedule_network(eng, links, calendar=main, project_start=start, calendars=cals)
    sched.tasks["project_id"] = eng["project_id"].to_numpy()
    return sched


def schedule_project(
    portfolio: Any,
    project_id: str,
    *,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    external: Schedule | None = None,
) -> Schedule:
    """One project. Predecessors in other projects: pinned at their dates in ``external``
    (e.g. ``schedule_portfolio(p)``), else ignored and flagged (see module doc)."""
    projects = portfolio.projects
    if project_id not in set(projects["project_id"]):
        raise UnknownIdError("project", project_id)
    get_cal = _calendar_getter(portfolio)
    all_tasks = _apply_overrides(portfolio.tasks, overrides)
    tasks = all_tasks[all_tasks["project_id"] == project_id]
    eng, main, cals = _network(portfolio, tasks, get_cal)
    cal_of = dict(zip(eng["uid"], eng["calendar_id"], strict=True))
    links = _links(portfolio, tasks, cals, cal_of)
    mine = set(tasks["task_id"])
    into = links["succ_uid"].isin(mine)
    internal = into & links["pred_uid"].isin(mine)
    ext = links[into & ~links["pred_uid"].isin(mine)]
    links = links[internal]
    notes: list[str] = []
    ignored: dict[Any, list[Any]] = {}
    if len(ext):
        if external is not None:
            et = external.tasks.set_index("uid")
            ghosts = []
            for pred in pd.unique(ext["pred_uid"]):
                if pred not in et.index:
                    raise ScheduleError(
                        "external predecessor missing from the portfolio schedule",
                        field="pred_id",
                        value=pred,
                    )
                r = et.loc[pred]
                ghosts.append(
                    {
                        "uid": pred,
                        "name": r["name"],
                        "manual": True,
                        "manual_start": r["early_start"],
                        "manual_finish": r["early_finish"],
                        "duration_min": float(r.get("duration_min", 0.0) or 0.0),
                    }
                )
            eng = pd.concat([eng, pd.DataFrame(ghosts)], ignore_index=True)
            links = pd.concat([links, ext], ignore_index=True)
            notes.append("predecessors in other projects pinned at their portfolio dates")
        else:
            for rec in ext.to_dict("records"):
                ignored.setdefault(rec["succ_uid"], []).append(rec["pred_uid"])
            notes.append(f"{len(ext)} cross-project link(s) ignored (flagged per task)")
    start = pd.Timestamp(projects.set_index("project_id").loc[project_id, "start"])
    sched = schedule_network(eng, links, calendar=main, project_start=start, calendars=cals)
    t = sched.tasks
    t = t[t["uid"].isin(mine)].reset_index(drop=True)
    t["project_id"] = project_id
    t["external_preds_ignored"] = [ignored.get(u, []) for u in t["uid"]]
    sched.tasks = t
    sched.links = sched.links[sched.links["succ_uid"].isin(mine)].reset_index(drop=True)
    sched.notes.extend(notes)
    leaf = t[~t["is_summary"]]
    if len(leaf):
        sched.finish = pd.Timestamp(leaf["early_finish"].max())
    return sched
