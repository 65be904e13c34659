"""Landing page and glance, in-process: a broken folder shows its report, filters narrow."""

from __future__ import annotations

import shutil
from pathlib import Path

from pmkit.io.csv_folder import load_portfolio
from pmkit.ui import glance, home

REPO = Path(__file__).resolve().parents[2]


def _html(widget: object) -> str:
    out = []
    stack = [widget]
    while stack:
        w = stack.pop()
        if hasattr(w, "value") and isinstance(w.value, str):
            out.append(w.value)
        stack.extend(getattr(w, "children", ()))
    return "\n".join(out)


def test_landing_shows_the_validation_report_of_a_broken_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    links = (data / "links.csv").read_text().splitlines()
    links[3] = links[3].replace(links[3].split(",")[1], "NOPE", 1)
    (data / "links.csv").write_text("\n".join(links) + "\n")
    page = _html(home.app(str(data)))
    assert "validation-report" in page and "links.csv" in page and "NOPE" in page
    assert "Traceback" not in page


def test_glance_filter_narrows_the_table() -> None:
    pf = load_portfolio(REPO / "data")
    w = glance.build(pf)
    before = _html(w).count("<tr>")
    programme = w.children[1].children[0]
    programme.value = programme.options[1]
    after = _html(w).count("<tr>")
    assert 1 < after < before


def test_landing_lists_snapshot_warnings(tmp_path: Path) -> None:
    """A status report whose cumulative EV falls loads, and the landing page names it."""
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    lines = (data / "snapshots.csv").read_text().splitlines()
    head = lines[0].split(",")
    i_ev = head.index("ev")
    cells = lines[3].split(",")  # line 4: P01's third report
    cells[i_ev] = "10.00"
    lines[3] = ",".join(cells)
    (data / "snapshots.csv").write_text("\n".join(lines) + "\n")
    page = _html(home.app(str(data)))
    assert "validation-warnings" in page and "snapshots.csv" in page
    assert "cumulative" in page and "Traceback" not in page
