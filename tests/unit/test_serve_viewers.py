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
