"""Glance, tracking and lessons redraw by swapping data; the page ends as a full redraw would.

Each split chart (``*_parts`` + the chart built from them) is checked two ways: the spec of one
table re-filled with another table's parts (:func:`pmkit.charts.parts.respec`) equals the chart
built from scratch on that other table; and on the dashboards, after each interaction, the
spec the page is left showing equals a chart built from scratch from the engines' tables.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from _fake_page import fake_page  # noqa: F401  (a page that embeds each chart)

from pmkit.cache import load_sample
from pmkit.charts.curves import s_curve_chart, s_curve_parts
from pmkit.charts.heatmaps import (
    resource_load_chart,
    resource_load_parts,
    risk_heatmap_chart,
    risk_heatmap_parts,
)
from pmkit.charts.overview import portfolio_timeline, timeline_parts
from pmkit.charts.parts import respec

pytestmark = pytest.mark.usefixtures("fake_page")


@pytest.fixture(scope="module")
def portfolio():
    return load_sample()


def _sent(widget: Any) -> list[Any]:
    out: list[Any] = []
    widget.observe(lambda ch: out.append(ch["new"]), names="_py_to_js_updates")
    return out


# ----------------------------------------------------------------------------- pure charts
def _timeline(n: int, shift: int) -> pd.DataFrame:
    start = pd.Timestamp("2026-01-05") + pd.Timedelta(days=shift)
    return pd.DataFrame(
        {
            "label": [f"P{i} <b>x</b>" for i in range(n)],
            "programme": ["A", "B"] * (n // 2) + ["A"] * (n % 2),
            "start": [start + pd.Timedelta(days=9 * i) for i in range(n)],
            "finish_baseline": [start + pd.Timedelta(days=100 + i) for i in range(n)],
            "forecast_finish": [start + pd.Timedelta(days=110 + 3 * i) for i in range(n)],
            "rag": (["green", "amber", "red", None] * n)[:n],
        }
    )


def test_timeline_respec_equals_a_chart_built_from_scratch() -> None:
    sd = pd.Timestamp("2026-03-02")
    small, large = _timeline(2, 0), _timeline(9, 30)
    shown = portfolio_timeline(small, status_date=sd).to_dict()
    want = portfolio_timeline(large, status_date=sd).to_dict()
    got = respec(shown, timeline_parts(large, status_date=sd))
    assert got == want
    assert got["height"] == 22 * 9  # 22 px a row, at least 120
    assert respec(want, timeline_parts(small, status_date=sd))["height"] == 120
    # a spec without a status date cannot take parts with one: the caller builds anew
    with pytest.raises(ValueError):
        respec(portfolio_timeline(small).to_dict(), timeline_parts(large, status_date=sd))


def _curve(scale: float, n: int) -> pd.DataFrame:
    dates = pd.date_range("2026-01-04", periods=n, freq="W")
    return pd.concat(
        [
            pd.DataFrame({"date": dates, "series": "PV", "value": scale * pd.Series(range(n))}),
            pd.DataFrame({"date": dates[:2], "series": "EV", "value": [0.0, scale * 0.8]}),
            pd.DataFrame({"date": dates[:2], "series": "AC", "value": [0.0, scale * 0.9]}),
        ]
    )


@pytest.mark.parametrize("eac", [None, 57.0])
def test_s_curve_respec_equals_a_chart_built_from_scratch(eac: float | None) -> None:
    a = dict(status_date=pd.Timestamp("2026-01-18"), bac=40.0, eac=48.0)
    b = dict(status_date=pd.Timestamp("2026-02-01"), bac=50.0, eac=eac)
    shown = s_curve_chart(_curve(10, 5), **a).to_dict()
    want = s_curve_chart(_curve(12, 7), **b).to_dict()
    assert respec(shown, s_curve_parts(_curve(12, 7), **b)) == want
    # the reference lines are rows: the ones present, with their own colours
    ys = want["datasets"]["scurve_yrules"]
    assert [r["label"] for r in ys] == (["BAC"] if eac is None else ["BAC", "EAC"])
    assert ys[0]["at"] == 50.0 and ys[0]["colour"] == "#0072B2"
    assert [r["label"] for r in want["datasets"]["scurve_xrules"]] == ["Status date"]


def test_heatmap_and_load_respec_equal_charts_built_from_scratch() -> None:
    from pmkit.risk import heatmap_grid, score_risks

    def grid(n: int) -> pd.DataFrame:
        risks = pd.DataFrame(
            {
                "risk_id": [f"R{i}" for i in range(n)],
                "kind": (["threat", "opportunity"] * n)[:n],
                "probability": [0.1 + 0.2 * (i % 4) for i in range(n)],
                "cost_impact": [1e4 * (i + 1) for i in range(n)],
                "schedule_impact_days": [3.0 * i for i in range(n)],
            }
        )
        return heatmap_grid(score_risks(risks, budget=1e6))

    shown = risk_heatmap_chart(grid(1)).to_dict()
    assert respec(shown, risk_heatmap_parts(grid(5))) == risk_heatmap_chart(grid(5)).to_dict()

    def load(hours: list[float]) -> pd.DataFrame:
        weeks = pd.date_range("2026-01-05", periods=len(hours), freq="W-MON")
        return pd.DataFrame({"week": weeks, "load_hours": hours, "capacity_hours": 40.0})

    shown = resource_load_chart(load([30, 50]), title="R1: load as scheduled").to_dict()
    parts = resource_load_parts(load([45, 20, 41]), title="R2: load after levelling")
    want = resource_load_chart(load([45, 20, 41]), title="R2: load after levelling").to_dict()
    assert respec(shown, parts) == want
    assert {"name": "load_title", "value": "R2: load after levelling"} in want["params"]
    over = [
        r["week"][:10] for r in want["datasets"]["load_weeks"] if r["status"] != "Within capacity"
    ]
    assert over == ["2026-01-05", "2026-01-19"]  # 45 > 40 and 41 > 40 hours


# ----------------------------------------------------------------------------- dashboards
def test_glance_filters_swap_rows_and_show_what_a_full_redraw_shows(portfolio) -> None:
    from pmkit import cache
    from pmkit.portfolio.rollup import filter_rollup
    from pmkit.ui import glance

    page = glance.build(portfolio)
    programme, phase, rag = page.children[1].children
    chart = page.children[-1]
    sent = _sent(chart)
    roll = cache.rollup(portfolio)

    def slow() -> dict[str, Any]:
        def value(w: Any) -> Any:
            return None if w.value == glance.ANY else w.value

        shown = filter_rollup(roll, programme=value(programme), phase=value(phase), rag=value(rag))
        shown = glance.page_rows(shown)  # the page draws at most a page of projects
        table = glance.timeline_table(shown, portfolio.projects)
        return portfolio_timeline(table, status_date=portfolio.status_date).to_dict()

    assert chart.spec == slow()
    for w, value in ((programme, programme.options[1]), (rag, "red"), (rag, glance.ANY),
                     (programme, glance.ANY)):  # fmt: skip
        before = len(sent)
        w.value = value
        assert len(sent) - before <= 1  # one message per filter change, no new spec
        assert chart.spec == slow()
    assert len(sent) >= 3
    # no project matches: a message chart (a new spec), then the timeline again
    phase.value, rag.value = phase.options[1], "green"
    while chart.spec.get("datasets", {}).get("timeline_rows"):
        phase.value = phase.options[phase.options.index(phase.value) + 1]
    rag.value = glance.ANY
    assert chart.spec == slow()


def test_tracking_charts_refilled_show_what_a_full_redraw_shows(portfolio) -> None:
    from pmkit.evm import evm_at_status
    from pmkit.risk import project_risks
    from pmkit.schedule.leveling import resource_load
    from pmkit.ui.tracking import TrackingDashboard

    tr = TrackingDashboard(portfolio, "P01")

    def slow_curve() -> dict[str, Any]:
        e = evm_at_status(portfolio, tr.pid)
        return s_curve_chart(
            e.curve,
            status_date=portfolio.status_date,
            bac=float(portfolio.project(tr.pid).info["budget"]),
            eac=None if e.metrics is None else e.metrics.eac,
            currency=portfolio.currency,
        ).to_dict()

    def slow_load(table: pd.DataFrame, when: str) -> dict[str, Any]:
        rid = tr.resource.value
        mine = table[table["resource_id"] == rid]
        weekly = pd.DataFrame({"week": mine["period_start"], "load_hours": mine["load_hours"],
                               "capacity_hours": mine["capacity_hours"],
                               "over": mine["overallocated"]})  # fmt: skip
        return resource_load_chart(weekly, title=f"{rid}: load {when}").to_dict()

    for pid in ("P02", "P03", "P01"):
        tr.project.value = pid
        assert tr.scurve.spec == slow_curve()
        assert tr._scurve.last == "data"  # swapped in place (the page has embedded it)
        tr.tabs.selected_index = 1
        want = risk_heatmap_chart(project_risks(portfolio, pid).grid).to_dict()
        assert tr.heatmap.spec == want and tr._heatmap.last == "data"
        tr.tabs.selected_index = 2
        load = resource_load(portfolio, tr.schedule, pid, freq="W")
        assert tr.load_chart.spec == slow_load(load, "as scheduled")
        assert tr._load_chart.last == "data"
        if len(tr.resource.options) > 1:
            tr.resource.value = tr.resource.options[1][1]
            assert tr.load_chart.spec == slow_load(load, "as scheduled")
        tr.tabs.selected_index = 0
    tr.tabs.selected_index = 2
    tr.level()
    assert tr.levelled_load is not None
    assert tr.load_chart.spec == slow_load(tr.levelled_load, "after levelling")


def test_tracking_precomputed_switches_compute_nothing_and_show_each_projects_numbers(
    portfolio, monkeypatch
) -> None:
    from pmkit.evm import evm_at_status
    from pmkit.ui import tracking
    from pmkit.ui.tracking import TrackingDashboard

    tr = TrackingDashboard(portfolio, "P01", precompute=True)
    pids = [str(v) for _, v in tr.project.options]

    def no_work(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("a project switch computed earned value")

    monkeypatch.setattr(tracking, "evm_at_status", no_work)
    shown = {}
    for pid in [*pids[1:], pids[0]]:
        tr.project.value = pid
        assert "pmkit-error" not in tr.title.value + tr.kpis.value
        shown[pid] = (tr.scurve.spec, tr.kpis.value, tr.es_html.value, tr.eac_html.value)
    monkeypatch.undo()
    # each project's page equals a dashboard opened on it from scratch (no shared cache)
    for pid in pids[:4]:
        tracking._SHARED.clear()
        fresh = TrackingDashboard(portfolio, pid)
        want = (fresh.scurve.spec, fresh.kpis.value, fresh.es_html.value, fresh.eac_html.value)
        assert shown[pid] == want, pid
    # and the S-curve is the chart built from the engine's numbers
    e = evm_at_status(portfolio, pids[1])
    bac = float(portfolio.project(pids[1]).info["budget"])
    eac = None if e.metrics is None else e.metrics.eac
    built = s_curve_chart(e.curve, status_date=portfolio.status_date, bac=bac, eac=eac)
    assert shown[pids[1]][0] == built.to_dict()


def test_tracking_precompute_is_bounded_and_never_raises(portfolio, monkeypatch) -> None:
    from pmkit.ui import tracking
    from pmkit.ui.tracking import TrackingDashboard

    tracking._SHARED.clear()
    tr = TrackingDashboard(portfolio, "P01")
    computed = set(tracking._views(portfolio))
    tr.precompute(at_most=2)  # more projects than that: left to compute on demand
    assert set(tracking._views(portfolio)) == computed

    def broken(_p: Any, pid: str) -> Any:
        raise ValueError(f"bad numbers for {pid}")

    monkeypatch.setattr(tracking, "evm_at_status", broken)
    tracking._SHARED.clear()
    tr.precompute()  # logs, never raises
    assert not tracking._views(portfolio)
    tr.project.value = "P03"  # the pick shows the reason
    assert "bad numbers for P03" in tr.kpis.value + tr.title.value


def test_lessons_precomputed_clicks_only_swap_and_show_each_lessons_chart(
    portfolio, monkeypatch
) -> None:
    from pmkit.training.demos import run_demo
    from pmkit.ui import lessons
    from pmkit.ui.lessons import LessonsApp, Translator, lens_spec

    app = LessonsApp(portfolio, lang="en", precompute=True)

    def no_work(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("a click computed a demo or built a chart")

    monkeypatch.setattr(lessons, "run_demo", no_work)
    monkeypatch.setattr(lessons, "lens_chart", no_work)
    for lang in ("en", "es"):  # every lesson in both languages: no demo, no altair chart
        app.lang.value = lang
        for lesson in app.content.lessons:
            app.lesson.value = lesson.id
            assert "pmkit-error" not in app.message.value
    monkeypatch.undo()
    # what the page shows equals each lesson computed from scratch (no cache)
    tr = Translator(app.content, "es")
    for lesson in app.content.lessons:
        app.lesson.value = lesson.id
        demo = run_demo(lesson.demo, portfolio, str(app.project.value))
        for panel, lens in ((app.pm, demo.pm), (app.pmo, demo.pmo)):
            chart = lens_spec(lens, tr)  # what the page gets (its picture: tested)
            if chart is None:
                assert panel.chart is None
            else:
                assert panel.chart is not None and panel.chart.spec == chart


def test_a_lesson_whose_demo_fails_on_the_data_leaves_the_precomputed_page_standing(
    portfolio, monkeypatch
) -> None:
    """Bad data for one lesson (e.g. a score naming an unknown driver) must not take the whole
    preheated page down: that lesson's click shows the reason, the others work."""
    from pmkit.errors import PmkitError
    from pmkit.ui import lessons
    from pmkit.ui.lessons import LessonsApp

    real = lessons.run_demo
    last = lessons.load_content().lessons[-1]

    def broken(demo_id: str, *args: Any, **kwargs: Any) -> Any:
        if demo_id == last.demo:
            raise PmkitError("project_scores.csv:2, field 'driver': unknown driver")
        return real(demo_id, *args, **kwargs)

    monkeypatch.setattr(lessons, "run_demo", broken)
    monkeypatch.setattr(lessons, "_SHARED", {})  # nothing kept from an earlier page
    # nor panels another kernel computed and shared (this data's demos all work there)
    monkeypatch.setattr(lessons, "_share", lambda _p, _name, compute: compute())
    monkeypatch.setattr(LessonsApp, "_take_shared", lambda _self, _name: False)
    app = LessonsApp(portfolio, lang="en", precompute=True)
    first = app.content.lessons[0]
    app.lesson.value = last.id
    assert "unknown driver" in app.message.value and "pmkit-error" in app.message.value
    app.lesson.value = first.id
    assert "pmkit-error" not in app.message.value
    assert app.pm.chart is not None or app.pmo.chart is not None or app.pm.metrics.value
