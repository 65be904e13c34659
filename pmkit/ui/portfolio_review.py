"""The PMO portfolio review dashboard (issue #5): one page, eight tabs, built lazily.

Overview (roll-up with RAG and the rule behind each colour, filters, drill-down links to the PM
dashboards), Capacity (role x month demand vs capacity, what-if), Dependencies (cross-project
network, slip propagation), Risks (threats and opportunities apart), Governance (stage gates under
a PMO type), Trends (SPI/CPI, milestone trend analysis, forecast accuracy), Change board (record
decisions to the audit trail) and Export (status pack and Excel roll-up as downloads).

Engines compute, :mod:`pmkit.ui.portfolio_views` shapes and caps, :mod:`pmkit.charts.portfolio`
draws; this module only wires widgets. Each tab is built the first time it is opened and refreshed
in place when the filters change, so the first paint costs one roll-up and one chart.
"""

from __future__ import annotations

import base64
import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import ipywidgets as W
import pandas as pd

from pmkit.charts import portfolio as charts
from pmkit.format import fmt_date, fmt_money
from pmkit.model import Portfolio
from pmkit.ui import portfolio_views as views
from pmkit.ui._common import (
    badge,
    error_html,
    esc,
    guarded,
    header,
    html_table,
    live_chart,
    safe_build,
)
from pmkit.ui.prioritise import PrioritiseTab
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
ALL = "(all)"
PM_PLANNING = "pm_planning.ipynb"
PM_TRACKING = "pm_tracking.ipynb"
DIM_TITLES = {"schedule": "Schedule", "cost": "Cost", "scope": "Scope", "risk": "Risk"}
MAX_TABLE_ROWS = 60  # a page, not a database dump: the filters narrow the rest
MAX_DOWNLOAD_BYTES = 400_000  # larger files are offered by path only (keeps the page light)

__all__ = ["TABS", "PortfolioReview", "app"]


def app(portfolio: Portfolio | None = None) -> W.Widget:
    """The PMO portfolio review on ``portfolio`` (default: the sample, or ``$PMKIT_DATA``)."""

    def build() -> W.Widget:
        if portfolio is None:
            from pmkit.cache import load_sample

            return PortfolioReview(load_sample()).widget
        return PortfolioReview(portfolio).widget

    return safe_build(build, warm=("portfolio", "schedule", "rollup"))


def _note(text: str) -> str:
    return f"<p class='pmkit-note'>{esc(text)}</p>"


_money = fmt_money


def _num(fmt: str) -> Callable[[Any], str]:
    return lambda v: "" if pd.isna(v) else format(float(v), fmt)


_date = fmt_date


def _drill_links(project_id: str) -> str:
    """Relative links: the page lives at /voila/render/<this>.ipynb, so siblings resolve."""
    q = quote(str(project_id), safe="")
    return (
        f'<a class="pmkit-drill" href="{PM_PLANNING}?project={q}" target="_blank" '
        f'rel="noopener">Plan</a> · <a class="pmkit-drill" href="{PM_TRACKING}?project={q}" '
        f'target="_blank" rel="noopener">Track</a>'
    )


class PortfolioReview:
    """State of one open dashboard: the portfolio, the filters, and the tabs built so far."""

    def __init__(self, portfolio: Portfolio) -> None:
        from pmkit.portfolio.standards import standards_of

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
            f"{sd.strftime('%d %b %Y') if sd is not None else 'not set'}"
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

    # ------------------------------------------------------------ data

    def set_portfolio(self, portfolio: Portfolio) -> None:
        """Review ``portfolio`` instead (e.g. as it stood on an earlier status date)."""
        from pmkit.portfolio.standards import standards_of

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
                from pmkit.cache import schedule_portfolio  # shared, once per data change

                self._schedule = schedule_portfolio(self.p)
            except ImportError:
                self._schedule_error = "the portfolio scheduler is not available"
            except Exception as exc:  # shown as a note; the rest of the page still works
                log.exception("scheduling the portfolio failed")
                self._schedule_error = f"the portfolio could not be scheduled: {exc}"
        return self._schedule

    def _rollup(self) -> pd.DataFrame:
        from pmkit import cache
        from pmkit.portfolio.rollup import rollup

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

    def apply_filters(self) -> None:
        """Filter the roll-up, refresh the open tab now and the others when they are opened."""
        try:
            from pmkit.portfolio.rollup import filter_rollup

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
        factory = _TAB_CLASSES[name]
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
        guarded(tab.message)(tab.refresh)()

    def label(self, pid: str) -> str:
        """``P03 · full name`` (tables, dropdowns: never cut; charts use ``labels``)."""
        return str(self.names.get(pid, pid))


class _Tab:
    """One tab: builds its widgets once, ``refresh()`` re-reads the review's filtered projects."""

    def __init__(self, review: PortfolioReview) -> None:
        self.r = review
        self.message = W.HTML()
        self.charts: dict[str, Any] = {}
        self.widget: W.Widget = W.VBox()
        self.build()
        guarded(self.message)(self.refresh)()

    def build(self) -> None:  # pragma: no cover - every tab overrides it
        raise NotImplementedError

    def refresh(self) -> None:  # pragma: no cover
        raise NotImplementedError

    def chart(self, key: str, chart: Any) -> Any:
        """Show ``chart`` in the live chart ``key``, updating it in place after the first time."""
        if key in self.charts:
            self.charts[key].chart = chart
        else:
            self.charts[key] = live_chart(chart)
        return self.charts[key]


