"""`pmkit serve --viewers`: preheated kernels per dashboard, with a memory estimate; and the
preheated page built ahead of the request is kept only while it is still current."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Callable
from pathlib import Path

import ipywidgets as W
import pytest
from _portfolio_factory import write_valid

from pmkit import cache
from pmkit.cli import _voila_command, main, memory_estimate, pool_sizes
from pmkit.errors import PmkitError
from pmkit.io import csv_folder

NBS = ["index.ipynb", "pm_planning.ipynb", "portfolio_glance.ipynb", "pmo_portfolio_review.ipynb"]


def test_a_number_sizes_every_dashboard_pool() -> None:
    assert pool_sizes("5", NBS) == dict.fromkeys(NBS, 5)


def test_named_dashboards_get_their_count_the_others_one() -> None:
    got = pool_sizes("glance=20, review=3", NBS)
    assert got["portfolio_glance.ipynb"] == 20
    assert got["pmo_portfolio_review.ipynb"] == 3
    assert got["index.ipynb"] == got["pm_planning.ipynb"] == 1


@pytest.mark.parametrize("spec", ["glance", "glance=0", "nosuch=3", "glance=x"])
def test_an_unreadable_spec_is_refused_with_the_dashboards_named(spec: str) -> None:
    with pytest.raises(PmkitError, match=r"portfolio_glance\.ipynb"):
        pool_sizes(spec, NBS)


def test_serve_with_a_bad_viewers_spec_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--viewers", "nosuch=3"]) == 2
    assert "--viewers" in capsys.readouterr().err


def test_voila_gets_the_pool_of_each_dashboard() -> None:
    cmd = _voila_command(1, preheat=True, notebooks=Path("nb"), pools={"a.ipynb": 4})
    (arg,) = [c for c in cmd if c.startswith("--VoilaKernelManager.kernel_pools_config=")]
    config = json.loads(arg.split("=", 1)[1])
    assert config == {"default": {"pool_size": 1}, "a.ipynb": {"pool_size": 4}}
    plain = _voila_command(1, preheat=False, notebooks=Path("nb"), pools={"a.ipynb": 4})
    assert not any("kernel_pools_config" in c or "preheat" in c for c in plain)


def test_refills_wait_for_the_rush_only_when_a_pool_is_sized_for_one() -> None:
    rush = _voila_command(1, preheat=True, notebooks=Path("nb"), pools={"a.ipynb": 20})
    (arg,) = [c for c in rush if c.startswith("--VoilaKernelManager.fill_delay=")]
    assert float(arg.split("=", 1)[1]) > 1  # Voila's default refills 1 s after each use
    single = _voila_command(1, preheat=True, notebooks=Path("nb"), pools={"a.ipynb": 1})
    assert not any("fill_delay" in c for c in single)


def test_preheated_pools_fill_through_the_gate_and_skip_the_analyst_notebooks() -> None:
    cmd = _voila_command(1, preheat=True, notebooks=Path("nb"), pools={"a.ipynb": 2})
    gate = "--VoilaConfiguration.multi_kernel_manager_class=pmkit.serving.FillGateKernelManager"
    assert gate in cmd
    (deny,) = [c for c in cmd if c.startswith("--VoilaKernelManager.preheat_denylist=")]
    assert deny.split("=", 1)[1] == "analysis/"  # Voila matches it inside "analysis/x.ipynb"
    plain = _voila_command(1, preheat=False, notebooks=Path("nb"))
    assert not any("multi_kernel_manager_class" in c or "preheat_denylist" in c for c in plain)


def test_memory_estimate_counts_kernels_times_the_measured_size() -> None:
    from pmkit.cli import KERNEL_MB

    line = memory_estimate({"a.ipynb": 3, "b.ipynb": 2})
    assert "5 preheated kernels" in line
    assert f"{5 * KERNEL_MB:,} MB" in line


# ------------------------------------------ pools larger than the machine: refused (#12)
EIGHT = [*NBS, "pm_tracking.ipynb", "training_lessons.ipynb", "training_quiz.ipynb", "x.ipynb"]


def test_pools_that_fit_in_memory_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    import pmkit.cli as cli

    pools = pool_sizes("glance=20", EIGHT)  # 20 + 7 kernels
    cli.check_pool_memory(pools, have=27 * cli.KERNEL_MB)  # exactly enough: no error
    monkeypatch.setattr(cli, "_available_mb", lambda: None)  # no /proc/meminfo
    cli.check_pool_memory(pool_sizes("20", EIGHT))  # memory unknown: not refused


def test_viewers_for_every_dashboard_beyond_memory_is_refused_pointing_at_one_pool() -> None:
    from pmkit.cli import KERNEL_MB, check_pool_memory

    have = 24_000
    pools = pool_sizes("20", EIGHT)  # 160 kernels, ~30 GB at 190 MB
    assert have < 160 * KERNEL_MB
    with pytest.raises(PmkitError) as err:
        check_pool_memory(pools, have=have)
    text = str(err.value)
    assert "160 preheated kernels" in text and f"{160 * KERNEL_MB:,} MB" in text
    assert f"{have:,} MB" in text
    # the suggestion is the at-a-glance page alone, with a count that fits next to the others
    suggested = int(text.split("--viewers glance=")[1].split()[0])
    assert suggested == 20  # 20 + 7 kernels fit in 24 GB
    assert (suggested + 7) * KERNEL_MB <= have
    assert pool_sizes(f"glance={suggested}", EIGHT)["portfolio_glance.ipynb"] == suggested


def test_the_suggested_pool_shrinks_to_what_fits() -> None:
    from pmkit.cli import KERNEL_MB, check_pool_memory

    have = 12 * KERNEL_MB  # room for 12 kernels: 7 others + 5 for the busy page
    with pytest.raises(PmkitError, match=r"--viewers review=5 "):
        check_pool_memory(pool_sizes("review=30", EIGHT), have=have)


def test_serve_refuses_before_starting_voila(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import pmkit.cli as cli

    monkeypatch.setattr(cli, "_available_mb", lambda: 1_000)
    started: list[object] = []
    monkeypatch.setattr(cli.os, "execve", lambda *a: started.append(a))
    monkeypatch.setattr(cli.subprocess, "call", lambda *a, **k: started.append(a))
    assert main(["serve", "--viewers", "20"]) == 2
    err = capsys.readouterr().err
    assert "--viewers glance=" in err and "1,000 MB available" in err
    assert not started


# ------------------------------------------------------------ preheated page, never stale
def _preheated(
    monkeypatch: pytest.MonkeyPatch, folder: Path, on_request: Callable[[], None]
) -> None:
    """A kernel as Voila preheats it: ``on_request`` runs while it waits for the browser."""
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv("PMKIT_DATA", str(folder))
    monkeypatch.delenv("QUERY_STRING", raising=False)
    utils = types.ModuleType("voila.utils")
    utils.wait_for_request = on_request  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "voila.utils", utils)


def _names_page() -> W.Widget:
    from pmkit.cache import load_sample

    return W.HTML(",".join(load_sample().projects["name"]))


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PMKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_MEMO", {})
    monkeypatch.setattr(cache, "_OWNER", {})
    return write_valid(tmp_path / "pf")


def test_page_built_before_the_request_is_kept_when_nothing_changed(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmkit.ui._common import safe_build

    built: list[W.Widget] = []

    def build() -> W.Widget:
        built.append(_names_page())
        return built[-1]

    _preheated(monkeypatch, folder, lambda: None)
    page = safe_build(build)
    assert len(built) == 1 and page is built[0]


def test_data_changed_while_waiting_rebuilds_the_page(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmkit.ui._common import safe_build

    path = folder / "projects.csv"

    def decision_recorded_meanwhile() -> None:
        path.write_text(path.read_text(encoding="utf-8").replace("CRM upgrade", "CRM v2"))

    _preheated(monkeypatch, folder, decision_recorded_meanwhile)
    page = safe_build(_names_page)
    assert "CRM v2" in page.value and "CRM upgrade" not in page.value


def test_a_query_string_at_request_rebuilds_the_page(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from pmkit.ui._common import safe_build

    seen: list[str] = []

    def build() -> W.Widget:
        seen.append(os.environ.get("QUERY_STRING", ""))
        return W.HTML(seen[-1])

    _preheated(monkeypatch, folder, lambda: os.environ.__setitem__("QUERY_STRING", "project=P02"))
    page = safe_build(build)
    assert seen == ["", "project=P02"] and page.value == "project=P02"


def _generated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from pmkit.generate import write_generated

    monkeypatch.setenv("PMKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_MEMO", {})
    monkeypatch.setattr(cache, "_OWNER", {})
    folder = tmp_path / "gen"
    write_generated(folder, n_projects=6, seed=3)
    return folder


def _page_facts(dash: object) -> dict[str, object]:
    """What a viewer reads on a planning page: header, Gantt data, pickers, chain, CRs."""
    d: object = dash
    return {
        "summary": d.summary.value,  # type: ignore[attr-defined]
        "gantt": json.dumps(d.gantt.spec, sort_keys=True, default=str),  # type: ignore[attr-defined]
        "task": (d.task.value, d.task.options),  # type: ignore[attr-defined]
        "chain": d.chain.value,  # type: ignore[attr-defined]
        "what-if": (d.wi_task.options, d.wi_link.options),  # type: ignore[attr-defined]
        "cr": d.cr.options,  # type: ignore[attr-defined]
    }


def _count_pages(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every planning page built from now on (the real class, recorded)."""
    from pmkit.ui import planning

    made: list[object] = []

    class Counted(planning.PlanningDashboard):
        def __init__(self, *a: object, **k: object) -> None:
            super().__init__(*a, **k)  # type: ignore[arg-type]
            made.append(self)

    monkeypatch.setattr(planning, "PlanningDashboard", Counted)
    return made


