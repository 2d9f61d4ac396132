"""What a ring search is asked: the request (window, weights, search parameters, link filter,
service overrides, targets) and the helpers that build it, for the DuckDB path, Spark and the
cut alike."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..contract import parse_phone

__all__ = ["RingRequest", "user_ids"]


@dataclass(frozen=True)
class RingRequest:
    """One ring search as asked: the window (ISO text), layer weights, search parameters,
    link filter, services overrides and targets. Frozen and hashable: with the data's
    fingerprint it is the cache key of :meth:`RingsMixin.rings`."""

    since: str | None
    until: str | None
    weights: tuple
    ring: object  # workbench.rings.RingParams (frozen)
    min_weight: float = 0.0
    hubs: tuple = ()
    not_hubs: tuple = ()
    around: tuple = ()


def user_ids(values: Iterable[str] | None) -> tuple[str, ...]:
    """User-given numbers or accounts, phone numbers in E.164 (others as given)."""
    out = []
    for value in values or ():
        try:
            out.append(parse_phone(str(value)))
        except ValueError:
            out.append(str(value).strip())
    return tuple(sorted(set(out)))
