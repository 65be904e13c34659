"""One place that formats dates, money and ratios for people (dashboards, reports, CLI).

Every page shows the same date (``30 Oct 2026``) and money (``287,184`` with the currency
named once, in a header or after the amount), so two dashboards never disagree in form.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = ["DATE_FORMAT", "fmt_date", "fmt_money", "fmt_ratio"]

#: strftime pattern of every date shown to a person.
DATE_FORMAT = "%d %b %Y"


def _missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):  # arrays and other containers are not "missing"
        return False


def fmt_date(value: Any, *, missing: str = "") -> str:
    """``30 Oct 2026``; ``missing`` for None/NaT."""
    if _missing(value):
        return missing
    return pd.Timestamp(value).strftime(DATE_FORMAT)


def fmt_money(value: Any, currency: str = "", *, missing: str = "") -> str:
    """``287,184`` (whole units, thousands separators), ``287,184 EUR`` with a currency."""
    if _missing(value) or (isinstance(value, float) and math.isnan(value)):
        return missing
    return f"{float(value):,.0f}" + (f" {currency}" if currency else "")


def fmt_ratio(value: Any, *, missing: str = "–") -> str:
    """Performance indices such as SPI/CPI: two decimals."""
    return missing if _missing(value) else f"{float(value):.2f}"
