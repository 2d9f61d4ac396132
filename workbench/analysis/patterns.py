"""Money patterns as evidence in the rings: tier ``money-pattern``.

A money pattern (:func:`workbench.money.find_patterns`: fan-in, fan-out, cycle,
scatter-gather, gather-scatter, bipartite layering) holds a group of persons, the holders of
its accounts. :func:`add_patterns` puts each pattern into a ring search's result:

* a ring with a stronger kind of evidence (calls, arrests, meetings) that holds at least half
  of the pattern's persons keeps its tier and lists the pattern in ``evidence.patterns``;
* otherwise the pattern's persons form a ring of tier ``money-pattern`` (with the other
  kinds its members show, e.g. ``calls+money-pattern``); a member of a ring held by money
  alone (tier ``money`` or ``none``) moves to it, a member of a stronger ring stays there
  (``evidence.patterns[0].also_in``).

The pattern's score (a log10 likelihood ratio against the case's null) is put on the rings'
scale by the number of candidates the search weighed: ``c = s / (s + log10 candidates)``,
one half when the pattern is as unlikely as one in all the candidates tried; the ring is
scored as any ring (:func:`workbench.rings.scoring.combine`: breadth x the weighted mean of
its components, on [0, 1)) with ``c`` standing in for the money component at weight
:data:`PATTERN_WEIGHT`. A pattern
joins the rings as evidence of a ring that holds half of its persons when the money search
reports it (score above its ``min_score``, 0 by default: more likely planted than chance),
and as a ring of its own when ``c >= 1/2`` (beyond chance after all the candidates weighed).
A case whose only evidence is money is judged on what it has, as a calls-only case is: every
reported pattern is a ring, and the rings held by money flowing to one member alone (tier
``money``, the shape of a family sending money home, untested) rank after them. Scores are
continuous, so rings do not tie.

Examples
--------
>>> round(pattern_strength(8.0, 4000), 4)
0.6895
>>> pattern_strength(1.0, 4000) < 0.5
True
"""

from __future__ import annotations

import logging
import math

import numpy as np

from ..rings.family import family_of
from ..rings.ids import number_rings
from ..rings.scoring import (
    COMPONENT_KIND,
    KINDS,
    SCORE_WEIGHTS,
    Baseline,
    breadth_of,
    combine,
    organizer,
    score_group,
    signals_of,
    tier_score,
)

__all__ = ["PATTERN_WEIGHT", "PATTERN_WEIGHTS", "TIER", "add_patterns", "add_money_patterns",
           "pattern_strength", "pattern_summary"]

log = logging.getLogger(__name__)

#: pattern kinds whose transfers all go through one account (their hub)
FANS = ("fan-in", "fan-out")

#: the tier of a ring held by a money pattern
TIER = "money-pattern"
#: weight of a money pattern in a ring's score: the weight of the calls kind in full
#: (ring-like calls, cohesion, intensity), so one kind at full strength scores alike
PATTERN_WEIGHT = sum(w for c, w in SCORE_WEIGHTS.items() if COMPONENT_KIND[c] == "calls")
#: the weights of a money-pattern ring's components: the pattern instead of money to one member
#: (and its intensity: a pattern's transfers are one per pair by definition)
PATTERN_WEIGHTS = {**{c: w for c, w in SCORE_WEIGHTS.items() if COMPONENT_KIND[c] != "money"},
                   "money_pattern": PATTERN_WEIGHT}
#: the roles whose account leads a pattern (its organizer, when a person holds it)
_LEAD = ("hub", "origin", "order", "layer 1")


def pattern_strength(score: float, candidates: int) -> float:
    """A pattern's log10 likelihood ratio on [0, 1): ``s / (s + log10 candidates)``.

    Examples
    --------
    >>> pattern_strength(0.0, 100), pattern_strength(2.0, 100)
    (0.0, 0.5)
    """
    ref = math.log10(max(int(candidates), 10))
    s = max(float(score), 0.0)
    return s / (s + ref)


