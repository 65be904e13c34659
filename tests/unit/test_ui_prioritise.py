"""The Prioritise tab's widgets without a browser (the same story as the browser test): freeing
the schedule links and lowering the budget re-solves the portfolio, the headline names the new
budget, and the chosen list now cuts projects; the chosen cost stays within the budget."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from pmkit.io.csv_folder import load_portfolio
from pmkit.schedule.portfolio_adapter import schedule_portfolio
from pmkit.ui.prioritise import PrioritiseTab

REPO = Path(__file__).resolve().parents[2]


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_budget_moves_the_chosen_list_and_the_headline() -> None:
    pf = load_portfolio(REPO / "data")
    sched = schedule_portfolio(pf)
    review = SimpleNamespace(p=pf, schedule=lambda: sched, currency="EUR", label=str, labels={})
    tab = PrioritiseTab(review)
    assert "Chosen portfolio" in tab.headline.value, tab.message.value
    tab.use_links.value = False
    before_list, before_head = tab.chosen.value, tab.headline.value
    assert " cut " not in _text(before_list)
    tab.budget.value = 900_000
    assert tab.headline.value != before_head and "900,000" in tab.headline.value
    after = _text(tab.chosen.value)
    assert tab.chosen.value != before_list and " cut " in after
    sel = tab.selection
    assert sel is not None and sel.cost <= 900_000 + 1e-6
    assert "frontier" in tab.charts and tab.busy.description == "Ready"
    assert "pmkit-error" not in tab.message.value, tab.message.value


def test_nothing_is_recomputed_that_did_not_change(monkeypatch: pytest.MonkeyPatch) -> None:
    """#10 s5: a budget move re-solves on the same model and does not touch the ranking; a
    forced-out change builds a new model but keeps the ranking; the answers stay right (the
    budget move equals a fresh solve of the same problem; the forced-out project is out)."""
    from pmkit.portfolio import prioritise as engine

    pf = load_portfolio(REPO / "data")
    sched = schedule_portfolio(pf)
    review = SimpleNamespace(p=pf, schedule=lambda: sched, currency="EUR", label=str, labels={})
    tab = PrioritiseTab(review)
    tab.use_links.value = False
    model, ranked = tab._frontier, tab.ranked.value

    def no_ranking(*_a: object, **_k: object) -> None:
        raise AssertionError("the ranking was recomputed")

    monkeypatch.setattr(engine, "priority_scores", no_ranking)
    tab.budget.value = 900_000
    assert tab._frontier is model and tab.ranked.value == ranked, tab.message.value
    fresh = engine.solve(tab.selection.problem, time_limit=30.0, gap=1e-9)
    assert tab.selection.value == pytest.approx(fresh.value, rel=1e-3)
    out = str(tab.selection.ids[0])
    tab.forced_out.value = (out,)
    assert tab._frontier is not model and tab.ranked.value == ranked, tab.message.value
    assert out not in tab.selection.ids and tab.selection.cost <= 900_000 + 1e-6


def _review() -> Any:
    pf = load_portfolio(REPO / "data")
    sched = schedule_portfolio(pf)
    return SimpleNamespace(p=pf, schedule=lambda: sched, currency="EUR", label=str, labels={})


def _tab_run_by_the_test(monkeypatch: pytest.MonkeyPatch) -> tuple[PrioritiseTab, Any]:
    """A tab in a "kernel" whose worker steps and loop callbacks the test runs: the tab, and a
    ``drain()`` that runs every pending step and the callbacks each one queues."""
    import pmkit.ui.prioritise as ui

    held: list = []
    loop = SimpleNamespace(call_soon_threadsafe=held.append, is_closed=lambda: False)
    monkeypatch.setattr(ui, "_kernel_loop", lambda: loop)
    monkeypatch.setattr(ui._Later, "spawn", lambda self: None)  # the test is the worker
    tab = PrioritiseTab(_review())

    def drain() -> None:
        while tab.later.jobs:
            tab.later.pump()
            while held:
                held.pop(0)()

    return tab, drain


def test_the_page_answers_first_and_fills_in_step_by_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """#10 s6/s7: in a kernel the callback returns once the ranking and the chosen portfolio
    are on the page; the rest (branch and cut on a big portfolio, CPM finishes, "why", the
    frontier point by point) is computed by a worker, and each result is put on the page from
    the kernel's loop; a click between two steps is answered on the click's own model. Here
    the worker's steps and the loop's callbacks are run one by one by the test, and the
    sample's 12 candidates count as "big". A new model (links toggled) is built and solved by
    the worker too (s8): the callback only dims the answer."""
    import pmkit.ui.prioritise as ui
    from pmkit.portfolio import prioritise as engine

    held: list = []
    loop = SimpleNamespace(call_soon_threadsafe=held.append, is_closed=lambda: False)
    monkeypatch.setattr(ui, "_kernel_loop", lambda: loop)
    monkeypatch.setattr(ui._Later, "spawn", lambda self: None)  # the test is the worker
    monkeypatch.setattr(ui, "BIG", 5)
    tab = PrioritiseTab(_review())

    def worker_step() -> None:
        tab.later.pump()
        while held:
            held.pop(0)()

    def drain() -> int:
        runs = 0
        while tab.later.jobs:
            worker_step()
            runs += 1
        tab.later._settle()
        return runs

    assert "Chosen portfolio" in tab.headline.value and "pmkit-prio-ranked" in tab.ranked.value
    assert tab._points is None and tab.busy.description != "Ready" and tab.later.jobs
    assert "list" in tab.later.jobs and ui.STALE in tab.chosen._dom_classes  # dimmed till drawn
    if tab.selection.status != "first":
        worker_step()  # the list with the new starts comes first, finishes being rescheduled
        assert "rescheduling…" in tab.chosen.value and ui.STALE not in tab.chosen._dom_classes
    drain()
    was = tab.headline.value
    tab.use_links.value = False  # a new model (the budget now decides): a new frontier
    # the callback shows the portfolio repaired for the new rules (provisional, s12) and
    # dims the list; the worker builds and solves the new model
    assert tab._frontier is None and list(tab.later.jobs) == ["model"]
    assert tab.headline.value != was and "Provisional portfolio" in tab.headline.value
    assert ui.STALE in tab.chosen._dom_classes
    worker_step()
    assert tab._frontier is not None and ui.STALE not in tab.headline._dom_classes
    assert not tab.selection.problem.links  # the answer to the new model
    assert tab._points is None and "frontier" in tab.later.jobs
    runs = 0
    while tab.later.jobs and tab._points is None:  # up to the first frontier point
        worker_step()
        runs += 1
    model, first = tab._frontier, tab._points
    assert first is not None and len(first) < ui.FRONTIER_POINTS and tab.later.jobs
    assert tab._bg is not None and tab._bg[1] is not model[1]  # the worker's own copy
    tab.budget.value = 900_000  # a click between two frontier steps
    assert "900,000" in tab.headline.value and tab._frontier is model
    runs += drain()
    assert runs > 3 and tab.busy.description == "Ready"
    assert len(tab._points) == ui.FRONTIER_POINTS and tab._frontier is model
    assert model[1].found  # the frontier's portfolios were handed to the click's model
    assert "rescheduling…" not in tab.chosen.value and "pmkit-prio-chosen" in tab.chosen.value
    assert "Finding the binding" not in tab.why.value
    assert ui.STALE not in tab.charts["timeline"]._dom_classes
    sel = tab.selection
    assert sel.status != "first" and sel.cost <= 900_000 + 1e-6
    fresh = engine.solve(sel.problem, time_limit=30.0, gap=1e-9)
    assert sel.value >= fresh.value * (1 - ui.GAP_BIG) - 1e-9
    assert "pmkit-error" not in tab.message.value, tab.message.value


def test_a_kernel_solves_in_a_worker_thread_and_touches_widgets_on_its_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """#12 s7: in a kernel (a fake app, a real event loop in its own thread, a real worker
    thread) the new model, the frontier and the other later steps are solved off the loop's
    thread, every widget is changed on the loop's thread only, a click made before the new
    model is there is answered once it is (s8: the callback of a forced/links change only
    dims the answer), and the page ends as a script's page (everything at once) ends: the
    same frontier (within the proven gap), the same chosen portfolio."""
    import asyncio
    import threading
    import types

    import pmkit.ui.prioritise as ui
    from pmkit.portfolio import prioritise as engine

    class App:
        @staticmethod
        def initialized() -> bool:
            return True

    monkeypatch.setitem(sys.modules, "ipykernel.kernelapp", types.SimpleNamespace(IPKernelApp=App))
    solved_in: set[int] = set()
    steps = engine.BudgetFrontier.steps

    def spy(self: Any, **kw: Any) -> Any:
        solved_in.add(threading.get_ident())
        yield from steps(self, **kw)

    monkeypatch.setattr(engine.BudgetFrontier, "steps", spy)
    changed_in: set[int] = set()
    out: dict[str, Any] = {}

    async def scenario() -> None:
        tab = PrioritiseTab(_review())
        for w in (tab.headline, tab.chosen, tab.why, tab.busy, *tab.charts.values()):
            w.observe(lambda _c: changed_in.add(threading.get_ident()))
        tab.use_links.value = False  # a new model and frontier, built and solved in the worker
        # s12: the headline shows the portfolio repaired for the new rules at once (a
        # provisional one); the list below stays dimmed until the worker's answer
        out["dimmed"] = (
            tab._frontier is None
            and "Provisional portfolio" in tab.headline.value
            and ui.STALE in tab.chosen._dom_classes
        )
        tab.budget.value = 900_000  # a click before the new model is there: that budget next
        for _ in range(6000):  # at most 60 s
            if not (tab.later.jobs or tab.later.pending):
                break
            await asyncio.sleep(0.01)
        out["answered"] = "900,000" in tab.headline.value
        out["tab"], out["loop"] = tab, threading.get_ident()

    _on_a_loop_thread(scenario)
    tab = out["tab"]
    assert out["dimmed"] and out["answered"] and tab.busy.description == "Ready", tab.message.value
    assert solved_in and out["loop"] not in solved_in  # the frontier: in the worker
    assert changed_in == {out["loop"]}  # widgets: on the loop's thread only
    assert "pmkit-error" not in tab.message.value, tab.message.value
    monkeypatch.undo()  # out of the fake kernel (a test process may hold Playwright's loop)
    script = PrioritiseTab(_review())  # no kernel here: everything at once
    script.use_links.value = False
    script.budget.value = 900_000
    assert tab.chosen.value == script.chosen.value and tab.why.value == script.why.value
    a, b = tab._points, script._points
    assert len(a) == len(b) == ui.FRONTIER_POINTS
    assert a["value"].to_numpy() == pytest.approx(b["value"].to_numpy(), rel=ui.GAP)


def test_steps_wait_for_the_kernels_loop_only_inside_a_kernel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Outside a kernel a loop marked running (Playwright's sync API leaves one in a test
    process) is not used: the steps run at once. Inside a kernel they go to its loop."""
    import types

    import pmkit.ui.prioritise as ui

    fake_loop = SimpleNamespace()
    monkeypatch.setattr(ui.asyncio, "get_running_loop", lambda: fake_loop)
    monkeypatch.delitem(sys.modules, "ipykernel.kernelapp", raising=False)
    assert ui._kernel_loop() is None

    class App:
        @staticmethod
        def initialized() -> bool:
            return True

    monkeypatch.setitem(sys.modules, "ipykernel.kernelapp", types.SimpleNamespace(IPKernelApp=App))
    assert ui._kernel_loop() is fake_loop


