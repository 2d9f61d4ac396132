"""A wiretap case: a few tapped targets, calls only, an organizer who calls sixty people.

110 persons. The organizer runs three cells (a lieutenant and two or three sellers each);
the organizer, the lieutenants and the sellers are the tapped targets, so every call in the
export touches one of them. Sixty buyers call a seller a few times; about forty others
(his wife, relatives, friends, a lawyer, a supplier, a car dealer) call the organizer now and
then. The organizer thus has ~60 counterparts who mostly never call each other, the shape
that a degree rule mistakes for a taxi line. The carrier's ``10086`` is called by a few
targets. Persons and phones come as a police export (Chinese headers, GB18030), the calls as
a carrier export with Chinese headers, slash timestamps and mixed number spellings.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from . import write_csv
from .calls import ANY, EVENING, NIGHT, Calls, mesh, mobiles
from .county import _names

START = dt.datetime(2024, 3, 1)
DAYS = 120


def wiretap(out: Path, *, seed: int = 0, cells: tuple[int, ...] = (3, 3, 2),
            buyers: int = 60, others: int = 38) -> dict:
    """Write the wiretap case into ``out``; return the truth (see :mod:`tests.shapes`)."""
    rng = np.random.default_rng(seed)
    boss = 0
    cell_members: list[np.ndarray] = []
    nxt = 1
    for sellers in cells:
        cell_members.append(np.arange(nxt, nxt + 1 + sellers))
        nxt += 1 + sellers
    buyer_ids = np.arange(nxt, nxt + buyers)
    other_ids = np.arange(nxt + buyers, nxt + buyers + others)
    n = nxt + buyers + others
    numbers = np.concatenate([mobiles(rng, n), np.array(["10086"])])
    carrier = n
    calls = Calls(numbers, rng, DAYS)
    deals = rng.choice(DAYS, size=10, replace=False)

    lieutenants = np.array([c[0] for c in cell_members])
    sellers_all = np.concatenate([c[1:] for c in cell_members])
    # the organizer and his lieutenants: many short calls, at night, around deals
    calls.pairs(np.full(len(lieutenants), boss), lieutenants,
                rng.integers(35, 55, len(lieutenants)), NIGHT, 50, forward=0.5,
                burst_days=deals, burst_share=0.5, lognormal=False)
    for cell in cell_members:
        lt, sellers = cell[0], cell[1:]
        calls.pairs(np.full(len(sellers), lt), sellers, rng.integers(20, 35, len(sellers)),
                    NIGHT, 40, burst_days=deals, burst_share=0.5, lognormal=False)
        a, b = mesh(sellers)
        calls.pairs(a, b, rng.integers(6, 12, len(a)), NIGHT, 40, lognormal=False)
    a, b = mesh(lieutenants)
    calls.pairs(a, b, rng.integers(2, 5, len(a)), ANY, 60)
    # the organizer checks on some sellers directly, now and then
    checked = sellers_all[rng.random(len(sellers_all)) < 0.75]
    calls.pairs(np.full(len(checked), boss), checked, rng.integers(2, 5, len(checked)), NIGHT,
                40, lognormal=False)
    # buyers call one seller (a fifth of them two) a few times; a dozen buy from the boss
    for b_ in buyer_ids:
        k = 1 + int(rng.random() < 0.2)
        for s in rng.choice(sellers_all, size=k, replace=False):
            calls.pairs([b_], [s], [int(rng.integers(2, 7))], EVENING, 30, forward=0.85,
                        lognormal=False)
    direct = rng.choice(buyer_ids, size=min(13, buyers), replace=False)
    calls.pairs(direct, np.full(len(direct), boss), rng.integers(1, 4, len(direct)), EVENING,
                30, forward=0.9, lognormal=False)
    # others around the organizer: wife (many long calls), relatives, friends, suppliers
    wife = other_ids[0]
    calls.pairs([boss], [wife], [90], EVENING, 300)
    calls.pairs(np.full(others - 1, boss), other_ids[1:], rng.integers(1, 9, others - 1),
                EVENING, 150)
    # sellers have families and friends too (few calls, long)
    for s in np.concatenate([lieutenants, sellers_all]):
        fam = rng.choice(other_ids[1:], size=2, replace=False)
        calls.pairs(np.full(2, s), fam, rng.integers(1, 4, 2), EVENING, 240)
    # the carrier's service line
    callers = np.concatenate([[boss], lieutenants])
    calls.pairs(callers, np.full(len(callers), carrier), rng.integers(1, 3, len(callers)),
                EVENING, 120, forward=1.0)

    out.mkdir(parents=True, exist_ok=True)
    ids = np.array([f"WT{i:04d}" for i in range(n)])
    names = _names(rng, n)
    write_csv(out / "persons.csv", ["人员编号", "姓名"], zip(ids, names, strict=True),
              encoding="gb18030")
    write_csv(out / "phones.csv", ["号码", "人员编号"],
              zip([p[3:] for p in numbers[:n]], ids, strict=True), encoding="gb18030")
    ncalls = calls.write(out / "calls.csv", START, chinese=True, local_share=0.5, cells=40,
                         time_style="slash")
    targets = np.concatenate([[boss], lieutenants, sellers_all])
    return {
        "entity": "person",
        "rings": [sorted(ids[c].tolist()) for c in cell_members],
        "organizers": {},
        "organizer": str(ids[boss]),
        "organizer_number": str(numbers[boss]),
        "lieutenants": ids[lieutenants].tolist(),
        "organization": sorted(ids[np.concatenate([[boss], *cell_members])].tolist()),
        "targets": ids[targets].tolist(),
        "buyers": ids[buyer_ids].tolist(),
        "lookalikes": [],
        "hubs": ["10086"],
        "persons": n,
        "calls": ncalls,
        "counterparts": int(3 + len(checked) + len(direct) + others),
    }
