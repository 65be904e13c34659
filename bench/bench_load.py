"""N managers open dashboards at once: time to first chart, failures, server memory.

Starts ``pmkit serve`` on a copy of a portfolio (the sample, or ``--data DIR`` e.g. a
``pmkit generate DIR --projects 1000`` one), waits for Voila's preheated pool to fill, then
opens N headless-Chromium pages *at the same time* (one browser, one context per viewer,
every non-loopback request aborted) on one dashboard or on a mix of dashboards, and prints,
for each N: p50 / p95 / max seconds to first chart, failures (no chart within
``--page-timeout``), peak memory of the server and its kernels (RSS and PSS, sampled from
/proc), and kernel memory per viewer.

Bounded: at most 30 viewers per round, each page gives up after ``--page-timeout`` seconds,
the whole run after ``--max-seconds``; the server and every kernel are stopped at the end.
A measurement, not a test. The browser runs on the same machine as the server, so on a small
machine it competes for the same cores: read ratios between runs more than the seconds.

    python bench/bench_load.py --viewers 1,5,10,20
    python bench/bench_load.py --viewers 10,20 --mix
    python bench/bench_load.py --viewers 20 --serve-args="--viewers 20"
    python bench/bench_load.py --wire --viewers 1,20 --serve-args="--viewers glance=21"
    python bench/bench_load.py --returning --viewers 1,5,10,20 --toy

``--returning``: the Monday manager, whose browser has opened the page before. Each viewer
gets a browser of their own with a profile on disk (``launch_persistent_context``: an HTTP
cache and V8's code cache, as a real browser keeps them), and every round is ``--visits``
rushes of the same N viewers on the same URL: visit 1 with empty profiles (a cold cache),
then the same profiles again, each visit on a freshly started server with a full pool (same
port, so the same origin and cache). Chrome stores a script's code cache on its second load
and uses it from the third: visit 2 has the HTTP cache, visit 3 the HTTP and code cache.
Printed per visit: first chart, browser CPU per viewer, and the page's requests that went to
the network (200, or 304 revalidated) vs served from the browser's cache. The offline guard
is a host-resolver rule (``page.route``, the other rounds' guard, turns the cache off), and
any request to another host is counted (``off``, must be 0). ``--toy``: the toy notebook
(one Dropdown + one chart, ``bench_interactions.TOY``) beside each dashboard round.

``--wire``: viewers without a browser (``bench/_wire.py``), the server's side alone: the time
until a page, the static files it fetches and its widget states have arrived. The browsers of
real viewers run on their own machines; here a headless Chromium page costs the server's own
cores 4-7 CPU-seconds, more than ten times the server's share (the srvCPU/brCPU columns).

``--returning --probes K [--rushes R]``: the two together. Of the N viewers of each rush, K
are browsers (persistent profiles, as above) and the other N-K viewers without a browser, all
started at the same moment: the server serves N viewers, and the K browsers, sharing the
machine's cores with the server and not with N-1 other browsers, time what a manager whose
browser runs on a machine of their own sees while N managers open the page. The wire viewers
fetch what a page of their visit does: on visit 1 the page, every static file and the states;
on a returning visit the page and the states (a returning browser's static files come from its
cache: the ``net`` column). ``--rushes R`` repeats the last visit until R rushes of it have
run, each on a server started afresh, and prints the browsers' times pooled over them.

    python bench/bench_load.py --returning --viewers 20 --probes 4 --rushes 5 --toy
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from pmkit.cli import stop_server

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("PMKIT_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]  # fmt: skip
DRAWN = """() => [...document.querySelectorAll('.vega-embed')].some(c =>
    c.querySelector('svg .mark-rect, svg .mark-line, svg .mark-symbol, svg .mark-rule,'
    + ' svg .mark-area, svg .mark-text, svg .mark-arc, svg .mark-point, canvas'))"""
MIX = [
    "portfolio_glance.ipynb",
    "pmo_portfolio_review.ipynb",
    "pm_planning.ipynb",
    "pm_tracking.ipynb",
    "index.ipynb",
    "training_lessons.ipynb",
]
MAX_VIEWERS = 30


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------- memory of a process tree
def _tree(root: int) -> list[int]:
    """``root`` and all its descendants (Voila and its kernels), from /proc."""
    parent: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(p for p, pp in parent.items() if pp == pid)
    return out


def _mem_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in kB; PSS shares the pages kernels have in common fairly."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


@dataclass
class MemSample:
    server_rss: int = 0
    kernels_rss: int = 0
    kernels_pss: int = 0
    kernels: int = 0


@dataclass
class Sampler:
    """Samples the server tree's memory every ``every`` seconds in a thread; keeps the peak."""

    root: int
    every: float = 0.5
    peak: MemSample = field(default_factory=MemSample)
    _stop: threading.Event = field(default_factory=threading.Event)

    def sample(self) -> MemSample:
        pids = _tree(self.root)
        server = _mem_kb(self.root)[0]
        kern = [_mem_kb(p) for p in pids if p != self.root]
        return MemSample(server, sum(r for r, _ in kern), sum(p for _, p in kern), len(kern))

    def _run(self) -> None:
        while not self._stop.is_set():
            s = self.sample()
            if s.server_rss + s.kernels_rss > self.peak.server_rss + self.peak.kernels_rss:
                self.peak = s
            self._stop.wait(self.every)

    def __enter__(self) -> Sampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# ---------------------------------------------------------------- the server
