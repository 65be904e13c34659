"""A number shown in two places is the same number: the roll-up behind every view.

The PMO review, the glance page, ``pmkit report`` (HTML and workbook) read the roll-up on the
portfolio's schedule. Before session 10 the lessons, :func:`pmkit.compliance_score` /
``governance_checks`` without a roll-up, and ``status_pack_html`` / ``export_excel`` called
without a schedule computed it from the reported forecasts instead: lesson 8 said P01 slips 28
working days where the review said 29 (6 of the sample's 14 projects differed by a day), and
on a generated 1,000-project portfolio 13 projects had another overall RAG.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pmkit import cache
from pmkit.cache import load_sample
from pmkit.generate import write_generated
from pmkit.io.csv_folder import load_portfolio
from pmkit.model import Portfolio
from pmkit.portfolio.governance import governance_checks
from pmkit.portfolio.rollup import rollup
from pmkit.reports import export_excel
from pmkit.schedule.portfolio_adapter import schedule_portfolio
from pmkit.training import demos


def _review(p: Portfolio) -> pd.DataFrame:
    """What the PMO review and the CLI show: the roll-up on the portfolio's schedule."""
    return rollup(p, schedule=schedule_portfolio(p)).set_index("project_id")


@pytest.fixture(scope="module", params=["sample", 3, 9])
def portfolio(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Portfolio:
    if request.param == "sample":
        return load_sample()
    folder = Path(tmp_path_factory.mktemp("gen")) / "pf"
    write_generated(folder, n_projects=40, seed=request.param, tasks_per_project=(26, 32))
    return load_portfolio(folder)


def test_lessons_show_the_reviews_slip_cpi_and_progress(portfolio: Portfolio) -> None:
    review = _review(portfolio)
    memo: dict[object, object] = {}
    for pid in portfolio.project_ids:
        with demos.sharing(memo):
            m = demos.constraints_vs_standards(portfolio, pid).pm.metrics
            glance = demos.at_a_glance(portfolio, pid).pm.metrics
        row = review.loc[pid]
        want_slip = row["finish_slip_days"]
        assert (np.isnan(m["m.slip_days"]) and np.isnan(want_slip)) or m[
            "m.slip_days"
        ] == pytest.approx(round(want_slip, 0)), pid
        assert glance["m.percent_complete"] == pytest.approx(round(row["percent_complete"], 1))


def test_governance_without_a_roll_up_judges_the_reviews_rag(portfolio: Portfolio) -> None:
    review = _review(portfolio)
    checks = governance_checks(portfolio)
    red = checks[checks["check"] == "rag_red_escalation"].set_index("project_id")
    flagged = red["passed"].astype(bool)
    want = review["rag_overall"] != "red"
    assert flagged.reindex(want.index).tolist() == want.tolist()


def test_workbook_without_a_schedule_holds_the_reviews_roll_up(
    portfolio: Portfolio, tmp_path: Path
) -> None:
    out = export_excel(portfolio, tmp_path / "r.xlsx")
    sheet = pd.read_excel(out, sheet_name="Roll-up").set_index("project_id")
    review = _review(portfolio)
    for col in ("forecast_finish", "finish_slip_days", "rag_overall", "overall_rule"):
        got, want = sheet[col], review.loc[sheet.index, col]
        if col == "forecast_finish":
            got, want = pd.to_datetime(got), pd.to_datetime(want)
        same = (got == want) | (got.isna() & want.isna())
        assert same.all(), (col, got[~same].head(3), want[~same].head(3))


def test_the_shared_cache_is_the_same_roll_up(portfolio: Portfolio) -> None:
    pd.testing.assert_frame_equal(
        cache.rollup(portfolio).set_index("project_id"), _review(portfolio)
    )


def test_projects_without_tasks_schedule_to_nothing_not_a_key_error() -> None:
    """Governance's roll-up is now on the schedule, so a portfolio of projects without tasks
    (a PMO's list before any plan) must schedule: it raised KeyError on its calendar."""
    from portfolio_fixtures import make_portfolio, project

    p = make_portfolio(projects=[project("P1"), project("P2")])
    assert len(p.tasks) == 0
    assert len(schedule_portfolio(p).tasks) == 0
    assert set(governance_checks(p)["project_id"]) == {"P1", "P2"}
