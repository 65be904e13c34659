"""The lessons page: eight PM vs PMO distinctions, each with a live demo through both lenses.

A trainer picks a lesson (1..8) and a language; the page shows a short lesson, a side-by-side
PM | PMO comparison and a live demo on the portfolio: the PM lens (one project, chosen in a
dropdown) next to the PMO lens (every project), with real figures from
:mod:`pmkit.training.demos`. A second tab compares the supportive, controlling and directive PMO:
switching the type changes which governance checks block a project.

``?lang=en`` in the page address opens the page in English.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import altair as alt
import ipywidgets as W
import pandas as pd
from altair.vegalite.v6.api import _dataset_name  # altair's name of an inlined table

from pmkit import cache
from pmkit.cache import load_sample
from pmkit.charts.training import bilingual
from pmkit.charts.training import build as build_chart
from pmkit.charts.training import draw as draw_chart
from pmkit.charts.training import prepare as prepare_chart
from pmkit.model import Portfolio
from pmkit.standards import standards_of
from pmkit.training.content import CONTENT_DIR, LANGS, Content, load_content
from pmkit.training.demos import (
    PMO_TYPES,
    Demo,
    Lens,
    check_modes,
    default_project,
    run_demo,
    sharing,
)
from pmkit.ui._common import (
    TABLE_CSS,
    badge,
    before_request,
    esc,
    guarded,
    header,
    html_table,
    kernel_loop,
    safe_build,
    setup,
)
from pmkit.ui._swap import SwapChart

log = logging.getLogger(__name__)

__all__ = ["LANG_OPTIONS", "LessonsApp", "Translator", "app", "lang_from_query"]

LANG_OPTIONS: list[tuple[str, str]] = [("Español", "es"), ("English", "en")]
_MONEY = {
    "m.budget",
    "m.bac",
    "m.eac",
    "m.eac_after",
    "m.cost_impact",
    "m.significant_cost",
    "m.portfolio_exposure",
}
PRECOMPUTE_AT_MOST = 30
"""Projects whose lessons a preheated kernel computes before the request (the page's first
project, then the others in file order); a larger portfolio computes the rest when picked."""
NEW_PROJECTS_PER_KERNEL = 5
"""Projects a preheated kernel computes beyond its own page's when no kernel has (see
:meth:`LessonsApp.precompute`): bounds the first kernel's cost after a data change. On the
sample a kernel's page with its project and the types tab costs ~3 s CPU and each more project
~1 s (~1.5 s before the demos kept their whole-portfolio tables): 5 keeps the first kernel at
the cost 3 had then (7.5-10 s CPU, measured side by side), and 14 projects are shared after 3
kernels (the first and the pool's first two refills)."""
WARM_QUIET_S = 2.0
"""Seconds without an action (and after the first paint) before the serving kernel computes
ahead (:meth:`LessonsApp._warm_step`): a reader clicking through lessons or projects is never
made to wait for a step (at 0.4 s, clicks 0.5 s apart in the browser bench landed in steps and
a lesson click took 2-3x longer); a trainer who talks about a lesson gets its other projects."""
WARM_GAP_S = 0.25
"""Seconds between two idle steps: the kernel is busy at most ~1/5 of the time while it
computes ahead (a step is ~30-60 ms on the sample, ~150 ms for lesson 6), so a click that
comes then rarely waits, and never longer than the step in progress."""
WARM_AT_MOST = PRECOMPUTE_AT_MOST
"""Projects an idle kernel computes the shown lesson for (after the shown one)."""
_STATE_BADGE = {"blocked": "red", "advisory": "amber", "compliant": "green"}
_CSS = """
<style>
.pmkit-lesson {font-size: 15px; line-height: 1.45; max-width: 1100px;}
.pmkit-takeaway {border-left: 5px solid #0072B2; background: #eef5fb; padding: 6px 12px;}
.pmkit-compare {border-collapse: collapse; width: 100%; max-width: 1100px; font-size: 14px;}
.pmkit-compare th, .pmkit-compare td {border: 1px solid #ddd; padding: 6px 10px; width: 50%;
  vertical-align: top; text-align: left;}
.pmkit-compare th {background: #f2f2f2;}
.pmkit-metrics {display: grid; grid-template-columns: auto auto; gap: 2px 12px; font-size: 13px;}
.pmkit-metrics b {text-align: right;}
.pmkit-chosen {background: #eef5fb; font-weight: 600;}
.pmkit-types td, .pmkit-types th {width: 25%;}
.pmkit-lenses .vega-embed {max-width: 100%;}
</style>
"""


def lang_from_query(query: str | None = None) -> str | None:
    """The ``lang`` of the page address (Voila puts it in ``$QUERY_STRING``), if valid."""
    q = os.environ.get("QUERY_STRING", "") if query is None else query
    value = (parse_qs(q.lstrip("?")).get("lang") or [""])[0].lower()
    return value if value in LANGS else None


class Translator:
    """Labels, values and table headers of the teaching pages in the current language."""

    def __init__(self, content: Content, lang: str = "es") -> None:
        self.content = content
        self.lang = lang if lang in LANGS else "es"

    def __call__(self, key: str) -> str:
        return self.content.label(key, self.lang)

    def value(self, value: Any) -> str:
        """A data value shown to the class: ``'execution'`` -> ``'ejecución'`` when known."""
        if isinstance(value, str) and value in self.content.labels:  # a figure's label key
            return self(value)
        key = f"v.{value}"
        if key in self.content.labels:
            return self(key)
        parts = value.split(", ") if isinstance(value, str) else []
        if len(parts) > 1 and all(f"v.{p}" in self.content.labels for p in parts):
            return ", ".join(self(f"v.{p}") for p in parts)  # a list of checks, each named
        return str(value)

    def columns(self, df: pd.DataFrame, *, values: bool = True) -> pd.DataFrame:
        """Translated headers (``c.<column>``) and, for text columns, translated values."""
        out = df.copy()
        if values:
            for col in out.columns:
                if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
                    out[col] = out[col].map(lambda v: self.value(v) if isinstance(v, str) else v)
                elif pd.api.types.is_bool_dtype(out[col]):
                    out[col] = out[col].map(self.value)
        names = {c: self(f"c.{c}") if f"c.{c}" in self.content.labels else c for c in out.columns}
        return out.rename(columns=names)


def _fmt(key: str, value: Any, tr: Translator, currency: str) -> str:
    if isinstance(value, str):
        return tr.value(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if key in _MONEY:
        return f"{value:,.0f} {currency}"
    if key.endswith("_pct"):  # the unit beside the number, not only in the label
        return f"{value:,.1f} %" if not float(value).is_integer() else f"{value:,.0f} %"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def metrics_html(metrics: dict[str, Any], tr: Translator, currency: str = "EUR") -> str:
    """Headline figures as a two-column grid (label: value)."""
    cells = "".join(
        f"<span>{esc(tr(k))}</span><b class='pmkit-metric' data-key='{esc(k)}'>"
        f"{esc(_fmt(k, v, tr, currency))}</b>"
        for k, v in metrics.items()
    )
    return f"<div class='pmkit-metrics'>{cells}</div>"


def chart_titles(lens: Lens, tr: Translator) -> dict[str, str]:
    """The lens's chart titles in the current language, plus the shared words."""
    titles = {role: tr(key) for role, key in lens.titles.items()}
    titles.update(
        empty=tr("ui.no_data"),
        over=tr("ui.over_capacity"),
        ok=tr("ui.within_capacity"),
        capacity=tr("ui.capacity"),
        demand=tr("ui.demand"),
        legend=tr("ui.pct_capacity"),
    )
    return titles


def put_chart(box: W.Box, chart: alt.TopLevelMixin) -> alt.JupyterChart:
    """Show ``chart`` in ``box`` (see :func:`put_spec`)."""
    return put_spec(box, chart.to_dict(validate=False))  # its shapes are validated by tests


def put_spec(box: W.Box, spec: dict[str, Any]) -> alt.JupyterChart:
    """Show the Vega-Lite ``spec`` in ``box``: drawn by the box's spare chart widget, which is
    not on the page (a dict, so a precomputed chart costs no altair work on a click).

    Re-assigning the ``chart`` of a widget on the page re-embeds asynchronously in the
    browser: two quick updates (a lesson click, then the language switch) can finish out of
    order and leave the older spec (the other language's titles) on screen. A widget that is
    not on the page has no view: it takes the new chart, then replaces the shown one, and the
    page draws it once. A box keeps two widgets and alternates: a new chart widget per update
    would send its ~900 KB offline Vega bundle to the page each time.

    Only what changed travels: the spec shown again sends nothing, and a spec of the shape
    shown (another project's figures in the same lesson) sends its data alone once the page
    has embedded the shown chart (:class:`pmkit.ui._swap.SwapChart`: no re-embed, no race).
    """
    shown = list(box.children)
    pool: list[SwapChart] = box.__dict__.setdefault("_pmkit_charts", [])
    current = next((c for c in pool if c.widget in shown), None)
    if current is not None and (current.widget.spec == spec or current._push(spec)):
        return current.widget
    spare = next((c for c in pool if c.widget not in shown), None)
    if spare is None:
        spare = SwapChart(alt.Chart().mark_point())  # a placeholder, replaced below
        pool.append(spare)
    spare.widget.spec = spec
    # a new view of it will embed and confirm (local_tz): until then data must not travel alone
    with spare.widget._lock_property(local_tz=None):
        spare.widget.local_tz = None
    spare.widget.send_state(["local_tz"])
    box.children = [spare.widget]
    return spare.widget


def lens_view(heading: str, lens: Lens, tr: Translator, currency: str) -> dict[str, Any]:
    """What a lens panel shows, ready to put on the page: HTML texts and the chart's spec."""
    has_table = lens.table is not None and len(lens.table) > 0
    return {
        "heading": f"<h3>{esc(heading)}</h3>",
        "metrics": metrics_html(lens.metrics, tr, currency),
        "spec": lens_spec(lens, tr),
        "table": _lens_table(lens.table, tr) if has_table else "",
    }


def _lens_table(table: pd.DataFrame, tr: Translator) -> str:
    """A lens's table with its numbers written as its figures are (``9,000``, not
    ``9000.0``): the same amount must read the same above and below."""
    shown = tr.columns(table)
    floats = [
        name
        for col, name in zip(table.columns, shown.columns, strict=True)
        if pd.api.types.is_float_dtype(table[col])
    ]
    return html_table(shown, max_rows=20, formats=dict.fromkeys(floats, _number))


def _number(value: Any) -> str:
    """At most two decimals, trailing zeros dropped, thousands grouped; blank when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = f"{float(value):,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def chart_words(lens: Lens, tr: Translator) -> dict[str, dict[str, str]]:
    """The words of a lens's chart in ``tr``'s language -> the same word in every language
    (titles, and the gate states its colour legend names); a word of ``tr``'s language with
    two translations is left out (that chart then re-embeds on a language switch)."""
    by_lang: dict[str, dict[str, str]] = {}
    for lang in LANGS:
        t = Translator(tr.content, lang)
        by_lang[lang] = {**chart_titles(lens, t), **{s: t.value(s) for s in _STATE_BADGE}}
    words: dict[str, dict[str, str]] = {}
    mixed: set[str] = set()
    for role, text in by_lang[tr.lang].items():
        entry = {lang: by_lang[lang][role] for lang in LANGS}
        if words.get(text, entry) != entry:
            mixed.add(text)
        words[text] = entry
    return {k: v for k, v in words.items() if k not in mixed}


def lens_spec(lens: Lens, tr: Translator) -> dict[str, Any] | None:
    """The Vega-Lite spec of a lens's chart in ``tr``'s language, its words said through a
    ``lang`` parameter (:func:`pmkit.charts.training.bilingual`): the chart in another
    language differs by its data and that parameter only, so a language switch redraws it
    in place. ``None`` if the lens has no chart.

    A pure function of the lens's chart kind, titles, data and the language: the spec of a
    lens seen before (a PMO lens that does not depend on the project picked, e.g. the shared
    capacity heat map) is the one built then (:data:`_SPECS`; do not change it in place)."""
    key = None if lens.chart is None else _spec_key(lens, tr)
    if key is not None and key in _SPECS:
        return _SPECS[key][1]
    spec = _new_spec(lens, tr)
    if spec is None:
        return None
    if key is not None:
        _keep(_SPECS, key, (tr.content, spec))  # the content kept: its id is not reused meanwhile
    return spec


_SPECS: dict[tuple[Any, ...], tuple[Content, dict[str, Any]]] = {}
_SPECS_AT_MOST = 64
_TEMPLATES: dict[tuple[Any, ...], tuple[Content, dict[str, Any]]] = {}
"""A lens chart's spec per shape (:func:`_new_spec`), oldest out past :data:`_SPECS_AT_MOST`."""


def _keep(kept: dict[Any, Any], key: Any, value: Any) -> None:
    while len(kept) >= _SPECS_AT_MOST:  # the oldest first
        del kept[next(iter(kept))]
    kept[key] = value


def _new_spec(lens: Lens, tr: Translator) -> dict[str, Any] | None:
    """:func:`lens_spec` not kept: a spec of the same shape seen before (same chart kind,
    language, titles, options, table columns and types, shape figures) with this table's
    values in it, else built with altair. Both give the same spec (the drawing step only
    attaches the table; :func:`pmkit.charts.training.prepare`): another project's chart
    costs a table, not an altair build."""
    if lens.chart is None:
        return None
    data, titles, opts = _chart_inputs(lens, tr)
    parts = prepare_chart(lens.chart, data, titles, **opts)
    if parts is None:  # the empty chart: built
        return _bilingual(build_chart(lens.chart, data, titles, **opts), lens, tr)
    table, shape = parts
    key = (
        id(tr.content),
        tr.lang,
        lens.chart,
        tuple(sorted(lens.titles.items())),
        repr(sorted(opts.items())),
        repr(sorted(shape.items())),
        tuple((str(c), str(t)) for c, t in table.dtypes.items()),
    )
    if key in _TEMPLATES:
        filled = _with_table(_TEMPLATES[key][1], table)
        if filled is not None:
            return filled
    spec = _bilingual(draw_chart(lens.chart, table, shape, titles, **opts), lens, tr)
    if _dataset(spec) is not None:
        _keep(_TEMPLATES, key, (tr.content, spec))
    return spec


def _bilingual(chart: alt.TopLevelMixin, lens: Lens, tr: Translator) -> dict[str, Any]:
    # the shapes of these charts are validated by tests: no jsonschema pass per panel
    return bilingual(chart.to_dict(validate=False), chart_words(lens, tr), tr.lang)


def _dataset(spec: dict[str, Any]) -> str | None:
    """The name of a spec's one table, attached at its top (altair's layout), else ``None``."""
    sets, data = spec.get("datasets"), spec.get("data")
    if not isinstance(sets, dict) or len(sets) != 1 or not isinstance(data, dict):
        return None
    name = next(iter(sets))
    return name if data == {"name": name} else None


def _with_table(template: dict[str, Any], table: pd.DataFrame) -> dict[str, Any] | None:
    """``template`` with ``table`` as its data, as altair's ``to_dict`` writes it (its data
    transformer's values, named by their hash); ``None`` if altair would not inline it."""
    transform = alt.data_transformers.get()
    if _dataset(template) is None or transform is None:
        return None
    values = transform(table)
    if not isinstance(values, dict) or set(values) != {"values"}:
        return None
    name = _dataset_name(values["values"])
    out = {}
    for k, v in template.items():  # the keys in the template's order
        out[k] = (
            {name: values["values"]} if k == "datasets" else {"name": name} if k == "data" else v
        )
    return out


def _spec_key(lens: Lens, tr: Translator) -> tuple[Any, ...] | None:
    """Everything :func:`lens_spec` reads: the content, the language, the chart kind, the
    titles and the data's columns, types, index and every value (hashed); ``None`` for data
    pandas cannot hash (never shared then)."""
    data = lens.data
    try:
        h = hashlib.sha1(repr([(str(c), str(t)) for c, t in data.dtypes.items()]).encode())
        h.update(pd.util.hash_pandas_object(data, index=True).to_numpy().tobytes())
    except (TypeError, ValueError):
        return None
    titles = tuple(sorted(lens.titles.items()))
    return (id(tr.content), tr.lang, lens.chart, titles, h.hexdigest())


_kernel_loop = kernel_loop  # the module's name for it: tests fake a kernel here


def _machine_busy() -> bool:
    """Is every core already busy (1-minute load average at least the cores)? Idle steps
    are a bet on the reader's next pick: they must not take CPU from another viewer's first
    paint when twenty trainees open the page at once."""
    try:
        return os.getloadavg()[0] >= (os.cpu_count() or 1)
    except OSError:  # no load average on this platform: assume idle
        return False


def light_charts() -> bool:
    """Does a chart widget carry a small loader of the Vega bundle (``pmkit serve``), not the
    ~900 KB bundle itself? Only then does each lesson keep chart widgets of its own on the
    page (elsewhere a box alternates two widgets, as each new widget would send the bundle)."""
    setup()
    return len(str(getattr(alt.JupyterChart, "_esm", ""))) < _LIGHT_ESM


_LIGHT_ESM = 20_000
_SHARED: dict[str, Any] = {}


def _shared(portfolio: Portfolio) -> dict[Any, Any]:
    """Demos and panel views of the portfolio last shown, kept for the kernel's next page.

    A preheated kernel computes them before the request (:meth:`LessonsApp.precompute`);
    a page built again after it (another language in the address) finds them here. Only one
    portfolio is kept: another one (new data) starts empty.
    """
    if _SHARED.get("portfolio") is not portfolio:
        _SHARED.clear()
        _SHARED.update(portfolio=portfolio, cache={})
    cache: dict[Any, Any] = _SHARED["cache"]
    return cache


def _content_name() -> str:
    """The name of the shared panels: the teaching texts' version is part of it (the cache
    key follows pmkit's code and the data, not the YAML files)."""
    h = hashlib.sha1()
    for f in sorted(CONTENT_DIR.glob("*.yaml")):
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return f"lessons_{h.hexdigest()[:16]}"


def _share(portfolio: Portfolio, name: str, compute: Callable[[], dict[Any, Any]]) -> Any:
    """``compute()`` once per data version, shared between kernels (:func:`pmkit.cache.derived`);
    never raises (a cache that cannot be used computes here)."""
    try:
        return cache.derived(portfolio, name, compute)
    except Exception:
        log.warning("lessons not shared; computing in this kernel", exc_info=True)
        return compute()


def lens_chart(lens: Lens, tr: Translator) -> alt.TopLevelMixin | None:
    """The chart of a lens with translated titles and values (``None`` if it has none)."""
    if lens.chart is None:
        return None
    data, titles, opts = _chart_inputs(lens, tr)
    return build_chart(lens.chart, data, titles, **opts)


def _chart_inputs(
    lens: Lens, tr: Translator
) -> tuple[pd.DataFrame, dict[str, str], dict[str, Any]]:
    """A lens's chart table with translated values, its titles and the builder's options."""
    data = lens.data.copy()
    for col in ("label", "group"):
        if col in data.columns:
            data[col] = data[col].map(tr.value)
    opts: dict[str, Any] = {}
    if "group" in lens.data.columns and set(lens.data["group"]) <= set(_STATE_BADGE):
        # gate states keep their status colours (with the words in the legend)
        colours = {"blocked": "#D55E00", "advisory": "#E69F00", "compliant": "#009E73"}
        opts["colours"] = {tr.value(k): v for k, v in colours.items()}
    return data, chart_titles(lens, tr), opts


class _Panel:
    """One lens of the demo: a heading, figures, a live chart (kept and updated), a table.

    Each lesson's chart has a box of its own, kept on the page once filled and hidden while
    another lesson is shown: a lesson click shows its box (the chart the page embedded
    earlier), and only redraws it in place if the project or the language changed since."""

    def __init__(self, css: str) -> None:
        self.heading = W.HTML()  # the heading and the figures: one text, one message
        self.chart: alt.JupyterChart | None = None
        self.charts = W.Box(layout=W.Layout(max_width="100%", overflow="auto"))
        self.slots: dict[int, W.Box] = {}
        self.lesson = 0
        self.table = W.HTML()
        # side by side on a wide screen, one above the other on a narrow one (flex-wrap)
        self.widget = W.VBox(
            [self.heading, self.charts, self.table],
            layout=W.Layout(flex="1 1 480px", min_width="0", padding="0 8px", overflow="auto"),
        )
        self.widget.add_class(css)

    @property
    def metrics(self) -> W.HTML:
        """The text showing the figures (the heading's: a switch sends one message)."""
        return self.heading

    @property
    def chart_box(self) -> W.Box:
        """The box of the lesson shown."""
        return self.slot(self.lesson)

    def slot(self, lesson: int) -> W.Box:
        """Lesson ``lesson``'s chart box (made hidden, and put on the page, when first used)."""
        if lesson not in self.slots:
            box = W.Box(layout=W.Layout(max_width="100%", overflow="auto", display="none"))
            self.slots[lesson] = box
            self.charts.children = (*self.charts.children, box)
        return self.slots[lesson]

    def show(self, view: dict[str, Any], lesson: int = 0) -> None:
        """Put a :func:`lens_view` on the page (lesson ``lesson``'s)."""
        self.heading.value = view["heading"] + view["metrics"]
        box = self.slot(lesson)
        if view["spec"] is None:  # drop the previous chart: hidden, it would keep its language
            box.children = []
            self.chart = None
            box.layout.display = "none"
        else:
            self.chart = put_spec(box, view["spec"])
            box.layout.display = "flex"
        for other, hidden in self.slots.items():
            if other != lesson:
                hidden.layout.display = "none"
        self.lesson = lesson
        self.table.value = view["table"]

    def preload(self, view: dict[str, Any], lesson: int) -> alt.JupyterChart | None:
        """Put lesson ``lesson``'s chart on the page hidden, so that the page embeds it now
        and a click on that lesson only shows it; ``None`` if there is nothing to put (the
        lesson shown, no chart, or a chart there already: brought up to date when shown)."""
        if lesson == self.lesson or view["spec"] is None or self.slot(lesson).children:
            return None
        return put_spec(self.slot(lesson), view["spec"])


class LessonsApp:
    """The lessons page's widgets and wiring; demos are computed once per lesson and project."""

    def __init__(
        self,
        portfolio: Portfolio,
        content: Content | None = None,
        *,
        lang: str = "es",
        precompute: bool = False,
    ) -> None:
        self.p = portfolio
        self.content = content or load_content()
        self.tr = Translator(self.content, lang)
        self.currency = str(getattr(portfolio, "currency", "EUR"))
        self._own_content = content is None
        self._cache = _shared(portfolio) if content is None else {}
        self._per_lesson = light_charts()  # a chart box per lesson, kept on the page

        self.title = W.HTML()
        self.lang = W.ToggleButtons(
            options=LANG_OPTIONS, value=self.tr.lang, style={"button_width": "90px"}
        )
        self.lesson = W.ToggleButtons(
            options=[(str(le.id), le.id) for le in self.content.lessons],
            value=1,
            style={"button_width": "44px"},
        )
        projects = portfolio.projects
        self.project = W.Dropdown(
            options=[
                (f"{pid} · {name}", pid)
                for pid, name in zip(projects["project_id"], projects["name"], strict=True)
            ],
            value=default_project(portfolio),
            layout=W.Layout(width="420px"),
        )
        self.lesson_label = W.HTML()
        self.project_label = W.HTML()
        # the lesson, the PM | PMO comparison and the demo's heading: one text, one message
        self.text = W.HTML()
        self.message = W.HTML()
        self.pm = _Panel("pmkit-pm-lens")
        self.pmo = _Panel("pmkit-pmo-lens")
        self.lenses = W.HBox(
            [self.pm.widget, self.pmo.widget], layout=W.Layout(flex_flow="row wrap", width="100%")
        )
        self.lenses.add_class("pmkit-lenses")
        lessons_tab = W.VBox(
            [
                W.HBox([self.lesson_label, self.lesson]),
                self.text,
                W.HBox([self.project_label, self.project]),
                self.message,
                self.lenses,
            ]
        )
        # PMO types tab
        self.pmo_type = W.ToggleButtons(
            options=[(self.tr.value(t), t) for t in PMO_TYPES], style={"button_width": "auto"}
        )
        self.types_intro = W.HTML()
        self.types_table = W.HTML()
        self.types_summary = W.HTML()
        self.types_chart: alt.JupyterChart | None = None
        self.types_chart_box = W.Box()
        self.governance = W.HTML()
        self._modes = check_modes(portfolio)
        self.pmo_type.value = standards_of(portfolio).pmo_type  # the switch the PMO lens uses
        types_tab = W.VBox(
            [
                self.types_intro,
                self.pmo_type,
                self.types_table,
                self.types_summary,
                self.types_chart_box,
                self.governance,
            ]
        )
        self.tabs = W.Tab(children=[lessons_tab, types_tab])
        # the page's CSS once, apart from the texts: a <style> replaced by the language
        # switch made the browser restyle the whole page
        self.style = W.HTML(TABLE_CSS + _CSS, layout=W.Layout(display="none"))
        self.widget = W.VBox([self.style, self.title, self.lang, self.tabs])
        self.widget.add_class("pmkit-lessons")

        show = guarded(self.message)
        self.lang.observe(show(lambda ch: self.set_lang(ch["new"])), names="value")
        self.lesson.observe(show(lambda ch: self.render_lesson()), names="value")
        self.project.observe(show(lambda ch: self.render_lesson()), names="value")
        self._last_action = 0.0  # time.monotonic() when the page last finished an action
        self._warm: Any = None  # the idle step waiting on the kernel's loop (a TimerHandle)
        self._warm_failed: set[tuple[str, str, str]] = set()
        for picker in (self.lang, self.lesson, self.project):  # after the page's own observers
            picker.observe(lambda ch: self._acted(), names="value")
        self.pmo_type.observe(
            guarded(self.governance)(lambda ch: self.render_types()), names="value"
        )
        self._types_spec: dict[str, Any] | None = None  # the types chart, drawn when shown
        self._types_lang: str | None = None  # the language the types tab was last put in
        self.tabs.observe(guarded(self.governance)(lambda ch: self._show_types()), "selected_index")
        if precompute:  # first: a kernel that finds the panels shared computes nothing
            self.precompute()
        self.render()
        # once the page has drawn its charts, the other lessons' charts (hidden) one by one
        if self._per_lesson:
            self._when_drawn(self.pmo.chart or self.pm.chart)
        self._warm_when_drawn(self.pmo.chart or self.pm.chart)

    def _when_drawn(self, widget: alt.JupyterChart | None) -> None:
        """Preload the next lesson (:meth:`_preload_next`) once the page has embedded
        ``widget`` (altair's page code sets its ``local_tz`` then): never before the page's
        first charts, and one lesson at a time, so the browser is never handed many at once."""
        if widget is None:
            return
        if widget.local_tz is not None:  # drawn already
            self._preload_next()
            return

        def drawn(change: dict[str, Any]) -> None:
            if change["new"] is not None:
                widget.unobserve(drawn, names="local_tz")
                self._preload_next()

        widget.observe(drawn, names="local_tz")

    def _preload_next(self) -> None:
        """Put the next lesson's charts on the page, hidden (:meth:`_Panel.preload`), for the
        project and language shown: only panels already computed (a preheated kernel's; this
        computes nothing), so a lesson click then re-embeds nothing. Never raises."""
        try:
            pid, lang = str(self.project.value), self.tr.lang
            for lesson in self.content.lessons:
                views = self._cache.get(("views", lesson.demo, pid, lang))
                if views is None:
                    continue
                put = [self.pm.preload(views[0], lesson.id), self.pmo.preload(views[1], lesson.id)]
                last = next((w for w in reversed(put) if w is not None), None)
                if last is not None:
                    self._when_drawn(last)
                    return
        except Exception:  # the lesson is embedded when clicked instead
            log.warning("lessons not preloaded", exc_info=True)

    # -- idle time: the shown lesson on the other projects ----------------------------------
    def _warm_when_drawn(self, widget: alt.JupyterChart | None) -> None:
        """Start the idle steps (:meth:`_warm_step`) once the page has drawn ``widget``."""
        if widget is None:
            return

        def drawn(change: dict[str, Any]) -> None:
            if change["new"] is not None:
                widget.unobserve(drawn, names="local_tz")
                self._acted()  # the first paint: quiet counts from here

        widget.observe(drawn, names="local_tz")

    def _acted(self) -> None:
        """A pick, a click or a switch has been shown: idle steps wait for quiet again."""
        self._last_action = time.monotonic()
        self._warm_soon(WARM_QUIET_S)

    def _warm_soon(self, delay: float) -> None:
        """Put the next idle step on the kernel's loop (only inside a kernel, never twice)."""
        loop = _kernel_loop()
        if loop is None or loop.is_closed():
            return
        if self._warm is not None:
            self._warm.cancel()
        self._warm = loop.call_later(delay, self._warm_step)

    def _warm_step(self) -> None:
        """On the kernel's loop, while the page is idle: the shown lesson's panels on one
        more project (:meth:`views`: taken from another kernel's share, else computed), so
        that picking it only shows them. The projects after the shown one come first, in
        the language shown, then in the other; at most :data:`WARM_AT_MOST` projects.
        Touches no widget; never raises (a demo that fails is left for its click).

        Each step is one panel pair (~10-200 ms on the sample) and runs only after
        :data:`WARM_QUIET_S` s without an action, so an action waits at most for the step
        in progress. No worker thread: the engines' per-portfolio caches are not meant to be
        shared by two threads."""
        self._warm = None
        quiet = time.monotonic() - self._last_action
        if quiet < WARM_QUIET_S:
            self._warm_soon(WARM_QUIET_S - quiet)
            return
        if _machine_busy():  # other viewers' pages first (a class opening lessons together)
            self._warm_soon(WARM_QUIET_S)
            return
        todo = None
        try:
            todo = self._warm_next()
            if todo is None:
                return  # everything ready: an action starts the steps again
            self.views(todo[0], todo[1], Translator(self.content, todo[2]))
        except Exception:
            if todo is None:  # nothing to tell which step: no more steps
                log.warning("lessons not computed ahead", exc_info=True)
                return
            self._warm_failed.add(todo)
            log.info("lesson %s on %s not computed ahead", todo[0], todo[1], exc_info=True)
        self._warm_soon(WARM_GAP_S)

    def _warm_next(self) -> tuple[str, str, str] | None:
        """The next (demo, project, language) an idle step computes, ``None`` if none."""
        demo = self.content.lesson(int(self.lesson.value)).demo
        pids = [str(pid) for _, pid in self.project.options]
        at = pids.index(str(self.project.value)) if str(self.project.value) in pids else -1
        ahead = (pids[at + 1 :] + pids[: at + 1])[:WARM_AT_MOST]
        langs = [self.tr.lang, *[x for x in LANGS if x != self.tr.lang]]
        for lang in langs:
            for pid in ahead:
                todo = (demo, pid, lang)
                if ("views", *todo) not in self._cache and todo not in self._warm_failed:
                    return todo
        return None

    def precompute(self) -> None:
        """The panels a click, a project pick or the language switch will show, computed
        before the request (a preheated kernel), so the action only puts them on the page.
        Never raises: a lesson whose demo fails on the data shows the reason when clicked.

        Each project's panels (every lesson, both languages) and the PMO types tab are shared
        with the other kernels per data version (:func:`pmkit.cache.derived`). A kernel
        computes its page's project and the types tab if no kernel has, takes every project
        already shared, and adds at most :data:`NEW_PROJECTS_PER_KERNEL` more: the first kernel
        after a data change costs about what one project does, and the pool's refills extend
        the shared set until :data:`PRECOMPUTE_AT_MOST` projects are ready."""
        first = str(self.project.value)
        others = [str(pid) for _, pid in self.project.options if str(pid) != first]
        self._take(f"{_content_name()}_types", self._ahead_types)
        self._take(f"{_content_name()}_{first}", lambda: self._ahead_project(first))
        fresh = 0
        for pid in others[: PRECOMPUTE_AT_MOST - 1]:
            name = f"{_content_name()}_{pid}"
            if self._own_content and self._take_shared(name):
                continue
            if fresh < NEW_PROJECTS_PER_KERNEL:
                self._take(name, lambda pid=pid: self._ahead_project(pid))  # type: ignore[misc]
                fresh += 1

    def _take(self, name: str, compute: Callable[[], dict[Any, Any]]) -> None:
        """``compute()``'s panels into this page's cache, shared when the content is ours."""
        self._cache.update(_share(self.p, name, compute) if self._own_content else compute())

    def _take_shared(self, name: str) -> bool:
        try:
            got = cache.derived_if_shared(self.p, name)
        except Exception:  # an unreadable share: as if absent
            got = None
        if got is None:
            return False
        self._cache.update(got)
        return True

    def _ahead_project(self, project: str) -> dict[Any, Any]:
        """Every lesson's panels on ``project`` in both languages."""
        tr = Translator(self.content, self.tr.lang)
        for lesson in self.content.lessons:
            try:
                for lang in LANGS:
                    tr.lang = lang
                    self.views(lesson.demo, project, tr)
            except Exception:  # bad data for one lesson: its click shows the reason
                log.warning("lesson %s not precomputed", lesson.demo, exc_info=True)
        return {k: v for k, v in self._cache.items() if k[0] == "views" and k[2] == project}

    def _ahead_types(self) -> dict[Any, Any]:
        """The PMO types tab in both languages."""
        tr = Translator(self.content, self.tr.lang)
        for pmo_type in PMO_TYPES:
            try:
                for lang in LANGS:
                    tr.lang = lang
                    self.types_view(str(pmo_type), tr)
            except Exception:  # the tab shows the reason when opened on that type
                log.warning("PMO type %s not precomputed", pmo_type, exc_info=True)
        return {k: v for k, v in self._cache.items() if k[0] == "types"}

    def views(
        self, demo_id: str, project_id: str, tr: Translator
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The PM and PMO panels of a demo in ``tr``'s language (cached)."""
        key = ("views", demo_id, project_id, tr.lang)
        if key not in self._cache and self._own_content:  # another kernel's, since shared?
            self._take_shared(f"{_content_name()}_{project_id}")
        if key not in self._cache:
            demo = self.demo(demo_id, project_id)
            pm = f"{tr('ui.pm_lens')} ({demo.project_id})"
            self._cache[key] = (
                lens_view(pm, demo.pm, tr, self.currency),
                lens_view(tr("ui.pmo_lens"), demo.pmo, tr, self.currency),
            )
        views: tuple[dict[str, Any], dict[str, Any]] = self._cache[key]
        return views

    # -- actions ----------------------------------------------------------------------------
    def set_lang(self, lang: str) -> None:
        """Switch every text, figure label and chart title to ``lang``."""
        self.tr.lang = lang
        if self.lang.value != lang:
            self.lang.value = lang
        self.render()

    def demo(self, demo_id: str, project_id: str | None = None, **opts: Any) -> Demo:
        """A demo's figures (cached: switching language does not recompute them)."""
        key = (demo_id, project_id or "", repr(sorted(opts.items())))
        if key not in self._cache:
            with sharing(self._cache):  # the roll-ups once per portfolio, not once per demo
                self._cache[key] = run_demo(demo_id, self.p, project_id, **opts)
        return self._cache[key]

    # -- rendering ---------------------------------------------------------------------------
    def render(self) -> None:
        t = self.tr
        self.title.value = header(t("ui.lessons_title"), t("ui.lessons_subtitle")).value.replace(
            TABLE_CSS, ""
        )
        self.tabs.titles = (t("ui.tab_lessons"), t("ui.tab_pmo_types"))  # one message
        self.lesson.tooltips = [le.title(t.lang) for le in self.content.lessons]
        self.lesson_label.value = f"<b style='margin-right:8px'>{esc(t('ui.lesson'))}</b>"
        self.project_label.value = f"<b style='margin-right:8px'>{esc(t('ui.project'))}</b>"
        self.render_lesson()
        if self._types_lang is None or self.tabs.selected_index == 1:
            self._types_in_lang()
        # else: the hidden PMO types tab follows the language when it is opened (six texts
        # fewer for the page to lay out on a switch)

    def _types_in_lang(self) -> None:
        """The PMO types tab's buttons and texts in the current language."""
        chosen = self.pmo_type.value
        with self.pmo_type.hold_trait_notifications():
            self.pmo_type.options = [(self.tr.value(x), x) for x in PMO_TYPES]  # "Supportive"
            self.pmo_type.value = chosen
        self.render_types()
        self._types_lang = self.tr.lang

    def _show_types(self) -> None:
        """The PMO types tab opened (or closed): in the current language, its chart drawn."""
        if self.tabs.selected_index == 1 and self._types_lang != self.tr.lang:
            self._types_in_lang()  # draws the chart too
        else:
            self._draw_types()

    def render_lesson(self) -> None:
        t = self.tr
        lesson = self.content.lesson(int(self.lesson.value))
        self.text.value = (
            f"<div class='pmkit-lesson'><h3 class='pmkit-lesson-title'>{lesson.id}. "
            f"{esc(lesson.title(t.lang))}</h3><p>{esc(lesson.body(t.lang))}</p>"
            f"<p class='pmkit-takeaway'><b>{esc(t('ui.key_takeaway'))}:</b> "
            f"{esc(lesson.key_takeaway(t.lang))}</p></div>"
            f"<h4>{esc(t('ui.compare'))}</h4><table class='pmkit-compare'><tr>"
            f"<th>{esc(t('ui.pm'))}</th><th>{esc(t('ui.pmo'))}</th></tr><tr>"
            f"<td>{esc(lesson.pm_side(t.lang))}</td><td>{esc(lesson.pmo_side(t.lang))}</td>"
            "</tr></table>"
            f"<h4>{esc(t('ui.live_demo'))}</h4><p class='pmkit-note'>{esc(t('ui.demo_note'))}"
            f"{esc(self._status_note())}</p>"
        )
        pm, pmo = self.views(lesson.demo, str(self.project.value), t)
        self.message.value = ""
        slot = lesson.id if self._per_lesson else 0
        self.pm.show(pm, slot)
        self.pmo.show(pmo, slot)

    def _status_note(self) -> str:
        status = getattr(self.p, "status_date", None)
        return f": {pd.Timestamp(status):%Y-%m-%d}" if status is not None else ""

    def render_types(self) -> None:
        """The PMO types tab for the chosen type in the current language (see
        :meth:`types_view`)."""
        view = self.types_view(str(self.pmo_type.value), self.tr)
        self.types_intro.value = view["intro"]
        self.types_table.value = view["table"]
        self.types_summary.value = view["summary"]
        self.governance.value = view["governance"]
        self._types_spec = view["spec"]
        self._draw_types()

    def _draw_types(self) -> None:
        """Put the PMO types chart on the page only while its tab is shown: a hidden chart
        re-embedded on every language switch was one more chart for the browser to draw."""
        if self.tabs.selected_index == 1 and self._types_spec is not None:
            self.types_chart = put_spec(self.types_chart_box, self._types_spec)

    def types_view(self, chosen: str, t: Translator) -> dict[str, Any]:
        """What the PMO types tab shows for type ``chosen`` in ``t``'s language (cached)."""
        key = ("types", chosen, t.lang)
        if key not in self._cache:
            demo = self.demo("pmo_types", None, pmo_type=chosen)
            self._cache[key] = {
                "intro": f"<p class='pmkit-lesson'>{esc(t('ui.pmo_types_intro'))}</p>",
                "table": self._types_table(chosen, t),
                "summary": self._types_summary(chosen, demo, t),
                "spec": lens_spec(demo.pmo, t),
                "governance": self._governance(demo, t),
            }
        view: dict[str, Any] = self._cache[key]
        return view

    def _types_table(self, chosen: str, t: Translator) -> str:
        rows = [
            ("ui.type_control", "control"),
            ("ui.type_role", "role"),
            ("ui.type_gates", "gates"),
            ("ui.type_pm_freedom", "pm_freedom"),
        ]
        types = self.content.pmo_types

        def cls(pt_id: str) -> str:
            return " class='pmkit-chosen'" if pt_id == chosen else ""

        head = "".join(f"<th{cls(pt.id)}>{esc(pt.name(t.lang))}</th>" for pt in types)
        body = "".join(
            f"<tr><th>{esc(t(key))}</th>"
            + "".join(f"<td{cls(pt.id)}>{esc(getattr(pt, attr)(t.lang))}</td>" for pt in types)
            + "</tr>"
            for key, attr in rows
        )
        modes = "".join(
            f"<tr><th>{esc(t.value(check))}</th>"
            + "".join(
                f"<td{cls(pt.id)}>{esc(t.value(self._modes.loc[check, pt.id]))}</td>"
                for pt in types
            )
            + "</tr>"
            for check in self._modes.index
        )
        return (
            "<table class='pmkit-compare pmkit-types'>"
            f"<tr><th></th>{head}</tr>{body}{modes}</table>"
        )

    def _types_summary(self, chosen: str, demo: Demo, t: Translator) -> str:
        m = demo.pmo.metrics
        name = next(pt.name(t.lang) for pt in self.content.pmo_types if pt.id == chosen)
        return (
            "<p class='pmkit-type-summary'><b>"
            + esc(
                t("ui.type_summary").format(
                    type=name,
                    blocked=m["m.blocked_projects"],
                    total=len(self.p.projects),
                    advisory=m["m.advisory_projects"],
                    compliant=m["m.compliant_projects"],
                )
            )
            + "</b></p>"
        )

    def _governance(self, demo: Demo, t: Translator) -> str:
        verdicts = demo.pmo.table.copy() if demo.pmo.table is not None else pd.DataFrame()
        verdicts["state"] = [badge(_STATE_BADGE[s], t.value(s)) for s in verdicts["state"]]
        for col in ("failing", "blocking"):
            verdicts[col] = verdicts[col].map(
                lambda v: ", ".join(t.value(x) for x in v.split(", ")) if v else "—"
            )
        shown = t.columns(verdicts, values=False)
        return f"<h4>{esc(t('ui.governance_checks'))}</h4>" + html_table(
            shown, raw_html_columns=[t("c.state")], table_id="pmkit-governance"
        )


def app(portfolio: Portfolio | None = None, *, lang: str = "es") -> W.Widget:
    """The lessons dashboard (``None`` loads the sample; ``?lang=en`` overrides ``lang``)."""

    def build() -> W.Widget:
        p = portfolio
        if p is None:
            p = load_sample()
        # a preheated kernel computes every lesson before the request: a click only swaps
        return LessonsApp(p, lang=lang_from_query() or lang, precompute=before_request()).widget

    return safe_build(build)
