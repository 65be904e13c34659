"""The "Prioritise" tab of the PMO review: strategy -> scores -> the best portfolio that fits.

Wiring only: :mod:`pmkit.portfolio.prioritise` weighs the drivers (AHP), scores the projects,
solves the selection/sequencing (HiGHS) and explains it; :mod:`pmkit.charts.prioritise` draws.
The budget slider re-solves one portfolio (the frontier is solved once per set of weights,
capacity level and forced projects, and cached), so moving it is quick.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import altair as alt
import ipywidgets as W
import numpy as np
import pandas as pd

from pmkit.charts import prioritise as pcharts
from pmkit.charts.portfolio import empty_chart
from pmkit.format import fmt_date, fmt_money
from pmkit.portfolio import prioritise as engine
from pmkit.ui._common import esc, guarded, html_table, kernel_loop, live_chart
from pmkit.ui._swap import SwapChart

log = logging.getLogger("pmkit.ui.prioritise")

__all__ = ["SAATY", "PrioritiseTab"]

SAATY: list[tuple[str, str]] = [
    ("9 · extremely more", "9"),
    ("7 · very strongly more", "7"),
    ("5 · strongly more", "5"),
    ("3 · moderately more", "3"),
    ("1 · equal", "1"),
    ("1/3 · moderately less", "1/3"),
    ("1/5 · strongly less", "1/5"),
    ("1/7 · very strongly less", "1/7"),
    ("1/9 · extremely less", "1/9"),
]
FRONTIER_POINTS = 12
FRONTIER_SECONDS = 20.0  # the whole frontier's time, shared adaptively by its points
FRONTIER_SECONDS_BIG = 10.0  # the same for a portfolio of more than 200 candidates
GAP = 1e-3  # proven relative gap at which a solve stops (shown when not 0)
GAP_BIG = 1e-2  # the same for more than BIG candidates (the 1 % of the goal)
BIG = 200  # candidates from which a portfolio is shown first, then improved step by step
REDRAW_SECONDS = 1.0  # the growing frontier is drawn again at most this often
TIMELINE_ROWS = 40
MAX_NAMED = 12  # projects named in a provisional portfolio's changes (then "and N more")
PROVISIONAL = (
    " (provisional: the previous portfolio repaired to fit the new settings: forced-out "
    "projects removed, the least valuable dropped until capacity, budget, rules and links "
    "hold, forced-in projects added, valued with the current weights; every constraint "
    "holds, but how far it is from the best portfolio is not known. The optimiser's answer "
    "follows…)"
)
STALE = "pmkit-stale"  # a list or chart about to be redrawn (dimmed meanwhile)
_STALE_CSS = f"<style>.{STALE} {{opacity: 0.45; transition: opacity 0.2s}}</style>"


def _note(text: str) -> str:
    return f"<p style='color:#555;margin:2px 0'>{esc(text)}</p>"


_kernel_loop = kernel_loop  # the module's name for it: tests fake a kernel here


Show = Callable[[], Any]
Job = Callable[[], tuple[bool, Show | None]]


def _raise(exc: BaseException) -> Show:
    def show() -> None:
        raise exc

    return show


class _Later:
    """What the page shows after the chosen portfolio, computed off the kernel's loop so a
    click is answered at any time: branch and cut improving a first portfolio (big
    portfolios), the CPM dates of the chosen starts, the "why" table, the frontier point by
    point. A job runs in ONE worker thread (HiGHS releases the GIL while it solves) and
    returns ``(more, show)``: ``show`` puts its result on the page and runs on the kernel's
    loop (``call_soon_threadsafe``; widgets are touched only there, and it checks that its
    result is still wanted). A job never touches a widget. Putting a job again replaces the
    pending one of that name; the most urgent pending job (:attr:`ORDER`) runs first.
    Outside a kernel every step runs at once, in order, in the caller's thread."""

    ORDER = ("model", "mip", "list", "dates", "why", "frontier")

    def __init__(
        self,
        guard: Callable[[Callable[[], Any]], Callable[[], Any]],
        idle: Callable[[], Any],
        label: Callable[[str], Any],
    ) -> None:
        self.jobs: dict[str, Job] = {}
        self.labels: dict[str, str] = {}
        self.pending = False  # a kernel's worker has work in hand or results not yet shown
        self.guard, self.idle, self.label = guard, idle, label
        self.loop: asyncio.AbstractEventLoop | None = None
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self.running: str | None = None  # the job the worker runs now
        self._cancel = threading.Event()  # set: the running job's result is not wanted

    @property
    def threaded(self) -> bool:
        """Do the jobs run in the worker thread (inside a kernel)?"""
        return self.loop is not None

    def put(self, name: str, job: Job, label: str = "") -> None:
        """Queue ``job`` (replacing a pending one of that name); ``label`` is shown on the
        progress bar while it runs."""
        with self._cond:
            self.jobs[name], self.labels[name] = job, label
            if self.loop is not None:
                self.pending = True
                self._cond.notify()

    def drop(self, *names: str) -> None:
        with self._cond:
            for name in names:
                self.jobs.pop(name, None)

    def cancel(self, *names: str) -> None:
        """A newer request makes the running job stale when it is one of ``names``: its
        solve stops at HiGHS's next check (:meth:`stopped`) and its result is dropped."""
        with self._cond:
            if self.running in names:
                self._cancel.set()

    def stopped(self) -> bool:
        """Was the job running in the worker cancelled? (False in any other thread: a
        click solved on the kernel's loop is never stopped.)"""
        return self._cancel.is_set() and threading.current_thread() is self._thread

    def start(self) -> None:
        self.loop = self.loop or _kernel_loop()
        if self.loop is None:
            while self.jobs:
                show = self.work()
                if show is not None:
                    self.guard(show)()
            self.idle()
            return
        with self._cond:
            self.pending = True
            self._cond.notify()
        self.spawn()

    def spawn(self) -> None:
        """Start the worker thread (once per tab; it sleeps while there is nothing to do)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="pmkit-prioritise", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self.jobs:
                    self._post(self._settle)
                    self._cond.wait()
            self.pump()

    def pump(self) -> None:
        """One step of the most urgent job, its result posted to the loop."""
        show = self.work()
        if show is not None:
            self._post(lambda: self.guard(show)())

    def _post(self, fn: Callable[[], Any]) -> None:
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(fn)

    def _settle(self) -> None:
        """On the loop: nothing left to compute and every result shown -> "Ready"."""
        if not self.jobs:
            self.pending = False
            self.idle()

    def work(self) -> Show | None:
        """Run one step of the most urgent job (no widget touched); its ``show`` or None."""
        with self._cond:
            name = next((k for k in self.ORDER if k in self.jobs), None)
            if name is None:
                return None
            job, label = self.jobs[name], self.labels.get(name, "")
            self.running, self._cancel = name, threading.Event()
        if label and self.loop is None:
            self.label(label)
        elif label:
            self._post(lambda: self.label(label))
        more, show = False, None
        try:
            more, show = job()
        except engine.Cancelled:  # a newer request wants something else: nothing to show
            more, show = False, None
        except Exception as exc:  # shown on the page by the guard, never raised here
            show = _raise(exc)
        finally:
            with self._cond:
                if self._cancel.is_set():
                    more, show = False, None  # stopped too late to raise: still not shown
                if not more and self.jobs.get(name) is job:
                    del self.jobs[name]
                self.running = None
        return show


class PrioritiseTab:
    """Drivers and weights, ranked projects, constraints, frontier, chosen portfolio, why,
    scenarios. ``review`` is the :class:`pmkit.ui.portfolio_review.PortfolioReview`."""

    def __init__(self, review: Any) -> None:
        self.r = review
        self.p = review.p
        self.message = W.HTML()
        self.charts: dict[str, Any] = {}
        self.swaps: dict[str, SwapChart] = {}
        self.base_drivers = engine.drivers_of(self.p)
        if self.base_drivers is None:
            self.widget: W.Widget = W.VBox(
                [W.HTML(_note("No business drivers in standards.yaml (prioritisation section)."))]
            )
            return
        self.drivers = self.base_drivers
        self._frontier: tuple[tuple[Any, ...], Any] | None = None
        self._points: pd.DataFrame | None = None
        self._values: tuple[tuple[float, ...], np.ndarray] | None = None
        self._dates: tuple[tuple[Any, ...], pd.DataFrame] | None = None
        self.selection: Any = None
        self._current: tuple[Any, dict[str, Any]] | None = None
        self._bg: tuple[Any, Any] | None = None  # the worker's copy of the model
        self._spare: list[Any] = []  # models no thread uses any more: their solvers reusable
        self._wanted: tuple[Any, ...] | None = None  # the model the page asks for
        self._asked: tuple[Any, ...] | None = None  # the model the last model job builds
        self._changes = ""  # a provisional portfolio's changes from the one before, as HTML
        self.later = _Later(guarded(self.message), self._ready, self._label)
        self.build()
        guarded(self.message)(self.refresh)()

    # ------------------------------------------------------------ layout

    def build(self) -> None:
        self.busy = W.IntProgress(value=0, min=0, max=FRONTIER_POINTS + 2, description="Ready")
        self.busy.add_class("pmkit-solve-progress")
        self._build_weights()
        self._build_constraints()
        self.ranked = W.HTML()
        self.headline = W.HTML()
        self.headline.add_class("pmkit-prio-headline")
        self.chosen = W.HTML()
        self.chosen.add_class("pmkit-prio-chosen")
        self.why = W.HTML()
        self.overload = W.HTML()
        self._chart("frontier", _empty("Solving the frontier…"))
        self._chart("timeline", _empty("Solving…"))
        self._build_scenarios()
        self.widget = W.VBox(
            [
                self.message,
                W.HTML(
                    _STALE_CSS
                    + _note(
                        "The PMO aligns projects with strategy and shares the scarce people: "
                        "weigh the business drivers, then let the optimiser (HiGHS, exact) "
                        "choose and sequence the projects that give the most strategic value "
                        "within the budget and the role capacity of every month."
                    )
                ),
                W.HTML("<h4>1 · Business drivers and weights</h4>"),
                self.weights_box,
                W.HTML(
                    "<h4>2 · Ranked projects (priority score 0-100 and where it comes from)</h4>"
                ),
                self.ranked,
                W.HTML("<h4>3 · Constraints</h4>"),
                self.constraints_box,
                self.busy,
                self.headline,
                self.charts["frontier"],
                W.HTML("<h4>4 · Chosen portfolio (starts shifted by the optimiser)</h4>"),
                self.chosen,
                self.charts["timeline"],
                W.HTML("<h4>5 · Why each project is cut or delayed</h4>"),
                self.why,
                self.overload,
                W.HTML("<h4>6 · Scenarios</h4>"),
                self.scenario_box,
            ]
        )

    def _swap(self, key: str) -> SwapChart:
        if key not in self.swaps:
            self.charts[key] = live_chart(_PLACEHOLDER)
            self.swaps[key] = SwapChart.of(self.charts[key])
        return self.swaps[key]

    def _chart(self, key: str, spec: dict[str, Any]) -> None:
        """Show a Vega-Lite dict (e.g. :func:`_empty`) in the live chart ``key``."""
        self._swap(key).show_spec(spec)

    def _draw(self, key: str, parts: dict[str, Any], build: Callable[[], Any]) -> None:
        """Redraw chart ``key`` from its named datasets: the spec shown re-filled with them
        (no altair chart built) and sent whole, or ``build()`` drawn anew when the shape
        differs (the first drawing, an empty chart). Not in place: the page raised "Cannot
        set properties of undefined (setting 'modified')" on a data update of these charts
        (browser test, session 7); the page re-embeds them, as before."""
        if parts["datasets"]:
            self._swap(key).show_parts(parts, build, in_place=False)
        else:
            self._swap(key).replace(build())

    def _build_weights(self) -> None:
        d = self.base_drivers
        assert d is not None
        self.mode = W.ToggleButtons(
            options=["Pairwise (AHP)", "Direct weights"], value="Pairwise (AHP)"
        )
        implied = d.pairwise if d.pairwise is not None else None
        self.pairs: dict[tuple[str, str], W.Dropdown] = {}
        for (i, a), (j, b) in itertools.combinations(enumerate(d.drivers), 2):
            v = "1" if implied is None else _nearest(float(implied[i, j]))
            dd = W.Dropdown(
                options=SAATY,
                value=v,
                description=f"{a.name} vs {b.name}",
                style={"description_width": "360px"},
                layout=W.Layout(width="560px"),
            )
            dd.observe(lambda _c: guarded(self.message)(self.on_weights)(), names="value")
            self.pairs[(a.id, b.id)] = dd
        self.direct = {
            x.id: W.FloatSlider(
                value=round(x.weight, 3),
                min=0,
                max=1,
                step=0.01,
                description=x.name,
                style={"description_width": "220px"},
                layout=W.Layout(width="520px"),
                continuous_update=False,
            )
            for x in d.drivers
        }
        for s in self.direct.values():
            s.observe(lambda _c: guarded(self.message)(self.on_weights)(), names="value")
        self.cr = W.HTML()
        self.cr.add_class("pmkit-prio-cr")
        self.weights_table = W.HTML()
        self.pair_box = W.VBox(list(self.pairs.values()))
        self.direct_box = W.VBox(list(self.direct.values()))
        self.mode.observe(lambda _c: guarded(self.message)(self.on_mode)(), names="value")
        self.weights_box = W.VBox([self.mode, self.pair_box, self.cr, self.weights_table])

    def _build_constraints(self) -> None:
        self.base = engine.selection_problem(
            self.p, drivers=self.base_drivers, schedule=self.r.schedule()
        )
        cost = np.asarray(self.base.cost, dtype=float)
        top = float(np.ceil(cost.sum() / 10_000) * 10_000)
        start = self.base.budget if self.base.budget is not None else top
        self.budget = W.FloatSlider(
            value=min(float(start), top), min=0, max=top, step=10_000,
            description=f"Budget ({self.r.currency})", readout_format=",.0f",
            continuous_update=False, style={"description_width": "120px"},
            layout=W.Layout(width="560px"),
        )  # fmt: skip
        self.budget.add_class("pmkit-budget-slider")
        self.level = W.FloatSlider(
            value=1.0, min=0.5, max=1.5, step=0.05, description="Capacity level",
            readout_format=".0%", continuous_update=False,
            style={"description_width": "120px"}, layout=W.Layout(width="420px"),
        )  # fmt: skip
        opts = [(self.r.label(str(i)), str(i)) for i in self.base.ids]
        self.forced_in = W.SelectMultiple(options=opts, description="Force in", rows=5)
        self.forced_out = W.SelectMultiple(options=opts, description="Force out", rows=5)
        self.keep_running = W.Checkbox(
            value=True, description="Keep running projects (forced in)", indent=False
        )
        self.use_links = W.Checkbox(
            value=True,
            description="Respect cross-project schedule links (a successor needs its predecessor)",
            indent=False,
            layout=W.Layout(width="560px"),
        )
        self.budget.observe(lambda _c: guarded(self.message)(self.solve)(), names="value")
        for w in (self.level, self.forced_in, self.forced_out, self.keep_running, self.use_links):
            w.observe(lambda _c: guarded(self.message)(self.refresh_solution)(), names="value")
        self.constraints_box = W.VBox(
            [
                W.HBox([self.budget, self.level]),
                W.HBox([self.forced_in, self.forced_out]),
                W.HBox([self.keep_running, self.use_links]),
            ]
        )

    def _build_scenarios(self) -> None:
        self.scn_name = W.Text(placeholder="Scenario name", description="Name")
        self.scn_save = W.Button(description="Save scenario", button_style="primary")
        self.scn_a = W.Dropdown(description="Compare")
        self.scn_b = W.Dropdown(description="with")
        self.scn_cmp = W.Button(description="Compare")
        self.scn_export = W.Button(description="Export comparison (CSV)")
        self.scn_out = W.HTML()
        self.scn_save.on_click(lambda _b: guarded(self.message)(self.save_scenario)())
        self.scn_cmp.on_click(lambda _b: guarded(self.message)(self.compare)())
        self.scn_export.on_click(lambda _b: guarded(self.message)(self.export)())
        self.scenario_box = W.VBox(
            [
                W.HBox([self.scn_name, self.scn_save]),
                W.HBox([self.scn_a, self.scn_b, self.scn_cmp, self.scn_export]),
                self.scn_out,
            ]
        )
        self._list_scenarios()

    # ------------------------------------------------------------ weights

    def on_mode(self) -> None:
        pairwise = self.mode.value == "Pairwise (AHP)"
        self.weights_box.children = (
            self.mode,
            self.pair_box if pairwise else self.direct_box,
            self.cr,
            self.weights_table,
        )
        self.on_weights()

    def current_drivers(self) -> Any:
        d = self.base_drivers
        assert d is not None
        if self.mode.value == "Pairwise (AHP)":
            return d.with_pairwise({k: w.value for k, w in self.pairs.items()})
        return d.with_weights({k: s.value for k, s in self.direct.items()})

    def on_weights(self) -> None:
        self.drivers = self.current_drivers()
        self.show_weights()
        self.show_ranking()
        self.refresh_solution()

    def show_weights(self) -> None:
        d = self.drivers
        if d.ahp is not None:
            ok = d.ahp.consistent
            colour = "#009E73" if ok else "#D55E00"
            sym = "●" if ok else "■"
            self.cr.value = (
                f"<p><b style='color:{colour}'>{sym} Consistency ratio {d.ahp.cr:.3f}</b> · "
                f"{esc(d.ahp.sentence())}</p>"
            )
        else:
            self.cr.value = _note("Direct weights (normalised to 100 %); no consistency ratio.")
        t = d.table().assign(weight=lambda x: (100 * x["weight"]).round(1).astype(str) + " %")
        self.weights_table.value = html_table(
            t.rename(columns={"driver": "Driver", "name": "Name", "weight": "Weight"})
        )

    # ------------------------------------------------------------ solving

    def refresh(self) -> None:
        self.show_weights()
        self.show_ranking()
        self.refresh_solution()

    def values(self) -> np.ndarray:
        """Priority scores of the candidates for the current weights (once per weights)."""
        key = tuple(np.round(self.drivers.weights, 12))
        if self._values is None or self._values[0] != key:
            v = engine.priority_values(self.p, self.drivers).reindex(self.base.ids.astype(str))
            self._values = (key, v.fillna(0).to_numpy(dtype=float))
        return self._values[1]

    def problem(self) -> Any:
        forced_in = set(self.forced_in.value)
        running = set(self.base.running) if self.keep_running.value else set()
        return self.base.with_(
            value=self.values(),
            level=float(self.level.value),
            forced_in=(forced_in | running) - set(self.forced_out.value),
            forced_out=set(self.forced_out.value),
            links=self.base.links if self.use_links.value else (),
        )

    def refresh_solution(self) -> None:
        """Capacity level, forced sets or links changed (the ranking did not): the model, the
        chosen portfolio at the budget, then the frontier. The page's model is no longer
        used: its HiGHS objects may take the new model's bounds (not built again)."""
        if self._frontier is not None:
            self._spare.append(self._frontier[1])
            del self._spare[:-2]  # at most two kept (in place: the worker may pop meanwhile)
        self._frontier = None
        self.solve()

    def _take(self) -> Any:
        """A model whose HiGHS objects the caller's thread may take over (None: none):
        the worker's own copy when called by the worker, else one no thread uses."""
        bg = self._bg
        if (
            bg is not None
            and not bg[1].retired
            and self.later.threaded
            and (threading.current_thread() is self.later._thread)
        ):
            return bg[1]
        while self._spare:
            fr = self._spare.pop()
            if not fr.retired:
                return fr
        return None

    def show_ranking(self) -> None:
        ps = engine.priority_scores(self.p, self.drivers)
        cols = [c for c in ps.columns if c.startswith("contrib_")]
        names = {f"contrib_{d.id}": d.name for d in self.drivers.drivers}
        t = ps[["rank", "project_id", "name", "score", *cols, "why"]].copy()
        t["score"] = t["score"].round(1)
        for c in cols:
            t[c] = t[c].round(1)
        t = t.rename(columns={**names, "rank": "Rank", "project_id": "Id", "name": "Project",
                              "score": "Score", "why": "In one sentence"})  # fmt: skip
        self.ranked.value = html_table(t, table_id="pmkit-prio-ranked")

    def relaxed(self, problem: Any) -> tuple[Any, bool]:
        """The problem without budget, with any unavoidable overload accepted, on one model
        for every budget (built once per weights / level / forced sets / links); and whether
        its frontier is still to solve."""
        key = _model_key(problem)
        if self._frontier is not None and self._frontier[0] == key:
            return self._frontier[1], False
        self.busy.description = "Capacity…"
        self._frontier = (key, self.new_model(problem, self._take()))
        self._points = None
        return self._frontier[1], True

    def new_model(self, problem: Any, reuse: Any = None) -> Any:
        """The budget-free model of ``problem`` with its overload allowance (no widget
        touched: the worker builds it inside a kernel). ``reuse``: a model no thread uses
        any more; when only bounds differ (forced sets, capacity level) its matrix serves
        the allowance and the frontier, and its HiGHS objects take the new bounds: nothing
        is built. Not warm-started from it: measured on 1,000 projects, the old LP basis
        took 2-3x the simplex pivots of a cold solve after a forced change."""
        free = problem.with_(budget=None)
        kept = None
        if reuse is not None and engine.same_structure(reuse.walk.base, free.with_(budget=0.0)):
            kept = reuse.walk.model
        base = free.with_(allowance=engine.overload_allowance(free, 5.0, model=kept))
        fr = engine.BudgetFrontier(base, n=FRONTIER_POINTS, reuse=reuse)
        fr.walk.solver.interruptible(self.later.stopped)
        return fr

    def model_job(self, problem: Any, budget: float) -> Job:
        """A new model (forced sets, level, links or weights changed) built and solved at
        ``budget`` in the worker, then put on the page from the loop (a later job: the
        callback only dims what is about to change). A newer request replaces it."""
        key = _model_key(problem)

        def job() -> tuple[bool, Show | None]:
            held = self._frontier  # read once (the loop may replace it)
            if self._wanted != key or (held is not None and held[0] == key):
                return False, None  # not wanted any more, or already on the page
            big = problem.n > BIG
            fr = None
            try:
                fr = self.new_model(problem, self._take())
                sel = fr.solve(budget, time_limit=5.0, gap=GAP_BIG if big else GAP, branch=not big)
                if self.later.stopped():
                    raise engine.Cancelled("a newer model was asked for")
            except engine.Cancelled:  # a newer request: this model's solvers serve it
                if fr is not None:
                    self._spare.append(fr)
                raise
            except engine.PrioritiseError as exc:
                err = exc

                def fail() -> None:
                    if self._wanted == key:
                        self.no_portfolio(err)

                return False, fail

            def show() -> None:
                if self._wanted != key:
                    return
                self._frontier, self._points = (key, fr), None
                if float(self.budget.value) != budget:  # moved meanwhile: that budget now
                    fr.found.append((budget, sel.x))
                    self.solve()
                    return
                self.answer(fr, sel, new=True)

            return False, show

        return job

    def background(self, fr: Any) -> Any:
        """The model the later jobs solve on: in a kernel a second copy of ``fr``'s model,
        owned by the worker thread (a click solves on ``fr`` meanwhile: one HiGHS object is
        never used by two threads); outside a kernel ``fr`` itself."""
        if not self.later.threaded:
            return fr
        if self._bg is None or self._bg[0] is not fr:
            bg = fr.twin(reuse=self._take())  # the same matrix, nothing built
            bg.walk.solver.interruptible(self.later.stopped)
            self._bg = (fr, bg)
        return self._bg[1]

    def frontier_job(self, fr: Any) -> Job:
        """The frontier of ``fr``'s model, one point per step (drawn as it grows, progress
        shown); it stops if the model is replaced meanwhile. Each point's portfolio is handed
        to ``fr`` as a start for the clicks."""
        big = fr.walk.base.n > BIG  # a big portfolio: quicker, the gap shown per point
        n = len(fr.walk.grid)
        state: dict[str, Any] = {"steps": None, "sent": set(), "drawn": 0.0}

        def job() -> tuple[bool, Show | None]:
            if not self._is_model(fr):
                return False, None
            bg = self.background(fr)
            if state["steps"] is None:
                state["steps"] = bg.steps(
                    time_limit=1.0 if big else 3.0,
                    gap=GAP_BIG if big else GAP,
                    total_time=FRONTIER_SECONDS_BIG if big else FRONTIER_SECONDS,
                )
            try:
                done, _, pts = next(state["steps"])
            except StopIteration:
                return False, None
            found = [] if bg is fr else _new_found(bg, state["sent"])
            return done < n, lambda: self.frontier_shown(fr, (done, n), pts, found, state)

        return job

    def _is_model(self, fr: Any) -> bool:
        return self._frontier is not None and self._frontier[1] is fr

    def frontier_shown(
        self,
        fr: Any,
        progress: tuple[int, int],
        pts: pd.DataFrame,
        found: list[tuple[float, np.ndarray, Any]],
        state: dict[str, Any],
    ) -> None:
        """On the loop: a frontier point solved (drawn at most about once a second)."""
        if not self._is_model(fr):
            return
        for budget, x, basis in found:  # the frontier's portfolios and LP bases: starts
            fr.found.append((budget, x))  # for the budget clicks
            if basis is not None:
                fr.bases.append((budget, basis))
        done, n = progress
        self._points = pts
        self.busy.value, self.busy.description = done + 1, f"Frontier {done}/{n}"
        due = done >= n or time.perf_counter() - state["drawn"] >= REDRAW_SECONDS
        if self.selection is not None and due:
            self.show_frontier(self.selection, self.selection.problem, pts)
            state["drawn"] = time.perf_counter()

    def solve(self) -> None:
        """The portfolio at the budget first (on the page when this returns); then, off the
        kernel's loop: its CPM dates, its "why", and the frontier if the model is new. A
        budget move re-solves only the budget row of the same model; nothing else is redone.
        On a big portfolio the first portfolio shown is the best start with its proven gap,
        and branch and cut improves it as the first later job. Inside a kernel a new model
        (forced sets, level, links, weights) is built and solved by the worker: the callback
        only dims the answer about to change."""
        self.busy.description, self.busy.value = "Solving…", 1
        self.later.drop("mip", "list", "dates", "why")
        self.later.cancel("mip")  # improving a portfolio no longer asked for
        try:
            problem = self.problem()
            self._wanted = _model_key(problem)
            if self.later.threaded and not (self._frontier and self._frontier[0] == self._wanted):
                self.later.drop("frontier")
                # the old model's frontier (or a model no longer wanted): not waited for
                self.later.cancel("frontier", *(("model",) if self._asked != self._wanted else ()))
                self._asked = self._wanted
                self._chart("frontier", _empty("Solving the frontier…"))
                for w in (self.headline, self.chosen, self.charts["timeline"]):
                    w.add_class(STALE)
                budget = float(self.budget.value)
                self.provisional(problem, budget)  # before the worker starts: no contention
                job = self.model_job(problem, budget)
                self.later.put("model", job, "Capacity and model…")
                self.later.start()
                return
            fr, new = self.relaxed(problem)
            if new:
                self._chart("frontier", _empty("Solving the frontier…"))
            big = fr.walk.base.n > BIG
            budget = float(self.budget.value)
            sel = fr.solve(budget, time_limit=5.0, gap=GAP_BIG if big else GAP, branch=not big)
        except engine.PrioritiseError as exc:
            self.no_portfolio(exc)
            return
        self.answer(fr, sel, new=new)

    def provisional(self, problem: Any, budget: float) -> None:
        """While the worker solves the new model, the portfolio shown repaired from the one
        on the page (:func:`engine.repaired`: forced-out removed, capacity and budget
        restored by dropping the least valuable, forced-in added, the room left filled; new
        weights: re-valued; links switched: repaired against the new rules), labelled
        provisional, every constraint of the new problem checked; nothing when it cannot be
        repaired (the page stays dimmed until the solver's answer)."""
        prev = self.selection
        if prev is None:
            return
        try:
            sel = engine.repaired(prev, problem.with_(budget=budget))
        except Exception:  # never in the way of the solver's answer
            log.warning("no provisional portfolio", exc_info=True)
            return
        if sel is None:
            return
        self._changes = _changes_html(prev, sel, self.r.label)
        self.chosen_now(sel)  # the headline says what changed; the list follows the solver
        self.headline.remove_class(STALE)

    def no_portfolio(self, exc: Exception) -> None:
        self.selection = None
        self.headline.remove_class(STALE)
        self.headline.value = f"<p style='color:#D55E00'><b>■ No portfolio:</b> {esc(str(exc))}</p>"
        self.later.start()

    def answer(self, fr: Any, sel: Any, *, new: bool) -> None:
        """``sel`` (solved on ``fr``) on the page; branch and cut, the frontier as needed."""
        self.headline.remove_class(STALE)
        self.chosen_now(sel)
        if sel.status == "first":
            budget = float(self.budget.value)
            self.later.put("mip", self.improve_job(fr, budget, sel), "Improving the portfolio…")
        if new or (self._points is None and "frontier" not in self.later.jobs):
            self.later.put("frontier", self.frontier_job(fr), "Frontier…")
        self.later.start()

    def chosen_now(self, sel: Any) -> None:
        """Show ``sel`` (headline, chosen list) and leave its CPM dates and "why" for later
        (not for a first portfolio that branch and cut is about to improve)."""
        self.selection = sel
        self.show_solution(sel, sel.problem, self._points)
        if sel.status == "provisional":  # replaced by the solver's answer: nothing later
            return
        self.later.put("list", self.chosen_job(sel, reschedule=False))
        if sel.status != "first":
            self.later.put("dates", self.chosen_job(sel, reschedule=True), "Rescheduling (CPM)…")
            self.later.put("why", self.why_job(sel), "Binding constraints…")

    def improve_job(self, fr: Any, budget: float, first: Any) -> Job:
        """Branch and cut from the first portfolio shown (a later job)."""

        def job() -> tuple[bool, Show | None]:
            if first is not self.selection:
                return False, None
            bg = self.background(fr)
            if bg is not fr:
                bg.found.append((budget, first.x))
            sel = bg.solve(budget, time_limit=5.0, gap=GAP_BIG)

            def show() -> None:
                if first is self.selection:
                    if bg is not fr:
                        fr.found.append((budget, sel.x))
                    self.chosen_now(sel)
                    self.later.start()

            return False, show

        return job

    def _label(self, text: str) -> None:
        self.busy.description = text

    def _ready(self) -> None:
        self.busy.value, self.busy.description = self.busy.max, "Ready"

    def current(self, problem: Any) -> dict[str, Any]:
        """The plan as it stands against ``problem`` (computed once per problem)."""
        if self._current is None or self._current[0] is not problem:
            self._current = (problem, engine.current_point(problem))
        return self._current[1]

    def show_frontier(self, sel: Any, problem: Any, pts: pd.DataFrame) -> None:
        cur = self.current(problem)
        marks = pd.DataFrame(
            {
                "label": ["Current plan", "Chosen portfolio"],
                "cost": [cur["cost"], sel.cost],
                "value": [cur["value"], sel.value],
            }
        )
        cy = self.r.currency
        self._draw(
            "frontier",
            pcharts.frontier_parts(pts, marks),
            lambda: pcharts.frontier_chart(pts, marks, currency=cy),
        )

    def dates(self, sel: Any, *, reschedule: bool = True) -> pd.DataFrame:
        """New dates by the CPM engine, rescheduled only when the start shifts changed (and
        then only the projects the shifts can move); ``reschedule=False``: the new starts
        now, the new finishes still unknown (NaT) unless these shifts were scheduled before."""
        t = sel.chosen
        key = _shift_key(sel)
        if self._dates is not None and self._dates[0] == key:
            d = self._dates[1]  # these shifts were scheduled before
        elif reschedule:
            d = engine.sequenced_dates(self.p, sel, schedule=self.r.schedule())
            self._dates = (key, d)
        else:
            d = engine.sequenced_dates(self.p, sel, schedule=self.r.schedule(), reschedule=False)
        d = d.drop(columns=["chosen"])
        return d.merge(t[["project_id", "chosen"]], on="project_id", how="left")

    def show_solution(self, sel: Any, problem: Any, pts: pd.DataFrame | None) -> None:
        """The headline, the frontier's marks and what could not be fixed at once; the chosen
        list and timeline are dimmed until their later jobs redraw them (:meth:`chosen_job`, first
        without, then with the CPM finishes; the "why": :meth:`why_job`)."""
        cur = self.current(problem)
        cy = self.r.currency
        gap = (
            f" (status {sel.status}, gap {sel.gap:.2%})"
            if sel.status not in ("optimal", "first")
            else (f" (optimal within {sel.gap:.2%})" if sel.gap > 5e-5 else "")
        )
        if sel.status == "first":
            gap = f" (first portfolio, within {sel.gap:.2%} of the best possible; improving…)"
        title, changes = "Chosen portfolio", ""
        if sel.status == "provisional":
            title, gap, changes = "Provisional portfolio", PROVISIONAL, self._changes
        self.headline.value = (
            f"<p><b>{title}:</b> {len(sel.ids)} projects, value "
            f"<b>{sel.value:.1f}</b>, cost {esc(fmt_money(sel.cost, cy))} within a budget of "
            f"{esc(fmt_money(self.budget.value, cy))}{esc(gap)} · current plan: value "
            f"{cur['value']:.1f}, cost {esc(fmt_money(cur['cost'], cy))}, "
            f"{cur['over_capacity_cells']} role-months over capacity.</p>{changes}"
        )
        if pts is not None:
            self.show_frontier(sel, problem, pts)
        over = sel.overload()
        self.overload.value = (
            ""
            if over.empty
            else "<p><b>Could not be fixed:</b> the projects that must go ahead need more "
            "than the capacity here (hours accepted over the limit):</p>"
            + html_table(over.rename(columns={"overload_hours": "Over (h)"}))
        )
        self.why.value = _note("Finding the binding constraints…")
        for w in (self.chosen, self.charts["timeline"]):
            w.add_class(STALE)

    def chosen_parts(self, sel: Any, dates: pd.DataFrame) -> tuple[str, pd.DataFrame | None]:
        """The chosen list's HTML and, once the CPM finishes are known, the timeline's rows
        (off the loop: no widget touched)."""
        done = bool(dates["new_finish"].notna().any() or dates.empty)
        return _chosen_html(dates, sel), _timeline(dates, self.r) if done else None

    def show_chosen(self, sel: Any, parts: tuple[str, pd.DataFrame | None]) -> None:
        """On the loop: the chosen list (and the timeline when its finishes are known)."""
        if sel is not self.selection:
            return
        html, rows = parts
        self.chosen.value = html
        self.chosen.remove_class(STALE)
        if rows is not None:
            self._draw(
                "timeline",
                pcharts.timeline_parts(rows),
                lambda: pcharts.selection_timeline(rows),
            )
            self.charts["timeline"].remove_class(STALE)

    def chosen_job(self, sel: Any, *, reschedule: bool) -> Job:
        """The chosen list, a later job: with the new starts first (finishes "rescheduling…"
        unless these shifts were scheduled before), then with the CPM finishes."""

        def job() -> tuple[bool, Show | None]:
            if sel is not self.selection:
                return False, None
            parts = self.chosen_parts(sel, self.dates(sel, reschedule=reschedule))
            return False, lambda: self.show_chosen(sel, parts)

        return job

    def why_job(self, sel: Any) -> Job:
        """Why each project is cut or delayed (a later job)."""

        def job() -> tuple[bool, Show | None]:
            if sel is not self.selection:
                return False, None
            why = engine.explain(sel)
            html = (
                _note("Nothing cut or delayed: everything fits.")
                if why.empty
                else html_table(_why_table(why), table_id="pmkit-prio-why")
            )

            def show() -> None:
                if sel is self.selection:
                    self.why.value = html

            return False, show

        return job

    # ------------------------------------------------------------ scenarios

    def _folder(self) -> Any:
        return engine.scenarios_dir(self.p)

    def _list_scenarios(self) -> None:
        try:
            names = sorted(f.stem for f in self._folder().glob("*.json"))
        except engine.PrioritiseError:
            names = []
        self.scn_a.options = names
        self.scn_b.options = names
        if len(names) >= 2:
            self.scn_a.value, self.scn_b.value = names[0], names[1]

    def save_scenario(self) -> None:
        if self.selection is None:
            raise engine.PrioritiseError("solve a portfolio first", field="scenario")
        if self.selection.status == "provisional":
            raise engine.PrioritiseError(
                "the portfolio shown is provisional: save it once the optimiser's answer "
                "replaces it",
                field="scenario",
            )
        rec = engine.scenario(
            self.scn_name.value,
            self.selection,
            settings={
                "weights": dict(zip(self.drivers.ids, self.drivers.weights.tolist(), strict=True))
            },
        )
        path = engine.save_scenario(self.p, rec)
        self.scn_out.value = _note(f"Saved {path.name} ({len(rec['projects'])} projects).")
        self._list_scenarios()

    def _pair(self) -> tuple[dict, dict]:
        if not self.scn_a.value or not self.scn_b.value:
            raise engine.PrioritiseError("save two scenarios to compare", field="scenario")
        return (
            engine.load_scenario(self.p, self.scn_a.value),
            engine.load_scenario(self.p, self.scn_b.value),
        )

    def compare(self) -> None:
        a, b = self._pair()
        parts = engine.compare_scenarios(a, b)
        self.scn_out.value = "".join(
            f"<h5>{esc(k.replace('_', ' ').capitalize())}</h5>" + html_table(df.round(3))
            for k, df in parts.items()
        )

    def export(self) -> None:
        a, b = self._pair()
        path = self._folder() / f"compare {a['name']} vs {b['name']}.csv"
        engine.export_scenarios(a, b, path)
        self.scn_out.value = _note(f"Exported to {path}")


