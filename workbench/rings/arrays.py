"""Array helpers of the ring growth: numpy's answers without numpy's per-call overhead.

:func:`~workbench.rings.growth.grow` runs once per added member, on arrays of tens to
hundreds of entries, where ``np.median`` and ``np.unique`` spend most of their time in
Python-level checks; :func:`~workbench.rings.growth.grow_cores` runs its rule over every
core at once, and reads suppliers, payments and money flows here for many groups at once.
These give the same values, bit for bit (the same arithmetic in the same order), so rings
do not change.

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

import itertools

import numpy as np

from ..graph import CaseGraph, member_mask

__all__ = ["median_of", "unique_inverse", "pays_into", "suppliers_in", "suppliers_of",
           "supplier_flags", "money_ways", "money_links", "group_labels", "end_to_end",
           "group_quantile", "inside_links"]


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
    if not len(nbr):  # no link (on the money links: no payment at all)
        return False
    eid = eid[member_mask(sorted_members, nbr)]
    to_node, from_node = money_ways(g, eid, node)
    return bool(to_node.any()) and not from_node.any()


def suppliers_in(g: CaseGraph, sorted_members: np.ndarray) -> np.ndarray:
    """Per member of a group (ascending dense ids), whether it is the group's supplier by
    :func:`~workbench.rings.scoring.is_supplier` (paid by one member only, who is paid by
    two or more, and paying none), for all members at once.

    >>> from workbench.graph.fused import CaseGraph
    >>> from workbench.rings.scoring import is_supplier
    >>> ms = {"n_uv_tx": np.array([1, 1, 1]), "n_vu_tx": np.array([0, 0, 0])}
    >>> g = CaseGraph(ids=np.array(list("abcd"), dtype=object), u=np.array([0, 1, 2]),
    ...               v=np.array([2, 2, 3]), weight=np.ones(3), strength={}, measures=ms)
    >>> suppliers_in(g, np.array([0, 1, 2, 3])).tolist()  # a and b pay c, c pays d
    [False, False, False, True]
    >>> [is_supplier(g, i, {0, 1, 2, 3}) for i in range(4)]
    [False, False, False, True]
    """
    return suppliers_of(g, [sorted_members])[0]


def suppliers_of(g: CaseGraph, groups: list[np.ndarray]) -> list[np.ndarray]:
    """:func:`suppliers_in` of each of ``groups`` (each ascending dense ids; they may
    overlap), all at once.

    >>> from workbench.graph.fused import CaseGraph
    >>> ms = {"n_uv_tx": np.array([1, 1, 1]), "n_vu_tx": np.array([0, 0, 0])}
    >>> g = CaseGraph(ids=np.array(list("abcd"), dtype=object), u=np.array([0, 1, 2]),
    ...               v=np.array([2, 2, 3]), weight=np.ones(3), strength={}, measures=ms)
    >>> [x.tolist() for x in suppliers_of(g, [np.array([0, 1, 2, 3]), np.array([1, 2, 3])])]
    [[False, False, False, True], [False, False, False]]
    """
    if not groups:
        return []
    nodes, grp = end_to_end(groups)
    found = supplier_flags(g, nodes, grp)
    return np.split(found, np.cumsum([len(x) for x in groups])[:-1])


def supplier_flags(g: CaseGraph, nodes: np.ndarray, grp: np.ndarray) -> np.ndarray:
    """:func:`suppliers_of` of groups given end to end: ``nodes`` and each one's group
    ``grp``, in ascending ``(group, node)`` order; a flag per node.

    >>> from workbench.graph.fused import CaseGraph
    >>> ms = {"n_uv_tx": np.array([1, 1, 1]), "n_vu_tx": np.array([0, 0, 0])}
    >>> g = CaseGraph(ids=np.array(list("abcd"), dtype=object), u=np.array([0, 1, 2]),
    ...               v=np.array([2, 2, 3]), weight=np.ones(3), strength={}, measures=ms)
    >>> supplier_flags(g, np.array([0, 1, 2, 3]), np.zeros(4, dtype=np.int64)).tolist()
    [False, False, False, True]
    """
    keys = grp * g.n + nodes
    pos, nbr, eid = g.star(nodes)
    inside = member_mask(keys, grp[pos] * g.n + nbr)
    pos, nbr, eid = pos[inside], nbr[inside], eid[inside]
    to_node, from_node = money_ways(g, eid, nodes[pos])
    into = np.bincount(pos[to_node], minlength=len(nodes))
    out = np.bincount(pos[from_node], minlength=len(nodes))
    boss = np.zeros(len(nodes), dtype=np.int64)  # the one payer, where there is one
    boss[pos[to_node]] = np.searchsorted(keys, grp[pos[to_node]] * g.n + nbr[to_node])
    return (into == 1) & (out == 0) & (into[boss] >= 2)


def money_ways(g: CaseGraph, eid: np.ndarray, ends: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """For links ``eid`` seen from one of their ends (``ends``, dense ids): whether money
    moves to that end on each, and whether from it (the transfer counts of each direction).

    >>> from workbench.graph.fused import CaseGraph
    >>> ms = {"n_uv_tx": np.array([2, 0]), "n_vu_tx": np.array([0, 1])}
    >>> g = CaseGraph(ids=np.array(list("abc"), dtype=object), u=np.array([0, 1]),
    ...               v=np.array([1, 2]), weight=np.ones(2), strength={}, measures=ms)
    >>> [x.tolist() for x in money_ways(g, np.array([0, 1]), np.array([1, 1]))]
    [[True, True], [False, False]]
    """
    ms = g.measures
    end_is_v = g.v[eid] == ends
    to_end = np.where(end_is_v, ms["n_uv_tx"][eid], ms["n_vu_tx"][eid]) > 0
    from_end = np.where(end_is_v, ms["n_vu_tx"][eid], ms["n_uv_tx"][eid]) > 0
    return to_end, from_end


def money_links(g: CaseGraph) -> CaseGraph:
    """The links money moves on, as a graph of the same nodes (with the two transfer
    counts): :func:`pays_into` and :func:`suppliers_in` read nothing else, and give the same
    answers on it while looking at far fewer links (a county's calls are most of them).

    >>> from workbench.graph.fused import CaseGraph
    >>> ms = {"n_uv_tx": np.array([1, 0, 0]), "n_vu_tx": np.array([0, 0, 2])}
    >>> g = CaseGraph(ids=np.array(list("abcd"), dtype=object), u=np.array([0, 1, 2]),
    ...               v=np.array([2, 2, 3]), weight=np.ones(3), strength={}, measures=ms)
    >>> money_links(g).u.tolist(), money_links(g).v.tolist()
    ([0, 2], [2, 3])
    """
    ms = g.measures
    moves = (ms["n_uv_tx"] > 0) | (ms["n_vu_tx"] > 0)
    return CaseGraph(ids=g.ids, u=g.u[moves], v=g.v[moves], weight=g.weight[moves],
                     strength={}, measures={k: ms[k][moves] for k in ("n_uv_tx", "n_vu_tx")})



def group_labels(n: int, groups: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Disjoint ``groups`` (arrays of dense ids, at least one group) as ``(nodes, group of
    each, label)``: their nodes end to end, each one's group index, and per node of a graph
    of ``n`` nodes the index of its group or -1.

    >>> nodes, of, label = group_labels(5, [np.array([3, 1]), np.array([0])])
    >>> nodes.tolist(), of.tolist(), label.tolist()
    ([3, 1, 0], [0, 0, 1], [1, 0, -1, 0, -1])
    """
    nodes, node_group = end_to_end(groups)
    label = np.full(n, -1, dtype=np.int64)
    label[nodes] = node_group
    return nodes, node_group, label


def end_to_end(groups) -> tuple[np.ndarray, np.ndarray]:
    """``groups`` (lists or arrays of dense ids; they may overlap) end to end: their nodes
    and each one's group index, both int64.

    >>> [a.tolist() for a in end_to_end([[3, 1], np.array([0]), []])]
    [[3, 1, 0], [0, 0, 1]]
    """
    sizes = [len(x) for x in groups]
    nodes = np.fromiter(itertools.chain.from_iterable(groups), dtype=np.int64,
                        count=sum(sizes))
    return nodes, np.repeat(np.arange(len(groups), dtype=np.int64), sizes)


def group_quantile(values: np.ndarray, group: np.ndarray, n_groups: int, q: float
                   ) -> np.ndarray:
    """Per group, the ``q`` quantile of its values (linear interpolation), the floats of
    :func:`~workbench.rings.scoring.reference_of` (``q=0.75``) and of
    :func:`~workbench.rings.arrays.median_of` (``q=0.5``) one group at a time; 0.0 for a
    group without values.

    >>> group_quantile(np.array([6.0, 1.0, 4.0, 2.0, 3.0]), np.array([0, 1, 0, 0, 1]), 3,
    ...                0.75).tolist()
    [5.0, 2.5, 0.0]
    """
    out = np.zeros(n_groups)
    if not len(values):
        return out
    order = np.lexsort((values, group))
    x, grp = values[order], group[order]
    count = np.bincount(grp, minlength=n_groups)
    present = np.nonzero(count)[0]
    first = np.concatenate([[0], np.cumsum(count)])[present]
    count = count[present]
    if q == 0.5:  # median_of: the middle value, or the two middle ones summed then halved
        mid = count // 2
        odd = x[first + mid]
        even = (x[first + np.maximum(mid - 1, 0)] + x[first + mid]) / 2.0
        out[present] = np.where(count % 2 == 1, odd, even)
        return out
    at = q * (count - 1)
    lo = at.astype(np.int64)
    t = at - lo
    a = x[first + lo]
    b = x[first + np.minimum(lo + 1, count - 1)]
    d = b - a
    out[present] = np.where(lo + 1 >= count, a, np.where(t >= 0.5, b - d * (1 - t), a + d * t))
    return out


def inside_links(g: CaseGraph, label: np.ndarray, edges: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """The links with both ends in one group (``label`` per node, -1 outside), ascending,
    and each one's group; ``edges``: ascending link ids holding them all (default: all)."""
    lu = label[g.u] if edges is None else label[g.u[edges]]
    lv = label[g.v] if edges is None else label[g.v[edges]]
    at = np.flatnonzero((lu == lv) & (lu >= 0))
    return (at if edges is None else edges[at]), lu[at]
