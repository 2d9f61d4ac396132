"""Growing a ring must not let an outsider dissolve the evidence that holds it (issue 17),
on small hand-built graphs: five people who meet just above the case's strong-meeting
threshold and never call or pay each other, and a tenant paying one of them rent 24 times.

Before, the tenant joined the group on his money (a tie far stronger than its meetings),
the share of pairs who meet fell, and the ring was no longer reported. Money alone joins a
ring only where the ring's own money moves: the same tenant paying a member whom other
members pay is one more payer of the ring's receiver.
"""

from __future__ import annotations

import numpy as np

from tests.cases import fused_graph
from workbench.graph.fused import CaseGraph, LayerWeights
from workbench.rings import RingParams, find_rings

RING = {f"P{i:04d}" for i in range(5)}
TENANT = "P0005"


def _town(*, tenant: bool, members_pay: bool = False, n_households: int = 150,
          seed: int = 0) -> CaseGraph:
    """Households of four (kin, long daytime calls), friends across them, one-off meetings of
    hotel guests; P0000-P0004 head five households and meet each other four times, just
    above the strong-pair threshold; P0005 heads a sixth and pays P0000 rent 24 times."""
    rng = np.random.default_rng(seed)
    links: dict[tuple[int, int], dict] = {}

    def add(a: int, b: int, **measures) -> None:
        d = links.setdefault((min(a, b), max(a, b)), {})
        for k, x in measures.items():
            d[k] = d.get(k, 0) + x

    households = [list(range(10 + 4 * h, 14 + 4 * h)) for h in range(n_households)]
    for h in range(6):
        households[h][0] = h
    n = 10 + 4 * n_households
    for house in households:
        for i, a in enumerate(house):
            for b in house[i + 1:]:
                add(a, b, n_calls=25, n_short=3, n_night=1, kin=1)
    people = [p for house in households for p in house]
    for a in people:
        for b in rng.choice(people, 3, replace=False).tolist():
            if b != a:
                add(a, b, n_calls=6, n_short=1)
    for _ in range(3000):  # hotel guests met once
        a, b = rng.choice(people, 2, replace=False).tolist()
        add(a, b, n_meet=1, meet_weight=float(rng.uniform(1.0, 2.0)))
    for _ in range(40):  # friends met twice
        a, b = rng.choice(people, 2, replace=False).tolist()
        add(a, b, n_meet=2, meet_weight=3.0)
    met = np.array([d["meet_weight"] for d in links.values() if d.get("n_meet")])
    q1, q3 = np.quantile(met, [0.25, 0.75])
    strong = max(q3 + 3 * (q3 - q1), np.log10(len(met) + 10))  # baseline's rule, 10 more
    for a in range(5):
        for b in range(a + 1, 5):
            add(a, b, n_meet=4, meet_weight=round(1.05 * strong, 3))
    if members_pay:
        add(0, 1, n_vu_tx=3, total_vu=2400.0)
        add(0, 2, n_vu_tx=3, total_vu=2700.0)
    if tenant:
        add(0, 5, n_vu_tx=24, total_vu=24 * 1200.0)
    return fused_graph(links, n, LayerWeights())


def _best(result):
    def jac(r):
        return len(RING & set(r.members)) / len(RING | set(r.members))
    return max(result.rings, key=jac, default=None)


def test_a_tenant_does_not_dissolve_a_ring_that_meets():
    g = _town(tenant=True)
    result, _ = find_rings(g, RingParams())
    assert result.params["baseline"]["meet_strong"] > 0
    ring = _best(result)
    assert ring is not None and set(ring.members) == RING, ring
    assert ring.tier == "copresence" and ring.components["copresence"] >= 0.5


def test_a_tenant_of_the_rings_receiver_is_one_more_payer():
    """Where members pay P0000, the tenant's rent joins the ring's own flow of money."""
    g = _town(tenant=True, members_pay=True)
    result, _ = find_rings(g, RingParams())
    ring = _best(result)
    assert ring is not None and set(ring.members) == RING | {TENANT}
    assert "money" in ring.tier.split("+") and "copresence" in ring.tier.split("+")