def pattern_summary(pattern: dict, persons: dict[str, str], strength: float) -> dict:
    """What a ring lists of a pattern: kind, score, accounts and persons, and its transfers
    in time order with each end's holder (file and line kept).

    Examples
    --------
    >>> p = {"kind": "cycle", "score": 3.0, "accounts": ["A", "B"], "amount": {"CNY": "5"},
    ...      "first": "t0", "last": "t1", "evidence": {"roles": {"order": ["A", "B"]},
    ...      "transfers": [{"from": "A", "to": "B", "amount": "5", "currency": "CNY",
    ...                     "at": "t0", "file": "f.csv", "line": 2}]}}
    >>> s = pattern_summary(p, {"A": "P1"}, 0.5)
    >>> s["transfers"][0]["order"], s["transfers"][0]["from_person"], s["transfers"][0]["to_person"]
    (1, 'P1', 'acct:B')
    """
    transfers = []
    for n, t in enumerate(pattern["evidence"]["transfers"], start=1):
        transfers.append({**t, "order": n,
                          "from_person": persons.get(t["from"], f"acct:{t['from']}"),
                          "to_person": persons.get(t["to"], f"acct:{t['to']}")})
    return {"kind": pattern["kind"], "score": pattern["score"], "strength": round(strength, 4),
            "accounts": list(pattern["accounts"]),
            "persons": {a: persons[a] for a in pattern["accounts"] if a in persons},
            "roles": pattern["evidence"].get("roles", {}), "amount": pattern["amount"],
            "first": pattern["first"], "last": pattern["last"], "transfers": transfers}


def _leader(pattern: dict, persons: dict[str, str], members: list[str]) -> str:
    roles = pattern["evidence"].get("roles", {})
    for role in _LEAD:
        for acct in roles.get(role, []):
            if persons.get(acct) in members:
                return persons[acct]
    return members[0]


def _stronger(ring) -> bool:
    """A ring held by more than money alone (calls, arrests, meetings)."""
    kinds = set(ring.tier.split("+"))
    return bool(kinds & {"calls", "arrests", "copresence"}) and ring.tier != "none"


def _rescore(g, ring, base: Baseline) -> None:
    """A ring's score, components, evidence and family again after members left."""
    arr = np.array(sorted(g.index(m) for m in ring.members), dtype=np.int64)
    ring.score, ring.components, ring.evidence, edges = score_group(g, arr, base)
    if ring.leader not in ring.members:
        ring.leader = str(g.ids[organizer(g, arr)])
    ring.roles = {m: ("organizer" if m == ring.leader else "member") for m in ring.members}
    ring.family = family_of(g, arr, edges, g.index(ring.leader))


def _pattern_ring(g, members: list[str], leader: str, summary: dict, strength: float,
                  base: Baseline, ring_cls):
    """A ring of tier ``money-pattern`` (plus the other kinds its members show); its score
    takes the pattern's ``strength`` unrounded (the summary shows it to four places)."""
    arr = np.array(sorted(g.index(m) for m in members), dtype=np.int64)
    _, comp, evidence, edges = score_group(g, arr, base)
    # the kinds its members show besides money (the pattern is this group's money evidence)
    fired = evidence["tier"].split("+") if comp.get("kinds", 0) > 0 else []
    others = [k for k in fired if k in KINDS and k != "money"]
    comp = {**comp, "money_pattern": float(strength)}  # unrounded: scores must not tie
    # scored as any ring (:func:`~workbench.rings.scoring.combine`), the pattern standing in
    # for the money component: its breadth counts the pattern as one signal (it is tested
    # against chance by its shape, so no star rule), the weighted mean runs over the case's
    # kinds, and the score stays on [0, 1) like every other ring's
    # a fan whose members' calls all go through its hub as well is a seller and his
    # customers (DOMAIN.md's lone dealer): the calls and the transfers are the same spokes,
    # one signal, as the star rule of :func:`~workbench.rings.scoring.score_group` has it
    spokes = bool(evidence.get("star")) and "calls" in others and summary["kind"] in FANS
    signals = signals_of(comp, "calls" in others and not spokes, True, "copresence" in others)
    breadth = breadth_of(signals, base.kinds, spokes)
    score = combine(comp, breadth, base.kinds, PATTERN_WEIGHTS)
    comp.update({"breadth": breadth, "kinds": len(others) + 1,
                 "money_pattern": round(float(strength), 6),
                 "tier_score": round(tier_score(comp, others + ["money"], PATTERN_WEIGHTS),
                                     4),
                 # the pattern's own likelihood ratio orders rings of equal score
                 "pattern_score": float(summary["score"])})
    tier = [TIER if k == "money" else k for k in KINDS if k in others or k == "money"]
    evidence = {**evidence, "tier": "+".join(tier), "patterns": [summary]}
    roles = {m: ("organizer" if m == leader else "member") for m in members}
    return ring_cls(id="", members=sorted(members), leader=leader, score=score,
                    components=comp, family=family_of(g, arr, edges, g.index(leader)),
                    evidence=evidence, roles=roles)


