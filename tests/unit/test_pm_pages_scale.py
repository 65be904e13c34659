"""#12 at 1,000 projects: a one-project page (planning, tracking) costs work for that project,
not for the portfolio's every task, and shows exactly what it showed before:

- planning builds its Gantt once (from the opened project, not empty and then again), and
  names a link's ends from those tasks only (not a dict of every task's name);
- any what-if edit readies the project's what-if table (a reader who edits the preselected
  task's duration and applies), and the table kept ahead gives the full reschedule's dates;
- a chart of the same kind and datasets as one already built in the process (the Gantt, the
  tracking heat map and load chart) is made from that one's spec: no altair chart built, the
  widget equal to altair's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from _fake_page import fake_page  # noqa: F401  (a page that embeds each chart)

from pmkit.cache import load_sample
from pmkit.charts.gantt import gantt_rows
from pmkit.generate import write_generated
from pmkit.io.csv_folder import load_portfolio
from pmkit.schedule import portfolio_adapter as pa
from pmkit.schedule.whatif import apply_changes
from pmkit.ui import planning
from pmkit.ui.planning import PlanningDashboard

pytestmark = pytest.mark.usefixtures("fake_page", "own_cache")


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of the test's own: no chart template written by another test or
    process (:func:`pmkit.cache.read_shared`), so "the process's first chart" is altair's."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("PMKIT_CACHE", str(folder))
    return folder


@pytest.fixture(scope="module")
def sample() -> Any:
    return load_sample()


def _generated(folder: Path, n: int = 24, seed: int = 5) -> Any:
    write_generated(folder, n_projects=n, seed=seed)
    return load_portfolio(folder)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return _generated(tmp_path_factory.mktemp("gen") / "p24")


@pytest.mark.parametrize("which", ["sample", "generated"])
def test_planning_page_builds_its_gantt_once_and_shows_the_engines_plan(
    which: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmkit.cache import schedule_project
    from pmkit.ui import _swap

    pf = request.getfixturevalue(which)
    built: list[int] = []
    real = planning.gantt_chart

    def counted(rows: pd.DataFrame, **kw: Any) -> Any:
        built.append(len(rows))
        return real(rows, **kw)

    monkeypatch.setattr(planning, "gantt_chart", counted)
    pids = list(pf.project_ids)
    _swap._TEMPLATES.clear()
    for i, pid in enumerate((pids[0], pids[len(pids) // 2], pids[-1])):
        built.clear()
        db = PlanningDashboard(pf, pid)
        # the process's first Gantt is the project's (not an empty one, then the project's);
        # the next pages fill its spec (checked equal to altair's widget below)
        assert built == ([] if i else [len(db.opening(pid)["rows"])]), (pid, built)
        # the page's Gantt is the chart built straight from the scheduler's table
        sched = schedule_project(pf, pid)
        tasks = pf.tasks[pf.tasks["project_id"] == pid]
        rows = gantt_rows(tasks, sched, max_level=db.level.value)
        links = pf.links[pf.links["succ_id"].isin(set(tasks["task_id"]))]
        want = real(
            rows,
            links=links,
            status_date=pf.status_date,
            highlight=[c[0] for c in sched.driving_chain(db.task.value)],
        ).to_dict()
        assert db.gantt.spec == want, pid


@pytest.mark.parametrize("which", ["sample", "generated"])
def test_link_options_name_the_tasks_as_the_whole_portfolio_dict_did(
    which: str, request: pytest.FixtureRequest
) -> None:
    pf = request.getfixturevalue(which)
    t = pf.tasks
    every = dict(zip(t["task_id"], t["wbs"].astype(str) + " " + t["name"], strict=True))
    checked = 0
    for pid in pf.project_ids:
        op = PlanningDashboard.__new__(PlanningDashboard)
        op.portfolio = pf
        got = op._opening(pid)["link_opts"]
        links = pf.project(pid).links
        want = [
            (f"{every.get(p, p)} → {every.get(s, s)} ({ty}, lag {lag:g} d)", (p, s))
            for p, s, ty, lag in zip(
                links["pred_id"], links["succ_id"], links["type"], links["lag_days"], strict=True
            )
        ]
        assert got == want, pid
        checked += len(want)
    assert checked > 20


def test_a_duration_edit_readies_the_what_if_once_per_project(
    generated: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = pa.keep_subnetwork

    def keep(pf: Any, pid: str) -> None:
        calls.append(pid)
        real(pf, pid)

    monkeypatch.setattr(pa, "keep_subnetwork", keep)
    down = {p: len(pa.downstream_projects(generated, p)) for p in generated.project_ids}
    worst = max(down, key=down.__getitem__)
    db = PlanningDashboard(generated, worst)
    assert calls == []  # opening the page builds no what-if table
    tid = db.wi_task.value
    db.wi_duration.value = float(db.wi_duration.value) + 7
    assert calls == [worst]
    db.wi_duration.value = float(db.wi_duration.value) + 1
    assert calls == [worst]  # once per project shown
    # Apply uses the table made ahead: no engine table is built during the click
    built: list[int] = []
    real_network = pa._network

    def network(*a: Any, **k: Any) -> Any:
        built.append(1)
        return real_network(*a, **k)

    monkeypatch.setattr(pa, "_network", network)
    db.apply_what_if()
    assert built == []
    monkeypatch.setattr(pa, "_network", real_network)
    # and shows the dates of the whole edited portfolio scheduled anew
    changed, _ = apply_changes(generated, worst, duration_changes={tid: db.wi_duration.value})
    full = pa.schedule_project(changed, worst)
    cols = [c for c in full.tasks.columns if c != "external_preds_ignored"]
    assert db.shown is not None and "What-if" in db.scenario_label
    pd.testing.assert_frame_equal(db.shown.tasks[cols], full.tasks[cols])
    other = next(p for p in generated.project_ids if p != worst)
    db.project.value = other
    assert calls == [worst]  # opening another project readies nothing yet
    db.wi_duration.value = float(db.wi_duration.value) + 3
    assert calls == [worst, other]


def test_a_table_kept_ahead_gives_the_full_reschedule_dates(tmp_path: Path) -> None:
    """keep_subnetwork also makes the rows at the status date and the pinned predecessors:
    every what-if after it equals the whole edited portfolio scheduled anew."""
    pf = _generated(tmp_path / "p30", n=30, seed=17)
    down = {p: len(pa.downstream_projects(pf, p)) for p in pf.project_ids}
    pids = sorted(down, key=lambda p: (-down[p], p))[:3]
    checked = 0
    for pid in pids:
        pa.keep_subnetwork(pf, pid)
        kept = pa._kept_network(pf, frozenset(pa.downstream_projects(pf, pid)))
        assert kept.get("at_status") is not None and kept.get("ghosts") is not None
        leaves = pf.tasks[(pf.tasks["project_id"] == pid) & ~pf.tasks["is_summary"]]
        for _, r in leaves[leaves["actual_finish"].isna()].head(4).iterrows():
            for days in (float(r["duration_days"]) + 12, 0.0):
                changed, _ = apply_changes(pf, pid, duration_changes={r["task_id"]: days})
                fast = pa.reschedule_project(pf, changed, pid)
                full = pa.schedule_project(changed, pid)
                cols = [c for c in full.tasks.columns if c != "external_preds_ignored"]
                pd.testing.assert_frame_equal(fast.tasks[cols], full.tasks[cols])
                pd.testing.assert_frame_equal(fast.links, full.links)
                assert fast.finish == full.finish
                checked += 1
    assert checked >= 12


def test_tracking_hidden_charts_built_by_altair_once_per_process(
    sample: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmkit.ui import _swap, tracking

    built: list[Any] = []
    real = _swap.live_chart

    def counted(chart: Any) -> Any:
        built.append(chart)
        return real(chart)

    monkeypatch.setattr(_swap, "live_chart", counted)
    _swap._TEMPLATES.clear()
    tracking.TrackingDashboard(sample, "P03")
    assert len(built) == 3  # the first page: S-curve, heat map, load chart
    built.clear()
    tr = tracking.TrackingDashboard(sample, "P05")
    assert len(built) == 0  # the next: none (the S-curve too since s11: one per currency)
    tr.tabs.selected_index = 1
    tr.tabs.selected_index = 2
    assert len(built) == 0 and tr._heatmap.last == tr._load_chart.last == "data"


def _state(w: Any) -> dict[str, Any]:
    """What a chart widget sends to the page and holds for the kernel's code."""
    return {
        "spec": w.spec,
        "selection_types": w._selection_types,
        "vl_selections": w._vl_selections,
        "params": json.dumps(w._params, sort_keys=True, default=str),
        "params_traits": {n: getattr(w.params, n) for n in w.params.trait_names()},
        "selections": {n: type(getattr(w.selections, n)) for n in w.selections.trait_names()},
    }


