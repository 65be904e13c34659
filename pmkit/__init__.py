"""pmkit — a Jupyter workbook for project managers (one project) and PMOs (the portfolio).

The engines are importable from here and usable from any cell or script; the dashboards live
in :mod:`pmkit.ui` (widgets) and :mod:`pmkit.charts` (pure chart builders), imported on demand
so that ``import pmkit`` stays free of the widget stack.

Examples
--------
>>> import pmkit
>>> p = pmkit.load_sample()
>>> s = pmkit.schedule_project(p, p.project_ids[0])
>>> str(s.finish)
'2027-05-17 08:38:00'
>>> pmkit.rollup(p, schedule=pmkit.schedule_portfolio(p)).shape[0]
14
"""

from __future__ import annotations

from pmkit._version import __version__
from pmkit.cache import load_sample
from pmkit.calendar import Calendar
from pmkit.errors import (
    CalendarError,
    CapacityError,
    ContentError,
    CycleError,
    DecisionError,
    EvmError,
    LevelingError,
    MonteCarloError,
    MpxjUnavailableError,
    MspdiError,
    PdfUnavailableError,
    PmkitError,
    PortfolioValidationError,
    PrioritiseError,
    RiskError,
    ScheduleError,
    SlipError,
    StandardsError,
    StoreError,
    UnknownIdError,
    UnknownPrioritiseProjectError,
    UnknownScheduleTaskError,
    UnknownSlipTaskError,
    WhatIfError,
)
from pmkit.evm import earned_schedule, evm_metrics, evm_rollup, evm_series, planned_value_curve
from pmkit.exporting import export_project
from pmkit.generate import generate_portfolio, write_generated
from pmkit.importing import add_project, import_schedule, project_tables_from_schedule
from pmkit.io.csv_folder import (
    load_portfolio,
    sample_data_path,
    validate_portfolio,
    write_portfolio,
)
from pmkit.io.excel import load_workbook, validate_workbook, write_workbook
from pmkit.io.mpxj import read_project_file
from pmkit.io.mspdi import MspdiProject, read_mspdi, write_mspdi
from pmkit.model import Portfolio, ProjectView
from pmkit.portfolio import (
    CapacityModel,
    Standards,
    capacity_by_role_month,
    capacity_model,
    compliance_score,
    dependency_network,
    filter_rollup,
    gate_compliance,
    load_decisions,
    milestone_trend,
    overallocated_resources,
    propagate_slip,
    record_decision,
    rollup,
    significant_changes,
    spi_cpi_trends,
)
from pmkit.reports import export_excel, status_pack_html, status_pack_pdf
from pmkit.risk import heatmap_grid, risk_register, top_risks
from pmkit.schedule import Schedule, schedule_mspdi, schedule_network
from pmkit.schedule.leveling import level, overallocations, resource_load
from pmkit.schedule.montecarlo import (
    MonteCarloResult,
    Network,
    project_network,
    simulate,
    simulate_project,
)
from pmkit.schedule.portfolio_adapter import schedule_portfolio, schedule_project
from pmkit.schedule.whatif import WhatIfResult, preview_change_request, what_if
from pmkit.standards import load_standards, standards_of
from pmkit.validation import ValidationIssue, ValidationReport

__all__ = [
    "Calendar",
    "CalendarError",
    "CapacityError",
    "CapacityModel",
    "ContentError",
    "CycleError",
    "DecisionError",
    "EvmError",
    "LevelingError",
    "MonteCarloError",
    "MonteCarloResult",
    "MpxjUnavailableError",
    "MspdiError",
    "MspdiProject",
    "Network",
    "PdfUnavailableError",
    "PmkitError",
    "Portfolio",
    "PortfolioValidationError",
    "PrioritiseError",
    "ProjectView",
    "RiskError",
    "Schedule",
    "ScheduleError",
    "SlipError",
    "Standards",
    "StandardsError",
    "StoreError",
    "UnknownIdError",
    "UnknownPrioritiseProjectError",
    "UnknownScheduleTaskError",
    "UnknownSlipTaskError",
    "ValidationIssue",
    "ValidationReport",
    "WhatIfError",
    "WhatIfResult",
    "__version__",
    "add_project",
    "capacity_by_role_month",
    "capacity_model",
    "compliance_score",
    "dependency_network",
    "earned_schedule",
    "evm_metrics",
    "evm_rollup",
    "evm_series",
    "export_excel",
    "export_project",
    "filter_rollup",
    "gate_compliance",
    "generate_portfolio",
    "heatmap_grid",
    "import_schedule",
    "level",
    "load_decisions",
    "load_portfolio",
    "load_sample",
    "load_standards",
    "load_workbook",
    "milestone_trend",
    "overallocated_resources",
    "overallocations",
    "planned_value_curve",
    "preview_change_request",
    "project_network",
    "project_tables_from_schedule",
    "propagate_slip",
    "read_mspdi",
    "read_project_file",
    "record_decision",
    "resource_load",
    "risk_register",
    "rollup",
    "sample_data_path",
    "schedule_mspdi",
    "schedule_network",
    "schedule_portfolio",
    "schedule_project",
    "significant_changes",
    "simulate",
    "simulate_project",
    "spi_cpi_trends",
    "standards_of",
    "status_pack_html",
    "status_pack_pdf",
    "top_risks",
    "validate_portfolio",
    "validate_workbook",
    "what_if",
    "write_generated",
    "write_mspdi",
    "write_portfolio",
    "write_workbook",
]
