"""Charts of the PMO lens: one pure function per view, a small tidy DataFrame in, a chart out.

Every builder documents the columns it reads. None computes a business figure (SPI, exposure,
float, compliance): the engines in :mod:`pmkit.portfolio` do, and the dashboard aggregates before
calling these, so each chart's JSON stays a few kilobytes whatever the portfolio size.

Colours: status colours are the Okabe–Ito values of :data:`pmkit.ui._common.STATUS_STYLE` and are
always paired with words (legend labels, text marks or tooltips). Threats and opportunities get
their own hues and labels; an opportunity is never drawn as a negative threat.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import altair as alt
import pandas as pd

from pmkit.charts.parts import records
from pmkit.format import DATE_FORMAT

__all__ = [
    "KIND_COLOURS",
    "RAG_COLOURS",
    "capacity_heatmap",
    "capacity_heatmap_parts",
    "compliance_bars",
    "dependency_network",
    "empty_chart",
    "exposure_by_programme",
    "forecast_accuracy",
    "milestone_trend",
    "rag_summary",
    "risk_heatmap",
    "slip_chart",
    "trend_lines",
]

# Same hex values as pmkit.ui._common.STATUS_STYLE (a unit test pins them together).
RAG_COLOURS: dict[str, str] = {
    "green": "#009E73",
    "amber": "#E69F00",
    "red": "#D55E00",
    "grey": "#999999",
}
# Dates read "30 Oct 2026" on every dashboard; axes show months as "Oct 2026" ("Oct 26" read as
# the 26th of October, and "%b %y" ticks every two weeks printed each month twice).
_AXIS_FMT = "%b %Y"
RAG_LABELS: dict[str, str] = {"green": "Green", "amber": "Amber", "red": "Red", "grey": "n/a"}
# Threats in vermillion, opportunities in blue: two different things, two different hues.
KIND_COLOURS: dict[str, str] = {
    "Threat (expected loss)": "#D55E00",
    "Opportunity (expected gain)": "#0072B2",
}

_WIDTH = 520

Chart: TypeAlias = alt.TopLevelMixin
"""Any top-level Altair chart (single, layered, concatenated or faceted)."""


def _need(df: pd.DataFrame, columns: Sequence[str], chart: str) -> None:
    """Fail early with the missing column names (a programming error, caught by tests)."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{chart}: missing column(s) {', '.join(missing)}")


def _dates(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """ISO date strings: shorter JSON than timestamps, and read as dates by Vega-Lite."""
    out = df.copy()
    for col in columns:
        out[col] = pd.to_datetime(out[col]).dt.strftime(DATE_FORMAT)
    return out


def empty_chart(message: str, *, width: int = _WIDTH, height: int = 60) -> Chart:
    """A chart that says why it is empty, so a blank area is never mistaken for 'all fine'."""
    return (
        alt.Chart(pd.DataFrame({"text": [message]}))
        .mark_text(fontSize=13, color="#555", align="center")
        .encode(text="text:N")
        .properties(width=width, height=height)
    )


def rag_summary(df: pd.DataFrame) -> Chart:
    """How many projects are green / amber / red per dimension (schedule, cost, scope, risk).

    Columns: ``dimension``, ``status`` (green/amber/red/grey), ``count``.
    """
    _need(df, ["dimension", "status", "count"], "rag_summary")
    if df.empty:
        return empty_chart("No project matches the filters.")
    data = df.assign(label=df["status"].map(RAG_LABELS).fillna(df["status"]))
    order = [s for s in RAG_COLOURS if s in set(data["status"])]
    data["order"] = data["status"].map({s: i for i, s in enumerate(RAG_COLOURS)})
    labels = [RAG_LABELS[s] for s in order]
    dims = list(dict.fromkeys(data["dimension"]))
    base = alt.Chart(data).encode(
        y=alt.Y("dimension:N", sort=dims, title=None),
        x=alt.X(
            "count:Q", stack="zero", title="Projects", axis=alt.Axis(tickMinStep=1, format="d")
        ),
        order=alt.Order("order:Q"),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "label:N",
            scale=alt.Scale(domain=labels, range=[RAG_COLOURS[s] for s in order]),
            legend=alt.Legend(title="Status", orient="right"),
        ),
        tooltip=[
            alt.Tooltip("dimension:N", title="Dimension"),
            alt.Tooltip("label:N", title="Status"),
            alt.Tooltip("count:Q", title="Projects"),
        ],
    )
    text = base.mark_text(color="white", fontWeight="bold", dx=-8, align="right").encode(
        text="count:Q", x=alt.X("count:Q", stack="zero")
    )
    return (bars + text).properties(
        width=_WIDTH, height=28 * len(dims), title="Projects by status and dimension"
    )


