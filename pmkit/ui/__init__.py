"""Dashboards' widget wiring: the only package that imports ipywidgets."""

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

__all__ = ["badge", "esc", "guarded", "header", "html_table", "live_chart", "safe_build", "setup"]
