"""Working time: calendars and vectorised date <-> working-minute conversion.

A :class:`Calendar` says which minutes are working time (periods per weekday, work weeks,
exceptions, a base calendar it derives from). Scheduling happens in *working minutes*: a
calendar expands once into a sorted timeline of working intervals (numpy int64 minutes since
1970-01-01) with the cumulative working minutes before each interval, so converting any number
of date-times either way is a single ``np.searchsorted``.

A working-minute value that falls on the boundary between two working periods names two
instants (Friday 17:00 and Monday 08:00). ``as_finish=False`` (start semantics) gives the
later one — where work *starts* — and ``as_finish=True`` gives the earlier one, where work
*ends*: Microsoft Project shows starts and finishes that way.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pmkit.errors import CalendarError
from pmkit.vocabulary import CALENDAR_RANGE, WEEKDAY_KEYS

__all__ = [
    "Calendar",
    "CalendarError",
    "Timeline",
    "from_minutes",
    "parse_periods",
    "shared_calendar",
    "to_minutes",
    "whole_days",
]

# Range of the timeline: wide enough for any real schedule, small enough to build in ms.
_T0_DAY = int(np.datetime64(CALENDAR_RANGE[0], "D").astype(np.int64))
_T1_DAY = int(np.datetime64(CALENDAR_RANGE[1], "D").astype(np.int64))
_DAY = 1440

Period = tuple[int, int]  # minutes from midnight, end exclusive, end may be 1440


def to_minutes(values: Any) -> np.ndarray:
    """Date-times (scalar or array-like, datetime/str/np/pandas) -> int64 minutes since 1970."""
    arr = np.asarray(
        pd.to_datetime(np.atleast_1d(np.asarray(values, dtype=object))).values.astype(
            "datetime64[m]"
        )
    )
    return arr.astype(np.int64)


def from_minutes(values: np.ndarray) -> np.ndarray:
    """int64 minutes since 1970 -> ``datetime64[m]`` array."""
    return np.asarray(values, dtype=np.int64).astype("datetime64[m]")


def _parse_hhmm(text: str) -> int:
    text = text.strip()
    parts = text.split(":")
    try:
        h = int(parts[0])
        m = int(parts[1]) if len(parts) > 1 else 0
    except (ValueError, IndexError):
        raise CalendarError("cannot read time of day", value=text, expected="HH:MM") from None
    if not (0 <= h <= 24 and 0 <= m < 60) or h * 60 + m > _DAY:
        raise CalendarError("time of day out of range", value=text, expected="00:00..24:00")
    return h * 60 + m


def parse_periods(spec: str | Iterable[Any]) -> tuple[Period, ...]:
    """``"08:00-12:00,13:00-17:00"`` (or pairs of times) -> sorted minute periods."""
    out: list[Period] = []
    items: Iterable[Any] = (
        [p for p in spec.split(",") if p.strip()] if isinstance(spec, str) else spec
    )
    for item in items:
        if isinstance(item, str):
            if "-" not in item:
                raise CalendarError(
                    "cannot read working period", value=item, expected="HH:MM-HH:MM"
                )
            a, b = item.split("-", 1)
            s, e = _parse_hhmm(a), _parse_hhmm(b)
        else:
            a, b = item
            s = a if isinstance(a, int) else _time_to_min(a)
            e = b if isinstance(b, int) else _time_to_min(b)
        if e == 0 and s > 0:
            e = _DAY  # "17:00-00:00" means until midnight
        if e <= s:
            raise CalendarError(
                "working period ends before it starts", value=str(item), expected="start < end"
            )
        out.append((s, e))
    out.sort()
    for (_, e1), (s2, _) in itertools.pairwise(out):
        if s2 < e1:
            raise CalendarError("working periods overlap", value=str(spec))
    return tuple(out)


def _time_to_min(t: Any) -> int:
    if isinstance(t, dt.time):
        return t.hour * 60 + t.minute
    return _parse_hhmm(str(t))


def _to_day(d: Any) -> int:
    return int(np.datetime64(pd.Timestamp(d).date(), "D").astype(np.int64))


@dataclass
class Exception_:
    """Dates ``start..end`` (inclusive days) use ``periods`` (empty = non-working)."""

    start: int  # day number since 1970
    end: int
    periods: tuple[Period, ...] = ()
    name: str = ""


@dataclass
class WorkWeek:
    """A date range with its own periods per weekday (Project 2007+ "work weeks")."""

    start: int
    end: int
    week: dict[int, tuple[Period, ...]]
    name: str = ""


@dataclass
class Timeline:
    """Sorted working intervals and the working minutes before each: the conversion table."""

    starts: np.ndarray  # int64 minutes since 1970
    lengths: np.ndarray  # int64
    cum: np.ndarray  # int64 working minutes before each interval
    total: int

    def to_work(self, t: np.ndarray) -> np.ndarray:
        """Clock minutes -> working minutes (minutes of work done before ``t``)."""
        t = np.asarray(t, dtype=np.int64)
        i = np.searchsorted(self.starts, t, side="right") - 1
        ic = np.maximum(i, 0)
        w = self.cum[ic] + np.clip(t - self.starts[ic], 0, self.lengths[ic])
        return np.where(i < 0, 0, w)

    def from_work(self, w: np.ndarray, as_finish: bool | np.ndarray = False) -> np.ndarray:
        """Working minutes -> clock minutes; at a period boundary start semantics pick the
        next period's start, finish semantics the previous period's end."""
        w = np.asarray(w, dtype=np.int64)
        if w.size and (w.min() < 0 or w.max() > self.total):
            raise CalendarError("date outside the calendar's range (1950-2199)")
        i = np.maximum(np.searchsorted(self.cum, w, side="right") - 1, 0)
        if np.ndim(as_finish) > 0 or as_finish:
            # at a boundary (w == cum[i]) finish semantics take the end of the previous period
            i = i - ((w == self.cum[i]) & (i > 0) & np.asarray(as_finish, dtype=bool))
        return self.starts[i] + (w - self.cum[i])

    def is_period_end(self, t: np.ndarray) -> np.ndarray:
        """True where ``t`` is the end of a working period and not inside working time."""
        t = np.asarray(t, dtype=np.int64)
        i = np.searchsorted(self.starts, t, side="right") - 1
        ic = np.maximum(i, 0)
        end = self.starts[ic] + self.lengths[ic]
        return (i >= 0) & (t == end)


@dataclass(eq=False)
class Calendar:
    """Working time. ``week`` maps weekday (0 = Monday) to periods; a weekday absent from
    ``week`` is inherited from ``base`` (non-working when there is no base)."""

    name: str = "Standard"
    week: dict[int, tuple[Period, ...]] = field(default_factory=dict)
    exceptions: list[Exception_] = field(default_factory=list)
    work_weeks: list[WorkWeek] = field(default_factory=list)
    base: Calendar | None = None
    uid: Any = None
    minutes_per_day_hint: float | None = None
    _timeline: Timeline | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def standard(cls, name: str = "Standard") -> Calendar:
        """Mon-Fri 08:00-12:00, 13:00-17:00 (Microsoft Project's Standard calendar)."""
        return cls.from_spec(name=name)

    @classmethod
    def continuous(cls, name: str = "24 Hours") -> Calendar:
        """Every minute works: the calendar of elapsed durations and lags."""
        return cls(name=name, week={d: ((0, _DAY),) for d in range(7)})

    @classmethod
    def from_spec(
        cls,
        working_days: str | Sequence[str] = "Mon,Tue,Wed,Thu,Fri",
        periods: str | Iterable[Any] = "08:00-12:00,13:00-17:00",
        holidays: Iterable[Any] | None = None,
        name: str = "Standard",
        *,
        uid: Any = None,
    ) -> Calendar:
        """Build a calendar as the portfolio CSV describes it (calendars.csv + holidays.csv)."""
        days = working_days.split(",") if isinstance(working_days, str) else list(working_days)
        per = parse_periods(periods)
        week: dict[int, tuple[Period, ...]] = {d: () for d in range(7)}
        for d in days:
            key = str(d).strip().lower()[:3]
            if not key:
                continue
            if key not in WEEKDAY_KEYS:
                raise CalendarError(
                    "unknown weekday",
                    field="working_days",
                    value=d,
                    expected="Mon,Tue,Wed,Thu,Fri,Sat,Sun",
                )
            week[WEEKDAY_KEYS.index(key)] = per
        cal = cls(name=name, week=week, uid=uid if uid is not None else name)
        for h in holidays or ():
            if h is None or (isinstance(h, float) and np.isnan(h)) or pd.isna(h):
                continue
            cal.add_exception(h)
        if not any(week.values()):
            raise CalendarError(
                "calendar has no working day", field="working_days", value=working_days
            )
        return cal

    def add_exception(self, start: Any, end: Any = None, periods: Any = (), name: str = "") -> None:
        """Mark days ``start..end`` (inclusive) non-working, or working with ``periods``."""
        s = _to_day(start)
        e = _to_day(end) if end is not None else s
        per = parse_periods(periods) if periods else ()
        self.exceptions.append(Exception_(s, e, per, name))
        self._timeline = None

    def add_exception_days(
        self, days: Iterable[int], periods: tuple[Period, ...] = (), name: str = ""
    ) -> None:
        """Add one-day exceptions from day numbers (used for expanded recurring exceptions)."""
        for d in days:
            self.exceptions.append(Exception_(int(d), int(d), periods, name))
        self._timeline = None

    def add_work_week(self, start: Any, end: Any, week: Mapping[int, Any], name: str = "") -> None:
        """Days ``start..end`` use ``week`` (weekday -> periods) instead of the default week."""
        ww = {int(k): parse_periods(v) if v else () for k, v in week.items()}
        self.work_weeks.append(WorkWeek(_to_day(start), _to_day(end), ww, name))
        self._timeline = None

    # ------------------------------------------------------------------ expansion
    def _resolve(
        self, days: np.ndarray, wd: np.ndarray, reg: dict[tuple[Period, ...], int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Pattern index per day and whether an exception fixed it (beats derived weeks)."""

        def pid(p: tuple[Period, ...]) -> int:
            return reg.setdefault(p, len(reg))

        if self.base is not None:
            pat, exc = self.base._resolve(days, wd, reg)
            pat = pat.copy()
        else:
            pat = np.full(days.shape, pid(()), dtype=np.int64)
            exc = np.zeros(days.shape, dtype=bool)
        free = ~exc
        for d, per in self.week.items():
            pat[(wd == d) & free] = pid(per)
        for ww in self.work_weeks:
            rng = (days >= ww.start) & (days <= ww.end) & free
            for d, per in ww.week.items():
                pat[rng & (wd == d)] = pid(per)
        if self.exceptions:
            exc = exc.copy()
            for ex in self.exceptions:
                lo = max(ex.start, _T0_DAY) - _T0_DAY
                hi = min(ex.end, _T1_DAY - 1) - _T0_DAY + 1
                if hi > lo:
                    pat[lo:hi] = pid(ex.periods)
                    exc[lo:hi] = True
        return pat, exc

    @property
    def timeline(self) -> Timeline:
        """The expanded working intervals (built once, cached)."""
        if self._timeline is None:
            self._timeline = self._build()
        return self._timeline

    def _build(self) -> Timeline:
        days = np.arange(_T0_DAY, _T1_DAY, dtype=np.int64)
        wd = (days + 3) % 7  # 1970-01-01 was a Thursday (3)
        reg: dict[tuple[Period, ...], int] = {}
        pat, _ = self._resolve(days, wd, reg)
        pats = sorted(reg.items(), key=lambda kv: kv[1])
        counts_per = np.array([len(p) for p, _ in pats], dtype=np.int64)
        offs = np.concatenate([[0], np.cumsum(counts_per)[:-1]])
        flat_s = np.array([s for p, _ in pats for s, _ in p] or [0], dtype=np.int64)
        flat_e = np.array([e for p, _ in pats for _, e in p] or [0], dtype=np.int64)
        counts = counts_per[pat]
        n = int(counts.sum())
        if n == 0:
            raise CalendarError(f"calendar {self.name!r} has no working time")
        day_rep = np.repeat(days, counts)
        first = np.repeat(np.cumsum(counts) - counts, counts)
        ordinal = np.arange(n, dtype=np.int64) - first
        k = np.repeat(offs[pat], counts) + ordinal
        starts = day_rep * _DAY + flat_s[k]
        lengths = flat_e[k] - flat_s[k]
        cum = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        return Timeline(starts, lengths, cum, int(cum[-1] + lengths[-1]))

    # ------------------------------------------------------------------ queries
    @property
    def minutes_per_day(self) -> float:
        """Working minutes of a typical working day (the most common weekday length)."""
        if self.minutes_per_day_hint:
            return float(self.minutes_per_day_hint)
        lengths = [sum(e - s for s, e in self.week_periods(d)) for d in range(7)]
        worked = [x for x in lengths if x > 0]
        if not worked:
            return 480.0
        vals, cnt = np.unique(worked, return_counts=True)
        return float(vals[np.argmax(cnt)])

    @property
    def hours_per_day(self) -> float:
        """``minutes_per_day / 60`` — how the portfolio states day-based durations."""
        return self.minutes_per_day / 60.0

    @property
    def busday_weekmask(self) -> str:
        """numpy's ``weekmask`` (``"1111100"``): the weekdays (Mon..Sun) with working time."""
        return "".join("1" if self.week_periods(d) else "0" for d in range(7))

    @property
    def busday_holidays(self) -> np.ndarray:
        """The non-working exception days (``datetime64[D]``, sorted, unique): numpy's
        ``holidays`` for ``busday_count``/``busday_offset`` with :attr:`busday_weekmask`."""
        spans = [np.arange(e.start, e.end + 1) for e in self.exceptions if not e.periods]
        days = np.unique(np.concatenate(spans)) if spans else np.zeros(0, np.int64)
        return days.astype("datetime64[D]")

    def week_periods(self, weekday: int) -> tuple[Period, ...]:
        """Default periods of a weekday (0 = Monday), following the base calendar."""
        if weekday in self.week:
            return self.week[weekday]
        return self.base.week_periods(weekday) if self.base is not None else ()

    def to_working_minutes(self, dates: Any) -> np.ndarray:
        """Date-times -> working minutes on this calendar's timeline (int64 array)."""
        return self.timeline.to_work(to_minutes(dates))

    def from_working_minutes(self, minutes: Any, *, as_finish: bool = False) -> np.ndarray:
        """Working minutes -> ``datetime64[m]``; ``as_finish`` picks period ends at boundaries."""
        w = np.rint(np.atleast_1d(np.asarray(minutes, dtype=float))).astype(np.int64)
        return from_minutes(self.timeline.from_work(w, as_finish))

    def add_working_minutes(
        self, dates: Any, minutes: Any, *, as_finish: bool = True
    ) -> np.ndarray:
        """``dates`` + ``minutes`` of work (negative goes back); finish semantics by default
        because the usual question is "when does a task that starts then finish?"."""
        w = self.to_working_minutes(dates) + np.rint(np.asarray(minutes, dtype=float)).astype(
            np.int64
        )
        return from_minutes(self.timeline.from_work(w, as_finish))

    def working_minutes_between(self, start: Any, finish: Any) -> np.ndarray:
        """Working minutes from ``start`` to ``finish`` (negative if finish is earlier)."""
        return self.to_working_minutes(finish) - self.to_working_minutes(start)

    def is_working(self, dates: Any) -> np.ndarray:
        """True where the minute starting at ``dates`` is working time."""
        t = to_minutes(dates)
        tl = self.timeline
        return tl.to_work(t + 1) > tl.to_work(t)

    def next_working_start(self, dates: Any) -> np.ndarray:
        """The instant work resumes at or after ``dates``."""
        return self.from_working_minutes(self.to_working_minutes(dates))

    def working_days(self, start: Any, end: Any) -> np.ndarray:
        """Dates (``datetime64[D]``) between ``start`` and ``end`` inclusive with any work."""
        d0, d1 = _to_day(start), _to_day(end)
        days = np.arange(d0, d1 + 1, dtype=np.int64)
        w0 = self.timeline.to_work(days * _DAY)
        w1 = self.timeline.to_work((days + 1) * _DAY)
        return days[w1 > w0].astype("datetime64[D]")

    def __repr__(self) -> str:
        return f"Calendar({self.name!r})"


# ---------------------------------------------------------------------- recurrence
def recurring_days(
    kind: str,
    start: Any,
    end: Any = None,
    occurrences: int | None = None,
    *,
    period: int = 1,
    weekdays: Sequence[int] = (),
    month_day: int | None = None,
    month: int | None = None,
    month_item: int | None = None,
    month_weekday: int | None = None,
) -> np.ndarray:
    """Expand a recurring exception into day numbers (days since 1970).

    ``kind`` is daily / weekly / monthly / yearly. Weekly uses ``weekdays`` (0 = Monday);
    monthly and yearly use either ``month_day`` or the ``month_item``-th (1..4, 5 = last)
    ``month_weekday`` of the month; yearly also ``month`` (1..12).
    """
    d0 = _to_day(start)
    d1 = _to_day(end) if end is not None else _T1_DAY - 1
    limit = occurrences if occurrences else 1_000_000
    out: list[int] = []
    s = pd.Timestamp(np.datetime64(d0, "D"))
    if kind == "daily":
        days = np.arange(d0, d1 + 1, max(period, 1))
        return days[:limit]
    if kind == "weekly":
        week0 = d0 - ((d0 + 3) % 7)  # Monday of the first week
        days = np.arange(week0, d1 + 1)
        wk = (days - week0) // 7
        wd = (days + 3) % 7
        keep = (days >= d0) & np.isin(wd, list(weekdays)) & (wk % max(period, 1) == 0)
        return days[keep][:limit]

    def month_candidate(y: int, m: int) -> int | None:
        if month_item:
            first = pd.Timestamp(year=y, month=m, day=1)
            if month_item >= 5:
                last = first + pd.offsets.MonthEnd(0)
                delta = (last.weekday() - (month_weekday or 0)) % 7
                day = last - pd.Timedelta(days=delta)
            else:
                delta = ((month_weekday or 0) - first.weekday()) % 7
                day = first + pd.Timedelta(days=delta + 7 * (month_item - 1))
                if day.month != m:
                    return None
            return _to_day(day)
        md = month_day or s.day
        try:
            return _to_day(pd.Timestamp(year=y, month=m, day=md))
        except ValueError:
            return None

    y, m = s.year, s.month
    step = max(period, 1)
    if kind == "yearly":
        m = month or s.month
        step = 12 * step
    while len(out) < limit:
        cand = month_candidate(y, m)
        if cand is not None:
            if cand > d1:
                break
            if cand >= d0:
                out.append(cand)
        m += step
        y += (m - 1) // 12
        m = (m - 1) % 12 + 1
        if y > 2199:
            break
    return np.array(out, dtype=np.int64)


def _shared_periods(a: tuple[Period, ...], b: tuple[Period, ...]) -> tuple[Period, ...]:
    """The periods of one day that ``a`` and ``b`` both work."""
    out = [(max(s1, s2), min(e1, e2)) for s1, e1 in a for s2, e2 in b if min(e1, e2) > max(s1, s2)]
    return tuple(sorted(out))


def _shared_timeline(a: Timeline, b: Timeline) -> Timeline:
    """The working intervals both timelines share (a sweep over their boundaries: the
    instants where both count one open interval)."""
    pts = np.concatenate([a.starts, a.starts + a.lengths, b.starts, b.starts + b.lengths])
    na, nb = len(a.starts), len(b.starts)
    delta = np.concatenate([np.ones(na), -np.ones(na), np.ones(nb), -np.ones(nb)]).astype(np.int64)
    order = np.lexsort((delta, pts))  # at one instant, ends before starts: no zero overlap
    pts, depth = pts[order], np.cumsum(delta[order])
    opens = np.flatnonzero(depth[:-1] == 2)
    starts, ends = pts[opens], pts[opens + 1]
    keep = ends > starts
    starts, lengths = starts[keep], (ends - starts)[keep]
    if not len(starts):
        raise CalendarError("the calendars share no working time")
    cum = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    return Timeline(starts, lengths, cum, int(cum[-1] + lengths[-1]))


def shared_calendar(calendars: Sequence[Calendar], name: str | None = None) -> Calendar:
    """The working time every calendar of ``calendars`` shares (Microsoft Project schedules
    a task with its own calendar and assigned resources only in such time). Its timeline is
    the intersection of theirs, exceptions included; its week shows the shared default
    periods. Raises CalendarError when they share no working time."""
    if not calendars:
        raise CalendarError("no calendar to share")
    first = calendars[0]
    week = {d: first.week_periods(d) for d in range(7)}
    tl = first.timeline
    for cal in calendars[1:]:
        week = {d: _shared_periods(week[d], cal.week_periods(d)) for d in range(7)}
        tl = _shared_timeline(tl, cal.timeline)
    shared = Calendar(
        name=name or " & ".join(c.name for c in calendars),
        week=week,
        uid=None,
    )
    shared._timeline = tl
    return shared


def whole_days(
    when: Any, cal_id: pd.Series, cals: Mapping[str, Calendar], *, finish: bool | np.ndarray
) -> np.ndarray:
    """Date-times as instants, where a value with no time of day names a whole working day:
    a start is the start of that day's work, a finish its end (a task that finished on a date
    worked all of it, so its successor starts the next day). ``cal_id`` names each row's
    calendar in ``cals``; ``finish`` may be per row. Values with a time are kept."""
    out = pd.Series(pd.to_datetime(np.asarray(when)), index=cal_id.index)
    vals = out.to_numpy(dtype="datetime64[ns]").copy()
    day_only = out.notna() & (out == out.dt.normalize())
    fin = np.broadcast_to(np.asarray(finish, dtype=bool), (len(out),))
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
