"""A number no candidate's score can exceed, for every candidate at once: the pattern search
scores in full only the candidates whose bound reaches the reporting bar.

A score is a sum of seven terms (:func:`~.score.score`): structure, rarity, and the
evidence of five tests (span, moved on, conserved, alike, unusual). Structure, rarity and
the span and alike p-values are known exactly before scoring (:mod:`.batch`); the other
tests are bounded from below by what their inputs allow, and since
:func:`~.stats.evidence` falls as its p-value rises, and :func:`~.stats.fisher` rises with
each of its p-values, a lower bound on a p-value gives an upper bound on its evidence:

* unusual: Fisher's combination of the transfers' own ``p_big`` values (exact inputs);
* moved on, through an account with ``k`` ins and ``m`` outs (:func:`~.score._flow_p`):
  at least the order test's tail one pair short of perfect order, or, in perfect order
  (every out after every in, so the gap is at least 0), ``1 / C(k + m, k)`` times
  ``min(1, (k + m) floor / period)``; round a cycle of ``k`` hops (:func:`~.score.lap_p`):
  the hops' gaps add up to at least 0, so at least ``k x**(k-1) / (k-1)!`` for
  ``x = (k - 1) floor / period``;
* conserved: each pass-through's p-value is at least ``1 / (draws + 1)``, and only some
  of them may apply (different currencies): the most evidence any number of them gives.

Fisher's combination is evaluated here in closed form (the chi-square tail of an even
number of degrees of freedom, ``exp(-y) sum_{j<n} y**j / j!``) and lowered by more than
the scorer's own rounding can move it (relative ``1e-9``, absolute ``1e-15``: the scorer
takes ``1 - (1 - q)``, exact only to about ``1e-16``); a candidate with more than
:data:`MAX_TESTS` p-values in one combination, or with a bound that is not a number, is
always scored. A candidate is left out only when its bound is at or below the bar less
:data:`ROUNDING` (the float error of a score's own sum of logarithms is below ``1e-6``), so
the patterns reported, their scores and their order are those of scoring every candidate.

Examples
--------
>>> import numpy as np
>>> low = fisher_floor(np.array([0.01, 0.01, 0.5]), np.array([2, 1]))
>>> from workbench.money.stats import fisher
>>> bool(low[0] <= fisher([0.01, 0.01])), bool(low[1] <= fisher([0.5]))
(True, True)
"""

from __future__ import annotations

import math

import numpy as np

from .batch import flatten
from .score import Null, structure
from .shapes import Candidate
from .stats import log10_choose, order_sf

__all__ = ["MAX_TESTS", "ROUNDING", "evidence_ceiling", "fisher_floor", "score_ceilings"]

#: the scorer's series and continued fraction converge within their 1 000 steps for at
#: most this many p-values in one combination (steps grow as the square root)
MAX_TESTS = 5000
#: allowance for the float error of a score (the sum of seven terms, each a logarithm)
ROUNDING = 1e-5


