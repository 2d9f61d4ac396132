"""Rings from communities: candidate groups, evidence scores, organizers, roles, family flag.

The search (:func:`find_rings`):

1. Leiden CPM on the fused graph at several resolutions (a hierarchy from social groups
   down to 3-person cells, each run warm-started from the previous one). The default
   resolutions follow the fused edge weights (97th percentile, halved twice), so they fit
   the data of any county.
2. Every community of 3 to ``max_size + 3`` nodes is a candidate; weakly attached members
   (a buyer who called a seller a few times, a household member) are trimmed.
3. Each candidate is scored by evidence (:func:`score_group`): how ring-like its calls are
   against the county's own baseline (night, short), how cohesive and intense its contacts,
   whether money flows from members to one member, co-arrests in one case, drug arrests.
   Each signal alone (night-shift coworkers, users arrested together, a family sending money
   home) scores low; a ring shows several at once.
4. Non-overlapping candidates are taken best first.

The functions here are pure: arrays in, plain results out; they never touch the store.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from .community import as_igraph, leiden
from .graph import CaseGraph

__all__ = ["RingParams", "Ring", "RingResult", "find_rings", "rings_around", "score_group",
           "SCORE_WEIGHTS",
           "track_ring"]

log = logging.getLogger(__name__)

#: weights of the evidence components in a ring's score (they sum to 1)
SCORE_WEIGHTS = {"call_pattern": 0.25, "cohesion": 0.15, "intensity": 0.10, "money": 0.25,
                 "coarrest": 0.15, "drug_arrests": 0.10}

_TOP_QUANTILE = 0.97
_RUNGS = 3


@dataclass(frozen=True)
class RingParams:
    """Parameters of the ring search; every field is kept with the result.

    Parameters
    ----------
    resolutions : tuple of float or None
        CPM resolutions; ``None``: :func:`default_resolutions` (97th percentile of the fused
        edge weights, halved twice).
    min_size, max_size : int
        Ring size bounds (persons).
    min_score : float
        Candidates scoring below this are not reported.
    trim : float
        A member whose fused tie to the rest is below ``trim`` x the 75th percentile of the
        members' ties is trimmed away (buyers, household members), one at a time.
    max_candidate : int
        Communities up to this size are trimmed into candidates.
    n_iterations : int
        Leiden iterations per resolution (igraph's default is 2).
    seed : int
        Leiden seed.
    """

    resolutions: tuple[float, ...] | None = None
    min_size: int = 3
    max_size: int = 12
    min_score: float = 0.35
    trim: float = 0.35
    max_candidate: int = 48
    n_iterations: int = 1
    seed: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Ring:
    """One ring: members (ids), organizer, score with components, family flag, evidence."""

    id: str
    members: list[str]
    leader: str
    score: float
    components: dict[str, float]
    family: bool
    evidence: dict
    roles: dict[str, str] = field(default_factory=dict)
    brokers: list[str] = field(default_factory=list)
    key: str = ""
    regional: dict | None = None

    @property
    def tier(self) -> str:
        """The kinds of evidence behind the ring, e.g. ``calls+money``."""
        return str(self.evidence.get("tier", "none"))

    @property
    def size(self) -> int:
        return len(self.members)

    def as_dict(self) -> dict:
        return {"id": self.id, "members": self.members, "leader": self.leader,
                "family": self.family, "regional": self.regional, "tier": self.tier,
                "score": round(self.score, 4), "size": self.size,
                "evidence": self.evidence, "components": self.components,
                "roles": self.roles, "brokers": self.brokers, "key": self.key}


@dataclass
class RingResult:
    """Rings best first, with everything needed to reproduce them."""

    rings: list[Ring]
    params: dict
    brokers: dict[str, list[str]] = field(default_factory=dict)
    reach: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"rings": [r.as_dict() for r in self.rings], "params": self.params}

    def ring_of(self) -> dict[str, str]:
        """person id -> ring id."""
        return {m: r.id for r in self.rings for m in r.members}


#: the kind of evidence each score component stands for
_COMPONENT_KIND = {"call_pattern": "calls", "cohesion": "calls", "intensity": "calls",
                   "money": "money", "coarrest": "arrests", "drug_arrests": "arrests"}
#: a ring-like call pattern (night and short calls above the case's baseline) counts as a
#: signal from this excess on
_SIGNAL_AT = 0.25


@dataclass
class _Baseline:
    night: float
    short: float
    calls_per_pair: float
    kinds: tuple[str, ...] = ("calls", "money", "arrests")


def _baseline(g: CaseGraph) -> _Baseline:
    ms = g.measures
    kinds = tuple(k for k, present in (
        ("calls", ms["n_calls"].sum() > 0), ("money", ms["n_tx"].sum() > 0),
        ("arrests", ms["n_cases"].sum() > 0 or g.node.get("drug_arrests", np.zeros(1)).sum()
         > 0)) if present)
    calls = ms["n_calls"]
    total = float(calls.sum())
    pairs = int((calls > 0).sum())
    if total == 0:
        return _Baseline(0.0, 0.0, 1.0, kinds)
    return _Baseline(float(ms["n_night"].sum()) / total, float(ms["n_short"].sum()) / total,
                     total / max(pairs, 1), kinds)


def _reported(ring_score: float, components: dict, min_score: float) -> bool:
    """A ring is reported when its score reaches ``min_score``, or when it is a ring on
    calls alone whose calls reach it (calls-only rings rank low but are never hidden)."""
    if ring_score >= min_score:
        return True
    return components.get("kinds", 0) == 1 and components.get("call_pattern", 0) >= _SIGNAL_AT \
        and components.get("money", 0) < 0.5 and components.get("tier_score", 0) >= min_score


def _rank_key(ring) -> tuple:
    """More kinds of evidence first, then the score."""
    return (-int(ring.components.get("kinds", 0)), -ring.score, ring.members)


def _excess(x: float, base: float) -> float:
    if base >= 1.0:
        return 0.0
    return float(min(1.0, max(0.0, (x - base) / (1.0 - base))))


def score_group(g: CaseGraph, members: np.ndarray, base: _Baseline | None = None
                ) -> tuple[float, dict[str, float], dict, np.ndarray]:
    """Score a group of nodes (dense ids) by ring evidence.

    Returns ``(score, components, evidence, internal edge ids)``; every component is in
    [0, 1] and the score is their weighted sum (:data:`SCORE_WEIGHTS`).
    """
    base = base or _baseline(g)
    k = len(members)
    edges = g.internal_edges(members)
    ms = g.measures
    calls = float(ms["n_calls"][edges].sum()) if len(edges) else 0.0
    night = float(ms["n_night"][edges].sum()) if len(edges) else 0.0
    short = float(ms["n_short"][edges].sum()) if len(edges) else 0.0
    call_pairs = int((ms["n_calls"][edges] > 0).sum()) if len(edges) else 0
    pairs = k * (k - 1) / 2
    comp = {}
    comp["call_pattern"] = (0.5 * _excess(night / calls, base.night)
                            + 0.5 * _excess(short / calls, base.short)) if calls else 0.0
    comp["cohesion"] = call_pairs / pairs if pairs else 0.0
    ratio = (calls / call_pairs) / base.calls_per_pair if call_pairs else 0.0
    comp["intensity"] = ratio / (1.0 + ratio)
    # money: who receives from the other members
    payers: dict[int, set[int]] = {int(m): set() for m in members}
    tx_count = 0
    total_amount = 0.0
    for e in edges.tolist():
        a, b = int(g.u[e]), int(g.v[e])
        if ms["n_uv_tx"][e] > 0:
            payers[b].add(a)
        if ms["n_vu_tx"][e] > 0:
            payers[a].add(b)
        tx_count += int(ms["n_tx"][e])
        total_amount += float(ms["total_uv"][e] + ms["total_vu"][e])
    top = max(payers, key=lambda x: (len(payers[x]), -x)) if payers else None
    comp["money"] = (len(payers[top]) / (k - 1)) if top is not None and k > 1 else 0.0
    # co-arrests in one case, trafficking counted fully
    co = {}
    for e in edges.tolist():
        if ms["n_cases"][e] > 0:
            strength = 1.0 if ms["n_trafficking_cases"][e] > 0 else 0.5
            for x in (int(g.u[e]), int(g.v[e])):
                co[x] = max(co.get(x, 0.0), strength)
    comp["coarrest"] = sum(co.values()) / k
    drug = g.node["drug_arrests"][members] if "drug_arrests" in g.node else np.zeros(k)
    comp["drug_arrests"] = float((drug > 0).sum()) / k
    fired = {"calls": comp["call_pattern"] >= _SIGNAL_AT,
             "money": comp["money"] >= 0.5,
             "arrests": comp["coarrest"] > 0 or comp["drug_arrests"] >= 0.34}
    signals = sum([fired["calls"], fired["money"], comp["coarrest"] > 0,
                   comp["drug_arrests"] >= 0.34])
    kinds = base.kinds
    # one signal alone is a look-alike; a case with one kind of evidence (calls only) is
    # judged on what it has: the breadth and the weights count only kinds present in it
    need = min(2, sum(1 for k in kinds if k != "arrests") + 2 * ("arrests" in kinds))
    breadth = min(1.0, 0.4 + 0.6 * signals / max(need, 1))
    usable = [c for c in SCORE_WEIGHTS if _COMPONENT_KIND[c] in kinds] or list(SCORE_WEIGHTS)
    total_w = sum(SCORE_WEIGHTS[c] for c in usable)
    score = breadth * float(sum(SCORE_WEIGHTS[c] * comp[c] for c in usable)) / total_w
    comp["breadth"] = breadth
    tier = [k for k in ("calls", "money", "arrests") if fired[k]]
    comp["kinds"] = len(tier)
    # on its own evidence alone (a calls-only ring in a county that also has money)
    own = [c for c in SCORE_WEIGHTS if _COMPONENT_KIND[c] in tier]
    comp["tier_score"] = (float(sum(SCORE_WEIGHTS[c] * comp[c] for c in own))
                          / sum(SCORE_WEIGHTS[c] for c in own)) if own else 0.0
    kin_edges = int((ms["kin"][edges] > 0).sum()) if len(edges) else 0
    cases = sorted({int(e) for e in edges.tolist() if ms["n_cases"][e] > 0})
    evidence = {
        "calls": int(calls), "night_share": round(night / calls, 3) if calls else 0.0,
        "short_share": round(short / calls, 3) if calls else 0.0,
        "call_pairs": call_pairs, "transfers": tx_count, "amount": round(total_amount, 2),
        "payers_to_top": len(payers[top]) if top is not None else 0,
        "coarrest_links": len(cases), "kin_links": kin_edges,
        "drug_arrests": int((drug > 0).sum()),
        "tier": "+".join(tier) if tier else ("calls" if calls else "none"),
    }
    return score, {c: round(v, 4) for c, v in comp.items()}, evidence, edges


def _trim(g: CaseGraph, members: list[int], trim: float, min_size: int) -> list[int]:
    members = list(members)
    while len(members) > min_size:
        inside = set(members)
        attach = {}
        for i in members:
            nbr, eid = g.neighbours(i)
            mask = np.fromiter((j in inside for j in nbr.tolist()), dtype=bool, count=len(nbr))
            attach[i] = float(g.weight[eid[mask]].sum())
        reference = float(np.percentile(list(attach.values()), 75))
        weakest = min(members, key=lambda i: (attach[i], i))
        if attach[weakest] >= trim * reference:
            break
        members.remove(weakest)
    return members


def _tied_elsewhere(g: CaseGraph, j: int, others: dict[int, tuple[set[int], float]]) -> bool:
    """Is ``j`` tied to another core (one it is not in) as strongly as that core's members?
    ``others`` maps node -> (its core, the core's reference)."""
    nbr, _ = g.neighbours(j)
    seen = set()
    for x in nbr.tolist():
        entry = others.get(x)
        if entry is None or id(entry[0]) in seen or j in entry[0]:
            continue
        seen.add(id(entry[0]))
        if _ties(g, j, entry[0]) >= entry[1]:
            return True
    return False


def _grow(g: CaseGraph, members: list[int], trim: float, max_size: int, taken: set[int],
          person: np.ndarray, others: dict | None = None) -> list[int]:
    """Add outside persons tied to the group as strongly as its own members, strongest first.

    The mirror of :func:`_trim`: it recovers members that a finer resolution split off
    (a large ring whose members mostly talk to the organizer).
    """
    members = list(members)
    while len(members) < max_size:
        inside = set(members)
        attach_in = []
        outside: dict[int, float] = {}
        for i in members:
            nbr, eid = g.neighbours(i)
            total = 0.0
            for j, e in zip(nbr.tolist(), eid.tolist(), strict=True):
                if j in inside:
                    total += float(g.weight[e])
                elif j not in taken and person[j]:
                    outside[j] = outside.get(j, 0.0) + float(g.weight[e])
            attach_in.append(total)
        if not outside:
            break
        reference = float(np.percentile(attach_in, 75))
        # a node tied as strongly to another ring is a broker between them, and one the
        # group pays without paying it is its supplier: neither is a member
        eligible = {j: t for j, t in outside.items()
                    if not _tied_elsewhere(g, j, others or {})
                    and not _paid_by(g, j, inside)}
        if not eligible:
            break
        best = max(eligible, key=lambda j: (eligible[j], -j))
        if eligible[best] < trim * reference:
            break
        members.append(best)
    return members


def _reference(g: CaseGraph, members, trim: float) -> float:
    """How strongly a node must be tied to a group to count as one of its own:
    ``trim`` x the median of the members' ties inside the group."""
    group = set(int(x) for x in members)
    return trim * float(np.median([_ties(g, i, group) for i in group]))


def _payers(g: CaseGraph, node: int, group: set[int]) -> tuple[set[int], set[int]]:
    """Members of ``group`` who pay ``node``, and members ``node`` pays."""
    nbr, eid = g.neighbours(node)
    into, out = set(), set()
    for j, e in zip(nbr.tolist(), eid.tolist(), strict=True):
        if j not in group:
            continue
        to_node = g.measures["n_uv_tx"][e] if g.v[e] == node else g.measures["n_vu_tx"][e]
        from_node = g.measures["n_vu_tx"][e] if g.v[e] == node else g.measures["n_uv_tx"][e]
        if to_node > 0:
            into.add(j)
        if from_node > 0:
            out.add(j)
    return into, out


def _is_supplier(g: CaseGraph, node: int, group: set[int]) -> bool:
    """Paid by one member only, who is himself paid by two or more members (the organizer
    paying his supplier), and paying no member."""
    into, out = _payers(g, node, group - {node})
    if len(into) != 1 or out:
        return False
    boss = next(iter(into))
    return len(_payers(g, boss, group - {boss, node})[0]) >= 2


def _paid_by(g: CaseGraph, node: int, group: set[int]) -> bool:
    """True when money flows from the group to ``node`` and never from it to the group."""
    into, out = _payers(g, node, group)
    return bool(into) and not out


def _ties(g: CaseGraph, node: int, group: set[int]) -> float:
    nbr, eid = g.neighbours(node)
    return float(sum(float(g.weight[e]) for j, e in zip(nbr.tolist(), eid.tolist(),
                                                          strict=True) if j in group))


def _merge_fragments(g: CaseGraph, cores: list[list[int]], params: RingParams
                     ) -> list[list[int]]:
    """Join a lower-ranked core into a better one when its members are, on average, tied to
    the better core as strongly as that core's own members are (:func:`_reference`).
    Only cores with a link between them are compared."""
    merged = True
    while merged:
        merged = False
        owner = {i: k for k, core in enumerate(cores) for i in core}
        for a in range(len(cores)):
            group_a = set(cores[a])
            touching = set()
            for i in cores[a]:
                nbr, _ = g.neighbours(i)
                touching.update(owner[j] for j in nbr.tolist() if owner.get(j, a) > a)
            if not touching:
                continue
            reference = _reference(g, cores[a], params.trim)
            for b in sorted(touching):
                if len(cores[a]) + len(cores[b]) > params.max_size:
                    continue
                mean_tie = float(np.mean([_ties(g, i, group_a) for i in cores[b]]))
                if mean_tie >= reference:
                    cores[a] = cores[a] + cores[b]
                    del cores[b]
                    merged = True
                    break
            if merged:
                break
    return cores


def _organizer(g: CaseGraph, members: np.ndarray) -> int:
    """Receives money from most members, calls most of them; ties by call volume."""
    inside = set(int(m) for m in members)
    best, best_key = int(members[0]), None
    for i in members.tolist():
        nbr, eid = g.neighbours(i)
        payers = partners = 0
        volume = 0.0
        for j, e in zip(nbr.tolist(), eid.tolist(), strict=True):
            if j not in inside:
                continue
            into_i = g.measures["n_uv_tx"][e] if g.v[e] == i else g.measures["n_vu_tx"][e]
            payers += int(into_i > 0)
            partners += int(g.measures["n_calls"][e] > 0)
            volume += float(g.measures["n_calls"][e])
        key = (2 * payers + partners, volume, -i)
        if best_key is None or key > best_key:
            best, best_key = i, key
    return best


class _UnionFind:
    """Disjoint sets over hashable items (path halving)."""

    def __init__(self, items) -> None:
        self.parent = {x: x for x in items}

    def find(self, x):
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb

    def groups(self) -> dict:
        out: dict = {}
        for x in self.parent:
            out.setdefault(self.find(x), []).append(x)
        return out


def _is_family(g: CaseGraph, members: np.ndarray, edges: np.ndarray) -> bool:
    """Held together by kinship records: one kin-connected block covers 3/4 of the ring."""
    kin = [e for e in edges.tolist() if g.measures["kin"][e] > 0]
    if not kin:
        return False
    sets = _UnionFind(int(m) for m in members)
    for e in kin:
        sets.union(int(g.u[e]), int(g.v[e]))
    largest = max(len(grp) for grp in sets.groups().values())
    return largest >= 3 and largest >= 0.75 * len(members)


def default_resolutions(g: CaseGraph) -> tuple[float, ...]:
    """CPM resolutions: a ladder halving down from the 97th percentile of the fused weights.

    The top rung separates tight cells inside dense social life; the lower rungs let larger
    or looser rings hold together. Quantiles follow the county's own weight scale; halving
    (rather than lower quantiles) keeps the ladder useful on a small case file whose links
    are nearly all strong.
    """
    if g.m == 0:
        return (1.0,)
    top = float(np.quantile(g.weight, _TOP_QUANTILE))
    return tuple(round(top / 2**k, 4) for k in range(_RUNGS - 1, -1, -1))


def find_rings(g: CaseGraph, params: RingParams | None = None,
               initial: np.ndarray | None = None) -> tuple[RingResult, list[np.ndarray]]:
    """Search, score and rank rings; see the module docstring.

    Returns the result and the memberships per resolution (for warm starts).
    """
    params = params or RingParams()
    resolutions = params.resolutions or default_resolutions(g)
    base = _baseline(g)
    # ring members: persons and numbers standing for themselves; never accounts, never
    # service numbers (a taxi line is not a member of the rings that call it)
    person = np.array([not str(x).startswith("acct:") for x in g.ids], dtype=bool)
    service = g.node.get("service", np.zeros(g.n, dtype=np.int64)) > 0
    person &= ~service
    timing = {}
    t0 = time.perf_counter()
    # the search runs on links at least as strong as the lowest resolution: a weaker link
    # cannot hold a pair inside a CPM community on its own (sparsification, not evidence)
    # and a pair seen in one call and nothing else is contact, not a relationship
    # services' links carry no weight for grouping (they stay in the graph for the rest)
    strong = (g.weight >= min(resolutions)) & (
        (g.measures["n_calls"] >= 2) | (g.weight > g.strength.get("calls", 0) * 1.0000001)) & (
        ~service[g.u] & ~service[g.v])
    su, sv, sw = g.u[strong], g.v[strong], g.weight[strong]
    graph = as_igraph(g.n, su, sv)
    ms = g.measures
    calls = np.maximum(ms["n_calls"], 1)
    ringlike = ((ms["n_night"] / calls - base.night) / max(1e-9, 1 - base.night) >= _SIGNAL_AT) | (
        (ms["n_short"] / calls - base.short) / max(1e-9, 1 - base.short) >= _SIGNAL_AT)
    signal = (ms["n_tx"] > 0) | (ms["n_cases"] > 0) | ((ms["n_calls"] >= 3) & ringlike)
    structural = base.kinds == ("calls",)
    if structural:  # calls only: a repeated contact is the evidence there is
        signal = signal | (ms["n_calls"] >= 3)
    memberships = []
    previous = initial
    candidates: dict[tuple[int, ...], tuple] = {}
    for r in resolutions:
        m = leiden(g.n, su, sv, sw, objective="CPM", resolution=r, seed=params.seed,
                   initial=previous, graph=graph, n_iterations=params.n_iterations)
        memberships.append(m)
        previous = m
        t1 = time.perf_counter()
        timing["leiden"] = timing.get("leiden", 0.0) + t1 - t0
        counts = np.bincount(m)
        inside = (m[g.u] == m[g.v]) & signal
        signals = np.bincount(m[g.u[inside]], minlength=len(counts))
        eligible = ((counts >= params.min_size) & (counts <= params.max_candidate)
                    & (signals >= 2))
        order = np.argsort(m, kind="stable")
        starts = np.searchsorted(m[order], np.arange(len(counts)))
        for c in np.nonzero(eligible)[0].tolist():
            nodes = order[starts[c]:starts[c] + counts[c]]
            nodes = nodes[person[nodes]]
            trimmed = _trim(g, nodes.tolist(), params.trim, params.min_size)
            if not params.min_size <= len(trimmed) <= params.max_size:
                continue
            key = tuple(sorted(trimmed))
            if key in candidates:
                continue
            arr = np.array(key, dtype=np.int64)
            candidates[key] = score_group(g, arr, base)
        t0 = time.perf_counter()
        timing["candidates"] = timing.get("candidates", 0.0) + t0 - t1
    ranked = sorted(candidates.items(), key=lambda kv: (-kv[1][0], kv[0]))
    # 1. cores: the best non-overlapping candidates
    cores = _cores(g, ranked, params, lambda score, comp: _reported(score, comp,
                                                                    params.min_score))
    # a calls-only case (a wiretap of the ring itself, a carrier export) gets every group
    # of its call graph, ranked by score: groups with ring-like calls first; the look-alike
    # rule lowers a rank, it does not hide a group
    fallback = structural
    if fallback:
        cores = _cores(g, ranked, params, lambda score, comp: score > 0)
    log.debug("cores: %s", [[str(g.ids[i]) for i in c] for c in cores])
    # 2. a ring split in fragments by a fine resolution is joined again
    cores = _merge_fragments(g, cores, params)
    log.debug("merged: %s", [[str(g.ids[i]) for i in c] for c in cores])
    # 3. each core takes back members tied to it as strongly as its own (not other rings')
    rings: list[Ring] = []
    refs = [(set(core), _reference(g, core, params.trim)) for core in cores]
    # only groups with ring evidence hold their members against others (in a calls-only
    # case every household is a group, and must not keep a ring from its members)
    evident = [_reported(*score_group(g, np.array(sorted(core), dtype=np.int64), base)[:2],
                         params.min_score) for core in cores]
    node_ref = {i: ref for ref, ok in zip(refs, evident, strict=True) if ok for i in ref[0]}
    taken: set[int] = set()
    for k, core in enumerate(cores):
        core = [i for i in core if i not in taken]  # a better ring took it
        if len(core) < params.min_size:
            continue
        others = {i: ref for i, ref in node_ref.items() if ref is not refs[k]}
        grown = _grow(g, core, params.trim, params.max_size, taken, person, others)
        inside = set(grown)  # a member whose ties went with a better ring leaves too
        grown = [i for i in grown if any(j in inside for j in g.neighbours(i)[0].tolist())]
        if len(grown) < params.min_size:
            continue
        taken.update(grown)
        arr = np.array(sorted(grown), dtype=np.int64)
        score, comp, evidence, edges = score_group(g, arr, base)
        leader = _organizer(g, arr)
        ids = sorted(str(g.ids[i]) for i in arr.tolist())
        roles = {m: "member" for m in ids}
        roles[str(g.ids[leader])] = "organizer"
        rings.append(Ring(
            id="", members=ids, leader=str(g.ids[leader]), score=score, components=comp,
            family=_is_family(g, arr, edges), evidence=evidence, roles=roles,
            key=hashlib.sha1(",".join(ids).encode()).hexdigest()[:10],
        ))
    _separate_brokers(g, rings, params, base)
    rings = [r for r in rings if r.size >= params.min_size]
    # the score filter runs on the final members: a ring rescored below it is not reported
    if not fallback:
        rings = [r for r in rings if _reported(r.score, r.components, params.min_score)]
    rings.sort(key=_rank_key)
    for n, ring in enumerate(rings, start=1):
        ring.id = f"R{n:03d}"
    brokers = _brokers(g, rings, params.trim)
    reach = _reach(g, rings, params.trim)
    timing["selection"] = time.perf_counter() - t0
    params_doc = {"ring": params.as_dict(), "resolutions": list(resolutions),
                  "objective": "CPM", "baseline": asdict(base), "candidates": len(candidates),
                  "basis": "calls only: every group of the call graph, ranked by score"
                           if fallback else "evidence",
                  "timing": {k: round(v, 3) for k, v in timing.items()}}
    return RingResult(rings=rings, params=params_doc, brokers=brokers, reach=reach), memberships


def _cores(g: CaseGraph, ranked: list, params: RingParams, keep) -> list[list[int]]:
    """The best non-overlapping candidates that ``keep(score, components)`` accepts, each
    without the suppliers its members pay."""
    cores: list[list[int]] = []
    taken: set[int] = set()
    for key, (score, comp, *_rest) in ranked:
        if not keep(score, comp) or taken.intersection(key):
            continue
        core = [i for i in key if not _is_supplier(g, i, set(key))]
        if len(core) < params.min_size:
            continue
        cores.append(core)
        taken.update(core)
    return cores


def _separate_brokers(g: CaseGraph, rings: list[Ring], params: RingParams,
                      base: _Baseline) -> None:
    """A member tied to another ring as strongly as that ring's own members is a broker:
    take him out of his ring (unless he organizes it) so that he links the two instead."""
    index = {r.key: np.array(sorted(g.index(m) for m in r.members)) for r in rings}
    reference = {}
    for r in rings:
        members = index[r.key]
        inside = set(members.tolist())
        ties = []
        for i in members.tolist():
            nbr, eid = g.neighbours(i)
            ties.append(sum(float(g.weight[e]) for j, e in zip(nbr.tolist(), eid.tolist(),
                                                                strict=True) if j in inside))
        reference[r.key] = params.trim * float(np.percentile(ties, 75))
    changed = set()
    # only rings with evidence take members away as brokers (see find_rings)
    ring_at = {i: r for r in rings if _reported(r.score, r.components, params.min_score)
               for i in index[r.key].tolist()}
    for r in rings:
        for m in list(r.members):
            if m == r.leader or len(r.members) <= params.min_size:
                continue
            i = g.index(m)
            nbr, eid = g.neighbours(i)
            near = {id(x): x for x in (ring_at.get(j) for j in nbr.tolist()) if x is not None}
            for other in sorted(near.values(), key=lambda x: x.key):
                if other is r:
                    continue
                inside = set(index[other.key].tolist())
                tie = sum(float(g.weight[e]) for j, e in zip(nbr.tolist(), eid.tolist(),
                                                              strict=True) if j in inside)
                if tie >= reference[other.key]:
                    r.members.remove(m)
                    r.roles.pop(m, None)
                    changed.add(r.key)
                    break
    for r in rings:
        if r.key in changed:  # a member left with no tie inside goes too
            inside = {g.index(m) for m in r.members}
            r.members = [m for m in r.members
                         if any(j in inside for j in g.neighbours(g.index(m))[0].tolist())]
            if r.leader not in r.members:
                r.members.append(r.leader)
                r.members.sort()
            r.roles = {m: role for m, role in r.roles.items() if m in r.members}
            arr = np.array(sorted(g.index(m) for m in r.members), dtype=np.int64)
            r.score, r.components, r.evidence, edges = score_group(g, arr, base)
            r.family = _is_family(g, arr, edges)
            r.key = hashlib.sha1(",".join(r.members).encode()).hexdigest()[:10]


def _brokers(g: CaseGraph, rings: list[Ring], trim: float) -> dict[str, list[str]]:
    """Persons outside rings tied to two or more rings as strongly as their own members, or
    paid by their organizers as suppliers."""
    if not rings:
        return {}
    ring_of = {g.index(m): r.id for r in rings for m in r.members}
    groups = [(r.id, {g.index(m) for m in r.members}) for r in rings]
    refs = {rid: _reference(g, group, trim) for rid, group in groups}
    around: set[int] = set()
    for i in ring_of:
        nbr, _ = g.neighbours(i)
        around.update(j for j in nbr.tolist() if j not in ring_of)
    out: dict[str, list[str]] = {}
    by_id = {r.id: r for r in rings}
    group_of = dict(groups)
    for j in sorted(around):
        if "known_person" in g.node and not g.node["known_person"][j]:
            continue
        nbr, _ = g.neighbours(j)
        near = {ring_of[x] for x in nbr.tolist() if x in ring_of}
        if len(near) < 2:
            continue
        tied = sorted(rid for rid in near if _ties(g, j, group_of[rid]) >= refs[rid]
                      or _is_supplier(g, j, group_of[rid] | {j}))
        if len(tied) >= 2:
            pid = str(g.ids[j])
            out[pid] = tied
            for rid in tied:
                by_id[rid].brokers.append(pid)
    for r in rings:
        r.brokers.sort()
    return out


def _reach(g: CaseGraph, rings: list[Ring], trim: float) -> dict[str, list[str]]:
    """Organizers tied to other rings as strongly as those rings' own members (the head
    of several cells): organizer -> the other rings, for the key-player ranking."""
    groups = {r.id: {g.index(m) for m in r.members} for r in rings}
    refs = {rid: _reference(g, group, trim) for rid, group in groups.items()}
    ring_at = {i: rid for rid, group in groups.items() for i in group}
    out: dict[str, list[str]] = {}
    for r in rings:
        i = g.index(r.leader)
        near = {ring_at[j] for j in g.neighbours(i)[0].tolist() if j in ring_at} - {r.id}
        tied = sorted(rid for rid in near if _ties(g, i, groups[rid]) >= refs[rid])
        if tied:
            out[r.leader] = tied
    return out


def track_ring(g: CaseGraph, members: list[str], min_size: int = 3) -> dict | None:
    """A known ring seen in another graph (a time window): its active members (those with a
    link to another member there), organizer, score, and ``parts``: the connected pieces of
    at least ``min_size`` members (two or more when the ring works as separate cells there);
    None when fewer than ``min_size`` are active."""
    idx = []
    for m in members:
        try:
            idx.append(g.index(m))
        except KeyError:
            continue
    inside = set(idx)
    active = sorted(i for i in idx if any(j in inside for j in g.neighbours(i)[0].tolist()))
    if len(active) < min_size:
        return None
    arr = np.array(active, dtype=np.int64)
    score, comp, evidence, edges = score_group(g, arr)
    sets = _UnionFind(active)
    for e in edges.tolist():
        sets.union(int(g.u[e]), int(g.v[e]))
    groups = sets.groups()
    parts = sorted((sorted(str(g.ids[i]) for i in grp) for grp in groups.values()
                    if len(grp) >= min_size), key=lambda p: p[0])
    return {"members": sorted(str(g.ids[i]) for i in active),
            "leader": str(g.ids[_organizer(g, arr)]), "score": round(score, 4),
            "evidence": evidence, "parts": parts}


def rings_around(g: CaseGraph, targets: list[str], params: RingParams | None = None
                 ) -> RingResult:
    """The groups around known targets, for one-sided exports (a court order gives the
    calls of the target numbers only, so their contacts barely touch each other).

    Each target's contacts join its group when they are tied to two or more targets, or to
    one as strongly as the target's stronger contacts (at least ``trim`` x the 75th
    percentile of the targets' ties); groups of targets that share members or call each
    other are one group. Every group is scored like a ring (:func:`score_group`).
    """
    params = params or RingParams()
    base = _baseline(g)
    service = g.node.get("service", np.zeros(g.n, dtype=np.int64)) > 0
    idx = sorted({g.index(t) for t in targets})
    tset = set(idx)
    ties: dict[int, dict[int, float]] = {}
    for t in idx:
        nbr, eid = g.neighbours(t)
        for j, e in zip(nbr.tolist(), eid.tolist(), strict=True):
            if j in tset or service[j] or str(g.ids[j]).startswith("acct:"):
                continue
            ties.setdefault(j, {})[t] = float(g.weight[e])
    all_ties = [w for d in ties.values() for w in d.values()]
    reference = params.trim * float(np.percentile(all_ties, 75)) if all_ties else 0.0
    sets = _UnionFind(idx)

    chosen: dict[int, float] = {}
    for j, by_target in ties.items():
        if len(by_target) >= 2 or max(by_target.values()) >= reference:
            chosen[j] = sum(by_target.values())
            for t in by_target:
                sets.union(t, min(by_target))
    for t in idx:  # targets who call each other are one group
        nbr, _ = g.neighbours(t)
        for j in nbr.tolist():
            if j in tset:
                sets.union(j, t)
    rings = []
    for root, tgt in sets.groups().items():
        near = sorted((j for j, d in ties.items() if j in chosen
                       and sets.find(min(d)) == root), key=lambda j: (-chosen[j], j))
        members = sorted(tgt + near[:max(0, params.max_size - len(tgt))])
        if len(members) < params.min_size:
            continue
        arr = np.array(members, dtype=np.int64)
        score, comp, evidence, edges = score_group(g, arr, base)
        ids = sorted(str(g.ids[i]) for i in members)
        leader = str(g.ids[_organizer(g, arr)])
        roles = {m: ("target" if g.index(m) in tset else "member") for m in ids}
        roles[leader] = "organizer"
        rings.append(Ring(id="", members=ids, leader=leader, score=score, components=comp,
                          family=_is_family(g, arr, edges), evidence=evidence, roles=roles,
                          key=hashlib.sha1(",".join(ids).encode()).hexdigest()[:10]))
    rings.sort(key=_rank_key)
    for n, ring in enumerate(rings, start=1):
        ring.id = f"A{n:03d}"
    return RingResult(rings=rings, params={
        "ring": params.as_dict(), "around": sorted(str(t) for t in targets),
        "tie_reference": round(reference, 4), "baseline": asdict(base)})
