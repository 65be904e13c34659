"""Risks tab: threats and opportunities apart, exposure by programme and category."""

from __future__ import annotations

import ipywidgets as W
import pandas as pd

from pmkit.charts import portfolio as charts
from pmkit.risk import risk_register
from pmkit.ui import portfolio_views as views
from pmkit.ui.portfolio_review import tables
from pmkit.ui.portfolio_review._base import (
    _html,
    _note,
    _Tab,
    loading,
)


class RisksTab(_Tab):
    VIEW = ("top", "caption")

    def build(self) -> None:
        self.top = W.HTML()
        self.caption = W.HTML()
        self.chart("programme", loading())
        self.chart("heat", loading())
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

    @property
    def register(self) -> pd.DataFrame:
        """The scored register of the portfolio shown (once per portfolio, not per filter)."""
        return self.shared("risk_register", lambda: risk_register(self.r.p))

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
        return tables.top_risks_tables(reg, self.r.names, self.r.currency)
