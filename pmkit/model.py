"""The portfolio's tables: one schema per entity, and the validated ``Portfolio`` that holds them.

Each table is declared once, as a tuple of :class:`Field` (type, required, range, enum, unique).
The pandera ``DataFrameSchema`` of each table (:data:`SCHEMAS`) is built from those fields, so the
loader's parsing, pandera's checks and the docs all read the same declaration. The cross-table
rules (foreign keys, cycles, wbs, dates in order) live in :mod:`pmkit.validation`.

Engines receive a :class:`Portfolio` whose tables are already typed and trustworthy: dates are
``datetime64[ns]`` (NaT when empty), booleans ``bool``, numbers ``float64``/``int64`` and text
``str`` (empty cell -> ``""``), each table on a fresh ``RangeIndex``.
"""

from __future__ import annotations

import datetime as _dt
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from pmkit.calendar import Calendar
from pmkit.errors import PmkitError, UnknownIdError
from pmkit.vocabulary import (
    CALENDAR_RANGE,
    CONSTRAINTS,
    DATE_FORMAT,
    GATES,
    LINK_TYPES,
    OPPORTUNITY_RESPONSES,
    PHASES,
    RISK_KINDS,
    THREAT_RESPONSES,
)

if TYPE_CHECKING:  # pragma: no cover - import only for type checkers
    import pandera.pandas as pa

    from pmkit.calendar import Calendar

__all__ = [
    "CELL_SCHEMAS",
    "DATE_DTYPE",
    "SCHEMAS",
    "TABLES",
    "Field",
    "Portfolio",
    "ProjectView",
    "TableSpec",
    "empty_table",
]

Kind = Literal["str", "date", "float", "int", "bool"]
DATE_DTYPE = "datetime64[ns]"


@dataclass(frozen=True)
class Field:
    """One column: its type and the single-cell rules it must follow."""

    name: str
    kind: Kind = "str"
    required: bool = False  # a value must be present (non-empty)
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    isin: tuple[str, ...] | None = None
    unique: bool = False

    @property
    def dtype(self) -> str:
        """The pandas dtype the loaded column has."""
        return {"str": "str", "date": DATE_DTYPE, "float": "float64", "int": "int64"}.get(
            self.kind, "bool"
        )

    def expected(self) -> str:
        """The rule in words, e.g. ``'a number >= 0'`` (used in error messages)."""
        what = {
            "str": "text",
            "date": "a date YYYY-MM-DD",
            "float": "a number",
            "int": "a whole number",
            "bool": "true or false",
        }[self.kind]
        parts = [what]
        if self.isin is not None:
            parts = ["one of " + ", ".join(self.isin)]
        if self.ge is not None and self.le is not None:
            parts.append(f"in {self.ge:g}..{self.le:g}")
        elif self.ge is not None:
            parts.append(f">= {self.ge:g}")
        elif self.gt is not None:
            parts.append(f"> {self.gt:g}")
        elif self.le is not None:
            parts.append(f"<= {self.le:g}")
        return " ".join(parts)


@dataclass(frozen=True)
class TableSpec:
    """One entity: its CSV file, its ``Portfolio`` attribute, its fields and composite keys."""

    name: str  # file stem, e.g. "change_requests"
    attr: str  # Portfolio attribute, e.g. "changes"
    fields: tuple[Field, ...]
    required_file: bool = True
    unique_together: tuple[str, ...] = ()
    warn_if_missing: bool = True  # False: an optional add-on table, absent without a word

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


def _f(name: str, kind: Kind = "str", req: bool = True, **kw: Any) -> Field:
    return Field(name, kind, req, **kw)


