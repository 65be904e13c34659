"""The plan of every task of every project as parallel arrays, built step by step.

:class:`Plan` replaces the 19-21 positional arrays the table makers used to take: the WBS
(``proj``, ``is_sum``, ``is_ms``, ...), the links, and, filled in story order, the durations,
the constraint floors, each project's start, both schedules (baseline and current plan), the
cost and the progress at the status date. Index ``i`` of every array is task ``i``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pmkit.generate._calendar import Days, month_ends
from pmkit.generate._relax import (
    FS,
    LINK_NAMES,
    finish_idx,
    forward_pass,
    fraction,
    late_starts,
    reaches,
)
from pmkit.generate._wbs import Builder


def _none() -> np.ndarray:
    return np.zeros(0, np.int64)


@dataclass(frozen=True)
class Clock:
    """The status date as a date, as a working-day index (end of the status day) and months."""

    days: Days
    sd: np.datetime64
    t_sd: int
    months: int


@dataclass
class Links:
    """Links as four parallel arrays (predecessor, successor, type code, lag in working days)."""

    pred: np.ndarray
    succ: np.ndarray
    kind: np.ndarray
    lag: np.ndarray

    def add_fs(self, pred: np.ndarray, succ: np.ndarray, lag: np.ndarray) -> None:
        """Append FS links."""
        self.pred = np.concatenate([self.pred, pred])
        self.succ = np.concatenate([self.succ, succ])
        self.kind = np.concatenate([self.kind, np.full(pred.size, FS)])
        self.lag = np.concatenate([self.lag, lag])

    def schedule(self, dur: np.ndarray, floor: np.ndarray) -> np.ndarray:
        """Early starts of every task over these links (see :func:`forward_pass`)."""
        return forward_pass(dur, floor, self.pred, self.succ, self.kind, self.lag)


@dataclass
class Plan:
    """Every task of the portfolio (arrays indexed by task), filled in story order."""

    tree: Builder
    proj: np.ndarray
    is_sum: np.ndarray
    is_ms: np.ndarray
    work: np.ndarray  # leaves that are not milestones
    phase: np.ndarray
    role: np.ndarray
    ms_ids: np.ndarray  # (projects, 5): the phase-end milestones
    mso: np.ndarray  # fixed-date (MSO) tasks
    links: Links
    n_projects: int
    base_dur: np.ndarray = field(default_factory=_none)
    cur_dur: np.ndarray = field(default_factory=_none)
    rel_floor: np.ndarray = field(default_factory=_none)  # constraint floors, from day 0
    snet: np.ndarray = field(default_factory=_none)  # start-no-earlier-than tasks
    start_idx: np.ndarray = field(default_factory=_none)  # per project
    floor_abs: np.ndarray = field(default_factory=_none)
    base_es: np.ndarray = field(default_factory=_none)
    cur_es: np.ndarray = field(default_factory=_none)
    cost: np.ndarray = field(default_factory=_none)
    pct: np.ndarray = field(default_factory=_none)

    @classmethod
    def of(cls, b: Builder, n_projects: int) -> Plan:
        """The WBS and intra-project links the builder gathered, as arrays."""
        is_sum, is_ms = np.array(b.is_sum), np.array(b.is_ms)
        links = Links(*(np.array(x, dtype=np.int64) for x in (b.lp, b.ls, b.lk, b.ll)))
        return cls(
            tree=b,
            proj=np.array(b.proj, dtype=np.int64),
            is_sum=is_sum,
            is_ms=is_ms,
            work=~is_sum & ~is_ms,
            phase=np.array(b.phase, dtype=np.int64),
            role=np.array(b.role, dtype=object),
            ms_ids=np.array(b.phase_ms, dtype=np.int64),
            mso=np.array(b.mso, dtype=np.int64),
            links=links,
            n_projects=n_projects,
        )

    @property
    def n(self) -> int:
        return int(self.proj.size)

    def project_finish(self, es: np.ndarray, dur: np.ndarray) -> np.ndarray:
        """Each project's finish index (its latest task finish)."""
        out = np.full(self.n_projects, -1, dtype=np.int64)
        np.maximum.at(out, self.proj, finish_idx(es, dur, self.is_ms))
        return out


def draw_durations(rng: np.random.Generator, plan: Plan, sched_f: np.ndarray) -> None:
    """Baseline durations, and current = baseline x the project's slip factor x noise."""
    n, work, proj = plan.n, plan.work, plan.proj
    base_dur = np.zeros(n, dtype=np.int64)
    scale = np.where(plan.phase == 2, 1.6, np.where(plan.phase == 4, 0.5, 1.0))
    base_dur[work] = np.maximum(
        1, np.round(rng.gamma(2.5, 5.0, size=int(work.sum())) * scale[work])
    ).astype(np.int64)
    noise = np.exp(rng.normal(0.0, 0.15, size=n))
    changed = work & (rng.random(n) < 0.65)
    cur_dur = base_dur.copy()
    cur_dur[changed] = np.maximum(
        1, np.round(base_dur[changed] * sched_f[proj[changed]] * noise[changed])
    ).astype(np.int64)
    plan.base_dur, plan.cur_dur = base_dur, cur_dur


