"""The tidy tables behind the PMO status pack's charts (pure pandas).

The renderers that used to live here (the HTML status pack and the Excel workbook) are reports,
a layer above the charts: :mod:`pmkit.reports` (``pmkit.status_pack_html``,
``pmkit.export_excel``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmkit.model import Portfolio
from pmkit.portfolio.capacity import capacity_by_role_month
from pmkit.risk import risk_register
from pmkit.schedule.cpm import Schedule
from pmkit.standards import DIMENSIONS

__all__ = ["pack_tables"]


def pack_tables(
    portfolio: Portfolio,
    rollup_df: pd.DataFrame,
    *,
    schedule: Schedule | pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """The tidy tables the pack's charts draw (pure pandas; see ``pack_svgs``)."""

    rag = pd.concat(
        [
            rollup_df[f"rag_{d}"]
            .value_counts()
            .rename_axis("status")
            .reset_index(name="count")
            .assign(dimension=d)
            for d in (*DIMENSIONS, "overall")
        ],
        ignore_index=True,
    )
    cap = capacity_by_role_month(portfolio, schedule)
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(cap["capacity_hours"] > 0, cap["demand_hours"] / cap["capacity_hours"], 0)
    capacity = cap.assign(month=cap["month"].dt.strftime("%Y-%m"), utilisation=util)
    reg = risk_register(portfolio, status="open")
    prog = portfolio.projects.set_index("project_id")["programme"]
    exposure = (
        reg.assign(programme=reg["project_id"].map(prog))
        .groupby(["programme", "kind"], as_index=False)["exposure_cost"]
        .sum()
        .rename(columns={"exposure_cost": "exposure"})
    )
    return {
        "rag": rag[["dimension", "status", "count"]],
        "capacity": capacity,
        "exposure": exposure,
    }
