"""One plan at the status date: every engine reads the same dates, float and hours.

Cross-engine properties on the sample and on generated portfolios of several seeds and sizes,
plus small hand-computed cases (the numbers in the comments are worked out by hand or with
numpy's business-day functions, not read from pmkit).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from portfolio_fixtures import CALENDARS, make_portfolio, project, task

import pmkit
from pmkit.charts.gantt import gantt_rows
from pmkit.generate import write_generated
from pmkit.portfolio.capacity import resource_demand
from pmkit.schedule.leveling import level, resource_load
from pmkit.schedule.montecarlo import project_network
from pmkit.schedule.portfolio_adapter import schedule_portfolio, schedule_project


@pytest.fixture(scope="module")
def sample() -> pmkit.Portfolio:
    return pmkit.load_sample()


_GENERATED: dict[tuple[int, int], pmkit.Portfolio] = {}


def _generated(tmp: Path, seed: int, n_projects: int) -> pmkit.Portfolio:
    key = (seed, n_projects)
    if key not in _GENERATED:
        folder = tmp / f"gen-{seed}-{n_projects}"
        write_generated(folder, seed=seed, n_projects=n_projects, tasks_per_project=(26, 34))
        _GENERATED[key] = pmkit.load_portfolio(folder)
    return _GENERATED[key]


@pytest.fixture(scope="module", params=[(3, 3), (11, 6)], ids=lambda k: f"seed{k[0]}")
def generated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    return _generated(tmp_path_factory.mktemp("gen"), *request.param)


def _hpd(p: pmkit.Portfolio, pid: str) -> float:
    cid = p.projects.set_index("project_id").loc[pid, "calendar_id"]
    return float(p.calendars.set_index("calendar_id").loc[cid, "hours_per_day"])


# ----------------------------------------------------------------------------- properties
def check_float_is_own(p: pmkit.Portfolio) -> None:
    """Roll-up float of each project = least float of its open tasks when the project is
    scheduled in its own network (predecessors in other projects pinned)."""
    plan = schedule_portfolio(p)
    roll = pmkit.rollup(p, schedule=plan).set_index("project_id")
    pc = p.tasks.set_index("task_id")["percent_complete"]
    for pid in p.project_ids:
        own = schedule_project(p, pid, external=plan).tasks
        open_ = own[~own["is_summary"] & (own["uid"].map(pc) < 100)]
        want = open_["total_slack_min"].min() / (60.0 * _hpd(p, pid)) if len(open_) else np.nan
        got = roll.loc[pid, "float_days"]
        assert (np.isnan(want) and np.isnan(got)) or got == pytest.approx(want, abs=1e-6), pid


def check_finishes_agree(p: pmkit.Portfolio) -> None:
    """Monte Carlo deterministic finish = CPM finish = planning Gantt finish = roll-up
    forecast finish (the roll-up shows the day)."""
    roll = pmkit.rollup(p, schedule=schedule_portfolio(p)).set_index("project_id")
    for pid in p.project_ids:
        cpm = schedule_project(p, pid)
        net = project_network(p, pid)
        w0 = float(net.calendar.to_working_minutes(net.origin)[0])
        mc_w = w0 + net.deterministic_finish()
        assert float(cpm.calendar.to_working_minutes(cpm.finish)[0]) == pytest.approx(mc_w), pid
        rows = gantt_rows(p.tasks[p.tasks["project_id"] == pid], cpm)
        assert pd.Timestamp(rows["finish"].max()) == cpm.finish, pid
        assert roll.loc[pid, "forecast_finish"] == cpm.finish.normalize(), pid


def check_mc_dates_are_cpm_dates(p: pmkit.Portfolio, pid: str) -> None:
    """Every task's deterministic early start and finish in the simulation network are its
    CPM dates (SS/SF lags out of started tasks count from the actual start: audit D7),
    the project's own tasks and the upstream tasks of other projects it simulates alike;
    the deterministic finish is the latest finish of the project's own tasks."""
    net = project_network(p, pid)
    cal = net.calendar
    w0 = float(cal.to_working_minutes(net.origin)[0])
    early = net.forward(net.duration[:, None].astype(float))
    es, ef = early[: net.n_tasks, 0], early[net.n_tasks :, 0]
    plan = schedule_portfolio(p).tasks.set_index("uid")
    want_s = cal.to_working_minutes(plan.loc[net.uids, "early_start"].to_numpy()) - w0
    want_f = cal.to_working_minutes(plan.loc[net.uids, "early_finish"].to_numpy()) - w0
    np.testing.assert_allclose(es, want_s, atol=1e-6)
    np.testing.assert_allclose(ef, want_f, atol=1e-6)
    own = plan.loc[net.uids, "project_id"].to_numpy() == pid
    assert net.deterministic_finish() == pytest.approx(ef[own].max())
    assert net.finish_of(early)[0] == pytest.approx(ef[own].max())
    # a most likely equal to the duration (or none) is the planned span, on any calendar
    t = p.tasks.set_index("task_id").loc[net.uids]
    ml = t["most_likely_days"].astype(float)
    same = (ml.isna() | (ml == t["duration_days"].astype(float))).to_numpy()
    np.testing.assert_allclose(net.most_likely[same], net.duration[same], atol=1e-6)


