"""vis-network comes from our own vendored copy, pinned by SHA-256 and checked when loaded."""

from __future__ import annotations

import fnmatch
import hashlib
import tomllib
from importlib import resources

import networkx as nx
import pytest

from workbench.errors import WorkbenchError
from workbench.views.model import ViewModel
from workbench.views.snapshot import VIS_NETWORK, render_snapshot, verified_text, vis_assets

from .conftest import ROOT

VENDOR = resources.files("workbench.views") / "vendor"


def test_vendored_files_are_the_pinned_vis_network_9_1_2():
    for name, sha in VIS_NETWORK.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == sha
    script, css = vis_assets()
    assert "@version 9.1.2" in script[:400]
    assert ".vis-network" in css
    for licence in ("LICENSE-MIT", "LICENSE-APACHE-2.0"):
        assert (VENDOR / licence).is_file()


def test_a_changed_file_is_refused_in_one_line(tmp_path):
    good = (VENDOR / "vis-network.min.js").read_bytes()
    bad = tmp_path / "vis-network.min.js"
    bad.write_bytes(good.replace(b"@version 9.1.2", b"@version 9.1.3", 1))
    with pytest.raises(WorkbenchError, match="SHA-256 does not match") as caught:
        verified_text(bad, VIS_NETWORK["vis-network.min.js"])
    assert "\n" not in str(caught.value)
    assert verified_text(VENDOR / "vis-network.min.js", VIS_NETWORK["vis-network.min.js"])


def test_snapshot_inlines_the_vendored_script():
    g = nx.Graph()
    g.add_edge("A", "B", weight=1.0, layers="calls", n_calls=3)
    page = render_snapshot(ViewModel(g, title="t"))
    script, css = vis_assets()
    assert script in page and css in page


def test_package_data_ships_the_vendored_files():
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = conf["tool"]["setuptools"]["package-data"]["workbench.views"]
    for name in [*VIS_NETWORK, "LICENSE-MIT", "LICENSE-APACHE-2.0"]:
        assert any(fnmatch.fnmatch(f"vendor/{name}", p) for p in patterns), name
