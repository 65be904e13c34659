"""The SQL store: SQLite (one file) or PostgreSQL, through SQLAlchemy Core (psycopg 3).

Every write is one transaction holding the change and its audit row, so a writer killed at any
moment leaves either both or neither. SQLite write transactions start with ``BEGIN IMMEDIATE``
(writers queue on the database lock instead of failing on a read-to-write upgrade); PostgreSQL
rows read for a "before" value are locked ``FOR UPDATE``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from pmkit.io._standards import parse_standards
from pmkit.model import TABLES, Portfolio
from pmkit.store import schema as S
from pmkit.store._common import audit_row, format_cells, now_iso, to_json
from pmkit.store.base import AUDIT_COLUMNS, RISK_STATUSES, Store, audit_frame, loads
from pmkit.store.migrate import StoreError, check_current
from pmkit.validation import RawTable, ValidationIssue, ValidationReport, validate_tables
from pmkit.vocabulary import DECISIONS_LOG_COLUMNS

__all__ = ["SqlStore", "engine_url"]

STANDARDS_FILE = "standards.yaml"
INSUFFICIENT_PRIVILEGE = "42501"  # PostgreSQL's SQLSTATE for a refused right


def engine_url(url: str) -> sa.URL:
    """``postgresql://`` and ``postgres://`` use psycopg 3; ``sqlite:///file`` as is."""
    text = re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)
    try:
        return sa.make_url(text)
    except sa.exc.ArgumentError as exc:
        raise StoreError(
            "not a database URL", value=url, expected="sqlite:///FILE or postgresql://USER@HOST/DB"
        ) from exc


