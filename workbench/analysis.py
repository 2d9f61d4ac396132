"""Analysis on the fused graph: paths, connecting networks, expansion, centrality, key players.

Pure functions over :class:`~workbench.graph.CaseGraph` and networkx graphs; record-level
evidence comes from :meth:`workbench.case.Case.link_evidence`.

Examples
--------
>>> import numpy as np
>>> from workbench.graph import CaseGraph
>>> g = CaseGraph(ids=np.array(["A", "B", "C", "D"], dtype=object),
...               u=np.array([0, 1, 0]), v=np.array([1, 2, 3]),
...               weight=np.array([5.0, 5.0, 0.5]), strength={}, measures={})
>>> [p["nodes"] for p in find_paths(g, "A", "C")]
[['A', 'B', 'C'], ['A', 'B', 'C']]
"""

from __future__ import annotations

import itertools
import logging
from collections import deque

import networkx as nx
import numpy as np
import pandas as pd

from .community import as_igraph
from .graph import CaseGraph
from .rings import RingResult

__all__ = ["find_paths", "connecting_network", "expand", "centrality_table", "key_players",
           "hop_evidence"]

log = logging.getLogger(__name__)

_ROLE_FACTOR = {"organizer": 1.0, "broker": 0.8, "member": 0.6, "associate": 0.2}


def hop_evidence(g: CaseGraph, a: int, b: int) -> dict:
    """Summary evidence of the link between dense nodes ``a`` and ``b`` (one hop)."""
    nbr, eid = g.neighbours(a)
    hit = eid[nbr == b]
    out = {"from": str(g.ids[a]), "to": str(g.ids[b])}
    if not len(hit):
        return out
    e = int(hit[0])
    out["weight"] = round(float(g.weight[e]), 4)
    out["layers"] = [k for k, arr in g.strength.items() if arr[e] > 0]
    for k, arr in g.measures.items():
        value = arr[e].item()
        if value:
            out[k] = value
    return out


def _cost(g: CaseGraph) -> list[float]:
    """Edge cost for the strongest path: strong links are cheap (1 / weight)."""
    return (1.0 / np.maximum(g.weight, 1e-9)).tolist()


def find_paths(g: CaseGraph, source: str, target: str) -> list[dict]:
    """The strongest path (least total 1/weight) and the shortest path (fewest hops).

    Each path: ``{"kind", "nodes", "hops": [evidence per hop], "cost"}``; an empty list
    when the two are not connected.
    """
    s, t = g.index(source), g.index(target)
    graph = as_igraph(g.n, g.u, g.v)
    out = []
    for kind, weights in (("strongest", _cost(g)), ("shortest", None)):
        path = graph.get_shortest_paths(s, to=t, weights=weights, output="vpath")[0]
        if not path or path[-1] != t:
            return []
        hops = [hop_evidence(g, a, b) for a, b in itertools.pairwise(path)]
        cost = sum(1.0 / h["weight"] for h in hops) if weights else float(len(hops))
        out.append({"kind": kind, "nodes": [str(g.ids[i]) for i in path], "hops": hops,
                    "cost": round(cost, 4)})
    return out


def connecting_network(g: CaseGraph, nodes: list[str], max_hops: int = 6) -> set[str]:
    """i2's Find Connecting Network: the nodes on strongest paths between every pair of
    ``nodes`` (paths longer than ``max_hops`` are left out)."""
    idx = [g.index(x) for x in nodes]
    graph = as_igraph(g.n, g.u, g.v)
    cost = _cost(g)
    keep = set(idx)
    for i, s in enumerate(idx):
        targets = idx[i + 1:]
        if not targets:
            continue
        for path in graph.get_shortest_paths(s, to=targets, weights=cost, output="vpath"):
            if path and len(path) - 1 <= max_hops:
                keep.update(path)
    return {str(g.ids[i]) for i in keep}


def expand(g: CaseGraph, seeds: list[str], hops: int = 1, min_weight: float = 0.0,
           layers: list[str] | None = None, max_nodes: int = 2000) -> set[str]:
    """Nodes within ``hops`` of the seeds over links of at least ``min_weight`` (and present
    in one of ``layers``, if given); stops at ``max_nodes``."""
    if layers:
        ok = np.zeros(g.m, dtype=bool)
        for name in layers:
            ok |= g.strength[name] > 0
    else:
        ok = np.ones(g.m, dtype=bool)
    ok &= g.weight >= min_weight
    start = [g.index(x) for x in seeds]
    seen = set(start)
    queue = deque((s, 0) for s in start)
    while queue and len(seen) < max_nodes:
        i, d = queue.popleft()
        if d == hops:
            continue
        nbr, eid = g.neighbours(i)
        for j, e in zip(nbr.tolist(), eid.tolist(), strict=True):
            if ok[e] and j not in seen:
                seen.add(j)
                queue.append((j, d + 1))
                if len(seen) >= max_nodes:
                    break
    return {str(g.ids[i]) for i in seen}


