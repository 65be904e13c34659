"""Portfolio-wide levelling: every project levelled together, by portfolio priority.

:func:`pmkit.schedule.leveling.level` levels one project against each resource's whole capacity,
ignoring the hours other projects already ask of the same people. Here all projects go through
that same serial schedule-generation scheme *at once*: the tasks of the whole portfolio form
one network (cross-project links included), each task takes its project's portfolio priority
(rank of the priority score, 1 = first served; else ``projects.priority``), and the rule
``priority, then least total float, then earliest start`` places the tasks of the
highest-priority projects first, so the lower-priority projects are the ones that wait.
Started tasks keep their dates; what cannot be fixed is reported as the one-project levelling
reports it (``unavoidable``: resource, day, hours over, tasks).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pmkit.model import Portfolio
from pmkit.portfolio.prioritise._scores import drivers_of, priority_scores
from pmkit.schedule.cpm import Schedule
from pmkit.schedule.leveling import LevelingResult, level
from pmkit.schedule.portfolio_adapter import schedule_portfolio

__all__ = ["PortfolioLeveling", "level_portfolio", "portfolio_priorities"]

_ALL = "__portfolio__"


@dataclass
class PortfolioLeveling:
    """Result of :func:`level_portfolio`.

    Attributes
    ----------
    projects : DataFrame
        ``project_id, name, priority, finish_before, finish_after, finish_delta_days``
        (working days), ``tasks_delayed``, best priority first.
    tasks : DataFrame
        :attr:`LevelingResult.tasks` with ``project_id``.
    unavoidable : DataFrame
        Over-allocations left: ``resource_id, day, over_hours, tasks``.
    notes : list of str
    overallocated_before, overallocated_after : int
        Over-allocated resource-days counting every project's work.
    """

    projects: pd.DataFrame
    tasks: pd.DataFrame
    unavoidable: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    overallocated_before: int = 0
    overallocated_after: int = 0
    result: LevelingResult | None = None


def portfolio_priorities(portfolio: Portfolio) -> dict[str, int]:
    """Project -> portfolio priority (1 = first served): the rank of the priority score when
    business drivers exist, else ``projects.priority``."""
    if drivers_of(portfolio) is not None:
        ps = priority_scores(portfolio)
        return {str(k): int(v) for k, v in zip(ps["project_id"], ps["rank"], strict=True)}
    pr = portfolio.projects
    return {str(k): int(v) for k, v in zip(pr["project_id"], pr["priority"], strict=True)}


def _merged(portfolio: Portfolio, schedule: Schedule) -> tuple[Portfolio, Schedule]:
    """The portfolio as one project (same tasks, links, resources, calendars) and its schedule."""
    pr = portfolio.projects
    one = pr.iloc[[0]].copy()
    one["project_id"], one["name"], one["priority"] = _ALL, "Portfolio", 1
    tasks = portfolio.tasks.assign(project_id=_ALL)
    if "priority" in tasks.columns:  # task priorities are set per project below
        tasks = tasks.drop(columns="priority")
    merged = dataclasses.replace(portfolio, projects=one, tasks=tasks)
    st = schedule.tasks.assign(project_id=_ALL)
    return merged, dataclasses.replace(schedule, tasks=st)


def level_portfolio(
    portfolio: Portfolio,
    *,
    priorities: Mapping[str, int] | None = None,
    schedule: Schedule | pd.DataFrame | None = None,
) -> PortfolioLeveling:
    """Level every project together so shared resources are not over-allocated, serving the
    projects in portfolio-priority order.

    Parameters
    ----------
    portfolio : Portfolio
    priorities : mapping project_id -> int, optional
        Override the portfolio priorities (1 = first served); default
        :func:`portfolio_priorities`.
    schedule : Schedule, optional
        The portfolio's CPM schedule (:func:`pmkit.schedule.portfolio_adapter.schedule_portfolio`).
    """
    prio = {
        **portfolio_priorities(portfolio),
        **{str(k): int(v) for k, v in (priorities or {}).items()},
    }
    sched = schedule if schedule is not None else schedule_portfolio(portfolio)
    proj_of = dict(
        zip(portfolio.tasks["task_id"], portfolio.tasks["project_id"].astype(str), strict=True)
    )
    merged, msched = _merged(portfolio, sched)
    task_prio = {t: float(prio.get(p, len(prio) + 1)) for t, p in proj_of.items()}
    res = level(merged, _ALL, schedule=msched, priorities=task_prio)
    tasks = res.tasks.assign(project_id=res.tasks["task_id"].map(proj_of))
    return PortfolioLeveling(
        projects=_per_project(portfolio, tasks, prio, res),
        tasks=tasks,
        unavoidable=res.unavoidable,
        notes=list(res.notes),
        overallocated_before=res.overallocated_before,
        overallocated_after=res.overallocated_after,
        result=res,
    )


def _per_project(
    portfolio: Portfolio, tasks: pd.DataFrame, prio: Mapping[str, int], res: LevelingResult
) -> pd.DataFrame:
    g = tasks.groupby("project_id")
    out = pd.DataFrame(
        {
            "finish_before": g["finish_before"].max(),
            "finish_after": g["finish"].max(),
            "tasks_delayed": g["delay_days"].apply(lambda d: int((d > 1e-9).sum())),
        }
    ).reset_index()
    cal = res.calendar
    wb = cal.to_working_minutes(pd.to_datetime(out["finish_before"]).to_numpy()).astype(float)
    wa = cal.to_working_minutes(pd.to_datetime(out["finish_after"]).to_numpy()).astype(float)
    out["finish_delta_days"] = np.round((wa - wb) / float(cal.minutes_per_day), 2)
    names = portfolio.projects.set_index(portfolio.projects["project_id"].astype(str))["name"]
    out["name"] = out["project_id"].map(names)
    out["priority"] = out["project_id"].map(prio)
    cols = ["project_id", "name", "priority", "finish_before", "finish_after"]
    return out[[*cols, "finish_delta_days", "tasks_delayed"]].sort_values(
        ["priority", "project_id"], ignore_index=True
    )
