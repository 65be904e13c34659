"""#10, session 5: the fast problem build is the same problem.

On a generated portfolio, the selection problem built from the portfolio (vectorised scores,
demand by role and month, schedule given or computed) equals an independent construction with
plain Python loops over the CSV files and the capacity model's rows; the shortcut for the
committed overload gives the allowance the full overload solve gives.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pmkit.io.csv_folder import load_portfolio
from pmkit.portfolio.capacity import resource_demand
from pmkit.portfolio.prioritise import (
    PrioritiseError,
    drivers_of,
    overload_allowance,
    priority_scores,
    score_matrix,
    selection_problem,
    solve,
    started_projects,
)
from pmkit.schedule.portfolio_adapter import schedule_portfolio


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    from pmkit.generate import write_generated

    folder = tmp_path_factory.mktemp("gen40")
    write_generated(folder, n_projects=40, seed=11)
    return folder, load_portfolio(folder)


def _scores_by_hand(folder: Path, pf: object) -> dict[str, float]:
    """100 x sum_d w_d x score_d / scale, the scores read with the csv module (last line of a
    repeated (project, driver) wins, missing scores are 0)."""
    drivers = drivers_of(pf)  # type: ignore[arg-type]
    assert drivers is not None
    w = dict(zip(drivers.ids, drivers.weights, strict=True))
    raw: dict[tuple[str, str], float] = {}
    with open(folder / "project_scores.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            raw[(row["project_id"], row["driver"])] = float(row["score"])
    with open(folder / "projects.csv", newline="", encoding="utf-8") as fh:
        ids = [row["project_id"] for row in csv.DictReader(fh)]
    return {
        p: 100.0 * sum(w[d] * raw.get((p, d), 0.0) for d in drivers.ids) / drivers.scale
        for p in ids
    }


def test_scores_equal_a_hand_computation_from_the_csv(generated: tuple[Path, object]) -> None:
    folder, pf = generated
    hand = _scores_by_hand(folder, pf)
    drivers = drivers_of(pf)  # type: ignore[arg-type]
    ps = priority_scores(pf, drivers).set_index("project_id")["score"]  # type: ignore[arg-type]
    assert len(hand) == len(ps) == 40
    for pid, v in hand.items():
        assert ps[pid] == pytest.approx(v, abs=1e-9)
    p = selection_problem(pf)  # type: ignore[arg-type]
    for pid, v in zip(p.ids, p.value, strict=True):
        assert v == pytest.approx(hand[str(pid)], abs=1e-9)


def test_repeated_and_bad_scores(generated: tuple[Path, object]) -> None:
    import dataclasses

    _, pf = generated
    drivers = drivers_of(pf)  # type: ignore[arg-type]
    assert drivers is not None
    sc = pf.project_scores  # type: ignore[attr-defined]
    pid, d = str(sc["project_id"].iloc[0]), str(sc["driver"].iloc[0])
    again = pd.DataFrame({"project_id": [pid, pid], "driver": [d, d], "score": [1.0, 2.0]})
    dup = dataclasses.replace(pf, project_scores=pd.concat([sc, again], ignore_index=True))
    assert score_matrix(dup, drivers).loc[pid, d] == 2.0  # the last line wins
    bad = sc.copy()
    bad.loc[bad.index[3], "score"] = drivers.scale + 1
    bad.loc[bad.index[5], "driver"] = "nope"
    with pytest.raises(PrioritiseError) as exc:  # the first bad line in file order
        score_matrix(dataclasses.replace(pf, project_scores=bad), drivers)
    assert "project_scores.csv:5, field 'score'" in str(exc.value)


def test_demand_and_cost_equal_a_loop_over_the_capacity_rows(
    generated: tuple[Path, object],
) -> None:
    """demand[i, r, l]: the project's hours of role r in the l-th month counted from its first
    month of remaining work (started projects: from the status month); cost spread like hours."""
    _, pf = generated
    sched = schedule_portfolio(pf)  # type: ignore[arg-type]
    p = selection_problem(pf, schedule=sched)  # type: ignore[arg-type]
    again = selection_problem(pf)  # type: ignore[arg-type]  # schedule computed inside
    for name in ("demand", "cost_profile", "cost", "start", "max_shift", "capacity", "value"):
        assert np.array_equal(getattr(p, name), getattr(again, name)), name
    m0 = pd.Timestamp(p.months[0])
    started = started_projects(pf)  # type: ignore[arg-type]
    rows = resource_demand(pf, sched).to_dict("records")  # type: ignore[arg-type]
    first: dict[str, int] = {}
    total: dict[str, float] = defaultdict(float)
    for row in rows:
        t = (row["month"].year - m0.year) * 12 + row["month"].month - m0.month
        first[row["project_id"]] = min(first.get(row["project_id"], t), t)
        total[row["project_id"]] += row["demand_hours"]
    budget = dict(zip(pf.projects["project_id"], pf.projects["budget"], strict=True))  # type: ignore[attr-defined]
    demand = np.zeros_like(p.demand)
    cost = np.zeros_like(p.cost_profile)
    roles, ids = list(p.roles), [str(x) for x in p.ids]
    for row in rows:
        if row["project_id"] not in ids or row["role"] not in roles:
            continue
        i = ids.index(row["project_id"])
        t = (row["month"].year - m0.year) * 12 + row["month"].month - m0.month
        s0 = 0 if row["project_id"] in started else max(first[row["project_id"]], 0)
        assert p.start[i] == s0
        if 0 <= t - s0 < len(p.months):
            demand[i, roles.index(row["role"]), t - s0] += row["demand_hours"]
            rate = budget[row["project_id"]] / total[row["project_id"]]
            cost[i, t - s0] += row["demand_hours"] * rate
    assert demand.sum() > 0
    np.testing.assert_allclose(p.demand, demand, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(p.cost_profile, cost, rtol=1e-9, atol=1e-6)


def test_overload_allowance_equals_the_full_overload_solve(
    generated: tuple[Path, object],
) -> None:
    """At half the capacity the running projects do not fit: the shortcut gives the same least
    overload as solving the whole portfolio with ``overload=True``; at full capacity with no
    running project forced, there is nothing to allow."""
    _, pf = generated
    base = selection_problem(pf, budget=None, budget_by_year=None, level=0.3)  # type: ignore[arg-type]
    tight = base.with_(forced_in=base.running)
    old = solve(tight, time_limit=20.0, overload=True).problem.allowance
    new = overload_allowance(tight, 20.0)
    assert old is not None and new is not None and old.sum() > 0
    np.testing.assert_allclose(new.sum(), old.sum(), rtol=1e-6)
    assert overload_allowance(base.with_(forced_in=(), level=1.0), 20.0) is None
