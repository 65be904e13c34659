"""The install story: conda users and pip users get the same dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def _split(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req)
    assert m, req
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject() -> None:
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = dict(_split(r) for r in meta["dependencies"] + meta["optional-dependencies"]["test"])
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = dict(_split(d) for d in env["dependencies"] if isinstance(d, str))
    pip_part = [d for d in env["dependencies"] if isinstance(d, dict)]
    assert pip_part and "-e ." in pip_part[0]["pip"], "environment.yml must install pmkit itself"
    missing = sorted(set(wanted) - set(conda))
    assert not missing, f"in pyproject.toml but not environment.yml: {missing}"
    differ = {k: (wanted[k], conda[k]) for k in wanted if wanted[k] != conda[k]}
    assert not differ, f"version bounds differ (pyproject, environment.yml): {differ}"
    extra = sorted(set(conda) - set(wanted) - {"python", "pip"})
    assert not extra, f"in environment.yml but not pyproject.toml: {extra}"
    py = meta["requires-python"].replace(" ", "")
    assert conda["python"] == py


def test_required_layout() -> None:
    for name in ["notebooks", "pmkit", "data", "tests", "environment.yml", "README.md"]:
        assert (REPO / name).exists(), name