def centrality_table(graph: nx.Graph) -> pd.DataFrame:
    """Degree, weighted degree, betweenness (on 1/weight distances) and eigenvector
    centrality of every node of a (sub)graph, best weighted degree first."""
    if graph.number_of_nodes() == 0:
        return pd.DataFrame(columns=["node", "degree", "weighted_degree", "betweenness",
                                     "eigenvector"])
    dist = {(a, b): 1.0 / max(d.get("weight", 1.0), 1e-9) for a, b, d in graph.edges(data=True)}
    nx.set_edge_attributes(graph, dist, "distance")
    between = nx.betweenness_centrality(graph, weight="distance", normalized=True)
    try:
        eigen = nx.eigenvector_centrality(graph, weight="weight", max_iter=2000, tol=1e-8)
    except nx.PowerIterationFailedConvergence:
        log.warning("eigenvector centrality did not converge; reported as 0")
        eigen = dict.fromkeys(graph.nodes, 0.0)
    rows = [{"node": n, "degree": graph.degree(n),
             "weighted_degree": round(graph.degree(n, weight="weight"), 4),
             "betweenness": round(between[n], 4), "eigenvector": round(float(eigen[n]), 4)}
            for n in graph.nodes]
    return pd.DataFrame(rows).sort_values(["weighted_degree", "node"],
                                          ascending=[False, True]).reset_index(drop=True)


def key_players(g: CaseGraph, result: RingResult, top: int | None = 50) -> pd.DataFrame:
    """Persons ranked as key players, best first.

    ``score = 0.5 x ring score x role factor + 0.3 x strength percentile + 0.2 x
    betweenness percentile``, over ring members, brokers and their direct contacts
    (associates); betweenness is computed on that neighbourhood (igraph, 1/weight costs).
    Role factors: organizer 1, broker 0.8, member 0.6, associate 0.2.
    """
    ring_of = result.ring_of()
    scores = {r.id: r.score for r in result.rings}
    roles: dict[str, str] = {}
    for r in result.rings:
        roles.update(r.roles)
    for pid in result.brokers:
        roles.setdefault(pid, "broker")
    focus = set()
    for pid in list(roles):
        focus.add(g.index(pid))
    core = set(focus)
    for i in core:
        nbr, _ = g.neighbours(i)
        focus.update(nbr.tolist())
    known = g.node.get("known_person")
    nodes = np.array(sorted(i for i in focus if known is None or known[i]), dtype=np.int64)
    if not len(nodes):
        return pd.DataFrame(columns=["person_id", "score", "ring", "role", "strength",
                                     "betweenness", "degree"])
    strength = np.zeros(g.n)
    np.add.at(strength, g.u, g.weight)
    np.add.at(strength, g.v, g.weight)
    degree = np.bincount(np.concatenate([g.u, g.v]), minlength=g.n)
    sub = as_igraph(g.n, g.u, g.v).induced_subgraph(nodes.tolist())
    mask = np.isin(g.u, nodes) & np.isin(g.v, nodes)
    position = {int(x): k for k, x in enumerate(nodes.tolist())}
    edge_cost = {(position[int(a)], position[int(b)]): 1.0 / max(float(w), 1e-9)
                 for a, b, w in zip(g.u[mask], g.v[mask], g.weight[mask], strict=True)}
    costs = [edge_cost[tuple(sorted(e.tuple))] for e in sub.es]
    between = np.array(sub.betweenness(weights=costs, directed=False), dtype=float)
    s_pct = pd.Series(strength[nodes]).rank(pct=True).to_numpy()
    b_pct = pd.Series(between).rank(pct=True).to_numpy()
    rows = []
    for k, i in enumerate(nodes.tolist()):
        pid = str(g.ids[i])
        role = roles.get(pid, "associate")
        ring = ring_of.get(pid)
        ring_score = scores.get(ring, 0.0) if ring else (
            max((scores[x] for x in result.brokers.get(pid, [])), default=0.0))
        ring_part = ring_score * _ROLE_FACTOR[role] if role != "associate" else 0.0
        score = 0.5 * ring_part + 0.3 * s_pct[k] + 0.2 * b_pct[k]
        rows.append({"person_id": pid, "score": round(float(score), 4), "ring": ring,
                     "role": role, "strength": round(float(strength[i]), 4),
                     "betweenness": round(float(between[k]), 2), "degree": int(degree[i])})
    df = pd.DataFrame(rows).sort_values(["score", "person_id"], ascending=[False, True])
    df = df.reset_index(drop=True)
    return df.head(top) if top else df
