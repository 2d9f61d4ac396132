"""Ring scoring: how ring-like a group is, its organizer, family flag, and the tie rules.

Everything here is a pure function of the fused graph (:class:`workbench.graph.fused.CaseGraph`)
and a group of dense node ids; the search (:mod:`workbench.rings.search`) uses it to rank
candidates, and the views use the same score.

* :func:`score_group`: evidence components against the case's own baseline (night and short
  calls, cohesion, intensity, money flowing to one member, co-arrests, drug arrests), the
  look-alike rule (one signal alone scores low) and the ``tier`` (kinds of evidence);
* :func:`reported` and :func:`rank_key`: which groups are reported and in what order;
* the family at a ring's core is in :mod:`workbench.rings.family`;
* one tie rule: :func:`ties` (a node's fused weight into a group) and :func:`reference`
  (how strongly a node must be tied to count as one of a group's own: ``trim`` x the 75th
  percentile of the members' ties inside the group);
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..graph import CaseGraph, member_mask
from .shown import shown_evidence

__all__ = ["SCORE_WEIGHTS", "COMPONENT_KIND", "SIGNAL_AT", "STAR_SPOKES", "PATTERN_CALLS", "KNEE",
           "Baseline", "baseline", "score_group", "group_sums", "score_sums", "signals_of",
           "breadth_of", "bounded", "combine", "tier_score", "reported", "holds", "rank_key",
           "ties", "ties_within", "reference", "reference_of", "tied_elsewhere", "payers",
           "is_supplier", "organizer"]

#: weights of the evidence components in a ring's score (all but co-presence sum to 1;
#: co-presence adds on top: a ring that meets gains, one that does not loses nothing). Money
#: is split as calls are: whether it flows to one member, and how much (the amount per paying
#: pair against the case's), so that a case with money alone does not saturate (every group
#: whose members all pay one scored 0.963212)
SCORE_WEIGHTS = {"call_pattern": 0.25, "cohesion": 0.15, "intensity": 0.10, "money": 0.20,
                 "money_intensity": 0.05, "coarrest": 0.15, "drug_arrests": 0.10,
                 "copresence": 0.25}
#: the kind of evidence each score component stands for (a money pattern's strength,
#: :mod:`workbench.analysis.patterns`, is money evidence)
COMPONENT_KIND = {"call_pattern": "calls", "cohesion": "calls", "intensity": "calls",
                  "money": "money", "coarrest": "arrests", "drug_arrests": "arrests",
                  "copresence": "copresence", "money_pattern": "money",
                  "money_intensity": "money"}
#: scores are themselves up to here; above, they approach 1 without reaching it (:func:`bounded`)
KNEE = 0.9
#: the order kinds are named in a ring's ``tier``
KINDS = ("calls", "money", "arrests", "copresence")
#: a ring-like call pattern (night and short calls above the case's baseline) counts as a
#: signal from this excess on
SIGNAL_AT = 0.25
#: the fewest spokes of a star (links all through one member): see :func:`score_sums`
STAR_SPOKES = 3
#: the fewest calls that show a call pattern (of a pair, or of a group)
PATTERN_CALLS = 3


@dataclass
class Baseline:
    night: float
    short: float
    calls_per_pair: float
    kinds: tuple[str, ...] = ("calls", "money", "arrests")
    meet_q90: float = 0.0
    #: a strong meeting pair: its strength above ``Q3 + 3 x IQR`` of the case's meeting
    #: pairs (:func:`workbench.rings.meetings.meeting_threshold`), and beyond chance among
    #: all of them: a strength is ``-log10 P`` of meeting so often by chance, so above
    #: ``log10`` of the number of meeting pairs fewer than one pair of the case reaches it by
    #: chance (Bonferroni; where one-off meetings dominate, the outlier rule alone only
    #: separates repeats from one-offs, and friends who met twice at their KTV pass it)
    meet_strong: float = 0.0
    #: amount per account pair that transacts (the case's; money intensity's reference)
    amount_per_pair: float = 1.0


def baseline(g: CaseGraph) -> Baseline:
    ms = g.measures
    kinds = tuple(k for k, present in (
        ("calls", ms["n_calls"].sum() > 0), ("money", ms["n_tx"].sum() > 0),
        ("arrests", ms["n_cases"].sum() > 0 or g.node.get("drug_arrests", np.zeros(1)).sum()
         > 0), ("copresence", "n_meet" in ms and ms["n_meet"].sum() > 0)) if present)
    met = ms["meet_weight"][ms["n_meet"] > 0] if "n_meet" in ms else np.zeros(0)
    meet_q90 = float(np.quantile(met, 0.9)) if len(met) else 0.0
    strong, pos = 0.0, met[met > 0]
    if len(pos):
        q1, q3 = np.quantile(pos, [0.25, 0.75])
        strong = max(float(q3 + 3.0 * (q3 - q1)), float(np.log10(len(met))))
    calls = ms["n_calls"]
    total = float(calls.sum())
    pairs = int((calls > 0).sum())
    moved = ms["total_uv"] + ms["total_vu"]
    per_pair = (float(moved.sum()) / max(int((ms["n_tx"] > 0).sum()), 1)
              if moved.sum() > 0 else 1.0)
    if total == 0:
        return Baseline(0.0, 0.0, 1.0, kinds, meet_q90, strong, per_pair)
    return Baseline(float(ms["n_night"].sum()) / total, float(ms["n_short"].sum()) / total,
                    total / max(pairs, 1), kinds, meet_q90, strong, per_pair)


def reported(ring_score: float, components: dict, min_score: float) -> bool:
    """A ring is reported when its score reaches ``min_score``, or when it shows one kind of
    evidence, ring-like calls or meetings beyond chance, that reaches it on its own
    (such rings rank below richer ones but are never hidden)."""
    if ring_score >= min_score:
        return True
    alone = components.get("call_pattern", 0) >= SIGNAL_AT or components.get(
        "copresence", 0) >= 0.5
    return components.get("kinds", 0) == 1 and alone and components.get("money", 0) < 0.5 \
        and components.get("tier_score", 0) >= min_score


def holds(ring_score: float, components: dict, evidence: dict, min_score: float) -> bool:
    """Does a group hold its members against other rings (growth, brokers)? When it is
    reported (:func:`reported`) on more than meetings alone: a group of friends who meet
    at their KTV must not pull a ring's member away from the ring he calls and pays (its
    fused ties are weak, so any tie to it would look as strong as its own)."""
    if evidence.get("tier") == "copresence":
        return False
    return reported(ring_score, components, min_score)


def rank_key(ring) -> tuple:
    """More kinds of evidence first, then the score."""
    return (-int(ring.components.get("kinds", 0)), -ring.score, ring.members)


def _excess(x: float, base: float) -> float:
    if base >= 1.0:
        return 0.0
    return float(min(1.0, max(0.0, (x - base) / (1.0 - base))))


def score_group(g: CaseGraph, members: np.ndarray, base: Baseline | None = None
                ) -> tuple[float, dict[str, float], dict, np.ndarray]:
    """Score a group of nodes (dense ids) by ring evidence.

    Returns ``(score, components, evidence, internal edge ids)``; every component is in
    [0, 1] and the score is their weighted sum (:data:`SCORE_WEIGHTS`).
    """
    base = base or baseline(g)
    members = np.asarray(members, dtype=np.int64)
    edges = g.internal_edges(members)
    sums = group_sums(g, members, np.zeros(len(members), dtype=np.int64), edges,
                      np.zeros(len(edges), dtype=np.int64), 1)
    return (*score_sums({k: a[0] for k, a in sums.items()}, base), edges)


def group_sums(g: CaseGraph, nodes: np.ndarray, node_group: np.ndarray, edges: np.ndarray,
               edge_group: np.ndarray, n_groups: int) -> dict[str, np.ndarray]:
    """What :func:`score_sums` needs of many disjoint groups at once, one array entry per group.

    ``nodes`` (dense ids) belong to ``node_group``; ``edges`` (ascending ids, both ends in
    one group) to ``edge_group``. Sums add edge by edge in ascending order, so one group
    alone or many together give the same floats.
    """
    ms = g.measures

    def per_group(values, where=None) -> np.ndarray:
        grp = edge_group if where is None else edge_group[where]
        return np.bincount(grp, weights=values, minlength=n_groups)

    out = {"size": np.bincount(node_group, minlength=n_groups)}
    for name in ("n_calls", "n_night", "n_short", "n_tx"):
        out[name] = per_group(ms[name][edges].astype(np.float64))
    out["call_pairs"] = per_group((ms["n_calls"][edges] > 0).astype(np.float64))
    out["money_pairs"] = per_group((ms["n_tx"][edges] > 0).astype(np.float64))
    out["links"] = np.bincount(edge_group, minlength=n_groups)
    out["amount"] = per_group(ms["total_uv"][edges] + ms["total_vu"][edges])
    # money: the member most members pay (a pair is one edge: count the edges paying in)
    place = np.empty(g.n, dtype=np.int64)  # position in ``nodes`` of each end
    place[nodes] = np.arange(len(nodes))
    eu, ev = place[g.u[edges]], place[g.v[edges]]
    into_v, into_u = ms["n_uv_tx"][edges] > 0, ms["n_vu_tx"][edges] > 0
    receivers = np.concatenate([ev[into_v], eu[into_u]])
    paid = np.bincount(receivers, minlength=len(nodes))
    top = np.zeros(n_groups, dtype=np.int64)
    np.maximum.at(top, node_group, paid)
    out["top_paid"] = top
    # the most members paying one member who is paid by someone outside his family too
    # (:func:`score_sums`: money among kin alone is no kind of ring evidence)
    outsider = ms["kin"][edges] == 0
    by_outsiders = np.bincount(np.concatenate([ev[into_v & outsider], eu[into_u & outsider]]),
                               minlength=len(nodes))
    top_out = np.zeros(n_groups, dtype=np.int64)
    np.maximum.at(top_out, node_group, np.where(by_outsiders > 0, paid, 0))
    out["top_paid_beyond_kin"] = top_out
    # the member with the most links inside (a star: every link touches him)
    degree = np.bincount(np.concatenate([eu, ev]), minlength=len(nodes))
    hub = np.zeros(n_groups, dtype=np.int64)
    np.maximum.at(hub, node_group, degree)
    out["hub_links"] = hub
    # co-arrests in one case (trafficking counted fully): each member's strongest
    arrested = ms["n_cases"][edges] > 0
    out["cases"] = per_group(arrested.astype(np.float64))
    co = np.zeros(len(nodes))
    strength = np.where(ms["n_trafficking_cases"][edges][arrested] > 0, 1.0, 0.5)
    np.maximum.at(co, eu[arrested], strength)
    np.maximum.at(co, ev[arrested], strength)
    out["co"] = np.bincount(node_group, weights=co, minlength=n_groups)
    if "number_only" in g.node:  # members known only by a number: no account, no arrest
        out["numbers"] = np.bincount(node_group, weights=g.node["number_only"][nodes],
                                     minlength=n_groups)
    drug = g.node["drug_arrests"][nodes] > 0 if "drug_arrests" in g.node else np.zeros(
        len(nodes), dtype=bool)
    out["drug"] = np.bincount(node_group, weights=drug.astype(np.float64), minlength=n_groups)
    out["kin"] = per_group((ms["kin"][edges] > 0).astype(np.float64))
    # meetings: members who meet another member, and the mean strength of the meetings;
    # kin meet as a matter of course (a couple on a family trip): only others' meetings count
    met = ((ms["n_meet"][edges] > 0) & (ms["kin"][edges] == 0) if "n_meet" in ms
           else np.zeros(len(edges), dtype=bool))
    out["met"] = per_group(met.astype(np.float64))
    # pairs that met on two or more occasions, beyond the case's strong-pair threshold
    out["met_often"] = per_group((met & (ms["n_meet"][edges] >= 2)).astype(np.float64)
                                 if "n_meet" in ms else met.astype(np.float64))
    meets = np.zeros(len(nodes), dtype=bool)
    meets[eu[met]] = True
    meets[ev[met]] = True
    out["meeting"] = np.bincount(node_group, weights=meets.astype(np.float64),
                                 minlength=n_groups)
    out["meet_strength"] = np.zeros(n_groups)
    for grp in np.unique(edge_group[met]).tolist():  # numpy's mean, as one group alone
        out["meet_strength"][grp] = float(
            ms["meet_weight"][edges[met & (edge_group == grp)]].mean())
    return out


def score_sums(s: dict, base: Baseline, evidence: bool = True
               ) -> tuple[float, dict[str, float], dict | None]:
    """Score, components and evidence of one group from its :func:`group_sums`
    (``evidence=False``: None for the evidence, which a candidate does not need)."""
    k = int(s["size"])
    calls, night, short = float(s["n_calls"]), float(s["n_night"]), float(s["n_short"])
    call_pairs, pairs, comp = int(s["call_pairs"]), k * (k - 1) / 2, {}
    # a pattern needs calls: one or two brief calls are no pattern (the rule of an evidence
    # link in the search, :data:`PATTERN_CALLS`)
    comp["call_pattern"] = (0.5 * _excess(night / calls, base.night)
                            + 0.5 * _excess(short / calls, base.short)
                            ) if calls >= PATTERN_CALLS else 0.0
    comp["cohesion"] = call_pairs / pairs if pairs else 0.0
    ratio = (calls / call_pairs) / base.calls_per_pair if call_pairs else 0.0
    comp["intensity"] = ratio / (1.0 + ratio)
    top_count = int(s["top_paid"])
    held = max(k - int(s.get("numbers", 0)), 1)  # members who can show money, arrests
    comp["money"] = min(1.0, top_count / (held - 1)) if held > 1 else 0.0
    # how much, where money flows: the amount per paying pair against the case's (continuous,
    # as the calls' intensity: groups whose members all pay one do not tie)
    money_pairs = float(s["money_pairs"])
    moved = (float(s["amount"]) / money_pairs) / base.amount_per_pair if money_pairs else 0.0
    comp["money_intensity"] = moved / (1.0 + moved) if comp["money"] > 0 else 0.0
    comp["coarrest"], comp["drug_arrests"] = float(s["co"]) / held, float(s["drug"]) / held
    # co-presence beyond chance (kin excluded): how many of the pairs meet again and again,
    # times how strong their meetings are against the case's own strong pairs (x / (1 + x)
    # of the mean strength over the threshold: continuous, so groups do not tie). Couples and
    # friends at their KTV meet too; a tour group or a sales team meets once; a ring meets
    # all together, often, in varied places
    met = int(s["met"])
    often = int(s.get("met_often", met))
    strength = float(s["meet_strength"])
    ratio = strength / base.meet_strong if base.meet_strong > 0 else 0.0
    share = often / pairs if pairs else 0.0
    comp["copresence"] = (float(np.sqrt(share)) * ratio / (1.0 + ratio)
                          if met >= 2 and often >= 1 else 0.0)
    # money flows to one member when two or more members pay him (half of the others or
    # more): one payment between two friends in a group of three is the pair's matter.
    # Paid by his kin alone, it may be family support (grown children paying a parent every
    # month, DOMAIN.md's look-alike: the ordinary use of kinship): it counts in the score and
    # the breadth as before, but is no kind of ring evidence in the tier (which ranks rings:
    # more kinds first) until someone outside his family pays him too (a family-based
    # ring's organizer is paid by his hired hands as well as his kin)
    flows = comp["money"] >= 0.5 and top_count >= 2
    beyond_kin = int(s.get("top_paid_beyond_kin", top_count))
    fired = {"calls": comp["call_pattern"] >= SIGNAL_AT,
             "money": flows and beyond_kin >= max(2, 0.5 * (k - 1)),
             "arrests": comp["coarrest"] > 0 or comp["drug_arrests"] >= 0.34,
             "copresence": often >= 2 and share >= 0.5 and strength >= base.meet_strong
             and base.meet_strong > 0}
    signals = signals_of(comp, fired["calls"], flows, fired["copresence"])
    # a star, every link inside through one member, is a seller and his customers (buyers
    # do not know each other; DOMAIN.md's lone dealer): whatever it shows, one thing, so
    # the breadth of one signal of two; from three spokes (STAR_SPOKES): three persons
    # linked at all are linked through one (a cell's organizer and his two men)
    links = int(s.get("links", 0))
    star = links >= STAR_SPOKES and int(s.get("hub_links", 0)) == links
    breadth = breadth_of(signals, base.kinds, star)
    score = combine(comp, breadth, base.kinds)
    comp["breadth"] = breadth
    tier = [k for k in KINDS if fired[k]]
    comp["kinds"] = len(tier)
    comp["tier_score"] = tier_score(comp, tier)
    if not evidence:
        return score, {c: round(v, 4) for c, v in comp.items()}, None
    return score, {c: round(v, 4) for c, v in comp.items()}, shown_evidence(s, tier, star)


def signals_of(comp: dict, calls: bool, money: bool, copresence: bool) -> int:
    """How many ring signals a group shows: ring-like calls, money flowing to one member,
    co-arrests, drug arrests (a third of the members or more), meetings beyond chance (the
    first, second and last as fired by :func:`score_sums` or given by the caller)."""
    return sum([bool(calls), bool(money), comp.get("coarrest", 0) > 0,
                comp.get("drug_arrests", 0) >= 0.34, bool(copresence)])


def breadth_of(signals: int, kinds, star: bool = False) -> float:
    """The share of a ring's score its breadth allows: one signal alone is a look-alike
    (0.7 where two are needed), two or more count fully. A case with one kind of evidence
    (calls only) is judged on what it has: fewer signals are needed where fewer kinds are
    present. A star counts as one signal of two (see :func:`score_sums`).

    Examples
    --------
    >>> breadth_of(1, ("calls", "money", "arrests")), breadth_of(2, ("calls", "money"))
    (0.7, 1.0)
    >>> breadth_of(1, ("calls",))
    1.0
    """
    base_kinds = [k for k in kinds if k != "copresence"]
    need = min(2, sum(1 for k in base_kinds if k != "arrests") + 2 * ("arrests" in kinds))
    breadth = min(1.0, 0.4 + 0.6 * signals / max(need, 1))
    return min(breadth, 0.4 + 0.6 * 1 / 2) if star else breadth


def bounded(x: float) -> float:
    """A score on [0, 1): ``x`` itself up to :data:`KNEE`, above it an exponential approach
    to 1 (continuous, strictly increasing: scores above the knee keep their order and never
    tie at 1). Meetings add on top of the other kinds' weighted mean, so a ring showing
    everything at full strength is worth more than 1 before this.

    Examples
    --------
    >>> bounded(0.5), round(bounded(1.25), 4), bounded(0.0)
    (0.5, 0.997, 0.0)
    """
    x = max(0.0, float(x))
    if x <= KNEE:
        return x
    return KNEE + (1.0 - KNEE) * (1.0 - float(np.exp(-(x - KNEE) / (1.0 - KNEE))))


def combine(comp: dict, breadth: float, kinds, weights: dict | None = None) -> float:
    """A ring's score from its components: ``breadth`` x the weighted mean of the components
    of the kinds the case has (co-presence adds its weight on top: a ring that meets gains,
    one that does not loses nothing), :func:`bounded` to [0, 1).

    ``weights``: component -> weight (default :data:`SCORE_WEIGHTS`); a money pattern
    stands in for the money component with its own weight
    (:func:`workbench.analysis.patterns.add_patterns`), on the same scale.
    """
    if weights is None:  # the search's own: kept per kinds
        weights = SCORE_WEIGHTS
        usable, total_w = _usable(tuple(kinds))
    else:
        usable, total_w = _usable_of(kinds, weights)
    bonus = weights.get("copresence", 0.0) * comp.get("copresence", 0.0) \
        if "copresence" in kinds else 0.0
    return bounded(breadth * (float(sum(weights[c] * comp[c] for c in usable)) + bonus)
                   / total_w)


def _usable_of(kinds, weights: dict) -> tuple[tuple[str, ...], float]:
    """The components :func:`combine` averages for a case's ``kinds``, and their weight."""
    base_kinds = [k for k in kinds if k != "copresence"]
    usable = tuple(c for c in weights if COMPONENT_KIND[c] in base_kinds) or tuple(
        c for c in weights if c != "copresence")
    return usable, sum(weights[c] for c in usable)


