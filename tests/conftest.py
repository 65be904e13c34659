"""Fixtures shared by the unit and browser tests: a real PostgreSQL cluster (see tests/pg.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pg import postgres_cluster


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a throw-away PostgreSQL database (cluster stopped after the session)."""
    with postgres_cluster() as url:
        yield url
