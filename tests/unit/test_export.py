"""Export a portfolio project to MS Project XML (and P6 XML / MPX through MPXJ).

Round trip pmkit -> MSPDI -> pmkit: every task, WBS, link and lag, constraint, calendar,
resource, assignment, baseline and progress value comes back equal to the portfolio's own
tables (the reference is the input, not pmkit's output). MPXJ reads the exported file and
sees the same tasks, links and dates.
"""

from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path

import pandas as pd
import pytest

from pmkit.cli import main
from pmkit.errors import MspdiError, PmkitError
from pmkit.exporting import export_project
from pmkit.importing import import_schedule
from pmkit.io.csv_folder import load_portfolio, sample_data_path
from pmkit.io.mpxj import mpxj_available
from pmkit.model import Portfolio
from pmkit.schedule.portfolio_adapter import schedule_project

# P13: constraints, 43 tasks in progress, lags; P06: most lags; P03: part-time calendar users
PROJECTS = ["P13", "P06", "P03"]
TASK_COLS = [
    "wbs", "name", "outline_level", "is_summary", "is_milestone", "constraint_type",
    "constraint_date", "percent_complete", "actual_start", "actual_finish",
    "baseline_start", "baseline_finish",
]  # fmt: skip
needs_mpxj = pytest.mark.skipif(not mpxj_available(), reason="MPXJ or Java missing")


@pytest.fixture(scope="module")
def portfolio() -> Portfolio:
    return load_portfolio(sample_data_path())


def _same(a: pd.Series, b: pd.Series) -> pd.Series:
    return (a.isna() & b.isna()) | (a == b)


def _round_trip(portfolio: Portfolio, pid: str, tmp: Path) -> Portfolio:
    out = export_project(portfolio, pid, tmp / f"{pid}.xml")
    return import_schedule(out, into=None, project_id=pid)


@pytest.mark.parametrize("pid", PROJECTS)
def test_round_trip_is_lossless(portfolio: Portfolio, pid: str, tmp_path: Path) -> None:
    back = _round_trip(portfolio, pid, tmp_path)
    a = portfolio.project(pid).tasks.sort_values("wbs").reset_index(drop=True)
    b = back.project(pid).tasks.sort_values("wbs").reset_index(drop=True)
    assert len(a) == len(b)
    for col in TASK_COLS:
        bad = ~_same(a[col], b[col])
        assert not bad.any(), (col, a.loc[bad, ["wbs", col]].head(), b.loc[bad, col].head())
    leaf = ~a["is_summary"]
    assert (a.loc[leaf, "duration_days"] - b.loc[leaf, "duration_days"]).abs().max() < 1e-6
    assert (a["budgeted_cost"] - b["budgeted_cost"]).abs().max() < 0.01
    # links (by WBS on both sides) with their type and lag
    wbs_a = dict(zip(a["task_id"], a["wbs"], strict=True))
    wbs_b = dict(zip(b["task_id"], b["wbs"], strict=True))

    def links(view: object, wbs: dict[str, str]) -> set[tuple[str, str, str, float]]:
        lk = view.links  # type: ignore[attr-defined]
        return {
            (wbs[p], wbs[s], t, round(float(g), 6))
            for p, s, t, g in zip(
                lk["pred_id"], lk["succ_id"], lk["type"], lk["lag_days"], strict=True
            )
            if p in wbs and s in wbs
        }

    assert links(portfolio.project(pid), wbs_a) == links(back.project(pid), wbs_b)
    # resources (by name) and assignments (task WBS, resource name, units)
    res_a = portfolio.resources.set_index("resource_id")
    res_b = back.resources.set_index("resource_id")
    asg_a = {
        (wbs_a[t], res_a.loc[r, "name"], u)
        for t, r, u in portfolio.project(pid)
        .assignments[["task_id", "resource_id", "units"]]
        .itertuples(index=False)
    }
    asg_b = {
        (wbs_b[t], res_b.loc[r, "name"], u)
        for t, r, u in back.project(pid)
        .assignments[["task_id", "resource_id", "units"]]
        .itertuples(index=False)
    }
    assert asg_a == asg_b
    used = res_a.loc[sorted(set(portfolio.project(pid).assignments["resource_id"]))]
    cols = ["name", "role", "capacity_hours_per_day", "rate_per_hour"]
    assert sorted(map(tuple, used[cols].to_numpy().tolist())) == sorted(
        map(tuple, res_b[cols].to_numpy().tolist())
    )


