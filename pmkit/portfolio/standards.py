"""The PMO's standards (``standards.yaml``): RAG rules, gate artefacts, PMO types, the change board.

The file is the PMO's, not the programmer's: a PMO lead edits thresholds in a text editor, so every
key is checked here and a mistake names the file and the key (``standards.yaml: key
'rag.schedule[0].amber' ...``). Anything the file leaves out falls back to :data:`DEFAULTS`.

A RAG rule compares one roll-up metric with two thresholds. The direction is read from the
thresholds themselves: ``amber: 0.95, red: 0.85`` means lower is worse (SPI), ``amber: 5,
red: 20`` means higher is worse (slip days). Evaluating a rule gives both a status and the
sentence that justifies it, e.g. ``"amber: SPI 0.91 < 0.95"``, so a dashboard can show *why*.

Accepted shapes for ``rag`` (alias ``rag_thresholds``, ``thresholds``)::

    rag:
      schedule:                      # a list of rules; the worst one sets the dimension
        - {metric: spi, amber: 0.95, red: 0.85}
        - {metric: slip_days, amber: 5, red: 20}
      cost: {metric: cpi, amber: 0.95, red: 0.85}      # or one rule
      risk: {risk_exposure_pct: {amber: 5, red: 10}}   # or metric -> thresholds
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml

from pmkit.errors import PmkitError

__all__ = [
    "DEFAULTS",
    "DIMENSIONS",
    "METRICS",
    "PMO_TYPES",
    "RagResult",
    "Rule",
    "Standards",
    "StandardsError",
    "load_standards",
    "standards_of",
]

Status = Literal["green", "amber", "red", "grey"]
DIMENSIONS: tuple[str, ...] = ("schedule", "cost", "scope", "risk")
PMO_TYPES: tuple[str, ...] = ("supportive", "controlling", "directive")
_RANK = {"grey": 0, "green": 1, "amber": 2, "red": 3}
_BY_RANK = np.array(["grey", "green", "amber", "red"], dtype=object)

METRICS: dict[str, tuple[str, str]] = {
    # metric: (label in sentences, number format)
    "spi": ("SPI", "{:.2f}"),
    "cpi": ("CPI", "{:.2f}"),
    "slip_days": ("finish slip (working days)", "{:.0f}"),
    "float_days": ("critical-path float (working days)", "{:.1f}"),
    "eac_overrun_pct": ("EAC over BAC %", "{:.1f}"),
    "scope_change_pct": ("approved scope change % of BAC", "{:.1f}"),
    "pending_significant_changes": ("pending significant changes", "{:.0f}"),
    "open_changes": ("open changes", "{:.0f}"),
    "risk_exposure_pct": ("open threat exposure % of BAC", "{:.1f}"),
    "open_high_risks": ("open high risks", "{:.0f}"),
    "open_risks": ("open risks", "{:.0f}"),
    "percent_complete": ("% complete", "{:.0f}"),
}
"""Roll-up metrics a rule may name (see :func:`pmkit.portfolio.rollup.rollup`)."""

DEFAULTS: dict[str, Any] = {
    "currency": "EUR",
    "status_date": None,
    "rag": {
        "schedule": [
            {"metric": "spi", "amber": 0.95, "red": 0.85},
            {"metric": "slip_days", "amber": 5, "red": 20},
        ],
        "cost": [
            {"metric": "cpi", "amber": 0.95, "red": 0.85},
            {"metric": "eac_overrun_pct", "amber": 5, "red": 10},
        ],
        "scope": [
            {"metric": "scope_change_pct", "amber": 5, "red": 10},
            {"metric": "pending_significant_changes", "amber": 0, "red": 2},
        ],
        "risk": [
            {"metric": "risk_exposure_pct", "amber": 5, "red": 10},
            {"metric": "open_high_risks", "amber": 0, "red": 2},
        ],
    },
    "high_risk_score": 0.25,
    "gates": {
        "G0": ["business case"],
        "G1": ["charter", "stakeholder register"],
        "G2": ["schedule baseline", "cost baseline", "risk register"],
        "G3": ["acceptance", "handover plan"],
        "G4": ["lessons learned", "closure report"],
    },
    "pmo_types": {
        "supportive": {"blocking": []},
        "controlling": {"blocking": ["business case", "charter", "schedule baseline"]},
        "directive": {"blocking": "all"},
    },
    "pmo_type": "controlling",
    "change_board": {"cost_threshold": 50000.0, "schedule_threshold_days": 10.0},
}
"""What applies when ``standards.yaml`` leaves a key out."""


class StandardsError(PmkitError):
    """``standards.yaml`` holds a key or value the PMO lens cannot use."""


@dataclass(frozen=True)
class RagResult:
    """One RAG verdict with the rule sentence that produced it (shown on hover)."""

    status: Status
    rule: str
    value: float | None = None

    def __str__(self) -> str:
        return self.rule


@dataclass(frozen=True)
class Rule:
    """A RAG rule: ``metric`` is amber past ``amber`` and red past ``red``.

    ``lower_is_worse`` is true when ``red < amber`` (indices such as SPI/CPI). A value exactly on
    a threshold is not past it (SPI 0.95 with amber 0.95 is green).
    """

    dimension: str
    metric: str
    amber: float
    red: float

    @property
    def lower_is_worse(self) -> bool:
        return self.red < self.amber

    @property
    def label(self) -> str:
        return METRICS.get(self.metric, (self.metric, "{:g}"))[0]

    def _fmt(self, value: float) -> str:
        return METRICS.get(self.metric, (self.metric, "{:g}"))[1].format(value)

    def statuses(self, values: Any) -> np.ndarray:
        """Status of every value (vectorised); ``NaN`` gives ``grey`` (no data to judge)."""
        v = np.asarray(values, dtype=float)
        if self.lower_is_worse:
            red, amber = v < self.red, v < self.amber
        else:
            red, amber = v > self.red, v > self.amber
        out = np.where(red, "red", np.where(amber, "amber", "green")).astype(object)
        out[np.isnan(v)] = "grey"
        return out

    def sentence(self, status: str, value: float) -> str:
        """``"amber: SPI 0.91 < 0.95"`` — the status and the comparison that made it."""
        if status == "grey" or value is None or math.isnan(value):
            return f"grey: no {self.label} to judge"
        lt, ge = ("<", "≥") if self.lower_is_worse else (">", "≤")
        shown = self._fmt(value)
        if status == "red":
            return f"red: {self.label} {shown} {lt} {self._fmt(self.red)}"
        if status == "amber":
            return f"amber: {self.label} {shown} {lt} {self._fmt(self.amber)}"
        return f"green: {self.label} {shown} {ge} {self._fmt(self.amber)}"

    def evaluate(self, value: float | None) -> RagResult:
        """One value's verdict."""
        v = float("nan") if value is None else float(value)
        status = str(self.statuses([v])[0])
        return RagResult(status, self.sentence(status, v), None if math.isnan(v) else v)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Standards:
    """The validated standards: typed accessors over the merged dictionary ``raw``."""

    raw: dict[str, Any]
    rules: dict[str, tuple[Rule, ...]]
    file: str = "standards.yaml"

    @property
    def currency(self) -> str:
        return str(self.raw.get("currency") or "EUR")

    @property
    def status_date(self) -> pd.Timestamp | None:
        value = self.raw.get("status_date")
        return None if value in (None, "") else pd.Timestamp(value).normalize()

    @property
    def pmo_type(self) -> str:
        return str(self.raw.get("pmo_type") or "controlling")

    @property
    def high_risk_score(self) -> float:
        return float(self.raw["high_risk_score"])

    @property
    def gate_artefacts(self) -> dict[str, list[str]]:
        """Required artefacts per gate, lower-cased (``{"G0": ["business case"], ...}``)."""
        return {g: [a.lower() for a in arts] for g, arts in self.raw["gates"].items()}

    def blocking(self, pmo_type: str) -> str | list[str]:
        """Artefacts that block a gate under ``pmo_type``: a list, or ``"all"``."""
        types = self.raw["pmo_types"]
        if pmo_type not in types:
            raise StandardsError(
                "unknown PMO type",
                file=self.file,
                field="pmo_types",
                value=pmo_type,
                expected="one of " + ", ".join(types),
            )
        blocking = types[pmo_type].get("blocking", [])
        return "all" if blocking == "all" else [str(a).lower() for a in blocking]

    @property
    def change_cost_threshold(self) -> float:
        return float(self.raw["change_board"]["cost_threshold"])

    @property
    def change_schedule_threshold_days(self) -> float:
        return float(self.raw["change_board"]["schedule_threshold_days"])

    def rule_table(self) -> pd.DataFrame:
        """Every RAG rule as a readable table (for a "how is RAG computed?" panel)."""
        rows = [
            {
                "dimension": r.dimension,
                "metric": r.metric,
                "label": r.label,
                "amber": r.amber,
                "red": r.red,
                "worse_when": "lower" if r.lower_is_worse else "higher",
            }
            for rules in self.rules.values()
            for r in rules
        ]
        return pd.DataFrame(rows)