_TABLE_LIST: tuple[TableSpec, ...] = (
    TableSpec(
        "projects",
        "projects",
        (
            _f("project_id", unique=True),
            _f("name"),
            _f("programme"),
            _f("sponsor"),
            _f("manager"),
            _f("department"),
            _f("phase", isin=PHASES),
            _f("start", "date"),
            _f("finish_baseline", "date"),
            _f("budget", "float", ge=0),
            _f("strategic_objective"),
            _f("score_value", "int", ge=1, le=5),
            _f("score_alignment", "int", ge=1, le=5),
            _f("score_risk", "int", ge=1, le=5),
            _f("priority", "int", ge=1),
            _f("calendar_id"),
        ),
    ),
    TableSpec(
        "tasks",
        "tasks",
        (
            _f("task_id", unique=True),
            _f("project_id"),
            _f("wbs"),
            _f("name"),
            _f("outline_level", "int", ge=1),
            _f("is_summary", "bool"),
            _f("is_milestone", "bool"),
            _f("duration_days", "float", ge=0),
            _f("optimistic_days", "float", False, ge=0),
            _f("most_likely_days", "float", False, ge=0),
            _f("pessimistic_days", "float", False, ge=0),
            _f("constraint_type", isin=CONSTRAINTS),
            _f("constraint_date", "date", False),
            _f("calendar_id", req=False),
            _f("percent_complete", "float", ge=0, le=100),
            _f("actual_start", "date", False),
            _f("actual_finish", "date", False),
            _f("baseline_start", "date", False),
            _f("baseline_finish", "date", False),
            _f("budgeted_cost", "float", ge=0),
        ),
    ),
    TableSpec(
        "links",
        "links",
        (
            _f("pred_id"),
            _f("succ_id"),
            _f("type", isin=LINK_TYPES),
            _f("lag_days", "float"),
        ),
    ),
    TableSpec(
        "resources",
        "resources",
        (
            _f("resource_id", unique=True),
            _f("name", req=False),
            _f("role"),
            _f("department", req=False),
            _f("capacity_hours_per_day", "float", gt=0),
            _f("rate_per_hour", "float", ge=0),
            _f("calendar_id"),
        ),
    ),
    TableSpec(
        "assignments",
        "assignments",
        (_f("task_id"), _f("resource_id"), _f("units", "float", gt=0)),
        unique_together=("task_id", "resource_id"),
    ),
    TableSpec(
        "calendars",
        "calendars",
        (
            _f("calendar_id", unique=True),
            _f("name", req=False),
            _f("working_days"),
            _f("periods"),
            _f("hours_per_day", "float", gt=0),
        ),
    ),
    TableSpec(
        "holidays",
        "holidays",
        (_f("calendar_id"), _f("date", "date"), _f("name", req=False)),
        required_file=False,
    ),
    TableSpec(
        "risks",
        "risks",
        (
            _f("risk_id", unique=True),
            _f("project_id"),
            _f("title", req=False),
            _f("kind", isin=RISK_KINDS),
            _f("category", req=False),
            _f("probability", "float", ge=0, le=1),
            _f("cost_impact", "float", ge=0),
            _f("schedule_impact_days", "float", ge=0),
            _f("owner", req=False),
            _f("response", isin=tuple(dict.fromkeys(THREAT_RESPONSES + OPPORTUNITY_RESPONSES))),
            _f("status", isin=("open", "closed")),
            _f("raised_on", "date", False),
        ),
        required_file=False,
    ),
    TableSpec(
        "change_requests",
        "changes",
        (
            _f("cr_id", unique=True),
            _f("project_id"),
            _f("title", req=False),
            _f("description", req=False),
            _f("requested_by", req=False),
            _f("submitted_on", "date", False),
            _f("task_id", req=False),
            _f("scope_impact", isin=("none", "minor", "moderate", "major")),
            _f("cost_impact", "float"),
            _f("schedule_impact_days", "float"),
            _f("significance", isin=("minor", "significant")),
            _f("objective", req=False),
            _f("decision", isin=("pending", "approved", "rejected", "deferred")),
            _f("decided_by", req=False),
            _f("decided_on", "date", False),
            _f("rationale", req=False),
        ),
        required_file=False,
    ),
    TableSpec(
        "snapshots",
        "snapshots",
        (
            _f("project_id"),
            _f("report_date", "date"),
            _f("pv", "float", ge=0),
            _f("ev", "float", ge=0),
            _f("ac", "float", ge=0),
            _f("percent_complete", "float", ge=0, le=100),
            _f("forecast_finish", "date", False),
            _f("comment", req=False),
        ),
        required_file=False,
        unique_together=("project_id", "report_date"),
    ),
    TableSpec(
        "milestone_forecasts",
        "milestone_forecasts",
        (
            _f("project_id"),
            _f("task_id"),
            _f("report_date", "date"),
            _f("forecast_date", "date"),
        ),
        required_file=False,
        unique_together=("task_id", "report_date"),  # one forecast per milestone and report
    ),
    TableSpec(
        "stage_gates",
        "gates",
        (
            _f("project_id"),
            _f("gate", isin=GATES),
            _f("phase", req=False),
            _f("artefact"),
            _f("required", "bool"),
            _f("done", "bool"),
        ),
        required_file=False,
        unique_together=("project_id", "gate", "artefact"),
    ),
    TableSpec(
        "project_scores",
        "project_scores",
        (
            _f("project_id"),
            _f("driver"),
            _f("score", "float", ge=0, le=10),
        ),
        required_file=False,
        unique_together=("project_id", "driver"),
        warn_if_missing=False,
    ),
)

