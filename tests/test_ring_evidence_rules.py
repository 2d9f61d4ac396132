"""The evidence rules a ring's score rests on, on small hand-built graphs (issue 17): a star
is a seller and his customers, money flows to one member from two or more, a call pattern
needs three calls, kin paying one of theirs is family support, a strong meeting pair is beyond
chance among all the case's meeting pairs; and key players on an organization seen only at
its summits (a generated case)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.cases import fused_graph
from workbench.graph.fused import CaseGraph, number_only
from workbench.rings.scoring import PATTERN_CALLS, baseline, score_group


def _graph(links: dict[tuple[int, int], dict], n: int) -> CaseGraph:
    """A fused graph of ``n`` persons from ``{(u, v): measures}``, with a quiet background
    (pairs ``(i, i + 1)`` among the others, ten daytime calls of ordinary length each) so
    that the case's baseline night and short shares are low."""
    links = dict(links)
    for i in range(10, n - 1):
        links.setdefault((i, i + 1), {"n_calls": 10, "n_short": 2})
    return fused_graph(links, n)


NIGHT_SHORT = {"n_calls": 6, "n_night": 6, "n_short": 6}


def test_a_star_is_a_seller_and_his_customers():
    """Night calls from three buyers to one dealer, none among the buyers: one signal's
    breadth; one call pattern among two of them makes it a group."""
    star = {(0, 1): NIGHT_SHORT, (0, 2): NIGHT_SHORT, (0, 3): NIGHT_SHORT}
    g = _graph(star, 30)
    _score, comp, ev, _ = score_group(g, np.array([0, 1, 2, 3]), baseline(g))
    assert ev["star"] and comp["breadth"] == pytest.approx(0.7)
    g = _graph({**star, (1, 2): NIGHT_SHORT}, 30)
    _score, comp, ev, _ = score_group(g, np.array([0, 1, 2, 3]), baseline(g))
    assert not ev["star"] and comp["breadth"] == 1.0


def test_a_cell_of_three_is_no_star():
    """An organizer calling his two men at night, who do not call each other: three persons
    linked at all are linked through one, so two spokes say nothing of customers (a
    calls-only county, seed 21, ranked such a planted cell below three night-shift and
    friends' groups when it counted as a star)."""
    g = _graph({(0, 1): NIGHT_SHORT, (0, 2): NIGHT_SHORT}, 30)
    _score, comp, ev, _ = score_group(g, np.array([0, 1, 2]), baseline(g))
    assert not ev["star"] and comp["breadth"] == 1.0
    # a fourth member with no link inside adds no spoke: still two
    _score, comp, ev, _ = score_group(g, np.array([0, 1, 2, 5]), baseline(g))
    assert not ev["star"]


def test_money_flows_to_one_member_from_two():
    """In a group of three, one payment between two friends is no flow; both paying the
    third is."""
    calls = {"n_calls": 8, "n_short": 2}
    one = {(0, 1): {**calls, "n_uv_tx": 1, "total_uv": 300.0}, (0, 2): calls, (1, 2): calls}
    g = _graph(one, 30)
    _score, comp, ev, _ = score_group(g, np.array([0, 1, 2]), baseline(g))
    assert comp["money"] == 0.5 and ev["payers_to_top"] == 1 and "money" not in ev["tier"]
    two = {**one, (1, 2): {**calls, "n_vu_tx": 2, "total_vu": 900.0}}  # 2 pays 1 as well
    g = _graph(two, 30)
    _score, comp, ev, _ = score_group(g, np.array([0, 1, 2]), baseline(g))
    assert ev["payers_to_top"] == 2 and "money" in ev["tier"].split("+")



def test_kin_paying_one_of_theirs_is_family_support():
    """A parent whose two grown children pay her every month and call her briefly: money from
    kin alone is family support, no kind of ring evidence (a group of one kind, ranked after
    the rings of two; it still counts in the score); a hired hand paying her as well makes
    it money flowing to one member (a family-based ring)."""
    calls = {"n_calls": 7, "n_night": 1, "n_short": 5, "kin": 1}
    family = {(0, 1): {**calls, "n_vu_tx": 6, "total_vu": 6000.0},  # child 1 pays parent 0
              (0, 2): {**calls, "n_vu_tx": 6, "total_vu": 9000.0},  # child 2 pays parent 0
              (1, 2): calls}
    g = _graph(family, 30)
    _score, comp, ev, _ = score_group(g, np.array([0, 1, 2]), baseline(g))
    assert comp["call_pattern"] >= 0.25 and "calls" in ev["tier"].split("+")
    assert comp["money"] == 1.0 and ev["payers_to_top"] == 2
    assert ev["tier"] == "calls" and comp["kinds"] == 1
    hand = {**family, (0, 3): {"n_calls": 7, "n_night": 5, "n_short": 5,
                               "n_vu_tx": 4, "total_vu": 8000.0}}
    g = _graph(hand, 30)
    _score, comp, ev, _ = score_group(g, np.array([0, 1, 2, 3]), baseline(g))
    assert ev["payers_to_top"] == 3 and comp["money"] == 1.0
    assert ev["tier"] == "calls+money"

