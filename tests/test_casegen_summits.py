"""The summit-case generator: deterministic, ingested whole, its truth consistent."""

import json
from collections import Counter

import duckdb
import pandas as pd
import pytest

import workbench
from tests.casegen.score_key_players import baselines, expected_hits, meetings
from tests.casegen.summits import LARGE_KINDS, write_summits

SEED = 3  # a seed with calls and hotel stays as well as venue sightings


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    out = tmp_path_factory.mktemp("summits")
    return out, write_summits(out, SEED)


def test_same_seed_same_bytes_other_seed_other_case(case, tmp_path):
    out, truth = case
    again = write_summits(tmp_path / "again", SEED)
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted(p.name for p in (tmp_path / "again").iterdir())
    assert {"persons.csv", "visits.csv", "stays.csv", "calls.csv", "truth.json"} <= set(files)
    for name in files:
        assert (out / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name
    other = write_summits(tmp_path / "other", SEED + 1)
    assert other["bosses"] != again["bosses"]


def test_truth_is_consistent(case):
    out, t = case
    members, bosses = set(t["members"]), set(t["bosses"])
    assert 100 <= len(members) <= 250
    assert 0.14 <= len(bosses) / len(members) <= 0.31 and bosses <= members
    clan_members = [p for c in t["clans"] for p in c["members"]]
    assert sorted(clan_members) == sorted(members)  # the locals partition the members
    assert all(c["bosses"] and set(c["bosses"]) <= set(c["members"]) for c in t["clans"])
    assert sorted(p for c in t["clans"] for p in c["bosses"]) == sorted(bosses)
    noise = [p for ps in t["noise"].values() for p in ps]
    assert len(noise) == len(set(noise)) and not set(noise) & members
    persons = set(pd.read_csv(out / "persons.csv", dtype=str)["person_id"])
    assert members | set(noise) == persons
    summits = [s for s in t["summits"] if s["kind"] != "background"]
    seen = Counter(p for s in summits for p in s["attendees"])
    assert set(seen) == members and seen == Counter(t["attendance"])
    assert all(not set(s["attendees"]) & set(s["noise"]) for s in t["summits"])
    assert all(set(s["noise"]) <= set(noise) for s in t["summits"])
    sizes = [len(s["attendees"]) for s in summits]
    small = [n for s, n in zip(summits, sizes, strict=True) if s["kind"] == "local"]
    assert small and all(3 <= n <= 8 for n in small)
    large = [n for s, n in zip(summits, sizes, strict=True) if s["kind"] in LARGE_KINDS]
    assert 2 <= len(large) <= 6 and all(20 <= n <= 40 for n in large)
    assert sum(n <= 10 for n in sizes) > 0.8 * len(sizes)  # most summits are small
    # bosses attend more on average; many ordinary members attend once or twice
    ordinary = [t["attendance"][p] for p in members - bosses]
    boss = [t["attendance"][p] for p in bosses]
    assert sum(boss) / len(boss) > sum(ordinary) / len(ordinary)
    assert sum(n <= 2 for n in ordinary) > 0.4 * len(ordinary)
    counts = {f.stem: len(pd.read_csv(f)) for f in out.glob("*.csv")}
    assert counts == t["counts"]
    assert counts.get("calls", 0) <= 12


def test_the_files_hold_the_truths_meetings(case):
    out, t = case
    from_files = sorted(sorted(g) for g in meetings(out))
    from_truth = sorted(sorted(s["attendees"] + s["noise"]) for s in t["summits"])
    assert from_files == from_truth
    scores = baselines(meetings(out))
    assert set(scores["degree"]) == set(t["members"]) | {
        p for s in t["summits"] for p in s["noise"]}
    # ties are counted by their share: two tied at the cut with one target give a half
    assert expected_hits({"a": 2.0, "b": 1.0, "c": 1.0}, {"b"}, 2) == 0.5


def test_ingest_stores_every_row_and_resolves_every_sighting(case, tmp_path):
    out, t = case
    report = workbench.open_case(tmp_path / "case.duckdb").ingest([out])
    stored = {f.kind: f.stored for f in report.files}
    assert all(f.stored == f.rows and not f.rejected and not f.duplicates
               for f in report.files)
    assert stored == t["counts"]
    persons = pd.read_csv(out / "persons.csv", dtype=str)
    want = dict(zip(persons["id_number"], persons["person_id"], strict=True))
    con = duckdb.connect(str(tmp_path / "case.duckdb"), read_only=True)
    try:
        for kind in ("visits", "stays"):
            rows = con.sql(f"SELECT id_number, person_id FROM {kind}").fetchall()
            assert len(rows) == t["counts"][kind]
            assert all(want[i] == p for i, p in rows), kind
    finally:
        con.close()
    assert json.loads((out / "truth.json").read_text(encoding="utf-8"))["seed"] == SEED


@pytest.mark.parametrize("seed", [1, 2, 4, 5])
def test_truth_is_consistent_on_other_seeds(seed, tmp_path):
    truth = write_summits(tmp_path, seed)
    test_truth_is_consistent((tmp_path, truth))
    test_the_files_hold_the_truths_meetings((tmp_path, truth))
