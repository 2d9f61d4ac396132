"""Scores of candidate money patterns: log10 likelihood ratios against the case's own null.

A pattern's score adds four kinds of evidence, each in log10 units:

* **structure**: ``-log10`` of the number of such shapes expected by chance in the case's
  one-off transfer graph (degree distributions fitted to the case: a negative binomial
  fitted to the bulk of the one-off degrees (hubs past the far-out fence left out of the
  fit) for fan hubs, Poisson two-step paths for scatter-gather, the graph's density for layers,
  the configuration model for cycles); negative when the shape is common; a gather-scatter
  combines its two sides' tails as Fisher's method does (:func:`gather_scatter_structure`);
* **rarity**: each transfer is the pair's only one, while its accounts otherwise pay their
  counterparts repeatedly: ``log10`` of the case's share of one-off pairs over these
  accounts' own share (shrunk to the case's; the pattern's own transfers left out), so an
  account that pays one-offs all the time adds nothing, or less than nothing;
* **time**: money moved on soon after it arrived at each account it passes through (round
  a cycle: in order, one lap as short as it was, :func:`lap_p`), and the tightest cluster
  in time of the transfers (a scan statistic, so one stray transfer does not hide a burst);
* **amounts**: amounts conserved through each such account, and alike within a fan or
  layer, against amounts drawn from the case's own one-off transfers (:class:`AmountNull`);
  and each transfer unlike its payer's usual payments (the share of the payer's transfers
  at least as large, combined over the pattern).

Time and amounts are tested against the case's own spread (uniform times over its period,
its log-amount spread) and turned into likelihood ratios with
:func:`~workbench.money.stats.evidence` (an e-value calibrator: its mean under the null is 1,
so the thousands of candidates a case has do not gain by chance); they raise or lower a
score and never filter. All of it is continuous, so scores rarely tie.

Examples
--------
>>> null = Null(n=1000, m=300, in_mean=0.3, in_var=0.5, out_mean=0.3, out_var=0.5,
...             mu2=1e-4, cyc=0.4, rho=3e-4, sigma=1.0, period=3e7, floor=3600.0,
...             alpha=0.6, beta=1.4)
>>> round(null.fan(5, "in"), 2)  # log10 P(one-off in-degree >= 5)
-2.58
"""

from __future__ import annotations

import bisect
import functools
import math
from dataclasses import asdict, dataclass

import numpy as np

from .data import MoneyData
from .shapes import Candidate
from .stats import (
    binom_log10_sf,
    evidence,
    fisher,
    log10_choose,
    nb_log10_sf,
    order_sf,
    poisson_log10_sf,
)

__all__ = ["AmountNull", "Null", "gather_scatter_structure", "lap_p", "null_model",
           "score"]

@functools.lru_cache(maxsize=4096)
def _nb_tail(k: int, mean: float, var: float) -> float:
    return nb_log10_sf(k, mean, var)


#: shortest gap that counts (times in exports are to the minute or second)
_FLOOR_S = 3600.0


