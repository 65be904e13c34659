"""Schedule a Microsoft Project (MSPDI) file: the adapter from :class:`MspdiProject` to
:func:`pmkit.schedule.cpm.schedule_network` (splits, resource calendars, work in progress).

The dependency is one-way, schedule -> io: the io package never imports this module's
package at import time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pmkit.calendar import Calendar, shared_calendar
from pmkit.errors import CalendarError, ScheduleError
from pmkit.io.mspdi import MspdiProject, parse_duration
from pmkit.schedule.cpm import Schedule, schedule_network

__all__ = ["resource_driven_uids", "schedule_mspdi"]


def schedule_mspdi(project: MspdiProject, **kwargs: Any) -> Schedule:
    """Recompute an MSPDI project from its inputs (durations, links, calendars,
    constraints, manual dates, actuals); Project's stored results are not used."""
    t = project.tasks
    if not len(t):  # no <Task> at all (the importer says the same)
        raise ScheduleError(
            "the schedule has no task", file=project.path, field="Tasks", expected="a <Task>"
        )
    t = t[t["uid"] != 0]
    t = t[t["active"]] if "active" in t.columns and len(t) else t
    crit_limit = float(project.props.get("CriticalSlackLimit") or 0) * project.minutes_per_day
    cals = dict(project.calendars)  # plus the shared calendars of resource legs
    if len(t):
        t = t.copy()
        t["parent_uid"] = t["parent_uid"].where(t["parent_uid"] != 0, None)
        known = set(t["uid"])
        lk = project.links[
            project.links["pred_uid"].isin(known) & project.links["succ_uid"].isin(known)
        ]
        unknown = project.links[~project.links["pred_uid"].isin(set(project.tasks["uid"]))]
        if len(unknown) and not unknown["cross_project"].any():
            r = unknown.iloc[0]
            raise ScheduleError(
                f"task {r['succ_uid']} has an unknown predecessor",
                file=project.path,
                field="PredecessorLink/PredecessorUID",
                value=int(r["pred_uid"]),
            )
        gaps = _split_gaps(project, t)
        if gaps is not None:
            t["duration_min"] = t["duration_min"].astype(float) + gaps
        legs = _resource_legs(project, t, cals)
        if legs is not None:
            t["legs"] = legs
        _in_progress_spans(project, t, cals)
    else:
        lk = project.links
    return schedule_network(
        t,
        lk,
        calendar=project.calendar,
        project_start=project.project_start,
        calendars=cals,
        critical_slack_min=crit_limit,
        **kwargs,
    )


def resource_driven_uids(project: MspdiProject) -> set[Any]:
    """UIDs of the active tasks whose dates run on their resources' calendars (another
    calendar than the task's, not ignored): :func:`schedule_mspdi` schedules their
    assignments there, so the task's ``Duration`` on its own calendar does not say its span."""
    t = project.tasks
    if not len(t):
        return set()
    t = t[t["uid"] != 0]
    t = t[t["active"]] if "active" in t.columns else t
    legs = _resource_legs(project, t, dict(project.calendars))
    if legs is None:
        return set()
    return {u for u, lg in zip(t["uid"], legs, strict=True) if lg}


def _zero_work_stretches(project: MspdiProject) -> dict[tuple[str, str], pd.DataFrame]:
    """Per (assignment, task): the zero-work rows between its first and last work in the
    remaining-work timephased data, i.e. where Project split the assignment."""
    tp = project.timephased
    if tp is None or not len(tp):
        return {}
    tp = tp[(tp["type"] == 1) & tp["start"].notna() & tp["finish"].notna()]
    out: dict[tuple[str, str], pd.DataFrame] = {}
    for (a_uid, t_uid), g in tp.groupby(["assignment_uid", "task_uid"], sort=False):
        g = g.sort_values("start")
        work = g["work_min"].to_numpy(dtype=float)  # NaN: no value written
        has = np.flatnonzero(work > 0)
        if has.size < 2:
            continue
        mid = g.iloc[has[0] + 1 : has[-1]]
        zero = mid[mid["work_min"].notna() & (mid["work_min"] <= 0)]
        if len(zero):
            out[(str(a_uid), str(t_uid))] = zero
    return out


def _split_gaps(project: MspdiProject, tasks: pd.DataFrame) -> np.ndarray | None:
    """Working minutes a split task is interrupted: zero-work stretches of working time
    between its first and last work in the assignments' remaining-work timephased data.
    A split moves the finish out by its gaps, so Project's span = duration + gaps.
    None when no task is split."""
    stretches = _zero_work_stretches(project)
    if not stretches:
        return None
    cals = project.calendars
    cal_of = {
        str(u): cals.get(str(c), project.calendar) if c is not None and not pd.isna(c) else None
        for u, c in zip(tasks["uid"], tasks["calendar_id"], strict=True)
    }
    gap_of: dict[str, float] = {}
    for (_a_uid, t_uid), zero in stretches.items():
        if t_uid not in cal_of:
            continue
        cal = cal_of[t_uid] or project.calendar
        gap = float(cal.working_minutes_between(zero["start"], zero["finish"]).sum())
        gap_of[t_uid] = max(gap_of.get(t_uid, 0.0), gap)
    if not gap_of:
        return None
    return np.array([gap_of.get(str(u), 0.0) for u in tasks["uid"]], dtype=float)