@pytest.mark.parametrize("which", ["sample", "generated"])
def test_a_gantt_made_from_the_first_ones_spec_equals_altairs_widget(
    which: str, request: pytest.FixtureRequest
) -> None:
    """The second page of a process makes its Gantt from the first one's spec: the widget
    (spec, selections, parameters, and what a click on a bar does) equals the one altair
    makes from the chart built for that project."""
    from pmkit.charts.gantt import gantt_chart
    from pmkit.ui import _swap
    from pmkit.ui._common import live_chart

    pf = request.getfixturevalue(which)
    pids = list(pf.project_ids)
    _swap._TEMPLATES.clear()
    PlanningDashboard(pf, pids[0])  # the process's first Gantt: built by altair
    assert any(k[0] == "gantt" for k in _swap._TEMPLATES)
    for pid in pids[1:6]:
        db = PlanningDashboard(pf, pid)
        op = db.opening(pid)
        slow = live_chart(gantt_chart(op["rows"], **op["args"]))  # altair, validated
        assert _state(db.gantt) == _state(slow), pid
        tid = str(op["rows"].loc[op["rows"]["kind"] == "task", "task_id"].iloc[0])
        field = [{"field": "task_id", "type": "E"}]
        store = [{"unit": "layer_4", "fields": field, "values": [tid]}]
        click = {"pick": {"value": {"vlPoint": {"or": [{"task_id": tid}]}}, "store": store}}
        for w in (db.gantt, slow):
            w._vl_selections = click
        assert db.gantt.selections.pick == slow.selections.pick
        assert db.task.value == tid  # the page explains the clicked bar's task
        db.gantt.params.gantt_order = ["x"]  # a parameter set from Python reaches the page
        assert db.gantt._params["gantt_order"] == ["x"]