def constraint_floors(rng: np.random.Generator, plan: Plan) -> np.ndarray:
    """SNET and MSO floors relative to each project's day 0; returns the current relative plan."""
    zero = np.zeros(plan.n, dtype=np.int64)
    es0 = plan.links.schedule(plan.base_dur, zero)
    rel_floor = zero.copy()
    first = np.array(plan.tree.first_in_group)
    cand = np.flatnonzero(plan.work & ~first & (rng.random(plan.n) < 0.05))
    snet = np.setdiff1d(cand, plan.mso)
    rel_floor[snet] = es0[snet] + rng.integers(2, 7, size=snet.size)
    entry_ms = plan.ms_ids[plan.proj[plan.mso], 0]
    rel_floor[plan.mso] = es0[entry_ms] + rng.integers(5, 20, size=plan.mso.size)
    plan.rel_floor, plan.snet = rel_floor, snet
    return plan.links.schedule(plan.cur_dur, rel_floor)


def place_projects(
    rng: np.random.Generator, plan: Plan, cur_rel: np.ndarray, target: np.ndarray, clock: Clock
) -> None:
    """Start each project so that the status date falls in its target phase (current plan)."""
    ms_rel = cur_rel[plan.ms_ids]  # milestone "times" = end of predecessor work
    n_p = plan.n_projects
    first_rel = np.zeros(n_p, dtype=np.int64)
    u = rng.uniform(0.25, 0.75, size=n_p)
    cases = [target == 0, target == 1, target == 2, target == 3]
    lo_t = np.select(cases, [first_rel, ms_rel[:, 0], ms_rel[:, 1], ms_rel[:, 3]], ms_rel[:, 4])
    hi_t = np.select(
        cases,
        [ms_rel[:, 0], ms_rel[:, 1], ms_rel[:, 3], ms_rel[:, 4]],
        ms_rel[:, 4] + rng.integers(20, 160, size=n_p),
    )
    point = np.where(target == 4, hi_t, np.round(lo_t + u * (hi_t - lo_t)).astype(np.int64))
    # running projects started before the first report date, so they have every snapshot
    t_first = int(clock.days.index(month_ends(clock.sd, clock.months)[0])) + 1
    want = clock.t_sd - t_first + 10
    running = (target == 2) | (target == 3)
    point = np.where(running & (point < want), np.minimum(want, hi_t - 1), point)
    plan.start_idx = (clock.t_sd - np.maximum(point, 1)).astype(np.int64)
    plan.floor_abs = plan.start_idx[plan.proj] + plan.rel_floor


