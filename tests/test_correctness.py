"""Fixes found by reading the code (issue 8): each test fails without its fix."""

from __future__ import annotations

import hashlib
import random
import subprocess

import igraph as ig
import networkx as nx
import numpy as np
import pytest

from workbench.analysis.network import centrality_table
from workbench.case.facade import Case
from workbench.graph.leiden import leiden
from workbench.store.database import KINDS, PRESENCE_KINDS, Store
from workbench.views.snapshot import write_snapshot

from .cases import PHONE, build_known_case
from .conftest import WORKBENCH


@pytest.fixture(scope="module")
def known_case(tmp_path_factory) -> Case:
    return build_known_case(tmp_path_factory.mktemp("known"))


def test_money_amounts_stay_exact(tmp_path):
    (tmp_path / "accounts.csv").write_text("account_id,person_id\nA1,P1\nA2,P2\nA3,P3\n")
    (tmp_path / "persons.csv").write_text("person_id,name\nP1,a\nP2,b\nP3,c\n")
    (tmp_path / "transactions.csv").write_text(
        "from_account,to_account,amount,occurred_at\n"
        "A1,A2,\"12,345,678.91\",2019-04-01 10:00\nA3,A2,0.07,2019-04-02 10:00\n"
        "A3,A2,0.01,2019-04-03 10:00\n")
    case = Case(tmp_path / "case.duckdb")
    case.ingest([tmp_path])
    graph, _ = case.graph()
    totals = {(graph.ids[a], graph.ids[b]): (x, y) for a, b, x, y in zip(
        graph.u, graph.v, graph.measures["total_uv"], graph.measures["total_vu"], strict=True)}
    assert totals[("P1", "P2")] == (12345678.91, 0.0)
    assert round(float(sum(totals[("P2", "P3")])), 2) == 0.08


def test_one_rule_for_who_owns_a_number(tmp_path):
    """P1 used the number until January and again from March (two rows, one open start):
    the links and the call stream both give January's call to P1."""
    (tmp_path / "persons.csv").write_text("person_id,name\nP1,a\nP2,b\n")
    (tmp_path / "phones.csv").write_text(
        "phone,person_id,since,until\n13900000001,P1,,2019-01-31\n"
        "13900000001,P1,2019-03-01,\n13900000002,P2,,\n")
    (tmp_path / "calls.csv").write_text(
        "caller,callee,started_at,duration_s\n13900000001,13900000002,2019-01-15 10:00,60\n"
        "13900000001,13900000002,2019-01-16 10:00,60\n")
    case = Case(tmp_path / "case.duckdb")
    case.ingest([tmp_path])
    graph, _ = case.graph()
    assert {"P1", "P2"} <= set(graph.ids)
    hops = case.temporal_path("P1", "P2")
    assert hops and hops[0]["from"] == "P1"


@pytest.mark.slow
def test_rank_and_disruption_use_the_graph_asked_for(known_case):
    full = known_case.rank(top=None).set_index("person_id")
    graph, _ = known_case.graph()
    cut = float(np.quantile(graph.weight, 0.5))
    thin = known_case.rank(top=None, min_weight=cut).set_index("person_id")
    kept = graph.edges_at_least(cut)
    strength = np.zeros(graph.n)
    np.add.at(strength, kept.u, kept.weight)
    np.add.at(strength, kept.v, kept.weight)
    assert thin.loc["A", "strength"] == pytest.approx(strength[graph.index("A")], abs=1e-3)
    assert thin.loc["A", "strength"] < full.loc["A", "strength"]
    ring = next(r for r in known_case.rings().rings if set(r.members) == set("ABC"))
    with_money = known_case.disruption(ring.id)
    assert with_money["money_cut"].max() > 0
    calls_ring = next(r for r in known_case.rings(layers=["calls"]).rings
                      if "A" in r.members)
    calls_only = known_case.disruption(calls_ring.id, layers=["calls"])
    assert calls_only["money_cut"].max() == 0


def test_fingerprint_is_a_stable_digest(known_case):
    with Store(known_case.path, read_only=True) as store:
        parts = []
        for kind in KINDS:
            hashes = [int(h) for (h,) in store.con.execute(
                f"SELECT _row_hash FROM {kind}").fetchall()]
            xor = 0
            for h in hashes:
                xor ^= h
            if hashes or kind not in PRESENCE_KINDS:  # older stores print as before
                parts.append(f"{kind}:{len(hashes)}:{xor}")
        expected = hashlib.md5("|".join(parts).encode()).hexdigest()
        assert store.compute_fingerprint() == expected


def test_leiden_gives_back_the_callers_generator():
    g = ig.Graph.Famous("Zachary")
    u = np.array([e[0] for e in g.get_edgelist()])
    v = np.array([e[1] for e in g.get_edgelist()])
    ig.set_random_number_generator(random.Random(5))
    leiden(g.vcount(), u, v, objective="modularity", resolution=1.0, seed=1)
    after = ig.Graph.Erdos_Renyi(n=30, m=40).get_edgelist()
    ig.set_random_number_generator(random.Random(5))
    fresh = ig.Graph.Erdos_Renyi(n=30, m=40).get_edgelist()
    ig.set_random_number_generator(random)
    assert after == fresh


def test_centrality_leaves_the_graph_alone():
    graph = nx.Graph()
    graph.add_edge("a", "b", weight=2.0)
    graph.add_edge("b", "c", weight=1.0)
    table = centrality_table(graph)
    assert table.iloc[0]["node"] == "b"
    assert all(set(d) == {"weight"} for _, _, d in graph.edges(data=True))


def test_verify_unknown_request_key_is_one_line(known_case, tmp_path, cli_env):
    page = write_snapshot(known_case.view(ring=known_case.rings().rings[0].id), tmp_path / "s.html")
    text = page.read_text(encoding="utf-8")
    assert '"request": {' in text
    page.write_text(text.replace('"request": {', '"request": {"bogus": 1, ', 1),
                    encoding="utf-8")
    out = subprocess.run([*WORKBENCH, "verify", "--db", str(known_case.path), str(page)],
                         capture_output=True, text=True, env=cli_env)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "'bogus'" in out.stdout + out.stderr


def test_unknown_ids_and_names(known_case, cli_env):
    from workbench.errors import WorkbenchError

    with pytest.raises(WorkbenchError, match="'P999999'"):
        known_case.call_views(["P999999"])
    with pytest.raises(WorkbenchError, match="'nobody'"):
        known_case.centrality(["nobody"])
    assert known_case.resolve(PHONE["A"]) == "A"
    out = subprocess.run([*WORKBENCH, "calls", "--db", str(known_case.path), "P999999"],
                         capture_output=True, text=True, env=cli_env)
    assert out.returncode != 0 and out.stderr.count("\n") == 1
