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
              bold: { face: FACE } },
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
    if (e.label) {
      out.label = e.label;
      out.font = { size: 12, face: FACE, color: "#1B5E20", strokeWidth: 3,
                   strokeColor: "#ffffff", align: "top" };
    }
    return out;
  }
  function options(nNodes) {
    return {
      physics: { enabled: false }, layout: { improvedLayout: false },
      interaction: { hover: true, tooltipDelay: 120, hideEdgesOnDrag: nNodes > 1500,
                     multiselect: true, navigationButtons: false },
      // labels follow the zoom: names hide below 5 px on screen, amounts below 10 px
      nodes: { scaling: { label: { enabled: false, drawThreshold: 6 } } },
      edges: { smooth: false, scaling: { label: { enabled: false, drawThreshold: 11 } } },
    };
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
      ctx.strokeText(r.title, r.x, r.title_y);
      ctx.fillStyle = "#111111";
      ctx.fillText(r.title, r.x, r.title_y);
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
  // rings collapse into one node each (large views), and open again on a double click
  function collapse(network, data) {
    data.regions.forEach(function (r) {
      var inside = data.nodes.filter(function (n) { return n.region === r.ring; });
      network.cluster({
        joinCondition: function (o) { return o.region === r.ring; },
        clusterNodeProperties: {
          id: "cluster:" + r.ring, label: r.title + "\n" + inside.length + " people",
          shape: "hexagon", size: 34, borderWidth: 3, x: r.x, y: r.y,
          color: { background: r.color, border: "#000000",
                   highlight: { background: r.color, border: "#D50000" } },
          font: { size: 16, face: FACE, strokeWidth: 3, strokeColor: "#ffffff" },
        },
      });
    });
  }
  function expand(network) {
    Object.keys(network.body.nodes).forEach(function (id) {
      if (network.isCluster(id)) {
        network.openCluster(id, { releaseFunction: function (c, pos) { return pos; } });
      }
    });
  }
  return { el: el, tip: tip, node: node, edge: edge, options: options,
           drawRegions: drawRegions, unstick: unstick, collapse: collapse, expand: expand,
           FACE: FACE };
})();
globalThis.wbVis = wbVis;
