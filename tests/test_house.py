"""Issue 15's wrong answers, one test each: every test here failed before its fix."""

from __future__ import annotations

import json
import subprocess

import duckdb
import pytest

from workbench.case.facade import Case
from workbench.errors import WorkbenchError
from workbench.rings import RING_DEFAULTS, build_request

from .cases import PHONE, build_known_case
from .conftest import WORKBENCH


@pytest.fixture(scope="module")
def known(tmp_path_factory) -> Case:
    return build_known_case(tmp_path_factory.mktemp("known"))


def test_a_cold_search_after_a_warm_one_is_cold(known):
    """The request holds ``warm``: a cold call after a warm one is not served the warm
    result from the cache (it was, with ``params.warm_start`` True)."""
    known.rings()
    warm = known.rings(warm=True)
    assert warm.params["warm_start"] is True
    cold = known.rings()
    assert cold.params["warm_start"] is False


def test_every_ring_path_builds_the_same_request():
    request = build_request(tz="Asia/Shanghai", layers=["money", "calls"], resolution=0.2)
    assert request.layers == ("calls", "money")
    assert request.weights().kinship == 0.0 and request.weights().calls > 0
    assert request.ring.resolutions == (0.2,)
    assert request.ring.min_size == RING_DEFAULTS["min_size"]
    with pytest.raises(WorkbenchError, match="unknown layer"):
        build_request(layers=["calls", "bogus"])
    with pytest.raises(WorkbenchError, match="ends .* before it starts"):
        build_request(since="2019-06-01", until="2019-01-01")
    with pytest.raises(WorkbenchError, match="resolution must be above 0"):
        build_request(resolution=-1)


@pytest.mark.slow
def test_the_cut_path_flags_regional_rings_as_the_case_path_does(tmp_path):
    """``--cut-hops`` (and ``--engine spark``) went through a second request builder that
    never set ``regional``: the same migrant ring was flagged on one path only."""
    from workbench.scale import CutParams, rings_on_store
    from workbench.store import Store

    from .conftest import SAMPLE

    case = Case(tmp_path / "case.duckdb")
    case.ingest([SAMPLE])
    direct = case.rings()
    flagged = {frozenset(r.members) for r in direct.rings if r.regional}
    assert flagged, "the sample has a migrant ring flagged regional"
    with Store(tmp_path / "case.duckdb", read_only=True) as store:
        cut = rings_on_store(store, cut=CutParams(hops=2))
    assert "regional" in cut.params
    cut_flagged = {frozenset(r.members) for r in cut.rings if r.regional}
    assert cut_flagged & flagged or any(
        len(a & b) >= 0.6 * len(a) for a in cut_flagged for b in flagged)


def test_money_is_never_summed_across_currencies(tmp_path):
    """Amounts in two currencies were added up as one number and printed with ¥."""
    (tmp_path / "persons.csv").write_text("person_id,name\nA,Ann\nB,Bob\n")
    (tmp_path / "accounts.csv").write_text("account_id,person_id\nAC1,A\nAC2,B\n")
    rows = [f"T{k},AC1,AC2,1000.10,2019-03-{k + 1:02d} 10:00,CNY" for k in range(5)]
    rows += [f"U{k},AC1,AC2,500,2019-04-{k + 1:02d} 10:00,USD" for k in range(2)]
    (tmp_path / "transactions.csv").write_text(
        "tx_id,from_account,to_account,amount,occurred_at,currency\n" + "\n".join(rows))
    case = Case(tmp_path / "case.duckdb")
    case.ingest([tmp_path])
    graph, info = case.graph()
    assert info["currency"] == "CNY"
    i, j = graph.index("A"), graph.index("B")
    edge = next(e for e in range(graph.m) if {graph.u[e], graph.v[e]} == {i, j})
    total = graph.measures["total_uv"][edge] + graph.measures["total_vu"][edge]
    assert total == pytest.approx(5000.50)  # the five CNY transfers, not + 1000 USD
    assert graph.measures["n_tx"][edge] == 7  # every transfer still counts as one
    records = case.evidence(["A", "B"])["transactions"]
    assert sorted(set(records["currency"])) == ["CNY", "USD"]
    assert "1000.10" in set(records["amount"])  # exact, as stored (not 1000.0999...)


def test_key_players_are_computed_once_per_request(known):
    """The players cache was keyed on params holding timings, so it never hit."""
    known.view()
    players = dict(known.state.players)
    assert len(players) == 1
    known.view()
    assert known.state.players.keys() == players.keys()
    assert next(iter(known.state.players.values())) is next(iter(players.values()))


