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


def test_a_redraw_from_parts_equals_the_chart_built_from_scratch() -> None:
    """#12 s7: the tab redraws the frontier and the timeline by re-filling the spec shown with
    new named datasets (no altair chart built); that spec equals the chart built from scratch
    for the new rows, and the rows are altair's own conversion of the table drawn."""
    import altair as alt

    from pmkit.charts.parts import respec
    from pmkit.charts.prioritise import FRONTIER, frontier_parts, timeline_parts

    def pts(scale: float) -> pd.DataFrame:
        return pd.DataFrame(
            {"budget": [0.0, 10.0, 20.0], "value": [0.0, 40.0 * scale, 55.0], "n_chosen": [0, 1, 2]}
        )

    def marks(v: float) -> pd.DataFrame:
        return pd.DataFrame({"label": list(MARK_COLOURS), "cost": [25.0, 20.0], "value": [70.0, v]})

    shown = frontier_chart(pts(1.0), marks(90.0), currency="USD").to_dict()
    new = frontier_chart(pts(0.5), marks(60.0), currency="USD").to_dict()
    assert respec(shown, frontier_parts(pts(0.5), marks(60.0))) == new
    assert new["datasets"][FRONTIER] == alt.utils.data.to_values(pts(0.5))["values"]

    def rows(n: int, cut: int) -> pd.DataFrame:
        day = pd.Timestamp("2027-01-01")
        return pd.DataFrame(
            {
                "project": [f"P{i}" for i in range(n)],
                "planned_start": [day + pd.DateOffset(months=i) for i in range(n)],
                "planned_finish": [day + pd.DateOffset(months=i + 3) for i in range(n)],
                "new_start": [day + pd.DateOffset(months=i + 1) for i in range(n)],
                "new_finish": [day + pd.DateOffset(months=i + 4) for i in range(n)],
                "status": ["cut" if i == cut else "delayed 1 month" for i in range(n)],
            }
        )

    shown = selection_timeline(rows(3, 0)).to_dict()
    new = selection_timeline(rows(5, 2)).to_dict()
    assert respec(shown, timeline_parts(rows(5, 2))) == new
    assert new["height"] == 130  # 26 px per project, at least 120
    # by hand: 5 projects, each planned + optimised except the cut one (P2)
    got = [(v["project"], v["when"]) for v in next(iter(new["datasets"].values()))]
    assert len(got) == 9 and ("P2", "Optimised") not in got and got[4] == ("P2", "Planned")
