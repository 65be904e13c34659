"""Viewers without a browser: what a dashboard page asks of the server, replayed over HTTP.

A headless Chromium on the server's own cores spends 4-7 CPU-seconds drawing one Voila page,
10-20x what the server spends on it (``bench_load.py`` prints both), so N browsers on a small
machine measure the browsers. A real viewer's browser runs on their own machine: what the
server must do per viewer is send the page, its static files, and the widget states over the
kernel channel. :func:`discover` records, from one real page in Chromium, the static files a
page fetches; :func:`viewer` then does what that page did: GET the page, GET those files (six
at a time, like a browser), open the kernel channel and ask for the widget states (ipywidgets'
control comm, ``request_states``), and returns the seconds until everything has arrived.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from typing import Any

from tornado.httpclient import AsyncHTTPClient
from tornado.websocket import websocket_connect

CONTROL = "jupyter.widget.control"
CONTROL_VERSION = "1.0.0"  # ipywidgets 8's control protocol


async def discover(browser: Any, base: str, notebook: str, timeout_s: float) -> list[str]:
    """Same-origin static files (path and query) one real page fetched, in order."""
    ctx = await browser.new_context()
    page = await ctx.new_page()
    seen: list[str] = []

    def keep(request: Any) -> None:
        url = str(request.url)
        if url.startswith(base) and "/api/" not in url and "/voila/render/" not in url:
            seen.append(url[len(base) :])

    page.on("request", keep)
    await page.route(
        "**/*",
        lambda r: r.continue_() if r.request.url.startswith(base) else r.abort(),
    )
    try:
        await page.goto(f"{base}/voila/render/{notebook}", timeout=timeout_s * 1000)
        await page.wait_for_load_state("networkidle", timeout=timeout_s * 1000)
    finally:
        await ctx.close()
    return list(dict.fromkeys(seen))


def _msg(session: str, msg_type: str, content: dict, metadata: dict | None = None) -> str:
    header = {"msg_id": uuid.uuid4().hex, "username": "bench", "session": session,
              "msg_type": msg_type, "version": "5.3", "date": ""}  # fmt: skip
    return json.dumps({"header": header, "parent_header": {}, "metadata": metadata or {},
                       "content": content, "channel": "shell", "buffers": []})  # fmt: skip


async def _assets(base: str, paths: list[str], timeout_s: float) -> int:
    client, gate, total = AsyncHTTPClient(), asyncio.Semaphore(6), 0

    async def one(path: str) -> None:
        nonlocal total
        async with gate:
            r = await client.fetch(base + path, request_timeout=timeout_s, raise_error=False)
            total += len(r.body or b"")

    await asyncio.gather(*(one(p) for p in paths))
    return total


async def _states(base: str, kernel_id: str, timeout_s: float) -> int:
    """Open the kernel channel, ask for every widget's state; the number of widgets."""
    session = uuid.uuid4().hex
    url = f"{base.replace('http', 'ws', 1)}/api/kernels/{kernel_id}/channels?session_id={session}"
    ws = await websocket_connect(url, max_message_size=1 << 28)
    try:
        comm = uuid.uuid4().hex
        opened = {"comm_id": comm, "target_name": CONTROL, "data": {}}
        await ws.write_message(_msg(session, "comm_open", opened, {"version": CONTROL_VERSION}))
        ask = {"comm_id": comm, "data": {"method": "request_states"}}
        await ws.write_message(_msg(session, "comm_msg", ask))
        while True:
            raw = await asyncio.wait_for(ws.read_message(), timeout_s)
            if raw is None:
                raise ConnectionError("the kernel channel closed")
            if isinstance(raw, bytes):  # a message with binary buffers: not the states
                continue
            data = json.loads(raw).get("content", {}).get("data", {})
            if data.get("method") == "update_states":
                return len(data.get("states", {}))
    finally:
        ws.close()


async def viewer(base: str, notebook: str, assets: list[str], timeout_s: float) -> float | None:
    """Seconds until the page, its static files and its widget states have all arrived."""
    t0 = time.monotonic()
    try:
        async with asyncio.timeout(timeout_s):
            r = await AsyncHTTPClient().fetch(
                f"{base}/voila/render/{notebook}", request_timeout=timeout_s
            )
            found = re.search(r'"kernelId":\s*"([0-9a-f-]+)"', r.body.decode())
            if found is None:
                return None
            await asyncio.gather(
                _assets(base, assets, timeout_s), _states(base, found.group(1), timeout_s)
            )
    except Exception:  # a timeout or a refused connection: counted as a failure
        return None
    return time.monotonic() - t0
