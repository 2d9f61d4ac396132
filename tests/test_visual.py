"""What the pictures look like, measured: overlaps, fit, colours, search, fonts, CSV cells.

The views are drawn from hand-built graphs (12 rings with Chinese names, brokers and
associates; a 2,000-node view) so the measurements have known answers and run fast.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess

import networkx as nx
import pytest

from workbench.views.diagram import draw_diagram
from workbench.views.files import write_csv
from workbench.views.layout import overlaps, ring_layout
from workbench.views.model import ViewModel
from workbench.views.snapshot import write_snapshot

CHROMIUM = "/usr/bin/chromium"
HOSTILE = '=HYPERLINK("http://evil.example/x","click")'
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def rings_view(n_rings: int = 12, associates: int = 0, seed: int = 0) -> ViewModel:
    """``n_rings`` rings of 3 to 9 members (organizer first), a broker between each pair of
    neighbouring rings, ``associates`` people hanging off ring members; calls carry phones."""
    g = nx.Graph()
    calls, rings = [], []
    for r in range(n_rings):
        rid = f"R{r + 1:03d}"
        size = 3 + (r * 5 + seed) % 7
        members = [f"P{r:02d}{k:02d}" for k in range(size)]
        for k, m in enumerate(members):
            g.add_node(m, kind="person", name=SURNAMES[(r + k) % 20] + "伟" + "明" * (k % 2),
                       ring=rid, role="organizer" if k == 0 else "member",
                       score=0.9 if k == 0 else 0.3)
        for k, m in enumerate(members[1:], start=1):
            g.add_edge(members[0], m, weight=2.0, w_calls=1.5, w_money=1.0, n_calls=5 + k,
                       n_tx=2, n_uv_tx=0, n_vu_tx=2, total_uv=0.0, total_vu=1000.0 * k,
                       layers="calls,money")
            calls.append({"caller_person": m, "callee_person": members[0],
                          "caller": f"+86138{r:02d}{k:02d}0000", "callee": f"+86139{r:02d}000000",
                          "started_at": f"2019-0{1 + k % 5}-1{k % 9}T10:00:00+08:00",
                          "duration_s": 60, "file": "calls.csv", "line": len(calls) + 2})
        rings.append({"id": rid, "key": f"key{r * 7919 % 1000:04d}", "members": members})
        if r:
            b = f"B{r:02d}"
            g.add_node(b, kind="person", name="中间人" + str(r), role="broker", score=0.5)
            g.add_edge(b, members[1], weight=1.0, w_calls=1.0, n_calls=3, layers="calls")
            g.add_edge(b, f"P{r - 1:02d}01", weight=1.0, w_calls=1.0, n_calls=3, layers="calls")
    for a in range(associates):
        r = a % n_rings
        node = f"A{a:04d}"
        g.add_node(node, kind="person", name=SURNAMES[a % 20] + "某", score=0.0)
        g.add_edge(node, f"P{r:02d}00" if a % 3 else f"P{r:02d}01", weight=0.5, w_calls=0.5,
                   n_calls=1, layers="calls")
    g.nodes["P0001"]["name"] = HOSTILE
    return ViewModel(g, title="rings", meta={"rings": rings, "fingerprint": "f" * 16,
                                             "tool": "workbench test"},
                     records={"calls": calls}, identifiers={})


@pytest.mark.slow
def test_layout_has_no_overlaps_and_rings_get_regions():
    for vm in (rings_view(), rings_view(40, associates=1750)):
        place = ring_layout(vm.graph)
        assert overlaps(place) == 0
        rings = {d["ring"] for _, d in vm.graph.nodes(data=True) if d.get("ring")}
        assert {r["ring"] for r in place.regions} == rings
        for reg in place.regions:  # organizer at the centre of his region, named on top
            org = next(n for n, d in vm.graph.nodes(data=True)
                       if d.get("ring") == reg["ring"] and d["role"] == "organizer")
            x, y = place.pos[org]
            assert abs(x - reg["x"]) < 1 and abs(y - reg["y"]) < reg["r"] / 2
            assert reg["ring"] in reg["title"] and vm.graph.nodes[org]["name"] in reg["title"]
    big = rings_view(40, associates=1750).graph
    assert big.number_of_nodes() >= 2000


def _launch(p):
    return p.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"])


MEASURE = """() => {
  const net = window.wbNetwork, ids = net.body.nodeIndices;
  const boxes = [], labels = [];
  for (const id of ids) { const n = net.body.nodes[id];
    const b = n.shape.boundingBox; boxes.push([b.left, b.top, b.right, b.bottom]);
    const s = n.labelModule.size;
    if (s && s.width) labels.push([s.left, s.top, s.left + s.width, s.top + s.height]); }
  function count(bs) { bs.sort((a, b) => a[0] - b[0]); let c = 0;
    for (let i = 0; i < bs.length; i++) for (let j = i + 1; j < bs.length; j++) {
      const a = bs[i], b = bs[j]; if (b[0] >= a[2]) break;
      if (a[1] < b[3] && b[1] < a[3]) c++; } return c; }
  const r = document.querySelector('#wb-graph canvas').getBoundingClientRect();
  let outside = 0;
  for (const id of ids) { const p = net.canvasToDOM(net.getPosition(id));
    if (p.x < 0 || p.y < 0 || p.x > r.width || p.y > r.height) outside++; }
  const colours = {};
  for (const n of window.wbData.nodes) if (n.ring) colours[n.ring] = n.color;
  return {nodes: ids.length, node_overlaps: count(boxes), label_overlaps: count(labels),
          labels: labels.length, outside, colours};
}"""


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed")
def test_snapshot_measured_in_chromium(tmp_path):
    from playwright.sync_api import sync_playwright

    small = write_snapshot(rings_view(), tmp_path / "rings.html")
    again = write_snapshot(rings_view(), tmp_path / "again.html")
    big = write_snapshot(rings_view(40, associates=1750), tmp_path / "big.html")
    with sync_playwright() as p:
        browser = _launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        seen = []
        for path in (small, again, big):
            page.goto(path.as_uri())
            page.wait_for_selector("body[data-drawn]", timeout=20000)
            if path == big:  # a large view opens collapsed: one node per ring
                assert page.evaluate("() => window.wbNetwork.body.nodeIndices.length") < 800
                page.click("#wb-collapse")
                page.wait_for_timeout(200)
            m = page.evaluate(MEASURE)
            assert m["node_overlaps"] == 0 and m["label_overlaps"] == 0, m
            assert m["labels"] == m["nodes"]
            assert m["outside"] == 0  # fitted on first draw (and after expanding)
            seen.append(m)
        assert seen[0]["colours"] == seen[1]["colours"]  # colour from the ring's key
        assert len(set(seen[0]["colours"].values())) == 12  # twelve rings, twelve colours
        assert seen[2]["nodes"] >= 2000
        # search finds a phone number written without the country code
        page.goto(small.as_uri())
        page.wait_for_selector("body[data-drawn]")
        page.fill("#wb-search", "13801020000")
        page.wait_for_selector("#wb-results li")
        assert page.get_attribute("#wb-results li", "data-node") == "P0102"
        page.keyboard.press("Enter")
        assert page.evaluate("() => window.wbNetwork.getSelectedNodes()") == ["P0102"]
        assert "P0102" in page.inner_text("#wb-records")  # evidence follows the selection
        page.fill("#wb-search", "zzz-nobody")
        assert "nothing matches" in page.inner_text("#wb-message")
        page.fill("#wb-search", "r003")
        page.wait_for_selector("#wb-results li[data-ring]")
        # hover does not repaint the ring colour
        colour = page.evaluate("() => window.wbNetwork.body.nodes['P0000'].options.color")
        assert colour["hover"]["background"] == colour["background"]
        assert colour["highlight"]["background"] == colour["background"]
        assert errors == []
        browser.close()


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("pdffonts"), reason="poppler-utils not installed")
def test_pdf_embeds_a_cjk_font_and_labels_do_not_overlap(tmp_path):
    report: dict = {}
    pdf = draw_diagram(rings_view(), tmp_path / "rings.pdf", report=report)
    if report["font"] is None:
        pytest.skip("no CJK font installed (fonts-wqy-microhei)")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout
    assert "WenQuanYi" in fonts or "CJK" in fonts
    assert all(" yes " in line for line in fonts.splitlines()[2:])  # every font embedded
    assert report["label_overlaps"] == 0 and report["labels"] > 60
    svg = draw_diagram(rings_view(), tmp_path / "rings.svg").read_text("utf-8")
    assert "WenQuanYi" in svg or "CJK" in svg  # glyphs embedded as outlines


def test_csv_cells_are_inert(tmp_path):
    vm = rings_view()
    vm.graph.nodes["P0002"]["name"] = "@SUM(1+1)"
    vm.graph.nodes["P0100"]["name"] = "\tcmd"
    written = write_csv(vm, tmp_path / "members.csv")
    for path in written:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (path, cell)
    text = written[0].read_text("utf-8-sig")
    assert "'" + HOSTILE.replace('"', '""') in text and "'@SUM(1+1)" in text
    calls = next(p for p in written if p.name.endswith("_calls.csv")).read_text("utf-8-sig")
    assert "'+8613800010000" in calls  # E.164 kept as text
    assert json.dumps(HOSTILE)  # the name itself survives, only neutralized
