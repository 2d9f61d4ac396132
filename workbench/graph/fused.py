"""The fused association graph: link layers -> weighted edges -> dense integer arrays.

The whole case becomes numpy arrays (node ids mapped to dense integers in SQL, no Python
loop per link); networkx graphs are built only for what a person looks at
(:meth:`CaseGraph.subgraph`).

Per-layer strength of a pair (before the layer weights):

* calls: ``ln(1 + calls) * (0.25 + 0.75 * (night share + short share) / 2)`` — volume,
  counted more when the calls look like a ring's (short, at night);
* money: ``ln(1 + transfers)``;
* coarrest: shared trafficking cases + 0.5 x other shared cases;
* kinship, shared: 1 per related pair / pair sharing a phone or account.

The fused weight is the weighted sum; :class:`LayerWeights` holds the weights.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..evidence import LAYER_NAMES, NUMBER_NODE, Layers

if TYPE_CHECKING:  # networkx is loaded where it is used (a command that does not, starts faster)
    import networkx as nx

__all__ = ["LayerWeights", "CaseGraph", "build_graph", "reweight", "layer_strengths",
           "member_mask", "number_only", "EDGE_FIELDS"]

log = logging.getLogger(__name__)

#: measures carried per edge (arrays aligned with the edge list)
EDGE_FIELDS = ("n_calls", "n_night", "n_short", "duration_s", "n_tx", "n_uv_tx", "n_vu_tx",
               "total_uv", "total_vu", "n_cases", "n_trafficking_cases", "kin", "shared",
               "n_meet", "meet_weight")


_REAL_FIELDS = ("total_uv", "total_vu", "meet_weight")

_LAYER_FIELDS = {
    "calls": ("n_calls", "n_night", "n_short", "duration_s"),
    "money": ("n_tx", "n_uv_tx", "n_vu_tx", "total_uv", "total_vu"),
    "coarrest": ("n_cases", "n_trafficking_cases", "drug_arrests", "trafficking_arrests"),
    "kinship": ("kin",),
    "shared": ("shared",),
    "copresence": ("n_meet", "meet_weight"),
}


@dataclass(frozen=True)
class LayerWeights:
    """Weight of each layer in the fused graph; 0 switches a layer off.

    Examples
    --------
    >>> LayerWeights().only(["calls"]).money
    0.0
    """

    calls: float = 1.0
    money: float = 1.0
    coarrest: float = 2.0
    kinship: float = 0.5
    shared: float = 2.0
    # meeting is circumstantial (couples, families and friends meet too): it groups people
    # less than a call does; it still counts fully as evidence in a ring's score and tier
    copresence: float = 0.3

    def only(self, layers) -> LayerWeights:
        """The same weights with every layer not named set to 0."""
        unknown = set(layers) - set(LAYER_NAMES)
        if unknown:
            raise ValueError(f"unknown layer(s) {sorted(unknown)}; layers: {LAYER_NAMES}")
        return LayerWeights(**{k: (v if k in layers else 0.0) for k, v in asdict(self).items()})

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class CaseGraph:
    """The case as arrays: ``n`` nodes, edges ``u < v`` (dense ids), weights, measures."""

    ids: np.ndarray  # node id strings, index = dense id
    u: np.ndarray
    v: np.ndarray
    weight: np.ndarray
    strength: dict[str, np.ndarray]  # per layer, aligned with edges
    measures: dict[str, np.ndarray]  # EDGE_FIELDS, aligned with edges
    node: dict[str, np.ndarray] = field(default_factory=dict)  # per node: drug_arrests, ...
    weights: LayerWeights = field(default_factory=LayerWeights)
    _index: dict[str, int] | None = None
    _csr: tuple | None = None

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def m(self) -> int:
        return len(self.u)

    def index(self, node_id: str) -> int:
        """Dense id of a node id; ``KeyError`` if it is not in the graph."""
        if self._index is None:
            self._index = {str(x): i for i, x in enumerate(self.ids)}
        return self._index[node_id]

    def __contains__(self, node_id: object) -> bool:
        """Whether ``node_id`` is a node of the graph (has a link in it)."""
        try:
            self.index(str(node_id))
        except KeyError:
            return False
        return True

    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(indptr, neighbours, edge ids)``: the adjacency in compressed rows."""
        if self._csr is None:
            src = np.concatenate([self.u, self.v])
            dst = np.concatenate([self.v, self.u])
            eid = np.concatenate([np.arange(self.m), np.arange(self.m)])
            order = np.argsort(src, kind="stable")
            indptr = np.zeros(self.n + 1, dtype=np.int64)
            indptr[1:] = np.cumsum(np.bincount(src, minlength=self.n))
            self._csr = (indptr, dst[order], eid[order])
        return self._csr

    def neighbours(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Neighbours of dense node ``i`` and the edge ids that reach them."""
        indptr, nbr, eid = self.csr()
        return nbr[indptr[i]:indptr[i + 1]], eid[indptr[i]:indptr[i + 1]]

    def star(self, members) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every link leaving ``members`` (dense ids), in one pass over the adjacency.

        Returns ``(position, neighbour, edge id)`` arrays: ``position`` is the index into
        ``members`` of the link's own end; rows come member by member, each member's links in
        adjacency order (so sums with ``np.bincount`` add in the same order as a loop would).

        Examples
        --------
        >>> g = CaseGraph(ids=np.array(["a", "b", "c"], dtype=object), u=np.array([0, 0]),
        ...               v=np.array([1, 2]), weight=np.array([4.0, 2.0]), strength={},
        ...               measures={})
        >>> [a.tolist() for a in g.star([2, 0])]
        [[0, 1, 1], [0, 1, 2], [1, 0, 1]]
        """
        indptr, nbr, eid = self.csr()
        members = np.asarray(members, dtype=np.int64)
        starts = indptr[members]
        counts = indptr[1:][members] - starts
        ends = counts.cumsum()
        total = int(ends[-1]) if len(ends) else 0
        if total == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        at = np.repeat(starts - ends + counts, counts)  # each link's offset, then its place
        at += np.arange(total, dtype=np.int64)
        return np.repeat(np.arange(len(members)), counts), nbr[at], eid[at]

    def internal_edges(self, members: np.ndarray) -> np.ndarray:
        """Edge ids with both ends in ``members`` (dense ids), ascending."""
        members = np.unique(np.asarray(members, dtype=np.int64))
        pos, nbr, eid = self.star(members)
        inside = member_mask(members, nbr) & (members[pos] < nbr)
        return np.sort(eid[inside])

    def edges_at_least(self, min_weight: float) -> CaseGraph:
        """The same nodes with only the links of at least ``min_weight``."""
        return _edge_subset(self, self.weight >= min_weight)

    def to_igraph(self):
        """An igraph Graph of the edges (weights passed separately to algorithms)."""
        import igraph as ig

        return ig.Graph(self.n, list(zip(self.u.tolist(), self.v.tolist(), strict=True)))

    def subgraph(self, nodes, node_attrs: dict[str, dict] | None = None) -> nx.Graph:
        """A networkx graph of ``nodes`` (ids) and the edges among them, with attributes.

        Edge attributes: ``weight``, one ``w_<layer>`` per layer and the measures; node
        attributes: ``kind`` (person / phone / account) plus ``node_attrs[id]``.
        """
        import networkx as nx

        idx = np.array(sorted({self.index(x) for x in nodes}), dtype=np.int64)
        graph = nx.Graph()
        for i in idx.tolist():
            nid = str(self.ids[i])
            kind = _kind(nid)
            if "known_person" in self.node and self.node["known_person"][i]:
                kind = "person"
            elif kind == "person" and "known_person" in self.node and not self.node[
                    "known_person"][i]:
                kind = "entity"  # an account or phone holder absent from persons
            attrs = {"kind": kind}
            for key, arr in self.node.items():
                attrs[key] = arr[i].item()
            attrs.update((node_attrs or {}).get(nid, {}))
            graph.add_node(nid, **attrs)
        for e in self.internal_edges(idx).tolist():
            attrs = {"weight": float(self.weight[e])}
            attrs.update({f"w_{k}": float(a[e]) for k, a in self.strength.items()})
            attrs.update({k: a[e].item() for k, a in self.measures.items()})
            attrs["layers"] = ",".join(k for k, a in self.strength.items() if a[e] > 0)
            graph.add_edge(str(self.ids[self.u[e]]), str(self.ids[self.v[e]]), **attrs)
        return graph


def member_mask(sorted_members: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Which of ``nodes`` are in ``sorted_members`` (ascending, unique)."""
    if not len(sorted_members):
        return np.zeros(len(nodes), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_members, nodes), len(sorted_members) - 1)
    return sorted_members[at] == nodes


def _kind(node_id: str) -> str:
    """``account`` (``acct:<id>``), ``phone`` (a number standing for itself) or
    ``person``; a person id that looks like a number is told apart by ``known_person``."""
    if node_id.startswith("acct:"):
        return "account"
    if node_id.startswith("tel:") or NUMBER_NODE.match(node_id):
        return "phone"
    return "person"


def number_only(ids, known_person) -> np.ndarray:
    """1 for a node that is a phone number standing for itself (no person held it at the
    time of its calls: an unknown subscriber, a record left unresolved), else 0. Such a
    member shows calls and nothing else: no account, no arrest.

    >>> number_only(np.array(["P1", "+8613800138000", "acct:9"], dtype=object), [0, 0, 0])
    array([0, 1, 0])
    """
    known = np.asarray(known_person, dtype=bool)
    out = np.zeros(len(known), dtype=np.int64)
    for i in np.nonzero(~known)[0].tolist():  # a known person is never one
        out[i] = int(_kind(str(ids[i])) == "phone")
    return out


def layer_strengths(measures: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-layer strength of every pair from its measures (see the module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> m = {k: np.array([0]) for k in EDGE_FIELDS}
    >>> m.update(n_calls=np.array([3]), n_night=np.array([3]), n_short=np.array([3]))
    >>> round(float(layer_strengths(m)["calls"][0]), 4)
    1.3863
    """
    calls = measures["n_calls"].astype(np.float64)
    ringlike = np.divide(measures["n_night"] + measures["n_short"], 2.0 * calls,
                         out=np.zeros_like(calls), where=calls > 0)
    cases = measures["n_cases"].astype(np.float64)
    trafficking = measures["n_trafficking_cases"].astype(np.float64)
    return {
        "calls": np.log1p(calls) * (0.25 + 0.75 * ringlike) * (calls > 0),
        "money": np.log1p(measures["n_tx"].astype(np.float64)),
        "coarrest": trafficking + 0.5 * (cases - trafficking),
        "kinship": measures["kin"].astype(np.float64),
        "shared": measures["shared"].astype(np.float64),
        # meetings beyond chance: the layer's weight is a surprise in -log10 units
        "copresence": np.log1p(measures["meet_weight"].astype(np.float64)),
    }


def fused_query(layers: dict) -> tuple[str, list]:
    """One row per linked pair with every layer's measures (0 where a layer is silent).

    The calls layer is by far the largest and already one row per pair: the other layers
    are gathered per pair and joined to it (a full join; one aggregation over every layer's
    rows took three times as long at 2M calls).
    """
    h = layers
    other = (
        "SELECT u, v, max(n_tx) AS n_tx, max(n_uv_tx) AS n_uv_tx, max(n_vu_tx) AS n_vu_tx, "
        "max(total_uv) AS total_uv, max(total_vu) AS total_vu, max(n_cases) AS n_cases, "
        "max(n_trafficking_cases) AS n_trafficking_cases, max(kin) AS kin, "
        "max(shared) AS shared, max(n_meet) AS n_meet, max(meet_weight) AS meet_weight "
        "FROM ("
        "  SELECT u, v, n_tx, n_uv AS n_uv_tx, n_vu AS n_vu_tx, total_uv, total_vu,"
        "    NULL AS n_cases, NULL AS n_trafficking_cases, NULL AS kin, NULL AS shared,"
        f"    NULL AS n_meet, NULL AS meet_weight FROM {h['_l_money']}"
        "  UNION ALL SELECT u, v, NULL, NULL, NULL, NULL, NULL, n_cases, n_trafficking_cases,"
        f"    NULL, NULL, NULL, NULL FROM {h['_l_coarrest']}"
        "  UNION ALL SELECT u, v, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1, NULL, NULL,"
        f"    NULL FROM {h['_l_kinship']}"
        "  UNION ALL SELECT u, v, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1, NULL,"
        f"    NULL FROM {h['_l_shared']}"
        # a shared cell alone links nobody (a tower covers a neighbourhood, and people who
        # call each other are near each other anyway): it stays evidence, not a link
        "  UNION ALL SELECT u, v, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
        f"    n_meet - n_cell, weight FROM {h['_l_copresence']}"
        "    WHERE weight > 0 AND n_meet > n_cell"
        ") o GROUP BY u, v")
    calls = ", ".join(f"coalesce(c.{k}, 0) AS {k}"
                      for k in ("n_calls", "n_night", "n_short", "duration_s"))
    rest = ", ".join(f"coalesce(o.{k}, 0) AS {k}" for k in (
        "n_tx", "n_uv_tx", "n_vu_tx", "total_uv", "total_vu", "n_cases",
        "n_trafficking_cases", "kin", "shared", "n_meet", "meet_weight"))
    return (f"SELECT coalesce(c.u, o.u) AS u, coalesce(c.v, o.v) AS v, {calls}, {rest} "
            f"FROM {h['_l_calls']} c FULL JOIN ({other}) o ON o.u = c.u AND o.v = c.v"), []


def node_query(nodes, layers: dict) -> tuple[str, list]:
    """Per node (in dense-id order): arrests, whether a known person, whether a service."""
    h = layers
    services, own_p, own_a = h["_services"], h["_own_phones"], h["_own_accounts"]
    return (
        "SELECT coalesce(d.drug_arrests, 0) AS drug_arrests, "
        "coalesce(d.trafficking_arrests, 0) AS trafficking_arrests, "
        f"CAST(n.id IN (SELECT person_id FROM {h['_persons']}) AS INTEGER) AS known_person, "
        f"CAST(n.id IN (SELECT id FROM {services}) OR n.id IN (SELECT 'acct:' || id FROM "
        f"{services} WHERE kind = 'account') OR n.id IN (SELECT o.person_id FROM {own_p} o "
        f"JOIN {services} s ON s.kind = 'phone' AND s.id = o.id) OR n.id IN (SELECT o.person_id "
        f"FROM {own_a} o JOIN {services} s ON s.kind = 'account' AND s.id = o.id) "
        "AS INTEGER) AS service "
        f"FROM {nodes} n "
        "LEFT JOIN (SELECT person_id, "
        "sum(CASE WHEN drug_related THEN 1 ELSE 0 END) AS drug_arrests, "
        "sum(CASE WHEN trafficking THEN 1 ELSE 0 END) AS trafficking_arrests "
        f"FROM {h['_arrests_w']} GROUP BY person_id) d ON d.person_id = n.id ORDER BY n.idx"), []


def build_graph(source, layers: Layers, weights: LayerWeights | None = None) -> CaseGraph:
    """Fuse the layers built by :func:`workbench.evidence.links.build_layers` into a CaseGraph.

    Runs on the engine that holds the layers' handles (``source``, the older call form's
    connection, is not used: the layers carry their engine).
    """
    weights = weights or LayerWeights()
    engine = layers.engine
    fused = engine.materialize("_fused", *fused_query(layers.handles))
    nodes = engine.materialize(
        "_nodes", "SELECT id, CAST(row_number() OVER (ORDER BY id) - 1 AS BIGINT) AS idx "
        f"FROM (SELECT u AS id FROM {fused} UNION SELECT v FROM {fused}) n")
    casts = ", ".join(
        f"CAST(f.{name} AS {'DOUBLE' if name in _REAL_FIELDS else 'BIGINT'}) AS {name}"
        for name in EDGE_FIELDS)
    arrays = engine.fetch_numpy(
        f"SELECT a.idx AS ui, b.idx AS vi, {casts} FROM {fused} f "
        f"JOIN {nodes} a ON a.id = f.u JOIN {nodes} b ON b.id = f.v ORDER BY ui, vi"
    )  # a canonical edge order: parallel aggregation and joins do not keep one
    ids = engine.fetch_numpy(f"SELECT id FROM {nodes} ORDER BY idx")["id"]
    node = engine.fetch_numpy(*node_query(nodes, layers.handles))
    node["number_only"] = number_only(ids, node["known_person"])
    measures = {k: np.asarray(arrays[k]) for k in EDGE_FIELDS}
    base = CaseGraph(
        ids=np.asarray(ids, dtype=object),
        u=np.asarray(arrays["ui"], dtype=np.int64),
        v=np.asarray(arrays["vi"], dtype=np.int64),
        weight=np.zeros(len(arrays["ui"]), dtype=np.float64),
        strength=layer_strengths(measures),
        measures=measures,
        node={k: np.asarray(v, dtype=np.int64) for k, v in node.items()},
        weights=weights,
    )
    graph = reweight(base, weights)
    log.info("fused graph: %d nodes, %d edges", graph.n, graph.m)
    return graph


def reweight(base: CaseGraph, weights: LayerWeights) -> CaseGraph:
    """The same links under other layer weights, in numpy (no SQL); ``base`` is not changed.

    A layer with weight 0 leaves no evidence behind either: its measures read 0, and links
    carried by no other layer disappear.
    """
    w = weights.as_dict()
    measures = dict(base.measures)
    node = dict(base.node)
    strength = dict(base.strength)
    for layer, fields in _LAYER_FIELDS.items():
        if not w[layer]:
            strength[layer] = np.zeros_like(strength[layer])
            for name in fields:
                if name in measures:
                    measures[name] = np.zeros_like(measures[name])
                elif name in node:
                    node[name] = np.zeros_like(node[name])
    weight = np.zeros(base.m, dtype=np.float64)
    for k, arr in strength.items():
        weight += float(w[k]) * arr
    graph = CaseGraph(ids=base.ids, u=base.u, v=base.v, weight=weight, strength=strength,
                      measures=measures, node=node, weights=weights)
    keep = graph.weight > 0
    return graph if keep.all() else _edge_subset(graph, keep)


def _edge_subset(graph: CaseGraph, keep: np.ndarray) -> CaseGraph:
    return CaseGraph(
        ids=graph.ids, u=graph.u[keep], v=graph.v[keep], weight=graph.weight[keep],
        strength={k: a[keep] for k, a in graph.strength.items()},
        measures={k: a[keep] for k, a in graph.measures.items()},
        node=graph.node, weights=graph.weights,
    )
