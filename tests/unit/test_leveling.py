"""Resource load and levelling on a project small enough to check by hand.

Calendar Mon-Fri 8 h, start Mon 5 Jan 2026. A (3 d) and B (2 d) both need R1 (8 h/day) full
time and both precede milestone M: unlevelled they overlap on 5-6 Jan (R1 works 16 h/day).
A has no float, B has 1 day: the rule places A first and delays B to 8-9 Jan.
"""

from __future__ import annotations

import pandas as pd
import pytest
from portfolio_fixtures import make_portfolio, project, task

from pmkit.schedule.leveling import LevelingError, level, overallocations, resource_load
from pmkit.schedule.portfolio_adapter import schedule_project

T = pd.Timestamp


def _port(dur_a: float = 3.0, dur_b: float = 2.0, units_b: float = 1.0) -> object:
    tasks = [
        task("P1-A", "P1", duration_days=dur_a),
        task("P1-B", "P1", duration_days=dur_b),
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
            "capacity_hours_per_day": 8.0,
            "rate_per_hour": 50.0,
            "calendar_id": "STD",
        }
    ]
    asg = [{"task_id": "P1-A", "resource_id": "R1", "units": 1.0},
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
    with pytest.raises(LevelingError, match="unknown project"):
        level(p, "P9")
    with pytest.raises(LevelingError, match="frequency"):
        resource_load(p, schedule_project(p, "P1"), freq="Q")
    with pytest.raises(LevelingError, match="rule"):
        level(p, "P1", rule="random")


def test_sample_every_project() -> None:
    from pmkit.io.csv_folder import load_sample

    p = load_sample()
    for pid in p.project_ids:
        s = schedule_project(p, pid)
        load = resource_load(p, s, pid, freq="W")
        r = level(p, pid, schedule=s)
        assert r.finish_after >= r.finish_before
        assert r.overallocated_after <= r.overallocated_before
        assert (r.tasks["delay_days"] >= -1e-9).all()  # only delays
        after = resource_load(p, r.tasks, pid, freq="W", calendar=s.calendar)
        assert after["load_hours"].sum() == pytest.approx(load["load_hours"].sum(), rel=1e-6)