def test_tracking_hidden_charts_made_from_the_first_ones_spec_equal_altairs(sample: Any) -> None:
    """A page after the first makes its heat map and load chart from the first page's specs:
    the widgets equal altair's (spec, selections, parameters), and once their tab is
    opened the charts show what a chart built for that project shows."""
    from pmkit.charts.heatmaps import resource_load_chart, risk_heatmap_chart
    from pmkit.risk import project_risks
    from pmkit.schedule.leveling import resource_load
    from pmkit.ui import _swap
    from pmkit.ui._common import live_chart
    from pmkit.ui.tracking import TrackingDashboard, _empty_grid, _empty_load

    _swap._TEMPLATES.clear()
    empty_heat = live_chart(risk_heatmap_chart(_empty_grid()))
    empty_load = live_chart(resource_load_chart(_empty_load()))
    for pid in ("P01", "P04", "P06", "P09"):  # the first page's charts are altair's own
        tr = TrackingDashboard(sample, pid)
        assert _state(tr.heatmap) == _state(empty_heat), pid
        assert _state(tr.load_chart) == _state(empty_load), pid
        tr.tabs.selected_index = 1
        tr.tabs.selected_index = 2
        heat = risk_heatmap_chart(project_risks(sample, pid).grid).to_dict()
        assert tr.heatmap.spec == heat, pid
        load = resource_load(sample, tr.schedule, pid, freq="W")
        mine = load[load["resource_id"] == tr.resource.value]
        weekly = pd.DataFrame(
            {
                "week": mine["period_start"],
                "load_hours": mine["load_hours"],
                "capacity_hours": mine["capacity_hours"],
                "over": mine["overallocated"],
            }
        )
        title = f"{tr.resource.value}: load as scheduled"
        assert tr.load_chart.spec == resource_load_chart(weekly, title=title).to_dict(), pid


