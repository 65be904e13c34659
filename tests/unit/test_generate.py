"""The sample-portfolio generator: deterministic, meets the issue's minimums, scales."""

from __future__ import annotations

import datetime as dt
import filecmp
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pmkit.generate import TABLES, easter_sunday, generate_portfolio, write_generated
from pmkit.io import csv_folder
from pmkit.schedule import portfolio_adapter as adapter

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def sample() -> dict:
    return generate_portfolio()


def _monthly_load(tables: dict) -> pd.DataFrame:
    """Baseline hours per resource and month vs capacity (working days x hours per day)."""
    t = tables["tasks"].set_index("task_id")
    a = tables["assignments"].join(t[["baseline_start", "baseline_finish"]], on="task_id")
    res = tables["resources"].set_index("resource_id")
    a = a.join(res[["capacity_hours_per_day"]], on="resource_id")
    hol = tables["holidays"]["date"].to_numpy(dtype="datetime64[D]")
    months = np.arange(np.datetime64("2025-01"), np.datetime64("2028-01")).astype("datetime64[D]")
    m_end = (months.astype("datetime64[M]") + 1).astype("datetime64[D]")
    s = a["baseline_start"].to_numpy(dtype="datetime64[D]")[:, None]
    f = a["baseline_finish"].to_numpy(dtype="datetime64[D]")[:, None] + 1
    lo, hi = np.maximum(s, months[None, :]), np.minimum(f, m_end[None, :])
    days = np.where(hi > lo, np.busday_count(lo, np.maximum(hi, lo), holidays=hol), 0)
    hours = days * (a["units"] * a["capacity_hours_per_day"]).to_numpy()[:, None]
    load = pd.DataFrame(hours, columns=months).groupby(a["resource_id"].to_numpy()).sum()
    cap_days = np.busday_count(months, m_end, holidays=hol)
    cap = res["capacity_hours_per_day"].reindex(load.index).to_numpy()[:, None] * cap_days
    return load / cap


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    write_generated(tmp_path / "a", seed=3)
    write_generated(tmp_path / "b", seed=3)
    names = [f"{t}.csv" for t in TABLES] + ["standards.yaml"]
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", names, shallow=False)
    assert mismatch == [] and errors == [] and len(match) == len(names)
    write_generated(tmp_path / "c", seed=4)
    assert not filecmp.cmp(
        tmp_path / "a" / "tasks.csv", tmp_path / "c" / "tasks.csv", shallow=False
    )


def test_committed_sample_is_the_default_generation(tmp_path: Path) -> None:
    write_generated(tmp_path)
    for name in [f"{t}.csv" for t in TABLES] + ["standards.yaml"]:
        assert filecmp.cmp(tmp_path / name, DATA / name, shallow=False), name


def test_easter_and_spanish_holidays(sample: dict) -> None:
    assert easter_sunday(2025) == dt.date(2025, 4, 20)
    assert easter_sunday(2026) == dt.date(2026, 4, 5)
    assert easter_sunday(2027) == dt.date(2027, 3, 28)
    h = sample["holidays"]
    std = set(h.loc[h["calendar_id"] == "Standard", "date"])
    for d in (
        "2025-04-18",
        "2026-04-03",
        "2027-03-26",
        "2026-01-06",
        "2026-10-12",
        "2026-12-08",
        "2027-08-15",
    ):
        assert d in std
    assert len(std) == 10 * 4  # 9 fixed + Good Friday, 2025..2028


def test_projects_programmes_phases(sample: dict) -> None:
    p = sample["projects"]
    assert len(p) >= 12 and p["programme"].nunique() >= 3
    assert set(p["phase"]) == {"initiation", "planning", "execution", "closing", "closed"}
    assert p["name"].str.contains("<").sum() >= 1
    assert p["strategic_objective"].nunique() >= 4
    assert p["priority"].is_unique


