"""Small shared helpers of the PMO lens: schedule tables, working-day counts, month bins."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pmkit.errors import PmkitError
from pmkit.model import Portfolio
from pmkit.schedule.cpm import Schedule


def busday_count(begin: Any, end: Any, cal_ids: Any, specs: dict[str, Any]) -> np.ndarray:
    """Working days in ``[begin, end)`` per row, in each row's calendar (negative if end < begin).

    Loops over the few distinct calendars, vectorised within each.
    """
    b = pd.to_datetime(pd.Series(begin)).to_numpy(dtype="datetime64[D]")
    e = pd.to_datetime(pd.Series(end)).to_numpy(dtype="datetime64[D]")
    ids = np.asarray(cal_ids, dtype=object)
    out = np.full(len(b), np.nan)
    ok = ~(np.isnat(b) | np.isnat(e))
    for cid in pd.unique(ids[ok]):
        mask, hols, _ = specs.get(str(cid), ("1111100", np.array([], "datetime64[D]"), 8.0))
        sel = ok & (ids == cid)
        out[sel] = np.busday_count(b[sel], e[sel], weekmask=mask, holidays=hols)
    return out


def schedule_tasks(schedule: Schedule | pd.DataFrame | None) -> pd.DataFrame | None:
    """The task table of a ``Schedule`` (or a DataFrame), with ``task_id`` as a column.

    Accepts ``uid`` or ``task_id`` as the id column (the scheduler names it ``uid``).
    """
    if schedule is None:
        return None
    df = schedule.tasks if isinstance(schedule, Schedule) else schedule
    if not isinstance(df, pd.DataFrame):
        raise PmkitError(
            "expected a Schedule or a DataFrame of scheduled tasks",
            field="schedule",
            value=type(schedule).__name__,
        )
    if "task_id" not in df.columns:
        if "uid" not in df.columns:
            raise PmkitError(
                "scheduled tasks have no id column",
                field="schedule",
                expected="a 'uid' or 'task_id' column",
            )
        df = df.rename(columns={"uid": "task_id"})
    missing = {"start", "finish"} - set(df.columns)
    if missing:
        raise PmkitError(
            "scheduled tasks lack dates", field=sorted(missing)[0], expected="start and finish"
        )
    return df


def task_calendar_ids(portfolio: Portfolio) -> pd.Series:
    """Each task's calendar: its own ``calendar_id`` or else its project's (index = task row)."""
    proj_cal = portfolio.projects.set_index("project_id")["calendar_id"]
    own = portfolio.tasks["calendar_id"].astype(object)
    fallback = portfolio.tasks["project_id"].map(proj_cal)
    return own.where(own.fillna("").astype(str) != "", fallback)


def as_set(value: Any) -> set[str] | None:
    """A filter value as a set of strings; ``None``/empty means "no filter"."""
    if value is None:
        return None
    if isinstance(value, str):
        return {value} if value else None
    values = {str(v) for v in value if v is not None and str(v) != ""}
    return values or None
