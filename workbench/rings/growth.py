"""Growing the cores into rings (step 3 of :func:`~workbench.rings.search.find_rings`).

Each core, best first, takes back outside persons tied to it as strongly as its own members
(:func:`grow`, the rule); a person a better ring took is not taken again. That is a
sequence, but a short one in effect: ``taken`` only ever removes candidates, and the other
tests a candidate passes do not read it, so a core grown as if nothing were taken grows the
same unless one of the members it took (or one of its own) was taken before it.
:func:`grow_cores` therefore grows every core at once, round by round with array operations
over all of them (one member per core per round, the same floats summed in the same order),
then walks the cores in order and grows again one by one, by :func:`grow`, only the few
whose growth met a taken member.

Examples
--------
>>> import numpy as np
>>> from workbench.graph.fused import CaseGraph
>>> none = {"n_uv_tx": np.zeros(6, dtype=np.int64), "n_vu_tx": np.zeros(6, dtype=np.int64)}
>>> g = CaseGraph(ids=np.array(list("abcde"), dtype=object),  # e: a weak tie of c's
...               u=np.array([0, 0, 1, 0, 1, 2]), v=np.array([1, 2, 2, 3, 3, 4]),
...               weight=np.array([3.0, 3.0, 3.0, 3.0, 3.0, 0.5]), strength={},
...               measures=none)
>>> person = np.ones(5, dtype=bool)
>>> grow(g, [0, 1, 2], 0.35, 12, np.zeros(5, dtype=bool), person)
[0, 1, 2, 3]
"""

from __future__ import annotations

import itertools
import logging

import numpy as np

from ..graph import CaseGraph, member_mask
from .arrays import end_to_end, group_quantile, median_of, money_ways, pays_into, unique_inverse
from .brokers import ring_ties
from .scoring import Baseline, reference_of, score_group, tied_elsewhere, ties

__all__ = ["grow", "grow_cores", "held_by", "references", "tied_members"]

log = logging.getLogger(__name__)


