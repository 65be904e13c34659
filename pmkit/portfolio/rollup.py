"""The PMO roll-up: one row per project, with RAG per dimension and the rule behind each colour.

Every figure is computed for all projects at once (grouped pandas/numpy, no per-project loop), so
the roll-up of 1,000 projects costs about what one costs.

Where each column comes from
----------------------------
- ``percent_complete``: budget-weighted progress of the leaf tasks (duration-weighted when a
  project has no task budget): the current truth, not the last report.
- ``spi, cpi, eac, vac``: the latest status report (``snapshots``) up to the status date, with
  the formulas of :mod:`pmkit.evm` (``SPI = EV/PV``, ``CPI = EV/AC``, ``EAC = BAC/CPI``).
- ``spi_t, sv_t_wd, ieac_t_date``: earned schedule at that report (:mod:`pmkit.evm`): SPI(t) =
  ES / AT, SV(t) = ES - AT in **working days** of the project calendar, IEAC(t) as a date; a
  finished project is measured at its completion. RAG rules may name ``spi_t`` and ``sv_t_wd``.
- ``percent_complete``: from the tasks as they stood at the status date
  (:meth:`pmkit.model.Portfolio.as_of` when the status date is before the task data).
- ``forecast_finish``: the project's latest task finish in ``schedule`` when given, else the
  latest report's ``forecast_finish``, else the baseline; ``forecast_source`` says which.
- ``finish_slip_days``: working days from ``finish_baseline`` to ``forecast_finish`` (project
  calendar).
- ``float_days``: least total slack of the project's unfinished tasks in ``schedule`` (working
  days of the project calendar); ``NaN`` without a schedule.
- risks via :func:`pmkit.risk.risk_register` (threats and opportunities kept apart);
  changes with the change board's logged decisions applied
  (:func:`~pmkit.portfolio.decisions.apply_decisions`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pmkit.errors import PmkitError
from pmkit.evm import earned_schedule_latest
from pmkit.model import Portfolio
from pmkit.portfolio._util import as_set, busday_count, schedule_tasks
from pmkit.portfolio.decisions import apply_decisions, significance
from pmkit.risk import risk_register
from pmkit.schedule.cpm import Schedule
from pmkit.schedule.portfolio_adapter import schedule_portfolio
from pmkit.standards import DIMENSIONS, METRICS, Standards, standards_of, worst

__all__ = [
    "ROLLUP_COLUMNS",
    "filter_rollup",
    "latest_evm",
    "rag_long",
    "rollup",
    "rollup_on_schedule",
]

ROLLUP_COLUMNS: tuple[str, ...] = (
    "project_id",
    "name",
    "programme",
    "sponsor",
    "department",
    "manager",
    "phase",
    "priority",
    "strategic_objective",
    "percent_complete",
    "spi",
    "cpi",
    "spi_t",
    "sv_t_wd",
    "ieac_t_date",
    "report_date",
    "baseline_finish",
    "forecast_finish",
    "forecast_source",
    "finish_slip_days",
    "float_days",
    "bac",
    "eac",
    "vac",
    "eac_overrun_ratio",
    "open_risks",
    "open_high_risks",
    "threat_exposure",
    "threat_exposure_ratio",
    "open_opportunities",
    "opportunity_value",
    "open_changes",
    "open_significant_changes",
    "approved_change_cost",
    "approved_change_ratio",
    "rag_schedule",
    "schedule_rule",
    "rag_cost",
    "cost_rule",
    "rag_scope",
    "scope_rule",
    "rag_risk",
    "risk_rule",
    "rag_overall",
    "overall_rule",
)

"""Columns of :func:`rollup`, in order."""


def latest_evm(portfolio: Portfolio) -> pd.DataFrame:
    """Latest status report per project up to the status date, with SPI/CPI/EAC (vectorised).

    Same formulas as :func:`pmkit.evm.evm_rollup` (``EAC = BAC / CPI``; ``NaN`` where a
    denominator is zero) without its per-project loop.
    """
    snaps = portfolio.snapshots
    status = portfolio.status_date
    if status is not None:
        snaps = snaps[snaps["report_date"] <= status]
    last = (
        snaps.sort_values(["project_id", "report_date"], kind="stable")
        .drop_duplicates("project_id", keep="last")
        .set_index("project_id")
    )
    out = portfolio.projects[["project_id"]].copy()
    out["bac"] = portfolio.projects["budget"].astype(float).to_numpy()
    for col in ("report_date", "pv", "ev", "ac", "percent_complete", "forecast_finish"):
        # no status report yet (a new or imported portfolio): an empty map would cast dates
        # to float, so the column is filled with "missing" of its own kind instead
        if col in last and not last.empty:
            out[col] = out["project_id"].map(last[col])
        else:
            out[col] = pd.NaT if col in ("report_date", "forecast_finish") else np.nan
    pv, ev, ac, bac = (out[c].to_numpy(dtype=float) for c in ("pv", "ev", "ac", "bac"))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["spi"] = np.where(pv > 0, ev / pv, np.nan)
        cpi = np.where(ac > 0, ev / ac, np.nan)
        out["cpi"] = cpi
        out["eac"] = np.where(cpi > 0, bac / cpi, np.nan)
    out["vac"] = bac - out["eac"].to_numpy()
    es = earned_schedule_latest(portfolio, out)
    for col in ("spi_t", "sv_t_wd", "ieac_t_date"):
        out[col] = es[col].to_numpy()
    return out


def _progress(portfolio: Portfolio) -> pd.Series:
    """Budget-weighted % complete of leaf tasks per project (duration-weighted if no budget)."""
    t = portfolio.tasks
    leaf = t[~t["is_summary"].to_numpy(dtype=bool)]
    pc = leaf["percent_complete"].to_numpy(dtype=float)
    cost = leaf["budgeted_cost"].to_numpy(dtype=float)
    dur = leaf["duration_days"].to_numpy(dtype=float)
    agg = (
        pd.DataFrame(
            {
                "project_id": leaf["project_id"].to_numpy(),
                "c": cost,
                "cp": cost * pc,
                "d": dur,
                "dp": dur * pc,
            }
        )
        .groupby("project_id", sort=False)
        .sum()
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        by_cost = agg["cp"] / agg["c"]
        by_dur = agg["dp"] / agg["d"]
    return by_cost.where(agg["c"] > 0, by_dur)


def _schedule_figures(
    portfolio: Portfolio, schedule: Schedule | pd.DataFrame | None
) -> pd.DataFrame:
    """Per project: latest scheduled finish and least slack (minutes) of unfinished tasks."""
    st = schedule_tasks(schedule)
    if st is None:
        return pd.DataFrame(columns=["finish", "slack_min"])
    t = portfolio.tasks
    pid = pd.Series(t["project_id"].to_numpy(), index=t["task_id"].to_numpy())
    done = pd.Series(t["percent_complete"].to_numpy() >= 100, index=t["task_id"].to_numpy())
    summary = pd.Series(t["is_summary"].to_numpy(dtype=bool), index=t["task_id"].to_numpy())
    df = pd.DataFrame(
        {
            "project_id": st["task_id"].map(pid).to_numpy(),
            "finish": pd.to_datetime(st["finish"]).to_numpy(),
            "open": ~(
                st["task_id"].map(done).fillna(False).to_numpy(dtype=bool)
                | st["task_id"].map(summary).fillna(False).to_numpy(dtype=bool)
            ),
        }
    )
    if "total_slack_min" in st.columns:
        df["slack_min"] = np.where(df["open"], st["total_slack_min"].to_numpy(dtype=float), np.nan)
    else:
        df["slack_min"] = np.nan
    return df.groupby("project_id", sort=False).agg(
        finish=("finish", "max"), slack_min=("slack_min", "min")
    )


def _risk_figures(portfolio: Portfolio, std: Standards) -> pd.DataFrame:
    reg = risk_register(portfolio, status="open")
    threat = (reg["kind"] == "threat").to_numpy()
    # "high" = the register's high zone, or probability x impact share above the standard's cut
    high = threat & (reg["zone"] == "high").to_numpy()
    df = pd.DataFrame(
        {
            "project_id": reg["project_id"].to_numpy(),
            "open_risks": threat.astype(int),
            "open_high_risks": high.astype(int),
            "threat_exposure": np.where(threat, reg["exposure_cost"].to_numpy(dtype=float), 0.0),
            "open_opportunities": (~threat).astype(int),
            "opportunity_value": np.where(~threat, reg["exposure_cost"].to_numpy(dtype=float), 0.0),
        }
    )
    return df.groupby("project_id", sort=False).sum()


def _change_figures(portfolio: Portfolio, std: Standards) -> pd.DataFrame:
    changes = apply_decisions(portfolio)
    significant, _ = significance(portfolio, changes, std)
    pending = (changes["decision"] == "pending").to_numpy()
    approved = (changes["decision"] == "approved").to_numpy()
    df = pd.DataFrame(
        {
            "project_id": changes["project_id"].to_numpy(),
            "open_changes": pending.astype(int),
            "open_significant_changes": (pending & significant).astype(int),
            "approved_change_cost": np.where(
                approved, changes["cost_impact"].to_numpy(dtype=float), 0.0
            ),
        }
    )
    return df.groupby("project_id", sort=False).sum()


def _apply_rag(out: pd.DataFrame, std: Standards) -> None:
    """Add ``rag_<dim>`` and ``<dim>_rule`` per dimension and the overall verdict, in place."""
    dim_status: list[np.ndarray] = []
    dim_rule: list[np.ndarray] = []
    rank = {"grey": 0, "green": 1, "amber": 2, "red": 3}
    n = len(out)
    for dim in DIMENSIONS:
        rules = std.rules[dim]
        if not rules:
            status = np.full(n, "grey", dtype=object)
            text = np.full(n, "grey: no rule in the standards", dtype=object)
        else:
            values = [out[r.metric].to_numpy(dtype=float) for r in rules]
            statuses = [r.statuses(v) for r, v in zip(rules, values, strict=True)]
            ranks = np.vstack([pd.Series(s).map(rank).to_numpy() for s in statuses])
            pick = ranks.argmax(axis=0)  # the first rule with the worst status decides
            status = worst(statuses)
            text = np.empty(n, dtype=object)
            for k, rule in enumerate(rules):
                sel = np.flatnonzero(pick == k)
                text[sel] = [
                    rule.sentence(s, v)
                    for s, v in zip(statuses[k][sel], values[k][sel], strict=True)
                ]
        out[f"rag_{dim}"] = status
        out[f"{dim}_rule"] = text
        dim_status.append(status)
        dim_rule.append(text)
    ranks = np.vstack([pd.Series(s).map(rank).to_numpy() for s in dim_status])
    pick = ranks.argmax(axis=0)
    out["rag_overall"] = worst(dim_status)
    names = np.array(DIMENSIONS, dtype=object)
    texts = np.vstack(dim_rule)
    out["overall_rule"] = names[pick] + " " + texts[pick, np.arange(n)]


def rollup(
    portfolio: Portfolio, *, schedule: Schedule | pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per project: progress, SPI/CPI, finish vs baseline, BAC vs EAC, float, risks,
    changes, and a RAG status per dimension with the sentence of the rule that set it.

    Parameters
    ----------
    portfolio : Portfolio
    schedule : Schedule or DataFrame, optional
        A portfolio schedule (:func:`pmkit.schedule.portfolio_adapter.schedule_portfolio`) for
        forecast finishes and float; without it, reported forecasts are used and float is NaN.

    Returns
    -------
    DataFrame
        :data:`ROLLUP_COLUMNS`, one row per project in file order. ``rag_*`` are ``green``,
        ``amber``, ``red`` or ``grey`` (no data); ``*_rule`` read like ``"amber: SPI 0.91 <
        0.95"``; ``overall_rule`` is prefixed with the deciding dimension.

    Examples
    --------
    >>> from pmkit import load_sample
    >>> df = rollup(load_sample())
    >>> df.loc[df["rag_schedule"] == "amber", "schedule_rule"].iloc[0]
    'amber: SPI 0.947 < 0.95'
    """
    portfolio = portfolio.at_status_date()  # tasks and reports as they stood at the status date
    std = standards_of(portfolio)
    p = portfolio.projects
    # the roll-up's leading columns are the project's own facts, as listed in ROLLUP_COLUMNS
    out = p[list(ROLLUP_COLUMNS[: ROLLUP_COLUMNS.index("percent_complete")])].reset_index(drop=True)
    ids = out["project_id"]
    evm = latest_evm(portfolio).set_index("project_id")
    out["percent_complete"] = ids.map(_progress(portfolio)).fillna(ids.map(evm["percent_complete"]))
    for col in ("spi", "cpi", "spi_t", "sv_t_wd", "ieac_t_date", "report_date"):
        out[col] = ids.map(evm[col]).to_numpy()
    out["baseline_finish"] = p["finish_baseline"].to_numpy()

    sched = _schedule_figures(portfolio, schedule)
    fc_sched = ids.map(sched["finish"]) if len(sched) else pd.Series(pd.NaT, index=ids.index)
    fc_report = ids.map(evm["forecast_finish"])
    fc_sched = pd.to_datetime(fc_sched).dt.normalize()
    fc_report = pd.to_datetime(fc_report)
    out["forecast_finish"] = fc_sched.fillna(fc_report).fillna(out["baseline_finish"])
    out["forecast_source"] = np.where(
        fc_sched.notna(), "schedule", np.where(fc_report.notna(), "report", "baseline")
    )
    specs = portfolio.busday_calendars()
    cal = p["calendar_id"].to_numpy()
    out["finish_slip_days"] = busday_count(
        out["baseline_finish"], out["forecast_finish"], cal, specs
    )
    hpd = np.array([specs.get(str(c), ("", None, 8.0))[2] for c in cal], dtype=float)
    slack = ids.map(sched["slack_min"]).to_numpy(dtype=float) if len(sched) else np.nan
    out["float_days"] = slack / (60.0 * hpd)

    bac = p["budget"].to_numpy(dtype=float)
    out["bac"] = bac
    out["eac"] = ids.map(evm["eac"]).to_numpy(dtype=float)
    out["vac"] = bac - out["eac"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["eac_overrun_ratio"] = np.where(bac > 0, (out["eac"] - bac) / bac, np.nan)

    risks = _risk_figures(portfolio, std)
    for col in risks.columns:
        out[col] = ids.map(risks[col]).fillna(0).to_numpy()
    for col in ("open_risks", "open_high_risks", "open_opportunities"):
        out[col] = out[col].astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        # as the standards define it: exposure over the budget still to earn (BAC - EV)
        ev = ids.map(evm["ev"]).fillna(0.0).to_numpy(dtype=float)
        # a project with nothing left to earn still carries its open threats: judge them on BAC
        remaining = np.maximum(bac - ev, 0.0)
        on_bac = ~(remaining > 0)
        base = np.where(on_bac, bac, remaining)
        out["threat_exposure_ratio"] = np.where(base > 0, out["threat_exposure"] / base, np.nan)

    changes = _change_figures(portfolio, std)
    for col in changes.columns:
        out[col] = ids.map(changes[col]).fillna(0).to_numpy()
    for col in ("open_changes", "open_significant_changes"):
        out[col] = out[col].astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["approved_change_ratio"] = np.where(bac > 0, out["approved_change_cost"] / bac, np.nan)
    _apply_rag(out, std)
    _say_exposure_base(out, on_bac)
    return out[list(ROLLUP_COLUMNS)]


_EXPOSURE_LABEL = METRICS["threat_exposure_ratio"][0]
_EXPOSURE_ON_BAC = "threat exposure / BAC (nothing left to earn)"


def _say_exposure_base(out: pd.DataFrame, on_bac: np.ndarray) -> None:
    """Rule sentences say what the exposure ratio was divided by: a project with nothing left
    to earn (EV >= BAC) is judged on BAC, not on a remaining budget of zero (audit §4)."""
    if not on_bac.any():
        return
    for col in [c for c in out.columns if c.endswith("_rule")]:
        text = out[col].to_numpy(dtype=object).copy()
        text[on_bac] = [str(t).replace(_EXPOSURE_LABEL, _EXPOSURE_ON_BAC) for t in text[on_bac]]
        out[col] = text


def filter_rollup(
    df: pd.DataFrame,
    *,
    programme: Any = None,
    sponsor: Any = None,
    department: Any = None,
    phase: Any = None,
    manager: Any = None,
    rag: Any = None,
    rag_dimension: str = "overall",
) -> pd.DataFrame:
    """Rows matching every given filter; each filter is a value or a collection of values.

    ``None`` or an empty collection means "any". ``rag`` matches ``rag_<rag_dimension>``
    (``overall`` by default; or ``schedule``, ``cost``, ``scope``, ``risk``).
    """
    mask = np.ones(len(df), dtype=bool)
    for col, value in (
        ("programme", programme),
        ("sponsor", sponsor),
        ("department", department),
        ("phase", phase),
        ("manager", manager),
        (f"rag_{rag_dimension}", rag),
    ):
        wanted = as_set(value)
        if wanted is not None:
            if col not in df.columns:
                raise PmkitError(
                    "cannot filter on an unknown column", field=col, expected="a roll-up column"
                )
            mask &= df[col].astype(str).isin(wanted).to_numpy()
    return df.loc[mask].reset_index(drop=True)


def rag_long(df: pd.DataFrame) -> pd.DataFrame:
    """The roll-up's RAG in long form (``project_id, name, dimension, status, rule``) for a
    project x dimension status grid."""
    parts = [
        pd.DataFrame(
            {
                "project_id": df["project_id"].to_numpy(),
                "name": df["name"].to_numpy(),
                "dimension": dim,
                "status": df[f"rag_{dim}"].to_numpy(),
                "rule": df[f"{dim}_rule"].to_numpy(),
            }
        )
        for dim in (*DIMENSIONS, "overall")
    ]
    return pd.concat(parts, ignore_index=True)


def rollup_on_schedule(portfolio: Portfolio, schedule: Any = None) -> pd.DataFrame:
    """:func:`rollup` with the portfolio's own schedule (or ``schedule``, one already made):
    forecast finishes, slip and float from the plan at the status date, as every dashboard
    shows them. A portfolio that cannot be scheduled falls back to the reported forecasts
    (what the PMO review does)."""
    if schedule is None:
        try:
            schedule = schedule_portfolio(portfolio)
        except PmkitError:
            return rollup(portfolio)
    return rollup(portfolio, schedule=schedule)
