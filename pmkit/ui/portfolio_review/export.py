"""Export tab: the status pack and the Excel roll-up as downloads."""

from __future__ import annotations

import base64
import os
import tempfile
import time
from pathlib import Path

import ipywidgets as W

from pmkit import reports as export
from pmkit.ui._common import esc, guarded
from pmkit.ui.portfolio_review._base import (
    MAX_DOWNLOAD_BYTES,
    _html,
    _note,
    _Tab,
)


class ExportTab(_Tab):
    def build(self) -> None:
        self.html_btn = W.Button(description="Status pack (HTML)", button_style="primary",
                                 layout=W.Layout(width="200px"))  # fmt: skip
        self.xlsx_btn = W.Button(description="Roll-up (Excel)", button_style="primary",
                                 layout=W.Layout(width="200px"))  # fmt: skip
        self.out = W.HTML()
        self.html_btn.on_click(lambda _b: guarded(self.out)(self.export_html)())
        self.xlsx_btn.on_click(lambda _b: guarded(self.out)(self.export_excel)())
        self.widget = W.VBox(
            [
                self.message,
                _html(
                    _note(
                        "Exports cover the projects the filters show. The file is written on "
                        "the server and offered as a download link below."
                    )
                ),
                W.HBox([self.html_btn, self.xlsx_btn]),
                self.out,
            ]
        )

    def refresh(self) -> None:
        self.out.value = ""

    def folder(self) -> Path:
        """Where exports go: ``$PMKIT_EXPORTS``, else a pmkit folder in the temp directory."""
        target = Path(
            os.environ.get("PMKIT_EXPORTS") or Path(tempfile.gettempdir()) / "pmkit-exports"
        )
        target.mkdir(parents=True, exist_ok=True)
        return target

    def _stamp(self) -> str:
        return time.strftime("%Y%m%d-%H%M%S")

    def export_html(self) -> Path:
        """Write the status pack (self-contained HTML, charts as SVG) and offer it."""
        self.out.value = _note("Writing the status pack…")
        path = self.folder() / f"status-pack-{self._stamp()}.html"
        written = export.status_pack_html(
            self.r.p, path, schedule=self.r.schedule(), rollup_df=self.r.rollup
        )
        path = Path(written) if isinstance(written, str | os.PathLike) else path
        self.out.value = _download(path, "text/html")
        return path

    def export_excel(self) -> Path:
        """Write the roll-up workbook and offer it."""
        self.out.value = _note("Writing the workbook…")
        path = self.folder() / f"portfolio-rollup-{self._stamp()}.xlsx"
        written = export.export_excel(
            self.r.p, path, schedule=self.r.schedule(), rollup_df=self.r.rollup
        )
        path = Path(written) if isinstance(written, str | os.PathLike) else path
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        self.out.value = _download(path, mime)
        return path


def _download(path: Path, mime: str) -> str:
    """A download link carrying the file (data: URI), and the server path it was written to."""
    size = path.stat().st_size
    where = f"Written to <code>{esc(path)}</code> ({size:,} bytes)."
    if size > MAX_DOWNLOAD_BYTES:
        return f"<p>{where} Too large to offer as a link here: fetch it from that path.</p>"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f'<p><a class="pmkit-download" download="{esc(path.name)}" '
        f'href="data:{mime};base64,{data}">⬇ Download {esc(path.name)}</a></p><p>{where}</p>'
    )