def serve(
    data: Path,
    extra: list[str],
    src: Path | None = None,
    log: Path | None = None,
    port: int | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """``pmkit serve`` on ``data``; ``src``: another checkout's code (a baseline) instead;
    ``port``: a given one (a returning viewer's cache is per origin)."""
    if port is None:
        port = _port()
        extra = ["--port", str(port), *extra]
    cmd = [sys.executable, "-m", "pmkit.cli", "serve", *extra]
    env = {**os.environ, "PMKIT_DATA": str(data)}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (closed with the server)
    proc = subprocess.Popen(cmd, cwd=src or REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    for _ in range(600):
        if proc.poll() is not None:
            raise RuntimeError(f"pmkit serve exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"http://127.0.0.1:{port}"
        time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("pmkit serve did not open its port")


def _cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])
        except (OSError, IndexError, ValueError):
            continue
    return total


def _running(pids: list[int]) -> int:
    """How many of ``pids`` are runnable (state R): working, or waiting for a core."""
    n = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError):
            n += Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "R"
    return n


def wait_pool(proc: subprocess.Popen[bytes], limit: float, kernels: int) -> tuple[float, int]:
    """Wait until ``kernels`` preheated kernels are up and all asleep (waiting for a page)
    for 3 s in a row, at most ``limit`` seconds. On a busy machine a starved kernel is
    runnable (R), not asleep, so a loaded machine does not fool this."""
    t0 = time.monotonic()
    quiet = 0
    while time.monotonic() - t0 < limit:
        pids = _tree(proc.pid)
        up = len(pids) - 1 >= kernels
        quiet = quiet + 1 if up and _running(pids) == 0 else 0
        if quiet >= 6:
            break
        time.sleep(0.5)
    return time.monotonic() - t0, len(_tree(proc.pid)) - 1


# ---------------------------------------------------------------- the viewers
async def _one(browser: object, url: str, timeout_s: float) -> float | None:
    ctx = await browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page = await ctx.new_page()

    async def route(r: object) -> None:
        if r.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):  # type: ignore[attr-defined]
            await r.continue_()  # type: ignore[attr-defined]
        else:
            await r.abort()  # type: ignore[attr-defined]

    await page.route("**/*", route)
    try:
        return await _until_drawn(page, url, timeout_s)
    finally:
        await ctx.close()


# The second clock, "first look": when the page's still picture of its first chart
# (``pmkit.ui._look``, an <img elementtiming="pmkit-look">) was painted, by the browser's
# own Element Timing; and the first contentful paint (Voila's spinner, or the first look).
PAINTS = """
window.__pmkitPaint = {};
try {
  new PerformanceObserver(l => l.getEntries().forEach(e => {
    if (e.identifier === 'pmkit-look' && !window.__pmkitPaint.look)
      window.__pmkitPaint.look = e.renderTime || e.loadTime;
  })).observe({type: 'element', buffered: true});
  new PerformanceObserver(l => l.getEntries().forEach(e => {
    if (e.name === 'first-contentful-paint') window.__pmkitPaint.fcp = e.startTime;
  })).observe({type: 'paint', buffered: true});
} catch (e) {}
"""
#: per viewer of the running round: (first look s or None, first contentful paint s or None)
LOOKS: list[tuple[float | None, float | None]] = []
#: per viewer of the running round: widget outputs the page template's restore gate rendered
#: after ipywidgets' renderer lost its race with the restore (``pmkit.bundle``)
RESCUED: list[int] = []


# What a page that never drew shows: Voila's loading text, the first look, widget views.
STATE = """() => ({
  ready: document.readyState,
  loading: (document.querySelector('#loading_text, #loading') || {}).innerText || null,
  look: !!document.querySelector('[elementtiming="pmkit-look"]'),
  views: document.querySelectorAll('.jupyter-widgets').length,
  embeds: document.querySelectorAll('.vega-embed').length,
  sheets: document.styleSheets.length,
  paint: window.__pmkitPaint || null,
  body: document.body ? document.body.innerText.slice(0, 160) : null,
  widgets: [...document.querySelectorAll('.jupyter-widgets')].map(w =>
    w.className.slice(0, 80) + ': ' + w.innerText.slice(0, 80)),
})"""


