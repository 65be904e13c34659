"""Governance tab: stage gates and checks under a PMO type."""

from __future__ import annotations

import ipywidgets as W
import pandas as pd

from pmkit.charts import portfolio as charts
from pmkit.portfolio import governance
from pmkit.standards import PMO_TYPES
from pmkit.ui import portfolio_views as views
from pmkit.ui._common import badge, esc, guarded
from pmkit.ui.portfolio_review import tables
from pmkit.ui.portfolio_review._base import (
    _note,
    _Tab,
    loading,
)


class GovernanceTab(_Tab):
    VIEW = ("explain", "gaps", "failing")

    def view_key(self) -> str | None:
        return str(self.pmo_type.value)  # one view per PMO type

    def build(self) -> None:
        types = list(self.r.std.raw.get("pmo_types", {}) or PMO_TYPES)
        current = self.r.std.pmo_type if self.r.std.pmo_type in types else types[0]
        self.pmo_type = W.ToggleButtons(
            options=types,
            value=current,
            description="PMO type",
            tooltips=[_pmo_tip(t) for t in types],
        )
        self.pmo_type.observe(lambda _c: guarded(self.message)(self.present)(), names="value")
        self.explain = W.HTML()
        self.gaps = W.HTML()
        self.failing = W.HTML()
        self.chart("score", loading())
        self.widget = W.VBox(
            [
                self.message,
                self.pmo_type,
                self.explain,
                self.charts["score"],
                W.HTML("<h4>Stage gates: required artefacts not done</h4>"),
                self.gaps,
                W.HTML("<h4>Other governance checks not passed</h4>"),
                self.failing,
            ]
        )

    def refresh(self) -> None:
        kind = str(self.pmo_type.value)
        ids = self.r.ids
        gates = self.shared(
            f"gates_{kind}", lambda: governance.gate_compliance(self.r.p, pmo_type=kind)
        )
        gates = gates[gates["project_id"].astype(str).isin(ids)]
        checks = self.shared(
            f"checks_{kind}",
            lambda: governance.governance_checks(
                self.r.p, pmo_type=kind, rollup_df=self.r.rollup_all
            ),
        )
        checks = checks[checks["project_id"].astype(str).isin(ids)]
        scores = governance.compliance_score(checks)
        self.explain.value = self.modes_html(kind)
        rows = views.compliance_rows(scores, self.r.labels, gates)
        self.chart("score", charts.compliance_bars(rows))
        self.gaps.value = self.gaps_html(gates)
        self.failing.value = self.failing_html(checks)

    def modes_html(self, kind: str) -> str:
        """What the selected PMO type does with each check: blocks, advises, or ignores."""
        modes = self.r.std.check_modes(kind)
        style = {"blocking": ("red", "Blocks"), "advisory": ("amber", "Advisory"),
                 "off": ("grey", "Not checked")}  # fmt: skip
        chips = " ".join(
            badge(
                style.get(m, ("grey", m))[0], f"{c.replace('_', ' ')}: {style.get(m, ('', m))[1]}"
            )
            for c, m in modes.items()
        )
        desc = self.r.std.raw.get("pmo_types", {}).get(kind, {}).get("description", "")
        return (
            f"<p><b>{esc(kind.title())} PMO</b> — {esc(desc or _pmo_tip(kind))}</p>"
            f"<p class='pmkit-modes'>{chips}</p>"
            + _note(
                "Switching the PMO type changes which checks block a gate and which are only "
                "advice; the score counts passed checks (the gate check by share of artefacts)."
            )
        )

    def gaps_html(self, gates: pd.DataFrame) -> str:
        return tables.gate_gaps_table(gates, self.r.names)

    def failing_html(self, checks: pd.DataFrame) -> str:
        return tables.failing_checks_table(checks, self.r.names)


def _pmo_tip(kind: str) -> str:
    return {
        "supportive": "Supportive: templates and advice; no check blocks a gate",
        "controlling": "Controlling: key artefacts are mandatory and block a gate",
        "directive": "Directive: every required artefact blocks its gate",
    }.get(kind, kind)
