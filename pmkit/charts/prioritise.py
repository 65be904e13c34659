"""Charts of the PMO's optimisation: the efficient frontier and the timeline of shifted starts.

Pure functions: a small table in, an Altair chart out; no figure is computed here (the engine in
:mod:`pmkit.portfolio.prioritise` solves every point).
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from pmkit.charts.parts import records
from pmkit.charts.portfolio import Chart, empty_chart

__all__ = [
    "MARK_COLOURS",
    "frontier_chart",
    "frontier_parts",
    "selection_timeline",
    "timeline_parts",
]

MARK_COLOURS: dict[str, str] = {
    "Current plan": "#D55E00",  # vermillion
    "Chosen portfolio": "#0072B2",  # blue
}
_WIDTH = 520


FRONTIER, MARKS, TIMELINE = "frontier_points", "frontier_marks", "timeline_rows"  # datasets


def frontier_parts(points: pd.DataFrame, marks: pd.DataFrame) -> dict[str, Any]:
    """The rows of :func:`frontier_chart` as its named datasets (what a redraw re-fills:
    :func:`pmkit.charts.parts.respec`); ``{"datasets": {}}`` when no point is feasible."""
    pts = points.dropna(subset=["value"])[["budget", "value", "n_chosen"]]  # only what is drawn
    if pts.empty:
        return {"datasets": {}}
    m = marks.rename(columns={"cost": "budget"})[["label", "budget", "value"]]
    return {"datasets": {FRONTIER: records(pts), MARKS: records(m)}}


def frontier_chart(
    points: pd.DataFrame, marks: pd.DataFrame, *, currency: str = "EUR", title: str = ""
) -> Chart:
    """Best strategic value against budget, with labelled points on it.

    Parameters
    ----------
    points : DataFrame
        ``budget, value, n_chosen`` — one solved portfolio per budget (NaN value = infeasible,
        not drawn).
    marks : DataFrame
        ``label, cost, value`` — e.g. "Current plan" and "Chosen portfolio" (colour + label).
    """
    parts = frontier_parts(points, marks)
    if not parts["datasets"]:
        return empty_chart("No feasible portfolio at these budgets")
    base = alt.Chart(alt.NamedData(FRONTIER)).encode(
        x=alt.X("budget:Q", title=f"Budget ({currency})", axis=alt.Axis(format="~s")),
        y=alt.Y("value:Q", title="Strategic value (sum of priority scores)"),
        tooltip=[
            alt.Tooltip("budget:Q", title="Budget", format=",.0f"),
            alt.Tooltip("value:Q", title="Best value", format=".1f"),
            alt.Tooltip("n_chosen:Q", title="Projects"),
        ],
    )
    line = base.mark_line(interpolate="step-after", color="#555555") + base.mark_point(
        color="#555555", filled=True, size=30
    )
    colour = alt.Color(
        "label:N",
        title=None,
        scale=alt.Scale(domain=list(MARK_COLOURS), range=list(MARK_COLOURS.values())),
        legend=alt.Legend(orient="bottom"),
    )
    dots = (
        alt.Chart(alt.NamedData(MARKS))
        .mark_point(size=160, filled=True, shape="diamond")
        .encode(
            x="budget:Q",
            y="value:Q",
            color=colour,
            tooltip=[
                alt.Tooltip("label:N", title="Point"),
                alt.Tooltip("budget:Q", title="Cost", format=",.0f"),
                alt.Tooltip("value:Q", title="Value", format=".1f"),
            ],
        )
    )
    text = (
        alt.Chart(alt.NamedData(MARKS))
        .mark_text(align="left", dx=9, dy=-9, fontSize=11)
        .encode(x="budget:Q", y="value:Q", text="label:N")
    )
    return (line + dots + text).properties(
        width=_WIDTH,
        height=260,
        title=title or "Efficient frontier: best value per budget",
        datasets=parts["datasets"],
    )


def timeline_parts(df: pd.DataFrame) -> dict[str, Any]:
    """The rows of :func:`selection_timeline` as its named dataset, and its height;
    ``{"datasets": {}}`` when no project is chosen."""
    if df.empty:
        return {"datasets": {}}
    df = df.reset_index(drop=True)
    planned = df.assign(when="Planned", s=df["planned_start"], f=df["planned_finish"])
    new = df.assign(when="Optimised", s=df["new_start"], f=df["new_finish"])
    new = new[~new["status"].astype(str).str.startswith("cut")]
    long = pd.concat([planned, new]).sort_index(kind="stable")  # each project's bars together
    long = long[["project", "when", "s", "f", "status"]].reset_index(drop=True)
    long["s"], long["f"] = pd.to_datetime(long["s"]), pd.to_datetime(long["f"])
    return {"datasets": {TIMELINE: records(long)}, "height": max(120, 26 * len(df))}


def selection_timeline(df: pd.DataFrame) -> Chart:
    """Gantt-like bars of the chosen portfolio: planned dates and the new (shifted) dates.

    Parameters
    ----------
    df : DataFrame
        ``project, planned_start, planned_finish, new_start, new_finish, status`` (status in
        words, e.g. "on plan", "delayed 2 months", "cut").
    """
    parts = timeline_parts(df)
    if not parts["datasets"]:
        return empty_chart("No project chosen")
    return (
        alt.Chart(alt.NamedData(TIMELINE))
        .mark_bar(height={"band": 0.4})
        .encode(
            y=alt.Y("project:N", title=None, sort=None),
            yOffset=alt.YOffset("when:N", sort=["Planned", "Optimised"]),
            x=alt.X("s:T", title=None, axis=alt.Axis(format="%b %Y")),
            x2="f:T",
            color=alt.Color(
                "when:N",
                title=None,
                scale=alt.Scale(domain=["Planned", "Optimised"], range=["#BBBBBB", "#0072B2"]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("project:N", title="Project"),
                alt.Tooltip("when:N", title="Dates"),
                alt.Tooltip("s:T", title="Start", format="%d %b %Y"),
                alt.Tooltip("f:T", title="Finish", format="%d %b %Y"),
                alt.Tooltip("status:N", title="Decision"),
            ],
        )
        .properties(
            width=_WIDTH,
            height=parts["height"],
            title="Chosen portfolio",
            datasets=parts["datasets"],
        )
    )