async def _add_paints(page: object, t0: float) -> None:
    """The viewer's first look and first contentful paint, on the bench's clock, to LOOKS."""
    with contextlib.suppress(Exception):  # the page's clock (ms from navigation) on ours
        p = await page.evaluate(  # type: ignore[attr-defined]
            "[performance.now(), window.__pmkitPaint.look, window.__pmkitPaint.fcp,"
            " window.pmkitRestoreRescued || 0]"
        )
        shift = (time.monotonic() - t0) - p[0] / 1000
        LOOKS.append(tuple(None if v is None else v / 1000 + shift for v in p[1:3]))  # type: ignore[arg-type]
        RESCUED.append(int(p[3]))


async def _until_drawn(
    page: object,
    url: str,
    timeout_s: float,
    why: Callable[[], Awaitable[str]] | None = None,
) -> float | None:
    """Seconds from the request to the first chart drawn; None for a timeout or a closed page
    (counted as a failure, its reason printed, with ``why()``'s account of what the page
    waited for). Appends the viewer's first look and first contentful paint, on the same
    clock, to :data:`LOOKS`, drawn or not."""
    t0 = time.monotonic()
    try:
        await page.add_init_script(PAINTS)  # type: ignore[attr-defined]
        await page.goto(url, timeout=timeout_s * 1000)  # type: ignore[attr-defined]
        left = max(1.0, timeout_s - (time.monotonic() - t0))
        await page.wait_for_function(DRAWN, timeout=left * 1000, polling=100)  # type: ignore[attr-defined]
        drawn = time.monotonic() - t0
        await _add_paints(page, t0)
        return drawn
    except Exception as exc:
        await _add_paints(page, t0)  # a page that never drew may have painted its look
        print(f"# a viewer failed: {type(exc).__name__}: {str(exc)[:300]}", file=sys.stderr)
        if why is not None:
            try:
                print(await why(), file=sys.stderr, flush=True)
            except Exception as e:  # the account itself failed: say so
                print(f"#   (no account: {type(e).__name__}: {e})", file=sys.stderr)
        return None


async def _round(
    base: str, notebooks: list[str], n: int, timeout_s: float, ticks: dict[str, int] | None = None
) -> list[float | None]:
    """``ticks``: filled with this process tree's CPU ticks just before the browser closes
    (a closed Chromium's processes no longer count)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            urls = [f"{base}/voila/render/{notebooks[i % len(notebooks)]}" for i in range(n)]
            times = list(await asyncio.gather(*(_one(browser, u, timeout_s) for u in urls)))
            if ticks is not None:
                ticks["all"] = _cpu_ticks(_tree(os.getpid()))
            return times
        finally:
            await browser.close()


async def _round_wire(
    base: str, notebooks: list[str], n: int, timeout_s: float, ticks: dict[str, int], server: int
) -> list[float | None]:
    """N viewers without a browser (``_wire``): one real page in Chromium first tells which
    static files a page fetches (not timed, its CPU not counted), then N clients at once ask
    for what that page asked."""
    import _wire

    assets = await _discover(base, notebooks, timeout_s)
    await asyncio.sleep(1.0)  # the discovery page's kernel settles
    ticks["srv0"], ticks["all0"] = _cpu_ticks(_tree(server)), _cpu_ticks(_tree(os.getpid()))
    nbs = [notebooks[i % len(notebooks)] for i in range(n)]
    times = list(
        await asyncio.gather(*(_wire.viewer(base, nb, assets[nb], timeout_s) for nb in nbs))
    )
    ticks["all"] = _cpu_ticks(_tree(os.getpid()))
    return times


@dataclass
class Net:
    """What a page's requests cost: from the network (200s and 304 revalidations, bytes on
    the wire) or served from the browser's own cache; ``offsite``: requests to another host."""

    network: int = 0
    revalidated: int = 0
    cached: int = 0
    kb: float = 0.0
    offsite: int = 0

    def add(self, other: Net) -> None:
        for f in ("network", "revalidated", "cached", "kb", "offsite"):
            setattr(self, f, getattr(self, f) + getattr(other, f))


LOOPBACK_URL = ("http://127.0.0.1", "data:", "blob:", "ws://127.0.0.1")


