"""Resource load against capacity, over-allocations, and a serial resource-levelling heuristic.

Load model: an assignment of ``units`` on a task works ``units x (the calendar's hours per
day)`` on each working day between the task's scheduled start and finish, i.e. the task's
working minutes times ``units`` (``units = 1.0`` is full time). Capacity of a resource over a
period is ``capacity_hours_per_day`` times the working days of *its* calendar in the period.
Load in a period is exact to the minute (the overlap of the task's working time with the
period), computed for all assignments and periods at once.

Levelling rule (``LEVELING_RULE``): a serial schedule-generation scheme. Tasks already started
stay where they are. The others are placed one by one; among the tasks whose predecessors are
all placed, the next is the one with the **highest project priority, then least total float,
then earliest (unlevelled) start, then task id**. Each is placed at the earliest working day,
not before its unlevelled early start nor before what its (placed) predecessors allow through
FS/SS/FF/SF links and lags, on which every resource it uses has enough free capacity for its
whole duration. Tasks are only delayed, never split or shortened; resources are booked by whole
working days (a half-day task books its day).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pmkit.errors import PmkitError

if TYPE_CHECKING:  # pragma: no cover
    from pmkit.calendar import Calendar
    from pmkit.model import Portfolio
    from pmkit.schedule.cpm import Schedule

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


class LevelingError(PmkitError):
    """A load or levelling request pmkit cannot honour (unknown project, bad frequency)."""


def _task_table(schedule: Any) -> pd.DataFrame:
    t = schedule.tasks if hasattr(schedule, "tasks") else schedule
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
    >>> s = schedule_project(p, "P01")  # doctest: +SKIP
    >>> load = resource_load(p, s, "P01", freq="W")  # doctest: +SKIP
    >>> overallocations(load)  # doctest: +SKIP
    """
    tasks = _task_table(schedule)
    cal = calendar if calendar is not None else getattr(schedule, "calendar", None)
    if cal is None:
        raise LevelingError("a DataFrame schedule needs a calendar", field="calendar")
    asg = portfolio.assignments
    if project_id is not None:
        if project_id not in set(portfolio.projects["project_id"]):
            raise LevelingError("unknown project", field="project_id", value=project_id)
        ids = portfolio.tasks.loc[portfolio.tasks["project_id"] == project_id, "task_id"]
        asg = asg[asg["task_id"].isin(ids)]
    a = asg.merge(tasks[["uid", "start", "finish"]], left_on="task_id", right_on="uid")
    a = a.dropna(subset=["start", "finish"])
    cols = [
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
    if a.empty:
        return pd.DataFrame(columns=cols)
    start = pd.to_datetime(a["start"])
    finish = pd.to_datetime(a["finish"])
    edges = _period_edges(start.min(), finish.max(), freq)
    we = cal.to_working_minutes(edges.to_numpy()).astype(float)
    ws = cal.to_working_minutes(start.to_numpy()).astype(float)[:, None]
    wf = cal.to_working_minutes(finish.to_numpy()).astype(float)[:, None]
    overlap = np.clip(np.minimum(wf, we[None, 1:]) - np.maximum(ws, we[None, :-1]), 0.0, None)
    hours = overlap * a["units"].to_numpy(dtype=float)[:, None] / 60.0
    res_ids, inv = np.unique(a["resource_id"].to_numpy(dtype=str), return_inverse=True)
    load = np.zeros((len(res_ids), len(edges) - 1))
    np.add.at(load, inv, hours)
    res = portfolio.resources.set_index("resource_id").reindex(res_ids)
    cap = np.zeros_like(load)
    cals: dict[str, Calendar] = {}
    for i, rid in enumerate(res_ids):
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
        delay_days`` (working days), ``fixed`` (started, not moved), ``is_summary`` (False).
    finish_before, finish_after : Timestamp
    finish_delta_days : float
        Working days the project finish moves.
    overallocated_before, overallocated_after : int
        Over-allocated resource-days in the project before and after.
    rule : str
    notes : list of str
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

    def summary(self) -> dict[str, Any]:
        """Headline numbers for a dashboard card."""
        return {
            "rule": self.rule,
            "finish_before": self.finish_before,
            "finish_after": self.finish_after,
            "finish_delta_days": self.finish_delta_days,
            "tasks_delayed": int((self.tasks["delay_days"] > 1e-9).sum()),
            "overallocated_before": self.overallocated_before,
            "overallocated_after": self.overallocated_after,
        }


def _booked_days(s: np.ndarray, f: np.ndarray, mpd: float) -> tuple[np.ndarray, np.ndarray]:
    """First working-day slot and number of slots touched by ``[s, f)`` working minutes."""
    first = np.floor(s / mpd + _EPS).astype(np.int64)
    last = np.ceil(f / mpd - _EPS).astype(np.int64)
    return first, np.maximum(last - first, 0)


def level(
    portfolio: Portfolio,
    project_id: str,
    *,
    rule: str = LEVELING_RULE,
    schedule: Schedule | None = None,
) -> LevelingResult:
    """Delay tasks of a project so no resource works beyond its daily capacity.

    Parameters
    ----------
    portfolio : Portfolio
    project_id : str
    rule : str
        Only :data:`LEVELING_RULE` is implemented (see the module docstring); named so the
        dashboard can show it.
    schedule : Schedule, optional
        The project's CPM schedule (computed when omitted).

    Returns
    -------
    LevelingResult

    Examples
    --------
    >>> r = level(load_sample(), "P01")  # doctest: +SKIP
    >>> r.finish_after >= r.finish_before  # doctest: +SKIP
    True
    """
    if rule != LEVELING_RULE:
        raise LevelingError(
            "unknown levelling rule", field="rule", value=rule, expected=LEVELING_RULE
        )
    if project_id not in set(portfolio.projects["project_id"]):
        raise LevelingError("unknown project", field="project_id", value=project_id)
    if schedule is None:
        from pmkit.schedule.portfolio_adapter import schedule_project

        schedule = schedule_project(portfolio, project_id)
    cal = schedule.calendar
    mpd = float(cal.minutes_per_day)
    st = _task_table(schedule).reset_index(drop=True)
    n = len(st)
    uid = st["uid"].to_numpy()
    pos = pd.Series(np.arange(n), index=uid)
    ws = cal.to_working_minutes(pd.to_datetime(st["start"]).to_numpy()).astype(float)
    wf = cal.to_working_minutes(pd.to_datetime(st["finish"]).to_numpy()).astype(float)
    w0 = float(ws.min()) if n else 0.0
    s0, f0 = ws - w0, wf - w0
    dur = np.maximum(f0 - s0, 0.0)
    slack = st["total_slack_min"].to_numpy(dtype=float) if "total_slack_min" in st else np.zeros(n)
    ptasks = portfolio.tasks.set_index("task_id").reindex(uid)
    started = (
        ptasks["actual_start"].notna() | (ptasks["percent_complete"].fillna(0) > 0)
    ).to_numpy()
    prio = float(portfolio.projects.set_index("project_id").loc[project_id, "priority"])

    # links inside the project (both ends scheduled leaf tasks), in working minutes
    lk = portfolio.links
    lk = lk[lk["pred_id"].isin(pos.index) & lk["succ_id"].isin(pos.index)]
    lp = pos[lk["pred_id"].to_numpy()].to_numpy()
    ls = pos[lk["succ_id"].to_numpy()].to_numpy()
    ltype = lk["type"].astype(str).to_numpy()
    llag = lk["lag_days"].astype(float).to_numpy() * mpd
    preds: list[list[int]] = [[] for _ in range(n)]
    succs: list[list[int]] = [[] for _ in range(n)]
    for k, (p, s) in enumerate(zip(lp.tolist(), ls.tolist(), strict=True)):
        preds[s].append(k)
        succs[p].append(s)

    # resources in units of "full calendar days": capacity / calendar hours per day
    asg = portfolio.assignments[portfolio.assignments["task_id"].isin(pos.index)]
    res_ids = sorted(set(asg["resource_id"]))
    rpos = {r: i for i, r in enumerate(res_ids)}
    cap_h = (
        portfolio.resources.set_index("resource_id")
        .reindex(res_ids)["capacity_hours_per_day"]
        .to_numpy(dtype=float)
    )
    cap = cap_h / (mpd / 60.0)
    uses: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for rec in asg.itertuples(index=False):
        uses[int(pos[rec.task_id])].append((rpos[rec.resource_id], float(rec.units)))
    first0, nslots0 = _booked_days(s0, s0 + dur, mpd)
    horizon = int((first0 + nslots0).max() + np.ceil(dur.sum() / mpd) + 10) if n else 1
    usage = np.zeros((len(res_ids), horizon))
    notes: list[str] = []

    def overbooked(u: np.ndarray) -> int:
        return int((u > cap[:, None] + 1e-6).sum())

    base_usage = np.zeros_like(usage)
    for j in range(n):
        for r, units in uses[j]:
            base_usage[r, first0[j] : first0[j] + nslots0[j]] += units
    over_before = overbooked(base_usage)

    new_s = s0.copy()
    placed = np.zeros(n, dtype=bool)

    def book(j: int, start: float) -> None:
        f, k = _booked_days(np.array([start]), np.array([start + dur[j]]), mpd)
        for r, units in uses[j]:
            usage[r, f[0] : f[0] + k[0]] += units
        new_s[j] = start
        placed[j] = True

    for j in np.flatnonzero(started):
        book(int(j), s0[j])
    remaining = np.array([sum(1 for k in preds[j] if not started[lp[k]]) for j in range(n)])
    heap: list[tuple[float, float, float, str, int]] = []
    for j in range(n):
        if not started[j] and remaining[j] == 0:
            heapq.heappush(heap, (prio, slack[j], s0[j], str(uid[j]), j))
    while heap:
        *_, j = heapq.heappop(heap)
        es = s0[j]
        for k in preds[j]:
            p = lp[k]
            t, lag = ltype[k], llag[k]
            ps, pf = new_s[p], new_s[p] + dur[p]
            c = {"FS": pf + lag, "SS": ps + lag, "FF": pf + lag - dur[j], "SF": ps + lag - dur[j]}[
                t
            ]
            es = max(es, c)
        start = es
        if uses[j] and dur[j] > 0:
            first, k = _booked_days(np.array([es]), np.array([es + dur[j]]), mpd)
            length = int(k[0])
            bad = np.zeros(horizon, dtype=bool)
            for r, units in uses[j]:
                if units > cap[r] + 1e-6:
                    notes.append(f"{uid[j]} needs more of {res_ids[r]} than its capacity")
                    continue
                bad |= usage[r] + units > cap[r] + 1e-6
            cum = np.concatenate([[0], np.cumsum(bad)])
            cand = np.arange(int(first[0]), horizon - length)
            ok = cand[(cum[cand + length] - cum[cand]) == 0]
            if ok.size == 0:
                notes.append(f"{uid[j]}: no free window within the horizon; left in place")
            elif ok[0] > first[0]:
                start = float(ok[0]) * mpd  # start of that working day
        book(j, start)
        for s in succs[j]:
            if started[s]:
                continue
            remaining[s] -= 1
            if remaining[s] == 0:
                heapq.heappush(heap, (prio, slack[s], s0[s], str(uid[s]), s))
    if not placed.all():  # pragma: no cover - only with a cycle, which the CPM rejects
        raise LevelingError("levelling could not place every task (cycle?)")
    over_after = overbooked(usage)
    new_f = new_s + dur
    start_dates = pd.DatetimeIndex(cal.from_working_minutes(new_s + w0))
    finish_dates = pd.DatetimeIndex(cal.from_working_minutes(new_f + w0, as_finish=True))
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
            "fixed": started,
            "is_summary": False,
        }
    )
    # keep the CPM's own dates where nothing moved (same instants, no rounding)
    same = np.abs(new_s - s0) < 1e-9
    out.loc[same, "start"] = out.loc[same, "start_before"]
    out.loc[same, "finish"] = out.loc[same, "finish_before"]
    fb = pd.Timestamp(out["finish_before"].max()) if n else pd.NaT
    fa = pd.Timestamp(out["finish"].max()) if n else pd.NaT
    delta = float(new_f.max() - f0.max()) / mpd if n else 0.0
    return LevelingResult(
        tasks=out.sort_values(["start", "task_id"], kind="stable").reset_index(drop=True),
        finish_before=fb,
        finish_after=fa,
        finish_delta_days=delta,
        overallocated_before=over_before,
        overallocated_after=over_after,
        rule=rule,
        calendar=cal,
        notes=list(dict.fromkeys(notes)),
    )
