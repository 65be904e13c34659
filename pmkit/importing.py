"""Bring a real schedule (MS Project, Primavera P6, ...) into a portfolio.

An analyst imports a file that another tool wrote; the portfolio must stay trustworthy, so the
converted tables go through the same door as a CSV folder (:func:`pmkit.validation.
validate_tables`) together with the portfolio they join. Either every table of the merged
portfolio is valid and a new :class:`~pmkit.model.Portfolio` comes back, or
:class:`~pmkit.errors.PortfolioValidationError` carries every problem; nothing half-loads.

Mapping rules (an MSPDI file as :func:`pmkit.io.mspdi.read_mspdi` reads it -> docs/DATA-MODEL.md)

- Ids: ``task_id = f"{project_id}-{uid}"``, ``resource_id = f"{project_id}-R{uid}"``,
  ``calendar_id = f"{project_id}-CAL{uid}"``: unique across the portfolio by construction, so
  a clash only happens when the project id is already taken: one error naming the id, where
  it is and a free id (not a follow-on error per task, outline number and calendar).
- The project summary (UID 0), inactive tasks (and their subtasks) and null tasks are left out.
- ``wbs`` is the outline number rebuilt from the outline levels in ID order (what Project
  shows), so it always agrees with ``outline_level``; a task with subtasks is a summary.
- Durations: working minutes / the minutes of a working day of the task's calendar (its
  ``hours_per_day`` in calendars.csv), so that the portfolio scheduler finds the same working
  minutes. Elapsed durations become the working time they span from the task's stored start
  (or, without one, calendar time x the calendar's share of working time in a week).
  Summaries get 0 (rolled up); a "milestone" with a duration keeps it and is a task.
- Lags: working minutes / the successor calendar's working day. Elapsed lags: calendar time x
  the successor calendar's weekly share of working time. Percent lags: that percent of the
  predecessor's duration. Links to or from a summary (the portfolio allows none) go to / from
  each of its leaf tasks; links to other projects are dropped. Both are counted in the notes.
- Constraints keep their type and the constraint's date (the time of day is lost: dates are
  days in the portfolio). A manually scheduled task becomes MSO at its manual start.
- Baseline: Baseline 0's start/finish; ``budgeted_cost`` is Baseline 0's cost, else the task's
  Cost (MSPDI stores money in hundredths). ``budget`` = sum of the leaf tasks' budgeted cost.
- Calendars: the working weekdays, the most common day's periods, and every normally working
  day without work between the project start and one year past its finish as a holiday.
  Partial-day exceptions and extra working days cannot be expressed and are counted in notes.
- Resources: work resources only (material/cost resources are counted in notes); ``role`` =
  Group (else "Unassigned role"), capacity = MaxUnits x the resource calendar's hours per day,
  rate = StandardRate (per hour). Assignments: leaf tasks, units > 0, one row per pair.

Notes about anything approximated are kept in ``tables["projects"].attrs["notes"]``.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pmkit.calendar import Calendar, CalendarError
from pmkit.errors import PmkitError
from pmkit.io.mpxj import read_project_file
from pmkit.io.mspdi import MspdiProject
from pmkit.model import TABLES, Portfolio
from pmkit.schedule.mspdi_adapter import resource_driven_uids, schedule_mspdi
from pmkit.validation import RawTable, ValidationIssue, ValidationReport, validate_tables
from pmkit.vocabulary import DATE_FORMAT, WEEKDAYS

__all__ = [
    "PROJECT_DEFAULTS",
    "ImportIssue",
    "add_project",
    "import_schedule",
    "project_tables_from_schedule",
    "report_frame",
    "tables_of",
]

#: Values of projects.csv columns a schedule file does not hold; override any by keyword.
PROJECT_DEFAULTS: dict[str, Any] = {
    "programme": "Imported",
    "sponsor": "To be confirmed",
    "manager": "To be confirmed",
    "department": "To be confirmed",
    "phase": None,  # None: "execution" when the file records progress, else "planning"
    "strategic_objective": "To be confirmed",
    "score_value": 3,
    "score_alignment": 3,
    "score_risk": 3,
    "priority": None,  # None: after the last project of the portfolio it joins (1 alone)
}
_HOLIDAY_MARGIN_DAYS = 365
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclasses.dataclass(frozen=True)
class ImportIssue(ValidationIssue):
    """A validation issue on an imported row: ``element`` names it in the source file
    (``"Task UID 12"``), since the row has no CSV line the analyst could open."""

    element: str = ""

    def __str__(self) -> str:
        text = super().__str__()
        return (
            text.replace(f"{self.file}", f"{self.file} [{self.element}]", 1)
            if self.element
            else text
        )


# ---------------------------------------------------------------------------- helpers
def _day(value: Any) -> pd.Timestamp:
    if value is None or pd.isna(value):
        return pd.NaT
    return pd.Timestamp(value).normalize()


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _num(value: Any, default: float = 0.0) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return default
    return out if np.isfinite(out) else default


def _calendar_row(
    cal_id: str, cal: Calendar, start: pd.Timestamp, end: pd.Timestamp, notes: list[str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One calendars.csv row and its holidays.csv rows over ``start..end``."""
    week = {d: cal.week_periods(d) for d in range(7)}
    working = [d for d in range(7) if week[d]]
    if not working:
        notes.append(f"calendar {cal.name!r} has no working weekday: Mon-Fri 08-17 used")
        working, week = [0, 1, 2, 3, 4], {d: ((480, 720), (780, 1020)) for d in range(7)}
    patterns = [week[d] for d in working]
    common = max(set(patterns), key=patterns.count)
    if len(set(patterns)) > 1:
        notes.append(
            f"calendar {cal.name!r}: weekdays with other hours use "
            f"{', '.join(f'{_hhmm(s)}-{_hhmm(e)}' for s, e in common)}"
        )
    row = {
        "calendar_id": cal_id,
        "name": cal.name or cal_id,
        "working_days": ",".join(WEEKDAYS[d] for d in working),
        "periods": ",".join(f"{_hhmm(s)}-{_hhmm(e)}" for s, e in common),
        "hours_per_day": round(sum(e - s for s, e in common) / 60.0, 4),
    }
    days = pd.date_range(start, end, freq="D")
    normal = days[days.day_of_week.isin(working)]
    worked = set(pd.DatetimeIndex(cal.working_days(start, end)))
    holidays = [d for d in normal if d not in worked]
    extra = sum(1 for d in worked if d.weekday() not in working)
    if extra:
        notes.append(f"calendar {cal.name!r}: {extra} extra working day(s) not expressible")
    names = {}
    for ex in cal.exceptions:
        for n in range(ex.start, ex.end + 1):
            names[pd.Timestamp(np.datetime64(n, "D"))] = ex.name
    hol = [{"calendar_id": cal_id, "date": d, "name": names.get(d, "")} for d in holidays]
    return row, hol


