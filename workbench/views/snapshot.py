"""Self-contained HTML snapshots that open with no network at all.

One file: vis-network (vendored and hash-checked, inlined), our own script and styles, the data
as JSON inside a ``<script type="application/json">`` block, a strict Content-Security-Policy
(``default-src 'none'``; scripts allowed only by their SHA-256). Nothing in the page is
fetched, and nothing from the data ever becomes markup: labels are drawn on the canvas, and
tooltips, tables, legend and search results are built with ``textContent``. Layout is
computed in Python and physics is off, so thousands of nodes draw at once.

Examples
--------
>>> import networkx as nx
>>> from workbench.views.model import ViewModel
>>> g = nx.Graph(); g.add_edge("A", "B", weight=1.0, layers="calls", n_calls=3)
>>> page = render_snapshot(ViewModel(g, title="<b>x</b>"))
>>> "<b>x</b>" in page, "&lt;b&gt;x&lt;/b&gt;" in page
(False, True)
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
from importlib import resources
from pathlib import Path

from ..errors import WorkbenchError
from .complete import completeness_text
from .digest import view_digest
from .flows import FLOW_STYLE, pattern_flows
from .layout import label_lines, node_size, ring_layout
from .model import ViewModel, ring_keys
from .redact import Redactor
from .routing import place_amounts, route
from .style import NO_RING, NODE_SHAPES, PATTERNS, layer_style, ring_colours, ring_pattern
from .words import layer_order as _layer_order
from .words import link_edges, link_words, node_words, number_owners
from .words import link_layers as _layers

__all__ = ["render_snapshot", "write_snapshot", "snapshot_payload", "vis_assets", "app_script",
           "VIS_NETWORK", "verified_text"]

#: vis-network 9.1.2 as published on npm (``views/vendor/``, see its README): file -> SHA-256
VIS_NETWORK = {
    "vis-network.min.js": "6e30a2350474cdf92a0932c6d55b8adcb91929066817ed3eec7b87907a4612f3",
    "vis-network.min.css": "2e82d445ad5878ea881652470ce632601f8f55f1b99e6ebecdff8614600e6d0e",
}


def vis_assets() -> tuple[str, str]:
    """The vendored vis-network script and stylesheet, each checked against its SHA-256."""
    vendor = resources.files("workbench.views") / "vendor"
    return tuple(verified_text(vendor / name, sha) for name, sha in VIS_NETWORK.items())


def verified_text(path, sha256: str) -> str:
    """The UTF-8 text of ``path`` if its bytes have SHA-256 ``sha256``; else one-line error."""
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise WorkbenchError(f"{path}: SHA-256 does not match the pinned vis-network file "
                             "(reinstall workbench)")
    return data.decode("utf-8")


def _json_for_script(obj) -> str:
    """JSON that cannot end its <script> element or open markup."""
    text = json.dumps(obj, ensure_ascii=False, default=str, sort_keys=True)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _sha256(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def snapshot_payload(vm: ViewModel, *, redact: bool = False, redact_names: bool = False,
                     seed: int = 0) -> dict:
    """Everything a snapshot shows, as the JSON document embedded in the page.

    Nodes carry the ring-aware positions of :func:`~workbench.views.layout.ring_layout`,
    their ring's colour (from the ring's key) and a two-line label; a link becomes one edge
    per layer it carries (money one per direction, with its amount); ``flows`` are the
    shown rings' money patterns, one numbered arrow per transfer in time order
    (:func:`~workbench.views.flows.pattern_flows`); ``regions`` are the rings' areas with
    their titles. The meta block gains the digest of the view as written
    (see :func:`workbench.views.reproduce.view_digest`) and the redaction applied; with
    ``redact`` or ``redact_names`` every identifier is replaced by its pseudonym throughout.
    """
    redactor = Redactor(vm.identifiers, names=redact_names) if redact or redact_names else None
    g = vm.graph
    place = ring_layout(g, seed=seed)
    keys = ring_keys(vm)
    colours = ring_colours(keys)
    names = {str(n): str(d.get("name") or "") for n, d in g.nodes(data=True)}
    owners = number_owners(vm.records)
    held: dict[str, list[str]] = {}
    for number, person in owners.items():
        held.setdefault(person, []).append(number)
    region_of = {}
    for reg in place.regions:
        region_of[reg["ring"]] = reg
    home = _homes(g, place)
    nodes = []
    for n, d in g.nodes(data=True):
        kind = d.get("kind", "person")
        ring = d.get("ring") or ""
        role = d.get("role") or ""
        numbers = sorted(held.get(str(n), []))
        nodes.append({
            "id": str(n), "label": "\n".join(label_lines(n, d)), "kind": kind, "ring": ring,
            "role": role, "name": names[str(n)], "shape": NODE_SHAPES.get(kind, "dot"),
            "color": colours.get(ring, NO_RING), "size": node_size(d),
            "organizer": role == "organizer", "x": place.pos[n][0], "y": place.pos[n][1],
            "above": n in place.above,
            "region": home.get(n, ""), "tip": node_words(n, d),
            "search": " ".join([str(n), names[str(n)], ring, *numbers]).lower()})
    edges, links = [], []
    for a, b, d in g.edges(data=True):
        u, v = sorted((str(a), str(b)))  # the store's (u, v): u < v, money totals by it
        k = len(links)
        links.append({"a": u, "b": v, "layers": _layers(d),
                      "words": link_words(u, v, d, names)})
        edges += link_edges(u, v, d, k)
    place_amounts(place, dict(g.nodes(data=True)), route(place, dict(g.nodes(data=True)), edges))
    flows = pattern_flows(vm.meta.get("rings", []), g.nodes)
    present = sorted({x for ln in links for x in ln["layers"]}, key=_layer_order)
    legend = {
        "rings": [{"ring": r["ring"], "color": colours.get(r["ring"], NO_RING),
                   "title": r["title"], "pattern": ring_pattern(r["ring"], keys)}
                  for r in sorted(place.regions, key=lambda r: r["ring"])],
        "shapes": [[k, v] for k, v in NODE_SHAPES.items()
                   if any(d.get("kind", "person") == k for _, d in g.nodes(data=True))],
        "layers": [{"layer": x, "label": layer_style(x)["label"], "color":
                    layer_style(x)["color"], "dashes": bool(layer_style(x)["dashes"])}
                   for x in present] + ([{"layer": "flow", "label": FLOW_STYLE["label"],
                                          "color": FLOW_STYLE["color"], "dashes": True}]
                                        if flows else []),
    }
    regions = [{**{k: r[k] for k in ("ring", "x", "y", "r", "title", "title_y", "head")},
                "color": colours.get(r["ring"], NO_RING),
                "dashes": PATTERNS[ring_pattern(r["ring"], keys)]} for r in place.regions]
    meta = {**vm.meta, "digest": view_digest(vm),
            "redaction": {"identifiers": redactor is not None, "names": bool(redact_names)}}
    data = {"nodes": nodes, "edges": edges, "links": links, "flows": flows, "regions": regions,
            "legend": legend, "meta": meta, "records": vm.records, "owners": owners,
            "title": vm.title, "bounds": list(place.bounds()),
            "readable": 9 if len(place.regions) > 1 else 11}
    if redactor is not None:
        data = redactor.value(data)
    return data


def _homes(g, place) -> dict:
    """node -> the ring whose region it is drawn in ('' outside every ring's region)."""
    out = {}
    for n, (x, y) in place.pos.items():
        for reg in place.regions:
            if (x - reg["x"]) ** 2 + (y - reg["y"]) ** 2 <= reg["r"] ** 2:
                out[n] = reg["ring"]
                break
    return out


def render_snapshot(vm: ViewModel, *, redact: bool = False, redact_names: bool = False,
                    seed: int = 0) -> str:
    """The snapshot page as a string; see the module docstring."""
    data = snapshot_payload(vm, redact=redact, redact_names=redact_names, seed=seed)
    redacted = data["meta"]["redaction"]["identifiers"]
    vis_js, vis_css = vis_assets()
    app_js = app_script("snapshot.js")
    css = resources.files("workbench.views").joinpath("snapshot.css").read_text("utf-8")
    title = data["title"]
    meta = data["meta"]
    csp = ("default-src 'none'; "
           f"script-src {_sha256(vis_js)} {_sha256(app_js)}; "
           "style-src 'unsafe-inline'; img-src data:; font-src 'none'; connect-src 'none'; "
           "base-uri 'none'; form-action 'none'")
    pairs = len({tuple(sorted((str(e.get("from")), str(e.get("to"))))) for e in data["edges"]})
    summary = (f"{len(data['nodes'])} nodes, {pairs} linked pairs"
               f"{' · redacted' if redacted else ''}")
    generated = meta.get("generated_at") or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    complete = completeness_text(meta if not redacted else {**meta, "request": {}})
    complete_ok = bool((meta.get("completeness") or {}).get("complete", True))
    complete_class = "complete" if complete_ok else "incomplete"
    if complete and not complete_ok:
        summary += " · " + complete.split(". ")[0]
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{html.escape(csp)}">
<meta name="referrer" content="no-referrer">
<title>{html.escape(title)}</title>
<style>{vis_css}</style>
<style>{css}</style>
</head>
<body>
<header>
  <h1>{html.escape(title)}</h1>
  <p class="summary">{html.escape(summary)} · generated {html.escape(str(generated))} ·
  {html.escape(str(meta.get('tool', '')))}</p>
</header>
<main>
  <section id="graph-panel">
    <div class="toolbar">
      <input id="wb-search" type="search" placeholder="search names, numbers, accounts, rings"
             autocomplete="off" aria-label="search">
      <button id="wb-collapse" type="button">ring cards</button>
      <span id="wb-message"></span>
      <ul id="wb-results"></ul>
    </div>
    <div id="wb-graph"></div>
  </section>
  <aside>
    <h2>Selection</h2><div id="wb-selection">click a person, a link or a ring</div>
    <h2>Legend</h2><div id="wb-legend"></div>
  </aside>
</main>
<section><div id="wb-timeline"></div></section>
<section><h2>Evidence records</h2>
<p id="wb-complete" class="{complete_class}">{html.escape(complete)}</p>
<p id="wb-scope"></p><div id="wb-records"></div></section>
<section><h2>Analysts' notes</h2><div id="wb-notes"></div></section>
<section><details><summary>Links shown</summary><div id="wb-links"></div></details></section>
<section><details><summary>Provenance: filters, parameters, data fingerprint</summary>
<pre id="wb-meta"></pre></details></section>
<script type="application/json" id="wb-data">{_json_for_script(data)}</script>
<script>{vis_js}</script>
<script>{app_js}</script>
</body>
</html>
"""


def app_script(main: str) -> str:
    """Our script for a page: the shared vis helpers, the evidence views, then ``main``."""
    files = resources.files("workbench.views")
    return "\n".join(files.joinpath(f).read_text("utf-8")
                     for f in ("wbvis.js", "evidence.js", main))


def write_snapshot(vm: ViewModel, path, **options) -> Path:
    """Write :func:`render_snapshot` to ``path`` (UTF-8); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_snapshot(vm, **options), encoding="utf-8")
    return path
