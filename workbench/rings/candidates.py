"""Candidate rings of one Leiden partition, all at once: trim every community, score them.

:func:`workbench.rings.search.find_rings` hands each partition here. Every community of
``min_size`` to ``max_candidate`` nodes holding two or more evidence links is a candidate;
its weakly attached members (a buyer who called a seller a few times, a household member)
are trimmed one at a time (:func:`trim_groups`, the rule of
:func:`~workbench.rings.scoring.reference`), and what remains is scored
(:func:`~workbench.rings.scoring.group_sums`, :func:`~workbench.rings.scoring.score_sums`).
Communities of one partition are disjoint, so every step is an array operation over all of
them at once rather than a Python loop per community.

Examples
--------
>>> import numpy as np
>>> from workbench.graph.fused import CaseGraph
>>> g = CaseGraph(ids=np.array(list("abcd"), dtype=object), u=np.array([0, 0, 1, 2]),
...               v=np.array([1, 2, 2, 3]), weight=np.array([3.0, 3.0, 3.0, 0.2]),
...               strength={}, measures={})
>>> trim_groups(g, [np.array([0, 1, 2, 3])], trim=0.35, min_size=3)
[[0, 1, 2]]
"""

from __future__ import annotations

import numpy as np

from ..graph import CaseGraph
from .arrays import group_labels, inside_links
from .batch import score_batch
from .scoring import Baseline, group_sums

__all__ = ["trim_groups", "candidates_of", "organizers"]


def trim_groups(g: CaseGraph, groups: list[np.ndarray], trim: float, min_size: int
                ) -> list[list[int]]:
    """Trim disjoint groups (ascending dense ids each): while a group is larger than
    ``min_size``, its weakest member (least fused tie to the others; ties: the lower id)
    leaves when that tie is below ``trim`` x the 75th percentile of the members' ties."""
    if not groups:
        return []
    nodes, node_group, label = group_labels(g.n, groups)
    alive = _trim(g, nodes, node_group, label, len(groups), trim, min_size)
    kept = nodes[alive].tolist()
    bounds = np.cumsum(np.bincount(node_group[alive], minlength=len(groups))).tolist()
    return [kept[a:b] for a, b in zip([0, *bounds[:-1]], bounds, strict=True)]


def _trim(g: CaseGraph, nodes: np.ndarray, node_group: np.ndarray, label: np.ndarray,
          n_groups: int, trim: float, min_size: int, edges: np.ndarray | None = None
          ) -> np.ndarray:
    """:func:`trim_groups` on groups given end to end (``nodes``, each one's group, and the
    ``label`` of every node of ``g``, -1 outside): whether each of ``nodes`` stays.
    ``edges``: ascending link ids holding every link inside a group (default: all links).

    Links and nodes that cannot matter any more (a dead end, a group done) are dropped as
    the rounds go; the rest keep their order, so every tie adds up as before."""
    eu, ev, ew = (g.u, g.v, g.weight) if edges is None else (g.u[edges], g.v[edges],
                                                             g.weight[edges])
    lu = label[eu]
    inner = (lu == label[ev]) & (lu >= 0)
    k = len(nodes)
    at = np.empty(g.n, dtype=np.int64)  # a node's position in ``nodes``
    at[nodes] = np.arange(k)
    pu, pv, w = at[eu[inner]], at[ev[inner]], ew[inner]
    # each node's ties in adjacency order (its links as the lower end, then as the higher)
    ends, other, w = np.concatenate([pu, pv]), np.concatenate([pv, pu]), np.concatenate([w, w])
    sizes = np.bincount(node_group, minlength=n_groups)
    alive = np.ones(k, dtype=bool)
    active = sizes > min_size
    left = np.nonzero(active[node_group])[0]  # positions alive in a group still trimmed
    while len(left):
        live = alive[ends] & alive[other] & active[node_group[ends]]
        ends, other, w = ends[live], other[live], w[live]
        attach = np.bincount(ends, weights=w, minlength=k)
        grp = node_group[left]
        order = np.lexsort((nodes[left], attach[left], grp))  # per group: weakest first
        at_, grp, tie = left[order], grp[order], attach[left[order]]
        first = np.flatnonzero(np.concatenate([[True], grp[1:] != grp[:-1]]))
        count = np.diff(np.append(first, len(grp)))
        # the 75th percentile of each group's ties, interpolated as numpy.percentile does
        pos = 0.75 * (count - 1)
        lo = pos.astype(np.int64)
        t = pos - lo
        a = tie[first + lo]
        b = tie[first + np.minimum(lo + 1, count - 1)]
        d = b - a
        q75 = np.where(t >= 0.5, b - d * (1 - t), a + d * t)
        leave = tie[first] < trim * q75
        alive[at_[first[leave]]] = False
        sizes[grp[first]] -= leave
        active[grp[first]] = leave & (sizes[grp[first]] > min_size)
        left = left[alive[left] & active[node_group[left]]]
    return alive


