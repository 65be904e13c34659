"""#12: the scheduler's fast paths for small networks give what the general rules give.

Checked against independent computations: topological levels as the longest chain of links
(a plain recursion), summary dates as the span of their leaf tasks, dates given as
``datetime64`` columns equal to the same dates given as text."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

from pmkit import _graph
from pmkit.calendar import Calendar
from pmkit.errors import CycleError
from pmkit.schedule import schedule_network
from pmkit.schedule.cpm import _levels_small

START = pd.Timestamp("2026-01-05 08:00")


def _dag(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    m = int(rng.integers(0, 3 * n + 1))
    a, b = rng.integers(0, n, size=m), rng.integers(0, n, size=m)
    keep = a != b
    lo, hi = np.minimum(a, b)[keep], np.maximum(a, b)[keep]
    perm = rng.permutation(n)  # node numbers not in topological order
    return perm[lo], perm[hi]


@pytest.mark.parametrize("seed", range(30))
def test_small_levels_are_the_longest_chain_of_links(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    src, dst = _dag(rng, n)
    preds: dict[int, list[int]] = {}
    for s, d in zip(src.tolist(), dst.tolist(), strict=True):
        preds.setdefault(d, []).append(s)

    @cache
    def longest(v: int) -> int:
        return max((longest(p) + 1 for p in preds.get(v, [])), default=0)

    want = [longest(v) for v in range(n)]
    got = _levels_small(n, src, dst)
    assert got is not None
    assert got.tolist() == want
    assert got.tolist() == _graph.levels(n, src, dst).tolist()


def test_small_levels_leave_a_cycle_to_the_graph_helpers() -> None:
    src, dst = np.array([0, 1, 2, 3]), np.array([1, 2, 1, 0])
    assert _levels_small(4, src, dst) is None
    tasks = pd.DataFrame({"uid": ["a", "b", "c", "d"], "duration_min": 480.0})
    links = pd.DataFrame({"pred_uid": ["a", "b", "c", "d"], "succ_uid": ["b", "c", "b", "a"]})
    with pytest.raises(CycleError) as err:
        schedule_network(tasks, links, calendar=Calendar.standard(), project_start=START)
    assert set(err.value.cycle) == {"b", "c"}


def _tree(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Tasks under nested summaries (each summary's parent is an earlier summary)."""
    summ = np.zeros(n, dtype=bool)
    summ[: max(2, n // 6)] = True
    parent: list[object] = [None]
    for i in range(1, n):
        parent.append(f"t{int(rng.integers(0, min(i, int(summ.sum()))))}")
    dur = rng.choice([0.0, 480.0, 960.0, 2400.0], size=n)
    return pd.DataFrame(
        {"uid": [f"t{i}" for i in range(n)], "duration_min": dur, "is_summary": summ,
         "parent_uid": parent}
    )  # fmt: skip


@pytest.mark.parametrize("seed", range(12))
def test_summaries_span_their_leaf_tasks(seed: int) -> None:
    rng = np.random.default_rng(seed)
    tasks = _tree(rng, int(rng.integers(8, 50)))
    leaves = tasks.loc[~tasks["is_summary"], "uid"].tolist()
    m = len(leaves) * 2
    a, b = rng.integers(0, len(leaves), size=m), rng.integers(0, len(leaves), size=m)
    ok = a < b
    links = pd.DataFrame({"pred_uid": np.array(leaves)[a[ok]], "succ_uid": np.array(leaves)[b[ok]]})
    out = schedule_network(
        tasks, links.drop_duplicates(), calendar=Calendar.standard(), project_start=START
    ).tasks.set_index("uid")
    kids: dict[str, list[str]] = {}
    for u, p in zip(tasks["uid"], tasks["parent_uid"], strict=True):
        if p is not None:
            kids.setdefault(p, []).append(u)

    def below(u: str) -> list[str]:  # the leaf tasks under u
        return [x for k in kids.get(u, []) for x in (below(k) if k in kids else [k])]

    for s in tasks.loc[tasks["is_summary"], "uid"]:
        under = [x for x in below(s) if not out.loc[x, "is_summary"]]
        if not under:
            continue
        rows = out.loc[under]
        assert out.loc[s, "early_start"] == rows["early_start"].min()
        assert out.loc[s, "early_finish"] == rows["early_finish"].max()
        assert out.loc[s, "late_start"] == rows["late_start"].min()
        assert out.loc[s, "late_finish"] == rows["late_finish"].max()
        assert bool(out.loc[s, "critical"]) == bool(rows["critical"].any())
        assert out.loc[s, "start"] == out.loc[s, "early_start"]


def test_dates_as_datetimes_or_as_text_schedule_alike() -> None:
    rng = np.random.default_rng(3)
    n = 30
    when = (
        np.datetime64("2026-01-05T08:00")
        + rng.integers(0, 40, size=n).astype("timedelta64[D]")
        + rng.choice([0, 240, 540], size=n).astype("timedelta64[m]")
    ).astype("datetime64[ns]")
    when[rng.random(n) < 0.5] = np.datetime64("NaT")
    started = when.copy()
    started[rng.random(n) < 0.6] = np.datetime64("NaT")
    tasks = pd.DataFrame(
        {
            "uid": np.arange(n),
            "duration_min": rng.choice([0.0, 480.0, 1440.0], size=n),
            "constraint_type": np.where(np.isnat(when), "ASAP", "SNET"),
            "constraint_date": when,
            "actual_start": started,
            "not_before": when,
        }
    )
    text = tasks.copy()
    for c in ("constraint_date", "actual_start", "not_before"):
        text[c] = [None if pd.isna(v) else str(v) for v in tasks[c]]
    assert text["constraint_date"].dtype != tasks["constraint_date"].dtype
    links = pd.DataFrame({"pred_uid": np.arange(n - 1), "succ_uid": np.arange(1, n)})
    cal = Calendar.standard()
    a = schedule_network(tasks, links, calendar=cal, project_start=START)
    b = schedule_network(text, links, calendar=cal, project_start=START)
    pd.testing.assert_frame_equal(a.tasks, b.tasks)
    pd.testing.assert_frame_equal(a.links, b.links)
    assert np.isnat(tasks["constraint_date"].to_numpy()).any()  # missing dates were there