def _changes_html(prev: Any, sel: Any, label: Callable[[str], str]) -> str:
    """What a provisional portfolio changed in the one shown before it: the projects out
    (forced out, or dropped to fit), in (forced in, or added), and the starts moved."""
    was = prev.chosen.set_index("project_id")
    now = sel.chosen.set_index("project_id")
    before, after = set(prev.ids), set(sel.ids)
    p = sel.problem

    def names(ids: list[str], why: Callable[[str], str]) -> str:
        shown = [f"{label(i)} ({why(i)})" for i in ids[:MAX_NAMED]]
        more = f" and {len(ids) - MAX_NAMED} more" if len(ids) > MAX_NAMED else ""
        return ", ".join(shown) + more

    out = sorted(before - after)
    came = sorted(after - before)
    both = sorted(before & after)
    moved = int((was.loc[both, "shift_months"] != now.loc[both, "shift_months"]).sum())
    parts = []
    if out:
        parts.append("out: " + names(out, lambda i: "forced out" if i in p.forced_out else
                                     "dropped to fit"))  # fmt: skip
    if came:
        parts.append("in: " + names(came, lambda i: "forced in" if i in p.forced_in else "added"))
    if moved:
        parts.append(f"{moved} start{'s' if moved > 1 else ''} moved")
    if not np.array_equal(np.asarray(prev.problem.value), np.asarray(p.value)):
        parts.append("valued with the new weights")
    if prev.problem.links != p.links:
        parts.append("schedule links " + ("respected" if p.links else "ignored"))
    what = "; ".join(parts) if parts else "no project in or out"
    return _note(
        f"Changed from the portfolio shown before: {what}. The list and timeline below are "
        "still the ones before, until the optimiser's answer."
    )


