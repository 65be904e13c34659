"""Stage-gate compliance, the PMO-type switch and the compliance score."""

from __future__ import annotations

import pytest
from portfolio_fixtures import make_portfolio, project

from pmkit.portfolio.governance import compliance_score, gate_compliance, governance_checks
from pmkit.standards import StandardsError

GATES = {
    "G0": {"opens": "initiation", "required": ["business case"]},
    "G1": {"opens": "planning", "required": ["project charter", "stakeholder register"]},
    "G2": {"opens": "execution", "required": ["schedule baseline"]},
}


def _pf(**std):
    gate = lambda p, g, a, done, req=True: dict(  # noqa: E731
        project_id=p, gate=g, artefact=a, required=req, done=done
    )
    return make_portfolio(
        standards={"status_date": "2025-03-10", "gates": GATES, **std},
        projects=[project("P1", phase="planning"), project("P2", phase="execution"),
                  project("P3", phase="closed")],
        stage_gates=[
            gate("P1", "G0", "business case", True),
            gate("P1", "G1", "project charter", True),  # stakeholder register: no row at all
            gate("P1", "G2", "schedule baseline", False),  # not reached yet
            gate("P2", "G0", "business case", True), gate("P2", "G1", "project charter", True),
            gate("P2", "G1", "stakeholder register", True),
            gate("P2", "G2", "schedule baseline", True),
            gate("P2", "G2", "idea brief", False, req=False),
        ],
        snapshots=[dict(project_id=p, report_date="2025-03-01", pv=1.0, ev=1.0, ac=1.0,
                        percent_complete=10.0) for p in ("P1", "P2")],
        risks=[dict(risk_id=f"R{p}", project_id=p, kind="threat", probability=0.1,
                    cost_impact=1.0, schedule_impact_days=0.0, response="accept",
                    status="open") for p in ("P1", "P2")],
    )  # fmt: skip


def test_required_and_missing_at_reached_gates_only() -> None:
    g = gate_compliance(_pf(), pmo_type="controlling")
    p1 = g[g["project_id"] == "P1"]
    assert set(p1["gate"]) == {"G0", "G1"}  # planning: G2 not reached
    missing = p1.loc[p1["missing"], "artefact"].tolist()
    assert missing == ["stakeholder register"]  # required by the standard, absent from the file
    p2 = g[g["project_id"] == "P2"]
    assert not p2["missing"].any()
    assert p2.loc[p2["artefact"] == "idea brief", "required"].item() is False
    # closed project: every gate reached, nothing recorded -> all five artefacts missing
    assert g.loc[g["project_id"] == "P3", "missing"].sum() == 4


def test_pmo_type_switches_blocking_not_facts() -> None:
    pf = _pf()
    by_type = {k: gate_compliance(pf, pmo_type=k) for k in ("supportive", "controlling")}
    sup, ctl = by_type["supportive"], by_type["controlling"]
    assert (sup["missing"] == ctl["missing"]).all()
    assert not sup["blocking"].any() and ctl["blocking"].sum() == ctl["missing"].sum()
    g1 = ctl[(ctl["project_id"] == "P1") & (ctl["gate"] == "G1")]
    assert set(g1["gate_status"]) == {"blocked"}
    assert set(sup.loc[(sup["project_id"] == "P1") & (sup["gate"] == "G1"), "gate_status"]) == {
        "advisory"
    }
    with pytest.raises(StandardsError):
        gate_compliance(pf, pmo_type="laissez-faire")


def test_compliance_score_is_the_share_of_checks_passed() -> None:
    pf = _pf()
    checks = governance_checks(pf, pmo_type="controlling")
    score = compliance_score(pf, pmo_type="controlling").set_index("project_id")
    for pid, rows in checks.groupby("project_id"):
        on = rows[rows["mode"] != "off"]
        assert score.loc[pid, "compliance_score"] == pytest.approx(100 * on["value"].mean())
    # P1: gate artefacts 2 of 3 done; the other four checks pass (not red? depends on RAG)
    p1 = checks[checks["project_id"] == "P1"].set_index("check")
    assert p1.loc["gate_artefacts", "value"] == pytest.approx(2 / 3)
    assert p1.loc["monthly_status_report", "passed"]
    assert score.loc["P1", "state"] == "blocked"
    assert "stakeholder register" in score.loc["P1", "blocking_reasons"]
    # switching a check off removes it from the score
    from pmkit.standards import CHECKS

    lenient = {**dict.fromkeys(CHECKS, "blocking"), "gate_artefacts": "off"}
    off = {"pmo_types": {"lenient": {"checks": lenient}}, "pmo_type": "lenient"}
    s_off = compliance_score(_pf(**off)).set_index("project_id")
    assert s_off.loc["P1", "checks"] == score.loc["P1", "checks"] - 1
    assert "gate_artefacts" not in s_off.loc["P1", "blocking_reasons"]


def test_score_from_a_gate_table() -> None:
    g = gate_compliance(_pf(), pmo_type="directive")
    s = compliance_score(g).set_index("project_id")
    assert s.loc["P1", "compliance_score"] == pytest.approx(100 * 2 / 3)
    assert s.loc["P2", "compliance_score"] == pytest.approx(100)


def test_a_first_status_report_is_due_max_age_days_after_the_start() -> None:
    """Status date 2025-03-10, max age 35 days (the template's). A project starting after the
    status date, or 10 days before it, owes no report yet; one that started 64 days before it
    and never reported is late (before: all three were "never reported", blocking)."""
    pf = make_portfolio(
        standards={"status_date": "2025-03-10", "status_report_max_age_days": 35},
        projects=[
            project("LATER", start="2025-04-07", finish_baseline="2025-09-30"),
            project("NEW", start="2025-02-28"),
            project("OLD", start="2025-01-06"),
        ],
    )
    checks = governance_checks(pf, pmo_type="directive")
    rep = checks[checks["check"] == "monthly_status_report"].set_index("project_id")
    assert bool(rep.loc["LATER", "passed"]) and bool(rep.loc["NEW", "passed"])
    # 2025-04-07 + 35 days = 2025-05-12; 2025-02-28 + 35 days = 2025-04-04
    assert rep.loc["LATER", "detail"] == "no report due yet (first one by 12 May 2025)"
    assert rep.loc["NEW", "detail"] == "no report due yet (first one by 04 Apr 2025)"
    assert not bool(rep.loc["OLD", "passed"])
    assert rep.loc["OLD", "detail"] == "never reported"
