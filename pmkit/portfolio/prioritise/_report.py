"""One prioritisation run as plain tables (what ``pmkit prioritise`` prints, as table/JSON/CSV).

Committed work (running projects) that already exceeds the capacity is accepted first, as the
dashboard does (the least overload, reported); the PMO's own forced-in projects must then fit
on top of it, or the run stops with the constraint they break.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pmkit.errors import UnknownPrioritiseProjectError
from pmkit.model import Portfolio
from pmkit.portfolio.prioritise._portfolio import selection_problem
from pmkit.portfolio.prioritise._select import (
    Selection,
    SelectionProblem,
    _feasible_x,
    _least_overload,
    greedy,
    model_of,
    solve,
)
from pmkit.portfolio.prioritise._why import explain

__all__ = ["PrioritiseRun", "overload_allowance", "prioritise_run"]

PROJECT_COLUMNS = [
    "project_id",
    "name",
    "decision",
    "shift_months",
    "start_month",
    "value",
    "cost",
    "forced",
    "reason",
]


@dataclass
class PrioritiseRun:
    """``selection`` (the solved portfolio), ``projects`` (one row per candidate, best value
    first: decision ``in`` / ``in, +N month(s)`` / ``cut`` / ``forced out`` and the reason in
    words) and ``summary`` (value, cost, budget, status, gap, overload accepted)."""

    selection: Selection
    projects: pd.DataFrame
    summary: dict[str, Any]


def _check_ids(p: SelectionProblem, ids: Iterable[str], option: str) -> None:
    known = set(p.ids.astype(str))
    for pid in ids:
        if pid not in known:
            raise UnknownPrioritiseProjectError(
                "project",
                pid,
                note="or closed: closed projects are not candidates",
                field=option,
                expected=f"one of {', '.join(sorted(known))}"
                if len(known) <= 30
                else "a candidate project id",
            )


def _committed_allowance(p: SelectionProblem, time_limit: float) -> np.ndarray | None:
    """The least overload the running projects need on their own (None when they fit)."""
    keep = p.running - p.forced_out
    if not keep:
        return None
    return overload_allowance(p.with_(forced_in=keep, budget=None, budget_by_year={}), time_limit)


def overload_allowance(
    p: SelectionProblem, time_limit: float = 10.0, *, model: Any = None
) -> np.ndarray | None:
    """The least overload (hours per role and month) the forced-in projects of ``p`` need to
    fit, or ``None`` when they fit: what ``solve(p, overload=True).problem.allowance`` gives,
    without solving the value-maximising portfolio on top (only the least-overload model).
    ``model``: a model of a problem of the same structure, already built (e.g.
    ``BudgetFrontier.walk.model`` of the previous forced sets): only its bounds are changed.

    Raises :class:`PrioritiseError` like :func:`solve` when no overload can help (a budget or
    rule conflict)."""
    m = model_of(p, model)  # built once for the greedy test and the least-overload model
    if _fits(p, m):  # the usual case: no solve needed to know there is no overload
        return None
    extra = _least_overload(p, time_limit, model=m)
    if extra is None:  # capacity does not help: solve says which constraint is broken
        return solve(p, time_limit=time_limit, overload=True).problem.allowance
    return extra if bool((extra > 0).any()) else None


def _fits(p: SelectionProblem, model: Any = None) -> bool:
    """Do the forced-in projects (and what they need) fit as they are? A greedy fill with
    them first, checked against every row (a sufficient test; ``False`` means "solve")."""
    sel = greedy(p, model=model)
    return (
        sel.model is not None and set(p.forced_in) <= set(sel.ids) and _feasible_x(sel.model, sel.x)
    )


def prioritise_run(
    portfolio: Portfolio,
    *,
    budget: float | str | None = "standards",
    level: float = 1.0,
    forced_in: Iterable[str] = (),
    forced_out: Iterable[str] = (),
    time_limit: float = 10.0,
    gap: float = 1e-3,
    use_links: bool = True,
    schedule: Any = None,
) -> PrioritiseRun:
    """Rank, then select and sequence the portfolio under a budget and a capacity level.

    Raises :class:`PrioritiseError` naming the option and id for an unknown project, and the
    constraint they break when the forced-in projects cannot all be chosen. ``schedule``:
    the portfolio's schedule when the caller has it (e.g. :func:`pmkit.cache.schedule_portfolio`
    in a dashboard kernel), else it is computed here.
    """
    forced_in, forced_out = [str(x) for x in forced_in], [str(x) for x in forced_out]
    p = selection_problem(
        portfolio, budget=budget, level=level, use_links=use_links, schedule=schedule
    )
    _check_ids(p, forced_in, "--force-in")
    _check_ids(p, forced_out, "--force-out")
    p = p.with_(forced_in=(p.forced_in | set(forced_in)) - set(forced_out), forced_out=forced_out)
    p.check()
    p = p.with_(allowance=_committed_allowance(p, time_limit))
    sel = solve(p, time_limit=time_limit, gap=gap)
    return PrioritiseRun(sel, project_table(sel), _summary(sel))


def project_table(sel: Selection) -> pd.DataFrame:
    """One row per candidate: the decision and, for a cut or delayed one, why."""
    why = explain(sel, shadow_prices=False).set_index("project_id")["binding"]
    t = sel.chosen.copy()
    shift = t["shift_months"].astype(int)
    months = np.asarray(sel.problem.months, dtype="datetime64[M]")
    start = t["start_month"].clip(0, len(months) - 1).astype(int)
    t["start_month"] = pd.PeriodIndex(months[start], freq="M").astype(str)
    t["decision"] = np.where(
        t["forced"] == "out",
        "forced out",
        np.where(
            ~t["chosen"],
            "cut",
            np.where(shift > 0, "in, +" + shift.astype(str) + " month(s)", "in"),
        ),
    )
    t.loc[~t["chosen"], "start_month"] = ""
    t["reason"] = t["project_id"].map(why).fillna("")
    t = t.sort_values(["chosen", "value"], ascending=[False, False], kind="stable")
    return t[PROJECT_COLUMNS].reset_index(drop=True)


def _summary(sel: Selection) -> dict[str, Any]:
    p = sel.problem
    over = sel.overload()
    return {
        "chosen": len(sel.ids),
        "candidates": p.n,
        "value": round(sel.value, 4),
        "cost": round(sel.cost, 2),
        "budget": p.budget,
        "level": p.level,
        "status": sel.status,
        "gap": None if not np.isfinite(sel.gap) else round(sel.gap, 6),
        "seconds": round(sel.seconds, 3),
        "overload_accepted_hours": round(float(over["overload_hours"].sum()), 2),
    }
