"""CPM engine on hand-computed networks: every link type, lag kind and constraint."""

from __future__ import annotations

import types

import pandas as pd
import pytest

from pmkit.calendar import Calendar
from pmkit.errors import CycleError, ScheduleError
from pmkit.schedule import schedule_network
from pmkit.schedule.portfolio_adapter import schedule_portfolio, schedule_project

CAL = Calendar.standard()
MON = pd.Timestamp("2024-01-08 08:00")  # a Monday
DAY = 480.0


def T(s: str) -> pd.Timestamp:
    return pd.Timestamp(s)


def run(tasks: list[dict], links: list[dict] | None = None, **kw):
    tdf = pd.DataFrame(tasks)
    ldf = pd.DataFrame(links or [], columns=["pred_uid", "succ_uid", "type", "lag_min"])
    sched = schedule_network(tdf, ldf, calendar=CAL, project_start=MON, **kw)
    return sched, sched.tasks.set_index("uid")


@pytest.mark.parametrize(
    ("ltype", "lag", "dur_a", "b_start", "b_finish"),
    [
        ("FS", 0, 2 * DAY, "2024-01-10 08:00", "2024-01-10 17:00"),
        ("FS", DAY, 2 * DAY, "2024-01-11 08:00", "2024-01-11 17:00"),
        ("FS", -DAY, 2 * DAY, "2024-01-09 08:00", "2024-01-09 17:00"),
        ("SS", DAY, 2 * DAY, "2024-01-09 08:00", "2024-01-09 17:00"),
        ("FF", 0, 2 * DAY, "2024-01-09 08:00", "2024-01-09 17:00"),
        ("FF", 2 * DAY, 2 * DAY, "2024-01-11 08:00", "2024-01-11 17:00"),
        ("SF", 2 * DAY, DAY, "2024-01-09 08:00", "2024-01-09 17:00"),
    ],
)
def test_link_types_and_lags(ltype, lag, dur_a, b_start, b_finish) -> None:
    _, t = run(
        [{"uid": "A", "duration_min": dur_a}, {"uid": "B", "duration_min": DAY}],
        [{"pred_uid": "A", "succ_uid": "B", "type": ltype, "lag_min": lag}],
    )
    assert t.loc["B", "early_start"] == T(b_start)
    assert t.loc["B", "early_finish"] == T(b_finish)


def test_sf_without_lag_finishes_at_drivers_start_instant() -> None:
    # Project shows such a finish at the next period's start (mspdirelations.xml)
    _, t = run(
        [
            {"uid": "A", "duration_min": DAY},
            {"uid": "B", "duration_min": DAY},
            {"uid": "C", "duration_min": DAY},
        ],
        [
            {"pred_uid": "A", "succ_uid": "B", "type": "FS", "lag_min": 0},
            {"pred_uid": "B", "succ_uid": "C", "type": "SF", "lag_min": 0},
        ],
    )
    assert t.loc["C", "early_finish"] == T("2024-01-09 08:00")
    assert t.loc["C", "early_start"] == T("2024-01-08 08:00")


def test_percent_lag_uses_predecessor_duration() -> None:
    tdf = pd.DataFrame([{"uid": 1, "duration_min": 4 * DAY}, {"uid": 2, "duration_min": DAY}])
    ldf = pd.DataFrame(
        [{"pred_uid": 1, "succ_uid": 2, "type": "SS", "lag_min": 0.0, "lag_percent": 50.0}]
    )
    t = schedule_network(tdf, ldf, calendar=CAL, project_start=MON).tasks.set_index("uid")
    assert t.loc[2, "early_start"] == T("2024-01-10 08:00")


def test_milestone_after_task_sits_at_its_finish_and_slack() -> None:
    sched, t = run(
        [
            {"uid": "A", "duration_min": DAY},
            {"uid": "M", "duration_min": 0, "is_milestone": True},
            {"uid": "L", "duration_min": 3 * DAY},
        ],
        [{"pred_uid": "A", "succ_uid": "M", "type": "FS", "lag_min": 0}],
    )
    assert t.loc["M", "early_start"] == t.loc["M", "early_finish"] == T("2024-01-08 17:00")
    assert t.loc["M", "late_finish"] == T("2024-01-10 17:00")
    assert t.loc["M", "total_slack_min"] == 2 * DAY
    assert t.loc["A", "free_slack_min"] == 0
    assert bool(t.loc["L", "critical"]) and not bool(t.loc["A", "critical"])
    assert sched.finish == T("2024-01-10 17:00")


