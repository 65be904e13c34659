"""Tasks ahead of, on and behind schedule at the status date: one rule for the Gantt, the
exported MSPDI and the file read back (s16c).

The rule (module doc of :mod:`pmkit.schedule.portfolio_adapter`): a started task's remaining
work, ``duration x (1 - % complete)``, runs from the status date. Behind schedule it finishes
later than actual start + duration; ahead of schedule (more done than the working time
elapsed) the done work lies before the status date and it finishes earlier. Project applies
this with its "move ... to status date" options, which the export turns on.

Before (1b592ea): an ahead task's file, scheduled again (``pmkit schedule``) or opened with
Project's default options, finished at ActualStart + Duration: with every started sample task
at 95 %, 221 of the sample's 538 tasks differ from the Gantt; a lone ``import_schedule`` of
the file ignored its StatusDate, so started tasks were planned with no status date.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import pmkit
from pmkit.errors import MspdiError
from pmkit.generate import write_generated
from pmkit.importing import import_schedule
from pmkit.io.mpxj import mpxj_available
from pmkit.io.mspdi import read_mspdi
from pmkit.schedule.mspdi_adapter import schedule_mspdi

DATA = Path(__file__).resolve().parents[2] / "data"
COLS = ["start", "finish", "early_start", "early_finish", "late_start", "late_finish",
        "total_slack_min"]  # fmt: skip
#: done share / elapsed working time: behind, on, ahead, far ahead
PACE = (0.4, 1.0, 1.6, 3.0)


def _paced(src: Path, dst: Path) -> tuple[pmkit.Portfolio, dict[str, float]]:
    """``src`` with links between projects removed (a one-project file cannot carry them)
    and each started task's % complete set to PACE x its elapsed share, in turn: the
    elapsed share is computed here from the calendar, not from pmkit's plan."""
    shutil.copytree(src, dst)
    p0 = pmkit.load_portfolio(src)
    status = pd.Timestamp(p0.status_date)
    t = pd.read_csv(dst / "tasks.csv", dtype=str, keep_default_na=False)
    lk = pd.read_csv(dst / "links.csv", dtype=str, keep_default_na=False)
    proj = t.set_index("task_id")["project_id"]
    lk[lk["pred_id"].map(proj) == lk["succ_id"].map(proj)].to_csv(dst / "links.csv", index=False)
    cal_of = p0.projects.set_index("project_id")["calendar_id"]
    live = (t["actual_start"] != "") & (t["actual_finish"] == "") & (t["is_summary"] == "false")
    live &= t["duration_days"].astype(float) > 0
    pace: dict[str, float] = {}
    for k, i in enumerate(t.index[live]):
        own = t.at[i, "calendar_id"] if "calendar_id" in t.columns else ""
        cal = p0.calendar(own or cal_of[t.at[i, "project_id"]])
        a_s = pd.Timestamp(t.at[i, "actual_start"]) + pd.Timedelta(hours=8)
        end = status + pd.Timedelta(days=1)
        elapsed = float(cal.working_minutes_between(np.array([a_s]), np.array([end]))[0])
        dur = float(t.at[i, "duration_days"]) * cal.minutes_per_day
        share = min(max(PACE[k % len(PACE)] * elapsed / dur, 0.01), 0.97)
        t.at[i, "percent_complete"] = f"{100 * share:.1f}"
        pace[t.at[i, "name"]] = PACE[k % len(PACE)]
    t.to_csv(dst / "tasks.csv", index=False)
    return pmkit.load_portfolio(dst), pace


def _gantt_vs_file(p: pmkit.Portfolio, tmp: Path) -> tuple[list[tuple], list[tuple], int]:
    """Every task whose dates differ: Gantt vs the exported file scheduled again, and Gantt
    vs the file imported alone and planned at its own StatusDate."""
    by_file, by_import, n = [], [], 0
    for pid in p.projects["project_id"]:
        path = pmkit.export_project(p, pid, tmp / f"{pid}.xml")
        mine = pmkit.schedule_project(p, pid).tasks.set_index("name")
        back = schedule_mspdi(read_mspdi(path)).tasks.set_index("name").reindex(mine.index)
        alone = import_schedule(path, into=None, project_id="X")
        again = pmkit.schedule_project(alone, "X").tasks.set_index("name").reindex(mine.index)
        n += len(mine)
        for col in COLS:
            for name in mine.index[mine[col] != back[col]]:
                by_file.append((pid, name, col, mine.at[name, col], back.at[name, col]))
        for col in ("start", "finish"):
            for name in mine.index[mine[col] != again[col]]:
                by_import.append((pid, name, col, mine.at[name, col], again.at[name, col]))
    return by_file, by_import, n


