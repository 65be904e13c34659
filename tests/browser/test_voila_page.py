"""A lighter Voila front-end (#12): the page registers exactly the JupyterLab plugins a pmkit
dashboard uses (no MathJax 3, no jupyterlab_pygments), and the dashboards still draw, work
and show their HTML and texts as written."""

from __future__ import annotations

import json

import pytest

from pmkit.bundle import NO_MATH
from pmkit.cli import EXTENSION_DENYLIST

pytestmark = pytest.mark.browser

# What Voila 0.5's page registers for a pmkit dashboard. Against Voila's own list:
# "@jupyterlab/mathjax2-extension:plugin" (loads pmkit's NO_MATH script, typesets nothing)
# instead of "@jupyterlab/mathjax-extension:plugin" (MathJax 3: 16 scripts, 0.85 MB, fetched
# and set up on every page), and no "jupyterlab_pygments:plugin" (denylisted).
PLUGINS = {
    "@jupyter-widgets/jupyterlab-manager:base-2.0.0",
    "@jupyter-widgets/jupyterlab-manager:controls-2.0.0",
    "@jupyter-widgets/jupyterlab-manager:output-1.0.0",
    "@jupyterlab/application:mimedocument",
    "@jupyterlab/codemirror-extension:languages",
    "@jupyterlab/javascript-extension:factory",
    "@jupyterlab/json-extension:factory",
    "@jupyterlab/json-lines-extension:factory",
    "@jupyterlab/markedparser-extension:plugin",
    "@jupyterlab/mathjax2-extension:plugin",
    "@jupyterlab/rendermime-extension:plugin",
    "@jupyterlab/theme-dark-extension:plugin",
    "@jupyterlab/theme-light-extension:plugin",
    "@jupyterlab/vega5-extension:factory",
    "@voila-dashboards/voila:paths",
    "@voila-dashboards/voila:render-outputs",
    "@voila-dashboards/voila:render-outputs-progressively",
    "@voila-dashboards/voila:theme",
    "@voila-dashboards/voila:theme-manager",
    "@voila-dashboards/voila:translator",
    "@voila-dashboards/voila:widget-manager8",
    "anywidget:plugin",
}
EXTENSIONS = [
    "@jupyter-widgets/jupyterlab-manager",
    "@voila-dashboards/widgets-manager8",
    "anywidget",
]

_STATE = """() => ({
    plugins: window.jupyterapp.listPlugins(),
    inactive: window.jupyterapp.listPlugins()
        .filter(id => !window.jupyterapp.isPluginActivated(id)),
    scripts: performance.getEntriesByType('resource').map(e => e.name),
    mathjax3: document.querySelectorAll('mjx-container').length,
})"""


def test_the_page_registers_only_the_plugins_a_dashboard_uses(open_dashboard) -> None:  # type: ignore[no-untyped-def]
    dash = open_dashboard("portfolio_glance.ipynb")
    page = dash.page
    config = json.loads(page.locator("#jupyter-config-data").text_content())
    assert config["fullMathjaxUrl"] == f"/voila/static/{NO_MATH}"
    assert sorted(e["name"] for e in config["federated_extensions"]) == EXTENSIONS
    assert set(EXTENSION_DENYLIST).isdisjoint(EXTENSIONS)
    state = page.evaluate(_STATE)
    assert set(state["plugins"]) == PLUGINS, set(state["plugins"]) ^ PLUGINS
    assert state["inactive"] == []  # every one of them started
    # the typesetter loaded pmkit's script once, and no MathJax ran on the page
    assert sum(f"/voila/static/{NO_MATH}" in u for u in state["scripts"]) == 1
    assert state["mathjax3"] == 0
    # ... and the page still works: names with HTML stay text, the filter changes the table
    # and the chart
    assert 'Upgrade <b>ERP</b> & "billing"' in dash.text()  # names with HTML stay text
    rows = page.locator("#glance-table tbody tr")
    total = rows.count()
    bars = page.locator(".vega-embed svg .mark-rect path").count()
    select = page.locator("select").first
    select.select_option(label=select.locator("option").all_inner_texts()[1])
    page.wait_for_function(f"document.querySelectorAll('#glance-table tbody tr').length < {total}")
    page.wait_for_function(
        f"document.querySelectorAll('.vega-embed svg .mark-rect path').length < {bars}"
    )
    dash.assert_clean()


def test_dollar_signs_stay_text_and_lesson_html_renders(open_dashboard) -> None:  # type: ignore[no-untyped-def]
    """The typesetter ipywidgets hands a widget's text to (its rendermime's) leaves two "$" as
    written, where MathJax 3 set what lies between them as math; the lessons' HTML renders."""
    dash = open_dashboard("training_lessons.ipynb", wait_charts=1)
    page = dash.page
    assert page.locator(".pmkit-lessons :is(h3, h4, b, table, ul, li)").count() >= 1
    shown = page.evaluate(
        """async () => {
            const typesetter = window.jupyterapp.widgetManager._rendermime.latexTypesetter;
            const el = document.createElement('span');
            el.textContent = 'Budget $1,200$ and $300$';
            document.body.appendChild(el);
            await typesetter.typeset(el);
            await new Promise(r => setTimeout(r, 500));
            return [el.textContent, el.children.length];
        }"""
    )
    assert shown == ["Budget $1,200$ and $300$", 0]
    assert page.locator("mjx-container").count() == 0
    dash.assert_clean()
