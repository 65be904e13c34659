"""One place that formats dates, money and ratios for people (dashboards, reports, CLI).

Every page shows the same date (``30 Oct 2026``) and money (``287,184`` with the currency
named once, in a header or after the amount), so two dashboards never disagree in form.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

__all__ = [
    "DATE_FORMAT",
    "MAX_CELL_CHARS",
    "esc",
    "fmt_date",
    "fmt_money",
    "fmt_ratio",
    "html_table",
]

#: strftime pattern of every date shown to a person.
DATE_FORMAT = "%d %b %Y"
#: longest text a table cell shows; longer text is cut with "…" and shown whole on hover.
MAX_CELL_CHARS = 120


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


def esc(value: Any) -> str:
    """Text for HTML: names may contain markup and must show as typed (dates as above)."""
    if _missing(value):
        return ""
    if isinstance(value, pd.Timestamp):
        return fmt_date(value)
    return html.escape(str(value), quote=True)


def _cell(value: Any, max_chars: int | None) -> str:
    """One escaped ``<td>``; long text cut, whole on hover."""
    text = esc(value) if isinstance(value, pd.Timestamp) or _missing(value) else str(value)
    if max_chars is None or len(text) <= max_chars:
        return f"<td>{esc(text)}</td>"
    return f'<td title="{esc(text)}">{esc(text[: max_chars - 1])}…</td>'


def html_table(
    df: pd.DataFrame,
    *,
    formats: Mapping[str, Callable[[Any], str]] | None = None,
    raw_html_columns: Iterable[str] = (),
    max_rows: int | None = 200,
    table_id: str | None = None,
    css_class: str | None = "pmkit-table",
    max_chars: int | None = MAX_CELL_CHARS,
) -> str:
    """An escaped HTML table (dashboards and the status pack share it).

    Every cell is escaped except ``raw_html_columns``, which hold markup pmkit built itself
    from escaped parts (status chips, links). Text longer than ``max_chars`` is cut with "…";
    the cell's ``title`` (hover) holds it whole, escaped too.
    """
    formats = dict(formats or {})
    raw = set(raw_html_columns)
    shown = df if max_rows is None else df.head(max_rows)
    head = "".join(f"<th>{esc(c)}</th>" for c in shown.columns)
    rows = []
    for rec in shown.itertuples(index=False, name=None):
        cells = []
        for col, val in zip(shown.columns, rec, strict=True):
            if col in raw:
                cells.append(f"<td>{val}</td>")
            else:
                text = formats[col](val) if col in formats else val
                cells.append(_cell(text, max_chars))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = ""
    if len(df) > len(shown):
        more = f'<p class="pmkit-more">{len(df) - len(shown)} more rows not shown.</p>'
    attrs = (f' class="{esc(css_class)}"' if css_class else "") + (
        f' id="{esc(table_id)}"' if table_id else ""
    )
    return (
        f"<table{attrs}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"
    )
