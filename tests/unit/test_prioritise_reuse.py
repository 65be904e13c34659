"""#10, session 9: a forced-in/out or capacity-level change reuses the model it replaces.

The matrix is built once; a new forced set, level or allowance only changes bounds (of the kept
numpy model and of its HiGHS objects). Every answer of the reused model is checked against a
model built from scratch for the same problem (the reference: the path used before): the same
arrays, the same least overload, the same chosen portfolio and value, the same message naming
the forced-in projects that cannot fit. A solve in HiGHS can be stopped from another thread.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from pmkit.io.csv_folder import load_portfolio
from pmkit.portfolio.prioritise import (
    BudgetFrontier,
    Cancelled,
    PrioritiseError,
    SelectionProblem,
    overload_allowance,
    same_structure,
    selection_problem,
)
from pmkit.portfolio.prioritise._select import _build, model_of, rebound


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> SelectionProblem:
    """40 generated projects (22 running, 26 schedule links, a prerequisite rule)."""
    from pmkit.generate import write_generated

    folder: Path = tmp_path_factory.mktemp("gen40reuse")
    write_generated(folder, n_projects=40, seed=11)
    return selection_problem(load_portfolio(folder))


def _variant(base: SelectionProblem, fin: tuple[str, ...], fout: tuple[str, ...], level: float):  # type: ignore[no-untyped-def]
    return base.with_(
        forced_in=(set(base.running) | set(fin)) - set(fout), forced_out=set(fout), level=level
    )


def _same_model(a, b) -> None:  # type: ignore[no-untyped-def]
    for k in ("c", "lo", "hi", "ub", "var_proj", "var_shift"):
        np.testing.assert_array_equal(getattr(a, k), getattr(b, k), err_msg=k)
    assert a.a.shape == b.a.shape and (a.a != b.a).nnz == 0
    assert a.rows.equals(b.rows)


def test_a_model_given_new_bounds_equals_one_built_for_them(base: SelectionProblem) -> None:
    kept = _build(base.with_(budget=1e9))
    allowance = np.full((len(base.roles), len(base.months)), 3.0)
    for p in (
        _variant(base, (), ("P02", "P06"), 1.0),
        _variant(base, ("P08",), ("P01",), 0.6),
        _variant(base, ("P14", "P30"), (), 0.4).with_(budget=2e6, allowance=allowance),
        _variant(base, (), (), 1.3).with_(budget=None),  # no budget: no budget row
        base.with_(forced_in=(), forced_out=sorted(base.running)[:3]),  # a running one out
    ):
        assert same_structure(p.with_(budget=p.budget or 1.0), base)
        _same_model(model_of(p, kept), _build(p))
    assert not same_structure(base.with_(links=()), base)  # rows differ: built again
    assert not same_structure(base.with_(value=base.value + 1), base)  # costs differ
    assert not same_structure(base.with_(budget=None), base)  # a budget row or not
    with pytest.raises(PrioritiseError, match="forced in and out"):
        rebound(kept, base.with_(forced_in={"P02"}, forced_out={"P02"}))


def _fresh(p: SelectionProblem) -> BudgetFrontier:
    """The model as built before session 9: allowance and frontier each from scratch."""
    free = p.with_(budget=None)
    return BudgetFrontier(free.with_(allowance=overload_allowance(free, 20.0)), n=8)


def _kept(p: SelectionProblem, old: BudgetFrontier | None) -> BudgetFrontier:
    """The tab's path: the allowance on the old model's matrix, its HiGHS objects reused."""
    free = p.with_(budget=None)
    model = old.walk.model if old is not None else None
    allowance = overload_allowance(free, 20.0, model=model)
    return BudgetFrontier(free.with_(allowance=allowance), n=8, reuse=old)


def _message(fn) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(PrioritiseError) as info:
        fn()
    return str(info.value)


def test_a_reused_model_answers_like_a_fresh_one_over_forced_sets(base: SelectionProblem) -> None:
    """A chain of forced sets and levels on ONE kept model (each reusing the last) against a
    fresh build each time: the same least overload, the same portfolio at three budgets; an
    infeasible forced-in set gives the fresh model's message naming the projects, and the
    chain goes on after it."""
    total = float(np.asarray(base.cost).sum())
    chain = [
        ((), (), 1.0),
        ((), ("P02",), 1.0),
        (("P08",), ("P06",), 0.6),
        ((), ("P02", "P06", "P14"), 0.4),  # the running projects overload: an allowance
        (("P16",), (), 0.4),
        ((), (), 1.0),
    ]
    old: BudgetFrontier | None = None
    for fin, fout, level in chain:
        p = _variant(base, fin, fout, level)
        fresh, kept = _fresh(p), _kept(p, old)
        a, b = fresh.walk.base.allowance, kept.walk.base.allowance
        assert (a is None and b is None) or np.array_equal(a, b), (fin, fout, level)
        if old is not None:
            assert old.retired and kept.walk.solver is old.walk.solver
            with pytest.raises(Cancelled):
                old.solve(total)
        for budget in [float(b or 0) for b, _ in fresh.walk.grid][1::3]:  # low to high
            s1, s2 = fresh.solve(budget, gap=1e-9), kept.solve(budget, gap=1e-9)
            assert s2.ids == s1.ids and s2.value == pytest.approx(s1.value, rel=1e-9)
            assert set(fout).isdisjoint(s2.ids) and s2.cost <= budget + 1e-6
            assert s2.chosen["shift_months"].equals(s1.chosen["shift_months"])
        old = kept
    # forced in, but it needs P01 (schedule links), forced out: named, as by a fresh model
    bad = _variant(base, ("P06",), ("P01",), 1.0)
    expected = _message(lambda: _fresh(bad))
    assert "P06" in expected and "P01" in expected
    assert _message(lambda: _kept(bad, old)) == expected
    # forced in beyond the budget: the frontier of the kept model names them
    costly = _variant(base, ("P08", "P14", "P15"), (), 1.0)
    fresh, kept = _fresh(costly), _kept(costly, old)
    low = 0.2 * total
    expected = _message(lambda: fresh.solve(low))
    assert "forced-in" in expected and _message(lambda: kept.solve(low)) == expected
    s1, s2 = fresh.solve(total, gap=1e-9), kept.solve(total, gap=1e-9)
    assert s2.ids == s1.ids and {"P08", "P14", "P15"} <= set(s2.ids)


def test_a_twin_shares_the_matrix_and_solves_alike(base: SelectionProblem) -> None:
    fr = _fresh(_variant(base, (), ("P02",), 0.6))
    twin = fr.twin()
    assert twin.walk.model is fr.walk.model and twin.walk.solver is not fr.walk.solver
    budget = 0.6 * float(np.asarray(base.cost).sum())
    assert twin.solve(budget, gap=1e-9).ids == fr.solve(budget, gap=1e-9).ids


def test_a_solve_is_stopped_from_another_thread() -> None:
    """Branch and cut of a hard instance (a 30 s time limit) is stopped 0.3 s after a request
    from another thread: it raises :class:`Cancelled` well before its time limit."""
    from pmkit.portfolio.prioritise import _highs

    rng = np.random.default_rng(3)
    n, m = 300, 40  # a random multi-dimensional knapsack: far from solved in 30 s
    a = rng.integers(1, 100, size=(m, n)).astype(float)
    value = a.sum(axis=0) * rng.uniform(0.8, 1.2, size=n)
    hm = _highs.Model(-value, a, np.full(m, -np.inf), a.sum(axis=1) / 3, np.ones(n))
    stop = threading.Event()
    hm.interruptible(stop.is_set)
    x, bound = hm.relaxation(30.0)  # not stopped: solved
    assert x is not None and np.isfinite(bound)
    threading.Timer(0.3, stop.set).start()
    t0 = time.perf_counter()
    with pytest.raises(Cancelled):
        hm.mip(None, 30.0, 0.0)
    assert time.perf_counter() - t0 < 15.0
    stop.clear()  # a later solve runs again
    res = hm.mip(None, 0.5, 0.0)
    assert res.x is not None and res.status == "time limit"
