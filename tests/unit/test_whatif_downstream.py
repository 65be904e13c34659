"""#12: a what-if reschedules only what the change can move (the project and the projects
downstream of it through cross-project links), with the same dates as rescheduling the whole
portfolio."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pmkit.generate import write_generated
from pmkit.io.csv_folder import load_portfolio
from pmkit.schedule import portfolio_adapter as pa
from pmkit.schedule.whatif import apply_changes, what_if


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> object:
    folder: Path = tmp_path_factory.mktemp("gen") / "p40"
    write_generated(folder, n_projects=40, seed=5)
    return load_portfolio(folder)


def _unfinished_leaf(pf: object, pid: str) -> pd.Series:
    t = pf.tasks  # type: ignore[attr-defined]
    ok = (t["project_id"] == pid) & ~t["is_summary"].astype(bool) & t["actual_finish"].isna()
    return t[ok].iloc[0]


def _cross_project_pairs(pf: object) -> set[tuple[str, str]]:
    """(pred project, succ project) of every link between two projects, read from the CSV
    tables by hand."""
    proj = dict(zip(pf.tasks["task_id"], pf.tasks["project_id"], strict=True))  # type: ignore[attr-defined]
    lk = pf.links  # type: ignore[attr-defined]
    pairs = {(proj[a], proj[b]) for a, b in zip(lk["pred_id"], lk["succ_id"], strict=True)}
    return {(a, b) for a, b in pairs if a != b}


def test_a_what_if_reschedules_the_project_and_its_successors_with_the_full_dates(
    linked: object,
) -> None:
    pf = linked
    pairs = _cross_project_pairs(pf)
    assert pairs, "the generated portfolio must have cross-project links"
    ids = list(pf.project_ids)  # type: ignore[attr-defined]
    down = {p: pa.downstream_projects(pf, p) for p in ids}  # type: ignore[arg-type]
    # the projects with the most downstream, one that only receives links, one alone
    receivers = {b for _a, b in pairs} - {a for a, _b in pairs}
    picks = sorted(ids, key=lambda p: -len(down[p]))[:3] + sorted(receivers)[:1]
    assert len(down[picks[0]]) > 3
    for pid in picks:
        # every direct successor project of a reached project is reached
        reached = set(down[pid])
        assert {b for a, b in pairs if a in reached} <= reached
        leaf = _unfinished_leaf(pf, pid)
        durations = {leaf["task_id"]: float(leaf["duration_days"]) + 15.0}
        changed, _log = apply_changes(pf, pid, duration_changes=durations)  # type: ignore[arg-type]
        full_plan = pa.plan_at_status(changed)  # the whole portfolio, rescheduled
        full = pa.schedule_project(changed, pid)
        fast = pa.reschedule_project(pf, changed, pid)  # type: ignore[arg-type]
        cols = [c for c in full.tasks.columns if c != "external_preds_ignored"]
        pd.testing.assert_frame_equal(fast.tasks[cols], full.tasks[cols])
        pd.testing.assert_frame_equal(fast.links, full.links)
        assert fast.finish == full.finish
        # what the fast path leaves out indeed does not move in the full reschedule
        base = pa.plan_at_status(pf).tasks.set_index("uid")  # type: ignore[arg-type]
        after = full_plan.tasks.set_index("uid")
        outside = ~after["project_id"].isin(reached)
        for col in ("early_start", "early_finish", "late_finish", "total_slack_min"):
            pd.testing.assert_series_equal(after.loc[outside, col], base.loc[outside, col])
        # and the scenario did move something (the comparison is not of two unchanged plans)
        res = what_if(pf, pid, duration_changes=durations)  # type: ignore[arg-type]
        assert res.delta["moved"].any()
        pd.testing.assert_frame_equal(res.after.tasks[cols], full.tasks[cols])


def test_a_removed_cross_project_link_is_rescheduled_like_the_full_portfolio(
    linked: object,
) -> None:
    pf = linked
    pairs = _cross_project_pairs(pf)
    proj = dict(zip(pf.tasks["task_id"], pf.tasks["project_id"], strict=True))  # type: ignore[attr-defined]
    lk = pf.links  # type: ignore[attr-defined]
    cross = lk[lk["pred_id"].map(proj) != lk["succ_id"].map(proj)]
    assert len(cross) and pairs
    row = cross.iloc[0]
    pid = proj[row["succ_id"]]  # the successor's project drops its link to another project
    changed, _ = apply_changes(pf, pid, remove_links=[(row["pred_id"], row["succ_id"])])  # type: ignore[arg-type]
    full = pa.schedule_project(changed, pid)
    fast = pa.reschedule_project(pf, changed, pid)  # type: ignore[arg-type]
    cols = [c for c in full.tasks.columns if c != "external_preds_ignored"]
    pd.testing.assert_frame_equal(fast.tasks[cols], full.tasks[cols])
    assert fast.finish == full.finish


def test_the_why_chain_stops_at_a_driving_predecessor_in_another_project(linked: object) -> None:
    """Planning's "why this start" chain of a task driven from another project ends on that
    task, named as in another project (it used to fail: the task is not in the slice)."""
    from pmkit.ui.planning import chain_table

    pf = linked
    proj = dict(zip(pf.tasks["task_id"], pf.tasks["project_id"], strict=True))  # type: ignore[attr-defined]
    plan = pa.schedule_portfolio(pf)  # type: ignore[arg-type]
    lk = plan.links
    ext = lk[lk["driving"] & (lk["pred_uid"].map(proj) != lk["succ_uid"].map(proj))]
    assert len(ext), "the generated portfolio has a driving cross-project link"
    pred, succ = ext.iloc[0]["pred_uid"], ext.iloc[0]["succ_uid"]
    pid = proj[succ]
    sched = pa.schedule_project(pf, pid)  # type: ignore[arg-type]
    tasks = pf.tasks[pf.tasks["project_id"] == pid]  # type: ignore[attr-defined]
    table = chain_table(sched, tasks, succ)
    assert table["task"].iloc[0] == tasks.set_index("task_id").loc[succ, "name"]
    assert table["task"].iloc[-1] == f"{pred} (another project)"
    assert "another project" in table["driven_by"].iloc[-1]
