"""The fused graph from hand-built layer tables: node numbering, edge order, measures."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.engine import DuckDBEngine
from workbench.errors import EngineError
from workbench.evidence import Layers, LinkParams
from workbench.evidence.services import number_pairs
from workbench.graph import build_graph

NUMBER = "+8613800000009"

#: name -> rows of a layer or node table (SQL VALUES), with its columns
TABLES = {
    "_l_calls": ("u, v, n_calls, duration_s, n_night, n_short",
                 f"('P1', 'P2', 4, 100, 2, 0), ('{NUMBER}', 'P2', 1, 30, 0, 1)"),
    "_l_money": ("u, v, n_tx, n_uv, n_vu, total_uv, total_vu",
                 "('P1', 'P3', 2, 2, 0, 10.50::DECIMAL(38,2), 0::DECIMAL(38,2)), "
                 "('P1', 'P2', 1, 0, 1, 0::DECIMAL(38,2), 5.00::DECIMAL(38,2))"),
    "_l_coarrest": ("u, v, n_cases, n_trafficking_cases", "('P2', 'P3', 1, 1)"),
    "_l_kinship": ("u, v", "('P1', 'P3')"),
    "_l_shared": ("u, v", "('P0', 'P1')"),
    # the second pair met no more than its cell explains: evidence, no link
    "_l_copresence": ("u, v, n_meet, n_cell, weight",
                      "('P1', 'P3', 3, 1, 2.0), ('P2', 'P3', 1, 1, 5.0)"),
    "_services": ("kind, id", "('account', 'A9')"),
    "_own_phones": ("id, person_id", "('13900000001', 'P1')"),
    "_own_accounts": ("id, person_id", "('A9', 'P3')"),
    "_arrests_w": ("person_id, drug_related, trafficking", "('P2', TRUE, TRUE), "
                   "('P2', TRUE, FALSE), ('P7', TRUE, TRUE)"),
    "_persons": ("person_id", "('P1'), ('P2'), ('P3')"),
}


def _layers(engine, **changed) -> Layers:
    handles = {}
    for name, (columns, rows) in {**TABLES, **changed}.items():
        handles[name] = engine.materialize(
            name, f"SELECT * FROM (VALUES {rows}) t({columns})")
    return Layers(LinkParams(), engine=engine, handles=handles)


def test_nodes_edges_and_measures_of_a_hand_built_case():
    with DuckDBEngine.over_parquet({}, "UTC") as engine:
        g = build_graph(None, _layers(engine))
    # nodes in the ids' order, edges in the order of their ends' numbers
    assert g.ids.tolist() == [NUMBER, "P0", "P1", "P2", "P3"]
    pairs = [(g.ids[a], g.ids[b]) for a, b in zip(g.u, g.v, strict=True)]
    assert pairs == [(NUMBER, "P2"), ("P0", "P1"), ("P1", "P2"), ("P1", "P3"), ("P2", "P3")]
    m = g.measures
    assert m["n_calls"].tolist() == [1, 0, 4, 0, 0]
    assert m["n_night"].tolist() == [0, 0, 2, 0, 0]
    assert m["n_tx"].tolist() == [0, 0, 1, 2, 0]
    assert m["total_uv"].tolist() == [0.0, 0.0, 0.0, 10.5, 0.0]
    assert m["total_vu"].tolist() == [0.0, 0.0, 5.0, 0.0, 0.0]
    assert m["n_trafficking_cases"].tolist() == [0, 0, 0, 0, 1]
    assert m["kin"].tolist() == [0, 0, 0, 1, 0] and m["shared"].tolist() == [0, 1, 0, 0, 0]
    assert m["n_meet"].tolist() == [0, 0, 0, 2, 0]
    assert all(a.dtype == (np.float64 if k in ("total_uv", "total_vu", "meet_weight")
                           else np.int64) for k, a in m.items())
    assert g.strength["calls"][2] == pytest.approx(np.log1p(4) * (0.25 + 0.75 * 2 / 8))
    assert g.strength["coarrest"].tolist() == [0.0, 0.0, 0.0, 0.0, 1.0]
    assert g.strength["copresence"][3] == pytest.approx(np.log1p(2.0))
    # per node: arrests (P7 is in no link), known persons, services and their holders
    assert g.node["drug_arrests"].tolist() == [0, 0, 0, 2, 0]
    assert g.node["trafficking_arrests"].tolist() == [0, 0, 0, 1, 0]
    assert g.node["known_person"].tolist() == [0, 0, 1, 1, 1]
    assert g.node["number_only"].tolist() == [1, 0, 0, 0, 0]
    assert g.node["service"].tolist() == [0, 0, 0, 0, 1]


def test_a_layer_that_repeats_a_pair_is_refused():
    calls = TABLES["_l_calls"]
    with DuckDBEngine.over_parquet({}, "UTC") as engine:
        layers = _layers(engine, _l_calls=(calls[0], calls[1] + ", ('P1', 'P2', 1, 1, 0, 0)"))
        with pytest.raises(EngineError, match="holds a pair twice"):
            build_graph(None, layers)


def test_node_numbers_follow_the_engines_order_for_any_script():
    """Nodes are numbered by Arrow, in the order DuckDB's ``ORDER BY`` gives the same ids
    (bytes, no collation): Chinese names, accents composed or not, case, digits as text,
    an empty id; a missing end is no node (-1) and sorts last."""
    import duckdb
    import pyarrow as pa

    from workbench.graph.fused import _numbered

    ids = ["张伟", "王芳", "É", "E\u0301", "e", "E", "P10", "P9", "+8613800000000", "acct:6222",
           "", " P1", "P1 ", "🙂"]
    a = pa.chunked_array([pa.array(ids[::2] + [None])])
    b = pa.chunked_array([pa.array(ids[1::2] + ["P9"])])
    numbered, (at_a, at_b) = _numbered([a, b])
    expected = [r[0] for r in duckdb.sql(
        "SELECT DISTINCT x FROM unnest(?::VARCHAR[]) t(x) ORDER BY x", params=[ids]).fetchall()]
    assert numbered.to_pylist() == [*expected, None]
    assert [numbered[i].as_py() for i in at_b.tolist()] == ids[1::2] + ["P9"]
    assert at_a.tolist()[-1] == -1 and at_a.tolist()[:-1] == [expected.index(x) for x in ids[::2]]


def _pairs_layers(engine, pairs: str, owners: str) -> Layers:
    """Layers whose calls layer is numbers' pairs with their owners (as build_layers makes
    them when every number keeps one owner), the other layers from :data:`TABLES`; pairs
    with ``n`` calls, night and short calls and duration (``n_uv`` is not read)."""
    from workbench.evidence.links import calls_layer_from_pairs

    layers = _layers(engine, _own_phones=("id, person_id", owners))
    h = layers.handles
    h["_phone_pairs"] = engine.materialize("_phone_pairs", "SELECT * FROM (VALUES "
                                           f"{pairs}) t(u, v, n, n_night, n_short, duration_s)")
    h["_l_calls"] = engine.materialize("_l_calls", *calls_layer_from_pairs(
        h["_phone_pairs"], h["_own_phones"]), transient=True)
    layers.calls_pairs = (h["_l_calls"], h["_phone_pairs"], h["_own_phones"],
                          number_pairs(engine, h["_phone_pairs"]))
    return layers


def _same_graph(a, b) -> bool:
    return (a.ids.tolist() == b.ids.tolist() and np.array_equal(a.u, b.u)
            and np.array_equal(a.v, b.v) and np.array_equal(a.weight, b.weight)
            and all(np.array_equal(x[k], y[k]) and x[k].dtype == y[k].dtype
                    for x, y in ((a.measures, b.measures), (a.node, b.node)) for k in x))


def test_calls_read_from_the_numbers_pairs_sum_a_persons_numbers():
    """P1 holds two numbers: their calls with P2 are one link (summed), the calls between
    them none; an unowned number stands for itself. The same graph as the layer's SQL."""
    import dataclasses

    a, b, c = "+8613800000001", "+8613800000002", "+8613800000003"
    pairs = (f"('{a}', '{c}', 3, 1, 0, 100), ('{b}', '{c}', 2, 0, 2, NULL), "
             f"('{a}', '{b}', 9, 9, 9, 900), ('{NUMBER}', '{a}', 1, 0, 1, 5)")
    owners = f"('{a}', 'P1'), ('{b}', 'P1'), ('{c}', 'P2')"
    with DuckDBEngine.over_parquet({}, "UTC") as engine:
        layers = _pairs_layers(engine, pairs, owners)
        assert layers.calls_pairs[3] is not None  # no fallback
        g = build_graph(None, layers)
        sql = build_graph(None, dataclasses.replace(layers, calls_pairs=None))
    assert _same_graph(g, sql)
    at = {(g.ids[x], g.ids[y]): e for e, (x, y) in enumerate(zip(g.u, g.v, strict=True))}
    assert g.measures["n_calls"][at["P1", "P2"]] == 5
    assert g.measures["duration_s"][at["P1", "P2"]] == 100
    assert g.measures["n_short"][at["P1", "P2"]] == 2
    assert g.measures["n_calls"][at[NUMBER, "P1"]] == 1
    assert sum(g.measures["n_calls"]) == 6  # the calls between P1's own numbers: no link


