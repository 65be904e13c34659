"""A portfolio as one Excel workbook: a sheet per table, validated by the same door as CSV.

Analysts keep portfolios in Excel. Each sheet is named like the CSV file's stem (``projects``,
``tasks``, ``links`` ...) with the same header row; ``standards.yaml`` may sit beside the workbook.
Problems name the workbook, the sheet and the spreadsheet row (header = row 1).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import warnings
import zipfile
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from defusedxml.ElementTree import iterparse

from pmkit.errors import PmkitError
from pmkit.io._cells import format_column, normalise_cells
from pmkit.io._standards import cell_reading, drop_restated, read_standards
from pmkit.io.csv_folder import needs_rows
from pmkit.model import TABLES, Portfolio
from pmkit.validation import RawTable, Severity, ValidationIssue, ValidationReport, validate_tables
from pmkit.vocabulary import DATE_FORMAT

__all__ = [
    "load_workbook",
    "read_workbook",
    "text_stays_text",
    "validate_workbook",
    "write_workbook",
]

MAX_REPORTED = 50  # formula cells without a value listed one by one


def _cell_text(v: Any) -> str:
    """Excel gives typed cells; the validation door wants the text a CSV would hold."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dt.datetime):
        return v.strftime(DATE_FORMAT) if v.time() == dt.time() else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).replace("\ufeff", "").strip()  # a pasted byte-order mark is never content


@dataclass
class _SheetXml:
    """What the values alone do not show: merged ranges, hidden rows, formulas never computed."""

    merged: list[str] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)
    hidden_cols: list[int] = field(default_factory=list)  # 1-based column numbers
    uncached: list[str] = field(default_factory=list)  # cell refs of formulas with no value
    errors: list[tuple[str, str]] = field(default_factory=list)  # (cell ref, "#N/A") error cells


def _scan_sheet_xml(ws: Any) -> _SheetXml:
    """One streaming pass (defusedxml) over the sheet's XML."""
    out = _SheetXml()
    try:
        src = ws._get_source()  # openpyxl's read-only stream of this sheet's XML
    except (AttributeError, KeyError, OSError):
        return out
    with src:
        cell_ref, has_f, has_v, is_error = "", False, False, False
        for event, el in iterparse(src, events=("start", "end")):
            tag = el.tag.rsplit("}", 1)[-1]
            if event == "start":
                if tag == "c":
                    cell_ref, has_f, has_v = el.get("r", ""), False, False
                    is_error = el.get("t") == "e"
                elif tag == "row" and el.get("hidden") in ("1", "true"):
                    out.hidden_rows.append(int(el.get("r", "0")))
                elif tag == "col" and el.get("hidden") in ("1", "true"):
                    lo, hi = int(el.get("min", "0")), int(el.get("max", "0"))
                    out.hidden_cols.extend(range(lo, min(hi, lo + 16383) + 1))
                continue
            if tag == "f":
                has_f = True
            elif tag == "v":
                has_v = has_v or bool(el.text)
                if is_error and el.text:
                    out.errors.append((cell_ref, el.text))
            elif tag == "c":
                if has_f and not has_v:
                    out.uncached.append(cell_ref)
                el.clear()
            elif tag == "mergeCell":
                out.merged.append(el.get("ref", ""))
            elif tag == "row":
                el.clear()
    return out


_NO_VALUE = "formula has no computed value"
_ERROR_VALUE = "the cell holds an Excel error, not a value"