def test_a_chart_made_from_a_template_opens_on_the_page_with_its_spec(
    sample: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page gets a template-made chart's spec in the message that opens the widget, as it
    gets altair's: never an empty chart first and its spec in a later update (a view the page
    renders in between would embed nothing)."""
    from ipywidgets import Widget

    from pmkit.ui import _swap

    opened: list[Any] = []
    real_open = Widget.open

    def spy(self: Widget) -> None:
        if type(self).__name__ == "JupyterChart":
            opened.append(self.get_state().get("spec"))
        real_open(self)

    _swap._TEMPLATES.clear()
    PlanningDashboard(sample, "P01")  # the process's first Gantt: altair's
    monkeypatch.setattr(Widget, "open", spy)
    db = PlanningDashboard(sample, "P04")  # made from the template
    monkeypatch.undo()
    assert opened, "no chart widget opened"
    assert all(spec is not None for spec in opened)
    assert db.gantt.spec in opened


def test_a_kernels_first_charts_are_made_from_the_templates_another_kernel_wrote(
    sample: Any, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """s11: a kernel's first Gantt, heat map and load chart are made from the templates the
    first kernel to build them wrote in the shared cache (here another process, on the same
    sample): no altair chart built, and each widget equals altair's own for its project."""
    import os
    import subprocess
    import sys

    from pmkit.charts.gantt import gantt_chart
    from pmkit.charts.heatmaps import resource_load_chart, risk_heatmap_chart
    from pmkit.ui import _swap, tracking
    from pmkit.ui._common import live_chart
    from pmkit.ui.tracking import TrackingDashboard, _empty_grid, _empty_load

    first = (
        "from pmkit.cache import load_sample\n"
        "from pmkit.ui.planning import PlanningDashboard\n"
        "from pmkit.ui.tracking import TrackingDashboard\n"
        "PlanningDashboard(load_sample(), 'P01')\n"
        "TrackingDashboard(load_sample(), 'P01')\n"
    )
    env = {**os.environ, "PMKIT_CACHE": str(own_cache)}
    subprocess.run([sys.executable, "-c", first], env=env, check=True, timeout=300)
    assert len(list((own_cache / "shared").glob("*-chart-*.json"))) == 4  # S-curve too

    def no_altair(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("an altair chart was built")

    _swap._TEMPLATES.clear()  # this process has built none
    for mod, name in ((planning, "gantt_chart"), (tracking, "risk_heatmap_chart"),
                      (tracking, "resource_load_chart"), (tracking, "s_curve_chart")):  # fmt: skip
        monkeypatch.setattr(mod, name, no_altair)
    db = PlanningDashboard(sample, "P04")
    tr = TrackingDashboard(sample, "P06")
    monkeypatch.undo()
    op = db.opening("P04")
    assert _state(db.gantt) == _state(live_chart(gantt_chart(op["rows"], **op["args"])))
    assert _state(tr.heatmap) == _state(live_chart(risk_heatmap_chart(_empty_grid())))
    assert _state(tr.load_chart) == _state(live_chart(resource_load_chart(_empty_load())))


def test_an_unreadable_shared_template_is_built_again(
    sample: Any, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A truncated or foreign template file is ignored: altair builds the chart, and the
    file is written again, whole."""
    from pmkit.cache import read_shared
    from pmkit.ui import _swap

    _swap._TEMPLATES.clear()
    PlanningDashboard(sample, "P01")
    (path,) = (own_cache / "shared").glob("*-chart-*.json")
    path.write_text('{"spec": {"mark": ')
    _swap._TEMPLATES.clear()
    built: list[int] = []
    real = planning.gantt_chart
    monkeypatch.setattr(
        planning, "gantt_chart", lambda rows, **kw: built.append(1) or real(rows, **kw)
    )
    db = PlanningDashboard(sample, "P04")
    assert built == [1] and db.gantt.spec
    name = path.name.split("-", 1)[1].removesuffix(".json")
    assert read_shared(name)["spec"] == db.gantt.spec


def test_the_s_curve_names_the_portfolios_currency_page_after_page(
    tmp_path: Path, sample: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """s11: the tracking page's S-curve is made for the portfolio's currency (its axis and
    tooltips name it): before, the page's first chart was built for EUR and every project's
    curve was swapped into it, so a USD portfolio read "Cumulative (EUR)". One template per
    currency: the next page's S-curve is not built by altair, and each equals altair's chart
    for that project and currency."""
    import shutil

    from pmkit.charts.curves import s_curve_chart
    from pmkit.evm import evm_at_status
    from pmkit.ui import _swap, tracking
    from pmkit.ui.tracking import TrackingDashboard

    folder = tmp_path / "usd"
    shutil.copytree(Path(__file__).resolve().parents[2] / "data", folder)
    std = folder / "standards.yaml"
    std.write_text(std.read_text().replace("currency: EUR", "currency: USD"))
    usd = load_portfolio(folder)
    assert usd.currency == "USD"
    _swap._TEMPLATES.clear()
    built: list[str] = []
    real = tracking.s_curve_chart

    def counted(curve: pd.DataFrame, **kw: Any) -> Any:
        built.append(kw.get("currency", "EUR"))
        return real(curve, **kw)

    monkeypatch.setattr(tracking, "s_curve_chart", counted)
    for pf, pid in [(pf, pid) for pf in (usd, sample, usd) for pid in ("P01", "P04")]:
        tr = TrackingDashboard(pf, pid)
        e = evm_at_status(pf, pid)
        want = s_curve_chart(
            e.curve,
            status_date=pf.status_date,
            bac=float(pf.project(pid).info["budget"]),
            eac=None if e.metrics is None else e.metrics.eac,
            currency=pf.currency,
        ).to_dict()
        assert tr.scurve.spec == want, (pf.currency, pid)
        assert f"Cumulative ({pf.currency})" in json.dumps(tr.scurve.spec)
    assert built == ["USD", "EUR"]  # one altair build per currency, the first page's
