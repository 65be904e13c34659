"""Metrics over time from the status reports: SPI/CPI trends, milestone trend analysis, and how
accurate the finish forecasts were.

All functions work on the whole portfolio at once (grouped pandas); filter by ``project_id``
afterwards or pass ``project_id``. Every function reads the portfolio as it stood at its status
date (:meth:`pmkit.model.Portfolio.as_of`): reports dated after it are ignored. Milestone slips
(``slip_days``) are calendar days; forecast errors (``error_days``, ``lead_days``) too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pmkit.model import Portfolio
from pmkit.portfolio._util import schedule_tasks
from pmkit.schedule.cpm import Schedule

__all__ = [
    "accuracy_by_report",
    "forecast_accuracy",
    "milestone_accuracy",
    "milestone_trend",
    "portfolio_trend",
    "spi_cpi_trends",
]


def _at_status(portfolio: Portfolio) -> Any:
    """The portfolio as it stood at its status date (later reports dropped)."""
    return portfolio.at_status_date() if isinstance(portfolio, Portfolio) else portfolio


def _of(df: pd.DataFrame, project_id: str | None) -> pd.DataFrame:
    return df if project_id is None else df[df["project_id"] == project_id]


def spi_cpi_trends(portfolio: Portfolio, *, project_id: str | None = None) -> pd.DataFrame:
    """SPI and CPI of every project at every status report (same formulas as :mod:`pmkit.evm`).

    Returns
    -------
    DataFrame
        ``project_id, report_date, pv, ev, ac, spi, cpi, percent_complete``, sorted by project
        then date; ``NaN`` where a denominator is zero.
    """
    portfolio = _at_status(portfolio)
    s = _of(portfolio.snapshots, project_id).sort_values(["project_id", "report_date"])
    pv, ev, ac = (s[c].to_numpy(dtype=float) for c in ("pv", "ev", "ac"))
    with np.errstate(divide="ignore", invalid="ignore"):
        spi = np.where(pv > 0, ev / pv, np.nan)
        cpi = np.where(ac > 0, ev / ac, np.nan)
    out = s[["project_id", "report_date", "pv", "ev", "ac", "percent_complete"]].assign(
        spi=spi, cpi=cpi
    )
    cols = ["project_id", "report_date", "pv", "ev", "ac", "spi", "cpi", "percent_complete"]
    return out[cols].reset_index(drop=True)


def portfolio_trend(portfolio: Portfolio, *, freq: str = "M") -> pd.DataFrame:
    """Portfolio SPI/CPI per period: sums of PV, EV, AC of each project's last report in it.

    Returns ``period, projects, pv, ev, ac, spi, cpi`` (``period`` = first day of the month).
    """
    portfolio = _at_status(portfolio)
    s = portfolio.snapshots.copy()
    period = "M" if freq in ("MS", "ME", "M") else freq
    s["period"] = s["report_date"].dt.to_period(period).dt.to_timestamp()
    last = s.sort_values("report_date").drop_duplicates(["project_id", "period"], keep="last")
    out = last.groupby("period", as_index=False).agg(
        projects=("project_id", "nunique"), pv=("pv", "sum"), ev=("ev", "sum"), ac=("ac", "sum")
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["spi"] = np.where(out["pv"] > 0, out["ev"] / out["pv"], np.nan)
        out["cpi"] = np.where(out["ac"] > 0, out["ev"] / out["ac"], np.nan)
    return out


def milestone_trend(portfolio: Portfolio, *, project_id: str | None = None) -> pd.DataFrame:
    """Milestone trend analysis: the forecast date of each milestone at each report date.

    Returns
    -------
    DataFrame
        ``project_id, task_id, milestone`` (name), ``report_date, forecast_date,
        baseline_finish, actual_finish``, ``slip_vs_baseline_days`` and ``slip_vs_first_days``
        (calendar days; positive = later), ``change_days`` (vs the previous report).
    """
    portfolio = _at_status(portfolio)
    f = _of(portfolio.milestone_forecasts, project_id).sort_values(
        ["project_id", "task_id", "report_date"]
    )
    t = portfolio.tasks.set_index("task_id")
    out = f[["project_id", "task_id", "report_date", "forecast_date"]].reset_index(drop=True)
    ids = out["task_id"]
    out.insert(2, "milestone", ids.map(t["name"]).fillna(ids).astype("str").to_numpy())
    out["baseline_finish"] = ids.map(t["baseline_finish"]).to_numpy()
    out["actual_finish"] = ids.map(t["actual_finish"]).to_numpy()
    fc = pd.to_datetime(out["forecast_date"])
    out["slip_vs_baseline_days"] = (fc - pd.to_datetime(out["baseline_finish"])).dt.days
    first = fc.groupby(out["task_id"]).transform("first")
    out["slip_vs_first_days"] = (fc - first).dt.days
    out["change_days"] = fc.groupby(out["task_id"]).diff().dt.days
    return out


def _reference_finish(
    portfolio: Portfolio, schedule: Schedule | pd.DataFrame | None
) -> pd.DataFrame:
    """Per project, the finish forecasts are judged against: actual if finished, else latest."""
    t = portfolio.tasks
    leaf = t[~t["is_summary"].to_numpy(dtype=bool)]
    g = leaf.groupby("project_id")
    done = g["percent_complete"].min() >= 100
    actual = g["actual_finish"].max()
    s = portfolio.snapshots.sort_values("report_date")
    latest = s.dropna(subset=["forecast_finish"]).groupby("project_id")["forecast_finish"].last()
    ids = portfolio.projects["project_id"]
    ref = pd.DataFrame({"project_id": ids.to_numpy()})
    is_done = ids.map(done).fillna(False).astype(bool).to_numpy()
    act = pd.to_datetime(ids.map(actual)).to_numpy()
    # mapping onto an empty date series (no report yet) cannot build dates: no forecast is NaT
    later = (
        pd.to_datetime(ids.map(latest)) if len(latest) else pd.Series(pd.NaT, index=ids.index)
    ).to_numpy()
    kind = np.where(is_done & ~np.isnat(act), "actual", "latest forecast")
    if schedule is not None:
        st = schedule_tasks(schedule)
        assert st is not None  # a schedule was given
        pid = t.set_index("task_id")["project_id"]
        fin = pd.to_datetime(st["finish"]).groupby(st["task_id"].map(pid)).max().dt.normalize()
        sched = pd.to_datetime(ids.map(fin)).to_numpy()
        later = np.where(np.isnat(sched), later, sched)
        kind = np.where(kind == "actual", kind, "scheduled finish")
    ref["reference_finish"] = np.where(kind == "actual", act, later)
    ref["reference_kind"] = kind
    return ref.set_index("project_id")


def forecast_accuracy(
    portfolio: Portfolio,
    *,
    schedule: Schedule | pd.DataFrame | None = None,
    project_id: str | None = None,
) -> pd.DataFrame:
    """How far each report's finish forecast was from the finish as now known.

    The reference is the project's actual finish when every task is done, else the latest
    forecast (the scheduled finish when ``schedule`` is given).

    Returns
    -------
    DataFrame
        ``project_id, report_date, forecast_finish, reference_finish, reference_kind,
        error_days`` (forecast - reference, calendar days: negative = too optimistic),
        ``abs_error_days`` and ``lead_days`` (how long before the reference the report was).
    """
    portfolio = _at_status(portfolio)
    ref = _reference_finish(portfolio, schedule)
    s = _of(portfolio.snapshots, project_id).dropna(subset=["forecast_finish"])
    s = s.sort_values(["project_id", "report_date"])
    out = s[["project_id", "report_date", "forecast_finish"]].reset_index(drop=True)
    out["reference_finish"] = pd.to_datetime(out["project_id"].map(ref["reference_finish"]))
    out["reference_kind"] = out["project_id"].map(ref["reference_kind"]).astype("str")
    out["error_days"] = (out["forecast_finish"] - out["reference_finish"]).dt.days.astype(float)
    out["abs_error_days"] = out["error_days"].abs()
    out["lead_days"] = (out["reference_finish"] - out["report_date"]).dt.days.astype(float)
    return out


def accuracy_by_report(
    portfolio: Portfolio, *, schedule: Schedule | pd.DataFrame | None = None
) -> pd.DataFrame:
    """Portfolio forecast accuracy per report month: ``period, projects, mean_error_days,
    mean_abs_error_days, optimistic_share`` (share of forecasts earlier than the reference)."""
    portfolio = _at_status(portfolio)
    acc = forecast_accuracy(portfolio, schedule=schedule)
    acc["period"] = acc["report_date"].dt.to_period("M").dt.to_timestamp()
    return acc.groupby("period", as_index=False).agg(
        projects=("project_id", "nunique"),
        mean_error_days=("error_days", "mean"),
        mean_abs_error_days=("abs_error_days", "mean"),
        optimistic_share=("error_days", lambda e: float((e < 0).mean())),
    )


def milestone_accuracy(portfolio: Portfolio, *, project_id: str | None = None) -> pd.DataFrame:
    """Milestone forecasts vs the milestone's actual finish (or its latest forecast).

    Returns ``project_id, task_id, milestone, report_date, forecast_date, reference_date,
    reference_kind, error_days``.
    """
    portfolio = _at_status(portfolio)
    mt = milestone_trend(portfolio, project_id=project_id)
    latest = mt.groupby("task_id")["forecast_date"].transform("last")
    act = pd.to_datetime(mt["actual_finish"])
    mt["reference_date"] = act.fillna(latest)
    mt["reference_kind"] = np.where(act.notna(), "actual", "latest forecast")
    mt["error_days"] = (mt["forecast_date"] - mt["reference_date"]).dt.days.astype(float)
    cols = [
        "project_id",
        "task_id",
        "milestone",
        "report_date",
        "forecast_date",
        "reference_date",
        "reference_kind",
        "error_days",
    ]
    return mt[cols]
