"""The Prioritise tab's widgets without a browser (the same story as the browser test): freeing
the schedule links and lowering the budget re-solves the portfolio, the headline names the new
budget, and the chosen list now cuts projects; the chosen cost stays within the budget."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from pmkit.io.csv_folder import load_portfolio
from pmkit.schedule.portfolio_adapter import schedule_portfolio
from pmkit.ui.prioritise import PrioritiseTab

REPO = Path(__file__).resolve().parents[2]


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_budget_moves_the_chosen_list_and_the_headline() -> None:
    pf = load_portfolio(REPO / "data")
    sched = schedule_portfolio(pf)
    review = SimpleNamespace(p=pf, schedule=lambda: sched, currency="EUR", label=str)
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
