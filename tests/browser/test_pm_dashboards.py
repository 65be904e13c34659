"""PM lens dashboards in a real browser, offline: they draw, react to widgets, never show a
traceback, and show HTML in a project name as text."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.browser

SHOTS = "/tmp/pmkit-shots"


def _shot(dash: Any, name: str) -> None:
    import os

    os.makedirs(SHOTS, exist_ok=True)
    dash.page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def _text(dash: Any, selector: str) -> str:
    return str(dash.page.locator(selector).first.inner_text(timeout=60_000))


def _select(dash: Any, label: str, option_text: str) -> None:
    """Pick ``option_text`` in the ipywidgets dropdown described by ``label``."""
    box = dash.page.locator(".widget-dropdown", has_text=label).first
    sel = box.locator("select")
    value = sel.locator("option", has_text=option_text).first.get_attribute("value")
    sel.select_option(value=value)


def _wait_change(dash: Any, selector: str, old: str) -> str:
    dash.page.wait_for_function(
        "([sel, old]) => { const e = document.querySelector(sel); "
        "return e && e.innerText !== old; }",
        arg=[selector, old],
        timeout=60_000,
    )
    return _text(dash, selector)


def _wait_pixels_change(element: Any, before: bytes, seconds: float = 30.0) -> None:
    """Wait until a chart's pixels differ from ``before`` (a canvas redraw leaves the DOM as
    it was, so only its image tells that the view took the new data)."""
    import time

    deadline = time.monotonic() + seconds
    while element.screenshot() == before:
        assert time.monotonic() < deadline, "the chart was not redrawn"
        time.sleep(0.25)


def _task_options(dash: Any) -> str:
    box = dash.page.locator(".widget-dropdown", has_text="Task").first
    return str(box.locator("select").inner_text())


def _gantt_svg(dash: Any) -> str:
    return str(dash.page.locator(".vega-embed").first.inner_html())


def test_planning_renders_offline_and_what_if_moves_gantt_and_finish(open_dashboard: Any) -> None:
    dash = open_dashboard("pm_planning.ipynb", query="?project=P03", wait_charts=1)
    print(f"pm_planning: first chart after {dash.first_chart_s:.1f} s")
    dash.assert_clean()
    assert not dash.blocked or all("127.0.0.1" not in u for u in dash.blocked)
    assert "Customer Portal Redesign" in _text(dash, ".pmkit-project-name")
    _shot(dash, "planning")
    finish = _text(dash, ".pmkit-gantt-finish")
    gantt_before = _gantt_svg(dash)

    # what-if: lengthen the first task by 30 working days, Apply
    box = dash.page.locator(".widget-text", has_text="Duration (working days)").first
    field = box.locator("input")
    old = float(field.input_value())
    field.fill(str(old + 30))
    field.press("Enter")
    dash.page.get_by_role("button", name="Apply what-if").click()
    new_finish = _wait_change(dash, ".pmkit-gantt-finish", finish)
    assert new_finish != finish
    assert "What-if scenario" in _text(dash, ".pmkit-scenario")
    assert re.search(r"\d+ calendar days later", _text(dash, ".pmkit-finish")), _text(
        dash, ".pmkit-finish"
    )
    dash.page.wait_for_function(
        "old => document.querySelector('.vega-embed').innerHTML !== old",
        arg=gantt_before,
        timeout=60_000,
    )
    _shot(dash, "planning-whatif")
    dash.assert_clean()


def test_planning_project_switch_changes_every_panel_and_escapes_names(
    open_dashboard: Any,
) -> None:
    dash = open_dashboard("pm_planning.ipynb", query="?project=P03", wait_charts=1)
    summary = _text(dash, ".pmkit-project")
    chain = _text(dash, "#driving-chain")
    gantt = _gantt_svg(dash)
    tasks = _task_options(dash)
    _select(dash, "Project", "P05")
    new_summary = _wait_change(dash, ".pmkit-project", summary)
    # the name holds markup: it must show as typed, not as bold text
    assert 'Upgrade <b>ERP</b> & "billing"' in new_summary
    assert dash.page.locator(".pmkit-project-name b").count() == 0
    assert _wait_change(dash, "#driving-chain", chain) != chain
    dash.page.wait_for_function(
        "old => document.querySelector('.vega-embed').innerHTML !== old", arg=gantt, timeout=60_000
    )
    assert _task_options(dash) != tasks
    _shot(dash, "planning-p05")
    dash.assert_clean()


def test_tracking_renders_offline_and_follows_the_project(open_dashboard: Any) -> None:
    dash = open_dashboard("pm_tracking.ipynb", query="?project=P02", wait_charts=1)
    print(f"pm_tracking: first chart after {dash.first_chart_s:.1f} s")
    dash.assert_clean()
    assert "Data Centre Consolidation" in _text(dash, ".pmkit-project-name")
    body = dash.text()
    for words in ("SPI = EV / PV", "CPI = EV / AC", "SV(t)", "IEAC(t)", "EAC = BAC / CPI", "TCPI"):
        assert words in body, words
    _shot(dash, "tracking")
    kpis = _text(dash, "#evm-kpis")
    curve = dash.page.locator(".vega-embed").first  # the S-curve, first chart of the page
    before = curve.screenshot()
    _select(dash, "Project", "P06")
    assert _wait_change(dash, "#evm-kpis", kpis) != kpis
    name = _text(dash, ".pmkit-project-name")
    assert "R&D Lab <Phase 2>" in name
    # the S-curve's data is swapped into the drawn view (no new spec): its pixels must change
    _wait_pixels_change(curve, before)
    dash.page.get_by_role("tab", name="Risks & opportunities").click()
    dash.page.wait_for_selector("#risk-register", timeout=60_000)
    _shot(dash, "tracking-risks")
    dash.page.get_by_role("tab", name="Resources").click()
    _shot(dash, "tracking-resources")
    dash.assert_clean()


def test_tracking_monte_carlo_runs_with_progress(open_dashboard: Any) -> None:
    dash = open_dashboard("pm_tracking.ipynb", query="?project=P01", wait_charts=1)
    dash.page.get_by_role("tab", name="Monte Carlo").click()
    runs = dash.page.locator(".widget-text", has_text="Runs").first.locator("input")
    runs.fill("2000")
    runs.press("Enter")
    dash.page.get_by_role("button", name="Run simulation").click()
    dash.page.wait_for_selector("#mc-percentiles", timeout=120_000)
    for p in ("P50", "P80", "P90"):
        assert p in _text(dash, "#mc-percentiles")
    dash.page.wait_for_selector("#criticality", timeout=60_000)
    _shot(dash, "tracking-montecarlo")
    dash.assert_clean()
