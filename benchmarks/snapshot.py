"""Snapshot drawing time in headless Chromium: our precomputed layout against vis physics.

Usage::

    .venv/bin/python benchmarks/snapshot.py [--nodes 500 2000 5000] [--physics-timeout 60]

For each size: a synthetic network (groups of 3-30 with cross links), written as a snapshot
(layout computed in Python, physics off), opened from disk in Debian's chromium with every
request blocked; time from navigation to vis-network's first ``afterDrawing``. The naive
path: the same page with vis physics switched on (what pyvis does by default), timed until
stabilization or the timeout.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np

from workbench.views.model import ViewModel
from workbench.views.snapshot import render_snapshot


def network(n: int, seed: int = 0) -> nx.Graph:
    rng = np.random.default_rng(seed)
    g = nx.Graph()
    group = 0
    nodes = 0
    while nodes < n:
        size = int(rng.integers(3, 30))
        members = list(range(nodes, min(n, nodes + size)))
        for m in members:
            g.add_node(f"P{m:06d}", name=f"P{m}", kind="person", ring=f"R{group:03d}"
                       if group % 7 == 0 else None, score=float(rng.random()))
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if rng.random() < 0.3:
                    g.add_edge(f"P{a:06d}", f"P{b:06d}", weight=float(rng.uniform(0.5, 5)),
                               layers="calls", n_calls=int(rng.integers(1, 30)))
        nodes += len(members)
        group += 1
    for _ in range(n // 2):
        a, b = rng.integers(0, n, 2)
        if a != b:
            g.add_edge(f"P{a:06d}", f"P{b:06d}", weight=0.5, layers="calls", n_calls=1)
    return g


def draw_time(path: Path, timeout: float) -> float | None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        page.route("**/*", lambda r: r.continue_() if r.request.url == path.as_uri()
                   else r.abort())
        t0 = time.perf_counter()
        page.goto(path.as_uri())
        try:
            page.wait_for_selector("body[data-drawn]", timeout=timeout * 1000)
            if "physics: { enabled: true" in path.read_text()[-20000:]:
                page.wait_for_function("() => window.wbStable === true", timeout=timeout * 1000)
            elapsed = time.perf_counter() - t0
        except Exception:  # playwright's TimeoutError: report as not finished
            elapsed = None
        browser.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="*", default=[500, 2000, 5000])
    parser.add_argument("--physics-timeout", type=float, default=60.0)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    for n in args.nodes:
        g = network(n)
        t0 = time.perf_counter()
        page = render_snapshot(ViewModel(g, title=f"{n} nodes"))
        build = time.perf_counter() - t0
        ours = tmp / f"ours_{n}.html"
        ours.write_text(page, encoding="utf-8")
        # the naive page: identical but with vis physics on and no fixed layout
        naive_js = page.replace("physics: { enabled: false }", "physics: { enabled: true }")
        naive_js = naive_js.replace('network.once("afterDrawing"', 'network.once("stabilized", '
                                    'function () { window.wbStable = true; });\n'
                                    '  network.once("afterDrawing"')
        naive_js = re.sub(r"<meta http-equiv=\"Content-Security-Policy\"[^>]*>", "", naive_js)
        naive = tmp / f"naive_{n}.html"
        naive.write_text(naive_js, encoding="utf-8")
        t_ours = draw_time(ours, 60)
        t_naive = draw_time(naive, args.physics_timeout)
        naive_s = f"{t_naive:.2f} s" if t_naive else f"> {args.physics_timeout:.0f} s"
        print(f"{n:>6} nodes {g.number_of_edges():>6} links | build {build:.2f} s | "
              f"draw (layout in Python) {t_ours:.2f} s | vis physics {naive_s}", flush=True)


if __name__ == "__main__":
    main()