def check_load_is_demand(p: pmkit.Portfolio) -> None:
    """Resource load (levelling's model) = capacity demand, every resource-month."""
    plan = schedule_portfolio(p)
    load = resource_load(p, plan, freq="M")
    load = load.groupby(["resource_id", load["period_start"].dt.to_period("M")])["load_hours"]
    dem = resource_demand(p, plan)
    dem = dem.groupby(["resource_id", pd.to_datetime(dem["month"]).dt.to_period("M")])[
        "demand_hours"
    ]
    a, b = load.sum(), dem.sum()
    both = a.index.union(b.index)
    np.testing.assert_allclose(
        a.reindex(both, fill_value=0.0).to_numpy(),
        b.reindex(both, fill_value=0.0).to_numpy(),
        atol=1e-6,
    )


def check_nothing_unstarted_before_status(p: pmkit.Portfolio) -> None:
    """No task without an actual start is scheduled to start on or before the status day."""
    plan = schedule_portfolio(p).tasks.set_index("uid")
    t = p.tasks.set_index("task_id")
    unstarted = t.index[t["actual_start"].isna() & ~t["is_summary"].astype(bool)]
    after = p.status_date.normalize() + pd.Timedelta(days=1)
    assert (plan.loc[unstarted, "early_start"] >= after).all()


def test_sample_float_is_each_projects_own(sample: pmkit.Portfolio) -> None:
    check_float_is_own(sample)


def test_sample_finishes_agree(sample: pmkit.Portfolio) -> None:
    check_finishes_agree(sample)


@pytest.mark.parametrize("pid", ["P01", "P03", "P04", "P07", "P08", "P10", "P12"])
def test_sample_mc_dates_are_cpm_dates(sample: pmkit.Portfolio, pid: str) -> None:
    check_mc_dates_are_cpm_dates(sample, pid)


def test_sample_load_is_demand(sample: pmkit.Portfolio) -> None:
    check_load_is_demand(sample)


def test_sample_nothing_unstarted_before_status(sample: pmkit.Portfolio) -> None:
    check_nothing_unstarted_before_status(sample)


def test_generated_portfolios(generated: pmkit.Portfolio) -> None:
    check_float_is_own(generated)
    check_finishes_agree(generated)
    check_load_is_demand(generated)
    check_nothing_unstarted_before_status(generated)
    for pid in generated.project_ids:  # most have predecessors in other projects
        check_mc_dates_are_cpm_dates(generated, pid)


def _mixed_calendars(p: pmkit.Portfolio) -> pmkit.Portfolio:
    """Every other project on the Part-time calendar (mornings, 4 h) and one task in three
    on it too: predecessors in other projects and tasks planned on another calendar than
    their project's."""
    proj = p.projects.copy()
    proj["calendar_id"] = np.where(np.arange(len(proj)) % 2, "Part-time", "Standard")
    tasks = p.tasks.copy()
    tasks["calendar_id"] = np.where(np.arange(len(tasks)) % 3 == 1, "Part-time", "")
    return dataclasses.replace(p, projects=proj, tasks=tasks)


def test_generated_mixed_calendars(generated: pmkit.Portfolio) -> None:
    """The network counts one calendar's minutes; the deterministic run still gives every
    task its planned dates and the project its CPM finish."""
    p = _mixed_calendars(generated)
    check_finishes_agree(p)
    for pid in p.project_ids:
        check_mc_dates_are_cpm_dates(p, pid)


