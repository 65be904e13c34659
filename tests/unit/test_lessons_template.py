"""A lens chart's spec filled into a spec of the same shape equals the one altair builds.

On a project pick, the lessons page no longer builds the PM lens's chart with altair when a
chart of the same kind, language, titles, options and shape was built before: it puts the new
table's values into that spec (:func:`pmkit.ui.lessons._new_spec`). Checked here against a
build from scratch (the builder, ``to_dict`` and :func:`pmkit.charts.training.bilingual`, no
kept spec) for every lesson, both languages and several projects of the sample, and on small
hand-made tables of every chart kind (:func:`pmkit.charts.training.prepare` +
:func:`~pmkit.charts.training.draw` is :func:`~pmkit.charts.training.build`).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest

from pmkit.cache import load_sample
from pmkit.charts.training import bilingual, build, draw, prepare
from pmkit.training.content import load_content
from pmkit.training.demos import Lens, run_demo, sharing
from pmkit.ui import lessons
from pmkit.ui.lessons import Translator, chart_words, lens_chart, lens_spec


def _built(lens: Lens, tr: Translator) -> Any:
    """From scratch: the altair chart of the lens, its dict, its words made bilingual."""
    chart = lens_chart(lens, tr)
    if chart is None:
        return None
    return bilingual(chart.to_dict(validate=False), chart_words(lens, tr), tr.lang)


def test_filled_specs_equal_altair_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lessons, "_SPECS", {})
    monkeypatch.setattr(lessons, "_TEMPLATES", {})
    filled = []
    fill = lessons._with_table

    def counted(template: dict[str, Any], table: pd.DataFrame) -> Any:
        out = fill(template, table)
        filled.append(out is not None)
        return out

    monkeypatch.setattr(lessons, "_with_table", counted)
    p = load_sample()
    content = load_content()
    pids = [str(x) for x in p.projects["project_id"]]
    picked = [pids[0], pids[1], pids[len(pids) // 2], pids[-1]]
    memo: dict[Any, Any] = {}
    for pid in picked:
        for lesson in content.lessons:
            with sharing(memo):
                demo = run_demo(lesson.demo, p, pid)
            for lang in ("es", "en"):
                tr = Translator(content, lang)
                for lens in (demo.pm, demo.pmo):
                    assert lens_spec(lens, tr) == _built(lens, tr), (pid, lesson.id, lang)
    assert sum(filled) >= 20  # most PM lenses were filled, not built


def _hand_tables() -> list[tuple[str, pd.DataFrame, dict[str, Any]]]:
    bars = pd.DataFrame({"label": ["A", "B", "A"], "value": [3.0, 5.0, 1.0],
                         "group": ["blocked", "compliant", "compliant"]})  # fmt: skip
    colours = {"blocked": "#D55E00", "compliant": "#009E73"}
    load = pd.DataFrame({"period": ["2026-01-05", "2026-01-12"], "demand_hours": [30.0, 50.0],
                         "capacity_hours": [40.0, 40.0]})  # fmt: skip
    heat = pd.DataFrame({"role": ["dev", "qa", "dev"], "month": ["2026-01", "2026-01", "2026-02"],
                         "demand_hours": [10.0, 90.0, 5.0], "capacity_hours": [80.0, 60.0, 80.0],
                         "utilisation": [0.125, 1.5, 0.0625]})  # fmt: skip
    lines = pd.DataFrame({"date": ["2026-01-31", "2026-02-28"], "group": ["PV", "EV"],
                          "value": [10.0, 8.0]})  # fmt: skip
    return [
        ("bars", bars[["label", "value"]], {}),
        ("bars", bars, {}),
        ("bars", bars, {"colours": colours}),
        ("load", load, {}),
        ("heat", heat, {}),
        ("lines", lines, {}),
    ]


def test_prepare_then_draw_is_build() -> None:
    titles = {"title": "T", "x": "X", "y": "Y", "group": "G"}
    for kind, df, opts in _hand_tables():
        parts = prepare(kind, df, titles, **opts)
        assert parts is not None
        table, shape = parts
        got = draw(kind, table, shape, titles, **opts).to_dict(validate=False)
        assert got == build(kind, df, titles, **opts).to_dict(validate=False), kind
        assert prepare(kind, df.iloc[:0], titles, **opts) is None  # the empty chart: built


def test_a_template_takes_another_table_of_its_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bars of two labels, then of two other labels and values: the second spec, filled from
    the first, is the second table's build (its own data, same height); four labels make a
    taller chart, never filled from the two-label one."""
    monkeypatch.setattr(lessons, "_SPECS", {})
    monkeypatch.setattr(lessons, "_TEMPLATES", {})
    tr = Translator(load_content(), "en")
    titles = {"title": "t.budget_by_project", "x": "c.budget", "y": "c.project"}

    def lens(labels: list[str], values: list[float]) -> Lens:
        data = pd.DataFrame({"label": labels, "value": values})
        return Lens({}, data.assign(highlight=[True] + [False] * (len(labels) - 1)), "bars", titles)

    first = lens_spec(lens(["P1", "P2"], [1.5, 2.0]), tr)  # both fractional: one shape
    second_lens = lens(["P3", "P4"], [7.0, 2.5])
    second = lens_spec(second_lens, tr)
    assert first is not None and second is not None
    assert second == _built(second_lens, tr)
    assert second["datasets"] != first["datasets"] and second["height"] == first["height"] == 60
    four_lens = lens(["A", "B", "C", "D"], [1.5, 2.0, 3.0, 4.0])
    four = lens_spec(four_lens, tr)
    assert four == _built(four_lens, tr)
    assert four is not None and four["height"] == 80  # max(60, 20 * labels)
    assert len(lessons._TEMPLATES) == 2  # one per shape


def test_lens_tables_write_numbers_as_the_figures_do() -> None:
    """A lens table's amounts read like its figures (by hand: 9000.0 -> "9,000"), text stays
    escaped, and missing numbers are blank."""
    from pmkit.ui.lessons import _lens_table

    content = load_content()
    tr = Translator(content, "en")
    table = pd.DataFrame(
        {
            "title": ["<b>Go-live</b>", "Cut"],
            "cost_impact": [9000.0, -19000.0],
            "days": [3.0, float("nan")],
            "probability": [0.65, 0.004],
            "count": [2, 12345],
        }
    )
    html = _lens_table(table, tr)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html)
    assert cells == [
        "&lt;b&gt;Go-live&lt;/b&gt;", "9,000", "3", "0.65", "2",
        "Cut", "-19,000", "", "0", "12345",
    ]  # fmt: skip
