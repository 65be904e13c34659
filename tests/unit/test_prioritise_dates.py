"""`sequenced_dates` schedules again only the projects the chosen start shifts can move (the
shifted ones and what their cross-project links reach); every date must equal scheduling the
whole shifted portfolio again with the CPM engine (the independent, full computation)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pmkit.io.csv_folder import load_portfolio
from pmkit.portfolio.prioritise import selection_problem, sequenced_dates, solve
from pmkit.schedule.portfolio_adapter import schedule_portfolio


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> object:
    from pmkit.generate import write_generated

    folder = tmp_path_factory.mktemp("gen60")
    write_generated(folder, n_projects=60, seed=5)
    return load_portfolio(folder)


def _full_finishes(pf: object, dates: pd.DataFrame) -> pd.Series:
    """Every project's finish with the whole shifted portfolio scheduled again."""
    pr = pf.projects.copy()  # type: ignore[attr-defined]
    new = dates.set_index("project_id")["new_start"]
    pid = pr["project_id"].astype(str)
    pr["start"] = pid.map(new).fillna(pd.to_datetime(pr["start"])).to_numpy()
    sched = schedule_portfolio(dataclasses.replace(pf, projects=pr))  # type: ignore[type-var]
    t = sched.tasks[~sched.tasks["is_summary"].astype(bool)]
    return pd.to_datetime(t.groupby("project_id")["finish"].max())


@pytest.mark.parametrize("shift", [1, 3])
def test_shifted_dates_equal_the_whole_portfolio_rescheduled(generated: object, shift: int) -> None:
    pf = generated
    sched = schedule_portfolio(pf)  # type: ignore[arg-type]
    p = selection_problem(pf, schedule=sched)  # type: ignore[arg-type]
    sel = solve(p.with_(budget=None), time_limit=20.0, gap=1e-3, overload=True)
    t = sel.chosen.copy()
    movable = np.flatnonzero(np.asarray(p.max_shift) > 0)
    linked = {str(a) for a, *_ in p.links}  # projects whose work feeds other projects
    pick = [i for i in movable if str(p.ids[i]) in linked][:4] + list(movable[:2])
    assert pick, "the generated portfolio has movable projects"
    t.loc[pick, "chosen"] = True
    t.loc[pick, "shift_months"] = shift
    shifted = dataclasses.replace(sel, chosen=t)
    got = sequenced_dates(pf, shifted, schedule=sched)  # type: ignore[arg-type]
    full = _full_finishes(pf, got)
    assert (got["new_start"] > got["planned_start"]).sum() >= len(set(pick)) - 1
    pd.testing.assert_series_equal(
        got.set_index("project_id")["new_finish"],
        full.reindex(got["project_id"]).rename("new_finish"),
        check_names=False,
        check_index_type=False,
        check_freq=False,
    )
    assert (got["finish_moved_days"] > 0).any()


def test_no_shift_keeps_the_plan_and_quick_mode_leaves_finishes_unknown(generated: object) -> None:
    pf = generated
    sched = schedule_portfolio(pf)  # type: ignore[arg-type]
    p = selection_problem(pf, schedule=sched)  # type: ignore[arg-type]
    sel = solve(p.with_(budget=None, max_shift=np.zeros(p.n, dtype=int)), overload=True)
    got = sequenced_dates(pf, sel, schedule=sched)  # type: ignore[arg-type]
    assert (got["new_finish"] == got["planned_finish"]).all()
    quick = sequenced_dates(pf, sel, schedule=sched, reschedule=False)  # type: ignore[arg-type]
    assert quick["new_finish"].isna().all()
    assert (quick["new_start"] == got["new_start"]).all()


def test_sample_shift_moves_the_linked_successor() -> None:
    """The sample: a shifted project drags its cross-project successors (full reschedule)."""
    pf = load_portfolio(Path(__file__).resolve().parents[2] / "data")
    sched = schedule_portfolio(pf)
    p = selection_problem(pf, schedule=sched, use_links=False)
    sel = solve(p.with_(budget=None), overload=True)
    t = sel.chosen.copy()
    movable = [i for i in np.flatnonzero(np.asarray(p.max_shift) > 0)]
    t.loc[movable, "chosen"] = True
    t.loc[movable, "shift_months"] = 2
    got = sequenced_dates(pf, dataclasses.replace(sel, chosen=t), schedule=sched)
    full = _full_finishes(pf, got)
    assert (got.set_index("project_id")["new_finish"] == full.reindex(got["project_id"])).all()
