"""Voila's CSS as a stylesheet (pmkit._voila_css) styles every dashboard as Voila's script did.

Each dashboard is opened twice on one server: as served (``pmkit-voila-style.css`` linked in
the head) and with the page's HTML rewritten back to Voila's ``voila-style.js`` at the same
place. Both must hold the same CSS rules, in the same order, and draw the same pixels once
their charts are drawn and the page is quiet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, Server, _is_local

from pmkit.bundle import VOILA_STYLE

pytestmark = pytest.mark.browser

NOTEBOOKS = sorted(
    p.name for p in (Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb")
)
# no chart at first paint by design (test_every_dashboard.py): compared once the header is up
CHARTLESS_PAGES = {"training_quiz.ipynb", "import_schedule.ipynb"}
_LINK = re.compile(
    rf'<link rel="stylesheet" type="text/css" href="([^"]*/){VOILA_STYLE}\?v=[0-9a-f]+">'
)
_RULES = """() => [...document.styleSheets].flatMap(s => [...s.cssRules].map(r => r.cssText))"""


@pytest.fixture(scope="module")
def lna_browser(browser: Any) -> Iterator[Any]:
    """Chromium as the ``browser`` fixture, plus one flag: a page whose HTML the test hands
    over (``route.fulfill``) has no address Chromium can place, and its Local Network Access
    checks then refuse its websocket to 127.0.0.1; both sides of a comparison use this one."""
    b = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks"],
    )
    yield b
    b.close()


def _open(browser: Any, server: Server, notebook: str, *, script: bool) -> tuple[Any, Any]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.route("**/*", lambda r: r.continue_() if _is_local(r.request.url) else r.abort())
    folder: list[str] = []

    def to_script(route: Any) -> None:
        resp = route.fetch()
        html = resp.text()
        ctx.add_cookies(  # what the browser would have kept from the page's response
            [
                {"name": n, "value": v, "url": server.url}
                for h in resp.headers_array
                if h["name"].lower() == "set-cookie"
                for n, v in [h["value"].split(";")[0].split("=", 1)]
            ]
        )
        found = _LINK.search(html)
        assert found, "the served page links pmkit's stylesheet"
        folder.append(found.group(1))
        html = html.replace(
            found.group(0), f'<script src="{found.group(1)}voila-style.js" ></script>'
        )
        route.fulfill(response=resp, body=html)

    if script:
        page.route(f"{server.url}/voila/render/**", to_script)
    page.goto(f"{server.url}/voila/render/{notebook}", timeout=120_000)
    if notebook in CHARTLESS_PAGES:
        page.wait_for_selector(".pmkit-title", timeout=120_000)
    else:
        page.wait_for_function(
            """() => [...document.querySelectorAll('.vega-embed')].some(c =>
                 c.querySelector('svg .role-mark, canvas'))""",
            timeout=120_000,
        )
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(3000)  # hidden charts drawn in idle time (lessons: 13), the look gone
    assert page.locator(".pmkit-look").count() == 0
    return ctx, page


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_the_stylesheet_styles_the_page_as_voilas_script(
    lna_browser: Any, voila_server: Server, notebook: str
) -> None:
    ctx_a, script_page = _open(lna_browser, voila_server, notebook, script=True)
    ctx_b, sheet_page = _open(lna_browser, voila_server, notebook, script=False)
    try:
        assert script_page.locator('script[src*="voila-style.js"]').count() == 1
        assert sheet_page.locator('script[src*="voila-style.js"]').count() == 0
        folder = voila_server.url + _LINK.search(sheet_page.content()).group(1)
        # the script wrote its fonts' URLs absolute (from its own URL), the sheet relative
        rules_a = [r.replace(folder, "") for r in script_page.evaluate(_RULES)]
        rules_b = [r.replace(folder, "") for r in sheet_page.evaluate(_RULES)]
        assert len(rules_a) > 3000
        assert rules_a == rules_b
        shot_a = script_page.screenshot(full_page=True)
        shot_b = sheet_page.screenshot(full_page=True)
        assert shot_a == shot_b, f"{notebook}: the page draws other pixels"
    finally:
        ctx_a.close()
        ctx_b.close()
