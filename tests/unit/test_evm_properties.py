"""Earned value and earned schedule against independent recomputations (issue 9).

The reports' PV, the finish variance of finished projects and the TCPI rules are recomputed
here from the tables with numpy's business-day functions, not with pmkit's calendar, on the
sample portfolio and on generated portfolios of several seeds and sizes.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pmkit
from pmkit.cache import load_sample
from pmkit.evm import EvmError, earned_schedule, evm_metrics, evm_rollup, evm_series, pv_curve
from pmkit.model import Portfolio

GENERATED = [(3, 1), (6, 5), (16, 11)]  # (projects, seed)


@pytest.fixture(scope="module", params=["sample", *GENERATED], ids=str)
def portfolio(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Portfolio:
    if request.param == "sample":
        return load_sample()
    n, seed = request.param
    folder = tmp_path_factory.mktemp(f"gen{n}_{seed}")
    pmkit.write_generated(folder, n_projects=n, seed=seed, tasks_per_project=(26, 34))
    return pmkit.load_portfolio(folder)


def _busday_args(p: Portfolio, pid: str) -> dict[str, object]:
    cid = p.projects.set_index("project_id").loc[pid, "calendar_id"]
    days = str(p.calendars.set_index("calendar_id").loc[cid, "working_days"]).split(",")
    mask = [
        d in [x.strip() for x in days] for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    ]
    hol = p.holidays.loc[p.holidays["calendar_id"] == cid, "date"].to_numpy(dtype="datetime64[D]")
    return {"weekmask": mask, "holidays": hol}


def _independent_pv(p: Portfolio, pid: str, report: pd.Timestamp) -> float:
    """Sum of budgeted_cost x share of each leaf task's baseline working days done by the end
    of ``report`` (a milestone earns on its baseline date)."""
    t = p.tasks[(p.tasks["project_id"] == pid) & ~p.tasks["is_summary"]]
    kw = _busday_args(p, pid)
    r = np.datetime64(report.date()) + 1
    total = 0.0
    for row in t.itertuples():
        if not row.budgeted_cost > 0:
            continue
        bs = np.datetime64(row.baseline_start.date())
        bf = np.datetime64(row.baseline_finish.date()) + 1
        if row.is_milestone:
            total += row.budgeted_cost * float(r > bs)
            continue
        span = np.busday_count(bs, bf, **kw)
        done = np.busday_count(bs, min(max(r, bs), bf), **kw)
        total += row.budgeted_cost * (done / span if span > 0 else float(r >= bf))
    return total


def test_pv_curve_at_each_report_is_the_reported_pv(portfolio: Portfolio) -> None:
    snaps = portfolio.snapshots
    assert len(snaps) > 0
    for pid, g in snaps.groupby("project_id"):
        curve = pv_curve(portfolio, str(pid))
        mine = [_independent_pv(portfolio, str(pid), d) for d in g["report_date"]]
        # the independent phasing reproduces the reports to the cent, and so does pmkit
        assert np.abs(np.array(mine) - g["pv"].to_numpy()).max() < 0.006
        assert np.abs(curve.pv_on(g["report_date"]) - g["pv"].to_numpy()).max() < 0.006


def test_sv_and_sv_t_never_contradict(portfolio: Portfolio) -> None:
    """Behind on SV (EV < PV) is behind on SV(t), ahead is ahead, on plan is 0, every report."""
    checked = 0
    for pid in portfolio.project_ids:
        s = evm_series(portfolio, pid)
        if s.empty:
            continue
        # before the planned finish (PV(AT) < BAC) and not yet finished (those are measured at
        # completion: see the next test)
        live = s[(s["at_wd"] < s["pd_wd"]) & (s["ev"] < s["bac"] - 0.01)]
        sv = (live["ev"] - live["pv"]).to_numpy()
        svt = live["sv_t_wd"].to_numpy()
        big = np.abs(sv) > 0.02
        assert (np.sign(sv[big]) == np.sign(svt[big])).all(), pid
        assert np.allclose(svt[~big], 0.0, atol=0.01), pid
        checked += int(big.sum())
    assert checked > 0


def _finish_variance_wd(p: Portfolio, pid: str) -> float | None:
    """Baseline finish - actual finish in working days (> 0: early), for finished projects."""
    t = p.tasks[(p.tasks["project_id"] == pid) & ~p.tasks["is_summary"]]
    if not ((t["percent_complete"] >= 100).all() and t["actual_finish"].notna().all()):
        return None
    af = np.datetime64(t["actual_finish"].max().date())
    bf = np.datetime64(t.loc[t["budgeted_cost"] > 0, "baseline_finish"].max().date())
    kw = _busday_args(p, pid)
    if af <= bf:
        return float(np.busday_count(af + 1, bf + 1, **kw))
    return -float(np.busday_count(bf + 1, af + 1, **kw))  # working days after the baseline


def test_finished_projects_are_measured_at_completion(portfolio: Portfolio) -> None:
    roll = evm_rollup(portfolio).set_index("project_id")
    seen = 0
    for pid in portfolio.project_ids:
        fv = _finish_variance_wd(portfolio, pid)
        row = roll.loc[pid]
        if fv is None or pd.isna(row["ev"]) or row["ev"] < row["bac"] - 0.01:
            continue
        seen += 1
        assert row["sv_t_wd"] == pytest.approx(fv, abs=1e-6), pid  # SV(t) = finish variance
        assert np.sign(row["sv_t_wd"]) == np.sign(fv), pid
        assert (row["spi_t"] >= 1) == (fv >= 0), pid
    if portfolio.source is not None and portfolio.source.name == "data":
        assert seen >= 2  # the sample has finished projects (one early, one late)


def test_no_tcpi_below_zero_and_dates_are_days(portfolio: Portfolio) -> None:
    roll = evm_rollup(portfolio)
    t = roll["tcpi_bac"].dropna()
    assert (t >= 0).all()
    spent = roll["ac"] >= roll["bac"]
    assert roll.loc[spent & (roll["ev"] < roll["bac"]), "tcpi_bac"].isna().all()
    assert (
        roll.loc[spent & (roll["ev"] < roll["bac"]), "tcpi_bac_note"]
        .str.contains("not achievable")
        .all()
    )
    dates = roll["ieac_t_date"].dropna()
    assert (dates == dates.dt.normalize()).all()  # a day, never nanoseconds


money = st.floats(min_value=0, max_value=1e7, allow_nan=False)


@given(pv=money, ev=money, ac=money, bac=money, etc=st.none() | money)
@settings(max_examples=300, deadline=None)
def test_tcpi_is_never_negative(
    pv: float, ev: float, ac: float, bac: float, etc: float | None
) -> None:
    for method in ("cpi", "atypical", "cpi_spi"):
        m = evm_metrics(pv, ev, ac, bac, bottom_up_etc=etc, method=method)  # type: ignore[arg-type]
        assert math.isnan(m.tcpi_bac) or m.tcpi_bac >= 0
        assert math.isnan(m.tcpi_eac) or m.tcpi_eac >= 0
        if ac >= bac and ev < bac:
            assert math.isnan(m.tcpi_bac) and "not achievable" in m.tcpi_bac_note
        if bac > ev and bac > ac:
            assert m.tcpi_bac == pytest.approx((bac - ev) / (bac - ac))
        if method == "cpi" and etc is None:
            assert math.isnan(m.tcpi_eac)  # never the identity TCPI(BAC/CPI) = CPI


@given(
    steps=st.lists(st.floats(min_value=0, max_value=100), min_size=2, max_size=12),
    share=st.floats(min_value=0, max_value=1),
    at=st.floats(min_value=0.01, max_value=11),
)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_es_is_the_first_time_pv_reaches_ev(steps: list[float], share: float, at: float) -> None:
    curve = np.concatenate([[0.0], np.cumsum(steps)])
    if curve[-1] < 1e-3:
        return
    ev = share * curve[-1]
    es = earned_schedule(curve, ev, at)
    times = np.arange(len(curve), dtype=float)
    pd_ = float(times[np.argmax(curve >= curve[-1] - 1e-9 * curve[-1])])
    pv_at = float(np.interp(min(at, pd_), times, curve))
    tol = 1e-9 * curve[-1]
    if at <= pd_ and ev < curve[-1] - tol:
        # the sign of SV(t) is the sign of SV
        if ev > pv_at + tol:
            assert es.sv_t > 0
        elif ev < pv_at - tol:
            assert es.sv_t < 0
        else:
            assert es.sv_t == 0
    if ev < curve[-1] - tol and abs(pv_at - ev) > tol:
        # otherwise ES is the first time the curve reaches EV (a flat run never inflates it)
        first = times[np.argmax(curve >= ev)]
        assert es.es <= first + 1e-9
        assert float(np.interp(es.es, times, curve)) == pytest.approx(ev, abs=1e-6 * curve[-1])


def test_flat_pv_runs_do_not_inflate_es() -> None:
    on_plan = earned_schedule([0, 100, 100, 100, 200], ev=100, at=2)
    assert on_plan.es == 2 and on_plan.spi_t == 1.0  # was ES 3, SPI(t) 1.5
    behind = earned_schedule([0, 100, 100, 100, 200], ev=100, at=4)
    assert behind.es == 1  # the plan had earned 100 at the end of period 1


def test_actual_time_before_the_curve_origin_is_rejected() -> None:
    with pytest.raises(EvmError, match="before"):
        earned_schedule([0, 100, 250, 450, 700, 1000], 300, at=-1)


def test_sample_story_p08_and_p11() -> None:
    """The audit's two contradictions, recomputed: P08 behind on both, P11 early on both."""
    p = load_sample()
    roll = evm_rollup(p).set_index("project_id")
    assert roll.loc["P08", "spi"] < 1 and roll.loc["P08", "spi_t"] < 1
    assert roll.loc["P11", "sv_t_wd"] > 0 and roll.loc["P11", "spi_t"] > 1
    assert roll.loc["P11", "ieac_t_date"] == pd.Timestamp("2026-07-08")  # its completion
    assert roll.loc["P05", "tcpi_bac"] != roll.loc["P05", "tcpi_bac"]  # NaN: AC > BAC


def test_status_date_moved_back_ignores_later_reports(tmp_path: Path) -> None:
    p = load_sample()
    early = dataclasses.replace(p, standards={**p.standards, "status_date": "2026-08-31"})
    s = evm_series(early, "P01")
    assert s["report_date"].max() <= pd.Timestamp("2026-08-31")
    roll = evm_rollup(early).set_index("project_id")
    assert roll.loc["P01", "report_date"] == pd.Timestamp("2026-08-31")
