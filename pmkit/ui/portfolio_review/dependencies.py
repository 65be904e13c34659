"""Dependencies tab: the cross-project network and slip propagation."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import pandas as pd

from pmkit.charts import portfolio as charts
from pmkit.portfolio.dependencies import dependency_network, propagate_slip
from pmkit.ui import portfolio_views as views
from pmkit.ui._common import guarded
from pmkit.ui.portfolio_review import tables
from pmkit.ui.portfolio_review._base import (
    _note,
    _Tab,
    loading,
)


class DependenciesTab(_Tab):
    VIEW = ("milestone", "caption")

    def view_key(self) -> str | None:
        return None if self.highlight else ""  # a slip shown: computed

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
        self.chart("network", loading())
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
        cross = self.shared("cross_links", p.cross_project_links)
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

        if not hasattr(self, "network"):  # once per data version, shared (cache.review_tables)
            self.network = self.shared(
                "dependency_network", lambda: dependency_network(p, schedule=self.r.schedule())
            )
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
        origin = str(self.r.p.tasks.set_index("task_id").loc[task_id, "project_id"])
        return tables.slip_result(rows, task_id, origin, int(self.days.value))

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