def test_a_call_pattern_needs_three_calls():
    """One or two brief night calls are no pattern; three are."""
    for calls, pattern in ((PATTERN_CALLS - 1, False), (PATTERN_CALLS, True)):
        few = {"n_calls": 1, "n_night": 1, "n_short": 1}
        links = {(0, 1): {**few, "n_calls": calls - 1, "n_night": calls - 1,
                          "n_short": calls - 1}, (1, 2): few, (0, 2): {"kin": 1}}
        g = _graph(links, 30)
        _score, comp, ev, _ = score_group(g, np.array([0, 1, 2]), baseline(g))
        assert ev["calls"] == calls
        assert (comp["call_pattern"] > 0) is pattern


def test_strong_meeting_pairs_are_beyond_chance_among_all_pairs():
    """Many pairs who met once at ordinary strength, a few who met twice: the strong-pair
    threshold is at least log10 of the number of meeting pairs (fewer than one pair that
    strong by chance) and the outlier rule; a ring's pairs stay above it."""
    rng = np.random.default_rng(0)
    links = {}
    for i in range(10, 6010):  # one-off meetings of strength 1.5-2
        links[(i, i + 1)] = {"n_meet": 1, "meet_weight": float(rng.uniform(1.5, 2.0))}
    for i in range(10, 40, 3):  # friends who met twice at their KTV
        links[(i, i + 2)] = {"n_meet": 2, "meet_weight": 3.6}
    for a in range(5):  # a ring that met a dozen times
        for b in range(a + 1, 5):
            links[(a, b)] = {"n_meet": 12, "meet_weight": 12.0}
    g = _graph(links, 6020)
    base = baseline(g)
    met = g.measures["meet_weight"][g.measures["n_meet"] > 0]
    q1, q3 = np.quantile(met, [0.25, 0.75])
    assert base.meet_strong == pytest.approx(max(q3 + 3 * (q3 - q1), np.log10(len(met))))
    assert np.log10(len(met)) > q3 + 3 * (q3 - q1)  # the outlier rule alone: 2.7
    assert 3.6 < base.meet_strong < 12.0


@pytest.mark.slow
def test_summit_bosses_rank_at_least_as_high_as_by_co_attendance(tmp_path):
    """An organization seen only at its summits (seed 4: the seed where ``rank`` had fallen
    below the naive count): at least as many bosses in the top 20 of the key-player ranking
    as in the top 20 by co-attendance degree, and no noise person (staff, relatives, diners)
    among them."""
    from tests.casegen.score_key_players import baselines, expected_hits, meetings
    from tests.casegen.summits import write_summits
    from workbench.case.facade import Case

    truth = write_summits(tmp_path / "case", 4)
    case = Case(tmp_path / "case.duckdb")
    case.ingest([tmp_path / "case"])
    bosses = set(truth["bosses"])
    order = case.rank(top=None)["person_id"].tolist()
    top = order[:20]
    degree = baselines(meetings(tmp_path / "case"))["degree"]
    assert sum(p in bosses for p in top) >= expected_hits(degree, bosses, 20)
    noise = {p for ps in truth["noise"].values() for p in ps}
    assert not noise.intersection(top)


def test_a_member_known_only_by_a_number_does_not_dilute_money_and_arrests():
    """Two members pay the leader, both arrested for drugs; the fourth member is a number
    nobody holds (an unknown subscriber, a record left unresolved): calls and nothing
    else. The money and arrest shares count the three who could show them; a fourth who
    is a person and shows neither dilutes them."""
    calls = {"n_calls": 8, "n_night": 6, "n_short": 6}
    paid = {**calls, "n_vu_tx": 3, "total_vu": 900.0}  # v pays u
    links = {(0, 1): paid, (0, 2): paid, (1, 2): calls, (0, 3): calls, (1, 3): calls}
    g = _graph(links, 30)
    g.node["drug_arrests"][[1, 2]] = 1
    person = score_group(g, np.array([0, 1, 2, 3]), baseline(g))
    g.ids[3] = "+8613700000001"
    g.node["number_only"] = number_only(g.ids, np.ones(30, dtype=np.int64) - (
        np.arange(30) == 3))
    number = score_group(g, np.array([0, 1, 2, 3]), baseline(g))
    assert person[1]["money"] == pytest.approx(2 / 3, abs=1e-4)
    assert person[1]["drug_arrests"] == pytest.approx(2 / 4)
    assert number[1]["money"] == 1.0 and number[1]["drug_arrests"] == pytest.approx(2 / 3, abs=1e-4)
    assert number[1]["cohesion"] == person[1]["cohesion"] and number[0] > person[0]
