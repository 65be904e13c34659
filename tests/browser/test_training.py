"""Teaching dashboards in a real browser, offline: lessons with live charts, the quiz, es/en."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "tests" / "browser" / "screenshots"
_NONE_BLOCKED = re.compile(r"\b0 of \d+ projects are blocked")  # whatever the portfolio's size


def _shot(dash, name: str, selector: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """A PNG to look at: the page, or one element (Voila scrolls inside its own container)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = str(SHOTS / f"{name}.png")
    if selector:
        dash.page.locator(selector).first.screenshot(path=path)
    else:
        dash.page.screenshot(path=path, full_page=True)


# charts shown only: each lesson's charts stay on the page, hidden while another is shown
_SVG_TITLES = """root => Array.from(root.querySelectorAll(
    '.vega-embed svg .role-title-text, .vega-embed svg .role-axis-title text,'
    + ' .vega-embed svg .role-legend-title text'))
    .filter(t => t.closest('.vega-embed').offsetParent !== null).map(t => t.textContent)"""


def _shown(page, selector: str):  # type: ignore[no-untyped-def]
    """The first element matching ``selector`` in a chart shown (not a hidden lesson's)."""
    return page.locator(selector).filter(visible=True).first


def _chart_titles(dash, selector: str = ".pmkit-lenses") -> list[str]:  # type: ignore[no-untyped-def]
    """Titles, axis and legend titles the browser actually drew (SVG text)."""
    return list(dash.page.locator(selector).first.evaluate(_SVG_TITLES))


def _lesson(dash, n: int) -> None:  # type: ignore[no-untyped-def]
    dash.page.locator(".pmkit-lessons .widget-toggle-buttons button", has_text=str(n)).first.click()
    dash.page.locator(".pmkit-lesson-title", has_text=f"{n}.").first.wait_for(timeout=60_000)


def _wait_titles(dash, want: str, selector: str = ".pmkit-lenses") -> list[str]:  # type: ignore[no-untyped-def]
    dash.page.wait_for_function(
        f"([sel, w]) => ({_SVG_TITLES})(document.querySelector(sel)).includes(w)",
        arg=[selector, want],
        timeout=60_000,
    )
    return _chart_titles(dash, selector)


def test_lessons_render_offline_and_switch_language(open_dashboard) -> None:  # type: ignore[no-untyped-def]
    dash = open_dashboard("training_lessons.ipynb", wait_charts=2)
    page = dash.page
    page.get_by_text("Dos siglas, dos unidades de análisis").first.wait_for(timeout=60_000)
    assert "Mirada de la PMO" in dash.text()
    _shot(dash, "training_lessons_es")
    # lesson 7: the PM's resource histogram next to the PMO's shared-capacity heat map
    _lesson(dash, 7)
    es = _wait_titles(dash, "Demanda / capacidad por perfil y mes, todos los proyectos (%)")
    assert {"Perfil", "Mes", "Semana", "% de la capacidad"} <= set(es), es
    _shown(page, ".pmkit-pmo-lens .vega-embed svg .mark-rect").wait_for(timeout=60_000)
    _shot(dash, "training_lessons_7_es_demo", ".pmkit-lenses")
    page.get_by_role("button", name="English").click()
    page.get_by_text("Assigned resources versus shared resources").first.wait_for(timeout=60_000)
    en = _wait_titles(dash, "Demand / capacity by role and month, all projects (%)")
    dash.wait_idle()  # the switch's every update has landed: a late Spanish re-embed too
    en = _chart_titles(dash)
    assert {"Role", "Month", "Week", "% of capacity"} <= set(en), en
    assert not set(en) & set(es), set(en) & set(es)  # no Spanish title left on any chart
    body = dash.text()
    assert "PMO lens: the portfolio" in body
    assert "Recursos asignados frente" not in body
    _shot(dash, "training_lessons_7_en_demo", ".pmkit-lenses")
    # and back: every chart returns to Spanish
    page.get_by_role("button", name="Español").click()
    back = _wait_titles(dash, "Demanda / capacidad por perfil y mes, todos los proyectos (%)")
    dash.wait_idle()
    back = _chart_titles(dash)
    assert not set(back) & set(en), set(back) & set(en)
    page.get_by_role("button", name="English").click()
    _wait_titles(dash, "Demand / capacity by role and month, all projects (%)")
    # PMO types tab: title-case buttons; switching the type changes the governance table
    page.get_by_text("PMO types").first.click()
    page.get_by_role("button", name="Supportive", exact=True).click()
    page.get_by_text(_NONE_BLOCKED).first.wait_for(timeout=60_000)
    page.get_by_role("button", name="Directive", exact=True).click()
    page.locator(".pmkit-type-summary", has_text="Directive PMO").first.wait_for(timeout=60_000)
    page.locator("#pmkit-governance .pmkit-red").first.wait_for(timeout=60_000)
    assert not _NONE_BLOCKED.search(dash.text())
    _shot(dash, "training_lessons_types_en", ".pmkit-lessons")
    dash.assert_clean()
    assert not [u for u in dash.blocked if "127.0.0.1" in u]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_lessons_screenshots_for_a_trainer(open_dashboard, lang: str) -> None:  # type: ignore[no-untyped-def]
    """Lessons 3, 6, 7, 8 as a class sees them; charts fit their panel, nothing is cut off."""
    dash = open_dashboard("training_lessons.ipynb", query=f"?lang={lang}", wait_charts=2)
    page = dash.page
    page.set_viewport_size({"width": 1400, "height": 2400})  # Voila scrolls inside: show it all
    for n in (3, 6, 7, 8):
        _lesson(dash, n)
        _shown(page, ".pmkit-pmo-lens .vega-embed svg .role-title-text").wait_for(timeout=60_000)
        dash.wait_idle()  # the lesson's demo and re-embeds done: measure the final layout
        _shot(dash, f"training_lesson_{n}_{lang}")
        # no chart is wider than its lens panel (the heat map's legend used to be cut off)
        over = page.evaluate(
            """() => Array.from(document.querySelectorAll('.pmkit-lenses .vega-embed svg'))
                .filter(s => s.closest('.widget-vbox').getBoundingClientRect().width > 0)
                .map(s => s.getBoundingClientRect().right
                           - s.closest('.widget-vbox').getBoundingClientRect().right)
                .filter(d => d > 1)"""
        )
        assert not over, (n, over)
    dash.assert_clean()


def test_lessons_fit_a_narrow_screen(open_dashboard) -> None:  # type: ignore[no-untyped-def]
    dash = open_dashboard("training_lessons.ipynb", query="?lang=en", wait_charts=2)
    page = dash.page
    page.set_viewport_size({"width": 800, "height": 1000})
    _lesson(dash, 7)
    _shown(page, ".pmkit-pmo-lens .vega-embed svg .role-legend").wait_for(timeout=60_000)
    # the lesson's charts may re-embed once its demo finishes: measure a legend that is drawn
    legend = panel = None
    for _ in range(60):
        page.wait_for_timeout(500)
        legend = _shown(page, ".pmkit-pmo-lens .vega-embed svg .role-legend").bounding_box()
        panel = page.locator(".pmkit-pmo-lens").first.bounding_box()
        if legend and panel:
            break
    assert legend and panel
    assert legend["x"] + legend["width"] <= panel["x"] + panel["width"] + 1, (legend, panel)
    _shot(dash, "training_lesson_7_en_narrow")
    dash.assert_clean()


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
