"""Ring search: request and params, the search, candidates, scoring, focus.

The request (:mod:`.params`) loads at once; the search and its scoring load igraph (and with
it matplotlib), so they are imported when first asked for: commands that search no rings
(``rejects``, ``ingest``) stay quick to start.
"""

from __future__ import annotations

import importlib

from .params import RING_DEFAULTS, RingRequest, build_request, user_ids

#: public names of the search modules, loaded on first use
_LAZY = {"rings_around": "focus", "track_ring": "focus", "SIGNAL_AT": "scoring",
         "family_label": "family",
         "RingParams": "search", "RingResult": "search", "find_rings": "search"}

__all__ = [
    "RING_DEFAULTS",
    "build_request",
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


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