def test_calendars_and_holidays_survive(portfolio: Portfolio, tmp_path: Path) -> None:
    pid = "P03"
    back = _round_trip(portfolio, pid, tmp_path)
    cal_a = portfolio.calendars.set_index("calendar_id")
    for rec in back.calendars.to_dict("records"):
        name = rec["name"]
        orig = cal_a.loc[name] if name in cal_a.index else cal_a.iloc[0]
        assert rec["working_days"] == orig["working_days"]
        assert rec["periods"] == orig["periods"]
        assert rec["hours_per_day"] == orig["hours_per_day"]
    start, finish = back.projects["start"].iloc[0], schedule_project(back, pid).finish
    h_a = portfolio.holidays[portfolio.holidays["calendar_id"] == "Standard"]["date"]
    week = portfolio.calendar("Standard")
    # a holiday on a day that never works (a Sunday) changes nothing and is not carried
    h_a = {d for d in h_a[(h_a >= start) & (h_a <= finish)] if week.week_periods(d.weekday())}
    h_b = set(back.holidays["date"])
    assert h_a <= h_b


def test_after_a_what_if_the_file_holds_the_changed_plan(
    portfolio: Portfolio, tmp_path: Path
) -> None:
    pid = "P03"
    tables = {name: portfolio.table(name).copy() for name in ("projects", "tasks", "links",
              "resources", "assignments", "calendars", "holidays")}  # fmt: skip
    t = tables["tasks"]
    leaf = t.index[(t["project_id"] == pid) & ~t["is_summary"] & (t["percent_complete"] == 0)]
    t.loc[leaf, "duration_days"] = t.loc[leaf, "duration_days"] + 5
    changed = Portfolio.from_tables(tables)
    back = _round_trip(changed, pid, tmp_path)
    b = back.project(pid).tasks.set_index("wbs")
    a = changed.project(pid).tasks.set_index("wbs")
    assert (
        b.loc[a.index[~a["is_summary"]], "duration_days"] - a.loc[~a["is_summary"], "duration_days"]
    ).abs().max() < 1e-6


def test_unknown_project_or_format_writes_nothing(portfolio: Portfolio, tmp_path: Path) -> None:
    from pmkit.errors import UnknownIdError

    # the one "unknown project" type every engine raises (code review: 7 types before)
    with pytest.raises(UnknownIdError, match="unknown project") as err:
        export_project(portfolio, "P99", tmp_path / "x.xml")
    assert err.value.value == "P99" and "P03" in (err.value.expected or "")
    with pytest.raises(PmkitError, match="unknown export format"):
        export_project(portfolio, "P03", tmp_path / "x.xml", fmt="xls")
    assert not (tmp_path / "x.xml").exists()
    assert main(["export", "P99", str(tmp_path / "y.xml")]) == 2
    assert not (tmp_path / "y.xml").exists()


