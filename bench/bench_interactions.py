"""Widget → redrawn chart, timed in the browser, for every dashboard's main widgets.

Starts ``pmkit serve`` on a copy of a portfolio (the sample or ``--data DIR``), opens each
dashboard in headless Chromium (every non-loopback request aborted) and, for each main
widget (project picker, filters, sliders, what-if apply, tab switch), repeats: arm a clock on
the page's first input event (``pointerdown``/``keydown``/``change`` in the capture phase),
act like a user (Playwright select/press/click), and wait until the chart area has stopped
changing for ``--settle`` ms. The time is from the input event to the last DOM change inside
(or the insertion of) a ``.vega-embed`` chart, or the end of the last render pass of a chart's
canvas (a data swap redraws the canvas in place, with no DOM change), as ``performance.now()``
sees it in the page.
A tab switch is timed to the moment the newly shown tab has a drawn chart (its first opening,
when the tab is computed, is printed apart).

A toy notebook (one ipywidgets Dropdown + one ``alt.JupyterChart``, updated in place) is
served the same way and timed the same way: the floor, printed with the ratio.

Each dashboard gets a server of its own with only its notebook and the toy (one preheated
kernel each). ``--baseline DIR`` (``git archive REV | tar -x -C DIR``) measures that
checkout first, then this one, dashboard by dashboard: before and after under the same load.

    python bench/bench_interactions.py [--repeats 8] [--data DIR] [--only glance,planning]
                                       [--baseline DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pmkit.cli import _serve_env, _voila_command, stop_server

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("PMKIT_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
MARKS = (
    "svg .mark-rect, svg .mark-line, svg .mark-symbol, svg .mark-rule, svg .mark-area,"
    " svg .mark-text, svg .mark-arc, svg .mark-point, canvas"
)
DRAWN = f"() => [...document.querySelectorAll('.vega-embed')].some(c => c.querySelector('{MARKS}'))"
INSTALL = """() => {
  if (window.__pm) return;
  window.__pm = {armed: false, t0: null, last: null};
  const arm = () => {
    if (window.__pm.armed && window.__pm.t0 === null) window.__pm.t0 = performance.now();
  };
  for (const ev of ['pointerdown', 'mousedown', 'keydown', 'change', 'input'])
    document.addEventListener(ev, arm, true);
  const inChart = n => {
    const el = n && (n.nodeType === 1 ? n : n.parentElement);
    if (!el) return false;
    if (el.closest('.vega-embed')) return true;
    return el.nodeType === 1 && el.querySelector('.vega-embed') !== null;
  };
  // a data swap redraws a canvas in place: no DOM change, so Vega's canvas renderer is
  // watched too (restore() ends each render pass)
  const restore = CanvasRenderingContext2D.prototype.restore;
  CanvasRenderingContext2D.prototype.restore = function () {
    const out = restore.apply(this, arguments);
    if (window.__pm.t0 !== null && this.canvas && this.canvas.closest
        && this.canvas.closest('.vega-embed')) window.__pm.last = performance.now();
    return out;
  };
  new MutationObserver(ms => {
    if (window.__pm.t0 === null) return;
    if (ms.some(m => inChart(m.target) || [...m.addedNodes].some(inChart)))
      window.__pm.last = performance.now();
  }).observe(document.body, {subtree: true, childList: true, attributes: true,
                             characterData: true});
}"""
ARM = "() => { window.__pm.armed = true; window.__pm.t0 = null; window.__pm.last = null; }"
SETTLED = """ms => { const p = window.__pm;
  return p.t0 !== null && p.last !== null && performance.now() - p.last > ms; }"""
TAB_DRAWN = f"""name => {{
  const tabs = [...document.querySelectorAll('.lm-TabBar-tab')];
  const tab = tabs.find(t => t.textContent.trim() === name);
  if (!tab || !tab.classList.contains('lm-mod-current')) return false;
  const sel = '.lm-TabPanel-stackedPanel, .widget-tab-contents > .lm-Widget';
  const panels = [...document.querySelectorAll(sel)]
    .filter(p => !p.classList.contains('lm-mod-hidden') && p.offsetParent !== null);
  return panels.some(p => p.querySelector('{MARKS}') !== null)
    ? (window.__pm.tdone = performance.now(), true) : false;
}}"""
TOY = r"""import altair as alt
import ipywidgets as W
import numpy as np
import pandas as pd
from pmkit.ui._common import live_chart

