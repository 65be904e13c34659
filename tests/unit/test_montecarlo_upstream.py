"""Monte Carlo across projects: a project's network simulates its upstream closure.

Hand-made two-project cases checked against independent computations (closed-form triangular
quantiles; a brute-force simulation written with plain numpy), not against pmkit's output.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from portfolio_fixtures import make_portfolio, project, task

import pmkit
from pmkit.schedule.montecarlo import project_network, simulate, simulate_project
from pmkit.schedule.portfolio_adapter import schedule_project

RUNS = 20_000


def _snap(pids: list[str]) -> list[dict[str, object]]:
    # status date Fri 2 Jan 2026: nothing started, both projects start Mon 5 Jan
    return [
        {"project_id": p, "report_date": "2026-01-02", "pv": 0.0, "ev": 0.0, "ac": 0.0}
        for p in pids
    ]


def _three(a: float, m: float, b: float) -> dict[str, float]:
    return {"optimistic_days": a, "most_likely_days": m, "pessimistic_days": b,
            "duration_days": m}  # fmt: skip


def _upstream_case(u2: tuple[float, float, float], linked: bool = True) -> pmkit.Portfolio:
    """U: U-1 (triangular 4/6/12 d) -> U-2 (``u2``); U-3 100 d, linked to nothing; U-4 40 d
    fixed, SS into D-1 (it starts at day 0, so it never drives D-1, and it ends long after
    D: D's finish must not be U-4's). D: D-1 10 d fixed, after U-2 (FS + 1 d); D-2 3 d."""
    tasks = [
        task("U-1", "U", **_three(4, 6, 12)),
        task("U-2", "U", **_three(*u2)),
        task("U-3", "U", **_three(50, 100, 200)),
        task("U-4", "U", duration_days=40.0),
        task("D-1", "D", duration_days=10.0),
        task("D-2", "D", duration_days=3.0),
    ]
    links = [{"pred_id": "U-1", "succ_id": "U-2", "type": "FS", "lag_days": 0.0}]
    if linked:
        links += [
            {"pred_id": "U-2", "succ_id": "D-1", "type": "FS", "lag_days": 1.0},
            {"pred_id": "U-4", "succ_id": "D-1", "type": "SS", "lag_days": 0.0},
        ]
    return make_portfolio(
        projects=[project("U", start="2026-01-05"), project("D", start="2026-01-05")],
        tasks=tasks,
        links=links,
        snapshots=_snap(["U", "D"]),
    )


def _tri_quantile(q: np.ndarray, a: float, c: float, b: float) -> np.ndarray:
    """Inverse CDF of the triangular distribution (textbook closed form)."""
    f = (c - a) / (b - a)
    return np.where(
        q < f, a + np.sqrt(q * (b - a) * (c - a)), b - np.sqrt((1 - q) * (b - a) * (b - c))
    )


def test_upstream_task_spreads_the_finish_closed_form() -> None:
    """U-2 fixed at 2 d: D finishes U-1 + 2 + 1 + 10 working days after the start, so its
    percentiles are U-1's triangular quantiles shifted by 13 days."""
    p = _upstream_case((2, 2, 2))
    res = simulate_project(p, "D", runs=RUNS, seed=5, distribution="triangular")
    qs = np.array([0.1, 0.5, 0.8, 0.9])
    want = _tri_quantile(qs, 4, 6, 12) + 13.0
    got = np.quantile(res.finish_days, qs)
    np.testing.assert_allclose(got, want, atol=0.06)
    assert res.deterministic_finish / 480 == pytest.approx(6 + 2 + 1 + 10)
    # before session 8 U-1 was held at its plan: every run finished on day 19
    assert res.finish_days.min() < 18.0 and res.finish_days.max() > 23.0


