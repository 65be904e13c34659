"""RAG rules (limits and triggers, sentences, config errors) and the roll-up's figures."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import yaml
from portfolio_fixtures import make_portfolio, project, task

from pmkit.portfolio.rollup import ROLLUP_COLUMNS, filter_rollup, latest_evm, rag_long, rollup
from pmkit.standards import Rule, StandardsError, load_standards, standards_of


def test_limit_rule_statuses_and_sentences() -> None:
    spi = Rule("schedule", "spi", "higher", 0.95, 0.85)
    values = np.array([0.96, 0.95, 0.91, 0.85, 0.80, np.nan])
    got = list(spi.statuses(values))
    expected = [
        "green" if v >= 0.95 else "amber" if v >= 0.85 else "red" if v == v else "grey"
        for v in values
    ]
    assert got == expected
    assert spi.evaluate(0.91).rule == "amber: SPI 0.91 < 0.95"
    assert spi.evaluate(0.80).rule == "red: SPI 0.80 < 0.85"
    assert spi.evaluate(1.02).rule == "green: SPI 1.02 ≥ 0.95"
    # never "0.95 < 0.95": more digits when rounding would hide the comparison
    assert spi.evaluate(0.9465).rule == "amber: SPI 0.947 < 0.95"


def test_trigger_rule_counts_reach_the_edge() -> None:
    std = standards_of(make_portfolio(projects=[project("P1")]))
    rule = next(r for r in std.rules["scope"] if r.metric == "open_significant_changes")
    assert [rule.evaluate(v).status for v in (0, 1, 2, 3, 5)] == [
        "green",
        "amber",
        "amber",
        "red",
        "red",
    ]
    assert rule.evaluate(1).rule == "amber: pending significant changes 1 ≥ 1"


def test_standards_errors_name_file_and_key(tmp_path) -> None:
    bad = {"rag": {"cost": {"metric": "cpi", "better": "higher", "green": "high", "amber": 0.8}}}
    (tmp_path / "standards.yaml").write_text(yaml.safe_dump(bad))
    with pytest.raises(StandardsError) as err:
        load_standards(tmp_path)
    assert err.value.file == "standards.yaml" and err.value.field == "rag.cost.green"
    assert "standards.yaml" in str(err.value) and "rag.cost.green" in str(err.value)
    wrong_way = {"rag": {"cost": {"metric": "cpi", "better": "lower", "green": 0.95, "amber": 0.8}}}
    (tmp_path / "standards.yaml").write_text(yaml.safe_dump(wrong_way))
    with pytest.raises(StandardsError, match="wrong side"):
        load_standards(tmp_path)
    (tmp_path / "standards.yaml").write_text(yaml.safe_dump({"rag": {"time": {}}}))
    with pytest.raises(StandardsError, match="unknown RAG dimension"):
        load_standards(tmp_path)
    (tmp_path / "standards.yaml").write_text("rag: [unclosed")
    with pytest.raises(StandardsError) as err:
        load_standards(tmp_path)
    assert err.value.line == 1


def _pf(**std):
    snaps = [
        dict(project_id="P1", report_date="2025-03-01", pv=100.0, ev=91.0, ac=100.0,
             percent_complete=40.0, forecast_finish="2025-07-15"),
        dict(project_id="P1", report_date="2025-02-01", pv=50.0, ev=50.0, ac=50.0,
             percent_complete=20.0, forecast_finish="2025-06-30"),
        dict(project_id="P2", report_date="2025-03-01", pv=100.0, ev=100.0, ac=70.0,
             percent_complete=50.0, forecast_finish="2025-06-30"),
    ]  # fmt: skip
    return make_portfolio(
        standards={"status_date": "2025-03-10", **std},
        projects=[
            project("P1", programme="A", sponsor="S1"),
            project("P2", programme="B", sponsor="S2", budget=50_000.0),
        ],
        tasks=[
            task("P1-T1", "P1", percent_complete=50.0, budgeted_cost=3000.0),
            task("P1-T2", "P1", percent_complete=100.0, budgeted_cost=1000.0),
            task("P2-T1", "P2"),
        ],
        snapshots=snaps,
        risks=[
            dict(risk_id="R1", project_id="P1", kind="threat", probability=0.5,
                 cost_impact=20_000.0, schedule_impact_days=5.0, response="mitigate",
                 status="open"),
            dict(risk_id="R2", project_id="P1", kind="opportunity", probability=0.5,
                 cost_impact=8_000.0, schedule_impact_days=0.0, response="exploit",
                 status="open"),
        ],
        change_requests=[
            dict(cr_id="C1", project_id="P2", scope_impact="major", cost_impact=8000.0,
                 schedule_impact_days=3.0, significance="significant", decision="pending"),
            dict(cr_id="C2", project_id="P2", scope_impact="minor", cost_impact=4000.0,
                 schedule_impact_days=1.0, significance="minor", decision="approved"),
        ],
    )  # fmt: skip


def test_rollup_figures_follow_their_definitions() -> None:
    pf = _pf()
    r = rollup(pf).set_index("project_id")
    assert list(rollup(pf).columns) == list(ROLLUP_COLUMNS)
    p1, p2 = r.loc["P1"], r.loc["P2"]
    # latest report up to the status date, EVM formulas
    assert p1["spi"] == pytest.approx(91 / 100) and p1["cpi"] == pytest.approx(91 / 100)
    assert p1["eac"] == pytest.approx(100_000 / 0.91)
    assert p1["eac_overrun_ratio"] == pytest.approx((100_000 / 0.91 - 100_000) / 100_000)
    # budget-weighted task progress
    assert p1["percent_complete"] == pytest.approx((3000 * 50 + 1000 * 100) / 4000)
    # 2025-06-30 (Mon) -> 2025-07-15 (Tue): 11 working days
    assert p1["forecast_source"] == "report" and p1["finish_slip_days"] == 11
    # threats and opportunities apart; threat exposure over BAC - EV
    assert p1["open_risks"] == 1 and p1["open_opportunities"] == 1
    assert p1["threat_exposure"] == pytest.approx(10_000)
    assert p1["opportunity_value"] == pytest.approx(4_000)
    assert p1["threat_exposure_ratio"] == pytest.approx(10_000 / (100_000 - 91))
    assert p2["open_changes"] == 1 and p2["open_significant_changes"] == 1
    assert p2["approved_change_ratio"] == pytest.approx(4000 / 50_000)


def test_rag_per_dimension_with_rule_text() -> None:
    r = rollup(_pf()).set_index("project_id")
    assert r.loc["P1", "rag_schedule"] == "amber"  # SPI 0.91 and slip 11 > 10: both amber
    assert r.loc["P1", "schedule_rule"] == "amber: SPI 0.91 < 0.95"
    assert r.loc["P1", "rag_cost"] == "amber"
    assert r.loc["P2", "rag_scope"] == "amber"  # approved 8 % > 5 %, and one pending
    assert r.loc["P2", "rag_cost"] == "green"
    assert r.loc["P2", "cost_rule"].startswith("green: CPI 1.43")
    worst = {"grey": 0, "green": 1, "amber": 2, "red": 3}
    for _, row in r.iterrows():
        dims = [row[f"rag_{d}"] for d in ("schedule", "cost", "scope", "risk")]
        assert row["rag_overall"] == max(dims, key=worst.get)
        assert row["overall_rule"].split(" ", 1)[1].startswith(row["rag_overall"])


def test_thresholds_come_from_the_standards() -> None:
    strict = {"rag": {"schedule": {"metric": "spi", "better": "higher", "green": 0.99,
                                   "amber": 0.95}}}  # fmt: skip
    r = rollup(_pf(**strict)).set_index("project_id")
    assert r.loc["P1", "rag_schedule"] == "red"
    assert r.loc["P1", "schedule_rule"] == "red: SPI 0.91 < 0.95"


def test_latest_evm_matches_the_evm_engine() -> None:
    from pmkit.evm import evm_rollup

    pf = _pf()
    mine = latest_evm(pf).set_index("project_id")
    ref = evm_rollup(pf).set_index("project_id")
    for col in ("spi", "cpi", "eac"):
        assert np.allclose(mine[col], ref.loc[mine.index, col], equal_nan=True)


def test_filters_combine() -> None:
    r = rollup(_pf())
    assert filter_rollup(r, programme="A")["project_id"].tolist() == ["P1"]
    assert filter_rollup(r, programme=["A", "B"], sponsor="S2")["project_id"].tolist() == ["P2"]
    assert len(filter_rollup(r, programme=[], phase=None)) == 2
    amber = filter_rollup(r, rag="amber", rag_dimension="cost")
    assert set(amber["project_id"]) == set(r.loc[r["rag_cost"] == "amber", "project_id"])
    long = rag_long(r)
    assert len(long) == 5 * len(r) and set(long["dimension"]) >= {"schedule", "overall"}


def test_earned_schedule_columns_and_rag_rules_on_spi_t() -> None:
    """SPI(t) and SV(t) are roll-up columns a PMO's RAG rule can name (issue 9)."""
    from pmkit.cache import load_sample
    from pmkit.evm import evm_rollup

    p = load_sample()
    r = rollup(p).set_index("project_id")
    ref = evm_rollup(p).set_index("project_id")
    for col in ("spi_t", "sv_t_wd"):
        assert np.allclose(r[col], ref.loc[r.index, col], equal_nan=True)
    # P05 runs late: its cost-based SPI drifted back near 1, its SPI(t) did not
    assert r.loc["P05", "spi"] > 0.95 > r.loc["P05", "spi_t"]
    es_rule = {
        "rag": {
            "schedule": {"metric": "spi_t", "better": "higher", "green": 0.95, "amber": 0.85},
            "cost": {"metric": "cpi", "better": "higher", "green": 0.95, "amber": 0.85},
        }
    }
    strict = dataclasses.replace(p, standards={**p.standards, **es_rule})
    r2 = rollup(strict).set_index("project_id")
    spi_t = r2.loc["P05", "spi_t"]
    assert spi_t < 0.85  # independent of the SPI: ES / AT from the working-day curve
    assert r2.loc["P05", "rag_schedule"] == "red"
    assert r2.loc["P05", "schedule_rule"] == f"red: SPI(t) {spi_t:.2f} < 0.85"
    sv_rule = {"rag": {"schedule": {"metric": "sv_t_wd", "green": -5, "amber": -15}}}
    r3 = rollup(dataclasses.replace(p, standards={**p.standards, **sv_rule}))
    late = r3["sv_t_wd"] < -15
    assert late.any() and (r3.loc[late, "rag_schedule"] == "red").all()
    assert r3.loc[late, "schedule_rule"].str.contains("SV\\(t\\) \\(working days\\)").all()


