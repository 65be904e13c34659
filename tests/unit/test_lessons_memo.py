"""What a project pick no longer recomputes on the lessons page equals the from-scratch result.

- The demos' whole-portfolio tables (gates, compliance scores, RAG rules, decided changes,
  significant changes, open risks, cross-project links) are computed once per portfolio inside
  :func:`pmkit.training.demos.sharing`: every demo on every project, computed one after the
  other with one memo (as the page does), equals the same demo computed alone without any memo.
- A lens's chart spec is kept per (content, language, kind, titles, data): a lens seen again
  gets the spec a fresh build gives, and a lens whose data differs in one value gets its own.
- The layered charts put their data on the layer: the spec is the one altair writes for
  ``a + b`` of two charts on the same frame.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from pmkit.cache import load_sample
from pmkit.charts.training import heat_chart, load_chart
from pmkit.training.content import load_content
from pmkit.training.demos import DEMOS, Demo, Lens, run_demo, sharing
from pmkit.ui import lessons
from pmkit.ui.lessons import Translator, lens_spec


def _same_lens(a: Lens, b: Lens) -> None:
    assert a.metrics.keys() == b.metrics.keys()
    for k, v in a.metrics.items():
        w = b.metrics[k]
        assert (v == w) or (v != v and w != w), k  # NaN == NaN here
    pd.testing.assert_frame_equal(a.data, b.data)
    assert (a.chart, a.titles) == (b.chart, b.titles)
    if a.table is None or b.table is None:
        assert a.table is None and b.table is None
    else:
        pd.testing.assert_frame_equal(a.table, b.table)


def _same(a: Demo, b: Demo) -> None:
    assert (a.demo, a.project_id) == (b.demo, b.project_id)
    _same_lens(a.pm, b.pm)
    _same_lens(a.pmo, b.pmo)
    assert a.options.keys() == b.options.keys()


# the demos that read the tables kept once per portfolio
_READERS = ["shared_standards", "pmo_types", "change_impact", "constraints_vs_standards"]


def test_demos_with_one_memo_equal_each_demo_alone() -> None:
    p = load_sample()
    pids = [str(x) for x in p.projects["project_id"]]
    memo: dict[Any, Any] = {}
    shared = {}
    with sharing(memo):  # the page: every lesson on every project, one memo
        for pid in pids:
            for demo_id in _READERS:
                shared[demo_id, pid] = run_demo(demo_id, p, pid)
    assert {k[1] for k in memo if isinstance(k, tuple)} >= {
        "gate_compliance", "rag_rules", "apply_decisions", "significant_changes",
        "open_risks", "dependency_edges",
    }  # fmt: skip
    assert set(_READERS) <= set(DEMOS)
    for pid in (pids[1], pids[len(pids) // 2], pids[-1]):  # alone, no memo: from the data
        for demo_id in _READERS:
            _same(shared[demo_id, pid], run_demo(demo_id, p, pid))


def _fresh_spec(lens: Lens, tr: Translator, monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as m:
        m.setattr(lessons, "_SPECS", {})
        m.setattr(lessons, "_TEMPLATES", {})  # nor a spec of the same shape
        return lens_spec(lens, tr)


def test_a_lens_spec_kept_equals_a_fresh_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lessons, "_SPECS", {})
    p = load_sample()
    content = load_content()
    pids = [str(x) for x in p.projects["project_id"]][:3]
    with sharing({}):
        demos = [run_demo("resources", p, pid) for pid in pids]
    for lang in ("es", "en"):
        tr = Translator(content, lang)
        first = lens_spec(demos[0].pmo, tr)
        for d in demos[1:]:  # the shared heat map does not depend on the project
            assert lens_spec(d.pmo, tr) is first
            assert lens_spec(d.pm, tr) == _fresh_spec(d.pm, tr, monkeypatch)
        assert first == _fresh_spec(demos[0].pmo, tr, monkeypatch)
    # one value changed: another spec, equal to a fresh build of the changed lens
    tr = Translator(content, "en")
    data = demos[0].pmo.data.copy()
    data.loc[0, "demand_hours"] += 1.0
    changed = Lens(demos[0].pmo.metrics, data, demos[0].pmo.chart, demos[0].pmo.titles)
    got = lens_spec(changed, tr)
    assert got != lens_spec(demos[0].pmo, tr)
    assert got == _fresh_spec(changed, tr, monkeypatch)


def test_layers_take_the_frame_as_altair_would() -> None:
    """The spec of ``alt.Chart(df)`` layers added with ``+`` (altair moves the shared frame
    to the layer), written here by hand from the builders' own layers."""
    week = pd.DataFrame(
        {"period": ["2026-01-05", "2026-01-12"], "demand_hours": [30.0, 50.0],
         "capacity_hours": [40.0, 40.0]}
    )  # fmt: skip
    heat = pd.DataFrame(
        {"role": ["dev", "qa"], "month": ["2026-01", "2026-01"], "demand_hours": [10.0, 90.0],
         "capacity_hours": [80.0, 60.0], "utilisation": [0.125, 1.5]}
    )  # fmt: skip
    for chart in (load_chart(week, {"title": "T"}), heat_chart(heat, {"title": "T"})):
        spec = chart.to_dict(validate=False)
        layers = [layer.copy() for layer in chart.layer]
        for layer in layers:  # each layer on the same frame, as ``alt.Chart(df)`` would be
            layer.data = chart.data
        props = {k: spec[k] for k in ("width", "height", "title")}
        by_plus = (layers[0] + layers[1]).properties(**props).to_dict(validate=False)
        assert spec == by_plus
        assert "data" in spec and all("data" not in layer for layer in spec["layer"])


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_list_of_checks_is_shown_by_their_names(lang: str) -> None:
    """The PMO-types lesson lists a project's failed checks in one cell ("gate_artefacts,
    rag_red_escalation"): each is shown by its name in the class's language, as a single
    check is; a text that is not a list of known values stays as written."""
    from pmkit.training.demos import verdicts

    tr = Translator(load_content(), lang)
    checks = pd.DataFrame(
        {
            "project_id": ["P01", "P01", "P02"],
            "check": ["gate_artefacts", "rag_red_escalation", "gate_artefacts"],
            "effect": ["blocking", "advisory", "compliant"],
        }
    )
    scores = pd.DataFrame(
        {"project_id": ["P01", "P02"], "compliance_score": [77.0, 100.0],
         "state": ["blocked", "compliant"]}
    )  # fmt: skip
    shown = tr.columns(verdicts(checks, scores))
    failing = shown.iloc[0, 1]
    names = [tr("v.gate_artefacts"), tr("v.rag_red_escalation")]
    assert failing == ", ".join(names) and "_" not in failing
    assert tr.value("P01, a note") == "P01, a note"
