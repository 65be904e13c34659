"""Export a portfolio project back to the tools people use: MS Project (MSPDI), P6 XML, MPX.

:func:`export_project` writes one project of a :class:`~pmkit.model.Portfolio` as it stands
(as planned, or after an accepted what-if or levelling: pass that portfolio, or the
``schedule`` whose dates to store) with its WBS, links and lags, constraints, calendars,
resources, assignments, baseline and progress. MSPDI is written by pmkit
(:func:`pmkit.io.mspdi.write_mspdi`); P6 XML (``pmxml``) and MPX are that MSPDI converted by
MPXJ, which needs Java (``pip install 'pmkit[mpxj]'``). For P6, pmkit adds what MPXJ's
conversion leaves out: roles, budgets as P6 keeps them (:func:`_p6_costs`), activity ids
in pmkit's order, milestone types (:func:`_p6_fill`), the baseline as a baseline project and
exact durations (:mod:`pmkit.io.p6`); :func:`pmkit.io.mpxj.p6_read_fixes` reads them back.

Mapping (the inverse of :mod:`pmkit.importing`): task UIDs 1..n in WBS order (UID 0 is the
project summary), ``duration_days`` x the task calendar's working day, ``lag_days`` x the
successor calendar's working day (tenths of a minute), constraint and progress dates at the
start of the working day (finish-like ones at its end), Baseline 0 from the baseline dates
and ``budgeted_cost`` (hundredths), resources with ``MaxUnits = capacity / hours per day``,
``Group = role`` and ``StandardRate = rate_per_hour``; assignments with work = units x
duration. The stored schedule dates are pmkit's for that portfolio.

Depends on io, model and schedule (it sits above them, as the importer's workflow does).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pmkit.calendar import Calendar
from pmkit.errors import PmkitError, UnknownIdError
from pmkit.io.mpxj import MpxjUnavailableError, mpxj_available, start_jvm
from pmkit.io.mspdi import MspdiProject, format_duration, write_mspdi
from pmkit.io.p6 import add_p6_baseline, exact_p6_hours, p6_baseline_rows, p6_project_dates
from pmkit.model import Portfolio
from pmkit.schedule.cpm import Schedule
from pmkit.schedule.portfolio_adapter import schedule_project

__all__ = ["EXPORT_FORMATS", "EXPORT_LIMITS", "export_project", "project_to_mspdi"]

EXPORT_FORMATS = ("mspdi", "pmxml", "mpx")

#: What a format does not carry, said wherever a project is exported to it (checked by
#: importing the export of each corpus file again: MSPDI and MPX give back every table).
EXPORT_LIMITS: dict[str, str] = {
    "pmxml": (
        "P6 XML carries the tasks, WBS, links, calendars, resources with their roles and "
        "prices, assignments, budgets (assignments' planned costs plus an expense for the "
        "rest) and the baseline (a baseline project). What changes: P6 lists a WBS node's "
        "activities before its sub-nodes, so a task placed after a sub-phase (a phase's "
        "closing milestone) comes back before it, renumbered; a summary task's own progress, "
        "actual dates, baseline dates and budget are not kept (P6 derives a WBS node's from "
        "its activities); a baseline with only one of its two dates is left out. Export "
        "MSPDI to keep them."
    ),
    "mpx": (
        "MPX cannot say 'ignore resource calendars': a task whose resource works on another "
        "calendar than the task (a part-time resource) runs on the resource's calendar when "
        "the file is scheduled again (Project, or pmkit schedule), so it and its successors "
        "finish later than on pmkit's Gantt (pmkit import of the file keeps the durations). "
        "Export MSPDI to keep the dates."
    ),
}
_FINISH_LIKE = {"MFO", "FNET", "FNLT"}


def _cal_ids(portfolio: Portfolio, view: Any) -> list[str]:
    ids = [str(view.calendar_id)]
    for col in (view.tasks.get("calendar_id"), _resources(portfolio, view).get("calendar_id")):
        if col is None:
            continue
        for c in col:
            if isinstance(c, str) and c.strip() and c not in ids:
                ids.append(c)
    return ids


def _resources(portfolio: Portfolio, view: Any) -> pd.DataFrame:
    """The resources assigned to the project, and the project's own ones (an imported
    project's resources are named ``<project>-R<uid>``): a resource of the file that no
    task used was dropped on the way back out."""
    used = set(view.assignments["resource_id"])
    r = portfolio.resources
    own = r["resource_id"].astype(str).str.fullmatch(re.escape(str(view.project_id)) + r"-R\d+")
    return r[r["resource_id"].isin(used) | own].reset_index(drop=True)


def _day_edge(cal: Calendar, day: Any, finish: bool) -> pd.Timestamp | None:
    """A date's working-day start (or end, finish-like), as Project stores constraint dates."""
    if day is None or pd.isna(day):
        return None
    d = pd.Timestamp(day).normalize()
    per = cal.week_periods(d.weekday()) or cal.week_periods(0) or ((480, 1020),)
    minute = per[-1][1] if finish else per[0][0]
    return d + pd.Timedelta(minutes=int(minute))


