"""A data update applied as a row diff (#12) leaves the chart a fresh embed would draw.

The charts run in Chromium through altair's chart module as pmkit patches it
(:mod:`pmkit.ui._rowdiff`), with a stand-in for the widget's model. After every update the
view's datasets (every Vega dataset, the derived ones too, in order) and its picture (a PNG of
the view) are compared with a new embed of the same spec holding the new rows. Sequences: the
Gantt of the planning page (what-ifs, WBS levels, critical only, project switches), and random
edits of a layered chart: rows removed, added in the middle, reordered, duplicated, changed
(same id, other values), the dataset emptied and filled again.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import pytest
from conftest import static_page

from pmkit.ui._common import _enable_offline_charts
from pmkit.ui._rowdiff import MARKER, PATCHES, rowdiff_js
from pmkit.ui._shown import MARKER as SHOWN
from pmkit.ui._shown import PATCH as SHOWN_PATCH
from pmkit.ui._shown import shown_js

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[2]

# the page reaches the view through this (a test's own addition to the module)
HOOK = ("finalize=api.finalize;", "finalize=api.finalize;el.__pmkitView=api.view;")
PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body><script type="module">
import pmkit from "./chart.js";
import altair from "./altair.js";
const modules = {pmkit, altair};
class Model {  // what altair's module asks of an anywidget model
  constructor(state) { this.s = state; this.h = {}; this.pending = []; }
  get(k) { return this.s[k]; }
  set(k, v) { this.s[k] = v; this.pending = (this.h["change:" + k] || []).map(f => f(v)); }
  on(e, f) { (this.h[e] ||= []).push(f); }
  save_changes() {}
}
const charts = [];
window.T = {
  async embed(spec, which = "pmkit") {
    const el = document.createElement("div");
    document.body.append(el);
    const model = new Model({spec, embed_options: null, debounce_wait: 10, max_wait: true,
      _vl_selections: {}, _params: {}, _js_watch_plan: [], local_tz: null});
    await modules[which].render({model, el});
    charts.push({el, model, view: el.__pmkitView});
    return charts.length - 1;
  },
  async update(id, updates) {
    const {model} = charts[id];
    model.set("_py_to_js_updates", updates);
    await Promise.all(model.pending);
  },
  async respec(id, spec) {
    const c = charts[id], old = c.view;
    c.model.set("spec", spec);
    await Promise.all(c.model.pending);
    c.view = c.el.__pmkitView;
    c.old = old;
  },
  async state(id, old) {
    const v = old ? charts[id].old : charts[id].view, data = {};
    for (const name of Object.keys(v._runtime.data).sort()) {
      const rows = v.data(name);  // a mark's items are the scenegraph: compared in the picture
      if (/_(marks|pathgroup)$/.test(name) || (rows.length && rows[0].mark)) continue;
      data[name] = JSON.parse(JSON.stringify(rows));
    }
    return {data, png: await v.toImageURL("png")};
  },
  drop(id) { charts[id].el.remove(); },
};
window.READY = true;
</script></body></html>"""


