"""Checks on the text schedule formats (MPX, Primavera XER) before MPXJ reads them.

MPXJ is a lenient reader: it takes ``31/02/2026`` in an MPX file as a date (Java's date
resolver moves it), reads an XER file without its end record ``%E`` (a file cut after the
task table imports every task and no link) and drops a predecessor that names a task the
file does not hold (what an MPX file cut between two task records looks like). Each of those
is half a project or a wrong date. These checks read the text first and refuse, naming the
file, the line, the record or table and the field; nothing is imported.

What a check can prove about a cut is limited by the format. XER ends with ``%E``: anything
without it is refused. MPX has no end record, so a file cut exactly at a line break is
refused only when the cut left a proof behind: the last task says it is a summary but no
task follows it, or a link names a task that is not in the file. A cut between two plain
tasks with no link across it cannot be told from a shorter project.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pmkit.errors import MspdiError

__all__ = ["check_mpx", "check_p6_xml", "check_schedule_text", "check_xer"]

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS |= {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_YES = {"yes", "ja", "oui", "si", "sí", "sim", "да", "是", "1", "true"}  # MPXJ's locales

# MPX task fields holding a date (MPXJ's MPXTaskField): start/finish and their early, late,
# baseline, actual and custom copies, constraint date, created, stop, resume.
_MPX_TASK_DATES = frozenset({*range(50, 66), 68, 125, 126, 127, 128, 129, 150, 151, 152})
_MPX_TASK_ID, _MPX_TASK_UID, _MPX_TASK_SUMMARY = 90, 98, 120
_MPX_LINKS = {70: "Predecessors", 71: "Successors", 74: "Unique ID Predecessors",
              75: "Unique ID Successors"}  # fmt: skip
# Dates of the other records, by position after the record number (MPX 4.0 layout).
_MPX_RECORD_DATES: dict[str, dict[int, str]] = {
    "26": {1: "From Date", 2: "To Date"},  # base calendar exception
    "56": {1: "From Date", 2: "To Date"},  # resource calendar exception
    "30": {5: "Start Date", 6: "Finish Date", 8: "Current Date", 21: "Baseline Start",
           22: "Baseline Finish", 23: "Actual Start", 24: "Actual Finish"},  # project header
    "75": {10: "Start", 11: "Finish"},  # resource assignment
}  # fmt: skip
_MPX_RECORD_NAMES = {"26": "calendar exception", "56": "resource calendar exception",
                     "30": "project header", "75": "resource assignment", "70": "task"}  # fmt: skip
_P6_DATE = re.compile(r"<([\w:]+)>\s*(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?")
_XER_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?")


def check_schedule_text(src: Path, *, p6_xml: bool = False) -> list[str]:
    """:func:`check_mpx`, :func:`check_xer` or :func:`check_p6_xml` by the file's ending
    (other files untouched); returns the warnings for the import report (a link given twice,
    which MPXJ keeps once without a word)."""
    suffix = src.suffix.lower()
    if suffix == ".mpx":
        return check_mpx(src)
    if suffix == ".xer":
        return check_xer(src)
    if suffix == ".pmxml" or p6_xml:
        check_p6_xml(src)
    return []


# ----------------------------------------------------------------------------------- dates


def _year(text: str) -> int:
    """A year as MPXJ reads it: two digits fall in the 100 years from 80 years ago."""
    year = int(text)
    if len(text) > 2:
        return year
    base = date.today().year - 80
    full = base - base % 100 + year
    return full + 100 if full < base else full


def _day_problem(year: int, month: int, day: int) -> str | None:
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    last = calendar.monthrange(year, month)[1] if 1 <= year <= 9999 else 31
    if not 1 <= day <= last:
        return f"{calendar.month_name[month]} {year} has no day {day}"
    return None


def _time_problem(hour: int, minute: int, twelve_hour: bool) -> str | None:
    if minute > 59 or hour > (12 if twelve_hour else 24) or (hour == 24 and minute):
        return f"there is no time {hour:02d}:{minute:02d}" + (" am/pm" if twelve_hour else "")
    return None


@dataclass
class _MpxDates:
    """How the file writes dates (its record 12): order of day, month, year and separators."""

    order: str = "MDY"
    sep: str = "/"
    tsep: str = ":"
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        s, t = re.escape(self.sep), re.escape(self.tsep)
        self.pattern = re.compile(
            rf"(\d{{1,4}}){s}(\d{{1,2}}){s}(\d{{1,4}})(?:\D+?(\d{{1,2}}){t}(\d{{2}})\s*(\S*))?"
        )

    def problem(self, value: str) -> str | None:
        """Why ``value`` is no date (None: a real date, or a form left to MPXJ to judge)."""
        m = self.pattern.search(value)
        if m is None:
            return _named_month_problem(value)
        a, b, c = m.group(1, 2, 3)
        if self.order == "DMY":
            day, month, year = int(a), int(b), _year(c)
        elif self.order == "YMD":
            year, month, day = _year(a), int(b), int(c)
        else:
            month, day, year = int(a), int(b), _year(c)
        found = _day_problem(year, month, day)
        if found is None and m.group(4) is not None:
            found = _time_problem(int(m.group(4)), int(m.group(5)), bool(m.group(6)))
        return found


def _named_month_problem(value: str) -> str | None:
    """``14 November 2005 08:00`` (an MPX date format with the month's name, English)."""
    m = re.search(r"(\d{1,2})\s+([^\W\d_]+)\.?,?\s+(\d{4})", value)
    if m is None or m.group(2).lower() not in _MONTHS:
        return None
    return _day_problem(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))


