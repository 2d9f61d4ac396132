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
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_money import (
    PLANTED,
    _at,
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


def _case(directory: Path, db: Path, calls: bool = False, star: bool = False
          ) -> dict[str, str]:
    """The money case; ``calls``: the fan-in's holders call like a ring, each with each, or
    (``star``) each with the hub only, as a dealer's buyers do."""
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
                    if i < j and (not star or b == "PFIH"):
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
    # the planted groups are far less likely by chance than one in all the candidates
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
    assert mp["rings"] >= len(PLANTED) and mp["attached"] == 0
    assert mp["rings"] <= mp["patterns"] <= mp["reported"]
    assert mp["candidates"] > len(PLANTED)
    assert mp["reference"] == pytest.approx(math.log10(mp["candidates"]), abs=1e-4)
    assert mp["min_pattern_score"] == 0.0 and mp["weight"] == 0.5
    assert mp["min_strength"] == 0.0 and mp["basis"].startswith("money only")
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


def test_a_dealer_and_his_paying_buyers_count_as_one_signal(tmp_path):
    """A fan-in whose payers call only its hub (buyers who do not know each other) is DOMAIN's
    lone dealer: calls and transfers are the same spokes, so its pattern ring has the breadth
    of one signal of two (the star rule), not of two kinds; where the payers also call each
    other, the calls are a second signal and count fully."""
    from workbench.analysis.patterns import add_patterns
    from workbench.case import Case
    from workbench.rings.scoring import baseline
    from workbench.rings.search import RingResult

    fan = [a for a in PLANTED["fan-in"] if a != "FIH"]
    pattern = _fake_pattern(["FIH", *fan], 6.0)
    rings = {}
    for star in (True, False):
        db = tmp_path / f"case_{star}.duckdb"
        owners = _case(tmp_path / f"files_{star}", db, calls=True, star=star)
        graph = Case(db).parts.rings.ring_graph(None, None, {})
        result = RingResult(rings=[], params={})
        add_patterns(result, graph, [pattern], {a: owners[a] for a in ["FIH", *fan]},
                     candidates=1000, base=baseline(graph))
        (ring,) = [r.as_dict() for r in result.rings]
        assert ring["tier"] == "calls+money-pattern", ring["tier"]
        rings[star] = ring
    assert rings[True]["evidence"]["star"] and not rings[False]["evidence"]["star"]
    assert rings[True]["components"]["breadth"] <= 0.7
    assert rings[False]["components"]["breadth"] == 1.0


def _cycle_ring(doc, owners) -> dict:
    return next(r for r in doc["rings"] if set(r["members"]) == _holders("cycle", owners))


def test_snapshot_draws_the_pattern_as_numbered_arrows_in_time_order(money_only, tmp_path):
    from workbench.case import Case
    from workbench.views.snapshot import render_snapshot, snapshot_payload

    db, owners, doc = money_only
    ring = _holders("fan-out", owners)
    rid = next(r["id"] for r in doc["rings"] if set(r["members"]) == ring)
    vm = Case(db).view(ring=rid)
    data = snapshot_payload(vm)
    flows = [f for f in data["flows"] if f["ring"] == rid]
    # the organizer pays four couriers, months apart: FO1 first, FO4 last
    assert [(f["from"], f["to"], f["label"]) for f in flows] == [
        ("PFOH", "PFO1", "1"), ("PFOH", "PFO2", "2"), ("PFOH", "PFO3", "3"),
        ("PFOH", "PFO4", "4")]
    assert [f["at"] for f in flows] == sorted(f["at"] for f in flows)
    assert all(f["arrows"] == "to" and f["file"] == "transactions.csv" for f in flows)
    assert {"layer": "flow"}.items() <= data["legend"]["layers"][-1].items()
    page = render_snapshot(vm)
    assert '"flows"' in page and "/tmp" not in page.split('id="wb-data">')[1].split(
        "</script>")[0].replace(str(db.parent), "")  # file names only
    hidden = render_snapshot(vm, redact=True)
    assert "FO1" not in hidden.split('id="wb-data">')[1].split("</script>")[0]


def test_flow_words_are_escaped_in_the_page():
    from workbench.views.flows import pattern_flows
    from workbench.views.snapshot import _json_for_script

    evil = "</script><img src=x onerror=alert(1)>"
    rings = [{"id": "R-x", "evidence": {"patterns": [{"kind": evil, "transfers": [
        {"order": 1, "from": evil, "to": "B", "from_person": "P1", "to_person": "P2",
         "at": "2024-01-01T10:00:00+08:00", "amount": "1.00", "currency": "CNY",
         "file": "/home/li/case/" + evil, "line": 2}]}]}}]
    flows = pattern_flows(rings, {"P1", "P2"})
    assert flows[0]["file"] == "script><img src=x onerror=alert(1)>"  # no folders
    text = _json_for_script({"flows": flows})
    assert "<" not in text and ">" not in text


def test_exports_carry_the_flows(money_only, tmp_path):
    import csv as csvmod

    import networkx as nx

    from workbench.case import Case
    from workbench.views.files import write_csv, write_graph_file

    db, owners, doc = money_only
    rid = _cycle_ring(doc, owners)["id"]
    vm = Case(db).view(ring=rid)
    written = write_csv(vm, tmp_path / "ring.csv")
    flows_csv = next(p for p in written if p.name == "ring_flows.csv")
    with open(flows_csv, encoding="utf-8-sig") as fh:
        rows = [r for r in csvmod.DictReader(fh) if r["ring"] == rid]
    # CY3 belongs to nobody: the arrows through it are not drawn, the others keep their order
    assert [(r["from_account"], r["to_account"], r["order"]) for r in rows] == [
        ("CY1", "CY2", "1"), ("CY4", "CY1", "4")]
    g = nx.read_graphml(write_graph_file(vm, tmp_path / "ring.graphml"))
    said = g.edges["PCY1", "PCY2"]["money_pattern"]
    assert said.startswith("1: ") and "CY1 -> CY2" in said


def test_diagram_export_draws_numbered_arrows(money_only, tmp_path):
    from workbench.case import Case
    from workbench.views.diagram import draw_diagram

    db, owners, doc = money_only
    rid = _cycle_ring(doc, owners)["id"]
    vm = Case(db).view(ring=rid)
    out = draw_diagram(vm, tmp_path / "ring.svg")
    svg = out.read_text(encoding="utf-8")
    assert "money pattern: numbered in time order" in svg


def _instant(text: str) -> str:
    import datetime as dt

    return dt.datetime.fromisoformat(text).astimezone(dt.UTC).isoformat()


def test_money_patterns_same_through_the_engine_seam(engine, money_only):
    """The money search's SQL run by Spark (over the store's ``export-parquet`` files) gives
    DuckDB's patterns: kinds, accounts, scores, amounts, transfers and their records."""
    from workbench.money import find_patterns, trace
    from workbench.store import Store

    db, _, _ = money_only
    eng = engine(db)

    def said(doc):
        return [(p["kind"], p["accounts"], p["members"], p["score"], p["amount"],
                 _instant(p["first"]), _instant(p["last"]),
                 [(t["from"], t["to"], t["amount"], t["file"], t["line"], _instant(t["at"]))
                  for t in p["evidence"]["transfers"]]) for p in doc["patterns"]]

    got = find_patterns(eng)
    with Store(db, read_only=True) as store:
        want = find_patterns(store)
        want_trace = trace(store, "SGA")
    assert said(got) == said(want) and len(want["patterns"]) == len(PLANTED)
    for key in ("transfers", "one_off_transfers", "services", "candidates", "null"):
        assert got["params"][key] == want["params"][key], key
    hops = trace(eng, "SGA")["hops"]
    assert [(h["from"], h["to"], h["amount"], h["line"]) for h in hops] == [
        (h["from"], h["to"], h["amount"], h["line"]) for h in want_trace["hops"]]
    assert hops and hops[0]["from"] == "SGA"


def _fake_pattern(accounts: list[str], score: float) -> dict:
    transfers = [{"from": a, "to": accounts[0], "amount": "100.00", "currency": "CNY",
                  "at": "2024-03-01T10:00:00+08:00", "file": "t.csv", "line": 2 + k}
                 for k, a in enumerate(accounts[1:])]
    return {"kind": "fan-in", "score": score, "accounts": accounts, "amount": {"CNY": "1"},
            "first": transfers[0]["at"], "last": transfers[-1]["at"],
            "evidence": {"roles": {"hub": accounts[:1], "sources": accounts[1:]},
                         "transfers": transfers}}


def _two_pattern_rings(money_only, scores: tuple[float, float], candidates: int
                       ) -> tuple[list[dict], dict, list[str], list[str]]:
    """Rings of two fake fan-ins (``H10-H13`` scoring ``scores[0]``, ``H00-H03``
    ``scores[1]``) put into an empty ring search of the money-only case."""
    from workbench.analysis.patterns import add_patterns
    from workbench.case import Case
    from workbench.rings.scoring import baseline
    from workbench.rings.search import RingResult

    db, owners, _ = money_only
    graph = Case(db).parts.rings.ring_graph(None, None, {})
    first = [f"H{i:02d}" for i in range(10, 14)]
    second = [f"H{i:02d}" for i in range(0, 4)]
    patterns = [_fake_pattern(first, scores[0]), _fake_pattern(second, scores[1])]
    result = RingResult(rings=[], params={})
    add_patterns(result, graph, patterns, {a: owners[a] for a in first + second},
                 candidates=candidates, base=baseline(graph))
    return [r.as_dict() for r in result.rings], owners, first, second


def test_near_equal_patterns_do_not_tie_and_rank_by_evidence(money_only):
    """Two patterns 0.0006 apart in log10 likelihood ratio (seed 613's tie): their rings'
    shown scores differ, and the stronger ranks first though its members' ids sort later."""
    rings, owners, strong, weak = _two_pattern_rings(money_only, (1.487739, 1.487093), 1583)
    assert [set(r["members"]) for r in rings] == [{owners[a] for a in strong},
                                                   {owners[a] for a in weak}]
    assert rings[0]["score"] > rings[1]["score"]
    assert rings[0]["components"]["pattern_score"] == 1.487739


def test_patterns_equal_to_four_places_do_not_tie(money_only):
    """Seed 661 at 100 groups: a gather-scatter at 19.588046 and a fan-in at 19.585256 of
    1,890 candidates have strengths 0.856701 and 0.856683, both 0.8567 to four places; the
    ring's score took the rounded strength and the two rings tied at 0.8567."""
    rings, _, _, _ = _two_pattern_rings(money_only, (19.588046, 19.585256), 1890)
    assert [r["evidence"]["patterns"][0]["strength"] for r in rings] == [0.8567, 0.8567]
    assert rings[0]["score"] > rings[1]["score"]
