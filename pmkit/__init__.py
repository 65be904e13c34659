"""pmkit — a Jupyter workbook for project managers (one project) and PMOs (the portfolio)."""

from __future__ import annotations

from pmkit.errors import PmkitError

__version__ = "0.1.0"

__all__ = [
    "PmkitError",
    "__version__",
]
