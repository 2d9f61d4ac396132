"""A customer of two sellers is not a member of their cell (issue 17, small cells), on a
small hand-built calls-only case: a lieutenant and his two sellers (night, short calls, 23
to 29 with each seller, 10 between the sellers), each seller with his own buyers, and one
buyer who calls both sellers (6 calls with one, 2 with the other).

Before, the buyer joined the cell: his one link that is evidence (6 short calls) and his
weak tie to the other seller (2 calls) together reached the tie the cell's own members
have, so one evidence link and one weak tie earned him a place. In a wiretap this made the
seller the cell's organizer (he then called the most members), and the lieutenant, tied to
the organizer's group, was cut from his own cell as a broker (``benchmarks/shapes.py
--shapes wiretap --seed 5``). Now a newcomer's place is earned by the links that count alone.
"""

from __future__ import annotations

import numpy as np

from tests.cases import fused_graph
from workbench.rings import RingParams, find_rings

CELL = {"P00", "P01", "P02"}
CUSTOMER = "P03"


def _wiretap(*, second: int = 2, seed: int = 0):
    """P00 lieutenant, P01 and P02 his sellers; P03 calls P01 six times and P02 ``second``
    times; each seller has eight more buyers (3-6 calls); a second cell P04-P07 of the same
    make; households of three (long daytime calls) for the case's baseline."""
    rng = np.random.default_rng(seed)
    links: dict[tuple[int, int], dict] = {}

    def add(a: int, b: int, calls: int, night: int, short: int) -> None:
        links[(min(a, b), max(a, b))] = {"n_calls": calls, "n_night": night, "n_short": short}

    add(0, 1, 29, 23, 22)
    add(0, 2, 23, 18, 18)
    add(1, 2, 10, 8, 7)
    add(4, 5, 31, 25, 24)
    add(4, 6, 26, 21, 20)
    add(4, 7, 24, 19, 19)
    add(5, 6, 9, 7, 6)
    add(5, 7, 8, 6, 6)
    add(6, 7, 11, 9, 8)
    add(1, 3, 6, 1, 5)
    if second:
        add(2, 3, second, 1, second)
    n = 8
    for seller in (1, 2, 5, 6, 7):
        for _ in range(8):
            k = int(rng.integers(3, 7))
            add(seller, n, k, int(rng.integers(0, k + 1)), int(rng.integers(k // 2, k + 1)))
            n += 1
    for _ in range(12):  # households
        for a, b in ((n, n + 1), (n, n + 2), (n + 1, n + 2)):
            k = int(rng.integers(10, 30))
            add(a, b, k, k // 10, k // 8)
        n += 3
    return fused_graph(links, n)


def _cell(result):
    return max(result.rings, key=lambda r: len(CELL & set(r.members))
               / len(CELL | set(r.members)), default=None)


def test_a_customer_of_two_sellers_does_not_join_their_cell():
    result, _ = find_rings(_wiretap(), RingParams())
    ring = _cell(result)
    assert ring is not None and set(ring.members) == CELL, ring
    assert ring.leader == "P00"


def test_a_partner_with_strong_ties_still_joins():
    """The same newcomer calling the other seller as often as the sellers call each other
    is tied to the cell by two links that count: he joins."""
    result, _ = find_rings(_wiretap(second=12), RingParams())
    ring = _cell(result)
    assert ring is not None and set(ring.members) == CELL | {CUSTOMER}, ring
