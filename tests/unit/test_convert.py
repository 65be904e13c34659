"""Importing schedules into a portfolio: the mapping, the door, and Project's own answers."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pmkit.cache import load_sample
from pmkit.calendar import Calendar
from pmkit.cli import main
from pmkit.errors import MspdiError, PmkitError, PortfolioValidationError
from pmkit.exporting import export_project
from pmkit.importing import (
    ImportIssue,
    add_project,
    import_schedule,
    project_tables_from_schedule,
    report_frame,
)
from pmkit.io.csv_folder import load_portfolio, sample_data_path
from pmkit.io.mspdi import MspdiProject, read_mspdi, write_mspdi
from pmkit.schedule import schedule_mspdi
from pmkit.schedule.portfolio_adapter import schedule_project

FIX = Path(__file__).parent / "fixtures" / "handmade.xml"
CORPUS = Path(
    os.environ.get("PMKIT_CORPUS") or Path(__file__).resolve().parents[3] / "shared" / "corpus"
)
MSPDI = CORPUS / "mspdi"
# files whose every input the portfolio tables can express (no splits, contours, recurring
# tasks): the imported project must finish exactly when Microsoft Project said
EXACT = [
    "task-links-project2007-mspdi.xml",
    "task-links-project2019-mspdi.xml",
    "task-durations-project2019-mspdi.xml",
    "task-dates-project2003-mspdi.xml",
    "legacy-mspdipriority.xml",
    "mspdirelations.xml",
]


def _corpus(name: str) -> Path:
    path = MSPDI / name
    if not path.exists():
        pytest.skip(f"MSPDI corpus file {name} not found under {MSPDI} (set PMKIT_CORPUS)")
    return path


@pytest.fixture(scope="module")
def sample():  # type: ignore[no-untyped-def]
    return load_sample()


@pytest.mark.parametrize("name", EXACT)
def test_corpus_import_finishes_when_project_said(name: str, sample) -> None:  # type: ignore[no-untyped-def]
    path = _corpus(name)
    ms = read_mspdi(path)
    merged = import_schedule(path, into=sample, project_id="X01")
    tasks = merged.tasks[merged.tasks["project_id"] == "X01"]
    src = ms.tasks[(ms.tasks["uid"] != 0) & ms.tasks["active"]]
    assert len(tasks) == len(src)
    assert len(merged.projects) == len(sample.projects) + 1
    # leaf durations: working days x 8 h = Project's working minutes
    leaf = src[~src["is_summary"] & ~src["elapsed"]].set_index("uid")["duration_min"]
    got = tasks.set_index("task_id")["duration_days"]
    for uid, minutes in leaf.items():
        assert got[f"X01-{uid}"] * 480 == pytest.approx(minutes, abs=1e-6)
    sched = schedule_project(merged.as_planned(), "X01")
    stored = ms.tasks.set_index("uid").loc[0, "ms_finish"]
    assert sched.finish == stored


def test_links_keep_type_and_lag() -> None:
    path = _corpus("task-links-project2007-mspdi.xml")
    ms = read_mspdi(path)
    t = project_tables_from_schedule(ms, project_id="L1")
    links = t["links"]
    assert len(links) == len(ms.links) == 8
    want = {
        (f"L1-{r.pred_uid}", f"L1-{r.succ_uid}"): (r.type, r.lag_min / 480.0)
        for r in ms.links.itertuples()
    }
    got = {(r.pred_id, r.succ_id): (r.type, r.lag_days) for r in links.itertuples()}
    assert got == want
    assert sorted({lag for _, lag in got.values()}) == [0.0, 1.0, 2.0, 5.0, 10.0]


def test_handmade_file_maps_every_table(sample) -> None:  # type: ignore[no-untyped-def]
    ms = read_mspdi(FIX)
    t = project_tables_from_schedule(ms, project_id="H1", sponsor="A. Ruiz")
    p = t["projects"].iloc[0]
    assert p["sponsor"] == "A. Ruiz" and p["programme"] == "Imported"
    assert p["start"] == pd.Timestamp("2024-01-08")
    assert p["calendar_id"] == "H1-CAL1"
    cal = t["calendars"].iloc[0]
    assert cal["working_days"] == "Mon,Tue,Wed,Thu,Fri"
    assert cal["periods"] == "08:00-12:00,13:00-17:00" and cal["hours_per_day"] == 8.0
    # the calendar's exception (Wed 10 Jan 2024) is a holiday of the imported calendar
    assert pd.Timestamp("2024-01-10") in set(t["holidays"]["date"])
    types = dict(zip(t["links"]["succ_id"], t["links"]["type"], strict=True))
    assert types == {"H1-2": "FS", "H1-3": "SS", "H1-4": "FF", "H1-5": "SF", "H1-6": "FS"}
    tasks = t["tasks"].set_index("task_id")
    assert tasks.loc["H1-6", "is_milestone"] and tasks.loc["H1-6", "duration_days"] == 0
    assert tasks.loc["H1-7", "constraint_type"] == "SNET"
    assert tasks.loc["H1-7", "constraint_date"] == pd.Timestamp("2024-01-12")
    assert tasks[["optimistic_days", "most_likely_days", "pessimistic_days"]].isna().all().all()
    merged = add_project(sample, t)
    assert schedule_project(merged.as_planned(), "H1").finish == schedule_mspdi(ms).finish


def test_id_clash_is_a_validation_error_naming_file_and_field(sample) -> None:  # type: ignore[no-untyped-def]
    n_before = len(sample.tasks)
    with pytest.raises(PortfolioValidationError) as info:
        import_schedule(FIX, into=sample, project_id="P02")
    report = info.value.report
    # one error naming the id, where it already is and a free id; no follow-on errors on
    # every task whose outline number or calendar the clash duplicates
    assert len(report.issues) == 1, str(report)
    clash = report.errors[0]
    assert isinstance(clash, ImportIssue) and clash.code == "duplicate"
    assert clash.file == "handmade.xml" and clash.element == "Project"
    assert clash.field == "project_id" and clash.value == "P02"
    assert "projects.csv line 3" in clash.message  # where P02 already is
    free = clash.expected.rsplit(" ", 1)[-1]
    assert free not in sample.project_ids
    assert import_schedule(FIX, into=sample, project_id=free).project_ids[-1] == free
    frame = report_frame(report)
    assert {"file", "line/element", "field", "value", "expected"} <= set(frame.columns)
    assert (frame["file"] == "handmade.xml").any()
    assert len(sample.tasks) == n_before  # the portfolio is not touched


def test_broken_xml_names_the_file(tmp_path: Path, sample) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "broken-plan.xml"
    bad.write_text("<Project xmlns='http://schemas.microsoft.com/project'><Tasks><Task>")
    with pytest.raises(MspdiError) as info:
        import_schedule(bad, into=sample, project_id="B1")
    assert "broken-plan.xml" in str(info.value)


def test_taken_ids_of_a_merged_table_set_are_each_one_error(sample) -> None:  # type: ignore[no-untyped-def]
    """Tables of several projects (a workbook, a zipped folder) with two ids taken: one error
    per taken id, each suggesting a different free id; the free one does not count."""
    t = project_tables_from_schedule(read_mspdi(FIX), project_id="P03")
    two = pd.concat([t["projects"], t["projects"].assign(project_id="P07")], ignore_index=True)
    three = pd.concat([two, t["projects"].assign(project_id="Q1")], ignore_index=True)
    with pytest.raises(PortfolioValidationError) as info:
        add_project(sample, {**t, "projects": three}, source="book.xlsx")
    errs = info.value.report.errors
    assert len(info.value.report.issues) == 2
    assert [(e.value, e.expected.rsplit(" ", 1)[-1]) for e in errs] == [
        ("P03", "P15"),
        ("P07", "P16"),
    ]
    assert all(e.file == "book.xlsx" for e in errs)


def test_free_id_keeps_prefix_and_width() -> None:
    from pmkit.importing import _free_project_id

    assert _free_project_id("P01", {"P01", "P02", "P09"}) == "P10"
    assert _free_project_id("P001", {"P001", "P099"}) == "P100"
    assert _free_project_id("X-7", {"X-7", "X-8", "P20"}) == "X-9"
    assert _free_project_id("ALPHA", {"ALPHA", "ALPHA-2"}) == "ALPHA-3"
    assert _free_project_id("P9", {"P9", "P10x"}) == "P10"


def test_bad_project_id_is_refused(sample) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PmkitError, match="project id"):
        import_schedule(FIX, into=sample, project_id="P 1/<b>")


def test_alone_and_priority_after_the_last(sample) -> None:  # type: ignore[no-untyped-def]
    alone = import_schedule(FIX, into=None, project_id="A1")
    assert alone.project_ids == ["A1"] and int(alone.projects["priority"].iloc[0]) == 1
    merged = import_schedule(FIX, into=sample, project_id="A1")
    row = merged.projects.set_index("project_id").loc["A1"]
    assert row["priority"] == sample.projects["priority"].max() + 1


def _mspdi_of(portfolio, pid: str) -> MspdiProject:  # type: ignore[no-untyped-def]
    """Build an MspdiProject from a portfolio project (what Project would export)."""
    info = portfolio.projects.set_index("project_id").loc[pid]
    cal = portfolio.calendar(info["calendar_id"])
    mpd = cal.minutes_per_day
    t = portfolio.tasks[portfolio.tasks["project_id"] == pid].reset_index(drop=True)
    uid = {tid: i + 1 for i, tid in enumerate(t["task_id"])}
    tasks = pd.DataFrame(
        {
            "uid": [uid[x] for x in t["task_id"]],
            "id": np.arange(1, len(t) + 1),
            "name": t["name"],
            "outline_number": t["wbs"],
            "outline_level": t["outline_level"],
            "duration_min": t["duration_days"] * mpd,
            "is_summary": t["is_summary"],
            "is_milestone": t["is_milestone"],
            "constraint_type": t["constraint_type"],
            "constraint_date": t["constraint_date"],
            "calendar_id": None,
            "percent_complete": 0.0,
            "manual": False,
        }
    )
    lk = portfolio.links[
        portfolio.links["succ_id"].isin(uid) & portfolio.links["pred_id"].isin(uid)
    ]
    links = pd.DataFrame(
        {
            "pred_uid": [uid[x] for x in lk["pred_id"]],
            "succ_uid": [uid[x] for x in lk["succ_id"]],
            "type": lk["type"].to_numpy(),
            "lag_min": (lk["lag_days"] * mpd).to_numpy(),
        }
    )
    props = {
        "Name": str(info["name"]),
        "StartDate": pd.Timestamp(info["start"]).strftime("%Y-%m-%dT08:00:00"),
        "CalendarUID": "1",
        "MinutesPerDay": int(mpd),
    }
    empty = pd.DataFrame()
    return MspdiProject(
        path="P02.xml",
        props=props,
        tasks=tasks,
        links=links,
        calendars={"1": cal if isinstance(cal, Calendar) else Calendar.standard()},
        calendar_table=empty,
        resources=empty,
        assignments=empty,
        baselines=empty,
    )


def test_sample_project_round_trips_through_mspdi(tmp_path: Path, sample) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "P02.xml"
    write_mspdi(_mspdi_of(sample, "P02"), path)
    merged = import_schedule(path, into=sample, project_id="R02")
    orig = sample.tasks[sample.tasks["project_id"] == "P02"].reset_index(drop=True)
    back = merged.tasks[merged.tasks["project_id"] == "R02"].reset_index(drop=True)
    assert len(back) == len(orig)
    assert back["wbs"].tolist() == orig["wbs"].tolist()
    assert back["duration_days"].tolist() == pytest.approx(orig["duration_days"].tolist())
    ids = set(orig["task_id"])
    n_links = (sample.links["succ_id"].isin(ids) & sample.links["pred_id"].isin(ids)).sum()
    assert len(merged.links) == len(sample.links) + n_links
    # without progress, both schedule to the same finish
    no_progress = {
        tid: {"percent_complete": 0.0, "actual_start": pd.NaT, "actual_finish": pd.NaT}
        for tid in orig["task_id"]
    }
    want = schedule_project(sample, "P02", overrides=no_progress).finish
    assert schedule_project(merged, "R02").finish == want


def test_cli_import(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    data = str(sample_data_path())
    out = tmp_path / "merged"
    assert main(["import", str(FIX), "--into", data, "--project-id", "P88"]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["import", str(FIX), "--into", data, "--project-id", "P02", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "handmade.xml" in err and "project_id" in err and not out.exists()
    assert "1 error(s), 0 warning(s)" in err and err.count("ERROR") == 1, err
    assert "'P02' is already taken" in err and "e.g. P15" in err  # the sample holds P01..P14
    assert main(["import", str(FIX), "--into", data, "--project-id", "P88", "--out", str(out)]) == 0
    assert "P88" in load_portfolio(out).project_ids
    assert main(["import", str(tmp_path / "nope.xml"), "--into", data, "--project-id", "P9"]) == 2


_ROUND_TRIP = ["legacy-sample.xml", "mspdiresource.xml", "legacy-caltest.xml", "baselines.xml"]


@pytest.mark.parametrize("name", [*_ROUND_TRIP, "mspdisplittask.xml", *EXACT])
def test_mspdi_export_round_trip_keeps_costs_and_baseline_finish(tmp_path: Path, name: str) -> None:
    """Import -> pmkit's MSPDI export -> import gives the same tables. A task's budgeted cost
    without baseline dates was lost (budget 8,200 -> 0 on mspdiresource.xml), and so was the
    project's baseline finish when no task had baseline dates (it became pmkit's finish)."""
    first = import_schedule(_corpus(name), into=None, project_id="X1")
    out = tmp_path / "back.xml"
    export_project(first, "X1", out)
    back = import_schedule(out, into=None, project_id="X1")
    cols = ["wbs", "name", "duration_days", "constraint_type", "constraint_date",
            "percent_complete", "actual_start", "actual_finish", "baseline_start",
            "baseline_finish", "budgeted_cost"]  # fmt: skip
    num = ["duration_days", "percent_complete", "budgeted_cost"]
    a, b = first.tasks[cols].copy(), back.tasks[cols].copy()
    a[num], b[num] = a[num].round(6), b[num].round(6)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    keep = ["start", "finish_baseline", "budget", "phase"]
    pd.testing.assert_frame_equal(first.projects[keep], back.projects[keep])

    def by_wbs(p):  # type: ignore[no-untyped-def]  # uids are renumbered on export
        wbs = dict(zip(p.tasks["task_id"], p.tasks["wbs"], strict=True))
        lk = p.links.assign(
            pred_id=p.links["pred_id"].map(wbs), succ_id=p.links["succ_id"].map(wbs)
        )
        return lk.sort_values(["pred_id", "succ_id"]).reset_index(drop=True)

    pd.testing.assert_frame_equal(by_wbs(first), by_wbs(back))
    # every resource of the file comes back, assigned or not (uids are renumbered: by name)
    rcols = ["name", "role", "capacity_hours_per_day", "rate_per_hour"]
    res_a = first.resources[rcols].sort_values(rcols).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        res_a, back.resources[rcols].sort_values(rcols).reset_index(drop=True)
    )


def test_export_keeps_a_budgeted_cost_without_baseline_dates(tmp_path: Path, sample) -> None:  # type: ignore[no-untyped-def]
    tasks = sample.tasks.copy()
    mine = (tasks["project_id"] == "P02") & ~tasks["is_summary"]
    tasks.loc[mine, ["baseline_start", "baseline_finish"]] = pd.NaT
    p = dataclasses.replace(sample, tasks=tasks)
    out = tmp_path / "P02.xml"
    export_project(p, "P02", out)
    back = import_schedule(out, into=None, project_id="R02")
    want = tasks.loc[mine, "budgeted_cost"].to_numpy()
    got = back.tasks.loc[~back.tasks["is_summary"], "budgeted_cost"].to_numpy()
    assert got.sum() == pytest.approx(want.sum()) and got.sum() > 0
    row = sample.projects.set_index("project_id").loc["P02"]
    assert back.projects["finish_baseline"].iloc[0] == row["finish_baseline"]
