"""First paint (#12): the offline Vega bundle comes once from this server, not inside every
chart's widget state; the page stays offline and its charts draw."""

from __future__ import annotations

import time
from typing import Any

import pytest
from conftest import Dashboard, Server, _is_local

from pmkit.bundle import _controls_chunk_paths

pytestmark = pytest.mark.browser

BUNDLE_BYTES = 100_000  # the offline bundle is ~900 KB; a chart's own state is far below


def _open(browser: Any, server: Server, notebook: str) -> tuple[Any, Any, dict[str, Any]]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    seen: dict[str, Any] = {"bundle": [], "blocked": [], "ws_bytes": 0, "errors": []}

    def route(r: Any) -> None:
        if _is_local(r.request.url):
            r.continue_()
        else:
            seen["blocked"].append(r.request.url)
            r.abort()

    def on_ws(ws: Any) -> None:
        def add(payload: Any) -> None:
            seen["ws_bytes"] += len(payload)

        ws.on("framereceived", add)

    page.route("**/*", route)
    page.on("response", lambda r: "pmkit-charts-" in r.url and seen["bundle"].append(r))
    page.on("websocket", on_ws)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.goto(f"{server.url}/voila/render/{notebook}", timeout=120_000)
    return ctx, page, seen


def test_every_chart_of_a_page_draws_from_one_fetch_of_the_bundle(
    browser: Any, voila_server: Server
) -> None:
    ctx, page, seen = _open(browser, voila_server, "portfolio_glance.ipynb")
    try:
        dash = Dashboard(page)
        dash.wait_charts(1)
        page.wait_for_load_state("networkidle")
        charts = page.locator(".vega-embed").count()
        assert charts >= 1
        # one request for the bundle, whatever the number of charts (the module map) ...
        assert len(seen["bundle"]) == 1, [r.url for r in seen["bundle"]]
        resp = seen["bundle"][0]
        assert resp.status == 200
        assert len(resp.body()) > BUNDLE_BYTES
        # ... cacheable by the browser for the next page (versioned URL: ?v=<content hash>)
        assert "?v=" in resp.url and "max-age" in resp.headers.get("cache-control", "")
        # the widget traffic no longer carries the bundle: less than one copy of it in all
        assert seen["ws_bytes"] < len(resp.body()), (seen["ws_bytes"], charts)
        assert not seen["blocked"] and not seen["errors"]
    finally:
        ctx.close()


def test_the_next_page_takes_the_bundle_from_the_browser_cache(
    browser: Any, voila_server: Server
) -> None:
    """Two dashboards in one browser: the second page gets the bundle from the HTTP cache.

    ``page.route`` would turn Chromium's cache off, so this context blocks nothing itself;
    the test fails if any request goes to a host other than this server, as the others do."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        outside: list[str] = []
        ctx.on("request", lambda r: None if _is_local(r.url) else outside.append(r.url))
        sources: list[list[str]] = []
        for notebook in ("portfolio_glance.ipynb", "index.ipynb"):
            page = ctx.new_page()
            cdp = ctx.new_cdp_session(page)
            cdp.send("Network.enable")
            got: list[str] = []
            sources.append(got)

            def on_response(ev: dict[str, Any], got: list[str] = got) -> None:
                resp = ev["response"]
                if "pmkit-charts-" in resp["url"]:
                    cached = resp.get("fromDiskCache") or resp.get("fromMemoryCache")
                    got.append("cache" if cached else "network")

            cdp.on("Network.responseReceived", on_response)
            cdp.on("Network.requestServedFromCache", lambda _ev, got=got: got.append("cache"))
            page.goto(f"{voila_server.url}/voila/render/{notebook}", timeout=120_000)
            Dashboard(page).wait_charts(1)
            page.wait_for_load_state("networkidle")
            page.close()
        assert sources[0].count("network") == 1, sources  # the first page fetches it once
        assert sources[1] and "network" not in sources[1], sources  # the next one does not
        assert not outside, outside
    finally:
        ctx.close()


@pytest.mark.parametrize("notebook", ["portfolio_glance.ipynb", "pm_planning.ipynb"])
def test_the_widget_controls_come_before_the_states_once(
    browser: Any, voila_server: Server, notebook: str
) -> None:
    """The widget manager fetches ``@jupyter-widgets/controls`` (two chunks) when the widget
    states arrive; the page template runs them when it asks for its kernel, so they are on
    the page before the states and never fetched a second time (pmkit.bundle)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    events: list[tuple[float, str]] = []
    page.route("**/*", lambda r: r.continue_() if _is_local(r.request.url) else r.abort())
    page.on(
        "request",
        lambda r: (
            "jupyterlab-manager/static/" in r.url
            and "remoteEntry" not in r.url
            and events.append((time.monotonic(), r.url))
        ),
    )

    def on_ws(ws: Any) -> None:
        def frame(payload: Any) -> None:
            text = payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
            if "update_states" in text:
                events.append((time.monotonic(), "states"))

        ws.on("framereceived", frame)

    page.on("websocket", on_ws)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{voila_server.url}/voila/render/{notebook}", timeout=120_000)
        Dashboard(page).wait_charts(1)
        page.wait_for_load_state("networkidle")
        states = next(t for t, what in events if what == "states")
        chunks = _controls_chunk_paths()
        assert chunks  # the installed widget extension is read
        controls = [(t, u) for t, u in events if any(u.endswith(c) for c in chunks)]
        assert len(controls) == len(chunks), controls  # each once, by the template
        assert all(t < states for t, _ in controls), (controls, states)
        urls = [u for _, u in events if u != "states"]
        assert len(urls) == len(set(urls)), urls  # no chunk fetched twice
        assert not errors
    finally:
        ctx.close()
