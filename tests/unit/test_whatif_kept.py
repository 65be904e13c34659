"""#12: a what-if reuses the project's sub-network engine table (kept per project, the edited
rows made again) and redraws the Gantt from the current schedule's rows: the dates must equal,
date for date, those of rescheduling the whole edited portfolio from scratch, and the page
must show exactly what the slow path shows."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from _fake_page import fake_page  # noqa: F401  (a page that embeds each chart)

from pmkit.cache import load_sample
from pmkit.charts.gantt import gantt_every_row, gantt_redate
from pmkit.generate import write_generated
from pmkit.io.csv_folder import load_portfolio
from pmkit.schedule import portfolio_adapter as pa
from pmkit.schedule.whatif import apply_changes, compare_schedules


@pytest.fixture(scope="module")
def sample() -> Any:
    return load_sample()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder: Path = tmp_path_factory.mktemp("gen") / "p30"
    write_generated(folder, n_projects=30, seed=11)
    return load_portfolio(folder)


@pytest.fixture(scope="module")
def two_calendars(sample: Any) -> Any:
    """The sample with every third task of P01..P03 on the part-time calendar (the
    multi-calendar passes), as a real plan with resource calendars has."""
    t = sample.tasks.copy()
    pick = t["project_id"].isin(["P01", "P02", "P03"]) & (t.index % 3 == 0)
    t.loc[pick, "calendar_id"] = "Part-time"
    return dataclasses.replace(sample, tasks=t)


def _leaves(pf: Any, pid: str) -> pd.DataFrame:
    t = pf.tasks
    return t[(t["project_id"] == pid) & ~t["is_summary"].astype(bool)]


def _scenarios(pf: Any, pid: str) -> list[dict[str, Any]]:
    """Edits of every kind: durations (longer, shorter, to zero; a started task, a task not
    started), a lag, a new link, a removed link (inside the project, and from another
    project), and two edits at once."""
    leaves = _leaves(pf, pid)
    open_ = leaves[leaves["actual_finish"].isna()]
    started = open_[open_["actual_start"].notna()]
    later = open_[open_["actual_start"].isna()]
    lk = pf.links
    ids = set(leaves["task_id"])
    inside = lk[lk["pred_id"].isin(ids) & lk["succ_id"].isin(ids)]
    into = lk[~lk["pred_id"].isin(set(pf.tasks.loc[pf.tasks["project_id"] == pid, "task_id"]))]
    into = into[into["succ_id"].isin(ids)]
    out: list[dict[str, Any]] = []
    for rows in (later.head(2), started.head(1), later.tail(1)):
        for _, r in rows.iterrows():
            d = float(r["duration_days"])
            out.append({"duration_changes": {r["task_id"]: d + 9}})
            out.append({"duration_changes": {r["task_id"]: max(d - 2, 0.5)}})
    if len(later):
        out.append({"duration_changes": {later.iloc[0]["task_id"]: 0.0}})
    if len(inside):
        a, b = inside.iloc[-1]["pred_id"], inside.iloc[-1]["succ_id"]
        out.append({"lag_changes": {(a, b): 4.0}})
        out.append({"remove_links": [(a, b)]})
    if len(later) >= 2:
        a, b = later.iloc[0]["task_id"], later.iloc[-1]["task_id"]
        linked = ((lk["pred_id"] == a) & (lk["succ_id"] == b)).any()
        if not linked and a != b:
            out.append({"add_links": [(a, b, "FS", 2.0)]})
            out.append({"add_links": [(a, b, "SS", 0.0)], "duration_changes": {a: 30.0}})
    if len(into):
        out.append({"remove_links": [(into.iloc[0]["pred_id"], into.iloc[0]["succ_id"])]})
    return out


def _check_same_as_full(pf: Any, pid: str, edits: dict[str, Any], kept_used: list[bool]) -> None:
    changed, _ = apply_changes(pf, pid, **edits)
    fast = pa.reschedule_project(pf, changed, pid)
    full = pa.schedule_project(changed, pid)  # the whole edited portfolio, scheduled anew
    cols = [c for c in full.tasks.columns if c != "external_preds_ignored"]
    pd.testing.assert_frame_equal(fast.tasks[cols], full.tasks[cols], obj=f"{pid} {edits}")
    pd.testing.assert_frame_equal(fast.links, full.links, obj=f"{pid} {edits}")
    assert fast.finish == full.finish, (pid, edits)
    assert kept_used[-1], f"{pid} {edits}: the kept table was not used"


@pytest.mark.parametrize("which", ["sample", "generated", "two_calendars"])
def test_kept_subnetwork_gives_the_full_reschedule_dates(
    which: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    pf = request.getfixturevalue(which)
    used: list[bool] = []
    real = pa._subnetwork_edited

    def spy(*a: Any, **k: Any) -> Any:
        out = real(*a, **k)
        used.append(out is not None)
        return out

    monkeypatch.setattr(pa, "_subnetwork_edited", spy)
    down = {p: len(pa.downstream_projects(pf, p)) for p in pf.project_ids}
    # the project reaching most others (a cross-project cycle on the sample), and one alone
    pids = [max(down, key=down.__getitem__), min(down, key=down.__getitem__)]
    moved = 0
    for pid in pids:
        for edits in _scenarios(pf, pid):
            _check_same_as_full(pf, pid, edits, used)
            moved += 1
    assert moved >= 12
    # the kept table is not changed by the edits: no edit gives the current plan again
    for pid in pids:
        changed, _ = apply_changes(pf, pid)
        again = pa.reschedule_project(pf, changed, pid)
        now = pa.schedule_project(pf, pid)
        cols = [c for c in now.tasks.columns if c != "external_preds_ignored"]
        pd.testing.assert_frame_equal(again.tasks[cols], now.tasks[cols])


def test_an_edit_the_kept_table_cannot_take_is_scheduled_anew(sample: Any) -> None:
    """A changed calendar, project or constraint is not patched in: the table is built again
    (same dates as the full reschedule)."""
    t = sample.tasks.copy()
    tid = _leaves(sample, "P05").iloc[-1]["task_id"]
    t.loc[t["task_id"] == tid, "constraint_type"] = "SNET"
    t.loc[t["task_id"] == tid, "constraint_date"] = pd.Timestamp("2027-03-01")
    changed = dataclasses.replace(sample, tasks=t)
    assert pa._subnetwork_edited(sample, changed, {"P05"}, pa._cached_plan(sample)) is None
    fast = pa.reschedule_project(sample, changed, "P05")
    full = pa.schedule_project(changed, "P05")
    row = full.tasks.set_index("uid").loc[tid]
    assert row["start"] >= pd.Timestamp("2027-03-01")  # the constraint did move it
    cols = [c for c in full.tasks.columns if c != "external_preds_ignored"]
    pd.testing.assert_frame_equal(fast.tasks[cols], full.tasks[cols])


def test_redated_gantt_rows_equal_rows_built_anew(sample: Any, generated: Any) -> None:
    for pf, pid in ((sample, "P01"), (sample, "P13"), (generated, generated.project_ids[3])):
        tasks = pf.tasks[pf.tasks["project_id"] == pid]
        base = pa.schedule_project(pf, pid)
        every = gantt_every_row(tasks, base)
        for edits in _scenarios(pf, pid)[:6]:
            changed, _ = apply_changes(pf, pid, **edits)
            after = pa.reschedule_project(pf, changed, pid)
            redated = gantt_redate(every, after)
            assert redated is not None
            pd.testing.assert_frame_equal(redated, gantt_every_row(tasks, after))
        # a schedule of other tasks cannot be redated
        assert gantt_redate(every, base.tasks.iloc[1:]) is None
        assert gantt_redate(every, base.tasks.drop(columns=["critical"])) is None


def test_compare_schedules_pairs_tasks_whatever_their_order(sample: Any) -> None:
    """The delta pairs rows by task id: a shuffled schedule gives the same delta; a task only
    in one schedule keeps its row with the other side empty. The move is counted apart with
    numpy's business days (weekends and the calendar's holidays off; same time of day)."""
    import numpy as np

    before = pa.schedule_project(sample, "P05")
    tid = _leaves(sample, "P05").iloc[-1]["task_id"]
    after = dataclasses.replace(before, tasks=before.tasks.copy())
    at = after.tasks["uid"] == tid
    start = after.tasks.loc[at, "start"].iloc[0]
    later = start + pd.offsets.BDay(3)  # three weekdays later, same time of day
    after.tasks.loc[at, "start"] = later
    delta, _, _ = compare_schedules(before, after, minutes_per_day=480.0)
    row = delta.set_index("task_id").loc[tid]
    hol = sample.holidays.loc[sample.holidays["calendar_id"] == "Standard", "date"]
    days = np.busday_count(
        start.date(), later.date(), holidays=pd.to_datetime(hol).dt.date.tolist()
    )
    assert row["moved"] and row["start_moved_days"] == pytest.approx(float(days))
    assert int(delta["moved"].sum()) == 1
    shuffled = dataclasses.replace(after, tasks=after.tasks.sample(frac=1.0, random_state=3))
    pd.testing.assert_frame_equal(
        compare_schedules(before, shuffled, minutes_per_day=480.0)[0], delta
    )
    fewer = dataclasses.replace(after, tasks=after.tasks[~at])
    d2, _, _ = compare_schedules(before, fewer, minutes_per_day=480.0)
    assert len(d2) == len(delta) and pd.isna(d2.set_index("task_id").loc[tid, "new_start"])


@pytest.mark.usefixtures("fake_page")
def test_what_if_page_equals_the_slow_path(sample: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page after each what-if (Gantt spec, every panel) equals the page built with the
    kept table and the redated rows switched off; the Gantt is the chart built from the full
    reschedule; it is sent before the what-if table."""
    from pmkit.charts.gantt import gantt_chart, gantt_rows
    from pmkit.ui import planning
    from pmkit.ui.planning import PlanningDashboard

    def page(db: PlanningDashboard) -> dict[str, Any]:
        texts = ("summary", "chain", "gantt_note", "gantt_msg", "wi_out", "cr_out")
        return {"gantt": db.gantt.spec, **{n: getattr(db, n).value for n in texts}}

    order: list[str] = []

    def run(db: PlanningDashboard, pid: str, edits: list[tuple[str, float]]) -> list[Any]:
        db.project.value = pid
        shown = []
        for tid, days in edits:
            db.wi_task.value = tid
            db.wi_duration.value = days
            order.clear()
            db.apply_what_if()
            if db is fast_db:  # the Gantt's data leaves before the what-if table
                assert order.index("gantt") < order.index("wi_out"), order
            shown.append(page(db))
        return shown

    cases: dict[str, list[tuple[str, float]]] = {}
    for pid in sample.project_ids:  # three plans with work left (one in a cross-project cycle)
        leaves = _leaves(sample, pid)
        todo = leaves[leaves["actual_finish"].isna()]
        if len(todo) >= 2 and len(cases) < 3:
            cases[pid] = [(todo.iloc[-2]["task_id"], float(todo.iloc[-2]["duration_days"]) + k)
                          for k in (3, 11)] + [(todo.iloc[0]["task_id"], 1.0)]  # fmt: skip
    assert any(len(pa.downstream_projects(sample, p)) > 1 for p in cases)
    planning._SHARED.clear()
    fast_db = PlanningDashboard(sample, "P05")
    fast_db.wi_out.observe(lambda _c: order.append("wi_out"), names="value")
    fast_db.gantt.observe(lambda _c: order.append("gantt"), names="spec")
    fast = {pid: run(fast_db, pid, e) for pid, e in cases.items()}

    monkeypatch.setattr(pa, "_subnetwork_edited", lambda *a, **k: None)
    monkeypatch.setattr(planning, "gantt_redate", lambda *a, **k: None)
    planning._SHARED.clear()
    slow_db = PlanningDashboard(sample, "P05")
    slow = {pid: run(slow_db, pid, e) for pid, e in cases.items()}
    assert fast == slow
    assert all(shown[0]["gantt"] != shown[1]["gantt"] for shown in fast.values())  # moved
    monkeypatch.undo()
    # the last what-if's Gantt is the chart of the whole edited portfolio's schedule
    for pid, edits in cases.items():
        tid, days = edits[-1]
        changed, _ = apply_changes(sample, pid, duration_changes={tid: days})
        full = pa.schedule_project(changed, pid)
        fast_db.project.value = pid
        task = fast_db.task.value
        tasks = sample.tasks[sample.tasks["project_id"] == pid]
        links = sample.links[sample.links["pred_id"].isin(set(tasks["task_id"]))]
        rows = gantt_rows(tasks, full, max_level=fast_db.level.value)
        chart = gantt_chart(
            rows,
            links=links,
            status_date=sample.status_date,
            highlight=[c[0] for c in full.driving_chain(task)],
        )
        assert fast[pid][-1]["gantt"] == chart.to_dict(), pid


