"""Charts for the landing page and the portfolio at a glance (pure: tables in, charts out)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
from altair.typing import ChartType

from pmkit import vocabulary
from pmkit.charts.parts import records

# Okabe–Ito, as in pmkit.ui: status colours that survive colour-vision deficiencies,
# always shown with a legend that names the status.
RAG_DOMAIN = ["green", "amber", "red", "n/a"]
RAG_LABELS = {"green": "● Green", "amber": "▲ Amber", "red": "■ Red", "n/a": "○ n/a"}
RAG_RANGE = ["#009E73", "#E69F00", "#D55E00", "#999999"]
PHASES = list(vocabulary.PHASES)


def phase_programme_bars(projects: pd.DataFrame) -> alt.Chart:
    """How many projects each programme has in each phase (aggregated: one row per pair)."""
    counts = (
        projects.groupby(["programme", "phase"], observed=True)
        .size()
        .rename("projects")
        .reset_index()
    )
    return (
        alt.Chart(counts, title="Projects by programme and phase")
        .mark_bar()
        .encode(
            y=alt.Y("programme:N", title=None),
            x=alt.X("projects:Q", title="Projects", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "phase:N",
                sort=PHASES,
                scale=alt.Scale(domain=PHASES, scheme="viridis"),
                title="Phase",
            ),
            order=alt.Order("phase_order:Q"),
            tooltip=["programme:N", "phase:N", "projects:Q"],
        )
        .transform_calculate(phase_order=f"indexof({PHASES!r}, datum.phase)")
        .properties(width=520, height=max(60, 28 * counts["programme"].nunique()))
    )


TIMELINE_ROWS, TIMELINE_STATUS = "timeline_rows", "timeline_status"  # the named datasets


def timeline_parts(
    table: pd.DataFrame, *, status_date: pd.Timestamp | None = None
) -> dict[str, Any]:
    """Everything of :func:`portfolio_timeline` that depends on its rows.

    Returns ``{"datasets": {name: JSON rows}, "height": px}``: one row per project (status
    label and slip computed) and the status-date rule's one row (when there is a status date).
    A live page swaps these into the chart it shows (:func:`pmkit.charts.parts.respec`).
    """
    data = table.copy()
    data["rag"] = data["rag"].fillna("n/a").replace("", "n/a")
    data["status"] = data["rag"].map(RAG_LABELS).fillna(RAG_LABELS["n/a"])
    if "slip_days" not in data:
        data["slip_days"] = (data["forecast_finish"] - data["finish_baseline"]).dt.days
    datasets = {TIMELINE_ROWS: records(data)}
    if status_date is not None:
        sd = pd.DataFrame({"date": [pd.Timestamp(status_date)]})
        sd["text"] = "Status date " + sd["date"].dt.strftime("%d %b %Y")
        datasets[TIMELINE_STATUS] = records(sd)
    return {"datasets": datasets, "height": max(120, 22 * len(data))}


def portfolio_timeline(
    table: pd.DataFrame, *, status_date: pd.Timestamp | None = None
) -> ChartType:
    """One bar per project from start to forecast finish, a tick at the baseline finish.

    ``table`` needs ``label, programme, start, finish_baseline, forecast_finish, rag`` (rag in
    green/amber/red/n/a) and may carry ``slip_days`` for the tooltip. The rows are named
    datasets (:func:`timeline_parts`): a live page can swap them without rebuilding the chart.
    """
    parts = timeline_parts(table, status_date=status_date)
    y = alt.Y("label:N", title=None, sort=alt.SortField("start"), axis=alt.Axis(labelLimit=260))
    base = alt.Chart(alt.NamedData(TIMELINE_ROWS))
    bars = base.mark_bar(height=12, cornerRadius=2).encode(
        x=alt.X("start:T", title=None, axis=alt.Axis(format="%b %Y", labelOverlap=True)),
        x2="forecast_finish:T",
        y=y,
        color=alt.Color(
            "status:N",
            title="Overall status",
            scale=alt.Scale(domain=[RAG_LABELS[k] for k in RAG_DOMAIN], range=RAG_RANGE),
        ),
        tooltip=[
            alt.Tooltip("label:N", title="Project"),
            alt.Tooltip("programme:N", title="Programme"),
            alt.Tooltip("start:T", title="Start", format="%d %b %Y"),
            alt.Tooltip("finish_baseline:T", title="Baseline finish", format="%d %b %Y"),
            alt.Tooltip("forecast_finish:T", title="Forecast finish", format="%d %b %Y"),
            alt.Tooltip("slip_days:Q", title="Slip (working days)"),
            alt.Tooltip("status:N", title="Status"),
        ],
    )
    ticks = base.mark_tick(color="black", thickness=2, size=18).encode(
        x="finish_baseline:T",
        y=y,
        tooltip=[alt.Tooltip("finish_baseline:T", title="Baseline finish", format="%d %b %Y")],
    )
    layers: list[alt.Chart] = [bars, ticks]
    if TIMELINE_STATUS in parts["datasets"]:
        sd = alt.Chart(alt.NamedData(TIMELINE_STATUS))
        rule = sd.mark_rule(strokeDash=[4, 3], color="#0072B2").encode(
            x="date:T", tooltip=[alt.Tooltip("date:T", title="Status date", format="%d %b %Y")]
        )
        # the dashed line says what it is (a reader cannot guess it from its colour)
        text = sd.mark_text(
            align="left", dx=4, dy=-6, fontSize=11, fontWeight="bold", color="#0072B2"
        ).encode(x="date:T", y=alt.value(0), text="text:N")
        layers += [rule, text]
    return alt.layer(*layers).properties(
        title="Portfolio timeline — bar: start → forecast finish; black tick: baseline finish",
        width=760,
        height=parts["height"],
        datasets=parts["datasets"],
    )
