"""Checks of a Microsoft Project XML (MSPDI) file before pmkit uses it.

A hostile or broken file must end with one clear message, never a traceback, a library
warning or a silently wrong schedule. :func:`check_document` walks the parsed XML once and
refuses the first value that is malformed, out of range, a code MSPDI does not define, or a
reference to something the file does not hold; :func:`check_links` refuses self-links and
cycles, including cycles closed through summary tasks (a link onto a task's own summary, or
onto the project summary UID 0, which holds every task). Each message names the file, the
task (UID and name), the element, the value and what was expected.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pandas as pd

from pmkit.errors import MspdiError

__all__ = ["MAX_MINUTES", "check_document", "check_links", "drop_duplicate_links"]

#: the longest duration, lag or work pmkit accepts: the calendar's range, 250 years
MAX_MINUTES = 250 * 366 * 1440
#: dates pmkit's calendars cover
FIRST_DATE, LAST_DATE = pd.Timestamp("1950-01-01"), pd.Timestamp("2199-12-31 23:59")
DURATION_FORMATS = frozenset({3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 19, 20, 21, 53} | set(range(35, 45)))
_FLAG = frozenset({0, 1})
# ASCII digits only: ``\d`` alone also matches other scripts' digits (Arabic-Indic
# ``١٢``), which ``int`` and pandas then read as numbers and dates XML does not allow
_INT_RE = re.compile(r"^[+-]?\d{1,18}$", re.ASCII)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$", re.ASCII)
_TIME_RE = re.compile(r"^([01]\d|2[0-4]):[0-5]\d(:[0-5]\d)?$", re.ASCII)

TASK_CODES: dict[str, frozenset[int]] = {
    "DurationFormat": DURATION_FORMATS,
    "ConstraintType": frozenset(range(8)),
    "Type": frozenset({0, 1, 2}),
    "Summary": _FLAG,
    "Milestone": _FLAG,
    "Manual": _FLAG,
    "Active": _FLAG,
    "IsNull": _FLAG,
    "Critical": _FLAG,
    "Estimated": _FLAG,
    "IgnoreResourceCalendar": _FLAG,
    "EffortDriven": _FLAG,
    "FixedCostAccrual": frozenset({1, 2, 3}),
    "EarnedValueMethod": frozenset({0, 1}),
}
LINK_CODES: dict[str, frozenset[int]] = {
    "Type": frozenset(range(4)),
    "LagFormat": DURATION_FORMATS,
    "CrossProject": _FLAG,
}
TASK_PERCENTS = ("PercentComplete", "PercentWorkComplete", "PhysicalPercentComplete")
TASK_DURATIONS = ("Duration", "Work", "ActualDuration", "RemainingDuration", "ActualWork")
TASK_DATES = (
    "Start",
    "Finish",
    "ConstraintDate",
    "ActualStart",
    "ActualFinish",
    "ManualStart",
    "ManualFinish",
    "Resume",
    "Stop",
    "Deadline",
)
#: constraint types that need a ConstraintDate (MSO MFO SNET SNLT FNET FNLT)
DATED_CONSTRAINTS = frozenset(range(2, 8))


def _strip(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _kids(el: ET.Element | None, name: str) -> list[ET.Element]:
    return [] if el is None else [c for c in el if _strip(c.tag) == name]


def _kid(el: ET.Element | None, name: str) -> ET.Element | None:
    found = _kids(el, name)
    return found[0] if found else None


def _leaf(el: ET.Element | None) -> dict[str, str]:
    if el is None:
        return {}
    return {_strip(c.tag): (c.text or "").strip() for c in el if len(c) == 0}


class _Where:
    """Builds the one message: file, owner (task UID and name, calendar, ...), element."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, owner: str, element: str, msg: str, value: Any, expected: str) -> MspdiError:
        where = f"{owner} <{element}>" if owner else f"<{element}>"
        return MspdiError(msg, file=self.path, field=where, value=value, expected=expected)

    def integer(self, owner: str, f: dict[str, str], name: str, lo: int, hi: int) -> int | None:
        text = f.get(name)
        if text is None or text == "":
            return None
        if not _INT_RE.match(text) or not lo <= int(text) <= hi:
            raise self.fail(owner, name, "not a valid whole number", text, f"{lo}..{hi}")
        return int(text)

    def code(self, owner: str, f: dict[str, str], name: str, allowed: frozenset[int]) -> None:
        text = f.get(name)
        if text is None or text == "":
            return
        if not _INT_RE.match(text) or int(text) not in allowed:
            shown = ", ".join(str(c) for c in sorted(allowed))
            raise self.fail(owner, name, "unknown code", text, f"one of {shown}")

    def number(
        self,
        owner: str,
        f: dict[str, str],
        name: str,
        lo: float,
        hi: float,
        expected: str | None = None,
    ) -> float | None:
        text = f.get(name)
        if text is None or text == "":
            return None
        want = expected or f"{lo:g}..{hi:g}"
        try:
            v = float(text)
        except ValueError:
            raise self.fail(owner, name, "not a number", text, want) from None
        if not math.isfinite(v) or not lo <= v <= hi:
            raise self.fail(owner, name, "number out of range", text, want)
        return v

    def date(self, owner: str, f: dict[str, str], name: str) -> pd.Timestamp | None:
        text = f.get(name)
        if text is None or text == "" or text.startswith("NA"):
            return None
        ts: Any = None
        if _DATE_RE.match(text):
            try:
                ts = pd.Timestamp(text)
            except ValueError:
                ts = None
        if ts is None:
            raise self.fail(
                owner, name, "malformed date", text, "a local date-time YYYY-MM-DDTHH:MM:SS"
            )
        if not FIRST_DATE <= ts <= LAST_DATE:
            raise self.fail(owner, name, "date out of range", text, "a date in 1950..2199")
        return pd.Timestamp(ts)

    def duration(self, owner: str, f: dict[str, str], name: str, mpd: float) -> float | None:
        from pmkit.io.mspdi import parse_duration  # lazy: io.mspdi imports this module

        text = f.get(name)
        if text is None or text == "":
            return None
        try:
            v = parse_duration(text, mpd)
        except ValueError:
            raise self.fail(
                owner, name, "malformed duration", text, "an ISO duration like PT8H0M0S"
            ) from None
        if v < 0:
            raise self.fail(owner, name, "negative duration", text, "a duration >= 0")
        if not math.isfinite(v) or v > MAX_MINUTES:
            raise self.fail(owner, name, "duration out of range", text, "at most 250 years")
        return v

    def time(self, owner: str, f: dict[str, str], name: str) -> None:
        text = f.get(name)
        if text is not None and text != "" and not _TIME_RE.match(text):
            raise self.fail(owner, name, "malformed time of day", text, "HH:MM:SS")


