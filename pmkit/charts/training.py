"""Charts of the teaching demos: small, bilingual (every title is passed in), no business rules.

The lessons show the same question through the PM and PMO lenses; the figures come from
:mod:`pmkit.training.demos`, and these builders only draw them. Titles and axis names arrive
already translated, so one builder serves the Spanish and the English page.

Colours follow the Okabe–Ito palette; "over capacity" and "selected project" are also said in
words (tooltips, legend, bold outline), never by colour alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import altair as alt
import pandas as pd

from pmkit.vocabulary import DATE_FORMAT

__all__ = [
    "CHARTS",
    "bar_chart",
    "bilingual",
    "build",
    "draw",
    "heat_chart",
    "line_chart",
    "load_chart",
    "prepare",
]

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
    data, shape = _bar_data(df, titles, colours=colours)
    return _bar_draw(data, shape, titles, colours=colours)


def _bar_data(
    df: pd.DataFrame, titles: Mapping[str, str], *, colours: Mapping[str, str] | None = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """:func:`bar_chart`'s table and the figures of its shape (see :func:`prepare`)."""
    data = df.copy()
    if "highlight" not in data.columns:
        data["highlight"] = False
    data["highlight"] = data["highlight"].astype(bool)
    order = (
        data.groupby("label", sort=False)["value"].sum().sort_values(ascending=False).index.tolist()
    )
    # sorted by a rank column, not a list of the labels: the spec then has the same shape in
    # every language and for every project (a switch sends data, the page re-embeds nothing)
    rank = {label: i for i, label in enumerate(order)}
    data["rank"] = data["label"].map(rank)
    if "group" in data.columns and colours:
        at = {g: i for i, g in enumerate(colours)}
        data["group_order"] = [at.get(g, -1) for g in data["group"]]
    values = pd.to_numeric(data["value"], errors="coerce")
    whole = bool(len(values) and values.notna().all() and (values == values.round()).all())
    return data, {"labels": len(order), "group": "group" in df.columns, "whole": whole}


def _bar_draw(
    data: pd.DataFrame,
    shape: Mapping[str, Any],
    titles: Mapping[str, str],
    *,
    colours: Mapping[str, str] | None = None,
) -> alt.Chart:
    """:func:`bar_chart` of its prepared table (the table is only attached)."""
    y = alt.Y("label:N", sort=alt.EncodingSortField("rank", op="min"), title=_t(titles, "y"))
    # whole numbers (counts of projects, links, artefacts): ticks at whole steps, never 0.5
    whole = bool(shape.get("whole"))
    axis = alt.Axis(tickMinStep=1, format=",d") if whole else alt.Undefined
    x = alt.X("value:Q", title=_t(titles, "x"), stack="zero", axis=axis)
    tips = [
        alt.Tooltip("label:N", title=_t(titles, "y")),
        alt.Tooltip("value:Q", title=_t(titles, "x"), format=",.0f" if whole else ",.1f"),
    ]
    enc: dict[str, object] = {"x": x, "y": y}
    if shape["group"]:
        scale = (
            alt.Scale(domain=list(colours), range=list(colours.values()))
            if colours
            else alt.Scale(range=_OKABE_ITO)
        )
        enc["color"] = alt.Color("group:N", title=_t(titles, "group"), scale=scale)
        if colours:  # stacked in the order of the legend (not of the words: same in any language)
            enc["order"] = alt.Order("group_order:Q")
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
    height = max(60, 20 * shape["labels"])
    return bars.properties(width=_W, height=height, title=_t(titles, "title"))


def load_chart(df: pd.DataFrame, titles: Mapping[str, str]) -> alt.LayerChart | alt.Chart:
    """A resource histogram: ``period`` (week), ``demand_hours`` bars, ``capacity_hours`` line.

    Bars over capacity are vermillion and say "over capacity" in the tooltip.
    """
    if df.empty:
        return _empty(_t(titles, "empty", "-"))
    data, shape = _load_data(df, titles)
    return _load_draw(data, shape, titles)


