"""Static (SVG) charts for the portfolio status pack: the live chart builders of
:mod:`pmkit.charts.portfolio`, rendered offline by vl-convert (no browser, no internet)."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import pandas as pd

from pmkit.charts import portfolio as live

__all__ = ["pack_svgs", "to_svg"]


def to_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as an SVG document (vl-convert bundles Vega: works offline)."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_dict())


def pack_svgs(tables: Mapping[str, pd.DataFrame], *, currency: str = "EUR") -> dict[str, str]:
    """SVG of each pack chart whose table is given.

    ``tables`` keys: ``rag`` (dimension, status, count), ``capacity`` (role, month, demand_hours,
    capacity_hours, utilisation), ``exposure`` (programme, kind, exposure).
    """
    out: dict[str, str] = {}
    if "rag" in tables:
        out["rag"] = to_svg(live.rag_summary(tables["rag"]))
    if "capacity" in tables:
        out["capacity"] = to_svg(live.capacity_heatmap(tables["capacity"]))
    if "exposure" in tables:
        out["exposure"] = to_svg(live.exposure_by_programme(tables["exposure"], currency=currency))
    return out