def test_a_forced_set_that_cannot_fit_is_named_when_the_worker_builds_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """s8: in a kernel the worker builds the model of a forced change; a forced set that breaks
    a rule (P03 forced out while forced-in projects need it: P12 by a rule, running ones by
    schedule links) is shown as a readable message naming them, from the loop, and the page is
    not left dimmed."""
    import pmkit.ui.prioritise as ui

    tab, drain = _tab_run_by_the_test(monkeypatch)
    drain()
    tab.forced_out.value = ("P03",)
    tab.forced_in.value = ("P12",)
    assert "model" in tab.later.jobs and "No portfolio" not in tab.headline.value
    drain()
    head = tab.headline.value  # the first forced-in project that needs P03 is named
    assert "No portfolio" in head and "forced out" in head and "P03" in head
    assert ui.STALE not in tab.headline._dom_classes and tab.selection is None
    assert "pmkit-error" not in tab.message.value, tab.message.value


def _in_a_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    class App:
        @staticmethod
        def initialized() -> bool:
            return True

    monkeypatch.setitem(sys.modules, "ipykernel.kernelapp", types.SimpleNamespace(IPKernelApp=App))


def _slow_old_solves(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[float]]:
    """Solves started in the worker before ``changed_at[0]`` first run a real branch and cut
    of a hard knapsack (60 s limit) that HiGHS stops when the model's own stop request
    (:meth:`_highs.Model.interruptible`) says so; ``slow`` is set when one starts."""
    import threading
    import time

    import numpy as np

    from pmkit.portfolio.prioritise import _highs

    rng = np.random.default_rng(3)
    a = rng.integers(1, 100, size=(40, 300)).astype(float)
    value = a.sum(axis=0) * rng.uniform(0.8, 1.2, size=300)
    hard = _highs.Model(-value, a, np.full(40, -np.inf), a.sum(axis=1) / 3, np.ones(300))
    real = _highs.Model.relaxation
    slow = threading.Event()
    changed_at = [float("inf")]

    def relaxation(self: Any, time_limit: float, basis: Any = None) -> Any:
        if threading.current_thread().name == "pmkit-prioritise" and (
            time.perf_counter() < changed_at[0]
        ):
            slow.set()
            hard.interruptible(self._stop)
            hard.mip(None, 60.0, 0.0)  # raises Cancelled once stopped
        return real(self, time_limit, basis)

    monkeypatch.setattr(_highs.Model, "relaxation", relaxation)
    return slow, changed_at


