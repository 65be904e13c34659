"""The portfolio tables, the standards document and the change board's decisions.

Revision ID: 0001
Revises:
Frozen copy of the schema as released; never edit it (add a new revision instead).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# table -> (column, type); every table also has row_no (its CSV order, primary key)
PORTFOLIO: dict[str, list[tuple[str, sa.types.TypeEngine]]] = {
    "projects": [
        ("project_id", sa.Text()),
        ("name", sa.Text()),
        ("programme", sa.Text()),
        ("sponsor", sa.Text()),
        ("manager", sa.Text()),
        ("department", sa.Text()),
        ("phase", sa.Text()),
        ("start", sa.Date()),
        ("finish_baseline", sa.Date()),
        ("budget", sa.Double()),
        ("strategic_objective", sa.Text()),
        ("score_value", sa.BigInteger()),
        ("score_alignment", sa.BigInteger()),
        ("score_risk", sa.BigInteger()),
        ("priority", sa.BigInteger()),
        ("calendar_id", sa.Text()),
    ],
    "tasks": [
        ("task_id", sa.Text()),
        ("project_id", sa.Text()),
        ("wbs", sa.Text()),
        ("name", sa.Text()),
        ("outline_level", sa.BigInteger()),
        ("is_summary", sa.Boolean()),
        ("is_milestone", sa.Boolean()),
        ("duration_days", sa.Double()),
        ("optimistic_days", sa.Double()),
        ("most_likely_days", sa.Double()),
        ("pessimistic_days", sa.Double()),
        ("constraint_type", sa.Text()),
        ("constraint_date", sa.Date()),
        ("calendar_id", sa.Text()),
        ("percent_complete", sa.Double()),
        ("actual_start", sa.Date()),
        ("actual_finish", sa.Date()),
        ("baseline_start", sa.Date()),
        ("baseline_finish", sa.Date()),
        ("budgeted_cost", sa.Double()),
    ],
    "links": [
        ("pred_id", sa.Text()),
        ("succ_id", sa.Text()),
        ("type", sa.Text()),
        ("lag_days", sa.Double()),
    ],
    "resources": [
        ("resource_id", sa.Text()),
        ("name", sa.Text()),
        ("role", sa.Text()),
        ("department", sa.Text()),
        ("capacity_hours_per_day", sa.Double()),
        ("rate_per_hour", sa.Double()),
        ("calendar_id", sa.Text()),
    ],
    "assignments": [
        ("task_id", sa.Text()),
        ("resource_id", sa.Text()),
        ("units", sa.Double()),
    ],
    "calendars": [
        ("calendar_id", sa.Text()),
        ("name", sa.Text()),
        ("working_days", sa.Text()),
        ("periods", sa.Text()),
        ("hours_per_day", sa.Double()),
    ],
    "holidays": [
        ("calendar_id", sa.Text()),
        ("date", sa.Date()),
        ("name", sa.Text()),
    ],
    "risks": [
        ("risk_id", sa.Text()),
        ("project_id", sa.Text()),
        ("title", sa.Text()),
        ("kind", sa.Text()),
        ("category", sa.Text()),
        ("probability", sa.Double()),
        ("cost_impact", sa.Double()),
        ("schedule_impact_days", sa.Double()),
        ("owner", sa.Text()),
        ("response", sa.Text()),
        ("status", sa.Text()),
        ("raised_on", sa.Date()),
    ],
    "change_requests": [
        ("cr_id", sa.Text()),
        ("project_id", sa.Text()),
        ("title", sa.Text()),
        ("description", sa.Text()),
        ("requested_by", sa.Text()),
        ("submitted_on", sa.Date()),
        ("task_id", sa.Text()),
        ("scope_impact", sa.Text()),
        ("cost_impact", sa.Double()),
        ("schedule_impact_days", sa.Double()),
        ("significance", sa.Text()),
        ("objective", sa.Text()),
        ("decision", sa.Text()),
        ("decided_by", sa.Text()),
        ("decided_on", sa.Date()),
        ("rationale", sa.Text()),
    ],
    "snapshots": [
        ("project_id", sa.Text()),
        ("report_date", sa.Date()),
        ("pv", sa.Double()),
        ("ev", sa.Double()),
        ("ac", sa.Double()),
        ("percent_complete", sa.Double()),
        ("forecast_finish", sa.Date()),
        ("comment", sa.Text()),
    ],
    "milestone_forecasts": [
        ("project_id", sa.Text()),
        ("task_id", sa.Text()),
        ("report_date", sa.Date()),
        ("forecast_date", sa.Date()),
    ],
    "stage_gates": [
        ("project_id", sa.Text()),
        ("gate", sa.Text()),
        ("phase", sa.Text()),
        ("artefact", sa.Text()),
        ("required", sa.Boolean()),
        ("done", sa.Boolean()),
    ],
}


def upgrade() -> None:
    for name, columns in PORTFOLIO.items():
        op.create_table(
            name,
            sa.Column("row_no", sa.Integer, primary_key=True, autoincrement=False),
            *(sa.Column(col, kind, nullable=True) for col, kind in columns),
        )
    op.create_table(
        "documents",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("content", sa.Text, nullable=False),
    )
    op.create_table(
        "decisions",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("decision_id", sa.Text, nullable=False, unique=True),
        sa.Column("cr_id", sa.Text, nullable=False, index=True),
        sa.Column("decision", sa.Text, nullable=False),
        sa.Column("decided_by", sa.Text, nullable=False),
        sa.Column("decided_at", sa.Text, nullable=False),
        sa.Column("rationale", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("decisions")
    op.drop_table("documents")
    for name in reversed(list(PORTFOLIO)):
        op.drop_table(name)