@dataclass(frozen=True)
class Null:
    """The case's null model: what chance alone gives in its one-off transfer graph."""

    n: int          # ordinary accounts
    m: int          # one-off transfers among them
    in_mean: float  # one-off in-degree: mean and variance
    in_var: float
    out_mean: float
    out_var: float
    mu2: float      # expected one-off two-step paths per ordered account pair
    cyc: float      # sum(in * out) / m: the configuration model's cycle branching
    rho: float      # density: m / n^2
    sigma: float    # spread of log amounts (robust standard deviation)
    period: float   # seconds from first to last transfer
    floor: float    # shortest gap counted, seconds
    alpha: float    # rarity prior: case's one-off share as pseudo-counts
    beta: float

    def fan(self, k: int, side: str) -> float:
        """``log10 P(one-off degree >= k)`` on ``side`` ("in" or "out")."""
        mean, var = (self.in_mean, self.in_var) if side == "in" else (self.out_mean,
                                                                      self.out_var)
        return _nb_tail(int(k), mean, var)

    def as_params(self) -> dict:
        """The model's numbers, rounded, for ``params``."""
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def null_model(data: MoneyData) -> Null:
    """Fit the null model to a case's one-off transfer graph.

    Examples
    --------
    >>> import tempfile, os
    >>> from workbench.store import Store
    >>> from workbench.money.data import load
    >>> with Store(os.path.join(tempfile.mkdtemp(), "c.duckdb")) as store:
    ...     null_model(load(store)).m
    0
    """
    n = max(data.n_accounts, 1)
    m = len(data.edges)
    din, dout = data.din_all, data.dout_all

    def moments(x):
        """Mean and variance of the bulk: degrees past the far-out fence (Q3 + 3 IQR, the
        IQR at least 1) are the hubs under test and would mask themselves."""
        if x.size < 2:
            return 0.0, 0.0
        q1, q3 = np.percentile(x, [25, 75])
        bulk = x[x <= q3 + 3.0 * max(q3 - q1, 1.0)]
        bulk = bulk if bulk.size > 1 else x
        return float(bulk.mean()), float(bulk.var(ddof=1))

    in_mean, in_var = moments(din)
    out_mean, out_var = moments(dout)
    both = float((din * dout).sum())
    amt = data.edges["amt"].to_numpy(dtype=float) if m else np.zeros(0)
    logs = np.log(amt[amt > 0]) if amt.size else np.zeros(0)
    if logs.size >= 4:
        q1, q3 = np.percentile(logs, [25, 75])
        sigma = float((q3 - q1) / 1.349) or float(logs.std()) or 1.0
    else:
        sigma = 1.0
    once = float(data.n_once.sum())
    pairs = float(data.n_pairs.sum()) or 1.0
    share = min(max(once / pairs, 0.01), 0.99)
    lo, hi = data.period
    return Null(n=n, m=m, in_mean=in_mean, in_var=in_var, out_mean=out_mean, out_var=out_var,
                mu2=both / (n * n), cyc=both / max(m, 1), rho=m / (n * n), sigma=sigma,
                period=max(hi - lo, _FLOOR_S), floor=_FLOOR_S, alpha=2 * share,
                beta=2 * (1 - share))


class AmountNull:
    """Amounts under the null, drawn from the case's own one-off transfers (so round sums
    that many people pay count as the chance they are, not as a coincidence).

    Parameters
    ----------
    amounts : array of float
        The one-off transfers' amounts.
    draws : int
        Random draws per statistic (p-values are at least ``1 / (draws + 1)``).
    seed : int
        Seed of the draws (the same case gives the same scores).

    Examples
    --------
    >>> null = AmountNull([100.0, 100.0, 250.0, 3000.0, 80.0, 999.0])
    >>> null.alike_p([100.0, 100.0, 100.0]) < null.alike_p([80.0, 999.0, 3000.0])
    True
    """

    def __init__(self, amounts, draws: int = 4000, seed: int = 0) -> None:
        x = np.asarray(amounts, dtype=float)
        self.logs = np.log(x[x > 0]) if x.size else np.zeros(0)
        self.draws = draws
        self.seed = seed
        self._spread: dict[int, np.ndarray] = {}
        self._ratio: np.ndarray | None = None

    def alike_p(self, amounts) -> float | None:
        """Chance that ``len(amounts)`` null amounts vary as little (log scale)."""
        x = np.log(np.maximum(np.asarray(amounts, dtype=float), 1e-9))
        k = min(x.size, 60)
        if k < 2 or self.logs.size < 2:
            return None
        obs = float(x.var())
        return (float(np.searchsorted(self.spread(k), obs, side="right")) + 1) / (
            self.draws + 1)

    def spread(self, k: int) -> np.ndarray:
        """The null draws' variances of ``k`` log amounts, ascending (drawn once per size)."""
        if k not in self._spread:
            rng = np.random.default_rng([self.seed, k])  # each size on its own stream
            sample = self.logs[rng.integers(0, self.logs.size, (self.draws, k))]
            self._spread[k] = np.sort(sample.var(axis=1))
        return self._spread[k]

    def kept_p(self, got: float, paid: float) -> float | None:
        """Chance that a null amount is as close to another as ``paid`` is to ``got``."""
        if got <= 0 or paid <= 0 or self.logs.size < 2:
            return None
        if self._ratio is None:
            pick = np.random.default_rng([self.seed, 0]).integers(0, self.logs.size,
                                                                   (self.draws, 2))
            self._ratio = np.sort(np.abs(self.logs[pick[:, 0]] - self.logs[pick[:, 1]]))
        obs = abs(math.log(paid / got))
        return (float(np.searchsorted(self._ratio, obs, side="right")) + 1) / (self.draws + 1)


