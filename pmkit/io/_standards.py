"""``standards.yaml`` at the door: safe YAML, then the PMO lens's own checks, as report issues.

A PMO lead edits this file by hand. A syntax error names its line; YAML anchors, aliases and
explicit tags are refused before anything is built (they are how YAML bombs and object
injection start, and a settings file never needs them); wrong types and thresholds in the wrong
order are reported by :mod:`pmkit.standards`, located at the key's line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import yaml

from pmkit.errors import PmkitError
from pmkit.io._cells import DATE_ORDERS, DECIMALS, OFF_ORDER
from pmkit.standards import standards_of
from pmkit.validation import ValidationIssue

if TYPE_CHECKING:
    from pmkit.model import Portfolio

__all__ = ["STANDARDS_FILE", "Standards", "cell_reading", "drop_restated", "read_standards"]

STANDARDS_FILE = "standards.yaml"
MAX_BYTES = 1024 * 1024  # a settings file; anything larger is not one


class Standards(dict[str, Any]):
    """The parsed settings, plus the line of each top-level key (``key_lines``): the door's
    checks on a value (the status date, the currency) name the line, as the lens's do."""

    key_lines: dict[str, int]

    def __init__(self, data: dict[str, Any], text: str = "") -> None:
        super().__init__(data)
        self.key_lines = _top_key_lines(text)


def _top_key_lines(text: str) -> dict[str, int]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in node.value}


def _problem(line: int | None, message: str, value: Any = None, fld: str | None = None):
    return ValidationIssue(STANDARDS_FILE, line, fld, value, None, message)


def _refuse_aliases_and_tags(text: str) -> ValidationIssue | None:
    """Scan the YAML events: anchors, aliases and explicit tags are refused, with their line."""
    for ev in yaml.parse(text, Loader=yaml.SafeLoader):
        line = ev.start_mark.line + 1 if ev.start_mark is not None else None
        if isinstance(ev, yaml.AliasEvent) or getattr(ev, "anchor", None):
            return _problem(line, "YAML anchors and aliases (&, *) are not allowed here")
        tag = getattr(ev, "tag", None)  # set only when the text spells one out
        if tag not in (None, "!"):
            return _problem(line, "YAML tags (!!type) are not allowed here", tag)
    return None


def _refuse_duplicate_keys(text: str) -> ValidationIssue | None:
    """A key given twice in one mapping: YAML would silently keep the last one (a second
    ``status_date:`` at the end of the file moved the whole portfolio's data date)."""
    todo: list[tuple[str, Any]] = [("", yaml.compose(text, Loader=yaml.SafeLoader))]
    while todo:
        key, node = todo.pop(0)
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for k, v in node.value:
                name, line = str(k.value), k.start_mark.line + 1
                dotted = f"{key}.{name}".strip(".")
                if name in seen:
                    return ValidationIssue(
                        STANDARDS_FILE,
                        line,
                        dotted,
                        None,
                        f"each key once (first on line {seen[name]})",
                        "key given twice: YAML would keep only the last one",
                    )
                seen[name] = line
                todo.append((dotted, v))
        elif isinstance(node, yaml.SequenceNode):
            todo.extend((f"{key}[{i}]", v) for i, v in enumerate(node.value))
    return None


def _key_line(text: str, dotted: str | None) -> int | None:
    """The line of ``rag.schedule.green`` in the file (None when absent)."""
    if not dotted:
        return None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = None
    for part in dotted.replace("]", "").replace("[", ".").split("."):
        if isinstance(node, yaml.MappingNode):
            hit = [(k, v) for k, v in node.value if str(k.value) == part]
            if not hit:
                break
            line, node = hit[0][0].start_mark.line + 1, hit[0][1]
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _parse(text: str) -> tuple[Any, ValidationIssue | None]:
    try:
        refused = _refuse_aliases_and_tags(text) or _refuse_duplicate_keys(text)
        if refused is not None:
            return None, refused
        return yaml.safe_load(text), None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        return None, _problem(line, f"YAML syntax error: {problem}", None)
    except (ValueError, OverflowError) as exc:  # a value YAML reads as a date but is none
        return None, _bad_value(text, exc)


