"""Microsoft Project's rules added for issue 11, each on a hand-made network whose expected
values are worked out by hand on the Standard calendar (Mon-Fri 08-12, 13-17; 480 min/day).

Project start Monday 2024-01-08 08:00.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from pmkit.calendar import Calendar, shared_calendar
from pmkit.io.mspdi import read_mspdi
from pmkit.schedule import schedule_mspdi, schedule_network

DAY = 480
START = pd.Timestamp("2024-01-08 08:00")


def _tasks(rows: list[dict]) -> pd.DataFrame:
    base = {"is_summary": False, "parent_uid": None}
    return pd.DataFrame([{**base, **r} for r in rows])


def _links(rows: list[tuple[int, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"pred_uid": p, "succ_uid": s, "type": t, "lag_min": 0.0} for p, s, t in rows]
    )


def test_free_slack_of_a_task_under_a_summary_with_successors() -> None:
    """S = {A 2d, B 5d} -> C 1d; D 10d alone sets the finish (Fri 19 Jan 17:00).
    C: ES Mon 15, LS Fri 19 08:00. A has no successor of its own: free slack = total slack
    = Tue 9 17:00 .. Thu 18 17:00 = 7 days (not the 3 days to C's early start)."""
    t = _tasks(
        [
            {"uid": 10, "name": "S", "duration_min": 0.0, "is_summary": True},
            {"uid": 1, "name": "A", "duration_min": 2 * DAY, "parent_uid": 10},
            {"uid": 2, "name": "B", "duration_min": 5 * DAY, "parent_uid": 10},
            {"uid": 3, "name": "C", "duration_min": 1 * DAY},
            {"uid": 4, "name": "D", "duration_min": 10 * DAY},
        ]
    )
    s = schedule_network(
        t, _links([(10, 3, "FS")]), calendar=Calendar.standard(), project_start=START
    ).tasks.set_index("uid")
    assert s.loc[3, "early_start"] == pd.Timestamp("2024-01-15 08:00")
    assert s.loc[1, "total_slack_min"] == 7 * DAY
    assert s.loc[1, "free_slack_min"] == 7 * DAY
    assert s.loc[2, "free_slack_min"] == s.loc[2, "total_slack_min"] == 4 * DAY
    assert s.loc[3, "free_slack_min"] == 4 * DAY  # C to the finish


def test_a_finished_successor_does_not_hold_its_predecessor_back() -> None:
    """A 2d -> B (done on Mon 8); C 5d alone finishes Fri 12 17:00. A's late finish is the
    project finish, not B's dates: total = free slack = Tue 9 17:00 .. Fri 12 17:00 = 3 days."""
    t = _tasks(
        [
            {"uid": 1, "name": "A", "duration_min": 2 * DAY},
            {
                "uid": 2,
                "name": "B",
                "duration_min": 1 * DAY,
                "percent_complete": 100.0,
                "actual_start": pd.Timestamp("2024-01-08 08:00"),
                "actual_finish": pd.Timestamp("2024-01-08 17:00"),
            },
            {"uid": 3, "name": "C", "duration_min": 5 * DAY},
        ]
    )
    s = schedule_network(
        t, _links([(1, 2, "FS")]), calendar=Calendar.standard(), project_start=START
    ).tasks.set_index("uid")
    assert s.loc[1, "late_finish"] == pd.Timestamp("2024-01-12 17:00")
    assert s.loc[1, "total_slack_min"] == 3 * DAY
    assert s.loc[1, "free_slack_min"] == 3 * DAY


def _broken_base() -> str:
    here = Path(__file__).parent / "fixtures" / "mspdi_broken" / "make_broken.py"
    spec = importlib.util.spec_from_file_location("make_broken_rules", here)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return str(mod.BASE)


def test_percent_lag_is_the_bare_percent(tmp_path: Path) -> None:
    """LagFormat 19, LinkLag 50: +50 % of Build's 8 h = 4 working hours (not 5 %).
    Design Mon 8-Tue 9, Wed 10 is a holiday, Build Thu 11; Launch = Thu 17:00 + 4 h =
    Fri 12 12:00."""
    xml = _broken_base().replace(
        "<LinkLag>4800</LinkLag><LagFormat>7</LagFormat>",
        "<LinkLag>50</LinkLag><LagFormat>19</LagFormat>",
    )
    path = tmp_path / "percent.xml"
    path.write_text(xml, encoding="utf-8")
    proj = read_mspdi(path)
    lk = proj.links.set_index("succ_uid")
    assert lk.loc[4, "lag_percent"] == 50.0
    s = schedule_mspdi(proj).tasks.set_index("uid")
    assert s.loc[3, "early_finish"] == pd.Timestamp("2024-01-11 17:00")
    assert s.loc[4, "early_start"] == pd.Timestamp("2024-01-12 12:00")


# ---------------------------------------------------------------- rule 4: shared calendars
def _cal_xml(uid: int, name: str, periods: tuple[tuple[str, str], ...]) -> str:
    times = "".join(
        f"<WorkingTime><FromTime>{a}:00</FromTime><ToTime>{b}:00</ToTime></WorkingTime>"
        for a, b in periods
    )
    work = "".join(
        f"<WeekDay><DayType>{d}</DayType><DayWorking>1</DayWorking>"
        f"<WorkingTimes>{times}</WorkingTimes></WeekDay>"
        for d in range(2, 7)
    )
    off = "".join(
        f"<WeekDay><DayType>{d}</DayType><DayWorking>0</DayWorking></WeekDay>" for d in (1, 7)
    )
    return (
        f"<Calendar><UID>{uid}</UID><Name>{name}</Name><IsBaseCalendar>1</IsBaseCalendar>"
        f"<WeekDays>{off}{work}</WeekDays></Calendar>"
    )


def _task_xml(uid: int, name: str, cal: int, ignore: bool = False) -> str:
    return (
        f"<Task><UID>{uid}</UID><ID>{uid}</ID><Name>{name}</Name><OutlineLevel>1</OutlineLevel>"
        "<Duration>PT8H0M0S</Duration><DurationFormat>7</DurationFormat>"
        f"<CalendarUID>{cal}</CalendarUID>"
        f"<IgnoreResourceCalendar>{int(ignore)}</IgnoreResourceCalendar></Task>"
    )


SHARED_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Project xmlns="http://schemas.microsoft.com/project"><Name>shared</Name>'
    "<ScheduleFromStart>1</ScheduleFromStart><StartDate>2024-01-08T08:00:00</StartDate>"
    "<CalendarUID>1</CalendarUID><MinutesPerDay>480</MinutesPerDay><Calendars>"
    + _cal_xml(1, "Standard", (("08:00", "12:00"), ("13:00", "17:00")))
    + _cal_xml(2, "Mornings", (("08:00", "12:00"),))
    + _cal_xml(3, "Middle shift", (("10:00", "16:00"),))
    + "</Calendars><Tasks>"
    "<Task><UID>0</UID><ID>0</ID><Name>shared</Name><OutlineLevel>0</OutlineLevel>"
    "<Summary>1</Summary></Task>"
    + _task_xml(1, "Own calendar and resource", 2)
    + _task_xml(2, "Ignores resource calendars", 2, ignore=True)
    + _task_xml(3, "Resource only", -1)
    + "</Tasks><Resources>"
    "<Resource><UID>1</UID><ID>1</ID><Name>Ana</Name><Type>1</Type><MaxUnits>1</MaxUnits>"
    "<CalendarUID>3</CalendarUID></Resource></Resources><Assignments>"
    + "".join(
        f"<Assignment><UID>{t}</UID><TaskUID>{t}</TaskUID><ResourceUID>1</ResourceUID>"
        "<Units>1</Units><Work>PT8H0M0S</Work></Assignment>"
        for t in (1, 2, 3)
    )
    + "</Assignments></Project>\n"
)


