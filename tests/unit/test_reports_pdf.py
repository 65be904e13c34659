"""The status pack prints to A4: print stylesheet, one page per project, and a real PDF."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_portfolio_export import _pf

from pmkit.reports import status_pack_html
from pmkit.reports.pdf import find_chromium, status_pack_pdf


def test_pack_has_a_print_stylesheet_and_a_section_per_project() -> None:
    doc = str(status_pack_html(_pf(), charts=False))
    assert "@page{size:A4" in doc and "@media print" in doc
    assert doc.count("<section class='project'>") == 2  # the fixture has two projects
    assert "break-before:page" in doc


def test_pdf_is_a4_with_a_page_per_project(tmp_path: Path) -> None:
    pytest.importorskip("playwright.sync_api", reason="PDF needs Playwright (pmkit[pdf])")
    if find_chromium() is None:
        pytest.skip("no Chromium on PATH")
    out = status_pack_pdf(_pf(), tmp_path / "pack.pdf", charts=False)
    data = Path(out).read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    assert pages >= 3, pages  # the portfolio pages, then one page for each of the 2 projects
    # A4 is 595 x 842 points
    assert re.search(rb"/MediaBox\s*\[\s*0\s+0\s+59[45](\.\d+)?\s+84[12](\.\d+)?\s*\]", data)
