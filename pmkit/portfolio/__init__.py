"""The PMO lens: roll-up with RAG, shared capacity, cross-project dependencies, governance,
trends, the change control board and exports — engines only (no widgets, no charts).

Import from the modules or from here::

    from pmkit.portfolio import rollup, capacity_by_role_month, propagate_slip
"""

from __future__ import annotations

from pmkit.portfolio.capacity import (
    CapacityError,
    capacity_by_role_month,
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
    significant_changes,
)
from pmkit.portfolio.rollup import ROLLUP_COLUMNS, filter_rollup, latest_evm, rag_long, rollup
from pmkit.portfolio.standards import (
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
    "DecisionError",
    "RagResult",
    "Rule",
    "Standards",
    "StandardsError",
    "apply_decisions",
    "capacity_by_role_month",
    "decisions_path",
    "filter_rollup",
    "latest_evm",
    "load_decisions",
    "load_standards",
    "overallocated_resources",
    "project_shortfall",
    "rag_long",
    "record_decision",
    "resource_capacity",
    "resource_demand",
    "rollup",
    "significant_changes",
    "standards_of",
]
