"""Quiet tools: reading a file through MPXJ prints nothing but pmkit's own messages.

MPXJ's libraries log through the Log4j API, which finds no provider on MPXJ's class path and
says so on stderr ("main ERROR Log4j API could not find a logging provider"): a user read
ERROR on a successful import. pmkit starts the JVM with quiet logging (pmkit.io.mpxj).
The JVM writes to the process's stdout/stderr directly, so each check runs in a fresh interpreter.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pmkit.io.mpxj import mpxj_available

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not mpxj_available(), reason="needs the mpxj package and Java")

# Any log call through the Log4j API makes it look for its provider (and complain if none).
_LOG = "jpype.JClass('org.apache.logging.log4j.LogManager').getLogger('pmkit.test').error('x')"


def _run(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_the_unconfigured_jvm_is_noisy_so_the_check_below_means_something(tmp_path: Path) -> None:
    out = _run(f"import jpype, mpxj; jpype.startJVM(); {_LOG}", tmp_path)
    said = out.stdout + out.stderr  # Log4j's status logger writes to the JVM's stdout
    if "Log4j" not in said:
        pytest.skip("this MPXJ brings its own Log4j provider: nothing to silence")
    assert "could not find a logging provider" in said


def test_an_mpxj_import_prints_only_pmkits_messages(tmp_path: Path) -> None:
    # An MSPDI file under an MPXJ suffix: pmkit hands it to MPXJ, which reads it by content.
    plan = tmp_path / "plan.mpx"
    shutil.copy(REPO / "notebooks" / "analysis" / "example_plan.xml", plan)
    code = (
        "import jpype; from pmkit.io.mpxj import read_project_file; "
        f"p = read_project_file({str(plan)!r}); {_LOG}; print(len(p.tasks), 'tasks')"
    )
    out = _run(code, tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines() == [f"{out.stdout.split()[0]} tasks"], out.stdout
    assert int(out.stdout.split()[0]) > 1
    assert "ERROR" not in out.stderr and "Log4j" not in out.stderr, out.stderr