def test_late_dates_and_float() -> None:
    _, t = run(
        [
            {"uid": "A", "duration_min": DAY},
            {"uid": "B", "duration_min": DAY},
            {"uid": "C", "duration_min": 3 * DAY},
        ],
        [{"pred_uid": "A", "succ_uid": "B", "type": "FS", "lag_min": 0}],
    )
    assert t.loc["A", "late_start"] == T("2024-01-09 08:00")
    assert t.loc["A", "late_finish"] == T("2024-01-09 17:00")
    assert t.loc["A", "total_slack_min"] == DAY
    assert t.loc["A", "free_slack_min"] == 0
    assert t.loc["B", "free_slack_min"] == DAY
    assert t.loc["C", "total_slack_min"] == 0


@pytest.mark.parametrize(
    ("ctype", "cdate", "es", "ef", "slack"),
    [
        ("SNET", "2024-01-10 08:00", "2024-01-10 08:00", "2024-01-10 17:00", 2 * DAY),
        ("FNET", "2024-01-12 17:00", "2024-01-12 08:00", "2024-01-12 17:00", 0),
        ("MSO", "2024-01-09 08:00", "2024-01-09 08:00", "2024-01-09 17:00", -DAY),
        ("MFO", "2024-01-09 17:00", "2024-01-09 08:00", "2024-01-09 17:00", -DAY),
        ("SNLT", "2024-01-09 08:00", "2024-01-10 08:00", "2024-01-10 17:00", -DAY),
        ("FNLT", "2024-01-11 17:00", "2024-01-10 08:00", "2024-01-10 17:00", DAY),
        ("ALAP", None, "2024-01-10 08:00", "2024-01-10 17:00", 2 * DAY),
        ("ASAP", None, "2024-01-10 08:00", "2024-01-10 17:00", 2 * DAY),
    ],
)
def test_constraints(ctype, cdate, es, ef, slack) -> None:
    # P (2 days) -> X (1 day); Q (5 days) sets the project finish
    _, t = run(
        [
            {"uid": "P", "duration_min": 2 * DAY},
            {"uid": "Q", "duration_min": 5 * DAY},
            {
                "uid": "X",
                "duration_min": DAY,
                "constraint_type": ctype,
                "constraint_date": pd.Timestamp(cdate) if cdate else pd.NaT,
            },
        ],
        [{"pred_uid": "P", "succ_uid": "X", "type": "FS", "lag_min": 0}],
    )
    assert t.loc["X", "early_start"] == T(es)
    assert t.loc["X", "early_finish"] == T(ef)
    assert t.loc["X", "total_slack_min"] == slack
    if ctype == "ALAP":
        assert t.loc["X", "start"] == t.loc["X", "late_start"] == T("2024-01-12 08:00")


def test_summary_rolls_up_and_links_on_summary_reach_children() -> None:
    _, t = run(
        [
            {"uid": "S", "duration_min": 0, "is_summary": True},
            {"uid": "a", "duration_min": DAY, "parent_uid": "S"},
            {"uid": "b", "duration_min": 2 * DAY, "parent_uid": "S"},
            {"uid": "Z", "duration_min": DAY},
        ],
        [{"pred_uid": "S", "succ_uid": "Z", "type": "FS", "lag_min": 0}],
    )
    assert t.loc["S", "early_start"] == T("2024-01-08 08:00")
    assert t.loc["S", "early_finish"] == T("2024-01-09 17:00")
    assert t.loc["Z", "early_start"] == T("2024-01-10 08:00")


def test_manual_task_keeps_typed_dates() -> None:
    _, t = run(
        [
            {"uid": "A", "duration_min": 3 * DAY},
            {
                "uid": "M",
                "duration_min": DAY,
                "manual": True,
                "manual_start": T("2024-01-09 08:00"),
                "manual_finish": T("2024-01-09 17:00"),
            },
        ],
        [{"pred_uid": "A", "succ_uid": "M", "type": "FS", "lag_min": 0}],
    )
    assert t.loc["M", "early_start"] == T("2024-01-09 08:00")
    assert t.loc["M", "early_finish"] == T("2024-01-09 17:00")


