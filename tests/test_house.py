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


def test_cli_rings_shows_the_currency(tmp_path, cli_env):
    build_known_case(tmp_path)
    res = subprocess.run([*WORKBENCH, "rings", "--db", str(tmp_path / "case.duckdb"),
                          "--json"], capture_output=True, text=True, env=cli_env, check=True)
    assert json.loads(res.stdout)["params"]["currency"] == "CNY"
    con = duckdb.connect(str(tmp_path / "case.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM phones").fetchone()[0] == len(PHONE)
    con.close()
