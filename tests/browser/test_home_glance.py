"""The landing page and the portfolio at a glance, in a real browser, offline."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_landing_lists_every_dashboard_and_draws(open_dashboard) -> None:  # type: ignore[no-untyped-def]
    dash = open_dashboard("index.ipynb")
    dash.assert_clean()
    hrefs = dash.page.eval_on_selector_all(
        ".pmkit-card a", "els => els.map(e => e.getAttribute('href'))"
    )
    assert len(hrefs) >= 6
    for href in hrefs:
        assert (NOTEBOOKS / href).exists(), href
    assert "Data checks: passed" in dash.text()
    dash.page.screenshot(path="/tmp/pmkit-index.png", full_page=True)


def test_glance_filters_table_and_chart_and_shows_names_as_text(open_dashboard) -> None:  # type: ignore[no-untyped-def]
    dash = open_dashboard("portfolio_glance.ipynb")
    page = dash.page
    rows = page.locator("#glance-table tbody tr")
    total = rows.count()
    assert total >= 12
    # A name with markup in the sample shows as typed, and injects no element.
    assert 'Upgrade <b>ERP</b> & "billing"' in dash.text()
    assert page.locator("#glance-table td b").count() == 0
    bars_before = page.locator(".vega-embed svg .mark-rect path").count()
    # Filter on one programme: fewer rows, fewer bars.
    select = page.locator("select").first
    options = select.locator("option").all_inner_texts()
    select.select_option(label=options[1])
    page.wait_for_function(f"document.querySelectorAll('#glance-table tbody tr').length < {total}")
    page.wait_for_function(
        f"document.querySelectorAll('.vega-embed svg .mark-rect path').length < {bars_before}"
    )
    dash.assert_clean()
    page.screenshot(path="/tmp/pmkit-glance.png", full_page=True)


def test_server_root_lists_every_dashboard(browser, voila_server) -> None:  # type: ignore[no-untyped-def]
    # What `make serve` answers at the root: Voila's tree of dashboards (drawn client-side).
    page = browser.new_page()
    # what the page waited for, printed if the listing never comes (seen once in ~25 CI runs,
    # session 17: not reproduced since, the tree listed in 1.4-2.1 s on a fresh server)
    sent: dict[str, float] = {}
    done: set[str] = set()
    console: list[str] = []
    t0 = time.monotonic()
    page.on("request", lambda r: sent.setdefault(r.url, time.monotonic() - t0))
    page.on("requestfinished", lambda r: done.add(r.url))
    page.on("requestfailed", lambda r: console.append(f"failed {r.url}: {r.failure}"))
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"[:300]))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"[:300]))
    try:
        page.route(
            "**/*",
            lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort(),
        )
        page.goto(voila_server.url + "/", timeout=120_000)
        for nb in NOTEBOOKS.glob("*.ipynb"):
            try:
                page.get_by_text(nb.name).first.wait_for(timeout=60_000)
            except Exception as exc:
                open_ = {u: round(t, 1) for u, t in sent.items() if u not in done}
                body = page.inner_text("body")[:300]
                raise AssertionError(
                    f"{nb.name} not listed: {exc}; {len(sent)} requests, still open {open_}; "
                    f"console {console[-10:]}; page text {body!r}"
                ) from exc
    finally:
        page.close()