def _outline(levels: list[int]) -> list[str]:
    """Outline numbers from levels in display order (``1, 1.1, 1.2, 2``)."""
    counters: list[int] = []
    out = []
    for lv in levels:
        lv = max(1, min(lv, len(counters) + 1))
        counters = counters[:lv]
        if len(counters) < lv:
            counters.append(0)
        counters[lv - 1] += 1
        out.append(".".join(map(str, counters)))
    return out


# ---------------------------------------------------------------------------- convert
@dataclasses.dataclass
class _Calendars:
    """The calendars the imported project uses, by their UID in the file."""

    main: str  # the project calendar's UID
    objs: dict[str, Calendar]  # every calendar kept (the project's first)
    ids: dict[str, str]  # UID -> calendar_id in the portfolio
    mpd: dict[str, float]  # UID -> minutes of a working day (its hours_per_day)
    week_share: dict[str, float]  # UID -> share of working time in a week
    rows: list[dict[str, Any]]  # calendars.csv rows
    holidays: list[dict[str, Any]]  # holidays.csv rows


@dataclasses.dataclass
class _TaskPlan:
    """The kept tasks (display order) and what every later table needs of them."""

    t: pd.DataFrame  # the file's task rows, with ``wbs_new``, ``level`` and ``summary``
    uids: np.ndarray
    task_ids: list[str]
    summary: np.ndarray
    cal: list[str]  # each task's calendar UID (one of _Calendars.objs)
    dur: np.ndarray  # working minutes (elapsed durations converted)
    mpd: np.ndarray  # minutes of a working day of each task's calendar


@dataclasses.dataclass(frozen=True)
class _Headline:
    """What the project row takes from the tasks."""

    leaf_cost: float
    has_progress: bool
    baseline_finish: pd.Timestamp


def project_tables_from_schedule(
    project: MspdiProject,
    *,
    project_id: str,
    name: str | None = None,
    programme: str = "Imported",
    **overrides: Any,
) -> dict[str, pd.DataFrame]:
    """Map a schedule read from a file into the portfolio's tables (module doc: the rules).

    Parameters
    ----------
    project
        What :func:`pmkit.read_project_file` / :func:`pmkit.read_mspdi` returned.
    project_id
        The id the project takes in the portfolio (also the prefix of every id made).
    name
        Project name; default the file's ``Title``/``Name``, else the file name.
    programme, **overrides
        Any projects.csv column (``sponsor="A. Ruiz"``, ``budget=1e6``, ``phase="planning"``);
        the defaults are :data:`PROJECT_DEFAULTS`.

    Returns
    -------
    ``{"projects", "tasks", "links", "resources", "assignments", "calendars", "holidays"}``
    with typed columns. Each table's ``attrs`` holds ``source`` (the file) and ``elements``
    (per row, where it came from, e.g. ``"Task UID 12"``); ``projects.attrs["notes"]`` lists
    what was approximated.

    Examples
    --------
    An MS Project file of the sample's P01 (written by :func:`pmkit.export_project`), read
    back as a new project P99:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from pmkit import export_project, load_sample
    >>> from pmkit.io.mspdi import read_mspdi
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     plan = read_mspdi(export_project(load_sample(), "P01", Path(folder) / "plan.xml"))
    >>> t = project_tables_from_schedule(plan, project_id="P99")
    >>> t["tasks"]["task_id"].iloc[0], len(t["tasks"]), t["projects"]["name"].iloc[0]
    ('P99-1', 39, 'Core Digital Platform')
    """
    pid = _checked_project_id(project_id, overrides)
    src = Path(project.path).name
    notes: list[str] = list(project.notes)  # how the file was read (duplicate links, ...)
    t = _kept_tasks(project, src, notes)
    res = _work_resources(project, notes)
    start = _project_start(project, t, src)
    sched = _file_schedule(project)
    finish = _day(sched.finish) if sched is not None else _stored_finish(project)
    horizon_end = max(d for d in (finish, start, _day(t["ms_finish"].max())) if pd.notna(d))
    horizon_end += pd.Timedelta(days=_HOLIDAY_MARGIN_DAYS)
    cals = _calendars(project, t, res, pid, (start, horizon_end), notes)
    plan = _task_plan(t, cals, pid, notes)
    _resource_driven_spans(project, plan, cals, sched, notes)
    tasks, headline = _tasks_table(project, plan, cals, pid, src, notes)
    links = _links_table(project, plan, cals, src, notes)
    resources = _resources_table(res, cals, pid, src)
    assignments = _assignments_table(project, plan, res, pid, src, notes)
    row = _project_row(project, pid, name, programme, src, (start, finish), cals, headline, notes)
    row.update(overrides)
    if row["priority"] is None:
        row["priority"] = 1
        notes.append("priority: after the portfolio's last project (1 if alone)")
        row["_priority_auto"] = True
    projects = pd.DataFrame([row])
    projects.attrs = {"source": src, "elements": ["Project"], "notes": notes}
    calendars, holidays = _calendar_tables(cals, src)
    return {
        "projects": projects,
        "tasks": tasks,
        "links": links,
        "resources": resources,
        "assignments": assignments,
        "calendars": calendars,
        "holidays": holidays,
    }


