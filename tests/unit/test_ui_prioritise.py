"""The Prioritise tab's widgets without a browser (the same story as the browser test): freeing
the schedule links and lowering the budget re-solves the portfolio, the headline names the new
budget, and the chosen list now cuts projects; the chosen cost stays within the budget."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

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
