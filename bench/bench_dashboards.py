"""Time to first chart of every dashboard, cold kernels vs Voila's preheated kernels.

Starts ``pmkit serve`` twice on a copy of the sample (``--no-preheat``, then the default
preheated pool), opens each dashboard in headless Chromium with every non-local request
blocked, and prints the seconds until a chart has drawn marks, and the ratio. A measurement,
not a test: run ``python bench/bench_dashboards.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pmkit.cli import stop_server

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
DRAWN = """() => [...document.querySelectorAll('.vega-embed')].some(c =>
    c.querySelector('svg .mark-rect, svg .mark-line, svg .mark-symbol, svg .mark-rule, canvas'))"""
# No chart at first paint by design (quiz; importer before an upload): time to the header.
CHARTLESS = {"training_quiz.ipynb", "import_schedule.ipynb"}
READY = "() => document.querySelector('.pmkit-title') !== null"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(data: Path, preheat: bool) -> tuple[subprocess.Popen[bytes], str]:
    port = _port()
    cmd = [sys.executable, "-m", "pmkit.cli", "serve", "--port", str(port)]
    if not preheat:
        cmd.append("--no-preheat")
    env = {**os.environ, "PMKIT_DATA": str(data)}
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    for _ in range(300):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"http://127.0.0.1:{port}"
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("voila did not start")


def _measure(url: str, notebooks: list[str], rounds: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    out: dict[str, list[float]] = {nb: [] for nb in notebooks}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(rounds):
            for nb in notebooks:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.route(
                    "**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort()
                )
                t0 = time.monotonic()
                page.goto(f"{url}/voila/render/{nb}", timeout=180_000)
                page.wait_for_function(READY if nb in CHARTLESS else DRAWN, timeout=180_000)
                out[nb].append(time.monotonic() - t0)
                page.close()
                time.sleep(8)  # let a preheated pool refill, as between two real visitors
        browser.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--warmup", type=float, default=60.0, help="seconds for the pool to fill")
    args = ap.parse_args()
    notebooks = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
    results: dict[bool, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(REPO / "data", data)
        for preheat in (False, True):
            proc, url = _serve(data, preheat)
            try:
                if preheat:
                    time.sleep(args.warmup)
                results[preheat] = _measure(url, notebooks, args.rounds)
            finally:
                stop_server(proc)
    print("seconds to first chart (to the page header where marked *)")
    print(f"{'dashboard':32s} {'cold s':>8s} {'preheated s':>12s} {'ratio':>7s}")
    for nb in notebooks:
        cold = statistics.median(results[False][nb])
        warm = statistics.median(results[True][nb])
        name = nb + (" *" if nb in CHARTLESS else "")
        print(f"{name:32s} {cold:8.1f} {warm:12.1f} {cold / warm:6.1f}x")


if __name__ == "__main__":
    main()
