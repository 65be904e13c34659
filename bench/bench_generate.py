"""Time the sample generator at the benchmark size (1,000 projects, ~100k tasks).

Prints the time of the default sample (the baseline run, in the same process) and of the big
portfolio, and their ratio per task. Run: ``python bench/bench_generate.py [N_PROJECTS]``.
"""

from __future__ import annotations

import sys
import tempfile
import time

from pmkit.generate import generate_portfolio, write_generated


def _time(**kw: object) -> tuple[float, float, int]:
    t0 = time.perf_counter()
    tables = generate_portfolio(**kw)  # type: ignore[arg-type]
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_generated(tmp, **kw)  # type: ignore[arg-type]
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, len(tables["tasks"])


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    g0, w0, n0 = _time()
    g1, w1, n1 = _time(n_projects=n, tasks_per_project=(80, 120), seed=1)
    print(f"baseline  14 projects {n0:>7} tasks: generate {g0:6.3f} s, generate+write {w0:6.3f} s")
    print(
        f"big     {n:>4} projects {n1:>7} tasks: generate {g1:6.3f} s, generate+write {w1:6.3f} s"
    )
    print(f"ratio per task (big / baseline): {(g1 / n1) / (g0 / n0):.2f}")


if __name__ == "__main__":
    main()