@pytest.mark.usefixtures("fake_page")
def test_picking_a_what_if_task_builds_the_table_ahead_and_never_raises(
    sample: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmkit.ui.planning import PlanningDashboard

    db = PlanningDashboard(sample, "P02")
    calls: list[str] = []
    real = pa.keep_subnetwork

    def keep(pf: Any, pid: str) -> None:
        calls.append(pid)
        real(pf, pid)

    monkeypatch.setattr(pa, "keep_subnetwork", keep)
    db.wi_task.value = db.wi_task.options[-1][1]
    assert calls == ["P02"]
    key = frozenset(pa.downstream_projects(sample, "P02"))
    kept = pa.object_cache(sample, pa._SUBNET_ATTR)
    assert any(slot[1] == key for slot in kept)

    def broken(pf: Any, pid: str) -> None:
        raise ValueError("no table")

    monkeypatch.setattr(pa, "keep_subnetwork", broken)
    tid = db.wi_task.options[-2][1]
    db.wi_task.value = tid  # logged, the duration still follows the task
    want = sample.tasks.set_index("task_id").loc[tid, "duration_days"]
    assert db.wi_duration.value == float(want)


def test_status_rule_on_the_edited_rows_equals_the_whole_table(two_calendars: Any) -> None:
    """The status-date rule is run again on the edited rows only: the table equals the
    rule run on the whole patched table (started and unstarted tasks, two calendars,
    durations longer, shorter and zero)."""
    pf = two_calendars
    pa.schedule_portfolio(pf)
    checked = 0
    for pid in ("P01", "P02", "P03"):
        kept = pa._kept_network(pf, frozenset(pa.downstream_projects(pf, pid)))
        for _, r in _leaves(pf, pid).iloc[::4].iterrows():
            for days in (float(r["duration_days"]) + 6, 0.0):
                changed, _ = apply_changes(pf, pid, duration_changes={r["task_id"]: days})
                pre = pa._patched(kept, pf.tasks, changed.tasks)
                if pre is None:
                    continue
                status = pa._status(changed)
                want = pa._at_status(pre, status, kept["cals"], kept["pstart"])
                got = pa._status_rows(kept, pre, status)
                pd.testing.assert_frame_equal(got, want, check_exact=True)
                checked += 1
    assert checked >= 20
