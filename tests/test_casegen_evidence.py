"""Tests of the case generators in ``tests/casegen`` (not of the detector).

The evidence county and the money case must be deterministic per seed, write the data
contract's headers, and hold the planted shapes as described in their docstrings.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import os
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.casegen.evidence_county import (
    CARRIER,
    CONTRACT_HEADERS,
    POWER_ACCOUNT,
    TAXI_LINE,
    id_check_chars,
    write_county,
)
from tests.casegen.money_cases import KINDS, write_money_case
from tests.casegen.score_rings import (
    jaccard,
    normalize_kind,
    planted_patterns,
    planted_rings,
    read_money,
    read_rings,
    score,
)

PERSONS = 2000
#: the seed of the module's county and money case (``CASEGEN_SEED`` to try others)
SEED = int(os.environ.get("CASEGEN_SEED", "11"))


def _digest(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    out = tmp_path_factory.mktemp("county")
    truth = write_county(out, seed=SEED, persons=PERSONS)
    frames = {k: pd.read_csv(out / f"{k}.csv", dtype=str, keep_default_na=False)
              for k in CONTRACT_HEADERS}
    ph2p = dict(zip(frames["phones"]["phone"], frames["phones"]["person_id"], strict=True))
    calls = frames["calls"].copy()
    calls["a"] = calls["caller"].map(ph2p)
    calls["b"] = calls["callee"].map(ph2p)
    calls["hour"] = calls["started_at"].str[11:13].astype(int)
    calls["dur"] = calls["duration_s"].astype(int)
    pair = defaultdict(int)
    for a, b in zip(calls["a"], calls["b"], strict=True):
        if isinstance(a, str) and isinstance(b, str):
            pair[frozenset((a, b))] += 1
    acc2p = dict(zip(frames["accounts"]["account_id"], frames["accounts"]["person_id"],
                     strict=True))
    tx = frames["transactions"].copy()
    tx["a"] = tx["from_account"].map(acc2p)
    tx["b"] = tx["to_account"].map(acc2p)
    return {"dir": out, "truth": truth, "f": frames, "calls": calls, "pair": pair, "tx": tx}


@pytest.fixture(scope="module")
def money(tmp_path_factory):
    out = tmp_path_factory.mktemp("money")
    truth = write_money_case(out, seed=SEED, accounts=2000, patterns=10)
    tx = pd.read_csv(out / "transactions.csv", dtype=str)
    tx["amount"] = tx["amount"].astype(float)
    tx["t"] = pd.to_datetime(tx["occurred_at"])
    return {"dir": out, "truth": truth, "tx": tx}


def _ring(county, kind):
    return [r for r in county["truth"]["rings"] if r["kind"] == kind]


# -- determinism and format --------------------------------------------------------------------
def test_county_is_deterministic_per_seed(tmp_path):
    a = write_county(tmp_path / "a", seed=3, persons=500)
    b = write_county(tmp_path / "b", seed=3, persons=500)
    c = write_county(tmp_path / "c", seed=4, persons=500)
    assert a == b
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a")["calls.csv"] != _digest(tmp_path / "c")["calls.csv"]
    assert c["rings"] != a["rings"]


def test_money_case_is_deterministic_per_seed(tmp_path):
    a = write_money_case(tmp_path / "a", seed=1, accounts=600, patterns=6)
    b = write_money_case(tmp_path / "b", seed=1, accounts=600, patterns=6)
    assert a == b
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")


def test_county_files_have_contract_headers(county):
    for kind, header in CONTRACT_HEADERS.items():
        with open(county["dir"] / f"{kind}.csv", encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert rows[0] == header, kind
        assert len(rows) > 1, kind
        assert all(len(r) == len(header) for r in rows[1:]), kind
    f = county["f"]
    assert len(f["persons"]) == PERSONS
    assert f["persons"]["person_id"].is_unique
    assert f["phones"]["phone"].is_unique
    assert f["accounts"]["account_id"].is_unique
    assert set(f["kinship"]["relation"]) <= {"spouse", "parent", "sibling", "relative"}
    assert (f["transactions"]["amount"].astype(float) > 0).all()
    assert f["calls"]["started_at"].str.match(r"^2019-0[1-6]-\d\d \d\d:\d\d:\d\d$").all()
    # registrations name people by ID number, not by person id
    assert (f["stays"]["person_id"] == "").all()
    assert (f["stays"]["id_number"] != "").all()


def test_id_numbers_valid_and_mostly_home_prefecture(county):
    persons = county["f"]["persons"]
    ids = persons["id_number"].to_numpy()
    assert all(len(x) == 18 for x in ids)
    assert (id_check_chars(np.array([x[:17] for x in ids])) == np.array([x[17] for x in ids])).all()
    assert persons["id_number"].is_unique
    births = persons["birth_date"].str.replace("-", "")
    assert (births == persons["id_number"].str[6:14]).all()
    sex_digit = persons["id_number"].str[16].astype(int) % 2
    assert ((sex_digit == 1) == (persons["sex"] == "M")).all()
    regions = persons["id_number"].str[:6]
    assert (regions == "330681").mean() > 0.6
    assert regions.str.startswith("3306").mean() > 0.85
    stay_ids = county["f"]["stays"]["id_number"]
    assert (id_check_chars(np.array([x[:17] for x in stay_ids]))
            == np.array([x[17] for x in stay_ids])).all()


# -- the planted rings ------------------------------------------------------------------------
def test_ring_inventory(county):
    rings = county["truth"]["rings"]
    kinds = Counter(r["kind"] for r in rings)
    assert set(kinds) == {"meeting", "family", "cell", "migrant", "ordinary"}
    assert 5 <= len(rings) <= 12
    seen = set()
    for r in rings:
        assert r["organizer"] in r["members"]
        assert len(set(r["members"])) == len(r["members"])
        assert not seen & set(r["members"]), "rings share a member"
        seen |= set(r["members"])
        assert not set(r["buyers"]) & set(r["members"])
        size = len(r["members"])
        expected = {"meeting": (5, 5), "family": (7, 7), "cell": (3, 3), "migrant": (5, 7),
                    "ordinary": (4, 10)}[r["kind"]]
        assert expected[0] <= size <= expected[1], r
    full = write_county.__defaults__  # the default size is the 6,000-person county
    assert full == (6000,)


def test_meeting_ring_meets_instead_of_phoning(county):
    (ring,) = _ring(county, "meeting")
    members, pair, calls = ring["members"], county["pair"], county["calls"]
    inside = [pair[frozenset(p)] for p in itertools.combinations(members, 2)]
    assert max(inside) <= 4 and sum(inside) <= 25
    own = calls[calls["a"].isin(members) & calls["b"].isin(members)]
    assert own["hour"].between(10, 16).all() and (own["dur"] < 60).all()
    for m in members:  # kin or friends call each member far more than any ring member does
        top = max(n for k, n in pair.items() if m in k and not (k - {m}) <= set(members))
        assert top >= 3 * max(inside)
    kin = county["f"]["kinship"]
    for m in members:
        assert ((kin["person_a"] == m) | (kin["person_b"] == m)).any()
    # adjacent hotel rooms every one to three weeks
    persons = county["f"]["persons"]
    id2p = dict(zip(persons["id_number"], persons["person_id"], strict=True))
    stays = county["f"]["stays"].copy()
    stays["p"] = stays["id_number"].map(id2p)
    stays["day"] = stays["checked_in"].str[:10]
    mine = stays[stays["p"].isin(members)]
    nights = 0
    for _, g in mine.groupby(["place_id", "day"]):
        rooms = sorted(int(r) for r in g["room"])
        if len(g) >= 3:
            assert rooms == list(range(rooms[0], rooms[0] + len(rooms)))
            nights += 1
    assert nights == len(ring["meetings"]) and nights >= 7
    days = sorted(m["day"] for m in ring["meetings"])
    assert all(7 <= b - a <= 21 for a, b in itertools.pairwise(days))
    # late nights at one KTV
    visits = county["f"]["visits"]
    late = visits[visits["id_number"].map(id2p).isin(members) & (visits["place_id"] == ring["ktv"])
                  & (visits["seen_at"].str[11:13].astype(int) <= 2)]
    assert late["seen_at"].str[:10].nunique() >= 5
    # small transfers to one member; one arrest, late
    tx = county["tx"]
    to_org = tx[tx["a"].isin(members) & (tx["b"] == ring["organizer"])]
    assert to_org["a"].nunique() == 4 and (to_org["amount"].astype(float) <= 1500).all()
    arrests = county["f"]["arrests"]
    caught = arrests[arrests["person_id"].isin(members)]
    assert len(caught) == 1 and caught["arrested_at"].iloc[0] >= "2019-06-09"


def test_family_ring_core_is_kin(county):
    (ring,) = _ring(county, "family")
    core = set(ring["family_core"])
    assert len(core) == 5 and core <= set(ring["members"]) and ring["organizer"] in core
    kin = county["f"]["kinship"]
    edges = [(a, b, r) for a, b, r in zip(kin["person_a"], kin["person_b"], kin["relation"],
                                           strict=True)]
    inner = [(a, b, r) for a, b, r in edges if a in core and b in core]
    # the core is connected by kinship records
    reach, todo = {ring["organizer"]}, [ring["organizer"]]
    while todo:
        x = todo.pop()
        for a, b, _ in inner:
            for u, v in ((a, b), (b, a)):
                if u == x and v not in reach:
                    reach.add(v)
                    todo.append(v)
    assert reach == core
    org = ring["organizer"]
    assert any(r == "spouse" and org in (a, b) for a, b, r in inner)
    assert any(r == "parent" and a == org for a, b, r in inner)  # his son
    assert any(r == "sibling" and org in (a, b) for a, b, r in inner)
    names = dict(zip(county["f"]["persons"]["person_id"], county["f"]["persons"]["name"],
                     strict=True))
    surnames = {names[p][0] for p in core}
    assert len(surnames) >= 2  # the wife and her brother keep their own surname
    couriers = set(ring["members"]) - core
    assert len(couriers) == 2
    assert not any((a in couriers or b in couriers) and (a in ring["members"])
                   and (b in ring["members"]) for a, b, _ in edges)


def test_cells_call_briefly_at_night_and_pay_one(county):
    cells = _ring(county, "cell")
    assert cells
    calls, tx = county["calls"], county["tx"]
    for ring in cells:
        m = ring["members"]
        for p in itertools.combinations(m, 2):
            assert county["pair"][frozenset(p)] >= 8
        own = calls[calls["a"].isin(m) & calls["b"].isin(m)]
        night = (own["hour"] >= 22) | (own["hour"] < 4)
        assert night.mean() > 0.9 and own["dur"].median() < 60
        paid = tx[tx["a"].isin(m) & (tx["b"] == ring["organizer"])]
        assert paid["a"].nunique() == 2
        # embedded in busy circles: each member has more outside contacts than ring contacts
        for x in m:
            partners = {y for k in county["pair"] if x in k for y in k} - {x}
            assert len(partners - set(m)) >= 6


def test_migrant_ring_shares_a_rare_county(county):
    (ring,) = _ring(county, "migrant")
    persons = county["f"]["persons"].set_index("person_id")
    regions = persons.loc[ring["members"], "id_number"].str[:6]
    assert (regions == ring["region"]).sum() >= len(ring["members"]) - 1
    everyone = persons["id_number"].str[:6]
    assert (everyone == ring["region"]).sum() <= len(ring["members"]) + 3
    assert (everyone == ring["region"]).mean() < 0.01


def test_dealing_rings_have_money_to_organizer_and_night_calls(county):
    tx, calls = county["tx"], county["calls"]
    for ring in _ring(county, "ordinary") + _ring(county, "migrant") + _ring(county, "family"):
        m = set(ring["members"])
        paid = tx[tx["a"].isin(m - {ring["organizer"]}) & (tx["b"] == ring["organizer"])]
        assert paid["a"].nunique() >= len(m) // 2
        org_calls = calls[((calls["a"] == ring["organizer"]) & calls["b"].isin(m))
                          | ((calls["b"] == ring["organizer"]) & calls["a"].isin(m))]
        assert ((org_calls["hour"] >= 21) | (org_calls["hour"] < 4)).mean() > 0.6
        # buyers call a seller and pay small sums; they are not members
        buyers = set(ring["buyers"])
        assert buyers and not buyers & m
        small = tx[tx["a"].isin(buyers) & tx["b"].isin(m)]
        assert (small["amount"].astype(float) <= 600).all()


# -- ordinary life and look-alikes ------------------------------------------------------------
def test_lookalikes_and_services(county):
    look = Counter(x["kind"] for x in county["truth"]["lookalikes"])
    for kind in ("night_shift", "ktv_staff", "lone_dealer", "party_arrest", "family_support",
                 "tour_group", "sales_team"):
        assert look[kind] >= 1, kind
    calls = county["calls"]
    phones = county["f"]["phones"]["phone"]
    for svc in (TAXI_LINE, CARRIER):
        users = set(calls.loc[calls["caller"] == svc, "callee"]) | set(
            calls.loc[calls["callee"] == svc, "caller"])
        assert len(users) > 0.3 * len(phones), svc
    tx = county["f"]["transactions"]
    payers = tx.loc[tx["to_account"] == POWER_ACCOUNT, "from_account"].nunique()
    households = county["f"]["persons"]["household_id"].nunique()
    assert payers > 0.6 * households
    # night-shift drivers call each other at night
    (drivers,) = [x["members"] for x in county["truth"]["lookalikes"] if x["kind"] == "night_shift"]
    own = calls[calls["a"].isin(drivers) & calls["b"].isin(drivers)]
    assert len(own) > 50 and ((own["hour"] >= 22) | (own["hour"] < 4)).mean() > 0.9
    # the party users were arrested together, in one case
    (party,) = [x["members"] for x in county["truth"]["lookalikes"] if x["kind"] == "party_arrest"]
    ar = county["f"]["arrests"]
    assert ar.loc[ar["person_id"].isin(party), "case_id"].nunique() == 1
    # KTV staff are seen at their venue nearly every night
    persons = county["f"]["persons"]
    id2p = dict(zip(persons["id_number"], persons["person_id"], strict=True))
    visits = county["f"]["visits"]
    staff = [x for x in county["truth"]["lookalikes"] if x["kind"] == "ktv_staff"][0]
    seen = visits[visits["id_number"].map(id2p).isin(staff["members"])
                  & (visits["place_id"] == staff["venue"])]
    nights = seen.groupby("id_number")["seen_at"].apply(lambda s: s.str[:10].nunique())
    assert nights.min() > 120


def test_tour_groups_take_adjacent_rooms_once(county):
    stays = county["f"]["stays"]
    for group in [x for x in county["truth"]["lookalikes"] if x["kind"] == "tour_group"]:
        g = stays[stays["id_number"].isin(group["members"])]
        assert len(g) == len(group["members"])
        assert g["place_id"].nunique() == 1 and g["checked_in"].str[:10].nunique() == 1
        rooms = sorted({int(r) for r in g["room"]})
        assert rooms == list(range(rooms[0], rooms[0] + len(rooms)))


def test_county_of_6000_is_quick(tmp_path):
    import time

    t = time.perf_counter()
    truth = write_county(tmp_path, seed=2)
    assert time.perf_counter() - t < 15
    assert truth["persons"] == 6000 and 8 <= len(truth["rings"]) <= 12


# -- the money case ---------------------------------------------------------------------------
def test_money_patterns_one_transfer_per_pair(money):
    tx, truth = money["tx"], money["truth"]
    assert {p["kind"] for p in truth["patterns"]} == set(KINDS)
    assert len(truth["patterns"]) == 10
    undirected = Counter(frozenset(x) for x in zip(tx["from_account"], tx["to_account"],
                                                    strict=True))
    used = set()
    for p in truth["patterns"]:
        accts = set(p["accounts"])
        assert not accts & used
        used |= accts
        for s, d in p["pairs"]:
            assert undirected[frozenset((s, d))] == 1, (p["kind"], s, d)
        # members also make ordinary payments outside the pattern
        src_in, dst_in = tx["from_account"].isin(accts), tx["to_account"].isin(accts)
        active = set(tx.loc[src_in & ~dst_in, "from_account"]) | set(
            tx.loc[dst_in & ~src_in, "to_account"])
        assert active == accts
    # repeated ordinary pairs exist (salaries, rent, bills)
    assert max(undirected.values()) >= 12
    counts = pd.read_csv(money["dir"] / "accounts.csv", dtype=str)
    assert len(counts) == 2000 and counts["account_id"].is_unique


def test_money_pattern_shapes(money):
    tx = money["tx"]
    for p in money["truth"]["patterns"]:
        pairs = pd.DataFrame(p["pairs"], columns=["from_account", "to_account"])
        rows = tx.merge(pairs, on=["from_account", "to_account"])
        assert len(rows) == p["transfers"]
        span = rows["t"].max() - rows["t"].min()
        if p["fast"]:
            assert span <= pd.Timedelta(days=20)
        else:
            assert span >= pd.Timedelta(days=30)
        if p["kind"] == "cycle":
            srcs = [s for s, _ in p["pairs"]]
            dsts = [d for _, d in p["pairs"]]
            assert sorted(srcs) == sorted(dsts) == sorted(p["accounts"])
            if p["fast"]:
                ordered = rows.sort_values("t")["amount"].to_numpy()
                assert (ordered[1:] <= ordered[:-1]).all()
                assert ordered[-1] >= 0.75 * ordered[0]
        if p["kind"] == "scatter_gather" and p["fast"]:
            origin, dest = p["accounts"][0], p["accounts"][-1]
            out = rows.loc[rows["from_account"] == origin, "amount"].sum()
            back = rows.loc[rows["to_account"] == dest, "amount"].sum()
            assert 0.95 * out <= back <= out
        if p["kind"] == "fan_in":
            assert rows["to_account"].nunique() == 1 and rows["from_account"].nunique() >= 5
        if p["kind"] == "fan_out":
            assert rows["from_account"].nunique() == 1 and rows["to_account"].nunique() >= 5
        if p["kind"] == "bipartite":
            assert len(rows) == rows["from_account"].nunique() * rows["to_account"].nunique()


# -- scoring ----------------------------------------------------------------------------------
def test_score_jaccard_recall_and_precision():
    planted = [{"a", "b", "c"}, {"d", "e", "f", "g"}]
    found = [{"a", "b", "c", "x"}, {"q", "r"}, {"d", "e"}]
    s = score(found, planted)
    assert s["best"] == [0.75, 0.5]
    assert s["found"] == [True, False]
    assert s["recall"] == 0.5 and s["k"] == 2
    assert s["precision_at_k"] == 0.5  # top 2: one match, one miss
    assert score([], planted)["precision_at_k"] == 0.0
    assert jaccard(set(), set()) == 0.0


def test_readers_of_workbench_json(county, money):
    doc = {"rings": [{"members": ["P1", "P2"], "family": None, "regional": None}],
           "params": {}}
    assert read_rings(doc) == [{"P1", "P2"}]
    money_doc = {"patterns": [{"kind": "fan-in", "accounts": ["6222 1", "2"]},
                              {"kind": "bipartite layering", "accounts": ["3"]}]}
    assert read_money(money_doc) == [{"62221", "2"}, {"3"}]
    assert read_money(money_doc, kinds=["bipartite"]) == [{"3"}]
    assert normalize_kind("Scatter-Gather") == "scatter_gather"
    assert len(planted_rings(county["truth"])) == len(county["truth"]["rings"])
    assert len(planted_rings(county["truth"], ["cell"])) == len(_ring(county, "cell"))
    perfect = score(planted_patterns(money["truth"]), planted_patterns(money["truth"]))
    assert perfect["recall"] == 1.0 and perfect["precision_at_k"] == 1.0
