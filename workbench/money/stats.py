"""Small null-model arithmetic for money patterns: tails of count distributions, the
chi-square and normal distributions, and the calibration of p-values into evidence.

Pure Python on ``math`` (the project carries no scipy); every function takes and returns
plain floats. Logarithms are base 10 unless a name says otherwise.

Examples
--------
>>> round(poisson_log10_sf(3, 0.5), 3)
-1.842
>>> round(evidence(0.001), 3)
1.318
"""

from __future__ import annotations

import functools
import math

__all__ = [
    "binom_log10_sf",
    "chi2_cdf",
    "chi2_sf",
    "count_log10_sf",
    "evidence",
    "fisher",
    "log10_choose",
    "nb_log10_sf",
    "normal_two_sided_inner",
    "order_sf",
    "poisson_log10_sf",
    "scan_p",
    "scan_rows",
    "span_p",
]

_LN10 = math.log(10.0)


def _log10_sum(logs: list[float]) -> float:
    """``log10(sum(10**x))`` without overflow."""
    if not logs:
        return -math.inf
    top = max(logs)
    if top == -math.inf:
        return top
    return top + math.log10(sum(10.0 ** (x - top) for x in logs))


def _tail(log_pmf, k: int, limit: int = 100_000) -> float:
    """``log10 sum_{x >= k} pmf(x)`` summing upward until the terms stop mattering."""
    logs: list[float] = []
    best = -math.inf
    x = k
    while x < k + limit:
        term = log_pmf(x)
        logs.append(term)
        best = max(best, term)
        if term < best - 16 and x > k + 5:
            break
        x += 1
    return min(0.0, _log10_sum(logs))


def poisson_log10_sf(k: int, mean: float) -> float:
    """``log10 P(X >= k)`` for ``X ~ Poisson(mean)``.

    >>> poisson_log10_sf(0, 2.0)
    0.0
    """
    if k <= 0:
        return 0.0
    mean = max(mean, 1e-12)
    ln_mean = math.log(mean)
    return _tail(lambda x: (x * ln_mean - mean - math.lgamma(x + 1)) / _LN10, k)


def nb_log10_sf(k: int, mean: float, var: float) -> float:
    """``log10 P(X >= k)`` for a negative binomial of this mean and variance (a Poisson
    when the variance does not exceed the mean).

    >>> nb_log10_sf(5, 1.0, 4.0) > poisson_log10_sf(5, 1.0)
    True
    """
    if k <= 0:
        return 0.0
    mean = max(mean, 1e-12)
    if var <= mean * 1.000001:
        return poisson_log10_sf(k, mean)
    r = mean * mean / (var - mean)
    p = r / (r + mean)
    ln_p, ln_q, lg_r = math.log(p), math.log1p(-p), math.lgamma(r)

    def log_pmf(x: int) -> float:
        return (math.lgamma(x + r) - lg_r - math.lgamma(x + 1) + r * ln_p + x * ln_q) / _LN10

    return _tail(log_pmf, k)


def count_log10_sf(k: int, values) -> float:
    """``log10 P(X >= k)`` under a negative binomial fitted by moments to ``values``.

    >>> round(count_log10_sf(4, [0, 0, 1, 0, 2, 0, 1]), 2)
    -2.32
    """
    values = [float(v) for v in values]
    if not values:
        return 0.0
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / max(len(values) - 1, 1)
    return nb_log10_sf(k, mean, var)


def log10_choose(n: float, k: float) -> float:
    """``log10 C(n, k)`` for real ``n >= k >= 0``.

    >>> round(log10_choose(10, 3), 4) == round(math.log10(120), 4)
    True
    """
    if k < 0 or k > n:
        return -math.inf
    return (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)) / _LN10


def binom_log10_sf(e: int, n: int, p: float) -> float:
    """``log10 P(X >= e)`` for ``X ~ Binomial(n, p)``.

    >>> round(binom_log10_sf(2, 2, 0.5), 4) == round(math.log10(0.25), 4)
    True
    """
    if e <= 0:
        return 0.0
    if e > n:
        return -math.inf
    p = min(max(p, 1e-300), 1 - 1e-15)
    lp, lq = math.log10(p), math.log10(1 - p)
    logs = [log10_choose(n, x) + x * lp + (n - x) * lq for x in range(e, n + 1)]
    return min(0.0, _log10_sum(logs))


