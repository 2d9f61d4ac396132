"""Tests of every candidate pattern at once: amounts alike, rarity, the scan statistic of
times (the evidence :func:`~.score.score` takes in its ``pre``), computed for every
candidate in a few array operations.

A county's candidates run to the thousands (16,600 at 2M calls), each with a few short
lists of transfers to test; one numpy call per list costs more in call overhead than in
arithmetic. Here the lists of every candidate are laid end to end and tested by length.
Each value is the one-candidate definition's float for float (:meth:`.AmountNull.alike_p`,
:func:`~.stats.scan_p`, the rarity term of :mod:`.score`): the same variances (numpy reduces
each row of a 2-d array as it reduces a 1-d array), the same look-ups in the null draws,
and the logarithms taken with :mod:`math` (numpy's vectorized ``log10`` may differ in the
last bit on some CPUs); ``tests/test_money.py`` compares them with the definitions.

Examples
--------
>>> import numpy as np
>>> from workbench.money.score import AmountNull
>>> from workbench.money.shapes import Candidate
>>> amounts = AmountNull([100.0, 100.0, 250.0, 3000.0, 80.0, 999.0])
>>> amt = np.array([100.0, 100.0, 101.0, 80.0, 3000.0])
>>> cur = np.array(["CNY"] * 4 + ["USD"])
>>> found = [Candidate("fan-in", [0, 1, 2], {}, alike=[[0, 1, 2]]),
...          Candidate("fan-in", [3, 4], {}, alike=[[3, 4], [3]])]
>>> ps = alike_ps(found, amt, cur, amounts)
>>> ps[0] == [amounts.alike_p([100.0, 100.0, 101.0])], ps[1]  # mixed currencies: no test
(True, [])
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .data import MoneyData
from .score import AmountNull, Null
from .shapes import Candidate
from .stats import scan_p, scan_rows

__all__ = ["alike_ps", "batch_columns", "batch_tests", "edge_columns", "flatten", "pre_of",
           "rarities", "span_ps"]


def alike_ps(found: list[Candidate], amt: np.ndarray, cur: np.ndarray,
             amounts: AmountNull) -> list[list[float]]:
    """Per candidate, the p-values of its ``alike`` lists that apply (two transfers or more,
    one currency), in order: what :func:`~.score.score` computes one by one."""
    out: list[list[float]] = [[] for _ in found]
    owner, lists = [], []
    for i, c in enumerate(found):
        for rows in c.alike:
            if len(rows) >= 2:
                owner.append(i)
                lists.append(rows)
    if not lists or amounts.logs.size < 2:
        return out
    lens = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
    flat = np.fromiter((r for x in lists for r in x), dtype=np.int64, count=int(lens.sum()))
    starts = np.cumsum(lens) - lens
    code = pd.factorize(np.asarray(cur))[0][flat]  # each currency a number (hashed, no sort)
    one = np.minimum.reduceat(code, starts) == np.maximum.reduceat(code, starts)
    logs = np.log(np.maximum(amt[flat].astype(float), 1e-9))
    p = np.full(len(lists), np.nan)
    for n in np.unique(lens[one]).tolist():
        at = np.nonzero(one & (lens == n))[0]
        obs = logs[starts[at][:, None] + np.arange(n)].var(axis=1)
        below = np.searchsorted(amounts.spread(min(n, 60)), obs, side="right")
        p[at] = (below.astype(float) + 1) / (amounts.draws + 1)
    for i, ok, value in zip(owner, one.tolist(), p.tolist(), strict=True):
        if ok:
            out[i].append(value)
    return out


def flatten(found: list[Candidate]) -> tuple[np.ndarray, np.ndarray]:
    """Every candidate's transfers laid end to end: ``(lens, rows)``, each candidate's
    ``len(c.edges)`` and the row numbers in candidate order.

    Examples
    --------
    >>> lens, rows = flatten([Candidate("fan-in", [4, 2], {}), Candidate("cycle", [7], {})])
    >>> lens.tolist(), rows.tolist()
    ([2, 1], [4, 2, 7])
    """
    lens = np.fromiter((len(c.edges) for c in found), dtype=np.int64, count=len(found))
    rows = np.fromiter((r for c in found for r in c.edges), dtype=np.int64,
                       count=int(lens.sum()))
    return lens, rows


def rarities(found: list[Candidate], data: MoneyData, null: Null, a: np.ndarray,
             b: np.ndarray, flat: tuple[np.ndarray, np.ndarray] | None = None
             ) -> list[float]:
    """Per candidate, the rarity evidence (``score``'s module doc): per transfer, ``log10``
    of the case's share of one-off pairs over the larger of its two accounts' own shares
    (shrunk to the case's by ``alpha, beta``; the candidate's own pairs left out), summed
    in the candidate's order.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> data = SimpleNamespace(n_pairs=np.array([10.0, 10.0, 2.0]),
    ...                        n_once=np.array([0.0, 0.0, 2.0]))
    >>> null = SimpleNamespace(alpha=1.0, beta=1.0)  # the case: half its pairs one-offs
    >>> fan = Candidate("fan-in", [0], {})
    >>> rarity = rarities([fan], data, null, np.array([0]), np.array([1]))[0]
    >>> round(rarity, 3)  # accounts that otherwise pay their counterparts repeatedly
    0.74
    """
    lens, rows = flat if flat is not None else flatten(found)
    if not len(rows):
        return [0.0] * len(found)
    owner = np.repeat(np.arange(len(found), dtype=np.int64), lens)
    ends_a, ends_b = a[rows].astype(np.int64), b[rows].astype(np.int64)
    # how often each account is an end of the candidate's transfers
    width = int(max(ends_a.max(), ends_b.max())) + 1
    key_a, key_b = owner * width + ends_a, owner * width + ends_b
    keys, counts = np.unique(np.concatenate([key_a, key_b]), return_counts=True)

    def q(ends: np.ndarray, key: np.ndarray) -> np.ndarray:
        kv = counts[np.searchsorted(keys, key)]
        return ((np.maximum(data.n_once[ends] - kv, 0.0) + null.alpha)
                / (np.maximum(data.n_pairs[ends] - kv, 0.0) + null.alpha + null.beta))

    share = null.alpha / (null.alpha + null.beta)
    ratio = share / np.minimum(np.maximum(q(ends_a, key_a), q(ends_b, key_b)), 1.0)
    terms = [math.log10(x) for x in ratio.tolist()]
    out, at = [], 0
    for n in lens.tolist():
        out.append(float(sum(terms[at:at + n])))
        at += n
    return out


def span_ps(found: list[Candidate], ts: np.ndarray, period: float, floor: float,
            flat: tuple[np.ndarray, np.ndarray] | None = None) -> list[float]:
    """Per candidate, :func:`~.stats.scan_p`'s p-value of its transfers' times: the same
    windows and sums for all candidates with as many transfers at once.

    Examples
    --------
    >>> ts = np.array([0.0, 60.0, 120.0, 5e6])
    >>> burst = Candidate("fan-in", [0, 1, 2, 3], {})
    >>> span_ps([burst], ts, 3e7, 0.0) == [scan_p(ts.tolist(), 3e7)[0]]
    True
    """
    out = [1.0] * len(found)
    lens, rows = flat if flat is not None else flatten(found)
    if period <= 0:
        return out
    starts = np.cumsum(lens) - lens
    for k in np.unique(lens[lens >= 3]).tolist():
        at = np.nonzero(lens == k)[0]
        t = np.sort(np.asarray(ts, dtype=float)[rows[starts[at][:, None] + np.arange(k)]],
                    axis=1)
        p = scan_rows(t, period, floor)[0]
        for i, x, ok in zip(at.tolist(), p.tolist(), np.isfinite(t).all(axis=1).tolist(),
                            strict=True):
            out[i] = x if ok else scan_p([ts[r] for r in found[i].edges], period, floor)[0]
    return out


def edge_columns(edges) -> dict:
    """The edge table's columns the scorer reads, as arrays (``a, b, ts, amt, cur, p_big``),
    and the case's :class:`~.score.AmountNull` as ``amount_null``.

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"a": [0], "b": [1], "ts": [0.0], "amt": [5.0], "cur": ["CNY"],
    ...                   "p_big": [1.0]})
    >>> sorted(edge_columns(e))
    ['a', 'amount_null', 'amt', 'b', 'cur', 'p_big', 'ts']
    """
    cols = {"a": edges["a"].to_numpy(), "b": edges["b"].to_numpy(),
            "ts": edges["ts"].to_numpy(dtype=float),
            "amt": edges["amt"].to_numpy(dtype=float),
            "cur": edges["cur"].astype(str).to_numpy(),
            "p_big": edges["p_big"].to_numpy(dtype=float)}
    cols["amount_null"] = AmountNull(cols["amt"])
    return cols


def batch_columns(found: list[Candidate], data: MoneyData, null: Null, cols: dict) -> dict:
    """The tests :func:`~.score.score` takes precomputed, as columns: ``alike``,
    ``rarity``, ``span_p`` (one entry per candidate; :func:`pre_of` gives one candidate's
    ``pre``), and ``flat``, the candidates' transfers (:func:`flatten`)."""
    flat = flatten(found)
    return {"alike": alike_ps(found, cols["amt"], cols["cur"], cols["amount_null"]),
            "rarity": rarities(found, data, null, cols["a"], cols["b"], flat),
            "span_p": span_ps(found, cols["ts"], null.period, null.floor, flat),
            "flat": flat}


def pre_of(tests: dict, i: int) -> dict:
    """Candidate ``i``'s ``pre`` for :func:`~.score.score` out of :func:`batch_columns`."""
    return {"alike": tests["alike"][i], "rarity": tests["rarity"][i],
            "span_p": tests["span_p"][i]}


def batch_tests(found: list[Candidate], data: MoneyData, null: Null, cols: dict
                ) -> list[dict]:
    """Per candidate, the tests :func:`~.score.score` takes precomputed (its ``pre``)."""
    tests = batch_columns(found, data, null, cols)
    return [pre_of(tests, i) for i in range(len(found))]
