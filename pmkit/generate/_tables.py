"""The table makers: projects, resources, assignments, change requests, tasks, risks, gates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pmkit.generate._calendar import Days
from pmkit.generate._plan import Clock, Plan
from pmkit.generate._reference import (
    CALENDARS,
    CRS,
    DRIVERS,
    FIRST,
    HTML_RISK,
    LAST,
    OBJECTIVES,
    OPPORTUNITIES,
    OPTIONAL_ARTEFACTS,
    PROGRAMMES,
    RATIONALES,
    REGIONS,
    ROLES,
    SPONSORS,
    THREATS,
)
from pmkit.generate._relax import finish_idx, start_idx
from pmkit.vocabulary import OPPORTUNITY_RESPONSES, PHASES, THREAT_RESPONSES

PHASE_NAMES = np.array(PHASES)


def _project_names(
    rng: np.random.Generator, prog: list[str], n_progs: int
) -> tuple[list[str], list[str], list[str]]:
    """Names (reused ones get a region, then a wave), departments and strategic objectives."""
    seen: dict[str, int] = {}
    names, depts, objs = [], [], []
    for i, pg in enumerate(prog):
        spec = PROGRAMMES[pg]
        k = seen.get(pg, 0)
        seen[pg] = k + 1
        base = spec["names"][k % len(spec["names"])]
        rnd = k // len(spec["names"])
        if rnd:
            region = REGIONS[(rnd - 1) % len(REGIONS)]
            wave = (rnd - 1) // len(REGIONS)
            base = f"{base} ({region}{' ' + str(wave + 1) if wave else ''})"
        names.append(base)
        depts.append(spec["departments"][(i // n_progs) % 2])
        objs.append(
            spec["objective"]
            if rng.random() < 0.8
            else OBJECTIVES[int(rng.integers(len(OBJECTIVES)))]
        )
    return names, depts, objs


def make_projects(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Projects with programme, names, sponsors, scores, a target phase and a performance."""
    progs = list(PROGRAMMES)[: 4 if n < 60 else len(PROGRAMMES)]
    prog = [progs[i % len(progs)] for i in range(n)]
    names, depts, objs = _project_names(rng, prog, len(progs))
    # target phase: first project (the platform) executes; a fixed mix for the rest
    mix = np.array([2, 1, 2, 4, 3, 2, 0, 2, 1, 3, 0, 4, 2])
    target = np.concatenate([[2], rng.permutation(np.resize(mix, n - 1))])[:n]
    # performance: (schedule factor, cost factor); late & over, on plan, ahead & under, ...
    perf = np.array(
        [[1.45, 1.22], [1.0, 1.0], [0.88, 0.93], [1.12, 1.08], [1.4, 1.0], [1.0, 1.15], [0.92, 1.0]]
    )
    # running projects (execution, closing) get every profile in turn, so the story has
    # late and over-budget projects as well as ones ahead and under budget
    pick = rng.integers(len(perf), size=n)
    running = np.flatnonzero((target == 2) | (target == 3))
    pick[running] = rng.permutation(np.resize(np.arange(len(perf)), running.size))
    jitter = rng.uniform(0.97, 1.03, size=(n, 2))
    pf = perf[pick] * jitter
    sv = rng.integers(1, 6, size=n)
    sa = rng.integers(1, 6, size=n)
    sr = rng.integers(1, 6, size=n)
    score = sv + sa - 0.5 * sr + rng.uniform(0, 0.1, size=n)
    priority = np.empty(n, dtype=np.int64)
    priority[np.argsort(-score, kind="stable")] = np.arange(1, n + 1)
    width = max(2, len(str(n)))
    return pd.DataFrame(
        {
            "project_id": [f"P{i + 1:0{width}d}" for i in range(n)],
            "name": names,
            "programme": prog,
            "sponsor": [SPONSORS[int(j)] for j in rng.integers(len(SPONSORS), size=n)],
            "department": depts,
            "strategic_objective": objs,
            "score_value": sv,
            "score_alignment": sa,
            "score_risk": sr,
            "priority": priority,
            "_target": target,
            "_sched_f": pf[:, 0],
            "_cost_f": pf[:, 1],
        }
    )


