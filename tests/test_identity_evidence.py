"""Identity evidence from behaviour: whom a number calls, whom an account pays, how many
numbers a person already holds; and the numbers whose use contradicts their subscriber."""

from __future__ import annotations

import pytest

from workbench.case import Case
from workbench.identity.relatives import contradicting_use
from workbench.store.database import Store

from .test_identity import PHONES, ingest, make_id, query, registry

ZW = [("Z1", "张伟", make_id("330681", "19850312", 111), "1985-03-12", "M"),
      ("Z2", "张伟", make_id("330681", "19900620", 131), "1990-06-20", "M")]


def _family_case(people: dict) -> tuple[str, str, str]:
    """Kinship pairs R000-R001, R002-R003, ... whose phones call each other (what the
    case measures the field on); returns (kinship, phones, calls) texts."""
    ids = sorted(p for p in people if p.startswith("R"))
    kin = "person_a,person_b,relation\n" + "".join(
        f"{a},{b},sibling\n" for a, b in zip(ids[::2], ids[1::2], strict=False))
    phones = PHONES + "".join(f"1390000{i:04d},{people[p]['name']},{people[p]['id']},,\n"
                              for i, p in enumerate(ids))
    calls = "caller,callee,started_at\n" + "".join(
        f"1390000{i:04d},1390000{i + 1:04d},2019-0{1 + d}-1{d} 10:00\n"
        for i in range(0, len(ids) - 1, 2) for d in range(3))
    return kin, phones, calls


@pytest.mark.slow
def test_calls_to_a_candidates_kin_tell_two_persons_of_one_name_apart(db, write):
    reg, people = registry(ZW)
    kin, phones, calls = _family_case(people)
    kin += "Z1,R010,spouse\n"
    phones += "13700000001,张伟,,,\n13700000002,张伟,,,\n"
    calls += "".join(f"13700000001,13900000010,2019-02-0{d} 20:00\n" for d in range(1, 4))
    calls += "13700000002,13900000033,2019-02-01 20:00\n"  # R033: nobody's kin of a 张伟
    ingest(db, write("persons.csv", reg), write("kinship.csv", kin),
           write("phones.csv", phones), write("calls.csv", calls))
    got = dict(query(db, "SELECT phone, person_id FROM phones WHERE phone LIKE '+86137%'"))
    assert got == {"+8613700000001": "Z1", "+8613700000002": None}
    (rec,) = [r for r in Case(db).identities(person="Z1")["records"] if r["how"] == "weights"]
    assert rec["fields"]["contacts"]["level"] == "kin"
    assert rec["fields"]["contacts"]["bits"] > 0
    params = Case(db).identities()["params"]
    assert float(params["weight.contacts_phone.kin"]) > 0
    assert float(params["weight.contacts_phone.none"]) < 0


def _relatives_case(write, *, self_calls: bool):
    """A (R000) holds two numbers: their own, and one their son B (R001) uses; C (R002)
    is A's spouse, G (R003) A's father. B's number calls A's and C's; A's own number
    calls C and G."""
    reg, people = registry(n=8)
    kin = ("person_a,person_b,relation\nR000,R001,parent\nR002,R001,parent\n"
           "R000,R002,spouse\nR003,R000,parent\n")
    a, c, g = people["R000"], people["R002"], people["R003"]
    phones = PHONES + (f"13900000001,{a['name']},{a['id']},,\n"
                       f"13900000002,{a['name']},{a['id']},,\n"
                       f"13900000003,{c['name']},{c['id']},,\n"
                       f"13900000004,{g['name']},{g['id']},,\n")
    pairs = [("13900000002", "13900000003"), ("13900000001", "13900000003"),
             ("13900000001", "13900000004")]
    if self_calls:
        pairs.append(("13900000002", "13900000001"))
    calls = "caller,callee,started_at\n" + "".join(
        f"{x},{y},2019-03-0{d} 1{d}:00\n" for x, y in pairs for d in range(1, 4))
    return [write("persons.csv", reg), write("kinship.csv", kin),
            write("phones.csv", phones), write("calls.csv", calls)]


