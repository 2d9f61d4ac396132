"""Regenerate the README pictures from the current code: python docs/screenshots.py.

Builds the sample case, then writes docs/snapshot-all-rings.png (the all-rings HTML
snapshot in headless chromium), docs/diagram-all-rings.png (page 1 of the PDF diagram) and
docs/explorer.png (the Explorer run in a real JupyterLab, on the family ring). Offline:
every non-local request from the browser is blocked.
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


def offline_page(browser):
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
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


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="wb-shots-"))
    db = tmp / "demo" / "case.duckdb"
    wb("demo", "--out", str(tmp / "demo"))
    wb("snapshot", "--db", str(db), "--out", str(tmp / "all.html"))
    wb("export", "--db", str(db), "--out", str(tmp / "all.pdf"))
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile",
                    str(tmp / "all.pdf"), str(DOCS / "diagram-all-rings")], check=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = offline_page(browser)
        page.goto((tmp / "all.html").as_uri())
        page.wait_for_selector("canvas")
        page.wait_for_timeout(2000)
        page.screenshot(path=DOCS / "snapshot-all-rings.png")
        explorer(browser, tmp, db)
        browser.close()


if __name__ == "__main__":
    main()