def _sheet_issues(
    file: str, xml: _SheetXml, header: list[str], fields: Collection[str] = ()
) -> list[ValidationIssue]:
    """Merged header cells and formulas without a value (errors, the formula's cell named by
    its column's field), hidden rows and columns (notes)."""
    from openpyxl.utils import column_index_from_string  # openpyxl loads when a book is read

    n_cols = len(header)
    issues: list[ValidationIssue] = []
    for ref in xml.merged:
        if re.fullmatch(r"[A-Z]+1:[A-Z]+\d+", ref):
            issues.append(ValidationIssue(file, 1, None, ref, "one column name per cell",
                                          "merged header cells"))  # fmt: skip
    for ref in xml.uncached[:MAX_REPORTED]:
        row = int(re.sub(r"[A-Z]+", "", ref) or 0)
        col = column_index_from_string(re.sub(r"\d+", "", ref) or "A")
        fld = header[col - 1] if 0 < col <= n_cols and header[col - 1] else None
        issues.append(ValidationIssue(
            file, row, fld, ref, "a value (open and save the workbook in Excel to compute it)",
            _NO_VALUE))  # fmt: skip
    for ref, text in xml.errors[:MAX_REPORTED]:
        # an error in a text column (a failed lookup giving "#N/A") was read as the name itself
        row = int(re.sub(r"[A-Z]+", "", ref) or 0)
        col = column_index_from_string(re.sub(r"\d+", "", ref) or "A")
        fld = header[col - 1] if 0 < col <= n_cols and header[col - 1] else None
        if row > 1 and fld in fields:  # a column pmkit ignores may hold anything
            issues.append(ValidationIssue(file, row, fld, f"{text} in {ref}",
                                          "a value (fix the formula or type the value)",
                                          _ERROR_VALUE))  # fmt: skip
    if xml.hidden_rows:
        rows = xml.hidden_rows
        msg = f"{len(rows)} hidden row(s) (first: row {rows[0]}) are read like the others"
        issues.append(ValidationIssue(file, rows[0], None, None, None, msg, "note"))
    cols = [c for c in xml.hidden_cols if c <= n_cols]
    if cols:
        msg = f"{len(cols)} hidden column(s) (first: column {cols[0]}) are read like the others"
        issues.append(ValidationIssue(file, 1, None, None, None, msg, "note"))
    return issues


def _sheet_table(
    rows: list[tuple[Any, ...]], file: str
) -> tuple[pd.DataFrame, np.ndarray, list[ValidationIssue], dict[str, np.ndarray]]:
    """Header + body as text cells; duplicate or nameless columns reported like in a CSV.
    Also, per column, which cells Excel holds as numbers (not text): they are read as they
    are, whatever the text cells' decimal mark."""
    header = [_cell_text(h) for h in rows[0]]
    issues: list[ValidationIssue] = []
    keep: list[int] = []
    seen: dict[str, int] = {}
    for pos, name in enumerate(header):
        if not name:
            if any(_cell_text(r[pos]) for r in rows[1:] if pos < len(r)):
                issues.append(ValidationIssue(file, 1, f"column {pos + 1}", None, "a column name",
                                              "column has no name; its values are ignored",
                                              "warning"))  # fmt: skip
            continue
        if name in seen:
            issues.append(ValidationIssue(file, 1, name, f"columns {seen[name] + 1} and {pos + 1}",
                                          "each column name once", "duplicate column"))  # fmt: skip
            continue
        seen[name] = pos
        keep.append(pos)
    width = len(header)
    body = [[_cell_text(v) for v in (tuple(r) + (None,) * (width - len(r)))[:width]]
            for r in rows[1:]]  # fmt: skip
    df = pd.DataFrame([[r[p] for p in keep] for r in body], columns=[header[p] for p in keep])
    if not body:
        df = pd.DataFrame({header[p]: pd.Series([], dtype="str") for p in keep})
    df = df.astype("str") if len(df) else df
    lines = np.arange(2, len(df) + 2, dtype=np.int64)
    blank = (df == "").all(axis=1).to_numpy() if len(df.columns) else np.ones(len(df), bool)
    real = {
        header[p]: np.array(
            [
                isinstance(v, int | float) and not isinstance(v, bool)
                for v in ((r[p] if p < len(r) else None) for r in rows[1:])
            ],
            dtype=bool,
        )[~blank]
        for p in keep
    }
    return df[~blank].reset_index(drop=True), lines[~blank], issues, real


