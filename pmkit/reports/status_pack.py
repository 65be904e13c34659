"""The PMO status pack: one self-contained HTML file that also prints cleanly to A4.

Text from the data is HTML-escaped. Charts come from :mod:`pmkit.charts.portfolio_static`
(imported when the pack is built) as SVG, so they stay sharp on paper. The print stylesheet
sets A4 pages, repeats table headers, keeps rows and figures whole and starts each project's
page on a new sheet; :func:`pmkit.reports.pdf.status_pack_pdf` prints it to PDF.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from pmkit.format import esc, html_table
from pmkit.model import Portfolio
from pmkit.portfolio.decisions import significant_changes
from pmkit.portfolio.export import pack_tables
from pmkit.portfolio.governance import compliance_score
from pmkit.portfolio.rollup import rollup_on_schedule
from pmkit.reports._files import atomic_write
from pmkit.risk import risk_register, top_risks
from pmkit.schedule.cpm import Schedule
from pmkit.standards import DIMENSIONS, standards_of

__all__ = ["status_pack_html"]

_SYMBOL = {"green": "●", "amber": "▲", "red": "■", "grey": "○"}

_e = esc


def _table(
    df: pd.DataFrame,
    formats: dict[str, Callable[[Any], str]] | None = None,
    raw: tuple[str, ...] = (),
) -> str:
    return html_table(df, formats=formats, raw_html_columns=raw, max_rows=None, css_class=None)


def _badge(status: Any, rule: Any) -> str:
    s = str(status)
    return f'<span class="rag rag-{_e(s)}" title="{_e(rule)}">{_SYMBOL.get(s, "○")} {_e(s)}</span>'


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,"DejaVu Sans",sans-serif;margin:24px;
color:#222}
h1{margin-bottom:0}.sub{color:#555;margin-top:4px}
table{border-collapse:collapse;font-size:12px;margin:8px 0 20px;width:100%}
th{background:#f2f2f2;text-align:left}th,td{border-bottom:1px solid #ddd;padding:3px 6px}
.rag{font-weight:600;white-space:nowrap}.rag-green{color:#009E73}.rag-amber{color:#B07800}
.rag-red{color:#D55E00}.rag-grey{color:#777}.rule{color:#555;font-size:11px}
.kpis span{display:inline-block;margin-right:24px;font-size:15px}
figure{margin:8px 0 20px}img{max-width:100%}
table.facts{width:auto}table.facts th{width:11em}
.project h2{margin-bottom:2px}
@page{size:A4;margin:14mm 12mm 16mm}
@media print{
 body{margin:0;font-size:10pt}
 h1,h2,h3{break-after:avoid;page-break-after:avoid}
 table{font-size:7.5pt;page-break-inside:auto}
 thead{display:table-header-group}
 tr,figure,img{break-inside:avoid;page-break-inside:avoid}
 .rag{print-color-adjust:exact;-webkit-print-color-adjust:exact}
 section.project{break-before:page;page-break-before:always}
 .noprint{display:none}
}
"""

_Fmt = Callable[[Any], str]
_NONE = "<p class='rule'>None.</p>"


def _num(fmt: str) -> _Fmt:
    return lambda v: "" if v is None or pd.isna(v) else fmt.format(v)


def _figure(svgs: dict[str, str], key: str, alt_text: str) -> str:
    if key not in svgs:
        return ""
    data = base64.b64encode(svgs[key].encode("utf-8")).decode("ascii")
    return f"<figure><img alt='{_e(alt_text)}' src='data:image/svg+xml;base64,{data}'></figure>"


def _headline(portfolio: Portfolio, roll: pd.DataFrame, std: Any, title: str) -> list[str]:
    money = "{:,.0f}".format
    counts = roll["rag_overall"].value_counts()
    kpi = " ".join(
        f"<span>{_badge(s, '')} <b>{int(counts.get(s, 0))}</b></span>"
        for s in ("red", "amber", "green", "grey")
    )
    return [
        f"<h1>{_e(title)}</h1>",
        f"<p class='sub'>Status date {_e(portfolio.status_date)} · {len(roll)} projects · "
        f"currency {_e(std.currency)} · PMO type {_e(std.pmo_type)}</p>",
        f"<div class='kpis'>{kpi}<span>BAC <b>{money(roll['bac'].sum())}</b></span>"
        f"<span>EAC <b>{money(roll['eac'].fillna(roll['bac']).sum())}</b></span></div>",
    ]