CAPACITY_CELLS = "capacity_cells"  # the heat map's named dataset (a what-if re-fills it)


def capacity_heatmap_parts(df: pd.DataFrame) -> dict[str, Any]:
    """The rows of :func:`capacity_heatmap` as its named dataset, and its height (what a
    redraw re-fills: :func:`pmkit.charts.parts.respec`); ``{"datasets": {}}`` when empty."""
    _need(df, ["role", "month", "demand_hours", "capacity_hours", "utilisation"], "capacity")
    if df.empty:
        return {"datasets": {}}
    data = df.assign(pct=(df["utilisation"] * 100).round(0))
    return {"datasets": {CAPACITY_CELLS: records(data)}, "height": 24 * data["role"].nunique()}


def capacity_heatmap(df: pd.DataFrame, *, title: str = "Demand vs capacity") -> Chart:
    """Role x month load: colour = demand / capacity, 100 % is the midpoint, labelled in %.

    Columns: ``role``, ``month`` (``YYYY-MM``), ``demand_hours``, ``capacity_hours``,
    ``utilisation`` (demand / capacity, 1.0 = full). The rows travel as the named dataset
    :data:`CAPACITY_CELLS` (:func:`capacity_heatmap_parts`).
    """
    parts = capacity_heatmap_parts(df)
    if not parts["datasets"]:
        return empty_chart("No resource demand in the selected projects.")
    base = alt.Chart(alt.NamedData(CAPACITY_CELLS)).encode(
        x=alt.X("month:O", title="Month"),
        y=alt.Y("role:N", title="Role"),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "pct:Q",
            title="Load %",
            # under capacity: light grey to blue; over 100 %: orange to dark vermillion
            scale=alt.Scale(
                domain=[0, 100, 100.01, 200],
                range=["#f4f4f4", "#6baed6", "#fdae61", "#a63603"],
                clamp=True,
            ),
        ),
        tooltip=[
            alt.Tooltip("role:N", title="Role"),
            alt.Tooltip("month:O", title="Month"),
            alt.Tooltip("demand_hours:Q", title="Demand (h)", format=",.0f"),
            alt.Tooltip("capacity_hours:Q", title="Capacity (h)", format=",.0f"),
            alt.Tooltip("pct:Q", title="Load %", format=".0f"),
        ],
    )
    labels = base.mark_text(fontSize=10).encode(
        text=alt.Text("pct:Q", format=".0f"),
        # channel objects, not alt.condition/alt.value dicts: altair would search its schema for
        # the class of a dict (jsonschema) on every chart; the spec is the same
        color=alt.ColorValue("black", condition={"test": "datum.pct > 150", "value": "white"}),
    )
    return (cells + labels).properties(
        width=_WIDTH + 160, height=parts["height"], title=title, datasets=parts["datasets"]
    )