@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 10_000), n_projects=st.integers(1, 3))
def test_generated_property(tmp_path: Path, seed: int, n_projects: int) -> None:
    p = _generated(tmp_path, seed, n_projects)
    check_float_is_own(p)
    check_finishes_agree(p)
    check_nothing_unstarted_before_status(p)
    for pid in p.project_ids:
        check_mc_dates_are_cpm_dates(p, pid)


# ----------------------------------------------------------------------------- by hand
def _two_projects(**kw) -> pmkit.Portfolio:
    """A: one 10-day task; B: one 30-day task; STD calendar (Mon-Fri 8 h); status date
    before both start."""
    return make_portfolio(
        projects=[project("A", start="2026-01-05"), project("B", start="2026-01-05")],
        tasks=[task("A-1", "A", duration_days=10.0), task("B-1", "B", duration_days=30.0)],
        snapshots=[
            {"project_id": pid, "report_date": "2026-01-02", "pv": 0.0, "ev": 0.0, "ac": 0.0}
            for pid in ("A", "B")
        ],
        **kw,
    )


def test_float_of_a_short_project_is_its_own() -> None:
    """Audit D10: A has no float to its own finish (it used to show B's 20 days)."""
    p = _two_projects()
    r = pmkit.rollup(p, schedule=schedule_portfolio(p)).set_index("project_id")
    assert r.loc["A", "float_days"] == 0.0
    assert r.loc["B", "float_days"] == 0.0


def test_remaining_work_runs_from_the_status_date(sample: pmkit.Portfolio) -> None:
    """Audit D11: P01-T0016 (32 d, started) at 5 % has 30.4 d left from Mon 2 Nov 2026 (the
    status date is Fri 30 Oct): 30 working days (Standard calendar with its holidays) then
    3.2 h of the next one, 08:00-12:00 -> 11:12."""
    t = sample.tasks.set_index("task_id")
    assert t.loc["P01-T0016", "duration_days"] == 32.0
    sched = schedule_project(sample, "P01", overrides={"P01-T0016": {"percent_complete": 5.0}})
    got = sched.tasks.set_index("uid").loc["P01-T0016", "early_finish"]
    hol = sample.holidays.loc[sample.holidays["calendar_id"] == "Standard", "date"]
    hol = pd.to_datetime(hol).to_numpy(dtype="datetime64[D]")
    day = np.busday_offset(np.datetime64("2026-11-02"), 30, roll="forward", holidays=hol)
    assert got == pd.Timestamp(day) + pd.Timedelta(hours=11, minutes=12)
    # and the roll-up forecast moves with it (it used to stay at 14 May 2027)
    base = pmkit.rollup(sample, schedule=schedule_portfolio(sample)).set_index("project_id")
    late = pmkit.rollup(
        sample,
        schedule=schedule_portfolio(sample, overrides={"P01-T0016": {"percent_complete": 5.0}}),
    ).set_index("project_id")
    assert late.loc["P01", "forecast_finish"] > base.loc["P01", "forecast_finish"]


def test_unstarted_task_not_before_status_date(sample: pmkit.Portfolio) -> None:
    """Audit D11 repro: P01-T0016 finished on 15 Oct; its successor T0017 has not started,
    so it starts after the 30 Oct status date (Mon 2 Nov 08:00), not on 16 Oct."""
    sched = schedule_project(
        sample,
        "P01",
        overrides={
            "P01-T0016": {"percent_complete": 100.0, "actual_finish": pd.Timestamp("2026-10-15")}
        },
    )
    start = sched.tasks.set_index("uid").loc["P01-T0017", "start"]
    assert start == pd.Timestamp("2026-11-02 08:00")


def test_part_time_resource_at_full_units_is_not_overallocated(sample: pmkit.Portfolio) -> None:
    """Audit D8: R031 (4 h/day) at units 1.0 works 4 h a day: at most its capacity in every
    month P09 alone loads it (it showed 168 h vs 84 h in Oct 2026)."""
    ld = resource_load(sample, schedule_project(sample, "P09"), "P09", freq="M")
    r = ld[ld["resource_id"] == "R031"]
    assert len(r) and (r["load_hours"] <= r["capacity_hours"] + 1e-6).all()
    # levelling P09 finds no future over-allocation of R031 (it reported 39 days through
    # 13 Nov 2026); what is left is in the past (facts: two started tasks overlapped)
    lv = level(sample, "P09")
    days = pd.to_datetime(lv.unavoidable.loc[lv.unavoidable["resource_id"] == "R031", "day"])
    assert (days <= sample.status_date).all()


