"""Risk and opportunity registers: scores, expected monetary value, heat-map cells, top items.

Threats and opportunities stay distinct all the way: a threat's expected monetary value (EMV) is
negative (an expected loss), an opportunity's positive (an expected gain), so summing EMV gives
the net expected effect on the budget (PMBOK decision-tree convention).

Scales (1-5)
------------
Probability (``probability`` is 0..1), :data:`PROBABILITY_BINS` upper edges
``0.1, 0.3, 0.5, 0.7, 1.0``: 1 = rare (<= 10 %), 2 = unlikely, 3 = possible, 4 = likely,
5 = almost certain (> 70 %).

Impact is the worse of the cost and the schedule score:
- cost as a share of the project budget, :data:`COST_IMPACT_BINS` upper edges
  ``1 %, 3 %, 5 %, 10 %, inf``;
- schedule in working days, :data:`SCHEDULE_IMPACT_BINS` upper edges ``5, 10, 20, 40, inf``.

``score = probability_score x impact_score`` (1..25), zones: low <= 4 < medium <= 12 < high
(the usual green / amber / red of a 5x5 matrix). All bins can be passed in (a PMO may set its
own in ``standards.yaml`` under ``risk_scales``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from pmkit.errors import RiskError, UnknownIdError

if TYPE_CHECKING:  # pragma: no cover
    from pmkit.model import Portfolio

__all__ = [
    "COST_IMPACT_BINS",
    "IMPACT_LABELS",
    "PROBABILITY_BINS",
    "PROBABILITY_LABELS",
    "SCHEDULE_IMPACT_BINS",
    "ProjectRisks",
    "RiskError",
    "heatmap_grid",
    "project_risks",
    "risk_register",
    "risk_summary",
    "score_risks",
    "score_zone",
    "top_risks",
]

PROBABILITY_BINS: tuple[float, ...] = (0.1, 0.3, 0.5, 0.7, 1.0)
"""Upper edges (inclusive) of probability scores 1..5."""
COST_IMPACT_BINS: tuple[float, ...] = (0.01, 0.03, 0.05, 0.10, np.inf)
"""Upper edges (inclusive) of cost-impact scores 1..5, as a share of the project budget."""
SCHEDULE_IMPACT_BINS: tuple[float, ...] = (5.0, 10.0, 20.0, 40.0, np.inf)
"""Upper edges (inclusive) of schedule-impact scores 1..5, in working days."""
PROBABILITY_LABELS = ("rare", "unlikely", "possible", "likely", "almost certain")
IMPACT_LABELS = ("negligible", "minor", "moderate", "major", "severe")
ZONES = ((4, "low"), (12, "medium"), (25, "high"))

Kind = Literal["threat", "opportunity", "all"]


def _score(values: np.ndarray, bins: Sequence[float], field: str) -> np.ndarray:
    """1-based bin of each value: the first upper edge it does not exceed."""
    edges = np.asarray(bins, dtype=float)
    if edges.size != 5 or np.any(np.diff(edges) <= 0):
        raise RiskError(
            "scale needs five increasing upper edges",
            field=field,
            value=list(bins),
            expected="5 increasing numbers",
        )
    return np.clip(np.searchsorted(edges, values, side="left") + 1, 1, 5).astype(np.int64)


def score_zone(score: Any) -> Any:
    """``"low"``, ``"medium"`` or ``"high"`` for a 1..25 score (scalar or array)."""
    s = np.asarray(score)
    out = np.select([s <= ZONES[0][0], s <= ZONES[1][0]], [ZONES[0][1], ZONES[1][1]], ZONES[2][1])
    return str(out) if out.ndim == 0 else out


def risk_register(
    portfolio: Portfolio,
    project_id: str | None = None,
    *,
    status: str | None = "open",
    prob_bins: Sequence[float] = PROBABILITY_BINS,
    cost_bins: Sequence[float] = COST_IMPACT_BINS,
    schedule_bins: Sequence[float] = SCHEDULE_IMPACT_BINS,
) -> pd.DataFrame:
    """The risk register of a project (or the portfolio) with scores and exposure.

    Parameters
    ----------
    portfolio : Portfolio
    project_id : str, optional
        One project's risks; ``None`` keeps every project's.
    status : {"open", "closed", None}
        Keep risks of that status; ``None`` keeps all.
    prob_bins, cost_bins, schedule_bins : sequence of 5 floats
        Upper edges of the 1..5 scales (see the module docstring).

    Returns
    -------
    DataFrame
        The ``risks`` columns plus ``budget`` (the project's), ``sign`` (-1 threat, +1
        opportunity), ``emv`` (signed money: ``sign x probability x cost_impact``),
        ``exposure_cost`` (``probability x cost_impact``, >= 0), ``exposure_days``
        (``probability x schedule_impact_days``, >= 0), ``emv_days`` (signed days),
        ``probability_score``, ``cost_score``, ``schedule_score``, ``impact_score``, ``score``
        (1..25), ``zone`` and ``rank`` (1 = largest exposure within its kind), sorted by kind
        then rank.

    Examples
    --------
    >>> from pmkit import load_sample
    >>> reg = risk_register(load_sample(), "P01")
    >>> bool(reg.loc[reg["kind"] == "threat", "emv"].le(0).all())
    True
    """
    risks = portfolio.risks
    if project_id is not None:
        if project_id not in set(portfolio.projects["project_id"]):
            raise UnknownIdError("project", project_id)
        risks = risks[risks["project_id"] == project_id]
    if status is not None:
        risks = risks[risks["status"] == status]
    budget = portfolio.projects.set_index("project_id")["budget"].astype(float)
    return score_risks(
        risks,
        budget=risks["project_id"].map(budget),
        prob_bins=prob_bins,
        cost_bins=cost_bins,
        schedule_bins=schedule_bins,
    )


def score_risks(
    risks: pd.DataFrame,
    *,
    budget: float | pd.Series,
    prob_bins: Sequence[float] = PROBABILITY_BINS,
    cost_bins: Sequence[float] = COST_IMPACT_BINS,
    schedule_bins: Sequence[float] = SCHEDULE_IMPACT_BINS,
) -> pd.DataFrame:
    """Score a risks table (the columns of ``risks.csv``) against a budget; see
    :func:`risk_register` for the columns added."""
    need = {"risk_id", "kind", "probability", "cost_impact", "schedule_impact_days"}
    missing = need - set(risks.columns)
    if missing:
        raise RiskError(
            "risks table lacks columns", value=sorted(missing), expected=", ".join(sorted(need))
        )
    bad = ~risks["kind"].isin(["threat", "opportunity"])
    if bad.any():
        raise RiskError(
            "risk kind must be threat or opportunity",
            field="kind",
            value=risks.loc[bad, "kind"].iloc[0],
        )
    out = risks.copy()
    p = out["probability"].to_numpy(dtype=float)
    cost = out["cost_impact"].to_numpy(dtype=float)
    days = out["schedule_impact_days"].to_numpy(dtype=float)
    bud = np.broadcast_to(np.asarray(budget, dtype=float), p.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(bud > 0, cost / bud, np.where(cost > 0, np.inf, 0.0))
    sign = np.where(out["kind"].to_numpy() == "opportunity", 1.0, -1.0)
    out["budget"] = bud
    out["sign"] = sign
    out["exposure_cost"] = p * cost
    out["exposure_days"] = p * days
    out["emv"] = sign * p * cost
    out["emv_days"] = sign * p * days
    out["probability_score"] = _score(p, prob_bins, "probability")
    out["cost_score"] = _score(share, cost_bins, "cost_impact")
    out["schedule_score"] = _score(days, schedule_bins, "schedule_impact_days")
    out["impact_score"] = np.maximum(out["cost_score"], out["schedule_score"])
    out["score"] = out["probability_score"] * out["impact_score"]
    out["zone"] = score_zone(out["score"].to_numpy())
    out = out.sort_values(
        ["kind", "score", "exposure_cost", "exposure_days"],
        ascending=[False, False, False, False],
        kind="stable",
    )
    out["rank"] = out.groupby("kind").cumcount() + 1
    return out.reset_index(drop=True)


def heatmap_grid(
    risks: pd.DataFrame,
    *,
    prob_bins: Sequence[float] = PROBABILITY_BINS,
    impact_bins: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Probability x impact matrix: all 25 cells, with counts of threats and opportunities.

    Parameters
    ----------
    risks : DataFrame
        A scored register (:func:`risk_register`); an unscored risks table is scored against
        the cost bins only when ``impact_bins`` gives the cost upper edges in money.
    prob_bins : sequence of 5 floats
        Probability upper edges (used only to re-score an unscored table).
    impact_bins : sequence of 5 floats, optional
        Cost-impact upper edges in money for an unscored table.

    Returns
    -------
    DataFrame
        25 rows ``probability_score, impact_score`` (1..5 each) with ``probability_label``,
        ``impact_label``, ``score``, ``zone``, ``threats``, ``opportunities``, ``count``,
        ``emv`` (signed sum) and ``risk_ids`` (comma-separated, for tooltips).
    """
    reg = risks
    if not {"probability_score", "impact_score"} <= set(reg.columns):
        if impact_bins is None:
            raise RiskError(
                "an unscored risks table needs impact_bins (money upper edges)", field="impact_bins"
            )
        reg = score_risks(reg, budget=1.0, prob_bins=prob_bins, cost_bins=impact_bins)
        reg = reg.assign(
            impact_score=reg["cost_score"], score=reg["probability_score"] * reg["cost_score"]
        )
    pi, ii = np.meshgrid(np.arange(1, 6), np.arange(1, 6), indexing="ij")
    grid = pd.DataFrame({"probability_score": pi.ravel(), "impact_score": ii.ravel()})
    grid["probability_label"] = np.asarray(PROBABILITY_LABELS)[grid["probability_score"] - 1]
    grid["impact_label"] = np.asarray(IMPACT_LABELS)[grid["impact_score"] - 1]
    grid["score"] = grid["probability_score"] * grid["impact_score"]
    grid["zone"] = score_zone(grid["score"].to_numpy())
    keys = ["probability_score", "impact_score"]
    if len(reg):
        agg = (
            reg.groupby(keys)
            .agg(
                threats=("kind", lambda k: int((k == "threat").sum())),
                opportunities=("kind", lambda k: int((k == "opportunity").sum())),
                emv=("emv", "sum"),
                risk_ids=("risk_id", lambda r: ", ".join(map(str, r))),
            )
            .reset_index()
        )
        grid = grid.merge(agg, on=keys, how="left")
    else:
        grid = grid.assign(threats=0, opportunities=0, emv=0.0, risk_ids="")
    grid["threats"] = grid["threats"].fillna(0).astype(np.int64)
    grid["opportunities"] = grid["opportunities"].fillna(0).astype(np.int64)
    grid["count"] = grid["threats"] + grid["opportunities"]
    grid["emv"] = grid["emv"].fillna(0.0).astype(float)
    grid["risk_ids"] = grid["risk_ids"].fillna("").astype(str)
    return grid


