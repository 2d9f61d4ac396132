"""Reproducing shared snapshots: ``workbench verify`` re-runs a snapshot's request on a store."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from workbench.explorer.widget import Explorer
from workbench.views.reproduce import read_snapshot, verify_snapshot
from workbench.views.snapshot import write_snapshot

from .cases import PHONE, build_known_case
from .test_cli import run


def _known(tmp_path):
    d = tmp_path / "case"
    d.mkdir()
    return build_known_case(d), d


def _ring_with(case, member: str) -> str:
    return next(r.id for r in case.rings().rings if member in r.members)


@pytest.mark.slow
def test_verify_reproduces_plain_and_redacted_snapshots(tmp_path, cli_env):
    case, d = _known(tmp_path)
    ring = _ring_with(case, "X")
    db = d / "case.duckdb"
    for extra in ([], ["--redact"]):
        out = tmp_path / f"s{len(extra)}.html"
        res = run(["snapshot", "--db", db, "--out", out, "--ring", ring, *extra], cli_env)
        assert res.returncode == 0, res.stderr
        res = run(["verify", "--db", db, out, "--json"], cli_env)
        assert res.returncode == 0, res.stdout + res.stderr
        report = json.loads(res.stdout)
        assert report["same_data"] and report["reproduced"]
        assert report["redacted"] == bool(extra)
        if extra:  # the digest and request give nothing away
            assert PHONE["X"] not in out.read_text(encoding="utf-8")
    out = tmp_path / "person.html"
    assert run(["snapshot", "--db", db, "--out", out, "--person", "A", "--hops", "2"],
               cli_env).returncode == 0
    res = run(["verify", "--db", db, out], cli_env)
    assert res.returncode == 0 and "reproduced" in res.stdout and "same" in res.stdout


@pytest.mark.slow
def test_verify_names_changed_data(tmp_path, cli_env):
    case, d = _known(tmp_path)
    ring = _ring_with(case, "X")
    out = tmp_path / "s.html"
    write_snapshot(case.view(ring=ring), out)
    later = tmp_path / "later.duckdb"
    shutil.copy(d / "case.duckdb", later)
    extra = tmp_path / "more" / "calls.csv"
    extra.parent.mkdir()
    extra.write_text("caller,callee,started_at,duration_s\n"
                     f"{PHONE['X']},{PHONE['Y']},2019-06-01 23:10:00,40\n")
    assert run(["ingest", "--db", later, extra], cli_env).returncode == 0
    res = run(["verify", "--db", later, out], cli_env)
    assert res.returncode == 1
    assert "CHANGED" in res.stdout and "calls:" in res.stdout
    assert "NOT reproduced (the data changed since the snapshot)" in res.stdout
    res = run(["verify", "--db", d / "case.duckdb", out], cli_env)
    assert res.returncode == 0  # the original store still reproduces it


@pytest.mark.slow
def test_verify_catches_an_altered_snapshot(tmp_path, cli_env):
    case, _d = _known(tmp_path)
    ring = _ring_with(case, "X")
    out = tmp_path / "s.html"
    write_snapshot(case.view(ring=ring), out)
    text = out.read_text(encoding="utf-8")
    digest = read_snapshot(out)["meta"]["digest"]
    out.write_text(text.replace(digest, "0" * 64), encoding="utf-8")
    report = verify_snapshot(case, out)
    assert report["same_data"] and not report["reproduced"]
    assert "same data, different result" in report["reason"]
    # a member dropped from the picture (the request is intact, the result is not)
    out.write_text(text, encoding="utf-8")
    data = read_snapshot(out)
    vm = case.view(ring=ring)
    vm.graph.remove_node("Y")
    write_snapshot(vm, out)
    report = verify_snapshot(case, out)
    assert not report["reproduced"] and not report["same_digest"]
    assert data["meta"]["request"] == {"ring": ring, "max_nodes": 2000}
    # the file edited by hand after it was written: a name changed in the data block
    text_name = text.replace('"Name Y"', '"Someone else"')
    assert text_name != text
    out.write_text(text_name, encoding="utf-8")
    report = verify_snapshot(case, out)
    assert report["same_digest"] and not report["same_content"] and not report["reproduced"]
    assert report["reason"] == "the file shows something other than its recorded result"


@pytest.mark.slow
def test_verify_refuses_what_is_not_a_snapshot(tmp_path, cli_env):
    case, d = _known(tmp_path)
    page = tmp_path / "page.html"
    page.write_text("<html><body>hello</body></html>")
    res = run(["verify", "--db", d / "case.duckdb", page], cli_env)
    assert res.returncode == 1
    assert res.stderr.strip().splitlines() == [f"error: {page}: not a workbench snapshot "
                                               "(no data block)"]


@pytest.mark.slow
def test_explorer_snapshot_reproduces_with_its_filters(tmp_path):
    case, _d = _known(tmp_path)
    explorer = Explorer(case, out_dir=tmp_path / "exports")
    explorer.layers["kinship"].value = False
    explorer.weights["money"].value = 2.0
    explorer.size.value = (3, 6)
    explorer.snapshot_button.click()
    written = sorted((tmp_path / "exports").glob("*.html"))
    assert len(written) == 1
    meta = read_snapshot(written[0])["meta"]
    assert meta["request"]["layers"] == ["calls", "money", "coarrest", "shared", "copresence"]
    assert meta["request"]["weights"]["money"] == 2.0
    assert re.fullmatch(r"[0-9a-f]{64}", meta["digest"])
    report = verify_snapshot(case, written[0])
    assert report["reproduced"], report
    # the same snapshot does not come out of the default parameters
    meta_default = case.view(ring=meta["request"].get("ring"))
    assert meta_default.meta["digest"] != meta["digest"]
