"""The validation door against the files people really have.

Broken portfolios: each is the sample ``data/`` (or a real-world dialect of it, or a workbook of
it) with ONE thing wrong, made by a small mutation below; the CLI must exit with the right code
and print the exact file, line and field, never a traceback. Valid dialects: the sample rewritten
as Excel, ERP systems and editors write CSV must load into the very tables ``data/`` gives.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from _door_factory import DATA, write_book, write_dialect

from pmkit.cli import main
from pmkit.io.csv_folder import load_portfolio, read_folder
from pmkit.io.excel import load_workbook
from pmkit.model import TABLES

Mutation = Callable[[Path], None]
SPANISH = {"delimiter": ";", "encoding": "cp1252", "newline": "\r\n", "decimal": ",",
           "dates": "dmy", "bools": ("VERDADERO", "FALSO")}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# mutations of a portfolio folder (each returns nothing; the case lists what must be reported)


def _rows(path: Path) -> tuple[list[list[str]], str, str]:
    """Rows of a CSV in any of the factory's dialects (utf-8 or cp1252, comma or semicolon)."""
    raw = path.read_bytes()
    enc = "utf-8" if raw.isascii() or _is_utf8(raw) else "cp1252"
    text = raw.decode(enc)
    first = text.split("\n", 1)[0]
    delim = ";" if first.count(";") > first.count(",") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delim)), enc, delim


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _write_rows(path: Path, rows: list[list[str]], enc: str, delim: str) -> None:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delim, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(enc))


def cell(file: str, line: int, field: str, value: str) -> Mutation:
    """Set one cell: ``line`` is the file line (header = 1)."""

    def mutate(folder: Path) -> None:
        rows, enc, delim = _rows(folder / file)
        rows[line - 1][rows[0].index(field)] = value
        _write_rows(folder / file, rows, enc, delim)

    return mutate


def header(file: str, old: str, new: str) -> Mutation:
    def mutate(folder: Path) -> None:
        rows, enc, delim = _rows(folder / file)
        rows[0][rows[0].index(old)] = new
        _write_rows(folder / file, rows, enc, delim)

    return mutate


def drop_column(file: str, field: str) -> Mutation:
    def mutate(folder: Path) -> None:
        rows, enc, delim = _rows(folder / file)
        i = rows[0].index(field)
        _write_rows(folder / file, [r[:i] + r[i + 1 :] for r in rows], enc, delim)

    return mutate


def ragged(file: str, line: int, delta: int) -> Mutation:
    """Line ``line`` gets ``delta`` fields more (or fewer)."""

    def mutate(folder: Path) -> None:
        rows, enc, delim = _rows(folder / file)
        row = rows[line - 1]
        rows[line - 1] = row + ["extra"] * delta if delta > 0 else row[:delta]
        _write_rows(folder / file, rows, enc, delim)

    return mutate


def keep_lines(file: str, n: int) -> Mutation:
    def mutate(folder: Path) -> None:
        text = (folder / file).read_bytes().splitlines(keepends=True)
        (folder / file).write_bytes(b"".join(text[:n]))

    return mutate


def content(file: str, data: bytes) -> Mutation:
    def mutate(folder: Path) -> None:
        (folder / file).write_bytes(data)

    return mutate


def remove(file: str) -> Mutation:
    def mutate(folder: Path) -> None:
        (folder / file).unlink()

    return mutate


def as_folder(file: str) -> Mutation:
    def mutate(folder: Path) -> None:
        (folder / file).unlink()
        (folder / file).mkdir()

    return mutate


def yaml_edit(old: str, new: str) -> Mutation:
    def mutate(folder: Path) -> None:
        text = (folder / "standards.yaml").read_text(encoding="utf-8")
        assert old in text, old
        (folder / "standards.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")

    return mutate


def insert_bytes(file: str, line: int, data: bytes) -> Mutation:
    """Put raw bytes at the start of line ``line``."""

    def mutate(folder: Path) -> None:
        lines = (folder / file).read_bytes().splitlines(keepends=True)
        lines[line - 1] = data + lines[line - 1]
        (folder / file).write_bytes(b"".join(lines))

    return mutate


