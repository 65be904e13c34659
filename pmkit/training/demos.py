"""The engine side of the lessons' live demos: the same question, through the PM and PMO lenses.

Each distinction of the course (see ``lessons.yaml``) has one demo. A demo returns a
:class:`Demo` with two :class:`Lens` panels computed from a real portfolio: the PM's (one
project) and the PMO's (every project). A panel carries headline numbers (``metrics``, keyed by
label keys of ``labels.yaml`` so the UI can translate them), a tidy table for a chart
(``data`` + ``chart`` kind, drawn by :mod:`pmkit.charts.training`) and optionally a table to
show as is (``table``; its columns are translated by ``c.<column>`` labels).

The figures come from the PM and PMO engines (earned value, gate compliance, capacity,
dependencies) where those exist; where an engine cannot answer, the figure is computed here from
the portfolio's tables with pandas, so every demo shows real numbers from the sample.

No widgets, no charts here: this module is an engine (``tests/unit/test_architecture.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from pmkit.model import Portfolio

__all__ = [
    "CHECKS",
    "DEMOS",
    "PMO_TYPES",
    "Demo",
    "Lens",
    "check_failures",
    "check_modes",
    "default_pmo_type",
    "default_project",
    "gate_standard",
    "governance_checks",
    "rag_rules",
    "run_demo",
]

log = logging.getLogger("pmkit.training")

Number = float | int


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
        raise KeyError(f"unknown project {pid!r}")
    return hit.iloc[0]


def _latest_snapshot(portfolio: Portfolio, pid: str) -> pd.Series | None:
    s = portfolio.snapshots[portfolio.snapshots["project_id"] == pid]
    status = portfolio.status_date
    if status is not None:
        s = s[s["report_date"] <= status]
    return None if s.empty else s.sort_values("report_date").iloc[-1]


def _f(value: Any, digits: int = 2) -> float:
    """A plain float (NaN stays NaN), rounded for display tables and tests alike."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return v if np.isnan(v) else round(v, digits)


PMO_TYPES: tuple[str, ...] = ("supportive", "controlling", "directive")
CHECKS: tuple[str, ...] = (
    "gate_artefacts",
    "rag_red_escalation",
    "significant_change_board",
    "risk_register_review",
    "monthly_status_report",
)
"""Governance checks a PMO may run; its type says which ones warn and which ones block."""


def _raw(portfolio: Portfolio) -> dict[str, Any]:
    return dict(getattr(portfolio, "standards", {}) or {})


def rag_rules(portfolio: Portfolio) -> pd.DataFrame:
    """The PMO's RAG thresholds: ``dimension, metric, amber, red`` (amber/red: where it turns).

    Read by the PMO engine (:func:`pmkit.portfolio.standards.standards_of`) when it accepts the
    file; otherwise read here from ``standards.yaml``'s ``green/amber`` or ``amber/red`` keys.
    """
    try:
        from pmkit.portfolio.standards import standards_of

        return standards_of(portfolio).rule_table()[["dimension", "metric", "amber", "red"]]
    except Exception:  # the engine rejects this file's shape: read the thresholds ourselves
        log.info("standards_of rejected standards.yaml; reading RAG thresholds directly")
    rows: list[dict[str, Any]] = []

    def add(dim: str, metric: str, spec: Any) -> None:
        if not isinstance(spec, dict):
            return
        if "green" in spec and "amber" in spec and "red" not in spec:
            rows.append(
                {"dimension": dim, "metric": metric, "amber": spec["green"], "red": spec["amber"]}
            )
        elif "amber" in spec and "red" in spec:
            rows.append(
                {"dimension": dim, "metric": metric, "amber": spec["amber"], "red": spec["red"]}
            )

    rag = _raw(portfolio).get("rag") or {}
    for dim, spec in rag.items():
        for entry in spec if isinstance(spec, list) else [spec]:
            if not isinstance(entry, dict):
                continue
            add(str(dim), str(entry.get("metric", dim)), entry)
            for key, sub in entry.items():
                if isinstance(sub, dict):
                    add(str(dim), str(key), sub)
    return pd.DataFrame(rows, columns=["dimension", "metric", "amber", "red"])