def test_task_calendar_and_resource_calendar_share_working_time(tmp_path: Path) -> None:
    """Ana works 10:00-16:00 (Mon-Fri); task 1's calendar is Mornings 08:00-12:00. They
    share 10:00-12:00, 2 h a day, so 8 h of work take Mon..Thu: Mon 8 10:00 -> Thu 11
    12:00. Task 2 ignores resource calendars: Mornings alone, 4 h a day, Mon 08:00 -> Tue
    12:00. Task 3 has no calendar of its own: Ana's, Mon 10:00-16:00 (6 h) + Tue
    10:00-12:00 (2 h) -> Tue 12:00."""
    path = tmp_path / "shared.xml"
    path.write_text(SHARED_XML, encoding="utf-8")
    s = schedule_mspdi(read_mspdi(path)).tasks.set_index("uid")
    expected = {
        1: ("2024-01-08 10:00", "2024-01-11 12:00"),
        2: ("2024-01-08 08:00", "2024-01-09 12:00"),
        3: ("2024-01-08 10:00", "2024-01-09 12:00"),
    }
    for uid, (es, ef) in expected.items():
        assert s.loc[uid, "early_start"] == pd.Timestamp(es), uid
        assert s.loc[uid, "early_finish"] == pd.Timestamp(ef), uid


