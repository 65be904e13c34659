"""Conformance with Microsoft Project on the MSPDI corpus (bench/conformance.py's rules)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.corpus

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("PMKIT_CORPUS") or ROOT.parent / "shared" / "corpus")


@pytest.fixture(scope="module")
def results():
    if not (CORPUS / "mspdi").is_dir():
        pytest.skip(f"MSPDI corpus not found at {CORPUS} (set PMKIT_CORPUS)")
    spec = importlib.util.spec_from_file_location(
        "pmkit_bench_conformance", ROOT / "bench" / "conformance.py"
    )
    mod = importlib.util.module_from_spec(spec)
    sys.modules["pmkit_bench_conformance"] = mod  # dataclasses need the module registered
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod.run(CORPUS)


def _summary(results) -> tuple[int, int, int, list[str]]:
    files_ok = sum(r.ok for r in results)
    tasks = sum(r.tasks for r in results)
    match = sum(r.matching for r in results)
    failing = [
        f"{r.file}: {r.matching}/{r.tasks} [{', '.join(r.features)}] "
        f"{r.error or '; '.join(r.diffs[:1])}"
        for r in results
        if not r.ok
    ]
    return files_ok, tasks, match, failing


def test_every_file_with_tasks_is_checked(results) -> None:
    assert len(results) == 39
    assert all(r.error is None for r in results), [r.error for r in results if r.error]


def test_no_regression_below_current_level(results) -> None:
    files_ok, tasks, match, failing = _summary(results)
    assert files_ok >= 36, "\n".join(failing)
    assert match >= 862 and match / tasks >= 0.956, "\n".join(failing)


def test_goal_36_of_39_files(results) -> None:
    """Issue #3's file goal: every listed failure names its file and first differences."""
    files_ok, _, _, failing = _summary(results)
    assert files_ok >= 36, "\n".join(failing)


@pytest.mark.xfail(
    reason="issue #3 task goal not reachable from the inputs: 38 tasks of mspditimephased "
    "(1-6, 9, 12-14, 17-22), mspditimephasedsegments (2-19) and mspdiduration (1-4) are "
    "unlinked ASAP tasks whose stored late finish is an earlier project finish left from an "
    "earlier editing session (it equals the latest early finish among tasks created before a "
    "later session, by CreateDate), and segments 12-15 store a late finish of 2013-05-24, "
    "after the project's own finish 2012-07-20, which no backward pass can give",
    strict=False,
)
def test_goal_99_percent_of_tasks(results) -> None:
    files_ok, tasks, match, failing = _summary(results)
    assert files_ok >= 36 and match / tasks >= 0.99, "\n".join(failing)