def structure(c: Candidate, null: Null, edges_ab: tuple[np.ndarray, np.ndarray]) -> float:
    """``-log10`` of the number of such shapes chance gives in the case."""
    log_n = math.log10(max(null.n, 2))
    if c.kind == "fan-in":
        return -(log_n + null.fan(len(c.edges), "in"))
    if c.kind == "fan-out":
        return -(log_n + null.fan(len(c.edges), "out"))
    if c.kind == "gather-scatter":
        return gather_scatter_structure(null.fan(c.shape["sources"], "in"),
                                        null.fan(c.shape["targets"], "out"), log_n)
    if c.kind == "scatter-gather":
        return -(2 * log_n + poisson_log10_sf(c.shape["middles"], max(null.mu2, 1e-300)))
    if c.kind == "cycle":
        length = c.shape["length"]
        return -(length * math.log10(max(null.cyc, 1e-12)) - math.log10(length))
    a, b = edges_ab
    layers = list(c.roles.values())
    total = sum(log10_choose(null.n, len(x)) for x in layers)
    for left, right in zip(layers, layers[1:], strict=False):
        left_s, right_s = set(left), set(right)
        e = sum(1 for r in c.edges if int(a[r]) in left_s and int(b[r]) in right_s)
        total += binom_log10_sf(e, len(left) * len(right), min(null.rho, 1.0))
    return -total


def gather_scatter_structure(log_p_in: float, log_p_out: float, log_n: float) -> float:
    """Structure of a gather-scatter from its sides' ``log10`` tails: ``-log10`` of the
    accounts expected by chance to have two tails that multiply to as little, ``t (1 - ln
    t)`` for a product ``t`` of two independent tails (Fisher's combination of two
    p-values). The product alone is the chance of being past both counts, counts chosen
    after they were seen: it credited a fan's hub with its ordinary one-offs the other
    way (two stray payments in made a fan-out a gather-scatter that outranked it).

    Examples
    --------
    >>> round(gather_scatter_structure(-5.0, -0.6, 3.7), 2)  # a fan-out (alone 1.3), two ins
    0.76
    >>> round(gather_scatter_structure(-5.0, -5.0, 3.7), 2)  # both sides past chance
    4.92
    """
    log_t = log_p_in + log_p_out
    return -(log_n + log_t + math.log10(1.0 - log_t * math.log(10.0)))


def _flow_p(ins, outs, ts, null: Null) -> float:
    """Chance that money left after it arrived as consistently, and (when every out
    followed every in) as soon, as it did: the order of the ins and outs in time (the
    Mann-Whitney count of (in, out) pairs with the in first, :func:`order_sf`, so one stray
    transfer costs little), times the gap's own chance when the order is perfect."""
    t_in = sorted(float(ts[i]) for i in ins)
    t_out = [float(ts[o]) for o in outs]
    n_in, n_out = len(t_in), len(t_out)
    # ins at or before each out: bank exports with dates only put a same-day pass-through
    # at one time, which is in order (a gap of 0), not against it
    u = sum(bisect.bisect_right(t_in, t) for t in t_out)
    p = order_sf(n_in, n_out, u)
    if u < n_in * n_out:
        return p
    gap = min(t_out) - t_in[-1]
    return min(1.0, p * min(1.0, (n_in + n_out) * (gap + null.floor) / null.period))


