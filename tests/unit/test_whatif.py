"""What-if scenarios and change-request previews on a project small enough to schedule by hand.

Calendar Mon-Fri 8 h; project starts Mon 5 Jan 2026. A (5 d) -> B (3 d) -> M, A -> C (2 d) -> M.
By hand: A 5-9 Jan, B 12-14 Jan, C 12-13 Jan, M at 14 Jan 17:00; critical A, B, M (C has 1 d).
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from portfolio_fixtures import make_portfolio, project, task

from pmkit.errors import CycleError
from pmkit.schedule.whatif import WhatIfError, preview_change_request, what_if

T = pd.Timestamp


def _port(**extra: list) -> object:
    tasks = [
        task("P1-S", "P1", wbs="1", is_summary=True, duration_days=0.0, budgeted_cost=0.0),
        task("P1-A", "P1", wbs="1.1", outline_level=2, duration_days=5.0),
        task("P1-B", "P1", wbs="1.2", outline_level=2, duration_days=3.0),
        task("P1-C", "P1", wbs="1.3", outline_level=2, duration_days=2.0),
        task("P1-M", "P1", wbs="1.4", outline_level=2, duration_days=0.0, is_milestone=True),
    ]
    links = [
        {"pred_id": "P1-A", "succ_id": "P1-B", "type": "FS", "lag_days": 0.0},
        {"pred_id": "P1-A", "succ_id": "P1-C", "type": "FS", "lag_days": 0.0},
        {"pred_id": "P1-B", "succ_id": "P1-M", "type": "FS", "lag_days": 0.0},
        {"pred_id": "P1-C", "succ_id": "P1-M", "type": "FS", "lag_days": 0.0},
    ]
    return make_portfolio(
        projects=[project("P1", start="2026-01-05", budget=10_000.0)],
        tasks=tasks,
        links=links,
        **extra,
    )


def _with(tasks: pd.DataFrame, tid: str, values: dict) -> pd.DataFrame:
    out = tasks.copy()
    for col, v in values.items():
        out.loc[out["task_id"] == tid, col] = v
    return out


def test_no_change_moves_nothing() -> None:
    r = what_if(_port(), "P1")
    assert r.finish_before == r.finish_after == T("2026-01-14 17:00")
    assert r.finish_delta_days == 0 and not r.delta["moved"].any()


def test_longer_task_joins_critical_path() -> None:
    r = what_if(_port(), "P1", duration_changes={"P1-C": 5})
    # C 12-16 Jan: finish Fri 16 Jan, 2 working days later; C joins, B leaves the path
    assert r.finish_after == T("2026-01-16 17:00")
    assert r.finish_delta_days == pytest.approx(2.0)
    assert r.finish_delta_calendar_days == pytest.approx(2.0)
    assert r.critical_added == ["P1-C"] and r.critical_removed == ["P1-B"]
    d = r.delta.set_index("task_id")
    assert d.loc["P1-C", "finish_moved_days"] == pytest.approx(3.0)
    assert d.loc["P1-M", "start_moved_days"] == pytest.approx(2.0)
    assert not d.loc["P1-A", "moved"]
    assert set(r.moved["task_id"]) == {"P1-C", "P1-M", "P1-S"}
    assert r.changes.iloc[0].to_dict() == {
        "change": "duration",
        "target": "P1-C",
        "old": 2.0,
        "new": 5.0,
    }


def test_lag_and_links() -> None:
    lag = what_if(_port(), "P1", lag_changes={("P1-A", "P1-B"): 2})
    assert lag.finish_delta_days == pytest.approx(2.0)  # B 14-16 Jan
    removed = what_if(_port(), "P1", remove_links=[("P1-A", "P1-B")])
    # B now starts 5 Jan; the path is A -> C -> M: finish Tue 13 Jan
    assert removed.finish_after == T("2026-01-13 17:00")
    assert removed.finish_delta_days == pytest.approx(-1.0)
    assert "P1-C" in removed.critical_added and "P1-B" in removed.critical_removed
    added = what_if(_port(), "P1", add_links=[("P1-C", "P1-B", "FS", 0)])
    assert added.finish_after == T("2026-01-16 17:00")  # B after C: 14-16 Jan
    ss = what_if(
        _port(),
        "P1",
        add_links=[{"pred_id": "P1-C", "succ_id": "P1-B", "type": "SS", "lag_days": 1}],
    )
    assert ss.finish_delta_days == pytest.approx(1.0)  # B starts 13 Jan


def test_bad_scenarios_name_the_problem() -> None:
    p = _port()
    with pytest.raises(CycleError):
        what_if(p, "P1", add_links=[("P1-M", "P1-A")])
    with pytest.raises(WhatIfError, match="not in project"):
        what_if(p, "P1", duration_changes={"P9-X": 3})
    with pytest.raises(WhatIfError, match="summary"):
        what_if(p, "P1", duration_changes={"P1-S": 3})
    with pytest.raises(WhatIfError, match="no such link"):
        what_if(p, "P1", remove_links=[("P1-B", "P1-C")])
    with pytest.raises(WhatIfError, match=">= 0"):
        what_if(p, "P1", duration_changes={"P1-A": -1})
    with pytest.raises(WhatIfError, match="already exists"):
        what_if(p, "P1", add_links=[("P1-A", "P1-B")])
    # the portfolio itself never changes
    assert p.tasks.set_index("task_id").loc["P1-C", "duration_days"] == 2.0
    assert len(p.links) == 4


def test_change_request_preview() -> None:
    crs = [{"cr_id": "CR1", "project_id": "P1", "task_id": "P1-C", "scope_impact": "minor",
            "cost_impact": 1_000.0, "schedule_impact_days": 4.0, "significance": "minor",
            "decision": "pending"}]  # fmt: skip
    snaps = [{"project_id": "P1", "report_date": "2026-01-09", "pv": 5_000.0, "ev": 4_000.0,
              "ac": 5_000.0, "percent_complete": 40.0}]  # fmt: skip
    # the report of Fri 9 Jan is the status date: A (5 d, 5-9 Jan) is done by then
    p = _port(change_requests=crs, snapshots=snaps)
    done = {
        "percent_complete": 100.0,
        "actual_start": T("2026-01-05"),
        "actual_finish": T("2026-01-09"),
    }
    p = dataclasses.replace(p, tasks=_with(p.tasks, "P1-A", done))
    r = preview_change_request(p, "CR1")
    # C becomes 6 d: 12-19 Jan; finish Mon 19 Jan, 3 working days later
    assert r.finish_after == T("2026-01-19 17:00")
    assert r.finish_delta_days == pytest.approx(3.0)
    assert r.cost["budget_before"] == 10_000 and r.cost["budget_after"] == 11_000
    # CPI 0.8 -> EAC 12,500, plus the request's 1,000
    assert r.cost["eac_before"] == pytest.approx(12_500)
    assert r.cost["eac_after"] == pytest.approx(13_500)
    assert r.summary()["cost_impact"] == 1_000
    with pytest.raises(WhatIfError, match="unknown change request"):
        preview_change_request(_port(change_requests=crs), "CR9")


def test_sample_every_change_request() -> None:
    from pmkit.cache import load_sample

    p = load_sample()
    for rec in p.changes.itertuples(index=False):
        r = preview_change_request(p, rec.cr_id)
        assert r.cost["budget_after"] - r.cost["budget_before"] == pytest.approx(rec.cost_impact)
        # adding work never makes the project earlier, removing never makes it later
        if rec.schedule_impact_days > 0:
            assert r.finish_delta_days >= 0
        elif rec.schedule_impact_days < 0:
            assert r.finish_delta_days <= 0
