"""The engine seam: one DuckDB SQL source run by DuckDB and by a local Spark session.

Every test taking ``engine`` runs twice (``duckdb``, ``spark``); the Spark runs share one
local session (see conftest). Known answers come from the hand-built case; the sample case
checks that both engines give DuckDB's rows.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from workbench.analysis.patterns import add_money_patterns
from workbench.case.facade import Case
from workbench.engine import DuckDBEngine, check_name
from workbench.errors import EngineError
from workbench.evidence.links import (
    LAYER_NAMES,
    LinkParams,
    build_layers,
    calls_attr_query,
    calls_layer_query,
)
from workbench.evidence.owners import PHONE_OWNERS
from workbench.money import patterns_of_case
from workbench.rings import RingParams
from workbench.rings.search import find_rings
from workbench.scale.spark_stage import core_from_pairs, evidence_from_parquet, run_heavy_stage
from workbench.store.database import Store

from .cases import PHONE, build_known_case
from .conftest import SAMPLE, WORKBENCH


@pytest.fixture(scope="module")
def known_db(tmp_path_factory):
    return build_known_case(tmp_path_factory.mktemp("known")).path


def _rows(table, order):
    """Rows of an Arrow table as sorted tuples, with instants in UTC and numbers plain."""
    out = []
    for row in table.to_pylist():
        vals = []
        for key in order:
            v = row[key]
            if isinstance(v, dt.datetime):
                v = v.astimezone(dt.UTC)
            elif isinstance(v, Decimal) and v.as_tuple().exponent >= 0:
                v = int(v)  # an integer sum: DuckDB's HUGEINT arrives as a decimal
            vals.append(v)
        out.append(tuple(vals))
    return sorted(out, key=repr)


def test_parameters_are_bound_not_pasted(engine, known_db):
    eng = engine(known_db)
    hostile = "x'); DROP TABLE calls; --"
    got = eng.fetch_arrow("SELECT ? AS s, ? AS n, ? AS d", [hostile, 7, Decimal("1.25")])
    assert got.to_pylist() == [{"s": hostile, "n": 7, "d": Decimal("1.25")}]
    assert eng.scalar("SELECT count(*) FROM calls") == 264
    with pytest.raises(EngineError):
        eng.materialize("x; DROP TABLE calls", "SELECT 1")
    with pytest.raises(EngineError):
        eng.fetch_arrow("SELECT ?", [object()])


def test_session_time_zone_is_the_cases(engine, known_db):
    """Calls were ingested as local time (Asia/Shanghai); hour() must read local hours."""
    eng = engine(known_db)
    assert eng.tz == "Asia/Shanghai"
    hours = eng.fetch_arrow(
        "SELECT hour(started_at) AS h, count(*) AS n FROM calls "
        "WHERE caller = ? OR callee = ? GROUP BY hour(started_at) ORDER BY h",
        ["+86" + PHONE["K1"], "+86" + PHONE["K1"]]).to_pylist()
    assert {r["h"] for r in hours} == {14, 23}
    # a naive datetime parameter means local time of the case on both engines
    n = eng.scalar("SELECT count(*) FROM calls WHERE started_at < ?", [dt.datetime(2019, 3, 2)])
    assert n == DuckDBEngine_reference(known_db, "SELECT count(*) FROM calls WHERE "
                                       "started_at < TIMESTAMPTZ '2019-03-02 00:00:00+08'")
    assert n > 0


def DuckDBEngine_reference(db, sql, params=None):  # noqa: N802 - reads as what it is
    with Store(db, read_only=True) as store:
        return DuckDBEngine.for_store(store).scalar(sql, params)


def test_duckdb_only_forms_run_on_both(engine, known_db):
    """FILTER, GROUP BY ALL, ordered string_agg, regexp_matches, unnest(?) and interval
    arithmetic: written once in DuckDB's dialect, transpiled for Spark."""
    eng = engine(known_db)
    persons = ["A", "B", "C"]
    got = eng.fetch_arrow(
        "SELECT p.person_id, count(*) FILTER (WHERE hour(c.started_at) >= 22) AS night, "
        "count(*) AS n, string_agg(DISTINCT k.relation, ',' ORDER BY k.relation) AS rel, "
        "bool_or(regexp_matches(lower(coalesce(a.charge, '')), '贩卖')) AS traffick, "
        "max(c.started_at + INTERVAL 1 DAY) > max(c.started_at) AS later "
        "FROM phones p JOIN calls c ON c.caller = p.phone "
        "LEFT JOIN kinship k ON k.person_a = p.person_id "
        "LEFT JOIN arrests a ON a.person_id = p.person_id "
        "WHERE p.person_id IN (SELECT unnest(?)) GROUP BY ALL", [persons])
    by = {r["person_id"]: r for r in got.to_pylist()}
    assert set(by) == set(persons)
    assert by["A"]["rel"] == "parent,spouse" and by["B"]["rel"] is None
    assert by["B"]["traffick"] and not by["A"]["traffick"]
    assert all(r["later"] for r in by.values())
    ref = DuckDBEngine_reference(known_db, "SELECT count(*) FILTER (WHERE hour(c.started_at) "
                                 ">= 22) FROM calls c JOIN phones p ON c.caller = p.phone "
                                 "WHERE p.person_id = 'A'")
    assert ref > 0


