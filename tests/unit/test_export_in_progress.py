"""``pmkit export`` writes a started, unfinished task as Project stores it at the status date
(s15c): ``Stop`` where the done share ends, ``Resume`` at the first working instant after the
status day, ``ActualDuration`` + ``RemainingDuration`` = ``Duration``. Read back (by Project,
or ``pmkit schedule`` of the file), the remaining work then runs from the status date as on
pmkit's Gantt.

Before (452d6ea): no Resume, so the file put the remaining work right after the done share:
P01 "Detailed design (2)" started 08:00 in the file against 08:38 on the Gantt, P06
"Plan baselined" two days early, 163 of the sample's 508 tasks off in some date or slack.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pmkit
from pmkit.generate import write_generated
from pmkit.io.mspdi import read_mspdi
from pmkit.schedule.mspdi_adapter import schedule_mspdi

DATA = Path(__file__).resolve().parents[2] / "data"
COLS = ["start", "finish", "early_start", "early_finish", "late_start", "late_finish",
        "total_slack_min"]  # fmt: skip


def _one_project_links(src: Path, dst: Path) -> pmkit.Portfolio:
    """The portfolio with links between projects removed: a single-project file cannot
    carry them, so they would move dates by design, not by a fault of the export."""
    shutil.copytree(src, dst)
    t = pd.read_csv(dst / "tasks.csv", dtype=str)
    lk = pd.read_csv(dst / "links.csv", dtype=str, keep_default_na=False)
    proj = t.set_index("task_id")["project_id"]
    lk[lk["pred_id"].map(proj) == lk["succ_id"].map(proj)].to_csv(dst / "links.csv", index=False)
    return pmkit.load_portfolio(dst)


def _differences(p: pmkit.Portfolio, tmp: Path) -> tuple[list[tuple], int]:
    out: list[tuple] = []
    n = 0
    for pid in p.projects["project_id"]:
        path = pmkit.export_project(p, pid, tmp / f"{pid}.xml")
        mine = pmkit.schedule_project(p, pid).tasks.set_index("name")
        back = schedule_mspdi(read_mspdi(path)).tasks.set_index("name").reindex(mine.index)
        n += len(mine)
        for col in COLS:
            for name in mine.index[mine[col] != back[col]]:
                out.append((pid, name, col, mine.at[name, col], back.at[name, col]))
    return out, n


def _started(p: pmkit.Portfolio) -> int:
    t = p.tasks
    return int((t["actual_start"].notna() & t["actual_finish"].isna() & ~t["is_summary"]).sum())


def test_every_sample_task_schedules_back_as_on_the_gantt(tmp_path: Path) -> None:
    p = _one_project_links(DATA, tmp_path / "pf")
    assert _started(p) >= 15  # the check means something: many tasks in progress
    diff, n = _differences(p, tmp_path)
    assert n > 500
    assert not diff, (len(diff), diff[:8])


@pytest.mark.parametrize("seed", [3, 11])
def test_generated_portfolios_schedule_back_as_on_the_gantt(tmp_path: Path, seed: int) -> None:
    """Other portfolios than the sample: another seed, other tasks in progress."""
    write_generated(tmp_path / "gen", n_projects=6, seed=seed)
    p = _one_project_links(tmp_path / "gen", tmp_path / "pf")
    assert _started(p) >= 3
    diff, _ = _differences(p, tmp_path)
    assert not diff, (len(diff), diff[:8])


def test_a_started_task_carries_stop_resume_and_remaining(tmp_path: Path) -> None:
    p = pmkit.load_portfolio(DATA)
    status = pd.Timestamp(p.status_date)
    m = read_mspdi(pmkit.export_project(p, "P01", tmp_path / "P01.xml")).tasks
    live = m[m["actual_start"].notna() & m["actual_finish"].isna() & ~m["is_summary"]]
    assert len(live) >= 1
    cal = p.calendar("Standard")
    first = pd.Timestamp(cal.next_working_start(np.array([status + pd.Timedelta(days=1)]))[0])
    for r in live.to_dict("records"):
        assert r["resume"] == first, r  # Mon 2026-11-02 08:00 after Fri 30 Oct
        assert r["actual_start"] <= r["stop"] <= r["resume"], r
        done = float(cal.working_minutes_between(r["actual_start"], r["stop"])[0])
        assert done == pytest.approx(r["actual_duration_min"], abs=1.0), r
        total = r["actual_duration_min"] + r["remaining_duration_min"]
        assert total == pytest.approx(r["duration_min"], abs=0.01), r


def test_a_predecessor_of_a_started_task_is_held_back_by_its_resume(tmp_path: Path) -> None:
    """P04 "Test plan" -> SS +3 d -> "System test cycle 1" (started 28 Oct): Project bounds
    the predecessor's late dates by the successor's Resume (the rule of issue 11, from
    Project's own files), and so does pmkit's Gantt now (before: 7685 min of slack on the
    Gantt, 1440 min in the exported file read back)."""
    p = pmkit.load_portfolio(DATA)
    s = pmkit.schedule_project(p, "P04").tasks.set_index("name")
    assert s.at["Test plan", "total_slack_min"] == 1440.0
    assert s.at["Test plan", "late_finish"] == pd.Timestamp("2026-11-12 17:00")


def test_a_task_started_with_nothing_done_stops_at_its_start(tmp_path: Path) -> None:
    """0 % complete, started on the status day: Stop = ActualStart (not the evening
    before), Resume the next working morning, the whole duration remaining."""
    d = tmp_path / "pf"
    shutil.copytree(DATA, d)
    t = pd.read_csv(d / "tasks.csv", dtype=str, keep_default_na=False)
    leaf = (t["is_summary"] == "false") & (t["is_milestone"] == "false")
    i = t.index[(t["project_id"] == "P03") & (t["actual_start"] == "") & leaf][0]
    t.loc[i, ["actual_start", "percent_complete"]] = ["2026-10-30", "0"]
    t.to_csv(d / "tasks.csv", index=False)
    p = pmkit.load_portfolio(d)
    m = read_mspdi(pmkit.export_project(p, "P03", tmp_path / "P03.xml")).tasks
    r = m[m["name"] == t.loc[i, "name"]].iloc[0]
    assert r["stop"] == r["actual_start"] == pd.Timestamp("2026-10-30 08:00"), r
    assert r["resume"] == pd.Timestamp("2026-11-02 08:00")
    assert r["remaining_duration_min"] == r["duration_min"] > 0