def cross_links(
    rng: np.random.Generator, plan: Plan, es: np.ndarray, target: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pick >= 5 cross-project FS links from an earlier project's milestone to a task.

    Links go from a lower project index to a higher one (so the network stays acyclic) and
    prefer the tightest milestone that is not yet late in the baseline, so that a slip in the
    feeding project propagates.
    """
    ms_ids, entry_leaf = plan.ms_ids, plan.tree.entry_leaf
    n_p = ms_ids.shape[0]
    if n_p < 2:
        return (np.zeros(0, np.int64),) * 3
    n_x = max(5, round(0.45 * n_p))
    eligible = [j for j in range(1, n_p) if entry_leaf[j] and target[j] in (0, 1, 2)]
    chosen = rng.permutation(eligible)[:n_x] if eligible else np.zeros(0, np.int64)
    cand_ms = ms_ids[:, 1:4]  # plan baselined, build complete, go-live
    xp, xs, xl = [], [], []
    for j in np.sort(chosen):
        succ = int(rng.choice(entry_leaf[j]))
        lag = int(rng.integers(0, 6))
        ms = cand_ms[:j].ravel()
        t_pred = es[ms] + lag
        ok = t_pred <= es[succ]
        if rng.random() < 0.5 and ok[: cand_ms.shape[1]].any():  # the platform project, P1
            pool = np.flatnonzero(ok[: cand_ms.shape[1]])
        elif ok.any():
            pool = np.flatnonzero(ok)
        else:
            pool = np.array([int(np.argmin(t_pred))])
        k = pool[np.argmax(t_pred[pool])]
        xp.append(int(ms[k]))
        xs.append(succ)
        xl.append(lag)
    return np.array(xp, np.int64), np.array(xs, np.int64), np.array(xl, np.int64)


@dataclass
class _StoryPicks:
    """Story links chosen so far, the adjacency they extend and how often each project is fed."""

    adj: dict[int, list[int]]
    fed: np.ndarray
    pred: list[int] = field(default_factory=list)
    succ: list[int] = field(default_factory=list)
    lag: list[int] = field(default_factory=list)


def _story_candidates(
    rng: np.random.Generator, plan: Plan, open_crit: np.ndarray, ms: int, done: int
) -> tuple[np.ndarray, np.ndarray]:
    """Critical open tasks of other projects milestone ``ms`` may feed, with their lags."""
    proj, cur_es, base_es = plan.proj, plan.cur_es, plan.base_es
    tight = done % 2 == 0
    cand = np.flatnonzero(open_crit & (proj != proj[ms]))
    gap = cur_es[cand] - cur_es[ms]  # FS from a milestone: succ start >= ms + lag
    # tight floats cycle 0, 1, 2 over the tight providers (0 = the link drives)
    want = np.full(cand.size, done // 2 % 3) if tight else rng.integers(20, 36, cand.size)
    lag = np.maximum(gap - want, 0)
    ok = (gap >= want if not tight else gap >= 0) & (lag <= 10)
    ok &= base_es[cand] - base_es[ms] >= lag  # never binds in the baseline either
    return cand[ok], lag[ok]


def _feed(
    rng: np.random.Generator,
    proj: np.ndarray,
    picks: _StoryPicks,
    ms: int,
    cand: np.ndarray,
    lag: np.ndarray,
) -> bool:
    """Link ``ms`` to one task in each of up to two least-fed projects; whether any was linked."""
    # one task per consumer project, least-fed projects first, random among equals
    pick = np.lexsort((rng.random(cand.size), picks.fed[proj[cand]]))
    used: set[int] = set()
    for k in pick.tolist():
        t = int(cand[k])
        if proj[t] in used or reaches(picks.adj, t, ms):
            continue
        used.add(int(proj[t]))
        picks.adj.setdefault(ms, []).append(t)
        picks.fed[proj[t]] += 1
        picks.pred.append(ms)
        picks.succ.append(t)
        picks.lag.append(int(lag[k]))
        if len(used) == 2:
            break
    return bool(used)


def story_links(
    rng: np.random.Generator, plan: Plan, t_sd: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """FS links from open milestones (dated after the status date) to tasks of other projects.

    Why: slip propagation needs future milestones that feed other projects. Each of
    ``max(6, 5% of the projects)`` provider milestones feeds up to two not-started tasks on the
    critical path of other projects (zero total float in the current plan), alternately through
    *tight* links (0, 1, 2 working days of float in turn: a 10-20 day slip moves those projects
    and their milestones) and *loose* ones (20-35 days: a 15-day slip is absorbed). Lags are
    0-10 days.

    No link binds in either plan (successor start >= milestone + lag in the baseline and the
    current plan), so every date of the sample stays as it was: only what a slip would do
    changes. Links that would close a cycle are skipped.
    """
    n_p = plan.ms_ids.shape[0]
    empty = np.zeros(0, np.int64)
    if n_p < 3:
        return empty, empty, empty
    lk = plan.links
    late = late_starts(plan.cur_es, plan.cur_dur, plan.proj, lk.pred, lk.succ, lk.kind, lk.lag)
    open_crit = plan.work & (late == plan.cur_es) & (plan.cur_es > t_sd)  # not started, critical
    prov = plan.ms_ids[:, 1:4].ravel()  # plan baselined, build complete, go-live
    prov = rng.permutation(prov[plan.cur_es[prov] > t_sd + 1])  # open: dated after status day
    n_story = max(6, round(0.05 * n_p))
    adj: dict[int, list[int]] = {}
    for a, z in zip(lk.pred.tolist(), lk.succ.tolist(), strict=True):
        adj.setdefault(a, []).append(z)
    picks = _StoryPicks(adj=adj, fed=np.zeros(n_p, np.int64))
    done = 0
    for ms in prov.tolist():
        if done >= n_story:
            break
        cand, lag = _story_candidates(rng, plan, open_crit, ms, done)
        done += _feed(rng, plan.proj, picks, ms, cand, lag)
    return (
        np.array(picks.pred, np.int64),
        np.array(picks.succ, np.int64),
        np.array(picks.lag, np.int64),
    )


def progress(plan: Plan, t_sd: int) -> np.ndarray:
    """% complete at the status date (current plan = actuals); returns each project's phase."""
    frac = fraction(plan.cur_es, plan.cur_dur, plan.is_ms, t_sd)
    pct = np.where(frac >= 1.0, 100.0, np.clip(np.floor(frac * 100.0), 0.0, 99.0))
    partly = (frac > 0) & (frac < 1)
    pct[partly] = np.maximum(pct[partly], 1.0)
    pct[plan.is_sum] = 0.0
    plan.pct = pct
    achieved = (plan.cur_es[plan.ms_ids] <= t_sd - 0).sum(axis=1)  # milestone dated <= status
    return np.array([0, 1, 2, 2, 3, 4])[achieved]


def links_frame(plan: Plan, task_ids: np.ndarray) -> pd.DataFrame:
    """links.csv."""
    lk = plan.links
    return pd.DataFrame(
        {
            "pred_id": task_ids[lk.pred],
            "succ_id": task_ids[lk.succ],
            "type": LINK_NAMES[lk.kind],
            "lag_days": lk.lag.astype(float),
        }
    )
