"""Risk registers: EMV signs and values, 1-5 scales, heat-map cells, top items."""

from __future__ import annotations

import pandas as pd
import pytest
from portfolio_fixtures import make_portfolio, project

from pmkit.errors import UnknownIdError
from pmkit.risk import (
    ProjectRisks,
    RiskError,
    heatmap_grid,
    project_risks,
    risk_register,
    risk_summary,
    score_zone,
    top_risks,
)


def _risk(rid: str, kind: str, p: float, cost: float, days: float, **kw: object) -> dict:
    base = {"risk_id": rid, "project_id": "P1", "title": rid, "kind": kind, "category": "x",
            "probability": p, "cost_impact": cost, "schedule_impact_days": days, "owner": "o",
            "response": "accept", "status": "open"}  # fmt: skip
    base.update(kw)
    return base


@pytest.fixture
def port() -> object:
    risks = [
        _risk("R1", "threat", 0.5, 20_000, 10),  # 20 % of budget, 10 d
        _risk("R2", "threat", 0.05, 500, 2),  # tiny
        _risk("R3", "opportunity", 0.8, 8_000, 6),
        _risk("R4", "threat", 0.9, 4_000, 30),  # likely, long delay
        _risk("R5", "threat", 0.4, 99_999, 0, status="closed"),
        _risk("R6", "threat", 0.2, 1_000, 1, project_id="P2"),
    ]
    return make_portfolio(projects=[project("P1", budget=100_000.0), project("P2")], risks=risks)


def test_emv_signs_and_values(port: object) -> None:
    reg = risk_register(port, "P1").set_index("risk_id")
    assert set(reg.index) == {"R1", "R2", "R3", "R4"}  # open risks of P1 only
    assert reg.loc["R1", "emv"] == pytest.approx(-0.5 * 20_000)
    assert reg.loc["R3", "emv"] == pytest.approx(+0.8 * 8_000)
    assert reg.loc["R1", "exposure_cost"] == pytest.approx(10_000)
    assert reg.loc["R4", "exposure_days"] == pytest.approx(0.9 * 30)
    assert reg.loc["R4", "emv_days"] == pytest.approx(-27)
    assert (reg.loc[reg["kind"] == "threat", "emv"] <= 0).all()
    assert (reg.loc[reg["kind"] == "opportunity", "emv"] >= 0).all()


def test_scales(port: object) -> None:
    reg = risk_register(port, "P1").set_index("risk_id")
    # R1: p 0.5 -> 3 (<= 0.5); cost 20 % -> 5; 10 d -> 2; impact = max = 5; score 15 high
    assert reg.loc["R1", ["probability_score", "cost_score", "schedule_score"]].tolist() == [
        3, 5, 2]  # fmt: skip
    assert reg.loc["R1", "impact_score"] == 5 and reg.loc["R1", "score"] == 15
    assert reg.loc["R1", "zone"] == "high"
    # R2: p 0.05 -> 1; cost 0.5 % -> 1; 2 d -> 1: score 1, low
    assert reg.loc["R2", "score"] == 1 and reg.loc["R2", "zone"] == "low"
    # R4: p 0.9 -> 5; 4 % -> 3; 30 d -> 4: impact 4, score 20
    assert reg.loc["R4", "impact_score"] == 4 and reg.loc["R4", "score"] == 20
    assert score_zone(4) == "low" and score_zone(5) == "medium" and score_zone(13) == "high"


def test_rank_within_kind(port: object) -> None:
    reg = risk_register(port, "P1")
    threats = reg[reg["kind"] == "threat"]
    assert threats["rank"].tolist() == [1, 2, 3]
    assert threats["risk_id"].tolist() == ["R4", "R1", "R2"]  # score 20, 15, 1


def test_heatmap_grid_counts(port: object) -> None:
    reg = risk_register(port, None, status=None)
    grid = heatmap_grid(reg)
    assert len(grid) == 25
    assert grid["count"].sum() == len(reg)
    assert grid["threats"].sum() == (reg["kind"] == "threat").sum()
    cell = grid[(grid["probability_score"] == 3) & (grid["impact_score"] == 5)].iloc[0]
    assert "R1" in cell["risk_ids"] and cell["score"] == 15 and cell["zone"] == "high"
    assert grid["emv"].sum() == pytest.approx(reg["emv"].sum())


def test_heatmap_of_unscored_table_with_money_bins(port: object) -> None:
    raw = port.risks[port.risks["project_id"] == "P1"]
    grid = heatmap_grid(raw, impact_bins=(1_000, 5_000, 10_000, 50_000, 1e12))
    cell = grid[(grid["probability_score"] == 3) & (grid["impact_score"] == 4)]
    assert cell["risk_ids"].item() == "R1"
    with pytest.raises(RiskError, match="impact_bins"):
        heatmap_grid(raw)


def test_top_risks_and_summary(port: object) -> None:
    reg = risk_register(port, "P1")
    top = top_risks(reg, 2, kind="threat")
    assert top["risk_id"].tolist() == ["R1", "R4"]  # exposure 10,000 then 3,600
    assert top_risks(reg, 5, kind="opportunity")["risk_id"].tolist() == ["R3"]
    assert len(top_risks(reg, 10, kind="all")) == 4
    by_days = top_risks(reg, 1, by="exposure_days")
    assert by_days["risk_id"].item() == "R4"
    s = risk_summary(reg).set_index("kind")
    assert s.loc["threat", "emv"] == pytest.approx(-(10_000 + 25 + 3_600))
    assert s.loc["net", "emv"] == pytest.approx(s.loc["threat", "emv"] + 6_400)


def test_errors(port: object) -> None:
    reg = risk_register(port, "P1")
    with pytest.raises(RiskError, match="kind"):
        top_risks(reg, 3, kind="issue")  # type: ignore[arg-type]
    with pytest.raises(UnknownIdError, match="unknown project"):
        risk_register(port, "P9")
    with pytest.raises(RiskError, match="five increasing"):
        risk_register(port, "P1", prob_bins=(0.5, 0.2, 0.6, 0.8, 1.0))


def test_sample_portfolio() -> None:
    from pmkit.cache import load_sample

    p = load_sample()
    for pid in p.project_ids:
        reg = risk_register(p, pid)
        assert reg["score"].between(1, 25).all()
        grid = heatmap_grid(reg)
        assert grid["count"].sum() == len(reg)
    everything = risk_register(p, status=None)
    assert len(everything) == len(p.risks)
    assert isinstance(top_risks(everything, 5), pd.DataFrame)


def test_project_risks_is_the_registers_picture_typed(port: object) -> None:
    """The Tracking page's risk tables, typed (moved out of the UI): each field is the engine
    call it stands for, on P1's open register (R5 is closed)."""
    got = project_risks(port, "P1")
    reg = risk_register(port, "P1")
    assert isinstance(got, ProjectRisks)
    assert list(got.register["risk_id"]) == list(reg["risk_id"]) and "R5" not in set(reg["risk_id"])
    pd.testing.assert_frame_equal(got.grid, heatmap_grid(reg))
    pd.testing.assert_frame_equal(got.summary, risk_summary(reg))
    assert list(got.top_threats["risk_id"]) == list(top_risks(reg, 3, kind="threat")["risk_id"])
    assert list(got.top_opportunities["risk_id"]) == ["R3"]
    p2 = project_risks(port, "P2")  # one threat, no opportunity
    assert list(p2.top_threats["risk_id"]) == ["R6"] and p2.top_opportunities.empty