def _checked_project_id(project_id: str, overrides: Mapping[str, Any]) -> str:
    """The project id, stripped; a bad id or an unknown projects.csv column is an error."""
    pid = str(project_id).strip()
    if not _ID_RE.match(pid):
        raise PmkitError(
            "project id must be letters, digits, '-', '_' or '.'",
            field="project_id",
            value=project_id,
            expected="e.g. P12",
        )
    unknown = set(overrides) - set(TABLES["projects"].columns)
    if unknown:
        raise PmkitError(
            "unknown projects.csv column",
            field=sorted(unknown)[0],
            expected="a column of projects.csv",
        )
    return pid


def _kept_tasks(project: MspdiProject, src: str, notes: list[str]) -> pd.DataFrame:
    """The tasks of the plan in ID order, without the project summary and inactive tasks,
    with their rebuilt outline number (``wbs_new``), ``level`` and ``summary``."""
    t = project.tasks
    t = t[t["uid"] != 0] if len(t) else t
    if not len(t):
        raise PmkitError("the schedule has no task", file=src, field="Tasks")
    t = t.sort_values("id", kind="stable") if t["id"].notna().all() else t
    drop = _inactive(t)
    if drop.any():
        notes.append(f"{int(drop.sum())} inactive task(s) left out")
    t = t[~drop].reset_index(drop=True)
    wbs = _outline(t["outline_level"].astype(int).tolist())
    t = t.assign(wbs_new=wbs, level=[w.count(".") + 1 for w in wbs])
    has_child = {w.rsplit(".", 1)[0] for w in wbs if "." in w}
    t["summary"] = t["wbs_new"].isin(has_child)
    return t


def _inactive(t: pd.DataFrame) -> np.ndarray:
    """Inactive tasks and what is under them: out of the plan, as Project schedules it."""
    drop = (~t["active"].astype(bool)).to_numpy() if "active" in t else np.zeros(len(t), bool)
    levels = t["outline_level"].astype(int).to_numpy()
    cut: int | None = None
    for i, lv in enumerate(levels):
        if cut is not None and lv > cut:
            drop[i] = True
            continue
        cut = lv if drop[i] else None
    return drop


def _work_resources(project: MspdiProject, notes: list[str]) -> pd.DataFrame:
    """The file's work resources (not the UID 0 one, null, material or cost resources)."""
    res = project.resources
    if len(res) and "UID" in res:
        res = res[res["UID"].astype(str) != "0"]
        if "IsNull" in res:
            res = res[res["IsNull"].astype(str) != "1"]
        rtype = res["Type"].astype(str) if "Type" in res else pd.Series("1", index=res.index)
        if (rtype != "1").any():
            notes.append(f"{int((rtype != '1').sum())} material/cost resource(s) left out")
        res = res[rtype == "1"]
    return res


def _project_start(project: MspdiProject, t: pd.DataFrame, src: str) -> pd.Timestamp:
    """The file's project start, else its first task start; none is an error."""
    start = (
        _day(project.project_start) if project.props.get("StartDate") else _day(t["ms_start"].min())
    )
    if pd.isna(start):
        raise PmkitError("the schedule has no start date", file=src, field="StartDate")
    return start


def _calendars(
    project: MspdiProject,
    t: pd.DataFrame,
    res: pd.DataFrame,
    pid: str,
    span: tuple[pd.Timestamp, pd.Timestamp],
    notes: list[str],
) -> _Calendars:
    """The project's calendar and every one a task or work resource uses, as calendars.csv
    and holidays.csv rows over ``span``; a calendar with no working time (other than the
    project's) is dropped: its users take the project calendar."""
    cal_uid = str(project.props.get("CalendarUID", ""))
    proj_cal = project.calendar
    if cal_uid not in project.calendars:
        cal_uid = next(iter(project.calendars), "std")
    cal_objs: dict[str, Calendar] = {cal_uid: proj_cal}
    used = list(t["calendar_id"].dropna().astype(str))
    if len(res) and "UID" in project.resources:
        used += list(res.get("CalendarUID", pd.Series(dtype=str)).dropna().astype(str))
    for c in used:
        if c in project.calendars:
            cal_objs.setdefault(c, project.calendars[c])
    cals = _Calendars(cal_uid, cal_objs, {u: f"{pid}-CAL{u}" for u in cal_objs}, {}, {}, [], [])
    for u, cal in list(cal_objs.items()):
        try:
            crow, hol = _calendar_row(cals.ids[u], cal, span[0], span[1], notes)
        except CalendarError:  # e.g. a budget resource's calendar with no working time
            if u == cal_uid:
                raise
            notes.append(f"calendar {cal.name!r} has no working time: project calendar used")
            del cal_objs[u]
            continue
        cals.rows.append(crow)
        cals.holidays.extend(hol)
        cals.mpd[u] = float(crow["hours_per_day"]) * 60.0
        cals.week_share[u] = sum(e - s for d in range(7) for s, e in cal.week_periods(d)) / 10080.0
    return cals


