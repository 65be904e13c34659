"""Change board tab: significant changes and the board's decisions (audit trail)."""

from __future__ import annotations

import os
from pathlib import Path

import ipywidgets as W
import pandas as pd

from pmkit.model import Portfolio
from pmkit.portfolio.decisions import may_decide, record_decision, significant_changes
from pmkit.ui._common import badge, error_html, esc, guarded
from pmkit.ui.portfolio_review import tables
from pmkit.ui.portfolio_review._base import (
    _html,
    _note,
    _Tab,
)


class ChangeBoardTab(_Tab):
    def build(self) -> None:
        self.table = W.HTML()
        self.cr = W.Dropdown(description="Change", layout=W.Layout(width="520px"))
        self.decision = W.ToggleButtons(
            options=[("Approve", "approve"), ("Reject", "reject"), ("Defer", "defer")],
            value="approve",
            description="Decision",
        )
        self.by = W.Text(description="Decided by", placeholder="name of the board chair")
        self.why = W.Textarea(
            description="Why", placeholder="rationale (required for the audit trail)",
            layout=W.Layout(width="520px", height="70px"),
        )  # fmt: skip
        self.record_btn = W.Button(description="Record decision", button_style="success")
        self.record_btn.add_class("pmkit-record-decision")
        self.feedback = W.HTML()
        self.record_btn.on_click(lambda _b: guarded(self.feedback)(self.record)())
        where = _store_label(self.r.p)
        self._apply_board_rights()
        self.widget = W.VBox(
            [
                self.message,
                _html(
                    _note(
                        "Significant scope changes waiting for the board, with their cost and "
                        "schedule impact and the strategic objective they serve. Decisions are "
                        "appended to the audit trail "
                        + (f"in the {where}" if where else "(needs a portfolio from a store)")
                        + "."
                    )
                ),
                self.table,
                W.HTML("<h4>Record a decision</h4>"),
                self.cr,
                self.decision,
                self.by,
                self.why,
                self.record_btn,
                self.feedback,
            ]
        )

    def changes(self) -> pd.DataFrame:
        ch = significant_changes(self.r.p)
        ch = ch[ch["project_id"].astype(str).isin(self.r.ids)]
        # what the board must still decide comes first (the engine's cost order within)
        return ch.sort_values("decision", key=lambda d: d != "pending", kind="stable")

    def refresh(self) -> None:
        ch = self.changes()
        self.table.value = self.table_html(ch)
        pending = ch[ch["decision"] == "pending"]
        first = pending if not pending.empty else ch
        options = [
            (f"{r.cr_id} · {r.project_id} · {str(r.title)[:50]} ({r.decision})", str(r.cr_id))
            for r in pd.concat([first, ch.drop(first.index)]).itertuples()
        ]
        old = self.cr.value
        self.cr.options = options
        if options:
            self.cr.value = old if old in {v for _, v in options} else options[0][1]

    def table_html(self, ch: pd.DataFrame) -> str:
        return tables.changes_table(ch, self.r.names, self.r.currency)

    def _apply_board_rights(self) -> None:
        """Under JupyterHub: the signed-in name is the decider; non-members see why they can't."""
        user = os.environ.get("JUPYTERHUB_USER", "").strip()
        if user:
            self.by.value, self.by.disabled = user, True
        allowed, reason = may_decide()
        if not allowed:
            self.record_btn.disabled = True
            self.feedback.value = f"<p class='pmkit-note pmkit-board-only'>{esc(reason)}.</p>"

    def record(self) -> None:
        where = _store_label(self.r.p)
        if not where:
            self.feedback.value = error_html(
                ValueError("this portfolio was not read from a store: nowhere to save")
            )
            return
        cr = self.cr.value
        rec = record_decision(
            self.r.p, str(cr or ""), str(self.decision.value), self.by.value, self.why.value,
            known_ids=self.r.p.changes["cr_id"].astype(str),
        )  # fmt: skip
        self.why.value = ""
        self.refresh()
        self.feedback.value = (
            f"<p class='pmkit-recorded'>{badge('green', 'Recorded')} {esc(rec['cr_id'])} "
            f"{esc(rec['decision'])} by {esc(rec['decided_by'])} at {esc(rec['decided_at'])}, "
            f"saved to the {esc(where)}.</p>"
        )


def _store_label(portfolio: Portfolio) -> str:
    """Where decisions go, fit for a viewer: ``folder data``, ``PostgreSQL database pmkit``."""
    store = getattr(portfolio, "store", None)
    if store is not None:
        return str(store.label)
    src = getattr(portfolio, "source", None)
    return f"folder {Path(src).name}" if src is not None else ""
