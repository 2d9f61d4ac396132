"""Groups held together by meetings: candidates from the meeting layer alone.

A ring that meets instead of phoning (``DOMAIN.md``) dissolves on the fused graph: its
members' families, coworkers and friends call them far more often than they call each
other, so Leiden puts each member with his own circle and trimming drops the few weak call
ties left between them. What holds them is the meetings, against chance at those places and
hours (:mod:`workbench.evidence.copresence`).

:func:`meeting_candidates` therefore looks at the meeting layer on its own:

1. **Strong meeting pairs**: pairs that met on two or more occasions, are not kin (kin
   meet as a matter of course: a couple on a family trip is no evidence), and whose meeting
   strength (surprise against chance, look-alike meetings excluded) is an outlier of the
   case's own meeting pairs: above ``Q3 + 3 x IQR`` of their strengths
   (:func:`meeting_threshold`, the same rule as for busy numbers) and above ``log10`` of
   their number (fewer than one pair that strong by chance; ``Baseline.meet_strong``).
2. **Groups**: Leiden CPM on those pairs, weighted by strength, at that threshold as the
   resolution (a group must meet, on average, as strongly as an outlier pair); each group
   of ``min_size`` or more is trimmed by its meeting ties (a member must meet the others
   about as strongly as they meet each other).
3. Each group is scored like any candidate (:func:`~workbench.rings.scoring.score_group`);
   one whose meetings fire as evidence (most pairs meet again and again, as strongly as a
   strong pair) competes with the other candidates in the search.

Examples
--------
>>> mw = np.array([1.0, 1.2, 1.5, 1.6, 2.0, 2.1, 9.0])
>>> round(meeting_threshold(mw), 3)
4.15
"""

from __future__ import annotations

import logging

import numpy as np

from ..graph import CaseGraph, leiden
from .candidates import trim_groups
from .scoring import Baseline, score_group

__all__ = ["meeting_threshold", "strong_meetings", "meeting_candidates"]

log = logging.getLogger(__name__)

#: how far above the third quartile an outlier is, in inter-quartile ranges (the rule of
#: busy numbers, :mod:`workbench.evidence.services`)
_IQR_FACTOR = 3.0


def meeting_threshold(meet_weight: np.ndarray) -> float:
    """``Q3 + 3 x IQR`` of the strengths of the case's meeting pairs (0 when none)."""
    x = np.asarray(meet_weight, dtype=np.float64)
    x = x[x > 0]
    if not len(x):
        return 0.0
    q1, q3 = np.quantile(x, [0.25, 0.75])
    return float(q3 + _IQR_FACTOR * (q3 - q1))


def strong_meetings(g: CaseGraph, base: Baseline, person: np.ndarray) -> np.ndarray:
    """Edge mask of strong meeting pairs (see the module docstring, step 1)."""
    ms = g.measures
    if "n_meet" not in ms or base.meet_strong <= 0:
        return np.zeros(g.m, dtype=bool)
    return ((ms["n_meet"] >= 2) & (ms["kin"] == 0) & (ms["meet_weight"] > base.meet_strong)
            & person[g.u] & person[g.v])


def meeting_candidates(g: CaseGraph, base: Baseline, person: np.ndarray, *, min_size: int,
                       max_size: int, trim: float, seed: int = 0
                       ) -> dict[tuple[int, ...], tuple]:
    """Candidate groups of the meeting layer: ``{members: (score, components, evidence)}``.

    Parameters
    ----------
    g : CaseGraph
        The fused graph (its ``n_meet``, ``meet_weight`` and ``kin`` measures are read).
    base : Baseline
        The case's baseline; ``base.meet_strong`` is the strong-pair threshold.
    person : numpy.ndarray
        Flags of the nodes that can be members.
    min_size, max_size : int
        Group size bounds.
    trim : float
        The trimming rule of :func:`~workbench.rings.candidates.trim_groups`, applied to
        meeting ties.
    seed : int
        Leiden seed.
    """
    strong = strong_meetings(g, base, person)
    if strong.sum() < 2:
        return {}
    su, sv = g.u[strong], g.v[strong]
    sw = g.measures["meet_weight"][strong].astype(np.float64)
    membership = leiden(g.n, su, sv, sw, objective="CPM", resolution=base.meet_strong,
                        seed=seed, n_iterations=2)
    sizes = np.bincount(membership)
    touched = np.zeros(g.n, dtype=bool)
    touched[su] = True
    touched[sv] = True
    groups = []
    for c in np.nonzero(sizes >= min_size)[0].tolist():
        nodes = np.nonzero((membership == c) & touched)[0]
        if len(nodes) >= min_size:
            groups.append(nodes)
    if not groups:
        return {}
    meet = CaseGraph(ids=g.ids, u=su, v=sv, weight=sw, strength={}, measures={})
    out = {}
    for grp in trim_groups(meet, groups, trim, min_size):
        if not min_size <= len(grp) <= max_size:
            continue
        arr = np.array(sorted(grp), dtype=np.int64)
        score, comp, evidence, _edges = score_group(g, arr, base)
        if "copresence" in evidence["tier"].split("+"):  # it is here because it meets
            out[tuple(arr.tolist())] = (score, comp, evidence)
    log.debug("meeting candidates: %d from %d strong pairs", len(out), int(strong.sum()))
    return out
