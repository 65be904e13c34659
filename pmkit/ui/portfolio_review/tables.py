"""The PMO review's tables as pure view functions: tables in, escaped HTML out.

No widget, no portfolio object, no state: each function takes the frames (and the labels,
currency…) it shows and returns HTML where every name is escaped and only chips and links
built here from escaped parts are markup. Long tables are cut to a page *before* any cell is
formatted (a 1,000-project portfolio costs one page of HTML, not 1,000 rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import quote

import pandas as pd

from pmkit.format import fmt_date, fmt_money
from pmkit.risk import top_risks
from pmkit.ui import portfolio_views as views
from pmkit.ui._common import badge, esc, html_table
from pmkit.ui.portfolio_review._base import (
    DIM_TITLES,
    MAX_TABLE_ROWS,
    PM_PLANNING,
    PM_TRACKING,
    _note,
    _num,
)

__all__ = [
    "changes_table",
    "drill_links",
    "failing_checks_table",
    "gate_gaps_table",
    "overallocated_table",
    "rollup_table",
    "shortfall_table",
    "slip_result",
    "top_risks_tables",
    "why_status",
]


def _name(ids: pd.Series, names: Mapping[str, str]) -> pd.Series:
    """``P03 · full name`` where known, else the id itself."""
    return pd.Series([names.get(i, i) for i in ids], index=ids.index, dtype=object)


def _more(total: int, shown: int, how: str) -> str:
    if total <= shown:
        return ""
    return _note(f"Showing {shown} of {total}, {how}; use the filters to see the others.")


def drill_links(project_id: str) -> str:
    """Relative links: the page lives at /voila/render/<this>.ipynb, so siblings resolve."""
    q = quote(str(project_id), safe="")
    return (
        f'<a class="pmkit-drill" href="{PM_PLANNING}?project={q}" target="_blank" '
        f'rel="noopener">Plan</a> · <a class="pmkit-drill" href="{PM_TRACKING}?project={q}" '
        f'target="_blank" rel="noopener">Track</a>'
    )


def _rollup_frame(df: pd.DataFrame, currency: str) -> pd.DataFrame:
    """The columns of the roll-up table (chips and links as markup, the rest as values)."""
    slip = views.first_col(df, "finish_slip_days", "slip_days")
    ids = df["project_id"].astype(str)
    t = pd.DataFrame({"Project": ids, "Name": df["name"].astype(str)})
    for dim, title in DIM_TITLES.items():
        t[title] = [
            badge(s, title=rule)
            for s, rule in zip(df[f"rag_{dim}"], df[f"{dim}_rule"], strict=True)
        ]
    t["Open in"] = [drill_links(pid) for pid in ids]
    nan = float("nan")
    extra = {
        "Programme": df["programme"],
        "Manager": df["manager"],
        "Phase": df["phase"],
        "% done": df["percent_complete"],
        "SPI": df["spi"],
        "SPI(t)": df.get("spi_t", nan),
        "SV(t) (wd)": df.get("sv_t_wd", nan),
        "CPI": df["cpi"],
        "Baseline finish": df["baseline_finish"],
        "Forecast finish": df["forecast_finish"],
        "Slip (wd)": df[slip] if slip else nan,
        "CP float (wd)": df["float_days"],
        f"BAC ({currency})": df["bac"],
        f"EAC ({currency})": df["eac"],
        "Open risks": df["open_risks"],
        "Open changes": df["open_changes"],
    }
    for key, col in extra.items():
        t[key] = col.to_numpy() if hasattr(col, "to_numpy") else col
    return t


def rollup_table(df: pd.DataFrame, currency: str, *, max_rows: int = MAX_TABLE_ROWS) -> str:
    """The roll-up, worst status first, at most ``max_rows`` projects; chips carry their rule."""
    if df.empty:
        return _note("No project matches the filters. Clear a filter to see more.")
    shown = views.worst_first(df).head(max_rows)
    table = html_table(
        _rollup_frame(shown, currency),
        formats={
            "% done": _num(".0f"),
            "SPI": _num(".2f"),
            "SPI(t)": _num(".2f"),
            "SV(t) (wd)": _num("+.1f"),
            "CPI": _num(".2f"),
            "Baseline finish": fmt_date,
            "Forecast finish": fmt_date,
            "Slip (wd)": _num("+.0f"),
            "CP float (wd)": _num(".0f"),
            f"BAC ({currency})": fmt_money,
            f"EAC ({currency})": fmt_money,
        },
        raw_html_columns=[*DIM_TITLES.values(), "Open in"],
        table_id="pmo-rollup",
        max_rows=None,
    )
    more = _more(len(df), len(shown), "worst status first")
    return f"<div class='pmkit-scroll' style='overflow-x:auto;max-width:100%'>{table}</div>{more}"


def why_status(rec: Mapping[str, Any], label: str) -> str:
    """Every dimension's status of one roll-up row with its rule, as sentences."""
    items = "".join(
        f"<li>{esc(title)}: {badge(rec[f'rag_{dim}'], title=rec[f'{dim}_rule'])} "
        f"{esc(rec[f'{dim}_rule'])}</li>"
        for dim, title in DIM_TITLES.items()
    )
    return (
        f"<div class='pmkit-why'><b>{esc(label)}</b><ul>{items}</ul>"
        f"{_note('Overall: ' + str(rec['overall_rule']))}</div>"
    )


