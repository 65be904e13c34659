"""The "as it stood on" picker: move the status date back as a what-if on any dashboard.

The page keeps its loaded portfolio and shows :meth:`pmkit.model.Portfolio.as_of` the picked
date (reports, decisions and task progress after it did not exist yet); clearing the picker goes
back to the data's own status date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ipywidgets as W
import pandas as pd

from pmkit.format import fmt_date
from pmkit.model import Portfolio

__all__ = ["StatusDatePicker"]


class StatusDatePicker:
    """A date picker plus a note; calls ``on_change(portfolio)`` with the portfolio as it stood."""

    def __init__(self, portfolio: Portfolio, on_change: Callable[[Any], None]) -> None:
        self.base = portfolio
        self.on_change = on_change
        status = portfolio.status_date
        self.picker = W.DatePicker(
            description="As it stood on",
            value=None,
            style={"description_width": "110px"},
            layout=W.Layout(width="300px"),
        )
        self.picker.add_class("pmkit-status-date")
        self.note = W.HTML(self._note(None, status))
        self.picker.observe(self._changed, names="value")
        self.widget = W.HBox([self.picker, self.note])

    @staticmethod
    def _note(picked: Any, status: Any) -> str:
        if picked is None:
            return (
                "<span class='pmkit-note'>status date of the data: "
                f"<b>{fmt_date(status, missing='not set')}</b> (pick an earlier date for a "
                "what-if)</span>"
            )
        return (
            "<span class='pmkit-note' role='status'>what-if: the portfolio as it stood on "
            f"<b>{fmt_date(picked)}</b>; later reports and progress are ignored</span>"
        )

    def portfolio_on(self, value: dt.date | None) -> Any:
        """The loaded portfolio as it stood on ``value`` (the loaded one for ``None``)."""
        return self.base if value is None else self.base.as_of(pd.Timestamp(value))

    def _changed(self, change: Any) -> None:
        value = change["new"]
        self.note.value = self._note(value, self.base.status_date)
        self.on_change(self.portfolio_on(value))