@pytest.fixture(scope="module")
def page(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    _enable_offline_charts()
    bundle = str(alt.JupyterChart._esm)
    assert bundle.startswith(SHOWN + MARKER), "the chart module is not patched"
    assert bundle.count(HOOK[0]) == 1
    folder = tmp_path_factory.mktemp("rowdiff")
    (folder / "chart.js").write_text(bundle.replace(*HOOK), encoding="utf-8")
    # altair's own module: without the deferred draw (an element laid out draws at once with
    # it too: tests/browser/test_hidden_charts.py) and without the row diff
    altairs = bundle[len(SHOWN) :].split("\n" + shown_js())[0]
    altairs = altairs.replace(SHOWN_PATCH[1], SHOWN_PATCH[0])
    altairs = altairs[len(MARKER) :].split("\n" + rowdiff_js())[0]
    for old, new in PATCHES:
        altairs = altairs.replace(new, old)
    assert altairs.count(HOOK[0]) == 1 and "pmkitSetData" not in altairs
    assert "pmkitWhenShown" not in altairs
    (folder / "altair.js").write_text(altairs.replace(*HOOK), encoding="utf-8")
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    with static_page(browser, folder) as pg:
        yield pg


def _play(page: Any, spec: dict[str, Any], steps: list[dict[str, Any]]) -> int:
    """Each step's updates on one view; after each, the view equals a fresh embed.

    altair's own module is played alongside. Where it does not equal a fresh embed either (Vega
    keeps a group where it first appeared, e.g. a band axis in data order), pmkit's must equal
    altair's. Returns how many steps were compared with altair's instead of a fresh embed.
    """
    ours, theirs = (
        page.evaluate("([s, w]) => T.embed(s, w)", [spec, w]) for w in ("pmkit", "altair")
    )
    as_altair = 0
    for i, step in enumerate(steps):
        for c in (ours, theirs):
            page.evaluate("([c, u]) => T.update(c, u)", [c, step["updates"]])
        fresh = page.evaluate("s => T.embed(s)", step["spec"])
        got, ref, want = (page.evaluate("c => T.state(c)", c) for c in (ours, theirs, fresh))
        page.evaluate("c => T.drop(c)", fresh)
        if ref != want:
            as_altair += 1
            want = ref
        against = "altair's" if want is ref else "a fresh embed"
        note = f"step {i} ({step['label']}), compared with {against}"
        assert got["data"] == want["data"], f"datasets differ at {note}"
        assert got["png"] == want["png"], f"pictures differ at {note}"
    for c in (ours, theirs):
        page.evaluate("c => T.drop(c)", c)
    return as_altair


def _updates(spec: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"namespace": "data", "name": k, "scope": [], "value": v}
        for k, v in new["datasets"].items()
        if spec["datasets"].get(k) != v
    ]


def test_the_gantt_after_what_ifs_levels_and_switches_equals_a_fresh_one(page: Any) -> None:
    import pmkit
    from pmkit.ui.planning import PlanningDashboard

    db = PlanningDashboard(pmkit.load_portfolio(REPO / "data"), "P01")
    db.gantt.local_tz = "UTC"  # what the page says once it has embedded the chart
    spec = copy.deepcopy(db.gantt.spec)
    sent: list[Any] = []
    db.gantt.observe(lambda ch: sent.append(ch["new"]), names="_py_to_js_updates")
    leaf = db.wi_task.options[-2]
    db.wi_task.value = leaf[1] if isinstance(leaf, tuple) else leaf

    def what_if() -> None:
        db.wi_duration.value = db.wi_duration.value + 3
        db.apply_what_if()

    actions = [
        ("what-if", what_if),
        ("what-if", what_if),
        ("what-if", what_if),
        ("level 1", lambda: setattr(db.level, "value", 1)),
        ("level 3", lambda: setattr(db.level, "value", 3)),
        ("critical only", lambda: setattr(db.critical_only, "value", True)),
        ("all rows", lambda: setattr(db.critical_only, "value", False)),
        ("P03", lambda: setattr(db.project, "value", "P03")),
        ("P01", lambda: setattr(db.project, "value", "P01")),
    ]
    steps = []
    for label, act in actions:
        before = len(sent)
        act()
        assert db._gantt.last == "data" and len(sent) == before + 1, label
        steps.append({"label": label, "updates": sent[-1], "spec": copy.deepcopy(db.gantt.spec)})
    assert _play(page, spec, steps) == 0  # every step equal to a fresh embed


