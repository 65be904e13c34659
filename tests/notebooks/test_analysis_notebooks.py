"""The analyst notebooks (notebooks/analysis): run top to bottom, stay paired, ship clean.

They are JupyterLab examples of plan-as-code, not dashboards: each is paired with a jupytext
``py:percent`` script (the file reviewed in git), committed without outputs and written with
pmkit's public API only. The run time of each is printed (a measurement, not an assertion:
the goal is under a minute on an idle machine).
"""

from __future__ import annotations

import ast
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import pmkit

REPO = Path(__file__).resolve().parents[2]
ANALYSIS = REPO / "notebooks" / "analysis"
BOOKS = sorted(ANALYSIS.glob("*.ipynb"))

pytestmark = pytest.mark.notebooks


def test_there_is_one_notebook_per_topic() -> None:
    assert len(BOOKS) >= 7, [b.name for b in BOOKS]


@pytest.mark.parametrize("path", BOOKS, ids=[p.stem for p in BOOKS])
def test_paired_with_a_percent_script_and_committed_clean(path: Path) -> None:
    jupytext = pytest.importorskip("jupytext")
    script = path.with_suffix(".py")
    assert script.is_file(), f"{path.name} has no paired script"
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.get("jupytext", {}).get("formats") == "ipynb,py:percent"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{path.name} has outputs"
    paired = jupytext.read(script)
    ours = [(c.cell_type, c.source.strip()) for c in nb.cells]
    theirs = [(c.cell_type, c.source.strip()) for c in paired.cells]
    assert ours == theirs, f"{path.name} and {script.name} differ: run `jupytext --sync`"


@pytest.mark.parametrize("path", BOOKS, ids=[p.stem for p in BOOKS])
def test_uses_only_the_public_api(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    tree = ast.parse(code)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            assert not node.module.startswith("pmkit"), f"{path.name}: from {node.module} import"
        if isinstance(node, ast.Import):
            for alias in node.names:
                assert alias.name == "pmkit" or not alias.name.startswith("pmkit."), alias.name
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "pmkit"
        ):
            assert node.attr in pmkit.__all__, f"{path.name}: pmkit.{node.attr} is not public"


@pytest.fixture(scope="module")
def data_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dst = tmp_path_factory.mktemp("analysis") / "data"
    shutil.copytree(REPO / "data", dst, ignore=shutil.ignore_patterns("decisions_log.csv"))
    return dst


@pytest.mark.parametrize("path", BOOKS, ids=[p.stem for p in BOOKS])
def test_runs_top_to_bottom(
    path: Path, data_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("PMKIT_DATA", str(data_copy))
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ANALYSIS)}}
    )
    t0 = time.monotonic()
    client.execute()
    with capsys.disabled():
        print(f"\n{path.name}: ran in {time.monotonic() - t0:.1f} s")
    problems = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
            elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                problems.append(f"cell {i} wrote to stderr: {out.get('text', '')[:300]}")
    assert not problems, problems
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    assert last.outputs, f"{path.name}: the last cell shows nothing"
