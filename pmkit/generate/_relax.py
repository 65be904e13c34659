"""The generator's own scheduler: longest-path relaxation over working-day indices.

Independent of pmkit's CPM on purpose (tests/unit/test_generate.py uses it as an oracle). A task
of ``d`` days starting at index ``i`` ends at the end of working day ``i + d - 1``; a milestone at
``i`` is dated the previous working day.
"""

from __future__ import annotations

import numpy as np

from pmkit.vocabulary import LINK_TYPES

FS, SS, FF, SF = 0, 1, 2, 3
LINK_NAMES = np.array(LINK_TYPES)


def _offsets(
    dur: np.ndarray, pred: np.ndarray, succ: np.ndarray, kind: np.ndarray, lag: np.ndarray
) -> np.ndarray:
    """Start-to-start distance each link imposes (FS/FF count the predecessor's duration...)."""
    from_finish = np.where((kind == FS) | (kind == FF), dur[pred], 0)
    to_finish = np.where((kind == FF) | (kind == SF), dur[succ], 0)
    return from_finish + lag - to_finish


def forward_pass(
    dur: np.ndarray,
    floor: np.ndarray,
    pred: np.ndarray,
    succ: np.ndarray,
    kind: np.ndarray,
    lag: np.ndarray,
) -> np.ndarray:
    """Early starts by longest-path relaxation over all links at once (graph is acyclic).

    Each sweep is a few vectorised numpy operations; the number of sweeps is the depth of the
    network, so 100k tasks take well under a second.
    """
    es = floor.astype(np.int64).copy()
    if pred.size == 0:
        return es
    order = np.argsort(succ, kind="stable")
    pred, succ, kind, lag = pred[order], succ[order], kind[order], lag[order]
    targets, starts = np.unique(succ, return_index=True)
    offset = _offsets(dur, pred, succ, kind, lag)
    for _ in range(dur.size + 1):
        best = np.maximum.reduceat(es[pred] + offset, starts)
        new = np.maximum(floor[targets], best)
        if np.array_equal(new, es[targets]):
            break
        es[targets] = new
    return es


def late_starts(
    es: np.ndarray,
    dur: np.ndarray,
    proj: np.ndarray,
    pred: np.ndarray,
    succ: np.ndarray,
    kind: np.ndarray,
    lag: np.ndarray,
) -> np.ndarray:
    """Late starts against each project's own finish (the backward twin of ``forward_pass``).

    ``late - early`` is a task's total float: zero on the critical path of its project (or on
    a chain that drives another project's critical path through a cross-project link).
    """
    end = np.full(int(proj.max()) + 1, np.iinfo(np.int64).min)
    np.maximum.at(end, proj, es + dur)
    late = end[proj] - dur
    if pred.size == 0:
        return late
    order = np.argsort(pred, kind="stable")
    pred, succ, kind, lag = pred[order], succ[order], kind[order], lag[order]
    sources, starts = np.unique(pred, return_index=True)
    offset = _offsets(dur, pred, succ, kind, lag)
    for _ in range(dur.size + 1):
        new = np.minimum(late[sources], np.minimum.reduceat(late[succ] - offset, starts))
        if np.array_equal(new, late[sources]):
            break
        late[sources] = new
    return late


def reaches(adj: dict[int, list[int]], src: int, dst: int) -> bool:
    """Whether ``dst`` is reachable from ``src`` over the links (adjacency by predecessor)."""
    seen, todo = {src}, [src]
    while todo:
        for w in adj.get(todo.pop(), ()):
            if w == dst:
                return True
            if w not in seen:
                seen.add(w)
                todo.append(w)
    return src == dst


def fraction(es: np.ndarray, dur: np.ndarray, is_ms: np.ndarray, t: int | np.ndarray) -> np.ndarray:
    """Share of each task's duration done at time(s) ``t`` (broadcast over a last axis)."""
    es2 = es[..., None] if np.ndim(t) else es
    d2 = dur[..., None] if np.ndim(t) else dur
    m2 = is_ms[..., None] if np.ndim(t) else is_ms
    f = np.clip((t - es2) / np.maximum(d2, 1), 0.0, 1.0)
    return np.where(m2, (es2 <= t).astype(float), f)


def finish_idx(es: np.ndarray, dur: np.ndarray, is_ms: np.ndarray) -> np.ndarray:
    """Working-day index of each task's finish day (a milestone: the day before its start)."""
    return np.where(is_ms, es - 1, es + dur - 1)


def start_idx(es: np.ndarray, is_ms: np.ndarray) -> np.ndarray:
    """Working-day index of each task's start day (a milestone: the day before its index)."""
    return np.where(is_ms, es - 1, es)
