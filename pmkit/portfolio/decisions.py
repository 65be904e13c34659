"""The change control board: significant changes, and decisions kept as an append-only audit trail.

Decisions never rewrite ``change_requests.csv``. Each one is one line appended to
``decisions_log.csv`` next to the portfolio; the latest line per change request wins, and every
earlier line stays as the trail (who decided what, when, and why).

Why appending is safe with several dashboards open at once
----------------------------------------------------------
:func:`record_decision` opens the log with ``O_APPEND``, takes an exclusive ``fcntl.flock`` on it,
writes the header if the file is empty, writes the whole record with **one** ``os.write`` call,
``fsync``\\ s and releases the lock. Writers are therefore serialised: two sessions deciding at the
same moment both land, in lock order, and no reader ever sees half a line (a torn last line left
by a power cut is skipped by :func:`load_decisions`). The
order of lines is the order of decisions; ``seq`` numbers them.

A portfolio read from a database (:mod:`pmkit.store`) logs its decisions in the ``decisions``
table instead, each in one transaction with its audit row. Under JupyterHub (``JUPYTERHUB_USER``
set) only members of the change-board group (``$PMKIT_BOARD_GROUP``, default ``change-board``,
listed in ``$PMKIT_ROLES`` by the hub) may record a decision, and it is recorded under the
signed-in user's name.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pmkit.errors import DecisionError
from pmkit.model import Portfolio
from pmkit.standards import standards_of
from pmkit.vocabulary import DECISIONS_LOG_COLUMNS, DECISIONS_LOG_FILE

__all__ = [
    "DECISIONS",
    "LOG_COLUMNS",
    "LOG_FILE",
    "DecisionError",
    "apply_decisions",
    "decisions_path",
    "load_decisions",
    "may_decide",
    "record_decision",
    "significance",
    "significant_changes",
]

LOG_FILE = DECISIONS_LOG_FILE
LOG_COLUMNS = DECISIONS_LOG_COLUMNS
DECISIONS: dict[str, str] = {
    "approve": "approved",
    "approved": "approved",
    "reject": "rejected",
    "rejected": "rejected",
    "defer": "deferred",
    "deferred": "deferred",
}
"""Accepted verbs -> the status stored (the ``decision`` vocabulary of ``change_requests``)."""


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
"""A portfolio read from a workbook keeps its log beside it, never inside it."""


def decisions_path(portfolio_or_path: Any) -> Path:
    """The log file: ``<portfolio folder>/decisions_log.csv`` (or ``path`` if it is a file).

    A portfolio loaded from a workbook (its ``source`` is the ``.xlsx``) keeps the log in the
    workbook's folder, where ``standards.yaml`` is read from too: the log is appended as CSV
    text, and appended to the workbook it made the ``.xlsx`` unreadable (and the roll-up read
    the zip file as a CSV log and stopped with a ``UnicodeDecodeError``).
    """
    src = getattr(portfolio_or_path, "source", portfolio_or_path)
    if src is None:
        raise DecisionError(
            "this portfolio was not loaded from a folder; pass the decisions log path",
            field="path",
        )
    p = Path(src)
    if p.suffix.lower() in WORKBOOK_SUFFIXES:
        return p.parent / LOG_FILE
    return p / LOG_FILE if p.is_dir() or p.suffix == "" else p


def record_decision(
    path: Any,
    cr_id: str,
    decision: str,
    by: str,
    why: str,
    *,
    at: Any = None,
    known_ids: Iterable[str] | None = None,
) -> dict[str, str]:
    """Append one change-board decision to the audit trail (atomic, concurrency-safe).

    Parameters
    ----------
    path : path-like, Portfolio or Store
        The log file, or the portfolio folder (then ``decisions_log.csv`` inside it), or a
        portfolio read from a database / a :class:`pmkit.store.Store` (then its table).
    cr_id : str
        The change request decided.
    decision : {"approve", "reject", "defer"}
        Past forms (``"approved"`` ...) are accepted too.
    by, why : str
        Who decided and the rationale; both required (the board must say why).
    at : datetime-like, optional
        When; defaults to now (UTC, seconds).
    known_ids : iterable of str, optional
        Valid ``cr_id`` values (e.g. ``portfolio.changes["cr_id"]``) to reject typos early.

    Returns
    -------
    dict
        The record written (``decision_id`` is a fresh UUID).
    """
    store = _store_of(path)
    cr = str(cr_id or "").strip()
    if not cr:
        raise DecisionError("a decision needs the change request id", field="cr_id", value=cr_id)
    if known_ids is not None and cr not in set(map(str, known_ids)):
        raise DecisionError("unknown change request", field="cr_id", value=cr)
    verb = DECISIONS.get(str(decision).strip().lower())
    if verb is None:
        raise DecisionError(
            "unknown decision",
            field="decision",
            value=decision,
            expected="approve, reject or defer",
        )
    allowed, reason = may_decide()
    if not allowed:
        raise DecisionError(reason, field="decided_by")
    hub_user = os.environ.get("JUPYTERHUB_USER", "").strip()
    who, rationale = hub_user or str(by or "").strip(), str(why or "").strip()
    if not who:
        raise DecisionError("say who decided", field="decided_by", value=by)
    if not rationale:
        raise DecisionError("say why (the audit trail needs a rationale)", field="rationale")
    stamp = pd.Timestamp.now(tz="UTC") if at is None else pd.Timestamp(at)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    record = {
        "decision_id": uuid.uuid4().hex,
        "cr_id": cr,
        "decision": verb,
        "decided_by": who,
        "decided_at": stamp.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ"),
        "rationale": rationale,
    }
    if store is not None:
        from pmkit.store._common import actor  # lazy: pmkit.store loads SQLAlchemy

        store.append_decision(record, actor())
        return record
    from pmkit.store._common import locked_append  # lazy: pmkit.store loads SQLAlchemy

    locked_append(decisions_path(path), LOG_COLUMNS, lambda _text: [record])
    return record


def may_decide() -> tuple[bool, str]:
    """May this server record decisions? Outside JupyterHub, yes; under it, board members only.

    Returns
    -------
    (bool, str)
        The answer and, when refused, the reason to show.
    """
    if not os.environ.get("JUPYTERHUB_USER", "").strip():
        return True, ""
    group = os.environ.get("PMKIT_BOARD_GROUP", "change-board").strip() or "change-board"
    roles = {r.strip() for r in os.environ.get("PMKIT_ROLES", "").split(",")}
    if group in roles:
        return True, ""
    return False, f"only members of the {group} group may record decisions"


def _store_of(target: Any) -> Any:
    """The :class:`pmkit.store.Store` behind ``target`` (a store, a portfolio read from one)."""
    if hasattr(target, "append_decision"):
        return target
    store = getattr(target, "store", None)
    if store is not None and getattr(target, "source", None) is None:
        return store
    return None


def _empty_log() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series([], dtype="str") for c in LOG_COLUMNS})
    out["decided_at"] = pd.Series([], dtype="datetime64[ns, UTC]")
    out.insert(0, "seq", pd.Series([], dtype="int64"))
    return out


def load_decisions(path: Any) -> pd.DataFrame:
    """Every decision of the log, in the order made (``seq`` 1, 2, ...); empty if no log yet.

    Raises
    ------
    DecisionError
        A line with a bad header, unknown decision or date, naming the file, line and field.
    """
    store = _store_of(path)
    if store is not None:
        target = Path(str(getattr(store, "label", "decisions")))
        rows = [list(LOG_COLUMNS), *store.decision_rows()]
    else:
        target = decisions_path(path)
        if not target.exists():
            return _empty_log()
        from pmkit.store._common import csv_rows, read_locked  # lazy: pmkit.store: SQLAlchemy

        rows = csv_rows(read_locked(target))
    if not rows:
        return _empty_log()
    if tuple(rows[0]) != LOG_COLUMNS:
        raise DecisionError(
            "unexpected header",
            file=target.name,
            line=1,
            value=",".join(rows[0]),
            expected=",".join(LOG_COLUMNS),
        )
    body = rows[1:]
    for i, row in enumerate(body, start=2):
        if len(row) != len(LOG_COLUMNS):
            raise DecisionError(
                f"expected {len(LOG_COLUMNS)} fields", file=target.name, line=i, value=len(row)
            )
        if row[2] not in DECISIONS.values():
            raise DecisionError(
                "unknown decision",
                file=target.name,
                line=i,
                field="decision",
                value=row[2],
                expected="approved, rejected or deferred",
            )
    df = pd.DataFrame(body, columns=list(LOG_COLUMNS), dtype="str")
    when = pd.to_datetime(df["decided_at"], utc=True, errors="coerce", format="ISO8601")
    bad = np.flatnonzero(when.isna().to_numpy())
    if bad.size:
        i = int(bad[0])
        raise DecisionError(
            "not a date-time",
            file=target.name,
            line=i + 2,
            field="decided_at",
            value=df["decided_at"].iat[i],
            expected="YYYY-MM-DDTHH:MM:SSZ",
        )
    df["decided_at"] = when
    df.insert(0, "seq", np.arange(1, len(df) + 1, dtype="int64"))
    return df


def apply_decisions(
    portfolio: Portfolio, *, path: str | os.PathLike[str] | None = None
) -> pd.DataFrame:
    """The changes table with the latest logged decision of each CR applied (the file untouched).

    Columns are those of ``change_requests`` (``decision, decided_by, decided_on, rationale``
    replaced where the log has a decision) plus ``decision_source`` (``"file"`` or ``"log"``) and
    ``decisions_logged`` (how many log lines the CR has: its audit trail length).
    Without a log (or a portfolio not loaded from a folder) the table is returned as is.
    """
    changes = portfolio.changes.copy()
    changes["decision_source"] = "file"
    changes["decisions_logged"] = 0
    if path is None and getattr(portfolio, "source", None) is None and _store_of(portfolio) is None:
        return changes
    log = load_decisions(path if path is not None else portfolio)
    if log.empty:
        return changes
    counts = log["cr_id"].value_counts()
    latest = log.drop_duplicates("cr_id", keep="last").set_index("cr_id")
    hit = changes["cr_id"].isin(latest.index).to_numpy()
    ids = changes.loc[hit, "cr_id"]
    changes.loc[hit, "decision"] = ids.map(latest["decision"]).to_numpy()
    changes.loc[hit, "decided_by"] = ids.map(latest["decided_by"]).to_numpy()
    changes.loc[hit, "decided_on"] = (
        ids.map(latest["decided_at"]).dt.tz_convert(None).dt.normalize().to_numpy()
    )
    changes.loc[hit, "rationale"] = ids.map(latest["rationale"]).to_numpy()
    changes.loc[hit, "decision_source"] = "log"
    changes["decisions_logged"] = changes["cr_id"].map(counts).fillna(0).astype("int64")
    return changes


def significance(
    portfolio: Portfolio, changes: pd.DataFrame, std: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Which changes go to the board, and why (vectorised).

    Significant if flagged ``significant`` in the file, or past any threshold of
    ``change_control.significance`` in ``standards.yaml``: ``|cost| >= cost_abs``,
    ``|cost| >= cost_ratio x budget``, ``|schedule| >= schedule_days``, ``scope_impact`` in
    ``scope``.

    Returns
    -------
    (ndarray of bool, ndarray of str)
        The flag and the reasons (``"; "``-joined) per row of ``changes``.
    """

    sig = (std or standards_of(portfolio)).significance
    budget = changes["project_id"].map(portfolio.projects.set_index("project_id")["budget"])
    cost = changes["cost_impact"].abs().to_numpy(dtype=float)
    days = changes["schedule_impact_days"].abs().to_numpy(dtype=float)
    tests = [
        ((changes["significance"] == "significant").to_numpy(), "flagged significant"),
        (cost >= sig["cost_abs"], f"|cost| ≥ {sig['cost_abs']:,.0f}"),
        (
            cost >= sig["cost_ratio"] * budget.to_numpy(dtype=float),
            f"|cost| ≥ {sig['cost_ratio']:.0%} of budget",
        ),
        (days >= sig["schedule_days"], f"|schedule| ≥ {sig['schedule_days']:g} days"),
        (
            changes["scope_impact"].isin(list(sig["scope"])).to_numpy(),
            "scope impact " + "/".join(map(str, sig["scope"])),
        ),
    ]
    flag = np.zeros(len(changes), dtype=bool)
    reasons = np.full(len(changes), "", dtype=object)
    for hit, text in tests:
        hit = np.asarray(hit, dtype=bool)
        flag |= hit
        reasons = _join(reasons, np.where(hit, text, ""))
    return flag, reasons


