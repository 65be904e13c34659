"""The roll-up workbook: one sheet per PMO table, written atomically, text never a formula.

Text from the data (names may hold anything, even ``=formulas``) is stored as plain text; text
longer than a cell holds is cut with a note saying so in the cell (:func:`_fit`).
"""

from __future__ import annotations

import math
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pmkit.io.excel import EXCEL_CELL_CHARS
from pmkit.model import Portfolio
from pmkit.portfolio.decisions import apply_decisions
from pmkit.portfolio.governance import gate_summary
from pmkit.portfolio.rollup import rollup_on_schedule
from pmkit.reports._files import atomic_write
from pmkit.risk import risk_register
from pmkit.schedule.cpm import Schedule
from pmkit.standards import standards_of

__all__ = ["EXCEL_SHEETS", "export_excel"]

EXCEL_SHEETS = ("Roll-up", "RAG rules", "Risks", "Changes", "Gates")


def _cell(value: Any) -> Any:
    """A value openpyxl writes faithfully: None for missing, datetimes, plain numbers."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime().replace(tzinfo=None)
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).to_pydatetime()
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, list | tuple | set):
        return ", ".join(map(str, value))
    return value


def _fit(text: str) -> str:
    """Text as a cell holds it: Excel keeps at most :data:`EXCEL_CELL_CHARS` characters. A
    longer name is cut there (this workbook is a report, not data: the data workbook refuses
    it), and the cell's end says so, with the full length: the cut is never silent."""
    if len(text) <= EXCEL_CELL_CHARS:
        return text
    note = f" [... cut: {len(text):,} characters; an Excel cell holds {EXCEL_CELL_CHARS:,}]"
    return text[: EXCEL_CELL_CHARS - len(note)] + note


def _sheet(wb: Any, title: str, df: pd.DataFrame) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    ws = wb.create_sheet(title)
    bold = Font(bold=True)
    header = []
    for col in df.columns:
        c = WriteOnlyCell(ws, value=str(col))
        c.font = bold
        header.append(c)
    ws.append(header)
    for rec in df.itertuples(index=False, name=None):
        row = []
        for v in rec:
            v = _cell(v)
            if isinstance(v, str):
                c = WriteOnlyCell(ws, value=_fit(v))
                c.data_type = "s"  # text stays text: "=HYPERLINK(...)" in a name is not a formula
                row.append(c)
            elif isinstance(v, datetime | date):
                c = WriteOnlyCell(ws, value=v)
                c.number_format = "yyyy-mm-dd"
                row.append(c)
            else:
                row.append(v)
        ws.append(row)
    ws.freeze_panes = "B2"


def export_excel(
    portfolio: Portfolio,
    path: str | os.PathLike[str],
    *,
    schedule: Schedule | pd.DataFrame | None = None,
    rollup_df: pd.DataFrame | None = None,
    pmo_type: str | None = None,
) -> Path:
    """Write the roll-up workbook: sheets :data:`EXCEL_SHEETS` (one table each, header row).

    Parameters
    ----------
    portfolio : Portfolio
    path : path-like
        The ``.xlsx`` to write (replaced atomically).
    schedule, rollup_df
        Reuse an existing schedule / roll-up (else the roll-up is computed on the
        portfolio's schedule, like every dashboard's).
    pmo_type : str, optional
        For the Gates sheet (default: the standards').
    """
    from openpyxl import Workbook

    # the figures every dashboard shows: forecasts from the (portfolio's) schedule
    roll = rollup_df if rollup_df is not None else rollup_on_schedule(portfolio, schedule)
    std = standards_of(portfolio)
    sheets = {
        "Roll-up": roll,
        "RAG rules": std.rule_table(),
        "Risks": risk_register(portfolio, status=None),
        "Changes": apply_decisions(portfolio),
        "Gates": gate_summary(portfolio, pmo_type=pmo_type),
    }

    def write(tmp: Path) -> None:
        wb = Workbook(write_only=True)
        for title in EXCEL_SHEETS:
            _sheet(wb, title, sheets[title])
        wb.save(tmp)

    return atomic_write(Path(path), write)
