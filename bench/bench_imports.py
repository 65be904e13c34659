"""What a dashboard kernel pays before its first line runs: the imports of its page.

Every cold kernel (and every kernel of Voila's preheated pool) imports ipykernel, ipywidgets and
its dashboard module before computing anything. This bench runs that import in fresh processes,
alternating the current tree with ``--baseline DIR`` (``git archive REV | tar -x -C DIR``), and
prints the median CPU seconds (user + system, what the two cores are shared by) and wall seconds
of each, their ratio and the load average. ``--top N`` lists the N slowest modules
(``python -X importtime``, cumulative) on the current tree.

A measurement, not a test: ``python bench/bench_imports.py [--repeats 5] [--baseline DIR]
[--only glance,planning] [--top 15]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DASHBOARDS = ("glance", "planning", "tracking", "portfolio_review", "lessons", "quiz")


def _code(dashboard: str) -> str:
    return f"import ipykernel.kernelapp, ipywidgets; from pmkit.ui import {dashboard}"


def _once(tree: Path, dashboard: str) -> tuple[float, float]:
    """(CPU s, wall s) of one fresh interpreter importing the page from ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", _code(dashboard)], env=env, check=True, cwd="/")
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def _top(dashboard: str, n: int) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", _code(dashboard)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    ).stderr
    rows = []
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    print(f"\n{dashboard}: slowest imports (cumulative ms, -X importtime, current tree)")
    for us, name in sorted(rows, reverse=True)[:n]:
        print(f"  {us / 1000:8.0f}  {name}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--baseline", type=Path, help="a checkout of the code before a change")
    ap.add_argument("--only", default="", help="comma-separated dashboards (default: all)")
    ap.add_argument("--top", type=int, default=0, help="list the N slowest imports")
    args = ap.parse_args()
    names = [d for d in DASHBOARDS if not args.only or d in args.only.split(",")]
    sides = [("now", ROOT)] + ([("before", args.baseline.resolve())] if args.baseline else [])
    print(f"load average at start: {os.getloadavg()}; python {sys.version.split()[0]}")
    print(f"{'dashboard':<18}{'side':<8}{'CPU s (p50)':>12}{'wall s (p50)':>14}")
    for dash in names:
        got: dict[str, list[tuple[float, float]]] = {s: [] for s, _ in sides}
        for _ in range(args.repeats):  # alternate the sides: the same load on both
            for side, tree in sides:
                got[side].append(_once(tree, dash))
        med = {s: (statistics.median(c for c, _ in v), statistics.median(w for _, w in v))
               for s, v in got.items()}  # fmt: skip
        for side, (cpu, wall) in med.items():
            print(f"{dash:<18}{side:<8}{cpu:>12.2f}{wall:>14.2f}")
        if "before" in med:
            print(f"{dash:<18}{'ratio':<8}{med['before'][0] / med['now'][0]:>11.2f}x"
                  f"{med['before'][1] / med['now'][1]:>13.2f}x  (before / now)")  # fmt: skip
    print(f"load average at end: {os.getloadavg()}")
    for dash in names if args.top else ():
        _top(dash, args.top)


if __name__ == "__main__":
    main()
