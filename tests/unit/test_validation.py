"""Validation at the door: each broken portfolio (valid + one mutation) is reported at the right
file, line and field, with the bad value; all problems are collected; nothing half-loads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from _portfolio_factory import Tables, valid_tables, write_synthetic, write_tables

from pmkit.errors import PmkitError, PortfolioValidationError
from pmkit.io.csv_folder import cli_validate, load_portfolio, validate_portfolio
from pmkit.model import TABLES
from pmkit.validation import FOREIGN_KEYS, REASONS, ValidationReport, find_cycles


def _set(table: str, row: int, **cells: str) -> Callable[[Tables], None]:
    def mutate(t: Tables) -> None:
        t[table][row].update(cells)

    return mutate


def _add(table: str, **cells: str) -> Callable[[Tables], None]:
    def mutate(t: Tables) -> None:
        t[table].append({**t[table][0], **cells})

    return mutate


def _drop_column(table: str, column: str) -> Callable[[Tables], None]:
    def mutate(t: Tables) -> None:
        for row in t[table]:
            del row[column]

    return mutate


# (id, mutation, file, line, field, value substring or None, message substring)
BROKEN = [
    ("bad-date", _set("projects", 1, start="2025-13-01"),
     "projects.csv", 3, "start", "2025-13-01", "cannot read"),
    ("bad-number", _set("tasks", 3, duration_days="five"),
     "tasks.csv", 5, "duration_days", "five", "cannot read"),
    ("bad-bool", _set("tasks", 2, is_milestone="maybe"),
     "tasks.csv", 4, "is_milestone", "maybe", "cannot read"),
    ("not-integer", _set("projects", 0, score_value="3.5"),
     "projects.csv", 2, "score_value", "3.5", "cannot read"),
    ("out-of-range", _set("projects", 0, score_risk="7"),
     "projects.csv", 2, "score_risk", "7", "out of range"),
    ("negative-duration", _set("tasks", 6, duration_days="-2"),
     "tasks.csv", 8, "duration_days", "-2", "out of range"),
    ("probability>1", _set("risks", 1, probability="1.5"),
     "risks.csv", 3, "probability", "1.5", "out of range"),
    ("bad-enum", _set("links", 2, type="XX"),
     "links.csv", 4, "type", "XX", "not an allowed value"),
    ("required-empty", _set("projects", 1, manager=""),
     "projects.csv", 3, "manager", None, "required"),
    ("required-empty-date", _set("snapshots", 2, report_date=""),
     "snapshots.csv", 4, "report_date", None, "required"),
    ("duplicate-task-id", _set("tasks", 7, task_id="P02-T02", wbs="1.9"),
     "tasks.csv", 9, "task_id", "P02-T02", "first on line 8"),
    ("duplicate-assignment", _add("assignments", units="0.5"),
     "assignments.csv", 6, "task_id", "P01-T02 + R01", "first on line 2"),
    ("unknown-link-pred", _set("links", 0, pred_id="P09-T01"),
     "links.csv", 2, "pred_id", "P09-T01", "unknown task_id"),
    ("unknown-assignment-resource", _set("assignments", 3, resource_id="R99"),
     "assignments.csv", 5, "resource_id", "R99", "unknown resource_id"),
    ("unknown-risk-project", _set("risks", 0, project_id="P77"),
     "risks.csv", 2, "project_id", "P77", "unknown project_id"),
    ("unknown-snapshot-project", _set("snapshots", 1, project_id="PX"),
     "snapshots.csv", 3, "project_id", "PX", "unknown project_id"),
    ("unknown-cr-project", _set("change_requests", 1, project_id="PX"),
     "change_requests.csv", 3, "project_id", "PX", "unknown project_id"),
    ("unknown-gate-project", _set("stage_gates", 2, project_id="PX"),
     "stage_gates.csv", 4, "project_id", "PX", "unknown project_id"),
    ("unknown-forecast-task", _set("milestone_forecasts", 0, task_id="P01-T99"),
     "milestone_forecasts.csv", 2, "task_id", "P01-T99", "unknown task_id"),
    ("forecast-not-milestone", _set("milestone_forecasts", 1, task_id="P02-T03"),
     "milestone_forecasts.csv", 3, "task_id", "P02-T03", "not a milestone"),
    ("unknown-task-project", _set("tasks", 9, project_id="P03"),
     "tasks.csv", 11, "project_id", "P03", "unknown project_id"),
    ("unknown-project-calendar", _set("projects", 0, calendar_id="NOPE"),
     "projects.csv", 2, "calendar_id", "NOPE", "unknown calendar_id"),
    ("finish-before-start", _set("projects", 1, finish_baseline="2025-01-01"),
     "projects.csv", 3, "finish_baseline", "2025-01-01", "before start"),
    ("actual-finish-before-start", _set("tasks", 1, actual_finish="2025-01-02"),
     "tasks.csv", 3, "actual_finish", "2025-01-02", "before actual_start"),
    ("baseline-order", _set("tasks", 4, baseline_finish="2024-12-31"),
     "tasks.csv", 6, "baseline_finish", "2024-12-31", "before baseline_start"),
    ("wbs-vs-level", _set("tasks", 2, outline_level="1"),
     "tasks.csv", 4, "outline_level", "wbs 1.2", "does not match"),
    ("summary-without-children", _set("tasks", 4, is_summary="true", duration_days="0"),
     "tasks.csv", 6, "is_summary", "true", "no children"),
    ("milestone-duration", _set("tasks", 8, duration_days="3"),
     "tasks.csv", 10, "duration_days", "3", "milestone has a duration"),
    ("link-to-summary", _set("links", 1, succ_id="P01-T01"),
     "links.csv", 3, "succ_id", "P01-T01", "summary task"),
    ("self-link", _set("links", 3, succ_id="P02-T02"),
     "links.csv", 5, "succ_id", "P02-T02", "linked to itself"),
    ("three-point-order", _set("tasks", 1, optimistic_days="6"),
     "tasks.csv", 3, "optimistic_days", "6 > 5", "above most likely"),
    ("constraint-without-date", _set("tasks", 9, constraint_date=""),
     "tasks.csv", 11, "constraint_date", "SNET", "needs a date"),
    ("hours-per-day", _set("calendars", 1, hours_per_day="8"),
     "calendars.csv", 3, "hours_per_day", "periods total 6", "differs"),
    ("bad-period", _set("calendars", 0, periods="08:00-12:00,13:00-1700"),
     "calendars.csv", 2, "periods", "13:00-1700", "cannot read period"),
    ("bad-weekday", _set("calendars", 0, working_days="Mon,Tue,Funday"),
     "calendars.csv", 2, "working_days", "Funday", "unknown weekday"),
    ("response-for-kind", _set("risks", 1, response="mitigate"),
     "risks.csv", 3, "response", "mitigate", "opportunity"),
    ("cr-task-other-project", _set("change_requests", 0, task_id="P02-T03"),
     "change_requests.csv", 2, "task_id", "P02-T03", "another project"),
    ("assignment-on-summary", _set("assignments", 0, task_id="P01-T01"),
     "assignments.csv", 2, "task_id", "P01-T01", "summary task"),
    ("finish-not-complete", _set("tasks", 1, percent_complete="90"),
     "tasks.csv", 3, "actual_finish", "2025-01-10", "not complete"),
    ("missing-column", _drop_column("resources", "rate_per_hour"),
     "resources.csv", 1, "rate_per_hour", None, "missing column"),
    ("bad-gate", _set("stage_gates", 0, gate="G7"),
     "stage_gates.csv", 2, "gate", "G7", "not an allowed value"),
]  # fmt: skip


# the reason code each broken case is reported with (a stable code, unlike the message's prose)
CODES = {
    "bad-date": "bad-date", "bad-number": "bad-number", "bad-bool": "bad-value",
    "not-integer": "bad-number", "out-of-range": "out-of-range",
    "negative-duration": "out-of-range", "probability>1": "out-of-range",
    "bad-enum": "not-allowed", "required-empty": "required", "required-empty-date": "required",
    "duplicate-task-id": "duplicate", "duplicate-assignment": "duplicate",
    "unknown-link-pred": "foreign-key", "unknown-assignment-resource": "foreign-key",
    "unknown-risk-project": "foreign-key", "unknown-snapshot-project": "foreign-key",
    "unknown-cr-project": "foreign-key", "unknown-gate-project": "foreign-key",
    "unknown-forecast-task": "foreign-key", "forecast-not-milestone": "milestone",
    "unknown-task-project": "foreign-key", "unknown-project-calendar": "foreign-key",
    "finish-before-start": "date-order", "actual-finish-before-start": "date-order",
    "baseline-order": "date-order", "wbs-vs-level": "wbs", "summary-without-children": "wbs",
    "milestone-duration": "milestone", "link-to-summary": "summary-task", "self-link": "self-link",
    "three-point-order": "estimates", "constraint-without-date": "constraint",
    "hours-per-day": "calendar", "bad-period": "calendar", "bad-weekday": "calendar",
    "response-for-kind": "response", "cr-task-other-project": "wrong-project",
    "assignment-on-summary": "summary-task", "finish-not-complete": "progress",
    "missing-column": "missing-column", "bad-gate": "not-allowed",
}  # fmt: skip


def _write(tmp_path: Path, mutate: Callable[[Tables], None] | None = None) -> Path:
    t = valid_tables()
    if mutate:
        mutate(t)
    return write_tables(tmp_path / "pf", t)


def test_valid_portfolio_has_no_issue(tmp_path: Path) -> None:
    report = validate_portfolio(_write(tmp_path))
    assert report.ok and report.issues == [], str(report)


@pytest.mark.parametrize(
    ("mutate", "file", "line", "fld", "value", "msg"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_broken_portfolio_names_file_line_field(
    tmp_path: Path, mutate, file: str, line: int, fld: str, value: str | None, msg: str
) -> None:
    folder = _write(tmp_path, mutate)
    report = validate_portfolio(folder)
    assert not report.ok
    hits = [
        i
        for i in report.errors
        if i.file == file and i.line == line and i.field == fld and msg in i.message
    ]
    assert hits, f"no error at {file}:{line} {fld} ~ {msg!r}; got:\n{report}"
    if value is not None:
        assert value in str(hits[0].value), hits[0]
    text = str(report)
    assert f"{file}:{line}" in text and f"'{fld}'" in text
    with pytest.raises(PortfolioValidationError) as exc:
        load_portfolio(folder)
    assert exc.value.report.errors == report.errors


@pytest.mark.parametrize(
    ("case", "mutate", "file", "line", "fld"),
    [(case[0], *case[1:5]) for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_broken_portfolio_carries_the_reason_code(
    tmp_path: Path, case: str, mutate, file: str, line: int, fld: str
) -> None:
    """The same cases matched by reason code instead of message text."""
    report = validate_portfolio(_write(tmp_path, mutate))
    codes = {i.code for i in report.errors if (i.file, i.line, i.field) == (file, line, fld)}
    assert CODES[case] in codes, f"{case}: {codes}; got:\n{report}"
    assert all(i.code in REASONS for i in report.issues), [i.code for i in report.issues]


def test_every_case_has_a_code_and_every_code_a_meaning() -> None:
    assert set(CODES) == {case[0] for case in BROKEN}
    assert set(CODES.values()) <= set(REASONS)
    assert all(REASONS[c] for c in REASONS)


def test_foreign_keys_name_real_columns() -> None:
    for fk in FOREIGN_KEYS:
        assert fk.field in TABLES[fk.table].columns, fk
        assert fk.key in TABLES[fk.parent].columns, fk
        assert any(f.name == fk.key and f.unique for f in TABLES[fk.parent].fields), fk


def test_missing_file_is_an_error_and_optional_file_a_warning(tmp_path: Path) -> None:
    folder = _write(tmp_path)
    (folder / "links.csv").unlink()
    (folder / "risks.csv").unlink()
    report = validate_portfolio(folder)
    errs = [(i.file, i.code) for i in report.errors]
    assert ("links.csv", "missing-file") in errs
    assert [i.code for i in report.warnings if i.file == "risks.csv"] == ["missing-file"]
    assert not any(i.file == "risks.csv" for i in report.errors)


def test_all_problems_collected_across_files(tmp_path: Path) -> None:
    def mutate(t: Tables) -> None:
        for m in (BROKEN[0][1], BROKEN[1][1], BROKEN[6][1], BROKEN[12][1]):
            m(t)

    report = validate_portfolio(_write(tmp_path, mutate))
    files = {i.file for i in report.errors}
    assert {"projects.csv", "tasks.csv", "risks.csv", "links.csv"} <= files
    df = report.to_frame()
    assert list(df.columns) == ["file", "line", "field", "value", "expected", "message",
                                "severity", "code"]  # fmt: skip
    assert df["code"].isin(list(REASONS)).all()
    assert len(df) == len(report.issues) and (df["severity"] == "error").sum() >= 4


def test_duplicate_names_both_lines(tmp_path: Path) -> None:
    report = validate_portfolio(_write(tmp_path, _set("projects", 1, project_id="P01")))
    dup = [i for i in report.errors if i.code == "duplicate" and i.field == "project_id"]
    assert dup and dup[0].line == 3 and "line 2" in dup[0].message


def test_cycle_names_every_task_and_a_link_line(tmp_path: Path) -> None:
    # P02-T02 -> P02-T03 -> P02-T04 (existing) + P02-T04 -> P02-T02 closes a cycle of three
    folder = _write(tmp_path, _add("links", pred_id="P02-T04", succ_id="P02-T02"))
    report = validate_portfolio(folder)
    cyc = [i for i in report.errors if i.code == "cycle"]
    assert len(cyc) == 1, str(report)
    issue = cyc[0]
    assert issue.file == "links.csv" and issue.field == "pred_id"
    for tid in ("P02-T02", "P02-T03", "P02-T04"):
        assert tid in issue.message
    assert "P01-T02" not in issue.message  # upstream tasks are not part of the cycle
    assert issue.line in {5, 6, 9}  # one of the three links of the cycle


def test_find_cycles_vectorised() -> None:
    # 0->1->2->0 and 3->4->3, plus a tail 5->0 and a DAG 6->7
    pred = np.array([0, 1, 2, 3, 4, 5, 6])
    succ = np.array([1, 2, 0, 4, 3, 0, 7])
    cycles = find_cycles(pred, succ, 8)
    assert sorted(sorted(c) for c in cycles) == [[0, 1, 2], [3, 4]]
    for c in cycles:  # in link order
        for a, b in zip(c, c[1:] + c[:1], strict=True):
            assert any((pred == a) & (succ == b))
    assert find_cycles(np.arange(999), np.arange(1, 1000), 1000) == []


def test_lines_follow_quoted_newlines_and_blank_lines(tmp_path: Path) -> None:
    folder = _write(tmp_path)
    path = folder / "risks.csv"
    text = path.read_text().splitlines()
    text.insert(1, "")  # a blank line after the header
    head = text[2].split(",")
    head[2] = '"Vendor\nlate"'  # a title spanning two lines
    text[2] = ",".join(head)
    text[3] = text[3].replace("0.5", "2.5")  # probability out of range, now on line 5
    path.write_text("\n".join(text) + "\n")
    report = validate_portfolio(folder)
    hit = [i for i in report.errors if i.field == "probability"]
    assert [(i.file, i.line, i.value) for i in hit] == [("risks.csv", 5, "2.5")]


def test_empty_and_ragged_files(tmp_path: Path) -> None:
    folder = _write(tmp_path)
    (folder / "holidays.csv").write_text("")
    with (folder / "resources.csv").open("a") as fh:
        fh.write("R03,x,y,z,1,2,STD,extra,more\n")
    report = validate_portfolio(folder)
    by_file = {i.file: i for i in report.errors}
    assert by_file["holidays.csv"].message == "file is empty"
    assert by_file["resources.csv"].line == 4 and "more fields" in by_file["resources.csv"].message
    assert by_file["holidays.csv"].code == by_file["resources.csv"].code == "file"


def test_standards_status_date_checked(tmp_path: Path) -> None:
    folder = write_tables(tmp_path / "pf", valid_tables(), standards="status_date: soon\n")
    report = validate_portfolio(folder)
    assert [i.code for i in report.errors if i.field == "status_date"] == ["standards"]


def test_budget_mismatch_is_a_warning(tmp_path: Path) -> None:
    report = validate_portfolio(_write(tmp_path, _set("projects", 0, budget="9000")))
    assert report.ok
    assert [(i.file, i.line, i.field, i.code) for i in report.warnings] == [
        ("projects.csv", 2, "budget", "budget")
    ]


def test_missing_folder_raises_and_cli_codes(tmp_path: Path, capsys) -> None:
    with pytest.raises(PmkitError):
        validate_portfolio(tmp_path / "nope")
    assert cli_validate(str(tmp_path / "nope")) == 2
    assert cli_validate(str(_write(tmp_path))) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("OK: 2 projects, 10 tasks")
    bad = write_tables(tmp_path / "bad", valid_tables() | {"links": [
        {"pred_id": "P01-T02", "succ_id": "ZZZ", "type": "FS", "lag_days": "0"}]})  # fmt: skip
    assert cli_validate(str(bad)) == 1
    assert "links.csv:2, field 'succ_id'" in capsys.readouterr().out


def test_report_raise_if_errors_carries_report(tmp_path: Path) -> None:
    ValidationReport().raise_if_errors()  # no error: no raise
    bad = write_tables(tmp_path / "bad", valid_tables() | {"links": [
        {"pred_id": "P01-T02", "succ_id": "ZZZ", "type": "FS", "lag_days": "0"}]})  # fmt: skip
    report = validate_portfolio(bad)
    with pytest.raises(PortfolioValidationError) as err:
        report.raise_if_errors()
    assert err.value.report is report
    assert (err.value.file, err.value.line, err.value.field) == ("links.csv", 2, "succ_id")
    assert err.value.value == "ZZZ"


def test_100k_tasks_validate(tmp_path: Path) -> None:
    # Speed is measured by bench/bench_portfolio.py, not asserted here.
    folder = write_synthetic(tmp_path / "big", 1000, 100)
    report = validate_portfolio(folder)
    assert report.ok, str(report)[:2000]


def test_snapshots_must_be_cumulative_and_ev_within_bac(tmp_path: Path) -> None:
    """Issue 9: a periodic figure typed into a cumulative report, or EV above BAC, is a warning
    naming file, line and field (the second report is line 3 of snapshots.csv)."""

    def mutate(t: Tables) -> None:
        first, second = t["snapshots"][0], t["snapshots"][1]
        assert first["project_id"] == second["project_id"] == "P01"
        assert first["report_date"] < second["report_date"]
        second["ev"] = str(float(first["ev"]) - 100)  # EV falls
        second["ac"] = str(float(first["ac"]) - 1)  # AC falls
        first["pv"] = "9999"  # PV of the earlier report above the later one's

    report = validate_portfolio(_write(tmp_path, mutate))
    assert report.ok  # warnings: the portfolio still loads
    got = {(i.file, i.line, i.field) for i in report.warnings}
    assert {
        ("snapshots.csv", 3, "ev"),
        ("snapshots.csv", 3, "ac"),
        ("snapshots.csv", 3, "pv"),
    } <= got
    ev = next(i for i in report.warnings if i.line == 3 and i.field == "ev")
    assert "cumulative" in ev.message and "1,700.00 < 1,800.00" in str(ev.value)

    def over(t: Tables) -> None:
        t["snapshots"][1]["ev"] = "7000"  # P01's budget is 5,000

    report = validate_portfolio(_write(tmp_path / "b", over))
    assert report.ok
    hit = [i for i in report.warnings if i.field == "ev" and "BAC" in i.message]
    assert [(i.file, i.line) for i in hit] == [("snapshots.csv", 3)]
    assert "7,000.00 > BAC 5,000.00" in str(hit[0].value)


def test_sample_status_reports_pass_the_snapshot_rules() -> None:
    from pmkit.io.csv_folder import sample_data_path

    report = validate_portfolio(sample_data_path())
    assert not [i for i in report.issues if i.file == "snapshots.csv"]
