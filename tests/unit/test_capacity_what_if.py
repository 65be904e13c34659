"""#12: a capacity what-if counts again only the projects it moves, and shows exactly what a
computation from scratch shows (engine: every array of the model; the Capacity tab: its
headline, heat map and tables after "Apply what-if" in a kernel that read the as-planned
picture from the shared cache)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pmkit import cache
from pmkit.io import csv_folder
from pmkit.portfolio import capacity
from pmkit.portfolio.capacity import CapacityError, capacity_model

FIELDS = ("resource_ids", "resource_names", "resource_roles", "project_ids", "months",
          "capacity", "cell_demand", "r", "p", "m", "demand", "priority", "allocated",
          "unmet")  # fmt: skip


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pmkit.generate import write_generated

    folder = tmp_path_factory.mktemp("gen") / "p40"
    write_generated(folder, n_projects=40, seed=5)
    return folder


def _same(a: capacity.CapacityModel, b: capacity.CapacityModel) -> None:
    for f in FIELDS:
        x, y = np.asarray(getattr(a, f)), np.asarray(getattr(b, f))
        assert x.shape == y.shape, f
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), f  # exact, not close


def _linked(pf: Any) -> list[str]:
    """Projects with assignments, the busiest first (a shift moves real hours)."""
    a = pf.assignments.merge(pf.tasks[["task_id", "project_id"]], on="task_id")
    return a["project_id"].value_counts().index.astype(str).tolist()


@pytest.mark.parametrize("window", [True, False])
def test_a_what_if_from_the_plan_equals_the_model_computed_from_scratch(
    generated: Path, window: bool
) -> None:
    from pmkit.schedule.portfolio_adapter import schedule_portfolio

    pf = csv_folder.load_portfolio(generated)
    sched = schedule_portfolio(pf)
    sd = pf.status_date or pd.Timestamp("2026-01-01")
    kw: dict[str, Any] = (
        {"start": sd - pd.DateOffset(months=3), "end": sd + pd.DateOffset(months=12)}
        if window
        else {}
    )
    busy = _linked(pf)
    plan = capacity_model(pf, sched, **kw)
    cases: list[tuple[dict[str, float], dict[str, int]]] = [
        ({busy[0]: 20}, {}),
        ({busy[1]: -35}, {busy[1]: 1}),
        ({}, {busy[2]: 999}),
        ({busy[0]: 5, busy[3]: 120}, {}),
        ({busy[4]: 0}, {}),  # a zero shift is no shift
    ]
    prev = plan
    for shifts, priorities in cases:
        scratch = capacity_model(pf, sched, shifts=shifts, priorities=priorities, **kw)
        got = plan.what_if(shifts, priorities)
        _same(got, scratch)
        # from the previous what-if too (its own shifts undone, these applied)
        _same(prev.what_if(shifts, priorities), scratch)
        # and the views read from it
        pd.testing.assert_frame_equal(got.overallocated(), scratch.overallocated())
        pd.testing.assert_frame_equal(got.shortfall(), scratch.shortfall())
        prev = got
    _same(prev.what_if(), plan)  # back to the plan
    # the shift moved demand (not a vacuous comparison)
    moved = plan.what_if({busy[0]: 120})
    assert not np.array_equal(moved.cell_demand, plan.cell_demand) or not window


def test_a_what_if_names_a_bad_shift_or_another_portfolio(generated: Path, tmp_path: Path) -> None:
    from pmkit.generate import write_generated

    pf = csv_folder.load_portfolio(generated)
    plan = capacity_model(pf, None)
    with pytest.raises(CapacityError, match="unknown project"):
        plan.what_if({"NOPE": 5})
    with pytest.raises(CapacityError, match="whole working days"):
        plan.what_if({_linked(pf)[0]: 2.5})
    write_generated(tmp_path / "other", n_projects=12, seed=3)
    other = csv_folder.load_portfolio(tmp_path / "other")
    with pytest.raises(CapacityError, match="another portfolio"):
        capacity_model(other, None, shifts={}, source=plan.source)


def test_the_source_pickles_without_the_portfolio(generated: Path) -> None:
    import pickle

    pf = csv_folder.load_portfolio(generated)
    plan = capacity_model(pf, None)
    blob = pickle.dumps(plan.source)
    assert len(blob) < len(pickle.dumps(pf))
    again = pickle.loads(blob)
    busy = _linked(pf)[0]
    _same(
        capacity_model(pf, None, shifts={busy: 10}, source=again),
        capacity_model(pf, None, shifts={busy: 10}),
    )


def test_the_capacity_tab_what_if_shows_what_a_computation_from_scratch_shows(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kernel that read the as-planned picture from the shared cache applies a what-if:
    the headline, the heat map's spec and the tables equal those built from an independently
    loaded copy with the engine run from scratch and the chart built by altair."""
    from pmkit.charts import portfolio as charts
    from pmkit.schedule.portfolio_adapter import schedule_portfolio
    from pmkit.ui import portfolio_review as pr
    from pmkit.ui import portfolio_views as views
    from pmkit.ui._common import live_chart

    monkeypatch.setenv("PMKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_MEMO", {})
    monkeypatch.setattr(cache, "_OWNER", {})
    cache.prewarm(generated, parts=(*cache.PARTS, cache.REVIEW))
    cache._MEMO.clear()  # another kernel: only the shared files
    cache._OWNER.clear()
    review = pr.PortfolioReview(cache.load_portfolio(generated))
    review.open_tab("Capacity")
    tab = review.tabs["Capacity"]
    fresh = csv_folder.load_portfolio(generated)
    sched = schedule_portfolio(fresh)
    window = cache.capacity_window(fresh)
    for pid, shift, prio in ((_linked(fresh)[0], 40, None), (_linked(fresh)[1], -20, 1)):
        tab.what_project.value = pid
        tab.shift.value = shift
        if prio is not None:
            tab.priority.value = prio
        tab.apply_what_if()
        priorities = tab.priorities  # set only if it differs from the plan's
        m = capacity_model(fresh, sched, shifts={pid: shift}, priorities=priorities, **window)
        cells = views.capacity_cells(m.by_role_month())
        over = views.overallocation_summary(m.overallocated())
        short = m.shortfall()
        base = capacity_model(fresh, sched, **window)
        base_cells = views.capacity_cells(base.by_role_month())
        now, was = views.overloaded_cells(cells), views.overloaded_cells(base_cells)
        assert f"<b>{was} → {now}</b>" in tab.headline.value
        assert (
            f"<b>{len(views.overallocation_summary(base.overallocated()))} → {len(over)}</b>"
            in (tab.headline.value)
        )
        assert tab.over.value == tab.over_html(over) + tab.short_html(short)
        desc = [f"start shifted {shift:+d} working days"]
        if priorities:
            desc.append(f"priority {prio}")
        title = f"What-if: {pid} {', '.join(desc)} (load %)"
        built = live_chart(charts.capacity_heatmap(cells, title=title))  # altair, validated
        assert tab.charts["heat"].spec == built.spec
    tab.reset()
    built = live_chart(
        charts.capacity_heatmap(
            base_cells, title="Demand vs capacity by role and month, % (as planned)"
        )
    )
    assert tab.charts["heat"].spec == built.spec
