"""The synthetic county: ordinary social life with planted trafficking rings and look-alikes.

Deterministic by seed. :func:`build_county` makes the world (persons, phones, accounts, calls,
transactions, arrests, kinship) and its ground truth; :func:`write_sample` writes it as messy
exports (see :mod:`workbench.sample.files`) with the expected ingest counts per file.

What is planted (see ``truth.json``):

* households (wives keep their surname), kinship across households, workplaces paying
  salaries, friends, acquaintances, hub numbers (a taxi line, a carrier service number, a
  courier line) and a hub account (the power company everyone pays);
* rings: one family ring held together by kinship, 3-person and 6-person rings, a 9-person
  series gang of one surname using burner phones, buyers around each ring, a broker who
  supplies two rings, arrests sharing case numbers, and rings with no arrest at all;
* look-alikes that are not rings: night-shift KTV coworkers, drug users arrested together at
  a party, a lone dealer with his buyers, grown children sending money home;
* hotel stays, venue checks and tickets (see :mod:`workbench.sample.places`): a ring that
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

import numpy as np

from .base import CARRIER, COURIER, POWER_ACCOUNT, SURNAMES, TAXI, Builder, County
from .files import write_files
from .places import plant_places
from .rings import plant_rings


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
    b = Builder(persons, seed)
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
    # drawn from as arrays made once: ``rng.choice`` of a list converts the whole list on
    # every call (quadratic in the county's size); the draws are the same
    adult_pool, phoned_pool = np.asarray(adults), np.asarray(phoned)

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
        for friend in rng.choice(phoned_pool, size=int(rng.integers(1, 5)), replace=False):
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
            b.pay(p, str(rng.choice(adult_pool)), float(rng.choice([52, 66, 88, 100, 200, 520])),
                  b.when(), "微信转账", "红包")
    b.c.accounts.append((POWER_ACCOUNT, "ORG-POWER", "国家电网"))

    truth = plant_rings(b, families, households, kin, ages, workplaces, employer_accounts)
    # hotels, venues and travel draw from their own stream: the records above stay the same
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
    county = build_county(persons=persons, seed=seed)
    return write_files(county, out, seed=seed)
