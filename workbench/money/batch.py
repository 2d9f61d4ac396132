"""Tests of many candidate patterns at once: the same p-values as the per-candidate code of
:mod:`.score`, computed for every candidate in a few array operations.

A county's candidates run to the thousands (16,600 at 2M calls), each with a few short
lists of transfers to test; one numpy call per list costs more in call overhead than in
arithmetic. Here the lists of every candidate are laid end to end and tested by length:
the same logarithms, the same variances (numpy reduces each row of a 2-d array as it reduces
a 1-d array), the same look-ups in :class:`~.score.AmountNull`'s null draws, so every score
is the same float.

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

import numpy as np

from .score import AmountNull
from .shapes import Candidate

__all__ = ["alike_ps"]


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
    code = np.unique(cur[flat], return_inverse=True)[1].reshape(-1)
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
