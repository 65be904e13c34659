"""The PMO lens: roll-up with RAG, shared capacity, cross-project dependencies, governance,
trends, the change control board and exports — engines only (no widgets, no charts).

Import from the modules or from here::

    from pmkit.portfolio import rollup, capacity_by_role_month, propagate_slip
"""

from __future__ import annotations

from pmkit.portfolio.capacity import (
    CapacityError,
    CapacityModel,
    capacity_by_role_month,
    capacity_model,
    overallocated_resources,
    project_shortfall,
    resource_capacity,
    resource_demand,
)
from pmkit.portfolio.decisions import (
    DecisionError,
    apply_decisions,
    decisions_path,
    load_decisions,
    record_decision,
    significance,
    significant_changes,
)
from pmkit.portfolio.dependencies import (
    DependencyNetwork,
    SlipError,
    dependency_network,
    propagate_slip,
)
from pmkit.portfolio.governance import (
    compliance_score,
    gate_compliance,
    gate_summary,
    governance_checks,
)
from pmkit.portfolio.rollup import ROLLUP_COLUMNS, filter_rollup, latest_evm, rag_long, rollup
from pmkit.portfolio.trends import (
    accuracy_by_report,
    forecast_accuracy,
    milestone_accuracy,
    milestone_trend,
    portfolio_trend,
    spi_cpi_trends,
)
from pmkit.standards import (
    RagResult,
    Rule,
    Standards,
    StandardsError,
    load_standards,
    standards_of,
)

__all__ = [
    "ROLLUP_COLUMNS",
    "CapacityError",
    "CapacityModel",
    "DecisionError",
    "DependencyNetwork",
    "RagResult",
    "Rule",
    "SlipError",
    "Standards",
    "StandardsError",
    "accuracy_by_report",
    "apply_decisions",
    "capacity_by_role_month",
    "capacity_model",
    "compliance_score",
    "decisions_path",
    "dependency_network",
    "filter_rollup",
    "forecast_accuracy",
    "gate_compliance",
    "gate_summary",
    "governance_checks",
    "latest_evm",
    "load_decisions",
    "load_standards",
    "milestone_accuracy",
    "milestone_trend",
    "overallocated_resources",
    "portfolio_trend",
    "project_shortfall",
    "propagate_slip",
    "rag_long",
    "record_decision",
    "resource_capacity",
    "resource_demand",
    "rollup",
    "significance",
    "significant_changes",
    "spi_cpi_trends",
    "standards_of",
]