def _read_sheets(
    wb: Any, book: str, reading: tuple[str, str] = ("auto", "auto")
) -> tuple[dict[str, RawTable | None], dict[str, str], list[ValidationIssue]]:
    issues: list[ValidationIssue] = []
    raw: dict[str, RawTable | None] = {}
    sheets = {s.strip().lower(): s for s in wb.sheetnames}
    for extra in [s for k, s in sheets.items() if k not in TABLES]:
        issues.append(ValidationIssue(f"{book}[{extra}]", None, None, None, None,
                                      "not a portfolio table; sheet ignored", "note"))  # fmt: skip
    for name, spec in TABLES.items():
        sheet = sheets.get(name)
        if sheet is None and not spec.required_file and not spec.warn_if_missing:
            raw[name] = None
            continue
        if sheet is None:
            sev: Severity = "error" if spec.required_file else "warning"
            msg = "sheet is missing" if spec.required_file else "sheet is missing; treated as empty"
            issues.append(ValidationIssue(book, None, None, None,
                                          f"a sheet named {name!r}", msg, sev))  # fmt: skip
            raw[name] = None
            continue
        file = f"{book}[{sheet}]"
        ws = wb[sheet]
        rows = list(ws.iter_rows(values_only=True))
        if not rows or all(v is None for v in rows[0]):
            issues.append(ValidationIssue(file, 1, None, None, "a header row",
                                          "sheet is empty"))  # fmt: skip
            raw[name] = None
            continue
        state = str(getattr(ws, "sheet_state", "visible"))
        if state != "visible":  # a hidden table is still the table: read, but say so
            shown = "very hidden" if state == "veryHidden" else state
            msg = f"sheet is {shown}; read like the others"
            issues.append(ValidationIssue(file, None, None, None, None, msg, "note"))
        xml = _scan_sheet_xml(ws)
        issues += _sheet_issues(file, xml, [_cell_text(h) for h in rows[0]], spec.columns)
        df, lines, found, real = _sheet_table(rows, file)
        issues += found
        date_order, decimal = reading  # declared in standards.yaml, or "auto"
        rt, fmt, found = normalise_cells(
            spec,
            RawTable(df, lines),
            spec.file,
            date_order=date_order,
            decimal=decimal,
            real=real,
        )
        issues += found
        if fmt.describe() or fmt.notes:
            text = "read with " + ", ".join([*fmt.describe(), *fmt.notes])
            issues.append(ValidationIssue(file, None, None, None, None, text, "note"))
        raw[name] = rt
    files = {n: f"{book}[{sheets.get(n, n)}]" for n in TABLES}
    issues += needs_rows(raw, files, "sheet")
    return raw, sheets, issues


