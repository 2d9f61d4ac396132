"""Ring search: request and params, the search, candidates, scoring, focus."""

from __future__ import annotations

from .focus import rings_around, track_ring
from .params import RING_DEFAULTS, RingRequest, build_request, user_ids
from .scoring import SIGNAL_AT, family_label
from .search import RingParams, RingResult, find_rings

__all__ = [
    'RING_DEFAULTS',
    'build_request',
    "RingRequest",
    "user_ids",
    "RingParams",
    "RingResult",
    "SIGNAL_AT",
    "family_label",
    "find_rings",
    "rings_around",
    "track_ring",
]
