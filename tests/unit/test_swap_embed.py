"""Data travels alone only to a page that has embedded the chart's current spec.

altair's JS applies ``_py_to_js_updates`` to the view it embedded last; an update sent before the
page embedded (a preheated kernel, a tab not drawn yet) or while it re-embeds a new spec is lost.
The page says it has embedded by setting ``local_tz`` at the end of each embed; here the test
plays that page by hand.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from pmkit.ui._swap import SwapChart


def _bars(df: pd.DataFrame, title: str = "t") -> alt.Chart:
    return alt.Chart(df).mark_bar().encode(x="x:Q", y="g:N").properties(title=title)


def _messages(view: SwapChart) -> list[dict[str, Any]]:
    """Every state message the kernel sends to the page for this widget."""
    out: list[dict[str, Any]] = []
    real = view.widget._send

    def keep(msg: dict[str, Any], buffers: Any = None) -> None:
        out.append(msg)
        real(msg, buffers)

    view.widget._send = keep  # type: ignore[method-assign]
    return out


def test_no_data_swap_before_the_page_has_embedded_the_chart() -> None:
    a = pd.DataFrame({"g": ["a", "b"], "x": [1.0, 2.0]})
    b = pd.DataFrame({"g": ["c", "d"], "x": [3.0, 4.0]})
    view = SwapChart(_bars(a))
    assert not view.embedded
    assert view.show(_bars(b)) == "spec"  # no view yet: the whole spec, the page embeds it
    assert view.widget.spec["datasets"] and view.spec == _bars(b).to_dict()
    view.widget.local_tz = "Europe/Madrid"  # what the page sets once it has embedded
    assert view.embedded
    assert view.show(_bars(a)) == "data"


def test_a_whole_spec_waits_for_the_page_to_embed_it_again() -> None:
    a = pd.DataFrame({"g": ["a", "b"], "x": [1.0, 2.0]})
    b = pd.DataFrame({"g": ["c", "d"], "x": [3.0, 4.0]})
    view = SwapChart(_bars(a))
    view.widget.local_tz = "UTC"
    sent = _messages(view)
    assert view.show(_bars(a, title="other")) == "spec"  # a new shape: embedded again
    states = [m["state"] for m in sent if m.get("method") == "update"]
    assert any("spec" in s for s in states)
    # the page is told to forget it has embedded (it sets local_tz again after the new embed)
    assert any(s.get("local_tz", "x") is None for s in states)
    assert not view.embedded
    assert view.show(_bars(b, title="other")) == "spec"  # still re-embedding: whole again
    view.widget.local_tz = "UTC"
    assert view.show(_bars(a, title="other")) == "data"


def test_the_same_spec_again_keeps_the_page_embedded() -> None:
    a = pd.DataFrame({"g": ["a"], "x": [1.0]})
    view = SwapChart(_bars(a))
    view.widget.local_tz = "UTC"
    view.show_parts(
        {"datasets": dict(view.spec["datasets"])}, lambda: _bars(a), in_place=False
    )  # nothing changes: the page does not re-embed, so it must stay "embedded"
    assert view.embedded
