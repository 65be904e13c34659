"""Errors that name where the problem is, so a user can fix the input without a traceback.

Every pmkit error carries the file, line, field and value it is about (whichever apply) and
what was expected; ``str(err)`` reads as one sentence a manager can act on. Every exception
pmkit raises on purpose is defined here, once::

    PmkitError                      bad input or an impossible request
    ├── UnknownIdError (KeyError)   a project, task, resource … id that is not in the portfolio
    │   ├── UnknownSlipTaskError    … in a slip (also a SlipError, which callers caught before)
    │   ├── UnknownScheduleTaskError … in a schedule's driving chain (also a ScheduleError)
    │   └── UnknownPrioritiseProjectError … in a selection (also a PrioritiseError)
    ├── PortfolioValidationError    the door refused a portfolio; ``report`` lists every problem
    ├── MspdiError                  an MS Project XML file is unsafe, malformed or unreadable
    ├── MpxjUnavailableError        MPXJ or Java is missing for this kind of file
    ├── CalendarError               a calendar with no working time or an unreadable period
    ├── StandardsError              standards.yaml holds a key or value the PMO lens cannot use
    ├── ContentError                teaching content incomplete (every problem listed)
    ├── EvmError                    earned-value input that cannot be used
    ├── RiskError                   a risk table or request that cannot be used
    ├── CapacityError               a capacity what-if that cannot be applied
    ├── SlipError                   a slip that cannot be simulated
    ├── DecisionError               a change-board decision that cannot be recorded or read
    ├── StoreError                  a store (folder or database) that cannot be opened or written
    ├── PdfUnavailableError         no PDF printer here (Playwright or Chromium missing)
    ├── PrioritiseError             drivers, scores or constraints the optimiser cannot use
    └── ScheduleError               the network cannot be scheduled
        ├── CycleError              the links form a cycle (``cycle`` lists it)
        ├── LevelingError           a load or levelling request that cannot be honoured
        ├── WhatIfError             a scenario naming an unknown task/link or impossible value
        └── MonteCarloError         a simulation request that cannot be honoured
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = [
    "CalendarError",
    "CapacityError",
    "ContentError",
    "CycleError",
    "DecisionError",
    "EvmError",
    "LevelingError",
    "MonteCarloError",
    "MpxjUnavailableError",
    "MspdiError",
    "PdfUnavailableError",
    "PmkitError",
    "PortfolioValidationError",
    "PrioritiseError",
    "RiskError",
    "ScheduleError",
    "SlipError",
    "StandardsError",
    "StoreError",
    "UnknownIdError",
    "UnknownPrioritiseProjectError",
    "UnknownScheduleTaskError",
    "UnknownSlipTaskError",
    "WhatIfError",
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
        return located(self.file, self.line, self.field)

    def __str__(self) -> str:
        return describe(self.message, self.file, self.line, self.field, self.value, self.expected)


def located(file: str | None, line: int | None, field: str | None) -> str:
    """``file:line, field 'x'`` — whichever parts are known (an error's and a report
    issue's location, written one way)."""
    parts: list[str] = []
    if file:
        parts.append(f"{file}:{line}" if line is not None else file)
    elif line is not None:
        parts.append(f"line {line}")
    if field:
        parts.append(f"field '{field}'")
    return ", ".join(parts)


def describe(
    message: str,
    file: str | None,
    line: int | None,
    field: str | None,
    value: Any,
    expected: str | None,
) -> str:
    """``file:line, field 'x': message (got v; expected e)``: how :class:`PmkitError` and
    :class:`pmkit.validation.ValidationIssue` read, from one place (the code review found
    two copies that differed: an empty value read "(got '')" in one, nothing in the other)."""
    where = located(file, line, field)
    text = f"{where}: {message}" if where else message
    if value is not None and not (isinstance(value, str) and value == ""):
        text += f" (got {value!r}"
        text += f"; expected {expected})" if expected else ")"
    elif expected:
        text += f" (expected {expected})"
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


class UnknownIdError(PmkitError, KeyError):
    """An id (project, task, resource …) that the portfolio does not hold.

    One type for every engine, so a caller catches "unknown project" once; it is also a
    ``KeyError`` because the id is a lookup key.
    """

    def __init__(
        self,
        kind: str,
        value: Any,
        *,
        field: str | None = None,
        note: str | None = None,
        **kwargs: Any,
    ) -> None:
        message = f"unknown {kind} ({note})" if note else f"unknown {kind}"
        super().__init__(message, field=field or f"{kind}_id", value=value, **kwargs)
        self.kind = kind


class MpxjUnavailableError(PmkitError):
    """MPXJ or Java is missing, so this kind of file cannot be read here."""


class CalendarError(PmkitError):
    """A calendar specification cannot be understood or has no working time."""


class StandardsError(PmkitError):
    """``standards.yaml`` holds a key or value the PMO lens cannot use."""


class ContentError(PmkitError):
    """The teaching content is incomplete or malformed; the message lists every problem."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        shown = "\n  ".join(self.problems[:30])
        more = f"\n  ... and {len(self.problems) - 30} more" if len(self.problems) > 30 else ""
        super().__init__(f"teaching content has {len(self.problems)} problem(s):\n  {shown}{more}")


class EvmError(PmkitError):
    """Earned-value input that cannot be used (negative money, empty curve)."""


class RiskError(PmkitError):
    """A risk table or request pmkit cannot use (missing column, bad bins, unknown kind)."""


class CapacityError(PmkitError):
    """A what-if or schedule that the capacity view cannot use."""


class SlipError(PmkitError):
    """A slip that cannot be simulated (unknown task, summary task, non-integer days)."""


class DecisionError(PmkitError):
    """A decision that cannot be recorded, or a decisions log line that cannot be read."""


class PrioritiseError(PmkitError):
    """Drivers, weights, scores or selection constraints that the prioritisation cannot use."""


class LevelingError(ScheduleError):
    """A load or levelling request pmkit cannot honour (bad frequency, impossible units)."""


class WhatIfError(ScheduleError):
    """A scenario that names an unknown task or link, or asks for an impossible value."""


class MonteCarloError(ScheduleError):
    """A simulation request pmkit cannot honour (bad estimates, runs, distribution)."""


class StoreError(PmkitError):
    """A store that cannot be opened, read or written (not a data-validation problem)."""


class PdfUnavailableError(PmkitError):
    """No PDF printer here: Playwright or a Chromium browser is missing."""


# An unknown id met by an engine whose callers already caught that engine's own error: the id
# error is an UnknownIdError (one type to catch across engines) *and* the engine's error, so
# ``except SlipError`` (the review's slip box) and ``except PrioritiseError`` (the Prioritise
# tab) keep working.


class UnknownSlipTaskError(UnknownIdError, SlipError):
    """A slip of a task id the portfolio does not hold (:func:`pmkit.propagate_slip`)."""


class UnknownScheduleTaskError(UnknownIdError, ScheduleError):
    """A task uid the schedule does not hold (``Schedule.driving_chain``)."""


class UnknownPrioritiseProjectError(UnknownIdError, PrioritiseError):
    """A project id the selection does not hold (not a candidate, or closed)."""