def _in_progress(
    cal: Calendar, actual_start: pd.Timestamp | None, dur: float, pc: float, status: Any
) -> dict[str, Any]:
    """A started, unfinished task as Project stores it at the status date (the plan's rule,
    :mod:`pmkit.schedule.portfolio_adapter`): the done share ends at ``Stop``, the rest
    (``RemainingDuration``) runs from ``Resume``, the first working instant after the status
    day. Without Resume, Project and pmkit reading the file put the remaining work right after
    the done share: up to a day (or weeks, for a late task) before pmkit's Gantt.

    A task **ahead of schedule** (more done than the working time elapsed since its actual
    start) did that work before the status date: its done share ends at the status date, not
    after it, and its remaining work runs from Resume, so it finishes early. That is Project's
    "move end of completed parts after status date back to status date" with "and move start
    of remaining parts back to status date"; the file says so in its project options
    (:data:`STATUS_OPTIONS`), which ``pmkit schedule`` of the file reads
    (:func:`pmkit.schedule.mspdi_adapter.schedule_mspdi`). Without them the file would
    finish such a task at ActualStart + Duration, later than the Gantt."""
    done = dur * pc / 100.0
    out: dict[str, Any] = {"actual_duration_min": done, "remaining_duration_min": dur - done}
    if actual_start is None or status is None or pd.isna(status):
        return out
    day = np.datetime64(pd.Timestamp(status).normalize() + pd.Timedelta(days=1), "D")
    resume = pd.Timestamp(cal.next_working_start(np.array([day]))[0])
    if actual_start > resume:  # started after the status date: not in the plan's rule
        return out
    elapsed = float(cal.working_minutes_between(np.array([actual_start]), np.array([resume]))[0])
    # finish-like: ahead of schedule, Stop is the status day's last working minute
    stop = pd.Timestamp(cal.add_working_minutes(np.array([actual_start]), min(done, elapsed))[0])
    # nothing done yet: Stop is the actual start (a finish-like 0 minutes would be the
    # previous evening, before the task started)
    return out | {"stop": max(stop, actual_start), "resume": resume}


#: Project's options for progress around the status date (MSPDI project elements, in the
#: schema's order), as pmkit's plan applies them (module doc of
#: :mod:`pmkit.schedule.portfolio_adapter`): work done ahead of schedule ends at the status
#: date and the remaining work starts there; work left behind schedule starts there too.
STATUS_OPTIONS = {
    "MoveCompletedEndsBack": 1,
    "MoveRemainingStartsBack": 1,
    "MoveRemainingStartsForward": 1,
    "MoveCompletedEndsForward": 0,
}


