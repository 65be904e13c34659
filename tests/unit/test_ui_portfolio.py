"""The PMO portfolio review, built in-process on the sample: filters, tabs, what-if, slip,
change board (recorded into a temporary copy), exports and chart payload sizes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import ipywidgets as W
import pandas as pd
import pytest

from pmkit.io.csv_folder import load_portfolio
from pmkit.ui import portfolio_review as pr
from pmkit.ui import portfolio_views as views

REPO = Path(__file__).resolve().parents[2]
PAYLOAD_CAP = 60_000  # bytes of chart JSON; the largest measured is about half of this


@pytest.fixture(scope="module")
def data_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dst = tmp_path_factory.mktemp("pmo") / "data"
    shutil.copytree(REPO / "data", dst)
    return dst


@pytest.fixture(scope="module")
def review(data_copy: Path) -> pr.PortfolioReview:
    return pr.PortfolioReview(load_portfolio(data_copy))


def _spec(review: pr.PortfolioReview, tab: str, key: str) -> dict:
    return json.loads(json.dumps(review.tabs[tab].charts[key].spec, indent=2))


def _chart_sizes(review: pr.PortfolioReview) -> dict[str, int]:
    return {
        f"{name}/{key}": len(json.dumps(jc.spec, indent=2))
        for name, tab in review.tabs.items()
        for key, jc in tab.charts.items()
    }


def test_app_returns_a_widget_and_an_error_panel_on_bad_data(tmp_path: Path) -> None:
    bad = tmp_path / "broken"
    shutil.copytree(REPO / "data", bad)
    (bad / "projects.csv").write_text("project_id,name\nP1,x\n", encoding="utf-8")
    box = pr.app(load_portfolio(REPO / "data"))
    assert isinstance(box, W.VBox)

    def broken():
        return load_portfolio(bad)

    panel = pr.safe_build(lambda: pr.PortfolioReview(broken()).widget)
    assert isinstance(panel, W.HTML) and "Could not show this panel" in panel.value
    assert "projects.csv" in panel.value  # the message names the file to fix


def test_overview_table_shows_rules_links_and_escaped_names(review: pr.PortfolioReview) -> None:
    html = review.tabs["Overview"].table.value
    n = len(review.rollup_all)
    assert html.count("<tr>") == n + 1
    # every status chip carries the sentence of its rule
    assert html.count('class="pmkit-badge') == 4 * n
    assert 'title="red: ' in html or 'title="amber: ' in html
    # drill-down to the PM lens, relative to /voila/render/
    assert 'href="pm_planning.ipynb?project=P01"' in html
    assert 'href="pm_tracking.ipynb?project=P01"' in html
    # the sample's name with markup is text, never markup
    tagged = review.rollup_all.loc[review.rollup_all["name"].str.contains("<"), "name"]
    assert len(tagged) >= 1
    raw = tagged.iloc[0]
    assert raw not in html
    assert pr.esc(raw) in html


def test_why_panel_explains_every_dimension(review: pr.PortfolioReview) -> None:
    ov = review.tabs["Overview"]
    ov.why_pick.value = "P01"
    text = ov.why.value
    for dim in ("Schedule", "Cost", "Scope", "Risk"):
        assert f"<li>{dim}:" in text
    row = review.rollup_all.set_index("project_id").loc["P01"]
    assert pr.esc(row["schedule_rule"]) in text


def test_filters_change_the_table_and_the_chart(review: pr.PortfolioReview) -> None:
    review.open_tab("Risks")
    review.open_tab("Overview")
    before_html = review.tabs["Overview"].table.value
    before_spec = _spec(review, "Overview", "rag")
    risks_before = _spec(review, "Risks", "programme")
    programme = review.rollup_all["programme"].value_counts().index[0]
    expected = int((review.rollup_all["programme"] == programme).sum())
    review.f["programme"].value = programme
    try:
        assert len(review.rollup) == expected < len(review.rollup_all)
        after_html = review.tabs["Overview"].table.value
        assert after_html != before_html
        assert after_html.count("<tr>") == expected + 1
        assert _spec(review, "Overview", "rag") != before_spec
        counts = next(iter(_spec(review, "Overview", "rag")["datasets"].values()))
        per_dim = pd.DataFrame(counts).groupby("dimension")["count"].sum()
        assert (per_dim == expected).all()
        assert f"programme: {programme}" in review.status.value
        # other tabs follow the filters when they are opened again
        assert "Risks" in review._stale
        review.open_tab("Risks")
        progs = {
            r["programme"]
            for r in next(iter(_spec(review, "Risks", "programme")["datasets"].values()))
        }
        assert progs == {programme}
        assert _spec(review, "Risks", "programme") != risks_before
        # a RAG filter on one dimension
        review.open_tab("Overview")
        review.f["rag_dimension"].value = "schedule"
        review.f["rag"].value = "red"
        assert set(review.rollup["rag_schedule"]) <= {"red"}
    finally:
        review.clear_filters()
    assert len(review.rollup) == len(review.rollup_all)


def test_a_filter_that_matches_nothing_says_so(review: pr.PortfolioReview) -> None:
    review.open_tab("Overview")
    try:
        review.f["phase"].value = "closed"
        review.f["rag"].value = "grey"
        review.f["rag_dimension"].value = "overall"
        if len(review.rollup) == 0:
            assert "No project matches" in review.tabs["Overview"].table.value
    finally:
        review.clear_filters()


def test_every_tab_builds_without_an_error_panel(review: pr.PortfolioReview) -> None:
    for name in pr.TABS:
        tab = review.open_tab(name)
        assert "pmkit-error" not in tab.message.value, (name, tab.message.value)
        box = review.tab.children[pr.TABS.index(name)]
        assert box.children[0] is tab.widget
    for size in _chart_sizes(review).values():
        assert size < PAYLOAD_CAP


def test_capacity_what_if_changes_the_picture(review: pr.PortfolioReview) -> None:
    cap = review.open_tab("Capacity")
    base_cells = cap.base.cells.copy()
    assert {"role", "month", "utilisation"} <= set(base_cells.columns)
    assert base_cells["utilisation"].max() <= views.MAX_LOAD  # JSON-safe, no infinity
    before = json.loads(json.dumps(cap.charts["heat"].spec, indent=2))
    cap.what_project.value = "P01"
    cap.shift.value = 40
    cap.apply_btn.click()
    assert "pmkit-error" not in cap.message.value, cap.message.value
    assert "What-if for" in cap.headline.value
    after = json.loads(json.dumps(cap.charts["heat"].spec, indent=2))
    assert after["datasets"] != before["datasets"]
    # priority alone moves unmet hours between projects, not the demand
    cap.shift.value = 0
    cap.priority.value = 1
    cap.apply_btn.click()
    assert "priority 1" in cap.headline.value
    cap.reset_btn.click()
    assert "as planned" in cap.headline.value


def test_slip_propagation_lists_what_moves(review: pr.PortfolioReview) -> None:
    dep = review.open_tab("Dependencies")
    options = [v for _, v in dep.milestone.options]
    assert options, "open milestones of the selected projects"
    feeding = [label for label, _ in dep.milestone.options if "feeds another project" in label]
    assert feeding, "milestones feeding another project come first"
    dep.milestone.value = options[0]
    dep.days.value = 60
    dep.go.click()
    assert "pmkit-error" not in dep.message.value, dep.message.value
    assert 'id="pmo-slip"' in dep.result.value
    slip = json.loads(json.dumps(dep.charts["slip"].spec, indent=2))
    rows = next(iter(slip["datasets"].values()))
    assert rows and all(r["slip_days"] > 0 for r in rows)
    net = json.loads(json.dumps(dep.charts["network"].spec, indent=2))
    nodes = next(d for d in net["datasets"].values() if d and "highlight" in d[0])
    assert any(n["highlight"] for n in nodes)
    dep.clear.click()
    assert dep.result.value == ""


def test_governance_pmo_type_switch_changes_blocking(review: pr.PortfolioReview) -> None:
    gov = review.open_tab("Governance")
    gov.pmo_type.value = "supportive"
    supportive = gov.gaps.value
    gov.pmo_type.value = "directive"
    directive = gov.gaps.value
    assert "Blocks gate" not in supportive
    if "Advisory" in supportive:
        assert "Blocks gate" in directive
    assert "Directive PMO" in gov.explain.value
    gov.pmo_type.value = review.std.pmo_type


def test_risks_keep_opportunities_apart(review: pr.PortfolioReview) -> None:
    risks = review.open_tab("Risks")
    top = risks.top.value
    assert "Top threats" in top and "Top opportunities" in top
    spec = json.loads(json.dumps(risks.charts["programme"].spec, indent=2))
    values = next(iter(spec["datasets"].values()))
    assert all(v["exposure"] >= 0 for v in values)
    assert {v["kind_label"] for v in values} <= {
        "Threat (expected loss)",
        "Opportunity (expected gain)",
    }


def test_change_board_records_a_decision_that_survives_a_reload(data_copy: Path) -> None:
    review = pr.PortfolioReview(load_portfolio(data_copy))
    board = review.open_tab("Change board")
    assert 'id="pmo-changes"' in board.table.value
    cr = board.cr.options[0][1]
    # a decision without a rationale is refused with a readable message, and nothing is written
    board.cr.value = cr
    board.decision.value = "reject"
    board.by.value = "Chair <b>Ana</b>"
    board.why.value = ""
    board.record_btn.click()
    assert "pmkit-error" in board.feedback.value and "why" in board.feedback.value
    assert not (data_copy / "decisions_log.csv").exists()
    board.why.value = "Out of the programme's strategic scope"
    board.record_btn.click()
    assert "Recorded" in board.feedback.value, board.feedback.value
    assert (data_copy / "decisions_log.csv").exists()
    assert "<b>Ana</b>" not in board.table.value and "&lt;b&gt;Ana&lt;/b&gt;" in board.table.value

    reloaded = pr.PortfolioReview(load_portfolio(data_copy))
    html = reloaded.open_tab("Change board").table.value
    row = next(r for r in html.split("<tr>") if f"<td>{cr}</td>" in r)
    assert "Rejected" in row and "strategic scope" in row


def test_exports_offer_download_links(
    review: pr.PortfolioReview, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("PMKIT_EXPORTS", str(tmp_path))
    ex = review.open_tab("Export")
    ex.xlsx_btn.click()
    assert 'download="portfolio-rollup-' in ex.out.value, ex.out.value[:500]
    assert "data:application/vnd.openxmlformats" in ex.out.value
    assert str(tmp_path) in ex.out.value
    ex.html_btn.click()
    assert 'download="status-pack-' in ex.out.value, ex.out.value[:500]
    written = sorted(p.name for p in tmp_path.iterdir())
    assert any(n.endswith(".xlsx") for n in written) and any(n.endswith(".html") for n in written)


def test_chart_payloads_stay_small_on_1000_projects(tmp_path: Path) -> None:
    from pmkit.generate import write_generated

    write_generated(tmp_path / "big", n_projects=1000, seed=3, tasks_per_project=(26, 28))
    review = pr.PortfolioReview(load_portfolio(tmp_path / "big"))
    for name in pr.TABS:
        review.open_tab(name)
    dep = review.tabs["Dependencies"]
    dep.go.click()
    sizes = _chart_sizes(review)
    print(
        "\nlargest chart payloads (1,000 projects):",
        sorted(sizes.items(), key=lambda kv: -kv[1])[:3],
    )
    assert max(sizes.values()) < PAYLOAD_CAP, sizes
    # tables are capped too: a page, not a dump
    assert review.tabs["Overview"].table.value.count("<tr>") <= pr.MAX_TABLE_ROWS + 1


def test_tables_show_whole_names_and_dates_like_the_pm_pages(review: pr.PortfolioReview) -> None:
    import re

    projects = review.p.projects
    long = projects.loc[projects["name"].str.len() > 28].iloc[0]
    # charts may shorten a name, visibly (…); tables and pickers never cut it
    assert review.labels[long["project_id"]].endswith("…")
    assert review.label(long["project_id"]) == f"{long['project_id']} · {long['name']}"
    html = review.tabs["Overview"].table.value
    assert pr.esc(long["name"]) in html
    assert not re.search(r"\d{4}-\d{2}-\d{2}", html)  # "06 Apr 2027", not ISO
    assert re.search(r"\d{2} [A-Z][a-z]{2} \d{4}", html)
    risks = review.open_tab("Risks")
    shown = risks.widget  # the tab builds; its tables carry full project labels
    assert shown is not None
    all_html = " ".join(
        w.value for w in _html_widgets(risks.widget) if isinstance(getattr(w, "value", None), str)
    )
    assert "…" not in all_html.split("<table", 1)[-1].split("</table>")[0]


def _html_widgets(w: W.Widget) -> list[W.Widget]:
    out = [w]
    for c in getattr(w, "children", ()):
        out += _html_widgets(c)
    return out


def test_glance_money_has_currency_and_an_empty_filter_says_so(data_copy: Path) -> None:
    from pmkit.ui import glance

    widget = glance.build(load_portfolio(data_copy))
    parts = _html_widgets(widget)
    summary = next(w for w in parts if "projects · budget" in str(getattr(w, "value", "")))
    assert re.search(r"budget <b>[\d,]+ EUR</b> · EAC <b>[\d,]+ EUR</b>", summary.value)
    table = next(w for w in parts if "glance-table" in str(getattr(w, "value", "")))
    assert "Budget (EUR)" in table.value and "k</td>" not in table.value
    dropdowns = [w for w in parts if isinstance(w, W.Dropdown)]
    programme, phase = dropdowns[0], dropdowns[1]
    # a programme with no project in some phase: the page says nothing matches
    roll = load_portfolio(data_copy).projects
    for prog in roll["programme"].unique():
        missing = set(roll["phase"]) - set(roll.loc[roll["programme"] == prog, "phase"])
        if missing:
            programme.value = prog
            phase.value = sorted(missing)[0]
            break
    assert "No project matches these filters" in table.value
    chart = next(w for w in parts if hasattr(w, "chart"))
    assert "No project matches" in chart.chart.to_json()


def test_status_date_picker_reviews_the_portfolio_as_it_stood(data_copy: Path) -> None:
    import datetime as dt

    review = pr.PortfolioReview(load_portfolio(data_copy))
    assert (review.rollup_all["report_date"] > pd.Timestamp("2026-08-31")).any()
    review.as_of.picker.value = dt.date(2026, 8, 31)
    assert review.p.status_date == pd.Timestamp("2026-08-31")
    assert (review.rollup_all["report_date"].dropna() <= pd.Timestamp("2026-08-31")).all()
    gov = review.open_tab("Governance")
    assert "pmkit-error" not in gov.message.value
    review.as_of.picker.value = None
    assert review.p.status_date == pd.Timestamp("2026-10-30")


def test_units_are_labelled_in_rollup_and_trends(review: pr.PortfolioReview) -> None:
    """One unit per metric, said where shown: earned schedule in working days, forecast errors in
    calendar days (issue 9)."""
    html = review.tabs["Overview"].widget
    text = "\n".join(w.value for w in _walk(html) if isinstance(getattr(w, "value", None), str))
    assert "SPI(t)" in text and "SV(t) (wd)" in text
    review.open_tab("Trends")
    spec = json.dumps(_spec(review, "Trends", "accuracy"))
    assert "Forecast error (calendar days)" in spec


def _walk(w: W.Widget) -> list[W.Widget]:
    out, stack = [], [w]
    while stack:
        x = stack.pop()
        out.append(x)
        stack.extend(getattr(x, "children", ()))
    return out


def test_whole_portfolio_tables_are_reused_by_filters_and_dropped_with_the_portfolio(
    data_copy: Path,
) -> None:
    """A filter re-selects rows of the risk register (not recomputed); switching the status
    date recomputes it from the portfolio as it stood (never the old one's register)."""
    import datetime as dt

    from pmkit.risk import risk_register

    review = pr.PortfolioReview(load_portfolio(data_copy))
    risks = review.open_tab("Risks")
    first = risks.register
    programme = next(o for o in review.f["programme"].options if o != "(all)")
    review.f["programme"].value = programme
    assert risks.register is first
    review.clear_filters()
    review.open_tab("Overview")
    review.as_of.picker.value = dt.date(2026, 8, 31)
    review.open_tab("Risks")
    assert risks.register is not first
    expected = risk_register(review.p)  # independent: the engine on the portfolio now shown
    pd.testing.assert_frame_equal(risks.register, expected)
