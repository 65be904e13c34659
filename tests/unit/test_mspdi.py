"""MSPDI reader/writer, safety against hostile XML, and the `pmkit schedule` output."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from pmkit.cli import CSV_COLUMNS, cli_schedule
from pmkit.errors import MspdiError
from pmkit.io.mspdi import format_duration, parse_duration, read_mspdi, write_mspdi
from pmkit.schedule import schedule_mspdi

FIX = Path(__file__).parent / "fixtures" / "handmade.xml"


def test_reads_tasks_links_calendar_and_constraints() -> None:
    p = read_mspdi(FIX)
    t = p.tasks.set_index("uid")
    assert t.loc[1, "duration_min"] == 960
    assert t.loc[6, "is_milestone"]
    assert t.loc[7, "constraint_type"] == "SNET"
    assert t.loc[7, "constraint_date"] == pd.Timestamp("2024-01-12 08:00")
    types = dict(zip(p.links["succ_uid"], p.links["type"], strict=True))
    assert types == {2: "FS", 3: "SS", 4: "FF", 5: "SF", 6: "FS"}
    assert p.links.set_index("succ_uid").loc[3, "lag_min"] == 480
    assert p.calendar.working_minutes_between("2024-01-10", "2024-01-11")[0] == 0  # holiday


def test_handmade_schedule_hand_checked() -> None:
    t = schedule_mspdi(read_mspdi(FIX)).tasks.set_index("uid")
    # Design Mon-Tue; Wed is a holiday so Build (FS) is Thursday
    assert t.loc[2, "early_start"] == pd.Timestamp("2024-01-11 08:00")
    # Test: SS + 1 day from Build -> Friday
    assert t.loc[3, "early_start"] == pd.Timestamp("2024-01-12 08:00")
    # Review: SF from Design's start, no lag -> Monday; 3 working days of float (Wed off)
    assert t.loc[5, "early_finish"] == pd.Timestamp("2024-01-08 17:00")
    assert t.loc[5, "total_slack_min"] == 3 * 480
    # milestone after Docs sits at its finish
    assert t.loc[6, "early_start"] == pd.Timestamp("2024-01-12 17:00")


def test_write_read_round_trip(tmp_path: Path) -> None:
    p = read_mspdi(FIX)
    out = tmp_path / "rt.xml"
    write_mspdi(p, out)
    q = read_mspdi(out)
    cols = ["uid", "name", "duration_min", "is_milestone", "constraint_type", "constraint_date"]
    pd.testing.assert_frame_equal(p.tasks[cols], q.tasks[cols])
    lcols = ["pred_uid", "succ_uid", "type", "lag_min"]
    pd.testing.assert_frame_equal(p.links[lcols], q.links[lcols])
    a = schedule_mspdi(p).tasks
    b = schedule_mspdi(q).tasks
    pd.testing.assert_frame_equal(
        a[["early_start", "late_finish", "total_slack_min"]],
        b[["early_start", "late_finish", "total_slack_min"]],
    )


@pytest.mark.parametrize("minutes", [0, 1, 59, 480, 12345.5, -960])
def test_duration_format_round_trip(minutes: float) -> None:
    assert parse_duration(format_duration(minutes)) == pytest.approx(minutes)


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Project xmlns="http://schemas.microsoft.com/project"><Name>&lol2;</Name></Project>"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Project xmlns="http://schemas.microsoft.com/project"><Name>&x;</Name></Project>"""


@pytest.mark.parametrize("text", [BOMB, XXE])
def test_hostile_xml_is_refused_with_file_name(tmp_path: Path, text: str) -> None:
    f = tmp_path / "evil.xml"
    f.write_text(text)
    with pytest.raises(MspdiError) as ei:
        read_mspdi(f)
    assert "evil.xml" in str(ei.value) and "unsafe" in str(ei.value)


def _mutated(tmp_path: Path, old: str, new: str) -> Path:
    f = tmp_path / "bad.xml"
    f.write_text(FIX.read_text().replace(old, new, 1))
    return f


