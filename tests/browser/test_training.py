"""Teaching dashboards in a real browser, offline: lessons with live charts, the quiz, es/en."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "tests" / "browser" / "screenshots"


def _shot(dash, name: str, selector: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """A PNG to look at: the page, or one element (Voila scrolls inside its own container)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = str(SHOTS / f"{name}.png")
    if selector:
        dash.page.locator(selector).first.screenshot(path=path)
    else:
        dash.page.screenshot(path=path, full_page=True)


def test_lessons_render_offline_and_switch_language(open_dashboard) -> None:  # type: ignore[no-untyped-def]
    dash = open_dashboard("training_lessons.ipynb", wait_charts=2)
    page = dash.page
    page.get_by_text("Dos siglas, dos unidades de análisis").first.wait_for(timeout=60_000)
    assert "Mirada de la PMO" in dash.text()
    _shot(dash, "training_lessons_es")
    # lesson 7: the PM's resource histogram next to the PMO's shared-capacity heat map
    page.locator(".pmkit-lessons .widget-toggle-buttons button", has_text="7").first.click()
    page.get_by_text("Recursos asignados frente a recursos compartidos").first.wait_for(
        timeout=60_000
    )
    page.locator(".pmkit-pmo-lens .vega-embed svg .mark-rect").first.wait_for(timeout=60_000)
    page.locator(".pmkit-pm-lens .vega-embed svg .mark-rect").first.wait_for(timeout=60_000)
    _shot(dash, "training_lessons_7_es_demo", ".pmkit-lenses")
    page.get_by_role("button", name="English").click()
    page.get_by_text("Assigned resources versus shared resources").first.wait_for(timeout=60_000)
    body = dash.text()
    assert "PMO lens: the portfolio" in body
    assert "Recursos asignados frente" not in body
    _shot(dash, "training_lessons_7_en_demo", ".pmkit-lenses")
    # PMO types tab: switching the type changes the governance table
    page.get_by_text("PMO types").first.click()
    page.get_by_role("button", name="supportive").click()
    page.get_by_text("0 of 14 projects are blocked").first.wait_for(timeout=60_000)
    page.get_by_role("button", name="directive").click()
    page.locator(".pmkit-type-summary", has_text="Directive PMO").first.wait_for(timeout=60_000)
    page.locator("#pmkit-governance .pmkit-red").first.wait_for(timeout=60_000)
    assert "0 of 14 projects are blocked" not in dash.text()
    _shot(dash, "training_lessons_types_en", ".pmkit-lessons")
    dash.assert_clean()
    assert not [u for u in dash.blocked if "127.0.0.1" in u]


def test_quiz_feedback_and_language(open_dashboard) -> None:  # type: ignore[no-untyped-def]
    dash = open_dashboard("training_quiz.ipynb", query="?lang=en", wait_charts=0)
    page = dash.page
    page.locator(".pmkit-situation").first.wait_for(timeout=90_000)
    assert "Scenario 1 of" in dash.text()
    # q01 (file order): the answer is PM
    page.get_by_role("button", name="PM", exact=True).click()
    page.locator(".pmkit-feedback").first.wait_for(timeout=60_000)
    page.get_by_text("Score: 1 of 1 (100%)").first.wait_for(timeout=60_000)
    text = dash.text()
    assert "Correct!" in text
    assert "Score: 1 of 1 (100%)" in text
    assert "Distinction 1" in text
    _shot(dash, "training_quiz_en_feedback")
    page.get_by_role("button", name="Next ▶").click()
    page.get_by_role("button", name="Both", exact=True).click()
    page.get_by_text("Not quite.").first.wait_for(timeout=60_000)
    page.get_by_text("Score: 1 of 2 (50%)").first.wait_for(timeout=60_000)
    page.get_by_role("button", name="Español").click()
    page.get_by_text("Puntuación: 1 de 2 (50%)").first.wait_for(timeout=60_000)
    page.get_by_text("No exactamente.").first.wait_for(timeout=60_000)
    page.get_by_role("button", name="Modo formador").click()
    page.locator("#pmkit-class-summary").first.wait_for(timeout=60_000)
    _shot(dash, "training_quiz_es_trainer")
    dash.assert_clean()
