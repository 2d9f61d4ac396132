"""Ring scores are on [0, 1) and comparable (issue 17), on small hand-built graphs: a ring held
by a money pattern that also calls, was arrested together and meets scored above 1 before
(the pattern's weight was added to the raw components of its other kinds); now it is scored
as any ring, the pattern standing in for money, and scores above the knee keep their order."""

from __future__ import annotations

import numpy as np
import pytest

from tests.cases import fused_graph
from workbench.analysis.patterns import add_patterns, pattern_strength
from workbench.rings.scoring import baseline, score_group
from workbench.rings.search import RingResult

MEMBERS = [0, 1, 2, 3]
EVERYTHING = {"n_calls": 12, "n_night": 12, "n_short": 12, "n_cases": 1,
              "n_trafficking_cases": 1, "n_meet": 6, "meet_weight": 40.0}


def _case(money: bool = True, everything: bool = True, n: int = 60):
    """Four persons who call at night, were arrested in one trafficking case and met six
    times (or only pay: ``everything=False``), and a quiet town around them."""
    links = {}
    if everything:
        for a in MEMBERS:
            for b in MEMBERS[a + 1:]:
                links[(a, b)] = dict(EVERYTHING)
        for i in range(10, n - 1):
            links[(i, i + 1)] = {"n_calls": 10, "n_short": 2, "n_meet": 1,
                                 "meet_weight": 1.0 + 0.01 * i}
    if money:
        for i in range(10, n - 3, 3):
            links[(i, i + 2)] = {"n_uv_tx": 2, "total_uv": 300.0}
        for a, b in zip(MEMBERS, MEMBERS[1:], strict=False):
            links[(a, b)] = {**links.get((a, b), {}), "n_uv_tx": 1, "total_uv": 5000.0}
    g = fused_graph(links, n)
    if everything:
        g.node["drug_arrests"][MEMBERS] = 1
    return g


def _pattern(score: float) -> dict:
    accounts = [f"A{m}" for m in MEMBERS]
    hops = zip(accounts, accounts[1:] + accounts[:1], strict=True)
    transfers = [{"from": a, "to": b, "amount": "5000", "currency": "CNY", "at": f"t{k}",
                  "file": "transactions.csv", "line": k + 2} for k, (a, b) in enumerate(hops)]
    return {"kind": "cycle", "score": score, "accounts": accounts, "amount": {"CNY": "20000"},
            "first": "t0", "last": "t3", "evidence": {"roles": {"order": accounts},
                                                      "transfers": transfers}}


def _pattern_ring(g, score: float, candidates: int = 1000):
    result = RingResult(rings=[], params={})
    persons = {f"A{m}": str(g.ids[m]) for m in MEMBERS}
    add_patterns(result, g, [_pattern(score)], persons, candidates=candidates,
                 base=baseline(g))
    (ring,) = result.rings
    return ring


def test_a_pattern_ring_that_shows_every_kind_scores_below_one():
    g = _case()
    ring = _pattern_ring(g, 30.0)
    assert ring.tier == "calls+money-pattern+arrests+copresence"
    assert 0.9 < ring.score < 1.0  # was 1.39: the pattern's weight on raw components
    assert 0.0 <= ring.components["tier_score"] <= 1.0


def test_pattern_ring_scores_follow_the_pattern_and_do_not_tie():
    g = _case()
    scores = [_pattern_ring(g, s).score for s in (3.0, 6.0, 30.0, 300.0)]
    assert all(0.0 <= x < 1.0 for x in scores)
    assert all(a < b for a, b in zip(scores, scores[1:], strict=False))


def test_a_money_only_pattern_ring_scores_its_strength():
    """A case whose only evidence is money: the pattern's strength is the ring's score."""
    g = _case(everything=False)
    assert tuple(baseline(g).kinds) == ("money",)
    ring = _pattern_ring(g, 6.0)
    assert ring.tier == "money-pattern"
    assert ring.score == pytest.approx(pattern_strength(6.0, 1000), abs=1e-4)


def test_a_ring_at_full_strength_stays_below_one_without_ties():
    """Meetings add on top of the other kinds: bounded above the knee, order kept."""
    from workbench.rings.scoring import KNEE, bounded

    g = _case()
    score, comp, ev, _ = score_group(g, np.array(MEMBERS), baseline(g))
    assert "copresence" in ev["tier"] and comp["breadth"] == 1.0
    assert KNEE < score < 1.0
    assert bounded(KNEE) == KNEE and bounded(0.5) == 0.5
    assert bounded(1.1) < bounded(1.2) < 1.0
