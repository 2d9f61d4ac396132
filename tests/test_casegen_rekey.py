"""The re-keyed county generator (tests/casegen): files, headers, faults and truth.

These check the generator alone (and the scorer on a store built by hand), not the
workbench's identity resolution.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from tests.casegen.recycled import write_recycled_case
from tests.casegen.rekey import (
    DEFAULT_RATES,
    id15_to_18,
    id_check_char,
    id_valid,
    rekey_county,
    to_pinyin,
)
from tests.casegen.score_identity import score

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
ID_KINDS = ("phones", "accounts", "arrests", "stays", "visits", "trips")
HEADERS = {
    "persons.csv": ["人员编号", "姓名", "身份证号", "出生日期", "性别", "住址", "户号"],
    "phones.csv": ["手机号码", "机主姓名", "机主证件号码", "启用日期", "停用日期"],
    "accounts.csv": ["卡号", "户名", "开户证件号", "开户行"],
    "arrests.csv": ["抓获编号", "姓名", "身份证号", "出生日期", "性别", "案件编号", "抓获时间",
                    "涉嫌罪名", "毒品种类", "数量克", "抓获地点"],
    "stays.csv": ["证件号码", "姓名", "旅馆编码", "旅馆名称", "房间号", "入住时间", "退房时间"],
    "visits.csv": ["证件号码", "姓名", "场所编码", "场所名称", "场所类型", "核查时间", "来源",
                   "尿检结果"],
    "trips.csv": ["证件号码", "姓名", "车次", "出发时间", "出发站", "到达站", "座位号",
                  "交通方式"],
    "kinship.csv": ["人员编号A", "人员编号B", "关系"],
    "calls.csv": ["caller", "callee", "started_at", "duration_s", "cell_id"],
}
ID_COLUMN = {"phones.csv": 2, "accounts.csv": 2, "arrests.csv": 2, "stays.csv": 0,
             "visits.csv": 0, "trips.csv": 0}
NAME_COLUMN = {"phones.csv": 1, "accounts.csv": 1, "arrests.csv": 1, "stays.csv": 1,
               "visits.csv": 1, "trips.csv": 1}


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict:
    pytest.importorskip("pypinyin")
    base = tmp_path_factory.mktemp("rekey")
    out = {}
    for name, kw in (("a", {}), ("b", {}), ("noreg", {"registry": False})):
        truth = rekey_county(SAMPLE, base / name, 11, **kw)
        out[name] = (base / name, truth)
    return out


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def _tol(n: int, p: float) -> float:
    """Four binomial standard deviations (at least one record)."""
    return max(4 * math.sqrt(p * (1 - p) / n), 1 / n)


def test_files_and_headers(made):
    out, _truth = made["a"]
    for name, header in HEADERS.items():
        assert _rows(out / name)[0] == header, name
    assert (out / "transactions.csv").read_bytes() == (SAMPLE / "transactions.csv").read_bytes()
    assert (out / "identity_truth.json").exists() and (out / "truth.json").exists()
    for name in ("phones.csv", "accounts.csv", "arrests.csv", "stays.csv", "visits.csv",
                 "trips.csv"):
        assert not {"人员编号", "person_id"} & set(_rows(out / name)[0]), name
    noreg, _ = made["noreg"]
    assert not (noreg / "persons.csv").exists()
    assert not (noreg / "arrests.xlsx").exists()


def test_rings_kept(made):
    out, _ = made["a"]
    src = json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))
    kept = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert kept["rings"] == src["rings"]
    for f, expect in kept["files"].items():
        if f != "transactions.csv":
            assert expect["rows"] == len(_rows(out / f)) - 1, f


def test_every_record_has_truth(made):
    for key in ("a", "noreg"):
        out, truth = made[key]
        by_file = defaultdict(list)
        for rec in truth["records"]:
            by_file[rec["file"]].append(rec["line"])
            assert rec["true_person"] in truth["persons"] or rec["category"] == "org", rec
        for name in HEADERS:
            if name == "calls.csv" or not (out / name).exists():
                continue
            n = len(_rows(out / name)) - 1
            assert sorted(by_file[name]) == list(range(2, n + 2)), name
            # one physical line per row: line numbers are physical lines
            assert (out / name).read_text(encoding="utf-8").count("\n") == n + 1


def test_records_match_files(made):
    out, truth = made["a"]
    rows = {name: _rows(out / name) for name in ID_COLUMN}
    persons = truth["persons"]
    for rec in truth["records"]:
        if rec["kind"] not in ID_KINDS or rec["category"] == "org":
            continue
        row = rows[rec["file"]][rec["line"] - 1]
        idn, name = row[ID_COLUMN[rec["file"]]], row[NAME_COLUMN[rec["file"]]]
        true = persons[rec["true_person"]]
        fault = rec["fault"]
        if fault in (None, "pinyin"):
            assert idn == true["id_number"], rec
        elif fault == "no_id":
            assert idn == "", rec
        elif fault == "id15":
            assert len(idn) == 15 and idn.isdigit() and id15_to_18(idn) == true["id_number"]
        elif fault == "digit":
            assert len(idn) == 18 and sum(a != b for a, b in zip(idn, true["id_number"],
                                                                 strict=True)) == 1
        elif fault == "swap":
            diff = [i for i in range(18) if idn[i] != true["id_number"][i]]
            assert len(diff) == 2 and diff[1] == diff[0] + 1
            assert idn[diff[0]] == true["id_number"][diff[1]]
        assert rec["category"] == ("name_only" if idn == "" else "id"), rec
        assert name == (to_pinyin(true["name"]) if rec.get("pinyin") else true["name"]), rec


def test_mistyped_ids_fail_the_check(made):
    _out, truth = made["a"]
    rows = {name: _rows(_out / name) for name in ID_COLUMN}
    seen = Counter()
    for rec in truth["records"]:
        if rec["fault"] in ("digit", "swap"):
            idn = rows[rec["file"]][rec["line"] - 1][ID_COLUMN[rec["file"]]]
            assert len(idn) == 18 and idn[:17].isdigit() and not id_valid(idn), rec
            seen[rec["fault"]] += 1
        elif rec["kind"] in ID_KINDS and rec["fault"] in (None, "pinyin") \
                and rec["category"] == "id":
            idn = rows[rec["file"]][rec["line"] - 1][ID_COLUMN[rec["file"]]]
            assert id_valid(idn), rec
    assert seen["digit"] > 20 and seen["swap"] > 20


def test_fifteen_digit_form(made):
    out, truth = made["a"]
    rows = {name: _rows(out / name) for name in ID_COLUMN}
    n = 0
    for rec in truth["records"]:
        if rec["fault"] != "id15":
            continue
        idn = rows[rec["file"]][rec["line"] - 1][ID_COLUMN[rec["file"]]]
        true = truth["persons"][rec["true_person"]]["id_number"]
        assert len(idn) == 15 and idn.isdigit()
        assert idn[:6] == true[:6] and idn[6:12] == true[8:14] and idn[12:] == true[14:17]
        dt.datetime.strptime("19" + idn[6:12], "%Y%m%d")
        n += 1
    assert n > 20
    assert id15_to_18("330681930224400") == "33068119930224400X"


def test_fault_rates(made):
    _out, truth = made["a"]
    recs = [r for r in truth["records"]
            if r["kind"] in ID_KINDS and r["kind"] != "arrests" and r["category"] != "org"]
    faults = Counter(r["fault"] for r in recs)
    n = len(recs)
    for fault in ("no_id", "digit", "swap"):
        p = DEFAULT_RATES[fault]
        assert abs(faults[fault] / n - p) <= _tol(n, p), (fault, faults[fault], n)
    # id15 among the records that can have a 15-digit form (born in the 1900s, ID still valid)
    persons = truth["persons"]
    eligible = [r for r in recs if r["fault"] in (None, "pinyin", "id15")
                and persons[r["true_person"]]["id_number"][6:8] == "19"]
    p = DEFAULT_RATES["id15"]
    # the draw for id15 comes after no_id/digit/swap: scale to the records left
    left = 1 - DEFAULT_RATES["no_id"] - DEFAULT_RATES["digit"] - DEFAULT_RATES["swap"]
    share = sum(r["fault"] == "id15" for r in eligible) / len(eligible)
    assert abs(share - p / left) <= _tol(len(eligible), p / left) + 0.01
    accounts = [r for r in truth["records"] if r["kind"] == "accounts" and r["category"] != "org"]
    share = sum(bool(r.get("pinyin")) for r in accounts) / len(accounts)
    assert abs(share - DEFAULT_RATES["pinyin"]) <= _tol(len(accounts), DEFAULT_RATES["pinyin"])
    assert any(r["category"] == "org" for r in truth["records"])


def test_rates_configurable(tmp_path):
    pytest.importorskip("pypinyin")
    truth = rekey_county(SAMPLE, tmp_path, 3, rates={"no_id": 0.0, "digit": 0.0, "swap": 0.0,
                                                     "id15": 0.0, "arrests.no_id": 0.0,
                                                     "pinyin": 0.0, "recycled": 0.0,
                                                     "relatives": 0.0})
    assert {r["fault"] for r in truth["records"] if r["kind"] in ID_KINDS} == {None}
    assert truth["recycled"] == [] and truth["relatives_phones"] == []


def test_arrests_without_id_carry_birth_and_sex_sometimes(made):
    out, truth = made["a"]
    rows = _rows(out / "arrests.csv")
    no_id = [r for r in truth["records"] if r["kind"] == "arrests" and r["fault"] == "no_id"]
    assert no_id
    for rec in no_id:
        row = rows[rec["line"] - 1]
        person = truth["persons"][rec["true_person"]]
        if row[3]:
            assert row[3] == person["birth_date"]
            assert row[4] == {"M": "男", "F": "女"}[person["sex"]]


def test_pinyin():
    pytest.importorskip("pypinyin")
    assert to_pinyin("张伟") == "ZHANG WEI"
    assert to_pinyin("欧阳娜娜") == "OUYANG NANA"
    assert to_pinyin("曾强") == "ZENG QIANG"
    assert to_pinyin("段洋娜") == "DUAN YANGNA"


def test_shared_names(made):
    out, truth = made["a"]
    names = Counter(row[1] for row in _rows(out / "persons.csv")[1:])
    assert sum(c >= 5 for c in names.values()) >= 3
    assert names["张伟"] >= 5
    # renamed persons appear under the new name in every file naming them in characters
    renamed = {x["person_id"]: x["new"] for x in truth["renamed"]}
    assert renamed
    rows = {name: _rows(out / name) for name in ID_COLUMN}
    seen = 0
    for rec in truth["records"]:
        if rec["true_person"] in renamed and rec["kind"] in ID_KINDS and not rec.get("pinyin"):
            assert rows[rec["file"]][rec["line"] - 1][NAME_COLUMN[rec["file"]]] == \
                renamed[rec["true_person"]]
            seen += 1
    assert seen > 0


def _e164(num: str) -> str:
    """The truth's spelling of a number as written in calls.csv."""
    if num.startswith("0"):
        return "+86" + num[1:]
    return "+86" + num if len(num) == 11 else num


