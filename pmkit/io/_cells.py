"""Cells as people type them -> the canonical text the validation door parses.

The door reads numbers with a decimal point, dates as ``YYYY-MM-DD`` and booleans as
``true``/``false``. Real files hold ``1.234,5`` (decimal comma, dot thousands), ``31/12/2026``,
Excel serial day numbers (``46022``), ``VERDADERO`` and ERP "no date" placeholders
(``9999-12-31``). :func:`normalise_cells` rewrites those cells, one table at a time, and says
what it assumed.

The decisions are made from the columns the schema *types*: the decimal mark from the numeric
columns only (a comma in a task name proves nothing), the day/month order from the date columns
(a first part above 12 proves day-first). A cell that fits no reading is left as typed, so the
door's error quotes exactly what the user wrote.

``standards.yaml`` may declare both (``date_order: dmy|mdy|ymd``, ``decimal: "," | "."``): the
door then reads by them, never guesses, and a date that does not fit the declared order is an
error naming its cell. Without a declaration a number that fits both readings and is not
settled by the file's other numbers (``287.184``: a decimal, or 287184 with a dot grouping
thousands) is read the usual way and flagged with a warning naming its cell. A workbook's real
number cells are numbers: they are never re-read as text, nor vote on how its text is read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pmkit.model import TableSpec
from pmkit.validation import RawTable, ValidationIssue
from pmkit.vocabulary import CALENDAR_RANGE, DATE_FORMAT

__all__ = [
    "DATE_ORDERS",
    "DECIMALS",
    "OFF_ORDER",
    "CellFormats",
    "format_column",
    "normalise_cells",
]

_GROUP = "[ \u00a0\u202f']"  # blanks and apostrophes group thousands in either locale
_EXP = r"(?:[eE][+-]?\d+)?"
# unambiguous evidence of one decimal mark or the other
_DOT_EVIDENCE = (
    rf"[+-]?(?:\d*\.(?!\d{{3}}(?:\D|$))\d+|\d{{4,}}\.\d+|0\.\d+){_EXP}"  # 7.5, 1234.567, 0.250
    rf"|[+-]?\d{{1,3}}(?:(?:,|{_GROUP})\d{{3}})+\.\d+{_EXP}"  # 1,234.5  1 234.5
    rf"|[+-]?\d{{1,3}}(?:,\d{{3}}){{2,}}"  # 1,234,567
    rf"|[+-]?\d+\.\d*[eE][+-]?\d+"  # 1.5e3
)
_COMMA_EVIDENCE = (
    rf"[+-]?(?:\d*,(?!\d{{3}}(?:\D|$))\d+|\d{{4,}},\d+|0,\d+){_EXP}"  # 7,5  1234,567  0,250
    rf"|[+-]?\d{{1,3}}(?:(?:\.|{_GROUP})\d{{3}})+,\d+{_EXP}"  # 1.234,5  1 234,5
    rf"|[+-]?\d{{1,3}}(?:\.\d{{3}}){{2,}}"  # 1.234.567
)
_AMBIGUOUS_COMMA = r"[+-]?\d{1,3},\d{3}"  # 1,234: 1.234 in Spain, 1234 in the US
_TWO_WAYS = r"[+-]?[1-9]\d{0,2}[.,]\d{3}"  # 287.184 / 287,184: a decimal, or a thousands group
_TWO_WAYS_LINE = re.compile(rf"(?m)^{_TWO_WAYS}$")
#: the declarable orders (standards.yaml ``date_order``) and the reading each stands for
DATE_ORDERS = {"dmy": "day/month/year", "mdy": "month/day/year", "ymd": "year/month/day"}
DECIMALS = (".", ",")
OFF_ORDER = "the date does not fit the declared date order"  # io._standards.drop_restated
_NUMBER = {
    ".": rf"[+-]?(?:\d{{1,3}}(?:(?:,|{_GROUP})\d{{3}})+|\d+)?(?:\.\d*)?{_EXP}",
    ",": rf"[+-]?(?:\d{{1,3}}(?:(?:\.|{_GROUP})\d{{3}})+|\d+)?(?:,\d*)?{_EXP}",
}
_BOOL_WORDS = {
    # Excel writes booleans in the user's language when it saves a CSV
    "verdadero": "true", "falso": "false", "vrai": "true", "faux": "false",
    "wahr": "true", "falsch": "false", "vero": "true", "sí": "true", "si": "true",
    "ja": "true", "nein": "false", "oui": "true", "non": "false", "waar": "true",
    "onwaar": "false", "verdadeiro": "true", "t": "true", "f": "false", "y": "true", "n": "false",
}  # fmt: skip
_NOT_PLAIN = re.compile(r"[^0-9.eE+-]")  # a cell holding more than a plain number
_SENTINEL_YEARS = ("0000", "0001", "9999")
_EXCEL_EPOCH = np.datetime64("1899-12-30")
#: Excel day numbers of the days pmkit's calendars cover
_SERIAL_RANGE = (
    int((np.datetime64(CALENDAR_RANGE[0], "D") - _EXCEL_EPOCH).astype(np.int64)),
    int((np.datetime64(CALENDAR_RANGE[1], "D") - _EXCEL_EPOCH).astype(np.int64)) - 1,
)
# dates are written in ASCII digits (a full-width １８ is left as typed, not a crash)
_DM = r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]"  # day and month, either order
_MIDNIGHT = r"(?:\s+0?0:00(?::00)?)?"
MAX_OFF_ORDER = 50  # errors listed per field when dates do not fit the declared order


@dataclass
class CellFormats:
    """What was assumed while reading one table's cells (shown in the report)."""

    decimal: str = "."
    thousands: set[str] = field(default_factory=set)
    dates: str = ""  # "", "day/month/year", "month/day/year", ...
    notes: list[str] = field(default_factory=list)

    def describe(self) -> list[str]:
        out = []
        if self.decimal == ",":
            out.append("decimal comma")
        if self.thousands:
            names = {".": "dot", ",": "comma", "'": "apostrophe"}
            seps = sorted(names.get(s, "space") for s in self.thousands)
            out.append("thousands separator " + "/".join(dict.fromkeys(seps)))
        if self.dates:
            out.append(f"dates {self.dates}")
        return out