def test_growth_helpers_give_numpys_values_bit_for_bit():
    """The growth's median and unique are numpy's, exactly (rings must not change)."""
    import numpy as np

    from workbench.rings.arrays import median_of, unique_inverse

    rng = np.random.default_rng(5)
    for n in [1, 2, 3, 4, 7, 8, 9, 16, 33, 250] * 20:
        x = rng.random(n) * rng.choice([1e-3, 1.0, 1e6])
        x = np.round(x, 2) if n % 2 else x  # ties too
        assert median_of(x) == float(np.median(x))
        y = rng.integers(0, max(2, n // 2), n)
        values, inverse = unique_inverse(y)
        expected = np.unique(y, return_inverse=True)
        assert values.tolist() == expected[0].tolist()
        assert inverse.tolist() == expected[1].tolist()


def _merge_from_scratch(g, cores, trim, max_size):
    """The rule of merge_fragments, restarted from the best core after every join."""
    import numpy as np

    from workbench.rings.scoring import reference, ties_within

    cores = [list(c) for c in cores]
    while True:
        owner = {i: k for k, c in enumerate(cores) for i in c}
        for a, core in enumerate(cores):
            linked = {owner.get(j, -1) for j in np.unique(g.star(core)[1]).tolist()}
            hit = next((b for b in sorted(x for x in linked if x > a)
                        if len(core) + len(cores[b]) <= max_size
                        and float(np.mean(ties_within(g, cores[b], core)))
                        >= reference(g, core, trim)), None)
            if hit is not None:
                need = reference(g, core, trim)
                other = cores.pop(hit)
                come = ties_within(g, other, core + other) >= need
                cores[a] = core + [x for x, c in zip(other, come, strict=True) if c]
                break
        else:
            return cores


def test_fragments_merge_as_the_rule_restarted_after_every_join():
    """merge_fragments skips cores whose answer a join cannot have changed: the same joins
    as starting the scan over after each one, on random fragmented groups."""
    import numpy as np

    from workbench.graph.fused import CaseGraph
    from workbench.rings.fragments import merge_fragments

    rng = np.random.default_rng(11)
    joins = 0
    for _ in range(30):
        n = 60
        group = rng.integers(0, 8, n)
        pairs = {(int(a), int(b)) for a, b in rng.integers(0, n, (400, 2)) if a < b}
        u, v = (np.array(x) for x in zip(*sorted(pairs), strict=True))
        w = np.where(group[u] == group[v], rng.uniform(1, 4, len(u)), rng.uniform(0, 1.2, len(u)))
        g = CaseGraph(ids=np.array([f"n{i}" for i in range(n)], dtype=object), u=u, v=v,
                      weight=w, strength={}, measures={})
        order = rng.permutation(n)
        cores = [sorted(order[i:i + 3].tolist()) for i in range(0, n - 2, 3)]
        got = merge_fragments(g, [list(c) for c in cores], 0.35, 12)
        assert got == _merge_from_scratch(g, cores, 0.35, 12)
        joins += len(cores) - len(got)
    assert joins >= 20


def _family_and_fragment():
    """A family ring P00-P06 (every pair calls at night and pays), and a lower-ranked
    fragment: member P06 with two buyers P07, P08 who call and pay P06 alone."""
    links: dict[tuple[int, int], dict] = {}
    for a in range(7):
        for b in range(a + 1, 7):
            links[(a, b)] = {"n_calls": 20, "n_night": 8, "n_short": 12, "n_vu_tx": 4,
                             "total_vu": 40000.0, "kin": int(b - a == 1)}
    for buyer in (7, 8):
        links[(6, buyer)] = {"n_calls": 4, "n_short": 4, "n_vu_tx": 2, "total_vu": 1000.0}
    return fused_graph(links, 9, LayerWeights())


def test_a_fragment_held_by_one_member_brings_in_only_him():
    """Seed 35's family ring took in two buyers of one member: a finer resolution had put
    that member with his buyers, and the fragment joined the family because its members'
    mean tie to the family (his alone: the buyers have none) reached the family's own.
    The fragment still joins, but only its members tied to the joined group as strongly
    as a newcomer must be (the rule of :func:`~workbench.rings.growth.grow`) come along:
    the member, not his buyers."""
    from workbench.rings.fragments import merge_fragments

    g = _family_and_fragment()
    p = RingParams()
    merged = merge_fragments(g, [[0, 1, 2, 3, 4, 5], [6, 7, 8]], p.trim, p.max_size)
    assert merged == [[0, 1, 2, 3, 4, 5, 6]]
    # a ring split in two halves whose members all call the other half joins whole
    halves = merge_fragments(g, [[0, 1, 2, 3], [4, 5, 6]], p.trim, p.max_size)
    assert halves == [[0, 1, 2, 3, 4, 5, 6]]