def _day(s: str) -> dt.date | None:
    return dt.date.fromisoformat(s) if s else None


def test_recycled_numbers(made):
    out, truth = made["a"]
    phones = _rows(out / "phones.csv")
    calls = _rows(out / "calls.csv")
    persons = truth["persons"]
    assert len(truth["recycled"]) >= 3
    for rec in truth["recycled"]:
        holders = [p["person"] for p in rec["periods"]]
        assert holders[0] == holders[2] != holders[1]
        spans = []
        for per in rec["periods"]:
            row = phones[per["line"] - 1]
            assert "+86" + row[0] == rec["phone"]
            assert row[1] == persons[per["person"]]["name"]
            assert (row[3], row[4]) == (per["since"], per["until"])
            spans.append((_day(per["since"]) or dt.date.min, _day(per["until"]) or dt.date.max))
        # periods of the number never overlap (both ends inclusive)
        spans.sort()
        for (_s0, e0), (s1, _e1) in zip(spans, spans[1:], strict=False):
            assert e0 < s1
        assert rec["calls"]
        for call in rec["calls"]:
            row = calls[call["line"] - 1]
            day = dt.date.fromisoformat(row[2][:10])
            for side, col in (("caller", 0), ("callee", 1)):
                assert _e164(row[col]) == call[side]
                if call[side] == rec["phone"]:
                    inside = [per for per, (s, e) in zip(rec["periods"], spans_of(rec),
                                                         strict=True) if s <= day < e]
                    # inside one period and never on its until day (inclusive or not, it is right)
                    assert len(inside) == 1, (call, day)
                    assert call[f"{side}_person"] == inside[0]["person"]
        temp = rec["temp_phone"]
        assert phones[temp["line"] - 1][1] == persons[temp["person"]]["name"]
    # every call on a recycled number in the file is listed in the truth
    listed = {c["line"] for rec in truth["recycled"] for c in rec["calls"]}
    numbers = {rec["phone"][3:] for rec in truth["recycled"]}
    on_number = {i + 1 for i, row in enumerate(calls) if i and (row[0] in numbers
                                                                or row[1] in numbers)}
    assert on_number <= listed


