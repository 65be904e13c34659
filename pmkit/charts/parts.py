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
import numpy as np
import pandas as pd

__all__ = ["records", "records_of", "respec"]


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as altair puts them in a spec (dates as ISO text, NaN and infinity as null).

    Column by column, vectorised, for the plain dtypes charts use (text, bool, integers, floats,
    naive datetimes); any other column (objects, categories, time zones, nullable integers)
    goes through altair's own conversion, which this equals value for value and type for type.
    """
    cols = list(frame.columns)
    if not all(isinstance(c, str) for c in cols) or isinstance(frame.index, pd.MultiIndex):
        return list(alt.utils.data.to_values(frame)["values"])
    values = [_column(frame.iloc[:, i]) for i in range(len(cols))]
    if any(v is None for v in values):
        return list(alt.utils.data.to_values(frame)["values"])
    return [dict(zip(cols, row, strict=True)) for row in zip(*values, strict=True)]


def records_of(columns: dict[str, pd.Series]) -> list[dict[str, Any]] | None:
    """:func:`records` of the frame these columns (same length, text names) would make,
    without making it; ``None`` when a column's dtype is left to altair (the caller then
    converts the frame)."""
    values = [_column(col) for col in columns.values()]
    if any(v is None for v in values):
        return None
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def _column(col: pd.Series) -> list[Any] | None:
    """A column's JSON values as altair writes them, or ``None`` for a dtype left to altair."""
    kind = str(col.dtype)
    if kind in ("string", "str"):
        return [None if v is None or v is pd.NA or v != v else v for v in col.tolist()]
    if kind == "bool" or (kind.startswith(("int", "uint")) and col.dtype.kind in "iu"):
        return list(col.tolist())
    if col.dtype.kind == "f" and not kind.startswith("Float"):
        arr = col.to_numpy()
        bad = ~np.isfinite(arr)
        out = arr.tolist()
        for i in np.flatnonzero(bad):
            out[i] = None
        return list(out)
    if col.dtype.kind == "M" and getattr(col.dtype, "tz", None) is None:
        arr = col.to_numpy()
        nat = np.isnat(arr)
        whole = arr.astype("datetime64[s]")
        if (whole[~nat] == arr[~nat]).all():  # no fraction of a second: the same ISO text
            text = np.datetime_as_string(whole, unit="s").tolist()
        else:
            text = [
                "NaT" if n else pd.Timestamp(v).isoformat() for v, n in zip(arr, nat, strict=True)
            ]
        return ["" if n else t for t, n in zip(text, nat.tolist(), strict=True)]
    return None


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
