"""Who links rings: brokers outside them, members who broker between two rings (taken out
of theirs), and organizers who head several cells.

Pure functions of the fused graph and the rings found (:class:`~workbench.rings.search.Ring`,
read through ``members``, ``leader``, ``id`` and ``brokers``), on the one tie rule of
:func:`~workbench.rings.scoring.reference`.
"""

from __future__ import annotations

import hashlib

import numpy as np

from ..graph import CaseGraph, member_mask
from .family import family_of
from .scoring import Baseline, holds, is_supplier, reference, score_group, ties

__all__ = ["brokers_of", "reach_of", "separate_brokers"]


def brokers_of(g: CaseGraph, rings: list, trim: float) -> dict[str, list[str]]:
    """Persons outside rings tied to two or more rings as strongly as their own members, or
    paid by their organizers as suppliers."""
    if not rings:
        return {}
    ring_of = {g.index(m): r.id for r in rings for m in r.members}
    groups = [(r.id, {g.index(m) for m in r.members}) for r in rings]
    refs = {rid: reference(g, group, trim) for rid, group in groups}
    around: set[int] = set()
    for i in ring_of:
        nbr, _ = g.neighbours(i)
        around.update(j for j in nbr.tolist() if j not in ring_of)
    out: dict[str, list[str]] = {}
    by_id = {r.id: r for r in rings}
    group_of = dict(groups)
    # only a node with a transfer can be a supplier (skips the test for everyone else)
    none = np.zeros(g.m, dtype=np.int64)
    paying = (g.measures.get("n_uv_tx", none) > 0) | (g.measures.get("n_vu_tx", none) > 0)
    has_money = np.zeros(g.n, dtype=bool)
    has_money[g.u[paying]] = True
    has_money[g.v[paying]] = True
    for j in sorted(around):
        if "known_person" in g.node and not g.node["known_person"][j]:
            continue
        nbr, _ = g.neighbours(j)
        near = {ring_of[x] for x in nbr.tolist() if x in ring_of}
        if len(near) < 2:
            continue
        tied = sorted(rid for rid in near if ties(g, j, group_of[rid]) >= refs[rid]
                      or (has_money[j] and is_supplier(g, j, group_of[rid] | {j})))
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
    inside_of = {key: set(arr.tolist()) for key, arr in index.items()}  # as at the start
    refs = {}
    for r in rings:
        refs[r.key] = reference(g, index[r.key].tolist(), trim)
    changed = set()
    # only rings with evidence take members away as brokers (see find_rings)
    ring_at = {i: r for r in rings if holds(r.score, r.components, r.evidence,
                                            min_score)
               for i in index[r.key].tolist()}
    for r in rings:
        hub = _hub(g, index[r.key]) if len(r.members) > min_size else None
        for m in list(r.members):
            if m in (r.leader, hub) or len(r.members) <= min_size:
                continue
            i = g.index(m)
            nbr, eid = g.neighbours(i)
            near = {id(x): x for x in (ring_at.get(j) for j in nbr.tolist()) if x is not None}
            # a broker is tied to the other ring comparably: at least trim x his tie here
            home = ties(g, i, inside_of[r.key])
            nbr_list, weights = nbr.tolist(), g.weight[eid].tolist()
            for other in sorted(near.values(), key=lambda x: x.key):
                if other is r:
                    continue
                inside = inside_of[other.key]
                tie = sum(w for j, w in zip(nbr_list, weights, strict=True) if j in inside)
                if tie >= max(refs[other.key], trim * home):
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


def _hub(g: CaseGraph, members: np.ndarray) -> str | None:
    """The member who is the strongest tie inside the group of most of the others (a cell's
    lieutenant, whom his sellers call more than anyone else in it), or None: he holds the
    group together and is not cut from it as a broker.

    Examples
    --------
    >>> from workbench.graph.fused import CaseGraph
    >>> g = CaseGraph(ids=np.array(["L", "S1", "S2", "B"], dtype=object),
    ...               u=np.array([0, 0, 1, 1, 2]), v=np.array([1, 2, 2, 3, 3]),
    ...               weight=np.array([2.8, 2.7, 2.0, 1.1, 1.1]), strength={}, measures={})
    >>> _hub(g, np.array([0, 1, 2, 3]))  # both sellers' strongest tie: their lieutenant
    'L'
    """
    members = np.asarray(members, dtype=np.int64)
    pos, nbr, eid = g.star(members)
    inside = member_mask(np.sort(members), nbr)
    pos, nbr, w = pos[inside], nbr[inside], g.weight[eid[inside]]
    votes: dict[int, int] = {}
    for p in range(len(members)):
        at = pos == p
        if at.any():
            best = int(nbr[at][np.argmax(w[at])])
            votes[best] = votes.get(best, 0) + 1
    top = max(votes.items(), key=lambda kv: (kv[1], -kv[0]), default=None)
    return str(g.ids[top[0]]) if top and 2 * top[1] > len(members) - 1 else None
