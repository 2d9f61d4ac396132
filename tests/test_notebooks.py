"""The notebooks run top to bottom on a fresh checkout, and are committed without outputs."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbclient import NotebookClient

from .conftest import ROOT, SAMPLE

pytestmark = [pytest.mark.notebook, pytest.mark.slow]

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_notebooks_exist_and_are_stripped():
    names = [p.name for p in NOTEBOOKS]
    assert names == ["01-quickstart.ipynb", "02-ring-investigation.ipynb",
                     "03-share-and-export.ipynb", "04-time-and-phones.ipynb",
                     "05-co-presence-and-regions.ipynb"]
    for path in NOTEBOOKS:
        doc = json.loads(path.read_text(encoding="utf-8"))
        for cell in doc["cells"]:
            assert not cell.get("outputs"), f"{path.name} is committed with outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_SAMPLE", str(SAMPLE))
    monkeypatch.setenv("WORKBENCH_WORK", str(tmp_path / "work"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = json.dumps(outputs)
    if path.stem.startswith("01"):
        assert "calls_2019-04_06.csv" in text and "R001" in text
        assert "application/vnd.jupyter.widget-view+json" in text  # the Explorer
    if path.stem.startswith("04"):
        assert "planted switches found: 7/7" in text
    if path.stem.startswith("05"):
        assert "regional rings: ['R11']" in text and "meeting ring" in text
    if path.stem.startswith("03"):
        assert (tmp_path / "work" / "share").is_dir()
        assert len(list((tmp_path / "work" / "share").glob("*.html"))) == 1