def test_shared_calendar_is_the_intersection_exceptions_included() -> None:
    """Standard (08-12, 13-17) and a 10:00-16:00 calendar with a holiday on Wed 10 share
    10-12 and 13-16, 5 h a day, and nothing on the holiday: Mon 8 08:00 .. Fri 12 17:00
    holds 4 working days = 1200 minutes."""
    mid = Calendar.from_spec(periods="10:00-16:00", holidays=["2024-01-10"], name="mid")
    both = shared_calendar([Calendar.standard(), mid])
    span = both.working_minutes_between(
        [pd.Timestamp("2024-01-08 08:00")], [pd.Timestamp("2024-01-12 17:00")]
    )
    assert int(span[0]) == 4 * 300
    assert both.week_periods(0) == ((600, 720), (780, 960))
    assert not bool(both.is_working([pd.Timestamp("2024-01-10 11:00")])[0])
    assert bool(both.is_working([pd.Timestamp("2024-01-11 11:00")])[0])
    assert not bool(both.is_working([pd.Timestamp("2024-01-11 12:30")])[0])


# ---------------------------------------------------------------- rule 5: manual tasks
def _manual(uid: int, name: str, start: str, finish: str) -> dict:
    return {
        "uid": uid,
        "name": name,
        "duration_min": 1 * DAY,
        "manual": True,
        "manual_start": pd.Timestamp(start),
        "manual_finish": pd.Timestamp(finish),
    }


def _run(t: pd.DataFrame, links: pd.DataFrame, multi: bool) -> pd.DataFrame:
    """Schedule on the Standard calendar; ``multi`` gives the long task Q a calendar of its
    own (the same working time plus Saturdays, so Q's dates do not change: Q starts Mon
    and has 5 days of work, Mon..Fri), which runs the task-by-task passes instead."""
    cals = None
    if multi:
        six = Calendar.from_spec("Mon,Tue,Wed,Thu,Fri,Sat", name="six")
        t = t.assign(calendar_id=[("six" if u == 9 else None) for u in t["uid"]])
        cals = {"six": six}
    s = schedule_network(
        t, links, calendar=Calendar.standard(), project_start=START, calendars=cals
    )
    assert ("task, resource and elapsed calendars scheduled task by task" in s.notes) == multi
    return s.tasks.set_index("uid")


def _q() -> dict:
    return {"uid": 9, "name": "Q", "duration_min": 5 * DAY, "manual": False}


@pytest.mark.parametrize("multi", [False, True])
def test_manual_task_slack_is_measured_from_its_typed_start(multi: bool) -> None:
    """P 1d (Mon 8) -FS-> M, manual, typed Mon 8 08:00-17:00 (the link asks for Tue: the
    typed dates break it). Q 5d alone finishes Fri 12 17:00. M's late finish is Fri 17:00,
    late start Fri 08:00; from the typed start Mon 08:00 that is 4 days of slack (not 3,
    which would count from where the link wants M). M has no successor: free = total."""
    t = _tasks(
        [
            {"uid": 1, "name": "P", "duration_min": 1 * DAY, "manual": False},
            _manual(2, "M", "2024-01-08 08:00", "2024-01-08 17:00"),
            _q(),
        ]
    )
    s = _run(t, _links([(1, 2, "FS")]), multi)
    assert s.loc[2, "early_start"] == pd.Timestamp("2024-01-08 08:00")
    assert s.loc[2, "late_start"] == pd.Timestamp("2024-01-12 08:00")
    assert s.loc[2, "total_slack_min"] == 4 * DAY
    assert s.loc[2, "free_slack_min"] == 4 * DAY


