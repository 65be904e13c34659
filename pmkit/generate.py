"""Deterministic, seeded generator of a realistic sample portfolio (the tables of DATA-MODEL.md).

Why: every dashboard needs a portfolio with a story (late and over-budget projects, shared
architects, cross-project dependencies, slipping milestones, missing gate artefacts), and the
benchmarks need the same shape at any size. Same arguments -> byte-identical CSV files.

How the schedule is made consistent without pmkit's scheduler: durations and lags are whole
working days of the "Standard" calendar (Mon-Fri, Spanish national holidays), so a task's
start is an integer *working-day index* and a vectorised longest-path relaxation over all links
(FS/SS/FF/SF with lags) gives early starts. Index ``i`` means "the start of working day i";
a task of ``d`` days starting at ``i`` ends at the end of working day ``i + d - 1``; a milestone
at ``i`` is dated the previous working day (the day its predecessor finishes, like MS Project).

Story of one run
----------------
1. Build each project's WBS (phases -> work packages -> tasks, a milestone ending each phase),
   intra-project links, baseline durations and current durations (baseline x a per-project
   slip factor x noise).
2. Schedule every project from day 0, place its start so that the status date falls in the
   phase chosen for it, add cross-project links (a milestone feeding a later project's task),
   then schedule the baseline and the current plan over absolute days.
3. Progress at the status date comes from the current plan; cost from the resources' rates;
   snapshots (PV/EV/AC) and milestone forecasts from both plans at each month end.

Examples
--------
>>> tables = generate_portfolio(n_projects=12, seed=1)
>>> sorted(tables)[:3]
['assignments', 'calendars', 'change_requests']
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

__all__ = [
    "TABLES",
    "easter_sunday",
    "generate_portfolio",
    "spain_holidays",
    "write_generated",
]

#: CSV tables written, in the order of docs/DATA-MODEL.md.
TABLES: tuple[str, ...] = (
    "projects",
    "tasks",
    "links",
    "resources",
    "assignments",
    "calendars",
    "holidays",
    "risks",
    "change_requests",
    "snapshots",
    "milestone_forecasts",
    "stage_gates",
    "project_scores",
)

_ORIGIN = np.datetime64("2024-01-01", "D")  # a Monday; working-day index 0 counts from here
_FS, _SS, _FF, _SF = 0, 1, 2, 3
_LINK_NAMES = np.array(["FS", "SS", "FF", "SF"])
_PHASE_NAMES = np.array(["initiation", "planning", "execution", "closing", "closed"])

# --------------------------------------------------------------------------- reference data

_PROGRAMMES: dict[str, dict[str, Any]] = {
    "Digital Transformation": {
        "objective": "Grow digital revenue",
        "departments": ["IT", "Digital"],
        "names": [
            "Core Digital Platform",
            'Upgrade <b>ERP</b> & "billing"',
            "Mobile App Relaunch",
            "Cloud Migration Wave 2",
            "Data Lakehouse",
            "AI Document Processing",
        ],
    },
    "Infrastructure Renewal": {
        "objective": "Cut operating cost",
        "departments": ["Operations", "IT Infrastructure"],
        "names": [
            "Data Centre Consolidation",
            "R&D Lab <Phase 2>",
            "Network Refresh (WAN/LAN)",
            "Warehouse Automation",
            "Backup & Disaster Recovery",
            "Office Wi-Fi Rollout",
        ],
    },
    "Customer Experience": {
        "objective": "Improve customer satisfaction",
        "departments": ["Customer Service", "Marketing"],
        "names": [
            "Customer Portal Redesign",
            "Contact Centre Omnichannel",
            "Loyalty Programme 2.0",
            "CRM Consolidation",
            "Self-service Returns",
        ],
    },
    "Regulatory Compliance": {
        "objective": "Meet regulation",
        "departments": ["Legal & Compliance", "Finance"],
        "names": [
            "NIS2 Security Controls",
            "E-invoicing Mandate (Verifactu)",
            "ESG Reporting (CSRD)",
            "DORA Resilience Testing",
            "GDPR Records Retention",
        ],
    },
    "Operational Excellence": {
        "objective": "Cut operating cost",
        "departments": ["Operations", "Finance"],
        "names": ["Procure-to-Pay Automation", "Shared Services Centre", "Lean Warehouse Flows"],
    },
    "Data & Analytics": {
        "objective": "Grow digital revenue",
        "departments": ["Data Office", "IT"],
        "names": ["Customer 360 Analytics", "Master Data Management", "Demand Forecasting"],
    },
}
_OBJECTIVES = [
    "Grow digital revenue",
    "Cut operating cost",
    "Meet regulation",
    "Improve customer satisfaction",
    "Reduce operational risk",
]
_REGIONS = ["Iberia", "France", "Italy", "DACH", "Benelux", "Nordics", "UK", "LatAm"]
_SPONSORS = [
    "Elena Ruiz (COO)",
    "Marc Dubois (CIO)",
    "Carmen Ortega (CFO)",
    "David Chen (CDO)",
    "Lucía Navarro (Chief Customer Officer)",
    "Pablo Iglesias Vidal (Head of Compliance)",
    "Sofia Rossi (CTO)",
]
_FIRST = [
    "Ana",
    "Luis",
    "Marta",
    "Jorge",
    "Laura",
    "Javier",
    "Paula",
    "Sergio",
    "Irene",
    "Pablo",
    "Nuria",
    "Raúl",
    "Clara",
    "Iván",
    "Sara",
    "Diego",
    "Alba",
    "Hugo",
    "Lucía",
    "Adrián",
    "Elena",
    "Óscar",
    "Noelia",
    "Tomás",
    "Inés",
    "Marc",
    "Aisha",
    "Chen",
    "Priya",
    "Tom",
    "Emma",
    "Jonas",
    "Fatima",
    "Mateo",
    "Olga",
    "Yusuf",
    "Chiara",
    "Lars",
    "Hana",
    "Kofi",
]
_LAST = [
    "García",
    "Martínez",
    "López",
    "Sánchez",
    "Pérez",
    "Gómez",
    "Fernández",
    "Díaz",
    "Moreno",
    "Álvarez",
    "Romero",
    "Navarro",
    "Torres",
    "Domínguez",
    "Vázquez",
    "Ramos",
    "Gil",
    "Serrano",
    "Blanco",
    "Molina",
    "Castro",
    "Ortiz",
    "Rubio",
    "Marín",
    "Sanz",
    "Iglesias",
    "Núñez",
    "Medina",
    "Garrido",
    "Cortés",
    "Smith",
    "Müller",
    "Rossi",
    "Dubois",
    "Novak",
    "Silva",
    "Kowalski",
    "Jensen",
    "Okafor",
    "Tanaka",
]

# role -> (share of the resource pool, base hourly rate, department)
_ROLES: dict[str, tuple[float, float, str]] = {
    "Project Manager": (0.15, 85.0, "PMO"),
    "Business Analyst": (0.14, 70.0, "Business Analysis"),
    "Developer": (0.22, 65.0, "IT"),
    "Architect": (0.07, 110.0, "IT"),
    "Tester": (0.12, 55.0, "Quality Assurance"),
    "Data Engineer": (0.10, 75.0, "Data Office"),
    "Network Engineer": (0.10, 70.0, "IT Infrastructure"),
    "Change Manager": (0.10, 65.0, "HR"),
}

_PHASES = (
    ("Initiation", "Project charter approved"),
    ("Planning", "Plan baselined"),
    ("Execution", "Build complete"),
    ("Testing & Deployment", "Go-live"),
    ("Closing", "Project closed"),
)
_INIT_TASKS = [
    ("Kick-off and mobilisation", "Project Manager"),
    ("Draft business case", "Business Analyst"),
    ("Identify stakeholders", "Project Manager"),
    ("Draft project charter", "Project Manager"),
    ("Feasibility study", "Architect"),
]
_PLAN_TASKS = [
    ("Define scope statement", "Business Analyst"),
    ("Build WBS and schedule", "Project Manager"),
    ("Estimate costs", "Project Manager"),
    ("Risk identification workshop", "Project Manager"),
    ("Target architecture", "Architect"),
    ("Quality management plan", "Tester"),
    ("Procurement plan", "Business Analyst"),
    ("Communication plan", "Change Manager"),
]
_CLOSE_TASKS = [
    ("Handover to operations", "Change Manager"),
    ("Lessons learned workshop", "Project Manager"),
    ("Close contracts", "Project Manager"),
    ("Final report", "Project Manager"),
]
# work package -> (primary role, task names)
_EXEC_WPS: dict[str, tuple[str, list[str]]] = {
    "Solution design": (
        "Architect",
        ["High-level design", "Detailed design", "Security design", "Design review"],
    ),
    "Core build": (
        "Developer",
        ["Build sprint 1", "Build sprint 2", "Build sprint 3", "Build sprint 4", "Code review"],
    ),
    "Integration": (
        "Developer",
        ["API gateway setup", "Integrate identity provider", "Integrate ERP", "Event streaming"],
    ),
    "Data migration": (
        "Data Engineer",
        ["Profile source data", "Mapping rules", "Migration scripts", "Trial migration"],
    ),
    "Infrastructure setup": (
        "Network Engineer",
        ["Provision environments", "Network configuration", "Firewall rules", "Monitoring"],
    ),
    "Reporting & analytics": (
        "Data Engineer",
        ["KPI definitions", "Data marts", "Dashboards", "Report sign-off"],
    ),
}
_TEST_WPS: dict[str, tuple[str, list[str]]] = {
    "System & integration testing": (
        "Tester",
        ["Test plan", "System test cycle 1", "System test cycle 2", "Performance test", "UAT"],
    ),
    "Deployment & training": (
        "Change Manager",
        ["Train key users", "Cutover rehearsal", "Cutover", "Hypercare"],
    ),
}
_MSO_TASK = ("Regulator consultation window (fixed date)", "Business Analyst")
_HTML_TASK = 'Configure <tenant> & "SSO" claims'
_HTML_RISK = 'Vendor <Acme & Sons> misses "go-live" window'

_THREATS: list[tuple[str, str]] = [
    ("technical", "Legacy interface is undocumented"),
    ("technical", "Performance below target under peak load"),
    ("technical", "Source data quality worse than assumed"),
    ("supplier", "Vendor delivery slips"),
    ("supplier", "Licence price increase at renewal"),
    ("supplier", "Key supplier insolvency"),
    ("people", "Key architect shared with other projects"),
    ("people", "Loss of key developer"),
    ("people", "Low user adoption"),
    ("regulatory", "Regulation changes before go-live"),
    ("regulatory", "Audit finding delays sign-off"),
    ("market", "Budget freeze next fiscal year"),
]
_OPPORTUNITIES: list[tuple[str, str]] = [
    ("technical", "Reuse components of the Core Digital Platform"),
    ("supplier", "Vendor offers a volume discount"),
    ("technical", "Automate regression testing"),
    ("technical", "Early decommissioning of the legacy system saves licences"),
    ("supplier", "Cloud credits from the provider"),
    ("regulatory", "Grant funding for compliance tooling"),
    ("market", "Partner co-marketing lowers launch cost"),
]
_CRS: list[tuple[str, str]] = [
    ("Add single sign-on for partner users", "Partners ask to log in with their own identity."),
    ("Extend data migration to archived records", "Auditors need 10 years of history online."),
    ("Descope legacy report pack", "Half the legacy reports have no users; drop them."),
    ("Add Catalan and Basque languages", "Regional customers ask for their language."),
    ("Move go-live after peak season", "Avoid cutover during the sales peak."),
    ("Additional penetration test", "Security office requires a second test round."),
    ("Integrate new payment provider", "Commercial team signed a new acquirer."),
    ("Replace on-prem storage with cloud tier", "Cheaper storage, but re-work of backups."),
    ("Add e-invoicing for public-sector customers", "New mandate for B2G invoices."),
    ("Reduce pilot to two regions", "Focus the pilot to cut cost and risk."),
    ("Add accessibility (WCAG 2.2 AA) fixes", "Legal requires accessible customer channels."),
    ("Extra hypercare month", "Operations want support through the year-end close."),
]
_ARTEFACTS: dict[str, tuple[str, list[str], list[str]]] = {
    # gate -> (phase it opens, required artefacts, optional artefacts)
    "G0": ("initiation", ["business case"], ["idea brief"]),
    "G1": ("planning", ["project charter", "stakeholder register"], []),
    "G2": (
        "execution",
        ["schedule baseline", "cost baseline", "risk register", "quality plan"],
        ["procurement plan"],
    ),
    "G3": ("closing", ["test report", "acceptance sign-off"], ["operations handover plan"]),
    "G4": ("closed", ["lessons learned", "final report"], ["benefits realisation plan"]),
}


# --------------------------------------------------------------------------- calendar


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm), for Good Friday."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def spain_holidays(years: Sequence[int]) -> list[tuple[dt.date, str]]:
    """Spain's national public holidays (fixed ones plus Good Friday), sorted by date."""
    fixed = [
        (1, 1, "Año Nuevo"),
        (1, 6, "Epifanía del Señor"),
        (5, 1, "Fiesta del Trabajo"),
        (8, 15, "Asunción de la Virgen"),
        (10, 12, "Fiesta Nacional de España"),
        (11, 1, "Todos los Santos"),
        (12, 6, "Día de la Constitución Española"),
        (12, 8, "Inmaculada Concepción"),
        (12, 25, "Natividad del Señor"),
    ]
    out = [(dt.date(y, m, d), name) for y in years for m, d, name in fixed]
    out += [(easter_sunday(y) - dt.timedelta(days=2), "Viernes Santo") for y in years]
    return sorted(out)


