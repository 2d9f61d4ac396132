"""The calls keyed by number (``workbench.store.call_keys``): kept by every ingest in its
transaction, read by the link layers only while they match the calls, and the layers, the
services and the graph from the keys are the ones from the numbers, row for row."""

from __future__ import annotations

import datetime as dt
import functools
import shutil

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from workbench.case.facade import Case
from workbench.evidence.links import LinkParams, build_layers
from workbench.graph import build_graph
from workbench.ingest import local
from workbench.store.call_keys import USABLE_SQL, refresh_call_keys
from workbench.store.database import Store

from .conftest import SAMPLE
from .test_engine import CORE_TABLES, _canonical

UTC = dt.UTC


def _usable(db) -> bool:
    with Store(db, read_only=True) as store:
        return bool(store.con.execute(USABLE_SQL).fetchone()[0])


def _unkeyed_copy(db, to):
    """A copy of the store whose calls are grouped on the numbers (no keyed copy)."""
    shutil.copy(db, to)
    with Store(to) as store:
        store.con.execute("DROP TABLE call_keys")
    return to


def _answer(db, params: LinkParams | None = None, **options) -> dict:
    """Every layer's rows, the services and the fused graph's arrays of the store."""
    with Store(db, read_only=True) as store:
        layers = build_layers(store, params, **options)
        graph = build_graph(store.con, layers)
        info = {k: v for k, v in layers.service_info.items()}
        return {"keyed": layers.keyed,
                "tables": {name: _canonical(layers.handles[name]) for name in CORE_TABLES},
                "hubs": layers.hubs, "info": info, "threshold": layers.hub_threshold,
                "ids": graph.ids.tolist(), "u": graph.u.tolist(), "v": graph.v.tolist(),
                "measures": {k: graph.measures[k].tolist() for k in sorted(graph.measures)},
                "node": {k: graph.node[k].tolist() for k in sorted(graph.node)}}


def _same(keyed: dict, plain: dict) -> None:
    assert keyed["keyed"] and not plain["keyed"]
    for key in ("tables", "hubs", "info", "threshold", "ids", "u", "v", "measures", "node"):
        assert keyed[key] == plain[key], key


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    d = tmp_path_factory.mktemp("keys")
    case = Case(d / "case.duckdb")
    case.ingest([SAMPLE])
    return case.path, _unkeyed_copy(case.path, d / "plain.duckdb")


@pytest.mark.parametrize("params", [
    LinkParams(),
    LinkParams(since=dt.datetime(2019, 3, 1, tzinfo=UTC),
               until=dt.datetime(2019, 6, 1, tzinfo=UTC)),
    LinkParams(night_start=20, night_end=7, short_s=90),
], ids=["default", "window", "night-and-short"])
def test_the_sample_case_from_keys_is_the_case_from_numbers(sample, params):
    keyed, plain = sample
    assert _usable(keyed) and not _usable(plain)
    a, b = _answer(keyed, params), _answer(plain, params)
    _same(a, b)
    assert len(a["tables"]["_l_calls"]) > 1000 and a["hubs"]


def test_hubs_named_by_the_user_from_keys_are_the_same(sample):
    keyed, plain = sample
    busy = [b["id"] for b in _answer(keyed)["info"]["busy"] if b["service"]]
    with Store(keyed, read_only=True) as store:  # a number that is not busy
        quiet = store.con.execute(
            "SELECT number FROM call_numbers WHERE number NOT IN (SELECT unnest(?)) "
            "ORDER BY key LIMIT 1 OFFSET 100", [busy]).fetchone()[0]
    params = LinkParams(hubs=(quiet,), not_hubs=(busy[0],))
    a = _answer(keyed, params)
    _same(a, _answer(plain, params))
    reasons = {h["id"]: h["reason"] for h in a["hubs"]}
    assert "(--hub)" in reasons[quiet] and busy[0] not in reasons


def test_a_stored_calls_layer_from_keys_is_the_same(sample):
    keyed, plain = sample
    _same(_answer(keyed, calls_view=False), _answer(plain, calls_view=False))


