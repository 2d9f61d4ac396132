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

from ..errors import EngineError
from ..evidence import LAYER_NAMES, NUMBER_NODE, Layers
from .adjacency import adjacency
from .numbering import CALL_FIELDS as _CALL_FIELDS
from .numbering import _numbered, calls_of_pairs

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
            ids = np.asarray(self.ids, dtype=object).tolist()
            self._index = dict(zip(map(str, ids), range(len(ids)), strict=True))
        return self._index[node_id]

    def __contains__(self, node_id: object) -> bool:
        """Whether ``node_id`` is a node of the graph (has a link in it)."""
        try:
            self.index(str(node_id))
        except KeyError:
            return False
        return True

    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(indptr, neighbours, edge ids)``: the adjacency in compressed rows. A node's row
        holds the links where it is ``u``, then those where it is ``v``, each part by edge
        id (a stable sort of the ends ``u`` then ``v``).

        >>> g = CaseGraph(ids=np.array(list("abcd"), dtype=object), u=np.array([0, 1, 0]),
        ...               v=np.array([1, 2, 3]), weight=np.ones(3), strength={},
        ...               measures={})
        >>> [x.tolist() for x in g.csr()]
        [[0, 2, 4, 5, 6], [1, 3, 2, 0, 1, 0], [0, 2, 1, 0, 1, 2]]
        """
        if self._csr is None:
            self._csr = adjacency(self.n, self.u, self.v)
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
    on = calls > 0
    ringlike = np.divide(measures["n_night"] + measures["n_short"], 2.0 * calls,
                         out=np.zeros_like(calls), where=on)
    ringlike *= 0.75  # in place, as ln(1 + calls) * (0.25 + 0.75 * ringlike) * on
    ringlike += 0.25
    strength = np.log1p(calls)
    strength *= ringlike
    strength *= on
    # the other layers are silent on most pairs: each is computed where it is not 0 only
    # (every formula gives 0 at 0), with the same operations on the same values
    return {
        "calls": strength,
        "money": _nonzero(measures["n_tx"], np.log1p),
        "coarrest": _nonzero(measures["n_cases"], lambda c, t: t + 0.5 * (c - t),
                             measures["n_trafficking_cases"]),
        "kinship": _nonzero(measures["kin"]),
        "shared": _nonzero(measures["shared"]),
        # meetings beyond chance: the layer's weight is a surprise in -log10 units
        "copresence": _nonzero(measures["meet_weight"], np.log1p),
    }


def _nonzero(values: np.ndarray, fn=None, also: np.ndarray | None = None) -> np.ndarray:
    """``fn`` of ``values`` (as floats) where ``values`` or ``also`` is not 0, and 0
    elsewhere (each ``fn`` here gives 0 at 0); with ``also``, ``fn`` takes both arrays (as
    floats, at the same positions)."""
    out = np.zeros(len(values), dtype=np.float64)
    at = np.flatnonzero(values if also is None else (values != 0) | (also != 0))
    x = values[at].astype(np.float64)
    if fn is None:
        out[at] = x
    elif also is None:
        out[at] = fn(x)
    else:
        out[at] = fn(x, also[at].astype(np.float64))
    return out


#: the measures the layers other than calls bring per pair (fused_query)
_OTHER_FIELDS = tuple(k for k in EDGE_FIELDS if k not in _CALL_FIELDS)


def _cast(name: str, column: str) -> str:
    """A measure as the arrays carry it: 0 where the layer is silent, whole or real."""
    return (f"CAST(coalesce({column}, 0) AS "
            f"{'DOUBLE' if name in _REAL_FIELDS else 'BIGINT'}) AS {name}")


def fused_query(layers: dict) -> tuple[str, list]:
    """One row per pair linked by a layer other than calls, with those layers' measures
    (0 where a layer is silent): money, co-arrest, kinship, shared and co-presence.

    The calls layer is by far the largest and already one row per pair: it is read as it
    is and joined to these rows in numpy (:func:`build_graph`); the other layers are
    gathered per pair here (one aggregation over every layer's rows took three times as
    long at 2M calls).
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
    rest = ", ".join(_cast(k, f"o.{k}") for k in _OTHER_FIELDS)
    return f"SELECT o.u, o.v, {rest} FROM ({other}) o", []


def node_query(layers: dict) -> tuple[str, str, str]:
    """What marks a node, each as a ``SELECT`` of ids: ``(arrests, persons, services)``.

    ``arrests``: ``(id, drug_arrests, trafficking_arrests)`` per arrested person;
    ``persons``: the known persons; ``services``: the flagged numbers and accounts
    (``acct:<id>``) and the persons registered to them.
    """
    h = layers
    services, own_p, own_a = h["_services"], h["_own_phones"], h["_own_accounts"]
    arrests = ("SELECT person_id AS id, "
               "CAST(sum(CASE WHEN drug_related THEN 1 ELSE 0 END) AS BIGINT) AS drug_arrests, "
               "CAST(sum(CASE WHEN trafficking THEN 1 ELSE 0 END) AS BIGINT) "
               f"AS trafficking_arrests FROM {h['_arrests_w']} GROUP BY person_id")
    persons = f"SELECT person_id AS id FROM {h['_persons']}"
    marked = (f"SELECT id FROM {services} UNION ALL SELECT 'acct:' || id FROM {services} "
              f"WHERE kind = 'account' UNION ALL SELECT o.person_id FROM {own_p} o "
              f"JOIN {services} s ON s.kind = 'phone' AND s.id = o.id UNION ALL "
              f"SELECT o.person_id FROM {own_a} o JOIN {services} s "
              "ON s.kind = 'account' AND s.id = o.id")
    return arrests, persons, marked