# ------------------------------------------------------------------------- the project
def _check_project(root: ET.Element, w: _Where) -> float:
    p = _leaf(root)
    owner = "Project"
    if not p.get("StartDate"):
        raise w.fail(owner, "StartDate", "the project has no start date", None, "a date")
    w.date(owner, p, "StartDate")
    for name in ("FinishDate", "StatusDate", "CurrentDate"):
        w.date(owner, p, name)
    w.code(owner, p, "ScheduleFromStart", _FLAG)
    w.code(owner, p, "MultipleCriticalPaths", _FLAG)
    mpd = w.number(owner, p, "MinutesPerDay", 1, 1440)
    w.number(owner, p, "MinutesPerWeek", 1, 10080)
    w.number(owner, p, "DaysPerMonth", 1, 31)
    w.number(owner, p, "CriticalSlackLimit", -10000, 10000)
    w.integer(owner, p, "CalendarUID", -1, 2**31)
    return mpd or 480.0


def _check_calendars(root: ET.Element, w: _Where) -> set[str]:
    cals = _kids(_kid(root, "Calendars"), "Calendar")
    uids: set[str] = set()
    for c in cals:
        f = _leaf(c)
        owner = f"Calendar UID {f.get('UID')} {f.get('Name', '')!r}"
        uid = w.integer(owner, f, "UID", -(2**31), 2**31)
        if uid is None:
            raise w.fail(owner, "UID", "calendar without a UID", None, "a whole number")
        if str(uid) in uids:
            raise w.fail(owner, "UID", "two calendars share this UID", uid, "unique UIDs")
        uids.add(str(uid))
        w.code(owner, f, "IsBaseCalendar", _FLAG)
        for wd in _kids(_kid(c, "WeekDays"), "WeekDay"):
            _check_day(owner + " WeekDay", wd, w)
        for ex in _kids(_kid(c, "Exceptions"), "Exception"):
            _check_exception(owner + " Exception", ex, w)
        for ww in _kids(_kid(c, "WorkWeeks"), "WorkWeek"):
            _check_dates(owner + " WorkWeek", _leaf(_kid(ww, "TimePeriod")), w)
            for wd in _kids(_kid(ww, "WeekDays"), "WeekDay"):
                _check_day(owner + " WorkWeek/WeekDay", wd, w)
    # a BaseCalendarUID that names no calendar (0, -65533) is common in Project's own files
    # and means "no base": not refused; a chain of bases that comes back on itself is
    _check_base_cycle(cals, w)
    p = _leaf(root)
    cal = p.get("CalendarUID")
    if cal not in (None, "", "-1") and uids and cal not in uids:
        raise w.fail("Project", "CalendarUID", "unknown project calendar", cal, "a calendar UID")
    return uids


