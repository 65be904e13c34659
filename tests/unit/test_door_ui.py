"""The landing page and the importer show the report ``pmkit validate`` prints; long names are
data, cut on the page with the whole text on hover (escaped)."""

from __future__ import annotations

import contextlib
import html
import io
import shutil
import zipfile
from pathlib import Path

import pandas as pd
from _door_factory import DATA, write_dialect

from pmkit.cli import main
from pmkit.format import html_table
from pmkit.io.csv_folder import load_portfolio, validate_portfolio
from pmkit.ui import home
from pmkit.ui.importer import ImporterDashboard

SPANISH = {"delimiter": ";", "encoding": "cp1252", "newline": "\r\n", "decimal": ",",
           "dates": "dmy", "bools": ("VERDADERO", "FALSO")}  # fmt: skip


def _html(widget: object) -> str:
    out, stack = [], [widget]
    while stack:
        w = stack.pop()
        if hasattr(w, "value") and isinstance(w.value, str):
            out.append(w.value)
        stack.extend(getattr(w, "children", ()))
    return "\n".join(out)


def _cli(path: Path) -> tuple[int, str]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        code = main(["validate", str(path)])
    return code, buf.getvalue()


def _broken_spanish(tmp_path: Path) -> Path:
    folder = write_dialect(tmp_path / "es", **SPANISH)  # type: ignore[arg-type]
    text = (folder / "links.csv").read_text(encoding="cp1252").splitlines()
    cells = text[5].split(";")
    cells[3] = "1e300"  # an overflowing lag on line 6
    text[5] = ";".join(cells)
    (folder / "links.csv").write_text("\n".join(text) + "\n", encoding="cp1252")
    return folder


def test_landing_and_cli_show_the_same_report(tmp_path: Path) -> None:
    folder = _broken_spanish(tmp_path)
    code, out = _cli(folder)
    assert code == 1 and "links.csv:6, field 'lag_days': number out of range" in out
    page = html.unescape(_html(home.app(str(folder))))
    report = validate_portfolio(folder)
    assert report.errors and report.notes
    for issue in report.issues:  # every line of the CLI report is on the page
        assert issue.message in page and issue.file in page
        assert str(issue) in out


def test_landing_reads_a_spanish_excel_folder_and_says_how(tmp_path: Path) -> None:
    folder = write_dialect(tmp_path / "es", **SPANISH)  # type: ignore[arg-type]
    page = html.unescape(_html(home.app(str(folder))))
    assert "14 projects" in page and "Data checks: passed" in page
    assert "read as semicolon-separated" in page and "decimal comma" in page


def test_importer_shows_the_cli_report_of_a_zipped_folder(tmp_path: Path) -> None:
    folder = _broken_spanish(tmp_path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in folder.iterdir():
            zf.write(f, f"es/{f.name}")
    dash = ImporterDashboard(None)
    assert dash.import_bytes("es.zip", buf.getvalue()) is False
    page = html.unescape(dash.result.value)
    _, out = _cli(folder)
    assert "number out of range" in page and "1e300" in page
    for issue in validate_portfolio(folder).errors:
        assert issue.message in page and str(issue) in out


def test_a_100k_character_name_is_data_and_shown_cut_with_hover(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "pf")
    path = tmp_path / "pf" / "projects.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    long_name = "<b>Big</b> & " + "x" * 100_000
    df.loc[0, "name"] = long_name
    df.to_csv(path, index=False)
    pf = load_portfolio(tmp_path / "pf")
    assert pf.projects.loc[0, "name"] == long_name  # accepted, whole
    cell = html_table(pf.projects[["project_id", "name"]].head(1))
    assert "<b>Big" not in cell and "&lt;b&gt;Big&lt;/b&gt; &amp; " in cell  # escaped
    shown = cell.split('">', 2)[-1]
    assert len(shown) < 400 and "…" in shown  # cut on the page
    assert f'title="{html.escape(long_name, quote=True)}"' in cell  # whole on hover
