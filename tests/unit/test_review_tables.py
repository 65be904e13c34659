"""The PMO review's tables as pure view functions: hand-made frames in, escaped HTML out.

Every expectation is written from the frame built here (counts, order, escaping), not from
pmkit's own output.
"""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from pmkit.ui.portfolio_review import tables

EVIL = "<script>alert('x')</script> & Co"
DIMS = ("schedule", "cost", "scope", "risk")


def _rollup(n: int) -> pd.DataFrame:
    """``n`` projects; statuses cycle green, red, amber, grey; P0001 carries markup in its name."""
    cycle = ["green", "red", "amber", "grey"]
    rows = []
    for i in range(n):
        st = cycle[i % 4]
        rows.append(
            {
                "project_id": f"P{i + 1:04d}",
                "name": EVIL if i == 0 else f"Project {i + 1}",
                **{f"rag_{d}": st for d in ("overall", "schedule", "cost", "scope", "risk")},
                **{f"{d}_rule": f"{st}: rule {d} <b>{i}</b>" for d in DIMS},
                "overall_rule": "worst of the four",
                "programme": "Alpha",
                "manager": "Ana <i>",
                "phase": "Execute",
                "percent_complete": 50.0,
                "spi": 0.9,
                "cpi": 1.1,
                "baseline_finish": pd.Timestamp("2027-04-06"),
                "forecast_finish": pd.Timestamp("2027-05-06"),
                "finish_slip_days": 21.0,
                "float_days": 3.0,
                "bac": 1000.0,
                "eac": 1200.0,
                "open_risks": 2,
                "open_changes": 1,
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


def _rows(page: str) -> list[str]:
    return re.findall(r"<tr>(.*?)</tr>", page, flags=re.S)[1:]  # minus the header row


def test_rollup_table_is_one_page_worst_first_with_a_note() -> None:
    df = _rollup(1000)
    page = tables.rollup_table(df, "EUR", max_rows=60)
    rows = _rows(page)
    assert len(rows) == 60
    # 1000 projects cycle 4 statuses: 250 red exist, so a 60-row page is all red, by id
    reds = [f"P{i + 1:04d}" for i in range(1000) if i % 4 == 1]
    shown = [re.search(r"<td>(P\d{4})</td>", r).group(1) for r in rows]  # type: ignore[union-attr]
    assert shown == reds[:60]
    assert page.count('class="pmkit-badge') == 4 * 60
    assert "Showing 60 of 1000" in page


def test_rollup_table_escapes_names_and_rules_and_links_both_pm_pages() -> None:
    df = _rollup(3)
    page = tables.rollup_table(df, "EUR")
    assert "<script>" not in page and "<b>0</b>" not in page and "<i>" not in page
    assert html.escape(EVIL, quote=False) in page or html.escape(EVIL) in page
    assert 'href="pm_planning.ipynb?project=P0001"' in page
    assert 'href="pm_tracking.ipynb?project=P0001"' in page
    assert "Showing" not in page  # all 3 fit
    assert len(_rows(page)) == 3
    assert "06 Apr 2027" in page and "2027-04-06" not in page


def test_drill_links_quote_the_project_id() -> None:
    links = tables.drill_links("A&B /1")
    assert "project=A%26B%20%2F1" in links and "A&B" not in links


def test_empty_rollup_says_so() -> None:
    page = tables.rollup_table(_rollup(2).iloc[:0], "EUR")
    assert "No project matches the filters" in page and "<table" not in page


def test_why_status_has_one_sentence_per_dimension_escaped() -> None:
    rec = _rollup(2).iloc[1]
    page = tables.why_status(rec, "P0002 · <b>x</b>")
    assert page.count("<li>") == 4
    for dim in ("Schedule", "Cost", "Scope", "Risk"):
        assert f"<li>{dim}:" in page
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert "red: rule schedule &lt;b&gt;1&lt;/b&gt;" in page


def test_gate_gaps_put_blocking_first_and_cap_the_page() -> None:
    gates = pd.DataFrame(
        {
            "project_id": [f"P{i:03d}" for i in range(150)],
            "gate": "G2",
            "artefact": [f"doc {i} <x>" for i in range(150)],
            "required": True,
            "done": [i % 3 == 0 for i in range(150)],  # 100 not done
            "blocking": [i % 2 == 0 for i in range(150)],
        }
    )
    names = {"P001": EVIL}
    page = tables.gate_gaps_table(gates, names, max_rows=40)
    rows = _rows(page)
    assert len(rows) == 40
    # not done and blocking: i % 3 != 0 and i even -> 50 rows, so the first 40 all block
    assert all("Blocks gate" in r for r in rows)
    assert "Showing 40 of 100" in page
    assert "<x>" not in page and "<script>" not in page


def test_failing_checks_skip_gate_artefacts_and_off_checks() -> None:
    checks = pd.DataFrame(
        {
            "project_id": ["P1", "P2", "P3", "P4", "P5"],
            "check": ["gate_artefacts", "risk_review", "baseline_set", "budget_ok", "risk_review"],
            "passed": [False, False, False, True, False],
            "effect": ["blocking", "advisory", "blocking", "blocking", "off"],
            "detail": ["x", "no review <3 months", "no baseline", "ok", "ignored"],
        }
    )
    page = tables.failing_checks_table(checks, {})
    rows = _rows(page)
    assert len(rows) == 2  # P2 (advisory) and P3 (blocking); P1 gate, P4 passed, P5 off
    assert "P3" in rows[0] and "Blocking" in rows[0]
    assert "P2" in rows[1] and "Advisory" in rows[1]
    assert "&lt;3 months" in page


def test_changes_table_labels_decisions_and_caps() -> None:
    n = 70
    ch = pd.DataFrame(
        {
            "cr_id": [f"CR{i}" for i in range(n)],
            "project_id": "P1",
            "title": "<b>scope</b>",
            "scope_impact": "major",
            "cost_impact": 1000.0,
            "schedule_impact_days": 5,
            "objective": ["", *["growth"] * (n - 1)],
            "strategic_objective": "fallback objective",
            "why_significant": "cost over threshold",
            "decision": ["pending", "approved", "rejected", "deferred", "later?"]
            + ["pending"] * (n - 5),
            "decided_by": "",
            "decided_on": pd.NaT,
            "rationale": "",
        }
    )  # fmt: skip
    page = tables.changes_table(ch, {"P1": "P1 · One & Two"}, "EUR", max_rows=60)
    rows = _rows(page)
    assert len(rows) == 60 and "Showing 60 of 70" in page
    assert "fallback objective" in rows[0]  # empty objective falls back to the strategic one
    for word in ("Pending", "Approved", "Rejected", "Deferred", "Later?"):
        assert word in page
    assert "<b>scope</b>" not in page and "One &amp; Two" in page


def test_overallocated_and_shortfall_tables() -> None:
    over = pd.DataFrame(
        {
            "resource_id": [f"R{i}" for i in range(50)],
            "name": "Eve <e>",
            "role": "dev",
            "months_over": 2,
            "worst_month": "2027-01",
            "worst_load_pct": 150.0,
            "over_hours": 1234.0,
            "projects": "P1, P2",
        }
    )
    page = tables.overallocated_table(over, max_rows=40)
    assert len(_rows(page)) == 40 and "Showing 40 of 50" in page and "<e>" not in page
    assert "1,234" in page
    assert "No resource" in tables.overallocated_table(over.iloc[:0])
    short = pd.DataFrame(
        {
            "project_id": ["P1", "P2", "P3"],
            "priority": [1, 2, 3],
            "demand_hours": [100.0, 100.0, 100.0],
            "allocated_hours": [100.0, 60.0, 0.0],
            "unmet_hours": [0.0, 40.0, 100.0],
            "unmet_pct": [0.0, 40.0, 100.0],
        }
    )
    page = tables.shortfall_table(short, {"P2": "P2 · <two>"})
    rows = _rows(page)
    assert len(rows) == 2  # P1 has nothing unmet
    assert "P2 · &lt;two&gt;" in rows[0] and "P3" in rows[1]
    assert tables.shortfall_table(short.iloc[:1], {}) == ""


def test_slip_result_counts_other_projects() -> None:
    rows = pd.DataFrame(
        {
            "task_id": ["T1", "T2", "T3", "T4"],
            "project_id": ["P1", "P1", "P2", "P3"],
            "label": ["origin", "own finish", "their <gate>", "launch"],
            "slip_days": [10, 10, 7, 3],
        }
    )
    page = tables.slip_result(rows, "T1", "P1", 10)
    # 3 other dates move (T2, T3, T4), in 2 projects other than P1 (P2, P3)
    assert "<b>3</b> other milestone" in page and "<b>2</b>" in page
    assert "their &lt;gate&gt;" in page
    assert "moves nothing" in tables.slip_result(rows.iloc[:0], "T9", "P1", 5)


@pytest.mark.parametrize("kind", ["threat", "opportunity"])
def test_top_risks_keep_threats_and_opportunities_apart(kind: str) -> None:
    reg = pd.DataFrame(
        {
            "risk_id": [f"K{i}" for i in range(30)],
            "project_id": "P1",
            "kind": [kind] * 15 + ["threat" if kind == "opportunity" else "opportunity"] * 15,
            "title": "<t>",
            "category": "tech",
            "probability": [i / 40 for i in range(30)],
            "cost_impact": [1000.0 * (i + 1) for i in range(30)],
            "exposure_cost": [1000.0 * (i + 1) * i / 40 for i in range(30)],
            "exposure_days": 1.0,
            "score": [float(i) for i in range(30)],
            "response": "mitigate",
            "owner": "Bo",
        }
    )
    page = tables.top_risks_tables(reg, {}, "EUR", n=10)
    tid = f'id="pmo-top-{kind}"'
    assert tid in page
    part = page.split(tid, 1)[1].split("</table>", 1)[0]
    ids = re.findall(r"<td>(K\d+)</td>", part)
    # the 10 largest exposures of this kind: K14 down to K5 (exposure grows with i)
    assert ids == [f"K{i}" for i in range(14, 4, -1)]
    assert "<t>" not in page


def test_mta_rows_keep_the_milestones_whose_forecast_moved_most() -> None:
    """The milestone trend draws the milestones with the widest forecast spread (latest minus
    earliest forecast), labelled with their project; spreads written by hand here."""
    from pmkit.ui.portfolio_views import mta_rows

    d = pd.Timestamp
    # M1 moved 40 days, M2 5 days, M3 90 days, M4 never moved
    fc = {
        "M1": ["2026-03-01", "2026-03-21", "2026-04-10"],
        "M2": ["2026-05-01", "2026-05-06"],
        "M3": ["2026-06-01", "2026-08-30", "2026-07-01"],
        "M4": ["2026-09-01", "2026-09-01"],
    }
    start = d("2026-01-01")
    rows = [
        {"project_id": f"P{k[-1]}", "task_id": k,
         "report_date": start + pd.Timedelta(days=30 * i), "forecast_date": d(v)}
        for k, vs in fc.items() for i, v in enumerate(vs)
    ]  # fmt: skip
    tasks = pd.DataFrame({"task_id": list(fc), "name": ["Go-live"] * 4})
    out = mta_rows(pd.DataFrame(rows), tasks, max_series=2)
    assert sorted(set(out["milestone"])) == ["P1 · Go-live", "P3 · Go-live"]
    assert len(out) == 3 + 3  # every report of the two kept milestones
    assert list(out["milestone"]) == sorted(out["milestone"])


def test_overallocation_summary_merges_the_competing_projects_per_person_in_load_order() -> None:
    """One row per person; the projects of their over-allocated months, each once, first
    from the worst month (written by hand)."""
    from pmkit.ui.portfolio_views import overallocation_summary

    over = pd.DataFrame(
        {
            "resource_id": ["R1", "R1", "R2", "R1"],
            "name": ["Ana", "Ana", "Bo", "Ana"],
            "role": ["Dev", "Dev", "QA", "Dev"],
            "month": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-01-01", "2026-03-01"]),
            "load_pct": [120.0, 150.0, 110.0, 130.0],
            "over_hours": [10.0, 20.0, 5.0, 12.0],
            "projects": ["P1, P2", "P3,P1", "P9", " P2 , P4"],
            "short_projects": ["P2", "", "", "P4"],
        }
    )
    out = overallocation_summary(over).set_index("resource_id")
    # R1's months by load: Feb 150 (P3, P1), Mar 130 (P2, P4), Jan 120 (P1, P2)
    assert out.loc["R1", "projects"] == "P3, P1, P2, P4"
    assert out.loc["R1", "short_projects"] == "P4, P2"
    assert out.loc["R1", "months_over"] == 3 and out.loc["R1", "over_hours"] == 42
    assert out.loc["R1", "worst_load_pct"] == 150
    assert out.loc["R2", "projects"] == "P9" and out.loc["R2", "short_projects"] == ""
    assert list(out.index) == ["R1", "R2"]  # most over-allocated hours first