def test_a_project_link_turns_the_prebuilt_planning_page_into_that_projects_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """#12: ``?project=`` at the request: the page built before it switches project (no second
    page build), and shows what a page built for that project from scratch shows."""
    import os

    from pmkit.ui import planning

    folder = _generated(tmp_path, monkeypatch)
    real = planning.PlanningDashboard
    made = _count_pages(monkeypatch)
    ids = list(csv_folder.load_portfolio(folder).project_ids)
    wanted = ids[3]
    _preheated(
        monkeypatch, folder, lambda: os.environ.__setitem__("QUERY_STRING", f"project={wanted}")
    )
    page = planning.app()
    assert len(made) == 1  # one page, built before the request
    page_obj: planning.PlanningDashboard = made[0]  # type: ignore[assignment]
    assert page is page_obj.widget
    assert page_obj.project.value == wanted and page_obj.pid == wanted
    fresh = real(cache.load_portfolio(folder), wanted)
    assert _page_facts(page_obj) == _page_facts(fresh)
    pf = csv_folder.load_portfolio(folder)
    name = pf.projects.set_index("project_id").loc[wanted, "name"]
    assert name in page_obj.summary.value
    # the first project's page (what was built before the request) reads differently
    assert _page_facts(real(cache.load_portfolio(folder), ids[0])) != _page_facts(page_obj)


