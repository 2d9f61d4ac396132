"""Hotels, venues and travel in the sample county, with the rings that show in them.

Planted after the phone and money rings, from its own random stream, so the earlier
records stay exactly as they were (see ``sample``):

* registration counties: most people in the home county (诸暨市, 330681), some in the
  rest of its prefecture, about 4% registered elsewhere (scattered over the country);
* background: hotel guests (locals and travellers known only by ID number), monthly
  police checks at KTVs and bars that record the staff every time, internet-cafe log-ins,
  train / flight / coach tickets;
* ordinary co-presence: couples' holidays (adjacent seats, one room), solo travellers,
  friends at KTVs;
* look-alikes: a sales team that travels together on weekday daytime trains, venue staff;
* a ring that meets in hotels (adjacent rooms, different hotels) and barely phones;
* a ring of migrants from one far county (百色市平果市; one member still on the
  county's old code 451023), trading like the other rings.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from .base import DAYS, START

__all__ = ["plant_places", "HOME_COUNTY", "MIGRANT_COUNTY"]

HOME_COUNTY = "330681"
PREFECTURE_OTHERS = ["330602", "330603", "330604", "330624", "330683"]
MIGRANT_COUNTY, MIGRANT_OLD = "451082", "451023"
HOTELS = [f"诸暨{w}" for w in ["如家酒店", "汉庭酒店", "锦江之星", "维也纳酒店", "格林豪泰",
                             "城市便捷", "开元大酒店", "雷迪森", "白鹭宾馆", "暨阳宾馆", "东方宾馆",
                             "金都大酒店", "浣纱宾馆", "西施宾馆", "铂涛酒店", "七天酒店"]]
VENUES = [("KTV", f"{w}KTV") for w in ["金色年华", "钱柜", "好乐迪", "麦乐迪", "星光", "唱吧"]] + \
    [("酒吧", f"{w}酒吧") for w in ["夜色", "蓝调", "零点"]] + \
    [("网吧", f"{w}网吧") for w in ["网鱼", "极速", "天空", "星际"]]
#: the county the hotel and internet-cafe lists above are sized for; a larger county has
#: proportionally more of both (:func:`places_for`)
BASE_PERSONS = 3000
TRAINS = ["G7512", "G7336", "D3125", "G1376", "K1179", "G7588", "D2285", "G1504"]
FLIGHTS = ["MU5171", "CA1705", "ZH9901"]
COACHES = ["ZJ-101", "ZJ-205"]
STATIONS = ["诸暨", "杭州东", "上海虹桥", "南京南", "义乌", "宁波", "北京南", "广州南"]
_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def places_for(persons: int) -> tuple[list[str], list[tuple[str, str]]]:
    """The hotels and venues of a county of ``persons`` people: the lists above up to
    :data:`BASE_PERSONS`, beyond that proportionally more hotels and internet cafes (the
    places whose guests grow with the county: a fixed number of them would put every
    traveller in a few hotels and make co-presence grow with the square of the county),
    named as further branches; the KTVs and bars, whose monthly checks record a fixed crowd,
    stay as they are.

    >>> hotels, venues = places_for(3000)
    >>> len(hotels), len(venues)
    (16, 13)
    >>> hotels, venues = places_for(30000)
    >>> len(hotels), len(venues), hotels[16], venues[-1]
    (160, 49, '诸暨如家酒店2号店', ('网吧', '星际网吧10号店'))
    """
    scale = max(1.0, persons / BASE_PERSONS)
    hotels = HOTELS + [f"{HOTELS[k % len(HOTELS)]}{k // len(HOTELS) + 1}号店"
                       for k in range(len(HOTELS), round(len(HOTELS) * scale))]
    cafes = [v for v in VENUES if v[0] == "网吧"]
    more = [("网吧", f"{cafes[k % len(cafes)][1]}{k // len(cafes) + 1}号店")
            for k in range(len(cafes), round(len(cafes) * scale))]
    return hotels, VENUES + more


def _check(body: str) -> str:
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _W, strict=True)) % 11]


def _with_code(idn: str, code: str) -> str:
    return _check(code + idn[6:17])


class _Places:
    def __init__(self, b, counties: list[str]) -> None:
        self.b, self.rng = b, b.rng
        self.counties = counties
        self.pid_of = {p["person_id"]: p for p in b.c.persons}
        self.outsiders: list[tuple[str, str]] = []
        self.hotels, self.venues = places_for(b.n)

    def outsider(self) -> tuple[str, str]:
        """A traveller from elsewhere, known only by ID number (and name on the form)."""
        rng = self.rng
        code = str(rng.choice(self.counties))
        birth = dt.date(int(rng.integers(1960, 2000)), int(rng.integers(1, 13)),
                        int(rng.integers(1, 29)))
        idn = _check(f"{code}{birth:%Y%m%d}{int(rng.integers(100, 999))}")
        who = (idn, "旅客" + str(len(self.outsiders) + 1))
        self.outsiders.append(who)
        return who

    def ident(self, pid: str) -> tuple[str | None, str | None, str]:
        """How a registration names a local: by ID number mostly, sometimes by person_id."""
        p = self.pid_of[pid]
        if self.rng.random() < 0.1:
            return pid, None, p["name"]
        return None, p["id_number"], p["name"]

    def stay(self, who, hotel: int, room: str, day: int, nights: int, hour: int = 21) -> None:
        pid, idn, name = who if len(who) == 3 else (None, *who)
        t = day * 86400 + hour * 3600 + int(self.rng.integers(0, 3600))
        out = (day + nights) * 86400 + 8 * 3600 + int(self.rng.integers(0, 10800))
        self.b.c.stays.append((pid, idn, f"H{hotel + 1:03d}", self.hotels[hotel], room, t,
                               out, name))

    def visit(self, who, venue: int, t: int, source: str) -> None:
        pid, idn, name = who if len(who) == 3 else (None, *who)
        kind, vname = self.venues[venue]
        result = "阴性" if source == "月度检查" and self.rng.random() < 0.3 else None
        self.b.c.visits.append((pid, idn, f"V{venue + 1:03d}", vname, kind, t, source, name,
                                result))

    def trip(self, who, service: str, t: int, seat: str, route: tuple[str, str]) -> None:
        pid, idn, name = who if len(who) == 3 else (None, *who)
        mode = "飞机" if service in FLIGHTS else "大巴" if service in COACHES else "火车"
        self.b.c.trips.append((pid, idn, service, t, route[0], route[1], seat, mode, name))

    def seat(self, coach: int | None = None, row: int | None = None, letter: int | None = None
             ) -> str:
        rng = self.rng
        coach = int(rng.integers(1, 17)) if coach is None else coach
        row = int(rng.integers(1, 18)) if row is None else row
        letter = int(rng.integers(0, 5)) if letter is None else letter
        return f"{coach:02d}车{row:02d}{'ABCDF'[letter]}"

    def route(self) -> tuple[str, str]:
        a, c = self.rng.choice(len(STATIONS), size=2, replace=False)
        return STATIONS[int(a)], STATIONS[int(c)]

    def departure(self, day: int, hour: int) -> int:
        return day * 86400 + hour * 3600 + int(self.rng.integers(0, 4)) * 900


def _weekday(day: int) -> int:
    return (START + dt.timedelta(days=day)).weekday()


def _registrations(b, rng, counties: list[str], reserved: set[str]) -> list[str]:
    """Rewrite every person's county code; return who is registered outside the prefecture."""
    elsewhere = []
    for p in b.c.persons:
        r = rng.random()
        if p["person_id"] in reserved or r < 0.85:
            code = HOME_COUNTY
        elif r < 0.96:
            code = str(rng.choice(PREFECTURE_OTHERS))
        else:
            code = str(rng.choice(counties))
            elsewhere.append(p["person_id"])
        p["id_number"] = _with_code(p["id_number"], code)
    return elsewhere


