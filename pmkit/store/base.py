"""What every store offers: read a validated portfolio, and audited writes from dashboards."""

from __future__ import annotations

import abc
import json
from dataclasses import replace
from typing import Any

import pandas as pd

from pmkit.model import Portfolio
from pmkit.validation import ValidationReport

__all__ = ["AUDIT_COLUMNS", "RISK_STATUSES", "Store"]

AUDIT_COLUMNS = ("at", "who", "action", "entity", "entity_key", "before", "after")
RISK_STATUSES = ("open", "closed")


class Store(abc.ABC):
    """A portfolio's home: a CSV folder, or a SQLite/PostgreSQL database (same tables).

    Reads go through the one validation door (:func:`pmkit.validation.validate_tables`); every
    write from a dashboard is atomic and leaves one audit row (who, when, what, before -> after).
    """

    label: str
    """What the store is, fit to show a viewer (no server path, host or password)."""

    @abc.abstractmethod
    def read(self) -> tuple[dict[str, pd.DataFrame], dict[str, Any], ValidationReport]:
        """(typed tables, standards, report); the tables are trustworthy only if ``report.ok``."""

    def validate(self) -> ValidationReport:
        """Every problem of the stored portfolio (never raises for bad data)."""
        return self.read()[2]

    @abc.abstractmethod
    def _portfolio(self, tables: dict[str, pd.DataFrame], standards: dict[str, Any]) -> Portfolio:
        """Assemble the portfolio of validated tables."""

    def load_portfolio(self) -> Portfolio:
        """The validated portfolio; ``PortfolioValidationError`` (every problem) if any error."""
        tables, standards, report = self.read()
        report.raise_if_errors()
        return self.portfolio_from(tables, standards)

    def portfolio_from(
        self, tables: dict[str, pd.DataFrame], standards: dict[str, Any]
    ) -> Portfolio:
        """The portfolio of tables this store has just read (and checked), bound to the store."""
        return replace(self._portfolio(tables, standards), store=self)

    # -- change-board decisions (pmkit.portfolio.decisions validates them first)
    @abc.abstractmethod
    def decision_rows(self) -> list[list[str]]:
        """Every logged decision as text rows in ``LOG_COLUMNS`` order, oldest first."""

    @abc.abstractmethod
    def append_decision(self, record: dict[str, str], who: str) -> None:
        """Append one decision (a row of ``LOG_COLUMNS``) with its audit row, atomically."""

    # -- risk status
    @abc.abstractmethod
    def set_risk_status(self, risk_id: str, status: str, who: str) -> dict[str, Any]:
        """Open or close a risk; returns the audit row written."""

    # -- generic saved records (e.g. saved scenarios)
    @abc.abstractmethod
    def put_record(self, kind: str, key: str, payload: dict[str, Any], who: str) -> dict[str, Any]:
        """Create or replace the record ``(kind, key)``; returns the audit row written."""

    @abc.abstractmethod
    def records(self, kind: str) -> dict[str, dict[str, Any]]:
        """Every record of ``kind``: key -> payload."""

    def get_record(self, kind: str, key: str) -> dict[str, Any] | None:
        """One record's payload, or ``None``."""
        return self.records(kind).get(key)

    @abc.abstractmethod
    def audit_trail(self) -> pd.DataFrame:
        """Every audit row, oldest first (columns :data:`AUDIT_COLUMNS`)."""


def audit_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(AUDIT_COLUMNS)).astype(
        {c: "object" for c in AUDIT_COLUMNS}
    )


def loads(text: Any) -> Any:
    return None if text is None or text == "" else json.loads(text)
