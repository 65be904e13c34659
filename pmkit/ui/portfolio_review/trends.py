"""Trends tab: SPI/CPI, milestone trend analysis, forecast accuracy."""

from __future__ import annotations

import ipywidgets as W

from pmkit.charts import portfolio as charts
from pmkit.portfolio import trends
from pmkit.ui import portfolio_views as views
from pmkit.ui._common import guarded
from pmkit.ui.portfolio_review._base import (
    ALL,
    _html,
    _note,
    _Tab,
    loading,
)


class TrendsTab(_Tab):
    VIEW = ("focus", "acc_note")

    def view_key(self) -> str | None:
        return "" if self.focus.value in (None, ALL) else None  # one project: computed

    def build(self) -> None:
        self.focus = W.Dropdown(description="Project", layout=W.Layout(width="420px"))
        self.focus.observe(self._on_focus, names="value")
        self.acc_note = W.HTML()
        for key in ("trend", "mta", "accuracy"):
            self.chart(key, loading())
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
        self._refreshing = True  # new options reset the value: draw once, below
        try:
            self.focus.options = options
            self.focus.value = old if old in {v for _, v in options} else ALL
        finally:
            self._refreshing = False
        self.draw()

    _refreshing = False

    def _on_focus(self, _change: object) -> None:
        if not (self._refreshing or self._restoring):
            guarded(self.message)(self.draw)()

    def draw(self) -> None:
        ids = self.r.ids if self.focus.value in (None, ALL) else [str(self.focus.value)]
        p = self.r.p
        spi_cpi = self.shared("spi_cpi_trends", lambda: trends.spi_cpi_trends(p))
        spi_cpi = spi_cpi[spi_cpi["project_id"].astype(str).isin(ids)]
        self.chart("trend", charts.trend_lines(views.trend_rows(spi_cpi, self.r.labels)))
        mta = self.shared("milestone_trend", lambda: trends.milestone_trend(p))
        mta = mta[mta["project_id"].astype(str).isin(ids)]
        self.chart("mta", charts.milestone_trend(views.mta_rows(mta, p.tasks)))
        acc = self.shared("forecast_accuracy", lambda: trends.forecast_accuracy(p))
        acc = acc[acc["project_id"].astype(str).isin(ids)]
        self.chart("accuracy", charts.forecast_accuracy(views.accuracy_rows(acc, self.r.labels)))
        self.acc_note.value = _note(
            "Forecast accuracy: each report's finish forecast minus the latest one; a line that "
            "stays far from 0 until late means the forecasts were not credible."
        )
