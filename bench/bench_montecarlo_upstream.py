"""Benchmark: a project's Monte Carlo with and without predecessors in other projects, two
trees side by side (e.g. a baseline checkout and this one).

Not a timed test: it prints times, the ratio and the load average. For each tree and data
folder one subprocess (``PYTHONPATH`` = the tree) loads the portfolio, warms the plan cache
and one simulation, then times, best of ``--repeat``: building the project's network
(:func:`pmkit.project_network`) and ``simulate`` (``--runs`` runs, beta-PERT, seed 1). It also
prints the network's size and P50/P80/P90 (working days), so the cost of simulating the
upstream tasks is seen next to what it changes. Trees run alternately, ``--rounds`` times.

Run::

    flock /tmp/pmkit-bench.lock timeout 900 .venv/bin/python bench/bench_montecarlo_upstream.py \\
        --tree base=/tmp/base8 --tree mine=. --data sample:P06,P12 \\
        --data /tmp/s5b/p1000:P0001,P0831

Without arguments (``make bench``): this checkout alone on the sample, a project with no
predecessor in another project and the one with the most.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def worker(data: str, pids: list[str], runs: int, repeat: int) -> None:
    import numpy as np

    import pmkit
    from pmkit.schedule.montecarlo import project_network, simulate

    t0 = time.perf_counter()
    p = pmkit.load_sample() if data == "sample" else pmkit.load_portfolio(data)
    pmkit.schedule_portfolio(p)  # the plan at the status date, cached as on a page
    out: dict[str, Any] = {"load_s": time.perf_counter() - t0, "pmkit": pmkit.__file__}
    if pids == ["auto"]:
        pids = _pick(p)
        out["pids"] = pids
    for pid in pids:
        simulate(project_network(p, pid), runs=200, seed=0)  # one-off set-up (tables)
        best_net = best_sim = np.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            net = project_network(p, pid)
            best_net = min(best_net, time.perf_counter() - t0)
            t0 = time.perf_counter()
            res = simulate(net, runs=runs, seed=1)
            best_sim = min(best_sim, time.perf_counter() - t0)
        out[pid] = {
            "tasks": int(net.n_tasks),
            "network_s": best_net,
            "simulate_s": best_sim,
            "pct_days": np.percentile(res.finish_days, [50, 80, 90]).round(2).tolist(),
        }
    print(json.dumps(out))


def _pick(p: Any) -> list[str]:
    """A project with no predecessor in another project and the one with the most links
    in from other projects."""
    proj = p.tasks.set_index("task_id")["project_id"]
    lk = p.links.assign(a=p.links["pred_id"].map(proj), b=p.links["succ_id"].map(proj))
    into = lk[lk["a"] != lk["b"]].groupby("b").size()
    alone = [pid for pid in p.project_ids if pid not in into.index]
    return [alone[0], str(into.idxmax())] if alone and len(into) else list(p.project_ids[:2])


def run(tree: str, data: str, pids: list[str], args: argparse.Namespace) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(Path(tree).resolve())}
    cmd = [sys.executable, __file__, "--worker", data, ",".join(pids)]
    cmd += ["--runs", str(args.runs), "--repeat", str(args.repeat)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, cwd=tree)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", action="append", default=[], help="label=path (two or more)")
    ap.add_argument("--data", action="append", default=[], help="folder|sample:PID,PID")
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--worker", nargs=2, metavar=("DATA", "PIDS"))
    args = ap.parse_args()
    if args.worker:
        worker(args.worker[0], args.worker[1].split(","), args.runs, args.repeat)
        return
    trees = [t.split("=", 1) for t in args.tree] or [["this", str(Path(__file__).parents[1])]]
    for spec in args.data or ["sample:auto"]:
        data, pids = spec.rsplit(":", 1)
        if pids == "auto":
            first = run(trees[0][1], data, ["auto"], args)
            pids = ",".join(first["pids"])
        best: dict[tuple[str, str], dict[str, float]] = {}
        for rnd in range(args.rounds):
            for label, path in trees:
                r = run(path, data, pids.split(","), args)
                print(f"[{data} round {rnd + 1}] {label}: {r['pmkit']} load {r['load_s']:.1f} s"
                      f"  (load average {os.getloadavg()[0]:.2f})")  # fmt: skip
                for pid in pids.split(","):
                    m = r[pid]
                    b = best.setdefault((label, pid), {"network_s": 1e9, "simulate_s": 1e9})
                    b["network_s"] = min(b["network_s"], m["network_s"])
                    b["simulate_s"] = min(b["simulate_s"], m["simulate_s"])
                    b["tasks"], b["pct"] = m["tasks"], m["pct_days"]
        base = trees[0][0]
        for pid in pids.split(","):
            for label, _ in trees:
                b, b0 = best[(label, pid)], best[(base, pid)]
                tot, tot0 = b["network_s"] + b["simulate_s"], b0["network_s"] + b0["simulate_s"]
                print(
                    f"{data} {pid} {label:>5}: {b['tasks']:4d} tasks  network "
                    f"{b['network_s']:.3f} s  simulate {b['simulate_s']:.3f} s  total {tot:.3f} s"
                    f"  x{tot / tot0:.2f} vs {base}  P50/P80/P90 {b['pct']} d"
                )
    print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
