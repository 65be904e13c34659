"""Deterministic, seeded generator of a realistic sample portfolio (the tables of DATA-MODEL.md).

Why: every dashboard needs a portfolio with a story (late and over-budget projects, shared
architects, cross-project dependencies, slipping milestones, missing gate artefacts), and the
benchmarks need the same shape at any size. Same arguments -> byte-identical CSV files.

How the schedule is made consistent without pmkit's scheduler: durations and lags are whole
working days of the "Standard" calendar (Mon-Fri, Spanish national holidays), so a task's
start is an integer *working-day index* and a vectorised longest-path relaxation over all links
(FS/SS/FF/SF with lags) gives early starts. Index ``i`` means "the start of working day i";
a task of ``d`` days starting at ``i`` ends at the end of working day ``i + d - 1``; a milestone
at ``i`` is dated the previous working day (the day its predecessor finishes, like MS Project).

Story of one run
----------------
1. Build each project's WBS (phases -> work packages -> tasks, a milestone ending each phase),
   intra-project links, baseline durations and current durations (baseline x a per-project
   slip factor x noise).
2. Schedule every project from day 0, place its start so that the status date falls in the
   phase chosen for it, add cross-project links (a milestone feeding a later project's task),
   then schedule the baseline and the current plan over absolute days.
3. Progress at the status date comes from the current plan; cost from the resources' rates;
   snapshots (PV/EV/AC) and milestone forecasts from both plans at each month end.

Where things are: the reference data (names, roles, rates, task templates, risk and change
texts) in the packaged ``reference.yaml``; the PMO standards in the packaged template
(:mod:`pmkit.templates`); the WBS builder in ``_wbs``; the plan the steps fill (one
:class:`~pmkit.generate._plan.Plan` instead of 20 positional arrays) and the placement and
link steps in ``_plan``; the relaxation in ``_relax``; the table makers in ``_tables`` and
``_reports``.

Examples
--------
>>> tables = generate_portfolio(n_projects=12, seed=1)
>>> sorted(tables)[:3]
['assignments', 'calendars', 'change_requests']
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pmkit.generate import _tables
from pmkit.generate._calendar import Days, easter_sunday, spain_holidays
from pmkit.generate._plan import (
    Clock,
    Plan,
    constraint_floors,
    cross_links,
    draw_durations,
    links_frame,
    place_projects,
    progress,
    story_links,
)
from pmkit.generate._reports import reports
from pmkit.generate._standards import linked_projects, standards, standards_text, template_gates
from pmkit.generate._wbs import Builder, build_project
from pmkit.model import TABLES as _MODEL_TABLES

__all__ = [
    "TABLES",
    "easter_sunday",
    "generate_portfolio",
    "spain_holidays",
    "write_generated",
]

#: CSV tables written: the model's tables, in the order of docs/DATA-MODEL.md.
TABLES: tuple[str, ...] = tuple(_MODEL_TABLES)

_STATUS_DATE = dt.date(2026, 10, 30)


def _structure(
    rng: np.random.Generator, projects: pd.DataFrame, tasks_per_project: tuple[int, int]
) -> Plan:
    """Every project's WBS and intra-project links; the first project with HTML in its name
    also gets a task name with HTML (the dashboards must escape both)."""
    lo, hi = tasks_per_project
    n_projects = len(projects)
    b = Builder()
    n_tasks = rng.integers(lo, hi + 1, size=n_projects)
    has_html = projects["name"].str.contains("<", regex=False)
    html_proj = int(np.flatnonzero(has_html)[0]) if has_html.any() else -1
    for p in range(n_projects):
        build_project(b, rng, p, int(n_tasks[p]), html_task=p == html_proj)
    return Plan.of(b, n_projects)


def _schedule(rng: np.random.Generator, plan: Plan, projects: pd.DataFrame, clock: Clock) -> None:
    """Durations, constraint floors, each project's start and the baseline (with the
    cross-project links that a slip propagates through)."""
    draw_durations(rng, plan, projects["_sched_f"].to_numpy())
    cur_rel = constraint_floors(rng, plan)
    target = projects["_target"].to_numpy()
    place_projects(rng, plan, cur_rel, target, clock)
    base_abs0 = plan.links.schedule(plan.base_dur, plan.floor_abs)
    plan.links.add_fs(*cross_links(rng, plan, base_abs0, target))
    plan.base_es = plan.links.schedule(plan.base_dur, plan.floor_abs)


def _apply_changes(
    plan: Plan, cr_task: np.ndarray, cr_days: np.ndarray, approved: np.ndarray
) -> None:
    """Approved change requests are in the current durations; reschedule the current plan."""
    np.add.at(plan.cur_dur, cr_task[approved], cr_days[approved])
    plan.cur_dur[plan.work] = np.maximum(plan.cur_dur[plan.work], 1)
    plan.cur_es = plan.links.schedule(plan.cur_dur, plan.floor_abs)


def _projects_frame(
    rng: np.random.Generator,
    plan: Plan,
    projects: pd.DataFrame,
    budget: np.ndarray,
    phase_idx: np.ndarray,
    manager: tuple[pd.DataFrame, pd.DataFrame],
    days: Days,
) -> pd.DataFrame:
    """projects.csv (``manager``: the assignments and resources the manager is picked from)."""
    p_base_fin = plan.project_finish(plan.base_es, plan.base_dur)
    return pd.DataFrame(
        {
            "project_id": projects["project_id"].to_numpy(),
            "name": projects["name"],
            "programme": projects["programme"],
            "sponsor": projects["sponsor"],
            "manager": _tables.managers(rng, plan, *manager),
            "department": projects["department"],
            "phase": _tables.PHASE_NAMES[phase_idx],
            "start": days.iso(plan.start_idx),
            "finish_baseline": days.iso(p_base_fin),
            "budget": np.round(budget, 2),
            "strategic_objective": projects["strategic_objective"],
            "score_value": projects["score_value"],
            "score_alignment": projects["score_alignment"],
            "score_risk": projects["score_risk"],
            "priority": projects["priority"],
            "calendar_id": "Standard",
        }
    )


def _people_frames(
    tasks: pd.DataFrame, resources: pd.DataFrame, assign: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """resources.csv (without the generator's own columns) and assignments.csv."""
    res_out = resources.drop(columns=[c for c in resources.columns if c.startswith("_")])
    assignments = pd.DataFrame(
        {
            "task_id": tasks["task_id"].to_numpy()[assign["task"].to_numpy()],
            "resource_id": res_out["resource_id"].to_numpy()[assign["res"].to_numpy()],
            "units": assign["units"].to_numpy(),
        }
    )
    return res_out, assignments


def _holidays_frame(hol: list[tuple[dt.date, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "calendar_id": np.repeat(["Standard", "Part-time"], len(hol)),
            "date": [d.isoformat() for d, _ in hol] * 2,
            "name": [nm for _, nm in hol] * 2,
        }
    )


def _check_arguments(n_projects: int, tasks_per_project: tuple[int, int]) -> None:
    lo, hi = tasks_per_project
    if n_projects < 1 or lo < 26 or hi < lo:
        raise ValueError(
            "need n_projects >= 1 and 26 <= tasks_per_project[0] <= tasks_per_project[1]"
        )


def generate_portfolio(
    *,
    n_projects: int = 14,
    seed: int = 7,
    tasks_per_project: tuple[int, int] = (30, 50),
    n_resources: int | None = None,
    status_date: dt.date = _STATUS_DATE,
    report_months: int = 6,
    holiday_years: Sequence[int] = (2025, 2026, 2027, 2028),
) -> dict[str, Any]:
    """Generate a sample portfolio: one DataFrame per CSV of DATA-MODEL.md plus ``standards``.

    Parameters
    ----------
    n_projects : int
        Number of projects (>= 1; the sample's story needs >= 12).
    seed : int
        Seed of the numpy random generator; same arguments -> identical tables.
    tasks_per_project : tuple of int
        Inclusive range of tasks per project (summaries and milestones count).
    n_resources : int, optional
        Size of the shared resource pool; default ``max(34, n_projects)``.
    status_date : datetime.date
        The "today" of the sample; progress and the last snapshot are at this date.
    report_months : int
        Number of monthly snapshots (month ends, the last one at the status date).
    holiday_years : sequence of int
        Years whose Spanish national holidays go into holidays.csv.

    Returns
    -------
    dict
        Keys :data:`TABLES` (DataFrames with string/float/bool columns, dates as ISO strings,
        empty string = none) and ``"standards"`` (the dict of standards.yaml).
    """
    _check_arguments(n_projects, tasks_per_project)
    rng = np.random.default_rng(seed)
    hol = spain_holidays(holiday_years)
    days = Days([d for d, _ in hol])
    sd = np.datetime64(status_date, "D")
    clock = Clock(days, sd, int(days.index(sd)) + 1, report_months)  # t_sd: end of status day

    projects = _tables.make_projects(rng, n_projects)
    resources = _tables.make_resources(rng, int(n_resources or max(34, n_projects)))
    plan = _structure(rng, projects, tasks_per_project)
    _schedule(rng, plan, projects, clock)
    assign, cost = _tables.assign(rng, plan, resources)
    cost[~plan.work] = 0.0
    plan.cost = cost
    budget = np.bincount(plan.proj, weights=cost, minlength=n_projects)
    crs, cr_task, cr_days, approved = _tables.make_change_requests(
        rng, plan, projects, budget, clock
    )
    _apply_changes(plan, cr_task, cr_days, approved)
    # open milestones feeding other projects: own stream, the tables above keep their draws
    plan.links.add_fs(*story_links(np.random.default_rng([seed, 2]), plan, clock.t_sd))
    phase_idx = progress(plan, clock.t_sd)

    pids = projects["project_id"].to_numpy()
    tasks = _tables.tasks_frame(rng, plan, pids, days)
    task_ids = tasks["task_id"].to_numpy()
    links = links_frame(plan, task_ids)
    projects_out = _projects_frame(
        rng, plan, projects, budget, phase_idx, (assign, resources), days
    )
    crs["project_id"] = pids[crs["_p"].to_numpy()]
    crs["task_id"] = np.where(cr_task >= 0, task_ids[np.maximum(cr_task, 0)], "")
    crs = crs.drop(columns="_p")
    snapshots, mforecasts = reports(
        rng, plan, clock, projects["_cost_f"].to_numpy(), pids, task_ids
    )
    risks = _tables.make_risks(rng, plan, projects_out, budget, assign, resources, clock)
    gates = _tables.make_gates(rng, pids, phase_idx, template_gates())
    res_out, assignments = _people_frames(tasks, resources, assign)
    return {
        "projects": projects_out,
        "tasks": tasks,
        "links": links,
        "resources": res_out,
        "assignments": assignments,
        "calendars": _tables.calendars_frame(),
        "holidays": _holidays_frame(hol),
        "risks": risks,
        "change_requests": crs,
        "snapshots": snapshots,
        "milestone_forecasts": mforecasts,
        "stage_gates": gates,
        "project_scores": _tables.make_scores(seed, projects_out),
        "standards": standards(status_date, projects_out, linked_projects(tasks, links)),
    }


# --------------------------------------------------------------------------- writing


def _to_csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Booleans as true/false, as DATA-MODEL.md says."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == bool:
            out[c] = np.where(out[c].to_numpy(), "true", "false")
    return out


def write_generated(path: str | Path, **kw: Any) -> dict[str, Any]:
    """Generate a portfolio (``kw`` as :func:`generate_portfolio`) and write it to ``path``.

    Writes one CSV per table (UTF-8, ``\\n`` line ends) and the commented standards.yaml;
    returns the generated tables.
    """
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    tables = generate_portfolio(**kw)
    for name in TABLES:
        _to_csv_frame(tables[name]).to_csv(
            out / f"{name}.csv", index=False, lineterminator="\n", encoding="utf-8"
        )
    status = kw.get("status_date", _STATUS_DATE)
    linked = linked_projects(tables["tasks"], tables["links"])
    text = standards_text(status, tables["projects"], linked)
    (out / "standards.yaml").write_text(text, encoding="utf-8")
    return tables


def main(argv: Sequence[str] | None = None) -> int:
    """``pmkit generate OUT_DIR [--projects N] [--seed S] ...``."""
    ap = argparse.ArgumentParser(prog="pmkit generate", description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--projects", type=int, default=14)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--tasks",
        type=int,
        nargs=2,
        metavar=("MIN", "MAX"),
        default=(30, 50),
        help="tasks per project (inclusive range)",
    )
    ap.add_argument("--resources", type=int, default=None)
    ap.add_argument("--status-date", type=dt.date.fromisoformat, default=_STATUS_DATE)
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    tables = write_generated(
        a.out_dir,
        n_projects=a.projects,
        seed=a.seed,
        tasks_per_project=tuple(a.tasks),
        n_resources=a.resources,
        status_date=a.status_date,
    )
    print(
        f"wrote {a.out_dir}: {len(tables['projects'])} projects, {len(tables['tasks'])} tasks, "
        f"{len(tables['links'])} links, {len(tables['resources'])} resources "
        f"in {time.perf_counter() - t0:.2f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
