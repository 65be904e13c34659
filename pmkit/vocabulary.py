"""The words pmkit's tables, files and engines share, defined once and imported everywhere.

This module sits below every other layer (docs/ARCHITECTURE.md) and imports nothing of pmkit: the
table schemas (:mod:`pmkit.model`), the readers and writers (:mod:`pmkit.io`) and the engines
(:mod:`pmkit.schedule`, :mod:`pmkit.portfolio`) all read these names from here instead of
retyping them. Some orders carry meaning and must not change:

- ``LINK_TYPES``: the scheduler codes a link by its index (0 FS, 1 SS, 2 FF, 3 SF);
  MS Project's XML numbers the same four types alphabetically (0 FF, 1 FS, 2 SF, 3 SS), which
  :mod:`pmkit.io.mspdi` derives with ``sorted(LINK_TYPES)``.
- ``CONSTRAINTS``: the scheduler's codes and MS Project's ``ConstraintType`` 0–7, the same order.
- ``WEEKDAYS``: Monday first, as ``datetime.date.weekday()`` and numpy's weekmask count.

>>> sorted(LINK_TYPES)
['FF', 'FS', 'SF', 'SS']
>>> WEEKDAY_KEYS[0], WEEKDAYS[6]
('mon', 'Sun')
"""

from __future__ import annotations

__all__ = [
    "CALENDAR_RANGE",
    "CONSTRAINTS",
    "CONSTRAINTS_WITH_DATE",
    "DATE_FORMAT",
    "DECISIONS_LOG_COLUMNS",
    "DECISIONS_LOG_FILE",
    "GATES",
    "LINK_TYPES",
    "OPPORTUNITY_RESPONSES",
    "PHASES",
    "RISK_KINDS",
    "THREAT_RESPONSES",
    "WEEKDAYS",
    "WEEKDAY_KEYS",
]

#: The days pmkit's working-time timeline covers (first day, day past the last): wide enough
#: for any real schedule, small enough to build in milliseconds. A status date outside it
#: cannot be scheduled from, so the door refuses it.
CALENDAR_RANGE = ("1950-01-01", "2200-01-01")
#: A project's life-cycle phases, in order (projects.csv ``phase``).
PHASES = ("initiation", "planning", "execution", "closing", "closed")
#: Task constraint types (tasks.csv ``constraint_type``), in MS Project's ``ConstraintType`` order.
CONSTRAINTS = ("ASAP", "ALAP", "MSO", "MFO", "SNET", "SNLT", "FNET", "FNLT")
#: The constraint types that need a ``constraint_date``.
CONSTRAINTS_WITH_DATE = ("MSO", "MFO", "SNET", "SNLT", "FNET", "FNLT")
#: Dependency types (links.csv ``type``); the scheduler codes them by this index.
LINK_TYPES = ("FS", "SS", "FF", "SF")
#: risks.csv ``kind`` and the responses each kind allows.
RISK_KINDS = ("threat", "opportunity")
THREAT_RESPONSES = ("avoid", "mitigate", "transfer", "accept", "escalate")
OPPORTUNITY_RESPONSES = ("exploit", "enhance", "share", "accept", "escalate")
#: Stage gates (gates.csv ``gate``), in order.
GATES = ("G0", "G1", "G2", "G3", "G4")
#: Weekday names as tables write them (calendars.csv ``working_days``), Monday first.
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: The same days as the lower-case keys of a calendar's work-week mapping.
WEEKDAY_KEYS = tuple(d.lower() for d in WEEKDAYS)
#: How a date is written in every table, file and message (ISO 8601, no time).
DATE_FORMAT = "%Y-%m-%d"
#: The change-board decision log: its file next to a portfolio's CSV files and its columns.
DECISIONS_LOG_FILE = "decisions_log.csv"
DECISIONS_LOG_COLUMNS = (
    "decision_id",
    "cr_id",
    "decision",
    "decided_by",
    "decided_at",
    "rationale",
)
