"""The PMO portfolio review in Voila + headless Chromium, offline (every non-local request blocked).

Screenshots land in ``$PMKIT_SCREENSHOTS`` (default ``/tmp``) for a human to look at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

NOTEBOOK = "pmo_portfolio_review.ipynb"
SHOTS = Path(os.environ.get("PMKIT_SCREENSHOTS", "/tmp"))


def _rows(page: object) -> int:
    return int(page.locator("#pmo-rollup tbody tr").count())  # type: ignore[attr-defined]


def _column(page: object, header: str) -> list[str]:
    """Texts of one roll-up column, found by its header (the column order may change)."""
    heads = page.locator("#pmo-rollup thead th").all_inner_texts()  # type: ignore[attr-defined]
    i = heads.index(header) + 1
    return page.locator(f"#pmo-rollup tbody tr td:nth-child({i})").all_inner_texts()  # type: ignore[attr-defined]


def _select(page: object, label: str, option: str) -> None:
    """Pick ``option`` in the ipywidgets Dropdown whose description is ``label``."""
    box = page.locator(".widget-dropdown", has=page.get_by_text(label, exact=True))  # type: ignore[attr-defined]
    box.locator("select").first.select_option(label=option)


def _tab(page: object, name: str) -> None:
    page.locator(".lm-TabBar-tab, .p-TabBar-tab", has_text=name).first.click()  # type: ignore[attr-defined]


def _marks_drawn(page: object) -> int:
    return int(
        page.evaluate(  # type: ignore[attr-defined]
            """() => [...document.querySelectorAll('.vega-embed')].filter(c =>
                   c.offsetParent !== null && c.querySelector('svg .mark-rect, svg .mark-symbol,'
                   + ' svg .mark-line, svg .mark-rule, svg .mark-text, canvas')).length"""
        )
    )


def test_renders_offline_and_filters_change_table_and_chart(open_dashboard) -> None:
    dash = open_dashboard(NOTEBOOK, wait_charts=1)
    page = dash.page
    page.wait_for_selector("#pmo-rollup tbody tr", timeout=60_000)
    print(f"\npmo_portfolio_review: first chart after {dash.first_chart_s:.1f} s")
    assert "Portfolio review" in dash.text()
    assert not dash.blocked or all("127.0.0.1" not in u for u in dash.blocked)
    total = _rows(page)
    assert total >= 10
    # drill-down links point at the PM dashboards, relative to /voila/render/
    href = page.locator("#pmo-rollup a.pmkit-drill").first.get_attribute("href")
    assert re.fullmatch(r"pm_planning\.ipynb\?project=P\d+", href or ""), href
    # a status chip carries the rule that produced it
    title = page.locator("#pmo-rollup .pmkit-badge").first.get_attribute("title") or ""
    assert re.match(r"(green|amber|red|grey): ", title), title
    page.screenshot(path=str(SHOTS / "pmo_overview.png"), full_page=True)

    svg_before = page.locator(".vega-embed").first.inner_html()
    programme = _column(page, "Programme")[0]
    _select(page, "Programme", programme)
    page.wait_for_function(
        "n => document.querySelectorAll('#pmo-rollup tbody tr').length < n", arg=total
    )
    assert 0 < _rows(page) < total
    assert set(_column(page, "Programme")) == {programme}
    page.wait_for_function(
        "before => document.querySelector('.vega-embed').innerHTML !== before",
        arg=svg_before,
        timeout=30_000,
    )
    assert "Showing" in dash.text() and f"programme: {programme}" in dash.text()
    page.screenshot(path=str(SHOTS / "pmo_overview_filtered.png"), full_page=True)
    dash.assert_clean()


def test_html_in_a_project_name_shows_as_text(open_dashboard) -> None:
    dash = open_dashboard(NOTEBOOK, wait_charts=1)
    page = dash.page
    page.wait_for_selector("#pmo-rollup tbody tr", timeout=60_000)
    names = _column(page, "Name")
    tagged = [n for n in names if "<" in n and ">" in n]
    assert tagged, f"the sample should have a name with markup in it: {names}"
    # the markup is shown as typed, and no element was injected from it
    assert page.locator("#pmo-rollup td b, #pmo-rollup td script, #pmo-rollup td img").count() == 0
    assert page.locator("body b:text-is('ERP')").count() == 0
    dash.assert_clean()


def test_every_tab_draws(open_dashboard) -> None:
    dash = open_dashboard(NOTEBOOK, wait_charts=1)
    page = dash.page
    for name, n_charts in (
        ("Capacity", 1),
        ("Dependencies", 2),
        ("Risks", 2),
        ("Governance", 1),
        ("Trends", 3),
    ):
        _tab(page, name)
        page.wait_for_function(
            """n => [...document.querySelectorAll('.vega-embed')].filter(c =>
                   c.offsetParent !== null && c.querySelector('svg .mark-rect, svg .mark-symbol,'
                   + ' svg .mark-line, svg .mark-rule, svg .mark-text, canvas')).length >= n""",
            arg=n_charts,
            timeout=60_000,
        )
        assert "Could not show this panel" not in dash.text(), name
        page.screenshot(path=str(SHOTS / f"pmo_{name.lower()}.png"), full_page=True)
        if name == "Capacity":  # a what-if redraws the heat map from its re-filled spec
            page.locator("button", has_text="Apply what-if").first.click()
            page.wait_for_function(
                """() => [...document.querySelectorAll('.vega-embed svg text')].some(t =>
                       (t.textContent || '').startsWith('What-if:'))
                   && [...document.querySelectorAll('.vega-embed')].some(c =>
                       c.offsetParent !== null && c.querySelector('svg .mark-rect'))""",
                timeout=60_000,
            )
    # exports come back as download links carrying the file, with the path written
    _tab(page, "Export")
    page.locator("button", has_text="Roll-up (Excel)").click()
    link = page.wait_for_selector("a.pmkit-download", timeout=60_000)
    assert (link.get_attribute("download") or "").endswith(".xlsx")
    assert (link.get_attribute("href") or "").startswith("data:application/vnd.openxmlformats")
    assert "Written to" in dash.text()
    dash.assert_clean()


def test_recorded_decision_survives_a_reload(open_dashboard, voila_server) -> None:
    dash = open_dashboard(NOTEBOOK, wait_charts=1)
    page = dash.page
    _tab(page, "Change board")
    page.wait_for_selector("#pmo-changes tbody tr", timeout=60_000)
    cr_select = page.locator(".widget-dropdown", has=page.get_by_text("Change", exact=True))
    cr_label = cr_select.locator("select option").first.inner_text()
    cr_id = re.split(r"\s", cr_label.strip())[0]
    page.locator(".widget-toggle-buttons button", has_text="Defer").click()
    page.locator(".widget-text", has=page.get_by_text("Decided by", exact=True)).locator(
        "input"
    ).fill("Browser Test Chair")
    page.locator(".widget-textarea textarea").fill("Waiting for the Q1 budget round")
    page.locator(".pmkit-record-decision").click()
    page.wait_for_selector(".pmkit-recorded", timeout=30_000)
    assert (voila_server.data_dir / "decisions_log.csv").exists()
    page.screenshot(path=str(SHOTS / "pmo_change_board.png"), full_page=True)

    again = open_dashboard(NOTEBOOK, wait_charts=1)
    _tab(again.page, "Change board")
    again.page.wait_for_selector("#pmo-changes tbody tr", timeout=60_000)
    row = again.page.locator("#pmo-changes tbody tr", has_text=cr_id).first
    text = row.inner_text()
    assert "Deferred" in text and "Browser Test Chair" in text, text
    again.assert_clean()
    dash.assert_clean()