# ================================================================ Overview


class OverviewTab(_Tab):
    def build(self) -> None:
        self.table = W.HTML()
        self.summary = W.HTML()
        self.why_pick = W.Dropdown(description="Why?", layout=W.Layout(width="420px"))
        self.why = W.HTML()
        self.why_pick.observe(lambda _c: guarded(self.why)(self.explain)(), names="value")
        self.chart("rag", charts.empty_chart("Loading…"))
        self.widget = W.VBox(
            [
                self.message,
                self.summary,
                self.charts["rag"],
                W.HTML(
                    "<h4>Roll-up</h4>"
                    + _note(
                        "Hover a status chip to read the rule that set it, or pick a project "
                        "below. Plan / Track open the project's PM dashboards in a new tab."
                    )
                ),
                self.table,
                W.HTML("<h4>Why this status?</h4>"),
                self.why_pick,
                self.why,
            ]
        )

    def refresh(self) -> None:
        df = self.r.rollup
        self.chart("rag", charts.rag_summary(views.rag_counts(df)))
        self.table.value = self.table_html(df)
        reds = int((df["rag_overall"] == "red").sum()) if len(df) else 0
        ambers = int((df["rag_overall"] == "amber").sum()) if len(df) else 0
        self.summary.value = (
            f"<p>{badge('red', f'{reds} red')} {badge('amber', f'{ambers} amber')} "
            f"{badge('green', f'{len(df) - reds - ambers} green or n/a')} overall, of "
            f"{len(df)} projects shown.</p>"
        )
        options = [(self.r.label(pid), pid) for pid in df["project_id"].astype(str)]
        old = self.why_pick.value
        self.why_pick.options = options
        if options:
            self.why_pick.value = old if old in dict(options).values() else options[0][1]
        self.explain()

    def table_html(self, df: pd.DataFrame) -> str:
        """The roll-up as an escaped HTML table; status chips carry their rule as a tooltip."""
        if df.empty:
            return _note("No project matches the filters. Clear a filter to see more.")
        df = views.worst_first(df)
        slip = views.first_col(df, "finish_slip_days", "slip_days")
        cur = self.r.currency
        t = pd.DataFrame(
            {
                "Project": df["project_id"].astype(str),
                "Name": df["name"].astype(str),
            }
        )
        for dim, title in DIM_TITLES.items():
            t[title] = [
                badge(s, title=rule)
                for s, rule in zip(df[f"rag_{dim}"], df[f"{dim}_rule"], strict=True)
            ]
        t["Open in"] = [_drill_links(pid) for pid in df["project_id"].astype(str)]
        extra = {
            "Programme": df["programme"],
            "Manager": df["manager"],
            "Phase": df["phase"],
            "% done": df["percent_complete"],
            "SPI": df["spi"],
            "SPI(t)": df["spi_t"] if "spi_t" in df else float("nan"),
            "SV(t) (wd)": df["sv_t_wd"] if "sv_t_wd" in df else float("nan"),
            "CPI": df["cpi"],
            "Baseline finish": df["baseline_finish"],
            "Forecast finish": df["forecast_finish"],
            "Slip (wd)": df[slip] if slip else float("nan"),
            "CP float (wd)": df["float_days"],
            f"BAC ({cur})": df["bac"],
            f"EAC ({cur})": df["eac"],
            "Open risks": df["open_risks"],
            "Open changes": df["open_changes"],
        }
        for key, col in extra.items():
            t[key] = col.to_numpy() if hasattr(col, "to_numpy") else col
        table = html_table(
            t,
            formats={
                "% done": _num(".0f"),
                "SPI": _num(".2f"),
                "SPI(t)": _num(".2f"),
                "SV(t) (wd)": _num("+.1f"),
                "CPI": _num(".2f"),
                "Baseline finish": _date,
                "Forecast finish": _date,
                "Slip (wd)": _num("+.0f"),
                "CP float (wd)": _num(".0f"),
                f"BAC ({cur})": _money,
                f"EAC ({cur})": _money,
            },
            raw_html_columns=[*DIM_TITLES.values(), "Open in"],
            table_id="pmo-rollup",
            max_rows=MAX_TABLE_ROWS,
        )
        if len(df) > MAX_TABLE_ROWS:
            table += _note("Worst status first; use the filters to see the others.")
        return f"<div class='pmkit-scroll' style='overflow-x:auto;max-width:100%'>{table}</div>"

    def explain(self) -> None:
        """Every dimension's status of the picked project with its rule, as sentences."""
        pid = self.why_pick.value
        df = self.r.rollup
        if pid is None or df.empty:
            self.why.value = ""
            return
        row = df[df["project_id"].astype(str) == pid]
        if row.empty:
            self.why.value = ""
            return
        rec = row.iloc[0]
        items = "".join(
            f"<li>{esc(title)}: {badge(rec[f'rag_{dim}'], title=rec[f'{dim}_rule'])} "
            f"{esc(rec[f'{dim}_rule'])}</li>"
            for dim, title in DIM_TITLES.items()
        )
        self.why.value = (
            f"<div class='pmkit-why'><b>{esc(self.r.label(pid))}</b><ul>{items}</ul>"
            f"{_note('Overall: ' + str(rec['overall_rule']))}</div>"
        )


# ================================================================ Capacity


