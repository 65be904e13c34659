"""Charts of the teaching demos: small, bilingual (every title is passed in), no business rules.

The lessons show the same question through the PM and PMO lenses; the figures come from
:mod:`pmkit.training.demos`, and these builders only draw them. Titles and axis names arrive
already translated, so one builder serves the Spanish and the English page.

Colours follow the Okabe–Ito palette; "over capacity" and "selected project" are also said in
words (tooltips, legend, bold outline), never by colour alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import altair as alt
import pandas as pd

from pmkit.vocabulary import DATE_FORMAT

__all__ = ["CHARTS", "bar_chart", "build", "heat_chart", "line_chart", "load_chart"]

_W = 360
_HEAT_MAX_W = 420
_OKABE_ITO = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
]


def _t(titles: Mapping[str, str], key: str, default: str = "") -> str:
    return str(titles.get(key, default))


def _empty(message: str) -> alt.Chart:
    """A chart that says why it is empty (a blank area could be read as 'all fine')."""
    return (
        alt.Chart(pd.DataFrame({"text": [message]}))
        .mark_text(fontSize=13, color="#555")
        .encode(text="text:N")
        .properties(width=_W, height=50)
    )


def bar_chart(
    df: pd.DataFrame, titles: Mapping[str, str], *, colours: Mapping[str, str] | None = None
) -> alt.Chart | alt.LayerChart:
    """Horizontal bars: ``label`` (y), ``value`` (x); optional ``group`` (stacked colour) and
    ``highlight`` (bold outline: the project the PM lens looks at)."""
    if df.empty:
        return _empty(_t(titles, "empty", "-"))
    data = df.copy()
    if "highlight" not in data.columns:
        data["highlight"] = False
    data["highlight"] = data["highlight"].astype(bool)
    order = (
        data.groupby("label", sort=False)["value"].sum().sort_values(ascending=False).index.tolist()
    )
    y = alt.Y("label:N", sort=order, title=_t(titles, "y"))
    x = alt.X("value:Q", title=_t(titles, "x"), stack="zero")
    tips = [
        alt.Tooltip("label:N", title=_t(titles, "y")),
        alt.Tooltip("value:Q", title=_t(titles, "x"), format=",.1f"),
    ]
    enc: dict[str, object] = {"x": x, "y": y}
    if "group" in data.columns:
        scale = (
            alt.Scale(domain=list(colours), range=list(colours.values()))
            if colours
            else alt.Scale(range=_OKABE_ITO)
        )
        enc["color"] = alt.Color("group:N", title=_t(titles, "group"), scale=scale)
        tips.append(alt.Tooltip("group:N", title=_t(titles, "group")))
    else:
        enc["color"] = alt.ColorValue(_OKABE_ITO[0])
    bars = (
        alt.Chart(data)
        .mark_bar(stroke="black")
        .encode(
            **enc,
            # channel objects, not alt.value/alt.condition dicts: altair would search its
            # schema for the class of a dict (jsonschema) on every chart; the spec is the same
            strokeWidth=alt.StrokeWidthValue(
                0, condition={"test": "datum.highlight", "value": 2.5}
            ),
            tooltip=tips,
        )
    )
    return bars.properties(width=_W, height=max(60, 20 * len(order)), title=_t(titles, "title"))


def load_chart(df: pd.DataFrame, titles: Mapping[str, str]) -> alt.LayerChart | alt.Chart:
    """A resource histogram: ``period`` (week), ``demand_hours`` bars, ``capacity_hours`` line.

    Bars over capacity are vermillion and say "over capacity" in the tooltip.
    """
    if df.empty:
        return _empty(_t(titles, "empty", "-"))
    over_word = _t(titles, "over", "over capacity")
    ok_word = _t(titles, "ok", "within capacity")
    data = df.assign(
        state=[
            over_word if d > c else ok_word
            for d, c in zip(df["demand_hours"], df["capacity_hours"], strict=True)
        ]
    )
    x = alt.X("period:T", title=_t(titles, "x"), axis=alt.Axis(format="%d %b"))
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y("demand_hours:Q", title=_t(titles, "y")),
            color=alt.Color(
                "state:N",
                title=None,
                scale=alt.Scale(domain=[ok_word, over_word], range=["#0072B2", "#D55E00"]),
            ),
            tooltip=[
                alt.Tooltip("period:T", title=_t(titles, "x"), format="%Y-%m-%d"),
                alt.Tooltip("demand_hours:Q", title=_t(titles, "y"), format=",.0f"),
                alt.Tooltip(
                    "capacity_hours:Q", title=_t(titles, "capacity", "capacity"), format=",.0f"
                ),
                alt.Tooltip("state:N", title=" "),
            ],
        )
    )
    cap = (
        alt.Chart(data)
        .mark_line(color="black", strokeDash=[4, 3])
        .encode(x=x, y="capacity_hours:Q")
    )
    return (bars + cap).properties(width=_W, height=200, title=_t(titles, "title"))


def heat_chart(df: pd.DataFrame, titles: Mapping[str, str]) -> alt.LayerChart | alt.Chart:
    """Role x month load: ``role``, ``month``, ``demand_hours``, ``capacity_hours``,
    ``utilisation`` (1.0 = full); colour centred on 100 %, each cell labelled with its %."""
    if df.empty:
        return _empty(_t(titles, "empty", "-"))
    data = df.assign(pct=(df["utilisation"] * 100).round(0))
    base = alt.Chart(data).encode(
        x=alt.X("month:O", title=_t(titles, "x")), y=alt.Y("role:N", title=_t(titles, "y"))
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "pct:Q",
            title=_t(titles, "legend", "%"),
            scale=alt.Scale(scheme="blueorange", domainMid=100, domainMin=0),
            # below the cells: a legend on the right is the first thing a narrow panel cuts off
            legend=alt.Legend(orient="bottom", direction="horizontal", gradientLength=200),
        ),
        tooltip=[
            alt.Tooltip("role:N", title=_t(titles, "y")),
            alt.Tooltip("month:O", title=_t(titles, "x")),
            alt.Tooltip("demand_hours:Q", title=_t(titles, "demand", "demand (h)"), format=",.0f"),
            alt.Tooltip(
                "capacity_hours:Q", title=_t(titles, "capacity", "capacity (h)"), format=",.0f"
            ),
            alt.Tooltip("pct:Q", title="%", format=".0f"),
        ],
    )
    # only cells at or over capacity carry their number: 3 digits in every cell would overlap
    text = (
        base.transform_filter("datum.pct >= 100")
        .mark_text(fontSize=8)
        .encode(
            text=alt.Text("pct:Q", format=".0f"),
            color=alt.ColorValue(
                "black", condition={"test": "datum.pct > 140 || datum.pct < 25", "value": "white"}
            ),
        )
    )
    # cells shrink to fit one lens panel (about 480 px) rather than widen it past the screen
    return (cells + text).properties(
        width=min(_HEAT_MAX_W, max(_W, 22 * data["month"].nunique())),
        height=22 * data["role"].nunique(),
        title=_t(titles, "title"),
    )


def line_chart(df: pd.DataFrame, titles: Mapping[str, str]) -> alt.Chart:
    """Lines over time: ``date``, ``group`` (one line each, with point marks), ``value``."""
    if df.empty:
        return _empty(_t(titles, "empty", "-"))
    data = df.assign(date=pd.to_datetime(df["date"]).dt.strftime(DATE_FORMAT))
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("date:T", title=_t(titles, "x")),
            y=alt.Y("value:Q", title=_t(titles, "y")),
            color=alt.Color(
                "group:N", title=_t(titles, "group"), scale=alt.Scale(range=_OKABE_ITO)
            ),
            strokeDash=alt.StrokeDash("group:N", legend=None),
            tooltip=[
                alt.Tooltip("date:T", title=_t(titles, "x"), format="%Y-%m-%d"),
                alt.Tooltip("group:N", title=_t(titles, "group")),
                alt.Tooltip("value:Q", title=_t(titles, "y"), format=",.0f"),
            ],
        )
        .properties(width=_W, height=200, title=_t(titles, "title"))
    )


CHARTS: dict[str, Callable[[pd.DataFrame, Mapping[str, str]], alt.TopLevelMixin]] = {
    "bars": bar_chart,
    "load": load_chart,
    "heat": heat_chart,
    "lines": line_chart,
}
"""Chart kind (``Lens.chart`` of :mod:`pmkit.training.demos`) -> builder."""


def build(
    kind: str, df: pd.DataFrame, titles: Mapping[str, str], **options: object
) -> alt.TopLevelMixin:
    """The chart of one demo panel (``KeyError`` names the known kinds)."""
    if kind not in CHARTS:
        raise KeyError(f"unknown chart kind {kind!r}; known: {sorted(CHARTS)}")
    return CHARTS[kind](df, titles, **options)