class PageLog:
    """For a page that never draws: every request's URL and when it was sent and ended (s from
    the visit's start), the kernel's websocket frames, the page's errors."""

    def __init__(self, page: object, cdp: object) -> None:
        self.page, self.t0 = page, time.monotonic()
        self.reqs: dict[str, list] = {}  # id -> [url, sent, ended or None, how it ended]
        self.ws = dict.fromkeys(("created", "in", "out", "closed"), 0)
        self.errors: list[str] = []
        self.frames: list[str] = []  # the kernel websocket's frames: time, way, what
        on = cdp.on  # type: ignore[attr-defined]
        on("Network.webSocketFrameReceived", lambda e: self._frame(e, "<"))
        on("Network.webSocketFrameSent", lambda e: self._frame(e, ">"))
        on("Network.requestWillBeSent", self._sent)
        on("Network.loadingFinished", lambda e: self._end(e, "ok"))
        on("Network.loadingFailed", lambda e: self._end(e, "failed " + e.get("errorText", "")))
        for event, key in (("Created", "created"), ("FrameReceived", "in"),
                           ("FrameSent", "out"), ("Closed", "closed")):  # fmt: skip
            on(f"Network.webSocket{event}", lambda e, k=key: self.ws.__setitem__(k, self.ws[k] + 1))
        page.on("pageerror", lambda e: self.errors.append(f"pageerror {str(e)[:160]}"))  # type: ignore[attr-defined]
        page.on("console", self._console)  # type: ignore[attr-defined]

    def _sent(self, e: dict) -> None:
        self.reqs[e["requestId"]] = [e["request"]["url"], time.monotonic() - self.t0, None, ""]

    def _end(self, e: dict, how: str) -> None:
        if e["requestId"] in self.reqs:
            self.reqs[e["requestId"]][2:] = [time.monotonic() - self.t0, how]

    def _console(self, m: object) -> None:
        noise = "atisf" in m.text  # type: ignore[attr-defined]  # shared-module version notes
        if m.type == "error" or (m.type == "warning" and not noise):  # type: ignore[attr-defined]
            self.errors.append(f"console.{m.type} {m.text[:600]}")  # type: ignore[attr-defined]

    def _frame(self, e: dict, way: str) -> None:
        """A Jupyter message's type, comm method and size (text or binary framing alike)."""
        data = e["response"].get("payloadData", "")
        if e["response"].get("opcode") == 2:
            with contextlib.suppress(ValueError):
                data = base64.b64decode(data).decode("utf-8", "replace")
        kind = re.search(r'"msg_type":\s*"(\w+)"', data)
        method = re.search(r'"method":\s*"(\w+)"', data)
        comm = re.search(r'"comm_id":\s*"(\w{6})', data)
        self.frames.append(
            f"{time.monotonic() - self.t0:.1f}{way}{kind.group(1) if kind else '?'}"
            f"{'/' + method.group(1) if method else ''}{'@' + comm.group(1) if comm else ''}"
            f" {len(data) // 1024}K"
        )

    async def why(self) -> str:
        state = await self.page.evaluate(STATE)  # type: ignore[attr-defined]
        rs = self.reqs.values()
        open_ = [f"{r[0][-90:]} (sent {r[1]:.1f})" for r in rs if r[2] is None]
        done = sorted((r for r in rs if r[2] is not None), key=lambda r: r[2])
        last = [f"{r[0][-70:]} {r[3]} {r[1]:.1f}->{r[2]:.1f}" for r in done[-6:]]
        return (
            f"#   page: {json.dumps(state)}\n#   ws: {self.ws}; requests {len(self.reqs)}, "
            f"unfinished {len(open_)}: {open_[:8]}\n#   last ended: {last}\n"
            f"#   errors: {self.errors[:8]}\n#   frames: {self.frames[:60]}"
        )


async def _visit(ctx: object, url: str, timeout_s: float, net: Net) -> float | None:
    """One page load in a persistent context, its requests counted over CDP (Playwright's
    own events do not say whether a response came from the cache)."""
    page = await ctx.new_page()  # type: ignore[attr-defined]
    cdp = await ctx.new_cdp_session(page)  # type: ignore[attr-defined]
    status: dict[str, int] = {}
    from_cache: set[str] = set()

    def received(e: dict) -> None:
        r = e["response"]
        if r.get("fromDiskCache") or r.get("fromMemoryCache") or r.get("fromPrefetchCache"):
            from_cache.add(e["requestId"])
        status.setdefault(e["requestId"], int(r.get("status", 0)))

    def extra(e: dict) -> None:  # the status on the wire: 304 for a revalidated response
        status[e["requestId"]] = int(e.get("statusCode", 0))

    def finished(e: dict) -> None:
        net.kb += float(e.get("encodedDataLength", 0)) / 1024

    def sent(e: dict) -> None:
        if not e["request"]["url"].startswith(LOOPBACK_URL):
            net.offsite += 1

    cdp.on("Network.requestServedFromCache", lambda e: from_cache.add(e["requestId"]))
    cdp.on("Network.responseReceived", received)
    cdp.on("Network.responseReceivedExtraInfo", extra)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.requestWillBeSent", sent)
    log = PageLog(page, cdp)
    await cdp.send("Network.enable")
    try:
        return await _until_drawn(page, url, timeout_s, log.why)
    finally:
        for rid, code in status.items():
            if rid in from_cache:
                net.cached += 1
            elif code == 304:
                net.revalidated += 1
            else:
                net.network += 1
        net.cached += len(from_cache - status.keys())
        await page.close()


