"""A portfolio repaired from the previous one (:func:`repaired`) after a forced-in/out,
capacity-level, budget, weights or links change: shown as provisional until the solver
answers, so it must satisfy every constraint of the new problem. Checked here row by row by
an independent check (loads summed per project, not the model's matrix) on generated
instances."""

from __future__ import annotations

import numpy as np
import pytest

from pmkit.portfolio.prioritise import SelectionProblem, repaired, solve
from pmkit.portfolio.prioritise._select import _build, _milp

TOL = 1e-6


def _instance(seed: int, n: int = 40) -> SelectionProblem:
    """Projects of 2-8 months on 1-3 of 4 roles, a third movable by up to 3 months, capacity
    for about half the demand, a budget (total, sometimes per year too), requires rules,
    exclusive pairs, schedule links (some with float), a few running projects."""
    rng = np.random.default_rng(seed)
    months, roles = 18, 4
    length = rng.integers(2, 9, size=n)
    demand = np.zeros((n, roles, months))
    for i in range(n):
        for r in rng.choice(roles, size=int(rng.integers(1, 4)), replace=False):
            demand[i, r, : length[i]] = rng.integers(10, 120, size=length[i])
    start = rng.integers(0, months - 2, size=n)
    cost = demand.sum(axis=(1, 2)) * rng.uniform(60, 120, size=n)
    ids = np.array([f"X{i:03d}" for i in range(n)], dtype=object)
    load = np.zeros((roles, months))
    for i in range(n):
        span = months - start[i]
        load[:, start[i] :] += demand[i, :, :span]
    pairs = rng.choice(n, size=(12, 2), replace=False)
    running = rng.choice(n, size=3, replace=False)
    max_shift = np.where(rng.random(n) < 0.35, 3, 0)
    max_shift[running] = 0
    links = tuple(
        (str(ids[a]), str(ids[b]), int(rng.integers(0, 2))) for a, b in pairs[8:] if a != b
    )
    profile = demand.sum(axis=1) * cost[:, None] / demand.sum(axis=(1, 2))[:, None]
    years = {2027: float(0.3 * cost.sum())} if seed % 2 else {}
    return SelectionProblem(
        ids=ids,
        value=np.round(rng.uniform(1, 100, size=n), 2),
        cost=cost,
        demand=demand,
        cost_profile=profile,
        start=start,
        max_shift=max_shift,
        months=np.arange(np.datetime64("2027-01"), np.datetime64("2027-01") + months),
        roles=np.array([f"R{r}" for r in range(roles)], dtype=object),
        capacity=np.round(load.mean(axis=1, keepdims=True).repeat(months, axis=1) * 0.5),
        budget=float(0.5 * cost.sum()),
        budget_by_year=years,
        requires=tuple((str(ids[a]), str(ids[b])) for a, b in pairs[:4]),
        exclusive=tuple((str(ids[a]), str(ids[b])) for a, b in pairs[4:8]),
        links=links,
        running=frozenset(str(ids[i]) for i in running),
        forced_in=frozenset(str(ids[i]) for i in running),
    )