def test_calls_from_pairs_match_the_layers_sql_on_fuzzed_cases():
    """Random numbers' pairs and owners (persons with several numbers, numbers nobody
    holds, a number written like a person id): the graph read from the pairs is the graph
    read from the calls layer's SQL, array for array."""
    import dataclasses

    rng = np.random.default_rng(7)
    for _ in range(12):
        numbers = [f"+86138{i:08d}" for i in range(int(rng.integers(2, 30)))] + ["P3"]
        persons = [f"P{i}" for i in range(int(rng.integers(1, 8)))]
        owned = rng.random(len(numbers)) < 0.7
        owners = ", ".join(f"('{x}', '{persons[int(rng.integers(len(persons)))]}')"
                           for x, o in zip(numbers, owned, strict=True) if o)
        seen, rows = set(), []
        for _ in range(int(rng.integers(1, 60))):
            x, y = sorted(rng.choice(len(numbers), 2, replace=False).tolist())
            if (x, y) in seen:
                continue
            seen.add((x, y))
            n = int(rng.integers(1, 9))
            dur = "NULL" if rng.random() < 0.2 else str(int(rng.integers(0, 500)))
            rows.append(f"('{numbers[x]}', '{numbers[y]}', {n}, {int(rng.integers(0, n + 1))}, "
                        f"{int(rng.integers(0, n + 1))}, {dur})")
        with DuckDBEngine.over_parquet({}, "UTC") as engine:
            layers = _pairs_layers(engine, ", ".join(rows),
                                   owners or "('+0', 'P0')")
            g = build_graph(None, layers)
            sql = build_graph(None, dataclasses.replace(layers, calls_pairs=None))
        assert _same_graph(g, sql) and g.m > 0