def top_risks(
    risks: pd.DataFrame,
    n: int = 5,
    *,
    kind: Kind = "threat",
    by: str = "exposure_cost",
) -> pd.DataFrame:
    """The ``n`` largest items of a scored register.

    Parameters
    ----------
    risks : DataFrame
        A scored register (:func:`risk_register`).
    n : int
        How many rows (``n >= 1``).
    kind : {"threat", "opportunity", "all"}
    by : str
        Column to rank by, largest first: ``exposure_cost`` (default), ``exposure_days``,
        ``score``; ties broken by ``score`` then ``exposure_days``.

    Returns
    -------
    DataFrame
        At most ``n`` rows, largest first.
    """
    if kind not in ("threat", "opportunity", "all"):
        raise RiskError(
            "unknown risk kind", field="kind", value=kind, expected="threat, opportunity or all"
        )
    if n < 1:
        raise RiskError("n must be at least 1", field="n", value=n)
    if by not in risks.columns:
        raise RiskError(
            "cannot rank by a column the register lacks",
            field="by",
            value=by,
            expected="exposure_cost, exposure_days or score",
        )
    sel = risks if kind == "all" else risks[risks["kind"] == kind]
    keys = [by] + [c for c in ("score", "exposure_days") if c != by and c in sel.columns]
    return sel.sort_values(keys, ascending=False, kind="stable").head(n).reset_index(drop=True)


