"""pmkit.cache: the portfolio is loaded once per data version and shared between kernels, and
a page is never older than its data (a changed file changes the key, the next call reloads)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from _portfolio_factory import write_valid

from pmkit import cache
from pmkit.errors import PmkitError
from pmkit.io import csv_folder


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PMKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_MEMO", {})
    monkeypatch.setattr(cache, "_OWNER", {})
    yield write_valid(tmp_path / "pf")


def _rename_first_project(folder: Path, new: str) -> None:
    projects = pd.read_csv(folder / "projects.csv", dtype=str, keep_default_na=False)
    projects.loc[0, "name"] = new
    projects.to_csv(folder / "projects.csv", index=False)


def _prewarmed_review(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A generated 10-project portfolio whose review tables a preheated kernel has prewarmed,
    seen from another kernel (this process with empty in-memory caches)."""
    from pmkit.generate import write_generated

    monkeypatch.setenv("PMKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_MEMO", {})
    monkeypatch.setattr(cache, "_OWNER", {})
    folder = tmp_path / "gen"
    write_generated(folder, n_projects=10, seed=11)
    cache.prewarm(folder, parts=(*cache.PARTS, cache.REVIEW))
    _other_process()
    return folder


def _other_process() -> None:
    """What another kernel sees: nothing in memory, only the shared files."""
    cache._MEMO.clear()
    cache._OWNER.clear()


def test_unchanged_files_give_the_same_object_and_one_shared_file(folder: Path) -> None:
    first = cache.load_portfolio(folder)
    assert cache.load_portfolio(folder) is first
    files = list(cache.cache_dir().glob("pf-*-portfolio.pkl"))
    assert len(files) == 1


def test_a_changed_file_shows_on_the_next_load(folder: Path) -> None:
    before = cache.load_portfolio(folder)
    _rename_first_project(folder, "Renamed <b>now</b>")
    after = cache.load_portfolio(folder)
    assert after is not before
    assert "Renamed <b>now</b>" in set(after.projects["name"])
    _other_process()  # another kernel, after the change, gets the new data too
    assert "Renamed <b>now</b>" in set(cache.load_portfolio(folder).projects["name"])


