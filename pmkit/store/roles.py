"""Database roles for a team: who may only read, who may also record change-board decisions.

The dashboards already hide the decision button from non-members (:func:`may_decide`), but an
analyst runs code, so in a team deployment the database is the last line. ``pmkit db grant``
creates two group roles per database and puts login roles in them:

- ``<db>_read``: connect and ``SELECT`` every table (and tables a later ``db upgrade`` adds).
  For managers and analysts.
- ``<db>_board``: what ``<db>_read`` may, plus appending to the decisions log and the audit trail.
  No ``UPDATE`` or ``DELETE`` on either, so the log stays append-only even for the board. The
  one extra right is ``UPDATE`` on the change request's ``row_no`` column: PostgreSQL asks for it
  to lock the change request's row ``FOR UPDATE`` (decisions on one request queue so the audit's
  "before" is exact); no pmkit code writes that column.

The portfolio's owner (the role that ran ``db init``/``db load``) keeps every right. Running the
command again re-applies the rights exactly (a table added by an upgrade is covered) and adds the
members given; it never removes a member.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import sqlalchemy as sa

from pmkit.store.migrate import StoreError, check_current
from pmkit.store.sql_store import engine_url

__all__ = ["ROLE_KINDS", "grant_roles", "role_names"]

ROLE_KINDS = ("read", "board")
"""The group roles ``pmkit db grant`` manages, from least to most rights."""

#: tables the board appends to (never updates or deletes)
_BOARD_APPENDS = ("decisions", "audit")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$-]{0,62}$")


def role_names(database: str) -> dict[str, str]:
    """``{"read": "<db>_read", "board": "<db>_board"}``: per database, so one cluster can hold
    several portfolios without a reader of one reading the other."""
    base = re.sub(r"[^A-Za-z0-9_]", "_", database)[:50] or "pmkit"
    return {kind: f"{base}_{kind}" for kind in ROLE_KINDS}


def grant_roles(url: str, members: Mapping[str, Iterable[str]] | None = None) -> dict[str, str]:
    """Create or refresh the two group roles of ``url``'s database and add ``members``.

    ``members`` maps a kind (``read``/``board``) to existing login roles. Everything happens in
    one transaction: an unknown kind or login role changes nothing. Returns the group roles.
    """
    parsed = engine_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise StoreError(
            "database roles are a PostgreSQL feature",
            value=parsed.get_backend_name(),
            expected="a postgresql:// URL (a SQLite file is guarded by its file permissions)",
        )
    wanted = {kind: sorted(set(names)) for kind, names in (members or {}).items()}
    for kind, names in wanted.items():
        if kind not in ROLE_KINDS:
            raise StoreError("unknown role kind", value=kind, expected=" or ".join(ROLE_KINDS))
        for name in names:
            if not _NAME.match(name):
                raise StoreError("not a role name", field=kind, value=name)
    engine = sa.create_engine(parsed)
    shown = parsed.render_as_string(hide_password=True)
    try:
        check_current(engine, shown)  # the tables exist and are this pmkit's schema
        with engine.begin() as conn:
            roles = role_names(str(conn.exec_driver_sql("SELECT current_database()").scalar()))
            q = conn.dialect.identifier_preparer.quote
            _create_groups(conn, roles)
            _apply_rights(conn, {k: q(v) for k, v in roles.items()})
            _add_members(conn, roles, wanted)
    except sa.exc.DBAPIError as exc:  # e.g. not the owner: nothing was changed
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise StoreError(
            f"the database refused the grants ({reason}); nothing was changed",
            value=shown,
            expected="run as the portfolio's owner (the role that ran pmkit db init)",
        ) from exc
    finally:
        engine.dispose()
    return roles


def _exists(conn: sa.Connection, role: str) -> bool:
    found = conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
    return found.first() is not None


def _create_groups(conn: sa.Connection, roles: Mapping[str, str]) -> None:
    q = conn.dialect.identifier_preparer.quote
    for role in roles.values():
        if not _exists(conn, role):
            conn.exec_driver_sql(f"CREATE ROLE {q(role)} NOLOGIN")


def _apply_rights(conn: sa.Connection, qr: Mapping[str, str]) -> None:
    """Reset both groups' table rights, then grant exactly the documented ones."""
    read, board = qr["read"], qr["board"]
    db = conn.dialect.identifier_preparer.quote(
        str(conn.exec_driver_sql("SELECT current_database()").scalar())
    )
    for sql in (
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {read}, {board}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {read}, {board}",
        f"GRANT CONNECT ON DATABASE {db} TO {read}",
        f"GRANT USAGE ON SCHEMA public TO {read}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {read}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {read}",
        f"GRANT {read} TO {board}",
        f"GRANT INSERT ON {', '.join(_BOARD_APPENDS)} TO {board}",
        f"GRANT UPDATE (row_no) ON change_requests TO {board}",
    ):
        conn.exec_driver_sql(sql)
    for table, column in (("decisions", "seq"), ("audit", "id")):
        seq = conn.execute(
            sa.text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table, "c": column}
        ).scalar()
        if seq:  # the schema's serial key: INSERT takes the next value from it
            conn.exec_driver_sql(f"GRANT USAGE ON SEQUENCE {seq} TO {board}")


def _add_members(
    conn: sa.Connection, roles: Mapping[str, str], wanted: Mapping[str, list[str]]
) -> None:
    quote = conn.dialect.identifier_preparer.quote
    for kind, names in wanted.items():
        for name in names:
            if not _exists(conn, name):
                raise StoreError(
                    f"no such login role: create it first (createuser {name})",
                    field=kind,
                    value=name,
                )
            conn.exec_driver_sql(f"GRANT {quote(roles[kind])} TO {quote(name)}")
