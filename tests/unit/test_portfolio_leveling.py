"""Portfolio-wide levelling by portfolio priority, on two projects small enough to check by hand.

Calendar Mon-Fri 8 h. P1 and P2 each have one 3-day task on R1 (8 h/day, full time), both from
Mon 5 Jan 2026: together R1 would work 16 h/day on 5-7 Jan. Levelled one project at a time
nothing moves (each alone fits); levelled together, the higher-priority project keeps 5-7 Jan
and the other waits until Thu 8 Jan, finishing Mon 12 Jan 17:00 (Thu, Fri, Mon).
"""

from __future__ import annotations

import dataclasses

import pandas as pd
from portfolio_fixtures import make_portfolio, project, task

from pmkit.portfolio.prioritise import level_portfolio
from pmkit.schedule.leveling import level

T = pd.Timestamp


def _two_projects():  # type: ignore[no-untyped-def]
    res = {
        "resource_id": "R1",
        "name": "Ana",
        "role": "dev",
        "department": "IT",
        "capacity_hours_per_day": 8.0,
        "rate_per_hour": 50.0,
        "calendar_id": "STD",
    }
    return make_portfolio(
        projects=[project("P1", start="2026-01-05"), project("P2", start="2026-01-05")],
        tasks=[task("P1-A", "P1", duration_days=3.0), task("P2-A", "P2", duration_days=3.0)],
        links=[],
        resources=[res],
        assignments=[
            {"task_id": "P1-A", "resource_id": "R1", "units": 1.0},
            {"task_id": "P2-A", "resource_id": "R1", "units": 1.0},
        ],
    )


def test_the_lower_priority_project_waits() -> None:
    pf = _two_projects()
    # one project at a time ignores the other's load: nothing moves
    assert level(pf, "P1").finish_delta_days == 0
    r = level_portfolio(pf, priorities={"P2": 1, "P1": 2})
    by = r.projects.set_index("project_id")
    assert by.loc["P2", "finish_after"] == T("2026-01-07 17:00")
    assert by.loc["P1", "finish_after"] == T("2026-01-12 17:00")
    assert by.loc["P1", "finish_delta_days"] == 3 and by.loc["P2", "finish_delta_days"] == 0
    assert r.overallocated_before == 3 and r.overallocated_after == 0
    assert r.unavoidable.empty
    # swap the priorities: the other project waits
    r = level_portfolio(pf, priorities={"P1": 1, "P2": 2})
    assert r.projects.set_index("project_id").loc["P2", "finish_delta_days"] == 3


def test_started_clash_is_reported_not_hidden() -> None:
    pf = _two_projects()
    t = pf.tasks.copy()
    t["actual_start"] = pd.to_datetime(["2026-01-05", "2026-01-05"])
    t["percent_complete"] = 10.0
    r = level_portfolio(dataclasses.replace(pf, tasks=t), priorities={"P1": 1, "P2": 2})
    assert r.overallocated_after == 3
    assert set(r.unavoidable["resource_id"]) == {"R1"}
    assert any("started tasks keep their actual dates" in n for n in r.notes)
