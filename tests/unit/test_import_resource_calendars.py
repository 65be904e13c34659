"""``pmkit import`` of tasks whose work runs on their resources' calendars (s15c).

Project (and ``pmkit schedule`` of the file) schedules each assignment on its resource's
calendar for work / units: a night shift or a part-time resource's own week moves the task's
finish. The portfolio schedules a task on its own calendar only, so the import gives such a
task the working time of its own calendar that its work spans.

Before (452d6ea) the task kept its ``Duration``: the corpus's legacy-sample "Second Task"
(two resources at 50 % and 75 %, one on nights) finished 2003-05-26 17:00 after import,
against Project's 2003-03-18 08:00 (``pmkit schedule`` of the file: the same as Project).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

import pmkit
from pmkit.importing import import_schedule
from pmkit.io.mspdi import read_mspdi
from pmkit.schedule.mspdi_adapter import schedule_mspdi

CORPUS = Path(
    os.environ.get("PMKIT_CORPUS") or Path(__file__).resolve().parents[3] / "shared" / "corpus"
)
pytestmark = pytest.mark.skipif(
    not (CORPUS / "mspdi").is_dir(), reason=f"corpus not found under {CORPUS} (set PMKIT_CORPUS)"
)


def _imported(path: Path) -> pd.DataFrame:
    p = import_schedule(path, into=None, project_id="X")
    s = pmkit.schedule_project(p, "X").tasks
    return s.assign(uid=s["uid"].str.slice(2).astype(int)).set_index("uid")


def test_legacy_sample_second_task_finishes_as_in_project() -> None:
    path = CORPUS / "mspdi" / "legacy-sample.xml"
    m = read_mspdi(path)
    s = _imported(path)
    cal = m.calendar
    got = cal.to_working_minutes(pd.Series([s.at[2, "early_finish"]]))[0]
    project = cal.to_working_minutes(pd.Series([pd.Timestamp("2003-03-18 08:00")]))[0]
    assert got == project, s.at[2, "early_finish"]  # shown 2003-03-17 17:00, the same instant


def test_every_resource_driven_task_finishes_as_the_file_schedules_it() -> None:
    """Every corpus task whose dates run on resource calendars and that the import starts
    where the file's schedule does: the same finish (working instant of its calendar)."""
    from pmkit.schedule.mspdi_adapter import resource_driven_uids  # s15c

    compared, diffs = 0, []
    for f in sorted((CORPUS / "mspdi").glob("*.xml")) + sorted(
        (CORPUS / "mspdi-aspose").glob("*.xml")
    ):
        m = read_mspdi(f)
        if not len(m.tasks) or not resource_driven_uids(m):
            continue
        d = schedule_mspdi(m).tasks.set_index("uid")
        s = _imported(f)
        t = m.tasks.set_index("uid")
        for u in resource_driven_uids(m):
            if u not in s.index or bool(t.at[u, "is_summary"]):
                continue
            cid = t.at[u, "calendar_id"]
            cal = m.calendars.get(str(cid), m.calendar) if isinstance(cid, str) else m.calendar

            def w(ts: pd.Timestamp, cal: pmkit.Calendar = cal) -> int:
                return int(cal.to_working_minutes(pd.Series([ts]))[0])

            if w(s.at[u, "early_start"]) != w(d.at[u, "early_start"]):
                continue  # started elsewhere (a resource working outside the task's hours)
            compared += 1
            if w(s.at[u, "early_finish"]) != w(d.at[u, "early_finish"]):
                diffs.append((f.name, u, d.at[u, "early_finish"], s.at[u, "early_finish"]))
    assert compared >= 5, compared
    assert not diffs, diffs