def _yaml_line(text: str) -> int:
    """The line of ``text`` in the sample standards.yaml (so cases survive edits to it)."""
    lines = (DATA / "standards.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, ln in enumerate(lines, start=1) if text in ln)


# (id, base, mutation, file, line, field, exit code, message substring)
# base: "data" = a copy of data/, "es" = data/ as Spanish Excel writes it (; , cp1252 dd/mm/yyyy)
FOLDER_CASES = [
    # --- files: missing, empty, not text, not a file
    ("missing-tasks", "data", remove("tasks.csv"), "tasks.csv", None, None, 1, "file is missing"),
    ("missing-projects", "data", remove("projects.csv"),
     "projects.csv", None, None, 1, "file is missing"),
    ("empty-tasks", "data", content("tasks.csv", b""), "tasks.csv", 1, None, 1, "file is empty"),
    ("blank-tasks", "data", content("tasks.csv", b" \r\n\n  \n"),
     "tasks.csv", 1, None, 1, "file is empty"),
    ("bom-only-tasks", "data", content("tasks.csv", b"\xef\xbb\xbf"),
     "tasks.csv", 1, None, 1, "file is empty"),
    ("header-only-tasks", "data", keep_lines("tasks.csv", 1),
     "tasks.csv", 2, None, 1, "header but no rows"),
    ("header-only-projects", "data", keep_lines("projects.csv", 1),
     "projects.csv", 2, None, 1, "header but no rows"),
    ("header-only-calendars", "data", keep_lines("calendars.csv", 1),
     "calendars.csv", 2, None, 1, "header but no rows"),
    ("binary-tasks", "data", content("tasks.csv", bytes(range(256)) * 8),
     "tasks.csv", 1, None, 1, "binary"),
    ("xlsx-named-csv", "data", content("links.csv", b"PK\x03\x04" + b"\x00" * 64),
     "links.csv", 1, None, 1, "zip archive"),
    ("pdf-named-csv", "data", content("projects.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"),
     "projects.csv", 1, None, 1, "PDF"),
    ("old-xls-named-csv", "data", content("resources.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
     "resources.csv", 1, None, 1, "old Office file"),
    ("folder-for-tasks", "data", as_folder("tasks.csv"), "tasks.csv", None, None, 1, "is a folder"),
    ("folder-for-risks", "data", as_folder("risks.csv"), "risks.csv", None, None, 1, "is a folder"),
    ("bad-utf8-after-bom", "data",
     content("risks.csv", b"\xef\xbb\xbfrisk_id,title\nR1,Espa\xf1a\n"),
     "risks.csv", 2, None, 1, "cannot decode as UTF-8 with BOM"),
    ("nul-byte-in-links", "data", insert_bytes("links.csv", 20, b"\x00"),
     "links.csv", 20, None, 1, "binary"),
    ("bad-utf16", "data", content("links.csv", b"\xff\xfe" + "pred_id,succ_id\n".encode(
        "utf-16-le") + b"\x00"), "links.csv", 2, None, 1, "cannot decode as UTF-16"),
    # --- structure: ragged rows, duplicate / missing columns
    ("ragged-long-tasks", "data", ragged("tasks.csv", 10, 1),
     "tasks.csv", 10, None, 1, "more fields than the header"),
    ("ragged-long-links", "data", ragged("links.csv", 40, 3),
     "links.csv", 40, None, 1, "more fields than the header"),
    ("ragged-short-tasks", "data", ragged("tasks.csv", 7, -1),
     "tasks.csv", 7, None, 1, "fewer fields than the header"),
    ("ragged-short-resources", "data", ragged("resources.csv", 5, -4),
     "resources.csv", 5, None, 1, "fewer fields than the header"),
    ("ragged-short-es", "es", ragged("assignments.csv", 12, -1),
     "assignments.csv", 12, None, 1, "fewer fields than the header"),
    ("duplicate-column", "data", header("resources.csv", "department", "role"),
     "resources.csv", 1, "role", 1, "duplicate column"),
    ("duplicate-after-trim", "data", header("tasks.csv", "wbs", " name "),
     "tasks.csv", 1, "name", 1, "duplicate column"),
    ("duplicate-column-es", "es", header("projects.csv", "sponsor", "manager"),
     "projects.csv", 1, "manager", 1, "duplicate column"),
    ("missing-column", "data", drop_column("tasks.csv", "duration_days"),
     "tasks.csv", 1, "duration_days", 1, "missing column"),
    ("renamed-column", "data", header("links.csv", "lag_days", "lag"),
     "links.csv", 1, "lag_days", 1, "missing column"),
    ("missing-column-es", "es", drop_column("calendars.csv", "periods"),
     "calendars.csv", 1, "periods", 1, "missing column"),
    # --- dates: "no date" placeholders where a date is required, out of range, unreadable
    ("sentinel-9999-required", "data", cell("projects.csv", 4, "start", "9999-12-31"),
     "projects.csv", 4, "start", 1, "'no date' placeholder"),
    ("sentinel-0001-required", "data", cell("snapshots.csv", 6, "report_date", "0001-01-01"),
     "snapshots.csv", 6, "report_date", 1, "'no date' placeholder"),
    ("sentinel-holiday", "data", cell("holidays.csv", 3, "date", "9999-12-31"),
     "holidays.csv", 3, "date", 1, "'no date' placeholder"),
    ("date-after-2262", "data", cell("tasks.csv", 12, "baseline_start", "2300-01-01"),
     "tasks.csv", 12, "baseline_start", 1, "date out of range"),
    ("date-before-1677", "data", cell("projects.csv", 2, "finish_baseline", "1500-06-30"),
     "projects.csv", 2, "finish_baseline", 1, "date out of range"),
    ("date-feb-30", "data", cell("tasks.csv", 9, "actual_start", "2026-02-30"),
     "tasks.csv", 9, "actual_start", 1, "cannot read"),
    ("date-words", "data", cell("risks.csv", 5, "raised_on", "next week"),
     "risks.csv", 5, "raised_on", 1, "cannot read"),
    ("date-es-feb-31", "es", cell("tasks.csv", 15, "baseline_finish", "31/02/2027"),
     "tasks.csv", 15, "baseline_finish", 1, "cannot read"),
    ("date-es-month-13", "es", cell("projects.csv", 3, "start", "12/13/2026"),
     "projects.csv", 3, "start", 1, "cannot read"),
    ("datetime-not-midnight", "data", cell("tasks.csv", 20, "baseline_start", "2026-06-01 14:30"),
     "tasks.csv", 20, "baseline_start", 1, "cannot read"),
    # --- numbers: overflow, out of range, unreadable
    ("lag-overflow", "data", cell("links.csv", 8, "lag_days", "1e300"),
     "links.csv", 8, "lag_days", 1, "number out of range"),
    ("lag-negative-overflow", "data", cell("links.csv", 9, "lag_days", "-1e300"),
     "links.csv", 9, "lag_days", 1, "number out of range"),
    ("lag-too-long", "data", cell("links.csv", 10, "lag_days", "99999"),
     "links.csv", 10, "lag_days", 1, "number out of range"),
    ("lag-inf", "data", cell("links.csv", 11, "lag_days", "inf"),
     "links.csv", 11, "lag_days", 1, "number out of range"),
    ("duration-1e400", "data", cell("tasks.csv", 5, "duration_days", "1e400"),
     "tasks.csv", 5, "duration_days", 1, "number out of range"),
    ("priority-int-overflow", "data", cell("projects.csv", 5, "priority", "9" * 20),
     "projects.csv", 5, "priority", 1, "number out of range"),
    ("budget-1e16", "data", cell("projects.csv", 6, "budget", "1e16"),
     "projects.csv", 6, "budget", 1, "number out of range"),
    ("budget-nan", "data", cell("projects.csv", 7, "budget", "nan"),
     "projects.csv", 7, "budget", 1, "cannot read"),
    ("percent-with-sign", "data", cell("tasks.csv", 30, "percent_complete", "40 %"),
     "tasks.csv", 30, "percent_complete", 1, "cannot read"),
    ("cost-words", "es", cell("tasks.csv", 25, "budgeted_cost", "mil euros"),
     "tasks.csv", 25, "budgeted_cost", 1, "cannot read"),
    ("es-percent-out-of-range", "es", cell("tasks.csv", 18, "percent_complete", "150,5"),
     "tasks.csv", 18, "percent_complete", 1, "out of range"),
    ("es-bool-unknown", "es", cell("tasks.csv", 22, "is_milestone", "QUIZÁS"),
     "tasks.csv", 22, "is_milestone", 1, "cannot read"),
    ("es-units-zero", "es", cell("assignments.csv", 3, "units", "0,0"),
     "assignments.csv", 3, "units", 1, "out of range"),
    # --- standards.yaml
    ("yaml-syntax", "data", yaml_edit("  cost:\n", "  cost: [\n"),
     "standards.yaml", _yaml_line("metric: cpi") + 1, None, 1, "YAML syntax error"),
    ("yaml-alias", "data", yaml_edit("rag:\n  schedule:", "rag:\n  schedule: &s"),
     "standards.yaml", _yaml_line("  schedule:"), None, 1, "anchors and aliases"),
    ("yaml-python-tag", "data", yaml_edit("currency: EUR", "currency: !!python/name:os.system"),
     "standards.yaml", _yaml_line("currency:"), None, 1, "tags"),
    ("yaml-thresholds-order", "data", yaml_edit("green: 0.95\n    amber: 0.85\n    rule: \"SPI",
                                                "green: 0.85\n    amber: 0.95\n    rule: \"SPI"),
     "standards.yaml", _yaml_line("    better: higher"), "rag.schedule.better", 1, "wrong side"),
    ("yaml-threshold-text", "data", yaml_edit("green: 0.95\n    amber: 0.85\n    rule: \"CPI",
                                              "green: high\n    amber: 0.85\n    rule: \"CPI"),
     "standards.yaml", _yaml_line("metric: cpi") + 2, "rag.cost.green", 1, "not a number"),
    ("yaml-unknown-pmo-type", "data", yaml_edit("pmo_type: controlling", "pmo_type: chaotic"),
     "standards.yaml", _yaml_line("pmo_type: controlling"), "pmo_type", 1, "unknown PMO type"),
    ("yaml-list", "data", content("standards.yaml", b"- a\n- b\n"),
     "standards.yaml", 1, None, 1, "must be a mapping"),
    ("yaml-not-utf8", "data", content("standards.yaml", b"currency: EUR\nname: Espa\xf1a\n"),
     "standards.yaml", 2, None, 1, "not UTF-8"),
    ("yaml-folder", "data", as_folder("standards.yaml"),
     "standards.yaml", None, None, 1, "is a folder"),
    ("yaml-bad-status-date", "data", yaml_edit('status_date: "2026-10-30"', "status_date: soon"),
     "standards.yaml", _yaml_line('status_date: "2026-10-30"'), "status_date", 1, "cannot read"),
]  # fmt: skip


def _where(file: str, line: int | None, field: str | None) -> str:
    where = file if line is None else f"{file}:{line}"
    return where + (f", field '{field}'" if field else "") + ": "


def _copy(base: str, dst: Path) -> Path:
    if base == "es":
        return write_dialect(dst, **SPANISH)  # type: ignore[arg-type]
    shutil.copytree(DATA, dst, ignore=shutil.ignore_patterns("README.md"))
    return dst


def _assert_reported(out: str, where: str, msg: str) -> None:
    hits = [ln for ln in out.splitlines() if where in ln and msg in ln]
    assert hits, f"expected a line with {where!r} and {msg!r}; got:\n{out[:3000]}"
    assert "Traceback" not in out


@pytest.mark.parametrize(
    ("base", "mutate", "file", "line", "field", "code", "msg"),
    [c[1:] for c in FOLDER_CASES],
    ids=[c[0] for c in FOLDER_CASES],
)
def test_broken_folder_is_reported_at_file_line_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], base: str, mutate: Mutation,
    file: str, line: int | None, field: str | None, code: int, msg: str,
) -> None:  # fmt: skip
    folder = _copy(base, tmp_path / "pf")
    before = sorted(p.name for p in folder.iterdir())
    mutate(folder)
    assert main(["validate", str(folder)]) == code
    out = capsys.readouterr()
    _assert_reported(out.out + out.err, _where(file, line, field), msg)
    after = sorted(p.name for p in folder.iterdir())
    assert after == before or set(before) - set(after) <= {file}  # nothing written


