"""Write the sample county as messy exports, counting what ingest must store, skip and reject.

Files (the shapes investigators receive):

=========================  ==========================================================
``persons.csv``            UTF-8, canonical headers, sex as 男/女, mixed date formats
``phones.csv``             UTF-8, Chinese headers, five phone spellings
``accounts.csv``           UTF-8, canonical headers, card numbers with spaces
``calls_2019-01_03.csv``   UTF-8, canonical headers, clean structure
``calls_2019-04_06.csv``   GB18030, Chinese headers, an extra column, H:MM:SS durations,
                           a stray quote and a line with an extra field
``transactions.csv``       UTF-8 with BOM, Chinese headers, ``¥1,200.00`` amounts
``arrests.xlsx``           Excel, Chinese headers, real date cells
``kinship.csv``            UTF-8, Chinese headers and relation words
``stays.csv``              GB18030, Chinese headers, people by ID number (some legacy
                           15-digit numbers, some by person_id), open stays
``visits.csv``             UTF-8, Chinese headers, ``YYYYMMDDHHMMSS`` times
``trips.csv``              UTF-8, canonical headers, seats like ``05车12A``
=========================  ==========================================================

Each file also carries exact duplicates (re-exports), duplicates that differ only in
spelling (``+86 138 ...`` for ``138...``), and rows of every kind the contract rejects;
``truth.json`` holds the expected ``rows / stored / duplicates / rejected`` per file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

from .base import START, County

__all__ = ["write_files"]

HOSTILE = '<img src=x onerror="alert(1)">'


def _ts(t: int, fmt: str) -> str:
    return (START + dt.timedelta(seconds=int(t))).strftime(fmt)


def _day(d) -> str:
    return "" if d is None else (START.date() + dt.timedelta(days=int(d))).isoformat()


def _local(num: str, style: int) -> str:
    """Spell an E.164 CN number the ways exports do."""
    if not num.startswith("+86"):
        return num
    national = num[3:]
    if style == 0 or len(national) != 11:
        return national if len(national) == 11 else "0" + national
    return [
        num,
        f"0086 {national[:3]} {national[3:7]} {national[7:]}",
        f"86-{national[:3]}-{national[3:7]}-{national[7:]}",
        f"({national[:3]}) {national[3:7]}.{national[7:]}",
        national.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    ][style - 1]


class _Sheet:
    """Rows of one export with the expected accounting."""

    def __init__(self, name: str, header: list[str]) -> None:
        self.name, self.header = name, header
        self.rows: list[list] = []
        self.expect = {"rows": 0, "stored": 0, "duplicates": 0, "rejected": 0}

    def add(self, row: list, outcome: str = "stored") -> None:
        self.rows.append(row)
        self.expect["rows"] += 1
        self.expect[outcome] += 1

    def csv_text(self, delimiter: str = ",") -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return buf.getvalue()


def write_files(county: County, out, seed: int = 7) -> dict:
    """Write every export and ``truth.json`` into ``out``; return the truth document."""
    import numpy as np

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed + 1000)
    files: dict[str, dict] = {}

    def pick(sheet: _Sheet, k: int) -> list[list]:
        clean = [r for r in sheet.rows]
        return [list(clean[int(i)]) for i in rng.choice(len(clean), size=k, replace=False)]

    # persons
    persons = _Sheet("persons.csv", ["person_id", "name", "id_number", "birth_date", "sex",
                                     "address", "household_id"])
    for i, p in enumerate(county.persons):
        fmt = ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"][i % 3]
        sex = {"M": "男", "F": "女"}[p["sex"]] if i % 2 else p["sex"]
        address = HOSTILE if i == 7 else p["address"]
        persons.add([p["person_id"], p["name"], p["id_number"], p["birth_date"].strftime(fmt),
                     sex, address, p["household_id"]])
    for row in pick(persons, 5):
        persons.add(row, "duplicates")
    bad = pick(persons, 4)
    # a mistyped ID (its check character fails) is kept as given and resolved, not rejected
    # (DATA_CONTRACT "Who a record names"): a registry person of its own
    typo = list(bad[0])
    typo[0] = f"P{len(county.persons) + 1:06d}"
    typo[2] = typo[2][:-1] + ("0" if typo[2][-1] != "0" else "1")
    persons.add(typo)
    bad[1][3] = "1990-02-30"
    bad[2][1] = ""
    bad[3][4] = "未知"
    for row in bad[1:]:
        persons.add(row, "rejected")
    (out / persons.name).write_text(persons.csv_text(), encoding="utf-8")
    files[persons.name] = persons.expect

    # phones (Chinese headers, number spellings)
    phones = _Sheet("phones.csv", ["手机号码", "人员编号", "启用日期", "停用日期"])
    for i, (num, pid, since, until) in enumerate(county.phones):
        phones.add([_local(num, i % 6), pid, _day(since), _day(until)])
    dup = pick(phones, 3)
    for row in dup:
        row[0] = _local("+86" + row[0][-11:], 1) if row[0].isdigit() else row[0]
        phones.add(row, "duplicates")
    bad = pick(phones, 3)
    bad[0][0] = "138OO13800O"
    bad[1][2], bad[1][3] = "2019-05-01", "2019-04-01"
    bad[2][0] = "12"
    for row in bad:
        phones.add(row, "rejected")
    (out / phones.name).write_text(phones.csv_text(), encoding="utf-8")
    files[phones.name] = phones.expect

    # accounts
    accounts = _Sheet("accounts.csv", ["account_id", "person_id", "bank"])
    for i, (acc, pid, bank) in enumerate(county.accounts):
        spelled = f"{acc[:4]} {acc[4:8]} {acc[8:12]} {acc[12:]}" if i % 4 == 0 else acc
        accounts.add([spelled, pid, bank])
    for row in pick(accounts, 3):
        accounts.add(row, "duplicates")
    bad = pick(accounts, 1)
    bad[0][1] = " "
    accounts.add(bad[0], "rejected")
    (out / accounts.name).write_text(accounts.csv_text(), encoding="utf-8")
    files[accounts.name] = accounts.expect

    # calls, two quarterly exports
    half = 90 * 86400
    q1 = _Sheet("calls_2019-01_03.csv", ["caller", "callee", "started_at", "duration_s",
                                         "cell_id"])
    q2 = _Sheet("calls_2019-04_06.csv", ["主叫号码", "被叫号码", "通话开始时间", "通话时长",
                                         "基站", "通话类型"])
    for i, (a, b, t, dur, cell) in enumerate(county.calls):
        style = 0 if i % 10 else int(rng.integers(1, 6))
        if t < half:
            q1.add([_local(a, style), _local(b, 0), _ts(t, "%Y-%m-%d %H:%M:%S"), dur, cell])
        else:
            d = f"{dur // 3600}:{dur % 3600 // 60:02d}:{dur % 60:02d}" if i % 3 == 0 else dur
            q2.add([_local(a, style), _local(b, 0), _ts(t, "%Y%m%d%H%M%S"), d, cell, "主叫"])
    for sheet in (q1, q2):
        for row in pick(sheet, 40):
            sheet.add(row, "duplicates")
        for row in pick(sheet, 10):  # same call, other spelling of the number
            digits = row[0].translate(str.maketrans("０１２３４５６７８９", "0123456789"))
            digits = "".join(ch for ch in digits if ch.isdigit())[-11:]
            if len(digits) == 11 and digits.startswith("1"):
                row[0] = "+86" + digits if not row[0].startswith("+") else digits
                sheet.add(row, "duplicates")
        bad = pick(sheet, 6)
        bad[0][2] = "2019-02-30 10:00:00" if sheet is q1 else "20190230100000"
        bad[1][0] = "1380013800O"
        bad[2][1] = ""
        bad[3][3] = "-5"
        bad[4][2] = "yesterday"
        bad[5][0] = "+86 138 0013 8000 12"
        for row in bad:
            sheet.add(row, "rejected")
    # the rows are shuffled so rejects and duplicates sit anywhere in the file
    for sheet in (q1, q2):
        order = rng.permutation(len(sheet.rows))
        sheet.rows = [sheet.rows[int(i)] for i in order]
    (out / q1.name).write_text(q1.csv_text(), encoding="utf-8")
    text = q2.csv_text()
    lines = text.split("\n")
    # structural damage: a stray opening quote, and a line with an extra field
    lines.insert(len(lines) // 3, '"13912345678,13800138000,20190501100000,60,CELL0001,主叫')
    lines.insert(len(lines) // 2, "13912345678,13800138000,20190501100500,60,CELL0001,主叫,x")
    q2.expect["rows"] += 2
    q2.expect["rejected"] += 2
    (out / q2.name).write_bytes("\n".join(lines).encode("gb18030"))
    files[q1.name], files[q2.name] = q1.expect, q2.expect

    # transactions: BOM, Chinese headers, yuan spellings
    tx = _Sheet("transactions.csv", ["交易流水号", "付款账号", "收款账号", "交易金额", "交易时间",
                                     "币种", "交易渠道", "备注"])
    for i, (a, b, cents, t, channel, memo) in enumerate(county.transactions):
        yuan = f"{cents // 100}.{cents % 100:02d}"
        if i % 5 == 0:
            yuan = f"¥{cents // 100:,}.{cents % 100:02d}"
        tx.add([f"TX{i + 1:08d}", a, b, yuan, _ts(t, "%Y/%m/%d %H:%M:%S"),
                "人民币" if i % 7 == 0 else "CNY", channel, HOSTILE if i == 11 else memo])
    for row in pick(tx, 20):
        tx.add(row, "duplicates")
    bad = pick(tx, 4)
    bad[0][3] = "-200.00"
    bad[1][3] = "0"
    bad[2][3] = "12.345"
    bad[3][4] = "2019/04/31 10:00:00"
    for row in bad:
        row[0] += "-BAD"
        tx.add(row, "rejected")
    (out / tx.name).write_text(tx.csv_text(), encoding="utf-8-sig")
    files[tx.name] = tx.expect

    # arrests: Excel with real date cells
    arrests = _Sheet("arrests.xlsx", ["抓获编号", "人员编号", "案件编号", "抓获时间", "涉嫌罪名",
                                      "毒品种类", "数量克", "抓获地点"])
    for i, (pid, t, case, charge, drug, grams, place) in enumerate(county.arrests):
        arrests.add([f"ZH{i + 1:05d}", pid, case, START + dt.timedelta(seconds=int(t)),
                     charge, drug, grams, place])
    arrests.add(list(arrests.rows[0]), "duplicates")
    bad = [list(arrests.rows[1]), list(arrests.rows[2])]
    bad[0][3] = "2019-13-01 10:00"
    bad[1][6] = -3
    for row in bad:
        row[0] += "-BAD"
        arrests.add(row, "rejected")
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "抓获记录"
    ws.append(arrests.header)
    for row in arrests.rows:
        ws.append(row)
    wb.save(out / arrests.name)
    files[arrests.name] = arrests.expect

    # kinship
    words = {"spouse": "配偶", "parent": "父母", "sibling": "兄弟姐妹", "relative": "亲属"}
    kin = _Sheet("kinship.csv", ["人员编号A", "人员编号B", "关系"])
    for i, (a, b, rel) in enumerate(county.kinship):
        kin.add([a, b, rel if i % 5 == 0 else words[rel]])
    for row in pick(kin, 3):
        kin.add(row, "duplicates")
    bad = pick(kin, 2)
    bad[0][2] = "朋友"
    bad[1][1] = bad[1][0]
    for row in bad:
        kin.add(row, "rejected")
    (out / kin.name).write_text(kin.csv_text(), encoding="utf-8")
    files[kin.name] = kin.expect

    _presence_files(county, out, rng, files, pick)
    truth = dict(county.truth)
    truth["seed"] = seed
    # + 1 person and + 1 stay: the records with a mistyped ID number, stored and resolved
    truth["counts"] = {"persons": len(county.persons) + 1, "phones": len(county.phones),
                       "accounts": len(county.accounts), "calls": len(county.calls),
                       "transactions": len(county.transactions),
                       "arrests": len(county.arrests), "kinship": len(county.kinship),
                       "stays": len(county.stays) + 1, "visits": len(county.visits),
                       "trips": len(county.trips)}
    truth["files"] = files
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1),
                                    encoding="utf-8")
    return truth


def _legacy(idn: str) -> str:
    """The 15-digit legacy form of an 18-digit number born in the 1900s, else the number."""
    return idn[:6] + idn[8:17] if idn and idn[6:8] == "19" else idn


def _presence_files(county: County, out: Path, rng, files: dict, pick) -> None:
    """``stays.csv`` (GB18030), ``visits.csv`` and ``trips.csv`` with duplicates and rejects."""
    stays = _Sheet("stays.csv", ["人员编号", "证件号码", "姓名", "旅馆编码", "旅馆名称", "房间号",
                                 "入住时间", "退房时间"])
    for i, (pid, idn, place, pname, room, t_in, t_out, name) in enumerate(county.stays):
        shown = _legacy(idn) if idn and i % 17 == 0 else idn
        out_at = "" if i % 23 == 0 else _ts(t_out, "%Y/%m/%d %H:%M")
        stays.add([pid or "", shown or "", name, place, pname, room,
                   _ts(t_in, "%Y-%m-%d %H:%M:%S"), out_at])
    for row in pick(stays, 8):
        stays.add(row, "duplicates")
    bad = pick(stays, 4)
    # a wrong check character is kept and resolved (stored); the others are rejected
    bad[0][0], bad[0][1] = "", "33068119900101123X"
    bad[1][0], bad[1][1], bad[1][2] = "", "", ""  # nobody named
    bad[2][6], bad[2][7] = "2019-03-05 22:00:00", "2019/03/04 08:00"  # out before in
    bad[3][6] = "2019-02-29 22:00:00"
    for k, row in enumerate(bad):
        row[5] = str(row[5]) + "-X"
        stays.add(row, "stored" if k == 0 else "rejected")
    (out / stays.name).write_bytes(stays.csv_text().encode("gb18030"))
    files[stays.name] = stays.expect

    visits = _Sheet("visits.csv", ["人员编号", "证件号码", "姓名", "场所编码", "场所名称",
                                   "场所类型", "核查时间", "来源", "尿检结果"])
    for pid, idn, place, pname, kind, t, source, name, result in county.visits:
        visits.add([pid or "", idn or "", name, place, pname, kind, _ts(t, "%Y%m%d%H%M%S"),
                    source, result or ""])
    for row in pick(visits, 8):
        visits.add(row, "duplicates")
    bad = pick(visits, 3)
    bad[0][3] = ""
    bad[1][6] = "20190431010000"
    bad[2][0], bad[2][1] = "", "1234567890"
    for row in bad:
        row[7] += "-X"
        visits.add(row, "rejected")
    (out / visits.name).write_text(visits.csv_text(), encoding="utf-8")
    files[visits.name] = visits.expect

    trips = _Sheet("trips.csv", ["person_id", "id_number", "name", "service", "departs_at",
                                 "origin", "destination", "seat", "mode"])
    for pid, idn, service, t, origin, dest, seat, mode, name in county.trips:
        trips.add([pid or "", idn or "", name, service, _ts(t, "%Y-%m-%d %H:%M"), origin, dest,
                   seat, mode])
    for row in pick(trips, 8):
        trips.add(row, "duplicates")
    bad = pick(trips, 2)
    bad[0][4] = "tomorrow"
    bad[1][3] = ""
    for row in bad:
        row[8] += "-X"
        trips.add(row, "rejected")
    (out / trips.name).write_text(trips.csv_text(), encoding="utf-8")
    files[trips.name] = trips.expect
