"""Every benchmark script still imports: a bench that rots silently (a helper it imported was
renamed) stops printing the numbers the notes and docs/SCALING.md quote. Importing runs no
benchmark: each script's work sits behind ``if __name__ == "__main__"``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
SCRIPTS = sorted(p for p in BENCH.glob("*.py"))


def test_there_are_bench_scripts() -> None:
    assert len(SCRIPTS) >= 10


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_bench_script_imports_and_runs_nothing(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert path.name.startswith("_") or 'if __name__ == "__main__":' in text
    name = f"_pmkit_bench_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    if not path.name.startswith("_"):
        assert callable(getattr(module, "main", None)), f"{path.name} has no main()"