def dependency_network(nodes: pd.DataFrame, edges: pd.DataFrame) -> Chart:
    """Projects as nodes placed by timeline (x) and programme (y band); cross links as rules.

    ``nodes``: ``project_id``, ``name``, ``programme``, ``x`` (date), ``y`` (number: the row,
    programmes grouped), ``highlight`` (bool: moved by a slip, or selected); optional
    ``node_label`` (text beside the node, default the id) and ``slip_days``.
    ``edges``: ``pred_project``, ``succ_project``, ``x``, ``y``, ``x2``, ``y2``, ``links``
    (how many task links), ``label`` (tooltip text).
    """
    _need(nodes, ["project_id", "name", "programme", "x", "y", "highlight"], "network nodes")
    _need(edges, ["pred_project", "succ_project", "x", "y", "x2", "y2", "links"], "network edges")
    if nodes.empty:
        return empty_chart("No projects to show.")
    n = _dates(nodes, ["x"])
    if "node_label" not in n.columns:
        n["node_label"] = n["project_id"]
    height = max(160, int(22 * (n["y"].max() + 1)))
    axis = alt.Axis(format="%b %Y", tickCount="month", labelAngle=0)
    xscale = alt.Scale(padding=30)
    xs = alt.X("x:T", title="Project start", axis=axis, scale=xscale)
    ys = alt.Y("y:Q", axis=None, scale=alt.Scale(reverse=True, padding=12))
    layers: list[alt.Chart] = []
    if not edges.empty:
        e = _dates(edges, ["x", "x2", *(["xm"] if "xm" in edges.columns else [])])
        if "label" not in e.columns:
            e["label"] = e["pred_project"] + " → " + e["succ_project"]
        if "xm" not in e.columns:  # no midpoint given: the whole edge in one tone
            e["xm"], e["ym"] = e["x2"], e["y2"]
        tips = [alt.Tooltip("label:N", title="Dependency"), alt.Tooltip("links:Q", title="Links")]
        width = alt.StrokeWidth("links:Q", scale=alt.Scale(range=[1.5, 5]), legend=None)
        # direction without arrows or colour: light from the delivering project, dark into the
        # project that waits for it
        for start, end, colour in ((("x", "y"), ("xm", "ym"), "#bbbbbb"),
                                   (("xm", "ym"), ("x2", "y2"), "#333333")):  # fmt: skip
            layers.append(
                alt.Chart(e)
                .mark_rule(color=colour)
                .encode(
                    x=alt.X(f"{start[0]}:T", title="Project start", axis=axis, scale=xscale),
                    y=alt.Y(f"{start[1]}:Q", axis=None, scale=alt.Scale(reverse=True, padding=12)),
                    x2=f"{end[0]}:T",
                    y2=f"{end[1]}:Q",
                    strokeWidth=width,
                    tooltip=tips,
                )
            )
    tips = [
        alt.Tooltip("project_id:N", title="Project"),
        alt.Tooltip("name:N", title="Name"),
        alt.Tooltip("programme:N", title="Programme"),
        alt.Tooltip("x:T", title="Start", format=DATE_FORMAT),
    ]
    if "slip_days" in n.columns:
        tips.append(alt.Tooltip("slip_days:Q", title="Slip (working days)"))
    layers.append(
        alt.Chart(n)
        .mark_circle(size=220, opacity=1, stroke="black")
        .encode(
            x=xs,
            y=ys,
            color=alt.Color(
                "programme:N",
                title="Programme",
                scale=alt.Scale(scheme="tableau10"),
                legend=alt.Legend(orient="bottom", columns=2),
            ),
            strokeWidth=alt.StrokeWidthValue(0, condition={"test": "datum.highlight", "value": 3}),
            tooltip=tips,
        )
    )
    layers.append(
        alt.Chart(n)
        .mark_text(align="left", dx=10, fontSize=11)
        .encode(
            x=xs,
            y=ys,
            text="node_label:N",
            color=alt.ColorValue("#222", condition={"test": "datum.highlight", "value": "#D55E00"}),
        )
    )
    return alt.layer(*layers).properties(
        width=_WIDTH + 160,
        height=height,
        title="Cross-project dependencies: light end = delivering project, dark end = waiting one",
    )


def slip_chart(df: pd.DataFrame) -> Chart:
    """Which milestones/projects move, and by how many days, after a slip.

    Columns: ``label`` (what moves, e.g. ``"P03 · Go-live"``), ``project_id``, ``slip_days``.
    """
    _need(df, ["label", "project_id", "slip_days"], "slip_chart")
    if df.empty:
        return empty_chart("Nothing else moves: the slip is absorbed by float.")
    order = df.sort_values("slip_days", ascending=False)["label"].tolist()
    base = alt.Chart(df).encode(
        y=alt.Y("label:N", sort=order, title=None),
        x=alt.X("slip_days:Q", title="Slip (working days)"),
    )
    bars = base.mark_bar(color=RAG_COLOURS["red"]).encode(
        tooltip=[
            alt.Tooltip("label:N", title="Moves"),
            alt.Tooltip("project_id:N", title="Project"),
            alt.Tooltip("slip_days:Q", title="Slip (working days)", format=".1f"),
        ]
    )
    text = base.mark_text(align="left", dx=3).encode(text=alt.Text("slip_days:Q", format=".0f"))
    return (bars + text).properties(
        width=_WIDTH, height=max(60, 20 * len(order)), title="What moves, by how much"
    )


