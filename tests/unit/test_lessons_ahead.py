"""The lessons page computed ahead: a project pick, the language switch and a PMO type only put
panels on the page, and what they show equals the panels computed from scratch.

Each project's panels (every lesson, both languages) are computed once per data version and
shared between kernels (:func:`pmkit.cache.derived`), a kernel adding one project to those
already shared; another kernel reads them, computing nothing, and changed data computes them
again (never stale). A chart of the shape shown (another project in
the same lesson) travels as data, not as a spec.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
from _fake_page import fake_page  # noqa: F401  (a page that embeds each chart)

from pmkit import cache
from pmkit.charts.training import bar_chart
from pmkit.training.content import load_content
from pmkit.training.demos import run_demo
from pmkit.ui import lessons
from pmkit.ui._swap import spec_shape
from pmkit.ui.lessons import LessonsApp, Translator, lens_view

pytestmark = pytest.mark.usefixtures("fake_page")


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the sample as this process's data, an empty shared cache, no kernel memory."""
    data = tmp_path / "data"
    shutil.copytree(Path(lessons.__file__).parents[2] / "data", data)
    monkeypatch.setenv("PMKIT_DATA", str(data))
    monkeypatch.setenv("PMKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_MEMO", {})
    monkeypatch.setattr(cache, "_OWNER", {})
    monkeypatch.setattr(lessons, "_SHARED", {})
    monkeypatch.setattr(lessons, "_SPECS", {})  # the chart specs a kernel kept
    monkeypatch.setattr(lessons, "_TEMPLATES", {})
    return data


def _another_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget what this process holds, as a new kernel would (the cache files stay)."""
    monkeypatch.setattr(cache, "_MEMO", {})
    monkeypatch.setattr(cache, "_OWNER", {})
    monkeypatch.setattr(lessons, "_SHARED", {})
    monkeypatch.setattr(lessons, "_SPECS", {})  # the chart specs a kernel kept
    monkeypatch.setattr(lessons, "_TEMPLATES", {})


def _no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_work(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("computed a demo or built a chart")

    monkeypatch.setattr(lessons, "run_demo", no_work)
    monkeypatch.setattr(lessons, "lens_chart", no_work)


def _chart(spec: dict[str, Any] | None) -> Any:
    """What a chart draws: its shape and its datasets' rows in order (names aside: a chart whose
    data was swapped in place keeps the dataset names the page embedded)."""
    if spec is None:
        return None
    shape, names = spec_shape(spec)
    rows = [json.dumps(spec["datasets"][n], sort_keys=True) for n in names]
    return shape, rows, spec.get("params")  # params: the language its words are said in


def _shown(panel: lessons._Panel) -> tuple[str, str, Any]:
    spec = None if panel.chart is None else panel.chart.spec
    return panel.heading.value, panel.table.value, _chart(spec)  # heading: with the figures


def _from_scratch(app: LessonsApp, lesson_id: int, pid: str, lang: str) -> list[Any]:
    """The PM and PMO panels of one lesson computed now, no cache, no page."""
    tr = Translator(app.content, lang)
    demo = run_demo(app.content.lesson(lesson_id).demo, app.p, pid)
    pm = lens_view(f"{tr('ui.pm_lens')} ({demo.project_id})", demo.pm, tr, app.currency)
    pmo = lens_view(tr("ui.pmo_lens"), demo.pmo, tr, app.currency)
    return [(v["heading"] + v["metrics"], v["table"], _chart(v["spec"])) for v in (pm, pmo)]


def _warm_pool(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Preheated kernels one after the other (a pool filling) until every project's panels are
    shared; the projects each kernel computed."""
    per_kernel: list[list[str]] = []
    real = LessonsApp._ahead_project

    def counting(self: LessonsApp, project: str) -> Any:
        per_kernel[-1].append(project)
        return real(self, project)

    monkeypatch.setattr(LessonsApp, "_ahead_project", counting)
    while True:
        per_kernel.append([])
        app = LessonsApp(cache.load_sample(), lang="en", precompute=True)
        pids = [str(pid) for _, pid in app.project.options]
        name = lessons._content_name()
        if all(cache.derived_if_shared(app.p, f"{name}_{pid}") for pid in pids):
            return per_kernel
        assert len(per_kernel) <= len(pids), per_kernel
        _another_kernel(monkeypatch)


