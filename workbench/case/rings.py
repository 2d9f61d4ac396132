"""The graph, rings and key players of a case: the analysis part of :class:`~workbench.case.Case`.

A part of the composed case: it works through the shared state (``self._state``: path,
open, time, caches) and reaches the other parts through the case (``self._case``).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .. import __version__
from ..contract import DEFAULT_TZ
from ..errors import WorkbenchError
from ..evidence import LinkParams, build_layers
from ..identity.review import identity_summary
from ..rings import RING_DEFAULTS, user_ids
from ..store import lookups
from .ahead import money_ahead
from .cache import copy_result, plain, request_key, result_bytes, result_from_bytes

if TYPE_CHECKING:
    from ..graph import CaseGraph, LayerWeights
    from ..rings import RingResult
    from .facade import Case
    from .state import CaseState

__all__ = ["RingsPart"]


class RingsPart:
    """One part of :class:`~workbench.case.Case`: it shares the case's
    :class:`~workbench.case.state.CaseState` (store path, caches) and reaches the other parts
    through the case."""

    def __init__(self, state: CaseState, case: Case) -> None:
        self._state = state
        self._case = case
        #: the money-pattern search of the ring search under way, started ahead
        self._ahead = None

    def graph(
        self,
        *,
        since: str | dt.datetime | None = None,
        until: str | dt.datetime | None = None,
        layers: Iterable[str] | None = None,
        weights: LayerWeights | None = None,
        link_params: LinkParams | None = None,
        hubs: Iterable[str] | None = None,
        not_hubs: Iterable[str] | None = None,
    ) -> tuple[CaseGraph, dict]:
        """The fused graph of the case for a time window and layer choice (cached).

        Returns ``(graph, info)``; ``info`` holds the link parameters, layer weights, hubs
        set aside, the store fingerprint and record counts.
        """
        from ..graph import LayerWeights, build_graph, reweight

        with self._state.open() as store:
            fingerprint = store.fingerprint()
            token = self._state.token(store)
            base = link_params or LinkParams()
            lo, hi = self._state.window(since, until, store)
            params = LinkParams(**{**base.__dict__, "since": lo, "until": hi,
                                   "hubs": user_ids(hubs) or base.hubs,
                                   "not_hubs": user_ids(not_hubs) or base.not_hubs})
            w = weights or LayerWeights()
            if layers is not None:
                w = w.only(list(layers))
            key = (token, params)
            t0 = time.perf_counter()
            if key not in self._state.graphs:  # layers in SQL once per data and time window
                stored_key = request_key("graph", params.as_dict())
                kept = self._state.cache.get(store, token, "graph", stored_key)
                if kept is None:
                    built = build_layers(store.con, params)
                    graph = build_graph(store.con, built, LayerWeights())
                    kept = (graph, json.loads(json.dumps({
                        "links": _local_window(params.as_dict(), store),
                        "hubs": built.hubs,
                        "hub_threshold": built.hub_threshold, "copresence": built.copresence,
                        "currency": built.currency,
                        "services": {k: v for k, v in built.service_info.items()
                                     if k != "busy"},
                        "busy": [{k: b[k] for k in ("kind", "id", "counterparts", "service",
                                                    "reason")} for b in
                                 built.service_info.get("busy", [])],
                        "fingerprint": fingerprint,
                        "counts": store.counts()}, default=plain)))
                    self._state.cache.put(store, token, "graph", stored_key, kept)
                self._state.graphs = {key: kept}
            base, base_info = self._state.graphs[key]
        graph = base if w == base.weights else reweight(base, w)  # new weights: numpy only
        info = {**base_info, "weights": w.as_dict(), "token": token,
                "graph": {"nodes": graph.n, "edges": graph.m},
                "seconds": round(time.perf_counter() - t0, 3)}
        return graph, info

    def rings(
        self,
        *,
        since: str | dt.datetime | None = None,
        until: str | dt.datetime | None = None,
        layers: Iterable[str] | None = None,
        weights: LayerWeights | None = None,
        resolution: float | None = None,
        min_size: int = RING_DEFAULTS["min_size"],
        max_size: int = RING_DEFAULTS["max_size"],
        min_score: float | None = None,
        seed: int = RING_DEFAULTS["seed"],
        min_weight: float = RING_DEFAULTS["min_weight"],
        warm: bool = RING_DEFAULTS["warm"],
        hubs: Iterable[str] | None = None,
        not_hubs: Iterable[str] | None = None,
        around: Iterable[str] | None = None,
    ) -> RingResult:
        """Find and rank rings, best first, with every parameter and the data fingerprint.

        Parameters
        ----------
        since, until : str or datetime, optional
            Time window (local time of the case).
        layers : iterable of str, optional
            Layers to use (default all: calls, money, coarrest, kinship, shared).
        resolution : float, optional
            One CPM resolution instead of the default sweep.
        min_size, max_size, min_score, seed
            See :class:`workbench.rings.search.RingParams`.
        min_weight : float
            Links weaker than this are left out of the search.
        warm : bool
            Start Leiden from the previous run's partition on the same graph (interactive
            re-runs; results may then depend on the previous run, which is recorded).
        hubs, not_hubs : iterable of str, optional
            Numbers or accounts to treat as services, or as persons, whatever their
            behaviour (see :mod:`workbench.evidence.services`).
        around : iterable of str, optional
            Targets (ids, numbers or names): report the groups around them instead
            (one-sided exports: the found rings that hold a target, and groups for the
            targets in none; :func:`workbench.rings.focus.rings_around`).
        """
        options = dict(locals())
        del options["self"]
        # one open of the store for the whole search (graph, rings, money patterns, flags):
        # the inner blocks reuse it and what is kept is written once, at its end
        with self._state.open():
            try:
                return self._rings(**options)
            finally:  # the money search started ahead ends before the store closes
                ahead, self._ahead = self._ahead, None
                if ahead is not None:
                    ahead.wait()

    def _rings(self, *, since, until, layers, weights, resolution, min_size, max_size,
               min_score, seed, min_weight, warm, hubs, not_hubs, around) -> RingResult:
        from ..rings import build_request, find_rings, rings_around

        with self._state.open() as store:
            tz = store.meta("timezone") or DEFAULT_TZ
        request = build_request(
            tz=tz, since=since, until=until, layers=list(layers) if layers is not None else None,
            resolution=resolution, min_size=min_size, max_size=max_size, min_score=min_score,
            seed=seed, min_weight=min_weight, warm=warm, hubs=hubs, not_hubs=not_hubs,
            around_ids=self._case.resolve_all(around) if around else ())
        params = request.ring
        given = [*request.hubs, *request.not_hubs]
        if given:  # an unknown number or account is an error, never an empty success
            with self._state.open() as store:
                known = (lookups.numbers_present(store.con, given)
                         | lookups.accounts_present(store.con, given))
            unknown = [x for x in given if x not in known]
            if unknown:
                raise WorkbenchError(f"--hub/--not-hub: no number or account "
                                     f"{', '.join(map(repr, unknown))} in this case")
        self._ahead = money_ahead(self._state, request)
        graph, info = self.graph(since=request.since, until=request.until,
                                 layers=request.layers, weights=weights,
                                 hubs=request.hubs, not_hubs=request.not_hubs)
        weights_key = tuple(sorted(info["weights"].items()))
        # a warm start reuses the partition of the same graph (data, window, weights)
        graph_key = (info["token"], request.since, request.until, weights_key)
        initial = self._state.memberships.get(graph_key) if warm else None
        if initial is not None and len(initial) != graph.n:
            initial = None
        asked = (info["token"], weights_key, request)  # as asked (a warm one: see below)
        if warm and initial is None:  # nothing to start from: the same as a cold search
            request = dataclasses.replace(request, warm=False)
        key = (info["token"], weights_key, request)  # same data, same request
        cached = self._state.results.get(key)
        stored_key = request_key("rings", {"weights": weights_key, "request": request,
                                           "with": "money-pattern (evidence rule 2)"})
        if cached is None and not request.warm:  # a warm result depends on the run before
            with self._state.open() as store:
                cached = self._state.cache.get(store, info["token"], "rings", stored_key)
                kept = (self._state.cache.get(store, info["token"], "membership",
                                              stored_key + ":membership")
                        if cached is not None else None)
            if cached is not None:
                self._state.results = {**dict(list(self._state.results.items())[-7:]),
                                       key: cached}
                if kept is not None and len(kept) == graph.n:  # a later warm start needs it
                    self._state.memberships = {graph_key: kept}
        if cached is not None:
            if asked != key:  # see below: the same answer to the warm request that follows
                self._state.results = {**dict(list(self._state.results.items())[-7:]),
                                       asked: cached}
            return copy_result(cached)
        if min_weight > 0:
            graph = graph.edges_at_least(min_weight)
        t0 = time.perf_counter()
        result, memberships = find_rings(graph, params, initial=initial)
        if request.around:  # the found rings that hold a target, and groups for the rest
            result = rings_around(graph, list(request.around), params, found=result.rings)
        if memberships:
            self._state.memberships = {graph_key: memberships[0]}
        if not request.around and (request.layers is None or "money" in request.layers):
            self._add_patterns(result, graph, request)
        self._flag_regional(result)
        with self._state.open() as store:
            result.params["identity"] = identity_summary(store.con)
        result.params.update({
            "min_weight": float(min_weight), "warm_start": initial is not None,
            "links": info["links"], "weights": info["weights"], "hubs": info["hubs"],
            "hub_threshold": info["hub_threshold"], "services": info["services"],
            "busy": info["busy"], "copresence": info["copresence"],
            "currency": info.get("currency", "CNY"),
            "fingerprint": info["fingerprint"], "timezone": tz,
            "counts": info["counts"], "graph": info["graph"], "tool": f"workbench {__version__}",
            "seconds": {"graph": info["seconds"], "rings": round(time.perf_counter() - t0, 3)},
        })
        result = json_result(result)  # as a follow-up process will read it back
        # a warm request made cold is also the answer to the same warm request that follows
        # at once (the Explorer's view after its refresh), not a second search started from
        # this one's partition
        self._state.results = {**dict(list(self._state.results.items())[-6:]), asked: result,
                               key: result}
        if not request.warm:
            with self._state.open() as store:
                self._state.cache.put(store, info["token"], "rings", stored_key, result)
                if memberships:
                    self._state.cache.put(store, info["token"], "membership",
                                          stored_key + ":membership", memberships[0])
        return copy_result(result)

    def players(self, **ring_options):
        """Everyone ranked as a key player for a ring search with these options (a
        DataFrame, best first; kept in the store like the rings)."""
        from ..analysis import key_players

        result = self.rings(**ring_options)
        graph = self.ring_graph(ring_options.get("since"), ring_options.get("until"),
                                 ring_options)
        with self._state.open() as store:
            token = self._state.token(store)
            stored_key = request_key("players", {"params": result.params,
                                                 "rings": [r.as_dict() for r in result.rings]})
            key = (token, stored_key)
            if key not in self._state.players:
                df = self._state.cache.get(store, token, "players", stored_key)
                if df is None:
                    between, params = self.betweenness(graph)
                    df = key_players(graph, result, top=None, between=between)
                    df.attrs["betweenness"] = params
                    self._state.cache.put(store, token, "players", stored_key, df)
                self._state.players = {key: df}
            return self._state.players[key].copy()

    def betweenness(self, graph: CaseGraph) -> tuple:
        """The key players' betweenness of ``graph``
        (:func:`~workbench.analysis.players.sampled_betweenness` of its ranked nodes) and its
        params; computed once per graph (its links and weights) and kept in the store: it
        depends on the graph only, not on the rings."""
        import hashlib

        import numpy as np

        from ..analysis import ranked_nodes, sampled_betweenness

        digest = hashlib.md5()
        for arr in (np.asarray([graph.n]), graph.u, graph.v, graph.weight):
            digest.update(np.ascontiguousarray(arr).tobytes())
        with self._state.open() as store:
            token = self._state.token(store)
            key = (token, digest.hexdigest())
            stored_key = request_key("betweenness", {"graph": digest.hexdigest()})

            def kept() -> tuple:
                found = self._state.cache.get(store, token, "betweenness", stored_key)
                if found is None:
                    found = sampled_betweenness(graph, ranked_nodes(graph))
                    self._state.cache.put(store, token, "betweenness", stored_key, found)
                return found

            between, params = self._state.remember("between", key, kept, keep=4)
        return between, dict(params)

    def node_scores(self, **ring_options) -> tuple[dict, dict | None]:
        """A view's node sizes: each node's key-player score (:meth:`players`) for a ring
        search with these options, and what it was computed on.

        Under the default weights and no link filter this is :meth:`players`' score. Under
        other weights, layers or a minimum link strength the ring part and the strength part
        follow the filters but the betweenness part (a fifth of the score) is the one of the
        window's graph at the default weights, computed once per window: a filter change in
        the Explorer does not pay for a whole-graph betweenness (1-2 s on a 20,000-person
        county) to size a few dozen nodes. Returns ``({id: score}, note)``, ``note`` None
        when the score is :meth:`players`' own.
        """
        from ..analysis import key_players

        since, until = ring_options.get("since"), ring_options.get("until")
        graph = self.ring_graph(since, until, ring_options)
        base, _ = self.graph(since=since, until=until, hubs=ring_options.get("hubs"),
                             not_hubs=ring_options.get("not_hubs"))
        if graph is base:
            df = self.players(**ring_options)
            return dict(zip(df["person_id"], df["score"], strict=True)), None
        result = self.rings(**ring_options)
        with self._state.open() as store:
            token = self._state.token(store)
        # the graph's options, and what the score reads of the result (rings' members, roles
        # and scores, brokers, reach): the same ring list shown again (another ring's view)
        # is not scored again
        key = (token, json.dumps([{k: ring_options.get(k) for k in (
            "since", "until", "layers", "weights", "hubs", "not_hubs", "min_weight")},
            [(r.id, r.score, r.roles) for r in result.rings], result.brokers, result.reach],
            sort_keys=True, default=plain))
        def scores() -> dict:
            df = key_players(graph, result, top=None, between=self.betweenness(base)[0])
            return dict(zip(df["person_id"], df["score"], strict=True))

        score = self._state.remember("scores", key, scores)
        note = {"betweenness": "of the window's graph at the default layer weights, "
                               "without the link filter"}
        return dict(score), note

    def find_ring(self, result: RingResult, ring_id: str):
        """The ring ``ring_id`` of ``result`` (its id, or its rank as ``#3``); otherwise an
        error naming the ring of this result that shares most members with the ring that
        id named before (in this session or any result kept in the store)."""
        from ..rings.ids import closest

        wanted = str(ring_id).strip()
        for ring in result.rings:
            if ring.id.lower() == wanted.lower() or f"#{ring.rank}" == wanted:
                return ring
        names = self._case.names(r.leader for r in result.rings)
        if not result.rings:
            raise WorkbenchError(f"no ring {wanted!r}: this search found no rings")
        members = None
        with self._state.open() as store:
            seen = [*self._state.results.values(), *self._state.cache.rings_seen(store)]
        for earlier in seen:
            match = next((r for r in earlier.rings if r.id.lower() == wanted.lower()), None)
            if match is not None:
                members = set(match.members)
                break
        if members is not None:
            i, share = closest([set(r.members) for r in result.rings], members)
            if i is not None:
                near = result.rings[i]
                raise WorkbenchError(
                    f"ring {wanted} is not in this result (its members are grouped "
                    f"differently with these options); closest: {near.id} (rank {near.rank}, "
                    f"organizer {_label(near.leader, names)}, {share:.0%} of members shared)")
            raise WorkbenchError(f"ring {wanted} is not in this result and none of its "
                                 f"members is in a ring here ({len(result.rings)} rings; "
                                 "`workbench rings` lists them)")
        top = ", ".join(f"{r.id} ({_label(r.leader, names)})" for r in result.rings[:3])
        raise WorkbenchError(f"no ring {wanted!r} in this case (ids look like "
                             f"{result.rings[0].id}; best: {top}; `workbench rings` lists "
                             f"all {len(result.rings)})")

    def _add_patterns(self, result: RingResult, graph: CaseGraph, request) -> None:
        """Money patterns as evidence (:func:`workbench.analysis.patterns.add_money_patterns`):
        tier ``money-pattern``; what was used goes to ``params.money_patterns``."""
        from ..analysis.patterns import add_money_patterns
        from ..money import patterns_of_case

        with self._state.open() as store:
            # they depend on the data and the window only (not on weights, layers or the
            # link filter): found once per window, a copy used per search
            key = (self._state.token(store), request.since, request.until)
            ahead = self._ahead if self._ahead is not None and self._ahead.key == key else None
            doc = copy.deepcopy(self._state.remember(
                "patterns", key, ahead.result if ahead is not None else
                lambda: patterns_of_case(store, request.since, request.until)))
        if doc is not None:
            add_money_patterns(doc, result, graph, min_size=request.ring.min_size,
                               trim=request.ring.trim)

    def _flag_regional(self, result: RingResult) -> None:
        """Set each ring's ``regional`` field (:func:`workbench.analysis.flag_rings`)."""
        from ..analysis import flag_rings, registration_codes

        with self._state.open() as store:
            codes = self._state.remember(  # one query per data, not per search
                "codes", self._state.token(store), lambda: registration_codes(store.con))
            flag_rings(result, codes)

    def rank(self, *, since=None, until=None, top: int | None = 50, **ring_options):
        """Persons ranked as key players, best first (a DataFrame); see
        :func:`workbench.analysis.players.key_players`."""
        if top is not None and top < 1:
            raise WorkbenchError("--top must be at least 1")
        df = self.players(since=since, until=until, **ring_options)
        return df.head(top).reset_index(drop=True) if top is not None else df

    def ring_graph(self, since, until, ring_options: dict) -> CaseGraph:
        """The graph a ring search with these options ran on (layers, weights, services,
        ``min_weight``)."""
        graph, _ = self.graph(since=since, until=until, layers=ring_options.get("layers"),
                              weights=ring_options.get("weights"),
                              hubs=ring_options.get("hubs"),
                              not_hubs=ring_options.get("not_hubs"))
        min_weight = float(ring_options.get("min_weight") or 0.0)
        return graph.edges_at_least(min_weight) if min_weight > 0 else graph

    def paths(self, a: str, b: str, *, since=None, until=None,
              via_services: bool = False) -> list[dict]:
        """Strongest and shortest paths between two persons (or ``tel:`` nodes), with the
        evidence on each hop; empty when they are not connected. Paths keep off service
        numbers and accounts and their holders (the power company, a carrier's line)
        unless ``via_services``."""
        from ..analysis import find_paths, services

        a, b = self._case.resolve(a), self._case.resolve(b)
        graph, _ = self.graph(since=since, until=until)
        for node in (a, b):
            try:
                graph.index(node)
            except KeyError:
                raise WorkbenchError(f"{node!r} has no links in this case"
                                     + (" in this time window" if since or until else ""))\
                    from None
        return find_paths(graph, a, b, avoid=None if via_services else services(graph))

    def network(self, persons: Iterable[str], *, hops: int = 0, connect: bool = False,
                min_weight: float = 0.0, layers=None, since=None, until=None):
        """A networkx graph for what a person looks at: ``persons``, plus ``hops`` of
        expansion and, with ``connect``, the connecting network among them. Nodes carry
        name, ring and role; edges carry the layer strengths and measures."""
        persons = self._case.resolve_all(persons)
        graph, _ = self.graph(since=since, until=until)
        for node in persons:
            try:
                graph.index(node)
            except KeyError:
                raise WorkbenchError(f"{node!r} has no links in this case") from None
        return self._case.parts.rings.network_of(graph, persons, hops=hops, connect=connect,
                             min_weight=min_weight, layers=layers)

    def network_of(self, graph: CaseGraph, persons, *, hops: int = 0, connect: bool = False,
                   min_weight: float = 0.0, layers=None, max_nodes: int = 2000,
                   via_services: bool = False):
        """The networkx graph of ``persons`` and ``hops`` around them (never through a
        service number or account unless ``via_services``; at most ``max_nodes``), with
        names."""
        from ..analysis import connecting_network, expand, services

        nodes = set(persons)
        if connect and len(nodes) > 1:
            nodes |= connecting_network(graph, sorted(nodes))
        if hops:
            nodes |= expand(graph, sorted(nodes), hops=hops, min_weight=min_weight,
                            layers=list(layers) if layers else None, max_nodes=max_nodes,
                            avoid=None if via_services else services(graph))
        with self._state.open() as store:
            attrs = {pid: {"name": name} for pid, name in
                     lookups.names(store.con, nodes).items()}
        return graph.subgraph(sorted(nodes), attrs)

    def centrality(self, persons: Iterable[str], **network_options):
        """Degree, weighted degree, betweenness and eigenvector centrality of the network
        around ``persons`` (see :meth:`network`)."""
        from ..analysis import centrality_table

        return centrality_table(self.network(persons, **network_options))

    def disruption(self, ring_id: str, *, max_k: int = 3, top: int = 10, **ring_options):
        """Which up-to-``max_k`` arrests break a ring most (a DataFrame, best first per k)."""
        from ..analysis import disruption

        if top < 1:
            raise WorkbenchError("--top must be at least 1")
        result = self.rings(**ring_options)
        ring = self.find_ring(result, ring_id)
        graph = self.ring_graph(ring_options.get("since"), ring_options.get("until"),
                                 ring_options)
        return disruption(graph, ring.members, organizer=ring.leader, max_k=max_k, top=top)


def _local_window(links: dict, store) -> dict:
    """The link parameters with ``since`` and ``until`` in the case's zone (as the analyst
    wrote them), not UTC."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(store.meta("timezone") or DEFAULT_TZ)
    out = dict(links)
    for k in ("since", "until"):
        if out.get(k):
            out[k] = dt.datetime.fromisoformat(out[k]).astimezone(zone).isoformat()
    return out


def _label(pid: str, names: dict) -> str:
    return f"{names[pid]} ({pid})" if names.get(pid) else str(pid)


def json_result(result: RingResult) -> RingResult:
    """The result as it reads back from the store (JSON types: lists, not tuples or numpy),
    so a first run and a follow-up give the same document."""
    return result_from_bytes(result_bytes(result))
