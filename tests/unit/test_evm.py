"""Earned value and earned schedule against worked examples computed by hand."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from portfolio_fixtures import make_portfolio, project, task

from pmkit.evm import (
    EvmAtStatus,
    EvmError,
    earned_schedule,
    evm_at_status,
    evm_metrics,
    evm_rollup,
    evm_series,
    planned_value_curve,
    s_curve,
)


def test_pmbok_worked_example() -> None:
    # BAC 1000, PV 500, EV 400, AC 450 (hand computed below)
    m = evm_metrics(pv=500, ev=400, ac=450, bac=1000)
    assert m.sv == -100 and m.cv == -50
    assert m.spi == pytest.approx(400 / 500)  # 0.8
    assert m.cpi == pytest.approx(400 / 450)  # 0.888...
    assert m.eac_atypical == pytest.approx(450 + 600)  # 1050
    assert m.eac_cpi == pytest.approx(1000 / (400 / 450))  # 1125
    assert m.eac_cpi_spi == pytest.approx(450 + 600 / ((400 / 450) * 0.8))  # 1293.75
    assert m.eac_cpi_spi == pytest.approx(1293.75)
    assert math.isnan(m.eac_bottom_up)
    assert m.eac == m.eac_cpi and m.method == "cpi"
    assert m.etc == pytest.approx(1125 - 450)
    assert m.vac == pytest.approx(1000 - 1125)
    assert m.tcpi_bac == pytest.approx(600 / 550)
    # against EAC = BAC / CPI, TCPI(EAC) = (BAC - EV) / (BAC / CPI - AC) is CPI itself: not shown
    assert m.cpi == pytest.approx(600 / (1125 - 450))
    assert math.isnan(m.tcpi_eac) and "BAC / CPI" in m.tcpi_eac_note


def test_bottom_up_and_method_choice() -> None:
    m = evm_metrics(500, 400, 450, 1000, bottom_up_etc=700, method="bottom_up")
    assert m.eac_bottom_up == 1150 and m.eac == 1150
    assert m.etc == 700 and m.vac == -150
    table = m.eac_table()
    assert list(table["method"]) == ["atypical", "cpi", "cpi_spi", "bottom_up"]
    assert table.loc[table["chosen"], "method"].item() == "bottom_up"
    assert table["etc"].tolist() == pytest.approx([600, 675, 843.75, 700])


def test_zero_denominators_are_nan_not_errors() -> None:
    m = evm_metrics(pv=0, ev=0, ac=0, bac=1000)
    assert math.isnan(m.spi) and math.isnan(m.cpi)
    assert math.isnan(m.eac_cpi) and math.isnan(m.eac_cpi_spi)
    assert m.eac_atypical == 1000
    done = evm_metrics(pv=1000, ev=1000, ac=1000, bac=1000)
    assert math.isnan(done.tcpi_bac)  # nothing left to earn, nothing left to spend


@pytest.mark.parametrize("field", ["pv", "ev", "ac", "bac"])
def test_negative_money_is_rejected(field: str) -> None:
    kw = {"pv": 1.0, "ev": 1.0, "ac": 1.0, "bac": 1.0, field: -5.0}
    with pytest.raises(EvmError, match=field):
        evm_metrics(**kw)


def test_earned_schedule_lipke_periods() -> None:
    # cumulative PV per month end; EV 300 at the end of month 3
    pv = [0, 100, 250, 450, 700, 1000]
    es = earned_schedule(pv, ev=300, at=3)
    # C = 2 (PV_2 = 250 <= 300 < 450): ES = 2 + (300 - 250) / (450 - 250) = 2.25
    assert es.es == pytest.approx(2.25)
    assert es.sv_t == pytest.approx(2.25 - 3)
    assert es.spi_t == pytest.approx(2.25 / 3)
    assert es.pd == 5
    assert es.ieac_t == pytest.approx(5 / (2.25 / 3))  # 6.667 months
    assert es.unit == "periods"


def test_earned_schedule_ahead_and_complete() -> None:
    pv = [0, 100, 250, 450, 700, 1000]
    ahead = earned_schedule(pv, ev=575, at=3)  # 4 + (575 - 450) / 250 ... = 3.5
    assert ahead.es == pytest.approx(3 + (575 - 450) / (700 - 450))
    assert ahead.sv_t > 0 and ahead.spi_t > 1
    # a project that earned BAC late: ES = PD even if the curve runs flat afterwards
    flat = earned_schedule([0, 500, 1000, 1000, 1000], ev=1000, at=4)
    assert flat.es == 2 and flat.pd == 2 and flat.spi_t == pytest.approx(0.5)


def test_earned_schedule_on_dates_is_in_days() -> None:
    dates = pd.to_datetime(["2026-01-01", "2026-01-11", "2026-01-21"])
    curve = pd.Series([0.0, 100.0, 300.0], index=dates)
    es = earned_schedule(curve, ev=200, at="2026-01-21")
    # 200 is halfway between 100 (day 10) and 300 (day 20): ES = 15 days
    assert es.es == pytest.approx(15) and es.at == 20
    assert es.es_date == pd.Timestamp("2026-01-16")
    assert es.ieac_t == pytest.approx(20 / 0.75)
    # a date, not an instant with nanoseconds: the day 26.67 days after 1 Jan falls in
    assert es.ieac_t_date == pd.Timestamp("2026-01-27")


def test_earned_schedule_rejects_decreasing_curve() -> None:
    with pytest.raises(EvmError, match="cumulative"):
        earned_schedule([0, 200, 100], ev=50, at=1)


def _small() -> object:
    p = project("P1", start="2026-01-05", budget=3000.0)
    t = [
        # Mon 5 .. Wed 14 Jan: 8 working days, 125 a working day
        task("P1-T1", "P1", baseline_start="2026-01-05", baseline_finish="2026-01-14",
             budgeted_cost=1000.0),
        # Sat 10 .. Mon 19 Jan: 6 working days (12-16, 19), 250 a working day
        task("P1-T2", "P1", baseline_start="2026-01-10", baseline_finish="2026-01-19",
             budgeted_cost=1500.0),
        task("P1-T3", "P1", is_milestone=True, duration_days=0.0, baseline_start="2026-01-20",
             baseline_finish="2026-01-20", budgeted_cost=500.0),
    ]  # fmt: skip
    snaps = [
        {"project_id": "P1", "report_date": "2026-01-09", "pv": 625.0, "ev": 400.0,
         "ac": 450.0, "percent_complete": 13.0},
        {"project_id": "P1", "report_date": "2026-01-14", "pv": 1750.0, "ev": 1300.0,
         "ac": 1500.0, "percent_complete": 43.0},
    ]  # fmt: skip
    return make_portfolio(
        projects=[p], tasks=t, snapshots=snaps, standards={"status_date": "2026-01-14"}
    )


def _wd(day: str) -> int:
    """Working days (Mon-Fri) from the start of Mon 5 Jan 2026 to the end of ``day``."""
    return int(np.busday_count("2026-01-05", np.datetime64(day) + 1))


def test_planned_value_curve_by_hand() -> None:
    port = _small()
    curve = planned_value_curve(port, "P1", freq="D")
    by = curve.set_index("date")["pv"]
    assert by.iloc[0] == 0  # origin: the eve of the project start, nothing earned
    assert curve["date"].iloc[0] == pd.Timestamp("2026-01-04")
    # end of Fri 9 Jan: T1 has 5 of its 8 working days -> 625, T2 nothing
    assert by[pd.Timestamp("2026-01-09")] == pytest.approx(5 * 125)
    # the weekend earns nothing (working-day phasing, as the reports' PV)
    assert by[pd.Timestamp("2026-01-11")] == pytest.approx(5 * 125)
    # end of 14 Jan: T1 done (1000), T2 3 of 6 working days (750)
    assert by[pd.Timestamp("2026-01-14")] == pytest.approx(1000 + 3 * 250)
    assert by.iloc[-1] == pytest.approx(3000)  # BAC at the baseline finish
    assert curve["date"].iloc[-1] == pd.Timestamp("2026-01-20")
    assert curve["wd"].iloc[-1] == pytest.approx(_wd("2026-01-20"))  # 12 working days
    assert (np.diff(curve["pv"]) >= 0).all()
    assert curve["period_pv"].sum() == pytest.approx(3000)


def test_evm_series_with_earned_schedule() -> None:
    port = _small()
    s = evm_series(port, "P1")
    assert list(s["report_date"]) == list(pd.to_datetime(["2026-01-09", "2026-01-14"]))
    first = s.iloc[0]
    assert first["spi"] == pytest.approx(400 / 625) and first["cpi"] == pytest.approx(400 / 450)
    assert first["eac"] == pytest.approx(3000 / (400 / 450))
    # 125 a working day from 5 Jan -> EV 400 was planned 3.2 working days in: ES = 3.2 wd,
    # AT = 5 wd (5..9 Jan); SPI(t) = 0.64, the same as SPI on a linear curve
    assert first["es_wd"] == pytest.approx(400 / 125)
    assert first["at_wd"] == pytest.approx(_wd("2026-01-09"))
    assert first["spi_t"] == pytest.approx(first["spi"])
    assert first["es_date"] == pd.Timestamp("2026-01-08")  # 3.2 wd falls in the 4th day
    second = s.iloc[1]
    # from Mon 12 Jan T1 earns 125 and T2 250 a working day: 625 at wd 5, +375 a wd,
    # so 1300 is reached at 5 + 675 / 375 = 6.8 wd; AT = 8 wd (end of Wed 14)
    es = 5 + (1300 - 625) / 375
    assert second["es_wd"] == pytest.approx(es)
    assert second["at_wd"] == pytest.approx(_wd("2026-01-14"))
    assert second["spi_t"] == pytest.approx(es / 8)
    # PD = 12 wd (5..20 Jan): IEAC(t) = 12 / 0.85 = 14.12 wd -> in the 15th working day
    assert second["pd_wd"] == pytest.approx(_wd("2026-01-20"))
    assert second["ieac_t_wd"] == pytest.approx(12 / (es / 8))
    assert second["ieac_t_date"] == pd.Timestamp(np.busday_offset("2026-01-05", 14))


def test_evm_series_from_snapshots_only() -> None:
    snaps = pd.DataFrame(
        {
            "report_date": pd.to_datetime(["2026-02-02", "2026-03-02"]),
            "pv": [100.0, 300.0],
            "ev": [100.0, 200.0],
            "ac": [120.0, 260.0],
        }
    )
    with pytest.raises(EvmError, match="budget at completion"):
        evm_series(snaps)  # BAC is never guessed from the largest PV
    s = evm_series(snaps, bac=600.0)
    assert s["cpi"].tolist() == pytest.approx([100 / 120, 200 / 260])
    assert s["spi"].tolist() == pytest.approx([1.0, 200 / 300])
    # no planned finish: no earned schedule rather than an invented one
    assert s["spi_t"].isna().all() and "planned_finish" in s["es_note"].iloc[0]
    s = evm_series(snaps, bac=600.0, start="2026-01-05", planned_finish="2026-04-30")
    # the curve runs through the reported PVs: ES of EV 200 lies between the two reports
    wd = lambda d: np.busday_count("2026-01-05", np.datetime64(d) + 1)  # noqa: E731
    es = wd("2026-02-02") + (200 - 100) / (300 - 100) * (wd("2026-03-02") - wd("2026-02-02"))
    assert s["es_wd"].iloc[1] == pytest.approx(es)
    assert s["pd_wd"].iloc[1] == pytest.approx(wd("2026-04-30"))
    assert (s["spi_t"].iloc[1] < 1) and (s["sv_t_wd"].iloc[1] < 0)


def test_s_curve_and_rollup_small() -> None:
    port = _small()
    sc = s_curve(port, "P1", freq="W")
    assert set(sc["series"]) == {"PV", "EV", "AC"}
    assert sc.loc[sc["series"] == "PV", "value"].max() == pytest.approx(3000)
    roll = evm_rollup(port)
    assert roll["project_id"].tolist() == ["P1"]
    assert roll.loc[0, "cpi"] == pytest.approx(1300 / 1500)


def test_sample_portfolio_every_project() -> None:
    from pmkit.cache import load_sample

    p = load_sample()
    roll = evm_rollup(p)
    assert len(roll) == len(p.projects)
    reported = roll.dropna(subset=["cpi"])
    assert len(reported) >= len(p.projects) // 2
    assert reported["spi"].between(0.2, 3).all() and reported["cpi"].between(0.2, 3).all()
    assert (reported["ev"] <= reported["bac"] + 1e-6).all()
    for pid in p.project_ids:
        curve = planned_value_curve(p, pid, freq="W")
        bac = p.tasks.loc[
            (p.tasks["project_id"] == pid) & ~p.tasks["is_summary"], "budgeted_cost"
        ].sum()
        assert curve["pv"].iloc[-1] == pytest.approx(bac)


@pytest.mark.parametrize(
    ("status", "want"),
    [("2026-01-14", "2026-01-14"), ("2026-01-12", "2026-01-09"), ("2026-01-08", None)],
)
def test_evm_at_status_reads_the_last_report_known_at_the_status_date(
    status: str, want: str | None
) -> None:
    """The Tracking page's numbers, typed (moved out of the UI): the report on or before the
    status date, by hand from ``_small``'s two snapshots; none yet -> no metrics, a curve."""
    base = _small()
    p = dataclasses.replace(base, standards={**base.standards, "status_date": status})
    got = evm_at_status(p, "P1")
    assert isinstance(got, EvmAtStatus) and len(got.curve)
    if want is None:
        assert (got.report_date, got.metrics, got.row, got.eacs) == (None, None, None, None)
        return
    assert got.report_date == pd.Timestamp(want)
    ev, ac, pv = {"2026-01-14": (1300.0, 1500.0, 1750.0), "2026-01-09": (400.0, 450.0, 625.0)}[want]
    assert got.metrics is not None and got.eacs is not None and got.row is not None
    assert (got.metrics.ev, got.metrics.ac, got.metrics.pv, got.metrics.bac) == (ev, ac, pv, 3000.0)
    assert got.metrics.cpi == pytest.approx(ev / ac) and got.metrics.spi == pytest.approx(ev / pv)
    assert list(got.eacs["eac"].iloc[:2]) == pytest.approx([ac + 3000.0 - ev, 3000.0 / (ev / ac)])
    assert got.row["report_date"] == got.report_date