# Chromium resolves no host name but the loopback: the returning rounds' offline
# guard, since request interception would turn the HTTP cache off.
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"


async def _round_returning(
    url: str,
    profiles: list[Path],
    timeout_s: float,
    ticks: dict[str, int],
    net: Net,
    wire: list[float | None] | None = None,
    others: int = 0,
    assets: list[str] | None = None,
) -> list[float | None]:
    """N viewers at once, each in a browser of their own with its profile on disk; with
    ``others``, that many viewers without a browser (``_wire``: the page, ``assets`` and the
    widget states) start at the same moment, their times put in ``wire``."""
    import _wire
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        ctxs = await asyncio.gather(
            *(
                pw.chromium.launch_persistent_context(
                    str(p),
                    executable_path=CHROMIUM,
                    args=[*ARGS, OFFLINE],
                    viewport={"width": 1400, "height": 1000},
                )
                for p in profiles
            )
        )
        try:
            for c in ctxs:  # a persistent context opens with a blank page: not a viewer's
                for pg in list(c.pages):
                    await pg.close()
            ticks["all0"] = _cpu_ticks(_tree(os.getpid()))
            base, nb = url.split("/voila/render/", 1)
            got = await asyncio.gather(
                *(_visit(c, url, timeout_s, net) for c in ctxs),
                *(_wire.viewer(base, nb, assets or [], timeout_s) for _ in range(others)),
            )
            ticks["all"] = _cpu_ticks(_tree(os.getpid()))
            if wire is not None:
                wire.extend(got[len(ctxs) :])
            return list(got[: len(ctxs)])
        finally:
            await asyncio.gather(*(c.close() for c in ctxs), return_exceptions=True)


def _pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


@dataclass
class Row:
    label: str
    n: int
    times: list[float]
    failures: int
    peak: MemSample
    idle: MemSample
    warm_s: float
    cpu_server: float = float("nan")  # CPU-seconds of Voila + kernels during the round
    cpu_browser: float = float("nan")  # CPU-seconds of Playwright + Chromium during the round
    net: Net | None = None  # --returning: the page's requests, network vs cache
    looks: list[float] = field(default_factory=list)  # first look s, viewers that had one
    fcps: list[float] = field(default_factory=list)  # first contentful paint s
    rescued: int = 0  # widget outputs the restore gate rendered (pmkit.bundle)
    browsers: int = 0  # --probes: viewers in browsers (the net columns' viewers), else n
    cpu_voila: float = float("nan")  # --returning: CPU-s of Voila's own process (one thread)

    def line(self) -> str:
        mb = 1024
        per_viewer = (self.peak.kernels_pss - self.idle.kernels_pss) / mb / max(self.n, 1)
        per_kernel = self.peak.kernels_pss / mb / max(self.peak.kernels, 1)
        return (
            f"{self.label[:34]:34s} {self.n:3d} {_pct(self.times, 0.5):6.1f} "
            f"{_pct(self.times, 0.95):6.1f} {max(self.times, default=float('nan')):6.1f} "
            f"{self.failures:5d} {self.peak.server_rss / mb:8.0f} "
            f"{self.peak.kernels_rss / mb:8.0f} {self.peak.kernels_pss / mb:8.0f} "
            f"{self.peak.kernels:4d} {per_kernel:7.0f} {per_viewer:8.0f} {self.warm_s:6.0f} "
            f"{self.cpu_server / max(self.n, 1):7.2f} {self.cpu_browser / max(self.n, 1):7.2f}"
            + (self.net_cols() if self.net else "")
            + f" | look {len(self.looks):2d} {_pct(self.looks, 0.5):6.1f} "
            f"{_pct(self.looks, 0.95):6.1f} fcp {_pct(self.fcps, 0.5):6.1f} "
            f"{_pct(self.fcps, 0.95):6.1f} resc {self.rescued}"
            + (f" voila {self.cpu_voila:5.2f}" if self.cpu_voila == self.cpu_voila else "")
        )

    def net_cols(self) -> str:
        """Per viewer: requests from the network (of which 304s), from the cache, KB."""
        assert self.net is not None
        n, k = self.net, max(self.browsers or self.n, 1)
        return (
            f" {n.network / k:5.1f} {n.revalidated / k:5.1f} {n.cached / k:6.1f} "
            f"{n.kb / k:7.0f} {n.offsite:4d}"
        )