def _model_key(problem: Any) -> tuple[Any, ...]:
    """What a model depends on (the budget is a row bound of it)."""
    return (
        tuple(problem.value.round(6)),
        problem.level,
        problem.forced_in,
        problem.forced_out,
        problem.links,
    )


def _new_found(bg: Any, sent: set[int]) -> list[tuple[float, np.ndarray, Any]]:
    """(budget, portfolio, LP basis) of the frontier points ``bg`` solved since the last
    call."""
    w = bg.walk
    new = [k for k in w.found if k not in sent]
    sent.update(new)
    return [(float(w.grid[k][0] or np.inf), w.found[k][0], w.bases.get(k)) for k in new]


@lru_cache(maxsize=8)
def _empty_spec(text: str) -> str:
    return json.dumps(empty_chart(text).to_dict(validate=False))


def _empty(text: str) -> dict[str, Any]:
    """An empty chart saying ``text``, as its Vega-Lite dict (built once per text)."""
    spec: dict[str, Any] = json.loads(_empty_spec(text))
    return spec


_PLACEHOLDER = alt.Chart().mark_point()  # a new chart widget's first spec, replaced at once


def _chosen_html(dates: pd.DataFrame, sel: Any) -> str:
    return html_table(_chosen_table(dates, sel), table_id="pmkit-prio-chosen")


