"""The start of the ring search, done with arrays, answers as the rules it replaces: the
candidates of a partition as its trimmed communities scored one by one, the links' evidence
flags, the account mask (Arrow or one id at a time) and the Leiden run without igraph's
clustering object."""

from __future__ import annotations

import sys

import igraph as ig
import numpy as np
import pytest

from workbench.graph.fused import EDGE_FIELDS, CaseGraph, layer_strengths
from workbench.graph.leiden import _relabel, community, leiden, seeded_rng
from workbench.rings.candidates import candidates_of, trim_groups
from workbench.rings.scoring import PATTERN_CALLS, SIGNAL_AT, baseline, score_group
from workbench.rings.search import _accounts, _link_flags


def _case(seed: int, groups: int = 40, background: int = 300) -> CaseGraph:
    """Groups of 3-14 calling each other, some at night, some paying, among persons and
    accounts calling at random; money, arrests, kin and meetings on some links."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(3, 15, groups)
    n = int(sizes.sum()) + background
    pairs = set()
    start = 0
    for size in sizes.tolist():
        members = np.arange(start, start + size)
        for i in range(size):
            for j in range(i + 1, size):
                if rng.random() < 0.7:
                    pairs.add((int(members[i]), int(members[j])))
        start += size
    for a, b in rng.integers(0, n, (3 * n, 2)).tolist():
        if a != b:
            pairs.add((min(a, b), max(a, b)))
    keys = sorted(pairs)
    m = len(keys)
    inner = np.array([a < start and b < start and np.searchsorted(np.cumsum(sizes), a, "right")
                      == np.searchsorted(np.cumsum(sizes), b, "right") for a, b in keys])
    ms = {k: np.zeros(m, dtype=np.int64) for k in EDGE_FIELDS}
    ms["n_calls"] = np.where(inner, rng.integers(2, 20, m), rng.integers(0, 6, m))
    night = np.where(inner & (rng.random(m) < 0.5), 0.7, 0.1)
    ms["n_night"] = rng.binomial(ms["n_calls"], night)
    ms["n_short"] = rng.binomial(ms["n_calls"], 0.3)
    # money mostly inside the groups (paid one way), arrests and meetings on a few links
    paid = rng.integers(0, 3, (2, m)) * (rng.random((2, m)) < [np.where(inner, 0.3, 0.05)] * 2)
    ms.update(n_uv_tx=paid[0], n_vu_tx=paid[1] * (rng.random(m) < 0.2), kin=rng.random(m) < 0.05)
    ms["n_tx"] = ms["n_uv_tx"] + ms["n_vu_tx"]
    for name, count in (("total_uv", "n_uv_tx"), ("total_vu", "n_vu_tx")):
        ms[name] = ms[count] * 1000.0 * rng.random(m)
    ms["n_cases"] = (rng.random(m) < np.where(inner, 0.1, 0.01)).astype(np.int64)
    ms["n_trafficking_cases"] = ms["n_cases"] * (rng.random(m) < 0.5)
    ms["n_meet"] = (rng.random(m) < 0.1) * rng.integers(0, 4, m)
    ms["meet_weight"] = 3.0 * rng.random(m) * ms["n_meet"]
    ms["kin"] = ms["kin"].astype(np.int64)
    strength = layer_strengths(ms)
    keep = (weight := sum(strength.values())) > 0
    ids = np.array([f"acct:{i}" if rng.random() < 0.08 else f"P{i:04d}" for i in range(n)],
                   dtype=object)
    return CaseGraph(ids=ids, u=np.array([k[0] for k in keys])[keep],
                     v=np.array([k[1] for k in keys])[keep], weight=weight[keep],
                     strength={k: a[keep] for k, a in strength.items()},
                     measures={k: a[keep] for k, a in ms.items()},
                     node={"drug_arrests": (rng.random(n) < 0.1).astype(np.int64),
                           "service": (rng.random(n) < 0.01).astype(np.int64)})


def _expected_candidates(g, m, signal, person, base, known) -> dict:
    """The rule, community by community: eligible communities (3 to 48 nodes, two evidence
    links inside), their persons trimmed alone, kept at 3 to 12, scored alone."""
    out = {}
    for c in range(int(m.max()) + 1):
        nodes = np.flatnonzero(m == c)
        links = int(((m[g.u] == c) & (m[g.v] == c) & signal).sum())
        if not (3 <= len(nodes) <= 48 and links >= 2):
            continue
        trimmed = trim_groups(g, [nodes[person[nodes]]], trim=0.35, min_size=3)[0]
        if 3 <= len(trimmed) <= 12 and tuple(trimmed) not in known:
            out[tuple(trimmed)] = score_group(g, np.array(trimmed), base)[:2]
    return out


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_candidates_of_are_the_trimmed_communities_scored_one_by_one(seed):
    g = _case(seed)
    base = baseline(g)
    signal, _joins, _alone, _structural = _link_flags(g, base)
    person = ~_accounts(g.ids) & ~(g.node["service"] > 0)
    rng = np.random.default_rng(seed)
    found = trimmed = 0
    for r in (0.5, 1.0, 2.0):
        m = leiden(g.n, g.u, g.v, g.weight, objective="CPM", resolution=r, seed=seed,
                   n_iterations=1)
        m = rng.permutation(int(m.max()) + 1)[m]  # community ids in any order
        expected = _expected_candidates(g, m, signal, person, base, ())
        known = set(list(expected)[::3])  # found in an earlier partition: not scored again
        got = candidates_of(g, m, signal, person, base, min_size=3, max_size=12,
                            max_candidate=48, trim=0.35, known=known)
        expected = {k: x for k, x in expected.items() if k not in known}
        assert list(got) == list(expected)
        assert all(got[k][:2] == x and got[k][2] is None for k, x in expected.items())
        found += len(got)
        trimmed += sum(len(k) < int((m == m[k[0]]).sum()) for k in got)
    assert found >= 10 and trimmed > 0  # candidates were found, some trimmed


def test_candidates_of_a_partition_without_any():
    g = _case(5)
    base = baseline(g)
    signal, *_ = _link_flags(g, base)
    alone = np.arange(g.n)  # every node alone: no community of three
    assert candidates_of(g, alone, signal, np.ones(g.n, dtype=bool), base, min_size=3,
                         max_size=12, max_candidate=48, trim=0.35) == {}
    nobody = np.zeros(g.n, dtype=bool)  # no person to be a member
    m = leiden(g.n, g.u, g.v, g.weight, objective="CPM", resolution=1.0, seed=5)
    assert candidates_of(g, m, signal, nobody, base, min_size=3, max_size=12,
                         max_candidate=48, trim=0.35) == {}


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("calls_only", [False, True])
def test_link_flags_follow_the_rules(seed, calls_only):
    g = _case(seed)
    ms = g.measures
    if calls_only:  # no money, arrests or meetings: every repeated contact is evidence
        for k in ("n_uv_tx", "n_vu_tx", "n_tx", "n_cases", "n_trafficking_cases"):
            ms[k] = np.zeros_like(ms[k])
        del ms["n_meet"]
        g.node["drug_arrests"] = np.zeros(g.n, dtype=np.int64)
    base = baseline(g)
    signal, joins, money_alone, structural = _link_flags(g, base)
    assert structural == calls_only
    for e in range(g.m):
        calls = max(int(ms["n_calls"][e]), 1)
        night = (ms["n_night"][e] / calls - base.night) / max(1e-9, 1 - base.night)
        short = (ms["n_short"][e] / calls - base.short) / max(1e-9, 1 - base.short)
        pattern_calls = ms["n_calls"][e] >= PATTERN_CALLS and (
            night >= SIGNAL_AT or short >= SIGNAL_AT)
        other = (ms["n_cases"][e] > 0 or pattern_calls
                 or ("n_meet" in ms and ms["n_meet"][e] > 0)
                 or (structural and ms["n_calls"][e] >= 3))
        assert signal[e] == (ms["n_tx"][e] > 0 or other)
        assert money_alone[e] == (ms["n_tx"][e] > 0 and not other)
        pattern = 0.5 * min(1, max(0, night)) + 0.5 * min(1, max(0, short))
        assert joins[e] == ((signal[e] and ms["kin"][e] == 0) or (
            ms["n_calls"][e] >= max(3.0, base.calls_per_pair) and pattern >= SIGNAL_AT))
    assert signal.any() and (~signal).any() and joins.any()


def test_accounts_by_arrow_and_one_by_one_agree():
    import pyarrow.compute  # noqa: F401 - loaded, as the graph's build loads it

    rng = np.random.default_rng(7)
    parts = ["acct:", "acct", "ACCT:", "xacct:", "P", "+86", "é", ""]
    ids = np.array(["".join(rng.choice(parts, 2).tolist()) + str(i) for i in range(3000)],
                   dtype=object)
    expected = [str(x).startswith("acct:") for x in ids]
    assert 0 < sum(expected) < len(ids)
    assert _accounts(ids).tolist() == expected  # Arrow
    mixed = np.array([None, 7, "acct:1", "P1"], dtype=object)  # not all strings: one by one
    assert _accounts(mixed).tolist() == [False, False, True, False]
    arrow = sys.modules.pop("pyarrow.compute")
    try:
        assert _accounts(ids).tolist() == expected  # without Arrow
    finally:
        sys.modules["pyarrow.compute"] = arrow


def _relabel_by_rule(membership: np.ndarray) -> np.ndarray:
    """Community ids by size (largest 0), ties by the smallest member."""
    ids = sorted(set(membership.tolist()),
                 key=lambda c: (-int((membership == c).sum()),
                                int(np.flatnonzero(membership == c)[0])))
    rank = {c: k for k, c in enumerate(ids)}
    return np.array([rank[c] for c in membership.tolist()], dtype=np.int64)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_leiden_run_is_igraphs_own_relabelled(seed):
    g = _case(seed)
    graph = ig.Graph(g.n, list(zip(g.u.tolist(), g.v.tolist(), strict=True)))
    w = g.weight.tolist()
    previous = None
    for objective, r, start in (("CPM", 0.5, False), ("CPM", 1.5, True),
                                ("modularity", 1.0, False), ("modularity", 0.5, True)):
        initial = previous if start else None
        with seeded_rng(seed):
            got = community(graph, w, objective=objective, resolution=r, initial=initial,
                            beta=0.01, n_iterations=2)
        with seeded_rng(seed):
            own = graph.community_leiden(
                objective_function=objective, weights=w, resolution=r, beta=0.01,
                initial_membership=None if initial is None else initial.tolist(),
                n_iterations=2).membership
        assert got.tolist() == _relabel_by_rule(np.array(own)).tolist()
        assert len(set(got.tolist())) > 5
        previous = got
    rng = np.random.default_rng(seed)
    for n, k in ((1, 1), (30, 4), (500, 60)):
        membership = rng.integers(0, k, n) * 3 + 11  # ids with gaps, not from 0
        assert _relabel(membership).tolist() == _relabel_by_rule(membership).tolist()


def test_leiden_run_on_an_igraph_whose_run_takes_other_arguments(monkeypatch):
    """An igraph whose low-level run has another signature: its method gives the same."""
    g = _case(6)
    graph = ig.Graph(g.n, list(zip(g.u.tolist(), g.v.tolist(), strict=True)))
    w = g.weight.tolist()
    with seeded_rng(6):
        direct = community(graph, w, objective="CPM", resolution=1.0, initial=None,
                           beta=0.01, n_iterations=2)
    own = ig.GraphBase.community_leiden
    calls = []

    def refusing(graph, **kw):  # refuses the first call (ours), runs igraph's method's
        calls.append(kw)
        if len(calls) == 1:
            raise TypeError("'node_in_weights' is an invalid keyword argument")
        return own(graph, **kw)

    monkeypatch.setattr(ig.GraphBase, "community_leiden", refusing)
    with seeded_rng(6):
        fallback = community(graph, w, objective="CPM", resolution=1.0, initial=None,
                             beta=0.01, n_iterations=2)
    assert len(calls) == 2  # refused, then igraph's method
    assert fallback.tolist() == direct.tolist() and len(set(direct.tolist())) > 5


def test_a_partition_with_no_group_of_a_ring_size_gives_no_candidate():
    """Five persons all calling each other at night and paying: one community, eligible,
    bigger than ``max_size`` 4 after trimming. The batched candidates crashed there (a strict
    zip over no group); the rule gives none, and the search reports no ring, as before."""
    from workbench.rings.search import RingParams, find_rings

    u, v = zip(*[(a, b) for a in range(5) for b in range(a + 1, 5)], strict=True)
    m = len(u)
    ms = {k: np.zeros(m, dtype=np.int64) for k in EDGE_FIELDS}
    ms["n_calls"][:] = 6
    ms["n_night"][:] = 5
    ms["n_uv_tx"][:] = 1
    ms["n_tx"][:] = 1
    ms["total_uv"] = np.full(m, 100.0)
    st = layer_strengths(ms)
    g = CaseGraph(ids=np.array([f"P{i}" for i in range(5)], dtype=object), u=np.array(u),
                  v=np.array(v), weight=sum(st.values()), strength=st, measures=ms)
    found = candidates_of(g, np.zeros(5, dtype=np.int64), np.ones(m, dtype=bool),
                          np.ones(5, dtype=bool), baseline(g), min_size=3, max_size=4,
                          max_candidate=48, trim=0.35)
    assert found == {}
    # with room for five, the same partition gives the five (the case is not empty)
    assert list(candidates_of(g, np.zeros(5, dtype=np.int64), np.ones(m, dtype=bool),
                              np.ones(5, dtype=bool), baseline(g), min_size=3, max_size=5,
                              max_candidate=48, trim=0.35)) == [(0, 1, 2, 3, 4)]
    result, _ = find_rings(g, RingParams(max_size=4), fork=False)
    assert result.rings == []
    result, _ = find_rings(g, RingParams(max_size=5), fork=False)
    assert [r.members for r in result.rings] == [[f"P{i}" for i in range(5)]]
