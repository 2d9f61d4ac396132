"""Joining a ring that a fine resolution split in fragments (a step of
:func:`~workbench.rings.search.find_rings`).

Examples
--------
>>> import numpy as np
>>> from workbench.graph.fused import CaseGraph
>>> g = CaseGraph(ids=np.array(list("abcdef"), dtype=object),
...               u=np.array([0, 0, 1, 3, 3, 4, 0, 1, 2]),
...               v=np.array([1, 2, 2, 4, 5, 5, 3, 4, 5]),
...               weight=np.array([3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]),
...               strength={}, measures={})
>>> merge_fragments(g, [[0, 1, 2], [3, 4, 5]], trim=0.35, max_size=12)
[[0, 1, 2, 3, 4, 5]]
"""

from __future__ import annotations

import heapq

import numpy as np

from ..graph import CaseGraph, member_mask
from .arrays import end_to_end, group_quantile
from .scoring import reference_of, ties_within

__all__ = ["merge_fragments"]


def merge_fragments(g: CaseGraph, cores: list[list[int]], trim: float, max_size: int
                    ) -> list[list[int]]:
    """Join a lower-ranked core into a better one when its members are, on average, tied to
    the better core as strongly as that core's own members are (:func:`reference`); those
    of them tied as strongly to the joined group come along, the others are left out of
    both (a member put with his buyers brings him alone). Only cores with a link between
    them are compared, better cores first; after a join the scan goes back to the best core
    touching the joined one (the others' answers stand).

    A core looked at without a join is *settled*: its answer cannot change until a join
    touches it (it is the joined core or linked to it), so the scan passes over it when it
    comes back (the same joins as looking at it again, without the work).

    What the given cores need (their neighbours, their own members' reference, and for
    each pair of linked cores small enough to join whether the lower one's mean tie reaches
    the better one's) is computed for all of them at once (:func:`_first_answers`); a core a
    join made is looked at as it comes.
    """
    cores = [list(c) for c in cores]
    k = len(cores)
    owner = np.full(g.n, -1, dtype=np.int64)  # the core of each node, by its first place
    for i, core in enumerate(cores):
        owner[core] = i
    given, linked_to, needed, passes = _first_answers(g, cores, owner, trim, max_size)
    size = np.array([len(c) for c in cores], dtype=np.int64)
    alive = [True] * k
    fresh = np.zeros(k, dtype=bool)  # made by a join: its answers are computed as they come
    cache: dict[tuple, object] = {}

    def star(i: int) -> tuple:  # g.star of core i: a given one's, or a fresh one's kept
        if not fresh[i]:
            return given[i]
        key = ("star", tuple(cores[i]))
        if key not in cache:
            cache[key] = g.star(cores[i])
        return cache[key]

    def ties(i: int, *group: int) -> np.ndarray:  # ties_within(g, core i, cores group)
        pos, nbr, eid = star(i)
        lab = owner[nbr]
        mask = lab == group[0]
        for x in group[1:]:
            mask |= lab == x
        return np.bincount(pos[mask], weights=g.weight[eid[mask]], minlength=len(cores[i]))

    def need(i: int) -> float:
        if not fresh[i]:
            return needed[i]
        key = ("need", tuple(cores[i]))
        if key not in cache:
            cache[key] = trim * reference_of(ties(i, i).tolist())
        return cache[key]

    def joiner(a: int, touching: np.ndarray) -> int | None:
        """The first of the ``touching`` cores whose members' mean tie to ``a`` reaches
        ``a``'s own: read on the pairs' first answers, or where a join made either core,
        on ``a``'s summed links to each (numpy's mean where within a rounding of the bar,
        as :func:`_first_answers` does), kept per pair of cores."""
        if not fresh[a]:  # the first answers, and the cores a join made, in order
            touching = touching[fresh[touching] | member_mask(passes[a], touching)]
        total, key_a = None, tuple(cores[a])
        for b in touching.tolist():
            if not fresh[a] and not fresh[b]:
                return b
            key = ("mean", key_a, tuple(cores[b]))
            if key not in cache:
                if total is None:
                    _pos, nbr, eid = star(a)
                    lab = owner[nbr]
                    at = lab >= 0
                    total = np.bincount(lab[at], weights=g.weight[eid[at]], minlength=k)
                bar, mean = need(a), float(total[b]) / len(cores[b])
                if abs(mean - bar) <= 1e-9 * max(abs(mean), abs(bar)):
                    mean = float(np.mean(ties(b, a)))
                cache[key] = mean >= bar
            if cache[key]:
                return b
        return None

    def near(i: int) -> np.ndarray:  # the cores linked to core i, ascending
        if linked_to[i] is None:  # a join changed them: read again on its neighbours
            linked = owner[star(i)[1]]
            linked_to[i] = np.unique(linked[linked >= 0])
        return linked_to[i]

    # the scan: every alive core below the one looked at is settled, so the next to look at
    # is the lowest not settled (a heap of them, an entry dropped when found settled)
    waiting = list(range(k))
    pending = [True] * k  # alive and not settled
    while waiting:
        a = heapq.heappop(waiting)
        if not pending[a]:
            continue
        linked = near(a)
        touching = linked[linked > a]
        b = joiner(a, touching[size[touching] + size[a] <= max_size])
        if b is None:
            pending[a] = False
            continue
        # those tied as strongly to the joined group come along: one member put with
        # his buyers (who deal with him alone) leaves them out
        come = ties(b, a, b) >= need(a)
        for i in near(b).tolist():  # b's members leave: the cores they linked change
            linked_to[i] = None
        owner[[x for x, c in zip(cores[b], come, strict=True) if not c]] = -1
        cores[a] = cores[a] + [x for x, c in zip(cores[b], come, strict=True) if c]
        owner[cores[a]] = a
        alive[b], pending[b], size[b], fresh[a], size[a] = False, False, 0, True, len(cores[a])
        linked_to[a] = None
        heapq.heappush(waiting, a)  # looked at again, after the settled ones it touches
        for i in near(a).tolist():
            if not pending[i]:
                pending[i] = True
                heapq.heappush(waiting, i)
    return [core for core, live in zip(cores, alive, strict=True) if live]


