"""Who links rings: brokers outside them, members who broker between two rings (taken out
of theirs), and organizers who head several cells.

Pure functions of the fused graph and the rings found (:class:`~workbench.rings.search.Ring`,
read through ``members``, ``leader``, ``id`` and ``brokers``), on the one tie rule of
:func:`~workbench.rings.scoring.reference`.
"""

from __future__ import annotations

import hashlib
import itertools

import numpy as np

from ..graph import CaseGraph
from .arrays import group_labels, group_quantile, money_links, money_ways
from .family import family_of
from .scoring import Baseline, holds, score_group

__all__ = ["brokers_of", "reach_of", "separate_brokers", "ring_ties"]


def brokers_of(g: CaseGraph, rings: list, trim: float, money: CaseGraph | None = None
               ) -> dict[str, list[str]]:
    """Persons outside rings tied to two or more rings as strongly as their own members, or
    paid by their organizers as suppliers (:func:`~.scoring.is_supplier`, read on
    ``money``, the links money moves on: :func:`~.arrays.money_links`, made here if not
    given)."""
    if not rings:
        return {}
    frame = _Frame(g, rings, trim)
    label = frame.label
    around = np.unique(g.star(frame.nodes)[1])
    around = around[label[around] < 0]
    if "known_person" in g.node:
        around = around[g.node["known_person"][around] > 0]
    # the nodes next to two rings or more (ascending), all at once
    p, ring, tie = ring_ties(g, around, label, len(rings))
    near_count = np.bincount(p, minlength=len(around))
    at = near_count[p] >= 2
    p, ring, tie = p[at], ring[at], tie[at]
    # each ring's tie: the links summed one by one in adjacency order, as ties() does
    tied = tie >= frame.refs[ring]
    # only a node with a transfer can be a supplier (skips the test for everyone else)
    none = np.zeros(g.m, dtype=np.int64)
    paying = (g.measures.get("n_uv_tx", none) > 0) | (g.measures.get("n_vu_tx", none) > 0)
    has_money = np.zeros(g.n, dtype=bool)
    has_money[g.u[paying]] = True
    has_money[g.v[paying]] = True
    test = np.flatnonzero(~tied & has_money[around[p]])
    if len(test):
        tied[test] = _supplies(money if money is not None else money_links(g),
                               around[p[test]], ring[test], label)
    p, ring = p[tied], ring[tied]
    out: dict[str, list[str]] = {}
    ids = [r.id for r in rings]
    counts = np.bincount(p, minlength=len(around))
    starts = np.searchsorted(p, np.arange(len(around) + 1)).tolist()
    ring_list = ring.tolist()
    for q in np.flatnonzero(counts >= 2).tolist():
        pid = str(g.ids[around[q]])
        out[pid] = sorted(ids[k] for k in ring_list[starts[q]:starts[q + 1]])
        for k in ring_list[starts[q]:starts[q + 1]]:
            rings[k].brokers.append(pid)
    for r in rings:
        r.brokers.sort()
    return out


def reach_of(g: CaseGraph, rings: list, trim: float) -> dict[str, list[str]]:
    """Organizers tied to other rings as strongly as those rings' own members (the head
    of several cells): organizer -> the other rings, for the key-player ranking."""
    if not rings:
        return {}
    frame = _Frame(g, rings, trim)
    leaders = np.array([g.index(r.leader) for r in rings], dtype=np.int64)
    p, ring, tie = ring_ties(g, leaders, frame.label, len(rings))
    at = (ring != p) & (tie >= frame.refs[ring])  # the other rings
    out: dict[str, list[str]] = {}
    for q, k in zip(p[at].tolist(), ring[at].tolist(), strict=True):
        out.setdefault(rings[q].leader, []).append(rings[k].id)
    return {r.leader: sorted(out[r.leader]) for r in rings if r.leader in out}


def separate_brokers(g: CaseGraph, rings: list, trim: float, min_size: int, min_score: float,
                     base: Baseline) -> None:
    """A member tied to another ring as strongly as that ring's own members is a broker:
    take him out of his ring (unless he organizes it) so that he links the two instead.

    ``rings``: :class:`~workbench.rings.search.Ring` (members, leader, key, score and
    evidence are read; the members, roles, score, family and key of a ring that loses one
    are updated); only rings that hold their members (:func:`~.scoring.holds` at
    ``min_score``) take members away, and a ring keeps at least ``min_size``."""
    if not rings:
        return
    frame = _Frame(g, rings, trim)  # the ties and references as at the start
    p, ring, tie = frame.ties
    home = frame.home[p]
    # only rings with evidence take members away as brokers (see find_rings); a broker is
    # tied to the other ring comparably: at least trim x his tie here
    holding = np.array([holds(r.score, r.components, r.evidence, min_score) for r in rings])
    away = (ring != frame.node_ring[p]) & holding[ring] & (
        tie >= np.maximum(frame.refs[ring], trim * home))
    brokers = {str(x) for x in g.ids[frame.nodes[np.unique(p[away])]].tolist()}
    changed = set()
    hubs = _hubs(g, frame.groups)
    for k, r in enumerate(rings):
        hub = hubs[k] if len(r.members) > min_size else None
        for m in [m for m in r.members if m in brokers]:
            if m in (r.leader, hub) or len(r.members) <= min_size:
                continue
            r.members.remove(m)
            r.roles.pop(m, None)
            changed.add(r.key)
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


