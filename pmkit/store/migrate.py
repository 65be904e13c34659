"""Schema versions with Alembic: create or upgrade a database, and refuse a stale one.

A database carries its Alembic revision. :func:`check_current` is called by every store that
opens a database: a database older (or newer) than this pmkit is never read, it is reported with
the command that upgrades it (``pmkit db upgrade URL``).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from pmkit.errors import PmkitError

__all__ = ["StoreError", "check_current", "current_revision", "head_revision", "upgrade"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class StoreError(PmkitError):
    """A store that cannot be opened, read or written (not a data-validation problem)."""


def _config(connection: sa.Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The revision this pmkit reads and writes."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: sa.Engine) -> str | None:
    """The database's revision (``None``: never initialised)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: sa.Engine, revision: str = "head") -> str:
    """Create the tables or bring them to ``revision`` (one transaction); return the revision."""
    with engine.begin() as conn:
        command.upgrade(_config(conn), revision)
    rev = current_revision(engine)
    assert rev is not None
    return rev


def check_current(engine: sa.Engine, label: str) -> None:
    """Raise :class:`StoreError` unless the database is at this pmkit's revision."""
    have, want = current_revision(engine), head_revision()
    if have == want:
        return
    if have is None:
        raise StoreError(
            "the database has no pmkit tables",
            file=label,
            expected=f"an initialised store: run `pmkit db init {label}`",
        )
    known = {s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions()}
    if have in known:
        raise StoreError(
            f"the database schema is revision {have}, this pmkit needs {want}",
            file=label,
            expected=f"an upgraded store: run `pmkit db upgrade {label}` (data is kept)",
        )
    raise StoreError(
        f"the database schema is revision {have}, unknown to this pmkit (newer?)",
        file=label,
        expected=f"revision {want}: upgrade pmkit",
    )
