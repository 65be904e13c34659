"""Fixtures shared by the unit and browser tests: a real PostgreSQL cluster (see tests/pg.py),
the chart module pmkit installs."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import altair as alt
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pg import postgres_cluster


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a throw-away PostgreSQL database (cluster stopped after the session)."""
    with postgres_cluster() as url:
        yield url


@pytest.fixture
def installed_esm(monkeypatch: pytest.MonkeyPatch) -> str:
    """The chart module pmkit installs on altair's widget (inline, as in JupyterLab), with
    altair's class left as it was."""
    from pmkit.bundle import STATIC_DIR_ENV
    from pmkit.ui import _common

    monkeypatch.delenv(STATIC_DIR_ENV, raising=False)
    monkeypatch.setattr(alt.JupyterChart, "_is_offline", False, raising=False)
    monkeypatch.setattr(alt.JupyterChart, "_esm", alt.JupyterChart._esm)
    try:
        _common._enable_offline_charts()
        return str(alt.JupyterChart._esm)
    finally:
        monkeypatch.undo()
