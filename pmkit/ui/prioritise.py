"""The "Prioritise" tab of the PMO review: strategy -> scores -> the best portfolio that fits.

Wiring only: :mod:`pmkit.portfolio.prioritise` weighs the drivers (AHP), scores the projects,
solves the selection/sequencing (HiGHS) and explains it; :mod:`pmkit.charts.prioritise` draws.
The budget slider re-solves one portfolio (the frontier is solved once per set of weights,
capacity level and forced projects, and cached), so moving it is quick.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as W
import numpy as np
import pandas as pd

from pmkit.charts import prioritise as pcharts
from pmkit.charts.portfolio import empty_chart
from pmkit.format import fmt_date, fmt_money
from pmkit.portfolio import prioritise as engine
from pmkit.ui._common import esc, guarded, html_table, live_chart

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


def _note(text: str) -> str:
    return f"<p style='color:#555;margin:2px 0'>{esc(text)}</p>"


def _soon(step: Callable[[], None]) -> bool:
    """Run ``step`` on the kernel's event loop once the current callback has returned;
    ``False`` outside a kernel (a script, a test): the caller runs it at once.

    A loop merely marked running is not enough: Playwright's sync API leaves its own loop
    marked running in the main thread, and a step put there would never run (a test process
    that drove a browser first, as CI's does)."""
    app = sys.modules.get("ipykernel.kernelapp")  # never imported outside a kernel
    if app is None or not app.IPKernelApp.initialized():
        return False
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return False
    loop.call_soon(step)
    return True


class _Later:
    """What the page shows after the chosen portfolio, one step at a time, so a callback
    returns as soon as the portfolio is on the page and the kernel answers clicks between
    steps: the CPM dates of the chosen starts, the "why" table, then the frontier point by
    point (first of all, on a big portfolio, branch and cut improving the first portfolio
    shown). A job returns True while it has steps left; putting a job again replaces the
    pending one of that name. Without an event loop every step runs at once, in order."""

    ORDER = ("mip", "dates", "why", "frontier")

    def __init__(self, guard: Callable[[Callable[[], Any]], Callable[[], Any]], idle: Any) -> None:
        self.jobs: dict[str, Callable[[], bool]] = {}
        self.pending = False
        self.guard, self.idle = guard, idle

    def put(self, name: str, job: Callable[[], bool]) -> None:
        self.jobs[name] = job

    def drop(self, *names: str) -> None:
        for name in names:
            self.jobs.pop(name, None)

    def start(self) -> None:
        if self.pending:
            return
        if _soon(self._step):
            self.pending = True
            return
        while self.jobs:
            self._run_one()
        self.idle()

    def _step(self) -> None:
        self.pending = False
        if self.jobs:
            self._run_one()
        if self.jobs:
            self.start()
        else:
            self.idle()

    def _run_one(self) -> None:
        name = next(k for k in self.ORDER if k in self.jobs)
        job = self.jobs[name]
        more = False
        try:
            more = bool(self.guard(job)())  # an error is shown on the page, never raised
        finally:
            if not more and self.jobs.get(name) is job:
                del self.jobs[name]


class PrioritiseTab:
    """Drivers and weights, ranked projects, constraints, frontier, chosen portfolio, why,
    scenarios. ``review`` is the :class:`pmkit.ui.portfolio_review.PortfolioReview`."""

    def __init__(self, review: Any) -> None:
        self.r = review
        self.p = review.p
        self.message = W.HTML()
        self.charts: dict[str, Any] = {}
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
        self.later = _Later(guarded(self.message), self._ready)
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
        self._chart("frontier", empty_chart("Solving the frontier…"))
        self._chart("timeline", empty_chart("Solving…"))
        self._build_scenarios()
        self.widget = W.VBox(
            [
                self.message,
                W.HTML(
                    _note(
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

    def _chart(self, key: str, chart: Any) -> None:
        if key in self.charts:
            self.charts[key].chart = chart
        else:
            self.charts[key] = live_chart(chart)

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
        chosen portfolio at the budget, then the frontier."""
        self._frontier = None
        self.solve()

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
        key = (
            tuple(problem.value.round(6)),
            problem.level,
            problem.forced_in,
            problem.forced_out,
            problem.links,
        )
        if self._frontier is not None and self._frontier[0] == key:
            return self._frontier[1], False
        self.busy.description = "Capacity…"
        free = problem.with_(budget=None)
        base = free.with_(allowance=engine.overload_allowance(free, 5.0))
        self._frontier = (key, engine.BudgetFrontier(base, n=FRONTIER_POINTS))
        self._points = None
        return self._frontier[1], True

    def frontier_job(self, fr: Any) -> Callable[[], bool]:
        """The frontier of model ``fr``, one point per step (drawn as it grows, progress
        shown); it stops if the model is replaced meanwhile."""
        big = fr.walk.base.n > BIG  # a big portfolio: quicker, the gap shown per point
        steps = fr.steps(
            time_limit=1.0 if big else 3.0,
            gap=GAP_BIG if big else GAP,
            total_time=FRONTIER_SECONDS_BIG if big else FRONTIER_SECONDS,
        )
        n = len(fr.walk.grid)
        state = {"done": 0, "drawn": 0.0}

        def step() -> bool:
            if self._frontier is None or self._frontier[1] is not fr:
                return False
            self.busy.value = state["done"] + 1
            self.busy.description = f"Frontier {state['done']}/{n}"
            try:
                done, _, self._points = next(steps)
            except StopIteration:
                return False
            state["done"] = done
            # drawn as it grows, at most about once a second (a chart costs ~0.2 s)
            due = done >= n or time.perf_counter() - state["drawn"] >= REDRAW_SECONDS
            if self.selection is not None and due:
                self.show_frontier(self.selection, self.selection.problem, self._points)
                state["drawn"] = time.perf_counter()
            return done < n

        return step

    def frontier_points(self, fr: Any) -> pd.DataFrame:
        """The whole frontier of model ``fr`` at once (its steps run to the end)."""
        job = self.frontier_job(fr)
        while job():
            pass
        return self._points if self._points is not None else pd.DataFrame()

    def solve(self) -> None:
        """The portfolio at the budget first (on the page when this returns); then, step by
        step: its CPM dates, its "why", and the frontier if the model is new. A budget move
        re-solves only the budget row of the same model; nothing else is redone. On a big
        portfolio the first portfolio shown is the best start with its proven gap, and
        branch and cut improves it as the first step."""
        self.busy.description, self.busy.value = "Solving…", 1
        self.later.drop("mip", "dates", "why")
        try:
            fr, new = self.relaxed(self.problem())
            if new:
                self._chart("frontier", empty_chart("Solving the frontier…"))
            big = fr.walk.base.n > BIG
            budget = float(self.budget.value)
            sel = fr.solve(budget, time_limit=5.0, gap=GAP_BIG if big else GAP, branch=not big)
        except engine.PrioritiseError as exc:
            self.selection = None
            self.headline.value = (
                f"<p style='color:#D55E00'><b>■ No portfolio:</b> {esc(str(exc))}</p>"
            )
            self.later.start()
            return
        self.chosen_now(sel)
        if sel.status == "first":
            self.later.put("mip", lambda: self.improve(fr, budget, sel))
        if new or (self._points is None and "frontier" not in self.later.jobs):
            self.later.put("frontier", self.frontier_job(fr))
        self.later.start()

    def chosen_now(self, sel: Any) -> None:
        """Show ``sel`` (headline, chosen list) and leave its CPM dates and "why" for later
        (not for a first portfolio that branch and cut is about to improve)."""
        self.selection = sel
        self.show_solution(sel, sel.problem, self._points)
        if sel.status != "first":
            self.later.put("dates", lambda: self.show_dates(sel))
            self.later.put("why", lambda: self.show_why(sel))

    def improve(self, fr: Any, budget: float, first: Any) -> bool:
        """Branch and cut from the first portfolio shown (a step of :class:`_Later`)."""
        if first is not self.selection:
            return False
        self.busy.description = "Improving the portfolio…"
        self.chosen_now(fr.solve(budget, time_limit=5.0, gap=GAP_BIG))
        return False

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
        self._chart("frontier", pcharts.frontier_chart(pts, marks, currency=self.r.currency))

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
        """The headline and the chosen list at once (the CPM finishes follow: :meth:`show_dates`;
        the "why": :meth:`show_why`)."""
        cur = self.current(problem)
        cy = self.r.currency
        gap = (
            f" (status {sel.status}, gap {sel.gap:.2%})"
            if sel.status not in ("optimal", "first")
            else (f" (optimal within {sel.gap:.2%})" if sel.gap > 5e-5 else "")
        )
        if sel.status == "first":
            gap = f" (first portfolio, within {sel.gap:.2%} of the best possible; improving…)"
        self.headline.value = (
            f"<p><b>Chosen portfolio:</b> {len(sel.ids)} projects, value "
            f"<b>{sel.value:.1f}</b>, cost {esc(fmt_money(sel.cost, cy))} within a budget of "
            f"{esc(fmt_money(self.budget.value, cy))}{esc(gap)} · current plan: value "
            f"{cur['value']:.1f}, cost {esc(fmt_money(cur['cost'], cy))}, "
            f"{cur['over_capacity_cells']} role-months over capacity.</p>"
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
        self._show_chosen(sel, self.dates(sel, reschedule=False))

    def _show_chosen(self, sel: Any, dates: pd.DataFrame) -> None:
        self.chosen.value = html_table(_chosen_table(dates, sel), table_id="pmkit-prio-chosen")
        if dates["new_finish"].notna().any() or dates.empty:
            self._chart("timeline", pcharts.selection_timeline(_timeline(dates, self.r)))
        else:
            self._chart("timeline", empty_chart("Rescheduling the chosen starts (CPM)…"))

    def show_dates(self, sel: Any) -> bool:
        """The chosen list with the CPM finishes of the chosen starts (a step of
        :class:`_Later`)."""
        if sel is not self.selection:
            return False
        self.busy.description = "Rescheduling (CPM)…"
        self._show_chosen(sel, self.dates(sel))
        return False

    def show_why(self, sel: Any) -> bool:
        """Why each project is cut or delayed (a step of :class:`_Later`)."""
        if sel is not self.selection:
            return False
        self.busy.description = "Binding constraints…"
        why = engine.explain(sel)
        self.why.value = (
            _note("Nothing cut or delayed: everything fits.")
            if why.empty
            else html_table(_why_table(why), table_id="pmkit-prio-why")
        )
        return False

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
