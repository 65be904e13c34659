"""Working-time calendar: periods, exceptions, derived calendars, vectorised conversions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pmkit.calendar import Calendar, CalendarError, parse_periods, recurring_days


def ts(s: str) -> np.datetime64:
    return np.datetime64(s, "m")


@pytest.fixture(scope="module")
def std() -> Calendar:
    return Calendar.standard()


def test_from_spec_periods_and_minutes_per_day() -> None:
    cal = Calendar.from_spec("Mon,Tue,Wed,Thu,Fri", "08:00-12:00,13:00-17:00")
    assert cal.minutes_per_day == 480
    assert cal.hours_per_day == 8
    six = Calendar.from_spec("Mon,Tue", "09:00-15:00")
    assert six.minutes_per_day == 360


def test_start_and_finish_semantics_at_day_boundary(std: Calendar) -> None:
    # Friday 17:00 and Monday 08:00 are the same working minute
    w = std.to_working_minutes(["2024-01-05 17:00", "2024-01-08 08:00"])
    assert w[0] == w[1]
    assert std.from_working_minutes(w[:1])[0] == ts("2024-01-08T08:00")
    assert std.from_working_minutes(w[:1], as_finish=True)[0] == ts("2024-01-05T17:00")


def test_add_working_minutes_skips_lunch_and_weekend(std: Calendar) -> None:
    got = std.add_working_minutes(["2024-01-05 11:00"], [120])
    assert got[0] == ts("2024-01-05T14:00")
    got = std.add_working_minutes(["2024-01-05 16:00"], [120])
    assert got[0] == ts("2024-01-08T09:00")
    back = std.add_working_minutes(["2024-01-08 09:00"], [-120], as_finish=False)
    assert back[0] == ts("2024-01-05T16:00")


def test_vectorised_round_trip(std: Calendar) -> None:
    rng = np.random.default_rng(1)
    w0 = std.to_working_minutes(["2024-01-01"])[0]
    w = w0 + rng.integers(0, 480 * 400, size=10_000)
    d = std.from_working_minutes(w)
    assert (std.to_working_minutes(d) == w).all()
    assert std.is_working(d).all()


def test_working_minutes_between(std: Calendar) -> None:
    assert std.working_minutes_between("2024-01-08 08:00", "2024-01-12 17:00")[0] == 2400
    assert std.working_minutes_between("2024-01-12 17:00", "2024-01-08 08:00")[0] == -2400


def test_holiday_and_working_exception() -> None:
    cal = Calendar.from_spec(holidays=["2024-01-09"])
    assert cal.working_minutes_between("2024-01-08 08:00", "2024-01-10 17:00")[0] == 960
    cal.add_exception("2024-01-13", periods="09:00-11:00")  # a working Saturday
    assert cal.working_minutes_between("2024-01-13 00:00", "2024-01-14 00:00")[0] == 120
    days = cal.working_days("2024-01-08", "2024-01-14")
    assert pd.Timestamp(days[-1]) == pd.Timestamp("2024-01-13")
    assert pd.Timestamp("2024-01-09") not in [pd.Timestamp(d) for d in days]


def test_derived_calendar_inherits_and_overrides() -> None:
    base = Calendar.from_spec(holidays=["2024-01-09"], name="base")
    res = Calendar(name="res", base=base, week={4: ((8 * 60, 12 * 60),)})  # short Fridays
    assert res.week_periods(0) == base.week_periods(0)
    # base holiday applies, own Friday applies
    assert res.working_minutes_between("2024-01-08", "2024-01-13")[0] == 480 * 3 + 240
    res.add_exception("2024-01-09", periods="08:00-10:00")
    assert res.working_minutes_between("2024-01-09", "2024-01-10")[0] == 120


def test_recurring_days_weekly_and_monthly() -> None:
    d = recurring_days("weekly", "2024-01-01", occurrences=3, weekdays=[0], period=2)
    got = [str(np.datetime64(int(x), "D")) for x in d]
    assert got == ["2024-01-01", "2024-01-15", "2024-01-29"]
    d = recurring_days("monthly", "2024-01-01", occurrences=2, month_item=5, month_weekday=4)
    got = [str(np.datetime64(int(x), "D")) for x in d]
    assert got == ["2024-01-26", "2024-02-23"]  # last Friday


def test_bad_specs_raise_clear_errors() -> None:
    with pytest.raises(CalendarError, match="weekday"):
        Calendar.from_spec("Mon,Funday")
    with pytest.raises(CalendarError):
        parse_periods("12:00-08:00")
    with pytest.raises(CalendarError, match="overlap"):
        parse_periods("08:00-12:00,11:00-13:00")
    with pytest.raises(CalendarError):
        Calendar.from_spec("", "08:00-12:00")
