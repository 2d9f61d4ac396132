"""Case shapes unlike the sample county, written as real export files with known answers.

Each generator writes export files (CSV with the data contract's headers, some with the
Chinese carrier/police headers in GB18030) into a folder and returns a ``truth`` dict:

``entity``
    ``"person"`` (members are ``person_id``s) or ``"number"`` (members are E.164 numbers).
``rings``
    planted rings, each a sorted list of members.
``organizers``
    ``{ring index: organizer}`` where the organizer is clear.
``lookalikes``
    ``[{"kind", "members"}]``: groups that show one ring signal and are not rings.
``hubs``
    service numbers (E.164 or short codes) that must be flagged and glue nobody together.

Shapes: :mod:`.wiretap` (a wiretap case around an organizer), :mod:`.tenday` (a ten-day
numbers-only carrier export with handset switches), :mod:`.county` (a scalable county with
ordinary social life, services, rings and look-alikes in proportion; calls-only and
numbers-only variants), :mod:`.onesided` (a court-order export of target numbers only) and
:mod:`.realtimed` (the networks of ``../shared/realdata`` as timed calls).

The generators were written against the data contract and the domain notes only, without
reading the detector or the sample county generator, so they do not share their blind spots.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

#: the known-answer match rule: a planted ring is found when a reported ring has at least
#: this Jaccard similarity with it
JACCARD = 0.6


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence], *,
              encoding: str = "utf-8") -> Path:
    """Write one export file (``encoding`` e.g. ``"gb18030"`` for Chinese carrier exports)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as f:
        out = csv.writer(f)
        out.writerow(header)
        out.writerows(rows)
    return path


def jaccard(a: Iterable, b: Iterable) -> float:
    """Jaccard similarity of two member sets.

    Examples
    --------
    >>> jaccard({1, 2, 3}, {2, 3, 4})
    0.5
    """
    a, b = set(a), set(b)
    return len(a & b) / len(a | b) if a | b else 0.0


def best_match(planted: Iterable, reported: list[Iterable]) -> tuple[int, float]:
    """Index and Jaccard of the reported ring closest to ``planted`` (``-1, 0.0`` if none)."""
    best, score = -1, 0.0
    for i, ring in enumerate(reported):
        j = jaccard(planted, ring)
        if j > score:
            best, score = i, j
    return best, score


def found(planted: list[Iterable], reported: list[Iterable], k: int | None = None) -> int:
    """How many planted rings have a match (Jaccard >= :data:`JACCARD`) among the first
    ``k`` reported rings (all when ``k`` is None).

    Examples
    --------
    >>> found([{1, 2, 3}, {7, 8, 9}], [{1, 2, 3, 4}, {5, 6}])
    1
    """
    top = list(reported if k is None else reported[:k])
    return sum(1 for ring in planted if best_match(ring, top)[1] >= JACCARD)


def precision_at(planted: list[Iterable], reported: list[Iterable], k: int) -> float:
    """Share of the first ``k`` reported rings that match a planted ring (Jaccard >=
    :data:`JACCARD`); a list shorter than ``k`` counts its missing places as misses.

    Examples
    --------
    >>> precision_at([{1, 2, 3}], [{1, 2, 3}, {4, 5, 6}], 2)
    0.5
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    hits = sum(1 for ring in reported[:k] if best_match(ring, planted)[1] >= JACCARD)
    return hits / k


def lookalikes_above(truth: dict, reported: list[Iterable]) -> int:
    """How many look-alike groups are matched by a reported ring ranked above the lowest
    ranked planted ring that was found."""
    planted = truth["rings"]
    ranks = [best_match(ring, reported) for ring in planted]
    found_ranks = [i for i, j in ranks if j >= JACCARD]
    if not found_ranks:
        return 0
    cut = max(found_ranks)
    above = 0
    for look in truth.get("lookalikes", []):
        i, j = best_match(look["members"], reported)
        if j >= JACCARD and i < cut and best_match(reported[i], planted)[1] < JACCARD:
            above += 1
    return above