def test_upstream_chain_matches_a_brute_force_simulation() -> None:
    """U-1 and U-2 both uncertain (U-2 reaches D only through U-1's successor): the finish of
    D against a plain-numpy simulation of U-1 + U-2 + 11 days."""
    p = _upstream_case((1, 2, 5))
    res = simulate_project(p, "D", runs=RUNS, seed=11, distribution="triangular")
    rng = np.random.default_rng(2026)
    n = 400_000
    brute = rng.triangular(4, 6, 12, n) + rng.triangular(1, 2, 5, n) + 1.0 + 10.0
    for q in (50, 80, 90):
        assert np.percentile(res.finish_days, q) == pytest.approx(
            np.percentile(brute, q), abs=0.08
        ), q
    assert res.finish_days.mean() == pytest.approx(brute.mean(), abs=0.05)


def test_network_is_the_upstream_closure_named_by_project() -> None:
    p = _upstream_case((1, 2, 5))
    net = project_network(p, "D")
    # U-3 reaches D through no link: not simulated; U-1 reaches it through U-2
    assert sorted(net.uids) == ["D-1", "D-2", "U-1", "U-2", "U-4"]
    res = simulate_project(p, "D", runs=2_000, seed=1, distribution="triangular")
    table = res.task_table().set_index("uid")
    assert table.loc["U-1", "project"] == "U" and table.loc["D-1", "project"] == "D"
    assert set(res.sensitivity["project"]) <= {"U", "D"}
    assert res.tornado(3)["uid"].tolist()[:2] == ["U-1", "U-2"]  # the only uncertain tasks
    crit = res.criticality_index
    # U-1 and U-2 drive D-1 in every run; U-4 (SS, day 0) never does, and it is measured to
    # D-1 (float = D-1's start), not to its own 40-day finish or D's finish
    assert crit["U-1"] == 1.0 and crit["U-2"] == 1.0 and crit["D-1"] == 1.0
    assert crit["U-4"] == 0.0 and crit["D-2"] == 0.0


def test_deterministic_finish_is_the_cpm_finish() -> None:
    p = _upstream_case((1, 2, 5))
    net = project_network(p, "D")
    cpm = schedule_project(p, "D")
    w0 = float(net.calendar.to_working_minutes(net.origin)[0])
    assert float(cpm.calendar.to_working_minutes(cpm.finish)[0]) == pytest.approx(
        w0 + net.deterministic_finish()
    )


def test_project_without_upstream_is_simulated_as_alone() -> None:
    """No link from U: D's result is the one of D in a portfolio of its own, number for
    number (same seed)."""
    both = simulate_project(_upstream_case((1, 2, 5), linked=False), "D", runs=3_000, seed=4)
    alone = make_portfolio(
        projects=[project("D", start="2026-01-05")],
        tasks=[
            task("D-1", "D", duration_days=10.0, optimistic_days=8.0, pessimistic_days=15.0),
            task("D-2", "D", duration_days=3.0),
        ],
        snapshots=_snap(["D"]),
    )
    p = make_portfolio(
        projects=[project("U", start="2026-01-05"), project("D", start="2026-01-05")],
        tasks=[
            task("U-1", "U", **_three(4, 6, 12)),
            task("D-1", "D", duration_days=10.0, optimistic_days=8.0, pessimistic_days=15.0),
            task("D-2", "D", duration_days=3.0),
        ],
        snapshots=_snap(["U", "D"]),
    )
    a = simulate_project(alone, "D", runs=3_000, seed=4)
    b = simulate_project(p, "D", runs=3_000, seed=4)
    np.testing.assert_array_equal(a.finish, b.finish)
    assert a.network.own is None and b.network.own is None
    assert both.network.n_tasks == 2


def test_upstream_progress_follows_the_status_date_rule() -> None:
    """U-1 finished (6 working days, Mon 5 - Mon 12 Jan): fixed at its actual dates, nothing
    left to draw; at the status date Mon 12 Jan D's spread is U-2's alone."""
    p = _upstream_case((1, 2, 5))
    t = p.tasks.copy()
    i = t.index[t["task_id"] == "U-1"][0]
    t.loc[i, "actual_start"] = pd.Timestamp("2026-01-05 08:00")
    t.loc[i, "actual_finish"] = pd.Timestamp("2026-01-12 17:00")
    t.loc[i, "percent_complete"] = 100.0
    done = dataclasses.replace(p, tasks=t, standards={**p.standards, "status_date": "2026-01-12"})
    net = project_network(done, "D")
    k = list(net.uids).index("U-1")
    assert net.optimistic[k] == net.pessimistic[k]  # fixed
    assert bool(net.pinned[k])
    res = simulate_project(done, "D", runs=RUNS, seed=2, distribution="triangular")
    # U-2 starts Tue 13 Jan (6 working days after the start): finish = 6 + U-2 + 1 + 10
    want = _tri_quantile(np.array([0.5, 0.9]), 1, 2, 5) + 17.0
    np.testing.assert_allclose(np.quantile(res.finish_days, [0.5, 0.9]), want, atol=0.06)