def add_patterns(result, g, patterns: list[dict], persons: dict[str, str], *,
                 candidates: int, base: Baseline, min_size: int = 3,
                 trim: float = 0.35, min_score: float = 0.0) -> dict:
    """Put money patterns into a ring search's result (in place); see the module docstring.

    Parameters
    ----------
    result : RingResult
        The rings, best first; re-ranked and renumbered here.
    g : CaseGraph
        The graph the rings were found on (members are scored on it).
    patterns : list of dict
        :func:`workbench.money.find_patterns`' patterns, best first.
    persons : dict
        Account -> holder (person id); accounts nobody holds stand for no one.
    candidates : int
        How many candidate patterns the money search weighed (the multiplicity).
    base : Baseline
        The case's ring baseline (:func:`workbench.rings.scoring.baseline`).
    min_size : int
        Fewest persons of a ring of its own.
    trim : float
        The search's tie rule (brokers and reach are found again when rings changed).
    min_score : float
        Patterns scoring no more than this stay out (the money search's own threshold).

    Returns
    -------
    dict
        What went where, for ``params``: ``{"weight", "reference", "min_pattern_score",
        "min_strength", "basis", "patterns", "attached", "rings", "rule"}``.
    """
    from ..rings.search import Ring

    ref = math.log10(max(int(candidates), 10))
    money_only = tuple(base.kinds) == ("money",)
    min_strength = 0.0 if money_only else 0.5
    info = {"weight": PATTERN_WEIGHT, "reference": round(ref, 4),
            "min_pattern_score": float(min_score), "min_strength": min_strength,
            "basis": "money only: every reported pattern, before the untested money rings"
                     if money_only else "evidence",
            "patterns": 0, "attached": 0, "rings": 0,
            "rule": "strength = score / (score + reference), reference = log10 candidates "
                    "(strength 0.5: as unlikely as one in all candidates); a pattern scoring "
                    "above min_pattern_score is listed by a ring with calls, arrests or "
                    "meetings holding half of its persons; otherwise, at min_strength or "
                    "more, its persons form a ring of tier money-pattern"}
    ring_of = {m: r for r in result.rings for m in r.members}
    touched: set[int] = set()
    made: list = []
    also: list[tuple[dict, dict]] = []

    def holds(ring) -> bool:  # keeps its members: more than money, or an earlier pattern
        return _stronger(ring) or any(ring is x for x in made)

    for p in patterns:
        if p["score"] <= min_score:
            break  # best first: the rest are weaker
        strength = pattern_strength(p["score"], candidates)
        info["patterns"] += 1
        members = [m for m in dict.fromkeys(persons[a] for a in p["accounts"] if a in persons)
                   if _in_graph(g, m)]
        summary = pattern_summary(p, persons, strength)
        rings_here = {id(ring_of[m]): ring_of[m] for m in members if m in ring_of}
        counts = {k: sum(1 for m in members if id(ring_of.get(m)) == k) for k in rings_here}
        best = max(rings_here.values(), key=lambda r: (counts[id(r)], r.score), default=None)
        if best is not None and holds(best) and 2 * counts[id(best)] >= len(members):
            best.evidence.setdefault("patterns", []).append(summary)
            info["attached"] += 1
            continue
        own = [m for m in members if m not in ring_of or not holds(ring_of[m])]
        if len(own) < min_size or strength < min_strength:
            continue
        also.append((summary, {m: ring_of[m] for m in members if m not in own}))
        for m in own:  # leaves a ring held by money alone
            if m in ring_of:
                ring_of[m].members.remove(m)
                touched.add(id(ring_of[m]))
        ring = _pattern_ring(g, own, _leader(p, persons, own), summary, strength, base, Ring)
        for m in own:
            ring_of[m] = ring
        made.append(ring)
    keep = []
    for r in result.rings:
        if id(r) in touched:
            if len(r.members) < min_size:
                continue
            _rescore(g, r, base)
        keep.append(r)
    info["rings"] = len(made)
    if money_only:  # the tested patterns before the untested money rings
        result.rings = sorted(keep + made, key=lambda r: (
            -int(r.components.get("kinds", 0)), r.tier == "money", *_evidence_key(r)))
    else:
        result.rings = sorted(keep + made, key=lambda r: (
            -int(r.components.get("kinds", 0)), *_evidence_key(r)))
    number_rings(result.rings)
    for summary, where in also:  # ids are the rings' final ones
        summary["also_in"] = {m: r.id for m, r in where.items()}
    if made or touched:
        from ..rings.brokers import brokers_of, reach_of

        result.brokers = brokers_of(g, result.rings, trim)
        result.reach = reach_of(g, result.rings, trim)
    log.info("money patterns: %d strong, %d listed by rings, %d rings of their own",
             info["patterns"], info["attached"], info["rings"])
    return info