rng = np.random.default_rng(1)
df = pd.DataFrame({"x": np.arange(60), "g": rng.choice(list("ABCD"), 60), "y": rng.random(60)})
pick = W.Dropdown(options=list("ABCD"), description="Group")

def chart(g):
    return alt.Chart(df[df.g == g]).mark_bar().encode(x="x:O", y="y:Q")

view = live_chart(chart("A"))
pick.observe(lambda ch: setattr(view, "chart", chart(ch["new"])), names="value")
W.VBox([W.HTML("<h2 class='pmkit-title'>toy</h2>"), pick, view])
"""


@dataclass
class Step:
    """One widget of one dashboard, acted on ``repeats`` times."""

    name: str
    kind: str  # select | nth-select | slider | click | tab | toggle
    target: str  # widget description, button text, tab title or toggle group index
    alt: str = ""  # tab: the tab to go back to between repeats
    before: str = ""  # click: a number field to edit first (a what-if needs an edit)


PLAN: dict[str, list[Step]] = {
    "portfolio_glance.ipynb": [
        Step("programme filter", "select", "Programme"),
        Step("status filter", "select", "Status"),
    ],
    "pm_planning.ipynb": [
        Step("project picker", "select", "Project"),
        Step("WBS levels slider", "slider", "WBS levels"),
        Step("what-if apply", "click", "Apply what-if", before="Duration (working days)"),
    ],
    "pm_tracking.ipynb": [
        Step("project picker", "select", "Project"),
        Step("tab switch", "tab", "Risks & opportunities", alt="Earned value"),
    ],
    "pmo_portfolio_review.ipynb": [
        Step("programme filter", "select", "Programme"),
        Step("status filter", "select", "Status"),
        Step("tab switch", "tab", "Capacity", alt="Overview"),
    ],
    "training_lessons.ipynb": [
        Step("lesson picker", "toggle", "1"),
        Step("project picker", "nth-select", "0"),  # a dropdown without a description
        Step("language switch", "toggle", "0"),
    ],
    "toy.ipynb": [Step("group picker (toy)", "select", "Group")],
}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError("server did not open its port")


def _select(page: object, desc: str) -> Callable[[int], None]:
    sel = page.locator(f".widget-dropdown:has(label:text-is('{desc}')) select").first  # type: ignore[attr-defined]

    def act(i: int) -> None:
        n = sel.locator("option").count()
        cur = sel.evaluate("s => s.selectedIndex")
        sel.select_option(index=(cur + 1 + i % max(n - 1, 1)) % n if n > 1 else 0)

    return act


def _nth_select(page: object, index: str) -> Callable[[int], None]:
    """The ``index``-th dropdown of the page (one without a description)."""
    sel = page.locator(".widget-dropdown select").nth(int(index))  # type: ignore[attr-defined]

    def act(i: int) -> None:
        n = sel.locator("option").count()
        cur = sel.evaluate("s => s.selectedIndex")
        sel.select_option(index=(cur + 1 + i % max(n - 1, 1)) % n if n > 1 else 0)

    return act


def _slider(page: object, desc: str) -> Callable[[int], None]:
    handle = page.locator(f".widget-slider:has(label:text-is('{desc}')) .noUi-handle").first  # type: ignore[attr-defined]

    def act(i: int) -> None:
        handle.focus()
        handle.press("ArrowLeft" if i % 2 == 0 else "ArrowRight")

    return act


def _click(page: object, text: str) -> Callable[[int], None]:
    btn = page.locator(f"button:has-text('{text}')").first  # type: ignore[attr-defined]
    return lambda _i: btn.click()


def _toggle(page: object, index: str) -> Callable[[int], None]:
    group = page.locator(".widget-toggle-buttons").nth(int(index))  # type: ignore[attr-defined]

    def act(i: int) -> None:
        buttons = group.locator("button")
        buttons.nth((i + 1) % buttons.count()).click()

    return act


def _edit(page: object, desc: str, wire: Wire) -> Callable[[int], None]:
    """Before each timed click: a new value in the number field ``desc``, seen by the kernel.

    The what-if's task is first set to the second-to-last leaf of the plan (the first leaf is
    usually done: changing a finished task's duration moves nothing, so Apply would not
    redraw). Each edit waits until the page has *sent* the new value to the kernel (a
    websocket frame carrying it); the kernel handles messages in order, so the timed click
    that follows is handled after the value is set.
    """
    row = f".widget-inline-hbox:has(label:text-is('{desc}'))"
    box = page.locator(f"{row} input").first  # type: ignore[attr-defined]
    plan: list[float] = []

    def sent(value: float) -> bool:
        pattern = re.compile(rf'"value":\s*{value:g}(\.0+)?[,}}\s]')
        return any(pattern.search(f) for f in wire.sent_text())

    def prep(i: int) -> None:
        if not plan:
            picker = page.locator(".widget-dropdown:has(label:text-is('Task')) select").nth(1)  # type: ignore[attr-defined]
            n = picker.locator("option").count()
            before = box.input_value()
            picker.select_option(index=max(n - 2, 0))
            for _ in range(200):  # the kernel answers with that task's duration
                if box.input_value() != before:
                    break
                time.sleep(0.05)
            time.sleep(0.5)
            plan.append(float(box.input_value()))
        value = plan[0] + 1 + i  # a new scenario each time: the Gantt must change
        wire.sent.clear()
        box.fill(f"{value:g}")
        box.press("Enter")
        for _ in range(400):
            if sent(value):
                return
            time.sleep(0.05)
        print(f"# what-if: the value {value:g} was not seen leaving the page", flush=True)

    return prep


class Wire:
    """Bytes the page receives over its kernel websockets (the payload of a redraw)."""

    def __init__(self, page: object) -> None:
        self.received = 0
        self.sent: list[str | bytes] = []  # frames the page sent (kept while a step needs them)
        page.on("websocket", self._attach)  # type: ignore[attr-defined]

    def _attach(self, ws: object) -> None:
        ws.on("framereceived", self._count)  # type: ignore[attr-defined]
        ws.on("framesent", self._keep)  # type: ignore[attr-defined]

    def _keep(self, payload: str | bytes) -> None:
        self.sent.append(payload)

    def sent_text(self) -> list[str]:
        return [f if isinstance(f, str) else f.decode("utf-8", "replace") for f in self.sent]

    def _count(self, payload: str | bytes) -> None:
        self.received += len(payload)


def _measure(
    page: object,
    act: Callable[[int], None],
    i: int,
    settle: int,
    prep: Callable[[int], None],
    wire: Wire,
) -> tuple[float | None, int]:
    prep(i)
    page.evaluate(ARM)  # type: ignore[attr-defined]
    start = wire.received
    act(i)
    try:
        page.wait_for_function(SETTLED, arg=settle, timeout=30_000, polling=50)  # type: ignore[attr-defined]
    except Exception:
        return None, wire.received - start
    ms = float(page.evaluate("() => window.__pm.last - window.__pm.t0"))  # type: ignore[attr-defined]
    return ms, wire.received - start


def _tab(page: object, step: Step, repeats: int) -> tuple[float | None, list[float]]:
    def switch(name: str) -> float | None:
        page.evaluate(ARM)  # type: ignore[attr-defined]
        page.locator(f".lm-TabBar-tab:has-text('{name}')").first.click()  # type: ignore[attr-defined]
        try:
            page.wait_for_function(TAB_DRAWN, arg=name, timeout=60_000, polling=20)  # type: ignore[attr-defined]
        except Exception:
            return None
        return float(page.evaluate("() => window.__pm.tdone - window.__pm.t0"))  # type: ignore[attr-defined]

    first = switch(step.target)
    times = []
    for _ in range(repeats):
        switch(step.alt)
        t = switch(step.target)
        if t is not None:
            times.append(t)
    return first, times


def _pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def run_dashboard(
    browser: object,
    base: str,
    nb: str,
    args: argparse.Namespace,
    side: str = "",
    steps: list[Step] | None = None,
) -> list[dict]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page = ctx.new_page()
    wire = Wire(page)
    page.route(
        "**/*",
        lambda r: r.continue_() if r.request.url.startswith("http://127.0.0.1") else r.abort(),
    )
    out = []
    try:
        page.goto(f"{base}/voila/render/{nb}", timeout=400_000)
        page.wait_for_function(DRAWN, timeout=400_000)
        page.evaluate(INSTALL)
        time.sleep(1.0)
        for step in PLAN[nb] if steps is None else steps:
            first: float | None = None
            sizes: list[int] = []
            if step.kind == "tab":
                first, times = _tab(page, step, args.repeats)
            else:
                kinds = {"select": _select, "slider": _slider, "click": _click, "toggle": _toggle,
                         "nth-select": _nth_select}  # fmt: skip
                act = kinds[step.kind](page, step.target)
                prep = _edit(page, step.before, wire) if step.before else (lambda _i: None)
                raw = [
                    _measure(page, act, i, args.settle, prep, wire) for i in range(args.repeats + 1)
                ]
                if args.shots:  # what the page shows after the last action, to look at
                    page.screenshot(
                        path=f"{args.shots}/{side}-{nb}-{step.name}.png".replace(" ", "_"),
                        full_page=True,
                    )
                first = raw[0][0]
                times = [t for t, _ in raw[1:] if t is not None]
                sizes = [b for _, b in raw[1:]]
                # the first action on a page may pay one-off costs: reported apart
            out.append({"dashboard": nb, "widget": step.name, "first": first, "times": times,
                        "missed": args.repeats - len(times), "side": side,
                        "kb": _pct([b / 1024 for b in sizes], 0.5) if sizes else None})  # fmt: skip
    finally:
        ctx.close()
    return out


def _serve(
    notebooks: Path, data: Path, src: Path | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    port = _port()
    cmd = _voila_command(port, preheat=True, notebooks=notebooks)
    env = _serve_env({**os.environ, "PMKIT_DATA": str(data)})  # the pmkit page template
    if src is not None:  # a baseline checkout's pmkit, imported before the installed one
        env["PYTHONPATH"] = str(src)
    proc = subprocess.Popen(
        cmd, cwd=notebooks, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    _wait(port, proc)
    return proc, f"http://127.0.0.1:{port}"


def _kernels_busy(server: int) -> bool:
    """Is a kernel of the server running (state R: working, or waiting for a core)?"""
    busy = False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            f = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        busy |= int(f[1]) == server and f[0] == "R"
    return busy


def _wait_pool(server: int, at_least: float, at_most: float = 600) -> None:
    """Wait ``at_least`` s, then until no kernel of the server ran for 3 s in a row."""
    time.sleep(at_least)
    quiet, t0 = 0.0, time.monotonic()
    while quiet < 3 and time.monotonic() - t0 < at_most:
        quiet = 0.0 if _kernels_busy(server) else quiet + 0.25
        time.sleep(0.25)


def _side(
    browser: object, nb: str, tmp: Path, data: Path, args: argparse.Namespace, src: Path | None
) -> list[dict]:
    """One dashboard and the toy, on a server of their own (``src``: a baseline checkout)."""
    side = "before" if src is not None else "after"
    nbdir = tmp / f"nb-{side}-{nb}"
    nbdir.mkdir()
    shutil.copy((src or REPO) / "notebooks" / nb, nbdir / nb)
    (nbdir / "toy.ipynb").write_text(_toy_notebook(), encoding="utf-8")
    proc, base = _serve(nbdir, data, src)
    rows: list[dict] = []
    try:
        _wait_pool(proc.pid, args.pool_wait)  # the preheated pool fills and builds its pages
        for page_nb in (nb, "toy.ipynb"):
            try:
                rows += run_dashboard(browser, base, page_nb, args, side)
            except Exception as exc:  # one broken page must not hide the others
                print(f"# {side} {page_nb}: {type(exc).__name__}: {str(exc)[:200]}")
        if args.warm:
            rows += _warm_pass(browser, base, nb, args, side, proc.pid)
    finally:
        stop_server(proc)
    for r in rows:
        r["server"] = nb
    return rows


def _warm_pass(
    browser: object, base: str, nb: str, args: argparse.Namespace, side: str, server: int
) -> list[dict]:
    """``--warm``: the project pickers again, on a new page of the same server once its
    kernels are quiet (every project the pool shares is shared by then): the hit path, next
    to the just-started server's."""
    steps = [s for s in PLAN[nb] if "project picker" in s.name]
    if not steps:
        return []
    _wait_pool(server, 3)
    try:
        rows = run_dashboard(browser, base, nb, args, side, steps)
    except Exception as exc:
        print(f"# {side} {nb} (warm server): {type(exc).__name__}: {str(exc)[:200]}")
        return []
    for r in rows:
        r["widget"] += " (warm server)"
    return rows


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repeats", type=int, default=8)
    ap.add_argument("--settle", type=int, default=400, help="ms of quiet that ends a redraw")
    ap.add_argument("--data", help="portfolio folder (default: the sample); copied first")
    ap.add_argument("--only", default="", help="comma-separated dashboard name parts")
    ap.add_argument("--json", help="also write the raw times here")
    ap.add_argument("--baseline", help="a checkout (git archive REV) measured first, same run")
    ap.add_argument("--shots", help="a folder for a screenshot after each widget's last action")
    ap.add_argument("--pool-wait", type=float, default=20, help="s for the pool to fill")
    ap.add_argument(
        "--warm", action="store_true", help="also the project pickers once the server is quiet"
    )
    args = ap.parse_args()
    one, five, _ = os.getloadavg()
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"# bench_interactions {stamp}; load {one:.1f}/{five:.1f} on {os.cpu_count()} CPUs; "
          f"data: {args.data or 'sample'}")  # fmt: skip
    wanted = [
        nb
        for nb in PLAN
        if nb != "toy.ipynb" and (not args.only or any(k in nb for k in args.only.split(",")))
    ]
    sides = [Path(args.baseline), None] if args.baseline else [None]
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(Path(args.data) if args.data else REPO / "data", data)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for nb in wanted:
                for src in sides:
                    got = _side(browser, nb, Path(tmp), data, args, src)
                    for r in got:  # as they come: a long run interrupted still says something
                        print(f"# {r['side']} {r['dashboard']} {r['widget']}: "
                              f"p50 {_pct(r['times'], 0.5):.0f} ms, n {len(r['times'])}, "
                              f"KB {r.get('kb')}", flush=True)  # fmt: skip
                    rows += got
            browser.close()
    _report(rows)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1), encoding="utf-8")


