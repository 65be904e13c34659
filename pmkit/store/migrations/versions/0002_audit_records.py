"""The audit trail of dashboard writes, and generic saved records (e.g. scenarios).

Revision ID: 0002
Revises: 0001
Decisions recorded before this revision get an audit row each ("migrated"), so the trail
covers every decision of the database.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    audit = op.create_table(
        "audit",
        sa.Column("id", ID, primary_key=True),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("who", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("entity", sa.Text, nullable=False),
        sa.Column("entity_key", sa.Text, nullable=False),
        sa.Column("before", sa.Text, nullable=True),
        sa.Column("after", sa.Text, nullable=True),
    )
    op.create_table(
        "records",
        sa.Column("kind", sa.Text, primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
    )
    cols = ("decision_id", "cr_id", "decision", "decided_by", "decided_at", "rationale")
    rows = (
        op.get_bind()
        .execute(sa.text(f"SELECT {', '.join(cols)} FROM decisions ORDER BY seq"))
        .all()
    )
    if rows:
        op.bulk_insert(
            audit,
            [
                {
                    "at": r.decided_at,
                    "who": r.decided_by,
                    "action": "decide (migrated)",
                    "entity": "change_requests",
                    "entity_key": r.cr_id,
                    "before": None,
                    "after": json.dumps(dict(zip(cols, r, strict=True)), sort_keys=True),
                }
                for r in rows
            ],
        )


def downgrade() -> None:
    op.drop_table("records")
    op.drop_table("audit")
