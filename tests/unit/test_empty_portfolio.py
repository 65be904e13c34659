"""`pmkit init --empty` writes a portfolio that validates, and the dashboards say it is empty.

An empty portfolio (every table's header, no project, no task) is a starting point, not an
error: `pmkit validate` exits 0 with a note, and the landing page, the portfolio glance and the
PMO review show "Empty portfolio: import or add a project" instead of an error panel.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pmkit.bundle import init_workspace
from pmkit.io.csv_folder import EMPTY_PORTFOLIO, cli_validate, load_portfolio, validate_portfolio
from pmkit.ui.empty import EMPTY_MESSAGE


def _texts(widget) -> str:
    out = [widget.value] if isinstance(getattr(widget, "value", None), str) else []
    for child in getattr(widget, "children", ()):
        out.append(_texts(child))
    return "\n".join(out)


@pytest.fixture(scope="module")
def empty_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = init_workspace(tmp_path_factory.mktemp("ws") / "team", empty=True)
    return root / "data"


def test_init_empty_then_validate_exits_0_with_a_note(empty_folder, capsys) -> None:
    assert cli_validate(str(empty_folder)) == 0
    out = capsys.readouterr().out
    assert "0 error(s)" in out and EMPTY_PORTFOLIO in out
    report = validate_portfolio(empty_folder)
    assert report.ok and [i.message for i in report.notes] == [EMPTY_PORTFOLIO]


def test_a_portfolio_with_projects_but_no_task_is_still_an_error(empty_folder, tmp_path) -> None:
    folder = tmp_path / "pf"
    folder.mkdir()
    for f in empty_folder.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    sample = Path(__file__).resolve().parents[2] / "data" / "projects.csv"
    (folder / "projects.csv").write_bytes(sample.read_bytes())
    report = validate_portfolio(folder)
    assert not report.ok
    assert any(
        i.file == "tasks.csv" and i.line == 2 and "header but no rows" in i.message
        for i in report.errors
    )


def test_dashboards_show_the_empty_state_not_an_error(empty_folder) -> None:
    from pmkit.ui import glance, home, portfolio_review

    pf = load_portfolio(empty_folder)
    pages = {
        "landing": home.build(str(empty_folder)),
        "glance": glance.app(pf),
        "review": portfolio_review.app(pf),
    }
    for name, widget in pages.items():
        text = _texts(widget)
        assert EMPTY_MESSAGE in text, name
        assert "role='alert'" not in text and "Could not show" not in text, name