HEAD = (
    f"{'dashboard':34s} {'N':>3s} {'p50 s':>6s} {'p95 s':>6s} {'max s':>6s} {'fail':>5s} "
    f"{'srv MB':>8s} {'kRSS MB':>8s} {'kPSS MB':>8s} {'kern':>4s} {'PSS/k':>7s} "
    f"{'+PSS/vw':>8s} {'warm s':>6s} "
    f"{'srvCPU':>7s} {'brCPU':>7s}"
)
NET_HEAD = f" {'net':>5s} {'304':>5s} {'cache':>6s} {'KB/vw':>7s} {'off':>4s}"


def run(
    args: argparse.Namespace,
    data: Path,
    label: str,
    notebooks: list[str],
    n: int,
    src: Path | None = None,
) -> Row:
    extra = shlex.split(args.baseline_serve_args if src else args.serve_args)
    proc, base = serve(data, extra, src, Path(args.log) if args.log else None)
    try:
        kernels = args.baseline_pool_kernels if src else args.pool_kernels
        warm_s, _ = wait_pool(proc, args.warmup, kernels or args.pool_kernels)
        with Sampler(proc.pid) as sampler:
            idle = sampler.sample()
            srv0, all0 = _cpu_ticks(_tree(proc.pid)), _cpu_ticks(_tree(os.getpid()))
            ticks: dict[str, int] = {}
            if args.wire:
                times = asyncio.run(
                    _round_wire(base, notebooks, n, args.page_timeout, ticks, proc.pid)
                )
                srv0, all0 = ticks["srv0"], ticks["all0"]
            else:
                LOOKS.clear()
                RESCUED.clear()
                times = asyncio.run(_round(base, notebooks, n, args.page_timeout, ticks))
            srv = _cpu_ticks(_tree(proc.pid)) - srv0  # taken after the browser closed: the
            brw = ticks.get("all", all0) - all0 - srv  # kernels' last work counts as server
            time.sleep(1.0)  # let the last kernels finish their page
        ok = [t for t in times if t is not None]
        hz = os.sysconf("SC_CLK_TCK")
        row = Row(
            label, n, ok, len(times) - len(ok), sampler.peak, idle, warm_s, srv / hz, brw / hz
        )
        _add_looks(row)
        return row
    finally:
        stop_server(proc)


def _add_looks(row: Row) -> None:
    """The round's first looks (viewers whose page had one) and first contentful paints."""
    row.looks = [look for look, _ in LOOKS if look is not None]
    row.fcps = [fcp for _, fcp in LOOKS if fcp is not None]
    row.rescued = sum(RESCUED)


def _toy() -> str:
    """``bench_interactions``' toy, plus a last cell telling the pool it is ready (its whole
    page is built ahead, as before): without it each toy kernel holds the pool's fill gate
    for its 60 s timeout."""
    import json

    import bench_interactions

    nb = json.loads(bench_interactions._toy_notebook())
    src = "from pmkit.ui._common import _mark_ready\n_mark_ready()"
    nb["cells"].append({**nb["cells"][0], "id": "ready", "source": src})
    return json.dumps(nb)


async def _discover(base: str, notebooks: list[str], timeout_s: float) -> dict[str, list[str]]:
    """Per notebook, the static files one real page of it fetched (``_wire.discover``)."""
    import _wire
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            return {
                nb: await _wire.discover(browser, base, nb, timeout_s)
                for nb in dict.fromkeys(notebooks)
            }
        finally:
            await browser.close()


