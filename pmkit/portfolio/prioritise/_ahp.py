"""Weights of business drivers by pairwise comparison (Saaty's Analytic Hierarchy Process).

A pairwise matrix ``A`` holds ``a[i, j]`` = how much more driver ``i`` matters than driver ``j``
on Saaty's 1-9 scale (``a[j, i] = 1 / a[i, j]``, ``a[i, i] = 1``). The weights are the principal
(Perron) eigenvector of ``A`` normalised to sum 1. Consistency: ``CI = (lambda_max - n) / (n - 1)``
and ``CR = CI / RI(n)`` with Saaty's random index; ``CR > 0.1`` means the judgements contradict
each other enough to revisit. The pair to revisit first is the one whose judgement departs most
from what the weights imply: the largest ``|ln(a[i, j] * w[j] / w[i])|`` (Saaty's epsilon
matrix), reported with the value that would be consistent (``w[i] / w[j]``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from pmkit.errors import PrioritiseError

__all__ = ["RANDOM_INDEX", "AhpResult", "PrioritiseError", "ahp_weights", "pairwise_matrix"]

RANDOM_INDEX: dict[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
    11: 1.51,
    12: 1.48,
    13: 1.56,
    14: 1.57,
    15: 1.59,
}
"""Saaty's random consistency index RI(n) (The Analytic Hierarchy Process, 1980, Table 1.7)."""

CR_LIMIT = 0.1


@dataclass(frozen=True)
class AhpResult:
    """Weights from a pairwise matrix and how consistent the judgements are.

    Attributes
    ----------
    names : list of str
    weights : ndarray
        Principal eigenvector, normalised to sum 1 (same order as ``names``).
    lambda_max, ci, cr : float
        Principal eigenvalue, consistency index and consistency ratio (``nan`` ratio for n < 3:
        two judgements can never contradict each other, CR is 0 then).
    worst_pair : tuple (i, j) of str or None
        The judgement that departs most from the weights (only meaningful when inconsistent).
    worst_given, worst_implied : float
        That judgement as given and the value consistent with the weights (``w_i / w_j``).
    """

    names: list[str]
    weights: np.ndarray
    lambda_max: float
    ci: float
    cr: float
    worst_pair: tuple[str, str] | None
    worst_given: float
    worst_implied: float

    @property
    def consistent(self) -> bool:
        """``CR <= 0.1`` (Saaty's rule of thumb)."""
        return self.cr <= CR_LIMIT + 1e-12

    def sentence(self) -> str:
        """The consistency verdict in words, naming the pair to revisit when CR > 0.1."""
        verdict = f"CR {self.cr:.3f}"
        if self.consistent:
            return f"{verdict} <= {CR_LIMIT}: the judgements are consistent enough."
        i, j = self.worst_pair or ("?", "?")
        return (
            f"{verdict} > {CR_LIMIT}: inconsistent judgements. Revisit '{i}' vs '{j}' first: "
            f"you said {_fmt_judgement(self.worst_given)}, the other judgements imply about "
            f"{_fmt_judgement(self.worst_implied)}."
        )


def _fmt_judgement(x: float) -> str:
    if x >= 1:
        return f"{x:.3g}"
    return f"1/{1 / x:.3g}"


def _parse_judgement(value: Any, where: str) -> float:
    """A Saaty judgement: a positive number or a fraction written ``"1/3"``."""
    try:
        v = float(Fraction(str(value).strip())) if isinstance(value, str) else float(value)
    except (ValueError, ZeroDivisionError, TypeError) as exc:
        raise PrioritiseError(
            "not a pairwise judgement",
            field=where,
            value=value,
            expected="a number from 1/9 to 9, e.g. 3 or 1/3",
        ) from exc
    if not np.isfinite(v) or v <= 0:
        raise PrioritiseError(
            "a pairwise judgement must be positive", field=where, value=value, expected="1/9..9"
        )
    return v