@pytest.mark.parametrize(
    ("old", "new", "field", "value"),
    [
        ("<Duration>PT16H0M0S</Duration>", "<Duration>16 hours</Duration>", "Duration", "16 hours"),
        (
            "<ConstraintDate>2024-01-12T08:00:00</ConstraintDate>",
            "<ConstraintDate>2024-13-45</ConstraintDate>",
            "ConstraintDate",
            "2024-13-45",
        ),
    ],
)
def test_malformed_values_name_file_element_value(tmp_path, old, new, field, value) -> None:
    with pytest.raises(MspdiError) as ei:
        read_mspdi(_mutated(tmp_path, old, new))
    msg = str(ei.value)
    assert "bad.xml" in msg and field in msg and value in msg


def test_cli_csv_columns_and_errors(tmp_path: Path, capsys) -> None:
    buf = io.StringIO()
    assert cli_schedule(str(FIX), "csv", out=buf) == 0
    df = pd.read_csv(io.StringIO(buf.getvalue()))
    assert list(df.columns) == CSV_COLUMNS
    assert list(df["uid"]) == [1, 2, 3, 4, 5, 6, 7]
    assert df["early_start"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d").all()
    bad = _mutated(
        tmp_path, "<PredecessorUID>1</PredecessorUID>", "<PredecessorUID>99</PredecessorUID>"
    )
    assert cli_schedule(str(bad), "csv") == 2
    err = capsys.readouterr().err
    assert "99" in err and "Traceback" not in err
    assert cli_schedule(str(tmp_path / "missing.xml"), "csv") == 2
    cyc = _mutated(
        tmp_path,
        "<Name>Design</Name>",
        "<Name>Design</Name><PredecessorLink>"
        "<PredecessorUID>2</PredecessorUID><Type>1</Type></PredecessorLink>",
    )
    assert cli_schedule(str(cyc), "table") == 2
    assert "cycle" in capsys.readouterr().err


def _split_task_xml(gap_value: str) -> str:
    """One 3-day task whose remaining work (timephased, Type 1) stops for a day."""
    day = "<TimephasedData><Type>1</Type><UID>1</UID><Start>{s}</Start><Finish>{f}</Finish>"
    day += "<Unit>2</Unit>{v}</TimephasedData>"
    rows = [
        ("2024-01-08T08:00:00", "2024-01-08T17:00:00", "<Value>PT8H0M0S</Value>"),
        ("2024-01-08T17:00:00", "2024-01-09T17:00:00", gap_value),
        ("2024-01-09T17:00:00", "2024-01-10T17:00:00", "<Value>PT8H0M0S</Value>"),
        ("2024-01-10T17:00:00", "2024-01-11T17:00:00", "<Value>PT8H0M0S</Value>"),
    ]
    tp = "".join(day.format(s=s, f=f, v=v) for s, f, v in rows)
    return (
        '<?xml version="1.0"?><Project xmlns="http://schemas.microsoft.com/project">'
        "<StartDate>2024-01-08T08:00:00</StartDate><MinutesPerDay>480</MinutesPerDay>"
        "<Tasks><Task><UID>1</UID><ID>1</ID><Name>split</Name><OutlineLevel>1</OutlineLevel>"
        "<Duration>PT24H0M0S</Duration><DurationFormat>7</DurationFormat></Task></Tasks>"
        "<Assignments><Assignment><UID>1</UID><TaskUID>1</TaskUID>"
        f"<ResourceUID>-65535</ResourceUID><Units>1</Units><Work>PT24H0M0S</Work>{tp}"
        "</Assignment></Assignments></Project>"
    )


def test_split_in_timephased_work_moves_the_finish(tmp_path: Path) -> None:
    """A zero-work stretch of working time between work is a split: the finish moves out
    by it. A stretch with no value (non-working time) is not a split."""
    split = tmp_path / "split.xml"
    split.write_text(_split_task_xml("<Value>PT0H0M0S</Value>"), encoding="utf-8")
    p = read_mspdi(split)
    assert len(p.timephased) == 4 and p.timephased["work_min"].iloc[1] == 0
    t = schedule_mspdi(p).tasks.set_index("uid")
    assert t.loc[1, "early_start"] == pd.Timestamp("2024-01-08 08:00")
    assert t.loc[1, "early_finish"] == pd.Timestamp("2024-01-11 17:00")
    plain = tmp_path / "plain.xml"
    plain.write_text(_split_task_xml(""), encoding="utf-8")
    t = schedule_mspdi(read_mspdi(plain)).tasks.set_index("uid")
    assert t.loc[1, "early_finish"] == pd.Timestamp("2024-01-10 17:00")


_NS = '<?xml version="1.0"?><Project xmlns="http://schemas.microsoft.com/project">'


def _week(periods: str) -> str:
    """Sunday and Saturday off, Monday to Friday working ``periods`` (From/To pairs)."""
    times = "".join(
        f"<WorkingTime><FromTime>{f}:00</FromTime><ToTime>{t}:00</ToTime></WorkingTime>"
        for f, t in (p.split("-") for p in periods.split())
    )
    days = "<WeekDay><DayType>1</DayType><DayWorking>0</DayWorking></WeekDay>"
    for d in range(2, 7):
        days += (
            f"<WeekDay><DayType>{d}</DayType><DayWorking>1</DayWorking>"
            f"<WorkingTimes>{times}</WorkingTimes></WeekDay>"
        )
    days += "<WeekDay><DayType>7</DayType><DayWorking>0</DayWorking></WeekDay>"
    return f"<WeekDays>{days}</WeekDays>"


def _task(uid: int, body: str) -> str:
    return f"<Task><UID>{uid}</UID><ID>{uid}</ID><OutlineLevel>1</OutlineLevel>{body}</Task>"


def test_progress_elapsed_and_night_shift_follow_project(tmp_path: Path) -> None:
    """Rules read off Project's files (mspditimephased, mspdiduration in the corpus):
    a started task's late start is its actual start and its remaining duration runs from
    its Resume date; an elapsed task's slack is in elapsed minutes; a task worked by one
    night-shift resource starts when the night shift does and spans its Duration there,
    which a work contour makes longer than work / units."""
    xml = (
        _NS + "<StartDate>2024-01-08T08:00:00</StartDate><MinutesPerDay>480</MinutesPerDay>"
        "<CalendarUID>1</CalendarUID><Calendars>"
        "<Calendar><UID>1</UID><Name>Standard</Name><IsBaseCalendar>1</IsBaseCalendar>"
        f"<BaseCalendarUID>-1</BaseCalendarUID>{_week('08:00-12:00 13:00-17:00')}</Calendar>"
        "<Calendar><UID>2</UID><Name>Night</Name><IsBaseCalendar>1</IsBaseCalendar>"
        f"<BaseCalendarUID>-1</BaseCalendarUID>{_week('20:00-00:00')}</Calendar>"
        "</Calendars><Tasks>"
        + _task(
            1,
            "<Name>started, paused</Name><Duration>PT40H0M0S</Duration>"
            "<DurationFormat>7</DurationFormat><ActualStart>2024-01-08T08:00:00</ActualStart>"
            "<ActualDuration>PT24H0M0S</ActualDuration>"
            "<RemainingDuration>PT16H0M0S</RemainingDuration><PercentComplete>60</PercentComplete>"
            "<Stop>2024-01-15T08:00:00</Stop><Resume>2024-01-15T08:00:00</Resume>",
        )
        + _task(
            2, "<Name>long</Name><Duration>PT80H0M0S</Duration><DurationFormat>7</DurationFormat>"
        )
        + _task(
            3,
            "<Name>elapsed</Name><Duration>PT24H0M0S</Duration><DurationFormat>8</DurationFormat>",
        )
        + _task(
            4, "<Name>night</Name><Duration>PT16H0M0S</Duration><DurationFormat>7</DurationFormat>"
        )
        + "</Tasks><Resources><Resource><UID>1</UID><ID>1</ID><Name>owl</Name><Type>1</Type>"
        "<CalendarUID>2</CalendarUID></Resource></Resources>"
        "<Assignments><Assignment><UID>1</UID><TaskUID>4</TaskUID><ResourceUID>1</ResourceUID>"
        "<Units>1</Units><Work>PT8H0M0S</Work><WorkContour>1</WorkContour></Assignment>"
        "</Assignments></Project>"
    )
    path = tmp_path / "rules.xml"
    path.write_text(xml, encoding="utf-8")
    t = schedule_mspdi(read_mspdi(path)).tasks.set_index("uid")
    ts = pd.Timestamp
    # project finish: task 2, ten working days from Monday 8 January
    assert t.loc[2, "early_finish"] == ts("2024-01-19 17:00")
    # started task: remaining 16 h from Resume (Mon 15th), late start = actual start
    assert t.loc[1, "early_start"] == ts("2024-01-08 08:00")
    assert t.loc[1, "early_finish"] == ts("2024-01-16 17:00")
    assert t.loc[1, "late_start"] == ts("2024-01-08 08:00")
    assert t.loc[1, "late_finish"] == ts("2024-01-19 17:00")
    assert t.loc[1, "total_slack_min"] == 3 * 480  # late finish - early finish
    # elapsed day: Tue 9th 08:00 to Fri 19th 17:00 is 10 days 9 hours of clock time
    assert t.loc[3, "early_finish"] == ts("2024-01-09 08:00")
    assert t.loc[3, "total_slack_min"] == 10 * 1440 + 9 * 60
    # night shift: 16 h = four 4-hour nights from Monday 20:00, not 8 h of work / units
    assert t.loc[4, "early_start"] == ts("2024-01-08 20:00")
    assert t.loc[4, "early_finish"] == ts("2024-01-12 00:00")


def test_cli_csv_guards_formula_like_names(tmp_path: Path, capsys) -> None:
    """The CSV goes to a spreadsheet: a task named like a formula stays text (apostrophe),
    numbers stay numbers; ``--no-guard`` prints the raw text for a machine reader."""
    from pmkit.cli import main

    bad = _mutated(tmp_path, "<Name>Design</Name>", '<Name>=HYPERLINK("http://x","y")</Name>')
    bad.write_text(bad.read_text().replace("<Name>Build</Name>", "<Name>-2+3</Name>"))
    buf = io.StringIO()
    assert cli_schedule(str(bad), "csv", out=buf) == 0
    df = pd.read_csv(io.StringIO(buf.getvalue()), keep_default_na=False)
    names = df.set_index("uid")["name"]
    assert names[1] == '\'=HYPERLINK("http://x","y")' and names[2] == "'-2+3"
    assert names[3] == "Test" and df["total_slack_min"].dtype.kind == "i"
    raw = io.StringIO()
    assert cli_schedule(str(bad), "csv", out=raw, guard=False) == 0
    assert pd.read_csv(io.StringIO(raw.getvalue())).set_index("uid")["name"][2] == "-2+3"
    assert main(["schedule", str(bad), "--format", "csv", "--no-guard"]) == 0
    assert "\n2,-2+3," in capsys.readouterr().out


def test_cli_schedules_every_format_pmkit_import_reads(tmp_path: Path, capsys) -> None:
    """``pmkit schedule`` reads what ``pmkit import`` reads: one project written as MSPDI and as
    MPX gives the same early dates and float; a file of no schedule type is a located error."""
    from pmkit import export_project, load_portfolio
    from pmkit.bundle import sample_path
    from pmkit.io.mpxj import mpxj_available

    other = tmp_path / "plan.txt"
    other.write_text("not a schedule\n", encoding="utf-8")
    assert cli_schedule(str(other), "csv") == 2
    err = capsys.readouterr().err
    assert "plan.txt" in err and "unknown schedule file type" in err and "Traceback" not in err
    if not mpxj_available():
        pytest.skip("MPX needs the mpxj package and Java")
    portfolio = load_portfolio(sample_path())
    # P03 has started tasks (an MPX writes their actual start as a date only), P04 an FNLT
    for pid in ("P03", "P04"):
        tables = {}
        for fmt, name in (("mspdi", f"{pid}.xml"), ("mpx", f"{pid}.mpx")):
            path = export_project(portfolio, pid, tmp_path / name, fmt=fmt)
            buf = io.StringIO()
            assert cli_schedule(str(path), "csv", out=buf) == 0, capsys.readouterr().err
            tables[fmt] = pd.read_csv(io.StringIO(buf.getvalue()))
        cols = ["name", "early_start", "early_finish", "late_finish", "total_slack_min"]
        a, b = (tables[f].sort_values("name")[cols].reset_index(drop=True) for f in tables)
        assert len(a) > 10
        pd.testing.assert_frame_equal(a, b)