def grow(g: CaseGraph, members: list[int], trim: float, max_size: int, taken: np.ndarray,
         person: np.ndarray, others: dict | None = None, own=None,
         signal: np.ndarray | None = None, base: Baseline | None = None,
         money_alone: np.ndarray | None = None, money: CaseGraph | None = None
         ) -> list[int]:
    """Add outside persons tied to the group as strongly as its own members, strongest first.

    The mirror of trimming (:func:`~workbench.rings.candidates.trim_groups`): it recovers
    members that a finer resolution split off (a large ring whose members mostly talk to
    the organizer). ``taken``: a flag per node
    already in a better ring; ``others``: node -> (core, reference) of the rings with
    evidence (:func:`~workbench.rings.scoring.tied_elsewhere`), ``own`` this group's entry.
    A newcomer earns his place by more than a weak tie: a link that is evidence (``signal``,
    per edge: ring-like calls, money, co-arrests, meetings; kin only by a ring's call
    pattern) and at least ``trim`` x the group's median link, and those links alone must tie
    him to the group as strongly as its own members are (weak ties to other members do not
    make up the difference: a buyer with six calls to one seller and two to the other is
    their customer); a relative or friend who calls one member often is that member's
    circle, not the ring's. With ``base`` given, a
    newcomer must also keep the meetings that hold a group (co-presence in its ``tier``): a
    tenant paying one member's rent must not dissolve them. A link that is evidence by money
    alone (``money_alone``, per edge) counts only towards a member whose money already moves
    inside the group (paid by or paying another member): money joins a ring's flow; one
    payer of one member is the pair's matter (a tenant and his landlord, a customer), the
    rule of money flowing to one member (:func:`~workbench.rings.scoring.score_sums`).
    ``money``: the links money moves on (:func:`~workbench.rings.arrays.money_links`), where
    a newcomer's payments are read (default ``g``).
    """
    members = list(members)
    kinds = _kinds(g, members, base) if base is not None else set()
    mark = np.zeros(g.n, dtype=bool)  # the members, as a flag per node
    mark[members] = True
    # the members' links (g.star of the members in order), a newcomer's appended to them
    pos, nbr, eid = g.star(np.asarray(members, dtype=np.int64))
    w = g.weight[eid]
    while len(members) < max_size:
        arr = np.asarray(members, dtype=np.int64)
        inside = mark[nbr]
        attach_in = np.bincount(pos[inside], weights=w[inside], minlength=len(arr))
        out = ~inside & ~taken[nbr] & person[nbr]
        if not out.any():
            break
        near, which = unique_inverse(nbr[out])
        outside = np.bincount(which, weights=w[out])
        needed = trim * reference_of(attach_in.tolist())
        earned = outside >= needed
        if signal is not None:
            # a link counts when it is not weak: at least ``trim`` x the group's median link
            inner = w[inside & (arr[pos] < nbr)]
            floor = trim * median_of(inner) if len(inner) else 0.0
            counts = signal[eid[out]] & (w[out] >= floor)
            if money_alone is not None:
                # money alone joins only the group's own flow of money
                flows = np.bincount(pos[inside], weights=(g.measures["n_tx"][eid[inside]] > 0
                                                          ).astype(np.float64),
                                    minlength=len(arr)) > 0
                counts &= ~money_alone[eid[out]] | flows[pos[out]]
            # the place is earned by the links that count: weak ties to other members do
            # not make up the difference (a customer of two sellers is not their partner)
            evident = np.bincount(which[counts], weights=w[out][counts], minlength=len(near))
            earned &= evident >= needed
        for c in np.nonzero(earned)[0].tolist() if others else ():  # another ring's member
            home = others.get(int(near[c]))  # stays with it unless tied here more strongly
            earned[c] = home is None or home is own or ties(g, int(near[c]), home[0]) < outside[c]
        # strongest first; a node tied as strongly to another ring is a broker between them,
        # and one the group pays without paying it is its supplier: neither is a member
        # (checked only for the nodes strong enough to join, best first)
        strong = np.nonzero(earned)[0]
        best = None
        group = np.sort(arr)
        for c in strong[np.lexsort((near[strong], -outside[strong]))].tolist():
            j = int(near[c])
            if not tied_elsewhere(g, j, others or {}, own, trim * float(outside[c])) \
                    and not pays_into(money or g, j, group) \
                    and (not kinds or kinds <= _kinds(g, members + [j], base)):
                best = j
                break
        if best is None:
            break
        if log.isEnabledFor(logging.DEBUG):
            log.debug("grow %s: +%s (tie %.3f of %.3f needed)", str(g.ids[members[0]]),
                      str(g.ids[best]), float(outside[near == best][0]), needed)
        members.append(best)
        mark[best] = True
        more, more_eid = g.neighbours(best)
        pos = np.concatenate([pos, np.full(len(more), len(members) - 1, dtype=np.int64)])
        nbr, eid = np.concatenate([nbr, more]), np.concatenate([eid, more_eid])
        w = np.concatenate([w, g.weight[more_eid]])
    return members


def _kinds(g: CaseGraph, members: list[int], base: Baseline | None) -> set[str]:
    """Whether a group is held by its meetings: ``{"copresence"}`` when co-presence fires for
    it, else empty (none without a baseline). Only meetings are kept this way: the other
    kinds are shares (of night and short calls, of payers) that a member with ordinary calls
    or no payment dilutes without being an outsider."""
    if base is None or not base.meet_strong > 0:  # then meetings never fire (score_sums)
        return set()
    _score, _comp, evidence, _edges = score_group(
        g, np.array(sorted(members), dtype=np.int64), base)
    return held_by(evidence, base)


def held_by(evidence: dict, base: Baseline) -> set[str]:
    """The kinds of a scored group's ``evidence`` that hold it against a newcomer (see
    :func:`_kinds`): ``{"copresence"}`` when its meetings fire, else empty.

    >>> from workbench.rings.scoring import Baseline
    >>> import dataclasses
    >>> base = Baseline(**{f.name: 1.0 for f in dataclasses.fields(Baseline)})
    >>> held_by({"tier": "calls+copresence"}, base), held_by({"tier": "calls"}, base)
    ({'copresence'}, set())
    """
    if not base.meet_strong > 0:
        return set()
    return set(evidence["tier"].split("+")) & {"copresence"}