def _dense(column, ids) -> np.ndarray:
    """Positions of ``column``'s ids in ``ids`` (an Arrow array); -1 for none (a null)."""
    import pyarrow.compute as pc

    at = pc.index_in(column, options=pc.SetLookupOptions(ids, skip_nulls=True))
    return pc.fill_null(at, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def build_graph(source, layers: Layers, weights: LayerWeights | None = None) -> CaseGraph:
    """Fuse the layers built by :func:`workbench.evidence.links.build_layers` into a CaseGraph.

    Runs on the engine that holds the layers' handles (``source``, the older call form's
    connection, is not used: the layers carry their engine). Nodes are the ids at either
    end of a link, numbered in the ids' order; edges come in the order of their ends'
    numbers (the arrays' canonical order): the same arrays the engine's own sort and join
    would give, mapped and fused in Arrow and numpy instead (each layer's table holds one
    row per pair). When the calls layer is the numbers' pairs with one owner per number
    (:attr:`~workbench.evidence.links.Layers.calls_pairs`), the pairs fetched by the layers
    are mapped to their owners here (:func:`~workbench.graph.numbering.calls_of_pairs`)
    instead of reading the layer.
    """
    weights = weights or LayerWeights()
    engine = layers.engine
    h = layers.handles
    other = engine.fetch_arrow(*fused_query(h))
    calls = _calls_ends(engine, layers)
    if calls is None:  # the calls layer's own rows: each pair once
        table = engine.fetch_arrow(
            f"SELECT c.u, c.v, {', '.join(_cast(k, f'c.{k}') for k in _CALL_FIELDS)} "
            f"FROM {h['_l_calls']} c")
        ids, ends = _numbered([t.column(k) for t in (table, other) for k in ("u", "v")])
        summed = False
    else:  # the numbers' pairs, each end its node (two pairs of numbers may make one link)
        labels, a, b, table = calls
        ids, (at, *ends) = _numbered([labels, other.column("u"), other.column("v")])
        ends = [np.minimum(at[a], at[b]), np.maximum(at[a], at[b]), *ends]
        ends[0][ends[0] == ends[1]] = -1  # a pair of one node's numbers: no link
        summed = True
    n = len(ids)
    keys, rows = [], []
    for ui, vi in (ends[:2], ends[2:]):
        linked = (ui >= 0) & (vi >= 0)  # a pair with an unknown end is no link
        keys.append(ui[linked] * n + vi[linked])
        rows.append(linked)
    edges, at = np.unique(np.concatenate(keys), return_inverse=True)
    parts = (at[:len(keys[0])], at[len(keys[0]):])
    twice = [bool(len(p)) and np.bincount(p).max() > 1 for p in parts]
    if twice[1] or (twice[0] and not summed):
        raise EngineError("a link layer holds a pair twice; rebuild the layers")
    measures = {}
    for rows_of, linked, pos, fields, add in (
            (table, rows[0], parts[0], _CALL_FIELDS, twice[0]),
            (other, rows[1], parts[1], _OTHER_FIELDS, False)):
        for name in fields:
            values = rows_of.column(name).to_numpy()
            values = values if linked.all() else values[linked]
            measures[name] = np.zeros(len(edges), dtype=values.dtype)
            if add:
                np.add.at(measures[name], pos, values)
            else:
                measures[name][pos] = values
    measures = {k: measures[k] for k in EDGE_FIELDS}
    node = _node_arrays(engine, ids, node_query(h))
    ids = np.asarray(ids.to_numpy(zero_copy_only=False), dtype=object)
    node["number_only"] = number_only(ids, node["known_person"])
    u, v = np.divmod(edges, max(n, 1))
    base = CaseGraph(
        ids=ids, u=u, v=v,
        weight=np.zeros(len(edges), dtype=np.float64),
        strength=layer_strengths(measures), measures=measures, node=node, weights=weights)
    graph = reweight(base, weights)
    log.info("fused graph: %d nodes, %d edges", graph.n, graph.m)
    return graph


def _calls_ends(engine, layers: Layers) -> tuple | None:
    """:func:`~workbench.graph.numbering.calls_of_pairs` when the layers' calls layer is
    their numbers' pairs with one owner per number (:attr:`Layers.calls_pairs`), else None
    (then the layer's rows are read)."""
    recipe = layers.calls_pairs
    if recipe is None or recipe[0] is not layers.handles.get("_l_calls") or recipe[3] is None:
        return None
    _, _, owners, coded = recipe
    return calls_of_pairs(engine, coded, owners)


def _node_arrays(engine, ids, queries: tuple[str, str, str]) -> dict[str, np.ndarray]:
    """Per node (aligned with ``ids``): arrests, whether a known person, whether a service."""
    import pyarrow.compute as pc

    arrests, persons, marked = (engine.fetch_arrow(q) for q in queries)
    node = {}
    at = _dense(arrests.column("id"), ids)
    found = at >= 0
    for name in ("drug_arrests", "trafficking_arrests"):
        node[name] = np.zeros(len(ids), dtype=np.int64)
        node[name][at[found]] = arrests.column(name).to_numpy()[found]
    for name, table in (("known_person", persons), ("service", marked)):
        node[name] = pc.is_in(ids, options=pc.SetLookupOptions(
            table.column("id"), skip_nulls=True)).to_numpy(zero_copy_only=False).astype(
                np.int64)
    return node


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