def fisher_floor(values: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Per list (``values`` laid end to end, ``lens`` long each, at least one), a number
    at or below :func:`~.stats.fisher` of the list as the scorer computes it; 0 for a list
    longer than :data:`MAX_TESTS`.

    Examples
    --------
    >>> float(fisher_floor(np.array([1.0, 1.0]), np.array([2]))[0]) > 0.999
    True
    """
    lens = np.asarray(lens, dtype=np.int64)
    out = np.zeros(lens.size)
    if lens.size == 0:
        return out
    p = np.clip(np.asarray(values, dtype=float), 1e-300, 1.0)
    starts = (np.cumsum(lens) - lens)[lens > 0]
    y = np.zeros(lens.size)  # half of Fisher's statistic (an empty list: 0, p-value 1)
    if starts.size:
        y[lens > 0] = np.maximum(-np.add.reduceat(np.log(p), starts), 0.0)
    for n in np.unique(lens).tolist():
        if n > MAX_TESTS:
            continue
        at = np.nonzero(lens == n)[0]
        yy = y[at]
        pos = yy > 0
        ln_sf = np.zeros(at.size)  # y = 0: every p-value 1, the tail is 1
        if pos.any():
            j = np.arange(n, dtype=float)
            lg = np.array([math.lgamma(x + 1.0) for x in range(n)])
            terms = j[None, :] * np.log(yy[pos])[:, None] - lg[None, :]
            top = terms.max(axis=1)
            ln_sf[pos] = -yy[pos] + top + np.log(np.exp(terms - top[:, None]).sum(axis=1))
        out[at] = np.exp(np.minimum(ln_sf, 0.0))
    return np.clip(out * (1.0 - 1e-9) - 1e-15, 1e-300, 1.0)


def evidence_ceiling(p: np.ndarray) -> np.ndarray:
    """:func:`~.stats.evidence` of each p-value, in numpy (equal to it up to rounding).

    Examples
    --------
    >>> from workbench.money.stats import evidence
    >>> bool(abs(evidence_ceiling(np.array([1e-3]))[0] - evidence(1e-3)) < 1e-12)
    True
    """
    p = np.clip(np.asarray(p, dtype=float), 1e-300, 1.0)
    out = np.full(p.shape, -math.log10(2.0))
    low = p <= 1.0 - 1e-9
    q = p[low]
    ln_p = np.log(q)
    out[low] = np.log10((1.0 - q + q * ln_p) / (q * ln_p * ln_p))
    return out


def _flow_floor(k: int, m: int, floor: float, period: float) -> float:
    """Least p-value of the order test through an account with ``k`` ins, ``m`` outs."""
    perfect = 10.0 ** -log10_choose(k + m, k) * min(1.0, (k + m) * floor / period)
    return min(order_sf(k, m, k * m - 1), perfect)


def _lap_floor(k: int, floor: float, period: float) -> float:
    """Least p-value of :func:`~.score.lap_p` round a cycle of ``k`` hops."""
    x = (k - 1) * floor / period
    return 1.0 if x >= 1.0 else min(1.0, k * x ** (k - 1) / math.factorial(k - 1))


def _structures(found: list[Candidate], null: Null, ab) -> np.ndarray:
    """Each candidate's structure term, exactly (remembered by what it depends on)."""
    seen: dict = {}
    out = np.empty(len(found))
    for i, c in enumerate(found):
        if c.kind in ("fan-in", "fan-out"):
            key = (c.kind, len(c.edges))
        elif c.kind == "gather-scatter":
            key = (c.kind, c.shape["sources"], c.shape["targets"])
        elif c.kind == "scatter-gather":
            key = (c.kind, c.shape["middles"])
        elif c.kind == "cycle":
            key = (c.kind, c.shape["length"])
        else:
            out[i] = structure(c, null, ab)
            continue
        if key not in seen:
            seen[key] = structure(c, null, ab)
        out[i] = seen[key]
    return out


def _kept_ceilings(n_max: int, draws: int) -> np.ndarray:
    """Most evidence of conserved amounts through ``0 .. n_max`` pass-throughs: any ``j`` of
    them applying, each p-value at least ``1 / (draws + 1)`` (none applying: 0)."""
    if n_max > MAX_TESTS:
        return np.full(n_max + 1, math.inf)
    js = np.arange(1, n_max + 1)
    e = evidence_ceiling(fisher_floor(np.full(int(js.sum()), 1.0 / (draws + 1)), js))
    return np.maximum.accumulate(np.concatenate([[0.0], np.maximum(e, 0.0)]))


def score_ceilings(found: list[Candidate], tests: dict, null: Null, cols: dict
                   ) -> np.ndarray:
    """Per candidate, a number its score (:func:`~.score.score` with its ``pre`` out of
    ``tests``, :func:`~.batch.batch_columns`) cannot exceed by more than rounding.

    Examples
    --------
    >>> from workbench.money.score import AmountNull
    >>> null = Null(n=1000, m=3, in_mean=0.3, in_var=0.5, out_mean=0.3, out_var=0.5,
    ...             mu2=1e-4, cyc=0.4, rho=3e-4, sigma=1.0, period=3e7, floor=3600.0,
    ...             alpha=0.6, beta=1.4)
    >>> cols = {"a": np.array([1, 2, 3]), "b": np.array([0, 0, 0]),
    ...         "ts": np.array([0.0, 60.0, 120.0]), "amt": np.array([10.0, 11.0, 12.0]),
    ...         "cur": np.array(["CNY"] * 3), "p_big": np.array([0.5, 0.9, 1.0]),
    ...         "amount_null": AmountNull([10.0, 11.0, 12.0])}
    >>> fan = Candidate("fan-in", [0, 1, 2], {"sources": [1, 2, 3], "hub": [0]})
    >>> tests = {"rarity": [0.0], "span_p": [0.5], "alike": [[0.3]]}
    >>> from workbench.money.score import score
    >>> pre = {"rarity": 0.0, "span_p": 0.5, "alike": [0.3]}
    >>> bool(score_ceilings([fan], tests, null, cols)[0] >= score(fan, null, cols, pre)[0])
    True
    """
    n = len(found)
    if n == 0:
        return np.zeros(0)
    total = _structures(found, null, (cols["a"], cols["b"]))
    total += np.asarray(tests["rarity"], dtype=float)
    total += evidence_ceiling(np.asarray(tests["span_p"], dtype=float))
    # unusual: every candidate's transfers
    lens, rows = tests["flat"] if "flat" in tests else flatten(found)
    total += evidence_ceiling(fisher_floor(cols["p_big"][rows].astype(float), lens))
    # alike: the exact p-values, where any apply
    a_lens = np.fromiter((len(x) for x in tests["alike"]), dtype=np.int64, count=n)
    has = a_lens > 0
    if has.any():
        vals = np.fromiter((p for x in tests["alike"] for p in x), dtype=float,
                           count=int(a_lens.sum()))
        total[has] += evidence_ceiling(fisher_floor(vals, a_lens[has]))
    # moved on: least p-value of each pass-through, or of the lap round a cycle
    flows: dict = {}
    f_owner, f_vals = [], []
    for i, c in enumerate(found):
        if c.kind == "cycle":
            key = ("lap", len(c.edges))
            if key not in flows:
                flows[key] = _lap_floor(len(c.edges), null.floor, null.period)
            f_owner.append(i)
            f_vals.append(flows[key])
            continue
        for ins, outs in c.through:
            key = (len(ins), len(outs))
            if key not in flows:
                flows[key] = _flow_floor(key[0], key[1], null.floor, null.period)
            f_owner.append(i)
            f_vals.append(flows[key])
    if f_owner:
        owner = np.asarray(f_owner, dtype=np.int64)
        who, f_lens = np.unique(owner, return_counts=True)  # owners ascend as appended
        total[who] += evidence_ceiling(fisher_floor(np.asarray(f_vals), f_lens))
    # conserved: any number of the pass-throughs, each at its least p-value
    if cols["amount_null"].logs.size >= 2:
        t_lens = np.fromiter((len(c.through) for c in found), dtype=np.int64, count=n)
        total += _kept_ceilings(int(t_lens.max()), cols["amount_null"].draws)[t_lens]
    return total
