"""The shared dashboard layer: escaping, badges, error boundary, offline chart bundle."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import ipywidgets as W
import pandas as pd
import pytest

from pmkit.bundle import EARLY_BUNDLE
from pmkit.errors import PmkitError
from pmkit.ui._common import badge, error_html, esc, guarded, html_table
from pmkit.ui._rowdiff import patch_bundle
from pmkit.ui._shown import patch_shown


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


# ------------------------------------------------- the chart bundle served once (#12, first paint)
def _served(monkeypatch: pytest.MonkeyPatch, folder: Path, base: str = "/") -> None:
    """A kernel as `pmkit serve` starts it: Voila's base URL, the template's static folder."""
    from pmkit.bundle import STATIC_DIR_ENV

    monkeypatch.setenv(STATIC_DIR_ENV, str(folder))
    monkeypatch.setenv("VOILA_BASE_URL", base)


def test_under_pmkit_serve_a_chart_imports_the_bundle_published_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmkit.ui._common import _chart_module

    bundle = "export default { render() {} };\n// " + "v" * 5000
    _served(monkeypatch, tmp_path, base="/user/ana/")
    module = _chart_module(bundle)
    (published,) = tmp_path.glob("pmkit-charts-*.js")
    assert published.read_text(encoding="utf-8") == bundle  # the whole bundle, byte for byte
    assert len(module) < 400 and bundle not in module
    url = f"/user/ana/voila/static/{published.name}?v="
    assert f'import(new URL("{url}' in module  # under the server's base URL, cache-busted
    assert "export default" in module
    # the same bundle again (another kernel, another chart): same file, same module
    assert _chart_module(bundle) == module
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([published.name, EARLY_BUNDLE])  # no temporary left
    # the page's early import (pmkit-charts.js) is the chart's own URL: one module, one fetch
    assert _early_target(tmp_path, "/user/ana/") == _loader_target(module)
    # a new altair / vl-convert version: a new name, so no browser keeps the old one
    other = _chart_module(bundle + "\n// new version")
    assert other != module and len(list(tmp_path.glob("pmkit-charts-*.js"))) == 2
    assert _early_target(tmp_path, "/user/ana/") == _loader_target(other)  # the current one


def _loader_target(module: str) -> str:
    """The absolute URL a chart's small module imports (page at http://h/)."""
    import re
    from urllib.parse import urljoin

    found = re.search(r'new URL\("([^"]+)"', module)
    assert found, module
    return urljoin("http://h/", found.group(1))


def _early_target(static: Path, base: str) -> str:
    """The absolute URL ``pmkit-charts.js`` (served at {base}voila/static/) imports."""
    import re
    from urllib.parse import urljoin

    found = re.search(r'import "([^"]+)";', (static / EARLY_BUNDLE).read_text(encoding="utf-8"))
    assert found
    return urljoin(f"http://h{base}voila/static/{EARLY_BUNDLE}", found.group(1))


def test_the_page_template_imports_the_current_bundle_when_it_asks_for_its_kernel(
    tmp_path: Path,
) -> None:
    """pmkit's Voila page starts the bundle's import (the name kernels publish) once the page
    requests its kernel, from this server only; a template of other text gets another folder."""
    from pmkit.bundle import voila_jupyter_path, voila_static_dir

    root = voila_jupyter_path(tmp_path)
    page = (voila_static_dir(root).parent / "index.html.j2").read_text(encoding="utf-8")
    assert f"'voila/static/{EARLY_BUNDLE}') | tojson" in page
    assert "resources.base_url ~" in page and '"/api/kernels/"' in page
    assert "http" not in page.split("<script>")[1]  # nothing but this server
    assert root.name.startswith("voila-") and len(root.name.rsplit("-", 1)[1]) == 8


def test_outside_pmkit_serve_charts_carry_the_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmkit.bundle import STATIC_DIR_ENV
    from pmkit.ui._common import _chart_module

    bundle = "export default { render() {} };"
    monkeypatch.delenv("VOILA_BASE_URL", raising=False)
    monkeypatch.setenv(STATIC_DIR_ENV, str(tmp_path))
    assert _chart_module(bundle) == bundle  # JupyterLab: no Voila, no static URL
    monkeypatch.delenv(STATIC_DIR_ENV)
    monkeypatch.setenv("VOILA_BASE_URL", "/")
    assert _chart_module(bundle) == bundle  # plain `voila`: not the pmkit template
    _served(monkeypatch, tmp_path / "missing" / "static")
    assert _chart_module(bundle) == bundle  # folder not writable/absent: inline, still works
    assert not list(tmp_path.rglob("*.js"))


def test_a_served_kernel_charts_carry_a_small_module(tmp_path: Path) -> None:
    """End to end in a fresh kernel-like process: `setup()` under `pmkit serve`'s variables."""
    from pmkit.bundle import STATIC_DIR_ENV

    code = (
        "import altair as alt; from pmkit.ui import setup, live_chart; setup(); "
        "import pandas as pd; "
        "w = live_chart(alt.Chart(pd.DataFrame({'x': [1]})).mark_point().encode(x='x')); "
        "print(len(w.get_state()['_esm']))"
    )
    static = tmp_path / "static"
    static.mkdir()
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        STATIC_DIR_ENV: str(static),
        "VOILA_BASE_URL": "/",
    }
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    (published,) = static.glob("pmkit-charts-*.js")
    (cached,) = (tmp_path / "cache" / "pmkit").glob("jupyterchart-*.js")
    # the offline bundle itself, data updates as row diffs (pmkit.ui._rowdiff), hidden charts
    # drawn when shown (pmkit.ui._shown)
    bundle = patch_shown(patch_bundle(cached.read_text(encoding="utf-8")))
    assert published.read_text(encoding="utf-8") == bundle
    assert published.stat().st_size > 100_000
    assert int(run.stdout) < 400  # what each chart's widget state carries now
