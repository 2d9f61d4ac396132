"""A scalable county: ordinary social life, services, rings and look-alikes in proportion.

``persons`` people live in households, work in workplaces and call friends in their
neighbourhood. Three service numbers touch thousands: a taxi line (a mobile number nobody is
registered to, called at all hours and calling back), the carrier's ``10086`` (called by a
quarter of the county, one-way) and a courier's mobile (calls out only). One ring is planted
per 1,000 persons (sizes 3 to 12, an organizer who calls everyone, short calls, night and
deal-day bursts, buyers around the sellers); each ring also gets, when the case has them,
money up to the organizer, a joint arrest with a trafficking charge, or kinship. One
look-alike per ring: night-shift coworkers, a lone dealer with buyers, a chatty clique of
friends, users arrested together at a party, grown children paying their parents.

``calls_only=True`` writes persons, phones and calls; ``numbers_only=True`` writes calls
only, and the truth is in E.164 numbers. Everything is vectorized: 200,000 persons (a few
million calls) are written in well under a minute.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from . import write_csv
from .calls import ANY, DAYTIME, EVENING, NIGHT, WORKDAY, Calls, mesh, mobiles

START = dt.datetime(2024, 1, 1)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鹏飞宇浩然"


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    s = np.array(list(SURNAMES))[rng.integers(0, len(SURNAMES), n)]
    g1 = np.array(list(GIVEN))[rng.integers(0, len(GIVEN), n)]
    g2 = np.array(list(GIVEN) + [""] * 10)[rng.integers(0, len(GIVEN) + 10, n)]
    return np.char.add(np.char.add(s, g1), g2)


def _households(rng, perm: np.ndarray) -> list[np.ndarray]:
    """Consecutive chunks of ``perm`` of sizes 1..5 as member arrays."""
    sizes = rng.choice([1, 2, 3, 4, 5], size=len(perm) // 2 + 1,
                       p=[0.2, 0.3, 0.25, 0.15, 0.1])
    ends = np.cumsum(sizes)
    ends = ends[ends < len(perm)]
    return np.split(perm, ends)


def _group_pairs(groups: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """All within-group pairs of many small groups, vectorized per group size."""
    a_parts, b_parts = [], []
    by_size: dict[int, list[np.ndarray]] = {}
    for g in groups:
        if len(g) >= 2:
            by_size.setdefault(len(g), []).append(g)
    for size, gs in by_size.items():
        m = np.stack(gs)
        i, j = np.triu_indices(size, k=1)
        a_parts.append(m[:, i].ravel())
        b_parts.append(m[:, j].ravel())
    if not a_parts:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    return np.concatenate(a_parts), np.concatenate(b_parts)


def county(out: Path, persons: int = 6000, *, seed: int = 0, days: int = 180,
           calls_only: bool = False, numbers_only: bool = False,
           rings_per_1000: float = 1.0, chinese: bool = False, burners: float = 0.0) -> dict:
    """Write the county's exports into ``out``; return the truth (see :mod:`tests.shapes`).

    ``burners``: share of rings (calls-only cases with persons) in which one member makes
    every ring call from a burner, a number registered to nobody; the truth lists that
    ring member by the burner's E.164 number (a mixed case).
    """
    if burners and (numbers_only or not calls_only):
        raise ValueError("burners are planted in calls-only cases with persons")
    rng = np.random.default_rng(seed)
    n = persons
    calls_only = calls_only or numbers_only
    services = 3
    phones = mobiles(rng, n + 2)
    # index n = taxi line (a mobile), n+1 = 10086, n+2 = courier (a mobile)
    numbers = np.concatenate([phones[: n + 1], np.array(["10086"]), phones[n + 1:]])
    if burners:  # from their own generator, so the rest of the county stays the same
        spare = mobiles(np.random.default_rng(seed + 20_000), n // 100 + 10)
        numbers = np.concatenate([numbers, spare[~np.isin(spare, numbers)]])
    next_burner = n + 3
    taxi, carrier, courier_i = n, n + 1, n + 2
    calls = Calls(numbers, rng, days)

    # --- ordinary life: households, workplaces, friends in the neighbourhood
    households = _households(rng, rng.permutation(n))
    household_of = np.empty(n, dtype=np.int64)
    for h, members in enumerate(households):
        household_of[members] = h
    ha, hb = _group_pairs(households)
    calls.pairs(ha, hb, rng.poisson(5, len(ha)), EVENING, 240)
    workers = rng.permutation(n)[: int(0.7 * n)]
    wsizes = np.clip(rng.geometric(1 / 15, len(workers) // 5 + 1), 3, 60)
    wends = np.cumsum(wsizes)
    workplaces = np.split(workers, wends[wends < len(workers)])
    wa, wb = [], []
    for place in workplaces:
        if len(place) < 2:
            continue
        k = rng.poisson(1.5, len(place))
        src = np.repeat(place, k)
        dst = place[rng.integers(0, len(place), len(src))]
        wa.append(src)
        wb.append(dst)
    wa_, wb_ = np.concatenate(wa), np.concatenate(wb)
    calls.pairs(wa_, wb_, rng.poisson(3, len(wa_)), WORKDAY, 90)
    k = rng.poisson(2.2, n)
    fa = np.repeat(np.arange(n), k)
    fb = (fa + rng.integers(-300, 300, len(fa))) % n  # neighbourhood: nearby ids
    calls.pairs(fa, fb, rng.poisson(3, len(fa)), EVENING, 200)

    # --- services: taxi line (in at all hours, call-backs out), 10086 (in), courier (out)
    riders = rng.choice(n, size=max(3, n // 10), replace=False)
    calls.pairs(riders, np.full(len(riders), taxi), 1 + rng.poisson(0.8, len(riders)), ANY,
                40, forward=1.0)
    back = riders[rng.random(len(riders)) < 0.3]
    calls.pairs(np.full(len(back), taxi), back, np.ones(len(back), dtype=np.int64), ANY, 25,
                forward=1.0)
    subs = rng.choice(n, size=max(3, n // 4), replace=False)
    calls.pairs(subs, np.full(len(subs), carrier), 1 + rng.poisson(0.5, len(subs)), DAYTIME,
                150, forward=1.0)
    parcels = rng.choice(n, size=max(3, n // 20), replace=False)
    calls.pairs(np.full(len(parcels), courier_i), parcels, np.ones(len(parcels), np.int64),
                DAYTIME, 30, forward=1.0)

    # --- rings and look-alikes, drawn from people not yet in either
    free = list(rng.permutation(n))
    def take(m: int) -> np.ndarray:
        return np.array([free.pop() for _ in range(m)], dtype=np.int64)

    n_rings = int(round(n / 1000 * rings_per_1000))
    if rings_per_1000 > 0:
        n_rings = max(1, n_rings)
    rings, organizers, tiers = [], {}, []
    accounts: set[int] = set()
    tx, arrests, kin = [], [], []
    for r in range(n_rings):
        size = int(rng.integers(3, 13))
        members = take(size)
        if burners and size > 3 and rng.random() < burners:
            members = members.copy()
            members[-1] = next_burner  # this member's ring calls all come from a burner
            next_burner += 1
        boss, crew = members[0], members[1:]
        deals = rng.choice(days, size=max(3, days // 15), replace=False)
        calls.pairs(np.full(len(crew), boss), crew, 12 + rng.poisson(18, len(crew)), NIGHT,
                    45, forward=0.4, burst_days=deals, burst_share=0.6, lognormal=False)
        ma, mb = mesh(crew)
        keep = rng.random(len(ma)) < 0.6
        calls.pairs(ma[keep], mb[keep], 3 + rng.poisson(6, keep.sum()), NIGHT, 40,
                    burst_days=deals, burst_share=0.6, lognormal=False)
        sellers = crew if len(crew) else members
        for s in sellers:
            if s >= n:  # a burner serves the ring only
                continue
            buyers = rng.choice(n, size=int(rng.integers(2, 9)), replace=False)
            calls.pairs(buyers, np.full(len(buyers), s), rng.integers(1, 5, len(buyers)),
                        EVENING, 35, forward=0.8, lognormal=False)
        kinds = ["calls"]
        if not calls_only and rng.random() < 0.55:
            kinds.append("money")
            accounts.update(members.tolist())
            for s in crew:
                for _ in range(int(rng.integers(3, 9))):
                    tx.append((s, boss, round(float(rng.uniform(2000, 30000)), 2),
                               int(rng.choice(deals)) * 86400 + int(rng.integers(36000, 79200))))
        if not calls_only and rng.random() < 0.35:
            kinds.append("arrests")
            caught = members[rng.permutation(size)[: min(size, int(rng.integers(2, 4)))]]
            day = int(rng.integers(days // 2, days))
            for p in caught:
                arrests.append((p, day, f"AJ{seed:03d}R{r:04d}", "贩卖毒品", "甲基苯丙胺",
                                round(float(rng.uniform(5, 500)), 1)))
        if not calls_only and rng.random() < 0.25:
            kinds.append("kinship")
            kin.append((boss, crew[0], "spouse"))
            for x, y in zip(crew[:-1], crew[1:], strict=True):
                kin.append((x, y, "sibling" if rng.random() < 0.5 else "relative"))
        rings.append(members)
        organizers[r] = boss
        tiers.append("+".join(kinds))

    looks = []
    kinds = ["night_shift", "lone_dealer", "clique"]
    if not calls_only:
        kinds += ["party_arrest", "remittance"]
    for i in range(n_rings):
        kind = kinds[i % len(kinds)]
        if kind == "night_shift":
            g = take(int(rng.integers(5, 9)))
            a, b = mesh(g)
            calls.pairs(a, b, rng.poisson(8, len(a)), NIGHT, 150)
        elif kind == "lone_dealer":
            dealer = take(1)
            g = np.concatenate([dealer, take(int(rng.integers(15, 30)))])
            calls.pairs(g[1:], np.full(len(g) - 1, dealer[0]), rng.integers(2, 7, len(g) - 1),
                        NIGHT, 30, forward=0.8, lognormal=False)
        elif kind == "clique":
            g = take(int(rng.integers(5, 8)))
            a, b = mesh(g)
            calls.pairs(a, b, rng.poisson(10, len(a)), EVENING, 420)
        elif kind == "party_arrest":
            g = take(int(rng.integers(3, 6)))
            day = int(rng.integers(0, days))
            for p in g:
                arrests.append((p, day, f"AJ{seed:03d}P{i:04d}", "吸毒", "甲基苯丙胺", 0.2))
            a, b = mesh(g)
            calls.pairs(a, b, rng.poisson(1, len(a)), EVENING, 200)
        else:  # remittance: grown children pay their parent monthly
            g = take(int(rng.integers(3, 5)))
            accounts.update(g.tolist())
            for child in g[1:]:
                kin.append((g[0], child, "parent"))
                for month in range(days // 30):
                    tx.append((child, g[0], 1500.0, month * 30 * 86400 + 10 * 3600))
            a, b = mesh(g)
            calls.pairs(a, b, rng.poisson(4, len(a)), EVENING, 600)
        looks.append({"kind": kind, "members": g})

    # --- write
    out.mkdir(parents=True, exist_ok=True)
    ncalls = calls.write(out / "calls.csv", START,
                         chinese=chinese, local_share=0.3, cells=200 if numbers_only else 0)
    ids = np.char.add("CT", np.char.zfill(np.arange(n).astype(str), 6))
    entity = numbers.copy() if numbers_only else np.concatenate([ids, numbers[n:]])
    if not numbers_only:
        pd.DataFrame({"person_id": ids, "name": _names(rng, n),
                      "household_id": np.char.add("H", household_of.astype(str))}
                     ).to_csv(out / "persons.csv", index=False)
        has = rng.random(n) < 0.98
        for ring in rings:
            has[ring[ring < n]] = True
        pd.DataFrame({"phone": numbers[:n][has], "person_id": ids[has]}
                     ).to_csv(out / "phones.csv", index=False)
    if not calls_only:
        acc = sorted(accounts)
        write_csv(out / "accounts.csv", ["account_id", "person_id"],
                  [(f"62220{p:011d}", ids[p]) for p in acc])
        write_csv(out / "transactions.csv",
                  ["tx_id", "from_account", "to_account", "amount", "occurred_at"],
                  [(f"T{i:08d}", f"62220{a:011d}", f"62220{b:011d}", f"{amt:.2f}",
                    (START + dt.timedelta(seconds=s)).isoformat(sep=" "))
                   for i, (a, b, amt, s) in enumerate(tx)])
        write_csv(out / "arrests.csv",
                  ["person_id", "arrested_at", "case_id", "charge", "drug", "quantity_g"],
                  [(ids[p], (START + dt.timedelta(days=d)).date().isoformat(), c, ch, dr, q)
                   for p, d, c, ch, dr, q in arrests])
        write_csv(out / "kinship.csv", ["person_a", "person_b", "relation"],
                  [(ids[a], ids[b], rel) for a, b, rel in kin])
    return {
        "entity": "number" if numbers_only else "person",
        "rings": [sorted(entity[r].tolist()) for r in rings],
        "organizers": {i: str(entity[b]) for i, b in organizers.items()},
        "tiers": tiers,
        "lookalikes": [{"kind": x["kind"], "members": sorted(entity[x["members"]].tolist())}
                       for x in looks],
        "hubs": [str(numbers[taxi]), "10086", str(numbers[courier_i])],
        "persons": n,
        "calls": ncalls,
        "services": services,
    }