# ---------------------------------------------------------------------------------------------
# workbooks


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_book(tmp_path_factory.mktemp("book") / "portfolio.xlsx")


def _edit_book(change: Callable[[object], None]) -> Callable[[Path], None]:
    def mutate(path: Path) -> None:
        from openpyxl import load_workbook as open_book

        wb = open_book(path)
        change(wb)
        wb.save(path)

    return mutate


def _set(sheet: str, row: int, field: str, value: object) -> Callable[[Path], None]:
    def change(wb) -> None:
        ws = wb[sheet]
        col = [c.value for c in ws[1]].index(field) + 1
        ws.cell(row=row, column=col, value=value)

    return _edit_book(change)


def _wb(change: Callable[[object], None]) -> Callable[[Path], None]:
    return _edit_book(change)


def _merge_header(wb) -> None:
    wb["links"].merge_cells("A1:B1")


def _header_only(wb) -> None:
    wb["tasks"].delete_rows(2, wb["tasks"].max_row)


def _dup_header(wb) -> None:
    wb["resources"].cell(row=1, column=4, value="role ")


def _drop_sheet(name: str) -> Callable[[object], None]:
    def change(wb) -> None:
        del wb[name]

    return change


def _empty_sheet(wb) -> None:
    wb["calendars"].delete_rows(1, wb["calendars"].max_row)


