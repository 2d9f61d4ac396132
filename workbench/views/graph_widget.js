// The Explorer's graph view: vis-network drawn from synced state; a click reports back.
function tipElement(lines) {
  const box = document.createElement("div");
  box.className = "tip";
  for (const [k, v] of lines) {
    const row = document.createElement("div");
    const b = document.createElement("b");
    b.textContent = k + ": ";
    row.appendChild(b);
    row.appendChild(document.createTextNode(String(v)));
    box.appendChild(row);
  }
  return box;
}

function render({ model, el }) {
  const box = document.createElement("div");
  box.style.height = model.get("height") + "px";
  box.style.border = "1px solid #ccc";
  el.appendChild(box);
  let network = null;
  function draw() {
    const nodes = model.get("nodes").map((n) => ({
      id: n.id, label: n.label, x: n.x, y: n.y, shape: n.shape, size: n.size,
      color: { background: n.color, border: "#333333" }, title: tipElement(n.tip),
    }));
    const edges = model.get("edges").map((e, i) => ({
      id: "e" + i, from: e.from, to: e.to, color: { color: e.color }, dashes: e.dashes,
      width: e.width, title: tipElement(e.tip),
    }));
    if (network) { network.destroy(); }
    network = new globalThis.vis.Network(box, { nodes, edges }, {
      physics: { enabled: false }, layout: { improvedLayout: false },
      interaction: { hover: true, tooltipDelay: 80 }, edges: { smooth: false },
    });
    el.wbNetwork = network;  // for the browser console (and the tests)
    network.on("click", (p) => {
      model.set("selected", p.nodes.length ? String(p.nodes[0]) : "");
      model.save_changes();
    });
  }
  model.on("change:nodes", draw);
  model.on("change:edges", draw);
  model.on("change:focus", () => {
    const id = model.get("focus");
    if (network && id) { network.selectNodes([id]); network.focus(id, { scale: 1.2 }); }
  });
  draw();
  return () => { if (network) { network.destroy(); } };
}

export default { render };
