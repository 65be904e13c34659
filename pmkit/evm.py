"""Earned value and earned schedule, to the status date.

Units
-----
Money (``pv``, ``ev``, ``ac``, ``bac``, ``eac`` ...) is in the portfolio's currency. Indices
(``spi``, ``cpi``, ``spi_t``, ``tcpi``) are ratios. Earned-schedule times on a date-indexed
curve are in **calendar days** since the curve's first point (the project start); on a
numbered curve they are in that curve's **periods** (Lipke's worked examples use months).

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
  ``SPI(t) = ES / AT``, ``IEAC(t) = PD / SPI(t)``
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from pmkit.errors import EvmError, UnknownIdError

if TYPE_CHECKING:  # pragma: no cover
    from pmkit.model import Portfolio

__all__ = [
    "EAC_METHODS",
    "EarnedSchedule",
    "EvmError",
    "EvmMetrics",
    "earned_schedule",
    "evm_metrics",
    "evm_rollup",
    "evm_series",
    "planned_value_curve",
    "s_curve",
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
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where((den_a == 0) | np.isnan(den_a), np.nan, num_a / den_a)
    return float(out) if out.ndim == 0 else out


# ----------------------------------------------------------------------------- metrics
@dataclass(frozen=True)
class EvmMetrics:
    """Earned-value indicators at one date (money in currency, indices as ratios).

    ``eac`` is the estimate chosen by ``method``; all four are kept (``eac_atypical``,
    ``eac_cpi``, ``eac_cpi_spi``, ``eac_bottom_up``) so a dashboard can show them side by side
    with :meth:`eac_table`.
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
        Which EAC feeds ``eac``, ``etc``, ``vac`` and ``tcpi_eac``.

    Returns
    -------
    EvmMetrics
        Divisions by zero give ``NaN``.

    Examples
    --------
    >>> m = evm_metrics(pv=500, ev=400, ac=450, bac=1000)
    >>> round(m.spi, 2), round(m.cpi, 3), round(m.eac_cpi, 2), m.eac_atypical
    (0.8, 0.889, 1125.0, 1050.0)
    """
    values = {"pv": pv, "ev": ev, "ac": ac, "bac": bac}
    for name, v in values.items():
        if v is None or not np.isfinite(float(v)) or float(v) < 0:
            raise EvmError(
                "earned-value amounts must be finite and not negative",
                field=name,
                value=v,
                expected="a number >= 0",
            )
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
        tcpi_bac=_div(bac - ev, bac - ac),
        tcpi_eac=_div(bac - ev, eac - ac),
    )


# ----------------------------------------------------------------------------- earned schedule
@dataclass(frozen=True)
class EarnedSchedule:
    """Earned schedule at one actual time (Lipke).

    ``es``, ``at``, ``pd``, ``sv_t`` and ``ieac_t`` are in the curve's time unit: calendar days
    since ``origin`` for a date-indexed curve, periods for a numbered one. The ``*_date`` fields
    are set for date-indexed curves only.
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


def _curve_arrays(pv_curve: Any) -> tuple[np.ndarray, np.ndarray, pd.Timestamp | None]:
    """(times, cumulative pv, origin) of a curve given as Series / DataFrame / sequence."""
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
            return times, values, origin
        return np.asarray(idx, dtype=float), values, None
    values = np.asarray(pv_curve, dtype=float)
    return np.arange(len(values), dtype=float), values, None