def _in_progress_spans(
    project: MspdiProject, tasks: pd.DataFrame, cals: dict[str, Calendar]
) -> None:
    """A started, unfinished task finishes its remaining duration after its Resume date,
    not merely its full duration after its actual start: pauses in the actual work
    (contoured actuals) push the finish, and Project schedules only what is left.
    Rewrites ``duration_min`` (and a single resource leg) in place as the span from the
    actual start: working time up to Resume + remaining duration + remaining splits, on
    the calendar the work runs on.

    The span is never shorter than the full duration (:func:`_ahead_at_status` aside): a
    task ahead of schedule finishes at ActualStart + Duration, as Project does by default,
    unless the file says its completed parts end at the status date."""
    need = ("actual_start", "actual_finish", "resume", "remaining_duration_min")
    if not len(tasks) or not all(c in tasks.columns for c in need):
        return
    todo = (
        tasks["actual_start"].notna()
        & tasks["actual_finish"].isna()
        & tasks["resume"].notna()
        & tasks["remaining_duration_min"].notna()
        & ~tasks["manual"].astype(bool)
    )
    todo &= tasks["resume"] >= tasks["actual_start"]
    if not todo.any():
        return
    stretches = _zero_work_stretches(project)
    cont = Calendar.continuous()
    has_legs = "legs" in tasks.columns
    ahead_ok = _ahead_at_status(project, tasks)
    for idx in tasks.index[todo]:
        row = tasks.loc[idx]
        lg = row["legs"] if has_legs else None
        leg_cal: str | None = None
        if isinstance(lg, list) and lg:
            if len(lg) > 1:
                continue  # several calendars: keep the full-duration approximation
            leg_cal = str(lg[0][0])
        cid = row["calendar_id"]
        if leg_cal is not None:
            cal = cals.get(leg_cal, project.calendar)
        elif bool(row["elapsed"]):
            cal = cont
        elif cid is not None and not pd.isna(cid) and str(cid) in cals:
            cal = cals[str(cid)]
        else:
            cal = project.calendar
        done = float(cal.working_minutes_between(row["actual_start"], row["resume"])[0])
        gap = sum(
            float(cal.working_minutes_between(z["start"], z["finish"]).sum())
            for (_a, t_uid), z in stretches.items()
            if t_uid == str(row["uid"]) and (z["start"] >= row["resume"]).all()
        )
        span = done + float(row["remaining_duration_min"]) + gap
        if not ahead_ok[idx]:
            # never shorter than the full duration from the actual start: with several
            # assignments the task's Stop/Resume is the earliest one's, not where work
            # resumes; and a task ahead of schedule keeps its done share after the status
            # date (Project's default)
            span = max(span, float(row["duration_min"]))
        tasks.at[idx, "duration_min"] = span
        if leg_cal is not None:
            tasks.at[idx, "legs"] = [(leg_cal, span)]


def _flag(props: dict[str, Any], tag: str) -> bool:
    """A project option of the file is on (``1`` or ``true``)."""
    return str(props.get(tag, "")).strip().lower() in ("1", "true")


def _ahead_at_status(project: MspdiProject, tasks: pd.DataFrame) -> pd.Series:
    """Per task: its remaining work runs from Resume even though more is done than the
    time from its actual start to Resume holds (a task ahead of schedule).

    True where the file has a ``StatusDate``, turns on Project's "move end of completed
    parts after status date back to status date" **and** "and move start of remaining parts
    back to status date" (``MoveCompletedEndsBack``, ``MoveRemainingStartsBack``: what
    ``pmkit export`` writes, the rule of pmkit's plan) and the task is cut at the status
    day: ``Stop`` on or before it, ``Resume`` after it. The work done ahead was done before
    the status date, so the task finishes at Resume + RemainingDuration, early, as on
    pmkit's Gantt. Files without those options (every corpus file has them off) keep
    Project's default: at least ActualStart + Duration. So does a task one of whose
    assignments says its work resumes after the task's Resume: with several assignments a
    task's Stop/Resume can be the earliest one's, and the work left is not all behind it."""
    no = pd.Series(False, index=tasks.index)
    props = project.props
    if not (_flag(props, "MoveCompletedEndsBack") and _flag(props, "MoveRemainingStartsBack")):
        return no
    status = project.status_date  # its day
    if status is None or "stop" not in tasks.columns:
        return no
    # the status *day* ends at midnight: a calendar working past the StatusDate's time
    # (17:00 as Project writes it) still stops on that day
    day_end = status + pd.Timedelta(days=1)
    cut = (tasks["stop"] <= day_end) & (tasks["resume"] >= day_end)
    a = project.assignments
    if cut.any() and len(a) and {"TaskUID", "Resume"} <= set(a.columns):
        resumes = pd.to_datetime(a["Resume"], errors="coerce", format="ISO8601")
        latest = resumes.groupby(a["TaskUID"].astype(str)).max()
        later = tasks["uid"].astype(str).map(latest) > tasks["resume"]
        cut &= ~later.fillna(False).astype(bool)
    return cut