def _check_base_cycle(cals: list[ET.Element], w: _Where) -> None:
    """Refuse calendars based on each other in a cycle (1 on 2, 2 on 1), naming them."""
    leaves = [_leaf(c) for c in cals]
    base = {f.get("UID", ""): f.get("BaseCalendarUID", "") for f in leaves}
    names = {f.get("UID", ""): f.get("Name", "") for f in leaves}
    for start in base:
        chain = [start]
        nxt = base[start]
        while nxt in base and nxt != chain[-1]:
            if nxt in chain:
                loop = [*chain[chain.index(nxt) :], nxt]
                raise w.fail(
                    f"Calendar UID {nxt} {names[nxt]!r}",
                    "BaseCalendarUID",
                    "calendars are based on each other in a cycle",
                    " -> ".join(f"{u} {names[u]!r}" for u in loop),
                    "a chain of base calendars that ends",
                )
            chain.append(nxt)
            nxt = base[nxt]


def _check_dates(owner: str, f: dict[str, str], w: _Where) -> None:
    a, b = w.date(owner, f, "FromDate"), w.date(owner, f, "ToDate")
    if a is not None and b is not None and b < a:
        raise w.fail(
            owner, "ToDate", "period ends before it starts", f.get("ToDate"), ">= FromDate"
        )


def _check_times(owner: str, el: ET.Element, w: _Where) -> None:
    for wt in _kids(_kid(el, "WorkingTimes"), "WorkingTime"):
        f = _leaf(wt)
        w.time(owner, f, "FromTime")
        w.time(owner, f, "ToTime")


def _check_day(owner: str, wd: ET.Element, w: _Where) -> None:
    f = _leaf(wd)
    w.code(owner, f, "DayType", frozenset(range(8)))
    w.code(owner, f, "DayWorking", _FLAG)
    _check_dates(owner, _leaf(_kid(wd, "TimePeriod")), w)
    _check_times(owner, wd, w)


