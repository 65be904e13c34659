"""A chart on a hidden tab is drawn when its tab is opened, or when the page is idle (#12).

``pmkit.ui._shown`` defers a hidden chart's embed; ``globalThis.pmkitDefer`` (set before the
page's scripts) switches the idle draw off (``"no-idle"``: drawn only when shown) or the whole
deferral off (``"eager"``: every chart at once, as altair draws them), so the tests can see
each path and compare the pictures with altair's.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from typing import Any

import altair as alt
import pandas as pd
import pytest
from conftest import static_page

from pmkit.ui._common import _enable_offline_charts
from pmkit.ui._shown import MARKER as SHOWN

pytestmark = pytest.mark.browser

MARKS = (
    "svg .mark-rect, svg .mark-line, svg .mark-area, svg .mark-symbol, svg .mark-rule,"
    " svg .mark-text, svg .mark-arc, svg .mark-point, canvas"
)
_PANEL = "'.widget-tab-contents > .lm-Widget'"  # a tab's panel (ipywidgets 8, Lumino)
# per tab panel of the page: is it hidden, how many charts it has embedded, how many drew marks
PANELS = f"""() => [...document.querySelectorAll({_PANEL})]
  .map(p => ({{hidden: p.classList.contains('lm-mod-hidden') || p.offsetParent === null,
              embedded: p.querySelectorAll('.vega-embed').length,
              drawn: [...p.querySelectorAll('.vega-embed')]
                .filter(c => c.querySelector('{MARKS}')).length}}))"""
SHOWN_DRAWN = f"""() => [...document.querySelectorAll({_PANEL})]
  .some(p => !p.classList.contains('lm-mod-hidden') && p.offsetParent !== null
             && p.querySelector('.vega-embed') && p.querySelector('{MARKS}'))"""
# the picture of the chart on the shown tab: the canvas's pixels, or the SVG's text
PICTURE = f"""() => {{
  const p = [...document.querySelectorAll({_PANEL})]
    .find(p => !p.classList.contains('lm-mod-hidden') && p.offsetParent !== null);
  const c = p.querySelector('.vega-embed');
  const canvas = c.querySelector('canvas');
  return canvas ? canvas.toDataURL('image/png') : c.querySelector('svg').outerHTML;
}}"""
TABS = ("Risks & opportunities", "Resources")  # tracking's hidden tabs holding a chart


def _marks(picture: str) -> str:
    """What a chart draws, from its SVG: every mark's shape, place and text. Left out: the
    SVG's size, the plot's offset in it, and the marks' aria-labels, which a data swap into a
    drawn view (altair's way on a tab's first opening, kept for a chart drawn at idle) does
    not recompute from the new title, where a chart first drawn with it has them."""
    if not picture.startswith("<svg"):
        return picture  # a canvas: its pixels
    body = re.sub(r' aria-label="[^"]*"', "", picture)
    body = re.sub(r"^<svg[^>]*>", "<svg>", body)
    return re.sub(r'^(<svg><g [^>]*)transform="translate\([^)]*\)"', r"\1", body)


def _open_tab(dash: Any, name: str) -> str:
    """Open tab ``name`` and return its chart's picture once the kernel has filled it (the
    tab is computed when opened) and the picture has not changed for a second."""
    dash.page.get_by_role("tab", name=name).click()
    dash.page.wait_for_function(SHOWN_DRAWN, timeout=60_000)
    picture = None
    for _ in range(60):
        dash.page.wait_for_timeout(1000)  # the kernel hears of the switch, says it is busy
        dash.wait_idle()
        now = str(dash.page.evaluate(PICTURE))
        if now == picture:
            return now
        picture = now
    raise AssertionError(f"the chart of {name!r} kept changing")


def _pick_project(dash: Any, pid: str) -> None:
    kpis = dash.page.locator("#evm-kpis").first.inner_text(timeout=60_000)
    box = dash.page.locator(".widget-dropdown", has_text="Project").first
    sel = box.locator("select")
    sel.select_option(value=sel.locator("option", has_text=pid).first.get_attribute("value"))
    dash.page.wait_for_function(
        "old => { const e = document.querySelector('#evm-kpis');"
        " return e && e.innerText !== old; }",
        arg=kpis,
        timeout=60_000,
    )
    dash.wait_idle()


def test_a_hidden_tab_chart_waits_for_its_tab_and_draws_the_last_spec(
    open_dashboard: Any,
) -> None:
    dash = open_dashboard(
        "pm_tracking.ipynb", query="?project=P02", init_script="globalThis.pmkitDefer='no-idle';"
    )
    dash.wait_idle()
    dash.page.wait_for_timeout(1500)
    panels = dash.page.evaluate(PANELS)
    shown = [p for p in panels if not p["hidden"]]
    hidden = [p for p in panels if p["hidden"]]
    assert len(shown) == 1 and shown[0]["drawn"] == 1, panels  # the S-curve, at once
    assert hidden and all(p["embedded"] == 0 for p in hidden), panels  # not embedded yet
    # the hidden charts follow the project while they wait: the last spec is the one drawn
    _pick_project(dash, "P06")
    assert all(p["embedded"] == 0 for p in dash.page.evaluate(PANELS) if p["hidden"])
    deferred = {name: _open_tab(dash, name) for name in TABS}
    dash.assert_clean()

    # altair's way (every chart embedded at once), the same project: the same pictures
    ref = open_dashboard(
        "pm_tracking.ipynb", query="?project=P06", init_script="globalThis.pmkitDefer='eager';"
    )
    ref.wait_idle()
    assert all(p["drawn"] == 1 for p in ref.page.evaluate(PANELS) if p["embedded"])
    for name in TABS:
        assert _marks(_open_tab(ref, name)) == _marks(deferred[name]), name
    ref.assert_clean()


def test_hidden_tab_charts_are_drawn_when_the_page_is_idle(open_dashboard: Any) -> None:
    dash = open_dashboard("pm_tracking.ipynb", query="?project=P06")
    # no tab opened: the idle draws put the hidden tabs' charts on the page
    dash.page.wait_for_function(
        f"""() => {{ const ps = ({PANELS})();
          return ps.filter(p => p.hidden && p.drawn > 0).length >= {len(TABS)}; }}""",
        timeout=60_000,
    )
    tabs = [p for p in dash.page.evaluate(PANELS) if p["hidden"] and p["drawn"]]
    assert len(tabs) == len(TABS) and all(p["drawn"] == p["embedded"] for p in tabs)
    pictures = {name: _open_tab(dash, name) for name in TABS}  # shown as drawn
    dash.page.get_by_role("tab", name="Monte Carlo").click()
    dash.page.get_by_role("tab", name="Earned value").click()
    dash.page.wait_for_function(SHOWN_DRAWN, timeout=60_000)
    dash.assert_clean()

    ref = open_dashboard(
        "pm_tracking.ipynb", query="?project=P06", init_script="globalThis.pmkitDefer='eager';"
    )
    ref.wait_idle()
    for name in TABS:
        assert _marks(_open_tab(ref, name)) == _marks(pictures[name]), name


# -- the chart module alone, with a stand-in for the widget's model -------------------------
HOOK = ("finalize=api.finalize;", "finalize=api.finalize;el.__pmkitView=api.view;")
PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body><script type="module">
import chart from "./chart.js";
class Model {  // what altair's module asks of an anywidget model
  constructor(state, manager) {
    this.s = state; this.h = {}; this.pending = []; this.widget_manager = manager;
  }
  get(k) { return this.s[k]; }
  set(k, v) { this.s[k] = v; this.pending = (this.h["change:" + k] || []).map(f => f(v)); }
  on(e, f) { (this.h[e] ||= []).push(f); }
  save_changes() {}
}
const manager = {_models: {}};  // the widget manager's models, as ipywidgets' keeps them
let ids = 0;
function put(model) { manager._models["m" + ids++] = Promise.resolve(model); return model; }
const charts = [];
window.T = {
  // a chart in a tree of widget models: kind "box" (a box, display "none" when hidden), "tab",
  // "stack" (another child selected when hidden) or "accordion" (closed when hidden); its view's
  // element on the page (in a div display:none when hidden) or, attach false, never on it
  async embed(spec, hidden, kind = "box", attach = true) {
    const box = document.createElement("div"), el = document.createElement("div");
    box.style.display = hidden ? "none" : "block";
    box.append(el);
    if (attach) document.body.append(box);
    const model = put(new Model({spec, embed_options: null, debounce_wait: 10, max_wait: true,
      _vl_selections: {}, _params: {}, _js_watch_plan: [], local_tz: null}, manager));
    const layout = put(new Model({display: kind === "box" && hidden ? "none" : null}));
    const inner = put(new Model({_model_name: "VBoxModel", children: [model], layout}));
    const other = put(new Model({_model_name: "VBoxModel", children: []}));
    const kinds = {box: "BoxModel", tab: "TabModel", stack: "StackModel",
                   accordion: "AccordionModel"};
    const index = !hidden ? 1 : kind === "accordion" ? null : 0;
    put(new Model({_model_name: kinds[kind], children: [other, inner], selected_index: index}));
    await chart.render({model, el});
    charts.push({box, el, model});
    return charts.length - 1;
  },
  async respec(id, spec) {
    const m = charts[id].model;
    m.set("spec", spec);
    await Promise.all(m.pending);
  },
  tz(id) { return charts[id].model.get("local_tz"); },
  show(id) { charts[id].box.style.display = "block"; },
  async picture(id) {  // null: not embedded; else the view's PNG once it has drawn
    const c = charts[id];
    if (!c.el.__pmkitView) return null;
    await c.el.__pmkitView.runAsync();
    return {png: await c.el.__pmkitView.toImageURL("png"), tz: c.model.get("local_tz")};
  },
};
window.READY = true;
</script></body></html>"""


