"""The generator's reference data (names, roles, rates, task templates, risk and change texts).

Read once from the packaged ``reference.yaml`` (``yaml.safe_load``): data lives there, the logic
in the other modules of :mod:`pmkit.generate`. The PMO standards the sample follows (gates and
their required artefacts included) come from the one standards template,
:func:`pmkit.standards.template_text`.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml


def _load() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("reference.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _pairs(rows: list[dict[str, Any]], a: str, b: str) -> list[tuple[str, str]]:
    return [(str(r[a]), str(r[b])) for r in rows]


def _work_packages(rows: dict[str, dict[str, Any]]) -> dict[str, tuple[str, list[str]]]:
    return {wp: (str(v["role"]), [str(t) for t in v["tasks"]]) for wp, v in rows.items()}


REF: dict[str, Any] = _load()

PROGRAMMES: dict[str, dict[str, Any]] = REF["programmes"]
OBJECTIVES: list[str] = REF["objectives"]
REGIONS: list[str] = REF["regions"]
SPONSORS: list[str] = REF["sponsors"]
FIRST: list[str] = REF["first_names"]
LAST: list[str] = REF["last_names"]
#: role -> (share of the resource pool, base hourly rate, department)
ROLES: dict[str, tuple[float, float, str]] = {
    r: (float(v["share"]), float(v["rate"]), str(v["department"])) for r, v in REF["roles"].items()
}
PHASES: tuple[tuple[str, str], ...] = tuple(_pairs(REF["phases"], "name", "milestone"))
INIT_TASKS = _pairs(REF["initiation_tasks"], "name", "role")
PLAN_TASKS = _pairs(REF["planning_tasks"], "name", "role")
CLOSE_TASKS = _pairs(REF["closing_tasks"], "name", "role")
#: work package -> (primary role, task names)
EXEC_WPS = _work_packages(REF["execution_work_packages"])
TEST_WPS = _work_packages(REF["testing_work_packages"])
MSO_TASK: tuple[str, str] = (REF["fixed_date_task"]["name"], REF["fixed_date_task"]["role"])
HTML_TASK: str = REF["html_names"]["task"]
HTML_RISK: str = REF["html_names"]["risk"]
THREATS = _pairs(REF["threats"], "category", "title")
OPPORTUNITIES = _pairs(REF["opportunities"], "category", "title")
CRS = _pairs(REF["change_requests"], "title", "description")
RATIONALES: dict[str, str] = REF["decision_rationales"]
REPORT_COMMENTS: dict[str, str] = REF["report_comments"]
OPTIONAL_ARTEFACTS: dict[str, list[str]] = REF["optional_artefacts"]
CALENDARS: list[dict[str, Any]] = REF["calendars"]
#: (id, objective) of each strategic driver
DRIVERS: tuple[tuple[str, str], ...] = tuple(_pairs(REF["drivers"], "id", "objective"))
PAIRWISE: tuple[tuple[str, str, str], ...] = tuple(
    (str(a), str(b), str(v)) for a, b, v in REF["pairwise"]
)
