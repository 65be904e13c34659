"""Critical path method reproducing Microsoft Project's dates.

The passes run in *working minutes* of the project calendar, vectorised over topological levels
(numpy gathers + ``maximum.reduceat``), so 100k tasks schedule in a fraction of a second.

Microsoft Project keeps date-times, not minute counts: Friday 17:00 and Monday 08:00 are the
same working minute but Project shows a milestone that follows a task at 17:00, and a task
driven by a start-to-finish link finishes at the driving 08:00. Each date is therefore a *key*
``2 * working_minute + bit`` where bit 1 means "start-like" (shown at the start of the next
working period) and 0 "finish-like" (shown at the end of the previous one). Maxima and minima
of keys order the two instants correctly (17:00 < 08:00 next day) and the bit travels along
links, which is how Project's displayed dates behave (checked against the MSPDI corpus):

* a task with duration shows its start start-like; its finish is finish-like when its start
  drives it, or keeps the bit of the finish-to-finish / start-to-finish link that drives it;
* a milestone takes the key of its driver unchanged;
* late dates mirror this (auto tasks show late finishes finish-like, an automatic milestone
  too when a successor's link sets it, as a task with duration does: not the successor's
  Monday 08:00 but Friday 17:00; manually scheduled tasks keep the driving successor's bit);
* Must-Start/Finish-On (and actuals, manual dates) pin the task; its slack compares the pinned
  dates with what the links ask for, so a conflicting constraint shows negative slack.

Rules from real files (issue 11), each with a hand-made fixture in tests/unit/test_ms_rules.py:

* free slack: a task with no successor of its own has free slack = total slack, even when a
  summary above it has successors;
* percent lags (LagFormat 19/20) are the bare percent of the predecessor's duration (the
  MSPDI reader keeps LinkLag as is: -75 = -75 %);
* progress: a finished successor holds no predecessor back (late dates, free slack);
* progress: a started successor bounds its predecessors' late dates by its Resume date,
  not its late start (through a link onto its summary: by its actual start, the summary's
  late start being the earliest shown late start below it);
* task calendar with resources: the task works only in time its calendar and each
  resource's calendar share (``calendar.shared_calendar``), unless it ignores resource
  calendars; a task without a calendar of its own runs on its resources' (``legs``);
* manual tasks: slack is measured from the typed start (a link the typed dates break does
  not lower it), and a typed finish is shown as typed, even on a non-working day;
* end of day vs next morning: the key bit above (kept).
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pmkit import _graph
from pmkit.calendar import Calendar, Timeline, from_minutes, to_minutes
from pmkit.errors import CycleError, ScheduleError, UnknownScheduleTaskError
from pmkit.vocabulary import CONSTRAINTS, LINK_TYPES

__all__ = ["CONSTRAINT_TYPES", "LINK_TYPES", "Schedule", "schedule_network"]

CONSTRAINT_TYPES = CONSTRAINTS  # the scheduler codes both by their index in pmkit.vocabulary
_NEG = np.iinfo(np.int64).min // 4
_POS = np.iinfo(np.int64).max // 4


@dataclass
class Schedule:
    """Result of a CPM run.

    ``tasks``: one row per input task with uid, name, early/late start/finish
    (``datetime64[ns]``), total/free slack in working minutes, critical, start/finish (the
    scheduled dates), driving_preds (uids whose link has zero float) and is_summary.
    ``links``: the links with their float (``link_float_min``) and ``driving`` flag.
    """

    tasks: pd.DataFrame
    links: pd.DataFrame
    finish: pd.Timestamp
    start: pd.Timestamp
    calendar: Calendar
    notes: list[str] = field(default_factory=list)

    def driving_chain(self, uid: Any) -> list[tuple[Any, str | None, float, float]]:
        """Why does ``uid`` start then? Follow driving links back to the project start:
        ``[(uid, link type into it, lag_min, link float), ..., (first task, None, 0, 0)]``."""
        t = self.tasks.set_index("uid")
        if uid not in t.index:
            raise UnknownScheduleTaskError("task", uid, field="uid")
        lk = self.links[self.links["driving"]]
        by_succ: dict[Any, list[dict[Any, Any]]] = {}
        for rec in lk.to_dict("records"):
            by_succ.setdefault(rec["succ_uid"], []).append(rec)
        chain: list[tuple[Any, str | None, float, float]] = []
        seen = set()
        cur = uid
        while cur not in seen:
            seen.add(cur)
            preds = by_succ.get(cur)
            if not preds:
                chain.append((cur, None, 0.0, 0.0))
                break
            p = preds[0]
            chain.append((cur, p["type"], float(p["lag_min"]), float(p["link_float_min"])))
            cur = p["pred_uid"]
        return chain

    def critical_path(self) -> list[Any]:
        """Uids of the critical non-summary tasks, in early-start order."""
        t = self.tasks[self.tasks["critical"] & ~self.tasks["is_summary"]]
        return t.sort_values(["early_start", "early_finish"])["uid"].tolist()


# ----------------------------------------------------------------------------- helpers
def _col(df: pd.DataFrame, name: str, default: Any) -> pd.Series:
    """Column ``name`` or a constant one (typed: bool/float stay numeric, cheap to scan)."""
    if name in df.columns:
        return df[name]
    if isinstance(default, bool | float | int):
        return pd.Series(np.full(len(df), default), index=df.index)
    return pd.Series(np.full(len(df), default, dtype=object), index=df.index)


def _opt_dates(df: pd.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    """``_dates_to_min`` of an optional column; absent means no date anywhere."""
    if name not in df.columns:
        return np.zeros(len(df), dtype=np.int64), np.zeros(len(df), dtype=bool)
    return _dates_to_min(df[name], name)


def _bool(s: pd.Series) -> np.ndarray:
    if s.dtype == bool:
        return s.to_numpy()
    if s.dtype == object:
        vals = s.to_numpy()
        if pd.api.types.infer_dtype(vals, skipna=False) == "boolean":  # all bools: no NaN
            return vals.astype(bool)
    return s.fillna(False).astype(bool).to_numpy()


def _flag(df: pd.DataFrame, name: str) -> np.ndarray:
    """``_bool`` of an optional flag column; absent means False everywhere."""
    if name not in df.columns:
        return np.zeros(len(df), dtype=bool)
    return _bool(df[name])


def _codes(
    df: pd.DataFrame, name: str, names: tuple[str, ...], blank: str, what: str
) -> np.ndarray:
    """A code column (constraint or link type) as int64 indices into ``names``: integer
    compares instead of string compares on every row. Case and spaces are forgiven,
    empty means ``blank``; an unknown code raises ScheduleError naming it."""
    if name not in df.columns:
        return np.full(len(df), names.index(blank), dtype=np.int64)
    col = df[name]
    table = _code_table(names)
    codes = _lookup(col, names) if len(col) <= _SMALL_GRAPH else None
    if codes is None:
        codes = table.get_indexer(col).astype(np.int64)
    if (codes < 0).any():
        norm = col.fillna(blank).astype(str).str.strip().str.upper().replace("", blank)
        codes = table.get_indexer(norm).astype(np.int64)
        if (codes < 0).any():
            raise ScheduleError(
                f"unknown {what}",
                field=name,
                value=norm.iloc[int(np.flatnonzero(codes < 0)[0])],
                expected=", ".join(names),
            )
    return codes


_TABLES: dict[tuple[str, ...], pd.Index] = {}
_LOOKUPS: dict[tuple[str, ...], dict[str, int]] = {}


def _lookup(col: pd.Series, names: tuple[str, ...]) -> np.ndarray | None:
    """``Index(names).get_indexer(col)`` by a dict, faster on a few hundred rows; ``None``
    when a value cannot be looked up (unhashable)."""
    if names not in _LOOKUPS:
        _LOOKUPS[names] = {v: i for i, v in enumerate(names)}
    table = _LOOKUPS[names]
    try:
        return np.array([table.get(v, -1) for v in col.tolist()], dtype=np.int64)
    except TypeError:
        return None


def _code_table(names: tuple[str, ...]) -> pd.Index:
    """The codes as an Index (made once per tuple of names)."""
    if names not in _TABLES:
        _TABLES[names] = pd.Index(list(names))
    return _TABLES[names]


def _dates_to_min(s: pd.Series, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Series of dates -> (minutes since 1970, present mask); bad values raise ScheduleError."""
    if isinstance(s.dtype, np.dtype) and s.dtype.kind == "M":  # already naive datetimes
        arr = s.to_numpy()
        present = ~np.isnat(arr)
        vals = np.zeros(len(s), dtype=np.int64)
        if present.any():
            vals[present] = arr[present].astype("datetime64[m]").astype(np.int64)
        return vals, present
    if s.dtype == object and s.isna().all():
        return np.zeros(len(s), dtype=np.int64), np.zeros(len(s), dtype=bool)
    try:
        d = pd.to_datetime(s, errors="raise")
    except (ValueError, TypeError) as exc:
        raise ScheduleError(f"malformed date in {what}", field=what, value=str(exc)) from None
    present = d.notna().to_numpy()
    vals = np.zeros(len(s), dtype=np.int64)
    if present.any():
        vals[present] = d[present].to_numpy().astype("datetime64[m]").astype(np.int64)
    return vals, present