@pytest.fixture(scope="module")
def module_page(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    _enable_offline_charts()
    bundle = str(alt.JupyterChart._esm)
    assert bundle.startswith(SHOWN) and bundle.count(HOOK[0]) == 1
    folder = tmp_path_factory.mktemp("shown")
    (folder / "chart.js").write_text(bundle.replace(*HOOK), encoding="utf-8")
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    # drawn only when shown
    with static_page(browser, folder, init_script="globalThis.pmkitDefer = 'no-idle';") as pg:
        yield pg


def _bars(seed: int, n: int) -> dict[str, Any]:
    rng = random.Random(seed)
    rows = pd.DataFrame({"k": [f"t{i}" for i in range(n)], "v": [rng.random() for _ in range(n)]})
    return dict(alt.Chart(rows).mark_bar().encode(x="k:N", y="v:Q").to_dict())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_hidden_chart_draws_the_last_spec_when_shown(module_page: Any, seed: int) -> None:
    page = module_page
    specs = [_bars(seed * 10 + i, 3 + i) for i in range(4)]
    hidden = page.evaluate("s => T.embed(s, true)", specs[0])
    for spec in specs[1:]:  # the kernel's updates while the chart waits
        page.evaluate("([i, s]) => T.respec(i, s)", [hidden, spec])
    page.wait_for_timeout(300)
    assert page.evaluate("i => T.picture(i)", hidden) is None  # not embedded
    assert page.evaluate("i => T.tz(i)", hidden) is None  # nor confirmed to the kernel
    page.evaluate("i => T.show(i)", hidden)
    page.wait_for_function("i => T.picture(i).then(p => p !== null)", arg=hidden, timeout=30_000)
    drawn = page.evaluate("i => T.picture(i)", hidden)
    fresh = page.evaluate("s => T.embed(s, false)", specs[-1])  # shown: embedded at once
    assert drawn["tz"] is not None  # the page tells the kernel once it has embedded
    assert drawn["png"] == page.evaluate("i => T.picture(i)", fresh)["png"]
    assert (
        drawn["png"]
        != page.evaluate("i => T.picture(i)", page.evaluate("s => T.embed(s, false)", specs[0]))[
            "png"
        ]
    )


@pytest.mark.parametrize("kind", ["box", "tab", "stack", "accordion"])
def test_a_chart_is_embedded_at_render_unless_its_tree_hides_it(
    module_page: Any, kind: str
) -> None:
    """Embedded before its view is on the page, as altair does, when the widget models do not
    hide it (session 13 waited for the view to be on the page: Vega drew into the live page);
    a chart the models hide waits, even with its element on no page to ask."""
    spec = _bars(7, 5)
    shown = module_page.evaluate(
        "([s, k]) => T.embed(s, false, k, false)", [spec, kind]
    )  # resolved when altair's render is
    assert module_page.evaluate("i => T.picture(i)", shown) is not None
    page_id = module_page.evaluate("([s, k]) => T.embed(s, true, k, false)", [spec, kind])
    module_page.wait_for_timeout(300)
    assert module_page.evaluate("i => T.picture(i)", page_id) is None
    assert module_page.evaluate("i => T.tz(i)", page_id) is None