def risk_summary(register: pd.DataFrame) -> pd.DataFrame:
    """Totals per kind: ``kind, count, high, emv, exposure_cost, exposure_days``.

    ``emv`` of threats is negative and of opportunities positive; their sum is the net expected
    effect on the budget (row ``net``).
    """
    kinds = ["threat", "opportunity"]
    rows = []
    for k in kinds:
        sel = register[register["kind"] == k]
        rows.append(
            {
                "kind": k,
                "count": len(sel),
                "high": int((sel["zone"] == "high").sum()) if len(sel) else 0,
                "emv": float(sel["emv"].sum()),
                "exposure_cost": float(sel["exposure_cost"].sum()),
                "exposure_days": float(sel["exposure_days"].sum()),
            }
        )
    out = pd.DataFrame(rows)
    net = {
        "kind": "net",
        "count": int(out["count"].sum()),
        "high": int(out["high"].sum()),
        "emv": float(out["emv"].sum()),
        "exposure_cost": float(out["exposure_cost"].iloc[0] - out["exposure_cost"].iloc[1]),
        "exposure_days": float(out["exposure_days"].iloc[0] - out["exposure_days"].iloc[1]),
    }
    return pd.concat([out, pd.DataFrame([net])], ignore_index=True)


@dataclass(frozen=True)
class ProjectRisks:
    """One project's risk picture as the Tracking page shows it: the open register (scored),
    its heat-map grid, the EMV summary and the top three threats and opportunities."""

    register: pd.DataFrame
    grid: pd.DataFrame
    summary: pd.DataFrame
    top_threats: pd.DataFrame
    top_opportunities: pd.DataFrame


def project_risks(portfolio: Portfolio, project_id: str) -> ProjectRisks:
    """:class:`ProjectRisks` of ``project_id`` (an empty register gives empty top tables)."""
    reg = risk_register(portfolio, project_id)
    return ProjectRisks(
        register=reg,
        grid=heatmap_grid(reg),
        summary=risk_summary(reg),
        top_threats=top_risks(reg, 3, kind="threat") if len(reg) else reg,
        top_opportunities=top_risks(reg, 3, kind="opportunity") if len(reg) else reg,
    )