def spans_of(rec: dict) -> list[tuple[dt.date, dt.date]]:
    return [(_day(p["since"]) or dt.date.min, _day(p["until"]) or dt.date.max)
            for p in rec["periods"]]


def test_relatives_phones(made):
    out, truth = made["a"]
    phones = _rows(out / "phones.csv")
    kin = {tuple(r) for r in _rows(out / "kinship.csv")[1:]}
    persons = truth["persons"]
    assert len(truth["relatives_phones"]) >= 5
    by_line = {(r["file"], r["line"]): r for r in truth["records"]}
    for x in truth["relatives_phones"]:
        row = phones[x["line"] - 1]
        assert row[1] == persons[x["registered"]]["name"]
        rec = by_line[(x["file"], x["line"])]
        assert rec["true_person"] == x["registered"] and rec["user"] == x["user"]
        a, b = x["registered"], x["user"]
        assert {(a, b, "父母"), (persons[a]["id_number"], persons[b]["id_number"], "父母")} & kin


def test_kinship_by_id_number(made):
    out, truth = made["a"]
    rows = _rows(out / "kinship.csv")[1:]
    by_id = sum(len(r[0]) == 18 for r in rows) / len(rows)
    assert abs(by_id - 0.5) < 0.05
    noreg, _ = made["noreg"]
    assert all(len(r[0]) == 18 and len(r[1]) == 18 for r in _rows(noreg / "kinship.csv")[1:])


