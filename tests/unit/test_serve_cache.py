"""What a returning viewer's browser may keep: the headers ``pmkit serve`` sends.

Only files whose URL names their content (a hash in the name, or ``?v=<hash>``) may be kept
for good; the page (the data as of the request) never; Voila's unhashed scripts and an
extension's unhashed files keep Voila's own validation.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from served import pmkit_serve

from pmkit.bundle import NO_MATH, VOILA_STYLE
from pmkit.cli import _voila_command, hashed_labextension_urls

REPO = Path(__file__).resolve().parents[2]


def test_only_content_hashed_extension_files_are_listed() -> None:
    urls = hashed_labextension_urls()
    assert urls, "no widget extension found: ipywidgets' is a dependency"
    assert all(re.search(r"/static/[^/]*\.[0-9a-f]{8,}\.js$", u) for u in urls)
    assert not any(u.endswith(("/style.js", "package.json")) for u in urls)
    assert any("jupyterlab-manager/static/remoteEntry." in u for u in urls)
    assert hashed_labextension_urls("/user/ana/")[0].startswith("/user/ana/voila/labextensions/")


def test_the_voila_command_carries_the_setting() -> None:
    cmd = _voila_command(1, preheat=False, notebooks=Path("nb"))
    (arg,) = [a for a in cmd if a.startswith("--Voila.tornado_settings=")]
    settings = json.loads(arg.split("=", 1)[1])
    assert settings == {
        "static_immutable_cache": hashed_labextension_urls(),
        "mathjax_url": f"/voila/static/{NO_MATH}",
    }
    denied = [a.split("=", 1)[1] for a in cmd if a.startswith("--VoilaConfiguration.extension_d")]
    assert denied == ["jupyterlab-jupytext", "jupyterlab_pygments"]


def _get(url: str) -> tuple[dict[str, str], str]:
    with urllib.request.urlopen(url, timeout=60) as r:
        return {k.lower(): v for k, v in r.headers.items()}, r.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    nbdir = tmp_path_factory.mktemp("nb")
    cell = {"cell_type": "code", "execution_count": None, "id": "a", "metadata": {},
            "outputs": [], "source": "1 + 1"}  # fmt: skip
    spec = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb = {"cells": [cell], "metadata": {"kernelspec": spec}, "nbformat": 4, "nbformat_minor": 5}
    (nbdir / "page.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    with pmkit_serve(nbdir, PMKIT_DATA=str(REPO / "data")) as base:
        yield base


def test_hashed_extension_files_are_immutable_the_rest_revalidated(server: str) -> None:
    urls = hashed_labextension_urls()
    for url in (urls[0], next(u for u in urls if "remoteEntry" in u)):
        headers, _ = _get(server + url)
        assert headers["cache-control"] == "public, max-age=31536000, immutable", url
    plain = re.sub(r"/static/[^/]+$", "/static/style.js", urls[0])
    headers, _ = _get(server + plain)
    assert headers["cache-control"] == "no-cache"


def test_the_page_is_never_kept_its_versioned_files_are(server: str) -> None:
    headers, html = _get(server + "/voila/render/page.ipynb")
    assert "no-store" in headers["cache-control"]
    # the pmkit template's own files are linked with ?v=<content hash>: kept (tornado's rule)
    versioned = re.findall(r'"(/voila/templates/pmkit/static/[^"?]+\?v=[0-9a-f]+)"', html)
    assert versioned
    for url in versioned:
        assert "max-age=" in _get(server + url)[0].get("cache-control", ""), url
    # Voila's own scripts are not named by their content: no max-age, an ETag to revalidate
    headers, _ = _get(server + "/voila/static/voila.js")
    assert "max-age" not in headers.get("cache-control", "") and "etag" in headers


def test_the_page_loads_no_mathjax_and_only_the_widget_extensions(server: str) -> None:
    """Voila's page loads each listed extension and a LaTeX typesetter: the served config
    names the widget extensions and anywidget only (jupyterlab_pygments denylisted) and
    pmkit's typesetter script (no MathJax 3: 16 scripts, 0.85 MB per page), which is served."""
    _, html = _get(server + "/voila/render/page.ipynb")
    found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                      html, re.S)  # fmt: skip
    assert found
    config = json.loads(found.group(1))
    assert config["fullMathjaxUrl"] == f"/voila/static/{NO_MATH}"
    names = sorted(e["name"] for e in config["federated_extensions"])
    assert names == [
        "@jupyter-widgets/jupyterlab-manager",
        "@voila-dashboards/widgets-manager8",
        "anywidget",
    ]
    headers, script = _get(server + config["fullMathjaxUrl"] + "?config=x")
    assert "javascript" in headers["content-type"]
    assert "window.MathJax" in script and "Queue: none" in script


def test_the_page_links_voilas_css_as_a_stylesheet_at_the_scripts_place(server: str) -> None:
    """``voila-style.js`` (a script that only inserts CSS) is replaced, where it stood in the
    head, by a stylesheet of the same CSS (pmkit._voila_css), kept by the browser for good."""
    _, html = _get(server + "/voila/render/page.ipynb")
    head = html[: html.index("</head>")]
    assert "voila-style.js" not in html
    link = re.search(
        rf'<link rel="stylesheet" type="text/css" href="([^"]+/{VOILA_STYLE}\?v=[0-9a-f]+)">', head
    )
    assert link
    # at the script's place: before Voila's spinner styles and the other stylesheets
    assert head.index(link.group(0)) < head.index("<!-- voila spinner -->")
    assert head.index(link.group(0)) < head.index("fontawesome/css/all.min.css")
    headers, css = _get(server + link.group(1))
    assert headers["content-type"].startswith("text/css")
    assert "max-age=" in headers.get("cache-control", "")
    assert "--jp-layout-color1" in css and ".jp-OutputArea-output" in css
    # its fonts resolve next to it, as the script's did (the script's own folder)
    font = re.search(r"url\(([0-9a-f]{20}\.woff2)\)", css)
    assert font
    headers, _ = _get(server + link.group(1).rsplit("/", 1)[0] + "/" + font.group(1))
    assert "font" in headers["content-type"] or "octet" in headers["content-type"]