def test_actuals_pin_completed_task() -> None:
    _, t = run(
        [
            {
                "uid": "A",
                "duration_min": DAY,
                "percent_complete": 100,
                "actual_start": T("2024-01-09 08:00"),
                "actual_finish": T("2024-01-10 12:00"),
            }
        ]
    )
    assert t.loc["A", "early_start"] == T("2024-01-09 08:00")
    assert t.loc["A", "early_finish"] == T("2024-01-10 12:00")


def test_driving_predecessors_and_chain() -> None:
    sched, t = run(
        [
            {"uid": "A", "duration_min": DAY},
            {"uid": "B", "duration_min": 2 * DAY},
            {"uid": "C", "duration_min": DAY},
            {"uid": "D", "duration_min": DAY},
        ],
        [
            {"pred_uid": "A", "succ_uid": "C", "type": "FS", "lag_min": 0},
            {"pred_uid": "B", "succ_uid": "C", "type": "FS", "lag_min": 0},
            {"pred_uid": "C", "succ_uid": "D", "type": "SS", "lag_min": DAY},
        ],
    )
    assert t.loc["C", "driving_preds"] == ["B"]
    chain = sched.driving_chain("D")
    assert [c[0] for c in chain] == ["D", "C", "B"]
    assert chain[0][1] == "SS" and chain[0][2] == DAY and chain[-1][1] is None
    lk = sched.links.set_index("pred_uid")
    assert lk.loc["A", "link_float_min"] == DAY
    assert sched.critical_path() == ["B", "C", "D"]


def test_cycle_names_the_tasks() -> None:
    with pytest.raises(CycleError) as ei:
        run(
            [{"uid": u, "duration_min": DAY} for u in "ABCD"],
            [
                {"pred_uid": "A", "succ_uid": "B", "type": "FS", "lag_min": 0},
                {"pred_uid": "B", "succ_uid": "C", "type": "FS", "lag_min": 0},
                {"pred_uid": "C", "succ_uid": "B", "type": "FS", "lag_min": 0},
                {"pred_uid": "C", "succ_uid": "D", "type": "FS", "lag_min": 0},
            ],
        )
    assert sorted(ei.value.cycle) == ["B", "C"]
    assert "B" in str(ei.value) and "C" in str(ei.value)


@pytest.mark.parametrize(
    ("tasks", "links", "match"),
    [
        (
            [{"uid": "A", "duration_min": DAY}],
            [{"pred_uid": "X", "succ_uid": "A", "type": "FS", "lag_min": 0}],
            "unknown task",
        ),
        ([{"uid": "A", "duration_min": "abc"}], [], "malformed duration"),
        ([{"uid": "A", "duration_min": -5}], [], "malformed duration"),
        (
            [{"uid": "A", "duration_min": DAY}, {"uid": "B", "duration_min": DAY}],
            [{"pred_uid": "A", "succ_uid": "B", "type": "XX", "lag_min": 0}],
            "link type",
        ),
        ([{"uid": "A", "duration_min": DAY, "constraint_type": "MSO"}], [], "has no date"),
        ([{"uid": "A", "duration_min": DAY}, {"uid": "A", "duration_min": DAY}], [], "duplicate"),
    ],
)
def test_bad_input_raises_schedule_error(tasks, links, match) -> None:
    with pytest.raises(ScheduleError, match=match):
        run(tasks, links)