class CapacityTab(_Tab):
    def build(self) -> None:
        ids = self.r.rollup_all["project_id"].astype(str).tolist()
        self.progress = W.IntProgress(value=0, min=0, max=3, description="Computing")
        self.what_project = W.Dropdown(
            options=[(self.r.label(pid), pid) for pid in ids],
            description="Project",
            layout=W.Layout(width="420px"),
        )
        self.shift = W.IntSlider(
            value=0, min=-60, max=120, step=5, description="Shift start (wd)",
            style={"description_width": "110px"}, layout=W.Layout(width="420px"),
        )  # fmt: skip
        self.priority = W.BoundedIntText(
            value=1, min=1, max=max(1000, len(ids)), description="Priority",
            layout=W.Layout(width="180px"),
        )  # fmt: skip
        self.what_project.observe(lambda _c: self._sync_priority(), names="value")
        self.apply_btn = W.Button(description="Apply what-if", button_style="primary")
        self.reset_btn = W.Button(description="Reset")
        self.apply_btn.on_click(lambda _b: guarded(self.message)(self.apply_what_if)())
        self.reset_btn.on_click(lambda _b: guarded(self.message)(self.reset)())
        self.shifts: dict[str, int] = {}
        self.priorities: dict[str, int] = {}
        self.headline = W.HTML()
        self.over = W.HTML()
        self.chart("heat", charts.empty_chart("Computing demand and capacity…"))
        self._sync_priority()
        self.widget = W.VBox(
            [
                self.message,
                _html(
                    _note(
                        "Capacity is shared: every project's demand counts, whatever the "
                        "filters. Colour = demand ÷ capacity; above 100 % is over-allocated."
                    )
                ),
                self.progress,
                W.HTML("<h4>What-if</h4>"),
                W.HBox([self.what_project, self.priority]),
                W.HBox([self.shift, self.apply_btn, self.reset_btn]),
                self.headline,
                self.charts["heat"],
                W.HTML("<h4>Over-allocated resources and the projects competing for them</h4>"),
                self.over,
            ]
        )

    def _sync_priority(self) -> None:
        pid = self.what_project.value
        if pid is None:
            return
        row = self.r.p.projects[self.r.p.projects["project_id"] == pid]
        if not row.empty:
            self.priority.value = int(self.priorities.get(pid, row.iloc[0]["priority"]))

    def compute(self, shifts: dict[str, int], priorities: dict[str, int]) -> _CapacityPicture:
        """The capacity picture for one what-if (the engines do the work; a bar shows progress)."""
        from pmkit.portfolio import capacity

        self.progress.layout.display = "flex"
        self.progress.value = 1
        sched = self.r.schedule()
        self.progress.value = 2
        kw: dict[str, Any] = {"shifts": shifts or None, "priorities": priorities or None}
        kw.update(self.window())
        model = capacity.capacity_model(self.r.p, sched, **kw)  # computed once, read thrice
        cells = views.capacity_cells(capacity.capacity_by_role_month(self.r.p, model=model))
        over = views.overallocation_summary(capacity.overallocated_resources(self.r.p, model=model))
        short = capacity.project_shortfall(self.r.p, model=model)
        self.progress.value = 3
        self.progress.layout.display = "none"
        return _CapacityPicture(cells, over, short)

    def window(self) -> dict[str, pd.Timestamp]:
        """Months shown: a quarter back from the status date to a year ahead (the decisions'
        horizon; also keeps the heat map small whatever the portfolio's age)."""
        sd = self.r.p.status_date or pd.Timestamp.today().normalize()
        return {"start": sd - pd.DateOffset(months=3), "end": sd + pd.DateOffset(months=12)}

    def refresh(self) -> None:
        if not hasattr(self, "base"):
            self.base = self.compute({}, {})
        self.show(self.base, None)

    def apply_what_if(self) -> None:
        pid = str(self.what_project.value)
        self.shifts = {pid: int(self.shift.value)} if self.shift.value else {}
        base_priority = int(self.r.p.projects.set_index("project_id").loc[pid, "priority"])
        new_priority = int(self.priority.value)
        self.priorities = {pid: new_priority} if new_priority != base_priority else {}
        self.show(self.compute(self.shifts, self.priorities), pid)

    def reset(self) -> None:
        self.shifts, self.priorities = {}, {}
        self.shift.value = 0
        self._sync_priority()
        self.show(self.base, None)

    def show(self, pic: _CapacityPicture, pid: str | None) -> None:
        base = views.overloaded_cells(self.base.cells)
        now = views.overloaded_cells(pic.cells)
        if pid is None:
            title = "Demand vs capacity by role and month, % (as planned)"
            self.headline.value = (
                f"<p class='pmkit-capacity-headline'><b>{base}</b> over-allocated role-months "
                f"and <b>{len(pic.over)}</b> over-allocated people as planned.</p>"
            )
        else:
            what = []
            if self.shifts:
                what.append(f"start shifted {self.shifts[pid]:+d} working days")
            if self.priorities:
                what.append(f"priority {self.priorities[pid]}")
            desc = ", ".join(what) or "no change"
            title = f"What-if: {pid} {desc} (load %)"
            unmet = _unmet(pic.short, pid), _unmet(self.base.short, pid)
            self.headline.value = (
                f"<p class='pmkit-capacity-headline'>What-if for <b>{esc(self.r.label(pid))}</b> "
                f"({esc(desc)}): over-allocated role-months <b>{base} → {now}</b> "
                f"({now - base:+d}); over-allocated people <b>{len(self.base.over)} → "
                f"{len(pic.over)}</b>; its unmet hours <b>{unmet[1]:,.0f} → {unmet[0]:,.0f}</b>."
                "</p>"
            )
        self.chart("heat", charts.capacity_heatmap(pic.cells, title=title))
        self.over.value = self.over_html(pic.over) + self.short_html(pic.short)

    def over_html(self, over: pd.DataFrame) -> str:
        if over.empty:
            return _note("No resource is over-allocated.")
        t = over.rename(
            columns={
                "resource_id": "Resource", "name": "Name", "role": "Role",
                "months_over": "Months over", "worst_month": "Worst month",
                "worst_load_pct": "Worst load %", "over_hours": "Hours over",
                "projects": "Projects competing (priority order)",
                "short_projects": "Left short under the priorities",
            }
        )  # fmt: skip
        return html_table(
            t.head(40),
            formats={"Worst load %": _num(".0f"), "Hours over": _num(",.0f")},
            table_id="pmo-overallocated",
        )

    def short_html(self, short: pd.DataFrame) -> str:
        """Who goes without: unmet hours per project when capacity is served by priority."""
        s = short[short["unmet_hours"] > 0].head(15)
        if s.empty:
            return ""
        t = pd.DataFrame(
            {
                "Project": s["project_id"].map(self.r.names).fillna(s["project_id"]),
                "Priority": s["priority"],
                "Hours asked": s["demand_hours"],
                "Hours served": s["allocated_hours"],
                "Unmet hours": s["unmet_hours"],
                "Unmet %": s["unmet_pct"],
            }
        )
        head = "<h4>Projects left short when capacity goes to the highest priority first</h4>"
        return head + html_table(
            t,
            formats={
                "Priority": _num(".0f"), "Hours asked": _num(",.0f"), "Hours served": _num(",.0f"),
                "Unmet hours": _num(",.0f"), "Unmet %": _num(".0f"),
            },
            table_id="pmo-shortfall",
        )  # fmt: skip