def test_a_relatives_number_is_a_review_item_and_stays_the_subscribers(db, write):
    ingest(db, *_relatives_case(write, self_calls=True))
    with Store(db, read_only=True) as store:
        items = contradicting_use(store.con)
    assert [(i["phone"], i["subscriber"], i["probable_users"], i["certain"])
            for i in items] == [("+8613900000002", "R000", ["R001"], True)]
    assert "call each other" in items[0]["why"] and "R003" in items[0]["why"]
    # the attribution is unchanged: the number is the subscriber's
    assert query(db, "SELECT person_id FROM phones WHERE phone = '+8613900000002'") == [
        ("R000",)]
    review = Case(db).identities(review=True)
    assert [i["phone"] for i in review["contradictions"]] == ["+8613900000002"]


def test_two_numbers_of_one_person_that_never_call_each_other_are_no_item(db, write):
    ingest(db, *_relatives_case(write, self_calls=False))
    with Store(db, read_only=True) as store:
        assert contradicting_use(store.con) == []


# -- the Explorer's details panel: how a person was put together, decisions there -------
@pytest.mark.slow
def test_explorer_shows_how_a_person_was_put_together_and_decides(tmp_path, write):
    from workbench.explorer.widget import Explorer

    reg, people = registry(ZW)
    z1, z2 = people["Z1"], people["Z2"]
    phones = PHONES + (f"13800000001,张伟,{z1['id']},,\n13800000002,张伟,{z2['id']},,\n"
                       "13700000001,张伟,,,\n")  # two 张伟 with a number each, one open
    calls = "caller,callee,started_at\n" + "".join(
        f"13800000001,1390000{i:04d},2019-03-0{d} 2{d}:00\n" for i in range(3)
        for d in range(1, 4)) + "13600000009,13900000000,2019-03-05 10:00\n"  # unregistered
    phones += "".join(f"1390000{i:04d},{people[f'R00{i}']['name']},"
                      f"{people[f'R00{i}']['id']},,\n" for i in range(3))
    db = tmp_path / "case.duckdb"
    ingest(db, write("persons.csv", reg), write("phones.csv", phones),
           write("calls.csv", calls))
    ex = Explorer(db, out_dir=tmp_path / "exports")
    ex.focus_on("Z1")
    assert ex.graph.selected == "Z1"
    html = ex.details.value
    assert "how Z1 was put together" in html and "id_number" in html
    assert "same person?" in html and "name exact" in html  # the open 张伟, field by field
    (ref,) = [v for label, v in ex.id_record.options if "best candidate" in label]
    assert ref.startswith("phones:")
    assert query(db, "SELECT person_id FROM phones WHERE phone = '+8613700000001'") == [
        (None,)]
    ex.id_record.value = ref
    ex.id_action.value = "accept"
    ex.id_by.value, ex.id_why.value = "analyst1", "carrier confirmed the subscriber"
    ex.id_button.click()
    assert query(db, "SELECT person_id FROM phones WHERE phone = '+8613700000001'") == [
        ("Z1",)]
    (dec,) = Case(db).identities(review=True)["decisions"]
    assert dec["decided_at"] and dec["undone_at"] is None
    assert (dec["action"], dec["target"], dec["other"], dec["decided_by"], dec["why"]) == (
        "accept", ref, "Z1", "analyst1", "carrier confirmed the subscriber")
    entry = [e for e in Case(db).log() if e["action"] == "identity"][-1]
    assert entry["actor"] == "analyst1" and entry["details"]["target"] == ref
    assert ex.graph.selected == "Z1" and "decision" in ex.details.value
    ex.id_undo.click()  # reversible: the record waits for review again
    assert query(db, "SELECT person_id FROM phones WHERE phone = '+8613700000001'") == [
        (None,)]
    (dec,) = Case(db).identities(review=True)["decisions"]
    assert dec["undone_at"] is not None and dec["undone_by"] == "analyst1"
    # merge and split need the other person; a hostile one is refused as text
    ex.id_action.value = "merge"
    ex.id_other.value = '<img src=x onerror="alert(1)">'
    ex.id_button.click()
    assert "unknown person" in ex.status.value and "<img" not in ex.status.value
    def open_record() -> dict:
        (rec,) = [r for r in Case(db).identities()["records"] if r["ref"] == ref]
        return rec

    before = open_record()
    ex.id_other.value = "Z2"
    ex.id_button.click()
    assert query(db, "SELECT DISTINCT person_id FROM phones WHERE phone IN "
                     "('+8613800000001', '+8613800000002')") == [("Z1",)]
    # one 张伟 now: the open record's only candidate, and surer than between two (on a
    # 30-person registry the name alone stays under the bar: the two numbers Z1 holds
    # are too few to measure anything on, so they weigh 0 bits)
    after = open_record()
    assert after["candidate"] == "Z1" and after["p"] > before["p"] + 0.3
    # a number nobody holds has no records: the picker keeps nothing of the person before
    assert ex.id_record.options
    ex.focus_on("+8613600000009")
    assert ex.graph.selected == "+8613600000009"
    assert not ex.id_record.options and "put together" not in ex.details.value


