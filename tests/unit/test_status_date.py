"""The status date everywhere (issue 9): ``Portfolio.as_of`` and the engines that read reports.

Moving the status date back is a what-if: reports, decisions and task progress after it did not
exist yet. Expected values are recomputed here from the tables (numpy busday), not by pmkit.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from pmkit.cache import load_sample
from pmkit.evm import evm_rollup
from pmkit.model import Portfolio
from pmkit.portfolio.governance import governance_checks
from pmkit.portfolio.rollup import rollup
from pmkit.portfolio.trends import milestone_trend, portfolio_trend, spi_cpi_trends

BACK = pd.Timestamp("2026-08-31")


@pytest.fixture(scope="module")
def sample() -> Portfolio:
    return load_sample()


@pytest.fixture(scope="module")
def back(sample: Portfolio) -> Portfolio:
    return sample.as_of(BACK)


def _moved(p: Portfolio, when: str) -> Portfolio:
    """The status date alone moved (what the standards editor does), no as_of."""
    return dataclasses.replace(p, standards={**p.standards, "status_date": when})


def test_as_of_drops_later_reports_and_progress(sample: Portfolio, back: Portfolio) -> None:
    assert back.status_date == BACK
    assert (back.snapshots["report_date"] <= BACK).all()
    assert len(back.snapshots) == (sample.snapshots["report_date"] <= BACK).sum()
    assert (back.milestone_forecasts["report_date"] <= BACK).all()
    t = back.tasks
    assert not (t["actual_start"] > BACK).any() and not (t["actual_finish"] > BACK).any()
    later = sample.tasks["actual_start"] > BACK
    assert (t.loc[later, "percent_complete"] == 0).all()
    assert sample.status_date == pd.Timestamp("2026-10-30")  # the original is unchanged


def test_as_of_estimates_progress_from_elapsed_working_time(
    sample: Portfolio, back: Portfolio
) -> None:
    hol = sample.holidays.loc[sample.holidays["calendar_id"] == "Standard", "date"]
    hol = hol.to_numpy(dtype="datetime64[D]")
    orig = sample.tasks.set_index("task_id")
    now = back.tasks.set_index("task_id")
    est = back.standards["as_of"]["estimated_tasks"]
    assert est and "estimated" in back.standards["as_of"]["note"]
    checked = 0
    for tid in est:
        o = orig.loc[tid]
        if pd.isna(o["actual_finish"]) or o["is_summary"]:
            continue
        if o["calendar_id"] not in ("", "Standard"):
            continue
        s = np.datetime64(o["actual_start"].date())
        done = np.busday_count(s, np.datetime64(BACK.date()) + 1, holidays=hol)
        span = np.busday_count(s, np.datetime64(o["actual_finish"].date()) + 1, holidays=hol)
        assert now.loc[tid, "percent_complete"] == pytest.approx(min(100 * done / span, 99.0))
        assert pd.isna(now.loc[tid, "actual_finish"])
        checked += 1
    assert checked > 0


def test_governance_ignores_reports_after_the_status_date(sample: Portfolio) -> None:
    g = governance_checks(_moved(sample, "2026-08-31"))
    rep = g[g["check"] == "monthly_status_report"]
    assert not rep["detail"].str.contains("-").any()  # was "last report -60 days old"
    p01 = rep[rep["project_id"] == "P01"].iloc[0]
    assert p01["detail"] == "last report 0 days old"  # P01 reported on 31 Aug


def test_rollup_progress_and_evm_at_the_status_date(sample: Portfolio, back: Portfolio) -> None:
    r = rollup(_moved(sample, "2026-08-31")).set_index("project_id")
    # % complete from the tasks as they stood (budget-weighted leaves), not today's
    leaf = back.tasks[~back.tasks["is_summary"]]
    g = leaf.assign(w=leaf["budgeted_cost"] * leaf["percent_complete"]).groupby("project_id")
    expected = g["w"].sum() / g["budgeted_cost"].sum()
    assert r.loc["P01", "percent_complete"] == pytest.approx(expected["P01"])
    assert (
        r.loc["P01", "percent_complete"]
        < rollup(sample).set_index("project_id").loc["P01", "percent_complete"]
    )
    assert (r["report_date"].dropna() <= BACK).all()
    e = evm_rollup(_moved(sample, "2026-08-31")).set_index("project_id")
    assert e.loc["P01", "report_date"] == BACK
    assert r.loc["P01", "spi_t"] == pytest.approx(e.loc["P01", "spi_t"])


def test_trends_stop_at_the_status_date(sample: Portfolio) -> None:
    moved = _moved(sample, "2026-08-31")
    assert spi_cpi_trends(moved)["report_date"].max() <= BACK
    assert portfolio_trend(moved)["period"].max() <= BACK
    assert milestone_trend(moved)["report_date"].max() <= BACK


def test_as_of_forward_only_sets_the_date(sample: Portfolio) -> None:
    ahead = sample.as_of("2027-01-29")
    assert ahead.status_date == pd.Timestamp("2027-01-29")
    pd.testing.assert_frame_equal(ahead.tasks, sample.tasks)
    assert len(ahead.snapshots) == len(sample.snapshots)
