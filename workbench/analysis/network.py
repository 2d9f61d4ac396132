"""Analysis on the fused graph: paths, connecting networks, expansion, centrality, key players.

Pure functions over :class:`~workbench.graph.fused.CaseGraph` and networkx graphs; record-level
evidence comes from :meth:`workbench.case.facade.Case.link_evidence`.

Examples
--------
>>> import numpy as np
>>> from workbench.graph.fused import CaseGraph
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

from ..graph import CaseGraph, as_igraph
from ..rings import RingResult

__all__ = ["find_paths", "services", "connecting_network", "expand", "centrality_table",
           "key_players", "hop_evidence", "temporal_path", "disruption"]

log = logging.getLogger(__name__)

_ROLE_FACTOR = {"organizer": 1.0, "broker": 0.8, "member": 0.6, "associate": 0.2}


#: most sources of the betweenness in :func:`key_players` besides ring members
BETWEENNESS_SOURCES = 256


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


def services(g: CaseGraph) -> np.ndarray:
    """Which nodes are service numbers or accounts, or their holders (a boolean mask)."""
    return np.asarray(g.node.get("service", np.zeros(g.n, dtype=np.int64)), dtype=bool)


def find_paths(g: CaseGraph, source: str, target: str,
               avoid: np.ndarray | None = None) -> list[dict]:
    """The strongest path (least total 1/weight) and the shortest path (fewest hops).

    Each path: ``{"kind", "nodes", "hops": [evidence per hop], "cost"}``; an empty list
    when the two are not connected. ``avoid`` (a boolean mask of nodes, e.g.
    :func:`services`) keeps the paths off those nodes, the two ends excepted.
    """
    s, t = g.index(source), g.index(target)
    keep = np.arange(g.m)
    if avoid is not None and avoid.any():
        avoid = avoid.copy()
        avoid[[s, t]] = False
        keep = np.flatnonzero(~(avoid[g.u] | avoid[g.v]))
    graph = as_igraph(g.n, g.u[keep], g.v[keep])
    cost = (1.0 / np.maximum(g.weight[keep], 1e-9)).tolist()
    out = []
    for kind, weights in (("strongest", cost), ("shortest", None)):
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
           layers: list[str] | None = None, max_nodes: int = 2000,
           avoid: np.ndarray | None = None) -> set[str]:
    """Nodes within ``hops`` of the seeds over links of at least ``min_weight`` (and present
    in one of ``layers``, if given), never entering a node of ``avoid`` (a boolean mask,
    e.g. :func:`services`); stops at ``max_nodes``."""
    if layers:
        ok = np.zeros(g.m, dtype=bool)
        for name in layers:
            ok |= g.strength[name] > 0
    else:
        ok = np.ones(g.m, dtype=bool)
    ok &= g.weight >= min_weight
    start = [g.index(x) for x in seeds]
    seen = set(start)
    if avoid is not None:
        seen |= set(np.flatnonzero(avoid).tolist()) - set(start)
        blocked = seen - set(start)
    else:
        blocked = set()
    queue = deque((s, 0) for s in start)
    while queue and len(seen) - len(blocked) < max_nodes:
        i, d = queue.popleft()
        if d == hops:
            continue
        nbr, eid = g.neighbours(i)
        for j, e in zip(nbr.tolist(), eid.tolist(), strict=True):
            if ok[e] and j not in seen:
                seen.add(j)
                queue.append((j, d + 1))
                if len(seen) - len(blocked) >= max_nodes:
                    break
    return {str(g.ids[i]) for i in seen - blocked}


def centrality_table(graph: nx.Graph) -> pd.DataFrame:
    """Degree, weighted degree, betweenness (on 1/weight distances) and eigenvector
    centrality of every node of a (sub)graph, best weighted degree first."""
    if graph.number_of_nodes() == 0:
        return pd.DataFrame(columns=["node", "degree", "weighted_degree", "betweenness",
                                     "eigenvector"])
    def distance(_a, _b, d) -> float:  # computed, not written into the caller's graph
        return 1.0 / max(d.get("weight", 1.0), 1e-9)

    between = nx.betweenness_centrality(graph, weight=distance, normalized=True)
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


def key_players(g: CaseGraph, result: RingResult, top: int | None = 50) -> pd.DataFrame:
    """Everyone in the case (persons and numbers standing for themselves; not accounts)
    ranked as key players, best first, whether or not rings were found.

    ``score = 0.5 x ring score x role factor + 0.3 x strength percentile + 0.2 x
    betweenness percentile``. In a case with meetings the strength percentile is the mean of
    the fused strength's and the co-attendance's (meetings summed over the persons met: the
    bosses of an organization seen only at its summits attend more summits with more
    people, and a pair's fused weight grows slower than its meetings).
    Betweenness (igraph, 1/weight costs) counts the strongest paths that start at the ring
    members and brokers and at the strongest nodes of the case (up to
    :data:`BETWEENNESS_SOURCES` sources in all).
    The ring score is the best of the person's own ring and the rings he links (a broker)
    or also heads (an organizer tied to other cells as strongly as their members).
    Role factors: organizer 1, broker 0.8 + 0.1 per ring he links (at most 1), member
    0.6, associate 0.2; a service number
    (:mod:`workbench.evidence.services`) is listed with role ``service`` and no ring part.
    """
    ring_of = result.ring_of()
    scores = {r.id: r.score for r in result.rings}
    roles: dict[str, str] = {}
    for r in result.rings:
        roles.update(r.roles)
    for pid in result.brokers:
        roles.setdefault(pid, "broker")
    service = g.node.get("service", np.zeros(g.n, dtype=np.int64))
    nodes = np.array([i for i, x in enumerate(g.ids) if not str(x).startswith("acct:")],
                     dtype=np.int64)
    if not len(nodes):
        return pd.DataFrame(columns=["person_id", "score", "ring", "role", "strength",
                                     "betweenness", "degree"])
    core = {g.index(pid) for pid in roles}
    strength = np.zeros(g.n)
    np.add.at(strength, g.u, g.weight)
    np.add.at(strength, g.v, g.weight)
    degree = np.bincount(np.concatenate([g.u, g.v]), minlength=g.n)
    # the graph of the ranked nodes, dense ids by position, costs 1/weight (numpy, no
    # per-edge Python)
    position = np.full(g.n, -1, dtype=np.int64)
    position[nodes] = np.arange(len(nodes))
    mask = (position[g.u] >= 0) & (position[g.v] >= 0)
    sub = as_igraph(len(nodes), position[g.u[mask]], position[g.v[mask]])
    costs = (1.0 / np.maximum(g.weight[mask], 1e-9)).tolist()
    # shortest paths from the ring members, brokers and the strongest nodes (not from
    # everyone): the brokerage that matters, at a bounded cost on a county
    strongest = nodes[np.lexsort((nodes, -strength[nodes]))][:BETWEENNESS_SOURCES]
    sources = sorted({int(position[i]) for i in core if position[i] >= 0}
                     | {int(position[i]) for i in strongest})[:4 * BETWEENNESS_SOURCES]
    between = np.array(sub.betweenness(weights=costs, directed=False, sources=sources),
                       dtype=float)
    s_pct = pd.Series(strength[nodes]).rank(pct=True).to_numpy()
    met = _coattendance(g)
    if met is not None:  # meetings count by how many, with how many (half of the strength)
        s_pct = 0.5 * s_pct + 0.5 * pd.Series(met[nodes]).rank(pct=True).to_numpy()
    b_pct = pd.Series(between).rank(pct=True).to_numpy()
    rows = []
    for k, i in enumerate(nodes.tolist()):
        pid = str(g.ids[i])
        role = roles.get(pid, "service" if service[i] else "associate")
        ring = ring_of.get(pid)
        ring_score = max([scores.get(ring, 0.0) if ring else 0.0]
                         + [scores[x] for x in result.brokers.get(pid, [])]
                         + [scores[x] for x in result.reach.get(pid, [])])
        factor = _ROLE_FACTOR.get(role, 0.0)
        if role == "broker":  # one who links more rings matters more (an organizer of cells)
            factor = min(1.0, factor + 0.1 * len(result.brokers.get(pid, [])))
        ring_part = ring_score * factor
        score = 0.5 * ring_part + 0.3 * s_pct[k] + 0.2 * b_pct[k]
        rows.append({"person_id": pid, "score": round(float(score), 4), "ring": ring,
                     "role": role, "strength": round(float(strength[i]), 4),
                     "betweenness": round(float(between[k]), 2), "degree": int(degree[i])})
    df = pd.DataFrame(rows).sort_values(["score", "person_id"], ascending=[False, True])
    df = df.reset_index(drop=True)
    return df.head(top) if top else df


def temporal_path(stream: pd.DataFrame, source: str, target: str,
                  start: float | None = None) -> list[dict]:
    """i2's earliest-arrival path: could word have passed from ``source`` to ``target`` by
    calls in time order, and by which chain?

    ``stream`` has one row per call ``(a, b, t)`` sorted by ``t`` (epoch seconds); a call
    carries information both ways. Returns the hops ``{"from", "to", "at"}`` of the chain
    that reaches ``target`` first after ``start``, or an empty list.

    Examples
    --------
    >>> calls = pd.DataFrame({"a": ["A", "C", "B", "C"], "b": ["B", "D", "C", "E"],
    ...                       "t": [1.0, 2.0, 3.0, 4.0]})
    >>> [(h["from"], h["to"], h["at"]) for h in temporal_path(calls, "A", "E")]
    [('A', 'B', 1.0), ('B', 'C', 3.0), ('C', 'E', 4.0)]
    >>> temporal_path(calls, "A", "D")  # C called D before word reached C
    []
    """
    arrival = {source: float("-inf") if start is None else float(start)}
    parent: dict[str, tuple[str, float]] = {}
    for a, b, t in zip(stream["a"].tolist(), stream["b"].tolist(), stream["t"].tolist(),
                       strict=True):
        if start is not None and t < start:
            continue
        for x, y in ((a, b), (b, a)):
            if x in arrival and arrival[x] <= t and y not in arrival:
                arrival[y] = t
                parent[y] = (x, t)
        if target in arrival and target != source:
            break
    if target not in parent:
        return []
    hops = []
    node = target
    while node != source:
        prev, t = parent[node]
        hops.append({"from": prev, "to": node, "at": float(t)})
        node = prev
    return hops[::-1]


def disruption(g: CaseGraph, members: list[str], *, organizer: str | None = None,
               max_k: int = 3, top: int = 10) -> pd.DataFrame:
    """Which ``k`` arrests break a ring apart most, ranked.

    For every set of up to ``max_k`` members removed: *fragmentation* (1 - share of the
    remaining members in the largest connected piece), *money cut* (share of the remaining
    members who can no longer reach the money hub, the member most paid, through transfers),
    *brokerage lost* (share of the ring's betweenness held by the removed). The impact is
    their mean.
    """
    idx = [g.index(m) for m in members]
    sub = g.subgraph(members)
    between = nx.betweenness_centrality(sub, weight=None)
    total_between = sum(between.values()) or 1.0
    money = nx.Graph()
    money.add_nodes_from(members)
    money.add_edges_from((a, b) for a, b, d in sub.edges(data=True) if d.get("n_tx", 0) > 0)
    received = {m: 0 for m in members}
    for a, b, d in sub.edges(data=True):
        ab = d.get("n_uv_tx", 0) if str(a) < str(b) else d.get("n_vu_tx", 0)
        ba = d.get("n_vu_tx", 0) if str(a) < str(b) else d.get("n_uv_tx", 0)
        received[b] += int(ab > 0)
        received[a] += int(ba > 0)
    hub = organizer or max(members, key=lambda m: (received[m], m))
    rows = []
    del idx
    for k in range(1, max_k + 1):
        for removed in itertools.combinations(sorted(members), k):
            rest = [m for m in members if m not in removed]
            if not rest:
                continue
            left = sub.subgraph(rest)
            largest = max((len(c) for c in nx.connected_components(left)), default=0)
            fragmentation = 1.0 - largest / len(rest)
            reach_before = set(nx.node_connected_component(money, hub)) - {hub}
            if hub in removed:
                cut = 1.0 if reach_before else 0.0
            else:
                after = set(nx.node_connected_component(money.subgraph(rest), hub)) - {hub}
                before = reach_before - set(removed)
                cut = (len(before - after) / len(before)) if before else 0.0
            lost = sum(between.get(m, 0.0) for m in removed) / total_between
            impact = (fragmentation + cut + lost) / 3
            rows.append({"remove": ", ".join(removed), "k": k,
                         "impact": round(impact, 4), "fragmentation": round(fragmentation, 4),
                         "money_cut": round(cut, 4), "brokerage_lost": round(lost, 4),
                         "pieces_left": nx.number_connected_components(left)})
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    best = (df.sort_values(["k", "impact", "remove"], ascending=[True, False, True])
            .groupby("k").head(top))
    return best.reset_index(drop=True)
