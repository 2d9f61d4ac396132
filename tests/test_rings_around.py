"""The groups around known targets of a one-sided export (``rings --around``), on small
hand-built graphs: a member of one target's ring who called another target twice does not
make the two rings one (the one-sided export of seed 4 had merged two rings that way);
a contact tied strongly to both targets still does."""

from __future__ import annotations

from tests.cases import fused_graph
from workbench.rings.focus import rings_around

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
