"""Charts redrawn by swapping data in place show what a full redraw shows.

The fast path (:class:`pmkit.ui._swap.SwapChart`) sends only datasets, parameter values and
sizes; these tests compare what the page is left showing with the spec the slow path (a
chart built and serialised from scratch) would have sent.
"""

from __future__ import annotations

import json
from typing import Any

import altair as alt
import pandas as pd
import pytest
from _fake_page import fake_page  # noqa: F401  (a page that embeds each chart)

from pmkit.ui._swap import SwapChart, spec_shape

pytestmark = pytest.mark.usefixtures("fake_page")


def _bars(df: pd.DataFrame, title: str = "t") -> alt.LayerChart:
    base = alt.Chart(df)
    return alt.layer(
        base.mark_bar().encode(x="x:Q", y="g:N"), base.mark_tick().encode(x="x:Q", y="g:N")
    ).properties(title=title, height=20 * len(df))


def _same_picture(shown: dict[str, Any], built: dict[str, Any]) -> bool:
    """Equal up to the datasets' names (a content hash that the page keeps from its embed)."""
    s_shape, s_names = spec_shape(shown)
    b_shape, b_names = spec_shape(built)
    rows = [
        shown["datasets"][a] == built["datasets"][b] for a, b in zip(s_names, b_names, strict=False)
    ]
    return s_shape == b_shape and all(rows) and shown.get("height") == built.get("height")


def _sent(view: SwapChart) -> list[Any]:
    out: list[Any] = []
    view.widget.observe(lambda ch: out.append(ch["new"]), names="_py_to_js_updates")
    return out


def test_new_rows_of_the_same_chart_travel_as_data() -> None:
    a = pd.DataFrame({"g": ["a", "b"], "x": [1.0, 2.0]})
    b = pd.DataFrame({"g": ["c", "d", "e"], "x": [3.0, 4.0, 5.0]})
    view = SwapChart(_bars(a))
    sent = _sent(view)
    assert view.show(_bars(b)) == "data"
    assert _same_picture(view.spec, _bars(b).to_dict())
    (msg,) = sent
    kinds = {(u["namespace"], u["name"]) for u in msg}
    assert ("signal", "height") in kinds  # 3 rows: 60 px
    data = [u["value"] for u in msg if u["namespace"] == "data"]
    assert data == [json.loads(b.to_json(orient="records"))]
    # the same rows again: nothing changes on the page, nothing is sent
    assert view.show(_bars(b)) == "data" and len(sent) == 1
    # back to the first rows: sent again (the message differs from the last one)
    view.show(_bars(a))
    assert len(sent) == 2 and _same_picture(view.spec, _bars(a).to_dict())


def test_a_different_chart_is_embedded_again() -> None:
    a = pd.DataFrame({"g": ["a"], "x": [1.0]})
    view = SwapChart(_bars(a))
    sent = _sent(view)
    assert view.show(_bars(a, title="another title")) == "spec"
    assert not sent
    assert view.widget.spec == _bars(a, title="another title").to_dict()


@pytest.mark.parametrize("clicks", [3])
def test_lessons_reuse_two_chart_widgets(clicks: int) -> None:
    from pmkit.cache import load_sample
    from pmkit.ui.lessons import LessonsApp, lens_spec

    app = LessonsApp(load_sample(), lang="en")
    made: list[Any] = []
    real = alt.JupyterChart.__init__

    def count(self: Any, *a: Any, **k: Any) -> None:
        made.append(self)
        real(self, *a, **k)

    alt.JupyterChart.__init__ = count  # type: ignore[method-assign]
    try:
        lessons = [v for _, v in app.lesson.options]
        for i in range(clicks):
            app.lesson.value = lessons[(i + 1) % len(lessons)]
            demo = app.demo(app.content.lesson(int(app.lesson.value)).demo, app.project.value)
            for panel, lens in ((app.pm, demo.pm), (app.pmo, demo.pmo)):
                chart = lens_spec(lens, app.tr)  # what the page gets (its picture: tested)
                if chart is None:
                    assert panel.chart_box.children == ()
                    continue
                assert panel.chart_box.children == (panel.chart,)
                assert panel.chart is not None
                assert panel.chart.spec == chart  # the new lesson's chart is shown
    finally:
        alt.JupyterChart.__init__ = real  # type: ignore[method-assign]
    # at most one spare per panel, made once: never a new ~900 KB widget per click
    assert len(made) <= 2
