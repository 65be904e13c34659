"""Landing page and glance, in-process: a broken folder shows its report, filters narrow."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _fake_page import fake_page  # noqa: F401  (a page that embeds each chart)

from pmkit.io.csv_folder import load_portfolio
from pmkit.ui import glance, home

pytestmark = pytest.mark.usefixtures("fake_page")

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


def test_glance_draws_a_page_of_the_worst_and_counts_every_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """#12: with more projects than a page, the table and the timeline draw the worst ones and
    say so; the totals still count every project; "Show all" draws them all."""
    import re

    from pmkit.generate import write_generated
    from pmkit.portfolio.rollup import rollup
    from pmkit.schedule.portfolio_adapter import schedule_portfolio

    write_generated(tmp_path / "gen", n_projects=12, seed=5)
    pf = load_portfolio(tmp_path / "gen")
    monkeypatch.setattr(glance, "MAX_ROWS", 5)
    w = glance.build(pf)
    html = _html(w)
    table = html.split('id="glance-table"')[1].split("</table>")[0]
    assert table.count("<tr>") == 5 + 1  # header + a page
    assert "Showing the 5 projects with the worst status of the 12" in html
    # the totals come from every project: recomputed here from the engine's roll-up
    roll = rollup(pf, schedule=schedule_portfolio(pf))
    assert "<b>12</b> of 12 projects" in html
    for s in ("green", "amber", "red"):
        assert f"{s.capitalize()}: {int((roll['rag_overall'] == s).sum())}" in html
    # the drawn ones are the worst: no project left out ranks worse than one shown
    rank = {"red": 0, "amber": 1, "grey": 2, "green": 3}
    drawn = set(re.findall(r"project=([^'\"&]+)'>plan", table))
    assert len(drawn) == 5
    ranks = roll.set_index("project_id")["rag_overall"].map(rank).fillna(4)
    assert ranks[list(drawn)].max() <= ranks.drop(list(drawn)).min()
    chart_rows = w.children[-1].chart.to_dict()["datasets"]
    assert max(len(v) for v in chart_rows.values()) == 5
    show_all = w.children[3].children[1]
    show_all.value = True
    html = _html(w)
    assert html.split('id="glance-table"')[1].split("</table>")[0].count("<tr>") == 12 + 1
    assert "glance-more" not in html