def _uniques(s: pd.Series) -> tuple[np.ndarray, pd.Series]:
    codes, uniq = pd.factorize(s, sort=False)
    return codes, pd.Series(np.asarray(uniq, dtype=object), dtype="str")


def _decide_decimal(values: list[pd.Series], european: bool) -> str:
    if not values:
        return "."
    u = pd.concat(values, ignore_index=True)
    u = u[u.str.contains(r"[.,]", regex=True)]
    if u.empty:
        return "."
    dot = int(u.str.fullmatch(_DOT_EVIDENCE).sum())
    comma = int(u.str.fullmatch(_COMMA_EVIDENCE).sum())
    if comma != dot:
        return "," if comma > dot else "."
    # a decimal-comma file (semicolons): 1,234 is 1.234 and 1.234 is 1234
    if european and u.str.fullmatch(_AMBIGUOUS_COMMA + r"|[+-]?\d{1,3}\.\d{3}").any():
        return ","
    return "."


def _to_point(u: pd.Series, decimal: str, fmt: CellFormats) -> pd.Series:
    """Distinct numeric texts -> plain ``1234.5``; cells that fit no number stay as typed."""
    ok = u.str.fullmatch(_NUMBER[decimal]) & u.str.contains(r"\d", regex=True)
    if not ok.any():
        return u
    thou = "," if decimal == "." else "."
    v = u[ok]
    grouped = v.str.contains(rf"\d(?:[{re_escape(thou)}]|{_GROUP})\d{{3}}", regex=True)
    if grouped.any():
        for sep in (thou, " ", "\u00a0", "\u202f", "'"):
            if v[grouped].str.contains(sep, regex=False).any():
                fmt.thousands.add(sep if sep in ".,'" else " ")
        v = v.str.replace(rf"(?<=\d)(?:[{re_escape(thou)}]|{_GROUP})(?=\d{{3}})", "", regex=True)
    if decimal == ",":
        v = v.str.replace(",", ".", regex=False)
    out = u.copy()
    out[ok] = v
    return out


def re_escape(ch: str) -> str:
    return "\\" + ch if ch in ".^$*+?{}[]\\|()" else ch


