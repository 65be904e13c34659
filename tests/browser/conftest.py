"""Voila + headless Debian Chromium, with every non-local request blocked.

See ../shared/guide/BROWSER-TESTS.md. The server serves ``notebooks/`` on a *copy* of the
sample portfolio, so tests that record decisions never touch the repository's data.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import shutil
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from pmkit.cli import stop_server

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("PMKIT_CHROMIUM", "/usr/bin/chromium")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Time to first chart per dashboard, measured in every browser test and printed at the end of
# the run (a measurement, never an assertion: see BROWSER-TESTS.md).
FIRST_CHART: dict[str, list[float]] = {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"voila exited early with code {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise RuntimeError(f"voila did not open port {port} within {timeout}s")


@contextlib.contextmanager
def static_page(browser: Any, folder: Path, *, init_script: str = "") -> Iterator[Any]:
    """A page of ``folder``'s ``index.html`` served by a plain HTTP server on loopback (a
    module alone, with stand-in models), once it sets ``window.READY``; no page error."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a: None  # type: ignore[method-assign]
    server = socketserver.TCPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    if init_script:
        ctx.add_init_script(init_script)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
    pg.wait_for_function("window.READY === true", timeout=60_000)
    try:
        yield pg
        assert not errors, errors
    finally:
        ctx.close()
        server.shutdown()
        server.server_close()


@dataclass
class Server:
    url: str
    data_dir: Path
    log_path: Path