def _rollup_section(roll: pd.DataFrame, cur: str) -> str:
    dims = (*DIMENSIONS, "overall")
    view = pd.DataFrame(
        {
            "Project": roll["project_id"] + " · " + roll["name"],
            "Programme": roll["programme"],
            "Phase": roll["phase"],
            "% done": roll["percent_complete"],
            "SPI": roll["spi"],
            "CPI": roll["cpi"],
            "Finish (baseline)": roll["baseline_finish"],
            "Finish (forecast)": roll["forecast_finish"],
            f"BAC ({cur})": roll["bac"],
            f"EAC ({cur})": roll["eac"],
            **{
                d.title(): [
                    _badge(s, r) for s, r in zip(roll[f"rag_{d}"], roll[f"{d}_rule"], strict=True)
                ]
                for d in dims
            },
            "Why": roll["overall_rule"],
        }
    )
    formats = {
        "% done": _num("{:.0f}"),
        "SPI": _num("{:.2f}"),
        "CPI": _num("{:.2f}"),
        f"BAC ({cur})": _num("{:,.0f}"),
        f"EAC ({cur})": _num("{:,.0f}"),
    }
    return (
        "<h2>Roll-up</h2><p class='rule noprint'>Hover a status for the rule that produced it.</p>"
        + _table(view, formats, raw=tuple(d.title() for d in dims))
    )


def _risk_view(top: pd.DataFrame, cur: str) -> str:
    tbl = pd.DataFrame(
        {
            "Risk": top["risk_id"],
            "Project": top["project_id"],
            "Kind": top["kind"],
            "Title": top["title"],
            "Probability": top["probability"],
            f"Impact ({cur})": top["cost_impact"],
            f"Exposure ({cur})": top["exposure_cost"],
            "Owner": top["owner"],
            "Response": top["response"],
        }
    )
    money = _num("{:,.0f}")
    formats = {"Probability": _num("{:.0%}"), f"Impact ({cur})": money, f"Exposure ({cur})": money}
    return _table(tbl, formats)


def _risk_sections(reg: pd.DataFrame, cur: str) -> list[str]:
    kinds: tuple[tuple[Literal["threat", "opportunity"], str], ...] = (
        ("threat", "Top threats"),
        ("opportunity", "Top opportunities"),
    )
    out = []
    for kind, label in kinds:
        top = top_risks(reg, 10, kind=kind) if (reg["kind"] == kind).any() else reg.head(0)
        out.append(f"<h2>{label}</h2>" + _risk_view(top, cur))
    return out


def _changes_section(sig: pd.DataFrame, cur: str) -> str:
    view = pd.DataFrame(
        {
            "CR": sig["cr_id"],
            "Project": sig["project_id"],
            "Title": sig["title"],
            f"Cost ({cur})": sig["cost_impact"],
            "Schedule (days)": sig["schedule_impact_days"],
            "Objective": sig["objective"],
            "Decision": sig["decision"],
            "By": sig["decided_by"],
            "Why significant": sig["why_significant"],
        }
    )
    formats = {f"Cost ({cur})": _num("{:,.0f}"), "Schedule (days)": _num("{:g}")}
    return _table(view, formats)


def _governance_section(portfolio: Portfolio, roll: pd.DataFrame) -> str:

    comp = compliance_score(portfolio, rollup_df=roll)
    blocked = comp[comp["state"] == "blocked"]
    view = pd.DataFrame(
        {
            "Project": blocked["project_id"],
            "Score": blocked["compliance_score"],
            "Blocking": blocked["blocking_reasons"],
        }
    )
    return "<h2>Governance: blocked</h2>" + _table(view, {"Score": _num("{:.0f}")})


