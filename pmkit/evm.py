"""Earned value and earned schedule, to the status date.

Units
-----
Money (``pv``, ``ev``, ``ac``, ``bac``, ``eac`` ...) is in the portfolio's currency. Indices
(``spi``, ``cpi``, ``spi_t``, ``tcpi``) are ratios. Earned-schedule times of a project (``ES``,
``AT``, ``PD``, ``SV(t)``, ``IEAC(t)``) are in **working days** (``wd``) of the project calendar
since the curve origin (the start of the project's first day): the baseline PV is time-phased
over working time, as Microsoft Project's timephased BCWS is, so the PV curve at a report date is
the PV that the report (and SPI) uses. On a numbered curve times are in that curve's **periods**
(Lipke's worked examples use months); a plain ``date, pv`` table is read in calendar days.

Earned schedule (Lipke): ``ES`` is the first time the baseline PV reached ``EV`` (on a flat run
of the curve the earliest point, so plateaus never inflate ES), except that when ``PV(AT) = EV``
ES is ``AT`` (on plan: ``SV = 0`` gives ``SV(t) = 0``; SV and SV(t) always share their sign). A
project that has earned its BAC is measured at its completion: ``AT`` is the end of its last
task's actual finish, not the report date.

TCPI is ``NaN`` with a reason (``tcpi_note``) when it cannot be met: ``AC >= BAC`` (the budget is
already spent) or nothing is left to earn; it is never negative. TCPI to EAC is only computed
against an EAC that is not ``BAC / CPI`` (against that one it always equals CPI).

Every ratio whose denominator is zero is ``NaN`` (never ``inf``, never an exception): a project
that has spent nothing has no CPI yet.

Formulas (PMBOK Guide, 6th ed., and Lipke, *Schedule is Different*, 2003)
-------------------------------------------------------------------------
- ``SV = EV - PV``, ``CV = EV - AC``, ``SPI = EV / PV``, ``CPI = EV / AC``
- ``EAC`` four ways: ``AC + (BAC - EV)`` (variance atypical), ``BAC / CPI`` (variance typical),
  ``AC + (BAC - EV) / (CPI * SPI)`` (both indices), ``AC + bottom-up ETC``
- ``ETC = EAC - AC``, ``VAC = BAC - EAC``
- ``TCPI(BAC) = (BAC - EV) / (BAC - AC)``, ``TCPI(EAC) = (BAC - EV) / (EAC - AC)``
- ``ES = C + (EV - PV_C) / (PV_{C+1} - PV_C)`` on the baseline PV curve, ``SV(t) = ES - AT``,
  ``SPI(t) = ES / AT``, ``IEAC(t) = PD / SPI(t)`` (a date: the working day it falls in)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from pmkit.calendar import Calendar
from pmkit.errors import EvmError, UnknownIdError
from pmkit.model import Portfolio

__all__ = [
    "EAC_METHODS",
    "EarnedSchedule",
    "EvmAtStatus",
    "EvmError",
    "EvmMetrics",
    "PvCurve",
    "completion_date",
    "earned_schedule",
    "earned_schedule_latest",
    "evm_at_status",
    "evm_metrics",
    "evm_rollup",
    "evm_series",
    "planned_value_curve",
    "pv_curve",
    "s_curve",
    "tcpi_values",
]

EacMethod = Literal["atypical", "cpi", "cpi_spi", "bottom_up"]

EAC_METHODS: dict[str, tuple[str, str]] = {
    "atypical": ("EAC = AC + (BAC - EV)", "current variances are atypical; the rest goes to plan"),
    "cpi": ("EAC = BAC / CPI", "current cost efficiency continues"),
    "cpi_spi": (
        "EAC = AC + (BAC - EV) / (CPI x SPI)",
        "cost and schedule both weigh on the remaining work",
    ),
    "bottom_up": ("EAC = AC + bottom-up ETC", "a fresh estimate of the remaining work"),
}
"""Name -> (formula, when it applies) of the four PMBOK estimates at completion."""


def _div(num: Any, den: Any) -> Any:
    """``num / den`` with ``NaN`` where ``den`` is zero or missing (scalars or arrays)."""
    num_a = np.asarray(num, dtype=float)
    den_a = np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.where((den_a == 0) | np.isnan(den_a), np.nan, num_a / den_a)
    return float(out) if out.ndim == 0 else out


# ----------------------------------------------------------------------------- metrics
TCPI_SPENT = "not achievable: BAC already spent (AC >= BAC)"
TCPI_DONE = "nothing left to earn (EV >= BAC)"
TCPI_EAC_IDENTITY = "TCPI to EAC = CPI when EAC = BAC / CPI: needs a bottom-up or management EAC"
TCPI_EAC_SPENT = "not achievable: EAC already spent (AC >= EAC)"


def tcpi_values(
    bac: Any, ev: Any, ac: Any, eac: Any = np.nan, *, eac_is_cpi: Any = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """TCPI to BAC and to EAC with the reason of each ``NaN`` (scalars or arrays).

    ``TCPI(BAC) = (BAC - EV) / (BAC - AC)`` is ``NaN`` when nothing is left to earn
    (``EV >= BAC``) or the budget is already spent (``AC >= BAC``: not achievable), so it is
    never negative. ``TCPI(EAC) = (BAC - EV) / (EAC - AC)`` likewise, and ``NaN`` when the EAC
    is ``BAC / CPI`` (``eac_is_cpi``), against which it always equals CPI.

    Returns
    -------
    (tcpi_bac, tcpi_bac_note, tcpi_eac, tcpi_eac_note)
        Arrays; a note is ``""`` where the index has a value.

    Examples
    --------
    >>> t_bac, why, _, _ = tcpi_values(1000, 900, 1100)
    >>> float(t_bac[0]), str(why[0])
    (nan, 'not achievable: BAC already spent (AC >= BAC)')
    """
    bac, ev, ac, eac = (np.atleast_1d(np.asarray(x, dtype=float)) for x in (bac, ev, ac, eac))
    left = bac - ev
    done = left <= 0
    spent = ~done & (ac >= bac)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        t_bac = np.where(done | spent, np.nan, left / (bac - ac))
        bac_note = np.where(done, TCPI_DONE, np.where(spent, TCPI_SPENT, ""))
        identity = np.broadcast_to(np.asarray(eac_is_cpi, dtype=bool), t_bac.shape)
        eac_spent = ~done & ~identity & (ac >= eac)
        missing = np.isnan(eac)
        bad = done | identity | eac_spent | missing
        t_eac = np.where(bad, np.nan, left / (eac - ac))
    eac_note = np.select(
        [done, identity, missing, eac_spent],
        [TCPI_DONE, TCPI_EAC_IDENTITY, "no EAC", TCPI_EAC_SPENT],
        "",
    )
    return t_bac, bac_note.astype(object), t_eac, eac_note.astype(object)


@dataclass(frozen=True)
class EvmMetrics:
    """Earned-value indicators at one date (money in currency, indices as ratios).

    ``eac`` is the estimate chosen by ``method``; all four are kept (``eac_atypical``,
    ``eac_cpi``, ``eac_cpi_spi``, ``eac_bottom_up``) so a dashboard can show them side by side
    with :meth:`eac_table`. ``tcpi_bac`` / ``tcpi_eac`` are ``NaN`` when they cannot be met or
    carry no information; ``tcpi_bac_note`` / ``tcpi_eac_note`` say why (see :func:`tcpi_values`).
    ``tcpi_eac`` is measured against the bottom-up EAC when there is one, else against the
    chosen EAC unless that is ``BAC / CPI``.
    """

    pv: float
    ev: float
    ac: float
    bac: float
    sv: float
    cv: float
    spi: float
    cpi: float
    eac_atypical: float
    eac_cpi: float
    eac_cpi_spi: float
    eac_bottom_up: float
    method: str
    eac: float
    etc: float
    vac: float
    tcpi_bac: float
    tcpi_eac: float
    tcpi_bac_note: str = ""
    tcpi_eac_note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (one row of a table)."""
        return asdict(self)

    def eac_table(self) -> pd.DataFrame:
        """The four EACs: ``method, formula, when, eac, etc, vac`` (one row each)."""
        rows = []
        for name, (formula, when) in EAC_METHODS.items():
            eac = getattr(self, f"eac_{name}")
            rows.append(
                {
                    "method": name,
                    "formula": formula,
                    "when": when,
                    "eac": eac,
                    "etc": eac - self.ac,
                    "vac": self.bac - eac,
                    "chosen": name == self.method,
                }
            )
        return pd.DataFrame(rows)