def _write_bytes(data: bytes) -> Callable[[Path], None]:
    def mutate(path: Path) -> None:
        path.write_bytes(data)

    return mutate


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:2000])


def _as_dir(path: Path) -> None:
    path.unlink()
    path.mkdir()


BOOK_CASES = [
    ("book-missing-sheet", _wb(_drop_sheet("tasks")), "portfolio.xlsx", None, None, 1,
     "sheet is missing"),
    ("book-empty-sheet", _wb(_empty_sheet), "portfolio.xlsx[calendars]", 1, None, 1,
     "sheet is empty"),
    ("book-header-only", _wb(_header_only), "portfolio.xlsx[tasks]", 2, None, 1,
     "header but no rows"),
    ("book-merged-header", _wb(_merge_header), "portfolio.xlsx[links]", 1, None, 1,
     "merged header cells"),
    ("book-duplicate-column", _wb(_dup_header), "portfolio.xlsx[resources]", 1, "role", 1,
     "duplicate column"),
    ("book-formula-no-value", _set("tasks", 6, "budgeted_cost", "=SUM(T2:T5)"),
     "portfolio.xlsx[tasks]", 6, "budgeted_cost", 1, "formula has no computed value"),
    ("book-date-as-bad-text", _set("projects", 4, "start", "31/02/2026"),
     "portfolio.xlsx[projects]", 4, "start", 1, "cannot read"),
    ("book-sentinel-required", _set("projects", 3, "finish_baseline", "9999-12-31"),
     "portfolio.xlsx[projects]", 3, "finish_baseline", 1, "'no date' placeholder"),
    ("book-serial-out-of-range", _set("snapshots", 5, "report_date", 99999999),
     "portfolio.xlsx[snapshots]", 5, "report_date", 1, "cannot read"),
    ("book-lag-overflow", _set("links", 7, "lag_days", 1e300),
     "portfolio.xlsx[links]", 7, "lag_days", 1, "number out of range"),
    ("book-text-in-number", _set("tasks", 9, "duration_days", "cinco"),
     "portfolio.xlsx[tasks]", 9, "duration_days", 1, "cannot read"),
    ("book-not-a-zip", _write_bytes(b"name,start\nx,2026-01-01\n"), "portfolio.xlsx", None, None,
     2, "cannot open as an Excel workbook"),
    ("book-truncated", _truncate, "portfolio.xlsx", None, None, 2,
     "cannot open as an Excel workbook"),
    ("book-is-a-folder", _as_dir, "portfolio.xlsx", None, None, 2, "is a folder"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "file", "line", "field", "code", "msg"),
    [c[1:] for c in BOOK_CASES],
    ids=[c[0] for c in BOOK_CASES],
)
def test_broken_workbook_is_reported_at_sheet_row_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], book: Path, mutate: Callable[[Path], None],
    file: str, line: int | None, field: str | None, code: int, msg: str,
) -> None:  # fmt: skip
    path = tmp_path / "portfolio.xlsx"
    shutil.copy(book, path)
    mutate(path)
    assert main(["validate", str(path)]) == code
    out = capsys.readouterr()
    text = out.out + out.err
    if code == 2:  # not a workbook at all: one sentence naming the file
        assert "portfolio.xlsx" in text and msg in text and "Traceback" not in text
    else:
        _assert_reported(text, _where(file, line, field), msg)


