"""Monte Carlo schedule risk: statistics that theory fixes, and the passes against a plain loop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pmkit.calendar import Calendar
from pmkit.errors import CycleError
from pmkit.schedule.cpm import schedule_network
from pmkit.schedule.montecarlo import (
    Distribution,
    MonteCarloError,
    Network,
    simulate,
    simulate_project,
)

A = np.array([2.0, 1.0, 4.0, 3.0])
M = np.array([4.0, 2.0, 5.0, 6.0])
B = np.array([9.0, 6.0, 7.0, 12.0])


def _chain(a: np.ndarray = A, m: np.ndarray = M, b: np.ndarray = B) -> Network:
    uids = [f"T{i}" for i in range(len(a))]
    tasks = pd.DataFrame(
        {"uid": uids, "optimistic_min": a, "most_likely_min": m, "pessimistic_min": b}
    )
    links = pd.DataFrame({"pred_uid": uids[:-1], "succ_uid": uids[1:]})
    return Network.from_frames(tasks, links, minutes_per_day=1.0)


@pytest.mark.parametrize(
    ("dist", "means"),
    [("pert", (A + 4 * M + B) / 6), ("triangular", (A + M + B) / 3)],
)
def test_chain_mean_is_sum_of_means(dist: Distribution, means: np.ndarray) -> None:
    res = simulate(_chain(), runs=40_000, seed=3, distribution=dist)
    se = res.finish.std() / np.sqrt(res.runs)
    assert abs(res.finish.mean() - means.sum()) < 4 * se
    # variances add up too on a chain of independent tasks
    if dist == "pert":
        al, be = 1 + 4 * (M - A) / (B - A), 1 + 4 * (B - M) / (B - A)
        var = (B - A) ** 2 * al * be / ((al + be) ** 2 * (al + be + 1))
    else:
        var = (A**2 + M**2 + B**2 - A * M - A * B - M * B) / 18
    assert res.finish.var() == pytest.approx(var.sum(), rel=0.05)
    assert res.finish.min() >= A.sum() - 1e-9 and res.finish.max() <= B.sum() + 1e-9
    assert (res.criticality_index == 1.0).all()  # one path: every task always critical


def test_merge_bias() -> None:
    # three parallel symmetric tasks into a milestone: CPM says 10, the max of three is later
    tasks = pd.DataFrame(
        {
            "uid": ["A", "B", "C", "End"],
            "optimistic_min": [5.0, 5, 5, 0],
            "most_likely_min": [10.0, 10, 10, 0],
            "pessimistic_min": [15.0, 15, 15, 0],
        }
    )
    links = pd.DataFrame({"pred_uid": ["A", "B", "C"], "succ_uid": ["End"] * 3})
    res = simulate(Network.from_frames(tasks, links, minutes_per_day=1.0), runs=20_000, seed=1)
    assert res.deterministic_finish == 10
    p50, p80, p90 = res.percentiles()["finish_min"].to_numpy(dtype=float)
    assert p50 > 10.5  # merge bias
    assert p50 <= p80 <= p90
    assert res.probability_by(10.0) < 0.2  # 1/8 in theory for three symmetric tasks
    ci = res.criticality_index
    assert ci["End"] == 1.0
    assert ci[["A", "B", "C"]].sum() == pytest.approx(1.0, abs=0.01)
    assert ci[["A", "B", "C"]].to_numpy() == pytest.approx([1 / 3] * 3, abs=0.03)


def test_reproducible_and_seed_dependent() -> None:
    net = _chain()
    r1 = simulate(net, runs=3_000, seed=42)
    r2 = simulate(net, runs=3_000, seed=42)
    r3 = simulate(net, runs=3_000, seed=43)
    assert np.array_equal(r1.finish, r2.finish)
    assert not np.array_equal(r1.finish, r3.finish)


def test_progress_callback_in_chunks() -> None:
    seen: list[float] = []
    simulate(_chain(), runs=1_000, seed=1, chunk_size=300, progress=seen.append)
    assert seen == pytest.approx([0.3, 0.6, 0.9, 1.0])


def test_sensitivity_finds_the_uncertain_task() -> None:
    # T2 very uncertain, the others nearly fixed: T2 drives the finish
    a = np.array([5.0, 5.0, 1.0, 5.0])
    m = np.array([5.0, 5.1, 10.0, 5.0])
    b = np.array([5.2, 5.3, 40.0, 5.1])
    res = simulate(_chain(a, m, b), runs=5_000, seed=9)
    sens = res.sensitivity
    assert sens["uid"].iloc[0] == "T2" and sens["spearman"].iloc[0] > 0.95
    tor = res.tornado(3)
    assert tor["uid"].iloc[0] == "T2"
    swing = tor["high_days"] - tor["low_days"]
    assert swing.iloc[0] > 15  # T2 high decile vs low decile: ~ (40 - 1) * 0.7 days apart
    # the nearly fixed tasks barely move the finish (their swing is noise)
    assert (swing.iloc[1:].abs() < 0.1 * swing.iloc[0]).all()


def test_link_types_and_lags_match_the_cpm_engine() -> None:
    # deterministic durations: the simulation's passes must give the CPM engine's finish
    rng = np.random.default_rng(5)
    n = 60
    dur = rng.integers(1, 10, n) * 480.0
    preds, succs = [], []
    for j in range(1, n):
        for p in rng.choice(j, size=min(j, int(rng.integers(1, 3))), replace=False):
            preds.append(int(p))
            succs.append(j)
    kinds = rng.choice(["FS", "SS", "FF", "SF"], size=len(preds))
    lags = rng.integers(-1, 3, len(preds)) * 480.0
    tasks = pd.DataFrame({"uid": np.arange(n), "duration_min": dur})
    links = pd.DataFrame({"pred_uid": preds, "succ_uid": succs, "type": kinds, "lag_min": lags})
    cal = Calendar.standard()
    start = pd.Timestamp("2026-01-05 08:00")
    net = Network.from_frames(tasks, links, calendar=cal, origin=start)
    sched = schedule_network(tasks, links, calendar=cal, project_start=start)
    w0 = cal.to_working_minutes(start)[0]
    cpm_finish = cal.to_working_minutes(sched.finish)[0] - w0
    assert net.deterministic_finish() == pytest.approx(cpm_finish)
    res = simulate(net, runs=200, seed=0)
    assert np.allclose(res.finish, cpm_finish)  # no uncertainty: every run is the CPM
    crit_cpm = sched.tasks.set_index("uid")["critical"]
    assert (res.criticality_index[crit_cpm[crit_cpm].index] == 1.0).all()


def test_forward_pass_equals_a_plain_loop() -> None:
    rng = np.random.default_rng(11)
    n = 40
    preds, succs = [], []
    for j in range(1, n):
        for p in rng.choice(j, size=min(j, 2), replace=False):
            preds.append(int(p))
            succs.append(j)
    kinds = rng.integers(0, 4, len(preds))
    lags = rng.normal(0, 3, len(preds))
    tasks = pd.DataFrame(
        {
            "uid": np.arange(n),
            "optimistic_min": 1.0,
            "most_likely_min": 5.0,
            "pessimistic_min": 20.0,
        }
    )
    links = pd.DataFrame(
        {
            "pred_uid": preds,
            "succ_uid": succs,
            "type": np.array(["FS", "SS", "FF", "SF"])[kinds],
            "lag_min": lags,
        }
    )
    net = Network.from_frames(tasks, links)
    d = rng.uniform(1, 20, (n, 7))
    stack = net.forward(d)
    for r in range(7):
        es = np.zeros(n)
        ef = np.zeros(n)
        for j in net.order:
            x = 0.0
            for p, s, k, lag in zip(preds, succs, kinds, lags, strict=True):
                if s != j:
                    continue
                x = max(
                    x, [ef[p] + lag, es[p] + lag, ef[p] + lag - d[j, r], es[p] + lag - d[j, r]][k]
                )
            es[j], ef[j] = x, x + d[j, r]
        assert stack[:n, r] == pytest.approx(es)
        assert stack[n:, r] == pytest.approx(ef)


def test_errors_name_the_problem() -> None:
    bad = pd.DataFrame(
        {"uid": ["X"], "optimistic_min": [5.0], "most_likely_min": [3.0], "pessimistic_min": [9.0]}
    )
    with pytest.raises(MonteCarloError, match="X"):
        Network.from_frames(bad)
    t = pd.DataFrame({"uid": ["A", "B"], "duration_min": [1.0, 1.0]})
    with pytest.raises(CycleError, match="A"):
        Network.from_frames(t, pd.DataFrame({"pred_uid": ["A", "B"], "succ_uid": ["B", "A"]}))
    with pytest.raises(MonteCarloError, match="distribution"):
        simulate(_chain(), runs=10, distribution="normal")  # type: ignore[arg-type]
    with pytest.raises(MonteCarloError, match="runs"):
        simulate(_chain(), runs=0)


def test_sample_every_project() -> None:
    from pmkit.cache import load_sample

    p = load_sample()
    status = p.status_date
    for pid in p.project_ids:
        res = simulate_project(p, pid, runs=500, seed=1)
        pct = res.percentiles()
        assert pct["date"].notna().all()
        assert pct["finish_min"].is_monotonic_increasing
        # nothing finishes before the status date unless the project is already done
        done = (p.tasks.loc[p.tasks["project_id"] == pid, "percent_complete"] >= 100).all()
        if not done:
            assert pct["date"].min() > status
        ci = res.criticality_index
        assert ci.between(0, 1).all() and ci.max() == 1.0
        assert len(res.histogram(20)) == 20 and res.cdf(50)["probability"].iloc[-1] == 1.0


def test_sampled_quantiles_match_the_distributions() -> None:
    from scipy import stats

    # one task: the finish is its duration; compare with the exact inverse CDFs
    a, m, b = 2.0, 3.0, 10.0
    net = _chain(np.array([a]), np.array([m]), np.array([b]))
    ps = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
    pert = simulate(net, runs=200_000, seed=4)
    al, be = 1 + 4 * (m - a) / (b - a), 1 + 4 * (b - m) / (b - a)
    exact = a + (b - a) * stats.beta.ppf(ps, al, be)
    assert np.quantile(pert.finish, ps) == pytest.approx(exact, abs=0.02)
    tri = simulate(net, runs=200_000, seed=4, distribution="triangular")
    exact_tri = stats.triang.ppf(ps, (m - a) / (b - a), loc=a, scale=b - a)
    assert np.quantile(tri.finish, ps) == pytest.approx(exact_tri, abs=0.02)


def test_strata_ranks_average_ties() -> None:
    from scipy.stats import rankdata

    from pmkit.schedule.montecarlo import _strata_ranks

    k = np.random.default_rng(2).integers(0, 50, (3, 400)).astype(np.uint16)
    assert _strata_ranks(k) == pytest.approx(rankdata(k, axis=1) - 1)