class _CapacityPicture:
    """One capacity state: role x month cells, over-allocated people, project shortfalls."""

    def __init__(self, cells: pd.DataFrame, over: pd.DataFrame, short: pd.DataFrame) -> None:
        self.cells, self.over, self.short = cells, over, short


def _unmet(short: pd.DataFrame, pid: str) -> float:
    row = short[short["project_id"] == pid]
    return 0.0 if row.empty else float(row["unmet_hours"].iloc[0])


# ================================================================ Dependencies


class DependenciesTab(_Tab):
    def build(self) -> None:
        self.milestone = W.Dropdown(description="Milestone", layout=W.Layout(width="520px"))
        self.days = W.IntSlider(value=30, min=1, max=120, description="Slip (wd)")
        self.go = W.Button(description="Propagate slip", button_style="primary")
        self.go.on_click(lambda _b: guarded(self.message)(self.propagate)())
        self.clear = W.Button(description="Clear")
        self.clear.on_click(lambda _b: guarded(self.message)(self.clear_slip)())
        self.caption = W.HTML()
        self.result = W.HTML()
        self.highlight: dict[str, float] = {}
        self.chart("network", charts.empty_chart("Loading…"))
        self.chart(
            "slip", charts.empty_chart("Pick a milestone and a number of days, then Propagate.")
        )
        self.widget = W.VBox(
            [
                self.message,
                self.caption,
                self.charts["network"],
                W.HTML(
                    "<h4>Slip propagation</h4>"
                    + _note("What moves elsewhere in the portfolio if this milestone slips.")
                ),
                W.HBox([self.milestone, self.days, self.go, self.clear]),
                self.result,
                self.charts["slip"],
            ]
        )

    def refresh(self) -> None:
        p = self.r.p
        tasks = p.tasks
        # a milestone already reached cannot slip: offer the open ones
        ms = tasks[
            tasks["is_milestone"]
            & (tasks["percent_complete"] < 100)
            & tasks["project_id"].isin(self.r.ids)
        ]
        cross = p.cross_project_links()
        with_links = set(cross["pred_id"])
        ms = ms.assign(linked=ms["task_id"].isin(with_links)).sort_values(
            ["linked", "project_id", "wbs"], ascending=[False, True, True]
        )
        options = [
            (f"{r.project_id} · {str(r.name)[:50]}" + ("  (feeds another project)" * r.linked),
             r.task_id)
            for r in ms.itertuples()
        ]  # fmt: skip
        old = self.milestone.value
        self.milestone.options = options
        if options:
            self.milestone.value = old if old in {v for _, v in options} else options[0][1]
        self.draw_network()

    def draw_network(self) -> None:
        p = self.r.p
        from pmkit.portfolio.dependencies import dependency_network

        if not hasattr(self, "network"):
            self.network = dependency_network(p, schedule=self.r.schedule())
        nodes, edges, hidden = views.network_frames(
            p.projects, self.network.edges, keep=self.r.ids, highlight=self.highlight
        )
        self.chart("network", charts.dependency_network(nodes, edges))
        more = (
            f" {hidden} more linked projects are not drawn: filter to see them." if hidden else ""
        )
        self.caption.value = _note(
            f"{len(edges)} project-to-project dependencies among {len(nodes)} projects. Only "
            "projects with a cross-project link (or moved by a slip) are drawn: x = project "
            "start, rows grouped by programme, a thicker line = several task links; hover a "
            f"line for the links.{more}"
        )

    def propagate(self) -> None:
        from pmkit.portfolio.dependencies import propagate_slip

        task_id = self.milestone.value
        if task_id is None:
            self.result.value = _note("No milestone in the selected projects.")
            return
        moved = propagate_slip(
            self.r.p, str(task_id), int(self.days.value), schedule=self.r.schedule()
        )
        rows = views.slip_rows(_moved_table(moved), self.r.p.projects)
        self.highlight = {
            str(k): float(v) for k, v in rows.groupby("project_id")["slip_days"].max().items()
        }
        origin = str(self.r.p.tasks.set_index("task_id").loc[task_id, "project_id"])
        self.highlight.setdefault(origin, float(self.days.value))
        self.chart("slip", charts.slip_chart(rows))
        self.result.value = self.result_html(rows, str(task_id))
        self.draw_network()

    def result_html(self, rows: pd.DataFrame, task_id: str) -> str:
        if rows.empty:
            return _note(
                f"A {self.days.value}-day slip of {task_id} moves nothing in other projects."
            )
        origin = str(self.r.p.tasks.set_index("task_id").loc[task_id, "project_id"])
        others = rows[rows["task_id"] != task_id]
        n_proj = others.loc[others["project_id"] != origin, "project_id"].nunique()
        t = rows.drop(columns="task_id").rename(
            columns={"label": "What moves", "project_id": "Project", "slip_days": "Slip (wd)"}
        )
        return (
            f"<p>A <b>{int(self.days.value)}</b>-day slip of <b>{esc(task_id)}</b> moves "
            f"<b>{len(others)}</b> other milestone or finish date(s), in <b>{n_proj}</b> "
            "project(s) other than its own.</p>"
            + html_table(t, formats={"Slip (wd)": _num(".0f")}, table_id="pmo-slip")
        )

    def clear_slip(self) -> None:
        self.highlight = {}
        self.result.value = ""
        self.chart(
            "slip", charts.empty_chart("Pick a milestone and a number of days, then Propagate.")
        )
        self.draw_network()


