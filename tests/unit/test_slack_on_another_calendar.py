"""Total slack of a task whose work runs on another calendar than the one slack is counted on.

Microsoft Project's Total Slack is the smaller of start slack (LS - ES) and finish slack
(LF - EF), both counted on the task's calendar. When the work runs on a resource's calendar
(here round the clock), LF is not LS plus the duration on the task's calendar, so finish slack
must be read from LF itself (corpus: ResourceAssignmentCosts uid 7, 3744 min).
"""

from __future__ import annotations

import pandas as pd

from pmkit.calendar import Calendar
from pmkit.schedule.cpm import schedule_network


def test_finish_slack_is_read_from_the_late_finish() -> None:
    """Standard calendar (Mon-Fri 08-12, 13-17), start Mon 5 Jan 2026 08:00.

    L: 6 days (2,880 min) sets the finish, Mon 12 Jan 17:00. S: 2 days after T, so
    LS(S) = Fri 9 Jan 08:00 = LF(T). T: 36 h round the clock (a 24 h resource): ES Mon 08:00,
    EF Tue 6 Jan 20:00, LS = LF - 36 h = Wed 7 Jan 20:00. In working minutes of Standard from
    Mon 08:00: ES 0, EF 960 (end of Tue), LS 1,440 (end of Wed), LF 1,920 (end of Thu).
    Start slack 1,440, finish slack 960: total slack 960 (two days), not 1,440.
    """
    tasks = pd.DataFrame(
        {
            "uid": ["L", "T", "S"],
            "duration_min": [2880.0, 2160.0, 960.0],
            "legs": [None, [("C24", 2160.0)], None],
        }
    )
    links = pd.DataFrame({"pred_uid": ["T"], "succ_uid": ["S"]})
    sched = schedule_network(
        tasks,
        links,
        calendar=Calendar.standard(),
        project_start=pd.Timestamp("2026-01-05 08:00"),
        calendars={"C24": Calendar.continuous()},
    )
    t = sched.tasks.set_index("uid")
    assert t.loc["T", "early_finish"] == pd.Timestamp("2026-01-06 20:00")
    assert t.loc["T", "late_finish"] == pd.Timestamp("2026-01-09 08:00")
    assert t.loc["T", "total_slack_min"] == 960.0
    assert t.loc["S", "total_slack_min"] == 960.0  # S itself: EF Thu 17:00 -> LF Mon 17:00
