"""Who links rings: brokers outside them, members who broker between two rings (taken out
of theirs), and organizers who head several cells.

Pure functions of the fused graph and the rings found (:class:`~workbench.rings.search.Ring`,
read through ``members``, ``leader``, ``id`` and ``brokers``), on the one tie rule of
:func:`~workbench.rings.scoring.reference`.
"""

from __future__ import annotations

import hashlib

import numpy as np

from ..graph import CaseGraph
from .family import family_of
from .scoring import Baseline, holds, is_supplier, reference, reference_of, score_group, ties

__all__ = ["brokers_of", "reach_of", "separate_brokers"]


def brokers_of(g: CaseGraph, rings: list, trim: float) -> dict[str, list[str]]:
    """Persons outside rings tied to two or more rings as strongly as their own members, or
    paid by their organizers as suppliers."""
    if not rings:
        return {}
    groups = [(r.id, {g.index(m) for m in r.members}) for r in rings]
    refs = {rid: reference(g, group, trim) for rid, group in groups}
    label = _labels(g, [group for _rid, group in groups])  # rings are disjoint
    members = np.nonzero(label >= 0)[0]
    around = np.unique(g.star(members)[1])
    around = around[label[around] < 0]
    if "known_person" in g.node:
        around = around[g.node["known_person"][around] > 0]
    # the nodes next to two rings or more (ascending), all at once
    pos, nbr, eid = g.star(around)
    lab = label[nbr]
    at = lab >= 0
    pos, lab, w = pos[at], lab[at], g.weight[eid[at]]
    pairs = np.unique(pos * len(rings) + lab)
    near_count = np.bincount(pairs // len(rings), minlength=len(around))
    out: dict[str, list[str]] = {}
    by_id = {r.id: r for r in rings}
    group_of = dict(groups)
    # only a node with a transfer can be a supplier (skips the test for everyone else)
    none = np.zeros(g.m, dtype=np.int64)
    paying = (g.measures.get("n_uv_tx", none) > 0) | (g.measures.get("n_vu_tx", none) > 0)
    has_money = np.zeros(g.n, dtype=bool)
    has_money[g.u[paying]] = True
    has_money[g.v[paying]] = True
    starts = np.searchsorted(pos, np.arange(len(around) + 1))
    for p in np.nonzero(near_count >= 2)[0].tolist():
        j = int(around[p])
        at = slice(starts[p], starts[p + 1])
        # each ring's tie: the links summed one by one in adjacency order, as ties() does
        tie = np.bincount(lab[at], weights=w[at], minlength=len(rings)).tolist()
        near = np.unique(lab[at]).tolist()
        tied = sorted(rings[k].id for k in near if tie[k] >= refs[rings[k].id]
                      or (has_money[j] and is_supplier(g, j, group_of[rings[k].id] | {j})))
        if len(tied) >= 2:
            pid = str(g.ids[j])
            out[pid] = tied
            for rid in tied:
                by_id[rid].brokers.append(pid)
    for r in rings:
        r.brokers.sort()
    return out


def reach_of(g: CaseGraph, rings: list, trim: float) -> dict[str, list[str]]:
    """Organizers tied to other rings as strongly as those rings' own members (the head
    of several cells): organizer -> the other rings, for the key-player ranking."""
    groups = {r.id: {g.index(m) for m in r.members} for r in rings}
    refs = {rid: reference(g, group, trim) for rid, group in groups.items()}
    ring_at = {i: rid for rid, group in groups.items() for i in group}
    out: dict[str, list[str]] = {}
    for r in rings:
        i = g.index(r.leader)
        near = {ring_at[j] for j in g.neighbours(i)[0].tolist() if j in ring_at} - {r.id}
        tied = sorted(rid for rid in near if ties(g, i, groups[rid]) >= refs[rid])
        if tied:
            out[r.leader] = tied
    return out


def separate_brokers(g: CaseGraph, rings: list, trim: float, min_size: int, min_score: float,
                     base: Baseline) -> None:
    """A member tied to another ring as strongly as that ring's own members is a broker:
    take him out of his ring (unless he organizes it) so that he links the two instead.

    ``rings``: :class:`~workbench.rings.search.Ring` (members, leader, key, score and
    evidence are read; the members, roles, score, family and key of a ring that loses one
    are updated); only rings that hold their members (:func:`~.scoring.holds` at
    ``min_score``) take members away, and a ring keeps at least ``min_size``."""
    index = {r.key: np.array(sorted(g.index(m) for m in r.members)) for r in rings}
    tie_of = _ties_to_rings(g, [index[r.key] for r in rings])  # as at the start
    # each ring's reference (:func:`~.scoring.reference`) from its members' ties to it
    refs = {r.key: trim * reference_of([tie_of[i].get(k, 0.0) for i in index[r.key].tolist()])
            for k, r in enumerate(rings)}
    changed = set()
    # only rings with evidence take members away as brokers (see find_rings)
    holding = [holds(r.score, r.components, r.evidence, min_score) for r in rings]
    hubs = _hubs(g, [index[r.key] for r in rings])
    for k, r in enumerate(rings):
        hub = hubs[k] if len(r.members) > min_size else None
        for m in list(r.members):
            if m in (r.leader, hub) or len(r.members) <= min_size:
                continue
            tie = tie_of[g.index(m)]
            home = tie.get(k, 0.0)
            # a broker is tied to the other ring comparably: at least trim x his tie here
            for j in sorted((x for x in tie if x != k and holding[x]),
                            key=lambda x: rings[x].key):
                if tie[j] >= max(refs[rings[j].key], trim * home):
                    r.members.remove(m)
                    r.roles.pop(m, None)
                    changed.add(r.key)
                    break
    for r in rings:
        if r.key in changed:  # a member left with no tie inside goes too
            inside = {g.index(m) for m in r.members}
            r.members = [m for m in r.members
                         if any(j in inside for j in g.neighbours(g.index(m))[0].tolist())]
            if r.leader not in r.members:
                r.members.append(r.leader)
                r.members.sort()
            r.roles = {m: role for m, role in r.roles.items() if m in r.members}
            arr = np.array(sorted(g.index(m) for m in r.members), dtype=np.int64)
            r.score, r.components, r.evidence, edges = score_group(g, arr, base)
            r.family = family_of(g, arr, edges, g.index(r.leader))
            r.key = hashlib.sha1(",".join(r.members).encode()).hexdigest()[:10]


def _hubs(g: CaseGraph, groups: list[np.ndarray]) -> list[str | None]:
    """Per group (disjoint, dense ids): the member who is the strongest tie inside the group
    of most of the others (a cell's lieutenant, whom his sellers call more than anyone else
    in it), or None: he holds the group together and is not cut from it as a broker. Each
    member votes for his strongest tie inside (the first in adjacency order among equals);
    the most votes win (among equals the lowest id), if more than half of the others'.

    Examples
    --------
    >>> from workbench.graph.fused import CaseGraph
    >>> g = CaseGraph(ids=np.array(["L", "S1", "S2", "B"], dtype=object),
    ...               u=np.array([0, 0, 1, 1, 2]), v=np.array([1, 2, 2, 3, 3]),
    ...               weight=np.array([2.8, 2.7, 2.0, 1.1, 1.1]), strength={}, measures={})
    >>> _hubs(g, [np.array([0, 1, 2, 3])])  # both sellers' strongest tie: their lieutenant
    ['L']
    """
    if not groups:
        return []
    nodes = np.concatenate(groups).astype(np.int64)
    label = _labels(g, groups)
    pos, nbr, eid = g.star(nodes)
    inside = label[nbr] == label[nodes[pos]]
    pos, nbr, w = pos[inside], nbr[inside], g.weight[eid[inside]]
    out: list[str | None] = [None] * len(groups)
    if not len(pos):
        return out
    order = np.lexsort((np.arange(len(w)), -w, pos))
    first = order[np.r_[True, pos[order][1:] != pos[order][:-1]]]
    voter_group, voted = label[nodes[pos[first]]], nbr[first]
    key = voter_group * g.n + voted
    pairs, votes = np.unique(key, return_counts=True)
    grp, who = pairs // g.n, pairs % g.n
    top = np.lexsort((who, -votes, grp))  # per group: most votes, then the lowest id
    top = top[np.r_[True, grp[top][1:] != grp[top][:-1]]]
    for k, node, count in zip(grp[top].tolist(), who[top].tolist(), votes[top].tolist(),
                              strict=True):
        if 2 * count > len(groups[k]) - 1:
            out[k] = str(g.ids[node])
    return out


def _labels(g: CaseGraph, groups) -> np.ndarray:
    """Per node, the index of the group (of disjoint ``groups`` of dense ids) it is in, or
    -1."""
    label = np.full(g.n, -1, dtype=np.int64)
    for k, group in enumerate(groups):
        label[np.fromiter(group, dtype=np.int64, count=len(group))] = k
    return label


def _ties_to_rings(g: CaseGraph, rings: list[np.ndarray]) -> dict[int, dict[int, float]]:
    """Each member of the disjoint ``rings`` (dense ids): his tie to every ring he has a link
    into (:func:`~workbench.rings.scoring.ties`: the links summed one by one in adjacency
    order), ``{member: {ring index: tie}}``, for all at once."""
    label = _labels(g, rings)
    members = np.concatenate(rings).astype(np.int64) if rings else np.zeros(0, np.int64)
    pos, nbr, eid = g.star(members)
    lab = label[nbr]
    at = lab >= 0
    # one sum per (member, ring): bincount adds each pair's links in the order they come
    pairs, which = np.unique(pos[at] * max(len(rings), 1) + lab[at], return_inverse=True)
    tie = np.bincount(which, weights=g.weight[eid[at]], minlength=len(pairs)).tolist()
    out: dict[int, dict[int, float]] = {i: {} for i in members.tolist()}
    ids = members.tolist()
    for (p, ring), t in zip(zip((pairs // max(len(rings), 1)).tolist(),
                                (pairs % max(len(rings), 1)).tolist(), strict=True), tie,
                            strict=True):
        out[ids[p]][ring] = t
    return out