def _key_of_clock(tl: Any, t: np.ndarray) -> np.ndarray:
    """Clock minutes -> keys: finish-like when the instant ends a working period."""
    w = tl.to_work(t)
    return 2 * w + np.where(tl.is_period_end(t), 0, 1)


def _other_cal(calendars: Mapping[str, Calendar], cid: str, calendar: Calendar) -> bool:
    """Does calendar ``cid`` differ from the project calendar in its working time?"""
    cal = calendars.get(cid)
    if cal is None or cal is calendar:
        return False
    a, b = cal.timeline, calendar.timeline
    return not (np.array_equal(a.starts, b.starts) and np.array_equal(a.lengths, b.lengths))


# ----------------------------------------------------------------------------- engine
@dataclass
class _Net:
    """The parsed input: tasks as arrays, links as task indices (summary links expanded)."""

    tasks: pd.DataFrame
    uids: np.ndarray
    uid_index: pd.Index
    dur: np.ndarray
    is_summary: np.ndarray
    manual: np.ndarray
    elapsed: np.ndarray
    multi: bool
    notes: list[str]
    pi: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    si: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    lcode: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    lag_i: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    children: dict[int, list[int]] = field(default_factory=dict)
    #: per link: the predecessor's own link (False: inherited from a summary above it)
    own: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    #: per link: drawn onto a summary task (expanded to the leaves below it)
    onto_summary: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def n(self) -> int:
        return len(self.uids)

    @property
    def from_finish(self) -> np.ndarray:
        return (self.lcode == 0) | (self.lcode == 2)  # LINK_TYPES order: FS, SS, FF, SF

    @property
    def to_start(self) -> np.ndarray:
        return self.lcode <= 1


@dataclass
class _Keys:
    """Per-task anchors in keys: durations after actuals/manual dates, the constraint, the
    forward anchor ``ef0`` and the pinned finishes ``hard_ef`` (MSO/MFO, actuals, manual)."""

    dur: np.ndarray
    pos: np.ndarray
    cc: np.ndarray
    cmin: np.ndarray
    ckey: np.ndarray
    ef0: np.ndarray
    hard: np.ndarray
    hard_ef: np.ndarray
    dates: tuple[np.ndarray, ...]  # a_s, a_s_ok, a_f, a_f_ok, m_s, m_s_ok, m_f, m_f_ok, nb, nb_ok
    #: clock minutes of the Resume date of a started, unfinished automatic task (else -1)
    resume: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: the key of that Resume date, start-like (-1 where there is none)
    resume_key: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def finished(self) -> np.ndarray:
        return self.dates[1] & self.dates[3]


