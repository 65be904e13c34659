"""Pure chart builders: a tidy DataFrame in, an ``alt.Chart`` out (no business rules here).

One module per family (``gantt``, ``curves``, ``heatmaps``, ...); import from the module.

Importing this package first makes every later ``import altair`` cheaper: see
:func:`_jsonschema_without_iri_grammar`.
"""

from __future__ import annotations

import sys


def _jsonschema_without_iri_grammar() -> None:
    """Load jsonschema (altair's validator) without the optional ``rfc3987_syntax``.

    jsonschema imports that package, when installed, to check the "iri" string format, and it
    compiles a Lark grammar at import: 1.5-3.5 s of CPU, more than pandas and altair together,
    paid by every dashboard kernel. Altair never checks formats, so jsonschema is loaded once
    with the package hidden (it then skips that one format); the package itself stays
    importable for anyone who wants it.
    """
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        return
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # "absent" to importers
    try:
        import jsonschema  # noqa: F401
    except ImportError:  # pragma: no cover - altair's own import will say what is missing
        pass
    finally:
        del sys.modules["rfc3987_syntax"]


_jsonschema_without_iri_grammar()
