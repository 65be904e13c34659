"""Portfolio at a glance: every project's key facts and the portfolio timeline, filterable.

The numbers come from the PMO roll-up (:func:`pmkit.portfolio.rollup.rollup`) on the portfolio
schedule, so this page and the portfolio review never disagree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import ipywidgets as W
import pandas as pd

from pmkit import cache
from pmkit.cache import load_sample
from pmkit.charts.overview import portfolio_timeline, timeline_parts
from pmkit.charts.portfolio import empty_chart
from pmkit.format import fmt_date, fmt_money, fmt_ratio
from pmkit.model import Portfolio
from pmkit.portfolio.rollup import filter_rollup
from pmkit.ui._common import badge, esc, guarded, header, html_table, safe_build
from pmkit.ui._swap import SwapChart
from pmkit.ui.empty import empty_page, is_empty

if TYPE_CHECKING:
    from altair.typing import ChartType

ANY = "(all)"
MAX_ROWS = 60  # a page: a 1,000-project portfolio lists its worst first, "Show all" the rest


def key_facts(roll: pd.DataFrame, currency: str = "EUR") -> pd.DataFrame:
    """The table a manager scans: one row per project, status with its rule on hover."""
    status = [
        badge(r, title=rule)
        for r, rule in zip(roll["rag_overall"], roll["overall_rule"], strict=True)
    ]
    links = [
        f"<a href='pm_planning.ipynb?project={esc(p)}'>plan</a> · "
        f"<a href='pm_tracking.ipynb?project={esc(p)}'>track</a>"
        for p in roll["project_id"]
    ]
    return pd.DataFrame(
        {
            "Project": roll["name"],
            "Programme": roll["programme"],
            "Manager": roll["manager"],
            "Phase": roll["phase"],
            "% done": roll["percent_complete"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}%"),
            "Baseline finish": roll["baseline_finish"].map(fmt_date),
            "Forecast finish": roll["forecast_finish"].map(fmt_date),
            "Slip (working days)": roll["finish_slip_days"].map(
                lambda v: "" if pd.isna(v) else f"{v:+.0f}"
            ),
            f"Budget ({currency})": roll["bac"].map(fmt_money),  # the currency: in the header
            f"EAC ({currency})": roll["eac"].map(fmt_money),
            "SPI": roll["spi"].map(fmt_ratio),
            "CPI": roll["cpi"].map(fmt_ratio),
            "Status": status,
            "Open": links,
        }
    )


def timeline_table(roll: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """Start, baseline and forecast finish per project, in the shape the timeline chart takes."""
    start = projects.set_index("project_id")["start"]
    return pd.DataFrame(
        {
            "label": roll["name"],
            "programme": roll["programme"],
            "start": roll["project_id"].map(start),
            "finish_baseline": roll["baseline_finish"],
            "forecast_finish": roll["forecast_finish"].fillna(roll["baseline_finish"]),
            "rag": roll["rag_overall"],
            "slip_days": roll["finish_slip_days"],
        }
    )


def page_rows(
    shown: pd.DataFrame, *, show_all: bool = False, max_rows: int | None = None
) -> pd.DataFrame:
    """The projects the table and the timeline draw: every one when they fit (or when the
    reader asks for all), else the ``max_rows`` (default :data:`MAX_ROWS`) worst: red, amber,
    n/a, green, then by id."""
    from pmkit.ui.portfolio_views import worst_first  # lazy: ~8 ms of the kernel's start

    limit = MAX_ROWS if max_rows is None else max_rows
    if show_all or len(shown) <= limit:
        return shown
    return worst_first(shown).head(limit)


def page_note(total: int, drawn: int) -> str:
    """Says when fewer projects are drawn than match the filters, and how to see the rest."""
    if drawn >= total:
        return ""
    return (
        f"<p class='pmkit-note pmkit-more' id='glance-more'>Showing the {drawn} projects with "
        f"the worst status of the {total} that match (red, then amber, then the others); the "
        "totals above count all of them. Narrow the filters, or press <b>Show all</b>.</p>"
    )


def redraw_timeline(view: SwapChart, table: pd.DataFrame, status_date: Any) -> str:
    """Show ``table`` in the timeline ``view``: its rows swapped into the chart on the page
    (no altair chart built) when that chart is a timeline, else a timeline drawn anew."""
    return view.show_parts(
        timeline_parts(table, status_date=status_date),
        lambda: portfolio_timeline(table, status_date=status_date),
    )


def build(portfolio: Portfolio | None = None) -> W.Widget:
    pf = portfolio if portfolio is not None else load_sample()
    if is_empty(pf):
        return empty_page()
    roll = cache.rollup(pf)  # once per data change, shared by every viewer's kernel
    status_date = pf.status_date

    def options(col: str) -> list[str]:
        return [ANY, *sorted(roll[col].astype(str).unique())]

    programme = W.Dropdown(options=options("programme"), description="Programme")
    phase = W.Dropdown(options=options("phase"), description="Phase")
    rag = W.Dropdown(options=[ANY, "green", "amber", "red"], description="Status")
    summary = W.HTML()
    table = W.HTML()
    more = W.HTML()
    show_all = W.ToggleButton(value=False, description="Show all", icon="")
    chart = SwapChart(
        portfolio_timeline(timeline_table(page_rows(roll), pf.projects), status_date=status_date)
    )

    @guarded(summary)
    def refresh(_: Any = None) -> None:
        pick: dict[str, Any] = {
            k: (None if w.value == ANY else w.value)
            for k, w in (("programme", programme), ("phase", phase), ("rag", rag))
        }
        shown = filter_rollup(roll, **pick)
        counts = shown["rag_overall"].value_counts()
        chips = " ".join(
            badge(s, f"{s.capitalize()}: {int(counts.get(s, 0))}")
            for s in ("green", "amber", "red")
        )
        cur = esc(pf.currency)
        summary.value = (
            f"<p><b>{len(shown)}</b> of {len(roll)} projects · budget "
            f"<b>{fmt_money(shown['bac'].sum())} {cur}</b> · EAC "
            f"<b>{fmt_money(shown['eac'].sum())} {cur}</b> · {chips}</p>"
        )
        if shown.empty:  # say so, and never leave the previous selection's bars on screen
            more.value = ""
            show_all.layout.display = "none"
            table.value = (
                "<p class='pmkit-empty' id='glance-empty'>No project matches these filters. "
                "Set a filter back to (all) to see more.</p>"
            )
            chart.replace(cast("ChartType", empty_chart("No project matches these filters")))
            return
        page = page_rows(shown, show_all=show_all.value)
        more.value = page_note(len(shown), len(page))
        show_all.layout.display = None if len(shown) > MAX_ROWS else "none"
        show_all.description = f"Show all {len(shown)}" if not show_all.value else "Show fewer"
        table.value = html_table(
            key_facts(page, pf.currency),
            raw_html_columns=["Status", "Open"],
            table_id="glance-table",
            max_rows=None,
        )
        redraw_timeline(chart, timeline_table(page, pf.projects), status_date)

    for w in (programme, phase, rag, show_all):
        w.observe(refresh, names="value")
    refresh()
    when = fmt_date(status_date) if status_date is not None else "n/a"
    return W.VBox(
        [
            header("Portfolio at a glance", f"Status date {when}. Hover a status to see its rule."),
            W.HBox([programme, phase, rag]),
            summary,
            W.HBox([more, show_all]),
            table,
            chart.widget,
        ]
    )


def app(portfolio: Portfolio | None = None) -> W.Widget:
    """The dashboard; a data problem shows as a message, never a traceback."""
    return safe_build(lambda: build(portfolio), warm=("portfolio", "schedule", "rollup"))
