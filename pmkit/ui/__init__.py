"""Dashboards' widget wiring: the only package that imports ipywidgets.

Each dashboard is a module with an ``app()`` entry point, which its notebook calls in one cell
(``from pmkit.ui import planning`` then ``planning.app()``). ``DASHBOARDS`` names them; they are
in ``__all__`` but not imported here, so a dashboard's kernel loads only its own page.
"""

import pmkit.charts  # noqa: F401  (first: altair then loads without a slow optional grammar)
from pmkit.ui._common import (
    badge,
    esc,
    guarded,
    header,
    html_table,
    live_chart,
    safe_build,
    setup,
)

#: The dashboard modules, each exposing ``app()`` (its notebook's one call).
DASHBOARDS = (
    "glance",
    "home",
    "importer",
    "lessons",
    "planning",
    "portfolio_review",
    "quiz",
    "tracking",
)

__all__ = [
    "DASHBOARDS",
    "badge",
    "esc",
    "guarded",
    "header",
    "html_table",
    "live_chart",
    "safe_build",
    "setup",
    *DASHBOARDS,
]