def earned_schedule(pv_curve: Any, ev: float, at: Any) -> EarnedSchedule:
    """Earned schedule (Lipke): when the plan expected today's earned value.

    ``ES = C + (EV - PV_C) / (PV_{C+1} - PV_C)`` where ``C`` is the last curve point whose
    cumulative PV does not exceed ``EV`` (time interpolated linearly between points).

    Parameters
    ----------
    pv_curve : Series, DataFrame or sequence
        The cumulative baseline PV. A Series indexed by dates (or a ``date, pv`` table, such as
        :func:`planned_value_curve` returns) works in calendar days since its first point; a
        plain sequence ``[PV_0, PV_1, ...]`` (``PV_0`` at time 0, usually 0) works in periods.
        The planned duration ``PD`` is the time at which the curve first reaches its maximum
        (BAC).
    ev : float
        Cumulative earned value at the actual time.
    at : date or float
        The actual time (status date): a date for a date-indexed curve, else a number of periods.

    Returns
    -------
    EarnedSchedule
        ``SPI(t)`` and ``IEAC(t)`` are ``NaN`` while ``AT`` or ``ES`` is zero.

    Examples
    --------
    >>> es = earned_schedule([0, 100, 250, 450, 700, 1000], ev=300, at=3)
    >>> es.es, es.sv_t, es.spi_t, round(es.ieac_t, 3)
    (2.25, -0.75, 0.75, 6.667)
    """
    times, pv, origin = _curve_arrays(pv_curve)
    if len(pv) == 0 or np.isnan(pv).any():
        raise EvmError("the PV curve is empty or has missing values", field="pv")
    if np.any(np.diff(pv) < -1e-9) or np.any(np.diff(times) < 0):
        raise EvmError(
            "the PV curve must be cumulative (never decreasing in time or value)", field="pv"
        )
    ev = float(ev)
    if not np.isfinite(ev) or ev < 0:
        raise EvmError("earned value must be a number >= 0", field="ev", value=ev)
    # The curve up to the first time it reaches BAC: PD is that time, a complete project has
    # ES = PD however long the curve runs flat afterwards.
    last = int(np.argmax(pv >= pv.max() - 1e-9))
    times, pv = times[: last + 1], pv[: last + 1]
    pd_time = float(times[-1] - times[0])
    c = int(np.searchsorted(pv, ev, side="right")) - 1
    if c < 0:
        es_abs = times[0]
    elif c >= len(pv) - 1:
        es_abs = times[-1]
    else:
        step = pv[c + 1] - pv[c]
        frac = (ev - pv[c]) / step if step > 0 else 0.0
        es_abs = times[c] + frac * (times[c + 1] - times[c])
    es = float(es_abs - times[0])
    if origin is not None:
        at_ts = pd.Timestamp(at)
        at_val = float((at_ts - origin) / pd.Timedelta(days=1))
    else:
        at_val = float(at) - float(times[0])
    spi_t = _div(es, at_val)
    ieac_t = _div(pd_time, spi_t)
    unit = "days" if origin is not None else "periods"
    es_date = ieac_date = None
    if origin is not None:
        es_date = origin + pd.Timedelta(days=es)
        if np.isfinite(ieac_t):
            ieac_date = origin + pd.Timedelta(days=float(ieac_t))
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


