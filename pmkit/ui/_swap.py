"""Redraw a live chart by sending only what changed: its data, its size, its parameter values.

Assigning ``alt.JupyterChart.chart`` sends the whole Vega-Lite spec to the page, which then
throws the view away and embeds it again (parse, compile, build the dataflow, draw). When a
widget only changes *which rows* a chart shows, the spec's shape (marks, encodings, scales,
transforms) is the same: :class:`SwapChart` then sends the changed datasets, the changed
top-level variable parameters (``alt.param(value=...)``) and the new width/height through the
widget's own ``_py_to_js_updates`` channel (the one altair's JS uses for VegaFusion: it
replaces a named dataset with a Vega changeset and sets a signal), and the page redraws the
existing view in place. Any other change re-sends the spec as before.

The widget's ``spec`` is kept equal to what the page shows (set without being sent), so a
later full redraw, a test or a second view always sees the current chart.

Data travels in place only once the page has a view of the chart: altair's JS applies
``_py_to_js_updates`` to the view it embedded, and an update sent before (or while) the page
embeds a spec is dropped. Each embed ends with the page setting the widget's ``local_tz``
(sent back to the kernel); every whole spec the kernel sends clears it on both sides, so
``local_tz is not None`` in the kernel means "the page has embedded the spec it was last
sent" and only then does data travel alone.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

import altair as alt

from pmkit.cache import read_shared, write_shared
from pmkit.charts.parts import respec
from pmkit.ui._common import live_chart, setup

__all__ = ["SwapChart", "records", "spec_shape"]

_SIZE = ("width", "height")


def _value_params(spec: dict[str, Any]) -> dict[str, Any]:
    """Top-level variable parameters (a value, no selection, no bound input): name -> value."""
    out: dict[str, Any] = {}
    for p in spec.get("params", []) or []:
        if isinstance(p, dict) and "value" in p and "select" not in p and "bind" not in p:
            out[str(p["name"])] = p["value"]
    return out


def spec_shape(spec: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    """What must be equal for two specs to differ only by data, size and parameter values.

    Returns the spec as canonical JSON with every dataset name replaced by its position and
    every swappable value blanked, and the dataset names in that order.
    """
    names = tuple(str(n) for n in (spec.get("datasets") or {}))
    values = _value_params(spec)
    rest = {k: v for k, v in spec.items() if k not in ("datasets", "params", *_SIZE)}
    params = [
        {**p, "value": None} if isinstance(p, dict) and p.get("name") in values else p
        for p in spec.get("params", []) or []
    ]
    sizes = {k: ("number" if isinstance(spec.get(k), int | float) else spec.get(k)) for k in _SIZE}
    text = json.dumps({"spec": rest, "params": params, "sizes": sizes}, sort_keys=True)
    for i, name in enumerate(names):
        text = text.replace(json.dumps(name), json.dumps(f"__dataset_{i}__"))
    return text, names


class _FromSpec:
    """A chart to put on the page given as a Vega-Lite dict of a shape this process has
    already built with altair (:meth:`SwapChart.made`), with that first widget's setup."""

    def __init__(self, spec: dict[str, Any], template: dict[str, Any]) -> None:
        self.spec, self.template = spec, template

    def widget(self) -> alt.JupyterChart:
        """What ``alt.JupyterChart(chart)`` makes of the altair chart of this spec (without
        vegafusion): the spec, the selections and parameters set up as it sets them up."""
        from altair.jupyter.jupyter_chart import (
            IndexSelection,
            IntervalSelection,
            Params,
            PointSelection,
            Selections,
        )

        setup()  # the offline chart bundle, as live_chart
        kinds: dict[str, Any] = self.template["selection_types"]
        made = {"point": PointSelection, "index": IndexSelection, "interval": IntervalSelection}
        empty = {
            n: made[k](name=n, value={} if k == "interval" else [], store=[])
            for n, k in kinds.items()
        }
        values = {
            str(p["name"]): p.get("value")
            for p in self.spec.get("params", []) or []
            if isinstance(p, dict) and "select" not in p
        }
        initial = {n: values.get(n) for n in self.template["params"]}  # transform ones: None
        # The widget must open on the page with its whole state, as altair's own widget
        # does: opened empty and filled by a later update, the page would render an empty
        # chart first and report its time zone, which tells SwapChart the spec is embedded
        # while it is not (a data update sent then is lost). ``JupyterChart(None, spec=...)``
        # cannot do it (its chart observer resets the state to empty), so the instance is
        # set up as its constructor would, and the widget's own constructor gets the state.
        import anywidget

        w = alt.JupyterChart.__new__(alt.JupyterChart)
        w.params = Params(initial)
        w.selections = Selections(empty)
        anywidget.AnyWidget.__init__(
            w,
            spec=self.spec,
            _selection_types=dict(kinds),
            _vl_selections={n: {"value": None, "store": []} for n in kinds},
            _params=initial,
            debounce_wait=10,
            max_wait=True,
            debug=False,
            embed_options=None,
        )

        def on_param(change: dict[str, Any]) -> None:  # as altair wires a parameter
            w._params = {**w._params, change["name"]: change["new"]}

        w.params.observe(on_param)
        return w


