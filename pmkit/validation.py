"""Validation at the door: turn raw text tables into typed ones, and collect every problem.

The reader (``pmkit.io.csv_folder`` today, an Excel reader tomorrow) hands over each table as
text cells plus the file line of each row; :func:`validate_tables` parses the cells, runs the
single-cell pandera rules of each table (:data:`pmkit.model.CELL_SCHEMAS`) and the cross-table
rules (foreign keys, wbs, dates in order, dependency cycles), and returns typed tables with one
:class:`ValidationReport`. Nothing raises for bad data: all problems of all files are collected,
so a user fixes them in one pass. Every check is vectorised; Python loops only format the
messages of rows already known to be bad.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from pmkit import _graph, model
from pmkit.errors import PortfolioValidationError, describe
from pmkit.model import DATE_DTYPE, TABLES, Field, TableSpec
from pmkit.vocabulary import (
    CALENDAR_RANGE,
    CONSTRAINTS_WITH_DATE,
    DATE_FORMAT,
    OPPORTUNITY_RESPONSES,
    THREAT_RESPONSES,
    WEEKDAYS,
)

__all__ = [
    "FOREIGN_KEYS",
    "REASONS",
    "ForeignKey",
    "RawTable",
    "ValidationIssue",
    "ValidationReport",
    "find_cycles",
    "validate_tables",
]

Severity = Literal["error", "warning", "note"]  # a note: what was assumed while reading
MAX_PER_RULE = 1000  # beyond this many rows breaking one rule, one "... and N more" issue
_WBS = r"^\d+(?:\.\d+)*$"

REASONS: dict[str, str] = {
    # the reader (pmkit.io): the file itself
    "missing-file": "a table's file is missing",
    "file": "the file cannot be read as a table (format, encoding, header, rows of another width)",
    "read-note": "how the file was read (dialect, encoding, date order): a note",
    # one table's cells
    "missing-column": "the header lacks a column of the table",
    "unknown-column": "a column pmkit does not know (kept as text, not used)",
    "bad-date": "a cell that is not a date (or a 'no date' placeholder, or out of range)",
    "bad-number": "a cell that is not a number (or is too large)",
    "bad-value": "a cell that cannot be read as its type (a boolean, say)",
    "required": "an empty cell where a value is required",
    "not-allowed": "a value outside the field's allowed set",
    "out-of-range": "a value outside the field's range",
    "duplicate": "a key that appears twice (the first line is named)",
    # across tables
    "foreign-key": "a reference to an id that does not exist (see FOREIGN_KEYS)",
    "wrong-project": "a referenced task belongs to another project",
    "calendar": "a calendar's weekdays, working periods or hours per day",
    "wbs": "an outline number, level or summary flag that does not fit the outline",
    "summary-task": "a summary task used as a leaf (an assignment, a link, a duration)",
    "milestone": "a milestone with a duration, or a milestone forecast for another task",
    "estimates": "three-point estimates out of order",
    "constraint": "a constraint that needs a date has none",
    "progress": "% complete and actual dates that disagree",
    "date-order": "a date before the date it must follow",
    "self-link": "a task linked to itself",
    "cycle": "links that form a dependency cycle",
    "budget": "a budget that differs from its tasks' budgeted cost",
    "response": "a risk response of the other kind (threat vs opportunity)",
    "decision": "a pending change request with a decision date",
    "snapshot": "status-report figures that fall or exceed the budget",
    "standards": "a value of standards.yaml",
}
"""Every reason code an issue may carry, and what it means (docs/DATA-MODEL.md lists them)."""


@dataclass(frozen=True)
class ValidationIssue:
    """One problem: ``file`` ``line`` ``field``, the ``value`` found and what was expected.

    ``code`` is the rule's short, stable reason (one of :data:`REASONS`, e.g. ``"foreign-key"``):
    match it, not the message, which is prose for people and may be reworded.
    """

    file: str
    line: int | None
    field: str | None
    value: Any
    expected: str | None
    message: str
    severity: Severity = "error"
    code: str = ""

    def __str__(self) -> str:
        return describe(self.message, self.file, self.line, self.field, self.value, self.expected)


@dataclass
class ValidationReport:
    """Every problem found in a portfolio; ``ok`` when there is no error (warnings allowed)."""

    issues: list[ValidationIssue] = field(default_factory=list)
    source: str = ""

    @property
    def errors(self) -> list[ValidationIssue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[ValidationIssue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def notes(self) -> list[ValidationIssue]:
        """What the reader detected or assumed (dialect, encoding, 'no date' placeholders)."""
        return [i for i in self.issues if i.severity == "note"]

    @property
    def ok(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)

    def __bool__(self) -> bool:  # a report is truthy when the data is fine
        return self.ok

    def __len__(self) -> int:
        return len(self.issues)

    def to_frame(self) -> pd.DataFrame:
        """One row per issue (file, line, field, value, expected, message, severity, code)."""
        cols = ["file", "line", "field", "value", "expected", "message", "severity", "code"]
        rows = [asdict(i) for i in self.issues]
        df = pd.DataFrame(rows, columns=cols)
        df["line"] = df["line"].astype("Int64")
        df["value"] = df["value"].map(lambda v: "" if v is None else str(v)).astype("str")
        return df

    def __str__(self) -> str:
        n_err, n_warn = len(self.errors), len(self.warnings)
        head = f"{n_err} error(s), {n_warn} warning(s)"
        if self.notes:
            head += f", {len(self.notes)} note(s)"
        if self.source:
            head = f"{self.source}: {head}"
        if not self.issues:
            return head
        out = [head]
        by_file: dict[str, list[ValidationIssue]] = {}
        for issue in self.issues:
            by_file.setdefault(issue.file, []).append(issue)
        for file, issues in by_file.items():
            out.append(f"\n{file}")
            rank = {"error": 0, "warning": 1, "note": 2}
            issues.sort(key=lambda i: (rank[i.severity], i.line or 0))
            for i in issues:
                out.append(f"  {i.severity.upper():7} {i}")
        return "\n".join(out)

    def raise_if_errors(self) -> None:
        """Raise :class:`PortfolioValidationError` (carrying this report) if there is an error."""
        errs = self.errors
        if not errs:
            return
        first = errs[0]
        raise PortfolioValidationError(
            f"{len(errs)} error(s) in the portfolio; first: {first.message}",
            report=self,
            file=first.file,
            line=first.line,
            field=first.field,
            value=first.value if first.value != "" else None,
            expected=first.expected,
        )


@dataclass
class RawTable:
    """A table as read: text cells (empty -> ``""``) and the file line of each row."""

    data: pd.DataFrame
    lines: np.ndarray


class _Collector:
    """Collects issues; ``rows`` formats the bad rows of one vectorised rule."""

    def __init__(self) -> None:
        self.issues: list[ValidationIssue] = []

    def add(
        self,
        file: str,
        line: int | None,
        fld: str | None,
        value: Any,
        expected: str | None,
        message: str,
        severity: Severity = "error",
        *,
        code: str = "",
    ) -> None:
        self.issues.append(
            ValidationIssue(file, line, fld, value, expected, message, severity, code)
        )

    def rows(
        self,
        spec: TableSpec,
        raw: RawTable,
        bad: np.ndarray | pd.Series,
        fld: str | None,
        message: str | Iterable[str],
        expected: str | None,
        *,
        values: Iterable[Any] | None = None,
        severity: Severity = "error",
        code: str = "",
    ) -> None:
        """One issue per ``True`` of ``bad`` (positions), value from the raw cell by default."""
        pos = np.flatnonzero(np.asarray(bad, dtype=bool))
        if pos.size == 0:
            return
        extra = pos.size - MAX_PER_RULE
        pos_k = pos[:MAX_PER_RULE]
        if values is None:
            vals: list[Any] = (
                raw.data[fld].to_numpy()[pos_k].tolist() if fld in raw.data else [None] * len(pos_k)
            )
        else:
            vals = list(np.asarray(list(values), dtype=object)[:MAX_PER_RULE])
        msgs = [message] * len(pos_k) if isinstance(message, str) else list(message)
        lines = raw.lines[pos_k].tolist()
        for ln, v, m in zip(lines, vals, msgs, strict=False):
            self.add(spec.file, int(ln), fld, v, expected, m, severity, code=code)
        if extra > 0:
            first = msgs[0]
            self.add(
                spec.file,
                None,
                fld,
                None,
                expected,
                f"... and {extra} more rows: {first}",
                severity,
                code=code,
            )


# ----------------------------------------------------------------------------------------
# cells -> typed columns


# Magnitude a cell may hold: beyond it dates overflow (durations, lags) or numbers lose meaning.
MAX_DAYS = 36_500.0  # working days (~140 years: every date it reaches stays in 1677..2262)
MAX_INT = 1e9
MAX_NUMBER = 1e15
DATE_RANGE = ("1677-09-22", "2262-04-11")  # what datetime64[ns] holds
#: the days a date cell may hold: those pmkit's calendars cover (an engine given 1926 would
#: clamp it to 1950 and show that on a Gantt)
_CAL_FIRST = CALENDAR_RANGE[0]
_CAL_LAST = f"{pd.Timestamp(CALENDAR_RANGE[1]) - pd.Timedelta(days=1):%Y-%m-%d}"
#: words pandas reads as a date even with a format given: the clock of the reading machine
_CLOCK_WORDS = ("now", "today")
NO_DATE_YEARS = ("0000", "0001", "9999")  # ERP "no date" placeholders: 9999-12-31, 0001-01-01


def max_abs(f: Field) -> float:
    """The largest magnitude ``f`` accepts (its schema range aside)."""
    if f.name.endswith("_days"):
        return MAX_DAYS
    return MAX_INT if f.kind == "int" else MAX_NUMBER


#: a number as a spreadsheet reads it: ASCII digits, one optional sign, point and exponent
_PLAIN_NUMBER = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*", re.ASCII)
_PLAIN_CHARS = re.compile(r"[0-9.eE+\-\s]*", re.ASCII)


def _why_unreadable(f: Field, text: str) -> tuple[str, str, str]:
    """(message, expected, reason code) for a cell ``_parse_column`` could not read."""
    if f.kind == "date":
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
        if m and m.group(1) in NO_DATE_YEARS:
            return (
                "a 'no date' placeholder, but this field needs a date",
                "a real date YYYY-MM-DD",
                "bad-date",
            )
        if m and not (_CAL_FIRST <= text <= _CAL_LAST):
            return (
                "date out of range: pmkit's calendars cover "
                f"{_CAL_FIRST} to {_CAL_LAST}, and every engine works in them",
                f"a date between {_CAL_FIRST} and {_CAL_LAST}",
                "bad-date",
            )
        if re.fullmatch(r"\s*[0-9]+(?:\.0+)?\s*", text, re.ASCII):
            return (
                "a bare number is read as an Excel day number, and this one is no date "
                f"between {_CAL_FIRST} and {_CAL_LAST} (a year alone is not a date)",
                f.expected(),
                "bad-date",
            )
        return "cannot read the value", f.expected(), "bad-date"
    code = "bad-value" if f.kind == "bool" else "bad-number"
    if f.kind != "bool" and not _PLAIN_NUMBER.fullmatch(text):
        if re.search(r"\d", text) and ("_" in text or re.search(r"[^\x00-\x7f]", text)):
            return (
                "not a number a spreadsheet reads",
                f"{f.expected()}, in digits 0-9 with '-' as the minus sign and no '_'",
                code,
            )
        if text.strip().lower().lstrip("+-") in ("inf", "infinity"):
            return "number out of range", f"{f.expected()}, at most {max_abs(f):,.0f} in size", code
        return "cannot read the value", f.expected(), code
    try:
        value = float(text)
    except ValueError:
        return "cannot read the value", f.expected(), code
    if np.isnan(value):
        return "cannot read the value", f.expected(), code
    if not np.isfinite(value) or abs(value) > max_abs(f):
        return "number out of range", f"{f.expected()}, at most {max_abs(f):,.0f} in size", code
    return "cannot read the value", f.expected(), code


def _report_unreadable(
    col: _Collector, spec: TableSpec, raw: RawTable, f: Field, bad: np.ndarray
) -> None:
    pos = np.flatnonzero(bad)
    texts = raw.data[f.name].to_numpy(dtype=object)[pos[:MAX_PER_RULE]]
    why = [_why_unreadable(f, str(t)) for t in texts]
    if pos.size > MAX_PER_RULE:  # the rest are summed up under the first reason
        why += [why[0]] * (pos.size - MAX_PER_RULE)
    for reason in dict.fromkeys(why):
        mask = np.zeros(len(bad), bool)
        mask[pos[[w == reason for w in why]]] = True
        col.rows(spec, raw, mask, f.name, reason[0], reason[1], code=reason[2])


def _parse_column(f: Field, s: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """(typed column, unparseable mask, empty mask). Bad cells get a harmless placeholder.

    Each distinct text is parsed once (dates, flags and amounts repeat a lot): the cells are
    factorised (one C hash pass) and the parsed distinct values taken back by code.
    """
    if f.kind == "str":
        return s.astype("str"), np.zeros(len(s), bool), s.to_numpy(dtype=object) == ""
    codes, uniq = pd.factorize(s.to_numpy(dtype=object), use_na_sentinel=False)
    val, bad, empty = _parse_values(f, pd.Series(uniq, dtype=object))
    typed = pd.Series(val.to_numpy()[codes], index=s.index, dtype=val.dtype)
    return typed, bad[codes], empty[codes]


def _parse_values(f: Field, s: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """``_parse_column`` of the distinct texts of a column that is not free text."""
    obj = s.to_numpy(dtype=object)
    empty = obj == ""
    if f.kind == "date":
        d = pd.Series(pd.to_datetime(obj, format=DATE_FORMAT, errors="coerce"), index=s.index)
        if d.dtype != DATE_DTYPE:  # pandas 3 parses 9999-12-31 (in µs): outside ns, unreadable
            d = d.where((d >= DATE_RANGE[0]) & (d <= DATE_RANGE[1])).astype(DATE_DTYPE)
        # 'now' / 'today' (pandas reads them whatever the format) and days outside the
        # calendars are no date the engines can use: unreadable, the cell named
        clock = np.isin(np.char.lower(np.char.strip(obj.astype("U"))), _CLOCK_WORDS)
        d = d.where(~clock & (d >= _CAL_FIRST) & (d <= _CAL_LAST))
        bad = ~empty & d.isna().to_numpy()
        return d, bad, empty
    if f.kind == "bool":
        low = np.char.lower(obj.astype("U")) if len(obj) else obj.astype("U")
        val = np.isin(low, ("true", "1", "yes"))
        bad = ~empty & ~(val | np.isin(low, ("false", "0", "no")))
        return pd.Series(val, index=s.index, dtype=bool), bad, empty
    arr = np.full(len(obj), np.nan)
    try:  # fast path: Python float() per cell, C loop; raises on the first bad cell
        arr[~empty] = obj[~empty].astype("float64")
    except (ValueError, TypeError):  # then find every bad cell
        arr = pd.to_numeric(np.where(empty, None, obj), errors="coerce").astype("float64")
    bad = ~empty & ~np.isfinite(arr)
    if not _PLAIN_CHARS.fullmatch("".join(obj[~empty & ~bad].astype(str).tolist())):
        # Python's float() also reads 1_000, ١٢٣ (other scripts' digits), 'infinity' and
        # 'nan': no spreadsheet reads those as numbers, so neither does the door
        bad |= ~empty & ~s.astype(str).str.fullmatch(_PLAIN_NUMBER).to_numpy(dtype=bool)
    arr = arr + 0.0  # -0 is 0 (a '-0' budget is shown as 0, not -0)
    with np.errstate(invalid="ignore"):
        bad |= np.abs(arr) > max_abs(f)
    if f.kind == "int":
        bad |= np.isfinite(arr) & (arr != np.round(arr))
        fill = f.ge if f.ge is not None else 1
        arr = np.where(np.isfinite(arr) & ~bad, arr, fill)
        return pd.Series(arr.astype("int64"), index=s.index), bad, empty
    arr = np.where(bad, np.nan, arr)
    return pd.Series(arr, index=s.index, dtype="float64"), bad, empty


_SKIP_CHECKS = {"not_nullable", "field_uniqueness", "multiple_fields_uniqueness"}


def _header_issues(spec: TableSpec, raw: RawTable, col: _Collector) -> tuple[list[str], list[str]]:
    """Columns the header lacks (errors) and columns the table does not know (warnings)."""
    data = raw.data
    missing = [c for c in spec.columns if c not in data.columns]
    for c in missing:
        col.add(
            spec.file,
            1,
            c,
            None,
            f"a column named '{c}' in the header",
            "missing column",
            code="missing-column",
        )
    unknown = [c for c in data.columns if c not in spec.columns]
    for c in unknown:
        col.add(
            spec.file,
            1,
            c,
            None,
            None,
            "unknown column, kept as text but not used",
            "warning",
            code="unknown-column",
        )
    return missing, unknown


def _parse_cells(
    spec: TableSpec, raw: RawTable, col: _Collector, missing: list[str]
) -> tuple[dict[str, pd.Series], set[str], dict[str, np.ndarray]]:
    """Typed columns, the unusable ones, and each column's bad cells (unreadable or empty)."""
    data = raw.data
    typed: dict[str, pd.Series] = {}
    unusable: set[str] = set(missing)
    bad_cells: dict[str, np.ndarray] = {}
    for f in spec.fields:
        if f.name in missing:
            typed[f.name] = pd.Series([""] * len(data), dtype="str")
            continue
        s = data[f.name]
        val, bad, empty = _parse_column(f, s)
        typed[f.name] = val
        if bad.any():
            _report_unreadable(col, spec, raw, f, bad)
            unusable.add(f.name)
        if f.required and f.kind != "str" and empty.any():
            col.rows(spec, raw, empty, f.name, "value is required", f.expected(), code="required")
            unusable.add(f.name)
        bad_cells[f.name] = bad | (empty if f.kind != "str" else np.zeros(len(s), bool))
    return typed, unusable, bad_cells


