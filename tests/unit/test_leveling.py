"""Resource load and levelling on a project small enough to check by hand.

Calendar Mon-Fri 8 h, start Mon 5 Jan 2026. A (3 d) and B (2 d) both need R1 (8 h/day) full
time and both precede milestone M: unlevelled they overlap on 5-6 Jan (R1 works 16 h/day).
A has no float, B has 1 day: the rule places A first and delays B to 8-9 Jan.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from portfolio_fixtures import make_portfolio, project, task

from pmkit.errors import PmkitError, UnknownIdError
from pmkit.model import Portfolio
from pmkit.portfolio._util import schedule_tasks
from pmkit.schedule.leveling import (
    LevelingError,
    LevelingResult,
    level,
    overallocations,
    resource_load,
)
from pmkit.schedule.portfolio_adapter import schedule_project

T = pd.Timestamp


def _port(
    dur_a: float = 3.0,
    dur_b: float = 2.0,
    units_b: float = 1.0,
    units_a: float = 1.0,
    a: dict[str, Any] | None = None,
    b: dict[str, Any] | None = None,
    capacity: float = 8.0,
) -> Portfolio:
    tasks = [
        task("P1-A", "P1", duration_days=dur_a, **(a or {})),
        task("P1-B", "P1", duration_days=dur_b, **(b or {})),
        task("P1-M", "P1", duration_days=0.0, is_milestone=True),
    ]
    links = [
        {"pred_id": "P1-A", "succ_id": "P1-M", "type": "FS", "lag_days": 0.0},
        {"pred_id": "P1-B", "succ_id": "P1-M", "type": "FS", "lag_days": 0.0},
    ]
    resources = [
        {
            "resource_id": "R1",
            "name": "Ana",
            "role": "dev",
            "department": "IT",
            "capacity_hours_per_day": capacity,
            "rate_per_hour": 50.0,
            "calendar_id": "STD",
        }
    ]
    asg = [{"task_id": "P1-A", "resource_id": "R1", "units": units_a},
           {"task_id": "P1-B", "resource_id": "R1", "units": units_b}]  # fmt: skip
    return make_portfolio(
        projects=[project("P1", start="2026-01-05")],
        tasks=tasks,
        links=links,
        resources=resources,
        assignments=asg,
    )


def test_load_by_day_and_week() -> None:
    p = _port()
    s = schedule_project(p, "P1")
    daily = resource_load(p, s, "P1", freq="D").set_index("period_start")
    assert daily.loc[T("2026-01-05"), "load_hours"] == pytest.approx(16)
    assert daily.loc[T("2026-01-07"), "load_hours"] == pytest.approx(8)
    assert daily["capacity_hours"].max() == pytest.approx(8)
    assert daily["load_hours"].sum() == pytest.approx((3 + 2) * 8)
    over = overallocations(resource_load(p, s, "P1", freq="D"))
    assert list(over["period_start"]) == [T("2026-01-05"), T("2026-01-06")]
    assert over["over_hours"].tolist() == pytest.approx([8, 8])
    weekly = resource_load(p, s, "P1", freq="W")
    assert len(weekly) == 1  # one ISO week, Monday 5 Jan
    assert weekly["period_start"].item() == T("2026-01-05")
    assert weekly["capacity_hours"].item() == pytest.approx(40)
    assert weekly["load_hours"].item() == pytest.approx(40)
    assert not weekly["overallocated"].item()  # a week hides the daily clash


def test_level_delays_the_task_with_float() -> None:
    p = _port()
    r = level(p, "P1")
    t = r.tasks.set_index("task_id")
    assert t.loc["P1-A", "delay_days"] == 0
    assert t.loc["P1-B", "start"] == T("2026-01-08 08:00")
    assert t.loc["P1-B", "finish"] == T("2026-01-09 17:00")
    assert r.finish_before == T("2026-01-07 17:00")
    assert r.finish_after == T("2026-01-09 17:00")
    assert r.finish_delta_days == pytest.approx(2.0)
    assert r.overallocated_before == 2 and r.overallocated_after == 0
    after = resource_load(p, r.tasks, "P1", freq="D", calendar=r.calendar)
    assert overallocations(after).empty
    assert after["load_hours"].sum() == pytest.approx(40)  # work is moved, never lost


def test_least_float_goes_first() -> None:
    r = level(_port(dur_a=2.0, dur_b=3.0), "P1")  # now B is critical, A has the float
    t = r.tasks.set_index("task_id")
    assert t.loc["P1-B", "delay_days"] == 0 and t.loc["P1-A", "delay_days"] == pytest.approx(3)


def test_half_units_fit_together() -> None:
    r = level(_port(units_b=0.0001), "P1")  # B barely loads R1: 8 h + 0.0008 h still > 8 h
    assert r.finish_delta_days > 0
    half = _port()
    half.assignments["units"] = 0.5
    r2 = level(half, "P1")
    assert r2.overallocated_before == 0 and r2.finish_delta_days == 0


def test_errors() -> None:
    p = _port()
    with pytest.raises(UnknownIdError, match="unknown project"):
        level(p, "P9")
    with pytest.raises(LevelingError, match="frequency"):
        resource_load(p, schedule_project(p, "P1"), freq="Q")
    with pytest.raises(LevelingError, match="rule"):
        level(p, "P1", rule="random")


def test_a_schedule_is_a_schedule_or_a_task_table_nothing_else() -> None:
    """isinstance on the real types (the code review: ``hasattr(schedule, "tasks")`` took any
    object with a ``tasks`` attribute): a Schedule and its task table (with the calendar) give
    one load; a look-alike is refused by name."""
    p = _port()
    s = schedule_project(p, "P1")
    by_schedule = resource_load(p, s, "P1", freq="D")
    by_table = resource_load(p, s.tasks, "P1", freq="D", calendar=s.calendar)
    pd.testing.assert_frame_equal(by_schedule, by_table)
    assert by_schedule["load_hours"].sum() > 0

    class LookAlike:
        tasks = s.tasks
        calendar = s.calendar

    with pytest.raises(LevelingError, match="expected a Schedule or a DataFrame") as err:
        resource_load(p, LookAlike(), "P1")  # type: ignore[arg-type]
    assert err.value.value == "LookAlike"
    with pytest.raises(LevelingError, match="needs a calendar"):
        resource_load(p, s.tasks, "P1")
    with pytest.raises(PmkitError, match="expected a Schedule or a DataFrame"):
        schedule_tasks(LookAlike())  # type: ignore[arg-type]
    assert list(schedule_tasks(s)["task_id"]) == list(s.tasks["uid"])


def test_priority_beats_float() -> None:
    # same clash, but B (more float) has task priority 1 (highest): B keeps its dates and A,
    # the critical task, moves after it: Wed 7 - Fri 9 Jan
    r = level(_port(), "P1", priorities={"P1-A": 5, "P1-B": 1})
    t = r.tasks.set_index("task_id")
    assert t.loc["P1-B", "start"] == T("2026-01-05 08:00")
    assert t.loc["P1-B", "delay_days"] == 0
    assert t.loc["P1-A", "start"] == T("2026-01-07 08:00")
    assert t.loc["P1-A", "finish"] == T("2026-01-09 17:00")
    assert r.finish_after == T("2026-01-09 17:00")
    assert r.finish_delta_days == pytest.approx(2.0)
    assert r.overallocated_after == 0 and r.notes == []


def test_placed_to_the_hour_not_the_day() -> None:
    # A lasts 1.5 days (Mon 8:00 - Tue 12:00): B starts when R1 is free, Tue 13:00
    r = level(_port(dur_a=1.5, dur_b=1.0), "P1")
    t = r.tasks.set_index("task_id")
    assert t.loc["P1-B", "start"] == T("2026-01-06 13:00")
    assert t.loc["P1-B", "finish"] == T("2026-01-07 12:00")
    assert t.loc["P1-B", "delay_days"] == pytest.approx(1.5)
    assert r.overallocated_before == 1 and r.overallocated_after == 0  # Monday: 16 h


def test_task_beyond_capacity_is_stretched() -> None:
    # R1 gives 4 h/day; A at units 2.0 asks 8 h/day (units share the resource's own day) for
    # 3 days: 24 h of work take 6 days at 4 h/day
    p = _port(capacity=4.0, units_a=2.0, units_b=1.0)
    r = level(p, "P1")
    t = r.tasks.set_index("task_id")
    assert t.loc["P1-A", "units_factor"] == pytest.approx(0.5)
    assert t.loc["P1-A", "stretch_days"] == pytest.approx(3.0)
    assert t.loc["P1-A", "start"] == T("2026-01-05 08:00")
    assert t.loc["P1-A", "finish"] == T("2026-01-12 17:00")  # 6 working days
    # B (1.0 of a 4 h/day resource = 4 h/day) cannot share R1 with A: Tue 13 - Wed 14 Jan
    assert t.loc["P1-B", "start"] == T("2026-01-13 08:00")
    assert t.loc["P1-B", "finish"] == T("2026-01-14 17:00")
    assert any("P1-A stretched from 3 to 6" in n and "R1" in n for n in r.notes)
    load = resource_load(p, r.tasks, "P1", freq="D", calendar=r.calendar)
    assert overallocations(load).empty
    assert load["load_hours"].sum() == pytest.approx(3 * 8 + 2 * 4)  # work unchanged


def test_started_tasks_stay_and_their_clash_is_reported() -> None:
    started = {"actual_start": "2026-01-05", "percent_complete": 20.0}
    r = level(_port(a=started, b=started), "P1")
    t = r.tasks.set_index("task_id")
    ab = t.loc[["P1-A", "P1-B"]]
    assert ab["fixed"].all() and (ab["delay_days"] == 0).all()
    assert r.overallocated_after == 2
    assert set(r.unavoidable["resource_id"]) == {"R1"}
    assert set(r.unavoidable["tasks"]) == {("P1-A", "P1-B")}
    assert any("R1" in n and "P1-A, P1-B" in n and "started" in n for n in r.notes)


def _wmin(cal: Any, dates: pd.Series) -> np.ndarray:
    return np.asarray(cal.to_working_minutes(pd.to_datetime(dates).to_numpy()), dtype=float)


def _check_precedence(p: Portfolio, r: LevelingResult) -> int:
    """Every link into a task levelling placed holds, in working minutes."""
    t = r.tasks.set_index("task_id")
    mpd = r.calendar.minutes_per_day
    s, f = _wmin(r.calendar, t["start"]), _wmin(r.calendar, t["finish"])
    ws, wf = pd.Series(s, index=t.index), pd.Series(f, index=t.index)
    lk = p.links[p.links["pred_id"].isin(t.index) & p.links["succ_id"].isin(t.index)]
    checked = 0
    for pred, succ, typ, lag in lk[["pred_id", "succ_id", "type", "lag_days"]].itertuples(
        index=False
    ):
        if t.loc[succ, "fixed"]:
            continue  # a started task keeps its actual dates
        a = {"FS": wf[pred], "SS": ws[pred], "FF": wf[pred], "SF": ws[pred]}[typ] + lag * mpd
        b = ws[succ] if typ in ("FS", "SS") else wf[succ]
        assert b >= a - 1e-6, (pred, succ, typ)
        checked += 1
    return checked


def test_sample_every_project() -> None:
    from pmkit.cache import load_sample

    p = load_sample()
    improved = checked = 0
    for pid in p.project_ids:
        s = schedule_project(p, pid)
        load = resource_load(p, s, pid, freq="W")
        r = level(p, pid, schedule=s)
        assert r.finish_after >= r.finish_before
        assert r.finish_delta_days >= 0
        assert r.overallocated_after <= r.overallocated_before
        improved += r.overallocated_after < r.overallocated_before
        assert (r.tasks["delay_days"] >= -1e-9).all()  # only delays
        after = resource_load(p, r.tasks, pid, freq="W", calendar=s.calendar)
        assert after["load_hours"].sum() == pytest.approx(load["load_hours"].sum(), rel=1e-6)
        # the only over-allocated resource-days left are the reported unavoidable ones,
        # and only started tasks (whose dates levelling keeps) cause them
        daily = overallocations(resource_load(p, r.tasks, pid, freq="D", calendar=s.calendar))
        left = set(zip(daily["resource_id"], daily["period_start"], strict=True))
        told = set(zip(r.unavoidable["resource_id"], r.unavoidable["day"], strict=True))
        assert left == told and len(left) == r.overallocated_after
        fixed = set(r.tasks.loc[r.tasks["fixed"], "task_id"])
        for tids in r.unavoidable["tasks"]:
            assert set(tids) <= fixed
        for rid in set(r.unavoidable["resource_id"]):
            assert any(rid in n and "unavoidable" in n for n in r.notes)
        checked += _check_precedence(p, r)
    assert improved >= 5 and checked > 100