def risk_heatmap(df: pd.DataFrame) -> Chart:
    """Project x category exposure: threats and opportunities side by side, own colours.

    Columns: ``project``, ``category``, ``kind`` (threat/opportunity), ``exposure`` (>= 0:
    expected loss for a threat, expected gain for an opportunity), ``count``.
    """
    _need(df, ["project", "category", "kind", "exposure", "count"], "risk_heatmap")
    if df.empty:
        return empty_chart("No open risks or opportunities in the selected projects.")
    panels = []
    projects = sorted(df["project"].unique())
    scheme: Any
    for kind, scheme, title in (
        ("threat", "orangered", "Threats: expected loss"),
        ("opportunity", "blues", "Opportunities: expected gain"),
    ):
        part = df[df["kind"] == kind]
        if part.empty:
            continue
        base = alt.Chart(part).encode(
            x=alt.X("category:N", title="Category"),
            y=alt.Y("project:N", title=None, sort=projects),
        )
        rect = base.mark_rect(stroke="white").encode(
            color=alt.Color("exposure:Q", title=title, scale=alt.Scale(scheme=scheme)),
            tooltip=[
                alt.Tooltip("project:N", title="Project"),
                alt.Tooltip("category:N", title="Category"),
                alt.Tooltip("count:Q", title="Open items"),
                alt.Tooltip("exposure:Q", title=title, format=",.0f"),
            ],
        )
        text = base.mark_text(fontSize=10).encode(text="count:Q")
        panels.append((rect + text).properties(title=title, width=220, height=18 * len(projects)))
    if len(panels) == 1:
        return panels[0]
    return alt.hconcat(*panels).resolve_scale(color="independent")


def exposure_by_programme(df: pd.DataFrame, *, currency: str = "EUR") -> Chart:
    """Threat exposure and opportunity value per programme, as two labelled bars (both >= 0).

    Columns: ``programme``, ``kind`` (threat/opportunity), ``exposure`` (>= 0).
    """
    _need(df, ["programme", "kind", "exposure"], "exposure_by_programme")
    if df.empty:
        return empty_chart("No open risks or opportunities in the selected projects.")
    label = {"threat": "Threat (expected loss)", "opportunity": "Opportunity (expected gain)"}
    data = df.assign(kind_label=df["kind"].map(label))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("programme:N", title=None),
            yOffset=alt.YOffset("kind_label:N", sort=list(KIND_COLOURS)),
            x=alt.X("exposure:Q", title=f"Expected value ({currency})", axis=alt.Axis(format="~s")),
            color=alt.Color(
                "kind_label:N",
                title=None,
                scale=alt.Scale(domain=list(KIND_COLOURS), range=list(KIND_COLOURS.values())),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("programme:N", title="Programme"),
                alt.Tooltip("kind_label:N", title="Kind"),
                alt.Tooltip("exposure:Q", title=f"Expected value ({currency})", format=",.0f"),
            ],
        )
        .properties(width=_WIDTH, title="Exposure by programme")
    )


def compliance_bars(df: pd.DataFrame) -> Chart:
    """Stage-gate compliance score per project, coloured by whether the next gate is blocked.

    Columns: ``project`` (label), ``score`` (0..100), ``state`` (``"blocked"``, ``"advisory"``,
    ``"compliant"``), ``missing`` (text for the tooltip).
    """
    _need(df, ["project", "score", "state", "missing"], "compliance_bars")
    if df.empty:
        return empty_chart("No stage-gate records for the selected projects.")
    domain = ["Blocked", "Advisory gaps", "Compliant"]
    colours = [RAG_COLOURS["red"], RAG_COLOURS["amber"], RAG_COLOURS["green"]]
    names = {"blocked": "Blocked", "advisory": "Advisory gaps", "compliant": "Compliant"}
    data = df.assign(state_label=df["state"].map(names).fillna(df["state"]))
    order = data.sort_values("score")["project"].tolist()
    base = alt.Chart(data).encode(
        y=alt.Y("project:N", sort=order, title=None),
        x=alt.X("score:Q", title="Compliance score (%)", scale=alt.Scale(domain=[0, 100])),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "state_label:N", title="Gate", scale=alt.Scale(domain=domain, range=colours)
        ),
        tooltip=[
            alt.Tooltip("project:N", title="Project"),
            alt.Tooltip("score:Q", title="Score %", format=".0f"),
            alt.Tooltip("state_label:N", title="Gate"),
            alt.Tooltip("missing:N", title="Missing"),
        ],
    )
    text = base.mark_text(align="left", dx=3).encode(text=alt.Text("score:Q", format=".0f"))
    return (bars + text).properties(
        width=_WIDTH, height=max(60, 20 * len(order)), title="Stage-gate compliance"
    )