def test_risk_panel_names_the_upstream_project_escaped() -> None:
    """The panel lists the upstream tasks with their project, names escaped."""
    from pmkit.ui.schedule_risk import MonteCarloPanel, montecarlo_tables

    p = _upstream_case((1, 2, 5))
    t = p.tasks.copy()
    t.loc[t["task_id"] == "U-1", "name"] = "<img src=x onerror=alert(1)>"
    p = dataclasses.replace(p, tasks=t)
    res = simulate_project(p, "D", runs=1_000, seed=3, distribution="triangular")
    tables = montecarlo_tables(res, p.tasks)
    assert tables["tornado"].set_index("uid").loc["U-1", "label"].startswith("U · ")
    assert tables["criticality"].set_index("uid").loc["U-2", "project"] == "U"
    panel = MonteCarloPanel(p, "D")
    panel.runs.value = 500
    panel.simulate()
    html = panel.crit_html.value
    assert "<th>project</th>" in html and "<td>U</td>" in html
    assert "<img" not in html and "&lt;img" in html
    assert "Also simulated: 3 tasks of U" in panel.status.value


def test_duration_change_scales_the_three_points() -> None:
    """D-1 (8 / 10 / 15 days) set to 20 days: 16 / 20 / 30 days, the spread scales with it
    (the estimates were read from the unchanged task: 18 / 20 / 25)."""
    p = make_portfolio(
        projects=[project("D", start="2026-01-05")],
        tasks=[task("D-1", "D", **_three(8, 10, 15))],
        snapshots=_snap(["D"]),
    )
    net = project_network(p, "D", duration_changes={"D-1": 20.0})
    days = np.array([net.optimistic[0], net.most_likely[0], net.pessimistic[0]]) / 480
    np.testing.assert_allclose(days, [16.0, 20.0, 30.0])


def test_a_large_network_runs_in_smaller_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory stays bounded when the upstream closure makes the network large: the chunk
    shrinks with the tasks (here a budget that fits 200 runs of the 5 tasks)."""
    from pmkit.schedule import montecarlo

    monkeypatch.setattr(montecarlo, "_CHUNK_BYTES", 48 * 5 * 200)
    seen: list[float] = []
    p = _upstream_case((1, 2, 5))
    res = simulate_project(p, "D", runs=1_000, seed=1, progress=seen.append)
    assert seen == [0.2, 0.4, 0.6, 0.8, 1.0]
    assert res.runs == 1_000 and res.deterministic_finish / 480 == pytest.approx(19.0)


def test_simulate_project_names_its_options() -> None:
    """Every option is a keyword of simulate_project itself (code review: ``**kw`` passed a
    misspelt option on to ``simulate``, whose error named the wrong function)."""
    import inspect

    params = inspect.signature(simulate_project).parameters
    assert not any(x.kind is inspect.Parameter.VAR_KEYWORD for x in params.values())
    assert {"status_date", "duration_changes", "runs", "seed", "distribution", "progress",
            "chunk_size", "keep_durations"} <= set(params)  # fmt: skip
    p = _upstream_case((1, 2, 5), linked=True)
    with pytest.raises(TypeError, match="simulate_project"):
        simulate_project(p, "D", runz=10)  # type: ignore[call-arg]
    a = simulate_project(p, "D", runs=300, seed=3, chunk_size=100)
    b = simulate(project_network(p, "D"), runs=300, seed=3, chunk_size=100)
    assert np.array_equal(a.finish, b.finish)
