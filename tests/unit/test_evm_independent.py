"""EVM and earned schedule of the sample at its status date, recomputed from the textbook
(PMI's formulas, Lipke's earned schedule), not from pmkit's code.

* SPI = EV/PV, CPI = EV/AC, EAC = AC + (BAC - EV)/CPI, TCPI = (BAC - EV)/(BAC - AC) (none
  once AC >= BAC), from the last report on or before the status date;
* the PV curve: each leaf task's budgeted cost spread evenly over the working days of its
  baseline (the project calendar, its holidays); it must give the reported PV itself;
* ES = C + (EV - PV_C)/(PV_C+1 - PV_C) in working days, AT = working days up to the report,
  SPI(t) = ES/AT, for the projects still running (a finished one is measured at completion).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pmkit

DATA = Path(__file__).resolve().parents[2] / "data"


def _textbook(p: pmkit.Portfolio, pid: str, status: pd.Timestamp) -> dict[str, float]:
    sn = p.snapshots[(p.snapshots["project_id"] == pid) & (p.snapshots["report_date"] <= status)]
    last = sn.sort_values("report_date").iloc[-1]
    t = p.tasks[(p.tasks["project_id"] == pid) & ~p.tasks["is_summary"]]
    bac = float(t["budgeted_cost"].sum())
    pv, ev, ac = float(last["pv"]), float(last["ev"]), float(last["ac"])
    cal = p.projects.set_index("project_id").at[pid, "calendar_id"]
    hol = pd.to_datetime(p.holidays.loc[p.holidays["calendar_id"] == cal, "date"])
    days = pd.bdate_range(
        t["baseline_start"].min(), max(t["baseline_finish"].max(), last["report_date"])
    )
    days = days[~days.isin(hol)]
    daily = pd.Series(0.0, index=days)
    for start, finish, cost in t[["baseline_start", "baseline_finish", "budgeted_cost"]].itertuples(
        index=False
    ):
        span = days[(days >= start.normalize()) & (days <= finish.normalize())]
        if len(span):
            daily[span] += cost / len(span)
    cum = np.concatenate([[0.0], daily.cumsum().to_numpy()])  # PV after k working days
    at = int((days <= last["report_date"]).sum())
    c = int(np.searchsorted(cum, ev, side="right") - 1)
    es = (
        c + (ev - cum[c]) / (cum[c + 1] - cum[c]) if c + 1 < len(cum) and cum[c + 1] > cum[c] else c
    )
    cpi = ev / ac
    return {
        "pv_curve_at_report": cum[at],
        "pv": pv,
        "spi": ev / pv,
        "cpi": cpi,
        "eac": ac + (bac - ev) / cpi,
        "tcpi_bac": (bac - ev) / (bac - ac) if bac > ac else np.nan,
        "es_wd": es,
        "at_wd": at,
        "spi_t": es / at,
    }


def test_sample_evm_and_earned_schedule_match_the_textbook() -> None:
    p = pmkit.load_portfolio(DATA)
    status = pd.Timestamp(p.standards["status_date"])
    r = pmkit.evm_rollup(p).set_index("project_id")
    done = set(
        p.tasks.groupby("project_id")["percent_complete"].min().pipe(lambda s: s[s >= 100]).index
    )
    checked = 0
    for pid in r.index:
        if pid in done or pd.isna(r.at[pid, "ev"]):
            continue
        book = _textbook(p, pid, status)
        assert book["pv_curve_at_report"] == pytest.approx(book["pv"], abs=0.01), pid
        for k in ("spi", "cpi", "eac", "es_wd", "at_wd", "spi_t"):
            assert r.at[pid, k] == pytest.approx(book[k], rel=1e-6, abs=1e-6), (pid, k)
        tcpi = r.at[pid, "tcpi_bac"]
        assert (np.isnan(tcpi) and np.isnan(book["tcpi_bac"])) or tcpi == pytest.approx(
            book["tcpi_bac"]
        ), pid
        checked += 1
    assert checked >= 10, checked