# per chart kind and set of dataset names: the first widget's spec and setup (this process,
# and every kernel after it through a shared file: :func:`_shared_template`)
_TEMPLATES: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = {}


def _template_name(key: tuple[str, tuple[str, ...]]) -> str:
    """The shared file's name of a template: its kind and datasets, altair's version and
    pmkit's code (a template is the spec altair built from this very code)."""
    text = json.dumps([key[0], list(key[1]), alt.__version__])
    return "chart-" + hashlib.sha1(text.encode()).hexdigest()[:16]


def _shared_template(key: tuple[str, tuple[str, ...]]) -> dict[str, Any] | None:
    """The template of ``key`` this process holds, else the one another kernel wrote (the
    first chart of a kind in a kernel then costs no altair build either), else None."""
    template = _TEMPLATES.get(key)
    if template is None:
        found = read_shared(_template_name(key))
        if not isinstance(found, dict) or not _is_template(found):
            return None
        template = _TEMPLATES[key] = found
    return template


def _is_template(found: Any) -> bool:
    return (
        isinstance(found, dict)
        and isinstance(found.get("spec"), dict)
        and isinstance(found.get("selection_types"), dict)
        and isinstance(found.get("params"), list)
    )


class SwapChart:
    """A live chart whose redraws send data, not the spec, whenever the shape is unchanged.

    ``.widget`` is the :class:`alt.JupyterChart` to put on the page; :meth:`show` redraws it
    from an altair chart, :meth:`show_spec` from a Vega-Lite dict (a caller that patches a
    template dict skips building and serialising an altair chart). ``last`` says how the last
    redraw travelled: ``"data"`` (in place) or ``"spec"`` (re-embedded).
    """

    def __init__(self, chart: Any) -> None:
        self.widget = chart.widget() if isinstance(chart, _FromSpec) else live_chart(chart)
        self.last = "spec"
        self._seq = 0

    @classmethod
    def made(cls, kind: str, parts: dict[str, Any], build: Callable[[], Any]) -> SwapChart:
        """A new live chart of ``kind`` showing ``parts`` (a ``*_parts`` of
        :mod:`pmkit.charts`; every chart of a kind with the same datasets differs only by its
        parts). The first one is ``build()`` (altair builds and validates it: ~200 ms for a
        Gantt); the next ones, in this process or any kernel after it (the template is
        shared through :func:`pmkit.cache.write_shared`), are its spec re-filled with
        ``parts`` (:func:`pmkit.charts.parts.respec`) and set up as altair set the first one
        up."""
        key = (kind, tuple(sorted(parts["datasets"])))
        if alt.data_transformers.active != "vegafusion":
            template = _shared_template(key)
            if template is not None:
                return cls(_FromSpec(respec(template["spec"], parts), template))
        made = cls(build())
        w = made.widget
        _TEMPLATES[key] = {
            "spec": dict(w.spec or {}),
            "selection_types": dict(w._selection_types),
            "params": list(w._params),
        }
        write_shared(_template_name(key), _TEMPLATES[key])
        return made

    @classmethod
    def of(cls, widget: alt.JupyterChart) -> SwapChart:
        """A :class:`SwapChart` driving an existing chart widget (keep one per widget)."""
        self = cls.__new__(cls)
        self.widget, self.last, self._seq = widget, "spec", 0
        return self

    @property
    def embedded(self) -> bool:
        """Has the page embedded the spec last sent (its view takes data updates)?"""
        return self.widget.local_tz is not None

    def _send_whole(self, set_it: Callable[[], None]) -> str:
        """Send a whole spec; the page re-embeds it, then confirms with ``local_tz``."""
        before = self.widget.spec
        set_it()
        if self.widget.spec != before:  # the page embeds it again, then sets local_tz
            with self.widget._lock_property(local_tz=None):
                self.widget.local_tz = None
            self.widget.send_state(["local_tz"])
        self.last = "spec"
        return self.last

    @property
    def spec(self) -> dict[str, Any]:
        """The Vega-Lite spec the page shows now."""
        return dict(self.widget.spec or {})

    def show(self, chart: Any) -> str:
        """Redraw from an altair chart; returns ``"data"`` or ``"spec"``."""
        new = chart.to_dict(validate=False)
        if self._push(new):
            return self.last
        return self.replace(chart)

    def replace(self, chart: Any) -> str:
        """Re-send the whole chart (a new shape): the page embeds it again."""
        # altair validates it and sets the selections up
        return self._send_whole(lambda: setattr(self.widget, "chart", chart))

    def show_spec(self, spec: dict[str, Any]) -> str:
        """Redraw from a Vega-Lite dict of the same shape as the one shown (else re-send it)."""
        if self._push(spec):
            return self.last
        return self._send_whole(lambda: setattr(self.widget, "spec", spec))

    def show_parts(
        self, parts: dict[str, Any], build: Callable[[], Any], *, in_place: bool = True
    ) -> str:
        """Redraw from a split chart's parts (``*_parts`` of :mod:`pmkit.charts`).

        When the chart shown has the same named datasets, the parts are swapped into its spec
        (:func:`pmkit.charts.parts.respec`: no altair chart built); else ``build()`` (the
        same chart built from scratch) is drawn anew.
        ``in_place=False`` re-sends the re-filled spec whole (the page embeds it again; the
        kernel still builds no altair chart).
        """
        shown = self.widget.spec
        if shown and set(shown.get("datasets") or {}) == set(parts["datasets"]):
            new = respec(shown, parts)
            if in_place:
                return self.show_spec(new)
            return self._send_whole(lambda: setattr(self.widget, "spec", new))
        return self.replace(build())

    def _push(self, new: dict[str, Any]) -> bool:
        old = self.widget.spec
        if not old or not self.embedded:
            return False
        shape_old, names_old = spec_shape(old)
        shape_new, names_new = spec_shape(new)
        if shape_old != shape_new:
            return False
        updates: list[dict[str, Any]] = []
        old_sets, new_sets = old.get("datasets") or {}, new.get("datasets") or {}
        for was, now in zip(names_old, names_new, strict=True):
            if old_sets[was] != new_sets[now]:
                updates.append(_update("data", was, new_sets[now]))
        old_vals, new_vals = _value_params(old), _value_params(new)
        updates += [_update("signal", k, v) for k, v in new_vals.items() if old_vals.get(k) != v]
        updates += [
            _update("signal", k, new[k]) for k in _SIZE if k in new and old.get(k) != new[k]
        ]
        # the page keeps the names it embedded: the kept spec uses them too
        kept = new
        if names_new != names_old:
            rename = {
                json.dumps(now): json.dumps(was)
                for was, now in zip(names_old, names_new, strict=True)
            }
            pattern = re.compile("|".join(re.escape(k) for k in rename))
            body = json.dumps({k: v for k, v in new.items() if k != "datasets"})
            kept = json.loads(pattern.sub(lambda m: rename[m.group(0)], body))
            kept["datasets"] = {
                was: new_sets[now] for was, now in zip(names_old, names_new, strict=True)
            }
        if updates:
            self._seq += 1  # a repeated update must still be a change of the trait
            updates.append({"namespace": "pmkit", "name": "seq", "scope": [], "value": self._seq})
            self.widget._py_to_js_updates = updates
        with self.widget._lock_property(spec=kept):
            self.widget.spec = kept  # what the page shows, without re-embedding it
        self.last = "data"
        return True


def _update(namespace: str, name: str, value: Any) -> dict[str, Any]:
    return {"namespace": namespace, "name": name, "scope": [], "value": value}


def records(frame: Any) -> list[dict[str, Any]]:
    """A DataFrame as the JSON rows altair would put in a spec (dates as ISO text, NaN null)."""
    return list(alt.utils.data.to_values(frame)["values"])
