"""Grids of the PM lens: the probability x impact matrix and resource load against capacity.

Pure drawing: scores, zones and loads come from :mod:`pmkit.risk` and
:mod:`pmkit.schedule.leveling`. Threats and opportunities get separate matrices with separate
palettes (orange = loss, blue = gain) *and* titles, so the kind never hangs on colour alone.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import numpy as np
import pandas as pd
from altair.typing import ChartType

from pmkit.charts.parts import records

__all__ = [
    "ZONE_COLOURS",
    "resource_load_chart",
    "resource_load_parts",
    "risk_heatmap_chart",
    "risk_heatmap_parts",
]

ZONE_COLOURS: dict[str, dict[str, str]] = {
    "threat": {"low": "#FBE3D1", "medium": "#F3A66B", "high": "#D55E00"},
    "opportunity": {"low": "#DCEBF7", "medium": "#80B6DD", "high": "#0072B2"},
}
_TITLES = {"threat": "Threats", "opportunity": "Opportunities"}
_PROB_TITLE = "Probability (1 = rare … 5 = almost certain)"
_IMPACT_TITLE = "Impact (1 = negligible … 5 = severe)"


RISK_DATA = {"threat": "risk_threats", "opportunity": "risk_opportunities"}
LOAD_WEEKS, LOAD_CAPACITY, LOAD_TITLE = "load_weeks", "load_capacity", "load_title"


def _matrix_rows(grid: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The 25 cells of one matrix: scores, labels, count shown, zone in words."""
    count_col = "threats" if kind == "threat" else "opportunities"
    d = grid[
        ["probability_score", "impact_score", "probability_label", "impact_label", "score", "zone"]
    ].copy()
    d["n"] = grid[count_col].astype(int)
    d["shown"] = np.where(d["n"] > 0, d["n"].astype(str), "")
    d["zone_label"] = kind.capitalize() + ": " + d["zone"].astype(str) + " zone"
    return d


def risk_heatmap_parts(grid: pd.DataFrame) -> dict[str, Any]:
    """The two matrices' cells as named datasets (what changes from one project to another)."""
    return {"datasets": {RISK_DATA[k]: records(_matrix_rows(grid, k)) for k in RISK_DATA}}


