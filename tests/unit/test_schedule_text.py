"""MPX and XER read as text before MPXJ: impossible dates, cut files and duplicate links.

MPXJ is lenient: it took ``31/02/2026`` as a date, imported an XER file without its end
record (a file cut after the task table: every task, no link) and dropped a link to a task
the file does not hold (an MPX cut between two tasks). Each case here was imported before.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from pmkit.errors import MspdiError, PmkitError
from pmkit.io._schedule_text import check_mpx, check_xer
from pmkit.io.mpxj import mpxj_available, read_project_file

CRLF = "\r\n"
MPX = CRLF.join(
    [
        "MPX,Microsoft Project for Windows,4.0,ANSI",
        '10,$,1,2,",",.',
        "12,1,1,480,/,:,,,9,1",  # day/month/year, '/'
        "20,Standard,0,1,1,1,1,1,0",
        *[f"25,{d},08:00,12:00,13:00,17:00" for d in range(2, 7)],
        "26,07/01/26,07/01/26,0",  # a holiday on Wed 7 Jan 2026
        "30,Demo,,,Standard,Mon 05/01/26,Mon 19/01/26,0,Mon 05/01/26",
        "60,Name,Outline Level,Duration,Start,Finish,Predecessors,ID,Unique ID,Summary",
        "61,1,3,40,50,51,70,90,98,120",
        "70,Phase,1,10d,Mon 05/01/26 08:00,Mon 19/01/26 17:00,,1,1,Yes",
        "70,Design,2,5d,Mon 05/01/26 08:00,Mon 12/01/26 17:00,,2,2,No",
        "70,Build,2,5d,Tue 13/01/26 08:00,Mon 19/01/26 17:00,2,3,3,No",
        "",
    ]
)

XER_TASK_FIELDS = ["task_id", "proj_id", "task_code", "task_name", "target_start_date"]
XER = "\n".join(
    [
        "ERMHDR\t8.4\t2026-01-05\tProject\tadmin",
        "%T\tTASK",
        "%F\t" + "\t".join(XER_TASK_FIELDS),
        "%R\t1\t9\tA1000\tDesign\t2026-01-05 08:00",
        "%R\t2\t9\tA1010\tBuild",  # P6 leaves trailing empty fields out: valid
        "%T\tTASKPRED",
        "%F\ttask_pred_id\ttask_id\tpred_task_id\tproj_id\tpred_type",
        "%R\t10\t2\t1\t9\tPR_FS",
        "%E",
        "",
    ]
)


def _file(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode("latin-1"))
    return p


def test_a_valid_mpx_and_xer_pass(tmp_path: Path) -> None:
    assert check_mpx(_file(tmp_path, "ok.mpx", MPX)) == []
    assert check_xer(_file(tmp_path, "ok.xer", XER)) == []


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "why"),
    [
        ("70,Build,2,5d,Tue 13/01/26", "70,Build,2,5d,Tue 31/02/26", 16, "Build', Start",
         "February 2026 has no day 31"),
        ("26,07/01/26", "26,30/02/26", 10, "calendar exception (record 26), From Date",
         "February 2026 has no day 30"),
        ("Standard,Mon 05/01/26", "Standard,Mon 05/13/26", 11,
         "project header (record 30), Start Date", "there is no month 13"),
        ("Mon 12/01/26 17:00", "Mon 12/01/26 17:75", 15, "Design', Finish", "no time 17:75"),
    ],
)  # fmt: skip
def test_an_impossible_mpx_date_is_refused_with_line_and_field(
    tmp_path: Path, old: str, new: str, line: int, field: str, why: str
) -> None:
    path = _file(tmp_path, "bad.mpx", MPX.replace(old, new, 1))
    with pytest.raises(MspdiError) as err:
        check_mpx(path)
    assert err.value.line == line and field in str(err.value.field)
    assert why in str(err.value) and "bad.mpx" in str(err.value)


def test_mpx_dates_in_month_first_order_and_with_month_names(tmp_path: Path) -> None:
    mdy = MPX.replace("12,1,1,480", "12,0,1,480").replace("26,07/01/26", "26,01/07/26")
    mdy = mdy.replace("Tue 13/01/26 08:00", "Tue 01/13/26 08:00")
    with pytest.raises(MspdiError, match="no month 13"):
        check_mpx(_file(tmp_path, "dmy.mpx", MPX.replace("Tue 13/01/26", "Tue 01/13/26")))
    with pytest.raises(MspdiError, match="no month 19"):  # the other dates are still D/M
        check_mpx(_file(tmp_path, "mdy.mpx", mdy))
    named = MPX.replace("Tue 13/01/26 08:00", "29 February 2025 08:00")
    with pytest.raises(MspdiError, match="February 2025 has no day 29"):
        check_mpx(_file(tmp_path, "named.mpx", named))
    leap = MPX.replace("Tue 13/01/26 08:00", "29/02/28 08:00")  # 2028 is a leap year
    assert check_mpx(_file(tmp_path, "leap.mpx", leap)) == []


def test_an_mpx_cut_at_a_line_break_is_refused_when_the_cut_is_provable(tmp_path: Path) -> None:
    lines = MPX.split(CRLF)
    after_phase = CRLF.join(lines[:14]) + CRLF  # ends on the summary task "Phase"
    with pytest.raises(MspdiError, match="summary task with none of its tasks") as err:
        check_mpx(_file(tmp_path, "cut.mpx", after_phase))
    assert err.value.line == 14 and err.value.field == "Summary"
    linked = MPX.replace("17:00,2,3,3,No", '17:00,"2,4",3,3,No')  # task 4: cut off
    with pytest.raises(MspdiError, match="linked to task 4, which is not in the file") as err:
        check_mpx(_file(tmp_path, "lost.mpx", linked))
    assert err.value.line == 16 and err.value.field == "Predecessors"
    # a cut between two plain tasks leaves no proof: a shorter project, not refused
    assert check_mpx(_file(tmp_path, "short.mpx", CRLF.join(lines[:15]) + CRLF)) == []


def test_an_mpx_link_given_twice_is_a_warning(tmp_path: Path) -> None:
    twice = MPX.replace("17:00,2,3,3,No", '17:00,"2,2",3,3,No')
    notes = check_mpx(_file(tmp_path, "twice.mpx", twice))
    assert notes == ["line 16, task 3 'Build': duplicate link from task 2 (2 times in "
                     "Predecessors), kept once"]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "line", "match"),
    [
        (XER.replace("%E\n", ""), 8, "no end record \\(%E\\).* in table TASKPRED"),
        (XER.split("%T\tTASKPRED")[0], 5, "no end record \\(%E\\).* in table TASK;"),
        (XER.replace("\tBuild", "\tBuild\t2026-01-06 08:00\textra"), 5, "6 values for 5 fields"),
        (XER.replace("2026-01-05 08:00", "2026-02-29 08:00"), 4, "February 2026 has no day 29"),
        (XER.replace("2026-01-05 08:00", "2026-01-05 24:30"), 4, "no time 24:30"),
    ],
)
def test_a_cut_or_broken_xer_is_refused_with_line_and_table(
    tmp_path: Path, text: str, line: int, match: str
) -> None:
    with pytest.raises(MspdiError, match=match) as err:
        check_xer(_file(tmp_path, "bad.xer", text))
    assert err.value.line == line and "bad.xer" in str(err.value)
    if "29" in match:
        assert err.value.field == "TASK.target_start_date"


def test_an_xer_row_with_a_trailing_tab_is_valid(tmp_path: Path) -> None:
    assert check_xer(_file(tmp_path, "tab.xer", XER.replace("08:00\n", "08:00\t\t\n", 1))) == []


def test_an_xer_link_given_twice_is_a_warning(tmp_path: Path) -> None:
    twice = XER.replace("%R\t10\t2\t1\t9\tPR_FS", "%R\t10\t2\t1\t9\tPR_FS\n%R\t11\t2\t1\t9\tPR_FS")
    notes = check_xer(_file(tmp_path, "twice.xer", twice))
    assert notes == [
        "line 9, table TASKPRED: duplicate link from activity 1 to 2, first on line 8; kept once"
    ]


# ------------------------------------------------------------------ MSPDI: duplicate links

FIX = Path(__file__).parent / "fixtures" / "handmade.xml"
LINK = "<PredecessorLink><PredecessorUID>1</PredecessorUID><Type>1</Type><LinkLag>0</LinkLag>"


def test_a_duplicate_mspdi_link_is_kept_once_with_the_csv_doors_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pmkit.cli import cli_schedule
    from pmkit.importing import import_schedule
    from pmkit.io.mspdi import read_mspdi

    text = FIX.read_text()
    link = text[text.index(LINK) : text.index("</PredecessorLink>", text.index(LINK)) + 18]
    path = tmp_path / "twice.xml"
    path.write_text(text.replace(link, link + link, 1))
    project = read_mspdi(path)
    assert len(project.links) == len(read_mspdi(FIX).links)
    assert project.notes == [
        "Task UID 2 <PredecessorLink>: duplicate link from task UID 1 (2 identical links, "
        "kept once)"
    ]
    notes: list[str] = []
    merged = import_schedule(path, into=None, project_id="P1", notes=notes)
    assert project.notes[0] in notes
    assert not merged.links.duplicated(["pred_id", "succ_id"]).any()
    assert cli_schedule(str(path), "csv", out=io.StringIO()) == 0
    assert "warning:" in capsys.readouterr().err
    from pmkit.cli import main

    data = str(Path(__file__).resolve().parents[2] / "data")
    args = [
        "import",
        str(path),
        "--into",
        data,
        "--project-id",
        "P99",
        "--out",
        str(tmp_path / "m"),
    ]
    assert main(args) == 0
    assert f"note: {path}: {project.notes[0]}" in capsys.readouterr().out


# ------------------------------------------------------------------ through MPXJ, end to end


@pytest.mark.skipif(not mpxj_available(), reason="MPXJ needs the mpxj package and Java")
def test_mpx_through_mpxj_dates_by_hand_and_the_refusals(tmp_path: Path) -> None:
    from pmkit.schedule.mspdi_adapter import schedule_mspdi

    project = read_project_file(_file(tmp_path, "ok.mpx", MPX))
    es = schedule_mspdi(project).tasks.set_index("uid")["early_finish"]
    # by hand: Design 5 working days from Mon 5 Jan 2026 skipping the Wed 7 holiday
    # (5, 6, 8, 9, 12) -> Mon 12 Jan 17:00; Build from Tue 13: 13, 14, 15, 16, 19
    assert es[2] == pd.Timestamp("2026-01-12 17:00") and es[3] == pd.Timestamp("2026-01-19 17:00")
    with pytest.raises(MspdiError, match="no day 31"):  # was imported as another date
        read_project_file(_file(tmp_path, "feb.mpx", MPX.replace("Tue 13/01/26", "Tue 31/02/26")))
    with pytest.raises(MspdiError, match="no end record"):  # was: every task, no link
        read_project_file(_file(tmp_path, "cut.xer", XER.split("%T\tTASKPRED")[0]))
    twice = MPX.replace("17:00,2,3,3,No", '17:00,"2,2",3,3,No')
    assert "duplicate link" in read_project_file(_file(tmp_path, "twice.mpx", twice)).notes[0]


@pytest.mark.skipif(not mpxj_available(), reason="MPXJ needs the mpxj package and Java")
def test_an_error_in_the_converted_file_names_the_users_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MPXJ's MSPDI copy lives in a temporary folder: an error found there (a P6 file
    without a start date) named /tmp/pmkit-mpxj-.../x.xml, a file the user never had."""
    import pmkit.io.mpxj as bridge

    def refuse(path: Path) -> None:
        raise MspdiError("the project has no start date", file=str(path), field="StartDate")

    monkeypatch.setattr(bridge, "read_mspdi", refuse)
    src = _file(tmp_path, "plan.mpx", MPX)
    with pytest.raises(MspdiError) as err:
        read_project_file(src)
    monkeypatch.undo()
    assert err.value.file == str(src) and "pmkit-mpxj-" not in str(err.value)