def gate_standard(portfolio: Portfolio) -> dict[str, list[str]]:
    """Required artefacts per gate in the PMO's standard (``{"G0": ["business case"], ...}``)."""
    gates = _raw(portfolio).get("gates") or {}
    out: dict[str, list[str]] = {}
    for gate, spec in gates.items():
        arts = spec.get("required", []) if isinstance(spec, dict) else spec
        out[str(gate)] = [str(a) for a in (arts or [])]
    return out


def default_pmo_type(portfolio: Portfolio) -> str:
    """The organisation's PMO type in ``standards.yaml`` (controlling when unset)."""
    t = str(_raw(portfolio).get("pmo_type") or "controlling")
    return t if t in PMO_TYPES else "controlling"


def check_modes(portfolio: Portfolio) -> pd.DataFrame:
    """How each PMO type treats each check: rows = checks, columns = types, cells
    ``blocking`` / ``advisory`` / ``off`` (``standards.yaml`` ``pmo_types``)."""
    types = _raw(portfolio).get("pmo_types") or {}
    table: dict[str, dict[str, str]] = {}
    for t in PMO_TYPES:
        spec = types.get(t) or {}
        checks = spec.get("checks")
        if isinstance(checks, dict):
            modes = {c: str(checks.get(c, "off")) for c in CHECKS}
        else:  # the engine's shape: a list of blocking artefacts, or "all"
            blocking = spec.get("blocking", [])
            gate = "blocking" if blocking == "all" or blocking else "advisory"
            every = "blocking" if blocking == "all" else "advisory"
            modes = {c: (gate if c == "gate_artefacts" else every) for c in CHECKS}
        table[t] = modes
    return pd.DataFrame(table).reindex(list(CHECKS)).rename_axis("check")


def _cross_links(portfolio: Portfolio) -> pd.DataFrame:
    """Links whose two tasks belong to different projects: ``pred_project, succ_project, links``."""
    owner = portfolio.tasks.set_index("task_id")["project_id"]
    links = portfolio.links.assign(
        pred_project=portfolio.links["pred_id"].map(owner),
        succ_project=portfolio.links["succ_id"].map(owner),
    )
    cross = links[links["pred_project"] != links["succ_project"]]
    return (
        cross.groupby(["pred_project", "succ_project"], as_index=False)
        .size()
        .rename(columns={"size": "links"})
        .sort_values(["pred_project", "succ_project"], ignore_index=True)
    )


