"""Where a portfolio lives: a CSV folder (default), a SQLite file or a PostgreSQL database.

One URL chooses the store (``pmkit serve --data URL``, ``$PMKIT_DATA``)::

    data/                                   a folder of CSV files (plan-as-code in git)
    sqlite:///portfolio.db                  one embedded file
    postgresql://pmkit@db.example/pmkit     a shared server (psycopg 3)

Every store reads through the same validation door and writes dashboard changes (change-board
decisions, risk status, saved records such as scenarios) atomically with an audit row each.
``pmkit db init|upgrade|load|dump|grant`` manage databases (:func:`init_db`, :func:`load_folder`,
:func:`dump_store`); Alembic versions the schema (:mod:`pmkit.store.migrate`).
"""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

import sqlalchemy as sa

from pmkit.io.csv_folder import guard_table, sample_data_path
from pmkit.model import TABLES
from pmkit.store import schema as S
from pmkit.store._common import actor, csv_line
from pmkit.store.base import AUDIT_COLUMNS, Store
from pmkit.store.csv_store import CsvStore
from pmkit.store.migrate import StoreError, upgrade
from pmkit.store.sql_store import SqlStore
from pmkit.vocabulary import DECISIONS_LOG_COLUMNS, DECISIONS_LOG_FILE

__all__ = [
    "AUDIT_COLUMNS",
    "CsvStore",
    "SqlStore",
    "Store",
    "StoreError",
    "data_location",
    "dump_store",
    "init_db",
    "is_database_url",
    "load_folder",
    "open_store",
]

_OPEN: dict[str, SqlStore] = {}
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_database_url(location: object) -> bool:
    """``sqlite:…``/``postgresql:…`` (a database) rather than a folder path."""
    return isinstance(location, str) and bool(_URL.match(location))


def data_location() -> str:
    """``$PMKIT_DATA`` (a folder or a database URL), else the bundled sample folder."""

    env = os.environ.get("PMKIT_DATA", "").strip()
    return env if is_database_url(env) else str(sample_data_path())


def open_store(location: str | os.PathLike[str] | None = None) -> Store:
    """The store at ``location`` (default :func:`data_location`); databases must be current."""
    loc = data_location() if location is None else os.fspath(location)
    if is_database_url(loc):
        if not loc.startswith(("sqlite:", "postgresql:", "postgres:", "postgresql+psycopg:")):
            raise StoreError(
                "unsupported store URL",
                value=loc.split(":", 1)[0],
                expected="a folder, sqlite:///FILE or postgresql://…",
            )
        if loc not in _OPEN:  # one engine (connection pool) per database per process
            _OPEN[loc] = SqlStore(loc)
        return _OPEN[loc]
    folder = Path(loc)
    if not folder.is_dir():
        raise StoreError(
            "portfolio folder not found",
            file=folder.name,
            expected="a folder of CSV files or a database URL",
        )
    return CsvStore(folder)


def init_db(url: str) -> str:
    """Create the tables in an empty database, or upgrade an older one; the revision reached."""
    store = SqlStore(url, check=False)
    try:
        return upgrade(store.engine)
    finally:
        store.close()


def load_folder(folder: str | os.PathLike[str], url: str, *, replace: bool = False) -> SqlStore:
    """Validate a CSV folder, then copy it into the database in ONE transaction.

    Nothing is written if the folder has any error (``PortfolioValidationError`` with every
    problem) or if the database already holds a portfolio and ``replace`` is false. The decisions
    log comes along; the audit trail of the database is kept and gains a ``load`` row.
    """

    src = CsvStore(folder)
    tables, _standards, report = src.read()
    report.raise_if_errors()
    std_path = src.folder / "standards.yaml"
    std_text = std_path.read_text(encoding="utf-8") if std_path.exists() else None
    decisions = [dict(zip(DECISIONS_LOG_COLUMNS, r, strict=True)) for r in src.decision_rows()]
    layout = json.dumps({name: _header(src.folder / spec.file) for name, spec in TABLES.items()})
    store = SqlStore(url)
    with store.transaction() as conn:
        if not replace and not store.is_empty(conn):
            raise StoreError(
                "the database already holds a portfolio",
                file=store.shown_url,
                expected="an empty database, or --replace",
            )
        store.replace_portfolio(conn, tables, std_text)

        conn.execute(S.DOCUMENTS.insert(), {"name": LAYOUT, "content": layout})
        conn.execute(sa.delete(S.DECISIONS))
        if decisions:
            conn.execute(S.DECISIONS.insert(), decisions)
        counts = {name: len(df) for name, df in tables.items()}
        store.write_audit(conn, "load", "portfolio", src.folder.name, actor(), None, counts)
    return store


def dump_store(url: str, folder: str | os.PathLike[str]) -> Path:
    """Write the database's portfolio as a CSV folder (the bytes ``db load`` read back)."""

    store = SqlStore(url)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    with store.engine.connect() as conn:
        raw = store.raw_tables(conn)
        text = store.standards_text(conn)
        text_layout = conn.execute(
            sa.select(S.DOCUMENTS.c.content).where(S.DOCUMENTS.c.name == LAYOUT)
        ).scalar_one_or_none()
    layout = json.loads(text_layout or "{}")
    for name, table in raw.items():
        cols = [c for c in layout.get(name, []) if c in table.data.columns]
        cols += [c for c in table.data.columns if c not in cols]
        cells = guard_table(TABLES[name], table.data[cols])  # names shown, never run by Excel
        cells.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    if text is not None:
        (out / "standards.yaml").write_text(text, encoding="utf-8")
    rows = store.decision_rows()
    if rows:
        body = csv_line(DECISIONS_LOG_COLUMNS) + "".join(csv_line(r) for r in rows)
        (out / DECISIONS_LOG_FILE).write_text(body, encoding="utf-8")
    store.close()
    return out


LAYOUT = "layout.json"
"""A document recording each table's column order in the loaded files (``db dump`` keeps it)."""


def _header(path: Path) -> list[str]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [c.strip() for c in next(csv.reader(fh), [])]