def planned_value_curve(
    portfolio: Portfolio,
    project_id: str,
    *,
    freq: str = "W",
    tasks: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Cumulative planned value from the baseline: each leaf task's ``budgeted_cost`` spread
    linearly over its baseline dates, so the S-curve reaches BAC at the baseline finish.

    A task spans ``baseline_start`` 00:00 to the end of ``baseline_finish``; a milestone (zero
    span) earns its cost on its baseline date. ``pv`` at a date is the value planned to be
    earned by the *end* of that date; the first point is the eve of the project start (pv 0),
    so earned-schedule times count whole days of work (status date = end of that day).

    Parameters
    ----------
    portfolio : Portfolio
    project_id : str
    freq : str
        Pandas frequency of the points: ``"D"``, ``"W"`` (week ending Sunday), ``"ME"`` (month
        end) ... The project start (pv 0) and the baseline finish (pv = BAC) are always points.
    tasks : DataFrame, optional
        Use these tasks instead of the project's (e.g. a re-baselined copy).

    Returns
    -------
    DataFrame
        ``date`` (datetime64), ``pv`` (cumulative money), ``period_pv`` (money in the period).

    Examples
    --------
    >>> curve = planned_value_curve(load_sample(), "P01", freq="ME")  # doctest: +SKIP
    >>> curve["pv"].iloc[-1] == curve["pv"].max()  # doctest: +SKIP
    True
    """
    info = _project_row(portfolio, project_id)
    if tasks is None:
        tasks = portfolio.tasks[portfolio.tasks["project_id"] == project_id]
    leaf = tasks[~tasks["is_summary"].astype(bool)]
    leaf = leaf[leaf["budgeted_cost"].fillna(0) > 0]
    start = pd.Timestamp(info["start"]).normalize()
    if leaf.empty:
        return pd.DataFrame({"date": [start], "pv": [0.0], "period_pv": [0.0]})
    bs = pd.to_datetime(leaf["baseline_start"]).fillna(start)
    bf = pd.to_datetime(leaf["baseline_finish"]).fillna(bs)
    bf = bf.where(bf >= bs, bs)
    day = np.timedelta64(1, "D")
    s = bs.to_numpy(dtype="datetime64[ns]")
    is_ms = leaf["is_milestone"].astype(bool).to_numpy()
    e = np.where(is_ms, s, bf.to_numpy(dtype="datetime64[ns]") + day)
    # Dates are end-of-day labels; the first point is the eve of the start (nothing earned).
    first = min(start, pd.Timestamp(s.min())) - pd.Timedelta(days=1)
    finish = pd.Timestamp(np.where(is_ms, s, e - day).max())
    points = pd.date_range(first, finish, freq=freq).normalize()
    points = pd.DatetimeIndex([first, *points, finish]).unique().sort_values()
    points = points[(points >= first) & (points <= finish)]
    cost = leaf["budgeted_cost"].to_numpy(dtype=float)
    t = (points.to_numpy(dtype="datetime64[ns]") + day)[:, None]  # end of each point's day
    span = (e - s).astype("timedelta64[s]").astype(float)[None, :]
    done = (t - s[None, :]).astype("timedelta64[s]").astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(span > 0, np.clip(done / span, 0.0, 1.0), (done > 0).astype(float))
    out = pd.DataFrame({"date": points, "pv": frac @ cost})
    out["period_pv"] = out["pv"].diff().fillna(out["pv"])
    return out


# ----------------------------------------------------------------------------- series
def _snapshots_of(source: Any, project_id: str | None) -> pd.DataFrame:
    snaps = source.snapshots if hasattr(source, "snapshots") else source
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
    return snaps.sort_values("report_date").reset_index(drop=True)


def evm_series(
    portfolio_or_snapshots: Portfolio | pd.DataFrame,
    project_id: str | None = None,
    *,
    bac: float | None = None,
    pv_curve: pd.DataFrame | pd.Series | None = None,
    method: EacMethod = "cpi",
) -> pd.DataFrame:
    """Earned value and earned schedule at every status report of a project.

    Parameters
    ----------
    portfolio_or_snapshots : Portfolio or DataFrame
        A portfolio (BAC = the project's ``budget``, ES on the daily baseline PV curve of
        :func:`planned_value_curve`) or a snapshots table alone (then pass ``bac``; ES uses the
        reported PV values themselves as the curve, starting from 0 one period before the first
        report).
    project_id : str, optional
        Required with a portfolio; filters a snapshots table that has ``project_id``.
    bac : float, optional
        Budget at completion; overrides the project's budget.
    pv_curve : DataFrame or Series, optional
        Baseline PV curve (``date, pv``) for earned schedule.
    method : str
        EAC method of the ``eac`` column (see :data:`EAC_METHODS`).

    Returns
    -------
    DataFrame
        One row per ``report_date``: ``pv, ev, ac, bac, percent_complete, sv, cv, spi, cpi,
        eac_atypical, eac_cpi, eac_cpi_spi, eac, etc, vac, tcpi_bac, tcpi_eac`` (money / ratios)
        and ``es_days, at_days, sv_t_days, spi_t, pd_days, ieac_t_days`` (calendar days since the
        curve origin), ``es_date, ieac_t_date`` (dates), ``forecast_finish`` when reported.

    Examples
    --------
    >>> s = evm_series(load_sample(), "P01")  # doctest: +SKIP
    >>> s[["report_date", "spi", "cpi", "spi_t"]].tail(1)  # doctest: +SKIP
    """
    is_portfolio = hasattr(portfolio_or_snapshots, "projects")
    if is_portfolio and project_id is None:
        raise EvmError("evm_series needs a project_id with a portfolio", field="project_id")
    snaps = _snapshots_of(portfolio_or_snapshots, project_id)
    if is_portfolio:
        info = _project_row(portfolio_or_snapshots, project_id)  # type: ignore[arg-type]
        if bac is None:
            bac = float(info["budget"])
        if pv_curve is None:
            assert project_id is not None  # checked above for a portfolio
            pv_curve = planned_value_curve(
                portfolio_or_snapshots,  # type: ignore[arg-type]
                project_id,
                freq="D",
            )
    if snaps.empty:
        return pd.DataFrame(columns=["report_date", "pv", "ev", "ac", "bac", "spi", "cpi"])
    if bac is None:
        bac = float(snaps["pv"].max())
    if pv_curve is None:
        dates = pd.DatetimeIndex(snaps["report_date"])
        step = dates[1] - dates[0] if len(dates) > 1 else pd.Timedelta(days=30)
        pv_curve = pd.Series(
            np.concatenate([[0.0], snaps["pv"].to_numpy(dtype=float), [bac]]),
            index=pd.DatetimeIndex([dates[0] - step, *dates, dates[-1] + step]),
        )
        pv_curve = pv_curve[~pv_curve.index.duplicated()].cummax()
    rows = []
    for rec in snaps.itertuples(index=False):
        m = evm_metrics(rec.pv, rec.ev, rec.ac, bac, method=method)
        es = earned_schedule(pv_curve, rec.ev, rec.report_date)
        row = {"report_date": rec.report_date, **m.as_dict()}
        row.pop("method")
        row.pop("eac_bottom_up")
        row.update(
            es_days=es.es,
            at_days=es.at,
            sv_t_days=es.sv_t,
            spi_t=es.spi_t,
            pd_days=es.pd,
            ieac_t_days=es.ieac_t,
            es_date=es.es_date,
            ieac_t_date=es.ieac_t_date,
        )
        if hasattr(rec, "percent_complete"):
            row["percent_complete"] = rec.percent_complete
        if hasattr(rec, "forecast_finish"):
            row["forecast_finish"] = rec.forecast_finish
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in ("es_date", "ieac_t_date", "forecast_finish"):
        if col in out:
            out[col] = pd.to_datetime(out[col])
    return out


def s_curve(portfolio: Portfolio, project_id: str, *, freq: str = "W") -> pd.DataFrame:
    """The three S-curves in long form, ready for a line chart.

    Returns
    -------
    DataFrame
        ``date, series, value``: ``series`` is ``"PV"`` (the whole baseline curve to BAC),
        ``"EV"`` and ``"AC"`` (the status reports up to the status date).
    """
    pv = planned_value_curve(portfolio, project_id, freq=freq)
    snaps = _snapshots_of(portfolio, project_id)
    status = portfolio.status_date
    if status is not None:
        snaps = snaps[snaps["report_date"] <= status]
    parts = [pv.assign(series="PV").rename(columns={"pv": "value"})[["date", "series", "value"]]]
    for col in ("ev", "ac"):
        parts.append(
            pd.DataFrame({"date": snaps["report_date"], "series": col.upper(), "value": snaps[col]})
        )
    out = pd.concat(parts, ignore_index=True)
    out["value"] = out["value"].astype(float)
    return out


def evm_rollup(portfolio: Portfolio, *, method: EacMethod = "cpi") -> pd.DataFrame:
    """Latest earned-value indicators of every project, at its last report up to the status date.

    Returns
    -------
    DataFrame
        One row per project: ``project_id, name, report_date, bac, pv, ev, ac, sv, cv, spi, cpi,
        eac, etc, vac, tcpi_bac, spi_t, sv_t_days, ieac_t_date, percent_complete``. Projects
        without a report have ``NaN`` indicators and ``bac`` = budget.
    """
    status = portfolio.status_date
    rows: list[dict[str, Any]] = []
    cols = [
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
        "spi_t",
        "sv_t_days",
        "ieac_t_date",
        "percent_complete",
    ]
    for info in portfolio.projects.itertuples(index=False):
        series = evm_series(portfolio, info.project_id, method=method)
        if status is not None and not series.empty:
            series = series[series["report_date"] <= status]
        row: dict[str, Any] = {
            "project_id": info.project_id,
            "name": info.name,
            "bac": float(info.budget),
        }
        if series.empty:
            row.update({c: np.nan for c in cols})
            row["report_date"] = pd.NaT
            row["ieac_t_date"] = pd.NaT
        else:
            last = series.iloc[-1]
            row.update({c: last.get(c, np.nan) for c in cols})
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in ("report_date", "ieac_t_date"):
        out[col] = pd.to_datetime(out[col])
    return out