def _check_money(values: dict[str, Any]) -> None:
    for name, v in values.items():
        if v is None or not np.isfinite(float(v)) or float(v) < 0:
            raise EvmError(
                "earned-value amounts must be finite and not negative",
                field=name,
                value=v,
                expected="a number >= 0",
            )


def evm_metrics(
    pv: float,
    ev: float,
    ac: float,
    bac: float,
    *,
    bottom_up_etc: float | None = None,
    method: EacMethod = "cpi",
) -> EvmMetrics:
    """Earned-value indicators from the four numbers of a status report.

    Parameters
    ----------
    pv, ev, ac : float
        Cumulative planned value, earned value and actual cost at the status date (money).
    bac : float
        Budget at completion (money).
    bottom_up_etc : float, optional
        A fresh estimate to complete (money); without it ``eac_bottom_up`` is ``NaN``.
    method : {"cpi", "atypical", "cpi_spi", "bottom_up"}
        Which EAC feeds ``eac``, ``etc`` and ``vac``.

    Returns
    -------
    EvmMetrics
        Divisions by zero give ``NaN``; TCPI is ``NaN`` with a note when not achievable.

    Examples
    --------
    >>> m = evm_metrics(pv=500, ev=400, ac=450, bac=1000)
    >>> round(m.spi, 2), round(m.cpi, 3), round(m.eac_cpi, 2), m.eac_atypical
    (0.8, 0.889, 1125.0, 1050.0)
    """
    _check_money({"pv": pv, "ev": ev, "ac": ac, "bac": bac})
    if method not in EAC_METHODS:
        raise EvmError(
            "unknown EAC method", field="method", value=method, expected=", ".join(EAC_METHODS)
        )
    pv, ev, ac, bac = (float(x) for x in (pv, ev, ac, bac))
    spi = _div(ev, pv)
    cpi = _div(ev, ac)
    eacs = {
        "atypical": ac + (bac - ev),
        "cpi": _div(bac, cpi),
        "cpi_spi": ac + _div(bac - ev, cpi * spi),
        "bottom_up": ac + float(bottom_up_etc) if bottom_up_etc is not None else np.nan,
    }
    eac = float(eacs[method])
    # TCPI to EAC: against a bottom-up (management) EAC when given, else the chosen one
    target, is_cpi = (
        (eacs["bottom_up"], False) if bottom_up_etc is not None else (eac, method == "cpi")
    )
    t_bac, bac_note, t_eac, eac_note = tcpi_values(bac, ev, ac, target, eac_is_cpi=is_cpi)
    return EvmMetrics(
        pv=pv,
        ev=ev,
        ac=ac,
        bac=bac,
        sv=ev - pv,
        cv=ev - ac,
        spi=spi,
        cpi=cpi,
        eac_atypical=float(eacs["atypical"]),
        eac_cpi=float(eacs["cpi"]),
        eac_cpi_spi=float(eacs["cpi_spi"]),
        eac_bottom_up=float(eacs["bottom_up"]),
        method=method,
        eac=eac,
        etc=eac - ac,
        vac=bac - eac,
        tcpi_bac=float(t_bac[0]),
        tcpi_eac=float(t_eac[0]),
        tcpi_bac_note=str(bac_note[0]),
        tcpi_eac_note=str(eac_note[0]),
    )


