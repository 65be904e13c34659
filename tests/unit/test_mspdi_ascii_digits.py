"""Whole numbers, dates and times in MSPDI are ASCII digits (s16c).

Python's ``\\d`` matches every script's digits and ``int``/pandas read them, so before
(1b592ea) a file with ``<ID>٣</ID>`` read as "no ID", ``<UID>٣</UID>`` as UID 3,
``<PredecessorUID>٣</PredecessorUID>`` as a link from UID 3 and ``<ActualStart>٢٠٢٦-...``
as a 2026 date, silently. XML Schema's integers and dates are ASCII digits, as s15c made
numbers and durations: now each is an error naming the file, the task and the element.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import pmkit
from pmkit.errors import MspdiError
from pmkit.io.mspdi import read_mspdi
from pmkit.schedule.mspdi_adapter import schedule_mspdi

DATA = Path(__file__).resolve().parents[2] / "data"

CASES = {
    "ID, Arabic-Indic": ("<ID>3</ID>", "<ID>٣</ID>", "Task UID 3", "<ID>"),
    "ID, full-width": ("<ID>3</ID>", "<ID>３</ID>", "Task UID 3", "<ID>"),
    "UID": ("<UID>3</UID>", "<UID>٣</UID>", "Task UID ٣", "<UID>"),
    "PredecessorUID": ("<PredecessorUID>3</PredecessorUID>",
                       "<PredecessorUID>٣</PredecessorUID>", "Task UID 4", "PredecessorUID"),
    "OutlineLevel": ("<OutlineLevel>2</OutlineLevel>", "<OutlineLevel>٢</OutlineLevel>",
                     "Task UID 2", "<OutlineLevel>"),
    "ActualStart": ("<ActualStart>2026-", "<ActualStart>٢٠٢٦-", "Task UID 1", "<ActualStart>"),
    "ConstraintType": ("<ConstraintType>0</ConstraintType>",
                       "<ConstraintType>٠</ConstraintType>", "Task UID 0", "<ConstraintType>"),
    "DayType": ("<DayType>2</DayType>", "<DayType>٢</DayType>", "Calendar UID 1", "<DayType>"),
}  # fmt: skip


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> str:
    d = tmp_path_factory.mktemp("ascii")
    path = pmkit.export_project(pmkit.load_portfolio(DATA), "P01", d / "P01.xml")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", list(CASES))
def test_other_scripts_digits_are_an_error_naming_task_and_element(
    tmp_path: Path, exported: str, case: str
) -> None:
    old, new, owner, element = CASES[case]
    assert old in exported
    f = tmp_path / "h.xml"
    f.write_text(exported.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(MspdiError) as e:
        read_mspdi(f)
    msg = str(e.value)
    assert "h.xml" in msg and owner in msg and element in msg, msg


def test_ascii_digits_still_read(tmp_path: Path, exported: str) -> None:
    """The guard: the same file, untouched, reads and schedules, IDs and all."""
    f = tmp_path / "ok.xml"
    f.write_text(exported, encoding="utf-8")
    m = read_mspdi(f)
    assert m.tasks.set_index("uid").at[3, "id"] == 3
    assert len(schedule_mspdi(m).tasks) == len(m.tasks) - 1
