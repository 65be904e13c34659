"""P6 XML export and import: budgets, roles and the baseline go out and come back.

Before session 11, ``pmkit export --format pmxml`` then ``pmkit import`` gave every task a
budget of 0, every resource the role "Unassigned role", and every task a baseline (MPXJ read
P6's planned dates as one), and a milestone came back a task. The references are the
portfolio's own tables (the input), compared task by task by their names' path: P6 lists a
WBS node's activities before its sub-nodes, so a phase's closing milestone comes back first
among its siblings (the one change of the round trip, said by ``EXPORT_LIMITS``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import defusedxml.ElementTree as DET
import numpy as np
import pandas as pd
import pytest

from pmkit.exporting import EXPORT_LIMITS, P6_BUDGET_EXPENSE, export_project
from pmkit.importing import import_schedule
from pmkit.io.csv_folder import load_portfolio, sample_data_path
from pmkit.io.mpxj import mpxj_available
from pmkit.model import Portfolio

pytestmark = pytest.mark.skipif(not mpxj_available(), reason="MPXJ or Java missing")

COLS = [
    "outline_level", "is_summary", "is_milestone", "duration_days", "constraint_type",
    "constraint_date", "percent_complete", "actual_start", "actual_finish",
    "baseline_start", "baseline_finish",
]  # fmt: skip


#: P6 derives a WBS node's progress and baseline dates from its activities: a summary's own
#: values are not kept (they differ only when they were not the roll-up of its tasks)
SUMMARY_DERIVED = {"percent_complete", "baseline_start", "baseline_finish"}


@pytest.fixture(scope="module")
def portfolio() -> Portfolio:
    return load_portfolio(sample_data_path())


def _paths(tasks: pd.DataFrame) -> pd.Series:
    """Each task's ancestors' names and its own: a key that does not depend on its number."""
    name = dict(zip(tasks["wbs"], tasks["name"], strict=True))
    keys = []
    for w in tasks["wbs"]:
        parts = str(w).split(".")
        keys.append(" / ".join(name[".".join(parts[: i + 1])] for i in range(len(parts))))
    return pd.Series(keys, index=tasks.index)


def _by_path(tasks: pd.DataFrame) -> pd.DataFrame:
    t = tasks.assign(path=_paths(tasks))
    assert t["path"].is_unique
    return t.set_index("path").sort_index()


def _round_trip(p: Portfolio, pid: str, tmp: Path) -> tuple[Portfolio, Path]:
    out = export_project(p, pid, tmp / f"{pid}.pmxml", fmt="pmxml")
    return import_schedule(out, into=None, project_id=pid), out


def _check(p: Portfolio, pid: str, back: Portfolio) -> None:
    a, b = _by_path(p.project(pid).tasks), _by_path(back.project(pid).tasks)
    assert list(a.index) == list(b.index)
    leaf = ~a["is_summary"]
    bad = []
    for col in COLS:
        x, y = a[col], b[col]
        same = (x.isna() & y.isna()) | (x == y)
        if col == "duration_days":
            same = (x - y).abs() < 1e-6
        if col in SUMMARY_DERIVED:
            same |= ~leaf
        bad += [(col, k, x[k], y[k]) for k in same.index[~same]]
    assert not bad, bad[:6]
    err = (a.loc[leaf, "budgeted_cost"] - b.loc[leaf, "budgeted_cost"]).abs()
    assert err.max() < 0.006, err.sort_values().tail(3)

    # links, by the paths of their ends
    def links(pf: Portfolio, t: pd.DataFrame) -> set[tuple[str, str, str, float]]:
        key = dict(zip(t["task_id"], t.index, strict=True))
        return {
            (key[r.pred_id], key[r.succ_id], r.type, round(r.lag_days, 6))
            for r in pf.links.itertuples()
            if r.pred_id in key and r.succ_id in key
        }

    assert links(p, a) == links(back, b)
    # resources: each one's role, by name; assignments by task path and resource name
    view = p.project(pid)
    res = p.resources[p.resources["resource_id"].isin(view.assignments["resource_id"])]
    assert dict(zip(res["name"], res["role"], strict=True)) == dict(
        zip(back.resources["name"], back.resources["role"], strict=True)
    )

    def asg(pf: Portfolio, t: pd.DataFrame, v: pd.DataFrame) -> set[tuple[str, str, float]]:
        key = dict(zip(t["task_id"], t.index, strict=True))
        rname = dict(zip(pf.resources["resource_id"], pf.resources["name"], strict=True))
        return {(key[r.task_id], rname[r.resource_id], round(r.units, 6)) for r in v.itertuples()}

    assert asg(p, a, view.assignments) == asg(back, b, back.assignments)
    pa = p.projects.set_index("project_id").loc[pid]
    pb = back.projects.iloc[0]
    assert pb["finish_baseline"] == pa["finish_baseline"] and pb["start"] == pa["start"]
    assert abs(pb["budget"] - pa["budget"]) < 0.01 and pb["name"] == pa["name"]


@pytest.mark.parametrize("pid", ["P01", "P03", "P13"])
def test_p6_xml_round_trip_keeps_budgets_roles_baseline_and_progress(
    portfolio: Portfolio, pid: str, tmp_path: Path
) -> None:
    back, _ = _round_trip(portfolio, pid, tmp_path)
    _check(portfolio, pid, back)


def test_the_file_says_it_the_p6_way(portfolio: Portfolio, tmp_path: Path) -> None:
    """Roles are P6 roles (each resource's primary role), budgets are assignments' planned
    costs plus one expense per task for what is not labour, the baseline is a baseline
    project named as the project's current one, and milestones are milestones."""
    _, out = _round_trip(portfolio, "P03", tmp_path)
    root = DET.parse(out).getroot()
    ns = {"p": root.tag[1 : root.tag.index("}")]}
    roles = {r.findtext("p:ObjectId", namespaces=ns): r.findtext("p:Name", namespaces=ns)
             for r in root.findall("p:Role", ns)}  # fmt: skip
    view = portfolio.project("P03")
    res = portfolio.resources[portfolio.resources["resource_id"].isin(view.assignments.resource_id)]
    assert set(roles.values()) == set(res["role"])
    for r in root.findall("p:Resource", ns):
        assert roles[r.findtext("p:PrimaryRoleObjectId", namespaces=ns) or ""]
    project = root.find("p:Project", ns)
    base = root.find("p:BaselineProject", ns)
    assert project is not None and base is not None
    assert project.findtext("p:CurrentBaselineProjectObjectId", namespaces=ns) == base.findtext(
        "p:ObjectId", namespaces=ns
    )
    assert base.findtext("p:OriginalProjectObjectId", namespaces=ns) == project.findtext(
        "p:ObjectId", namespaces=ns
    )
    money = [
        float(x.text or 0)
        for x in project.findall("p:ResourceAssignment/p:PlannedCost", ns)
        + project.findall("p:ActivityExpense/p:PlannedCost", ns)
    ]
    leaf = view.tasks[~view.tasks["is_summary"]]
    assert sum(money) == pytest.approx(leaf["budgeted_cost"].sum(), abs=0.01)
    names = {x.text for x in project.findall("p:ActivityExpense/p:ExpenseItem", ns)}
    assert names <= {P6_BUDGET_EXPENSE}
    types = {a.findtext("p:Name", namespaces=ns): a.findtext("p:Type", namespaces=ns)
             for a in project.findall("p:Activity", ns)}  # fmt: skip
    for name in leaf.loc[leaf["is_milestone"], "name"]:
        assert types[name] == "Finish Milestone"


def test_no_baseline_stays_none_and_any_budget_comes_back(
    portfolio: Portfolio, tmp_path: Path
) -> None:
    """Tasks without baseline dates come back without (MPXJ gave each the planned dates);
    a budget below its labour cost (assignments' costs scaled down to it), a budget on a task
    without assignments (all expense) and a budget of 0 come back as they were."""
    t = portfolio.tasks.copy()
    mine = t.index[(t["project_id"] == "P06") & ~t["is_summary"]]
    t.loc[mine[::2], ["baseline_start", "baseline_finish"]] = pd.NaT
    rng = np.random.default_rng(11)
    t.loc[mine[1::3], "budgeted_cost"] = rng.uniform(1, 50, len(mine[1::3])).round(2)
    t.loc[mine[2::5], "budgeted_cost"] = 0.0
    a = portfolio.assignments
    bare = a[a["task_id"].isin(t.loc[mine, "task_id"])].index[:3]
    p = dataclasses.replace(portfolio, tasks=t, assignments=a.drop(bare))
    budget = float(p.tasks.loc[mine, "budgeted_cost"].sum())
    projects = p.projects.copy()
    projects.loc[projects["project_id"] == "P06", "budget"] = budget
    p = dataclasses.replace(p, projects=projects)
    back, _ = _round_trip(p, "P06", tmp_path)
    _check(p, "P06", back)
    assert back.tasks["baseline_start"].isna().sum() >= len(mine[::2])


def test_the_note_says_only_what_p6_xml_still_changes() -> None:
    """Session 10's note said budgets, roles and the baseline were not carried."""
    note = EXPORT_LIMITS["pmxml"]
    carries, changes = note.split("What changes:")
    assert "roles" in carries and "budgets" in carries and "baseline" in carries
    assert "sub-nodes" in changes and "summary task" in changes
    assert "not carry" not in note


def test_a_p6_xml_file_named_xml_is_read_as_p6(portfolio: Portfolio, tmp_path: Path) -> None:
    """P6 names its XML exports ``*.xml``; by its ending the file went to the MSPDI reader,
    which refused it ("not a Microsoft Project XML file (got 'APIBusinessObjects')"). Read by
    its root element, it imports exactly as the same bytes named ``.pmxml``."""
    pmxml = export_project(portfolio, "P03", tmp_path / "P03.pmxml", fmt="pmxml")
    xml = tmp_path / "P03.xml"
    xml.write_bytes(pmxml.read_bytes())
    a = import_schedule(pmxml, into=None, project_id="P03")
    b = import_schedule(xml, into=None, project_id="P03")
    for name in ("tasks", "links", "resources", "assignments"):
        pd.testing.assert_frame_equal(getattr(b, name), getattr(a, name))
    _check(portfolio, "P03", b)