def _moved_table(moved: Any) -> pd.DataFrame:
    """The engine's slip result as one table (it may return a frame or an object with one)."""
    if isinstance(moved, pd.DataFrame):
        return moved
    for attr in ("milestones", "tasks", "moved", "projects"):
        df = getattr(moved, attr, None)
        if isinstance(df, pd.DataFrame) and not df.empty:
            return df
    if isinstance(moved, dict):
        for key in ("milestones", "tasks", "moved", "projects"):
            if isinstance(moved.get(key), pd.DataFrame):
                return moved[key]
    return pd.DataFrame()


# ================================================================ Risks


class RisksTab(_Tab):
    def build(self) -> None:
        from pmkit.risk import risk_register

        self.register = risk_register(self.r.p)
        self.top = W.HTML()
        self.caption = W.HTML()
        self.chart("programme", charts.empty_chart("Loading…"))
        self.chart("heat", charts.empty_chart("Loading…"))
        self.widget = W.VBox(
            [
                self.message,
                _html(
                    _note(
                        "Threats (expected loss) and opportunities (expected gain) are kept "
                        "apart: an opportunity is never counted as a negative threat. Exposure = "
                        "probability × cost impact."
                    )
                ),
                self.charts["programme"],
                self.top,
                self.caption,
                self.charts["heat"],
            ]
        )

    def refresh(self) -> None:
        reg = self.register[self.register["project_id"].isin(self.r.ids)]
        self.chart(
            "programme", charts.exposure_by_programme(
                views.exposure_by_programme(reg, self.r.p.projects), currency=self.r.currency
            )
        )  # fmt: skip
        cells, hidden = views.risk_heat_cells(reg, self.r.labels)
        self.chart("heat", charts.risk_heatmap(cells))
        self.caption.value = "<h4>Across projects: exposure by category</h4>" + (
            _note(
                f"The {views.MAX_HEAT_PROJECTS} projects with most exposure; {hidden} more hidden."
            )
            if hidden
            else ""
        )
        self.top.value = self.top_html(reg)

    def top_html(self, reg: pd.DataFrame) -> str:
        from pmkit.risk import top_risks

        parts = []
        for kind, title, status in (
            ("threat", "Top threats by exposure (expected loss)", "red"),
            ("opportunity", "Top opportunities by expected gain", "blue"),
        ):
            sel = reg[reg["kind"] == kind]
            if sel.empty:
                parts.append(
                    f"<h4>{title}</h4>" + _note(f"No open {kind} in the selected projects.")
                )
                continue
            top = top_risks(sel, 10, kind="opportunity" if kind == "opportunity" else "threat")
            chip = badge(status, "Opportunity" if kind == "opportunity" else "Threat")
            t = pd.DataFrame(
                {
                    "Kind": chip,
                    "Id": top["risk_id"],
                    "Project": top["project_id"].map(self.r.names).fillna(top["project_id"]),
                    "Title": top["title"],
                    "Category": top["category"],
                    "Probability": top["probability"],
                    f"Impact ({self.r.currency})": top["cost_impact"],
                    f"Exposure ({self.r.currency})": top["exposure_cost"],
                    "Days": top["exposure_days"],
                    "Response": top["response"],
                    "Owner": top["owner"],
                }
            )
            parts.append(
                f"<h4>{title}</h4>"
                + html_table(
                    t,
                    formats={
                        "Probability": lambda v: f"{float(v):.0%}",
                        f"Impact ({self.r.currency})": _money,
                        f"Exposure ({self.r.currency})": _money,
                        "Days": _num(".1f"),
                    },
                    raw_html_columns=["Kind"],
                    table_id=f"pmo-top-{kind}",
                )
            )
        return "".join(parts)


