"""The corpus's plain networks recomputed from the textbook, not from pmkit's passes.

For every MSPDI file of the corpus (``$PMKIT_CORPUS`` or ``../shared/corpus``; skipped when
absent) whose network is plain (one calendar, no constraint, no progress, no manual or
elapsed task, no percent or elapsed lag, no link onto a summary, no split), the critical path method
as the textbooks write it, in working minutes from the project start:

* forward: ES = max(0, FS: EF_p + lag, SS: ES_p + lag, FF: EF_p + lag - d, SF: ES_p + lag - d),
  EF = ES + d; the project finishes at the largest EF;
* backward: LF = min(finish, FS: LS_s - lag, SS: LS_s - lag + d, FF: LF_s - lag,
  SF: LF_s - lag + d), LS = LF - d; total slack = LS - ES.

pmkit's dates (read back into working minutes on the project calendar) and Microsoft
Project's stored ones must both equal it, task by task.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pmkit.io.mspdi import read_mspdi
from pmkit.schedule.mspdi_adapter import schedule_mspdi

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("PMKIT_CORPUS") or ROOT.parent / "shared" / "corpus")
FILES = sorted(CORPUS.glob("mspdi*/*.xml")) if CORPUS.is_dir() else []


def _plain(project) -> bool:
    t = project.tasks[project.tasks["uid"] != 0]
    lk = project.links
    leaf = t[~t["is_summary"]]
    summaries = set(t.loc[t["is_summary"], "uid"])
    return bool(
        len(leaf) > 1
        and t["active"].all()
        and (leaf["constraint_type"].fillna("ASAP") == "ASAP").all()
        and leaf["actual_start"].isna().all()
        and not leaf["manual"].any()
        and not leaf["elapsed"].any()
        and leaf["calendar_id"].isna().all()
        and not lk["lag_elapsed"].any()
        and (lk["lag_percent"] == 0).all()
        and not lk["cross_project"].any()
        and not (lk["pred_uid"].isin(summaries) | lk["succ_uid"].isin(summaries)).any()
        and not _maybe_split(project)
    )


def _maybe_split(project) -> bool:
    """Any stretch with no work in the assignments' timephased data: a split may hide there."""
    tp = project.timephased
    return tp is not None and len(tp) > 0 and bool((tp["work_min"].fillna(0) == 0).any())


def _textbook(leaf: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    d = dict(zip(leaf["uid"], leaf["duration_min"].round().astype(int), strict=True))
    preds: dict = {u: [] for u in d}
    succs: dict = {u: [] for u in d}
    for p, s, kind, lag in links[["pred_uid", "succ_uid", "type", "lag_min"]].itertuples(
        index=False
    ):
        preds[s].append((p, kind, round(lag)))
        succs[p].append((s, kind, round(lag)))
    order, seen = [], set()

    def visit(u, stack=()):
        if u in seen:
            return
        assert u not in stack, "cycle"
        for p, _, _ in preds[u]:
            visit(p, (*stack, u))
        seen.add(u)
        order.append(u)

    for u in d:
        visit(u)
    es, ef = {}, {}
    for u in order:
        cands = [0]
        for p, kind, lag in preds[u]:
            cands.append(
                {
                    "FS": ef[p] + lag,
                    "SS": es[p] + lag,
                    "FF": ef[p] + lag - d[u],
                    "SF": es[p] + lag - d[u],
                }[kind]
            )
        es[u] = max(cands)
        ef[u] = es[u] + d[u]
    finish = max(ef.values())
    ls, lf = {}, {}
    for u in reversed(order):
        cands = [finish]
        for s, kind, lag in succs[u]:
            cands.append(
                {
                    "FS": ls[s] - lag,
                    "SS": ls[s] - lag + d[u],
                    "FF": lf[s] - lag,
                    "SF": lf[s] - lag + d[u],
                }[kind]
            )
        lf[u] = min(cands)
        ls[u] = lf[u] - d[u]
    return pd.DataFrame({"es": es, "ef": ef, "ls": ls, "lf": lf}).rename_axis("uid")


def _wm(cal, start: pd.Timestamp, col: pd.Series) -> np.ndarray:
    base = cal.to_working_minutes(np.array([start.to_datetime64()]))[0]
    return cal.to_working_minutes(pd.to_datetime(col).to_numpy()) - base


@pytest.mark.skipif(not FILES, reason="the MSPDI corpus is not beside the checkout")
def test_plain_corpus_networks_match_the_textbook() -> None:
    checked_files = checked_tasks = 0
    names = []
    for path in FILES:
        try:
            project = read_mspdi(path)
        except Exception:  # files the door refuses are tested elsewhere
            continue
        if not _plain(project):
            continue
        sched = schedule_mspdi(project)
        if sched.notes:
            continue  # scheduled task by task (another calendar somewhere)
        leaf = project.tasks[(project.tasks["uid"] != 0) & ~project.tasks["is_summary"]]
        book = _textbook(leaf, project.links)
        got = sched.tasks.set_index("uid").loc[book.index]
        cal, start = sched.calendar, sched.start
        for mine, col in (
            ("es", "early_start"),
            ("ef", "early_finish"),
            ("ls", "late_start"),
            ("lf", "late_finish"),
        ):
            assert (_wm(cal, start, got[col]) == book[mine].to_numpy()).all(), (path.name, col)
            stored = leaf.set_index("uid").loc[book.index, f"ms_{col}"]
            if stored.notna().all():
                assert (_wm(cal, start, stored) == book[mine].to_numpy()).all(), (
                    path.name,
                    "Project",
                    col,
                )
        slack = (book["ls"] - book["es"]).to_numpy()
        assert (got["total_slack_min"].to_numpy() == slack).all(), path.name
        checked_files += 1
        names.append(path.name)
        checked_tasks += len(book)
    assert checked_files >= 10, checked_files  # the check must have something to check
    print(f"textbook CPM: {checked_files} files, {checked_tasks} tasks", names)
