"""A tiny hand-built portfolio for the PMO-lens tests (tables built directly, no files)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pmkit.model import TABLES, Portfolio

D = pd.Timestamp


def table(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A typed table: missing columns get the model's empty value, dtypes as the loader's."""
    spec = TABLES[name]
    data: dict[str, Any] = {}
    for f in spec.fields:
        values = [r.get(f.name) for r in rows]
        if f.kind == "date":
            data[f.name] = pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ns]")
        elif f.kind == "float":
            data[f.name] = pd.Series(values, dtype=object).astype("float64")
        elif f.kind == "int":
            data[f.name] = pd.Series([1 if v is None else v for v in values], dtype="int64")
        elif f.kind == "bool":
            data[f.name] = pd.Series([bool(v) for v in values], dtype=bool)
        else:
            data[f.name] = pd.Series(["" if v is None else str(v) for v in values], dtype="str")
    return pd.DataFrame(data)


def project(pid: str, **kw: Any) -> dict[str, Any]:
    base = {
        "project_id": pid, "name": f"Project {pid}", "programme": "Prog A", "sponsor": "Ana",
        "manager": "Bo", "department": "IT", "phase": "execution", "start": "2025-01-06",
        "finish_baseline": "2025-06-30", "budget": 100_000.0, "strategic_objective": "Grow",
        "score_value": 3, "score_alignment": 3, "score_risk": 3, "priority": 1,
        "calendar_id": "STD",
    }  # fmt: skip
    base.update(kw)
    return base


def task(tid: str, pid: str, **kw: Any) -> dict[str, Any]:
    base = {
        "task_id": tid, "project_id": pid, "wbs": tid.split("-")[-1], "name": f"Task {tid}",
        "outline_level": 1, "is_summary": False, "is_milestone": False, "duration_days": 5.0,
        "constraint_type": "ASAP", "percent_complete": 0.0, "budgeted_cost": 1000.0,
    }  # fmt: skip
    base.update(kw)
    return base


CALENDARS = [
    {"calendar_id": "STD", "name": "Standard", "working_days": "Mon,Tue,Wed,Thu,Fri",
     "periods": "08:00-12:00,13:00-17:00", "hours_per_day": 8.0},
]  # fmt: skip


def make_portfolio(
    standards: dict[str, Any] | None = None, source: Any = None, **tables: list[dict[str, Any]]
) -> Portfolio:
    """``make_portfolio(projects=[...], tasks=[...], ...)`` keyed by file stem."""
    tables.setdefault("calendars", CALENDARS)
    built = {name: table(name, rows) for name, rows in tables.items()}
    return Portfolio.from_tables(built, standards or {}, source=source)
