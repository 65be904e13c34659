"""A chart's data update applied in the page as a row diff (``rowdiff.js``), not as altair's
"remove every row, insert every row".

altair's chart module applies each dataset :class:`pmkit.ui._swap.SwapChart` sends as
``view.changeset().remove(() => true).insert(rows)``: every tuple leaves and enters again, so
Vega rebuilds every mark item (every SVG node) of the dataset. With the diff, the tuples of
rows still sent in the same order stay; only the others leave, and the rows after the last one
kept enter. Vega appends what enters, so these two edits are the ones that keep the order a
fresh embed of the same spec has, in the dataset and in everything drawn from it. A what-if
that moves the last 3 of the Gantt's 39 bars and 3 of its 123 link points re-draws those.

The patch edits the text of the offline bundle (``alt.JupyterChart._esm``) where altair's
module defines and calls ``setDataValue``; every chart of every page runs the patched module,
whether it comes from ``pmkit serve``'s static folder or inline (JupyterLab, plain Voila).
When a pattern is not found (another altair), the bundle is kept as it is (altair's own
behaviour) and a warning is logged; a unit test pins that the installed altair matches.
It also makes a chart's older views ignore updates: altair adds a listener per embed and never
removes it, so after a re-embed every update would also be applied to the views replaced.
"""

from __future__ import annotations

import logging
from importlib import resources

log = logging.getLogger("pmkit.ui")

__all__ = ["MARKER", "PATCHES", "patch_bundle"]

#: Put at the start of a patched bundle (a bundle is never patched twice).
MARKER = "// pmkit: rowdiff\n"

#: (altair's text, pmkit's text): each must occur exactly once in the bundle.
PATCHES: tuple[tuple[str, str], ...] = (
    (  # the update applied as a row diff when it can be (else altair's code below runs)
        "function setDataValue(view,name,scope,value){let dataset=dataRef(view,name,scope);",
        "function setDataValue(view,name,scope,value,model){let dataset=dataRef(view,name,scope);"
        "if(pmkitSetData(view,dataset,name,scope,value,model))return;",
    ),
    (  # the model gives the rows the view embedded (the first update's "before")
        "setDataValue(api.view,update.name,update.scope,update.value);",
        "setDataValue(api.view,update.name,update.scope,update.value,model);",
    ),
    (  # a replaced view no longer takes updates
        'model.on("change:_py_to_js_updates",async updates=>{',
        'model.on("change:_py_to_js_updates",async updates=>{if(finalize!==api.finalize)return;',
    ),
    (
        'model.on("change:_params",async new_params=>{',
        'model.on("change:_params",async new_params=>{if(finalize!==api.finalize)return;',
    ),
)


def rowdiff_js() -> str:
    """The diff's JavaScript (``pmkit/ui/rowdiff.js``)."""
    return resources.files("pmkit.ui").joinpath("rowdiff.js").read_text(encoding="utf-8")


def patch_bundle(bundle: str) -> str:
    """``bundle`` with the row diff, or unchanged (logged) if altair's text is not as known."""
    if bundle.startswith(MARKER):
        return bundle
    missing = [old for old, _new in PATCHES if bundle.count(old) != 1]
    if missing:
        log.warning(
            "chart bundle: altair's data update not found (%d of %d patterns); updates "
            "replace every row",
            len(missing),
            len(PATCHES),
        )
        return bundle
    for old, new in PATCHES:
        bundle = bundle.replace(old, new)
    return MARKER + bundle + "\n" + rowdiff_js()
