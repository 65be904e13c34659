"""Hostile CSV files found in session 9: Excel's ``sep=`` line, byte-order marks inside a file
(two files joined), and a UTF-8 file with a line in another encoding."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
from _door_factory import DATA, write_dialect

from pmkit.cli import main
from pmkit.errors import PortfolioValidationError
from pmkit.io.csv_folder import load_portfolio, read_folder
from pmkit.model import TABLES

SPANISH = {"delimiter": ";", "decimal": ",", "thousands": ".", "dates": "dmy"}


@pytest.fixture(scope="module")
def sample() -> object:
    return load_portfolio(DATA)


def _same_tables(got: object, want: object) -> None:
    for spec in TABLES.values():
        pd.testing.assert_frame_equal(getattr(got, spec.attr), getattr(want, spec.attr))


def _prepend(path: Path, first: bytes) -> None:
    data = path.read_bytes()
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    path.write_bytes(bom + first + data[len(bom) :])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_excel_sep_line_names_the_delimiter(tmp_path: Path, sample: object, encoding: str) -> None:
    """Excel writes ``sep=;`` as the first line: it names the delimiter and is not the header.
    Before, the header was read as ``sep=;`` and every row was "ragged"."""
    folder = write_dialect(tmp_path / "es", encoding=encoding, newline="\r\n", **SPANISH)  # type: ignore[arg-type]
    for spec in TABLES.values():
        _prepend(folder / spec.file, b"sep=;\r\n")
    _, _, report = read_folder(folder)
    assert report.ok, str(report)[:2000]
    note = next(str(n) for n in report.notes if str(n).startswith("projects.csv: read as"))
    assert "delimiter ';' from the first line 'sep=;'" in note
    _same_tables(load_portfolio(folder), sample)


def test_lines_after_a_sep_line_are_file_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_dialect(tmp_path / "es", **SPANISH)  # type: ignore[arg-type]
    path = folder / "projects.csv"
    _prepend(path, b"sep=;\n")
    with path.open("ab") as fh:
        fh.write(b"P99;short\n")
    line = path.read_bytes().count(b"\n")  # the row just written is the file's last line
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert f"projects.csv:{line}: row has fewer fields than the header" in out


def test_a_byte_order_mark_inside_the_file_is_dropped_and_said(
    tmp_path: Path, sample: object
) -> None:
    """``cat a.csv b.csv`` leaves b's BOM before its first id: ``\\ufeffP03`` was then an
    unknown project in 60 rows of tasks.csv, while projects.csv itself looked fine."""
    folder = write_dialect(tmp_path / "joined")
    path = folder / "projects.csv"
    lines = path.read_bytes().split(b"\n")
    lines[3] = b"\xef\xbb\xbf" + lines[3]
    path.write_bytes(b"\n".join(lines))
    _, _, report = read_folder(folder)
    assert report.ok, str(report)[:2000]
    assert any("byte-order mark(s) inside the file removed" in str(n) for n in report.notes)
    _same_tables(load_portfolio(folder), sample)


def test_a_utf8_file_with_a_line_in_windows_1252_is_refused_at_that_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """projects.csv is UTF-8 ("Martínez"); one row pasted from a Windows-1252 file ("Peña"):
    reading the whole file as Windows-1252 turned every "í" into "Ã­" with only a note. Now it
    is one error naming the file, the line and the byte, and nothing loads."""
    folder = write_dialect(tmp_path / "mixed")
    path = folder / "projects.csv"
    lines = path.read_bytes().split(b"\n")
    assert "Martínez".encode() in b"\n".join(lines)
    lines[4] = lines[4].replace(b",", b" Pe\xf1a,", 1)  # 0xF1 = "ñ" in Windows-1252
    path.write_bytes(b"\n".join(lines))
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "projects.csv:5: not UTF-8 at byte(s) f1" in out and "Traceback" not in out
    with pytest.raises(PortfolioValidationError):
        load_portfolio(folder)


def test_a_real_windows_1252_file_still_loads(tmp_path: Path, sample: object) -> None:
    """The mixed-file rule must not refuse a file that is Windows-1252 throughout."""
    folder = write_dialect(tmp_path / "cp", encoding="cp1252", **SPANISH)  # type: ignore[arg-type]
    assert "Martínez".encode("cp1252") in (folder / "projects.csv").read_bytes()
    _same_tables(load_portfolio(folder), sample)


def test_forecasts_all_on_unknown_tasks_are_located_without_a_library_warning(
    tmp_path: Path,
) -> None:
    """Every milestone forecast on an unknown task left an all-NaN column that pandas filled
    with a bool (a Pandas4Warning today, an exception in pandas 4)."""
    folder = write_dialect(tmp_path / "mf")
    path = folder / "milestone_forecasts.csv"
    head, *rows = path.read_text(encoding="utf-8").splitlines()
    assert head.split(",").index("task_id") == 1
    rows = [",".join([r.split(",")[0], "ZZ-" + r.split(",")[1], *r.split(",")[2:]]) for r in rows]
    path.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, _, report = read_folder(folder)
    errors = report.errors
    assert len(errors) == len(rows)
    assert str(errors[0]).startswith("milestone_forecasts.csv:2, field 'task_id': unknown task_id")


def test_two_forecasts_of_one_milestone_at_one_report_are_refused(tmp_path: Path) -> None:
    """Which of two forecasts made at the same report is the trend's? It was silently both
    (snapshots already refuse two reports of a project on one date)."""
    folder = write_dialect(tmp_path / "mf2")
    path = folder / "milestone_forecasts.csv"
    head, first, *rest = path.read_text(encoding="utf-8").splitlines()
    other = first.rsplit(",", 1)[0] + ",2030-01-01"  # same milestone and report, another date
    path.write_text("\n".join([head, first, *rest, other]) + "\n", encoding="utf-8")
    _, _, report = read_folder(folder)
    assert [str(e).split(" (got")[0] for e in report.errors] == [
        f"milestone_forecasts.csv:{len(rest) + 3}, field 'task_id': duplicate task_id + "
        "report_date, first on line 2"
    ]


def test_a_byte_order_mark_pasted_into_a_workbook_cell_is_dropped(
    tmp_path: Path, sample: object
) -> None:
    """The workbook door follows the CSV door's rule: ``\\ufeffP03`` pasted into projects!A4
    made 60 tasks "unknown project P03"."""
    import openpyxl
    from _door_factory import write_book

    from pmkit.io.excel import load_workbook

    path = write_book(tmp_path / "book.xlsx")
    wb = openpyxl.load_workbook(path)
    cell = wb["projects"].cell(4, 1)
    assert cell.value == "P03"
    cell.value = "\ufeffP03"
    wb.save(path)
    _same_tables(load_workbook(path), sample)


def test_dates_that_fit_both_orders_are_a_warning_not_only_a_note(tmp_path: Path) -> None:
    """A comma-separated holiday list from a day/month country, every day <= 12: read as
    month/day/year (6 January became 1 June) with only a note; now a warning says it."""
    from pmkit.io.csv_folder import validate_portfolio

    data = tmp_path / "p"
    shutil.copytree(Path(__file__).resolve().parents[2] / "data", data)
    hol = pd.read_csv(data / "holidays.csv", dtype=str, keep_default_na=False)
    day = pd.to_datetime(hol["date"])
    hol = hol[day.dt.day <= 12]
    hol = hol.assign(date=day[day.dt.day <= 12].dt.strftime("%d/%m/%Y"))
    hol.to_csv(data / "holidays.csv", index=False)
    report = validate_portfolio(data)
    assert not report.errors
    warned = [i for i in report.warnings if i.file.endswith("holidays.csv")]
    assert len(warned) == 1 and "03/04/2026 is 4 March 2026" in warned[0].message
