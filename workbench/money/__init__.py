"""Money patterns among accounts: fan-in, fan-out, cycles, scatter-gather, gather-scatter
and bipartite layering, found by shape among one-off transfers and scored against the
case's own null model; and tracing money forward or back in time order.

Examples
--------
>>> from workbench.money import KINDS
>>> KINDS[:2]
('fan-in', 'fan-out')
"""

from .data import MoneyData, load
from .patterns import MoneyParams, find_patterns, patterns_of_case
from .score import Null, null_model
from .shapes import KINDS, Candidate, candidates
from .trace import trace

__all__ = ["KINDS", "Candidate", "MoneyData", "MoneyParams", "Null", "candidates",
           "patterns_of_case",
           "find_patterns", "load", "null_model", "trace"]
