"""Capacity tab: role x month demand vs capacity, and a what-if on one project."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import pandas as pd

from pmkit.cache import capacity_tables, capacity_window
from pmkit.charts import portfolio as charts
from pmkit.charts.parts import respec
from pmkit.portfolio import capacity
from pmkit.ui import portfolio_views as views
from pmkit.ui._common import esc, guarded
from pmkit.ui.portfolio_review import tables
from pmkit.ui.portfolio_review._base import (
    _html,
    _note,
    _Tab,
)


class CapacityTab(_Tab):
    VIEW = ("headline", "over")

    def view_key(self) -> str | None:
        return None if self.shifts or self.priorities else ""  # a what-if shown: computed

    def present(self) -> None:
        super().present()
        self.progress.layout.display = "none"  # a shared view computes nothing here

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
        """The capacity picture for one what-if (the engines do the work; a bar shows
        progress). As planned (no what-if), the tables are computed once per data version
        and shared between kernels (:func:`pmkit.cache.capacity_tables`, prewarmed)."""
        self.progress.layout.display = "flex"
        self.progress.value = 1
        if not shifts and not priorities:
            t = self.once("capacity_tables", lambda: capacity_tables(self.r.p))
            by_month, short = t["by_role_month"], t["shortfall"]
            # the people summary too, once per data version (the first kernel to open it)
            w = self.window()
            name = "capacity_people_{:%Y%m%d}_{:%Y%m%d}".format(w["start"], w["end"])
            over = self.shared(name, lambda: views.overallocation_summary(t["overallocated"]))
            self.progress.value = 3
            self.progress.layout.display = "none"
            return _CapacityPicture(views.capacity_cells(by_month), over, short)
        sched = self.r.schedule()
        self.progress.value = 2
        kw: dict[str, Any] = {"shifts": shifts or None, "priorities": priorities or None}
        kw.update(self.window())
        # the model as planned (shared) is re-used: only the shifted project is counted again
        kw["source"] = self.once("capacity_source", lambda: self._source(sched))
        model = capacity.capacity_model(self.r.p, sched, **kw)  # computed once, read thrice
        by_month = capacity.capacity_by_role_month(self.r.p, model=model)
        overallocated = capacity.overallocated_resources(self.r.p, model=model)
        short = capacity.project_shortfall(self.r.p, model=model)
        cells = views.capacity_cells(by_month)
        over = views.overallocation_summary(overallocated)
        self.progress.value = 3
        self.progress.layout.display = "none"
        return _CapacityPicture(cells, over, short)

    def _source(self, sched: Any) -> Any:
        """What a what-if re-uses of the model as planned: the one shared with the tables as
        planned (:func:`pmkit.cache.capacity_tables` schedules with the review's own
        :func:`pmkit.cache.schedule_portfolio`), else computed here once per portfolio."""
        if sched is not None:
            shared = self.once("capacity_tables", lambda: capacity_tables(self.r.p))
            if shared.get("source") is not None:
                return shared["source"]
        return capacity.capacity_model(self.r.p, sched, **self.window()).source

    def window(self) -> dict[str, pd.Timestamp]:
        """Months shown (:func:`pmkit.cache.capacity_window`): a quarter back from the status
        date to a year ahead."""
        return capacity_window(self.r.p)

    @property
    def base(self) -> _CapacityPicture:
        """The picture as planned (computed once per tab, when first needed)."""
        if self._base is None:
            self._base = self.compute({}, {})
        return self._base

    _base: _CapacityPicture | None = None

    def refresh(self) -> None:
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
        self.heat(pic.cells, title)
        self.over.value = self.over_html(pic.over) + self.short_html(pic.short)

    def heat(self, cells: pd.DataFrame, title: str) -> None:
        """The heat map of ``cells``: the spec shown re-filled with their rows and ``title``
        (:func:`pmkit.charts.parts.respec`; building the altair chart again cost ~35 ms of a
        what-if on 1,000 projects), or built anew when the chart shown has another shape."""
        parts = charts.capacity_heatmap_parts(cells)
        shown = self.charts["heat"].spec if "heat" in self.charts else None
        if (
            parts["datasets"]
            and shown
            and set(shown.get("datasets") or {}) == set(parts["datasets"])
        ):
            self.chart("heat", {**respec(shown, parts), "title": title})
        else:
            self.chart("heat", charts.capacity_heatmap(cells, title=title))

    def over_html(self, over: pd.DataFrame) -> str:
        return tables.overallocated_table(over)

    def short_html(self, short: pd.DataFrame) -> str:
        """Who goes without: unmet hours per project when capacity is served by priority."""
        return tables.shortfall_table(short, self.r.names)


class _CapacityPicture:
    """One capacity state: role x month cells, over-allocated people, project shortfalls."""

    def __init__(self, cells: pd.DataFrame, over: pd.DataFrame, short: pd.DataFrame) -> None:
        self.cells, self.over, self.short = cells, over, short


def _unmet(short: pd.DataFrame, pid: str) -> float:
    row = short[short["project_id"] == pid]
    return 0.0 if row.empty else float(row["unmet_hours"].iloc[0])