TABLES: dict[str, TableSpec] = {t.name: t for t in _TABLE_LIST}
"""Every table by file stem (``"change_requests"``), in load order."""


def _checks(f: Field) -> list[pa.Check]:
    """pandera checks of one field; ``error`` carries the rule in words for the report."""
    import pandera.pandas as pa

    checks: list[pa.Check] = []
    if f.kind == "str" and f.required:
        checks.append(pa.Check.str_length(min_value=1, error="a non-empty value"))
    if f.isin is not None:
        allowed = list(f.isin) + ([] if f.required else [""])
        checks.append(pa.Check.isin(allowed, error=f.expected()))
    if f.ge is not None and f.le is not None:
        checks.append(pa.Check.in_range(f.ge, f.le, error=f.expected()))
    elif f.ge is not None:
        checks.append(pa.Check.ge(f.ge, error=f.expected()))
    elif f.le is not None:
        checks.append(pa.Check.le(f.le, error=f.expected()))
    if f.gt is not None:
        checks.append(pa.Check.gt(f.gt, error=f.expected()))
    return checks


def _schema(spec: TableSpec) -> pa.DataFrameSchema:
    import pandera.pandas as pa

    cols = {
        f.name: pa.Column(
            f.dtype,
            _checks(f),
            nullable=not f.required and f.kind in ("date", "float"),
            unique=f.unique,
            required=True,
        )
        for f in spec.fields
    }
    return pa.DataFrameSchema(
        cols,
        name=spec.name,
        unique=list(spec.unique_together) or None,
        strict=False,
        ordered=False,
    )


def _cell_schema(spec: TableSpec) -> pa.DataFrameSchema:
    """Only the single-cell rules of ``spec`` (non-empty, allowed values, ranges).

    The validation door builds each column's type itself and reports empty required cells and
    duplicate keys itself (naming both lines), so it asks pandera for these checks alone: the
    type, null and uniqueness passes of :data:`SCHEMAS` would repeat work on every row.
    """
    import pandera.pandas as pa

    cols = {
        f.name: pa.Column(None, checks, nullable=True, required=True)
        for f in spec.fields
        if (checks := _checks(f))
    }
    return pa.DataFrameSchema(cols, name=spec.name, strict=False, ordered=False)


#: ``SCHEMAS``: the pandera schema of every table, by file stem (``SCHEMAS["tasks"].validate(df)``);
#: ``CELL_SCHEMAS``: the single-cell rules of every table (what :mod:`pmkit.validation` asks
#: pandera for). Both are built on first use (:func:`__getattr__`).
_LAZY_SCHEMAS = {"SCHEMAS": _schema, "CELL_SCHEMAS": _cell_schema}
if TYPE_CHECKING:  # pragma: no cover
    SCHEMAS: dict[str, pa.DataFrameSchema]
    CELL_SCHEMAS: dict[str, pa.DataFrameSchema]


