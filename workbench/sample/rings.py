"""Rings, brokers and look-alikes planted into the sample county (used by ``sample``)."""

from __future__ import annotations

from .base import CARRIER, COURIER, DAYS, POWER_ACCOUNT, SURNAMES, TAXI

__all__ = ["plant_rings"]

DRUGS = ["冰毒", "海洛因", "麻古", "K粉"]
PLACES = ["城关镇", "东城街道", "安华镇", "云南省瑞丽市", "广东省陆丰市", "四川省凉山州"]


def _free(b, pool: list[str], used: set[str], k: int) -> list[str]:
    out = []
    for p in b.rng.permutation(pool):
        p = str(p)
        if p not in used and p in b.phone_of and p in b.account_of:
            out.append(p)
            used.add(p)
            if len(out) == k:
                break
    if len(out) < k:
        raise ValueError("population too small for the planted rings")
    return out


def _ring_activity(b, members: list[str], organizer: str, start: int, end: int,
                   used: set[str], adults: list[str], phone=None) -> list[str]:
    """Calls, money and buyers of one ring; returns the buyers."""
    rng = b.rng
    phone = phone or {}
    deal_days = sorted(int(d) for d in rng.integers(start, end, size=10))
    others = [m for m in members if m != organizer]

    def talk(x: str, y: str, n: int) -> None:
        a, c = phone.get(x, b.phone_of[x]), phone.get(y, b.phone_of[y])
        for _ in range(n):
            day = int(rng.choice(deal_days)) if rng.random() < 0.5 else \
                int(rng.integers(start, end))
            b.call(a, c, b.when(rng.random() < 0.55, day), int(rng.integers(10, 80)))

    for m in others:
        talk(organizer, m, int(rng.integers(14, 30)))
    for i, x in enumerate(others):
        peers = others[i + 1:]
        if len(others) > 4:
            peers = [p for p in peers if rng.random() < 0.5]
        for y in peers:
            talk(x, y, int(rng.integers(4, 12)))
    for m in others:
        for _ in range(int(rng.integers(5, 11))):
            day = int(rng.choice(deal_days)) + int(rng.integers(0, 3))
            amount = float(rng.integers(20, 300)) * 100 + float(rng.integers(0, 100)) * 10
            b.pay(m, organizer, amount, b.when(rng.random() < 0.4, min(day, DAYS - 1)),
                  str(rng.choice(["手机银行", "微信转账", "支付宝"])))
    buyers = []
    for seller in others:
        for buyer in _free(b, adults, used, int(rng.integers(2, 4))):
            buyers.append(buyer)
            for _ in range(int(rng.integers(2, 5))):
                b.call(b.phone_of[buyer], b.phone_of[seller],  # burners stay inside
                       b.when(rng.random() < 0.3, int(rng.integers(start, end))),
                       int(rng.integers(10, 60)))
            for _ in range(int(rng.integers(1, 3))):
                b.pay(buyer, seller, float(rng.integers(2, 9)) * 100,
                      b.when(False, int(rng.integers(start, end))), "微信转账")
    return buyers


def _arrest(b, people: list[str], case_id: str, charge: str, day: int, places: list[str],
            grams: tuple[float, float]) -> None:
    for p in people:
        t = b.when(False, day)
        b.c.arrests.append((p, t, case_id, charge, str(b.rng.choice(DRUGS)),
                            round(float(b.rng.uniform(*grams)), 1), str(b.rng.choice(places))))


