// The Explorer's graph view: vis-network drawn from synced state (the snapshot's nodes,
// edges and ring regions); fitted on first draw and on every resize; a click on a node
// sets ``selected``, a click on a link sets ``selected_link``.
function render({ model, el }) {
  const box = document.createElement("div");
  box.style.height = model.get("height") + "px";
  box.style.width = "100%";
  box.style.border = "1px solid #ccc";
  box.style.background = "#fff";
  el.appendChild(box);
  let network = null;
  function draw() {
    const links = model.get("links") || [];
    const regions = model.get("regions") || [];
    const nodes = model.get("nodes").map(wbVis.node);
    const edges = model.get("edges").map((e, i) => wbVis.edge(e, i, links[e.link]));
    if (network) { network.destroy(); }
    network = new globalThis.vis.Network(box, { nodes, edges }, wbVis.options(nodes.length));
    network.on("beforeDrawing", (ctx) => wbVis.drawRegions(ctx, regions));
    network.on("afterDrawing", (ctx) => wbVis.drawAmounts(ctx, model.get("edges"), network.getScale()));
    wbVis.unstick(network, box);
    wbVis.fitView(network, box, { nodes: model.get("nodes"), regions: regions });
    el.wbNetwork = network;  // for the browser console (and the tests)
    network.on("click", (p) => {
      if (p.nodes.length) {
        model.set("selected", String(p.nodes[0]));
      } else if (p.edges.length) {
        const e = network.body.data.edges.get(p.edges[0]);
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
  return () => { resize.disconnect(); if (network) { network.destroy(); } };
}

export default { render };