def _numbers(
    spec: TableSpec,
    raw: RawTable,
    european: bool,
    fmt: CellFormats,
    *,
    file: str,
    decimal: str = "auto",
    real: Mapping[str, np.ndarray] | None = None,
) -> list[ValidationIssue]:
    """Decide the decimal mark from the numeric columns (or take the declared one), then
    rewrite them (distinct texts); ``real`` marks a workbook's number cells, kept as they are.
    Returns the warnings on numbers that fit both readings when nothing settled which."""
    df, real = raw.data, real or {}
    cols = [f.name for f in spec.fields if f.kind in ("float", "int") and f.name in df.columns]
    # the text each column holds (a workbook's number cells are not text: they do not vote)
    text = {c: df[c].where(~real[c], "") if c in real else df[c] for c in cols}
    # one C-speed regex over each column joined: most columns hold only plain numbers
    suspects = [c for c in cols if _NOT_PLAIN.search("".join(text[c].tolist()))]
    uniq = {c: _uniques(text[c]) for c in suspects}
    odd = {c: u[u.str.contains(_NOT_PLAIN.pattern, regex=True)] for c, (_, u) in uniq.items()}
    odd = {c: u for c, u in odd.items() if len(u)}
    # the same C-speed scan for a cell reading two ways (287.184) before a per-cell mask
    maybe = [c for c in cols if _TWO_WAYS_LINE.search("\n".join(text[c].tolist()))]
    two_ways = {c: text[c].str.fullmatch(_TWO_WAYS).to_numpy(dtype=bool) for c in maybe}
    settled = False
    if decimal in DECIMALS:  # declared (said in the note only where a cell needed it)
        fmt.decimal = decimal if odd or two_ways else "."
    elif not odd and not two_ways:  # plain numbers only: nothing can vote for a comma
        fmt.decimal = "."
        return []
    else:
        samples = list(odd.values())
        samples += [_uniques(text[c])[1].head(5000) for c in cols if c not in odd]
        fmt.decimal = _decide_decimal(samples, european)
        settled = _settled(samples)
    typed = {c: text[c].to_numpy(dtype=object) for c in two_ways}
    for c in cols:
        if c not in odd and c not in two_ways and fmt.decimal == ".":
            continue
        codes, u = _uniques(text[c])
        new = _to_point(u, fmt.decimal, fmt).to_numpy(dtype=object)[codes]
        df[c] = np.where(real[c], df[c].to_numpy(dtype=object), new) if c in real else new
    if decimal in DECIMALS or not two_ways or settled:
        return []
    return [_two_ways_warning(raw, file, c, m, typed[c], fmt.decimal) for c, m in two_ways.items()]


def _settled(samples: list[pd.Series]) -> bool:
    """The table's own text proves the decimal mark (``7,5``, ``0.25``, ``1.234,5``...)."""
    u = pd.concat(samples, ignore_index=True) if samples else pd.Series([], dtype="str")
    return bool(u.str.fullmatch(_DOT_EVIDENCE).any() or u.str.fullmatch(_COMMA_EVIDENCE).any())


def _two_ways_warning(
    raw: RawTable, file: str, col: str, mask: np.ndarray, typed: np.ndarray, decimal: str
) -> ValidationIssue:
    """One warning per column: its first cell that reads two ways, how it was read, the fix."""
    rows = np.flatnonzero(mask)
    first = int(rows[0])
    shown = str(typed[first])
    sep = "." if "." in shown else ","
    as_decimal = sep == decimal  # the mark in the cell was read as the decimal mark
    read = float(str(raw.data[col].iloc[first]))
    other = float(shown.replace(sep, "")) if as_decimal else float(shown.replace(sep, "."))
    how = "decimal" if as_decimal else "thousands"
    alt = "thousands" if as_decimal else "decimal"
    more = f" ({len(rows)} cells like it in this column)" if len(rows) > 1 else ""
    return ValidationIssue(
        file, int(raw.lines[first]), col, shown,
        'a number Excel stores as a number, or `decimal: ","` / `decimal: "."` in standards.yaml',
        f"this text fits two readings and nothing in the file settles which: read as {read:g} "
        f"({sep!r} as the {how} mark); {other:g} if {sep!r} is the {alt} mark{more}",
        "warning", code="bad-number",
    )  # fmt: skip


