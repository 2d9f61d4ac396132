"""Array helpers of the ring growth: numpy's answers without numpy's per-call overhead.

:func:`~workbench.rings.search._grow` runs once per added member (8,600 times on a
2M-call county), on arrays of tens to hundreds of entries, where ``np.median`` and
``np.unique`` spend most of their time in Python-level checks. These give the same values,
bit for bit (the same arithmetic in the same order), so rings do not change.

Examples
--------
>>> import numpy as np
>>> x = np.array([3.0, 1.0, 2.0, 10.0])
>>> median_of(x) == float(np.median(x))
True
>>> [a.tolist() for a in unique_inverse(np.array([7, 3, 7, 5]))]
[[3, 5, 7], [2, 0, 2, 1]]
"""

from __future__ import annotations

import numpy as np

from ..graph import CaseGraph, member_mask

__all__ = ["median_of", "unique_inverse", "pays_into"]


def median_of(x: np.ndarray) -> float:
    """``float(np.median(x))`` of a non-empty 1-d float array without NaN: the middle value,
    or the mean of the two middle values summed then halved (numpy's ``mean`` of two)."""
    s = np.sort(x)
    k = len(s) // 2
    if len(s) % 2:
        return float(s[k])
    return float((s[k - 1] + s[k]) / 2.0)


def unique_inverse(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(x, return_inverse=True)`` of a non-empty 1-d integer array."""
    order = np.argsort(x)
    xs = x[order]
    first = np.empty(len(xs), dtype=bool)
    first[0] = True
    np.not_equal(xs[1:], xs[:-1], out=first[1:])
    inverse = np.empty(len(x), dtype=np.intp)
    inverse[order] = np.cumsum(first) - 1
    return xs[first], inverse


def pays_into(g: CaseGraph, node: int, sorted_members: np.ndarray) -> bool:
    """Whether money flows from a group (its ascending dense ids) to ``node`` and never
    from ``node`` to the group: a newcomer the group pays is its supplier or payee, not a
    member it grows by (:func:`~workbench.rings.scoring.payers` counts both ways)."""
    nbr, eid = g.neighbours(node)
    eid = eid[member_mask(sorted_members, nbr)]
    ms = g.measures
    node_is_v = g.v[eid] == node
    to_node = np.where(node_is_v, ms["n_uv_tx"][eid], ms["n_vu_tx"][eid]) > 0
    from_node = np.where(node_is_v, ms["n_vu_tx"][eid], ms["n_uv_tx"][eid]) > 0
    return bool(to_node.any()) and not from_node.any()
