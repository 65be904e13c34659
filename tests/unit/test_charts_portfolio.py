"""The PMO chart builders: valid Vega-Lite, words beside colours, small payloads."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import pytest
import vl_convert as vlc

from pmkit.charts import portfolio as pc

D = pd.Timestamp


def _spec(chart: alt.TopLevelMixin) -> str:
    return chart.to_json()


def _svg(chart: alt.TopLevelMixin) -> str:
    """Compile and render: proves Vega-Lite accepts the spec (not only that it serialises)."""
    return vlc.vegalite_to_svg(chart.to_dict())


def rag_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dimension": ["Schedule", "Schedule", "Cost", "Cost", "Risk"],
            "status": ["green", "red", "amber", "green", "grey"],
            "count": [3, 1, 2, 2, 4],
        }
    )


def test_rag_colours_match_the_ui_badges() -> None:
    from pmkit.ui._common import STATUS_STYLE

    for status, colour in pc.RAG_COLOURS.items():
        assert STATUS_STYLE[status][0] == colour


def test_rag_summary_labels_every_colour_with_words() -> None:
    chart = pc.rag_summary(rag_frame())
    svg = _svg(chart)
    for word in ("Green", "Amber", "Red", "n/a", "Schedule", "Cost"):
        assert word in svg
    spec = json.loads(_spec(chart))
    colour = spec["layer"][0]["encoding"]["color"]["scale"]
    assert colour["range"][colour["domain"].index("Red")] == pc.RAG_COLOURS["red"]


def test_empty_input_gives_a_message_not_a_blank() -> None:
    empty = rag_frame().iloc[0:0]
    assert "No project matches" in _svg(pc.rag_summary(empty))


def test_missing_column_is_named() -> None:
    with pytest.raises(ValueError, match="count"):
        pc.rag_summary(rag_frame().drop(columns="count"))


def test_capacity_heatmap_shows_load_percent() -> None:
    df = pd.DataFrame(
        {
            "role": ["Dev", "Dev", "QA"],
            "month": ["2026-10", "2026-11", "2026-10"],
            "demand_hours": [200.0, 112.0, 50.0],
            "capacity_hours": [160.0, 160.0, 160.0],
            "utilisation": [1.25, 0.7, 0.3125],
        }
    )
    svg = _svg(pc.capacity_heatmap(df))
    assert ">125<" in svg and ">70<" in svg
    assert "2026-11" in svg


def test_dependency_network_draws_nodes_and_links() -> None:
    nodes = pd.DataFrame(
        {
            "project_id": ["P01", "P02", "P03"],
            "name": ["A", "<b>B</b>", "C"],
            "programme": ["X", "X", "Y"],
            "x": [D("2026-01-01"), D("2026-03-01"), D("2026-05-01")],
            "y": [0, 1, 3],
            "highlight": [False, True, False],
        }
    )
    edges = pd.DataFrame(
        {
            "pred_project": ["P01"],
            "succ_project": ["P03"],
            "x": [D("2026-01-01")],
            "y": [0],
            "x2": [D("2026-05-01")],
            "y2": [3],
            "links": [2],
        }
    )
    chart = pc.dependency_network(nodes, edges)
    svg = _svg(chart)
    assert "P01" in svg and "P03" in svg
    spec = json.loads(_spec(chart))
    assert [lay["mark"]["type"] for lay in spec["layer"]] == ["rule", "rule", "circle", "text"]
    # no links: still a valid chart with the nodes
    assert "P02" in _svg(pc.dependency_network(nodes, edges.iloc[0:0]))


def test_slip_chart_sorted_biggest_first() -> None:
    df = pd.DataFrame(
        {"label": ["P02 · M1", "P03 · Go"], "project_id": ["P02", "P03"], "slip_days": [3.0, 10.0]}
    )
    spec = json.loads(_spec(pc.slip_chart(df)))
    assert spec["layer"][0]["encoding"]["y"]["sort"] == ["P03 · Go", "P02 · M1"]
    assert "absorbed" in _svg(pc.slip_chart(df.iloc[0:0]))


def test_opportunities_are_not_negative_threats() -> None:
    df = pd.DataFrame(
        {
            "programme": ["Alpha", "Alpha", "Beta"],
            "kind": ["threat", "opportunity", "threat"],
            "exposure": [1000.0, 400.0, 50.0],
        }
    )
    chart = pc.exposure_by_programme(df)
    svg = _svg(chart)
    assert "Opportunity (expected gain)" in svg and "Threat (expected loss)" in svg
    spec = json.loads(_spec(chart))
    values = next(iter(spec["datasets"].values()))
    assert all(v["exposure"] >= 0 for v in values)
    scale = spec["encoding"]["color"]["scale"]
    assert scale["range"][0] != scale["range"][1]

    heat = pd.DataFrame(
        {
            "project": ["P01", "P01", "P02"],
            "category": ["technical", "market", "technical"],
            "kind": ["threat", "opportunity", "threat"],
            "exposure": [100.0, 50.0, 10.0],
            "count": [2, 1, 1],
        }
    )
    hspec = json.loads(_spec(pc.risk_heatmap(heat)))
    assert len(hspec["hconcat"]) == 2
    assert "Opportunities: expected gain" in _svg(pc.risk_heatmap(heat))


def test_compliance_trend_mta_accuracy_render() -> None:
    comp = pd.DataFrame(
        {
            "project": ["P01", "P02"],
            "score": [50.0, 100.0],
            "state": ["blocked", "compliant"],
            "missing": ["G2: risk register", ""],
        }
    )
    assert "Blocked" in _svg(pc.compliance_bars(comp))
    dates = [D("2026-08-31"), D("2026-09-30"), D("2026-10-30")]
    trend = pd.DataFrame(
        {
            "series": ["P01"] * 6,
            "report_date": dates * 2,
            "metric": ["SPI"] * 3 + ["CPI"] * 3,
            "value": [1.0, 0.95, 0.9, 1.02, 1.0, 0.97],
        }
    )
    svg = _svg(pc.trend_lines(trend))
    assert "SPI" in svg and "CPI" in svg
    mta = pd.DataFrame(
        {
            "milestone": ["P01 · Go-live"] * 3,
            "report_date": dates,
            "forecast_date": [D("2026-12-01"), D("2026-12-10"), D("2027-01-05")],
        }
    )
    assert "Go-live" in _svg(pc.milestone_trend(mta))
    acc = pd.DataFrame({"series": ["P01"] * 3, "report_date": dates, "error_days": [-20, -10, 0]})
    assert "Forecast error" in _svg(pc.forecast_accuracy(acc))
    for empty in (
        pc.compliance_bars(comp.iloc[0:0]),
        pc.trend_lines(trend.iloc[0:0]),
        pc.milestone_trend(mta.iloc[0:0]),
        pc.forecast_accuracy(acc.iloc[0:0]),
    ):
        assert _svg(empty)


def test_dates_are_sent_as_short_strings() -> None:
    dates = [D("2026-08-31"), D("2026-09-30")]
    mta = pd.DataFrame({"milestone": ["M"] * 2, "report_date": dates, "forecast_date": dates})
    assert "2026-09-30T" not in _spec(pc.milestone_trend(mta))
