"""Service numbers told apart from busy people: known answers on a hand-built case."""

from __future__ import annotations

import json
import subprocess

import pytest

from workbench.case.facade import Case

from .conftest import WORKBENCH

TAXI = "+8657188888888"
ORGANIZER_PHONE = "+8613900009999"


@pytest.fixture(scope="module")
def busy_case(tmp_path_factory) -> Case:
    """60 persons in friend pairs; 45 of them call an unregistered taxi line twice; an
    organizer O (a registered person with no other records) calls 45 buyers six times
    each, at night; three of the buyers and O form a cell that calls daily."""
    d = tmp_path_factory.mktemp("busy")
    phone = {f"P{i:02d}": f"+86139000{i:05d}" for i in range(60)}
    phone["O"] = ORGANIZER_PHONE
    calls = []
    for i in range(0, 60, 2):
        for k in range(5):
            calls.append((phone[f"P{i:02d}"], phone[f"P{i + 1:02d}"],
                          f"2019-04-{1 + k:02d} 10:{i:02d}:00", 240))
    for i in range(45):
        for k in range(2):
            calls.append((phone[f"P{i:02d}"], TAXI, f"2019-04-{3 + k:02d} 09:{i:02d}:00", 90))
    for i in range(15, 60):
        for k in range(6):
            a, b = (phone["O"], phone[f"P{i:02d}"]) if k % 2 else (phone[f"P{i:02d}"], phone["O"])
            calls.append((a, b, f"2019-04-{5 + k:02d} 23:{i:02d}:00", 40))
    cell = ["O", "P15", "P16", "P17"]
    for day in range(1, 25):
        for x in cell:
            for y in cell:
                if x < y:
                    calls.append((phone[x], phone[y], f"2019-05-{day:02d} 01:0{len(x)}:00", 30))
    (d / "calls.csv").write_text("caller,callee,started_at,duration_s\n" + "\n".join(
        ",".join(map(str, c)) for c in calls))
    (d / "persons.csv").write_text("person_id,name\n" + "\n".join(
        f"{p},name {p}" for p in sorted(phone)))
    (d / "phones.csv").write_text("phone,person_id\n" + "\n".join(
        f"{n},{p}" for p, n in sorted(phone.items())))
    case = Case(d / "case.duckdb")
    case.ingest([d])
    return case


def test_service_flagged_with_reason_busy_person_kept(busy_case):
    result = busy_case.rings()
    flagged = {h["id"]: h for h in result.params["hubs"]}
    assert set(flagged) == {TAXI}
    assert "registered to no known person" in flagged[TAXI]["reason"]
    busy = {b["id"]: b for b in result.params["busy"]}
    assert busy[ORGANIZER_PHONE]["service"] is False
    assert "registered to O" in busy[ORGANIZER_PHONE]["reason"]
    # nothing is removed: the organizer and the taxi line are in the graph
    graph, _ = busy_case.graph()
    assert {"O", TAXI} <= set(graph.ids)
    cell = next(r for r in result.rings if "O" in r.members)
    assert set(cell.members) == {"O", "P15", "P16", "P17"} and cell.leader == "O"
    assert not any(TAXI in r.members for r in result.rings)


def test_busy_person_tops_rank_and_has_paths(busy_case):
    people = busy_case.rank(top=None)
    assert people.iloc[0]["person_id"] == "O"
    assert len(people) == 62  # everyone: 61 persons and the taxi line
    assert people.set_index("person_id").loc[TAXI, "role"] == "service"
    paths = busy_case.paths("P20", "P40")
    assert paths and "O" in paths[0]["nodes"]
    table = busy_case.centrality(["O"])
    assert table.iloc[0]["node"] == "O"


def test_overrides_hub_and_not_hub(busy_case):
    forced = busy_case.rings(hubs=[ORGANIZER_PHONE], not_hubs=[TAXI])
    flagged = {h["id"]: h["reason"] for h in forced.params["hubs"]}
    assert set(flagged) == {ORGANIZER_PHONE}
    assert "--hub" in flagged[ORGANIZER_PHONE]
    busy = {b["id"]: b for b in forced.params["busy"]}
    assert busy[TAXI]["service"] is False and "--not-hub" in busy[TAXI]["reason"]