def test_cli_export_writes_mspdi(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "P03.xml"
    assert main(["export", "P03", str(out), "--format", "mspdi"]) == 0
    assert out.read_bytes().startswith(b"<?xml") and b"<Tasks>" in out.read_bytes()
    assert "exported P03" in capsys.readouterr().out


def _mpxj_tasks(path: Path) -> tuple[dict[str, tuple[str, str]], set[tuple[str, str, str]]]:
    import jpype
    import mpxj  # noqa: F401

    if not jpype.isJVMStarted():
        jpype.startJVM(convertStrings=True)
    from org.mpxj.reader import UniversalProjectReader  # type: ignore[import-not-found]

    pf = UniversalProjectReader().read(str(path))
    dates: dict[str, tuple[str, str]] = {}
    links: set[tuple[str, str, str]] = set()
    for t in pf.getTasks():
        if t.getUniqueID() == 0 or t.getSummary():
            continue
        name = str(t.getName())
        dates[name] = (str(t.getStart())[:16], str(t.getFinish())[:16])
        for rel in t.getPredecessors():
            links.add((str(rel.getPredecessorTask().getName()), name, str(rel.getType())))
    return dates, links


@needs_mpxj
def test_mpxj_reads_the_same_tasks_links_and_dates(portfolio: Portfolio, tmp_path: Path) -> None:
    pid = "P13"
    out = export_project(portfolio, pid, tmp_path / f"{pid}.xml")
    dates, links = _mpxj_tasks(out)
    sched = schedule_project(portfolio, pid).tasks.set_index("uid")
    view = portfolio.project(pid)
    leaf = view.tasks[~view.tasks["is_summary"]]
    assert set(dates) == set(leaf["name"])
    for tid, name in zip(leaf["task_id"], leaf["name"], strict=True):
        s = sched.loc[tid]
        assert dates[name] == (f"{s['start']:%Y-%m-%dT%H:%M}", f"{s['finish']:%Y-%m-%dT%H:%M}")
    names = dict(zip(view.tasks["task_id"], view.tasks["name"], strict=True))
    want = {
        (names[p], names[s], t)
        for p, s, t in view.links[["pred_id", "succ_id", "type"]].itertuples(index=False)
        if p in names and s in names
    }
    assert links == want


@needs_mpxj
@pytest.mark.parametrize("fmt", ["pmxml", "mpx"])
def test_p6_and_mpx_through_mpxj(portfolio: Portfolio, tmp_path: Path, fmt: str) -> None:
    out = export_project(portfolio, "P03", tmp_path / f"P03.{fmt}", fmt=fmt)
    dates, _links = _mpxj_tasks(out)
    leaf = portfolio.project("P03").tasks
    assert set(dates) == set(leaf.loc[~leaf["is_summary"], "name"])


def test_display_unit_holds_the_duration_in_two_decimals() -> None:
    from pmkit.exporting import _display_format

    assert _display_format(480 * 9.25, 480) == 7  # 9.25 days
    assert _display_format(480 * 9.375, 480) == 5  # 75 h: days would round to 9.38
    assert _display_format(1.0, 480) == 3  # one minute: 0.002 days, 0.0167 h
    assert _display_format(450 * 1.5, 450) == 7
    assert _display_format(0.0, 480) == 7


@needs_mpxj
def test_mpx_keeps_durations_and_lags_that_two_decimals_of_a_day_do_not_hold(
    portfolio: Portfolio, tmp_path: Path
) -> None:
    """MPX stores two decimals of the unit shown: 9.375 days came back as 9.38 (the finish
    2 minutes later), a 1-minute task as 0 (a milestone's duration)."""
    tasks = portfolio.tasks.copy()
    leaf = tasks.index[
        (tasks["project_id"] == "P06") & ~tasks["is_summary"] & ~tasks["is_milestone"]
    ]
    odd = [9.375, 1 / 480, 2.0 + 7 / 480, 50 / 3]
    tasks.loc[leaf[: len(odd)], "duration_days"] = odd
    for c in ("optimistic_days", "most_likely_days", "pessimistic_days"):
        tasks.loc[leaf[: len(odd)], c] = float("nan")
    links = portfolio.links.copy()
    ids = set(tasks.loc[leaf, "task_id"])
    mine = links.index[links["pred_id"].isin(ids) & links["succ_id"].isin(ids)]
    links.loc[mine[:1], "lag_days"] = 1.5 + 3 / 480
    p = dataclasses.replace(portfolio, tasks=tasks, links=links)
    out = export_project(p, "P06", tmp_path / "P06.mpx", fmt="mpx")
    back = import_schedule(out, into=None, project_id="P06")
    a = p.project("P06").tasks.sort_values("wbs").reset_index(drop=True)
    b = back.project("P06").tasks.sort_values("wbs").reset_index(drop=True)
    keep = ~a["is_summary"]
    err = (a.loc[keep, "duration_days"] - b.loc[keep, "duration_days"]).abs().max()
    assert err < 1e-6, err
    wbs_a = dict(zip(a["task_id"], a["wbs"], strict=True))
    wbs_b = dict(zip(b["task_id"], b["wbs"], strict=True))
    lag_a = {
        (wbs_a[r.pred_id], wbs_a[r.succ_id]): r.lag_days
        for r in p.project("P06").links.itertuples()
    }
    lag_b = {(wbs_b[r.pred_id], wbs_b[r.succ_id]): r.lag_days for r in back.links.itertuples()}
    assert lag_a.keys() == lag_b.keys()
    assert max(abs(lag_a[k] - lag_b[k]) for k in lag_a) < 1e-6


@needs_mpxj
def test_cli_export_p6_says_what_p6_xml_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The note `pmkit export --format pmxml` prints is true of the file it writes: the roles
    (the resources' groups) and the costs are in it now (session 10's note said they were
    not); the note names what still changes (tests/unit/test_export_p6.py checks it)."""
    from pmkit.exporting import EXPORT_LIMITS
    from pmkit.io.csv_folder import load_portfolio, sample_data_path

    out = tmp_path / "P03.pmxml"
    assert main(["export", "P03", str(out), "--format", "pmxml"]) == 0
    printed = capsys.readouterr().out
    assert EXPORT_LIMITS["pmxml"] in printed
    text = out.read_text(encoding="utf-8")
    portfolio = load_portfolio(sample_data_path())
    view = portfolio.project("P03")
    used = portfolio.resources["resource_id"].isin(view.assignments["resource_id"])
    roles = set(portfolio.resources.loc[used, "role"].astype(str))
    assert roles and all(f"<Name>{html.escape(r, quote=False)}</Name>" in text for r in roles)
    costs = re.findall(r"<PlannedCost>([^<]*)<", text)
    assert costs and sum(float(c) for c in costs) > 0
    assert re.search(r"<PricePerUnit>[1-9]", text) and re.search(r"<PlannedUnits>[1-9]", text)
    assert main(["export", "P03", str(tmp_path / "P03.xml")]) == 0
    assert "note:" not in capsys.readouterr().out  # MSPDI carries them


@needs_mpxj
def test_an_mpx_file_cut_in_a_record_is_refused_not_half_imported(tmp_path: Path) -> None:
    """A partial download of an MPX file was imported without a word: the tasks before the
    cut, i.e. half the project. Cut mid-record, it is one error naming the file; whole, the
    same bytes import."""
    pf = load_portfolio(sample_data_path())
    whole = export_project(pf, "P03", tmp_path / "P03.mpx", fmt="mpx")
    data = whole.read_bytes()
    cut = tmp_path / "cut.mpx"
    cut.write_bytes(data[: len(data) // 3])
    assert not data[: len(data) // 3].endswith(b"\n")  # the cut falls inside a record
    with pytest.raises(MspdiError, match="cut off") as err:
        import_schedule(cut, into=None, project_id="P03")
    assert "cut.mpx" in str(err.value)
    back = import_schedule(whole, into=None, project_id="P03")
    assert len(back.tasks) == len(pf.project("P03").tasks)


def test_a_link_given_twice_in_the_portfolio_is_written_once(
    portfolio: Portfolio, tmp_path: Path
) -> None:
    """The CSV door warns on a duplicate link and keeps both rows; the MSPDI export wrote
    both PredecessorLinks, a file Project does not write (one link per pair)."""
    links = portfolio.links
    first = links[links["pred_id"].str.startswith("P01-")].iloc[[0]]
    twice = dataclasses.replace(portfolio, links=pd.concat([links, first], ignore_index=True))
    out = export_project(twice, "P01", tmp_path / "twice.xml")
    once = export_project(portfolio, "P01", tmp_path / "once.xml")
    assert out.read_text().count("<PredecessorLink>") == once.read_text().count("<PredecessorLink>")