def _on_a_loop_thread(scenario: Any) -> None:
    """Run ``scenario()`` on an event loop of its own thread (a test process may hold
    Playwright's loop in the main thread)."""
    import asyncio
    import threading

    def in_thread() -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(scenario())
        finally:
            loop.close()

    th = threading.Thread(target=in_thread)
    th.start()
    th.join(90)


def test_a_forced_change_stops_the_running_solve_and_only_its_answer_shows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """#10 s9: in a kernel (a fake app, a real loop thread, the real worker), a forced change
    made while the worker solves a frontier point of the old model does not wait for it: the
    solve is stopped (here a real 60 s branch and cut, stopped by HiGHS at its next check of
    the tab's request), its result is never shown, and the new model's portfolio and
    frontier are shown; the page ends as a script's page ends."""
    import asyncio
    import time

    import pmkit.ui.prioritise as ui

    _in_a_kernel(monkeypatch)
    slow, changed_at = _slow_old_solves(monkeypatch)
    shown_for: list[Any] = []
    frontier_shown = ui.PrioritiseTab.frontier_shown

    def spy(self: Any, fr: Any, *a: Any) -> None:
        shown_for.append(fr)
        frontier_shown(self, fr, *a)

    monkeypatch.setattr(ui.PrioritiseTab, "frontier_shown", spy)
    out: dict[str, Any] = {}

    async def scenario() -> None:
        tab = PrioritiseTab(_review())
        for _ in range(1000):  # the worker starts the old model's frontier: a long solve
            if slow.is_set():
                break
            await asyncio.sleep(0.01)
        old, sel = tab._frontier[1], tab.selection
        free = [str(x) for x in sel.problem.ids if str(x) not in sel.problem.forced_in]
        out["pid"] = pid = next((x for x in free if x not in sel.ids), free[0])
        t0 = changed_at[0] = time.perf_counter()
        tab.forced_in.value = (pid,)
        for _ in range(4000):  # at most 40 s: the old solve alone would take 60
            if not (tab.later.jobs or tab.later.pending):
                break
            await asyncio.sleep(0.01)
        out["seconds"] = time.perf_counter() - t0
        out["tab"], out["old"], out["slow"] = tab, old, slow.is_set()

    _on_a_loop_thread(scenario)
    tab, pid = out["tab"], out["pid"]
    assert out["slow"] and out["seconds"] < 30.0, out
    assert tab.busy.description == "Ready" and "pmkit-error" not in tab.message.value
    assert out["old"] not in shown_for  # the stopped solve's frontier point never shown
    assert shown_for and all(fr is tab._frontier[1] for fr in shown_for)
    assert pid in tab.selection.ids and pid in tab.selection.problem.forced_in
    assert len(tab._points) == len(tab._frontier[1].walk.grid)  # the new model's frontier
    assert all(pid in str(c).split(", ") for c in tab._points["chosen"].dropna())
    monkeypatch.undo()  # out of the fake kernel (a test process may hold Playwright's loop)
    script = PrioritiseTab(_review())
    script.forced_in.value = (pid,)
    assert tab.selection.ids == script.selection.ids and tab.chosen.value == script.chosen.value


