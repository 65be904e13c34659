"""What a dashboard kernel imports: nothing slow it never uses (bench/bench_imports.py times it)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
from pmkit.ui import glance
assert "pandera" not in sys.modules, "pandera loaded before any validation"
import altair as alt, jsonschema
assert "rfc3987_syntax" not in sys.modules, "jsonschema compiled the IRI grammar"
alt.Chart({"values": [{"a": 1}]}).mark_point().encode(x="a:Q").to_dict()  # altair validates
import rfc3987_syntax  # still importable for whoever wants it
print("ok")
"""


@pytest.mark.skipif(
    importlib.util.find_spec("rfc3987_syntax") is None, reason="rfc3987_syntax not installed"
)
def test_a_dashboard_kernel_skips_what_it_never_uses() -> None:
    """jsonschema compiles rfc3987_syntax's Lark grammar at import when the package is there
    (1.5-3.5 s of CPU per kernel on this machine); altair never checks that format. pandera
    (~0.5 s) loads on the first validation: a kernel reading the cached portfolio has none."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, cwd="/"
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok"
