"""Import a schedule or a portfolio file and see, before anything is saved, whether it fits.

The PMO analyst uploads an MS Project XML (or .mpp/.xer/.pmxml when MPXJ + Java are here), a
portfolio workbook (.xlsx) or a zipped CSV portfolio folder. The upload is processed in a
temporary folder and merged with the served portfolio *in memory* through the validation door
(:func:`pmkit.importing.add_project`): the page shows either every problem (file, line or
element, field, value, expected) or the imported project's Gantt and a download of the merged
portfolio. Nothing is written into the served data folder.
"""

from __future__ import annotations

import base64
import io
import re
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ipywidgets as W
import pandas as pd

from pmkit.errors import PmkitError, PortfolioValidationError
from pmkit.exporting import export_project
from pmkit.format import fmt_date
from pmkit.importing import add_project, import_schedule, report_frame
from pmkit.io.csv_folder import load_portfolio, read_folder, sample_data_path, write_portfolio
from pmkit.io.excel import read_workbook, write_workbook
from pmkit.io.mpxj import mpxj_available
from pmkit.model import Portfolio
from pmkit.schedule import portfolio_adapter
from pmkit.ui._common import esc, guarded, header, html_table, live_chart, safe_build

__all__ = ["ImporterDashboard", "app", "build", "next_project_id"]

SCHEDULE_MPXJ = (".mpp", ".xer", ".pmxml")
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # a real plan is a few MB; beyond this, refuse politely
MAX_ZIP_MEMBERS = 50


def next_project_id(portfolio: Portfolio | None) -> str:
    """The first ``P<nn>`` not taken: a sensible default the analyst can overwrite."""
    taken = set(portfolio.project_ids) if portfolio is not None else set()
    n = 1
    while f"P{n:02d}" in taken:
        n += 1
    return f"P{n:02d}"


def _safe_name(name: str) -> str:
    """The uploaded file's base name, without any folder part or odd characters."""
    base = Path(str(name).replace("\\", "/")).name
    return re.sub(r"[^A-Za-z0-9._ -]", "_", base) or "upload"


def _extract_zip(path: Path, dest: Path) -> Path:
    """Unpack a zipped CSV folder safely; return the folder holding ``projects.csv``."""
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise PmkitError("not a readable .zip file", file=path.name) from None
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            raise PmkitError("too many files in the .zip", file=path.name, value=len(members))
        if sum(m.file_size for m in members) > MAX_UPLOAD_BYTES:
            raise PmkitError("the .zip unpacks to more than 50 MB", file=path.name)
        for m in members:
            parts = Path(m.filename.replace("\\", "/")).parts
            if m.filename.startswith(("/", "\\")) or ".." in parts:
                raise PmkitError("unsafe path inside the .zip", file=path.name, value=m.filename)
            target = dest.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(m))
    found = sorted(dest.rglob("projects.csv"), key=lambda p: len(p.parts))
    if not found:
        raise PmkitError(
            "the .zip holds no portfolio folder", file=path.name, expected="a projects.csv inside"
        )
    return found[0].parent


def _notes_html(notes: Sequence[str]) -> str:
    """How the file was read (a duplicate link kept once, durations converted...), as text."""
    if not notes:
        return ""
    items = "".join(f"<li>{esc(n)}</li>" for n in notes)
    head = f"{len(notes)} note(s) on how the file was read:"
    return f"<p class='pmkit-import-notes'>{head}</p><ul>{items}</ul>"


