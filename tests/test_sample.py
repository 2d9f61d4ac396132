"""The sample county: exact reconciliation against its truth, determinism, what is planted."""

from __future__ import annotations

import json

import pytest

from workbench.contract.kinds import KINDS
from workbench.ingest.local import ingest_paths
from workbench.sample import build_county, write_sample
from workbench.store.database import Store

from .conftest import SAMPLE


@pytest.mark.slow
def test_committed_sample_reconciles_exactly(tmp_path):
    truth = json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))
    with Store(tmp_path / "case.duckdb") as store:
        report = ingest_paths(store, [SAMPLE])
        counts = store.counts()
        fingerprint = store.fingerprint()
    got = {f.file.rsplit("/", 1)[-1]: {"rows": f.rows, "stored": f.stored,
                                       "duplicates": f.duplicates, "rejected": f.rejected}
           for f in report.files}
    assert got == truth["files"]
    for kind in KINDS:
        assert counts[kind] == truth["counts"][kind]
    # the damaged quarter (GB18030, stray quote) takes the exact reader; the clean one the fast
    methods = {f.file.rsplit("/", 1)[-1]: f.method for f in report.files}
    assert methods["calls_2019-01_03.csv"] == "duckdb"
    assert methods["calls_2019-04_06.csv"] == "python-csv"
    # ingesting the directory again stores nothing and changes nothing
    with Store(tmp_path / "case.duckdb") as store:
        again = ingest_paths(store, [SAMPLE])
        assert store.fingerprint() == fingerprint
    assert all(f.stored == 0 and f.duplicates + f.rejected == f.rows for f in again.files)


@pytest.mark.slow
def test_generated_samples_reconcile_on_other_seeds_and_sizes(tmp_path):
    for persons, seed in [(600, 3), (1500, 11)]:
        out = tmp_path / f"s{seed}"
        truth = write_sample(out, persons=persons, seed=seed)
        with Store(tmp_path / f"s{seed}.duckdb") as store:
            report = ingest_paths(store, [out])
        got = {f.file.rsplit("/", 1)[-1]: [f.rows, f.stored, f.duplicates, f.rejected]
               for f in report.files}
        expected = {k: [v["rows"], v["stored"], v["duplicates"], v["rejected"]]
                    for k, v in truth["files"].items()}
        assert got == expected


@pytest.mark.slow
def test_same_seed_same_county_other_seed_other_county():
    a, b, c = build_county(500, 5), build_county(500, 5), build_county(500, 6)
    assert a.calls == b.calls and a.transactions == b.transactions and a.truth == b.truth
    assert a.calls != c.calls


@pytest.mark.slow
def test_planted_structure():
    county = build_county(3000, 7)
    truth = county.truth
    kinds = [r["type"] for r in truth["rings"]]
    assert kinds.count("family") == 1 and kinds.count("series") == 1
    assert kinds.count("three") >= 2 and kinds.count("six") >= 2
    kin = {(a, b) for a, b, _ in county.kinship} | {(b, a) for a, b, _ in county.kinship}
    persons = {p["person_id"]: p for p in county.persons}
    members_all = [m for r in truth["rings"] for m in r["members"]]
    assert len(members_all) == len(set(members_all)), "rings do not share members"
    for ring in truth["rings"]:
        assert ring["organizer"] in ring["members"]
        assert 3 <= len(ring["members"]) <= 12
        assert not set(ring["buyers"]) & set(ring["members"])
        if ring["type"] == "family":
            # held together by kinship records, across households, surnames may differ
            m = ring["members"]
            linked = {x for x in m for y in m if (x, y) in kin}
            assert linked == set(m)
            assert len({persons[x]["household_id"] for x in m}) >= 2
        if ring["type"] == "series":
            assert len({persons[x]["name"][0] for x in ring["members"]}) == 1
            assert len(ring["burners"]) == len(ring["members"])
    arrested = [r for r in truth["rings"] if r["arrested"]]
    assert 0 < len(arrested) < len(truth["rings"]), "some rings have no arrest"
    assert {la["type"] for la in truth["lookalikes"]} == {
        "night_shift", "party_users", "lone_dealer", "money_home"}
    assert truth["brokers"][0]["person_id"] not in members_all


def test_too_small_county_refused():
    with pytest.raises(ValueError, match="at least 300"):
        build_county(100)


@pytest.mark.slow
def test_planted_presence_records_and_registrations():
    import datetime as dt

    from workbench.sample import START
    from workbench.sample.places import HOME_COUNTY, MIGRANT_COUNTY, MIGRANT_OLD

    county = build_county(1500, 11)
    truth = county.truth
    persons = {p["person_id"]: p for p in county.persons}
    codes = {pid: p["id_number"][:6] for pid, p in persons.items()}
    home = sum(c == HOME_COUNTY for c in codes.values()) / len(codes)
    assert 0.8 < home < 0.9
    outside = [pid for pid, c in codes.items() if not c.startswith("3306")]
    assert 0.02 < len(outside) / len(codes) < 0.06
    assert set(truth["copresence"]["registered_elsewhere"]) <= set(outside)
    regional = [r for r in truth["rings"] if r["type"] == "regional"]
    assert len(regional) == 1
    mig = [codes[m] for m in regional[0]["members"]]
    assert sorted(set(mig)) == [MIGRANT_OLD, MIGRANT_COUNTY] and mig.count(MIGRANT_OLD) == 1
    # the meeting ring: adjacent rooms in at least four different hotels, almost no calls
    meet = set(truth["meeting_rings"][0]["members"])
    assert not meet & {m for r in truth["rings"] for m in r["members"]}
    hotels = {s[2] for s in county.stays if s[0] in meet or persons_by_id(persons, s[1]) in meet}
    assert len(hotels) >= 4
    numbers = {n for n, pid, *_ in county.phones if pid in meet}
    inside = [c for c in county.calls if c[0] in numbers and c[1] in numbers]
    assert len(inside) <= 3
    # sales team: weekday daytime trains only; staff: at every check of their venue
    sales = set(truth["copresence_lookalikes"][0]["members"])
    together: dict[tuple, set] = {}
    for t in county.trips:
        who = t[0] or persons_by_id(persons, t[1])
        if who in sales:
            together.setdefault((t[2], t[3]), set()).add(who)
    team_trips = [k for k, who in together.items() if who == sales]
    assert len(team_trips) == 8
    for _service, t in team_trips:
        when = START + dt.timedelta(seconds=int(t))
        assert when.weekday() < 5 and 7 <= when.hour < 19
    for look in truth["copresence_lookalikes"][1:]:
        checks = {v[5] // 86400 for v in county.visits if v[2] == look["venue"]}
        for m in look["members"]:
            days = {v[5] // 86400 for v in county.visits if v[2] == look["venue"]
                    and (v[0] or persons_by_id(persons, v[1])) == m}
            assert len(days) >= 0.6 * len(checks) and len(days) == 6
    again = build_county(1500, 11)
    assert again.stays == county.stays and again.trips == county.trips


_INDEX: dict[int, dict] = {}


def persons_by_id(persons: dict, id_number: str | None) -> str | None:
    """The person holding an ID number (the sample names most people by it)."""
    index = _INDEX.setdefault(id(persons), {p["id_number"]: k for k, p in persons.items()})
    return index.get(id_number)
