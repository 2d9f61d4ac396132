"""Key players kept in the store, and the sampled betweenness behind them (issue 18 part 9).

Known answers on small hand-built graphs; speed is measured in ``benchmarks/followup.py``.
"""

from __future__ import annotations

import dataclasses

import duckdb
import networkx as nx
import numpy as np
import pandas as pd

from workbench.analysis.players import sampled_betweenness
from workbench.case.cache import data_token
from workbench.case.facade import Case
from workbench.graph.fused import CaseGraph

from .cases import build_known_case


def _players_rows(db) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM analysis_cache WHERE kind = 'players'"
                           ).fetchone()[0]
    finally:
        con.close()


def test_rank_after_rings_reads_the_kept_key_players(tmp_path):
    """``rank`` keeps the key players in the store; a later ``rank`` in a new process (a new
    Case: nothing in memory) reads them back instead of computing them again."""
    case = build_known_case(tmp_path)
    db = case.state.path
    case.rings()
    first = case.rank(top=None)
    assert _players_rows(db) == 1
    assert first.attrs["betweenness"]["exact"]  # a small case: every node is a source
    later = Case(db)
    again = later.rank(top=None)
    assert "players" in later.state.cache.hits  # read from the store, not recomputed
    assert _players_rows(db) == 1
    pd.testing.assert_frame_equal(first, again)
    assert again.attrs["betweenness"] == first.attrs["betweenness"]


def test_a_logged_snapshot_keeps_what_was_kept(tmp_path):
    """A snapshot or export logs itself in the audit trail; that is not data, so the kept
    analysis stays valid (it was thrown away, and the next ``path`` or ``rings`` redid it);
    a note, which is data, still changes the token."""
    from workbench.store import add_note

    case = build_known_case(tmp_path)
    db = case.state.path
    case.rings()
    with case.open() as store:
        before = data_token(store)
    case.log_action("snapshot", {"file": "ring.html"})
    with case.open() as store:
        assert data_token(store) == before
    later = Case(db)
    later.rings()
    assert "rings" in later.state.cache.hits
    with case.open(write=True) as store:
        add_note(store.con, "A", "person", "seen at the market")
    with case.open() as store:
        assert data_token(store) != before


def _karate() -> tuple[CaseGraph, nx.Graph]:
    nxg = nx.karate_club_graph()
    edges = np.array(sorted(nxg.edges()))
    weight = np.ones(len(edges))  # costs 1: no float ties between path lengths
    g = CaseGraph(ids=np.array([str(i) for i in nxg.nodes], dtype=object), u=edges[:, 0],
                  v=edges[:, 1], weight=weight, strength={}, measures={})
    return g, nxg


def test_sampled_betweenness_is_exact_on_a_small_graph():
    """Zachary's karate club fits the budget: every node is a source, and the value is the
    betweenness networkx computes (links of equal strength: hop counts)."""
    g, nxg = _karate()
    between, params = sampled_betweenness(g)
    assert params["exact"] and params["sources"] == 34
    want = nx.betweenness_centrality(nxg, normalized=False)
    assert np.allclose(between, [want[i] for i in nxg.nodes])


def test_sampled_betweenness_agrees_with_the_exact_top():
    """Forced to a third of the sources, the estimate still names the club's two leaders
    (instructor 0 and president 33, the exact top two) as its top brokers, whatever the
    seed, and reports what it did."""
    g, _nxg = _karate()
    exact, _ = sampled_betweenness(g)
    top = set(np.argsort(-exact)[:2].tolist())
    assert top == {0, 33}
    for seed in range(5):
        between, params = sampled_betweenness(g, seed=seed, budget=0, least=12)
        assert params["sources"] == 12 and not params["exact"]
        assert set(np.argsort(-between)[:2].tolist()) == top


def _kept(db) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.execute("SELECT kind, count(*) FROM analysis_cache GROUP BY kind"
                                ).fetchall())
    finally:
        con.close()


def test_a_view_sizes_nodes_by_key_players_and_keeps_the_betweenness(tmp_path):
    """Without filters a view's node scores are ``rank``'s own; under other weights they
    follow the filtered rings and strengths, with the window's betweenness (kept in the
    store once per graph: a later process ranking with other ring options reads it)."""
    from workbench.graph import LayerWeights

    case = build_known_case(tmp_path)
    db = case.state.path
    ring = case.rings().rings[0]
    plain_view = case.view(ring=ring.id)
    players = case.rank(top=None)
    score = dict(zip(players["person_id"], players["score"], strict=True))
    assert {n: d["score"] for n, d in plain_view.graph.nodes(data=True)} == {
        n: float(score.get(n, 0.0)) for n in plain_view.graph.nodes}
    assert "node_scores" not in plain_view.meta
    heavy = LayerWeights(money=3.0)
    weighted = case.view(ring=ring.id, weights=heavy)
    assert "window" in weighted.meta["node_scores"]["betweenness"]
    filtered = case.rank(top=None, weights=heavy)  # rank itself stays exact under filters
    assert filtered.attrs["betweenness"]["exact"]
    assert _kept(db)["betweenness"] == 2  # one per graph: default and heavier money
    later = Case(db)
    later.rank(top=None, min_size=2)  # another ring search on the same graph
    assert "betweenness" in later.state.cache.hits


