"""The family at a ring's core, from kinship records (never surnames), and what the views say
of it; :class:`UnionFind` for family blocks and connected pieces.
"""

from __future__ import annotations

import numpy as np

from ..graph import CaseGraph
from .scoring import organizer

__all__ = ["UnionFind", "family_of", "is_family", "family_label"]


class UnionFind:
    """Disjoint sets over hashable items (path halving)."""

    def __init__(self, items) -> None:
        self.parent = {x: x for x in items}

    def find(self, x):
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb

    def groups(self) -> dict:
        out: dict = {}
        for x in self.parent:
            out.setdefault(self.find(x), []).append(x)
        return out


def family_of(g: CaseGraph, members: np.ndarray, edges: np.ndarray,
              leader: int | None = None) -> dict | None:
    """The family at a ring's core, from kinship records (never surnames), or None.

    A kin block is a set of members joined by kinship records among them (spouses,
    parents and children, siblings, in-laws through them). The ring is family-based when
    the organizer's block (else the largest block) holds at least 3 members and at least
    half of the ring: a family core with hired hands around it (five kin among seven).

    Parameters
    ----------
    g : CaseGraph
        The fused graph.
    members : numpy.ndarray
        Dense ids of the ring's members.
    edges : numpy.ndarray
        Edge ids among the members (:meth:`CaseGraph.internal_edges`).
    leader : int, optional
        Dense id of the organizer: his family is looked at first.

    Returns
    -------
    dict or None
        ``{"core": [ids], "share": kin / members, "of": id}``: ``of`` is the organizer when
        the core is his family, else the core member with the most kin in it.

    Examples
    --------
    >>> ids = np.array(list("abcdefg"), dtype=object)
    >>> u, v = np.array([0, 0, 1, 2, 4, 5]), np.array([1, 2, 3, 4, 5, 6])
    >>> kin = np.array([1, 1, 1, 0, 0, 0])
    >>> g = CaseGraph(ids=ids, u=u, v=v, weight=np.ones(6), strength={},
    ...               measures={"kin": kin})
    >>> family_of(g, np.arange(7), np.arange(6), leader=0)
    {'core': ['a', 'b', 'c', 'd'], 'share': 0.57, 'of': 'a'}
    >>> family_of(g, np.arange(7), np.array([3, 4, 5])) is None
    True
    """
    edges = np.asarray(edges, dtype=np.int64)
    kin = edges[g.measures["kin"][edges] > 0]
    if len(kin) < 2:  # a block of three needs two kinship links
        return None
    sets = UnionFind(int(m) for m in np.asarray(members).tolist())
    degree: dict[int, int] = {}
    for a, b in zip(g.u[kin].tolist(), g.v[kin].tolist(), strict=True):
        sets.union(a, b)
        degree[a] = degree.get(a, 0) + 1
        degree[b] = degree.get(b, 0) + 1
    blocks = sets.groups()
    if leader is not None and int(leader) in sets.parent:
        block = blocks[sets.find(int(leader))]
        of = int(leader)
    else:
        block, of = [], None
    k = len(members)
    if len(block) < 3 or len(block) < 0.5 * k:
        block = max(blocks.values(), key=lambda b: (len(b), -min(b)))
        of = max(block, key=lambda x: (degree.get(x, 0), -x))
    if len(block) < 3 or len(block) < 0.5 * k:
        return None
    return {"core": sorted(str(g.ids[i]) for i in block), "share": round(len(block) / k, 2),
            "of": str(g.ids[of])}


def is_family(g: CaseGraph, members: np.ndarray, edges: np.ndarray) -> bool:
    """Whether :func:`family_of` finds a family core (organizer looked at first)."""
    return family_of(g, members, edges, organizer(g, members)) is not None


def family_label(family: dict | None, size: int, name: str | None = None) -> str:
    """What the views say of a ring's family core.

    Examples
    --------
    >>> family_label({"core": list("abcde"), "share": 0.71, "of": "P1"}, 7, "蔡辉辉")
    "family-based: 5 of 7 kin (蔡辉辉's family)"
    >>> family_label(None, 7)
    ''
    """
    if not family:
        return ""
    whose = name or family.get("of")
    tail = f" ({whose}'s family)" if whose else ""
    return f"family-based: {len(family['core'])} of {size} kin{tail}"