def significant_changes(
    portfolio: Portfolio,
    *,
    path: str | os.PathLike[str] | None = None,
    status: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """Changes for the change control board, with their impact and the objective they serve.

    Decisions from the log are applied first; significance as in :func:`significance`.

    Parameters
    ----------
    status : str or iterable, optional
        Keep these decisions only (e.g. ``"pending"``).

    Returns
    -------
    DataFrame
        The change columns (with ``decision_source``, ``decisions_logged``) plus
        ``project_name, programme, sponsor, strategic_objective`` (the project's),
        ``cost_impact_ratio`` (of the project budget) and ``why_significant``; largest absolute
        cost impact first.
    """
    ch = apply_decisions(portfolio, path=path)
    keep, reasons = significance(portfolio, ch)
    out = ch.loc[keep].copy()
    out["why_significant"] = reasons[keep]
    info = portfolio.projects.set_index("project_id")
    out["project_name"] = out["project_id"].map(info["name"])
    for col in ("programme", "sponsor", "strategic_objective"):
        out[col] = out["project_id"].map(info[col])
    budget = out["project_id"].map(info["budget"]).astype(float)
    out["cost_impact_ratio"] = np.where(budget > 0, out["cost_impact"] / budget, np.nan)
    if status is not None:
        wanted = {status} if isinstance(status, str) else set(status)
        out = out[out["decision"].isin(wanted)]
    order = out["cost_impact"].abs().sort_values(ascending=False, kind="stable").index
    return out.loc[order].reset_index(drop=True)


def _join(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=object)
    b = np.asarray(b, dtype=object)
    both = (a != "") & (b != "")
    return np.where(both, a + "; " + b, np.where(a != "", a, b))