def merge_upload(
    portfolio: Portfolio | None,
    name: str,
    content: bytes,
    *,
    project_id: str,
    notes: list[str] | None = None,
) -> tuple[Portfolio, list[str]]:
    """Merge an uploaded file into ``portfolio`` (in memory); returns the merged portfolio
    and the ids of the projects it brought. Raises PmkitError / PortfolioValidationError.
    ``notes`` receives a schedule file's import notes (a duplicate link kept once, ...)."""
    fname = _safe_name(name)
    suffix = Path(fname).suffix.lower()
    if len(content) > MAX_UPLOAD_BYTES:
        raise PmkitError("file larger than 50 MB", file=fname, value=len(content))
    with tempfile.TemporaryDirectory(prefix="pmkit-import-") as tmp:
        path = Path(tmp) / fname
        path.write_bytes(content)
        try:
            if suffix == ".xml" or suffix in SCHEDULE_MPXJ:
                if suffix in SCHEDULE_MPXJ and not mpxj_available():
                    raise PmkitError(
                        "reading this format needs MPXJ and Java, not installed on this server",
                        file=fname,
                        expected="an MS Project XML (.xml) export",
                    )
                merged = import_schedule(path, into=portfolio, project_id=project_id, notes=notes)
                return merged, [project_id]
            if suffix in (".xlsx", ".zip"):
                if suffix == ".xlsx":
                    tables, _, report = read_workbook(path)
                else:
                    tables, _, report = read_folder(_extract_zip(path, Path(tmp) / "unzipped"))
                report.source = fname
                report.raise_if_errors()
                merged = add_project(portfolio, tables, source=fname)
                return merged, tables["projects"]["project_id"].astype(str).tolist()
        except PmkitError as exc:
            _relocate(exc, tmp, fname)
            raise
        raise PmkitError(
            "unknown file type",
            file=fname,
            value=suffix,
            expected=".xml (MS Project), .xlsx (portfolio workbook) or .zip (CSV folder)"
            + (", .mpp, .xer, .pmxml" if mpxj_available() else ""),
        )


def _relocate(exc: PmkitError, tmp: str, fname: str) -> None:
    """Errors name the uploaded file, never the temporary folder it was processed in."""
    if exc.file and str(exc.file).startswith(tmp):
        exc.file = fname
    if exc.message and tmp in exc.message:
        exc.message = exc.message.replace(tmp + "/", "").replace(tmp, "")
        exc.args = (exc.message,)


def portfolio_zip(portfolio: Portfolio) -> bytes:
    """The portfolio as a .zip of CSV files (+ standards.yaml)."""
    buf = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="pmkit-export-") as tmp:
        folder = write_portfolio(portfolio, Path(tmp) / "portfolio")
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(folder.iterdir()):
                zf.write(f, f"portfolio/{f.name}")
    return buf.getvalue()


def portfolio_xlsx(portfolio: Portfolio) -> bytes:
    """The portfolio as one workbook (a sheet per table)."""
    with tempfile.TemporaryDirectory(prefix="pmkit-export-") as tmp:
        return write_workbook(portfolio, Path(tmp) / "portfolio.xlsx").read_bytes()


def project_mspdi(portfolio: Portfolio, project_id: str) -> bytes:
    """One project as MS Project XML (:func:`pmkit.exporting.export_project`)."""
    with tempfile.TemporaryDirectory(prefix="pmkit-export-") as tmp:
        return export_project(portfolio, project_id, Path(tmp) / "project.xml").read_bytes()


