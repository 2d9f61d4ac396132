"""Where each region of a view goes: packed tight into a screen-shaped rectangle.

A view is a set of round regions (rings, groups, brokers). Up to :data:`GREEDY_MAX` of them
are packed greedily: rings largest first, each at the free spot (touching the ones placed)
that grows the bounding rectangle of the aspect wanted least; brokers and groups then go
where they are nearest to the regions they are tied to. Larger views use a force layout of
the region graph (igraph, seeded) pushed apart until no two regions touch.

Examples
--------
>>> import numpy as np
>>> xy = pack(np.array([50.0, 50.0, 50.0, 50.0]), aspect=1.0)
>>> d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
>>> bool((d[np.triu_indices(4, 1)] >= 100).all()), bool(np.abs(xy).max() < 120)
(True, True)
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["arrange", "pack", "GAP", "GREEDY_MAX"]

GAP = 10.0        # free space between two regions
GREEDY_MAX = 160  # regions packed greedily; more take the force layout


def arrange(graph, keys: list, home: dict, radius: dict, seed: int = 0,
            aspect: float = 1.43) -> np.ndarray:
    """Centres of the regions ``keys`` (``(kind, id)``, kind ``ring``, ``group`` or
    ``broker``) of radii ``radius``; ``home`` maps each node of ``graph`` to its region."""
    k = len(keys)
    r = np.array([radius[h] for h in keys], dtype=float)
    if k == 1:
        return np.zeros((1, 2))
    index = {h: i for i, h in enumerate(keys)}
    ties: dict = {}
    for a, b, d in graph.edges(data=True):
        i, j = index[home[a]], index[home[b]]
        if i != j:
            key = (min(i, j), max(i, j))
            ties[key] = ties.get(key, 0.0) + float(d.get("weight", 1.0))
    if k <= GREEDY_MAX:
        rings = [i for i, h in enumerate(keys) if h[0] == "ring"]
        return pack(r, aspect=aspect, ties=ties, first=rings)
    return _force(r, ties, seed, aspect)


def pack(r: np.ndarray, *, aspect: float = 1.43, ties: dict | None = None,
         first: list | None = None) -> np.ndarray:
    """Greedy packing of circles of radii ``r``: the ``first`` ones (default all) largest
    first where the bounding rectangle of width/height ``aspect`` grows least, the others
    then next to the circles they are tied to (``ties``: ``(i, j) -> weight``)."""
    k = len(r)
    ties = ties or {}
    nbrs: dict = {}
    for (i, j), w in ties.items():
        nbrs.setdefault(i, {})[j] = w
        nbrs.setdefault(j, {})[i] = w
    first = list(range(k)) if first is None else list(first)
    rest = [i for i in range(k) if i not in set(first)]
    order = sorted(first, key=lambda i: (-r[i], i)) + sorted(
        rest, key=lambda i: (-len(nbrs.get(i, {})), -r[i], i))
    xy = np.zeros((k, 2))
    placed: list[int] = []
    for i in order:
        if not placed:
            placed.append(i)
            continue
        cand = _candidates(xy[placed], r[placed], r[i])
        px, pr = xy[placed], r[placed]
        d = np.hypot(cand[:, None, 0] - px[None, :, 0], cand[:, None, 1] - px[None, :, 1])
        ok = (d >= pr[None, :] + r[i] + GAP - 1e-6).all(axis=1)
        cand = cand[ok]
        lo = np.minimum((xy[placed] - r[placed, None]).min(axis=0), 0)
        hi = np.maximum((xy[placed] + r[placed, None]).max(axis=0), 0)
        left = np.minimum(lo[0], cand[:, 0] - r[i])
        right = np.maximum(hi[0], cand[:, 0] + r[i])
        top = np.minimum(lo[1], cand[:, 1] - r[i])
        bottom = np.maximum(hi[1], cand[:, 1] + r[i])
        # the side of the screen-shaped rectangle that holds the whole
        cost = np.maximum((right - left) / aspect, bottom - top)
        cost = cost + 0.05 * np.hypot(cand[:, 0] / aspect, cand[:, 1])
        linked = [j for j in nbrs.get(i, {}) if j in set(placed)]
        if linked:
            w = 0.35 if i in set(first) else 1.5
            cost = cost + w * np.mean([np.hypot(cand[:, 0] - xy[j, 0], cand[:, 1] - xy[j, 1])
                                       - r[i] - r[j] for j in linked], axis=0)
        xy[i] = cand[int(np.argmin(cost))]
        placed.append(i)
    lo = (xy - r[:, None]).min(axis=0)
    hi = (xy + r[:, None]).max(axis=0)
    return xy - (lo + hi) / 2


def _candidates(px: np.ndarray, pr: np.ndarray, ri: float) -> np.ndarray:
    """Spots where a circle of radius ``ri`` touches placed circles: around each one (12
    directions) and where it touches two at once."""
    reach = pr + ri + GAP
    angles = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    ring = (px[:, None, :] + reach[:, None, None] * np.stack(
        [np.cos(angles), np.sin(angles)], axis=1)[None, :, :]).reshape(-1, 2)
    n = len(px)
    if n < 2:
        return ring
    i, j = np.triu_indices(n, 1)
    d = np.hypot(*(px[j] - px[i]).T)
    a, b = reach[i], reach[j]
    ok = (d > 1e-9) & (d <= a + b) & (d >= np.abs(a - b))
    i, j, d, a, b = i[ok], j[ok], d[ok], a[ok], b[ok]
    if not len(i):
        return ring
    along = (a ** 2 - b ** 2 + d ** 2) / (2 * d)
    h = np.sqrt(np.maximum(a ** 2 - along ** 2, 0.0))
    unit = (px[j] - px[i]) / d[:, None]
    base = px[i] + unit * along[:, None]
    perp = np.stack([-unit[:, 1], unit[:, 0]], axis=1)
    return np.concatenate([ring, base + perp * h[:, None], base - perp * h[:, None]])


def _force(r: np.ndarray, ties: dict, seed: int, aspect: float) -> np.ndarray:
    """Centres from a force layout of the region graph, stretched to ``aspect`` and pushed
    apart (many regions)."""
    import igraph as ig

    from ..graph import seeded_rng

    k = len(r)
    g = ig.Graph(k, list(ties))
    rng = np.random.default_rng(seed)
    start = rng.uniform(-1, 1, size=(k, 2)).tolist()
    with seeded_rng(seed):
        lay = g.layout_fruchterman_reingold(weights=list(ties.values()) or None, seed=start,
                                            niter=500, grid="nogrid")
    xy = np.asarray(lay.coords, dtype=float)
    xy -= xy.mean(axis=0)
    spread = np.abs(xy).max() or 1.0
    xy *= math.sqrt(float((r ** 2).sum())) * 1.2 / spread
    xy[:, 0] *= math.sqrt(aspect)
    xy[:, 1] /= math.sqrt(aspect)
    edges = np.array(list(ties), dtype=np.int64).reshape(-1, 2)
    xy = separate(xy, r, edges)
    for _ in range(12):  # gravity: draw the regions in, keeping them apart
        xy = separate(xy * 0.85, r, edges, attract=False)
    return xy


def separate(xy: np.ndarray, r: np.ndarray, edges: np.ndarray, rounds: int = 400,
             attract: bool = True) -> np.ndarray:
    """Push overlapping circles apart (and linked ones together, gently) until none touch."""
    k = len(r)
    need = r[:, None] + r[None, :] + GAP
    np.fill_diagonal(need, 0.0)
    for step in range(rounds):
        d = xy[:, None, :] - xy[None, :, :]
        dist = np.hypot(d[..., 0], d[..., 1])
        np.fill_diagonal(dist, np.inf)
        short = np.where(dist < need, need + 1.0 - dist, 0.0)  # overshoot: settles
        if not short.any():
            break
        unit = d / np.where(dist == 0, 1.0, dist)[..., None]
        # identical centres: split along a fixed direction per pair
        same = dist == 0
        if same.any():
            unit[same] = np.array([1.0, 0.0])
        area = r ** 2
        share = area[None, :] / (area[:, None] + area[None, :])
        xy = xy + (unit * (short * share * 0.55)[..., None]).sum(axis=1)
        if attract and step < rounds // 2 and len(edges):  # linked regions drift back together
            a, b = edges[:, 0], edges[:, 1]
            v = xy[b] - xy[a]
            gap = np.hypot(v[:, 0], v[:, 1]) - (r[a] + r[b] + GAP)
            pull = (np.clip(gap, 0, None) * 0.02)[:, None] * v / np.maximum(
                np.hypot(v[:, 0], v[:, 1]), 1e-9)[:, None]
            np.add.at(xy, a, pull)
            np.add.at(xy, b, -pull)
    else:  # not settled: fall back to a grid of cells as wide as the largest region
        cell = 2 * r.max() + GAP
        side = math.ceil(math.sqrt(k))
        order = np.lexsort((xy[:, 0], np.floor(xy[:, 1] / cell)))
        xy = np.zeros((k, 2))
        for pos, i in enumerate(order):
            xy[i] = ((pos % side) * cell, (pos // side) * cell)
    return xy - xy.mean(axis=0)
