"""A hardened `pmkit serve`: what a dashboard viewer can NOT do.

- run code through the kernel's websocket (only widget messages reach the kernel);
- fetch the portfolio's CSV files, or anything outside the allow-list, through Voila's file
  handlers (plain, ``../`` and percent-encoded traversal);
- see a server path on the landing page;
- make script or markup typed into any free-text field run on any dashboard or tab.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from conftest import CHROMIUM, REPO, Server, _free_port, _wait_port

from pmkit.cli import stop_server
from pmkit.model import TABLES

pytestmark = pytest.mark.browser


def _get(server: Server, path: str, redirects: int = 3) -> tuple[int, bytes]:
    """A raw GET: the path is sent exactly as written (no client-side normalisation); a
    same-server redirect is followed (what a browser would do)."""
    host, port = server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    conn.putrequest("GET", path, skip_accept_encoding=True)
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    where = resp.getheader("Location") or ""
    conn.close()
    if resp.status in (301, 302, 303, 307, 308) and redirects and where.startswith("/"):
        return _get(server, where, redirects - 1)
    return resp.status, body


# ------------------------------------------------------------------ kernel channels


async def _talk_to_kernel(url: str, kernel_id: str, marker: Path) -> dict[str, bool]:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    ws_url = url.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels"
    req = HTTPRequest(ws_url, headers={"Origin": url})
    ws = await websocket_connect(req)

    def msg(msg_type: str, content: dict[str, object]) -> str:
        header = {
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "username": "viewer",
            "session": uuid.uuid4().hex,
            "version": "5.3",
            "date": "",
        }
        return json.dumps(
            {
                "header": header,
                "parent_header": {},
                "metadata": {},
                "content": content,
                "channel": "shell",
                "buffers": [],
            }
        )

    code = f"open({str(marker)!r}, 'w').write('pwned')"
    for kind, content in (
        (
            "execute_request",
            {
                "code": code,
                "silent": False,
                "store_history": False,
                "user_expressions": {},
                "allow_stdin": False,
            },
        ),
        ("complete_request", {"code": "import o", "cursor_pos": 8}),
        ("inspect_request", {"code": "open", "cursor_pos": 4, "detail_level": 1}),
        ("kernel_info_request", {}),
    ):
        await ws.write_message(msg(kind, content))
    seen: dict[str, bool] = {}
    end = time.monotonic() + 15
    while time.monotonic() < end and "kernel_info_reply" not in seen:
        try:
            raw = await asyncio.wait_for(ws.read_message(), timeout=end - time.monotonic())
        except TimeoutError:
            break
        if raw is None:
            break
        if isinstance(raw, str):
            seen[json.loads(raw)["header"]["msg_type"]] = True
    await asyncio.sleep(2)  # an execute that slipped through would have written by now
    ws.close()
    return seen


def test_a_viewer_cannot_execute_code_through_the_kernel_channels(
    voila_server: Server, tmp_path: Path
) -> None:
    status, body = _get(voila_server, "/voila/render/index.ipynb")
    assert status == 200
    ids = re.findall(rb'kernel[_-]?[iI]d["\']?\s*[:=]\s*["\']([0-9a-f-]{36})', body)
    assert ids, "the dashboard page names its kernel"
    marker = tmp_path / "pwned.txt"
    # a fresh loop in a worker thread: the session's Playwright runs a loop in this one
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        seen = pool.submit(
            asyncio.run, _talk_to_kernel(voila_server.url, ids[0].decode(), marker)
        ).result()
    assert seen.get("kernel_info_reply"), f"the channel works for allowed messages: {seen}"
    assert not marker.exists(), "code sent by a viewer ran in the kernel"
    for reply in ("execute_reply", "execute_result", "complete_reply", "inspect_reply"):
        assert reply not in seen, f"the kernel answered a {reply}"


# ------------------------------------------------------------------ file handlers

TRAVERSALS = [
    "/voila/files/../data/projects.csv",
    "/voila/files/%2e%2e/data/projects.csv",
    "/voila/files/..%2fdata%2fprojects.csv",
    "/voila/files/%2e%2e%2fdata%2fprojects.csv",
    "/voila/files/%252e%252e%252fdata%252fprojects.csv",
    "/voila/files/....//data/projects.csv",
    "/voila/files//etc/passwd",
    "/voila/files/%2fetc%2fpasswd",
    "/voila/files/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/voila/files/index.ipynb",  # the notebook source is not a page asset
    "/voila/templates/..%2f..%2f..%2fdata%2fprojects.csv",
    "/voila/static/..%2f..%2f..%2fdata%2fprojects.csv",
    "/voila/render/..%2fdata%2fprojects.csv",
    "/voila/render/%2e%2e/pyproject.toml",
    "/voila/tree/..%2f",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_file_outside_the_allow_list_is_served(voila_server: Server, path: str) -> None:
    status, body = _get(voila_server, path)
    # refused: not found / forbidden, or (Voila's template handler on an encoded path) an error page
    assert status in (400, 403, 404, 405, 500), (status, body[:200])
    assert b"project_id" not in body and b"root:x:0" not in body and b"[project]" not in body


def test_the_landing_page_shows_no_server_path(open_dashboard, voila_server: Server) -> None:  # type: ignore[no-untyped-def]
    dash = open_dashboard("index.ipynb")
    html = dash.page.content()
    for secret in {str(voila_server.data_dir), str(voila_server.data_dir.parent), str(REPO)}:
        assert secret not in html, f"the page shows the server path {secret}"
    assert "folder data" in dash.text()


def test_serving_beyond_loopback_needs_a_token() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PMKIT_TOKEN", "PMKIT_PASSWORD_HASH")}
    out = subprocess.run(
        [sys.executable, "-m", "pmkit.cli", "serve", "--ip", "0.0.0.0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 2
    assert "token" in out.stderr and "Traceback" not in out.stderr


def test_a_token_protected_server_refuses_anonymous_viewers(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "PMKIT_TOKEN": uuid.uuid4().hex, "PMKIT_LOG": str(tmp_path / "log")}
    cmd = [
        sys.executable,
        "-m",
        "pmkit.cli",
        "serve",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-preheat",
    ]
    with open(tmp_path / "voila.log", "wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_port(port, proc)
        srv = Server(f"http://127.0.0.1:{port}", tmp_path, tmp_path / "voila.log")
        status, _ = _get(srv, "/voila/render/index.ipynb", redirects=0)  # not to the login page
        assert status in (302, 401, 403), status
        status, _ = _get(srv, f"/voila/render/index.ipynb?token={env['PMKIT_TOKEN']}")
        assert status == 200
        assert env["PMKIT_TOKEN"] not in " ".join(_cmdline(proc.pid)), "token visible in ps"
    finally:
        stop_server(proc)


def _cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


# ------------------------------------------------------------------ hostile free text

NOTEBOOKS = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
NOT_FREE_TEXT = {"wbs", "working_days", "periods"}
SHOWS_NAMES = {"portfolio_glance.ipynb", "pmo_portfolio_review.ipynb"}


def _hostile(folder: Path) -> list[str]:
    """Put live markup in every free-text column of every table; return the fields touched."""
    touched = []
    for name, spec in TABLES.items():
        path = folder / spec.file
        if not path.exists():
            continue
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        for f in spec.fields:
            if f.kind != "str" or f.isin or f.name.endswith("_id") or f.name in NOT_FREE_TEXT:
                continue
            tag = f"{name}.{f.name}"
            payload = (
                f"<img src=x onerror=\"window.__pwned='{tag}'\">"
                f"<script>window.__pwned='{tag}'</script><b>{tag}</b>"
            )
            df[f.name] = [f"{v}{payload}" if (v or not f.required) else v for v in df[f.name]]
            touched.append(tag)
        df.to_csv(path, index=False, lineterminator="\n")
    return touched


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    work = tmp_path_factory.mktemp("hostile")
    data = work / "data"
    shutil.copytree(REPO / "data", data)
    assert len(_hostile(data)) > 20
    port = _free_port()
    env = {**os.environ, "PMKIT_DATA": str(data), "PMKIT_LOG": str(work / "dashboard.log")}
    with open(work / "voila.log", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pmkit.cli", "serve", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_port(port, proc)
        yield Server(f"http://127.0.0.1:{port}", data, work / "voila.log")
    finally:
        stop_server(proc)


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_markup_in_free_text_stays_inert_on_every_tab(
    browser: object, hostile_server: Server, notebook: str
) -> None:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page = ctx.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
    try:
        page.goto(f"{hostile_server.url}/voila/render/{notebook}", timeout=180_000)
        page.wait_for_selector(".pmkit-title", timeout=180_000)
        tabs = page.locator(".lm-TabBar-tab, .p-TabBar-tab")
        for i in range(tabs.count()):
            tabs.nth(i).click()
            page.wait_for_timeout(1500)
        page.wait_for_timeout(1000)
        assert page.evaluate("window.__pwned === undefined"), page.evaluate("window.__pwned")
        assert not dialogs
        injected = page.locator("img[src='x'], .jp-OutputArea script:not([type])").count()
        assert injected == 0, "markup from the data became elements"
        if notebook in SHOWS_NAMES:  # the hostile text is on the page, escaped, as text
            assert "&lt;img src=x onerror=" in page.content()
    finally:
        ctx.close()