def _task_plan(t: pd.DataFrame, cals: _Calendars, pid: str, notes: list[str]) -> _TaskPlan:
    """Each task's calendar and working minutes (an elapsed duration becomes the working
    time it spans from the task's stored start, else calendar time x the weekly share)."""
    t_cal = [
        str(c) if c is not None and not pd.isna(c) and str(c) in cals.objs else cals.main
        for c in t["calendar_id"]
    ]
    dur = t["duration_min"].astype(float).to_numpy().copy()
    for i in np.flatnonzero(t["elapsed"].astype(bool).to_numpy()).tolist():
        cal = cals.objs[t_cal[i]]
        st = t["ms_start"].iloc[i]
        if st is not None and pd.notna(st):
            dur[i] = float(
                cal.working_minutes_between(st, pd.Timestamp(st) + pd.Timedelta(minutes=dur[i]))[0]
            )
        else:
            dur[i] = dur[i] * cals.week_share[t_cal[i]]
    if t["elapsed"].any():
        notes.append(f"{int(t['elapsed'].sum())} elapsed duration(s) converted to working days")
    uids = t["uid"].to_numpy()
    return _TaskPlan(
        t=t,
        uids=uids,
        task_ids=[f"{pid}-{u}" for u in uids],
        summary=t["summary"].to_numpy(),
        cal=t_cal,
        dur=dur,
        mpd=np.array([cals.mpd[c] for c in t_cal]),
    )


def _constraints(
    t: pd.DataFrame, summary: np.ndarray, notes: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Constraint types and dates (days); a manually scheduled task is pinned MSO at its
    manual start; ASAP/ALAP carry no date."""
    ctype = t["constraint_type"].fillna("ASAP").astype(str).to_numpy().copy()
    cdate = pd.to_datetime(t["constraint_date"]).dt.normalize().to_numpy().copy()
    manual = t["manual"].astype(bool).to_numpy() & t["manual_start"].notna().to_numpy() & ~summary
    if manual.any():
        ctype[manual] = "MSO"
        cdate[manual] = pd.to_datetime(t.loc[manual, "manual_start"]).dt.normalize().to_numpy()
        notes.append(f"{int(manual.sum())} manually scheduled task(s) pinned (MSO) at their start")
    cdate = np.where(np.isin(ctype, ["ASAP", "ALAP"]), np.datetime64("NaT"), cdate)
    return ctype, cdate


def _progress(t: pd.DataFrame, notes: list[str]) -> tuple[np.ndarray, pd.Series, pd.Series]:
    """Percent complete (0..100) and actual start/finish days; an actual finish without
    100 % or without an actual start is dropped.

    ``PercentComplete`` is a whole number in MSPDI; ``ActualDuration`` / ``Duration`` says
    the share to the minute (22.5 % is written 22, or 23 by another writer). Where the two
    agree to the whole percent, the finer share is read: the remaining work, and so the
    finish at the status date, are then the file's own (half a percent of a 60-day task is
    2.4 working hours)."""
    pct = t["percent_complete"].fillna(0).astype(float).clip(0, 100).to_numpy()
    if "actual_duration_min" in t.columns:
        ad = pd.to_numeric(t["actual_duration_min"], errors="coerce").to_numpy(dtype=float)
        dur = pd.to_numeric(t["duration_min"], errors="coerce").to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            fine = 100.0 * ad / dur
        ok = (dur > 0) & np.isfinite(fine) & (np.abs(fine - pct) <= 0.5 + 1e-9) & (pct < 100)
        pct = np.where(ok, np.clip(fine, 0.0, 100.0), pct)
    a_s = pd.to_datetime(t["actual_start"]).dt.normalize()
    a_f = pd.to_datetime(t["actual_finish"]).dt.normalize()
    bad_af = a_f.notna() & ((pct < 100) | a_s.isna())
    if bad_af.any():
        notes.append(f"{int(bad_af.sum())} actual finish(es) without 100% / actual start dropped")
        a_f = a_f.mask(bad_af)
    return pct, a_s, a_f


def _baseline(
    project: MspdiProject, t: pd.DataFrame, uids: np.ndarray
) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Baseline 0's start and finish days, and the budgeted cost (Baseline 0's cost, else
    the task's Cost; MSPDI stores money in hundredths)."""
    b0 = project.baseline0 if len(project.baselines) else None

    def b_col(col: str) -> pd.Series:
        if b0 is None or col not in b0:
            return pd.Series([None] * len(t))
        return pd.Series([b0[col].get(u) for u in uids])

    b_start = pd.to_datetime(b_col("start")).dt.normalize()
    b_finish = pd.to_datetime(b_col("finish")).dt.normalize()
    raw_cost = {int(r["UID"]): _num(r.get("Cost")) / 100.0 for r in project.raw_tasks if "UID" in r}
    b_cost = b_col("cost").astype(float) / 100.0
    cost = np.where(b_cost.notna(), b_cost, [raw_cost.get(int(u), 0.0) for u in uids]).clip(0)
    return b_start, b_finish, cost


def _tasks_table(
    project: MspdiProject,
    plan: _TaskPlan,
    cals: _Calendars,
    pid: str,
    src: str,
    notes: list[str],
) -> tuple[pd.DataFrame, _Headline]:
    """tasks.csv, and what the project row takes from it."""
    t, uids, summary = plan.t, plan.uids, plan.summary
    days = np.where(summary, 0.0, np.round(plan.dur / plan.mpd, 6))
    milestone = t["is_milestone"].astype(bool).to_numpy() & (days == 0) & ~summary
    ctype, cdate = _constraints(t, summary, notes)
    pct, a_s, a_f = _progress(t, notes)
    b_start, b_finish, cost = _baseline(project, t, uids)
    tasks = pd.DataFrame(
        {
            "task_id": plan.task_ids,
            "project_id": pid,
            "wbs": t["wbs_new"].to_numpy(),
            "name": [
                str(n) if n is not None and str(n).strip() else f"Task {u}"
                for n, u in zip(t["name"], uids, strict=True)
            ],
            "outline_level": t["level"].astype("int64").to_numpy(),
            "is_summary": summary,
            "is_milestone": milestone,
            "duration_days": days,
            "optimistic_days": np.nan,
            "most_likely_days": np.nan,
            "pessimistic_days": np.nan,
            "constraint_type": ctype,
            "constraint_date": pd.to_datetime(cdate),
            "calendar_id": ["" if c == cals.main else cals.ids[c] for c in plan.cal],
            "percent_complete": pct,
            "actual_start": a_s.to_numpy(),
            "actual_finish": a_f.to_numpy(),
            "baseline_start": b_start.to_numpy(),
            "baseline_finish": b_finish.to_numpy(),
            "budgeted_cost": cost,
        }
    )
    tasks.attrs = {"source": src, "elements": [f"Task UID {u}" for u in uids]}
    headline = _Headline(
        leaf_cost=float(cost[~summary].sum()),
        has_progress=bool((pct > 0).any() or a_s.notna().any()),
        baseline_finish=_project_baseline_finish(project, b_finish),
    )
    return tasks, headline


