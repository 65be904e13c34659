"""Small valid portfolios written to a folder, so broken fixtures are "valid + one mutation".

``valid_tables()`` returns every table as a list of row dicts (text cells, as in the CSV);
a test mutates them and ``write_tables`` writes the folder. Row ``i`` of a table is on CSV line
``i + 2``. ``write_synthetic`` builds a large portfolio (n projects x m tasks) for timing.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pmkit.model import TABLES

Tables = dict[str, list[dict[str, str]]]

STANDARDS_YAML = """\
currency: EUR
status_date: 2025-05-01
pmo_type: controlling
rag:
  schedule: {green: 0.95, amber: 0.85}
  cost: {green: 0.95, amber: 0.85}
"""


def _task(tid: str, pid: str, wbs: str, name: str, **kw: Any) -> dict[str, str]:
    row = {
        "task_id": tid,
        "project_id": pid,
        "wbs": wbs,
        "name": name,
        "outline_level": str(wbs.count(".") + 1),
        "is_summary": "false",
        "is_milestone": "false",
        "duration_days": "5",
        "optimistic_days": "",
        "most_likely_days": "",
        "pessimistic_days": "",
        "constraint_type": "ASAP",
        "constraint_date": "",
        "calendar_id": "",
        "percent_complete": "0",
        "actual_start": "",
        "actual_finish": "",
        "baseline_start": "2025-01-06",
        "baseline_finish": "2025-01-10",
        "budgeted_cost": "1000",
    }
    row.update({k: str(v) for k, v in kw.items()})
    return row


def valid_tables() -> Tables:
    """Two projects, 10 tasks, a cross-project link, every table non-empty."""
    summ = {"is_summary": "true", "duration_days": "0", "budgeted_cost": "0"}
    ms = {"is_milestone": "true", "duration_days": "0", "budgeted_cost": "0"}
    tasks = [
        _task("P01-T01", "P01", "1", "Design", **summ),
        _task(
            "P01-T02",
            "P01",
            "1.1",
            "Requirements",
            percent_complete="100",
            actual_start="2025-01-06",
            actual_finish="2025-01-10",
            optimistic_days="4",
            most_likely_days="5",
            pessimistic_days="8",
        ),
        _task(
            "P01-T03",
            "P01",
            "1.2",
            'Architecture <b>bold</b>, "quoted"',
            percent_complete="40",
            actual_start="2025-01-13",
        ),
        _task("P01-T04", "P01", "1.3", "Design approved", **ms),
        _task(
            "P01-T05",
            "P01",
            "2",
            "Build",
            duration_days="10",
            budgeted_cost="3000",
            calendar_id="SIX",
        ),
        _task("P02-T01", "P02", "1", "Pilot", **summ),
        _task("P02-T02", "P02", "1.1", "Prepare site"),
        _task("P02-T03", "P02", "1.2", "Run pilot", duration_days="7.5"),
        _task("P02-T04", "P02", "1.3", "Pilot done", **ms),
        _task(
            "P02-T05", "P02", "2", "Report", constraint_type="SNET", constraint_date="2025-03-03"
        ),
    ]
    return {
        "calendars": [
            {
                "calendar_id": "STD",
                "name": "Standard",
                "working_days": "Mon,Tue,Wed,Thu,Fri",
                "periods": "08:00-12:00,13:00-17:00",
                "hours_per_day": "8",
            },
            {
                "calendar_id": "SIX",
                "name": "Six days",
                "working_days": "Mon,Tue,Wed,Thu,Fri,Sat",
                "periods": "07:00-13:00",
                "hours_per_day": "6",
            },
        ],
        "holidays": [
            {"calendar_id": "STD", "date": "2025-01-01", "name": "New Year"},
            {"calendar_id": "STD", "date": "2025-12-25", "name": "Christmas"},
        ],
        "projects": [
            {
                "project_id": "P01",
                "name": "CRM upgrade",
                "programme": "Digital",
                "sponsor": "Ana",
                "manager": "Luis",
                "department": "IT",
                "phase": "execution",
                "start": "2025-01-06",
                "finish_baseline": "2025-06-30",
                "budget": "5000",
                "strategic_objective": "Grow",
                "score_value": "4",
                "score_alignment": "5",
                "score_risk": "2",
                "priority": "1",
                "calendar_id": "STD",
            },
            {
                "project_id": "P02",
                "name": "Pilot plant",
                "programme": "Ops",
                "sponsor": "Eva",
                "manager": "Marta",
                "department": "Operations",
                "phase": "planning",
                "start": "2025-02-03",
                "finish_baseline": "2025-09-30",
                "budget": "3000",
                "strategic_objective": "Efficiency",
                "score_value": "3",
                "score_alignment": "3",
                "score_risk": "4",
                "priority": "2",
                "calendar_id": "SIX",
            },
        ],
        "tasks": tasks,
        "links": [
            {"pred_id": "P01-T02", "succ_id": "P01-T03", "type": "FS", "lag_days": "0"},
            {"pred_id": "P01-T03", "succ_id": "P01-T04", "type": "FS", "lag_days": "0"},
            {"pred_id": "P01-T04", "succ_id": "P01-T05", "type": "SS", "lag_days": "2"},
            {"pred_id": "P02-T02", "succ_id": "P02-T03", "type": "FS", "lag_days": "0"},
            {"pred_id": "P02-T03", "succ_id": "P02-T04", "type": "FS", "lag_days": "0"},
            {"pred_id": "P02-T04", "succ_id": "P02-T05", "type": "FF", "lag_days": "-1"},
            {"pred_id": "P01-T04", "succ_id": "P02-T02", "type": "FS", "lag_days": "0"},
        ],
        "resources": [
            {
                "resource_id": "R01",
                "name": "Ana Ruiz",
                "role": "Analyst",
                "department": "IT",
                "capacity_hours_per_day": "8",
                "rate_per_hour": "60",
                "calendar_id": "STD",
            },
            {
                "resource_id": "R02",
                "name": "Ben Ode",
                "role": "Engineer",
                "department": "Ops",
                "capacity_hours_per_day": "6",
                "rate_per_hour": "75.5",
                "calendar_id": "SIX",
            },
        ],
        "assignments": [
            {"task_id": "P01-T02", "resource_id": "R01", "units": "1"},
            {"task_id": "P01-T03", "resource_id": "R02", "units": "0.5"},
            {"task_id": "P02-T02", "resource_id": "R01", "units": "1"},
            {"task_id": "P02-T03", "resource_id": "R02", "units": "1"},
        ],
        "risks": [
            {
                "risk_id": "K01",
                "project_id": "P01",
                "title": "Vendor late",
                "kind": "threat",
                "category": "supplier",
                "probability": "0.3",
                "cost_impact": "2000",
                "schedule_impact_days": "10",
                "owner": "Luis",
                "response": "mitigate",
                "status": "open",
                "raised_on": "2025-01-15",
            },
            {
                "risk_id": "K02",
                "project_id": "P02",
                "title": "Reuse kit",
                "kind": "opportunity",
                "category": "technical",
                "probability": "0.5",
                "cost_impact": "500",
                "schedule_impact_days": "2",
                "owner": "Marta",
                "response": "exploit",
                "status": "open",
                "raised_on": "",
            },
        ],
        "change_requests": [
            {
                "cr_id": "CR01",
                "project_id": "P01",
                "title": "Add SSO",
                "description": "",
                "requested_by": "Ana",
                "submitted_on": "2025-02-01",
                "task_id": "P01-T03",
                "scope_impact": "minor",
                "cost_impact": "1500",
                "schedule_impact_days": "3",
                "significance": "minor",
                "objective": "Grow",
                "decision": "approved",
                "decided_by": "Luis",
                "decided_on": "2025-02-10",
                "rationale": "cheap",
            },
            {
                "cr_id": "CR02",
                "project_id": "P02",
                "title": "Drop report",
                "description": "x",
                "requested_by": "Eva",
                "submitted_on": "2025-03-01",
                "task_id": "",
                "scope_impact": "moderate",
                "cost_impact": "-200",
                "schedule_impact_days": "-1",
                "significance": "significant",
                "objective": "Efficiency",
                "decision": "pending",
                "decided_by": "",
                "decided_on": "",
                "rationale": "",
            },
        ],
        "snapshots": [
            {
                "project_id": "P01",
                "report_date": "2025-03-31",
                "pv": "2000",
                "ev": "1800",
                "ac": "2100",
                "percent_complete": "30",
                "forecast_finish": "2025-07-10",
                "comment": "late",
            },
            {
                "project_id": "P01",
                "report_date": "2025-04-30",
                "pv": "3000",
                "ev": "2800",
                "ac": "3000",
                "percent_complete": "45",
                "forecast_finish": "",
                "comment": "",
            },
            {
                "project_id": "P02",
                "report_date": "2025-04-30",
                "pv": "500",
                "ev": "500",
                "ac": "450",
                "percent_complete": "15",
                "forecast_finish": "2025-09-30",
                "comment": "",
            },
        ],
        "milestone_forecasts": [
            {
                "project_id": "P01",
                "task_id": "P01-T04",
                "report_date": "2025-03-31",
                "forecast_date": "2025-04-15",
            },
            {
                "project_id": "P02",
                "task_id": "P02-T04",
                "report_date": "2025-04-30",
                "forecast_date": "2025-06-01",
            },
        ],
        "stage_gates": [
            {
                "project_id": "P01",
                "gate": "G0",
                "phase": "initiation",
                "artefact": "business case",
                "required": "true",
                "done": "true",
            },
            {
                "project_id": "P01",
                "gate": "G1",
                "phase": "planning",
                "artefact": "charter",
                "required": "true",
                "done": "false",
            },
            {
                "project_id": "P02",
                "gate": "G0",
                "phase": "initiation",
                "artefact": "business case",
                "required": "true",
                "done": "true",
            },
        ],
    }


def write_tables(folder: Path, tables: Tables, *, standards: str | None = STANDARDS_YAML) -> Path:
    """Write ``tables`` as CSV files (header from the first row, or the schema when empty)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        cols = list(rows[0]) if rows else TABLES[name].columns
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
    if standards is not None:
        (folder / "standards.yaml").write_text(standards, encoding="utf-8")
    return folder


