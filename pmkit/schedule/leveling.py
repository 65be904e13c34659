"""Resource load against capacity, over-allocations, and a serial resource-levelling heuristic.

Load model (the one hours model, docs/DATA-MODEL.md): ``units`` is a share of the
*resource's* own working day, as in Microsoft Project, so an assignment of ``units`` works
``units x capacity_hours_per_day`` of the resource on each working day of the task's calendar
between its scheduled start and finish (``units = 1.0`` on a 4 h/day part-time resource is
4 h/day, never an over-allocation by itself). Capacity of a resource over a period is
``capacity_hours_per_day`` times the working days of *its* calendar in the period. Load in a
period is exact to the minute (the working days of the task inside the period), computed for
all assignments and periods at once; it equals the capacity view's demand
(:mod:`pmkit.portfolio.capacity`).

Levelling rule (``LEVELING_RULE``): a serial schedule-generation scheme.

- Started tasks (actual start or progress) keep their scheduled dates and their work is
  booked first: they are facts, levelling routes the rest around them.
- The other tasks are taken one by one; among those whose predecessors are all placed, the
  next is the one with the **highest priority** (``priorities=`` or a ``priority`` column of
  the tasks, else the project's priority; 1 = highest), **then least total float, then
  earliest unlevelled start**, then task id.
- Each is placed at the earliest instant, not before its unlevelled early start (which holds
  its constraints), that its placed predecessors allow through FS/SS/FF/SF links and lags and
  at which every resource it uses has enough free capacity for its whole duration. Capacity
  is checked at every instant, on a grid fine enough to be exact for the project's dates
  (one hour for whole-hour data), and per day on the resource's own calendar (holidays give
  no capacity; a 4 h/day resource on an 8 h calendar gives 0.5 units).
- Tasks are delayed, never split. A task that alone asks more of a resource than its capacity
  (units above 1.0) is **stretched**: its duration grows by the factor
  needed and every assignment works at that lower rate (``units_factor``), so the hours of
  work are unchanged; the result's notes say so.
- What cannot be levelled is reported, not hidden: started tasks that overlap beyond a
  resource's capacity stay so, listed in :attr:`LevelingResult.unavoidable` and in the notes
  with the tasks and the resource.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pmkit.errors import LevelingError, UnknownIdError
from pmkit.schedule.cpm import Schedule
from pmkit.schedule.portfolio_adapter import schedule_project

if TYPE_CHECKING:  # pragma: no cover
    from pmkit.calendar import Calendar
    from pmkit.model import Portfolio

__all__ = [
    "LEVELING_RULE",
    "LevelingError",
    "LevelingResult",
    "level",
    "overallocations",
    "resource_load",
]

LEVELING_RULE = "priority then least total float then earliest start"
_FREQ = {"D": "D", "W": "W", "M": "M", "ME": "M", "MS": "M"}
_EPS = 1e-9


def _task_table(schedule: Schedule | pd.DataFrame) -> pd.DataFrame:
    if isinstance(schedule, Schedule):
        t: pd.DataFrame = schedule.tasks
    elif isinstance(schedule, pd.DataFrame):
        t = schedule
    else:
        raise LevelingError(
            "expected a Schedule or a DataFrame of scheduled tasks",
            field="schedule",
            value=type(schedule).__name__,
        )
    need = {"uid", "start", "finish"}
    if not need <= set(t.columns):
        raise LevelingError("schedule table needs uid, start and finish", value=sorted(t.columns))
    if "is_summary" in t.columns:
        t = t[~t["is_summary"].astype(bool)]
    return t


def _period_edges(first: pd.Timestamp, last: pd.Timestamp, freq: str) -> pd.DatetimeIndex:
    if freq not in _FREQ:
        raise LevelingError(
            "unknown period frequency", field="freq", value=freq, expected="D, W or M"
        )
    periods = pd.period_range(first, last, freq=_FREQ[freq])
    starts = periods.start_time
    return pd.DatetimeIndex([*starts, (periods[-1] + 1).start_time])


def resource_load(
    portfolio: Portfolio,
    schedule: Schedule | pd.DataFrame,
    project_id: str | None = None,
    *,
    freq: str = "W",
    calendar: Calendar | None = None,
) -> pd.DataFrame:
    """Hours of work per resource and period against capacity.

    Parameters
    ----------
    portfolio : Portfolio
        For assignments, resources and calendars.
    schedule : Schedule or DataFrame
        Scheduled tasks (``uid, start, finish``; summaries ignored), e.g.
        ``schedule_project(p, "P01")`` or :attr:`LevelingResult.tasks`.
    project_id : str, optional
        Only assignments on this project's tasks (capacity stays the resource's whole capacity).
    freq : {"W", "M", "D"}
        Period: ISO weeks (Monday-Sunday), calendar months or days.
    calendar : Calendar, optional
        Working time of the tasks (default: the schedule's calendar).

    Returns
    -------
    DataFrame
        ``resource_id, name, role, period_start, period_end, load_hours, capacity_hours,
        utilisation, over_hours, overallocated`` for every resource with work in the scope and
        every period from the first start to the last finish.

    Examples
    --------
    >>> from pmkit import load_sample
    >>> p = load_sample()
    >>> s = schedule_project(p, "P01")
    >>> load = resource_load(p, s, "P01", freq="W")
    >>> list(overallocations(load).columns[:3])
    ['resource_id', 'name', 'role']
    """
    tasks = _task_table(schedule)
    cal = calendar
    if cal is None and isinstance(schedule, Schedule):
        cal = schedule.calendar
    if cal is None:
        raise LevelingError("a DataFrame schedule needs a calendar", field="calendar")
    a = _scheduled_assignments(portfolio, tasks, project_id)
    if a.empty:
        return pd.DataFrame(columns=_LOAD_COLUMNS)
    start = pd.to_datetime(a["start"])
    finish = pd.to_datetime(a["finish"])
    edges = _period_edges(start.min(), finish.max(), freq)
    res_ids, load = _load_hours(portfolio, a, cal, edges)
    res = portfolio.resources.set_index("resource_id").reindex(res_ids)
    cap = _capacity_hours(portfolio, res, cal, edges)
    k = len(edges) - 1
    out = pd.DataFrame(
        {
            "resource_id": np.repeat(res_ids, k),
            "name": np.repeat(res["name"].fillna("").astype(str).to_numpy(), k),
            "role": np.repeat(res["role"].fillna("").astype(str).to_numpy(), k),
            "period_start": np.tile(edges[:-1].to_numpy(), len(res_ids)),
            "period_end": np.tile(edges[1:].to_numpy(), len(res_ids)),
            "load_hours": load.ravel(),
            "capacity_hours": cap.ravel(),
        }
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["utilisation"] = np.where(
            out["capacity_hours"] > 0, out["load_hours"] / out["capacity_hours"], np.nan
        )
    out["over_hours"] = np.clip(out["load_hours"] - out["capacity_hours"], 0.0, None)
    out["overallocated"] = out["over_hours"] > 1e-6
    return out


_LOAD_COLUMNS = [
    "resource_id",
    "name",
    "role",
    "period_start",
    "period_end",
    "load_hours",
    "capacity_hours",
    "utilisation",
    "over_hours",
    "overallocated",
]


def _scheduled_assignments(
    portfolio: Portfolio, tasks: pd.DataFrame, project_id: str | None
) -> pd.DataFrame:
    """The assignments (of ``project_id``'s tasks, if given) with their task's scheduled
    ``start``, ``finish`` (and ``units_factor`` of a levelled schedule)."""
    asg = portfolio.assignments
    if project_id is not None:
        if project_id not in set(portfolio.projects["project_id"]):
            raise UnknownIdError("project", project_id)
        ids = portfolio.tasks.loc[portfolio.tasks["project_id"] == project_id, "task_id"]
        asg = asg[asg["task_id"].isin(ids)]
    keep = ["uid", "start", "finish"] + (["units_factor"] if "units_factor" in tasks else [])
    a = asg.merge(tasks[keep], left_on="task_id", right_on="uid")
    return a.dropna(subset=["start", "finish"])


def _load_hours(
    portfolio: Portfolio, a: pd.DataFrame, cal: Calendar, edges: pd.DatetimeIndex
) -> tuple[np.ndarray, np.ndarray]:
    """The resources with work, and their hours of work in each period (resources x periods)."""
    days = _working_days_in(portfolio, a, cal, edges)
    units = a["units"].to_numpy(dtype=float)
    if "units_factor" in a.columns:  # a levelled task stretched to fit its resource
        units = units * a["units_factor"].fillna(1.0).to_numpy(dtype=float)
    hpd = (
        portfolio.resources.set_index("resource_id")["capacity_hours_per_day"]
        .reindex(a["resource_id"])
        .to_numpy(dtype=float)
    )
    hours = days * (units * np.nan_to_num(hpd))[:, None]
    res_ids, inv = np.unique(a["resource_id"].to_numpy(dtype=str), return_inverse=True)
    load = np.zeros((len(res_ids), len(edges) - 1))
    np.add.at(load, inv, hours)
    return res_ids, load


def _capacity_hours(
    portfolio: Portfolio, res: pd.DataFrame, cal: Calendar, edges: pd.DatetimeIndex
) -> np.ndarray:
    """Capacity hours of each resource of ``res`` in each period, on its own calendar
    (``cal`` when it has none)."""
    cap = np.zeros((len(res), len(edges) - 1))
    cals: dict[str, Calendar] = {}
    for i, rid in enumerate(res.index):
        cid = res.loc[rid, "calendar_id"]
        cid = str(cid) if pd.notna(cid) and str(cid) else None
        rc = cal
        if cid is not None:
            if cid not in cals:
                cals[cid] = portfolio.calendar(cid)
            rc = cals[cid]
        w = rc.to_working_minutes(edges.to_numpy()).astype(float)
        per_day = float(res.loc[rid, "capacity_hours_per_day"])
        cap[i] = np.diff(w) / rc.minutes_per_day * (per_day if np.isfinite(per_day) else 0.0)
    return cap


def _working_days_in(
    portfolio: Portfolio, a: pd.DataFrame, cal: Calendar, edges: pd.DatetimeIndex
) -> np.ndarray:
    """Assignments x periods: working days of the task's calendar (its own, else ``cal``)
    between its start and finish inside each period."""
    t = portfolio.tasks.set_index("task_id")
    own = (
        t["calendar_id"].reindex(a["task_id"]).astype(object).to_numpy()
        if "calendar_id" in t.columns
        else np.full(len(a), None, dtype=object)
    )
    ids = np.array([str(c) if isinstance(c, str) and c else "" for c in own], dtype=object)
    out = np.zeros((len(a), len(edges) - 1))
    start = pd.to_datetime(a["start"]).to_numpy()
    finish = pd.to_datetime(a["finish"]).to_numpy()
    for cid in pd.unique(ids):
        c = portfolio.calendar(cid) if cid else cal
        sel = ids == cid
        we = c.to_working_minutes(edges.to_numpy()).astype(float)
        ws = c.to_working_minutes(start[sel]).astype(float)[:, None]
        wf = c.to_working_minutes(finish[sel]).astype(float)[:, None]
        ov = np.clip(np.minimum(wf, we[None, 1:]) - np.maximum(ws, we[None, :-1]), 0.0, None)
        out[sel] = ov / float(c.minutes_per_day)
    return out


def overallocations(load: pd.DataFrame, *, tolerance_hours: float = 0.0) -> pd.DataFrame:
    """The over-allocated rows of a :func:`resource_load` table, worst first.

    ``tolerance_hours`` ignores small excesses (e.g. a few hours in a week).
    """
    sel = load[load["over_hours"] > max(tolerance_hours, 1e-6)]
    return sel.sort_values(["over_hours", "period_start"], ascending=[False, True]).reset_index(
        drop=True
    )


@dataclass
class LevelingResult:
    """A levelled project schedule.

    Attributes
    ----------
    tasks : DataFrame
        Leaf tasks: ``uid, task_id, name, start_before, finish_before, start, finish,
        delay_days`` (working days), ``fixed`` (started, not moved), ``is_summary`` (False),
        ``units_factor`` (share of its planned units a stretched task works at; 1.0 when not
        stretched — :func:`resource_load` applies it) and ``stretch_days`` (working days added).
    finish_before, finish_after : Timestamp
    finish_delta_days : float
        Working days the project finish moves.
    overallocated_before, overallocated_after : int
        Over-allocated resource-days in the project before and after (days on which a
        resource's load, exact to the minute, exceeds its capacity).
    rule : str
    notes : list of str
        What levelling could not do and what it changed beyond delays: unavoidable
        over-allocations (task and resource) and stretched tasks.
    unavoidable : DataFrame
        The over-allocations left after levelling, one row per resource and day:
        ``resource_id, day, over_hours, tasks`` (the started tasks that cause it).
    """

    tasks: pd.DataFrame
    finish_before: pd.Timestamp
    finish_after: pd.Timestamp
    finish_delta_days: float
    overallocated_before: int
    overallocated_after: int
    rule: str
    calendar: Any = field(repr=False, default=None)
    notes: list[str] = field(default_factory=list)
    unavoidable: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["resource_id", "day", "over_hours", "tasks"])
    )

    def summary(self) -> dict[str, Any]:
        """Headline numbers for a dashboard card."""
        return {
            "rule": self.rule,
            "finish_before": self.finish_before,
            "finish_after": self.finish_after,
            "finish_delta_days": self.finish_delta_days,
            "tasks_delayed": int((self.tasks["delay_days"] > 1e-9).sum()),
            "tasks_stretched": int((self.tasks["stretch_days"] > 1e-9).sum()),
            "overallocated_before": self.overallocated_before,
            "overallocated_after": self.overallocated_after,
        }


_SLOTS = (60.0, 30.0, 15.0, 5.0, 1.0)  # candidate time steps of the capacity profile (minutes)
_MAX_CELLS = 20_000_000  # resources x slots: beyond, a coarser (conservative) step is used


def _slot_minutes(values: np.ndarray, mpd: float, horizon: float, n_res: int) -> float:
    """The coarsest step that keeps every start, duration and lag exact (else 1 minute), made
    coarser if the profile would be too large (rounding then books whole slots: safe)."""
    step = 1.0
    for s in _SLOTS:
        if mpd % s == 0 and np.all(np.abs(values / s - np.rint(values / s)) < 1e-9):
            step = s
            break
    coarser = [float(d) for d in range(int(step) + 1, int(mpd) + 1) if mpd % d == 0]
    while n_res * horizon / step > _MAX_CELLS and coarser:
        step = coarser.pop(0)
    return step


def _daily_capacity(
    portfolio: Portfolio, res_ids: list[str], cal: Calendar, day0: int, days: int, mpd: float
) -> np.ndarray:
    """Capacity of each resource on each project working day, in units of the project
    calendar's working day (1.0 = full time; a 4 h/day resource on an 8 h calendar is 0.5).
    Uses the resource's own calendar, so its holidays give zero capacity."""
    if not res_ids or days <= 0:
        return np.zeros((len(res_ids), max(days, 0)))
    w = (day0 + np.arange(days + 1, dtype=float)) * mpd
    starts = pd.DatetimeIndex(cal.from_working_minutes(w)).normalize()
    edges = np.r_[starts[:-1].to_numpy(), (starts[-2] + pd.Timedelta(days=1)).to_datetime64()]
    edges = np.maximum.accumulate(edges)  # guard: strictly ordered day edges
    res = portfolio.resources.set_index("resource_id").reindex(res_ids)
    out = np.zeros((len(res_ids), days))
    cals: dict[str, Calendar] = {}
    for i, rid in enumerate(res_ids):
        cid = res.loc[rid, "calendar_id"]
        rc = cal
        if pd.notna(cid) and str(cid):
            if str(cid) not in cals:
                cals[str(cid)] = portfolio.calendar(str(cid))
            rc = cals[str(cid)]
        per_day = float(res.loc[rid, "capacity_hours_per_day"])
        per_day = per_day if np.isfinite(per_day) else 0.0
        rw = rc.to_working_minutes(edges).astype(float)
        out[i] = np.diff(rw) / rc.minutes_per_day * per_day / (mpd / 60.0)
    return out


@dataclass
class _Tasks:
    """The project's scheduled leaf tasks as the levelling sees them: times in working
    minutes from ``w0``, the start of the first working day (slot and day grids line up)."""

    table: pd.DataFrame  # the schedule's rows of the project (leaf tasks)
    uid: np.ndarray
    pos: pd.Series  # task_id -> row number
    day0: int
    w0: float
    s0: np.ndarray  # unlevelled start
    f0: np.ndarray  # unlevelled finish
    dur: np.ndarray
    slack: np.ndarray  # total float (minutes)
    started: np.ndarray  # actual start or progress: keeps its dates
    prio: np.ndarray  # 1 = highest


@dataclass
class _Links:
    """Links inside the project (both ends scheduled leaf tasks), lags in working minutes."""

    pred: np.ndarray  # row of each link's predecessor
    succ: np.ndarray
    type: np.ndarray
    lag: np.ndarray
    into: list[list[int]]  # task -> numbers of the links into it
    succs: list[list[int]]  # task -> rows of its successors


@dataclass
class _Resources:
    """The resources the project's tasks use; units in project-day units."""

    ids: list[str]
    cap_h: np.ndarray  # capacity, hours per day
    cap_full: np.ndarray  # capacity in project working days per day
    uses: list[list[tuple[int, float]]]  # task -> (resource row, units)


@dataclass
class _Profile:
    """Capacity and booked usage of each resource on a grid of ``step`` minutes."""

    step: float
    n_slots: int
    cap: np.ndarray
    usage: np.ndarray

    def slots(self, start: float, length: float) -> tuple[int, int]:
        """The slots ``[a, b)`` that ``start .. start + length`` touches."""
        a = int(np.floor(start / self.step + 1e-9))
        b = int(np.ceil((start + length) / self.step - 1e-9))
        return a, max(b, a)

    def book(
        self, uses: list[tuple[int, float]], factor: float, start: float, length: float
    ) -> None:
        """Book a task's work (its units x ``factor`` on each resource) from ``start``."""
        a, b = self.slots(start, length)
        for r, units in uses:
            self.usage[r, a:b] += units * factor

    def earliest_fit(
        self, uses: list[tuple[int, float]], factor: float, es: float, length: float, uid: Any
    ) -> float:
        """The earliest start, not before ``es``, at which every resource of the task has
        the free capacity for its whole duration."""
        rows = [r for r, _ in uses]
        units = np.array([u * factor for _, u in uses])[:, None]
        a0, b0 = self.slots(es, length)
        usage, cap = self.usage, self.cap
        if b0 <= self.n_slots and not np.any(usage[rows, a0:b0] + units > cap[rows, a0:b0] + 1e-9):
            return es
        n = int(np.ceil(length / self.step - 1e-9))
        bad = np.any(usage[rows, a0:] + units > cap[rows, a0:] + 1e-9, axis=0)
        cum = np.r_[0, np.cumsum(bad)]
        cand = np.arange(a0 + 1, self.n_slots - n + 1)
        ok = cand[(cum[cand - a0 + n] - cum[cand - a0]) == 0]
        if ok.size == 0:  # pragma: no cover - the horizon holds every task in series
            raise LevelingError(f"no room to level task {uid}", value=uid)
        return float(ok[0]) * self.step


def level(
    portfolio: Portfolio,
    project_id: str,
    *,
    rule: str = LEVELING_RULE,
    schedule: Schedule | None = None,
    priorities: Mapping[str, float] | None = None,
) -> LevelingResult:
    """Delay (and if need be stretch) tasks of a project so no resource works beyond its
    capacity; see the module docstring for the rule.

    Parameters
    ----------
    portfolio : Portfolio
    project_id : str
    rule : str
        Only :data:`LEVELING_RULE` is implemented (see the module docstring); named so the
        dashboard can show it.
    schedule : Schedule, optional
        The project's CPM schedule (computed when omitted).
    priorities : mapping, optional
        ``task_id -> priority`` (1 = highest) for tasks that should go before others; the
        rest take a ``priority`` column of the tasks table if there is one, else the
        project's priority.

    Returns
    -------
    LevelingResult

    Examples
    --------
    >>> from pmkit import load_sample
    >>> r = level(load_sample(), "P01")
    >>> r.finish_after >= r.finish_before
    True
    """
    if rule != LEVELING_RULE:
        raise LevelingError(
            "unknown levelling rule", field="rule", value=rule, expected=LEVELING_RULE
        )
    if project_id not in set(portfolio.projects["project_id"]):
        raise UnknownIdError("project", project_id)
    if schedule is None:
        schedule = schedule_project(portfolio, project_id)
    cal = schedule.calendar
    mpd = float(cal.minutes_per_day)
    tasks = _leaf_tasks(portfolio, project_id, schedule, mpd, priorities)
    links = _project_links(portfolio, tasks.pos, mpd)
    res = _project_resources(portfolio, tasks.pos, mpd)
    notes: list[str] = []
    factor = _stretch_factors(tasks, res, mpd, notes)  # a stretched task works at factor x units
    new_dur = tasks.dur / factor
    profile = _profile(portfolio, tasks, links, res, cal, mpd, new_dur)
    new_s = _place(tasks, links, res, factor, new_dur, profile)
    out = _levelled_table(tasks, cal, new_s, new_dur, factor, mpd)
    before = resource_load(portfolio, tasks.table, project_id, freq="D", calendar=cal)
    after = resource_load(portfolio, out, project_id, freq="D", calendar=cal)
    unavoidable = _unavoidable(portfolio, out, after, project_id, notes)
    n = len(tasks.uid)
    fb = pd.Timestamp(out["finish_before"].max()) if n else pd.NaT
    fa = pd.Timestamp(out["finish"].max()) if n else pd.NaT
    delta = float((new_s + new_dur).max() - tasks.f0.max()) / mpd if n else 0.0
    return LevelingResult(
        tasks=out.sort_values(["start", "task_id"], kind="stable").reset_index(drop=True),
        finish_before=fb,
        finish_after=fa,
        finish_delta_days=delta,
        overallocated_before=int(before["overallocated"].sum()) if len(before) else 0,
        overallocated_after=int(after["overallocated"].sum()) if len(after) else 0,
        rule=rule,
        calendar=cal,
        notes=list(dict.fromkeys(notes)),
        unavoidable=unavoidable,
    )


def _leaf_tasks(
    portfolio: Portfolio,
    project_id: str,
    schedule: Schedule,
    mpd: float,
    priorities: Mapping[str, float] | None,
) -> _Tasks:
    """The project's scheduled leaf tasks in working minutes, which are started, and the
    priority each goes by."""
    cal = schedule.calendar
    st = _task_table(schedule)
    if "project_id" in st.columns:
        st = st[st["project_id"].isna() | (st["project_id"] == project_id)]
    st = st.reset_index(drop=True)
    n = len(st)
    uid = st["uid"].to_numpy()
    ws = cal.to_working_minutes(pd.to_datetime(st["start"]).to_numpy()).astype(float)
    wf = cal.to_working_minutes(pd.to_datetime(st["finish"]).to_numpy()).astype(float)
    day0 = int(np.floor(ws.min() / mpd)) if n else 0
    w0 = day0 * mpd
    s0, f0 = ws - w0, wf - w0
    slack = st["total_slack_min"].to_numpy(dtype=float) if "total_slack_min" in st else np.zeros(n)
    ptasks = portfolio.tasks.set_index("task_id").reindex(uid)
    started = (
        ptasks["actual_start"].notna() | (ptasks["percent_complete"].fillna(0) > 0)
    ).to_numpy()
    return _Tasks(
        table=st,
        uid=uid,
        pos=pd.Series(np.arange(n), index=uid),
        day0=day0,
        w0=w0,
        s0=s0,
        f0=f0,
        dur=np.maximum(f0 - s0, 0.0),
        slack=slack,
        started=started,
        prio=_priorities(portfolio, project_id, ptasks, uid, priorities),
    )


def _priorities(
    portfolio: Portfolio,
    project_id: str,
    ptasks: pd.DataFrame,
    uid: np.ndarray,
    priorities: Mapping[str, float] | None,
) -> np.ndarray:
    """``priorities`` where given, else the tasks' ``priority`` column, else the project's."""
    prio_project = float(portfolio.projects.set_index("project_id").loc[project_id, "priority"])
    prio = (
        pd.to_numeric(ptasks["priority"], errors="coerce").fillna(prio_project).to_numpy(float)
        if "priority" in ptasks.columns
        else np.full(len(uid), prio_project)
    )
    if priorities:
        given = pd.Series(uid).map(dict(priorities)).to_numpy(dtype=float)
        prio = np.where(np.isnan(given), prio, given)
    return prio


def _project_links(portfolio: Portfolio, pos: pd.Series, mpd: float) -> _Links:
    """The links between the project's scheduled leaf tasks, lags in working minutes."""
    n = len(pos)
    lk = portfolio.links
    lk = lk[lk["pred_id"].isin(pos.index) & lk["succ_id"].isin(pos.index)]
    lp = pos[lk["pred_id"].to_numpy()].to_numpy()
    ls = pos[lk["succ_id"].to_numpy()].to_numpy()
    into: list[list[int]] = [[] for _ in range(n)]
    succs: list[list[int]] = [[] for _ in range(n)]
    for k, (p, s) in enumerate(zip(lp.tolist(), ls.tolist(), strict=True)):
        into[s].append(k)
        succs[p].append(s)
    return _Links(
        pred=lp,
        succ=ls,
        type=lk["type"].astype(str).str.upper().to_numpy(),
        lag=lk["lag_days"].astype(float).fillna(0.0).to_numpy() * mpd,
        into=into,
        succs=succs,
    )


def _project_resources(portfolio: Portfolio, pos: pd.Series, mpd: float) -> _Resources:
    """The resources the tasks use and each task's units of each, in project-day units."""
    asg = portfolio.assignments[portfolio.assignments["task_id"].isin(pos.index)]
    res_ids = sorted(set(asg["resource_id"].astype(str)))
    rpos = {r: i for i, r in enumerate(res_ids)}
    cap_h = (
        portfolio.resources.set_index("resource_id")
        .reindex(res_ids)["capacity_hours_per_day"]
        .to_numpy(dtype=float)
    )
    cap_full = np.nan_to_num(cap_h) / (mpd / 60.0)
    uses: list[list[tuple[int, float]]] = [[] for _ in range(len(pos))]
    for tid, rid, units in zip(asg["task_id"], asg["resource_id"], asg["units"], strict=True):
        if float(units) > 0:
            # units share the resource's own day: in project-day units that is
            # units x its capacity (a 4 h/day resource at 1.0 uses 0.5 of an 8 h day)
            r = rpos[str(rid)]
            full = cap_full[r] if cap_full[r] > 0 else 1.0
            uses[int(pos[tid])].append((r, float(units) * full))
    return _Resources(ids=res_ids, cap_h=cap_h, cap_full=cap_full, uses=uses)


def _stretch_factors(tasks: _Tasks, res: _Resources, mpd: float, notes: list[str]) -> np.ndarray:
    """``units_factor`` of each task: below 1.0 for a task that alone asks more of a
    resource than it can ever give (stretched so the work is unchanged; noted)."""
    n = len(tasks.uid)
    cap_full, dur = res.cap_full, tasks.dur
    factor = np.ones(n)
    for j in range(n):
        if tasks.started[j] or dur[j] <= 0:
            continue
        uses = res.uses[j]
        need = max((u / cap_full[r] if cap_full[r] > 0 else 1.0 for r, u in uses), default=1.0)
        if need > 1.0 + 1e-9:
            factor[j] = 1.0 / need
            worst = max(uses, key=lambda ru: ru[1] / max(cap_full[ru[0]], 1e-12))
            notes.append(
                f"{tasks.uid[j]} stretched from {dur[j] / mpd:g} to {dur[j] * need / mpd:g} "
                f"working days: {res.ids[worst[0]]} can give {res.cap_h[worst[0]]:g} h/day, the "
                f"assignment asks {worst[1] * mpd / 60:g} h/day (the work is unchanged)"
            )
    return factor


def _profile(
    portfolio: Portfolio,
    tasks: _Tasks,
    links: _Links,
    res: _Resources,
    cal: Calendar,
    mpd: float,
    new_dur: np.ndarray,
) -> _Profile:
    """An empty capacity profile over a horizon long enough for every task in series."""
    s0, f0 = tasks.s0, tasks.f0
    lag_vals = links.lag[np.isfinite(links.lag)]
    horizon = float(max(f0.max(), (s0 + new_dur).max()) if len(s0) else 0.0)
    horizon += float(new_dur.sum() + np.abs(lag_vals).sum() + 2 * mpd)
    step = _slot_minutes(np.r_[s0, f0, new_dur, lag_vals], mpd, horizon, len(res.ids))
    per_day = round(mpd / step)
    days = int(np.ceil(horizon / mpd)) + 1
    daily = _daily_capacity(portfolio, res.ids, cal, tasks.day0, days, mpd)
    cap = np.repeat(daily, per_day, axis=1)
    return _Profile(step=step, n_slots=days * per_day, cap=cap, usage=np.zeros_like(cap))


def _earliest_start(
    j: int, links: _Links, new_s: np.ndarray, new_dur: np.ndarray, es: float
) -> float:
    """The earliest start of task ``j``, not before ``es``, that its placed predecessors
    allow through FS/SS/FF/SF links and lags."""
    for k in links.into[j]:
        p, lag = links.pred[k], links.lag[k]
        ps, pf = new_s[p], new_s[p] + new_dur[p]
        t = links.type[k]
        c = pf + lag if t == "FS" else ps + lag if t == "SS" else pf + lag - new_dur[j]
        if t == "SF":
            c = ps + lag - new_dur[j]
        es = max(es, c)
    return es


def _place(
    tasks: _Tasks,
    links: _Links,
    res: _Resources,
    factor: np.ndarray,
    new_dur: np.ndarray,
    profile: _Profile,
) -> np.ndarray:
    """The serial schedule-generation scheme: started tasks are booked where they are, then
    the eligible task first by the rule goes at its earliest feasible start; new starts."""
    n, started = len(tasks.uid), tasks.started
    new_s = tasks.s0.copy()
    placed = np.zeros(n, dtype=bool)

    def book(j: int, start: float) -> None:
        profile.book(res.uses[j], factor[j], start, new_dur[j])
        new_s[j] = start
        placed[j] = True

    for jj in np.flatnonzero(started).tolist():  # started tasks keep dates; work is booked
        book(jj, tasks.s0[jj])
    remaining = np.array(
        [sum(1 for k in links.into[j] if not started[links.pred[k]]) for j in range(n)]
    )
    heap: list[tuple[float, float, float, str, int]] = []

    def push(j: int) -> None:
        heapq.heappush(heap, (tasks.prio[j], tasks.slack[j], tasks.s0[j], str(tasks.uid[j]), j))

    for j in range(n):
        if not started[j] and remaining[j] == 0:
            push(j)
    while heap:
        *_, j = heapq.heappop(heap)
        start = _earliest_start(j, links, new_s, new_dur, tasks.s0[j])
        if res.uses[j] and new_dur[j] > 0:
            start = profile.earliest_fit(res.uses[j], factor[j], start, new_dur[j], tasks.uid[j])
        book(j, start)
        for s in links.succs[j]:
            if started[s]:
                continue
            remaining[s] -= 1
            if remaining[s] == 0:
                push(s)
    if not placed.all():  # pragma: no cover - only with a cycle, which the CPM rejects
        raise LevelingError("levelling could not place every task (cycle?)")
    return new_s


def _levelled_table(
    tasks: _Tasks,
    cal: Calendar,
    new_s: np.ndarray,
    new_dur: np.ndarray,
    factor: np.ndarray,
    mpd: float,
) -> pd.DataFrame:
    """:attr:`LevelingResult.tasks` before sorting: new dates; the CPM's own dates where
    nothing moved."""
    st, uid, s0, dur = tasks.table, tasks.uid, tasks.s0, tasks.dur
    new_f = new_s + new_dur
    start_dates = pd.DatetimeIndex(cal.from_working_minutes(new_s + tasks.w0))
    finish_dates = pd.DatetimeIndex(cal.from_working_minutes(new_f + tasks.w0, as_finish=True))
    # a milestone (no work) shows one instant, finish-like as in the CPM (Fri 17:00, not
    # a start on Monday 08:00 and a finish on Friday 17:00)
    zero = (new_f - new_s) <= 0
    start_dates = pd.DatetimeIndex(np.where(zero, finish_dates, start_dates))
    out = pd.DataFrame(
        {
            "uid": uid,
            "task_id": uid,
            "name": st["name"].to_numpy() if "name" in st else uid,
            "start_before": pd.to_datetime(st["start"]).to_numpy(),
            "finish_before": pd.to_datetime(st["finish"]).to_numpy(),
            "start": start_dates,
            "finish": finish_dates,
            "delay_days": (new_s - s0) / mpd,
            "fixed": tasks.started,
            "is_summary": False,
            "units_factor": factor,
            "stretch_days": (new_dur - dur) / mpd,
        }
    )
    # keep the CPM's own dates where nothing moved (same instants, no rounding)
    same = (np.abs(new_s - s0) < 1e-9) & (np.abs(new_dur - dur) < 1e-9)
    out.loc[same, "start"] = out.loc[same, "start_before"]
    out.loc[same, "finish"] = out.loc[same, "finish_before"]
    return out


def _unavoidable(
    portfolio: Portfolio,
    tasks: pd.DataFrame,
    load: pd.DataFrame,
    project_id: str,
    notes: list[str],
) -> pd.DataFrame:
    """The over-allocated resource-days left, with the tasks on them; one note per resource
    and set of tasks (they can only be started tasks, whose dates levelling keeps)."""
    cols = ["resource_id", "day", "over_hours", "tasks"]
    over = load[load["overallocated"]] if len(load) else load
    if over.empty:
        return pd.DataFrame(columns=cols)
    ids = portfolio.tasks.loc[portfolio.tasks["project_id"] == project_id, "task_id"]
    asg = portfolio.assignments[portfolio.assignments["task_id"].isin(ids)]
    a = asg.merge(tasks[["uid", "start", "finish", "fixed"]], left_on="task_id", right_on="uid")
    rows = []
    for rec in over.itertuples(index=False):
        on = a[
            (a["resource_id"] == rec.resource_id)
            & (a["start"] < rec.period_end)
            & (a["finish"] > rec.period_start)
        ]
        rows.append(
            (rec.resource_id, rec.period_start, float(rec.over_hours), tuple(sorted(on["task_id"])))
        )
    out = pd.DataFrame(rows, columns=cols)
    fixed = set(tasks.loc[tasks["fixed"].astype(bool), "task_id"])
    status = portfolio.status_date
    for (rid, tids), g in out.groupby(["resource_id", "tasks"], sort=True):
        past = status is not None and g["day"].max() < pd.Timestamp(status)
        why = (
            "started tasks keep their actual dates"
            if set(tids) <= fixed
            else "levelling could not separate them"
        )
        notes.append(
            f"unavoidable over-allocation: {rid} over capacity on {len(g)} day(s) "
            f"{g['day'].min():%Y-%m-%d}..{g['day'].max():%Y-%m-%d} "
            f"(up to {g['over_hours'].max():.1f} h/day{', in the past' if past else ''}) "
            f"by {', '.join(tids)}: {why}"
        )
    return out