@functools.lru_cache(maxsize=64)
def _usable(kinds: tuple) -> tuple[tuple[str, ...], float]:
    """:func:`_usable_of` under :data:`SCORE_WEIGHTS`, kept per ``kinds``."""
    return _usable_of(kinds, SCORE_WEIGHTS)


def tier_score(comp: dict, tier, weights: dict | None = None) -> float:
    """The weighted mean of the components of the kinds in ``tier`` alone (a calls-only ring
    in a county that also has money judged on its calls)."""
    weights = SCORE_WEIGHTS if weights is None else weights
    own = [c for c in weights if COMPONENT_KIND[c] in tier]
    return (float(sum(weights[c] * comp[c] for c in own)) / sum(weights[c] for c in own)
            ) if own else 0.0


def tied_elsewhere(g: CaseGraph, j: int, others: dict[int, tuple[set[int], float]],
                   skip=None, at_least: float = 0.0) -> bool:
    """Is ``j`` tied to another core (one it is not in) as strongly as that core's members,
    and at least ``at_least``? ``others`` maps node -> (its core, the core's reference); the
    entry ``skip`` (the group ``j`` would join) is not looked at. ``at_least``: ``trim`` x
    ``j``'s tie to the group he would join (a weak tie to a small group of friends does not
    keep a member from the ring he calls and pays)."""
    nbr, _ = g.neighbours(j)
    seen = set()
    for x in nbr.tolist():
        entry = others.get(x)
        if entry is None or entry is skip or id(entry[0]) in seen or j in entry[0]:
            continue
        seen.add(id(entry[0]))
        if ties(g, j, entry[0]) >= max(entry[1], at_least):
            return True
    return False