class _Frame:
    """The disjoint rings as arrays: each one's members (``groups``, ascending dense ids),
    end to end (``nodes``, ``node_ring``), every node's ring or -1 (``label``), each
    member's tie to every ring he has a link into (``ties``: :func:`ring_ties`), to his own
    (``home``), and each ring's reference (``refs``: :func:`~.scoring.reference`)."""

    def __init__(self, g: CaseGraph, rings: list, trim: float) -> None:
        sizes = [len(r.members) for r in rings]
        flat = np.fromiter(map(g.index, itertools.chain.from_iterable(r.members for r in rings)),
                           dtype=np.int64, count=sum(sizes))
        ring_of = np.repeat(np.arange(len(rings)), sizes)
        self.groups = np.split(flat[np.lexsort((flat, ring_of))], np.cumsum(sizes)[:-1])
        self.nodes, self.node_ring, self.label = group_labels(g.n, self.groups)
        self.ties = ring_ties(g, self.nodes, self.label, len(rings))
        p, ring, tie = self.ties
        own = ring == self.node_ring[p]
        self.home = np.zeros(len(self.nodes))  # no link inside: 0, as ties_within says
        self.home[p[own]] = tie[own]
        self.refs = trim * group_quantile(self.home, self.node_ring, len(rings), 0.75)


def ring_ties(g: CaseGraph, nodes: np.ndarray, label: np.ndarray, n_rings: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each of ``nodes``' tie to every ring (``label``: each node's ring or -1) he has a
    link into, :func:`~workbench.rings.scoring.ties` (the links summed one by one in
    adjacency order) for all at once: ``(position in nodes, ring, tie)``, ascending.

    >>> from workbench.graph.fused import CaseGraph
    >>> g = CaseGraph(ids=np.array(list("abcd"), dtype=object), u=np.array([0, 0, 1]),
    ...               v=np.array([1, 2, 3]), weight=np.array([1.0, 2.0, 4.0]), strength={},
    ...               measures={})
    >>> [x.tolist() for x in ring_ties(g, np.array([0, 3]), np.array([-1, 0, 1, 1]), 2)]
    [[0, 0, 1], [0, 1, 0], [1.0, 2.0, 4.0]]
    """
    pos, nbr, eid = g.star(nodes)
    lab = label[nbr]
    at = lab >= 0
    width = max(n_rings, 1)
    # one sum per (node, ring): bincount adds each pair's links in the order they come
    keys, which = np.unique(pos[at] * width + lab[at], return_inverse=True)
    tie = np.bincount(which, weights=g.weight[eid[at]], minlength=len(keys))
    return keys // width, keys % width, tie


def _supplies(money: CaseGraph, nodes: np.ndarray, ring: np.ndarray, label: np.ndarray
              ) -> np.ndarray:
    """Whether each of ``nodes`` (outside the rings) is the supplier of his ``ring`` (label:
    each node's ring or -1), :func:`~.scoring.is_supplier` of the ring and him: paid by one
    member only, who is paid by two or more of the others, and paying none."""
    pos, nbr, eid = money.star(nodes)
    inside = label[nbr] == ring[pos]
    pos, nbr, eid = pos[inside], nbr[inside], eid[inside]
    to_node, from_node = money_ways(money, eid, nodes[pos])
    into = np.bincount(pos[to_node], minlength=len(nodes))
    out = np.bincount(pos[from_node], minlength=len(nodes))
    boss = np.zeros(len(nodes), dtype=np.int64)  # the one payer, where there is one
    boss[pos[to_node]] = nbr[to_node]
    one = np.flatnonzero((into == 1) & (out == 0))
    if not len(one):
        return np.zeros(len(nodes), dtype=bool)
    # how many members of his own ring pay each boss (the node himself is outside it)
    bpos, bnbr, beid = money.star(boss[one])
    bosses = boss[one]
    paid = (label[bnbr] == label[bosses[bpos]]) & money_ways(money, beid, bosses[bpos])[0]
    payers = np.bincount(bpos[paid], minlength=len(one))
    found = np.zeros(len(nodes), dtype=bool)
    found[one[payers >= 2]] = True
    return found


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
    nodes, _ring, label = group_labels(g.n, groups)
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


def _ties_to_rings(g: CaseGraph, rings: list[np.ndarray]) -> dict[int, dict[int, float]]:
    """Each member of the disjoint ``rings`` (dense ids): his tie to every ring he has a link
    into (:func:`ring_ties`), ``{member: {ring index: tie}}``, for all at once."""
    members, _ring, label = group_labels(g.n, rings)
    out: dict[int, dict[int, float]] = {i: {} for i in members.tolist()}
    ids = members.tolist()
    for p, ring, t in zip(*(x.tolist() for x in ring_ties(g, members, label, len(rings))),
                          strict=True):
        out[ids[p]][ring] = t
    return out
