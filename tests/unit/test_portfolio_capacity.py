"""Capacity aggregation: demand spread by working days, capacity per month, what-ifs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from portfolio_fixtures import make_portfolio, project, task

from pmkit.portfolio.capacity import (
    CapacityError,
    capacity_by_role_month,
    overallocated_resources,
    project_shortfall,
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