@dataclass
class _Passes:
    """Keys of the forward and backward passes (``*_nh``: before pins) and the slack."""

    es: np.ndarray
    ef: np.ndarray
    ef_nh: np.ndarray
    ls: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    lf: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    ls_nh: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    hard_late: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    #: the late start is set by a successor's link (not by the finish or a constraint)
    by_link: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    total: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    free: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    link_float: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _ef_of_start(k: np.ndarray, dur: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """An early-start key expressed as the finish key it implies."""
    return np.where(pos, (k | 1) + 2 * dur - 1, k)


def _ls_of_finish(k: np.ndarray, d: np.ndarray, p_: np.ndarray, mn: np.ndarray) -> np.ndarray:
    """A late-finish key expressed as the late-start key it implies (manual tasks keep the
    bit of their driving date)."""
    return np.where(p_, np.where(mn, k - 2 * d, (k & ~1) - 2 * d + 1), k)


def _lf_of(ls_: np.ndarray, d: np.ndarray, p_: np.ndarray, mn: np.ndarray) -> np.ndarray:
    return np.where(p_, np.where(mn, ls_ + 2 * d, (ls_ & ~1) + 2 * d), ls_)


def _parse_tasks(
    tasks: pd.DataFrame, calendar: Calendar, calendars: Mapping[str, Calendar] | None
) -> _Net:
    """Check the task table (uid, duration_min) and read its flags into arrays."""
    for col in ("uid", "duration_min"):
        if col not in tasks.columns:
            raise ScheduleError(f"tasks table has no '{col}' column", field=col)
    ix = tasks.index
    if not (isinstance(ix, pd.RangeIndex) and ix.start == 0 and ix.step == 1):
        tasks = tasks.reset_index(drop=True)
    uids = tasks["uid"].to_numpy()
    uid_index = pd.Index(uids)
    if not uid_index.is_unique:
        dup = uid_index[uid_index.duplicated()].tolist()[:5]
        raise ScheduleError("duplicate task uid", field="uid", value=dup)
    dur_f = _numbers(tasks["duration_min"])
    bad = np.isnan(dur_f) | (dur_f < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ScheduleError(
            "malformed duration",
            field="duration_min",
            value=tasks["duration_min"].iloc[i],
            expected="minutes >= 0",
        )
    elapsed = _flag(tasks, "elapsed")
    multi = _needs_multi(tasks, elapsed, calendar, calendars)
    return _Net(
        tasks=tasks,
        uids=uids,
        uid_index=uid_index,
        dur=np.rint(dur_f).astype(np.int64),
        is_summary=_flag(tasks, "is_summary"),
        manual=_flag(tasks, "manual"),
        elapsed=elapsed,
        multi=multi,
        notes=["task, resource and elapsed calendars scheduled task by task"] if multi else [],
    )


def _numbers(s: pd.Series) -> np.ndarray:
    """``pd.to_numeric(s, errors="coerce")`` as a float array (NaN where not a number)."""
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "fiu":
        return s.to_numpy(dtype=float)
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _distinct_ids(ids: pd.Series) -> list[str]:
    """The distinct present values of ``ids`` as text."""
    if isinstance(ids.dtype, pd.StringDtype):  # text or missing only: the few values first
        return [str(c) for c in pd.unique(ids.to_numpy()) if not pd.isna(c)]
    return list(pd.unique(ids[ids.notna()].astype(str)))


def _needs_multi(
    tasks: pd.DataFrame,
    elapsed: np.ndarray,
    calendar: Calendar,
    calendars: Mapping[str, Calendar] | None,
) -> bool:
    """Task calendars, elapsed durations and resource legs need the multi-calendar passes;
    the keyed passes (one calendar, vectorised) still run and give the links' levels."""
    multi = bool(elapsed.any())
    if "calendar_id" in tasks.columns and calendars:
        used = _distinct_ids(tasks["calendar_id"])  # each calendar compared once
        multi = multi or any(_other_cal(calendars, c, calendar) for c in used)
    if "legs" in tasks.columns:
        multi = multi or bool(tasks["legs"].map(lambda x: isinstance(x, list) and len(x) > 0).any())
    return multi


def _parse_links(net: _Net, links: pd.DataFrame | None) -> None:
    """Links as task indices, type codes and integer lags (percent lags resolved)."""
    links = links.reset_index(drop=True) if links is not None else pd.DataFrame()
    if not len(links):
        return
    for c in ("pred_uid", "succ_uid"):
        if c not in links.columns:
            raise ScheduleError(f"links table has no '{c}' column", field=c)
    pi = net.uid_index.get_indexer(links["pred_uid"])
    si = net.uid_index.get_indexer(links["succ_uid"])
    if (pi < 0).any() or (si < 0).any():
        k = int(np.flatnonzero((pi < 0) | (si < 0))[0])
        bad_uid = links["pred_uid"].iloc[k] if pi[k] < 0 else links["succ_uid"].iloc[k]
        raise ScheduleError(
            "link refers to an unknown task",
            field="pred_uid" if pi[k] < 0 else "succ_uid",
            value=bad_uid,
        )
    lcode = _codes(links, "type", LINK_TYPES, "FS", "link type")
    lag_f = pd.to_numeric(_col(links, "lag_min", 0.0), errors="coerce")
    if lag_f.isna().any() and "lag_min" in links.columns and links["lag_min"].notna().all():
        raise ScheduleError("malformed lag", field="lag_min")
    lag = lag_f.fillna(0.0).to_numpy(dtype=float)
    if "lag_percent" in links.columns:
        pct = pd.to_numeric(links["lag_percent"], errors="coerce").fillna(0.0)
        lag = lag + pct.to_numpy(dtype=float) / 100.0 * net.dur[pi]
    if "lag_elapsed" in links.columns and _bool(links["lag_elapsed"]).any():
        net.notes.append("elapsed lags converted to working minutes")
    self_loop = pi == si
    if self_loop.any():
        u = net.uids[int(pi[np.flatnonzero(self_loop)[0]])]
        raise CycleError("task linked to itself", cycle=[u, u])
    net.pi, net.si = pi.astype(np.int64), si.astype(np.int64)
    net.own = np.ones(len(pi), dtype=bool)
    net.onto_summary = np.zeros(len(pi), dtype=bool)
    net.lcode, net.lag_i = lcode, np.rint(lag).astype(np.int64)


def _hierarchy(net: _Net) -> None:
    """``children`` of every task from ``parent_uid`` (summaries roll up their children)."""
    tasks = net.tasks
    parent = tasks["parent_uid"] if "parent_uid" in tasks.columns else None
    if parent is None or not parent.notna().any():
        return
    n_all = net.n
    has = parent.notna().to_numpy()
    par_idx = np.full(n_all, -1, dtype=np.int64)
    par_idx[has] = net.uid_index.get_indexer(parent[has])
    kids = np.flatnonzero((par_idx >= 0) & (par_idx != np.arange(n_all)))
    for child, par in zip(kids.tolist(), par_idx[kids].tolist(), strict=True):
        net.children.setdefault(par, []).append(child)


def _expand_summary_links(net: _Net) -> None:
    """A link on a summary task applies to every leaf task below it."""
    is_summary, pi, si = net.is_summary, net.pi, net.si
    if not (is_summary.any() and len(pi)):
        return
    on_summary = is_summary[pi] | is_summary[si]
    if not on_summary.any():
        return
    leaves_cache: dict[int, list[int]] = {}

    def leaves(i: int) -> list[int]:
        if i not in leaves_cache:
            out: list[int] = []
            stack = [i]
            while stack:
                j = stack.pop()
                if not is_summary[j]:
                    out.append(j)
                stack.extend(net.children.get(j, ()))
            leaves_cache[i] = out
        return leaves_cache[i]

    new: list[tuple[int, int, int, int, int, int]] = []
    for e in np.flatnonzero(on_summary).tolist():
        ps = leaves(int(pi[e])) if is_summary[pi[e]] else [int(pi[e])]
        ss = leaves(int(si[e])) if is_summary[si[e]] else [int(si[e])]
        own, onto = int(not is_summary[pi[e]]), int(is_summary[si[e]])
        lc, lag = int(net.lcode[e]), int(net.lag_i[e])
        new.extend((a, b, lc, lag, own, onto) for a in ps for b in ss if a != b)
    keep = ~on_summary
    add = np.array(new, dtype=np.int64).reshape(-1, 6)
    net.own = np.concatenate([net.own[keep], add[:, 4].astype(bool)])
    net.onto_summary = np.concatenate([net.onto_summary[keep], add[:, 5].astype(bool)])
    net.pi = np.concatenate([pi[keep], add[:, 0]])
    net.si = np.concatenate([si[keep], add[:, 1]])
    net.lcode = np.concatenate([net.lcode[keep], add[:, 2]])
    net.lag_i = np.concatenate([net.lag_i[keep], add[:, 3]])
    net.notes.append("links on summary tasks applied to their leaf tasks")


def _constraint_keys(net: _Net, tl: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Constraint codes, clock minutes and keys; a dated constraint without a date raises."""
    tasks, uids = net.tasks, net.uids
    cc = _codes(tasks, "constraint_type", CONSTRAINT_TYPES, "ASAP", "constraint type")
    cmin, cpresent = _opt_dates(tasks, "constraint_date")
    missing = (cc >= 2) & ~cpresent
    if missing.any():
        k = int(np.flatnonzero(missing)[0])
        raise ScheduleError(
            f"constraint {CONSTRAINT_TYPES[cc[k]]} of task {uids[k]!r} has no date",
            field="constraint_date",
            expected="a date",
        )
    ckey = (
        np.where(cpresent, _key_of_clock(tl, cmin), 0)
        if cpresent.any()
        else np.zeros(net.n, dtype=np.int64)
    )
    return cc, cmin, ckey


def _keys(net: _Net, tl: Any, start_key: int) -> _Keys:
    """Constraints, manual dates and actuals -> the forward anchors and pins."""
    cc, cmin, ckey = _constraint_keys(net, tl)
    # CONSTRAINT_TYPES order: ASAP ALAP MSO MFO SNET SNLT FNET FNLT
    is_mso, is_mfo = cc == 2, cc == 3
    dur = net.dur
    pos = dur > 0
    # A dated constraint replaces the project-start anchor (Project lets an SNET task
    # start before the project start date), so start from the constraint alone.
    ef0 = _ef_of_start(np.full(net.n, start_key, dtype=np.int64), dur, pos)
    snet = (cc == 4) | is_mso
    ef0 = np.where(snet, _ef_of_start(ckey, dur, pos), ef0)
    fnet = (cc == 6) | is_mfo
    ef0 = np.where(fnet, ckey, ef0)
    # MSO/MFO pin the task; actuals and manual dates too
    hard = is_mso | is_mfo
    hard_ef = np.where(is_mso, _ef_of_start(ckey, dur, pos), ckey)
    tasks = net.tasks
    a_s, a_s_ok = _opt_dates(tasks, "actual_start")
    a_f, a_f_ok = _opt_dates(tasks, "actual_finish")
    m_s, m_s_ok = _opt_dates(tasks, "manual_start")
    m_f, m_f_ok = _opt_dates(tasks, "manual_finish")
    man_pin = net.manual & m_s_ok
    if man_pin.any():
        ks = _key_of_clock(tl, m_s)
        kf = np.where(m_f_ok, _key_of_clock(tl, m_f), 0)
        dur = np.where(man_pin & m_f_ok, np.maximum(kf // 2 - ks // 2, 0), dur)
        pos = dur > 0
        hard_ef = np.where(man_pin, np.where(m_f_ok & pos, kf, _ef_of_start(ks, dur, pos)), hard_ef)
        hard = hard | man_pin
    if a_s_ok.any():
        ks = _key_of_clock(tl, a_s)
        kf = np.where(a_f_ok, _key_of_clock(tl, a_f), 0)
        done = a_s_ok & a_f_ok
        dur = np.where(done, np.maximum(kf // 2 - ks // 2, 0), dur)
        pos = dur > 0
        hard_ef = np.where(done, kf, np.where(a_s_ok, _ef_of_start(ks, dur, pos), hard_ef))
        hard = hard | a_s_ok
    # A manually scheduled task sits where the user put it: the project start does not
    # push it (only its links do), so its own dates are its anchor.
    ef0 = np.where(man_pin & ~snet & ~fnet, hard_ef, ef0)
    # ``not_before``: no earlier start whatever the constraint says (the status date)
    resume = _resume_minutes(net, a_s, a_s_ok, a_f_ok)
    nb, nb_ok = _opt_dates(tasks, "not_before")
    if nb_ok.any():
        nb_ef = _ef_of_start(_key_of_clock(tl, nb), dur, pos)
        ef0 = np.where(nb_ok & ~hard, np.maximum(ef0, nb_ef), ef0)
    return _Keys(
        dur=dur,
        pos=pos,
        cc=cc,
        cmin=cmin,
        ckey=ckey,
        ef0=ef0,
        hard=hard,
        hard_ef=hard_ef,
        dates=(a_s, a_s_ok, a_f, a_f_ok, m_s, m_s_ok, m_f, m_f_ok, nb, nb_ok),
        resume=resume,
        resume_key=np.where(resume >= 0, _key_of_clock(tl, resume) | 1, -1),
    )


def _resume_minutes(
    net: _Net, a_s: np.ndarray, a_s_ok: np.ndarray, a_f_ok: np.ndarray
) -> np.ndarray:
    """Clock minutes of the optional ``resume`` column where an automatic task has started,
    not finished and resumes after its actual start; -1 elsewhere."""
    res, res_ok = _opt_dates(net.tasks, "resume")
    live = res_ok & a_s_ok & ~a_f_ok & ~net.manual & (res > a_s)
    return np.where(live, res, -1).astype(np.int64)


_SMALL_GRAPH = 4000  # links: below this a Python Kahn beats numpy's per-level fixed cost


def _levels_small(n: int, pi: np.ndarray, si: np.ndarray) -> np.ndarray | None:
    """``_graph.levels`` (the longest chain of links from a source) by a Python Kahn pass
    over lists, for small networks; ``None`` when a cycle is left (``_graph`` names it)."""
    succ: list[list[int]] = [[] for _ in range(n)]
    indeg = [0] * n
    for a, b in zip(pi.tolist(), si.tolist(), strict=True):
        succ[a].append(b)
        indeg[b] += 1
    level = [0] * n
    ready = [i for i in range(n) if indeg[i] == 0]
    done = 0
    while ready:
        v = ready.pop()
        done += 1
        nxt = level[v] + 1
        for w in succ[v]:
            if level[w] < nxt:
                level[w] = nxt
            indeg[w] -= 1
            if indeg[w] == 0:
                ready.append(w)
    return np.array(level, dtype=np.int64) if done == n else None


def _link_levels(net: _Net) -> np.ndarray:
    """Topological level of every task; a cycle raises CycleError naming its task uids."""
    if not len(net.pi):
        return np.zeros(net.n, dtype=np.int64)
    if len(net.pi) < _SMALL_GRAPH:
        small = _levels_small(net.n, net.pi, net.si)
        if small is not None:
            return small
    try:
        return _graph.levels(net.n, net.pi, net.si)
    except CycleError as exc:
        cyc = [net.uids[i] for i in exc.cycle]
        names = " -> ".join(str(u) for u in [*cyc, cyc[0]]) if cyc else "?"
        raise CycleError(f"dependency cycle: {names}", cycle=cyc, field="links") from None


def _forward(net: _Net, k: _Keys, lvl: np.ndarray) -> _Passes:
    """Early keys level by level: edges grouped by successor, ordered by successor level."""
    pi, si, dur, pos = net.pi, net.si, k.dur, k.pos
    nlev = int(lvl.max()) + 1 if net.n else 0
    fo = np.lexsort((si, lvl[si])) if len(pi) else np.zeros(0, dtype=np.int64)
    f_p, f_s = pi[fo], si[fo]
    f_ff, f_lag2 = net.from_finish[fo], 2 * net.lag_i[fo]
    f_tsadj = net.to_start[fo] & pos[f_s]
    f_adj = np.where(f_tsadj, 2 * dur[f_s] - 1, 0)
    # adding working time lands at the end of a period, subtracting at the start of one
    f_and = np.where(f_lag2 > 0, ~np.int64(1), np.int64(-1))
    f_or = (f_lag2 < 0).astype(np.int64)
    bounds = np.searchsorted(lvl[f_s], np.arange(nlev + 1))
    ef_nh = k.ef0.copy()
    ef = np.where(k.hard, k.hard_ef, k.ef0)
    es = ef - 2 * dur
    es = np.where(pos, es | 1, es)
    for L in range(1, nlev):
        a, b = bounds[L], bounds[L + 1]
        if a == b:
            continue
        p, s = f_p[a:b], f_s[a:b]
        cand = ((np.where(f_ff[a:b], ef[p], es[p]) + f_lag2[a:b]) & f_and[a:b]) | f_or[a:b]
        cand = np.where(f_tsadj[a:b], (cand | 1) + f_adj[a:b], cand)
        seg = np.flatnonzero(np.concatenate(([True], s[1:] != s[:-1])))
        tgt = s[seg]
        v = np.maximum(k.ef0[tgt], np.maximum.reduceat(cand, seg))
        ef_nh[tgt] = v
        v = np.where(k.hard[tgt], k.hard_ef[tgt], v)
        ef[tgt] = v
        e = v - 2 * dur[tgt]
        es[tgt] = np.where(pos[tgt], e | 1, e)
    return _Passes(es=es, ef=ef, ef_nh=ef_nh)


def _late_anchors(
    net: _Net, k: _Keys, ps: _Passes, pf_key: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward anchors in late-start keys: the finish ``pf_key`` (per task), late
    constraints; pins (MSO/MFO; a finished task's late dates are its actual dates)."""
    cc, ckey, dur, pos, man = k.cc, k.ckey, k.dur, k.pos, net.manual
    is_mso, is_mfo = cc == 2, cc == 3
    ls0 = _ls_of_finish(pf_key, dur, pos, man)
    fnlt = (cc == 7) | is_mfo
    ls0 = np.where(fnlt, np.minimum(ls0, _ls_of_finish(ckey, dur, pos, man)), ls0)
    snlt = (cc == 5) | is_mso
    ls0 = np.where(snlt, np.minimum(ls0, ckey), ls0)
    hard_ls = np.where(is_mso, ckey, _ls_of_finish(ckey, dur, pos, man))
    finished = k.finished
    hard_late = is_mso | is_mfo | finished
    hard_ls = np.where(finished, ps.es, hard_ls)
    return ls0, hard_late, hard_ls


def _backward(
    net: _Net,
    k: _Keys,
    ps: _Passes,
    lvl: np.ndarray,
    pf_key: np.ndarray,
    groups: np.ndarray | None = None,
) -> None:
    """Late keys level by level (deepest first), in "late start" terms. With ``groups``,
    links between groups do not bound late dates (each group ends at its own finish)."""
    pi, si, dur, pos, man = net.pi, net.si, k.dur, k.pos, net.manual
    # a started successor holds its predecessors back from its Resume date, not from its
    # late start (through a link onto its summary: from its actual start)
    resumes = ~net.onto_summary
    if groups is not None and len(pi):
        same = groups[pi] == groups[si]
        pi, si, resumes = pi[same], si[same], resumes[same]
        to_start, lag_i, from_finish = net.to_start[same], net.lag_i[same], net.from_finish[same]
    else:
        to_start, lag_i, from_finish = net.to_start, net.lag_i, net.from_finish
    nlev = int(lvl.max()) + 1 if net.n else 0
    ls0, hard_late, hard_ls = _late_anchors(net, k, ps, pf_key)
    bo = np.lexsort((pi, -lvl[pi])) if len(pi) else np.zeros(0, dtype=np.int64)
    b_p, b_s = pi[bo], si[bo]
    b_ts, b_lag2, b_ff = to_start[bo], 2 * lag_i[bo], from_finish[bo]
    b_res = resumes[bo]
    b_pos_p, b_man_p, b_dur_p = pos[b_p], man[b_p], dur[b_p]
    b_and = np.where(b_lag2 < 0, ~np.int64(1), np.int64(-1))
    b_or = (b_lag2 > 0).astype(np.int64)
    rl = -lvl[b_p]
    bit = pos.astype(np.int64)
    finished = k.finished
    started = k.dates[1] & ~finished
    ls_nh = ls0.copy()
    ls = np.where(hard_late, hard_ls, ls0)
    lf = _lf_of(ls, dur, pos, man)
    for j in range(nlev - 1, -1, -1):
        # edges whose predecessor is at level j
        a = int(np.searchsorted(rl, -j, side="left"))
        b = int(np.searchsorted(rl, -j, side="right"))
        if a == b:
            continue
        p, s = b_p[a:b], b_s[a:b]
        rk = k.resume_key[s]
        lss = np.where(b_res[a:b] & (rk >= 0), rk, ls[s] | bit[s])
        # through its summary a started task shows its actual start as its late start
        lss = np.where(~b_res[a:b] & started[s], ps.es[s] | bit[s], lss)
        cand = ((np.where(b_ts[a:b], lss, lf[s]) - b_lag2[a:b]) & b_and[a:b]) | b_or[a:b]
        # a finished successor does not hold its predecessor back
        cand = np.where(finished[s], _POS, cand)
        # from-finish links constrain the predecessor's late finish
        ff = b_ff[a:b]
        cand = np.where(ff, _ls_of_finish(cand, b_dur_p[a:b], b_pos_p[a:b], b_man_p[a:b]), cand)
        # Project's late dates of a manually scheduled task follow only the links that
        # leave from its finish (observed in the corpus: SS/SF successors do not bound them)
        cand = np.where(~ff & b_man_p[a:b], _POS, cand)
        seg = np.flatnonzero(np.concatenate(([True], p[1:] != p[:-1])))
        tgt = p[seg]
        v = np.minimum(ls0[tgt], np.minimum.reduceat(cand, seg))
        ls_nh[tgt] = v
        v = np.where(hard_late[tgt], hard_ls[tgt], v)
        ls[tgt] = v
        lf[tgt] = _lf_of(v, dur[tgt], pos[tgt], man[tgt])
    ps.ls, ps.lf, ps.ls_nh, ps.hard_late = ls, lf, ls_nh, hard_late
    ps.by_link = ls_nh < ls0


def _slack(net: _Net, k: _Keys, ps: _Passes, pf_key: np.ndarray) -> None:
    """Total slack against the unpinned dates (a conflicting pin shows negative slack),
    free slack against the successors' links and the finish, link float per link."""
    pi, si, dur, lag_i = net.pi, net.si, k.dur, net.lag_i
    es_w, ef_w, ls_w = ps.es // 2, ps.ef // 2, ps.ls // 2
    # a pin that conflicts with the links shows as less slack, except a manual task's
    # typed dates: its slack is measured from where the user put it
    typed = net.manual & k.dates[5]
    ef_eff = np.maximum(ef_w, np.where(k.hard & ~typed, ps.ef_nh // 2, ef_w))
    ls_eff = np.minimum(ls_w, np.where(ps.hard_late, ps.ls_nh // 2, ls_w))
    total = np.minimum(ls_eff - (ef_eff - dur), ls_eff + dur - ef_eff)
    free = pf_key // 2 - ef_w
    link_float = np.zeros(len(pi), dtype=np.int64)
    if len(pi):
        cand_w = np.where(net.from_finish, ef_w[pi], es_w[pi]) + lag_i
        target_w = np.where(net.to_start, es_w[si], ef_w[si])
        link_float = target_w - cand_w
        live = ~k.finished[si]  # a finished successor holds nothing back
        np.minimum.at(free, pi[live], link_float[live])
    free = np.clip(free, 0, np.maximum(total, 0))
    finished = k.finished
    ps.total = np.where(finished, 0, total)
    ps.free = np.where(finished, 0, free)
    ps.link_float = link_float


def _late_milestones(net: _Net, k: _Keys, ps: _Passes) -> np.ndarray:
    """Automatic milestones, not started, not pinned, whose late date a successor's link
    sets: that date is a late *finish*, shown at the end of the last working period (as
    for a task with duration), so a milestone before a Monday task shows Friday 17:00 and
    its summary's late finish is its children's. A late date set by the project finish
    keeps the finish's instant (Project's own files: corpus legacy-sample, UID 3)."""
    return ~k.pos & ~net.manual & ~net.is_summary & ~ps.hard_late & ~k.dates[1] & ps.by_link


def _key_dates(ps: _Passes, k: _Keys, tl: Any, late_end: np.ndarray) -> tuple[np.ndarray, ...]:
    """Keys -> datetime64[m]: starts of tasks with duration show where work starts; other
    dates follow their bit, except the late dates of ``late_end`` (finish-like)."""

    def to_dates(keys: np.ndarray, finish_like: np.ndarray) -> np.ndarray:
        return tl.from_work(keys // 2, finish_like).astype("datetime64[m]")

    pos = k.pos
    return (
        to_dates(ps.es, ~pos & ((ps.es & 1) == 0)),
        to_dates(ps.ef, (ps.ef & 1) == 0),
        to_dates(ps.ls, (~pos & ((ps.ls & 1) == 0)) | late_end),
        to_dates(ps.lf, ((ps.lf & 1) == 0) | late_end),
    )


def _driving_lists(net: _Net, k: _Keys, link_float: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Driving flag per link and, per task, the list of its driving predecessors' uids."""
    n, pi, si = net.n, net.pi, net.si
    driving = np.zeros(len(pi), dtype=bool)
    if len(pi):
        driving = (link_float <= 0) & ~k.hard[si]
        d_s, d_p = si[driving], pi[driving]
        order = np.argsort(d_s, kind="stable")
        flat = net.uids[d_p[order]].tolist()
        bounds = np.searchsorted(d_s[order], np.arange(n + 1)).tolist()
    else:
        flat, bounds = [], [0] * (n + 1)
    # One list per task is the whole cost: slice a flat list, and keep the cyclic garbage
    # collector from scanning the young lists again and again while they are made.
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        drv = np.fromiter((flat[a:b] for a, b in itertools.pairwise(bounds)), dtype=object, count=n)
    finally:
        if gc_was_on:
            gc.enable()
    return driving, drv


def _frames(
    net: _Net,
    k: _Keys,
    dates: tuple[np.ndarray, ...],
    slack: tuple[np.ndarray, np.ndarray, np.ndarray],
    critical_slack_min: float,
    tl: Any,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The output task and link tables (summaries rolled up from their children)."""
    es_d, ef_d, ls_d, lf_d = dates
    total, free, link_float = slack
    tasks, n = net.tasks, net.n
    alap = k.cc == 1
    driving, drv = _driving_lists(net, k, link_float)
    cols: dict[str, np.ndarray] = {
        "uid": net.uids,
        "name": (
            tasks["name"].fillna("").to_numpy(dtype=object)
            if "name" in tasks.columns
            else np.full(n, "", dtype=object)
        ),
        "early_start": es_d.astype("datetime64[ns]"),
        "early_finish": ef_d.astype("datetime64[ns]"),
        "late_start": ls_d.astype("datetime64[ns]"),
        "late_finish": lf_d.astype("datetime64[ns]"),
        "total_slack_min": total.astype(float),
        "free_slack_min": free.astype(float),
        "critical": total <= critical_slack_min,
        "start": np.where(alap, ls_d, es_d).astype("datetime64[ns]"),
        "finish": np.where(alap, lf_d, ef_d).astype("datetime64[ns]"),
        "driving_preds": drv,
        "is_summary": net.is_summary,
        "is_milestone": _flag(tasks, "is_milestone") | (k.dur == 0),
        "duration_min": k.dur.astype(float),
    }
    if net.is_summary.any():
        _roll_up(cols, net.children, net.is_summary, tl)
    out = pd.DataFrame(cols)
    link_out = pd.DataFrame(
        {
            "pred_uid": net.uids[net.pi],
            "succ_uid": net.uids[net.si],
            "type": pd.Categorical.from_codes(net.lcode, categories=_code_table(LINK_TYPES)),
            "lag_min": net.lag_i.astype(float),
            "link_float_min": link_float.astype(float),
            "driving": driving,
        }
    )
    return out, link_out


def _multi_dates(
    net: _Net,
    k: _Keys,
    lvl: np.ndarray,
    calendar: Calendar,
    calendars: Mapping[str, Calendar] | None,
    start_min: int,
    groups: np.ndarray | None = None,
) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The same rules task by task in clock minutes (task/resource/elapsed calendars)."""
    mr = _multi_calendar_run(
        tasks=net.tasks,
        calendar=calendar,
        calendars=calendars or {},
        dur_in=net.dur,
        elapsed=net.elapsed,
        manual=net.manual,
        active=~net.is_summary,
        start_min=start_min,
        cc=k.cc,
        cmin=k.cmin,
        dates=k.dates,
        links=(net.pi, net.si, net.from_finish, net.to_start, net.lag_i, lvl),
        groups=groups,
        resume=(k.resume, net.onto_summary),
    )
    dates = (from_minutes(mr.es), from_minutes(mr.ef), from_minutes(mr.ls), from_minutes(mr.lf))
    return dates, (mr.total, mr.free, mr.link_float)


def _show_actual_starts(k: _Keys, dates: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """An actual start is shown as recorded, even outside the calendar's working time, and
    is also the late start of a started task: Project cannot start it later any more (its
    slack stays the finish's: late finish - early finish)."""
    a_s, a_s_ok = k.dates[0], k.dates[1]
    if not a_s_ok.any():
        return dates
    es_d, ef_d, ls_d, lf_d = dates
    es_d = np.where(a_s_ok, from_minutes(a_s), es_d)
    return es_d, ef_d, np.where(a_s_ok, es_d, ls_d), lf_d


def _show_actual_finishes(k: _Keys, dates: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """A finished task finishes when it did, as recorded, even outside the working time of
    the calendar its work ran on (a resource's part-time mornings): Project's Finish is the
    Actual Finish. Its late finish is the same date (a finished task has no slack)."""
    done = k.finished
    if not done.any():
        return dates
    es_d, ef_d, ls_d, lf_d = dates
    a_f = from_minutes(k.dates[2])
    return es_d, np.where(done, a_f, ef_d), ls_d, np.where(done, a_f, lf_d)


def _show_typed_finishes(
    net: _Net, k: _Keys, dates: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, ...]:
    """A manual task that has not started finishes where the user typed its finish, even on
    a non-working day or outside working hours (Project keeps the typed date; successors
    still start where work resumes, and slack counts working time)."""
    a_s_ok, m_f, m_f_ok = k.dates[1], k.dates[6], k.dates[7]
    typed = net.manual & m_f_ok & ~a_s_ok & k.pos
    if not typed.any():
        return dates
    es_d, ef_d, ls_d, lf_d = dates
    return es_d, np.where(typed, from_minutes(m_f), ef_d), ls_d, lf_d


def _finish_groups(net: _Net) -> np.ndarray | None:
    """Group code per task from the optional ``finish_group`` column (e.g. the project):
    each group's backward pass starts from its own finish; ``None`` = one group."""
    if "finish_group" not in net.tasks.columns:
        return None
    codes, uniq = pd.factorize(net.tasks["finish_group"], use_na_sentinel=True)
    if len(uniq) <= 1 and not (codes < 0).any():
        return None
    return np.where(codes < 0, len(uniq), codes).astype(np.int64)


def _finish_keys(
    ef: np.ndarray, active: np.ndarray, groups: np.ndarray | None, start_key: int
) -> np.ndarray:
    """Per task, the finish key its backward pass starts from: the latest early finish of
    the active tasks of its group (all tasks when there are no groups)."""
    n = len(ef)
    if groups is None:
        return np.full(n, int(ef[active].max()) if active.any() else start_key)
    best = np.full(int(groups.max()) + 1, start_key, dtype=np.int64)
    np.maximum.at(best, groups[active], ef[active])
    return best[groups]


def _free_slack_without_own_successors(
    net: _Net, k: _Keys, slack: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A task with no successor of its own (a finished one does not count) has free slack
    = its total slack, even when a summary above it has successors."""
    total, free, link_float = slack
    own_succ = np.zeros(net.n, dtype=bool)
    if len(net.pi):
        live = net.own & ~k.finished[net.si]
        own_succ[net.pi[live]] = True
    free = np.where(own_succ, free, np.maximum(total, 0)).astype(free.dtype, copy=False)
    return total, free, link_float


def schedule_network(
    tasks: pd.DataFrame,
    links: pd.DataFrame,
    *,
    calendar: Calendar,
    project_start: dt.datetime | Any,
    calendars: Mapping[str, Calendar] | None = None,
    critical_slack_min: float = 0.0,
) -> Schedule:
    """Schedule ``tasks`` linked by ``links`` forward from ``project_start``.

    Durations are working minutes of the task's calendar (``calendar_id`` in
    ``calendars``, else ``calendar``), calendar minutes when ``elapsed``; lags are working
    minutes of ``calendar``. An optional ``legs`` column (``[(calendar_id, minutes), ...]``)
    schedules a task as the span of its resource assignments, each on its own calendar.
    One calendar everywhere runs the vectorised keyed passes; otherwise the same rules run
    task by task in clock minutes (noted in ``Schedule.notes``). Elapsed lags are still
    counted in working time (noted). Progress is read from ``actual_start`` /
    ``actual_finish`` (and remaining work from ``duration_min``); an optional ``not_before``
    column (a date) keeps a task that is not pinned from starting earlier (the status date).
    An optional ``finish_group`` column (e.g. the project) gives each group its own backward
    pass from its own finish: links between groups drive early dates but do not bound late
    dates, so float is the float to the group's own finish.

    Steps: parse tasks and links -> expand summary links -> keys (constraints, actuals,
    manual dates) -> levels -> forward -> backward -> slack -> dates -> frames.
    """
    net = _parse_tasks(tasks, calendar, calendars)
    _parse_links(net, links)
    _hierarchy(net)
    _expand_summary_links(net)
    tl = calendar.timeline
    start_min = int(to_minutes(project_start)[0])
    start_key = 2 * int(tl.to_work(np.array([start_min]))[0]) + 1
    k = _keys(net, tl, start_key)
    lvl = _link_levels(net)
    ps = _forward(net, k, lvl)
    active = ~net.is_summary
    groups = _finish_groups(net)
    pf_key = _finish_keys(ps.ef, active, groups, start_key)
    _backward(net, k, ps, lvl, pf_key, groups)
    _slack(net, k, ps, pf_key)
    late_end = _late_milestones(net, k, ps)
    dates = _key_dates(ps, k, tl, late_end)
    slack = (ps.total, ps.free, ps.link_float)
    if net.multi:
        dates, slack = _multi_dates(net, k, lvl, calendar, calendars, start_min, groups)
    dates = _show_actual_starts(k, dates)
    dates = _show_actual_finishes(k, dates)
    dates = _show_typed_finishes(net, k, dates)
    slack = _free_slack_without_own_successors(net, k, slack)
    out, link_out = _frames(net, k, dates, slack, critical_slack_min, tl)
    ef_d = dates[1]
    return Schedule(
        tasks=out,
        links=link_out,
        finish=(
            pd.Timestamp(ef_d[active].max())
            if active.any()
            else pd.Timestamp(np.datetime64(start_min, "m"))
        ),
        start=pd.Timestamp(np.datetime64(start_min, "m")),
        calendar=calendar,
        notes=net.notes,
    )


# ----------------------------------------------------------------------------- calendars
_CONTINUOUS = Calendar.continuous()


class _Cal:
    """Scalar conversions on one timeline (the multi-calendar passes go task by task)."""

    __slots__ = ("tl",)

    def __init__(self, tl: Timeline) -> None:
        self.tl = tl

    def w(self, t: int) -> int:
        return int(self.tl.to_work(np.array([t], dtype=np.int64))[0])

    def f(self, w: int, as_finish: bool) -> int:
        w = min(max(w, 0), int(self.tl.total))
        return int(self.tl.from_work(np.array([w], dtype=np.int64), as_finish)[0])

    def is_end(self, t: int) -> bool:
        return bool(self.tl.is_period_end(np.array([t], dtype=np.int64))[0])

    def norm(self, t: int) -> int:
        """The instant as Project shows it on this calendar: kept inside working time or at
        the end of a period, else moved to where work resumes (``_key_of_clock``)."""
        return self.f(self.w(t), self.is_end(t))

    def snorm(self, t: int) -> int:
        """Where work starts at or after ``t``."""
        return self.f(self.w(t), False)


@dataclass
class _MultiResult:
    es: np.ndarray
    ef: np.ndarray
    ls: np.ndarray
    lf: np.ndarray
    total: np.ndarray
    free: np.ndarray
    link_float: np.ndarray


@dataclass
class _MultiIn:
    """The inputs of :func:`_passes_multi`, task by task (lists) and link by link."""

    task_cal: list[_Cal]
    slack_cal: list[_Cal]
    legs: list[list[tuple[_Cal, int]]]
    man: list[bool]
    active: np.ndarray
    proj: _Cal
    start_min: int
    cc: list[int]
    cmin: list[int]
    pins: list[tuple[str, int] | None]
    #: manual tasks with a typed start: slack is measured from the typed dates
    typed: list[bool]
    #: Resume of a started task, clock minutes (-1: none): it bounds its predecessors
    resume: list[int]
    #: per link: drawn onto a summary (bounded by the late start, not the late resume)
    onto: list[bool]
    floors: list[int | None]
    p_l: list[int]
    s_l: list[int]
    ff_l: list[bool]
    ts_l: list[bool]
    lag_l: list[int]
    order: list[int]
    g: list[int]
    into: list[list[int]]
    out_of: list[list[int]]


class _MultiPass:
    """The rules of the keyed passes, stated on instants (see :func:`_passes_multi`): the
    conversions between a task's start and finish on its legs, then the named steps."""

    def __init__(self, m: _MultiIn) -> None:
        self.m = m
        n = len(m.task_cal)
        self.n = n
        self.es, self.ef, self.ef_nh = [0] * n, [0] * n, [0] * n
        self.hard_ef: list[int | None] = [None] * n
        self.ls, self.lf, self.ls_nh = [0] * n, [0] * n, [0] * n
        self.pfs = [0] * n
        self.finished = [p is not None and p[0] == "done" for p in m.pins]
        self.hard_late = [c in (2, 3) or f for c, f in zip(m.cc, self.finished, strict=True)]
        self.late_end = [False] * n

    # ---- conversions on a task's legs
    def single(self, i: int) -> tuple[_Cal, int] | None:
        lg = self.m.legs[i]
        return lg[0] if len(lg) == 1 else None

    def ef_from_start(self, i: int, s: int) -> int:
        one = self.single(i)
        if one is None:
            return max(c.f(c.w(s) + d, True) for c, d in self.m.legs[i])
        c, d = one
        return c.f(c.w(s) + d, True) if d > 0 else self.m.task_cal[i].norm(s)

    def es_from_ef(self, i: int, e: int) -> int:
        one = self.single(i)
        if one is None:
            return min(c.f(c.w(e) - d, False) for c, d in self.m.legs[i])
        c, d = one
        return c.f(c.w(e) - d, False) if d > 0 else e

    def ef_from_finish(self, i: int, e: int) -> int:
        one = self.single(i)
        if one is None:
            return self.ef_from_start(i, self.es_from_ef(i, e))
        return one[0].norm(e) if one[1] > 0 else self.m.task_cal[i].norm(e)

    def ls_from_lf(self, i: int, f: int) -> int:
        one = self.single(i)
        if one is None:
            return min(c.f(c.w(f) - d, False) for c, d in self.m.legs[i])
        c, d = one
        if d <= 0:
            return f
        # manual tasks keep the side of the boundary their driving date is on
        return c.f(c.w(f) - d, self.m.man[i] and c.is_end(f))

    def lf_from_ls(self, i: int, s: int) -> int:
        one = self.single(i)
        if one is None:
            return max(c.f(c.w(s) + d, True) for c, d in self.m.legs[i])
        c, d = one
        if d <= 0:
            return s
        return c.f(c.w(s) + d, (not self.m.man[i]) or c.is_end(s))

    def lagged(self, t: int, lag: int) -> int:
        """``t`` + ``lag`` working minutes of the project calendar: adding lands at the end
        of a period, subtracting at the start of one."""
        if lag == 0:
            return t
        proj = self.m.proj
        return proj.f(proj.w(t) + lag, lag > 0)

    # ---- forward
    def forward_anchor(self, i: int) -> int:
        """Where task ``i`` would finish from its constraint, the project start and its
        floor alone; records its pinned finish in ``hard_ef``."""
        m = self.m
        c, cd = m.cc[i], m.cmin[i]
        if c in (2, 4):  # MSO, SNET
            ef0 = self.ef_from_start(i, cd)
        elif c in (3, 6):  # MFO, FNET
            ef0 = self.ef_from_finish(i, cd)
        else:
            ef0 = self.ef_from_start(i, m.start_min)
        fl = m.floors[i]
        if fl is not None:
            ef0 = max(ef0, self.ef_from_start(i, fl))
        pin = m.pins[i]
        if pin is not None:
            kind, t = pin
            pinned = self.ef_from_start(i, t) if kind == "start" else m.legs[i][0][0].norm(t)
            self.hard_ef[i] = pinned
            if m.man[i] and c not in (2, 3, 4, 6):
                ef0 = pinned  # manual: the project start does not push it
        elif c == 2:
            self.hard_ef[i] = self.ef_from_start(i, cd)
        elif c == 3:
            self.hard_ef[i] = self.ef_from_finish(i, cd)
        return ef0

    def forward(self) -> None:
        """Early dates in topological order, then each group's finish ``pfs``."""
        m = self.m
        ef0 = [self.forward_anchor(i) for i in range(self.n)]
        es, ef = self.es, self.ef
        for v in m.order:
            best = ef0[v]
            for e in m.into[v]:
                p = m.p_l[e]
                cand = self.lagged(ef[p] if m.ff_l[e] else es[p], m.lag_l[e])
                nxt = self.ef_from_start(v, cand) if m.ts_l[e] else self.ef_from_finish(v, cand)
                best = max(best, nxt)
            self.ef_nh[v] = best
            h = self.hard_ef[v]
            ef[v] = h if h is not None else best
            es[v] = self.es_from_ef(v, ef[v])
        pf_of: dict[int, int] = {}
        for i in range(self.n):
            if m.active[i]:
                pf_of[m.g[i]] = max(pf_of.get(m.g[i], m.start_min), ef[i])
        self.pfs = [pf_of.get(m.g[i], m.start_min) for i in range(self.n)]

    # ---- backward
    def backward_anchor(self, i: int) -> tuple[int, int]:
        """Task ``i``'s late start from its group's finish and its late constraints, and
        its pinned late start (MSO/MFO; a finished task's late dates are its actuals)."""
        m = self.m
        c, cd = m.cc[i], m.cmin[i]
        tc = m.task_cal[i]
        v0 = self.ls_from_lf(i, self.pfs[i])
        if c in (3, 7):  # MFO, FNLT
            v0 = min(v0, self.ls_from_lf(i, tc.norm(cd)))
        if c in (2, 5):  # MSO, SNLT
            v0 = min(v0, tc.norm(cd))
        hard = 0
        if c == 2:
            hard = tc.norm(cd)
        elif c == 3:
            hard = self.ls_from_lf(i, tc.norm(cd))
        if self.finished[i]:
            hard = self.es[i]
        return v0, hard

    def successor_bound(self, v: int, e: int) -> int | None:
        """The late start link ``e`` allows its predecessor ``v`` (None: no bound)."""
        m = self.m
        s = m.s_l[e]
        if m.g[s] != m.g[v]:
            return None  # links between groups do not bound late dates
        if m.ts_l[e]:
            one = self.single(s)
            base = one[0].snorm(self.ls[s]) if one is not None and one[1] > 0 else self.ls[s]
            pin = m.pins[s]
            if m.onto[e] and pin is not None and pin[0] == "start" and not m.man[s]:
                base = self.es[s]  # through its summary a started task shows its actual start
            elif m.resume[s] >= 0 and not m.onto[e]:
                base = m.resume[s]  # a started task holds predecessors back from Resume
        else:
            base = self.lf[s]
        cand = self.lagged(base, -m.lag_l[e])
        if m.ff_l[e]:
            return self.ls_from_lf(v, cand)
        if m.man[v]:
            return None  # Project bounds a manual task's late dates by finish links only
        return m.task_cal[v].norm(cand)

    def backward(self) -> None:
        """Late dates in reverse topological order."""
        m = self.m
        anchors = [self.backward_anchor(i) for i in range(self.n)]
        for v in reversed(m.order):
            best, hard = anchors[v]
            for e in m.out_of[v]:
                cand = self.successor_bound(v, e)
                if cand is not None:
                    best = min(best, cand)
            self.ls_nh[v] = best
            self.ls[v] = hard if self.hard_late[v] else best
            self.lf[v] = self.lf_from_ls(v, self.ls[v])
            # a milestone's late finish set by a link is shown at the end of the last
            # period (display only: its predecessors are bounded by the instant itself)
            self.late_end[v] = best < anchors[v][0] and self.late_end_shown(v)

    def late_end_shown(self, i: int) -> bool:
        """An automatic milestone, not started, not pinned (see ``_late_milestones``)."""
        m = self.m
        zero = all(d == 0 for _, d in m.legs[i])
        return (
            zero
            and bool(m.active[i])
            and not m.man[i]
            and m.pins[i] is None
            and not self.hard_late[i]
        )

    # ---- slack
    def task_slack(self, i: int) -> tuple[int, int, int, int]:
        """Total slack, free slack to the finish, and the shown early/late starts of ``i``,
        counted on its slack calendar."""
        c = self.m.slack_cal[i]
        es_w, ef_w, ls_w = c.w(self.es[i]), c.w(self.ef[i]), c.w(self.ls[i])
        d = ef_w - es_w
        pinned = self.hard_ef[i] is not None and not self.m.typed[i]
        ef_eff = max(ef_w, c.w(self.ef_nh[i])) if pinned else ef_w
        ls_eff = min(ls_w, c.w(self.ls_nh[i])) if self.hard_late[i] else ls_w
        # finish slack is LF - EF on this calendar (work on another one: LF != LS + d)
        lf_eff = c.w(self.lf[i]) - (ls_w - ls_eff)
        total = min(ls_eff - (ef_eff - d), lf_eff - ef_eff)
        free = c.w(self.pfs[i]) - ef_w
        one = self.single(i)
        shown = one is not None and one[1] > 0
        es_show = one[0].snorm(self.es[i]) if shown and one is not None else self.es[i]
        ls_show = one[0].snorm(self.ls[i]) if shown and one is not None else self.ls[i]
        return total, free, es_show, ls_show

    def result(self) -> _MultiResult:
        """Slack per task, float per link (free slack is the smallest), as arrays."""
        m = self.m
        rows = [self.task_slack(i) for i in range(self.n)]
        total = np.array([r[0] for r in rows], dtype=np.int64).reshape(-1)
        free = np.array([r[1] for r in rows], dtype=np.int64).reshape(-1)
        link_float = np.zeros(len(m.p_l), dtype=np.int64)
        for e, (p, s) in enumerate(zip(m.p_l, m.s_l, strict=True)):
            c = m.task_cal[p]
            cand = self.lagged(self.ef[p] if m.ff_l[e] else self.es[p], m.lag_l[e])
            target = self.es[s] if m.ts_l[e] else self.ef[s]
            link_float[e] = c.w(target) - c.w(cand)
            free[p] = min(free[p], link_float[e])
        free = np.clip(free, 0, np.maximum(total, 0))
        fin_a = np.asarray(self.finished, dtype=bool)
        total[fin_a] = 0
        free[fin_a] = 0

        def arr(x: list[int]) -> np.ndarray:
            return np.asarray(x, dtype=np.int64)

        ls_show, lf_show = [r[3] for r in rows], list(self.lf)
        for i in np.flatnonzero(self.late_end).tolist():
            c = m.task_cal[i]
            ls_show[i] = lf_show[i] = c.f(c.w(self.lf[i]), True)
        return _MultiResult(
            arr([r[2] for r in rows]),
            arr(self.ef),
            arr(ls_show),
            arr(lf_show),
            total,
            free,
            link_float,
        )


def _passes_multi(
    *,
    task_cal: list[_Cal],
    slack_cal: list[_Cal],
    legs: list[list[tuple[_Cal, int]]],
    manual: np.ndarray,
    active: np.ndarray,
    proj: _Cal,
    start_min: int,
    cc: np.ndarray,
    cmin: np.ndarray,
    pins: list[tuple[str, int] | None],
    pi: np.ndarray,
    floors: list[int | None] | None = None,
    typed: list[bool] | None = None,
    resume_done: list[int] | None = None,
    onto_summary: list[bool] | None = None,
    si: np.ndarray,
    from_finish: np.ndarray,
    to_start: np.ndarray,
    lag_i: np.ndarray,
    lvl: np.ndarray,
    groups: np.ndarray | None = None,
) -> _MultiResult:
    """CPM in clock minutes with a calendar per task (and per resource assignment).

    The rules of the keyed passes, stated on instants: a task's work runs on its legs (its
    own calendar, a 24x7 one for elapsed durations, or one leg per resource assignment,
    because Project schedules each assignment on its resource's calendar and the task spans
    them); starts show where work starts, finishes where it ends, milestones keep the
    instant that drives them; lags count working time of the project calendar; slack is
    counted on ``slack_cal`` (the task's calendar; 24x7 for an elapsed duration, whose
    slack Project gives in elapsed minutes). ``pins`` fix a task: ("start", t), ("finish", t) or
    ("done", actual finish).

    Steps (:class:`_MultiPass`): forward anchors -> forward -> backward anchors ->
    backward -> slack and link float.
    """
    n = len(task_cal)
    p_l, s_l = pi.tolist(), si.tolist()
    into: list[list[int]] = [[] for _ in range(n)]
    out_of: list[list[int]] = [[] for _ in range(n)]
    for e, (a, b) in enumerate(zip(p_l, s_l, strict=True)):
        into[b].append(e)
        out_of[a].append(e)
    mp = _MultiPass(
        _MultiIn(
            task_cal=task_cal,
            slack_cal=slack_cal,
            legs=legs,
            man=manual.tolist(),
            active=active,
            proj=proj,
            start_min=start_min,
            cc=cc.tolist(),
            cmin=cmin.tolist(),
            pins=pins,
            typed=typed if typed is not None else [False] * n,
            resume=resume_done if resume_done is not None else [-1] * n,
            onto=onto_summary if onto_summary is not None else [False] * len(p_l),
            floors=floors if floors is not None else [None] * n,
            p_l=p_l,
            s_l=s_l,
            ff_l=from_finish.tolist(),
            ts_l=to_start.tolist(),
            lag_l=lag_i.tolist(),
            order=np.argsort(lvl, kind="stable").tolist(),
            g=groups.tolist() if groups is not None else [0] * n,
            into=into,
            out_of=out_of,
        )
    )
    mp.forward()
    mp.backward()
    return mp.result()


def _multi_calendar_run(
    *,
    tasks: pd.DataFrame,
    calendar: Calendar,
    calendars: Mapping[str, Calendar],
    dur_in: np.ndarray,
    elapsed: np.ndarray,
    manual: np.ndarray,
    active: np.ndarray,
    start_min: int,
    cc: np.ndarray,
    cmin: np.ndarray,
    dates: tuple[np.ndarray, ...],
    links: tuple[np.ndarray, ...],
    groups: np.ndarray | None = None,
    resume: tuple[np.ndarray, np.ndarray] | None = None,
) -> _MultiResult:
    """Legs and pins per task for :func:`_passes_multi` (the task calendar, the 24x7
    calendar of an elapsed duration, or ``legs``: ``[(calendar_id, minutes), ...]``)."""
    n = len(tasks)
    cache: dict[int, _Cal] = {}

    def wrap(cal: Calendar) -> _Cal:
        if id(cal) not in cache:
            cache[id(cal)] = _Cal(cal.timeline)
        return cache[id(cal)]

    proj = wrap(calendar)
    cont = wrap(_CONTINUOUS)
    ids = tasks["calendar_id"].tolist() if "calendar_id" in tasks.columns else [None] * n
    leg_col = tasks["legs"].tolist() if "legs" in tasks.columns else [None] * n
    a_s, a_s_ok, a_f, a_f_ok, m_s, m_s_ok, m_f, m_f_ok, nb, nb_ok = dates
    task_cal: list[_Cal] = []
    slack_cal: list[_Cal] = []
    legs: list[list[tuple[_Cal, int]]] = []
    pins: list[tuple[str, int] | None] = []
    floors: list[int | None] = []
    done = [-1] * n  # Resume of a started task (clock minutes; -1: none)
    for i in range(n):
        cid = ids[i]
        own = calendars.get(str(cid)) if cid is not None and not pd.isna(cid) else None
        tc = wrap(own) if own is not None else proj
        task_cal.append(tc)
        d = int(dur_in[i])
        lg: list[tuple[_Cal, int]] = [(cont if elapsed[i] else tc, d)]
        extra = leg_col[i]
        if isinstance(extra, list) and extra:
            lg = [
                (wrap(calendars[str(c)]) if str(c) in calendars else tc, round(float(mn)))
                for c, mn in extra
            ]
        pin: tuple[str, int] | None = None
        if manual[i] and m_s_ok[i]:
            if m_f_ok[i]:
                d = max(tc.w(int(m_f[i])) - tc.w(int(m_s[i])), 0)
                lg = [(tc, d)]
            pin = ("finish", int(m_f[i])) if m_f_ok[i] and d > 0 else ("start", int(m_s[i]))
        if a_s_ok[i]:
            if a_f_ok[i]:
                # done: the actual dates, counted on the calendar the work ran on
                wc = lg[0][0] if lg[0][0] is not cont else tc
                lg = [(wc, max(wc.w(int(a_f[i])) - wc.w(int(a_s[i])), 0))]
                pin = ("done", int(a_f[i]))
            else:
                pin = ("start", int(a_s[i]))
        legs.append(lg)
        pins.append(pin)
        if resume is not None and resume[0][i] >= 0:
            done[i] = int(resume[0][i])
        floors.append(int(nb[i]) if nb_ok[i] and pin is None else None)
        slack_cal.append(cont if len(lg) == 1 and lg[0][0] is cont else tc)
    pi, si, from_finish, to_start, lag_i, lvl = links
    return _passes_multi(
        task_cal=task_cal,
        slack_cal=slack_cal,
        legs=legs,
        manual=manual,
        active=active,
        proj=proj,
        start_min=start_min,
        cc=cc,
        cmin=cmin,
        pins=pins,
        floors=floors,
        typed=(np.asarray(manual, dtype=bool) & m_s_ok).tolist(),
        resume_done=done,
        onto_summary=resume[1].tolist() if resume is not None else None,
        pi=pi,
        si=si,
        from_finish=from_finish,
        to_start=to_start,
        lag_i=lag_i,
        lvl=lvl,
        groups=groups,
    )


def _span_of_children(
    spans: tuple[np.ndarray, ...], summaries: list[int], children: dict[int, list[int]]
) -> None:
    """Early/late start (min), finish (max) and critical (any) of ``summaries`` from their
    children's, in place; no summary in the list is a child of another."""
    es, ef, ls, lf, crit = spans
    kids = [children[s] for s in summaries]
    flat = np.fromiter(itertools.chain.from_iterable(kids), dtype=np.int64)
    at = np.cumsum([0] + [len(k) for k in kids[:-1]])
    tgt = np.asarray(summaries, dtype=np.int64)
    es[tgt] = np.minimum.reduceat(es[flat], at)
    ef[tgt] = np.maximum.reduceat(ef[flat], at)
    ls[tgt] = np.minimum.reduceat(ls[flat], at)
    lf[tgt] = np.maximum.reduceat(lf[flat], at)
    crit[tgt] = np.logical_or.reduceat(crit[flat], at)


def _roll_up(
    cols: dict[str, np.ndarray], children: dict[int, list[int]], is_summary: np.ndarray, tl: Any
) -> None:
    """Summary dates = span of their children (deepest summaries first), on the output
    columns before the table is made; start/finish become the early dates."""
    depth: dict[int, int] = {}

    def d(i: int, seen: frozenset[int] = frozenset()) -> int:
        if i in depth:
            return depth[i]
        kids = children.get(i, [])
        val = 0 if not kids else 1 + max(d(k, seen | {i}) for k in kids if k not in seen)
        depth[i] = val
        return val

    summaries = [int(i) for i in np.flatnonzero(is_summary)]
    summaries.sort(key=d)
    es = cols["early_start"].copy()
    ef = cols["early_finish"].copy()
    ls = cols["late_start"].copy()
    lf = cols["late_finish"].copy()
    crit = cols["critical"].copy()
    spans = (es, ef, ls, lf, crit)
    with_kids = [s for s in summaries if children.get(s)]
    if all(depth.get(k, 0) < depth[s] for s in with_kids for k in children[s]):
        for level in itertools.groupby(with_kids, key=d):  # below each other: level by level
            _span_of_children(spans, list(level[1]), children)
    else:  # a parent cycle: one summary after the other, as sorted
        for s in with_kids:
            _span_of_children(spans, [s], children)
    cols["early_start"], cols["early_finish"] = es, ef
    cols["late_start"], cols["late_finish"] = ls, lf
    cols["start"], cols["finish"] = es, ef
    w = lambda a: tl.to_work(a.astype("datetime64[m]").astype(np.int64))  # noqa: E731
    idx = np.flatnonzero(is_summary)
    if idx.size:
        ts = np.minimum(w(ls[idx]) - w(es[idx]), w(lf[idx]) - w(ef[idx]))
        tsa = cols["total_slack_min"].copy()
        tsa[idx] = ts
        cols["total_slack_min"] = tsa
        fsa = cols["free_slack_min"].copy()
        fsa[idx] = np.clip(ts, 0, None)
        cols["free_slack_min"] = fsa
    cols["critical"] = crit
