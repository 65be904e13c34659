"""How the CSV/Excel door reads text cells when standards.yaml declares it, and a number that
fits two readings (s14c).

* ``date_order: dmy|mdy|ymd``: a European PMO's all-ambiguous dates are read day first with no
  guess; a date that does not fit the declared order is an error naming file, line and field
  (once: not also "cannot read the value").
* ``decimal: "," | "."``: a text ``287.184`` is read by it. Undeclared, a text cell that fits
  both readings and that nothing in the file settles is read with a point and flagged.
* A workbook's real number cells are numbers: never re-read as text (a real 287.184 in a book
  whose text cells use a decimal comma stayed 287.184, not 287184), nor voting on the text.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import pmkit
from pmkit.model import TABLES

DATA = Path(__file__).resolve().parents[2] / "data"


def _folder(tmp: Path, extra: str = "") -> Path:
    d = tmp / "pf"
    shutil.copytree(DATA, d)
    if extra:
        with (d / "standards.yaml").open("a", encoding="utf-8") as fh:
            fh.write("\n" + extra + "\n")
    return d


def _ambiguous_holidays(d: Path, bad: str | None = None) -> list[str]:
    """holidays.csv with only days <= 12, written DD/MM/YYYY (what a Spanish Excel saves);
    returns the ISO dates it stands for."""
    h = pd.read_csv(d / "holidays.csv", dtype=str, keep_default_na=False)
    dates = pd.to_datetime(h["date"])
    h = h[dates.dt.day <= 12].reset_index(drop=True)
    iso = h["date"].tolist()
    h["date"] = pd.to_datetime(h["date"]).dt.strftime("%d/%m/%Y")
    if bad is not None:
        h.loc[2, "date"] = bad
    h.to_csv(d / "holidays.csv", index=False)
    return iso


def _holiday_dates(p: pmkit.Portfolio) -> list[str]:
    return p.holidays["date"].dt.strftime("%Y-%m-%d").tolist()


def test_declared_dmy_reads_all_ambiguous_dates_day_first(tmp_path: Path) -> None:
    d = _folder(tmp_path, "date_order: dmy")
    iso = _ambiguous_holidays(d)
    assert len(iso) > 10
    report = pmkit.validate_portfolio(d)
    assert report.ok
    assert not [i for i in report.issues if i.severity == "warning" and i.file == "holidays.csv"]
    notes = [str(i) for i in report.issues if i.file == "holidays.csv"]
    assert any("day/month/year (date_order: dmy)" in n for n in notes), notes
    assert _holiday_dates(pmkit.load_portfolio(d)) == iso


def test_undeclared_keeps_the_guess_and_names_the_setting(tmp_path: Path) -> None:
    d = _folder(tmp_path)
    iso = _ambiguous_holidays(d)
    report = pmkit.validate_portfolio(d)
    warn = [str(i) for i in report.issues if i.severity == "warning" and i.file == "holidays.csv"]
    assert len(warn) == 1 and "date_order: dmy" in warn[0], warn
    assert _holiday_dates(pmkit.load_portfolio(d)) != iso  # month first: the guess


def test_date_not_fitting_the_declared_order_is_one_error_with_its_place(tmp_path: Path) -> None:
    d = _folder(tmp_path, "date_order: dmy")
    _ambiguous_holidays(d, bad="05/18/2026")
    report = pmkit.validate_portfolio(d)
    errors = [i for i in report.issues if i.severity == "error"]
    assert len(errors) == 1, [str(e) for e in errors]
    e = errors[0]
    assert (e.file, e.line, e.field, e.value) == ("holidays.csv", 4, "date", "05/18/2026")
    assert "date_order: dmy" in str(e) and "does not fit the declared date order" in str(e)
    with pytest.raises(pmkit.PmkitError):
        pmkit.load_portfolio(d)


def test_declared_ymd_refuses_day_month_dates(tmp_path: Path) -> None:
    d = _folder(tmp_path, "date_order: ymd")
    _ambiguous_holidays(d)
    report = pmkit.validate_portfolio(d)
    errors = [i for i in report.issues if i.severity == "error"]
    assert errors and all(i.file == "holidays.csv" and i.field == "date" for i in errors)
    assert errors[0].line == 2 and "date_order: ymd" in str(errors[0])


@pytest.mark.parametrize(("key", "value"), [("date_order", "dym"), ("decimal", "';'")])
def test_a_wrong_setting_is_an_error_at_its_line(tmp_path: Path, key: str, value: str) -> None:
    d = _folder(tmp_path, f"{key}: {value}")
    report = pmkit.validate_portfolio(d)
    errors = [i for i in report.issues if i.severity == "error"]
    assert len(errors) == 1 and errors[0].file == "standards.yaml" and errors[0].field == key
    lines = (d / "standards.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[errors[0].line - 1].startswith(f"{key}:")


def test_template_documents_both_settings() -> None:
    from pmkit.templates import standards_template

    text = standards_template()
    assert "date_order: auto" in text and "decimal: auto" in text
    readme = (DATA.parent / "README.md").read_text(encoding="utf-8")
    assert "date_order" in readme and "decimal" in readme


# --------------------------------------------------------------------------- workbooks
def _real_book(tmp: Path, comma_text: bool = False) -> Path:
    """The sample as a workbook whose numeric cells are real numbers (what Excel holds),
    or, with ``comma_text``, whose numbers are text typed with a decimal comma."""
    src = tmp / "text.xlsx"
    pmkit.write_workbook(pmkit.load_portfolio(DATA), src)
    wb = openpyxl.load_workbook(src)
    for name, spec in TABLES.items():
        if name not in wb.sheetnames:
            continue
        ws = wb[name]
        header = [c.value for c in ws[1]]
        numeric = {f.name for f in spec.fields if f.kind in ("float", "int")}
        for j, h in enumerate(header):
            if h not in numeric:
                continue
            for r in range(2, ws.max_row + 1):
                c = ws.cell(row=r, column=j + 1)
                if isinstance(c.value, str) and c.value:
                    c.value = c.value.replace(".", ",") if comma_text else float(c.value)
    out = tmp / "book" / "book.xlsx"
    out.parent.mkdir()
    wb.save(out)
    shutil.copy(DATA / "standards.yaml", out.parent / "standards.yaml")
    return out


def _set(book: Path, row: int, col: str, value: object, standards: str = "") -> None:
    wb = openpyxl.load_workbook(book)
    ws = wb["tasks"]
    header = [c.value for c in ws[1]]
    ws.cell(row=row, column=header.index(col) + 1, value=value)
    wb.save(book)
    if standards:
        with (book.parent / "standards.yaml").open("a", encoding="utf-8") as fh:
            fh.write("\n" + standards + "\n")


def test_text_number_in_a_real_number_column_is_flagged(tmp_path: Path) -> None:
    book = _real_book(tmp_path)
    _set(book, 2, "budgeted_cost", "287.184")
    report = pmkit.validate_workbook(book)
    warn = [i for i in report.issues if i.severity == "warning" and i.field == "budgeted_cost"]
    assert len(warn) == 1, [str(i) for i in report.issues if i.severity != "note"]
    w = warn[0]
    assert (w.file, w.line, w.value) == ("book.xlsx[tasks]", 2, "287.184")
    assert "two readings" in w.message and "decimal" in (w.expected or "")
    assert pmkit.load_workbook(book).tasks.loc[0, "budgeted_cost"] == pytest.approx(287.184)


@pytest.mark.parametrize(("mark", "value"), [(",", 287184.0), (".", 287.184)])
def test_declared_decimal_reads_the_text_cell(tmp_path: Path, mark: str, value: float) -> None:
    book = _real_book(tmp_path)
    _set(book, 2, "budgeted_cost", "287.184", standards=f'decimal: "{mark}"')
    report = pmkit.validate_workbook(book)
    assert report.ok and not [i for i in report.issues if i.severity == "warning"]
    t = pmkit.load_workbook(book).tasks
    assert t.loc[0, "budgeted_cost"] == pytest.approx(value)
    # the real number cells are untouched by the declared mark
    ref = pmkit.load_portfolio(DATA).tasks
    pd.testing.assert_series_equal(t["budgeted_cost"].iloc[1:], ref["budgeted_cost"].iloc[1:])


def test_real_number_cell_is_never_reread_by_the_texts_decimal_comma(tmp_path: Path) -> None:
    """Text typed with decimal commas around one real number cell 287.184: the text is read
    with a comma, the number stays 287.184 (was 287184: re-read as text, dot = thousands)."""
    book = _real_book(tmp_path, comma_text=True)
    _set(book, 3, "budgeted_cost", 287.184)
    t = pmkit.load_workbook(book).tasks
    assert t.loc[1, "budgeted_cost"] == pytest.approx(287.184)
    ref = pmkit.load_portfolio(DATA).tasks
    assert t.loc[2:, "duration_days"].tolist() == ref.loc[2:, "duration_days"].tolist()


def test_semicolon_file_reads_dot_groups_as_thousands_and_says_so(tmp_path: Path) -> None:
    """A `;` file (a decimal-comma Excel's CSV) whose only dotted number is 287.184: read as
    287184, like its 1,234 is 1.234, with the warning naming the cell."""
    d = _folder(tmp_path)
    p = pd.read_csv(d / "projects.csv", dtype=str, keep_default_na=False)
    p["budget"] = p["budget"].astype(float).round().astype(int).astype(str)  # no 259584.0
    p.loc[0, "budget"] = "287.184"
    p.to_csv(d / "projects.csv", index=False, sep=";")
    report = pmkit.validate_portfolio(d)
    warn = [i for i in report.issues if i.code == "bad-number" and i.file == "projects.csv"]
    assert len(warn) == 1 and (warn[0].line, warn[0].field) == (2, "budget"), warn
    assert "read as 287184 ('.' as the thousands mark)" in warn[0].message, warn[0].message
    assert pmkit.load_portfolio(d).projects.loc[0, "budget"] == 287184.0


# --------------------------------------------------------------------------- date cells
@pytest.mark.parametrize(
    "typed", ["31/02/2026", "00/05/2026", "2026/02/30", "20260230", "１８/05/2026", "４６０２２"]
)
def test_a_date_that_is_no_day_is_quoted_as_typed(tmp_path: Path, typed: str) -> None:
    """The error quotes the cell as written (was the rewritten '2026-02-31'), and full-width
    digits are an error on the cell, not a ValueError out of pmkit.validate_portfolio."""
    d = _folder(tmp_path)
    t = pd.read_csv(d / "tasks.csv", dtype=str, keep_default_na=False)
    t.loc[3, "baseline_start"] = typed
    t.to_csv(d / "tasks.csv", index=False)
    errors = [i for i in pmkit.validate_portfolio(d).issues if i.severity == "error"]
    assert len(errors) == 1, [str(e) for e in errors]
    e = errors[0]
    assert (e.file, e.line, e.field, e.value) == ("tasks.csv", 5, "baseline_start", typed)


def test_an_erp_placeholder_in_day_month_form_is_still_no_date(tmp_path: Path) -> None:
    d = _folder(tmp_path)
    t = pd.read_csv(d / "tasks.csv", dtype=str, keep_default_na=False)
    row = t.index[t["actual_finish"] == ""][0]
    t.loc[row, "baseline_start"] = "00/00/0000"
    t.loc[row - 1 if row else row + 1, "baseline_start"] = "18/05/2026"
    t.to_csv(d / "tasks.csv", index=False)
    report = pmkit.validate_portfolio(d)
    notes = [str(i) for i in report.issues if i.severity == "note" and "no date" in i.message]
    assert notes and "0000-00-00" in notes[0], [str(i) for i in report.issues]
