"""Errors that name where the problem is, so a user can fix the input without a traceback.

Every pmkit error carries the file, line, field and value it is about (whichever apply) and
what was expected; ``str(err)`` reads as one sentence a manager can act on.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CycleError",
    "MspdiError",
    "PmkitError",
    "PortfolioValidationError",
    "ScheduleError",
]


class PmkitError(Exception):
    """Base class of every error pmkit raises on purpose (bad input, impossible request)."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        value: Any = None,
        expected: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        self.value = value
        self.expected = expected

    def location(self) -> str:
        """``file:line, field 'x'`` — whichever parts are known."""
        parts: list[str] = []
        if self.file:
            parts.append(f"{self.file}:{self.line}" if self.line is not None else self.file)
        elif self.line is not None:
            parts.append(f"line {self.line}")
        if self.field:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = self.message
        where = self.location()
        if where:
            text = f"{where}: {text}"
        if self.value is not None:
            text += f" (got {self.value!r}"
            text += f"; expected {self.expected})" if self.expected else ")"
        elif self.expected:
            text += f" (expected {self.expected})"
        return text


class ScheduleError(PmkitError):
    """The network cannot be scheduled (bad link, unknown task, impossible input)."""


class CycleError(ScheduleError):
    """The links form a cycle; ``cycle`` lists the task uids in it, in link order."""

    def __init__(self, message: str, *, cycle: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.cycle: list[Any] = list(cycle or [])


class MspdiError(PmkitError):
    """A Microsoft Project XML file is unsafe, malformed or holds a value pmkit cannot read."""


class PortfolioValidationError(PmkitError):
    """A portfolio failed validation; ``report`` holds every problem found (not just the first)."""

    def __init__(self, message: str, *, report: Any = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.report = report

    def __str__(self) -> str:
        return str(self.report) if self.report is not None else super().__str__()
