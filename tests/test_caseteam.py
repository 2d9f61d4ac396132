"""The case team's tools: the hash-chained action log, notes, hits across cases, i2 export."""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET

import duckdb
import pytest

from workbench.case import Case
from workbench.views.anx import write_anx
from workbench.views.link_records import link_records
from workbench.views.snapshot import render_snapshot

from .conftest import SAMPLE
from .test_cli import run


def _idn(base17: str) -> str:
    """A resident ID number with its ISO 7064 MOD 11-2 check character."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(base17, weights, strict=True))
    return base17 + "10X98765432"[total % 11]


SHARED_ID = _idn("33078219800101123")
SHARED_PHONE = "13900000009"
SHARED_ACCOUNT = "6222000000000777"


def _case(root, tag: str, persons, phones, accounts, calls, transfers) -> Case:
    """A small case store written from CSV files as an office would ingest them."""
    d = root / tag
    d.mkdir()
    (d / "persons.csv").write_text("person_id,name,id_number\n" + "".join(
        f"{p},{n},{i}\n" for p, n, i in persons), encoding="utf-8")
    (d / "phones.csv").write_text("phone,person_id\n" + "".join(
        f"{a},{b}\n" for a, b in phones), encoding="utf-8")
    (d / "accounts.csv").write_text("account_id,person_id\n" + "".join(
        f"{a},{b}\n" for a, b in accounts), encoding="utf-8")
    (d / "calls.csv").write_text("caller,callee,started_at,duration_s\n" + "".join(
        f"{a},{b},2019-03-0{k % 9 + 1} 23:1{k % 10}:00,40\n" for k, (a, b) in
        enumerate(calls)), encoding="utf-8")
    (d / "transactions.csv").write_text("from_account,to_account,amount,occurred_at\n" + "".join(
        f"{a},{b},{500 + k},2019-03-0{k % 9 + 1} 10:00:00\n" for k, (a, b) in
        enumerate(transfers)), encoding="utf-8")
    case = Case(d / f"{tag}.duckdb")
    case.ingest([d / f for f in ("persons.csv", "phones.csv", "accounts.csv", "calls.csv",
                                 "transactions.csv")])
    return case


@pytest.fixture
def two_cases(tmp_path):
    """Two stores that share exactly one number, one account and one person."""
    a = _case(tmp_path, "a", [("A1", "张伟", SHARED_ID), ("A2", "李娜", _idn("11010119900101234"))],
              [("13800000001", "A1"), ("13800000002", "A2")],
              [("6222000000000001", "A1"), ("6222000000000002", "A2")],
              [("13800000001", "13800000002"), ("13800000001", SHARED_PHONE)] * 3,
              [("6222000000000001", SHARED_ACCOUNT), ("6222000000000002", "6222000000000001")])
    b = _case(tmp_path, "b", [("B1", "张伟", SHARED_ID), ("B2", "王芳", _idn("44030419850505678"))],
              [("13700000001", "B1"), ("13700000002", "B2")],
              [("6222000000000101", "B1"), (SHARED_ACCOUNT, "B2")],
              [("13700000001", "13700000002"), (SHARED_PHONE, "13700000002")] * 3,
              [("6222000000000101", SHARED_ACCOUNT)])
    return a, b


# -- the action log ---------------------------------------------------------------------------
@pytest.mark.slow
def test_log_chains_every_action_and_catches_a_row_changed_by_hand(two_cases, cli_env, tmp_path):
    a, _ = two_cases
    a.note("A1", "supplier of B?", author="li")
    entries = a.log()
    assert [e["action"] for e in entries] == ["ingest", "note"]
    files = {f["file"]: f["sha256"] for f in entries[0]["details"]["files"]}
    assert files["calls.csv"] == hashlib.sha256(
        (a.path.parent / "calls.csv").read_bytes()).hexdigest()
    assert all("/" not in f for f in files)  # names, never directories
    assert entries[1]["prev_hash"] == entries[0]["hash"]
    res = run(["log", "--db", a.path, "--verify"], cli_env)
    assert res.returncode == 0 and "intact" in res.stdout
    doc = json.loads(run(["log", "--db", a.path, "--json"], cli_env).stdout)
    assert doc["intact"] is True and len(doc["entries"]) == 2
    # an investigator edits the note's entry with plain duckdb
    con = duckdb.connect(str(a.path))
    con.execute("UPDATE action_log SET details = replace(details, 'supplier', 'buyer') "
                "WHERE seq = 2")
    con.close()
    state = a.verify_log()
    assert not state["intact"] and state["broken_at"] == 2 and "changed" in state["reason"]
    res = run(["log", "--db", a.path, "--verify"], cli_env)
    assert res.returncode == 1 and "BROKEN at entry 2" in res.stdout
    doc = json.loads(run(["log", "--db", a.path, "--json"], cli_env).stdout)
    assert doc["intact"] is False and doc["broken_at"] == 2


@pytest.mark.slow
def test_log_catches_deleted_rows_first_and_last(two_cases):
    a, _ = two_cases
    for k in range(3):
        a.note("A2", f"note {k}")
    assert a.verify_log()["intact"]
    con = duckdb.connect(str(a.path))
    con.execute("DELETE FROM action_log WHERE seq = (SELECT max(seq) FROM action_log)")
    con.close()
    state = a.verify_log()
    assert not state["intact"] and "removed from the end" in state["reason"]
    con = duckdb.connect(str(a.path))
    con.execute("DELETE FROM action_log WHERE seq = 2")
    con.close()
    state = a.verify_log()
    assert not state["intact"] and state["broken_at"] == 2 and "missing" in state["reason"]


@pytest.mark.slow
def test_phone_links_and_exports_are_logged(two_cases, tmp_path, cli_env):
    a, _ = two_cases
    a.link_phone("13800000002", SHARED_PHONE, note="same handset")
    res = run(["export", "--db", a.path, "--out", tmp_path / "out" / "all.graphml"], cli_env)
    assert res.returncode == 0, res.stderr
    actions = [e["action"] for e in a.log()]
    assert actions[-2:] == ["link-phone", "export"]
    assert a.log()[-1]["details"]["file"] == "all.graphml"
    assert a.verify_log()["intact"]


# -- notes ------------------------------------------------------------------------------------
@pytest.mark.slow
def test_notes_on_every_kind_of_target(two_cases, cli_env):
    a, _ = two_cases
    assert a.note("张伟", "organizer?")["target"] == "A1"
    assert a.note("138 0000 0002", "burner")["target"] == "+8613800000002"
    assert a.note("6222000000000001", "salary?")["target"] == "acct:6222000000000001"
    assert a.note("A2--A1", "spouses", status="confirmed")["target"] == "A1--A2"
    assert a.note("R003", "supplies R007")["target"] == "ring:R003"
    with pytest.raises(Exception, match="status"):
        a.note("A1", "x", status="maybe")
    res = run(["note", "--db", a.path, "A1", "second thought", "--status", "refuted",
               "--author", "wang", "--answers", "1"], cli_env)
    assert res.returncode == 0, res.stderr
    doc = json.loads(run(["note", "--db", a.path, "--list", "A1", "--json"], cli_env).stdout)
    assert [(n["text"], n["status"], n["author"]) for n in doc["notes"]] == [
        ("organizer?", "open", "analyst"), ("second thought", "refuted", "wang")]
    res = run(["note", "--db", a.path, "nobody-here", "x"], cli_env)
    assert res.returncode == 1 and res.stderr.count("\n") == 1
    assert sum(e["action"] == "note" for e in a.log()) == 6


def test_notes_in_snapshots_are_text_and_redactable(two_cases):
    a, _ = two_cases
    hostile = '<img src=x onerror=alert(1)> call 13800000002 </script>'
    a.note("A1--A2", hostile)
    vm = a.view(person="A1", hops=1)
    assert [n["text"] for n in vm.meta["notes"]] == [hostile]
    page = render_snapshot(vm)
    assert "<img src=x" not in page and "</script> call" not in page
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in page
    redacted = render_snapshot(vm, redact=True)
    assert "13800000002" not in redacted and "onerror" in redacted


# -- hits across cases ------------------------------------------------------------------------
EXPECTED = [("phone", "+86" + SHARED_PHONE), ("account", SHARED_ACCOUNT), ("person", SHARED_ID)]


@pytest.mark.slow
def test_hits_between_two_stores_are_exactly_the_shared_ones(two_cases, cli_env):
    a, b = two_cases
    before = hashlib.sha256(b.path.read_bytes()).hexdigest()
    found = a.hits([b.path])
    assert [(h["kind"], h["value"]) for h in found["hits"]] == EXPECTED
    person = found["hits"][2]
    assert person["here"]["persons"] == [{"person_id": "A1", "name": "张伟"}]
    assert person["there"][0]["persons"] == [{"person_id": "B1", "name": "张伟"}]
    phone = found["hits"][0]
    assert {r["file"] for r in phone["here"]["records"]} == {"calls.csv"}
    assert phone["there"][0]["count"] == 3 and phone["there"][0]["case"] == "b.duckdb"
    assert all(r["line"] >= 2 for r in phone["there"][0]["records"])
    assert hashlib.sha256(b.path.read_bytes()).hexdigest() == before  # opened read-only
    res = run(["hits", "--db", a.path, "--against", b.path, "--json"], cli_env)
    assert res.returncode == 0, res.stderr
    assert [(h["kind"], h["value"]) for h in json.loads(res.stdout)["hits"]] == EXPECTED


@pytest.mark.slow
def test_hits_through_salted_exchange_files(two_cases, tmp_path, cli_env):
    a, b = two_cases
    out = tmp_path / "b-hits.parquet"
    res = run(["hits-export", "--db", b.path, "--salt", "shared-secret-2019", "--out", out],
              cli_env)
    assert res.returncode == 0, res.stderr
    raw = out.read_bytes()
    assert SHARED_PHONE.encode() not in raw and SHARED_ID.encode() not in raw
    found = a.hits([out], salt="shared-secret-2019")
    assert [(h["kind"], h["value"]) for h in found["hits"]] == EXPECTED
    assert all(h["there"][0]["hashed"] for h in found["hits"])
    assert a.hits([out], salt="another-salt-2019")["hits"] == []
    assert b.log()[-1]["action"] == "hits-export"
    res = run(["hits", "--db", a.path, "--against", out], cli_env)  # no salt
    assert res.returncode == 1 and "salt" in res.stderr and res.stderr.count("\n") == 1


@pytest.mark.slow
def test_hits_refuse_what_is_not_a_case(two_cases, tmp_path, cli_env):
    a, _ = two_cases
    plain = tmp_path / "plain.duckdb"
    duckdb.connect(str(plain)).execute("CREATE TABLE t (x INT)").close()
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    for other in (plain, text, tmp_path / "missing.duckdb", a.path):
        res = run(["hits", "--db", a.path, "--against", other], cli_env)
        assert res.returncode == 1 and res.stderr.count("\n") == 1, (other, res.stderr)
        assert "Traceback" not in res.stderr


@pytest.mark.slow
def test_seen_elsewhere_marks_persons(two_cases):
    a, b = two_cases
    marks = a.seen_elsewhere([b.path])
    assert marks["A1"] == ["b.duckdb"]  # the person by ID number, the account is A1's too


# -- i2 Analyst's Notebook --------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample_case(tmp_path_factory) -> Case:
    case = Case(tmp_path_factory.mktemp("sample") / "case.duckdb")
    case.ingest([SAMPLE])
    return case


@pytest.mark.slow
def test_anx_of_the_sample_reads_back_with_every_entity_and_link(sample_case, tmp_path):
    vm = sample_case.view()
    path = write_anx(vm, tmp_path / "all.anx")
    raw = path.read_bytes()
    root = ET.fromstring(raw.decode("utf-16"))
    entities = {e.get("EntityId"): e.get("Identity") for e in root.iter("Entity")}
    assert set(entities.values()) == {str(n) for n in vm.graph.nodes}
    types = {e.get("Identity"): e.find("Icon/IconStyle").get("Type")
             for e in root.iter("Entity")}
    assert {types[str(n)] for n, d in vm.graph.nodes(data=True)
            if d.get("kind") == "person"} == {"Person"}
    seen = {}
    for item in root.iter("ChartItem"):
        link = item.find("Link")
        if link is None:
            continue
        pair = tuple(sorted((entities[link.get("End1Id")], entities[link.get("End2Id")])))
        layer = link.find("LinkStyle").get("Type")
        cards = [c.get("SourceReference") for c in link.iter("Card")]
        attrs = {a.get("AttributeClass"): a.get("Value") for a in item.iter("Attribute")}
        assert "strength" in attrs
        seen.setdefault(pair, {})[layer] = cards
    for a, b in vm.graph.edges():
        pair = tuple(sorted((str(a), str(b))))
        assert pair in seen, pair
        expected = {f"{r['file']}:{r['line']}" for r in link_records(vm.records, *pair)}
        cited = {c for cards in seen[pair].values() for c in cards}
        assert cited == expected
    assert "/" not in "".join(c for p in seen.values() for cs in p.values() for c in cs)
    ring_attr = [a.get("Value") for a in root.iter("Attribute")
                 if a.get("AttributeClass") == "ring"]
    assert ring_attr and str(vm.meta["rings"][0]["id"]) in ring_attr


@pytest.mark.slow
def test_explorer_marks_other_cases_takes_notes_and_writes_the_report(two_cases, tmp_path):
    from workbench.explorer.widget import Explorer

    a, b = two_cases
    ex = Explorer(a, out_dir=tmp_path / "exports", against=[b.path])
    ex.focus_on("A1")
    assert ex.view.graph.nodes["A1"]["other_cases"] == "b.duckdb"
    tip = next(n["tip"] for n in ex.graph.nodes if n["id"] == "A1")
    assert ["seen in other cases", "b.duckdb"] in tip
    ex.graph.selected = "A1"
    note = ex.add_note("<b>met B1</b> in Wenzhou", "open")
    assert note["target"] == "A1" and "&lt;b&gt;met B1&lt;/b&gt;" in ex.details.value
    path = ex.export_report()
    assert path is not None and path.read_bytes().startswith(b"%PDF-")
    assert [e["action"] for e in a.log()][-2:] == ["note", "report"]
