"""The sample's calendar: Spanish national holidays and working-day indices (numpy busday)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np

from pmkit.generate._reference import REF

ORIGIN = np.datetime64("2024-01-01", "D")  # a Monday; working-day index 0 counts from here


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm), for Good Friday."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def spain_holidays(years: Sequence[int]) -> list[tuple[dt.date, str]]:
    """Spain's national public holidays (fixed ones plus Good Friday), sorted by date."""
    fixed = [(h["month"], h["day"], h["name"]) for h in REF["spain_holidays"]]
    out = [(dt.date(y, m, d), name) for y in years for m, d, name in fixed]
    out += [(easter_sunday(y) - dt.timedelta(days=2), "Viernes Santo") for y in years]
    return sorted(out)


class Days:
    """Working-day index <-> date for the Standard calendar (numpy busday, vectorised)."""

    def __init__(self, holidays: Sequence[dt.date]) -> None:
        self.hol = np.array(holidays, dtype="datetime64[D]")

    def date(self, idx: np.ndarray) -> np.ndarray:
        return np.busday_offset(ORIGIN, np.asarray(idx, dtype=np.int64), holidays=self.hol)

    def index(self, dates: Any) -> np.ndarray:
        """Index of the last working day on or before each date."""
        d = np.asarray(dates, dtype="datetime64[D]") + np.timedelta64(1, "D")
        return np.busday_count(ORIGIN, d, holidays=self.hol) - 1

    def iso(self, idx: np.ndarray) -> np.ndarray:
        """ISO dates of working-day indices."""
        return iso(self.date(idx))


def iso(days: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD`` strings of day dates."""
    return np.datetime_as_string(np.asarray(days, dtype="datetime64[D]"), unit="D")


def month_ends(sd: np.datetime64, months: int) -> np.ndarray:
    """The last calendar day of the ``months`` months up to the status date's month."""
    month0 = sd.astype("datetime64[M]")
    return (month0 - np.arange(months - 1, -1, -1) + 1).astype("datetime64[D]") - 1