def _nearest(x: float) -> str:
    values = [(abs(np.log(float(eval_frac(v))) - np.log(x)), v) for _, v in SAATY]
    return min(values)[1]


def eval_frac(v: str) -> float:
    a, _, b = v.partition("/")
    return float(a) / float(b) if b else float(a)


def _shift_key(sel: Any) -> tuple[Any, ...]:
    """The start shifts of the chosen projects (what the CPM dates depend on)."""
    t = sel.chosen
    moved = t[t["chosen"] & (t["shift_months"] > 0)]
    return tuple(zip(moved["project_id"], moved["shift_months"].astype(int), strict=True))


def _chosen_table(dates: pd.DataFrame, sel: Any) -> pd.DataFrame:
    ch = sel.chosen.set_index("project_id")
    out = pd.DataFrame(
        {
            "Id": dates["project_id"],
            "Project": dates["name"],
            "Decision": [_status(r) for r in dates.to_dict("records")],
            "Value": dates["project_id"].map(ch["value"]).round(1).to_numpy(),
            "Shift (months)": dates["shift_months"].astype(int),
            "New start": dates["new_start"].map(fmt_date),
            "Planned finish": dates["planned_finish"].map(fmt_date),
            "New finish (CPM)": dates["new_finish"].map(_finish_text),
        }
    )
    return out.sort_values(["Decision", "Id"]).reset_index(drop=True)