# ------------------------------------------------------------------------------------- MPX


@dataclass
class _MpxTask:
    line: int
    cells: dict[int, str]

    def label(self) -> str:
        name = self.cells.get(1, "")
        tid = self.cells.get(_MPX_TASK_ID, "")
        return f"task {tid} {name!r}".replace("  ", " ")


def _mpx_records(src: Path) -> Iterator[tuple[int, list[str]]]:
    """``(line, cells)`` of every record, quotes and the file's delimiter understood."""
    data = src.read_bytes()
    if not data.startswith(b"MPX") or len(data) < 4:
        return
    text = data.decode("latin-1")  # digits and separators are ASCII in every MPX code page
    limit = csv.field_size_limit(len(text) + 1)  # a long note is one field
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=chr(data[3]), quotechar='"')
        for cells in reader:
            if cells:
                yield reader.line_num, cells
    except (csv.Error, TypeError, ValueError):
        return  # an odd delimiter or quoting: left to MPXJ, which says where
    finally:
        csv.field_size_limit(limit)


def check_mpx(src: Path) -> list[str]:
    """Refuse an MPX file with an impossible date or a provable cut (see the module);
    return a warning per task that names the same predecessor twice."""
    fmt = _MpxDates()
    model: list[int] = []
    header: list[str] = []
    names: dict[int, str] = {}
    tasks: list[_MpxTask] = []
    for line, cells in _mpx_records(src):
        kind = cells[0].strip()
        if kind == "12" and len(cells) > 5:
            order = {"0": "MDY", "1": "DMY", "2": "YMD"}.get(cells[1].strip(), "MDY")
            fmt = _MpxDates(order, cells[4] or "/", cells[5] or ":")
        elif kind == "60":
            header = cells[1:]
        elif kind == "61":
            numbers = [c.strip() for c in cells[1:]]
            model = [int(c) if re.fullmatch(r"[0-9]+", c) else -1 for c in numbers]
            names = dict(zip(model, header, strict=False))
        elif kind == "70" and model:
            task = _MpxTask(line, {n: v.strip() for n, v in zip(model, cells[1:], strict=False)})
            tasks.append(task)
            for number, value in task.cells.items():
                if number in _MPX_TASK_DATES:
                    _check_mpx_date(src, fmt, line, value, f"{task.label()}, "
                                    f"{names.get(number) or f'field {number}'}")  # fmt: skip
        if kind in _MPX_RECORD_DATES:
            for pos, what in _MPX_RECORD_DATES[kind].items():
                if pos < len(cells):
                    where = f"{_MPX_RECORD_NAMES[kind]} (record {kind}), {what}"
                    _check_mpx_date(src, fmt, line, cells[pos].strip(), where)
    _check_mpx_cut(src, tasks, names.get(_MPX_TASK_SUMMARY) or "Summary")
    return _mpx_duplicate_links(tasks)