# ================================================================ Governance


class GovernanceTab(_Tab):
    def build(self) -> None:
        from pmkit.portfolio.standards import PMO_TYPES

        types = list(self.r.std.raw.get("pmo_types", {}) or PMO_TYPES)
        current = self.r.std.pmo_type if self.r.std.pmo_type in types else types[0]
        self.pmo_type = W.ToggleButtons(
            options=types,
            value=current,
            description="PMO type",
            tooltips=[_pmo_tip(t) for t in types],
        )
        self.pmo_type.observe(lambda _c: guarded(self.message)(self.refresh)(), names="value")
        self.explain = W.HTML()
        self.gaps = W.HTML()
        self.failing = W.HTML()
        self.chart("score", charts.empty_chart("Loading…"))
        self.widget = W.VBox(
            [
                self.message,
                self.pmo_type,
                self.explain,
                self.charts["score"],
                W.HTML("<h4>Stage gates: required artefacts not done</h4>"),
                self.gaps,
                W.HTML("<h4>Other governance checks not passed</h4>"),
                self.failing,
            ]
        )

    def refresh(self) -> None:
        from pmkit.portfolio import governance

        kind = str(self.pmo_type.value)
        ids = self.r.ids
        gates = governance.gate_compliance(self.r.p, pmo_type=kind)
        gates = gates[gates["project_id"].astype(str).isin(ids)]
        checks = governance.governance_checks(self.r.p, pmo_type=kind, rollup_df=self.r.rollup_all)
        checks = checks[checks["project_id"].astype(str).isin(ids)]
        scores = governance.compliance_score(checks)
        self.explain.value = self.modes_html(kind)
        rows = views.compliance_rows(scores, self.r.labels, gates)
        self.chart("score", charts.compliance_bars(rows))
        self.gaps.value = self.gaps_html(gates)
        self.failing.value = self.failing_html(checks)

    def modes_html(self, kind: str) -> str:
        """What the selected PMO type does with each check: blocks, advises, or ignores."""
        modes = self.r.std.check_modes(kind)
        style = {"blocking": ("red", "Blocks"), "advisory": ("amber", "Advisory"),
                 "off": ("grey", "Not checked")}  # fmt: skip
        chips = " ".join(
            badge(
                style.get(m, ("grey", m))[0], f"{c.replace('_', ' ')}: {style.get(m, ('', m))[1]}"
            )
            for c, m in modes.items()
        )
        desc = self.r.std.raw.get("pmo_types", {}).get(kind, {}).get("description", "")
        return (
            f"<p><b>{esc(kind.title())} PMO</b> — {esc(desc or _pmo_tip(kind))}</p>"
            f"<p class='pmkit-modes'>{chips}</p>"
            + _note(
                "Switching the PMO type changes which checks block a gate and which are only "
                "advice; the score counts passed checks (the gate check by share of artefacts)."
            )
        )

    def gaps_html(self, gates: pd.DataFrame) -> str:
        miss = views._missing(gates)
        if miss.empty:
            return _note("Every required artefact of the selected projects is done.")
        miss = miss.sort_values(["blocking", "project_id", "gate"], ascending=[False, True, True])
        t = pd.DataFrame(
            {
                "Effect": [
                    badge("red", "Blocks gate") if b else badge("amber", "Advisory")
                    for b in miss["blocking"]
                ],
                "Project": miss["project_id"].map(self.r.names).fillna(miss["project_id"]),
                "Gate": miss["gate"],
                "Missing artefact": miss["artefact"],
            }
        )
        return html_table(
            t, raw_html_columns=["Effect"], table_id="pmo-gaps", max_rows=MAX_TABLE_ROWS
        )

    def failing_html(self, checks: pd.DataFrame) -> str:
        bad = checks[(checks["check"] != "gate_artefacts") & ~checks["passed"].astype(bool)]
        bad = bad[bad["effect"] != "off"]
        if bad.empty:
            return _note("Every other check passes for the selected projects.")
        order = {"blocking": 0, "advisory": 1}
        bad = bad.sort_values(
            ["effect", "project_id"],
            key=lambda c: c.map(order).fillna(c) if c.name == "effect" else c,
        )
        t = pd.DataFrame(
            {
                "Effect": [
                    badge("red", "Blocking") if e == "blocking" else badge("amber", "Advisory")
                    for e in bad["effect"]
                ],
                "Project": bad["project_id"].map(self.r.names).fillna(bad["project_id"]),
                "Check": bad["check"].str.replace("_", " "),
                "Why": bad["detail"],
            }
        )
        return html_table(
            t, raw_html_columns=["Effect"], table_id="pmo-checks", max_rows=MAX_TABLE_ROWS
        )


def _pmo_tip(kind: str) -> str:
    return {
        "supportive": "Supportive: templates and advice; no check blocks a gate",
        "controlling": "Controlling: key artefacts are mandatory and block a gate",
        "directive": "Directive: every required artefact blocks its gate",
    }.get(kind, kind)


# ================================================================ Trends