def _gamma_p(a: float, x: float) -> float:
    """Regularized lower incomplete gamma ``P(a, x)`` (series, or continued fraction)."""
    if x <= 0:
        return 0.0
    gln = math.lgamma(a)
    if x < a + 1:
        term = total = 1.0 / a
        ap = a
        for _ in range(1000):
            ap += 1
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return min(1.0, total * math.exp(-x + a * math.log(x) - gln))
    b = x + 1 - a
    c = 1.0 / 1e-300
    d = 1.0 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1e-300 if abs(d) < 1e-300 else d
        c = b + an / c
        c = 1e-300 if abs(c) < 1e-300 else c
        d = 1.0 / d
        step = d * c
        h *= step
        if abs(step - 1) < 1e-15:
            break
    return max(0.0, 1.0 - math.exp(-x + a * math.log(x) - gln) * h)


def chi2_cdf(x: float, dof: float) -> float:
    """``P(X <= x)`` for a chi-square of ``dof`` degrees of freedom.

    >>> round(chi2_cdf(2.0, 2), 4) == round(1 - math.exp(-1), 4)
    True
    """
    return _gamma_p(dof / 2.0, x / 2.0)


def chi2_sf(x: float, dof: float) -> float:
    """``P(X > x)`` for a chi-square of ``dof`` degrees of freedom (floored at 1e-300)."""
    return max(1.0 - chi2_cdf(x, dof), 1e-300)


def normal_two_sided_inner(z: float) -> float:
    """``P(|Z| <= |z|)`` for a standard normal: the chance that a null value lands at least
    as close to zero as ``z``.

    >>> round(normal_two_sided_inner(1.96), 3)
    0.95
    """
    return math.erf(abs(z) / math.sqrt(2.0))


def span_p(span: float, period: float, k: int) -> float:
    """Chance that ``k`` times uniform over ``period`` fall within ``span`` of each other.

    >>> span_p(1.0, 10.0, 2)
    0.19
    """
    if k < 2 or period <= 0:
        return 1.0
    u = min(max(span / period, 0.0), 1.0)
    return min(1.0, k * u ** (k - 1) - (k - 1) * u**k)


def scan_p(times, period: float, floor: float = 0.0) -> tuple[float, int, int]:
    """The scan statistic: the tightest cluster of 3 or more of ``times`` (uniform over
    ``period`` under the null), robust to a few transfers far from the rest.

    For each ``m`` from 3 to ``k``, the shortest window ``w`` holding ``m`` of the sorted
    times gives ``p_m = k C(k-1, m-1) ((w + floor) / period)**(m-1)`` (a union bound);
    the answer is the smallest, times the ``k - 2`` sizes tried.

    Returns
    -------
    (p, start, m)
        The p-value, and the tightest cluster as ``sorted(times)[start:start + m]``.

    Examples
    --------
    >>> p, start, m = scan_p([1.0, 2.0, 3.0, 500.0], 1000.0)
    >>> (round(p, 4), start, m)
    (0.0001, 0, 3)
    """
    t = sorted(float(x) for x in times)
    k = len(t)
    if k < 3 or period <= 0:
        return 1.0, 0, k
    best, where = math.inf, (0, k)
    for m in range(3, k + 1):
        widths = [t[i + m - 1] - t[i] for i in range(k - m + 1)]
        i = min(range(len(widths)), key=widths.__getitem__)
        u = min((widths[i] + floor) / period, 1.0)
        log_p = math.log10(k) + log10_choose(k - 1, m - 1) + (m - 1) * math.log10(max(u, 1e-300))
        if log_p < best:
            best, where = log_p, (i, m)
    p = min(1.0, (k - 2) * 10.0 ** min(best, 0.0))
    return p, where[0], where[1]


def scan_rows(t, period: float, floor: float = 0.0):
    """:func:`scan_p` of each row of ``t`` (sorted times, all rows of one length ``k >= 3``,
    finite), float for float: the same widths, the first shortest window of each size, the
    same sums (the logarithms taken with :mod:`math`, as :func:`scan_p` takes them).

    Returns
    -------
    (p, start, m) : arrays, one entry per row

    Examples
    --------
    >>> import numpy as np
    >>> p, start, m = scan_rows(np.array([[1.0, 2.0, 3.0, 500.0]]), 1000.0)
    >>> (float(p[0]), int(start[0]), int(m[0])) == scan_p([1.0, 2.0, 3.0, 500.0], 1000.0)
    True
    """
    import numpy as np

    n, k = t.shape
    best = np.full(n, math.inf)
    start, size = np.zeros(n, dtype=np.int64), np.full(n, k, dtype=np.int64)
    for m in range(3, k + 1):
        widths = t[:, m - 1:] - t[:, :k - m + 1]
        i = np.argmin(widths, axis=1)
        u = np.minimum((widths[np.arange(n), i] + floor) / period, 1.0)
        logs = np.array([math.log10(x) for x in np.maximum(u, 1e-300).tolist()])
        log_p = math.log10(k) + log10_choose(k - 1, m - 1) + (m - 1) * logs
        better = log_p < best
        best = np.where(better, log_p, best)
        start = np.where(better, i, start)
        size = np.where(better, m, size)
    p = np.array([min(1.0, (k - 2) * 10.0 ** min(x, 0.0)) for x in best.tolist()])
    return p, start, size