def _first_answers(g: CaseGraph, cores: list[list[int]], owner: np.ndarray, trim: float,
                   max_size: int) -> tuple[list, list, np.ndarray, list]:
    """For the disjoint ``cores`` as given (``owner``: each node's core or -1), all at once:
    each core's star (:meth:`~workbench.graph.fused.CaseGraph.star` of its members), the
    cores linked to each (ascending), ``trim`` x each one's reference (its members' ties to
    it, :func:`~.scoring.reference`) and per core ``a`` the cores ``b > a`` linked to it, at
    most ``max_size`` with it, whose members' mean tie to ``a`` reaches that (ascending): the
    values of :func:`merge_fragments`'s own steps, core by core. A mean is summed here in
    another order than numpy's; one within a rounding of the bar is taken again as numpy
    takes it."""
    k = len(cores)
    if not k:
        return [], [], np.zeros(0), []
    sizes = np.array([len(c) for c in cores], dtype=np.int64)
    nodes, of = end_to_end(cores)
    pos, nbr, eid = g.star(nodes)
    row = of[pos]
    # each core's star (g.star of its members), cut from the one of all
    bounds = np.searchsorted(row, np.arange(k + 1)).tolist()
    first = np.cumsum(sizes) - sizes
    given = [(pos[a:b] - first[i], nbr[a:b], eid[a:b])
             for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True))]
    # each member's tie to each core he has a link into, summed in adjacency order
    lab = owner[nbr]
    at = lab >= 0
    keys, which = np.unique(pos[at] * k + lab[at], return_inverse=True)
    tie = np.bincount(which, weights=g.weight[eid[at]], minlength=len(keys))
    member, core = keys // k, keys % k
    pairs = np.unique(of[member] * k + core)  # the cores linked to each core
    cut = np.searchsorted(pairs // k, np.arange(k + 1))
    linked = pairs % k
    linked_to = [linked[cut[i]:cut[i + 1]] for i in range(k)]
    own = core == of[member]
    inner = np.zeros(len(nodes))  # a member with no link inside: 0, as in ties_within
    inner[member[own]] = tie[own]
    needed = trim * group_quantile(inner, of, k, 0.75)
    # the lower core b's members' summed tie to a better core a, per linked pair
    other = ~own & (core < of[member])
    pair = core[other] * k + of[member[other]]
    pair_keys, pair_of = np.unique(pair, return_inverse=True)
    total = np.bincount(pair_of, weights=tie[other], minlength=len(pair_keys))
    pa, pb = pair_keys // k, pair_keys % k
    small = sizes[pa] + sizes[pb] <= max_size
    pa, pb, total = pa[small], pb[small], total[small]
    mean = total / sizes[pb]
    bar = needed[pa]
    close = np.abs(mean - bar) <= 1e-9 * np.maximum(np.abs(mean), np.abs(bar))
    ok = (mean >= bar) & ~close
    for c in np.flatnonzero(close).tolist():
        a, b = int(pa[c]), int(pb[c])
        ok[c] = float(np.mean(ties_within(g, cores[b], cores[a]))) >= needed[a]
    pa, pb = pa[ok], pb[ok]
    cut = np.searchsorted(pa, np.arange(k + 1)).tolist()
    passes = [pb[cut[i]:cut[i + 1]] for i in range(k)]  # per core a, the b's ascending
    return given, linked_to, needed, passes
