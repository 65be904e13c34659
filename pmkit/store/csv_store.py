"""The CSV-folder store (the default): tables in ``*.csv``, writes in append-only logs.

Decisions go to ``decisions_log.csv`` (as before); risk status changes and saved records go to
``audit_log.csv``, which is both the audit trail and the data: the latest row per risk / record
wins when the folder is read. Each write is one locked, fsynced append (see
:func:`pmkit.store._common.locked_append`), so no writer loses another's row.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import pandas as pd

from pmkit.io.csv_folder import read_folder, unguard_text
from pmkit.model import Portfolio
from pmkit.store._common import audit_row, csv_rows, locked_append, read_locked
from pmkit.store.base import AUDIT_COLUMNS, RISK_STATUSES, Store, audit_frame, loads
from pmkit.store.migrate import StoreError
from pmkit.validation import ValidationIssue, ValidationReport
from pmkit.vocabulary import DECISIONS_LOG_COLUMNS, DECISIONS_LOG_FILE

__all__ = ["AUDIT_FILE", "CsvStore"]

AUDIT_FILE = "audit_log.csv"


class CsvStore(Store):
    """A portfolio folder of CSV files."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder).expanduser().resolve()
        self.label = f"folder {self.folder.name}"

    @property
    def audit_path(self) -> Path:
        return self.folder / AUDIT_FILE

    def _audit_rows(self, text: str | None = None) -> list[dict[str, Any]]:
        text = read_locked(self.audit_path) if text is None else text
        rows = [
            {k: unguard_text(v) if isinstance(v, str) else v for k, v in r.items()}
            for r in csv.DictReader(io.StringIO(text))
        ]  # cells as csv_line was given them (guard apostrophes dropped)
        return [
            {
                c: (r.get(c) or None) if c in ("before", "after") else r.get(c, "")
                for c in AUDIT_COLUMNS
            }
            for r in rows
        ]

    def read(self) -> tuple[dict[str, pd.DataFrame], dict[str, Any], ValidationReport]:

        tables, standards, report = read_folder(self.folder)
        if report.ok:
            tables["risks"] = self._risks_with_updates(tables["risks"], report)
        return tables, standards, report

    def _risks_with_updates(self, risks: pd.DataFrame, report: ValidationReport) -> pd.DataFrame:
        updates = {
            r["entity_key"]: loads(r["after"])
            for r in self._audit_rows()
            if r["entity"] == "risks" and r["action"] == "set_status"
        }
        if not updates:
            return risks
        out = risks.copy()
        for rid, after in updates.items():
            status = (after or {}).get("status")
            hit = out["risk_id"] == rid
            if status not in RISK_STATUSES or not hit.any():
                report.issues.append(
                    ValidationIssue(
                        AUDIT_FILE,
                        None,
                        "after",
                        str(after),
                        "a known risk, open or closed",
                        f"risk status update of {rid} ignored",
                        "warning",
                    )
                )
                continue
            out.loc[hit, "status"] = status
        return out

    def _portfolio(self, tables: dict[str, pd.DataFrame], standards: dict[str, Any]) -> Portfolio:
        return Portfolio.from_tables(tables, standards, source=self.folder)

    def decision_rows(self) -> list[list[str]]:
        rows = csv_rows(read_locked(self.folder / DECISIONS_LOG_FILE))
        return rows[1:]

    def append_decision(self, record: dict[str, str], who: str) -> None:
        locked_append(
            self.folder / DECISIONS_LOG_FILE, DECISIONS_LOG_COLUMNS, lambda _text: [record]
        )

    def set_risk_status(self, risk_id: str, status: str, who: str) -> dict[str, Any]:
        if status not in RISK_STATUSES:
            raise StoreError(
                "unknown risk status", field="status", value=status, expected="open or closed"
            )
        current = self.load_portfolio().risks
        hit = current.loc[current["risk_id"] == risk_id, "status"]
        if hit.empty:
            raise StoreError("unknown risk", field="risk_id", value=risk_id)

        def rows(text: str) -> list[dict[str, Any]]:
            before = str(hit.iat[0])
            for r in self._audit_rows(text):  # the latest logged status, read under the lock
                if r["entity"] == "risks" and r["entity_key"] == risk_id:
                    before = (loads(r["after"]) or {}).get("status", before)
            return [
                self._audit(
                    "set_status", "risks", risk_id, who, {"status": before}, {"status": status}
                )
            ]

        return dict(locked_append(self.audit_path, AUDIT_COLUMNS, rows)[0])

    @staticmethod
    def _audit(
        action: str, entity: str, key: str, who: str, before: Any, after: Any
    ) -> dict[str, Any]:
        return audit_row(action, entity, key, who, before, after)

    def put_record(self, kind: str, key: str, payload: dict[str, Any], who: str) -> dict[str, Any]:
        entity = f"records:{kind}"

        def rows(text: str) -> list[dict[str, Any]]:
            before = None
            for r in self._audit_rows(text):
                if r["entity"] == entity and r["entity_key"] == key:
                    before = loads(r["after"])
            return [self._audit("put", entity, key, who, before, payload)]

        return dict(locked_append(self.audit_path, AUDIT_COLUMNS, rows)[0])

    def records(self, kind: str) -> dict[str, dict[str, Any]]:
        entity = f"records:{kind}"
        out: dict[str, dict[str, Any]] = {}
        for r in self._audit_rows():
            if r["entity"] == entity:
                out[r["entity_key"]] = loads(r["after"])
        return out

    def audit_trail(self) -> pd.DataFrame:
        return audit_frame(self._audit_rows())