def _resource_legs(
    project: MspdiProject, tasks: pd.DataFrame, cals: dict[str, Calendar]
) -> list[Any] | None:
    """Per task, the resource assignments that set its dates: ``[(calendar_id, minutes)]``.

    Project schedules each work assignment on its resource's calendar for work / units and
    the task spans its assignments, so a night-shift resource moves a task's dates. A task
    with its own calendar works only in the time its calendar and each resource's share
    (:func:`_shared_legs`), unless it has IgnoreResourceCalendar. Only tasks
    where some resource calendar differs from the task's get legs: elsewhere the task's
    duration already says it, contours and all. None when no task has legs.
    """
    a, r = project.assignments, project.resources
    need = {"TaskUID", "ResourceUID", "Work", "Units"}
    if not len(a) or not len(r) or not need <= set(a.columns) or "CalendarUID" not in r:
        return None
    res_type = r["Type"] if "Type" in r.columns else pd.Series("1", index=r.index)
    res_cal = {
        str(u): str(c)
        for u, c, ty in zip(r["UID"], r["CalendarUID"], res_type, strict=True)
        if str(ty) == "1" and pd.notna(c) and str(c) not in ("", "-1")
    }
    proj_cal = project.calendar
    mpd = project.minutes_per_day
    by_task: dict[str, list[tuple[str, float]]] = {}
    stretches = _zero_work_stretches(project)
    cols = list(need | ({"UID"} & set(a.columns)))
    for rec in a[cols].to_dict("records"):
        cid = res_cal.get(str(rec["ResourceUID"]))
        if cid is None or cid not in cals:
            continue
        try:
            work = parse_duration(str(rec["Work"]), mpd)
            units = float(rec["Units"])
        except (TypeError, ValueError):
            continue
        if work > 0 and units > 0:
            # a split assignment's span also holds its zero-work stretches, counted on
            # the resource's calendar (the one the work runs on)
            zero = stretches.get((str(rec.get("UID")), str(rec["TaskUID"])))
            gap = 0.0
            if zero is not None:
                gap = float(cals[cid].working_minutes_between(zero["start"], zero["finish"]).sum())
            by_task.setdefault(str(rec["TaskUID"]), []).append((cid, work / units + gap))
    # One assignment: the task's Duration is that assignment's span on the resource's
    # calendar, so a work contour (back loaded, bell, ...) that stretches the span shows
    # there and work / units alone would be too short.
    dur_of = dict(zip(project.tasks["uid"].astype(str), project.tasks["duration_min"], strict=True))
    for t_uid, t_legs in by_task.items():
        d = dur_of.get(t_uid)
        if len(t_legs) == 1 and d is not None and not pd.isna(d) and float(d) > t_legs[0][1]:
            by_task[t_uid] = [(t_legs[0][0], float(d))]

    ignore = {
        str(r.get("UID")) for r in project.raw_tasks if r.get("IgnoreResourceCalendar") == "1"
    }
    out: list[Any] = []
    any_leg = False
    for uid, cal_id in zip(tasks["uid"], tasks["calendar_id"], strict=True):
        lg = by_task.get(str(uid))
        own = cal_id is not None and not pd.isna(cal_id) and str(cal_id) in cals
        if lg and own:
            lg = None if str(uid) in ignore else _shared_legs(cals, str(cal_id), lg)
        if not lg or (not own and all(_same(cals[c], proj_cal) for c, _ in lg)):
            out.append(None)
            continue
        out.append(lg)
        any_leg = True
    return out if any_leg else None


def _same(c1: Calendar, c2: Calendar) -> bool:
    """Do two calendars have the same working time?"""
    t1, t2 = c1.timeline, c2.timeline
    return bool(np.array_equal(t1.starts, t2.starts) and np.array_equal(t1.lengths, t2.lengths))


def _shared_legs(
    cals: dict[str, Calendar], own: str, legs: list[tuple[str, float]]
) -> list[tuple[str, float]] | None:
    """A task with its own calendar and resources works only in the time its calendar and
    each resource's calendar share: each leg moves onto that shared calendar (registered in
    ``cals`` as ``"own&resource"``). None when every leg's shared time is the task's own
    calendar (the task's duration already says it)."""
    out: list[tuple[str, float]] = []
    for cid, minutes in legs:
        key = f"{own}&{cid}"
        if key not in cals:
            try:
                cals[key] = shared_calendar([cals[own], cals[cid]])
            except CalendarError:
                return None  # no shared time: Project keeps the task's calendar
        out.append((key, minutes))
    if all(_same(cals[c], cals[own]) for c, _ in out):
        return None
    return out
