"""PM dashboards built in-process on the sample portfolio: widgets change, panels follow."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from _fake_page import fake_page  # noqa: F401  (a page that embeds each chart)

from pmkit.cache import load_sample
from pmkit.evm import evm_at_status
from pmkit.ui import planning, tracking
from pmkit.ui.planning import PlanningDashboard, chain_table, project_from_query
from pmkit.ui.tracking import TrackingDashboard

pytestmark = pytest.mark.usefixtures("fake_page")


@pytest.fixture(scope="module")
def portfolio():  # type: ignore[no-untyped-def]
    return load_sample()


def test_query_string_preselects_the_project(portfolio) -> None:  # type: ignore[no-untyped-def]
    assert project_from_query(portfolio, "?project=P03") == "P03"
    assert project_from_query(portfolio, "project=NOPE") == portfolio.project_ids[0]


def test_planning_what_if_changes_gantt_and_finish(portfolio) -> None:  # type: ignore[no-untyped-def]
    db = PlanningDashboard(portfolio, "P03")
    before_chart = json.dumps(db.gantt.spec)
    before_finish = db.shown.finish
    db.wi_duration.value = db.wi_duration.value + 30
    db.apply_what_if()
    assert db.shown.finish > before_finish
    assert "What-if scenario" in db.gantt_note.value
    assert "days later" in db.wi_out.value and "whatif-delta" in db.wi_out.value
    assert json.dumps(db.gantt.spec) != before_chart
    db._on_reset(None)
    assert db.shown.finish == before_finish


def test_planning_filters_shrink_the_gantt(portfolio) -> None:  # type: ignore[no-untyped-def]
    db = PlanningDashboard(portfolio, "P01")
    full = len(db.gantt_table())
    db.critical_only.value = True
    assert 0 < len(db.gantt_table()) < full
    db.critical_only.value = False
    db.level.value = 1
    assert (db.gantt_table()["outline_level"] == 1).all()


def test_driving_chain_reaches_the_project_start(portfolio) -> None:  # type: ignore[no-untyped-def]
    db = PlanningDashboard(portfolio, "P01")
    table = chain_table(db.base, db._tasks(), db.task.value)
    assert len(table) >= 2
    assert table["link_float_days"].iloc[:-1].notna().all()
    assert table["driven_by"].iloc[-1].startswith("start of the chain")
    assert "driving-chain" in db.chain.value


def test_project_switch_changes_every_planning_panel(portfolio) -> None:  # type: ignore[no-untyped-def]
    db = PlanningDashboard(portfolio, "P03")
    panels = (db.summary.value, db.chain.value, json.dumps(db.gantt.spec), db.task.options)
    db.project.value = "P05"
    after = (db.summary.value, db.chain.value, json.dumps(db.gantt.spec), db.task.options)
    assert all(a != b for a, b in zip(panels, after, strict=True))
    assert "Upgrade &lt;b&gt;ERP&lt;/b&gt;" in db.summary.value  # markup shown as text
    assert "pmkit-error" not in db.gantt_msg.value


def test_change_request_preview_shows_schedule_and_cost(portfolio) -> None:  # type: ignore[no-untyped-def]
    ch = portfolio.changes
    pid = ch.loc[ch["decision"] == "pending", "project_id"].iloc[0]
    db = PlanningDashboard(portfolio, pid)
    assert db.cr.value is not None and not db.cr_apply.disabled
    db.preview_cr()
    assert "Finish:" in db.cr_out.value and "cr-cost" in db.cr_out.value
    assert "preview" in db.gantt_note.value


def test_tracking_panels_follow_the_project(portfolio) -> None:  # type: ignore[no-untyped-def]
    tr = TrackingDashboard(portfolio, "P01")
    _open_every_tab(tr)
    first = (tr.kpis.value, tr.risk_summary.value, json.dumps(tr.scurve.spec), tr.eac_html.value)
    assert "SPI = EV / PV" in tr.kpis.value and "eac-table" in tr.eac_html.value
    assert "IEAC(t)" in tr.es_html.value
    tr.project.value = "P02"
    _open_every_tab(tr)
    second = (tr.kpis.value, tr.risk_summary.value, json.dumps(tr.scurve.spec), tr.eac_html.value)
    assert all(a != b for a, b in zip(first, second, strict=True))
    for w in (tr.kpis, tr.risk_summary, tr.load_html, tr.title):
        assert "pmkit-error" not in w.value, w.value


def _open_every_tab(tr: TrackingDashboard) -> None:
    for i in (1, 2, 0):
        tr.tabs.selected_index = i


def _panels(tr: TrackingDashboard) -> tuple[object, ...]:
    return (
        tr.kpis.value, tr.es_html.value, tr.eac_html.value, tr.scurve.spec,
        tr.risk_summary.value, tr.register.value, tr.heatmap.spec,
        tr.resource.options, tr.load_html.value, tr.load_chart.spec, tr.level_html.value,
    )  # fmt: skip


def test_tracking_tabs_filled_when_opened_show_what_an_eager_page_shows(portfolio) -> None:  # type: ignore[no-untyped-def]
    # a project switch fills only the open tab; the others, filled on their first opening,
    # show exactly what a page opened on that project shows
    tr = TrackingDashboard(portfolio, "P01")
    _open_every_tab(tr)
    tr.project.value = "P02"
    _open_every_tab(tr)
    fresh = TrackingDashboard(portfolio, "P02")
    _open_every_tab(fresh)
    for got, want in zip(_panels(tr), _panels(fresh), strict=True):
        if isinstance(want, dict):  # charts: same marks and rows (dataset names may differ)
            assert sorted(map(str, got.get("datasets", {}).values())) == sorted(
                map(str, want.get("datasets", {}).values())
            )
        else:
            assert got == want


def test_tracking_levelling_and_monte_carlo(portfolio) -> None:  # type: ignore[no-untyped-def]
    tr = TrackingDashboard(portfolio, "P01")
    tr.level()
    assert "levelled-finish" in tr.level_html.value and "Rule:" in tr.level_html.value
    # P01 keeps over-allocation only where started tasks clash: the page says which.
    assert "note(s)" in tr.level_html.value and "R026" in tr.level_html.value
    tr.mc.runs.value = 500
    tables = tr.mc.simulate()
    assert tr.mc.progress.value == 100
    assert list(tables["percentiles"]["percentile"]) == ["P50", "P80", "P90"]
    assert "mc-percentiles" in tr.mc.result_html.value and "criticality" in tr.mc.crit_html.value
    tr.project.value = "P02"
    assert tr.mc.result_html.value == ""  # a result of another network is cleared


def test_evm_at_status_uses_the_last_report(portfolio) -> None:  # type: ignore[no-untyped-def]
    e = evm_at_status(portfolio, "P01")
    assert e.report_date <= portfolio.status_date
    assert len(e.eacs) == 4


def test_app_never_raises_on_bad_input(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from pmkit.io import csv_folder

    monkeypatch.setenv("PMKIT_DATA", str(tmp_path / "missing"))
    # the shared cache is keyed by the data itself, so nothing stale to clear first
    assert not csv_folder.sample_data_path().exists()
    for mod in (planning, tracking):
        w = mod.app()
        assert "pmkit-error" in w.value


def test_a_project_switch_or_what_if_redraws_the_gantt_once(portfolio, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Turning a chart into Vega-Lite is the costly step: the widget resets of a project switch
    # (levels, task, filters) must not each redraw it.
    db = PlanningDashboard(portfolio, "P01")
    calls: list[int] = []
    real = PlanningDashboard._draw_gantt  # every Gantt redraw goes through it
    monkeypatch.setattr(
        PlanningDashboard,
        "_draw_gantt",
        lambda self, *a, **k: (calls.append(1), real(self, *a, **k))[1],
    )
    db.project.value = "P03"
    assert len(calls) == 1
    assert db.pid == "P03" and db.task.value in set(db._tasks()["task_id"])
    calls.clear()
    db.wi_duration.value = db.wi_duration.value + 5
    db.apply_what_if()
    assert len(calls) == 1


def test_planning_pickers_never_show_a_blank_box(portfolio) -> None:  # type: ignore[no-untyped-def]
    ch = portfolio.changes
    pending = set(ch.loc[ch["decision"] == "pending", "project_id"])
    pid = next(p for p in portfolio.project_ids if p not in pending)
    db = PlanningDashboard(portfolio, pid)
    # every dropdown's value is one of its options, so the box shows words, not nothing
    for dd in (db.cr, db.wi_remove, db.wi_add_pred, db.task):
        assert dd.value in [v for _, v in dd.options], dd.description
        assert dict((v, k) for k, v in dd.options)[dd.value].strip()
    assert db.cr_apply.disabled
    assert "no pending change request" in db.cr_out.value
    db.preview_cr()  # pressing anyway explains, never raises
    assert db.scenario() == {}


def test_dates_and_units_read_the_same_everywhere(portfolio) -> None:  # type: ignore[no-untyped-def]
    import re

    db = PlanningDashboard(portfolio, "P01")
    sd = portfolio.status_date.strftime("%d %b %Y")
    assert f"Status date <b>{sd}</b>" in db.summary.value
    assert re.search(r"\d+ calendar days after baseline|on or before baseline", db.summary.value)
    assert "working days" in db.chain.value  # lag and float units are said, not "(d)"
    tr = TrackingDashboard(portfolio, "P03")
    assert f"status date <b>{sd}</b>" in tr.title.value
    assert "-0 " not in tr.es_html.value and "working days" in tr.es_html.value  # SV(t) in wd


def test_tracking_opportunities_are_not_coloured_as_threats(portfolio) -> None:  # type: ignore[no-untyped-def]
    from pmkit.risk import risk_register

    pid = next(
        p
        for p in portfolio.project_ids
        if (risk_register(portfolio, p)["kind"] == "opportunity").any()
    )
    tr = TrackingDashboard(portfolio, pid)
    tr.tabs.selected_index = 1  # the risks tab is filled when opened
    rows = tr.register.value.split("<tr>")[2:]
    opp = [r for r in rows if "Opportunity" in r]
    assert opp and all("pmkit-red" not in r and "pmkit-amber" not in r for r in opp)
    assert any("Threat" in r for r in rows) or not [r for r in rows if "Opportunity" not in r]


def test_tracking_says_when_a_project_has_no_open_risk(portfolio, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    import pandas as pd

    from pmkit.io.csv_folder import load_portfolio

    data = tmp_path / "data"
    shutil.copytree(portfolio.source, data)
    pid = portfolio.project_ids[0]
    risks = pd.read_csv(data / "risks.csv")
    risks[risks["project_id"] != pid].to_csv(data / "risks.csv", index=False)
    tr = TrackingDashboard(load_portfolio(data), pid)
    tr.tabs.selected_index = 1  # the risks tab is filled when opened
    assert "No open threat or opportunity" in tr.register.value
    assert "Could not" not in tr.risk_summary.value + tr.register.value


def test_a_large_plan_opens_collapsed_to_a_level_that_fits() -> None:
    import pandas as pd

    from pmkit.ui.planning import first_level

    levels = pd.Series([1] * 5 + [2] * 40 + [3] * 360)
    assert first_level(levels, max_rows=150) == 2
    assert first_level(levels, max_rows=1000) == 3
    assert first_level(pd.Series([1] * 200), max_rows=150) == 1


def test_tracking_tcpi_units_and_status_date_picker(portfolio) -> None:  # type: ignore[no-untyped-def]
    """Issue 9: no negative TCPI, no identity TCPI(EAC), SV(t) labelled in working days, and
    the "as it stood on" picker re-reads every panel at the earlier date."""
    import datetime as dt

    tr = TrackingDashboard(portfolio, "P05")  # AC > BAC in the sample
    assert "not achievable: BAC already spent" in tr.eac_html.value
    assert "-0." not in tr.eac_html.value
    assert "TCPI to EAC needs a bottom-up" in tr.eac_html.value
    assert "SV(t) = ES − AT (working days)" in tr.es_html.value and " wd" in tr.es_html.value
    assert "calendar days" not in tr.es_html.value
    tr.project.value = "P11"  # finished early: measured at completion, ahead
    assert "measured at completion" in tr.es_html.value and "+3.0 wd" in tr.es_html.value
    tr.project.value = "P01"
    tr.status_date.picker.value = dt.date(2026, 8, 31)
    assert tr.portfolio.status_date == pd.Timestamp("2026-08-31")
    assert "31 Aug 2026" in tr.kpis.value and "30 Oct 2026" not in tr.kpis.value
    assert "as it stood on" in tr.status_date.note.value
    tr.status_date.picker.value = None
    assert tr.portfolio is portfolio


def _slow_gantt(db: PlanningDashboard) -> dict:  # type: ignore[type-arg]
    """The spec the old path sent: the Gantt built and serialised from scratch."""
    from pmkit.charts.gantt import gantt_chart

    chain = [c[0] for c in db.shown.driving_chain(db.task.value)] if db.task.value else []
    chart = gantt_chart(
        db.gantt_table(),
        links=db._links_shown(),
        status_date=db.portfolio.status_date,
        highlight=chain,
    )
    return chart.to_dict()  # type: ignore[no-any-return]


def test_the_gantt_swaps_rows_in_place_and_shows_what_a_full_redraw_shows(portfolio) -> None:  # type: ignore[no-untyped-def]
    # after the first drawing, a project switch, a filter, a what-if or a task pick sends
    # only data to the page; what the page then shows equals a Gantt built from scratch
    db = PlanningDashboard(portfolio, "P01")
    sent: list[object] = []
    db.gantt.observe(lambda ch: sent.append(ch["new"]), names="_py_to_js_updates")
    assert db.gantt.spec == _slow_gantt(db)
    steps = [
        lambda: setattr(db.project, "value", "P05"),
        lambda: setattr(db.critical_only, "value", True),
        lambda: setattr(db.critical_only, "value", False),
        lambda: setattr(db.task, "value", db.task.options[0][1]),
        lambda: setattr(db.level, "value", 1),
        lambda: (setattr(db.wi_duration, "value", db.wi_duration.value + 20), db.apply_what_if()),
        lambda: setattr(db.project, "value", "P01"),  # back to the first project
    ]
    for step in steps:
        before = len(sent)
        step()
        assert db._gantt.last == "data"
        assert len(sent) - before <= 1  # one message per interaction (none if no change)
        assert db.gantt.spec == _slow_gantt(db)
    assert len(sent) >= 3  # project switches, level and what-if each change the rows
    rows = {r["task_id"] for r in db.gantt.spec["datasets"]["gantt_rows"]}
    assert rows == set(db.gantt_table()["task_id"])


def test_the_swap_message_carries_the_new_rows_and_order(portfolio) -> None:  # type: ignore[no-untyped-def]
    db = PlanningDashboard(portfolio, "P01")
    sent: list[list[dict]] = []  # type: ignore[type-arg]
    db.gantt.observe(lambda ch: sent.append(ch["new"]), names="_py_to_js_updates")
    db.project.value = "P03"
    msg = {(u["namespace"], u["name"]): u["value"] for u in sent[-1]}
    want = _slow_gantt(db)
    assert msg[("data", "gantt_rows")] == want["datasets"]["gantt_rows"]
    order = next(p["value"] for p in want["params"] if p["name"] == "gantt_order")
    assert msg[("signal", "gantt_order")] == order
    assert msg[("signal", "height")] == want["height"] == 20 * len(order)
