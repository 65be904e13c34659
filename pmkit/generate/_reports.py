"""Monthly snapshots (PV/EV/AC) and milestone forecasts at each report date."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pmkit.generate._calendar import iso, month_ends
from pmkit.generate._plan import Clock, Plan
from pmkit.generate._reference import REPORT_COMMENTS
from pmkit.generate._relax import fraction


@dataclass(frozen=True)
class _Curves:
    """Per project (rows) and report date (columns): PV, EV, AC, elapsed share, forecast."""

    t_r: np.ndarray  # report times (end of the last working day of each month)
    pv: np.ndarray
    ev: np.ndarray
    ac: np.ndarray
    bac: np.ndarray
    elapsed: np.ndarray
    f_idx: np.ndarray


def _earned(plan: Plan, t_r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cumulative PV (baseline) and EV (current plan; the last one = % complete x cost), BAC."""
    w, n_p, proj, cost = np.flatnonzero(plan.work), plan.n_projects, plan.proj, plan.cost
    fb = fraction(plan.base_es[w], plan.base_dur[w], plan.is_ms[w], t_r)
    fc = fraction(plan.cur_es[w], plan.cur_dur[w], plan.is_ms[w], t_r)
    fc[:, -1] = plan.pct[w] / 100.0
    pv = np.stack(
        [np.bincount(proj[w], weights=cost[w] * fb[:, j], minlength=n_p) for j in range(t_r.size)],
        axis=1,
    )
    ev = np.stack(
        [np.bincount(proj[w], weights=cost[w] * fc[:, j], minlength=n_p) for j in range(t_r.size)],
        axis=1,
    )
    return pv, ev, np.bincount(proj[w], weights=cost[w], minlength=n_p)


def _curves(rng: np.random.Generator, plan: Plan, clock: Clock, cost_f: np.ndarray) -> _Curves:
    """PV/EV/AC per report; AC drifts towards the cost factor; forecasts see a slip gradually."""
    ends = month_ends(clock.sd, clock.months)
    t_r = np.minimum(clock.days.index(ends) + 1, clock.t_sd)
    pv, ev, bac = _earned(plan, t_r)
    start = plan.start_idx
    elapsed = np.clip(
        (t_r[None, :] - start[:, None]) / np.maximum(clock.t_sd - start[:, None], 1), 0, 1
    )
    drift = 1 + (cost_f[:, None] - 1) * (0.5 + 0.5 * elapsed)
    drift *= rng.uniform(0.985, 1.015, size=drift.shape)
    ac = np.maximum.accumulate(ev * drift, axis=1)
    p_base_fin = plan.project_finish(plan.base_es, plan.base_dur)
    p_cur_fin = plan.project_finish(plan.cur_es, plan.cur_dur)
    slip = p_cur_fin - p_base_fin
    f_idx = np.where(
        p_cur_fin[:, None] < t_r[None, :],
        p_cur_fin[:, None],
        np.maximum(p_base_fin[:, None] + np.round(slip[:, None] * elapsed), t_r[None, :]),
    ).astype(np.int64)
    return _Curves(t_r, pv, ev, ac, bac, elapsed, f_idx)


def _comments(c: _Curves) -> np.ndarray:
    spi = np.divide(c.ev, c.pv, out=np.ones_like(c.ev), where=c.pv > 0)
    cpi = np.divide(c.ev, c.ac, out=np.ones_like(c.ev), where=c.ac > 0)
    rc = REPORT_COMMENTS
    return np.select(
        [c.ev >= c.bac[:, None] - 0.5, (spi < 0.9) & (cpi < 0.9), spi < 0.9, cpi < 0.9, spi > 1.02],
        [rc["complete"], rc["behind_and_over"], rc["behind"], rc["over"], rc["ahead"]],
        rc["on_track"],
    )


def reports(
    rng: np.random.Generator,
    plan: Plan,
    clock: Clock,
    cost_f: np.ndarray,
    pids: np.ndarray,
    task_ids: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly snapshots (cumulative PV/EV/AC) and milestone forecasts at each report date.

    PV follows the baseline, EV the current plan (the status-date EV equals the tasks'
    % complete x budgeted cost), AC = EV x the project's cost factor drifting towards its final
    value; forecasts recognise a slip gradually, as real reports do.
    """
    c = _curves(rng, plan, clock, cost_f)
    t_r, start, days = c.t_r, plan.start_idx, clock.days
    rep_dates = days.date(t_r - 1)
    # keep reports while the project runs: started, and not finished before the previous one
    p_cur_fin = plan.project_finish(plan.cur_es, plan.cur_dur)
    prev_t = np.concatenate([[t_r[0] - 22], t_r[:-1]])
    keep = (start[:, None] < t_r[None, :]) & (p_cur_fin[:, None] >= prev_t[None, :] - 1)
    pi, ri = np.nonzero(keep)
    snapshots = pd.DataFrame(
        {
            "project_id": pids[pi],
            "report_date": iso(rep_dates[ri]),
            "pv": np.round(c.pv[pi, ri], 2),
            "ev": np.round(c.ev[pi, ri], 2),
            "ac": np.round(c.ac[pi, ri], 2),
            "percent_complete": np.round(100 * c.ev[pi, ri] / np.maximum(c.bac[pi], 1), 1),
            "forecast_finish": days.iso(c.f_idx[pi, ri]),
            "comment": _comments(c)[pi, ri],
        }
    )
    # milestone forecasts: the five phase-end milestones of every reported project
    ms = plan.ms_ids[pi]  # (rows, 5)
    base_m = plan.base_es[ms] - 1
    cur_m = plan.cur_es[ms] - 1
    tr = t_r[ri][:, None]
    el = c.elapsed[pi, ri][:, None]
    fc_m = np.where(cur_m < tr, cur_m, np.maximum(base_m + np.round((cur_m - base_m) * el), tr))
    mf = pd.DataFrame(
        {
            "project_id": np.repeat(pids[pi], 5),
            "task_id": task_ids[ms].ravel(),
            "report_date": np.repeat(iso(rep_dates[ri]), 5),
            "forecast_date": days.iso(fc_m.astype(np.int64).ravel()),
        }
    ).sort_values(["project_id", "task_id", "report_date"], kind="stable")
    return snapshots, mf.reset_index(drop=True)
