"""Benchmark: Monte Carlo schedule simulation, vectorised vs a per-run Python loop.

Not a timed test: it prints both times and the ratio. The network is 1,000 tasks with 1-3
predecessors each among the previous 40 tasks (80 % FS, 10 % SS, 5 % FF, 5 % SF; lags -1..3
days), beta-PERT estimates. The straightforward baseline samples each run's durations with numpy,
then schedules that run in a Python loop over tasks (forward and backward pass, critical flags),
exactly the same model. Side by side, N times: one vectorised run of ``--runs`` runs, then one
baseline batch of ``--baseline-runs`` runs (scaled up to ``--runs``); best of N for both, wall and
CPU. The P50/P80/P90 of both are printed with the baseline's bootstrap standard error; the
script exits 1 if one is more than ``AGREE_SE`` standard errors away (same model, so only noise).

Run: ``.venv/bin/python bench/bench_montecarlo.py [--tasks 1000] [--runs 10000]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing, like the other benches
    sys.path.insert(0, str(ROOT))

from pmkit.schedule.montecarlo import Network, simulate  # noqa: E402

MPD = 480.0
PCTS = (50, 80, 90)
AGREE_SE = 4.0
"""Beyond this many bootstrap standard errors from the loop, a percentile disagrees (exit 1):
the two are the same model, so only sampling noise may separate them."""


def random_network(n_tasks: int, seed: int = 0) -> Network:
    """A layered random project network of ``n_tasks`` tasks (working minutes)."""
    rng = np.random.default_rng(seed)
    ml = rng.integers(1, 20, n_tasks) * MPD
    a = ml * rng.uniform(0.6, 0.95, n_tasks)
    b = ml * rng.uniform(1.1, 2.5, n_tasks)
    preds, succs = [], []
    for j in range(1, n_tasks):
        k = int(rng.integers(1, 4))
        cand = rng.choice(np.arange(max(0, j - 40), j), size=min(k, j), replace=False)
        preds.extend(cand.tolist())
        succs.extend([j] * len(cand))
    kinds = rng.choice(["FS", "SS", "FF", "SF"], size=len(preds), p=[0.8, 0.1, 0.05, 0.05])
    lags = rng.integers(-1, 4, len(preds)) * MPD
    tasks = pd.DataFrame(
        {
            "uid": np.arange(n_tasks),
            "optimistic_min": a,
            "most_likely_min": ml,
            "pessimistic_min": b,
        }
    )
    links = pd.DataFrame({"pred_uid": preds, "succ_uid": succs, "type": kinds, "lag_min": lags})
    return Network.from_frames(tasks, links, minutes_per_day=MPD)


def loop_baseline(net: Network, runs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The straightforward way: one run at a time, Python loop over tasks in each pass."""
    rng = np.random.default_rng(seed)
    n = net.n_tasks
    order = net.order.tolist()
    preds: list[list[tuple[int, int, float]]] = [[] for _ in range(n)]
    succs: list[list[tuple[int, int, float]]] = [[] for _ in range(n)]
    for p, s, k, lag in zip(
        net.pred.tolist(), net.succ.tolist(), net.kind.tolist(), net.lag.tolist(), strict=True
    ):
        preds[s].append((p, k, lag))
        succs[p].append((s, k, lag))
    a, m, b = net.optimistic, net.most_likely, net.pessimistic
    alpha = 1 + 4 * (m - a) / (b - a)
    beta = 1 + 4 * (b - m) / (b - a)
    floor = net.floor.tolist()
    finish = np.empty(runs)
    crit = np.zeros(n)
    for r in range(runs):
        d = (a + rng.beta(alpha, beta) * (b - a)).tolist()
        es = [0.0] * n
        ef = [0.0] * n
        for j in order:
            x = floor[j]
            for p, k, lag in preds[j]:
                if k == 0:
                    c = ef[p] + lag
                elif k == 1:
                    c = es[p] + lag
                elif k == 2:
                    c = ef[p] + lag - d[j]
                else:
                    c = es[p] + lag - d[j]
                x = max(x, c)
            es[j] = x
            ef[j] = x + d[j]
        f = max(ef)
        lf = [f] * n
        ls = [0.0] * n
        for i in reversed(order):
            y = f
            for s, k, lag in succs[i]:
                if k == 0:
                    c = ls[s] - lag
                elif k == 1:
                    c = ls[s] - lag + d[i]
                elif k == 2:
                    c = lf[s] - lag
                else:
                    c = lf[s] - lag + d[i]
                y = min(y, c)
            lf[i] = y
            ls[i] = y - d[i]
            if y - ef[i] <= 1e-6:
                crit[i] += 1
        finish[r] = f
    return finish, crit / runs


