"""A synthetic county with ordinary life and planted rings of every evidence kind.

Written from the shapes in words (``DOMAIN.md``, ``DATA_CONTRACT.md``), independently of the
detector. :func:`write_county` writes the files of the data contract and a ``truth.json``.

Planted rings (``truth["rings"]``, ``kind``):

- ``meeting``: five people who call each other rarely, briefly and by day, but meet in
  adjacent hotel rooms every one to three weeks and late at night at one KTV; small transfers
  to one member; one member arrested late. Their kin and friends call them far more.
- ``family``: seven members, five of them kin (organizer, spouse, brother, adult son, the
  spouse's brother with another surname) and two hired couriers.
- ``cell``: three-person cells calling each other briefly at night, small money to one, inside
  busy social circles.
- ``migrant``: members registered (ID number region) in one far county rare in the case.
- ``ordinary``: rings of 4 to 10 with night calls, deal bursts, money up to the organizer,
  buyers around them (buyers are not members).

Look-alikes (``truth["lookalikes"]``): night-shift taxi drivers, KTV staff, a lone dealer with
buyers, users arrested together at a party, grown children paying parents monthly, tour
groups and sales teams in adjacent hotel rooms once.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd

START = np.datetime64("2019-01-01T00:00:00")
DAYS = 181
#: day indices (from 2019-01-01) of public holidays: New Year, Spring Festival, Qingming,
#: Labour Day, Dragon Boat
HOLIDAYS = np.array([0, 34, 35, 36, 37, 38, 39, 40, 94, 120, 121, 122, 123, 157])

#: registration counties of the home prefecture (Shaoxing) and their shares
LOCAL_REGIONS = ["330681", "330682", "330683", "330602", "330603", "330624"]
LOCAL_WEIGHTS = [0.78, 0.07, 0.05, 0.04, 0.03, 0.03]
#: far counties ordinary migrants come from (none in prefecture 5134)
FAR_REGIONS = [
    "522422", "522426", "520221", "530381", "532522", "511321", "411522", "341221",
    "431225", "362132", "622921", "450881", "433130", "500235", "510623", "421281",
]
#: the migrant ring's registration county (Meigu, Liangshan) and a neighbour
RING_REGION = "513436"
RING_REGION_NEIGHBOUR = "513432"
#: counties tour groups come from
TOUR_REGIONS = ["110105", "310115", "320106", "440305", "370202", "210202", "120104"]

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = list(
    "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文辉玉萍红鹏飞斌宇浩凯健俊帆"
    "琳晶颖婷雪梅琴云莉兵峰林波鑫海燕春亮志宏新成东晓慧佳欣怡博文彬龙丹阳"
)
TOWNS = ["暨阳街道", "浣东街道", "陶朱街道", "店口镇", "大唐镇", "枫桥镇", "牌头镇", "次坞镇",
         "安华镇", "璜山镇", "草塔镇", "山下湖镇"]
BANKS = ["农业银行", "工商银行", "建设银行", "中国银行", "农商银行", "邮储银行"]
HOTELS = ["如家快捷酒店", "锦江之星", "汉庭酒店", "格林豪泰", "暨阳宾馆", "城市便捷酒店",
          "枫桥大酒店", "七天连锁酒店"]

#: service numbers and the power company's account (they touch most of the county)
TAXI_LINE = "057587888888"
CARRIER = "10086"
POWER_ACCOUNT = "33050161630500000888"

KIN = ("spouse", "parent", "sibling", "relative")
DAY, SOCIAL, NIGHT, BRIEF_DAY = 0, 1, 2, 3
NORMAL, SHORT, LONG, TINY = 0, 1, 2, 3

CONTRACT_HEADERS = {
    "persons": ["person_id", "name", "id_number", "birth_date", "sex", "address",
                "household_id"],
    "phones": ["person_id", "phone"],
    "accounts": ["account_id", "person_id", "bank"],
    "calls": ["caller", "callee", "started_at", "duration_s"],
    "transactions": ["tx_id", "from_account", "to_account", "amount", "occurred_at"],
    "arrests": ["arrest_id", "person_id", "id_number", "name", "case_id", "arrested_at",
                "charge", "drug", "quantity_g", "location"],
    "kinship": ["person_a", "person_b", "relation"],
    "stays": ["person_id", "id_number", "name", "place_id", "place_name", "room", "checked_in",
              "checked_out"],
    "visits": ["id_number", "name", "place_id", "place_name", "place_kind", "seen_at"],
}


# -- identity helpers ------------------------------------------------------------------------
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = np.array(list("10X98765432"))


def id_check_chars(bodies: np.ndarray) -> np.ndarray:
    """ISO 7064 MOD 11-2 check characters of 17-digit ID number bodies.

    Parameters
    ----------
    bodies : numpy.ndarray
        Strings of 17 digits.

    Returns
    -------
    numpy.ndarray
        One check character (``0``-``9`` or ``X``) per body.
    """
    if len(bodies) == 0:
        return np.array([], dtype="<U1")
    digits = np.frombuffer("".join(bodies).encode("ascii"), dtype=np.uint8) - 48
    digits = digits.reshape(len(bodies), 17).astype(np.int64)
    return _ID_CHECK[(digits @ _ID_WEIGHTS) % 11]


def make_id_numbers(rng: np.random.Generator, regions, births, males) -> np.ndarray:
    """Valid, distinct 18-character resident ID numbers.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the sequence numbers.
    regions : array-like of str
        Six-digit registration county codes.
    births : array-like of numpy.datetime64
        Birth dates (day precision).
    males : array-like of bool
        Sex (the 17th digit is odd for men).

    Returns
    -------
    numpy.ndarray
        ID numbers as strings.
    """
    regions = np.asarray(regions, dtype="<U6")
    dates = np.char.replace(np.datetime_as_string(np.asarray(births, "datetime64[D]")), "-", "")
    males = np.asarray(males, dtype=bool)
    n = len(regions)
    seq = rng.integers(0, 50, n) * 2 + np.where(males, 1, 0)  # 3rd digit parity = sex
    seq = rng.integers(0, 10, n) * 100 + seq
    prefix = np.char.add(regions, dates)
    while True:
        body = np.char.add(prefix, np.char.zfill(seq.astype(str), 3))
        _, first = np.unique(body, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        if not dup.any():
            break
        seq[dup] = (seq[dup] + 2) % 1000
    return np.char.add(body, id_check_chars(body))


def random_names(rng: np.random.Generator, surnames) -> np.ndarray:
    """Chinese names: the given surnames with one or two random given-name characters."""
    surnames = np.asarray(surnames, dtype="<U2")
    n = len(surnames)
    g1 = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
    g2 = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
    two = rng.random(n) < 0.6
    return np.char.add(np.char.add(surnames, g1), np.where(two, g2, ""))


def fmt_times(seconds) -> np.ndarray:
    """``YYYY-MM-DD HH:MM:SS`` local times from seconds after 2019-01-01 00:00."""
    t = START + np.asarray(seconds, dtype=np.int64).astype("timedelta64[s]")
    return np.char.replace(np.datetime_as_string(t, unit="s"), "T", " ")


def time_of_day(rng: np.random.Generator, profile: np.ndarray) -> np.ndarray:
    """Seconds after midnight for each call's time profile (night may pass midnight)."""
    n = len(profile)
    u = rng.random(n)
    sec = np.empty(n)
    m = profile == DAY
    sec[m] = 8 * 3600 + u[m] * 10 * 3600
    m = profile == SOCIAL
    evening = rng.random(n) < 0.4
    sec[m] = np.where(evening[m], 18 * 3600 + u[m] * 4.5 * 3600, 8.5 * 3600 + u[m] * 9.5 * 3600)
    m = profile == NIGHT
    sec[m] = 22 * 3600 + u[m] * 5.5 * 3600
    m = profile == BRIEF_DAY
    sec[m] = 10 * 3600 + u[m] * 6 * 3600
    return sec.astype(np.int64)