def _project_baseline_finish(project: MspdiProject, task_finish: pd.Series) -> pd.Timestamp:
    """The project summary's (UID 0) Baseline 0 finish when the file has one (what Project
    shows as the baseline finish, and what pmkit's export writes), else the latest task's."""
    b0 = project.baseline0
    if 0 in b0.index and pd.notna(pd.to_datetime(b0.at[0, "finish"])):
        return pd.Timestamp(b0.at[0, "finish"]).normalize()
    return task_finish.max() if task_finish.notna().any() else pd.NaT


def _lag_minutes(lk: Mapping[Any, Any], pred_minutes: float, week_share: float) -> float:
    """A link's lag in working minutes: percent lags of the predecessor's duration, elapsed
    lags x the successor calendar's weekly share of working time."""
    if lk.get("lag_percent"):
        return float(lk["lag_percent"]) / 100.0 * pred_minutes
    if lk.get("lag_elapsed"):
        return float(lk["lag_min"]) * week_share
    return float(lk["lag_min"] or 0.0)


def _links_table(
    project: MspdiProject, plan: _TaskPlan, cals: _Calendars, src: str, notes: list[str]
) -> pd.DataFrame:
    """links.csv: lags in the successor's working days; links on summaries go to/from each
    of their leaf tasks; links to tasks outside the file are left out."""
    ulist = plan.uids.tolist()
    tid_of = dict(zip(ulist, plan.task_ids, strict=True))
    idx_of = {u: i for i, u in enumerate(ulist)}
    leaves_of = _leaves(plan.t["wbs_new"].tolist(), plan.summary, ulist)
    links_rows: list[dict[str, Any]] = []
    link_el: list[str] = []
    n_ext = n_sum = 0
    for lk in project.links.to_dict("records"):
        p_u, s_u = lk["pred_uid"], lk["succ_uid"]
        if p_u not in idx_of or s_u not in idx_of:
            n_ext += 1
            continue
        si = idx_of[s_u]
        lag_w = _lag_minutes(lk, plan.dur[idx_of[p_u]], cals.week_share[plan.cal[si]])
        preds = leaves_of.get(p_u, [p_u])
        succs = leaves_of.get(s_u, [s_u])
        if len(preds) > 1 or len(succs) > 1 or plan.summary[idx_of[p_u]] or plan.summary[si]:
            n_sum += 1
        for pu, su in ((pu, su) for pu in preds for su in succs if pu != su):
            links_rows.append(
                {
                    "pred_id": tid_of[pu],
                    "succ_id": tid_of[su],
                    "type": lk["type"],
                    "lag_days": round(lag_w / plan.mpd[idx_of[su]], 6),
                }
            )
            link_el.append(f"Task UID {s_u} PredecessorLink {p_u}")
    if n_ext:
        notes.append(f"{n_ext} link(s) to tasks outside the file left out")
    if n_sum:
        notes.append(f"{n_sum} link(s) on summary tasks applied to their leaf tasks")
    links = pd.DataFrame(links_rows, columns=["pred_id", "succ_id", "type", "lag_days"])
    keep = ~links.duplicated(["pred_id", "succ_id"]).to_numpy()
    links = links[keep].reset_index(drop=True)
    links.attrs = {"source": src, "elements": [e for e, k in zip(link_el, keep, strict=True) if k]}
    return links


def _resources_table(res: pd.DataFrame, cals: _Calendars, pid: str, src: str) -> pd.DataFrame:
    """resources.csv: role = Group, capacity = MaxUnits x the calendar's hours per day."""
    r_rows, r_el = [], []
    for r in res.to_dict("records") if len(res) else []:
        rc = str(r.get("CalendarUID") or "")
        rc = rc if rc in cals.objs else cals.main
        units = _num(r.get("MaxUnits"), 1.0) or 1.0
        group = r.get("Group")
        r_rows.append(
            {
                "resource_id": f"{pid}-R{r['UID']}",
                "name": "" if r.get("Name") is None or pd.isna(r.get("Name")) else str(r["Name"]),
                "role": str(group)
                if group is not None and not pd.isna(group) and str(group).strip()
                else "Unassigned role",
                "department": "",
                "capacity_hours_per_day": round(units * cals.mpd[rc] / 60.0, 4),
                "rate_per_hour": max(_num(r.get("StandardRate")), 0.0),
                "calendar_id": cals.ids[rc],
            }
        )
        r_el.append(f"Resource UID {r['UID']}")
    resources = pd.DataFrame(r_rows, columns=TABLES["resources"].columns)
    resources.attrs = {"source": src, "elements": r_el}
    return resources


