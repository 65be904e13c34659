"""A late finish is shown at the end of the last working period, and a summary's late finish
is its children's latest, shown identically, in every engine: the keyed single-calendar
passes, the task-by-task multi-calendar passes, the portfolio scheduler and the MSPDI door.

Before: a milestone whose successor starts on Monday showed its late dates as Monday 08:00
(the successor's late start), and so did its summary, while the task before it showed
Friday 17:00, the same working minute (``pmkit schedule`` of P03: 2026-11-16 08:00)."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pmkit
from pmkit.calendar import Calendar
from pmkit.schedule import schedule_network

CAL = Calendar.from_spec(holidays=["2024-01-10", "2024-02-14"])
EARLY = Calendar.from_spec(periods="07:00-11:00,12:00-16:00", name="Early")
START = pd.Timestamp("2024-01-08 08:00")
DATA = Path(__file__).resolve().parents[2] / "data"


@st.composite
def outlines(draw):
    """Leaves (some milestones) under random summaries, FS/SS/FF/SF links among leaves."""
    n_leaf = draw(st.integers(2, 14))
    n_sum = draw(st.integers(1, 4))
    sums = list(range(n_sum))
    leaves = list(range(n_sum, n_sum + n_leaf))
    parent: list[object] = [None] * n_sum
    for s in sums[1:]:
        parent[s] = draw(st.sampled_from([None, *sums[:s]]))
    parent += [draw(st.sampled_from([None, *sums])) for _ in leaves]
    dur = [0.0] * n_sum + [480.0 * draw(st.integers(0, 4)) for _ in leaves]
    tasks = pd.DataFrame(
        {
            "uid": sums + leaves,
            "duration_min": dur,
            "parent_uid": parent,
            "is_summary": [True] * n_sum + [False] * n_leaf,
        }
    )
    rows = []
    for a, b in sorted(
        draw(
            st.sets(
                st.tuples(st.sampled_from(leaves), st.sampled_from(leaves)), max_size=2 * n_leaf
            )
        )
    ):
        if a < b:
            rows.append(
                {
                    "pred_uid": a,
                    "succ_uid": b,
                    "type": draw(st.sampled_from(["FS", "FS", "SS", "FF", "SF"])),
                    "lag_min": 480.0 * draw(st.integers(-1, 2)),
                }
            )
    links = pd.DataFrame(rows, columns=["pred_uid", "succ_uid", "type", "lag_min"])
    return tasks, links


def _check_roll_up(t: pd.DataFrame) -> None:
    """Each summary's dates are its children's span, to the minute as shown."""
    t = t.set_index("uid")
    for s in t.index[t["is_summary"]]:
        kids = t[t["parent_uid"] == s] if "parent_uid" in t.columns else t.iloc[0:0]
        if kids.empty:
            continue
        assert t.at[s, "late_finish"] == kids["late_finish"].max(), s
        assert t.at[s, "early_finish"] == kids["early_finish"].max(), s
        assert t.at[s, "late_start"] == kids["late_start"].min(), s


def _check_finish_like(t: pd.DataFrame, cal: Calendar, finish: pd.Timestamp) -> None:
    """No automatic task's late finish is shown at the start of a working period (the same
    minute as the previous period's end), except the project finish itself."""
    leaf = t[~t["is_summary"] & (t["late_finish"] != finish)]
    lf = leaf["late_finish"].to_numpy().astype("datetime64[m]").astype(np.int64)
    tl = cal.timeline
    shown_as_end = tl.from_work(tl.to_work(lf), True)
    bad = leaf[shown_as_end != lf]
    assert bad.empty, bad[["uid", "duration_min", "late_start", "late_finish"]]


SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(outlines())
def test_keyed_passes_summary_and_milestone_late_finish(net) -> None:
    tasks, links = net
    s = schedule_network(tasks, links, calendar=CAL, project_start=START)
    _check_roll_up(s.tasks.assign(parent_uid=tasks["parent_uid"].to_numpy()))
    _check_finish_like(s.tasks, CAL, s.finish)


