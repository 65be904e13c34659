"""Overview tab: the roll-up with RAG and the rule behind each colour, drill-down links."""

from __future__ import annotations

import ipywidgets as W
import pandas as pd

from pmkit.charts import portfolio as charts
from pmkit.ui import portfolio_views as views
from pmkit.ui._common import badge, guarded
from pmkit.ui.portfolio_review import tables
from pmkit.ui.portfolio_review._base import (
    _note,
    _Tab,
    loading,
)


class OverviewTab(_Tab):
    def build(self) -> None:
        self.table = W.HTML()
        self.summary = W.HTML()
        self.why_pick = W.Dropdown(description="Why?", layout=W.Layout(width="420px"))
        self.why = W.HTML()
        self.why_pick.observe(lambda _c: guarded(self.why)(self.explain)(), names="value")
        self.chart("rag", loading())
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
        """The roll-up as an escaped HTML table (a page, worst first; see :mod:`.tables`)."""
        return tables.rollup_table(df, self.r.currency)

    def explain(self) -> None:
        """Every dimension's status of the picked project with its rule, as sentences."""
        pid = self.why_pick.value
        df = self.r.rollup
        row = df[df["project_id"].astype(str) == pid] if pid is not None else df.iloc[:0]
        if row.empty:
            self.why.value = ""
            return
        self.why.value = tables.why_status(row.iloc[0], self.r.label(str(pid)))
