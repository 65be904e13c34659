"""A page's first look (#12, ``pmkit.ui._look``): the page as the kernel built it, painted
from the HTML alone before Voila's scripts run, then replaced by the live page; names stay
text, its controls are words, and a live page whose chart never draws is not hidden for good."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import _is_local

pytestmark = pytest.mark.browser

GLANCE = "/voila/render/portfolio_glance.ipynb"
TRACKING = "/voila/render/pm_tracking.ipynb"
NAME = 'Upgrade <b>ERP</b> & "billing"'  # a sample project's name, HTML in it


@pytest.fixture
def context(browser: object) -> Iterator[object]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    yield ctx
    ctx.close()  # type: ignore[attr-defined]


def _route(page: object, *, block: tuple[str, ...]) -> list[str]:
    """Abort every request to another host (recorded) and every script whose URL holds one of
    ``block`` (``"*"``: every script file)."""
    off: list[str] = []

    def route(r: object) -> None:
        req = r.request  # type: ignore[attr-defined]
        if not _is_local(req.url):
            off.append(req.url)
            return r.abort()  # type: ignore[attr-defined,no-any-return]
        if req.resource_type == "script" and any(b == "*" or b in req.url for b in block):
            return r.abort()  # type: ignore[attr-defined,no-any-return]
        return r.continue_()  # type: ignore[attr-defined,no-any-return]

    page.route("**/*", route)  # type: ignore[attr-defined]
    return off


def test_the_first_look_paints_with_no_script_file_and_shows_names_as_text(
    context: object, voila_server: object
) -> None:
    page = context.new_page()  # type: ignore[attr-defined]
    off = _route(page, block=("*",))  # Voila's front-end never arrives: only the HTML
    page.goto(f"{voila_server.url}{GLANCE}", wait_until="load", timeout=120_000)  # type: ignore[attr-defined]
    look = page.locator(".pmkit-look")
    assert look.count() == 1
    assert look.is_visible()
    assert look.get_attribute("inert") is not None
    assert "Loading interactions" in look.inner_text()
    # the first chart is a picture, drawn (an SVG image with a size), shown on the page
    img = look.locator("img.pmkit-look-chart")
    assert img.count() == 1 and img.is_visible()
    assert img.evaluate("i => i.complete && i.naturalWidth > 100 && i.naturalHeight > 50")
    assert img.get_attribute("src").startswith("data:image/svg+xml,%3Csvg")  # its text
    # names with HTML in them are text, as on the live page; controls are words, not inputs
    assert NAME in look.inner_text()
    assert look.locator("b:text-is('ERP')").count() == 0
    assert look.locator("select, input, button, textarea").count() == 0
    assert "Programme" in look.inner_text()
    assert not off


def test_the_live_page_replaces_the_first_look(open_dashboard, voila_server) -> None:  # type: ignore[no-untyped-def]
    dash = open_dashboard("portfolio_glance.ipynb")
    page = dash.page
    # the page as served carried a first look (same kernel pool, same pictures)
    served = page.context.request.get(f"{voila_server.url}{GLANCE}").text()
    assert 'class="pmkit-look"' in served
    page.wait_for_function("() => !document.querySelector('.pmkit-look')", timeout=30_000)
    chart = page.locator(".vega-embed").first
    assert chart.is_visible()
    assert chart.evaluate("e => getComputedStyle(e).visibility") == "visible"
    # the live page took the look's place: its name is text, its filter is a real control
    assert NAME in dash.text()
    assert page.locator("select").count() >= 1
    dash.assert_clean()


def test_a_live_page_whose_chart_never_draws_is_not_hidden_by_the_look(
    context: object, voila_server: object
) -> None:
    # pmkit's chart bundle never arrives: the widgets render, no chart draws
    context.add_init_script(  # type: ignore[attr-defined]
        "window.pmkitLookWaitMs = 1500; document.addEventListener('DOMContentLoaded', () => {"
        " window.pmkitLooks = document.querySelectorAll('.pmkit-look').length; });"
    )
    page = context.new_page()  # type: ignore[attr-defined]
    off = _route(page, block=("pmkit-charts",))
    page.goto(f"{voila_server.url}{GLANCE}", wait_until="load", timeout=120_000)  # type: ignore[attr-defined]
    assert page.evaluate("window.pmkitLooks") == 1  # the page came with its look
    page.wait_for_selector(".jupyter-widgets select", timeout=120_000)
    page.wait_for_function("() => !document.querySelector('.pmkit-look')", timeout=30_000)
    live = page.locator("select").first
    assert live.is_visible()
    assert live.evaluate("e => getComputedStyle(e).visibility") == "visible"
    assert not off


def test_a_widget_output_that_cannot_render_is_not_hidden_by_the_look(open_dashboard) -> None:  # type: ignore[no-untyped-def]
    """ipywidgets shows "Error displaying widget: model not found" on the output node itself
    (it gets the ``jupyter-widgets`` class, with no widget inside): the look goes after its
    wait, as for widgets whose chart never draws, and the error is seen."""
    dash = open_dashboard("portfolio_glance.ipynb")
    stays = dash.page.evaluate(
        """async () => {
      const cell = document.createElement("div");
      cell.innerHTML = '<div class="pmkit-look"><p>the look</p></div><script></script>';
      document.body.appendChild(cell);
      window.pmkitLookWaitMs = 300;
      window.pmkitLook(cell.querySelector("script"));
      const out = document.createElement("div");
      out.className = "lm-Widget lm-Panel jp-OutputArea-output jupyter-widgets";
      out.textContent = "Error displaying widget: model not found";
      cell.appendChild(out);
      await new Promise(done => setTimeout(done, 1500));
      return !!cell.querySelector(".pmkit-look");
    }"""
    )
    assert stays is False


def test_a_page_with_tabs_paints_its_tab_bar_and_selected_tab(
    context: object, voila_server: object
) -> None:
    page = context.new_page()  # type: ignore[attr-defined]
    off = _route(page, block=("*",))  # only the HTML: the look alone
    page.goto(f"{voila_server.url}{TRACKING}", wait_until="load", timeout=120_000)  # type: ignore[attr-defined]
    look = page.locator(".pmkit-look")
    assert look.count() == 1 and look.is_visible()
    tabs = look.locator(".pmkit-look-tab")
    assert tabs.all_inner_texts() == [
        "Earned value", "Risks & opportunities", "Resources", "Monte Carlo"
    ]  # fmt: skip
    assert look.locator(".pmkit-look-tab-current").inner_text() == "Earned value"
    # the selected tab's first chart, drawn; no control, nothing of the other tabs
    img = look.locator(".pmkit-look-tabpanel img.pmkit-look-chart").first
    assert img.evaluate("i => i.complete && i.naturalWidth > 100 && i.naturalHeight > 50")
    assert look.locator("select, input, button, textarea").count() == 0
    assert "Hours per week" not in look.inner_text()  # the Resources tab's note
    assert not off


def test_the_live_tabs_page_replaces_its_first_look(open_dashboard) -> None:  # type: ignore[no-untyped-def]
    dash = open_dashboard("pm_tracking.ipynb")
    page = dash.page
    page.wait_for_function("() => !document.querySelector('.pmkit-look')", timeout=60_000)
    bar = page.locator(".lm-TabBar-tab")
    assert bar.count() == 4 and bar.first.is_visible()
    assert (
        page.locator(".vega-embed").first.evaluate("e => getComputedStyle(e).visibility")
        == "visible"
    )
    bar.nth(1).click()  # the live tab bar works once the look has gone
    page.wait_for_function(
        "() => document.querySelector('.lm-TabBar-tab.lm-mod-current').innerText.includes('Risks')",
        timeout=30_000,
    )
    dash.assert_clean()
