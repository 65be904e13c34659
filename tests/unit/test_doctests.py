"""The examples in pmkit's docstrings are run (they are the API reference's examples: make docs).

Every module of the package is imported and its docstring examples executed; an example
marked ``# doctest: +SKIP`` (one that needs the sample on disk, say) is shown but not run.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import pmkit

REPO = Path(__file__).resolve().parents[2]
MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(pmkit.__path__, "pmkit.")
    # the bundle is build output; migration scripts run only inside Alembic's context
    if not m.name.startswith(("pmkit._bundle", "pmkit.store.migrations"))
)


def _examples(name: str) -> list[doctest.DocTest]:
    module = importlib.import_module(name)
    tests = doctest.DocTestFinder(exclude_empty=True).find(module, name)
    return [t for t in tests if t.examples]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in _examples(name):
        runner.run(test)
    failed, _ = runner.summarize(verbose=False)
    assert failed == 0, f"{failed} docstring example(s) of {name} failed (see the output above)"


def test_there_are_examples_to_run() -> None:
    ran = 0
    for name in MODULES:
        for test in _examples(name):
            ran += sum("+SKIP" not in ex.source and not ex.options for ex in test.examples)
    assert ran >= 10, f"only {ran} docstring examples run"


def test_make_docs_builds_the_api_reference(tmp_path: Path) -> None:
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    if mkdocs is None:
        pytest.skip("mkdocs is not installed (pip install -e '.[docs]')")
    out = subprocess.run(
        [mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    page = (tmp_path / "site" / "api" / "reports" / "index.html").read_text(encoding="utf-8")
    assert "status_pack_pdf" in page and "Chromium" in page  # built from the docstrings


def test_examples_on_the_bundled_sample_are_run() -> None:
    """An example that needs only the bundled sample runs, like the others (code review: most
    examples were skipped and never ran; three had rotted: ``what_if`` on a summary task and
    ``solve`` on the sample raised, the roll-up's rule text had changed)."""
    skipped = []
    for name in MODULES:
        for test in _examples(name):
            if not any("load_sample" in ex.source or "sample_data_path" in ex.source
                       for ex in test.examples):  # fmt: skip
                continue
            skipped += [
                f"{test.name}: {ex.source.strip()}"
                for ex in test.examples
                if ex.options.get(doctest.SKIP)
            ]
    assert not skipped, skipped


def test_no_example_is_skipped() -> None:
    """Every example runs (the last skipped ones, the Gantt module's, the MSPDI import's and
    Monte Carlo's percentiles, now run on the bundled sample), so none can rot unseen."""
    skipped = [
        f"{test.name}: {ex.source.strip()}"
        for name in MODULES
        for test in _examples(name)
        for ex in test.examples
        if ex.options.get(doctest.SKIP)
    ]
    assert not skipped, skipped