def reference(g: CaseGraph, members, trim: float) -> float:
    """How strongly a node must be tied to a group to count as one of its own:
    ``trim`` x the 75th percentile of the members' ties inside the group (the one rule
    for trimming, growing, merging fragments and telling brokers).

    Examples
    --------
    >>> from workbench.graph.fused import CaseGraph
    >>> import numpy as np
    >>> g = CaseGraph(ids=np.array(["a", "b", "c"], dtype=object), u=np.array([0, 0]),
    ...               v=np.array([1, 2]), weight=np.array([4.0, 2.0]), strength={},
    ...               measures={})
    >>> reference(g, [0, 1, 2], 0.5)  # ties inside: a 6, b 4, c 2; q75 = 5
    2.5
    """
    return trim * reference_of(ties_within(g, members).tolist())


def ties_within(g: CaseGraph, members, group=None) -> np.ndarray:
    """Each of ``members``' fused tie to ``group`` (default: the members themselves),
    summed link by link in adjacency order, as :func:`ties` does for one node."""
    members = np.asarray(list(members) if isinstance(members, set) else members,
                         dtype=np.int64)
    inside = members if group is None else np.asarray(sorted(group), dtype=np.int64)
    inside = np.unique(inside)
    pos, nbr, eid = g.star(members)
    mask = member_mask(inside, nbr)
    return np.bincount(pos[mask], weights=g.weight[eid[mask]], minlength=len(members))