# --------------------------------------------------------------------- portfolio adapter
def _portfolio() -> types.SimpleNamespace:
    calendars = pd.DataFrame(
        [
            {
                "calendar_id": "STD",
                "name": "Standard",
                "working_days": "Mon,Tue,Wed,Thu,Fri",
                "periods": "08:00-12:00,13:00-17:00",
                "hours_per_day": 8.0,
            }
        ]
    )
    holidays = pd.DataFrame(
        [{"calendar_id": "STD", "date": pd.Timestamp("2024-01-10"), "name": "holiday"}]
    )
    projects = pd.DataFrame(
        [
            {"project_id": "P1", "start": pd.Timestamp("2024-01-08"), "calendar_id": "STD"},
            {"project_id": "P2", "start": pd.Timestamp("2024-01-08"), "calendar_id": "STD"},
        ]
    )
    rows = []
    for pid, tid, wbs, dur, summ in [
        ("P1", "P1-T1", "1", 0.0, True),
        ("P1", "P1-T2", "1.1", 2.0, False),
        ("P1", "P1-T3", "1.2", 1.0, False),
        ("P2", "P2-T1", "1", 3.0, False),
        ("P2", "P2-T2", "2", 1.0, False),
    ]:
        rows.append(
            {
                "task_id": tid,
                "project_id": pid,
                "wbs": wbs,
                "name": tid,
                "is_summary": summ,
                "is_milestone": False,
                "duration_days": dur,
                "constraint_type": "ASAP",
                "constraint_date": pd.NaT,
                "calendar_id": None,
                "percent_complete": 0.0,
                "actual_start": pd.NaT,
                "actual_finish": pd.NaT,
            }
        )
    tasks = pd.DataFrame(rows)
    links = pd.DataFrame(
        [
            {"pred_id": "P1-T2", "succ_id": "P1-T3", "type": "FS", "lag_days": 0.0},
            {"pred_id": "P2-T1", "succ_id": "P1-T3", "type": "FS", "lag_days": 1.0},
            {"pred_id": "P2-T1", "succ_id": "P2-T2", "type": "FS", "lag_days": 0.0},
        ]
    )
    ns = types.SimpleNamespace(
        projects=projects, tasks=tasks, links=links, calendars=calendars, holidays=holidays
    )

    def calendar(cid: str) -> Calendar:
        row = calendars.set_index("calendar_id").loc[cid]
        days = holidays.loc[holidays["calendar_id"] == cid, "date"]
        return Calendar.from_spec(row["working_days"], row["periods"], list(days), cid)

    ns.calendar = calendar
    return ns


def test_portfolio_schedule_crosses_projects_and_uses_holidays() -> None:
    pf = _portfolio()
    s = schedule_portfolio(pf)
    t = s.tasks.set_index("uid")
    # P2-T1: Mon, Tue, (Wed holiday), Thu -> finishes Thu 17:00; +1 day lag -> Mon
    assert t.loc["P2-T1", "early_finish"] == T("2024-01-11 17:00")
    assert t.loc["P1-T3", "early_start"] == T("2024-01-15 08:00")
    assert t.loc["P1-T3", "driving_preds"] == ["P2-T1"]
    alone = schedule_portfolio(pf, cross_project=False).tasks.set_index("uid")
    assert alone.loc["P1-T3", "early_start"] == T("2024-01-11 08:00")


def test_single_project_flags_or_pins_external_predecessors() -> None:
    pf = _portfolio()
    # one plan: a project's schedule is its slice of the portfolio plan, so the predecessor
    # in P2 (finishing Thu 11 Jan, +1 day lag) drives P1-T3 as in the portfolio
    s = schedule_project(pf, "P1")
    t = s.tasks.set_index("uid")
    assert set(t.index) == {"P1-T1", "P1-T2", "P1-T3"}
    assert t.loc["P1-T3", "external_preds_ignored"] == []
    assert t.loc["P1-T3", "early_start"] == T("2024-01-15 08:00")
    pinned = schedule_project(pf, "P1", external=schedule_portfolio(pf)).tasks.set_index("uid")
    assert pinned.loc["P1-T3", "early_start"] == T("2024-01-15 08:00")
    longer = schedule_project(pf, "P1", overrides={"P1-T2": {"duration_days": 4.0}})
    assert longer.tasks.set_index("uid").loc["P1-T3", "early_start"] == T("2024-01-15 08:00")
    with pytest.raises(ScheduleError):
        schedule_project(pf, "NOPE")


def test_portfolio_actual_dates_without_time_mean_whole_working_days() -> None:
    """An actual finish given as a date is the END of that working day (the successor
    starts the next morning); an actual start is the start of its day."""
    pf = _portfolio()
    t = pf.tasks.set_index("task_id")
    # P2-T1 started Mon 8 Jan and finished Thu 11 Jan (Wed 10 is a holiday)
    t.loc["P2-T1", ["percent_complete", "actual_start", "actual_finish"]] = [
        100.0,
        pd.Timestamp("2024-01-08"),
        pd.Timestamp("2024-01-11"),
    ]
    pf.tasks = t.reset_index()
    s = schedule_portfolio(pf).tasks.set_index("uid")
    assert s.loc["P2-T1", "early_start"] == T("2024-01-08 08:00")
    assert s.loc["P2-T1", "early_finish"] == T("2024-01-11 17:00")
    # not started, FS successor: next working day, not the day of the actual finish
    assert s.loc["P2-T2", "early_start"] == T("2024-01-12 08:00")
    assert s.loc["P2-T2", "early_finish"] == T("2024-01-12 17:00")
    # a milestone done "on" a day is reached at that day's end
    t.loc["P2-T2", ["duration_days", "percent_complete", "actual_start", "actual_finish"]] = [
        0.0,
        100.0,
        pd.Timestamp("2024-01-12"),
        pd.Timestamp("2024-01-12"),
    ]
    pf.tasks = t.reset_index()
    s = schedule_portfolio(pf).tasks.set_index("uid")
    assert s.loc["P2-T2", "early_start"] == s.loc["P2-T2", "early_finish"] == T("2024-01-12 17:00")