def _one_matrix(kind: str, cell: int) -> ChartType:
    colours = ZONE_COLOURS[kind]
    noun = kind.capitalize()
    domain = [f"{noun}: {z} zone" for z in colours]
    base = alt.Chart(alt.NamedData(RISK_DATA[kind])).encode(
        x=alt.X("impact_score:O", title=_IMPACT_TITLE, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("probability_score:O", title=_PROB_TITLE, sort="descending"),
    )
    tooltip = [
        alt.Tooltip("probability_label:N", title="Probability"),
        alt.Tooltip("impact_label:N", title="Impact"),
        alt.Tooltip("score:Q", title="Score (P x I)"),
        alt.Tooltip("n:Q", title=_TITLES[kind]),
    ]
    rect = base.mark_rect(stroke="#fff", strokeWidth=2).encode(
        color=alt.Color(
            "zone_label:N",
            title=None,
            scale=alt.Scale(domain=domain, range=list(colours.values())),
            legend=alt.Legend(orient="bottom", direction="vertical"),
        ),
        tooltip=tooltip,
    )
    text = base.mark_text(fontSize=15, fontWeight="bold").encode(
        text="shown:N",
        color=alt.condition("datum.zone == 'high'", alt.value("#fff"), alt.value("#000")),
        tooltip=tooltip,
    )
    return alt.layer(rect, text).properties(
        width=5 * cell, height=5 * cell, title=f"{_TITLES[kind]} (count per cell)"
    )


def risk_heatmap_chart(grid: pd.DataFrame, *, cell: int = 44) -> alt.HConcatChart:
    """Two 5x5 matrices side by side, threats then opportunities, each cell showing its count.

    Parameters
    ----------
    grid
        :func:`pmkit.risk.heatmap_grid` output: 25 rows of ``probability_score,
        impact_score, probability_label, impact_label, score, zone, threats, opportunities``.
    """
    parts = risk_heatmap_parts(grid)
    return (
        alt.hconcat(_one_matrix("threat", cell), _one_matrix("opportunity", cell), spacing=40)
        .resolve_scale(color="independent")
        .properties(datasets=parts["datasets"])
    )


def resource_load_parts(load: pd.DataFrame, *, title: str = "") -> dict[str, Any]:
    """Everything of :func:`resource_load_chart` that depends on the load: named datasets
    (the weeks; the capacity step line, one row longer) and the title (a parameter)."""
    d = load[["week", "load_hours", "capacity_hours"]].copy()
    d["week"] = pd.to_datetime(d["week"])
    over = load["over"] if "over" in load else load["load_hours"] > load["capacity_hours"] + 1e-9
    d["status"] = np.where(over.to_numpy(dtype=bool), "Over-allocated", "Within capacity")
    d["excess"] = (d["load_hours"] - d["capacity_hours"]).clip(lower=0).round(1)
    d["week_end"] = d["week"] + pd.Timedelta(days=6)
    last = d.tail(1).assign(week=lambda x: x["week_end"] + pd.Timedelta(days=1))
    cap = pd.concat([d, last]).assign(status="Capacity")[["week", "capacity_hours", "status"]]
    return {
        "datasets": {LOAD_WEEKS: records(d), LOAD_CAPACITY: records(cap)},
        "params": {LOAD_TITLE: title},
    }


def resource_load_chart(
    load: pd.DataFrame,
    *,
    title: str = "",
    width: int = 620,
    height: int = 220,
) -> ChartType:
    """Weekly load as bars against capacity as a step line; over-allocated weeks marked.

    Parameters
    ----------
    load
        One row per week: ``week`` (date the week starts), ``load_hours``, ``capacity_hours``
        and ``over`` (bool, load above capacity; computed from the two columns when absent).
    title
        Shown above the chart (a parameter: a live page swaps it with the data,
        :func:`resource_load_parts`).
    """
    parts = resource_load_parts(load, title=title)
    tooltip = [
        alt.Tooltip("week:T", title="Week of", format="%d %b %Y"),
        alt.Tooltip("load_hours:Q", title="Load (h)", format=",.0f"),
        alt.Tooltip("capacity_hours:Q", title="Capacity (h)", format=",.0f"),
        alt.Tooltip("excess:Q", title="Over by (h)", format=",.0f"),
    ]
    x = alt.X(
        "week:T",
        title="Week",
        axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount="month", labelOverlap=True),
    )
    weeks = alt.Chart(alt.NamedData(LOAD_WEEKS))
    bars = weeks.mark_bar().encode(
        x=x,
        x2="week_end:T",
        y=alt.Y("load_hours:Q", title="Hours per week"),
        y2=alt.datum(0),
        color=alt.Color(
            "status:N",
            title=None,
            scale=alt.Scale(
                domain=["Within capacity", "Over-allocated", "Capacity"],
                range=["#0072B2", "#D55E00", "#000000"],
            ),
            legend=alt.Legend(orient="top"),
        ),
        tooltip=tooltip,
    )
    marks = (
        weeks.transform_filter("datum.status == 'Over-allocated'")
        .mark_text(text="▲", dy=-8, color="#D55E00", fontSize=11)
        .encode(x="week:T", y="load_hours:Q", tooltip=tooltip)
    )
    cap = (
        alt.Chart(alt.NamedData(LOAD_CAPACITY))
        .mark_line(interpolate="step-after", strokeWidth=2, strokeDash=[5, 3])
        .encode(x="week:T", y="capacity_hours:Q", color="status:N")
    )
    name = alt.param(name=LOAD_TITLE, value=parts["params"][LOAD_TITLE])
    return (
        alt.layer(bars, cap, marks)
        .add_params(name)
        .properties(
            width=width,
            height=height,
            title=alt.TitleParams(text=alt.ExprRef(LOAD_TITLE)),
            datasets=parts["datasets"],
        )
    )