def _assignments_table(
    project: MspdiProject,
    plan: _TaskPlan,
    res: pd.DataFrame,
    pid: str,
    src: str,
    notes: list[str],
) -> pd.DataFrame:
    """assignments.csv: leaf tasks and work resources, units > 0, one row per pair."""
    tid_of = dict(zip(plan.uids.tolist(), plan.task_ids, strict=True))
    idx_of = {u: i for i, u in enumerate(plan.uids.tolist())}
    known_res = {str(r["UID"]) for r in res.to_dict("records")} if len(res) else set()
    a_rows: dict[tuple[str, str], float] = {}
    a_el: dict[tuple[str, str], str] = {}
    n_skip = 0
    for a in project.assignments.to_dict("records") if len(project.assignments) else []:
        tu, ru = str(a.get("TaskUID")), str(a.get("ResourceUID"))
        try:
            ti = idx_of[int(tu)]
        except (KeyError, ValueError):
            n_skip += 1
            continue
        units = _num(a.get("Units"), 1.0)
        if ru == "-65535":  # Project's placeholder: a task with no resource
            continue
        if ru not in known_res or plan.summary[ti] or units <= 0:
            n_skip += 1
            continue
        key = (tid_of[int(tu)], f"{pid}-R{ru}")
        a_rows[key] = a_rows.get(key, 0.0) + units
        a_el.setdefault(key, f"Assignment UID {a.get('UID')}")
    if n_skip:
        notes.append(
            f"{n_skip} assignment(s) left out (no task, summary, no work resource or 0 units)"
        )
    assignments = pd.DataFrame(
        [{"task_id": k[0], "resource_id": k[1], "units": v} for k, v in a_rows.items()],
        columns=["task_id", "resource_id", "units"],
    )
    assignments.attrs = {"source": src, "elements": list(a_el.values())}
    return assignments


def _project_row(
    project: MspdiProject,
    pid: str,
    name: str | None,
    programme: str,
    src: str,
    dates: tuple[pd.Timestamp, pd.Timestamp],
    cals: _Calendars,
    headline: _Headline,
    notes: list[str],
) -> dict[str, Any]:
    """The projects.csv row before the caller's overrides (``dates``: start, computed
    finish); the baseline finish is Baseline 0's when it is not before the start."""
    start, finish = dates
    proj_name = name or re.sub(
        r"\.(xml|mpp|xer|pmxml)$",
        "",
        str(project.props.get("Title") or project.props.get("Name") or Path(src).stem),
    )
    row: dict[str, Any] = {
        **PROJECT_DEFAULTS,
        "project_id": pid,
        "name": proj_name,
        "programme": programme,
        "phase": "execution" if headline.has_progress else "planning",
        "start": start,
        "finish_baseline": max(finish, start) if pd.notna(finish) else start,
        "budget": headline.leaf_cost,
        "calendar_id": cals.ids[cals.main],
    }
    baseline_finish = headline.baseline_finish
    if pd.notna(baseline_finish) and baseline_finish >= start:
        row["finish_baseline"] = baseline_finish
    elif pd.notna(baseline_finish):
        notes.append("baseline finishes before the project start: computed finish used")
    return row


