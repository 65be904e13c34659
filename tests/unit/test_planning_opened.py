"""Planning's project switch puts a page computed ahead on the widgets: it must show exactly
what a page opened on that project from scratch shows, and what the engine says."""

from __future__ import annotations

from typing import Any

import pytest
from _fake_page import fake_page  # noqa: F401  (a page that embeds each chart)

from pmkit.cache import load_sample
from pmkit.ui import planning
from pmkit.ui.planning import PlanningDashboard

pytestmark = pytest.mark.usefixtures("fake_page")


@pytest.fixture(scope="module")
def portfolio():  # type: ignore[no-untyped-def]
    return load_sample()


def _page(db: PlanningDashboard) -> dict[str, Any]:
    """Everything a viewer reads or picks on the page, as the widgets hold it."""
    picks = ("task", "wi_task", "wi_link", "wi_add_pred", "wi_add_succ", "wi_remove", "cr")
    texts = ("summary", "chain", "gantt_note", "gantt_msg", "wi_out", "cr_out")
    out: dict[str, Any] = {n: (list(getattr(db, n).options), getattr(db, n).value) for n in picks}
    out.update({n: getattr(db, n).value for n in texts})
    out.update(
        gantt=db.gantt.spec,
        level=(db.level.min, db.level.max, db.level.value),
        critical_only=db.critical_only.value,
        numbers=(db.wi_duration.value, db.wi_lag.value),
        cr_disabled=db.cr_apply.disabled,
    )
    return out


def _engine_gantt(portfolio, pid: str) -> tuple[str, dict]:  # type: ignore[no-untyped-def,type-arg]
    """The task a page opens on and its Gantt, built straight from the scheduler's table:
    the leaf finishing last (first in WBS order on a tie), every WBS level (the sample's
    plans fit), its driving chain outlined, the project's links and the status date."""
    from pmkit.cache import schedule_project
    from pmkit.charts.gantt import gantt_chart, gantt_rows

    sched = schedule_project(portfolio, pid)
    tasks = portfolio.tasks[portfolio.tasks["project_id"] == pid]
    leaves = set(tasks.loc[~tasks["is_summary"], "task_id"])
    st = sched.tasks[sched.tasks["uid"].isin(leaves)]
    tied = set(st.loc[st["finish"] == st["finish"].max(), "uid"])  # ties: first in WBS order
    wbs = tasks[tasks["task_id"].isin(tied)].set_index("task_id")["wbs"]
    last = min(tied, key=lambda t: [int(x) for x in str(wbs[t]).split(".")])
    links = portfolio.links[portfolio.links["pred_id"].isin(set(tasks["task_id"]))]
    chart = gantt_chart(
        gantt_rows(tasks, sched),
        links=links,
        status_date=portfolio.status_date,
        highlight=[c[0] for c in sched.driving_chain(last)],
    )
    return last, chart.to_dict()


def test_precomputed_switches_compute_nothing_and_equal_a_fresh_page(
    portfolio, monkeypatch
) -> None:
    import pmkit.cache

    planning._SHARED.clear()
    db = PlanningDashboard(portfolio, "P01", precompute=True)
    pids = [str(v) for _, v in db.project.options]

    def no_work(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("a project switch computed its page")

    for name in ("gantt_every_row", "gantt_keep", "gantt_parts", "chain_table"):
        monkeypatch.setattr(planning, name, no_work)
    monkeypatch.setattr(pmkit.cache, "schedule_project", no_work)
    shown = {}
    for pid in [*pids[1:], pids[0]]:
        db.project.value = pid
        assert db._gantt.last == "data"  # the page gets rows, not a spec
        shown[pid] = _page(db)
        assert "pmkit-error" not in shown[pid]["gantt_msg"] + shown[pid]["chain"]
    monkeypatch.undo()
    for pid in pids:  # each equals a page opened on that project, nothing kept
        planning._SHARED.clear()
        assert shown[pid] == _page(PlanningDashboard(portfolio, pid)), pid
    # and the Gantt is the chart built from the scheduler's own table
    for pid in pids[:3]:
        task, spec = _engine_gantt(portfolio, pid)
        assert shown[pid]["task"][1] == task, pid
        assert shown[pid]["gantt"] == spec, pid


def test_planning_precompute_is_bounded_and_never_raises(portfolio, monkeypatch) -> None:
    import pmkit.cache

    planning._SHARED.clear()
    db = PlanningDashboard(portfolio, "P01")
    kept = set(planning._openings(portfolio))
    db.precompute(at_most=2)  # more projects than that: left to compute on demand
    assert set(planning._openings(portfolio)) == kept
    real = pmkit.cache.schedule_project

    def broken(p: Any, pid: str) -> Any:
        if pid == "P03":
            raise ValueError(f"bad plan for {pid}")
        return real(p, pid)

    monkeypatch.setattr(pmkit.cache, "schedule_project", broken)
    planning._SHARED.clear()
    db.precompute()  # logs, never raises
    assert "P03" not in planning._openings(portfolio) and "P05" in planning._openings(portfolio)
    before = _page(db)
    db.project.value = "P03"  # the pick shows the reason and changes nothing else
    assert "bad plan for P03" in db.gantt_msg.value
    after = _page(db)
    assert {k: v for k, v in after.items() if k != "gantt_msg"} == {
        k: v for k, v in before.items() if k != "gantt_msg"
    }
    db.project.value = "P05"  # the next good project clears the message
    assert db.gantt_msg.value == "" and db.pid == "P05"


def test_a_switch_sends_the_gantt_before_the_other_widgets(portfolio) -> None:
    """The page redraws the chart while the dropdowns' messages are still arriving: the
    Gantt's data is the first message of a switch (the picker's own echo aside)."""
    planning._SHARED.clear()
    db = PlanningDashboard(portfolio, "P01", precompute=True)
    order: list[str] = []
    names = ("summary", "task", "wi_task", "wi_link", "wi_remove", "chain", "gantt_note")
    for name in names:
        getattr(db, name).observe(lambda _c, n=name: order.append(n), names=["value", "options"])
    db.gantt.observe(lambda _c: order.append("gantt"), names="spec")
    for pid in ("P02", "P03", "P01"):
        order.clear()
        db.project.value = pid
        assert order[0] == "gantt", order
        assert {"summary", "task", "chain"} <= set(order), order