def run_returning(
    args: argparse.Namespace,
    data: Path,
    label: str,
    nb: str,
    n: int,
    tmp: Path,
    src: Path | None = None,
) -> list[Row]:
    """``--visits`` rushes of the same N viewers (persistent profiles) on ``nb``; each visit
    on a server started afresh on the same port, its pool sized for the rush and full.
    ``src``: a baseline checkout's code (its own profiles, port and notebook).
    ``--probes K``: K of the N are browsers, the others viewers without one (``_wire``);
    ``--rushes R``: the last visit repeated until R rushes of it have run."""
    side = "before" if src else "after"
    nbdir = _nbdir(tmp / f"nb-{side}-{nb}-{n}", nb, src)
    probes = min(args.probes, n) if args.probes else n
    others = n - probes
    profiles = [tmp / f"profile-{side}-{nb}-{n}-{i}" for i in range(probes)]
    port = _port()
    serve_args = args.baseline_serve_args if src else args.serve_args
    extra = [*shlex.split(serve_args), "--notebooks", str(nbdir), "--port", str(port)]
    if "--viewers" not in serve_args:
        extra += ["--viewers", f"{Path(nb).stem}={n}"]
    log = Path(args.log) if args.log else None
    assets: list[str] = []
    if others:  # what a first visit fetches, from one real page on a server of its own
        proc, base = serve(data, extra, src, log, port=port)
        try:
            wait_pool(proc, args.warmup, 1)
            assets = asyncio.run(_discover(base, [nb], args.page_timeout))[nb]
        finally:
            stop_server(proc)
    rows = []
    last = max(args.visits, 1)
    visits = [*range(1, last + 1), *([last] * (max(args.rushes, 1) - 1))]
    pooled: list[float] = []
    failed = 0
    for k, visit in enumerate(visits):
        what = {1: "cold", 2: "http"}.get(visit, "http+code")
        again = f"#{k - last + 2}" if k >= last else ""
        proc, base = serve(data, extra, src, log, port=port)
        try:
            warm_s, _ = wait_pool(proc, args.warmup, n)
            with Sampler(proc.pid) as sampler:
                idle = sampler.sample()
                srv0, voila0 = _cpu_ticks(_tree(proc.pid)), _cpu_ticks([proc.pid])
                ticks: dict[str, int] = {}
                net = Net()
                url = f"{base}/voila/render/{nb}"
                LOOKS.clear()
                RESCUED.clear()
                wire: list[float | None] = []
                # a returning browser takes the static files from its cache: the page, the
                # kernel channel and the states go over the network (the net column)
                times = asyncio.run(
                    _round_returning(
                        url, profiles, args.page_timeout, ticks, net,
                        wire, others, assets if visit == 1 else [],
                    )
                )  # fmt: skip
                srv = _cpu_ticks(_tree(proc.pid)) - srv0
                voila = _cpu_ticks([proc.pid]) - voila0  # the kernels are its children
                brw = ticks["all"] - ticks["all0"] - srv
                time.sleep(1.0)
        finally:
            stop_server(proc)
        ok, hz = [t for t in times if t is not None], os.sysconf("SC_CLK_TCK")
        who = f" ({probes} br)" if others else ""
        rows.append(
            Row(
                f"{'before: ' if src else ''}{label} v{visit}{again} {what}{who}",
                n,
                ok,
                len(times) - len(ok),
                sampler.peak,
                idle,
                warm_s,
                srv / hz,
                brw / hz,
                net,
                browsers=probes,
                cpu_voila=voila / hz,
            )
        )
        _add_looks(rows[-1])
        print(rows[-1].line(), flush=True)
        if others:
            _print_times("  + the others, no browser", wire)
        if visit == last and last >= 3:
            pooled += ok
            failed += len(times) - len(ok)
    if args.rushes > 1 and pooled:
        _print_times(f"  = {label} browsers, v{last} pooled", [*pooled, *[None] * failed])
    return rows


def _nbdir(nbdir: Path, nb: str, src: Path | None) -> Path:
    """A folder holding only ``nb`` (the toy, or a checkout's dashboard)."""
    if not nbdir.exists():
        nbdir.mkdir()
        if nb == "toy.ipynb":
            (nbdir / nb).write_text(_toy(), encoding="utf-8")
        else:
            shutil.copy((src or REPO) / "notebooks" / nb, nbdir / nb)
    return nbdir