def _bad_value(text: str, exc: Exception) -> ValidationIssue:
    """The first value of ``text`` that YAML takes for a date (``2026-13-45``) but cannot
    build, with its line and key."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    todo: list[tuple[str, Any]] = [("", node)]
    while todo:
        key, n = todo.pop(0)
        if isinstance(n, yaml.MappingNode):
            todo.extend((f"{key}.{k.value}".strip("."), v) for k, v in n.value)
        elif isinstance(n, yaml.SequenceNode):
            todo.extend((f"{key}[{i}]", v) for i, v in enumerate(n.value))
        elif isinstance(n, yaml.ScalarNode) and n.tag.endswith(":timestamp"):
            try:
                yaml.safe_load(n.value)
            except (ValueError, OverflowError):
                return ValidationIssue(
                    STANDARDS_FILE,
                    n.start_mark.line + 1,
                    key or None,
                    n.value,
                    "a real date YYYY-MM-DD",
                    "not a real date",
                )
    return _problem(None, f"cannot read a value: {exc}")


def _lens_check(data: dict[str, Any], text: str) -> ValidationIssue | None:
    """The PMO lens's own rules (types, RAG thresholds in order, known checks)."""

    class _Holder:
        standards = data

    try:
        standards_of(cast("Portfolio", _Holder()))
    except PmkitError as exc:
        if exc.field == "status_date":  # the door's own check reports it
            return None
        return ValidationIssue(
            STANDARDS_FILE,
            _key_line(text, exc.field),
            exc.field,
            exc.value,
            exc.expected,
            exc.message,
        )
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        return _problem(None, f"cannot use these standards: {exc}")
    return None


def read_standards(folder: Path) -> tuple[dict[str, Any], list[ValidationIssue]]:
    """The settings of ``folder/standards.yaml`` (``{}`` when absent) and its problems."""
    path = folder / STANDARDS_FILE
    if not path.exists():
        msg = "file is missing; default standards apply"
        return {}, [ValidationIssue(STANDARDS_FILE, None, None, None, None, msg, "warning")]
    if path.is_dir():
        return {}, [_problem(None, "is a folder, not a file")]
    try:
        data = path.read_bytes()
    except OSError as exc:
        return {}, [_problem(None, f"cannot read: {exc.strerror or exc}")]
    if len(data) > MAX_BYTES:
        return {}, [_problem(None, "file is larger than 1 MB: not a settings file", len(data))]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return {}, [_problem(line, "file is not UTF-8 text")]
    return parse_standards(text)


def parse_standards(text: str) -> tuple[dict[str, Any], list[ValidationIssue]]:
    """The settings in ``text`` and its problems: one door for a folder's file and a
    database's stored copy, so both refuse the same things with the same words."""
    parsed, problem = _parse(text)
    if problem is not None:
        return {}, [problem]
    if parsed is None:
        return {}, []
    if not isinstance(parsed, dict):
        return {}, [_problem(1, "standards must be a mapping of settings", type(parsed).__name__)]
    problem = _lens_check(parsed, text)
    return Standards(parsed, text), [problem] if problem else []


def cell_reading(standards: dict[str, Any]) -> tuple[str, str]:
    """``(date_order, decimal)`` the CSV/Excel door reads text cells by: declared in
    standards.yaml, else ``auto`` (a value the lens refuses is reported there; read as auto)."""
    order = str(standards.get("date_order", "auto") or "auto").strip().lower()
    decimal = str(standards.get("decimal", "auto") or "auto").strip()
    return (
        order if order in DATE_ORDERS else "auto",
        decimal if decimal in DECIMALS else "auto",
    )


def drop_restated(issues: list[ValidationIssue]) -> list[ValidationIssue]:
    """A date refused for not fitting the declared ``date_order`` is one problem: the
    door's "cannot read the value" on the same cell says it again, less precisely."""
    off = {(i.file, i.line, i.field) for i in issues if i.message == OFF_ORDER}
    if not off:
        return issues
    return [
        i
        for i in issues
        if i.message == OFF_ORDER
        or not (i.message == "cannot read the value" and (i.file, i.line, i.field) in off)
    ]