def _evidence_key(ring) -> tuple:
    """Score, then the pattern's own log10 likelihood ratio (finer than the score's scale,
    which a strength near 0 or 1 compresses), then the members: equal scores are ordered
    by evidence before ids."""
    return (-ring.score, -float(ring.components.get("pattern_score", 0.0)), ring.members)


def _in_graph(g, node: str) -> bool:
    try:
        g.index(node)
    except KeyError:
        return False
    return True


def add_money_patterns(doc: dict, result, g, *, min_size: int = 3,
                       trim: float = 0.35) -> dict:
    """Put the money search's patterns (``doc``, :func:`workbench.money.patterns_of_case`)
    into ``result`` (in place), with what was used in ``result.params["money_patterns"]``.

    The one path of every ring search (the case store, ``--cut-hops``, ``--engine spark``).
    """
    from ..rings.scoring import baseline

    persons = {a: p for pat in doc["patterns"]
               for a, p in pat["evidence"].get("persons", {}).items()}
    search = doc["params"]
    info = add_patterns(result, g, doc["patterns"], persons, candidates=search["candidates"],
                        base=baseline(g), min_size=min_size, trim=trim,
                        min_score=search["min_score"])
    result.params["money_patterns"] = {
        **info, "candidates": search["candidates"], "reported": search["reported"],
        "transfers": search["transfers"], "one_off_transfers": search["one_off_transfers"],
        "services": len(search["services"]), "null": search["null"],
        "service_counterparts_fence": search["service_counterparts_fence"],
        "service_log_counterparts_fence": search["service_log_counterparts_fence"],
        "service_regular_share": search["service_regular_share"],
        "service_unlike_business_k": search.get("service_unlike_business_k"),
        "service_transfers_weighed": search.get("service_transfers_weighed"),
        "seconds": search["seconds"]}
    return result.params["money_patterns"]
