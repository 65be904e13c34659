"""A page's "first look": a still picture of the page, painted before Voila's scripts run.

A Voila page shows nothing but a spinner until its ~3.4-5.5 MB of front-end code has been
evaluated and the widgets have been drawn; in a rush of viewers on a small server that is tens
of seconds. The first look is the page as the kernel built it, in plain HTML, with its first
chart as a picture drawn by vl-convert from the very Vega-Lite spec the live chart gets. The
pmkit template (:data:`pmkit.bundle._INDEX`) puts it where the page will be, marked "loading
interactions…" and inert (its controls are text, not controls), and removes it when the live
chart has drawn.

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
from base64 import b64encode
from collections.abc import Iterator
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


def _img(svg: str) -> str:
    data = b64encode(svg.encode("utf-8")).decode("ascii")
    return (
        "<img class='pmkit-look-chart' elementtiming='pmkit-look' alt=''"
        f" src='data:image/svg+xml;base64,{data}'>"
    )


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


def _render(widget: W.Widget, out: list[str], state: dict[str, bool]) -> bool:
    """Append ``widget``'s still HTML to ``out``; False when the page cannot be shown still
    (its first chart has no picture yet, or a widget this does not know)."""
    if _hidden(widget):
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
    if isinstance(widget, W.Box):
        if type(widget) not in (W.Box, W.VBox, W.HBox):  # tabs, accordions, grids: not drawn
            return False
        kind = "row" if isinstance(widget, W.HBox) else "col"
        out.append(f"<div class='pmkit-look-{kind}'{_style(widget)}>")
        for child in widget.children:
            if not _render(child, out, state):
                return False
        out.append("</div>")
        return True
    if isinstance(widget, W.HTML | W.HTMLMath):
        out.append(f"<div class='pmkit-look-html'{_style(widget)}>{widget.value}</div>")
        return True
    if isinstance(widget, W.Label):
        text = html.escape(str(widget.value))
        out.append(f"<div class='pmkit-look-html'{_style(widget)}>{text}</div>")
        return True
    if isinstance(widget, W.ValueWidget | W.Button):
        # a control: what it says, as text (never a control that does nothing)
        label = html.escape(str(getattr(widget, "description", "") or ""))
        value = getattr(widget, "label", None)
        if value is None:
            value = getattr(widget, "value", "")
        shown = "" if isinstance(value, bool) else html.escape(str(value))
        if label and shown:  # as ipywidgets lays it out: the label, then the value
            text = f"<span class='pmkit-look-label'>{label}:</span><span>{shown}</span>"
        else:
            text = f"<span>{label or shown}</span>"
        out.append(f"<div class='pmkit-look-control'{_style(widget)}>{text}</div>")
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
