"""What every tab of the PMO review shares: constants, small formatters, the tab base class."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import altair as alt
import ipywidgets as W
import pandas as pd

from pmkit.cache import derived
from pmkit.ui._common import esc, guarded, live_chart

if TYPE_CHECKING:
    from pmkit.ui.portfolio_review.review import PortfolioReview

ALL = "(all)"
PM_PLANNING = "pm_planning.ipynb"
PM_TRACKING = "pm_tracking.ipynb"
DIM_TITLES = {"schedule": "Schedule", "cost": "Cost", "scope": "Scope", "risk": "Risk"}
MAX_TABLE_ROWS = 60  # a page, not a database dump: the filters narrow the rest
MAX_DOWNLOAD_BYTES = 400_000  # larger files are offered by path only (keeps the page light)


def _note(text: str) -> str:
    return f"<p class='pmkit-note'>{esc(text)}</p>"


def _num(fmt: str) -> Callable[[Any], str]:
    return lambda v: "" if pd.isna(v) else format(float(v), fmt)


def _html(text: str) -> W.HTML:
    return W.HTML(text)


class _Tab:
    """One tab: builds its widgets once, ``refresh()`` re-reads the review's filtered projects."""

    VIEW: tuple[str, ...] = ()  # the widgets (attribute names) a shared view restores

    def __init__(self, review: PortfolioReview) -> None:
        self.r = review
        self.message = W.HTML()
        self.charts: dict[str, Any] = {}
        self.widget: W.Widget = W.VBox()
        self.build()
        guarded(self.message)(self.present)()

    def view_key(self) -> str | None:
        """What the tab's picture depends on besides the data and the filters ("" when
        nothing); ``None`` when the tab is not in its resting state (e.g. a slip shown)."""
        return ""

    def present(self) -> None:
        """:meth:`refresh`; on the whole portfolio (no filter) and a tab at rest, what it shows
        (chart specs, texts, picker options) once per data version, shared between kernels
        (:meth:`shared`): the first kernel records its own refresh, later openings (this
        kernel or any other, e.g. a preheated one computed it before the request) only put
        it on the page. Filters, a status date or a slip: computed as before."""
        key = self.view_key() if self.VIEW else None
        if key is None or not self.r.unfiltered():
            self.refresh()
            return
        self.restore_view(self.shared(view_name(type(self), key), self.record_view))

    def record_view(self) -> dict[str, Any]:
        """Refresh (drawing on this tab) and return what it shows, as plain data."""
        self.refresh()
        return {
            "charts": {k: copy.deepcopy(dict(w.spec)) for k, w in self.charts.items()},
            "widgets": {a: _state(getattr(self, a)) for a in self.VIEW},
        }

    _restoring = False

    def restore_view(self, view: dict[str, Any]) -> None:
        """Put a recorded view on this tab's widgets (observers see ``_restoring``)."""
        self._restoring = True
        try:
            for attr, state in view["widgets"].items():
                _set_state(getattr(self, attr), state)
            for key, spec in view["charts"].items():
                self.chart(key, spec)
        finally:
            self._restoring = False

    def build(self) -> None:  # pragma: no cover - every tab overrides it
        raise NotImplementedError

    def refresh(self) -> None:  # pragma: no cover
        raise NotImplementedError

    def once(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per portfolio shown (filters then only select rows of it): a
        filter change on 1,000 projects re-filters, it does not recompute the whole portfolio.
        Forgotten when the review switches portfolio (another status date, a new load)."""
        state = (self.r.p, self.r.rollup_all)
        memo: dict[Any, Any] = self.__dict__.setdefault("_memo", {})
        held = self.__dict__.get("_memo_for")
        if held is None or held[0] is not state[0] or held[1] is not state[1]:
            memo.clear()
            self._memo_for = state
        if key not in memo:
            memo[key] = compute()
        return memo[key]

    def shared(self, name: str, compute: Callable[[], Any]) -> Any:
        """:meth:`once`, and across kernels: on the portfolio the review opened with, the
        table is computed once per data version and shared through :func:`pmkit.cache.derived`
        (the preheated kernel fills it before the request: :func:`pmkit.cache.review_tables`)."""
        return self.once(name, lambda: derived(self.r.p, name, compute))

    def chart(self, key: str, chart: Any) -> Any:
        """Show ``chart`` (an altair chart, or a Vega-Lite dict such as :func:`loading`) in the
        live chart ``key``, updating it in place after the first time.

        The review's charts are drawn from their Vega-Lite dict, not validated again against
        the schema on every filter (their shapes are validated by tests: the jsonschema pass
        was most of a tab's opening on 1,000 projects); the same spec is not sent again. A
        chart with parameters or selections goes through altair (it wires them up)."""
        spec = chart if isinstance(chart, dict) else chart.to_dict(validate=False)
        if _has_params(spec):
            if key in self.charts:
                self.charts[key].chart = chart
            else:
                self.charts[key] = live_chart(chart)
            return self.charts[key]
        if key not in self.charts:
            self.charts[key] = live_chart(_PLACEHOLDER)
        if self.charts[key].spec != spec:
            self.charts[key].spec = spec
        return self.charts[key]


def view_name(cls: type, key: str) -> str:
    """The shared name of a tab's whole-portfolio view (per tab, state key and day)."""
    return f"view_{cls.__name__}_{key}_{date.today():%Y%m%d}"


def _state(w: W.Widget) -> dict[str, Any]:
    """A widget's shown state as plain data: a picker's options and value, else its value."""
    if isinstance(w, W.widgets.widget_selection._Selection):
        return {"options": tuple(w.options), "value": w.value}
    return {"value": w.value}


def _set_state(w: W.Widget, state: dict[str, Any]) -> None:
    if "options" in state and tuple(w.options) != state["options"]:
        w.options = state["options"]
    if w.value != state["value"]:
        w.value = state["value"]


def loading() -> dict[str, Any]:
    """The "Loading…" chart a tab shows until its first drawing, as a dict built once per
    process (the drawing replaces it in the same step: building it per tab cost ~10 ms)."""
    return copy.deepcopy(_loading_spec())


@lru_cache(maxsize=1)
def _loading_spec() -> dict[str, Any]:
    from pmkit.charts.portfolio import empty_chart  # lazy: ~4 ms of the kernel's start

    spec: dict[str, Any] = empty_chart("Loading…").to_dict(validate=False)
    return spec


_PLACEHOLDER = alt.Chart().mark_point()  # a new chart widget's first spec, replaced at once


def _has_params(spec: Any) -> bool:
    """Does a Vega-Lite dict declare parameters (variables or selections) anywhere?"""
    if isinstance(spec, dict):
        return "params" in spec or any(_has_params(v) for k, v in spec.items() if k != "datasets")
    if isinstance(spec, list):
        return any(_has_params(v) for v in spec)
    return False