def __getattr__(name: str) -> Any:
    """Build ``SCHEMAS`` / ``CELL_SCHEMAS`` when first asked for.

    pandera's import is ~0.5 s of CPU, and a dashboard kernel that reads the portfolio from the
    shared cache (validated once per data version) never validates, so it should not pay it.
    """
    build = _LAZY_SCHEMAS.get(name)
    if build is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = {n: build(t) for n, t in TABLES.items()}
    globals()[name] = value
    return value


def empty_table(name: str) -> pd.DataFrame:
    """A typed table with no rows (what an absent optional file loads as)."""
    spec = TABLES[name]
    return pd.DataFrame({f.name: pd.Series([], dtype=f.dtype) for f in spec.fields})


def _as_timestamp(value: Any) -> pd.Timestamp | None:
    if value is None or value == "":
        return None
    if isinstance(value, _dt.date | _dt.datetime | str | pd.Timestamp):
        ts = pd.Timestamp(value)
        return None if pd.isna(ts) else ts.normalize()
    return None


@dataclass(frozen=True)
class ProjectView:
    """One project's rows of every table (what a PM dashboard works on).

    ``links`` holds the links whose two ends are in the project; ``external_links`` those with
    one end outside (cross-project dependencies).
    """

    project_id: str
    info: pd.Series
    tasks: pd.DataFrame
    links: pd.DataFrame
    external_links: pd.DataFrame
    assignments: pd.DataFrame
    risks: pd.DataFrame
    changes: pd.DataFrame
    snapshots: pd.DataFrame
    milestone_forecasts: pd.DataFrame
    gates: pd.DataFrame
    portfolio: Portfolio = field(repr=False)

    @property
    def name(self) -> str:
        return str(self.info["name"])

    @property
    def calendar_id(self) -> str:
        return str(self.info["calendar_id"])

    def calendar(self, calendar_id: str | None = None) -> Calendar:
        """The project's calendar (or ``calendar_id``'s), holidays included."""
        return self.portfolio.calendar(calendar_id or self.calendar_id)


_OBJECT_CACHES: dict[int, dict[str, dict[Any, Any]]] = {}


def object_cache(obj: Any, name: str) -> dict[Any, Any]:
    """A cache dict named ``name`` that lives as long as ``obj`` (kept outside the object,
    so copying ``obj.__dict__`` never carries it)."""
    key = id(obj)
    if key not in _OBJECT_CACHES:
        try:
            weakref.finalize(obj, _OBJECT_CACHES.pop, key, None)
        except TypeError:  # no weak references (e.g. a SimpleNamespace): no cache
            return {}
        _OBJECT_CACHES[key] = {}
    return _OBJECT_CACHES[key].setdefault(name, {})


