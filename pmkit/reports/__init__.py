"""Reports: files for people who read on paper or in Excel (a layer above the charts).

- :func:`status_pack_html`: the PMO status pack, one self-contained HTML file (prints to A4);
- :func:`status_pack_pdf`: the same pack as a PDF (Chromium's print, see :mod:`pmkit.reports.pdf`);
- :func:`export_excel`: the roll-up workbook.

Layers: engines (``pmkit.portfolio`` builds the tables, e.g. ``pack_tables``) → charts → reports
→ ui / cli. Reports import charts only when they draw, so ``import pmkit`` stays light.
"""

from __future__ import annotations

from pmkit.reports.excel import EXCEL_SHEETS, export_excel
from pmkit.reports.pdf import PdfUnavailableError, html_to_pdf, status_pack_pdf
from pmkit.reports.status_pack import status_pack_html

__all__ = [
    "EXCEL_SHEETS",
    "PdfUnavailableError",
    "export_excel",
    "html_to_pdf",
    "status_pack_html",
    "status_pack_pdf",
]
