"""The PMO review sends each chart's Vega-Lite dict without re-validating it on every redraw:
what the page is left showing must be the chart altair builds and validates from scratch.

Every chart a tab draws is caught on its way in; after each interaction (tab openings, a
filter, a slip propagated, a capacity what-if, a PMO type), each chart widget's spec equals a
fresh ``alt.JupyterChart`` of the last chart drawn there (altair's own, validated path).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from pmkit.charts.portfolio import capacity_heatmap
from pmkit.io.csv_folder import load_portfolio
from pmkit.ui import portfolio_review as pr
from pmkit.ui._common import live_chart
from pmkit.ui.portfolio_review._base import _Tab
from pmkit.ui.portfolio_review.capacity import CapacityTab

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def spied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, dict[Any, Any]]:
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    last: dict[Any, Any] = {}
    real = _Tab.chart

    def spy(self: _Tab, key: str, chart: Any) -> Any:
        if not isinstance(chart, dict):  # a dict: a placeholder or a spec drawn before (a view)
            last[(id(self), key)] = chart
        return real(self, key, chart)

    monkeypatch.setattr(_Tab, "chart", spy)
    real_heat = CapacityTab.heat

    def spy_heat(self: CapacityTab, cells: Any, title: str) -> None:
        # the heat map is redrawn by re-filling its spec (a dict): the chart it stands for
        last[(id(self), "heat")] = capacity_heatmap(cells, title=title)
        real_heat(self, cells, title)

    monkeypatch.setattr(CapacityTab, "heat", spy_heat)
    return pr.PortfolioReview(load_portfolio(data)), last


def _check(review: Any, last: dict[Any, Any]) -> int:
    n = 0
    for name, tab in review.tabs.items():
        for key, widget in tab.charts.items():
            if (id(tab), key) not in last:  # drawn by its own code (Prioritise), not _Tab.chart
                continue
            fresh = live_chart(last[(id(tab), key)])  # validates against the schema
            assert widget.spec == fresh.spec, (name, key)
            n += 1
    return n


def test_every_review_chart_shows_the_spec_altair_builds_and_validates(spied) -> None:  # type: ignore[no-untyped-def]
    review, last = spied
    for name in pr.TABS:
        review.open_tab(name)
    assert _check(review, last) >= 8
    programme = review.rollup_all["programme"].value_counts().index[0]
    review.f["programme"].value = programme
    for name in pr.TABS:
        review.open_tab(name)  # each tab redrawn on the filtered projects
        _check(review, last)
    dep = review.tabs["Dependencies"]
    dep.milestone.value = next(v for _, v in dep.milestone.options)
    dep.days.value = 45
    dep.go.click()
    assert "pmkit-error" not in dep.message.value
    cap = review.tabs["Capacity"]
    cap.what_project.value = next(v for _, v in cap.what_project.options if v)
    cap.shift.value = 30
    cap.apply_btn.click()
    gov = review.tabs["Governance"]
    gov.pmo_type.value = "directive"
    review.clear_filters()
    _check(review, last)


def _shown(tab: Any) -> dict[str, Any]:
    """What a tab shows: every chart's spec and every picker's options / text's value."""
    out: dict[str, Any] = {k: w.spec for k, w in tab.charts.items()}
    for attr, w in vars(tab).items():
        if attr in ("message", "charts", "widget", "r"):
            continue
        if hasattr(w, "options"):
            out[attr] = (tuple(w.options), w.value)
        elif isinstance(getattr(w, "value", None), str):
            out[attr] = w.value
    return out


def test_a_tab_opened_from_the_shared_view_equals_one_computed_from_scratch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """#12 s7: on the whole portfolio a tab's picture is computed once per data version and
    shared between kernels (a preheated kernel computes it before the request). A second
    kernel (process memory forgotten, cache files kept) whose tabs cannot compute anything
    shows exactly what a review computed from scratch shows; with a filter the tab computes
    again, and equals the scratch review's filtered tab."""
    from pmkit import cache
    from pmkit.ui import _common
    from pmkit.ui.portfolio_review import review as rv

    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    monkeypatch.setenv("PMKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_MEMO", {})
    monkeypatch.setattr(_common, "_PREBUILDING", [True])  # a preheated kernel's page
    pr.PortfolioReview(cache.load_portfolio(data))
    monkeypatch.setattr(_common, "_PREBUILDING", [])
    monkeypatch.setattr(cache, "_MEMO", {})  # the viewer's kernel: a new process

    def fail(self: Any) -> None:
        raise AssertionError(f"{type(self).__name__} computed its picture")

    for name in rv.AHEAD:
        monkeypatch.setattr(rv.tab_class(name), "refresh", fail)
    shared = pr.PortfolioReview(cache.load_portfolio(data))
    for name in rv.AHEAD:
        shared.open_tab(name)
    monkeypatch.undo()
    scratch = pr.PortfolioReview(load_portfolio(data))  # not from the cache: computed
    for name in rv.AHEAD:
        assert "pmkit-error" not in shared.tabs[name].message.value, name
        assert _shown(shared.tabs[name]) == _shown(scratch.open_tab(name)), name
    programme = scratch.rollup_all["programme"].value_counts().index[0]
    for review in (shared, scratch):
        review.f["programme"].value = programme
        for name in rv.AHEAD:
            review.open_tab(name)
    for name in rv.AHEAD:
        assert _shown(shared.tabs[name]) == _shown(scratch.tabs[name]), name