def test_a_kernel_computes_its_page_and_a_few_projects_more_the_pool_shares_the_rest(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first kernel after a data change costs its own page's project plus a few (not the
    whole portfolio: every lessons viewer would wait for it); the refills share the rest, each
    project computed once, by one kernel."""
    per_kernel = _warm_pool(monkeypatch)
    pf = cache.load_sample()
    pids = sorted(str(p) for p in pf.projects["project_id"])
    more = lessons.NEW_PROJECTS_PER_KERNEL  # beyond its own page's project, per kernel
    assert per_kernel[0][0] == str(lessons.default_project(pf))  # the page's own, first
    assert len(per_kernel[0]) == 1 + more
    assert all(len(done) <= more for done in per_kernel[1:])
    assert sorted(p for done in per_kernel for p in done) == pids  # each once, in all
    assert len(per_kernel) == max(1, math.ceil((len(pids) - 1) / more))


def test_project_and_language_switches_compute_nothing_and_show_fresh_panels(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _warm_pool(monkeypatch)
    _another_kernel(monkeypatch)
    app = LessonsApp(cache.load_sample(), lang="en", precompute=True)
    pids = [str(pid) for _, pid in app.project.options]
    shown: dict[tuple[int, str, str], list[Any]] = {}
    swapped = 0
    with monkeypatch.context() as m:
        _no_work(m)
        for lesson_id in (1, 4, 7):  # bars, lines + bars, load + heat map
            app.lesson.value = lesson_id
            for pid in [*pids[1:5], pids[-1]]:  # the page opened on the first
                app.project.value = pid
                for lang in ("es", "en"):
                    app.lang.value = lang
                    assert "pmkit-error" not in app.message.value
                    shown[(lesson_id, pid, lang)] = [_shown(app.pm), _shown(app.pmo)]
                pool = app.pmo.chart_box.__dict__["_pmkit_charts"]
                swapped += sum(c.last == "data" for c in pool)
    for (lesson_id, pid, lang), page in shown.items():
        assert page == _from_scratch(app, lesson_id, pid, lang), (lesson_id, pid, lang)
    # lesson 1's PMO chart only moves its highlight from project to project: data, not a spec
    assert swapped > 0


def test_panels_are_shared_with_the_next_kernel_and_recomputed_on_new_data(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = LessonsApp(cache.load_sample(), lang="en", precompute=True)
    page_project = str(first.project.value)  # computed by the first kernel, shared
    first.lesson.value = 7
    before = [_shown(first.pm), _shown(first.pmo)]

    _another_kernel(monkeypatch)
    with monkeypatch.context() as m:
        _no_work(m)  # the next kernel reads the panels: no demo, no chart
        second = LessonsApp(cache.load_sample(), lang="en", precompute=True)
        second.lesson.value = 7
        assert str(second.project.value) == page_project
        assert [_shown(second.pm), _shown(second.pmo)] == before
        second.pmo_type.value = "directive"
        assert "Directive" in second.types_summary.value

    # new data (P03's budget doubled): the next kernel computes its panels again
    projects = fresh / "projects.csv"
    rows = projects.read_text(encoding="utf-8").splitlines()
    i = next(i for i, r in enumerate(rows) if r.startswith("P03,"))
    cells = rows[i].split(",")
    col = rows[0].split(",").index("budget")
    old = float(cells[col])
    cells[col] = str(old * 2)
    rows[i] = ",".join(cells)
    projects.write_text("\n".join(rows) + "\n", encoding="utf-8")
    _another_kernel(monkeypatch)
    third = LessonsApp(cache.load_sample(), lang="en")
    third.lesson.value = 1
    third.project.value = "P03"
    assert f"{old * 2:,.0f} EUR" in third.pm.metrics.value
    assert f"{old:,.0f} EUR" not in third.pm.metrics.value


def test_a_highlighted_bar_keeps_its_outline_in_the_spec() -> None:
    """The bar chart's channel objects draw what ``alt.condition``/``alt.value`` drew: the
    highlighted project outlined 2.5 px, the others not, one Okabe-Ito blue without groups."""
    import pandas as pd

    df = pd.DataFrame({"label": ["A", "B"], "value": [2.0, 1.0], "highlight": [True, False]})
    enc = bar_chart(df, {"title": "t", "x": "x", "y": "y"}).to_dict()["encoding"]
    assert enc["strokeWidth"] == {
        "condition": {"test": "datum.highlight", "value": 2.5},
        "value": 0,
    }
    assert enc["color"] == {"value": "#0072B2"}
    assert load_content().lessons  # the content the page reads is valid


def test_the_pmo_types_chart_is_drawn_when_its_tab_is_shown_in_the_current_language() -> None:
    from pmkit.ui.lessons import lens_spec

    app = LessonsApp(cache.load_sample(), lang="en")
    assert app.types_chart is None  # hidden tab: nothing for the browser to draw yet
    for lang in ("en", "es"):
        app.tabs.selected_index = 0
        app.lang.value = lang  # switched while the tab is hidden
        app.tabs.selected_index = 1
        assert app.types_chart is not None
        demo = run_demo("pmo_types", app.p, None, pmo_type=str(app.pmo_type.value))
        fresh = lens_spec(demo.pmo, Translator(app.content, lang))
        assert fresh is not None and _chart(app.types_chart.spec) == _chart(fresh)
    app.pmo_type.value = "directive"  # while shown: redrawn at once
    demo = run_demo("pmo_types", app.p, None, pmo_type="directive")
    fresh = lens_spec(demo.pmo, Translator(app.content, "es"))
    assert fresh is not None and _chart(app.types_chart.spec) == _chart(fresh)


def test_each_lesson_keeps_its_chart_on_the_page_a_click_re_embeds_nothing(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under ``pmkit serve`` (charts carry a small loader) every lesson's charts are put on the
    page hidden once the page has drawn its own (here at once: the fake page embeds at once),
    from panels computed ahead; a lesson click shows them and sends no chart; after a project
    pick or a language switch a lesson's chart is brought up to date in place when shown, and
    every panel equals the one computed from scratch."""
    monkeypatch.setattr(lessons, "light_charts", lambda: True)
    _warm_pool(monkeypatch)
    _another_kernel(monkeypatch)
    app = LessonsApp(cache.load_sample(), lang="es", precompute=True)
    ids = [le.id for le in app.content.lessons]
    page = str(app.project.value)
    for i, panel in enumerate((app.pm, app.pmo)):  # every lesson's chart, put there ahead
        want = {le.id for le in app.content.lessons
                if app._cache[("views", le.demo, page, "es")][i]["spec"] is not None}  # fmt: skip
        assert {k for k, box in panel.slots.items() if box.children} == want
    charts = {id(w) for p in (app.pm, app.pmo) for b in p.slots.values() for w in b.children}

    def sent() -> list[Any]:
        return [(id(w), id(w.spec)) for p in (app.pm, app.pmo) for b in p.slots.values()
                for w in b.children]  # fmt: skip

    before = sent()
    with monkeypatch.context() as m:
        _no_work(m)
        for lesson_id in [*ids[1:], ids[0]]:
            app.lesson.value = lesson_id
            shown = [s for s in app.pm.slots.values() if s.layout.display != "none"]
            assert shown == [app.pm.slots[lesson_id]] or app.pm.chart is None
        assert sent() == before  # no chart sent, no widget swapped in
        pid = [str(p) for _, p in app.project.options][3]
        app.project.value = pid
        app.lang.value = "en"
        shown = {}
        for lesson_id in (7, 1, 4):
            app.lesson.value = lesson_id
            shown[lesson_id] = [_shown(app.pm), _shown(app.pmo)]
    for lesson_id, page in shown.items():
        assert page == _from_scratch(app, lesson_id, pid, "en"), lesson_id
    now = {id(w) for p in (app.pm, app.pmo) for b in p.slots.values() for w in b.children}
    assert len(now - charts) <= 2 * 3  # a new chart only where a lesson's shape changed


