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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pmkit.model import TableSpec
from pmkit.validation import RawTable, ValidationIssue
from pmkit.vocabulary import DATE_FORMAT

__all__ = ["CellFormats", "format_column", "normalise_cells"]

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
    if european and u.str.fullmatch(_AMBIGUOUS_COMMA).any():
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


def _numbers(spec: TableSpec, df: pd.DataFrame, european: bool, fmt: CellFormats) -> None:
    """Decide the decimal mark from the numeric columns, then rewrite them (distinct texts)."""
    cols = [f.name for f in spec.fields if f.kind in ("float", "int") and f.name in df.columns]
    # one C-speed regex over each column joined: most columns hold only plain numbers
    suspects = [c for c in cols if _NOT_PLAIN.search("".join(df[c].tolist()))]
    uniq = {c: _uniques(df[c]) for c in suspects}
    odd = {c: u[u.str.contains(_NOT_PLAIN.pattern, regex=True)] for c, (_, u) in uniq.items()}
    odd = {c: u for c, u in odd.items() if len(u)}
    if not odd:  # plain numbers only: no comma anywhere, so nothing can vote for a comma
        fmt.decimal = "."
        return
    samples = list(odd.values())
    samples += [_uniques(df[c])[1].head(5000) for c in cols if c not in odd]
    fmt.decimal = _decide_decimal(samples, european)
    for c in cols:
        if c not in odd and fmt.decimal == ".":
            continue
        codes, u = uniq[c] if c in uniq else _uniques(df[c])
        df[c] = _to_point(u, fmt.decimal, fmt).to_numpy(dtype=object)[codes]


def _parse_dates(u: pd.Series, order: str) -> pd.Series:
    """Distinct date texts -> ``YYYY-MM-DD`` text; unreadable ones stay as typed."""
    out = u.copy()
    iso_time = u.str.extract(r"^(\d{4}-\d{2}-\d{2})[T ]00:00(?::00(?:\.0+)?)?$")[0]
    out = out.where(iso_time.isna(), iso_time)
    ymd = u.str.extract(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
    has = ymd[0].notna()
    out[has] = ymd[0][has] + "-" + ymd[1][has].str.zfill(2) + "-" + ymd[2][has].str.zfill(2)
    dm = u.str.extract(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?:\s+0?0:00(?::00)?)?$")
    has = dm[0].notna()
    if has.any():
        day, mon = (dm[0], dm[1]) if order == "day/month/year" else (dm[1], dm[0])
        year = dm[2].where(dm[2].str.len() == 4, "20" + dm[2])
        out[has] = year[has] + "-" + mon[has].str.zfill(2) + "-" + day[has].str.zfill(2)
    compact = u.str.fullmatch(r"(?:19|20|21)\d{6}")
    out[compact] = u[compact].str[:4] + "-" + u[compact].str[4:6] + "-" + u[compact].str[6:]
    serial = u.str.fullmatch(r"\d{1,7}(?:\.0+)?") & ~compact
    if serial.any():
        n = pd.to_numeric(u[serial]).to_numpy()
        days = _EXCEL_EPOCH + n.astype("int64").astype("timedelta64[D]")
        good = (n >= 1) & (n <= 2958465)
        text = pd.Series(np.datetime_as_string(days, unit="D"), index=u[serial].index)
        out[serial] = text.where(good, u[serial])
    return out


def _day_month_order(values: list[pd.Series], european: bool) -> str:
    u = pd.concat(values, ignore_index=True) if values else pd.Series([], dtype="str")
    dm = u.str.extract(r"^(\d{1,2})[/.-](\d{1,2})[/.-](?:\d{4}|\d{2})")
    a, b = pd.to_numeric(dm[0]), pd.to_numeric(dm[1])
    if (a > 12).any():
        return "day/month/year"
    if (b > 12).any():
        return "month/day/year"
    return "day/month/year" if european or dm[0].isna().all() else "month/day/year (assumed)"


def _dates(spec: TableSpec, raw: RawTable, european: bool, fmt: CellFormats) -> list[str]:
    """Rewrite the date columns; return the optional cells emptied as 'no date' placeholders."""
    df = raw.data
    cols = [f for f in spec.fields if f.kind == "date" and f.name in df.columns]
    uniq = {f.name: _uniques(df[f.name]) for f in cols}
    odd = {
        n: (codes, u)
        for n, (codes, u) in uniq.items()
        if not u[u != ""].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    }
    if odd:
        order = _day_month_order([u for _, u in odd.values()], european)
        kinds = []
        for name, (codes, u) in odd.items():
            new = _parse_dates(u, order.replace(" (assumed)", ""))
            if new.str.contains("/", regex=False).sum() < u.str.contains("/", regex=False).sum():
                kinds.append(order)
            if (u.str.fullmatch(r"\d{1,7}(?:\.0+)?") & (new != u)).any():
                kinds.append("Excel day numbers")
            uniq[name] = (codes, new)
            df[name] = new.to_numpy(dtype=object)[codes]
        fmt.dates = ", ".join(dict.fromkeys(kinds))
    return _sentinels(spec, raw, cols, uniq)


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
    spec: TableSpec, raw: RawTable, file: str, *, european: bool = False
) -> tuple[RawTable, CellFormats, list[ValidationIssue]]:
    """Rewrite numbers, dates and booleans of ``raw`` into canonical text (in place).

    ``european`` (a semicolon-separated file, or a workbook from a decimal-comma locale) breaks
    the ties the data cannot: ``1,234`` reads as 1.234 and ``03/04/2026`` as 3 April.
    """
    fmt = CellFormats()
    if len(raw.data) == 0:
        return raw, fmt, []
    _numbers(spec, raw.data, european, fmt)
    notes = _dates(spec, raw, european, fmt)
    if _booleans(spec, raw.data):
        fmt.notes.append("true/false written in words of another language")
    issues = [ValidationIssue(file, None, None, None, None, n, "note") for n in notes]
    if "(assumed)" in fmt.dates:  # a guess that moves dates by months if wrong: say it louder
        issues.append(
            ValidationIssue(
                file, None, None, None, "dates written YYYY-MM-DD (ISO) to be sure",
                "every date in this file fits both day/month and month/day: read as "
                "month/day/year, so 03/04/2026 is 4 March 2026 (a comma-separated file; a "
                "semicolon-separated one is read day/month)", "warning",
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
