"""Snapshots, diagrams and graph files: parsed, re-read, and opened in a real browser."""

from __future__ import annotations

import html.parser
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from workbench.views.diagram import draw_diagram
from workbench.views.files import write_csv, write_graph_file
from workbench.views.snapshot import render_snapshot, write_snapshot

from .cases import PHONE, build_known_case
from .conftest import ROOT

HOSTILE_A = '<img src=x onerror="window.__pwned=1">'
HOSTILE_B = "</script><script>window.__pwned=2</script>"
HOSTILE_MEMO = "<b onmouseover=window.__pwned=3>hover</b> 13912345678"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def hostile_case(tmp_path_factory):
    return build_known_case(tmp_path_factory.mktemp("hostile"),
                            names={"A": HOSTILE_A, "B": HOSTILE_B, "C": "王伟"},
                            memo=HOSTILE_MEMO)


@pytest.fixture(scope="module")
def ring_view(hostile_case):
    result = hostile_case.rings()
    ring = next(r for r in result.rings if "A" in r.members)
    return hostile_case.view(ring=ring.id, hops=1)


class _Collector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs, self.scripts, self._in = [], [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]
        self._in = tag

    def handle_data(self, data):
        if self._in == "script":
            self.scripts.append(data)

    def handle_endtag(self, tag):
        self._in = None


@pytest.mark.slow
def test_snapshot_fetches_nothing_and_escapes_everything(ring_view):
    page = render_snapshot(ring_view)
    parsed = _Collector()
    parsed.feed(page)
    # no element may point anywhere: no src/href, no external CSS, no imports
    assert not [a for a in parsed.attrs if a[1] in ("src", "href", "srcset", "action")]
    assert set(parsed.tags) <= {"html", "head", "meta", "title", "style", "body", "header",
                                "h1", "p", "main", "section", "div", "input", "ul", "aside",
                                "h2", "pre", "script", "button", "span", "details",
                                "summary"}
    assert "@import" not in page and not re.search(r"url\(\s*['\"]?https?:", page)
    csp = next(v for t, k, v in parsed.attrs if k == "content" and "default-src" in v)
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    # hostile names only inside the JSON block, with < and > escaped
    assert HOSTILE_A not in page and HOSTILE_B not in page and "<b onmouseover" not in page
    assert page.count("</script>") == 3  # the data block, vis-network, our script
    data = json.loads(re.search(r'id="wb-data">(.*?)</script>', page, re.S).group(1))
    labels = [n["label"] for n in data["nodes"]]
    assert any(HOSTILE_A in x for x in labels) and any(HOSTILE_B in x for x in labels)
    # provenance travels with the snapshot
    assert data["meta"]["fingerprint"] and data["meta"]["counts"]["calls"] > 0
    assert data["meta"]["tool"].startswith("workbench") and data["meta"]["params"]["ring"]
    assert data["records"]["calls"] and data["records"]["calls"][0]["file"] == "calls.csv"


@pytest.mark.slow
def test_redacted_snapshot_leaves_no_identifier(ring_view, hostile_case):
    page = render_snapshot(ring_view, redact=True, redact_names=True)
    shown = [n for n in ring_view.graph.nodes]
    with hostile_case.open() as store:
        phones = [r[0] for r in store.con.execute(
            "SELECT phone FROM phones WHERE person_id IN (SELECT unnest(?))", [shown]).fetchall()]
        accounts = [r[0] for r in store.con.execute(
            "SELECT account_id FROM accounts WHERE person_id IN (SELECT unnest(?))",
            [shown]).fetchall()]
    assert phones and accounts
    for value in phones + accounts + [p[3:] for p in phones]:
        assert value not in page, value
    for name in ("王伟", "Name H", "Name D"):
        assert name not in page
    assert "13912345678" not in page  # a number inside free text
    assert "PHONE-0001" in page and "NAME-0001" in page
    plain = render_snapshot(ring_view, redact=True)
    assert "王伟" in plain and phones[0] not in plain  # names kept unless asked


def _launch(p):
    return p.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"])


