"""Cross-project network and slip propagation (float absorbs, the rest passes on)."""

from __future__ import annotations

from pathlib import Path

import pytest
from portfolio_fixtures import make_portfolio, project, task

from pmkit.io.csv_folder import load_portfolio
from pmkit.portfolio.dependencies import SlipError, dependency_network, propagate_slip
from pmkit.schedule.portfolio_adapter import schedule_portfolio


def _pf():
    # A: A1 (5d) -> AM (milestone). B: B1 (10d) ; AM -> B2 (FS) ; B1 -> B2 (FS); B2 (5d) -> BM.
    # B2 waits for max(AM, B1): AM ends day 5, B1 ends day 10 -> link AM->B2 has 5 days float.
    # C: CM (milestone) after AM with lag 0; C1 after CM.
    ms = {"is_milestone": True, "duration_days": 0.0}
    return make_portfolio(
        projects=[project("A", start="2025-03-03"), project("B", start="2025-03-03"),
                  project("C", start="2025-03-03")],
        tasks=[
            task("A-1", "A"), task("A-M", "A", **ms),
            task("B-1", "B", duration_days=10.0), task("B-2", "B"), task("B-M", "B", **ms),
            task("C-M", "C", **ms), task("C-1", "C", duration_days=3.0),
        ],
        links=[
            dict(pred_id="A-1", succ_id="A-M", type="FS", lag_days=0.0),
            dict(pred_id="A-M", succ_id="B-2", type="FS", lag_days=0.0),
            dict(pred_id="B-1", succ_id="B-2", type="FS", lag_days=0.0),
            dict(pred_id="B-2", succ_id="B-M", type="FS", lag_days=0.0),
            dict(pred_id="A-M", succ_id="C-M", type="FS", lag_days=0.0),
            dict(pred_id="C-M", succ_id="C-1", type="FS", lag_days=0.0),
        ],
    )  # fmt: skip


def test_network_aggregates_links_per_project_pair() -> None:
    pf = _pf()
    net = dependency_network(pf, schedule=schedule_portfolio(pf))
    edges = net.edges.set_index(["pred_project", "succ_project"])
    assert set(edges.index) == {("A", "B"), ("A", "C")}
    assert edges.loc[("A", "B"), "n_links"] == 1
    assert edges.loc[("A", "B"), "min_link_float_days"] == pytest.approx(5)
    assert bool(edges.loc[("A", "C"), "driving"]) and not bool(edges.loc[("A", "B"), "driving"])
    nodes = net.nodes.set_index("project_id")
    assert nodes.loc["A", "feeds"] == 2 and nodes.loc["B", "fed_by"] == 1


def _delays(df):
    return {(r.level, r.project_id, r.task_id): r.delay_days for r in df.itertuples()}


def test_slip_within_float_moves_only_the_unprotected() -> None:
    pf = _pf()
    d = _delays(propagate_slip(pf, "A-M", 3))
    assert d[("milestone", "A", "A-M")] == 3
    assert d[("milestone", "C", "C-M")] == 3  # no float: passes on in full
    assert d[("project", "C", "")] == 3
    assert ("milestone", "B", "B-M") not in d  # 5 days of float absorb 3


def test_slip_beyond_float_passes_on_the_excess() -> None:
    pf = _pf()
    base = schedule_portfolio(pf)
    out = propagate_slip(pf, "A-M", 8, schedule=base)
    d = _delays(out)
    assert d[("milestone", "B", "B-M")] == 8 - 5
    assert d[("project", "B", "")] == 8 - 5
    assert d[("milestone", "C", "C-M")] == 8
    assert out["delay_days"].is_monotonic_decreasing
    assert set(out.loc[out["cross_project"], "project_id"]) == {"B", "C"}


def test_bad_slips_are_refused() -> None:
    pf = _pf()
    with pytest.raises(SlipError):
        propagate_slip(pf, "NOPE", 3)
    with pytest.raises(SlipError):
        propagate_slip(pf, "A-M", 0)


DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def sample():
    pf = load_portfolio(DATA)
    return pf, schedule_portfolio(pf)


def test_sample_has_open_milestones_feeding_other_projects(sample) -> None:
    pf, _ = sample
    x = pf.cross_project_links()
    t = pf.tasks.set_index("task_id")
    open_x = x[t.loc[x["pred_id"], "percent_complete"].to_numpy() < 100]
    assert open_x["pred_id"].nunique() >= 4  # milestones not finished at the status date
    assert open_x["succ_project"].nunique() >= 3
    assert t.loc[open_x["pred_id"], "is_milestone"].all()


def _moved(df) -> dict:
    """Other projects whose finish moves, with their delay in working days."""
    p = df[(df["level"] == "project") & df["cross_project"]]
    return dict(zip(p["project_id"], p["delay_days"], strict=True))


def test_sample_tight_link_passes_a_slip_on(sample) -> None:
    # R&D Lab "Plan baselined" feeds P08 and P10 with no float (P12 waits for P08's go-live)
    pf, base = sample
    out = propagate_slip(pf, "P06-T0011", 15, schedule=base)
    moved = _moved(out)
    assert len(moved) >= 2
    # by the audit's rule: delay = slip - link float (days; the successors have no float)
    lf = base.links.set_index(["pred_uid", "succ_uid"])["link_float_min"] / 480.0
    assert moved["P08"] == pytest.approx(15 - lf[("P06-T0011", "P08-T0017")], abs=0.01)
    assert moved["P10"] == pytest.approx(15 - lf[("P06-T0011", "P10-T0033")], abs=0.01)
    assert 0 < moved["P12"] <= 15
    ms = out[(out["level"] == "milestone") & out["cross_project"]]
    assert {"P08", "P10"} <= set(ms["project_id"])  # their milestones move too
    # about 2 days of link float on P01's go-live -> P08 and P12: the rest passes on
    got = _moved(propagate_slip(pf, "P01-T0036", 15, schedule=base))
    assert set(got) == {"P08", "P12"}
    assert got["P08"] == pytest.approx(15 - lf[("P01-T0036", "P08-T0030")], abs=0.01)
    assert got["P12"] == pytest.approx(15 - lf[("P01-T0036", "P12-T0039")], abs=0.01)


def test_sample_float_absorbs_a_slip(sample) -> None:
    pf, base = sample
    # ESG "Plan baselined" feeds P02 and P03 with 21+ days of float: its own project moves,
    # no other does
    out = propagate_slip(pf, "P12-T0013", 15, schedule=base)
    assert _moved(out) == {}
    own = out[(out["level"] == "project") & (out["project_id"] == "P12")]
    assert own["delay_days"].tolist() == [15]
    # Data Centre go-live -> P03 has 22 days of float: 15 are absorbed, 25 pass on 3
    assert _moved(propagate_slip(pf, "P02-T0036", 15, schedule=base)) == {}
    assert _moved(propagate_slip(pf, "P02-T0036", 25, schedule=base)) == {"P03": 3}