@dataclass(frozen=True)
class Portfolio:
    """A validated portfolio: one typed DataFrame per entity, plus the PMO's standards.

    Build it with :func:`pmkit.load_portfolio`, which validates everything first; constructing
    one by hand skips that door. Tables are shared, not copied: treat them as read-only.
    """

    projects: pd.DataFrame
    tasks: pd.DataFrame
    links: pd.DataFrame
    resources: pd.DataFrame
    assignments: pd.DataFrame
    calendars: pd.DataFrame
    holidays: pd.DataFrame
    risks: pd.DataFrame
    changes: pd.DataFrame
    snapshots: pd.DataFrame
    milestone_forecasts: pd.DataFrame
    gates: pd.DataFrame
    project_scores: pd.DataFrame = field(default_factory=lambda: empty_table("project_scores"))
    standards: dict[str, Any] = field(default_factory=dict)
    source: Path | None = None
    store: Any = field(default=None, repr=False, compare=False)
    """The :class:`pmkit.store.Store` it was read from (decisions and other writes go there)."""

    @classmethod
    def from_tables(
        cls,
        tables: Mapping[str, pd.DataFrame],
        standards: Mapping[str, Any] | None = None,
        source: Path | None = None,
    ) -> Portfolio:
        """Assemble from tables keyed by file stem (``"change_requests"``) or attribute name."""
        kwargs: dict[str, Any] = {}
        for name, spec in TABLES.items():
            df = tables.get(name, tables.get(spec.attr))
            kwargs[spec.attr] = empty_table(name) if df is None else df
        return cls(**kwargs, standards=dict(standards or {}), source=source)

    def table(self, name: str) -> pd.DataFrame:
        """A table by file stem or attribute name (``"change_requests"`` or ``"changes"``)."""
        spec = TABLES.get(name)
        return getattr(self, spec.attr if spec else name)

    @property
    def project_ids(self) -> list[str]:
        """Project ids in file order."""
        return self.projects["project_id"].tolist()

    @property
    def currency(self) -> str:
        return str(self.standards.get("currency", "EUR"))

    @property
    def status_date(self) -> pd.Timestamp | None:
        """The data date: ``standards.yaml`` ``status_date``, else the latest snapshot date."""
        ts = _as_timestamp(self.standards.get("status_date"))
        if ts is not None:
            return ts
        if len(self.snapshots):
            latest = self.snapshots["report_date"].max()
            return None if pd.isna(latest) else pd.Timestamp(latest)
        return None

    def as_planned(self) -> Portfolio:
        """The portfolio with no status date: every engine plans from each project's start.

        Recorded progress (actual dates, % complete) is kept, but no status-date rule moves
        unfinished work: this is the plan as a scheduling file states it (what an importer
        compares with MS Project's stored dates), not the forecast at the data date.
        """
        standards = {**self.standards, "status_date": None}
        return replace(self, standards=standards, snapshots=self.snapshots.iloc[0:0])

    def as_of(self, status_date: Any) -> Portfolio:
        """The portfolio as it stood at the end of ``status_date`` (a what-if for every engine).

        - status reports, milestone forecasts dated after the date are dropped; risks raised
          and change requests submitted after it are dropped; a decision taken after it is
          pending again;
        - tasks: an actual start after the date is cleared (0 % complete), an actual finish
          after it is cleared, and the % complete of a task then in progress is estimated from
          elapsed working time of its calendar (a finish known later: elapsed share of its
          actual span; still running: its % complete scaled by elapsed working time to the
          later data date). ``standards["as_of"]`` lists those estimated tasks with a note;
        - ``standards["status_date"]`` is the date, so every engine reads the same data date.

        Moving the date forward only sets the status date: data that does not exist yet is not
        invented. Tables are new frames; ``self`` is unchanged.
        """
        when = _as_timestamp(status_date)
        lo, hi = (pd.Timestamp(d) for d in CALENDAR_RANGE)
        last = hi - pd.Timedelta(days=1)
        if when is None or not lo <= when < hi:
            raise PmkitError(
                "the portfolio as it stood needs a date pmkit's calendars cover",
                field="status_date",
                value=status_date,
                expected=f"a date YYYY-MM-DD from {lo:%Y-%m-%d} to {last:%Y-%m-%d}",
            )
        data_date = self.status_date
        tables = {spec.attr: getattr(self, spec.attr) for spec in _TABLE_LIST}
        for attr in ("snapshots", "milestone_forecasts"):
            df = tables[attr]
            tables[attr] = df[~(df["report_date"] > when)].reset_index(drop=True)
        risks = tables["risks"]
        tables["risks"] = risks[~(risks["raised_on"] > when)].reset_index(drop=True)
        tables["changes"] = _changes_as_of(tables["changes"], when)
        tasks, estimated = _tasks_as_of(self, when, data_date)
        tables["tasks"] = tasks
        standards = {**self.standards, "status_date": when.strftime(DATE_FORMAT)}
        if estimated:
            standards["as_of"] = {
                "date": when.strftime(DATE_FORMAT),
                "estimated_tasks": estimated,
                "note": f"% complete of {len(estimated)} task(s) in progress on "
                f"{when:%Y-%m-%d} estimated from elapsed working time",
            }
        return replace(self, **tables, standards=standards)

    def at_status_date(self) -> Portfolio:
        """:meth:`as_of` the portfolio's own status date (``self`` when there is none)."""
        status = self.status_date
        return self if status is None else self.as_of(status)

    def project(self, project_id: str) -> ProjectView:
        """One project's rows of every table; ``KeyError`` if the id is unknown."""
        hit = self.projects.index[self.projects["project_id"] == project_id]
        if len(hit) == 0:
            raise UnknownIdError("project", project_id)
        tasks = self.tasks[self.tasks["project_id"] == project_id]
        ids = tasks["task_id"]
        p_in = self.links["pred_id"].isin(ids)
        s_in = self.links["succ_id"].isin(ids)

        def of(df: pd.DataFrame) -> pd.DataFrame:
            return df[df["project_id"] == project_id]

        return ProjectView(
            project_id=project_id,
            info=self.projects.loc[hit[0]],
            tasks=tasks,
            links=self.links[p_in & s_in],
            external_links=self.links[p_in ^ s_in],
            assignments=self.assignments[self.assignments["task_id"].isin(ids)],
            risks=of(self.risks),
            changes=of(self.changes),
            snapshots=of(self.snapshots),
            milestone_forecasts=of(self.milestone_forecasts),
            gates=of(self.gates),
            portfolio=self,
        )

    def cross_project_links(self) -> pd.DataFrame:
        """Links between two projects, with ``pred_project`` and ``succ_project`` added."""
        proj = pd.Series(
            self.tasks["project_id"].to_numpy(), index=self.tasks["task_id"].to_numpy()
        )
        out = self.links.assign(
            pred_project=self.links["pred_id"].map(proj),
            succ_project=self.links["succ_id"].map(proj),
        )
        return out[out["pred_project"] != out["succ_project"]].reset_index(drop=True)

    def calendar(self, calendar_id: str) -> Calendar:
        """The working-time calendar ``calendar_id`` with its holidays, its ``hours_per_day``
        as the hours of a working day (durations in days -> minutes), built once per
        portfolio (the one place a calendar is made from the calendars table)."""

        cache: dict[str, Calendar] = object_cache(self, "calendars")
        if calendar_id in cache:
            return cache[calendar_id]
        rows = self.calendars[self.calendars["calendar_id"] == calendar_id]
        if rows.empty:
            raise KeyError(f"unknown calendar {calendar_id!r}")
        row = rows.iloc[0]
        days = self.holidays.loc[self.holidays["calendar_id"] == calendar_id, "date"]
        cal = Calendar.from_spec(
            working_days=str(row["working_days"]),
            periods=str(row["periods"]),
            holidays=list(days.dropna()),
            name=str(row["name"]) or calendar_id,
        )
        hpd = row.get("hours_per_day")
        if hpd is not None and pd.notna(hpd) and float(hpd) > 0:
            cal.minutes_per_day_hint = float(hpd) * 60.0
        cache[calendar_id] = cal
        return cal

    def busday_calendars(self) -> dict[str, tuple[str, np.ndarray, float]]:
        """``{calendar_id: (weekmask, holidays as datetime64[D], hours_per_day)}`` for numpy's
        business-day functions: each calendar as :meth:`calendar` builds it (its working
        weekdays and holidays), with the table's ``hours_per_day``."""
        out: dict[str, tuple[str, np.ndarray, float]] = {}
        ids = self.calendars["calendar_id"].astype(str)
        for cid, hpd in zip(ids, self.calendars["hours_per_day"], strict=True):
            cal = self.calendar(cid)
            out[cid] = (cal.busday_weekmask, cal.busday_holidays, float(hpd))
        return out

    def summary(self) -> str:
        """``"3 projects, 120 tasks, 140 links, ..."`` — one line for the CLI and logs."""
        parts = [f"{len(getattr(self, t.attr)):,} {t.name.replace('_', ' ')}" for t in _TABLE_LIST]
        return ", ".join(parts)