def _load_of(p: SelectionProblem, chosen: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Hours per role and month, project by project (independent of the model's matrix)."""
    out = np.zeros((len(p.roles), len(p.months)))
    for i in np.flatnonzero(chosen):
        for ll in range(p.demand.shape[2]):
            t = int(p.start[i]) + int(shift[i]) + ll
            if 0 <= t < len(p.months):
                out[:, t] += p.demand[i, :, ll]
    return out


def _required(p: SelectionProblem) -> list[str]:
    """The forced-in projects and what they need (requires rules and links), transitively."""
    need: dict[str, set[str]] = {}
    for b, a in p.requires:
        need.setdefault(b, set()).add(a)
    for a, b, _k in p.links:
        need.setdefault(b, set()).add(a)
    out, todo = set(p.forced_in), list(p.forced_in)
    while todo:
        for a in need.get(todo.pop(), ()):
            if a not in out:
                out.add(a)
                todo.append(a)
    return sorted(out)


def _violations(p: SelectionProblem, sel: object) -> list[str]:
    """Every constraint of ``p`` that ``sel``'s portfolio breaks, in words (none: valid)."""
    t = sel.chosen.set_index("project_id")  # type: ignore[attr-defined]
    ids = p.ids.astype(str)
    chosen = t.loc[ids, "chosen"].to_numpy(dtype=bool)
    shift = t.loc[ids, "shift_months"].to_numpy(dtype=int)
    on = dict(zip(ids, chosen, strict=True))
    sh = dict(zip(ids, shift, strict=True))
    bad = [f"{x} forced in, not chosen" for x in p.forced_in if not on[x]]
    bad += [f"{x} forced out, chosen" for x in p.forced_out if on[x]]
    bad += [f"{x} shift {sh[x]}" for i, x in enumerate(ids) if not 0 <= sh[x] <= p.max_shift[i]]
    keep = np.isin(ids, list(p.running - p.forced_out))
    limit = np.maximum(p.capacity * p.level, _load_of(p, keep, np.zeros(p.n, dtype=int)))
    extra = np.zeros_like(limit) if p.allowance is None else np.asarray(p.allowance)
    over = _load_of(p, chosen, shift) - limit - extra
    r_over, m_over = np.nonzero(over > TOL)
    bad += [f"capacity {r},{m} over {over[r, m]:.1f}" for r, m in zip(r_over, m_over, strict=True)]
    # hours accepted over the limit: only where the required projects alone need them
    must = np.isin(ids, _required(p))
    own = _load_of(p, chosen & must, shift) - limit
    others = _load_of(p, chosen & ~must, shift)
    for r, m in zip(*np.nonzero(extra > 0), strict=True):
        if not (extra[r, m] - 0.01 - TOL <= own[r, m] <= extra[r, m] + TOL) or others[r, m] > 0:
            bad.append(f"overload {r},{m} accepted for others than the required projects")
    if p.budget is not None and p.cost[chosen].sum() > p.budget + TOL:
        bad.append("total budget")
    for year, amount in p.budget_by_year.items():
        in_year = np.array([np.datetime64(m, "Y").astype(int) + 1970 == year for m in p.months])
        spent = 0.0
        for i in np.flatnonzero(chosen):
            for ll in range(p.cost_profile.shape[1]):
                t_ = int(p.start[i]) + int(shift[i]) + ll
                if 0 <= t_ < len(p.months) and in_year[t_]:
                    spent += p.cost_profile[i, ll]
        if spent > amount + TOL:
            bad.append(f"budget {year}")
    bad += [f"{b} requires {a}" for b, a in p.requires if on[b] and not on[a]]
    bad += [f"exclusive {g}" for g in p.exclusive if sum(on[x] for x in g) > 1]
    for a, b, k in p.links:
        if on[b] and (not on[a] or sh[b] < sh[a] - k):
            bad.append(f"link {a}->{b}")
    return bad


def _changes(p: SelectionProblem, sel: object, rng: np.random.Generator) -> SelectionProblem:
    """Random forced sets (chosen projects out, others in), capacity level and budget."""
    ids = p.ids.astype(str)
    chosen = set(sel.ids)  # type: ignore[attr-defined]
    free = [x for x in ids if x not in p.running]
    outs = set(rng.choice(sorted(chosen - p.running), size=int(rng.integers(0, 4)), replace=False))
    others = [x for x in free if x not in chosen and x not in outs]
    ins = set(rng.choice(others, size=min(len(others), int(rng.integers(0, 3))), replace=False))
    return p.with_(
        forced_in=(p.running | ins) - outs,
        forced_out=outs,
        level=float(rng.choice([0.7, 0.85, 1.0, 1.2])),
        budget=float(p.budget * rng.choice([0.8, 1.0, 1.15])),
    )


def test_a_repaired_portfolio_satisfies_every_constraint_of_the_new_problem() -> None:
    repairs = tries = overloads = 0
    for seed in range(16):
        p = _instance(seed)
        base = solve(p, time_limit=10.0, gap=1e-3, overload=True)
        rng = np.random.default_rng(100 + seed)
        for _ in range(6):
            q = _changes(p, base, rng)
            tries += 1
            new = repaired(base, q)
            if new is None:
                continue
            repairs += 1
            assert new.status == "provisional" and np.isnan(new.gap)
            overloads += new.problem.allowance is not None
            got = new.problem
            assert (got.forced_in, got.forced_out, got.level, got.budget) == (
                q.forced_in,
                q.forced_out,
                q.level,
                q.budget,
            )
            assert _violations(got, new) == [], (seed, sorted(q.forced_in), sorted(q.forced_out))
            ch = new.chosen
            assert new.value == pytest.approx(ch.loc[ch["chosen"], "value"].sum())
            assert new.cost == pytest.approx(q.cost[ch["chosen"].to_numpy()].sum())
            if got.allowance is not None:  # the solver finds one too, with its least overload
                solve(q, time_limit=20.0, gap=1e-3, overload=True)
                continue
            # the same room: never more than the best (scipy's HiGHS on the model, no start)
            m = _build(q)
            best = _milp(m, m.c, 30.0, 1e-9)
            assert best.x is not None and float(m.c @ new.x) >= float(best.fun) - 1e-6
    assert tries == 96 and repairs >= 60 and overloads >= 1, (repairs, tries, overloads)


def test_a_repair_starts_from_the_previous_portfolio() -> None:
    """Nothing changed: the previous portfolio is kept (the fill adds only what fits)."""
    p = _instance(3)
    base = solve(p, time_limit=10.0, gap=1e-3)
    same = repaired(base, p)
    assert same is not None and set(base.ids) <= set(same.ids)
    kept = same.chosen.set_index("project_id").loc[base.ids, "shift_months"]
    was = base.chosen.set_index("project_id").loc[base.ids, "shift_months"]
    assert (kept == was).all()


def _at_most_the_best(q: SelectionProblem, new: object) -> None:
    """The repaired portfolio's value never above the optimum (scipy's HiGHS on the model
    built for ``q``, no start)."""
    m = _build(q)
    best = _milp(m, m.c, 30.0, 1e-9)
    assert best.x is not None and float(m.c @ new.x) >= float(best.fun) - 1e-6  # type: ignore[attr-defined]


def _checked(q: SelectionProblem, new: object) -> None:
    assert new.status == "provisional" and np.isnan(new.gap)  # type: ignore[attr-defined]
    got = new.problem  # type: ignore[attr-defined]
    assert np.array_equal(got.value, q.value) and got.links == q.links
    assert _violations(got, new) == []
    ch = new.chosen  # type: ignore[attr-defined]
    assert new.value == pytest.approx(ch.loc[ch["chosen"], "value"].sum())  # type: ignore[attr-defined]
    assert np.allclose(ch["value"], q.value)  # the new values, not the old ones
    if got.allowance is None:
        _at_most_the_best(q, new)


def test_a_weights_change_keeps_the_portfolio_and_revalues_it() -> None:
    """New values (drivers' weights), alone or with forced and capacity changes: every
    constraint of the new problem holds; with the values alone nothing is dropped or moved
    (the constraints did not change), the room left filled by the new values at most."""
    kept_all = 0
    for seed in range(10):
        p = _instance(seed)
        base = solve(p, time_limit=10.0, gap=1e-3, overload=True)
        rng = np.random.default_rng(200 + seed)
        for k in range(4):
            q = p.with_(value=np.round(rng.uniform(1, 100, size=p.n), 2))
            if k % 2:
                q = _changes(q, base, rng)
            new = repaired(base, q)
            if new is None and k % 2:  # forced changes too: some cannot be repaired
                continue
            assert new is not None, (seed, k)  # new values alone: always
            _checked(q, new)
            if k % 2 == 0 and base.problem.allowance is None:
                was = base.chosen.set_index("project_id").loc[base.ids, "shift_months"]
                now = new.chosen.set_index("project_id").loc[base.ids, "shift_months"]
                assert set(base.ids) <= set(new.ids) and (was == now).all()
                kept_all += 1
    assert kept_all >= 10


def test_links_switched_on_or_off_repair_the_portfolio() -> None:
    """Links off (rows gone: the previous portfolio still holds) and on (a successor
    without its predecessor, or starting too early, must go): every constraint of the new
    problem holds, the links checked independently of the model."""
    on_repairs = 0
    for seed in range(10):
        p = _instance(seed)
        rng = np.random.default_rng(300 + seed)
        with_links = solve(p, time_limit=10.0, gap=1e-3, overload=True)
        off = p.with_(links=())
        new = repaired(with_links, off)
        assert new is not None
        _checked(off, new)
        if with_links.problem.allowance is None:  # no overload accepted: nothing to drop
            assert set(with_links.ids) <= set(new.ids)
        without = solve(off, time_limit=10.0, gap=1e-3, overload=True)
        for q in (
            p,
            _changes(p.with_(value=np.round(rng.uniform(1, 100, size=p.n), 2)), without, rng),
        ):
            new = repaired(without, q)
            if new is None:  # e.g. a forced-in project whose predecessor was forced out
                continue
            on_repairs += 1
            _checked(q, new)
    assert on_repairs >= 14, on_repairs


def test_the_models_a_repair_checks_against_are_the_solvers() -> None:
    """The model of the new problem a repair uses (the old one re-valued, or built anew for
    links) is the one the solver builds (:func:`_build`), row for row."""
    from pmkit.portfolio.prioritise._repair import _model_for
    from pmkit.portfolio.prioritise._select import rebound

    p = _instance(4)
    base = solve(p, time_limit=10.0, gap=1e-3, overload=True)
    for q in (
        p.with_(value=p.value[::-1].copy()),
        p.with_(links=()),
        p.with_(links=(), value=p.value * 2),
    ):
        m = rebound(_model_for(base, q), q)
        b = _build(q)
        assert np.array_equal(m.c, b.c) and np.array_equal(m.ub, b.ub)
        assert (m.a != b.a).nnz == 0 and np.array_equal(m.lo, b.lo) and np.array_equal(m.hi, b.hi)
        assert m.rows.equals(b.rows)


def test_no_repair_when_more_than_the_bounds_changed_or_the_must_haves_cannot_fit() -> None:
    p = _instance(5)
    base = solve(p, time_limit=10.0, gap=1e-3)
    assert repaired(base, p.with_(requires=())) is None  # another model: the solver decides
    assert repaired(base, p.with_(max_shift=p.max_shift + 1)) is None  # other variables
    # a forced-in project that needs a forced-out one: no valid portfolio to show
    b, a = next((b, a) for b, a in p.requires if a not in p.forced_in)
    assert repaired(base, p.with_(forced_in=p.forced_in | {b}, forced_out={a})) is None
    # every project forced in: the capacity cannot hold them, dropping others cannot help
    assert repaired(base, p.with_(forced_in=set(p.ids.astype(str)), level=0.5)) is None
