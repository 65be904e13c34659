"""Cross-project network and slip propagation (float absorbs, the rest passes on)."""

from __future__ import annotations

import pytest
from portfolio_fixtures import make_portfolio, project, task

from pmkit.portfolio.dependencies import SlipError, dependency_network, propagate_slip
from pmkit.schedule.portfolio_adapter import schedule_portfolio


def _pf():
    # A: A1 (5d) -> AM (milestone). B: B1 (10d) ; AM -> B2 (FS) ; B1 -> B2 (FS); B2 (5d) -> BM.
    # B2 waits for max(AM, B1): AM ends day 5, B1 ends day 10 -> link AM->B2 has 5 days float.
    # C: CM (milestone) after AM with lag 0; C1 after CM.
    ms = {"is_milestone": True, "duration_days": 0.0}
    return make_portfolio(
        projects=[project("A", start="2025-03-03"), project("B", start="2025-03-03"),
                  project("C", start="2025-03-03")],
        tasks=[
            task("A-1", "A"), task("A-M", "A", **ms),
            task("B-1", "B", duration_days=10.0), task("B-2", "B"), task("B-M", "B", **ms),
            task("C-M", "C", **ms), task("C-1", "C", duration_days=3.0),
        ],
        links=[
            dict(pred_id="A-1", succ_id="A-M", type="FS", lag_days=0.0),
            dict(pred_id="A-M", succ_id="B-2", type="FS", lag_days=0.0),
            dict(pred_id="B-1", succ_id="B-2", type="FS", lag_days=0.0),
            dict(pred_id="B-2", succ_id="B-M", type="FS", lag_days=0.0),
            dict(pred_id="A-M", succ_id="C-M", type="FS", lag_days=0.0),
            dict(pred_id="C-M", succ_id="C-1", type="FS", lag_days=0.0),
        ],
    )  # fmt: skip


def test_network_aggregates_links_per_project_pair() -> None:
    pf = _pf()
    net = dependency_network(pf, schedule=schedule_portfolio(pf))
    edges = net.edges.set_index(["pred_project", "succ_project"])
    assert set(edges.index) == {("A", "B"), ("A", "C")}
    assert edges.loc[("A", "B"), "n_links"] == 1
    assert edges.loc[("A", "B"), "min_link_float_days"] == pytest.approx(5)
    assert bool(edges.loc[("A", "C"), "driving"]) and not bool(edges.loc[("A", "B"), "driving"])
    nodes = net.nodes.set_index("project_id")
    assert nodes.loc["A", "feeds"] == 2 and nodes.loc["B", "fed_by"] == 1


def _delays(df):
    return {(r.level, r.project_id, r.task_id): r.delay_days for r in df.itertuples()}


def test_slip_within_float_moves_only_the_unprotected() -> None:
    pf = _pf()
    d = _delays(propagate_slip(pf, "A-M", 3))
    assert d[("milestone", "A", "A-M")] == 3
    assert d[("milestone", "C", "C-M")] == 3  # no float: passes on in full
    assert d[("project", "C", "")] == 3
    assert ("milestone", "B", "B-M") not in d  # 5 days of float absorb 3


def test_slip_beyond_float_passes_on_the_excess() -> None:
    pf = _pf()
    base = schedule_portfolio(pf)
    out = propagate_slip(pf, "A-M", 8, schedule=base)
    d = _delays(out)
    assert d[("milestone", "B", "B-M")] == 8 - 5
    assert d[("project", "B", "")] == 8 - 5
    assert d[("milestone", "C", "C-M")] == 8
    assert out["delay_days"].is_monotonic_decreasing
    assert set(out.loc[out["cross_project"], "project_id"]) == {"B", "C"}


def test_bad_slips_are_refused() -> None:
    pf = _pf()
    with pytest.raises(SlipError):
        propagate_slip(pf, "NOPE", 3)
    with pytest.raises(SlipError):
        propagate_slip(pf, "A-M", 0)