def test_same_seed_same_bytes(made):
    a, _ = made["a"]
    b, _ = made["b"]
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_recycled_hand_case(tmp_path):
    truth = write_recycled_case(tmp_path)
    assert truth["links"] == [["P2", "P3"]]
    phones = _rows(tmp_path / "phones.csv")
    assert phones[0] == HEADERS["phones.csv"]
    assert [r[0] for r in phones[1:]] == ["13800000001"] * 3 + ["13900000002"]
    assert all(id_valid(r[2]) for r in phones[1:])
    calls = _rows(tmp_path / "calls.csv")
    assert len(calls) == 2 and calls[1][2].startswith("2019-02-15")
    persons = _rows(tmp_path / "persons.csv")
    assert [r[0] for r in persons[1:]] == ["P1", "P2", "P3"]
    assert id_check_char(persons[1][2]) == persons[1][2][-1]


def test_scorer_on_a_store_built_by_hand(made, tmp_path):
    """A store whose phones rows are attributed as we say: the scorer counts them back."""
    duckdb = pytest.importorskip("duckdb")
    _out, truth = made["a"]
    recs = [r for r in truth["records"] if r["kind"] == "phones"]
    db = tmp_path / "s.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE sources (source_id INTEGER, file VARCHAR)")
    con.execute("INSERT INTO sources VALUES (1, '/somewhere/phones.csv')")
    con.execute("CREATE TABLE phones (phone VARCHAR, person_id VARCHAR, _source INTEGER, "
                "_line INTEGER)")
    rows = []
    for i, r in enumerate(recs):
        pid = r["true_person"]
        if i % 10 == 1:
            pid = None
        elif i % 10 == 2:
            pid = "P000001" if pid != "P000001" else "P000002"
        rows.append((r["key"], pid, 1, r["line"]))
    con.executemany("INSERT INTO phones VALUES (?, ?, ?, ?)", rows)
    con.close()
    report = score(db, truth)
    allc = report["by_kind"]["phones"]
    assert allc["n"] == len(recs)
    assert allc["unresolved"] == sum(1 for i in range(len(recs)) if i % 10 == 1)
    assert allc["wrong"] == sum(1 for i in range(len(recs)) if i % 10 == 2)
    assert allc["correct"] == len(recs) - allc["unresolved"] - allc["wrong"]
    assert set(report["missing_kinds"]) == {"accounts", "arrests", "stays", "visits", "trips"}
    assert report["categories"]["all"]["missing"] > 0  # the other kinds are not stored