def test_a_candidate_already_holding_a_number_is_the_less_likely_user(db, write):
    reg, people = registry(ZW)
    ids = [f"R{i:03d}" for i in range(20)]  # half the registry holds a number
    phones = PHONES + "".join(f"1390000{i:04d},{people[p]['name']},{people[p]['id']},,\n"
                              for i, p in enumerate(ids))
    phones += f"13800000001,张伟,{people['Z1']['id']},,\n13700000001,张伟,,,\n"
    ingest(db, write("persons.csv", reg), write("phones.csv", phones))
    (rec,) = [r for r in Case(db).identities()["records"]
              if r["kind"] == "phones" and r["name"] == "张伟" and not r["id_number"]]
    assert rec["candidate"] == "Z2"  # Z1 already holds a number of the case
    assert rec["fields"]["holdings"]["level"] == "0"
    assert rec["fields"]["holdings"]["bits"] > 0
    params = Case(db).identities()["params"]
    assert float(params["weight.holdings_phone.1"]) < 0 < float(params["weight.holdings_phone.0"])


@pytest.mark.slow
def test_a_number_reaching_both_namesakes_kin_once_weighed_numbers_count_is_taken_back(
        db, write):
    """The first round sees the kin of one 张伟 only (the other's spouse R010 is on a
    number written by a name R010 shares with X1, without ID number, attributed through
    the calls to R010's sibling); the check round counts that number as R010's, the calls
    reach both 张伟's kin, and the attribution is taken back: unresolved, not wrong."""
    _reg, people = registry(ZW)
    r010 = people["R010"]
    reg, people = registry(ZW + [("X1", r010["name"], make_id("330681", "19700101", 155),
                                  "1970-01-01", "M")])
    kin, phones, calls = _family_case(people)
    phones = phones.replace(f"13900000010,{r010['name']},{r010['id']},,",
                            f"13900000010,{r010['name']},,,")  # R010's number: name only
    kin += "Z1,R010,spouse\nZ2,R013,spouse\n"
    phones += "13700000001,张伟,,,\n"
    calls += "".join(f"13700000001,13900000010,2019-02-0{d} 20:00\n" for d in range(1, 4))
    calls += "".join(f"13700000001,13900000013,2019-02-1{d} 20:00\n" for d in range(1, 3))
    ingest(db, write("persons.csv", reg), write("kinship.csv", kin),
           write("phones.csv", phones), write("calls.csv", calls))
    got = dict(query(db, "SELECT phone, person_id FROM phones "
                         "WHERE phone IN ('+8613700000001', '+8613900000010')"))
    assert got == {"+8613900000010": "R010", "+8613700000001": None}
    (rec,) = [r for r in Case(db).identities(review=True)["records"]
              if r["kind"] == "phones" and r["name"] == "张伟"]
    assert rec["person_id"] is None and rec["how"] == "unresolved"
    assert rec["fields"]["contacts"]["level"] == "kin" and rec["p"] < 0.95
    params = Case(db).identities()["params"]
    assert int(params["taken_back"]) == 1 and int(params["checked"]) >= 2


