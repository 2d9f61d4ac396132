"""Key players: who matters in a case, and the betweenness that measures brokerage.

:func:`key_players` ranks everyone; its betweenness (:func:`sampled_betweenness`) is the
strongest-path betweenness of the whole graph, from every node of a small graph (exact) and
from a seeded sample of sources on a county (as many as a fixed budget of edge visits
allows). It depends on the graph only, not on the rings.

Examples
--------
>>> import numpy as np
>>> from workbench.graph.fused import CaseGraph
>>> g = CaseGraph(ids=np.array(["A", "B", "C", "D"], dtype=object),
...               u=np.array([0, 1, 2]), v=np.array([1, 2, 3]),
...               weight=np.array([1.0, 1.0, 1.0]), strength={}, measures={})
>>> between, params = sampled_betweenness(g)
>>> between.tolist(), params["exact"]  # a path A-B-C-D: B and C lie between
([0.0, 2.0, 2.0, 0.0], True)
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ..graph import CaseGraph, as_igraph
from ..rings import RingResult

__all__ = ["key_players", "sampled_betweenness", "ranked_nodes", "BETWEENNESS_BUDGET",
           "BETWEENNESS_LEAST"]

log = logging.getLogger(__name__)

_ROLE_FACTOR = {"organizer": 1.0, "broker": 0.8, "member": 0.6, "associate": 0.2}

#: edge visits :func:`sampled_betweenness` may spend (sources x edges): every node of a
#: graph of up to ~2,000 links, 54 sources on a 10,000-person county (74k links)
BETWEENNESS_BUDGET = 4_000_000
#: fewest sources on a large graph (agreement of the key-player ranking with the exact one
#: is measured in benchmarks/RESULTS.md)
BETWEENNESS_LEAST = 32


def _percentile(values: np.ndarray) -> np.ndarray:
    """Percentile ranks in (0, 1], ties averaged (as ``pandas.Series.rank(pct=True)``)."""
    return pd.Series(values).rank(pct=True).to_numpy()


def _coattendance(g: CaseGraph) -> np.ndarray | None:
    """Per node, his meetings summed over the persons he met (a meeting of ``s`` people
    counts ``s - 1`` times: co-attendance strength), look-alike pairs (staff at their venue,
    coworkers travelling: no weight in the layer) left out; None when the case has no
    meetings.

    Examples
    --------
    >>> g = CaseGraph(ids=np.array(list("abc"), dtype=object), u=np.array([0, 0]),
    ...               v=np.array([1, 2]), weight=np.ones(2),
    ...               strength={"copresence": np.array([1.0, 0.0])},
    ...               measures={"n_meet": np.array([3, 5])})
    >>> _coattendance(g).tolist()  # the pair a-c is a look-alike
    [3.0, 3.0, 0.0]
    """
    n_meet = g.measures.get("n_meet")
    layer = g.strength.get("copresence")
    if n_meet is None or layer is None or not (n_meet > 0).any():
        return None
    count = np.where(layer > 0, n_meet, 0).astype(np.float64)
    out = np.zeros(g.n)
    np.add.at(out, g.u, count)
    np.add.at(out, g.v, count)
    return out


def sampled_betweenness(g: CaseGraph, nodes: np.ndarray | None = None, *, seed: int = 0,
                        budget: float = BETWEENNESS_BUDGET,
                        least: int = BETWEENNESS_LEAST) -> tuple[np.ndarray, dict]:
    """Strongest-path betweenness (igraph, costs ``1 / weight``) of ``nodes`` (dense ids;
    default all) on the graph of those nodes, from a seeded random sample of sources.

    The sample is as large as a fixed budget of edge visits allows
    (``budget / edges`` sources, at least ``least``): every node on a small graph (the
    exact value), a few dozen on a county. Brandes and Pich's estimate, scaled by
    ``n / sources`` so that it reads as the all-pairs value.

    Returns ``(betweenness per node, params)``; params hold the sources used, the nodes and
    edges, whether the value is exact, the seed and the rule's settings.

    Examples
    --------
    >>> import numpy as np
    >>> from workbench.graph.fused import CaseGraph
    >>> star = CaseGraph(ids=np.array(list("HABC"), dtype=object), u=np.array([0, 0, 0]),
    ...                  v=np.array([1, 2, 3]), weight=np.ones(3), strength={}, measures={})
    >>> sampled_betweenness(star)[0].tolist()  # the hub lies on the 3 paths among leaves
    [3.0, 0.0, 0.0, 0.0]
    """
    nodes = np.arange(g.n, dtype=np.int64) if nodes is None else np.asarray(nodes, np.int64)
    n = len(nodes)
    position = np.full(g.n, -1, dtype=np.int64)
    position[nodes] = np.arange(n)
    mask = (position[g.u] >= 0) & (position[g.v] >= 0)
    m = int(mask.sum())
    k = min(n, max(int(least), int(budget // max(m, 1))))
    if not n:
        return np.zeros(0), {"sources": 0, "nodes": 0, "edges": 0, "exact": True}
    sub = as_igraph(n, position[g.u[mask]], position[g.v[mask]])
    costs = (1.0 / np.maximum(g.weight[mask], 1e-9)).tolist()
    exact = k >= n
    sources = None if exact else sorted(
        np.random.default_rng(seed).choice(n, size=k, replace=False).tolist())
    between = np.asarray(sub.betweenness(weights=costs, directed=False, sources=sources),
                         dtype=float)
    if not exact:
        between *= n / k
    params = {"sources": int(k), "nodes": int(n), "edges": m, "exact": bool(exact),
              "seed": int(seed), "budget": float(budget), "least": int(least)}
    log.info("betweenness from %d of %d sources", k, n)
    return between, params


def key_players(g: CaseGraph, result: RingResult, top: int | None = 50, *,
                between: np.ndarray | None = None) -> pd.DataFrame:
    """Everyone in the case (persons and numbers standing for themselves; not accounts)
    ranked as key players, best first, whether or not rings were found.

    ``score = 0.5 x ring score x role factor + 0.3 x strength percentile + 0.2 x
    betweenness percentile``. In a case with meetings the strength percentile is the mean of
    the fused strength's and the co-attendance's (meetings summed over the persons met: the
    bosses of an organization seen only at its summits attend more summits with more
    people, and a pair's fused weight grows slower than its meetings). Betweenness is
    :func:`sampled_betweenness` of the graph of the ranked nodes (pass ``between``, one
    value per ranked node in the order of ``g``, to reuse it; its params are in
    ``df.attrs["betweenness"]`` when computed here).
    The ring score is the best of the person's own ring and the rings he links (a broker)
    or also heads (an organizer tied to other cells as strongly as their members).
    Role factors: organizer 1, broker 0.8 + 0.1 per ring he links (at most 1), member
    0.6, associate 0.2; a service number
    (:mod:`workbench.evidence.services`) is listed with role ``service`` and no ring part.
    """
    columns = ["person_id", "score", "ring", "role", "strength", "betweenness", "degree"]
    nodes = ranked_nodes(g)
    if not len(nodes):
        return pd.DataFrame(columns=columns)
    params = None
    if between is None:
        between, params = sampled_betweenness(g, nodes)
    ring_of = result.ring_of()
    scores = {r.id: r.score for r in result.rings}
    roles: dict[str, str] = {}
    for r in result.rings:
        roles.update(r.roles)
    for pid in result.brokers:
        roles.setdefault(pid, "broker")
    service = np.asarray(g.node.get("service", np.zeros(g.n, dtype=np.int64)), dtype=bool)
    strength = np.zeros(g.n)
    np.add.at(strength, g.u, g.weight)
    np.add.at(strength, g.v, g.weight)
    degree = np.bincount(np.concatenate([g.u, g.v]), minlength=g.n)
    pids = [str(x) for x in g.ids[nodes]]
    role = [roles.get(p) or ("service" if s else "associate")
            for p, s in zip(pids, service[nodes].tolist(), strict=True)]
    ring_part = np.zeros(len(nodes))
    for k, pid in enumerate(pids):  # only persons in or around rings have a ring part
        if not (pid in roles or pid in ring_of or pid in result.reach):
            continue
        ring = ring_of.get(pid)
        ring_score = max([scores.get(ring, 0.0) if ring else 0.0]
                         + [scores[x] for x in result.brokers.get(pid, [])]
                         + [scores[x] for x in result.reach.get(pid, [])])
        factor = _ROLE_FACTOR.get(role[k], 0.0)
        if role[k] == "broker":  # one who links more rings matters more (an organizer of cells)
            factor = min(1.0, factor + 0.1 * len(result.brokers.get(pid, [])))
        ring_part[k] = ring_score * factor
    s_pct = _percentile(strength[nodes])
    met = _coattendance(g)
    if met is not None:  # meetings count by how many, with how many (half of the strength)
        s_pct = 0.5 * s_pct + 0.5 * _percentile(met[nodes])
    score = 0.5 * ring_part + 0.3 * s_pct + 0.2 * _percentile(np.asarray(between, dtype=float))
    df = pd.DataFrame({"person_id": pids, "score": np.round(score, 4),
                       "ring": [ring_of.get(p) for p in pids], "role": role,
                       "strength": np.round(strength[nodes], 4),
                       "betweenness": np.round(np.asarray(between, dtype=float), 2),
                       "degree": degree[nodes].astype(int)})
    df = df.sort_values(["score", "person_id"], ascending=[False, True]).reset_index(drop=True)
    if params is not None:
        df.attrs["betweenness"] = params
    return df.head(top) if top else df


def ranked_nodes(g: CaseGraph) -> np.ndarray:
    """Dense ids of the nodes :func:`key_players` ranks (all but accounts)."""
    return np.array([i for i, x in enumerate(g.ids) if not str(x).startswith("acct:")],
                    dtype=np.int64)