class _Days:
    """Working-day index <-> date for the Standard calendar (numpy busday, vectorised)."""

    def __init__(self, holidays: Sequence[dt.date]) -> None:
        self.hol = np.array(holidays, dtype="datetime64[D]")

    def date(self, idx: np.ndarray) -> np.ndarray:
        return np.busday_offset(_ORIGIN, np.asarray(idx, dtype=np.int64), holidays=self.hol)

    def index(self, dates: Any) -> np.ndarray:
        """Index of the last working day on or before each date."""
        d = np.asarray(dates, dtype="datetime64[D]") + np.timedelta64(1, "D")
        return np.busday_count(_ORIGIN, d, holidays=self.hol) - 1


def _iso(days: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(np.asarray(days, dtype="datetime64[D]"), unit="D")


# --------------------------------------------------------------------------- scheduling


def _forward_pass(
    dur: np.ndarray,
    floor: np.ndarray,
    pred: np.ndarray,
    succ: np.ndarray,
    kind: np.ndarray,
    lag: np.ndarray,
) -> np.ndarray:
    """Early starts by longest-path relaxation over all links at once (graph is acyclic).

    Each sweep is a few vectorised numpy operations; the number of sweeps is the depth of the
    network, so 100k tasks take well under a second.
    """
    es = floor.astype(np.int64).copy()
    if pred.size == 0:
        return es
    order = np.argsort(succ, kind="stable")
    pred, succ, kind, lag = pred[order], succ[order], kind[order], lag[order]
    targets, starts = np.unique(succ, return_index=True)
    from_finish = np.where((kind == _FS) | (kind == _FF), dur[pred], 0)
    to_finish = np.where((kind == _FF) | (kind == _SF), dur[succ], 0)
    offset = from_finish + lag - to_finish
    for _ in range(dur.size + 1):
        best = np.maximum.reduceat(es[pred] + offset, starts)
        new = np.maximum(floor[targets], best)
        if np.array_equal(new, es[targets]):
            break
        es[targets] = new
    return es


# --------------------------------------------------------------------------- structure


class _Builder:
    """Accumulates tasks and links of all projects as plain lists (cheap appends)."""

    def __init__(self) -> None:
        self.proj: list[int] = []
        self.wbs: list[str] = []
        self.name: list[str] = []
        self.level: list[int] = []
        self.is_sum: list[bool] = []
        self.is_ms: list[bool] = []
        self.phase: list[int] = []
        self.role: list[str] = []
        self.first_in_group: list[bool] = []
        self.anc: list[tuple[int, int]] = []  # (task, summary ancestor)
        self.lp: list[int] = []
        self.ls: list[int] = []
        self.lk: list[int] = []
        self.ll: list[int] = []
        self.phase_ms: list[list[int]] = []  # per project: the five phase milestones
        self.entry_leaf: list[list[int]] = []  # per project: first leaves of later WPs
        self.mso: list[int] = []

    def add(
        self,
        p: int,
        wbs: str,
        name: str,
        *,
        phase: int,
        parents: Sequence[int],
        summary: bool = False,
        milestone: bool = False,
        role: str = "",
        first: bool = False,
    ) -> int:
        i = len(self.proj)
        self.proj.append(p)
        self.wbs.append(wbs)
        self.name.append(name)
        self.level.append(wbs.count(".") + 1)
        self.is_sum.append(summary)
        self.is_ms.append(milestone)
        self.phase.append(phase)
        self.role.append(role)
        self.first_in_group.append(first)
        self.anc.extend((i, a) for a in parents)
        return i

    def link(self, a: int, b: int, kind: int = _FS, lag: int = 0) -> None:
        self.lp.append(a)
        self.ls.append(b)
        self.lk.append(kind)
        self.ll.append(lag)


def _split(rng: np.random.Generator, total: int, mins: Sequence[int]) -> list[int]:
    """Split ``total`` items into groups of at least ``mins`` each, randomly."""
    extra = total - sum(mins)
    w = rng.dirichlet(np.ones(len(mins)) * 2.0)
    add = rng.multinomial(max(extra, 0), w)
    return [int(m + a) for m, a in zip(mins, add, strict=True)]


def _chain(
    b: _Builder, rng: np.random.Generator, leaves: list[int], entry: int | None, entry_lag: int
) -> None:
    """Link leaves of one group: mostly FS chains, some parallel branches, SS/FF/SF, lags."""
    for j, t in enumerate(leaves):
        if j == 0:
            if entry is not None:
                b.link(entry, t, _FS, entry_lag)
            continue
        pred = leaves[j - 1] if (j < 2 or rng.random() < 0.8) else leaves[j - 2]
        u = rng.random()
        if u < 0.80:
            v = rng.random()
            lag = (
                0
                if v < 0.75
                else (int(rng.integers(1, 6)) if v < 0.9 else -int(rng.integers(1, 4)))
            )
            b.link(pred, t, _FS, lag)
        elif u < 0.89:
            b.link(pred, t, _SS, int(rng.integers(1, 6)))
        elif u < 0.97:
            b.link(pred, t, _FF, int(rng.integers(-2, 4)))
            if entry is not None:
                b.link(entry, t, _FS, 0)
        else:
            b.link(pred, t, _SF, int(rng.integers(2, 8)))
            if entry is not None:
                b.link(entry, t, _FS, 0)


def _close_phase(b: _Builder, groups: list[list[int]], ms: int, n_links_before: int) -> None:
    """Link the phase milestone after every leaf whose finish no in-group link already covers."""
    covered: set[int] = set()
    for a, k, lag in zip(
        b.lp[n_links_before:], b.lk[n_links_before:], b.ll[n_links_before:], strict=True
    ):
        if k in (_FS, _FF) and lag >= 0:
            covered.add(a)
    for g in groups:
        for t in g:
            if t not in covered:
                b.link(t, ms, _FS, 0)


def _build_project(
    b: _Builder, rng: np.random.Generator, p: int, n_tasks: int, html_task: bool
) -> None:
    """One project's WBS (2-3 levels) and intra-project links."""
    with_mso = rng.random() < 0.35
    n_exec = int(min(len(_EXEC_WPS), 2 + max(0, n_tasks - 30) // 15))
    overhead = 5 + 5 + n_exec + 2 + int(with_mso)
    leaves = n_tasks - overhead
    mins = [1, 2, 1] + [2] * (n_exec + 2)
    counts = _split(rng, leaves, mins)
    n_init, n_plan, n_close = counts[0], counts[1], counts[2]
    wp_counts = counts[3:]
    exec_names = ["Solution design", *rng.permutation(list(_EXEC_WPS)[1:])[: n_exec - 1]]
    ms_ids: list[int] = []
    entries: list[int] = []
    prev_ms: int | None = None
    for ph, (ph_name, ms_name) in enumerate(_PHASES):
        s = b.add(p, str(ph + 1), ph_name, phase=ph, parents=(), summary=True)
        nl0 = len(b.lp)
        groups: list[list[int]] = []
        if ph in (2, 3):
            wps = exec_names if ph == 2 else list(_TEST_WPS)
            cnts = wp_counts[:n_exec] if ph == 2 else wp_counts[n_exec:]
            table = _EXEC_WPS if ph == 2 else _TEST_WPS
            for k, (wp, cnt) in enumerate(zip(wps, cnts, strict=True)):
                wbs_wp = f"{ph + 1}.{k + 1}"
                w = b.add(p, wbs_wp, wp, phase=ph, parents=(s,), summary=True)
                role, names = table[wp]
                g = [
                    b.add(
                        p,
                        f"{wbs_wp}.{j + 1}",
                        _nth(names, j),
                        phase=ph,
                        parents=(s, w),
                        role=role,
                        first=j == 0,
                    )
                    for j in range(cnt)
                ]
                stagger = 0 if k == 0 else int(rng.integers(0, 8))
                _chain(b, rng, g, prev_ms, stagger)
                if k > 0:
                    entries.append(g[0])
                groups.append(g)
            nxt = len(wps) + 1
        else:
            pool, cnt = {
                0: (_INIT_TASKS, n_init),
                1: (_PLAN_TASKS, n_plan),
                4: (_CLOSE_TASKS, n_close),
            }[ph]
            g = [
                b.add(
                    p,
                    f"{ph + 1}.{j + 1}",
                    _nth([n for n, _ in pool], j),
                    phase=ph,
                    parents=(s,),
                    role=pool[j % len(pool)][1],
                    first=j == 0,
                )
                for j in range(cnt)
            ]
            _chain(b, rng, g, prev_ms, 0)
            groups.append(g)
            nxt = cnt + 1
            if ph == 1 and with_mso:
                m = b.add(
                    p,
                    f"2.{nxt}",
                    _MSO_TASK[0],
                    phase=ph,
                    parents=(s,),
                    role=_MSO_TASK[1],
                    first=True,
                )
                b.mso.append(m)
                groups.append([m])
                nxt += 1
        ms = b.add(p, f"{ph + 1}.{nxt}", ms_name, phase=ph, parents=(s,), milestone=True)
        _close_phase(b, groups, ms, nl0)
        ms_ids.append(ms)
        prev_ms = ms
    if html_task:
        b.name[ms_ids[1] + 3] = _HTML_TASK  # the first leaf of Execution
    b.phase_ms.append(ms_ids)
    b.entry_leaf.append(entries)


def _nth(names: Sequence[str], j: int) -> str:
    n = len(names)
    return names[j % n] if j < n else f"{names[j % n]} ({j // n + 1})"


# --------------------------------------------------------------------------- main entry


def generate_portfolio(
    *,
    n_projects: int = 14,
    seed: int = 7,
    tasks_per_project: tuple[int, int] = (30, 50),
    n_resources: int | None = None,
    status_date: dt.date = dt.date(2026, 10, 30),
    report_months: int = 6,
    holiday_years: Sequence[int] = (2025, 2026, 2027, 2028),
) -> dict[str, Any]:
    """Generate a sample portfolio: one DataFrame per CSV of DATA-MODEL.md plus ``standards``.

    Parameters
    ----------
    n_projects : number of projects (>= 1; the issue's story needs >= 12).
    seed : seed of the numpy random generator; same arguments -> identical tables.
    tasks_per_project : inclusive range of tasks per project (summaries and milestones count).
    n_resources : size of the shared resource pool; default ``max(34, n_projects)``.
    status_date : the "today" of the sample; progress and the last snapshot are at this date.
    report_months : number of monthly snapshots (month ends, the last one at the status date).
    holiday_years : years whose Spanish national holidays go into holidays.csv.

    Returns
    -------
    dict with keys :data:`TABLES` (DataFrames with string/float/bool columns, dates as ISO
    strings, empty string = none) and ``"standards"`` (the dict of standards.yaml).
    """
    lo, hi = tasks_per_project
    if n_projects < 1 or lo < 26 or hi < lo:
        raise ValueError("need n_projects >= 1 and 26 <= tasks_per_project[0] <= [1]")
    rng = np.random.default_rng(seed)
    n_res = int(n_resources or max(34, n_projects))
    hol = spain_holidays(holiday_years)
    days = _Days([d for d, _ in hol])
    sd = np.datetime64(status_date, "D")
    t_sd = int(days.index(sd)) + 1  # end of the status day

    projects = _make_projects(rng, n_projects)
    resources = _make_resources(rng, n_res)

    # ---- structure
    b = _Builder()
    n_tasks = rng.integers(lo, hi + 1, size=n_projects)
    html_proj = (
        int(np.flatnonzero(projects["name"].str.contains("<", regex=False))[0])
        if projects["name"].str.contains("<", regex=False).any()
        else -1
    )
    for p in range(n_projects):
        _build_project(b, rng, p, int(n_tasks[p]), html_task=p == html_proj)
    proj = np.array(b.proj, dtype=np.int64)
    n = proj.size
    is_sum = np.array(b.is_sum)
    is_ms = np.array(b.is_ms)
    leaf = ~is_sum
    work = leaf & ~is_ms
    phase_of = np.array(b.phase, dtype=np.int64)
    role = np.array(b.role, dtype=object)
    lp = np.array(b.lp, dtype=np.int64)
    ls = np.array(b.ls, dtype=np.int64)
    lk = np.array(b.lk, dtype=np.int64)
    ll = np.array(b.ll, dtype=np.int64)
    ms_ids = np.array(b.phase_ms, dtype=np.int64)  # (n_projects, 5)
    mso = np.array(b.mso, dtype=np.int64)

    # ---- durations: baseline, and current = baseline x project slip factor x noise
    base_dur = np.zeros(n, dtype=np.int64)
    scale = np.where(phase_of == 2, 1.6, np.where(phase_of == 4, 0.5, 1.0))
    base_dur[work] = np.maximum(
        1, np.round(rng.gamma(2.5, 5.0, size=int(work.sum())) * scale[work])
    ).astype(np.int64)
    sched_f = projects["_sched_f"].to_numpy()
    cost_f = projects["_cost_f"].to_numpy()
    noise = np.exp(rng.normal(0.0, 0.15, size=n))
    changed = work & (rng.random(n) < 0.65)
    cur_dur = base_dur.copy()
    cur_dur[changed] = np.maximum(
        1, np.round(base_dur[changed] * sched_f[proj[changed]] * noise[changed])
    ).astype(np.int64)

    # ---- relative schedules (each project from day 0), constraint floors
    zero = np.zeros(n, dtype=np.int64)
    es0 = _forward_pass(base_dur, zero, lp, ls, lk, ll)
    rel_floor = zero.copy()
    cand = np.flatnonzero(work & ~np.array(b.first_in_group) & (rng.random(n) < 0.05))
    snet = np.setdiff1d(cand, mso)
    rel_floor[snet] = es0[snet] + rng.integers(2, 7, size=snet.size)
    entry_ms = ms_ids[proj[mso], 0]
    rel_floor[mso] = es0[entry_ms] + rng.integers(5, 20, size=mso.size)
    cur_rel = _forward_pass(cur_dur, rel_floor, lp, ls, lk, ll)

    # ---- place each project so the status date falls in its target phase (current plan)
    ms_rel = cur_rel[ms_ids]  # milestone "times" = end of predecessor work
    first_rel = np.zeros(n_projects, dtype=np.int64)
    target = projects["_target"].to_numpy()
    u = rng.uniform(0.25, 0.75, size=n_projects)
    lo_t = np.select(
        [target == 0, target == 1, target == 2, target == 3],
        [first_rel, ms_rel[:, 0], ms_rel[:, 1], ms_rel[:, 3]],
        ms_rel[:, 4],
    )
    hi_t = np.select(
        [target == 0, target == 1, target == 2, target == 3],
        [ms_rel[:, 0], ms_rel[:, 1], ms_rel[:, 3], ms_rel[:, 4]],
        ms_rel[:, 4] + rng.integers(20, 160, size=n_projects),
    )
    point = np.where(target == 4, hi_t, np.round(lo_t + u * (hi_t - lo_t)).astype(np.int64))
    # running projects started before the first report date, so they have every snapshot
    t_first = int(days.index(_month_ends(sd, report_months)[0])) + 1
    want = t_sd - t_first + 10
    running = (target == 2) | (target == 3)
    point = np.where(running & (point < want), np.minimum(want, hi_t - 1), point)
    start_idx = (t_sd - np.maximum(point, 1)).astype(np.int64)
    floor_abs = start_idx[proj] + rel_floor

    # ---- cross-project links: a milestone of an earlier project feeds a later one's task
    base_abs0 = _forward_pass(base_dur, floor_abs, lp, ls, lk, ll)
    xp, xs, xlag = _cross_links(rng, b, ms_ids, base_abs0, base_dur, target)
    lp = np.concatenate([lp, xp])
    ls = np.concatenate([ls, xs])
    lk = np.concatenate([lk, np.full(xp.size, _FS)])
    ll = np.concatenate([ll, xlag])
    base_es = _forward_pass(base_dur, floor_abs, lp, ls, lk, ll)

    # ---- resources, assignments, costs (from the baseline durations and the rates)
    assign, cost = _assign(rng, b, projects, resources, role, work, base_dur, proj)
    cost[~work] = 0.0
    budget = np.bincount(proj, weights=cost, minlength=n_projects)

    # ---- change requests (approved ones are already in the current durations)
    crs, cr_task, cr_days, cr_approved = _make_change_requests(
        rng, projects, budget, base_es, base_dur, work, proj, t_sd, start_idx, days
    )
    np.add.at(cur_dur, cr_task[cr_approved], cr_days[cr_approved])
    cur_dur[work] = np.maximum(cur_dur[work], 1)
    cur_es = _forward_pass(cur_dur, floor_abs, lp, ls, lk, ll)

    # ---- open milestones feeding other projects (the slip-propagation story at the status date)
    sp, ss, sl = _story_links(
        np.random.default_rng([seed, 2]),  # own stream: the tables above keep their draws
        ms_ids, proj, work, lp, ls, lk, ll, base_es, cur_es, cur_dur, t_sd,
    )  # fmt: skip
    lp = np.concatenate([lp, sp])
    ls = np.concatenate([ls, ss])
    lk = np.concatenate([lk, np.full(sp.size, _FS)])
    ll = np.concatenate([ll, sl])

    # ---- progress at the status date (current plan = actuals in the past)
    frac = _fraction(cur_es, cur_dur, is_ms, t_sd)
    pct = np.where(frac >= 1.0, 100.0, np.clip(np.floor(frac * 100.0), 0.0, 99.0))
    pct[(frac > 0) & (frac < 1)] = np.maximum(pct[(frac > 0) & (frac < 1)], 1.0)
    pct[is_sum] = 0.0

    # ---- phases at the status date from the current plan
    achieved = (cur_es[ms_ids] <= t_sd - 0).sum(axis=1)  # milestone dated <= status date
    phase_idx = np.array([0, 1, 2, 2, 3, 4])[achieved]

    tasks = _tasks_frame(
        b,
        projects,
        days,
        proj,
        is_sum,
        is_ms,
        work,
        base_dur,
        cur_dur,
        base_es,
        cur_es,
        pct,
        cost,
        t_sd,
        rng,
        rel_floor,
        start_idx,
        snet,
        mso,
    )
    links = pd.DataFrame(
        {
            "pred_id": tasks["task_id"].to_numpy()[lp],
            "succ_id": tasks["task_id"].to_numpy()[ls],
            "type": _LINK_NAMES[lk],
            "lag_days": ll.astype(float),
        }
    )
    base_fin = _finish_idx(base_es, base_dur, is_ms)
    cur_fin = _finish_idx(cur_es, cur_dur, is_ms)
    p_base_fin = np.full(n_projects, -1, dtype=np.int64)
    np.maximum.at(p_base_fin, proj, base_fin)
    p_cur_fin = np.full(n_projects, -1, dtype=np.int64)
    np.maximum.at(p_cur_fin, proj, cur_fin)

    pids = projects["project_id"].to_numpy()
    projects_out = pd.DataFrame(
        {
            "project_id": pids,
            "name": projects["name"],
            "programme": projects["programme"],
            "sponsor": projects["sponsor"],
            "manager": _managers(assign, resources, proj, n_projects, rng),
            "department": projects["department"],
            "phase": _PHASE_NAMES[phase_idx],
            "start": _iso(days.date(start_idx)),
            "finish_baseline": _iso(days.date(p_base_fin)),
            "budget": np.round(budget, 2),
            "strategic_objective": projects["strategic_objective"],
            "score_value": projects["score_value"],
            "score_alignment": projects["score_alignment"],
            "score_risk": projects["score_risk"],
            "priority": projects["priority"],
            "calendar_id": "Standard",
        }
    )
    crs["project_id"] = pids[crs["_p"].to_numpy()]
    crs["task_id"] = np.where(cr_task >= 0, tasks["task_id"].to_numpy()[np.maximum(cr_task, 0)], "")
    crs = crs.drop(columns="_p")

    snapshots, mforecasts = _reports(
        days,
        sd,
        t_sd,
        report_months,
        proj,
        start_idx,
        cost,
        base_es,
        base_dur,
        cur_es,
        cur_dur,
        is_ms,
        pct,
        work,
        cost_f,
        p_base_fin,
        p_cur_fin,
        ms_ids,
        pids,
        tasks["task_id"].to_numpy(),
        rng,
    )
    risks = _make_risks(rng, projects_out, budget, start_idx, t_sd, days, assign, resources, proj)
    gates = _make_gates(rng, pids, phase_idx)
    res_out = resources.drop(columns=[c for c in resources.columns if c.startswith("_")])
    calendars = pd.DataFrame(
        {
            "calendar_id": ["Standard", "Part-time"],
            "name": ["Standard (Mon-Fri, 8 h)", "Part-time mornings (Mon-Fri, 4 h)"],
            "working_days": ["Mon,Tue,Wed,Thu,Fri", "Mon,Tue,Wed,Thu,Fri"],
            "periods": ["08:00-12:00,13:00-17:00", "09:00-13:00"],
            "hours_per_day": [8.0, 4.0],
        }
    )
    holidays = pd.DataFrame(
        {
            "calendar_id": np.repeat(["Standard", "Part-time"], len(hol)),
            "date": [d.isoformat() for d, _ in hol] * 2,
            "name": [nm for _, nm in hol] * 2,
        }
    )
    assignments = pd.DataFrame(
        {
            "task_id": tasks["task_id"].to_numpy()[assign["task"].to_numpy()],
            "resource_id": res_out["resource_id"].to_numpy()[assign["res"].to_numpy()],
            "units": assign["units"].to_numpy(),
        }
    )
    return {
        "projects": projects_out,
        "tasks": tasks,
        "links": links,
        "resources": res_out,
        "assignments": assignments,
        "calendars": calendars,
        "holidays": holidays,
        "risks": risks,
        "change_requests": crs,
        "snapshots": snapshots,
        "milestone_forecasts": mforecasts,
        "stage_gates": gates,
        "project_scores": _make_scores(seed, projects_out),
        "standards": _standards(status_date, projects_out, _linked(tasks, links)),
    }


def _fraction(
    es: np.ndarray, dur: np.ndarray, is_ms: np.ndarray, t: int | np.ndarray
) -> np.ndarray:
    """Share of each task's duration done at time(s) ``t`` (broadcast over a last axis)."""
    es2 = es[..., None] if np.ndim(t) else es
    d2 = dur[..., None] if np.ndim(t) else dur
    m2 = is_ms[..., None] if np.ndim(t) else is_ms
    f = np.clip((t - es2) / np.maximum(d2, 1), 0.0, 1.0)
    return np.where(m2, (es2 <= t).astype(float), f)


def _finish_idx(es: np.ndarray, dur: np.ndarray, is_ms: np.ndarray) -> np.ndarray:
    """Working-day index of each task's finish day (a milestone: the day before its start)."""
    return np.where(is_ms, es - 1, es + dur - 1)


def _start_idx(es: np.ndarray, is_ms: np.ndarray) -> np.ndarray:
    return np.where(is_ms, es - 1, es)


def _make_projects(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Projects with programme, names, sponsors, scores, a target phase and a performance."""
    progs = list(_PROGRAMMES)[: 4 if n < 60 else len(_PROGRAMMES)]
    prog = [progs[i % len(progs)] for i in range(n)]
    seen: dict[str, int] = {}
    names, depts, objs = [], [], []
    for i, pg in enumerate(prog):
        spec = _PROGRAMMES[pg]
        k = seen.get(pg, 0)
        seen[pg] = k + 1
        base = spec["names"][k % len(spec["names"])]
        rnd = k // len(spec["names"])
        if rnd:
            region = _REGIONS[(rnd - 1) % len(_REGIONS)]
            wave = (rnd - 1) // len(_REGIONS)
            base = f"{base} ({region}{' ' + str(wave + 1) if wave else ''})"
        names.append(base)
        depts.append(spec["departments"][(i // len(progs)) % 2])
        objs.append(
            spec["objective"]
            if rng.random() < 0.8
            else _OBJECTIVES[int(rng.integers(len(_OBJECTIVES)))]
        )
    # target phase: first project (the platform) executes; a fixed mix for the rest
    mix = np.array([2, 1, 2, 4, 3, 2, 0, 2, 1, 3, 0, 4, 2])
    target = np.concatenate([[2], rng.permutation(np.resize(mix, n - 1))])[:n]
    # performance: (schedule factor, cost factor); late & over, on plan, ahead & under, ...
    perf = np.array(
        [[1.45, 1.22], [1.0, 1.0], [0.88, 0.93], [1.12, 1.08], [1.4, 1.0], [1.0, 1.15], [0.92, 1.0]]
    )
    # running projects (execution, closing) get every profile in turn, so the story has
    # late and over-budget projects as well as ones ahead and under budget
    pick = rng.integers(len(perf), size=n)
    running = np.flatnonzero((target == 2) | (target == 3))
    pick[running] = rng.permutation(np.resize(np.arange(len(perf)), running.size))
    jitter = rng.uniform(0.97, 1.03, size=(n, 2))
    pf = perf[pick] * jitter
    sv = rng.integers(1, 6, size=n)
    sa = rng.integers(1, 6, size=n)
    sr = rng.integers(1, 6, size=n)
    score = sv + sa - 0.5 * sr + rng.uniform(0, 0.1, size=n)
    priority = np.empty(n, dtype=np.int64)
    priority[np.argsort(-score, kind="stable")] = np.arange(1, n + 1)
    width = max(2, len(str(n)))
    return pd.DataFrame(
        {
            "project_id": [f"P{i + 1:0{width}d}" for i in range(n)],
            "name": names,
            "programme": prog,
            "sponsor": [_SPONSORS[int(j)] for j in rng.integers(len(_SPONSORS), size=n)],
            "department": depts,
            "strategic_objective": objs,
            "score_value": sv,
            "score_alignment": sa,
            "score_risk": sr,
            "priority": priority,
            "_target": target,
            "_sched_f": pf[:, 0],
            "_cost_f": pf[:, 1],
        }
    )


def _make_resources(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """A shared pool: roles in fixed shares (few architects), some part-time people."""
    shares = np.array([v[0] for v in _ROLES.values()])
    counts = np.maximum(1, np.floor(shares * n)).astype(int)
    counts[2] += n - counts.sum()  # the remainder are developers
    roles = np.repeat(list(_ROLES), counts)
    combos = rng.permutation(len(_FIRST) * len(_LAST))
    names = [
        f"{_FIRST[c // len(_LAST)]} {_LAST[c % len(_LAST)]}"
        + ("" if i < combos.size else f" {i // combos.size + 1}")
        for i, c in enumerate(np.resize(combos, n))
    ]
    part = rng.random(n) < 0.12
    base_rate = np.array([_ROLES[r][1] for r in roles])
    width = max(3, len(str(n)))
    return pd.DataFrame(
        {
            "resource_id": [f"R{i + 1:0{width}d}" for i in range(n)],
            "name": names,
            "role": roles,
            "department": [_ROLES[r][2] for r in roles],
            "capacity_hours_per_day": np.where(part, 4.0, 8.0),
            "rate_per_hour": np.round(base_rate * rng.uniform(0.9, 1.15, size=n)),
            "calendar_id": np.where(part, "Part-time", "Standard"),
        }
    )


def _cross_links(
    rng: np.random.Generator,
    b: _Builder,
    ms_ids: np.ndarray,
    es: np.ndarray,
    dur: np.ndarray,
    target: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pick >= 5 cross-project FS links from an earlier project's milestone to a task.

    Links go from a lower project index to a higher one (so the network stays acyclic) and
    prefer the tightest milestone that is not yet late in the baseline, so that a slip in the
    feeding project propagates.
    """
    n_p = ms_ids.shape[0]
    if n_p < 2:
        return (np.zeros(0, np.int64),) * 3
    n_x = max(5, round(0.45 * n_p))
    eligible = [j for j in range(1, n_p) if b.entry_leaf[j] and target[j] in (0, 1, 2)]
    chosen = rng.permutation(eligible)[:n_x] if eligible else np.zeros(0, np.int64)
    cand_ms = ms_ids[:, 1:4]  # plan baselined, build complete, go-live
    xp, xs, xl = [], [], []
    for j in np.sort(chosen):
        succ = int(rng.choice(b.entry_leaf[j]))
        lag = int(rng.integers(0, 6))
        ms = cand_ms[:j].ravel()
        t_pred = es[ms] + lag
        ok = t_pred <= es[succ]
        if rng.random() < 0.5 and ok[: cand_ms.shape[1]].any():  # the platform project, P1
            pool = np.flatnonzero(ok[: cand_ms.shape[1]])
        elif ok.any():
            pool = np.flatnonzero(ok)
        else:
            pool = np.array([int(np.argmin(t_pred))])
        k = pool[np.argmax(t_pred[pool])]
        xp.append(int(ms[k]))
        xs.append(succ)
        xl.append(lag)
    return np.array(xp, np.int64), np.array(xs, np.int64), np.array(xl, np.int64)


def _late_starts(
    es: np.ndarray,
    dur: np.ndarray,
    proj: np.ndarray,
    pred: np.ndarray,
    succ: np.ndarray,
    kind: np.ndarray,
    lag: np.ndarray,
) -> np.ndarray:
    """Late starts against each project's own finish (the backward twin of ``_forward_pass``).

    ``late - early`` is a task's total float: zero on the critical path of its project (or on
    a chain that drives another project's critical path through a cross-project link).
    """
    end = np.full(int(proj.max()) + 1, np.iinfo(np.int64).min)
    np.maximum.at(end, proj, es + dur)
    late = end[proj] - dur
    if pred.size == 0:
        return late
    order = np.argsort(pred, kind="stable")
    pred, succ, kind, lag = pred[order], succ[order], kind[order], lag[order]
    sources, starts = np.unique(pred, return_index=True)
    from_finish = np.where((kind == _FS) | (kind == _FF), dur[pred], 0)
    to_finish = np.where((kind == _FF) | (kind == _SF), dur[succ], 0)
    offset = from_finish + lag - to_finish
    for _ in range(dur.size + 1):
        new = np.minimum(late[sources], np.minimum.reduceat(late[succ] - offset, starts))
        if np.array_equal(new, late[sources]):
            break
        late[sources] = new
    return late


def _reaches(adj: dict[int, list[int]], src: int, dst: int) -> bool:
    """Whether ``dst`` is reachable from ``src`` over the links (adjacency by predecessor)."""
    seen, todo = {src}, [src]
    while todo:
        for w in adj.get(todo.pop(), ()):
            if w == dst:
                return True
            if w not in seen:
                seen.add(w)
                todo.append(w)
    return src == dst


def _story_links(
    rng: np.random.Generator,
    ms_ids: np.ndarray,
    proj: np.ndarray,
    work: np.ndarray,
    lp: np.ndarray,
    ls: np.ndarray,
    lk: np.ndarray,
    ll: np.ndarray,
    base_es: np.ndarray,
    cur_es: np.ndarray,
    cur_dur: np.ndarray,
    t_sd: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """FS links from open milestones (dated after the status date) to tasks of other projects.

    Why: slip propagation needs future milestones that feed other projects. Each of
    ``max(6, 5% of the projects)`` provider milestones feeds up to two not-started tasks on the
    critical path of other projects (zero total float in the current plan), alternately through
    *tight* links (0, 1, 2 working days of float in turn: a 10-20 day slip moves those projects
    and their milestones) and *loose* ones (20-35 days: a 15-day slip is absorbed). Lags are
    0-10 days.

    No link binds in either plan (successor start >= milestone + lag in the baseline and the
    current plan), so every date of the sample stays as it was: only what a slip would do
    changes. Links that would close a cycle are skipped.
    """
    n_p = ms_ids.shape[0]
    empty = np.zeros(0, np.int64)
    if n_p < 3:
        return empty, empty, empty
    late = _late_starts(cur_es, cur_dur, proj, lp, ls, lk, ll)
    open_crit = work & (late == cur_es) & (cur_es > t_sd)  # not started, critical
    prov = ms_ids[:, 1:4].ravel()  # plan baselined, build complete, go-live
    prov = rng.permutation(prov[cur_es[prov] > t_sd + 1])  # open: dated after the status day
    n_story = max(6, round(0.05 * n_p))
    adj: dict[int, list[int]] = {}
    for a, z in zip(lp.tolist(), ls.tolist(), strict=True):
        adj.setdefault(a, []).append(z)
    fed = np.zeros(n_p, np.int64)  # story links into each project, to spread them out
    out_p: list[int] = []
    out_s: list[int] = []
    out_l: list[int] = []
    done = 0
    for ms in prov.tolist():
        if done >= n_story:
            break
        tight = done % 2 == 0
        cand = np.flatnonzero(open_crit & (proj != proj[ms]))
        gap = cur_es[cand] - cur_es[ms]  # FS from a milestone: succ start >= ms + lag
        # tight floats cycle 0, 1, 2 over the tight providers (0 = the link drives)
        want = np.full(cand.size, done // 2 % 3) if tight else rng.integers(20, 36, cand.size)
        lag = np.maximum(gap - want, 0)
        ok = (gap >= want if not tight else gap >= 0) & (lag <= 10)
        ok &= base_es[cand] - base_es[ms] >= lag  # never binds in the baseline either
        cand, lag = cand[ok], lag[ok]
        # one task per consumer project, least-fed projects first, random among equals
        pick = np.lexsort((rng.random(cand.size), fed[proj[cand]]))
        used: set[int] = set()
        for k in pick.tolist():
            t = int(cand[k])
            if proj[t] in used or _reaches(adj, t, ms):
                continue
            used.add(int(proj[t]))
            adj.setdefault(ms, []).append(t)
            fed[proj[t]] += 1
            out_p.append(ms)
            out_s.append(t)
            out_l.append(int(lag[k]))
            if len(used) == 2:
                break
        done += bool(used)
    return np.array(out_p, np.int64), np.array(out_s, np.int64), np.array(out_l, np.int64)


def _assign(
    rng: np.random.Generator,
    b: _Builder,
    projects: pd.DataFrame,
    resources: pd.DataFrame,
    role: np.ndarray,
    work: np.ndarray,
    dur: np.ndarray,
    proj: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Assign leaf tasks to a per-project team drawn from the shared pool; cost from rates.

    Team members are drawn with Zipf-like weights, so a few popular people (an architect, a
    tester) end up in several concurrent projects: over-allocated, as in real life.
    """
    n_p = len(projects)
    res_role = resources["role"].to_numpy()
    rate = resources["rate_per_hour"].to_numpy()
    cap = resources["capacity_hours_per_day"].to_numpy()
    tasks_idx = np.flatnonzero(work)
    t_role = role[tasks_idx]
    chosen = np.empty(tasks_idx.size, dtype=np.int64)
    for r in _ROLES:
        members = np.flatnonzero(res_role == r)
        # popular specialists are shared most; project managers are spread evenly
        skew = {"Project Manager": 0.0, "Architect": 1.2, "Tester": 1.0}.get(r, 0.5)
        w = 1.0 / np.arange(1, members.size + 1) ** skew
        w = w / w.sum()
        team_size = min(members.size, 2 if members.size < 8 else 3)
        teams = np.array(
            [rng.choice(members, size=team_size, replace=False, p=w) for _ in range(n_p)]
        )
        sel = np.flatnonzero(t_role == r)
        pick = rng.integers(team_size, size=sel.size)
        chosen[sel] = teams[proj[tasks_idx[sel]], pick]
    units = rng.choice([1.0, 1.0, 0.5, 0.5, 0.5, 0.25], size=tasks_idx.size)
    # a second person on some tasks: the project's PM or an architect, part of the time
    second = rng.random(tasks_idx.size) < 0.2
    helpers = np.flatnonzero(
        np.isin(res_role, ["Project Manager", "Architect", "Business Analyst"])
    )
    h = rng.choice(helpers, size=tasks_idx.size)
    second &= h != chosen
    a_task = np.concatenate([tasks_idx, tasks_idx[second]])
    a_res = np.concatenate([chosen, h[second]])
    a_units = np.concatenate([units, np.full(int(second.sum()), 0.25)])
    order = np.lexsort((a_res, a_task))
    a = pd.DataFrame({"task": a_task[order], "res": a_res[order], "units": a_units[order]})
    hours = dur[a["task"].to_numpy()] * cap[a["res"].to_numpy()] * a["units"].to_numpy()
    labour = np.bincount(
        a["task"].to_numpy(), weights=hours * rate[a["res"].to_numpy()], minlength=dur.size
    )
    extra = np.where(rng.random(dur.size) < 0.15, rng.integers(2, 40, size=dur.size) * 1000, 0)
    cost = np.round(labour + extra).astype(float)
    return a, cost


def _managers(
    assign: pd.DataFrame,
    resources: pd.DataFrame,
    proj: np.ndarray,
    n_p: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """The manager is the Project Manager with most assignments in the project."""
    roles = resources["role"].to_numpy()[assign["res"].to_numpy()]
    pm = assign[roles == "Project Manager"]
    names = resources["name"].to_numpy()
    out = np.array(
        [
            names[int(j)]
            for j in rng.choice(
                np.flatnonzero(resources["role"].to_numpy() == "Project Manager"), size=n_p
            )
        ],
        dtype=object,
    )
    if len(pm):
        counts = pm.assign(p=proj[pm["task"].to_numpy()]).groupby(["p", "res"]).size()
        best = counts.reset_index().sort_values(["p", 0, "res"], ascending=[True, False, True])
        best = best.drop_duplicates("p")
        out[best["p"].to_numpy()] = names[best["res"].to_numpy()]
    return out


def _person(rng: np.random.Generator) -> str:
    """A random stakeholder name (not necessarily in the resource pool)."""
    return f"{_FIRST[int(rng.integers(len(_FIRST)))]} {_LAST[int(rng.integers(len(_LAST)))]}"


def _make_change_requests(
    rng: np.random.Generator,
    projects: pd.DataFrame,
    budget: np.ndarray,
    es: np.ndarray,
    dur: np.ndarray,
    work: np.ndarray,
    proj: np.ndarray,
    t_sd: int,
    start_idx: np.ndarray,
    days: _Days,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Change requests on running projects; significance follows standards.yaml's rule."""
    n_p = len(projects)
    n_cr = max(12, round(0.9 * n_p))
    target = projects["_target"].to_numpy()
    running = np.flatnonzero(np.isin(target, [1, 2, 3]))
    if running.size == 0:
        running = np.arange(n_p)
    p_of = np.sort(rng.choice(running, size=n_cr))
    p_of[: min(n_cr, running.size)] = running[: min(n_cr, running.size)]
    p_of = np.sort(p_of)
    # size first, decision second: significant and minor ones each get a realistic mix,
    # so the change board always has pending significant changes to decide
    bigs = np.zeros(n_cr, dtype=bool)
    bigs[rng.permutation(n_cr)[: max(4, round(0.4 * n_cr))]] = True
    decisions = np.empty(n_cr, dtype=object)
    mixes = {
        True: ["pending", "approved", "pending", "rejected", "deferred", "approved"],
        False: ["approved", "pending", "approved", "rejected", "pending", "deferred"],
    }
    for flag, mix in mixes.items():
        idx = np.flatnonzero(bigs == flag)
        decisions[idx] = rng.permutation(np.resize(np.array(mix, dtype=object), idx.size))
    scale = budget
    kinds = rng.integers(len(_CRS), size=n_cr)
    rows = []
    task_of = np.full(n_cr, -1, dtype=np.int64)
    days_of = np.zeros(n_cr, dtype=np.int64)
    for i in range(n_cr):
        p = int(p_of[i])
        title, desc = _CRS[int(kinds[i])]
        saving = title.startswith(("Descope", "Reduce", "Replace"))
        big = bool(bigs[i])
        ratio = rng.uniform(0.06, 0.14) if big else rng.uniform(0.005, 0.035)
        cost = round(float(scale[p] * ratio), -3) * (-1 if saving else 1)
        sdays = int(rng.integers(10, 25) if big else rng.integers(1, 8)) * (-1 if saving else 1)
        scope = (
            ("major" if big and rng.random() < 0.5 else "moderate")
            if big
            else ("minor" if rng.random() < 0.8 else "none")
        )
        sig = (
            abs(cost) >= 50000
            or abs(cost) >= 0.05 * scale[p]
            or abs(sdays) >= 10
            or scope == "major"
        )
        dec = str(decisions[i])
        cand = np.flatnonzero(work & (proj == p) & (es > t_sd))
        if cand.size == 0:
            cand = np.flatnonzero(work & (proj == p))
        t = int(rng.choice(cand))
        sdays = max(sdays, -int(dur[t]) + 1)
        task_of[i] = t
        days_of[i] = sdays
        sub = t_sd - 1 - int(rng.integers(3, 25) if dec == "pending" else rng.integers(25, 120))
        sub = max(sub, int(start_idx[p]))
        dec_on = sub + int(rng.integers(5, 20))
        dec_on = min(dec_on, t_sd - 1)
        rows.append(
            {
                "cr_id": "",
                "_p": p,
                "title": title,
                "description": desc,
                "requested_by": projects["sponsor"].iat[p] if rng.random() < 0.5 else _person(rng),
                "submitted_on": sub,
                "task_id": "",
                "scope_impact": scope,
                "cost_impact": float(cost),
                "schedule_impact_days": float(sdays),
                "significance": "significant" if sig else "minor",
                "objective": projects["strategic_objective"].iat[p]
                if rng.random() < 0.8
                else _OBJECTIVES[int(rng.integers(len(_OBJECTIVES)))],
                "decision": dec,
                "decided_by": ""
                if dec == "pending"
                else ("PMO Change Control Board" if sig else projects["sponsor"].iat[p]),
                "decided_on": -1 if dec == "pending" else dec_on,
                "rationale": {
                    "pending": "Awaiting impact assessment and board slot.",
                    "approved": "Benefit outweighs cost; funded from contingency.",
                    "rejected": "Not aligned with this year's priorities.",
                    "deferred": "Revisit after go-live.",
                }[dec],
            }
        )
    crs = pd.DataFrame(rows)
    width = max(3, len(str(n_cr)))
    crs["cr_id"] = [f"CR{i + 1:0{width}d}" for i in range(n_cr)]
    crs["submitted_on"] = _iso(days.date(crs["submitted_on"].to_numpy()))
    dec_idx = crs["decided_on"].to_numpy()
    crs["decided_on"] = np.where(dec_idx >= 0, _iso(days.date(np.maximum(dec_idx, 0))), "")
    return crs, task_of, days_of, (crs["decision"] == "approved").to_numpy()


def _tasks_frame(
    b: _Builder,
    projects: pd.DataFrame,
    days: _Days,
    proj: np.ndarray,
    is_sum: np.ndarray,
    is_ms: np.ndarray,
    work: np.ndarray,
    base_dur: np.ndarray,
    cur_dur: np.ndarray,
    base_es: np.ndarray,
    cur_es: np.ndarray,
    pct: np.ndarray,
    cost: np.ndarray,
    t_sd: int,
    rng: np.random.Generator,
    rel_floor: np.ndarray,
    start_idx: np.ndarray,
    snet: np.ndarray,
    mso: np.ndarray,
) -> pd.DataFrame:
    """tasks.csv: leaves carry durations/estimates/progress; summaries roll them up."""
    n = proj.size
    pids = projects["project_id"].to_numpy()
    # per-project sequence number -> task ids P01-T0001
    seq = np.arange(n) - np.searchsorted(proj, proj, side="left") + 1
    width = max(4, len(str(int(seq.max()))))
    task_id = np.char.add(
        np.char.add(pids[proj].astype(str), "-T"), np.char.zfill(seq.astype(str), width)
    )
    b_start, b_fin = _start_idx(base_es, is_ms), _finish_idx(base_es, base_dur, is_ms)
    c_start, c_fin = _start_idx(cur_es, is_ms), _finish_idx(cur_es, cur_dur, is_ms)
    anc = np.array(b.anc, dtype=np.int64).reshape(-1, 2)
    leaf_rows = anc[~is_sum[anc[:, 0]]]
    kids, parents = leaf_rows[:, 0], leaf_rows[:, 1]
    big = np.iinfo(np.int64).max
    for arr_s, arr_f in ((b_start, b_fin), (c_start, c_fin)):
        s = np.where(is_sum, big, arr_s)
        f = np.where(is_sum, -big, arr_f)
        np.minimum.at(s, parents, arr_s[kids])
        np.maximum.at(f, parents, arr_f[kids])
        arr_s[is_sum] = s[is_sum]
        arr_f[is_sum] = f[is_sum]
    # summary % complete: duration-weighted; summary cost: roll-up of its leaves
    done_d = np.bincount(parents, weights=(pct * cur_dur)[kids], minlength=n)
    all_d = np.bincount(parents, weights=cur_dur[kids].astype(float), minlength=n)
    pct = pct.copy()
    pct[is_sum] = np.floor(np.divide(done_d, all_d, out=np.zeros(n), where=all_d > 0))[is_sum]
    any_started = np.bincount(parents, weights=(pct[kids] > 0), minlength=n) > 0
    all_done = np.bincount(parents, weights=(pct[kids] < 100), minlength=n) == 0
    pct[is_sum & all_done] = 100.0
    cost_out = cost.copy()
    cost_out[is_sum] = np.bincount(parents, weights=cost[kids], minlength=n)[is_sum]
    started = np.where(is_sum, any_started, pct > 0)
    finished = pct >= 100
    a_start = np.where(started, _iso(days.date(c_start)), "")
    a_fin = np.where(finished, _iso(days.date(c_fin)), "")
    # three-point estimates on working leaves (right-skewed, as real estimates are)
    ml = cur_dur.astype(float)
    opt = np.round(ml * rng.uniform(0.7, 0.95, size=n), 1)
    pes = np.round(ml * rng.uniform(1.1, 1.9, size=n), 1)
    opt = np.minimum(opt, ml)
    pes = np.maximum(pes, ml)
    # constraints: SNET/MSO floors drove the schedule; SNLT/FNLT deadlines are not binding
    ctype = np.full(n, "ASAP", dtype=object)
    cdate = np.full(n, "", dtype=object)
    ctype[snet] = "SNET"
    cdate[snet] = _iso(days.date(start_idx[proj[snet]] + rel_floor[snet]))
    ctype[mso] = "MSO"
    cdate[mso] = _iso(days.date(start_idx[proj[mso]] + rel_floor[mso]))
    free = np.flatnonzero((work | is_ms) & (ctype == "ASAP") & (rng.random(n) < 0.03))
    fn = free[is_ms[free]]
    sn = free[~is_ms[free]]
    ctype[fn] = "FNLT"
    cdate[fn] = _iso(days.date(np.maximum(b_fin[fn], c_fin[fn]) + rng.integers(5, 30, fn.size)))
    ctype[sn] = "SNLT"
    cdate[sn] = _iso(days.date(np.maximum(b_start[sn], c_start[sn]) + rng.integers(5, 30, sn.size)))
    return pd.DataFrame(
        {
            "task_id": task_id,
            "project_id": pids[proj],
            "wbs": b.wbs,
            "name": b.name,
            "outline_level": np.array(b.level, dtype=np.int64),
            "is_summary": is_sum,
            "is_milestone": is_ms,
            "duration_days": np.where(work, cur_dur, 0).astype(float),
            "optimistic_days": np.where(work, opt, np.nan),
            "most_likely_days": np.where(work, ml, np.nan),
            "pessimistic_days": np.where(work, pes, np.nan),
            "constraint_type": ctype,
            "constraint_date": cdate,
            "calendar_id": "",
            "percent_complete": pct,
            "actual_start": a_start,
            "actual_finish": a_fin,
            "baseline_start": _iso(days.date(b_start)),
            "baseline_finish": _iso(days.date(b_fin)),
            "budgeted_cost": cost_out,
        }
    )


def _reports(
    days: _Days,
    sd: np.datetime64,
    t_sd: int,
    months: int,
    proj: np.ndarray,
    start_idx: np.ndarray,
    cost: np.ndarray,
    base_es: np.ndarray,
    base_dur: np.ndarray,
    cur_es: np.ndarray,
    cur_dur: np.ndarray,
    is_ms: np.ndarray,
    pct: np.ndarray,
    work: np.ndarray,
    cost_f: np.ndarray,
    p_base_fin: np.ndarray,
    p_cur_fin: np.ndarray,
    ms_ids: np.ndarray,
    pids: np.ndarray,
    task_ids: np.ndarray,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly snapshots (cumulative PV/EV/AC) and milestone forecasts at each report date.

    PV follows the baseline, EV the current plan (the status-date EV equals the tasks'
    % complete x budgeted cost), AC = EV x the project's cost factor drifting towards its final
    value; forecasts recognise a slip gradually, as real reports do.
    """
    ends = _month_ends(sd, months)
    t_r = np.minimum(days.index(ends) + 1, t_sd)  # end of the last working day of the month
    rep_dates = days.date(t_r - 1)
    n_p = pids.size
    w = np.flatnonzero(work)
    fb = _fraction(base_es[w], base_dur[w], is_ms[w], t_r)
    fc = _fraction(cur_es[w], cur_dur[w], is_ms[w], t_r)
    fc[:, -1] = pct[w] / 100.0
    pv = np.stack(
        [np.bincount(proj[w], weights=cost[w] * fb[:, j], minlength=n_p) for j in range(t_r.size)],
        axis=1,
    )
    ev = np.stack(
        [np.bincount(proj[w], weights=cost[w] * fc[:, j], minlength=n_p) for j in range(t_r.size)],
        axis=1,
    )
    bac = np.bincount(proj[w], weights=cost[w], minlength=n_p)
    elapsed = np.clip(
        (t_r[None, :] - start_idx[:, None]) / np.maximum(t_sd - start_idx[:, None], 1), 0, 1
    )
    drift = 1 + (cost_f[:, None] - 1) * (0.5 + 0.5 * elapsed)
    drift *= rng.uniform(0.985, 1.015, size=drift.shape)
    ac = np.maximum.accumulate(ev * drift, axis=1)
    slip = p_cur_fin - p_base_fin
    f_idx = np.where(
        p_cur_fin[:, None] < t_r[None, :],
        p_cur_fin[:, None],
        np.maximum(p_base_fin[:, None] + np.round(slip[:, None] * elapsed), t_r[None, :]),
    ).astype(np.int64)
    # keep reports while the project runs: started, and not finished before the previous one
    prev_t = np.concatenate([[t_r[0] - 22], t_r[:-1]])
    keep = (start_idx[:, None] < t_r[None, :]) & (p_cur_fin[:, None] >= prev_t[None, :] - 1)
    pi, ri = np.nonzero(keep)
    spi = np.divide(ev, pv, out=np.ones_like(ev), where=pv > 0)
    cpi = np.divide(ev, ac, out=np.ones_like(ev), where=ac > 0)
    comment = np.select(
        [ev >= bac[:, None] - 0.5, (spi < 0.9) & (cpi < 0.9), spi < 0.9, cpi < 0.9, spi > 1.02],
        [
            "Complete; closing the books.",
            "Behind schedule and over budget; recovery plan due.",
            "Behind schedule: critical work packages late.",
            "Over budget: rates and overtime.",
            "Ahead of plan.",
        ],
        "On track.",
    )
    snapshots = pd.DataFrame(
        {
            "project_id": pids[pi],
            "report_date": _iso(rep_dates[ri]),
            "pv": np.round(pv[pi, ri], 2),
            "ev": np.round(ev[pi, ri], 2),
            "ac": np.round(ac[pi, ri], 2),
            "percent_complete": np.round(100 * ev[pi, ri] / np.maximum(bac[pi], 1), 1),
            "forecast_finish": _iso(days.date(f_idx[pi, ri])),
            "comment": comment[pi, ri],
        }
    )
    # milestone forecasts: the five phase-end milestones of every reported project
    ms = ms_ids[pi]  # (rows, 5)
    base_m = base_es[ms] - 1
    cur_m = cur_es[ms] - 1
    tr = t_r[ri][:, None]
    el = elapsed[pi, ri][:, None]
    fc_m = np.where(cur_m < tr, cur_m, np.maximum(base_m + np.round((cur_m - base_m) * el), tr))
    mf = pd.DataFrame(
        {
            "project_id": np.repeat(pids[pi], 5),
            "task_id": task_ids[ms].ravel(),
            "report_date": np.repeat(_iso(rep_dates[ri]), 5),
            "forecast_date": _iso(days.date(fc_m.astype(np.int64).ravel())),
        }
    ).sort_values(["project_id", "task_id", "report_date"], kind="stable")
    return snapshots, mf.reset_index(drop=True)


def _month_ends(sd: np.datetime64, months: int) -> np.ndarray:
    """The last calendar day of the ``months`` months up to the status date's month."""
    month0 = sd.astype("datetime64[M]")
    return (month0 - np.arange(months - 1, -1, -1) + 1).astype("datetime64[D]") - 1


def _make_risks(
    rng: np.random.Generator,
    projects: pd.DataFrame,
    budget: np.ndarray,
    start_idx: np.ndarray,
    t_sd: int,
    days: _Days,
    assign: pd.DataFrame,
    resources: pd.DataFrame,
    proj: np.ndarray,
) -> pd.DataFrame:
    """Risk registers: 2-5 entries per project, ~30 % opportunities, mostly open."""
    n_p = len(projects)
    per = rng.integers(2, 6, size=n_p)
    p_of = np.repeat(np.arange(n_p), per)
    n = p_of.size
    is_opp = rng.random(n) < 0.3
    t_pick = rng.integers(len(_THREATS), size=n)
    o_pick = rng.integers(len(_OPPORTUNITIES), size=n)
    cat = np.where(is_opp, [_OPPORTUNITIES[i][0] for i in o_pick], [_THREATS[i][0] for i in t_pick])
    title = np.where(
        is_opp, [_OPPORTUNITIES[i][1] for i in o_pick], [_THREATS[i][1] for i in t_pick]
    ).astype(object)
    if n:
        title[0] = _HTML_RISK
        is_opp[0] = False
        cat[0] = "supplier"
    prob = np.round(rng.uniform(0.1, 0.8, size=n) / 0.05) * 0.05
    cost = np.round(budget[p_of] * rng.uniform(0.01, 0.12, size=n), -2)
    sched = np.where(rng.random(n) < 0.3, 0, rng.integers(1, 30, size=n)).astype(float)
    resp = np.where(
        is_opp,
        rng.choice(
            ["exploit", "enhance", "share", "accept", "escalate"],
            size=n,
            p=[0.25, 0.35, 0.15, 0.2, 0.05],
        ),
        rng.choice(
            ["avoid", "mitigate", "transfer", "accept", "escalate"],
            size=n,
            p=[0.1, 0.55, 0.1, 0.15, 0.1],
        ),
    )
    res_names = resources["name"].to_numpy()
    # owner: someone working on the project (or its manager)
    a_p = proj[assign["task"].to_numpy()]
    owners = projects["manager"].to_numpy().astype(object).copy()[p_of]
    for i in np.flatnonzero(rng.random(n) < 0.6):
        team = assign["res"].to_numpy()[a_p == p_of[i]]
        if team.size:
            owners[i] = res_names[int(rng.choice(np.unique(team)))]
    raised = start_idx[p_of] + np.floor(
        rng.uniform(0, 1, size=n) * np.maximum(t_sd - 1 - start_idx[p_of], 0)
    )
    width = max(3, len(str(n)))
    return pd.DataFrame(
        {
            "risk_id": [f"RK{i + 1:0{width}d}" for i in range(n)],
            "project_id": projects["project_id"].to_numpy()[p_of],
            "title": title,
            "kind": np.where(is_opp, "opportunity", "threat"),
            "category": cat,
            "probability": prob,
            "cost_impact": cost,
            "schedule_impact_days": sched,
            "owner": owners,
            "response": resp,
            "status": np.where(rng.random(n) < 0.15, "closed", "open"),
            "raised_on": _iso(days.date(raised.astype(np.int64))),
        }
    )


def _make_gates(rng: np.random.Generator, pids: np.ndarray, phase_idx: np.ndarray) -> pd.DataFrame:
    """Stage gates G0..G4 with artefacts; passed gates are done except a few missing ones."""
    rows: list[tuple[int, str, str, str, bool]] = []
    for g, (phase, req, opt) in _ARTEFACTS.items():
        rows += [(int(g[1]), g, phase, a, True) for a in req]
        rows += [(int(g[1]), g, phase, a, False) for a in opt]
    gate_no = np.array([r[0] for r in rows])
    n_p, n_a = pids.size, len(rows)
    passed = gate_no[None, :] <= phase_idx[:, None]  # G0 opens initiation, ..., G4 closed
    required = np.array([r[4] for r in rows])
    missing = rng.random((n_p, n_a)) < np.where(required, 0.08, 0.4)[None, :]
    early = (gate_no[None, :] == phase_idx[:, None] + 1) & (rng.random((n_p, n_a)) < 0.4)
    done = (passed & ~missing) | early
    return pd.DataFrame(
        {
            "project_id": np.repeat(pids, n_a),
            "gate": np.tile([r[1] for r in rows], n_p),
            "phase": np.tile([r[2] for r in rows], n_p),
            "artefact": np.tile([r[3] for r in rows], n_p),
            "required": np.tile(required, n_p),
            "done": done.ravel(),
        }
    )


# --------------------------------------------------------------------------- standards.yaml

_STANDARDS_YAML = """\
# PMO standards of the sample portfolio (generated by `pmkit generate`).
# Dashboards read these rules and show them next to each RAG colour, e.g.
# "amber: SPI 0.91 < 0.95".
currency: EUR
status_date: "{status_date}"
reporting_frequency: monthly

# RAG per dimension. `better: higher` -> green if value >= green, amber if >= amber, else red.
# `better: lower` -> green if value <= green, amber if <= amber, else red.
rag:
  schedule:
    metric: spi
    better: higher
    green: 0.95
    amber: 0.85
    rule: "SPI = EV / PV at the status date"
    # a second test on the forecast finish vs the baseline finish, in working days
    finish_slip_days: {{green: 10, amber: 20}}
  cost:
    metric: cpi
    better: higher
    green: 0.95
    amber: 0.85
    rule: "CPI = EV / AC at the status date"
  scope:
    metric: approved_change_ratio
    better: lower
    green: 0.05
    amber: 0.10
    rule: "approved change-request cost / budget (BAC)"
    # any pending significant change request turns scope at least amber
    open_significant_changes: {{amber: 1, red: 3}}
  risk:
    metric: threat_exposure_ratio
    better: lower
    green: 0.10
    amber: 0.20
    rule: "open threats' sum(probability x cost impact) / remaining budget (BAC - EV)"

# Change control: a change request is significant (goes to the change board) if any holds.
change_control:
  board: PMO Change Control Board
  significance:
    cost_abs: 50000         # |cost impact| >= 50,000 EUR
    cost_ratio: 0.05        # |cost impact| >= 5 % of the project budget
    schedule_days: 10       # |schedule impact| >= 10 working days
    scope: [major]          # scope impact "major"

# Stage gates: the phase each gate opens and the artefacts the standard requires.
gates:
{gates}
# PMO types: how each governance check acts. advisory = shown as a warning,
# blocking = the gate cannot be passed / the report is escalated, off = not checked.
pmo_type: controlling
pmo_types:
  supportive:
    description: "Provides templates, training and lessons learned; low control."
    checks:
      gate_artefacts: advisory
      rag_red_escalation: advisory
      significant_change_board: advisory
      risk_register_review: advisory
      monthly_status_report: advisory
  controlling:
    description: "Requires compliance with frameworks and templates; moderate control."
    checks:
      gate_artefacts: blocking
      rag_red_escalation: advisory
      significant_change_board: blocking
      risk_register_review: advisory
      monthly_status_report: blocking
  directive:
    description: "Manages the projects directly; high control."
    checks:
      gate_artefacts: blocking
      rag_red_escalation: blocking
      significant_change_board: blocking
      risk_register_review: blocking
      monthly_status_report: blocking
"""


def _standards_text(
    status_date: dt.date,
    projects: pd.DataFrame | None = None,
    linked: set[frozenset[str]] | None = None,
) -> str:
    gates = []
    for g, (phase, req, _opt) in _ARTEFACTS.items():
        gates.append(f"  {g}:\n    opens: {phase}\n    required:")
        gates += [f"      - {a}" for a in req]
    text = _STANDARDS_YAML.format(status_date=status_date.isoformat(), gates="\n".join(gates))
    return text if projects is None else text + _prioritisation_text(projects, linked or set())


def _standards(
    status_date: dt.date,
    projects: pd.DataFrame | None = None,
    linked: set[frozenset[str]] | None = None,
) -> dict[str, Any]:
    return yaml.safe_load(_standards_text(status_date, projects, linked))


def _linked(tasks: pd.DataFrame, links: pd.DataFrame) -> set[frozenset[str]]:
    """Pairs of projects joined by a schedule link (never made mutually exclusive)."""
    proj = pd.Series(tasks["project_id"].to_numpy(), index=tasks["task_id"].to_numpy())
    a, b = links["pred_id"].map(proj), links["succ_id"].map(proj)
    return {frozenset((x, y)) for x, y in zip(a, b, strict=True) if x != y}


# --------------------------------------------------------------------------- prioritisation

_DRIVERS: tuple[tuple[str, str], ...] = (
    ("regulation", "Meet regulation"),
    ("revenue", "Grow digital revenue"),
    ("customer", "Improve customer satisfaction"),
    ("cost", "Cut operating cost"),
    ("risk", "Reduce operational risk"),
)
# Saaty judgements of the sample's strategy board (row driver over column driver, 1..9):
# regulation first, then revenue; near-consistent (CR about 0.02).
_PAIRWISE: tuple[tuple[str, str, str], ...] = (
    ("regulation", "revenue", "2"),
    ("regulation", "customer", "3"),
    ("regulation", "cost", "4"),
    ("regulation", "risk", "5"),
    ("revenue", "customer", "2"),
    ("revenue", "cost", "3"),
    ("revenue", "risk", "4"),
    ("customer", "cost", "2"),
    ("customer", "risk", "3"),
    ("cost", "risk", "2"),
)


def _make_scores(seed: int, projects: pd.DataFrame) -> pd.DataFrame:
    """project_scores.csv: each project scored 0..5 against every driver.

    The project's strategic objective scores 4-5; the others 0-3. A separate random stream
    (``[seed, 10]``) keeps every other table identical to a generation without scores.
    """
    rng = np.random.default_rng([seed, 10])
    by_name = {name: k for k, (_, name) in enumerate(_DRIVERS)}
    n, d = len(projects), len(_DRIVERS)
    score = rng.choice([0, 0, 1, 1, 2, 3], size=(n, d))
    main = projects["strategic_objective"].map(by_name).to_numpy()
    score[np.arange(n), main] = rng.integers(4, 6, size=n)
    return pd.DataFrame(
        {
            "project_id": np.repeat(projects["project_id"].to_numpy(), d),
            "driver": np.tile([k for k, _ in _DRIVERS], n),
            "score": score.ravel().astype(float),  # a float column, written as 3.0
        }
    )


def _prioritisation_text(projects: pd.DataFrame, linked: set[frozenset[str]]) -> str:
    """The drivers, pairwise judgements, budget and project rules of standards.yaml."""
    lines = [
        "",
        "# Strategic prioritisation (the PMO optimises; see pmkit.portfolio.prioritise).",
        "# Drivers are scored 0..scale per project in project_scores.csv. Weights come from the",
        "# pairwise judgements (AHP, principal eigenvector; consistency ratio must stay <= 0.1);",
        "# without `pairwise`, give each driver a `weight`.",
        "prioritisation:",
        "  scale: 5",
        "  drivers:",
    ]
    lines += [f"    - {{id: {k}, name: {name}}}" for k, name in _DRIVERS]
    lines.append("  pairwise:")
    lines += [f'    - [{a}, {b}, "{v}"]' for a, b, v in _PAIRWISE]
    open_ = projects[projects["phase"] != "closed"]
    money = float(open_["budget"].astype(float).sum())
    lines += [
        "  # money still to spend from the status month, over the optimiser's horizon",
        "  budget:",
        f"    total: {round(0.8 * money, -4):.0f}",
        "  rules:",
    ]
    waiting = projects.loc[projects["phase"].isin(["initiation", "planning"]), "project_id"]
    w = waiting.tolist()
    if len(w) >= 2:
        lines.append(f"    - {{project: {w[-1]}, requires: {w[0]}}}")
    free = [(a, b) for i, a in enumerate(w[1:-1]) for b in w[i + 2 : -1]]
    free = [(a, b) for a, b in free if frozenset((a, b)) not in linked]
    if free:
        lines.append(f"    - {{exclusive: [{free[0][0]}, {free[0][1]}]}}")
    if len(w) < 2:
        lines[-1] = "  rules: []"
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- writing


def _to_csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Booleans as true/false, as DATA-MODEL.md says."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == bool:
            out[c] = np.where(out[c].to_numpy(), "true", "false")
    return out


def write_generated(path: str | Path, **kw: Any) -> dict[str, Any]:
    """Generate a portfolio (``kw`` as :func:`generate_portfolio`) and write it to ``path``.

    Writes one CSV per table (UTF-8, ``\\n`` line ends) and the commented standards.yaml;
    returns the generated tables.
    """
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    tables = generate_portfolio(**kw)
    for name in TABLES:
        _to_csv_frame(tables[name]).to_csv(
            out / f"{name}.csv", index=False, lineterminator="\n", encoding="utf-8"
        )
    status = kw.get("status_date", dt.date(2026, 10, 30))
    text = _standards_text(status, tables["projects"], _linked(tables["tasks"], tables["links"]))
    (out / "standards.yaml").write_text(text, encoding="utf-8")
    return tables


def main(argv: Sequence[str] | None = None) -> int:
    """``pmkit generate OUT_DIR [--projects N] [--seed S] ...``."""
    ap = argparse.ArgumentParser(prog="pmkit generate", description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--projects", type=int, default=14)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--tasks",
        type=int,
        nargs=2,
        metavar=("MIN", "MAX"),
        default=(30, 50),
        help="tasks per project (inclusive range)",
    )
    ap.add_argument("--resources", type=int, default=None)
    ap.add_argument("--status-date", type=dt.date.fromisoformat, default=dt.date(2026, 10, 30))
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    tables = write_generated(
        a.out_dir,
        n_projects=a.projects,
        seed=a.seed,
        tasks_per_project=tuple(a.tasks),
        n_resources=a.resources,
        status_date=a.status_date,
    )
    print(
        f"wrote {a.out_dir}: {len(tables['projects'])} projects, {len(tables['tasks'])} tasks, "
        f"{len(tables['links'])} links, {len(tables['resources'])} resources "
        f"in {time.perf_counter() - t0:.2f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