@pytest.mark.parametrize("multi", [False, True])
def test_manual_typed_finish_on_a_non_working_day_is_kept(multi: bool) -> None:
    """M is typed Mon 8 08:00 -> Sat 13 12:00: Project keeps Saturday noon as its finish.
    Its FS successor B starts where work resumes, Mon 15 08:00, and ends Mon 17:00."""
    t = _tasks(
        [
            _manual(1, "M", "2024-01-08 08:00", "2024-01-13 12:00"),
            {"uid": 2, "name": "B", "duration_min": 1 * DAY, "manual": False},
            _q(),
        ]
    )
    s = _run(t, _links([(1, 2, "FS")]), multi)
    assert s.loc[1, "early_finish"] == pd.Timestamp("2024-01-13 12:00")
    assert s.loc[1, "finish"] == pd.Timestamp("2024-01-13 12:00")
    assert s.loc[2, "early_start"] == pd.Timestamp("2024-01-15 08:00")
    assert s.loc[2, "early_finish"] == pd.Timestamp("2024-01-15 17:00")


# ---------------------------------------------------------------- rule 3: Resume bound
def _started_b(parent: int | None = None) -> dict:
    """B started Tue 9 08:00, paused, resumes Wed 10 10:00; its span from the actual start
    is 2 days (ends Wed 10 17:00)."""
    return {
        "uid": 2,
        "name": "B",
        "duration_min": 2 * DAY,
        "manual": False,
        "actual_start": pd.Timestamp("2024-01-09 08:00"),
        "resume": pd.Timestamp("2024-01-10 10:00"),
        "parent_uid": parent,
    }


@pytest.mark.parametrize("multi", [False, True])
def test_a_started_successor_holds_its_predecessor_back_from_its_resume(multi: bool) -> None:
    """A 1d (Mon 8) -FS-> B (above); Q 5d alone finishes Fri 12 17:00, so B could finish
    as late as Fri 17:00 (its late start from that would be Thu 11 08:00). Project bounds A
    by B's Resume: late finish Wed 10 10:00; total slack = Tue 9 (8 h) + Wed 08-10 (2 h)
    = 600 minutes (not 2 days from B's late start, nor 0 from its actual start)."""
    t = _tasks(
        [{"uid": 1, "name": "A", "duration_min": 1 * DAY, "manual": False}, _started_b(), _q()]
    )
    s = _run(t, _links([(1, 2, "FS")]), multi)
    assert s.loc[1, "early_finish"] == pd.Timestamp("2024-01-08 17:00")
    assert s.loc[1, "late_finish"] == pd.Timestamp("2024-01-10 10:00")
    assert s.loc[1, "total_slack_min"] == 600


@pytest.mark.parametrize("multi", [False, True])
def test_through_a_summary_a_started_task_bounds_from_its_actual_start(multi: bool) -> None:
    """The same, with the link drawn onto B's summary S: a summary's late start is the
    earliest of its children's shown late starts, and a started task shows its actual
    start (Tue 9 08:00). A's late finish is Mon 8 17:00: no slack."""
    t = _tasks(
        [
            {"uid": 1, "name": "A", "duration_min": 1 * DAY, "manual": False},
            {"uid": 5, "name": "S", "duration_min": 0.0, "is_summary": True, "manual": False},
            _started_b(parent=5),
            _q(),
        ]
    )
    s = _run(t, _links([(1, 5, "FS")]), multi)
    assert s.loc[1, "late_finish"] == pd.Timestamp("2024-01-08 17:00")
    assert s.loc[1, "total_slack_min"] == 0