class ImporterDashboard:
    """Upload, project id, Import; then the report or the Gantt and a download link."""

    def __init__(self, portfolio: Portfolio | None) -> None:
        self.portfolio = portfolio
        self.merged: Portfolio | None = None
        self.new_ids: list[str] = []
        self.mpxj = mpxj_available()
        accept = ".xml,.xlsx,.zip" + (",.mpp,.xer,.pmxml" if self.mpxj else "")
        self.upload = W.FileUpload(accept=accept, multiple=False, description="Choose file")
        self.project_id = W.Text(
            value=next_project_id(portfolio), description="Project id", layout={"width": "220px"}
        )
        self.button = W.Button(description="Import", button_style="primary", icon="")
        self.fmt = W.ToggleButtons(
            options=[
                ("CSV folder (.zip)", "zip"),
                ("Workbook (.xlsx)", "xlsx"),
                ("MS Project XML (.xml)", "mspdi"),
            ]
        )
        self.progress = W.IntProgress(value=0, min=0, max=4, layout={"width": "220px"})
        self.status = W.HTML()
        self.result = W.HTML()
        self.gantt_box = W.VBox()
        self.download = W.HTML()
        formats = ".xml (MS Project XML), .xlsx (portfolio workbook), .zip (CSV portfolio folder)"
        if self.mpxj:
            mpxj_note = "MPXJ is available: .mpp, .xer and .pmxml files are read too."
        else:
            mpxj_note = (
                "MPXJ/Java is not installed here: .mpp, .xer and .pmxml files cannot be read; "
                "export them as MS Project XML first."
            )
        base = (
            f"{len(portfolio.projects)} projects in the served portfolio"
            if portfolio is not None
            else "no served portfolio: the import stands alone"
        )
        self.button.on_click(self._on_import)
        self.fmt.observe(self._on_fmt, names="value")
        self.widget = W.VBox(
            [
                header(
                    "Import a schedule or portfolio", "PMO analysts: check a file before it joins"
                ),
                W.HTML(
                    f"<p>Accepted: {esc(formats)}.<br><span class='pmkit-mpxj'>{esc(mpxj_note)}"
                    f"</span><br><span class='pmkit-note'>Checked against {esc(base)}; "
                    "nothing is saved on the server.</span></p>"
                ),
                W.HBox([self.upload, self.project_id, self.button, self.progress]),
                self.status,
                self.result,
                self.gantt_box,
                W.HBox([W.HTML("<b>Download as</b>&nbsp;"), self.fmt]),
                self.download,
            ]
        )

    # -- actions -------------------------------------------------------------------------
    def _on_import(self, _: Any) -> None:
        guarded(self.result)(self.run_upload)()

    def _on_fmt(self, _: Any) -> None:
        guarded(self.download)(self.refresh_download)()

    def _step(self, n: int, text: str) -> None:
        self.progress.value = n
        self.status.value = f"<p class='pmkit-note pmkit-progress'>{esc(text)}</p>"

    def run_upload(self) -> bool:
        """Import what the FileUpload holds (the button's handler)."""
        files = list(self.upload.value or ())
        if not files:
            self.result.value = "<div class='pmkit-error' role='alert'>Choose a file first.</div>"
            return False
        f = files[0]
        return self.import_bytes(str(f["name"]), bytes(f["content"]))

    def import_bytes(self, name: str, content: bytes) -> bool:
        """Merge one uploaded file; show the report or the result. True on success."""
        self.merged, self.new_ids = None, []
        self.gantt_box.children = ()
        self.download.value = ""
        self.result.value = ""
        self.button.disabled = True
        fname = _safe_name(name)
        try:
            self._step(1, f"Reading {fname} ...")
            notes: list[str] = []
            merged, ids = merge_upload(
                self.portfolio, name, content, project_id=self.project_id.value.strip(), notes=notes
            )
            self._step(2, "Scheduling the imported project ...")
            self.merged, self.new_ids = merged, ids
            self.result.value = self._summary(fname, notes)
            self._draw_gantt()
            self._step(3, "Preparing the download ...")
            self.refresh_download()
            self._step(4, f"{fname} imported.")
            return True
        except PortfolioValidationError as exc:
            self._step(0, f"{fname} was not imported.")
            self.result.value = self._report_html(fname, exc)
            return False
        except PmkitError as exc:
            self._step(0, f"{fname} was not imported.")
            self.result.value = (
                "<div class='pmkit-error pmkit-import-error' role='alert'><b>"
                f"{esc(fname)} could not be read.</b><br>{esc(str(exc))}</div>"
            )
            return False
        finally:
            self.button.disabled = False

    # -- views ---------------------------------------------------------------------------
    def _report_html(self, fname: str, exc: PortfolioValidationError) -> str:
        report = exc.report
        if report is None:
            return f"<div class='pmkit-error' role='alert'>{esc(str(exc))}</div>"
        df = report_frame(report)
        return (
            "<div class='pmkit-error pmkit-import-error' role='alert'><b>"
            f"{esc(fname)} was not imported: {len(report.errors)} error(s) to fix"
            "</b> (the portfolio is unchanged).</div>"
            + html_table(df, max_rows=200, table_id="import-report")
        )

    def _summary(self, fname: str, notes: Sequence[str] = ()) -> str:
        assert self.merged is not None
        p = self.merged.projects[self.merged.projects["project_id"].isin(self.new_ids)]
        t = self.merged.tasks[self.merged.tasks["project_id"].isin(self.new_ids)]
        rows = "".join(
            f"<li><b class='pmkit-imported-id'>{esc(r['project_id'])}</b> {esc(r['name'])}: "
            f"start {esc(pd.Timestamp(r['start']).date())}, "
            f"{int((t['project_id'] == r['project_id']).sum()):,} tasks</li>"
            for _, r in p.iterrows()
        )
        return (
            f"<div class='pmkit-import-ok'><p><b>{esc(fname)} imported</b>: "
            f"{len(p)} project(s), {len(t):,} tasks; the merged portfolio passed every check "
            f"({len(self.merged.projects)} projects).</p><ul>{rows}</ul>"
            + _notes_html(notes)
            + "</div>"
        )

    def _draw_gantt(self) -> None:
        from pmkit.charts.gantt import gantt_chart, gantt_rows  # lazy: ~5 ms of the kernel's start

        assert self.merged is not None
        pid = self.new_ids[0]
        plan = portfolio_adapter.schedule_project
        sched = plan(self.merged.as_planned(), pid)  # the file's own plan
        forecast = plan(self.merged, pid).finish  # at the portfolio's status date
        tasks = self.merged.tasks[self.merged.tasks["project_id"] == pid]
        links = self.merged.links[self.merged.links["succ_id"].isin(set(tasks["task_id"]))]
        rows = gantt_rows(tasks, sched)  # float in days of the file's own calendar
        chart = gantt_chart(rows.head(300), links=links, selectable=False, title=f"{pid} schedule")
        finish = fmt_date(sched.finish)
        self.gantt_box.children = (
            W.HTML(
                f"<p>Scheduled finish of <b>{esc(pid)}</b> as planned in the file: "
                f"<b class='pmkit-import-finish'>{esc(finish)}</b>; in the portfolio at its "
                f"status date ({esc(fmt_date(self.merged.status_date, missing='none'))}), "
                "where work not recorded as done by then moves after it: "
                f"<b class='pmkit-import-forecast'>{esc(fmt_date(forecast))}</b>"
                + (" (first 300 rows shown)" if len(rows) > 300 else "")
                + "</p>"
            ),
            live_chart(chart),
        )

    def refresh_download(self) -> None:
        """The data: URI link of the merged portfolio in the chosen format."""
        if self.merged is None:
            self.download.value = ""
            return
        if self.fmt.value == "xlsx":
            try:
                book = portfolio_xlsx(self.merged)
            except PmkitError as exc:  # a cell Excel cannot hold: said, not a traceback
                self.download.value = f"<div class='pmkit-error' role='alert'>{esc(str(exc))}</div>"
                return
            data, mime, fname = (
                book,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "portfolio.xlsx",
            )
        elif self.fmt.value == "mspdi" and self.new_ids:
            pid = self.new_ids[0]
            data, mime, fname = project_mspdi(self.merged, pid), "application/xml", f"{pid}.xml"
        else:
            data, mime, fname = portfolio_zip(self.merged), "application/zip", "portfolio.zip"
        what = (
            f"project {esc(self.new_ids[0])} as MS Project XML"
            if fname.endswith(".xml")
            else "the merged portfolio"
        )
        b64 = base64.b64encode(data).decode("ascii")
        self.download.value = (
            f"<a class='pmkit-download' download='{esc(fname)}' href='data:{mime};base64,{b64}'>"
            f"Download {what} ({esc(fname)}, {len(data) / 1024:,.0f} KB)</a>"
        )


def build(path: str | None = None) -> W.Widget:
    """The importer on the portfolio at ``path`` (default: ``$PMKIT_DATA`` or the sample)."""
    return ImporterDashboard(load_portfolio(path or sample_data_path())).widget


def app(path: str | None = None) -> W.Widget:
    """Build the importer; a data problem shows as a message, never a traceback."""
    return safe_build(lambda: build(path))
