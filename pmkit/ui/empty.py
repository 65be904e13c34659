"""What a dashboard shows for an empty portfolio (``pmkit init --empty`` writes one).

An empty portfolio validates (with a note); the dashboards then show one message saying how to
fill it instead of panels of empty charts, or a traceback from a roll-up of nothing.
"""

from __future__ import annotations

import ipywidgets as W

from pmkit.model import Portfolio

__all__ = ["EMPTY_MESSAGE", "empty_page", "is_empty"]

EMPTY_MESSAGE = "Empty portfolio: import or add a project"


def is_empty(portfolio: Portfolio | None) -> bool:
    """True when the portfolio has no project (nothing to roll up or schedule)."""
    return portfolio is not None and len(portfolio.projects) == 0


def empty_page() -> W.HTML:
    """The empty-portfolio state: what to do next, with a link to the importer."""
    return W.HTML(
        "<div class='pmkit-note' role='status' style='font-size:14px'>"
        f"<b>{EMPTY_MESSAGE}.</b> Import a schedule (MS Project XML or a CSV export) on the "
        "<a href='import_schedule.ipynb'>Import a schedule</a> page, or add rows to "
        "projects.csv, tasks.csv and calendars.csv in the portfolio folder, then reload.</div>"
    )