def _load_data(df: pd.DataFrame, titles: Mapping[str, str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    over_word = _t(titles, "over", "over capacity")
    ok_word = _t(titles, "ok", "within capacity")
    data = df.assign(
        state=[
            over_word if d > c else ok_word
            for d, c in zip(df["demand_hours"], df["capacity_hours"], strict=True)
        ]
    )
    return data, {}


def _load_draw(
    data: pd.DataFrame, shape: Mapping[str, Any], titles: Mapping[str, str]
) -> alt.LayerChart:
    over_word = _t(titles, "over", "over capacity")
    ok_word = _t(titles, "ok", "within capacity")
    x = alt.X("period:T", title=_t(titles, "x"), axis=alt.Axis(format="%d %b"))
    # the layers without data and the data on the layer: the spec altair writes when both
    # layers share one frame, without hashing the frame's text to find out that they do
    bars = (
        alt.Chart()
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
    cap = (  # a channel object: a shorthand string makes altair search its schema
        alt.Chart()
        .mark_line(color="black", strokeDash=[4, 3])
        .encode(x=x, y=alt.Y("capacity_hours:Q"))
    )
    return alt.LayerChart(layer=[bars, cap], data=data).properties(
        width=_W, height=200, title=_t(titles, "title")
    )


def heat_chart(df: pd.DataFrame, titles: Mapping[str, str]) -> alt.LayerChart | alt.Chart:
    """Role x month load: ``role``, ``month``, ``demand_hours``, ``capacity_hours``,
    ``utilisation`` (1.0 = full); colour centred on 100 %, each cell labelled with its %."""
    if df.empty:
        return _empty(_t(titles, "empty", "-"))
    data, shape = _heat_data(df, titles)
    return _heat_draw(data, shape, titles)


def _heat_data(df: pd.DataFrame, titles: Mapping[str, str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    data = df.assign(pct=(df["utilisation"] * 100).round(0))
    # cells shrink to fit one lens panel (about 480 px) rather than widen it past the screen
    width = min(_HEAT_MAX_W, max(_W, 22 * data["month"].nunique()))
    return data, {"width": width, "height": 22 * data["role"].nunique()}


def _heat_draw(
    data: pd.DataFrame, shape: Mapping[str, Any], titles: Mapping[str, str]
) -> alt.LayerChart:
    base = alt.Chart().encode(  # the data on the layer (see load_chart)
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
    return alt.LayerChart(layer=[cells, text], data=data).properties(
        width=shape["width"], height=shape["height"], title=_t(titles, "title")
    )


def line_chart(df: pd.DataFrame, titles: Mapping[str, str]) -> alt.Chart:
    """Lines over time: ``date``, ``group`` (one line each, with point marks), ``value``."""
    if df.empty:
        return _empty(_t(titles, "empty", "-"))
    data, shape = _line_data(df, titles)
    return _line_draw(data, shape, titles)


def _line_data(df: pd.DataFrame, titles: Mapping[str, str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    return df.assign(date=pd.to_datetime(df["date"]).dt.strftime(DATE_FORMAT)), {}


def _line_draw(
    data: pd.DataFrame, shape: Mapping[str, Any], titles: Mapping[str, str]
) -> alt.Chart:
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("date:T", title=_t(titles, "x")),
            y=alt.Y("value:Q", title=_t(titles, "y")),
            # a legend of its own: merged with the dash's (none), it was dropped, leaving the
            # lines told apart by colour alone
            color=alt.Color(
                "group:N",
                title=_t(titles, "group"),
                scale=alt.Scale(range=_OKABE_ITO),
                legend=alt.Legend(),
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


# -- a chart in two steps: its table, then the drawing -------------------------------------------
# ``build(kind, df, titles)`` is ``draw(kind, *prepare(kind, df, titles), titles)`` (or the
# empty chart). The drawing reads the prepared table only to attach it: every other part of
# its spec follows from the kind, the titles, the options and the ``shape`` figures (a bar
# chart's height, a heat map's size). A page can thus keep one spec per shape and swap in
# another table's values (:func:`pmkit.ui.lessons.lens_spec`) for the spec a build gives.
_PARTS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "bars": (_bar_data, _bar_draw),
    "load": (_load_data, _load_draw),
    "heat": (_heat_data, _heat_draw),
    "lines": (_line_data, _line_draw),
}


def prepare(
    kind: str, df: pd.DataFrame, titles: Mapping[str, str], **options: Any
) -> tuple[pd.DataFrame, dict[str, Any]] | None:
    """The table :func:`build` attaches to its chart and the figures of the chart's shape
    it derives from ``df``; ``None`` for an empty ``df`` (a chart saying why it is empty)."""
    if kind not in _PARTS:
        raise KeyError(f"unknown chart kind {kind!r}; known: {sorted(_PARTS)}")
    if df.empty:
        return None
    data, shape = _PARTS[kind][0](df, titles, **options)
    return data, shape


def draw(
    kind: str,
    data: pd.DataFrame,
    shape: Mapping[str, Any],
    titles: Mapping[str, str],
    **options: Any,
) -> alt.TopLevelMixin:
    """The chart of a :func:`prepare`'d table: the chart :func:`build` makes of ``df``."""
    chart: alt.TopLevelMixin = _PARTS[kind][1](data, shape, titles, **options)
    return chart


# -- one spec for every language ---------------------------------------------------------------
# A language switch that changes a chart's titles would make the page embed the chart again
# (parse, compile, draw: the slowest part of a switch). :func:`bilingual` turns the titles,
# tooltips and colour domains of a spec built in one language into Vega expressions of a
# ``lang`` parameter holding every language's words: the specs of one chart in two languages
# then differ only by their data (translated values) and that parameter's value, which the
# page updates in place.

_AXIS_CHANNELS = {"x", "y", "x2", "y2", "theta", "radius"}
_LEGEND_CHANNELS = {"color", "fill", "stroke", "size", "opacity", "shape", "strokeDash"}
_VIEWS = ("layer", "hconcat", "vconcat", "concat")
LANG_PARAM = "lang"


def _js(value: object) -> str:
    """A JSON (and Vega expression) literal, as Vega-Lite writes it (no \\u escapes)."""
    return json.dumps(value, ensure_ascii=False)


def _pick(by_lang: Mapping[str, str]) -> str:
    """A Vega expression: the text of the ``lang`` parameter's language."""
    items = list(by_lang.items())
    out = _js(items[-1][1])
    for code, text in reversed(items[:-1]):
        out = f"{LANG_PARAM} === {_js(code)} ? {_js(text)} : {out}"
    return out


class _Words:
    """Texts of the current language -> every language's text (ambiguous ones left out)."""

    def __init__(self, words: Mapping[str, Mapping[str, str]]) -> None:
        self.words = words
        self.used = False

    def get(self, text: Any) -> Mapping[str, str] | None:
        return self.words.get(text) if isinstance(text, str) else None

    def expr(self, text: Any) -> str | None:
        by_lang = self.get(text)
        if by_lang is None:
            return None
        self.used = True
        return _pick(by_lang)

    def langs(self) -> list[str]:
        return list(next(iter(self.words.values()), {}))


def _tip_value(d: Mapping[str, Any]) -> str | None:
    """Vega-Lite's own tooltip expression for one field (``None``: a kind not handled)."""
    if set(d) - {"field", "type", "title", "format"} or not isinstance(d.get("field"), str):
        return None
    ref = f"datum[{_js(d['field'])}]"
    kind, fmt = d.get("type"), d.get("format")
    if kind == "quantitative":
        return f"format({ref}, {_js(fmt or '')})"
    if kind == "temporal" and isinstance(fmt, str):
        return f"timeFormat({ref}, {_js(fmt)})"
    if kind in ("nominal", "ordinal") and fmt is None:
        return f"isValid({ref}) ? isArray({ref}) ? join({ref}, '\\n') : {ref} : \"\"+{ref}"
    return None


def _tooltip(defs: Any, words: _Words) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """A tooltip channel as one expression choosing each language's titles, and the marks'
    description (what a screen reader says) from the same fields and titles."""
    items = defs if isinstance(defs, list) else [defs]
    values = [_tip_value(d) if isinstance(d, dict) else None for d in items]
    if not items or any(v is None for v in values):
        return None
    titles = [d.get("title", d["field"]) for d in items]
    if not any(words.get(t) for t in titles):
        return None

    def texts(lang: str) -> list[str]:
        return [(words.get(t) or {}).get(lang, str(t)) for t in titles]

    def obj(lang: str) -> str:
        pairs = zip(texts(lang), values, strict=True)
        return "{" + ", ".join(f"{_js(k)}: {v}" for k, v in pairs) + "}"

    def said(lang: str) -> str:
        pairs = zip(texts(lang), values, strict=True)
        parts = [f"{_js(k.strip() + ': ')} + ({v})" for k, v in pairs]
        return ' + "; " + '.join(parts)

    langs = words.langs()
    tip, desc = obj(langs[-1]), said(langs[-1])
    for code in reversed(langs[:-1]):
        tip = f"{LANG_PARAM} === {_js(code)} ? {obj(code)} : {tip}"
        desc = f"{LANG_PARAM} === {_js(code)} ? {said(code)} : {desc}"
    words.used = True
    return {"value": {"expr": tip}}, {"value": {"expr": desc}}


def _domain(scale: Any, words: _Words) -> Any:
    """A scale whose domain is a list of words, with one list per language."""
    if not isinstance(scale, dict) or not isinstance(scale.get("domain"), list):
        return scale
    domain = scale["domain"]
    if not domain or not all(words.get(x) for x in domain):
        return scale
    langs = words.langs()
    by_lang = {lang: _js([words.words[x][lang] for x in domain]) for lang in langs}
    expr = by_lang[langs[-1]]
    for code in reversed(langs[:-1]):
        expr = f"{LANG_PARAM} === {_js(code)} ? {by_lang[code]} : {expr}"
    words.used = True
    return {**scale, "domain": {"expr": expr}}


def _channel(name: str, d: dict[str, Any], words: _Words) -> dict[str, Any]:
    out = dict(d)
    if "scale" in out:
        out["scale"] = _domain(out["scale"], words)
    guide = "axis" if name in _AXIS_CHANNELS else "legend" if name in _LEGEND_CHANNELS else None
    title = words.expr(out.get("title")) if guide is not None else None
    if guide is None or title is None:
        return out
    del out["title"]  # said by the axis or the legend (a channel's title must be a text)
    if out.get(guide, {}) is not None:  # a hidden guide shows no title
        guide_def = dict(out.get(guide) or {})
        # Vega-Lite turns an axis title's expression into a signal; a legend's goes as is
        guide_def["title"] = {"expr": title} if guide == "axis" else {"signal": title}
        out[guide] = guide_def
    return out


def _view(view: dict[str, Any], words: _Words) -> dict[str, Any]:
    out = dict(view)
    title = out.get("title")
    if isinstance(title, dict) and words.get(title.get("text")):
        out["title"] = {**title, "text": {"expr": words.expr(title["text"])}}
    elif words.get(title):
        out["title"] = {"text": {"expr": words.expr(title)}}
    enc = out.get("encoding")
    if isinstance(enc, dict):
        new: dict[str, Any] = {}
        for name, d in enc.items():
            if name == "tooltip" and (both := _tooltip(d, words)) is not None:
                new[name] = both[0]
                if "description" not in enc:  # else Vega-Lite says the fields' names
                    new["description"] = both[1]
            elif isinstance(d, dict):
                new[name] = _channel(name, d, words)
            else:
                new[name] = d
        out["encoding"] = new
    for key in _VIEWS:
        if isinstance(out.get(key), list):
            out[key] = [_view(v, words) if isinstance(v, dict) else v for v in out[key]]
    return out


def bilingual(
    spec: Mapping[str, Any], words: Mapping[str, Mapping[str, str]], lang: str
) -> dict[str, Any]:
    """``spec`` (built in language ``lang``) with every text found in ``words`` (text ->
    ``{language: text}``, the same languages for each) said through a ``lang`` parameter.

    Titles of the chart, its axes and legends become expressions choosing the text of
    ``lang``'s value; a tooltip becomes one expression (Vega-Lite's own, per language); a colour
    domain of words becomes a list per language. What the page draws for ``lang`` is what
    ``spec`` draws (tested on rendered SVG); data values stay as they are (translate them
    before). A spec with none of ``words`` comes back unchanged.
    """
    w = _Words(words)
    out = _view(dict(spec), w)
    if not w.used:
        return dict(spec)
    params = [p for p in out.get("params", []) or [] if isinstance(p, dict)]
    out["params"] = [*params, {"name": LANG_PARAM, "value": lang}]
    return out
