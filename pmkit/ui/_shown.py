"""A chart drawn when it is shown: a chart on a hidden tab waits for its tab (``shown.js``).

altair's chart module embeds every chart as soon as its widget view is made, those on hidden
tabs and in closed sections too, and each embed is a Vega parse, compile and draw on the
page's main thread before the page settles (tracking drew three charts where one shows:
506 ms of main-thread work after the widget states, against 234 ms for a one-chart page;
docs/SCALING.md, session 11). The patch makes the module's render call ``pmkitWhenShown``
instead. A chart is embedded at render, into its view's element before the view is put on the
page, as altair does, unless the widget models already say it is hidden: a tab or stack whose
selected index is another child, a closed accordion section, a layout ``display: none`` on the
chart or an ancestor (a view is made before it is inserted, so the page itself cannot be asked
yet; session 13 waited for the insertion and asked the page, which cost every visible chart
30-100 ms: Vega drawing into the live page). A hidden one is embedded when it gets a box, or in
the page's idle time after its first chart, one per idle period, so a later tab switch finds
it drawn. A change of the spec before then is kept by the widget's model and the last one is
drawn; the page confirms an embed (``local_tz``) only once it has made it, so
:class:`pmkit.ui._swap.SwapChart` sends a not-yet-drawn chart whole specs, never data for a
view that does not exist.

Like :mod:`pmkit.ui._rowdiff` it edits the text of altair's offline bundle; when the pattern
is not found (another altair), the bundle is kept as it is (every chart drawn at once) and a
warning is logged; a unit test pins that the installed altair matches.
"""

from __future__ import annotations

import logging
from importlib import resources

log = logging.getLogger("pmkit.ui")

__all__ = ["MARKER", "PATCH", "patch_shown", "shown_js"]

#: Put at the start of a patched bundle (a bundle is never patched twice).
MARKER = "// pmkit: shown\n"

#: (altair's text, pmkit's text): the end of altair's ``render``, which must occur once.
PATCH: tuple[str, str] = (
    'model.on("change:spec",reembed);model.on("change:embed_options",reembed);'
    'model.on("change:debounce_wait",reembed);model.on("change:max_wait",reembed);'
    "await reembed();}",
    "const pmkitDraw=pmkitWhenShown(el,reembed,model);"
    'model.on("change:spec",pmkitDraw);model.on("change:embed_options",pmkitDraw);'
    'model.on("change:debounce_wait",pmkitDraw);model.on("change:max_wait",pmkitDraw);'
    "await pmkitDraw();}",
)


def shown_js() -> str:
    """The deferral's JavaScript (``pmkit/ui/shown.js``)."""
    return resources.files("pmkit.ui").joinpath("shown.js").read_text(encoding="utf-8")


def patch_shown(bundle: str) -> str:
    """``bundle`` drawing hidden charts when shown, or unchanged (logged) if altair's render
    is not as known."""
    if bundle.startswith(MARKER):
        return bundle
    old, new = PATCH
    if bundle.count(old) != 1:
        log.warning("chart bundle: altair's render not found; hidden charts are drawn at once")
        return bundle
    return MARKER + bundle.replace(old, new) + "\n" + shown_js()