def test_defaults_come_from_the_one_packaged_template(tmp_path) -> None:
    """#16: the PMO defaults have one home, the commented template; the generated sample and
    ``pmkit init --empty`` write it, and a file that leaves a key out gets the template's."""
    from pmkit.bundle import init_workspace
    from pmkit.generate import write_generated
    from pmkit.standards import DEFAULTS
    from pmkit.templates import SAMPLE_END, standards_template

    text = standards_template()
    assert sum("#" in ln for ln in text.splitlines()) >= 15  # commented for the PMO lead
    assert yaml.safe_load(text) == DEFAULTS
    # the values the dashboards have always used (changing one is a decision, not an edit)
    assert DEFAULTS["rag"]["schedule"]["green"] == 0.95 and DEFAULTS["rag"]["cost"]["amber"] == 0.85
    assert DEFAULTS["change_control"]["significance"]["cost_abs"] == 50000
    assert DEFAULTS["pmo_type"] == "controlling" and DEFAULTS["status_report_max_age_days"] == 35
    # the sample's standards.yaml is the template's sample part (+ its date and prioritisation)
    write_generated(tmp_path / "sample", n_projects=3, seed=1)
    sample = (tmp_path / "sample" / "standards.yaml").read_text(encoding="utf-8")
    head = text.split(SAMPLE_END)[0]
    assert sample.replace('status_date: "2026-10-30"', head.splitlines()[4]).startswith(head)
    generated = yaml.safe_load(sample)
    for key in ("rag", "gates", "pmo_types", "change_control", "currency", "pmo_type"):
        assert generated[key] == DEFAULTS[key], key
    # an empty file's standards are the template's; init --empty writes the template itself
    assert load_standards(tmp_path / "nowhere").raw["gates"] == DEFAULTS["gates"]
    root = init_workspace(tmp_path / "ws", empty=True)
    assert (root / "data" / "standards.yaml").read_text(encoding="utf-8") == text
    assert load_standards(root / "data").pmo_type == "controlling"


