"""Key players kept in the store, and the sampled betweenness behind them (issue 18 part 9).

Known answers on small hand-built graphs; speed is measured in ``benchmarks/followup.py``.
"""

from __future__ import annotations

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
