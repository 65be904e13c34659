"""The status pack as a PDF, printed by headless Chromium through Playwright.

Why Chromium (and not WeasyPrint): the pack is HTML with SVG charts and a print stylesheet, and
Chromium is the engine the dashboards are already tested with (the browser tests drive Debian's
Chromium through Playwright), so the PDF is the page a reader sees when printing from a browser.
It supports everything the stylesheet uses (A4 ``@page`` size, repeated table headers, page
breaks per project, SVG images) and adds page numbers in the footer. WeasyPrint would be a second
layout engine with its own CSS subset and needs Pango/cairo system libraries on every machine.

Chromium is optional: ``pip install 'pmkit[pdf]'`` brings Playwright, and the browser is either
the system's (``/usr/bin/chromium``, ``$PMKIT_CHROMIUM``) or Playwright's own
(``playwright install chromium``). Without them :class:`PdfUnavailableError` says so, and the
HTML pack still prints from any browser.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from pmkit.errors import PdfUnavailableError
from pmkit.reports._files import atomic_write
from pmkit.reports.status_pack import status_pack_html

__all__ = ["PdfUnavailableError", "find_chromium", "html_to_pdf", "status_pack_pdf"]

_FOOTER = (
    "<div style='font-size:8px;width:100%;text-align:center;color:#555'>"
    "<span class='pageNumber'></span> / <span class='totalPages'></span></div>"
)


def find_chromium() -> str | None:
    """A Chromium/Chrome executable: ``$PMKIT_CHROMIUM``, then the usual names on ``PATH``."""
    env = os.environ.get("PMKIT_CHROMIUM")
    if env and Path(env).is_file():
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _launch(pw: object) -> object:
    exe = find_chromium()
    args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
    try:
        return pw.chromium.launch(executable_path=exe, args=args)  # type: ignore[attr-defined]
    except Exception as exc:  # Playwright raises its own Error when no browser is installed
        raise PdfUnavailableError(
            "no Chromium to print with: install one (apt-get install chromium, or "
            "playwright install chromium), or print the HTML pack from a browser",
            value=str(exc).splitlines()[0] if str(exc) else None,
        ) from exc


def html_to_pdf(html: str, path: str | os.PathLike[str]) -> Path:
    """Print an HTML document to an A4 PDF (page numbers in the footer), written atomically.

    The page is loaded with every network request refused, so printing never reaches out:
    the document must be self-contained (the status pack is).
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise PdfUnavailableError(
            "writing a PDF needs Playwright: pip install 'pmkit[pdf]' (and a Chromium)"
        ) from exc

    def write(tmp: Path) -> None:
        with sync_playwright() as pw:
            browser = _launch(pw)
            try:
                page = browser.new_page()  # type: ignore[attr-defined]
                page.route("**/*", lambda route: route.abort())
                page.set_content(html, wait_until="load")
                page.emulate_media(media="print")
                page.pdf(
                    path=str(tmp),
                    format="A4",
                    print_background=True,
                    prefer_css_page_size=True,
                    display_header_footer=True,
                    header_template="<span></span>",
                    footer_template=_FOOTER,
                )
            finally:
                browser.close()  # type: ignore[attr-defined]

    return atomic_write(Path(path), lambda tmp: _outside_event_loop(write, tmp))


def _outside_event_loop(fn: Any, *args: Any) -> Any:
    """Run ``fn`` here, or in a worker thread when this thread runs an asyncio loop.

    Playwright's sync API refuses to run inside a running loop, and a Jupyter kernel (a notebook
    cell) always has one.
    """
    import asyncio
    import concurrent.futures

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result()


def status_pack_pdf(
    portfolio: object,
    path: str | os.PathLike[str],
    **kwargs: object,
) -> Path:
    """The status pack (:func:`~pmkit.reports.status_pack.status_pack_html`) as an A4 PDF.

    Keyword arguments go to ``status_pack_html`` (``schedule``, ``rollup_df``, ``title``...).

    Raises
    ------
    PdfUnavailableError
        Playwright or Chromium is missing (nothing is written).
    """

    doc = status_pack_html(portfolio, None, **kwargs)  # type: ignore[arg-type]
    return html_to_pdf(str(doc), path)