def _check_exception(owner: str, ex: ET.Element, w: _Where) -> None:
    f = _leaf(ex)
    _check_dates(owner, _leaf(_kid(ex, "TimePeriod")), w)
    w.code(owner, f, "Type", frozenset(range(1, 8)))
    w.code(owner, f, "DayWorking", _FLAG)
    w.integer(owner, f, "Occurrences", 0, 100000)
    w.integer(owner, f, "Period", 1, 1000)
    w.integer(owner, f, "DaysOfWeek", 0, 127)
    w.integer(owner, f, "MonthItem", 0, 9)
    w.integer(owner, f, "MonthPosition", 0, 4)
    w.integer(owner, f, "Month", 0, 11)
    w.integer(owner, f, "MonthDay", 1, 31)
    _check_times(owner, ex, w)


# ---------------------------------------------------------------------------- the tasks
def _task_owner(f: dict[str, str]) -> str:
    return f"Task UID {f.get('UID')} {f.get('Name', '')!r}"


def _check_task(t: ET.Element, w: _Where, cal_uids: set[str], mpd: float) -> None:
    f = _leaf(t)
    owner = _task_owner(f)
    w.integer(owner, f, "ID", -(2**31), 2**31)
    w.integer(owner, f, "OutlineLevel", 0, 1000)
    for name, allowed in TASK_CODES.items():
        w.code(owner, f, name, allowed)
    for name in TASK_PERCENTS:
        w.number(owner, f, name, 0, 100)
    for name in TASK_DURATIONS:
        w.duration(owner, f, name, mpd)
    for name in TASK_DATES:
        w.date(owner, f, name)
    ct = int(f.get("ConstraintType") or 0)
    if ct in DATED_CONSTRAINTS and not f.get("ConstraintDate"):
        raise w.fail(
            owner,
            "ConstraintDate",
            "constraint without its date",
            f"ConstraintType {ct}",
            "a ConstraintDate for constraint types 2..7",
        )
    cal = f.get("CalendarUID")
    if cal not in (None, "", "-1") and cal not in cal_uids:
        raise w.fail(owner, "CalendarUID", "unknown task calendar", cal, "a calendar UID or -1")
    for b in _kids(t, "Baseline"):
        bf = _leaf(b)
        w.integer(owner + " Baseline", bf, "Number", 0, 10)
        for name in ("Start", "Finish"):
            w.date(owner + " Baseline", bf, name)
        for name in ("Duration", "Work"):
            w.duration(owner + " Baseline", bf, name, mpd)


def _check_link(owner: str, pl: ET.Element, w: _Where) -> None:
    f = _leaf(pl)
    el = "PredecessorLink/"
    if not f.get("PredecessorUID") or not _INT_RE.match(f["PredecessorUID"]):
        raise w.fail(
            owner, el + "PredecessorUID", "link without a valid predecessor",
            f.get("PredecessorUID"), "a task UID",
        )  # fmt: skip
    for name, allowed in LINK_CODES.items():
        w.code(owner + " " + el[:-1], f, name, allowed)
    lf = int(f.get("LagFormat") or 7)
    lf = lf - 32 if lf >= 35 and lf != 53 else lf
    if lf in (19, 20):
        w.number(owner + " " + el[:-1], f, "LinkLag", -10000, 10000)
    else:
        limit = MAX_MINUTES * 10
        w.number(
            owner + " " + el[:-1], f, "LinkLag", -limit, limit,
            "tenths of a working minute, at most 250 years either way",
        )  # fmt: skip


def _check_tasks(root: ET.Element, w: _Where, cal_uids: set[str], mpd: float) -> set[int]:
    tasks = _kids(_kid(root, "Tasks"), "Task")
    uids: set[int] = set()
    for t in tasks:
        f = _leaf(t)
        owner = _task_owner(f)
        uid = w.integer(owner, f, "UID", -(2**31), 2**31)
        if uid is None:
            raise w.fail(owner, "UID", "task without a valid UID", None, "a whole number")
        if uid in uids:
            raise w.fail(owner, "UID", "two tasks share this UID", uid, "unique task UIDs")
        uids.add(uid)
    for t in tasks:
        f = _leaf(t)
        if f.get("IsNull") == "1":
            continue  # a blank row: Project writes nothing else for it
        _check_task(t, w, cal_uids, mpd)
        owner = _task_owner(f)
        for pl in _kids(t, "PredecessorLink"):
            _check_link(owner, pl, w)
            lf = _leaf(pl)
            pred = int(lf["PredecessorUID"])
            if pred == int(f["UID"]):
                raise w.fail(
                    owner, "PredecessorLink/PredecessorUID", "task linked to itself", pred,
                    "another task's UID",
                )  # fmt: skip
            if pred not in uids and lf.get("CrossProject") != "1":
                raise w.fail(
                    owner, "PredecessorLink/PredecessorUID", "unknown predecessor", pred,
                    "the UID of a task in this file",
                )  # fmt: skip
    return uids


