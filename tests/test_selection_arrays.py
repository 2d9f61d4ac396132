"""The ring selection's array routines give the answers of the loops they replace, on fuzzed
graphs: the adjacency (a stable sort), the cores grown all at once (the loop of ``grow`` in
order, ``taken`` and all), references, suppliers, tied members, final scores with evidence,
brokers, reach and broker members (the one-node rules of :mod:`workbench.rings.scoring`).
"""

from __future__ import annotations

import copy
import hashlib

import numpy as np
import pytest

from tests.cases import fused_graph
from workbench.graph.fused import CaseGraph, LayerWeights
from workbench.rings.arrays import (
    group_quantile,
    median_of,
    money_links,
    suppliers_in,
    suppliers_of,
)
from workbench.rings.batch import scored_groups
from workbench.rings.brokers import brokers_of, reach_of, ring_ties, separate_brokers
from workbench.rings.candidates import organizers
from workbench.rings.family import family_of
from workbench.rings.growth import (
    _kinds,
    grow,
    grow_cores,
    references,
    tied_members,
)
from workbench.rings.scoring import (
    baseline,
    holds,
    is_supplier,
    reference,
    reference_of,
    score_group,
    ties,
)
from workbench.rings.search import Ring, _link_flags

SEEDS = [1, 2, 3, 4, 5, 6]


