"""Time to first chart of every dashboard, cold kernels vs Voila's preheated kernels.

Starts ``pmkit serve`` twice on a copy of the sample (``--no-preheat``, then the default
preheated pool), opens each dashboard in headless Chromium with every non-local request
blocked, and prints the seconds until a chart has drawn marks, the kilobytes the page
received over its kernel websocket (widget state: specs, data, chart modules) and the ratio.
With ``--baseline DIR`` (``git archive REV | tar -x -C DIR``) the old code is measured first,
dashboard list and machine the same, and both are printed side by side. A measurement, not a
test: run ``python bench/bench_dashboards.py [--rounds N] [--baseline DIR] [--only a,b]``.
``--toy`` serves bench_interactions' toy notebook (one Dropdown, one ``JupyterChart``) beside the
dashboards, the floor any page of this server can reach; ``--preheated-only`` skips the cold
kernels (the goal row under work is the preheated one).
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


def _serve(
    data: Path, preheat: bool, src: Path | None = None, notebooks: Path | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    port = _port()
    cmd = [sys.executable, "-m", "pmkit.cli", "serve", "--port", str(port)]
    if notebooks is not None:
        cmd += ["--notebooks", str(notebooks)]
    if not preheat:
        cmd.append("--no-preheat")
    env = {**os.environ, "PMKIT_DATA": str(data)}
    if src is not None:  # the baseline's code, in the server and (inherited) its kernels
        env["PYTHONPATH"] = str(src)
    proc = subprocess.Popen(
        cmd, cwd=src or REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    for _ in range(300):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"http://127.0.0.1:{port}"
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("voila did not start")


def _measure(url: str, notebooks: list[str], rounds: int) -> dict[str, list[tuple[float, int]]]:
    """Per dashboard: (seconds to first chart, bytes received on the kernel websocket)."""
    from playwright.sync_api import WebSocket, sync_playwright

    out: dict[str, list[tuple[float, int]]] = {nb: [] for nb in notebooks}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(rounds):
            for nb in notebooks:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.route(
                    "**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort()
                )
                got = [0]

                def on_ws(ws: WebSocket, got: list[int] = got) -> None:
                    def add(payload: str | bytes) -> None:
                        got[0] += len(payload)

                    ws.on("framereceived", add)

                page.on("websocket", on_ws)
                t0 = time.monotonic()
                page.goto(f"{url}/voila/render/{nb}", timeout=180_000)
                page.wait_for_function(READY if nb in CHARTLESS else DRAWN, timeout=180_000)
                out[nb].append((time.monotonic() - t0, got[0]))
                page.close()
                time.sleep(8)  # let a preheated pool refill, as between two real visitors
        browser.close()
    return out


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} CPUs"


Results = dict[bool, dict[str, list[tuple[float, int]]]]


def _notebook_dir(src: Path, tmp: Path, toy: bool) -> Path | None:
    """A copy of ``src``'s dashboards with the toy beside them (``--toy``), else None."""
    if not toy:
        return None
    from bench_interactions import _toy_notebook

    nbdir = tmp / f"nb-{abs(hash(str(src)))}"
    shutil.copytree(src / "notebooks", nbdir, ignore=shutil.ignore_patterns("analysis"))
    (nbdir / "toy.ipynb").write_text(_toy_notebook(), encoding="utf-8")
    return nbdir


def _run(
    data: Path, notebooks: list[str], args: argparse.Namespace, src: Path | None, tmp: Path
) -> Results:
    results: Results = {}
    nbdir = _notebook_dir(src or REPO, tmp, args.toy)
    for preheat in (False, True):
        if not preheat and args.preheated_only:
            results[preheat] = {nb: [(float("nan"), 0)] for nb in notebooks}
            continue
        proc, url = _serve(data, preheat, src, nbdir)
        try:
            if preheat:
                time.sleep(args.warmup)
            results[preheat] = _measure(url, notebooks, args.rounds)
        finally:
            stop_server(proc)
    return results


def _med(xs: list[tuple[float, int]], i: int) -> float:
    return float(statistics.median(x[i] for x in xs))


def _print(label: str, notebooks: list[str], res: Results) -> None:
    print(f"{label}: seconds to first chart (to the page header where marked *), KB received")
    cols = ("cold s", "warm s", "ratio", "cold KB", "warm KB")
    print(f"{'dashboard':32s} " + " ".join(f"{c:>8s}" for c in cols))
    for nb in notebooks:
        cold, warm = res[False][nb], res[True][nb]
        name = nb + (" *" if nb in CHARTLESS else "")
        print(
            f"{name:32s} {_med(cold, 0):8.1f} {_med(warm, 0):8.1f} "
            f"{_med(cold, 0) / _med(warm, 0):7.1f}x {_med(cold, 1) / 1024:8.0f} "
            f"{_med(warm, 1) / 1024:8.0f}"
        )


def _compare(notebooks: list[str], before: Results, after: Results) -> None:
    print("before -> after (same run): first chart, cold and preheated, and the speed-up")
    print(f"{'dashboard':32s} {'cold':>15s} {'x':>5s} {'preheated':>15s} {'x':>5s}")
    for nb in notebooks:
        c0, c1 = _med(before[False][nb], 0), _med(after[False][nb], 0)
        w0, w1 = _med(before[True][nb], 0), _med(after[True][nb], 0)
        print(
            f"{nb:32s} {c0:6.1f} -> {c1:5.1f} {c0 / c1:4.1f}x "
            f"{w0:6.1f} -> {w1:5.1f} {w0 / w1:4.1f}x"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--warmup", type=float, default=60.0, help="seconds for the pool to fill")
    ap.add_argument("--baseline", help="a checkout of the code before a change: measured first")
    ap.add_argument("--only", default="", help="comma-separated parts of dashboard file names")
    ap.add_argument("--toy", action="store_true", help="the toy notebook beside the dashboards")
    ap.add_argument("--preheated-only", action="store_true", help="skip the cold kernels")
    args = ap.parse_args()
    notebooks = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
    if args.toy:
        notebooks.append("toy.ipynb")
    only = [o.strip() for o in args.only.split(",") if o.strip()]
    notebooks = [nb for nb in notebooks if not only or any(o in nb for o in only)]
    print(f"# bench_dashboards {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {_load()}")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(REPO / "data", data)
        before = (
            _run(data, notebooks, args, Path(args.baseline), Path(tmp)) if args.baseline else None
        )
        if before is not None:
            _print(f"before ({args.baseline})", notebooks, before)
            print(f"# {_load()}", flush=True)
        after = _run(data, notebooks, args, None, Path(tmp))
    _print("this tree", notebooks, after)
    if before is not None:
        _compare(notebooks, before, after)
    print(f"# done; {_load()}")


if __name__ == "__main__":
    main()
