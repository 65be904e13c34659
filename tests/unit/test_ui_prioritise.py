"""The Prioritise tab's widgets without a browser (the same story as the browser test): freeing
the schedule links and lowering the budget re-solves the portfolio, the headline names the new
budget, and the chosen list now cuts projects; the chosen cost stays within the budget."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

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


def test_the_page_answers_first_and_fills_in_step_by_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """#10 s6: in a kernel the callback returns once the ranking and the chosen portfolio are
    on the page; the rest (branch and cut on a big portfolio, CPM finishes, "why", the
    frontier point by point) runs in steps on the kernel's event loop, and a click between two
    steps is answered on the same model. Here the loop is a list of held steps run one by one,
    and the sample's 12 candidates count as "big"."""
    import pmkit.ui.prioritise as ui
    from pmkit.portfolio import prioritise as engine

    held: list = []
    monkeypatch.setattr(ui, "_soon", lambda step: held.append(step) or True)
    monkeypatch.setattr(ui, "BIG", 5)
    pf = load_portfolio(REPO / "data")
    sched = schedule_portfolio(pf)
    review = SimpleNamespace(p=pf, schedule=lambda: sched, currency="EUR", label=str, labels={})
    tab = PrioritiseTab(review)
    assert "Chosen portfolio" in tab.headline.value and "pmkit-prio-ranked" in tab.ranked.value
    assert tab._points is None and tab.busy.description != "Ready" and held
    assert "rescheduling…" in tab.chosen.value or tab.selection.status == "first"
    while held:
        held.pop(0)()
    tab.use_links.value = False  # a new model (the budget now decides): a new frontier
    assert tab._points is None and held
    runs = 0
    while held and tab._points is None:  # up to the first frontier point
        held.pop(0)()
        runs += 1
    model, first = tab._frontier, tab._points
    assert first is not None and len(first) < ui.FRONTIER_POINTS and held
    tab.budget.value = 900_000  # a click between two frontier steps
    assert "900,000" in tab.headline.value and tab._frontier is model
    while held:
        held.pop(0)()
        runs += 1
    assert runs > 3 and tab.busy.description == "Ready"
    assert len(tab._points) == ui.FRONTIER_POINTS and tab._frontier is model
    assert "rescheduling…" not in tab.chosen.value and "pmkit-prio-chosen" in tab.chosen.value
    assert "Finding the binding" not in tab.why.value
    sel = tab.selection
    assert sel.status != "first" and sel.cost <= 900_000 + 1e-6
    fresh = engine.solve(sel.problem, time_limit=30.0, gap=1e-9)
    assert sel.value >= fresh.value * (1 - ui.GAP_BIG) - 1e-9
    assert "pmkit-error" not in tab.message.value, tab.message.value


def test_steps_wait_for_the_kernels_loop_only_inside_a_kernel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Outside a kernel a loop marked running (Playwright's sync API leaves one in a test
    process) gets no step: they run at once. Inside a kernel they go on its loop."""
    import sys
    import types

    import pmkit.ui.prioritise as ui

    called: list[Any] = []
    fake_loop = SimpleNamespace(call_soon=called.append)
    monkeypatch.setattr(ui.asyncio, "get_running_loop", lambda: fake_loop)
    monkeypatch.delitem(sys.modules, "ipykernel.kernelapp", raising=False)
    assert ui._soon(lambda: None) is False and not called

    class App:
        @staticmethod
        def initialized() -> bool:
            return True

    monkeypatch.setitem(sys.modules, "ipykernel.kernelapp", types.SimpleNamespace(IPKernelApp=App))
    step = lambda: None  # noqa: E731
    assert ui._soon(step) is True and called == [step]
