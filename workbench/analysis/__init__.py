"""Analyses on the graph and the rings: paths, centrality, key players, successors,
evolution, regional flags."""

from __future__ import annotations

from .evolution import default_windows, match_windows
from .network import (
    centrality_table,
    connecting_network,
    disruption,
    expand,
    find_paths,
    key_players,
    temporal_path,
)
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
    "match_windows",
    "population_counts",
    "regional_flag",
    "registration_codes",
    "temporal_path",
]
