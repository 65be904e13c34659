"""The what-if's fast paths (session 9) equal the plain computations they replace.

Each fast path is checked against an independent computation: altair's own conversion of
the frame for the Gantt's JSON rows, the general ``_dated`` path and a from-scratch
``gantt_every_row`` for a redated Gantt, a lag worked out by hand for the link table, and
the scheduler's rows picked by id for a sub-network's own rows.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from pmkit.calendar import Calendar
from pmkit.charts.gantt import gantt_every_row, gantt_parts, gantt_redate, gantt_rows
from pmkit.schedule.portfolio_adapter import _latest, _links, _own_rows


def _tasks() -> pd.DataFrame:
    d = pd.to_datetime
    return pd.DataFrame(
        {
            "task_id": ["A", "B", "C", "D", "E"],
            "project_id": "P1",
            "wbs": ["1", "1.1", "1.10", "1.2", "2"],
            "name": ["Phase <b>1</b>", "Design & <i>x</i>", "Review", "Build", "Go-live"],
            "outline_level": [1, 2, 2, 2, 1],
            "is_summary": [True, False, False, False, False],
            "is_milestone": [False, False, False, False, True],
            "duration_days": [0, 10, 5, 10, 0.0],
            "percent_complete": [0, 100, np.nan, 40, 0.0],
            "baseline_start": d(
                ["2026-01-05", "2026-01-05", "2026-02-02", "2026-01-19", "2026-02-09"]
            ),
            "baseline_finish": d(
                ["2026-02-06", "2026-01-16", "2026-02-06", "2026-01-30", "2026-02-09"]
            ),
        }
    )


def _schedule(shift_days: int = 0) -> pd.DataFrame:
    d = pd.to_datetime
    start = d(["2026-01-05", "2026-01-05", "2026-02-09", "2026-01-19", "2026-02-16"])
    finish = d(["2026-02-13", "2026-01-16", "2026-02-13", "2026-01-30", "2026-02-16"])
    move = pd.Timedelta(days=shift_days)
    return pd.DataFrame(
        {
            "uid": ["A", "B", "C", "D", "E"],
            "start": start + move * np.array([1, 0, 1, 1, 1]),
            "finish": finish + move * np.array([1, 0, 1, 1, 1]),
            "total_slack_min": [0.0, 0.0, 1440.0, 2400.0 + 480 * shift_days, 0.0],
            "critical": [True, True, False, False, True],
        }
    )


def test_gantt_rows_dataset_equals_altairs_conversion_of_the_frame() -> None:
    # the plain computation: the frame built column by column, converted by altair itself
    rows = gantt_rows(_tasks(), _schedule(), minutes_per_day=480.0)
    got = gantt_parts(rows, highlight=["B", "D"])["datasets"]["gantt_rows"]
    d = rows.copy()
    d["legend"] = [
        "Summary" if k == "summary" else ("Critical path" if c else "Has float")
        for k, c in zip(d["kind"], d["critical"], strict=True)
    ]
    pc = d["percent_complete"].fillna(0)
    d["progress_end"] = d["start"] + (d["finish"] - d["start"]) * (pc.clip(0, 100) / 100)
    d["chain"] = d["task_id"].isin({"B", "D"})
    d["pct"] = pc.round(0)
    cols = [
        "task_id", "wbs", "name", "kind", "start", "finish", "baseline_start",
        "baseline_finish", "pct", "float_days", "label", "legend", "progress_end", "chain",
    ]  # fmt: skip
    want = alt.utils.data.to_values(d[cols])["values"]
    assert got == want
    assert [r["name"] for r in got][:2] == ["Phase <b>1</b>", "Design & <i>x</i>"]  # as data


def test_gantt_rows_dataset_of_object_columns_falls_back_to_altair() -> None:
    rows = gantt_rows(_tasks(), _schedule(), minutes_per_day=480.0)
    plain = gantt_parts(rows)["datasets"]
    rows["task_id"] = rows["task_id"].astype(object)
    rows["percent_complete"] = rows["percent_complete"].astype(object)
    assert gantt_parts(rows)["datasets"] == plain


def test_redated_gantt_equals_a_gantt_built_from_scratch() -> None:
    every = gantt_every_row(_tasks(), _schedule(), minutes_per_day=480.0)
    for shift in (0, 3, 40):
        again = gantt_redate(every, _schedule(shift), minutes_per_day=480.0)
        scratch = gantt_every_row(_tasks(), _schedule(shift), minutes_per_day=480.0)
        assert again is not None
        pd.testing.assert_frame_equal(again, scratch, check_exact=True)
        # float in days by hand: D's slack (2400 + 480 * shift) / 480 minutes a day
        assert again.loc[again["task_id"] == "D", "float_days"].item() == 5.0 + shift


def test_redated_gantt_with_an_undated_row_takes_the_general_path() -> None:
    every = gantt_every_row(_tasks(), _schedule(), minutes_per_day=480.0)
    sched = _schedule(2)
    sched.loc[1, "start"] = pd.NaT  # B undated: its baseline start shows
    again = gantt_redate(every, sched, minutes_per_day=480.0)
    assert again is not None
    assert again.loc[again["task_id"] == "B", "start"].item() == pd.Timestamp("2026-01-05")
    scratch = gantt_every_row(_tasks(), sched, minutes_per_day=480.0)
    pd.testing.assert_frame_equal(again, scratch, check_exact=True)


def test_link_lags_use_each_successors_calendar_day() -> None:
    # by hand: Standard works 8 h a day (480 min), 24 Hours 1,440 min; a successor without
    # a known calendar counts 480
    cals = {"std": Calendar.standard(), "cont": Calendar.continuous()}
    cal_of = {"A": "std", "B": "cont"}
    lk = pd.DataFrame(
        {
            "pred_id": ["A", "B", "A"],
            "succ_id": ["B", "A", "X"],
            "type": ["FS", None, "SS"],
            "lag_days": [2.0, np.nan, -1.5],
        }
    )
    out = _links(None, None, cals, cal_of, lk)  # type: ignore[arg-type]
    assert out["lag_min"].tolist() == [2880.0, 0.0, -720.0]
    assert out["type"].tolist() == ["FS", "FS", "SS"]
    assert len(_links(None, None, cals, cal_of, lk.iloc[:0])) == 0  # type: ignore[arg-type]


def test_own_rows_are_the_networks_rows_whatever_the_order() -> None:
    tasks = pd.DataFrame({"task_id": ["a", "b", "c"], "project_id": ["P1", "P1", "P2"]})
    out = pd.DataFrame({"uid": ["a", "b", "c", "ghost"], "early_start": [1, 2, 3, 4]})
    first = _own_rows(out, tasks)
    assert first["uid"].tolist() == ["a", "b", "c"]
    assert first["project_id"].tolist() == ["P1", "P1", "P2"]
    shuffled = _own_rows(out.iloc[[3, 2, 0, 1]], tasks)  # not in order: picked by id
    assert shuffled["uid"].tolist() == ["c", "a", "b"]
    assert shuffled["project_id"].tolist() == ["P2", "P1", "P1"]


def test_latest_finish_skips_missing_dates() -> None:
    dates = pd.Series(pd.to_datetime(["2026-01-02", None, "2026-03-01", "2026-02-01"]))
    rows = np.array([True, True, False, True])
    assert _latest(dates, rows) == pd.Timestamp("2026-02-01")
    assert pd.isna(_latest(dates, np.array([False, True, False, False])))


def test_tick_step_of_dates_beyond_nanoseconds_range() -> None:
    # a year-9999 date (MS Project's "NA") in second units: no unit conversion may overflow;
    # the span is about 8,000 years, so one tick a year
    from pmkit.charts.gantt import _tick_interval

    d = pd.DataFrame(
        {
            "start": np.array(["2026-01-01", "9999-12-31"], dtype="datetime64[s]"),
            "finish": np.array(["2026-01-05", "2026-06-01"], dtype="datetime64[s]"),
        }
    )
    assert _tick_interval(d) == "year"
    near = d.iloc[[0]].astype("datetime64[ns]")  # four days: one tick a month
    assert _tick_interval(near) == "month"