def read_workbook(
    path: str | os.PathLike[str],
) -> tuple[dict[str, pd.DataFrame], dict[str, Any], ValidationReport]:
    """Read and validate a workbook: (typed tables, standards, report). Raises only if absent
    or not a workbook at all."""
    from openpyxl import load_workbook as _open

    book_path = Path(path)
    if not book_path.is_file():
        what = "is a folder, not a workbook" if book_path.is_dir() else "workbook not found"
        raise PmkitError(what, file=str(book_path), expected="an .xlsx file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes on unsupported extensions
            wb = _open(book_path, read_only=True, data_only=True)
    except Exception as exc:  # zip/XML errors from a damaged or non-Excel file
        raise PmkitError(
            f"cannot open as an Excel workbook ({type(exc).__name__})",
            file=book_path.name,
            expected="an .xlsx workbook saved by Excel or LibreOffice",
        ) from exc
    # read first: its date_order / decimal say how to read the sheets' text cells
    standards, standards_found = read_standards(book_path.parent)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw, sheets, issues = _read_sheets(wb, book_path.name, cell_reading(standards))
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        raise PmkitError(
            f"cannot read the workbook's sheets ({type(exc).__name__}: {exc})",
            file=book_path.name,
        ) from exc
    finally:
        wb.close()
    issues.extend(standards_found)
    tables, report = validate_tables(raw, standards, pre_issues=issues, source=str(book_path))
    # Name the sheet, not the CSV file the schema describes.
    sheet_of = {spec.file: f"{book_path.name}[{sheets.get(n, n)}]" for n, spec in TABLES.items()}
    issues = [dataclasses.replace(i, file=sheet_of.get(i.file, i.file)) for i in report.issues]
    # a formula without a value leaves its cell empty: its "value is required" is the same
    # problem said twice
    no_value = {(i.file, i.line, i.field) for i in issues if i.message == _NO_VALUE}
    # an error cell is one problem, not also "cannot read the value '#DIV/0!'"
    error_cell = {(i.file, i.line, i.field) for i in issues if i.message == _ERROR_VALUE}
    issues = drop_restated(issues)
    report.issues[:] = [
        i
        for i in issues
        if not (i.code == "required" and (i.file, i.line, i.field) in no_value)
        and not (i.message != _ERROR_VALUE and (i.file, i.line, i.field) in error_cell)
    ]
    return tables, standards, report


def validate_workbook(path: str | os.PathLike[str]) -> ValidationReport:
    """Every problem of the workbook; never raises for bad data."""
    return read_workbook(path)[2]


def load_workbook(path: str | os.PathLike[str]) -> Portfolio:
    """A validated portfolio from a workbook, or ``PortfolioValidationError`` with every problem."""
    tables, standards, report = read_workbook(path)
    report.raise_if_errors()
    return Portfolio.from_tables(tables, standards, source=Path(path).resolve())


def write_workbook(portfolio: Portfolio, path: str | os.PathLike[str]) -> Path:
    """Write every table to its own sheet (text cells as in the CSV form, so it round-trips)."""
    out = Path(path)
    sheets: dict[str, pd.DataFrame] = {}
    for name, spec in TABLES.items():
        df = getattr(portfolio, spec.attr)
        cols = [c for c in spec.columns if c in df.columns]
        text = pd.DataFrame({c: format_column(df[c]) for c in cols}, columns=cols)
        _refuse_long_cells(text, spec.file)
        sheets[name] = text
    with pd.ExcelWriter(out, engine="openpyxl") as xw:
        for name, text in sheets.items():
            text.to_excel(xw, sheet_name=name, index=False)
        text_stays_text(xw.book)
    return out


def text_stays_text(book: Any) -> None:
    """Store every cell pandas turned into a formula as the text it was.

    openpyxl takes any string starting with ``=`` for a formula, so a task named
    ``=HYPERLINK("http://…")`` would run when the workbook is opened in Excel or LibreOffice
    (spreadsheet formula injection) and would not load back (a formula has no value). Stored
    as text, the cell shows the name and reads back equal.
    """
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


EXCEL_CELL_CHARS = 32_767
"""Excel's limit on one cell's text; openpyxl cuts longer text with only a Python warning."""


def _refuse_long_cells(text: pd.DataFrame, file: str) -> None:
    """A cell Excel cannot hold whole is an error naming it, before anything is written: a
    workbook that silently cut a 40,000-character name would load back as other data."""
    for col in text.columns:
        n = text[col].astype(str).str.len().to_numpy()
        if len(n) and n.max() > EXCEL_CELL_CHARS:
            row = int(np.argmax(n > EXCEL_CELL_CHARS))
            raise PmkitError(
                "text longer than an Excel cell holds; nothing was written",
                file=file,
                line=row + 2,
                field=col,
                value=f"{int(n[row]):,} characters",
                expected=f"at most {EXCEL_CELL_CHARS:,} characters (or keep the CSV folder)",
            )
