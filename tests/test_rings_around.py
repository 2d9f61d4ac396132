"""The groups around known targets of a one-sided export (``rings --around``), on small
hand-built graphs: a member of one target's ring who called another target twice does not
make the two rings one (the one-sided export of seed 4 had merged two rings that way);
a contact tied strongly to both targets still does."""

from __future__ import annotations

import numpy as np

from tests.cases import fused_graph
from workbench.rings.focus import rings_around
from workbench.rings.search import Ring

RING = {"n_calls": 20, "n_night": 15, "n_short": 15}
STRAY = {"n_calls": 2, "n_night": 1}


def _export(link: dict):
    """Targets P00 and P01, their ring members (P10-P15, P20-P24) calling only them, and
    ``link`` between P20 and P00."""
    links = {(0, m): RING for m in range(10, 16)}
    links.update({(1, m): RING for m in range(20, 25)})
    links[(0, 20)] = link
    for i in range(30, 59):  # the rest of the export: others call the targets now and then
        links[(i % 2, i)] = {"n_calls": 3}
    return fused_graph(links, 60)


def test_a_stray_call_does_not_join_two_rings():
    result = rings_around(_export(STRAY), ["P00", "P01"])
    groups = sorted(sorted(r.members) for r in result.rings)
    assert groups == [["P00", *[f"P{m}" for m in range(10, 16)]],
                      ["P01", *[f"P{m}" for m in range(20, 25)]]]


def test_a_contact_tied_strongly_to_both_targets_joins_them():
    result = rings_around(_export(RING), ["P00", "P01"])
    assert len(result.rings) == 1
    assert {"P00", "P01", "P20"} <= set(result.rings[0].members)


def test_a_carrier_service_code_called_by_two_targets_does_not_join_their_rings():
    """A one-sided export shows the carrier's 10086 called by two targets only: too few
    callers to flag it a service, yet by its form (a 3 to 6 digit number) it is one; it
    joined two rings of seed 14's export into a group of 12."""
    links = {(0, m): RING for m in range(10, 16)}
    links.update({(1, m): RING for m in range(20, 25)})
    links.update({(0, 57): {"n_calls": 3}, (1, 57): {"n_calls": 2}})
    g = fused_graph(links, 60)
    g.ids[57] = "10086"
    groups = sorted(sorted(r.members) for r in rings_around(g, ["P00", "P01"]).rings)
    assert groups == [["P00", *[f"P{m}" for m in range(10, 16)]],
                      ["P01", *[f"P{m}" for m in range(20, 25)]]]


def test_a_target_in_a_found_ring_has_that_ring_as_its_group():
    """The search's ring holding a target is its group (its trimming decided who
    belongs); a target in no found ring gets a group by the contacts rule."""
    g = _export(STRAY)
    found = Ring(id="R-x", members=["P00", "P10", "P11", "P12"], leader="P00", score=0.4,
                 components={}, family=None, evidence={"tier": "calls"},
                 roles={"P00": "organizer"})
    result = rings_around(g, ["P00", "P01"], found=[found])
    groups = sorted(sorted(r.members) for r in result.rings)
    assert groups == [["P00", "P10", "P11", "P12"], ["P01", *[f"P{m}" for m in range(20, 25)]]]
    assert result.params["around_from_search"] == ["P00"]
    assert all(r.id.startswith("A-") for r in result.rings)


def test_a_target_calling_a_found_rings_target_joins_that_ring():
    """P01 calls P00, whose found ring holds P10-P12: P01 (and his strong contacts)
    join it, scored again; no target is left out of every group."""
    links = {(0, m): RING for m in range(10, 16)}
    links.update({(0, 1): RING, (1, 20): RING})
    g = fused_graph(links, 30)
    found = Ring(id="R-x", members=["P00", "P10", "P11", "P12"], leader="P00", score=0.4,
                 components={}, family=None, evidence={"tier": "calls"},
                 roles={"P00": "organizer"})
    result = rings_around(g, ["P00", "P01"], found=[found])
    (ring,) = result.rings
    assert {"P00", "P10", "P11", "P12", "P01", "P20"} <= set(ring.members)
    assert ring.roles["P01"] in ("target", "organizer")
    assert result.params["around_without_group"] == []


def test_a_target_with_too_few_ties_is_named_not_dropped():
    links = {(0, m): RING for m in range(10, 16)}
    links[(1, 20)] = RING  # P01 reaches one person: no group of three
    # X99: a target with no link in the graph at all (no call in the window)
    result = rings_around(fused_graph(links, 30), ["P00", "P01", "X99"])
    assert [sorted(r.members)[0] for r in result.rings] == ["P00"]
    assert result.params["around_without_group"] == ["P01"]
    assert result.params["around_not_in_graph"] == ["X99"]
    assert result.params["around"] == ["P00", "P01", "X99"]  # everything asked for


def test_stray_calls_to_two_found_rings_targets_do_not_merge_them():
    """P02 calls each of two found rings' targets once and has four men of his own: the
    search kept the rings apart, so they stay as found, and P02 keeps his own group."""
    links = {(0, m): RING for m in range(10, 16)}
    links.update({(1, m): RING for m in range(20, 26)})
    links.update({(2, m): RING for m in range(40, 44)})
    links.update({(2, 0): {"n_calls": 1}, (2, 1): {"n_calls": 1}})
    for i in range(30, 40):
        links[(i % 3, i)] = {"n_calls": 2}
    g = fused_graph(links, 50)

    def ring(lead, men):
        return Ring(id="R-x", members=[lead, *men], leader=lead, score=0.5, components={},
                    family=None, evidence={"tier": "calls"}, roles={lead: "organizer"})

    a = ring("P00", [f"P{m}" for m in range(10, 16)])
    b = ring("P01", [f"P{m}" for m in range(20, 26)])
    result = rings_around(g, ["P00", "P01", "P02"], found=[a, b])
    groups = sorted(sorted(r.members) for r in result.rings)
    assert groups == sorted([sorted(a.members), sorted(b.members),
                             ["P02", "P40", "P41", "P42", "P43"]])
    assert result.params["around_from_search"] == ["P00", "P01"]


def test_a_person_whose_id_looks_like_a_service_code_is_not_one():
    """Person ids are free text: a ring member with id 10010 is a person (held), not the
    carrier's line; only a number no person holds is a service by its form."""
    links = {(0, m): RING for m in range(10, 16)}
    for i in range(30, 42):
        links[(0, i)] = {"n_calls": 3}
    g = fused_graph(links, 60)
    for m in range(10, 16):
        g.ids[m] = f"100{m}"
    g.node["number_only"] = np.zeros(g.n, dtype=np.int64)
    (ring,) = rings_around(g, ["P00"]).rings
    assert sorted(ring.members) == sorted(["P00", *(f"100{m}" for m in range(10, 16))])
