"""Rings seen from outside the search: the groups around known targets (one-sided
exports) and a known ring followed through time windows.

Both are pure functions of the fused graph, scored like the search's rings
(:func:`workbench.rings.scoring.score_group`).
"""

from __future__ import annotations

import dataclasses
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
    strong), are one group; a target who calls a found ring's target, or is tied that
    strongly to one of its members, joins that ring (scored again). A target left with
    fewer than ``min_size`` is listed in ``params["around_without_group"]``. A contact
    strongly tied to one target and weakly to another (two stray calls) stays in his own
    target's group. Every group is scored like a ring
    (:func:`score_group`).
    """
    params = params or RingParams()
    base = baseline(g)
    service = g.node.get("service", np.zeros(g.n, dtype=np.int64)) > 0
    # a service by its form is a number no person holds (a person id may look like one)
    unheld = g.node.get("number_only", np.ones(g.n, dtype=np.int64)) > 0
    # a target with no link in the graph (no call in the export or the window) has no
    # group: named in params, never an error
    absent = sorted({str(t) for t in targets if str(t) not in g})
    every = sorted({g.index(str(t)) for t in targets if str(t) in g})
    tset = set(every)
    mine = [r for r in found or () if {g.index(m) for m in r.members} & tset]
    # a found ring is one unit of the grouping: -1 - its index
    owner = {g.index(m): -1 - k for k, r in enumerate(mine) for m in r.members}
    idx = [t for t in every if t not in owner]
    ties: dict[int, dict[int, float]] = {}
    for t in every:
        nbr, eid = g.neighbours(t)
        for j, e in zip(nbr.tolist(), eid.tolist(), strict=True):
            # a service, flagged or by its form (a one-sided export shows a carrier's
            # 10086 called by two targets only: too few to flag, no tie between them)
            if (j in tset or service[j] or str(g.ids[j]).startswith("acct:")
                    or (unheld[j] and is_service_code(str(g.ids[j])))):
                continue
            ties.setdefault(j, {})[t] = float(g.weight[e])
    # how strong a tie must be is measured on every target's ties (the found rings'
    # targets included); the rule below groups the targets in no found ring
    all_ties = [w for d in ties.values() for w in d.values()]
    needed = params.trim * reference_of(all_ties)
    left = set(idx)
    sets = UnionFind([*idx, *range(-len(mine), 0)])
    attach: dict[int, dict[int, float]] = {}  # a target's ties to the found rings' members
    for t in idx:  # targets who call each other are one group
        nbr, eid = g.neighbours(t)
        for j, e in zip(nbr.tolist(), eid.tolist(), strict=True):
            if j in left:
                sets.union(t, j)
            elif j in owner and float(g.weight[e]) >= needed:
                unit = attach.setdefault(t, {})
                unit[owner[j]] = max(unit.get(owner[j], 0.0), float(g.weight[e]))
    chosen: dict[int, float] = {}
    home: dict[int, int] = {}  # the target whose group a contact joins
    for j, by_target in ties.items():
        by_target = {t: w for t, w in by_target.items() if t in left}
        if not by_target or j in owner:
            continue
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
    # a group of targets tied to a found ring's member (its target included) as strongly
    # as the targets' stronger contacts joins that ring: the one it is tied to most, never
    # two (the search kept them apart), and only while the ring has room for its targets
    best: dict[int, tuple[float, int]] = {}
    for t, units in attach.items():
        root = sets.find(t)
        for unit, w in units.items():
            if w > best.get(root, (0.0, 0))[0]:
                best[root] = (w, unit)
    size = {-1 - k: len(r.members) for k, r in enumerate(mine)}
    for root, (_, unit) in sorted(best.items(), key=lambda kv: -kv[1][0]):
        n = sum(1 for t in idx if sets.find(t) == root)
        if size[unit] + n <= params.max_size:
            size[unit] += n
            sets.union(root, unit)
    rings = []
    for root, items in sets.groups().items():
        units = [mine[-1 - x] for x in items if x < 0]
        tgt = [x for x in items if x >= 0]
        near = sorted((j for j in chosen if sets.find(home[j]) == root),
                      key=lambda j: (-chosen[j], j))
        if len(units) == 1 and not tgt and not near:  # a found ring as the search made it
            ring = units[0]
            rings.append(dataclasses.replace(ring, roles={
                **ring.roles, **{m: "target" for m in ring.members
                                 if g.index(m) in tset and ring.roles.get(m) != "organizer"}}))
            continue
        core = sorted({g.index(m) for r in units for m in r.members} | set(tgt))
        members = sorted(core + near[:max(0, params.max_size - len(core))])
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
                          evidence=evidence, roles=roles))
    rings.sort(key=rank_key)
    number_rings(rings, prefix="A")
    grouped = {m for r in rings for m in r.members}
    as_found = {tuple(sorted(x.members)) for x in mine}  # the found rings returned unchanged
    kept = {m for r in rings if tuple(sorted(r.members)) in as_found for m in r.members}
    return RingResult(rings=rings, params={
        "ring": params.as_dict(), "around": sorted({str(t) for t in targets}),
        "around_from_search": sorted(str(g.ids[t]) for t in every if str(g.ids[t]) in kept),
        "around_without_group": sorted(str(g.ids[t]) for t in every
                                       if str(g.ids[t]) not in grouped),
        "around_not_in_graph": absent,
        "tie_reference": round(needed, 4), "baseline": asdict(base)})
