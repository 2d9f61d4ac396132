"""The fused weighted graph as numpy arrays, and Leiden (igraph) on it."""

from __future__ import annotations

from .fused import CaseGraph, LayerWeights, build_graph, layer_strengths, member_mask, reweight
from .leiden import as_igraph, leiden, seeded_rng
from .sweep import LeidenSweep

__all__ = [
    "CaseGraph",
    "LayerWeights",
    "LeidenSweep",
    "seeded_rng",
    "as_igraph",
    "build_graph",
    "layer_strengths",
    "leiden",
    "member_mask",
    "reweight",
]
