"""Pure chart builders: a tidy DataFrame in, an ``alt.Chart`` out (no business rules here).

One module per family (``gantt``, ``curves``, ``heatmaps``, ...); import from the module.
"""
