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

``--wire``: viewers without a browser (``bench/_wire.py``), the server's side alone: the time
until a page, the static files it fetches and its widget states have arrived. The browsers of
real viewers run on their own machines; here a headless Chromium page costs the server's own
cores 4-7 CPU-seconds, more than ten times the server's share (the srvCPU/brCPU columns).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
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
    data: Path, extra: list[str], src: Path | None = None, log: Path | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """``pmkit serve`` on ``data``; ``src``: another checkout's code (a baseline) instead."""
    port = _port()
    cmd = [sys.executable, "-m", "pmkit.cli", "serve", "--port", str(port), *extra]
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
    t0 = time.monotonic()
    try:
        await page.goto(url, timeout=timeout_s * 1000)
        left = max(1.0, timeout_s - (time.monotonic() - t0))
        await page.wait_for_function(DRAWN, timeout=left * 1000, polling=100)
        return time.monotonic() - t0
    except Exception:  # a timeout or a closed page: counted as a failure
        return None
    finally:
        await ctx.close()


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
    from playwright.async_api import async_playwright

    assets: dict[str, list[str]] = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for nb in dict.fromkeys(notebooks):
                assets[nb] = await _wire.discover(browser, base, nb, timeout_s)
        finally:
            await browser.close()
    await asyncio.sleep(1.0)  # the discovery page's kernel settles
    ticks["srv0"], ticks["all0"] = _cpu_ticks(_tree(server)), _cpu_ticks(_tree(os.getpid()))
    nbs = [notebooks[i % len(notebooks)] for i in range(n)]
    times = list(
        await asyncio.gather(*(_wire.viewer(base, nb, assets[nb], timeout_s) for nb in nbs))
    )
    ticks["all"] = _cpu_ticks(_tree(os.getpid()))
    return times


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
        )


HEAD = (
    f"{'dashboard':34s} {'N':>3s} {'p50 s':>6s} {'p95 s':>6s} {'max s':>6s} {'fail':>5s} "
    f"{'srv MB':>8s} {'kRSS MB':>8s} {'kPSS MB':>8s} {'kern':>4s} {'PSS/k':>7s} "
    f"{'+PSS/vw':>8s} {'warm s':>6s} "
    f"{'srvCPU':>7s} {'brCPU':>7s}"
)


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
                times = asyncio.run(_round(base, notebooks, n, args.page_timeout, ticks))
            srv = _cpu_ticks(_tree(proc.pid)) - srv0  # taken after the browser closed: the
            brw = ticks.get("all", all0) - all0 - srv  # kernels' last work counts as server
            time.sleep(1.0)  # let the last kernels finish their page
        ok = [t for t in times if t is not None]
        hz = os.sysconf("SC_CLK_TCK")
        return Row(
            label, n, ok, len(times) - len(ok), sampler.peak, idle, warm_s, srv / hz, brw / hz
        )
    finally:
        stop_server(proc)


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
    plan: list[tuple[str, list[str], int]] = []
    for n in ns:
        if not args.only_mix:
            plan.append((args.notebook, [args.notebook], n))
        if args.mix or args.only_mix:
            plan.append(("mix of 6 dashboards", MIX, n))
    print(f"# bench_load {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {_load()}")
    print(f"# serve args: {args.serve_args or '(default)'}; data: {args.data or 'sample'}")
    print(HEAD, flush=True)
    t_start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(Path(args.data) if args.data else REPO / "data", data)
        for label, notebooks, n in plan:
            if time.monotonic() - t_start > args.max_seconds:
                print(f"# stopped: --max-seconds {args.max_seconds:.0f} reached")
                break
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
        "# whose viewers' browsers run elsewhere pays only srvCPU per viewer."
    )


if __name__ == "__main__":
    main()
