"""A page's first look (``pmkit.ui._look``): a still picture of the page shown before Voila's
scripts run. The picture is drawn from the very spec the live chart gets, keyed by it (a
picture of older data is never shown), names stay text, and the template shows it inert."""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.request
from pathlib import Path

import altair as alt
import ipywidgets as W
import pandas as pd
import pytest
from served import pmkit_serve

from pmkit import cache
from pmkit.bundle import STATIC_DIR_ENV
from pmkit.ui import _look

HOSTILE = "<img src=x onerror=alert(1)>"


def _chart(names: list[str]) -> alt.JupyterChart:
    frame = pd.DataFrame({"project": names, "days": range(1, len(names) + 1)})
    return alt.JupyterChart(alt.Chart(frame).mark_bar().encode(x="days:Q", y="project:N"))


@pytest.fixture
def shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PMKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv(STATIC_DIR_ENV, str(tmp_path / "static"))  # as under `pmkit serve`
    monkeypatch.setattr(_look, "_SVG", {})
    yield tmp_path / "cache"
    monkeypatch.undo()


def test_the_picture_is_drawn_once_and_shared_by_spec(shared: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    chart = _chart(["Alpha", HOSTILE])
    spec = dict(chart.spec)
    svg = _look.draw_svg(spec)
    assert svg is not None and svg.lstrip().startswith("<svg")
    # the name is SVG text, escaped: shown, never run (and the page shows it as an <img>)
    assert HOSTILE not in svg and "&lt;img src=x onerror=alert(1)&gt;" in svg
    # another kernel (an empty memo) reads it from the shared cache, never draws it again
    monkeypatch.setattr(_look, "_SVG", {})

    def no_drawing(*a: object, **k: object) -> None:
        raise AssertionError("drawn twice")

    monkeypatch.setattr(_look.subprocess, "run", no_drawing)
    assert _look.draw_svg(spec) == svg
    assert cache.read_shared(f"look-{_look.spec_key(spec)}") == svg


def test_the_picture_is_what_vl_convert_draws_from_the_live_spec(shared: Path) -> None:
    import vl_convert as vlc

    for names in (["A", "B"], ["Core", "Data", "Portal"], [HOSTILE]):
        spec = dict(_chart(names).spec)
        assert _look.draw_svg(spec) == vlc.vegalite_to_svg(spec)


def test_a_spec_of_other_data_has_no_picture(shared: Path) -> None:
    old, new = _chart(["A", "B"]), _chart(["A", "B", "C"])
    assert _look.spec_key(dict(old.spec)) != _look.spec_key(dict(new.spec))
    _look.prepare(W.VBox([old]))
    assert _look.page_html(W.VBox([old])) is not None
    # the page built again after the request (new data): no picture of its spec, no first look
    assert _look.page_html(W.VBox([new])) is None


def test_the_still_page_keeps_html_and_shows_controls_as_text(shared: Path) -> None:
    chart = _chart(["A"])
    _look.prepare(chart)
    hidden = W.ToggleButton(description="Show all")
    hidden.layout.display = "none"
    page = W.VBox(
        [
            W.HTML("<h2>Portfolio at a glance</h2>"),
            W.HBox([W.Dropdown(options=["(all)", HOSTILE], description="Programme")]),
            W.Label(HOSTILE),
            hidden,
            chart,
        ]
    )
    page.children[1].children[0].value = HOSTILE
    page.children[1].children += (W.DatePicker(description="As it stood on"),)
    out = _look.page_html(page)
    assert out is not None and "As it stood on:</span><span></span>" in out  # empty, not None
    assert out is not None
    assert "<h2>Portfolio at a glance</h2>" in out  # the HTML the live widget sets
    assert "<select" not in out and "<button" not in out  # no control that does nothing
    assert "Programme:</span><span>&lt;img src=x onerror=alert(1)&gt;</span>" in out
    assert out.count("&lt;img src=x onerror=alert(1)&gt;") == 2 and HOSTILE not in out
    assert "Show all" not in out  # hidden on the page, hidden in its picture
    assert out.count("<img class='pmkit-look-chart'") == 1
    assert out.index("Programme") < out.index("pmkit-look-chart")  # in the page's order


def test_the_display_carries_the_look_only_with_a_picture(shared: Path) -> None:
    chart = _chart(["A"])
    page = _look.attach(W.VBox([W.HTML("x"), chart]))
    assert _look.LOOK_MIME not in page._repr_mimebundle_()  # no picture yet: no first look
    _look.prepare(page)
    bundle = page._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "pmkit-look-chart" in bundle[_look.LOOK_MIME]["html"]
    chart.spec = dict(_chart(["A", "B"]).spec)  # the chart changed before the display
    assert _look.LOOK_MIME not in page._repr_mimebundle_()


def test_old_pictures_are_pruned(shared: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(_look, "KEEP", 2)
    specs = [dict(_chart(["A"] * n).spec) for n in (1, 2, 3)]
    for sp in specs:
        _look.draw_svgs([sp])
        time.sleep(0.01)
    kept = {f.name for f in cache.shared_files("look-")}
    assert len(kept) == 2 and not any(_look.spec_key(specs[0]) in k for k in kept)


def test_plain_voila_gets_no_look(shared: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    chart = _chart(["A"])
    _look.prepare(chart)
    monkeypatch.delenv(STATIC_DIR_ENV)  # not `pmkit serve`: Voila's own template
    page = _look.attach(W.VBox([chart]))
    assert _look.LOOK_MIME not in page._repr_mimebundle_()


def test_a_tab_widget_shows_its_bar_as_text_and_its_selected_tab(shared: Path) -> None:
    first, second = _chart(["A"]), _chart(["A", "B"])
    _look.prepare(W.VBox([first, second]))
    tabs = W.Tab([W.VBox([W.HTML("<p>earned value</p>"), first]), W.VBox([W.HTML("<p>risks</p>")])])
    tabs.set_title(0, "Earned value")
    tabs.set_title(1, HOSTILE)
    tabs.selected_index = 1
    page = W.VBox([W.HTML("<h2>Tracking</h2>"), tabs, second])
    out = _look.page_html(page)
    assert out is not None
    # the bar: every title as text (escaped), the selected one marked; only its tab's content
    assert "<div class='pmkit-look-tab'>Earned value</div>" in out
    assert "pmkit-look-tab pmkit-look-tab-current'>&lt;img src=x onerror=alert(1)&gt;<" in out
    assert "<p>risks</p>" in out and "earned value</p>" not in out
    # the page's first chart is the one on screen: the hidden tab's chart is not drawn
    assert out.count("pmkit-look-chart") == 1
    assert _look.svg_url(_look.cached_svg(dict(second.spec)) or "") in out
    tabs.selected_index = 0
    out = _look.page_html(page)
    assert out is not None and "earned value</p>" in out and "<p>risks</p>" not in out
    assert out.index(_look.svg_url(_look.cached_svg(dict(first.spec)) or "")) < out.index(
        "pmkit-look-chart", out.index("pmkit-look-chart") + 1
    )


def test_the_first_chart_on_a_tab_without_a_picture_means_no_look(shared: Path) -> None:
    drawn, not_drawn = _chart(["A"]), _chart(["A", "B", "C"])
    _look.prepare(drawn)
    tabs = W.Tab([W.VBox([not_drawn]), W.VBox([drawn])])
    assert _look.page_html(W.VBox([tabs, drawn])) is None  # the selected tab's chart: none
    assert _look.page_html(W.VBox([W.Accordion([drawn]), drawn])) is None  # not drawn still


def test_accordions_and_stacks_get_no_look(shared: Path) -> None:
    chart = _chart(["A"])
    _look.prepare(chart)
    assert _look.page_html(W.VBox([W.Accordion([chart])])) is None
    assert _look.page_html(W.VBox([W.Stack([chart], selected_index=0)])) is None


# ---------------------------------------------------------------- markup safe as markup
BREAKOUTS = [
    "</div></div></div><script>bad()</script>",
    "<textarea>the rest of the page",
    "<title>x",
    "<!-- the rest",
    "<plaintext>",
    "<style>p {}",  # closed by the cleaner, never left open
    "<iframe srcdoc='<script>bad()</script>'></iframe>",
    "<svg><script>bad()</script><path d='M0'/></svg>",
    "<a href=' javascript:bad()'>x</a><img src=x onerror=bad()>",
    "<table><tr><td>1<td>2</table></p></body></html><body onload=bad()>",
    "<select><option>x</select><form action=javascript:bad()><input></form>",
    "<b><p>misnested</b></p>",
    "<base href=//evil><meta http-equiv=refresh content=0><link rel=stylesheet href=x>",
]


class _Tree(__import__("html.parser").parser.HTMLParser):
    """The tags and attributes of markup, and whether its elements close in order."""

    VOID = frozenset({"br", "hr", "img", "wbr", "col", "area", "source", "track"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.balanced = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs

    def handle_endtag(self, tag: str) -> None:
        self.balanced &= bool(self.stack) and self.stack.pop() == tag

    def handle_comment(self, data: str) -> None:
        self.balanced = False


RUNS = {"script", "iframe", "object", "embed", "textarea", "title", "plaintext", "xmp", "base"}
RUNS |= {"meta", "link", "form", "input", "select", "button", "body", "html", "noscript"}


def _assert_contained(markup: str) -> None:
    tree = _Tree()
    tree.feed(markup)
    tree.close()
    assert tree.balanced and not tree.stack, markup  # nothing left open, nothing closed twice
    assert not RUNS & set(tree.tags), markup
    for name, value in tree.attrs:
        assert not name.startswith("on") and name != "srcdoc", markup
        assert "javascript:" not in "".join((value or "").split()).lower(), markup


@pytest.mark.parametrize("hostile", BREAKOUTS)
def test_html_that_would_break_out_of_the_look_is_contained(shared: Path, hostile: str) -> None:
    markup, _ = _look.clean(hostile)
    _assert_contained(markup)
    chart = _chart(["A"])
    _look.prepare(chart)
    out = _look.page_html(W.VBox([W.HTML(hostile), W.Label(hostile), chart]))
    assert out is not None
    _assert_contained(out)  # the whole look: its boxes close where they open
    assert out.endswith("</div>") and out.count("<div") == out.count("</div>")


def test_the_cleaner_keeps_well_formed_html_as_it_is() -> None:
    kept = [
        "<h2>Portfolio at a glance</h2>",
        "<p class='pmkit-note'>Hours &amp; weeks: 3 &lt; 4 ▲</p>",
        "<style>.pmkit-lessons table > tr td {color: red}</style><table><thead><tr><th "
        "colspan='2'>a</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table>",
        "<details><summary>why</summary><ul><li>one</li><li><b>two</b><br>three</li></ul></details>",
        "<span style='color: #c00' title='a \"quote\"'>x</span><a href='#p1' target='_blank'>p</a>",
    ]
    # an id is the live page's hook (tests, scripts): left out of the look, never twice
    assert _look.clean("<div id='evm-kpis' class='k'>1</div>") == ('<div class="k">1</div>', 0)
    for value in kept:
        markup, fixes = _look.clean(value)
        assert fixes == 0, value
        # the same elements, attributes and text: parsed both ways, the same tree
        a, b = _Tree(), _Tree()
        a.feed(value)
        b.feed(markup)
        assert (a.tags, a.attrs) == (b.tags, b.attrs), value


@pytest.mark.parametrize(
    "hostile",
    [
        # Python's parser reads on past "</style/>", the browser ends the style there
        "<style>a{}</style/><img src=x onerror=alert(1)></style>",
        "<style>a{}</style\t><img src=x onerror=alert(1)></style>",
        # in SVG a <style> is not raw text: an <img> in it breaks out as HTML
        "<svg><style><img src=x onerror=alert(1)></style></svg>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    ],
)
def test_no_tag_can_hide_in_a_style_or_foreign_content(hostile: str) -> None:
    markup, fixes = _look.clean(hostile)
    assert fixes > 0, markup
    assert "onerror" not in markup.split("</style>")[-1], markup  # no handler outside a style
    assert "<svg" not in markup and "<math" not in markup, markup
    for css in re.findall(r"<style>(.*?)</style>", markup, flags=re.S):
        assert "<" not in css, markup  # nothing in a style can end it early


@pytest.mark.parametrize("text", ["<svg>&lt;img src=x onerror=alert(1)&gt; % # ' & \n\t\r é</svg>"])
def test_the_picture_is_its_svg_text_in_a_data_url(text: str) -> None:
    from urllib.parse import unquote

    url = _look.svg_url(text)
    head = "data:image/svg+xml,"
    assert url.startswith(head) and unquote(url[len(head) :]) == text
    assert not set("'&<>#\n\r\t") & set(url)  # safe in a single-quoted attribute, as a URL


def test_a_failed_drawing_leaves_no_picture(shared: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def fails(*a: object, **k: object) -> None:
        raise subprocess.CalledProcessError(1, "vl_convert")

    monkeypatch.setattr(_look.subprocess, "run", fails)
    chart = _chart(["A"])
    _look.prepare(chart)
    assert _look.page_html(W.VBox([chart])) is None


# ---------------------------------------------------------------- the template
_NB = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "a",
            "metadata": {},
            "outputs": [],
            "source": (
                "class P:\n"
                "    def _repr_mimebundle_(self, **kw):\n"
                "        return {'text/plain': 'page', "
                f"{_look.LOOK_MIME!r}: {{'html': '<p>look</p>'}}}}\n"
                "P()"
            ),
        }
    ],
    "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


def test_the_template_shows_the_look_inert_and_keeps_it_out_of_the_output(tmp_path: Path) -> None:
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    (nbdir / "look.ipynb").write_text(json.dumps(_NB), encoding="utf-8")
    with (
        pmkit_serve(nbdir, XDG_CACHE_HOME=str(tmp_path / "xdg")) as base,
        urllib.request.urlopen(f"{base}/voila/render/look.ipynb", timeout=120) as r,
    ):
        page = r.read().decode("utf-8")
    (output,) = re.findall(
        r'<script type="application/vnd.voila.cell-output\+json">\s*(.*?)\s*</script>', page, re.S
    )
    assert _look.LOOK_MIME not in json.loads(output)["data"]  # the picture is not sent twice
    assert '<div class="pmkit-look" inert aria-busy="true">' in page
    assert "Loading\ninteractions…" in page  # said in words, not by a colour
    # the look's markup is written as the kernel built it (``_look`` made it safe), followed
    # by the call that shows it; nothing of it is left in a script
    page_div = '<div class="pmkit-look-page"><template><p>look</p></template></div></div>'
    assert page_div + "\n<script>pmkitLook(" in page
    assert "pmkitLook(document.currentScript);</script>" in page