def test_same_size_same_second_edit_is_still_seen(folder: Path) -> None:
    """The key hashes content, not only size and time: an edit that keeps both shows."""
    cache.load_portfolio(folder)
    path = folder / "projects.csv"
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    name = pd.read_csv(path, dtype=str)["name"][0]
    swapped = name[::-1]
    path.write_text(text.replace(name, swapped, 1), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size
    assert swapped in set(cache.load_portfolio(folder).projects["name"])


def test_another_process_reads_the_shared_file(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = cache.load_portfolio(folder)
    _other_process()

    def no_csv(*_a: object, **_k: object) -> None:
        raise AssertionError("the CSV files were parsed again")

    monkeypatch.setattr(csv_folder, "load_portfolio", no_csv)
    again = cache.load_portfolio(folder)
    assert again is not first
    pd.testing.assert_frame_equal(again.tasks, first.tasks)


def test_schedule_and_rollup_are_the_engines_results_and_follow_the_data(folder: Path) -> None:
    from pmkit.portfolio.rollup import rollup
    from pmkit.schedule.portfolio_adapter import schedule_portfolio

    pf = cache.load_portfolio(folder)
    fresh = csv_folder.load_portfolio(folder)  # independent of the cache
    expected = rollup(fresh, schedule=schedule_portfolio(fresh))
    got = cache.rollup(pf)
    pd.testing.assert_frame_equal(got, expected)
    assert cache.rollup(pf) is got  # once per data version
    _rename_first_project(folder, "Another name")
    pf2 = cache.load_portfolio(folder)
    assert "Another name" in set(cache.rollup(pf2)["name"])


def test_a_portfolio_not_from_the_cache_is_computed_not_looked_up(folder: Path) -> None:
    from pmkit.schedule.portfolio_adapter import schedule_portfolio

    cached = cache.load_portfolio(folder)
    cache.schedule_portfolio(cached)
    other = csv_folder.load_portfolio(folder)
    got = cache.schedule_portfolio(other)
    assert got is not cache.schedule_portfolio(cached)
    pd.testing.assert_frame_equal(got.tasks, schedule_portfolio(other).tasks)


def test_invalid_data_is_never_cached(folder: Path) -> None:
    cache.load_portfolio(folder)
    tasks = (folder / "tasks.csv").read_text(encoding="utf-8").splitlines()
    header, row = tasks[0].split(","), tasks[1].split(",")
    row[header.index("duration_days")] = "soon"
    (folder / "tasks.csv").write_text(
        "\n".join([tasks[0], ",".join(row), *tasks[2:]]) + "\n", encoding="utf-8"
    )
    for _ in range(2):
        with pytest.raises(PmkitError, match=r"tasks\.csv"):
            cache.load_portfolio(folder)
    assert len(list(cache.cache_dir().glob("pf-*-portfolio.pkl"))) == 1  # the old, valid one


def test_old_versions_are_pruned_and_a_broken_file_is_recomputed(folder: Path) -> None:
    cache.load_portfolio(folder)
    _rename_first_project(folder, "v2")
    cache.load_portfolio(folder)
    files = list(cache.cache_dir().glob("pf-*-portfolio.pkl"))
    assert len(files) == 1
    files[0].write_bytes(b"not a pickle")
    _other_process()
    assert "v2" in set(cache.load_portfolio(folder).projects["name"])


def test_load_sample_goes_through_the_cache(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PMKIT_DATA", str(folder))
    assert cache.load_sample() is cache.load_portfolio(folder)


def test_a_project_schedule_is_a_slice_of_the_shared_plan_equal_to_scheduling_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """#12: a PM page on a large portfolio reads its project from the plan computed once per
    data version (another kernel's file), never schedules the whole network itself; the dates,
    float and links are those of the engine run on an independently loaded portfolio."""
    from pmkit.generate import write_generated
    from pmkit.schedule import portfolio_adapter

    monkeypatch.setenv("PMKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_MEMO", {})
    monkeypatch.setattr(cache, "_OWNER", {})
    folder = tmp_path / "gen"
    write_generated(folder, n_projects=12, seed=7)
    cache.prewarm(folder, parts=("portfolio", "schedule"))  # the first kernel
    _other_process()

    def no_network(*_a: object, **_k: object) -> None:
        raise AssertionError("the portfolio was scheduled again in this kernel")

    real = portfolio_adapter.plan_at_status
    monkeypatch.setattr(portfolio_adapter, "plan_at_status", no_network)
    pf = cache.load_portfolio(folder)
    ids = list(pf.project_ids)
    got = {pid: cache.schedule_project(pf, pid) for pid in (ids[0], ids[5], ids[-1])}
    monkeypatch.setattr(portfolio_adapter, "plan_at_status", real)  # the reference run may
    fresh = csv_folder.load_portfolio(folder)
    for pid, sched in got.items():
        want = portfolio_adapter.schedule_project(fresh, pid)
        pd.testing.assert_frame_equal(sched.tasks, want.tasks)
        pd.testing.assert_frame_equal(sched.links, want.links)
        assert sched.finish == want.finish and sched.start == want.start
        assert set(sched.tasks["project_id"]) == {pid}


def test_a_derived_table_is_computed_once_shared_and_follows_the_data(folder: Path) -> None:
    calls: list[int] = []

    def names() -> pd.DataFrame:
        calls.append(1)
        return pf.projects[["project_id", "name"]].copy()

    pf = cache.load_portfolio(folder)
    first = cache.derived(pf, "names", names)
    assert cache.derived(pf, "names", names) is first and len(calls) == 1
    _other_process()  # another kernel reads the file: no computation
    pf = cache.load_portfolio(folder)
    pd.testing.assert_frame_equal(cache.derived(pf, "names", names), first)
    assert len(calls) == 1
    _rename_first_project(folder, "Renamed since")  # never stale: new data, new table
    pf = cache.load_portfolio(folder)
    assert "Renamed since" in set(cache.derived(pf, "names", names)["name"])
    assert len(calls) == 2
    other = csv_folder.load_portfolio(folder)  # not from the cache: computed every call
    cache.derived(other, "odd name / with spaces", lambda: calls.append(1))
    assert len(calls) == 3


def test_the_review_tables_prewarmed_by_one_kernel_equal_the_engines_on_fresh_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """#12: the preheated kernel computes the review's whole-portfolio tables before the
    request; another kernel's tabs read them, equal to the engines run on an independently
    loaded copy of the same folder."""
    from pmkit.portfolio import governance, trends
    from pmkit.portfolio.dependencies import dependency_network
    from pmkit.risk import risk_register
    from pmkit.standards import standards_of

    folder = _prewarmed_review(tmp_path, monkeypatch)
    real = trends.spi_cpi_trends

    def not_again(*_a: object, **_k: object) -> None:
        raise AssertionError("computed again in this kernel")

    monkeypatch.setattr(trends, "spi_cpi_trends", not_again)
    got = cache.review_tables(cache.load_portfolio(folder))
    monkeypatch.setattr(trends, "spi_cpi_trends", real)
    fresh = csv_folder.load_portfolio(folder)
    kind = standards_of(fresh).pmo_type
    from pmkit.portfolio.rollup import rollup
    from pmkit.schedule.portfolio_adapter import schedule_portfolio

    want = {
        "spi_cpi_trends": trends.spi_cpi_trends(fresh),
        "milestone_trend": trends.milestone_trend(fresh),
        "forecast_accuracy": trends.forecast_accuracy(fresh),
        "register": risk_register(fresh),
        "cross": fresh.cross_project_links(),
        "network": dependency_network(fresh, schedule=schedule_portfolio(fresh)),
        "gates": governance.gate_compliance(fresh, pmo_type=kind),
        "checks": governance.governance_checks(
            fresh, pmo_type=kind, rollup_df=rollup(fresh, schedule=schedule_portfolio(fresh))
        ),
    }
    assert set(got) == set(want)
    for name, frame in want.items():
        if name == "network":  # nodes and edges
            pd.testing.assert_frame_equal(got[name].nodes, frame.nodes, obj="nodes")
            pd.testing.assert_frame_equal(got[name].edges, frame.edges, obj="edges")
            continue
        pd.testing.assert_frame_equal(got[name], frame, obj=name)


def test_the_capacity_picture_prewarmed_by_one_kernel_equals_the_engine_on_fresh_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """#12: the Capacity tab's picture as planned is computed once per data version by the
    preheated kernel; another kernel reads it (the engine patched to fail there), equal to the
    engine run on an independently loaded copy over the same months; a what-if is still
    computed in the kernel, and a changed file changes the picture at once."""
    from pmkit.portfolio import capacity
    from pmkit.schedule.portfolio_adapter import schedule_portfolio

    folder = _prewarmed_review(tmp_path, monkeypatch)
    real = capacity.capacity_model

    def not_again(*_a: object, **_k: object) -> None:
        raise AssertionError("computed again in this kernel")

    monkeypatch.setattr(capacity, "capacity_model", not_again)
    got = cache.capacity_tables(cache.load_portfolio(folder))
    monkeypatch.setattr(capacity, "capacity_model", real)
    fresh = csv_folder.load_portfolio(folder)
    sd = fresh.status_date
    window = {"start": sd - pd.DateOffset(months=3), "end": sd + pd.DateOffset(months=12)}
    model = capacity.capacity_model(fresh, schedule_portfolio(fresh), **window)
    want = {
        "by_role_month": capacity.capacity_by_role_month(fresh, model=model),
        "overallocated": capacity.overallocated_resources(fresh, model=model),
        "shortfall": capacity.project_shortfall(fresh, model=model),
    }
    assert len(want["by_role_month"]) > 0
    for name, frame in want.items():
        pd.testing.assert_frame_equal(got[name], frame, obj=name)
    # the data changes (a resource's capacity halves): the next call shows it
    res = pd.read_csv(folder / "resources.csv", dtype=str, keep_default_na=False)
    col = next(c for c in res.columns if "capacity" in c or "hours" in c)
    res[col] = (pd.to_numeric(res[col]) / 2).astype(str)
    res.to_csv(folder / "resources.csv", index=False)
    again = cache.capacity_tables(cache.load_portfolio(folder))
    assert not again["by_role_month"].equals(got["by_role_month"])
