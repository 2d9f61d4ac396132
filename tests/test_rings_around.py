"""The groups around known targets of a one-sided export (``rings --around``), on small
hand-built graphs: a member of one target's ring who called another target twice does not
make the two rings one (the one-sided export of seed 4 had merged two rings that way);
a contact tied strongly to both targets still does."""

from __future__ import annotations

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