@pytest.mark.slow
def test_cli_rings_shows_the_currency(tmp_path, cli_env):
    build_known_case(tmp_path)
    res = subprocess.run([*WORKBENCH, "rings", "--db", str(tmp_path / "case.duckdb"),
                          "--json"], capture_output=True, text=True, env=cli_env)
    assert res.returncode == 0, res.stderr[-2000:]  # what went wrong, if it did
    assert json.loads(res.stdout)["params"]["currency"] == "CNY"
    con = duckdb.connect(str(tmp_path / "case.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM phones").fetchone()[0] == len(PHONE)
    con.close()


def test_a_call_of_unknown_duration_is_not_short_anywhere(tmp_path):
    """The calls layer counted a call with no duration as not short, the services rule as
    short; one rule now (nothing says it was short)."""
    from workbench.evidence.owners import short_call_sql

    con = duckdb.connect()
    rows = con.execute(f"SELECT {short_call_sql(60, 'd')} FROM (VALUES (NULL), (30), (61)) t(d)"
                       ).fetchall()
    assert [r[0] for r in rows] == [False, True, False]
    (tmp_path / "calls.csv").write_text(
        "caller,callee,started_at,duration_s\n"
        + "".join(f"13800000001,13800000002,2019-03-{d:02d} 23:00,\n" for d in range(1, 6)))
    case = Case(tmp_path / "case.duckdb")
    case.ingest([tmp_path / "calls.csv"])
    graph, _ = case.graph()
    assert int(graph.measures["n_calls"].sum()) == 5
    assert int(graph.measures["n_short"].sum()) == 0


@pytest.mark.parametrize(("src", "a", "b", "adjacent"), [
    ("stay", "305", "306", True), ("stay", "305", "305", True), ("stay", "305", "405", False),
    ("stay", "399", "400", False), ("trip", "05车06A", "05车06B", True),
    ("trip", "05车06D", "05车06F", True), ("trip", "05车06C", "05车06D", True),
    ("trip", "05车06A", "05车07A", False), ("trip", "05车06A", "04车06B", False),
])
def test_one_rule_of_adjacent_rooms_and_seats(src, a, b, adjacent):
    """Meetings (parsed columns) and their records (raw positions) had two definitions of
    adjacency; both now come from one rule, and agree."""
    from workbench.evidence.presence import ADJACENT_SQL, adjacent_sql, position_parts

    con = duckdb.connect()
    raw = con.execute(f"SELECT {ADJACENT_SQL} FROM (SELECT ? AS src, ? AS pos) a, "
                      "(SELECT ? AS src, ? AS pos) b", [src, a, src, b]).fetchone()[0]
    parts = position_parts()
    con.execute(f"CREATE TABLE ev AS SELECT src, pos, {parts['num']} AS p_num, "
                f"{parts['grp']} AS p_grp, {parts['let']} AS p_let FROM "
                "(VALUES (?, ?, 1), (?, ?, 2)) t(src, pos, k)", [src, a, src, b])
    cols = [{"src": f"{x}.src", "pos": f"{x}.pos", "num": f"{x}.p_num", "grp": f"{x}.p_grp",
             "let": f"{x}.p_let"} for x in ("a", "b")]
    parsed = con.execute(f"SELECT {adjacent_sql(*cols)} FROM ev a, ev b "
                         "WHERE a.pos = ? AND b.pos = ?", [a, b]).fetchone()[0]
    assert raw == parsed == adjacent


def test_two_engines_on_one_connection_keep_their_own_tables():
    """Stages materialized under fixed names (``_l_calls``): a second engine on the same
    connection replaced the first one's table. Tables are named by content now."""
    from workbench.engine import DuckDBEngine

    con = duckdb.connect()
    one, two = DuckDBEngine(con, "UTC"), DuckDBEngine(con, "UTC")
    a = one.materialize("_l_calls", "SELECT 1 AS x")
    b = two.materialize("_l_calls", "SELECT 2 AS x")
    assert a.name != b.name
    assert a.df()["x"].tolist() == [1] and b.df()["x"].tolist() == [2]
    two.close()
    assert a.df()["x"].tolist() == [1]


@pytest.mark.parametrize("exact", [False, True])
def test_an_ingest_leaves_other_stages_tables_on_its_connection_alone(tmp_path, exact):
    """The ingest staged every file in ``_stage``, its lookups in ``_map_<type>``, its typed
    rows in ``_v<i>`` and repeats in ``_repeats``, dropping whatever held those names on the
    connection. Its tables are named by the file they hold now."""
    from workbench.ingest import ingest_paths
    from workbench.store import Store

    calls = tmp_path / "calls.csv"
    calls.write_text("caller,callee,started_at,duration_s\n"
                     "13800138000,13900139000,2019-01-01 10:00:00,60\n"
                     "13800138000,13900139000,2019-01-01 10:00:00,60\n"  # a repeat
                     "13800138000,13700137000,2019-01-02 10:00:00,30\n")
    store = Store(tmp_path / "case.duckdb")
    others = ["_stage", "_map_phone", "_v0", "_v0_rej", "_repeats"]
    for name in others:
        store.con.execute(f"CREATE TEMP TABLE {name} AS SELECT 'theirs' AS owner")
    report = ingest_paths(store, [calls], force_exact=exact)
    assert report.files[0].stored == 2 and report.files[0].duplicates == 1
    for name in others:
        assert store.con.execute(f"SELECT owner FROM {name}").fetchall() == [("theirs",)]
    temp = {r[0] for r in store.con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}
    assert temp == set(others)  # and the ingest's own are gone
    store.close()


def test_seeded_runs_restore_the_callers_generator_and_igraph_can_still_draw():
    """igraph's process-wide generator is put back after each seeded run (under a lock), and
    igraph is imported whole: hiding matplotlib from it broke ``igraph.plot`` for the
    process."""
    import random

    import igraph

    from workbench.graph import seeded_rng

    mine = random.Random(7)
    igraph.set_random_number_generator(mine)
    try:
        with seeded_rng(1):
            first = igraph.Graph.Erdos_Renyi(30, 0.2).get_edgelist()
        with seeded_rng(1):
            again = igraph.Graph.Erdos_Renyi(30, 0.2).get_edgelist()
        assert first == again
        assert _generator_in_use() is mine
    finally:
        igraph.set_random_number_generator(random)
    from igraph.drawing.matplotlib.utils import find_matplotlib

    mpl, _ = find_matplotlib()
    assert hasattr(mpl, "__version__")  # a real matplotlib, not igraph's FakeModule


def _generator_in_use():
    import importlib

    return importlib.import_module("workbench.graph.leiden")._IN_USE[0]


def test_explorer_exports_in_one_second_do_not_overwrite(tmp_path):
    from workbench.explorer.helpers import unused_path as _unused_path

    first = _unused_path(tmp_path, "view", "png")
    first.write_text("one")
    second = _unused_path(tmp_path, "view", "png")
    assert second != first and not second.exists()
    second.write_text("two")
    third = _unused_path(tmp_path, "view", "csv")
    assert third not in (first, second)


@pytest.mark.spark
def test_spark_engines_leave_the_session_as_they_found_it(spark_session):
    """The heavy stage and the Spark ingest changed session settings (adaptive execution,
    time zone, Parquet timestamps) and left them changed for the user's session."""
    from workbench.engine.spark_engine import SparkEngine

    before = spark_session.conf.get("spark.sql.session.timeZone")
    spark_session.conf.unset("spark.sql.mapKeyDedupPolicy")
    default_policy = spark_session.conf.get("spark.sql.mapKeyDedupPolicy")
    engine = SparkEngine(spark_session, "America/New_York")
    engine.set_conf("spark.sql.mapKeyDedupPolicy", "LAST_WIN")
    assert spark_session.conf.get("spark.sql.session.timeZone") == "America/New_York"
    engine.close()
    assert spark_session.conf.get("spark.sql.session.timeZone") == before
    assert spark_session.conf.get("spark.sql.mapKeyDedupPolicy") == default_policy


@pytest.mark.slow
def test_to_pyvis_gives_a_pyvis_network_written_through_the_safe_template(tmp_path):
    """``Case.to_pyvis`` returns a pyvis Network of the view; its HTML is the workbench's
    offline, escaped snapshot (pyvis's own template loads a CDN and inserts names raw)."""
    from pyvis.network import Network

    hostile = '<img src=x onerror="alert(1)">'
    case = build_known_case(tmp_path, names={"A": hostile})
    net = case.to_pyvis(ring=next(r.id for r in case.rings().rings if "A" in r.members))
    assert isinstance(net, Network)
    assert {"A", "B", "C"} <= {n["id"] for n in net.nodes}
    assert all("x" in n and "y" in n for n in net.nodes)
    path = net.write_html(str(tmp_path / "net.html"))
    html = path.read_text(encoding="utf-8")
    assert hostile not in html
    for remote in ("cdn.jsdelivr", "cdnjs", "unpkg.com", 'src="http', "src='http",
                   'href="http'):
        assert remote not in html


def _weights_among(graph, members) -> list[float]:
    ids = graph.ids.tolist()
    inside = {ids.index(m) for m in members if m in ids}
    return [float(w) for u, v, w in zip(graph.u, graph.v, graph.weight, strict=True)
            if u in inside and v in inside]


@pytest.mark.slow
def test_evolution_tracks_rings_on_the_graph_the_search_ran_on(known):
    """``evolution`` built each window's graph without the search's ``min_weight`` (and hub
    overrides): a ring whose links in a month are all below ``min_weight`` was still shown
    working that month (R-513b02 at 0.385 in the case's last window)."""
    members = ["A", "B", "C"]
    last = known.evolution()["windows"][-1]
    start, end = last["start"], last["end"]
    assert any(r["members"] == members for r in last["rings"])  # without min_weight: working
    in_window = _weights_among(known.graph(since=start, until=end)[0], members)
    whole = _weights_among(known.graph()[0], members)
    assert in_window and max(in_window) < min(whole)
    min_weight = (max(in_window) + min(whole)) / 2  # keeps the ring over the whole period
    assert members in [r.members for r in known.rings(min_weight=min_weight).rings]
    window = known.evolution(windows=[(start, end)], min_weight=min_weight)["windows"][0]
    assert all(r["members"] != members for r in window["rings"])
