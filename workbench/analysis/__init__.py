"""Analyses on the graph and the rings: paths, centrality, key players, successors,
evolution, regional flags.

The network analyses (:mod:`.network`) load igraph, so they are imported when first asked
for; the rest loads at once.
"""

from __future__ import annotations

import importlib

from .evolution import default_windows, match_windows
from .regional import (
    flag_rings,
    population_counts,
    region_tables,
    regional_flag,
    registration_codes,
)
from .successors import SuccessorParams, find_burners, find_successors

__all__ = [
    'flag_rings',
    "SuccessorParams",
    "region_tables",
    "centrality_table",
    "connecting_network",
    "default_windows",
    "disruption",
    "expand",
    "find_burners",
    "find_paths",
    "find_successors",
    "key_players",
    "sampled_betweenness",
    "ranked_nodes",
    "match_windows",
    "population_counts",
    "regional_flag",
    "registration_codes",
    "services",
    "temporal_path",
]

#: names of :mod:`.network` and :mod:`.players`, loaded on first use (igraph)
_LAZY = {"centrality_table": "network", "connecting_network": "network",
         "disruption": "network", "expand": "network", "find_paths": "network",
         "services": "network", "temporal_path": "network", "key_players": "players",
         "sampled_betweenness": "players", "ranked_nodes": "players"}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