def test_explorer_changes_search_once_and_keep_their_analysis_for_later(tmp_path):
    """A filter change that makes a new graph runs one search: the view shows the
    refresh's result (not a second search warm-started from it); what the change computed
    waits in memory and reaches the store with the next write, not on the interaction
    path."""
    from workbench.explorer.widget import Explorer

    case = build_known_case(tmp_path)
    db = case.state.path
    explorer = Explorer(case, out_dir=tmp_path / "exports")
    kept = _kept(db)
    explorer.weights["money"].value = 3.0
    assert [r["run_id"] for r in explorer.view.meta["rings"]] == [
        r.id for r in explorer.result.rings if set(r.members) & set(explorer.view.graph)]
    warm = [k for k in case.state.results if k[2].warm]
    assert warm and all(case.state.results[k] is case.state.results[
        (k[0], k[1], dataclasses.replace(k[2], warm=False))] for k in warm)
    assert _kept(db) == kept and case.state.cache.pending  # nothing written yet
    with case.open(write=True):
        pass
    assert not case.state.cache.pending and _kept(db)["rings"] > kept["rings"]


def test_kept_payloads_are_packed_and_old_ones_still_read(tmp_path):
    """Payloads are Zstandard-packed; a payload kept before packing, or packed with LZ4 as
    before, reads as it is; a copied result is the same document as a deep copy; a graph
    kept without its strengths and weights (its measures give them) reads back bit for
    bit."""
    import copy
    import io

    import pyarrow as pa

    from workbench.case.cache import (
        copy_result,
        graph_bytes,
        graph_from_bytes,
        pack,
        result_bytes,
        unpack,
    )

    case = build_known_case(tmp_path)
    result = case.rings()
    raw = result_bytes(result)
    assert len(pack(raw * 50)) < len(raw * 50) / 10 and unpack(pack(raw)) == raw
    assert unpack(raw) == raw
    lz4 = b"WBLZ4\0" + len(raw).to_bytes(8, "little") + pa.compress(raw, codec="lz4",
                                                                    asbytes=True)
    assert unpack(lz4) == raw
    assert result_bytes(copy_result(result)) == result_bytes(copy.deepcopy(result)) == raw
    graph, info = case.graph()
    payload = graph_bytes(graph, info)
    assert "strength.calls" not in np.load(io.BytesIO(payload)).files
    back, _info = graph_from_bytes(payload)
    for name in ("ids", "u", "v", "weight"):
        assert np.array_equal(getattr(back, name), getattr(graph, name))
    for group in ("strength", "measures", "node"):
        a, b = getattr(graph, group), getattr(back, group)
        assert list(a) == list(b) and all(np.array_equal(a[k], b[k]) for k in a)
        assert all(np.asarray(a[k]).dtype == b[k].dtype for k in a)
    assert back.weight.sum() > 0 and back.weights == graph.weights
    # an all-zero array left out of the payload comes back in its place (an export lists
    # the measures in the graph's order: the same file from a kept graph as from a new one)
    zeroed = dict(graph.measures)
    middle = list(zeroed)[len(zeroed) // 2]
    zeroed[middle] = np.zeros_like(zeroed[middle])
    node = {k: np.zeros_like(np.asarray(a)) for k, a in graph.node.items()}
    graph = dataclasses.replace(graph, measures=zeroed, node=node)
    back, _info = graph_from_bytes(graph_bytes(graph, info))
    assert list(back.measures) == list(graph.measures) and list(back.node) == list(graph.node)


def test_slimmed_arrays_read_back_bit_for_bit():
    """A kept graph leaves out arrays whose bytes are all zero and narrows integers; both
    come back as they were: the dtype, the length, negative values, a -0.0 (not all-zero
    bytes, so kept), an empty array, values at the ends of int64."""
    from workbench.case.cache import _slim, _unslim

    rng = np.random.default_rng(7)
    arrays = {
        "zeros_int": np.zeros(5, dtype=np.int64), "zeros_float": np.zeros(4),
        "neg_zero": np.array([0.0, -0.0, 0.0]), "small": np.array([3, -2, 0], dtype=np.int64),
        "ids": np.array([0, 66_668, 70_000], dtype=np.int64), "empty": np.zeros(0, np.int64),
        "ends": np.array([np.iinfo(np.int64).min, np.iinfo(np.int64).max]),
        "floats": rng.random(6), "flags": np.array([0, 1, 1, 0], dtype=np.int64),
    }
    kept, how = _slim(dict(arrays))
    assert "zeros_int" not in kept and "zeros_float" not in kept and "neg_zero" in kept
    assert kept["small"].itemsize <= 2 and kept["ids"].dtype == np.uint32
    assert kept["flags"].dtype == np.uint8 and kept["ends"].dtype == np.int64
    back = _unslim(dict(kept), how)
    assert set(back) == set(arrays)
    for name, arr in arrays.items():
        assert back[name].dtype == arr.dtype and back[name].tobytes() == arr.tobytes(), name


_TOKEN_SCRIPT = """
import sys
from workbench.case.cache import data_token
from workbench.store.database import Store
with Store(sys.argv[1], read_only=True) as store:
    print(data_token(store))
"""


def test_a_result_kept_by_other_code_is_not_read(tmp_path):
    """The kept analysis is keyed by the workbench's own code too: after an upgrade (here a
    copy of the package with one line added) the same store gives another token, so the
    older version's rings are not returned as the newer one's; the same code, the same
    token."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    import workbench

    (tmp_path / "case").mkdir()
    case = build_known_case(tmp_path / "case")
    db = case.state.path
    case.rings()
    package = Path(workbench.__file__).parent
    copy = tmp_path / "code"
    shutil.copytree(package, copy / "workbench",
                    ignore=shutil.ignore_patterns("__pycache__"))

    def token() -> str:
        out = subprocess.run([sys.executable, "-c", _TOKEN_SCRIPT, str(db)], check=True,
                             capture_output=True, text=True, cwd=tmp_path,
                             env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"})
        return out.stdout.strip()

    first, again = token(), token()
    assert first == again and len(first) == 32
    with (copy / "workbench" / "rings" / "scoring.py").open("a") as f:
        f.write("\n# a fix in the scoring\n")
    assert token() != first