def _parse_dates(u: pd.Series, order: str) -> pd.Series:
    """Distinct date texts -> ``YYYY-MM-DD`` text; unreadable ones stay as typed."""
    out = u.copy()
    iso_time = u.str.extract(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]00:00(?::00(?:\.0+)?)?$")[0]
    out = out.where(iso_time.isna(), iso_time)
    ymd = u.str.extract(r"^([0-9]{4})[/.]([0-9]{1,2})[/.]([0-9]{1,2})$")
    has = ymd[0].notna()
    out[has] = ymd[0][has] + "-" + ymd[1][has].str.zfill(2) + "-" + ymd[2][has].str.zfill(2)
    dm = u.str.extract(rf"^{_DM}([0-9]{{4}}|[0-9]{{2}}){_MIDNIGHT}$")
    has = dm[0].notna()
    if has.any():
        day, mon = (dm[0], dm[1]) if order == "day/month/year" else (dm[1], dm[0])
        year = dm[2].where(dm[2].str.len() == 4, "20" + dm[2])
        out[has] = year[has] + "-" + mon[has].str.zfill(2) + "-" + day[has].str.zfill(2)
    compact = u.str.fullmatch(r"(?:19|20|21)[0-9]{6}")
    out[compact] = u[compact].str[:4] + "-" + u[compact].str[4:6] + "-" + u[compact].str[6:]
    serial = u.str.fullmatch(r"[0-9]{1,7}(?:\.0+)?") & ~compact
    if serial.any():
        n = pd.to_numeric(u[serial]).to_numpy()
        days = _EXCEL_EPOCH + n.astype("int64").astype("timedelta64[D]")
        # only days pmkit's calendars cover (1950..2199): a year typed alone, 2026, is
        # Excel's day 1905-07-18; left as typed, the door names the cell
        good = (n >= _SERIAL_RANGE[0]) & (n <= _SERIAL_RANGE[1])
        text = pd.Series(np.datetime_as_string(days, unit="D"), index=u[serial].index)
        out[serial] = text.where(good, u[serial])
    # 31/02/2026 is no day: left as typed, so the door's error quotes what the user wrote
    moved = (out != u) & out.str.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
    if moved.any():
        real = [_is_day(t) or t[:4] in _SENTINEL_YEARS for t in out[moved]]  # 00/00/0000
        out[moved] = out[moved].where(real, u[moved])
    return out


