"""The PMO review's Prioritise tab in Voila + headless Chromium (offline): moving the budget
slider re-solves the portfolio, so the frontier's "Chosen portfolio" point and the chosen list
change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

NOTEBOOK = "pmo_portfolio_review.ipynb"
SHOTS = Path(os.environ.get("PMKIT_SCREENSHOTS", "/tmp"))

_FRONTIER_SVG = """() => {
    const c = [...document.querySelectorAll('.vega-embed')].find(e =>
        e.offsetParent !== null && e.textContent.includes('Efficient frontier'));
    return c ? c.innerHTML : '';
}"""


def _text(page: object, selector: str) -> str:
    return str(page.locator(selector).first.inner_text())  # type: ignore[attr-defined]


def test_budget_slider_moves_the_frontier_point_and_the_chosen_list(open_dashboard) -> None:
    dash = open_dashboard(NOTEBOOK, wait_charts=1)
    page = dash.page
    page.locator(".lm-TabBar-tab, .p-TabBar-tab", has_text="Prioritise").first.click()
    page.wait_for_function(
        "() => (document.querySelector('.pmkit-prio-headline') || {}).textContent"
        "?.includes('Chosen portfolio')",
        timeout=180_000,
    )
    assert "Consistency ratio 0.015" in dash.text()  # the sample's AHP judgements
    # free the waiting projects from the schedule links so the budget decides who goes ahead
    head = _text(page, ".pmkit-prio-headline")
    page.locator(".widget-checkbox", has_text="Respect cross-project").locator("input").click()
    page.wait_for_function(
        "h => (document.querySelector('.pmkit-prio-headline') || {}).textContent !== h",
        arg=head,
        timeout=180_000,
    )
    page.wait_for_function(f"() => ({_FRONTIER_SVG})().includes('Chosen portfolio')")
    before_list = _text(page, "#pmkit-prio-chosen")
    before_svg = page.evaluate(_FRONTIER_SVG)
    before_head = _text(page, ".pmkit-prio-headline")
    page.screenshot(path=str(SHOTS / "pmo_prioritise_before.png"), full_page=True)

    readout = page.locator(".pmkit-budget-slider .widget-readout").first
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("900000")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "h => (document.querySelector('.pmkit-prio-headline') || {}).textContent !== h",
        arg=before_head,
        timeout=180_000,
    )
    assert "900,000" in _text(page, ".pmkit-prio-headline")
    page.wait_for_function(
        f"before => ({_FRONTIER_SVG})() !== before", arg=before_svg, timeout=60_000
    )
    page.wait_for_function(  # the list is drawn after the CPM re-schedules the new starts
        # (the table is replaced by a "Rescheduling…" note meanwhile: no element, keep waiting)
        "() => (document.querySelector('#pmkit-prio-chosen') || {}).textContent?.includes('cut')",
        timeout=120_000,
    )
    after_list = _text(page, "#pmkit-prio-chosen")
    assert after_list != before_list
    assert "cut" in after_list and "cut" not in before_list
    page.screenshot(path=str(SHOTS / "pmo_prioritise_after.png"), full_page=True)
    _forced_out_shows_a_provisional_portfolio_first(page)
    dash.assert_clean()


_READY = """() => [...document.querySelectorAll('.pmkit-solve-progress')]
    .some(e => e.textContent.includes('Ready'))"""
_SETTLED = f"""() => ({_READY})() && !document.querySelector('.pmkit-prio-chosen.pmkit-stale')
    && !!document.querySelector('#pmkit-prio-chosen')"""


def _forced_out_shows_a_provisional_portfolio_first(page: object) -> None:
    """s11: a project forced out shows at once a provisional portfolio (labelled, what changed
    named), then the optimiser's answer, in which the project is cut."""
    wait = page.wait_for_function  # type: ignore[attr-defined]
    page.evaluate(  # every headline text from now on
        """() => { window.__heads = [];
        const h = document.querySelector('.pmkit-prio-headline');
        new MutationObserver(() => window.__heads.push(h.textContent))
            .observe(h, {subtree: true, childList: true, characterData: true}); }"""
    )  # type: ignore[attr-defined]
    page.locator(".widget-checkbox", has_text="Keep running").locator("input").click()  # type: ignore[attr-defined]
    wait("() => window.__heads.some(t => t.includes('Chosen portfolio'))", timeout=180_000)
    wait(_SETTLED, timeout=180_000)
    rows = page.evaluate(  # type: ignore[attr-defined]
        "() => [...document.querySelectorAll('#pmkit-prio-chosen tbody tr')]"
        ".map(r => [...r.cells].map(c => c.textContent))"
    )
    gone = next(r[0] for r in rows if not r[2].startswith("cut"))
    page.evaluate("() => { window.__heads.length = 0; }")  # type: ignore[attr-defined]
    force_out = page.locator(".widget-select-multiple", has_text="Force out").locator("select")  # type: ignore[attr-defined]
    labels = force_out.locator("option").all_inner_texts()
    force_out.select_option(index=next(i for i, t in enumerate(labels) if t.startswith(gone)))
    wait(  # a provisional portfolio, then the optimiser's answer after it
        """() => { const h = window.__heads;
        const i = h.findIndex(t => t.includes('Provisional portfolio'));
        return i >= 0 && h.slice(i + 1).some(t => t.includes('Chosen portfolio')); }""",
        timeout=180_000,
    )
    heads = page.evaluate("() => window.__heads")  # type: ignore[attr-defined]
    first = next(t for t in heads if "Provisional portfolio" in t)
    assert "not known" in first and f"{gone}" in first and "(forced out)" in first, heads
    wait(_SETTLED, timeout=180_000)
    row = page.evaluate(  # type: ignore[attr-defined]
        "id => [...document.querySelectorAll('#pmkit-prio-chosen tbody tr')]"
        ".map(r => [...r.cells].map(c => c.textContent)).find(r => r[0] === id)",
        gone,
    )
    assert row is not None and row[2].startswith("cut"), row
    page.screenshot(path=str(SHOTS / "pmo_prioritise_forced_out.png"), full_page=True)  # type: ignore[attr-defined]