@SETTINGS
@given(outlines(), st.data())
def test_multi_calendar_passes_agree(net, data) -> None:
    """One leaf on another calendar sends the run task by task: same rules, and where all
    tasks share the project calendar the dates equal the keyed run's."""
    tasks, links = net
    leaves = tasks.index[~tasks["is_summary"]]
    other = data.draw(st.sampled_from(list(leaves)))
    multi = tasks.assign(calendar_id=[None] * len(tasks))
    multi.loc[other, "calendar_id"] = "Early"
    s = schedule_network(
        multi, links, calendar=CAL, project_start=START, calendars={"Early": EARLY}
    )
    assert s.notes  # the task-by-task path ran
    t = s.tasks.assign(parent_uid=tasks["parent_uid"].to_numpy())
    _check_roll_up(t)
    on_project_cal = t[(multi["calendar_id"].isna()).to_numpy()]
    _check_finish_like(on_project_cal, CAL, s.finish)
    # the same network on one calendar everywhere, through the multi path (a named copy of
    # the project calendar), gives the keyed run's dates
    same = tasks.assign(calendar_id="Same")
    a = schedule_network(tasks, links, calendar=CAL, project_start=START).tasks
    b = schedule_network(
        same, links, calendar=CAL, project_start=START, calendars={"Same": CAL}
    ).tasks
    for col in ("early_start", "early_finish", "late_start", "late_finish"):
        assert a[col].tolist() == b[col].tolist(), col


def test_milestone_before_a_monday_task_and_its_summary() -> None:
    """The case of the report: A ends Friday 17:00, milestone M follows, B starts Monday."""
    tasks = pd.DataFrame(
        {
            "uid": [1, 2, 3, 4],
            "duration_min": [0.0, 2400.0, 0.0, 960.0],
            "parent_uid": [None, 1, 1, None],
            "is_summary": [True, False, False, False],
        }
    )
    links = pd.DataFrame(
        {"pred_uid": [2, 3], "succ_uid": [3, 4], "type": ["FS", "FS"], "lag_min": [0.0, 0.0]}
    )
    cal = Calendar.standard()
    s = schedule_network(
        tasks, links, calendar=cal, project_start=pd.Timestamp("2026-11-09 08:00")
    ).tasks
    s = s.set_index("uid")
    fri = pd.Timestamp("2026-11-13 17:00")
    assert s.loc[3, "late_start"] == s.loc[3, "late_finish"] == fri
    assert s.loc[1, "late_finish"] == fri == s.loc[2, "late_finish"]
    assert s.loc[4, "late_start"] == pd.Timestamp("2026-11-16 08:00")


def test_portfolio_scheduler_rolls_up_late_finish() -> None:
    """The portfolio engine (every sample project): summaries equal their children's span;
    no milestone's late finish sits at a period start."""
    p = pmkit.load_portfolio(DATA)
    sched = pmkit.schedule_portfolio(p)
    t = sched.tasks
    tk = p.tasks.assign(key=p.tasks["project_id"] + ":" + p.tasks["wbs"].astype(str))
    by_key = tk.set_index("key")["task_id"]
    up = tk["project_id"] + ":" + tk["wbs"].astype(str).str.rsplit(".", n=1).str[0]
    parent = pd.Series(
        up.map(by_key).where(tk["wbs"].astype(str).str.contains(".", regex=False)).to_numpy(),
        index=tk["task_id"],
    )
    t = t.assign(parent_uid=t["uid"].map(parent))
    assert t["parent_uid"].notna().sum() > 100
    _check_roll_up(t)
    for _pid, g in t.groupby(t["uid"].str[:3]):
        _check_finish_like(
            g[g["late_finish"] != g["late_finish"].max()], sched.calendar, g["late_finish"].max()
        )


def test_pmkit_schedule_of_an_exported_plan_shows_friday(tmp_path: Path) -> None:
    """``pmkit export`` P03 then ``pmkit schedule``: the milestone "Project charter approved"
    and its summary "Initiation" finish late on Friday 17:00 like the task before them, in
    the table and the CSV."""
    from pmkit.cli import main

    out = tmp_path / "P03.xml"
    assert main(["export", "P03", str(out), "--data", str(DATA)]) == 0
    for fmt in ("table", "csv"):
        buf = io.StringIO()
        with redirect_stdout(buf):
            assert main(["schedule", str(out), "--format", fmt]) == 0
        text = buf.getvalue()
        assert "2026-11-16T08:00" not in text.split("Planning")[0], text[:600]
        rows = [ln for ln in text.splitlines() if "Initiation" in ln or "charter approved" in ln]
        assert len(rows) == 2 and all(r.count("2026-11-13T17:00") >= 2 for r in rows), rows


@pytest.mark.parametrize("kind", ["mspdi"])
def test_export_writes_the_shown_late_finish(tmp_path: Path, kind: str) -> None:
    """The MSPDI export carries the late finish as shown (Friday 17:00)."""
    from pmkit.cli import main

    out = tmp_path / "P03.xml"
    assert main(["export", "P03", str(out), "--data", str(DATA), "--format", kind]) == 0
    xml = out.read_text(encoding="utf-8")
    task = xml[xml.index("<Name>Project charter approved</Name>") :]
    task = task[: task.index("</Task>")]
    assert "<LateFinish>2026-11-13T17:00:00</LateFinish>" in task, task[:2000]
