"""A page's "first look": a still picture of the page, painted before Voila's scripts run.

A Voila page shows nothing but a spinner until its ~3.4-5.5 MB of front-end code has been
evaluated and the widgets have been drawn; in a rush of viewers on a small server that is tens
of seconds. The first look is the page as the kernel built it, in plain HTML, with its first
chart as a picture drawn by vl-convert from the very Vega-Lite spec the live chart gets. The
pmkit template (:data:`pmkit.bundle._INDEX`) writes it into the page as markup, where the page
will be, marked "loading interactions…" and inert (its controls are text, not controls), and
removes it when the live chart has drawn. A page with tabs shows its selected tab, the tab bar
as text.

Markup, not a string a script sets (session 15): the browser paints it as it parses the page,
with no JSON to decode and no ``innerHTML`` to set. So the look is built to be safe as markup:
every text and attribute escaped here, and the HTML widgets' own HTML passed through
:func:`clean` (balanced, no script, no element that would swallow the rest of the page). The
picture is the SVG as text in a ``data:`` URL (percent-encoded where a URL or the attribute
needs it), not base64: a third fewer bytes to parse and nothing to decode.

The picture costs a vl-convert engine (~0.8 CPU-s to start, ~80 MB), so it is drawn once per
spec, in a short-lived child process, by the first kernel that needs it, and shared with the
others (:func:`pmkit.cache.write_shared`, keyed by the spec's hash: a picture of older data
has another key and is never shown). A kernel only draws before the request (preheated); after
it, a spec with no picture ready gets no first look (the page is not delayed for it).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import html
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import altair as alt
import ipywidgets as W

from pmkit import cache
from pmkit.bundle import STATIC_DIR_ENV

log = logging.getLogger(__name__)

#: The MIME type of a page output's first look; the pmkit template takes it out of the output
#: and shows it; any other template ignores it (a renderer-less type: never shown).
LOOK_MIME = "application/vnd.pmkit.first-look+json"

_SVG: dict[str, str] = {}  # spec key -> SVG, this process
_CONVERT = (  # one engine start (~0.8 CPU-s) for all of a page's charts
    "import json, sys, vl_convert\n"
    "json.dump([vl_convert.vegalite_to_svg(s) for s in json.load(sys.stdin)], sys.stdout)\n"
)
_TIMEOUT_S = 60.0
KEEP = 64  # pictures kept in the shared cache (a few data versions of every page's charts)


def spec_key(spec: dict[str, Any]) -> str:
    """The hash naming a spec's picture: the whole spec (its data inline) and nothing else."""
    body = json.dumps(spec, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]


def charts(widget: W.Widget) -> Iterator[alt.JupyterChart]:
    """The live charts of a widget tree, in page order (hidden ones included)."""
    if isinstance(widget, alt.JupyterChart):
        yield widget
    for child in getattr(widget, "children", ()) or ():
        yield from charts(child)


def cached_svg(spec: dict[str, Any]) -> str | None:
    """The picture of ``spec`` if this process or another has drawn it."""
    key = spec_key(spec)
    if key not in _SVG:
        found = cache.read_shared(f"look-{key}")
        if not isinstance(found, str):
            return None
        _SVG[key] = found
    return _SVG[key]


def draw_svgs(specs: list[dict[str, Any]]) -> None:
    """Draw the pictures of ``specs`` no process has drawn yet, in one child process, once
    for every kernel (a lock file: the others wait, then read); a spec that cannot be drawn
    gets no picture."""
    todo = [sp for sp in specs if cached_svg(sp) is None]
    if not todo:
        return
    key = spec_key({"page": [spec_key(sp) for sp in todo]})
    lock = cache.cache_dir() / "shared" / f"look-{key}.lock"
    try:
        lock.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(lock, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)  # one kernel draws, the others then read
            todo = [sp for sp in todo if cached_svg(sp) is None]
            if not todo:
                return
            out = json.loads(
                subprocess.run(
                    [sys.executable, "-c", _CONVERT],
                    input=json.dumps(todo),
                    capture_output=True,
                    text=True,
                    timeout=_TIMEOUT_S,
                    check=True,
                ).stdout
            )
            for sp, svg in zip(todo, out, strict=True):
                if isinstance(svg, str) and svg.lstrip().startswith("<svg"):
                    cache.write_shared(f"look-{spec_key(sp)}", svg)
                    _SVG[spec_key(sp)] = svg
            _prune()
    except (OSError, subprocess.SubprocessError, ValueError):
        log.warning("first look not drawn", exc_info=True)
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()


