"""A date cell holds a day pmkit's calendars cover, typed as a date (s16c).

Before (1b592ea), through ``load_portfolio`` / ``pmkit validate``:

- ``2026`` typed alone in ``tasks.csv`` ``actual_start`` was read as Excel's day number 2026,
  **1905-07-18**, with only a note ("dates Excel day numbers"); the Gantt then started the
  task on 1950-01-02 (the calendars' first day);
- ``1926-05-18`` loaded, and the Gantt showed 1950-01-02 08:00 too;
- ``now`` in ``snapshots.csv`` ``report_date`` was read as the reading machine's clock
  (2026-12-01 12:50:11.3, a report after the status date), with warnings on other cells.

Now each is an error naming file, line and field. Excel day numbers of real days, compact
``20260518`` and ISO dates still read.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import pmkit
from pmkit.errors import PortfolioValidationError

DATA = Path(__file__).resolve().parents[2] / "data"


def _with_cell(tmp: Path, file: str, row: int, col: str, value: str) -> Path:
    d = tmp / "pf"
    shutil.copytree(DATA, d)
    t = pd.read_csv(d / file, dtype=str, keep_default_na=False)
    t.loc[row, col] = value
    t.to_csv(d / file, index=False)
    return d


@pytest.mark.parametrize(
    ("file", "col", "value", "says"),
    [
        ("tasks.csv", "actual_start", "2026", "Excel day number"),
        ("tasks.csv", "actual_start", "1949", "a year alone is not a date"),
        ("tasks.csv", "actual_start", "1926-05-18", "date out of range"),
        ("tasks.csv", "baseline_finish", "2230-01-01", "date out of range"),
        ("projects.csv", "start", "1900-01-01", "date out of range"),
        ("snapshots.csv", "report_date", "now", "cannot read"),
        ("snapshots.csv", "report_date", "Today", "cannot read"),
        ("risks.csv", "raised_on", "now", "cannot read"),
    ],
)
def test_a_date_no_engine_can_use_is_an_error_naming_the_cell(
    tmp_path: Path, file: str, col: str, value: str, says: str
) -> None:
    head = pd.read_csv(DATA / file, nrows=0).columns
    if col not in head:
        pytest.skip(f"{file} has no {col}")
    d = _with_cell(tmp_path, file, 1, col, value)
    with pytest.raises(PortfolioValidationError) as e:
        pmkit.load_portfolio(d)
    hits = [i for i in e.value.report.issues if i.field == col and i.severity == "error"]
    assert hits, e.value.report.issues
    assert hits[0].file.endswith(file) and hits[0].line == 3, hits[0]
    assert says in hits[0].message, hits[0].message


@pytest.mark.parametrize(
    ("col", "value", "day"),
    [("baseline_start", "46160", "2026-05-18"), ("baseline_start", "20260518", "2026-05-18"),
     ("baseline_start", "2026-05-18", "2026-05-18"), ("baseline_start", "1950-01-01", "1950-01-01"),
     ("baseline_finish", "2199-12-31", "2199-12-31")],
)  # fmt: skip
def test_real_days_still_read(tmp_path: Path, col: str, value: str, day: str) -> None:
    """The guards: an Excel day number of a real day, compact and ISO dates, both ends."""
    d = _with_cell(tmp_path, "tasks.csv", 1, col, value)
    p = pmkit.load_portfolio(d)
    assert p.tasks[col].iloc[1] == pd.Timestamp(day)
