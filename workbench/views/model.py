"""The view model: one networkx graph with display attributes, evidence and provenance.

Examples
--------
>>> import networkx as nx
>>> g = nx.Graph(); g.add_edge("A", "B", weight=2.0, layers="calls")
>>> vm = ViewModel(g, title="demo")
>>> vm.title, vm.graph.number_of_edges()
('demo', 1)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # networkx is loaded by what builds a view
    import networkx as nx

__all__ = ["ViewModel", "ring_keys"]


@dataclass
class ViewModel:
    """What a view shows.

    Attributes
    ----------
    graph : networkx.Graph
        Nodes carry ``kind`` (person, phone, account, entity), ``name``, ``ring``, ``role``,
        ``score``; edges carry ``weight``, ``layers`` and the link measures.
    title : str
        Heading of the view.
    meta : dict
        Provenance: parameters and filters, store fingerprint, record counts, tool version,
        time of the snapshot.
    records : dict[str, list[dict]]
        Evidence records behind the links shown (calls, transactions, arrests, kinship),
        each with its source file and line.
    identifiers : dict[str, str]
        Originals to mask when redacting: value -> kind (phone, account, id_number, name).
    """

    graph: nx.Graph
    title: str = "Link analysis"
    meta: dict = field(default_factory=dict)
    records: dict[str, list[dict]] = field(default_factory=dict)
    identifiers: dict[str, str] = field(default_factory=dict)


def ring_keys(vm: ViewModel) -> dict[str, str]:
    """Ring id -> the ring's key (a hash of its members) for every ring the view shows;
    a ring without a recorded key is keyed by its id."""
    keys = {str(r["id"]): str(r.get("key") or "") for r in vm.meta.get("rings", [])
            if isinstance(r, dict) and "id" in r}
    for _, d in vm.graph.nodes(data=True):
        if d.get("ring"):
            keys.setdefault(str(d["ring"]), "")
    return {r: k or r for r, k in keys.items()}
