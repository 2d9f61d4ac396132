"""Money patterns as evidence in ``rings`` (tier ``money-pattern``): known answers on the
hand-built money case of ``tests/test_money.py``, run through the command line.

* money only: each planted group is a ring of tier ``money-pattern`` whose members are the
  holders of its accounts, ranked before the rings held by money flowing to one member
  alone, with distinct scores and its transfers in time order;
* with calls: a group that also calls like a ring keeps its tier (``calls...``) and lists
  the pattern as evidence.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_money import (
    PLANTED,
    _at,
    ingest,
    ordinary_transfers,
    planted_transfers,
    write_case,
)

WORKBENCH = [sys.executable, "-m", "workbench"]


def _owners(everyone: list[str]) -> dict[str, str]:
    owners = {a: f"P{a}" for a in everyone}
    owners["GSM"] = owners["GST1"] = "PGANG"  # one person holds two accounts
    del owners["CY3"]  # an account nobody holds stands for no person
    return owners


def _case(directory: Path, db: Path, calls: bool = False) -> dict[str, str]:
    planted = sorted({a for accts in PLANTED.values() for a in accts})
    households = [f"H{i:02d}" for i in range(30)]
    everyone = households + planted
    owners = _owners(everyone)
    write_case(directory, ordinary_transfers(everyone, households) + planted_transfers(),
               owners)
    files = [directory / n for n in ("persons.csv", "accounts.csv", "transactions.csv")]
    if calls:
        persons = sorted(set(owners.values()))
        phone = {p: f"1380000{k:04d}" for k, p in enumerate(persons)}
        with open(directory / "phones.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["phone", "person_id"])
            for p, n in phone.items():
                w.writerow([n, p])
        ring = [f"PFI{i}" for i in range(1, 6)] + ["PFIH"]
        with open(directory / "calls.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["caller", "callee", "started_at", "duration_s"])
            day = 0.0
            for k, h in enumerate(households):  # households call by day, at length
                for j in (1, 2, 5):
                    other = households[(k + j) % len(households)]
                    for n in range(6):
                        day = 3 + 40 * n + k * 0.3 + j * 0.05 + 0.4  # ~ 10:36
                        w.writerow([phone[f"P{h}"], phone[f"P{other}"], _at(day), 300 + 7 * n])
            for i, a in enumerate(ring):  # the ring calls at night, briefly, often
                for j, b in enumerate(ring):
                    if i < j:
                        for n in range(8):
                            w.writerow([phone[a], phone[b], _at(10 + 30 * n + 0.6 + 0.01 * j),
                                        25 + n])
        files = [directory / "phones.csv", directory / "calls.csv", *files]
    done = subprocess.run([*WORKBENCH, "ingest", "--db", str(db), *map(str, files)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return owners


def _rings(db: Path, *args: str, as_json: bool = True):
    done = subprocess.run([*WORKBENCH, "rings", "--db", str(db), *(["--json"] if as_json
                                                                     else []), *args],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout) if as_json else done.stdout


@pytest.fixture(scope="module")
def money_only(tmp_path_factory):
    root = tmp_path_factory.mktemp("money_rings")
    db = root / "case.duckdb"
    owners = _case(root / "files", db)
    return db, owners, _rings(db)


def _holders(kind: str, owners: dict[str, str]) -> set[str]:
    return {owners[a] for a in PLANTED[kind] if a in owners}


@pytest.mark.parametrize("kind", list(PLANTED))
def test_each_planted_group_is_a_money_pattern_ring(money_only, kind):
    _, owners, doc = money_only
    want = _holders(kind, owners)
    rings = [r for r in doc["rings"] if set(r["members"]) == want]
    assert len(rings) == 1, [(r["tier"], r["members"]) for r in doc["rings"][:8]]
    ring = rings[0]
    assert ring["tier"] == "money-pattern"
    (pattern,) = ring["evidence"]["patterns"]
    assert pattern["kind"] == kind
    assert set(pattern["accounts"]) == set(PLANTED[kind])
    assert ring["leader"] in want
    assert 0.5 <= ring["components"]["money_pattern"] < 1.0


def test_pattern_rings_rank_first_without_ties(money_only):
    _, owners, doc = money_only
    top = doc["rings"][:len(PLANTED)]
    assert {r["tier"] for r in top} == {"money-pattern"}
    assert {frozenset(r["members"]) for r in top} == {
        frozenset(_holders(k, owners)) for k in PLANTED}
    scores = [r["score"] for r in top]
    assert all(x > y for x, y in zip(scores, scores[1:], strict=False))
    # below them only rings held by money alone (members paying one member), never a pattern
    assert all(r["tier"] != "money-pattern" for r in doc["rings"][len(PLANTED):])


def test_arrows_in_time_order_with_holders_and_records(money_only):
    _, owners, doc = money_only
    ring = next(r for r in doc["rings"] if set(r["members"]) == _holders("cycle", owners))
    (pattern,) = ring["evidence"]["patterns"]
    transfers = pattern["transfers"]
    # the cycle moves on within days: CY1 -> CY2 -> CY3 -> CY4 -> CY1
    assert [(t["from"], t["to"]) for t in transfers] == [
        ("CY1", "CY2"), ("CY2", "CY3"), ("CY3", "CY4"), ("CY4", "CY1")]
    assert [t["order"] for t in transfers] == [1, 2, 3, 4]
    assert [t["at"] for t in transfers] == sorted(t["at"] for t in transfers)
    assert transfers[1]["to_person"] == "acct:CY3" and transfers[2]["from_person"] == "acct:CY3"
    assert transfers[0]["from_person"] == "PCY1"
    assert all(t["file"].endswith("transactions.csv") and t["line"] > 1 for t in transfers)


def test_params_say_the_thresholds(money_only):
    _, _, doc = money_only
    mp = doc["params"]["money_patterns"]
    assert mp["rings"] == len(PLANTED) and mp["attached"] == 0
    assert mp["candidates"] > len(PLANTED)
    assert mp["min_pattern_score"] == pytest.approx(mp["reference"])
    assert mp["min_strength"] == 0.5 and mp["weight"] == 0.5
    assert mp["null"]["n"] > 30


def test_text_output_names_the_tier_and_the_flow(money_only):
    db, _, _ = money_only
    text = _rings(db, "--top", "6", as_json=False)
    assert "money-pattern" in text
    assert "cycle pattern, money in time order:" in text
    assert "CY1 -> CY2" in text and "transactions.csv:" in text


def test_a_ring_that_calls_keeps_its_tier_and_lists_the_pattern(tmp_path):
    db = tmp_path / "case.duckdb"
    owners = _case(tmp_path / "files", db, calls=True)
    doc = _rings(db)
    fan = _holders("fan-in", owners)
    ring = max(doc["rings"], key=lambda r: len(fan & set(r["members"])))
    assert len(fan & set(ring["members"])) >= 5, [(r["tier"], r["members"]) for r in
                                                   doc["rings"][:5]]
    assert ring["tier"].startswith("calls") and "money-pattern" not in ring["tier"]
    kinds = [p["kind"] for p in ring["evidence"].get("patterns", [])]
    assert "fan-in" in kinds
    assert doc["params"]["money_patterns"]["attached"] >= 1
    # the other planted groups, who do not call, are rings of their own
    others = {r["tier"] for r in doc["rings"] if set(r["members"]) == _holders("cycle", owners)}
    assert others == {"money-pattern"}
