"""Build hook: ship the dashboards' notebooks and the sample portfolio inside the wheel.

The repository keeps ``notebooks/`` and ``data/`` at its top level (where people and Voila look
for them); a wheel carries only packages. So ``build_py`` copies both folders into the built
package as ``pmkit/_bundle/notebooks`` and ``pmkit/_bundle/data``, read at run time through
``importlib.resources`` (:mod:`pmkit.bundle`). An editable install skips the copy: there
:mod:`pmkit.bundle` finds the checkout's own folders. The sdist carries both folders through
MANIFEST.in, so a wheel built from the sdist gets them too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
# Never shipped: editor/Jupyter leftovers and the dashboards' run-time files.
SKIP = shutil.ignore_patterns(
    ".ipynb_checkpoints", "__pycache__", "*.pyc", "*.log", "decisions_log.csv", ".*"
)


class BuildWithBundle(build_py):
    """``build_py`` plus a copy of ``notebooks/`` and ``data/`` into ``pmkit/_bundle/``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "pmkit" / "_bundle"
        for name in ("notebooks", "data"):
            src = HERE / name
            if not src.is_dir():
                raise SystemExit(f"pmkit build: {src} is missing (the wheel must carry it)")
            dst = target / name
            if dst.exists():
                shutil.rmtree(dst)
            shutil.copytree(src, dst, ignore=SKIP)
        (target / "__init__.py").write_text(
            '"""Notebooks and sample data shipped in the wheel."""\n'
        )


setup(cmdclass={"build_py": BuildWithBundle})