def _prune() -> None:
    """Remove all but the :data:`KEEP` newest pictures (each data change draws new ones)."""
    files = sorted(cache.shared_files("look-"), key=lambda f: f.stat().st_mtime_ns, reverse=True)
    for old in files[KEEP:]:
        with contextlib.suppress(OSError):
            old.unlink()


def draw_svg(spec: dict[str, Any]) -> str | None:
    """The picture of ``spec`` (:func:`draw_svgs`); None when it cannot be drawn."""
    draw_svgs([spec])
    return cached_svg(spec)


def prepare(page: W.Widget) -> None:
    """Draw the pictures of the page's charts ahead (a preheated kernel, before any
    request)."""
    if not os.environ.get(STATIC_DIR_ENV):
        return
    try:
        draw_svgs([dict(c.spec) for c in charts(page) if c.spec])
    except Exception:  # the page is served without a first look, never broken by it
        log.warning("first look not prepared", exc_info=True)


# What a data: URL of SVG text must encode: the URL's own escapes ("%", "#"), this
# attribute's quote, "&" (the HTML parser would decode the SVG's "&lt;" in an attribute),
# angle brackets and line ends (kept exact; a URL parser drops raw line ends).
_URL_ESCAPES = {c: f"%{ord(c):02X}" for c in "%#'&<>\n\r\t"}
_URL_TABLE = str.maketrans(_URL_ESCAPES)


def svg_url(svg: str) -> str:
    """``svg`` as a ``data:`` URL of its text (decodes to exactly ``svg``), safe inside a
    single-quoted HTML attribute."""
    return "data:image/svg+xml," + svg.translate(_URL_TABLE)


def _img(svg: str) -> str:
    return f"<img class='pmkit-look-chart' elementtiming='pmkit-look' alt='' src='{svg_url(svg)}'>"


# ---------------------------------------------------------------- HTML widgets' HTML as markup
_VOID = frozenset((
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
))  # fmt: skip
# elements dropped with everything in them: they run, load or navigate, are controls, or
# would take the rest of the page as their text (an unclosed <textarea>, <title>, …)
_DROP = frozenset((
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "template",
    "noscript", "noembed", "noframes", "textarea", "title", "xmp", "plaintext", "base", "meta",
    "link", "form", "input", "button", "select", "option", "html", "head", "body",
    # foreign content parses otherwise in the browser (a <style> there holds tags that break
    # out of it); pmkit's HTML widgets never hold any
    "svg", "math",
))  # fmt: skip
_URL_ATTRS = frozenset((
    "href", "src", "xlink:href", "action", "formaction", "background", "poster", "data",
))  # fmt: skip
_SCOPE = frozenset(("table", "td", "th", "caption", "button"))  # <p> stays open
_CLOSES_P = frozenset((
    "address", "article", "aside", "blockquote", "details", "dialog", "div", "dl", "fieldset",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup",
    "hr", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "ul",
))  # fmt: skip