def pairwise_matrix(
    names: Sequence[str],
    judgements: Mapping[tuple[str, str], Any] | Sequence[Sequence[Any]],
    *,
    field: str = "pairwise",
) -> np.ndarray:
    """A reciprocal matrix from ``{(i, j): a_ij}`` (upper or lower triangle) or a full matrix.

    Missing pairs count as 1 (equal importance). Raises :class:`PrioritiseError` naming the
    pair when a judgement is not a positive number, contradicts its mirror, or names an
    unknown driver.
    """
    n = len(names)
    pos = {str(k): i for i, k in enumerate(names)}
    a = np.ones((n, n))
    if isinstance(judgements, Mapping):
        for (i, j), v in judgements.items():
            where = f"{field}[{i}, {j}]"
            for k in (i, j):
                if str(k) not in pos:
                    raise PrioritiseError(
                        "unknown driver in a pairwise judgement",
                        field=where,
                        value=k,
                        expected="one of " + ", ".join(map(str, names)),
                    )
            x = _parse_judgement(v, where)
            a[pos[str(i)], pos[str(j)]] = x
            a[pos[str(j)], pos[str(i)]] = 1.0 / x
        return a
    rows = list(judgements)
    if len(rows) != n or any(len(r) != n for r in rows):
        raise PrioritiseError(
            "a pairwise matrix must be square, one row per driver",
            field=field,
            value=f"{len(rows)} rows",
            expected=f"{n} x {n}",
        )
    for r in range(n):
        for c in range(n):
            a[r, c] = _parse_judgement(rows[r][c], f"{field}[{names[r]}, {names[c]}]")
    bad = np.argwhere(~np.isclose(a * a.T, 1.0, rtol=1e-2))
    if len(bad):
        r, c = int(bad[0][0]), int(bad[0][1])
        raise PrioritiseError(
            "a pairwise matrix must be reciprocal (a_ji = 1 / a_ij)",
            field=f"{field}[{names[c]}, {names[r]}]",
            value=rows[c][r],
            expected=f"1/{rows[r][c]}",
        )
    return a


def ahp_weights(matrix: Any, names: Sequence[str] | None = None) -> AhpResult:
    """Principal-eigenvector weights, consistency ratio and the most inconsistent pair.

    Parameters
    ----------
    matrix : array-like (n, n)
        A positive reciprocal matrix (see :func:`pairwise_matrix`).
    names : sequence of str, optional
        Driver names (default ``"1".."n"``).

    Examples
    --------
    >>> r = ahp_weights([[1, 3], [1 / 3, 1]], ["cost", "speed"])
    >>> [round(float(w), 2) for w in r.weights]
    [0.75, 0.25]
    """
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0]
    labels = [str(x) for x in (names or range(1, n + 1))]
    if a.ndim != 2 or a.shape != (n, n) or n == 0 or len(labels) != n:
        raise PrioritiseError("a pairwise matrix must be square", field="pairwise", value=a.shape)
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    lam = float(vals[k].real)
    w = np.abs(vecs[:, k].real)
    w = w / w.sum()
    ci = (lam - n) / (n - 1) if n > 1 else 0.0
    ci = max(ci, 0.0)
    ri = RANDOM_INDEX.get(n, 1.59)
    cr = ci / ri if ri > 0 else 0.0
    eps = np.abs(np.log(a * w[None, :] / w[:, None]))
    np.fill_diagonal(eps, -1.0)
    ii, jj = np.unravel_index(int(np.argmax(eps)), eps.shape)
    i, j = int(ii), int(jj)
    if a[i, j] < 1:  # report the judgement the way people state it: "i over j" >= 1
        i, j = j, i
    pair = (labels[i], labels[j]) if n > 1 else None
    return AhpResult(
        names=labels,
        weights=w,
        lambda_max=lam,
        ci=ci,
        cr=cr,
        worst_pair=pair,
        worst_given=float(a[i, j]),
        worst_implied=float(w[i] / w[j]),
    )
