"""Who links rings: brokers outside them and organizers who head several cells.

Pure functions of the fused graph and the rings found (:class:`~workbench.rings.search.Ring`,
read through ``members``, ``leader``, ``id`` and ``brokers``), on the one tie rule of
:func:`~workbench.rings.scoring.reference`.
"""

from __future__ import annotations

import numpy as np

from ..graph import CaseGraph
from .scoring import is_supplier, reference, ties

__all__ = ["brokers_of", "reach_of"]


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