def tied_members(g: CaseGraph, groups: list[list[int]]) -> list[list[int]]:
    """Each group's members with a link inside it, in the group's order (a member whose ties
    went with a better ring leaves too), for many groups at once (they may overlap).

    >>> from workbench.graph.fused import CaseGraph
    >>> g = CaseGraph(ids=np.array(list("abcd"), dtype=object), u=np.array([0, 1]),
    ...               v=np.array([1, 2]), weight=np.ones(2), strength={}, measures={})
    >>> tied_members(g, [[2, 0, 1, 3], [0, 2]])
    [[2, 0, 1], []]
    """
    if not groups:
        return []
    nodes, grp = end_to_end(groups)
    pos, nbr, _eid = g.star(nodes)
    inside = _same_group(g.n, nodes, grp, pos, nbr)
    tied = np.zeros(len(nodes), dtype=bool)
    tied[pos[inside]] = True
    keep = nodes[tied].tolist()
    bounds = np.concatenate([[0], np.cumsum(np.bincount(grp[tied], minlength=len(groups)))])
    return [keep[a:b] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)]


def _same_group(n: int, nodes: np.ndarray, grp: np.ndarray, pos: np.ndarray,
                nbr: np.ndarray) -> np.ndarray:
    """Per link of ``nodes``' star (``pos``, ``nbr``: :meth:`~.fused.CaseGraph.star`),
    whether the neighbour is in the group ``grp`` of its node (groups may overlap: a node in
    two groups, a newcomer of two, is read against each one's members)."""
    where = np.full(n, -1, dtype=np.int64)
    where[nodes] = grp
    if (where[nodes] == grp).all():  # no node in two groups
        return where[nbr] == grp[pos]
    return member_mask(np.unique(grp * n + nodes), grp[pos] * n + nbr)


def references(g: CaseGraph, groups: list[list[int]], trim: float) -> np.ndarray:
    """:func:`~workbench.rings.scoring.reference` of each of ``groups`` (they may overlap),
    all at once: the same floats (each member's ties summed in adjacency order).

    >>> from workbench.graph.fused import CaseGraph
    >>> from workbench.rings.scoring import reference
    >>> g = CaseGraph(ids=np.array(["a", "b", "c"], dtype=object), u=np.array([0, 0]),
    ...               v=np.array([1, 2]), weight=np.array([4.0, 2.0]), strength={},
    ...               measures={})
    >>> references(g, [[0, 1, 2], [1, 0]], 0.5).tolist(), reference(g, [1, 0], 0.5)
    ([2.5, 2.0], 2.0)
    """
    if not groups:
        return np.zeros(0)
    nodes, grp = end_to_end(groups)
    pos, nbr, eid = g.star(nodes)
    inside = _same_group(g.n, nodes, grp, pos, nbr)
    ties = np.bincount(pos[inside], weights=g.weight[eid[inside]], minlength=len(nodes))
    return trim * group_quantile(ties, grp, len(groups), 0.75)


def grow_cores(g: CaseGraph, cores: list[list[int]], refs: list[tuple[set, float]],
               holding: list[bool], meets: list[bool], *, trim: float, min_size: int,
               max_size: int, person: np.ndarray, signal: np.ndarray, base: Baseline,
               money_alone: np.ndarray, money: CaseGraph) -> list[np.ndarray]:
    """The disjoint ``cores`` (best first) grown into rings: the members of each (ascending),
    the answer of this loop, where ``others`` holds the cores with evidence (``holding``)::

        taken = np.zeros(g.n, dtype=bool)
        for k, core in enumerate(cores):
            core = [i for i in core if not taken[i]]  # a better ring took it
            if len(core) < min_size:
                continue
            grown = grow(g, core, trim, max_size, taken, person, others, refs[k], signal,
                         base, money_alone, money)
            grown = tied_members(g, [grown])[0]
            if len(grown) >= min_size:
                taken[grown] = True
                kept.append(np.array(sorted(grown)))

    ``refs``: per core ``(its members, reference)``; ``meets``: per core whether its meetings
    hold it (co-presence in its tier, :func:`_kinds`); such a core is grown by :func:`grow`
    itself (each newcomer rescored), the others all at once first (see the module
    docstring).
    """
    others = {i: ref for ref, ok in zip(refs, holding, strict=True) if ok for i in ref[0]}
    batch = [k for k, core in enumerate(cores) if not meets[k] and len(core) >= min_size]
    if log.isEnabledFor(logging.DEBUG):  # the rule itself, which says what it adds
        batch = []
    spec = dict(zip(batch, _grow_all(g, [cores[k] for k in batch], batch, refs, holding,
                                      trim=trim, max_size=max_size, person=person,
                                      signal=signal, money_alone=money_alone, money=money),
                    strict=True))
    final = dict(zip(batch, tied_members(g, [spec[k] for k in batch]), strict=True))
    taken: set[int] = set()
    kept: list[np.ndarray] = []
    for k, core in enumerate(cores):
        grown = spec.get(k)
        if grown is None or not taken.isdisjoint(grown):  # one of its own or newcomers taken
            core = [i for i in core if i not in taken]
            if len(core) < min_size:
                continue
            flags = np.zeros(g.n, dtype=bool)
            flags[list(taken)] = True
            grown = tied_members(g, [grow(g, core, trim, max_size, flags, person, others,
                                          refs[k], signal, base, money_alone, money)])[0]
        else:
            grown = final[k]
        if len(grown) < min_size:
            continue
        taken.update(grown)
        kept.append(np.array(sorted(grown), dtype=np.int64))
    return kept