def test_quantiles_exists_and_values_agree(engine, known_db):
    """quantile_cont / median (exact on both), EXISTS in a select list, VALUES with
    parameters: the forms the service rule uses."""
    eng = engine(known_db)
    got = eng.fetch_arrow(
        "WITH d AS (SELECT caller, count(*) AS k FROM calls GROUP BY caller) "
        "SELECT quantile_cont(k, 0.25) AS q1, quantile_cont(k, 0.75) AS q3, median(k) AS m, "
        "count(*) / 2 AS half FROM d").to_pylist()[0]
    ref = DuckDBEngine_reference(known_db, "SELECT list_value(quantile_cont(k, 0.25), "
                                 "quantile_cont(k, 0.75), median(k)) FROM (SELECT caller, "
                                 "count(*) AS k FROM calls GROUP BY caller)")
    assert [got["q1"], got["q3"], got["m"]] == pytest.approx(ref)
    assert got["half"] == 8.5  # true division on both engines (17 numbers call)
    flags = eng.fetch_arrow(
        "SELECT p.person_id, EXISTS (SELECT 1 FROM arrests a WHERE a.person_id = "
        "p.person_id) AS arrested FROM persons p WHERE p.person_id IN (SELECT unnest(?))",
        [["A", "B"]]).to_pylist()
    assert {r["person_id"]: r["arrested"] for r in flags} == {"A": False, "B": True}
    values = eng.fetch_arrow("SELECT * FROM (VALUES (?, ?), (?, ?)) t(kind, id) ORDER BY id",
                             ["phone", "+8610086", "account", "ACC1"]).to_pylist()
    assert values == [{"kind": "phone", "id": "+8610086"}, {"kind": "account", "id": "ACC1"}]


def test_stages_hand_each_other_handles(engine, known_db):
    eng = engine(known_db)
    first = eng.materialize("_t_pairs", "SELECT least(caller, callee) AS u, "
                            "greatest(caller, callee) AS v, count(*) AS n FROM calls "
                            "GROUP BY least(caller, callee), greatest(caller, callee)")
    second = eng.materialize("_t_busy", f"SELECT u, v, n FROM {first} WHERE n >= ?", [16])
    busy = second.count()
    assert busy == eng.scalar(f"SELECT count(*) FROM {first} WHERE n >= 16") > 0
    # replacing a name drops the old result; dropping frees it
    again = eng.materialize("_t_busy", f"SELECT u, v, n FROM {first} WHERE n >= ?", [20])
    assert 0 < again.count() < busy
    eng.drop(again)
    with pytest.raises(EngineError):
        eng.fetch_arrow("SELECT * FROM _t_busy")
    with pytest.raises(EngineError):
        eng.table("no_such_table")


