"""Portfolios as people really have them, made from ``data/`` (nothing copied into the repo).

``write_dialect(dst, **style)`` rewrites the sample portfolio the way Excel, ERP systems and
text editors write CSV: another delimiter, a decimal comma, thousands separators, day/month
dates, Excel day numbers, booleans in Spanish, UTF-16/Windows-1252, CRLF or CR line ends.
``write_book(dst, ...)`` writes it as an Excel-saved workbook with typed cells. Each must load
into the same tables as ``data/``; the broken corpus mutates these copies.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
from pathlib import Path

from pmkit.model import TABLES

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
EXCEL_EPOCH = dt.date(1899, 12, 30)


def read_rows(name: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of ``data/<name>.csv`` as text."""
    with (DATA / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _number(text: str, decimal: str, thousands: str) -> str:
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        return text
    whole, _, frac = text.lstrip("-").partition(".")
    if thousands:
        groups = []
        while len(whole) > 3:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        whole = thousands.join([whole, *groups])
    sign = "-" if text.startswith("-") else ""
    return sign + whole + (decimal + frac if frac else "")


def _date(text: str, style: str) -> str:
    if not text or style == "iso":
        return text
    d = dt.date.fromisoformat(text)
    if style == "dmy":
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    if style == "mdy":
        return f"{d.month}/{d.day}/{d.year}"
    if style == "serial":
        return str((d - EXCEL_EPOCH).days)
    raise ValueError(style)


def restyle(
    name: str,
    *,
    decimal: str = ".",
    thousands: str = "",
    dates: str = "iso",
    bools: tuple[str, str] = ("true", "false"),
    no_date: str = "",
) -> tuple[list[str], list[list[str]]]:
    """The sample table with its typed cells written in another locale's way."""
    spec = TABLES[name]
    header, rows = read_rows(name)
    kinds = [spec.field(h).kind if h in spec.columns else "str" for h in header]
    required = [spec.field(h).required if h in spec.columns else True for h in header]
    out = []
    for row in rows:
        cells = []
        for cell, kind, req in zip(row, kinds, required, strict=True):
            if kind in ("float", "int"):
                cell = _number(cell, decimal, thousands)
            elif kind == "date":
                cell = _date(cell, dates) if cell or req else no_date
            elif kind == "bool":
                cell = bools[0] if cell == "true" else bools[1]
            cells.append(cell)
        out.append(cells)
    return header, out


def write_dialect(
    dst: Path,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    newline: str = "\n",
    **style: object,
) -> Path:
    """The sample portfolio rewritten in one CSV dialect (standards.yaml copied as is)."""
    dst.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        header, rows = restyle(name, **style)  # type: ignore[arg-type]
        buf = io.StringIO()
        csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows([header, *rows])
        (dst / f"{name}.csv").write_bytes(buf.getvalue().encode(encoding))
    shutil.copy(DATA / "standards.yaml", dst / "standards.yaml")
    return dst


def _typed(cell: str, kind: str) -> object:
    if cell == "":
        return None
    if kind == "date":
        return dt.datetime.fromisoformat(cell)
    if kind in ("float", "int"):
        v = float(cell)
        return int(v) if v.is_integer() else v
    if kind == "bool":
        return cell == "true"
    return cell


def write_book(dst: Path, *, dates: str = "typed", extra_sheet: bool = True) -> Path:
    """The sample as an Excel-saved workbook: typed numbers, dates and booleans, date cells
    formatted, a notes sheet, a hidden row. ``dates="dmy"|"serial"``: dates as text/numbers."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    if extra_sheet:
        wb.create_sheet("Notes").append(["Exported from the PMO's tracker"])
    for name, spec in TABLES.items():
        ws = wb.create_sheet(name)
        header, rows = read_rows(name)
        kinds = [spec.field(h).kind for h in header]
        ws.append(header)
        for row in rows:
            cells = []
            for c, k in zip(row, kinds, strict=True):
                if k == "date" and dates != "typed" and c:
                    cells.append(int(_date(c, "serial")) if dates == "serial" else _date(c, dates))
                else:
                    cells.append(_typed(c, k))
            ws.append(cells)
        for col, k in enumerate(kinds, start=1):
            if k == "date" and dates == "typed":
                for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                    cell.number_format = "DD/MM/YYYY"
        if name == "tasks":
            ws.row_dimensions[3].hidden = True
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return dst
