"""The records of the synthetic county as they are built: names, phone numbers, accounts,
resident ID numbers, calls and payments (:class:`Builder`), and the result (:class:`County`).

See :mod:`workbench.sample.county` for what is planted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

__all__ = ["County", "Builder", "START", "DAYS", "TAXI", "CARRIER", "COURIER", "POWER_ACCOUNT",
           "SURNAMES", "GIVEN"]

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


class Builder:
    def __init__(self, n: int, seed: int) -> None:
        self.n = n
        self.rng = np.random.default_rng(seed)
        #: cell towers: 399 for 3,000 persons, proportionally more in a larger county (a
        #: fixed number would crowd each tower's hour with the county's square)
        self.cells = max(400, round(400 * n / 3000))
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
        cell = f"CELL{int(self.rng.integers(1, self.cells)):04d}"
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