P6 = """<?xml version="1.0" encoding="UTF-8"?>
<APIBusinessObjects xmlns="http://xmlns.oracle.com/Primavera/P6/V8.3/API/BusinessObjects">
<Project><Name>Demo</Name><PlannedStartDate>2026-01-05T08:00:00</PlannedStartDate>
<Activity><Name>Design</Name>
<PlannedStartDate>2026-01-05T08:00:00</PlannedStartDate>
<PlannedFinishDate>2026-01-12T17:00:00</PlannedFinishDate></Activity>
</Project></APIBusinessObjects>
"""


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        ("2026-01-12T17:00:00", "2026-02-30T17:00:00", "February 2026 has no day 30"),
        ("2026-01-12T17:00:00", "2026-01-12T25:00:00", "no time 25:00"),
        ("2026-01-12T17:00:00", "2026-01-12T17:61:00", "no time 17:61"),
    ],
)
def test_an_impossible_p6_xml_date_is_refused_with_line_and_element(
    tmp_path: Path, old: str, new: str, why: str
) -> None:
    from pmkit.io._schedule_text import check_p6_xml

    check_p6_xml(_file(tmp_path, "ok.pmxml", P6))  # MPXJ moved these to another day
    with pytest.raises(MspdiError, match=why) as err:
        check_p6_xml(_file(tmp_path, "bad.pmxml", P6.replace(old, new)))
    assert err.value.line == 6 and err.value.field == "<PlannedFinishDate>"


