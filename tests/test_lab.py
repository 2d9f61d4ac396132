"""The Explorer in a real JupyterLab: a real server, kernel and browser, no stand-ins.

A notebook that opens the Explorer is run in JupyterLab (served from this virtualenv,
opened in Debian's headless chromium with every non-local request blocked); the graph view
draws, hovering a node with a hostile name shows it as text, and a click on a node reaches
the Python Explorer, which fills its details panel, seen both in the kernel and on screen;
the snapshot button writes its file through the kernel.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from .cases import build_known_case

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HOSTILE = '<img src=x onerror="window.__pwned=1">'
TOKEN = "workbench-test-token"

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason="Debian chromium not installed (.ci/run installs it)")
pytestmark = [pytestmark, pytest.mark.browser, pytest.mark.notebook, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _notebook(path: Path, db: Path, out: Path, log: Path) -> None:
    code = f"""import json, pathlib
import workbench
case = workbench.open_case({str(db)!r})
explorer = workbench.Explorer(case, out_dir={str(out)!r})
log = pathlib.Path({str(log)!r})
def on_select(change):
    log.write_text(json.dumps({{"selected": change["new"],
                               "details": explorer.details.value}}))
explorer.graph.observe(on_select, "selected")
explorer.ring_list.value = next(r.id for r in explorer.result.rings if "X" in r.members)
log.with_suffix(".ready").write_text(explorer.ring_list.value)
explorer"""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)


@pytest.fixture()
def lab(tmp_path):
    """A JupyterLab server on a free local port, isolated config; yields (url, root)."""
    root = tmp_path / "lab"
    root.mkdir()
    port = _free_port()
    env = dict(os.environ)
    for var, sub in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                     ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                     ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("IPYTHONDIR", "ipython")]:
        env[var] = str(tmp_path / sub)
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
         "--ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
         "--LabApp.expose_app_in_browser=True"]
        + (["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        env=env, stdout=subprocess.DEVNULL, stderr=(tmp_path / "lab.log").open("w"))
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail("JupyterLab did not start:\n" + (tmp_path / "lab.log").read_text())
            time.sleep(0.5)
    try:
        yield url, root
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _node_point(page, node_id: str) -> tuple[float, float]:
    return page.evaluate("""(id) => {
        const host = [...document.querySelectorAll('.jp-OutputArea-output *')]
            .find((e) => e.wbNetwork);
        const net = host.wbNetwork;
        net.moveTo({ position: net.getPosition(id), scale: 1.0 });
        const d = net.canvasToDOM(net.getPosition(id));
        const r = host.querySelector('canvas').getBoundingClientRect();
        return [d.x + r.left, d.y + r.top]; }""", node_id)


def _wait_for(path: Path, seconds: float) -> str:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.2)
    return ""


def test_explorer_in_jupyterlab_click_reaches_python(lab, tmp_path):
    from playwright.sync_api import sync_playwright

    url, root = lab
    (tmp_path / "case").mkdir()
    build_known_case(tmp_path / "case", names={"X": HOSTILE})
    log = tmp_path / "selected.json"
    _notebook(root / "explore.ipynb", tmp_path / "case" / "case.duckdb", tmp_path / "out", log)
    local = ("http://127.0.0.1", "ws://127.0.0.1")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors, outside = [], []
        page.on("pageerror", lambda e: errors.append(str(e)))

        def route(r):
            if r.request.url.startswith(local):
                r.continue_()
            else:
                outside.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(f"{url}/lab/tree/explore.ipynb?token={TOKEN}&reset")
        page.wait_for_function("() => window.jupyterapp && document.querySelector("
                               "'.jp-Notebook .jp-Cell')", timeout=90000)
        page.wait_for_function("""() => { const w = window.jupyterapp.shell.currentWidget;
            return w && w.sessionContext && w.sessionContext.session &&
                   w.sessionContext.session.kernel &&
                   w.sessionContext.session.kernel.status === 'idle'; }""", timeout=90000)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        ready = _wait_for(log.with_suffix(".ready"), 120)
        assert ready.startswith("R"), (tmp_path / "lab.log").read_text()[-3000:]
        page.wait_for_selector(".jp-OutputArea-output canvas", timeout=60000)
        page.wait_for_function("""() => [...document.querySelectorAll(
            '.jp-OutputArea-output *')].some((e) => e.wbNetwork)""", timeout=30000)
        page.wait_for_timeout(500)
        shown = page.evaluate("""() => { const host = [...document.querySelectorAll(
            '.jp-OutputArea-output *')].find((e) => e.wbNetwork);
            return host.wbNetwork.body.data.nodes.getIds(); }""")
        assert {"X", "Y", "Z"} <= set(shown)
        x, y = _node_point(page, "X")
        page.mouse.move(x, y)
        page.wait_for_selector(".vis-tooltip", state="visible", timeout=10000)
        assert HOSTILE in page.inner_text(".vis-tooltip")
        page.mouse.click(x, y)
        got = json.loads(_wait_for(log, 30) or "{}")
        assert got.get("selected") == "X"
        assert "links" in got["details"] and HOSTILE not in got["details"]
        page.wait_for_function("() => document.querySelector('.jp-OutputArea-output')"
                               ".innerText.includes('links')", timeout=30000)
        assert page.evaluate("() => window.__pwned") is None
        page.get_by_role("button", name="HTML snapshot").click()  # a button, through the kernel
        deadline = time.time() + 60
        while time.time() < deadline and not list((tmp_path / "out").glob("*.html")):
            time.sleep(0.3)
        written = list((tmp_path / "out").glob("*.html"))
        assert len(written) == 1 and HOSTILE not in written[0].read_text(encoding="utf-8")
        assert errors == []
        assert outside == []
        browser.close()