def lap_p(times, period: float, floor: float = 0.0) -> float:
    """Chance that money goes round a cycle in order as fast as it did: the hops' forward
    gaps in time (modulo the period, so a hop before the one that brought the money waits
    a whole lap) summed from where the money set out (after the longest gap). Under the
    null the hops' times are uniform: any ``k - 1`` forward gaps are independent uniform
    fractions of the period, their sum below ``x <= 1`` has chance ``x**(k-1) / (k-1)!``
    (the Irwin-Hall lower tail), times ``k`` for the starting point picked; at ``x = 1``
    this is the chance that the hops are in order at all.

    Examples
    --------
    >>> round(lap_p([0.0, 10.0, 20.0], 1000.0), 6)  # in order within 2% of the period
    0.0006
    >>> lap_p([20.0, 10.0, 0.0], 1000.0)  # against the order: no evidence
    1.0
    """
    k = len(times)
    if k < 3 or period <= 0:
        return 1.0
    gaps = [(times[(i + 1) % k] - times[i]) % period for i in range(k)]
    x = (sum(gaps) - max(gaps) + (k - 1) * floor) / period
    if x >= 1.0:
        return 1.0
    return min(1.0, k * x ** (k - 1) / math.factorial(k - 1))


def _kept_p(ins, outs, amt, cur, amounts: AmountNull) -> float | None:
    """Chance that a null amount is as close to what came in as what went out is (None
    when the currencies differ)."""
    if len({cur[r] for r in list(ins) + list(outs)}) != 1:
        return None
    return amounts.kept_p(sum(amt[i] for i in ins), sum(amt[o] for o in outs))


def score(c: Candidate, null: Null, cols: dict, pre: dict) -> tuple[float, dict]:
    """Score one candidate; returns ``(score, parts)`` where ``parts`` holds each kind of
    evidence and the tests behind it.

    See the module's example for a null model; :func:`workbench.money.find_patterns`
    shows scores with their parts in ``evidence``.

    ``cols`` holds the edge table's columns as arrays: ``a, b, ts, amt, cur, p_big``, and the
    case's :class:`AmountNull` as ``amount_null``. ``pre``: the tests computed for every
    candidate at once (:func:`.batch.batch_tests`: ``rarity``, ``span_p``, ``alike``).
    """
    a, b, ts, amt, cur = cols["a"], cols["b"], cols["ts"], cols["amt"], cols["cur"]
    s = structure(c, null, (a, b))
    u, p_span = pre["rarity"], pre["span_p"]
    if c.kind == "cycle":
        p_flow = lap_p([ts[r] for r in c.edges], null.period, null.floor)
    else:
        flows = [_flow_p(i, o, ts, null) for i, o in c.through]
        p_flow = fisher(flows) if flows else None
    amounts = cols["amount_null"]
    kept = [p for p in (_kept_p(i, o, amt, cur, amounts) for i, o in c.through)
            if p is not None]
    p_kept = fisher(kept) if kept else None
    alike = pre["alike"]
    p_alike = fisher(alike) if alike else None
    p_big = fisher([float(cols["p_big"][r]) for r in c.edges])
    t = evidence(p_span) + evidence(p_flow)
    m = evidence(p_kept) + evidence(p_alike) + evidence(p_big)
    total = s + u + t + m
    parts = {"structure": round(s, 4), "rarity": round(u, 4), "time": round(t, 4),
             "amounts": round(m, 4),
             "tests": {"span_p": _sig(p_span), "moved_on_p": _sig(p_flow),
                       "conserved_p": _sig(p_kept), "alike_p": _sig(p_alike),
                       "unusual_p": _sig(p_big)}}
    return total, parts


def _sig(p: float | None) -> float | None:
    """A p-value to four significant digits (JSON-safe; None when the test did not apply)."""
    return None if p is None else float(f"{min(max(p, 0.0), 1.0):.4g}")