# --------------------------------------------------------------- calendars per task / legs
NIGHT = Calendar.from_spec("Mon,Tue,Wed,Thu,Fri", "00:00-03:00,04:00-08:00,23:00-00:00", name="N")


def test_task_calendar_is_used_exactly_not_approximated() -> None:
    """A night-shift task starts at 23:00 and its FS successor (standard) the next
    working morning after the night's work ends."""
    s, t = run(
        [
            {"uid": "A", "duration_min": DAY, "calendar_id": "N"},
            {"uid": "B", "duration_min": DAY},
        ],
        [{"pred_uid": "A", "succ_uid": "B", "type": "FS", "lag_min": 0}],
        calendars={"N": NIGHT},
    )
    # Mon 08:00 is not night work: Mon 23:00-24:00, Tue 00:00-03:00, 04:00-08:00 = 8 h
    assert t.loc["A", "early_start"] == T("2024-01-08 23:00")
    assert t.loc["A", "early_finish"] == T("2024-01-09 08:00")
    assert t.loc["B", "early_start"] == T("2024-01-09 08:00")
    assert t.loc["B", "early_finish"] == T("2024-01-09 17:00")
    assert t.loc["B", "total_slack_min"] == 0
    assert any("task by task" in n for n in s.notes)


def test_elapsed_duration_counts_calendar_time() -> None:
    """1 elapsed day (1440 min) from Friday 08:00 ends Saturday 08:00 (a working-time
    day would end Friday 17:00)."""
    tdf = pd.DataFrame(
        [
            {"uid": "E", "duration_min": 1440.0, "elapsed": True},
            {"uid": "W", "duration_min": DAY, "elapsed": False},
        ]
    )
    sched = schedule_network(tdf, pd.DataFrame(), calendar=CAL, project_start=T("2024-01-12 08:00"))
    t = sched.tasks.set_index("uid")
    assert t.loc["E", "early_start"] == T("2024-01-12 08:00")
    assert t.loc["E", "early_finish"] == T("2024-01-13 08:00")
    assert t.loc["W", "early_finish"] == T("2024-01-12 17:00")


def test_resource_legs_span_their_assignments() -> None:
    """Each assignment runs on its resource's calendar; the task spans them."""
    _, t = run(
        [
            {"uid": "A", "duration_min": 2 * DAY, "legs": [("STD", 2 * DAY), ("N", DAY)]},
            {"uid": "B", "duration_min": DAY},
        ],
        [{"pred_uid": "A", "succ_uid": "B", "type": "FS", "lag_min": 0}],
        calendars={"N": NIGHT, "STD": CAL},
    )
    assert t.loc["A", "early_start"] == T("2024-01-08 08:00")  # the day leg starts first
    assert t.loc["A", "early_finish"] == T("2024-01-09 17:00")  # ... and ends last
    assert t.loc["B", "early_start"] == T("2024-01-10 08:00")
    # backwards the same legs: A's late finish is B's late start
    assert t.loc["A", "late_finish"] == T("2024-01-09 17:00")
    assert t.loc["A", "total_slack_min"] == 0


def test_finished_task_keeps_actual_dates_without_slack() -> None:
    _, t = run(
        [
            {
                "uid": "A",
                "duration_min": DAY,
                "actual_start": T("2024-01-08 08:00"),
                "actual_finish": T("2024-01-09 17:00"),
            },
            {"uid": "B", "duration_min": 5 * DAY},
        ]
    )
    assert t.loc["A", "early_finish"] == T("2024-01-09 17:00")
    assert t.loc["A", "late_start"] == T("2024-01-08 08:00")
    assert t.loc["A", "late_finish"] == T("2024-01-09 17:00")
    assert t.loc["A", "total_slack_min"] == 0 and t.loc["A", "free_slack_min"] == 0
