"""A project written by ``pmkit export`` schedules, read back (what Project does with the
file), as pmkit's Gantt shows it (s14c).

Before:
* a finished milestone was written with ActualStart 08:00 and ActualFinish 17:00 (8 h apart
  for a zero-length task; the portfolio reads both at the day's end), so it started 9 h
  earlier in the file;
* a finished task whose resource works part-time mornings (09:00-13:00) finished, in the
  file, on the next working morning at 09:00 (its actual finish moved onto the resource's
  calendar): its summary showed -300 min of slack;
* a task with a part-time resource was run on the resource's calendar: P09's design and
  build finished up to 40 working days later in the file than on pmkit's Gantt.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import pmkit
from pmkit.io.mspdi import read_mspdi
from pmkit.schedule.mspdi_adapter import schedule_mspdi

DATA = Path(__file__).resolve().parents[2] / "data"
COLS = ["early_start", "early_finish", "late_start", "late_finish", "total_slack_min"]


def _both(p: pmkit.Portfolio, pid: str, tmp: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    path = pmkit.export_project(p, pid, tmp / f"{pid}.xml")
    mine = pmkit.schedule_project(p, pid).tasks.set_index("name")
    back = schedule_mspdi(read_mspdi(path)).tasks.set_index("name").reindex(mine.index)
    return mine, back


@pytest.mark.parametrize("pid", ["P05", "P11", "P13", "P14"])
def test_projects_without_cross_links_schedule_alike(tmp_path: Path, pid: str) -> None:
    """Finished milestones, finished part-time work, progress: every date and slack equal."""
    p = pmkit.load_portfolio(DATA)
    mine, back = _both(p, pid, tmp_path)
    for col in COLS:
        diff = mine.index[mine[col] != back[col]]
        assert diff.empty, (col, [(n, mine.at[n, col], back.at[n, col]) for n in diff[:5]])


def test_finished_milestone_is_written_as_one_instant(tmp_path: Path) -> None:
    p = pmkit.load_portfolio(DATA)
    m = read_mspdi(pmkit.export_project(p, "P05", tmp_path / "P05.xml")).tasks
    done = m[(m["duration_min"] == 0) & ~m["is_summary"] & m["actual_finish"].notna()]
    assert len(done) >= 3
    assert (done["actual_start"] == done["actual_finish"]).all(), done[
        ["name", "actual_start", "actual_finish"]
    ]


def test_part_time_resource_keeps_the_task_calendar(tmp_path: Path) -> None:
    """P09 (its links to other projects removed): the written file holds the task calendar
    and IgnoreResourceCalendar on the tasks with a part-time resource, and every finish read
    back is within a working day of pmkit's (in-progress work is written as % complete)."""
    d = tmp_path / "pf"
    shutil.copytree(DATA, d)
    t = pd.read_csv(d / "tasks.csv", dtype=str)
    lk = pd.read_csv(d / "links.csv", dtype=str, keep_default_na=False)
    proj = t.set_index("task_id")["project_id"]
    lk[lk["pred_id"].map(proj) == lk["succ_id"].map(proj)].to_csv(d / "links.csv", index=False)
    p = pmkit.load_portfolio(d)
    mine, back = _both(p, "P09", tmp_path)
    cal = p.calendar("Standard")
    for col in ("early_finish", "late_finish"):
        a = cal.to_working_minutes(mine[col].to_numpy())
        b = cal.to_working_minutes(back[col].to_numpy())
        assert abs(a - b).max() < 480, (col, abs(a - b).max())  # was 40 working days
    xml = (tmp_path / "P09.xml").read_text(encoding="utf-8")
    assert "<IgnoreResourceCalendar>1</IgnoreResourceCalendar>" in xml