class TrendsTab(_Tab):
    def build(self) -> None:
        self.focus = W.Dropdown(description="Project", layout=W.Layout(width="420px"))
        self.focus.observe(lambda _c: guarded(self.message)(self.draw)(), names="value")
        self.acc_note = W.HTML()
        for key in ("trend", "mta", "accuracy"):
            self.chart(key, charts.empty_chart("Loading…"))
        self.widget = W.VBox(
            [
                self.message,
                self.focus,
                _html(
                    _note(
                        f"With all projects, the first {views.MAX_SERIES} are drawn "
                        "(pick one project to see its own lines)."
                    )
                ),
                self.charts["trend"],
                self.charts["mta"],
                self.acc_note,
                self.charts["accuracy"],
            ]
        )

    def refresh(self) -> None:
        options = [(f"All selected projects ({len(self.r.ids)})", ALL)] + [
            (self.r.label(pid), pid) for pid in self.r.ids
        ]
        old = self.focus.value
        self.focus.options = options
        self.focus.value = old if old in {v for _, v in options} else ALL
        self.draw()

    def draw(self) -> None:
        from pmkit.portfolio import trends

        ids = self.r.ids if self.focus.value in (None, ALL) else [str(self.focus.value)]
        p = self.r.p
        spi_cpi = trends.spi_cpi_trends(p)
        spi_cpi = spi_cpi[spi_cpi["project_id"].astype(str).isin(ids)]
        self.chart("trend", charts.trend_lines(views.trend_rows(spi_cpi, self.r.labels)))
        mta = trends.milestone_trend(p)
        mta = mta[mta["project_id"].astype(str).isin(ids)]
        self.chart("mta", charts.milestone_trend(views.mta_rows(mta, p.tasks)))
        acc = trends.forecast_accuracy(p)
        acc = acc[acc["project_id"].astype(str).isin(ids)]
        self.chart("accuracy", charts.forecast_accuracy(views.accuracy_rows(acc, self.r.labels)))
        self.acc_note.value = _note(
            "Forecast accuracy: each report's finish forecast minus the latest one; a line that "
            "stays far from 0 until late means the forecasts were not credible."
        )


# ================================================================ Change board


class ChangeBoardTab(_Tab):
    def build(self) -> None:
        self.table = W.HTML()
        self.cr = W.Dropdown(description="Change", layout=W.Layout(width="520px"))
        self.decision = W.ToggleButtons(
            options=[("Approve", "approve"), ("Reject", "reject"), ("Defer", "defer")],
            value="approve",
            description="Decision",
        )
        self.by = W.Text(description="Decided by", placeholder="name of the board chair")
        self.why = W.Textarea(
            description="Why", placeholder="rationale (required for the audit trail)",
            layout=W.Layout(width="520px", height="70px"),
        )  # fmt: skip
        self.record_btn = W.Button(description="Record decision", button_style="success")
        self.record_btn.add_class("pmkit-record-decision")
        self.feedback = W.HTML()
        self.record_btn.on_click(lambda _b: guarded(self.feedback)(self.record)())
        where = _store_label(self.r.p)
        self._apply_board_rights()
        self.widget = W.VBox(
            [
                self.message,
                _html(
                    _note(
                        "Significant scope changes waiting for the board, with their cost and "
                        "schedule impact and the strategic objective they serve. Decisions are "
                        "appended to the audit trail "
                        + (f"in the {where}" if where else "(needs a portfolio from a store)")
                        + "."
                    )
                ),
                self.table,
                W.HTML("<h4>Record a decision</h4>"),
                self.cr,
                self.decision,
                self.by,
                self.why,
                self.record_btn,
                self.feedback,
            ]
        )

    def changes(self) -> pd.DataFrame:
        from pmkit.portfolio.decisions import significant_changes

        ch = significant_changes(self.r.p)
        ch = ch[ch["project_id"].astype(str).isin(self.r.ids)]
        # what the board must still decide comes first (the engine's cost order within)
        return ch.sort_values("decision", key=lambda d: d != "pending", kind="stable")

    def refresh(self) -> None:
        ch = self.changes()
        self.table.value = self.table_html(ch)
        pending = ch[ch["decision"] == "pending"]
        first = pending if not pending.empty else ch
        options = [
            (f"{r.cr_id} · {r.project_id} · {str(r.title)[:50]} ({r.decision})", str(r.cr_id))
            for r in pd.concat([first, ch.drop(first.index)]).itertuples()
        ]
        old = self.cr.value
        self.cr.options = options
        if options:
            self.cr.value = old if old in {v for _, v in options} else options[0][1]

    def table_html(self, ch: pd.DataFrame) -> str:
        if ch.empty:
            return _note("No significant change request in the selected projects.")
        state = {"pending": "amber", "approved": "green", "rejected": "red", "deferred": "grey"}
        t = pd.DataFrame(
            {
                "CR": ch["cr_id"],
                "Project": ch["project_id"].map(self.r.names).fillna(ch["project_id"]),
                "Title": ch["title"],
                "Scope": ch["scope_impact"],
                f"Cost ({self.r.currency})": ch["cost_impact"],
                "Schedule (wd)": ch["schedule_impact_days"],
                "Objective": ch["objective"].where(
                    ch["objective"] != "", ch["strategic_objective"]
                ),
                "Why on the board": ch["why_significant"],
                "Decision": [badge(state.get(d, "grey"), str(d).title()) for d in ch["decision"]],
                "By": ch["decided_by"],
                "On": ch["decided_on"],
                "Rationale": ch["rationale"],
            }
        )
        return html_table(
            t,
            formats={
                f"Cost ({self.r.currency})": _money,
                "Schedule (wd)": _num("+.0f"),
                "On": _date,
            },
            raw_html_columns=["Decision"],
            table_id="pmo-changes",
            max_rows=MAX_TABLE_ROWS,
        )

    def _apply_board_rights(self) -> None:
        """Under JupyterHub: the signed-in name is the decider; non-members see why they can't."""
        from pmkit.portfolio.decisions import may_decide

        user = os.environ.get("JUPYTERHUB_USER", "").strip()
        if user:
            self.by.value, self.by.disabled = user, True
        allowed, reason = may_decide()
        if not allowed:
            self.record_btn.disabled = True
            self.feedback.value = f"<p class='pmkit-note pmkit-board-only'>{esc(reason)}.</p>"

    def record(self) -> None:
        from pmkit.portfolio.decisions import record_decision

        where = _store_label(self.r.p)
        if not where:
            self.feedback.value = error_html(
                ValueError("this portfolio was not read from a store: nowhere to save")
            )
            return
        cr = self.cr.value
        rec = record_decision(
            self.r.p, str(cr or ""), str(self.decision.value), self.by.value, self.why.value,
            known_ids=self.r.p.changes["cr_id"].astype(str),
        )  # fmt: skip
        self.why.value = ""
        self.refresh()
        self.feedback.value = (
            f"<p class='pmkit-recorded'>{badge('green', 'Recorded')} {esc(rec['cr_id'])} "
            f"{esc(rec['decision'])} by {esc(rec['decided_by'])} at {esc(rec['decided_at'])}, "
            f"saved to the {esc(where)}.</p>"
        )