def plant_places(b, truth: dict, kin: set, ages: dict, workplaces: list[list[str]]) -> dict:
    """Plant the records and rings of the module docstring; return the new truth keys."""
    from ..analysis import region_tables
    from .rings import _free, _ring_activity

    rng = b.rng
    far = sorted(c for c in region_tables()[0] if c[4:] != "00" and c[:2] not in ("33", "45")
                 and not c.endswith("01"))
    counties = [str(c) for c in rng.choice(far, size=300, replace=False)]
    used = {m for r in truth["rings"] for m in r["members"] + r["buyers"]}
    used |= {m for look in truth["lookalikes"] for m in look["members"] + look.get("buyers", [])}
    used |= {x["person_id"] for x in truth["brokers"]} | {a[0] for a in b.c.arrests}
    adults = [p for p in ages if ages[p] >= 18]
    working = [p for p in adults if 20 <= ages[p] <= 55]
    adult_pool = np.asarray(adults)  # made once: choice() of a list converts it per call
    elsewhere = _registrations(b, rng, counties, used)
    used |= set(elsewhere)
    pl = _Places(b, counties)
    n_days = DAYS - 2

    # the migrant ring: registered in one far county, trading like the other rings
    migrants = _free(b, working, used, 5)
    for i, m in enumerate(migrants):
        person = pl.pid_of[m]
        person["id_number"] = _with_code(person["id_number"],
                                         MIGRANT_OLD if i == 4 else MIGRANT_COUNTY)
        person["address"] = f"工业园宿舍{int(rng.integers(1, 30))}栋"
    buyers = _ring_activity(b, migrants, migrants[0], 10, DAYS - 10, used, adults)
    regional_ring = {"id": f"R{len(truth['rings']) + 1:02d}", "type": "regional",
                     "members": sorted(migrants), "organizer": migrants[0], "family": False,
                     "buyers": sorted(buyers), "active_days": [10, DAYS - 10], "arrested": [],
                     "case_id": None,
                     "regional": {"code": MIGRANT_COUNTY, "old_code_member": migrants[4]}}

    # the meeting ring: adjacent hotel rooms in different hotels, a KTV, hardly a call
    meet = _free(b, working, used, 5)
    meetings = []
    for k in range(8):
        day = int(rng.integers(3, n_days - 3))
        hotel = int(rng.choice(len(pl.hotels)))
        floor = int(rng.integers(3, 9))
        first = int(rng.integers(1, 20))
        for j, m in enumerate(meet):
            pl.stay(pl.ident(m), hotel, f"{floor}{first + j:02d}", day, 1,
                    hour=int(rng.integers(21, 24)))
        meetings.append({"day": day, "hotel": f"H{hotel + 1:03d}"})
        if k % 3 == 0:
            for m in meet[:3]:
                b.pay(m, meet[0], float(rng.integers(30, 90)) * 100, b.when(False, day),
                      "微信转账")
    for m in meet[1:]:
        b.pay(m, meet[0], float(rng.integers(50, 200)) * 100, b.when(False), "手机银行")
    b.calls_between(meet[0], meet[1], 2, short=True)
    meeting_ring = {"id": "M01", "type": "meeting", "members": sorted(meet),
                    "organizer": meet[0], "family": False, "meetings": meetings}

    # look-alikes: a sales team on weekday daytime trains, venue staff at every check
    team = next(w for w in workplaces if len([x for x in w if x not in used]) >= 6)
    sales = [x for x in team if x not in used][:4]
    used |= set(sales) | set(meet) | set(migrants)
    for _ in range(8):
        day = int(rng.integers(0, n_days))
        while _weekday(day) >= 5:
            day = (day + 1) % n_days
        service, route, coach = str(rng.choice(TRAINS)), pl.route(), int(rng.integers(1, 9))
        t = pl.departure(day, int(rng.integers(8, 16)))
        for j, m in enumerate(sales):
            pl.trip(pl.ident(m), service, t, pl.seat(coach, 6, j), route)
    staff: dict[str, list[str]] = {}
    checks: dict[int, list[int]] = {}
    staff_pool = _free(b, working, used, 3 * 9)
    for venue in range(len(VENUES)):
        if VENUES[venue][0] == "网吧":
            continue
        crew = staff_pool[3 * venue:3 * venue + 3]
        staff[f"V{venue + 1:03d}"] = crew
        for month in range(6):
            day = month * 30 + int(rng.integers(0, 28))
            t0 = day * 86400 + int(rng.choice([22, 23, 0, 1])) * 3600
            checks.setdefault(venue, []).append(t0)
            for m in crew:
                pl.visit(pl.ident(m), venue, t0 + int(rng.integers(0, 1800)), "月度检查")
            for guest in rng.choice(adult_pool, size=int(rng.integers(6, 20)), replace=False):
                pl.visit(pl.ident(str(guest)), venue, t0 + int(rng.integers(0, 1800)),
                         "月度检查")
            for _ in range(int(rng.integers(2, 6))):
                pl.visit(pl.outsider(), venue, t0 + int(rng.integers(0, 1800)), "月度检查")
    # ordinary life: friends at KTVs, couples' holidays, solo travellers, hotel guests, cafes
    friends = []
    for _ in range(6):
        group = _free(b, adults, used, int(rng.integers(3, 5)))
        friends.append(sorted(group))
        for i, x in enumerate(group):
            for y in group[i + 1:]:
                b.calls_between(x, y, int(rng.integers(2, 6)), night=0.3)
        for _ in range(int(rng.integers(2, 4))):  # caught together by a monthly check
            venue = int(rng.integers(0, 6))
            t0 = int(rng.choice(checks[venue]))
            for m in group:
                pl.visit(pl.ident(m), venue, t0 + int(rng.integers(0, 1200)), "月度检查")
    couples = []
    spouses = [(x, y) for x, y, rel in sorted(kin) if rel == "spouse" and x not in used
               and y not in used and ages[x] < 50 and ages[y] < 50]
    for i in rng.choice(len(spouses), size=min(12, len(spouses)), replace=False):
        x, y = spouses[int(i)]
        couples.append([x, y])
        used |= {x, y}
        for _ in range(int(rng.integers(1, 3))):
            day = int(rng.integers(0, n_days - 4))
            day += (5 - _weekday(day)) % 7 if day + 7 < n_days else 0
            service, route = str(rng.choice(TRAINS + FLIGHTS)), pl.route()
            t, row = pl.departure(day, int(rng.integers(7, 20))), int(rng.integers(1, 18))
            coach = int(rng.integers(1, 17))
            hotel, room = int(rng.choice(len(pl.hotels))), f"{int(rng.integers(2, 9))}0" \
                f"{int(rng.integers(1, 9))}"
            for j, m in enumerate((x, y)):
                pl.trip(pl.ident(m), service, t, pl.seat(coach, row, j), route)
                pl.stay(pl.ident(m), hotel, room, day, int(rng.integers(1, 3)))
    solo = _free(b, adults, used, max(20, b.n // 30))
    for person in solo:
        for _ in range(int(rng.integers(1, 4))):
            day = int(rng.integers(0, n_days - 2))
            pl.trip(pl.ident(person), str(rng.choice(TRAINS + FLIGHTS + COACHES)),
                    pl.departure(day, int(rng.integers(6, 22))), pl.seat(), pl.route())
            if rng.random() < 0.5:
                pl.stay(pl.ident(person), int(rng.choice(len(pl.hotels))),
                        f"{int(rng.integers(2, 9))}{int(rng.integers(1, 30)):02d}", day, 1)
    for _ in range(b.n):  # background hotel guests, mostly travellers from elsewhere
        who = pl.outsider() if rng.random() < 0.7 else pl.ident(str(rng.choice(adult_pool)))
        pl.stay(who, int(rng.choice(len(pl.hotels))),
                f"{int(rng.integers(2, 9))}{int(rng.integers(1, 30)):02d}",
                int(rng.integers(0, n_days - 3)), int(rng.choice([1, 1, 1, 2, 3])))
    for _ in range(b.n):  # background tickets
        who = pl.outsider() if rng.random() < 0.5 else pl.ident(str(rng.choice(adult_pool)))
        pl.trip(who, str(rng.choice(TRAINS + FLIGHTS + COACHES)),
                pl.departure(int(rng.integers(0, n_days)), int(rng.integers(6, 22))),
                pl.seat(), pl.route())
    cafes = [v for v in range(len(pl.venues)) if pl.venues[v][0] == "网吧"]
    for _ in range(b.n):  # internet-cafe log-ins
        pl.visit(pl.ident(str(rng.choice(adult_pool))), int(rng.choice(cafes)),
                 b.when(rng.random() < 0.3), "网吧登记")
    return {
        "regional_ring": regional_ring,
        "meeting_rings": [meeting_ring],
        "copresence_lookalikes": [{"type": "sales_team", "members": sorted(sales)}] + [
            {"type": "venue_staff", "venue": v, "members": sorted(m)} for v, m in staff.items()],
        "copresence": {"home_county": HOME_COUNTY, "registered_elsewhere": sorted(elsewhere),
                       "couples": couples, "ktv_friends": friends, "solo_travellers":
                       sorted(solo), "outsiders": len(pl.outsiders)},
    }