def _grow_all(g: CaseGraph, groups: list[list[int]], index: list[int],
              refs: list[tuple[set, float]], holding: list[bool], *, trim: float,
              max_size: int, person: np.ndarray, signal: np.ndarray, money_alone: np.ndarray,
              money: CaseGraph) -> list[list[int]]:
    """:func:`grow` of each of ``groups`` (the cores ``index``) with nothing taken and no
    meetings to keep, all at once: one round per newcomer, each round the rule of one step
    of :func:`grow` as array operations over every group still growing (sums per group and
    per newcomer in the same order as one group alone)."""
    n = g.n
    members = [list(x) for x in groups]
    label = np.full(n, -1, dtype=np.int64)  # the core with evidence each node is in
    held = [k for k, ok in enumerate(holding) if ok]
    if held:
        label[np.fromiter(itertools.chain.from_iterable(refs[k][0] for k in held),
                          dtype=np.int64)] = np.repeat(held, [len(refs[k][0]) for k in held])
    with_others = bool(held)
    core_ties = _CoreTies(g, label, np.array([r[1] for r in refs] or [0.0]))
    index_of = np.asarray(index, dtype=np.int64)
    tx = g.measures["n_tx"] > 0
    growing = np.array([len(x) < max_size for x in members], dtype=bool)
    maybe = np.zeros(n, dtype=bool)
    while growing.any():
        act = np.nonzero(growing)[0]
        mem, of = end_to_end([members[a] for a in act.tolist()])  # and the group of each
        pos, nbr, eid = g.star(mem)
        row = of[pos]
        w = g.weight[eid]
        inside = _same_group(n, mem, of, pos, nbr)
        attach = np.bincount(pos[inside], weights=w[inside], minlength=len(mem))
        needed = trim * group_quantile(attach, of, len(act), 0.75)
        lower = inside & (mem[pos] < nbr)
        floor = trim * group_quantile(w[lower], row[lower], len(act), 0.5)
        flows = np.zeros(len(mem), dtype=bool)
        flows[pos[inside & tx[eid]]] = True
        out = ~inside & person[nbr]
        # the links that count (evidence, not weak; money alone only into the group's flow)
        counts = out & signal[eid] & (w >= floor[row]) & (~money_alone[eid] | flows[pos])
        # a newcomer needs one where the bar is above 0: only those nodes are summed
        maybe[nbr[counts]] = True
        out &= maybe[nbr] | (needed <= 0)[row]
        maybe[nbr[counts]] = False
        if not out.any():
            break
        pairs, which = unique_inverse(row[out] * n + nbr[out])
        grp, near = pairs // n, pairs % n
        w_out = w[out]
        outside = np.bincount(which, weights=w_out)
        counts = counts[out]
        evident = np.bincount(which[counts], weights=w_out[counts], minlength=len(pairs))
        earned = (outside >= needed[grp]) & (evident >= needed[grp])
        cand = np.nonzero(earned)[0]
        if with_others and len(cand):
            own = index_of[act[grp[cand]]]
            home, elsewhere = core_ties.of(near[cand], own)
            ok = (label[near[cand]] < 0) | (label[near[cand]] == own) | (
                home < outside[cand])
            ok &= ~(elsewhere >= trim * outside[cand])
            cand = cand[ok]
        if len(cand):
            cand = cand[~_pays_into(money, near[cand], grp[cand], of * n + mem)]
        best = np.full(len(act), -1, dtype=np.int64)
        if len(cand):
            order = cand[np.lexsort((near[cand], -outside[cand], grp[cand]))]
            first = order[np.r_[True, grp[order][1:] != grp[order][:-1]]]
            best[grp[first]] = near[first]
        growing[act[best < 0]] = False
        for a, j in zip(act[best >= 0].tolist(), best[best >= 0].tolist(), strict=True):
            members[a].append(j)
            if len(members[a]) >= max_size:
                growing[a] = False
    return members


