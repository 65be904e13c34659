"""The database tables: one per portfolio table (built from :data:`pmkit.model.TABLES`), plus the
standards document, the change-board decisions, the audit trail and generic saved records.

Portfolio tables keep the CSV's row order in ``row_no`` (1, 2, ...; the CSV line is ``row_no + 1``)
and are typed (dates, numbers, booleans); every rule is still checked by the one validation door,
:func:`pmkit.validation.validate_tables`, when a portfolio is read back, so a database edited by
hand is reported exactly like a CSV folder. This module describes the *current* schema; the
Alembic revisions in ``migrations/versions`` are frozen copies that build it step by step.
"""

from __future__ import annotations

import sqlalchemy as sa

from pmkit.model import TABLES, Field

__all__ = ["AUDIT", "DECISIONS", "DOCUMENTS", "METADATA", "PORTFOLIO_TABLES", "RECORDS", "sql_type"]

METADATA = sa.MetaData()


def sql_type(f: Field) -> sa.types.TypeEngine:
    """The column type of a field: text, date, double precision, bigint or boolean."""
    if f.kind == "date":
        return sa.Date()
    if f.kind == "float":
        return sa.Double()
    if f.kind == "int":
        return sa.BigInteger()
    if f.kind == "bool":
        return sa.Boolean()
    return sa.Text()


PORTFOLIO_TABLES: dict[str, sa.Table] = {
    name: sa.Table(
        name,
        METADATA,
        sa.Column("row_no", sa.Integer, primary_key=True, autoincrement=False),
        *(sa.Column(f.name, sql_type(f), nullable=True) for f in spec.fields),
    )
    for name, spec in TABLES.items()
}

DOCUMENTS = sa.Table(
    "documents",
    METADATA,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("content", sa.Text, nullable=False),
)
"""Whole files kept verbatim (``standards.yaml``), so a dump gives back the same bytes."""

DECISIONS = sa.Table(
    "decisions",
    METADATA,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("decision_id", sa.Text, nullable=False, unique=True),
    sa.Column("cr_id", sa.Text, nullable=False, index=True),
    sa.Column("decision", sa.Text, nullable=False),
    sa.Column("decided_by", sa.Text, nullable=False),
    sa.Column("decided_at", sa.Text, nullable=False),
    sa.Column("rationale", sa.Text, nullable=False),
)
"""The change board's append-only log (the ``decisions_log.csv`` of a folder)."""

AUDIT = sa.Table(
    "audit",
    METADATA,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("who", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("entity", sa.Text, nullable=False),
    sa.Column("entity_key", sa.Text, nullable=False),
    sa.Column("before", sa.Text, nullable=True),
    sa.Column("after", sa.Text, nullable=True),
)
"""One row per write from a dashboard: who, when (UTC ISO), what, before -> after (JSON)."""

RECORDS = sa.Table(
    "records",
    METADATA,
    sa.Column("kind", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Text, nullable=False),
)
"""Generic saved objects (e.g. saved scenarios: ``kind="scenario"``), JSON payloads."""
