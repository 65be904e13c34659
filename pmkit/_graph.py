"""Graph helpers shared by the scheduler, Monte Carlo and validation (numpy only).

One home for topological levels (vectorised Kahn: a whole frontier per numpy step, so the steps
are the depth of the network, not its size) and for finding the cycles that stop them. A node's
*level* is the length of the longest chain of links from a source; sorting by level (stable)
is a topological order. Nodes are ``0..n-1``; links ``src[i] -> dst[i]``.
"""

from __future__ import annotations

import numpy as np

from pmkit.errors import CycleError

__all__ = ["find_cycles", "levels", "topological_order"]


def find_cycles(
    pred: np.ndarray, succ: np.ndarray, n: int, *, max_cycles: int = 20
) -> list[list[int]]:
    """Cycles of the graph ``pred[i] -> succ[i]`` over nodes ``0..n-1``, in link order.

    Vectorised Kahn: peel the nodes with no remaining predecessor, a whole frontier per numpy
    step (steps = depth of the network, not its size). What is left is cycles and what hangs
    off them; following one remaining predecessor per node then walks into each cycle.
    """
    pred = np.asarray(pred, dtype=np.int64)
    succ = np.asarray(succ, dtype=np.int64)
    if n == 0 or pred.size == 0:
        return []
    indeg = np.bincount(succ, minlength=n)
    order = np.argsort(pred, kind="stable")
    s_sorted = succ[order]
    indptr = np.concatenate(([0], np.cumsum(np.bincount(pred, minlength=n))))
    removed = np.zeros(n, bool)
    frontier = np.flatnonzero(indeg == 0)
    while frontier.size:
        removed[frontier] = True
        starts, ends = indptr[frontier], indptr[frontier + 1]
        lens = ends - starts
        total = int(lens.sum())
        if total == 0:
            break
        offs = np.repeat(starts - np.concatenate(([0], np.cumsum(lens)[:-1])), lens)
        targets = s_sorted[offs + np.arange(total)]
        uniq, cnt = np.unique(targets, return_counts=True)
        indeg[uniq] -= cnt
        frontier = uniq[indeg[uniq] == 0]
    if removed.all():
        return []
    keep = ~removed[pred] & ~removed[succ]
    prev = np.full(n, -1, dtype=np.int64)
    prev[succ[keep]] = pred[keep]
    state = np.zeros(n, np.int8)  # 0 new, 1 on the current walk, 2 done
    cycles: list[list[int]] = []
    for start in np.flatnonzero(~removed).tolist():
        if state[start]:
            continue
        walk: list[int] = []
        node = start
        while node >= 0 and state[node] == 0:
            state[node] = 1
            walk.append(node)
            node = int(prev[node])
        if node >= 0 and state[node] == 1:
            back = walk[walk.index(node) :]
            cycles.append(back[::-1])  # walked backwards along links
        for w in walk:
            state[w] = 2
        if len(cycles) >= max_cycles:
            break
    return cycles


def levels(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Topological level of every node; raises :class:`CycleError` with one cycle (node
    indices, in link order) in ``cycle`` when some nodes never free up."""
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    level = np.zeros(n, dtype=np.int64)
    if len(src) == 0:
        return level
    order = np.argsort(src, kind="stable")
    s_dst = dst[order]
    offs = np.searchsorted(src[order], np.arange(n + 1))
    indeg = np.bincount(dst, minlength=n)
    frontier = np.flatnonzero(indeg == 0)
    done = 0
    lvl = 0
    while frontier.size:
        level[frontier] = lvl
        done += frontier.size
        starts, ends = offs[frontier], offs[frontier + 1]
        cnt = ends - starts
        tot = int(cnt.sum())
        if tot == 0:
            break
        idx = np.repeat(starts - np.cumsum(cnt) + cnt, cnt) + np.arange(tot)
        uniq, dec = np.unique(s_dst[idx], return_counts=True)
        indeg[uniq] -= dec
        frontier = uniq[indeg[uniq] == 0]
        lvl += 1
    if done < n:
        cycles = find_cycles(src, dst, n, max_cycles=1)
        remaining = np.flatnonzero(indeg > 0).tolist()
        raise CycleError("dependency cycle", cycle=cycles[0] if cycles else remaining[:10])
    return level


def topological_order(level: np.ndarray) -> np.ndarray:
    """Nodes sorted by level (ties by index): the order Kahn's frontiers visit them."""
    return np.argsort(level, kind="stable")
