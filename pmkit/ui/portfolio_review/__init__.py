"""The PMO portfolio review dashboard (issue #5): one page, nine tabs, built lazily.

Overview (roll-up with RAG and the rule behind each colour, filters, drill-down links to the PM
dashboards), Capacity (role x month demand vs capacity, what-if), Dependencies (cross-project
network, slip propagation), Risks (threats and opportunities apart), Governance (stage gates under
a PMO type), Trends (SPI/CPI, milestone trend analysis, forecast accuracy), Change board (record
decisions to the audit trail), Export (status pack and Excel roll-up as downloads) and Prioritise.

One module per tab; :mod:`.review` holds the page's state (portfolio, filters, the tabs built so
far) and imports a tab's module the first time the tab is opened; :mod:`.tables` builds every
table as a pure function (frames in, escaped HTML out). Engines compute,
:mod:`pmkit.ui.portfolio_views` shapes and caps, :mod:`pmkit.charts.portfolio` draws.
"""

from __future__ import annotations

from pmkit.ui._common import esc, safe_build
from pmkit.ui.portfolio_review._base import MAX_TABLE_ROWS
from pmkit.ui.portfolio_review.review import TABS, PortfolioReview, app

__all__ = ["MAX_TABLE_ROWS", "TABS", "PortfolioReview", "app", "esc", "safe_build"]
