"""Who a record names: small hand-built cases with known answers, one per rule."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from workbench import WorkbenchError
from workbench.case import Case
from workbench.evidence.owners import PHONE_OWNERS
from workbench.identity import pinyin_key, typo_neighbours
from workbench.identity.ids import check_char, id_form
from workbench.ingest.local import ingest_paths
from workbench.store.database import Store

from .conftest import ROOT

SURNAMES = "王李赵钱孙周吴郑冯陈褚卫蒋沈韩杨朱秦尤许何吕施孔曹严华金魏陶姜"
GIVEN = "明华强伟芳娜敏静丽军磊洋勇艳杰涛超秀霞平刚桂英"


def make_id(region: str, born: str, seq: int) -> str:
    body = f"{region}{born}{seq:03d}"
    return body + check_char(body)


def swap(s: str, i: int) -> str:
    """Two adjacent digits of an ID swapped (0-based position i and i+1)."""
    return s[:i] + s[i + 1] + s[i] + s[i + 2:]


def change(s: str, i: int) -> str:
    """One digit of an ID changed."""
    return s[:i] + str((int(s[i]) + 3) % 10) + s[i + 1:]


def registry(extra: list[tuple[str, str, str, str, str]] = (), n: int = 40
             ) -> tuple[str, dict]:
    """A registry of ``n`` distinct persons plus ``extra`` (person_id, name, id, birth,
    sex)."""
    rows, people = [], {}
    for i in range(n):
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 3) % len(GIVEN)] \
            + GIVEN[(i * 7 + i // 25) % len(GIVEN)]
        born = f"19{60 + i % 30}{1 + i % 12:02d}{1 + i % 27:02d}"
        seq = 100 + (2 * i) % 800 + (i % 2)
        idn = make_id("330681", born, seq)
        pid = f"R{i:03d}"
        sex = "M" if seq % 2 else "F"
        rows.append((pid, name, idn, f"{born[:4]}-{born[4:6]}-{born[6:]}", sex))
    rows += list(extra)
    for pid, name, idn, born, sex in rows:
        people[pid] = {"name": name, "id": idn, "born": born, "sex": sex}
    text = "person_id,name,id_number,birth_date,sex\n" + "".join(
        f"{pid},{name},{idn},{born},{sex}\n" for pid, name, idn, born, sex in rows)
    return text, people


def phones_of(people: dict, prefix: str = "1390000") -> str:
    """Carrier subscriber rows by name and ID number for every registry person."""
    return "".join(f"{prefix}{i:04d},{p['name']},{p['id']},,\n"
                   for i, p in enumerate(people.values()))


PHONES = "手机号码,机主姓名,机主证件号码,启用日期,停用日期\n"


def ingest(db, *paths):
    with Store(db) as store:
        return ingest_paths(store, list(paths))


def query(db, sql, params=None):
    with Store(db, read_only=True) as store:
        return store.con.execute(sql, params or []).fetchall()


def person_of(db, kind: str, where: str, params) -> str | None:
    rows = query(db, f"SELECT person_id FROM {kind} WHERE {where}", params)
    assert len(rows) == 1, rows
    return rows[0][0]


# -- the parts ---------------------------------------------------------------------------
def test_ids_forms_and_typo_neighbours():
    good = make_id("330681", "19800101", 123)
    assert id_form(good) == "valid"
    for typo in (change(good, 9), swap(good, 13), change(good, 17 if good[17] != "X" else 3)):
        if typo != good:
            assert id_form(typo) == "bad_check"
            assert good in typo_neighbours(typo)


def test_pinyin_surname_readings_and_compound_surnames():
    assert pinyin_key("单田芳") == pinyin_key("SHAN TIANFANG") == "shantianfang"
    assert pinyin_key("曾小贤") == "zengxiaoxian"
    assert pinyin_key("解晓东") == "xiexiaodong"
    assert pinyin_key("仇英") == "qiuying"
    assert pinyin_key("区志强") == "ouzhiqiang"
    assert pinyin_key("欧阳娜娜") == pinyin_key("OUYANG NANA")
    assert pinyin_key("张伟") == pinyin_key("张玮")  # homophones: blocking, not proof


# -- ingest: what a record may name its person by ----------------------------------------
def test_identity_columns_aliases_rejects_and_raw_id_kept(db, write):
    reg, people = registry()
    p = people["R001"]
    bad = change(p["id"], 8)
    paths = [write("persons.csv", reg), write("accounts.csv",
             "卡号,户名,开户证件号,开户行\n"
             f"6222000000000001,{p['name']},{bad},农业银行\n"
             "6222000000000002,,,农业银行\n"
             f"6222000000000003,{p['name']},33068119800101ABC1,农业银行\n")]
    report = ingest(db, *paths)
    acc = [f for f in report.files if f.kind == "accounts"][0]
    assert (acc.stored, acc.rejected) == (1, 2)
    reasons = sorted(r[0] for r in query(db, "SELECT reason FROM rejects"))
    assert "required field missing: person_id, id_number or name" in reasons
    assert any("18 characters" in r for r in reasons)
    # the wrong check character is kept as given, and the record is resolved
    assert query(db, "SELECT id_number, name, person_id FROM accounts") == [
        (bad, p["name"], "R001")]


def test_file_without_any_identity_column_is_refused(db, write):
    with pytest.raises(WorkbenchError, match="person_id or id_number or name"):
        ingest(db, write("arrests.csv", "arrested_at,charge\n2019-01-01,贩卖毒品\n"))


# -- the rules ---------------------------------------------------------------------------
def test_exact_person_id_and_valid_id(db, write):
    reg, people = registry()
    ingest(db, write("persons.csv", reg), write("phones.csv", PHONES + phones_of(people)))
    got = dict(query(db, "SELECT phone, person_id FROM phones"))
    assert got["+8613900000005"] == "R005"
    how = dict(query(db, "SELECT how, count(*) FROM identity_records GROUP BY how"))
    assert how == {"person_id": 40, "id_number": 40}


def test_typo_ids_one_digit_changed_or_two_swapped_are_resolved(db, write):
    reg, people = registry()
    a, b = people["R003"], people["R007"]
    rows = (f"13800000001,{a['name']},{change(a['id'], 10)},,\n"
            f"13800000002,{b['name']},{swap(b['id'], 12)},,\n")
    ingest(db, write("persons.csv", reg),
           write("phones.csv", PHONES + phones_of(people) + rows))
    got = dict(query(db, "SELECT phone, person_id FROM phones"))
    assert (got["+8613800000001"], got["+8613800000002"]) == ("R003", "R007")
    doc = Case(db).identities(kind="phones")
    rec = [r for r in doc["records"] if r["how"] == "weights"]
    assert len(rec) == 2
    for r in rec:
        assert r["fields"]["id_number"]["level"] == "typo"
        assert r["fields"]["name"]["level"] == "exact"
        assert r["fields"]["id_number"]["detail"].split()[0] in ("digit", "swap")


def test_typo_id_with_another_persons_name_goes_by_the_id_and_waits_for_review(db, write):
    """One typo from A's number, and B's name: the number (16 of 17 digits and a check that
    fails as a typo does) outweighs the name, never the other way round; the name of
    another person of the case weighs against it, so the record waits for review."""
    reg, people = registry(n=100)
    a, b = people["R003"], people["R008"]
    ingest(db, write("persons.csv", reg), write("phones.csv", PHONES + phones_of(people)
           + f"13800000001,{b['name']},{change(a['id'], 10)},,\n"))
    assert person_of(db, "phones", "phone = ?", ["+8613800000001"]) in ("R003", None)
    (item,) = Case(db).identities(review=True)["records"]
    assert item["fields"]["name"]["level"] == "another_persons"
    assert item["fields"]["name"]["bits"] < 0 < item["fields"]["id_number"]["bits"]


def test_legacy_15_digit_id_is_converted(db, write):
    reg, people = registry()
    p = people["R010"]
    legacy = p["id"][:6] + p["id"][8:17]
    ingest(db, write("persons.csv", reg),
           write("stays.csv", f"证件号码,旅馆编码,入住时间\n{legacy},H1,2019-04-01 22:00\n"))
    assert query(db, "SELECT id_number, person_id FROM stays") == [(p["id"], "R010")]


def test_pinyin_name_with_birth_date_resolves_homophones_do_not(db, write):
    extra = [("Z1", "张伟", make_id("330681", "19850312", 111), "1985-03-12", "M"),
             ("Z2", "章炜", make_id("330681", "19900620", 131), "1990-06-20", "M")]
    reg, people = registry(extra)
    ingest(db, write("persons.csv", reg), write("accounts.csv",
           "account_id,name,birth_date,sex\n"
           "6222000000000001,ZHANG WEI,1985-03-12,M\n"
           "6222000000000002,ZHANG WEI,,\n"
           f"6222000000000003,{people['R004']['name']},{people['R004']['born']},"
           f"{people['R004']['sex']}\n"))
    got = dict(query(db, "SELECT account_id, person_id FROM accounts"))
    assert got["6222000000000001"] == "Z1"
    assert got["6222000000000002"] is None  # two persons read zhang wei: unresolved
    assert got["6222000000000003"] == "R004"


def test_shared_name_without_id_stays_unresolved(db, write):
    extra = [("Z1", "张伟", make_id("330681", "19850312", 111), "1985-03-12", "M"),
             ("Z2", "张伟", make_id("330681", "19900620", 131), "1990-06-20", "M")]
    reg, _ = registry(extra)
    ingest(db, write("persons.csv", reg),
           write("arrests.csv", "姓名,抓获时间\n张伟,2019-05-01 10:00\n"))
    assert query(db, "SELECT name, person_id FROM arrests") == [("张伟", None)]
    review = Case(db).identities(review=True)["records"]
    assert [r["kind"] for r in review] == ["arrests"]
    assert review[0]["candidate"] in ("Z1", "Z2")


def test_name_only_with_birth_date_and_shared_phone_resolves(db, write):
    extra = [("Z1", "张伟", make_id("330681", "19850312", 111), "1985-03-12", "M"),
             ("Z2", "张伟", make_id("330681", "19900620", 131), "1990-06-20", "M")]
    reg, people = registry(extra)
    ingest(db, write("persons.csv", reg), write("phones.csv",
           "phone,name,id_number,birth_date,since,until\n"
           f"13700000001,张伟,{people['Z2']['id']},,2019-01-01,2019-03-31\n"
           "13700000001,张伟,,1990-06-20,2019-04-01,\n"))
    rows = query(db, "SELECT since, person_id FROM phones ORDER BY since")
    assert [r[1] for r in rows] == ["Z2", "Z2"]
    (fields,) = [r["fields"] for r in Case(db).identities()["records"] if r["how"] == "weights"]
    assert fields["phone"]["level"] == "shared" and fields["birth_date"]["level"] == "same"


def test_case_without_registry_a_person_per_id_named_by_its_records(db, write):
    a = make_id("330681", "19800101", 123)
    ingest(db, write("phones.csv", PHONES + f"13900000001,王明,{a},,\n"),
           write("accounts.csv", f"account_id,name,id_number\n1,王明,{a}\n2,WANG MING,{a}\n"))
    assert set(query(db, "SELECT person_id FROM phones UNION SELECT person_id FROM accounts")
               ) == {(a,)}
    assert query(db, "SELECT person_id, name, origin FROM identity_persons") == [
        (a, "王明", "id_number")]


# -- decisions ---------------------------------------------------------------------------
@pytest.mark.slow
def test_decisions_persist_across_later_ingest_and_undo(db, write):
    extra = [("Z1", "张伟", make_id("330681", "19850312", 111), "1985-03-12", "M"),
             ("Z2", "张伟", make_id("330681", "19900620", 131), "1990-06-20", "M")]
    reg, people = registry(extra)
    ingest(db, write("persons.csv", reg),
           write("arrests.csv", "arrest_id,姓名,抓获时间\nA1,张伟,2019-05-01 10:00\n"))
    case = Case(db)
    (rec,) = case.identities(review=True)["records"]
    with pytest.raises(WorkbenchError, match="unknown person"):
        case.decide("accept", rec["ref"], "NOBODY")
    with pytest.raises(WorkbenchError, match="unknown record"):
        case.decide("accept", "arrests:99:2", "Z1")
    done = case.decide("accept", rec["ref"], "Z2", by="analyst", why="photo")
    assert query(db, "SELECT arrest_id, person_id FROM arrests") == [("A1", "Z2")]
    ingest(db, write("phones.csv", PHONES + phones_of(people)))  # a later ingest
    assert query(db, "SELECT arrest_id, person_id FROM arrests") == [("A1", "Z2")]
    assert query(db, "SELECT decided_by, why FROM identity_decisions") == [("analyst", "photo")]
    logged = [e for e in case.log() if e["action"] == "identity"]  # in the hash-chained log
    assert len(logged) == 1 and logged[0]["details"]["target"] == rec["ref"]
    assert logged[0]["details"]["why"] == "photo" and case.verify_log()["intact"]
    # merge two persons, transitively: their records follow
    case.decide("merge", "R001", "R002")
    case.decide("merge", "R002", "R003")
    got = dict(query(db, "SELECT phone, person_id FROM phones WHERE phone IN "
                     "('+8613900000001', '+8613900000002', '+8613900000003')"))
    assert set(got.values()) == {"R001"}
    case.decide("split", "R003", "R001")  # the split wins over the merges that joined them
    got = dict(query(db, "SELECT phone, person_id FROM phones WHERE phone IN "
                     "('+8613900000001', '+8613900000003')"))
    assert got == {"+8613900000001": "R001", "+8613900000003": "R003"}
    case.decide("undo", undo=done["decision_id"], by="analyst", why="wrong photo")
    assert query(db, "SELECT arrest_id, person_id FROM arrests") == [("A1", None)]
    assert query(db, "SELECT count(*) FROM identity_decisions WHERE undone_at IS NOT NULL"
                 ) == [(1,)]


@pytest.mark.slow
def test_identities_cli_json_and_unknown_record(db, write, cli_env):
    reg, people = registry()
    ingest(db, write("persons.csv", reg), write("phones.csv", PHONES + phones_of(people)))
    run = [sys.executable, "-m", "workbench", "identities", "--db", str(db)]
    out = subprocess.run([*run, "--json", "--limit", "3"], capture_output=True, text=True,
                         env=cli_env, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    recs = json.loads(out.stdout)["records"]
    assert {"kind", "key", "person_id", "how", "weight", "fields"} <= set(recs[0])
    bad = subprocess.run([*run, "--reject", "phones:9:9"], capture_output=True, text=True,
                         env=cli_env, cwd=ROOT)
    assert bad.returncode != 0 and bad.stderr.count("\n") == 1
    assert "unknown record" in bad.stderr


# -- order independence and numbers over time --------------------------------------------
@pytest.mark.slow
def test_same_attribution_whatever_the_file_order(tmp_path, write):
    extra = [("Z1", "张伟", make_id("330681", "19850312", 111), "1985-03-12", "M"),
             ("Z2", "张伟", make_id("330681", "19900620", 131), "1990-06-20", "M")]
    reg, people = registry(extra)
    a = people["R005"]
    files = [write("persons.csv", reg),
             write("phones.csv", PHONES + phones_of(people)
                   + f"13800000001,{a['name']},{swap(a['id'], 14)},,\n"),
             write("accounts.csv", "account_id,name,birth_date\n1,张伟,1985-03-12\n2,张伟,\n"
                   f"3,{a['name']},\n"),
             write("arrests.csv", "姓名,身份证号,抓获时间\n"
                   f"{a['name']},{change(a['id'], 5)},2019-05-01\n")]

    def attribution(order, name):
        db = tmp_path / name
        for i in order:
            ingest(db, files[i])
        return sorted(query(db, "SELECT r.kind, s.file, r._line, r.person_id FROM "
                                "identity_records r JOIN sources s ON s.source_id = r._source"))

    first = attribution([0, 1, 2, 3], "a.duckdb")
    assert first == attribution([3, 2, 1, 0], "b.duckdb")
    assert ("arrests", str(files[3].resolve()), 2, "R005") in first


def test_recycled_number_gives_one_link_to_the_right_person(db, write):
    reg, people = registry()
    ingest(db, write("persons.csv", reg), write("phones.csv",
           "phone,person_id,since,until\n"
           "13700000001,R001,2019-01-01,2019-01-31\n"
           "13700000001,R001,2019-03-01,2019-03-31\n"
           "13700000001,R003,2019-02-01,2019-02-28\n"
           "13700000002,R002,,\n"),
           write("calls.csv", "caller,callee,started_at\n"
                 "13700000001,13700000002,2019-02-15 10:00\n"))
    owners = query(db, f"SELECT o.person_id FROM calls c JOIN ({PHONE_OWNERS}) o "
                       "ON o.id = c.caller AND (o.since IS NULL OR c.started_at >= o.since) "
                       "AND (o.until IS NULL OR c.started_at < o.until + INTERVAL 1 DAY)")
    assert owners == [("R003",)]
    graph = Case(db).graph()
    pairs = {tuple(sorted(e)) for e in graph.to_networkx().edges} \
        if hasattr(graph, "to_networkx") else None
    if pairs is not None:
        assert pairs == {("R002", "R003")}


def test_overlapping_periods_are_reported(db, write):
    reg, _ = registry()
    ingest(db, write("persons.csv", reg), write("phones.csv",
           "phone,person_id,since,until\n13700000001,R001,2019-01-01,\n"
           "13700000001,R003,2019-02-01,\n"))
    (item,) = Case(db).identities(review=True)["overlaps"]
    assert [p["person_id"] for p in item["periods"]] == ["R001", "R003"]
    assert query(db, f"SELECT person_id, since, until FROM ({PHONE_OWNERS}) ORDER BY since"
                 )[0][2].isoformat() == "2019-01-31"


def test_schema_3_store_migrates_keeping_person_ids(db, write):
    import duckdb

    Store(db).close()
    con = duckdb.connect(str(db))  # make it look like a schema-3 store with one phone
    for col in ("given_person_id", "id_number", "name", "birth_date", "sex"):
        con.execute(f"ALTER TABLE phones DROP COLUMN {col}")
    con.execute("ALTER TABLE phones ALTER COLUMN person_id SET NOT NULL")
    for table in ("identity_records", "identity_persons", "identity_params",
                  "identity_decisions"):
        con.execute(f"DROP TABLE {table}")
    con.execute("INSERT INTO phones (phone, person_id, _source, _line, _row_hash) "
                "VALUES ('+8613900000001', 'R001', 1, 2, 1)")
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.close()
    reg, _ = registry()
    ingest(db, write("persons.csv", reg))
    assert query(db, "SELECT person_id, given_person_id FROM phones") == [("R001", "R001")]
    assert query(db, "SELECT how FROM identity_records WHERE kind = 'phones'") == [
        ("person_id",)]


def test_kinship_sides_given_as_id_numbers_name_the_registry_persons(db, write):
    reg, people = registry()
    a, b = people["R001"], people["R002"]
    legacy = b["id"][:6] + b["id"][8:17]
    ingest(db, write("persons.csv", reg), write("kinship.csv",
           "人员编号A,人员编号B,关系\n"
           f"{a['id']},{legacy},配偶\n"
           f"R003,{change(people['R004']['id'], 9)},父母\n"
           "R005,330681200001011234,亲属\n"))
    rows = query(db, "SELECT person_a, person_b, given_person_b FROM kinship ORDER BY 1")
    assert rows[0] == ("R001", "R002", legacy)  # the 15-digit number kept as given
    assert rows[1][:2] == ("R003", "R004")  # a typo'd ID resolved by its neighbour
    assert rows[2][1] == "330681200001011234"  # nobody's: stands for itself


def test_recycled_number_case_from_casegen_gives_one_link(tmp_path):
    recycled = pytest.importorskip("tests.casegen.recycled")
    truth = recycled.write_recycled_case(tmp_path / "case")
    db = tmp_path / "c.duckdb"
    ingest(db, tmp_path / "case")
    case = Case(db)
    with pytest.raises(WorkbenchError, match="no links"):  # P1 held the number, not then
        case.network(["P1"])
    net = case.network(["P2", "P3"], hops=1)
    links = sorted(tuple(sorted(e)) for e in net.edges)
    assert links == [tuple(x) for x in truth["links"]] == [("P2", "P3")]
