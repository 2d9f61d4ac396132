"""Ring ids that mean one ring: an id made from the ring's members, the rank shown apart.

A ring's id is ``R-`` and six hex digits of the SHA-1 of its sorted member ids, so the same
ring keeps its id across reruns, time windows and phone links, and an id never names
another ring when the data change. The rank (1 = best) is a field of its own.

Examples
--------
>>> content_id(["P2", "P1", "P3"])
'R-90eb80'
>>> content_id(["P1", "P2", "P3"]) == content_id(["P3", "P1", "P2"])
True
>>> closest([{"P1", "P2", "P3"}, {"P7", "P8"}], {"P1", "P2", "P4"})
(0, 0.5)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

__all__ = ["content_key", "content_id", "number_rings", "closest", "overlap"]

#: hex digits of the id (16.7 million values: a clash among a case's rings is negligible)
ID_DIGITS = 6


def content_key(members: Iterable[str]) -> str:
    """The SHA-1 (first ten hex digits) of the sorted member ids: a ring's colour key."""
    return hashlib.sha1(",".join(sorted(str(m) for m in members)).encode()).hexdigest()[:10]


def content_id(members: Iterable[str], prefix: str = "R") -> str:
    """``R-`` and six hex digits of :func:`content_key`: the ring's id."""
    return f"{prefix}-{content_key(members)[:ID_DIGITS]}"


def number_rings(rings: Sequence, prefix: str = "R") -> None:
    """Give each ring (already sorted best first) its content id, key and rank, in place."""
    for n, ring in enumerate(rings, start=1):
        ring.key = content_key(ring.members)
        ring.id = content_id(ring.members, prefix)
        ring.rank = n


def overlap(a: set, b: set) -> float:
    """Jaccard overlap of two member sets (0 when both are empty)."""
    return len(a & b) / len(a | b) if a or b else 0.0


def closest(candidates: Sequence[set], members: set) -> tuple[int | None, float]:
    """The index of the candidate set that overlaps ``members`` most, and the overlap
    (``(None, 0.0)`` when none shares a member)."""
    best, best_score = None, 0.0
    for i, other in enumerate(candidates):
        score = overlap(set(other), set(members))
        if score > best_score:
            best, best_score = i, score
    return best, best_score