@pytest.mark.browser
@pytest.mark.skipif(not shutil.which("chromium") and not __import__("os").path.exists(CHROMIUM),
                    reason="Debian chromium not installed (.ci/run installs it)")
def test_snapshot_in_headless_chromium_offline(ring_view, tmp_path):
    from playwright.sync_api import sync_playwright

    path = write_snapshot(ring_view, tmp_path / "snap.html")
    with sync_playwright() as p:
        browser = _launch(p)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        requests, errors, violations = [], [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: violations.append(m.text)
                if "Content Security Policy" in m.text else None)
        page.route("**/*", lambda route: route.continue_()
                   if route.request.url == path.as_uri() else route.abort())
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-drawn]", timeout=15000)
        assert requests == [path.as_uri()]
        assert errors == [] and violations == []
        # the canvas has drawn something
        painted = page.evaluate("""() => { const c = document.querySelector('canvas');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }""")
        assert painted > 1000
        # hover every node: a tooltip shows its text, and no markup ever runs
        ids = page.evaluate("() => window.wbNetwork.body.nodeIndices")
        assert len(ids) == ring_view.graph.number_of_nodes()
        seen = set()
        for nid in ids:
            pos = page.evaluate(f"""() => {{
                const p = window.wbNetwork.getPosition({json.dumps(nid)});
                const d = window.wbNetwork.canvasToDOM(p);
                const r = document.querySelector('#wb-graph canvas').getBoundingClientRect();
                return [d.x + r.left, d.y + r.top]; }}""")
            page.mouse.move(pos[0], pos[1])
            page.wait_for_selector("div.vis-tooltip", state="visible", timeout=5000)
            seen.add(page.inner_text("div.vis-tooltip"))
        assert len(seen) == len(ids)
        assert any(HOSTILE_A in t for t in seen) and any(HOSTILE_B in t for t in seen)
        assert page.evaluate("() => window.__pwned") is None
        assert page.locator("div.vis-tooltip img").count() == 0
        # the search finds a member by name and selects it
        page.fill("#wb-search", "王伟")
        page.wait_for_selector("#wb-results li")
        assert page.inner_text("#wb-results li") == "王伟 (C)"
        page.click("#wb-results li")
        assert page.evaluate("() => window.wbNetwork.getSelectedNodes()") == ["C"]
        assert page.evaluate("() => window.__pwned") is None
        # evidence tables render hostile text as text
        assert HOSTILE_MEMO.split(" 1")[0] in page.inner_text("#wb-records")
        browser.close()


@pytest.mark.slow
def test_diagrams_and_graph_files_reread(ring_view, tmp_path):
    for ext in ("png", "svg", "pdf"):
        out = draw_diagram(ring_view, tmp_path / f"d.{ext}", redact=True)
        data = out.read_bytes()
        assert len(data) > 5000
    import matplotlib.image

    img = matplotlib.image.imread(tmp_path / "d.png")
    assert img.shape[0] > 1000 and img.shape[1] > 1500  # A4 landscape at 200 dpi
    assert (tmp_path / "d.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "d.pdf").read_bytes().count(b"/Type /Page\n") + (
        tmp_path / "d.pdf").read_bytes().count(b"/Type /Page ") >= 2  # graph, timeline
    for ext in ("png", "svg"):  # one image per file: the timeline beside the graph
        assert (tmp_path / f"d_timeline.{ext}").stat().st_size > 5000
    svg = ET.parse(tmp_path / "d.svg").getroot()
    assert svg.tag.endswith("svg")
    svg_text = (tmp_path / "d.svg").read_text()
    assert PHONE["A"] not in svg_text and "Ring" in svg_text
    for ext in ("graphml", "gexf"):
        path = write_graph_file(ring_view, tmp_path / f"g.{ext}")
        g = nx.read_graphml(path) if ext == "graphml" else nx.read_gexf(path)
        assert g.number_of_nodes() == ring_view.graph.number_of_nodes()
        assert g.number_of_edges() == ring_view.graph.number_of_edges()
        node = g.nodes["A"]
        assert node["ring"] and node["role"] == "organizer" and isinstance(node["score"], float)
        edge = next(iter(g.edges(data=True)))[2]
        assert "layer" in edge and isinstance(edge["weight"], float)
    written = write_csv(ring_view, tmp_path / "ring.csv")
    names = {p.name for p in written}
    assert {"ring.csv", "ring_links.csv", "ring_calls.csv", "ring_transactions.csv"} <= names


