"""Microsoft Project's rules added for issue 11, each on a hand-made network whose expected
values are worked out by hand on the Standard calendar (Mon-Fri 08-12, 13-17; 480 min/day).

Project start Monday 2024-01-08 08:00.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd

from pmkit.calendar import Calendar
from pmkit.io.mspdi import read_mspdi
from pmkit.schedule import schedule_mspdi, schedule_network

DAY = 480
START = pd.Timestamp("2024-01-08 08:00")


def _tasks(rows: list[dict]) -> pd.DataFrame:
    base = {"is_summary": False, "parent_uid": None}
    return pd.DataFrame([{**base, **r} for r in rows])


def _links(rows: list[tuple[int, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"pred_uid": p, "succ_uid": s, "type": t, "lag_min": 0.0} for p, s, t in rows]
    )


def test_free_slack_of_a_task_under_a_summary_with_successors() -> None:
    """S = {A 2d, B 5d} -> C 1d; D 10d alone sets the finish (Fri 19 Jan 17:00).
    C: ES Mon 15, LS Fri 19 08:00. A has no successor of its own: free slack = total slack
    = Tue 9 17:00 .. Thu 18 17:00 = 7 days (not the 3 days to C's early start)."""
    t = _tasks(
        [
            {"uid": 10, "name": "S", "duration_min": 0.0, "is_summary": True},
            {"uid": 1, "name": "A", "duration_min": 2 * DAY, "parent_uid": 10},
            {"uid": 2, "name": "B", "duration_min": 5 * DAY, "parent_uid": 10},
            {"uid": 3, "name": "C", "duration_min": 1 * DAY},
            {"uid": 4, "name": "D", "duration_min": 10 * DAY},
        ]
    )
    s = schedule_network(
        t, _links([(10, 3, "FS")]), calendar=Calendar.standard(), project_start=START
    ).tasks.set_index("uid")
    assert s.loc[3, "early_start"] == pd.Timestamp("2024-01-15 08:00")
    assert s.loc[1, "total_slack_min"] == 7 * DAY
    assert s.loc[1, "free_slack_min"] == 7 * DAY
    assert s.loc[2, "free_slack_min"] == s.loc[2, "total_slack_min"] == 4 * DAY
    assert s.loc[3, "free_slack_min"] == 4 * DAY  # C to the finish


def test_a_finished_successor_does_not_hold_its_predecessor_back() -> None:
    """A 2d -> B (done on Mon 8); C 5d alone finishes Fri 12 17:00. A's late finish is the
    project finish, not B's dates: total = free slack = Tue 9 17:00 .. Fri 12 17:00 = 3 days."""
    t = _tasks(
        [
            {"uid": 1, "name": "A", "duration_min": 2 * DAY},
            {
                "uid": 2,
                "name": "B",
                "duration_min": 1 * DAY,
                "percent_complete": 100.0,
                "actual_start": pd.Timestamp("2024-01-08 08:00"),
                "actual_finish": pd.Timestamp("2024-01-08 17:00"),
            },
            {"uid": 3, "name": "C", "duration_min": 5 * DAY},
        ]
    )
    s = schedule_network(
        t, _links([(1, 2, "FS")]), calendar=Calendar.standard(), project_start=START
    ).tasks.set_index("uid")
    assert s.loc[1, "late_finish"] == pd.Timestamp("2024-01-12 17:00")
    assert s.loc[1, "total_slack_min"] == 3 * DAY
    assert s.loc[1, "free_slack_min"] == 3 * DAY


def _broken_base() -> str:
    here = Path(__file__).parent / "fixtures" / "mspdi_broken" / "make_broken.py"
    spec = importlib.util.spec_from_file_location("make_broken_rules", here)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return str(mod.BASE)


def test_percent_lag_is_the_bare_percent(tmp_path: Path) -> None:
    """LagFormat 19, LinkLag 50: +50 % of Build's 8 h = 4 working hours (not 5 %).
    Design Mon 8-Tue 9, Wed 10 is a holiday, Build Thu 11; Launch = Thu 17:00 + 4 h =
    Fri 12 12:00."""
    xml = _broken_base().replace(
        "<LinkLag>4800</LinkLag><LagFormat>7</LagFormat>",
        "<LinkLag>50</LinkLag><LagFormat>19</LagFormat>",
    )
    path = tmp_path / "percent.xml"
    path.write_text(xml, encoding="utf-8")
    proj = read_mspdi(path)
    lk = proj.links.set_index("succ_uid")
    assert lk.loc[4, "lag_percent"] == 50.0
    s = schedule_mspdi(proj).tasks.set_index("uid")
    assert s.loc[3, "early_finish"] == pd.Timestamp("2024-01-11 17:00")
    assert s.loc[4, "early_start"] == pd.Timestamp("2024-01-12 12:00")