def write_valid(folder: Path) -> Path:
    """The valid small portfolio, written to ``folder``."""
    return write_tables(folder, valid_tables())


def write_synthetic(
    folder: Path, n_projects: int = 1000, tasks_per_project: int = 100, *, seed: int = 0
) -> Path:
    """A large valid portfolio: per project 1 summary + leaf chain + a milestone, some
    cross-project links, assignments, risks, snapshots. Vectorised, seconds for 100k tasks."""
    rng = np.random.default_rng(seed)
    base = valid_tables()
    m = tasks_per_project
    pid = np.array([f"P{i:04d}" for i in range(n_projects)])
    p_rep = np.repeat(pid, m)
    k = np.tile(np.arange(m), n_projects)
    tid = np.char.add(np.char.add(p_rep, "-T"), np.char.zfill(k.astype(str), 4))
    is_sum = k == 0
    is_ms = k == m - 1
    wbs = np.where(is_sum, "1", np.char.add("1.", (k).astype(str)))
    wbs = np.where(is_ms, "2", wbs)
    level = np.where(is_sum | is_ms, 1, 2)
    dur = np.where(is_sum | is_ms, 0.0, rng.integers(1, 20, len(k)).astype(float))
    cost = np.where(is_sum | is_ms, 0.0, dur * 800)
    start = pd.Timestamp("2025-01-06")
    tasks = pd.DataFrame(
        {
            "task_id": tid,
            "project_id": p_rep,
            "wbs": wbs,
            "name": np.char.add("Task ", tid),
            "outline_level": level,
            "is_summary": np.where(is_sum, "true", "false"),
            "is_milestone": np.where(is_ms, "true", "false"),
            "duration_days": dur,
            "optimistic_days": np.where(is_sum | is_ms, "", (dur * 0.8).round(1).astype(str)),
            "most_likely_days": "",
            "pessimistic_days": np.where(is_sum | is_ms, "", (dur * 1.5).astype(str)),
            "constraint_type": "ASAP",
            "constraint_date": "",
            "calendar_id": "",
            "percent_complete": 0.0,
            "actual_start": "",
            "actual_finish": "",
            "baseline_start": start.strftime("%Y-%m-%d"),
            "baseline_finish": "2025-12-31",
            "budgeted_cost": cost,
        }
    )
    leaf_idx = np.flatnonzero(~is_sum)
    same = (np.diff(leaf_idx) == 1) & (p_rep[leaf_idx[:-1]] == p_rep[leaf_idx[1:]])
    links = pd.DataFrame(
        {
            "pred_id": tid[leaf_idx[:-1][same]],
            "succ_id": tid[leaf_idx[1:][same]],
            "type": "FS",
            "lag_days": 0.0,
        }
    )
    # cross-project: milestone of project i -> first leaf of project i+1, for every 10th project
    src = np.arange(0, n_projects - 1, 10)
    cross = pd.DataFrame(
        {
            "pred_id": tid[src * m + m - 1],
            "succ_id": tid[(src + 1) * m + 1],
            "type": "FS",
            "lag_days": 0.0,
        }
    )
    links = pd.concat([links, cross], ignore_index=True)
    budget = pd.Series(cost).groupby(p_rep).sum().reindex(pid).to_numpy()
    projects = pd.DataFrame(
        {
            "project_id": pid,
            "name": np.char.add("Project ", pid),
            "programme": "Prog",
            "sponsor": "S",
            "manager": "M",
            "department": "D",
            "phase": "execution",
            "start": "2025-01-06",
            "finish_baseline": "2026-06-30",
            "budget": budget,
            "strategic_objective": "Grow",
            "score_value": rng.integers(1, 6, n_projects),
            "score_alignment": 3,
            "score_risk": 2,
            "priority": np.arange(1, n_projects + 1),
            "calendar_id": "STD",
        }
    )
    n_res = max(2, n_projects // 5)
    res = pd.DataFrame(
        {
            "resource_id": [f"R{i:04d}" for i in range(n_res)],
            "name": "N",
            "role": "Eng",
            "department": "D",
            "capacity_hours_per_day": 8.0,
            "rate_per_hour": 50.0,
            "calendar_id": "STD",
        }
    )
    leaf_only = np.flatnonzero(~is_sum & ~is_ms)
    asg = pd.DataFrame(
        {
            "task_id": tid[leaf_only],
            "resource_id": res["resource_id"].to_numpy()[leaf_only % n_res],
            "units": 1.0,
        }
    )
    risks = pd.DataFrame(
        {
            "risk_id": np.char.add("K", np.arange(n_projects).astype(str)),
            "project_id": pid,
            "title": "t",
            "kind": "threat",
            "category": "c",
            "probability": 0.2,
            "cost_impact": 100.0,
            "schedule_impact_days": 1.0,
            "owner": "o",
            "response": "mitigate",
            "status": "open",
            "raised_on": "2025-01-10",
        }
    )
    snaps = pd.DataFrame(
        {
            "project_id": pid,
            "report_date": "2025-04-30",
            "pv": 10.0,
            "ev": 9.0,
            "ac": 11.0,
            "percent_complete": 10.0,
            "forecast_finish": "",
            "comment": "",
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    frames = {
        "projects": projects,
        "tasks": tasks,
        "links": links,
        "resources": res,
        "assignments": asg,
        "risks": risks,
        "snapshots": snaps,
    }
    for name, df in frames.items():
        df.to_csv(folder / f"{name}.csv", index=False)
    small = {k: v for k, v in base.items() if k not in frames}
    small["change_requests"] = []
    small["milestone_forecasts"] = []
    small["stage_gates"] = []
    return write_tables(folder, small)
