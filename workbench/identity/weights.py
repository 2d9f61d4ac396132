"""Match weights: how much each agreeing or disagreeing field says, from the case itself.

Fellegi-Sunter: a field's weight is ``log2(m / u)`` bits, where ``m`` is how often the field
agrees this way when the record is the person, and ``u`` how often it does when the record
is someone else. ``u`` comes from the case's persons (how common a name, a birth date, a
household is: 张伟 weak, 欧阳娜娜 strong); ``m`` from the records the ID number already
attributed (how often a carrier or bank writes the registry's name, birth date and sex),
with the defaults below when the case has too few of them.

The posterior of a candidate person ``e`` for a record, among its candidates ``E``::

    P(e) = (pi / N) 2^W(e) / (sum over E of (pi / N) 2^W + (1 - pi) + pi * eps)

``N`` persons in the case, ``pi`` the share of records whose person is one of them (measured
on the ID-bearing records), ``eps`` the chance that the person is in the case but outside
the candidates (the name differs from all of theirs). A record is attributed when the best
posterior reaches :data:`P_MIN`.

Examples
--------
>>> round(bits(0.9, 1 / 6000), 1)
12.4
>>> round(posterior([12.4], n=6000, pi=0.99)[0], 3)
0.937
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["P_MIN", "EPS_OUTSIDE", "DEFAULT_M", "Z_BOUND", "Weights", "bits", "bounded_mu",
           "posterior", "threshold_bits"]

#: the posterior a record needs to be attributed: wrong attributions invent evidence
P_MIN = 0.95
#: chance that a record's person is in the case but outside its candidate block
EPS_OUTSIDE = 0.05
#: m probabilities (agreement when the record is the person) used when the case has fewer
#: than :data:`MIN_TRAINING` ID-attributed records to measure them on
DEFAULT_M: dict[tuple[str, str], float] = {
    ("name", "exact"): 0.90, ("name", "pinyin"): 0.90, ("name", "homophone"): 0.02,
    ("name", "differs"): 0.05, ("name", "another_persons"): 0.01,
    ("birth_date", "same"): 0.95, ("birth_date", "differs"): 0.05,
    ("sex", "same"): 0.98, ("sex", "differs"): 0.02,
    ("id_number", "typo"): 0.95, ("id_number", "differs"): 0.01,
    ("phone", "shared"): 0.50, ("account", "shared"): 0.50,
    ("household", "same"): 0.90, ("household", "differs"): 0.10,
}
MIN_TRAINING = 50
#: one-sided normal quantile of the Wilson bounds of :func:`bounded_mu` (95%)
Z_BOUND = 1.645


def _wilson(k: float, n: float, side: int) -> float:
    """Wilson score bound of a share ``k / n``: ``side`` -1 the lower, +1 the upper."""
    p, z2 = k / n, Z_BOUND * Z_BOUND
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    spread = Z_BOUND * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return min(max(centre + side * spread, 0.0), 1.0)


def bounded_mu(km: float, nm: float, ku: float, nu: float) -> tuple[float, float]:
    """``(m, u)`` of a level seen ``km`` times in ``nm`` matches and ``ku`` in ``nu``
    non-matches, each taken at the end of its 95% Wilson interval nearer to the other:
    the weight is what the sample surely supports, never more. A level never seen among
    5,000 non-matches is not a level that never happens (``u`` at most ``3 / 5000``, not
    ``0``), and a share measured on 20 arrests is a wide one. Where the intervals
    overlap the level says nothing (``m == u``, 0 bits).

    >>> m, u = bounded_mu(4, 21, 0, 4997)   # 4 of 21 arrests, none of 4,997 others
    >>> round(bits(m, u), 1)                 # the point estimate would give 10.9 bits
    7.4
    >>> bounded_mu(5, 10, 5, 10)
    (0.5, 0.5)
    >>> m, u = bounded_mu(80, 1000, 970, 1000)   # a level against: shrunk towards 0
    >>> -3.8 < bits(m, u) < bits(80 / 1000, 970 / 1000) + 0.4
    True
    """
    pm, pu = km / nm, ku / nu
    if pm > pu:
        m, u = _wilson(km, nm, -1), _wilson(ku, nu, +1)
        return (m, u) if m > u else ((pm * nm + pu * nu) / (nm + nu),) * 2
    if pm < pu:
        m, u = _wilson(km, nm, +1), _wilson(ku, nu, -1)
        return (m, u) if m < u else ((pm * nm + pu * nu) / (nm + nu),) * 2
    return max(pm, 1e-9), max(pu, 1e-9)


def bits(m: float, u: float) -> float:
    """``log2(m / u)``, with both kept inside (1e-9, 1].

    >>> bits(0.5, 0.5)
    0.0
    """
    m = min(max(m, 1e-9), 1.0)
    u = min(max(u, 1e-9), 1.0)
    return math.log2(m / u)


def posterior(weights: list[float], *, n: int, pi: float,
              eps: float = EPS_OUTSIDE) -> list[float]:
    """Posterior of each candidate given its match weight (bits); see the module docstring.

    >>> [round(p, 3) for p in posterior([8.0, 8.0], n=100, pi=0.99)]
    [0.494, 0.494]
    """
    prior = pi / max(n, 1)
    mass = [prior * 2.0 ** min(w, 1000) for w in weights]
    none = (1 - pi) + pi * eps
    total = sum(mass) + none
    return [x / total for x in mass]


def threshold_bits(*, n: int, pi: float, p_min: float = P_MIN,
                   eps: float = EPS_OUTSIDE) -> float:
    """The match weight a lone candidate needs to reach ``p_min``.

    >>> round(threshold_bits(n=6000, pi=0.99), 1)
    12.7
    """
    none = (1 - pi) + pi * eps
    return math.log2(p_min / (1 - p_min)) + math.log2(none * max(n, 1) / pi)


@dataclass
class Weights:
    """The case's m and u probabilities and the bits they give, with where each came from."""

    n: int
    pi: float
    m: dict[tuple[str, str], float] = field(default_factory=lambda: dict(DEFAULT_M))
    u: dict[tuple[str, str], float] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)
    eps: float = EPS_OUTSIDE
    pi_kind: dict[str, float] = field(default_factory=dict)
    q_kind: dict[str, float] = field(default_factory=dict)

    def weight(self, fld: str, level: str) -> float:
        """Bits of a field at a level whose u does not depend on the value."""
        return bits(self.m[(fld, level)], self.u.get((fld, level), 1.0))

    def table(self) -> list[tuple[str, str, float, float | None, float | None]]:
        """``(field, level, m, u, bits)`` for the params table (u None: per value)."""
        out = []
        for (fld, level), m in sorted(self.m.items()):
            u = self.u.get((fld, level))
            out.append((fld, level, round(m, 6), None if u is None else float(f"{u:.6g}"),
                        None if u is None else round(bits(m, u), 3)))
        return out


def measured_m(pairs: list[tuple[str, str]], default: dict) -> tuple[dict, int]:
    """m probabilities from ``(field, level)`` observations of records attributed by ID
    number against their registry person; the defaults where a field has too few.

    >>> m, n = measured_m([("sex", "same")] * 99 + [("sex", "differs")], DEFAULT_M)
    >>> round(m[("sex", "same")], 3), n
    (0.985, 100)
    """
    counts: dict[str, dict[str, int]] = {}
    for fld, level in pairs:
        counts.setdefault(fld, {}).setdefault(level, 0)
        counts[fld][level] += 1
    out = dict(default)
    for fld, levels in counts.items():
        total = sum(levels.values())
        if total < MIN_TRAINING:
            continue
        for (f, level) in default:
            if f == fld:  # add-one smoothing, never 0 or 1
                out[(f, level)] = (levels.get(level, 0) + 0.5) / (total + 1)
    return out, len(pairs)
