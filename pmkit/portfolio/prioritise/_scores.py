"""Business drivers (``standards.yaml``), project scores and the priority score with its reasons.

``standards.yaml`` names the drivers and weighs them, directly or by pairwise comparison::

    prioritisation:
      scale: 5                       # driver scores run 0..scale (0 = no contribution)
      drivers:
        - {id: revenue, name: Grow digital revenue, weight: 0.4}   # direct weights...
        - {id: regulation, name: Meet regulation, weight: 0.6}
      pairwise:                      # ...or Saaty judgements: revenue is 1/3 as important
        - [revenue, regulation, 1/3]

Scores come from ``project_scores.csv`` (``project_id, driver, score``; validated at the door
like every table) or, for a driver with ``column: score_value``, from that column of
``projects.csv``. The priority score of a project is ``100 x sum_d w_d x score_d / scale``
(0..100); the contribution of driver ``d`` is its term of that sum, so the contributions add up
to the score and one sentence can say where the points come from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pmkit.model import Portfolio
from pmkit.portfolio.prioritise._ahp import (
    AhpResult,
    PrioritiseError,
    ahp_weights,
    pairwise_matrix,
)

__all__ = [
    "Driver",
    "Drivers",
    "drivers_of",
    "priority_scores",
    "priority_values",
    "score_matrix",
]

_FILE = "standards.yaml"
_KEY = "prioritisation"


@dataclass(frozen=True)
class Driver:
    """One strategic objective a project can contribute to."""

    id: str
    name: str
    weight: float
    column: str | None = None


@dataclass(frozen=True)
class Drivers:
    """The drivers, their weights (summing to 1) and, when weighed by AHP, the consistency."""

    drivers: tuple[Driver, ...]
    scale: float = 5.0
    ahp: AhpResult | None = None
    pairwise: np.ndarray | None = None

    @property
    def ids(self) -> list[str]:
        return [d.id for d in self.drivers]

    @property
    def weights(self) -> np.ndarray:
        return np.array([d.weight for d in self.drivers], dtype=float)

    def table(self) -> pd.DataFrame:
        """``driver, name, weight`` (weights sum to 1)."""
        return pd.DataFrame(
            {
                "driver": self.ids,
                "name": [d.name for d in self.drivers],
                "weight": self.weights,
            }
        )

    def with_weights(self, weights: Mapping[str, float] | Sequence[float]) -> Drivers:
        """The same drivers with new direct weights (normalised to sum 1)."""
        w = (
            np.array([float(weights.get(d, 0.0)) for d in self.ids])
            if isinstance(weights, Mapping)
            else np.asarray(weights, dtype=float)
        )
        return Drivers(_normalised(self.drivers, w, "weights"), self.scale)

    def with_pairwise(self, judgements: Mapping[tuple[str, str], Any]) -> Drivers:
        """The same drivers weighed by AHP from ``{(i, j): a_ij}`` judgements."""
        a = pairwise_matrix(self.ids, judgements)
        res = ahp_weights(a, self.ids)
        return Drivers(_normalised(self.drivers, res.weights, "pairwise"), self.scale, res, a)


def _err(key: str, message: str, value: Any = None, expected: str | None = None) -> Exception:
    return PrioritiseError(message, file=_FILE, field=key, value=value, expected=expected)


def _normalised(drivers: Sequence[Driver], w: np.ndarray, key: str) -> tuple[Driver, ...]:
    if len(w) != len(drivers) or not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
        raise _err(f"{_KEY}.{key}", "weights must be non-negative and not all zero", list(w))
    w = w / w.sum()
    return tuple(Driver(d.id, d.name, float(x), d.column) for d, x in zip(drivers, w, strict=True))


def _driver_list(spec: Any) -> list[Driver]:
    if not isinstance(spec, list) or not spec:
        raise _err(
            f"{_KEY}.drivers",
            "expected a list of drivers",
            spec,
            "[{id: revenue, name: Grow digital revenue, weight: 0.4}, ...]",
        )
    out: list[Driver] = []
    for k, d in enumerate(spec):
        key = f"{_KEY}.drivers[{k}]"
        if not isinstance(d, Mapping) or not str(d.get("id", "") or "").strip():
            raise _err(key, "a driver needs an id", d, "{id: revenue, name: ...}")
        w = d.get("weight", np.nan)
        try:
            w = float(w)
        except (TypeError, ValueError) as exc:
            raise _err(f"{key}.weight", "not a number", w, "a weight >= 0") from exc
        col = d.get("column")
        out.append(Driver(str(d["id"]).strip(), str(d.get("name") or d["id"]), w, col))
    ids = [d.id for d in out]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise _err(f"{_KEY}.drivers", "driver ids must be unique", dup[0])
    return out


def _pairs(spec: Any) -> dict[tuple[str, str], Any]:
    if isinstance(spec, Mapping):  # {revenue: {regulation: 1/3}}
        return {
            (str(i), str(j)): v
            for i, row in spec.items()
            for j, v in (row or {}).items()
            if isinstance(row, Mapping) or _raise_row(i, row)
        }
    if not isinstance(spec, list):
        raise _err(f"{_KEY}.pairwise", "expected a list of [i, j, a_ij]", spec)
    out: dict[tuple[str, str], Any] = {}
    for k, item in enumerate(spec):
        if not isinstance(item, list | tuple) or len(item) != 3:
            raise _err(f"{_KEY}.pairwise[{k}]", "expected [i, j, a_ij]", item, "[revenue, cost, 3]")
        out[(str(item[0]), str(item[1]))] = item[2]
    return out


def _raise_row(i: Any, row: Any) -> bool:
    raise _err(f"{_KEY}.pairwise.{i}", "expected {other_driver: judgement}", row)


def drivers_of(standards: Mapping[str, Any] | Any) -> Drivers | None:
    """The drivers of a portfolio (or of a standards mapping); ``None`` when none are defined.

    Raises :class:`PrioritiseError` naming ``standards.yaml`` and the key for a bad entry; an
    inconsistent pairwise matrix is *not* an error (read ``.ahp.cr`` and ``.ahp.sentence()``).
    """
    std = getattr(standards, "standards", standards) or {}
    spec = std.get(_KEY)
    if spec is None:
        return None
    if not isinstance(spec, Mapping):
        raise _err(_KEY, "expected a mapping with drivers", spec)
    drivers = _driver_list(spec.get("drivers"))
    scale = spec.get("scale", 5)
    if not isinstance(scale, int | float) or scale <= 0:
        raise _err(f"{_KEY}.scale", "expected a positive number", scale, "5")
    base = Drivers(tuple(drivers), float(scale))
    if spec.get("pairwise") is not None:
        try:
            return base.with_pairwise(_pairs(spec["pairwise"]))
        except PrioritiseError as exc:
            raise _err(f"{_KEY}.{exc.field}", exc.message, exc.value, exc.expected) from exc
    w = np.array([d.weight for d in drivers])
    if np.isnan(w).any():
        k = int(np.flatnonzero(np.isnan(w))[0])
        raise _err(
            f"{_KEY}.drivers[{k}].weight", "a weight is needed when there is no pairwise matrix"
        )
    return Drivers(_normalised(drivers, w, "drivers"), float(scale))


def score_matrix(portfolio: Portfolio, drivers: Drivers) -> pd.DataFrame:
    """Projects x drivers scores (0..scale), index ``project_id``; missing scores are 0.

    Raises :class:`PrioritiseError` naming ``project_scores.csv``, the line and the field for
    a score of an unknown driver or out of the scale.
    """
    ids = portfolio.projects["project_id"].astype(str).tolist()
    out = pd.DataFrame(0.0, index=pd.Index(ids, name="project_id"), columns=drivers.ids)
    sc = getattr(portfolio, "project_scores", None)
    if sc is not None and len(sc):
        _check_scores(sc, drivers)
        pid, drv = sc["project_id"].astype(str).to_numpy(), sc["driver"].astype(str).to_numpy()
        t = pd.DataFrame({"p": pid, "d": drv, "s": pd.to_numeric(sc["score"]).to_numpy(float)})
        t = t.drop_duplicates(["p", "d"], keep="last")  # a repeated score: the last line wins
        i, k = out.index.get_indexer(t["p"]), out.columns.get_indexer(t["d"])
        vals = out.to_numpy(dtype=float, copy=True)
        vals[i[i >= 0], k[i >= 0]] = t["s"].to_numpy()[i >= 0]
        out = pd.DataFrame(vals, index=out.index, columns=out.columns)
    for d in drivers.drivers:
        if d.column:
            if d.column not in portfolio.projects.columns:
                raise _err(f"{_KEY}.drivers.{d.id}.column", "no such column in projects.csv")
            out[d.id] = (
                pd.to_numeric(portfolio.projects[d.column], errors="coerce").fillna(0).values
            )
    return out


def _check_scores(sc: pd.DataFrame, drivers: Drivers) -> None:
    """The first line (in file order) with a score of an unknown driver or off the scale."""
    unknown = ~sc["driver"].astype(str).isin(drivers.ids).to_numpy()
    s = pd.to_numeric(sc["score"], errors="coerce").to_numpy(dtype=float)
    off = ~((s >= 0) & (s <= drivers.scale))
    bad = np.flatnonzero(unknown | off)
    if not bad.size:
        return
    k = int(bad[0])
    line = int(sc.index[k]) + 2
    if unknown[k]:
        raise PrioritiseError(
            "unknown driver",
            field="driver",
            value=str(sc["driver"].iloc[k]),
            expected="one of " + ", ".join(drivers.ids) + " (standards.yaml)",
            file="project_scores.csv",
            line=line,
        )
    raise PrioritiseError(
        "score out of the scale",
        field="score",
        value=sc["score"].iloc[k],
        expected=f"0..{drivers.scale:g}",
        file="project_scores.csv",
        line=line,
    )


def priority_values(
    portfolio: Portfolio, drivers: Drivers, *, scores: pd.DataFrame | None = None
) -> pd.Series:
    """The priority score (0..100) of every project, index ``project_id``: the ``score``
    column of :func:`priority_scores` without the ranking and the sentences (what the
    optimiser needs, at a fraction of the cost on a big portfolio)."""
    s = score_matrix(portfolio, drivers) if scores is None else scores[drivers.ids]
    total = 100.0 * s.to_numpy(dtype=float) @ drivers.weights / drivers.scale
    return pd.Series(total, index=s.index.astype(str), name="score")


def priority_scores(
    portfolio: Portfolio, drivers: Drivers | None = None, *, scores: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Priority score (0..100), rank, per-driver contributions and one explaining sentence.

    Returns
    -------
    DataFrame
        One row per project, best first: ``project_id, name, score, rank`` then one
        ``contrib_<driver>`` column per driver (points, summing to ``score``) and ``why``.
    """
    drivers = drivers or drivers_of(portfolio)
    if drivers is None:
        raise _err(_KEY, "no business drivers defined", None, "a prioritisation section")
    s = score_matrix(portfolio, drivers) if scores is None else scores[drivers.ids]
    contrib = 100.0 * s.to_numpy(dtype=float) * drivers.weights[None, :] / drivers.scale
    total = contrib.sum(axis=1)
    names = portfolio.projects.set_index(portfolio.projects["project_id"].astype(str))["name"]
    out = pd.DataFrame({"project_id": s.index.astype(str), "score": total})
    out["name"] = names.reindex(out["project_id"]).to_numpy()
    for k, d in enumerate(drivers.ids):
        out[f"contrib_{d}"] = contrib[:, k]
    out = out.sort_values(["score", "project_id"], ascending=[False, True], kind="stable")
    out["rank"] = out["score"].rank(method="min", ascending=False).astype(int)
    n = len(out)
    out["why"] = [_sentence(r, drivers, s.loc[r["project_id"]], n) for r in out.to_dict("records")]
    cols = ["project_id", "name", "score", "rank", *[f"contrib_{d}" for d in drivers.ids], "why"]
    return out[cols].reset_index(drop=True)


def _sentence(row: Mapping[str, Any], drivers: Drivers, raw: pd.Series, n: int) -> str:
    parts = sorted(((row[f"contrib_{d.id}"], d) for d in drivers.drivers), key=lambda x: -x[0])
    head = f"{row['project_id']} scores {row['score']:.0f}/100 (rank {row['rank']} of {n})"
    top = [(c, d) for c, d in parts if c > 0.05]
    if not top:
        return head + ": it contributes to no business driver."
    c, d = top[0]
    text = (
        f"{head}: {c:.0f} points from '{d.name}' (weight {d.weight:.0%}, "
        f"score {raw[d.id]:g}/{drivers.scale:g})"
    )
    if len(top) > 1:
        c2, d2 = top[1]
        text += f", then {c2:.0f} from '{d2.name}'"
    zero = [d.name for c, d in parts if c <= 0.05 and d.weight > 0.15]
    if zero:
        text += f"; nothing from '{zero[0]}'"
    return text + "."
