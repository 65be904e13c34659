"""Line and distribution charts of the PM lens: S-curves, Monte Carlo finish dates, tornado.

Pure functions: the numbers come from :mod:`pmkit.evm` and :mod:`pmkit.schedule.montecarlo`;
these only draw them. Every series has a colour *and* a dash pattern *and* a legend label.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd
from altair.typing import ChartType

from pmkit.charts.parts import records
from pmkit.format import DATE_FORMAT

__all__ = [
    "SERIES_STYLE",
    "cdf_chart",
    "finish_histogram_chart",
    "s_curve_chart",
    "s_curve_parts",
    "tornado_chart",
]

# series -> (legend label, colour (Okabe–Ito), dash)
SERIES_STYLE: dict[str, tuple[str, str, list[int]]] = {
    "PV": ("PV planned value", "#0072B2", [6, 3]),
    "EV": ("EV earned value", "#009E73", [1, 0]),
    "AC": ("AC actual cost", "#D55E00", [2, 2]),
}
_PCT_COLOURS = {"P50": "#009E73", "P80": "#E69F00", "P90": "#D55E00"}


def _rules(
    marks: Mapping[str, Any], *, axis: str, colours: Mapping[str, str] | None = None
) -> list[alt.Chart]:
    """Labelled reference rules (status date, BAC, P80 ...) on the ``axis`` channel.

    Each rule has a constant colour and its own text label, so it never joins the data legend.
    """
    layers: list[alt.Chart] = []
    for label, at in marks.items():
        if at is None or pd.isna(at):
            continue
        colour = (colours or {}).get(label, "#333333")
        temporal = axis == "x" and isinstance(at, pd.Timestamp | str)
        df = pd.DataFrame({"label": [label], "at": [pd.Timestamp(at) if temporal else at]})
        kind = "T" if temporal else "Q"
        pos: dict[str, Any]
        if axis == "x":
            pos = {"x": alt.X(f"at:{kind}")}
            text = alt.Chart(df).mark_text(align="left", dx=3, dy=8, fontSize=11, fontWeight="bold")
            text = text.encode(**pos, y=alt.value(0), text="label:N", color=alt.value(colour))
        else:
            pos = {"y": alt.Y(f"at:{kind}")}
            text = alt.Chart(df).mark_text(
                align="left", dx=3, dy=-6, fontSize=11, fontWeight="bold"
            )
            text = text.encode(**pos, x=alt.value(0), text="label:N", color=alt.value(colour))
        rule = alt.Chart(df).mark_rule(strokeDash=[4, 3], strokeWidth=1.5)
        layers += [rule.encode(**pos, color=alt.value(colour)), text]
    return layers


SCURVE_ROWS, SCURVE_X, SCURVE_Y = "scurve_rows", "scurve_xrules", "scurve_yrules"


def _rule_rows(
    marks: Mapping[str, Any], colours: Mapping[str, str], temporal: bool
) -> pd.DataFrame:
    """One row per reference line present: ``label, at, colour`` (``None`` marks left out)."""
    kept = [(k, v) for k, v in marks.items() if v is not None and not pd.isna(v)]
    at = [pd.Timestamp(v) if temporal else float(v) for _, v in kept]
    return pd.DataFrame(
        {
            "label": [k for k, _ in kept],
            "at": pd.Series(at, dtype="datetime64[ns]" if temporal else float),
            "colour": [colours.get(k, "#333333") for k, _ in kept],
        }
    )


def s_curve_parts(
    curve: pd.DataFrame,
    *,
    status_date: Any = None,
    bac: float | None = None,
    eac: float | None = None,
) -> dict[str, Any]:
    """Everything of :func:`s_curve_chart` that depends on the project: its named datasets.

    The curve's rows (legend label joined), the vertical reference lines (status date) and the
    horizontal ones (BAC, EAC), one row per line present; a live page swaps them into the
    chart it shows (:func:`pmkit.charts.parts.respec`).
    """
    d = curve[["date", "series", "value"]].copy()
    d["date"] = pd.to_datetime(d["date"])
    d["label"] = d["series"].map(lambda s: SERIES_STYLE.get(str(s), (str(s),))[0])
    xs = _rule_rows({"Status date": status_date}, {}, temporal=True)
    ys = _rule_rows({"BAC": bac, "EAC": eac}, {"BAC": "#0072B2", "EAC": "#D55E00"}, False)
    return {"datasets": {SCURVE_ROWS: records(d), SCURVE_X: records(xs), SCURVE_Y: records(ys)}}


def _data_rules(name: str, *, axis: str, kind: str) -> list[alt.Chart]:
    """Labelled dashed reference rules drawn from the named dataset ``name`` (label, at,
    colour): the same look as :func:`_rules`, with the lines as data, not as layers."""
    src = alt.Chart(alt.NamedData(name))
    colour = alt.Color("colour:N", scale=None, legend=None)
    if axis == "x":
        pos: dict[str, Any] = {"x": alt.X(f"at:{kind}")}
        text = src.mark_text(align="left", dx=3, dy=8, fontSize=11, fontWeight="bold").encode(
            **pos, y=alt.value(0), text="label:N", color=colour
        )
    else:
        pos = {"y": alt.Y(f"at:{kind}")}
        text = src.mark_text(align="left", dx=3, dy=-6, fontSize=11, fontWeight="bold").encode(
            **pos, x=alt.value(0), text="label:N", color=colour
        )
    rule = src.mark_rule(strokeDash=[4, 3], strokeWidth=1.5).encode(**pos, color=colour)
    return [rule, text]


def s_curve_chart(
    curve: pd.DataFrame,
    *,
    status_date: Any = None,
    bac: float | None = None,
    eac: float | None = None,
    currency: str = "EUR",
    width: int = 620,
    height: int = 300,
) -> ChartType:
    """Cumulative PV / EV / AC against time, with the status date and BAC / EAC levels.

    Parameters
    ----------
    curve
        Long table ``date, series, value`` (``series`` in PV, EV, AC), e.g. ``pmkit.evm.s_curve``.
    status_date, bac, eac
        Reference lines; ``None`` leaves one out.

    The rows and reference lines are named datasets (:func:`s_curve_parts`): a live page can
    swap another project's in without rebuilding the chart.
    """
    parts = s_curve_parts(curve, status_date=status_date, bac=bac, eac=eac)
    labels = [v[0] for v in SERIES_STYLE.values()]
    line = (
        alt.Chart(alt.NamedData(SCURVE_ROWS))
        .mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=2.2)
        .encode(
            x=alt.X(
                "date:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount="month")
            ),
            y=alt.Y("value:Q", title=f"Cumulative ({currency})", axis=alt.Axis(format="~s")),
            color=alt.Color(
                "label:N",
                title=None,
                scale=alt.Scale(domain=labels, range=[v[1] for v in SERIES_STYLE.values()]),
                legend=alt.Legend(orient="top"),
            ),
            strokeDash=alt.StrokeDash(
                "label:N",
                scale=alt.Scale(domain=labels, range=[v[2] for v in SERIES_STYLE.values()]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Series"),
                alt.Tooltip("date:T", title="Date", format=DATE_FORMAT),
                alt.Tooltip("value:Q", title=currency, format=",.0f"),
            ],
        )
    )
    layers: list[alt.Chart] = [
        line,
        *_data_rules(SCURVE_X, axis="x", kind="T"),
        *_data_rules(SCURVE_Y, axis="y", kind="Q"),
    ]
    return (
        alt.layer(*layers)
        .resolve_scale(color="independent")
        .properties(width=width, height=height, datasets=parts["datasets"])
    )


def finish_histogram_chart(
    histogram: pd.DataFrame,
    percentiles: Mapping[str, Any] | None = None,
    *,
    deterministic: Any = None,
    width: int = 420,
    height: int = 240,
) -> ChartType:
    """Simulated finish dates as a histogram, with P50 / P80 / P90 (and the plan) as rules.

    Parameters
    ----------
    histogram
        ``bin_start, bin_end, count`` (dates and run counts), already binned by the engine so
        the chart carries a few dozen rows, not 10,000 runs.
    percentiles
        ``{"P50": date, "P80": date, "P90": date}``.
    deterministic
        The CPM finish date, drawn as "Plan".
    """
    d = histogram[["bin_start", "bin_end", "count"]].copy()
    d["bin_start"] = pd.to_datetime(d["bin_start"])
    d["bin_end"] = pd.to_datetime(d["bin_end"])
    bars = (
        alt.Chart(d)
        .mark_bar(color="#56B4E9", stroke="#fff", strokeWidth=0.5)
        .encode(
            x=alt.X("bin_start:T", title="Finish date", axis=alt.Axis(format="%d %b %y")),
            x2="bin_end:T",
            y=alt.Y("count:Q", title="Runs"),
            y2=alt.datum(0),
            tooltip=[
                alt.Tooltip("bin_start:T", title="From", format=DATE_FORMAT),
                alt.Tooltip("bin_end:T", title="To", format=DATE_FORMAT),
                alt.Tooltip("count:Q", title="Runs"),
            ],
        )
    )
    marks = {k: pd.Timestamp(v) for k, v in (percentiles or {}).items() if v is not None}
    colours = {k: _PCT_COLOURS.get(k, "#333") for k in marks}
    if deterministic is not None:
        marks["Plan"] = pd.Timestamp(deterministic)
        colours["Plan"] = "#000000"
    layers = [bars, *_rules(marks, axis="x", colours=colours)]
    return alt.layer(*layers).properties(width=width, height=height)


def cdf_chart(
    cdf: pd.DataFrame,
    percentiles: Mapping[str, Any] | None = None,
    *,
    width: int = 420,
    height: int = 240,
) -> ChartType:
    """Probability of finishing on or before each date (the S-shaped cumulative curve).

    Parameters
    ----------
    cdf
        ``finish, probability`` (0..1), e.g. one row per histogram bin edge.
    """
    d = cdf[["finish", "probability"]].copy()
    d["finish"] = pd.to_datetime(d["finish"])
    line = (
        alt.Chart(d)
        .mark_line(color="#0072B2", strokeWidth=2.2, interpolate="step-after")
        .encode(
            x=alt.X("finish:T", title="Finish date", axis=alt.Axis(format="%d %b %y")),
            y=alt.Y(
                "probability:Q", title="Probability of finishing by", axis=alt.Axis(format="%")
            ),
            tooltip=[
                alt.Tooltip("finish:T", title="Finish by", format=DATE_FORMAT),
                alt.Tooltip("probability:Q", title="Probability", format=".0%"),
            ],
        )
    )
    marks = {k: pd.Timestamp(v) for k, v in (percentiles or {}).items() if v is not None}
    colours = {k: _PCT_COLOURS.get(k, "#333") for k in marks}
    return alt.layer(line, *_rules(marks, axis="x", colours=colours)).properties(
        width=width, height=height
    )


def tornado_chart(
    sensitivity: pd.DataFrame,
    *,
    label: str = "label",
    value: str = "value",
    title: str = "Correlation of task duration with project finish",
    top: int = 12,
    width: int = 420,
) -> alt.Chart:
    """Horizontal bars sorted by absolute size: which task durations drive the finish date.

    Parameters
    ----------
    sensitivity
        One row per task: ``label`` (shown text) and ``value`` (e.g. Spearman correlation).
    top
        Keep the ``top`` largest absolute values (the rest add noise, not insight).
    """
    d = sensitivity[[label, value]].rename(columns={label: "label", value: "value"}).copy()
    d = d.dropna().assign(size=lambda x: x["value"].abs())
    d = d.sort_values("size", ascending=False).head(top)
    d["direction"] = d["value"].map(
        lambda v: "Longer task, later finish" if v >= 0 else "Longer task, earlier finish"
    )
    return (
        alt.Chart(d)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", sort=d["label"].tolist(), title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("value:Q", title=title, scale=alt.Scale(domain=[-1, 1])),
            color=alt.Color(
                "direction:N",
                title=None,
                scale=alt.Scale(
                    domain=["Longer task, later finish", "Longer task, earlier finish"],
                    range=["#D55E00", "#0072B2"],
                ),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Task"),
                alt.Tooltip("value:Q", title="Correlation", format=".2f"),
            ],
        )
        .properties(width=width, height=max(22 * len(d), 60))
    )
