"""House rules from ARCHITECTURE.md that a test can hold: layering and the public API."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pmkit

REPO = Path(__file__).resolve().parents[2]
UI_STACK = {"ipywidgets", "altair", "IPython", "anywidget"}
ENGINES = [
    "model",
    "io",
    "calendar",
    "schedule",
    "evm",
    "risk",
    "portfolio",
    "generate",
    "training",
]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


def test_engines_never_import_the_ui_stack() -> None:
    offenders = []
    for name in ENGINES:
        base = REPO / "pmkit" / name
        files = list(base.rglob("*.py")) if base.is_dir() else [base.with_suffix(".py")]
        for f in files:
            if f.exists() and (bad := _imports(f) & UI_STACK):
                offenders.append(f"{f.relative_to(REPO)}: {sorted(bad)}")
    assert not offenders, offenders


def test_public_api_is_listed_and_importable() -> None:
    assert len(pmkit.__all__) == len(set(pmkit.__all__))
    for name in pmkit.__all__:
        assert hasattr(pmkit, name), name


def test_notebooks_committed_without_outputs_and_thin() -> None:
    books = sorted((REPO / "notebooks").glob("*.ipynb"))
    assert books, "no dashboards"
    for nb in books:
        doc = json.loads(nb.read_text())
        for cell in doc["cells"]:
            if cell["cell_type"] != "code":
                continue
            assert not cell.get("outputs"), f"{nb.name} has outputs"
            src = "".join(cell["source"]).strip().splitlines()
            assert len(src) <= 10, f"{nb.name}: a cell of {len(src)} lines belongs in pmkit"


def test_import_pmkit_stays_free_of_the_widget_stack() -> None:
    import subprocess
    import sys

    code = (
        "import sys, pmkit; "
        "print(sorted(m for m in ('ipywidgets', 'altair', 'IPython') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_names_are_exactly_the_listed_ones() -> None:
    public = {n for n in vars(pmkit) if not n.startswith("_")} - {"annotations"}
    modules = {n for n in public if type(getattr(pmkit, n)).__name__ == "module"}
    assert public - modules == set(pmkit.__all__) - {"__version__"}


def _pmkit_imports(path: Path) -> set[str]:
    """Every ``pmkit.*`` module a file imports, function-local imports included."""
    tree = ast.parse(path.read_text(), filename=str(path))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("pmkit.")}
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.level == 0
            and node.module.startswith("pmkit")
        ):
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return out


def test_engines_never_import_the_layers_above_them() -> None:
    """Engines -> charts -> reports -> ui/cli: an engine importing upwards (even lazily,
    inside a function) is a layering break (code review 2026-11, section 3)."""
    above = ("pmkit.charts", "pmkit.reports", "pmkit.ui", "pmkit.cli")
    offenders = []
    for name in ENGINES:
        base = REPO / "pmkit" / name
        files = list(base.rglob("*.py")) if base.is_dir() else [base.with_suffix(".py")]
        for f in files:
            if not f.exists():
                continue
            bad = sorted(m for m in _pmkit_imports(f) if m.startswith(above))
            if bad:
                offenders.append(f"{f.relative_to(REPO)}: {bad}")
    assert not offenders, offenders