def overallocated_table(over: pd.DataFrame, *, max_rows: int = 40) -> str:
    """Over-allocated people, worst first as given, and the projects competing for them."""
    if over.empty:
        return _note("No resource is over-allocated.")
    t = over.head(max_rows).rename(
        columns={
            "resource_id": "Resource", "name": "Name", "role": "Role",
            "months_over": "Months over", "worst_month": "Worst month",
            "worst_load_pct": "Worst load %", "over_hours": "Hours over",
            "projects": "Projects competing (priority order)",
            "short_projects": "Left short under the priorities",
        }
    )  # fmt: skip
    return html_table(
        t,
        formats={"Worst load %": _num(".0f"), "Hours over": _num(",.0f")},
        table_id="pmo-overallocated",
        max_rows=None,
    ) + _more(len(over), len(t), "in the order given")


def shortfall_table(short: pd.DataFrame, names: Mapping[str, str], *, max_rows: int = 15) -> str:
    """Who goes without: unmet hours per project when capacity is served by priority."""
    s = short[short["unmet_hours"] > 0].head(max_rows)
    if s.empty:
        return ""
    t = pd.DataFrame(
        {
            "Project": _name(s["project_id"], names),
            "Priority": s["priority"],
            "Hours asked": s["demand_hours"],
            "Hours served": s["allocated_hours"],
            "Unmet hours": s["unmet_hours"],
            "Unmet %": s["unmet_pct"],
        }
    )
    head = "<h4>Projects left short when capacity goes to the highest priority first</h4>"
    return head + html_table(
        t,
        formats={
            "Priority": _num(".0f"), "Hours asked": _num(",.0f"), "Hours served": _num(",.0f"),
            "Unmet hours": _num(",.0f"), "Unmet %": _num(".0f"),
        },
        table_id="pmo-shortfall",
    )  # fmt: skip


def slip_result(rows: pd.DataFrame, task_id: str, origin: str, days: int) -> str:
    """What a ``days`` slip of ``task_id`` (in project ``origin``) moves elsewhere."""
    if rows.empty:
        return _note(f"A {days}-day slip of {task_id} moves nothing in other projects.")
    others = rows[rows["task_id"] != task_id]
    n_proj = others.loc[others["project_id"] != origin, "project_id"].nunique()
    t = rows.drop(columns="task_id").rename(
        columns={"label": "What moves", "project_id": "Project", "slip_days": "Slip (wd)"}
    )
    return (
        f"<p>A <b>{int(days)}</b>-day slip of <b>{esc(task_id)}</b> moves "
        f"<b>{len(others)}</b> other milestone or finish date(s), in <b>{n_proj}</b> "
        "project(s) other than its own.</p>"
        + html_table(t, formats={"Slip (wd)": _num(".0f")}, table_id="pmo-slip")
    )


def top_risks_tables(
    reg: pd.DataFrame, names: Mapping[str, str], currency: str, *, n: int = 10
) -> str:
    """The ``n`` top threats by exposure and the ``n`` top opportunities, in two tables."""
    parts = []
    kinds: tuple[tuple[Literal["threat", "opportunity"], str, str], ...] = (
        ("threat", "Top threats by exposure (expected loss)", "red"),
        ("opportunity", "Top opportunities by expected gain", "blue"),
    )
    for kind, title, status in kinds:
        sel = reg[reg["kind"] == kind]
        if sel.empty:
            parts.append(f"<h4>{title}</h4>" + _note(f"No open {kind} in the selected projects."))
            continue
        top = top_risks(sel, n, kind=kind)
        t = pd.DataFrame(
            {
                "Kind": badge(status, kind.title()),
                "Id": top["risk_id"],
                "Project": _name(top["project_id"], names),
                "Title": top["title"],
                "Category": top["category"],
                "Probability": top["probability"],
                f"Impact ({currency})": top["cost_impact"],
                f"Exposure ({currency})": top["exposure_cost"],
                "Days": top["exposure_days"],
                "Response": top["response"],
                "Owner": top["owner"],
            }
        )
        fmts = {
            "Probability": lambda v: f"{float(v):.0%}",
            f"Impact ({currency})": fmt_money,
            f"Exposure ({currency})": fmt_money,
            "Days": _num(".1f"),
        }
        parts.append(
            f"<h4>{title}</h4>"
            + html_table(t, formats=fmts, raw_html_columns=["Kind"], table_id=f"pmo-top-{kind}")
        )
    return "".join(parts)