def _fuzzed_store(path, seed: int, periods: bool) -> None:
    """Numbers in every shape a carrier writes (prefixes of each other, letters, spaces,
    CJK, a plus or none), many busy ones, and owners registered for a time or for ever."""
    rng = np.random.default_rng(seed)
    shapes = ["+86138{:08d}", "138{:08d}", "{:d}", "+{:d}", "0571-{:d}", "呼叫{:d}", " {:d}",
              "A{:d}", "{:d}#"]
    numbers = sorted({rng.choice(shapes).format(int(rng.integers(0, 10 ** rng.integers(1, 9))))
                      for _ in range(900)})
    numbers = np.array(numbers, dtype=object)
    n = len(numbers)
    busy = rng.choice(n, 90, replace=False)  # more busy numbers than the arrays' path takes
    caller = np.concatenate([rng.integers(0, n, 6000), np.repeat(busy, 40)])
    callee = np.concatenate([rng.integers(0, n, 6000), rng.integers(0, n, 90 * 40)])
    # pairs called again and again, so that counts above one mean something
    caller = np.concatenate([caller, np.repeat(caller[:300], 5)])
    callee = np.concatenate([callee, np.repeat(callee[:300], 5)])
    t0 = dt.datetime(2019, 1, 1, tzinfo=UTC)
    with Store(path) as store:
        con = store.con
        owned = rng.choice(n, n // 2, replace=False)
        con.register("_fz_phones", pa.table({
            "phone": numbers[owned].tolist(),
            "pid": [f"P{k % (n // 3):04d}" for k in range(len(owned))],
            "since": pa.array([dt.date(2019, 1 + k % 6, 1) if periods and k % 5 == 0
                               else None for k in range(len(owned))], pa.date32()),
            "k": np.arange(len(owned))}))
        con.execute("INSERT INTO persons (person_id, name, _source, _line, _row_hash) "
                    "SELECT pid, pid, 0, min(k), min(k) + 1 FROM _fz_phones GROUP BY pid")
        con.execute("INSERT INTO phones (phone, person_id, since, _source, _line, _row_hash) "
                    "SELECT phone, pid, since, 0, k, 1000000 + k FROM _fz_phones")
        con.unregister("_fz_phones")
        minutes = rng.integers(0, 200 * 24 * 60, len(caller))
        durations = rng.choice([None, 5, 30, 60, 61, 600], len(caller)).tolist()
        con.register("_fz_calls", pa.table({  # one insert (executemany: ~10 s)
            "caller": numbers[caller].tolist(), "callee": numbers[callee].tolist(),
            "started_at": pa.array([t0 + dt.timedelta(minutes=int(m)) for m in minutes]),
            "duration_s": pa.array(durations, pa.int32()),
            "j": np.arange(len(caller)),
            "h": rng.integers(1, 2 ** 62, len(caller))}))  # the tag's XOR means something
        con.execute("INSERT INTO calls (caller, callee, started_at, duration_s, _source, "
                    "_line, _row_hash) SELECT caller, callee, started_at, duration_s, 0, j, "
                    "h FROM _fz_calls")
        con.unregister("_fz_calls")
        store.set_meta("timezone", "Asia/Shanghai")
        assert refresh_call_keys(con)


@pytest.mark.parametrize(("seed", "periods"), [(1, False), (2, True), (3, False)])
def test_fuzzed_numbers_from_keys_are_the_numbers(tmp_path, seed, periods):
    keyed = tmp_path / "keyed.duckdb"
    _fuzzed_store(keyed, seed, periods)
    plain = _unkeyed_copy(keyed, tmp_path / "plain.duckdb")
    a, b = _answer(keyed), _answer(plain)
    _same(a, b)
    assert len(a["info"]["busy"]) > 64  # the services' SQL path, not only the arrays'
    assert a["info"] == _answer(keyed, calls_view=False)["info"]  # figures in SQL
    night = LinkParams(night_start=0, night_end=5, hubs=(a["ids"][3],))
    _same(_answer(keyed, night), _answer(plain, night))
    # windows: keys with gaps (the window's numbers only), hubs called in it and not
    day = functools.partial(dt.datetime, 2019, tzinfo=UTC)
    for since, until in ((day(2, 1), day(4, 1)), (day(3, 1), day(3, 11))):
        with Store(keyed, read_only=True) as store:
            inside, outside = (store.con.execute(
                "SELECT min(number) FROM call_numbers WHERE number " + ("" if want else "NOT ")
                + "IN (SELECT caller FROM calls WHERE started_at >= ? AND started_at < ?)",
                [since, until]).fetchone()[0] for want in (True, False))
            layers = build_layers(store, LinkParams(since=since, until=until))
            if not periods:  # the fetched pairs keep the window's numbers, fewer than all
                kept = layers.calls_pairs[3].keys
                assert 0 < len(kept) < store.con.execute(
                    "SELECT count(*) FROM call_numbers").fetchone()[0]
        window = LinkParams(since=since, until=until, hubs=(inside, outside))
        for view in (True, False):
            _same(_answer(keyed, window, calls_view=view), _answer(plain, window, calls_view=view))


def test_keys_follow_the_engines_order_of_the_numbers(tmp_path):
    db = tmp_path / "k.duckdb"
    _fuzzed_store(db, 4, False)
    with Store(db, read_only=True) as store:
        # a < b as keys exactly when a < b as numbers, for every two numbers of the calls
        wrong = store.con.execute(
            "SELECT count(*) FROM call_numbers x, call_numbers y "
            "WHERE (x.key < y.key) <> (x.number < y.number)").fetchone()[0]
        keys = store.con.execute("SELECT key FROM call_numbers ORDER BY number").fetchall()
        calls = store.con.execute(
            "SELECT count(*), count(*) FILTER (WHERE a.number = c.caller AND "
            "b.number = c.callee) FROM (SELECT *, row_number() OVER () AS r FROM calls) c "
            "POSITIONAL JOIN call_keys k JOIN call_numbers a ON a.key = k.caller_key "
            "JOIN call_numbers b ON b.key = k.callee_key").fetchone()
    assert wrong == 0
    assert [k for (k,) in keys] == list(range(len(keys))) and len(keys) > 500
    assert calls[0] > 9000 and calls[0] == calls[1]


def test_calls_written_past_the_keys_are_grouped_on_the_numbers(tmp_path):
    db = tmp_path / "k.duckdb"
    _fuzzed_store(db, 5, False)
    assert _usable(db) and _answer(db)["keyed"]
    with Store(db) as store:
        store.con.execute(
            "INSERT INTO calls (caller, callee, started_at, duration_s, _source, _line, "
            "_row_hash) VALUES ('NEW-1', 'NEW-2', TIMESTAMPTZ '2019-02-01 10:00:00Z', 9, "
            "0, 1, 5)")
    assert not _usable(db)
    with Store(db) as store:  # as many calls as the keys were made from, one of them other
        store.con.execute("DELETE FROM calls WHERE caller = 'NEW-1'")
        assert store.con.execute(USABLE_SQL).fetchone()[0]
        store.con.execute("DELETE FROM calls WHERE _line = 7")
        store.con.execute(
            "INSERT INTO calls (caller, callee, started_at, duration_s, _source, _line, "
            "_row_hash) VALUES ('NEW-1', 'NEW-2', TIMESTAMPTZ '2019-02-01 10:00:00Z', 9, "
            "0, 1, 5)")
    assert not _usable(db)
    after = _answer(db)
    assert not after["keyed"]
    assert {"NEW-1", "NEW-2"} <= set(after["ids"])
    with Store(db) as store:  # keyed again: the same answer
        assert refresh_call_keys(store.con) and not refresh_call_keys(store.con)
    again = _answer(db)
    assert again["keyed"] and again["tables"] == after["tables"] and again["ids"] == after["ids"]


def test_every_ingest_keeps_the_keys_and_a_failed_one_leaves_them(tmp_path, monkeypatch):
    db = tmp_path / "case.duckdb"
    case = Case(db)
    case.ingest([SAMPLE / "calls_2019-01_03.csv"])
    assert _usable(db)
    with Store(db, read_only=True) as store:
        first = store.meta("call_keys")
        n_first = store.con.execute("SELECT count(*) FROM call_keys").fetchone()[0]
    # more calls: keyed again, in the same transaction
    case.ingest([SAMPLE / "calls_2019-04_06.csv"])
    with Store(db, read_only=True) as store:
        tag = store.meta("call_keys")
        n_all = store.con.execute("SELECT count(*) FROM call_keys").fetchone()[0]
        assert n_all == store.con.execute("SELECT count(*) FROM calls").fetchone()[0]
    assert tag != first and n_all > n_first and _usable(db)

    def keyed_then_full(con):
        local_refresh(con)
        raise OSError(28, "No space left on device")

    local_refresh = local.refresh_call_keys
    monkeypatch.setattr(local, "refresh_call_keys", keyed_then_full)
    more = tmp_path / "more_calls.csv"
    more.write_text("caller,callee,started_at,duration_s\n"
                    "13900000001,13900000002,2019-05-01 10:00:00,30\n", encoding="utf-8")
    with pytest.raises(OSError, match="No space"):
        case.ingest([more])
    with Store(db, read_only=True) as store:
        assert store.meta("call_keys") == tag
        assert store.con.execute("SELECT count(*) FROM call_keys").fetchone()[0] == n_all
    assert _usable(db)


def test_the_keys_check_is_false_where_there_are_none():
    con = duckdb.connect()
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("CREATE TABLE calls (caller VARCHAR, callee VARCHAR, _row_hash UHUGEINT)")
    assert con.execute(USABLE_SQL).fetchone()[0] is False


def test_the_keyed_copy_is_not_data_for_the_kept_analysis(tmp_path):
    """The keyed copy is the calls again: making it or dropping it leaves the data token
    (the key of every kept analysis) as it was, and a kept analysis valid."""
    from workbench.case.cache import data_token

    db = tmp_path / "k.duckdb"
    _fuzzed_store(db, 6, False)
    with Store(db) as store:
        before = data_token(store)
        store.con.execute("DROP TABLE call_keys")
        store.con.execute("DELETE FROM meta WHERE key = 'call_keys'")
        assert data_token(store) == before
        assert refresh_call_keys(store.con)
        assert data_token(store) == before
        store.con.execute("INSERT INTO phone_links VALUES ('+1', '+2', now(), 'n', NULL)")
        assert data_token(store) != before  # other tables still count


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 1000, 4097])
def test_the_services_figures_from_fetched_pairs_are_the_sqls(size):
    """:func:`case_figures` (numpy, on the pairs the graph fetched) against the SQL of the
    services' rule, on counts small and large, ties and odd and even lengths."""
    import pyarrow as pa

    from workbench.evidence.services import NumberPairs, case_figures

    rng = np.random.default_rng(size)
    numbers = max(2, size // 2 + 2)
    a = rng.integers(0, numbers - 1, size)
    b = np.minimum(a + 1 + rng.integers(0, 3, size), numbers - 1)
    n = rng.choice([1, 2, 3, 10 ** 9 + 7, int(rng.integers(1, 50))], size)
    table = pa.table({"n_calls": n, "n_night": rng.integers(0, 2, size) * n // 2,
                      "n_short": rng.integers(0, 3, size)})
    figures, k = case_figures(NumberPairs(pa.array([f"N{i}" for i in range(numbers)]),
                                          a, b, table))
    con = duckdb.connect()
    con.register("p", pa.table({"u": a, "v": b, "n": n, "n_night": table["n_night"],
                                "n_short": table["n_short"]}))
    sql = con.execute(
        "SELECT d.q1, d.q3, d.nodes, p.pairs, p.median_pair, p.p1, p.p3, p.base_night, "
        "p.base_short FROM (SELECT quantile_cont(k, 0.25) AS q1, quantile_cont(k, 0.75) AS q3, "
        "count(*) AS nodes FROM (SELECT x, count(*) AS k FROM (SELECT u AS x FROM p UNION ALL "
        "SELECT v FROM p) e GROUP BY x)) d, (SELECT count(*) AS pairs, median(n) AS "
        "median_pair, quantile_cont(n, 0.25) AS p1, quantile_cont(n, 0.75) AS p3, "
        "sum(n_night) / nullif(sum(n), 0) AS base_night, sum(n_short) / nullif(sum(n), 0) "
        "AS base_short FROM p) p").fetchone()
    assert tuple(figures.values()) == sql
    counted = dict(con.execute("SELECT x, count(*) FROM (SELECT u AS x FROM p UNION ALL "
                               "SELECT v FROM p) GROUP BY x").fetchall())
    assert {i: int(c) for i, c in enumerate(k.tolist()) if c} == counted


def test_the_services_from_fetched_pairs_are_the_services_from_sql(sample):
    """The calls layer stored (the services' figures in SQL) and as a view over the fetched
    pairs (the figures in numpy): the same services, thresholds and busy numbers."""
    keyed, _ = sample
    assert _answer(keyed)["info"] == _answer(keyed, calls_view=False)["info"]


def test_cases_over_parquet_and_attached_stores_read_the_keys_rightly(sample, tmp_path):
    """An ``export-parquet`` case keeps no keys (and its row hashes as text): the layers
    group its numbers; another keyed store attached does not hide the store's own keys."""
    from workbench.engine import DuckDBEngine
    from workbench.engine.tables import open_parquet_tables

    keyed, plain = sample
    with Store(keyed, read_only=True) as store:
        store.export_parquet(tmp_path / "pq")
    engine = DuckDBEngine.over_parquet({}, "Asia/Shanghai")
    try:
        open_parquet_tables(engine, tmp_path / "pq")
        layers = build_layers(engine)
        assert not layers.keyed and len(_canonical(layers.handles["_l_calls"])) > 1000
    finally:
        engine.close()
    shutil.copy(keyed, tmp_path / "other.duckdb")
    with Store(keyed, read_only=True) as store:
        store.con.execute(f"ATTACH '{tmp_path / 'other.duckdb'}' AS other (READ_ONLY)")
        assert store.con.execute(USABLE_SQL).fetchone()[0]