@pytest.mark.slow
def test_a_name_only_number_reaches_kin_through_a_number_its_own_fields_attributed(
        db, write):
    """Z1's spouse R010 wrote name and birth date, no ID number: the weights attribute
    that number on its own fields alone. A 张伟 number without ID calls it: in the round
    of the name-only records R010's number counts as R010's, the calls reach Z1's kin, and
    the number is Z1's (with the first round alone it reached nobody and stayed open)."""
    reg, people = registry(ZW)
    kin, phones, calls = _family_case(people)
    r010 = people["R010"]
    phones = phones.replace(f"13900000010,{r010['name']},{r010['id']},,\n", "")
    kin += "Z1,R010,spouse\n"
    calls += "".join(f"13700000001,13900000010,2019-02-0{d} 20:00\n" for d in range(1, 4))
    ingest(db, write("persons.csv", reg), write("kinship.csv", kin),
           write("phones.csv", phones + "13700000001,张伟,,,\n"),
           write("phones_b.csv", "phone,name,id_number,birth_date\n"
                 f"13900000010,{r010['name']},,{r010['born']}\n"), write("calls.csv", calls))
    got = dict(query(db, "SELECT phone, person_id FROM phones "
                         "WHERE phone IN ('+8613700000001', '+8613900000010')"))
    assert got == {"+8613900000010": "R010", "+8613700000001": "Z1"}
    (rec,) = [r for r in Case(db).identities(person="Z1")["records"] if r["how"] == "weights"]
    assert rec["fields"]["contacts"]["level"] == "kin"
    assert int(Case(db).identities()["params"]["name_only_again"]) >= 1


@pytest.mark.slow
def test_a_name_only_arrest_goes_to_the_namesake_who_calls_the_one_arrested_with_him(
        db, write):
    """Six cases each arrested two persons named by ID number whose numbers call each other
    (what the case measures a case's weight on); a seventh arrested R030 by ID number and
    a 张伟 by name alone. Z1's number calls R030's, Z2's calls R033's: the arrest is Z1's,
    the case's weight measured and reported (without it the name alone leaves it open)."""
    reg, people = registry(ZW)
    ids = sorted(p for p in people if p.startswith("R"))
    num = {p: f"1390000{i:04d}" for i, p in enumerate(ids + ["Z1", "Z2"])}
    phones = PHONES + "".join(f"{num[p]},{people[p]['name']},{people[p]['id']},,\n"
                              for p in num)
    calls = "caller,callee,started_at\n" + "".join(
        f"{num[a]},{num[b]},2019-0{1 + d}-1{d} 10:00\n"
        for a, b in [*zip(ids[::2], ids[1::2], strict=True), ("Z1", "R030"), ("Z2", "R033")]
        for d in range(3))
    arrests = "arrest_id,姓名,身份证号,案件编号,抓获时间\n" + "".join(
        f"A{i}{j},{people[p]['name']},{people[p]['id']},C{i},2019-05-0{1 + i} 10:00\n"
        for i in range(6) for j, p in enumerate(ids[2 * i:2 * i + 2]))
    arrests += (f"A70,{people['R030']['name']},{people['R030']['id']},C7,2019-06-01 10:00\n"
                "A71,张伟,,C7,2019-06-01 11:00\n")
    ingest(db, write("persons.csv", reg), write("phones.csv", phones),
           write("calls.csv", calls), write("arrests.csv", arrests))
    assert query(db, "SELECT person_id FROM arrests WHERE arrest_id = 'A71'") == [("Z1",)]
    (rec,) = [r for r in Case(db).identities(person="Z1")["records"] if r["how"] == "weights"]
    assert rec["kind"] == "arrests"
    assert rec["fields"]["contacts"]["level"] == "shared_1"
    assert rec["fields"]["contacts"]["bits"] > 0
    params = Case(db).identities()["params"]
    assert float(params["weight.contacts_case.shared_1"]) > 0
    assert float(params["weight.contacts_case.none"]) < 0
    assert params["contacts_case_source"].startswith("m on 12 persons arrested")
    # two-person cases never show a level of two shared contacts, neither for the persons
    # arrested nor for the others: it says nothing (add-half smoothing made it 4.6 bits,
    # a weight from nothing, and 2.6 bits too many on a level seen 0 times in 5,000)
    assert float(params["weight.contacts_case.shared_2"]) == 0.0
