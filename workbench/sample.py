"""The synthetic county: ordinary social life with planted trafficking rings and look-alikes.

Deterministic by seed. :func:`build_county` makes the world (persons, phones, accounts, calls,
transactions, arrests, kinship) and its ground truth; :func:`write_sample` writes it as messy
exports (see :mod:`workbench.sample_files`) with the expected ingest counts per file.

What is planted (see ``truth.json``):

* households (wives keep their surname), kinship across households, workplaces paying
  salaries, friends, acquaintances, hub numbers (a taxi line, a carrier service number, a
  courier line) and a hub account (the power company everyone pays);
* rings: one family ring held together by kinship, 3-person and 6-person rings, a 9-person
  series gang of one surname using burner phones, buyers around each ring, a broker who
  supplies two rings, arrests sharing case numbers, and rings with no arrest at all;
* look-alikes that are not rings: night-shift KTV coworkers, drug users arrested together at
  a party, a lone dealer with his buyers, grown children sending money home;
* hotel stays, venue checks and tickets (see :mod:`workbench.sample_places`): a ring that
  meets in hotels instead of phoning, a ring of migrants from one far county, a sales team
  and venue staff as look-alikes, couples, friends, solo travellers, registrations from
  elsewhere.

Examples
--------
>>> county = build_county(persons=400, seed=1)
>>> len(county.persons), len(county.truth["rings"]) > 0
(400, True)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

__all__ = ["County", "build_county", "write_sample", "START", "DAYS"]

START = dt.datetime(2019, 1, 1)
DAYS = 181

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭"
    "曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖"
    "贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史"
)
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国"
    "文红玉兰俊峰志新海林斌波辉鹏宇浩凯"
)
MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                   "152", "155", "156", "157", "158", "159", "180", "182", "183", "186", "187",
                   "188", "189", "177", "199"]
TAXI, CARRIER, COURIER = "+8657188888888", "10086", "+8657186100000"
POWER_ACCOUNT = "6217000010008888"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@dataclass
class County:
    """The generated world: record lists per kind and the ground truth."""

    persons: list[dict] = field(default_factory=list)
    phones: list[tuple] = field(default_factory=list)  # phone, person_id, since, until
    accounts: list[tuple] = field(default_factory=list)  # account, person_id, bank
    calls: list[tuple] = field(default_factory=list)  # caller, callee, t, duration, cell
    transactions: list[tuple] = field(default_factory=list)  # from, to, cents, t, channel, memo
    arrests: list[tuple] = field(default_factory=list)  # pid, t, case, charge, drug, g, place
    kinship: list[tuple] = field(default_factory=list)  # a, b, relation
    # pid, id_number, place_id, place_name, room, checked_in, checked_out, name
    stays: list[tuple] = field(default_factory=list)
    # pid, id_number, place_id, place_name, place_kind, seen_at, source, name, test_result
    visits: list[tuple] = field(default_factory=list)
    # pid, id_number, service, departs_at, origin, destination, seat, mode, name
    trips: list[tuple] = field(default_factory=list)
    truth: dict = field(default_factory=dict)


class _Builder:
    def __init__(self, n: int, seed: int) -> None:
        self.n = n
        self.rng = np.random.default_rng(seed)
        self.c = County()
        self.phone_of: dict[str, str] = {}
        self.account_of: dict[str, str] = {}
        self.used_numbers: set[str] = set()
        self.call_keys: set[tuple] = set()
        self.tx_keys: set[tuple] = set()

    # -- identities ---------------------------------------------------------------------
    def id_number(self, birth: dt.date, female: bool) -> str:
        rng = self.rng
        body = f"330{rng.integers(100, 999)}{birth:%Y%m%d}{rng.integers(10, 99)}"
        body += str(int(rng.integers(0, 5)) * 2 + (0 if female else 1))
        check = "10X98765432"[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True))
                              % 11]
        return body + check

    def new_number(self) -> str:
        while True:
            num = "+86" + str(self.rng.choice(MOBILE_PREFIXES)) + \
                f"{int(self.rng.integers(0, 10**8)):08d}"
            if num not in self.used_numbers:
                self.used_numbers.add(num)
                return num

    def new_account(self) -> str:
        while True:
            acc = "6222" + f"{int(self.rng.integers(0, 10**12)):012d}"
            if acc not in self.used_numbers:
                self.used_numbers.add(acc)
                return acc

    def person(self, surname: str, female: bool, age: int, household: str, address: str) -> str:
        pid = f"P{len(self.c.persons) + 1:06d}"
        birth = dt.date(2019 - age, int(self.rng.integers(1, 13)), int(self.rng.integers(1, 29)))
        name = surname + "".join(self.rng.choice(GIVEN, size=int(self.rng.integers(1, 3))))
        self.c.persons.append({
            "person_id": pid, "name": name, "id_number": self.id_number(birth, female),
            "birth_date": birth, "sex": "F" if female else "M", "address": address,
            "household_id": household,
        })
        if age >= 14:
            num = self.new_number()
            self.phone_of[pid] = num
            self.c.phones.append((num, pid, None, None))
        if age >= 18:
            acc = self.new_account()
            self.account_of[pid] = acc
            self.c.accounts.append((acc, pid, str(self.rng.choice(
                ["农业银行", "工商银行", "建设银行", "农商银行", "邮储银行"]))))
        return pid

    # -- events -------------------------------------------------------------------------
    def when(self, night: bool = False, day: int | None = None) -> int:
        d = int(self.rng.integers(0, DAYS)) if day is None else day
        if night:
            hour = int(self.rng.choice([22, 23, 0, 1, 2, 3]))
        else:
            hour = int(self.rng.integers(8, 22))
        return d * 86400 + hour * 3600 + int(self.rng.integers(0, 3600))

    def call(self, a: str, b: str, t: int, duration: int) -> None:
        if a == b:
            return
        if self.rng.random() < 0.5:
            a, b = b, a
        key = (a, b, t)
        if key in self.call_keys:
            return
        self.call_keys.add(key)
        cell = f"CELL{int(self.rng.integers(1, 400)):04d}"
        self.c.calls.append((a, b, t, duration, cell))

    def calls_between(self, pa: str, pb: str, n: int, night: float = 0.05,
                      short: bool = False, days: tuple[int, int] = (0, DAYS)) -> None:
        a, b = self.phone_of.get(pa, pa), self.phone_of.get(pb, pb)
        for _ in range(n):
            day = int(self.rng.integers(days[0], days[1]))
            dur = int(self.rng.integers(15, 90)) if short else int(self.rng.exponential(150)) + 5
            self.call(a, b, self.when(self.rng.random() < night, day), dur)

    def pay(self, src: str, dst: str, yuan: float, t: int, channel: str, memo: str = "") -> None:
        a, b = self.account_of.get(src, src), self.account_of.get(dst, dst)
        cents = max(1, int(round(yuan * 100)))
        key = (a, b, t)
        if a == b or key in self.tx_keys:
            return
        self.tx_keys.add(key)
        self.c.transactions.append((a, b, cents, t, channel, memo))


def build_county(persons: int = 3000, seed: int = 7) -> County:
    """Generate the county; see the module docstring for what is planted.

    Parameters
    ----------
    persons : int
        Population size (at least 300).
    seed : int
        Random seed: the same seed gives the same county.
    """
    if persons < 300:
        raise ValueError("the sample county needs at least 300 persons")
    b = _Builder(persons, seed)
    rng = b.rng
    households: list[list[str]] = []
    families: list[list[str]] = []  # extended families: households linked by kinship
    kin: set[tuple[str, str, str]] = set()
    adults: list[str] = []

    def add_kin(x: str, y: str, rel: str) -> None:
        kin.add((x, y, rel))

    # households in extended families: parents' household + married children's households
    while len(b.c.persons) < persons * 0.93:
        fam_surname = str(rng.choice(SURNAMES))
        village = f"{rng.choice(['城关镇', '东城街道', '新塘乡', '安华镇', '马剑镇'])}" \
                  f"{int(rng.integers(1, 60))}号"
        hh = f"H{len(households) + 1:05d}"
        dad = b.person(fam_surname, False, int(rng.integers(52, 75)), hh, village)
        mom = b.person(str(rng.choice(SURNAMES)), True, int(rng.integers(50, 72)), hh, village)
        add_kin(dad, mom, "spouse")
        parents_hh = [dad, mom]
        households.append(parents_hh)
        family = [dad, mom]
        for _child in range(int(rng.integers(1, 4))):
            female = bool(rng.random() < 0.5)
            if rng.random() < 0.6:  # grown child with own household
                chh = f"H{len(households) + 1:05d}"
                addr = f"东城街道{int(rng.integers(1, 300))}号"
                child = b.person(fam_surname, female, int(rng.integers(24, 45)), chh, addr)
                spouse = b.person(str(rng.choice(SURNAMES)), not female,
                                  int(rng.integers(24, 45)), chh, addr)
                add_kin(child, spouse, "spouse")
                house = [child, spouse]
                surname = fam_surname if not female else b.c.persons[-1]["name"][0]
                for _g in range(int(rng.integers(0, 3))):
                    grandchild = b.person(surname, bool(rng.random() < 0.5),
                                          int(rng.integers(1, 20)), chh, addr)
                    add_kin(child, grandchild, "parent")
                    add_kin(spouse, grandchild, "parent")
                    house.append(grandchild)
                households.append(house)
                family += house
            else:
                child = b.person(fam_surname, female, int(rng.integers(15, 30)), hh, village)
                parents_hh.append(child)
                family.append(child)
            add_kin(dad, child, "parent")
            add_kin(mom, child, "parent")
        kids = [p for p in family if (dad, p, "parent") in kin]
        for i, x in enumerate(kids):
            for y in kids[i + 1:]:
                add_kin(x, y, "sibling")
        families.append(family)
    # singles (migrant workers) fill the rest
    while len(b.c.persons) < persons:
        hh = f"H{len(households) + 1:05d}"
        households.append([b.person(str(rng.choice(SURNAMES)), bool(rng.random() < 0.4),
                                    int(rng.integers(19, 50)), hh,
                                    f"工业园宿舍{int(rng.integers(1, 30))}栋")])
    ages = {p["person_id"]: 2019 - p["birth_date"].year for p in b.c.persons}
    adults = [p for p in ages if ages[p] >= 18]
    phoned = [p for p in ages if p in b.phone_of]

    # -- ordinary life --------------------------------------------------------------------
    for house in households:
        members = [p for p in house if p in b.phone_of]
        for i, x in enumerate(members):
            for y in members[i + 1:]:
                b.calls_between(x, y, int(rng.integers(6, 20)), night=0.03)
    for x, y, _rel in sorted(kin):
        if x in b.phone_of and y in b.phone_of and rng.random() < 0.7:
            b.calls_between(x, y, int(rng.integers(2, 10)))
    workers = list(rng.permutation(adults))
    workplaces: list[list[str]] = []
    pos = 0
    while pos < len(workers) * 0.8:
        size = int(rng.integers(5, 40))
        workplaces.append([str(w) for w in workers[pos:pos + size]])
        pos += size
    employer_accounts = []
    for wp in workplaces:
        acc = b.new_account()
        employer_accounts.append(acc)
        b.c.accounts.append((acc, f"EMP{len(employer_accounts):04d}", "工商银行"))
        for w in wp:
            salary = float(rng.integers(30, 90)) * 100
            for month in range(6):
                b.pay(acc, w, salary, (month * 30 + 10) * 86400 + 9 * 3600 + int(
                    rng.integers(0, 3600)), "代发工资", "工资")
        for w in wp:
            for other in rng.choice(wp, size=min(len(wp), 3), replace=False):
                if other != w and w in b.phone_of and other in b.phone_of:
                    b.calls_between(w, str(other), int(rng.integers(1, 6)))
    for p in phoned:  # friends and acquaintances
        for friend in rng.choice(phoned, size=int(rng.integers(1, 5)), replace=False):
            b.calls_between(p, str(friend), int(rng.integers(1, 8)), night=0.08)
        if rng.random() < 0.3:
            b.calls_between(p, TAXI, int(rng.integers(1, 6)))
        if rng.random() < 0.25:
            b.calls_between(p, CARRIER, int(rng.integers(1, 3)))
        if rng.random() < 0.15:
            b.calls_between(p, COURIER, int(rng.integers(1, 4)))
        if rng.random() < 0.05:  # numbers outside the county: unattributed
            b.calls_between(p, b.new_number(), int(rng.integers(1, 4)))
    for p in adults:
        if rng.random() < 0.5:
            for month in range(6):
                b.pay(p, POWER_ACCOUNT, float(rng.integers(80, 400)),
                      b.when(day=month * 30 + int(rng.integers(0, 28))), "网银", "电费")
        if rng.random() < 0.2:
            b.pay(p, str(rng.choice(adults)), float(rng.choice([52, 66, 88, 100, 200, 520])),
                  b.when(), "微信转账", "红包")
    b.c.accounts.append((POWER_ACCOUNT, "ORG-POWER", "国家电网"))

    from .sample_rings import plant_rings

    truth = plant_rings(b, families, households, kin, ages, workplaces, employer_accounts)
    # hotels, venues and travel draw from their own stream: the records above stay the same
    from .sample_places import plant_places

    b.rng = np.random.default_rng(seed + 2000)
    places = plant_places(b, truth, kin, ages, workplaces)
    truth["rings"].append(places.pop("regional_ring"))
    truth.update(places)
    b.c.kinship = sorted(kin)
    b.c.truth = truth
    return b.c


def write_sample(out, persons: int = 3000, seed: int = 7) -> dict:
    """Build the county and write it as messy exports plus ``truth.json`` into ``out``.

    Returns the truth document (rings, look-alikes, expected counts per file).
    """
    from .sample_files import write_files

    county = build_county(persons=persons, seed=seed)
    return write_files(county, out, seed=seed)