def test_a_project_link_after_a_data_change_builds_the_page_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never stale: a project link that arrives after the data changed is not a switch of
    the old page: the page is built again on the new data."""
    import os

    from pmkit.ui import planning

    folder = _generated(tmp_path, monkeypatch)
    ids = list(csv_folder.load_portfolio(folder).project_ids)
    path = folder / "projects.csv"

    def renamed_then_link() -> None:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(f"{ids[2]},", f"{ids[2]},Renamed ", 1), encoding="utf-8")
        os.environ["QUERY_STRING"] = f"project={ids[2]}"

    made = _count_pages(monkeypatch)
    _preheated(monkeypatch, folder, renamed_then_link)
    page = planning.app()
    assert len(made) == 2  # before the request (old data), then again (new data)
    last = made[-1]
    assert page is last.widget and last.pid == ids[2]  # type: ignore[attr-defined]
    assert "Renamed" in last.summary.value  # type: ignore[attr-defined]
    assert "Renamed" not in made[0].summary.value  # type: ignore[attr-defined]


def test_a_project_link_turns_the_prebuilt_tracking_page_into_that_projects_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tracking too: ``?project=`` switches the page built before the request (one build),
    and it reads as a page built for that project from scratch."""
    import os

    from pmkit.ui import tracking

    folder = _generated(tmp_path, monkeypatch)
    real = tracking.TrackingDashboard
    made: list[tracking.TrackingDashboard] = []

    class Counted(real):  # type: ignore[misc, valid-type]
        def __init__(self, *a: object, **k: object) -> None:
            super().__init__(*a, **k)
            made.append(self)

    monkeypatch.setattr(tracking, "TrackingDashboard", Counted)
    ids = list(csv_folder.load_portfolio(folder).project_ids)
    _preheated(
        monkeypatch, folder, lambda: os.environ.__setitem__("QUERY_STRING", f"project={ids[4]}")
    )
    page = tracking.app()
    assert len(made) == 1 and page is made[0].widget
    fresh = real(cache.load_portfolio(folder), ids[4])
    first = real(cache.load_portfolio(folder), ids[0])
    assert made[0].pid == ids[4] and made[0].project.value == ids[4]
    assert made[0].title.value == fresh.title.value != first.title.value
    assert made[0].kpis.value == fresh.kpis.value


def test_work_ahead_is_done_only_in_the_page_built_before_the_request(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page rebuilt after the request (here: a query string) must not do the ahead-of-time
    work (every project's numbers): the viewer would wait for it."""
    import os

    from pmkit.ui._common import before_request, safe_build

    ahead: list[bool] = []

    def build() -> W.Widget:
        ahead.append(before_request())
        return W.HTML()

    _preheated(monkeypatch, folder, lambda: os.environ.__setitem__("QUERY_STRING", "project=P02"))
    safe_build(build)
    assert ahead == [True, False]
    assert not before_request()
