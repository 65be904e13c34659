"""The optimiser's charts are pure functions of small tables (labels drawn, payload small)."""

from __future__ import annotations

import json

import pandas as pd

from pmkit.charts.prioritise import MARK_COLOURS, frontier_chart, selection_timeline


def test_frontier_draws_points_and_labelled_marks_only_with_drawn_columns() -> None:
    pts = pd.DataFrame(
        {
            "budget": [0.0, 10.0, 20.0, 30.0],
            "value": [0.0, 50.0, float("nan"), 90.0],
            "n_chosen": [0, 1, 0, 2],
            "chosen": ["", "P1", "", "P1, P2"],  # not drawn: must not be embedded
        }
    )
    marks = pd.DataFrame({"label": list(MARK_COLOURS), "cost": [25.0, 20.0], "value": [70.0, 90.0]})
    spec = json.dumps(frontier_chart(pts, marks).to_dict())
    assert "Current plan" in spec and "Chosen portfolio" in spec
    assert "P1, P2" not in spec
    assert "#D55E00" in spec and "#0072B2" in spec


def test_timeline_shows_planned_and_optimised_bars() -> None:
    df = pd.DataFrame(
        {
            "project": ["A", "B"],
            "planned_start": pd.to_datetime(["2027-01-01", "2027-02-01"]),
            "planned_finish": pd.to_datetime(["2027-03-01", "2027-05-01"]),
            "new_start": pd.to_datetime(["2027-01-01", "2027-04-01"]),
            "new_finish": pd.to_datetime(["2027-03-01", "2027-07-01"]),
            "status": ["go (on plan)", "cut"],
        }
    )
    spec = selection_timeline(df).to_dict()
    values = next(iter(spec["datasets"].values()))
    # A: planned + optimised; B is cut: planned only
    assert [(v["project"], v["when"]) for v in values] == [
        ("A", "Planned"),
        ("A", "Optimised"),
        ("B", "Planned"),
    ]
    assert "No project chosen" in json.dumps(selection_timeline(df.iloc[:0]).to_dict())