def fisher(ps: list[float]) -> float:
    """Fisher's combination of independent p-values into one.

    >>> fisher([1.0, 1.0])
    1.0
    >>> fisher([0.01, 0.01]) < 0.01
    True
    """
    return _fisher(tuple(min(max(p, 1e-300), 1.0) for p in ps))


@functools.lru_cache(maxsize=1 << 16)
def _fisher(ps: tuple[float, ...]) -> float:
    """:func:`fisher` of clipped p-values, remembered: a county's candidate patterns repeat
    the same few lists (10,700 distinct among 42,700 at 2M calls)."""
    if not ps:
        return 1.0
    stat = -2.0 * sum(math.log(p) for p in ps)
    return min(1.0, chi2_sf(stat, 2 * len(ps)))


def evidence(p: float | None) -> float:
    """A p-value as evidence in log10 units: ``log10`` of the e-value that mixes the
    calibrators ``k p**(k-1)`` over ``k`` in (0, 1), ``(1 - p + p ln p) / (p ln(p)**2)``.

    Its mean under the null is 1, so it is a likelihood ratio against the null: a test
    that finds nothing (p near 1) costs ``log10(2)``, a strong one gains. ``None`` (a test
    that does not apply) gives 0.

    Examples
    --------
    >>> round(evidence(1.0), 3)
    -0.301
    >>> round(evidence(0.001), 2)
    1.32
    >>> evidence(None)
    0.0
    """
    if p is None:
        return 0.0
    p = min(max(p, 1e-300), 1.0)
    if p > 1.0 - 1e-9:
        return -math.log10(2.0)
    ln_p = math.log(p)
    return math.log10((1.0 - p + p * ln_p) / (p * ln_p * ln_p))


#: beyond this many (in, out) pairs the order test uses the normal approximation
_ORDER_EXACT = 2500


@functools.lru_cache(maxsize=1024)
def _order_tail(k: int, m: int) -> tuple[float, ...]:
    """``P(U >= u)`` for ``u = 0 .. k m``: the Mann-Whitney count of ``k`` ins and ``m``
    outs in random order, by the recursion on the last element (an out comes after all
    ``k`` ins, an in after none)."""
    import numpy as np

    # rows[j]: distribution for j ins and the current number of outs (none yet: U = 0)
    rows = [np.ones(1) for _ in range(k + 1)]
    for i in range(1, m + 1):
        new = [np.zeros(1) + 1.0]  # 0 ins: U = 0
        for j in range(1, k + 1):
            f = np.zeros(j * i + 1)
            last_out = rows[j]  # j ins, i - 1 outs; the last out adds j pairs
            f[j:j + last_out.size] += (i / (i + j)) * last_out
            last_in = new[j - 1]  # j - 1 ins, i outs; the last in adds none
            f[:last_in.size] += (j / (i + j)) * last_in
            new.append(f)
        rows = new
    tail = np.cumsum(rows[k][::-1])[::-1]
    return tuple(float(x) for x in np.minimum(tail, 1.0))


def order_sf(k: int, m: int, u: int) -> float:
    """Chance that ``k`` ins and ``m`` outs in random order have at least ``u`` (in, out)
    pairs with the in first (the Mann-Whitney tail; exact up to ``k m`` = 2 500 pairs,
    then the normal approximation). ``u = k m`` (every out after every in) has chance
    ``1 / C(k + m, k)``; a stray out before the last in costs little.

    Examples
    --------
    >>> round(order_sf(3, 3, 9), 4)  # every out after every in: 1 / C(6, 3)
    0.05
    >>> round(order_sf(3, 3, 8), 4)  # one pair out of order
    0.1
    >>> order_sf(2, 2, 0)
    1.0
    """
    if k <= 0 or m <= 0 or u <= 0:
        return 1.0
    if u > k * m:
        return 0.0
    if u == k * m:  # every out after every in: one order of C(k + m, k)
        return 10.0 ** -log10_choose(k + m, k)
    if k * m <= _ORDER_EXACT:
        return _order_tail(int(k), int(m))[int(u)]
    mean, sd = k * m / 2.0, math.sqrt(k * m * (k + m + 1) / 12.0)
    z = (u - 0.5 - mean) / sd
    return max(0.5 * math.erfc(z / math.sqrt(2.0)), 1e-300)