# ------------------------------------------------------------ resources and assignments
def _check_resources(root: ET.Element, w: _Where, cal_uids: set[str]) -> set[str]:
    uids: set[str] = set()
    for r in _kids(_kid(root, "Resources"), "Resource"):
        f = _leaf(r)
        owner = f"Resource UID {f.get('UID')} {f.get('Name', '')!r}"
        uid = w.integer(owner, f, "UID", -(2**31), 2**31)
        if uid is None:
            raise w.fail(owner, "UID", "resource without a valid UID", None, "a whole number")
        if str(uid) in uids:
            raise w.fail(owner, "UID", "two resources share this UID", uid, "unique UIDs")
        uids.add(str(uid))
        w.code(owner, f, "Type", frozenset({0, 1, 2}))
        w.number(owner, f, "MaxUnits", 0, 1e6)
        w.number(owner, f, "StandardRate", -1e12, 1e12)
        cal = f.get("CalendarUID")
        # resource UID 0 (Project's "unassigned") often names a calendar the file lacks
        if uid > 0 and cal not in (None, "", "-1") and cal not in cal_uids:
            raise w.fail(owner, "CalendarUID", "unknown resource calendar", cal, "a calendar UID")
    return uids


def _check_assignments(
    root: ET.Element, w: _Where, task_uids: set[int], res_uids: set[str], mpd: float
) -> None:
    for a in _kids(_kid(root, "Assignments"), "Assignment"):
        f = _leaf(a)
        owner = f"Assignment UID {f.get('UID')} (task {f.get('TaskUID')})"
        task = w.integer(owner, f, "TaskUID", -(2**31), 2**31)
        if task is None or task not in task_uids:
            raise w.fail(owner, "TaskUID", "assignment to an unknown task", f.get("TaskUID"),
                         "the UID of a task in this file")  # fmt: skip
        res = f.get("ResourceUID")
        if res not in (None, "", "-65535") and res not in res_uids:
            raise w.fail(owner, "ResourceUID", "assignment of an unknown resource", res,
                         "the UID of a resource in this file, or -65535")  # fmt: skip
        w.number(owner, f, "Units", 0, 1e6)
        w.code(owner, f, "WorkContour", frozenset(range(9)))
        for name in ("Work", "ActualWork", "RemainingWork"):
            w.duration(owner, f, name, mpd)
        for name in ("Start", "Finish", "Stop", "Resume"):
            w.date(owner, f, name)
        for tp in _kids(a, "TimephasedData"):
            w.integer(owner + " TimephasedData", _leaf(tp), "Type", 0, 100)


def check_document(root: ET.Element, path: str) -> None:
    """Refuse the first malformed, out-of-range, unknown-code or dangling value in an MSPDI
    document (raises :class:`~pmkit.errors.MspdiError`)."""
    w = _Where(path)
    mpd = _check_project(root, w)
    cal_uids = _check_calendars(root, w)
    task_uids = _check_tasks(root, w, cal_uids, mpd)
    res_uids = _check_resources(root, w, cal_uids)
    _check_assignments(root, w, task_uids, res_uids, mpd)


