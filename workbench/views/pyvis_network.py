"""What the analyst looks at as a pyvis ``Network``, for users who work with pyvis.

pyvis is kept for what users do with it (inspect nodes and edges, change options), but its
own HTML output loads Bootstrap from a CDN and puts titles in unescaped: the network this
module returns writes its HTML through the workbench's own offline, escaped snapshot
template (:func:`workbench.views.snapshot.write_snapshot`) instead.

Examples
--------
>>> import networkx as nx
>>> from workbench.views.model import ViewModel
>>> g = nx.Graph()
>>> g.add_node("P1", name="<b>Wang</b>", kind="person")
>>> g.add_node("P2", name="Li", kind="person")
>>> g.add_edge("P1", "P2", n_calls=3, w_calls=1.0)
>>> net = to_pyvis(ViewModel(g, title="two"))
>>> sorted(n["id"] for n in net.nodes), len(net.edges) >= 1
(['P1', 'P2'], True)
>>> net.options.physics.enabled
False
"""

from __future__ import annotations

import logging
from pathlib import Path

from .model import ViewModel
from .snapshot import snapshot_payload, write_snapshot

__all__ = ["to_pyvis"]

log = logging.getLogger(__name__)


def _safe_network_class():
    from pyvis.network import Network

    class SafeNetwork(Network):
        """A pyvis ``Network`` of a workbench view whose HTML is the workbench's own
        snapshot (offline, escaped, with the records); ``view`` is the view it shows."""

        view: ViewModel
        snapshot_options: dict

        def write_html(self, name, local=True, notebook=False, open_browser=False):
            """Write the view as the workbench's offline snapshot (not pyvis's template)."""
            if self.nodes != self._drawn_nodes or self.edges != self._drawn_edges:
                log.warning("the pyvis network was changed after it was made: the snapshot "
                            "shows the view as the workbench computed it")
            return write_snapshot(self.view, Path(name), **self.snapshot_options)

        def save_graph(self, name):
            return self.write_html(name)

        def show(self, name, local=True, notebook=False):
            return self.write_html(name)

        def generate_html(self, name="index.html", local=True, notebook=False):
            from .snapshot import render_snapshot

            return render_snapshot(self.view, **self.snapshot_options)

    return SafeNetwork


def to_pyvis(vm: ViewModel, *, redact: bool = False, redact_names: bool = False,
             height: str = "800px", width: str = "100%"):
    """The view as a pyvis ``Network``: the workbench's positions (physics off), ring
    colours, labels and plain-text tooltips; one edge per layer of each link.

    Writing it (``write_html``, ``show``, ``save_graph``) goes through the workbench's own
    snapshot template, with the same ``redact`` options.
    """
    data = snapshot_payload(vm, redact=redact, redact_names=redact_names)
    net = _safe_network_class()(height=height, width=width, directed=True,
                                cdn_resources="local")
    net.view = vm
    net.snapshot_options = {"redact": redact, "redact_names": redact_names}
    for node in data["nodes"]:
        # filled directly: pyvis's add_node/add_edge scan every existing item (quadratic)
        net.nodes.append({"id": node["id"], "label": node["label"], "shape": node["shape"],
                          "color": node["color"], "size": node["size"], "x": node["x"],
                          "y": node["y"], "title": node["tip"], "ring": node["ring"],
                          "role": node["role"], "physics": False})
        net.node_ids.append(node["id"])
        net.node_map[node["id"]] = net.nodes[-1]
    for edge in data["edges"]:
        net.edges.append({k: v for k, v in edge.items()
                          if k in ("from", "to", "color", "width", "dashes", "arrows", "label",
                                   "layer", "smooth")})
    net.toggle_physics(False)
    net._drawn_nodes = [dict(n) for n in net.nodes]
    net._drawn_edges = [dict(e) for e in net.edges]
    return net
