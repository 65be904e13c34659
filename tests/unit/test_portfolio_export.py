"""Excel roll-up and HTML status pack: content, escaping, atomic replace, no engine leak."""

from __future__ import annotations

import html
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from portfolio_fixtures import make_portfolio, project, task

from pmkit.portfolio.rollup import rollup
from pmkit.reports import EXCEL_SHEETS, export_excel, status_pack_html

EVIL = '<script>alert("x")</script> & Co'


def _pf():
    return make_portfolio(
        standards={"status_date": "2025-03-10"},
        projects=[project("P1", name=EVIL), project("P2", name="=HYPERLINK(\"http://x\")")],
        tasks=[task("P1-T1", "P1"), task("P2-T1", "P2")],
        snapshots=[dict(project_id="P1", report_date="2025-03-01", pv=100.0, ev=80.0, ac=100.0,
                        percent_complete=10.0, forecast_finish="2025-07-31")],
        risks=[dict(risk_id="R1", project_id="P1", kind="threat", title=EVIL, probability=0.5,
                    cost_impact=1000.0, schedule_impact_days=1.0, response="mitigate",
                    status="open"),
               dict(risk_id="R2", project_id="P2", kind="opportunity", title="cheaper licences",
                    probability=0.5, cost_impact=500.0, schedule_impact_days=0.0,
                    response="exploit", status="open")],
    )  # fmt: skip


def test_excel_has_the_rollup_and_text_never_becomes_a_formula(tmp_path) -> None:
    pf = _pf()
    out = export_excel(pf, tmp_path / "roll.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == list(EXCEL_SHEETS)
    ws = wb["Roll-up"]
    header = [c.value for c in ws[1]]
    roll = rollup(pf)
    assert header == list(roll.columns) and ws.max_row == len(roll) + 1
    names = {ws.cell(row=r, column=header.index("name") + 1).value for r in (2, 3)}
    assert names == {EVIL, '=HYPERLINK("http://x")'}
    cell = next(c for c in ws[3] + ws[2] if c.value == '=HYPERLINK("http://x")')
    assert cell.data_type == "s"
    spi = ws.cell(row=2, column=header.index("spi") + 1).value
    assert spi == pytest.approx(0.8)
    assert not list(tmp_path.glob(".roll.xlsx.*"))  # the temp file was moved, not left behind


def test_status_pack_escapes_names_and_embeds_charts(tmp_path) -> None:
    pf = _pf()
    path = status_pack_html(pf, tmp_path / "pack.html")
    doc = Path(path).read_text(encoding="utf-8")
    assert "<script>" not in doc
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in doc
    assert doc.count("data:image/svg+xml;base64,") == 3
    assert "Top opportunities" in doc and "cheaper licences" in doc
    roll = rollup(pf).set_index("project_id")
    assert (
        f'title="{html.escape(roll.loc["P1", "schedule_rule"])}"' in doc
    )  # the rule behind each colour
    assert "<link" not in doc and "src='http" not in doc  # self-contained: nothing to fetch


def test_pack_without_charts_returns_text() -> None:
    doc = status_pack_html(_pf(), charts=False)
    assert isinstance(doc, str) and doc.startswith("<!DOCTYPE html>")
    assert "<img" not in doc


def test_engine_import_does_not_load_the_chart_stack() -> None:
    code = "import sys, pmkit.portfolio; print('altair' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_name_longer_than_a_cell_is_cut_with_a_note_in_the_cell(tmp_path) -> None:
    """The roll-up workbook is a report: a 200,000-character name is cut to what a cell
    holds (32,767), and the cell says so with the full length (openpyxl cut it with only a
    Python warning); a name that fits is untouched, to the last character."""
    import warnings

    from pmkit.io.excel import EXCEL_CELL_CHARS

    long = "N" * 200_000
    fits = "F" * EXCEL_CELL_CHARS
    pf = make_portfolio(
        standards={"status_date": "2025-03-10"},
        projects=[project("P1", name=long), project("P2", name=fits)],
        tasks=[task("P1-T1", "P1"), task("P2-T1", "P2")],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no Python warning stands in for the note
        out = export_excel(pf, tmp_path / "roll.xlsx")
    ws = openpyxl.load_workbook(out)["Roll-up"]
    col = [c.value for c in ws[1]].index("name") + 1
    names = sorted((ws.cell(row=r, column=col).value for r in (2, 3)), key=len)
    assert len(names[0]) == len(names[1]) == EXCEL_CELL_CHARS
    assert names[0] == fits or names[1] == fits
    cut = names[1] if names[0] == fits else names[0]
    assert cut.startswith("N" * 30_000)
    assert cut.endswith("[... cut: 200,000 characters; an Excel cell holds 32,767]")
