"""Helpers shared by the stores: who is writing, when, cell formatting, locked appends."""

from __future__ import annotations

import csv
import getpass
import io
import json
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pmkit.io.csv_folder import guard_text, unguard_text
from pmkit.vocabulary import DATE_FORMAT

try:  # POSIX; elsewhere the lock degrades to O_APPEND atomic single writes
    import fcntl
except ImportError:  # pragma: no cover - not on the CI platform
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "actor",
    "csv_line",
    "csv_rows",
    "locked_append",
    "now_iso",
    "read_locked",
    "to_json",
]


def actor() -> str:
    """Who is writing: the JupyterHub user when served by a hub, else the system user."""
    user = os.environ.get("JUPYTERHUB_USER", "").strip()
    if user:
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - a uid without a passwd entry
        return f"uid-{os.getuid()}"


def now_iso() -> str:
    """The current UTC time, to the second, ISO 8601 with ``Z``."""
    return pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def to_json(value: Any) -> str | None:
    """``None`` stays ``None`` (nothing before a creation); anything else as sorted JSON."""
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def csv_line(values: Iterable[Any]) -> str:
    """One log line; text a spreadsheet would run (a rationale typed as ``=HYPERLINK(...)``)
    gets a guard apostrophe (:func:`pmkit.io.csv_folder.guard_text`); :func:`csv_rows` drops it."""
    buf = io.StringIO()
    cells = ["" if v is None else guard_text(v) if isinstance(v, str) else v for v in values]
    csv.writer(buf, lineterminator="\n").writerow(cells)
    return buf.getvalue()


def csv_rows(text: str) -> list[list[str]]:
    """The rows of a log written by :func:`csv_line`, each cell as it was given."""
    return [[unguard_text(c) for c in row] for row in csv.reader(io.StringIO(text))]


def read_locked(path: Path) -> str:
    """The whole text of an append-only log under a shared lock, without a torn last line."""
    if not path.exists():
        return ""
    with open(path, "rb") as fh:
        if fcntl is not None:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
        try:
            raw = fh.read()
        finally:
            if fcntl is not None:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    text = raw.decode("utf-8")
    if text and not text.endswith("\n"):  # a crash mid-write: that line was never recorded
        text = text[: text.rfind("\n") + 1]
    return text


def _read_fd(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    return os.pread(fd, size, 0) if size else b""


def locked_append(
    path: Path,
    columns: Sequence[str],
    rows: Callable[[str], list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """Append rows to a CSV log: exclusive lock, one ``write``, ``fsync``, unlock.

    ``rows`` is called under the lock with the log's current text (complete lines only), so a
    writer can compute a "before" value no other writer can change meanwhile. A torn last line
    (a crash mid-write left part of a record) is cut off first: it was never a record, and
    appending after it would glue two records into one bad line.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            raw = _read_fd(fd)
            if raw and not raw.endswith(b"\n"):
                keep = raw.rfind(b"\n") + 1
                os.ftruncate(fd, keep)
                raw = raw[:keep]
            new = rows(raw.decode("utf-8"))
            data = "".join(csv_line(r.get(c) for c in columns) for r in new)
            if not raw:
                data = csv_line(columns) + data
            payload = data.encode("utf-8")
            if os.write(fd, payload) != len(payload):  # pragma: no cover - a full disk
                raise OSError(f"{path.name}: the log could not be written in full")
            os.fsync(fd)
        finally:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    return new


def format_cells(values: pd.Series, kind: str) -> pd.Series:
    """Database values -> CSV cell text as pandas writes a typed table (ISO dates, floats by
    ``repr``: ``1.0``, ``true``/``false``): the form of the sample and of ``pmkit generate``."""
    if kind == "date":
        return pd.to_datetime(values, errors="coerce").dt.strftime(DATE_FORMAT).fillna("")
    if kind == "bool":
        return values.map(lambda v: "" if v is None or pd.isna(v) else ("true" if v else "false"))
    if kind == "float":
        return values.map(lambda v: "" if v is None or pd.isna(v) else repr(float(v)))
    if kind == "int":
        return values.map(lambda v: "" if v is None or pd.isna(v) else str(int(v)))
    return values.map(lambda v: "" if v is None else str(v))


def audit_row(
    action: str, entity: str, key: str, who: str, before: Any, after: Any
) -> dict[str, Any]:
    """One audit record (who, when, what, before -> after), the same for every backend."""
    return {
        "at": now_iso(),
        "who": who,
        "action": action,
        "entity": entity,
        "entity_key": key,
        "before": to_json(before),
        "after": to_json(after),
    }