class _Cleaner(HTMLParser):
    """Re-writes HTML as balanced markup with nothing that runs (see :func:`clean`)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[str] = []
        self.drop: list[str] = []  # the dropped element being skipped, and its open children
        self.fixes = 0

    def _attrs(self, attrs: list[tuple[str, str | None]]) -> str:
        kept = []
        for name, value in attrs:
            text = "" if value is None else value
            bad_url = name in _URL_ATTRS and "".join(text.split()).lower().startswith(
                ("javascript:", "vbscript:", "data:text")
            )
            if name.startswith("on") or name == "srcdoc" or bad_url or not name.isascii():
                self.fixes += 1
                continue
            if name == "id":  # the live page's hooks stay unique (no CSS of pmkit's uses one)
                continue
            kept.append(f' {name}="{html.escape(text)}"' if value is not None else f" {name}")
        return "".join(kept)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.drop or tag in _DROP:
            self.fixes += not self.drop
            if tag not in _VOID:
                self.drop.append(tag)
            return
        if tag in _CLOSES_P and "p" in self.stack:  # as the browser does: the <p> ends here
            for open_tag in reversed(self.stack):
                if open_tag in _SCOPE:
                    break
                if open_tag == "p":
                    self.handle_endtag("p")
                    break
        self.out.append(f"<{tag}{self._attrs(attrs)}>")
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self.drop:
            if tag == self.drop[-1]:
                self.drop.pop()
            return
        if tag not in self.stack:  # a stray end tag: never closes the look's own boxes
            self.fixes += tag not in _VOID
            return
        while self.stack:
            open_tag = self.stack.pop()
            self.out.append(f"</{open_tag}>")
            if open_tag == tag:
                return
            self.fixes += 1

    def handle_data(self, data: str) -> None:
        if self.drop:
            return
        if self.stack and self.stack[-1] == "style":
            # CSS as written (">" selectors), but never a "<": the browser ends a <style> at
            # "</style" followed by "/", space or ">", where Python's parser may read on
            css = data.replace("<", "\\3c ")
            self.fixes += css != data
            self.out.append(css)
        else:
            self.out.append(html.escape(data, quote=False))

    def handle_comment(self, data: str) -> None:
        self.fixes += 1

    def handle_decl(self, decl: str) -> None:
        self.fixes += 1

    def handle_pi(self, data: str) -> None:
        self.fixes += 1

    def unknown_decl(self, data: str) -> None:
        self.fixes += 1


def clean(value: str) -> tuple[str, int]:
    """An HTML widget's HTML as markup safe to write into the page, and how many things were
    changed to make it so (0 for pmkit's own HTML: the look is the live page's HTML).

    Every element is closed where the browser would close it, so nothing can close the look's
    boxes or leave one open for the rest of the page; scripts, frames, objects, controls and
    the elements whose text runs to their end tag are dropped with their content; ``on*``
    attributes and script URLs are dropped; text and attribute values are escaped again. The
    live page sets the same HTML through ``innerHTML``, where no script runs either. ``id``
    attributes are left out (not counted): the live page's hooks stay unique."""
    parser = _Cleaner()
    parser.feed(value)
    parser.close()
    parser.fixes += len(parser.stack) + bool(parser.drop)
    while parser.stack:
        parser.out.append(f"</{parser.stack.pop()}>")
    return "".join(parser.out), parser.fixes


# The layout traits ipywidgets sets as the element's style (``LayoutView``), pmkit uses.
_STYLE = (
    "width", "height", "min_width", "max_width", "min_height", "max_height", "margin",
    "padding", "flex", "flex_flow", "align_items", "align_content", "align_self",
    "justify_content", "overflow", "border", "order", "grid_gap",
)  # fmt: skip


def _style(widget: W.Widget) -> str:
    layout = getattr(widget, "layout", None)
    css = []
    for name in _STYLE:
        value = getattr(layout, name, None)
        if isinstance(value, str) and value:
            css.append(f"{name.replace('_', '-')}: {value}")
    return f" style='{html.escape('; '.join(css))}'" if css else ""


def _hidden(widget: W.Widget) -> bool:
    layout = getattr(widget, "layout", None)
    return getattr(layout, "display", None) == "none" or getattr(layout, "visibility", None) in (
        "hidden",
    )


def _clean_html(value: str) -> str:
    markup, fixes = clean(str(value))
    if fixes:
        log.debug("first look: %d change(s) to an HTML widget's HTML", fixes)
    return markup


def _render_tab(tab: W.Tab, out: list[str], state: dict[str, bool]) -> bool:
    """A tab widget as the live page lays it out: the tab bar as text (the selected tab
    marked), then the selected tab's content; the other tabs are not on the page."""
    index = tab.selected_index
    titles = list(tab.titles) + [""] * (len(tab.children) - len(tab.titles))
    out.append(f"<div class='pmkit-look-tabs'{_style(tab)}><div class='pmkit-look-tabbar'>")
    for i, title in enumerate(titles[: len(tab.children)]):
        current = " pmkit-look-tab-current" if i == index else ""
        out.append(f"<div class='pmkit-look-tab{current}'>{html.escape(str(title))}</div>")
    out.append("</div><div class='pmkit-look-tabpanel'>")
    shown = index is not None and 0 <= index < len(tab.children)
    if shown and not _render(tab.children[index], out, state):
        return False
    out.append("</div></div>")
    return True