def _changes_as_of(changes: pd.DataFrame, when: pd.Timestamp) -> pd.DataFrame:
    """Change requests as they stood: later ones dropped, later decisions pending again."""
    out = changes[~(changes["submitted_on"] > when)].copy()
    later = (out["decided_on"] > when).to_numpy()
    if later.any():
        out.loc[later, "decision"] = "pending"
        out.loc[later, "decided_by"] = ""
        out.loc[later, "decided_on"] = pd.NaT
    return out.reset_index(drop=True)


def _elapsed_share(
    portfolio: Portfolio, tasks: pd.DataFrame, start: pd.Series, upto: pd.Timestamp, end: Any
) -> pd.Series:
    """Working time from ``start`` to the end of ``upto`` over that to the end of ``end``, per
    task on its calendar (the project's when the task has none)."""
    proj_cal = tasks["project_id"].map(portfolio.projects.set_index("project_id")["calendar_id"])
    cal_id = tasks["calendar_id"].where(tasks["calendar_id"].astype(str) != "", proj_cal)
    day = pd.Timedelta(days=1)
    end_s = (
        pd.Series(pd.to_datetime(end), index=tasks.index) if not isinstance(end, pd.Series) else end
    )
    share = pd.Series(1.0, index=tasks.index)
    for cid, idx in tasks.groupby(cal_id.astype(str)).groups.items():
        try:
            cal = portfolio.calendar(str(cid))
        except KeyError:
            cal = Calendar.standard()
        s0 = start.loc[idx].dt.normalize()
        done = cal.working_minutes_between(s0, [upto.normalize() + day] * len(idx))
        span = cal.working_minutes_between(s0, end_s.loc[idx].dt.normalize() + day)
        with np.errstate(divide="ignore", invalid="ignore"):
            share.loc[idx] = np.where(span > 0, np.clip(done / span, 0.0, 1.0), 1.0)
    return share


