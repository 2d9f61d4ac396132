// Evidence records in reading order (time, from, to, duration or amount, file:line), a
// paged and sorted table, and an i2-style timeline drawn as SVG. Text only: every value
// goes in with textContent, nothing from a record ever becomes markup.
var wbEvidence = (function () {
  "use strict";
  var el = wbVis.el;
  var SVG = "http://www.w3.org/2000/svg";

  function who(names, person, number) {
    if (person) { return names[person] ? names[person] + " (" + person + ")" : person; }
    return number || "";
  }
  // a number nobody owns stands for itself (E.164); an account nobody owns is acct:<id>
  function node(person, number, prefix) {
    return person || (number ? (prefix === "acct:" ? prefix + number : number) : "");
  }
  function src(r) { return (r.file || "") + (r.line !== undefined && r.line !== null ? ":" + r.line : ""); }
  function mins(s) {
    s = Number(s || 0);
    return Math.floor(s / 60) + " min " + (s % 60) + " s";
  }
  var SIGNS = { CNY: "\u00a5", USD: "$", EUR: "\u20ac", HKD: "HK$", GBP: "\u00a3" };
  function money(x, currency) {
    var code = String(currency || "CNY").toUpperCase();
    var number = Number(x || 0).toLocaleString("en-US", { maximumFractionDigits: 0 });
    return SIGNS[code] ? SIGNS[code] + number : code + " " + number;
  }

  // every record as {kind, time, from, to, what, detail, source, a, b}; a and b: node ids
  function normalize(records, names) {
    var out = [];
    (records.calls || []).forEach(function (r) {
      out.push({ kind: "call", time: r.started_at || "", from: who(names, r.caller_person, r.caller),
                 to: who(names, r.callee_person, r.callee), what: mins(r.duration_s),
                 detail: r.cell_id || "", source: src(r),
                 a: node(r.caller_person, r.caller, "tel:"), b: node(r.callee_person, r.callee, "tel:") });
    });
    (records.transactions || []).forEach(function (r) {
      out.push({ kind: "transfer", time: r.occurred_at || "",
                 from: who(names, r.from_person, r.from_account), to: who(names, r.to_person, r.to_account),
                 what: money(r.amount, r.currency), amount: Number(r.amount || 0),
                 detail: [r.channel, r.memo].filter(Boolean).join(" \u00b7 "), source: src(r),
                 a: node(r.from_person, r.from_account, "acct:"), b: node(r.to_person, r.to_account, "acct:") });
    });
    (records.arrests || []).forEach(function (r) {
      out.push({ kind: "arrest", time: r.arrested_at || "", from: who(names, r.person_id), to: "",
                 what: [r.charge, r.drug, r.quantity_g ? r.quantity_g + " g" : ""].filter(Boolean).join(" \u00b7 "),
                 detail: [r.case_id, r.location].filter(Boolean).join(" \u00b7 "), source: src(r),
                 a: r.person_id, b: "", case_id: r.case_id });
    });
    (records.meetings || []).forEach(function (r) {
      var where = [r.kind, r.place].filter(Boolean).join(" ");
      var pos = [r.pos, r.other_pos].filter(Boolean).join(" / ");
      out.push({ kind: "meeting", time: r.time || "", from: who(names, r.person), to: who(names, r.other),
                 what: where, detail: pos + (r.adjacent ? " (adjacent)" : ""),
                 source: src(r) + (r.other_file ? ", " + r.other_file + ":" + r.other_line : ""),
                 a: r.person, b: r.other });
    });
    (records.kinship || []).forEach(function (r) {
      out.push({ kind: "kinship", time: "", from: who(names, r.person_a), to: who(names, r.person_b),
                 what: r.relation || "", detail: "", source: src(r), a: r.person_a, b: r.person_b });
    });
    return out;
  }

  // the records behind a selection: a link (both ends), or a set of people (either end;
  // a ring: both ends inside); arrests of a link: the two arrested in one case
  function select(rows, sel) {
    if (!sel) { return rows; }
    if (sel.link) {
      var a = sel.link[0], b = sel.link[1];
      var cases = {};
      rows.forEach(function (r) { if (r.kind === "arrest" && (r.a === a || r.a === b)) {
        cases[r.case_id] = (cases[r.case_id] || 0) | (r.a === a ? 1 : 2); } });
      return rows.filter(function (r) {
        if (r.kind === "arrest") { return (r.a === a || r.a === b) && cases[r.case_id] === 3; }
        return (r.a === a && r.b === b) || (r.a === b && r.b === a);
      });
    }
    var set = {};
    sel.nodes.forEach(function (n) { set[n] = true; });
    return rows.filter(function (r) {
      if (r.kind === "arrest") { return !!set[r.a]; }
      return sel.inside ? (set[r.a] && set[r.b]) : (set[r.a] || set[r.b]);
    });
  }

  var COLUMNS = [["time", "time"], ["kind", "record"], ["from", "from"], ["to", "to"],
                 ["what", "duration / amount / charge"], ["detail", "detail"], ["source", "file:line"]];

  // a sorted, paged table over rows; returns a function that shows new rows
  function table(container, pageSize) {
    var rows = [], sortKey = "time", asc = true, page = 0;
    function draw() {
      container.textContent = "";
      var sorted = rows.slice().sort(function (x, y) {
        var p = sortKey === "what" && x.amount !== undefined && y.amount !== undefined
          ? x.amount - y.amount : String(x[sortKey]).localeCompare(String(y[sortKey]));
        return asc ? p : -p;
      });
      var pages = Math.max(1, Math.ceil(sorted.length / pageSize));
      page = Math.min(page, pages - 1);
      var nav = el("div", null, "pager");
      var prev = el("button", "\u2190 previous"), next = el("button", "next \u2192");
      prev.disabled = page === 0; next.disabled = page >= pages - 1;
      prev.addEventListener("click", function () { page -= 1; draw(); });
      next.addEventListener("click", function () { page += 1; draw(); });
      var first = sorted.length ? page * pageSize + 1 : 0;
      nav.appendChild(prev);
      nav.appendChild(el("span", " records " + first + "\u2013" + Math.min(sorted.length, (page + 1) * pageSize)
                         + " of " + sorted.length + " (page " + (page + 1) + " of " + pages + ") "));
      nav.appendChild(next);
      container.appendChild(nav);
      var t = el("table"), head = el("tr");
      COLUMNS.forEach(function (c) {
        var th = el("th", c[1] + (c[0] === sortKey ? (asc ? " \u25b2" : " \u25bc") : ""));
        th.setAttribute("data-col", c[0]);
        th.addEventListener("click", function () {
          if (sortKey === c[0]) { asc = !asc; } else { sortKey = c[0]; asc = true; }
          draw();
        });
        head.appendChild(th);
      });
      t.appendChild(head);
      sorted.slice(page * pageSize, (page + 1) * pageSize).forEach(function (r) {
        var tr = el("tr");
        tr.className = "k-" + r.kind;
        COLUMNS.forEach(function (c) {
          tr.appendChild(el("td", c[0] === "time" ? String(r.time).replace("T", " ") : r[c[0]]));
        });
        t.appendChild(tr);
      });
      container.appendChild(t);
    }
    return function (newRows) { rows = newRows; page = 0; draw(); };
  }

  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) { e.textContent = String(text); }
    return e;
  }
  function titled(e, text) { e.appendChild(svg("title", {}, text)); return e; }

  // i2-style timeline: one lane per person, calls and transfers join two lanes at their
  // time, arrests sit on their lane; lanes: ``people`` (ids), the rest under "others"
  function timeline(container, rows, people, names, heading) {
    container.textContent = "";
    var events = rows.filter(function (r) { return r.time && r.kind !== "kinship"; });
    if (!events.length) { container.appendChild(el("p", "no dated records for " + heading)); return 0; }
    var lanes = people.slice(0, 14);
    var index = {};
    lanes.forEach(function (p, i) { index[p] = i; });
    var others = lanes.length;
    var width = Math.max(container.clientWidth || 900, 600), left = 190, right = 20, lane = 26, top = 30;
    var height = top + (lanes.length + 1) * lane + 30;
    var times = events.map(function (r) { return Date.parse(r.time); });
    var t0 = Math.min.apply(null, times), t1 = Math.max.apply(null, times);
    if (t1 === t0) { t1 = t0 + 86400000; }
    function x(t) { return left + (width - left - right) * (t - t0) / (t1 - t0); }
    function y(id) { return top + ((id in index) ? index[id] : others) * lane + lane / 2; }
    var root = svg("svg", { width: width, height: height, role: "img", "class": "wb-timeline" });
    root.appendChild(svg("text", { x: 4, y: 16, "font-size": 13, "font-weight": "bold" },
                         "Timeline: " + heading + " \u00b7 " + events.length + " dated records"));
    var defs = svg("defs");
    var marker = svg("marker", { id: "wb-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5,
                                 markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
    marker.appendChild(svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "#2E7D32" }));
    defs.appendChild(marker);
    root.appendChild(defs);
    lanes.concat(["others"]).forEach(function (p, i) {
      var yy = top + i * lane + lane / 2;
      root.appendChild(svg("line", { x1: left, x2: width - right, y1: yy, y2: yy, stroke: "#CFD8DC" }));
      var label = p === "others" ? "others" : (names[p] ? names[p] + " (" + p + ")" : p);
      root.appendChild(svg("text", { x: left - 6, y: yy + 4, "font-size": 12, "text-anchor": "end" }, label));
    });
    var months = new Date(t0); months.setUTCDate(1); months.setUTCHours(0, 0, 0, 0);
    var axis = top + (lanes.length + 1) * lane + 4;
    for (var m = new Date(months); m.getTime() <= t1; m.setUTCMonth(m.getUTCMonth() + 1)) {
      if (m.getTime() < t0) { continue; }
      var xx = x(m.getTime());
      root.appendChild(svg("line", { x1: xx, x2: xx, y1: top, y2: axis, stroke: "#ECEFF1" }));
      root.appendChild(svg("text", { x: xx, y: axis + 14, "font-size": 11, "text-anchor": "middle" },
                           m.toISOString().slice(0, 7)));
    }
    events.slice(0, 4000).forEach(function (r, i) {
      var t = x(times[i]), ya = y(r.a);
      var words = r.time.replace("T", " ").slice(0, 19) + " \u00b7 " + r.kind + " \u00b7 " + r.from
                  + (r.to ? " \u2192 " + r.to : "") + " \u00b7 " + r.what + " \u00b7 " + r.source;
      if (r.kind === "arrest") {
        root.appendChild(titled(svg("path", { d: "M" + t + "," + (ya - 8) + " l6,8 l-6,8 l-6,-8 z",
                                              fill: "#C62828", stroke: "#000", "stroke-width": 0.6 }), words));
        return;
      }
      var yb = y(r.b);
      var colour = r.kind === "transfer" ? "#2E7D32" : "#546E7A";
      var attrs = { x1: t, x2: t, y1: ya, y2: yb, stroke: colour, "stroke-width": r.kind === "transfer" ? 2 : 1,
                    opacity: r.kind === "transfer" ? 0.9 : 0.55 };
      if (r.kind === "transfer") { attrs["marker-end"] = "url(#wb-arrow)"; }
      root.appendChild(titled(svg("line", attrs), words));
      root.appendChild(titled(svg("circle", { cx: t, cy: ya, r: 2.5, fill: colour }), words));
    });
    var key = svg("text", { x: width - right, y: 16, "font-size": 11, "text-anchor": "end" },
                  "grey: call \u00b7 green arrow: transfer, payer \u2192 payee \u00b7 red: arrest");
    root.appendChild(key);
    container.appendChild(root);
    return events.length;
  }

  return { normalize: normalize, select: select, table: table, timeline: timeline };
})();
globalThis.wbEvidence = wbEvidence;
