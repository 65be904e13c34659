"""PM-lens charts are pure: small tables in, Vega-Lite specs out; check what they encode."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest
from portfolio_fixtures import make_portfolio, project, task

from pmkit.charts.curves import cdf_chart, finish_histogram_chart, s_curve_chart, tornado_chart
from pmkit.charts.gantt import (
    GANTT_COLOURS,
    gantt_chart,
    gantt_every_row,
    gantt_redate,
    gantt_rows,
    wbs_key,
)
from pmkit.charts.heatmaps import resource_load_chart, risk_heatmap_chart
from pmkit.errors import PmkitError
from pmkit.schedule.portfolio_adapter import schedule_project


def _tasks() -> pd.DataFrame:
    d = pd.to_datetime
    return pd.DataFrame(
        {
            "task_id": ["A", "B", "C", "D", "E"],
            "project_id": "P1",
            "wbs": ["1", "1.1", "1.10", "1.2", "2"],
            "name": ["Phase <b>1</b>", "Design", "Review", "Build", "Go-live"],
            "outline_level": [1, 2, 2, 2, 1],
            "is_summary": [True, False, False, False, False],
            "is_milestone": [False, False, False, False, True],
            "duration_days": [0, 10, 5, 10, 0.0],
            "percent_complete": [0, 100, 0, 40, 0.0],
            "baseline_start": d(
                ["2026-01-05", "2026-01-05", "2026-02-02", "2026-01-19", "2026-02-09"]
            ),
            "baseline_finish": d(
                ["2026-02-06", "2026-01-16", "2026-02-06", "2026-01-30", "2026-02-09"]
            ),
        }
    )


def _schedule() -> pd.DataFrame:
    d = pd.to_datetime
    return pd.DataFrame(
        {
            "uid": ["B", "C", "D", "E"],
            "start": d(["2026-01-05", "2026-02-09", "2026-01-19", "2026-02-16"]),
            "finish": d(["2026-01-16", "2026-02-13", "2026-02-06", "2026-02-16"]),
            "total_slack_min": [0, 960, 0, 0],
            "critical": [True, False, True, True],
        }
    )


LINKS = pd.DataFrame(
    {
        "pred_id": ["B", "D", "C"],
        "succ_id": ["D", "E", "E"],
        "type": ["FS", "FS", "FF"],
        "lag_days": 0.0,
    }
)


def _layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec.get("layer", [])


def _data(spec: dict[str, Any], layer: dict[str, Any]) -> list[dict[str, Any]]:
    name = (layer.get("data") or spec.get("data") or {}).get("name")
    return spec["datasets"][name]


def test_wbs_order_is_numeric_and_summaries_roll_up() -> None:
    rows = gantt_rows(_tasks(), _schedule(), minutes_per_day=480.0)
    assert rows["wbs"].tolist() == ["1", "1.1", "1.2", "1.10", "2"]
    assert wbs_key("1.10") > wbs_key("1.9")
    summ = rows.set_index("task_id").loc["A"]
    assert summ["kind"] == "summary"
    assert summ["start"] == pd.Timestamp("2026-01-05") and summ["finish"] == pd.Timestamp(
        "2026-02-13"
    )
    assert rows.set_index("task_id").loc["C", "float_days"] == 2.0


def test_filters_keep_readable_subsets() -> None:
    assert gantt_rows(_tasks(), _schedule(), max_level=1, minutes_per_day=480.0)[
        "task_id"
    ].tolist() == ["A", "E"]
    crit = gantt_rows(_tasks(), _schedule(), critical_only=True, minutes_per_day=480.0)[
        "task_id"
    ].tolist()
    assert crit == ["A", "B", "D", "E"]  # C has float; its summary A stays as context
    assert (
        "B"
        not in gantt_rows(_tasks(), _schedule(), collapsed=["1"], minutes_per_day=480.0)[
            "task_id"
        ].tolist()
    )


def test_gantt_marks_critical_milestones_baseline_status_and_links() -> None:
    rows = gantt_rows(_tasks(), _schedule(), minutes_per_day=480.0)
    spec = gantt_chart(rows, links=LINKS, status_date="2026-01-28", highlight=["D"]).to_dict()
    layers = _layers(spec)
    marks = [ly["mark"]["type"] if isinstance(ly["mark"], dict) else ly["mark"] for ly in layers]
    assert "line" in marks  # dependency lines
    diamonds = [
        ly for ly in layers if isinstance(ly["mark"], dict) and ly["mark"].get("shape") == "diamond"
    ]
    assert diamonds, "milestones are diamonds"
    colour = next(
        ly["encoding"]["color"]
        for ly in layers
        if "color" in ly.get("encoding", {}) and "scale" in ly["encoding"]["color"]
    )
    assert colour["scale"]["domain"] == list(GANTT_COLOURS)
    assert "Critical path" in colour["scale"]["domain"]  # a legend label, not colour alone
    data = _data(spec, layers[1])
    crit = {r["task_id"]: r["legend"] for r in data}
    assert crit["B"] == "Critical path" and crit["C"] == "Has float" and crit["A"] == "Summary"
    rules = [
        ly
        for ly in layers
        if (ly["mark"] if isinstance(ly["mark"], str) else ly["mark"]["type"]) == "rule"
    ]
    assert rules and _data(spec, rules[0])[0]["date"].startswith("2026-01-28")
    paths = _data(
        spec,
        next(
            ly
            for ly in layers
            if (ly["mark"]["type"] if isinstance(ly["mark"], dict) else ly["mark"]) == "line"
        ),
    )
    assert len(paths) == 3 * 3  # three elbow points per link
    assert spec["height"] == 20 * len(rows)


def test_html_in_names_stays_data() -> None:
    spec = gantt_chart(gantt_rows(_tasks(), _schedule(), minutes_per_day=480.0)).to_dict()
    text = json.dumps(spec)
    assert "Phase <b>1</b>" in text  # the raw text travels as a value; Vega draws it as text
    assert "<b>1</b>" not in json.dumps(spec.get("encoding", {}))


def test_s_curve_has_three_series_and_reference_lines() -> None:
    dates = pd.date_range("2026-01-04", periods=5, freq="W")
    curve = pd.concat(
        [
            pd.DataFrame({"date": dates, "series": "PV", "value": [0, 10, 20, 30, 40.0]}),
            pd.DataFrame({"date": dates[:3], "series": "EV", "value": [0, 8, 15.0]}),
            pd.DataFrame({"date": dates[:3], "series": "AC", "value": [0, 9, 18.0]}),
        ]
    )
    spec = s_curve_chart(curve, status_date=dates[2], bac=40, eac=48).to_dict()
    line = spec["layer"][0]
    assert line["encoding"]["color"]["scale"]["domain"][0].startswith("PV")
    assert "strokeDash" in line["encoding"]  # dash pattern, not colour alone
    texts = [r["label"] for ly in spec["layer"][1:] for r in _data(spec, ly)]
    assert {"Status date", "BAC", "EAC"} <= set(texts)


def test_monte_carlo_charts_mark_percentiles() -> None:
    hist = pd.DataFrame(
        {"bin_start": pd.date_range("2026-06-01", periods=4, freq="7D"), "count": [1, 5, 3, 1]}
    )
    hist["bin_end"] = hist["bin_start"] + pd.Timedelta(days=7)
    p = {"P50": "2026-06-10", "P80": "2026-06-20", "P90": "2026-06-24"}
    spec = finish_histogram_chart(hist, p, deterministic="2026-06-03").to_dict()
    labels = [r["label"] for ly in spec["layer"][1:] for r in _data(spec, ly)]
    assert {"P50", "P80", "P90", "Plan"} <= set(labels)
    cdf = pd.DataFrame({"finish": hist["bin_end"], "probability": [0.1, 0.6, 0.9, 1.0]})
    assert cdf_chart(cdf, p).to_dict()["layer"][0]["mark"]["interpolate"] == "step-after"


def test_tornado_sorted_by_absolute_size_and_signed() -> None:
    sens = pd.DataFrame({"label": ["a", "b", "c"], "value": [0.2, -0.7, 0.5]})
    spec = tornado_chart(sens, top=2).to_dict()
    assert spec["encoding"]["y"]["sort"] == ["b", "c"]
    assert {r["direction"] for r in _data(spec, spec)} == {
        "Longer task, later finish",
        "Longer task, earlier finish",
    }


def test_risk_matrix_separates_threats_and_opportunities() -> None:
    from pmkit.risk import heatmap_grid, score_risks

    risks = pd.DataFrame(
        {
            "risk_id": ["R1", "R2", "R3"],
            "kind": ["threat", "threat", "opportunity"],
            "probability": [0.8, 0.8, 0.5],
            "cost_impact": [5e4, 5e4, 2e4],
            "schedule_impact_days": [10, 10, 3.0],
        }
    )
    spec = risk_heatmap_chart(heatmap_grid(score_risks(risks, budget=1e6))).to_dict()
    left, right = spec["hconcat"]
    assert left["title"].startswith("Threats") and right["title"].startswith("Opportunities")
    counts = {r["n"] for r in _data(spec, left)}
    assert 2 in counts  # the two identical threats share a cell
    assert (
        left["layer"][0]["encoding"]["color"]["scale"]["range"]
        != right["layer"][0]["encoding"]["color"]["scale"]["range"]
    )


def test_resource_load_marks_overallocated_weeks() -> None:
    load = pd.DataFrame(
        {
            "week": pd.date_range("2026-01-05", periods=3, freq="W-MON"),
            "load_hours": [30, 50, 40.0],
            "capacity_hours": 40.0,
        }
    )
    spec = resource_load_chart(load).to_dict()
    bars = _data(spec, spec["layer"][0])
    assert [r["status"] for r in bars] == ["Within capacity", "Over-allocated", "Within capacity"]
    assert "Over-allocated" in spec["layer"][0]["encoding"]["color"]["scale"]["domain"]


def test_date_axes_show_months_once_with_the_year() -> None:
    # "%b %y" ticks every two weeks printed "Oct 26" twice and read as the 26th of October
    from pmkit.charts import portfolio as pc

    rows = gantt_rows(_tasks())
    gantt = gantt_chart(rows, status_date="2026-10-30").to_dict()
    spec = json.dumps(gantt)
    assert '"format": "%b %Y"' in spec and '"tickCount": {"expr": "gantt_ticks"}' in spec
    assert {"name": "gantt_ticks", "value": "month"} in gantt["params"]
    dates = pd.to_datetime(["2026-06-01", "2026-07-01", "2026-08-01"])
    trend = pd.DataFrame(
        {"series": ["P01"] * 3, "metric": ["SPI"] * 3, "report_date": dates, "value": [1.0] * 3}
    )
    for chart in (pc.trend_lines(trend),):
        text = json.dumps(chart.to_dict())
        assert "%b %y" not in text and "%Y-%m-%d" not in text


def test_portfolio_timeline_labels_the_status_date_line() -> None:
    from pmkit.charts.overview import portfolio_timeline

    d = pd.to_datetime
    table = pd.DataFrame(
        {
            "label": ["A"],
            "programme": ["X"],
            "start": d(["2026-01-05"]),
            "finish_baseline": d(["2026-12-01"]),
            "forecast_finish": d(["2027-01-10"]),
            "rag": ["red"],
        }
    )
    spec = json.dumps(portfolio_timeline(table, status_date=pd.Timestamp("2026-10-30")).to_dict())
    assert "Status date 30 Oct 2026" in spec


def test_gantt_ticks_adapt_to_the_plan_span() -> None:
    import pandas as pd

    from pmkit.charts.gantt import _tick_interval

    def span(days: int) -> pd.DataFrame:
        start = pd.Timestamp("2026-01-05")
        return pd.DataFrame({"start": [start], "finish": [start + pd.Timedelta(days=days)]})

    assert _tick_interval(span(300)) == "month"
    assert _tick_interval(span(1500)).to_dict() == {"interval": "month", "step": 3}
    assert _tick_interval(span(3650)) == "year"


def test_link_elbows_start_and_end_where_each_link_type_says() -> None:
    # by hand, from the dates above: FS = pred finish -> succ start, SS = start -> start,
    # FF = finish -> finish, SF = pred start -> succ finish; red only when both ends critical
    from pmkit.charts.gantt import gantt_parts

    rows = gantt_rows(_tasks(), _schedule(), minutes_per_day=480.0)
    links = pd.DataFrame(
        {
            "pred_id": ["B", "D", "C", "B", "X"],
            "succ_id": ["D", "C", "E", "C", "B"],  # X is not shown: no elbow
            "type": ["FS", "SS", "FF", "SF", "FS"],
            "lag_days": 0.0,
        }
    )
    label = dict(zip(rows["task_id"], rows["label"], strict=True))
    want = [
        ("B", "D", "2026-01-16", "2026-01-19", True),
        ("D", "C", "2026-01-19", "2026-02-09", False),
        ("C", "E", "2026-02-13", "2026-02-16", False),
        ("B", "C", "2026-01-05", "2026-02-13", False),
    ]
    got = gantt_parts(rows, links=links)["datasets"]["gantt_links"]
    assert len(got) == 3 * len(want)
    for k, (p, s, x1, x2, crit) in enumerate(want):
        pts = [(r["x"][:10], r["label"], r["critical"]) for r in got if r["link"] == k]
        assert [r["step"] for r in got if r["link"] == k] == [0, 1, 2]
        assert pts == [(x1, label[p], crit), (x1, label[s], crit), (x2, label[s], crit)]


def test_gantt_float_is_in_days_of_the_projects_own_calendar() -> None:
    """A 7.5 h calendar (450 working minutes a day): task B has 3 days of float (5-day A and
    2-day B both lead to milestone E), which is 1,350 minutes. In days of that calendar it is
    3.0; the old 480-minute default showed 2.8. A bare task table with float and no calendar
    is refused rather than guessed."""
    cal = [{"calendar_id": "H75", "name": "7.5 h", "working_days": "Mon,Tue,Wed,Thu,Fri",
            "periods": "08:00-12:00,13:00-16:30", "hours_per_day": 7.5}]  # fmt: skip
    tasks = [
        task("P1-A", "P1", wbs="1", duration_days=5.0),
        task("P1-B", "P1", wbs="2", duration_days=2.0),
        task("P1-E", "P1", wbs="3", duration_days=0.0, is_milestone=True),
    ]
    links = [
        {"pred_id": p, "succ_id": "P1-E", "type": "FS", "lag_days": 0.0} for p in ("P1-A", "P1-B")
    ]
    pf = make_portfolio(
        projects=[project("P1", start="2026-01-05", calendar_id="H75")],
        tasks=tasks,
        links=links,
        calendars=cal,
    )
    sched = schedule_project(pf, "P1")
    assert sched.calendar.minutes_per_day == 450.0
    slack = sched.tasks.set_index("uid")["total_slack_min"]
    assert slack["P1-B"] == 3 * 450
    rows = gantt_rows(pf.tasks, sched).set_index("task_id")
    assert rows.at["P1-B", "float_days"] == 3.0 and rows.at["P1-A", "float_days"] == 0.0
    every = gantt_every_row(pf.tasks, sched)
    pd.testing.assert_frame_equal(gantt_redate(every, sched), every)  # the what-if path too
    assert gantt_rows(pf.tasks, sched.tasks, minutes_per_day=450.0).equals(
        gantt_rows(pf.tasks, sched)
    )
    with pytest.raises(PmkitError, match="minutes of a day") as err:
        gantt_rows(pf.tasks, sched.tasks)
    assert err.value.field == "minutes_per_day"
    assert gantt_rows(pf.tasks)["float_days"].isna().all()  # never scheduled: no float, no need
