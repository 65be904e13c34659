"""The importer dashboard in-process: an upload either draws a Gantt or shows the report."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest

from pmkit.cache import load_sample
from pmkit.io.csv_folder import sample_data_path
from pmkit.ui import home, importer
from pmkit.ui.importer import ImporterDashboard, next_project_id

FIX = Path(__file__).parent / "fixtures" / "handmade.xml"


@pytest.fixture()
def db() -> ImporterDashboard:
    return ImporterDashboard(load_sample())


def _upload(db: ImporterDashboard, name: str, content: bytes) -> bool:
    """What the browser does: fill the FileUpload, click Import."""
    db.upload.value = (
        {
            "name": name,
            "type": "",
            "size": len(content),
            "content": memoryview(content),
            "last_modified": dt.datetime.now(dt.UTC),
        },
    )
    db.button.click()
    return db.merged is not None


def _no_traceback(db: ImporterDashboard) -> None:
    text = db.result.value + db.status.value
    assert "Traceback" not in text and "Could not show this panel" not in text


def test_good_file_shows_gantt_summary_and_download(db: ImporterDashboard) -> None:
    n_before = len(db.portfolio.projects)  # type: ignore[union-attr]
    db.project_id.value = "P42"
    assert _upload(db, "handmade.xml", FIX.read_bytes())
    _no_traceback(db)
    assert "handmade.xml imported" in db.result.value and "P42" in db.result.value
    chart = db.gantt_box.children[1]
    assert "Design" in chart.chart.to_json()  # type: ignore[attr-defined]
    assert "12 Jan 2024" in db.gantt_box.children[0].value  # type: ignore[attr-defined]
    assert db.progress.value == db.progress.max
    # the download is the merged portfolio as a zip of CSVs
    m = re.search(r"base64,([A-Za-z0-9+/=]+)'", db.download.value)
    assert m is not None
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(m.group(1)))) as zf:
        projects = zf.read("portfolio/projects.csv").decode()
    assert "\nP42," in projects
    db.fmt.value = "xlsx"
    assert "portfolio.xlsx" in db.download.value
    # "download as MS Project XML": the imported project, readable again by pmkit
    db.fmt.value = "mspdi"
    assert "as MS Project XML" in db.download.value
    m = re.search(r"base64,([A-Za-z0-9+/=]+)'", db.download.value)
    assert m is not None
    xml = base64.b64decode(m.group(1))
    assert xml.startswith(b"<?xml") and b"<Tasks>" in xml
    # the served portfolio is unchanged (nothing written, nothing mutated)
    assert len(db.portfolio.projects) == n_before  # type: ignore[union-attr]
    assert not (sample_data_path() / "P42").exists()


def test_id_clash_shows_the_report_table_and_no_gantt(db: ImporterDashboard) -> None:
    db.project_id.value = "P02"
    assert not _upload(db, "handmade.xml", FIX.read_bytes())
    _no_traceback(db)
    assert "import-report" in db.result.value
    assert "handmade.xml" in db.result.value and "project_id" in db.result.value
    assert "line/element" in db.result.value
    assert db.gantt_box.children == () and db.download.value == ""


def test_broken_xml_names_the_file_not_the_temp_folder(db: ImporterDashboard) -> None:
    assert not _upload(db, "../evil <b>plan<i>.xml", b"<Project><Tasks><Task>")
    _no_traceback(db)
    assert "evil _b_plan_i_.xml" in db.result.value
    assert "/tmp" not in db.result.value and "<b>plan" not in db.result.value


def test_unknown_type_and_empty_upload(db: ImporterDashboard) -> None:
    assert not db.import_bytes("notes.txt", b"hello")
    assert "unknown file type" in db.result.value
    db.upload.value = ()
    assert not db.run_upload()
    assert "Choose a file" in db.result.value


def test_zip_of_csv_folder_and_xlsx_are_merged(db: ImporterDashboard, tmp_path: Path) -> None:
    from pmkit.importing import import_schedule
    from pmkit.io.excel import write_workbook
    from pmkit.ui.importer import portfolio_zip

    other = import_schedule(FIX, into=None, project_id="Z9")
    assert db.import_bytes("other.zip", portfolio_zip(other))
    assert db.new_ids == ["Z9"] and "Z9" in db.merged.project_ids  # type: ignore[union-attr]
    book = write_workbook(other, tmp_path / "other.xlsx")
    assert db.import_bytes("other.xlsx", book.read_bytes())
    # the same zip into a portfolio that already has Z9: a clash, reported
    db2 = ImporterDashboard(db.merged)
    assert not db2.import_bytes("other.zip", portfolio_zip(other))
    assert "import-report" in db2.result.value and "Z9" in db2.result.value


def test_zip_with_unsafe_path_is_refused(db: ImporterDashboard) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../../projects.csv", "x")
    assert not db.import_bytes("bad.zip", buf.getvalue())
    assert "unsafe path" in db.result.value


def test_mpxj_availability_is_stated_and_defaults() -> None:
    w = importer.app()
    text = " ".join(getattr(c, "value", "") for c in w.children if hasattr(c, "value"))
    assert "MPXJ" in text
    assert next_project_id(load_sample()) not in load_sample().project_ids
    assert next_project_id(None) == "P01"
    assert any(nb == "import_schedule.ipynb" for nb, *_ in home.DASHBOARDS)


def test_gantt_float_is_in_days_of_the_files_calendar(db: ImporterDashboard) -> None:
    """handmade.xml on a 7.5 h day (08-12, 13-16:30; MinutesPerDay 450). Review (8 h, SF from
    Design) starts with the project on Mon 8 Jan 08:00 and ends Tue 9 Jan 08:30; the project
    ends Mon 15 Jan 09:30. Its slack by hand: Tue 420 + (Wed 10 is a holiday) Thu 450 + Fri 450
    + Mon 90 = 1,410 min = 3.13 days of 450 min (it showed 2.9: days of 480 min)."""
    xml = FIX.read_text(encoding="utf-8")
    xml = xml.replace("<ToTime>17:00:00</ToTime>", "<ToTime>16:30:00</ToTime>")
    xml = xml.replace("<MinutesPerDay>480</MinutesPerDay>", "<MinutesPerDay>450</MinutesPerDay>")
    db.project_id.value = "P42"
    assert _upload(db, "short-days.xml", xml.encode("utf-8"))
    _no_traceback(db)
    spec = db.gantt_box.children[1].chart.to_dict()  # type: ignore[attr-defined]
    rows = {
        r["task_id"]: r
        for data in spec["datasets"].values()
        for r in data
        if "float_days" in r and "task_id" in r
    }
    assert rows["P42-5"]["float_days"] == round(1410 / 450, 1) == 3.1


def test_a_workbook_download_excel_cannot_hold_says_why(db: ImporterDashboard) -> None:
    db.project_id.value = "P42"
    assert _upload(db, "handmade.xml", FIX.read_bytes())
    tasks = db.merged.tasks.copy()  # type: ignore[union-attr]
    tasks.loc[0, "name"] = "<b>" + "n" * 40_000
    db.merged = dataclasses.replace(db.merged, tasks=tasks)  # type: ignore[type-var]
    db.fmt.value = "xlsx"
    assert "longer than an Excel cell" in db.download.value
    assert "pmkit-error" in db.download.value and "<b>n" not in db.download.value
    db.fmt.value = "zip"  # the CSV folder holds it whole
    assert "portfolio.zip" in db.download.value


def test_a_duplicate_link_is_a_note_of_the_import_report(db: ImporterDashboard) -> None:
    """The CSV door warns on a duplicate link; an MSPDI file holding one was imported without
    a word. The report now says it, as text (a task name can hold HTML)."""
    text = FIX.read_text()
    link = "<PredecessorLink><PredecessorUID>1</PredecessorUID><Type>1</Type><LinkLag>0</LinkLag>"
    start = text.index(link)
    whole = text[start : text.index("</PredecessorLink>", start) + len("</PredecessorLink>")]
    db.project_id.value = "P42"
    assert _upload(db, "twice.xml", text.replace(whole, whole + whole, 1).encode())
    _no_traceback(db)
    assert "note(s) on how the file was read" in db.result.value
    assert "duplicate link from task UID 1" in db.result.value
    links = db.merged.links  # type: ignore[union-attr]
    assert not links.duplicated(["pred_id", "succ_id"]).any()
