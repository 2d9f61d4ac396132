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

import numpy as np

from ..graph import CaseGraph, member_mask
from .scoring import reference_of

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
    """
    needed: dict[tuple, float] = {}
    mean_tie: dict[tuple, float] = {}
    around: dict[tuple, np.ndarray] = {}
    settled: set[tuple] = set()
    owner = np.full(g.n, -1, dtype=np.int64)
    for k, core in enumerate(cores):
        owner[core] = k
    stars: dict[tuple, tuple] = {}

    def star(core: list[int]) -> tuple:  # g.star, kept per core
        key = tuple(core)
        if key not in stars:
            stars[key] = g.star(core)
        return stars[key]

    def ties(core: list[int], group: list[int]) -> np.ndarray:  # ties_within(g, core, group)
        pos, nbr, eid = star(core)
        mask = member_mask(np.unique(np.asarray(group, dtype=np.int64)), nbr)
        return np.bincount(pos[mask], weights=g.weight[eid[mask]], minlength=len(core))

    def near(core: list[int]) -> np.ndarray:  # the cores linked to ``core``
        key = tuple(core)
        if key not in around:
            around[key] = np.unique(star(core)[1])
        return owner[around[key]]

    a = 0
    while a < len(cores):
        key_a = tuple(cores[a])
        if key_a in settled:
            a += 1
            continue
        linked = near(cores[a])
        touching = np.unique(linked[linked > a]).tolist()
        joined = False
        for b in touching:
            if len(cores[a]) + len(cores[b]) > max_size:
                continue
            if key_a not in needed:
                needed[key_a] = trim * reference_of(ties(cores[a], cores[a]).tolist())
            pair = (key_a, tuple(cores[b]))
            if pair not in mean_tie:
                mean_tie[pair] = float(np.mean(ties(cores[b], cores[a])))
            if mean_tie[pair] >= needed[key_a]:
                # those tied as strongly to the joined group come along: one member put
                # with his buyers (who deal with him alone) leaves them out
                come = ties(cores[b], cores[a] + cores[b]) >= needed[key_a]
                owner[[x for x, c in zip(cores[b], come, strict=True) if not c]] = -1
                cores[a] = cores[a] + [x for x, c in zip(cores[b], come, strict=True) if c]
                del cores[b]
                owner[cores[a]] = a
                owner[owner > b] -= 1
                joined = True
                break
        if joined:
            linked = near(cores[a])
            settled.difference_update(tuple(cores[k]) for k in np.unique(linked[linked >= 0]))
            before = linked[(linked >= 0) & (linked < a)]
            a = int(before.min()) if len(before) else a
        else:
            settled.add(key_a)
            a += 1
    return cores
