"""The suspicious-subgraph cut (workbench/cut.py) on a hand-built case with known answers.

The case: a ring A, B, C (short calls at night among all three; B pays A; A arrested); C's
daytime friend D, D's friend E, E's friend F (a chain: 1, 2 and 3 hops out of the ring);
a far-away ordinary component O1-O4 (long daytime calls, single transfers); night-shift
coworkers K1, K2 (long calls at night: one signal alone); the service number 95338, called
by A and by twenty unregistered numbers that know nobody else.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess

import pyarrow.parquet as pq
import pytest

from workbench.case.facade import Case
from workbench.engine import DuckDBEngine
from workbench.errors import CutError
from workbench.evidence.links import LinkParams, build_layers
from workbench.scale.cut import CutParams, cut_layers
from workbench.scale.spark_stage import run_heavy_stage
from workbench.store.database import Store

from .conftest import WORKBENCH

T0 = dt.datetime(2019, 3, 1)
PERSONS = ["A", "B", "C", "D", "E", "F", "O1", "O2", "O3", "O4", "K1", "K2"]
PHONE = {p: f"1380000{i:04d}" for i, p in enumerate(PERSONS)}
SERVICE = "95338"
CUSTOMERS = [f"1390000{i:04d}" for i in range(20)]
RING = {"A", "B", "C"}


def _calls(rows, a, b, n, hour, seconds):
    for k in range(n):
        t = T0 + dt.timedelta(days=2 * k, hours=hour, minutes=k)
        src, dst = (a, b) if k % 2 else (b, a)
        rows.append(f"{src},{dst},{t:%Y-%m-%d %H:%M:%S},{seconds}")


def _build(d):
    p = PHONE
    calls = []
    for a, b in [("A", "B"), ("B", "C"), ("A", "C")]:
        _calls(calls, p[a], p[b], 10, 23, 30)  # ring-like: short, at night
    for a, b in [("C", "D"), ("D", "E"), ("E", "F")]:
        _calls(calls, p[a], p[b], 5, 14, 400)
    for a, b in [("O1", "O2"), ("O2", "O3"), ("O3", "O4"), ("O4", "O1")]:
        _calls(calls, p[a], p[b], 6, 15, 500)
    _calls(calls, p["K1"], p["K2"], 6, 23, 900)  # night shift: long calls at night
    for number in [p["A"], *CUSTOMERS]:
        for k in range(2):  # always towards the service, daytime, short
            t = T0 + dt.timedelta(days=k + 1, hours=10, minutes=k)
            calls.append(f"{number},{SERVICE},{t:%Y-%m-%d %H:%M:%S},40")
    (d / "calls.csv").write_text("caller,callee,started_at,duration_s\n" + "\n".join(calls))
    (d / "persons.csv").write_text("person_id,name\n" + "\n".join(
        f"{x},Name {x}" for x in PERSONS))
    (d / "phones.csv").write_text("phone,person_id\n" + "\n".join(
        f"{n},{x}" for x, n in PHONE.items()))
    (d / "accounts.csv").write_text("account_id,person_id\n" + "\n".join(
        f"ACC{x},{x}" for x in PERSONS))
    tx = [f"TBA{k},ACCB,ACCA,{5000 + k},2019-03-{10 + k} 11:00:00" for k in range(4)]
    tx += [f"T{a}{b},ACC{a},ACC{b},300,2019-04-02 12:00:00"
           for a, b in [("O1", "O2"), ("O2", "O3"), ("O3", "O4"), ("D", "E")]]
    (d / "transactions.csv").write_text(
        "tx_id,from_account,to_account,amount,occurred_at\n" + "\n".join(tx))
    (d / "arrests.csv").write_text(
        "person_id,arrested_at,case_id,charge\nA,2019-05-20 10:00,AJ9,贩卖毒品\n")
    case = Case(d / "case.duckdb")
    case.ingest([d])
    return case.path


@pytest.fixture(scope="module")
def cut_db(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("cut"))


def _kept(engine, params):
    layers = build_layers(engine, LinkParams(), copresence=False)
    cut = cut_layers(engine, dict(layers.handles), params)
    nodes = {r["id"] for r in engine.fetch_rows(f"SELECT id FROM {cut.kept}")}
    return layers, cut, nodes


def _pairs(handle):
    return sorted((r["u"], r["v"]) for r in handle.engine.fetch_rows(
        f"SELECT u, v FROM {handle}"))


@pytest.fixture
def duck(cut_db):
    with Store(cut_db, read_only=True) as store:
        eng = DuckDBEngine.for_store(store)
        yield eng
        eng.close()


def test_two_hops_keep_the_ring_and_its_chain_not_the_far_component(duck):
    layers, cut, nodes = _kept(duck, CutParams(hops=2))
    assert [h["id"] for h in layers.hubs] == [SERVICE]  # the case's service, detected
    assert nodes == RING | {"D", "E", SERVICE}
    p = cut.params
    assert p["seeds"] == {"arrest": 1, "ringlike": 3, "money": 2, "total": 3}
    assert p["kept_per_hop"] == [3, 5, 6]
    t = p["thresholds"]["ringlike"]
    # the case's own shares: 36 of 117 calls at night, 72 short (ring 30, service 42)
    assert t["case_night_share"] == pytest.approx(36 / 117, abs=1e-6)
    assert t["case_short_share"] == pytest.approx(72 / 117, abs=1e-6)
    assert t["night_share_at"] == pytest.approx(36 / 117 + 0.25 * 81 / 117, abs=1e-6)
    assert t["min_calls"] == 4  # 117 calls over 32 pairs, rounded up
    assert p["thresholds"]["money"]["min_transfers"] == 2
    assert _pairs(cut.handles["_l_calls"]) == sorted(
        [("A", "B"), ("A", "C"), ("B", "C"), ("C", "D"), ("D", "E"), (SERVICE, "A")])
    assert _pairs(cut.handles["_l_money"]) == [("A", "B"), ("D", "E")]
    assert p["nodes"] == {"before": 33, "after": 6}  # 12 persons, service, 20 callers
    assert {r["person_id"] for r in cut.handles["_persons"].engine.fetch_rows(
        f"SELECT person_id FROM {cut.handles['_persons']}")} == RING | {"D", "E"}
    assert cut.handles["_services"] is layers.handles["_services"]  # passed through


def test_hops_give_known_node_sets(duck):
    assert _kept(duck, CutParams(hops=0))[2] == RING
    assert _kept(duck, CutParams(hops=1))[2] == RING | {"D", SERVICE}
    assert _kept(duck, CutParams(hops=3))[2] == RING | {"D", "E", "F", SERVICE}
    # only arrests: A, then A's relationships (B, C, the service)
    assert _kept(duck, CutParams(hops=1, seeds=("arrest",)))[2] == RING | {SERVICE}
    # a degree cap: A and C (three relationships each) are reached, not expanded
    assert _kept(duck, CutParams(hops=2, max_degree=2))[2] == RING


def test_a_service_does_not_pull_in_its_callers_unless_the_user_says_it_is_a_person(duck):
    layers = build_layers(duck, LinkParams(not_hubs=(SERVICE,)), copresence=False)
    assert layers.hubs == []
    cut = cut_layers(duck, dict(layers.handles), CutParams(hops=2))
    nodes = {r["id"] for r in duck.fetch_rows(f"SELECT id FROM {cut.kept}")}
    assert nodes == RING | {"D", "E", SERVICE} | {"+86" + c for c in CUSTOMERS}


def test_heavy_stage_writes_the_cut_with_the_uncut_schema(cut_db, tmp_path):
    with Store(cut_db, read_only=True) as store:
        eng = DuckDBEngine.for_store(store)
        _, full = run_heavy_stage(eng, tmp_path / "full")
        layers, part = run_heavy_stage(eng, tmp_path / "cut", cut=CutParams(hops=1))
        eng.close()
    assert sorted(full) == sorted(part)
    for name in full:
        assert pq.read_schema(full[name]) == pq.read_schema(part[name]), name
    assert pq.read_table(part["_l_calls"]).num_rows == 5
    assert pq.read_table(full["_l_calls"]).num_rows == 32
    assert layers.cut["nodes"]["after"] == 5 and layers.cut["seconds"] >= 0


@pytest.mark.slow
def test_rings_cli_with_the_cut_finds_the_ring(cut_db, cli_env):
    out = subprocess.run([*WORKBENCH, "rings", "--db", str(cut_db), "--cut-hops", "2",
                          "--json"], capture_output=True, text=True, env=cli_env, check=True)
    result = json.loads(out.stdout)
    assert [sorted(r["members"]) for r in result["rings"]] == [sorted(RING)]
    assert result["params"]["cut"]["hops"] == 2
    assert result["params"]["graph"]["nodes"] == 6
    bad = subprocess.run([*WORKBENCH, "rings", "--db", str(cut_db), "--cut-max-degree", "3"],
                         capture_output=True, text=True, env=cli_env)
    assert bad.returncode != 0 and "--cut-hops" in bad.stderr


def test_parameters_are_checked():
    with pytest.raises(CutError):
        CutParams(hops=-1)
    with pytest.raises(CutError):
        CutParams(seeds=("gossip",))
    with pytest.raises(CutError):
        CutParams(max_degree=0)


def _measures(cut) -> dict[str, list[tuple]]:
    """The cut layers' rows without their instants (zones differ between engines)."""
    cols = {"_l_calls": "u, v, n_calls, n_night, n_short, duration_s",
            "_l_money": "u, v, n_tx, n_uv, n_vu, CAST(total_uv AS DOUBLE) AS t_uv",
            "_l_coarrest": "u, v, n_cases"}
    return {name: sorted(tuple(r.values()) for r in cut.handles[name].engine.fetch_rows(
        f"SELECT {c} FROM {cut.handles[name]}")) for name, c in cols.items()}


@pytest.mark.slow
@pytest.mark.spark
def test_both_engines_cut_the_same(cut_db, tmp_path, spark_session):
    from workbench.engine.spark_engine import SparkEngine
    from workbench.engine.tables import open_parquet_tables

    params = CutParams(hops=2)
    with Store(cut_db, read_only=True) as store:
        duck = DuckDBEngine.for_store(store)
        _, d_cut, d_nodes = _kept(duck, params)
        d_rows = _measures(d_cut)
        d_params = d_cut.params
        store.export_parquet(tmp_path / "data")
        duck.close()
    spark = SparkEngine(spark_session, "UTC")
    try:
        open_parquet_tables(spark, tmp_path / "data")
        _, s_cut, s_nodes = _kept(spark, params)
        s_rows = _measures(s_cut)
        assert s_nodes == d_nodes == RING | {"D", "E", SERVICE}
        assert s_cut.params == d_params
        for name, n in (("_l_calls", 6), ("_l_money", 2), ("_l_coarrest", 0)):
            assert len(s_rows[name]) == len(d_rows[name]) == n, name
            assert s_rows[name] == d_rows[name], name
    finally:
        spark.close()
