"""A status date the door catches: outside the timeline (error) or far from every project (warning).

Before session 10 ``status_date: 2999-01-01`` (or 1900, or 2150) loaded silently; the status
pack then failed with a bare "date outside the calendar's range", and 1900 gave a pack of
projects "not started" without a word.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pmkit.cache import load_sample
from pmkit.cli import main
from pmkit.errors import PmkitError, PortfolioValidationError
from pmkit.io.csv_folder import load_portfolio, read_folder, sample_data_path

DATA = sample_data_path()


def _with_status(tmp_path: Path, when: str) -> Path:
    folder = tmp_path / "pf"
    shutil.copytree(DATA, folder)
    path = folder / "standards.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = [f"status_date: {when}" if x.startswith("status_date:") else x for x in lines]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _status_issues(folder: Path) -> list:  # type: ignore[type-arg]
    _, _, report = read_folder(folder)
    return [i for i in report.issues if i.field == "status_date"]


@pytest.mark.parametrize("when", ["1900-01-01", "2999-01-01", "1949-12-31", "2200-01-01"])
def test_a_status_date_outside_the_timeline_is_an_error(tmp_path: Path, when: str) -> None:
    folder = _with_status(tmp_path, when)
    (issue,) = _status_issues(folder)
    assert issue.severity == "error" and issue.file == "standards.yaml"
    assert issue.value == when and "1950-01-01 to 2199-12-31" in (issue.expected or "")
    with pytest.raises(PortfolioValidationError):
        load_portfolio(folder)


@pytest.mark.parametrize(
    ("when", "words"),
    [
        ("1960-06-01", "before the first project starts (2025-"),
        ("2120-01-01", "after the last baseline finish (2027-"),
        ('"2062-10-30"', "after the last baseline finish"),  # 2026 typed 2062
    ],
)
def test_a_status_date_far_from_every_project_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], when: str, words: str
) -> None:
    folder = _with_status(tmp_path, when)
    (issue,) = _status_issues(folder)
    assert issue.severity == "warning" and words in issue.message, issue
    p = load_portfolio(folder)  # a warning: the portfolio loads
    assert p.status_date == pd.Timestamp(when.strip('"'))
    assert main(["validate", str(folder)]) == 0
    assert "status_date" in capsys.readouterr().out


@pytest.mark.parametrize("when", ["2026-10-30", "2025-03-01", "2028-06-30"])
def test_a_status_date_near_the_projects_says_nothing(tmp_path: Path, when: str) -> None:
    """The sample's own date, a date before the first start and one after the last finish,
    each within a year: a portfolio planned ahead or reviewed after its close is normal."""
    p = load_sample()
    first, last = p.projects["start"].min(), p.projects["finish_baseline"].max()
    assert first - pd.Timedelta(days=365) < pd.Timestamp(when) < last + pd.Timedelta(days=365)
    assert _status_issues(_with_status(tmp_path, when)) == []


@pytest.mark.parametrize("when", ["1900-01-01", "2999-01-01"])
def test_as_of_refuses_a_day_outside_the_timeline(when: str) -> None:
    p = load_sample()
    with pytest.raises(PmkitError, match="calendars cover") as info:
        p.as_of(when)
    assert info.value.field == "status_date"
    assert dataclasses.replace(p).as_of("2026-09-30").status_date == pd.Timestamp("2026-09-30")


def _line_of(folder: Path, key: str) -> int:
    text = (folder / "standards.yaml").read_text(encoding="utf-8").splitlines()
    return next(n for n, x in enumerate(text, start=1) if x.startswith(f"{key}:"))


@pytest.mark.parametrize("when", ["2999-01-01", "2120-01-01", "30/10/2026"])
def test_the_status_date_issue_names_its_line(tmp_path: Path, when: str) -> None:
    """Error (outside the timeline), warning (far off) and unreadable value alike name the
    line of ``status_date:``, as the lens's own standards errors name theirs."""
    folder = _with_status(tmp_path, when)
    (issue,) = _status_issues(folder)
    assert issue.line == _line_of(folder, "status_date") and issue.line > 1
    assert f"standards.yaml:{issue.line}, field 'status_date'" in str(issue)


def test_a_bad_currency_names_its_line(tmp_path: Path) -> None:
    folder = _with_status(tmp_path, "2026-10-30")
    path = folder / "standards.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text(
        "\n".join("currency: euros" if x.startswith("currency:") else x for x in lines) + "\n",
        encoding="utf-8",
    )
    _, _, report = read_folder(folder)
    (issue,) = [i for i in report.issues if i.field == "currency"]
    assert issue.line == _line_of(folder, "currency")


def test_the_status_date_line_from_a_stored_copy() -> None:
    """The same words through the database's stored copy (``parse_standards``)."""
    from pmkit.io._standards import parse_standards

    text = "# PMO settings\ncurrency: EUR\n\nstatus_date: 2999-01-01\n"
    standards, issues = parse_standards(text)
    assert not issues and standards.key_lines["status_date"] == 4
    from pmkit.validation import validate_tables

    _, report = validate_tables({}, standards)
    (issue,) = [i for i in report.issues if i.field == "status_date"]
    assert issue.line == 4