def test_exposure_of_a_project_with_nothing_left_to_earn_says_it_is_on_bac() -> None:
    """Audit §4 caveat: with EV = BAC the standard's "remaining budget" is zero; the ratio is
    taken on BAC and the sentence must say so (it read "/ remaining budget" before)."""
    snaps = [
        dict(project_id="P1", report_date="2025-03-01", pv=40_000.0, ev=30_000.0, ac=30_000.0,
             percent_complete=60.0, forecast_finish="2025-06-30"),
        dict(project_id="P2", report_date="2025-03-01", pv=50_000.0, ev=50_000.0, ac=55_000.0,
             percent_complete=100.0, forecast_finish="2025-06-30"),
    ]  # fmt: skip
    risks = [
        dict(risk_id="R1", project_id="P1", kind="threat", probability=0.25,
             cost_impact=8_000.0, schedule_impact_days=0.0, response="mitigate", status="open"),
        dict(risk_id="R2", project_id="P2", kind="threat", probability=0.4,
             cost_impact=10_000.0, schedule_impact_days=0.0, response="accept", status="open"),
    ]  # fmt: skip
    pf = make_portfolio(
        standards={"status_date": "2025-03-10"},
        projects=[project("P1", budget=50_000.0), project("P2", budget=50_000.0)],
        tasks=[task("P1-T1", "P1"), task("P2-T1", "P2")],
        snapshots=snaps,
        risks=risks,
    )
    r = rollup(pf).set_index("project_id")
    # by hand: P1 0.25 x 8,000 = 2,000 over BAC - EV = 20,000 -> 10.0 %, not above 10 %: green
    assert r.loc["P1", "threat_exposure_ratio"] == pytest.approx(0.10)
    assert r.loc["P1", "risk_rule"] == "green: threat exposure / remaining budget 10.0% ≤ 10.0%"
    # P2: 0.4 x 10,000 = 4,000; nothing left to earn, so over BAC 50,000 -> 8.0 %
    assert r.loc["P2", "threat_exposure_ratio"] == pytest.approx(0.08)
    assert r.loc["P2", "risk_rule"] == (
        "green: threat exposure / BAC (nothing left to earn) 8.0% ≤ 10.0%"
    )