def _task_rows(
    view: Any, cals: dict[str, Calendar], sched: Schedule | pd.DataFrame | None, status: Any
) -> tuple[list[dict], dict]:
    t = view.tasks.sort_values("wbs", key=lambda s: s.map(_wbs_key)).reset_index(drop=True)
    uid_of = {tid: i + 1 for i, tid in enumerate(t["task_id"])}
    res = sched.tasks.set_index("uid") if sched is not None else None
    proj_cal = str(view.calendar_id)
    rows: list[dict[str, Any]] = []
    for i, r in enumerate(t.to_dict("records")):
        cid = r.get("calendar_id") if isinstance(r.get("calendar_id"), str) else ""
        cal = cals[cid or proj_cal]
        dur = float(r["duration_days"] or 0) * cal.minutes_per_day
        ct = str(r["constraint_type"])
        row = {
            "uid": i + 1,
            "id": i + 1,
            "name": r["name"],
            "wbs": r["wbs"],
            "outline_number": r["wbs"],
            "outline_level": int(r["outline_level"]),
            "duration_min": 0.0 if r["is_summary"] else dur,
            "duration_format": _display_format(dur, cal.minutes_per_day),
            "elapsed": False,
            "is_summary": bool(r["is_summary"]),
            "is_milestone": bool(r["is_milestone"]),
            "manual": False,
            "constraint_type": ct,
            "constraint_date": _day_edge(cal, r.get("constraint_date"), ct in _FINISH_LIKE),
            "calendar_id": str(list(cals).index(cid) + 1) if cid else None,
            "percent_complete": float(r["percent_complete"] or 0),
            # a milestone's actual dates are one instant, the day's end (as the portfolio
            # scheduler reads them): not an 08:00 start and a 17:00 finish, 8 h apart
            "actual_start": _day_edge(
                cal, r.get("actual_start"), dur <= 0 and not bool(r["is_summary"])
            ),
            "actual_finish": _day_edge(cal, r.get("actual_finish"), True),
        }
        started = row["actual_start"] is not None and row["actual_finish"] is None
        if (row["percent_complete"] > 0 or started) and not r["is_summary"]:
            start = row["actual_start"] if started else None
            row |= _in_progress(cal, start, dur, row["percent_complete"], status)
        if res is not None and r["task_id"] in res.index:
            s = res.loc[r["task_id"]]
            row |= {
                "ms_start": s["start"],
                "ms_finish": s["finish"],
                "ms_early_start": s["early_start"],
                "ms_early_finish": s["early_finish"],
                "ms_late_start": s["late_start"],
                "ms_late_finish": s["late_finish"],
                "ms_total_slack_min": s["total_slack_min"],
                "ms_free_slack_min": s["free_slack_min"],
                "ms_critical": bool(s["critical"]),
            }
        row["_baseline"] = (r.get("baseline_start"), r.get("baseline_finish"), r["budgeted_cost"])
        row["_cal"] = cal
        rows.append(row)
    return rows, uid_of


def _display_format(minutes: float, minutes_per_day: float) -> int:
    """Project's display unit for a duration: days (7) when two decimals of a day hold it
    exactly, else hours (5), else minutes (3). MPX keeps two decimals of the unit shown: a
    9.375-day task written in days came back as 9.38 days (its finish 2 minutes later)."""
    for code, unit in ((7, minutes_per_day), (5, 60.0)):
        if unit and abs(round(minutes / unit, 2) * unit - minutes) < 1e-6:
            return code
    return 3


def _wbs_key(w: Any) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in str(w).split("."))


def _links(view: Any, uid_of: dict[str, int], rows: list[dict[str, Any]]) -> pd.DataFrame:
    out = []
    for lk in view.links.to_dict("records"):
        if lk["pred_id"] not in uid_of or lk["succ_id"] not in uid_of:
            continue  # links to other projects stay in the portfolio
        succ = uid_of[lk["succ_id"]]
        mpd = rows[succ - 1]["_cal"].minutes_per_day
        out.append(
            {
                "pred_uid": uid_of[lk["pred_id"]],
                "succ_uid": succ,
                "type": lk["type"],
                "lag_min": float(lk["lag_days"] or 0) * mpd,
                "lag_elapsed": False,
                "lag_percent": 0.0,
                "lag_format": _display_format(float(lk["lag_days"] or 0) * mpd, mpd),
            }
        )
    table = pd.DataFrame(
        out,
        columns=[
            "pred_uid",
            "succ_uid",
            "type",
            "lag_min",
            "lag_elapsed",
            "lag_percent",
            "lag_format",
        ],
    )
    # the CSV door warns on a link given twice and keeps both rows; the file gets it once
    # (Project holds one link per pair; two identical PredecessorLinks are a broken file)
    return table.drop_duplicates(ignore_index=True)


