"""A valid portfolio with no cross-project link, or no status report yet (an import, a new
portfolio): the PMO engines answer with empty tables instead of a numpy/pandas exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from _door_factory import DATA, write_dialect

from pmkit.io.csv_folder import load_portfolio
from pmkit.portfolio.dependencies import dependency_network
from pmkit.portfolio.trends import accuracy_by_report, forecast_accuracy
from pmkit.schedule.portfolio_adapter import schedule_portfolio


def _without(tmp_path: Path, *tables: str):  # type: ignore[no-untyped-def]
    folder = write_dialect(tmp_path / "pf")
    for name in tables:
        path = folder / f"{name}.csv"
        path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    return load_portfolio(folder)


def test_no_links_gives_a_network_of_projects_without_edges(tmp_path: Path) -> None:
    """Session 9: numpy's char.replace raised "zero-size array to reduction" on no links."""
    pf = _without(tmp_path, "links")
    for schedule in (None, schedule_portfolio(pf)):
        net = dependency_network(pf, schedule=schedule)
        assert net.edges.empty
        assert list(net.nodes["project_id"]) == list(pf.projects["project_id"])
        assert (net.nodes[["links_in", "links_out", "feeds", "fed_by"]] == 0).all().all()


def test_no_status_report_gives_no_forecast_accuracy(tmp_path: Path) -> None:
    """Session 9: mapping onto an empty date series raised "Cannot cast DatetimeArray"."""
    pf = _without(tmp_path, "snapshots")
    acc = forecast_accuracy(pf)
    assert acc.empty and {"error_days", "reference_finish", "lead_days"} <= set(acc.columns)
    assert accuracy_by_report(pf).empty


@pytest.mark.parametrize("pid", ["P01", "P11"])
def test_the_sample_still_judges_its_forecasts(pid: str) -> None:
    """The guard changes nothing when reports exist: P11 is finished (reference = its actual
    finish, the latest leaf actual_finish), P01 is not (reference = its latest forecast)."""
    pf = load_portfolio(DATA)
    acc = forecast_accuracy(pf, project_id=pid)
    leaf = pf.tasks[(pf.tasks["project_id"] == pid) & ~pf.tasks["is_summary"].astype(bool)]
    snaps = pf.snapshots[pf.snapshots["project_id"] == pid].sort_values("report_date")
    want = leaf["actual_finish"].max() if pid == "P11" else snaps["forecast_finish"].iloc[-1]
    assert (acc["reference_finish"] == want).all()
    assert list(acc["error_days"]) == [(f - want).days for f in snaps["forecast_finish"]]