def gate_gaps_table(
    gates: pd.DataFrame, names: Mapping[str, str], *, max_rows: int = MAX_TABLE_ROWS
) -> str:
    """Required stage-gate artefacts not done; the ones that block a gate first."""
    miss = views._missing(gates)
    if miss.empty:
        return _note("Every required artefact of the selected projects is done.")
    miss = miss.sort_values(["blocking", "project_id", "gate"], ascending=[False, True, True])
    shown = miss.head(max_rows)
    t = pd.DataFrame(
        {
            "Effect": [
                badge("red", "Blocks gate") if b else badge("amber", "Advisory")
                for b in shown["blocking"]
            ],
            "Project": _name(shown["project_id"], names),
            "Gate": shown["gate"],
            "Missing artefact": shown["artefact"],
        }
    )
    table = html_table(t, raw_html_columns=["Effect"], table_id="pmo-gaps", max_rows=None)
    return table + _more(len(miss), len(shown), "blocking first")


def failing_checks_table(
    checks: pd.DataFrame, names: Mapping[str, str], *, max_rows: int = MAX_TABLE_ROWS
) -> str:
    """Governance checks (other than the gate artefacts) not passed; blocking ones first."""
    bad = checks[(checks["check"] != "gate_artefacts") & ~checks["passed"].astype(bool)]
    bad = bad[bad["effect"] != "off"]
    if bad.empty:
        return _note("Every other check passes for the selected projects.")
    order = {"blocking": 0, "advisory": 1}
    bad = bad.sort_values(
        ["effect", "project_id"],
        key=lambda c: c.map(order).fillna(c) if c.name == "effect" else c,
    )
    shown = bad.head(max_rows)
    t = pd.DataFrame(
        {
            "Effect": [
                badge("red", "Blocking") if e == "blocking" else badge("amber", "Advisory")
                for e in shown["effect"]
            ],
            "Project": _name(shown["project_id"], names),
            "Check": shown["check"].str.replace("_", " "),
            "Why": shown["detail"],
        }
    )
    table = html_table(t, raw_html_columns=["Effect"], table_id="pmo-checks", max_rows=None)
    return table + _more(len(bad), len(shown), "blocking first")


_DECISION_STATUS = {"pending": "amber", "approved": "green", "rejected": "red", "deferred": "grey"}


def changes_table(
    ch: pd.DataFrame, names: Mapping[str, str], currency: str, *, max_rows: int = MAX_TABLE_ROWS
) -> str:
    """Significant change requests with their impact, objective and the board's decision."""
    if ch.empty:
        return _note("No significant change request in the selected projects.")
    shown = ch.head(max_rows)
    t = pd.DataFrame(
        {
            "CR": shown["cr_id"],
            "Project": _name(shown["project_id"], names),
            "Title": shown["title"],
            "Scope": shown["scope_impact"],
            f"Cost ({currency})": shown["cost_impact"],
            "Schedule (wd)": shown["schedule_impact_days"],
            "Objective": shown["objective"].where(
                shown["objective"] != "", shown["strategic_objective"]
            ),
            "Why on the board": shown["why_significant"],
            "Decision": [
                badge(_DECISION_STATUS.get(d, "grey"), str(d).title()) for d in shown["decision"]
            ],
            "By": shown["decided_by"],
            "On": shown["decided_on"],
            "Rationale": shown["rationale"],
        }
    )
    table = html_table(
        t,
        formats={f"Cost ({currency})": fmt_money, "Schedule (wd)": _num("+.0f"), "On": fmt_date},
        raw_html_columns=["Decision"],
        table_id="pmo-changes",
        max_rows=None,
    )
    return table + _more(len(ch), len(shown), "pending first")