def _toy_notebook() -> str:
    cell = {"cell_type": "code", "execution_count": None, "id": "toy", "metadata": {},
            "outputs": [], "source": TOY.splitlines(keepends=True)}  # fmt: skip
    spec = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb = {"cells": [cell], "metadata": {"kernelspec": spec}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb)


def _report(rows: list[dict]) -> None:
    def floor(r: dict) -> float:  # the toy on the same server, measured right after
        toy = [
            t
            for q in rows
            if q["dashboard"] == "toy.ipynb" and q["server"] == r["server"]
            and q["side"] == r["side"]
            for t in q["times"]
        ]  # fmt: skip
        return _pct(toy, 0.5)

    print(f"{'side':6s} {'dashboard':28s} {'widget':22s} {'first ms':>9s} {'p50 ms':>7s} "
          f"{'p95 ms':>7s} {'n':>3s} {'miss':>4s} {'KB in':>6s} {'toy p50':>8s} "
          f"{'p50/toy':>8s}")  # fmt: skip
    for r in rows:
        first = "-" if r["first"] is None else f"{r['first']:.0f}"
        p50, toy = _pct(r["times"], 0.5), floor(r)
        kb = "-" if r.get("kb") is None else f"{r['kb']:.1f}"
        print(f"{r['side']:6s} {r['dashboard']:28s} {r['widget']:22s} {first:>9s} {p50:7.0f} "
              f"{_pct(r['times'], 0.95):7.0f} {len(r['times']):3d} {r['missed']:4d} {kb:>6s} "
              f"{toy:8.0f} {p50 / toy:7.1f}x")  # fmt: skip
    one, five, _ = os.getloadavg()
    print(f"# load at the end {one:.1f}/{five:.1f}")
    print("# ms from the input event to the chart's last change (tabs: to a drawn chart in the")
    print("# newly shown tab); first = the first action on the page, apart from the repeats;")
    print("# KB in = median bytes the page received from the kernel per action; toy = the")
    print("# Dropdown + JupyterChart notebook on the same server, right after the dashboard.")


if __name__ == "__main__":
    main()
