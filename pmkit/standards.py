"""The PMO's standards (``standards.yaml``): RAG rules, gate artefacts, PMO types, the change board.

The file is the PMO's, not the programmer's: a PMO lead edits thresholds in a text editor, so every
key is checked here and a mistake names the file and the key (``standards.yaml, field
'rag.schedule.green' ...``). Anything the file leaves out falls back to :data:`DEFAULTS`.

A RAG rule compares one roll-up metric with two edges. Evaluating it gives both a status and the
sentence that justifies it, e.g. ``"amber: SPI 0.91 < 0.95"``, so a dashboard can show *why*.
Two spellings are accepted per rule (both may appear in one dimension)::

    rag:
      schedule:
        metric: spi            # the dimension's main test: limits, inclusive
        better: higher         # green if spi >= 0.95, amber if >= 0.85, else red
        green: 0.95
        amber: 0.85
        rule: "SPI = EV / PV"  # the definition in words (shown in the rules table)
        finish_slip_days: {green: 10, amber: 20}      # an extra test (limits; direction inferred)
      scope:
        open_significant_changes: {amber: 1, red: 3}  # triggers: amber from 1, red from 3

Earned schedule is available to the rules too: ``spi_t`` (SPI(t) = ES / AT, which unlike SPI does
not drift back to 1.0 near the end of a late project) and ``sv_t_wd`` (SV(t) = ES - AT in working
days of the project calendar), e.g. ``schedule: {metric: spi_t, better: higher, green: 0.95,
amber: 0.85}`` or the extra test ``sv_t_wd: {green: -5, amber: -15}``.

With ``green``/``amber`` the numbers are the last values still green / still amber. With
``amber``/``red`` they are the values where amber / red start (for "higher is better" metrics,
below them). The worst test sets the dimension; its sentence is the one shown.
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

from pmkit.errors import StandardsError
from pmkit.model import Portfolio
from pmkit.templates import standards_template

__all__ = [
    "CHECKS",
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
CHECKS: tuple[str, ...] = (
    "gate_artefacts",
    "rag_red_escalation",
    "significant_change_board",
    "risk_register_review",
    "monthly_status_report",
)
"""Governance checks a PMO type sets to ``blocking``, ``advisory`` or ``off``."""
_RANK = {"grey": 0, "green": 1, "amber": 2, "red": 3}
_BY_RANK = np.array(["grey", "green", "amber", "red"], dtype=object)

METRICS: dict[str, tuple[str, str]] = {
    # metric: (label in sentences, number format)
    "spi": ("SPI", "{:.2f}"),
    "cpi": ("CPI", "{:.2f}"),
    "spi_t": ("SPI(t)", "{:.2f}"),
    "sv_t_wd": ("SV(t) (working days)", "{:+.1f}"),
    "finish_slip_days": ("finish slip (working days)", "{:.0f}"),
    "float_days": ("critical-path float (working days)", "{:.1f}"),
    "eac_overrun_ratio": ("EAC over BAC", "{:.1%}"),
    "approved_change_ratio": ("approved change cost / BAC", "{:.1%}"),
    "open_significant_changes": ("pending significant changes", "{:.0f}"),
    "open_changes": ("pending changes", "{:.0f}"),
    "threat_exposure_ratio": ("threat exposure / remaining budget", "{:.1%}"),
    "open_high_risks": ("open high risks", "{:.0f}"),
    "open_risks": ("open threats", "{:.0f}"),
    "percent_complete": ("% complete", "{:.0f}"),
}
"""Roll-up metrics a rule may name (columns of :func:`pmkit.portfolio.rollup.rollup`)."""

DEFAULTS: dict[str, Any] = yaml.safe_load(standards_template())
"""What applies when ``standards.yaml`` leaves a key out: the packaged, commented template
(``pmkit/templates/standards.yaml``, see :mod:`pmkit.templates`), the one source of the PMO
defaults; ``pmkit generate`` writes the sample's file from it and ``pmkit init --empty`` copies
it."""


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
    """One RAG test: ``metric`` is red when worse than ``red_edge``, amber when worse than
    ``green_edge``, else green.

    ``better`` says which way is good. "Worse than ``t``" is ``v < t`` when higher is better,
    ``v > t`` when lower is better, or ``v >= t`` when ``edge_is_worse`` (the ``amber``/``red``
    trigger spelling, e.g. one pending significant change is already amber).
    """

    dimension: str
    metric: str
    better: Literal["higher", "lower"]
    green_edge: float
    red_edge: float
    edge_is_worse: bool = False
    definition: str = ""

    @property
    def label(self) -> str:
        return METRICS.get(self.metric, (self.metric, "{:g}"))[0]

    def _fmt(self, value: float) -> str:
        return METRICS.get(self.metric, (self.metric, "{:g}"))[1].format(value)

    def _worse(self, v: np.ndarray, edge: float) -> np.ndarray:
        if self.better == "higher":
            return v < edge
        return v >= edge if self.edge_is_worse else v > edge

    @property
    def _ops(self) -> tuple[str, str]:
        """(worse, not worse) comparison symbols for sentences."""
        if self.better == "higher":
            return "<", "≥"
        return ("≥", "<") if self.edge_is_worse else (">", "≤")

    def statuses(self, values: Any) -> np.ndarray:
        """Status of every value (vectorised); ``NaN`` gives ``grey`` (nothing to judge)."""
        v = np.asarray(values, dtype=float)
        with np.errstate(invalid="ignore"):
            red, amber = self._worse(v, self.red_edge), self._worse(v, self.green_edge)
        out = np.where(red, "red", np.where(amber, "amber", "green")).astype(object)
        out[np.isnan(v)] = "grey"
        return out

    def sentence(self, status: str, value: float) -> str:
        """``"amber: SPI 0.91 < 0.95"``: the status and the comparison that made it."""
        if status == "grey" or value is None or math.isnan(value):
            return f"grey: no {self.label} to judge"
        worse, fine = self._ops
        edge = self.red_edge if status == "red" else self.green_edge
        shown, limit = self._fmt(value), self._fmt(edge)
        fmt = METRICS.get(self.metric, (self.metric, "{:g}"))[1]
        for extra in (1, 2, 3):  # never print "SPI 0.95 < 0.95": add digits until they differ
            if shown != limit or value == edge or ("f}" not in fmt and "%}" not in fmt):
                break
            digits = int(fmt[fmt.index(".") + 1]) + extra
            precise = fmt[: fmt.index(".") + 1] + str(digits) + fmt[fmt.index(".") + 2 :]
            shown = precise.format(value)
        op = fine if status == "green" else worse
        return f"{status}: {self.label} {shown} {op} {limit}"

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
        """The PMO type the file sets (dashboards may switch it)."""
        return str(self.raw.get("pmo_type") or "controlling")

    @property
    def pmo_types(self) -> list[str]:
        return list(self.raw["pmo_types"])

    @property
    def gate_artefacts(self) -> dict[str, list[str]]:
        """Required artefacts per gate, lower-cased (``{"G0": ["business case"], ...}``)."""
        return {g: [a.lower() for a in spec["required"]] for g, spec in self.raw["gates"].items()}

    @property
    def gate_phase(self) -> dict[str, str]:
        """The phase each gate opens (``{"G0": "initiation", ...}``)."""
        return {g: str(spec.get("opens", "")) for g, spec in self.raw["gates"].items()}

    def check_modes(self, pmo_type: str | None = None) -> dict[str, str]:
        """``{check: "blocking" | "advisory" | "off"}`` under ``pmo_type`` (default: the file's)."""
        name = pmo_type or self.pmo_type
        types = self.raw["pmo_types"]
        if name not in types:
            raise StandardsError(
                "unknown PMO type",
                file=self.file,
                field="pmo_type",
                value=name,
                expected="one of " + ", ".join(types),
            )
        return {c: types[name]["checks"].get(c, "off") for c in CHECKS}

    def blocking(self, pmo_type: str | None = None) -> str | list[str]:
        """Artefacts that block a gate under ``pmo_type``: ``"all"`` (check ``gate_artefacts``
        is blocking) or ``[]`` (advisory or off)."""
        return "all" if self.check_modes(pmo_type)["gate_artefacts"] == "blocking" else []

    @property
    def significance(self) -> dict[str, Any]:
        """Change-board thresholds: ``cost_abs, cost_ratio, schedule_days, scope``."""
        return dict(self.raw["change_control"]["significance"])

    def rule_table(self) -> pd.DataFrame:
        """Every RAG test as a readable table (for a "how is RAG computed?" panel)."""
        rows = []
        for rules in self.rules.values():
            for r in rules:
                worse, _ = r._ops
                rows.append(
                    {
                        "dimension": r.dimension,
                        "metric": r.metric,
                        "label": r.label,
                        "green_if": f"{r.label} {_negate(worse)} {r._fmt(r.green_edge)}",
                        "red_if": f"{r.label} {worse} {r._fmt(r.red_edge)}",
                        "definition": r.definition,
                    }
                )
        return pd.DataFrame(rows)


def _negate(op: str) -> str:
    return {"<": "≥", ">": "≤", "≥": "<", "≤": ">"}[op]


def _err(
    file: str, key: str, message: str, value: Any = None, expected: str | None = None
) -> StandardsError:
    return StandardsError(message, file=file, field=key, value=value, expected=expected)


def _number(file: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(float(value)):
        raise _err(file, key, "threshold is not a number", value, "a number")
    return float(value)


_THRESHOLD_KEYS = {"green", "amber", "red", "better", "metric", "rule", "definition"}


def _one_rule(
    file: str, key: str, dim: str, metric: str, spec: Mapping[str, Any], definition: str = ""
) -> Rule:
    """A rule from ``{green, amber}`` (limits) or ``{amber, red}`` (triggers)."""
    if metric not in METRICS:
        raise _err(
            file,
            f"{key}.metric" if key.endswith(dim) else key,
            "unknown metric",
            metric or None,
            "one of " + ", ".join(METRICS),
        )
    better = spec.get("better")
    if better is not None and better not in ("higher", "lower"):
        raise _err(file, f"{key}.better", "expected higher or lower", better, "higher or lower")
    if "green" in spec:
        if "amber" not in spec:
            raise _err(file, f"{key}.amber", "missing the amber limit")
        g = _number(file, f"{key}.green", spec["green"])
        a = _number(file, f"{key}.amber", spec["amber"])
        inferred = "higher" if g > a else "lower"
        edge_is_worse = False
        first, second = (g, "green"), (a, "amber")
    elif "red" in spec and "amber" in spec:
        a = _number(file, f"{key}.amber", spec["amber"])
        r = _number(file, f"{key}.red", spec["red"])
        inferred = "higher" if a > r else "lower"
        g, a = a, r  # green ends where amber starts; amber ends where red starts
        edge_is_worse = True
        first, second = (g, "amber"), (a, "red")
    else:
        raise _err(
            file,
            key,
            "expected thresholds",
            dict(spec),
            "{green: x, amber: y} or {amber: x, red: y}",
        )
    if first[0] == second[0]:
        raise _err(
            file,
            f"{key}.{second[1]}",
            f"{second[1]} equals {first[1]}: which way is worse?",
            second[0],
            f"a value different from {first[1]}",
        )
    better = better or inferred
    if better != inferred:
        raise _err(
            file,
            f"{key}.better",
            f"'{better}' is better but {first[1]} {first[0]:g} is on the wrong side of "
            f"{second[1]} {second[0]:g}",
            better,
            inferred,
        )
    direction: Literal["higher", "lower"] = "higher" if better == "higher" else "lower"
    return Rule(dim, metric, direction, g, a, edge_is_worse and better == "lower", definition)


def _parse_rules(file: str, dim: str, spec: Any) -> tuple[Rule, ...]:
    """Normalise a dimension (one mapping, or a list of mappings) into rules."""
    specs = spec if isinstance(spec, list) else [spec]
    rules: list[Rule] = []
    for i, item in enumerate(specs):
        key = f"rag.{dim}" if not isinstance(spec, list) else f"rag.{dim}[{i}]"
        if not isinstance(item, Mapping):
            raise _err(
                file,
                key,
                "expected a rule",
                item,
                "{metric: spi, better: higher, green: 0.95, amber: 0.85}",
            )
        definition = str(item.get("rule", item.get("definition", "")) or "")
        if "metric" in item:
            rules.append(_one_rule(file, key, dim, str(item["metric"]), item, definition))
        for extra, th in item.items():
            if extra in _THRESHOLD_KEYS or extra == "description":
                continue
            if not isinstance(th, Mapping):
                raise _err(
                    file,
                    f"{key}.{extra}",
                    "expected thresholds",
                    th,
                    "{green: x, amber: y} or {amber: x, red: y}",
                )
            rules.append(
                _one_rule(
                    file, f"{key}.{extra}", dim, str(extra), th, str(th.get("rule", "") or "")
                )
            )
    return tuple(rules)


def _check_rag(file: str, rag: Any) -> dict[str, tuple[Rule, ...]]:
    """The rules of every dimension; a dimension the file leaves out keeps the default."""
    if not isinstance(rag, Mapping):
        raise _err(file, "rag", "expected one entry per dimension", rag, ", ".join(DIMENSIONS))
    unknown = sorted(set(rag) - set(DIMENSIONS))
    if unknown:
        raise _err(
            file,
            f"rag.{unknown[0]}",
            "unknown RAG dimension",
            unknown[0],
            "one of " + ", ".join(DIMENSIONS),
        )
    rag = {**DEFAULTS["rag"], **rag}
    return {dim: _parse_rules(file, dim, rag[dim]) for dim in DIMENSIONS}


def _one_gate(file: str, g: Any, spec: Any) -> dict[str, Any]:
    """``{opens, required}`` of one gate (a bare list is its required artefacts)."""
    if isinstance(spec, list):
        spec = {"required": spec}
    if not isinstance(spec, Mapping):
        raise _err(file, f"gates.{g}", "expected {opens: phase, required: [...]}", spec)
    req = spec.get("required", spec.get("artefacts", []))
    if req is None:
        req = []
    if isinstance(req, str) or not isinstance(req, list):
        raise _err(
            file,
            f"gates.{g}.required",
            "expected a list of artefacts",
            req,
            "[project charter, ...]",
        )
    return {"opens": str(spec.get("opens", "") or ""), "required": [str(a) for a in req]}


def _check_gates(file: str, gates: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(gates, Mapping):
        raise _err(
            file,
            "gates",
            "expected artefacts per gate",
            gates,
            "{G0: {opens: initiation, required: [business case]}}",
        )
    return {str(g): _one_gate(file, g, spec) for g, spec in gates.items()}


def _check_modes(file: str, name: Any, checks: Mapping[Any, Any]) -> None:
    for check, mode in checks.items():
        if check not in CHECKS:
            raise _err(
                file,
                f"pmo_types.{name}.checks.{check}",
                "unknown check",
                check,
                "one of " + ", ".join(CHECKS),
            )
        if mode not in ("blocking", "advisory", "off"):
            raise _err(
                file,
                f"pmo_types.{name}.checks.{check}",
                "unknown mode",
                mode,
                "blocking, advisory or off",
            )


def _check_pmo_types(file: str, types: Any, pmo_type: Any) -> dict[str, dict[str, Any]]:
    """Each PMO type's check modes; ``pmo_type`` must be one of them."""
    if not isinstance(types, Mapping) or not types:
        raise _err(
            file, "pmo_types", "expected one entry per PMO type", types, ", ".join(PMO_TYPES)
        )
    norm_types: dict[str, dict[str, Any]] = {}
    for name, spec in types.items():
        if not isinstance(spec, Mapping) or not isinstance(spec.get("checks", {}), Mapping):
            raise _err(
                file, f"pmo_types.{name}.checks", "expected {check: blocking|advisory|off}", spec
            )
        checks = dict(spec.get("checks") or {})
        _check_modes(file, name, checks)
        norm_types[str(name)] = {**dict(spec), "checks": checks}
    if str(pmo_type) not in norm_types:
        raise _err(
            file, "pmo_type", "unknown PMO type", pmo_type, "one of " + ", ".join(norm_types)
        )
    return norm_types


def _check_change_control(file: str, cc: Any) -> dict[str, Any]:
    """Change-board thresholds, numbers as floats, over the defaults."""
    sig = cc.get("significance", {}) if isinstance(cc, Mapping) else None
    if not isinstance(sig, Mapping):
        raise _err(
            file,
            "change_control.significance",
            "expected thresholds",
            sig,
            "{cost_abs: 50000, cost_ratio: 0.05, schedule_days: 10, scope: [major]}",
        )
    sig = {**DEFAULTS["change_control"]["significance"], **sig}
    for k in ("cost_abs", "cost_ratio", "schedule_days"):
        sig[k] = _number(file, f"change_control.significance.{k}", sig[k])
    if not isinstance(sig["scope"], list):
        raise _err(
            file, "change_control.significance.scope", "expected a list", sig["scope"], "[major]"
        )
    return {**dict(cc), "significance": sig}


def _check_scalars(file: str, merged: dict[str, Any]) -> None:
    """The report ages are numbers (as floats); the status date, if any, is a date."""
    for k in ("status_report_max_age_days", "risk_review_max_age_days"):
        merged[k] = _number(file, k, merged[k])
        if not math.isfinite(merged[k]) or merged[k] < 0:
            raise _err(file, k, "not a number of days", merged[k], "a number of days >= 0")
    # how the CSV/Excel door reads text cells (pmkit.io._cells): declared, or guessed per file
    orders = ("auto", "dmy", "mdy", "ymd")
    if str(merged.get("date_order", "auto")).strip().lower() not in orders:
        raise _err(file, "date_order", "not a date order", merged["date_order"], " | ".join(orders))
    if str(merged.get("decimal", "auto")).strip() not in ("auto", ".", ","):
        raise _err(file, "decimal", "not a decimal mark", merged["decimal"], 'auto | "." | ","')
    if merged.get("status_date") not in (None, ""):
        try:
            pd.Timestamp(merged["status_date"])
        except (ValueError, TypeError) as exc:
            raise _err(
                file, "status_date", "not a date", merged["status_date"], "YYYY-MM-DD"
            ) from exc


def _validate(raw: Mapping[str, Any], file: str) -> Standards:
    """Merge over :data:`DEFAULTS` and check every section; errors name ``file`` and the key."""
    if not isinstance(raw, Mapping):
        raise _err(file, "(top level)", "expected a mapping of sections", type(raw).__name__)
    merged = {k: copy.deepcopy(v) for k, v in DEFAULTS.items()}
    merged.update({k: copy.deepcopy(v) for k, v in raw.items()})
    rules = _check_rag(file, merged["rag"])
    merged["gates"] = _check_gates(file, merged["gates"])
    merged["pmo_types"] = _check_pmo_types(file, merged["pmo_types"], merged.get("pmo_type"))
    merged["change_control"] = _check_change_control(file, merged["change_control"])
    _check_scalars(file, merged)
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


def standards_of(portfolio: Portfolio) -> Standards:
    """The validated standards of a loaded portfolio (its ``standards`` dict)."""
    return _validate(dict(getattr(portfolio, "standards", {}) or {}), "standards.yaml")


def worst(statuses: list[np.ndarray]) -> np.ndarray:
    """Element-wise worst status (red > amber > green > grey) of several status arrays."""
    ranks = np.vstack([pd.Series(s).map(_RANK).to_numpy(dtype=int) for s in statuses])
    return _BY_RANK[ranks.max(axis=0)]