def _store_label(portfolio: Portfolio) -> str:
    """Where decisions go, fit for a viewer: ``folder data``, ``PostgreSQL database pmkit``."""
    store = getattr(portfolio, "store", None)
    if store is not None:
        return str(store.label)
    src = getattr(portfolio, "source", None)
    return f"folder {Path(src).name}" if src is not None else ""


# ================================================================ Export


class ExportTab(_Tab):
    def build(self) -> None:
        self.html_btn = W.Button(description="Status pack (HTML)", button_style="primary",
                                 layout=W.Layout(width="200px"))  # fmt: skip
        self.xlsx_btn = W.Button(description="Roll-up (Excel)", button_style="primary",
                                 layout=W.Layout(width="200px"))  # fmt: skip
        self.out = W.HTML()
        self.html_btn.on_click(lambda _b: guarded(self.out)(self.export_html)())
        self.xlsx_btn.on_click(lambda _b: guarded(self.out)(self.export_excel)())
        self.widget = W.VBox(
            [
                self.message,
                _html(
                    _note(
                        "Exports cover the projects the filters show. The file is written on "
                        "the server and offered as a download link below."
                    )
                ),
                W.HBox([self.html_btn, self.xlsx_btn]),
                self.out,
            ]
        )

    def refresh(self) -> None:
        self.out.value = ""

    def folder(self) -> Path:
        """Where exports go: ``$PMKIT_EXPORTS``, else a pmkit folder in the temp directory."""
        target = Path(
            os.environ.get("PMKIT_EXPORTS") or Path(tempfile.gettempdir()) / "pmkit-exports"
        )
        target.mkdir(parents=True, exist_ok=True)
        return target

    def _stamp(self) -> str:
        return time.strftime("%Y%m%d-%H%M%S")

    def export_html(self) -> Path:
        """Write the status pack (self-contained HTML, charts as SVG) and offer it."""
        from pmkit import reports as export

        self.out.value = _note("Writing the status pack…")
        path = self.folder() / f"status-pack-{self._stamp()}.html"
        written = export.status_pack_html(
            self.r.p, path, schedule=self.r.schedule(), rollup_df=self.r.rollup
        )
        path = Path(written) if isinstance(written, str | os.PathLike) else path
        self.out.value = _download(path, "text/html")
        return path

    def export_excel(self) -> Path:
        """Write the roll-up workbook and offer it."""
        from pmkit import reports as export

        self.out.value = _note("Writing the workbook…")
        path = self.folder() / f"portfolio-rollup-{self._stamp()}.xlsx"
        written = export.export_excel(
            self.r.p, path, schedule=self.r.schedule(), rollup_df=self.r.rollup
        )
        path = Path(written) if isinstance(written, str | os.PathLike) else path
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        self.out.value = _download(path, mime)
        return path


def _download(path: Path, mime: str) -> str:
    """A download link carrying the file (data: URI), and the server path it was written to."""
    size = path.stat().st_size
    where = f"Written to <code>{esc(path)}</code> ({size:,} bytes)."
    if size > MAX_DOWNLOAD_BYTES:
        return f"<p>{where} Too large to offer as a link here: fetch it from that path.</p>"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f'<p><a class="pmkit-download" download="{esc(path.name)}" '
        f'href="data:{mime};base64,{data}">⬇ Download {esc(path.name)}</a></p><p>{where}</p>'
    )


def _html(text: str) -> W.HTML:
    return W.HTML(text)


_TAB_CLASSES: dict[str, type[_Tab]] = {
    "Overview": OverviewTab,
    "Capacity": CapacityTab,
    "Dependencies": DependenciesTab,
    "Risks": RisksTab,
    "Governance": GovernanceTab,
    "Trends": TrendsTab,
    "Change board": ChangeBoardTab,
    "Export": ExportTab,
}
_TAB_CLASSES["Prioritise"] = PrioritiseTab  # type: ignore[assignment]  # pmkit.ui.prioritise