def _control(widget: W.Widget) -> str:
    """A control as what it says, in text (never a control that does nothing)."""
    label = html.escape(str(getattr(widget, "description", "") or ""))
    value = getattr(widget, "label", None)
    if value is None:
        value = getattr(widget, "value", "")
    # no value (an empty date picker): nothing, as the live control shows
    shown = "" if value is None or isinstance(value, bool) else html.escape(str(value))
    if label and (shown or value is None):  # as ipywidgets lays it out: label, then value
        text = f"<span class='pmkit-look-label'>{label}:</span><span>{shown}</span>"
    else:
        text = f"<span>{label or shown}</span>"
    return f"<div class='pmkit-look-control'{_style(widget)}>{text}</div>"


def _render(widget: W.Widget, out: list[str], state: dict[str, bool]) -> bool:
    """Append ``widget``'s still HTML to ``out``; False when the page cannot be shown still
    (its first chart has no picture yet, or a widget this does not know)."""
    if _hidden(widget):
        if isinstance(widget, W.HTML) and "<style" in widget.value:  # the page's CSS: kept
            out.append(f"<div style='display: none'>{_clean_html(widget.value)}</div>")
        return True
    if isinstance(widget, alt.JupyterChart):
        spec = dict(widget.spec or {})
        svg = cached_svg(spec) if spec else None
        if not state["chart"]:  # the page's first chart: its picture, or no first look
            if svg is None:
                return False
            state["chart"] = True
            out.append(_img(svg))
        # a later chart: a picture if there is one, else the space a chart takes
        elif svg is not None:
            out.append(_img(svg))
        return True
    if isinstance(widget, W.Tab):
        return _render_tab(widget, out, state)
    if isinstance(widget, W.Box):
        if type(widget) not in (W.Box, W.VBox, W.HBox):  # accordions, stacks, grids: not drawn
            return False
        kind = "row" if isinstance(widget, W.HBox) else "col"
        out.append(f"<div class='pmkit-look-{kind}'{_style(widget)}>")
        for child in widget.children:
            if not _render(child, out, state):
                return False
        out.append("</div>")
        return True
    if isinstance(widget, W.HTML | W.HTMLMath):
        value = _clean_html(widget.value)
        out.append(f"<div class='pmkit-look-html'{_style(widget)}>{value}</div>")
        return True
    if isinstance(widget, W.Label):
        text = html.escape(str(widget.value))
        out.append(f"<div class='pmkit-look-html'{_style(widget)}>{text}</div>")
        return True
    if isinstance(widget, W.ValueWidget | W.Button):
        out.append(_control(widget))
        return True
    return False


def page_html(page: W.Widget) -> str | None:
    """The page as still HTML with its first chart's picture; None when there is no picture
    of the spec the live chart gets now (the page then shows no first look)."""
    out: list[str] = []
    state = {"chart": False}
    if not _render(page, out, state) or not state["chart"]:
        return None
    return "".join(out)


def attach(page: W.Widget) -> W.Widget:
    """Have ``page``'s display carry its first look (:data:`LOOK_MIME`), computed at display
    time from the widgets as they are then (after the request)."""
    if not os.environ.get(STATIC_DIR_ENV):  # not the pmkit template (plain voila): none
        return page
    plain = page._repr_mimebundle_

    def bundle(**kwargs: Any) -> dict[str, Any] | None:
        data = plain(**kwargs)
        if data is None:
            return data
        try:
            look = page_html(page)
        except Exception:  # never a broken page for a picture
            log.warning("first look not built", exc_info=True)
            look = None
        if look is not None:
            data[LOOK_MIME] = {"html": look}
        return data

    page._repr_mimebundle_ = bundle
    return page