@pytest.mark.slow
def test_cli_hub_options_and_unknown_ids(busy_case, cli_env):
    db = str(busy_case.path)
    out = subprocess.run([*WORKBENCH, "rings", "--db", db, "--json", "--not-hub", TAXI],
                         capture_output=True, text=True, env=cli_env, check=True)
    assert json.loads(out.stdout)["params"]["hubs"] == []
    for args in (["path", "--db", db, "P01", "NOBODY"], ["calls", "--db", db, "P999999"],
                 ["rank", "--db", db, "--top", "0"]):
        bad = subprocess.run([*WORKBENCH, *args], capture_output=True, text=True,
                             env=cli_env)
        assert bad.returncode != 0 and "Traceback" not in bad.stderr
        assert len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    by_name = subprocess.run([*WORKBENCH, "path", "--db", db, "name P20", "name P40",
                              "--json"], capture_output=True, text=True, env=cli_env)
    assert by_name.returncode == 0, by_name.stderr
    ambiguous = subprocess.run([*WORKBENCH, "path", "--db", db, "name P2", "P40"],
                               capture_output=True, text=True, env=cli_env)
    assert ambiguous.returncode != 0 and "several persons" in ambiguous.stderr


@pytest.mark.slow
def test_explorer_services_override(busy_case):
    from workbench.explorer.widget import Explorer

    explorer = Explorer(busy_case)
    assert {h["id"] for h in explorer.result.params["hubs"]} == {TAXI}
    explorer.not_hubs.value = TAXI  # what typing into the box sends
    assert explorer.result.params["hubs"] == []
    explorer.hubs.value = ORGANIZER_PHONE
    assert [h["id"] for h in explorer.result.params["hubs"]] == [ORGANIZER_PHONE]
    # a service groups nobody: the cell is found without him
    assert explorer.result.rings and all("O" not in r.members for r in explorer.result.rings)


def _calls_layers(path) -> tuple[bool, list, list]:
    """The calls layer both ways on a store: from every call, and from the numbers' pairs."""
    from workbench.engine import as_engine
    from workbench.evidence import links
    from workbench.evidence.owners import PHONE_OWNERS
    from workbench.evidence.services import pairs_query
    from workbench.store.database import Store

    with Store(path, read_only=True) as store:
        engine, params = as_engine(store.con), links.LinkParams()
        owners = engine.materialize("_own_phones", PHONE_OWNERS)
        pairs = engine.materialize("_phone_pairs", *pairs_query("phone", params))
        attr, args = links.calls_attr_query(params, owners)
        sql = "SELECT * FROM ({}) t ORDER BY u, v"
        direct = store.con.execute(
            sql.format(links.calls_layer_query(params, f"({attr}) attr")[0]), args).fetchall()
        paired = store.con.execute(
            sql.format(links.calls_layer_from_pairs(pairs, owners)[0])).fetchall()
        if links._one_to_one(engine, pairs, owners):  # then also without summing again
            layer = links.calls_layer_from_pairs(pairs, owners, one_to_one=True)[0]
            assert store.con.execute(sql.format(layer)).fetchall() == paired
            summed = sql.format(links.calls_layer_from_pairs(pairs, owners)[0])
            assert (store.con.execute(f"DESCRIBE {sql.format(layer)}").fetchall()
                    == store.con.execute(f"DESCRIBE {summed}").fetchall())
        return links._owners_fixed(engine, owners), direct, paired