def _sqlite_engine(url: sa.URL) -> sa.Engine:
    engine = sa.create_engine(url, connect_args={"timeout": 120})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _rec: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=120000")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get("pmkit_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class SqlStore(Store):
    """A portfolio in a SQLite or PostgreSQL database initialised by ``pmkit db init``."""

    def __init__(self, url: str, *, check: bool = True) -> None:
        self.url = engine_url(url)
        if self.url.get_backend_name() == "sqlite":
            name = Path(self.url.database or "memory").name
            self.label = f"SQLite database {name}"
            self.engine = _sqlite_engine(self.url)
        elif self.url.get_backend_name() == "postgresql":
            self.label = f"PostgreSQL database {self.url.database or ''}".rstrip()
            self.engine = sa.create_engine(self.url, pool_pre_ping=True)
        else:
            raise StoreError(
                "unsupported database",
                value=self.url.get_backend_name(),
                expected="sqlite or postgresql",
            )
        self.shown_url = self.url.render_as_string(hide_password=True)
        if check:
            check_current(self.engine, self.shown_url)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """One write transaction (committed on exit, rolled back on any error)."""
        try:
            with self.engine.connect().execution_options(pmkit_write=True) as conn, conn.begin():
                yield conn
        except sa.exc.DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
                raise
            raise StoreError(
                "this database role may not make this change: nothing was saved",
                file=self.shown_url,
                expected="a role the PMO granted this right (pmkit db grant, docs/DEPLOY.md)",
            ) from exc

    # ------------------------------------------------------------------ read
    def raw_tables(self, conn: sa.Connection) -> dict[str, RawTable]:
        """Every portfolio table as CSV cell text, in row order (what ``db dump`` writes)."""
        out: dict[str, RawTable] = {}
        for name, spec in TABLES.items():
            t = S.PORTFOLIO_TABLES[name]
            rows = conn.execute(sa.select(t).order_by(t.c.row_no)).all()
            df = pd.DataFrame(rows, columns=["row_no", *spec.columns], dtype=object)
            cells = pd.DataFrame(
                {f.name: format_cells(df[f.name], f.kind).astype("str") for f in spec.fields},
                columns=spec.columns,
            )
            lines = df["row_no"].to_numpy(dtype=np.int64) + 1
            out[name] = RawTable(cells.reset_index(drop=True), lines)
        return out

    def standards_text(self, conn: sa.Connection) -> str | None:
        q = sa.select(S.DOCUMENTS.c.content).where(S.DOCUMENTS.c.name == STANDARDS_FILE)
        return conn.execute(q).scalar_one_or_none()

    def read(self) -> tuple[dict[str, pd.DataFrame], dict[str, Any], ValidationReport]:
        with self.engine.connect() as conn:
            raw = self.raw_tables(conn)
            text = self.standards_text(conn)
        standards, issues = _parse_standards(text)
        tables, report = validate_tables(raw, standards, pre_issues=issues, source=self.label)
        return tables, standards, report

    def _portfolio(self, tables: dict[str, pd.DataFrame], standards: dict[str, Any]) -> Portfolio:
        return Portfolio.from_tables(tables, standards, source=None)

    def decision_rows(self) -> list[list[str]]:
        cols = [S.DECISIONS.c[c] for c in DECISIONS_LOG_COLUMNS]
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(*cols).order_by(S.DECISIONS.c.seq)).all()
        return [[str(v) for v in r] for r in rows]

    def audit_trail(self) -> pd.DataFrame:
        cols = [S.AUDIT.c[c] for c in AUDIT_COLUMNS]
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(*cols).order_by(S.AUDIT.c.id)).all()
        return audit_frame([dict(zip(AUDIT_COLUMNS, r, strict=True)) for r in rows])

    def records(self, kind: str) -> dict[str, dict[str, Any]]:
        q = sa.select(S.RECORDS.c.key, S.RECORDS.c.payload).where(S.RECORDS.c.kind == kind)
        with self.engine.connect() as conn:
            return {k: loads(p) for k, p in conn.execute(q.order_by(S.RECORDS.c.key))}

    # ------------------------------------------------------------------ audited writes
    @staticmethod
    def write_audit(
        conn: sa.Connection, action: str, entity: str, key: str, who: str, before: Any, after: Any
    ) -> dict[str, Any]:
        row = audit_row(action, entity, key, who, before, after)
        conn.execute(S.AUDIT.insert(), row)
        return row

    def insert_decision(self, conn: sa.Connection, record: dict[str, str]) -> None:
        conn.execute(S.DECISIONS.insert(), record)

    def append_decision(self, record: dict[str, str], who: str) -> None:
        d, cr = S.DECISIONS, S.PORTFOLIO_TABLES["change_requests"]
        with self.transaction() as conn:
            # lock the change request: decisions on one CR queue, so "before" is exact
            conn.execute(
                sa.select(cr.c.row_no).where(cr.c.cr_id == record["cr_id"]).with_for_update()
            )
            prev = conn.execute(
                sa.select(d.c.decision)
                .where(d.c.cr_id == record["cr_id"])
                .order_by(d.c.seq.desc())
                .limit(1)
            ).scalar_one_or_none()
            if prev is None:
                prev = conn.execute(
                    sa.select(cr.c.decision).where(cr.c.cr_id == record["cr_id"])
                ).scalar_one_or_none()
            self.insert_decision(conn, record)
            self.write_audit(
                conn,
                "decide",
                "change_requests",
                record["cr_id"],
                who,
                None if prev is None else {"decision": prev},
                record,
            )

    def set_risk_status(self, risk_id: str, status: str, who: str) -> dict[str, Any]:
        if status not in RISK_STATUSES:
            raise StoreError(
                "unknown risk status", field="status", value=status, expected="open or closed"
            )
        t = S.PORTFOLIO_TABLES["risks"]
        with self.transaction() as conn:
            before = conn.execute(
                sa.select(t.c.status).where(t.c.risk_id == risk_id).with_for_update()
            ).scalar_one_or_none()
            if before is None:
                raise StoreError("unknown risk", field="risk_id", value=risk_id)
            conn.execute(sa.update(t).where(t.c.risk_id == risk_id).values(status=status))
            return self.write_audit(
                conn, "set_status", "risks", risk_id, who, {"status": before}, {"status": status}
            )

    def put_record(self, kind: str, key: str, payload: dict[str, Any], who: str) -> dict[str, Any]:
        r = S.RECORDS
        where = (r.c.kind == kind) & (r.c.key == key)
        body = {"payload": to_json(payload), "updated_by": who, "updated_at": now_iso()}
        for attempt in range(5):  # two first writers of one key: the loser retries as an update
            try:
                with self.transaction() as conn:
                    old = conn.execute(
                        sa.select(r.c.payload).where(where).with_for_update()
                    ).scalar_one_or_none()
                    if old is None:
                        conn.execute(r.insert().values(kind=kind, key=key, **body))
                    else:
                        conn.execute(sa.update(r).where(where).values(**body))
                    return self.write_audit(
                        conn, "put", f"records:{kind}", key, who, loads(old), payload
                    )
            except sa.exc.IntegrityError:
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ bulk load / dump
    def is_empty(self, conn: sa.Connection) -> bool:
        t = S.PORTFOLIO_TABLES["projects"]
        return conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() == 0

    def replace_portfolio(
        self, conn: sa.Connection, tables: dict[str, pd.DataFrame], standards_text: str | None
    ) -> None:
        """Delete and insert every portfolio table and the standards (in ``conn``'s transaction)."""
        for name, spec in TABLES.items():
            t = S.PORTFOLIO_TABLES[name]
            conn.execute(sa.delete(t))
            rows = _python_rows(tables[name], spec.columns)
            if rows:
                conn.execute(t.insert(), rows)
        conn.execute(sa.delete(S.DOCUMENTS))
        if standards_text is not None:
            conn.execute(S.DOCUMENTS.insert(), {"name": STANDARDS_FILE, "content": standards_text})


def _python_rows(df: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """Typed table -> insertable dicts (NaN/NaT -> None, numpy scalars -> Python)."""
    obj = df[columns].astype(object).where(df[columns].notna(), None)
    rows = obj.to_dict("records")
    for i, row in enumerate(rows, start=1):
        for k, v in row.items():
            if isinstance(v, pd.Timestamp):
                row[k] = v.date()
            elif isinstance(v, np.generic):
                row[k] = v.item()
        row["row_no"] = i
    return rows


def _parse_standards(text: str | None) -> tuple[dict[str, Any], list[ValidationIssue]]:
    if text is None:
        return {}, [
            ValidationIssue(
                STANDARDS_FILE,
                None,
                None,
                None,
                None,
                "file is missing; default standards apply",
                "warning",
            )
        ]
    return parse_standards(text)
