"""Rings seen from outside the search: the groups around known targets (one-sided
exports) and a known ring followed through time windows.

Both are pure functions of the fused graph, scored like the search's rings
(:func:`workbench.rings.scoring.score_group`).
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import asdict

import numpy as np

from ..contract import is_service_code
from ..graph import CaseGraph
from .family import UnionFind, family_of
from .ids import number_rings
from .scoring import baseline, organizer, rank_key, reference_of, score_group
from .search import Ring, RingParams, RingResult

__all__ = ["rings_around", "track_ring"]


def track_ring(g: CaseGraph, members: list[str], min_size: int = 3) -> dict | None:
    """A known ring seen in another graph (a time window): its active members (those with a
    link to another member there), organizer, score, and ``parts``: the connected pieces of
    at least ``min_size`` members (two or more when the ring works as separate cells there);
    None when fewer than ``min_size`` are active."""
    idx = []
    for m in members:
        try:
            idx.append(g.index(m))
        except KeyError:
            continue
    inside = set(idx)
    active = sorted(i for i in idx if any(j in inside for j in g.neighbours(i)[0].tolist()))
    if len(active) < min_size:
        return None
    arr = np.array(active, dtype=np.int64)
    score, comp, evidence, edges = score_group(g, arr)
    sets = UnionFind(active)
    for e in edges.tolist():
        sets.union(int(g.u[e]), int(g.v[e]))
    groups = sets.groups()
    parts = sorted((sorted(str(g.ids[i]) for i in grp) for grp in groups.values()
                    if len(grp) >= min_size), key=lambda p: p[0])
    return {"members": sorted(str(g.ids[i]) for i in active),
            "leader": str(g.ids[organizer(g, arr)]), "score": round(score, 4),
            "evidence": evidence, "parts": parts}


def rings_around(g: CaseGraph, targets: list[str], params: RingParams | None = None,
                 found: list[Ring] | None = None) -> RingResult:
    """The groups around known targets, for one-sided exports (a court order gives the
    calls of the target numbers only, so their contacts barely touch each other).

    ``found``: the rings the search found on the same graph. A target in one of them has
    that ring as its group: the search's own trimming and growth decide who belongs (a
    member target calls his ring five or eight times, an outsider four: their weights and
    the group's score tell them apart, a count against a threshold does not). The rule
    below makes groups for the targets in no found ring.

    Each target's contacts join its group when they are tied to two or more targets, or to
    one as strongly as the target's stronger contacts (at least ``trim`` x the 75th
    percentile of the targets' ties); groups of targets that call each other, or share a
    contact tied that strongly to each (or share only contacts none of whose ties is that
    strong), are one group. A contact strongly tied to one target and weakly to another
    (two stray calls) stays in his own target's group. Every group is scored like a ring
    (:func:`score_group`).
    """
    params = params or RingParams()
    base = baseline(g)
    service = g.node.get("service", np.zeros(g.n, dtype=np.int64)) > 0
    every = sorted({g.index(t) for t in targets})
    mine = [r for r in found or () if {g.index(m) for m in r.members} & set(every)]
    taken = {g.index(m) for r in mine for m in r.members}
    idx = [t for t in every if t not in taken]
    tset = set(every)
    ties: dict[int, dict[int, float]] = {}
    for t in every:
        nbr, eid = g.neighbours(t)
        for j, e in zip(nbr.tolist(), eid.tolist(), strict=True):
            # a service, flagged or by its form (a one-sided export shows a carrier's
            # 10086 called by two targets only: too few to flag, no tie between them)
            if (j in tset or service[j] or str(g.ids[j]).startswith("acct:")
                    or is_service_code(str(g.ids[j]))):
                continue
            ties.setdefault(j, {})[t] = float(g.weight[e])
    # how strong a tie must be is measured on every target's ties (the found rings'
    # targets included); the groups are made for the targets in no found ring, of the
    # contacts in none
    all_ties = [w for d in ties.values() for w in d.values()]
    needed = params.trim * reference_of(all_ties)
    left = set(idx)
    ties = {j: {t: w for t, w in d.items() if t in left} for j, d in ties.items()
            if j not in taken}
    ties = {j: d for j, d in ties.items() if d}
    sets = UnionFind(idx)

    chosen: dict[int, float] = {}
    home: dict[int, int] = {}  # the target whose group a contact joins
    for j, by_target in ties.items():
        if len(by_target) >= 2 or max(by_target.values()) >= needed:
            chosen[j] = sum(by_target.values())
            # a contact joins the groups of the targets he is tied to as strongly as their
            # stronger contacts; one who called another target a couple of times stays with
            # his own (two rings are not one for one stray call)
            strong = sorted(t for t, w in by_target.items() if w >= needed)
            home[j] = strong[0] if strong else min(by_target)
            joined = strong if strong else list(by_target)
            for t in joined:
                sets.union(t, home[j])
    for t in idx:  # targets who call each other are one group
        nbr, _ = g.neighbours(t)
        for j in nbr.tolist():
            if j in sets.parent:
                sets.union(j, t)
    rings = [dataclasses.replace(r, roles={**r.roles, **{m: "target" for m in r.members
                                                          if g.index(m) in tset
                                                          and r.roles.get(m) != "organizer"}})
             for r in mine]
    for root, tgt in sets.groups().items():
        near = sorted((j for j in chosen if sets.find(home[j]) == root),
                      key=lambda j: (-chosen[j], j))
        members = sorted(tgt + near[:max(0, params.max_size - len(tgt))])
        if len(members) < params.min_size:
            continue
        arr = np.array(members, dtype=np.int64)
        score, comp, evidence, edges = score_group(g, arr, base)
        ids = sorted(str(g.ids[i]) for i in members)
        leader = str(g.ids[organizer(g, arr)])
        roles = {m: ("target" if g.index(m) in tset else "member") for m in ids}
        roles[leader] = "organizer"
        rings.append(Ring(id="", members=ids, leader=leader, score=score, components=comp,
                          family=family_of(g, arr, edges, g.index(leader)),
                          evidence=evidence, roles=roles,
                          key=hashlib.sha1(",".join(ids).encode()).hexdigest()[:10]))
    rings.sort(key=rank_key)
    number_rings(rings, prefix="A")
    return RingResult(rings=rings, params={
        "ring": params.as_dict(), "around": sorted(str(t) for t in targets),
        "around_from_search": sorted(str(g.ids[t]) for t in every if t in taken),
        "tie_reference": round(needed, 4), "baseline": asdict(base)})
