// The snapshot page: the graph (ring regions, one edge per layer), search over names,
// numbers and rings, the selection's details, its evidence records and its timeline.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("wb-data").textContent);
  var el = wbVis.el, tip = wbVis.tip;
  var byId = {}, names = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; names[n.id] = n.name; });

  var nodes = new vis.DataSet(data.nodes.map(wbVis.node));
  var flows = data.flows || [];
  var edges = new vis.DataSet(data.edges.map(function (e, i) {
    return wbVis.edge(e, i, data.links[e.link]);
  }).concat(flows.map(wbVis.flow)));
  var container = document.getElementById("wb-graph");
  var network = new vis.Network(container, { nodes: nodes, edges: edges },
                                wbVis.options(data.nodes.length));
  network.on("beforeDrawing", function (ctx) { if (!network.wbCards) { wbVis.drawRegions(ctx, data.regions); } });
  network.on("afterDrawing", function (ctx) { if (!network.wbCards) { wbVis.drawAmounts(ctx, data.edges, network.getScale()); } });
  var hideTips = wbVis.unstick(network, container);
  var readable = wbVis.fitView(network, container, data, 1.35);
  network.once("afterDrawing", function () {
    document.body.setAttribute("data-drawn", String(Date.now()));
  });
  window.addEventListener("resize", function () {
    if (collapsed) { wbVis.collapse(network, data, container); } else { wbVis.fitView(network, container, data, 1.35); }
  });
  window.wbNetwork = network;
  window.wbData = data;

  // -- collapse and expand (large views start collapsed) -------------------------------
  var collapseButton = document.getElementById("wb-collapse");
  var collapsed = false;
  // many rings open as cards (one per ring); a click on a card opens its ring
  function setCollapsed(on) {
    if (on) { wbVis.collapse(network, data, container); }
    else { wbVis.expand(network, nodes, edges); wbVis.fitView(network, container, data, 1.35); }
    collapsed = on;
    collapseButton.textContent = on ? "all rings graph" : "ring cards";
  }
  collapseButton.addEventListener("click", function () { setCollapsed(!collapsed); });
  function openCard(id) {
    var ring = String(id).slice(5);
    var reg = data.regions.filter(function (r) { return r.ring === ring; })[0];
    setCollapsed(false);
    if (reg) { wbVis.focusRing(network, container, reg); }
    selectRing(ring);
  }
  if (data.regions.length < 2) { collapseButton.style.display = "none"; }
  if (!readable && data.regions.length > 1) { setCollapsed(true); }

  // -- evidence, details, timeline for the current selection -------------------------
  var rows = wbEvidence.normalize(data.records, names);
  var showRows = wbEvidence.table(document.getElementById("wb-records"), 25);
  var scope = document.getElementById("wb-scope");
  var details = document.getElementById("wb-selection");
  var timelineBox = document.getElementById("wb-timeline");
  var members = {};
  data.nodes.forEach(function (n) { if (n.ring) { (members[n.ring] = members[n.ring] || []).push(n.id); } });
  Object.keys(members).forEach(function (r) {
    members[r].sort(function (a, b) { return (byId[b].organizer ? 1 : 0) - (byId[a].organizer ? 1 : 0) || (a < b ? -1 : 1); });
  });

  function lanesFor(sel, picked) {
    if (sel.link) { return sel.link; }
    if (sel.inside) { return sel.nodes; }
    var count = {};
    picked.forEach(function (r) { [r.a, r.b].forEach(function (x) { if (x && sel.nodes.indexOf(x) < 0) { count[x] = (count[x] || 0) + 1; } }); });
    var top = Object.keys(count).sort(function (a, b) { return count[b] - count[a] || (a < b ? -1 : 1); }).slice(0, 7);
    return sel.nodes.concat(top);
  }
  function show(sel, heading) {
    var picked = wbEvidence.select(rows, sel);
    scope.textContent = sel ? "showing the records of " + heading + " \u00b7 " : "showing every record \u00b7 ";
    if (sel) {
      var all = el("a", "show all");
      all.href = "#";
      all.addEventListener("click", function (ev) { ev.preventDefault(); select(null); });
      scope.appendChild(all);
    }
    showRows(picked);
    var people = sel ? lanesFor(sel, picked) : (members[Object.keys(members).sort()[0]] || []);
    var title = sel ? heading : (people.length ? "ring " + byId[people[0]].ring : "");
    var shown = sel ? picked : wbEvidence.select(rows, { nodes: people, inside: true });
    if (people.length) { wbEvidence.timeline(timelineBox, shown, people, names, title); }
    else { timelineBox.textContent = ""; }
  }
  function select(sel, heading, lines) {
    hideTips();
    details.textContent = "";
    if (!sel) { network.unselectAll(); details.textContent = "click a person, a link or a ring"; show(null); return; }
    details.appendChild(el("h3", heading));
    if (lines) { details.appendChild(tip(lines)); }
    show(sel, heading);
  }
  function label(id) { return names[id] ? names[id] + " (" + id + ")" : id; }
  function selectNode(id) {
    var n = byId[id];
    if (!n) { return; }
    network.selectNodes([id]);
    var lines = n.tip.slice();
    var links = data.links.filter(function (l) { return l.a === id || l.b === id; });
    lines.push(["links", links.length]);
    select({ nodes: [id] }, label(id), lines);
  }
  function selectLink(k) {
    var l = data.links[k];
    if (!l) { return; }
    select({ link: [l.a, l.b] }, label(l.a) + " \u2014 " + label(l.b), l.words.concat([["layers", l.layers.join(", ")]]));
  }
  function selectRing(ring) {
    var ids = members[ring] || [];
    if (collapsed) { network.selectNodes(["card:" + ring]); }
    else { network.selectNodes(ids.filter(function (id) { return nodes.get(id); })); }
    var reg = data.regions.filter(function (r) { return r.ring === ring; })[0];
    var lines = [["members", ids.map(label).join(", ")]];
    flows.forEach(function (f) {  // its money pattern, in time order
      if (f.ring === ring) {
        lines.push([f.kind + " " + f.order + "/" + f.of, f.at.slice(0, 16).replace("T", " ") + "  " +
                    label(f.from) + " \u2192 " + label(f.to) + "  " + f.currency + " " + f.amount +
                    "  (" + f.file + ":" + f.line + ")"]);
      }
    });
    select({ nodes: ids, inside: true }, reg ? reg.title : ring, lines);
  }
  function selectFlow(i) {
    var f = flows[i];
    if (!f) { return; }
    select({ link: [f.from, f.to] }, label(f.from) + " \u2192 " + label(f.to), f.words);
  }
  network.on("click", function (p) {
    if (p.nodes.length) {
      if (String(p.nodes[0]).indexOf("card:") === 0) { openCard(p.nodes[0]); }
      else { selectNode(p.nodes[0]); }
    } else if (p.edges.length) {
      var e = edges.get(p.edges[0]);
      if (e && e.flow !== undefined) { selectFlow(e.flow); }
      else if (e) { selectLink(e.link); }
    } else {
      var xy = p.pointer.canvas;
      var hit = data.regions.filter(function (r) { return Math.hypot(xy.x - r.x, xy.y - r.y) <= r.r; })[0];
      if (hit) { selectRing(hit.ring); } else { select(null); }
    }
  });
  window.wbSelect = { node: selectNode, link: selectLink, ring: selectRing, flow: selectFlow };

  // -- search: ids, name substrings, phone numbers and accounts (any digits), rings ---
  var input = document.getElementById("wb-search");
  var results = document.getElementById("wb-results");
  var message = document.getElementById("wb-message");
  function find(q) {
    q = q.trim().toLowerCase();
    if (!q) { return []; }
    var digits = q.replace(/[^0-9]/g, "");
    var ringHits = data.legend.rings.filter(function (r) { return r.ring.toLowerCase() === q; });
    var hits = data.nodes.filter(function (n) {
      if (n.search.indexOf(q) >= 0) { return true; }
      return digits.length >= 4 && n.search.replace(/[^0-9 ]/g, "").indexOf(digits) >= 0;
    });
    return ringHits.map(function (r) { return { ring: r.ring, text: r.title }; })
      .concat(hits.slice(0, 40).map(function (n) { return { node: n.id, text: n.name ? n.name + " (" + n.id + ")" : n.id }; }));
  }
  function pick(h) {
    results.textContent = "";
    message.textContent = "";
    if (h.ring) { selectRing(h.ring); return; }
    if (collapsed) { setCollapsed(false); }
    network.focus(h.node, { scale: Math.max(network.getScale(), 1.0), animation: false });
    selectNode(h.node);
  }
  input.addEventListener("input", function () {
    results.textContent = "";
    message.textContent = "";
    var hits = find(input.value);
    if (input.value.trim() && !hits.length) { message.textContent = "nothing matches \u201c" + input.value.trim() + "\u201d"; }
    hits.forEach(function (h) {
      var li = el("li", h.text);
      if (h.node) { li.setAttribute("data-node", h.node); } else { li.setAttribute("data-ring", h.ring); }
      li.addEventListener("click", function () { pick(h); });
      results.appendChild(li);
    });
  });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { var hits = find(input.value); if (hits.length) { pick(hits[0]); } }
    if (ev.key === "Escape") { results.textContent = ""; }
  });

  // -- legend: built from what the view carries -------------------------------------
  var legend = document.getElementById("wb-legend");
  data.legend.rings.forEach(function (r) {
    var row = el("div", null, "ring-row"), sw = el("span", null, "swatch");
    sw.style.background = r.color;
    if (r.pattern) { sw.style.borderStyle = "dashed"; sw.style.borderWidth = "2px"; }
    row.appendChild(sw);
    row.appendChild(document.createTextNode(r.title));
    row.setAttribute("data-ring", r.ring);
    row.addEventListener("click", function () { selectRing(r.ring); });
    legend.appendChild(row);
  });
  var none = el("div"), grey = el("span", null, "swatch");
  grey.style.background = "#B0B0B0";
  none.appendChild(grey); none.appendChild(document.createTextNode("not in a ring"));
  legend.appendChild(none);
  legend.appendChild(el("div", "\u2605 and a thick black outline: organizer"));
  data.legend.shapes.forEach(function (s) { legend.appendChild(el("div", s[0] + ": " + s[1])); });
  data.legend.layers.forEach(function (l) {
    var row = el("div"), line = el("span", null, "line");
    line.style.borderTopStyle = l.dashes ? "dashed" : "solid";
    line.style.borderTopColor = l.color;
    row.appendChild(line);
    row.appendChild(document.createTextNode(l.label + (l.layer === "money" ? " (arrow: payer \u2192 payee, amount)" : "")));
    legend.appendChild(row);
  });
  legend.appendChild(el("div", "line width: strength of the link"));

  var linkTable = document.getElementById("wb-links");
  var t = el("table"), head = el("tr");
  ["from", "to", "what the records say"].forEach(function (c) { head.appendChild(el("th", c)); });
  t.appendChild(head);
  data.links.forEach(function (l, k) {
    var tr = el("tr");
    tr.appendChild(el("td", label(l.a)));
    tr.appendChild(el("td", label(l.b)));
    tr.appendChild(el("td", l.words.join("; ")));
    tr.addEventListener("click", function () { selectLink(k); });
    t.appendChild(tr);
  });
  linkTable.appendChild(t);
  var notesBox = document.getElementById("wb-notes");
  if (notesBox) {  // the analysts' notes and hypotheses, as text
    var notes = (data.meta && data.meta.notes) || [];
    if (!notes.length) { notesBox.textContent = "no notes on what this view shows"; }
    else {
      var nt = el("table"), nh = el("tr");
      ["#", "on", "status", "author", "time (UTC)", "note"].forEach(function (c) { nh.appendChild(el("th", c)); });
      nt.appendChild(nh);
      notes.forEach(function (n) {
        var tr = el("tr");
        [n.note_id, n.target, n.status, n.author, n.at, n.text].forEach(function (v) { tr.appendChild(el("td", String(v))); });
        nt.appendChild(tr);
      });
      notesBox.appendChild(nt);
    }
  }
  document.getElementById("wb-meta").textContent = JSON.stringify(data.meta, null, 2);
  select(null);
})();