@pytest.fixture(scope="session")
def voila_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: `make test` installs it (apt-get)")
    pytest.importorskip("playwright.sync_api", reason="playwright is a test dependency")
    work = tmp_path_factory.mktemp("voila")
    data = work / "data"
    shutil.copytree(REPO / "data", data)
    port = _free_port()
    log_path = work / "voila.log"
    env = {**os.environ, "PMKIT_DATA": str(data), "PMKIT_LOG": str(work / "dashboard.log")}
    cmd = [
        sys.executable, "-m", "pmkit.cli", "serve",
        "--port", str(port),
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_port(port, proc)
        yield Server(f"http://127.0.0.1:{port}", data, log_path)
    finally:
        stop_server(proc)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: `make test` installs it (apt-get)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Dashboard:
    """One opened dashboard page plus what it tried to do behind our back."""

    page: object
    console_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    first_chart_s: float | None = None
    kernel_busy: bool = False
    last_frame: float = 0.0

    def on_frame(self, payload: bytes | str) -> None:
        """Every websocket frame from the server: the kernel's busy/idle status and when the
        page last heard from it (Jupyter's v1 protocol carries the JSON headers as text)."""
        data = payload if isinstance(payload, bytes) else payload.encode("utf-8", "replace")
        self.last_frame = time.monotonic()
        for state in _STATE.findall(data):
            self.kernel_busy = state == b"busy"

    def wait_idle(self, quiet_ms: int = 750, timeout_ms: int = 60_000) -> None:
        """Wait until the kernel is idle and nothing came from the server for ``quiet_ms``,
        then two animation frames (the page drew what arrived): a negative check made after
        this sees every update the last action caused, not only those of a fixed pause."""
        page = self.page
        end = time.monotonic() + timeout_ms / 1000
        while time.monotonic() < end:
            page.wait_for_timeout(50)  # type: ignore[attr-defined]  # lets frames arrive
            if not self.kernel_busy and time.monotonic() - self.last_frame >= quiet_ms / 1000:
                page.evaluate(  # type: ignore[attr-defined]
                    "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
                )
                return
        raise AssertionError(f"the kernel was still busy after {timeout_ms} ms")

    def wait_charts(self, n: int = 1, timeout_ms: int = 120_000) -> None:
        """Wait until ``n`` Vega charts have drawn marks."""
        self.page.wait_for_function(  # type: ignore[attr-defined]
            """n => {
                const charts = document.querySelectorAll('.vega-embed');
                let drawn = 0;
                charts.forEach(c => {
                    if (c.querySelector('svg .mark-rect, svg .mark-line, svg .mark-area,'
                        + ' svg .mark-symbol, svg .mark-rule, svg .mark-text, svg .mark-arc,'
                        + ' svg .mark-point, canvas')) drawn += 1;
                });
                return drawn >= n;
            }""",
            arg=n,
            timeout=timeout_ms,
        )

    def text(self) -> str:
        return str(self.page.inner_text("body"))  # type: ignore[attr-defined]

    def assert_clean(self) -> None:
        """No traceback, no stderr output, no console error on the page."""
        page = self.page
        stderr = page.locator(  # type: ignore[attr-defined]
            '[data-mime-type="application/vnd.jupyter.stderr"], '
            '.jp-RenderedText[data-mime-type*="error"]'
        ).count()
        body = self.text()
        assert "Traceback" not in body, body[:2000]
        assert "Error executing" not in body
        assert stderr == 0, "a cell wrote to stderr"
        assert not self.console_errors, self.console_errors


_STATE = re.compile(rb'"execution_state":\s*"(busy|idle)"')


def _is_local(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about"):
        return True
    return (parsed.hostname or "") in LOCAL_HOSTS


@pytest.fixture
def open_dashboard(browser: object, voila_server: Server) -> Iterator[Callable[..., Dashboard]]:
    contexts: list[object] = []
    opened: list[Dashboard] = []

    def _open(
        notebook: str, *, query: str = "", wait_charts: int = 1, init_script: str = ""
    ) -> Dashboard:
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
        contexts.append(ctx)
        if init_script:  # run before the page's own scripts
            ctx.add_init_script(init_script)  # type: ignore[attr-defined]
        page = ctx.new_page()
        dash = Dashboard(page)
        opened.append(dash)

        def route(r: object) -> None:
            url = r.request.url  # type: ignore[attr-defined]
            if _is_local(url):
                r.continue_()  # type: ignore[attr-defined]
            else:
                dash.blocked.append(url)
                r.abort()  # type: ignore[attr-defined]

        page.route("**/*", route)

        def on_console(msg: object) -> None:
            if msg.type != "error":  # type: ignore[attr-defined]
                return
            text = msg.text  # type: ignore[attr-defined]
            # A request we blocked is reported by Chromium as a console error; it is recorded
            # in `blocked` instead (and fails the test at teardown).
            if "net::ERR_FAILED" in text or "net::ERR_BLOCKED" in text:
                return
            dash.console_errors.append(text)

        page.on("console", on_console)
        page.on(
            "websocket",
            lambda ws: ws.on("framereceived", dash.on_frame),  # type: ignore[attr-defined]
        )
        page.on("pageerror", lambda e: dash.console_errors.append(f"pageerror: {e}"))
        t0 = time.monotonic()
        # a loaded shared machine may need longer for Voila to execute a notebook
        goto_ms = float(os.environ.get("PMKIT_BROWSER_GOTO_MS", "120000"))
        page.goto(f"{voila_server.url}/voila/render/{notebook}{query}", timeout=goto_ms)
        if wait_charts:
            dash.wait_charts(wait_charts)
            dash.first_chart_s = time.monotonic() - t0
            FIRST_CHART.setdefault(notebook, []).append(dash.first_chart_s)
        return dash

    yield _open
    for ctx in contexts:
        ctx.close()  # type: ignore[attr-defined]
    # Offline, really: no dashboard may even try to reach a host other than this server
    # (the pmkit Voila template serves Font Awesome itself; see pmkit.bundle).
    attempted = [url for dash in opened for url in dash.blocked]
    assert not attempted, f"{len(attempted)} non-local request(s) attempted: {attempted[:5]}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIRST_CHART:
        return
    terminalreporter.section(
        "time to first chart (preheated kernels, busy test run; bench/bench_dashboards.py)"
    )
    for nb, times in sorted(FIRST_CHART.items()):
        terminalreporter.write_line(
            f"{nb:34s} median {sorted(times)[len(times) // 2]:5.1f} s  "
            f"min {min(times):5.1f} s  max {max(times):5.1f} s  (n={len(times)})"
        )