def _resource_tables(
    portfolio: Portfolio,
    view: Any,
    cals: dict[str, Calendar],
    uid_of: dict[str, int],
    rows: list[dict],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    res = _resources(portfolio, view)
    r_uid = {rid: i + 1 for i, rid in enumerate(res["resource_id"])}
    cal_uid = {c: str(i + 1) for i, c in enumerate(cals)}
    r_rows = []
    for rec in res.to_dict("records"):
        cal = cals[rec["calendar_id"]] if rec["calendar_id"] in cals else next(iter(cals.values()))
        r_rows.append(
            {
                "UID": r_uid[rec["resource_id"]],
                "ID": r_uid[rec["resource_id"]],
                "Name": rec.get("name") or rec["resource_id"],
                "Type": 1,
                "Group": rec["role"],
                "MaxUnits": round(
                    float(rec["capacity_hours_per_day"]) * 60 / cal.minutes_per_day, 6
                ),
                "StandardRate": float(rec["rate_per_hour"]),
                "CalendarUID": cal_uid.get(rec["calendar_id"], "1"),
            }
        )
    a_rows = []
    for n, a in enumerate(view.assignments.to_dict("records"), start=1):
        if a["task_id"] not in uid_of or a["resource_id"] not in r_uid:
            continue
        task = rows[uid_of[a["task_id"]] - 1]
        a_rows.append(
            {
                "UID": n,
                "TaskUID": task["uid"],
                "ResourceUID": r_uid[a["resource_id"]],
                "Units": float(a["units"]),
                "Work": format_duration(float(a["units"]) * task["duration_min"]),
            }
        )
    return pd.DataFrame(r_rows), pd.DataFrame(a_rows)


def _keep_task_calendars(
    view: Any, cals: dict[str, Calendar], rows: list[dict], uid_of: dict, resources: pd.DataFrame
) -> None:
    """pmkit schedules a task on its own calendar: a resource on another calendar (part-time
    mornings) changes its load, not its dates. Project runs such a task on the resource's
    calendar unless the task has a calendar and ignores resource calendars (Project offers
    the option only with a task calendar), which moved P09 up to 40 working days
    later there. Those tasks get both, so the file schedules as pmkit's Gantt shows."""
    res_cal = dict(zip(resources["resource_id"], resources["calendar_id"], strict=True))
    proj_cal = str(view.calendar_id)
    order = list(cals)
    for a in view.assignments.to_dict("records"):
        if a["task_id"] not in uid_of:
            continue
        row = rows[uid_of[a["task_id"]] - 1]
        own = view.tasks.loc[view.tasks["task_id"] == a["task_id"], "calendar_id"].iloc[0]
        task_cal = own if isinstance(own, str) and own.strip() else proj_cal
        rc = res_cal.get(a["resource_id"])
        if not isinstance(rc, str) or not rc.strip() or rc == task_cal or row["is_summary"]:
            continue
        row["calendar_id"] = str(order.index(task_cal) + 1)
        row["ignore_resource_calendar"] = True


def _baselines(rows: list[dict[str, Any]], project: dict[str, Any]) -> pd.DataFrame:
    """Baseline 0 of each task with baseline dates or a budgeted cost (a cost alone was lost
    on the way back in), and of the project summary (UID 0): the project's start, baseline
    finish and budget, which the importer reads back as ``finish_baseline``."""
    out = [
        {
            "uid": 0,
            "number": 0,
            "start": project["start"],
            "finish": project["finish"],
            "duration_min": None,
            "work_min": None,
            "cost": round(float(project["budget"] or 0) * 100, 2),
        }
    ]
    for r in rows:
        bs, bf, cost = r.pop("_baseline")
        cal = r.pop("_cal")
        no_dates = (bs is None or pd.isna(bs)) and (bf is None or pd.isna(bf))
        if no_dates and not float(cost or 0):
            continue
        out.append(
            {
                "uid": r["uid"],
                "number": 0,
                "start": _day_edge(cal, bs, False),
                "finish": _day_edge(cal, bf, True),
                "duration_min": r["duration_min"],
                "work_min": None,
                "cost": round(float(cost or 0) * 100, 2),
            }
        )
    return pd.DataFrame(
        out, columns=["uid", "number", "start", "finish", "duration_min", "work_min", "cost"]
    )


def project_to_mspdi(
    portfolio: Portfolio, project_id: str, *, schedule: Schedule | pd.DataFrame | None = None
) -> MspdiProject:
    """One portfolio project as an :class:`MspdiProject` ready for ``write_mspdi``;
    ``schedule``: the dates to store (default: pmkit's schedule of that portfolio)."""
    if project_id not in set(portfolio.projects["project_id"]):
        known = ", ".join(portfolio.projects["project_id"])
        raise UnknownIdError("project", project_id, expected=f"one of {known}")
    view = portfolio.project(project_id)
    if schedule is None:
        schedule = schedule_project(portfolio, project_id)
    cals = {c: portfolio.calendar(c) for c in _cal_ids(portfolio, view)}
    rows, uid_of = _task_rows(view, cals, schedule, portfolio.status_date)
    links = _links(view, uid_of, rows)
    resources, assignments = _resource_tables(portfolio, view, cals, uid_of, rows)
    _keep_task_calendars(view, cals, rows, uid_of, portfolio.resources)
    proj_cal = cals[str(view.calendar_id)]
    start = _day_edge(proj_cal, view.info["start"], False)
    finish = _day_edge(proj_cal, view.info["finish_baseline"], True)
    baselines = _baselines(rows, {"start": start, "finish": finish, "budget": view.info["budget"]})
    summary = {"uid": 0, "id": 0, "name": view.name, "outline_level": 0, "is_summary": True,
               "duration_min": 0.0, "constraint_type": "ASAP", "percent_complete": 0.0}  # fmt: skip
    tasks = pd.DataFrame([summary, *rows])
    tasks["parent_uid"] = None
    props = {
        "Name": f"{project_id}.xml",
        "Title": view.name,
        "ScheduleFromStart": 1,
        "StartDate": f"{start:%Y-%m-%dT%H:%M:%S}",
        "FinishDate": f"{pd.Timestamp(schedule.finish):%Y-%m-%dT%H:%M:%S}",
        "CalendarUID": 1,
        "MinutesPerDay": int(proj_cal.minutes_per_day),
        "MinutesPerWeek": int(proj_cal.minutes_per_day * 5),
    }
    if portfolio.status_date is not None:
        props |= STATUS_OPTIONS
        props["StatusDate"] = f"{pd.Timestamp(portfolio.status_date):%Y-%m-%dT17:00:00}"
    for i, c in enumerate(cals.values()):
        c.name = c.name or list(cals)[i]
    return MspdiProject(
        path=f"{project_id}.xml",
        props=props,
        tasks=tasks,
        links=links,
        calendars={str(i + 1): c for i, c in enumerate(cals.values())},
        calendar_table=pd.DataFrame(),
        resources=resources,
        assignments=assignments,
        baselines=baselines,
    )


def _mpxj_convert(src: Path, dst: Path, fmt: str, proj: MspdiProject | None = None) -> None:
    if not mpxj_available():
        raise MpxjUnavailableError(
            f"exporting to {fmt} needs MPXJ and Java: pip install 'pmkit[mpxj]' and a JRE",
            file=str(dst),
        )
    start_jvm()
    from org.mpxj.primavera import PrimaveraPMFileWriter
    from org.mpxj.reader import UniversalProjectReader
    from org.mpxj.writer import FileFormat, UniversalProjectWriter

    project = UniversalProjectReader().read(str(src))
    if fmt == "pmxml":
        if proj is not None:
            _p6_fill(project, proj)
        PrimaveraPMFileWriter().write(project, str(dst))
        if proj is not None:
            add_p6_baseline(
                dst, p6_baseline_rows(proj), p6_project_dates(proj), exact_p6_hours(proj)
            )
    else:
        UniversalProjectWriter(FileFormat.MPX).write(project, str(dst))


def _p6_costs(proj: MspdiProject) -> tuple[dict[int, float], dict[int, float]]:
    """P6 keeps an activity's budget as its assignments' planned costs (labour: hours x the
    resource's price) plus its expenses: each assignment's planned cost, and each leaf
    task's expense (its budget less its labour). A budget below the labour cost scales the
    assignments' costs down to it (in P6, cost then unlinked from units)."""
    t = proj.tasks.set_index("uid")
    b0 = proj.baseline0
    budget = dict(zip(b0.index, b0["cost"].astype(float) / 100.0, strict=True))
    a = proj.assignments
    rate = (
        dict(zip(proj.resources["UID"], proj.resources["StandardRate"], strict=True))
        if len(proj.resources)
        else {}
    )
    labour: dict[int, float] = {}
    for r in a.to_dict("records") if len(a) else []:
        hours = float(r["Units"]) * float(t.loc[r["TaskUID"], "duration_min"]) / 60.0
        labour[int(r["UID"])] = hours * float(rate.get(r["ResourceUID"], 0.0))
    asg_cost: dict[int, float] = {}
    expense: dict[int, float] = {}
    for uid, row in t.iterrows():
        if int(uid) == 0 or bool(row["is_summary"]):
            continue
        mine = [int(x) for x in a.loc[a["TaskUID"] == uid, "UID"]] if len(a) else []
        spent = sum(labour[m] for m in mine)
        want = round(budget.get(int(uid), 0.0), 2)
        scale = min(1.0, want / spent) if spent > 0 else 1.0
        for m in mine:
            asg_cost[m] = round(labour[m] * scale, 2)
        rest = round(want - sum(asg_cost[m] for m in mine), 2)
        if rest > 0:
            expense[int(uid)] = rest
    return asg_cost, expense


def _p6_fill(project: Any, proj: MspdiProject) -> None:
    """What P6 XML carries that MPXJ's MSPDI -> P6 conversion left out: the project's name,
    the resources' roles (P6 roles, each resource's primary role), and the budgets
    (:func:`_p6_costs`): the reader (:func:`pmkit.io.mpxj.p6_read_fixes`) takes them back."""
    from java.lang import Double, Integer
    from org.mpxj import ActivityType, ExpenseItem

    props = project.getProjectProperties()
    props.setName(str(proj.props.get("Title") or proj.props.get("Name") or ""))
    roles: dict[str, Any] = {}
    next_uid = max([int(r.getUniqueID()) for r in project.getResources()] + [0]) + 1
    for r in list(project.getResources()):
        group = str(r.getGroup() or "")
        if int(r.getUniqueID()) == 0 or not group:
            continue
        if group not in roles:
            role = project.addResource()
            role.setRole(True)
            role.setUniqueID(Integer(next_uid))
            role.setResourceID(f"ROLE-{len(roles) + 1}")
            role.setName(group)
            roles[group] = role
            next_uid += 1
        r.setPrimaryRole(roles[group])
    width = max(4, len(str(len(proj.tasks))))
    for task in project.getTasks():
        if task.getSummary():
            continue
        # P6 lists a WBS node's activities by id: ids in pmkit's order keep the order
        task.setActivityID(f"A{int(task.getUniqueID()):0{width}d}")
        # P6 knows a milestone by its type only; pmkit schedules a task on its own calendar
        # (P6's task dependent). Every activity gets a type: MPXJ takes one without for a WBS
        milestone = task.getMilestone()
        task.setActivityType(
            ActivityType.FINISH_MILESTONE if milestone else ActivityType.TASK_DEPENDENT
        )
    asg_cost, expense = _p6_costs(proj)
    for asg in project.getResourceAssignments():
        uid = int(asg.getUniqueID())
        if uid in asg_cost:
            asg.setPlannedCost(Double(asg_cost[uid]))
            asg.setCost(Double(asg_cost[uid]))
            asg.setRemainingCost(Double(asg_cost[uid]))
    for task in project.getTasks():
        uid = int(task.getUniqueID())
        if uid in expense:
            item = ExpenseItem.Builder(task).name(P6_BUDGET_EXPENSE)
            task.getExpenseItems().add(item.plannedCost(Double(expense[uid])).build())


P6_BUDGET_EXPENSE = "Budget (not labour)"
"""The name of the expense that carries a task's budget beyond its assignments' labour."""


def export_project(
    portfolio: Portfolio,
    project_id: str,
    path: str | os.PathLike[str],
    *,
    fmt: str = "mspdi",
    schedule: Schedule | pd.DataFrame | None = None,
) -> Path:
    """Write project ``project_id`` of ``portfolio`` to ``path`` as ``fmt`` (``mspdi``,
    ``pmxml`` = Primavera P6 XML, ``mpx``); returns the path. Nothing is written when the
    project or the format is unknown, or MPXJ/Java is missing for P6 XML / MPX."""
    if fmt not in EXPORT_FORMATS:
        raise PmkitError("unknown export format", field="--format", value=fmt,
                         expected=", ".join(EXPORT_FORMATS))  # fmt: skip
    out = Path(path)
    proj = project_to_mspdi(portfolio, project_id, schedule=schedule)
    with tempfile.TemporaryDirectory(prefix="pmkit-export-") as tmp:
        xml = Path(tmp) / f"{project_id}.xml"
        write_mspdi(proj, xml)
        if fmt == "mspdi":
            data = xml.read_bytes()
        else:
            conv = Path(tmp) / f"{project_id}.{fmt}"
            try:
                _mpxj_convert(xml, conv, fmt, proj)
            except PmkitError:
                raise
            except Exception as exc:  # Java exceptions carry the reason in their message
                raise PmkitError(f"MPXJ could not write {fmt}: {exc}", file=str(out)) from exc
            data = conv.read_bytes()
    out.write_bytes(data)
    return out
