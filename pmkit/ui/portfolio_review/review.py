"""The review's state: the portfolio, the filters, and the tabs built so far (lazily)."""

from __future__ import annotations

import importlib
import logging
from typing import Any

import ipywidgets as W
import pandas as pd

from pmkit import cache
from pmkit.cache import derived_if_shared, load_sample, schedule_portfolio
from pmkit.format import fmt_date
from pmkit.model import Portfolio
from pmkit.portfolio.rollup import filter_rollup, rollup
from pmkit.standards import standards_of
from pmkit.ui import portfolio_views as views
from pmkit.ui._common import (
    _close_tree,
    before_request,
    compute_ahead,
    error_html,
    esc,
    guarded,
    header,
    safe_build,
)
from pmkit.ui.empty import empty_page, is_empty
from pmkit.ui.portfolio_review._base import ALL, DIM_TITLES, _note, _Tab, view_name
from pmkit.ui.status_date import StatusDatePicker

log = logging.getLogger("pmkit.ui.portfolio_review")

TABS: tuple[str, ...] = (
    "Overview",
    "Capacity",
    "Dependencies",
    "Risks",
    "Governance",
    "Trends",
    "Change board",
    "Export",
    "Prioritise",
)

# tab -> (module, class): a tab's module is imported the first time the tab is opened
_TAB_CLASSES: dict[str, tuple[str, str]] = {
    "Overview": ("pmkit.ui.portfolio_review.overview", "OverviewTab"),
    "Capacity": ("pmkit.ui.portfolio_review.capacity", "CapacityTab"),
    "Dependencies": ("pmkit.ui.portfolio_review.dependencies", "DependenciesTab"),
    "Risks": ("pmkit.ui.portfolio_review.risks", "RisksTab"),
    "Governance": ("pmkit.ui.portfolio_review.governance", "GovernanceTab"),
    "Trends": ("pmkit.ui.portfolio_review.trends", "TrendsTab"),
    "Change board": ("pmkit.ui.portfolio_review.change_board", "ChangeBoardTab"),
    "Export": ("pmkit.ui.portfolio_review.export", "ExportTab"),
    "Prioritise": ("pmkit.ui.prioritise", "PrioritiseTab"),
}


# the tabs whose whole-portfolio view a preheated kernel computes before the request
AHEAD = ("Capacity", "Dependencies", "Risks", "Governance", "Trends")


def tab_class(name: str) -> type[_Tab]:
    """The class of tab ``name``, importing its module now (not when the page loads)."""
    module, cls = _TAB_CLASSES[name]
    return getattr(importlib.import_module(module), cls)


def app(portfolio: Portfolio | None = None) -> W.Widget:
    """The PMO portfolio review on ``portfolio`` (default: the sample, or ``$PMKIT_DATA``)."""

    def build() -> W.Widget:
        pf = load_sample() if portfolio is None else portfolio
        if is_empty(pf):  # nothing to review yet: say how to fill it
            return empty_page()
        return PortfolioReview(pf).widget

    # the whole-portfolio tables of the tabs too, computed before the request ("review")
    return safe_build(build, warm=("portfolio", "schedule", "rollup", "review"))


