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
import sys
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from ..graph import CaseGraph, LeidenSweep, leiden
from .arrays import end_to_end, money_links, suppliers_of
from .batch import scored_groups
from .brokers import brokers_of, reach_of, separate_brokers
from .candidates import candidates_of, organizers
from .family import family_of
from .fragments import merge_fragments
from .growth import grow_cores, held_by, references
from .ids import number_rings
from .meetings import meeting_candidates
from .scoring import (
    PATTERN_CALLS,
    SCORE_WEIGHTS,
    SIGNAL_AT,
    Baseline,
    baseline,
    holds,
    rank_key,
    reported,
    score_group,
)

__all__ = ["RingParams", "Ring", "RingResult", "find_rings", "score_group", "SCORE_WEIGHTS"]

log = logging.getLogger(__name__)


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
    """One ring: members (ids), organizer, score with components, family core, evidence.

    ``family`` is None, or ``{"core", "share", "of"}`` (:func:`~.family.family_of`)."""

    id: str
    members: list[str]
    leader: str
    score: float
    components: dict[str, float]
    family: dict | None
    evidence: dict
    roles: dict[str, str] = field(default_factory=dict)
    brokers: list[str] = field(default_factory=list)
    key: str = ""
    regional: dict | None = None
    rank: int = 0

    @property
    def tier(self) -> str:
        """The kinds of evidence behind the ring, e.g. ``calls+money``."""
        return str(self.evidence.get("tier", "none"))

    @property
    def size(self) -> int:
        return len(self.members)

    def as_dict(self) -> dict:
        return {"id": self.id, "rank": self.rank, "members": self.members, "leader": self.leader,
                "family": self.family, "regional": self.regional, "tier": self.tier,
                "score": round(self.score, 6), "size": self.size,
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


def _link_flags(g: CaseGraph, base: Baseline
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Per link: ``signal`` (evidence: money, co-arrests, ring-like calls, meetings),
    ``joins`` (what lets a newcomer join a ring) and ``money_alone`` (evidence by money
    alone); and whether the case is ``structural`` (calls only: every group)."""
    ms = g.measures
    n_calls = ms["n_calls"]
    calls = np.maximum(n_calls, 1)
    # each link's night and short shares above the county's, as shares of what is left
    night = (ms["n_night"] / calls - base.night) / max(1e-9, 1 - base.night)
    short = (ms["n_short"] / calls - base.short) / max(1e-9, 1 - base.short)
    ringlike = (night >= SIGNAL_AT) | (short >= SIGNAL_AT)
    # evidence other than money: co-arrests, ring-like calls, meetings beyond chance
    # (look-alike meetings carry no weight)
    other = (ms["n_cases"] > 0) | ((n_calls >= PATTERN_CALLS) & ringlike)
    if "n_meet" in ms:
        other |= ms["n_meet"] > 0
    # calls only (meetings, e.g. on the same cell, are no more than calls): every group
    structural = set(base.kinds) <= {"calls", "copresence"} and "calls" in base.kinds
    if structural:  # calls only: a repeated contact is the evidence there is
        other |= n_calls >= 3
    paid = ms["n_tx"] > 0
    signal = paid | other
    # what lets a newcomer join a ring: evidence, where kin's links count only by a ring's
    # call pattern, more calls than the case's mean pair has (money and meetings between kin
    # are family life)
    pattern = 0.5 * np.clip(night, 0, 1) + 0.5 * np.clip(short, 0, 1)
    joins = (signal & (ms["kin"] == 0)) | (
        (n_calls >= max(3.0, base.calls_per_pair)) & (pattern >= SIGNAL_AT))
    # growth (:func:`_grow`): links that are evidence by money alone (no ring-like calls,
    # co-arrest or meeting) join only where the group's money moves
    money_alone = paid & ~other
    return signal, joins, money_alone, structural


def _strong_links(g: CaseGraph, lowest: float, service: np.ndarray) -> np.ndarray:
    """The links the search groups on (ascending ids): at least as strong as the lowest
    resolution (a weaker link cannot hold a pair inside a CPM community on its own:
    sparsification, not evidence), not a pair seen in one call and nothing else (contact,
    not a relationship), and no service's link (it carries no weight for grouping; it stays
    in the graph for the rest)."""
    keep = np.flatnonzero((g.weight >= lowest) & (
        (g.measures["n_calls"] >= 2) | (g.weight > g.strength.get("calls", 0) * 1.0000001)))
    if service.any():
        keep = keep[~service[g.u[keep]] & ~service[g.v[keep]]]
    return keep


def _accounts(ids: np.ndarray) -> np.ndarray:
    """Per node id, whether it is an account (``acct:<id>``); read by Arrow when the graph's
    build has loaded it (ids that are all strings), else one id at a time.

    >>> _accounts(np.array(["P1", "acct:9", "+8613800138000"], dtype=object)).tolist()
    [False, True, False]
    """
    # Arrow only where it is loaded already: importing it for this would cost more than
    # it saves (and the graph's build loads it before any thread starts, graph.fused)
    pa, pc = sys.modules.get("pyarrow"), sys.modules.get("pyarrow.compute")
    if pa is not None and pc is not None and len(ids):
        try:
            found = pc.starts_with(pa.array(ids, type=pa.large_string()), "acct:")
            return pc.fill_null(found, False).to_numpy(zero_copy_only=False)
        except (TypeError, ValueError):  # an id that is not a string: one at a time
            pass
    return np.array([str(x).startswith("acct:") for x in ids], dtype=bool)


def find_rings(g: CaseGraph, params: RingParams | None = None,
               initial: np.ndarray | None = None, *, fork: bool | None = None
               ) -> tuple[RingResult, list[np.ndarray]]:
    """Search, score and rank rings; see the module docstring.

    Returns the result and the memberships per resolution (for warm starts). ``fork``:
    whether the resolution sweep runs in a forked child (default: where it pays,
    :class:`~workbench.graph.sweep.LeidenSweep`); the answer is the same either way.
    """
    params = params or RingParams()
    timing = {}
    t0 = time.perf_counter()
    resolutions = params.resolutions or default_resolutions(g)
    service = g.node.get("service", np.zeros(g.n, dtype=np.int64)) > 0
    keep = _strong_links(g, min(resolutions), service)
    # the sweep's memberships come from a forked child where that pays
    # (:class:`~workbench.graph.sweep.LeidenSweep`), started first; meanwhile this process
    # prepares what the selection reads, looks at the evidence links and the meeting layer,
    # which do not depend on the sweep, then scores each membership as it arrives.
    # Candidates found twice score the same wherever found, and are kept in the order of
    # the sweep, then the evidence links', then the meetings'
    with LeidenSweep(g.n, g.u[keep], g.v[keep], g.weight[keep], resolutions,
                     seed=params.seed, initial=initial, n_iterations=params.n_iterations,
                     fork=fork) as sweep:
        timing["fork"] = sweep.fork_seconds
        if sweep.idle is not None:  # the machine's state, which chose (never the answer)
            timing["idle_core"] = float(sweep.idle)
        base = baseline(g)
        strong = np.zeros(g.m, dtype=bool)
        strong[keep] = True
        # ring members: persons and numbers standing for themselves; never accounts, never
        # service numbers (a taxi line is not a member of the rings that call it)
        person = ~_accounts(g.ids) & ~service
        signal, joins, money_alone, structural = _link_flags(g, base)
        g.csr()  # the adjacency and the money links, which the selection reads
        money = money_links(g)
        money.csr()
        # a ring whose members' circles call them more than they call each other: the
        # evidence links alone (ring-like calls, money, co-arrests, meetings; kin by call
        # pattern only)
        ev = joins & strong
        by_links: dict[tuple[int, ...], tuple] = {}
        if ev.any():
            r = sorted(resolutions)[len(resolutions) // 2]
            m = leiden(g.n, g.u[ev], g.v[ev], g.weight[ev], objective="CPM", resolution=r,
                       seed=params.seed, n_iterations=params.n_iterations)
            by_links = candidates_of(g, m, signal, person, base, min_size=params.min_size,
                                     max_size=params.max_size,
                                     max_candidate=params.max_candidate, trim=params.trim)
        # groups that meet but rarely call dissolve on the fused graph: the meeting layer
        met = meeting_candidates(g, base, person, min_size=params.min_size,
                                 max_size=params.max_size, trim=params.trim, seed=params.seed)
        t1 = time.perf_counter()
        timing["links_meetings"] = t1 - t0
        known = set(by_links)
        per_partition = []
        for k in range(len(resolutions)):
            m = sweep.get(k)
            t0 = time.perf_counter()
            timing["leiden"] = timing.get("leiden", 0.0) + t0 - t1
            found = candidates_of(g, m, signal, person, base, min_size=params.min_size,
                                  max_size=params.max_size, max_candidate=params.max_candidate,
                                  trim=params.trim, known=known)
            known.update(found)
            per_partition.append(found)
            t1 = time.perf_counter()
            timing["candidates"] = timing.get("candidates", 0.0) + t1 - t0
        memberships = list(sweep.memberships)
        timing["forked"] = float(sweep.forked)
    t0 = t1
    candidates: dict[tuple[int, ...], tuple] = {}
    for found in [*per_partition, by_links, met]:
        for key, scored in found.items():
            candidates.setdefault(key, scored)
    rings, brokers, reach = _selection(g, candidates, params, base, person, joins,
                                       money_alone, money, structural)
    timing["selection"] = time.perf_counter() - t0
    params_doc = {"ring": params.as_dict(), "resolutions": list(resolutions),
                  "objective": "CPM", "baseline": asdict(base), "candidates": len(candidates),
                  "meeting_candidates": len(met),
                  "basis": "calls only: every group of the call graph, ranked by score"
                           if structural else "evidence",
                  "timing": {k: round(v, 3) for k, v in timing.items()}}
    return RingResult(rings=rings, params=params_doc, brokers=brokers, reach=reach), memberships


def _selection(g: CaseGraph, candidates: dict, params: RingParams, base: Baseline,
               person: np.ndarray, joins: np.ndarray, money_alone: np.ndarray,
               money: CaseGraph, structural: bool
               ) -> tuple[list[Ring], dict[str, list[str]], dict[str, list[str]]]:
    """The rings from the scored candidates (step 4 of the module docstring): the best
    non-overlapping cores (``joins``, ``money_alone``: the links that let a newcomer join,
    :func:`_link_flags`), fragments joined, each core grown by the members tied to it as
    strongly as its own, brokers told apart; returns the rings (ranked and numbered), the
    brokers and the organizers' reach."""
    ranked = sorted(candidates.items(), key=lambda kv: (-kv[1][0], kv[0]))
    # 1. cores: the best non-overlapping candidates; a calls-only case (a wiretap of the ring
    # itself, a carrier export) gets every group of its call graph, ranked by score: groups
    # with ring-like calls first; the look-alike rule lowers a rank, it does not hide a group
    fallback = structural
    keep = ((lambda score, comp: score > 0) if fallback else
            (lambda score, comp: reported(score, comp, params.min_score)))
    cores = _cores(g, ranked, params, keep, money)
    if log.isEnabledFor(logging.DEBUG):
        log.debug("cores: %s", [[str(g.ids[i]) for i in c] for c in cores])
    # 2. a ring split in fragments by a fine resolution is joined again
    cores = merge_fragments(g, cores, params.trim, params.max_size)
    if log.isEnabledFor(logging.DEBUG):
        log.debug("merged: %s", [[str(g.ids[i]) for i in c] for c in cores])
    # 3. each core takes back members tied to it as strongly as its own (not other rings')
    rings: list[Ring] = []
    refs = [(set(core), ref) for core, ref in zip(
        cores, references(g, cores, params.trim).tolist(), strict=True)]
    # only groups with ring evidence hold their members against others (in a calls-only
    # case every household is a group, and must not keep a ring from its members)
    sorted_cores = [np.array(sorted(core), dtype=np.int64) for core in cores]
    disjoint = len({i for core in cores for i in core}) == sum(len(c) for c in cores)
    scored = (scored_groups(g, sorted_cores, base) if disjoint else
              [score_group(g, arr, base) for arr in sorted_cores])
    evident = [holds(*x[:3], params.min_score) for x in scored]
    meets = [bool(held_by(x[2], base)) for x in scored]
    kept = grow_cores(g, cores, refs, evident, meets, trim=params.trim,
                      min_size=params.min_size, max_size=params.max_size, person=person,
                      signal=joins, base=base, money_alone=money_alone, money=money)
    # the rings are disjoint (taken): scored all at once, the same values as one by one
    for arr, (score, comp, evidence, edges), leader in zip(
            kept, scored_groups(g, kept, base), organizers(g, kept), strict=True):
        ids = sorted(map(str, g.ids[arr].tolist()))
        roles = {m: "member" for m in ids}
        roles[str(g.ids[leader])] = "organizer"
        rings.append(Ring(
            id="", members=ids, leader=str(g.ids[leader]), score=score, components=comp,
            family=family_of(g, arr, edges, leader), evidence=evidence, roles=roles,
            key=hashlib.sha1(",".join(ids).encode()).hexdigest()[:10],
        ))
    separate_brokers(g, rings, params.trim, params.min_size, params.min_score, base)
    rings = [r for r in rings if r.size >= params.min_size]
    # the score filter runs on the final members: a ring rescored below it is not reported
    if not fallback:
        rings = [r for r in rings if reported(r.score, r.components, params.min_score)]
    rings.sort(key=rank_key)
    number_rings(rings)
    brokers = brokers_of(g, rings, params.trim, money)
    reach = reach_of(g, rings, params.trim)
    return rings, brokers, reach


def _cores(g: CaseGraph, ranked: list, params: RingParams, keep, money: CaseGraph
           ) -> list[list[int]]:
    """The best non-overlapping candidates that ``keep(score, components)`` accepts, each
    without the suppliers its members pay (read on ``money``, :func:`.arrays.money_links`,
    for every accepted candidate at once)."""
    cores: list[list[int]] = []
    taken: set[int] = set()
    # a supplier is paid: a node with no transfer at all is none (most, on a calls case)
    paid = np.zeros(g.n, dtype=bool)
    tx = g.measures["n_tx"] > 0
    paid[g.u[tx]] = True
    paid[g.v[tx]] = True
    kept = [key for key, (score, comp, *_rest) in ranked if keep(score, comp)]
    if not kept:
        return cores
    nodes, _key = end_to_end(kept)
    pays = np.logical_or.reduceat(paid[nodes], np.cumsum([0, *map(len, kept[:-1])])).tolist()
    # each key is ascending
    found = iter(suppliers_of(money, [np.array(key, dtype=np.int64)
                                      for key, p in zip(kept, pays, strict=True) if p]))
    for key, p in zip(kept, pays, strict=True):
        supplier = next(found) if p else None
        if taken.intersection(key):
            continue
        core = list(key) if supplier is None else [
            i for i, s in zip(key, supplier.tolist(), strict=True) if not s]
        if len(core) < params.min_size:
            continue
        cores.append(core)
        taken.update(core)
    return cores