class _CoreTies:
    """Newcomers' ties to the cores with evidence (``label``: each node's core or -1, each
    core's ``reference``), read once per node: :meth:`of` gives, for each of ``nodes`` (a
    newcomer of the core ``own``), his tie to the core with evidence he is in
    (:func:`~workbench.rings.scoring.ties`, 0.0 if none), and his strongest tie to another
    such core (not his own, not ``own``) at least as strong as that core's reference (-inf
    if none): :func:`~workbench.rings.scoring.tied_elsewhere` is whether it reaches
    ``at_least``."""

    def __init__(self, g: CaseGraph, label: np.ndarray, reference: np.ndarray) -> None:
        self.g, self.label, self.reference = g, label, reference
        self.known = np.zeros(g.n, dtype=bool)
        self.home = np.zeros(g.n)
        self.best1 = np.full(g.n, -np.inf)  # the strongest qualifying tie, and its core
        self.core1 = np.full(g.n, -1, dtype=np.int64)
        self.best2 = np.full(g.n, -np.inf)  # the strongest to another core

    def of(self, nodes: np.ndarray, own: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        new = np.unique(nodes[~self.known[nodes]])
        if len(new):
            self._read(new)
        return self.home[nodes], np.where(self.core1[nodes] != own, self.best1[nodes],
                                          self.best2[nodes])

    def _read(self, nodes: np.ndarray) -> None:
        g, label, k = self.g, self.label, len(self.reference)
        self.known[nodes] = True
        # each (node, core) tie: the node's links summed one by one in adjacency order
        p, c, tie = ring_ties(g, nodes, label, k)
        mine = c == label[nodes[p]]
        self.home[nodes[p[mine]]] = tie[mine]
        # per node, the qualifying ties strongest first: the best, and the best of another
        q = np.nonzero(~mine & (tie >= self.reference[c]))[0]
        q = q[np.lexsort((-tie[q], p[q]))]
        lead = np.r_[True, p[q][1:] != p[q][:-1]] if len(q) else np.zeros(0, dtype=bool)
        self.best1[nodes[p[q[lead]]]] = tie[q[lead]]
        self.core1[nodes[p[q[lead]]]] = c[q[lead]]
        second = q[~lead]
        if len(second):
            second = second[np.r_[True, p[second][1:] != p[second][:-1]]]
        self.best2[nodes[p[second]]] = tie[second]


def _pays_into(money: CaseGraph, nodes: np.ndarray, grp: np.ndarray, member_keys: np.ndarray
               ) -> np.ndarray:
    """:func:`~workbench.rings.arrays.pays_into` of each of ``nodes`` into its group
    ``grp``, whose members are the sorted ``member_keys`` (``group * n + node``)."""
    n = money.n
    pos, nbr, eid = money.star(nodes)
    out = np.zeros(len(nodes), dtype=bool)
    if not len(pos):
        return out
    inside = member_mask(np.sort(member_keys), grp[pos] * n + nbr)
    pos, eid = pos[inside], eid[inside]
    to_node, from_node = money_ways(money, eid, nodes[pos])
    into = np.bincount(pos[to_node], minlength=len(nodes)) > 0
    back = np.bincount(pos[from_node], minlength=len(nodes)) > 0
    return into & ~back