@pytest.mark.parametrize("seed", [None, 3])
def test_ahead_on_and_behind_round_trip(tmp_path: Path, seed: int | None) -> None:
    src = DATA
    if seed is not None:
        write_generated(tmp_path / "gen", n_projects=6, seed=seed)
        src = tmp_path / "gen"
    p, pace = _paced(src, tmp_path / "pf")
    assert sum(v > 1 for v in pace.values()) >= 3, pace  # the check means something
    assert sum(v < 1 for v in pace.values()) >= 1, pace
    by_file, by_import, n = _gantt_vs_file(p, tmp_path)
    assert n > 100
    assert not by_file, (len(by_file), by_file[:6])
    assert not by_import, (len(by_import), by_import[:6])


def test_an_ahead_task_finishes_early_by_hand(tmp_path: Path) -> None:
    """A 10-day task started 10 working days before the status date's end... at 80 % on
    day 5: 2 days left from the first working morning after the status date."""
    d = tmp_path / "pf"
    shutil.copytree(DATA, d)
    t = pd.read_csv(d / "tasks.csv", dtype=str, keep_default_na=False)
    leaf = (t["is_summary"] == "false") & (t["is_milestone"] == "false")
    i = t.index[(t["project_id"] == "P03") & (t["actual_start"] == "") & leaf][0]
    # status date Fri 2026-10-30; started Mon 26 Oct: 5 working days elapsed, 8 done
    t.loc[i, ["actual_start", "percent_complete", "duration_days"]] = ["2026-10-26", "80", "10"]
    t.to_csv(d / "tasks.csv", index=False)
    lk = pd.read_csv(d / "links.csv", dtype=str, keep_default_na=False)
    tid = t.at[i, "task_id"]
    lk[(lk["succ_id"] != tid)].to_csv(d / "links.csv", index=False)
    p = pmkit.load_portfolio(d)
    name = t.at[i, "name"]
    gantt = pmkit.schedule_project(p, "P03").tasks.set_index("name").loc[name]
    assert gantt["finish"] == pd.Timestamp("2026-11-03 17:00")  # Mon + Tue after the status date
    path = pmkit.export_project(p, "P03", tmp_path / "P03.xml")
    m = read_mspdi(path)
    r = m.tasks.set_index("name").loc[name]
    assert r["stop"] == pd.Timestamp("2026-10-30 17:00")  # done work ends at the status date
    assert r["resume"] == pd.Timestamp("2026-11-02 08:00")
    assert r["actual_duration_min"] == 8 * 480 and r["remaining_duration_min"] == 2 * 480
    assert m.props["MoveCompletedEndsBack"] == "1" and m.props["MoveRemainingStartsBack"] == "1"
    back = schedule_mspdi(m).tasks.set_index("name").loc[name]
    assert back["finish"] == gantt["finish"]


def _ahead_tasks(m: Any) -> list[tuple[dict, pd.Timestamp]]:
    """Started leaf tasks on the project calendar with more done than the working time from
    their actual start to Resume holds, each with its finish at ActualStart + Duration."""
    t = m.tasks[m.tasks["actual_start"].notna() & m.tasks["actual_finish"].isna()]
    t = t[~t["is_summary"].astype(bool) & t["calendar_id"].isna()]
    cal, out = m.calendar, []
    for r in t.to_dict("records"):
        elapsed = float(cal.working_minutes_between(r["actual_start"], r["resume"])[0])
        if r["actual_duration_min"] > elapsed + 1:
            full = cal.add_working_minutes(np.array([r["actual_start"]]), r["duration_min"])[0]
            out.append((r, pd.Timestamp(full)))
    return out


