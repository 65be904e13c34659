"""A calendar's numpy business-day arguments (one calendar home: pmkit.calendar + Portfolio).

The expected counts are worked out by hand on a wall calendar, not by pmkit.
"""

from __future__ import annotations

import numpy as np

from pmkit.cache import load_sample
from pmkit.calendar import Calendar


def test_four_day_week_with_a_holiday_counts_by_hand() -> None:
    cal = Calendar.from_spec("Mon,Tue,Wed,Thu", holidays=["2026-03-04", "2026-03-04"])
    assert cal.busday_weekmask == "1111000"
    assert cal.busday_holidays.tolist() == [np.datetime64("2026-03-04", "D")]
    # 2026-03-02 (Mon) .. 2026-03-15 (Sun), end excluded: Mon-Thu of two weeks = 8 days,
    # minus Wednesday 4 March = 7
    n = np.busday_count(
        "2026-03-02", "2026-03-16", weekmask=cal.busday_weekmask, holidays=cal.busday_holidays
    )
    assert n == 7


def test_portfolio_calendars_carry_table_hours_and_holidays() -> None:
    pf = load_sample()
    specs = pf.busday_calendars()
    assert set(specs) == set(pf.calendars["calendar_id"].astype(str))
    for row in pf.calendars.itertuples(index=False):
        mask, hols, hpd = specs[str(row.calendar_id)]
        days = {d.strip()[:3] for d in str(row.working_days).split(",")}
        expected_mask = "".join(
            "1" if d in days else "0" for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        )
        assert mask == expected_mask
        assert hpd == float(row.hours_per_day)
        table = pf.holidays.loc[pf.holidays["calendar_id"] == row.calendar_id, "date"]
        assert sorted(set(table.dt.date)) == [d.astype(object) for d in hols]