def test_corpus_is_large_enough() -> None:
    assert len(FOLDER_CASES) + len(BOOK_CASES) >= 60
    assert len({c[0] for c in FOLDER_CASES + BOOK_CASES}) == len(FOLDER_CASES) + len(BOOK_CASES)


def test_paths_that_are_not_portfolios_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_file = tmp_path / "tasks.csv"
    shutil.copy(DATA / "tasks.csv", csv_file)
    assert main(["validate", str(csv_file)]) == 2
    assert main(["validate", str(tmp_path / "nope")]) == 2
    out = capsys.readouterr().out
    assert "is a file, not a portfolio folder" in out and "no such portfolio folder" in out


# ---------------------------------------------------------------------------------------------
# valid real-world dialects: the same tables as data/

VARIANTS = {
    "spanish-excel-cp1252": SPANISH,
    "spanish-excel-utf8-bom": {"delimiter": ";", "encoding": "utf-8-sig", "newline": "\r\n",
                               "decimal": ","},
    "excel-unicode-text-utf16-tab": {"delimiter": "\t", "encoding": "utf-16", "newline": "\r\n"},
    "windows-crlf": {"newline": "\r\n"},
    "old-mac-cr": {"newline": "\r"},
    "tab-separated": {"delimiter": "\t"},
    "semicolon-thousands-dot": {"delimiter": ";", "decimal": ",", "thousands": "."},
    "comma-thousands-comma": {"thousands": ","},
    "latin-1": {"encoding": "latin-1"},
    "erp-no-date-9999": {"no_date": "9999-12-31"},
    "us-month-day-year": {"dates": "mdy"},
    "excel-day-numbers": {"dates": "serial"},
    "pipe-thousands-space": {"delimiter": "|", "decimal": ",", "thousands": "\u00a0"},
}  # fmt: skip