# ------------------------------------------------------------------------------ cycles
def _graph(tasks: pd.DataFrame, links: pd.DataFrame) -> dict[Any, list[Any]]:
    """Nodes: ('s', uid) and ('f', uid) per task. A summary starts before its subtasks and
    finishes after them; a link leaves its predecessor's finish and reaches its successor's
    start (a leaf's start and finish are joined), so a link between a task and one of its own
    summaries closes a cycle, as it does in Project."""
    g: dict[Any, list[Any]] = {}

    def edge(a: Any, b: Any) -> None:
        g.setdefault(a, []).append(b)

    for uid, parent in zip(tasks["uid"], tasks["parent_uid"], strict=True):
        edge(("s", uid), ("f", uid))
        if parent is not None and not pd.isna(parent):
            edge(("s", int(parent)), ("s", uid))
            edge(("f", uid), ("f", int(parent)))
    for p, s in zip(links["pred_uid"], links["succ_uid"], strict=True):
        edge(("f", int(p)), ("s", int(s)))
    return g


def _find_cycle(g: dict[Any, list[Any]]) -> list[Any] | None:
    """One cycle of ``g`` (iterative depth-first search), or None."""
    state: dict[Any, int] = {}
    for root in list(g):
        if state.get(root):
            continue
        stack: list[tuple[Any, Iterator[Any]]] = [(root, iter(g.get(root, ())))]
        path = [root]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if not state.get(nxt):
                state[nxt] = 1
                stack.append((nxt, iter(g.get(nxt, ()))))
                path.append(nxt)
    return None


def check_links(tasks: pd.DataFrame, links: pd.DataFrame, path: str) -> None:
    """Refuse a cycle of links, including one closed through summary tasks."""
    if not len(tasks) or not len(links):
        return
    known = set(tasks["uid"])
    lk = links[links["pred_uid"].isin(known) & links["succ_uid"].isin(known)]
    cyc = _find_cycle(_graph(tasks, lk))
    if cyc is None:
        return
    names = dict(zip(tasks["uid"], tasks["name"], strict=True))
    uids: list[Any] = []
    for _kind, uid in cyc:
        if not uids or uids[-1] != uid:
            uids.append(uid)
    shown = " -> ".join(f"{u} {names.get(u, '')!r}" for u in uids)
    first = uids[0]
    raise MspdiError(
        "the links form a cycle (a link onto a summary reaches every task under it)",
        file=path,
        field=f"Task UID {first} {names.get(first, '')!r} <PredecessorLink>",
        value=shown,
        expected="no task to depend, directly or through its summaries, on itself",
    )


def drop_duplicate_links(links: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The links with each identical repeat dropped, and one warning per pair that repeats.

    A file can hold the same PredecessorLink twice (a tool's merge, a hand edit): harmless to
    the dates, but an import would carry both and an MSPDI export write both. The CSV door
    warns on a duplicate link ("duplicate link, first on line N"); this is the same warning,
    naming the task and the predecessor. Two links between the same tasks that differ (type
    or lag) are both kept, and said too: Project holds one link per pair.
    """
    if not len(links):
        return links, []
    pair = ["pred_uid", "succ_uid"]
    same = links.duplicated(keep="first")
    repeated = links[links.duplicated(pair, keep=False)]
    notes: list[str] = []
    for (pred, succ), grp in repeated.groupby(pair, sort=False):
        n = len(grp)
        kinds = grp.drop_duplicates()
        if len(kinds) == 1:
            notes.append(
                f"Task UID {succ} <PredecessorLink>: duplicate link from task UID {pred} "
                f"({n} identical links, kept once)"
            )
        else:
            types = ", ".join(
                f"{t} lag {lag:g} min" for t, lag in kinds[["type", "lag_min"]].values
            )
            notes.append(
                f"Task UID {succ} <PredecessorLink>: duplicate link from task UID {pred} "
                f"({n} links that differ: {types}; Project holds one link per pair, an "
                "import keeps the first)"
            )
    return links[~same.to_numpy()].reset_index(drop=True), notes