def _is_day(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _day_month_order(values: list[pd.Series], european: bool) -> str:
    u = pd.concat(values, ignore_index=True) if values else pd.Series([], dtype="str")
    dm = u.str.extract(r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-](?:[0-9]{4}|[0-9]{2})")
    a, b = pd.to_numeric(dm[0]), pd.to_numeric(dm[1])
    if (a > 12).any():
        return "day/month/year"
    if (b > 12).any():
        return "month/day/year"
    return "day/month/year" if european or dm[0].isna().all() else "month/day/year (assumed)"


def _off_order(u: pd.Series, order: str) -> pd.Series:
    """Distinct texts written day/month/year-like whose parts do not fit ``order`` (a month
    above 12; with ``year/month/day`` declared, any such text): left as typed."""
    dm = u.str.extract(rf"^{_DM}(?:[0-9]{{4}}|[0-9]{{2}}){_MIDNIGHT}$")
    has = dm[0].notna()
    if order == "year/month/day":
        return has
    mon = pd.to_numeric(dm[1] if order == "day/month/year" else dm[0])
    return has & (mon > 12)


def _order_errors(
    raw: RawTable, file: str, name: str, codes: np.ndarray, off: np.ndarray, declared: str
) -> list[ValidationIssue]:
    """One error per cell (at most :data:`MAX_OFF_ORDER` per field) that does not fit the
    declared ``date_order``."""
    rows = np.flatnonzero(off[codes])
    texts = raw.data[name].to_numpy(dtype=object)
    want = f"a date {DATE_ORDERS[declared]} (date_order: {declared} in standards.yaml)"
    msg = OFF_ORDER
    out = [
        ValidationIssue(file, int(raw.lines[r]), name, texts[r], want, msg, code="bad-date")
        for r in rows[:MAX_OFF_ORDER]
    ]
    if len(rows) > MAX_OFF_ORDER:
        more = f"... and {len(rows) - MAX_OFF_ORDER} more dates that do not fit the declared order"
        out.append(ValidationIssue(file, None, name, None, None, more, code="bad-date"))
    return out


def _dates(
    spec: TableSpec,
    raw: RawTable,
    european: bool,
    fmt: CellFormats,
    *,
    file: str,
    date_order: str = "auto",
) -> tuple[list[str], list[ValidationIssue]]:
    """Rewrite the date columns; return the optional cells emptied as 'no date' placeholders
    and the cells that do not fit a declared ``date_order``."""
    df = raw.data
    cols = [f for f in spec.fields if f.kind == "date" and f.name in df.columns]
    uniq = {f.name: _uniques(df[f.name]) for f in cols}
    odd = {
        n: (codes, u)
        for n, (codes, u) in uniq.items()
        if not u[u != ""].str.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").all()
    }
    errors: list[ValidationIssue] = []
    if odd:
        if date_order in DATE_ORDERS:
            order = DATE_ORDERS[date_order]
        else:
            order = _day_month_order([u for _, u in odd.values()], european)
        kinds = []
        for name, (codes, u) in odd.items():
            off = _off_order(u, order.replace(" (assumed)", ""))
            new = _parse_dates(u, order.replace(" (assumed)", "")).where(~off, u)
            if date_order in DATE_ORDERS and off.any():
                errors += _order_errors(raw, file, name, codes, off.to_numpy(), date_order)
            if new.str.contains("/", regex=False).sum() < u.str.contains("/", regex=False).sum():
                kinds.append(order)
            if (u.str.fullmatch(r"[0-9]{1,7}(?:\.0+)?") & (new != u)).any():
                kinds.append("Excel day numbers")
            uniq[name] = (codes, new)
            df[name] = new.to_numpy(dtype=object)[codes]
        fmt.dates = ", ".join(dict.fromkeys(kinds))
        if date_order in DATE_ORDERS and fmt.dates:
            fmt.dates = fmt.dates.replace(order, f"{order} (date_order: {date_order})")
    return _sentinels(spec, raw, cols, uniq), errors


def _sentinels(
    spec: TableSpec, raw: RawTable, cols: list, uniq: dict[str, tuple[np.ndarray, pd.Series]]
) -> list[str]:
    notes = []
    for f in cols:
        if f.required:
            continue  # the door reports it: this field needs a real date
        codes, u = uniq[f.name]
        is_sent = u.str[:4].isin(_SENTINEL_YEARS).to_numpy()
        if not is_sent.any():
            continue
        cells = is_sent[codes]
        first = int(raw.lines[np.flatnonzero(cells)[0]])
        vals = sorted(set(u[is_sent]))
        raw.data.loc[cells, f.name] = ""
        notes.append(
            f"field '{f.name}': {int(cells.sum())} cell(s) with {', '.join(vals)} (first on line "
            f"{first}) read as 'no date'"
        )
    return notes


def _booleans(spec: TableSpec, df: pd.DataFrame) -> bool:
    changed = False
    for f in spec.fields:
        if f.kind != "bool" or f.name not in df.columns:
            continue
        codes, u = _uniques(df[f.name])
        low = u.str.lower().str.strip()
        mapped = low.map(_BOOL_WORDS)
        if mapped.notna().any():
            df[f.name] = mapped.fillna(u).to_numpy(dtype=object)[codes]
            changed = True
    return changed


def normalise_cells(
    spec: TableSpec,
    raw: RawTable,
    file: str,
    *,
    european: bool = False,
    date_order: str = "auto",
    decimal: str = "auto",
    real: Mapping[str, np.ndarray] | None = None,
) -> tuple[RawTable, CellFormats, list[ValidationIssue]]:
    """Rewrite numbers, dates and booleans of ``raw`` into canonical text (in place).

    ``european`` (a semicolon-separated file, or a workbook from a decimal-comma locale) breaks
    the ties the data cannot: ``1,234`` reads as 1.234 and ``03/04/2026`` as 3 April.
    ``date_order`` (``dmy``/``mdy``/``ymd``) and ``decimal`` (``,``/``.``), declared in
    standards.yaml, replace the guesses (``auto``: decided per file). ``real`` marks, per
    numeric column, a workbook's cells that are numbers (not text): kept as they are.
    """
    fmt = CellFormats()
    if len(raw.data) == 0:
        return raw, fmt, []
    found = _numbers(spec, raw, european, fmt, file=file, decimal=decimal, real=real)
    notes, off_order = _dates(spec, raw, european, fmt, file=file, date_order=date_order)
    if _booleans(spec, raw.data):
        fmt.notes.append("true/false written in words of another language")
    issues = [ValidationIssue(file, None, None, None, None, n, "note") for n in notes]
    issues += found + off_order
    if "(assumed)" in fmt.dates:  # a guess that moves dates by months if wrong: say it louder
        issues.append(
            ValidationIssue(
                file, None, None, None, "dates written YYYY-MM-DD (ISO) to be sure",
                "every date in this file fits both day/month and month/day: read as "
                "month/day/year, so 03/04/2026 is 4 March 2026 (a comma-separated file; a "
                "semicolon-separated one is read day/month); `date_order: dmy` in "
                "standards.yaml reads them day first", "warning",
            )
        )  # fmt: skip
    return raw, fmt, issues


def format_column(s: pd.Series) -> pd.Series:
    """A typed column as the canonical text the door reads back to the same values (ISO dates,
    ``true``/``false``, floats by ``repr`` without a trailing ``.0``): what the CSV folder and
    the workbook writers both write, so a round trip through either gives equal tables."""
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.strftime(DATE_FORMAT).fillna("")
    if pd.api.types.is_bool_dtype(s):
        return s.map({True: "true", False: "false"})
    if pd.api.types.is_float_dtype(s):
        return s.map(lambda v: "" if pd.isna(v) else repr(float(v)).removesuffix(".0"))
    return s.astype("str")
