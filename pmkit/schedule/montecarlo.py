"""Schedule risk analysis: Monte Carlo simulation of the real network, vectorised over runs.

Each task's duration is drawn from a three-point estimate (optimistic ``a``, most likely ``m``,
pessimistic ``b``) — beta-PERT (``alpha = 1 + 4 (m - a) / (b - a)``, ``beta = 1 + 4 (b - m) /
(b - a)``, mean ``(a + 4m + b) / 6``) or triangular (mean ``(a + m + b) / 3``) — and the network
is scheduled with its FS/SS/FF/SF links and lags in every run.

How it is fast: the network is sorted once into topological *levels* (a task's level is one more
than its deepest predecessor's) and the tasks are stored level by level, so a level is a slice
of every ``(tasks, runs)`` array and results are written in place, never scattered. Within a
level tasks are sorted by falling in-degree, so "the j-th link into each task" covers a prefix
of the level: the forward pass takes the latest driving link with one in-place
``np.maximum`` per slot (the backward pass likewise with ``np.minimum``), not with
``reduceat``. All durations of a chunk are drawn at once: one random stratum per task and run
and one look-up in a per-task table of its inverse CDF (see :func:`_quantile_table`). Runs are
processed in chunks (bounded memory, buffers reused) and a progress callback is called after
each chunk.

Units: durations, lags and finish samples are **working minutes** from the network's origin
(the project start) on its calendar; tables also give **working days** (minutes divided by the
calendar's minutes per day) and dates.

Reproducibility: the same network, ``seed``, ``runs``, ``distribution`` and ``chunk_size`` give
identical samples.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from pmkit import _graph
from pmkit.errors import CycleError, MonteCarloError, ScheduleError, UnknownIdError
from pmkit.model import object_cache
from pmkit.schedule.portfolio_adapter import (
    _apply_overrides,
    _engine_tasks,
    _links,
    schedule_portfolio,
)
from pmkit.vocabulary import LINK_TYPES

if TYPE_CHECKING:  # pragma: no cover
    from pmkit.calendar import Calendar
    from pmkit.model import Portfolio

__all__ = [
    "MonteCarloError",
    "MonteCarloResult",
    "Network",
    "project_network",
    "simulate",
    "simulate_project",
]

Distribution = Literal["pert", "triangular"]
Progress = Callable[[float], Any]
_TOL = 1e-6  # working minutes: float noise allowed when testing total float for zero


# ----------------------------------------------------------------------------- network
@dataclass
class _Slot:
    """The j-th link into (forward) or out of (backward) some tasks of one level.

    Tasks are stored level by level (the internal order), so a level is the row range
    ``lo:hi`` of every ``(tasks, runs)`` array and its tasks are taken as slices, not copied.
    ``pos`` picks the level's tasks the slot concerns: a slice (forward always: tasks are
    sorted by falling in-degree, so the tasks with a j-th predecessor come first) or level
    positions (backward, when out-degrees do not line up). ``rows`` are the rows of the
    stacked array each link reads; ``lag`` is ``None`` when all lags are zero; ``adjust``
    marks (slot positions) links whose candidate needs the level task's own duration
    (FF/SF forward, SS/SF backward) and ``adjust_rows`` those tasks' rows.
    """

    pos: slice | np.ndarray
    rows: np.ndarray
    lag: np.ndarray | None
    adjust: np.ndarray | None
    adjust_rows: np.ndarray | None


@dataclass
class _Level:
    """One topological level: rows ``lo:hi`` of the internal order."""

    lo: int
    hi: int
    fwd: list[_Slot]
    bwd: list[_Slot]
    pinned: np.ndarray | None  # level positions of pinned tasks (start at their floor)
    foreign: np.ndarray | None = None  # level positions of tasks outside the measured project


@dataclass
class Network:
    """A schedule network ready for simulation (all times in working minutes).

    Build it with :meth:`from_frames` or :func:`project_network`.

    Attributes
    ----------
    uids, names : ndarray
        Task identifiers and names, in input order.
    optimistic, most_likely, pessimistic : ndarray
        Three-point estimates (working minutes); equal values mean a fixed duration.
    duration : ndarray
        The deterministic (CPM) duration, used for the deterministic finish.
    floor : ndarray
        Earliest start of each task (working minutes from the origin): project start, status
        date, SNET/MSO constraint or actual start.
    pinned : ndarray of bool
        The task starts at ``floor`` whatever its predecessors say (already started or done).
    pred, succ, kind, lag : ndarray
        Links as task indices, type code (0 FS, 1 SS, 2 FF, 3 SF) and lag (working minutes).
    calendar : Calendar, optional
        Converts working minutes to dates (with ``origin``).
    origin : Timestamp, optional
        The instant of working minute 0 (the project start).
    projects : ndarray, optional
        The project of each task (shown with the task in the results).
    own : ndarray of bool, optional
        The tasks whose finish is the measured finish (default: all). The others (a
        project's predecessors in other projects and their own predecessors) are simulated
        like any task but only move the finish through their links; their float is measured
        to the own tasks they feed.
    """

    uids: np.ndarray
    names: np.ndarray
    optimistic: np.ndarray
    most_likely: np.ndarray
    pessimistic: np.ndarray
    duration: np.ndarray
    floor: np.ndarray
    pinned: np.ndarray
    pred: np.ndarray
    succ: np.ndarray
    kind: np.ndarray
    lag: np.ndarray
    calendar: Calendar | None = None
    origin: pd.Timestamp | None = None
    minutes_per_day: float = 480.0
    projects: np.ndarray | None = None
    own: np.ndarray | None = None
    order: np.ndarray = field(init=False, repr=False)
    level: np.ndarray = field(init=False, repr=False)
    _levels: list[_Level] = field(init=False, repr=False)
    _perm: np.ndarray = field(init=False, repr=False)  # internal (level-major) order
    _inv: np.ndarray = field(init=False, repr=False)  # task -> row of the internal order
    _floor_p: np.ndarray = field(init=False, repr=False)
    _own_rows: np.ndarray | None = field(init=False, repr=False)  # None: every task is own

    def __post_init__(self) -> None:
        n = len(self.uids)
        if self.own is not None:
            self.own = np.asarray(self.own, dtype=bool)
            if self.own.shape != (n,) or (n and not self.own.any()):
                raise MonteCarloError(
                    "own must mark at least one task, one flag per task", field="own"
                )
            if self.own.all():
                self.own = None
        a, m, b = self.optimistic, self.most_likely, self.pessimistic
        bad = ~((a >= 0) & (a <= m) & (m <= b) & np.isfinite(b))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise MonteCarloError(
                f"task {self.uids[i]!r}: three-point estimate is not ordered",
                field="optimistic/most_likely/pessimistic",
                value=(float(a[i]), float(m[i]), float(b[i])),
                expected="0 <= optimistic <= most likely <= pessimistic",
            )
        self.order, self.level = _topological_levels(n, self.pred, self.succ, self.uids)
        self._levels = self._build_levels()

    @property
    def n_tasks(self) -> int:
        return len(self.uids)

    @property
    def uncertain(self) -> np.ndarray:
        """Indices of tasks whose duration varies (``optimistic < pessimistic``)."""
        return np.flatnonzero(self.pessimistic > self.optimistic)

    @classmethod
    def from_frames(
        cls,
        tasks: pd.DataFrame,
        links: pd.DataFrame | None = None,
        *,
        calendar: Calendar | None = None,
        origin: Any = None,
        minutes_per_day: float | None = None,
    ) -> Network:
        """Network from tables in the scheduler's vocabulary.

        Parameters
        ----------
        tasks : DataFrame
            ``uid`` and either ``optimistic_min, most_likely_min, pessimistic_min`` or
            ``duration_min`` (missing estimates fall back to ``duration_min``); optional
            ``duration_min`` (deterministic duration, default most likely), ``floor_min``
            (earliest start, default 0), ``pinned`` (bool), ``name``, ``project`` and
            ``own`` (bool: the task's finish counts, default True).
        links : DataFrame, optional
            ``pred_uid, succ_uid`` and optional ``type`` (FS/SS/FF/SF, default FS) and
            ``lag_min`` (default 0).
        calendar, origin
            Working time and the date of working minute 0, for dates in the results.
        minutes_per_day : float, optional
            Working minutes per day (default: the calendar's, else 480).
        """
        if "uid" not in tasks.columns:
            raise MonteCarloError("tasks table needs a 'uid' column", field="uid")
        uids = tasks["uid"].to_numpy()
        if pd.Series(uids).duplicated().any():
            dup = pd.Series(uids)[pd.Series(uids).duplicated()].iloc[0]
            raise MonteCarloError("task uid appears twice", field="uid", value=dup)

        def col(name: str, default: Any) -> np.ndarray:
            if name in tasks.columns:
                v = pd.to_numeric(tasks[name], errors="coerce").to_numpy(dtype=float)
                return np.where(np.isnan(v), default, v)
            return np.broadcast_to(np.asarray(default, dtype=float), len(tasks)).copy()

        base = col("duration_min", np.nan)
        m = col("most_likely_min", base)
        if np.isnan(m).any():
            i = int(np.flatnonzero(np.isnan(m))[0])
            raise MonteCarloError(f"task {uids[i]!r} has no duration", field="duration_min")
        a = col("optimistic_min", m)
        b = col("pessimistic_min", m)
        dur = np.where(np.isnan(base), m, base)
        floor = col("floor_min", 0.0)
        pinned = (
            tasks["pinned"].fillna(False).to_numpy(dtype=bool)
            if "pinned" in tasks.columns
            else np.zeros(len(tasks), dtype=bool)
        )
        names = (tasks["name"] if "name" in tasks.columns else tasks["uid"]).astype(str)
        projects = tasks["project"].astype(str).to_numpy() if "project" in tasks.columns else None
        own = tasks["own"].fillna(True).to_numpy(dtype=bool) if "own" in tasks.columns else None
        if links is None or links.empty:
            pred = succ = kind = np.zeros(0, dtype=np.int64)
            lag = np.zeros(0, dtype=float)
        else:
            pos = pd.Series(np.arange(len(uids)), index=uids)
            for end in ("pred_uid", "succ_uid"):
                if end not in links.columns:
                    raise ScheduleError("links table needs pred_uid and succ_uid", field=end)
                unknown = ~links[end].isin(pos.index)
                if unknown.any():
                    raise ScheduleError(
                        "link names an unknown task",
                        field=end,
                        value=links.loc[unknown, end].iloc[0],
                    )
            pred = pos[links["pred_uid"].to_numpy()].to_numpy()
            succ = pos[links["succ_uid"].to_numpy()].to_numpy()
            types = (
                links["type"].astype(str).str.upper()
                if "type" in links.columns
                else pd.Series("FS", index=links.index)
            )
            bad = ~types.isin(LINK_TYPES)
            if bad.any():
                raise ScheduleError(
                    "unknown link type",
                    field="type",
                    value=types[bad].iloc[0],
                    expected="FS, SS, FF or SF",
                )
            kind = np.asarray(
                types.map({t: i for i, t in enumerate(LINK_TYPES)}).to_numpy(np.int64),
                dtype=np.int64,
            )
            lag = (
                pd.to_numeric(links["lag_min"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
                if "lag_min" in links.columns
                else np.zeros(len(links))
            )
            if (pred == succ).any():
                i = int(np.flatnonzero(pred == succ)[0])
                raise CycleError(
                    "a task is linked to itself", cycle=[uids[pred[i]]], value=uids[pred[i]]
                )
        mpd = minutes_per_day or (calendar.minutes_per_day if calendar is not None else 480.0)
        return cls(
            uids=uids,
            names=names.to_numpy(),
            optimistic=a,
            most_likely=m,
            pessimistic=b,
            duration=dur,
            floor=floor,
            pinned=pinned,
            pred=pred.astype(np.int64),
            succ=succ.astype(np.int64),
            kind=kind.astype(np.int64),
            lag=lag,
            calendar=calendar,
            origin=None if origin is None else pd.Timestamp(origin),
            minutes_per_day=float(mpd),
            projects=projects,
            own=None if own is None or own.all() else own,
        )

    def _build_levels(self) -> list[_Level]:
        """Internal order (level, falling in-degree, falling out-degree) and per-level slots."""
        n = self.n_tasks
        pred, succ, kind, lag = self.pred, self.succ, self.kind, self.lag
        indeg = np.bincount(succ, minlength=n)
        outdeg = np.bincount(pred, minlength=n)
        perm = np.lexsort((np.arange(n), -outdeg, -indeg, self.level))
        inv = np.empty(n, dtype=np.int64)
        inv[perm] = np.arange(n)
        self._perm, self._inv = perm, inv
        self._floor_p = self.floor[perm].astype(float)
        own_p = None if self.own is None else self.own[perm]
        self._own_rows = None if own_p is None else np.flatnonzero(own_p)
        p_pred, p_succ = inv[pred], inv[succ]
        bounds = np.searchsorted(self.level[perm], np.arange(int(self.level.max()) + 2 if n else 1))
        # slot number of each link: its rank among the links of the same successor / predecessor
        in_order = np.lexsort((np.arange(len(pred)), p_succ))
        in_slot = np.empty(len(pred), dtype=np.int64)
        in_slot[in_order] = _rank_within(p_succ[in_order])
        out_order = np.lexsort((np.arange(len(pred)), p_pred))
        out_slot = np.empty(len(pred), dtype=np.int64)
        out_slot[out_order] = _rank_within(p_pred[out_order])
        pinned_p = self.pinned[perm]
        levels: list[_Level] = []
        for k in range(len(bounds) - 1):
            lo, hi = int(bounds[k]), int(bounds[k + 1])
            fwd: list[_Slot] = []
            li = np.flatnonzero((p_succ >= lo) & (p_succ < hi))
            for j in range(int(in_slot[li].max()) + 1 if li.size else 0):
                lj = li[in_slot[li] == j]
                lj = lj[np.argsort(p_succ[lj])]
                tasks = p_succ[lj]  # = lo .. lo + len(lj) - 1 by construction
                reads_finish = (kind[lj] == 0) | (kind[lj] == 2)  # FS/FF read EF
                ft = np.flatnonzero(kind[lj] >= 2)  # FF/SF constrain the finish
                fwd.append(
                    _Slot(
                        pos=slice(lo, lo + len(lj)),
                        rows=(p_pred[lj] + n * reads_finish).astype(np.intp),
                        lag=lag[lj][:, None].copy() if np.any(lag[lj] != 0) else None,
                        adjust=ft if ft.size else None,
                        adjust_rows=tasks[ft] if ft.size else None,
                    )
                )
            bwd: list[_Slot] = []
            lo_links = np.flatnonzero((p_pred >= lo) & (p_pred < hi))
            for j in range(int(out_slot[lo_links].max()) + 1 if lo_links.size else 0):
                lj = lo_links[out_slot[lo_links] == j]
                lj = lj[np.argsort(p_pred[lj])]
                tasks = p_pred[lj]
                contiguous = bool(np.all(np.diff(tasks) == 1))
                reads_lf = kind[lj] >= 2  # FF/SF read LF
                st = np.flatnonzero((kind[lj] == 1) | (kind[lj] == 3))  # SS/SF: the start
                bwd.append(
                    _Slot(
                        pos=slice(int(tasks[0]), int(tasks[-1]) + 1) if contiguous else tasks,
                        rows=(p_succ[lj] + n * reads_lf).astype(np.intp),
                        lag=lag[lj][:, None].copy() if np.any(lag[lj] != 0) else None,
                        adjust=st if st.size else None,
                        adjust_rows=tasks[st] if st.size else None,
                    )
                )
            pin = np.flatnonzero(pinned_p[lo:hi])
            away = np.zeros(0, dtype=np.intp) if own_p is None else np.flatnonzero(~own_p[lo:hi])
            levels.append(
                _Level(lo, hi, fwd, bwd, pin if pin.size else None, away if away.size else None)
            )
        return levels

    # ------------------------------------------------------------------ passes
    def _forward(self, dur: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Forward pass in the internal order: fills ``out = (ES; EF)``, shape (2n, runs)."""
        n = self.n_tasks
        floor = self._floor_p[:, None]
        for lev in self._levels:
            lo, hi = lev.lo, lev.hi
            es = out[lo:hi]
            if not lev.fwd:
                es[...] = floor[lo:hi]
            for j, s in enumerate(lev.fwd):
                if j == 0:
                    c = out[s.pos]  # the slot covers tasks lo.. (prefix of the level)
                    np.take(out, s.rows, axis=0, out=c, mode="clip")
                else:
                    c = np.take(out, s.rows, axis=0, mode="clip")
                if s.lag is not None:
                    c += s.lag
                if s.adjust is not None:
                    c[s.adjust] -= dur[s.adjust_rows]
                if j:
                    tgt = out[s.pos]
                    np.maximum(tgt, c, out=tgt)
            if lev.fwd:
                np.maximum(es, floor[lo:hi], out=es)
            if lev.pinned is not None:
                es[lev.pinned] = floor[lo:hi][lev.pinned]
            np.add(es, dur[lo:hi], out=out[n + lo : n + hi])
        return out

    def _backward(self, dur: np.ndarray, finish: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Backward pass in the internal order: fills ``out = (LS; LF)``, shape (2n, runs)."""
        n = self.n_tasks
        for lev in reversed(self._levels):
            lo, hi = lev.lo, lev.hi
            lf = out[n + lo : n + hi]
            lf[...] = finish
            if lev.foreign is not None:  # bounded only by the tasks they feed
                lf[lev.foreign] = np.inf
            for s in lev.bwd:
                c = np.take(out, s.rows, axis=0, mode="clip")
                if s.lag is not None:
                    c -= s.lag
                if s.adjust is not None:
                    c[s.adjust] += dur[s.adjust_rows]
                if isinstance(s.pos, slice):
                    tgt = out[n + s.pos.start : n + s.pos.stop]
                    np.minimum(tgt, c, out=tgt)
                else:
                    rows = n + s.pos
                    out[rows] = np.minimum(out[rows], c)
            np.subtract(lf, dur[lo:hi], out=out[lo:hi])
        return out

    def forward(self, dur: np.ndarray) -> np.ndarray:
        """Early dates for durations ``dur`` of shape ``(tasks, runs)``: the stacked array
        ``(ES; EF)`` of shape ``(2 * tasks, runs)``."""
        n = self.n_tasks
        d = np.ascontiguousarray(np.asarray(dur, dtype=float)[self._perm])
        out = self._forward(d, np.empty((2 * n, d.shape[1])))
        idx = np.r_[self._inv, n + self._inv]
        return out[idx]

    def backward(self, dur: np.ndarray, finish: np.ndarray) -> np.ndarray:
        """Late finish of every task (shape ``(tasks, runs)``) against project ``finish``."""
        n = self.n_tasks
        d = np.ascontiguousarray(np.asarray(dur, dtype=float)[self._perm])
        out = self._backward(d, np.asarray(finish, dtype=float), np.empty((2 * n, d.shape[1])))
        return out[n + self._inv]

    def deterministic_finish(self) -> float:
        """Project finish (working minutes) with the deterministic durations."""
        if self.n_tasks == 0:
            return 0.0
        stack = self.forward(self.duration[:, None].astype(float))
        ef = stack[self.n_tasks :]
        return float((ef if self.own is None else ef[self.own]).max())

    def finish_of(self, early: np.ndarray) -> np.ndarray:
        """The project finish of each run from :meth:`forward`'s stacked early dates: the
        latest early finish of the project's own tasks (not of its upstream tasks)."""
        ef = np.asarray(early)[self.n_tasks :]
        return ef.max(axis=0) if self.own is None else ef[self.own].max(axis=0)

    def _finish_p(self, ef: np.ndarray) -> np.ndarray:
        """:meth:`finish_of` on early finishes in the internal order."""
        return ef.max(axis=0) if self._own_rows is None else ef[self._own_rows].max(axis=0)


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """0, 1, 2... within each run of equal values of a sorted array."""
    if groups.size == 0:
        return np.zeros(0, dtype=np.int64)
    start = np.r_[True, groups[1:] != groups[:-1]]
    first = np.flatnonzero(start)
    idx = np.arange(groups.size)
    return idx - np.repeat(first, np.diff(np.r_[first, groups.size]))


def _topological_levels(
    n: int, pred: np.ndarray, succ: np.ndarray, uids: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A topological order and each task's level (:mod:`pmkit._graph`). Raises
    :class:`CycleError` naming the tasks of a cycle."""
    try:
        level = _graph.levels(n, pred, succ)
    except CycleError as exc:
        names = [uids[i] for i in exc.cycle]
        raise CycleError(
            "the links form a cycle: " + " -> ".join(map(str, [*names, names[0]])),
            cycle=names,
        ) from None
    return _graph.topological_order(level), level


# ----------------------------------------------------------------------------- sampling
_Q_ROWS = 128  # grid of the PERT mode position r = (m - a) / (b - a)
_Q_COLS = 2048  # equal-probability strata of the inverse CDF (one sample = one stratum)


@lru_cache(maxsize=1)
def _pert_quantiles() -> np.ndarray:
    """Inverse CDF of the standard beta-PERT at the stratum mid-points, on a grid of modes.

    Beta-PERT is a one-parameter family: ``alpha = 1 + 4r``, ``beta = 1 + 4(1 - r)`` always
    sum to 6, so one table (built once, ~0.1 s) serves every task.
    """
    from scipy.special import betaincinv

    r = np.linspace(0.0, 1.0, _Q_ROWS + 1)[:, None]
    u = (np.arange(_Q_COLS) + 0.5)[None, :] / _Q_COLS
    q = betaincinv(1.0 + 4.0 * r, 1.0 + 4.0 * (1.0 - r), u)
    return np.maximum.accumulate(np.clip(q, 0.0, 1.0), axis=1)


def _quantile_table(
    a: np.ndarray, m: np.ndarray, b: np.ndarray, distribution: Distribution
) -> np.ndarray:
    """Per task, its duration at the ``_Q_COLS`` stratum mid-points (working minutes).

    Sampling is then one integer draw and one table look-up per task and run: uniform
    stratum ``k`` stands for probability ``(k + 1/2) / _Q_COLS``. With 2,048 strata the
    discretisation moves a mean or a percentile by far less than the Monte Carlo noise of
    10,000 runs (the error is of order ``(b - a) / 2048**2`` for the mean). Triangular
    quantiles are exact; PERT ones interpolate the standard table between mode positions.
    A fixed task (``a == b``) gets a constant row equal to its duration.
    """
    width = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(width > 0, (m - a) / width, 0.5)
    r = np.clip(r, 0.0, 1.0)
    if distribution == "triangular":
        u = (np.arange(_Q_COLS) + 0.5)[None, :] / _Q_COLS
        c = r[:, None]
        std = np.where(u < c, np.sqrt(u * c), 1.0 - np.sqrt((1.0 - u) * (1.0 - c)))
    else:
        table = _pert_quantiles()
        x = r * _Q_ROWS
        i0 = np.minimum(x.astype(np.int64), _Q_ROWS - 1)
        w = (x - i0)[:, None]
        std = table[i0] * (1.0 - w) + table[i0 + 1] * w
    out = a[:, None] + std * width[:, None]
    out[width <= 0] = m[width <= 0, None]
    return out


def _mean(a: np.ndarray, m: np.ndarray, b: np.ndarray, distribution: str) -> np.ndarray:
    return (a + 4 * m + b) / 6 if distribution == "pert" else (a + m + b) / 3


# ----------------------------------------------------------------------------- result
@dataclass
class MonteCarloResult:
    """Samples and statistics of a schedule simulation.

    Attributes
    ----------
    network : Network
    finish : ndarray
        Project finish of each run (working minutes from the origin), shape ``(runs,)``.
    criticality_index : Series
        Per task uid, the share of runs in which the task had zero total float (0..1).
    deterministic_finish : float
        CPM finish with the deterministic durations (working minutes).
    distribution, seed, runs
        How the samples were drawn.
    """

    network: Network
    finish: np.ndarray
    criticality_index: pd.Series
    deterministic_finish: float
    distribution: str
    seed: int | None
    runs: int
    durations: np.ndarray | None = field(default=None, repr=False)
    _sensitivity: pd.DataFrame | None = field(default=None, repr=False)
    # the stratum drawn per uncertain task and run: durations rise with it, so its ranks are
    # the durations' ranks (ties averaged), found by counting instead of sorting
    _strata: np.ndarray | None = field(default=None, repr=False)

    # ---------------------------------------------------------------- conversions
    @property
    def finish_days(self) -> np.ndarray:
        """Finish samples in working days from the origin."""
        return self.finish / self.network.minutes_per_day

    def to_dates(self, minutes: Any) -> pd.DatetimeIndex | None:
        """Working minutes from the origin -> dates (finish semantics); ``None`` without a
        calendar and origin."""
        net = self.network
        if net.calendar is None or net.origin is None:
            return None
        w0 = int(net.calendar.to_working_minutes(net.origin)[0])
        mins = np.atleast_1d(np.asarray(minutes, dtype=float))
        return pd.DatetimeIndex(net.calendar.from_working_minutes(w0 + mins, as_finish=True))

    @property
    def finish_dates(self) -> pd.DatetimeIndex | None:
        """Finish sample of every run as a date-time (needs calendar and origin)."""
        return self.to_dates(self.finish)

    # ---------------------------------------------------------------- statistics
    def percentiles(self, ps: tuple[float, ...] = (50, 80, 90)) -> pd.DataFrame:
        """P-values of the finish: ``percentile, finish_min, finish_days, date,
        delta_days`` (working days later than the deterministic finish).

        Examples
        --------
        >>> from pmkit import load_sample
        >>> res = simulate(project_network(load_sample(), "P01"), runs=1000, seed=1)
        >>> pct = res.percentiles()
        >>> list(pct["percentile"]), bool(pct["date"].is_monotonic_increasing)
        (['P50', 'P80', 'P90'], True)
        >>> bool((pct["delta_days"] > 0).all())  # later than the plan: merge bias, skewed tasks
        True
        """
        q = np.percentile(self.finish, ps)
        mpd = self.network.minutes_per_day
        out = pd.DataFrame(
            {
                "percentile": [f"P{p:g}" for p in ps],
                "p": np.asarray(ps, dtype=float),
                "finish_min": q,
                "finish_days": q / mpd,
                "delta_days": (q - self.deterministic_finish) / mpd,
            }
        )
        dates = self.to_dates(q)
        out["date"] = dates if dates is not None else pd.NaT
        return out

    def probability_by(self, date_or_minutes: Any) -> float:
        """Share of runs finishing at or before a date (or working-minute offset)."""
        if isinstance(date_or_minutes, int | float | np.number):
            limit = float(date_or_minutes)
        else:
            net = self.network
            if net.calendar is None or net.origin is None:
                raise MonteCarloError("a date needs a network with calendar and origin")
            w0 = int(net.calendar.to_working_minutes(net.origin)[0])
            limit = float(net.calendar.to_working_minutes(date_or_minutes)[0] - w0)
        return float(np.mean(self.finish <= limit + _TOL))

    def histogram(self, bins: int = 40) -> pd.DataFrame:
        """Finish histogram: ``bin_start_days, bin_end_days, count, share`` plus ``bin_start``
        and ``bin_end`` dates when the network has a calendar."""
        counts, edges = np.histogram(self.finish, bins=bins)
        mpd = self.network.minutes_per_day
        out = pd.DataFrame(
            {
                "bin_start_days": edges[:-1] / mpd,
                "bin_end_days": edges[1:] / mpd,
                "count": counts,
                "share": counts / max(self.runs, 1),
            }
        )
        s, e = self.to_dates(edges[:-1]), self.to_dates(edges[1:])
        if s is not None and e is not None:
            out["bin_start"], out["bin_end"] = s, e
        return out

    def cdf(self, points: int = 200) -> pd.DataFrame:
        """Cumulative probability of finishing by each value: ``finish_days, probability``
        (and ``date``), at most ``points`` rows (evenly spaced quantiles)."""
        probs = np.linspace(0.0, 1.0, max(points, 2))
        q = np.quantile(self.finish, probs)
        out = pd.DataFrame({"finish_days": q / self.network.minutes_per_day, "probability": probs})
        dates = self.to_dates(q)
        if dates is not None:
            out["date"] = dates
        return out

    @property
    def sensitivity(self) -> pd.DataFrame:
        """Spearman rank correlation of each uncertain task's duration with the finish, largest
        first: ``uid, name, spearman, criticality`` (computed once, on first use)."""
        if self._sensitivity is None:
            self._sensitivity = self._compute_sensitivity()
        return self._sensitivity

    def _compute_sensitivity(self) -> pd.DataFrame:
        net = self.network
        unc = net.uncertain
        if self.durations is None or unc.size == 0:
            cols = ["uid", "name", "spearman", "criticality"]
            return pd.DataFrame(columns=cols if net.projects is None else [*cols, "project"])
        rank_f = _ranks(self.finish[None, :])[0]
        rank_d = _strata_ranks(self._strata) if self._strata is not None else _ranks(self.durations)
        rf = rank_f - rank_f.mean()
        rd = rank_d - rank_d.mean(axis=1, keepdims=True)
        den = np.sqrt((rd * rd).sum(axis=1) * (rf * rf).sum())
        with np.errstate(divide="ignore", invalid="ignore"):
            rho = np.where(den > 0, (rd @ rf) / den, np.nan)
        out = pd.DataFrame(
            {
                "uid": net.uids[unc],
                "name": net.names[unc],
                "spearman": rho,
                "criticality": self.criticality_index.to_numpy()[unc],
            }
        )
        if net.projects is not None:
            out["project"] = net.projects[unc]
        order = np.argsort(-np.abs(np.nan_to_num(rho)), kind="stable")
        return out.iloc[order].reset_index(drop=True)

    def tornado(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` tasks whose duration moves the finish most: ``uid, name, spearman,
        low_days, high_days`` where ``low_days``/``high_days`` are the mean finish (working
        days) over the runs in which the task's duration is in its lowest / highest decile."""
        sens = self.sensitivity.head(n).copy()
        if sens.empty or self.durations is None:
            return sens.assign(low_days=[], high_days=[])
        pos = pd.Series(
            np.arange(len(self.network.uncertain)), index=self.network.uids[self.network.uncertain]
        )
        rows = pos[sens["uid"].to_numpy()].to_numpy()
        d = self.durations[rows]
        lo_q = np.quantile(d, 0.1, axis=1, keepdims=True)
        hi_q = np.quantile(d, 0.9, axis=1, keepdims=True)
        fd = self.finish_days[None, :]
        lo_mask, hi_mask = d <= lo_q, d >= hi_q
        sens["low_days"] = (fd * lo_mask).sum(axis=1) / np.maximum(lo_mask.sum(axis=1), 1)
        sens["high_days"] = (fd * hi_mask).sum(axis=1) / np.maximum(hi_mask.sum(axis=1), 1)
        return sens

    def task_table(self) -> pd.DataFrame:
        """Per task: ``uid, name, optimistic_days, most_likely_days, pessimistic_days,
        mean_days, criticality`` (and ``project`` when the network knows it)."""
        net = self.network
        mpd = net.minutes_per_day
        out = pd.DataFrame(
            {
                "uid": net.uids,
                "name": net.names,
                "optimistic_days": net.optimistic / mpd,
                "most_likely_days": net.most_likely / mpd,
                "pessimistic_days": net.pessimistic / mpd,
                "mean_days": _mean(
                    net.optimistic, net.most_likely, net.pessimistic, self.distribution
                )
                / mpd,
                "criticality": self.criticality_index.to_numpy(),
            }
        )
        if net.projects is not None:
            out["project"] = net.projects
        return out

    def summary(self) -> dict[str, Any]:
        """Headline numbers: runs, mean and P50/P80/P90 (working days and dates),
        deterministic finish and the probability of meeting it."""
        pct = self.percentiles()
        det_date = self.to_dates([self.deterministic_finish])
        out: dict[str, Any] = {
            "runs": self.runs,
            "distribution": self.distribution,
            "seed": self.seed,
            "mean_days": float(self.finish_days.mean()),
            "std_days": float(self.finish_days.std()),
            "deterministic_days": self.deterministic_finish / self.network.minutes_per_day,
            "deterministic_date": None if det_date is None else det_date[0],
            "probability_deterministic": self.probability_by(self.deterministic_finish),
        }
        for label, days, date in zip(
            pct["percentile"], pct["finish_days"], pct["date"], strict=True
        ):
            out[f"{str(label).lower()}_days"] = days
            out[f"{str(label).lower()}_date"] = date
        return out


def _strata_ranks(k: np.ndarray) -> np.ndarray:
    """Row-wise ranks 0..n-1 of stratum indices, ties given their average rank (counting:
    one pass per row instead of a sort)."""
    rows = k.shape[0]
    flat = k.astype(np.int64) + (np.arange(rows, dtype=np.int64) * _Q_COLS)[:, None]
    counts = np.bincount(flat.ravel(), minlength=rows * _Q_COLS).reshape(rows, _Q_COLS)
    avg = np.cumsum(counts, axis=1) - counts + (counts - 1) / 2.0
    return np.take(avg.ravel(), flat)


def _ranks(x: np.ndarray) -> np.ndarray:
    """Row-wise ranks 0..n-1 (ties broken by position; samples are continuous)."""
    order = np.argsort(x, axis=1, kind="stable")
    ranks = np.empty_like(order, dtype=float)
    np.put_along_axis(ranks, order, np.arange(x.shape[1], dtype=float)[None, :], axis=1)
    return ranks


# ----------------------------------------------------------------------------- simulate
def simulate(
    network: Network,
    *,
    runs: int = 10_000,
    seed: int | None = None,
    distribution: Distribution = "pert",
    progress: Progress | None = None,
    chunk_size: int = 2_500,
    keep_durations: bool = True,
) -> MonteCarloResult:
    """Monte Carlo schedule risk analysis of a network.

    Parameters
    ----------
    network : Network
        From :meth:`Network.from_frames` or :func:`project_network`.
    runs : int
        Number of simulated schedules (default 10,000).
    seed : int, optional
        Seed of numpy's PCG64 generator; the same seed gives the same result.
    distribution : {"pert", "triangular"}
        Shape of each three-point estimate.
    progress : callable, optional
        Called with the fraction of runs done (0 < f <= 1) after each chunk.
    chunk_size : int
        Runs per chunk (bounds memory to about ``6 x tasks x chunk_size`` floats).
    keep_durations : bool
        Keep the sampled durations of uncertain tasks (float32) for :attr:`sensitivity`
        and :meth:`tornado`.

    Returns
    -------
    MonteCarloResult

    Examples
    --------
    >>> import pandas as pd
    >>> tasks = pd.DataFrame({"uid": ["A", "B"], "optimistic_min": [480, 960],
    ...                       "most_likely_min": [960, 1440], "pessimistic_min": [1920, 2400]})
    >>> links = pd.DataFrame({"pred_uid": ["A"], "succ_uid": ["B"]})
    >>> res = simulate(Network.from_frames(tasks, links), runs=2000, seed=7)
    >>> float(res.criticality_index["A"])
    1.0
    """
    if distribution not in ("pert", "triangular"):
        raise MonteCarloError(
            "unknown distribution",
            field="distribution",
            value=distribution,
            expected="pert or triangular",
        )
    if not isinstance(runs, int | np.integer) or runs < 1:
        raise MonteCarloError("runs must be a whole number >= 1", field="runs", value=runs)
    if chunk_size < 1:
        raise MonteCarloError("chunk_size must be >= 1", field="chunk_size", value=chunk_size)
    rng = np.random.default_rng(seed)
    n = network.n_tasks
    unc = network.uncertain
    perm, inv = network._perm, network._inv
    finish = np.empty(runs, dtype=float)
    crit_p = np.zeros(n, dtype=np.int64)
    kept = np.empty((unc.size, runs), dtype=np.float32) if keep_durations else None
    strata = np.empty((unc.size, runs), dtype=np.uint16) if keep_durations else None
    unc_rows = inv[unc]
    table = _quantile_table(
        network.optimistic[perm],
        network.most_likely[perm],
        network.pessimistic[perm],
        distribution,
    ).ravel()
    offsets = (np.arange(n, dtype=np.intp) * _Q_COLS)[:, None]
    width = 0
    done = 0
    while done < runs:
        r = min(chunk_size, runs - done)
        if r != width:  # buffers reused chunk after chunk (no fresh pages to fault in)
            width = r
            dur = np.empty((n, r))
            fwd = np.empty((2 * n, r))
            bwd = np.empty((2 * n, r))
            slack = np.empty((n, r))
        if n:
            # all durations at once: one stratum index per task and run, one look-up
            idx = rng.integers(0, _Q_COLS, size=(n, r), dtype=np.intp)
            if strata is not None and unc.size:
                strata[:, done : done + r] = idx[unc_rows]
            idx += offsets
            np.take(table, idx, out=dur, mode="clip")
            if kept is not None and unc.size:
                kept[:, done : done + r] = dur[unc_rows]
            network._forward(dur, fwd)
            ef = fwd[n:]
            f = network._finish_p(ef)
            network._backward(dur, f, bwd)
            np.subtract(bwd[n:], ef, out=slack)
            crit_p += np.count_nonzero(slack <= _TOL, axis=1)
        else:
            f = np.zeros(r)
        finish[done : done + r] = f
        done += r
        if progress is not None:
            progress(done / runs)
    crit = crit_p[inv] if n else crit_p
    return MonteCarloResult(
        network=network,
        finish=finish,
        criticality_index=pd.Series(
            crit / runs, index=pd.Index(network.uids, name="uid"), name="criticality"
        ),
        deterministic_finish=network.deterministic_finish(),
        distribution=distribution,
        seed=seed,
        runs=int(runs),
        durations=kept,
        _strata=strata,
    )


# ----------------------------------------------------------------------------- portfolio
def project_network(
    portfolio: Portfolio,
    project_id: str,
    *,
    status_date: Any = None,
    duration_changes: dict[str, float] | None = None,
) -> Network:
    """The simulation network of one project, built from the plan at the status date.

    Rules
    -----
    - One plan: the tasks, durations left at the status date, floors and actuals are those of
      :func:`pmkit.schedule.portfolio_adapter.plan_inputs` and the dates those of
      :func:`pmkit.schedule.portfolio_adapter.schedule_portfolio`, so the deterministic run
      gives the CPM (Gantt, roll-up) finish.
    - The network is the project's tasks and their upstream closure: every task, in any
      project, that reaches the project through links (a predecessor in another project, its
      own predecessors, and so on). Those tasks are simulated exactly like the project's own
      (their estimates, their progress at the status date); the finish measured is the
      latest finish of the project's own tasks, and an upstream task's float is measured to
      the tasks it feeds (it is bounded by no finish of its own).
    - Summary tasks are left out (they take no links); milestones last 0.
    - A finished task is fixed at its actual dates; a started task is pinned at its actual
      start (SS/SF lags out of it count from there) and lasts its elapsed working time up to
      the status date plus ``1 - percent_complete/100`` of each estimate; a task not started
      starts no earlier than its floor (status date, project start, SNET/MSO/FNET/MFO dates).
    - Three-point estimates come from ``optimistic_days, most_likely_days, pessimistic_days``;
      an empty cell falls back to ``duration_days`` (deterministic). They scale the planned
      span of the work left, so a most likely equal to the duration gives the planned dates.
    - Working minutes of the project calendar from the project start.
    - Links between tasks of the network; a linked predecessor that is no task of it (a
      summary) is fixed at its planned dates.

    Parameters
    ----------
    portfolio : Portfolio
    project_id : str
    status_date : date, optional
        Defaults to the portfolio's status date.
    duration_changes : dict, optional
        ``task_id -> new duration in working days`` (scales the three points proportionally).

    Returns
    -------
    Network
    """

    rows = portfolio.projects[portfolio.projects["project_id"] == project_id]
    if rows.empty:
        raise UnknownIdError(
            "project",
            project_id,
            expected="one of " + ", ".join(portfolio.project_ids),
        )
    if status_date is not None:
        std = {**portfolio.standards, "status_date": pd.Timestamp(status_date)}
        portfolio = dataclasses.replace(portfolio, standards=std)
    info = rows.iloc[0]
    cal = portfolio.calendar(str(info["calendar_id"]))
    start = pd.Timestamp(info["start"])
    leaves = portfolio.tasks[~portfolio.tasks["is_summary"].astype(bool)]
    mine = leaves["project_id"] == project_id
    overrides = _duration_overrides(leaves[mine], duration_changes)
    up = _upstream(portfolio, project_id)
    tasks = (
        pd.concat([leaves[mine], leaves[leaves["task_id"].isin(up)]]) if up.size else leaves[mine]
    )
    tasks = _apply_overrides(tasks, overrides)  # the estimates scale with the durations
    eng, links = _engine_rows(portfolio, tasks)
    sched = schedule_portfolio(portfolio, overrides=overrides)
    plan = sched.tasks.set_index("uid")
    frame = _task_frame(tasks, eng.set_index("uid"), plan, cal, start)
    frame["own"] = (tasks["project_id"] == project_id).to_numpy()
    ids = set(tasks["task_id"])
    outside = links[~links["pred_uid"].isin(ids)]
    if len(outside):
        w0 = float(cal.to_working_minutes(start)[0])
        frame = pd.concat([frame, _fixed_predecessors(plan, outside, cal, w0)])
    frame, links = _calibrated(frame, links, sched.links)
    return Network.from_frames(
        frame, links, calendar=cal, origin=start, minutes_per_day=cal.minutes_per_day
    )


def _upstream(portfolio: Portfolio, project_id: str) -> np.ndarray:
    """Every leaf task of another project that reaches ``project_id``'s tasks through links
    (the upstream closure, transitively, through any project), in task-table order."""
    ids, proj, pred, succ = _link_positions(portfolio)
    own = proj == project_id
    reach = own.copy()
    frontier = own
    while True:
        new = np.zeros_like(reach)
        new[pred[frontier[succ]]] = True
        new &= ~reach
        if not new.any():
            break
        reach |= new
        frontier = new
    return ids[reach & ~own]


def _link_positions(portfolio: Portfolio) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Leaf task ids, their projects, and each link between leaves as positions (cached per
    portfolio object and tables)."""
    cache = object_cache(portfolio, "_pmkit_mc_links")
    key = (id(portfolio.tasks), id(portfolio.links))
    if key not in cache:
        t = portfolio.tasks[~portfolio.tasks["is_summary"].astype(bool)]
        leaves = pd.Index(t["task_id"])
        pred = leaves.get_indexer(portfolio.links["pred_id"])
        succ = leaves.get_indexer(portfolio.links["succ_id"])
        ok = (pred >= 0) & (succ >= 0)
        cache.clear()
        cache[key] = (
            leaves.to_numpy(),
            t["project_id"].astype(str).to_numpy(),
            pred[ok],
            succ[ok],
            (portfolio.tasks, portfolio.links),  # held: the ids in the key stay unique
        )
    return cache[key][:4]


def _engine_rows(portfolio: Portfolio, tasks: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of ``tasks`` in :func:`~pmkit.schedule.portfolio_adapter.plan_inputs` and
    the links into them (its rules are per task, so the rows are the same; the rest of the
    portfolio is not converted)."""
    eng, _, cals, cal_of = _engine_tasks(portfolio, tasks)
    lk = portfolio.links[portfolio.links["succ_id"].isin(tasks["task_id"])]
    return eng, _links(portfolio, tasks, cals, cal_of, lk)


def _task_frame(
    tasks: pd.DataFrame, eng: pd.DataFrame, plan: pd.DataFrame, cal: Calendar, start: Any
) -> pd.DataFrame:
    """The network's task table (working minutes of ``cal`` from ``start``) from the plan at
    the status date: planned span, three points, floors, pins."""
    ids = tasks["task_id"].to_numpy()
    eng = eng.loc[ids]
    w0 = float(cal.to_working_minutes(start)[0])
    es = cal.to_working_minutes(plan.loc[ids, "early_start"].to_numpy()) - w0
    ef = cal.to_working_minutes(plan.loc[ids, "early_finish"].to_numpy()) - w0
    span = np.maximum(ef - es, 0.0)
    a, m, b, pinned = _estimates(tasks, eng, span, cal.minutes_per_day)
    floor = np.where(pinned, es, _floors(eng, cal, w0, span))
    return pd.DataFrame(
        {
            "uid": ids,
            "name": tasks["name"].to_numpy(),
            "optimistic_min": a,
            "most_likely_min": m,
            "pessimistic_min": b,
            "duration_min": span,
            "floor_min": floor,
            "pinned": pinned,
            "project": tasks["project_id"].astype(str).to_numpy(),
            "plan_es": es,
            "plan_ef": ef,
        }
    )


def _calibrated(
    frame: pd.DataFrame, links: pd.DataFrame, plan_links: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lags and floors that give every task its planned dates in the deterministic run.

    The network counts working minutes of one calendar; a task planned on another (its own,
    or its project's for a task upstream) and lags counted on another do not map one to
    one. At the planned dates (``plan_es``, ``plan_ef`` in the network's minutes) each link's
    gap from its anchor (the predecessor's start or finish) to its target (the successor's
    start or finish) is known: no link may push past it (its lag is capped at the gap); a
    task that no link nor its floor brings to its planned start takes the gap as the lag of
    the link that drives it in the plan, or, driven by none, its planned start as floor.
    Where calendars agree the lags and floors already give the planned dates (to half a
    minute) and nothing changes, so the numbers do not either.
    """
    if links.empty:
        return frame, links
    pos = pd.Index(frame["uid"])
    p, s = pos.get_indexer(links["pred_uid"]), pos.get_indexer(links["succ_uid"])
    es, ef = frame["plan_es"].to_numpy(float), frame["plan_ef"].to_numpy(float)
    kind = links["type"].astype(str).str.upper().to_numpy()
    anchor = np.where(np.isin(kind, ["SS", "SF"]), es[p], ef[p])
    gap = np.where(np.isin(kind, ["FF", "SF"]), ef[s], es[s]) - anchor
    lag = links["lag_min"].to_numpy(dtype=float)
    new = np.where(lag > gap + 0.5, gap, lag)
    reached = np.zeros(len(frame), dtype=bool)
    reached[s[gap - new < 0.5]] = True
    floor = frame["floor_min"].to_numpy(dtype=float)
    short = ~reached & ~frame["pinned"].to_numpy(dtype=bool) & (floor < es - 0.5)
    if short.any():
        has_in = np.zeros(len(frame), dtype=bool)
        has_in[s] = True
        fix = np.flatnonzero(short[s])  # links into those tasks
        drv = _driving(links.iloc[fix], plan_links)
        new[fix[drv]] = gap[fix[drv]]
        reached[s[fix[drv]]] = True
        low = short & ~reached
        if low.any():
            frame = frame.assign(floor_min=np.where(low, es, floor))
    if (new != lag).any():
        links = links.assign(lag_min=new)
    return frame, links


def _driving(links: pd.DataFrame, plan_links: pd.DataFrame) -> np.ndarray:
    """Whether each link drives its successor in the plan."""
    key = ["pred_uid", "succ_uid", "type"]
    sub = plan_links[plan_links["succ_uid"].isin(pd.unique(links["succ_uid"]))]
    found = (
        links[key]
        .astype(str)
        .merge(
            sub[[*key, "driving"]].astype({k: str for k in key}).drop_duplicates(key),
            on=key,
            how="left",
        )["driving"]
    )
    return found.fillna(False).to_numpy(dtype=bool)


def _duration_overrides(
    tasks: pd.DataFrame, duration_changes: dict[str, float] | None
) -> dict[str, dict[str, Any]] | None:
    """``duration_changes`` as plan overrides (three points scaled with the duration)."""
    if not duration_changes:
        return None
    unknown = set(duration_changes) - set(tasks["task_id"])
    if unknown:
        raise MonteCarloError(
            "duration change for a task not in the project",
            field="task_id",
            value=sorted(unknown)[0],
        )
    t = tasks.set_index("task_id")
    out: dict[str, dict[str, Any]] = {}
    for tid, new in duration_changes.items():
        old = float(t.loc[tid, "duration_days"])
        ch: dict[str, Any] = {"duration_days": float(new)}
        for c in ("optimistic_days", "most_likely_days", "pessimistic_days"):
            v = float(t.loc[tid, c])
            ch[c] = float(new) if old <= 0 or np.isnan(v) else v * float(new) / old
        out[tid] = ch
    return out


def _estimates(
    tasks: pd.DataFrame, eng: pd.DataFrame, span: np.ndarray, mpd: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Three points in working minutes: the planned span's work scaled by each estimate over
    the duration (what is left of it for a started task); finished tasks are fixed."""
    ms = tasks["is_milestone"].astype(bool).to_numpy()
    dur = tasks["duration_days"].astype(float).to_numpy() * mpd
    pc = np.clip(tasks["percent_complete"].astype(float).fillna(0.0).to_numpy(), 0.0, 100.0)
    has_s = eng["actual_start"].notna().to_numpy()
    done = eng["actual_finish"].notna().to_numpy()
    started = has_s & ~done
    left = np.where(started | (~has_s & (pc > 0)), 1.0 - pc / 100.0, 1.0)
    todo = dur * left  # the work still to do, as the plan counts it
    fixed = np.maximum(span - todo, 0.0)  # elapsed part of a started task
    # work planned on another calendar (the task's, or its project's for a task upstream)
    # may span less of this one: the estimates scale that span
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(span < todo - 0.5, span / todo, 1.0)
    out = []
    for c in ("optimistic_days", "most_likely_days", "pessimistic_days"):
        v = tasks[c].astype(float).to_numpy() * mpd
        v = np.where(np.isnan(v), dur, v)
        est = np.where(dur > 0, fixed + v * left * k, span)
        out.append(np.where(ms | done, span, est))
    a, m, b = out
    m = np.clip(m, a, None)
    b = np.maximum(b, m)
    return a, m, b, has_s | done


def _floors(eng: pd.DataFrame, cal: Calendar, w0: float, span: np.ndarray) -> np.ndarray:
    """Earliest start (working minutes from the origin) of a task not started: its
    ``not_before`` and Start/Finish-No-Earlier-Than (or Must-On) dates."""

    def w(col: str) -> np.ndarray:
        d = pd.to_datetime(eng[col]).to_numpy(dtype="datetime64[ns]")
        out = np.full(len(d), -np.inf)
        ok = ~np.isnat(d)
        if ok.any():
            out[ok] = cal.to_working_minutes(d[ok]) - w0
        return out

    ctype = eng["constraint_type"].astype(str).to_numpy()
    cdate = w("constraint_date")
    floor = np.maximum(w("not_before"), 0.0)
    floor = np.where(np.isin(ctype, ["SNET", "MSO"]), np.maximum(floor, cdate), floor)
    return np.where(np.isin(ctype, ["FNET", "MFO"]), np.maximum(floor, cdate - span), floor)


def _fixed_predecessors(
    plan: pd.DataFrame, links: pd.DataFrame, cal: Calendar, w0: float
) -> pd.DataFrame:
    """Linked predecessors that are no task of the network, fixed at their planned dates."""
    ids = pd.unique(links["pred_uid"])
    es = cal.to_working_minutes(plan.loc[ids, "early_start"].to_numpy()) - w0
    ef = cal.to_working_minutes(plan.loc[ids, "early_finish"].to_numpy()) - w0
    d = np.maximum(ef - es, 0.0)
    return pd.DataFrame(
        {
            "uid": ids,
            "name": plan.loc[ids, "name"].to_numpy(),
            "optimistic_min": d,
            "most_likely_min": d,
            "pessimistic_min": d,
            "duration_min": d,
            "floor_min": es,
            "pinned": True,
            "plan_es": es,
            "plan_ef": ef,
            "project": plan.loc[ids, "project_id"].astype(str).to_numpy(),
            "own": False,
        }
    )


def simulate_project(
    portfolio: Portfolio,
    project_id: str,
    *,
    status_date: Any = None,
    duration_changes: dict[str, float] | None = None,
    runs: int = 10_000,
    seed: int | None = None,
    distribution: Distribution = "pert",
    progress: Progress | None = None,
    chunk_size: int | None = None,
    keep_durations: bool = True,
) -> MonteCarloResult:
    """:func:`simulate` on :func:`project_network` ``(portfolio, project_id)``.

    ``status_date`` and ``duration_changes`` shape the network (:func:`project_network`);
    the others are :func:`simulate`'s. Every option is named here: a misspelt one is a
    ``TypeError`` naming this function (the ``**kw`` it had passed it on to ``simulate``).
    Without a ``chunk_size``, a network made large by a long upstream closure runs in smaller
    chunks so its working arrays stay near ``_CHUNK_BYTES`` (up to 1,666 tasks: the default
    2,500).

    Examples
    --------
    >>> from pmkit import load_sample
    >>> res = simulate_project(load_sample(), "P01", runs=2000, seed=1)
    >>> res.percentiles()[["percentile", "date"]]
      percentile                date
    0        P50 2027-05-26 13:42:00
    1        P80 2027-06-02 11:05:00
    2        P90 2027-06-04 16:26:00
    """
    net = project_network(
        portfolio, project_id, status_date=status_date, duration_changes=duration_changes
    )
    if chunk_size is None:
        # about 6 float arrays of (tasks, chunk) are live during a chunk
        chunk_size = int(min(2_500, max(100, _CHUNK_BYTES // (48 * max(net.n_tasks, 1)))))
    return simulate(
        net,
        runs=runs,
        seed=seed,
        distribution=distribution,
        progress=progress,
        chunk_size=chunk_size,
        keep_durations=keep_durations,
    )


_CHUNK_BYTES = 200_000_000