def test_a_project_calendar_without_working_time_names_the_file(tmp_path: Path) -> None:
    """Raised past the reader (building the calendars), the error named no file at all."""
    from pmkit.importing import import_schedule

    path = tmp_path / "closed.xml"
    path.write_text(
        FIX.read_text().replace("<DayWorking>1</DayWorking>", "<DayWorking>0</DayWorking>")
    )
    with pytest.raises(PmkitError) as err:
        import_schedule(path, into=None, project_id="P1")
    assert "no working time" in str(err.value) and str(path) in str(err.value)


def _german(text: str) -> str:
    """``MPX`` as a German Project writes it: ';' between fields, decimal comma, dates with
    dots, German words (Ja/Nein, t for days, Mo/Di)."""
    text = text.replace(",", ";").replace('10;$;1;2;";";.', "10;$;1;2;.;,")
    text = text.replace("12;1;1;480;/;:", "12;1;1;480;.;:").replace("/", ".")
    text = text.replace("Mon ", "Mo ").replace("Tue ", "Di ")
    text = text.replace(" 08:00", "").replace(" 17:00", "").replace("5d", "5t")
    return text.replace("10d", "10t").replace(";Yes", ";Ja").replace(";No", ";Nein")


@pytest.mark.skipif(not mpxj_available(), reason="MPXJ needs the mpxj package and Java")
def test_an_mpx_from_a_german_project_is_read(tmp_path: Path) -> None:
    """MPXJ reads MPX in English unless told: a German Project's file was refused
    ("Error reading file (failed at line ...)"). The same plan, the same dates."""
    from pmkit.schedule.mspdi_adapter import schedule_mspdi

    path = _file(tmp_path, "de.mpx", _german(MPX))
    assert check_mpx(path) == []
    with pytest.raises(MspdiError, match="no day 31"):  # the checks read German dates too
        check_mpx(_file(tmp_path, "bad.mpx", _german(MPX).replace("Di 13.01.26", "Di 31.02.26")))
    project = read_project_file(path)
    assert project.notes == ["read as an MPX file written in language 'de'"]
    ef = schedule_mspdi(project).tasks.set_index("uid")["early_finish"]
    assert ef[2] == pd.Timestamp("2026-01-12 17:00") and ef[3] == pd.Timestamp("2026-01-19 17:00")
    assert len(project.links) == 1


def test_the_checks_refuse_or_pass_but_never_crash(tmp_path: Path) -> None:
    """Every cut of the test files and control bytes in the task model (a fuzz run found
    ``61,1\\x1d,...``: ``'1\\x1d'.strip().isdigit()`` but ``int('1\\x1d')`` fails)."""
    from pmkit.io._schedule_text import check_schedule_text

    odd = MPX.replace("61,1,3,", "61,1\x1d,\u00b3,")
    assert check_mpx(_file(tmp_path, "odd.mpx", odd)) == []
    outcomes = {"passed": 0, "refused": 0}
    for name, text in (("f.mpx", MPX), ("f.xer", XER), ("f.pmxml", P6)):
        for cut in range(len(text)):
            path = tmp_path / name
            path.write_bytes(text[:cut].encode("latin-1"))
            try:  # anything but MspdiError fails the test
                check_schedule_text(path)
                outcomes["passed"] += 1
            except MspdiError:
                outcomes["refused"] += 1
    assert outcomes["refused"] > 100 and outcomes["passed"] > 100  # every XER cut is refused