def test_tasks_wbs_milestones_estimates(sample: dict) -> None:
    t = sample["tasks"]
    assert len(t) >= 400
    assert set(t["outline_level"]) == {1, 2, 3}
    assert (t["outline_level"] == t["wbs"].str.count(r"\.") + 1).all()
    assert t["is_milestone"].sum() >= 5 * len(sample["projects"])
    assert t["name"].str.contains("<").any()
    leaf = ~t["is_summary"] & ~t["is_milestone"]
    o, m, pe = t["optimistic_days"], t["most_likely_days"], t["pessimistic_days"]
    assert ((o <= m) & (m <= pe))[leaf].all() and (pe > o)[leaf].any()
    assert set(t["constraint_type"]) >= {"ASAP", "SNET", "MSO"}
    # leaf budgeted costs sum to each project's budget
    sums = t[~t["is_summary"]].groupby("project_id")["budgeted_cost"].sum()
    budget = sample["projects"].set_index("project_id")["budget"]
    np.testing.assert_allclose(sums.reindex(budget.index), budget, rtol=0, atol=0.01)
    # progress: done tasks have both actual dates, started ones a start
    done = t["percent_complete"] >= 100
    assert (t.loc[done, "actual_finish"] != "").all()
    assert (t.loc[t["percent_complete"] > 0, "actual_start"] != "").all()
    assert (t["baseline_finish"] >= t["baseline_start"]).all()


def test_links_types_lags_cross_project(sample: dict) -> None:
    ln = sample["links"]
    assert set(ln["type"]) == {"FS", "SS", "FF", "SF"}
    for kind in ("FS", "SS", "FF", "SF"):
        assert (ln.loc[ln["type"] == kind, "lag_days"] != 0).any()
    assert (ln["lag_days"] < 0).any() and (ln["lag_days"] > 0).any()
    cross = ln["pred_id"].str.split("-").str[0] != ln["succ_id"].str.split("-").str[0]
    assert cross.sum() >= 5
    summaries = set(sample["tasks"].loc[sample["tasks"]["is_summary"], "task_id"])
    assert not (ln["pred_id"].isin(summaries) | ln["succ_id"].isin(summaries)).any()


def test_resources_roles_and_over_allocation(sample: dict) -> None:
    r = sample["resources"]
    assert len(r) >= 30 and r["role"].nunique() >= 6
    assert (r["capacity_hours_per_day"] == 4).any()
    a = sample["assignments"].merge(sample["tasks"][["task_id", "project_id"]], on="task_id")
    assert (a.groupby("resource_id")["project_id"].nunique() > 1).sum() >= 10  # shared
    ratio = _monthly_load(sample).max(axis=1)
    over = (ratio > 1.0).sum()
    assert 3 <= over < len(r)  # some are over-allocated, not everyone


def test_risks_and_change_requests(sample: dict) -> None:
    rk = sample["risks"]
    assert len(rk) >= 40 and (rk["kind"] == "opportunity").sum() >= 10
    assert rk["title"].str.contains("<").any()
    assert (rk["status"] == "open").mean() > 0.6
    cr = sample["change_requests"]
    assert len(cr) >= 10
    sig = cr["significance"] == "significant"
    assert sig.sum() >= 4
    assert ((cr["decision"] == "pending") & sig).sum() >= 1
    assert {"pending", "approved", "rejected", "deferred"} <= set(cr["decision"])
    decided = cr["decision"] != "pending"
    assert (cr.loc[decided, "decided_by"] != "").all()
    assert (cr.loc[~decided, "decided_on"] == "").all()
    assert (cr["task_id"] != "").all()


def test_stage_gates_have_missing_artefacts(sample: dict) -> None:
    g = sample["stage_gates"].merge(
        sample["projects"][["project_id", "phase"]], on="project_id", suffixes=("", "_now")
    )
    order = {
        p: i for i, p in enumerate(["initiation", "planning", "execution", "closing", "closed"])
    }
    passed = g["phase"].map(order) <= g["phase_now"].map(order)
    assert (passed & g["required"] & ~g["done"]).sum() >= 2
    assert (passed & g["required"] & g["done"]).sum() > 20
    assert set(g["gate"]) == {"G0", "G1", "G2", "G3", "G4"}


