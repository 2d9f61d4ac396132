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

import pyarrow.parquet as pq
import pytest

from workbench.engine import DuckDBEngine, check_name
from workbench.errors import EngineError
from workbench.store import Store

from .cases import PHONE, build_known_case
from .conftest import WORKBENCH


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