@pytest.fixture(scope="module")
def sample() -> object:
    return load_portfolio(DATA)


def _same_tables(got: object, want: object) -> None:
    for spec in TABLES.values():
        pd.testing.assert_frame_equal(getattr(got, spec.attr), getattr(want, spec.attr))


@pytest.mark.parametrize("name", list(VARIANTS))
def test_dialect_loads_into_the_sample_tables(tmp_path: Path, sample: object, name: str) -> None:
    folder = write_dialect(tmp_path / name, **VARIANTS[name])  # type: ignore[arg-type]
    _, _, report = read_folder(folder)
    assert report.ok, str(report)[:3000]
    _same_tables(load_portfolio(folder), sample)


def test_spanish_excel_report_says_what_was_read(tmp_path: Path) -> None:
    folder = write_dialect(tmp_path / "es", **SPANISH)  # type: ignore[arg-type]
    notes = [str(i) for i in read_folder(folder)[2].notes]
    proj = next(n for n in notes if n.startswith("projects.csv: read as"))
    for part in ("semicolon-separated", "decimal comma", "Windows-1252", "day/month/year"):
        assert part in proj, proj


@pytest.mark.parametrize("dates", ["typed", "dmy", "serial"])
def test_excel_saved_workbook_loads_into_the_sample_tables(
    tmp_path: Path, sample: object, dates: str
) -> None:
    path = write_book(tmp_path / "book.xlsx", dates=dates)
    _same_tables(load_workbook(path), sample)
