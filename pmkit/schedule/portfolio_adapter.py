"""Schedule the portfolio tables (docs/DATA-MODEL.md) with the CPM engine.

Durations and lags are working days of the task's calendar; they become working minutes via
the calendar's ``hours_per_day``. ``task_id`` is the uid.

Cross-project links. :func:`schedule_portfolio` schedules every project in one network, so a
link between projects is an ordinary link. :func:`schedule_project` schedules one project: a
predecessor in another project becomes a pinned external task at the dates ``external`` (a
portfolio :class:`Schedule`) gives it, or, without ``external``, the link is ignored and the
successor is flagged in the ``external_preds_ignored`` column (and in ``Schedule.notes``), so
a dashboard can say the single-project dates do not account for it.

The plan at the status date (one rule for every engine and page)
-----------------------------------------------------------------
:func:`plan_at_status` builds the portfolio network with progress at ``portfolio.status_date``
(Microsoft Project's "move remaining work after the status date"):

- a finished task (``actual_finish``) sits at its actual dates;
- a started task keeps its ``actual_start``; its remaining work, ``duration x (1 - %
  complete)``, runs from the status date (the next working instant after that day), so its
  finish is ``resume + remaining``; links out of it are measured from its actual start;
  links into it hold its predecessors' late dates back from that resume instant (as
  Project does, and the MSPDI ``pmkit export`` writes carries it as ``Resume``);
  the same rule whether the task is behind schedule (less done than the working time
  elapsed: it finishes later than actual start + duration) or **ahead** of it (more done:
  that work was done before the status date, so it finishes earlier). Project applies it
  with its options "move start of remaining parts before status date forward to status
  date" and "move end of completed parts after status date back to status date ... and
  move start of remaining parts back"; the exported file turns them on
  (:data:`pmkit.exporting.STATUS_OPTIONS`), so the file scheduled again finishes as here;
- a task not started starts no earlier than the status date (nor its project's start); a
  Must-Start/Finish-On date that would put it before the status date becomes a
  Start/Finish-No-Earlier-Than;
- each project's backward pass ends at that project's own finish (``finish_group``): its
  late dates and float are the project's own. Cross-project links drive early dates (a late
  predecessor in another project delays the successor) but do **not** bound late dates: a
  task's float says how far it can slip before *its* project's finish moves; what a slip does
  to other projects is :func:`pmkit.portfolio.dependencies.propagate_slip`'s question (link
  float of the cross-project links is in ``Schedule.links``).

:func:`schedule_portfolio` returns that plan, computed once per portfolio object and status
date (cached); :func:`schedule_project` is one project's slice of it, so the Gantt, the
roll-up, levelling, capacity, what-if and Monte Carlo's deterministic run read the same dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from pmkit.calendar import Calendar, whole_days
from pmkit.errors import ScheduleError, UnknownIdError
from pmkit.model import Portfolio, object_cache
from pmkit.schedule.cpm import Schedule, schedule_network

__all__ = [
    "downstream_projects",
    "keep_subnetwork",
    "plan_at_status",
    "plan_inputs",
    "reschedule_project",
    "schedule_portfolio",
    "schedule_project",
    "schedule_subnetwork",
]


def _calendar_getter(portfolio: Portfolio) -> Any:
    """``cid -> Calendar`` (``Portfolio.calendar``: hours_per_day applied, cached)."""

    def get(cid: Any) -> Calendar:
        return portfolio.calendar(str(cid))

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
    if col not in tasks.columns:
        return np.full(len(tasks), np.datetime64("NaT"), dtype="datetime64[ns]")
    when = pd.to_datetime(tasks[col], errors="coerce")
    return whole_days(when, cal_id, cals, finish=finish)


FINISH_CONSTRAINTS = ("MFO", "FNET", "FNLT")


def _constraint_dates(
    ctype: np.ndarray, cdate: Any, cal_id: pd.Series, cals: Mapping[str, Calendar]
) -> np.ndarray:
    """Constraint dates as instants. A finish constraint's date without a time of day means
    the end of that day's work (Microsoft Project's default end time): ``FNLT 2027-01-08`` is
    "finished by Friday evening". Read as midnight, it was Thursday evening, so an MFO or FNET
    task finished a working day early and an FNLT one lost a day of float. Start constraints
    keep midnight: the same working minute as the day's first start."""
    when = pd.Series(pd.to_datetime(np.asarray(cdate)), index=cal_id.index)
    finish = np.isin(np.asarray(ctype, dtype=str), FINISH_CONSTRAINTS)
    ends = _actual_dates(pd.DataFrame({"d": when}), "d", cal_id, cals, finish=True)
    return np.where(finish, ends, when.to_numpy(dtype="datetime64[ns]"))


