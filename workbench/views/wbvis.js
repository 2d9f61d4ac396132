// Shared by the snapshot and the Explorer: vis-network options, nodes, edges, ring regions.
// Nothing from the data becomes markup: labels go to the canvas, tooltips are text nodes.
var wbVis = (function () {
  "use strict";
  var FACE = "WenQuanYi Micro Hei, Noto Sans CJK SC, Microsoft YaHei, sans-serif";

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
      if (Array.isArray(kv)) {
        row.appendChild(el("b", kv[0] + ": "));
        row.appendChild(document.createTextNode(String(kv[1])));
      } else { row.textContent = String(kv); }
      box.appendChild(row);
    });
    return box;
  }
  // hover and selection thicken the outline; the ring colour is never repainted
  function node(n) {
    var border = n.organizer ? "#000000" : "#37474F";
    return {
      id: n.id, label: n.label, x: n.x, y: n.y, shape: n.shape, size: n.size,
      borderWidth: n.organizer ? 4 : 1.5, borderWidthSelected: n.organizer ? 6 : 4,
      color: { background: n.color, border: border,
               highlight: { background: n.color, border: "#D50000" },
               hover: { background: n.color, border: "#000000" } },
      font: { size: 14, face: FACE, multi: false, strokeWidth: 3, strokeColor: "#ffffff",
              bold: { face: FACE },
              // a label above the marker: the links to this node come from below
              vadjust: n.above ? -(2 * n.size + 8 + 14 * String(n.label).split("\n").length) : 0 },
      title: tip(n.tip), ring: n.ring, region: n.region,
    };
  }
  function edge(e, i, link) {
    var out = {
      id: "e" + i, from: e.from, to: e.to, width: e.width, dashes: e.dashes,
      color: { color: e.color, highlight: e.color, hover: e.color, opacity: 0.85 },
      selectionWidth: 2, hoverWidth: 1.5, link: e.link, layer: e.layer,
      smooth: e.smooth ? { enabled: true, type: e.smooth[0], roundness: e.smooth[1] }
                       : { enabled: false },
      title: link ? tip(link.words) : undefined,
    };
    if (e.arrows) { out.arrows = { to: { enabled: true, scaleFactor: 0.8 } }; }
    return out;
  }
  // a money pattern's transfer: a numbered, dashed arrow in time order (flows.py)
  function flow(f, i) {
    return {
      id: "f" + i, from: f.from, to: f.to, width: f.width, dashes: f.dashes,
      color: { color: f.color, highlight: f.color, hover: f.color, opacity: 0.95 },
      arrows: { to: { enabled: true, scaleFactor: 0.9 } }, label: String(f.label),
      font: { size: 13, face: FACE, color: f.color, strokeWidth: 3, strokeColor: "#ffffff",
              align: "middle" },
      smooth: { enabled: true, type: f.smooth[0], roundness: f.smooth[1] },
      selectionWidth: 2, hoverWidth: 1.5, flow: i, ring: f.ring, title: tip(f.words),
    };
  }
  function options(nNodes) {
    return {
      physics: { enabled: false }, layout: { improvedLayout: false },
      interaction: { hover: true, tooltipDelay: 120, hideEdgesOnDrag: nNodes > 1500,
                     multiselect: true, navigationButtons: false },
      // labels follow the zoom: names hide below 5 px on screen
      nodes: { scaling: { label: { enabled: false, drawThreshold: 6 } } },
      edges: { smooth: false },
    };
  }
  // money amounts beside their lines, where Python found room (the rest: hover text)
  function drawAmounts(ctx, edges, scale) {
    if (12 * scale < 7) { return; }
    ctx.save();
    ctx.font = "12px " + FACE;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.lineWidth = 3;
    ctx.strokeStyle = "#ffffff";
    ctx.fillStyle = "#1B5E20";
    edges.forEach(function (e) {
      if (!e.label || !e.label_xy) { return; }
      ctx.strokeText(e.label, e.label_xy[0], e.label_xy[1]);
      ctx.fillText(e.label, e.label_xy[0], e.label_xy[1]);
    });
    ctx.restore();
  }
  // the first view: fitted to the pane's width when names can then be read (the pane grows
  // up to 1.35 times its height; the page scrolls); false when they cannot (open on cards)
  function fitView(network, container, data, grow) {
    var b = data.bounds;
    if (!b) {
      var xs = [], ys = [];
      (data.nodes || []).forEach(function (n) { xs.push(n.x - 60, n.x + 60); ys.push(n.y - 50, n.y + 50); });
      (data.regions || []).forEach(function (r) { xs.push(r.x - r.r, r.x + r.r); ys.push(r.y - r.r, r.y + r.r); });
      if (!xs.length) { network.fit({ animation: false }); return true; }
      b = [Math.min.apply(null, xs), Math.min.apply(null, ys), Math.max.apply(null, xs), Math.max.apply(null, ys)];
    }
    var w = Math.max(b[2] - b[0], 1), h = Math.max(b[3] - b[1], 1);
    var width = container.clientWidth || 800;
    if (!container.wbHeight) { container.wbHeight = container.clientHeight || 600; }
    var base = container.wbHeight, height = base;
    var scale = Math.min(1, width / w);
    if (grow && scale * 14 >= (data.readable || 9)) {
      height = Math.round(Math.min(Math.max(base, h * scale + 8), (grow || 1) * base));
    }
    if (grow && height !== container.clientHeight) {
      container.style.height = height + "px";
      network.setSize("100%", height + "px");
    }
    scale = Math.min(scale, height / h) * 0.99;
    network.moveTo({ position: { x: (b[0] + b[2]) / 2, y: (b[1] + b[3]) / 2 }, scale: scale,
                     animation: false });
    return scale * 14 >= (data.readable || 9) - 0.05 || (data.regions || []).length < 2;
  }
  // ring regions under the graph: a tinted disc, its outline, id and organizer on top
  function drawRegions(ctx, regions) {
    regions.forEach(function (r) {
      ctx.save();
      ctx.beginPath();
      ctx.arc(r.x, r.y, r.r, 0, 2 * Math.PI);
      ctx.globalAlpha = 0.10;
      ctx.fillStyle = r.color;
      ctx.fill();
      ctx.globalAlpha = 0.9;
      ctx.lineWidth = 3;
      ctx.strokeStyle = r.color;
      ctx.setLineDash(r.dashes || []);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
      ctx.font = "bold 15px " + FACE;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.lineWidth = 4;
      ctx.strokeStyle = "#ffffff";
      ctx.fillStyle = "#111111";
      (r.head || [r.title]).forEach(function (line, i) {
        ctx.strokeText(line, r.x, r.title_y + i * 18.75);
        ctx.fillText(line, r.x, r.title_y + i * 18.75);
      });
      ctx.restore();
    });
  }
  // vis leaves a tooltip up when the pointer leaves the canvas over a node: hide it
  function unstick(network, container) {
    function hide() {
      container.querySelectorAll("div.vis-tooltip").forEach(function (t) {
        t.style.visibility = "hidden";
      });
    }
    container.addEventListener("mouseleave", hide);
    network.on("blurNode", hide);
    network.on("blurEdge", hide);
    network.on("dragStart", hide);
    network.on("zoom", hide);
    return hide;
  }
  // the overview of many rings: one card per ring (id, organizer, people, tags) in rank
  // order; a click on a card opens its ring in the graph
  function cardNodes(data, width) {
    var people = {};
    data.nodes.forEach(function (n) { if (n.ring) { people[n.ring] = (people[n.ring] || 0) + 1; } });
    var cols = Math.max(1, Math.floor(width / 200));
    return data.regions.slice().sort(function (a, b) { return a.ring < b.ring ? -1 : 1; })
      .map(function (r, i) {
        var head = r.head || [r.title];
        return {
          id: "card:" + r.ring, shape: "box", x: (i % cols) * 200, y: Math.floor(i / cols) * 116,
          label: head[0] + "\n" + (people[r.ring] || 0) + " people" + (head[1] ? "\n" + head[1] : ""),
          widthConstraint: { minimum: 160, maximum: 160 }, heightConstraint: { minimum: 64 },
          margin: 8, borderWidth: 4, shapeProperties: { borderRadius: 6 },
          color: { background: "#ffffff", border: r.color,
                   highlight: { background: "#FFF8E1", border: r.color },
                   hover: { background: "#FFF8E1", border: r.color } },
          font: { size: 13, face: FACE, color: "#111111" },
        };
      });
  }
  function collapse(network, data, container) {
    var cards = cardNodes(data, container.clientWidth || 1000);
    network.wbCards = true;
    network.setData({ nodes: new vis.DataSet(cards), edges: new vis.DataSet([]) });
    var xs = cards.map(function (c) { return c.x; }), ys = cards.map(function (c) { return c.y; });
    fitView(network, container, { readable: 9, regions: data.regions, bounds: [
      Math.min.apply(null, xs) - 96, Math.min.apply(null, ys) - 54,
      Math.max.apply(null, xs) + 96, Math.max.apply(null, ys) + 54] }, 1.6);
  }
  function expand(network, nodes, edges) {
    network.wbCards = false;
    network.setData({ nodes: nodes, edges: edges });
  }
  // the view of one ring: its region fills the pane, names at full size
  function focusRing(network, container, region) {
    var d = 2 * region.r + 20;
    var scale = Math.min(1, (container.clientWidth || 800) / d, (container.clientHeight || 600) / d);
    network.moveTo({ position: { x: region.x, y: region.y }, scale: scale, animation: false });
  }
  return { el: el, tip: tip, node: node, edge: edge, flow: flow, options: options,
           drawRegions: drawRegions, drawAmounts: drawAmounts, fitView: fitView,
           focusRing: focusRing, unstick: unstick, collapse: collapse, expand: expand,
           FACE: FACE };
})();
globalThis.wbVis = wbVis;
