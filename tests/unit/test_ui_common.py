"""The shared dashboard layer: escaping, badges, error boundary, offline chart bundle."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import ipywidgets as W
import pandas as pd

from pmkit.errors import PmkitError
from pmkit.ui._common import badge, error_html, esc, guarded, html_table


def test_names_with_html_are_escaped_in_tables() -> None:
    df = pd.DataFrame({"name": ["<script>alert(1)</script>", "R&D <Lab>"], "raw": ["<b>x</b>", ""]})
    out = html_table(df, raw_html_columns=["raw"])
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "R&amp;D &lt;Lab&gt;" in out
    assert "<td><b>x</b></td>" in out  # our own markup passes through only where allowed


def test_badge_pairs_colour_with_words_and_rule() -> None:
    chip = badge("amber", title='amber: SPI 0.91 < 0.95 "quoted"')
    assert "Amber" in chip and "▲" in chip
    assert 'title="amber: SPI 0.91 &lt; 0.95 &quot;quoted&quot;"' in chip


def test_guarded_callback_shows_a_message_not_a_traceback() -> None:
    out = W.HTML()

    @guarded(out)
    def boom(_: object = None) -> None:
        raise PmkitError("bad lag", file="links.csv", line=7, field="lag_days", value="x")

    assert boom() is None
    assert "links.csv:7" in out.value and "lag_days" in out.value
    assert "Traceback" not in out.value
    assert "ZeroDivisionError" in error_html(ZeroDivisionError("division by zero"))
    assert esc("<i>") == "&lt;i&gt;"


def test_offline_bundle_is_cached_and_identical(tmp_path: Path) -> None:
    code = (
        "import altair as alt; from pmkit.ui import setup; setup(); "
        "import hashlib; print(hashlib.sha1(alt.JupyterChart._esm.encode()).hexdigest())"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert list((tmp_path / "pmkit").glob("jupyterchart-*.js")), "bundle not cached"
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert second.stdout == first.stdout and len(first.stdout.strip()) == 40
