"""Capacity aggregation: demand spread by working days, capacity per month, what-ifs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from portfolio_fixtures import make_portfolio, project, task

from pmkit.portfolio.capacity import (
    CapacityError,
    allocate_by_priority,
    capacity_by_role_month,
    capacity_model,
    overallocated_resources,
    project_shortfall,
    resource_capacity,
    resource_demand,
)


def _pf():
    # R1 (dev, 8 h/day) on P1 Jan 27 - Feb 7 (10 working days) and P2 Feb 3 - Feb 28 (20 days)
    # at full time; R2 (dev, 4 h/day) idle; R3 (qa) half time on P2.
    return make_portfolio(
        projects=[project("P1", priority=2), project("P2", priority=1)],
        tasks=[
            task("P1-T1", "P1", duration_days=10.0, baseline_start="2025-01-27",
                 baseline_finish="2025-02-07"),
            task("P2-T1", "P2", duration_days=20.0, baseline_start="2025-02-03",
                 baseline_finish="2025-02-28"),
        ],
        resources=[
            dict(resource_id="R1", name="Ann", role="dev", capacity_hours_per_day=8.0,
                 rate_per_hour=1.0, calendar_id="STD"),
            dict(resource_id="R2", name="Bob", role="dev", capacity_hours_per_day=4.0,
                 rate_per_hour=1.0, calendar_id="STD"),
            dict(resource_id="R3", name="Cy", role="qa", capacity_hours_per_day=8.0,
                 rate_per_hour=1.0, calendar_id="STD"),
        ],
        assignments=[
            dict(task_id="P1-T1", resource_id="R1", units=1.0),
            dict(task_id="P2-T1", resource_id="R1", units=1.0),
            dict(task_id="P2-T1", resource_id="R3", units=0.5),
        ],
    )  # fmt: skip


def _busdays(month: str) -> int:
    m = np.datetime64(month, "M")
    return int(np.busday_count(m.astype("M8[D]"), (m + 1).astype("M8[D]")))


def test_demand_is_spread_by_working_days() -> None:
    d = resource_demand(_pf()).set_index(["resource_id", "project_id", "month"])["demand_hours"]
    jan, feb = pd.Timestamp("2025-01-01"), pd.Timestamp("2025-02-01")
    assert d[("R1", "P1", jan)] == pytest.approx(5 * 8)  # Jan 27-31
    assert d[("R1", "P1", feb)] == pytest.approx(5 * 8)  # Feb 3-7
    assert d[("R1", "P2", feb)] == pytest.approx(20 * 8)
    assert d[("R3", "P2", feb)] == pytest.approx(20 * 8 * 0.5)
    assert d.sum() == pytest.approx(8 * 10 + 8 * 20 + 4 * 20)  # units x h/day x duration


def test_role_month_demand_vs_capacity() -> None:
    cap = capacity_by_role_month(_pf()).set_index(["role", "month"])
    feb = ("dev", pd.Timestamp("2025-02-01"))
    assert cap.loc[feb, "demand_hours"] == pytest.approx(40 + 160)
    assert cap.loc[feb, "capacity_hours"] == pytest.approx((8 + 4) * _busdays("2025-02"))
    assert cap.loc[feb, "load_pct"] == pytest.approx(100 * 200 / (12 * _busdays("2025-02")))
    assert bool(cap.loc[feb, "over_capacity"]) is False
    assert cap.loc[("qa", pd.Timestamp("2025-01-01")), "demand_hours"] == 0  # all role x month


def test_overallocation_and_priorities() -> None:
    pf = _pf()
    over = overallocated_resources(pf)
    row = over[over["resource_id"] == "R1"].iloc[0]  # R1 Feb: 200 h asked, 160 h available
    assert row["month"] == pd.Timestamp("2025-02-01")
    assert row["demand_hours"] == pytest.approx(200)
    assert row["over_hours"] == pytest.approx(200 - 8 * _busdays("2025-02"))
    assert row["projects"] == "P2, P1"  # priority order
    assert row["short_projects"] == "P1"
    base = project_shortfall(pf).set_index("project_id")["unmet_hours"]
    flipped = project_shortfall(pf, priorities={"P1": 1, "P2": 2}).set_index("project_id")
    assert base["P1"] == pytest.approx(40) and base["P2"] == 0
    assert flipped.loc["P1", "unmet_hours"] == 0
    assert flipped.loc["P2", "unmet_hours"] == pytest.approx(40)


def test_shift_moves_demand_between_months() -> None:
    pf = _pf()
    moved = capacity_by_role_month(pf, shifts={"P1": 10}, start="2025-01-01")
    moved = moved.set_index(["role", "month"])
    assert moved.loc[("dev", pd.Timestamp("2025-01-01")), "demand_hours"] == 0
    assert moved.loc[("dev", pd.Timestamp("2025-02-01")), "demand_hours"] == pytest.approx(240)
    assert len(overallocated_resources(pf, shifts={"P1": -15})) == 0
    with pytest.raises(CapacityError):
        capacity_by_role_month(pf, shifts={"NOPE": 3})
    with pytest.raises(CapacityError):
        capacity_by_role_month(pf, shifts={"P1": 1.5})


def test_one_model_serves_every_view() -> None:
    pf = _pf()
    kw: dict[str, Any] = {
        "priorities": {"P1": 1, "P2": 2},
        "start": "2025-01-01",
        "end": "2025-03-31",
    }
    m = capacity_model(pf, None, **kw)
    assert len(m.months) == 3  # the window, not only the months with demand
    for fn in (capacity_by_role_month, overallocated_resources, project_shortfall):
        pd.testing.assert_frame_equal(fn(pf, model=m), fn(pf, **kw))
    # the shared model's allocation is the public priority rule applied to the public tables
    alloc = m.allocation()
    ref = allocate_by_priority(
        resource_demand(pf), resource_capacity(pf, m.months), pd.Series({"P1": 1.0, "P2": 2.0})
    )
    pd.testing.assert_frame_equal(alloc, ref[alloc.columns])
    assert alloc["allocated_hours"].sum() + alloc["unmet_hours"].sum() == pytest.approx(320)
    # a model only answers for the arguments it was built from
    with pytest.raises(CapacityError):
        overallocated_resources(pf, model=m, priorities={"P2": 1})
    with pytest.raises(CapacityError):
        capacity_by_role_month(_pf(), model=m)


def test_overallocated_lists_competitors_per_resource_month() -> None:
    # three projects on R1 in February: each resource-month row names its own competitors
    pf = make_portfolio(
        projects=[project("A", priority=3), project("B", priority=1), project("C", priority=2)],
        tasks=[
            task(f"{p}-T1", p, duration_days=20.0, baseline_start="2025-02-03",
                 baseline_finish="2025-02-28")
            for p in "ABC"
        ] + [task("A-T2", "A", duration_days=20.0, baseline_start="2025-03-03",
                  baseline_finish="2025-03-28")],
        resources=[
            dict(resource_id="R1", name="Ann", role="dev", capacity_hours_per_day=8.0,
                 rate_per_hour=1.0, calendar_id="STD"),
            dict(resource_id="R2", name="Bob", role="dev", capacity_hours_per_day=8.0,
                 rate_per_hour=1.0, calendar_id="STD"),
        ],
        assignments=[
            dict(task_id="A-T1", resource_id="R1", units=0.5),
            dict(task_id="B-T1", resource_id="R1", units=0.5),
            dict(task_id="C-T1", resource_id="R1", units=0.5),
            dict(task_id="A-T2", resource_id="R1", units=1.5),
            dict(task_id="B-T1", resource_id="R2", units=1.5),
        ],
    )  # fmt: skip
    over = overallocated_resources(pf).set_index(["resource_id", "month"])
    feb, mar = pd.Timestamp("2025-02-01"), pd.Timestamp("2025-03-01")
    assert set(over.index) == {("R1", feb), ("R2", feb), ("R1", mar)}
    assert over.loc[("R1", feb), "projects"] == "B, C, A"  # priority order
    assert over.loc[("R1", feb), "short_projects"] == "A"  # 240 h asked, 160 h: A gets 80 of 80
    assert over.loc[("R1", feb), "n_projects"] == 3
    assert over.loc[("R2", feb), "projects"] == "B" and over.loc[("R2", feb), "n_projects"] == 1
    assert over.loc[("R1", mar), "short_projects"] == "A"
    assert over["load_pct"].is_monotonic_decreasing