def _mpx_duplicate_links(tasks: list[_MpxTask]) -> list[str]:
    """The CSV door's "duplicate link" warning for a task listing a predecessor twice."""
    notes = []
    for task in tasks:
        for number in (70, 74):
            refs = [m.group(1) for x in re.split(r"[,;]", task.cells.get(number, ""))
                    if (m := re.match(r"\s*(\d+)", x))]  # fmt: skip
            for ref in dict.fromkeys(r for r in refs if refs.count(r) > 1):
                notes.append(
                    f"line {task.line}, {task.label()}: duplicate link from task "
                    f"{'UID ' if number == 74 else ''}{ref} ({refs.count(ref)} times in "
                    f"{_MPX_LINKS[number]}), kept once"
                )
    return notes


def _check_mpx_date(src: Path, fmt: _MpxDates, line: int, value: str, where: str) -> None:
    if not value or not any(ch.isdigit() for ch in value):
        return  # empty or NA
    found = fmt.problem(value)
    if found:
        raise MspdiError(
            f"impossible date: {found}; nothing was imported",
            file=str(src),
            line=line,
            field=where,
            value=value,
            expected=f"a real date in the file's order ({fmt.order}, separator {fmt.sep!r})",
        )


def _check_mpx_cut(src: Path, tasks: list[_MpxTask], summary_name: str = "Summary") -> None:
    """The proofs an MPX file cut at a line break leaves behind (see the module)."""
    if not tasks:
        return
    last = tasks[-1]
    level0 = last.cells.get(3, "") == "0" or last.cells.get(_MPX_TASK_ID, "") == "0"
    if last.cells.get(_MPX_TASK_SUMMARY, "").strip(" \u00ad").lower() in _YES and not level0:
        raise MspdiError(
            f"the file ends at {last.label()}, a summary task with none of its tasks after "
            "it: it looks cut off (a partial download or copy); nothing was imported",
            file=str(src),
            line=last.line,
            field=summary_name,
            expected="a complete MPX file (each summary task followed by its tasks)",
        )
    known = {
        "id": {t.cells[_MPX_TASK_ID] for t in tasks if t.cells.get(_MPX_TASK_ID)},
        "uid": {t.cells[_MPX_TASK_UID] for t in tasks if t.cells.get(_MPX_TASK_UID)},
    }
    for task in tasks:
        for number, what in _MPX_LINKS.items():
            ids = known["uid" if number in (74, 75) else "id"]
            for item in re.split(r"[,;]", task.cells.get(number, "")):
                ref = re.match(r"\s*(\d+)", item)
                if ids and ref and ref.group(1) not in ids:
                    raise MspdiError(
                        f"{task.label()} is linked to task {ref.group(1)}, which is not in the "
                        "file: it looks cut off or damaged; nothing was imported",
                        file=str(src),
                        line=task.line,
                        field=what,
                        value=item.strip(),
                        expected="links between tasks of the file",
                    )


# ------------------------------------------------------------------------------------- XER


