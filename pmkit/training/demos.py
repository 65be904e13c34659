"""The engine side of the lessons' live demos: the same question, through the PM and PMO lenses.

Each distinction of the course (see ``lessons.yaml``) has one demo. A demo returns a
:class:`Demo` with two :class:`Lens` panels computed from a real portfolio: the PM's (one
project) and the PMO's (every project). A panel carries headline numbers (``metrics``, keyed by
label keys of ``labels.yaml`` so the UI can translate them), a tidy table for a chart
(``data`` + ``chart`` kind, drawn by :mod:`pmkit.charts.training`) and optionally a table to
show as is (``table``; its columns are translated by ``c.<column>`` labels).

Every figure comes from the engine that owns the concept, the very one the PM and PMO
dashboards call: earned value (:mod:`pmkit.evm`), the roll-up and RAG
(:mod:`pmkit.portfolio.rollup`), governance and PMO types (:mod:`pmkit.portfolio.governance`,
:mod:`pmkit.standards`), resource load (:func:`pmkit.schedule.leveling.resource_load`),
capacity (:mod:`pmkit.portfolio.capacity`), the change board (:mod:`pmkit.portfolio.decisions`),
dependencies (:mod:`pmkit.portfolio.dependencies`) and what-if previews
(:mod:`pmkit.schedule.whatif`). This module only picks, reshapes and labels, so a lesson can never
teach a number the dashboards would contradict.

No widgets, no charts here: this module is an engine (``tests/unit/test_architecture.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pmkit.errors import UnknownIdError
from pmkit.evm import evm_rollup, evm_series
from pmkit.portfolio.capacity import capacity_by_role_month
from pmkit.portfolio.decisions import apply_decisions, significant_changes
from pmkit.portfolio.dependencies import dependency_network
from pmkit.portfolio.governance import compliance_score, gate_compliance, governance_checks
from pmkit.portfolio.rollup import rollup_on_schedule
from pmkit.risk import risk_register
from pmkit.schedule.leveling import resource_load
from pmkit.schedule.portfolio_adapter import schedule_project
from pmkit.schedule.whatif import preview_change_request
from pmkit.standards import CHECKS, PMO_TYPES, standards_of
from pmkit.vocabulary import DATE_FORMAT, PHASES

if TYPE_CHECKING:  # pragma: no cover
    from pmkit.model import Portfolio

__all__ = [
    "CHECKS",
    "DEMOS",
    "PMO_TYPES",
    "Demo",
    "Lens",
    "check_modes",
    "default_project",
    "project_load_by_week",
    "rag_rules",
    "role_month_load",
    "run_demo",
    "sharing",
    "verdicts",
]

_MEMO: ContextVar[dict[Any, Any] | None] = ContextVar("pmkit_demo_memo", default=None)


@contextmanager
def sharing(memo: dict[Any, Any]) -> Iterator[None]:
    """Inside, the whole-portfolio tables every demo reads (the roll-ups) are computed once per
    portfolio object and kept in ``memo``: eight lessons on fourteen projects then roll the
    portfolio up once, not once per demo. The caller owns ``memo`` and its lifetime (the
    lessons page keeps one per portfolio object, with the demos computed from it)."""
    token = _MEMO.set(memo)
    try:
        yield
    finally:
        _MEMO.reset(token)


def _once(name: str, compute: Callable[[Portfolio], pd.DataFrame], portfolio: Portfolio) -> Any:
    memo = _MEMO.get()
    if memo is None:
        return compute(portfolio)
    key = ("demo-table", name, id(portfolio))
    if key not in memo:
        memo[key] = compute(portfolio)
    return memo[key]


def rollup(portfolio: Portfolio) -> pd.DataFrame:
    """:func:`pmkit.portfolio.rollup.rollup` on the portfolio's schedule, once per portfolio
    inside :func:`sharing`: the figures the PMO review, the status pack and the workbook show
    (without the schedule, forecasts came from the reports: lesson 8 said a 28-day slip where
    the review said 29)."""
    return _once("rollup", rollup_on_schedule, portfolio)


def _checks(portfolio: Portfolio, *, kind: str, roll: pd.DataFrame) -> pd.DataFrame:
    return governance_checks(portfolio, pmo_type=kind, rollup_df=roll)


def _scores(portfolio: Portfolio, *, checks: pd.DataFrame) -> pd.DataFrame:
    return compliance_score(checks)


def _evm_rollup(portfolio: Portfolio) -> pd.DataFrame:
    """:func:`pmkit.evm.evm_rollup`, once per portfolio inside :func:`sharing`."""
    return _once("evm_rollup", evm_rollup, portfolio)


# The other whole-portfolio tables the demos read, once per portfolio inside :func:`sharing`
# (a project pick computed them again for every project: most of a lesson's cost). The demos
# only read them (filter, assign, copy): a memo entry is never changed in place.
def _gates(portfolio: Portfolio) -> pd.DataFrame:
    return _once("gate_compliance", gate_compliance, portfolio)


def _gate_scores(portfolio: Portfolio) -> pd.DataFrame:
    return _once("gate_scores", lambda p: compliance_score(_gates(p)), portfolio)


def _rules(portfolio: Portfolio) -> pd.DataFrame:
    return _once("rag_rules", rag_rules, portfolio)


def _decided(portfolio: Portfolio) -> pd.DataFrame:
    return _once("apply_decisions", apply_decisions, portfolio)


def _significant(portfolio: Portfolio) -> pd.DataFrame:
    return _once("significant_changes", significant_changes, portfolio)


def _open_risks(portfolio: Portfolio) -> pd.DataFrame:
    return _once("open_risks", partial(risk_register, status="open"), portfolio)


def _preview(portfolio: Portfolio, *, cr_id: str) -> Any:
    return preview_change_request(portfolio, cr_id)


def _links(portfolio: Portfolio) -> pd.DataFrame:
    return _once("dependency_edges", lambda p: dependency_network(p).edges, portfolio)


@dataclass(frozen=True)
class Lens:
    """One side of a demo: headline numbers, chart data, and an optional table.

    ``metrics`` maps a label key (``"m.budget"``) to a value; ``chart`` names a builder of
    :mod:`pmkit.charts.training` (``"bars"``, ``"load"``, ``"heat"``, ``"lines"``) fed with
    ``data``; ``titles`` maps a chart role (``"x"``, ``"y"``, ``"title"``) to a label key.
    """

    metrics: dict[str, Any]
    data: pd.DataFrame = field(default_factory=pd.DataFrame)
    chart: str | None = None
    titles: dict[str, str] = field(default_factory=dict)
    table: pd.DataFrame | None = None


@dataclass(frozen=True)
class Demo:
    """A demo's result: which project the PM lens looks at, and both lenses."""

    demo: str
    project_id: str | None
    pm: Lens
    pmo: Lens
    options: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------- helpers