def _town(seed: int, n: int = 160, groups: int = 14) -> CaseGraph:
    """Planted groups (frequent night calls, members paying one of them, some kin, some
    meetings) among persons who call, pay and meet at random; weights in few values, so
    that ties and means land exactly on the bars too."""
    rng = np.random.default_rng(seed)
    links: dict[tuple[int, int], dict] = {}

    def add(a: int, b: int, **measures) -> None:
        if a == b:
            return
        d = links.setdefault((min(a, b), max(a, b)), {})
        for k, x in measures.items():
            d[k] = d.get(k, 0) + x

    order = rng.permutation(n)
    size = 5
    for r in range(groups):
        members = order[r * size:(r + 1) * size].tolist()
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if rng.random() < 0.8:
                    calls = int(rng.integers(2, 7))
                    add(a, b, n_calls=calls, n_night=int(rng.integers(0, calls + 1)),
                        n_short=int(rng.integers(0, calls + 1)), kin=int(rng.random() < 0.2))
            if i and rng.random() < 0.6:  # members pay the first
                add(a, members[0], **({"n_uv_tx": 2} if a < members[0] else {"n_vu_tx": 2}),
                    **({"total_uv": 900.0} if a < members[0] else {"total_vu": 900.0}))
    for a, b in rng.integers(0, n, (4 * n, 2)).tolist():
        calls = int(rng.integers(1, 6))
        add(a, b, n_calls=calls, n_short=int(rng.integers(0, calls + 1)))
    for a, b in rng.integers(0, n, (n // 2, 2)).tolist():  # payments, either way
        add(a, b, n_uv_tx=int(rng.integers(0, 3)), n_vu_tx=int(rng.integers(0, 3)),
            total_uv=100.0, total_vu=50.0)
    for a, b in rng.integers(0, n, (n // 3, 2)).tolist():
        add(a, b, n_meet=int(rng.integers(1, 4)), meet_weight=float(rng.integers(1, 8)))
    for a, b in rng.integers(0, n, (n // 8, 2)).tolist():
        add(a, b, n_cases=1, n_trafficking_cases=int(rng.random() < 0.5))
    return fused_graph(links, n, LayerWeights())


def _cores(g: CaseGraph, rng, count: int = 24) -> list[list[int]]:
    """Disjoint groups of 3 to 6 linked nodes (around random seeds), best first."""
    taken: set[int] = set()
    cores = []
    for seed in rng.permutation(g.n).tolist():
        if seed in taken:
            continue
        nbr = [j for j in g.neighbours(seed)[0].tolist() if j not in taken]
        pick = [seed] + rng.permutation(nbr)[:int(rng.integers(2, 6))].tolist()
        if len(pick) >= 3:
            cores.append(pick)
            taken.update(pick)
        if len(cores) == count:
            break
    return cores


def _ring(g: CaseGraph, arr: np.ndarray, scored, leader: int) -> Ring:
    score, comp, evidence, edges = scored
    ids = sorted(str(g.ids[i]) for i in arr.tolist())
    roles = {m: "member" for m in ids}
    roles[str(g.ids[leader])] = "organizer"
    return Ring(id=f"R{int(arr[0]):03d}", members=ids, leader=str(g.ids[leader]), score=score,
                components=comp, family=family_of(g, arr, edges, leader), evidence=evidence,
                roles=roles, key=hashlib.sha1(",".join(ids).encode()).hexdigest()[:10])


def test_adjacency_is_the_stable_sort_of_both_ends():
    rng = np.random.default_rng(0)
    for trial in range(300):
        n, m = int(rng.integers(1, 40)), int(rng.integers(0, 90))
        u, v = rng.integers(0, n, m), rng.integers(0, n, m)
        if trial % 2:  # a built graph's links: u ascending
            order = np.lexsort((v, u))
            u, v = u[order], v[order]
        g = CaseGraph(ids=np.array([str(i) for i in range(n)], dtype=object), u=u, v=v,
                      weight=np.ones(m), strength={}, measures={})
        src = np.concatenate([u, v])
        order = np.argsort(src, kind="stable")
        indptr, nbr, eid = g.csr()
        assert indptr.tolist() == [0, *np.cumsum(np.bincount(src, minlength=n)).tolist()]
        assert nbr.tolist() == np.concatenate([v, u])[order].tolist()
        assert eid.tolist() == np.concatenate([np.arange(m), np.arange(m)])[order].tolist()


@pytest.mark.parametrize("seed", SEEDS)
def test_cores_grown_at_once_as_one_by_one(seed):
    """grow_cores gives the loop of its docstring: each core grown by ``grow`` in order,
    with what better rings took, then trimmed of members with no tie inside."""
    g = _town(seed)
    rng = np.random.default_rng(seed)
    base = baseline(g)
    _signal, joins, money_alone, _structural = _link_flags(g, base)
    money = money_links(g)
    person = rng.random(g.n) > 0.05
    grown = taken_before = 0
    for _ in range(4):
        cores = _cores(g, rng)
        refs = [(set(core), reference(g, core, 0.35)) for core in cores]
        holding = (rng.random(len(cores)) < 0.7).tolist()
        meets = [bool(_kinds(g, core, base)) for core in cores]
        max_size = int(rng.choice([4, 6, 12]))
        got = grow_cores(g, cores, refs, holding, meets, trim=0.35, min_size=3,
                         max_size=max_size, person=person, signal=joins, base=base,
                         money_alone=money_alone, money=money)
        others = {i: ref for ref, ok in zip(refs, holding, strict=True) if ok for i in ref[0]}
        taken = np.zeros(g.n, dtype=bool)
        expected = []
        for k, core in enumerate(cores):
            kept_core = [i for i in core if not taken[i]]
            taken_before += len(kept_core) < len(core)
            if len(kept_core) < 3:
                continue
            one = grow(g, kept_core, 0.35, max_size, taken, person, others, refs[k], joins,
                       base, money_alone, money)
            grown += len(one) > len(kept_core)
            one = tied_members(g, [one])[0]
            if len(one) < 3:
                continue
            taken[one] = True
            expected.append(sorted(one))
        assert [x.tolist() for x in got] == expected
    assert grown > 0 and taken_before > 0  # cores did grow, and lost members to others


def test_cores_grown_at_once_where_a_better_ring_took_a_newcomer():
    """Two cores after the same strong newcomer: the better one takes him, the other grows
    without him (the one-by-one rule, read again for that core alone)."""
    links = {}
    for a, b in [(0, 1), (0, 2), (1, 2), (3, 4), (3, 5), (4, 5)]:
        links[(a, b)] = {"n_calls": 6, "n_night": 5, "n_short": 5}
    for a in (0, 1, 3, 4):  # node 6 calls both cores as much as their own members do
        links[(a, 6)] = {"n_calls": 6, "n_night": 5, "n_short": 5}
    for a in (3, 4):  # node 7 is the second core's only other newcomer
        links[(a, 7)] = {"n_calls": 6, "n_night": 5, "n_short": 5}
    g = fused_graph(links, 8, LayerWeights())
    base = baseline(g)
    _signal, joins, money_alone, _structural = _link_flags(g, base)
    cores = [[0, 1, 2], [3, 4, 5]]
    refs = [(set(c), reference(g, c, 0.35)) for c in cores]
    got = grow_cores(g, cores, refs, [False, False], [False, False], trim=0.35, min_size=3,
                     max_size=12, person=np.ones(8, dtype=bool), signal=joins, base=base,
                     money_alone=money_alone, money=money_links(g))
    assert [x.tolist() for x in got] == [[0, 1, 2, 6], [3, 4, 5, 7]]


@pytest.mark.parametrize("seed", SEEDS)
def test_group_numbers_at_once_as_one_by_one(seed):
    """references, suppliers_of, tied_members, scored_groups, ring_ties and group_quantile
    against the one-group rules."""
    g = _town(seed)
    rng = np.random.default_rng(seed + 100)
    base = baseline(g)
    money = money_links(g)
    cores = _cores(g, rng)
    overlapping = cores + [sorted(rng.choice(g.n, 5, replace=False).tolist()) for _ in range(9)]
    assert references(g, overlapping, 0.35).tolist() == [
        reference(g, x, 0.35) for x in overlapping]
    sorted_groups = [np.array(sorted(x), dtype=np.int64) for x in overlapping]
    assert [x.tolist() for x in suppliers_of(money, sorted_groups)] == [
        suppliers_in(g, x).tolist() for x in sorted_groups] == [
        [is_supplier(g, i, set(x.tolist())) for i in x.tolist()] for x in sorted_groups]
    assert tied_members(g, overlapping) == [
        [i for i in x if set(g.neighbours(i)[0].tolist()) & (set(x) - {i})]
        for x in overlapping]
    disjoint = [np.array(sorted(x), dtype=np.int64) for x in cores]
    for got, arr in zip(scored_groups(g, disjoint, base), disjoint, strict=True):
        one = score_group(g, arr, base)
        assert got[:3] == one[:3] and got[3].tolist() == one[3].tolist()
    label = np.full(g.n, -1, dtype=np.int64)
    for k, x in enumerate(cores):
        label[x] = k
    nodes = rng.choice(g.n, 40, replace=False)
    p, ring, tie = ring_ties(g, nodes, label, len(cores))
    expected = [(a, k, ties(g, int(nodes[a]), set(cores[k]))) for a in range(len(nodes))
                for k in range(len(cores)) if set(g.neighbours(int(nodes[a]))[0].tolist())
                & set(cores[k])]
    assert list(zip(p.tolist(), ring.tolist(), tie.tolist(), strict=True)) == expected
    values = np.round(rng.random(60) * 4, 1)  # ties between values too
    group = rng.integers(0, 9, 60)
    for q, rule in ((0.75, reference_of), (0.5, median_of)):
        got = group_quantile(values, group, 10, q).tolist()
        assert got == [rule(values[group == k]) if (group == k).any() else 0.0
                       for k in range(10)]


def _brokers_one_by_one(g, rings, trim):
    """brokers_of as it was, node by node on the one-node rules."""
    groups = {r.id: {g.index(m) for m in r.members} for r in rings}
    refs = {rid: reference(g, group, trim) for rid, group in groups.items()}
    ring_at = {i: rid for rid, group in groups.items() for i in group}
    moves = (g.measures["n_uv_tx"] > 0) | (g.measures["n_vu_tx"] > 0)
    has_money = set(g.u[moves].tolist()) | set(g.v[moves].tolist())
    out = {}
    for j in range(g.n):
        if j in ring_at or ("known_person" in g.node and not g.node["known_person"][j]):
            continue
        near = sorted({ring_at[x] for x in g.neighbours(j)[0].tolist() if x in ring_at})
        if len(near) < 2:
            continue
        tied = sorted(rid for rid in near if ties(g, j, groups[rid]) >= refs[rid]
                      or (j in has_money and is_supplier(g, j, groups[rid] | {j})))
        if len(tied) >= 2:
            out[str(g.ids[j])] = tied
    return out


def _reach_one_by_one(g, rings, trim):
    groups = {r.id: {g.index(m) for m in r.members} for r in rings}
    refs = {rid: reference(g, group, trim) for rid, group in groups.items()}
    ring_at = {i: rid for rid, group in groups.items() for i in group}
    out = {}
    for r in rings:
        i = g.index(r.leader)
        near = {ring_at[j] for j in g.neighbours(i)[0].tolist() if j in ring_at} - {r.id}
        tied = sorted(rid for rid in near if ties(g, i, groups[rid]) >= refs[rid])
        if tied:
            out[r.leader] = tied
    return out


def _separate_one_by_one(g, rings, trim, min_size, min_score, base):
    """separate_brokers' removals as they were: member by member, ring by ring."""
    groups = [{g.index(m) for m in r.members} for r in rings]
    refs = [reference(g, x, trim) for x in groups]
    holding = [holds(r.score, r.components, r.evidence, min_score) for r in rings]
    from workbench.rings.brokers import _hubs

    hubs = _hubs(g, [np.array(sorted(x)) for x in groups])
    left = []
    for k, r in enumerate(rings):
        members = list(r.members)
        hub = hubs[k] if len(members) > min_size else None
        for m in list(members):
            if m in (r.leader, hub) or len(members) <= min_size:
                continue
            i = g.index(m)
            home = ties(g, i, groups[k])
            if any(ties(g, i, groups[j]) >= max(refs[j], trim * home) for j in range(len(rings))
                   if j != k and holding[j] and set(g.neighbours(i)[0].tolist()) & groups[j]):
                members.remove(m)
        left.append(members)
    return left


@pytest.mark.parametrize("seed", SEEDS)
def test_brokers_reach_and_broker_members_as_one_by_one(seed):
    g = _town(seed, n=120, groups=16)
    rng = np.random.default_rng(seed + 200)
    base = baseline(g)
    g.node["known_person"] = (rng.random(g.n) > 0.1).astype(np.int64)
    cores = [np.array(sorted(x), dtype=np.int64) for x in _cores(g, rng, count=18)]
    rings = [_ring(g, arr, scored, leader) for arr, scored, leader in zip(
        cores, scored_groups(g, cores, base), organizers(g, cores), strict=True)]
    min_score = float(np.median([r.score for r in rings]))  # some hold, some do not
    expected = _separate_one_by_one(g, rings, 0.35, 3, min_score, base)
    mine = copy.deepcopy(rings)
    separate_brokers(g, mine, 0.35, 3, min_score, base)
    removed = 0
    for r, before, left in zip(mine, rings, expected, strict=True):
        removed += len(left) < len(before.members)
        # then the members left with no tie inside go too
        inside = {g.index(m) for m in left}
        if len(left) < len(before.members):
            left = [m for m in left
                    if any(j in inside for j in g.neighbours(g.index(m))[0].tolist())]
            left = sorted(set(left) | {before.leader})
        assert r.members == left
    assert removed > 0  # brokers were taken out
    found = _brokers_one_by_one(g, mine, 0.35)
    assert brokers_of(g, mine, 0.35) == found and brokers_of(
        g, copy.deepcopy(mine), 0.35, money_links(g)) == found
    assert found  # brokers were there to find
    assert reach_of(g, mine, 0.35) == _reach_one_by_one(g, mine, 0.35)


def test_fragments_merge_as_the_rule_where_means_land_on_the_bar():
    """merge_fragments' first answers sum a mean in another order than numpy; where one
    lands on the bar (small integer weights, trim 0.5) it is taken again as numpy takes it:
    the same joins as the rule restarted after every join."""
    from tests.test_ring_growth import _merge_from_scratch
    from workbench.rings.fragments import merge_fragments
    from workbench.rings.scoring import ties_within

    rng = np.random.default_rng(7)
    on_bar = joins = 0
    for _ in range(40):
        n = 48
        group = rng.integers(0, 6, n)
        pairs = {(int(a), int(b)) for a, b in rng.integers(0, n, (260, 2)) if a < b}
        u, v = (np.array(x) for x in zip(*sorted(pairs), strict=True))
        w = np.where(group[u] == group[v], rng.integers(2, 5, len(u)),
                     rng.integers(1, 3, len(u))).astype(np.float64)
        g = CaseGraph(ids=np.array([f"n{i}" for i in range(n)], dtype=object), u=u, v=v,
                      weight=w, strength={}, measures={})
        order = rng.permutation(n)
        cores = [sorted(order[i:i + 3].tolist()) for i in range(0, n - 2, 3)]
        for a, core in enumerate(cores):
            for other in cores[a + 1:]:
                on_bar += float(np.mean(ties_within(g, other, core))) == reference(g, core, 0.5)
        got = merge_fragments(g, [list(c) for c in cores], 0.5, 9)
        assert got == _merge_from_scratch(g, cores, 0.5, 9)
        joins += len(cores) - len(got)
    assert on_bar > 0 and joins > 0