def reference_of(member_ties) -> float:
    """The 75th percentile of the members' ties inside their group (see :func:`reference`),
    interpolated linearly as ``numpy.percentile`` does.

    Examples
    --------
    >>> reference_of([6.0, 4.0, 2.0]), float(np.percentile([6.0, 4.0, 2.0], 75))
    (5.0, 5.0)
    >>> reference_of([])
    0.0
    """
    x = sorted(member_ties)
    n = len(x)
    if not n:
        return 0.0
    at = 0.75 * (n - 1)
    lo = int(at)
    if lo + 1 >= n:
        return float(x[lo])
    t = at - lo
    a, b = float(x[lo]), float(x[lo + 1])
    d = b - a
    return b - d * (1 - t) if t >= 0.5 else a + d * t  # numpy's _lerp, for equal results


def payers(g: CaseGraph, node: int, group: set[int]) -> tuple[set[int], set[int]]:
    """Members of ``group`` who pay ``node``, and members ``node`` pays."""
    nbr, eid = g.neighbours(node)
    ms = g.measures
    moves = (ms["n_uv_tx"][eid] > 0) | (ms["n_vu_tx"][eid] > 0)  # the links money moves on
    nbr, eid = nbr[moves], eid[moves]
    inside = np.fromiter((j in group for j in nbr.tolist()), dtype=bool, count=len(nbr))
    nbr, eid = nbr[inside], eid[inside]
    node_is_v = g.v[eid] == node
    to_node = np.where(node_is_v, ms["n_uv_tx"][eid], ms["n_vu_tx"][eid]) > 0
    from_node = np.where(node_is_v, ms["n_vu_tx"][eid], ms["n_uv_tx"][eid]) > 0
    return set(nbr[to_node].tolist()), set(nbr[from_node].tolist())