def _tasks_as_of(
    portfolio: Portfolio, when: pd.Timestamp, data_date: pd.Timestamp | None
) -> tuple[pd.DataFrame, list[str]]:
    """Tasks at the end of ``when`` and the ids whose % complete was estimated."""
    t = portfolio.tasks.copy()
    a_s, a_f = t["actual_start"], t["actual_finish"]
    not_started = (a_s > when).to_numpy()
    running = ((a_s <= when) & ~(a_f <= when) & (t["percent_complete"] > 0)).to_numpy()
    finish_later = running & (a_f > when).to_numpy()
    still_running = running & ~finish_later
    if data_date is not None and data_date <= when:
        still_running[:] = False  # moving forward: nothing to estimate
    pc = t["percent_complete"].to_numpy(dtype=float).copy()
    if finish_later.any():
        sel = t.index[finish_later]
        share = _elapsed_share(portfolio, t.loc[sel], a_s.loc[sel], when, a_f.loc[sel])
        pc[finish_later] = np.minimum(100.0 * share.to_numpy(), 99.0)
    if still_running.any() and data_date is not None:
        sel = t.index[still_running]
        share = _elapsed_share(portfolio, t.loc[sel], a_s.loc[sel], when, data_date)
        pc[still_running] = np.minimum(pc[still_running] * share.to_numpy(), 99.0)
    pc[not_started] = 0.0
    t["percent_complete"] = pc
    t.loc[not_started, "actual_start"] = pd.NaT
    t.loc[not_started | finish_later, "actual_finish"] = pd.NaT
    estimated = t.loc[finish_later | still_running, "task_id"].astype(str).tolist()
    return t, estimated