def _pcts(days: np.ndarray) -> np.ndarray:
    return np.percentile(days, PCTS)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=1_000)
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--baseline-runs", type=int, default=150, help="runs per baseline batch")
    ap.add_argument("--repeat", type=int, default=3, help="best of N, for both sides")
    args = ap.parse_args()

    net = random_network(args.tasks)
    print(
        f"network: {net.n_tasks} tasks, {len(net.pred)} links, "
        f"{int(net.level.max()) + 1} topological levels"
    )
    simulate(net, runs=100, seed=0)  # one-off set-up (PERT table) outside the timing

    # side by side: vectorised run, then a baseline batch, N times; best of N for each
    best = cpu_best = loop_t = loop_cpu = np.inf
    res = None
    loop_fin: list[np.ndarray] = []
    for i in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        res = simulate(net, runs=args.runs, seed=1)
        best = min(best, time.perf_counter() - t0)
        cpu_best = min(cpu_best, time.process_time() - c0)
        t0, c0 = time.perf_counter(), time.process_time()
        fin, _crit = loop_baseline(net, args.baseline_runs, seed=100 + i)
        loop_t = min(loop_t, time.perf_counter() - t0)
        loop_cpu = min(loop_cpu, time.process_time() - c0)
        loop_fin.append(fin / MPD)
    assert res is not None
    scale = args.runs / args.baseline_runs
    scaled, scaled_cpu = loop_t * scale, loop_cpu * scale
    print(f"vectorised : {args.runs:>6} runs in {best:7.3f} s wall [cpu {cpu_best:.3f} s]")
    print(
        f"python loop: {args.baseline_runs:>6} runs in {loop_t:7.3f} s wall "
        f"[cpu {loop_cpu:.3f} s] -> {scaled:7.2f} s wall [cpu {scaled_cpu:.2f} s] "
        f"for {args.runs} runs (scaled)"
    )
    print(
        f"ratio      : {scaled / best:.1f}x faster wall, {scaled_cpu / cpu_best:.1f}x cpu "
        "(goal: <= 1 s and >= 20x; cpu time is steadier on a shared machine)"
    )
    # statistical agreement: the loop's percentiles with a bootstrap standard error
    base = np.concatenate(loop_fin)
    boot_rng = np.random.default_rng(0)
    boots = np.array(
        [_pcts(boot_rng.choice(base, base.size)) for _ in range(500)]
    )  # resampled percentiles of the baseline
    se = boots.std(axis=0)
    vec = _pcts(res.finish_days)
    ref = _pcts(base)
    far = 0
    for p, v, b, e in zip(PCTS, vec, ref, se, strict=True):
        print(
            f"P{p:<3}: vectorised {v:8.1f} d   loop ({base.size} runs) {b:8.1f} d "
            f"+/- {e:4.1f}   difference {(v - b) / e:+.1f} SE"
        )
        far += int(abs(v - b) > AGREE_SE * e)
    t0 = time.perf_counter()
    _ = res.sensitivity
    print(f"sensitivity (Spearman, computed on first use): {time.perf_counter() - t0:.3f} s")
    if far:
        print(f"DISAGREE: {far} percentile(s) more than {AGREE_SE:g} SE from the loop's")
    return 1 if far else 0


if __name__ == "__main__":
    raise SystemExit(main())