class PortfolioReview:
    """State of one open dashboard: the portfolio, the filters, and the tabs built so far."""

    def __init__(self, portfolio: Portfolio) -> None:
        self.p = portfolio
        self.std = standards_of(portfolio)
        self.currency = self.std.currency
        self.labels = views.project_label(portfolio.projects)  # short: chart axes, legends
        self.names = views.project_label(portfolio.projects, max_chars=None)  # tables, pickers
        self._schedule: Any = None
        self._schedule_error: str | None = None
        self.rollup_all = self._rollup()
        self.rollup = self.rollup_all
        self.ids: list[str] = self.rollup_all["project_id"].astype(str).tolist()

        self.status = W.HTML()
        self.as_of = StatusDatePicker(portfolio, self.set_portfolio)
        self.filters = self._filter_widgets()
        self.tabs: dict[str, _Tab] = {}
        self.tab = W.Tab(children=[W.VBox([W.HTML(_note("Loading…"))]) for _ in TABS])
        for i, name in enumerate(TABS):
            self.tab.set_title(i, name)
        self._stale: set[str] = set()
        self.tab.observe(self._on_tab, names="selected_index")
        self._open("Overview")
        sd = self.p.status_date
        title = (
            f"Portfolio review (PMO) · {len(self.rollup_all)} projects · status date "
            f"{fmt_date(sd, missing='not set')}"
        )
        subtitle = (
            f"Money in {self.currency} · PMO type {self.std.pmo_type} · wd = working days. "
            "Filters apply to every tab except Capacity (capacity is shared)."
        )
        self.widget = W.VBox(
            [
                header(title, subtitle),
                self.as_of.widget,
                self.filters,
                self.status,
                self.tab,
            ],
            layout=W.Layout(width="100%"),
        )
        self.widget.add_class("pmkit-portfolio-review")
        self._update_status()
        if before_request():
            self.precompute()

    def precompute(self) -> None:
        """A preheated kernel, before the request: the whole-portfolio view of the tabs in
        :data:`AHEAD` that no kernel has shared yet for this data version (each tab built
        off the page, its view shared, its widgets closed), so a tab's first opening only
        puts it on the page. Never raises: a tab that fails is computed when opened."""

        def one(name: str) -> None:
            cls = tab_class(name)
            key = self.std.pmo_type if name == "Governance" else ""
            if derived_if_shared(self.p, view_name(cls, key)) is None:
                _close_tree(cls(self).widget)

        compute_ahead(list(AHEAD), one, at_most=len(AHEAD), what="PMO review tab")

    # ------------------------------------------------------------ data

    def set_portfolio(self, portfolio: Portfolio) -> None:
        """Review ``portfolio`` instead (e.g. as it stood on an earlier status date)."""
        self.p = portfolio
        self.std = standards_of(portfolio)
        self._schedule, self._schedule_error = None, None
        self.rollup_all = self._rollup()
        self._stale = set(self.tabs)
        self.apply_filters()

    def schedule(self) -> Any:
        """The portfolio schedule (computed once; ``None`` with a note if it cannot be)."""
        if self._schedule is None and self._schedule_error is None:
            try:
                self._schedule = schedule_portfolio(self.p)
            except Exception as exc:  # shown as a note; the rest of the page still works
                log.exception("scheduling the portfolio failed")
                self._schedule_error = f"the portfolio could not be scheduled: {exc}"
        return self._schedule

    def _rollup(self) -> pd.DataFrame:
        if self.schedule() is not None:
            return cache.rollup(self.p)
        return rollup(self.p, schedule=None)

    # ------------------------------------------------------------ filters

    def _filter_widgets(self) -> W.Widget:
        projects = self.p.projects
        self.f: dict[str, W.Dropdown] = {}
        for col, label in (
            ("programme", "Programme"),
            ("sponsor", "Sponsor"),
            ("department", "Department"),
            ("phase", "Phase"),
            ("manager", "Manager"),
        ):
            options = [ALL, *views.filter_options(projects, col)]
            self.f[col] = W.Dropdown(
                options=options,
                value=ALL,
                description=label,
                layout=W.Layout(width="250px"),
                style={"description_width": "80px"},
            )
        self.f["rag"] = W.Dropdown(
            options=[(ALL, ALL), ("Red", "red"), ("Amber", "amber"), ("Green", "green"),
                     ("n/a (no data)", "grey")],
            value=ALL,
            description="Status",
            layout=W.Layout(width="200px"),
            style={"description_width": "50px"},
        )  # fmt: skip
        self.f["rag_dimension"] = W.Dropdown(
            options=[("overall", "overall"), *[(v.lower(), k) for k, v in DIM_TITLES.items()]],
            value="overall",
            description="in",
            layout=W.Layout(width="150px"),
            style={"description_width": "20px"},
        )
        reset = W.Button(description="Clear filters", icon="", layout=W.Layout(width="110px"))
        reset.on_click(lambda _b: self.clear_filters())
        for w in self.f.values():
            w.observe(self._on_filter, names="value")
        row1 = W.HBox([self.f[c] for c in ("programme", "sponsor", "department")])
        row2 = W.HBox([self.f[c] for c in ("phase", "manager", "rag", "rag_dimension")] + [reset])
        return W.VBox([row1, row2])

    def clear_filters(self) -> None:
        """Back to the whole portfolio (one refresh, not one per widget)."""
        self._quiet = True
        try:
            for key, w in self.f.items():
                w.value = "overall" if key == "rag_dimension" else ALL
        finally:
            self._quiet = False
        self.apply_filters()

    _quiet = False

    def _on_filter(self, _change: Any) -> None:
        if not self._quiet:
            self.apply_filters()

    def filter_values(self) -> dict[str, Any]:
        """The filters as keyword arguments of :func:`pmkit.portfolio.rollup.filter_rollup`."""
        kw: dict[str, Any] = {}
        for key, w in self.f.items():
            if key == "rag_dimension":
                continue
            kw[key] = None if w.value == ALL else w.value
        kw["rag_dimension"] = self.f["rag_dimension"].value
        return kw

    def unfiltered(self) -> bool:
        """Does the review show the whole portfolio (no filter set)?"""
        return len(self.ids) == len(self.rollup_all) and not any(
            v for k, v in self.filter_values().items() if k != "rag_dimension"
        )

    def apply_filters(self) -> None:
        """Filter the roll-up, refresh the open tab now and the others when they are opened."""
        try:
            self.rollup = filter_rollup(self.rollup_all, **self.filter_values())
            self.ids = self.rollup["project_id"].astype(str).tolist()
        except Exception as exc:  # a filter must never break the page
            log.exception("filtering failed")
            self.status.value = error_html(exc)
            return
        self._update_status()
        current = TABS[self.tab.selected_index or 0]
        self._stale = set(self.tabs) - {current}
        if current in self.tabs:
            self._refresh(current)

    def _update_status(self) -> None:
        n, total = len(self.rollup), len(self.rollup_all)
        active = [
            f"{k}: {v}" for k, v in self.filter_values().items() if v and k != "rag_dimension"
        ]
        if self.f["rag"].value != ALL:
            active[-1] = f"{self.f['rag_dimension'].value} status: {self.f['rag'].value}"
        text = f"Showing {n} of {total} projects" + (
            " — filtered by " + ", ".join(active) if active else " (no filter)"
        )
        extra = ""
        if self._schedule_error:
            extra = _note(
                f"Float and forecast finishes use the status reports: {self._schedule_error}."
            )
        self.status.value = f"<p class='pmkit-filter-status'><b>{esc(text)}</b></p>{extra}"

    # ------------------------------------------------------------ tabs

    def _on_tab(self, change: Any) -> None:
        name = TABS[change["new"] or 0]
        if name not in self.tabs:
            self._open(name)
        elif name in self._stale:
            self._stale.discard(name)
            self._refresh(name)

    def _open(self, name: str) -> None:
        """Build a tab the first time it is shown (first paint builds only the Overview)."""
        box = self.tab.children[TABS.index(name)]
        factory = tab_class(name)
        try:
            tab = factory(self)
        except Exception as exc:  # this tab shows the problem; the others still work
            log.exception("building tab %s failed", name)
            box.children = (W.HTML(error_html(exc)),)
            return
        self.tabs[name] = tab
        box.children = (tab.widget,)

    def open_tab(self, name: str) -> _Tab:
        """Select a tab (building it if needed) and return it (used by tests and scripts)."""
        self.tab.selected_index = TABS.index(name)
        if name not in self.tabs:
            self._open(name)
        return self.tabs[name]

    def _refresh(self, name: str) -> None:
        tab = self.tabs[name]
        guarded(tab.message)(getattr(tab, "present", tab.refresh))()

    def label(self, pid: str) -> str:
        """``P03 · full name`` (tables, dropdowns: never cut; charts use ``labels``)."""
        return str(self.names.get(pid, pid))
