"""Numbers as a PMO's spreadsheet writes them, not as Python's ``float()`` reads them (s15c).

``float()`` reads ``1_000`` (a Python literal), digits of other scripts (``١٢٣``, full-width
``１２３``), ``infinity`` and ``nan``; no spreadsheet reads those cells as numbers, and a CSV
that holds them came from somewhere that did not mean a number. Each is now an error naming
its cell (before, 452d6ea: ``1_000`` and ``١٢٣`` were read as 1000 and 123, silently).
What a spreadsheet does read stays read: ``1e3``, ``+5``, `` 5 ``, ``5.``, ``.5``,
``1 000``. ``-0`` is read as 0 (it was -0.0, shown as "-0").
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import pmkit

DATA = Path(__file__).resolve().parents[2] / "data"


def _with_cell(tmp: Path, col: str, value: str, sep: str = ",") -> tuple[Path, int]:
    d = tmp / "pf"
    shutil.copytree(DATA, d)
    t = pd.read_csv(d / "tasks.csv", dtype=str, keep_default_na=False)
    i = int(t.index[(t["is_summary"] == "false") & (t["is_milestone"] == "false")][0])
    t.loc[i, col] = value
    t.to_csv(d / "tasks.csv", index=False, sep=sep)
    return d, i


REFUSED = ["1_000", "1_000.5", "١٢٣", "１２３", "٫5", "−7", "nan", "NaN", "inf", "Infinity", "0x10"]
READ = {"1e3": 1000.0, "+5": 5.0, " 5 ": 5.0, "5.": 5.0, ".5": 0.5, "1 000": 1000.0, "-0": 0.0}


@pytest.mark.parametrize("sep", [",", ";"])
@pytest.mark.parametrize("value", REFUSED)
def test_python_only_numbers_are_an_error_on_their_cell(
    tmp_path: Path, value: str, sep: str
) -> None:
    d, i = _with_cell(tmp_path, "budgeted_cost", value, sep)
    errors = [x for x in pmkit.validate_portfolio(d).issues if x.severity == "error"]
    assert len(errors) == 1, errors
    e = errors[0]
    assert (e.file, e.line, e.field) == ("tasks.csv", i + 2, "budgeted_cost"), e
    assert value.strip() in str(e)


def test_the_error_says_what_to_write(tmp_path: Path) -> None:
    d, _ = _with_cell(tmp_path, "duration_days", "1_000")
    (e,) = [x for x in pmkit.validate_portfolio(d).issues if x.severity == "error"]
    assert "digits 0-9" in str(e) and "'_'" in str(e), str(e)


@pytest.mark.parametrize("value", list(READ))
def test_spreadsheet_numbers_are_read(tmp_path: Path, value: str) -> None:
    d, i = _with_cell(tmp_path, "budgeted_cost", value)
    got = pmkit.load_portfolio(d).tasks.loc[i, "budgeted_cost"]
    assert got == READ[value]
    assert str(got) != "-0.0"


def test_a_workbook_text_cell_1_000_is_an_error_naming_the_cell(tmp_path: Path) -> None:
    src = tmp_path / "book.xlsx"
    pmkit.write_workbook(pmkit.load_portfolio(DATA), src)
    wb = openpyxl.load_workbook(src)
    ws = wb["tasks"]
    col = [c.value for c in ws[1]].index("budgeted_cost") + 1
    ws.cell(row=3, column=col).value = "1_000"  # typed as text
    out = tmp_path / "book" / "book.xlsx"
    out.parent.mkdir()
    wb.save(out)
    errors = [x for x in pmkit.validate_workbook(out).issues if x.severity == "error"]
    assert len(errors) == 1, errors
    assert errors[0].field == "budgeted_cost" and errors[0].line == 3, errors[0]
    assert "book.xlsx" in str(errors[0])
