"""House rules from ARCHITECTURE.md that a test can hold: the public API, thin notebooks, one
vocabulary. The layers themselves are import-linter contracts in pyproject.toml (`lint-imports`,
run by `make lint`); the first test here runs them too, so `pytest` alone sees a broken layer."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pmkit

REPO = Path(__file__).resolve().parents[2]


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


def test_import_linter_contracts_hold() -> None:
    """The layers of docs/ARCHITECTURE.md, function-local and TYPE_CHECKING imports included."""
    import shutil
    import subprocess
    import sys

    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "import-linter is in the test extra: pip install -e '.[test]'"
    out = subprocess.run([exe, "--no-cache"], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]


def test_ui_all_lists_every_dashboard() -> None:
    """``pmkit.ui.__all__`` names each dashboard module; each has ``app()``; each notebook calls
    one of them and every one of them has its notebook."""
    import importlib
    import pkgutil
    import re

    import pmkit.ui as ui

    with_app = {
        m.name
        for m in pkgutil.iter_modules(ui.__path__)
        if not m.name.startswith("_")
        and callable(getattr(importlib.import_module(f"pmkit.ui.{m.name}"), "app", None))
    }
    called = set()
    for nb in (REPO / "notebooks").glob("*.ipynb"):
        code = "".join("".join(c["source"]) for c in json.loads(nb.read_text())["cells"])
        called |= set(re.findall(r"^(\w+)\.app\(", code, re.M))
    assert set(ui.DASHBOARDS) == with_app == called
    assert set(ui.DASHBOARDS) <= set(ui.__all__)
    for name in ui.DASHBOARDS:
        assert callable(importlib.import_module(f"pmkit.ui.{name}").app), name


# Modules that still retype a vocabulary word, each being reshaped by another branch this session.
_VOCABULARY_PENDING = {"pmkit/portfolio/_util.py"}


def test_vocabulary_is_defined_once() -> None:
    """No module outside pmkit/vocabulary.py spells out one of its word lists again (a tuple or
    list literal with the same words, in any order)."""
    from pmkit import vocabulary

    words = {
        frozenset(v)
        for k, v in vars(vocabulary).items()
        if k.isupper() and isinstance(v, tuple) and len(v) >= 3
    }
    offenders = []
    for f in sorted((REPO / "pmkit").rglob("*.py")):
        rel = f.relative_to(REPO).as_posix()
        # a migration is frozen in time: it keeps the words of its day
        pending = rel in _VOCABULARY_PENDING or rel.startswith("pmkit/store/migrations/")
        if rel == "pmkit/vocabulary.py" or pending:
            continue
        for node in ast.walk(ast.parse(f.read_text(), filename=rel)):
            if isinstance(node, ast.Tuple | ast.List) and len(node.elts) >= 3:
                vals = [e.value for e in node.elts if isinstance(e, ast.Constant)]
                if len(vals) == len(node.elts) and frozenset(vals) in words:
                    offenders.append(f"{rel}:{node.lineno}")
    assert not offenders, offenders
