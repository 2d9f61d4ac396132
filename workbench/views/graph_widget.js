// The Explorer's graph view: vis-network drawn from synced state (the snapshot's nodes,
// edges and ring regions); fitted on first draw and on every resize; a click on a node
// sets ``selected``, a click on a link sets ``selected_link``. The mouse wheel scrolls the
// notebook until the graph is clicked (then it zooms, until the pointer leaves); tooltips
// close when the pointer leaves what they describe; ``busy`` shows a sign over the graph.
function render({ model, el }) {
  const box = document.createElement("div");
  box.style.height = model.get("height") + "px";
  box.style.width = "100%";
  box.style.border = "1px solid #ccc";
  box.style.background = "#fff";
  box.style.position = "relative";
  el.appendChild(box);
  const busy = document.createElement("div");
  busy.textContent = "\u23f3 refreshing\u2026";
  busy.style.cssText = "position:absolute;top:8px;left:8px;z-index:5;padding:4px 10px;"
    + "background:#fff8e1;border:1px solid #e0b000;border-radius:4px;font:13px sans-serif;"
    + "display:none";
  const hint = document.createElement("div");
  hint.textContent = "click the graph to zoom with the wheel";
  hint.style.cssText = "position:absolute;bottom:6px;right:8px;z-index:5;font:11px sans-serif;"
    + "color:#777;pointer-events:none";
  box.appendChild(busy);
  box.appendChild(hint);
  let network = null;
  let zooming = false;
  function setZoom(on) {
    zooming = on;
    hint.style.display = on ? "none" : "";
    if (network) { network.setOptions({ interaction: { zoomView: on } }); }
  }
  function hideTips() {
    box.querySelectorAll(".vis-tooltip").forEach((t) => { t.style.visibility = "hidden"; });
  }
  box.addEventListener("mousedown", () => setZoom(true));
  box.addEventListener("mouseleave", () => { setZoom(false); hideTips(); });
  model.on("change:busy", () => { busy.style.display = model.get("busy") ? "" : "none"; });
  function draw() {
    const links = model.get("links") || [];
    const regions = model.get("regions") || [];
    const nodes = model.get("nodes").map(wbVis.node);
    const flows = model.get("flows") || [];  // money patterns: numbered in time order
    const edges = model.get("edges").map((e, i) => wbVis.edge(e, i, links[e.link]))
      .concat(flows.map(wbVis.flow));
    if (network) { network.destroy(); }
    network = new globalThis.vis.Network(box, { nodes, edges }, wbVis.options(nodes.length));
    network.on("beforeDrawing", (ctx) => wbVis.drawRegions(ctx, regions));
    setZoom(zooming);
    ["blurNode", "blurEdge", "dragStart", "zoom", "click"].forEach((ev) => network.on(ev, hideTips));
    network.on("afterDrawing", (ctx) => wbVis.drawAmounts(ctx, model.get("edges"), network.getScale()));
    wbVis.unstick(network, box);
    wbVis.fitView(network, box, { nodes: model.get("nodes"), regions: regions });
    el.wbNetwork = network;  // for the browser console (and the tests)
    network.on("click", (p) => {
      if (p.nodes.length) {
        model.set("selected", String(p.nodes[0]));
      } else if (p.edges.length) {
        const e = network.body.data.edges.get(p.edges[0]);
        if (e && e.flow !== undefined) { return; }  // its tooltip tells the transfer
        model.set("selected_link", e ? e.link : -1);
      } else { return; }
      model.save_changes();
    });
  }
  // the pane may be laid out after the first draw (JupyterLab): fit whenever it changes
  const resize = new ResizeObserver(() => {
    if (network && box.clientWidth > 0) {
      network.redraw();
      wbVis.fitView(network, box, { nodes: model.get("nodes"), regions: model.get("regions") });
    }
  });
  resize.observe(box);
  model.on("change:nodes", draw);
  model.on("change:edges", draw);
  model.on("change:focus", () => {
    const id = model.get("focus");
    if (network && id && network.body.nodes[id]) {
      network.selectNodes([id]);
      network.focus(id, { scale: Math.max(network.getScale(), 1.0) });
    }
  });
  draw();
  busy.style.display = model.get("busy") ? "" : "none";
  return () => { resize.disconnect(); if (network) { network.destroy(); } };
}

export default { render };
