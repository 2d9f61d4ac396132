"""Self-contained HTML snapshots that open with no network at all.

One file: vis-network (pyvis's vendored copy, inlined), our own script and styles, the data
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
import math
from importlib import resources
from pathlib import Path

from ..reproduce import view_digest
from .layout import layout
from .model import ViewModel
from .redact import Redactor
from .style import LAYER_STYLES, NO_RING, NODE_SHAPES, PALETTE, main_layer

__all__ = ["render_snapshot", "write_snapshot", "snapshot_payload", "vis_assets"]

_NODE_TIP = ("name", "kind", "ring", "role", "score", "drug_arrests")
_EDGE_TIP = ("layers", "weight", "n_calls", "n_night", "n_short", "n_tx", "total_uv",
             "total_vu", "n_cases", "n_trafficking_cases")


def vis_assets() -> tuple[str, str]:
    """The vis-network script and stylesheet vendored in the installed pyvis package."""
    import pyvis

    base = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"
    return ((base / "vis-network.min.js").read_text(encoding="utf-8"),
            (base / "vis-network.css").read_text(encoding="utf-8"))


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

    The meta block gains the digest of the view as written (see
    :func:`workbench.reproduce.view_digest`) and the redaction applied; with ``redact`` or
    ``redact_names`` every identifier is replaced by its pseudonym throughout.
    """
    redactor = Redactor(vm.identifiers, names=redact_names) if redact or redact_names else None
    g = vm.graph
    pos = layout(g, seed=seed)
    rings = sorted({d.get("ring") for _, d in g.nodes(data=True) if d.get("ring")})
    order = {r: i for i, r in enumerate(rings)}
    nodes = []
    for n, d in g.nodes(data=True):
        kind = d.get("kind", "person")
        ring = d.get("ring")
        colour = PALETTE[order[ring] % len(PALETTE)] if ring else NO_RING
        score = float(d.get("score") or 0.0)
        name = d.get("name") or ""
        label = f"{name} ({n})" if name and kind == "person" else str(n)
        tip = [["id", n]] + [[k, d[k]] for k in _NODE_TIP if d.get(k) not in (None, "", 0)]
        nodes.append({"id": str(n), "label": label, "kind": kind, "ring": ring or "",
                      "shape": NODE_SHAPES.get(kind, "dot"), "color": colour,
                      "size": round(10 + 25 * max(0.0, min(score, 1.0)), 1),
                      "x": pos[n][0], "y": pos[n][1], "tip": tip,
                      "search": " ".join(str(x) for x in (n, name, ring or "")).lower()})
    edges = []
    for a, b, d in g.edges(data=True):
        layer = main_layer(d.get("layers", ""))
        style = LAYER_STYLES[layer]
        weight = float(d.get("weight", 1.0))
        tip = [[k, round(d[k], 3) if isinstance(d[k], float) else d[k]] for k in _EDGE_TIP
               if d.get(k) not in (None, "", 0, 0.0)]
        edges.append({"from": str(a), "to": str(b), "color": style["color"],
                      "dashes": style["dashes"], "width": round(1 + 2 * math.log1p(weight), 2),
                      "layer": layer, "tip": tip})
    legend = {
        "rings": [[r, PALETTE[i % len(PALETTE)]] for r, i in order.items()],
        "shapes": [[k, v] for k, v in NODE_SHAPES.items()],
        "layers": [[v["label"], v["color"], bool(v["dashes"])] for v in LAYER_STYLES.values()],
    }
    links = [{"from": e["from"], "to": e["to"], "evidence": "; ".join(
        f"{k}={v}" for k, v in e["tip"])} for e in edges]
    meta = {**vm.meta, "digest": view_digest(vm),
            "redaction": {"identifiers": redactor is not None, "names": bool(redact_names)}}
    data = {"nodes": nodes, "edges": edges, "legend": legend, "meta": meta,
            "records": vm.records, "links": links, "title": vm.title}
    if redactor is not None:
        data = redactor.value(data)
    return data


def render_snapshot(vm: ViewModel, *, redact: bool = False, redact_names: bool = False,
                    seed: int = 0) -> str:
    """The snapshot page as a string; see the module docstring."""
    data = snapshot_payload(vm, redact=redact, redact_names=redact_names, seed=seed)
    redacted = data["meta"]["redaction"]["identifiers"]
    vis_js, vis_css = vis_assets()
    app_js = resources.files("workbench.views").joinpath("snapshot.js").read_text("utf-8")
    css = resources.files("workbench.views").joinpath("snapshot.css").read_text("utf-8")
    title = data["title"]
    meta = data["meta"]
    csp = ("default-src 'none'; "
           f"script-src {_sha256(vis_js)} {_sha256(app_js)}; "
           "style-src 'unsafe-inline'; img-src data:; font-src 'none'; connect-src 'none'; "
           "base-uri 'none'; form-action 'none'")
    summary = (f"{len(data['nodes'])} nodes, {len(data['edges'])} links"
               f"{' · redacted' if redacted else ''}")
    generated = meta.get("generated_at") or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
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
      <input id="wb-search" type="search" placeholder="search persons, numbers, rings"
             autocomplete="off" aria-label="search">
      <ul id="wb-results"></ul>
    </div>
    <div id="wb-graph"></div>
  </section>
  <aside>
    <h2>Legend</h2><div id="wb-legend"></div>
    <h2>Selection</h2><div id="wb-selection">click a node or a link</div>
  </aside>
</main>
<section><h2>Links shown</h2><div id="wb-links"></div></section>
<section><h2>Evidence records</h2><div id="wb-records"></div></section>
<section><h2>Provenance: filters, parameters, data fingerprint</h2>
<pre id="wb-meta"></pre></section>
<script type="application/json" id="wb-data">{_json_for_script(data)}</script>
<script>{vis_js}</script>
<script>{app_js}</script>
</body>
</html>
"""


def write_snapshot(vm: ViewModel, path, **options) -> Path:
    """Write :func:`render_snapshot` to ``path`` (UTF-8); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_snapshot(vm, **options), encoding="utf-8")
    return path
