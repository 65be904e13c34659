"""Microsoft Project XML (MSPDI) reader and writer.

Every read goes through defusedxml with DTDs, entities and external references forbidden, so
an XML bomb or an external entity is refused with an :class:`~pmkit.errors.MspdiError` naming
the file, never expanded. Units follow the MSPDI schema: durations ``PT8H0M0S`` in working
hours, lags and slack in tenths of a working minute, ``PredecessorLink/Type`` 0=FF 1=FS 2=SF
3=SS, ``ConstraintType`` 0..7 = ASAP ALAP MSO MFO SNET SNLT FNET FNLT.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as DET
import numpy as np
import pandas as pd
from defusedxml import DefusedXmlException

from pmkit import vocabulary
from pmkit.calendar import Calendar, WorkWeek, recurring_days
from pmkit.errors import MspdiError
from pmkit.io._mspdi_order import POSITION
from pmkit.io.mspdi_checks import check_document, check_links, drop_duplicate_links

__all__ = ["MspdiProject", "format_duration", "parse_duration", "read_mspdi", "write_mspdi"]

NS = "http://schemas.microsoft.com/project"
# MSPDI numbers the four link types alphabetically (0 FF, 1 FS, 2 SF, 3 SS) and the constraint
# types in pmkit.vocabulary's order (ConstraintType 0 ASAP .. 7 FNLT).
LINK_TYPES = dict(enumerate(sorted(vocabulary.LINK_TYPES)))
LINK_CODES = {v: k for k, v in LINK_TYPES.items()}
CONSTRAINTS = list(vocabulary.CONSTRAINTS)
ELAPSED_FORMATS = {4, 6, 8, 10, 12, 20}
PERCENT_FORMATS = {19, 20}
_DUR_RE = re.compile(
    r"^(-)?P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$",
    re.ASCII,  # digits 0-9 only: float() would read ١٢ (Arabic-Indic) as 12
)


def _fmt_base(fmt: int | None) -> int | None:
    """Strip the +32 "estimated" flag from a DurationFormat/LagFormat code."""
    if fmt is None:
        return None
    return fmt - 32 if fmt >= 35 and fmt not in (53,) else fmt


def parse_duration(text: str, minutes_per_day: float = 480.0) -> float:
    """``PT8H30M0S`` -> 510.0 minutes. Raises ValueError when malformed."""
    m = _DUR_RE.match(text.strip())
    if not m or text.strip() in ("P", "PT", "-P"):
        raise ValueError(text)
    sign, y, mo, d, h, mi, s = m.groups()
    total = (
        float(h or 0) * 60
        + float(mi or 0)
        + float(s or 0) / 60
        + float(d or 0) * minutes_per_day
        + float(mo or 0) * minutes_per_day * 20
        + float(y or 0) * minutes_per_day * 260
    )
    return -total if sign else total


def format_duration(minutes: float) -> str:
    """Minutes -> ``PT{h}H{m}M{s}S`` as Project writes it."""
    sign = "-" if minutes < 0 else ""
    secs = round(abs(float(minutes)) * 60)
    h, rem = divmod(secs, 3600)
    m, s = divmod(rem, 60)
    return f"{sign}PT{h}H{m}M{s}S"


def _fmt_date(value: Any) -> str | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%S")


@dataclass
class MspdiProject:
    """What an MSPDI file holds, as pmkit tables.

    ``tasks`` has one row per task (UID 0, the project summary, included) with pmkit columns
    (uid, name, duration_min, elapsed, is_summary, is_milestone, parent_uid, constraint_type,
    constraint_date, calendar_id, manual, percent_complete, actual_start/finish, ...) and
    Project's stored results prefixed ``ms_`` (ms_early_start ... ms_free_slack_min).
    """

    path: str
    props: dict[str, Any]
    tasks: pd.DataFrame
    links: pd.DataFrame
    calendars: dict[str, Calendar]
    calendar_table: pd.DataFrame
    resources: pd.DataFrame
    assignments: pd.DataFrame
    baselines: pd.DataFrame
    raw_tasks: list[dict[str, str]] = field(default_factory=list, repr=False)
    #: assignments' timephased data: assignment_uid, task_uid, type (1 = remaining work),
    #: start, finish, work_min (None where Project wrote no value: non-working time)
    timephased: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    #: warnings on how the file was read (a duplicate link kept once, ...): the import
    #: report and ``pmkit schedule`` show them
    notes: list[str] = field(default_factory=list)

    @property
    def baseline0(self) -> pd.DataFrame:
        """Baseline 0 (what Project calls "the baseline"), one row per task UID (UID 0: the
        project's own), indexed by ``uid``; the other baselines (1-10) left out."""
        b = self.baselines
        if b is None or not len(b):
            return pd.DataFrame(columns=["start", "finish", "cost"], index=pd.Index([], name="uid"))
        b0 = b[b["number"] == 0].drop_duplicates("uid")
        return b0.set_index(b0["uid"].astype(int))

    @property
    def calendar(self) -> Calendar:
        """The project calendar (``CalendarUID`` of the project), Standard if absent."""
        uid = str(self.props.get("CalendarUID", ""))
        if uid in self.calendars:
            return self.calendars[uid]
        return next(iter(self.calendars.values())) if self.calendars else Calendar.standard()

    @property
    def project_start(self) -> pd.Timestamp:
        """``StartDate`` of the project."""
        return pd.Timestamp(str(self.props.get("StartDate")))

    @property
    def status_date(self) -> pd.Timestamp | None:
        """``StatusDate`` (the date progress was recorded to), its day; None when absent.
        :func:`read_mspdi` refuses a malformed one (:mod:`pmkit.io.mspdi_checks`)."""
        ts = pd.to_datetime(str(self.props.get("StatusDate") or ""), errors="coerce")
        return None if pd.isna(ts) else pd.Timestamp(ts).normalize()

    @property
    def minutes_per_day(self) -> float:
        """``MinutesPerDay`` (480 when absent)."""
        return float(self.props.get("MinutesPerDay") or 480)

    @property
    def schedule_from_start(self) -> bool:
        """False for projects scheduled back from their finish date."""
        return str(self.props.get("ScheduleFromStart", "1")) != "0"


# ---------------------------------------------------------------------------- reading
def _strip(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(el: ET.Element | None, name: str) -> list[ET.Element]:
    if el is None:
        return []
    return [c for c in el if _strip(c.tag) == name]


def _child(el: ET.Element | None, name: str) -> ET.Element | None:
    if el is None:
        return None
    for c in el:
        if _strip(c.tag) == name:
            return c
    return None


def _text(el: ET.Element | None, name: str) -> str | None:
    c = _child(el, name)
    if c is None or c.text is None:
        return None
    return c.text.strip()


def _flat(el: ET.Element) -> dict[str, str]:
    """Simple (leaf) children of an element as a dict of text."""
    return {_strip(c.tag): (c.text or "").strip() for c in el if len(c) == 0}


class _Ctx:
    """Carries the file name so every value error names file, element and value."""

    def __init__(self, path: str) -> None:
        self.path = path

    def err(self, msg: str, fld: str, value: Any, expected: str) -> MspdiError:
        return MspdiError(msg, file=self.path, field=fld, value=value, expected=expected)

    def date(self, text: str | None, fld: str) -> pd.Timestamp | None:
        if text is None or text == "" or text.startswith("NA"):
            return None
        try:
            ts = pd.Timestamp(text)
        except (ValueError, TypeError):
            raise self.err("malformed date", fld, text, "YYYY-MM-DDTHH:MM:SS") from None
        if ts is pd.NaT:
            return None
        return ts

    def dur(self, text: str | None, fld: str, mpd: float) -> float | None:
        if text is None or text == "":
            return None
        try:
            return parse_duration(text, mpd)
        except ValueError:
            raise self.err("malformed duration", fld, text, "ISO duration like PT8H0M0S") from None

    def num(self, text: str | None, fld: str, default: float | None = None) -> float | None:
        if text is None or text == "":
            return default
        try:
            if not text.isascii() or "_" in text:  # float() reads 1_0 and ١٠; XML does not
                raise ValueError(text)
            return float(text)
        except ValueError:
            raise self.err("malformed number", fld, text, "a number") from None


_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def _raise(exc: BaseException) -> Any:
    raise exc


def _declaration_ignored(path: str) -> ET.ElementTree | None:
    """A file whose XML declaration names another encoding than its bytes have: a UTF-8 file
    declared UTF-16 (what .NET's XmlSerializer writes through a StringWriter), a file saved
    as UTF-16 by an editor that kept ``encoding="UTF-8"``. Read by its byte-order mark, else
    as UTF-8, the declaration unused, as MPXJ reads MSPDI (through a character stream).
    None when the bytes are not that text either."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    enc, skip = "utf-8", 0
    for bom, name in _BOMS:
        if data.startswith(bom):
            enc, skip = name, len(bom)
            break
    try:
        text = data[skip:].decode(enc)
    except UnicodeDecodeError:
        return None
    text = _DECLARATION.sub("", text, count=1)
    root = DET.fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    return ET.ElementTree(root)


def _parse(path: str) -> ET.Element:
    try:
        try:
            tree = DET.parse(path, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        except ET.ParseError as exc:
            if "encoding specified in XML declaration is incorrect" not in str(exc):
                raise
            tree = _declaration_ignored(path) or _raise(exc)
    except DefusedXmlException as exc:
        raise MspdiError(
            f"unsafe XML refused ({type(exc).__name__}: DTDs, entities and external "
            "references are not allowed)",
            file=path,
        ) from None
    except ET.ParseError as exc:
        raise MspdiError(f"not well-formed XML: {exc}", file=path) from None
    except (LookupError, UnicodeError, ValueError) as exc:  # unknown or lying encoding
        raise MspdiError(f"not well-formed XML: {exc}", file=path) from None
    except OSError as exc:
        raise MspdiError(f"cannot read file: {exc.strerror or exc}", file=path) from None
    root = tree.getroot()
    if _strip(root.tag) != "Project":
        raise MspdiError(
            "not a Microsoft Project XML file",
            file=path,
            field="root element",
            value=_strip(root.tag),
            expected="Project",
        )
    return root


def _periods(el: ET.Element | None) -> tuple[tuple[int, int], ...]:
    out = []
    for wt in _children(_child(el, "WorkingTimes"), "WorkingTime"):
        f, t = _text(wt, "FromTime"), _text(wt, "ToTime")
        if f is None or t is None:
            continue
        s = int(f[:2]) * 60 + int(f[3:5])
        e = int(t[:2]) * 60 + int(t[3:5])
        if e == 0 or e < s:
            e = 1440 if e == 0 else e
        if e > s:
            out.append((s, e))
    return tuple(sorted(out))


def _day(ts: pd.Timestamp) -> int:
    return int(np.datetime64(ts.date(), "D").astype(np.int64))


def _read_calendars(root: ET.Element, ctx: _Ctx) -> tuple[dict[str, Calendar], pd.DataFrame]:
    cals: dict[str, Calendar] = {}
    bases: dict[str, str] = {}
    rows = []
    for c in _children(_child(root, "Calendars"), "Calendar"):
        uid = _text(c, "UID") or ""
        cal = Calendar(name=_text(c, "Name") or f"Calendar {uid}", uid=uid)
        base = _text(c, "BaseCalendarUID") or "-1"
        if base not in ("-1", "", uid):
            bases[uid] = base
        rows.append(
            {
                "calendar_id": uid,
                "name": cal.name,
                "is_base": _text(c, "IsBaseCalendar") == "1",
                "base_calendar_id": None if base in ("-1", "") else base,
            }
        )
        has_new_exc = _child(c, "Exceptions") is not None
        for wd in _children(_child(c, "WeekDays"), "WeekDay"):
            dtype = int(ctx.num(_text(wd, "DayType"), "WeekDay/DayType", 0) or 0)
            working = _text(wd, "DayWorking") == "1"
            per = _periods(wd) if working else ()
            if dtype == 0:
                if has_new_exc:
                    continue
                tp = _child(wd, "TimePeriod")
                f = ctx.date(_text(tp, "FromDate"), "TimePeriod/FromDate")
                t = ctx.date(_text(tp, "ToDate"), "TimePeriod/ToDate")
                if f is not None and t is not None:
                    cal.add_exception(f, t, per)
            else:
                cal.week[(dtype + 5) % 7] = per  # 1 = Sunday -> 6, 2 = Monday -> 0
        for ex in _children(_child(c, "Exceptions"), "Exception"):
            _read_exception(cal, ex, ctx)
        for ww in _children(_child(c, "WorkWeeks"), "WorkWeek"):
            tp = _child(ww, "TimePeriod")
            f = ctx.date(_text(tp, "FromDate"), "WorkWeek/FromDate")
            t = ctx.date(_text(tp, "ToDate"), "WorkWeek/ToDate")
            week = {}
            for wd in _children(_child(ww, "WeekDays"), "WeekDay"):
                dtype = int(ctx.num(_text(wd, "DayType"), "WeekDay/DayType", 0) or 0)
                if dtype:
                    per = _periods(wd) if _text(wd, "DayWorking") == "1" else ()
                    week[(dtype + 5) % 7] = per
            if f is not None and t is not None:
                cal.work_weeks.append(_mk_ww(f, t, week))
        cals[uid] = cal
    for uid, base in bases.items():
        if base in cals:
            cals[uid].base = cals[base]
    return cals, pd.DataFrame(rows, columns=["calendar_id", "name", "is_base", "base_calendar_id"])


def _mk_ww(f: pd.Timestamp, t: pd.Timestamp, week: dict[int, Any]) -> Any:

    return WorkWeek(_day(f), _day(t), week)


_MS_WEEKDAY_BITS = [(2, 0), (4, 1), (8, 2), (16, 3), (32, 4), (64, 5), (1, 6)]


def _read_exception(cal: Calendar, ex: ET.Element, ctx: _Ctx) -> None:
    tp = _child(ex, "TimePeriod")
    f = ctx.date(_text(tp, "FromDate"), "Exception/FromDate")
    t = ctx.date(_text(tp, "ToDate"), "Exception/ToDate")
    if f is None or t is None:
        return
    per = _periods(ex) if _text(ex, "DayWorking") == "1" else ()
    name = _text(ex, "Name") or ""
    kind = int(ctx.num(_text(ex, "Type"), "Exception/Type", 1) or 1)
    occ = int(ctx.num(_text(ex, "Occurrences"), "Exception/Occurrences", 0) or 0) or None
    period = int(ctx.num(_text(ex, "Period"), "Exception/Period", 1) or 1)
    if kind == 1 and (occ is None or occ <= 1 or period == 1):
        cal.add_exception(f, t, per, name)
        return
    kw: dict[str, Any] = {"period": period}
    mi = _text(ex, "MonthItem")
    mp = _text(ex, "MonthPosition")
    if kind in (1, 7):
        days = recurring_days("daily", f, t, occ, **kw)
    elif kind == 6:
        bits = int(_text(ex, "DaysOfWeek") or 0)
        wds = [wd for b, wd in _MS_WEEKDAY_BITS if bits & b]
        days = recurring_days("weekly", f, t, occ, weekdays=wds, **kw)
    elif kind in (4, 2):  # monthly / yearly on a day of the month
        md = int(_text(ex, "MonthDay") or f.day)
        month = int(_text(ex, "Month") or (f.month - 1)) + 1
        days = recurring_days(
            "monthly" if kind == 4 else "yearly", f, t, occ, month_day=md, month=month, **kw
        )
    elif kind in (5, 3):  # monthly / yearly on the n-th weekday
        item = int(mi or 3)  # 3 = Sunday .. 9 = Saturday
        weekday = (item - 3 + 6) % 7
        month = int(_text(ex, "Month") or (f.month - 1)) + 1
        days = recurring_days(
            "monthly" if kind == 5 else "yearly",
            f,
            t,
            occ,
            month_item=int(mp or 0) + 1,
            month_weekday=weekday,
            month=month,
            **kw,
        )
    else:
        cal.add_exception(f, t, per, name)
        return
    cal.add_exception_days(days, per, name)


def _outline_parents(levels: list[int], uids: list[Any]) -> list[Any]:
    stack: list[tuple[int, Any]] = []
    parents = []
    for lvl, uid in zip(levels, uids, strict=True):
        while stack and stack[-1][0] >= lvl:
            stack.pop()
        parents.append(stack[-1][1] if stack else None)
        stack.append((lvl, uid))
    return parents


def _task_row(f: dict[str, str], uid: int, ctx: _Ctx, mpd: float) -> dict[str, Any]:
    """One task's fields (a value that cannot be read is an error naming the task)."""
    fmt = _fmt_base(int(f["DurationFormat"])) if f.get("DurationFormat", "").isdigit() else None
    dur = ctx.dur(f.get("Duration"), f"Task {uid}/Duration", mpd)
    ct = int(ctx.num(f.get("ConstraintType"), f"Task {uid}/ConstraintType", 0) or 0)
    if not 0 <= ct <= 7:
        raise ctx.err("unknown constraint type", f"Task {uid}/ConstraintType", ct, "0..7")

    def d(name: str) -> pd.Timestamp | None:
        return ctx.date(f.get(name), f"Task {uid}/{name}")

    def sl(name: str) -> float | None:
        v = ctx.num(f.get(name), f"Task {uid}/{name}")
        return None if v is None else v / 10.0

    cal_uid = f.get("CalendarUID")
    return {
        "uid": uid,
        "id": int(f["ID"]) if re.fullmatch(r"-?[0-9]+", f.get("ID", "")) else None,
        "name": f.get("Name", ""),
        "wbs": f.get("WBS"),
        "outline_number": f.get("OutlineNumber"),
        "outline_level": int(f.get("OutlineLevel") or (0 if uid == 0 else 1)),
        "duration_min": dur if dur is not None else 0.0,
        "duration_format": fmt,
        "elapsed": fmt in ELAPSED_FORMATS,
        "is_summary": f.get("Summary") == "1",
        "is_milestone": f.get("Milestone") == "1",
        "manual": f.get("Manual") == "1",
        "active": f.get("Active", "1") != "0",
        "constraint_type": CONSTRAINTS[ct],
        "constraint_date": d("ConstraintDate"),
        "calendar_id": None if cal_uid in (None, "", "-1") else cal_uid,
        "percent_complete": ctx.num(f.get("PercentComplete"), f"Task {uid}/PercentComplete", 0.0),
        "actual_start": d("ActualStart"),
        "actual_finish": d("ActualFinish"),
        "actual_duration_min": ctx.dur(f.get("ActualDuration"), f"Task {uid}/ActualDuration", mpd),
        "remaining_duration_min": ctx.dur(
            f.get("RemainingDuration"), f"Task {uid}/RemainingDuration", mpd
        ),
        "manual_start": d("ManualStart") if f.get("Manual") == "1" else None,
        "manual_finish": d("ManualFinish") if f.get("Manual") == "1" else None,
        "work_min": ctx.dur(f.get("Work"), f"Task {uid}/Work", mpd),
        "resume": d("Resume"),
        "stop": d("Stop"),
        "task_type": int(f.get("Type") or 0),
        "ms_start": d("Start"),
        "ms_finish": d("Finish"),
        "ms_early_start": d("EarlyStart"),
        "ms_early_finish": d("EarlyFinish"),
        "ms_late_start": d("LateStart"),
        "ms_late_finish": d("LateFinish"),
        "ms_total_slack_min": sl("TotalSlack"),
        "ms_free_slack_min": sl("FreeSlack"),
        "ms_critical": f.get("Critical") == "1" if "Critical" in f else None,
    }


def _task_links(t: ET.Element, uid: int, ctx: _Ctx) -> list[dict[str, Any]]:
    """The task's PredecessorLink elements as link rows (lags in working minutes, percent
    lags as the bare percent)."""
    out: list[dict[str, Any]] = []
    for pl in _children(t, "PredecessorLink"):
        pu = _text(pl, "PredecessorUID")
        if pu is None or not re.fullmatch(r"-?\d+", pu):
            raise ctx.err(
                "link without a valid predecessor", f"Task {uid}/PredecessorLink", pu, "a task UID"
            )
        ltype = int(ctx.num(_text(pl, "Type"), f"Task {uid}/PredecessorLink/Type", 1) or 0)
        if ltype not in LINK_TYPES:
            raise ctx.err("unknown link type", f"Task {uid}/PredecessorLink/Type", ltype, "0..3")
        lag = ctx.num(_text(pl, "LinkLag"), f"Task {uid}/PredecessorLink/LinkLag", 0.0) or 0.0
        lf_txt = _text(pl, "LagFormat")
        lf = _fmt_base(int(lf_txt)) if lf_txt and lf_txt.isdigit() else 7
        out.append(
            {
                "pred_uid": int(pu),
                "succ_uid": uid,
                "type": LINK_TYPES[ltype],
                "lag_min": 0.0 if lf in PERCENT_FORMATS else lag / 10.0,
                "lag_elapsed": lf in ELAPSED_FORMATS,
                # percent lags (LagFormat 19/20) hold the bare percent (-75 = -75 % of
                # the predecessor's duration), as MPXJ reads and writes them
                "lag_percent": lag if lf in PERCENT_FORMATS else 0.0,
                "lag_format": lf,
                "cross_project": _text(pl, "CrossProject") == "1",
            }
        )
    return out


def _task_baselines(t: ET.Element, uid: int, ctx: _Ctx, mpd: float) -> list[dict[str, Any]]:
    """The task's Baseline elements (number, dates, duration, work, cost)."""
    out: list[dict[str, Any]] = []
    for b in _children(t, "Baseline"):
        bf = _flat(b)
        out.append(
            {
                "uid": uid,
                "number": int(bf.get("Number") or 0),
                "start": ctx.date(bf.get("Start"), f"Task {uid}/Baseline/Start"),
                "finish": ctx.date(bf.get("Finish"), f"Task {uid}/Baseline/Finish"),
                "duration_min": ctx.dur(bf.get("Duration"), f"Task {uid}/Baseline/Duration", mpd),
                "work_min": ctx.dur(bf.get("Work"), f"Task {uid}/Baseline/Work", mpd),
                "cost": ctx.num(bf.get("Cost"), f"Task {uid}/Baseline/Cost"),
            }
        )
    return out


@dataclass
class _TaskParts:
    """What the Task elements hold, before it becomes tables."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    baselines: list[dict[str, Any]] = field(default_factory=list)
    raw: list[dict[str, str]] = field(default_factory=list)


def _read_tasks(root: ET.Element, ctx: _Ctx, mpd: float) -> _TaskParts:
    """Every Task element: its fields, links and baselines (null tasks: raw fields only)."""
    parts = _TaskParts()
    for t in _children(_child(root, "Tasks"), "Task"):
        f = _flat(t)
        uid_txt = f.get("UID")
        if uid_txt is None or not re.fullmatch(r"-?\d+", uid_txt):
            raise ctx.err("task without a valid UID", "Task/UID", uid_txt, "an integer")
        uid = int(uid_txt)
        parts.raw.append(f)
        if f.get("IsNull") == "1":
            continue
        parts.rows.append(_task_row(f, uid, ctx, mpd))
        parts.links += _task_links(t, uid, ctx)
        parts.baselines += _task_baselines(t, uid, ctx, mpd)
    return parts


def _task_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The tasks with ``parent_uid`` from the outline levels in ID order (top level: 0, the
    project summary, when the file has one)."""
    tasks = pd.DataFrame(rows)
    if len(tasks):
        order = tasks.sort_values("id", kind="stable") if tasks["id"].notna().all() else tasks
        parents = _outline_parents(order["outline_level"].tolist(), order["uid"].tolist())
        par = dict(zip(order["uid"], parents, strict=True))
        tasks["parent_uid"] = [None if u == 0 else par.get(u) for u in tasks["uid"]]
        tasks.loc[tasks["parent_uid"].isna() & (tasks["uid"] != 0), "parent_uid"] = (
            0 if (tasks["uid"] == 0).any() else None
        )
    return tasks


_LINK_COLUMNS = ["pred_uid", "succ_uid", "type", "lag_min", "lag_elapsed", "lag_percent",
                 "lag_format", "cross_project"]  # fmt: skip
_BASELINE_COLUMNS = ["uid", "number", "start", "finish", "duration_min", "work_min", "cost"]


def _timephased(assign_els: list[ET.Element], ctx: _Ctx, mpd: float) -> pd.DataFrame:
    """The assignments' TimephasedData rows."""
    tp_rows: list[dict[str, Any]] = []
    for a in assign_els:
        a_uid, t_uid = _text(a, "UID"), _text(a, "TaskUID")
        for tp in _children(a, "TimephasedData"):
            value = _text(tp, "Value")
            tp_rows.append(
                {
                    "assignment_uid": a_uid,
                    "task_uid": t_uid,
                    "type": int(ctx.num(_text(tp, "Type"), "TimephasedData/Type", 0) or 0),
                    # Project itself writes malformed times here ('17:-0:00'): such a
                    # row is dropped from use (NaT), not an error for the whole file
                    "start": pd.to_datetime(_text(tp, "Start"), errors="coerce"),
                    "finish": pd.to_datetime(_text(tp, "Finish"), errors="coerce"),
                    "work_min": ctx.dur(value, "TimephasedData/Value", mpd),
                }
            )
    return pd.DataFrame(
        tp_rows, columns=["assignment_uid", "task_uid", "type", "start", "finish", "work_min"]
    )


def read_mspdi(path: str | Path) -> MspdiProject:
    """Read an MSPDI file into pmkit tables (see :class:`MspdiProject`): the document is
    checked, then calendars, tasks (fields, links, baselines), resources and assignments
    are read; every value that cannot be read is an error naming the file and element."""
    p = str(path)
    ctx = _Ctx(p)
    root = _parse(p)
    check_document(root, p)
    props = _flat(root)
    mpd = float(ctx.num(props.get("MinutesPerDay"), "MinutesPerDay", 480) or 480)
    cals, cal_table = _read_calendars(root, ctx)
    parts = _read_tasks(root, ctx, mpd)
    tasks = _task_table(parts.rows)
    link_df, notes = drop_duplicate_links(pd.DataFrame(parts.links, columns=_LINK_COLUMNS))
    check_links(tasks, link_df, p)
    resources = pd.DataFrame([_flat(r) for r in _children(_child(root, "Resources"), "Resource")])
    assign_els = _children(_child(root, "Assignments"), "Assignment")
    return MspdiProject(
        path=p,
        props=props,
        tasks=tasks,
        links=link_df,
        calendars=cals,
        calendar_table=cal_table,
        resources=resources,
        assignments=pd.DataFrame([_flat(a) for a in assign_els]),
        baselines=pd.DataFrame(parts.baselines, columns=_BASELINE_COLUMNS),
        raw_tasks=parts.raw,
        timephased=_timephased(assign_els, ctx, mpd),
        notes=notes,
    )


# ---------------------------------------------------------------------------- writing
#: characters XML 1.0 cannot hold (control characters but tab and line ends; surrogates)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _sub(parent: ET.Element, tag: str, text: Any) -> ET.Element:
    """A child element; text XML cannot hold (a vertical tab pasted from a spreadsheet in a
    task name) becomes a space, so the file stays readable by Project and by pmkit."""
    el = ET.SubElement(parent, tag)
    if isinstance(text, float):
        # xsd:decimal has no exponent: str() writes 1e+17 for a huge cost, 1e-07 for a tiny one
        el.text = format(Decimal(repr(float(text))), "f")
    elif text is not None:
        el.text = _NOT_XML.sub(" ", str(text))
    return el


def _write_calendar(parent: ET.Element, uid: str, cal: Calendar, uids: dict[int, str]) -> None:
    c = _sub(parent, "Calendar", None)
    _sub(c, "UID", uid)
    _sub(c, "Name", cal.name)
    _sub(c, "IsBaseCalendar", 0 if cal.base is not None else 1)
    _sub(c, "BaseCalendarUID", uids.get(id(cal.base), "-1") if cal.base is not None else -1)
    wds = _sub(c, "WeekDays", None)
    for wd in range(7):
        if wd not in cal.week:
            continue
        per = cal.week[wd]
        w = _sub(wds, "WeekDay", None)
        _sub(w, "DayType", (wd + 1) % 7 + 1)
        _sub(w, "DayWorking", 1 if per else 0)
        if per:
            wts = _sub(w, "WorkingTimes", None)
            for s, e in per:
                wt = _sub(wts, "WorkingTime", None)
                _sub(wt, "FromTime", f"{s // 60:02d}:{s % 60:02d}:00")
                _sub(wt, "ToTime", f"{(e // 60) % 24:02d}:{e % 60:02d}:00")
    if cal.exceptions:
        exs = _sub(c, "Exceptions", None)
        for ex in cal.exceptions:
            ex_el = _sub(exs, "Exception", None)
            tp = _sub(ex_el, "TimePeriod", None)
            _sub(tp, "FromDate", f"{np.datetime64(ex.start, 'D')}T00:00:00")
            _sub(tp, "ToDate", f"{np.datetime64(ex.end, 'D')}T23:59:00")
            _sub(ex_el, "Occurrences", 1)
            _sub(ex_el, "Name", ex.name)
            _sub(ex_el, "Type", 1)
            _sub(ex_el, "DayWorking", 1 if ex.periods else 0)
            if ex.periods:
                wts = _sub(ex_el, "WorkingTimes", None)
                for s, en in ex.periods:
                    wt = _sub(wts, "WorkingTime", None)
                    _sub(wt, "FromTime", f"{s // 60:02d}:{s % 60:02d}:00")
                    _sub(wt, "ToTime", f"{(en // 60) % 24:02d}:{en % 60:02d}:00")


def _write_baselines(tasks_el: ET.Element, baselines: pd.DataFrame | None) -> None:
    """Each task's ``Baseline`` elements (number, start, finish, duration, work, cost)."""
    if baselines is None or not len(baselines):
        return
    by_uid = {str(_text(te, "UID")): te for te in tasks_el}
    for b in baselines.to_dict("records"):
        te = by_uid.get(str(b["uid"]))
        if te is None:
            continue
        be = _sub(te, "Baseline", None)
        _sub(be, "Number", int(b.get("number") or 0))
        for col, tag in (("start", "Start"), ("finish", "Finish")):
            v = _fmt_date(b.get(col))
            if v:
                _sub(be, tag, v)
        for col, tag in (("duration_min", "Duration"), ("work_min", "Work")):
            v = b.get(col)
            if v is not None and not pd.isna(v):
                _sub(be, tag, format_duration(float(v)))
        v = b.get("cost")
        if v is not None and not pd.isna(v):
            _sub(be, "Cost", v)


_PROP_TAGS = (
    "Name",
    "Title",
    "ScheduleFromStart",
    "StartDate",
    "FinishDate",
    "CalendarUID",
    "DefaultStartTime",
    "DefaultFinishTime",
    "MinutesPerDay",
    "MinutesPerWeek",
    "DaysPerMonth",
    "MoveCompletedEndsBack",
    "MoveRemainingStartsBack",
    "MoveRemainingStartsForward",
    "MoveCompletedEndsForward",
    "StatusDate",
    "CurrentDate",
)  # the schema's order


def _present(v: Any) -> bool:
    """A value worth writing: not None and not NaN/NaT."""
    return v is not None and not pd.isna(v)


def _sub_dates(te: ET.Element, t: Mapping[str, Any], pairs: tuple[tuple[str, str], ...]) -> None:
    """One element per (column, tag) whose date is present."""
    for col, tag in pairs:
        v = _fmt_date(t.get(col))
        if v:
            _sub(te, tag, v)


def _write_task_head(te: ET.Element, t: Mapping[str, Any]) -> None:
    """UID, ID, name, WBS, outline, manual flag, shown dates, duration and flags."""
    _sub(te, "UID", t["uid"])
    if _present(t.get("id")):
        _sub(te, "ID", int(t["id"]))
    _sub(te, "Name", t.get("name") or "")
    for col, tag in (("wbs", "WBS"), ("outline_number", "OutlineNumber")):
        if t.get(col) not in (None, "") and not pd.isna(t.get(col)):
            _sub(te, tag, t[col])
    _sub(te, "OutlineLevel", int(t.get("outline_level") or 0))
    _sub(te, "Manual", 1 if t.get("manual") else 0)
    _sub_dates(te, t, (("ms_start", "Start"), ("ms_finish", "Finish")))
    _sub(te, "Duration", format_duration(float(t.get("duration_min") or 0)))
    fmt = t.get("duration_format")
    if fmt is None or pd.isna(fmt):
        fmt = 8 if t.get("elapsed") else 7
    _sub(te, "DurationFormat", int(fmt))
    _sub_dates(te, t, (("stop", "Stop"), ("resume", "Resume")))
    _sub(te, "Milestone", 1 if t.get("is_milestone") else 0)
    _sub(te, "Summary", 1 if t.get("is_summary") else 0)


def _write_task_results(te: ET.Element, t: Mapping[str, Any]) -> None:
    """The stored schedule results: critical flag, early/late dates and slack."""
    if _present(t.get("ms_critical")):
        _sub(te, "Critical", 1 if t["ms_critical"] else 0)
    _sub_dates(
        te,
        t,
        (
            ("ms_early_start", "EarlyStart"),
            ("ms_early_finish", "EarlyFinish"),
            ("ms_late_start", "LateStart"),
            ("ms_late_finish", "LateFinish"),
        ),
    )
    for col, tag in (("ms_free_slack_min", "FreeSlack"), ("ms_total_slack_min", "TotalSlack")):
        v = t.get(col)
        if v is not None and not pd.isna(v):
            _sub(te, tag, round(float(v) * 10))


def _write_task_progress(te: ET.Element, t: Mapping[str, Any]) -> None:
    """Percent complete, actual/remaining durations, actual dates, constraint, calendar and
    a manual task's typed dates."""
    _sub(te, "PercentComplete", round(float(t.get("percent_complete") or 0)))
    for col, tag in (
        ("actual_duration_min", "ActualDuration"),
        ("remaining_duration_min", "RemainingDuration"),
    ):
        v = t.get(col)
        if v is not None and not pd.isna(v):
            _sub(te, tag, format_duration(float(v)))
    _sub_dates(te, t, (("actual_start", "ActualStart"), ("actual_finish", "ActualFinish")))
    _sub(te, "ConstraintType", CONSTRAINTS.index(t.get("constraint_type") or "ASAP"))
    _sub_dates(te, t, (("constraint_date", "ConstraintDate"),))
    cal_id = t.get("calendar_id")
    _sub(te, "CalendarUID", -1 if cal_id is None or pd.isna(cal_id) else cal_id)
    if t.get("ignore_resource_calendar") is True:
        _sub(te, "IgnoreResourceCalendar", 1)
    if t.get("manual"):
        _sub_dates(te, t, (("manual_start", "ManualStart"), ("manual_finish", "ManualFinish")))


def _in_schema_order(el: ET.Element, record: str) -> None:
    """Put a record's children in the schema's order (stable: repeated links keep theirs;
    an element the schema lacks goes last). Project validates MSPDI against the schema: an
    element out of sequence can refuse the file or drop the field."""
    pos = POSITION[record]
    el[:] = sorted(el, key=lambda k: pos.get(_strip(k.tag), len(pos)))


def _write_pred_links(te: ET.Element, links: list[dict[Any, Any]]) -> None:
    """The task's PredecessorLink elements (a percent lag is written as the bare percent)."""
    for lk in links:
        pl = _sub(te, "PredecessorLink", None)
        _sub(pl, "PredecessorUID", lk["pred_uid"])
        _sub(pl, "Type", LINK_CODES[lk["type"]])
        pct = float(lk.get("lag_percent") or 0)
        if pct:
            _sub(pl, "LinkLag", round(pct))
            _sub(pl, "LagFormat", 20 if lk.get("lag_elapsed") else 19)
        else:
            _sub(pl, "LinkLag", round(float(lk.get("lag_min") or 0) * 10))
            lf = lk.get("lag_format")
            if lf is None or pd.isna(lf):
                lf = 8 if lk.get("lag_elapsed") else 7
            _sub(pl, "LagFormat", int(lf))


def _write_tasks(root: ET.Element, project: MspdiProject) -> None:
    """The Tasks element: one Task per row with its links, then the baselines."""
    tasks_el = _sub(root, "Tasks", None)
    preds: dict[Any, list[dict[Any, Any]]] = {}
    for lk in project.links.to_dict("records"):
        preds.setdefault(lk["succ_uid"], []).append(lk)
    for t in project.tasks.to_dict("records"):
        te = _sub(tasks_el, "Task", None)
        _write_task_head(te, t)
        _write_task_results(te, t)
        _write_task_progress(te, t)
        _write_pred_links(te, preds.get(t["uid"], []))
    _write_baselines(tasks_el, project.baselines)
    for te in tasks_el:
        _in_schema_order(te, "Task")


def _write_records(root: ET.Element, project: MspdiProject) -> None:
    """Resources and assignments: one element per present field."""
    for tag, df, item in (
        ("Resources", project.resources, "Resource"),
        ("Assignments", project.assignments, "Assignment"),
    ):
        if df is not None and len(df):
            parent = _sub(root, tag, None)
            for rec in df.to_dict("records"):
                el = _sub(parent, item, None)
                for key, v in rec.items():
                    if v is not None and not (isinstance(v, float) and np.isnan(v)):
                        _sub(el, str(key), v)
                _in_schema_order(el, item)


def write_mspdi(project: MspdiProject, path: str | Path) -> None:
    """Write ``project`` as MSPDI: properties, calendars, tasks with links and constraints,
    stored schedule results (``ms_*`` columns, or pmkit's own if present), resources and
    assignments (their simple fields)."""
    ET.register_namespace("", NS)
    root = ET.Element(f"{{{NS}}}Project")
    props = dict(project.props)
    for k in _PROP_TAGS:
        if props.get(k) not in (None, ""):
            _sub(root, k, props[k])
    cals = _sub(root, "Calendars", None)
    uids = {id(c): str(u) for u, c in project.calendars.items()}
    for uid, cal in project.calendars.items():
        _write_calendar(cals, str(uid), cal, uids)
    _write_tasks(root, project)
    _write_records(root, project)
    ET.indent(root, space="  ")
    data = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    Path(path).write_bytes(data)