def _print_times(label: str, times: list[float | None]) -> None:
    """A row of viewers' times only: how many, p50, p95, max, failures (None)."""
    done = [t for t in times if t is not None]
    print(
        f"{label[:34]:34s} {len(times):3d} {_pct(done, 0.5):6.1f} {_pct(done, 0.95):6.1f} "
        f"{max(done, default=float('nan')):6.1f} {len(times) - len(done):5d}",
        flush=True,
    )


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} CPUs"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--viewers", default="1,5,10,20", help="comma-separated N (each <= 30)")
    ap.add_argument("--notebook", default="portfolio_glance.ipynb", help="the one dashboard")
    ap.add_argument("--mix", action="store_true", help="also a mix of dashboards per N")
    ap.add_argument(
        "--wire",
        action="store_true",
        help="viewers without a browser (bench/_wire.py): the server's side of N viewers, "
        "time until a page, its static files and its widget states have arrived",
    )
    ap.add_argument("--only-mix", action="store_true", help="only the mix")
    ap.add_argument(
        "--returning",
        action="store_true",
        help="viewers whose browser has opened the page before (persistent profiles, "
        "HTTP and code cache): each round is --visits rushes, the first with a cold cache",
    )
    ap.add_argument("--visits", type=int, default=3, help="--returning: rushes per round")
    ap.add_argument("--toy", action="store_true", help="--returning: the toy beside")
    ap.add_argument(
        "--probes",
        type=int,
        default=0,
        help="--returning: of the N viewers, this many in browsers, the others without one "
        "(bench/_wire.py), all at the same moment: what a manager whose browser runs on a "
        "machine of their own feels while N viewers hit the server",
    )
    ap.add_argument("--rushes", type=int, default=1, help="--returning: rushes of the last visit")
    ap.add_argument("--data", help="portfolio folder (default: the sample); copied first")
    ap.add_argument("--serve-args", default="", help="extra `pmkit serve` options")
    ap.add_argument(
        "--baseline",
        help="a checkout of the code before a change (`git archive REV | tar -x -C DIR`): "
        "each round runs on it first, then on this tree, side by side",
    )
    ap.add_argument("--baseline-serve-args", default="", help="`pmkit serve` options for it")
    ap.add_argument("--log", help="append the servers' output to this file")
    ap.add_argument("--page-timeout", type=float, default=90.0, help="seconds per viewer")
    ap.add_argument("--warmup", type=float, default=240.0, help="max seconds for the pool")
    ap.add_argument(
        "--pool-kernels", type=int, default=8, help="kernels the pool starts with (baseline: 8)"
    )
    ap.add_argument(
        "--baseline-pool-kernels",
        type=int,
        default=0,
        help="kernels the baseline's pool starts with (default: --pool-kernels)",
    )
    ap.add_argument("--max-seconds", type=float, default=1800.0, help="stop starting rounds")
    args = ap.parse_args()
    ns = [int(x) for x in args.viewers.split(",") if x.strip()]
    if any(n < 1 or n > MAX_VIEWERS for n in ns):
        ap.error(f"each N must be between 1 and {MAX_VIEWERS}")
    if (args.probes or args.rushes > 1) and not args.returning:
        ap.error("--probes and --rushes go with --returning")
    plan: list[tuple[str, list[str], int]] = []
    for n in ns:
        if not args.only_mix:
            plan.append((args.notebook, [args.notebook], n))
        if args.mix or args.only_mix:
            plan.append(("mix of 6 dashboards", MIX, n))
    print(f"# bench_load {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {_load()}")
    print(f"# serve args: {args.serve_args or '(default)'}; data: {args.data or 'sample'}")
    if args.returning:
        print(
            "# --returning: v1 cold = empty browser profiles (no HTTP or code cache); "
            "v2 http = the same profiles again (HTTP cache); v3 http+code = HTTP + V8 code cache"
        )
    print(HEAD + (NET_HEAD if args.returning else ""), flush=True)
    t_start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(Path(args.data) if args.data else REPO / "data", data)
        for label, notebooks, n in plan:
            if time.monotonic() - t_start > args.max_seconds:
                print(f"# stopped: --max-seconds {args.max_seconds:.0f} reached")
                break
            if args.returning:
                for nb in [notebooks[0], *(["toy.ipynb"] if args.toy else [])]:
                    short = Path(nb).stem.replace("portfolio_", "")
                    if args.baseline:
                        run_returning(args, data, short, nb, n, Path(tmp), Path(args.baseline))
                    run_returning(args, data, short, nb, n, Path(tmp))
                continue
            if args.baseline:
                row = run(args, data, "before: " + label, notebooks, n, Path(args.baseline))
                print(row.line(), flush=True)
            print(run(args, data, label, notebooks, n).line(), flush=True)
    print(f"# done; {_load()}")
    print(
        "# times: seconds from navigation to the first chart with marks (failures excluded);\n"
        "# srv: Voila's RSS; kRSS/kPSS: all kernels' RSS/PSS at the peak; kern: kernels alive;\n"
        "# PSS/k: PSS per kernel; +PSS/vw: kernel PSS added per viewer over the idle pool;\n"
        "# warm s: seconds waited for the preheated pool before the viewers came;\n"
        "# srvCPU / brCPU: CPU-seconds per viewer spent by the server (Voila + kernels) and by\n"
        "# the browser (Playwright + Chromium, on this same machine) during the round: a server\n"
        "# whose viewers' browsers run elsewhere pays only srvCPU per viewer.\n"
        "# look: viewers whose page painted a first look, its chart drawn or not (a still\n"
        "# picture of its first chart, pmkit.ui._look; Element Timing), its p50 / p95 s; fcp:\n"
        "# first contentful paint p50 / p95 s (Voila's spinner, or the first look); same clock\n"
        "# as the first chart. A viewer that fails is printed to stderr with what its page\n"
        "# waited for (its requests, the kernel's messages, its errors). resc: widget outputs\n"
        "# that lost ipywidgets' race with the restore and were rendered by pmkit's gate.\n"
        "# voila (--returning): CPU-s of Voila's own process in the round, all viewers: the\n"
        "# server's one thread (pages, static files, every kernel message), the kernels apart.\n"
        "# --returning, per viewer: net = requests answered over the network (304 = of which\n"
        "# revalidated, no body), cache = served from the browser's cache without a request,\n"
        "# KB/vw = bytes on the wire; off = requests to any other host (must be 0).\n"
        "# --probes K: a row's times and net columns are its K browsers' (K br); brCPU is theirs\n"
        "# and the wire viewers' (this process) over N; '+ the others': the N-K wire viewers'\n"
        "# times."
    )


if __name__ == "__main__":
    main()