def test_without_the_options_a_file_keeps_projects_default(tmp_path: Path) -> None:
    """The same files with the options off (Project's defaults, every corpus file): an ahead
    task keeps its done share after the status date and finishes at start + duration."""
    p, _ = _paced(DATA, tmp_path / "pf")
    seen = 0
    for pid in p.projects["project_id"]:
        path = pmkit.export_project(p, pid, tmp_path / f"{pid}.xml")
        text = path.read_text(encoding="utf-8")
        off = text.replace("<MoveCompletedEndsBack>1<", "<MoveCompletedEndsBack>0<")
        (tmp_path / "off.xml").write_text(off, encoding="utf-8")
        m = read_mspdi(tmp_path / "off.xml")
        back = schedule_mspdi(m).tasks.set_index("uid")
        for r, full in _ahead_tasks(m):
            seen += 1
            assert back.at[r["uid"], "finish"] == full, (pid, r["name"])
    assert seen >= 3


def test_an_assignment_resuming_later_keeps_projects_default(tmp_path: Path) -> None:
    """With the options on, a task ahead of schedule finishes at Resume + remaining work,
    unless one of its assignments says its work resumes after the task's Resume (the task's
    Resume is then the earliest assignment's): the task keeps at least ActualStart +
    Duration. Before (13d2cef) the assignment's Resume was not read: such a task finished
    early. pmkit's own files write no assignment Resume, so their round trip is unchanged."""
    p, _ = _paced(DATA, tmp_path / "pf")
    seen = 0
    for pid in p.projects["project_id"]:
        path = pmkit.export_project(p, pid, tmp_path / f"{pid}.xml")
        m = read_mspdi(path)
        has = set(m.assignments["TaskUID"].astype(str)) if len(m.assignments) else set()
        ahead = [(r, full) for r, full in _ahead_tasks(m) if str(r["uid"]) in has]
        if not ahead:
            continue
        r, full = ahead[0]
        before = schedule_mspdi(m).tasks.set_index("uid").at[r["uid"], "finish"]
        assert before < full  # the ahead rule: it finishes early
        later = (r["resume"] + pd.Timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%S")
        text = path.read_text(encoding="utf-8")
        text, n = re.subn(
            rf"(<Assignment>\s*<UID>\d+</UID>\s*<TaskUID>{r['uid']}</TaskUID>)",
            rf"\1<Resume>{later}</Resume>",
            text,
            count=1,
        )
        assert n == 1
        (tmp_path / "later.xml").write_text(text, encoding="utf-8")
        back = schedule_mspdi(read_mspdi(tmp_path / "later.xml")).tasks.set_index("uid")
        assert back.at[r["uid"], "finish"] >= full, (pid, r["name"])
        seen += 1
    assert seen >= 2


def _with_props(tmp_path: Path, status: str | None) -> Path:
    p = pmkit.load_portfolio(DATA)
    path = pmkit.export_project(p, "P01", tmp_path / "P01.xml")
    text = path.read_text(encoding="utf-8")
    a = text.index("<StatusDate>")
    b = text.index("</StatusDate>") + len("</StatusDate>")
    new = "" if status is None else f"<StatusDate>{status}</StatusDate>"
    out = tmp_path / "edited.xml"
    out.write_text(text[:a] + new + text[b:], encoding="utf-8")
    return out


def test_a_lone_import_plans_at_the_files_status_date(tmp_path: Path) -> None:
    notes: list[str] = []
    alone = import_schedule(_with_props(tmp_path, "2026-10-30T17:00:00"), into=None,
                            project_id="X", notes=notes)  # fmt: skip
    assert alone.status_date == pd.Timestamp("2026-10-30")
    assert any("StatusDate, 2026-10-30" in n for n in notes), notes
    # started work is planned from the status date: nothing left to do before it
    s = pmkit.schedule_project(alone, "X").tasks
    left = s[s["finish"] > pd.Timestamp("2026-10-31")]
    assert (left["finish"] >= pd.Timestamp("2026-11-02 08:00")).all()


def test_a_lone_import_of_a_file_without_status_date_says_so(tmp_path: Path) -> None:
    notes: list[str] = []
    alone = import_schedule(_with_props(tmp_path, None), into=None, project_id="X", notes=notes)
    assert alone.status_date is None
    assert any("no StatusDate" in n for n in notes), notes


@pytest.mark.parametrize("bad", ["30/10/2026", "now", "٢٠٢٦-١٠-٣٠T17:00:00", "2026-02-30T17:00:00"])
def test_a_malformed_status_date_is_an_error_naming_it(tmp_path: Path, bad: str) -> None:
    with pytest.raises(MspdiError) as e:
        import_schedule(_with_props(tmp_path, bad), into=None, project_id="X")
    assert "StatusDate" in str(e.value) and "edited.xml" in str(e.value)


def test_a_status_date_into_a_portfolio_is_the_portfolios(tmp_path: Path) -> None:
    """Merged into a portfolio, the portfolio's own status date applies, not the file's."""
    p = pmkit.load_portfolio(DATA)
    merged = import_schedule(_with_props(tmp_path, "2025-01-31T17:00:00"), into=p,
                             project_id="X")  # fmt: skip
    assert merged.status_date == p.status_date


def test_a_merged_file_whose_status_date_differs_says_which_applies(tmp_path: Path) -> None:
    """Before (13d2cef) the file's StatusDate was dropped without a word: its tasks in
    progress then moved on the Gantt with nothing in the import report saying why."""
    p = pmkit.load_portfolio(DATA)
    notes: list[str] = []
    import_schedule(_with_props(tmp_path, "2025-01-31T17:00:00"), into=p, project_id="X",
                    notes=notes)  # fmt: skip
    said = [n for n in notes if "StatusDate" in n]
    assert len(said) == 1 and "2025-01-31" in said[0], notes
    assert f"{p.status_date:%Y-%m-%d}" in said[0] and "applies" in said[0]


def test_a_merged_file_into_a_portfolio_without_status_date_says_it_is_not_applied(
    tmp_path: Path,
) -> None:
    p = pmkit.load_portfolio(DATA).as_planned()
    assert p.status_date is None
    notes: list[str] = []
    merged = import_schedule(_with_props(tmp_path, "2026-10-30T17:00:00"), into=p,
                             project_id="X", notes=notes)  # fmt: skip
    assert merged.status_date is None
    said = [n for n in notes if "StatusDate" in n]
    assert len(said) == 1 and "2026-10-30" in said[0] and "not applied" in said[0], notes


@pytest.mark.parametrize("status", [None, "same"])
def test_a_merged_file_agreeing_with_the_portfolio_adds_no_status_note(
    tmp_path: Path, status: str | None
) -> None:
    p = pmkit.load_portfolio(DATA)
    day = None if status is None else f"{p.status_date:%Y-%m-%d}T17:00:00"
    notes: list[str] = []
    import_schedule(_with_props(tmp_path, day), into=p, project_id="X", notes=notes)
    assert not [n for n in notes if "StatusDate" in n], notes


@pytest.mark.skipif(not mpxj_available(), reason="MPXJ or Java missing")
def test_the_mpx_note_is_true_of_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``pmkit export --format mpx`` says what MPX changes (before: nothing). What it says is
    what happens: P09's part-time tasks finish later in the file scheduled again (in the
    sample, 46 of 538 tasks of P06 and P09; no other project's)."""
    from pmkit.cli import main
    from pmkit.exporting import EXPORT_LIMITS
    from pmkit.io.mpxj import read_project_file
    from pmkit.schedule.mspdi_adapter import resource_driven_uids

    p = pmkit.load_portfolio(DATA)
    out = tmp_path / "P09.mpx"
    assert main(["export", "P09", str(out), "--format", "mpx", "--data", str(DATA)]) == 0
    assert EXPORT_LIMITS["mpx"] in capsys.readouterr().out
    m = read_project_file(out)
    assert resource_driven_uids(m)
    mine = pmkit.schedule_project(p, "P09").tasks.set_index("name")["finish"]
    back = schedule_mspdi(m).tasks.set_index("name")["finish"].reindex(mine.index)
    assert (back > mine).any() and not (back < mine).any()