def _layered(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A chart whose layers filter and derive from one named dataset. No aggregate and no
    ``sort=None`` band axis: Vega keeps a group where it first appeared (an ordinal domain in
    data order is one), after altair's whole replacement too, so on either path their order
    may differ from a fresh embed's."""
    base = alt.Chart(alt.NamedData("rows")).encode(x="start:T", y="name:N", color="kind:N")
    bars = base.mark_bar().encode(x2="finish:T").transform_filter("datum.kind != 'm'")
    marks = base.mark_point(size=90).transform_filter("datum.kind == 'm'")
    late = (
        base.mark_text(dx=8, align="left")
        .transform_calculate(label="datum.name + ' ' + datum.v")
        .transform_filter("datum.v > 5")
        .encode(text="label:N")
    )
    chart = alt.layer(bars, marks, late).properties(width=500, height=300)
    spec = chart.to_dict(validate=False)
    spec["datasets"] = {"rows": rows}
    return spec


def _row(rng: random.Random, i: int) -> dict[str, Any]:
    start = pd.Timestamp("2026-01-01") + pd.Timedelta(days=rng.randrange(60))
    return {
        "id": f"r{i}",
        "name": f"row {i % 23}",
        "kind": rng.choice("tsm"),
        "start": start.isoformat(),
        "finish": (start + pd.Timedelta(days=rng.randrange(1, 30))).isoformat(),
        "v": rng.randrange(10),
    }


def _edit(rng: random.Random, rows: list[dict[str, Any]], n: int) -> tuple[str, list[Any]]:
    rows = [dict(r) for r in rows]
    kind = rng.choice(["remove", "insert", "reorder", "duplicate", "change", "mixed", "empty"])
    if kind == "empty" or not rows:
        return ("empty" if kind == "empty" else "refill"), (
            [] if kind == "empty" else [_row(rng, n + k) for k in range(rng.randrange(1, 12))]
        )
    if kind in ("remove", "mixed"):
        for _ in range(rng.randrange(1, 4)):
            if rows:
                rows.pop(rng.randrange(len(rows)))
    if kind in ("insert", "mixed"):
        for k in range(rng.randrange(1, 4)):
            rows.insert(rng.randrange(len(rows) + 1), _row(rng, n + k))
    if kind == "reorder" and len(rows) > 1:
        i, j = rng.sample(range(len(rows)), 2)
        rows[i], rows[j] = rows[j], rows[i]
    if kind == "duplicate":
        rows.insert(rng.randrange(len(rows) + 1), dict(rng.choice(rows)))
    if kind in ("change", "mixed"):
        for _ in range(rng.randrange(1, 4)):
            r = rng.choice(rows) if rows else None
            if r is not None:  # the same row (same id) with other values: a modification
                r.update({k: v for k, v in _row(rng, 0).items() if k in ("kind", "start", "v")})
    return kind, rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_edits_of_a_layered_chart_equal_a_fresh_embed(page: Any, seed: int) -> None:
    rng = random.Random(seed)
    rows = [_row(rng, i) for i in range(20)]
    spec = _layered(rows)
    steps, shown = [], spec
    for n in range(25):
        kind, rows = _edit(rng, rows, 100 + 10 * n)
        new = _layered(rows)
        steps.append({"label": kind, "updates": _updates(shown, new), "spec": new})
        shown = new
    print(f"seed {seed}: {_play(page, spec, steps)} of {len(steps)} steps compared with altair's")


def test_a_replaced_view_no_longer_takes_updates(page: Any) -> None:
    rng = random.Random(7)
    rows = [_row(rng, i) for i in range(10)]
    cid = page.evaluate("s => T.embed(s)", _layered(rows))
    other = _layered(rows)
    other["width"] = 400  # another spec: the page embeds it again
    page.evaluate("([c, s]) => T.respec(c, s)", [cid, other])
    before = page.evaluate("c => T.state(c, true)", cid)
    new = _layered(rows[:4])
    page.evaluate("([c, u]) => T.update(c, u)", [cid, _updates(other, new)])
    assert page.evaluate("c => T.state(c, true)", cid)["data"] == before["data"]
    assert page.evaluate("c => T.state(c)", cid)["data"]["rows"] == json.loads(
        json.dumps(new["datasets"]["rows"])
    )
