"""Every notebook in notebooks/ opens offline, draws (if it has charts at first paint) and is clean.

A new dashboard is covered here the day it is added; the per-dashboard files test behaviour.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

NOTEBOOKS = sorted(
    p.name for p in (Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb")
)
# Pages whose first paint has no chart by design: the quiz (questions and buttons) and the
# importer (a chart appears after an upload; tests/browser/test_import.py covers it).
CHARTLESS = {"training_quiz.ipynb", "import_schedule.ipynb"}


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_dashboard_renders_offline_and_clean(open_dashboard, notebook: str) -> None:  # type: ignore[no-untyped-def]
    dash = open_dashboard(notebook, wait_charts=0 if notebook in CHARTLESS else 1)
    page = dash.page
    page.wait_for_selector(".pmkit-title", timeout=120_000)  # the dashboard's own header
    dash.assert_clean()
    assert not dash.blocked, f"non-local requests attempted: {dash.blocked}"  # offline, really
    assert page.locator(".pmkit-error").count() == 0, "the page shows an error panel"