def plant_rings(b, families, households, kin, ages, workplaces, employer_accounts) -> dict:
    """Plant rings, a broker and look-alikes; return the truth document (without files)."""
    rng = b.rng
    n = b.n
    adults = [p for p in ages if ages[p] >= 18]
    working = [p for p in adults if 20 <= ages[p] <= 55]
    used: set[str] = set()
    rings: list[dict] = []
    case_no = [0]

    def new_case() -> str:
        case_no[0] += 1
        return f"AJ2019{case_no[0]:05d}"

    def ring(kind: str, members: list[str], organizer: str, family: bool, arrested: bool,
             phone=None, places=PLACES[:3]) -> dict:
        start = int(rng.integers(0, 40))
        end = int(rng.integers(max(start + 100, 140), DAYS))
        buyers = _ring_activity(b, members, organizer, start, end, used, adults, phone)
        entry = {"id": f"R{len(rings) + 1:02d}", "type": kind, "members": sorted(members),
                 "organizer": organizer, "family": family, "buyers": sorted(buyers),
                 "active_days": [start, end], "arrested": [], "case_id": None}
        if arrested:
            caught = [str(p) for p in rng.choice([m for m in members if m != organizer],
                                                 size=min(len(members) - 1,
                                                          int(rng.integers(1, 4))),
                                                 replace=False)]
            entry["case_id"] = new_case()
            entry["arrested"] = sorted(caught)
            _arrest(b, caught, entry["case_id"], "贩卖毒品", end - int(rng.integers(1, 15)),
                    places, (5, 300))
        rings.append(entry)
        return entry

    # the family ring(s): an extended family with several adults across households
    for _ in range(max(1, n // 3000)):
        for fam in rng.permutation(len(families)):
            fam_adults = [p for p in families[int(fam)] if ages[p] >= 18 and p in b.account_of]
            hh = {b.c.persons[int(p[1:]) - 1]["household_id"] for p in fam_adults}
            if 6 <= len(fam_adults) <= 9 and len(hh) >= 2 and not used & set(fam_adults):
                used.update(fam_adults)
                ring("family", fam_adults, fam_adults[0], True, bool(rng.random() < 0.5))
                break
    n3, n6 = max(2, n // 750), max(2, n // 1500)
    for i in range(n3):
        members = _free(b, working, used, 3)
        ring("three", members, members[0], False, arrested=i % 2 == 0)
    for i in range(n6):
        members = _free(b, working, used, 6)
        ring("six", members, members[0], False, arrested=i % 2 == 1)
    # series gang: one surname, nine suspects, burner phones used inside the ring
    for _ in range(max(1, n // 3000)):
        members = _free(b, working, used, 9)
        surname = str(rng.choice(SURNAMES))
        for m in members:
            person = b.c.persons[int(m[1:]) - 1]
            person["name"] = surname + person["name"][1:]
        burners = {m: b.new_number() for m in members}
        for m, num in burners.items():
            b.c.phones.append((num, m, 20, None))  # since day 20 (a date offset)
        entry = ring("series", members, members[0], False, True, phone=burners,
                     places=PLACES[3:])
        entry["burners"] = sorted(burners.values())
    # a broker supplying two rings
    broker = _free(b, working, used, 1)[0]
    supplied = [rings[-2], rings[1]] if len(rings) > 2 else rings[:2]
    for r in supplied:
        for _ in range(int(rng.integers(8, 16))):
            b.call(b.phone_of[broker], b.phone_of[r["organizer"]],
                   b.when(rng.random() < 0.6, int(rng.integers(*r["active_days"]))),
                   int(rng.integers(20, 90)))
        for _ in range(int(rng.integers(3, 7))):
            b.pay(r["organizer"], broker, float(rng.integers(300, 900)) * 100,
                  b.when(False, int(rng.integers(*r["active_days"]))), "手机银行")

    lookalikes = []
    # night-shift KTV coworkers: night calls, a shared employer, nothing else
    ktv = _free(b, working, used, 6)
    ktv_acc = b.new_account()
    b.c.accounts.append((ktv_acc, "EMP-KTV", "农商银行"))
    for i, x in enumerate(ktv):
        for month in range(6):
            b.pay(ktv_acc, x, float(rng.integers(40, 60)) * 100,
                  (month * 30 + 5) * 86400 + 10 * 3600, "代发工资", "工资")
        for y in ktv[i + 1:]:
            b.calls_between(x, y, int(rng.integers(6, 14)), night=0.8)
    lookalikes.append({"type": "night_shift", "members": sorted(ktv)})
    # drug users arrested together at a party
    party = _free(b, working, used, 5)
    for i, x in enumerate(party):
        for y in party[i + 1:]:
            if rng.random() < 0.5:
                b.calls_between(x, y, int(rng.integers(1, 3)))
    _arrest(b, party, new_case(), "吸毒", int(rng.integers(60, 150)), ["东城街道"], (0.2, 1.5))
    lookalikes.append({"type": "party_users", "members": sorted(party)})
    # a lone dealer and his buyers
    dealer = _free(b, working, used, 1)[0]
    lone_buyers = _free(b, adults, used, 8)
    for buyer in lone_buyers:
        b.calls_between(buyer, dealer, int(rng.integers(2, 6)), night=0.3, short=True)
        b.pay(buyer, dealer, float(rng.integers(2, 8)) * 100, b.when(), "微信转账")
    _arrest(b, [dealer], new_case(), "贩卖毒品", int(rng.integers(100, 170)), ["城关镇"],
            (1, 10))
    lookalikes.append({"type": "lone_dealer", "members": [dealer], "buyers": sorted(lone_buyers)})
    # grown children sending money home every month
    homes = 0
    for fam in rng.permutation(len(families)):
        members = [p for p in families[int(fam)] if p in b.account_of and p not in used]
        parents = members[:2]
        children = [p for p in members[2:] if (parents[0], p, "parent") in kin] if parents else []
        if len(parents) == 2 and children:
            for child in children:
                for month in range(6):
                    b.pay(child, parents[0], float(rng.integers(10, 30)) * 100,
                          b.when(False, month * 30 + 1), "手机银行", "生活费")
            used.update(parents + children)
            lookalikes.append({"type": "money_home", "members": sorted(parents + children)})
            homes += 1
            if homes == 3:
                break
    # scattered drug-use arrests, one person each
    for p in _free(b, adults, used, max(3, n // 500)):
        _arrest(b, [p], new_case(), "吸毒", int(rng.integers(0, DAYS)), ["城关镇", "安华镇"],
                (0.1, 1.0))
    switches = _plant_switches(b, rings)
    replaced = _plant_new_organizer(b, rings, used, adults, new_case)
    changes = _plant_split_and_merge(b, rings, used, working, adults)
    return {
        "rings": rings,
        "splits_and_merges": changes,
        "switches": switches,
        "organizer_changes": replaced,
        "brokers": [{"person_id": broker, "rings": [r["id"] for r in supplied]}],
        "lookalikes": lookalikes,
        "hubs": {"phones": [TAXI, CARRIER, COURIER], "accounts": [POWER_ACCOUNT]},
        "employer_accounts": len(employer_accounts),
        "workplaces": len(workplaces),
        "households": len(households),
    }


def _move_number(b, old: str, new: str, from_day: int, stray: int = 2) -> None:
    """From ``from_day`` on, the person's calls use ``new``; ``stray`` calls stay on ``old``."""
    cut = from_day * 86400
    kept = 0
    out = []
    for call in sorted(b.c.calls, key=lambda c: c[2]):
        a, c, t, dur, cell = call
        if t >= cut and old in (a, c):
            if kept < stray:
                kept += 1
            else:
                a, c = (new if a == old else a), (new if c == old else c)
        out.append((a, c, t, dur, cell))
    b.c.calls = out


def _plant_switches(b, rings: list[dict]) -> list[dict]:
    """One member of a 3-person ring, and a whole 6-person ring, change to new, unregistered
    numbers some weeks before the end of their activity (a few stray calls stay behind)."""
    switches = []
    three = next((r for r in rings if r["type"] == "three"), None)
    if three:
        member = next(m for m in three["members"] if m != three["organizer"])
        day = three["active_days"][1] - 35
        new = b.new_number()
        _move_number(b, b.phone_of[member], new, day)
        switches.append({"person": member, "old": b.phone_of[member], "new": new, "day": day,
                         "ring": three["id"], "group": False})
    six = next((r for r in rings if r["type"] == "six"), None)
    if six:
        day = six["active_days"][1] - 30
        for member in six["members"]:
            new = b.new_number()
            _move_number(b, b.phone_of[member], new, day)
            switches.append({"person": member, "old": b.phone_of[member], "new": new,
                             "day": day, "ring": six["id"], "group": True})
    return switches


def _plant_new_organizer(b, rings: list[dict], used: set[str], adults: list[str],
                         new_case) -> list[dict]:
    """The organizer of the second 6-person ring is arrested; a member takes over and the
    ring goes on around him for six more weeks."""
    sixes = [r for r in rings if r["type"] == "six"]
    if len(sixes) < 2:
        return []
    ring = sixes[1]
    old = ring["organizer"]
    start, end = ring["active_days"]
    day = max(start + 60, min(end, DAYS) - 60)
    rest = [m for m in ring["members"] if m != old]
    new = rest[0]
    numbers = {b.phone_of[m] for m in ring["members"]}
    cut = day * 86400
    b.c.calls = [c for c in b.c.calls if not (
        c[2] >= cut and b.phone_of[old] in (c[0], c[1]) and (c[0] in numbers and c[1] in numbers))]
    accounts = {b.account_of[m] for m in ring["members"]}
    b.c.transactions = [t for t in b.c.transactions if not (
        t[3] >= cut and b.account_of[old] in (t[0], t[1]) and t[0] in accounts
        and t[1] in accounts)]
    case = new_case()
    _arrest(b, [old], case, "贩卖毒品", day, PLACES[:3], (50, 400))
    _ring_activity(b, rest, new, day, min(DAYS, day + 45), used, adults)
    ring["organizers"] = [old, new]
    ring["arrested"] = sorted(set(ring["arrested"]) | {old})
    ring["case_id"] = ring["case_id"] or case
    return [{"ring": ring["id"], "day": day, "old": old, "new": new, "case_id": case}]


def _plant_split_and_merge(b, rings: list[dict], used: set[str], working: list[str],
                           adults: list[str], day: int = 90) -> list[dict]:
    """A 6-person ring that splits into two cells on ``day``, and two 3-person rings that
    merge into one on the same day (under the first one's organizer)."""
    end = DAYS - 5
    split = _free(b, working, used, 6)
    _ring_activity(b, split, split[0], 5, day, used, adults)
    halves = [split[:3], split[3:]]
    for half in halves:
        _ring_activity(b, half, half[0], day, end, used, adults)
    one, two = _free(b, working, used, 3), _free(b, working, used, 3)
    for cell in (one, two):
        _ring_activity(b, cell, cell[0], 5, day, used, adults)
    _ring_activity(b, one + two, one[0], day, end, used, adults)
    for kind, members, organizer, parts in (("split", split, split[0], halves),
                                            ("merge", one + two, one[0], [one, two])):
        rings.append({"id": f"R{len(rings) + 1:02d}", "type": kind, "members": sorted(members),
                      "organizer": organizer, "family": False, "buyers": [],
                      "active_days": [5, end], "arrested": [], "case_id": None,
                      "parts": [sorted(p) for p in parts], "change_day": day})
    return [{"type": "split", "day": day, "ring": rings[-2]["id"],
             "before": rings[-2]["members"], "after": rings[-2]["parts"]},
            {"type": "merged", "day": day, "ring": rings[-1]["id"],
             "before": rings[-1]["parts"], "after": rings[-1]["members"]}]