def test_levelling_does_not_stretch_a_part_time_resource() -> None:
    """One 5-day task, units 1.0 of a 4 h/day resource: 4 h on each of the 5 days, 20 h in
    all; nothing to level, nothing stretched (the old model asked 8 h/day and doubled it)."""
    part = {**CALENDARS[0], "calendar_id": "PT", "name": "Part-time",
            "periods": "08:00-12:00", "hours_per_day": 4.0}  # fmt: skip
    p = make_portfolio(
        projects=[project("A", start="2026-01-05")],
        tasks=[task("A-1", "A", duration_days=5.0)],
        resources=[
            {
                "resource_id": "R1",
                "name": "Pat",
                "role": "Dev",
                "capacity_hours_per_day": 4.0,
                "rate_per_hour": 50.0,
                "calendar_id": "PT",
            }
        ],
        assignments=[{"task_id": "A-1", "resource_id": "R1", "units": 1.0}],
        calendars=[*CALENDARS, part],
    )
    lv = level(p, "A")
    assert lv.finish_after == lv.finish_before
    assert lv.tasks["stretch_days"].sum() == 0.0
    ld = resource_load(p, schedule_project(p, "A"), "A", freq="W")
    assert ld["load_hours"].sum() == pytest.approx(20.0)


def test_levelled_milestone_starts_no_later_than_it_finishes(sample: pmkit.Portfolio) -> None:
    """Audit D9: a levelled milestone is one instant."""
    for pid in ("P01", "P07"):
        t = level(sample, pid).tasks
        assert (t["start"] <= t["finish"]).all(), pid


def test_a_finish_constraint_date_is_the_end_of_that_day() -> None:
    """A finish constraint dated Friday means "by Friday evening" (Microsoft Project's default
    end time, and what ``pmkit export`` writes to MSPDI). Read as Friday 00:00 it was Thursday
    evening: the MFO/FNET task finished a working day early and the FNLT one showed a day of
    negative float it does not have. By hand, STD calendar (Mon-Fri 08-12, 13-17), project
    start Mon 5 Jan 2026, status date before it."""
    fri = "2026-01-16"
    p = make_portfolio(
        projects=[project("A", start="2026-01-05")],
        tasks=[
            task("A-1", "A", duration_days=5.0),  # Mon 5 - Fri 9
            task("A-2", "A", duration_days=2.0, constraint_type="FNET", constraint_date=fri),
            task("A-3", "A", duration_days=2.0, constraint_type="MFO", constraint_date=fri),
            # after A-1: Mon 12 - Fri 16 by its links, and it must finish by Friday
            task("A-4", "A", duration_days=5.0, constraint_type="FNLT", constraint_date=fri),
            task("A-5", "A", duration_days=1.0),  # after A-2: Mon 19
        ],
        links=[
            {"pred_id": "A-1", "succ_id": "A-4", "type": "FS", "lag_days": 0.0},
            {"pred_id": "A-2", "succ_id": "A-5", "type": "FS", "lag_days": 0.0},
        ],
        snapshots=[
            {"project_id": "A", "report_date": "2026-01-02", "pv": 0.0, "ev": 0.0, "ac": 0.0}
        ],
    )
    t = schedule_portfolio(p).tasks.set_index("uid")
    for uid in ("A-2", "A-3"):  # Thu 15 08:00 - Fri 16 17:00
        assert t.loc[uid, "early_start"] == pd.Timestamp("2026-01-15 08:00"), uid
        assert t.loc[uid, "early_finish"] == pd.Timestamp("2026-01-16 17:00"), uid
    assert t.loc["A-4", "early_finish"] == pd.Timestamp("2026-01-16 17:00")
    assert t.loc["A-4", "late_finish"] == pd.Timestamp("2026-01-16 17:00")
    assert t.loc["A-4", "total_slack_min"] == 0.0
    assert t.loc["A-5", "early_start"] == pd.Timestamp("2026-01-19 08:00")
