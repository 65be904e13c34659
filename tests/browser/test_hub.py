"""The team deployment, end to end: JupyterHub (deploy/jupyterhub) on loopback over a REAL
PostgreSQL store, signed in as a manager and as a change-board member in headless Chromium.

The dummy authenticator is used here only (the config refuses it off loopback); everything else
is the production config: groups, read-only viewer servers, the shared store, the idle culler.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import CHROMIUM, REPO, _free_port, _wait_port

from pmkit.portfolio.decisions import load_decisions
from pmkit.store import SqlStore, init_db, load_folder

pytestmark = pytest.mark.browser

CONFIG = REPO / "deploy" / "jupyterhub" / "jupyterhub_config.py"
GROUPS = {"managers": ["manny"], "change-board": ["bea"], "analysts": ["alan"]}
PASSWORD = uuid.uuid4().hex


@dataclass
class Hub:
    url: str
    store_url: str


@pytest.fixture(scope="module")
def hub(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    pytest.importorskip("jupyterhub", reason="make setup-test installs '.[team]'")
    from pg import new_database

    store_url = new_database(postgres_url, "hub")
    init_db(store_url)
    load_folder(REPO / "data", store_url).close()
    work = tmp_path_factory.mktemp("hub")
    port = _free_port()
    env = {
        **os.environ,
        "PMKIT_DATA": store_url,
        "PMKIT_HUB_AUTH": "dummy",
        "PMKIT_HUB_TEST_PASSWORD": PASSWORD,
        "PMKIT_HUB_PORT": str(port),
        "PMKIT_HUB_API_PORT": str(_free_port()),
        "PMKIT_HUB_PROXY_API_PORT": str(_free_port()),
        "PMKIT_HUB_STATE": str(work / "state"),
        "PMKIT_HUB_GROUPS": json.dumps(GROUPS),
        "PMKIT_HUB_SPAWNER": "simple",
        "PMKIT_LOG": str(work / "dashboard.log"),
    }
    with open(work / "hub.log", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)],
            cwd=work,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_port(port, proc, timeout=120)
        _wait_hub(f"http://127.0.0.1:{port}", proc)
        yield Hub(f"http://127.0.0.1:{port}", store_url)
    finally:
        proc.send_signal(signal.SIGTERM)  # the hub stops every user server it spawned
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        # anything of this hub's session still alive (its proxy, a server, a kernel)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        print((work / "hub.log").read_text(errors="replace")[-8000:])


def _wait_hub(url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    """The proxy listens before it routes to the hub: wait until the hub itself answers."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        try:
            with urllib.request.urlopen(url + "/hub/api", timeout=10) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError("the hub did not answer on /hub/api")


def _sign_in(browser: object, hub: Hub, user: str) -> object:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page = ctx.new_page()
    page.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
    page.goto(f"{hub.url}/hub/login", timeout=60_000)
    page.fill("#username_input", user)
    page.fill("#password_input", PASSWORD)
    page.click("#login_submit")
    # the hub spawns the user's server, then sends them to their landing page (the dashboards)
    for _ in range(20):  # a slow machine: the spawn page may miss the "ready" event; reload it
        try:
            page.wait_for_url(f"**/user/{user}/voila/render/index.ipynb*", timeout=30_000)
            break
        except Exception:
            page.reload(timeout=60_000)
    page.wait_for_selector(".pmkit-title", timeout=300_000)
    return page


def _change_board(page: object, hub: Hub, user: str) -> None:
    page.goto(f"{hub.url}/user/{user}/voila/render/pmo_portfolio_review.ipynb", timeout=300_000)  # type: ignore[attr-defined]
    page.wait_for_selector(".pmkit-title", timeout=300_000)  # type: ignore[attr-defined]
    page.locator(".lm-TabBar-tab, .p-TabBar-tab", has_text="Change board").first.click()  # type: ignore[attr-defined]
    page.wait_for_selector("#pmo-changes tbody tr", timeout=120_000)  # type: ignore[attr-defined]


def test_roles_on_the_hub(browser: object, hub: Hub) -> None:
    board = _sign_in(browser, hub, "bea")
    manager = _sign_in(browser, hub, "manny")
    assert "PostgreSQL database hub" in manager.inner_text("body")  # type: ignore[attr-defined]

    # the manager sees the change board but cannot record a decision
    _change_board(manager, hub, "manny")
    assert manager.locator(".pmkit-record-decision").is_disabled()  # type: ignore[attr-defined]
    assert "only members of the change-board group" in manager.inner_text("body")  # type: ignore[attr-defined]

    # ... nor reach another user's server (running, and behind the same proxy)
    for path in ("/user/bea/api/status", "/user/bea/voila/render/index.ipynb", "/user/bea/lab"):
        resp = manager.request.get(hub.url + path)  # type: ignore[attr-defined]
        assert resp.status in (403, 404), (path, resp.status)

    # ... nor run code in their own server (viewer servers pass widget messages only)
    resp = manager.request.put(  # type: ignore[attr-defined]
        hub.url + "/user/manny/api/contents/evil.ipynb",
        data=json.dumps(
            {
                "type": "notebook",
                "content": {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
            }
        ),
        headers={"X-XSRFToken": _xsrf(manager)},
    )
    assert resp.status == 403, resp.status

    # a board member records a decision, under their hub name
    _change_board(board, hub, "bea")
    by = board.locator(".widget-text", has=board.get_by_text("Decided by", exact=True)).locator(
        "input"
    )  # type: ignore[attr-defined]
    assert by.input_value() == "bea" and by.is_disabled()
    board.locator(".widget-toggle-buttons button", has_text="Reject").click()  # type: ignore[attr-defined]
    board.locator(".widget-textarea textarea").fill("Out of strategy: hub test")  # type: ignore[attr-defined]
    board.locator(".pmkit-record-decision").click()  # type: ignore[attr-defined]
    board.wait_for_selector(".pmkit-recorded", timeout=60_000)  # type: ignore[attr-defined]
    assert "saved to the PostgreSQL database hub" in board.inner_text("body")  # type: ignore[attr-defined]

    # the manager sees it on the next load
    _change_board(manager, hub, "manny")
    row = manager.locator("#pmo-changes tbody tr", has_text="Out of strategy: hub test").first  # type: ignore[attr-defined]
    assert "Rejected" in row.inner_text() and "bea" in row.inner_text()

    store = SqlStore(hub.store_url)
    log = load_decisions(store)
    assert log["decided_by"].tolist() == ["bea"]
    trail = store.audit_trail()
    assert trail["who"].iloc[-1] == "bea" and trail["action"].iloc[-1] == "decide"
    store.close()


def _xsrf(page: object) -> str:
    for c in page.context.cookies():  # type: ignore[attr-defined]
        if c["name"] == "_xsrf":
            return str(c["value"])
    return ""