# ----------------------------------------------------------------------------- earned schedule
@dataclass(frozen=True)
class EarnedSchedule:
    """Earned schedule at one actual time (Lipke).

    ``es``, ``at``, ``pd``, ``sv_t`` and ``ieac_t`` are in the curve's time unit (``unit``):
    ``"wd"`` (working days of the project calendar since ``origin``) on a :class:`PvCurve`,
    ``"days"`` (calendar days) on a ``date, pv`` table, ``"periods"`` on a numbered curve. The
    ``*_date`` fields (the day the instant falls in) are set for dated curves only.
    """

    es: float
    at: float
    pd: float
    sv_t: float
    spi_t: float
    ieac_t: float
    unit: str
    origin: pd.Timestamp | None = None  # type: ignore[name-defined]  # pandas has no stubs here
    es_date: pd.Timestamp | None = None  # type: ignore[name-defined]
    ieac_t_date: pd.Timestamp | None = None  # type: ignore[name-defined]

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (one row of a table)."""
        return asdict(self)


def _interp_right(times: np.ndarray, pv: np.ndarray, x: Any) -> np.ndarray:
    """Value of a piecewise-linear curve at ``x``; at a step (two points at one time) the value
    after the step (what was planned by the *end* of that instant)."""
    x = np.atleast_1d(np.asarray(x, dtype=float))
    k = np.searchsorted(times, x, side="right") - 1
    kc = np.clip(k, 0, len(times) - 1)
    nxt = np.minimum(kc + 1, len(times) - 1)
    dt = times[nxt] - times[kc]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        frac = np.where(dt > 0, (x - times[kc]) / dt, 0.0)
    val = pv[kc] + np.clip(frac, 0.0, 1.0) * (pv[nxt] - pv[kc])
    return np.where(k < 0, pv[0], val)


def _first_reach(times: np.ndarray, pv: np.ndarray, v: Any) -> np.ndarray:
    """The first time the curve reaches ``v`` (Lipke's ES with flat runs read at their start)."""
    v = np.atleast_1d(np.asarray(v, dtype=float))
    i = np.searchsorted(pv, v, side="left")
    ic = np.clip(i, 1, len(pv) - 1) if len(pv) > 1 else np.zeros_like(i)
    prev = np.maximum(ic - 1, 0)
    step = pv[ic] - pv[prev]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        frac = np.where(step > 0, (v - pv[prev]) / step, 1.0)
    t = times[prev] + np.clip(frac, 0.0, 1.0) * (times[ic] - times[prev])
    return np.where(i <= 0, times[0], np.where(i >= len(pv), times[-1], t))


@dataclass(frozen=True)
class PvCurve:
    """The cumulative baseline PV of a project on a working-time axis.

    ``x`` are working days of ``calendar`` since ``origin`` (the start of the project's first
    day) and ``pv`` the cumulative planned value there; the curve is linear between points, a
    milestone is a step (two points at one ``x``). Build it with :func:`pv_curve` (tasks'
    budgets phased over their baseline working time) or :meth:`from_points` (reported PVs).
    """

    x: np.ndarray
    pv: np.ndarray
    origin: pd.Timestamp
    calendar: Calendar

    @property
    def total(self) -> float:
        """The budget the curve reaches (BAC of the baseline)."""
        return float(self.pv[-1]) if len(self.pv) else 0.0

    @property
    def planned_duration(self) -> float:
        """Planned duration: working days from the origin until PV first reaches its total."""
        return float(_first_reach(self.x, self.pv, self.total)[0])

    @property
    def _mpd(self) -> float:
        return float(self.calendar.minutes_per_day)

    def wd(self, dates: Any, *, end_of_day: bool = True) -> np.ndarray:
        """Working days from the origin to the end (or start) of each date."""
        d = pd.DatetimeIndex(pd.to_datetime(np.atleast_1d(np.asarray(dates, dtype=object))))
        d = d.normalize() + (pd.Timedelta(days=1) if end_of_day else pd.Timedelta(0))
        w0 = self.calendar.to_working_minutes([self.origin])[0]
        return (self.calendar.to_working_minutes(d) - w0) / self._mpd

    def dates(self, wd: Any) -> pd.DatetimeIndex:
        """The day each working-day instant falls in (work ending at 17:00 is that day's)."""
        w = np.atleast_1d(np.asarray(wd, dtype=float))
        w0 = float(self.calendar.to_working_minutes([self.origin])[0])
        out = np.full(w.shape, np.datetime64("NaT"), dtype="datetime64[m]")
        ok = np.isfinite(w) & (w >= 0)
        minutes = w0 + w * self._mpd
        ok &= minutes <= self.calendar.timeline.total
        if ok.any():
            out[ok] = self.calendar.from_working_minutes(minutes[ok], as_finish=True)
        return pd.DatetimeIndex(out).normalize()

    def at(self, wd: Any) -> np.ndarray:
        """Cumulative PV planned by working-day instant(s) ``wd``."""
        return _interp_right(self.x, self.pv, wd)

    def pv_on(self, dates: Any) -> np.ndarray:
        """Cumulative PV planned by the end of each date (what a report of that date shows)."""
        return self.at(self.wd(dates))

    @classmethod
    def from_points(
        cls, dates: Any, pv: Any, *, origin: Any, calendar: Calendar | None = None
    ) -> PvCurve:
        """A curve through reported PVs (at the end of each date), from 0 at ``origin``."""
        cal = calendar if calendar is not None else Calendar.standard()
        o = pd.Timestamp(origin).normalize()
        base = cls(np.zeros(1), np.zeros(1), o, cal)
        x = np.concatenate([[0.0], base.wd(dates)])
        values = np.maximum.accumulate(np.concatenate([[0.0], np.asarray(pv, dtype=float)]))
        order = np.argsort(x, kind="stable")
        return cls(x[order], values[order], o, cal)


def _curve_arrays(pv_curve: Any) -> tuple[np.ndarray, np.ndarray, pd.Timestamp | None, str]:
    """(times, cumulative pv, origin, unit) of a curve given as PvCurve / Series / sequence."""
    if isinstance(pv_curve, PvCurve):
        return pv_curve.x, pv_curve.pv, pv_curve.origin, "wd"
    if isinstance(pv_curve, pd.DataFrame):
        if not {"date", "pv"} <= set(pv_curve.columns):
            raise EvmError(
                "a PV curve table needs columns 'date' and 'pv'",
                value=list(pv_curve.columns),
                expected="date, pv",
            )
        pv_curve = pd.Series(pv_curve["pv"].to_numpy(), index=pv_curve["date"].to_numpy())
    if isinstance(pv_curve, pd.Series):
        idx = pv_curve.index
        values = pv_curve.to_numpy(dtype=float)
        if pd.api.types.is_datetime64_any_dtype(idx) or isinstance(idx, pd.DatetimeIndex):
            dates = pd.DatetimeIndex(idx)
            origin = dates[0]
            times = ((dates - origin) / pd.Timedelta(days=1)).to_numpy(dtype=float)
            return times, values, origin, "days"
        return np.asarray(idx, dtype=float), values, None, "periods"
    values = np.asarray(pv_curve, dtype=float)
    return np.arange(len(values), dtype=float), values, None, "periods"


def _check_curve(times: np.ndarray, pv: np.ndarray) -> None:
    if len(pv) == 0 or np.isnan(pv).any():
        raise EvmError("the PV curve is empty or has missing values", field="pv")
    if np.any(np.diff(pv) < -1e-9) or np.any(np.diff(times) < 0):
        raise EvmError(
            "the PV curve must be cumulative (never decreasing in time or value)", field="pv"
        )


def _at_value(pv_curve: Any, at: Any, origin: pd.Timestamp | None, t0: float) -> float:
    """AT in the curve's unit, relative to its first point; before the origin is an error."""
    if isinstance(pv_curve, PvCurve) and not isinstance(at, int | float | np.number):
        at_val = float(pv_curve.wd(at)[0])
    elif origin is not None and not isinstance(at, int | float | np.number):
        at_val = float((pd.Timestamp(at) - origin) / pd.Timedelta(days=1))
    else:
        at_val = float(at) - t0
    if not np.isfinite(at_val) or at_val < 0:
        raise EvmError(
            "the actual time is before the PV curve's origin (the project start)",
            field="at",
            value=at,
            expected="a time on or after the curve's first point",
        )
    return at_val


def _es_dates(
    pv_curve: Any, origin: pd.Timestamp | None, es: float, ieac_t: float
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    if origin is None:
        return None, None
    if isinstance(pv_curve, PvCurve):
        d = pv_curve.dates([es, ieac_t])
        return d[0], (None if pd.isna(d[1]) else d[1])
    es_date = (origin + pd.Timedelta(days=es)).normalize()
    ieac = (origin + pd.Timedelta(days=float(ieac_t))).normalize() if np.isfinite(ieac_t) else None
    return es_date, ieac


def earned_schedule(
    pv_curve: Any, ev: float, at: Any, *, tol: float | None = None
) -> EarnedSchedule:
    """Earned schedule (Lipke): when the plan expected today's earned value.

    ``ES = C + (EV - PV_C) / (PV_{C+1} - PV_C)``: the first time the cumulative baseline PV
    reaches ``EV`` (linear between curve points). Two refinements keep ES honest on flat runs
    of the curve: a plateau is read at its start (it never inflates ES), and when
    ``PV(AT) = EV`` (within ``tol``) before the planned finish, ``ES = AT`` (on plan). Once
    ``EV`` reaches the curve's total, ``ES = PD``.

    Parameters
    ----------
    pv_curve : PvCurve, Series, DataFrame or sequence
        The cumulative baseline PV: a :class:`PvCurve` (working days; see :func:`pv_curve`), a
        Series indexed by dates or a ``date, pv`` table (calendar days since its first point),
        or a plain sequence ``[PV_0, PV_1, ...]`` (``PV_0`` at time 0, usually 0; periods). The
        planned duration ``PD`` is the time at which the curve first reaches its maximum (BAC).
    ev : float
        Cumulative earned value at the actual time.
    at : date or float
        The actual time: a date (its end, on a :class:`PvCurve`) or a number in the curve's
        unit. Before the curve's origin it is an error.
    tol : float, optional
        Money tolerance of "EV equals PV" (default: a billionth of the curve's total).

    Returns
    -------
    EarnedSchedule
        ``SPI(t)`` and ``IEAC(t)`` are ``NaN`` while ``AT`` or ``ES`` is zero.

    Examples
    --------
    >>> es = earned_schedule([0, 100, 250, 450, 700, 1000], ev=300, at=3)
    >>> es.es, es.sv_t, es.spi_t, round(es.ieac_t, 3)
    (2.25, -0.75, 0.75, 6.667)
    >>> earned_schedule([0, 100, 100, 100, 200], ev=100, at=2).spi_t  # on plan, on a plateau
    1.0
    """
    times, pv, origin, unit = _curve_arrays(pv_curve)
    _check_curve(times, pv)
    ev = float(ev)
    if not np.isfinite(ev) or ev < 0:
        raise EvmError("earned value must be a number >= 0", field="ev", value=ev)
    tol = 1e-9 * abs(float(pv.max())) if tol is None else float(tol)
    # The curve up to the first time it reaches BAC: PD is that time, a complete project has
    # ES = PD however long the curve runs flat afterwards.
    last = int(np.argmax(pv >= pv.max() - 1e-12 * abs(float(pv.max()))))
    times, pv = times[: last + 1], pv[: last + 1]
    t0 = float(times[0])
    pd_time = float(times[-1] - t0)
    at_val = _at_value(pv_curve, at, origin, t0)
    if ev >= pv[-1] - tol:
        es = pd_time
    else:
        es = float(_first_reach(times, pv, ev)[0]) - t0
        if at_val <= pd_time and abs(float(_interp_right(times, pv, at_val + t0)[0]) - ev) <= tol:
            es = at_val  # PV(AT) = EV: on plan, whatever flat run the curve had before
    spi_t = _div(es, at_val)
    ieac_t = _div(pd_time, spi_t)
    es_date, ieac_date = _es_dates(pv_curve, origin, es, ieac_t)
    return EarnedSchedule(
        es=es,
        at=at_val,
        pd=pd_time,
        sv_t=es - at_val,
        spi_t=spi_t,
        ieac_t=ieac_t,
        unit=unit,
        origin=origin,
        es_date=es_date,
        ieac_t_date=ieac_date,
    )


# ----------------------------------------------------------------------------- PV curve
def _project_row(portfolio: Portfolio, project_id: str) -> pd.Series:
    rows = portfolio.projects[portfolio.projects["project_id"] == project_id]
    if rows.empty:
        raise UnknownIdError(
            "project",
            project_id,
            expected="one of " + ", ".join(portfolio.project_ids),
        )
    return rows.iloc[0]


def _project_calendar(portfolio: Portfolio, calendar_id: str) -> Calendar:
    try:
        return portfolio.calendar(calendar_id)
    except KeyError:  # an unknown calendar fails validation; engines fall back to Standard
        return Calendar.standard()


def _budgeted_leaves(tasks: pd.DataFrame) -> pd.DataFrame:
    leaf = tasks[~tasks["is_summary"].astype(bool)]
    return leaf[leaf["budgeted_cost"].fillna(0) > 0]


def _sweep(s: np.ndarray, e: np.ndarray, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points of ``sum(cost_i * clip((x - s_i) / (e_i - s_i), 0, 1))`` (a step where s = e)."""
    lin = e > s
    xs = np.unique(np.concatenate([[0.0], s, e]))
    rate = np.where(lin, cost / np.where(lin, e - s, 1.0), 0.0)
    dslope = np.zeros(len(xs))
    np.add.at(dslope, np.searchsorted(xs, s[lin]), rate[lin])
    np.add.at(dslope, np.searchsorted(xs, e[lin]), -rate[lin])
    jump = np.zeros(len(xs))
    np.add.at(jump, np.searchsorted(xs, e[~lin]), cost[~lin])
    slope = np.cumsum(dslope)
    area = np.concatenate([[0.0], np.cumsum(slope[:-1] * np.diff(xs))])
    right = np.cumsum(jump) + area
    left = right - jump
    x = np.repeat(xs, 2)
    pv = np.empty(2 * len(xs))
    pv[0::2], pv[1::2] = left, right
    pv = np.minimum(np.maximum.accumulate(np.maximum(pv, 0.0)), float(cost.sum()))
    return x, pv


def pv_curve(
    portfolio: Portfolio,
    project_id: str,
    *,
    tasks: pd.DataFrame | None = None,
    calendar: Calendar | None = None,
) -> PvCurve:
    """The project's cumulative baseline PV, time-phased over working time.

    Each leaf task's ``budgeted_cost`` is spread evenly over the working time of the project
    calendar from the start of its ``baseline_start`` day to the end of its ``baseline_finish``
    day (Microsoft Project's timephased BCWS for a linear cost); a milestone, or a task with no
    working time in its span, earns its cost at the end of its baseline date. The curve's origin
    is the start of the project's first day (its ``start`` or earliest baseline start).

    Parameters
    ----------
    portfolio : Portfolio
    project_id : str
    tasks : DataFrame, optional
        Use these tasks instead of the project's (e.g. a re-baselined copy).
    calendar : Calendar, optional
        The working time (default: the project's calendar with its holidays).
    """
    info = _project_row(portfolio, project_id)
    if tasks is None:
        tasks = portfolio.tasks[portfolio.tasks["project_id"] == project_id]
    cal = (
        calendar if calendar is not None else _project_calendar(portfolio, str(info["calendar_id"]))
    )
    leaf = _budgeted_leaves(tasks)
    start = pd.Timestamp(info["start"]).normalize()
    bs = pd.to_datetime(leaf["baseline_start"]).fillna(start).dt.normalize()
    bf = pd.to_datetime(leaf["baseline_finish"]).fillna(bs).dt.normalize()
    bf = bf.where(bf >= bs, bs)
    origin = min(start, bs.min()) if len(bs) else start
    base = PvCurve(np.zeros(1), np.zeros(1), origin, cal)
    if leaf.empty:
        return base
    is_ms = leaf["is_milestone"].astype(bool).to_numpy()
    e = base.wd(bf)  # end of the finish day
    s = np.where(is_ms, e, base.wd(bs, end_of_day=False))
    x, pv = _sweep(s, e, leaf["budgeted_cost"].to_numpy(dtype=float))
    return PvCurve(x, pv, origin, cal)


def planned_value_curve(
    portfolio: Portfolio,
    project_id: str,
    *,
    freq: str = "W",
    tasks: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Cumulative planned value from the baseline, sampled at dates (for charts and tables).

    The values are those of :func:`pv_curve` (budgets phased over working days of the project
    calendar), read at the *end* of each date, so at a report date the curve shows the PV that
    the report uses. The first point is the eve of the project start (pv 0), the last the
    baseline finish (pv = BAC).

    Parameters
    ----------
    portfolio : Portfolio
    project_id : str
    freq : str
        Pandas frequency of the points: ``"D"``, ``"W"`` (week ending Sunday), ``"ME"`` (month
        end) ... The project start's eve and the baseline finish are always points.
    tasks : DataFrame, optional
        Use these tasks instead of the project's (e.g. a re-baselined copy).

    Returns
    -------
    DataFrame
        ``date`` (datetime64), ``wd`` (working days since the origin, at the end of ``date``),
        ``pv`` (cumulative money), ``period_pv`` (money in the period).

    Examples
    --------
    >>> from pmkit import load_sample
    >>> curve = planned_value_curve(load_sample(), "P01", freq="ME")
    >>> bool(curve["pv"].iloc[-1] == curve["pv"].max())
    True
    """
    curve = pv_curve(portfolio, project_id, tasks=tasks)
    first = curve.origin - pd.Timedelta(days=1)
    if curve.total <= 0:
        return pd.DataFrame({"date": [first], "wd": [0.0], "pv": [0.0], "period_pv": [0.0]})
    finish = curve.dates([curve.planned_duration])[0]
    points = pd.date_range(first, finish, freq=freq).normalize()
    points = pd.DatetimeIndex([first, *points, finish]).unique().sort_values()
    points = points[(points >= first) & (points <= finish)]
    wd = np.maximum(curve.wd(points), 0.0)
    wd[0] = 0.0
    out = pd.DataFrame({"date": points, "wd": wd, "pv": curve.at(wd)})
    out.loc[0, "pv"] = 0.0
    out["period_pv"] = out["pv"].diff().fillna(out["pv"])
    return out


def completion_date(tasks: pd.DataFrame) -> pd.Timestamp | None:
    """The day a project's work finished: the latest actual finish of its leaf tasks, when every
    leaf task is 100 % complete with an actual finish; else ``None``."""
    leaf = tasks[~tasks["is_summary"].astype(bool)]
    if leaf.empty:
        return None
    af = pd.to_datetime(leaf["actual_finish"])
    done = (leaf["percent_complete"].to_numpy(dtype=float) >= 100) & af.notna().to_numpy()
    if not done.all():
        return None
    return pd.Timestamp(af.max()).normalize()


# ----------------------------------------------------------------------------- series
MONEY_TOL = 0.01
"""Reported amounts are in cents: "EV equals PV" and "EV reached BAC" within one cent."""

ES_COLUMNS = ("es_wd", "at_wd", "sv_t_wd", "spi_t", "pd_wd", "ieac_t_wd", "es_date", "ieac_t_date")
"""Earned-schedule columns of :func:`evm_series` (times in working days, ``wd``)."""


def _snapshots_of(source: Any, project_id: str | None) -> pd.DataFrame:
    snaps = source.snapshots if isinstance(source, Portfolio) else source
    if not isinstance(snaps, pd.DataFrame):
        raise EvmError("expected a Portfolio or a snapshots DataFrame", value=type(source).__name__)
    missing = {"report_date", "pv", "ev", "ac"} - set(snaps.columns)
    if missing:
        raise EvmError(
            "snapshots table lacks columns",
            value=sorted(missing),
            expected="report_date, pv, ev, ac",
        )
    if project_id is not None and "project_id" in snaps.columns:
        snaps = snaps[snaps["project_id"] == project_id]
    status = getattr(source, "status_date", None)
    if status is not None:  # a portfolio: reports after its status date did not exist yet
        snaps = snaps[snaps["report_date"] <= status]
    return snaps.sort_values("report_date").reset_index(drop=True)


def _snapshot_curve(
    snaps: pd.DataFrame,
    bac: float,
    start: Any,
    planned_finish: Any,
    calendar: Calendar | None,
) -> tuple[PvCurve | None, str]:
    """The ES curve of a snapshots table alone: 0 at ``start``, the reported PVs, then BAC at
    the end of ``planned_finish``; ``None`` and the reason when either date is missing."""
    if start is None or planned_finish is None or pd.isna(start) or pd.isna(planned_finish):
        return None, "earned schedule needs start= and planned_finish= with snapshots alone"
    dates = [*pd.to_datetime(snaps["report_date"]), pd.Timestamp(planned_finish)]
    values = [*snaps["pv"].to_numpy(dtype=float), float(bac)]
    return PvCurve.from_points(dates, values, origin=start, calendar=calendar), ""


def _es_row(
    curve: PvCurve | None, ev: float, report_date: Any, completion: Any, note: str
) -> dict[str, Any]:
    """Earned-schedule columns of one report; a finished project is measured at completion."""
    empty: dict[str, Any] = {c: np.nan for c in ES_COLUMNS}
    empty.update(es_date=pd.NaT, ieac_t_date=pd.NaT, es_note=note)
    if curve is None:
        return empty
    at = pd.Timestamp(report_date)
    finished = ev >= curve.total - MONEY_TOL
    if finished and completion is not None and not pd.isna(completion):
        at = min(at, pd.Timestamp(completion))
    if at < curve.origin:
        empty["es_note"] = "report dated before the project start: no earned schedule"
        return empty
    es = earned_schedule(curve, ev, at, tol=MONEY_TOL)
    return {
        "es_wd": es.es,
        "at_wd": es.at,
        "sv_t_wd": es.sv_t,
        "spi_t": es.spi_t,
        "pd_wd": es.pd,
        "ieac_t_wd": es.ieac_t,
        "es_date": es.es_date,
        "ieac_t_date": es.ieac_t_date,
        "es_note": "measured at completion"
        if finished and at < pd.Timestamp(report_date)
        else note,
    }


def _series_inputs(
    source: Any,
    project_id: str | None,
    bac: float | None,
    pv_curve_: PvCurve | pd.DataFrame | pd.Series | None,
    dates: tuple[Any, Any, Calendar | None],
    snaps: pd.DataFrame,
) -> tuple[float, PvCurve | None, Any, str]:
    """(BAC, ES curve, completion date, note) for :func:`evm_series`."""
    start, planned_finish, calendar = dates
    if isinstance(source, Portfolio):
        assert project_id is not None  # checked by the caller
        info = _project_row(source, project_id)
        tasks = source.tasks[source.tasks["project_id"] == project_id]
        cal = calendar or _project_calendar(source, str(info["calendar_id"]))
        bac = float(info["budget"]) if bac is None else bac
        if pv_curve_ is None:
            curve: PvCurve | None = pv_curve(source, project_id, tasks=tasks, calendar=cal)
        elif isinstance(pv_curve_, PvCurve):
            curve = pv_curve_
        else:
            c = _curve_arrays(pv_curve_)
            curve = PvCurve.from_points(
                pd.to_datetime(c[2]) + pd.to_timedelta(c[0], unit="D"),
                c[1],
                origin=c[2],
                calendar=cal,
            )
        return bac, curve, completion_date(tasks), ""
    if bac is None:
        raise EvmError(
            "a snapshots table alone does not give the budget at completion",
            field="bac",
            expected="evm_series(snapshots, bac=..., start=..., planned_finish=...)",
        )
    if isinstance(pv_curve_, PvCurve):
        return bac, pv_curve_, None, ""
    curve, note = _snapshot_curve(snaps, bac, start, planned_finish, calendar)
    return bac, curve, None, note


def evm_series(
    portfolio_or_snapshots: Portfolio | pd.DataFrame,
    project_id: str | None = None,
    *,
    bac: float | None = None,
    pv_curve: PvCurve | pd.DataFrame | pd.Series | None = None,
    method: EacMethod = "cpi",
    start: Any = None,
    planned_finish: Any = None,
    calendar: Calendar | None = None,
) -> pd.DataFrame:
    """Earned value and earned schedule at every status report of a project.

    Parameters
    ----------
    portfolio_or_snapshots : Portfolio or DataFrame
        A portfolio (BAC = the project's ``budget``; ES on :func:`pv_curve`, the baseline PV
        phased over working days of the project calendar; reports after the portfolio's status
        date are ignored) or a snapshots table alone. A table alone needs ``bac`` (else
        :class:`EvmError`); its ES curve runs from 0 at ``start`` through the reported PVs to
        ``bac`` at the end of ``planned_finish`` (working days of ``calendar``, default Mon-Fri);
        without those two dates the ES columns are ``NaN`` and ``es_note`` says why.
    project_id : str, optional
        Required with a portfolio; filters a snapshots table that has ``project_id``.
    bac : float, optional
        Budget at completion; overrides the project's budget.
    pv_curve : PvCurve, DataFrame or Series, optional
        Baseline PV curve for earned schedule (a ``date, pv`` table is read at the end of each
        date, on the project calendar).
    method : str
        EAC method of the ``eac`` column (see :data:`EAC_METHODS`).
    start, planned_finish : date, optional
        Project start and planned finish, for a snapshots table alone.
    calendar : Calendar, optional
        Working time of the ES axis (default: the project's calendar; Mon-Fri for a table).

    Returns
    -------
    DataFrame
        One row per ``report_date``: ``pv, ev, ac, bac, percent_complete, sv, cv, spi, cpi,
        eac_atypical, eac_cpi, eac_cpi_spi, eac, etc, vac, tcpi_bac, tcpi_eac`` (money /
        ratios) with ``tcpi_bac_note, tcpi_eac_note``; ``es_wd, at_wd, sv_t_wd, spi_t, pd_wd,
        ieac_t_wd`` (working days since the origin; a finished project's ``at_wd`` is its
        completion), ``es_date, ieac_t_date`` (days) and ``es_note``; ``forecast_finish`` when
        reported.

    Examples
    --------
    >>> from pmkit import load_sample
    >>> s = evm_series(load_sample(), "P01")
    >>> s[["spi", "cpi", "spi_t"]].tail(1).round(3)
         spi    cpi  spi_t
    5  0.912  0.839  0.865
    """
    if isinstance(portfolio_or_snapshots, Portfolio) and project_id is None:
        raise EvmError("evm_series needs a project_id with a portfolio", field="project_id")
    snaps = _snapshots_of(portfolio_or_snapshots, project_id)
    bac, curve, completion, note = _series_inputs(
        portfolio_or_snapshots, project_id, bac, pv_curve, (start, planned_finish, calendar), snaps
    )
    if snaps.empty:
        return pd.DataFrame(columns=["report_date", "pv", "ev", "ac", "bac", "spi", "cpi"])
    rows = []
    for rec in snaps.itertuples(index=False):
        m = evm_metrics(rec.pv, rec.ev, rec.ac, bac, method=method)
        row = {"report_date": rec.report_date, **m.as_dict()}
        row.pop("method")
        row.pop("eac_bottom_up")
        row.update(_es_row(curve, float(rec.ev), rec.report_date, completion, note))
        for extra in ("percent_complete", "forecast_finish"):
            if hasattr(rec, extra):
                row[extra] = getattr(rec, extra)
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in ("report_date", "es_date", "ieac_t_date", "forecast_finish"):
        if col in out:
            out[col] = pd.to_datetime(out[col])
    return out


def s_curve(portfolio: Portfolio, project_id: str, *, freq: str = "W") -> pd.DataFrame:
    """The three S-curves in long form, ready for a line chart.

    Returns
    -------
    DataFrame
        ``date, series, value``: ``series`` is ``"PV"`` (the whole baseline curve to BAC, phased
        over working days as the reports' PV is), ``"EV"`` and ``"AC"`` (the status reports up
        to the status date).
    """
    pv = planned_value_curve(portfolio, project_id, freq=freq)
    snaps = _snapshots_of(portfolio, project_id)
    parts = [pv.assign(series="PV").rename(columns={"pv": "value"})[["date", "series", "value"]]]
    for col in ("ev", "ac"):
        parts.append(
            pd.DataFrame({"date": snaps["report_date"], "series": col.upper(), "value": snaps[col]})
        )
    out = pd.concat(parts, ignore_index=True)
    out["value"] = out["value"].astype(float)
    return out


ROLLUP_EVM_COLUMNS: tuple[str, ...] = (
    "report_date",
    "pv",
    "ev",
    "ac",
    "sv",
    "cv",
    "spi",
    "cpi",
    "eac",
    "etc",
    "vac",
    "tcpi_bac",
    "tcpi_bac_note",
    "spi_t",
    "sv_t_wd",
    "es_wd",
    "at_wd",
    "pd_wd",
    "ieac_t_date",
    "es_note",
    "percent_complete",
)
"""Indicator columns of :func:`evm_rollup` (after ``project_id, name, bac``)."""


def evm_rollup(portfolio: Portfolio, *, method: EacMethod = "cpi") -> pd.DataFrame:
    """Latest earned-value indicators of every project, at its last report up to the status date.

    Returns
    -------
    DataFrame
        One row per project: ``project_id, name, bac`` and :data:`ROLLUP_EVM_COLUMNS`
        (``sv_t_wd`` etc. in working days). Projects without a report have ``NaN`` indicators
        and ``bac`` = budget.
    """
    rows: list[dict[str, Any]] = []
    for info in portfolio.projects.itertuples(index=False):
        series = evm_series(portfolio, info.project_id, method=method)
        row: dict[str, Any] = {
            "project_id": info.project_id,
            "name": info.name,
            "bac": float(info.budget),
        }
        if series.empty:
            row.update({c: np.nan for c in ROLLUP_EVM_COLUMNS})
            row.update(report_date=pd.NaT, ieac_t_date=pd.NaT, tcpi_bac_note="", es_note="")
        else:
            last = series.iloc[-1]
            row.update({c: last.get(c, np.nan) for c in ROLLUP_EVM_COLUMNS})
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in ("report_date", "ieac_t_date"):
        out[col] = pd.to_datetime(out[col])
    return out


def earned_schedule_latest(portfolio: Portfolio, latest: pd.DataFrame) -> pd.DataFrame:
    """``spi_t, sv_t_wd, es_wd, at_wd, pd_wd, ieac_t_date`` of each project's latest report.

    ``latest`` has ``project_id, report_date, ev`` (one row per project, e.g. the roll-up's);
    projects without a report get ``NaN``. Tasks are grouped once and calendars built once,
    so the cost is one curve per reported project.
    """
    cols = ["spi_t", "sv_t_wd", "es_wd", "at_wd", "pd_wd", "ieac_t_date"]
    out = pd.DataFrame(index=latest.index, columns=cols, dtype=float)
    out["ieac_t_date"] = pd.NaT
    info = portfolio.projects.set_index("project_id")
    by_project = dict(iter(portfolio.tasks.groupby("project_id", sort=False)))
    calendars: dict[str, Calendar] = {}
    for i, rec in zip(latest.index, latest.itertuples(index=False), strict=True):
        if pd.isna(rec.report_date) or pd.isna(rec.ev) or rec.project_id not in by_project:
            continue
        cid = str(info.loc[rec.project_id, "calendar_id"])
        if cid not in calendars:
            calendars[cid] = _project_calendar(portfolio, cid)
        cal = calendars[cid]
        tasks = by_project[rec.project_id]
        curve = pv_curve(portfolio, rec.project_id, tasks=tasks, calendar=cal)
        row = _es_row(curve, float(rec.ev), rec.report_date, completion_date(tasks), "")
        for c in cols:
            out.at[i, c] = row[c]
    out["ieac_t_date"] = pd.to_datetime(out["ieac_t_date"])
    return out


@dataclass(frozen=True)
class EvmAtStatus:
    """Earned value of one project at its last status report on or before the status date:
    what the Tracking page shows (typed, so the page only reads fields).

    ``metrics``, ``row`` (the :func:`evm_series` row, with earned schedule) and ``eacs`` (the
    four EACs with their formulas) are ``None`` when the project has no report yet; ``curve``
    (the S-curve, long table) is always there.
    """

    report_date: pd.Timestamp | None
    metrics: EvmMetrics | None
    row: pd.Series | None
    eacs: pd.DataFrame | None
    curve: pd.DataFrame


def evm_at_status(portfolio: Portfolio, project_id: str) -> EvmAtStatus:
    """Earned value of ``project_id`` at its last status report on or before the portfolio's
    status date (a later report is not known yet at that date)."""
    series = evm_series(portfolio, project_id)
    status = portfolio.status_date
    if status is not None and len(series):
        series = series[series["report_date"] <= status]
    curve = s_curve(portfolio, project_id)
    if series.empty:
        return EvmAtStatus(report_date=None, metrics=None, row=None, eacs=None, curve=curve)
    row = series.iloc[-1]
    m = evm_metrics(row["pv"], row["ev"], row["ac"], row["bac"])
    return EvmAtStatus(
        report_date=row["report_date"], metrics=m, row=row, eacs=m.eac_table(), curve=curve
    )
