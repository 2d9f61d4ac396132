"""Regenerate the README pictures from the current code: python docs/screenshots.py.

Builds the sample case, then writes docs/snapshot-all-rings.png (the all-rings HTML
snapshot in headless chromium at 1440 x 900, as it first draws), docs/snapshot-ring.png (the
largest ring's snapshot), docs/snapshot-one-hop.png (the first ring and one hop around it:
services left out, one-off contacts folded), docs/snapshot-cards.png (54 rings: the ring
cards the view opens on), docs/diagram-all-rings.png and docs/diagram-54-rings.png (page 1
of the PDF diagrams) and docs/explorer.png (the Explorer run in a real JupyterLab, on the
family ring). Offline: every non-local request from the browser is blocked.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent
PORT = 8899
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]
CELL = """import workbench
case = workbench.open_case({db!r})
explorer = workbench.Explorer(case, out_dir={out!r})
explorer.ring_list.value = next(r.id for r in explorer.result.rings if r.family)
explorer"""


def wb(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "workbench", *args], check=True, cwd=DOCS.parent)


def offline_page(browser, width: int = 1440, height: int = 900):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
        ("file:", "http://127.0.0.1", "ws://127.0.0.1")) else r.abort())
    return page


def explorer(browser, tmp: Path, db: Path) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        CELL.format(db=str(db), out=str(tmp / "exports")))])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, tmp / "explorer.ipynb")
    news = tmp / "settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"))
    root = ["--allow-root"] if os.geteuid() == 0 else []
    lab = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
                            f"--port={PORT}", "--ServerApp.token=", f"--notebook-dir={tmp}",
                            "--LabApp.expose_app_in_browser=True", *root], env=env,
                           stdout=subprocess.DEVNULL, stderr=(tmp / "lab.log").open("w"))
    url = f"http://127.0.0.1:{PORT}"
    try:
        for _ in range(180):
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        page = offline_page(browser)
        page.goto(f"{url}/lab/tree/explorer.ipynb?reset")
        page.wait_for_function("""() => { const w = window.jupyterapp &&
            window.jupyterapp.shell.currentWidget; const k = w && w.sessionContext &&
            w.sessionContext.session && w.sessionContext.session.kernel;
            return k && k.status === 'idle'; }""", timeout=120000)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_function("() => [...document.querySelectorAll('.jp-OutputArea-output *')]"
                               ".some((e) => e.wbNetwork)", timeout=180000)
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
        page.wait_for_timeout(2000)
        page.evaluate("() => document.querySelector('.jp-OutputArea-output select')"
                      ".scrollIntoView({block: 'start'})")
        page.wait_for_timeout(1000)
        page.screenshot(path=DOCS / "explorer.png")
    finally:
        lab.terminate()
        lab.wait(timeout=30)


def shot(browser, html: Path, png: str) -> None:
    """The snapshot as it first draws in a 1440 x 900 window."""
    page = offline_page(browser)
    page.goto(html.as_uri())
    page.wait_for_selector("body[data-drawn]", timeout=60000)
    page.wait_for_timeout(1000)
    page.screenshot(path=DOCS / png)
    page.close()


def pdf_page(pdf: Path, png: str) -> None:
    subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(DOCS / png.removesuffix(".png"))], check=True)


def many_rings(tmp: Path) -> tuple[Path, Path]:
    """A snapshot and a PDF of 54 hand-built rings (tests/test_visual.py's view)."""
    sys.path.insert(0, str(DOCS.parent / "tests"))
    from test_visual import rings_view

    from workbench.views.diagram import draw_diagram
    from workbench.views.snapshot import write_snapshot

    vm = rings_view(54, seed=3)
    vm.graph.nodes["P0001"]["name"] = "王伟明"
    vm.title = "54 rings (hand-built)"
    return (write_snapshot(vm, tmp / "r54.html"), draw_diagram(vm, tmp / "r54.pdf"))


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="wb-shots-"))
    db = tmp / "demo" / "case.duckdb"
    wb("demo", "--out", str(tmp / "demo"))
    import workbench

    rings = workbench.open_case(db).rings().rings
    big = max(rings, key=lambda r: (r.size, r.id)).id
    wb("snapshot", "--db", str(db), "--out", str(tmp / "all.html"))
    wb("snapshot", "--db", str(db), "--ring", big, "--out", str(tmp / "ring.html"))
    wb("snapshot", "--db", str(db), "--ring", rings[0].id, "--hops", "1", "--out",
       str(tmp / "hop.html"))
    wb("export", "--db", str(db), "--out", str(tmp / "all.pdf"))
    pdf_page(tmp / "all.pdf", "diagram-all-rings.png")
    r54_html, r54_pdf = many_rings(tmp)
    pdf_page(r54_pdf, "diagram-54-rings.png")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for html, png in ((tmp / "all.html", "snapshot-all-rings.png"),
                          (tmp / "ring.html", "snapshot-ring.png"),
                          (tmp / "hop.html", "snapshot-one-hop.png"),
                          (r54_html, "snapshot-cards.png")):
            shot(browser, html, png)
        if "--no-explorer" not in sys.argv:
            explorer(browser, tmp, db)
        browser.close()


if __name__ == "__main__":
    main()
