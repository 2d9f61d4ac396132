"""A ten-day carrier export: calls between ~400 numbers, no subscriber records.

Five rings (4 to 7 numbers, short calls, nights, deal days), households, coworkers and
friends, a night-shift crew, a lone dealer with buyers, a taxi mobile and ``10086``. In three
rings one member switches handsets on day 4 to 6: the old number falls silent and a new one
calls the same contacts, with stray calls around the switch (the new SIM is tried a day
early, the old phone makes one more call a day or two later). A decoy: an ordinary number
that goes quiet and an unrelated new number that starts the same day with other contacts.
Numbers are spelled as carriers do (bare 11 digits, ``0086``, ``86 138 ...``), times are
``YYYYMMDDHHMMSS``, every row has a ``cell_id``. Truth in E.164.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from .calls import ANY, DAY, EVENING, NIGHT, WORKDAY, Calls, mesh, mobiles

START = dt.datetime(2024, 5, 10)
DAYS = 10


def tenday(out: Path, *, seed: int = 0, numbers: int = 400, rings: tuple[int, ...] = (
        5, 4, 6, 7, 4), switches: int = 3) -> dict:
    """Write ``calls_2024-05.csv`` into ``out``; return the truth (see :mod:`tests.shapes`)."""
    rng = np.random.default_rng(seed)
    extra = 1 + switches + 1  # the taxi mobile, new numbers, the decoy's new number
    table = np.concatenate([mobiles(rng, numbers + extra), np.array(["10086"])])
    carrier = len(table) - 1
    taxi = numbers
    news = list(range(numbers + 1, numbers + 1 + switches))
    decoy_new = numbers + 1 + switches
    calls = Calls(table, rng, DAYS)
    pool = list(rng.permutation(numbers))

    def take(k: int) -> np.ndarray:
        return np.array([pool.pop() for _ in range(k)], dtype=np.int64)

    ring_sets = []
    for size in rings:
        g = take(size)
        deals = rng.choice(DAYS, size=3, replace=False)
        boss, crew = g[0], g[1:]
        calls.pairs(np.full(len(crew), boss), crew, rng.integers(10, 18, len(crew)), NIGHT, 40,
                    burst_days=deals, burst_share=0.5, lognormal=False)
        a, b = mesh(crew)
        keep = rng.random(len(a)) < 0.7
        calls.pairs(a[keep], b[keep], rng.integers(3, 7, keep.sum()), NIGHT, 35,
                    burst_days=deals, burst_share=0.5, lognormal=False)
        for s in crew:
            buyers = rng.choice(pool, size=3, replace=False)
            calls.pairs(buyers, np.full(3, s), rng.integers(1, 3, 3), EVENING, 30,
                        forward=0.9, lognormal=False)
        ring_sets.append(g)

    lookalikes = []
    crew = take(6)  # night-shift KTV staff
    a, b = mesh(crew)
    calls.pairs(a, b, rng.integers(2, 6, len(a)), NIGHT, 140)
    lookalikes.append(("night_shift", crew))
    dealer = take(16)  # a lone dealer and his buyers
    calls.pairs(dealer[1:], np.full(15, dealer[0]), rng.integers(1, 4, 15), NIGHT, 30,
                forward=0.9, lognormal=False)
    lookalikes.append(("lone_dealer", dealer))
    # everybody else: households of 2..5, coworkers, friends
    rest = np.array(pool, dtype=np.int64)
    sizes = rng.integers(2, 6, len(rest))
    ends = np.cumsum(sizes)
    for h in np.split(rest, ends[ends < len(rest)]):
        if len(h) >= 2:
            a, b = mesh(h)
            calls.pairs(a, b, rng.integers(1, 5, len(a)), EVENING, 240)
    allnums = np.arange(numbers)
    work = rng.permutation(allnums)
    for w in np.split(work, np.arange(12, numbers, 12)):
        a = rng.choice(w, size=len(w))
        b = rng.choice(w, size=len(w))
        calls.pairs(a, b, rng.integers(1, 3, len(w)), WORKDAY, 90)
    fa = rng.choice(allnums, size=numbers)
    fb = rng.choice(allnums, size=numbers)
    calls.pairs(fa, fb, rng.integers(1, 3, numbers), EVENING, 200)
    riders = rng.choice(allnums, size=70, replace=False)
    calls.pairs(riders, np.full(70, taxi), np.ones(70, np.int64), ANY, 35, forward=1.0)
    subs = rng.choice(allnums, size=90, replace=False)
    calls.pairs(subs, np.full(90, carrier), np.ones(90, np.int64), WORKDAY, 150, forward=1.0)

    # handset switches in the first rings (the third one is its organizer)
    truth_switches = []
    for k in range(switches):
        g = ring_sets[k]
        old = int(g[0] if k == 2 else g[1 + k % (len(g) - 1)])
        at = int((4 + k) * DAY + rng.integers(8, 14) * 3600)
        calls.switch(old, news[k], at)
        contact = int(g[0] if old != g[0] else g[1])
        calls.add(news[k], contact, at - DAY + 3600, 20)            # the new SIM tried early
        calls.add(news[k], carrier, at - DAY + 5400, 60)
        calls.add(old, contact, at + int(1.5 * DAY), 15)             # one more from the old
        ring_sets[k] = np.append(g, news[k])
        truth_switches.append((str(table[old]), str(table[news[k]])))
    # decoy: a household number that goes quiet, an unrelated newcomer the same day
    quiet = int(rest[0])
    for p in calls.parts:
        caller, callee, t, _ = p
        gone = ((caller == quiet) | (callee == quiet)) & (t >= 5 * DAY)
        p[2][gone] = p[2][gone] - 3 * DAY
    strangers = rng.choice(rest[10:], size=4, replace=False)
    calls.pairs(np.full(4, decoy_new), strangers, rng.integers(2, 4, 4), EVENING, 180)
    for p in calls.parts:  # the newcomer starts on day 5
        caller, callee, t, _ = p
        mine = (caller == decoy_new) | (callee == decoy_new)
        p[2][mine] = 5 * DAY + t[mine] % (5 * DAY)

    out.mkdir(parents=True, exist_ok=True)
    ncalls = calls.write(out / "calls_2024-05.csv", START, local_share=0.6, cells=60,
                         time_style="compact")
    return {
        "entity": "number",
        "rings": [sorted(table[g].tolist()) for g in ring_sets],
        "organizers": {i: str(table[g[0]]) for i, g in enumerate(ring_sets) if i != 2},
        "switches": truth_switches,
        "decoy": (str(table[quiet]), str(table[decoy_new])),
        "lookalikes": [{"kind": k, "members": sorted(table[g].tolist())} for k, g in lookalikes],
        "hubs": [str(table[taxi]), "10086"],
        "numbers": int(len(table)),
        "calls": ncalls,
    }