def test_a_language_switch_sends_data_and_the_language_not_the_chart(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = LessonsApp(cache.load_sample(), lang="es", precompute=True)
    for lesson in app.content.lessons:
        app.lesson.value = lesson.id
        for lang in ("en", "es"):
            app.lang.value = lang
            for panel in (app.pm, app.pmo):
                if panel.chart is None:
                    continue
                pool = panel.chart_box.__dict__["_pmkit_charts"]
                swap = next(c for c in pool if c.widget is panel.chart)
                assert swap.last == "data", (lesson.id, lang)
                assert panel.chart.spec["params"][-1] == {"name": "lang", "value": lang}


def test_a_bar_chart_of_counts_has_whole_ticks_and_other_bars_keep_theirs() -> None:
    """Counts (projects per phase, artefacts) are whole numbers: the axis ticks step by at
    least 1 (Vega drew 0.5, 1.5 ... for a domain of 0-4) and the tooltip shows no decimal.
    Shares (compliance %) keep Vega's own ticks and one decimal."""
    import pandas as pd

    from pmkit.cache import load_sample
    from pmkit.training import demos

    titles = {"title": "t", "x": "x", "y": "y"}
    counts = pd.DataFrame({"label": ["A", "B", "C"], "value": [1, 4, 2]})
    enc = bar_chart(counts, titles).to_dict()["encoding"]
    assert enc["x"]["axis"] == {"format": ",d", "tickMinStep": 1}
    assert {"field": "value", "format": ",.0f", "title": "x", "type": "quantitative"} in enc[
        "tooltip"
    ]
    shares = pd.DataFrame({"label": ["A", "B"], "value": [85.7, 100.0]})
    enc = bar_chart(shares, titles).to_dict()["encoding"]
    assert "axis" not in enc["x"]
    # every count chart of the lessons on the sample gets whole ticks
    p = load_sample()
    lenses = [
        demos.shared_standards(p).pm,
        demos.pmo_types(p).pmo,
        demos.project_lifecycle(p).pmo,
        demos.constraints_vs_standards(p).pmo,
    ]
    for lens in lenses:
        assert lens.chart == "bars"
        enc = bar_chart(lens.data, titles).to_dict()["encoding"]
        assert enc["x"]["axis"]["tickMinStep"] == 1