def _schema_issues(
    spec: TableSpec,
    raw: RawTable,
    df: pd.DataFrame,
    missing: list[str],
    bad_cells: dict[str, np.ndarray],
    col: _Collector,
) -> None:
    """Single-cell rules (non-empty, enums, ranges): pandera, translated to located issues."""
    import pandera.pandas as pa  # here: a kernel reading a cached portfolio never needs it

    try:
        model.CELL_SCHEMAS[spec.name].validate(df, lazy=True, inplace=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        fc = fc[~fc["check"].isin(_SKIP_CHECKS) & fc["index"].notna()]
        for (cname, check), grp in fc.groupby(["column", "check"], sort=False):
            if cname in missing or cname not in spec.columns:
                continue
            pos = grp["index"].to_numpy(dtype=np.int64)
            pos = pos[~bad_cells[cname][pos]]
            if pos.size == 0:
                continue
            mask = np.zeros(len(df), bool)
            mask[pos] = True
            f = spec.field(str(cname))
            if check == "a non-empty value":
                msg, code = "value is required", "required"
            elif f.isin is not None and check == f.expected():
                msg, code = "not an allowed value", "not-allowed"
            else:
                msg, code = "value out of range", "out-of-range"
            col.rows(spec, raw, mask, f.name, msg, str(check), code=code)


def _check_table(spec: TableSpec, raw: RawTable, col: _Collector) -> tuple[pd.DataFrame, set[str]]:
    """Parse and check one table's cells; returns the typed table and its unusable columns.

    Steps: the header, the cells (typed, unreadable and empty ones reported), the pandera
    schema's single-cell rules, then uniqueness (naming both lines).
    """
    missing, unknown = _header_issues(spec, raw, col)
    typed, unusable, bad_cells = _parse_cells(spec, raw, col, missing)
    for c in unknown:
        typed[c] = raw.data[c]
    df = pd.DataFrame(typed)
    df.index = pd.RangeIndex(len(df))
    _schema_issues(spec, raw, df, missing, bad_cells, col)
    keys = [[f.name] for f in spec.fields if f.unique]
    if spec.unique_together:
        keys.append(list(spec.unique_together))
    for key in keys:
        if any(k in unusable for k in key) or len(df) == 0:
            continue
        _duplicates(spec, raw, df, key, col)
    return df, unusable


def _duplicates(
    spec: TableSpec,
    raw: RawTable,
    df: pd.DataFrame,
    key: list[str],
    col: _Collector,
    *,
    severity: Severity = "error",
    what: str | None = None,
) -> None:
    sub = df[key]
    dup_later = sub.duplicated(keep="first").to_numpy()
    if not dup_later.any():
        return
    nonempty = np.ones(len(df), bool)
    for k in key:
        if df[k].dtype == "str":
            nonempty &= (df[k] != "").to_numpy()
    dup_later = dup_later & nonempty
    if not dup_later.any():
        return
    lines = pd.Series(raw.lines, index=df.index)
    first_line = lines.groupby([sub[k] for k in key], sort=False).transform("first").to_numpy()
    pos = np.flatnonzero(dup_later)
    name = what or " + ".join(key)
    values = [
        " + ".join(str(v) for v in row) if len(key) > 1 else str(row[0])
        for row in sub.to_numpy()[pos[:MAX_PER_RULE]].tolist()
    ]
    msgs = [f"duplicate {name}, first on line {int(first_line[p])}" for p in pos[:MAX_PER_RULE]]
    col.rows(
        spec,
        raw,
        dup_later,
        key[0],
        msgs,
        f"a unique {name}",
        values=values,
        severity=severity,
        code="duplicate",
    )


# ----------------------------------------------------------------------------------------
# dependency cycles


find_cycles = _graph.find_cycles  # one home: pmkit._graph


# ----------------------------------------------------------------------------------------
# cross-table rules


def _lookup(keys: pd.Series, values: pd.Series) -> pd.Series:
    """``values`` indexed by ``keys`` (first occurrence wins: duplicates are reported apart)."""
    m = pd.Series(values.to_numpy(), index=keys.to_numpy())
    return m[~m.index.duplicated()]


def _dates_in_order(
    col: _Collector, spec: TableSpec, raw: RawTable, df: pd.DataFrame, early: str, late: str
) -> None:
    bad = (df[late] < df[early]).to_numpy()  # NaT compares False: empty dates pass
    if bad.any():
        vals = [
            f"{a:%Y-%m-%d} < {early} {b:%Y-%m-%d}"
            for a, b in zip(
                df[late].to_numpy()[bad].astype("datetime64[ms]").tolist(),
                df[early].to_numpy()[bad].astype("datetime64[ms]").tolist(),
                strict=True,
            )
        ]
        col.rows(
            spec,
            raw,
            bad,
            late,
            f"{late} is before {early}",
            f"{late} >= {early}",
            values=vals,
            code="date-order",
        )


def _periods_hours(text: str) -> float | str:
    """Total hours of ``08:00-12:00,13:00-17:00``, or an error text."""
    total = 0.0
    last_end = -1
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        m = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", part)
        if not m:
            return f"cannot read period '{part}'"
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        s, e = h1 * 60 + m1, h2 * 60 + m2
        if e == 0 and s > 0:
            e = 24 * 60
        if m1 > 59 or m2 > 59 or s > 24 * 60 or e > 24 * 60 or e <= s:
            return f"period '{part}' is not a start < end time of day"
        if s < last_end:
            return f"period '{part}' overlaps or is out of order"
        last_end = e
        total += (e - s) / 60
    return total if total > 0 else "no working period"


@dataclass(frozen=True)
class ForeignKey:
    """A cross-table contract: every ``table.field`` names an existing ``parent.key``.

    ``optional``: an empty cell is allowed (no reference). A row that breaks it is reported as
    "unknown <key>" (reason code ``foreign-key``) at its line.
    """

    table: str
    field: str
    parent: str
    key: str
    optional: bool = False


FOREIGN_KEYS: tuple[ForeignKey, ...] = (
    ForeignKey("holidays", "calendar_id", "calendars", "calendar_id"),
    ForeignKey("projects", "calendar_id", "calendars", "calendar_id"),
    ForeignKey("tasks", "project_id", "projects", "project_id"),
    ForeignKey("tasks", "calendar_id", "calendars", "calendar_id", optional=True),
    ForeignKey("resources", "calendar_id", "calendars", "calendar_id"),
    ForeignKey("assignments", "task_id", "tasks", "task_id"),
    ForeignKey("assignments", "resource_id", "resources", "resource_id"),
    ForeignKey("risks", "project_id", "projects", "project_id"),
    ForeignKey("change_requests", "project_id", "projects", "project_id"),
    ForeignKey("snapshots", "project_id", "projects", "project_id"),
    ForeignKey("milestone_forecasts", "project_id", "projects", "project_id"),
    ForeignKey("stage_gates", "project_id", "projects", "project_id"),
    ForeignKey("project_scores", "project_id", "projects", "project_id"),
    ForeignKey("change_requests", "task_id", "tasks", "task_id", optional=True),
    ForeignKey("milestone_forecasts", "task_id", "tasks", "task_id"),
)
"""The foreign keys between tables, checked in this order (a link's two ends are checked with
the network, :func:`_link_checks`, which also needs their positions to find cycles)."""


@dataclass(frozen=True)
class _Cross:
    """What the cross-table rules read: typed tables, raw tables, unusable columns, the sink."""

    t: dict[str, pd.DataFrame]
    raw: dict[str, RawTable]
    unusable: dict[str, set[str]]
    col: _Collector

    def usable(self, name: str, *cols: str) -> bool:
        """``name`` was read and none of ``cols`` is unusable (unreadable or missing)."""
        return name in self.t and not (set(cols) & self.unusable[name])

    def rows(self, name: str, bad: np.ndarray, fld: str, *args: Any, **kw: Any) -> None:
        """Report the ``bad`` rows of table ``name`` (as :meth:`_Collector.rows`)."""
        self.col.rows(TABLES[name], self.raw[name], bad, fld, *args, **kw)

    def dates_in_order(self, name: str, early: str, late: str) -> None:
        if self.usable(name, early, late):
            _dates_in_order(self.col, TABLES[name], self.raw[name], self.t[name], early, late)


def _references(x: _Cross, table: str, *fields: str) -> None:
    """Check the declared :data:`FOREIGN_KEYS` of ``table`` (only ``fields``, if given)."""
    for fk in FOREIGN_KEYS:
        if fk.table != table or (fields and fk.field not in fields):
            continue
        if not (x.usable(fk.parent, fk.key) and x.usable(table, fk.field)):
            continue
        s = x.t[table][fk.field]
        bad = ~s.isin(x.t[fk.parent][fk.key]).to_numpy()
        if fk.optional:
            bad &= (s != "").to_numpy()
        x.rows(
            table,
            bad,
            fk.field,
            f"unknown {fk.key}",
            f"an existing {fk.key}",
            code="foreign-key",
        )


def _calendar_checks(x: _Cross) -> None:
    """Weekday names, working periods, and hours per day equal to the periods' total."""
    if not x.usable("calendars", "working_days", "periods", "hours_per_day"):
        return
    cals = x.t["calendars"]
    wd = cals["working_days"].str.split(",")
    ok_days = {d.lower() for d in WEEKDAYS}
    bad_wd = wd.map(
        lambda xs: any(d.strip().lower()[:3] not in ok_days or len(d.strip()) < 3 for d in xs)
    ).to_numpy(bool)
    x.rows(
        "calendars",
        bad_wd,
        "working_days",
        "unknown weekday",
        "days among " + ",".join(WEEKDAYS),
        code="calendar",
    )
    hours = cals["periods"].map(_periods_hours)
    is_err = hours.map(lambda h: isinstance(h, str)).to_numpy(bool)
    x.rows(
        "calendars",
        is_err,
        "periods",
        hours[is_err].tolist(),
        "HH:MM-HH:MM,HH:MM-HH:MM",
        code="calendar",
    )
    h = pd.to_numeric(hours.where(~is_err), errors="coerce").to_numpy(float)
    hpd = cals["hours_per_day"].to_numpy(float)
    mism = ~is_err & (np.abs(h - hpd) > 0.01)
    x.rows(
        "calendars",
        mism,
        "hours_per_day",
        "hours_per_day differs from the total of periods",
        None,
        values=[f"{a:g} (periods total {b:g})" for a, b in zip(hpd[mism], h[mism], strict=True)],
        code="calendar",
    )


def _holiday_checks(x: _Cross) -> None:
    _references(x, "holidays")
    if "holidays" in x.t and x.usable("holidays", "calendar_id", "date") and len(x.t["holidays"]):
        _duplicates(
            TABLES["holidays"],
            x.raw["holidays"],
            x.t["holidays"],
            ["calendar_id", "date"],
            x.col,
            severity="warning",
            what="holiday",
        )


def _budget_check(x: _Cross) -> None:
    """A project's budget within 1 % of its leaf tasks' budgeted cost (a warning)."""
    if not (
        x.usable("tasks", "project_id", "budgeted_cost", "is_summary")
        and x.usable("projects", "project_id", "budget")
    ):
        return
    tasks = x.t["tasks"]
    leaf = tasks[~tasks["is_summary"]]
    sums = leaf.groupby("project_id", sort=False)["budgeted_cost"].sum()
    pr = x.t["projects"]
    got = pr["project_id"].map(sums).fillna(0.0).to_numpy(float)
    bud = pr["budget"].to_numpy(float)
    off = np.abs(got - bud) > 0.01 * np.maximum(np.abs(bud), 1e-9)
    x.rows(
        "projects",
        off,
        "budget",
        [
            f"budget differs by more than 1% from the sum of its leaf tasks' "
            f"budgeted_cost ({g:,.2f})"
            for g in got[off]
        ],
        "the sum of leaf budgeted_cost",
        severity="warning",
        code="budget",
    )


def _tasks_section(x: _Cross) -> None:
    """Task references, the task rules, task dates in order and the budget roll-up."""
    if "tasks" not in x.t:
        return
    _references(x, "tasks")
    _task_checks(x.t["tasks"], x.raw["tasks"], TABLES["tasks"], x.unusable["tasks"], x.col)
    x.dates_in_order("tasks", "actual_start", "actual_finish")
    x.dates_in_order("tasks", "baseline_start", "baseline_finish")
    _budget_check(x)


def _assignment_checks(x: _Cross) -> None:
    """Assignment references; resources work on leaf tasks only."""
    _references(x, "resources")
    _references(x, "assignments")
    if x.usable("assignments", "task_id") and x.usable("tasks", "task_id", "is_summary"):
        summ = x.t["tasks"].loc[x.t["tasks"]["is_summary"], "task_id"]
        bad = x.t["assignments"]["task_id"].isin(summ).to_numpy()
        x.rows(
            "assignments",
            bad,
            "task_id",
            "resource assigned to a summary task",
            "a leaf task",
            code="summary-task",
        )


def _risk_checks(x: _Cross) -> None:
    """A threat's response is a threat response; an opportunity's, an opportunity one."""
    if not (x.usable("risks", "kind", "response") and len(x.t["risks"])):
        return
    r = x.t["risks"]
    given = (r["response"] != "").to_numpy()
    for kind, allowed in (("threat", THREAT_RESPONSES), ("opportunity", OPPORTUNITY_RESPONSES)):
        bad = (r["kind"] == kind).to_numpy() & ~r["response"].isin(allowed).to_numpy() & given
        x.rows(
            "risks",
            bad,
            "response",
            f"not a response to {'a' if kind == 'threat' else 'an'} {kind}",
            "one of " + ", ".join(allowed),
            code="response",
        )


def _owner_of(x: _Cross, task_ids: pd.Series) -> pd.Series:
    """The project of each task id (NaN when unknown)."""
    tk = x.t["tasks"]
    return task_ids.map(_lookup(tk["task_id"], tk["project_id"]))


def _change_request_checks(x: _Cross) -> None:
    """CR task reference and project, decision after submission, no date while pending."""
    if "change_requests" not in x.t or not len(x.t["change_requests"]):
        return
    cr = x.t["change_requests"]
    _references(x, "change_requests", "task_id")
    if x.usable("change_requests", "task_id", "project_id") and x.usable(
        "tasks", "task_id", "project_id"
    ):
        owner = _owner_of(x, cr["task_id"])
        bad = (owner.notna() & (owner != cr["project_id"])).to_numpy(bool)
        x.rows(
            "change_requests",
            bad,
            "task_id",
            "task belongs to another project",
            "a task of the change request's project",
            code="wrong-project",
        )
    x.dates_in_order("change_requests", "submitted_on", "decided_on")
    if x.usable("change_requests", "decision", "decided_on"):
        pend = (cr["decision"] == "pending").to_numpy()
        has = cr["decided_on"].notna().to_numpy()
        x.rows(
            "change_requests",
            pend & has,
            "decided_on",
            "a pending request has a decision date",
            "empty while pending",
            severity="warning",
            code="decision",
        )


def _forecast_checks(x: _Cross) -> None:
    """A milestone forecast names a known milestone of its own project."""
    if "milestone_forecasts" not in x.t or not len(x.t["milestone_forecasts"]):
        return
    _references(x, "milestone_forecasts", "task_id")
    if not (
        x.usable("milestone_forecasts", "task_id", "project_id")
        and x.usable("tasks", "task_id", "project_id", "is_milestone")
    ):
        return
    mf, tk = x.t["milestone_forecasts"], x.t["tasks"]
    known = mf["task_id"].isin(tk["task_id"]).to_numpy()
    is_ms = mf["task_id"].map(_lookup(tk["task_id"], tk["is_milestone"]))
    # every forecast on an unknown task leaves an all-NaN float column: no bool fill on it
    ms = np.where(is_ms.isna().to_numpy(), True, is_ms.to_numpy(dtype=object)).astype(bool)
    not_ms = known & ~ms
    x.rows(
        "milestone_forecasts",
        not_ms,
        "task_id",
        "task is not a milestone",
        "a milestone task",
        code="milestone",
    )
    other = known & (_owner_of(x, mf["task_id"]) != mf["project_id"]).to_numpy(bool)
    x.rows(
        "milestone_forecasts",
        other,
        "task_id",
        "task belongs to another project",
        "a milestone of the row's project",
        code="wrong-project",
    )


#: Tables whose rows belong to a project (their ``project_id`` is checked together).
_REGISTERS = (
    "risks",
    "change_requests",
    "snapshots",
    "milestone_forecasts",
    "stage_gates",
    "project_scores",
)


def _cross_checks(
    t: dict[str, pd.DataFrame],
    raw: dict[str, RawTable],
    unusable: dict[str, set[str]],
    col: _Collector,
) -> None:
    """The cross-table rules, table by table (the order of the issues is the order here)."""
    x = _Cross(t, raw, unusable, col)
    _calendar_checks(x)
    _holiday_checks(x)
    _references(x, "projects")
    x.dates_in_order("projects", "start", "finish_baseline")
    _tasks_section(x)
    if "links" in t and x.usable("tasks", "task_id", "is_summary", "project_id"):
        _link_checks(t["links"], raw["links"], TABLES["links"], unusable["links"], t["tasks"], col)
    _assignment_checks(x)
    for name in _REGISTERS:
        _references(x, name, "project_id")
    _risk_checks(x)
    _change_request_checks(x)
    _forecast_checks(x)


def _wbs_checks(tasks: pd.DataFrame, rt: RawTable, ts: TableSpec, col: _Collector) -> None:
    """Outline numbers: readable, matching outline_level, unique per project, with a parent;
    summaries have children and tasks with children are summaries."""
    wbs = tasks["wbs"]
    # string work on the distinct outline numbers only ("1.2" repeats in every project)
    w_code, w_uniq = pd.factorize(wbs)
    u = pd.Series(w_uniq, dtype="str")
    u_ok = u.str.fullmatch(_WBS).to_numpy(bool)
    u_parts = u.str.count(r"\.").to_numpy() + 1
    u_parent = pd.Index(w_uniq).get_indexer(u.str.replace(r"\.\d+$", "", regex=True))
    fmt_ok = u_ok[w_code]
    parts = u_parts[w_code]
    col.rows(
        ts,
        rt,
        ~fmt_ok & (wbs != "").to_numpy(),
        "wbs",
        "cannot read the outline number",
        "a dotted outline number like 1.2.3",
        code="wbs",
    )
    lvl = tasks["outline_level"].to_numpy()
    bad_lvl = fmt_ok & (parts != lvl)
    col.rows(
        ts,
        rt,
        bad_lvl,
        "outline_level",
        "outline_level does not match the wbs depth",
        None,
        values=[
            f"{lv} (wbs {w})" for lv, w in zip(lvl[bad_lvl], wbs.to_numpy()[bad_lvl], strict=True)
        ],
        code="wbs",
    )
    dup = tasks[["project_id", "wbs"]].duplicated(keep="first").to_numpy() & fmt_ok
    if dup.any():
        _duplicates(ts, rt, tasks, ["project_id", "wbs"], col, what="wbs within the project")
    # (project, outline number) as one int64 key; the parent key may not exist (-1)
    p_code = pd.factorize(tasks["project_id"])[0].astype(np.int64)
    n_w = max(len(w_uniq), 1)
    node_key = p_code * (n_w + 1) + w_code
    par = u_parent[w_code]
    has_parent = fmt_ok & (parts > 1)
    parent_key = np.where(par >= 0, p_code * (n_w + 1) + par, -1)
    parents_present = parent_key[has_parent]
    is_summary = tasks["is_summary"].to_numpy(bool)
    has_child = np.isin(node_key, parents_present)
    col.rows(
        ts,
        rt,
        is_summary & ~has_child & fmt_ok,
        "is_summary",
        "summary task has no children",
        "child tasks with wbs under this one",
        values=["true"] * int((is_summary & ~has_child & fmt_ok).sum()),
        code="wbs",
    )
    col.rows(
        ts,
        rt,
        ~is_summary & has_child,
        "is_summary",
        "task has children but is not a summary",
        "true",
        values=["false"] * int((~is_summary & has_child).sum()),
        code="wbs",
    )
    orphan = has_parent & ~np.isin(parent_key, node_key)
    col.rows(
        ts,
        rt,
        orphan,
        "wbs",
        "parent outline number is missing",
        "a task with the parent wbs in the same project",
        code="wbs",
    )


def _task_checks(
    tasks: pd.DataFrame, rt: RawTable, ts: TableSpec, bad_cols: set[str], col: _Collector
) -> None:
    def ok(*cols: str) -> bool:
        return not (set(cols) & bad_cols)

    n = len(tasks)
    if n == 0:
        return
    if ok("wbs", "outline_level", "project_id", "is_summary"):
        _wbs_checks(tasks, rt, ts, col)
    if ok("is_milestone", "duration_days"):
        ms = tasks["is_milestone"].to_numpy(bool)
        dur = tasks["duration_days"].to_numpy(float)
        col.rows(
            ts,
            rt,
            ms & (dur != 0),
            "duration_days",
            "a milestone has a duration",
            "0",
            code="milestone",
        )
        if ok("is_summary"):
            summ = tasks["is_summary"].to_numpy(bool)
            col.rows(
                ts,
                rt,
                summ & (dur != 0),
                "duration_days",
                "summary duration is rolled up; the value is ignored",
                "0",
                severity="warning",
                code="summary-task",
            )
    if ok("duration_days", "optimistic_days", "most_likely_days", "pessimistic_days"):
        dur = tasks["duration_days"].to_numpy(float)
        o = np.where(tasks["optimistic_days"].isna(), dur, tasks["optimistic_days"])
        m = np.where(tasks["most_likely_days"].isna(), dur, tasks["most_likely_days"])
        p = np.where(tasks["pessimistic_days"].isna(), dur, tasks["pessimistic_days"])
        bad_o = o > m + 1e-9
        col.rows(
            ts,
            rt,
            bad_o,
            "optimistic_days",
            "optimistic is above most likely",
            "optimistic <= most_likely <= pessimistic",
            values=[f"{a:g} > {b:g}" for a, b in zip(o[bad_o], m[bad_o], strict=True)],
            code="estimates",
        )
        bad_p = m > p + 1e-9
        col.rows(
            ts,
            rt,
            bad_p,
            "pessimistic_days",
            "pessimistic is below most likely",
            "optimistic <= most_likely <= pessimistic",
            values=[f"{a:g} < {b:g}" for a, b in zip(p[bad_p], m[bad_p], strict=True)],
            code="estimates",
        )
    if ok("constraint_type", "constraint_date"):
        needs = tasks["constraint_type"].isin(CONSTRAINTS_WITH_DATE).to_numpy()
        missing = needs & tasks["constraint_date"].isna().to_numpy()
        col.rows(
            ts,
            rt,
            missing,
            "constraint_date",
            "constraint needs a date",
            "a date YYYY-MM-DD for MSO, MFO, SNET, SNLT, FNET, FNLT",
            values=tasks["constraint_type"].to_numpy()[missing],
            code="constraint",
        )
    if ok("percent_complete", "actual_start", "actual_finish"):
        pc = tasks["percent_complete"].to_numpy(float)
        af = tasks["actual_finish"].notna().to_numpy()
        ast = tasks["actual_start"].notna().to_numpy()
        col.rows(
            ts,
            rt,
            af & (pc < 100),
            "actual_finish",
            "task has a finish date but is not complete",
            "empty unless percent_complete is 100",
            code="progress",
        )
        col.rows(
            ts,
            rt,
            af & ~ast,
            "actual_start",
            "task has finished but has no actual_start",
            "a date YYYY-MM-DD",
            code="progress",
        )
        col.rows(
            ts,
            rt,
            (pc > 0) & ~ast,
            "actual_start",
            "task has progress but no actual_start",
            "a date YYYY-MM-DD when percent_complete > 0",
            severity="warning",
            code="progress",
        )


def _link_checks(
    links: pd.DataFrame,
    rl: RawTable,
    sl: TableSpec,
    bad_cols: set[str],
    tasks: pd.DataFrame,
    col: _Collector,
) -> None:
    if bad_cols & {"pred_id", "succ_id"} or len(links) == 0:
        return
    ids = tasks["task_id"]
    first = _lookup(ids, pd.Series(np.arange(len(ids))))
    codes_p = first.reindex(links["pred_id"].to_numpy()).fillna(-1).to_numpy(np.int64)
    codes_s = first.reindex(links["succ_id"].to_numpy()).fillna(-1).to_numpy(np.int64)
    col.rows(
        sl, rl, codes_p < 0, "pred_id", "unknown task_id", "an existing task_id", code="foreign-key"
    )
    col.rows(
        sl, rl, codes_s < 0, "succ_id", "unknown task_id", "an existing task_id", code="foreign-key"
    )
    if len(ids) == 0:  # no task at all (its file is missing or empty): nothing more to check
        return
    self_link = (links["pred_id"] == links["succ_id"]).to_numpy()
    col.rows(
        sl,
        rl,
        self_link,
        "succ_id",
        "task linked to itself",
        "a task other than pred_id",
        code="self-link",
    )
    known = (codes_p >= 0) & (codes_s >= 0)
    summ = tasks["is_summary"].to_numpy(bool)
    to_sum_p = known & summ[np.maximum(codes_p, 0)]
    to_sum_s = known & summ[np.maximum(codes_s, 0)]
    col.rows(
        sl,
        rl,
        to_sum_p,
        "pred_id",
        "link to a summary task",
        "a leaf task or milestone",
        code="summary-task",
    )
    col.rows(
        sl,
        rl,
        to_sum_s,
        "succ_id",
        "link to a summary task",
        "a leaf task or milestone",
        code="summary-task",
    )
    _duplicates(sl, rl, links, ["pred_id", "succ_id"], col, severity="warning", what="link")
    use = known & ~self_link
    p, s = codes_p[use], codes_s[use]
    cycles = find_cycles(p, s, len(ids))
    if not cycles:
        return
    line_of: dict[tuple[int, int], int] = {}
    link_lines = rl.lines[use]
    cyc_nodes = {c for cyc in cycles for c in cyc}
    cand = np.flatnonzero(np.isin(p, list(cyc_nodes)) & np.isin(s, list(cyc_nodes)))
    for i in cand.tolist():
        line_of.setdefault((int(p[i]), int(s[i])), int(link_lines[i]))
    id_arr = ids.to_numpy()
    for cyc in cycles:
        names = [str(id_arr[c]) for c in cyc]
        path = " -> ".join([*names, names[0]])
        ln = line_of.get((cyc[0], cyc[1 % len(cyc)]))
        col.add(
            sl.file,
            ln,
            "pred_id",
            f"{names[0]} -> {names[1 % len(names)]}",
            "links without cycles",
            f"dependency cycle through {len(cyc)} tasks: {path}",
            code="cycle",
        )


# ----------------------------------------------------------------------------------------
# entry point


STATUS_DATE_MARGIN_DAYS = 365
"""A status date further than this before the first project's start or after the last
project's baseline finish is flagged: every figure would be as of a day no project lives in."""


def _status_date_of(standards: Mapping[str, Any]) -> pd.Timestamp | None:
    sd = standards.get("status_date")
    if sd in (None, ""):
        return None
    if isinstance(sd, _dt.date):
        return pd.Timestamp(sd)
    ts = pd.to_datetime(str(sd), format=DATE_FORMAT, errors="coerce")
    return None if pd.isna(ts) else pd.Timestamp(ts)


def _key_line(standards: Mapping[str, Any], key: str) -> int | None:
    """The line of a top-level key of standards.yaml, when the door kept it
    (:class:`pmkit.io._standards.Standards`); a plain mapping has none."""
    lines = getattr(standards, "key_lines", None)
    return lines.get(key) if isinstance(lines, dict) else None


def _check_status_date(
    standards: Mapping[str, Any],
    t: dict[str, pd.DataFrame],
    unusable: dict[str, set[str]],
    col: _Collector,
) -> None:
    """The status date is a day the timeline covers (error) and near the projects (warning).

    Outside :data:`CALENDAR_RANGE` no engine can schedule from it (the report failed with a
    bare calendar error). Far before every start or after every baseline finish it is almost
    always a typo (``1900``, ``2999``, ``2062`` for ``2026``): the portfolio loads, but the
    warning says how far off it is, since every figure is computed as of that day.
    """
    sd = _status_date_of(standards)
    if sd is None:
        return
    lo, hi = (pd.Timestamp(d) for d in CALENDAR_RANGE)
    if not lo <= sd < hi:
        col.add(
            "standards.yaml",
            _key_line(standards, "status_date"),
            "status_date",
            f"{sd:%Y-%m-%d}",
            f"a date from {lo:%Y-%m-%d} to {hi - pd.Timedelta(days=1):%Y-%m-%d}",
            "status date outside the range pmkit's calendars cover: nothing can be scheduled "
            "from it",
            code="standards",
        )
        return
    p = t.get("projects")
    if p is None or not len(p) or {"start", "finish_baseline"} & unusable.get("projects", set()):
        return
    first, last = p["start"].min(), p["finish_baseline"].max()
    margin = pd.Timedelta(days=STATUS_DATE_MARGIN_DAYS)
    if pd.notna(first) and sd < first - margin:
        where = f"{_far(first - sd)} before the first project starts ({first:%Y-%m-%d})"
    elif pd.notna(last) and sd > last + margin:
        where = f"{_far(sd - last)} after the last baseline finish ({last:%Y-%m-%d})"
    else:
        return
    col.add(
        "standards.yaml",
        _key_line(standards, "status_date"),
        "status_date",
        f"{sd:%Y-%m-%d}",
        f"a date within {STATUS_DATE_MARGIN_DAYS} days of the projects' dates",
        f"status date {where}: every figure is as of that day (a typo?)",
        severity="warning",
        code="standards",
    )


def _far(gap: pd.Timedelta) -> str:
    return f"{gap.days:,} days (about {gap.days / 365.25:,.0f} years)"


def _check_standards(standards: Mapping[str, Any], col: _Collector) -> None:
    sd = standards.get("status_date")
    if sd not in (None, "") and _status_date_of(standards) is None:
        col.add(
            "standards.yaml",
            _key_line(standards, "status_date"),
            "status_date",
            sd,
            "a date YYYY-MM-DD",
            "cannot read the value",
            code="standards",
        )
    cur = standards.get("currency")
    if cur is not None and not (isinstance(cur, str) and re.fullmatch(r"[A-Z]{3}", cur)):
        col.add(
            "standards.yaml",
            _key_line(standards, "currency"),
            "currency",
            cur,
            "a 3-letter ISO code like EUR",
            "cannot read the value",
            code="standards",
        )


SNAPSHOT_TOL = 0.005
"""Half a cent: reported amounts are rounded to cents."""


def _snapshot_checks(
    t: dict[str, pd.DataFrame],
    raw: dict[str, RawTable],
    unusable: dict[str, set[str]],
    col: _Collector,
) -> None:
    """Warnings on status reports: cumulative figures that fall, and EV above BAC.

    PV, EV and AC are cumulative, so a project's report never shows less than its previous one
    (a periodic figure typed in by mistake turns SPI(t) and VAC into nonsense); EV cannot
    exceed BAC (the project's ``budget``). Both are warnings: the portfolio still loads.
    """
    names = ("project_id", "report_date", "pv", "ev", "ac")
    if "snapshots" not in t or set(names) & unusable["snapshots"] or not len(t["snapshots"]):
        return
    snaps, rs, spec = t["snapshots"], raw["snapshots"], TABLES["snapshots"]
    pos = np.arange(len(snaps))
    order = snaps.assign(_pos=pos).sort_values(["project_id", "report_date"], kind="stable")
    same = order["project_id"].eq(order["project_id"].shift()).to_numpy()
    prev_date = order["report_date"].shift()
    for fld in ("pv", "ev", "ac"):
        prev = order[fld].shift()
        fell = same & (order[fld] < prev - SNAPSHOT_TOL).to_numpy()
        bad = np.zeros(len(snaps), dtype=bool)
        bad[order["_pos"].to_numpy()[fell]] = True
        vals = [
            f"{v:,.2f} < {p:,.2f} on {d:%Y-%m-%d}"
            for v, p, d in zip(order[fld][fell], prev[fell], prev_date[fell], strict=True)
        ]
        at = np.argsort(order["_pos"].to_numpy()[fell], kind="stable")
        col.rows(
            spec,
            rs,
            bad,
            fld,
            f"{fld} falls below the project's previous report: status figures must be cumulative",
            f">= the previous report's {fld}",
            values=[vals[i] for i in at],
            severity="warning",
            code="snapshot",
        )
    if "projects" in t and not {"project_id", "budget"} & unusable["projects"]:
        budgets = t["projects"].drop_duplicates("project_id").set_index("project_id")["budget"]
        bac = snaps["project_id"].map(budgets)
        over = (snaps["ev"] > bac + SNAPSHOT_TOL).to_numpy()
        col.rows(
            spec,
            rs,
            over,
            "ev",
            "earned value exceeds the budget at completion (BAC = the project's budget)",
            "ev <= BAC",
            values=[
                f"{e:,.2f} > BAC {b:,.2f}"
                for e, b in zip(snaps["ev"][over], bac[over], strict=True)
            ],
            severity="warning",
            code="snapshot",
        )


def _with_code(issue: ValidationIssue) -> ValidationIssue:
    """A reader's issue without a reason code gets the reader's: ``read-note`` for a note,
    ``standards`` for standards.yaml, ``file`` for the rest (the file itself is the problem)."""
    if issue.code:
        return issue
    if issue.severity == "note":
        code = "read-note"
    elif issue.file.endswith("standards.yaml"):
        code = "standards"
    else:
        code = "file"
    return replace(issue, code=code)


def validate_tables(
    raw: Mapping[str, RawTable | None],
    standards: Mapping[str, Any] | None = None,
    *,
    pre_issues: Iterable[ValidationIssue] = (),
    source: str = "",
) -> tuple[dict[str, pd.DataFrame], ValidationReport]:
    """Parse and check every table; return the typed tables and the report of all problems.

    ``raw`` maps file stems (``"tasks"``) to :class:`RawTable`; ``None`` or absent means the
    file is missing (an error for required files, an empty table otherwise). The typed tables
    are only trustworthy when ``report.ok``.
    """
    col = _Collector()
    col.issues.extend(_with_code(i) for i in pre_issues)
    typed: dict[str, pd.DataFrame] = {}
    raws: dict[str, RawTable] = {}
    unusable: dict[str, set[str]] = {}
    for name, spec in TABLES.items():
        rt = raw.get(name)
        if rt is None:
            rt = RawTable(
                pd.DataFrame({c: pd.Series([], dtype="str") for c in spec.columns}),
                np.zeros(0, np.int64),
            )
        raws[name] = rt
        typed[name], unusable[name] = _check_table(spec, rt, col)
        if raw.get(name) is None and spec.required_file:  # unreadable: no rule can use it
            unusable[name] = set(spec.columns)
    _cross_checks(typed, raws, unusable, col)
    _snapshot_checks(typed, raws, unusable, col)
    _check_standards(standards or {}, col)
    _check_status_date(standards or {}, typed, unusable, col)
    return typed, ValidationReport(col.issues, source=source)
