"""Why a project is cut or delayed: the binding constraint in words, and what would let it in.

For a cut project, each allowed start is tried against what the chosen portfolio leaves free
in every constraint row (capacity per role and month, budget lines, rules); the start with the
smallest shortfall is reported. For a delayed project, its planned start is tried the same way
with its own load removed. The LP relaxation's dual values (HiGHS) are attached per row as
``shadow_price``: value points per extra hour (or money unit) in the *relaxed* problem — a
guide to which constraint is worth relaxing, marked as such, not an exact integer answer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

from pmkit.portfolio.prioritise._select import _TOL, Selection, _month

__all__ = ["explain", "lp_shadow_prices"]


def lp_shadow_prices(sel: Selection) -> np.ndarray:
    """Per model row: value points gained per unit of extra room, in the LP relaxation."""
    m = sel.model
    if m is None:
        return np.zeros(0)
    a = m.a.tocsr()
    up = np.isfinite(m.hi)
    down = np.isfinite(m.lo)
    a_ub = sparse.vstack([a[up], -a[down]]).tocsr()
    b_ub = np.r_[m.hi[up], -m.lo[down]]
    res = linprog(m.c, A_ub=a_ub, b_ub=b_ub, bounds=np.c_[np.zeros(m.c.size), m.ub], method="highs")
    out = np.zeros(a.shape[0])
    if res.status != 0 or getattr(res, "ineqlin", None) is None:
        return out
    marg = -np.asarray(res.ineqlin.marginals)  # minimising -value: -dual = value per unit
    n_up = int(up.sum())
    out[np.flatnonzero(up)] += marg[:n_up]
    out[np.flatnonzero(down)] -= marg[n_up:]
    return out


def _duals(sel: Selection) -> np.ndarray:
    """The shadow prices of the LP the solve already ran (same rows, same sign: value per
    unit of room), else :func:`lp_shadow_prices` solves the relaxation now."""
    m = sel.model
    if sel.duals is not None and m is not None and len(sel.duals) == m.a.shape[0]:
        return np.asarray(sel.duals, dtype=float)
    return lp_shadow_prices(sel)


def _row_words(sel: Selection, row: dict[str, Any], need: float, free: float) -> str:
    p = sel.problem
    short = need - free
    kind = row["kind"]
    if kind == "capacity":
        return (
            f"{row['role']} in {_month(p, int(row['t']))}: needs {need:,.0f} h, "
            f"{max(free, 0):,.0f} h free ({short:,.0f} h short)"
        )
    if kind == "budget":
        year = row.get("year")
        line = "total budget" if year is None or pd.isna(year) else f"budget {int(year)}"
        return f"{line}: needs {need:,.0f}, {max(free, 0):,.0f} left ({short:,.0f} short)"
    if kind in ("requires", "link"):
        return f"needs {row['a']}, which is not chosen" + (
            " (cross-project schedule link)" if kind == "link" else ""
        )
    if kind == "link timing":
        return f"must start no earlier than its predecessor project {row['a']} is shifted"
    if kind == "exclusive":
        return f"mutually exclusive with a chosen project in [{row['a']}]"
    return kind


def _column(csc: sparse.csc_matrix, v: int) -> np.ndarray:
    """Column ``v`` of the model matrix as a dense vector (read from the CSC arrays)."""
    col = np.zeros(csc.shape[0])
    lo, hi = csc.indptr[v], csc.indptr[v + 1]
    np.add.at(col, csc.indices[lo:hi], csc.data[lo:hi])
    return col


def _blocking(
    sel: Selection, v: int, slack: np.ndarray, lo_slack: np.ndarray, csc: sparse.csc_matrix
) -> list[tuple[int, float, float]]:
    """Rows (row, need, free) that variable ``v`` breaks given the slack left."""
    col = _column(csc, v)
    n = sel.problem.n
    bad = np.flatnonzero((col > slack + _TOL) | (col < -lo_slack - _TOL))
    return [(int(r), float(col[r]), float(slack[r])) for r in bad if r >= n]


def _shadow_text(rows: list[dict[str, Any]], duals: np.ndarray, r: int) -> str:
    kind = rows[r]["kind"]
    if not len(duals) or abs(duals[r]) < 1e-3 or kind not in ("capacity", "budget"):
        return ""
    unit = "hour" if kind == "capacity" else "money unit"
    return f"{duals[r]:.4g} value points per extra {unit} (LP-relaxation shadow price)"


def explain(sel: Selection, *, shadow_prices: bool = True) -> pd.DataFrame:
    """One row per cut or delayed project: the binding constraints in words.

    Returns
    -------
    DataFrame
        ``project_id, name, status`` (``"cut"``, ``"delayed"``, ``"forced out"``),
        ``shift_months, binding`` (the constraints in words, ``"; "``-joined), ``kind``
        (first binding kind), ``shortfall`` (of the first binding row: hours or money to add
        to let it in at that start), ``role`` and ``month`` (``YYYY-MM``) of that row when it
        is a capacity row (else ``""``) and ``shadow_price`` (LP relaxation, marked as such).
    """
    m = sel.model
    if m is None:
        raise ValueError("explain needs a solved Selection")
    act = m.a @ sel.x
    slack, lo_slack = m.hi - act, act - m.lo
    duals = _duals(sel) if shadow_prices else np.zeros(0)
    info = m.rows.to_dict("records")  # one dict per row, read by position
    out: list[dict[str, Any]] = []
    ch = sel.chosen
    csc = sparse.csc_matrix(m.a)
    for i, row in enumerate(ch.to_dict("records")):
        vars_i = np.flatnonzero(m.var_proj == i)
        if row["forced"] == "out":
            out.append({**_base(row, "forced out"), "binding": "forced out by the PMO"})
            continue
        if row["chosen"] and row["shift_months"] == 0:
            continue
        if row["chosen"]:
            own = _column(csc, int(vars_i[row["shift_months"]]))
            s_hi, s_lo = slack + own, lo_slack - own
            tries = vars_i[:1]  # what stops it starting on time
            status = "delayed"
        else:
            s_hi, s_lo, tries, status = slack, lo_slack, vars_i, "cut"
        best: list[tuple[int, float, float]] | None = None
        for v in tries:
            b = _blocking(sel, int(v), s_hi, s_lo, csc)
            if best is None or _size(b, info) < _size(best, info):
                best = b
        out.append(_reason(sel, row, status, best or [], info, duals))
    cols = ["project_id", "name", "status", "shift_months", "binding", "kind", "shortfall"]
    return pd.DataFrame(out, columns=[*cols, "role", "month", "shadow_price"])


def _size(b: list[tuple[int, float, float]], info: list[dict[str, Any]]) -> tuple[int, float]:
    return len(b), sum(max(need - free, 0.0) for _, need, free in b)


def _base(row: dict[str, Any], status: str) -> dict[str, Any]:
    return {
        "project_id": row["project_id"],
        "name": row["name"],
        "status": status,
        "shift_months": int(row["shift_months"]),
        "kind": status,
        "shortfall": 0.0,
        "role": "",
        "month": "",
        "shadow_price": "",
    }


def _reason(
    sel: Selection,
    row: dict[str, Any],
    status: str,
    rows: list[tuple[int, float, float]],
    info: list[dict[str, Any]],
    duals: np.ndarray,
) -> dict[str, Any]:
    out = _base(row, status)
    if not rows:
        out["binding"] = (
            "fits alone, but the optimum prefers the chosen set (a lower-value swap)"
            if status == "cut"
            else "an earlier start fits alone; delayed to make room for higher-value work"
        )
        return out
    rows = sorted(rows, key=lambda x: -(x[1] - x[2]))
    words = [_row_words(sel, info[r], need, free) for r, need, free in rows[:3]]
    if len(rows) > 3:
        words.append(f"and {len(rows) - 3} more")
    r0, need0, free0 = rows[0]
    prefix = "to start on time: " if status == "delayed" else ""
    out["binding"] = prefix + "; ".join(words)
    out["kind"] = str(info[r0]["kind"])
    out["shortfall"] = max(need0 - free0, 0.0)
    if out["kind"] == "capacity":
        months = np.asarray(sel.problem.months, dtype="datetime64[M]")
        out["role"] = str(info[r0]["role"])
        out["month"] = str(months[int(info[r0]["t"])])
    out["shadow_price"] = _shadow_text(info, duals, r0)
    return out
