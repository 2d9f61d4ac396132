(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("wb-data").textContent);

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function tip(lines) {
    var box = el("div", null, "tip");
    lines.forEach(function (kv) {
      var row = el("div");
      row.appendChild(el("b", kv[0] + ": "));
      row.appendChild(document.createTextNode(String(kv[1])));
      box.appendChild(row);
    });
    return box;
  }
  function table(rows, columns) {
    var t = el("table"), head = el("tr");
    columns.forEach(function (c) { head.appendChild(el("th", c)); });
    t.appendChild(head);
    rows.forEach(function (r) {
      var tr = el("tr");
      columns.forEach(function (c) { tr.appendChild(el("td", r[c] === null ? "" : r[c])); });
      t.appendChild(tr);
    });
    return t;
  }

  var nodes = new vis.DataSet(data.nodes.map(function (n) {
    return { id: n.id, label: n.label, x: n.x, y: n.y, shape: n.shape, size: n.size,
             color: { background: n.color, border: "#333333" }, title: tip(n.tip),
             font: { size: 14, face: "sans-serif" } };
  }));
  var edges = new vis.DataSet(data.edges.map(function (e, i) {
    return { id: "e" + i, from: e.from, to: e.to, color: { color: e.color },
             dashes: e.dashes, width: e.width, title: tip(e.tip) };
  }));
  var container = document.getElementById("wb-graph");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, {
    physics: { enabled: false },
    layout: { improvedLayout: false },
    interaction: { hover: true, tooltipDelay: 80, hideEdgesOnDrag: data.edges.length > 3000 },
    edges: { smooth: false },
  });
  network.once("afterDrawing", function () {
    document.body.setAttribute("data-drawn", String(Date.now()));
  });
  window.wbNetwork = network;

  var byId = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; });
  var selection = document.getElementById("wb-selection");
  function showNode(id) {
    selection.textContent = "";
    var n = byId[id];
    if (n) { selection.appendChild(tip(n.tip)); }
  }
  network.on("click", function (p) {
    if (p.nodes.length) { showNode(p.nodes[0]); }
    else if (p.edges.length) {
      selection.textContent = "";
      var e = data.edges[Number(String(p.edges[0]).slice(1))];
      if (e) { selection.appendChild(tip([["link", e.from + " - " + e.to]].concat(e.tip))); }
    }
  });

  var input = document.getElementById("wb-search");
  var results = document.getElementById("wb-results");
  input.addEventListener("input", function () {
    var q = input.value.trim().toLowerCase();
    results.textContent = "";
    if (!q) { return; }
    var hits = data.nodes.filter(function (n) { return n.search.indexOf(q) >= 0; }).slice(0, 30);
    hits.forEach(function (n) {
      var li = el("li", n.label);
      li.setAttribute("data-node", n.id);
      li.addEventListener("click", function () {
        network.selectNodes([n.id]);
        network.focus(n.id, { scale: 1.2 });
        showNode(n.id);
        results.textContent = "";
      });
      results.appendChild(li);
    });
    if (hits.length) { network.selectNodes(hits.map(function (n) { return n.id; })); }
  });

  var legend = document.getElementById("wb-legend");
  data.legend.rings.forEach(function (r) {
    var row = el("div"), sw = el("span", null, "swatch");
    sw.style.background = r[1];
    row.appendChild(sw); row.appendChild(document.createTextNode("ring " + r[0]));
    legend.appendChild(row);
  });
  var none = el("div"), grey = el("span", null, "swatch");
  grey.style.background = "#B0B0B0";
  none.appendChild(grey); none.appendChild(document.createTextNode("not in a ring"));
  legend.appendChild(none);
  data.legend.shapes.forEach(function (s) {
    legend.appendChild(el("div", s[0] + ": " + s[1]));
  });
  data.legend.layers.forEach(function (l) {
    var row = el("div"), line = el("span", null, "line");
    line.style.borderTopStyle = l[2] ? "dashed" : "solid";
    line.style.borderTopColor = l[1];
    row.appendChild(line); row.appendChild(document.createTextNode(l[0]));
    legend.appendChild(row);
  });

  document.getElementById("wb-links").appendChild(table(data.links, ["from", "to", "evidence"]));
  var records = document.getElementById("wb-records");
  Object.keys(data.records).forEach(function (kind) {
    var rows = data.records[kind];
    if (!rows.length) { return; }
    records.appendChild(el("h3", kind + " (" + rows.length + ")"));
    records.appendChild(table(rows, Object.keys(rows[0])));
  });
  document.getElementById("wb-meta").textContent = JSON.stringify(data.meta, null, 2);
})();
