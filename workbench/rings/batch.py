""":func:`~workbench.rings.scoring.score_sums` of many groups at once, the same floats.

A Leiden partition of a large county yields thousands of candidate groups
(:func:`~workbench.rings.candidates.candidates_of`); scoring them one by one in Python took
most of the candidates' time. :func:`score_batch` computes every component for all of them as
numpy columns, with the same IEEE operations in the same order per group as the scalar code
(``+ - * /``, ``sqrt`` and comparisons are correctly rounded in both; Python's ``min`` and
``max`` are written as the same comparisons), and leaves to the scalar code what numpy could
round differently: the exponential above the knee (:func:`~workbench.rings.scoring.bounded`)
and the rounding of the components (Python's ``round``). Breadth, the weights and the tier's
weighted mean come from the scalar functions themselves, once per distinct case.

Examples
--------
>>> import numpy as np
>>> from workbench.rings.scoring import Baseline, score_sums
>>> base = Baseline(night=0.1, short=0.2, calls_per_pair=4.0)
>>> sums = {"size": np.array([3, 4]), "n_calls": np.array([12.0, 2.0]),
...         "n_night": np.array([9.0, 0.0]), "n_short": np.array([8.0, 1.0]),
...         "n_tx": np.array([2.0, 0.0]), "call_pairs": np.array([3.0, 1.0]),
...         "money_pairs": np.array([2.0, 0.0]), "links": np.array([3, 1]),
...         "amount": np.array([500.0, 0.0]), "top_paid": np.array([2, 0]),
...         "top_paid_beyond_kin": np.array([2, 0]), "hub_links": np.array([2, 1]),
...         "cases": np.array([1.0, 0.0]), "co": np.array([1.0, 0.0]),
...         "drug": np.array([1.0, 0.0]), "kin": np.array([0.0, 0.0]),
...         "met": np.array([0.0, 0.0]), "met_often": np.array([0.0, 0.0]),
...         "meeting": np.array([0.0, 0.0]), "meet_strength": np.array([0.0, 0.0])}
>>> together = score_batch(sums, base)
>>> together == [score_sums({k: a[i] for k, a in sums.items()}, base, evidence=False)[:2]
...              for i in range(2)]
True
"""

from __future__ import annotations

from operator import itemgetter

import numpy as np

from ..graph import CaseGraph
from .arrays import group_labels, inside_links
from .scoring import (
    COMPONENT_KIND,
    KINDS,
    KNEE,
    PATTERN_CALLS,
    SCORE_WEIGHTS,
    SIGNAL_AT,
    STAR_SPOKES,
    Baseline,
    _usable,
    bounded,
    breadth_of,
    group_sums,
)
from .shown import shown_evidence

__all__ = ["score_batch", "scored_groups"]

#: the columns :func:`~workbench.rings.scoring.shown_evidence` reads
_SHOWN = ("n_calls", "n_night", "n_short", "call_pairs", "n_tx", "amount", "top_paid",
          "cases", "kin", "drug", "met", "met_often")
#: the components in the order :func:`~workbench.rings.scoring.score_sums` fills them
_ORDER = ("call_pattern", "cohesion", "intensity", "money", "money_intensity", "coarrest",
          "drug_arrests", "copresence", "breadth", "kinds", "tier_score")


def _clip(x: np.ndarray) -> np.ndarray:
    """``min(1.0, max(0.0, x))`` per element, as Python's ``min`` and ``max`` choose."""
    x = np.where(x > 0.0, x, 0.0)
    return np.where(x < 1.0, x, 1.0)


