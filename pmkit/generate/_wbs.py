"""Each project's WBS (phases -> work packages -> tasks, a milestone per phase) and links."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pmkit.generate._reference import (
    CLOSE_TASKS,
    EXEC_WPS,
    HTML_TASK,
    INIT_TASKS,
    MSO_TASK,
    PHASES,
    PLAN_TASKS,
    TEST_WPS,
)
from pmkit.generate._relax import FF, FS, SF, SS


class Builder:
    """Accumulates tasks and links of all projects as plain lists (cheap appends)."""

    def __init__(self) -> None:
        self.proj: list[int] = []
        self.wbs: list[str] = []
        self.name: list[str] = []
        self.level: list[int] = []
        self.is_sum: list[bool] = []
        self.is_ms: list[bool] = []
        self.phase: list[int] = []
        self.role: list[str] = []
        self.first_in_group: list[bool] = []
        self.anc: list[tuple[int, int]] = []  # (task, summary ancestor)
        self.lp: list[int] = []
        self.ls: list[int] = []
        self.lk: list[int] = []
        self.ll: list[int] = []
        self.phase_ms: list[list[int]] = []  # per project: the five phase milestones
        self.entry_leaf: list[list[int]] = []  # per project: first leaves of later WPs
        self.mso: list[int] = []

    def add(
        self,
        p: int,
        wbs: str,
        name: str,
        *,
        phase: int,
        parents: Sequence[int],
        summary: bool = False,
        milestone: bool = False,
        role: str = "",
        first: bool = False,
    ) -> int:
        i = len(self.proj)
        self.proj.append(p)
        self.wbs.append(wbs)
        self.name.append(name)
        self.level.append(wbs.count(".") + 1)
        self.is_sum.append(summary)
        self.is_ms.append(milestone)
        self.phase.append(phase)
        self.role.append(role)
        self.first_in_group.append(first)
        self.anc.extend((i, a) for a in parents)
        return i

    def link(self, a: int, b: int, kind: int = FS, lag: int = 0) -> None:
        self.lp.append(a)
        self.ls.append(b)
        self.lk.append(kind)
        self.ll.append(lag)


def _split(rng: np.random.Generator, total: int, mins: Sequence[int]) -> list[int]:
    """Split ``total`` items into groups of at least ``mins`` each, randomly."""
    extra = total - sum(mins)
    w = rng.dirichlet(np.ones(len(mins)) * 2.0)
    add = rng.multinomial(max(extra, 0), w)
    return [int(m + a) for m, a in zip(mins, add, strict=True)]


def _fs_lag(rng: np.random.Generator) -> int:
    """Lag of an FS link: mostly none, sometimes a wait, sometimes a lead."""
    v = rng.random()
    if v < 0.75:
        return 0
    return int(rng.integers(1, 6)) if v < 0.9 else -int(rng.integers(1, 4))


def _chain(
    b: Builder, rng: np.random.Generator, leaves: list[int], entry: int | None, entry_lag: int
) -> None:
    """Link leaves of one group: mostly FS chains, some parallel branches, SS/FF/SF, lags."""
    for j, t in enumerate(leaves):
        if j == 0:
            if entry is not None:
                b.link(entry, t, FS, entry_lag)
            continue
        pred = leaves[j - 1] if (j < 2 or rng.random() < 0.8) else leaves[j - 2]
        u = rng.random()
        if u < 0.80:
            b.link(pred, t, FS, _fs_lag(rng))
        elif u < 0.89:
            b.link(pred, t, SS, int(rng.integers(1, 6)))
        else:
            if u < 0.97:
                b.link(pred, t, FF, int(rng.integers(-2, 4)))
            else:
                b.link(pred, t, SF, int(rng.integers(2, 8)))
            if entry is not None:
                b.link(entry, t, FS, 0)


def _close_phase(b: Builder, groups: list[list[int]], ms: int, n_links_before: int) -> None:
    """Link the phase milestone after every leaf whose finish no in-group link already covers."""
    covered: set[int] = set()
    for a, k, lag in zip(
        b.lp[n_links_before:], b.lk[n_links_before:], b.ll[n_links_before:], strict=True
    ):
        if k in (FS, FF) and lag >= 0:
            covered.add(a)
    for g in groups:
        for t in g:
            if t not in covered:
                b.link(t, ms, FS, 0)


def _work_package_phase(
    b: Builder,
    rng: np.random.Generator,
    p: int,
    ph: int,
    s: int,
    wps: list[str],
    counts: list[int],
    prev_ms: int | None,
    entries: list[int],
) -> tuple[list[list[int]], int]:
    """Execution or Testing: one summary per work package, its tasks chained after ``prev_ms``."""
    table = EXEC_WPS if ph == 2 else TEST_WPS
    groups: list[list[int]] = []
    for k, (wp, cnt) in enumerate(zip(wps, counts, strict=True)):
        wbs_wp = f"{ph + 1}.{k + 1}"
        w = b.add(p, wbs_wp, wp, phase=ph, parents=(s,), summary=True)
        role, names = table[wp]
        g = [
            b.add(
                p,
                f"{wbs_wp}.{j + 1}",
                nth(names, j),
                phase=ph,
                parents=(s, w),
                role=role,
                first=j == 0,
            )
            for j in range(cnt)
        ]
        stagger = 0 if k == 0 else int(rng.integers(0, 8))
        _chain(b, rng, g, prev_ms, stagger)
        if k > 0:
            entries.append(g[0])
        groups.append(g)
    return groups, len(wps) + 1


def _task_phase(
    b: Builder,
    rng: np.random.Generator,
    p: int,
    ph: int,
    s: int,
    cnt: int,
    prev_ms: int | None,
    with_mso: bool,
) -> tuple[list[list[int]], int]:
    """Initiation, Planning or Closing: template tasks in a chain (Planning: maybe an MSO task)."""
    pool = {0: INIT_TASKS, 1: PLAN_TASKS, 4: CLOSE_TASKS}[ph]
    g = [
        b.add(
            p,
            f"{ph + 1}.{j + 1}",
            nth([n for n, _ in pool], j),
            phase=ph,
            parents=(s,),
            role=pool[j % len(pool)][1],
            first=j == 0,
        )
        for j in range(cnt)
    ]
    _chain(b, rng, g, prev_ms, 0)
    groups = [g]
    nxt = cnt + 1
    if ph == 1 and with_mso:
        m = b.add(p, f"2.{nxt}", MSO_TASK[0], phase=ph, parents=(s,), role=MSO_TASK[1], first=True)
        b.mso.append(m)
        groups.append([m])
        nxt += 1
    return groups, nxt


def build_project(
    b: Builder, rng: np.random.Generator, p: int, n_tasks: int, html_task: bool
) -> None:
    """One project's WBS (2-3 levels) and intra-project links."""
    with_mso = rng.random() < 0.35
    n_exec = int(min(len(EXEC_WPS), 2 + max(0, n_tasks - 30) // 15))
    overhead = 5 + 5 + n_exec + 2 + int(with_mso)
    counts = _split(rng, n_tasks - overhead, [1, 2, 1] + [2] * (n_exec + 2))
    exec_names = ["Solution design", *rng.permutation(list(EXEC_WPS)[1:])[: n_exec - 1]]
    by_phase = {0: counts[0], 1: counts[1], 4: counts[2]}
    ms_ids: list[int] = []
    entries: list[int] = []
    prev_ms: int | None = None
    for ph, (ph_name, ms_name) in enumerate(PHASES):
        s = b.add(p, str(ph + 1), ph_name, phase=ph, parents=(), summary=True)
        nl0 = len(b.lp)
        if ph == 2:
            groups, nxt = _work_package_phase(
                b, rng, p, ph, s, exec_names, counts[3 : 3 + n_exec], prev_ms, entries
            )
        elif ph == 3:
            groups, nxt = _work_package_phase(
                b, rng, p, ph, s, list(TEST_WPS), counts[3 + n_exec :], prev_ms, entries
            )
        else:
            groups, nxt = _task_phase(b, rng, p, ph, s, by_phase[ph], prev_ms, with_mso)
        ms = b.add(p, f"{ph + 1}.{nxt}", ms_name, phase=ph, parents=(s,), milestone=True)
        _close_phase(b, groups, ms, nl0)
        ms_ids.append(ms)
        prev_ms = ms
    if html_task:
        b.name[ms_ids[1] + 3] = HTML_TASK  # the first leaf of Execution
    b.phase_ms.append(ms_ids)
    b.entry_leaf.append(entries)


def nth(names: Sequence[str], j: int) -> str:
    """The ``j``-th name of a template list, numbered ``(2)``, ``(3)``... once the list repeats."""
    n = len(names)
    return names[j % n] if j < n else f"{names[j % n]} ({j // n + 1})"