def _calendar_tables(cals: _Calendars, src: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """calendars.csv and holidays.csv."""
    calendars = pd.DataFrame(cals.rows, columns=TABLES["calendars"].columns)
    calendars.attrs = {"source": src, "elements": [f"Calendar UID {u}" for u in cals.objs]}
    holidays = pd.DataFrame(cals.holidays, columns=TABLES["holidays"].columns)
    holidays.attrs = {
        "source": src,
        "elements": [f"Calendar {h['calendar_id']} exception" for h in cals.holidays],
    }
    return calendars, holidays


def _leaves(wbs: list[str], summary: np.ndarray, uids: list[Any]) -> dict[Any, list[Any]]:
    """Summary uid -> the uids of the leaf tasks under it."""
    out: dict[Any, list[Any]] = {}
    sums = [(w, u) for w, u, s in zip(wbs, uids, summary, strict=True) if s]
    for w, u in sums:
        pre = w + "."
        out[u] = [
            v for ww, v, s in zip(wbs, uids, summary, strict=True) if not s and ww.startswith(pre)
        ]
    return out


def _file_schedule(project: MspdiProject) -> Any:
    """pmkit's schedule of the file as read (None when it cannot be computed)."""
    try:
        return schedule_mspdi(project)
    except PmkitError:
        return None


def _stored_finish(project: MspdiProject) -> pd.Timestamp:
    """Project's stored finish (when pmkit cannot schedule the file)."""
    t = project.tasks
    stored = project.props.get("FinishDate") or (t["ms_finish"].max() if len(t) else None)
    return _day(stored)


def _resource_driven_spans(
    project: MspdiProject, plan: _TaskPlan, cals: _Calendars, sched: Any, notes: list[str]
) -> None:
    """A task whose work runs on its resources' calendars (a night shift, a part-time
    resource's own week) spans, in Project and in ``pmkit schedule`` of the file, more (or
    less) of its own calendar than its ``Duration`` says; the portfolio schedules tasks on
    their own calendar only. So it takes, in ``plan.dur``, the working time of its calendar
    that its file schedule spans (early start to early finish), where the file's stored
    finish is that same instant (the file's own answer, not a reading of it). Without this,
    the corpus's legacy-sample "Second Task" (two resources at 50 % and 75 %, one on nights)
    finished 2003-05-26 after import against Project's 2003-03-18."""
    if sched is None:
        return
    driven = resource_driven_uids(project)
    if not driven:
        return
    s = sched.tasks.set_index("uid")
    stored = plan.t.set_index("uid")["ms_finish"]
    n = 0
    for i, uid in enumerate(plan.uids.tolist()):
        if uid not in driven or uid not in s.index or plan.summary[i]:
            continue
        es, ef = s.at[uid, "early_start"], s.at[uid, "early_finish"]
        if pd.isna(es) or pd.isna(ef):
            continue
        cal = cals.objs[plan.cal[i]]
        # only where the file's own dates agree: a format that lost the task's "ignore
        # resource calendars" (MPX) would otherwise stretch a task its writer did not
        known = stored.get(uid)
        if known is None or pd.isna(known):
            continue
        w_known, w_ef = cal.to_working_minutes(pd.Series([known, ef])).tolist()
        if w_known != w_ef:
            continue
        span = float(cal.working_minutes_between(es, ef)[0])
        if span >= 0 and span != plan.dur[i]:
            plan.dur[i] = span
            n += 1
    if n:
        notes.append(
            f"{n} task(s) scheduled on their resources' calendars: duration = the working "
            "time of the task's calendar their work spans"
        )


# ---------------------------------------------------------------------------- merge
def _text(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Typed cells -> the text a CSV would hold (what the door reads)."""
    out = {}
    for c in cols:
        if c not in df.columns:
            continue
        s = df[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[c] = s.dt.strftime(DATE_FORMAT).fillna("")
        elif pd.api.types.is_bool_dtype(s):
            out[c] = s.map({True: "true", False: "false"})
        elif pd.api.types.is_numeric_dtype(s):
            out[c] = s.map(lambda v: "" if pd.isna(v) else repr(float(v)).removesuffix(".0"))
        else:
            out[c] = s.map(
                lambda v: (
                    ""
                    if v is None or (isinstance(v, float) and pd.isna(v))
                    else (
                        pd.Timestamp(v).strftime(DATE_FORMAT)
                        if isinstance(v, pd.Timestamp)
                        else str(v)
                    )
                )
            )
    return (
        pd.DataFrame(out, index=range(len(df))).astype("str")
        if out
        else pd.DataFrame(index=range(len(df)))
    )


def tables_of(portfolio: Portfolio) -> dict[str, pd.DataFrame]:
    """Every table of ``portfolio`` by file stem (what :func:`add_project` merges into)."""
    return {name: portfolio.table(name) for name in TABLES}


def add_project(
    portfolio: Portfolio | None,
    tables: Mapping[str, pd.DataFrame],
    *,
    source: str | None = None,
    standards: Mapping[str, Any] | None = None,
) -> Portfolio:
    """Merge ``tables`` (one or more projects) into ``portfolio`` through the validation door.

    ``standards``: the new portfolio's ``standards.yaml`` entries when ``portfolio`` is None
    (a lone import: the file's status date); a portfolio keeps its own.

    Returns a new, validated portfolio; ``portfolio`` is not changed. Raises
    :class:`~pmkit.errors.PortfolioValidationError` with every problem of the merged tables
    (a project id already taken, an unknown calendar, a cycle...). Issues on imported rows name
    the source file and the element (``"Task UID 12"``); issues on the portfolio's own rows
    keep their CSV file and line.
    """
    base = tables_of(portfolio) if portfolio is not None else {}
    if "projects" in tables and portfolio is not None:
        p = tables["projects"]
        src = str(source or p.attrs.get("source") or "imported file")
        _refuse_taken_ids(portfolio, p["project_id"].astype(str).str.strip().tolist(), src)
    standards = dict(portfolio.standards) if portfolio is not None else dict(standards or {})
    new = _with_priority(base, {k: v for k, v in tables.items() if k in TABLES})
    raw, spans = _merged_text(base, new, source)
    _, report = validate_tables(raw, standards, source=str(source or ""))
    issues = [_on_import(i, spans) for i in report.issues]
    merged_report = ValidationReport(issues, source=report.source)
    merged_report.raise_if_errors()
    typed, _ = validate_tables(raw, standards)
    src_path = portfolio.source if portfolio is not None else None
    return Portfolio.from_tables(typed, standards, source=src_path)


def _refuse_taken_ids(portfolio: Portfolio, ids: list[str], source: str) -> None:
    """A project id the portfolio already holds is one error naming it and a free id.

    Left to the door, the clash also repeats on every task, link and calendar the new project
    shares an id or an outline number with (a dozen follow-on errors that are not the cause).
    """
    have = portfolio.projects["project_id"].astype(str).str.strip().tolist()
    line = {pid: i + 2 for i, pid in reversed(list(enumerate(have)))}
    names = portfolio.projects["name"].astype(str).tolist()
    taken = [pid for pid in dict.fromkeys(ids) if pid in line]
    if not taken:
        return
    used = set(have) | set(ids)
    issues: list[ValidationIssue] = []
    for pid in taken:
        free = _free_project_id(pid, used)
        used.add(free)
        issues.append(
            ImportIssue(
                source,
                None,
                "project_id",
                pid,
                f"an id the portfolio does not hold, e.g. {free}",
                f"project id {pid!r} is already taken by {names[line[pid] - 2]!r} "
                f"(projects.csv line {line[pid]} of the portfolio); nothing was imported",
                "error",
                "duplicate",
                element="Project",
            )
        )
    ValidationReport(issues, source=source).raise_if_errors()


def _free_project_id(wanted: str, taken: set[str]) -> str:
    """An id like ``wanted`` that is not in ``taken``: the next number after the highest id
    of the same prefix (``P01`` with P01..P14 taken -> ``P15``), else ``wanted-2``, ``-3``...

    >>> _free_project_id("P01", {"P01", "P02", "P14"})
    'P15'
    >>> _free_project_id("ALPHA", {"ALPHA"})
    'ALPHA-2'
    """
    m = re.fullmatch(r"(.*?)(\d+)", wanted)
    if m:
        prefix, width = m.group(1), len(m.group(2))
        nums = [int(t[len(prefix) :]) for t in taken if re.fullmatch(re.escape(prefix) + r"\d+", t)]
        n = max(nums, default=int(m.group(2))) + 1
        while f"{prefix}{n:0{width}d}" in taken:
            n += 1
        return f"{prefix}{n:0{width}d}"
    n = 2
    while f"{wanted}-{n}" in taken:
        n += 1
    return f"{wanted}-{n}"


def _with_priority(
    base: Mapping[str, pd.DataFrame], new: dict[str, pd.DataFrame]
) -> dict[str, pd.DataFrame]:
    """A project whose priority was left to the import goes after the portfolio's last."""
    if "projects" in new and "_priority_auto" in new["projects"]:
        p = new["projects"].copy()
        last = int(base["projects"]["priority"].max()) if base and len(base["projects"]) else 0
        p["priority"] = p["priority"].where(
            ~p["_priority_auto"].fillna(False).astype(bool), last + 1
        )
        new["projects"] = p.drop(columns="_priority_auto")
    return new


#: file -> (first line, line past the last, source file, element of each row) of imported rows
_Spans = dict[str, tuple[int, int, str, list[str]]]


def _merged_text(
    base: Mapping[str, pd.DataFrame], new: Mapping[str, pd.DataFrame], source: str | None
) -> tuple[dict[str, RawTable | None], _Spans]:
    """Each table as the text a CSV would hold, the portfolio's rows then the imported ones,
    and where the imported rows are."""
    raw: dict[str, RawTable | None] = {}
    spans: _Spans = {}
    for name, spec in TABLES.items():
        old = base.get(name)
        add = new.get(name)
        if old is None and add is None:
            raw[name] = None
            continue
        parts = [x for x in (old, add) if x is not None]
        cols = spec.columns
        text = pd.concat([_text(x, cols) for x in parts], ignore_index=True)
        for c in cols:
            if c not in text:
                text[c] = ""
        text = text[cols].fillna("")
        n_old = 0 if old is None else len(old)
        lines = np.arange(2, len(text) + 2, dtype=np.int64)
        raw[name] = RawTable(text, lines)
        if add is not None:
            src = str(source or add.attrs.get("source") or "imported file")
            els = list(add.attrs.get("elements") or [])
            els += [f"row {i + 1}" for i in range(len(els), len(add))]
            spans[spec.file] = (n_old + 2, n_old + 2 + len(add), src, els)
    return raw, spans


def _on_import(i: ValidationIssue, spans: _Spans) -> ValidationIssue:
    """An issue on an imported row names the source file and the element; others stay."""
    sp = spans.get(i.file)
    if not (sp and i.line is not None and sp[0] <= i.line < sp[1]):
        return i
    msg = re.sub(r"first on line (\d+)", rf"first on {i.file} line \1 of the portfolio", i.message)
    return ImportIssue(
        sp[2],
        None,
        i.field,
        i.value,
        i.expected,
        f"{msg} ({i.file})",
        i.severity,
        element=sp[3][i.line - sp[0]],
    )


def report_frame(report: ValidationReport) -> pd.DataFrame:
    """The report as the table an analyst reads: file, line/element, field, value, expected,
    message, severity (errors first)."""
    rows = []
    for i in report.issues:
        where = getattr(i, "element", "") or ("" if i.line is None else str(i.line))
        rows.append(
            {
                "file": i.file,
                "line/element": where,
                "field": i.field or "",
                "value": "" if i.value is None else str(i.value),
                "expected": i.expected or "",
                "message": i.message,
                "severity": i.severity,
            }
        )
    df = pd.DataFrame(
        rows, columns=["file", "line/element", "field", "value", "expected", "message", "severity"]
    )
    return df.sort_values("severity", kind="stable").reset_index(drop=True)


def _status_date_notes(file: pd.Timestamp | None, portfolio: pd.Timestamp | None) -> list[str]:
    """A merged file's progress is planned at the portfolio's status date, not the file's: the
    reader is told when the two differ, since the file's dates then move on the Gantt."""
    if file is None or (portfolio is not None and file.normalize() == portfolio.normalize()):
        return []
    if portfolio is None:
        return [
            f"the file's StatusDate {file:%Y-%m-%d} is not applied: the portfolio has no status "
            "date, so the file's tasks in progress are planned as saved"
        ]
    return [
        f"the file's StatusDate is {file:%Y-%m-%d}; the portfolio's status date, "
        f"{portfolio:%Y-%m-%d}, applies to its tasks in progress"
    ]


def import_schedule(
    path: str | os.PathLike[str],
    *,
    into: Portfolio | None,
    project_id: str,
    notes: list[str] | None = None,
    **kw: Any,
) -> Portfolio:
    """Read any schedule file (MSPDI natively; .mpp/.xer/... through MPXJ) and add it as
    project ``project_id`` to ``into`` (``None``: a portfolio of that project alone).

    Alone, the portfolio's status date is the file's ``StatusDate`` (its day): a file saved
    with a status date says its progress as of then, so tasks in progress are planned at
    it (remaining work from that date, nothing unstarted before it), as in the portfolio the
    file was exported from. A file without one gives a portfolio without a status date (the
    plan as the file states it), and ``notes`` says so. Merged ``into`` a portfolio, that
    portfolio's status date applies, and ``notes`` says so when the file's differs.

    ``notes``, when given, receives the import's warnings and notes (a duplicate link kept
    once, elapsed durations converted, ...): the import report shows them.

    Raises ``MspdiError`` / ``MpxjUnavailableError`` (the file cannot be read) or
    ``PortfolioValidationError`` (the merged portfolio would not be valid). ``kw`` goes to
    :func:`project_tables_from_schedule` (``name``, ``programme``, ``sponsor``...).
    """

    if into is not None:
        _refuse_taken_ids(into, [str(project_id).strip()], Path(path).name)
    project = read_project_file(Path(path))
    try:
        tables = project_tables_from_schedule(project, project_id=project_id, **kw)
    except PmkitError as exc:  # past the reader (a project calendar with no working time)
        exc.file = exc.file or str(path)
        raise
    standards: dict[str, Any] = {}
    file_notes = list(tables["projects"].attrs.get("notes", []))
    status = project.status_date
    if into is None:
        if status is not None:
            standards["status_date"] = f"{status:%Y-%m-%d}"
            file_notes.append(f"status date: the file's StatusDate, {status:%Y-%m-%d}")
        else:
            file_notes.append("the file has no StatusDate: no status date (the plan as saved)")
    else:
        file_notes.extend(_status_date_notes(status, into.status_date))
    merged = add_project(into, tables, source=Path(path).name, standards=standards)
    if notes is not None:
        notes.extend(file_notes)
    return merged