def _finish_text(d: Any) -> str:
    return "rescheduling…" if pd.isna(d) else fmt_date(d)


def _status(r: dict) -> str:
    if not r["chosen"]:
        return "cut"
    s = int(r["shift_months"])
    return f"delayed {s} month{'s' if s > 1 else ''}" if s else "go (on plan)"


def _timeline(dates: pd.DataFrame, review: Any) -> pd.DataFrame:
    """Bars for at most :data:`TIMELINE_ROWS` projects: the moved ones first (a page, not a
    dump; the table lists them all)."""
    moved = (~dates["chosen"]) | (dates["shift_months"] > 0)
    dates = pd.concat([dates[moved], dates[~moved]]).head(TIMELINE_ROWS)
    return pd.DataFrame(
        {
            "project": [review.labels.get(p, p) for p in dates["project_id"]],
            "planned_start": dates["planned_start"],
            "planned_finish": dates["planned_finish"],
            "new_start": dates["new_start"],
            "new_finish": dates["new_finish"],
            "status": [_status(r) for r in dates.to_dict("records")],
        }
    )


def _why_table(why: pd.DataFrame) -> pd.DataFrame:
    return why.rename(
        columns={
            "project_id": "Id",
            "name": "Project",
            "status": "Decision",
            "shift_months": "Shift (months)",
            "binding": "Binding constraint (what would have to change)",
            "shadow_price": "Shadow price (LP relaxation)",
        }
    ).drop(columns=["kind", "shortfall"])
