"""Two cells whose every share saturates do not tie: known answers on a hand-built case.

Cells A and B: three members each, 24 calls among them, every call at night and short, both
other members pay the third. Their call pattern, cohesion and money components are all 1;
before, their calls-per-pair intensity was equal too and the scores tied exactly (seed 571
of the evidence benchmark at 10,000 persons). B's members pay their top four times each,
A's twice: more money moves in B, and ``money_intensity`` (amount per paying pair against
the case's, :mod:`workbench.rings.scoring`) weighs it, so B ranks first; without that
component the two tied exactly (three other tries and their side effects:
benchmarks/RESULTS.md, issue 17, "Exact ties").
Around them, 40 friend pairs call by evening, long, and some pay each other once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_services_busy import write_case
from workbench.case.facade import Case

CELLS = {"A": ["A1", "A2", "A3"], "B": ["B1", "B2", "B3"]}
PAYS = {"A": 2, "B": 4}


def _case(d: Path) -> Case:
    friends = [f"F{i:02d}" for i in range(80)]
    people = friends + CELLS["A"] + CELLS["B"]
    phone = {p: f"+8613{700000000 + i:09d}" for i, p in enumerate(people)}
    calls, tx = [], []
    for i in range(0, 80, 2):
        a, b = phone[friends[i]], phone[friends[i + 1]]
        for k in range(5):
            calls.append((a, b, f"2024-03-{1 + k:02d} 19:{i:02d}:00", 240))
        if i % 4 == 0:
            tx.append((f"acct{friends[i]}", f"acct{friends[i + 1]}", 200, "2024-03-09 12:00:00"))
    for name, (x, y, z) in CELLS.items():
        for k in range(24):
            u, v = [(x, y), (y, z), (x, z)][k % 3]
            calls.append((phone[u], phone[v], f"2024-03-{1 + k:02d} 0{1 + k % 3}:1{k % 10}:00",
                          25 + k % 20))
        for payer in (y, z):
            for k in range(PAYS[name]):
                tx.append((f"acct{payer}", f"acct{x}", 500 + 10 * k,
                           f"2024-03-{2 + 5 * k:02d} 1{k}:00:00"))
    return write_case(d, calls, people, phone, accounts={p: f"acct{p}" for p in people},
                      transfers=tx)


@pytest.fixture(scope="module")
def rings(tmp_path_factory):
    return _case(tmp_path_factory.mktemp("saturated")).rings().rings


def test_saturated_cells_do_not_tie_more_money_ranks_first(rings):
    by_cell = {name: next(r for r in rings if set(r.members) == set(members))
               for name, members in CELLS.items()}
    a, b = by_cell["A"], by_cell["B"]
    for r in (a, b):  # every share saturated, the same calls
        assert r.components["call_pattern"] == r.components["cohesion"] == 1.0
        assert r.components["money"] == 1.0 and r.evidence["calls"] == 24
    assert b.score > a.score
    assert rings.index(b) < rings.index(a)