# --------------------------------------------------------------------- 1. at a glance
def at_a_glance(portfolio: Portfolio, project_id: str | None = None) -> Demo:
    """One project's key facts next to the whole portfolio's."""
    proj = _project(portfolio, project_id)
    pid = str(proj["project_id"])
    tasks = portfolio.tasks[portfolio.tasks["project_id"] == pid]
    team = portfolio.assignments[portfolio.assignments["task_id"].isin(tasks["task_id"])]
    snap = _latest_snapshot(portfolio, pid)
    leaf = tasks[~tasks["is_summary"]]
    pm = Lens(
        metrics={
            "m.budget": _f(proj["budget"], 0),
            "m.tasks": len(leaf),
            "m.team": int(team["resource_id"].nunique()),
            "m.percent_complete": _f(snap["percent_complete"] if snap is not None else 0, 1),
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
def _gate_table(portfolio: Portfolio) -> pd.DataFrame:
    """The gate artefacts the standard requires (``required`` rows of ``stage_gates.csv``)."""
    g = portfolio.gates
    return g[g["required"]]


def shared_standards(portfolio: Portfolio, project_id: str | None = None) -> Demo:
    """One project's gate artefacts next to the same standard checked across the portfolio."""
    proj = _project(portfolio, project_id)
    pid = str(proj["project_id"])
    req = _gate_table(portfolio)
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
    per_project = (
        req.groupby("project_id", as_index=False)
        .agg(required=("artefact", "size"), done=("done", "sum"))
        .assign(value=lambda d: (100 * d["done"] / d["required"]).round(1))
    )
    rules = rag_rules(portfolio)
    pmo = Lens(
        metrics={
            "m.projects": int(portfolio.projects["project_id"].nunique()),
            "m.standard_artefacts": sum(len(a) for a in gate_standard(portfolio).values()),
            "m.rag_rules": len(rules),
            "m.compliance_pct": _f(100 * req["done"].mean() if len(req) else float("nan"), 1),
        },
        data=per_project.rename(columns={"project_id": "label"})[["label", "value"]].assign(
            highlight=lambda d: d["label"] == pid
        ),
        chart="bars",
        titles={"title": "t.compliance_by_project", "x": "c.compliance_pct", "y": "c.project"},
        table=rules,
    )
    return Demo("shared_standards", pid, pm, pmo)


# ------------------------------------------------------------------------ 3. PMO types
def check_failures(portfolio: Portfolio) -> pd.DataFrame:
    """Which project fails which governance check, with the evidence (type-independent).

    One row per project and check: ``project_id, check, fails, evidence``. The checks:
    ``gate_artefacts`` (a required artefact of a gate already passed or due is not done),
    ``rag_red_escalation`` (SPI or CPI past the red threshold), ``significant_change_board``
    (a significant change awaits the board), ``risk_register_review`` (an open risk escalated to
    the PMO), ``monthly_status_report`` (no report in the 35 days before the status date).
    """
    from pmkit.evm import evm_rollup
    from pmkit.model import PHASES

    projects = portfolio.projects
    status = portfolio.status_date or pd.Timestamp.today().normalize()
    g = portfolio.gates[portfolio.gates["required"]]
    phase_rank = {ph: i for i, ph in enumerate(PHASES)}
    g = g.assign(
        due=g["phase"].map(phase_rank).fillna(99)
        <= g["project_id"].map(projects.set_index("project_id")["phase"].map(phase_rank))
    )
    gaps = g[g["due"] & ~g["done"]].groupby("project_id")["artefact"].agg(", ".join)
    roll = evm_rollup(portfolio).set_index("project_id")
    rules = rag_rules(portfolio)

    def red_of(metric: str) -> float:
        hit = rules[rules["metric"] == metric]
        return float(hit["red"].iloc[0]) if len(hit) else 0.85

    spi_red, cpi_red = red_of("spi"), red_of("cpi")
    ch = portfolio.changes
    pending = (
        ch[(ch["significance"] == "significant") & (ch["decision"] == "pending")]
        .groupby("project_id")["cr_id"]
        .agg(", ".join)
    )
    r = portfolio.risks
    escalated = (
        r[(r["status"] == "open") & (r["response"] == "escalate")]
        .groupby("project_id")["risk_id"]
        .agg(", ".join)
    )
    last = portfolio.snapshots[portfolio.snapshots["report_date"] <= status]
    last_report = last.groupby("project_id")["report_date"].max()
    rows = []
    for pid, phase in zip(projects["project_id"], projects["phase"], strict=True):
        spi = roll["spi"].get(pid, float("nan"))
        cpi = roll["cpi"].get(pid, float("nan"))
        red = []
        if spi < spi_red:
            red.append(f"SPI {spi:.2f} < {spi_red:g}")
        if cpi < cpi_red:
            red.append(f"CPI {cpi:.2f} < {cpi_red:g}")
        lr = last_report.get(pid)
        late = phase != "closed" and (lr is None or (status - lr).days > 35)
        evidence = {
            "gate_artefacts": gaps.get(pid, ""),
            "rag_red_escalation": ", ".join(red),
            "significant_change_board": pending.get(pid, ""),
            "risk_register_review": escalated.get(pid, ""),
            "monthly_status_report": (
                ("—" if lr is None else pd.Timestamp(lr).strftime("%Y-%m-%d")) if late else ""
            ),
        }
        for check in CHECKS:
            rows.append(
                {
                    "project_id": pid,
                    "check": check,
                    "fails": bool(evidence[check]),
                    "evidence": evidence[check],
                }
            )
    return pd.DataFrame(rows)


def governance_checks(portfolio: Portfolio, pmo_type: str) -> pd.DataFrame:
    """Every project's governance verdict under ``pmo_type``.

    Columns: ``project_id, failing`` (checks failed), ``blocking`` (those the type makes
    blocking), ``state``: ``blocked`` (a blocking check fails), ``advisory`` (only warnings) or
    ``compliant``. Switching the type changes ``blocking`` and ``state``, never the evidence.
    """
    if pmo_type not in PMO_TYPES:
        raise KeyError(f"unknown PMO type {pmo_type!r}; known: {list(PMO_TYPES)}")
    modes = check_modes(portfolio)[pmo_type]
    f = check_failures(portfolio)
    f = f[f["fails"]].assign(mode=lambda d: d["check"].map(modes))
    rows = []
    for pid in portfolio.projects["project_id"]:
        mine = f[(f["project_id"] == pid) & (f["mode"] != "off")]
        blocking = mine[mine["mode"] == "blocking"]["check"].tolist()
        failing = mine["check"].tolist()
        state = "blocked" if blocking else ("advisory" if failing else "compliant")
        rows.append(
            {
                "project_id": pid,
                "failing": ", ".join(failing),
                "blocking": ", ".join(blocking),
                "state": state,
            }
        )
    return pd.DataFrame(rows)


def pmo_types(
    portfolio: Portfolio, project_id: str | None = None, *, pmo_type: str | None = None
) -> Demo:
    """The same governance gaps, judged by a supportive, a controlling and a directive PMO."""
    proj = _project(portfolio, project_id)
    pid = str(proj["project_id"])
    chosen = pmo_type or default_pmo_type(portfolio)
    modes = check_modes(portfolio)
    fails = check_failures(portfolio)
    mine = fails[fails["project_id"] == pid].assign(mode=lambda d: d["check"].map(modes[chosen]))
    pm = Lens(
        metrics={
            "m.failed_checks": int(mine["fails"].sum()),
            "m.blocking_checks": int((mine["fails"] & (mine["mode"] == "blocking")).sum()),
            "m.pmo_type": chosen,
        },
        table=mine[["check", "fails", "evidence", "mode"]].reset_index(drop=True),
    )
    verdicts = {t: governance_checks(portfolio, t) for t in PMO_TYPES}
    counts = [
        {"label": t, "group": state, "value": int((v["state"] == state).sum())}
        for t, v in verdicts.items()
        for state in ("blocked", "advisory", "compliant")
    ]
    current = verdicts[chosen]["state"].value_counts()
    pmo = Lens(
        metrics={
            "m.pmo_type": chosen,
            "m.blocked_projects": int(current.get("blocked", 0)),
            "m.advisory_projects": int(current.get("advisory", 0)),
            "m.compliant_projects": int(current.get("compliant", 0)),
        },
        data=pd.DataFrame(counts).assign(highlight=lambda d: d["label"] == chosen),
        chart="bars",
        titles={
            "title": "t.gates_by_type",
            "x": "c.projects",
            "y": "c.pmo_type",
            "group": "c.state",
        },
        table=verdicts[chosen],
    )
    return Demo("pmo_types", pid, pm, pmo, {"pmo_type": chosen, "modes": modes})


# ----------------------------------------------------------------- 4. project life cycle
def project_lifecycle(portfolio: Portfolio, project_id: str | None = None) -> Demo:
    """One project's earned value over its reports (the PM runs it) vs phases across projects."""
    from pmkit.evm import evm_rollup, evm_series

    proj = _project(portfolio, project_id)
    pid = str(proj["project_id"])
    series = evm_series(portfolio, pid)
    lines = (
        series[["report_date", "pv", "ev", "ac"]]
        .melt("report_date", var_name="group", value_name="value")
        .assign(group=lambda d: d["group"].str.upper())
        .rename(columns={"report_date": "date"})
    )
    roll = evm_rollup(portfolio)
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
    from pmkit.model import PHASES

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
        },
        data=per_obj.rename(columns={"strategic_objective": "label", "budget": "value"})[
            ["label", "value"]
        ].assign(highlight=lambda d: d["label"] == proj["strategic_objective"]),
        chart="bars",
        titles={"title": "t.budget_by_objective", "x": "c.budget", "y": "c.objective"},
        table=per_obj,
    )
    return Demo("strategy_alignment", pid, pm, pmo)


