"""A portfolio as one Excel workbook: a sheet per table, validated by the same door as CSV.

Analysts keep portfolios in Excel. Each sheet is named like the CSV file's stem (``projects``,
``tasks``, ``links`` ...) with the same header row; ``standards.yaml`` may sit beside the workbook.
Problems name the workbook, the sheet and the spreadsheet row (header = row 1).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pmkit.errors import PmkitError
from pmkit.io.csv_folder import _format_column, _read_standards
from pmkit.model import TABLES, Portfolio
from pmkit.validation import RawTable, Severity, ValidationIssue, ValidationReport, validate_tables

__all__ = ["load_workbook", "read_workbook", "validate_workbook", "write_workbook"]


def _cell_text(v: Any) -> str:
    """Excel gives typed cells; the validation door wants the text a CSV would hold."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d") if v.time() == dt.time() else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def read_workbook(
    path: str | os.PathLike[str],
) -> tuple[dict[str, pd.DataFrame], dict[str, Any], ValidationReport]:
    """Read and validate a workbook: (typed tables, standards, report). Raises only if absent."""
    from openpyxl import load_workbook as _open

    book_path = Path(path)
    if not book_path.is_file():
        raise PmkitError("workbook not found", file=str(book_path), expected="an .xlsx file")
    try:
        wb = _open(book_path, read_only=True, data_only=True)
    except Exception as exc:  # zip/XML errors from a damaged or non-Excel file
        raise PmkitError(f"cannot open as an Excel workbook: {exc}", file=str(book_path)) from exc
    issues: list[ValidationIssue] = []
    raw: dict[str, RawTable | None] = {}
    sheets = {s.strip().lower(): s for s in wb.sheetnames}
    for name, spec in TABLES.items():
        sheet = sheets.get(name)
        if sheet is None:
            sev: Severity = "error" if spec.required_file else "warning"
            msg = "sheet is missing" if spec.required_file else "sheet is missing; treated as empty"
            issues.append(ValidationIssue(book_path.name, None, None, None,
                                          f"a sheet named {name!r}", msg, sev))  # fmt: skip
            raw[name] = None
            continue
        rows = list(wb[sheet].iter_rows(values_only=True))
        if not rows:
            issues.append(ValidationIssue(f"{book_path.name}[{sheet}]", 1, None, None,
                                          "a header row", "sheet is empty"))  # fmt: skip
            raw[name] = None
            continue
        header = [_cell_text(h) for h in rows[0]]
        body = [[_cell_text(v) for v in r] for r in rows[1:]]
        df = (
            pd.DataFrame(body, columns=header, dtype="str")
            if body
            else pd.DataFrame({h: pd.Series([], dtype="str") for h in header})
        )
        df = df.loc[:, [h for h in header if h]]
        lines = np.arange(2, len(df) + 2, dtype=np.int64)
        blank = (df == "").all(axis=1).to_numpy() if len(df.columns) else np.ones(len(df), bool)
        raw[name] = RawTable(df[~blank].reset_index(drop=True), lines[~blank])
    wb.close()
    standards, found = _read_standards(book_path.parent)
    issues.extend(found)
    tables, report = validate_tables(raw, standards, pre_issues=issues, source=str(book_path))
    # Name the sheet, not the CSV file the schema describes.
    sheet_of = {spec.file: f"{book_path.name}[{sheets.get(n, n)}]" for n, spec in TABLES.items()}
    report.issues[:] = [
        dataclasses.replace(i, file=sheet_of.get(i.file, i.file)) for i in report.issues
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
    with pd.ExcelWriter(out, engine="openpyxl") as xw:
        for name, spec in TABLES.items():
            df = getattr(portfolio, spec.attr)
            cols = [c for c in spec.columns if c in df.columns]
            text = pd.DataFrame({c: _format_column(df[c]) for c in cols}, columns=cols)
            text.to_excel(xw, sheet_name=name, index=False)
    return out