def test_a_forced_change_shows_a_provisional_portfolio_until_the_solvers_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """s11: in a kernel a forced change is solved by the worker; meanwhile the callback shows
    the portfolio on the page repaired for the new forced sets (forced-out removed, the
    least valuable dropped to fit), labelled provisional, every constraint checked, with
    what changed named; the solver's answer replaces it and redraws the list. A scenario is
    not saved from a provisional portfolio. s12: links switched and new weights too."""
    import pmkit.ui.prioritise as ui
    from pmkit.portfolio import prioritise as engine
    from pmkit.portfolio.prioritise._select import _feasible_x, model_of, needed

    tab, drain = _tab_run_by_the_test(monkeypatch)
    drain()
    tab.keep_running.value = False  # running projects free: some chosen ones can go out
    drain()
    problem = tab.problem()
    must = set(needed(problem, problem.forced_in))
    ch = tab.selection.chosen
    out = ch.loc[ch["chosen"] & ~ch["project_id"].isin(must)].sort_values("value")
    gone = str(out["project_id"].iloc[-1])  # the most valuable one that may go
    was = tab.selection
    tab.forced_out.value = (gone,)
    assert list(tab.later.jobs) == ["model"]  # the solver's answer is still to come
    sel = tab.selection
    assert sel.status == "provisional" and gone not in sel.ids
    head = _text(tab.headline.value)
    assert "Provisional portfolio" in head and "not known" in head
    assert f"{len(sel.ids)} projects" in head and ui.STALE not in tab.headline._dom_classes
    # what changed is named; the list below stays dimmed (the one before) until the answer
    assert f"{gone} (forced out)" in head and "still the ones before" in head
    for pid in sorted(set(was.ids) - set(sel.ids) - {gone}):
        assert f"{pid} (dropped to fit)" in head
    for pid in sorted(set(sel.ids) - set(was.ids)):
        assert f"{pid} (added)" in head
    assert ui.STALE in tab.chosen._dom_classes
    budget = float(tab.budget.value)
    strict = model_of(sel.problem.with_(budget=budget))  # independent of the repair's model
    assert sel.cost <= budget + 1e-6 and _feasible_x(strict, sel.x)
    with pytest.raises(engine.PrioritiseError, match="provisional"):
        tab.save_scenario()  # refused before anything is written
    drain()
    assert tab.selection.status != "provisional" and gone not in tab.selection.ids
    assert "Chosen portfolio" in tab.headline.value and "Changed from" not in tab.headline.value
    assert ui.STALE not in tab.chosen._dom_classes and gone in tab.chosen.value  # listed: cut
    # s12: links switched and new weights are repaired too (the rules' rows rebuilt; the
    # previous portfolio re-valued), each checked against the solver's own model
    for change, said in (
        (lambda: setattr(tab.use_links, "value", not tab.use_links.value), "schedule links"),
        (lambda: _another_weight(tab), "valued with the new weights"),
    ):
        before = tab.selection
        change()
        sel = tab.selection
        assert sel is not before and sel.status == "provisional", said
        assert list(tab.later.jobs) == ["model"] and said in _text(tab.headline.value)
        strict = model_of(sel.problem.with_(budget=float(tab.budget.value)))
        assert _feasible_x(strict, sel.x) and sel.problem.links == tab.problem().links
        assert np.array_equal(sel.problem.value, tab.problem().value)
        drain()
        assert tab.selection.status != "provisional"
    assert "pmkit-error" not in tab.message.value, tab.message.value


def _another_weight(tab: Any) -> None:
    """The first pairwise comparison set to another value (the weights change)."""
    dd = next(iter(tab.pairs.values()))
    dd.value = next(v for _, v in dd.options if v != dd.value)