# ------------------------------------------------------------------ 6. change impact
def default_change(portfolio: Portfolio) -> str:
    """The change request a lesson opens on: the costliest significant one."""
    c = portfolio.changes
    sig = c[c["significance"] == "significant"]
    pick = (sig if len(sig) else c).sort_values("cost_impact", ascending=False)
    return str(pick["cr_id"].iloc[0])


def change_impact(
    portfolio: Portfolio, project_id: str | None = None, *, cr_id: str | None = None
) -> Demo:
    """A change request's effect on its project vs the change board's view by objective."""
    changes = portfolio.changes
    if cr_id is None:
        if project_id is not None and (changes["project_id"] == project_id).any():
            mine = changes[changes["project_id"] == project_id]
            cr_id = str(mine.sort_values("cost_impact", ascending=False)["cr_id"].iloc[0])
        else:
            cr_id = default_change(portfolio)
    cr = changes[changes["cr_id"] == cr_id].iloc[0]
    pid = str(cr["project_id"])
    proj = _project(portfolio, pid)
    finish_delta = float("nan")
    try:
        from pmkit.schedule.whatif import preview_change_request  # type: ignore[import-not-found]

        preview = preview_change_request(portfolio, cr_id)
        finish_delta = float(getattr(preview, "finish_delta_days", float("nan")))
    except ImportError:
        pass
    except Exception:
        log.exception("preview_change_request failed; showing the request's own figures")
    mine = changes[changes["project_id"] == pid]
    approved = mine[mine["decision"] == "approved"]
    pm = Lens(
        metrics={
            "m.change": f"{cr_id} · {cr['title']}",
            "m.cost_impact": _f(cr["cost_impact"], 0),
            "m.cost_impact_pct": _f(100 * cr["cost_impact"] / proj["budget"], 1)
            if proj["budget"]
            else float("nan"),
            "m.schedule_impact_days": _f(cr["schedule_impact_days"], 1),
            "m.finish_delta_days": _f(finish_delta, 1),
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
    sig = changes[changes["significance"] == "significant"]
    board = (
        sig.groupby(["objective", "decision"], as_index=False)
        .agg(value=("cost_impact", "sum"), count=("cr_id", "size"))
        .rename(columns={"objective": "label", "decision": "group"})
    )
    pmo = Lens(
        metrics={
            "m.significant_changes": len(sig),
            "m.pending_significant": int((sig["decision"] == "pending").sum()),
            "m.significant_cost": _f(sig["cost_impact"].sum(), 0),
            "m.objectives": int(sig["objective"].nunique()),
        },
        data=board,
        chart="bars",
        titles={"title": "t.changes_by_objective", "x": "c.cost_impact", "y": "c.objective",
                "group": "c.decision"},
        table=sig[["cr_id", "project_id", "objective", "cost_impact", "decision"]].reset_index(
            drop=True
        ),
    )  # fmt: skip
    return Demo("change_impact", pid, pm, pmo, {"cr_id": cr_id})


# ---------------------------------------------------------------------- 7. resources
def _demand_by_day(portfolio: Portfolio, task_ids: pd.Series | None = None) -> pd.DataFrame:
    """Hours each resource is asked for on each working day, spread over the tasks' baselines.

    ``resource_id, project_id, day, hours``: units x the resource's hours per day on every
    weekday between baseline start and finish (the plan both lenses share).
    """
    t = portfolio.tasks[~portfolio.tasks["is_summary"]]
    if task_ids is not None:
        t = t[t["task_id"].isin(task_ids)]
    t = t.dropna(subset=["baseline_start", "baseline_finish"])
    a = portfolio.assignments.merge(
        t[["task_id", "project_id", "baseline_start", "baseline_finish"]]
    )
    a = a.merge(portfolio.resources[["resource_id", "capacity_hours_per_day"]], on="resource_id")
    if a.empty:
        return pd.DataFrame(columns=["resource_id", "project_id", "day", "hours"])
    days = [
        pd.bdate_range(s, f) for s, f in zip(a["baseline_start"], a["baseline_finish"], strict=True)
    ]
    n = np.array([len(d) for d in days])
    out = pd.DataFrame(
        {
            "resource_id": np.repeat(a["resource_id"].to_numpy(), n),
            "project_id": np.repeat(a["project_id"].to_numpy(), n),
            "day": np.concatenate([d.to_numpy() for d in days]) if n.sum() else [],
            "hours": np.repeat((a["units"] * a["capacity_hours_per_day"]).to_numpy(), n),
        }
    )
    return out


def project_load_by_week(portfolio: Portfolio, project_id: str) -> pd.DataFrame:
    """The project's demand on its team by week vs that team's capacity (PM's histogram).

    ``week`` (Monday, ``YYYY-MM-DD``), ``demand_hours`` (this project only), ``capacity_hours``
    (the team's weekly hours), ``utilisation``.
    """
    ids = portfolio.tasks[portfolio.tasks["project_id"] == project_id]["task_id"]
    d = _demand_by_day(portfolio, ids)
    team = portfolio.resources[portfolio.resources["resource_id"].isin(d["resource_id"].unique())]
    weekly_cap = float(team["capacity_hours_per_day"].sum() * 5)
    if d.empty:
        return pd.DataFrame(columns=["week", "demand_hours", "capacity_hours", "utilisation"])
    d = d.assign(week=(d["day"] - pd.to_timedelta(d["day"].dt.day_of_week, unit="D")))
    w = d.groupby("week", as_index=False)["hours"].sum().rename(columns={"hours": "demand_hours"})
    w["capacity_hours"] = weekly_cap
    w["utilisation"] = (w["demand_hours"] / weekly_cap).round(3)
    w["week"] = w["week"].dt.strftime("%Y-%m-%d")
    return w.round({"demand_hours": 1})


def role_month_load(portfolio: Portfolio) -> pd.DataFrame:
    """Every project's demand by role and month vs the role's capacity (PMO's heat map).

    ``role, month`` (``YYYY-MM``), ``demand_hours``, ``capacity_hours``, ``utilisation``.
    The PMO engine's ``capacity_by_role_month`` is used when it can answer.
    """
    try:
        from pmkit.portfolio.capacity import capacity_by_role_month  # type: ignore[import-not-found]

        out = capacity_by_role_month(portfolio)
        if "utilisation" not in out.columns and "load_pct" in out.columns:
            out = out.assign(utilisation=(out["load_pct"] / 100).round(3))
        need = ["role", "month", "demand_hours", "capacity_hours", "utilisation"]
        if isinstance(out, pd.DataFrame) and set(need) <= set(out.columns):
            out = out[need].copy()
            out["month"] = pd.to_datetime(out["month"]).dt.strftime("%Y-%m")
            return out[out["demand_hours"] > 0].reset_index(drop=True)
    except ImportError:
        pass
    except Exception:
        log.exception("capacity_by_role_month failed; using the training fallback")
    d = _demand_by_day(portfolio)
    if d.empty:
        return pd.DataFrame(
            columns=["role", "month", "demand_hours", "capacity_hours", "utilisation"]
        )
    res = portfolio.resources.set_index("resource_id")
    d = d.assign(role=d["resource_id"].map(res["role"]), month=d["day"].dt.strftime("%Y-%m"))
    demand = d.groupby(["role", "month"], as_index=False)["hours"].sum()
    months = sorted(demand["month"].unique())
    workdays = {
        m: len(
            pd.bdate_range(
                pd.Timestamp(m + "-01"), pd.Timestamp(m + "-01") + pd.offsets.MonthEnd(0)
            )
        )
        for m in months
    }
    cap_role = res.groupby("role")["capacity_hours_per_day"].sum()
    demand["capacity_hours"] = [
        float(cap_role[r] * workdays[m])
        for r, m in zip(demand["role"], demand["month"], strict=True)
    ]
    demand = demand.rename(columns={"hours": "demand_hours"})
    demand["utilisation"] = (demand["demand_hours"] / demand["capacity_hours"]).round(3)
    return demand.round({"demand_hours": 1})


def resources(portfolio: Portfolio, project_id: str | None = None) -> Demo:
    """One project's team load by week vs the shared capacity by role and month."""
    proj = _project(portfolio, project_id)
    pid = str(proj["project_id"])
    weekly = project_load_by_week(portfolio, pid)
    pm = Lens(
        metrics={
            "m.team": int(
                portfolio.assignments[
                    portfolio.assignments["task_id"].isin(
                        portfolio.tasks[portfolio.tasks["project_id"] == pid]["task_id"]
                    )
                ]["resource_id"].nunique()
            ),
            "m.peak_week_pct": _f(100 * weekly["utilisation"].max() if len(weekly) else 0, 0),
            "m.weeks_over_capacity": int((weekly["utilisation"] > 1).sum()),
        },
        data=weekly.rename(columns={"week": "period"}),
        chart="load",
        titles={"title": "t.project_load", "x": "c.week", "y": "c.hours"},
    )
    heat = role_month_load(portfolio)
    over = heat[heat["utilisation"] > 1]
    pmo = Lens(
        metrics={
            "m.roles": int(heat["role"].nunique()),
            "m.overloaded_cells": len(over),
            "m.peak_role_month_pct": _f(100 * heat["utilisation"].max() if len(heat) else 0, 0),
            "m.peak_role_month": (
                f"{heat.loc[heat['utilisation'].idxmax(), 'role']} "
                f"{heat.loc[heat['utilisation'].idxmax(), 'month']}"
                if len(heat)
                else "-"
            ),
        },
        data=heat,
        chart="heat",
        titles={"title": "t.shared_capacity", "x": "c.month", "y": "c.role"},
    )
    return Demo("resources", pid, pm, pmo)


# ------------------------------------------------------- 8. constraints vs standards
def constraints_vs_standards(portfolio: Portfolio, project_id: str | None = None) -> Demo:
    """Scope, schedule, cost and quality of one project vs the PMO's rules and dependencies."""
    from pmkit.evm import evm_rollup

    proj = _project(portfolio, project_id)
    pid = str(proj["project_id"])
    roll = evm_rollup(portfolio)
    me = roll[roll["project_id"] == pid].iloc[0]
    tasks = portfolio.tasks[(portfolio.tasks["project_id"] == pid) & ~portfolio.tasks["is_summary"]]
    snap = _latest_snapshot(portfolio, pid)
    slip = float("nan")
    if snap is not None and pd.notna(snap["forecast_finish"]):
        slip = float(
            np.busday_count(
                pd.Timestamp(proj["finish_baseline"]).date(),
                pd.Timestamp(snap["forecast_finish"]).date(),
            )
        )
    ch = portfolio.changes[portfolio.changes["project_id"] == pid]
    scope_pct = (
        100 * ch[ch["decision"] == "approved"]["cost_impact"].sum() / proj["budget"]
        if proj["budget"]
        else float("nan")
    )
    risks = portfolio.risks[
        (portfolio.risks["project_id"] == pid) & (portfolio.risks["status"] == "open")
    ]
    quality = risks[risks["category"] == "technical"]
    constraints = pd.DataFrame(
        [
            {"constraint": "scope", "figure": "m.scope_change_pct", "value": _f(scope_pct, 1)},
            {"constraint": "schedule", "figure": "m.slip_days", "value": _f(slip, 0)},
            {"constraint": "cost", "figure": "m.cpi", "value": _f(me["cpi"])},
            {"constraint": "quality", "figure": "m.open_technical_risks", "value": len(quality)},
        ]
    )
    pm = Lens(
        metrics={
            "m.tasks": len(tasks),
            "m.scope_change_pct": _f(scope_pct, 1),
            "m.slip_days": _f(slip, 0),
            "m.cpi": _f(me["cpi"]),
            "m.eac": _f(me["eac"], 0),
            "m.open_technical_risks": len(quality),
        },
        table=constraints,
    )
    rules = rag_rules(portfolio)
    cross = _cross_links(portfolio)
    open_threats = portfolio.risks[
        (portfolio.risks["status"] == "open") & (portfolio.risks["kind"] == "threat")
    ]
    exposure = float((open_threats["probability"] * open_threats["cost_impact"]).sum())
    shared_cats = open_threats.groupby("category")["project_id"].nunique()
    pmo = Lens(
        metrics={
            "m.rag_rules": len(rules),
            "m.cross_dependencies": int(cross["links"].sum()) if len(cross) else 0,
            "m.dependent_pairs": len(cross),
            "m.portfolio_exposure": _f(exposure, 0),
            "m.risk_categories_shared": int((shared_cats > 1).sum()),
        },
        data=cross.assign(
            label=cross["pred_project"] + " → " + cross["succ_project"],
            value=cross["links"],
            highlight=(cross["pred_project"] == pid) | (cross["succ_project"] == pid),
        )[["label", "value", "highlight"]],
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