def test_snapshots_tell_a_story(sample: dict) -> None:
    s = sample["snapshots"]
    p = sample["projects"].set_index("project_id")
    running = p.index[p["phase"].isin(["execution", "closing"])]
    counts = s.groupby("project_id").size()
    assert (counts.reindex(running) >= 6).all()
    for col in ("pv", "ev", "ac"):
        assert (s.groupby("project_id")[col].diff().fillna(0) >= -0.01).all()
    last = s[s["report_date"] == "2026-10-30"].set_index("project_id")
    spi, cpi = last["ev"] / last["pv"], last["ev"] / last["ac"]
    assert (spi < 0.9).any() and (spi > 1.0).any()
    assert (cpi < 0.9).any() and (cpi > 1.0).any()
    # status-date EV equals the tasks' progress x budgeted cost
    t = sample["tasks"]
    leaf = t[~t["is_summary"]]
    ev = (leaf["percent_complete"] / 100 * leaf["budgeted_cost"]).groupby(leaf["project_id"]).sum()
    np.testing.assert_allclose(last["ev"], ev.reindex(last.index), atol=0.02)
    mf = sample["milestone_forecasts"]
    assert mf.groupby(["project_id", "task_id"])["forecast_date"].nunique().max() > 1  # slips
    assert (mf.groupby(["project_id", "task_id"])["forecast_date"].nunique() == 1).any()


def test_standards(sample: dict) -> None:
    st = sample["standards"]
    assert st["currency"] == "EUR" and st["status_date"] == "2026-10-30"
    assert set(st["rag"]) == {"schedule", "cost", "scope", "risk"}
    assert set(st["pmo_types"]) == {"supportive", "controlling", "directive"}
    assert st["rag"]["schedule"]["green"] == 0.95
    assert set(st["gates"]) == {"G0", "G1", "G2", "G3", "G4"}


def test_big_portfolio() -> None:
    t = generate_portfolio(n_projects=200, seed=2, tasks_per_project=(60, 90))
    assert len(t["projects"]) == 200 and len(t["resources"]) >= 200
    assert t["tasks"]["task_id"].is_unique and t["projects"]["name"].is_unique
    assert len(t["tasks"]) > 200 * 60 - 1


def test_written_sample_validates(tmp_path: Path) -> None:
    report = csv_folder.validate_portfolio(DATA)
    assert not report.errors, str(report)
    write_generated(tmp_path, n_projects=40, seed=11)
    report = csv_folder.validate_portfolio(tmp_path)
    assert not report.errors, str(report)


def test_scheduler_reproduces_actual_dates() -> None:
    """pmkit's CPM on the written sample gives the generator's actual dates back."""
    pf = csv_folder.load_portfolio(DATA)
    st = adapter.schedule_portfolio(pf).tasks.set_index("uid")
    t = pf.tasks.set_index("task_id")
    for col, sc in (("actual_start", "start"), ("actual_finish", "finish")):
        m = t[col].notna() & ~t["is_summary"]
        got = pd.to_datetime(st.loc[m[m].index, sc]).dt.normalize()
        want = pd.to_datetime(t.loc[m, col])
        assert (got == want).all(), col


@pytest.mark.parametrize("kw", [{}, {"n_projects": 40, "seed": 11}])
def test_open_milestones_feed_other_projects(sample: dict, kw: dict) -> None:
    """At the status date several unfinished milestones still feed other projects' tasks."""
    tables = sample if not kw else generate_portfolio(**kw)
    t = tables["tasks"].set_index("task_id")
    ln = tables["links"]
    pp, sp = ln["pred_id"].map(t["project_id"]), ln["succ_id"].map(t["project_id"])
    open_ms = ln["pred_id"].map(t["is_milestone"]) & (
        ln["pred_id"].map(t["percent_complete"]) < 100
    )
    feeding = ln[(pp != sp) & open_ms]
    assert feeding["pred_id"].nunique() >= 4
    assert sp[feeding.index].nunique() >= 3
    # the fed tasks have not started: a slip of the milestone can still move them
    assert (feeding["succ_id"].map(t["percent_complete"]) == 0).all()


def test_exclusive_alternatives_are_never_joined_by_a_schedule_link() -> None:
    """A project linked to another can be needed by a running one, links chaining: were it one
    of two exclusive alternatives, a large portfolio could force both in (no portfolio at all)."""
    tables = generate_portfolio(n_projects=120, tasks_per_project=(26, 28))
    rules = tables["standards"]["prioritisation"]["rules"]
    pairs = [r["exclusive"] for r in rules if "exclusive" in r]
    proj = tables["tasks"].set_index("task_id")["project_id"]
    links = tables["links"]
    a, b = links["pred_id"].map(proj), links["succ_id"].map(proj)
    joined = set(a[a != b]) | set(b[a != b])
    assert joined and pairs, "120 projects have cross-project links and an exclusive pair"
    for pair in pairs:
        assert not set(pair) & joined, pair