def _err(
    file: str, key: str, message: str, value: Any = None, expected: str | None = None
) -> StandardsError:
    return StandardsError(message, file=file, field=key, value=value, expected=expected)


def _number(file: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(float(value)):
        raise _err(file, key, "threshold is not a number", value, "a number")
    return float(value)


def _parse_rules(file: str, dim: str, spec: Any) -> tuple[Rule, ...]:
    """Normalise the three accepted shapes of one dimension into rules."""
    items: list[tuple[str, Any]] = []
    if isinstance(spec, list):
        items = [(f"rag.{dim}[{i}]", s) for i, s in enumerate(spec)]
    elif isinstance(spec, Mapping) and "metric" in spec:
        items = [(f"rag.{dim}", spec)]
    elif isinstance(spec, Mapping):
        for metric, th in spec.items():
            if not isinstance(th, Mapping):
                raise _err(
                    file,
                    f"rag.{dim}.{metric}",
                    "expected amber/red thresholds",
                    th,
                    "a mapping {amber: x, red: y}",
                )
            items.append((f"rag.{dim}.{metric}", {"metric": metric, **th}))
    else:
        raise _err(
            file,
            f"rag.{dim}",
            "expected a rule or a list of rules",
            spec,
            "{metric: spi, amber: 0.95, red: 0.85}",
        )
    rules = []
    for key, item in items:
        if not isinstance(item, Mapping):
            raise _err(file, key, "expected a rule", item, "{metric: spi, amber: 0.95, red: 0.85}")
        metric = str(item.get("metric", ""))
        if metric not in METRICS:
            raise _err(
                file,
                f"{key}.metric",
                "unknown metric",
                metric or None,
                "one of " + ", ".join(METRICS),
            )
        for t in ("amber", "red"):
            if t not in item:
                raise _err(file, f"{key}.{t}", f"missing the {t} threshold")
        amber = _number(file, f"{key}.amber", item["amber"])
        red = _number(file, f"{key}.red", item["red"])
        if amber == red:
            raise _err(
                file,
                f"{key}.red",
                "red equals amber: cannot tell which way is worse",
                red,
                "a value different from amber",
            )
        rules.append(Rule(dim, metric, amber, red))
    return tuple(rules)


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = copy.deepcopy(v)  # a section the PMO writes replaces the default section
    return out


def _validate(raw: Mapping[str, Any], file: str) -> Standards:
    """Merge over :data:`DEFAULTS` and check every section; errors name ``file`` and the key."""
    if not isinstance(raw, Mapping):
        raise _err(file, "(top level)", "expected a mapping of sections", type(raw).__name__)
    raw = dict(raw)
    for alias in ("rag_thresholds", "thresholds"):
        if alias in raw and "rag" not in raw:
            raw["rag"] = raw.pop(alias)
    if "gate_artefacts" in raw and "gates" not in raw:
        raw["gates"] = raw.pop("gate_artefacts")
    merged = _merge(DEFAULTS, raw)
    rag = merged["rag"]
    if not isinstance(rag, Mapping):
        raise _err(file, "rag", "expected one entry per dimension", rag, ", ".join(DIMENSIONS))
    rag = {**DEFAULTS["rag"], **rag}
    unknown = set(rag) - set(DIMENSIONS)
    if unknown:
        raise _err(
            file,
            f"rag.{sorted(unknown)[0]}",
            "unknown RAG dimension",
            sorted(unknown)[0],
            "one of " + ", ".join(DIMENSIONS),
        )
    rules = {dim: _parse_rules(file, dim, rag[dim]) for dim in DIMENSIONS}

    gates = merged["gates"]
    if not isinstance(gates, Mapping):
        raise _err(file, "gates", "expected artefacts per gate", gates, "{G0: [business case]}")
    norm_gates: dict[str, list[str]] = {}
    for g, arts in gates.items():
        if isinstance(arts, Mapping):  # {G0: {phase: initiation, artefacts: [...]}}
            arts = arts.get("artefacts", arts.get("required", []))
        if isinstance(arts, str) or not isinstance(arts, list):
            raise _err(file, f"gates.{g}", "expected a list of artefacts", arts, "[charter, ...]")
        norm_gates[str(g)] = [str(a) for a in arts]
    merged["gates"] = norm_gates

    types = merged["pmo_types"]
    if not isinstance(types, Mapping) or not types:
        raise _err(
            file, "pmo_types", "expected one entry per PMO type", types, ", ".join(PMO_TYPES)
        )
    norm_types: dict[str, dict[str, Any]] = {}
    for name, spec in types.items():
        if isinstance(spec, list | str):  # {controlling: [charter, ...]} or {directive: all}
            spec = {"blocking": spec}
        if not isinstance(spec, Mapping):
            raise _err(file, f"pmo_types.{name}", "expected {blocking: [...]}", spec)
        blocking = spec.get("blocking", spec.get("blocking_checks", []))
        if blocking is None:
            blocking = []
        if not (blocking == "all" or isinstance(blocking, list)):
            raise _err(
                file,
                f"pmo_types.{name}.blocking",
                "expected a list of artefacts or 'all'",
                blocking,
                "[business case, charter] or all",
            )
        norm_types[str(name)] = {**dict(spec), "blocking": blocking}
    merged["pmo_types"] = norm_types
    if str(merged.get("pmo_type")) not in norm_types:
        raise _err(
            file,
            "pmo_type",
            "unknown PMO type",
            merged.get("pmo_type"),
            "one of " + ", ".join(norm_types),
        )

    board = merged["change_board"]
    if not isinstance(board, Mapping):
        raise _err(file, "change_board", "expected thresholds", board)
    board = {**DEFAULTS["change_board"], **board}
    for k in ("cost_threshold", "schedule_threshold_days"):
        board[k] = _number(file, f"change_board.{k}", board[k])
    merged["change_board"] = board
    merged["high_risk_score"] = _number(file, "high_risk_score", merged["high_risk_score"])
    if merged.get("status_date") not in (None, ""):
        try:
            pd.Timestamp(merged["status_date"])
        except (ValueError, TypeError) as exc:
            raise _err(
                file, "status_date", "not a date", merged["status_date"], "YYYY-MM-DD"
            ) from exc
    return Standards(raw=merged, rules=rules, file=file)


def load_standards(path: str | Path) -> Standards:
    """Read and validate a ``standards.yaml`` (a file, or a portfolio folder holding one).

    Raises
    ------
    StandardsError
        Unreadable YAML (with its line) or a bad key, naming the file and the key.
    """
    p = Path(path)
    if p.is_dir():
        p = p / "standards.yaml"
    if not p.exists():
        return _validate({}, str(p))
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise StandardsError(
            f"not valid YAML: {getattr(exc, 'problem', exc)}",
            file=p.name,
            line=None if mark is None else mark.line + 1,
        ) from exc
    return _validate(raw, p.name)


def standards_of(portfolio: Any) -> Standards:
    """The validated standards of a loaded portfolio (its ``standards`` dict)."""
    return _validate(dict(getattr(portfolio, "standards", {}) or {}), "standards.yaml")


def worst(statuses: list[np.ndarray]) -> np.ndarray:
    """Element-wise worst status (red > amber > green > grey) of several status arrays."""
    ranks = np.vstack([pd.Series(s).map(_RANK).to_numpy(dtype=int) for s in statuses])
    return _BY_RANK[ranks.max(axis=0)]
