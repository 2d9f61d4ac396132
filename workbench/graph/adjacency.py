"""The adjacency of a graph in compressed rows (:meth:`~workbench.graph.fused.CaseGraph.csr`).

Examples
--------
>>> import numpy as np
>>> [x.tolist() for x in adjacency(3, np.array([0, 0]), np.array([1, 2]))]
[[0, 2, 3, 4], [1, 2, 0, 0], [0, 1, 0, 1]]
"""

from __future__ import annotations

import numpy as np

__all__ = ["adjacency"]


def adjacency(n: int, u: np.ndarray, v: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(indptr, neighbours, link ids)`` of ``n`` nodes and links ``u``-``v``: the stable
    sort of the ends ``u`` then ``v`` (a node's links where it is ``u``, then those where it
    is ``v``, each part by link id). Each part is put in order on its own, as keys ``end,
    link id`` (unique, so numpy's fastest sort gives the stable order); where ``u`` is
    ascending already (a built graph's links are), only the ``v`` part is sorted."""
    u, v = np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64)
    m = len(u)
    ids = np.arange(m, dtype=np.int64)
    shift = max(int(m).bit_length(), 1)

    def by_end(end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # ends sorted, link ids
        key = np.sort((end << shift) | ids)
        return key >> shift, key & ((1 << shift) - 1)

    count_u = np.bincount(u, minlength=n)
    count_v = np.bincount(v, minlength=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(count_u + count_v, out=indptr[1:])
    nbr = np.empty(2 * m, dtype=np.int64)
    eid = np.empty(2 * m, dtype=np.int64)
    # a link's place: its row's start, then its rank in its part (its row's links as u first)
    sorted_u = not m or bool((u[1:] >= u[:-1]).all())
    uu, by_u = (u, ids) if sorted_u else by_end(u)
    at = (indptr[:-1] - (np.cumsum(count_u) - count_u))[uu] + ids
    nbr[at], eid[at] = (v, ids) if sorted_u else (v[by_u], by_u)
    vv, by_v = by_end(v)
    at = (indptr[:-1] + count_u - (np.cumsum(count_v) - count_v))[vv] + ids
    nbr[at], eid[at] = u[by_v], by_v
    return indptr, nbr, eid
