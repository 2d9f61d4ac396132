"""Co-presence and regional flags: hand-built cases with known answers, the sample's truth."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import numpy as np
import pytest

from workbench.analysis.regional import (
    current_code,
    population_counts,
    regional_flag,
    registration_codes,
)
from workbench.evidence.copresence import (
    COPRESENCE_COLUMNS,
    CoPresenceParams,
    build_copresence,
    copresence_records,
    poisson_surprise,
    together,
)
from workbench.evidence.links import LinkParams
from workbench.ingest.local import ingest_paths
from workbench.store.database import Store

from .conftest import SAMPLE

P1_ID, P2_ID, STRANGER = "11010519491231002X", "330681199001011237", "110101199003071233"


def _pairs(con) -> dict:
    cur = con.execute("SELECT * FROM _l_copresence ORDER BY u, v")
    names = [d[0] for d in cur.description]
    return {(r[0], r[1]): dict(zip(names, r, strict=True)) for r in cur.fetchall()}


@pytest.fixture
def small(tmp_path, write):
    files = [
        write("persons.csv", f"person_id,name,id_number\nP1,甲,{P1_ID}\nP2,乙,{P2_ID}\n"
              "P3,丙,\nP4,丁,\n"),
        write("stays.csv", "person_id,id_number,place_id,room,checked_in,checked_out\n"
              "P1,,H1,301,2019-04-01 22:00,2019-04-03 10:00\n"
              f",{P2_ID},H1,302,2019-04-02 21:00,2019-04-03 09:00\n"
              "P3,,H1,510,2019-04-02 23:00,2019-04-03 09:00\n"
              f",{STRANGER},H1,303,2019-04-01 23:00,2019-04-02 09:00\n"
              "P4,,H1,304,2019-04-04 23:00,2019-04-05 09:00\n"),
        write("visits.csv", "person_id,place_id,seen_at\nP1,K1,2019-04-10 01:00\n"
              "P2,K1,2019-04-10 01:20\nP3,K1,2019-04-10 03:30\n"),
        write("trips.csv", "person_id,service,departs_at,seat\n"
              "P1,G7512,2019-04-13 09:00,05车12A\nP2,G7512,2019-04-13 09:00,05车12B\n"
              "P3,G7512,2019-04-13 09:00,07车01A\nP4,G7512,2019-04-14 09:00,05车12C\n"),
        write("phones.csv", "phone,person_id,since,until\n13800138000,P3,,\n"
              "13900139000,P4,2019-04-01,\n"),
        write("calls.csv", "caller,callee,started_at,cell_id\n"
              "13800138000,110,2019-04-20 10:00,C7\n13900139000,110,2019-04-20 10:05,C7\n"
              "13900139000,110,2019-03-20 10:00,C8\n13800138000,110,2019-03-20 10:01,C8\n"),
    ]
    store = Store(tmp_path / "case.duckdb")
    ingest_paths(store, files)
    yield store
    store.close()


def test_pairs_measures_and_node_ids_on_a_hand_built_case(small):
    info = build_copresence(small.con, cp=CoPresenceParams(venue_window_min=30,
                                                           cell_window_min=15))
    pairs = _pairs(small.con)
    # P1/P2 share a night in adjacent rooms, a venue within 20 min, adjacent seats; P3 is at
    # the hotel and on the train but 2.5 h apart at the venue; the stranger (known only by ID
    # number) shares P1's first night; P4 is on the same cell as P3 only while he holds it
    assert set(pairs) == {("P1", "P2"), ("P1", "P3"), ("P2", "P3"), (STRANGER, "P1"),
                          ("P3", "P4")}
    p12 = pairs[("P1", "P2")]
    assert (p12["n_meet"], p12["n_places"], p12["n_hotel"], p12["n_room_adjacent"],
            p12["n_venue"], p12["n_trip"], p12["n_seat_adjacent"], p12["n_cell"]) == \
        (3, 3, 1, 1, 1, 1, 1, 0)
    p13 = pairs[("P1", "P3")]
    assert (p13["n_hotel"], p13["n_room_adjacent"], p13["n_venue"], p13["n_trip"],
            p13["n_seat_adjacent"]) == (1, 0, 0, 1, 0)
    assert pairs[("P3", "P4")]["n_cell"] == 1  # 2019-03-20 is before P4 held the number
    assert pairs[(STRANGER, "P1")]["n_hotel"] == 1  # digits sort before letters: u < v
    assert p12["surprise"] > p13["surprise"] > 0  # adjacency and the venue add
    assert all(u < v for u, v in pairs)
    assert all(p["lookalike"] is None and p["weight"] == p["surprise"] for p in pairs.values())
    assert info["params"]["venue_window_min"] == 30 and info["pairs"] == 5
    assert info["events"] == {"cell": 3, "stay": 6, "trip": 4, "visit": 3}  # 03-20: not P4 yet
    # a window on the records: only April 10 onward (the venue and the train)
    build_copresence(small.con, LinkParams(since=dt.datetime(2019, 4, 10, tzinfo=dt.UTC)),
                     CoPresenceParams(venue_window_min=30, cell_window_min=15))
    assert set(_pairs(small.con)) == {("P1", "P2"), ("P1", "P3"), ("P2", "P3"), ("P3", "P4")}


def test_empty_store_gives_an_empty_layer(tmp_path):
    with Store(tmp_path / "c.duckdb") as store:
        info = build_copresence(store.con)
        cols = [d[0] for d in store.con.execute("SELECT * FROM _l_copresence").description]
        assert info["pairs"] == 0 and info["events"] == {}
        assert tuple(cols) == COPRESENCE_COLUMNS
        assert together(store.con, "P1").empty and registration_codes(store.con) == {}


def test_together_and_records_carry_file_and_line(small):
    cp = CoPresenceParams(venue_window_min=30, cell_window_min=15)
    with_p1 = together(small.con, "P1", cp=cp)
    assert sorted(set(zip(with_p1.other, with_p1.kind, strict=True))) == [
        (STRANGER, "stay"), ("P2", "stay"), ("P2", "trip"), ("P2", "visit"), ("P3", "stay"),
        ("P3", "trip")]
    row = with_p1[(with_p1.other == "P2") & (with_p1.kind == "stay")].iloc[0]
    assert row.file.endswith("stays.csv") and (row.line, row.other_line) == (2, 3)
    assert bool(row.adjacent) and (row.pos, row.other_pos) == ("301", "302")
    at_train = together(small.con, "P1", "G7512", cp=cp)
    assert list(at_train.other) == ["P2", "P3"] and list(at_train.adjacent) == [True, False]
    recs = copresence_records(small.con, ["P1", "P2", "P4"], cp=cp)
    assert [(r.person, r.other, r.line, r.other_line) for r in recs["trips"].itertuples()] == [
        ("P1", "P2", 2, 3)]
    assert len(recs["stays"]) == 1 and len(recs["visits"]) == 1 and recs["cells"].empty


def test_band_join_equals_the_naive_pairs(tmp_path, write):
    rng = np.random.default_rng(3)
    lines = ["person_id,place_id,seen_at"]
    seen = []
    for _ in range(400):
        who, place = f"P{int(rng.integers(0, 40))}", f"K{int(rng.integers(0, 4))}"
        t = dt.datetime(2019, 4, 1) + dt.timedelta(minutes=int(rng.integers(0, 3 * 24 * 60)))
        lines.append(f"{who},{place},{t:%Y-%m-%d %H:%M}")
        seen.append((who, place, t))
    with Store(tmp_path / "c.duckdb") as store:
        ingest_paths(store, [write("visits.csv", "\n".join(lines) + "\n")])
        build_copresence(store.con, cp=CoPresenceParams(venue_window_min=20, cells=False))
        got = {k for k, p in _pairs(store.con).items() if p["n_venue"]}
    naive = {tuple(sorted((a[0], b[0]))) for a, b in itertools.combinations(seen, 2)
             if a[0] != b[0] and a[1] == b[1] and abs((a[2] - b[2]).total_seconds()) <= 1200}
    assert got == naive and len(naive) > 20


def test_chance_beats_raw_counts_busy_haunt_staff_and_business_trips(tmp_path, write):
    """Two regulars of one busy bar meet there often by chance; a pair that meets in three
    different hotels is the surprise. Staff seen at every check and coworkers on weekday
    trains are look-alikes."""
    visits, stays, trips = ["person_id,place_id,seen_at"], \
        ["person_id,place_id,room,checked_in"], ["person_id,service,departs_at,seat"]
    rng = np.random.default_rng(1)
    day0 = dt.datetime(2019, 4, 1)
    for d in range(30):  # a busy bar: 30 nights, 20 of 40 regulars each night; R0, R1 always
        for who in ["R0", "R1", *(f"R{int(i)}" for i in rng.choice(range(2, 40), 18, False))]:
            t = day0 + dt.timedelta(days=d, hours=22, minutes=int(rng.integers(0, 30)))
            visits.append(f"{who},BAR,{t:%Y-%m-%d %H:%M}")
    for d in range(30):  # three hotels, six guests each night
        for h in range(3):
            for g in range(6):
                night = f"{day0 + dt.timedelta(days=d):%Y-%m-%d}"
                stays.append(f"G{h}{g}{d},H{h},{h}0{g},{night} 22:00")
    for d in range(0, 30, 10):  # A and B together three times, a different hotel each time
        stays.append(f"A,H{d // 10},801,{day0 + dt.timedelta(days=d):%Y-%m-%d} 22:00")
        stays.append(f"B,H{d // 10},805,{day0 + dt.timedelta(days=d):%Y-%m-%d} 22:30")
    for month in range(3):  # police check each month: staff S0, S1 every time, guests vary
        t = day0 + dt.timedelta(days=30 * month + 5, hours=23)
        for who in ["S0", "S1", *(f"C{month}{i}" for i in range(5))]:
            visits.append(f"{who},KTV,{t:%Y-%m-%d %H:%M}")
    for d in (1, 2, 8, 9):  # weekday daytime trains for W0 and W1 (2019-04-01 is a Monday)
        for j, who in enumerate(("W0", "W1")):
            day = day0 + dt.timedelta(days=d)
            trips.append(f"{who},G{d},{day:%Y-%m-%d} 09:00,03车05{'AB'[j]}")
    for d in (5, 12):  # weekend trains for V0 and V1: not business
        for j, who in enumerate(("V0", "V1")):
            day = day0 + dt.timedelta(days=d)
            trips.append(f"{who},G{d},{day:%Y-%m-%d} 09:00,03车05{'AB'[j]}")
    files = [write("visits.csv", "\n".join(visits) + "\n"),
             write("stays.csv", "\n".join(stays) + "\n"),
             write("trips.csv", "\n".join(trips) + "\n")]
    with Store(tmp_path / "c.duckdb") as store:
        ingest_paths(store, files)
        info = build_copresence(store.con, cp=CoPresenceParams(venue_window_min=60))
        pairs = _pairs(store.con)
    regulars, hidden = pairs[("R0", "R1")], pairs[("A", "B")]
    assert regulars["n_meet"] == 30 and hidden["n_meet"] == 3
    assert regulars["expected"] > 10 and hidden["expected"] < 0.5
    assert hidden["surprise"] > 3 > regulars["surprise"]
    by_raw = sorted(pairs, key=lambda k: -pairs[k]["n_meet"])
    by_weight = sorted(pairs, key=lambda k: -pairs[k]["weight"])
    assert by_weight.index(("A", "B")) == 0 < 50 < by_raw.index(("A", "B"))
    assert pairs[("S0", "S1")]["lookalike"] == "staff" and pairs[("S0", "S1")]["weight"] == 0
    assert pairs[("C00", "S0")]["lookalike"] == "staff"
    assert pairs[("W0", "W1")]["lookalike"] == "business" and pairs[("W0", "W1")]["weight"] == 0
    assert pairs[("W0", "W1")]["n_seat_adjacent"] == 4
    assert pairs[("V0", "V1")]["lookalike"] is None and pairs[("V0", "V1")]["weight"] > 0
    assert info["staff"] >= 2 and info["lookalikes"]["staff"] >= 1


def test_poisson_surprise_known_values():
    got = poisson_surprise([0, 1, 3, 2, 30], [0.5, 0.5, 0.1, 2.0, 30.0])
    expect = [0.0, -np.log10(1 - np.exp(-0.5)), -np.log10(1.54681e-4),
              -np.log10(1 - 3 * np.exp(-2)), -np.log10(0.5243)]
    assert np.allclose(got, expect, rtol=2e-3)


# -- regional -------------------------------------------------------------------------------
def test_regional_flag_rules():
    pop = {"330681": 2550, "330683": 300, "451082": 5, "513431": 3, "110101": 142}
    flag = regional_flag(["451082", "451082", "451082", "451082", "330681"], pop)
    assert flag == {"code": "451082", "place": "广西壮族自治区百色市平果市", "members": 4,
                    "base_rate": round(5 / 3000, 6)}
    assert regional_flag(["330681"] * 5, pop) is None  # the local majority
    assert regional_flag(["330683"] * 4, pop) is None  # 10% of the case: not rare
    assert regional_flag(["451082", "513431", "330681", "330681"], pop) is None  # no majority
    # prefecture: two counties of 凉山州 together are most of the ring
    pop["513432"] = 2
    assert regional_flag(["513431", "513432", "513431", "513432", "330681"], pop)["code"] == \
        "5134"
    assert regional_flag([None, None, "451082"], pop) is None
    assert current_code("451023") == "451082" and current_code("131027") == "131081"


@pytest.mark.slow
def test_sample_meeting_ring_regional_ring_and_lookalikes(tmp_path):
    truth = json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))
    with Store(tmp_path / "case.duckdb") as store:
        ingest_paths(store, [SAMPLE / n for n in ("persons.csv", "phones.csv", "stays.csv",
                                                  "visits.csv", "trips.csv")])
        info = build_copresence(store.con)
        pairs = _pairs(store.con)
        codes = registration_codes(store.con)
        pop = population_counts(store.con, codes)
    ranked = sorted(pairs, key=lambda k: (-pairs[k]["weight"], k))
    meet = truth["meeting_rings"][0]["members"]
    ring_pairs = set(itertools.combinations(sorted(meet), 2))
    assert ring_pairs <= set(ranked[:len(ring_pairs) + 5])
    for look in truth["copresence_lookalikes"]:
        for pair in itertools.combinations(sorted(look["members"]), 2):
            assert pairs[pair]["lookalike"] is not None and pairs[pair]["weight"] == 0
    assert info["params"]["venue_window_min"] >= 15
    # regional: the migrant ring is flagged, no other planted ring is
    assert max(pop, key=pop.get) == truth["copresence"]["home_county"]
    for ring in truth["rings"]:
        flag = regional_flag([codes.get(m) for m in ring["members"]], pop)
        if ring["type"] == "regional":
            assert flag["code"] == ring["regional"]["code"] == "451082"
            assert flag["members"] == len(ring["members"])  # the old code counts too
        else:
            assert flag is None, ring
    elsewhere = truth["copresence"]["registered_elsewhere"]
    assert 0.02 < len(elsewhere) / truth["counts"]["persons"] < 0.06


def test_crowded_slots_pair_only_neighbours(tmp_path, write):
    """A hotel night with more guests than ``crowd_max`` pairs only same / adjacent rooms;
    the same night with fewer guests pairs everyone."""
    rows = ["person_id,place_id,room,checked_in"]
    rows += [f"G{i:02d},H1,{300 + i * 2},2019-04-01 22:00" for i in range(12)]
    rows += ["A,H1,801,2019-04-01 22:00", "B,H1,802,2019-04-01 22:00",
             "C,H1,810,2019-04-01 22:00"]
    path = write("stays.csv", "\n".join(rows) + "\n")
    with Store(tmp_path / "c.duckdb") as store:
        ingest_paths(store, [path])
        build_copresence(store.con, cp=CoPresenceParams(crowd_max=10))
        crowded = _pairs(store.con)
        build_copresence(store.con, cp=CoPresenceParams(crowd_max=40))
        everyone = _pairs(store.con)
    assert set(crowded) == {("A", "B")} and crowded[("A", "B")]["n_room_adjacent"] == 1
    assert len(everyone) == 15 * 14 // 2