def _excess(x: np.ndarray, base: float) -> np.ndarray:
    """:func:`~workbench.rings.scoring._excess` per element."""
    if base >= 1.0:
        return np.zeros(len(x))
    return _clip((x - base) / (1.0 - base))


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` where ``den`` is not 0, else 0.0."""
    out = np.zeros(len(num))
    np.divide(num, den, out=out, where=den != 0)
    return out


def score_batch(s: dict[str, np.ndarray], base: Baseline, evidence: bool = False
                ) -> list[tuple]:
    """``(score, components)`` of each group of :func:`~workbench.rings.scoring.group_sums`
    columns ``s``: what ``score_sums(..., evidence=False)`` gives, group by group, with
    the same floats; ``evidence=True``: ``(score, components, evidence)``, what
    ``score_sums`` gives."""
    k = np.asarray(s["size"], dtype=np.int64)
    n = len(k)
    if not n:
        return []
    f = {key: np.asarray(a, dtype=np.float64) for key, a in s.items()}
    calls, night, short = f["n_calls"], f["n_night"], f["n_short"]
    call_pairs = f["call_pairs"]
    pairs = (k * (k - 1)) / 2
    comp: dict[str, np.ndarray] = {}
    pattern = 0.5 * _excess(_ratio(night, calls), base.night) + 0.5 * _excess(
        _ratio(short, calls), base.short)
    comp["call_pattern"] = np.where(calls >= PATTERN_CALLS, pattern, 0.0)
    comp["cohesion"] = _ratio(call_pairs, pairs)
    ratio = _ratio(calls, call_pairs) / base.calls_per_pair
    comp["intensity"] = ratio / (1.0 + ratio)
    top_count = np.asarray(s["top_paid"], dtype=np.int64)
    numbers = (np.asarray(s["numbers"]).astype(np.int64) if "numbers" in s
               else np.zeros(n, dtype=np.int64))
    held = np.maximum(k - numbers, 1)
    share_paid = _ratio(top_count.astype(np.float64), (held - 1).astype(np.float64))
    comp["money"] = np.where(held > 1, np.where(share_paid < 1.0, share_paid, 1.0), 0.0)
    moved = _ratio(f["amount"], f["money_pairs"]) / base.amount_per_pair
    comp["money_intensity"] = np.where(comp["money"] > 0, moved / (1.0 + moved), 0.0)
    comp["coarrest"] = f["co"] / held
    comp["drug_arrests"] = f["drug"] / held
    met = f["met"].astype(np.int64)
    often = f["met_often"].astype(np.int64) if "met_often" in f else met
    strength = f["meet_strength"]
    ratio = strength / base.meet_strong if base.meet_strong > 0 else np.zeros(n)
    share = _ratio(often.astype(np.float64), pairs)
    comp["copresence"] = np.where((met >= 2) & (often >= 1),
                                  np.sqrt(share) * ratio / (1.0 + ratio), 0.0)
    flows = (comp["money"] >= 0.5) & (top_count >= 2)
    beyond_kin = (np.asarray(s["top_paid_beyond_kin"], dtype=np.int64)
                  if "top_paid_beyond_kin" in s else top_count)
    fired = {"calls": comp["call_pattern"] >= SIGNAL_AT,
             "money": flows & (beyond_kin >= np.maximum(2.0, 0.5 * (k - 1))),
             "arrests": (comp["coarrest"] > 0) | (comp["drug_arrests"] >= 0.34),
             "copresence": (often >= 2) & (share >= 0.5) & (strength >= base.meet_strong)
             & (base.meet_strong > 0)}
    signals = (fired["calls"].astype(np.int64) + flows + (comp["coarrest"] > 0)
               + (comp["drug_arrests"] >= 0.34) + fired["copresence"])
    links = np.asarray(s.get("links", np.zeros(n)), dtype=np.int64)
    star = (links >= STAR_SPOKES) & (np.asarray(s.get("hub_links", np.zeros(n)), dtype=np.int64)
                           == links)
    # breadth has a dozen values (signals 0-5, star or not): the scalar function's own
    table = np.array([[breadth_of(x, base.kinds, bool(y)) for y in (0, 1)]
                      for x in range(6)])
    breadth = table[signals, star.astype(np.int64)]
    score = _combine(comp, breadth, base.kinds)
    comp["breadth"] = breadth
    tiers = sum(fired[kind].astype(np.int64) << b for b, kind in enumerate(KINDS))
    comp["kinds"] = sum(fired[kind].astype(np.int64) for kind in KINDS)
    comp["tier_score"] = np.zeros(n)
    for code in np.unique(tiers).tolist():  # the tier's weighted mean, per tier present
        tier = [kind for b, kind in enumerate(KINDS) if code >> b & 1]
        own = [c for c in SCORE_WEIGHTS if COMPONENT_KIND[c] in tier]  # as tier_score
        if own:
            rows = tiers == code
            comp["tier_score"][rows] = _weighted(comp, own, rows) / sum(
                SCORE_WEIGHTS[c] for c in own)
    columns = [_rounded(comp[c]) for c in _ORDER]
    scored = [(x, dict(zip(_ORDER, row, strict=True)))
              for x, row in zip(score, zip(*columns, strict=True), strict=True)]
    if not evidence:
        return scored
    names = [kind for kind in _SHOWN if kind in s]
    rows = zip(*(np.asarray(s[kind]).tolist() for kind in names), strict=True)
    tier_of = {code: [kind for b, kind in enumerate(KINDS) if code >> b & 1]
               for code in np.unique(tiers).tolist()}
    return [(x, comp_row, shown_evidence(dict(zip(names, row, strict=True)), tier_of[code],
                                         is_star))
            for (x, comp_row), row, code, is_star in zip(
                scored, rows, tiers.tolist(), star.tolist(), strict=True)]


def scored_groups(g: CaseGraph, groups: list[np.ndarray], base: Baseline) -> list[tuple]:
    """:func:`~workbench.rings.scoring.score_group` of each of ``groups`` (disjoint, each
    ascending dense ids), all at once: ``[(score, components, evidence, internal edge
    ids)]``, the same values as one group at a time (:func:`score_batch`).

    >>> from workbench.graph.fused import CaseGraph
    >>> from workbench.rings.scoring import baseline, score_group
    >>> names = ("n_calls", "n_night", "n_short", "n_tx", "n_uv_tx", "n_vu_tx", "total_uv",
    ...          "total_vu", "n_cases", "n_trafficking_cases", "kin")
    >>> g = CaseGraph(ids=np.array(list("abcde"), dtype=object), u=np.array([0, 0, 1, 3]),
    ...               v=np.array([1, 2, 2, 4]), weight=np.ones(4), strength={},
    ...               measures={k: np.array([4, 2, 1, 3]) for k in names})
    >>> groups = [np.array([0, 1, 2]), np.array([3, 4])]
    >>> at_once = scored_groups(g, groups, baseline(g))
    >>> [x[:3] for x in at_once] == [score_group(g, x, baseline(g))[:3] for x in groups]
    True
    >>> [x[2]["tier"] for x in at_once]
    ['arrests', 'arrests']
    """
    if not groups:
        return []
    nodes, node_group, label = group_labels(g.n, groups)
    edges, edge_group = inside_links(g, label)
    sums = group_sums(g, nodes, node_group, edges, edge_group, len(groups))
    order = np.argsort(edge_group, kind="stable")  # each group's edges, still ascending
    bounds = np.searchsorted(edge_group[order], np.arange(len(groups) + 1)).tolist()
    return [(*scored, edges[order[bounds[i]:bounds[i + 1]]])
            for i, scored in enumerate(score_batch(sums, base, evidence=True))]


def _rounded(column: np.ndarray) -> tuple:
    """``round(value, 4)`` of each value (Python's own rounding), once per distinct value
    (no component is NaN or -0.0, where numpy's equality would merge values that round
    apart)."""
    values, which = np.unique(column, return_inverse=True)
    table = [round(v, 4) for v in values.tolist()]
    if len(column) == 1:
        return (table[int(which[0])],)
    return itemgetter(*which.tolist())(table)


def _weighted(comp: dict, names, rows=slice(None)) -> np.ndarray:
    """``float(sum(weight * component for the names))`` per row, summed in that order from
    0 as Python's ``sum`` does."""
    total = 0.0
    for c in names:
        total = total + SCORE_WEIGHTS[c] * comp[c][rows]
    return total


def _combine(comp: dict, breadth: np.ndarray, kinds) -> list[float]:
    """:func:`~workbench.rings.scoring.combine` per row (default weights)."""
    usable, total_w = _usable(tuple(kinds))
    bonus = SCORE_WEIGHTS["copresence"] * comp["copresence"] if "copresence" in kinds else 0.0
    x = breadth * (_weighted(comp, usable) + bonus) / total_w
    x = np.where(x > 0.0, x, 0.0)
    out = x.tolist()
    for i in np.nonzero(x > KNEE)[0].tolist():  # the exponential: the scalar code's own
        out[i] = bounded(out[i])
    return out