def make_resources(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """A shared pool: roles in fixed shares (few architects), some part-time people."""
    shares = np.array([v[0] for v in ROLES.values()])
    counts = np.maximum(1, np.floor(shares * n)).astype(int)
    counts[2] += n - counts.sum()  # the remainder are developers
    roles = np.repeat(list(ROLES), counts)
    combos = rng.permutation(len(FIRST) * len(LAST))
    names = [
        f"{FIRST[c // len(LAST)]} {LAST[c % len(LAST)]}"
        + ("" if i < combos.size else f" {i // combos.size + 1}")
        for i, c in enumerate(np.resize(combos, n))
    ]
    part = rng.random(n) < 0.12
    base_rate = np.array([ROLES[r][1] for r in roles])
    width = max(3, len(str(n)))
    return pd.DataFrame(
        {
            "resource_id": [f"R{i + 1:0{width}d}" for i in range(n)],
            "name": names,
            "role": roles,
            "department": [ROLES[r][2] for r in roles],
            "capacity_hours_per_day": np.where(part, 4.0, 8.0),
            "rate_per_hour": np.round(base_rate * rng.uniform(0.9, 1.15, size=n)),
            "calendar_id": np.where(part, "Part-time", "Standard"),
        }
    )


def _teams(
    rng: np.random.Generator, plan: Plan, res_role: np.ndarray, tasks_idx: np.ndarray
) -> np.ndarray:
    """The resource doing each working task: one of its project's team for the task's role."""
    t_role = plan.role[tasks_idx]
    chosen = np.empty(tasks_idx.size, dtype=np.int64)
    for r in ROLES:
        members = np.flatnonzero(res_role == r)
        # popular specialists are shared most; project managers are spread evenly
        skew = {"Project Manager": 0.0, "Architect": 1.2, "Tester": 1.0}.get(r, 0.5)
        w = 1.0 / np.arange(1, members.size + 1) ** skew
        w = w / w.sum()
        team_size = min(members.size, 2 if members.size < 8 else 3)
        teams = np.array(
            [
                rng.choice(members, size=team_size, replace=False, p=w)
                for _ in range(plan.n_projects)
            ]
        )
        sel = np.flatnonzero(t_role == r)
        pick = rng.integers(team_size, size=sel.size)
        chosen[sel] = teams[plan.proj[tasks_idx[sel]], pick]
    return chosen


def assign(
    rng: np.random.Generator, plan: Plan, resources: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray]:
    """Assign leaf tasks to a per-project team drawn from the shared pool; cost from rates.

    Team members are drawn with Zipf-like weights, so a few popular people (an architect, a
    tester) end up in several concurrent projects: over-allocated, as in real life.
    """
    dur = plan.base_dur
    res_role = resources["role"].to_numpy()
    rate = resources["rate_per_hour"].to_numpy()
    cap = resources["capacity_hours_per_day"].to_numpy()
    tasks_idx = np.flatnonzero(plan.work)
    chosen = _teams(rng, plan, res_role, tasks_idx)
    units = rng.choice([1.0, 1.0, 0.5, 0.5, 0.5, 0.25], size=tasks_idx.size)
    # a second person on some tasks: the project's PM or an architect, part of the time
    second = rng.random(tasks_idx.size) < 0.2
    helpers = np.flatnonzero(
        np.isin(res_role, ["Project Manager", "Architect", "Business Analyst"])
    )
    h = rng.choice(helpers, size=tasks_idx.size)
    second &= h != chosen
    a_task = np.concatenate([tasks_idx, tasks_idx[second]])
    a_res = np.concatenate([chosen, h[second]])
    a_units = np.concatenate([units, np.full(int(second.sum()), 0.25)])
    order = np.lexsort((a_res, a_task))
    a = pd.DataFrame({"task": a_task[order], "res": a_res[order], "units": a_units[order]})
    hours = dur[a["task"].to_numpy()] * cap[a["res"].to_numpy()] * a["units"].to_numpy()
    labour = np.bincount(
        a["task"].to_numpy(), weights=hours * rate[a["res"].to_numpy()], minlength=dur.size
    )
    extra = np.where(rng.random(dur.size) < 0.15, rng.integers(2, 40, size=dur.size) * 1000, 0)
    cost = np.round(labour + extra).astype(float)
    return a, cost


def managers(
    rng: np.random.Generator, plan: Plan, assign: pd.DataFrame, resources: pd.DataFrame
) -> np.ndarray:
    """The manager is the Project Manager with most assignments in the project."""
    roles = resources["role"].to_numpy()[assign["res"].to_numpy()]
    pm = assign[roles == "Project Manager"]
    names = resources["name"].to_numpy()
    out = np.array(
        [
            names[int(j)]
            for j in rng.choice(
                np.flatnonzero(resources["role"].to_numpy() == "Project Manager"),
                size=plan.n_projects,
            )
        ],
        dtype=object,
    )
    if len(pm):
        counts = pm.assign(p=plan.proj[pm["task"].to_numpy()]).groupby(["p", "res"]).size()
        best = counts.reset_index().sort_values(["p", 0, "res"], ascending=[True, False, True])
        best = best.drop_duplicates("p")
        out[best["p"].to_numpy()] = names[best["res"].to_numpy()]
    return out


def _person(rng: np.random.Generator) -> str:
    """A random stakeholder name (not necessarily in the resource pool)."""
    return f"{FIRST[int(rng.integers(len(FIRST)))]} {LAST[int(rng.integers(len(LAST)))]}"


def _cr_projects(rng: np.random.Generator, target: np.ndarray, n_cr: int) -> np.ndarray:
    """The project of each change request: every running project first, then at random."""
    running = np.flatnonzero(np.isin(target, [1, 2, 3]))
    if running.size == 0:
        running = np.arange(target.size)
    p_of = np.sort(rng.choice(running, size=n_cr))
    p_of[: min(n_cr, running.size)] = running[: min(n_cr, running.size)]
    return np.sort(p_of)


def _cr_sizes(rng: np.random.Generator, n_cr: int) -> tuple[np.ndarray, np.ndarray]:
    """Which requests are big, and each one's decision.

    Size first, decision second: significant and minor ones each get a realistic mix, so the
    change board always has pending significant changes to decide.
    """
    bigs = np.zeros(n_cr, dtype=bool)
    bigs[rng.permutation(n_cr)[: max(4, round(0.4 * n_cr))]] = True
    decisions = np.empty(n_cr, dtype=object)
    mixes = {
        True: ["pending", "approved", "pending", "rejected", "deferred", "approved"],
        False: ["approved", "pending", "approved", "rejected", "pending", "deferred"],
    }
    for flag, mix in mixes.items():
        idx = np.flatnonzero(bigs == flag)
        decisions[idx] = rng.permutation(np.resize(np.array(mix, dtype=object), idx.size))
    return bigs, decisions


@dataclass(frozen=True)
class _Request:
    """One change request being drawn: its project, kind, size and decision."""

    p: int
    kind: int
    big: bool
    decision: str


def _cr_row(
    rng: np.random.Generator,
    plan: Plan,
    projects: pd.DataFrame,
    budget: np.ndarray,
    t_sd: int,
    req: _Request,
) -> tuple[dict[str, Any], int, int]:
    """One change request's row (dates as working-day indices), its task and its days."""
    p, big, dec = req.p, req.big, req.decision
    title, desc = CRS[req.kind]
    saving = title.startswith(("Descope", "Reduce", "Replace"))
    ratio = rng.uniform(0.06, 0.14) if big else rng.uniform(0.005, 0.035)
    cost = round(float(budget[p] * ratio), -3) * (-1 if saving else 1)
    sdays = int(rng.integers(10, 25) if big else rng.integers(1, 8)) * (-1 if saving else 1)
    scope = (
        ("major" if rng.random() < 0.5 else "moderate")
        if big
        else ("minor" if rng.random() < 0.8 else "none")
    )
    sig = abs(cost) >= 50000 or abs(cost) >= 0.05 * budget[p] or abs(sdays) >= 10
    sig = sig or scope == "major"
    cand = np.flatnonzero(plan.work & (plan.proj == p) & (plan.base_es > t_sd))
    if cand.size == 0:
        cand = np.flatnonzero(plan.work & (plan.proj == p))
    t = int(rng.choice(cand))
    sdays = max(sdays, -int(plan.base_dur[t]) + 1)
    sub = t_sd - 1 - int(rng.integers(3, 25) if dec == "pending" else rng.integers(25, 120))
    sub = max(sub, int(plan.start_idx[p]))
    dec_on = min(sub + int(rng.integers(5, 20)), t_sd - 1)
    sponsor = projects["sponsor"].iat[p]
    row = {
        "cr_id": "",
        "_p": p,
        "title": title,
        "description": desc,
        "requested_by": sponsor if rng.random() < 0.5 else _person(rng),
        "submitted_on": sub,
        "task_id": "",
        "scope_impact": scope,
        "cost_impact": float(cost),
        "schedule_impact_days": float(sdays),
        "significance": "significant" if sig else "minor",
        "objective": projects["strategic_objective"].iat[p]
        if rng.random() < 0.8
        else OBJECTIVES[int(rng.integers(len(OBJECTIVES)))],
        "decision": dec,
        "decided_by": "" if dec == "pending" else ("PMO Change Control Board" if sig else sponsor),
        "decided_on": -1 if dec == "pending" else dec_on,
        "rationale": RATIONALES[dec],
    }
    return row, t, sdays


def make_change_requests(
    rng: np.random.Generator,
    plan: Plan,
    projects: pd.DataFrame,
    budget: np.ndarray,
    clock: Clock,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Change requests on running projects; significance follows standards.yaml's rule.

    Returns the table, each request's task and schedule days, and which are approved.
    """
    n_cr = max(12, round(0.9 * len(projects)))
    p_of = _cr_projects(rng, projects["_target"].to_numpy(), n_cr)
    bigs, decisions = _cr_sizes(rng, n_cr)
    kinds = rng.integers(len(CRS), size=n_cr)
    rows = []
    task_of = np.full(n_cr, -1, dtype=np.int64)
    days_of = np.zeros(n_cr, dtype=np.int64)
    for i in range(n_cr):
        req = _Request(int(p_of[i]), int(kinds[i]), bool(bigs[i]), str(decisions[i]))
        row, task_of[i], days_of[i] = _cr_row(rng, plan, projects, budget, clock.t_sd, req)
        rows.append(row)
    crs = pd.DataFrame(rows)
    width = max(3, len(str(n_cr)))
    crs["cr_id"] = [f"CR{i + 1:0{width}d}" for i in range(n_cr)]
    crs["submitted_on"] = clock.days.iso(crs["submitted_on"].to_numpy())
    dec_idx = crs["decided_on"].to_numpy()
    crs["decided_on"] = np.where(dec_idx >= 0, clock.days.iso(np.maximum(dec_idx, 0)), "")
    return crs, task_of, days_of, (crs["decision"] == "approved").to_numpy()


def task_ids(plan: Plan, pids: np.ndarray) -> np.ndarray:
    """Per-project sequence numbers -> task ids ``P01-T0001``."""
    proj = plan.proj
    seq = np.arange(plan.n) - np.searchsorted(proj, proj, side="left") + 1
    width = max(4, len(str(int(seq.max()))))
    return np.char.add(
        np.char.add(pids[proj].astype(str), "-T"), np.char.zfill(seq.astype(str), width)
    )


def _roll_up_dates(plan: Plan, kids: np.ndarray, parents: np.ndarray) -> tuple[np.ndarray, ...]:
    """Baseline and current start/finish indices, summaries spanning their leaves."""
    is_sum, is_ms = plan.is_sum, plan.is_ms
    b_start, b_fin = start_idx(plan.base_es, is_ms), finish_idx(plan.base_es, plan.base_dur, is_ms)
    c_start, c_fin = start_idx(plan.cur_es, is_ms), finish_idx(plan.cur_es, plan.cur_dur, is_ms)
    big = np.iinfo(np.int64).max
    for arr_s, arr_f in ((b_start, b_fin), (c_start, c_fin)):
        s = np.where(is_sum, big, arr_s)
        f = np.where(is_sum, -big, arr_f)
        np.minimum.at(s, parents, arr_s[kids])
        np.maximum.at(f, parents, arr_f[kids])
        arr_s[is_sum] = s[is_sum]
        arr_f[is_sum] = f[is_sum]
    return b_start, b_fin, c_start, c_fin


def _roll_up_progress(
    plan: Plan, kids: np.ndarray, parents: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """% complete (summaries: duration-weighted), cost (summaries: their leaves'), started."""
    n, is_sum, cur_dur, cost = plan.n, plan.is_sum, plan.cur_dur, plan.cost
    done_d = np.bincount(parents, weights=(plan.pct * cur_dur)[kids], minlength=n)
    all_d = np.bincount(parents, weights=cur_dur[kids].astype(float), minlength=n)
    pct = plan.pct.copy()
    pct[is_sum] = np.floor(np.divide(done_d, all_d, out=np.zeros(n), where=all_d > 0))[is_sum]
    any_started = np.bincount(parents, weights=(pct[kids] > 0), minlength=n) > 0
    all_done = np.bincount(parents, weights=(pct[kids] < 100), minlength=n) == 0
    pct[is_sum & all_done] = 100.0
    cost_out = cost.copy()
    cost_out[is_sum] = np.bincount(parents, weights=cost[kids], minlength=n)[is_sum]
    started = np.where(is_sum, any_started, pct > 0)
    return pct, cost_out, started


def _constraints(
    rng: np.random.Generator, plan: Plan, days: Days, dates: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """SNET/MSO floors drove the schedule; SNLT/FNLT deadlines are not binding."""
    b_start, b_fin, c_start, c_fin = dates
    n, is_ms, proj, snet, mso = plan.n, plan.is_ms, plan.proj, plan.snet, plan.mso
    ctype = np.full(n, "ASAP", dtype=object)
    cdate = np.full(n, "", dtype=object)
    ctype[snet] = "SNET"
    cdate[snet] = days.iso(plan.start_idx[proj[snet]] + plan.rel_floor[snet])
    ctype[mso] = "MSO"
    cdate[mso] = days.iso(plan.start_idx[proj[mso]] + plan.rel_floor[mso])
    free = np.flatnonzero((plan.work | is_ms) & (ctype == "ASAP") & (rng.random(n) < 0.03))
    fn = free[is_ms[free]]
    sn = free[~is_ms[free]]
    ctype[fn] = "FNLT"
    cdate[fn] = days.iso(np.maximum(b_fin[fn], c_fin[fn]) + rng.integers(5, 30, fn.size))
    ctype[sn] = "SNLT"
    cdate[sn] = days.iso(np.maximum(b_start[sn], c_start[sn]) + rng.integers(5, 30, sn.size))
    return ctype, cdate


def tasks_frame(rng: np.random.Generator, plan: Plan, pids: np.ndarray, days: Days) -> pd.DataFrame:
    """tasks.csv: leaves carry durations/estimates/progress; summaries roll them up."""
    n, work, b = plan.n, plan.work, plan.tree
    anc = np.array(b.anc, dtype=np.int64).reshape(-1, 2)
    leaf_rows = anc[~plan.is_sum[anc[:, 0]]]
    kids, parents = leaf_rows[:, 0], leaf_rows[:, 1]
    dates = _roll_up_dates(plan, kids, parents)
    b_start, b_fin, c_start, c_fin = dates
    pct, cost_out, started = _roll_up_progress(plan, kids, parents)
    # three-point estimates on working leaves (right-skewed, as real estimates are)
    ml = plan.cur_dur.astype(float)
    opt = np.minimum(np.round(ml * rng.uniform(0.7, 0.95, size=n), 1), ml)
    pes = np.maximum(np.round(ml * rng.uniform(1.1, 1.9, size=n), 1), ml)
    ctype, cdate = _constraints(rng, plan, days, dates)
    return pd.DataFrame(
        {
            "task_id": task_ids(plan, pids),
            "project_id": pids[plan.proj],
            "wbs": b.wbs,
            "name": b.name,
            "outline_level": np.array(b.level, dtype=np.int64),
            "is_summary": plan.is_sum,
            "is_milestone": plan.is_ms,
            "duration_days": np.where(work, plan.cur_dur, 0).astype(float),
            "optimistic_days": np.where(work, opt, np.nan),
            "most_likely_days": np.where(work, ml, np.nan),
            "pessimistic_days": np.where(work, pes, np.nan),
            "constraint_type": ctype,
            "constraint_date": cdate,
            "calendar_id": "",
            "percent_complete": pct,
            "actual_start": np.where(started, days.iso(c_start), ""),
            "actual_finish": np.where(pct >= 100, days.iso(c_fin), ""),
            "baseline_start": days.iso(b_start),
            "baseline_finish": days.iso(b_fin),
            "budgeted_cost": cost_out,
        }
    )


def _risk_texts(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kind (opportunity?), category and title of ``n`` risks; the first has HTML in its title."""
    is_opp = rng.random(n) < 0.3
    t_pick = rng.integers(len(THREATS), size=n)
    o_pick = rng.integers(len(OPPORTUNITIES), size=n)
    cat = np.where(is_opp, [OPPORTUNITIES[i][0] for i in o_pick], [THREATS[i][0] for i in t_pick])
    title = np.where(
        is_opp, [OPPORTUNITIES[i][1] for i in o_pick], [THREATS[i][1] for i in t_pick]
    ).astype(object)
    if n:
        title[0] = HTML_RISK
        is_opp[0] = False
        cat[0] = "supplier"
    return is_opp, cat, title


def _risk_responses(rng: np.random.Generator, is_opp: np.ndarray) -> np.ndarray:
    n = is_opp.size
    return np.where(
        is_opp,
        rng.choice(
            list(OPPORTUNITY_RESPONSES),
            size=n,
            p=[0.25, 0.35, 0.15, 0.2, 0.05],
        ),
        rng.choice(
            list(THREAT_RESPONSES),
            size=n,
            p=[0.1, 0.55, 0.1, 0.15, 0.1],
        ),
    )


def _risk_owners(
    rng: np.random.Generator,
    plan: Plan,
    projects: pd.DataFrame,
    assign: pd.DataFrame,
    resources: pd.DataFrame,
    p_of: np.ndarray,
) -> np.ndarray:
    """Someone working on the project (or its manager)."""
    res_names = resources["name"].to_numpy()
    a_p = plan.proj[assign["task"].to_numpy()]
    owners = projects["manager"].to_numpy().astype(object).copy()[p_of]
    for i in np.flatnonzero(rng.random(p_of.size) < 0.6):
        team = assign["res"].to_numpy()[a_p == p_of[i]]
        if team.size:
            owners[i] = res_names[int(rng.choice(np.unique(team)))]
    return owners


def make_risks(
    rng: np.random.Generator,
    plan: Plan,
    projects: pd.DataFrame,
    budget: np.ndarray,
    assign: pd.DataFrame,
    resources: pd.DataFrame,
    clock: Clock,
) -> pd.DataFrame:
    """Risk registers: 2-5 entries per project, ~30 % opportunities, mostly open."""
    n_p = len(projects)
    per = rng.integers(2, 6, size=n_p)
    p_of = np.repeat(np.arange(n_p), per)
    n = p_of.size
    is_opp, cat, title = _risk_texts(rng, n)
    prob = np.round(rng.uniform(0.1, 0.8, size=n) / 0.05) * 0.05
    cost = np.round(budget[p_of] * rng.uniform(0.01, 0.12, size=n), -2)
    sched = np.where(rng.random(n) < 0.3, 0, rng.integers(1, 30, size=n)).astype(float)
    resp = _risk_responses(rng, is_opp)
    owners = _risk_owners(rng, plan, projects, assign, resources, p_of)
    start = plan.start_idx[p_of]
    raised = start + np.floor(rng.uniform(0, 1, size=n) * np.maximum(clock.t_sd - 1 - start, 0))
    width = max(3, len(str(n)))
    return pd.DataFrame(
        {
            "risk_id": [f"RK{i + 1:0{width}d}" for i in range(n)],
            "project_id": projects["project_id"].to_numpy()[p_of],
            "title": title,
            "kind": np.where(is_opp, "opportunity", "threat"),
            "category": cat,
            "probability": prob,
            "cost_impact": cost,
            "schedule_impact_days": sched,
            "owner": owners,
            "response": resp,
            "status": np.where(rng.random(n) < 0.15, "closed", "open"),
            "raised_on": clock.days.iso(raised.astype(np.int64)),
        }
    )


def make_gates(
    rng: np.random.Generator,
    pids: np.ndarray,
    phase_idx: np.ndarray,
    gates: dict[str, dict[str, Any]],
) -> pd.DataFrame:
    """Stage gates G0..G4 with artefacts; passed gates are done except a few missing ones.

    ``gates`` are the standards' gates (the phase each opens, the required artefacts); the
    optional artefacts come from the reference data.
    """
    rows: list[tuple[int, str, str, str, bool]] = []
    for g, spec in gates.items():
        rows += [(int(g[1]), g, spec["opens"], a, True) for a in spec["required"]]
        rows += [(int(g[1]), g, spec["opens"], a, False) for a in OPTIONAL_ARTEFACTS.get(g, [])]
    gate_no = np.array([r[0] for r in rows])
    n_p, n_a = pids.size, len(rows)
    passed = gate_no[None, :] <= phase_idx[:, None]  # G0 opens initiation, ..., G4 closed
    required = np.array([r[4] for r in rows])
    missing = rng.random((n_p, n_a)) < np.where(required, 0.08, 0.4)[None, :]
    early = (gate_no[None, :] == phase_idx[:, None] + 1) & (rng.random((n_p, n_a)) < 0.4)
    done = (passed & ~missing) | early
    return pd.DataFrame(
        {
            "project_id": np.repeat(pids, n_a),
            "gate": np.tile([r[1] for r in rows], n_p),
            "phase": np.tile([r[2] for r in rows], n_p),
            "artefact": np.tile([r[3] for r in rows], n_p),
            "required": np.tile(required, n_p),
            "done": done.ravel(),
        }
    )


def make_scores(seed: int, projects: pd.DataFrame) -> pd.DataFrame:
    """project_scores.csv: each project scored 0..5 against every driver.

    The project's strategic objective scores 4-5; the others 0-3. A separate random stream
    (``[seed, 10]``) keeps every other table identical to a generation without scores.
    """
    rng = np.random.default_rng([seed, 10])
    by_name = {name: k for k, (_, name) in enumerate(DRIVERS)}
    n, d = len(projects), len(DRIVERS)
    score = rng.choice([0, 0, 1, 1, 2, 3], size=(n, d))
    main = projects["strategic_objective"].map(by_name).to_numpy()
    score[np.arange(n), main] = rng.integers(4, 6, size=n)
    return pd.DataFrame(
        {
            "project_id": np.repeat(projects["project_id"].to_numpy(), d),
            "driver": np.tile([k for k, _ in DRIVERS], n),
            "score": score.ravel().astype(float),  # a float column, written as 3.0
        }
    )


def calendars_frame() -> pd.DataFrame:
    """calendars.csv: the sample's two calendars."""
    return pd.DataFrame(CALENDARS)
