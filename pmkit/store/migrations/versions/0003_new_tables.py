"""Tables added to the portfolio model after 0002 (project_scores).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NEW: dict[str, list[tuple[str, sa.types.TypeEngine]]] = {
    "project_scores": [
        ("project_id", sa.Text()),
        ("driver", sa.Text()),
        ("score", sa.Double()),
    ],
}


def upgrade() -> None:
    for name, columns in NEW.items():
        op.create_table(
            name,
            sa.Column("row_no", sa.Integer, primary_key=True, autoincrement=False),
            *(sa.Column(col, kind, nullable=True) for col, kind in columns),
        )


def downgrade() -> None:
    for name in reversed(list(NEW)):
        op.drop_table(name)