@pytest.mark.slow
def test_cli_snapshot_and_export(hostile_case, tmp_path, cli_env):
    db = str(hostile_case.path)
    res = subprocess.run([sys.executable, "-m", "workbench", "snapshot", "--db", db, "--out",
                          str(tmp_path / "s.html"), "--person", "A", "--hops", "1", "--redact"],
                         capture_output=True, text=True, env=cli_env, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    page = (tmp_path / "s.html").read_text()
    assert PHONE["A"] not in page and "PHONE-0001" in page
    for out in ("d.svg", "g.gexf", "m.csv"):
        res = subprocess.run([sys.executable, "-m", "workbench", "export", "--db", db, "--out",
                              str(tmp_path / out)], capture_output=True, text=True, env=cli_env,
                             cwd=ROOT)
        assert res.returncode == 0, res.stderr
        assert (tmp_path / out).exists()
    res = subprocess.run([sys.executable, "-m", "workbench", "export", "--db", db, "--out",
                          str(tmp_path / "x.doc")], capture_output=True, text=True, env=cli_env,
                         cwd=ROOT)
    assert res.returncode == 1 and "unknown export type" in res.stderr
    res = subprocess.run([sys.executable, "-m", "workbench", "snapshot", "--db", db, "--out",
                          str(tmp_path / "x.html"), "--ring", "R999"], capture_output=True,
                         text=True, env=cli_env, cwd=ROOT)
    assert res.returncode == 1 and "no ring 'R999'" in res.stderr


@pytest.mark.browser
@pytest.mark.skipif(not shutil.which("chromium") and not __import__("os").path.exists(CHROMIUM),
                    reason="Debian chromium not installed (.ci/run installs it)")
def test_explorer_graph_view_script_in_chromium(ring_view, tmp_path):
    """The anywidget front end: draws from the synced state, and a click sets ``selected``."""
    from playwright.sync_api import sync_playwright

    from workbench.explorer.widget import GraphView

    view = GraphView()
    view.show(ring_view)
    esm = GraphView._esm.replace("export default { render };", "window.__render = render;")
    state = {"nodes": view.nodes, "edges": view.edges, "selected": "", "focus": "",
             "height": 500}
    state_json = json.dumps(state).replace("<", "\\u003c")
    page_html = ("""<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<div id="host"></div>
<script type="application/json" id="state">""" + state_json + """</script>
<script type="module">
""" + esm + """
const state = JSON.parse(document.getElementById("state").textContent);
window.__saved = [];
const model = {
  get: (k) => state[k], set: (k, v) => { state[k] = v; }, on: () => {},
  save_changes: () => window.__saved.push(state.selected),
};
window.__render({ model, el: document.getElementById("host") });
window.__state = state;
</script></body></html>""")
    path = tmp_path / "widget.html"
    path.write_text(page_html, encoding="utf-8")
    with sync_playwright() as p:
        browser = _launch(p)
        page = browser.new_page(viewport={"width": 1000, "height": 700})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.route("**/*", lambda r: r.continue_() if r.request.url == path.as_uri()
                   else r.abort())
        page.goto(path.as_uri())
        page.wait_for_selector("#host canvas", timeout=10000)
        page.wait_for_timeout(300)
        target = next(n["id"] for n in view.nodes if n["id"] == "A")
        x, y = page.evaluate("""(id) => { const net = document.getElementById('host').wbNetwork;
            const d = net.canvasToDOM(net.getPosition(id));
            const r = document.querySelector('#host canvas').getBoundingClientRect();
            return [d.x + r.left, d.y + r.top]; }""", target)
        page.mouse.click(x, y)
        page.wait_for_timeout(200)
        assert errors == []
        assert page.evaluate("() => window.__state.selected") == target
        assert page.evaluate("() => window.__saved") == [target]
        browser.close()