def _duration_min(days: pd.Series, mpd: pd.Series) -> np.ndarray:
    """Durations (working days, missing = 0) as working minutes of each row's calendar."""
    return (days.fillna(0).astype(float) * mpd).to_numpy()


def _flag(col: pd.Series) -> np.ndarray:
    """A yes/no column (missing = no)."""
    return col.fillna(False).astype(bool).to_numpy()


def _network(
    portfolio: Portfolio, tasks: pd.DataFrame, get_cal: Any
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
            "duration_min": _duration_min(tasks["duration_days"], mpd),
            "is_summary": tasks["is_summary"].fillna(False).astype(bool).to_numpy(),
            "is_milestone": _flag(tasks["is_milestone"]),
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
    eng["constraint_date"] = _constraint_dates(
        eng["constraint_type"].to_numpy(), eng["constraint_date"], cal_id, cals
    )
    if main_id not in cals:  # no task at all: the first project's calendar
        cals[main_id] = get_cal(main_id)
    return eng, cals[main_id], cals


def _resume(eng: pd.DataFrame, status: pd.Timestamp, cals: Mapping[str, Calendar]) -> np.ndarray:
    """Per task, where work resumes after the status date: the first working instant of the
    task's calendar after the status day (work through the status day is done)."""
    day = np.array([np.datetime64(status.normalize() + pd.Timedelta(days=1), "D")])
    ids = eng["calendar_id"].to_numpy(dtype=object)
    out = np.empty(len(eng), dtype="datetime64[ns]")
    for cid in pd.unique(ids):
        out[ids == cid] = cals[str(cid)].next_working_start(day)[0]
    return out


def _working(cals: Mapping[str, Calendar], ids: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """Working minutes of ``dates`` on each row's calendar."""
    out = np.zeros(len(dates), dtype=float)
    for cid in pd.unique(ids):
        sel = ids == cid
        out[sel] = cals[str(cid)].to_working_minutes(dates[sel])
    return out


def _at_status(
    eng: pd.DataFrame, status: Any, cals: Mapping[str, Calendar], pstart: np.ndarray
) -> pd.DataFrame:
    """Progress at the status date (module doc): remaining work of started tasks from the
    status date, nothing unstarted before it, nothing before its project's start."""
    floor = pd.to_datetime(pstart)
    if status is None or pd.isna(status):
        eng = eng.copy()
        eng["not_before"] = floor
        return eng
    status = pd.Timestamp(status)
    resume = _resume(eng, status, cals)
    ids = eng["calendar_id"].to_numpy(dtype=object)
    a_s = eng["actual_start"].to_numpy(dtype="datetime64[ns]")
    a_f = eng["actual_finish"].to_numpy(dtype="datetime64[ns]")
    has_s, has_f = ~np.isnat(a_s), ~np.isnat(a_f)
    pc = _percent(eng["percent_complete"])
    dur = eng["duration_min"].to_numpy(dtype=float)
    remaining = dur * (1.0 - pc / 100.0)
    w_resume = _working(cals, ids, resume)
    started = has_s & ~has_f & (a_s <= resume)
    if started.any():
        w_start = _working(cals, ids[started], a_s[started])
        done_span = np.maximum(w_resume[started] - w_start, 0.0)
        dur = dur.copy()
        dur[started] = done_span + remaining[started]
    unstarted = ~has_s & ~has_f
    # progress reported without an actual start: only the remaining share is left to do
    dur = np.where(unstarted & (pc > 0), remaining, dur)
    floor_ns = floor.to_numpy(dtype="datetime64[ns]")
    not_before = np.where(unstarted, np.maximum(floor_ns, resume), floor_ns)
    # a pin that would start unstarted work before the status date becomes a floor
    ctype = eng["constraint_type"].astype(str).to_numpy()
    cdate = pd.to_datetime(eng["constraint_date"]).to_numpy(dtype="datetime64[ns]")
    w_c = _working(cals, ids, np.where(np.isnat(cdate), resume, cdate))
    implied = np.where(ctype == "MFO", w_c - dur, w_c)
    early_pin = unstarted & np.isin(ctype, ["MSO", "MFO"]) & (implied < w_resume)
    return eng.assign(
        duration_min=dur,
        # where a started task's remaining work resumes: as in Project (and in the MSPDI
        # ``pmkit export`` writes), it bounds its predecessors' late dates, not its late start
        resume=np.where(started, resume, np.datetime64("NaT")),
        not_before=not_before,
        constraint_type=np.where(early_pin, np.where(ctype == "MSO", "SNET", "FNET"), ctype),
    )


def _percent(col: pd.Series) -> np.ndarray:
    """Percent complete as numbers in 0..100 (missing or not a number: 0)."""
    if col.dtype.kind == "f":
        a = col.to_numpy(dtype=float)
        return np.clip(np.where(np.isnan(a), 0.0, a), 0.0, 100.0)
    pc = pd.to_numeric(col, errors="coerce").fillna(0.0).clip(0.0, 100.0)
    return pc.to_numpy(dtype=float)


def _links(
    portfolio: Portfolio,
    tasks: pd.DataFrame,
    cals: Mapping[str, Calendar],
    cal_of: Mapping[Any, str],
    lk: pd.DataFrame | None = None,
) -> pd.DataFrame:
    lk = portfolio.links if lk is None else lk
    if not len(lk):
        mpd: Any = lk["succ_id"].map(lambda t: 480.0)
    else:  # each calendar's day asked once, not once per link
        per_cal: dict[Any, float] = {}

        def day(t: Any) -> float:
            if t not in cal_of:
                return 480.0
            cid = cal_of[t]
            if cid not in per_cal:
                per_cal[cid] = cals[cid].minutes_per_day
            return per_cal[cid]

        mpd = np.array([day(t) for t in lk["succ_id"].tolist()], dtype=float)
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


def _status(portfolio: Portfolio) -> pd.Timestamp | None:
    """The portfolio's status date (``None``: plan from the start, no progress rule)."""
    status = getattr(portfolio, "status_date", None)
    return None if status is None or pd.isna(status) else pd.Timestamp(status)


def _engine_tasks(
    portfolio: Portfolio, tasks: pd.DataFrame
) -> tuple[pd.DataFrame, Calendar, dict[str, Calendar], dict[Any, Any]]:
    """The engine's table of ``tasks`` at the status date, each project its own finish group,
    with the main calendar, the calendars and each task's calendar id: the whole plan and a
    what-if's sub-network start from the same rows."""
    eng, main, cals = _network(portfolio, tasks, _calendar_getter(portfolio))
    starts = portfolio.projects.set_index("project_id")["start"]
    pstart = pd.to_datetime(tasks["project_id"].map(starts)).to_numpy()
    eng = _at_status(eng, _status(portfolio), cals, pstart)
    eng["finish_group"] = eng["project_id"]
    cal_of = dict(zip(eng["uid"], eng["calendar_id"], strict=True))
    return eng, main, cals, cal_of


def plan_inputs(
    portfolio: Portfolio, overrides: Mapping[str, Mapping[str, Any]] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, Calendar, dict[str, Calendar]]:
    """The engine tables of the plan at the status date: ``(tasks, links, main calendar,
    calendars)``; tasks carry ``not_before``, ``finish_group`` (the project) and the
    durations left at the status date (module doc). Monte Carlo builds its network from
    these too, so there is one progress rule."""
    tasks = _apply_overrides(portfolio.tasks, overrides)
    eng, main, cals, cal_of = _engine_tasks(portfolio, tasks)
    return eng, _links(portfolio, tasks, cals, cal_of), main, cals


def plan_at_status(
    portfolio: Portfolio,
    *,
    cross_project: bool = True,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Schedule:
    """The portfolio plan at ``portfolio.status_date`` (module doc), built now (not cached):
    all projects in one network, each with its own backward pass; ``cross_project=False``
    drops links between projects."""
    eng, links, main, cals = plan_inputs(portfolio, overrides)
    if not cross_project:
        proj = dict(zip(eng["uid"], eng["project_id"], strict=True))
        same = links["pred_uid"].map(proj) == links["succ_uid"].map(proj)
        links = links[same]
    start = pd.to_datetime(portfolio.projects["start"]).min()
    sched = schedule_network(eng, links, calendar=main, project_start=start, calendars=cals)
    sched.tasks["project_id"] = eng["project_id"].to_numpy()
    status = _status(portfolio)
    if status is not None:
        sched.notes.append(
            f"progress at the status date {status.date()}: "
            "remaining work from the status date, nothing unstarted before it"
        )
    return sched


_CACHE_ATTR = "_pmkit_plan_cache"


def _copy(sched: Schedule) -> Schedule:
    return Schedule(
        tasks=sched.tasks.copy(),
        links=sched.links.copy(),
        finish=sched.finish,
        start=sched.start,
        calendar=sched.calendar,
        notes=list(sched.notes),
    )


def _cached_plan(portfolio: Portfolio) -> Schedule:
    """:func:`plan_at_status` once per portfolio object and status date (the tables of a
    Portfolio are read-only; the key also holds their identities)."""
    cache, key, frames = _plan_slot(portfolio)
    if key not in cache:
        cache.clear()
        cache[key] = (plan_at_status(portfolio), frames)
    return cache[key][0]


def _plan_slot(portfolio: Portfolio) -> tuple[dict[Any, Any], tuple[Any, ...], tuple[Any, ...]]:
    """The per-object cache of the plan, its key (status date, the tables' identities), and
    the tables (held so their ids stay unique while the entry lives)."""
    cache = object_cache(portfolio, _CACHE_ATTR)
    frames = (portfolio.tasks, portfolio.links, portfolio.projects, portfolio.calendars)
    return cache, (str(_status(portfolio)), *(id(f) for f in frames)), frames


def adopt_plan(portfolio: Portfolio, plan: Schedule) -> None:
    """Make ``plan`` this portfolio object's plan at the status date, so
    :func:`schedule_project` / :func:`schedule_portfolio` slice it instead of scheduling the
    whole portfolio again. ``plan`` must be :func:`plan_at_status` of this same data (e.g.
    computed once per data version by another process and shared by :mod:`pmkit.cache`)."""
    cache, key, frames = _plan_slot(portfolio)
    if key not in cache:
        cache.clear()
        cache[key] = (plan, frames)


def schedule_portfolio(
    portfolio: Portfolio,
    *,
    cross_project: bool = True,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Schedule:
    """The plan at the status date, all projects in one network (:func:`plan_at_status`),
    computed once per portfolio and status date (a copy is returned); ``overrides`` and
    ``cross_project=False`` build a new one. Each project's tasks start no earlier than its
    ``start``."""
    if overrides or not cross_project:
        return plan_at_status(portfolio, cross_project=cross_project, overrides=overrides)
    return _copy(_cached_plan(portfolio))


def _project_slice(portfolio: Portfolio, plan: Schedule, project_id: str) -> Schedule:
    """One project's rows of the portfolio plan (links into it; finish of its leaves)."""
    t = plan.tasks
    t = t[t["project_id"] == project_id].reset_index(drop=True)
    t["external_preds_ignored"] = [[] for _ in range(len(t))]
    mine = set(t["uid"])
    links = plan.links[plan.links["succ_uid"].isin(mine)].reset_index(drop=True)
    info = _project_row(portfolio.projects, project_id)
    leaf = ~t["is_summary"].to_numpy(dtype=bool)
    start = pd.Timestamp(info["start"])
    notes = list(plan.notes)
    if (~links["pred_uid"].isin(mine)).any():
        notes.append("predecessors in other projects at their portfolio dates")
    return Schedule(
        tasks=t,
        links=links,
        finish=_latest(t["early_finish"], leaf) if leaf.any() else start,
        start=start,
        calendar=portfolio.calendar(str(info["calendar_id"])),
        notes=notes,
    )


def _project_row(projects: pd.DataFrame, project_id: str) -> pd.Series:
    """``projects.set_index("project_id").loc[project_id]``, without indexing the table."""
    at = np.flatnonzero(projects["project_id"].to_numpy(dtype=object) == project_id)
    if len(at) != 1:
        return projects.set_index("project_id").loc[project_id]
    return projects.iloc[int(at[0])].drop("project_id")


def _latest(dates: pd.Series, rows: np.ndarray) -> pd.Timestamp:
    """``pd.Timestamp(dates[rows].max())``: the latest date of those rows (NaT when none)."""
    if dates.dtype.kind != "M" or getattr(dates.dtype, "tz", None) is not None:
        return pd.Timestamp(dates[rows].max())
    values = dates.to_numpy()[rows]
    values = values[~np.isnat(values)]
    return pd.Timestamp(values.max()) if len(values) else pd.Timestamp(pd.NaT)


def schedule_project(
    portfolio: Portfolio,
    project_id: str,
    *,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    external: Schedule | None = None,
) -> Schedule:
    """One project: its slice of the plan at the status date (:func:`schedule_portfolio`,
    with ``overrides`` applied), so its dates, float and finish are the portfolio's.

    With ``external`` (a portfolio :class:`Schedule`), the project is scheduled alone with
    the same status-date rule and its predecessors in other projects pinned at their dates
    in ``external``."""
    projects = portfolio.projects
    if project_id not in set(projects["project_id"]):
        raise UnknownIdError("project", project_id)
    if external is None:
        # the slice makes new frames: the cached plan itself is read, never handed out
        plan = (
            _cached_plan(portfolio)
            if not overrides
            else plan_at_status(portfolio, overrides=overrides)
        )
        return _project_slice(portfolio, plan, project_id)
    return _project_alone(portfolio, project_id, overrides, external)


def _project_alone(
    portfolio: Portfolio,
    project_id: str,
    overrides: Mapping[str, Mapping[str, Any]] | None,
    external: Schedule,
) -> Schedule:
    """One project's own network, external predecessors pinned at ``external``'s dates."""
    projects = portfolio.projects
    get_cal = _calendar_getter(portfolio)
    all_tasks = _apply_overrides(portfolio.tasks, overrides)
    tasks = all_tasks[all_tasks["project_id"] == project_id]
    eng, main, cals = _network(portfolio, tasks, get_cal)
    start = pd.Timestamp(projects.set_index("project_id").loc[project_id, "start"])
    eng = _at_status(eng, _status(portfolio), cals, np.full(len(eng), start.to_datetime64()))
    cal_of = dict(zip(eng["uid"], eng["calendar_id"], strict=True))
    links = _links(portfolio, tasks, cals, cal_of)
    mine = set(tasks["task_id"])
    into = links["succ_uid"].isin(mine)
    internal = into & links["pred_uid"].isin(mine)
    ext = links[into & ~links["pred_uid"].isin(mine)]
    links = links[internal]
    notes: list[str] = []
    if len(ext):
        eng = pd.concat([eng, _ghosts(ext, external)], ignore_index=True)
        links = pd.concat([links, ext], ignore_index=True)
        notes.append("predecessors in other projects pinned at their portfolio dates")
    sched = schedule_network(eng, links, calendar=main, project_start=start, calendars=cals)
    t = sched.tasks
    t = t[t["uid"].isin(mine)].reset_index(drop=True)
    t["project_id"] = project_id
    t["external_preds_ignored"] = [[] for _ in range(len(t))]
    sched.tasks = t
    sched.links = sched.links[sched.links["succ_uid"].isin(mine)].reset_index(drop=True)
    sched.notes.extend(notes)
    leaf = t[~t["is_summary"]]
    if len(leaf):
        sched.finish = pd.Timestamp(leaf["early_finish"].max())
    return sched


def _ghosts(ext: pd.DataFrame, external: Schedule) -> pd.DataFrame:
    """External predecessors as manual tasks pinned at their dates in ``external``."""
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
    return pd.DataFrame(ghosts)


def downstream_projects(portfolio: Portfolio, project_id: str | Iterable[str]) -> list[str]:
    """``project_id`` (one id, or several) and every project their tasks reach through
    cross-project links (successors, their successors...), in first-reached order: what a
    change to those projects can move. Every other project's dates do not depend on them."""
    tasks, lk = portfolio.tasks, portfolio.links
    proj = np.append(tasks["project_id"].to_numpy(dtype=object), [None])  # None: unknown task
    ids = pd.Index(tasks["task_id"])
    pp = proj[ids.get_indexer(lk["pred_id"])]
    sp = proj[ids.get_indexer(lk["succ_id"])]
    cross = ~pd.isna(pp) & ~pd.isna(sp) & (pp != sp)
    succ: dict[Any, list[Any]] = {}
    for a, b in set(zip(pp[cross].tolist(), sp[cross].tolist(), strict=True)):
        succ.setdefault(a, []).append(b)  # each list is sorted below
    first = [project_id] if isinstance(project_id, str) else sorted(set(project_id), key=str)
    seen, order, todo = set(first), list(first), list(first)
    while todo:
        for nxt in sorted(succ.get(todo.pop(), []), key=str):
            if nxt not in seen:
                seen.add(nxt)
                order.append(nxt)
                todo.append(nxt)
    return [str(p) for p in order]


def reschedule_project(portfolio: Portfolio, changed: Portfolio, project_id: str) -> Schedule:
    """``schedule_project(changed, project_id)`` without scheduling the whole portfolio:
    ``changed`` is ``portfolio`` with the tasks and links of ``project_id`` edited (a what-if
    copy: same projects, calendars and status date). Only the project and its downstream
    projects (:func:`downstream_projects`: what the change can move) are scheduled, in one
    network, with every predecessor outside them pinned at its dates in ``portfolio``'s plan
    (unchanged by the edit, as nothing upstream depends on the project). Same rules, same
    dates as the full reschedule (test against it)."""
    if project_id not in set(changed.projects["project_id"]):
        raise UnknownIdError("project", project_id)
    base = _cached_plan(portfolio)
    pids = set(downstream_projects(changed, project_id))
    sub = _subnetwork_edited(portfolio, changed, pids, base)
    if sub is None:
        return _project_slice(changed, schedule_subnetwork(changed, pids, base), project_id)
    return _project_slice(portfolio, sub, project_id)  # same projects and calendars


def schedule_subnetwork(portfolio: Portfolio, pids: set[str], external: Schedule) -> Schedule:
    """The plan at the status date of the projects ``pids`` only (each its own finish
    group), their predecessors in other projects pinned at ``external``'s dates: with
    ``pids`` closed downstream (:func:`downstream_projects`) of what changed, the same dates
    as scheduling the whole portfolio again."""
    all_tasks = portfolio.tasks
    tasks = all_tasks[all_tasks["project_id"].isin(pids)]
    eng, _main, cals, cal_of = _engine_tasks(portfolio, tasks)
    return _run_subnetwork(portfolio, tasks, (eng, cals, cal_of), external)


def _run_subnetwork(
    portfolio: Portfolio,
    tasks: pd.DataFrame,
    engine: tuple[pd.DataFrame, dict[str, Calendar], dict[Any, Any]],
    external: Schedule,
    ghosts: Any = None,
) -> Schedule:
    """:func:`schedule_subnetwork` from the engine table of ``tasks`` (its rows, calendars,
    each task's calendar id); ``ghosts(ext, external)`` makes the pinned predecessors
    (:func:`_ghosts` by default)."""
    eng, cals, cal_of = engine
    mine = set(tasks["task_id"])
    into = portfolio.links[portfolio.links["succ_id"].isin(mine)]
    links = _links(portfolio, tasks, cals, cal_of, into)
    ext = links[~links["pred_uid"].isin(mine)]
    if len(ext):
        eng = pd.concat([eng, (ghosts or _ghosts)(ext, external)], ignore_index=True)
    start = pd.to_datetime(portfolio.projects["start"]).min()
    # the whole plan's main calendar (lags are counted on it), not this subset's
    sched = schedule_network(
        eng, links, calendar=external.calendar, project_start=start, calendars=cals
    )
    sched.tasks = _own_rows(sched.tasks, tasks)
    sched.notes = list(external.notes)
    return sched


def _own_rows(out: pd.DataFrame, tasks: pd.DataFrame) -> pd.DataFrame:
    """The scheduled rows of ``tasks`` (not the pinned predecessors after them), with their
    project: the network's first rows when the scheduler kept them in order (it does),
    else picked by id."""
    ids = tasks["task_id"].to_numpy(dtype=object)
    n = len(ids)
    if len(out) >= n and np.array_equal(out["uid"].to_numpy(dtype=object)[:n], ids):
        t = out.iloc[:n].reset_index(drop=True)
        t["project_id"] = t["uid"].map(dict(zip(ids, tasks["project_id"], strict=True)))
        return t
    t = out[out["uid"].isin(set(ids))].reset_index(drop=True)
    t["project_id"] = t["uid"].map(dict(zip(tasks["task_id"], tasks["project_id"], strict=True)))
    return t


# ----------------------------------------------------------------------------- what-if reuse
_SUBNET_ATTR = "_pmkit_subnet_cache"
SUBNETS_KEPT = 16  # sub-networks kept per portfolio (one per project a what-if edits)
_PATCHABLE = frozenset({"duration_days", "is_milestone"})  # edits patched into the kept table
# the task columns the engine table is made from (:func:`_network`; the status-date rule
# reads the engine table only): a change elsewhere changes no engine row
_ENGINE_READS = (
    "task_id", "project_id", "name", "wbs", "duration_days", "is_summary", "is_milestone",
    "calendar_id", "constraint_type", "constraint_date", "percent_complete", "actual_start",
    "actual_finish",
)  # fmt: skip


def _subnetwork_edited(
    portfolio: Portfolio, changed: Portfolio, pids: set[str], external: Schedule
) -> Schedule | None:
    """:func:`schedule_subnetwork` of ``changed`` (``portfolio`` with some tasks' durations
    or milestone flags and any links edited) from the engine table of ``portfolio``'s
    sub-network, kept per portfolio object: only the edited rows are made again, then the
    status-date rule and the scheduler run as on a new table. ``None`` when ``changed``
    differs in anything else (the caller builds the table anew)."""
    same = all(
        getattr(changed, n) is getattr(portfolio, n) for n in ("projects", "calendars", "holidays")
    )
    if not same or _status(changed) != _status(portfolio):
        return None
    kept = _kept_network(portfolio, frozenset(pids))
    pre = _patched(kept, portfolio.tasks, changed.tasks)
    if pre is None:
        return None
    tasks = changed.tasks[kept["mask"]]
    eng = _status_rows(kept, pre, _status(changed))
    eng["finish_group"] = eng["project_id"]
    engine = (eng, kept["cals"], kept["cal_of"])
    return _run_subnetwork(changed, tasks, engine, external, _kept_ghosts(kept, portfolio))


_STATUS_MOVES = ("duration_min", "is_milestone", "not_before", "constraint_type")


def _status_rows(kept: dict[str, Any], pre: pd.DataFrame, status: Any) -> pd.DataFrame:
    """``_at_status(pre, ...)``: the kept table's rows at the status date (made once per
    kept table), with the rule run again on the rows ``pre`` changed only (the rule is row
    by row; a patch changes durations and milestone flags, the rule moves those and the
    floor and constraint type)."""
    cals, pstart = kept["cals"], kept["pstart"]
    base: pd.DataFrame = kept["pre"]
    if kept.get("at_status") is None or kept["at_status"][0] != status:
        kept["at_status"] = (status, _at_status(base, status, cals, pstart))
    ready: pd.DataFrame = kept["at_status"][1]
    if pre is base:
        return ready.copy()
    edited = np.flatnonzero(
        (pre["duration_min"].to_numpy() != base["duration_min"].to_numpy())
        | (pre["is_milestone"].to_numpy() != base["is_milestone"].to_numpy())
    )
    rows = _at_status(pre.iloc[edited], status, cals, pstart[edited])
    cols = {}
    for c in _STATUS_MOVES:
        col = ready[c].to_numpy(copy=True)
        col[edited] = rows[c].to_numpy()
        cols[c] = col
    return ready.assign(**cols)


def _kept_ghosts(kept: dict[str, Any], portfolio: Portfolio) -> Any:
    """:func:`_ghosts` from the pinned predecessors of the kept sub-network (all of its
    links from other projects, made once per plan); another predecessor: made anew."""

    def ghosts(ext: pd.DataFrame, external: Schedule) -> pd.DataFrame:
        if kept.get("ghosts") is None or kept["ghosts"][0] is not external:
            mine = set(portfolio.tasks.loc[kept["mask"], "task_id"])
            lk = portfolio.links
            every = lk[lk["succ_id"].isin(mine) & ~lk["pred_id"].isin(mine)]
            made = _ghosts(every.rename(columns={"pred_id": "pred_uid"}), external)
            kept["ghosts"] = (external, made.set_index("uid", drop=False) if len(made) else None)
        table: pd.DataFrame | None = kept["ghosts"][1]
        want = pd.unique(ext["pred_uid"])
        if table is None or not pd.Index(want).isin(table.index).all():
            return _ghosts(ext, external)
        return table.loc[want].reset_index(drop=True)

    return ghosts


def keep_subnetwork(portfolio: Portfolio, project_id: str) -> None:
    """Build now the engine table a what-if of ``project_id`` starts from (kept per
    portfolio object; :func:`reschedule_project` reuses it): a page calls this while the
    reader is still editing the scenario."""
    base = _cached_plan(portfolio)
    kept = _kept_network(portfolio, frozenset(downstream_projects(portfolio, project_id)))
    # what the first Apply would make: the rows at the status date, the pinned predecessors
    _status_rows(kept, kept["pre"], _status(portfolio))
    _kept_ghosts(kept, portfolio)(pd.DataFrame({"pred_uid": []}), base)


def _kept_network(portfolio: Portfolio, pids: frozenset[str]) -> dict[str, Any]:
    """The engine table of ``pids``' tasks before the status-date rule (:func:`_network`),
    with what the rule needs, kept per portfolio object and data (the plan's key)."""
    _plan, key, _frames = _plan_slot(portfolio)
    cache = object_cache(portfolio, _SUBNET_ATTR)
    slot = (key, pids)
    if slot not in cache:
        if len(cache) >= SUBNETS_KEPT:
            cache.clear()
        mask = portfolio.tasks["project_id"].isin(pids).to_numpy()
        tasks = portfolio.tasks[mask]
        pre, _main, cals = _network(portfolio, tasks, _calendar_getter(portfolio))
        starts = portfolio.projects.set_index("project_id")["start"]
        cache[slot] = {
            "mask": mask,
            "at": np.cumsum(mask) - 1,  # a row of the whole table -> its row in ``pre``
            "pre": pre,
            "cals": cals,
            "cal_of": dict(zip(pre["uid"], pre["calendar_id"], strict=True)),
            "pstart": pd.to_datetime(tasks["project_id"].map(starts)).to_numpy(),
        }
    kept: dict[str, Any] = cache[slot]
    return kept


def _patched(kept: dict[str, Any], old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame | None:
    """The kept engine table with the task rows that differ between ``old`` and ``new``
    (the whole task tables) made again; ``None`` when a row differs in a column other than
    a duration or a milestone flag, lies outside the kept sub-network, or the tables do not
    hold the same tasks."""
    edited = _edited_rows(old, new)
    if edited is None:
        return None
    rows, cols = edited
    pre: pd.DataFrame = kept["pre"]
    if not len(rows):
        return pre
    if not cols <= _PATCHABLE or not kept["mask"][rows].all():
        return None
    was, now = old.iloc[rows], new.iloc[rows]
    started = now["actual_start"].notna().to_numpy() if "actual_start" in now else False
    was_zero = (was["duration_days"].fillna(0).astype(float) <= 0).to_numpy()
    is_zero = (now["duration_days"].fillna(0).astype(float) <= 0).to_numpy()
    if np.any(started & (was_zero != is_zero)):  # an actual start read as a milestone's
        return None
    at = kept["at"][rows]
    cals: dict[str, Calendar] = kept["cals"]
    ids = pre["calendar_id"].iloc[at].reset_index(drop=True)
    mpd = ids.map({k: v.minutes_per_day for k, v in cals.items()})
    dur = pre["duration_min"].to_numpy(copy=True)
    dur[at] = _duration_min(now["duration_days"].reset_index(drop=True), mpd)
    mile = pre["is_milestone"].to_numpy(copy=True)
    mile[at] = _flag(now["is_milestone"])
    return pre.assign(duration_min=dur, is_milestone=mile)


def _edited_rows(old: pd.DataFrame, new: pd.DataFrame) -> tuple[np.ndarray, set[str]] | None:
    """Positions of the rows of ``new`` whose engine columns differ from ``old``'s (missing
    equals missing) and those columns; ``None`` unless both hold the same tasks in the same
    order with the same columns."""
    if list(old.columns) != list(new.columns) or len(old) != len(new):
        return None
    if not np.array_equal(old["task_id"].to_numpy(), new["task_id"].to_numpy()):
        return None
    diff = np.zeros(len(old), dtype=bool)
    cols: set[str] = set()
    for c in [c for c in old.columns if c in _ENGINE_READS]:
        if old[c].equals(new[c]):  # the usual case, and fast
            continue
        a, b = old[c].reset_index(drop=True), new[c].reset_index(drop=True)
        try:
            ne = a.ne(b).to_numpy(dtype=bool) & ~(a.isna() & b.isna()).to_numpy(dtype=bool)
        except (TypeError, ValueError):
            return None
        if ne.any():
            diff |= ne
            cols.add(str(c))
    return np.flatnonzero(diff), cols