def test_calls_layer_from_number_pairs_is_the_layer_from_calls(busy_case, tmp_path):
    """Numbers that keep their owners: the layer summed from the numbers' pairs is the layer
    summed from the calls, row for row (the taxi line stands for itself); a number that
    changes hands is not such a case (the layer then reads every call)."""
    fixed, direct, paired = _calls_layers(busy_case.path)
    assert fixed and direct == paired
    # one number per person here: each pair of persons is one pair of numbers
    from workbench.engine import as_engine
    from workbench.evidence import links
    from workbench.evidence.owners import PHONE_OWNERS
    from workbench.evidence.services import pairs_query
    from workbench.store.database import Store

    with Store(busy_case.path, read_only=True) as store:
        engine = as_engine(store.con)
        pairs = engine.materialize("_p", *pairs_query("phone", links.LinkParams()))
        assert links._one_to_one(engine, pairs, engine.materialize("_o", PHONE_OWNERS))
    # O and P15: six night calls of 40 s and 24 of the cell's calls of 30 s at 01:00
    assert ("O", "P15", 30, 6 * 40 + 24 * 30, 30, 30) in direct
    assert any(TAXI in row[:2] for row in direct)
    d = tmp_path / "moved"
    d.mkdir()
    (d / "calls.csv").write_text("caller,callee,started_at,duration_s\n"
                                 "+8613900000001,+8613900000002,2019-04-01 10:00:00,60\n"
                                 "+8613900000001,+8613900000002,2019-06-01 10:00:00,60\n")
    (d / "persons.csv").write_text("person_id,name\nA,a\nB,b\nC,c\n")
    (d / "phones.csv").write_text("phone,person_id,since,until\n"
                                  "+8613900000001,A,,2019-04-30\n"
                                  "+8613900000001,C,2019-05-01,\n"
                                  "+8613900000002,B,,\n")
    Case(d / "case.duckdb").ingest([d])
    fixed, direct, _paired = _calls_layers(d / "case.duckdb")
    assert not fixed
    assert [row[:3] for row in direct] == [("A", "B", 1), ("B", "C", 1)]


def test_calls_layer_kept_as_a_view_or_stored_gives_one_graph(busy_case):
    """Numbers that keep their owners: the calls layer is a view over the numbers' pairs
    (the graph reads the pairs), or a table when asked (the heavy stage); its rows and the
    graph are the same either way."""
    import numpy as np

    from workbench.evidence import links
    from workbench.graph import build_graph
    from workbench.store.database import Store

    with Store(busy_case.path, read_only=True) as store:
        lazy = links.build_layers(store.con)
        stored = links.build_layers(store.con, calls_view=False)
        assert lazy.calls_pairs is not None and stored.calls_pairs is None
        rows = [layers.engine.fetch_rows(f"SELECT * FROM {layers.handles['_l_calls']} "
                                         "ORDER BY u, v") for layers in (lazy, stored)]
        graphs = [build_graph(None, layers) for layers in (lazy, stored)]
    assert rows[0] == rows[1] and len(rows[0]) > 10
    assert graphs[0].ids.tolist() == graphs[1].ids.tolist()
    for a, b in ((graphs[0].measures, graphs[1].measures), (graphs[0].node, graphs[1].node)):
        assert all(np.array_equal(a[k], b[k]) for k in a)
    assert np.array_equal(graphs[0].weight, graphs[1].weight)


def test_links_among_counterparts_in_numpy_match_the_join():
    """The busy numbers' figures with the links among their counterparts counted on the
    fetched pairs (numpy) are those of the engine's join, on fuzzed cases with hubs."""
    import numpy as np

    from workbench.engine import DuckDBEngine
    from workbench.evidence import links, services

    rng = np.random.default_rng(5)
    for case in range(6):
        numbers = [f"+86139{i:08d}" for i in range(int(rng.integers(60, 200)))]
        pairs = {tuple(sorted(rng.choice(len(numbers), 2, replace=False).tolist()))
                 for _ in range(len(numbers) * 2)}
        for hub in range(int(rng.integers(1, 5))):  # hubs with many counterparts
            pairs |= {tuple(sorted((hub, int(y)))) for y in
                      rng.choice(np.arange(5, len(numbers)), int(rng.integers(25, 55)),
                                 replace=False)}
        rows = []
        for x, y in sorted(pairs):
            n = int(rng.integers(1, 12))
            rows.append(f"('{numbers[x]}', '{numbers[y]}', {n}, {int(rng.integers(0, n + 1))}, "
                        f"{int(rng.integers(0, n + 1))}, {int(rng.integers(0, n + 1))}, "
                        f"{int(rng.integers(0, 900))})")
        with DuckDBEngine.over_parquet({}, "UTC") as engine:
            pair = engine.materialize(f"_p{case}", "SELECT * FROM (VALUES " + ", ".join(rows)
                                      + ") t(u, v, n, n_uv, n_night, n_short, duration_s)")
            params = links.LinkParams()
            joined = services._stats(engine, "phone", params, pair)[0]
            coded = services._stats(engine, "phone", params, pair,
                                    services.number_pairs(engine, pair))[0]
        assert joined == coded and joined
        assert any(s["density_ratio"] > 0 for s in joined)