def check_xer(src: Path) -> list[str]:
    """Refuse an XER file without its end record ``%E`` (cut off), with a row longer than
    its table's field list, or with an impossible date; each named by line, table, field.

    Rows shorter than the field list are P6's own (trailing empty fields left out). Returns
    a warning per link (TASKPRED row) that repeats another's predecessor and successor."""
    data = src.read_bytes()
    if not data.lstrip(b"\xef\xbb\xbf").startswith(b"ERMHDR"):
        return []  # not XER text: MPXJ says what it is
    table, fields, last = "", list[str](), 0
    links: dict[tuple[str, str], int] = {}
    notes: list[str] = []
    for line, raw in enumerate(data.decode("latin-1").split("\n"), start=1):
        cells = raw.rstrip("\r").split("\t")
        last = line if raw.strip() else last
        tag = cells[0]
        if tag == "%E":
            return notes
        if tag == "%T":
            table, fields = (cells[1] if len(cells) > 1 else ""), []
        elif tag == "%F":
            fields = cells[1:]
        elif tag == "%R":
            _check_xer_row(src, line, table, fields, cells[1:])
            if table == "TASKPRED":
                row = dict(zip(fields, cells[1:], strict=False))
                pair = (row.get("pred_task_id", ""), row.get("task_id", ""))
                if pair in links:
                    notes.append(
                        f"line {line}, table TASKPRED: duplicate link from activity {pair[0]} "
                        f"to {pair[1]}, first on line {links[pair]}; kept once"
                    )
                links.setdefault(pair, line)
    raise MspdiError(
        "the file has no end record (%E): it looks cut off (a partial download or copy)"
        + (f" in table {table}" if table else "")
        + "; nothing was imported",
        file=str(src),
        line=last,
        expected="a complete XER file (its last record is %E)",
    )


def _check_xer_row(src: Path, line: int, table: str, fields: list[str], row: list[str]) -> None:
    if not fields or any(c.strip() for c in row[len(fields) :]):  # a trailing tab is no value
        raise MspdiError(
            f"a row of table {table or '?'} has {len(row)} values for {len(fields)} fields",
            file=str(src),
            line=line,
            field=table or None,
            expected="at most one value per field of the table's %F record",
        )
    for name, value in zip(fields, row, strict=False):
        m = _XER_DATE.fullmatch(value)
        if m is None:
            continue
        year, month, day = (int(g) for g in m.group(1, 2, 3))
        found = _day_problem(year, month, day)
        if found is None and m.group(4) is not None:
            found = _time_problem(int(m.group(4)), int(m.group(5)), False)
        if found:
            raise MspdiError(
                f"impossible date: {found}; nothing was imported",
                file=str(src),
                line=line,
                field=f"{table}.{name}",
                value=value,
                expected="a real date and time (yyyy-mm-dd hh:mm)",
            )


# ---------------------------------------------------------------------------------- P6 XML


def check_p6_xml(src: Path) -> None:
    """Refuse a P6 XML file holding an impossible date-time (``2026-02-30T08:00:00``,
    ``T25:00``): MPXJ's reader moves it to another day without a word. Named by line and
    element; a malformed file is left to the XML parser, which says where."""
    text = src.read_bytes().decode("utf-8", errors="replace")
    for m in _P6_DATE.finditer(text):
        year, month, day, hour, minute = (int(g) for g in m.group(2, 3, 4, 5, 6))
        second = int(m.group(7) or 0)
        found = _day_problem(year, month, day)
        if found is None and (second > 59 or (hour == 24 and second)):
            found = f"there is no time {hour:02d}:{minute:02d}:{second:02d}"
        found = found or _time_problem(hour, minute, False)
        if found:
            raise MspdiError(
                f"impossible date: {found}; nothing was imported",
                file=str(src),
                line=text.count("\n", 0, m.start()) + 1,
                field=f"<{m.group(1)}>",
                value=m.group(0).split(">", 1)[1].strip(),
                expected="a real date and time (yyyy-mm-ddThh:mm:ss)",
            )