def durations(rng: np.random.Generator, kind: np.ndarray) -> np.ndarray:
    """Call durations in seconds for each duration kind."""
    n = len(kind)
    out = np.empty(n)
    m = kind == NORMAL
    out[m] = rng.lognormal(np.log(90), 0.8, m.sum())
    m = kind == SHORT
    out[m] = rng.uniform(8, 60, m.sum())
    m = kind == LONG
    out[m] = rng.lognormal(np.log(300), 0.7, m.sum())
    m = kind == TINY
    out[m] = rng.uniform(12, 45, m.sum())
    return np.maximum(out, 1).astype(np.int64)


# -- the county --------------------------------------------------------------------------------
class _County:
    """Builds the county step by step (all state in numpy arrays and lists)."""

    def __init__(self, seed: int, persons: int):
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.target = persons
        # person columns
        self.surname: list[str] = []
        self.male: list[bool] = []
        self.age: list[float] = []
        self.region: list[str] = []
        self.hh: list[int] = []
        self.address: list[str] = []
        self.town: list[int] = []
        self.migrant: list[bool] = []
        self.kin: list[tuple[int, int, str]] = []
        self.n_hh = 0
        self.special: dict = {}
        self.used: set[int] = set()
        # ties and events
        self.ties: list[tuple] = []  # (a, b, rate, profile, dur, d0, d1)
        self.events: list[tuple] = []  # (a, b, seconds, dur)
        self.tx: list[tuple] = []  # (from_acct, to_acct, amount, seconds)
        self.stays: list[tuple] = []
        self.visits: list[tuple] = []
        self.arrests: list[tuple] = []
        self.rings: list[dict] = []
        self.quiet: list[int] = []
        self.meeting_days: list[dict] = []
        self.lookalikes: list[dict] = []

    # -- population ---------------------------------------------------------------------------
    def _add(self, surname, male, age, hh, address, town, region, migrant=False) -> int:
        self.surname.append(surname)
        self.male.append(bool(male))
        self.age.append(float(age))
        self.hh.append(hh)
        self.address.append(address)
        self.town.append(town)
        self.region.append(region)
        self.migrant.append(migrant)
        return len(self.surname) - 1

    def _household(self, town=None):
        rng = self.rng
        self.n_hh += 1
        town = int(rng.integers(0, len(TOWNS))) if town is None else town
        addr = f"{TOWNS[town]}{rng.integers(1, 40)}村{rng.integers(1, 300)}号"
        return self.n_hh - 1, addr, town

    def _local_region(self):
        return str(self.rng.choice(LOCAL_REGIONS, p=LOCAL_WEIGHTS))

    def _surname(self, avoid=None):
        rng = self.rng
        # a skewed distribution: common surnames repeat a lot
        while True:
            s = SURNAMES[min(int(rng.exponential(18)), len(SURNAMES) - 1)]
            if s != avoid:
                return s

    def _link(self, a, b, rel):
        self.kin.append((a, b, rel))

    def _family_house(self, head_surname, head_male, head_age, town, kids_max=2,
                      force_spouse=False, force_adult_son=False):
        """A couple (or single) household with children; returns (head, spouse, kids)."""
        rng = self.rng
        hh, addr, town = self._household(town)
        head = self._add(head_surname, head_male, head_age, hh, addr, town, self._local_region())
        spouse = None
        if force_spouse or rng.random() < 0.85:
            s_age = head_age + rng.normal(-2 if head_male else 2, 2.5)
            spouse = self._add(self._surname(head_surname), not head_male, s_age, hh, addr, town,
                               self._local_region())
            self._link(head, spouse, "spouse")
        father_surname = head_surname if head_male or spouse is None else self.surname[spouse]
        kids = []
        n_kids = int(rng.integers(0, kids_max + 1))
        if force_adult_son:
            kids.append(self._add(father_surname, True, rng.uniform(20, 24), hh, addr, town,
                                  self._local_region()))
            n_kids = max(0, n_kids - 1)
        for _ in range(n_kids):
            k_age = max(0.5, head_age - rng.uniform(22, 32))
            kids.append(self._add(father_surname, rng.random() < 0.52, k_age, hh, addr, town,
                                  self._local_region()))
        for k in kids:
            self._link(head, k, "parent")
            if spouse is not None:
                self._link(spouse, k, "parent")
        for i in range(len(kids)):
            for j in range(i + 1, len(kids)):
                self._link(kids[i], kids[j], "sibling")
        return head, spouse, kids

    def _clan(self, force=False):
        """Elder couple, their children's households, sometimes an in-law's household."""
        rng = self.rng
        surname = self._surname()
        town = int(rng.integers(0, len(TOWNS)))
        elders = []
        if force or rng.random() < 0.75:
            hh, addr, _ = self._household(town)
            e_age = rng.uniform(62, 80)
            f = self._add(surname, True, e_age, hh, addr, town, self._local_region())
            m = self._add(self._surname(surname), False, e_age - rng.uniform(0, 4), hh, addr,
                          town, self._local_region())
            self._link(f, m, "spouse")
            elders = [f, m]
        n_children = 3 if force else int(rng.integers(1, 4))
        children, roles = [], {}
        for c in range(n_children):
            if force:
                male, age = (True, True, False)[c], (45.0, 41.0, 38.0)[c]
            else:
                male, age = rng.random() < 0.5, rng.uniform(28, 52)
            head, spouse, kids = self._family_house(
                surname, male, age, town, force_spouse=force,
                force_adult_son=force and c == 0)
            children.append(head)
            for e in elders:
                self._link(e, head, "parent")
                for k in kids:
                    self._link(e, k, "relative")
            if spouse is not None and (force and c == 0 or not force and rng.random() < 0.2):
                s_male = True if force else rng.random() < 0.5
                sib, sib_sp, _ = self._family_house(self.surname[spouse], s_male,
                                                    self.age[spouse] + rng.normal(0, 3), None)
                self._link(spouse, sib, "sibling")
                if force:
                    roles["spouse_brother"] = sib
            if force and c == 0:
                roles.update(organizer=head, spouse=spouse, son=kids[0])
            if force and c == 1:
                roles["brother"] = head
        for i in range(len(children)):
            for j in range(i + 1, len(children)):
                self._link(children[i], children[j], "sibling")
        return roles

    def _single(self, migrant=False, region=None):
        rng = self.rng
        hh, addr, town = self._household()
        if migrant:
            addr = f"{TOWNS[town]}出租房{rng.integers(1, 90)}幢{rng.integers(101, 699)}室"
        return self._add(self._surname(), rng.random() < 0.6, rng.uniform(20, 38), hh, addr, town,
                         region or self._local_region(), migrant)

    def _migrant_household(self, region):
        rng = self.rng
        hh, _, town = self._household()
        addr = f"{TOWNS[town]}出租房{rng.integers(1, 90)}幢{rng.integers(101, 699)}室"
        surname = self._surname()
        age = rng.uniform(22, 48)
        a = self._add(surname, True, age, hh, addr, town, region, True)
        out = [a]
        if rng.random() < 0.5:
            b = self._add(self._surname(surname), False, age - rng.uniform(0, 4), hh, addr, town,
                          region, True)
            self._link(a, b, "spouse")
            out.append(b)
        return out

    def build_population(self):
        rng = self.rng
        n = self.target
        self.special["family"] = self._clan(force=True)
        fam = self.special["family"]
        self.used.update([fam["organizer"], fam["spouse"], fam["brother"], fam["son"],
                          fam["spouse_brother"]])
        # the migrant ring: five from the rare county, one from its neighbour county
        ring = [self._single(True, RING_REGION) for _ in range(5)]
        ring.append(self._single(True, RING_REGION_NEIGHBOUR))
        self.special["migrant"] = ring
        # two more people of the rare county who are not in the ring (a couple)
        self.special["rare_others"] = self._migrant_household(RING_REGION)
        n_migrants = int(0.07 * n)
        while sum(self.migrant) < n_migrants + 8:
            self._migrant_household(str(rng.choice(FAR_REGIONS)))
        n_singles = int(0.08 * n)
        for _ in range(n_singles):
            self._single()
        while len(self.surname) < n - 14:
            self._clan()
        while len(self.surname) < n:
            self._single()

    # -- derived arrays -----------------------------------------------------------------------
    def finish_population(self):
        rng = self.rng
        n = len(self.surname)
        self.n = n
        self.age_a = np.array(self.age)
        self.male_a = np.array(self.male)
        self.town_a = np.array(self.town)
        self.hh_a = np.array(self.hh)
        self.migrant_a = np.array(self.migrant)
        births = (np.datetime64("2019-01-01") - (self.age_a * 365.25).astype("timedelta64[D]"))
        self.births = births
        self.ids = make_id_numbers(rng, self.region, births, self.male_a)
        self.names = random_names(rng, self.surname)
        # person and household numbers in random order: planted people are not numbered
        # together
        self.pids = np.char.add("P", np.char.zfill((rng.permutation(n) + 1).astype(str), 6))
        self.hh_label = rng.permutation(self.n_hh) + 1
        # phones: everyone 12 or older; distinct 11-digit mobiles
        self.has_phone = self.age_a >= 12
        prefixes = np.array(["133", "135", "136", "138", "139", "150", "151", "158", "159",
                             "177", "180", "181", "186", "187", "188", "189"])
        nums = rng.choice(10**8, size=n, replace=False)
        self.phone = np.char.add(prefixes[rng.integers(0, len(prefixes), n)],
                                 np.char.zfill(nums.astype(str), 8))
        # accounts: adults (18+), some with a second card
        self.adult = self.age_a >= 18
        acct_nums = rng.choice(10**12, size=n, replace=False)
        heads = np.array(["6222", "6217", "6228", "6230"])
        self.account = np.char.add(heads[rng.integers(0, 4, n)],
                                   np.char.zfill(acct_nums.astype(str), 12))
        self.kin_a = np.array([(a, b) for a, b, _ in self.kin], dtype=np.int64).reshape(-1, 2)
        self.kin_rel = np.array([r for _, _, r in self.kin])

    def pick(self, k, pool_mask=None, distinct_households=True, exclude=()):
        """Pick ``k`` unused adults 20-55 with phones (locals unless the mask says)."""
        rng = self.rng
        mask = (self.age_a >= 20) & (self.age_a <= 55) & self.has_phone & ~self.migrant_a
        if pool_mask is not None:
            mask &= pool_mask
        cand = np.flatnonzero(mask)
        rng.shuffle(cand)
        out, hhs = [], set()
        for c in cand:
            c = int(c)
            if c in self.used or c in exclude:
                continue
            if distinct_households and self.hh[c] in hhs:
                continue
            out.append(c)
            hhs.add(self.hh[c])
            if len(out) == k:
                break
        self.used.update(out)
        return out

    # -- ordinary life ------------------------------------------------------------------------
    def tie(self, a, b, rate, profile, dur, d0=0, d1=DAYS):
        a = np.atleast_1d(np.asarray(a, dtype=np.int64))
        b = np.atleast_1d(np.asarray(b, dtype=np.int64))
        m = len(a)
        self.ties.append((a, b, np.broadcast_to(np.asarray(rate, float), m),
                          np.broadcast_to(np.asarray(profile), m),
                          np.broadcast_to(np.asarray(dur), m),
                          np.broadcast_to(np.asarray(d0, float), m),
                          np.broadcast_to(np.asarray(d1, float), m)))

    def ordinary_ties(self):
        rng = self.rng
        kin, rel = self.kin_a, self.kin_rel
        same_hh = self.hh_a[kin[:, 0]] == self.hh_a[kin[:, 1]]
        rates = np.select(
            [rel == "spouse", (rel == "parent") & ~same_hh, (rel == "parent") & same_hh,
             rel == "sibling", rel == "relative"],
            [0.14, 0.06, 0.03, 0.03, 0.008])
        self.tie(kin[:, 0], kin[:, 1], rates * rng.uniform(0.6, 1.4, len(rates)), SOCIAL, NORMAL)
        # workplaces
        workers = np.flatnonzero(self.adult & (self.age_a <= 60) & self.has_phone)
        workers = workers[rng.random(len(workers)) < 0.75]
        rng.shuffle(workers)
        sizes = []
        left = len(workers)
        while left > 0:
            s = int(min(left, max(3, rng.pareto(1.2) * 6 + 3)))
            s = min(s, 80)
            sizes.append(s)
            left -= s
        self.workplaces = np.split(workers, np.cumsum(sizes)[:-1])
        wa, wb = [], []
        for wp in self.workplaces:
            if len(wp) < 2:
                continue
            k = min(3, len(wp) - 1)
            src = np.repeat(wp, k)
            dst = wp[rng.integers(0, len(wp), len(src))]
            ok = src != dst
            wa.append(src[ok])
            wb.append(dst[ok])
        wa, wb = np.concatenate(wa), np.concatenate(wb)
        self.tie(wa, wb, rng.uniform(0.015, 0.05, len(wa)), DAY, NORMAL)
        # friends in the same town; a fifth of them close friends who call a lot
        people = np.flatnonzero(self.has_phone & (self.age_a >= 15))
        order = people[np.argsort(self.town_a[people], kind="stable")]
        towns = self.town_a[order]
        starts = np.searchsorted(towns, np.arange(len(TOWNS)))
        ends = np.searchsorted(towns, np.arange(len(TOWNS)), side="right")
        k = rng.poisson(2, len(people))
        src = np.repeat(people, k)
        t = self.town_a[src]
        dst = order[starts[t] + (rng.random(len(src)) * (ends[t] - starts[t])).astype(int)]
        ok = src != dst
        src, dst = src[ok], dst[ok]
        close = rng.random(len(src)) < 0.2
        rate = np.where(close, rng.uniform(0.06, 0.15, len(src)), rng.uniform(0.01, 0.03, len(src)))
        self.tie(src, dst, rate, SOCIAL, np.where(close, LONG, NORMAL))
        self.friends_src, self.friends_dst = src, dst
        # random one-off acquaintances
        k = rng.poisson(3, len(people))
        src = np.repeat(people, k)
        dst = people[rng.integers(0, len(people), len(src))]
        ok = src != dst
        self.tie(src[ok], dst[ok], 1.2 / DAYS, DAY, NORMAL)

    def special_workplaces(self):
        """KTV staff (three venues) and taxi drivers: night-shift look-alikes."""
        rng = self.rng
        self.ktv_staff = []
        for v in range(3):
            staff = self.pick(int(rng.integers(6, 10)), self.age_a <= 40)
            self.ktv_staff.append(staff)
            a, b = np.triu_indices(len(staff), 1)
            self.tie(np.array(staff)[a], np.array(staff)[b], rng.uniform(0.03, 0.08, len(a)),
                     NIGHT, SHORT)
            self.lookalikes.append({"kind": "ktv_staff", "members": self._p(staff),
                                    "venue": f"V00{v + 1}"})
        drivers = self.pick(int(rng.integers(10, 15)), self.male_a)
        a, b = np.triu_indices(len(drivers), 1)
        keep = rng.random(len(a)) < 0.5
        self.tie(np.array(drivers)[a[keep]], np.array(drivers)[b[keep]],
                 rng.uniform(0.04, 0.1, keep.sum()), NIGHT, SHORT)
        self.lookalikes.append({"kind": "night_shift", "members": self._p(drivers)})

    def services(self):
        """Taxi line, carrier 10086: numbers that touch most of the county."""
        rng = self.rng
        people = np.flatnonzero(self.has_phone)
        taxi_users = people[rng.random(len(people)) < 0.45]
        n = rng.poisson(3, len(taxi_users))
        src = np.repeat(taxi_users, n)
        secs = rng.integers(0, DAYS, len(src)) * 86400 + time_of_day(
            rng, np.full(len(src), SOCIAL))
        self.svc_calls = [(self.phone[src], np.full(len(src), TAXI_LINE), secs,
                           rng.integers(15, 70, len(src)))]
        n = rng.poisson(1.5, len(people))
        dst = np.repeat(people, n)
        secs = rng.integers(0, DAYS, len(dst)) * 86400 + time_of_day(
            rng, np.full(len(dst), DAY))
        out = rng.random(len(dst)) < 0.5
        caller = np.where(out, CARRIER, self.phone[dst])
        callee = np.where(out, self.phone[dst], CARRIER)
        self.svc_calls.append((caller, callee, secs, rng.integers(20, 240, len(dst))))

    def ordinary_money(self):
        rng = self.rng
        month_days = np.array([0, 31, 59, 90, 120, 151])
        # salaries from employer accounts (not in accounts.csv: organisations)
        for w, wp in enumerate(self.workplaces):
            wp = wp[self.adult[wp]]
            if len(wp) == 0:
                continue
            emp = f"3301{w:012d}"
            pay = np.round(rng.uniform(3000, 9000, len(wp)), -2)
            for m in month_days:
                day = m + 9 + rng.integers(0, 3)
                secs = day * 86400 + rng.integers(9 * 3600, 11 * 3600, len(wp))
                self.tx.extend(zip([emp] * len(wp), self.account[wp], pay, secs, strict=True))
        # power bills: most households
        heads = pd.Series(np.arange(self.n))[self.adult].groupby(self.hh_a[self.adult]).first()
        heads = heads.to_numpy()
        payers = heads[rng.random(len(heads)) < 0.85]
        for m in month_days:
            secs = (m + rng.integers(5, 25, len(payers))) * 86400 + time_of_day(
                rng, np.full(len(payers), SOCIAL))
            amt = np.round(rng.uniform(60, 420, len(payers)), 2)
            self.tx.extend(zip(self.account[payers], [POWER_ACCOUNT] * len(payers), amt, secs,
                               strict=True))
        # rent: migrants pay a local landlord monthly
        mig = np.flatnonzero(self.migrant_a & self.adult)
        locals_ = np.flatnonzero(~self.migrant_a & (self.age_a > 40))
        landlords = locals_[rng.integers(0, len(locals_), len(mig))]
        rent = np.round(rng.uniform(600, 1800, len(mig)), -1)
        for m in month_days:
            secs = (m + rng.integers(0, 5, len(mig))) * 86400 + rng.integers(8, 22, len(mig)) * 3600
            self.tx.extend(zip(self.account[mig], self.account[landlords], rent, secs,
                               strict=True))
        # shop payments to shop owners' personal accounts
        adults = np.flatnonzero(self.adult)
        shops = adults[rng.choice(len(adults), 40, replace=False)]
        k = rng.poisson(3, len(adults))
        src = np.repeat(adults, k)
        dst = shops[rng.integers(0, len(shops), len(src))]
        ok = src != dst
        secs = rng.integers(0, DAYS * 86400, ok.sum())
        self.tx.extend(zip(self.account[src[ok]], self.account[dst[ok]],
                           np.round(rng.lognormal(np.log(120), 0.8, ok.sum()), 2), secs,
                           strict=True))
        # kin transfers now and then; red envelopes at the Spring Festival
        kin = self.kin_a
        both = self.adult[kin[:, 0]] & self.adult[kin[:, 1]]
        kin = kin[both]
        n = rng.poisson(0.8, len(kin))
        idx = np.repeat(np.arange(len(kin)), n)
        flip = rng.random(len(idx)) < 0.5
        a = np.where(flip, kin[idx, 1], kin[idx, 0])
        b = np.where(flip, kin[idx, 0], kin[idx, 1])
        spring = rng.random(len(idx)) < 0.3
        day = np.where(spring, rng.integers(30, 41, len(idx)), rng.integers(0, DAYS, len(idx)))
        secs = day * 86400 + time_of_day(rng, np.full(len(idx), SOCIAL))
        self.tx.extend(zip(self.account[a], self.account[b],
                           np.round(rng.uniform(200, 3000, len(idx)), -1), secs, strict=True))
        # friends settle bills occasionally
        fs, fd = self.friends_src, self.friends_dst
        ok = self.adult[fs] & self.adult[fd] & (rng.random(len(fs)) < 0.25)
        fs, fd = fs[ok], fd[ok]
        secs = rng.integers(0, DAYS * 86400, len(fs))
        self.tx.extend(zip(self.account[fs], self.account[fd],
                           np.round(rng.uniform(50, 800, len(fs)), 0), secs, strict=True))
        # grown children pay their parents every month (look-alike)
        rel = self.kin_rel[both]
        par = kin[rel == "parent"]
        par = par[(self.hh_a[par[:, 0]] != self.hh_a[par[:, 1]]) & (self.age_a[par[:, 0]] > 60)]
        par = par[rng.random(len(par)) < 0.35]
        amt = np.round(rng.uniform(500, 2000, len(par)), -2)
        for m in month_days:
            secs = (m + rng.integers(0, 4, len(par))) * 86400 + rng.integers(
                9, 21, len(par)) * 3600
            self.tx.extend(zip(self.account[par[:, 1]], self.account[par[:, 0]], amt, secs,
                               strict=True))
        for child, parent in par[:10]:
            self.lookalikes.append({"kind": "family_support",
                                    "members": self._p([int(child), int(parent)])})

    # -- rings --------------------------------------------------------------------------------
    def _p(self, idx):
        return [str(self.pids[i]) for i in idx]

    def _pay(self, a, b, amount, day, hour_lo=9, hour_hi=23):
        sec = int(day * 86400 + self.rng.integers(hour_lo * 3600, hour_hi * 3600))
        self.tx.append((self.account[a], self.account[b], float(amount), sec))

    def _buyers(self, sellers, k):
        rng = self.rng
        buyers = self.pick(k, self.age_a <= 45, distinct_households=False)
        for b in buyers:
            s = sellers[int(rng.integers(0, len(sellers)))]
            self.tie(b, s, rng.uniform(2, 6) / DAYS, SOCIAL, SHORT)
            for _ in range(int(rng.integers(1, 5))):
                self._pay(b, s, np.round(rng.uniform(100, 600), -1), rng.integers(0, DAYS), 12)
        return buyers

    def _dealing_ring(self, members, organizer, kind, d0, d1, arrests=0, case_no=0,
                      family_core=None, region=None, buyers=8):
        """Night calls, deal bursts, money from sellers to the organizer, buyers around."""
        rng = self.rng
        others = [m for m in members if m != organizer]
        self.tie(np.full(len(others), organizer), others, rng.uniform(0.08, 0.15, len(others)),
                 NIGHT, SHORT, d0, d1)
        a, b = np.triu_indices(len(others), 1)
        keep = rng.random(len(a)) < 0.5
        if keep.any():
            self.tie(np.array(others)[a[keep]], np.array(others)[b[keep]],
                     rng.uniform(0.02, 0.05, keep.sum()), NIGHT, SHORT, d0, d1)
        # deal bursts: the organizer rings everyone within two hours, some ring back
        for day in range(d0 + int(rng.integers(3, 10)), d1, int(rng.integers(9, 15))):
            base = day * 86400 + int(rng.integers(21 * 3600, 24 * 3600))
            for m in others:
                self.events.append((organizer, m, base + int(rng.integers(0, 7200)), 0))
                if rng.random() < 0.5:
                    self.events.append((m, organizer, base + int(rng.integers(600, 9000)), 0))
            for m in others:
                if rng.random() < 0.6:
                    self._pay(m, organizer, np.round(rng.uniform(1000, 8000), -2),
                              day + int(rng.integers(1, 3)), 10)
        sellers = others[: max(1, len(others) // 2)]
        buyer_ids = self._buyers(sellers, buyers) if buyers else []
        arrested = []
        if arrests:
            arrested = [int(x) for x in rng.choice(others, arrests, replace=False)]
            day = int(rng.integers(max(d0 + 30, 60), DAYS - 5))
            self._arrest(arrested, day, f"AJ2019{case_no:05d}", "贩卖毒品", "甲基苯丙胺")
        ring = {"id": f"R{len(self.rings) + 1:02d}", "members": self._p(sorted(members)),
                "organizer": str(self.pids[organizer]), "kind": kind,
                "family_core": self._p(sorted(family_core)) if family_core else None,
                "region": region, "buyers": self._p(sorted(buyer_ids)),
                "arrested": self._p(sorted(arrested)), "active_days": [int(d0), int(d1)]}
        self.rings.append(ring)
        return ring

    def _arrest(self, people, day, case_id, charge, drug):
        rng = self.rng
        sec = int(day * 86400 + rng.integers(0, 86400))
        for p in people:
            self.arrests.append((p, case_id, sec + int(rng.integers(0, 3600)), charge, drug,
                                 round(float(rng.uniform(0.2, 30)), 1)))

    def plant_rings(self):
        rng = self.rng
        n = self.n
        scale = self.target / 6000
        case = iter(range(1, 1000))
        # (b) the family ring: five kin and two couriers
        fam = self.special["family"]
        core = [fam["organizer"], fam["spouse"], fam["brother"], fam["son"],
                fam["spouse_brother"]]
        self.used.update(core)
        couriers = self.pick(2, self.age_a <= 35)
        self._dealing_ring(core + couriers, fam["organizer"], "family", 5, DAYS, arrests=1,
                           case_no=next(case), family_core=core)
        # (d) the migrant ring
        mig = self.special["migrant"]
        self.used.update(mig)
        self.used.update(self.special["rare_others"])
        self._dealing_ring(mig, mig[0], "migrant", 15, DAYS, region=RING_REGION)
        # (e) ordinary rings of 4 to 10
        for r in range(max(1, round(3 * scale))):
            size = int(rng.integers(4, 11))
            members = self.pick(size)
            d0 = int(rng.integers(0, 40))
            self._dealing_ring(members, members[0], "ordinary", d0,
                               int(rng.integers(140, DAYS + 1)),
                               arrests=int(r % 2 == 0) * int(rng.integers(1, 3)),
                               case_no=next(case))
        # (c) three-person cells inside busy social circles
        for _ in range(max(1, round(3 * scale))):
            cell = self.pick(3)
            for p in cell:  # busy: extra friends and coworkers calling them
                extra = rng.integers(0, n, 6)
                self.tie(np.full(6, p), extra, rng.uniform(0.03, 0.12, 6), SOCIAL, NORMAL)
            a, b = np.triu_indices(3, 1)
            d0, d1 = int(rng.integers(0, 30)), int(rng.integers(150, DAYS + 1))
            self.tie(np.array(cell)[a], np.array(cell)[b], rng.uniform(0.12, 0.25, 3), NIGHT,
                     SHORT, d0, d1)
            for m in cell[1:]:
                for _ in range(int(rng.integers(3, 7))):
                    self._pay(m, cell[0], np.round(rng.uniform(200, 2000), -1),
                              rng.integers(d0, d1), 10)
            buyers = self._buyers(cell[1:], int(rng.integers(3, 6)))
            self.rings.append({"id": f"R{len(self.rings) + 1:02d}",
                               "members": self._p(sorted(cell)),
                               "organizer": str(self.pids[cell[0]]), "kind": "cell",
                               "family_core": None, "region": None,
                               "buyers": self._p(sorted(buyers)), "arrested": [],
                               "active_days": [d0, d1]})
        # (a) the ring that meets instead of phoning
        self.plant_meeting_ring(next(case))

    def plant_meeting_ring(self, case_no):
        rng = self.rng
        # members with a spouse (kin who call them far more)
        spouses = np.zeros(self.n, dtype=bool)
        sp = self.kin_a[self.kin_rel == "spouse"]
        spouses[sp.ravel()] = True
        members = self.pick(5, spouses & (self.age_a >= 25))
        self.quiet = members
        org = members[0]
        for p in members:  # friends who call them far more than the ring does
            extra = rng.integers(0, self.n, 3)
            self.tie(np.full(3, p), extra, rng.uniform(0.06, 0.12, 3), SOCIAL, NORMAL)
        # rare, brief, daytime calls
        a, b = np.triu_indices(5, 1)
        for i, j in zip(a, b, strict=True):
            for _ in range(int(rng.integers(0, 4))):
                sec = int(rng.integers(0, DAYS)) * 86400 + int(rng.integers(10 * 3600, 16 * 3600))
                x, y = (members[i], members[j]) if rng.random() < 0.5 else (members[j], members[i])
                self.events.append((x, y, sec, 3))
        # adjacent hotel rooms every one to three weeks
        hotels = ["H003", "H006"]
        meetings = []
        day = int(rng.integers(3, 12))
        while day < DAYS - 1:
            hotel = hotels[0] if rng.random() < 0.7 else hotels[1]
            attend = [m for m in members if rng.random() < 0.85]
            if len(attend) < 3:
                attend = list(rng.choice(members, 3, replace=False))
            floor = int(rng.integers(2, 7))
            first = int(rng.integers(1, 20 - len(attend)))
            rooms = [floor * 100 + first + k for k in range(len(attend))]
            rng.shuffle(rooms)
            base = day * 86400 + int(rng.integers(20 * 3600, 22 * 3600))
            for m, room in zip(attend, rooms, strict=True):
                cin = base + int(rng.integers(0, 3600))
                cout = (day + 1) * 86400 + int(rng.integers(7 * 3600, 10 * 3600))
                self.stays.append((self.ids[m], self.names[m], hotel, str(room), cin, cout))
            meetings.append({"day": day, "hotel": hotel, "members": self._p(attend)})
            day += int(rng.integers(7, 22))
        self.meeting_days = meetings
        # late nights at one KTV
        ktv_nights = []
        day = int(rng.integers(5, 15))
        while day < DAYS - 1:
            attend = [m for m in members if rng.random() < 0.75]
            if len(attend) < 3:
                attend = list(rng.choice(members, 3, replace=False))
            base = day * 86400 + int(rng.integers(23 * 3600, 25 * 3600))
            for m in attend:
                self.visits.append((m, "V002", base + int(rng.integers(0, 2400))))
            ktv_nights.append(day)
            day += int(rng.integers(8, 18))
        # small transfers to one member
        for m in members[1:]:
            for _ in range(int(rng.integers(2, 4))):
                self._pay(m, org, np.round(rng.uniform(200, 1500), -1), rng.integers(0, DAYS))
        arrested = [members[int(rng.integers(1, 5))]]
        self._arrest(arrested, int(rng.integers(160, DAYS - 2)), f"AJ2019{case_no:05d}",
                     "贩卖毒品", "甲基苯丙胺")
        self.rings.append({"id": f"R{len(self.rings) + 1:02d}", "members": self._p(sorted(members)),
                           "organizer": str(self.pids[org]), "kind": "meeting",
                           "family_core": None, "region": None, "buyers": [],
                           "arrested": self._p(arrested), "active_days": [0, DAYS],
                           "meetings": meetings, "ktv_nights": ktv_nights, "ktv": "V002"})

    def plant_lookalikes(self):
        rng = self.rng
        # a lone dealer and his buyers
        dealer = self.pick(1)[0]
        buyers = self._buyers([dealer], 10)
        self.lookalikes.append({"kind": "lone_dealer", "members": self._p([dealer] + buyers),
                                "dealer": str(self.pids[dealer])})
        # users arrested together at a party (no calls or money among them beyond ordinary)
        users = self.pick(int(rng.integers(4, 7)), self.age_a <= 40)
        self._arrest(users, int(rng.integers(40, 150)), "AJ2019P0001", "吸毒", "氯胺酮")
        self.lookalikes.append({"kind": "party_arrest", "members": self._p(users)})
        # single users arrested on their own
        for u in self.pick(max(2, round(8 * self.target / 6000)), distinct_households=False):
            self._arrest([u], int(rng.integers(0, DAYS)), "", "吸毒", "甲基苯丙胺")

    # -- hotels and venues ------------------------------------------------------------------
    def ordinary_stays(self):
        rng = self.rng
        adults = np.flatnonzero(self.adult)
        n = int(0.4 * self.target)
        weights = np.ones(DAYS)
        weights[HOLIDAYS] = 4
        days = rng.choice(DAYS, n, p=weights / weights.sum())
        guests = adults[rng.integers(0, len(adults), n)]
        hotels = rng.choice(8, n, p=np.array([3, 2, 2, 1, 1, 1, 1, 1]) / 12)
        rooms = rng.integers(2, 7, n) * 100 + rng.integers(1, 21, n)
        cin = days * 86400 + rng.integers(14 * 3600, 24 * 3600 - 1800, n)
        nights = rng.choice([1, 1, 1, 2, 3], n)
        cout = (days + nights) * 86400 + rng.integers(7 * 3600, 12 * 3600, n)
        sp = self.kin_a[self.kin_rel == "spouse"]
        partner = {}
        for a, b in sp:
            partner[int(a)] = int(b)
            partner[int(b)] = int(a)
        quiet = set(self.quiet)
        busy = {m["day"] + k for m in self.meeting_days for k in (-1, 0, 1)}
        for g, h, r, i, o, d in zip(guests, hotels, rooms, cin, cout, days, strict=True):
            if int(g) in quiet and int(d) in busy:
                continue  # a member does not book a second room on a meeting night
            self.stays.append((self.ids[g], self.names[g], f"H00{h + 1}", str(r), int(i), int(o)))
            if int(g) in partner and rng.random() < 0.3:
                q = partner[int(g)]
                self.stays.append((self.ids[q], self.names[q], f"H00{h + 1}", str(r),
                                   int(i) + int(rng.integers(0, 300)), int(o)))

    def groups_in_hotels(self):
        """Tour groups of visitors and sales teams: adjacent rooms, once."""
        rng = self.rng
        for _ in range(max(2, round(10 * self.target / 6000))):
            size = int(rng.integers(10, 26))
            males = rng.random(size) < 0.5
            births = np.datetime64("1950-01-01") + rng.integers(0, 15000, size).astype(
                "timedelta64[D]")
            region = str(rng.choice(TOUR_REGIONS))
            ids = make_id_numbers(rng, [region] * size, births, males)
            names = random_names(rng, [self._surname() for _ in range(size)])
            day = int(rng.choice(HOLIDAYS) if rng.random() < 0.5 else rng.integers(0, DAYS - 1))
            hotel = f"H00{int(rng.integers(1, 9))}"
            floor = int(rng.integers(2, 7))
            base = day * 86400 + int(rng.integers(17 * 3600, 20 * 3600))
            for k in range(size):
                room = floor * 100 + 1 + k // 2
                self.stays.append((ids[k], names[k], hotel, str(room),
                                   base + int(rng.integers(0, 1800)),
                                   (day + 1) * 86400 + 7 * 3600 + int(rng.integers(0, 1800))))
            self.lookalikes.append({"kind": "tour_group", "members": [str(x) for x in ids],
                                    "by": "id_number"})
        teams = [wp for wp in self.workplaces if 6 <= len(wp) <= 40]
        for _ in range(max(1, round(4 * self.target / 6000)) if teams else 0):
            wp = teams[int(rng.integers(0, len(teams)))]
            wp = [int(x) for x in wp if int(x) not in self.used and self.adult[x]]
            team = wp[: int(rng.integers(4, 8))]
            self.used.update(team)
            day = int(rng.integers(0, DAYS - 2))
            hotel = f"H00{int(rng.integers(1, 9))}"
            floor = int(rng.integers(2, 7))
            first = int(rng.integers(1, 12))
            base = day * 86400 + int(rng.integers(18 * 3600, 21 * 3600))
            for k, m in enumerate(team):
                self.stays.append((self.ids[m], self.names[m], hotel, str(floor * 100 + first + k),
                                   base + int(rng.integers(0, 1200)),
                                   (day + 2) * 86400 + 8 * 3600 + int(rng.integers(0, 1800))))
            self.lookalikes.append({"kind": "sales_team", "members": self._p(team)})

    def venue_visits(self):
        rng = self.rng
        # staff every night at their KTV
        for v, staff in enumerate(self.ktv_staff):
            for day in range(DAYS):
                for s in staff:
                    if rng.random() < 0.85:
                        self.visits.append((s, f"V00{v + 1}", day * 86400 + int(
                            rng.integers(19 * 3600, 20 * 3600))))
        # customers: friends in small groups; crowds on holidays
        fs, fd = self.friends_src, self.friends_dst
        adults = np.flatnonzero(self.adult & (self.age_a <= 55))
        hol = set(HOLIDAYS.tolist())
        for v in range(5):  # three KTVs, two bars
            for day in range(DAYS):
                if day in hol:
                    crowd = adults[rng.integers(0, len(adults), int(rng.integers(30, 70)))]
                    for c in crowd:
                        self.visits.append((c, f"V00{v + 1}", day * 86400 + int(
                            rng.integers(20 * 3600, 26 * 3600))))
                    continue
                for _ in range(rng.poisson(2.5 if v < 3 else 1.5)):
                    e = int(rng.integers(0, len(fs)))
                    group = {int(fs[e]), int(fd[e])}
                    for f2 in fd[fs == fs[e]][:3]:
                        if rng.random() < 0.5:
                            group.add(int(f2))
                    base = day * 86400 + int(rng.integers(20 * 3600, 25 * 3600))
                    for c in group:
                        self.visits.append((c, f"V00{v + 1}", base + int(rng.integers(0, 900))))
        # internet cafes: young people log in alone
        young = np.flatnonzero((self.age_a >= 16) & (self.age_a <= 30))
        n = int(0.5 * self.target)
        who = young[rng.integers(0, len(young), n)]
        secs = rng.integers(0, DAYS, n) * 86400 + rng.integers(10 * 3600, 26 * 3600, n)
        cafe = rng.integers(6, 8, n)
        for w, s, c in zip(who, secs, cafe, strict=True):
            self.visits.append((int(w), f"V00{c}", int(s)))

    # -- output -------------------------------------------------------------------------------
    def calls_frame(self) -> pd.DataFrame:
        rng = self.rng
        a = np.concatenate([t[0] for t in self.ties])
        b = np.concatenate([t[1] for t in self.ties])
        rate = np.concatenate([t[2] for t in self.ties])
        prof = np.concatenate([t[3] for t in self.ties])
        dur = np.concatenate([t[4] for t in self.ties])
        d0 = np.concatenate([t[5] for t in self.ties])
        d1 = np.concatenate([t[6] for t in self.ties])
        ok = self.has_phone[a] & self.has_phone[b] & (a != b)
        quiet = np.zeros(self.n, dtype=bool)  # the meeting ring has no ordinary ties inside
        quiet[self.quiet] = True
        ok &= ~(quiet[a] & quiet[b])
        a, b, rate, prof, dur, d0, d1 = (x[ok] for x in (a, b, rate, prof, dur, d0, d1))
        span = d1 - d0
        n = rng.poisson(rate * span)
        idx = np.repeat(np.arange(len(a)), n)
        day = np.floor(d0[idx] + rng.random(len(idx)) * span[idx]).astype(np.int64)
        secs = day * 86400 + time_of_day(rng, prof[idx])
        flip = rng.random(len(idx)) < 0.5
        ca = np.where(flip, b[idx], a[idx])
        cb = np.where(flip, a[idx], b[idx])
        frames = [pd.DataFrame({"caller": self.phone[ca], "callee": self.phone[cb],
                                "t": secs, "duration_s": durations(rng, dur[idx])})]
        if self.events:
            ev = np.array(self.events, dtype=np.int64)
            frames.append(pd.DataFrame({
                "caller": self.phone[ev[:, 0]], "callee": self.phone[ev[:, 1]], "t": ev[:, 2],
                "duration_s": durations(rng, ev[:, 3])}))
        for caller, callee, secs, d in self.svc_calls:
            frames.append(pd.DataFrame({"caller": caller, "callee": callee, "t": secs,
                                        "duration_s": d}))
        df = pd.concat(frames, ignore_index=True)
        df = df[(df["t"] >= 0) & (df["t"] < DAYS * 86400)]
        df = df.sort_values("t", kind="stable").reset_index(drop=True)
        df["started_at"] = fmt_times(df["t"].to_numpy())
        return df[["caller", "callee", "started_at", "duration_s"]]

    def write(self, out: Path) -> dict:
        out.mkdir(parents=True, exist_ok=True)
        n = self.n
        persons = pd.DataFrame({
            "person_id": self.pids, "name": self.names, "id_number": self.ids,
            "birth_date": np.datetime_as_string(self.births),
            "sex": np.where(self.male_a, "M", "F"),
            "address": self.address,
            "household_id": np.char.add(
                "H", np.char.zfill(self.hh_label[self.hh_a].astype(str), 5))})
        phones = pd.DataFrame({"person_id": self.pids[self.has_phone],
                               "phone": self.phone[self.has_phone]})
        rng = self.rng
        acc = pd.DataFrame({"account_id": self.account[self.adult],
                            "person_id": self.pids[self.adult],
                            "bank": np.array(BANKS)[rng.integers(0, len(BANKS), self.adult.sum())]})
        calls = self.calls_frame()
        tx = pd.DataFrame(self.tx, columns=["from_account", "to_account", "amount", "t"])
        keep = (tx["t"] >= 0) & (tx["t"] < DAYS * 86400) & (tx["from_account"] != tx["to_account"])
        tx = tx[keep]
        tx = tx.sort_values("t", kind="stable").reset_index(drop=True)
        tx["tx_id"] = np.char.add("TX", np.char.zfill(np.arange(1, len(tx) + 1).astype(str), 8))
        tx["amount"] = tx["amount"].map(lambda x: f"{x:.2f}")
        tx["occurred_at"] = fmt_times(tx["t"].to_numpy())
        ar = pd.DataFrame(self.arrests, columns=["p", "case_id", "t", "charge", "drug",
                                                 "quantity_g"]).sort_values("t", kind="stable")
        ar["arrest_id"] = [f"ZH2019{k:05d}" for k in range(1, len(ar) + 1)]
        ar["person_id"] = self.pids[ar["p"].to_numpy()]
        ar["id_number"] = self.ids[ar["p"].to_numpy()]
        ar["name"] = self.names[ar["p"].to_numpy()]
        ar["arrested_at"] = fmt_times(ar["t"].to_numpy())
        ar["location"] = "诸暨市"
        kin = pd.DataFrame({"person_a": self.pids[self.kin_a[:, 0]],
                            "person_b": self.pids[self.kin_a[:, 1]], "relation": self.kin_rel})
        st = pd.DataFrame(self.stays, columns=["id_number", "name", "place_id", "room", "i", "o"])
        st = st.sort_values("i", kind="stable")
        st["person_id"] = ""
        st["place_name"] = st["place_id"].map({f"H00{k + 1}": h for k, h in enumerate(HOTELS)})
        st["checked_in"] = fmt_times(st["i"].to_numpy())
        st["checked_out"] = fmt_times(st["o"].to_numpy())
        vi = pd.DataFrame(self.visits, columns=["p", "place_id", "t"]).sort_values(
            "t", kind="stable")
        vi = vi[vi["t"] < DAYS * 86400]
        vi["id_number"] = self.ids[vi["p"].to_numpy()]
        vi["name"] = self.names[vi["p"].to_numpy()]
        venues = {"V001": ("金色年华KTV", "KTV"), "V002": ("好乐迪KTV", "KTV"),
                  "V003": ("钱柜KTV", "KTV"), "V004": ("夜色酒吧", "酒吧"),
                  "V005": ("蓝调酒吧", "酒吧"), "V006": ("网鱼网咖", "网吧"),
                  "V007": ("极速网吧", "网吧")}
        vi["place_name"] = vi["place_id"].map(lambda v: venues[v][0])
        vi["place_kind"] = vi["place_id"].map(lambda v: venues[v][1])
        vi["seen_at"] = fmt_times(vi["t"].to_numpy())
        persons = persons.sort_values("person_id", kind="stable")
        frames = {"persons": persons, "phones": phones, "accounts": acc, "calls": calls,
                  "transactions": tx, "arrests": ar, "kinship": kin, "stays": st,
                  "visits": vi}
        counts = {}
        for kind, df in frames.items():
            df[CONTRACT_HEADERS[kind]].to_csv(out / f"{kind}.csv", index=False,
                                              quoting=csv.QUOTE_MINIMAL)
            counts[kind] = len(df)
        truth = {
            "seed": self.seed, "persons": n, "rings": self.rings,
            "lookalikes": self.lookalikes,
            "services": {"phones": [TAXI_LINE, CARRIER], "accounts": [POWER_ACCOUNT]},
            "home_region": "330681", "counts": counts,
        }
        (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1),
                                        encoding="utf-8")
        return truth


def write_county(out_dir, seed: int, persons: int = 6000) -> dict:
    """Write a synthetic county with planted rings, look-alikes and their truth.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Directory to write ``persons.csv``, ``phones.csv``, ``accounts.csv``, ``calls.csv``,
        ``transactions.csv``, ``arrests.csv``, ``kinship.csv``, ``stays.csv``,
        ``visits.csv`` and ``truth.json`` into (created if missing).
    seed : int
        Random seed; the same seed and size give byte-identical files.
    persons : int, optional
        Population size (default 6000, at least about 500); ring counts scale with it
        (about nine rings per 6,000 people, at least one of each kind).

    Returns
    -------
    dict
        The truth: ``{"rings": [{"id", "members", "organizer", "kind", "family_core",
        "region", "buyers", "arrested", "active_days", ...}], "lookalikes": [{"kind",
        "members", ...}], "services", "home_region", "counts", "seed", "persons"}``.
        Members are ``person_id`` values; tour-group look-alikes list ID numbers
        (``"by": "id_number"``), as those visitors are not in the registry.
    """
    c = _County(seed, persons)
    c.build_population()
    c.finish_population()
    c.ordinary_ties()
    c.special_workplaces()
    c.services()
    c.plant_rings()
    c.plant_lookalikes()
    c.ordinary_money()
    c.ordinary_stays()
    c.groups_in_hotels()
    c.venue_visits()
    return c.write(Path(out_dir))


if __name__ == "__main__":  # python -m tests.casegen.evidence_county OUT [--seed S]
    import argparse

    parser = argparse.ArgumentParser(description="write a synthetic evidence county")
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--persons", type=int, default=6000)
    args = parser.parse_args()
    result = write_county(args.out, args.seed, args.persons)
    print(json.dumps(result["counts"]))
