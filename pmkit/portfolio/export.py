"""Exports of the PMO lens: an Excel workbook of the roll-up and a self-contained HTML status pack.

Both are written to a temporary file next to the target and moved into place with
``os.replace``, so a reader never opens half a file. Text from the data (names may hold
anything, even markup or ``=formulas``) is escaped: HTML-escaped in the pack, stored as plain
text (never a formula) in the workbook.

The pack's charts come from :mod:`pmkit.charts.portfolio_static` (imported only when the pack is
built, so this engine module itself never loads the chart stack), embedded as SVG images.
"""

from __future__ import annotations

import base64
import math
import os
import tempfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from pmkit.format import esc, html_table
from pmkit.portfolio.standards import DIMENSIONS, standards_of

__all__ = ["EXCEL_SHEETS", "export_excel", "pack_tables", "status_pack_html"]

EXCEL_SHEETS = ("Roll-up", "RAG rules", "Risks", "Changes", "Gates")
_SYMBOL = {"green": "●", "amber": "▲", "red": "■", "grey": "○"}


def _atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Write via a temp file in the same folder, then ``os.replace`` (atomic on one volume)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _cell(value: Any) -> Any:
    """A value openpyxl writes faithfully: None for missing, datetimes, plain numbers."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime().replace(tzinfo=None)
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).to_pydatetime()
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, list | tuple | set):
        return ", ".join(map(str, value))
    return value


def _sheet(wb: Any, title: str, df: pd.DataFrame) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    ws = wb.create_sheet(title)
    bold = Font(bold=True)
    header = []
    for col in df.columns:
        c = WriteOnlyCell(ws, value=str(col))
        c.font = bold
        header.append(c)
    ws.append(header)
    for rec in df.itertuples(index=False, name=None):
        row = []
        for v in rec:
            v = _cell(v)
            if isinstance(v, str):
                c = WriteOnlyCell(ws, value=v)
                c.data_type = "s"  # text stays text: "=HYPERLINK(...)" in a name is not a formula
                row.append(c)
            elif isinstance(v, datetime | date):
                c = WriteOnlyCell(ws, value=v)
                c.number_format = "yyyy-mm-dd"
                row.append(c)
            else:
                row.append(v)
        ws.append(row)
    ws.freeze_panes = "B2"


def export_excel(
    portfolio: Any,
    path: str | os.PathLike[str],
    *,
    schedule: Any = None,
    rollup_df: pd.DataFrame | None = None,
    pmo_type: str | None = None,
) -> Path:
    """Write the roll-up workbook: sheets :data:`EXCEL_SHEETS` (one table each, header row).

    Parameters
    ----------
    portfolio : Portfolio
    path : path-like
        The ``.xlsx`` to write (replaced atomically).
    schedule, rollup_df
        Reuse an existing schedule / roll-up (else the roll-up is computed without schedule).
    pmo_type : str, optional
        For the Gates sheet (default: the standards').
    """
    from openpyxl import Workbook

    from pmkit.portfolio.decisions import apply_decisions
    from pmkit.portfolio.governance import gate_summary
    from pmkit.portfolio.rollup import rollup
    from pmkit.risk import risk_register

    roll = rollup_df if rollup_df is not None else rollup(portfolio, schedule=schedule)
    std = standards_of(portfolio)
    sheets = {
        "Roll-up": roll,
        "RAG rules": std.rule_table(),
        "Risks": risk_register(portfolio, status=None),
        "Changes": apply_decisions(portfolio),
        "Gates": gate_summary(portfolio, pmo_type=pmo_type),
    }

    def write(tmp: Path) -> None:
        wb = Workbook(write_only=True)
        for title in EXCEL_SHEETS:
            _sheet(wb, title, sheets[title])
        wb.save(tmp)

    return _atomic_write(Path(path), write)


def pack_tables(
    portfolio: Any, rollup_df: pd.DataFrame, *, schedule: Any = None
) -> dict[str, pd.DataFrame]:
    """The tidy tables the pack's charts draw (pure pandas; see ``pack_svgs``)."""
    from pmkit.portfolio.capacity import capacity_by_role_month
    from pmkit.risk import risk_register

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
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222}
h1{margin-bottom:0}.sub{color:#555;margin-top:4px}
table{border-collapse:collapse;font-size:12px;margin:8px 0 20px;width:100%}
th{background:#f2f2f2;text-align:left}th,td{border-bottom:1px solid #ddd;padding:3px 6px}
.rag{font-weight:600;white-space:nowrap}.rag-green{color:#009E73}.rag-amber{color:#B07800}
.rag-red{color:#D55E00}.rag-grey{color:#777}.rule{color:#555;font-size:11px}
.kpis span{display:inline-block;margin-right:24px;font-size:15px}
figure{margin:8px 0 20px}img{max-width:100%}
@media print{h2{page-break-before:auto}table{page-break-inside:auto}}
"""


def status_pack_html(
    portfolio: Any,
    path: str | os.PathLike[str] | None = None,
    *,
    schedule: Any = None,
    rollup_df: pd.DataFrame | None = None,
    charts: bool = True,
    title: str = "Portfolio status pack",
) -> Path | str:
    """A self-contained HTML status pack (print it to PDF from a browser).

    Sections: headline figures, RAG by dimension (chart), roll-up with each colour's rule,
    top threats and opportunities (apart), significant changes for the board, blocked gates,
    shared capacity (chart) and exposure by programme (chart). Every text from the data is
    escaped; charts are SVG images (``data:`` URIs), so the file needs nothing else.

    Returns
    -------
    Path or str
        The file written (``path`` given), else the HTML text.
    """
    from pmkit.portfolio.decisions import significant_changes
    from pmkit.portfolio.governance import compliance_score
    from pmkit.portfolio.rollup import rollup
    from pmkit.risk import risk_register, top_risks

    std = standards_of(portfolio)
    cur = std.currency
    roll = rollup_df if rollup_df is not None else rollup(portfolio, schedule=schedule)
    money = "{:,.0f}".format

    def num(fmt: str) -> Callable[[Any], str]:
        return lambda v: "" if v is None or pd.isna(v) else fmt.format(v)

    parts = [f"<h1>{_e(title)}</h1>"]
    status = portfolio.status_date
    parts.append(
        f"<p class='sub'>Status date {_e(status)} · {len(roll)} projects · currency {_e(cur)} · "
        f"PMO type {_e(std.pmo_type)}</p>"
    )
    counts = roll["rag_overall"].value_counts()
    kpi = " ".join(
        f"<span>{_badge(s, '')} <b>{int(counts.get(s, 0))}</b></span>"
        for s in ("red", "amber", "green", "grey")
    )
    parts.append(
        f"<div class='kpis'>{kpi}<span>BAC <b>{money(roll['bac'].sum())}</b></span>"
        f"<span>EAC <b>{money(roll['eac'].fillna(roll['bac']).sum())}</b></span></div>"
    )
    svgs: dict[str, str] = {}
    if charts:
        from pmkit.charts.portfolio_static import pack_svgs

        svgs = pack_svgs(pack_tables(portfolio, roll, schedule=schedule), currency=cur)

    def figure(key: str, alt_text: str) -> str:
        if key not in svgs:
            return ""
        data = base64.b64encode(svgs[key].encode("utf-8")).decode("ascii")
        return f"<figure><img alt='{_e(alt_text)}' src='data:image/svg+xml;base64,{data}'></figure>"

    parts.append("<h2>Status by dimension</h2>" + figure("rag", "Projects by RAG status"))
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
                for d in (*DIMENSIONS, "overall")
            },
            "Why": roll["overall_rule"],
        }
    )
    parts.append(
        "<h2>Roll-up</h2><p class='rule'>Hover a status for the rule that produced it.</p>"
        + _table(
            view,
            {
                "% done": num("{:.0f}"),
                "SPI": num("{:.2f}"),
                "CPI": num("{:.2f}"),
                f"BAC ({cur})": num("{:,.0f}"),
                f"EAC ({cur})": num("{:,.0f}"),
            },
            raw=tuple(d.title() for d in (*DIMENSIONS, "overall")),
        )
    )
    reg = risk_register(portfolio, status="open")
    kinds: tuple[tuple[Literal["threat", "opportunity"], str], ...] = (
        ("threat", "Top threats"),
        ("opportunity", "Top opportunities"),
    )
    for kind, label in kinds:
        top = top_risks(reg, 10, kind=kind) if (reg["kind"] == kind).any() else reg.head(0)
        tbl = pd.DataFrame(
            {
                "Risk": top["risk_id"],
                "Project": top["project_id"],
                "Title": top["title"],
                "Probability": top["probability"],
                f"Impact ({cur})": top["cost_impact"],
                f"Exposure ({cur})": top["exposure_cost"],
                "Owner": top["owner"],
                "Response": top["response"],
            }
        )
        parts.append(
            f"<h2>{label}</h2>"
            + _table(
                tbl,
                {
                    "Probability": num("{:.0%}"),
                    f"Impact ({cur})": num("{:,.0f}"),
                    f"Exposure ({cur})": num("{:,.0f}"),
                },
            )
        )
    parts.append("<h2>Exposure by programme</h2>" + figure("exposure", "Exposure by programme"))
    sig = significant_changes(portfolio)
    sig_view = pd.DataFrame(
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
    parts.append(
        "<h2>Change control board</h2>"
        + _table(sig_view, {f"Cost ({cur})": num("{:,.0f}"), "Schedule (days)": num("{:g}")})
    )
    comp = compliance_score(portfolio, rollup_df=roll)
    blocked = comp[comp["state"] == "blocked"]
    parts.append(
        "<h2>Governance: blocked</h2>"
        + _table(
            pd.DataFrame(
                {
                    "Project": blocked["project_id"],
                    "Score": blocked["compliance_score"],
                    "Blocking": blocked["blocking_reasons"],
                }
            ),
            {"Score": num("{:.0f}")},
        )
    )
    parts.append("<h2>Shared capacity</h2>" + figure("capacity", "Demand vs capacity heat map"))
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

    return _atomic_write(Path(path), write)
