"""Scheduling: CPM reproducing Microsoft Project (:mod:`pmkit.schedule.cpm`) and its
adapter for MSPDI files (:mod:`pmkit.schedule.mspdi_adapter`)."""

from __future__ import annotations

from pmkit.schedule.cpm import CONSTRAINT_TYPES, LINK_TYPES, Schedule, schedule_network
from pmkit.schedule.mspdi_adapter import schedule_mspdi

__all__ = [
    "CONSTRAINT_TYPES",
    "LINK_TYPES",
    "Schedule",
    "schedule_mspdi",
    "schedule_network",
]
