"""Governance: stage-gate compliance, the PMO's other checks, and a compliance score per project.

The PMO type (``supportive``, ``controlling``, ``directive`` in ``standards.yaml``) sets each
check to ``blocking``, ``advisory`` or ``off``; switching it changes which gaps stop a gate and
which are only shown, never the facts themselves.

Checks (per project)
--------------------
- ``gate_artefacts``: every artefact the standard (or the project's ``stage_gates.csv`` row)
  requires at the gates the project has reached is done. A gate is reached when the phase it
  opens is the project's phase or an earlier one.
- ``significant_change_board``: no significant change request is still waiting for the board.
- ``rag_red_escalation``: the project is not red overall (a red project must be escalated).
- ``risk_register_review``: an active project has a risk register (at least one risk recorded).
- ``monthly_status_report``: an active project reported within ``status_report_max_age_days``
  of the status date (its first report is due that many days after its start).

Score: each check that is not ``off`` weighs 1; ``gate_artefacts`` counts the share of required
artefacts done, the others 1 when passed; ``compliance_score`` = 100 x total / number of checks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pmkit.format import fmt_date
from pmkit.model import Portfolio
from pmkit.portfolio.decisions import apply_decisions, significance
from pmkit.portfolio.rollup import rollup_on_schedule
from pmkit.standards import CHECKS, Standards, standards_of
from pmkit.vocabulary import PHASES

__all__ = ["compliance_score", "gate_compliance", "gate_summary", "governance_checks"]

_PHASE_RANK = {p: i for i, p in enumerate(PHASES)}


def _required_rows(portfolio: Portfolio, std: Standards) -> pd.DataFrame:
    """Every (project, reached gate, artefact) with ``required`` and ``done``."""
    p = portfolio.projects
    gate_phase = std.gate_phase
    gates = list(std.gate_artefacts)
    rank = p["phase"].map(_PHASE_RANK).to_numpy(dtype=float)
    # standard requirements: project x reached gate x artefact
    g_rank = np.array([_PHASE_RANK.get(gate_phase.get(g, ""), 99) for g in gates], dtype=float)
    reached = rank[:, None] >= g_rank[None, :]
    pi, gi = np.nonzero(reached)
    std_rows = []
    for g_idx, gate in enumerate(gates):
        arts = std.gate_artefacts[gate]
        sel = pi[gi == g_idx]
        for art in arts:
            std_rows.append(
                pd.DataFrame(
                    {"project_id": p["project_id"].to_numpy()[sel], "gate": gate, "artefact": art}
                )
            )
    std_req = (
        pd.concat(std_rows, ignore_index=True)
        if std_rows
        else pd.DataFrame(columns=["project_id", "gate", "artefact"])
    )
    g = portfolio.gates
    recorded = pd.DataFrame(
        {
            "project_id": g["project_id"].to_numpy(),
            "gate": g["gate"].to_numpy(),
            "artefact": g["artefact"].astype(str).str.strip().str.lower().to_numpy(),
            "required_file": g["required"].to_numpy(dtype=bool),
            "done": g["done"].to_numpy(dtype=bool),
        }
    )
    prank = recorded["project_id"].map(dict(zip(p["project_id"], rank, strict=True)))
    grank = recorded["gate"].map(lambda x: _PHASE_RANK.get(gate_phase.get(x, ""), 99))
    recorded = recorded[(prank >= grank).to_numpy()]
    std_req = std_req.assign(required_std=True)
    out = std_req.merge(recorded, on=["project_id", "gate", "artefact"], how="outer")
    out["required"] = out["required_std"].fillna(False).astype(bool) | out["required_file"].fillna(
        False
    ).astype(bool)
    out["done"] = out["done"].fillna(False).astype(bool)
    out["gate_phase"] = out["gate"].map(gate_phase).fillna("")
    return out.drop(columns=["required_std", "required_file"])


def gate_compliance(portfolio: Portfolio, *, pmo_type: str | None = None) -> pd.DataFrame:
    """Artefact-level gate checks of every project at the gates it has reached.

    Parameters
    ----------
    portfolio : Portfolio
    pmo_type : str, optional
        ``supportive``, ``controlling`` or ``directive`` (default: ``standards.yaml``'s).

    Returns
    -------
    DataFrame
        One row per project x reached gate x artefact: ``project_id, gate, gate_phase, artefact,
        required, done, missing`` (required and not done), ``mode`` (the ``gate_artefacts``
        check's mode under ``pmo_type``), ``blocking`` (missing and the mode blocks) and
        ``gate_status`` of the row's gate: ``pass`` (nothing required missing), ``advisory``
        (gaps that do not block) or ``blocked``.
    """
    std = standards_of(portfolio)
    mode = std.check_modes(pmo_type)["gate_artefacts"]
    out = _required_rows(portfolio, std)
    out["missing"] = out["required"] & ~out["done"]
    out["mode"] = mode
    out["blocking"] = out["missing"] & (mode == "blocking")
    key = ["project_id", "gate"]
    any_missing = out.groupby(key)["missing"].transform("any").to_numpy(copy=True)
    any_block = out.groupby(key)["blocking"].transform("any").to_numpy()
    if mode == "off":
        any_missing[:] = False
    out["gate_status"] = np.where(any_block, "blocked", np.where(any_missing, "advisory", "pass"))
    cols = [
        "project_id",
        "gate",
        "gate_phase",
        "artefact",
        "required",
        "done",
        "missing",
        "mode",
        "blocking",
        "gate_status",
    ]
    return out[cols].sort_values(["project_id", "gate", "artefact"]).reset_index(drop=True)


def gate_summary(portfolio: Portfolio, *, pmo_type: str | None = None) -> pd.DataFrame:
    """Per project and reached gate: ``required, done, missing`` (artefact names, ``", "``-joined),
    ``n_required, n_missing`` and ``status`` (pass / advisory / blocked)."""
    rows = gate_compliance(portfolio, pmo_type=pmo_type)
    req = rows[rows["required"]]

    def names(s: pd.Series) -> str:
        return ", ".join(s)

    out = req.groupby(["project_id", "gate"], as_index=False).agg(
        gate_phase=("gate_phase", "first"),
        required=("artefact", names),
        n_required=("artefact", "size"),
        n_missing=("missing", "sum"),
        status=("gate_status", "first"),
    )
    miss = req[req["missing"]].groupby(["project_id", "gate"])["artefact"].agg(names)
    idx = pd.MultiIndex.from_frame(out[["project_id", "gate"]])
    out["missing"] = miss.reindex(idx).fillna("").to_numpy()
    out["n_missing"] = out["n_missing"].astype("int64")
    return out


#: one check of every project: its value (0..1, share passed) and the reason in words
_Check = tuple[np.ndarray, np.ndarray]


def governance_checks(
    portfolio: Portfolio, *, pmo_type: str | None = None, rollup_df: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every governance check per project: passed or not, and its effect under ``pmo_type``.

    Returns
    -------
    DataFrame
        ``project_id, check, mode, passed, value`` (0..1: share passed; fractional for
        ``gate_artefacts``), ``effect`` (``ok``, ``advisory``, ``blocking``, ``off``) and
        ``detail`` (the reason in words).
    """
    portfolio = portfolio.at_status_date()  # reports after the status date did not exist yet
    std = standards_of(portfolio)
    modes = std.check_modes(pmo_type)
    ids = portfolio.projects["project_id"]
    active = (portfolio.projects["phase"] != "closed").to_numpy()
    frames: dict[str, _Check] = {
        "gate_artefacts": _gate_artefacts(portfolio, ids, pmo_type),
        "significant_change_board": _change_board(portfolio, ids, std),
        "rag_red_escalation": _red_escalation(portfolio, ids, rollup_df),
        "risk_register_review": _risk_register(portfolio, ids, active),
        "monthly_status_report": _status_report(portfolio, ids, active, std),
    }
    parts = []
    for check in CHECKS:
        value, detail = frames[check]
        mode = modes[check]
        passed = value >= 1.0 - 1e-12
        effect = np.where(mode == "off", "off", np.where(passed, "ok", mode))
        parts.append(
            pd.DataFrame(
                {
                    "project_id": ids.to_numpy(),
                    "check": check,
                    "mode": mode,
                    "passed": passed,
                    "value": value,
                    "effect": effect,
                    "detail": detail,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _gate_artefacts(portfolio: Portfolio, ids: pd.Series, pmo_type: str | None) -> _Check:
    """The share of required artefacts done at the gates each project has reached."""
    gates = gate_compliance(portfolio, pmo_type=pmo_type)
    req = gates[gates["required"]]
    n_req = ids.map(req.groupby("project_id").size()).fillna(0).to_numpy()
    n_miss = ids.map(req.groupby("project_id")["missing"].sum()).fillna(0).to_numpy()
    share = np.where(n_req > 0, (n_req - n_miss) / np.maximum(n_req, 1), 1.0)
    miss = req[req["missing"]]
    # one string join per project over a Series (no sub-frame per group: 1,000 projects fast)
    miss_txt = (miss["gate"] + ": " + miss["artefact"]).groupby(miss["project_id"]).agg("; ".join)
    txt = ids.map(miss_txt).fillna("").to_numpy(dtype=object)
    return share, np.where(txt == "", "all required artefacts done", "missing " + txt)


def _change_board(portfolio: Portfolio, ids: pd.Series, std: Standards) -> _Check:
    """No significant change request still waiting for the board."""

    ch = apply_decisions(portfolio)
    sig, _ = significance(portfolio, ch, std)
    waiting = ch.loc[sig & (ch["decision"] == "pending").to_numpy(), "project_id"]
    n_wait = ids.map(waiting.value_counts()).fillna(0).to_numpy()
    return (
        (n_wait == 0).astype(float),
        np.where(
            n_wait == 0,
            "no significant change waiting",
            n_wait.astype(int).astype(str).astype(object)
            + " significant change(s) await the board",
        ),
    )


def _red_escalation(portfolio: Portfolio, ids: pd.Series, rollup_df: pd.DataFrame | None) -> _Check:
    """The project is not red overall (the roll-up's RAG)."""
    if rollup_df is None:  # the roll-up every dashboard shows: forecasts from the schedule
        rollup_df = rollup_on_schedule(portfolio)
    r = rollup_df.set_index("project_id")
    red = ids.map(r["rag_overall"]).to_numpy(dtype=object) == "red"
    rule = ids.map(r["overall_rule"]).fillna("").to_numpy(dtype=object)
    return (~red).astype(float), np.where(red, "red, escalate: " + rule, "not red")


def _risk_register(portfolio: Portfolio, ids: pd.Series, active: np.ndarray) -> _Check:
    """An active project has at least one risk recorded."""
    n_risks = ids.map(portfolio.risks.groupby("project_id").size()).fillna(0).to_numpy()
    ok_reg = (n_risks > 0) | ~active
    return ok_reg.astype(float), np.where(ok_reg, "risk register kept", "no risk recorded")


def _status_report(
    portfolio: Portfolio, ids: pd.Series, active: np.ndarray, std: Standards
) -> _Check:
    """An active project reported within ``status_report_max_age_days`` of the status date.

    A project owes its first report only ``status_report_max_age_days`` after its start: one
    that starts after the status date, or started less than that before it, is not late.
    """
    status = portfolio.status_date
    latest = portfolio.snapshots.groupby("project_id")["report_date"].max()
    # mapping onto an empty date series casts to float in pandas: no report yet is NaT
    last = ids.map(latest) if len(latest) else pd.Series(pd.NaT, index=ids.index)
    max_age = float(std.raw["status_report_max_age_days"])
    start = pd.to_datetime(portfolio.projects["start"]).reset_index(drop=True)
    if status is None:
        age = np.where(pd.isna(last).to_numpy(), np.nan, 0.0)
        not_due = np.zeros(len(ids), dtype=bool)
    else:
        age = (status - pd.to_datetime(last)).dt.days.to_numpy(dtype=float)
        since_start = (status - start).dt.days.to_numpy(dtype=float)
        not_due = np.isnan(age) & (since_start <= max_age)
    ok_rep = ~active | not_due | (~np.isnan(age) & (age <= max_age))
    due = np.array([fmt_date(d) for d in start + pd.to_timedelta(max_age, unit="D")], dtype=object)
    age_txt = np.where(
        np.isnan(age),
        "never reported",
        "last report "
        + pd.Series(age).fillna(0).astype(int).astype(str).to_numpy(dtype=object)
        + " days old",
    )
    age_txt = np.where(not_due, "no report due yet (first one by " + due + ")", age_txt)
    return ok_rep.astype(float), age_txt


def compliance_score(
    portfolio_or_checks: Any,
    *,
    pmo_type: str | None = None,
    rollup_df: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A compliance score (0..100) per project under ``pmo_type``.

    Accepts a portfolio, or a table from :func:`governance_checks`.

    Returns
    -------
    DataFrame
        ``project_id, compliance_score, checks, passed, blocking, advisory, state`` (``blocked``
        if a blocking check fails, ``advisory`` if only advisory ones fail, else ``compliant``)
        and ``blocking_reasons``; lowest score first.
    """
    if isinstance(portfolio_or_checks, pd.DataFrame):
        checks = portfolio_or_checks
        if "check" not in checks.columns:  # a gate_compliance table: only its gates count
            g = checks[checks["required"]]
            out = g.groupby("project_id", as_index=False).agg(
                checks=("artefact", "size"),
                passed=("done", "sum"),
                blocking=("blocking", "sum"),
                advisory=("missing", "sum"),
            )
            out["advisory"] = out["advisory"] - out["blocking"]
            out["compliance_score"] = 100.0 * out["passed"] / out["checks"].clip(lower=1)
            reasons = (
                g[g["blocking"]]
                .groupby("project_id")
                .apply(lambda d: "; ".join(d["gate"] + ": " + d["artefact"]), include_groups=False)
            )
            out["blocking_reasons"] = out["project_id"].map(reasons).fillna("")
            return _finish(out)
    else:
        checks = governance_checks(portfolio_or_checks, pmo_type=pmo_type, rollup_df=rollup_df)
    on = checks[checks["mode"] != "off"]
    out = on.groupby("project_id", as_index=False, sort=False).agg(
        checks=("check", "size"),
        score_sum=("value", "sum"),
        passed=("passed", "sum"),
    )
    eff = on.groupby(["project_id", "effect"]).size().unstack(fill_value=0)
    for e in ("blocking", "advisory"):
        out[e] = out["project_id"].map(eff[e] if e in eff else pd.Series(dtype=int)).fillna(0)
    out["compliance_score"] = 100.0 * out["score_sum"] / out["checks"].clip(lower=1)
    bl = on[on["effect"] == "blocking"]
    reasons = (bl["check"] + ": " + bl["detail"]).groupby(bl["project_id"]).agg("; ".join)
    out["blocking_reasons"] = out["project_id"].map(reasons).astype(object).fillna("").astype(str)
    return _finish(out.drop(columns="score_sum"))


def _finish(out: pd.DataFrame) -> pd.DataFrame:
    for col in ("checks", "passed", "blocking", "advisory"):
        out[col] = out[col].astype("int64")
    out["state"] = np.where(
        out["blocking"] > 0, "blocked", np.where(out["advisory"] > 0, "advisory", "compliant")
    )
    cols = [
        "project_id",
        "compliance_score",
        "checks",
        "passed",
        "blocking",
        "advisory",
        "state",
        "blocking_reasons",
    ]
    return out[cols].sort_values(["compliance_score", "project_id"]).reset_index(drop=True)
