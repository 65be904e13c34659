"""Hostile and broken MSPDI files: one clear message each, exit code 2, nothing else.

The fixtures are written by ``fixtures/mspdi_broken/make_broken.py``; every message must name
the file, the task (UID and name) or other owner, the element, the value and what was
expected, with no traceback, no library warning and nothing written.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from pmkit.cli import main
from pmkit.errors import MspdiError
from pmkit.io.mspdi import read_mspdi

HERE = Path(__file__).parent / "fixtures" / "mspdi_broken"
_spec = importlib.util.spec_from_file_location("make_broken", HERE / "make_broken.py")
assert _spec is not None and _spec.loader is not None
make_broken = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_broken)
CASES = make_broken.CASES


def test_at_least_25_broken_files_committed_as_the_script_writes_them(tmp_path: Path) -> None:
    assert len(CASES) >= 25
    for path in make_broken.write_all(tmp_path):
        committed = HERE / path.name
        assert committed.is_file(), f"{path.name}: run make_broken.py and commit its output"
        assert committed.read_bytes() == path.read_bytes(), path.name


def test_the_base_project_is_valid() -> None:
    """Each fixture breaks one thing in a project that reads and schedules cleanly."""
    import io

    from pmkit.cli import cli_schedule

    p = HERE.parent / "mspdi_broken_base.xml"
    buf = io.StringIO()
    try:
        p.write_text(make_broken.BASE, encoding="utf-8")
        assert cli_schedule(str(p), "csv", out=buf) == 0
    finally:
        p.unlink(missing_ok=True)
    assert "Launch" in buf.getvalue()


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_file_gives_one_clear_message_and_exit_2(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = HERE / f"{name}.xml"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a library warning fails the test
        rc = main(["schedule", str(path), "--format", "csv"])
    out, err = capsys.readouterr()
    assert rc == 2
    assert out == "", "nothing may be written on bad input"
    assert "Traceback" not in err
    assert err.count("\n") == 1, err  # one message, one line
    assert path.name in err
    for part in CASES[name][1]:
        assert part in err, f"{part!r} missing from: {err}"


@pytest.mark.parametrize("name", ["malformed_date", "lag_of_10e22", "link_onto_own_summary"])
def test_reader_raises_a_located_error(name: str) -> None:
    with pytest.raises(MspdiError) as info:
        read_mspdi(HERE / f"{name}.xml")
    assert info.value.file and info.value.file.endswith(f"{name}.xml")
    assert info.value.field and info.value.expected


@pytest.mark.parametrize("name", ["lag_of_10e22", "malformed_date", "unknown_encoding"])
def test_cli_process_exits_2_without_traceback_or_warning(name: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-W", "error", "-m", "pmkit.cli", "schedule", str(HERE / f"{name}.xml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr and "Warning" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0
    assert f"{name}.xml" in proc.stderr


def test_import_of_a_broken_file_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pmkit.io.csv_folder import sample_data_path

    into = tmp_path / "portfolio"
    shutil.copytree(sample_data_path(), into)
    before = sorted((p.name, p.stat().st_mtime_ns) for p in into.iterdir())
    out = tmp_path / "out"
    for name in ("cycle_through_a_summary", "negative_duration"):
        rc = main(
            ["import", str(HERE / f"{name}.xml"), "--into", str(into), "--project-id", "PX",
             "--out", str(out)]
        )  # fmt: skip
        err = capsys.readouterr().err
        assert rc in (1, 2)
        assert f"{name}.xml" in err and "Traceback" not in err
    assert not out.exists()
    assert sorted((p.name, p.stat().st_mtime_ns) for p in into.iterdir()) == before
