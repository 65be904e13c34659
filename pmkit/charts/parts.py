"""Charts whose data travel as named datasets and parameters, so a live page can swap them.

A chart builder split in two — ``*_parts(table, ...)`` (everything that depends on the rows:
named datasets, parameter values, height) and the chart built from those parts — lets a
dashboard redraw by re-filling the spec it already shows (:func:`respec`) instead of building
and serialising an altair chart again (:class:`pmkit.ui._swap.SwapChart` then sends only the
changed data to the page).
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

__all__ = ["records", "respec"]


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as altair puts them in a spec (dates as ISO text, NaN as null)."""
    return list(alt.utils.data.to_values(frame)["values"])


def respec(spec: dict[str, Any], parts: dict[str, Any]) -> dict[str, Any]:
    """``spec`` re-filled with other parts (``datasets``, optional ``params`` and ``height``).

    Equal to the spec built from scratch for those parts when both have the same named
    datasets; raises ``ValueError`` when they do not (the caller then builds the chart).
    """
    if set(parts["datasets"]) != set(spec.get("datasets", {})):
        raise ValueError("the spec and the parts do not have the same datasets")
    out = dict(spec)
    out["datasets"] = dict(parts["datasets"])
    values = parts.get("params") or {}
    if values:
        out["params"] = [
            {**p, "value": values[p["name"]]} if p.get("name") in values else p
            for p in spec.get("params", [])
        ]
    if "height" in parts:
        out["height"] = parts["height"]
    return out
