"""What an analyst sees on counties the project has not seen: flat rings, label size,
services in one-hop views and on paths between organizers.

Usage::

    .venv/bin/python benchmarks/pictures.py CASE.duckdb [CASE.duckdb ...]

Make the cases with ``workbench sample --out DIR --persons 6000 --seed S`` and ``workbench
ingest --db CASE.duckdb DIR``. For each case: the all-rings snapshot and the first ring's
snapshot opened in headless Chromium at 1440 x 900 (median and smallest label on screen at
the first draw, in px: font size times the canvas scale; whether the view opened on ring
cards), the flatness of every ring of three or more in the all-rings layout (smaller over
larger principal axis of its members' positions), the services shown in each ring's
one-hop view, and the paths between every two organizers that pass a service (with the
old behaviour, ``via_services``, beside it).
"""

from __future__ import annotations

import argparse
import itertools
import logging
import tempfile
from pathlib import Path

from workbench.analysis import services
from workbench.case import Case
from workbench.views.layout import flatness, ring_layout
from workbench.views.snapshot import write_snapshot

log = logging.getLogger("benchmarks.pictures")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
MEASURE = """() => { const net = window.wbNetwork, s = net.getScale(), px = [];
  for (const id of net.body.nodeIndices) { const n = net.body.nodes[id];
    if (n.options.label) px.push(n.options.font.size * s); }
  px.sort((a, b) => a - b);
  return {median: px[Math.floor(px.length / 2)], min: px[0], cards: !!net.wbCards}; }"""


def label_px(pages: list[Path]) -> list[dict]:
    """Label size on screen at the first draw of each page (1440 x 900)."""
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        for path in pages:
            page.goto(path.as_uri())
            page.wait_for_selector("body[data-drawn]", timeout=60000)
            out.append(page.evaluate(MEASURE))
        browser.close()
    return out


def measure(db: Path, tmp: Path) -> dict:
    case = Case(db)
    result = case.rings()
    graph, _ = case.graph()
    svc = set(graph.ids[services(graph)].tolist())
    everyone = case.view()
    place = ring_layout(everyone.graph)
    rings: dict = {}
    for n, d in everyone.graph.nodes(data=True):
        if d.get("ring"):
            rings.setdefault(d["ring"], []).append(place.pos[n])
    flat = {r: flatness(p) for r, p in rings.items() if len(p) >= 3}
    pages = [write_snapshot(everyone, tmp / f"{db.stem}-all.html"),
             write_snapshot(case.view(ring=result.rings[0].id), tmp / f"{db.stem}-ring.html")]
    hop_services = 0
    for ring in result.rings:  # the nodes of each ring's one-hop view (as Case.view picks them)
        net = case.parts.rings.network_of(graph, sorted(set(ring.members) | set(ring.brokers)),
                                          hops=1)
        hop_services += len(set(net.nodes) & svc)
    via, avoided, pairs = 0, 0, 0
    leaders = [r.leader for r in result.rings]
    for a, b in itertools.combinations(leaders, 2):
        paths = case.paths(a, b)
        pairs += bool(paths)
        avoided += any(set(p["nodes"][1:-1]) & svc for p in paths)
        via += any(set(p["nodes"][1:-1]) & svc for p in case.paths(a, b, via_services=True))
    px = label_px(pages)
    return {"case": db.name, "rings": len(result.rings),
            "flat_rings": sum(v < 0.3 for v in flat.values()),
            "min_flatness": min(flat.values()) if flat else None,
            "all_median_px": round(px[0]["median"], 1), "all_cards": px[0]["cards"],
            "ring_min_px": round(px[1]["min"], 1),
            "services_in_one_hop_views": hop_services,
            "paths": pairs, "paths_via_services": avoided,
            "paths_via_services_before": via}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="+", type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with tempfile.TemporaryDirectory() as tmp:
        for db in args.cases:
            row = measure(db, Path(tmp))
            log.info(" | ".join(row))
            log.info(" | ".join(str(v) for v in row.values()))


if __name__ == "__main__":
    main()