def test_export_parquet_keeps_every_row_and_type(known_db, tmp_path, cli_env):
    out = tmp_path / "pq"
    done = subprocess.run([*WORKBENCH, "export-parquet", "--db", str(known_db), "--out",
                           str(out), "--json"], env=cli_env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["rows"]
    with Store(known_db, read_only=True) as store:
        counts = store.counts()
    for kind in ("calls", "transactions", "persons", "phones", "accounts", "kinship"):
        assert rows[kind] == counts[kind] > 0
        assert pq.read_metadata(out / f"{kind}.parquet").num_rows == counts[kind]
    calls = pq.read_table(out / "calls.parquet")
    assert str(calls.schema.field("started_at").type).startswith("timestamp[us, tz=")
    assert calls.schema.field("_row_hash").type == "string"
    meta = dict(zip(*pq.read_table(out / "meta.parquet").to_pydict().values(), strict=True))
    assert meta["timezone"] == "Asia/Shanghai"


def test_export_parquet_refuses_a_missing_store(tmp_path, cli_env):
    done = subprocess.run([*WORKBENCH, "export-parquet", "--db", str(tmp_path / "no.duckdb"),
                           "--out", str(tmp_path / "pq")], env=cli_env, capture_output=True,
                          text=True)
    assert done.returncode == 1 and "no case store" in done.stderr


def test_check_name_whitelists_identifiers():
    assert check_name("calls") == "calls"
    for bad in ("", "1x", "a b", "a;b", "a" * 80):
        with pytest.raises(EngineError):
            check_name(bad)


# -- the heavy stage on both engines: layers row for row, the same rings ------------------
#: every table the core reads from the heavy stage
CORE_TABLES = ("_l_calls", "_l_money", "_l_coarrest", "_l_kinship", "_l_shared",
               "_services", "_own_phones", "_own_accounts", "_arrests_w", "_persons")


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    case = Case(tmp_path_factory.mktemp("sample") / "case.duckdb")
    case.ingest([SAMPLE])
    return case.path


def _canonical(handle):
    table = handle.arrow()
    return _rows(table, table.column_names)


def _reference(db):
    """DuckDB's own layers (canonical rows per table), services and rings of the store."""
    with Store(db, read_only=True) as store:
        layers = build_layers(store)
        tables = {name: _canonical(layers.handles[name]) for name in CORE_TABLES}
        hubs = [(h["kind"], h["id"]) for h in layers.hubs]
    # the heavy stage carries the five record layers; co-presence stays on DuckDB (its
    # params say so), so the reference runs on the same layers
    carried = [name for name in LAYER_NAMES if name != "copresence"]
    rings = [sorted(r.members) for r in Case(db).rings(layers=carried).rings]
    return tables, hubs, rings


def _heavy_stage(kind: str, db, tmp_path, request) -> dict:
    """The heavy stage of ``db`` on one engine, its pair Parquet, and the rings of the core.

    DuckDB: the library on the store. Spark: ``workbench rings --engine spark --data DIR
    --pairs-out DIR`` (in process, so the shared session stands in for the cluster).
    """
    pairs = tmp_path / "pairs"
    if kind == "duckdb":
        with Store(db, read_only=True) as store:
            layers, _ = run_heavy_stage(DuckDBEngine.for_store(store), pairs)
            money = patterns_of_case(store)  # the money search, as every ring path runs it
        hubs = [(h["kind"], h["id"]) for h in layers.hubs]
        graph, local = core_from_pairs(pairs, layers, "Asia/Shanghai")
        local.engine.close()
        result = find_rings(graph)[0]
        if money is not None:
            add_money_patterns(money, result, graph, min_size=RingParams().min_size,
                               trim=RingParams().trim)
        rings = [sorted(r.members) for r in result.rings]
    else:
        from click.testing import CliRunner

        from workbench.cli.main import cli

        request.getfixturevalue("spark_session")
        runner = CliRunner()
        done = runner.invoke(cli, ["export-parquet", "--db", str(db), "--out",
                                   str(tmp_path / "pq")])
        assert done.exit_code == 0, done.output
        done = runner.invoke(cli, ["rings", "--engine", "spark", "--spark-master", "local[2]",
                                   "--data", str(tmp_path / "pq"), "--pairs-out", str(pairs),
                                   "--json"])
        assert done.exit_code == 0, done.output
        doc = json.loads(done.output)
        assert doc["params"]["engine"] == "spark"
        assert doc["params"]["pairs"]["_l_calls"] > 0
        hubs = [(h["kind"], h["id"]) for h in doc["params"]["hubs"]]
        rings = [sorted(r["members"]) for r in doc["rings"]]
    local = DuckDBEngine.over_parquet({t: pairs / f"{t}.parquet" for t in CORE_TABLES},
                                      "Asia/Shanghai")
    try:
        tables = {t: _canonical(local.table(t)) for t in CORE_TABLES}
    finally:
        local.close()
    return {"tables": tables, "hubs": hubs, "rings": rings}


_ENGINES = ["duckdb", pytest.param("spark", marks=pytest.mark.spark)]


@pytest.fixture(scope="module", params=_ENGINES)
def known_heavy(request, known_db, tmp_path_factory):
    return _heavy_stage(request.param, known_db, tmp_path_factory.mktemp("kh"), request)


@pytest.fixture(scope="module", params=_ENGINES)
def sample_heavy(request, sample_db, tmp_path_factory):
    return _heavy_stage(request.param, sample_db, tmp_path_factory.mktemp("sh"), request)


def test_known_case_same_layers_row_for_row(known_heavy, known_db):
    ref_tables, ref_hubs, _rings = _reference(known_db)
    for name in CORE_TABLES:
        assert known_heavy["tables"][name] == ref_tables[name], name
    assert known_heavy["hubs"] == ref_hubs
    # known answers: A-B made 20 calls of 30 s, 12 at night; B paid A six times
    calls = {(r[0], r[1]): r for r in known_heavy["tables"]["_l_calls"]}
    assert calls[("A", "B")][2:6] == (20, 20 * 30, 12, 20)
    money = {(r[0], r[1]): r for r in known_heavy["tables"]["_l_money"]}
    assert money[("A", "B")][2] == 6
    assert known_heavy["tables"]["_l_coarrest"][0][:3] == ("B", "C", 1)


def test_known_case_same_rings(known_heavy, known_db):
    _tables, _hubs, ref_rings = _reference(known_db)
    assert known_heavy["rings"] == ref_rings
    assert ["A", "B", "C"] in ref_rings and ["X", "Y", "Z"] in ref_rings


@pytest.mark.slow
def test_sample_case_same_layers_and_rings(sample_heavy, sample_db):
    ref_tables, ref_hubs, ref_rings = _reference(sample_db)
    for name in CORE_TABLES:
        assert sample_heavy["tables"][name] == ref_tables[name], name
    assert sample_heavy["hubs"] == ref_hubs and len(ref_hubs) > 10
    assert len(sample_heavy["tables"]["_l_calls"]) > 10_000
    assert sample_heavy["rings"] == ref_rings and len(ref_rings) >= 5


def test_windowed_calls_layer_agrees(engine, known_db):
    """A time window (aware datetimes bound as parameters) cuts the same calls; only the
    calls builders run (the window reaches every layer the same way)."""
    eng = engine(known_db)
    params = LinkParams(since=dt.datetime(2019, 3, 10, tzinfo=dt.UTC),
                        until=dt.datetime(2019, 4, 1, tzinfo=dt.UTC))
    owners = eng.materialize("_own_phones", PHONE_OWNERS)
    attr = eng.materialize("_calls_attr", *calls_attr_query(params, owners), transient=True)
    got = _canonical(eng.materialize("_l_calls", *calls_layer_query(params, attr)))
    with Store(known_db, read_only=True) as store:
        ref = build_layers(store, params)
        want = _canonical(ref.handles["_l_calls"])
        everything = build_layers(store).handles["_l_calls"]
        total = sum(r[2] for r in _canonical(everything))
        inside = store.con.execute(
            "SELECT count(*) FROM calls WHERE started_at >= ? AND started_at < ? "
            "AND caller <> callee", [params.since, params.until]).fetchall()[0][0]
    assert got == want and 0 < sum(r[2] for r in got) < total
    assert sum(r[2] for r in got) == inside  # exactly the calls inside the window


def test_evidence_from_parquet_matches_the_store(known_db, tmp_path):
    with Store(known_db, read_only=True) as store:
        store.export_parquet(tmp_path / "pq")
    got = evidence_from_parquet(tmp_path / "pq", ["A", "B", "C"])
    ref = Case(known_db).evidence(["A", "B", "C"])
    for kind in ("calls", "transactions", "arrests", "kinship"):
        pd.testing.assert_frame_equal(got[kind], ref[kind], obj=kind)
    assert len(got["calls"]) == 48
    assert {Path(f).name for f in got["calls"]["file"]} == {"calls.csv"}


def test_candidate_extraction_drops_single_call_pairs(known_db, tmp_path):
    """``min_pair_calls=2``: pairs seen in one call and linked by nothing else stay on the
    engine; the rings do not change (the search skips such pairs anyway)."""
    with Store(known_db, read_only=True) as store:
        eng = DuckDBEngine.for_store(store)
        full = _canonical(build_layers(eng).handles["_l_calls"])
        run_heavy_stage(eng, tmp_path / "cut", min_pair_calls=2)
    local = DuckDBEngine.over_parquet({"c": tmp_path / "cut" / "_l_calls.parquet"},
                                      "Asia/Shanghai")
    try:
        cut = _canonical(local.table("c"))
    finally:
        local.close()
    assert set(cut) <= set(full) and all(r[2] >= 2 for r in cut)
    assert [r for r in full if r[2] >= 2] == cut
