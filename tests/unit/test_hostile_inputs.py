"""Hostile inputs to the command line found in session 8: one located message, no traceback."""

from __future__ import annotations

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