def _facts(row: pd.Series, cur: str) -> str:
    """One project's figures and its status per dimension, each with its rule."""
    money = _num("{:,.0f}")
    facts = [
        ("Programme", _e(row["programme"])),
        ("Phase", _e(row["phase"])),
        ("% done", _num("{:.0f}")(row["percent_complete"])),
        ("SPI / CPI", f"{_num('{:.2f}')(row['spi'])} / {_num('{:.2f}')(row['cpi'])}"),
        (
            "Finish",
            f"baseline {_e(row['baseline_finish'])} · forecast {_e(row['forecast_finish'])}",
        ),
        (f"BAC / EAC ({_e(cur)})", f"{money(row['bac'])} / {money(row['eac'])}"),
    ]
    facts += [
        (
            d.title(),
            f"{_badge(row[f'rag_{d}'], '')} <span class='rule'>{_e(row[f'{d}_rule'])}</span>",
        )
        for d in DIMENSIONS
    ]
    rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in facts)
    return f"<table class='facts'>{rows}</table>"


def _project_pages(roll: pd.DataFrame, reg: pd.DataFrame, sig: pd.DataFrame, cur: str) -> str:
    """One page per project (a page break before each when printed)."""
    pages = []
    for _, row in roll.iterrows():
        pid = row["project_id"]
        risks = reg[reg["project_id"] == pid].sort_values("exposure_cost", ascending=False)
        changes = sig[sig["project_id"] == pid]
        pages.append(
            f"<section class='project'><h2>{_e(pid)} · {_e(row['name'])} "
            f"{_badge(row['rag_overall'], row['overall_rule'])}</h2>"
            f"<p class='rule'>{_e(row['overall_rule'])}</p>"
            + _facts(row, cur)
            + "<h3>Open risks (largest exposure first)</h3>"
            + (_risk_view(risks.head(5), cur) if len(risks) else _NONE)
            + "<h3>Significant changes</h3>"
            + (_changes_section(changes, cur) if len(changes) else _NONE)
            + "</section>"
        )
    return "\n".join(pages)


def status_pack_html(
    portfolio: Portfolio,
    path: str | os.PathLike[str] | None = None,
    *,
    schedule: Schedule | pd.DataFrame | None = None,
    rollup_df: pd.DataFrame | None = None,
    charts: bool = True,
    title: str = "Portfolio status pack",
) -> Path | str:
    """A self-contained HTML status pack that prints to A4 (as PDF: ``status_pack_pdf``).

    Sections: headline figures, RAG by dimension (chart), roll-up with each colour's rule,
    top threats and opportunities (apart), exposure by programme (chart), significant changes
    for the board, blocked gates, shared capacity (chart), then one page per project. Every
    text from the data is escaped; charts are SVG images (``data:`` URIs), so the file needs
    nothing else.

    Returns
    -------
    Path or str
        The file written (``path`` given), else the HTML text.
    """

    std = standards_of(portfolio)
    cur = std.currency
    # the figures every dashboard shows: forecasts from the (portfolio's) schedule
    roll = rollup_df if rollup_df is not None else rollup_on_schedule(portfolio, schedule)
    svgs: dict[str, str] = {}
    if charts:
        from pmkit.charts.portfolio_static import pack_svgs  # lazy: Altair, vl-convert

        svgs = pack_svgs(pack_tables(portfolio, roll, schedule=schedule), currency=cur)
    reg = risk_register(portfolio, status="open")
    sig = significant_changes(portfolio)
    parts = [
        *_headline(portfolio, roll, std, title),
        "<h2>Status by dimension</h2>" + _figure(svgs, "rag", "Projects by RAG status"),
        _rollup_section(roll, cur),
        *_risk_sections(reg, cur),
        "<h2>Exposure by programme</h2>" + _figure(svgs, "exposure", "Exposure by programme"),
        "<h2>Change control board</h2>" + _changes_section(sig, cur),
        _governance_section(portfolio, roll),
        "<h2>Shared capacity</h2>" + _figure(svgs, "capacity", "Demand vs capacity heat map"),
        _project_pages(roll, reg, sig, cur),
    ]
    doc = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        + "\n".join(parts)
        + "</body></html>"
    )
    if path is None:
        return doc

    def write(tmp: Path) -> None:
        tmp.write_text(doc, encoding="utf-8")

    return atomic_write(Path(path), write)
