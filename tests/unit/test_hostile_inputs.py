"""Hostile inputs to the command line found in session 8: one located message, no traceback."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest

from pmkit.cli import main

DATA = Path(__file__).resolve().parents[2] / "data"


def test_a_date_yaml_cannot_build_is_located(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``status_date: 2026-13-45`` looks like a YAML date but is none (PyYAML raised a bare
    ValueError past the reader)."""
    folder = tmp_path / "pf"
    shutil.copytree(DATA, folder)
    path = folder / "standards.yaml"
    text = path.read_text(encoding="utf-8")
    text, n = re.subn(r"(?m)^status_date:.*$", "status_date: 2026-13-45", text)
    assert n == 1
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("status_date: 2026-13-45") + 1
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr()
    both = out.out + out.err
    assert "Traceback" not in both
    assert f"standards.yaml:{line}, field 'status_date': not a real date" in both
    assert "2026-13-45" in both


def test_scheduling_a_file_without_tasks_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Project xmlns="http://schemas.microsoft.com/project"><Name>e</Name>'
        "<StartDate>2024-01-08T08:00:00</StartDate></Project>",
        encoding="utf-8",
    )
    assert main(["schedule", str(path)]) == 2
    err = capsys.readouterr().err
    assert "empty.xml, field 'Tasks': the schedule has no task" in err
    assert "'uid' column" not in err and "Traceback" not in err


def _bytes_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_a_failed_portfolio_write_leaves_the_folder_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Session 9: ``import --in-place`` rewrote the folder table by table, so a write failing
    halfway (here a full disk on the third table) left half a new portfolio."""
    import errno

    import pandas as pd

    from pmkit.io.csv_folder import load_portfolio, write_portfolio

    folder = tmp_path / "pf"
    shutil.copytree(DATA, folder)
    before = _bytes_of(folder)
    pf = load_portfolio(folder)
    pf = dataclasses.replace(pf, projects=pf.projects.assign(name="renamed"))
    real = pd.DataFrame.to_csv
    calls = {"n": 0}

    def full_disk(self: pd.DataFrame, *a: object, **k: object) -> object:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(a[0]))
        return real(self, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_portfolio(pf, folder)
    monkeypatch.undo()
    assert _bytes_of(folder) == before  # no table replaced, no temporary file left
    assert calls["n"] == 3


def test_a_folder_where_a_table_goes_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    from pmkit.errors import PmkitError
    from pmkit.io.csv_folder import load_portfolio, write_portfolio

    folder = tmp_path / "pf"
    shutil.copytree(DATA, folder)
    pf = load_portfolio(folder)
    (folder / "risks.csv").unlink()
    (folder / "risks.csv").mkdir()
    before = _bytes_of(folder)
    with pytest.raises(PmkitError) as err:
        write_portfolio(pf, folder)
    assert err.value.file == str(folder / "risks.csv")
    assert _bytes_of(folder) == before


@pytest.mark.parametrize(
    "verb",
    [
        ["export", "P01", "{file}/x.xml"],
        ["export", "P01", "{tmp}/no/such/x.xml"],
        ["db", "dump", "sqlite:///{tmp}/x.db", "{file}"],
        ["generate", "{file}"],
        [
            "import",
            str(Path(__file__).parent / "fixtures" / "handmade.xml"),
            "--into",
            str(DATA),
            "--project-id",
            "P99",
            "--out",
            "{file}",
        ],
    ],
)
def test_an_output_path_that_cannot_be_written_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], verb: list[str]
) -> None:
    """Session 9: a file where an output folder should be, or a missing parent folder, ended
    in a FileExistsError / NotADirectoryError / FileNotFoundError traceback."""
    a_file = tmp_path / "a_file"
    a_file.write_text("not a folder", encoding="utf-8")
    if verb[0] == "db":
        assert main(["db", "init", f"sqlite:///{tmp_path}/x.db"]) == 0
        capsys.readouterr()
    args = [v.format(file=a_file, tmp=tmp_path) for v in verb]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert str(a_file) in err or str(tmp_path / "no") in err
    assert a_file.read_text(encoding="utf-8") == "not a folder"


@pytest.mark.parametrize(
    ("edit", "line_of", "field"),
    [
        # a second status_date at the end moved the whole portfolio's data date, silently
        (lambda t: t + "\nstatus_date: 2025-01-01\n", "status_date: 2025-01-01", "status_date"),
        (
            lambda t: t.replace("  risk:\n", "  risk:\n    metric: spi\n", 1),
            "    metric: threat_exposure_ratio",
            "rag.risk.metric",
        ),
    ],
)
def test_a_key_given_twice_in_standards_is_refused_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: object, line_of: str, field: str
) -> None:
    folder = tmp_path / "pf"
    shutil.copytree(DATA, folder)
    path = folder / "standards.yaml"
    text = edit(path.read_text(encoding="utf-8"))  # type: ignore[operator]
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index(line_of) + 1
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert f"standards.yaml:{line}, field '{field}': key given twice" in out


@pytest.mark.parametrize("age", ["-5", ".inf"])
def test_a_report_age_must_be_days(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], age: str
) -> None:
    folder = tmp_path / "pf"
    shutil.copytree(DATA, folder)
    path = folder / "standards.yaml"
    path.write_text(
        path.read_text(encoding="utf-8") + f"\nstatus_report_max_age_days: {age}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "field 'status_report_max_age_days': not a number of days" in out
