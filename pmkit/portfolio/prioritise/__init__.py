"""The PMO optimises: strategic prioritisation and capacity-constrained selection/sequencing.

* :mod:`._ahp` — weights of business drivers by pairwise comparison (AHP: principal
  eigenvector, consistency ratio, the pair to revisit).
* :mod:`._scores` — drivers from ``standards.yaml``, project scores, priority score, rank, the
  contribution of each driver and one sentence per project.
* :mod:`._select` — choose and sequence projects (scipy ``milp``/HiGHS): budget (total or per
  year), role capacity per month, forced in/out, requires/exclusive rules, cross-project links;
  a greedy baseline.
* :mod:`._why` — the binding constraint of every cut or delayed project, in words, with
  LP-relaxation shadow prices marked as such.
* :mod:`._repair` — a portfolio repaired from the previous one for new forced sets or
  capacity level (shown, labelled provisional, until the solver's answer).
* :mod:`._frontier` — value against budget (or capacity level), and the current plan's point.
* :mod:`._scenarios` — save (atomic), load, compare and export named scenarios.
* :mod:`._portfolio` — build the problem from a portfolio; new dates through the CPM engine.
* :mod:`._level` — portfolio-wide levelling of shared resources by portfolio priority.

Engines only: no widgets, no charts.

Examples
--------
>>> from pmkit import load_sample
>>> pf = load_sample()
>>> # the sample's running and forced-in projects do not all fit: show the least overload
>>> sel = solve(selection_problem(pf), overload=True)
>>> explain(sel)["project_id"].iloc[0]
'P03'
"""

from __future__ import annotations

from pmkit.portfolio.prioritise._ahp import (
    RANDOM_INDEX,
    AhpResult,
    PrioritiseError,
    ahp_weights,
    pairwise_matrix,
)
from pmkit.portfolio.prioritise._frontier import BudgetFrontier, current_point, frontier
from pmkit.portfolio.prioritise._highs import Cancelled
from pmkit.portfolio.prioritise._level import (
    PortfolioLeveling,
    level_portfolio,
    portfolio_priorities,
)
from pmkit.portfolio.prioritise._portfolio import (
    portfolio_rules,
    selection_problem,
    sequenced_dates,
    started_projects,
)
from pmkit.portfolio.prioritise._repair import repaired
from pmkit.portfolio.prioritise._report import (
    PrioritiseRun,
    overload_allowance,
    prioritise_run,
)
from pmkit.portfolio.prioritise._scenarios import (
    compare_scenarios,
    export_scenarios,
    load_scenario,
    save_scenario,
    scenario,
    scenarios_dir,
)
from pmkit.portfolio.prioritise._scores import (
    Driver,
    Drivers,
    drivers_of,
    priority_scores,
    priority_values,
    score_matrix,
)
from pmkit.portfolio.prioritise._select import (
    Selection,
    SelectionProblem,
    greedy,
    same_structure,
    solve,
)
from pmkit.portfolio.prioritise._why import explain, lp_shadow_prices

__all__ = [
    "RANDOM_INDEX",
    "AhpResult",
    "BudgetFrontier",
    "Cancelled",
    "Driver",
    "Drivers",
    "PortfolioLeveling",
    "PrioritiseError",
    "PrioritiseRun",
    "Selection",
    "SelectionProblem",
    "ahp_weights",
    "compare_scenarios",
    "current_point",
    "drivers_of",
    "explain",
    "export_scenarios",
    "frontier",
    "greedy",
    "level_portfolio",
    "load_scenario",
    "lp_shadow_prices",
    "overload_allowance",
    "pairwise_matrix",
    "portfolio_priorities",
    "portfolio_rules",
    "prioritise_run",
    "priority_scores",
    "priority_values",
    "repaired",
    "same_structure",
    "save_scenario",
    "scenario",
    "scenarios_dir",
    "score_matrix",
    "selection_problem",
    "sequenced_dates",
    "solve",
    "started_projects",
]