def candidates_of(g: CaseGraph, membership: np.ndarray, signal: np.ndarray,
                  person: np.ndarray, base: Baseline, *, min_size: int, max_size: int,
                  max_candidate: int, trim: float, known=()) -> dict[tuple[int, ...], tuple]:
    """The scored candidates of one partition: ``{members: (score, components, evidence)}``.

    ``signal`` flags the evidence links (a community needs two inside it), ``person`` the
    nodes that can be members (persons and numbers standing for themselves); candidates in
    ``known`` (found in an earlier partition, which keeps its own) are not scored again.
    """
    m = membership
    counts = np.bincount(m)
    mu = m[g.u]
    same = np.flatnonzero(mu == m[g.v])  # the links inside a community, ascending
    signals = np.bincount(mu[same[signal[same]]], minlength=len(counts))
    eligible = (counts >= min_size) & (counts <= max_candidate) & (signals >= 2)
    # the persons of the eligible communities end to end, community by community (each
    # ascending), and each one's group: its community's rank among the eligible ones
    order = np.argsort(m, kind="stable")
    nodes = order[eligible[m[order]] & person[order]]
    if not len(nodes):
        return {}
    rank = np.cumsum(eligible) - 1
    node_group = rank[m[nodes]]
    n_groups = int(rank[-1]) + 1
    label = np.full(g.n, -1, dtype=np.int64)
    label[nodes] = node_group
    inner = same[label[g.u[same]] >= 0]  # every link inside a group is one of these
    alive = _trim(g, nodes, node_group, label, n_groups, trim, min_size, inner)
    sizes = np.bincount(node_group[alive], minlength=n_groups)
    fits = (sizes >= min_size) & (sizes <= max_size)
    if not fits.any():  # every group trimmed below min_size or left above max_size
        return {}
    keep = alive & fits[node_group]
    nodes, node_group = nodes[keep], node_group[keep]
    flat = nodes.tolist()
    bounds = np.cumsum(sizes[fits]).tolist()
    keys = [tuple(flat[a:b]) for a, b in zip([0, *bounds[:-1]], bounds, strict=True)]
    new = np.array([key not in known for key in keys], dtype=bool)
    if not new.any():
        return {}
    # the new groups, numbered again in order, and the links inside them
    renumber = np.full(n_groups, -1, dtype=np.int64)
    renumber[np.flatnonzero(fits)[new]] = np.arange(int(new.sum()))
    node_group = renumber[node_group]
    nodes, node_group = nodes[node_group >= 0], node_group[node_group >= 0]
    label[label >= 0] = -1
    label[nodes] = node_group
    edges, edge_group = inside_links(g, label, inner)
    cols = group_sums(g, nodes, node_group, edges, edge_group, int(new.sum()))
    # a candidate's evidence is not read (its score and components choose the cores): all
    # scored at once, the floats of score_sums one by one
    return {key: (score, comp, None) for key, (score, comp) in zip(
        (key for key, y in zip(keys, new.tolist(), strict=True) if y),
        score_batch(cols, base), strict=True)}


def organizers(g: CaseGraph, groups: list[np.ndarray]) -> list[int]:
    """:func:`~workbench.rings.scoring.organizer` of each of ``groups`` (disjoint, dense
    ids), all at once: the same members' counts, summed link by link in the same order.

    >>> from workbench.graph.fused import CaseGraph
    >>> from workbench.rings.scoring import organizer
    >>> ms = {"n_calls": np.array([5, 1, 0, 2, 2]), "n_uv_tx": np.array([0, 0, 1, 0, 0]),
    ...       "n_vu_tx": np.array([1, 0, 0, 0, 0])}
    >>> g = CaseGraph(ids=np.array(list("abcdef"), dtype=object), u=np.array([0, 0, 1, 3, 3]),
    ...               v=np.array([1, 2, 2, 4, 5]), weight=np.ones(5), strength={}, measures=ms)
    >>> groups = [np.array([0, 1, 2]), np.array([3, 4, 5])]
    >>> organizers(g, groups), [organizer(g, x) for x in groups]
    ([0, 3], [0, 3])
    """
    if not groups:
        return []
    nodes, _group, label = group_labels(g.n, groups)
    pos, nbr, eid = g.star(nodes)
    inside = label[nbr] == label[nodes[pos]]
    pos, eid = pos[inside], eid[inside]
    ms = g.measures
    is_v = g.v[eid] == nodes[pos]
    into = np.where(is_v, ms["n_uv_tx"][eid], ms["n_vu_tx"][eid]) > 0
    k = len(nodes)
    payers_in = np.bincount(pos, weights=into.astype(np.float64), minlength=k).tolist()
    partners = np.bincount(pos, weights=(ms["n_calls"][eid] > 0).astype(np.float64),
                           minlength=k).tolist()
    volume = np.bincount(pos, weights=ms["n_calls"][eid].astype(np.float64),
                         minlength=k).tolist()
    ids = nodes.tolist()
    keys = [(2 * int(payers_in[p]) + int(partners[p]), float(volume[p]), -ids[p])
            for p in range(k)]
    out, start = [], 0
    for grp in groups:
        end = start + len(grp)
        out.append(ids[max(range(start, end), key=keys.__getitem__)])
        start = end
    return out