def default_project(portfolio: Portfolio) -> str:
    """The project a demo opens on: the first one in execution (it has the most to show)."""
    p = portfolio.projects
    running = p[p["phase"] == "execution"]
    return str((running if len(running) else p)["project_id"].iloc[0])


def _project(portfolio: Portfolio, project_id: str | None) -> pd.Series:
    pid = project_id or default_project(portfolio)
    hit = portfolio.projects[portfolio.projects["project_id"] == pid]
    if hit.empty:
        raise UnknownIdError("project", pid)
    return hit.iloc[0]


def _f(value: Any, digits: int = 2) -> float:
    """A plain float (NaN stays NaN), rounded for display tables and tests alike."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return v if np.isnan(v) else round(v, digits)


def rag_rules(portfolio: Portfolio) -> pd.DataFrame:
    """The PMO's RAG rules as the standards engine states them: ``dimension, metric, green_if,
    red_if`` (``"≥ 0.95"``; the metric's name is left out so the page can translate it)."""
    table = standards_of(portfolio).rule_table()
    cut = table["label"].str.len() + 1
    return pd.DataFrame(
        {
            "dimension": table["dimension"],
            "metric": table["metric"],
            "green_if": [s[n:] for s, n in zip(table["green_if"], cut, strict=True)],
            "red_if": [s[n:] for s, n in zip(table["red_if"], cut, strict=True)],
        }
    )


def check_modes(portfolio: Portfolio) -> pd.DataFrame:
    """How each PMO type treats each governance check (rows = checks, columns = types, cells
    ``blocking`` / ``advisory`` / ``off``): the standards engine's switch, laid out as a table."""
    std = standards_of(portfolio)
    table = {t: std.check_modes(t) for t in std.pmo_types}
    return pd.DataFrame(table).reindex(list(CHECKS)).rename_axis("check")


def verdicts(checks: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """Per project: the checks failed and those that block, next to the engine's state.

    ``checks`` from :func:`pmkit.portfolio.governance.governance_checks`, ``scores`` from
    :func:`~pmkit.portfolio.governance.compliance_score` of the same checks; only reshaped here.
    """
    failed = checks[checks["effect"].isin(["advisory", "blocking"])]
    blocking = failed[failed["effect"] == "blocking"]

    def joined(df: pd.DataFrame) -> pd.Series:
        return df.groupby("project_id", sort=False)["check"].agg(", ".join)

    ids = checks["project_id"].drop_duplicates().reset_index(drop=True)
    state = scores.set_index("project_id")
    return pd.DataFrame(
        {
            "project_id": ids,
            "failing": ids.map(joined(failed)).astype(object).fillna("").to_numpy(),
            "blocking": ids.map(joined(blocking)).astype(object).fillna("").to_numpy(),
            "compliance_score": ids.map(state["compliance_score"]).round(0).to_numpy(),
            "state": ids.map(state["state"]).to_numpy(),
        }
    )


# --------------------------------------------------------------------- 1. at a glance
def at_a_glance(portfolio: Portfolio, project_id: str | None = None) -> Demo:
    """One project's key facts next to the whole portfolio's."""
    proj = _project(portfolio, project_id)
    pid = str(proj["project_id"])
    tasks = portfolio.tasks[portfolio.tasks["project_id"] == pid]
    team = portfolio.assignments[portfolio.assignments["task_id"].isin(tasks["task_id"])]
    progress = rollup(portfolio).set_index("project_id")["percent_complete"]
    leaf = tasks[~tasks["is_summary"]]
    pm = Lens(
        metrics={
            "m.budget": _f(proj["budget"], 0),
            "m.tasks": len(leaf),
            "m.team": int(team["resource_id"].nunique()),
            "m.percent_complete": _f(progress.get(pid, float("nan")), 1),
            "m.phase": str(proj["phase"]),
        },
        data=(
            tasks[tasks["outline_level"] == 1][["name", "wbs"]]
            .assign(
                value=[
                    _f(leaf[leaf["wbs"].str.split(".").str[0] == w]["budgeted_cost"].sum(), 0)
                    for w in tasks[tasks["outline_level"] == 1]["wbs"]
                ]
            )
            .rename(columns={"name": "label"})[["label", "value"]]
            .reset_index(drop=True)
        ),
        chart="bars",
        titles={"title": "t.budget_by_wbs", "x": "c.budget", "y": "c.work_package"},
    )
    projects = portfolio.projects
    data = projects[["project_id", "budget", "phase"]].rename(
        columns={"project_id": "label", "budget": "value", "phase": "group"}
    )
    pmo = Lens(
        metrics={
            "m.projects": len(projects),
            "m.budget": _f(projects["budget"].sum(), 0),
            "m.resources": len(portfolio.resources),
            "m.programmes": int(projects["programme"].nunique()),
            "m.share_of_budget": _f(100 * proj["budget"] / projects["budget"].sum(), 1),
        },
        data=data.assign(highlight=data["label"] == pid).reset_index(drop=True),
        chart="bars",
        titles={
            "title": "t.budget_by_project",
            "x": "c.budget",
            "y": "c.project",
            "group": "c.phase",
        },
    )
    return Demo("at_a_glance", pid, pm, pmo)


# ----------------------------------------------------------------- 2. shared standards
def shared_standards(portfolio: Portfolio, project_id: str | None = None) -> Demo:
    """One project's gate artefacts next to the same standard checked across the portfolio.

    Both sides read :func:`pmkit.portfolio.governance.gate_compliance` (gates reached so far).
    """
    proj = _project(portfolio, project_id)
    pid = str(proj["project_id"])
    gates = _gates(portfolio)
    req = gates[gates["required"]]
    mine = req[req["project_id"] == pid]
    by_gate = (
        mine.groupby("gate", as_index=False)
        .agg(required=("artefact", "size"), done=("done", "sum"))
        .astype({"done": int})
    )
    pm = Lens(
        metrics={
            "m.artefacts_required": len(mine),
            "m.artefacts_done": int(mine["done"].sum()),
            "m.compliance_pct": _f(100 * mine["done"].mean() if len(mine) else float("nan"), 1),
        },
        table=mine[["gate", "artefact", "done"]].reset_index(drop=True),
        data=by_gate.melt("gate", var_name="group", value_name="value").rename(
            columns={"gate": "label"}
        ),
        chart="bars",
        titles={
            "title": "t.artefacts_by_gate",
            "x": "c.artefacts",
            "y": "c.gate",
            "group": "c.state",
        },
    )
    per_project = _gate_scores(portfolio)[["project_id", "compliance_score"]]
    rules = _rules(portfolio)
    pmo = Lens(
        metrics={
            "m.projects": int(portfolio.projects["project_id"].nunique()),
            "m.standard_artefacts": sum(
                len(a) for a in standards_of(portfolio).gate_artefacts.values()
            ),
            "m.rag_rules": len(rules),
            "m.compliance_pct": _f(100 * req["done"].mean() if len(req) else float("nan"), 1),
        },
        data=pd.DataFrame(
            {
                "label": per_project["project_id"],
                "value": per_project["compliance_score"].round(1),
                "highlight": per_project["project_id"] == pid,
            }
        ),
        chart="bars",
        titles={"title": "t.compliance_by_project", "x": "c.compliance_pct", "y": "c.project"},
        table=rules,
    )
    return Demo("shared_standards", pid, pm, pmo)


# ------------------------------------------------------------------------ 3. PMO types
def pmo_types(
    portfolio: Portfolio, project_id: str | None = None, *, pmo_type: str | None = None
) -> Demo:
    """The same governance gaps, judged by a supportive, a controlling and a directive PMO.

    The switch is the PMO lens's own: :func:`pmkit.portfolio.governance.governance_checks`
    and :func:`~pmkit.portfolio.governance.compliance_score` under each type of
    ``standards.yaml``; the facts stay, only what blocks changes.
    """
    proj = _project(portfolio, project_id)
    pid = str(proj["project_id"])
    std = standards_of(portfolio)
    chosen = pmo_type or std.pmo_type
    roll = rollup(portfolio)  # shared by the three types: the facts do not depend on the type
    checks = {t: _once(f"checks_{t}", partial(_checks, kind=t, roll=roll), portfolio)
              for t in std.pmo_types}  # fmt: skip
    if chosen not in checks:
        raise KeyError(f"unknown PMO type {chosen!r}; known: {list(checks)}")
    scores = {t: _once(f"scores_{t}", partial(_scores, checks=c), portfolio)
              for t, c in checks.items()}  # fmt: skip
    current = checks[chosen]
    mine = current[current["project_id"] == pid]
    on = mine[mine["mode"] != "off"]
    pm = Lens(
        metrics={
            "m.failed_checks": int((~on["passed"]).sum()),
            "m.blocking_checks": int((on["effect"] == "blocking").sum()),
            "m.pmo_type": chosen,
        },
        table=pd.DataFrame(
            {
                "check": mine["check"].to_numpy(),
                "passed_pct": (100 * mine["value"]).round(0).to_numpy(),
                "mode": mine["mode"].to_numpy(),
                "effect": mine["effect"].to_numpy(),
            }
        ),
    )
    counts = [
        {"label": t, "group": state, "value": int((s["state"] == state).sum())}
        for t, s in scores.items()
        for state in ("blocked", "advisory", "compliant")
    ]
    state = scores[chosen]["state"].value_counts()
    pmo = Lens(
        metrics={
            "m.pmo_type": chosen,
            "m.blocked_projects": int(state.get("blocked", 0)),
            "m.advisory_projects": int(state.get("advisory", 0)),
            "m.compliant_projects": int(state.get("compliant", 0)),
        },
        data=pd.DataFrame(counts).assign(highlight=lambda d: d["label"] == chosen),
        chart="bars",
        titles={
            "title": "t.gates_by_type",
            "x": "c.projects",
            "y": "c.pmo_type",
            "group": "c.state",
        },
        table=verdicts(current, scores[chosen]),
    )
    return Demo("pmo_types", pid, pm, pmo, {"pmo_type": chosen, "modes": check_modes(portfolio)})


# ----------------------------------------------------------------- 4. project life cycle
def project_lifecycle(portfolio: Portfolio, project_id: str | None = None) -> Demo:
    """One project's earned value over its reports (the PM runs it) vs phases across projects."""
    proj = _project(portfolio, project_id)
    pid = str(proj["project_id"])
    series = evm_series(portfolio, pid)
    lines = (
        series[["report_date", "pv", "ev", "ac"]]
        .melt("report_date", var_name="group", value_name="value")
        .assign(group=lambda d: d["group"].str.upper())
        .rename(columns={"report_date": "date"})
    )
    roll = _evm_rollup(portfolio)
    me = roll[roll["project_id"] == pid].iloc[0]
    gates = portfolio.gates[portfolio.gates["project_id"] == pid]
    phase_of_gate = (
        gates.groupby("gate", as_index=False)
        .agg(phase=("phase", "first"), done=("done", "all"))
        .sort_values("gate", ignore_index=True)
    )
    pm = Lens(
        metrics={
            "m.phase": str(proj["phase"]),
            "m.bac": _f(me["bac"], 0),
            "m.spi": _f(me["spi"]),
            "m.cpi": _f(me["cpi"]),
            "m.eac": _f(me["eac"], 0),
            "m.percent_complete": _f(me["percent_complete"], 1),
        },
        data=lines.reset_index(drop=True),
        chart="lines",
        titles={"title": "t.evm_curve", "x": "c.report_date", "y": "c.money", "group": "c.measure"},
        table=phase_of_gate,
    )
    by_phase = (
        portfolio.projects.groupby("phase")
        .size()
        .reindex(list(PHASES), fill_value=0)
        .rename("value")
        .reset_index()
        .rename(columns={"phase": "label"})
    )
    pmo = Lens(
        metrics={
            "m.projects": len(portfolio.projects),
            "m.reporting_projects": int(roll["report_date"].notna().sum()),
            "m.median_cpi": _f(roll["cpi"].median()),
            "m.median_spi": _f(roll["spi"].median()),
        },
        data=by_phase.assign(highlight=by_phase["label"] == proj["phase"]),
        chart="bars",
        titles={"title": "t.projects_by_phase", "x": "c.projects", "y": "c.phase"},
    )
    return Demo("project_lifecycle", pid, pm, pmo)


# -------------------------------------------------------------- 5. strategy alignment
def strategy_alignment(portfolio: Portfolio, project_id: str | None = None) -> Demo:
    """The objective one project serves vs how the portfolio covers every objective."""
    proj = _project(portfolio, project_id)
    pid = str(proj["project_id"])
    pm = Lens(
        metrics={
            "m.objective": str(proj["strategic_objective"]),
            "m.score_value": int(proj["score_value"]),
            "m.score_alignment": int(proj["score_alignment"]),
            "m.priority": int(proj["priority"]),
            **_priority_metrics(portfolio, pid),
        },
        table=pd.DataFrame(
            [
                {
                    "project_id": pid,
                    "name": proj["name"],
                    "strategic_objective": proj["strategic_objective"],
                    "sponsor": proj["sponsor"],
                }
            ]
        ),
    )
    p = portfolio.projects
    per_obj = (
        p.groupby("strategic_objective", as_index=False)
        .agg(projects=("project_id", "size"), budget=("budget", "sum"))
        .sort_values("budget", ascending=False, ignore_index=True)
    )
    declared = set(portfolio.changes["objective"]) - {""}
    orphan = sorted(declared - set(p["strategic_objective"]))
    pmo = Lens(
        metrics={
            "m.objectives": len(per_obj),
            "m.projects": len(p),
            "m.orphan_objectives": len(orphan),
            "m.avg_alignment": _f(p["score_alignment"].mean(), 1),
            **_strategy_metrics(portfolio),
        },
        data=per_obj.rename(columns={"strategic_objective": "label", "budget": "value"})[
            ["label", "value"]
        ].assign(highlight=lambda d: d["label"] == proj["strategic_objective"]),
        chart="bars",
        titles={"title": "t.budget_by_objective", "x": "c.budget", "y": "c.objective"},
        table=per_obj,
    )
    return Demo("strategy_alignment", pid, pm, pmo)


def _priority_metrics(portfolio: Portfolio, pid: str) -> dict[str, Any]:
    """The project's priority score (0-100) and rank against the business drivers."""
    from pmkit.portfolio.prioritise import drivers_of, priority_scores  # lazy: scipy (below)

    if drivers_of(portfolio) is None:
        return {}
    ps = priority_scores(portfolio).set_index("project_id")
    return {
        "m.priority_score": _f(ps.loc[pid, "score"], 1),
        "m.priority_rank": int(ps.loc[pid, "rank"]),
    }


def _strategy_metrics(portfolio: Portfolio) -> dict[str, Any]:
    """The drivers' weights (AHP) as the PMO set them: consistency ratio and top driver."""
    from pmkit.portfolio.prioritise import drivers_of  # lazy: scipy

    d = drivers_of(portfolio)
    if d is None:
        return {}
    top = int(np.argmax(d.weights))
    out: dict[str, Any] = {"m.top_driver": f"{d.drivers[top].name} ({d.weights[top]:.0%})"}
    if d.ahp is not None:
        out["m.ahp_cr"] = _f(d.ahp.cr, 3)
    return out


_OPTIMA: dict[int, tuple[Any, pd.DataFrame, pd.DataFrame]] = {}


def portfolio_optimum(portfolio: Portfolio) -> tuple[Any, pd.DataFrame, pd.DataFrame]:
    """The PMO's optimum of the sample (selection + sequencing under capacity, HiGHS), its CPM
    dates and its reasons; computed once per portfolio object.

    pmkit.portfolio.prioritise loads scipy (~0.9 s of CPU): imported here, not at the top, so a
    lessons kernel showing panels another kernel shared never pays it."""
    from pmkit.portfolio.prioritise import explain, selection_problem, sequenced_dates, solve

    key = id(portfolio)
    if key not in _OPTIMA:
        sel = solve(selection_problem(portfolio), overload=True)
        _OPTIMA[key] = (sel, sequenced_dates(portfolio, sel), explain(sel))
    return _OPTIMA[key]


def _optimum_metrics(portfolio: Portfolio, pid: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(PM lens, PMO lens) figures of lesson 7: the PM's own best plan for ``pid`` vs what the
    portfolio optimum does to it, and which project the optimum delays."""
    from pmkit.portfolio.prioritise import drivers_of  # lazy: scipy

    if drivers_of(portfolio) is None:
        return {}, {}
    sel, dates, why = portfolio_optimum(portfolio)
    d = dates.set_index("project_id")
    pm: dict[str, Any] = {}
    pmo: dict[str, Any] = {"m.portfolio_value": _f(sel.value, 1)}
    if pid in d.index:
        pm["m.planned_finish"] = _day(d.loc[pid, "planned_finish"])
        pmo["m.optimised_shift_months"] = int(d.loc[pid, "shift_months"])
        pmo["m.optimised_finish"] = _day(d.loc[pid, "new_finish"])
    delayed = why[why["status"] == "delayed"]
    if len(delayed):
        pmo.update(_delayed_metrics(delayed.iloc[0], d))
    return pm, pmo


def _delayed_metrics(w: pd.Series, dates: pd.DataFrame) -> dict[str, Any]:
    """The project the optimum delays and its binding constraint, as figures and label keys
    (no English sentence: each value is a number, an ISO date, a name or a ``v.`` label)."""
    r = dates.loc[w["project_id"]]
    out: dict[str, Any] = {
        "m.delayed_project": f"{w['project_id']} {w['name']}",
        "m.delayed_months": int(w["shift_months"]),
        "m.delayed_finish": f"{_day(r['planned_finish'])} → {_day(r['new_finish'])}",
        "m.binding_constraint": f"v.binding_{str(w['kind']).replace(' ', '_')}",
    }
    if w["kind"] == "capacity":
        out["m.binding_role_month"] = f"{w['role']} {w['month']}"
        out["m.binding_hours_short"] = round(float(w["shortfall"]), 1)
    elif w["kind"] == "budget":
        out["m.binding_money_short"] = round(float(w["shortfall"]), 0)
    return out


def _day(ts: Any) -> str:
    return "-" if pd.isna(ts) else pd.Timestamp(ts).strftime("%Y-%m-%d")


# ------------------------------------------------------------------ 6. change impact
def default_change(portfolio: Portfolio) -> str:
    """The change request a lesson opens on: the costliest one the change board sees."""
    sig = _significant(portfolio)
    if len(sig):
        return str(sig["cr_id"].iloc[0])  # the engine sorts by absolute cost impact
    c = portfolio.changes
    return str(c.sort_values("cost_impact", ascending=False)["cr_id"].iloc[0])


def change_impact(
    portfolio: Portfolio, project_id: str | None = None, *, cr_id: str | None = None
) -> Demo:
    """A change request's effect on its project (what-if preview) vs the change board's view.

    The PM side previews the request with :func:`pmkit.schedule.whatif.preview_change_request`;
    the PMO side is :func:`pmkit.portfolio.decisions.significant_changes` by objective.
    """
    changes = _decided(portfolio)  # decisions logged by the board count everywhere
    if cr_id is None:
        if project_id is not None and (changes["project_id"] == project_id).any():
            mine = changes[changes["project_id"] == project_id]
            cr_id = str(mine.sort_values("cost_impact", ascending=False)["cr_id"].iloc[0])
        else:
            cr_id = default_change(portfolio)
    cr = changes[changes["cr_id"] == cr_id].iloc[0]
    pid = str(cr["project_id"])
    proj = _project(portfolio, pid)
    # once per request inside :func:`sharing`: projects without a request of their own all
    # preview the board's costliest one
    preview = _once(f"preview_{cr_id}", partial(_preview, cr_id=cr_id), portfolio)
    mine = changes[changes["project_id"] == pid]
    approved = mine[mine["decision"] == "approved"]
    pm = Lens(
        metrics={
            "m.change": f"{cr_id} · {cr['title']}",
            "m.cost_impact": _f(preview.cost["cost_impact"], 0),
            "m.cost_impact_pct": _f(100 * cr["cost_impact"] / proj["budget"], 1)
            if proj["budget"]
            else float("nan"),
            "m.schedule_impact_days": _f(cr["schedule_impact_days"], 1),
            "m.finish_delta_days": _f(preview.finish_delta_days, 1),
            "m.eac_after": _f(preview.cost["eac_after"], 0),
            "m.scope_impact": str(cr["scope_impact"]),
            "m.approved_changes": len(approved),
        },
        data=mine.assign(label=mine["cr_id"], value=mine["cost_impact"], group=mine["decision"])[
            ["label", "value", "group"]
        ].assign(highlight=lambda d: d["label"] == cr_id).reset_index(drop=True),
        chart="bars",
        titles={"title": "t.project_changes", "x": "c.cost_impact", "y": "c.change",
                "group": "c.decision"},
        table=mine[
            ["cr_id", "title", "cost_impact", "schedule_impact_days", "significance", "decision"]
        ].reset_index(drop=True),
    )  # fmt: skip
    sig = _significant(portfolio)
    board = (
        sig.groupby(["strategic_objective", "decision"], as_index=False)
        .agg(value=("cost_impact", "sum"), count=("cr_id", "size"))
        .rename(columns={"strategic_objective": "label", "decision": "group"})
    )
    pmo = Lens(
        metrics={
            "m.significant_changes": len(sig),
            "m.pending_significant": int((sig["decision"] == "pending").sum()),
            "m.significant_cost": _f(sig["cost_impact"].sum(), 0),
            "m.objectives": int(sig["strategic_objective"].nunique()),
        },
        data=board,
        chart="bars",
        titles={"title": "t.changes_by_objective", "x": "c.cost_impact", "y": "c.objective",
                "group": "c.decision"},
        table=sig[
            ["cr_id", "project_id", "strategic_objective", "cost_impact", "decision"]
        ].reset_index(drop=True),
    )  # fmt: skip
    return Demo("change_impact", pid, pm, pmo, {"cr_id": cr_id})


# ---------------------------------------------------------------------- 7. resources
def project_load_by_week(portfolio: Portfolio, project_id: str) -> pd.DataFrame:
    """The project's demand on its team by week vs that team's capacity (PM's histogram).

    :func:`pmkit.schedule.leveling.resource_load` on the project's own schedule, summed over
    its team: ``week`` (Monday, ``YYYY-MM-DD``), ``demand_hours`` (this project only),
    ``capacity_hours`` (the team's hours that week), ``utilisation``.
    """
    load = resource_load(portfolio, schedule_project(portfolio, project_id), project_id, freq="W")
    cols = ["week", "demand_hours", "capacity_hours", "utilisation"]
    if load.empty:
        return pd.DataFrame(columns=cols)
    w = (
        load.groupby("period_start", as_index=False)[["load_hours", "capacity_hours"]]
        .sum()
        .rename(columns={"period_start": "week", "load_hours": "demand_hours"})
    )
    cap = w["capacity_hours"].to_numpy(dtype=float)
    w["utilisation"] = np.where(cap > 0, w["demand_hours"] / np.where(cap > 0, cap, 1), np.nan)
    w["week"] = pd.to_datetime(w["week"]).dt.strftime(DATE_FORMAT)
    return w[cols].round({"demand_hours": 1, "capacity_hours": 1, "utilisation": 3})


def role_month_load(portfolio: Portfolio) -> pd.DataFrame:
    """Every project's demand by role and month vs the role's capacity (PMO's heat map).

    :func:`pmkit.portfolio.capacity.capacity_by_role_month`, months with demand only:
    ``role, month`` (``YYYY-MM``), ``demand_hours``, ``capacity_hours``, ``utilisation``.
    """
    out = capacity_by_role_month(portfolio)
    out = out[out["demand_hours"] > 0]
    return pd.DataFrame(
        {
            "role": out["role"].to_numpy(),
            "month": pd.to_datetime(out["month"]).dt.strftime("%Y-%m").to_numpy(),
            "demand_hours": out["demand_hours"].round(1).to_numpy(),
            "capacity_hours": out["capacity_hours"].round(1).to_numpy(),
            "utilisation": (out["load_pct"] / 100).round(3).to_numpy(),
        }
    )


def resources(portfolio: Portfolio, project_id: str | None = None) -> Demo:
    """One project's team load by week vs the shared capacity by role and month."""
    proj = _project(portfolio, project_id)
    pid = str(proj["project_id"])
    weekly = project_load_by_week(portfolio, pid)
    opt_pm, opt_pmo = _optimum_metrics(portfolio, pid)
    team = portfolio.assignments[
        portfolio.assignments["task_id"].isin(
            portfolio.tasks[portfolio.tasks["project_id"] == pid]["task_id"]
        )
    ]
    pm = Lens(
        metrics={
            "m.team": int(team["resource_id"].nunique()),
            "m.peak_week_pct": _f(100 * weekly["utilisation"].max() if len(weekly) else 0, 0),
            "m.weeks_over_capacity": int((weekly["utilisation"] > 1).sum()),
            **opt_pm,
        },
        data=weekly.rename(columns={"week": "period"}),
        chart="load",
        titles={"title": "t.project_load", "x": "c.week", "y": "c.hours"},
    )
    heat = _once("role_month_load", role_month_load, portfolio)
    over = heat[heat["utilisation"] > 1]
    peak = heat.loc[heat["utilisation"].idxmax()] if len(heat) else None
    pmo = Lens(
        metrics={
            "m.roles": int(heat["role"].nunique()),
            "m.overloaded_cells": len(over),
            "m.peak_role_month_pct": _f(100 * peak["utilisation"] if peak is not None else 0, 0),
            "m.peak_role_month": f"{peak['role']} {peak['month']}" if peak is not None else "-",
            **opt_pmo,
        },
        data=heat,
        chart="heat",
        titles={"title": "t.shared_capacity", "x": "c.month", "y": "c.role"},
    )
    return Demo("resources", pid, pm, pmo)


# ------------------------------------------------------- 8. constraints vs standards
def constraints_vs_standards(portfolio: Portfolio, project_id: str | None = None) -> Demo:
    """Scope, schedule, cost and quality of one project vs the PMO's rules and dependencies.

    The project's figures are its row of :func:`pmkit.portfolio.rollup.rollup` (the same the
    PMO lens judges); the PMO side adds the rules, the dependency network and the exposure.
    """
    proj = _project(portfolio, project_id)
    pid = str(proj["project_id"])
    roll = rollup(portfolio)
    me = roll[roll["project_id"] == pid].iloc[0]
    tasks = portfolio.tasks[(portfolio.tasks["project_id"] == pid) & ~portfolio.tasks["is_summary"]]
    scope_pct = 100 * float(me["approved_change_ratio"])
    register = _open_risks(portfolio)
    quality = register[(register["project_id"] == pid) & (register["category"] == "technical")]
    slip = _f(me["finish_slip_days"], 0)
    constraints = pd.DataFrame(
        [
            {"constraint": "scope", "figure": "m.scope_change_pct", "value": _f(scope_pct, 1)},
            {"constraint": "schedule", "figure": "m.slip_days", "value": slip},
            {"constraint": "cost", "figure": "m.cpi", "value": _f(me["cpi"])},
            {"constraint": "quality", "figure": "m.open_technical_risks", "value": len(quality)},
        ]
    )  # fmt: skip
    pm = Lens(
        metrics={
            "m.tasks": len(tasks),
            "m.scope_change_pct": _f(scope_pct, 1),
            "m.slip_days": slip,
            "m.cpi": _f(me["cpi"]),
            "m.eac": _f(me["eac"], 0),
            "m.open_technical_risks": len(quality),
        },
        table=constraints,
    )
    rules = _rules(portfolio)
    edges = _links(portfolio)
    threats = register[register["kind"] == "threat"]
    shared_cats = threats.groupby("category")["project_id"].nunique()
    pmo = Lens(
        metrics={
            "m.rag_rules": len(rules),
            "m.cross_dependencies": int(edges["n_links"].sum()) if len(edges) else 0,
            "m.dependent_pairs": len(edges),
            "m.portfolio_exposure": _f(roll["threat_exposure"].sum(), 0),
            "m.risk_categories_shared": int((shared_cats > 1).sum()),
        },
        data=pd.DataFrame(
            {
                "label": edges["pred_project"] + " → " + edges["succ_project"],
                "value": edges["n_links"],
                "highlight": (edges["pred_project"] == pid) | (edges["succ_project"] == pid),
            }
        ),
        chart="bars",
        titles={"title": "t.cross_dependencies", "x": "c.links", "y": "c.dependency"},
        table=rules,
    )
    return Demo("constraints_vs_standards", pid, pm, pmo)


DEMOS: dict[str, Callable[..., Demo]] = {
    "at_a_glance": at_a_glance,
    "shared_standards": shared_standards,
    "pmo_types": pmo_types,
    "project_lifecycle": project_lifecycle,
    "strategy_alignment": strategy_alignment,
    "change_impact": change_impact,
    "resources": resources,
    "constraints_vs_standards": constraints_vs_standards,
}
"""Demo id (as named in ``lessons.yaml``) -> the function computing it."""


def run_demo(
    demo_id: str, portfolio: Portfolio, project_id: str | None = None, **opts: Any
) -> Demo:
    """Compute one demo by id (``KeyError`` names the known ids)."""
    if demo_id not in DEMOS:
        raise KeyError(f"unknown demo {demo_id!r}; known: {sorted(DEMOS)}")
    return DEMOS[demo_id](portfolio, project_id, **opts)