def trend_lines(df: pd.DataFrame, *, threshold: float | None = 0.95) -> Chart:
    """SPI and CPI over report dates, one panel per index, 1.0 (on plan) marked.

    Columns: ``series`` (project or "Portfolio"), ``report_date``, ``metric`` (``SPI``/``CPI``),
    ``value``.
    """
    _need(df, ["series", "report_date", "metric", "value"], "trend_lines")
    if df.empty:
        return empty_chart("No status reports for the selected projects.")
    data = _dates(df, ["report_date"])
    x = alt.X(
        "report_date:T",
        title="Report date",
        axis=alt.Axis(format=_AXIS_FMT, tickCount="month", labelOverlap=True),
    )
    lines = (
        alt.Chart()
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("value:Q", title="Index", scale=alt.Scale(zero=False)),
            color=alt.Color("series:N", title="Project"),
            tooltip=[
                alt.Tooltip("series:N", title="Project"),
                alt.Tooltip("metric:N", title="Index"),
                alt.Tooltip("report_date:T", title="Report", format=DATE_FORMAT),
                alt.Tooltip("value:Q", title="Value", format=".2f"),
            ],
        )
    )
    refs = [1.0] + ([threshold] if threshold is not None else [])
    rule = (
        alt.Chart(pd.DataFrame({"ref": refs, "what": ["on plan", "amber below"][: len(refs)]}))
        .mark_rule(strokeDash=[4, 3], color="#444")
        .encode(y="ref:Q", tooltip=[alt.Tooltip("what:N"), alt.Tooltip("ref:Q")])
    )
    return (
        alt.layer(lines, rule, data=data)
        .properties(width=330, height=220)
        .facet(column=alt.Column("metric:N", title=None, sort=["SPI", "CPI"]))
        .properties(title="SPI and CPI over time (dashed: 1.0 on plan, and the amber threshold)")
    )


def milestone_trend(df: pd.DataFrame) -> Chart:
    """Milestone trend analysis: forecast date of each milestone at each report date.

    A flat line is a stable forecast; a rising one slips. The diagonal is "today": a line that
    meets it is the milestone reached. Columns: ``milestone`` (label), ``report_date``,
    ``forecast_date``.
    """
    _need(df, ["milestone", "report_date", "forecast_date"], "milestone_trend")
    if df.empty:
        return empty_chart("No milestone forecasts for the selected projects.")
    data = _dates(df, ["report_date", "forecast_date"])
    lo, hi = df["report_date"].min(), df["report_date"].max()  # "today" over the reports
    diag = _dates(pd.DataFrame({"d": [lo, hi]}), ["d"])
    axis = alt.Axis(format=_AXIS_FMT, tickCount="month", labelOverlap=True)
    diagonal = (
        alt.Chart(diag)
        .mark_line(color="#999", strokeDash=[4, 3])
        .encode(x=alt.X("d:T", axis=axis), y=alt.Y("d:T", axis=axis))
    )
    lines = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("report_date:T", title="Report date", axis=axis),
            y=alt.Y("forecast_date:T", title="Forecast date", axis=axis),
            color=alt.Color("milestone:N", title="Milestone", legend=alt.Legend(labelLimit=260)),
            tooltip=[
                alt.Tooltip("milestone:N", title="Milestone"),
                alt.Tooltip("report_date:T", title="Report", format=DATE_FORMAT),
                alt.Tooltip("forecast_date:T", title="Forecast", format=DATE_FORMAT),
            ],
        )
    )
    return alt.layer(diagonal, lines).properties(
        width=_WIDTH, height=300, title="Milestone trend analysis (rising line = slipping)"
    )


def forecast_accuracy(df: pd.DataFrame) -> Chart:
    """How far each project's finish forecast was from the latest one, by report date.

    Columns: ``series`` (project label), ``report_date``, ``error_days`` (forecast minus the
    reference finish; positive = the forecast was late... negative = optimistic).
    """
    _need(df, ["series", "report_date", "error_days"], "forecast_accuracy")
    if df.empty:
        return empty_chart("Not enough status reports to judge forecast accuracy.")
    data = _dates(df, ["report_date"])
    lines = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "report_date:T",
                title="Report date",
                axis=alt.Axis(format=_AXIS_FMT, tickCount="month", labelOverlap=True),
            ),
            y=alt.Y("error_days:Q", title="Forecast error (calendar days)"),
            color=alt.Color("series:N", title="Project"),
            tooltip=[
                alt.Tooltip("series:N", title="Project"),
                alt.Tooltip("report_date:T", title="Report", format=DATE_FORMAT),
                alt.Tooltip("error_days:Q", title="Error (days)", format=".0f"),
            ],
        )
    )
    zero = alt.Chart(pd.DataFrame({"z": [0]})).mark_rule(color="#444").encode(y="z:Q")
    return alt.layer(zero, lines).properties(
        width=_WIDTH, height=240, title="Finish forecast error by report date (0 = exact)"
    )