def is_supplier(g: CaseGraph, node: int, group: set[int]) -> bool:
    """Paid by one member only, who is himself paid by two or more members (the organizer
    paying his supplier), and paying no member."""
    into, out = payers(g, node, group - {node})
    if len(into) != 1 or out:
        return False
    boss = next(iter(into))
    return len(payers(g, boss, group - {boss, node})[0]) >= 2


def ties(g: CaseGraph, node: int, group: set[int]) -> float:
    """``node``'s fused tie to the members of ``group`` (link weights summed in order)."""
    nbr, eid = g.neighbours(node)
    return float(sum(w for j, w in zip(nbr.tolist(), g.weight[eid].tolist(), strict=True)
                     if j in group))


def organizer(g: CaseGraph, members: np.ndarray) -> int:
    """Receives money from most members, calls most of them; ties by call volume."""
    members = np.asarray(members, dtype=np.int64)
    pos, nbr, eid = g.star(members)
    inside = member_mask(np.sort(members), nbr)
    pos, eid = pos[inside], eid[inside]
    ms = g.measures
    is_v = g.v[eid] == members[pos]
    into = np.where(is_v, ms["n_uv_tx"][eid], ms["n_vu_tx"][eid]) > 0
    k = len(members)
    payers_in = np.bincount(pos, weights=into.astype(np.float64), minlength=k)
    partners = np.bincount(pos, weights=(ms["n_calls"][eid] > 0).astype(np.float64),
                           minlength=k)
    volume = np.bincount(pos, weights=ms["n_calls"][eid].astype(np.float64), minlength=k)
    keys = [(2 * int(payers_in[p]) + int(partners[p]), float(volume[p]), -int(members[p]))
            for p in range(k)]
    return int(members[max(range(k), key=keys.__getitem__)])
