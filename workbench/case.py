"""``Case``: the facade the CLI and the notebook widgets use.

A ``Case`` knows the path of a case store and opens it only for the time of each call, so a
notebook never holds the file lock between cells.

Examples
--------
>>> import tempfile, os
>>> case = Case(os.path.join(tempfile.mkdtemp(), "case.duckdb"))
>>> case.counts()
Traceback (most recent call last):
...
workbench.errors.WorkbenchError: no case store at ...case.duckdb
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
import time
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from . import __version__
from .analysis import (
    centrality_table,
    connecting_network,
    disruption,
    expand,
    find_paths,
    key_players,
    temporal_path,
)
from .cdr import call_stream, frequency_matrix, heat_matrix, number_activity, pair_contacts
from .errors import WorkbenchError
from .evolution import default_windows, match_windows
from .graph import CaseGraph, LayerWeights, build_graph, reweight
from .ingest import IngestReport, ingest_paths
from .links import LinkParams, build_layers, common_contacts, records_among
from .normalize import (
    DEFAULT_REGION,
    DEFAULT_TZ,
    parse_id_number,
    parse_phone,
    parse_timestamp,
)
from .phones import SuccessorParams, find_burners, find_successors
from .ring_focus import rings_around, track_ring
from .rings import RingParams, RingResult, find_rings
from .store import Store
from .views.digest import jsonable_request, view_digest

__all__ = ["Case", "INGEST_MEMORY_MB"]


def _records(df) -> list[dict]:
    """DataFrame rows as JSON-friendly dicts (times as text, file as its name)."""
    rows = []
    for row in df.to_dict(orient="records"):
        clean = {}
        for k, v in row.items():
            if v is None or (isinstance(v, float) and v != v):
                clean[k] = None
            elif k == "file":
                clean[k] = Path(str(v)).name
            elif hasattr(v, "isoformat"):
                clean[k] = v.isoformat()
            elif hasattr(v, "item"):
                clean[k] = v.item()
            else:
                clean[k] = v if isinstance(v, int | float | str | bool) else str(v)
        rows.append(clean)
    return rows

def _identifiers(values: Iterable[str] | None) -> tuple[str, ...]:
    """User-given numbers or accounts, phone numbers in E.164 (others as given)."""
    out = []
    for value in values or ():
        try:
            out.append(parse_phone(str(value)))
        except ValueError:
            out.append(str(value).strip())
    return tuple(sorted(set(out)))


_PHONE_NODE = re.compile(r"^\+?[0-9]{3,16}$")

#: default DuckDB memory cap of an ingest, in MB
INGEST_MEMORY_MB = 1024


#: the call-record views :meth:`Case.call_views` can build
CALL_VIEWS = ("heat", "pairs", "frequency", "common")


class Case:
    """A case store by path; every method opens, works and closes.

    Parameters
    ----------
    path : str or Path
        The DuckDB case file (created on the first write).
    wait : float
        Seconds to wait for another process to release the file.
    """

    def __init__(self, path: str | os.PathLike, *, wait: float = 5.0) -> None:
        self.path = Path(path)
        self.wait = wait
        self._graphs: dict[tuple, tuple[CaseGraph, dict]] = {}
        self._memberships: dict[tuple, np.ndarray] = {}
        self._results: dict[tuple, RingResult] = {}
        self._players: dict[tuple, object] = {}
        self._records: dict[tuple, dict] = {}
        self._active: Store | None = None

    @contextmanager
    def open(self, *, write: bool = False):
        """Open the store for one block: ``with case.open() as store: ...``.

        Blocks nest: an inner read inside an outer block reuses the outer connection, so a
        compound call (a view: rings, evidence, identifiers) opens the file once.
        """
        active = self._active
        if active is not None and (not write or not active.read_only):
            yield active
            return
        store = Store(self.path, read_only=not write, wait=self.wait)
        self._active = store
        try:
            yield store
        finally:
            self._active = active
            store.close()

    def ingest(
        self,
        paths: Iterable[str | os.PathLike],
        *,
        kind: str | None = None,
        mapping: Mapping[str, Mapping[str, str]] | None = None,
        encoding: str | None = None,
        tz: str = DEFAULT_TZ,
        region: str = DEFAULT_REGION,
        progress: bool = False,
        memory_mb: int | None = INGEST_MEMORY_MB,
    ) -> IngestReport:
        """Ingest files or directories; see :func:`workbench.ingest.ingest_paths`.

        ``memory_mb`` caps DuckDB's memory during the ingest (it spills to disk beyond it),
        so peak memory stays flat however large the files are.
        """
        store = Store(self.path, wait=self.wait, memory_limit=memory_mb)
        try:
            return ingest_paths(store, paths, kind=kind, mapping=mapping, encoding=encoding,
                                tz=tz, region=region, progress=progress)
        finally:
            store.close()

    def rejects(self) -> list[dict]:
        """Rejected rows with file, line, column, reason and raw row."""
        with self.open() as store:
            return store.rejects()

    def counts(self) -> dict[str, int]:
        """Stored records per kind, and rejects."""
        with self.open() as store:
            return store.counts()

    def fingerprint(self) -> str:
        """Hash of the stored content; see :meth:`Store.fingerprint`."""
        with self.open() as store:
            return store.fingerprint()

    # -- analysis ----------------------------------------------------------------------
    def _time(self, value, store: Store) -> dt.datetime | None:
        if value is None or isinstance(value, dt.datetime):
            return value
        return parse_timestamp(str(value), tz=store.meta("timezone") or DEFAULT_TZ)

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
        with self.open() as store:
            fingerprint = store.fingerprint()
            base = link_params or LinkParams()
            params = LinkParams(**{**base.__dict__, "since": self._time(since, store),
                                   "until": self._time(until, store),
                                   "hubs": _identifiers(hubs) or base.hubs,
                                   "not_hubs": _identifiers(not_hubs) or base.not_hubs})
            w = weights or LayerWeights()
            if layers is not None:
                w = w.only(list(layers))
            key = (fingerprint, params)
            t0 = time.perf_counter()
            if key not in self._graphs:  # layers in SQL once per data and time window
                built = build_layers(store.con, params)
                graph = build_graph(store.con, built, LayerWeights())
                self._graphs = {key: (graph, {
                    "links": params.as_dict(), "hubs": built.hubs,
                    "hub_threshold": built.hub_threshold,
                    "services": {k: v for k, v in built.service_info.items() if k != "busy"},
                    "busy": [{k: b[k] for k in ("kind", "id", "counterparts", "service",
                                                "reason")} for b in
                             built.service_info.get("busy", [])],
                    "fingerprint": fingerprint,
                    "counts": store.counts()})}
            base, base_info = self._graphs[key]
        graph = base if w == base.weights else reweight(base, w)  # new weights: numpy only
        info = {**base_info, "weights": w.as_dict(),
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
        min_size: int = 3,
        max_size: int = 12,
        min_score: float | None = None,
        seed: int = 0,
        min_weight: float = 0.0,
        warm: bool = False,
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
            See :class:`workbench.rings.RingParams`.
        min_weight : float
            Links weaker than this are left out of the search.
        warm : bool
            Start Leiden from the previous run's partition on the same graph (interactive
            re-runs; results may then depend on the previous run, which is recorded).
        hubs, not_hubs : iterable of str, optional
            Numbers or accounts to treat as services, or as persons, whatever their
            behaviour (see :mod:`workbench.services`).
        around : iterable of str, optional
            Targets (ids, numbers or names): report the groups around them instead
            (one-sided exports; :func:`workbench.rings.rings_around`).
        """
        graph, info = self.graph(since=since, until=until, layers=layers, weights=weights,
                                 hubs=hubs, not_hubs=not_hubs)
        defaults = RingParams()
        params = RingParams(
            resolutions=(resolution,) if resolution is not None else None,
            min_size=min_size, max_size=max_size,
            min_score=defaults.min_score if min_score is None else min_score, seed=seed)
        targets = tuple(self.resolve_all(around)) if around else ()
        key = (info["fingerprint"], info["links"]["since"], info["links"]["until"],
               tuple(sorted(info["weights"].items())), params, float(min_weight),
               tuple(info["links"]["hubs"]), tuple(info["links"]["not_hubs"]), targets)
        cached = self._results.get(key)
        if cached is not None:
            return copy.deepcopy(cached)
        if min_weight > 0:
            graph = graph.edges_at_least(min_weight)
        initial = self._memberships.get(key[:4]) if warm else None
        if initial is not None and len(initial) != graph.n:
            initial = None
        t0 = time.perf_counter()
        if targets:
            result, memberships = rings_around(graph, list(targets), params), []
        else:
            result, memberships = find_rings(graph, params, initial=initial)
        if memberships:
            self._memberships = {key[:4]: memberships[0]}
        self._flag_regional(result)
        result.params.update({
            "min_weight": float(min_weight), "warm_start": initial is not None,
            "links": info["links"], "weights": info["weights"], "hubs": info["hubs"],
            "hub_threshold": info["hub_threshold"], "services": info["services"],
            "busy": info["busy"], "fingerprint": info["fingerprint"],
            "counts": info["counts"], "graph": info["graph"], "tool": f"workbench {__version__}",
            "seconds": {"graph": info["seconds"], "rings": round(time.perf_counter() - t0, 3)},
        })
        self._results = {**dict(list(self._results.items())[-7:]), key: result}
        return copy.deepcopy(result)

    def _flag_regional(self, result: RingResult) -> None:
        """Set each ring's ``regional`` field from its members' registration counties
        (:func:`workbench.regional.regional_flag`); the rule's inputs go in ``params``."""
        from .regional import population_counts, regional_flag, registration_codes

        with self.open() as store:
            codes = registration_codes(store.con)
        population = population_counts(None, codes)
        for ring in result.rings:
            ring.regional = regional_flag([codes.get(m) for m in ring.members], population)
        result.params["regional"] = {
            "people_with_codes": len(codes), "counties": len(population),
            "rule": "most members share a county (or prefecture) whose share of the case's "
                    "people is at most 5% and whose count among them is unlikely by chance "
                    "(binomial, p < 0.001); never the most common code"}

    def rank(self, *, since=None, until=None, top: int | None = 50, **ring_options):
        """Persons ranked as key players, best first (a DataFrame); see
        :func:`workbench.analysis.key_players`."""
        if top is not None and top < 1:
            raise WorkbenchError("--top must be at least 1")
        result = self.rings(since=since, until=until, **ring_options)
        graph = self._ring_graph(since, until, ring_options)
        return key_players(graph, result, top=top)

    def _ring_graph(self, since, until, ring_options: dict) -> CaseGraph:
        """The graph a ring search with these options ran on (layers, weights, services,
        ``min_weight``)."""
        graph, _ = self.graph(since=since, until=until, layers=ring_options.get("layers"),
                              weights=ring_options.get("weights"),
                              hubs=ring_options.get("hubs"),
                              not_hubs=ring_options.get("not_hubs"))
        min_weight = float(ring_options.get("min_weight") or 0.0)
        return graph.edges_at_least(min_weight) if min_weight > 0 else graph

    def paths(self, a: str, b: str, *, since=None, until=None) -> list[dict]:
        """Strongest and shortest paths between two persons (or ``tel:`` nodes), with the
        evidence on each hop; empty when they are not connected."""
        a, b = self.resolve(a), self.resolve(b)
        graph, _ = self.graph(since=since, until=until)
        for node in (a, b):
            try:
                graph.index(node)
            except KeyError:
                raise WorkbenchError(f"{node!r} has no links in this case"
                                     + (" in this time window" if since or until else ""))\
                    from None
        return find_paths(graph, a, b)

    def evidence(self, persons: Iterable[str], *, since=None, until=None,
                 limit: int = 5000) -> dict:
        """The records behind the links among ``persons`` (calls, transactions, arrests,
        kinship, and ``meetings``: hotel stays, venue sightings, trips and cells shared),
        each with source file and line, as DataFrames."""
        from .copresence import copresence_records

        persons = sorted(set(persons))
        with self.open() as store:
            params = LinkParams(since=self._time(since, store), until=self._time(until, store))
            key = ("evidence", store.fingerprint(), tuple(persons), params.since, params.until,
                   limit)
            if key not in self._records:
                records = records_among(store.con, persons, params, limit=limit)
                met = copresence_records(store.con, persons, params, limit=limit)
                frames = [df.assign(kind=kind.rstrip("s")) for kind, df in met.items()
                          if not df.empty]
                records["meetings"] = (pd.concat(frames, ignore_index=True) if frames else
                                       pd.DataFrame(columns=["kind", "person", "other",
                                                             "place", "time"]))
                self._remember(key, records)
        return {k: df.copy() for k, df in self._records[key].items()}

    def _remember(self, key: tuple, value: dict) -> None:
        """Keep record queries (a pure function of data, persons and window) for re-use:
        a filter change that keeps a ring's members shows the same records."""
        self._records = {**dict(list(self._records.items())[-15:]), key: value}

    def common_contacts(self, phones: Iterable[str], *, min_shared: int = 2):
        """Numbers in contact with at least ``min_shared`` of ``phones`` (a DataFrame)."""
        from .normalize import parse_phone

        with self.open() as store:
            return common_contacts(store.con, [parse_phone(p) for p in phones],
                                   min_shared=min_shared)

    def network(self, persons: Iterable[str], *, hops: int = 0, connect: bool = False,
                min_weight: float = 0.0, layers=None, since=None, until=None):
        """A networkx graph for what a person looks at: ``persons``, plus ``hops`` of
        expansion and, with ``connect``, the connecting network among them. Nodes carry
        name, ring and role; edges carry the layer strengths and measures."""
        persons = self.resolve_all(persons)
        graph, _ = self.graph(since=since, until=until)
        for node in persons:
            try:
                graph.index(node)
            except KeyError:
                raise WorkbenchError(f"{node!r} has no links in this case") from None
        return self._network(graph, persons, hops=hops, connect=connect,
                             min_weight=min_weight, layers=layers)

    def _network(self, graph: CaseGraph, persons, *, hops: int = 0, connect: bool = False,
                 min_weight: float = 0.0, layers=None):
        nodes = set(persons)
        if connect and len(nodes) > 1:
            nodes |= connecting_network(graph, sorted(nodes))
        if hops:
            nodes |= expand(graph, sorted(nodes), hops=hops, min_weight=min_weight,
                            layers=list(layers) if layers else None)
        with self.open() as store:
            attrs = {pid: {"name": name or ""} for pid, name in store.con.execute(
                "SELECT person_id, name FROM persons WHERE person_id IN (SELECT unnest(?))",
                [sorted(nodes)]).fetchall()}
        return graph.subgraph(sorted(nodes), attrs)

    def centrality(self, persons: Iterable[str], **network_options):
        """Degree, weighted degree, betweenness and eigenvector centrality of the network
        around ``persons`` (see :meth:`network`)."""
        return centrality_table(self.network(persons, **network_options))

    def view(
        self,
        *,
        ring: str | None = None,
        person: str | None = None,
        hops: int | None = None,
        title: str | None = None,
        since=None,
        until=None,
        record_limit: int = 2000,
        **ring_options,
    ):
        """What a snapshot, diagram or graph file shows, as a
        :class:`~workbench.views.model.ViewModel`.

        ``ring`` picks one ring (its members and brokers), ``person`` a person and ``hops``
        around him (default 1); with neither, every ring found with its brokers.
        """
        with self.open():
            return self._view(ring=ring, person=person, hops=hops, title=title, since=since,
                              until=until, record_limit=record_limit, **ring_options)

    def _view(self, *, ring, person, hops, title, since, until, record_limit, **ring_options):
        from .views.model import ViewModel

        result = self.rings(since=since, until=until, **ring_options)
        graph, info = self.graph(since=since, until=until,
                                 layers=ring_options.get("layers"),
                                 weights=ring_options.get("weights"))
        by_id = {r.id: r for r in result.rings}
        if ring is not None:
            if ring not in by_id:
                known = ", ".join(by_id) or "none"
                raise WorkbenchError(f"no ring {ring!r} (rings: {known})")
            chosen = by_id[ring]
            seeds = set(chosen.members) | set(chosen.brokers)
            heading = title or f"Ring {ring}: {chosen.size} members, organizer {chosen.leader}"
            selection = {"ring": ring, "hops": hops or 0}
        elif person is not None:
            person = self.resolve(person)
            try:
                graph.index(person)
            except KeyError:
                raise WorkbenchError(f"{person!r} has no links in this case") from None
            seeds = {person}
            hops = 1 if hops is None else hops
            heading = title or f"{person} and {hops} hop(s) around"
            selection = {"person": person, "hops": hops}
        else:
            seeds = {m for r in result.rings for m in r.members} | set(result.brokers)
            heading = title or f"Rings: {len(result.rings)} found"
            selection = {"all_rings": True, "hops": hops or 0}
        net = self._network(graph, sorted(seeds), hops=hops or 0)
        players_key = (info["fingerprint"], json.dumps(result.params, sort_keys=True,
                                                       default=str))
        if players_key not in self._players:
            self._players = {players_key: key_players(graph, result, top=None)}
        players = self._players[players_key]
        score = dict(zip(players["person_id"], players["score"], strict=True))
        ring_of = result.ring_of()
        roles = {m: role for r in result.rings for m, role in r.roles.items()}
        for pid in result.brokers:
            roles.setdefault(pid, "broker")
        for n, d in net.nodes(data=True):
            d["ring"] = ring_of.get(n)
            d["role"] = roles.get(n, "associate" if d.get("kind") == "person" else "")
            d["score"] = float(score.get(n, 0.0))
        persons = [n for n, d in net.nodes(data=True) if d.get("kind") in ("person", "entity")]
        evidence = self.evidence(persons, since=since, until=until, limit=record_limit)
        records = {k: _records(df) for k, df in evidence.items()}
        identifiers = self._identifiers(persons, net, records, result.params.get("hubs", []))
        meta = {
            "title": heading, "selection": selection, "filters": {
                "since": info["links"]["since"], "until": info["links"]["until"],
                "layers": ring_options.get("layers")},
            "rings": [r.as_dict() for r in result.rings if set(r.members) & set(net.nodes)],
            "params": {k: v for k, v in result.params.items() if k not in ("counts",)},
            "fingerprint": info["fingerprint"], "counts": info["counts"],
            "store": str(self.path.name), "tool": f"workbench {__version__}",
            "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "request": jsonable_request(ring=ring, person=person, hops=hops, title=title,
                                        since=since, until=until, record_limit=record_limit,
                                        **ring_options),
        }
        if result.params.get("warm_start"):  # replayed cold: the previous partition is gone
            meta["request"]["warm"] = True
        vm = ViewModel(net, title=heading, meta=meta, records=records, identifiers=identifiers)
        meta["digest"] = view_digest(vm)
        return vm

    # -- time and phones ----------------------------------------------------------------
    def successors(self, *, since=None, until=None,
                   params: SuccessorParams | None = None) -> dict:
        """Numbers that took over from numbers that fell silent, best first, and closed
        groups of burner numbers: ``{"successors", "burners", "params", "fingerprint"}``."""
        params = params or SuccessorParams()
        with self.open() as store:
            window = LinkParams(since=self._time(since, store), until=self._time(until, store))
            _, info = self.graph(since=since, until=until)
            services = [h["id"] for h in info["hubs"] if h["kind"] == "phone"]
            activity = number_activity(store.con, window, services=services)
            links = self.phone_links(active=True)
            fingerprint = store.fingerprint()
        linked = {(x["old"], x["new"]) for x in links}
        found = [s for s in find_successors(activity, params)
                 if (s["old"], s["new"]) not in linked]
        return {"successors": found, "burners": find_burners(activity),
                "params": {**params.resolve(activity).as_dict(), "window": window.as_dict(),
                           "silence": "per number: 3 x its mean interval between calls, "
                                      "at least 5% of the span" if params.silence_days is None
                           else "fixed",
                           "tool": f"workbench {__version__}"},
                "fingerprint": fingerprint, "linked": links}

    def link_phone(self, old: str, new: str, note: str | None = None) -> dict:
        """Record that ``new`` is the same user as ``old``: graphs then count calls of ``new``
        as calls of ``old``. Reversible with :meth:`unlink_phone`; both are logged."""
        old_n, new_n = parse_phone(old), parse_phone(new)
        if old_n == new_n:
            raise WorkbenchError("the two numbers are the same")
        with self.open(write=True) as store:
            present = {r[0] for r in store.con.execute(
                "SELECT DISTINCT n FROM (SELECT caller AS n FROM calls UNION ALL "
                "SELECT callee FROM calls UNION ALL SELECT phone FROM phones) "
                "WHERE n IN (?, ?)", [old_n, new_n]).fetchall()}
            missing = [x for x in (old_n, new_n) if x not in present]
            if missing:
                raise WorkbenchError(f"number(s) not in this case: {', '.join(missing)}")
            active = store.con.execute(
                "SELECT old, new FROM phone_links WHERE unlinked_at IS NULL AND "
                "(new = ? OR old = ? OR new = ?)", [new_n, new_n, old_n]).fetchall()
            if active:
                raise WorkbenchError(f"already linked: {active[0][0]} -> {active[0][1]}")
            store.con.execute("BEGIN TRANSACTION")
            store.con.execute("INSERT INTO phone_links VALUES (?, ?, now(), ?, NULL)",
                              [old_n, new_n, note])
            store.set_meta("fingerprint", store.compute_fingerprint())
            store.con.execute("COMMIT")
        self._graphs, self._results = {}, {}
        return {"old": old_n, "new": new_n, "note": note}

    def unlink_phone(self, old: str, new: str) -> dict:
        """Undo :meth:`link_phone` (the link stays in the log with its end time)."""
        old_n, new_n = parse_phone(old), parse_phone(new)
        with self.open(write=True) as store:
            store.con.execute("BEGIN TRANSACTION")
            n = store.con.execute(
                "UPDATE phone_links SET unlinked_at = now() WHERE old = ? AND new = ? "
                "AND unlinked_at IS NULL", [old_n, new_n]).fetchall()[0][0]
            if not n:
                store.con.execute("ROLLBACK")
                raise WorkbenchError(f"no active link {old_n} -> {new_n}")
            store.set_meta("fingerprint", store.compute_fingerprint())
            store.con.execute("COMMIT")
        self._graphs, self._results = {}, {}
        return {"old": old_n, "new": new_n, "unlinked": True}

    def phone_links(self, active: bool = False) -> list[dict]:
        """The link log: every link made, with when it was made and undone."""
        with self.open() as store:
            cur = store.con.execute(
                "SELECT old, new, linked_at, note, unlinked_at FROM phone_links "
                + ("WHERE unlinked_at IS NULL " if active else "") + "ORDER BY linked_at")
            names = [d[0] for d in cur.description]
            return [{k: (v.isoformat() if hasattr(v, "isoformat") else v)
                     for k, v in zip(names, row, strict=True)} for row in cur.fetchall()]

    def evolution(self, *, windows: list[tuple[str, str]] | None = None, match: float = 0.3,
                  **ring_options) -> dict:
        """Rings per time window (calendar months by default), matched across windows, with
        the events between them (formed, grew, shrank, split, merged, dissolved, organizer
        changed)."""
        rule = "given"
        if windows is None:
            with self.open() as store:
                lo, hi = store.con.execute(
                    "SELECT min(started_at), max(started_at) FROM calls").fetchall()[0]
                tz = ZoneInfo(store.meta("timezone") or DEFAULT_TZ)
            if lo is None:
                return {"windows": [], "events": [], "params": {"windows": "no calls"}}
            windows, rule = default_windows(lo.astimezone(tz).replace(tzinfo=None),
                                            hi.astimezone(tz).replace(tzinfo=None))
        known = self.rings(**ring_options).rings  # rings of the whole period: stable ids
        out, per_window, labels = [], [], []
        for start, end in windows:
            graph, _ = self.graph(since=start, until=end, layers=ring_options.get("layers"),
                                  weights=ring_options.get("weights"))
            rings = []
            for ring in known:
                seen = track_ring(graph, ring.members)
                if not seen or seen["score"] < 0.2:
                    continue
                parts = seen.pop("parts")
                if len(parts) >= 2:  # working as separate cells in this window
                    for k, part in enumerate(parts, start=1):
                        cell = track_ring(graph, part)
                        if cell:
                            cell.pop("parts")
                            rings.append({"id": f"{ring.id}.{k}", **cell})
                    continue
                if seen["evidence"]["payers_to_top"] < 2:
                    seen["leader"] = None  # no money flowing in: leadership not shown
                rings.append({"id": ring.id, **seen})
            for found in self.rings(since=start, until=end, **ring_options).rings:
                if not any(len(set(found.members) & set(r["members"]))
                           / len(set(found.members) | set(r["members"])) >= match
                           for r in rings):
                    label = start[:7] if rule == "calendar months" else start[:13]
                    rings.append({"id": f"{label}-{found.id}", "members": found.members,
                                  "leader": found.leader, "score": round(found.score, 4),
                                  "evidence": found.evidence})
            label = f"{start}..{end}"
            out.append({"start": start, "end": end, "rings": rings})
            per_window.append(rings)
            labels.append(label)
        events = match_windows(per_window, labels, match)
        # an organizer change counts when the new organizer is still in charge a window later
        # (or the data ends): one quiet month does not change who leads
        leaders = [{r["id"]: r["leader"] for r in rings} for rings in per_window]
        kept = []
        for e in events:
            if e["type"] == "organizer_changed":
                w = labels.index(e["window"])
                ring_id = e["to"][0]
                later = leaders[w + 1].get(ring_id) if w + 1 < len(leaders) else e["new"]
                if later not in (e["new"], None):
                    continue
            kept.append(e)
        return {"windows": out, "events": kept, "params": {"windows": rule, "match": match}}

    def temporal_path(self, a: str, b: str, *, since=None, until=None) -> list[dict]:
        """Earliest-arrival chain of calls from ``a`` to ``b`` (persons or ``tel:`` numbers)
        starting at ``since``, with the time of each hop (case local time)."""
        with self.open() as store:
            window = LinkParams(since=self._time(since, store), until=self._time(until, store))
            stream = call_stream(store.con, window)
            tz = store.meta("timezone") or DEFAULT_TZ
        hops = temporal_path(stream, a, b)
        for h in hops:
            h["at"] = pd.Timestamp(h["at"], unit="s", tz="UTC").tz_convert(tz).isoformat()
        return hops

    def disruption(self, ring_id: str, *, max_k: int = 3, top: int = 10, **ring_options):
        """Which up-to-``max_k`` arrests break a ring most (a DataFrame, best first per k)."""
        if top < 1:
            raise WorkbenchError("--top must be at least 1")
        result = self.rings(**ring_options)
        ring = next((r for r in result.rings if r.id == ring_id), None)
        if ring is None:
            known = ", ".join(r.id for r in result.rings) or "none"
            raise WorkbenchError(f"no ring {ring_id!r} (rings: {known})")
        graph = self._ring_graph(ring_options.get("since"), ring_options.get("until"),
                                 ring_options)
        return disruption(graph, ring.members, organizer=ring.leader, max_k=max_k, top=top)

    def call_views(self, persons: Iterable[str], *, since=None, until=None,
                   views: Iterable[str] = CALL_VIEWS) -> dict:
        """Call-record views of persons' numbers: hour x weekday heat matrix (``heat``),
        first and last contact per pair (``pairs``), call-frequency matrix (``frequency``),
        common contacts (``common``), as DataFrames; ``views`` picks which."""
        builders = {"heat": heat_matrix, "pairs": pair_contacts, "frequency": frequency_matrix,
                    "common": common_contacts}
        wanted = list(views)
        unknown = set(wanted) - set(builders)
        if unknown:
            raise WorkbenchError(f"unknown call view(s) {sorted(unknown)}; views: {CALL_VIEWS}")
        persons = sorted(set(self.resolve_all(persons)))
        with self.open() as store:
            window = LinkParams(since=self._time(since, store), until=self._time(until, store))
            key = ("calls", store.fingerprint(), tuple(persons), window.since, window.until,
                   tuple(wanted))
            if key not in self._records:
                phones = sorted({r[0] for r in store.con.execute(
                    "SELECT DISTINCT phone FROM phones WHERE person_id IN (SELECT unnest(?)) "
                    "ORDER BY phone", [persons]).fetchall()}
                    | {p for p in persons if _PHONE_NODE.match(p)})
                out: dict = {"phones": phones}
                for name in wanted:
                    out[name] = builders[name](store.con, phones, window)
                self._remember(key, out)
        return {k: v.copy() for k, v in self._records[key].items()}  # lists and DataFrames

    def _identifiers(self, persons: list[str], net, records: dict, hubs: list[dict]) -> dict:
        """Every phone, account, ID number and name a view of these persons can show."""
        out: dict[str, str] = {}
        with self.open() as store:
            for sql, kind in (
                ("SELECT phone FROM phones WHERE person_id IN (SELECT unnest(?))", "phone"),
                ("SELECT account_id FROM accounts WHERE person_id IN (SELECT unnest(?))",
                 "account"),
                ("SELECT id_number FROM persons WHERE person_id IN (SELECT unnest(?)) "
                 "AND id_number IS NOT NULL", "id_number"),
                ("SELECT name FROM persons WHERE person_id IN (SELECT unnest(?))", "name"),
            ):
                for (value,) in store.con.execute(sql, [persons]).fetchall():
                    out.setdefault(str(value), kind)
        for n in net.nodes:
            if str(n).startswith("tel:"):
                out.setdefault(str(n)[4:], "phone")
            elif str(n).startswith("acct:"):
                out.setdefault(str(n)[5:], "account")
        for rows, cols, kind in ((records.get("calls", []), ("caller", "callee"), "phone"),
                                 (records.get("transactions", []),
                                  ("from_account", "to_account"), "account")):
            for row in rows:
                for c in cols:
                    if row.get(c):
                        out.setdefault(str(row[c]), kind)
        for hub in hubs:
            out.setdefault(str(hub["id"]), "phone" if hub["kind"] == "phone" else "account")
        return out

    def together(self, person: str, place: str | None = None, *, since=None,
                 until=None, limit: int = 5000) -> pd.DataFrame:
        """Who was with ``person`` (an id, number or name) at ``place`` (any place when
        None): hotel stays, venue sightings, trips and cells shared, with both records'
        file and line (:func:`workbench.copresence.together`)."""
        from .copresence import together

        pid = self.resolve(person)
        with self.open() as store:
            params = LinkParams(since=self._time(since, store), until=self._time(until, store))
            return together(store.con, pid, place=place, params=params, limit=limit)

    # -- names and ids -------------------------------------------------------------------
    def resolve(self, query: str) -> str:
        """The node id a user means: a person id, a phone number (its owner, or the number
        itself when nobody owns it), an exact name or a unique part of a name.

        Raises :class:`WorkbenchError` naming the query when nothing matches, and listing
        the candidates when a name is ambiguous.
        """
        q = str(query).strip()
        if not q:
            raise WorkbenchError("an empty id or name")
        with self.open() as store:
            con = store.con
            if con.execute("SELECT 1 FROM persons WHERE person_id = ?", [q]).fetchall():
                return q
            try:
                number = parse_phone(q)
            except ValueError:
                number = None
            if number is not None:
                owners = [r[0] for r in con.execute(
                    "SELECT DISTINCT person_id FROM phones WHERE phone = ? ORDER BY 1",
                    [number]).fetchall()]
                if len(owners) == 1:
                    return owners[0]
                used = con.execute(
                    "SELECT 1 FROM calls WHERE caller = ? OR callee = ? LIMIT 1",
                    [number, number]).fetchall()
                if used or owners:
                    return number
            if q.startswith("acct:"):
                return q
            if len(q) in (15, 18) and q[:-1].isdigit():  # a resident ID number
                try:
                    idn = parse_id_number(q)
                except ValueError:
                    idn = None
                if idn is not None:
                    known = [r[0] for r in con.execute(
                        "SELECT person_id FROM persons WHERE id_number = ? ORDER BY 1",
                        [idn]).fetchall()]
                    if len(known) == 1:
                        return known[0]
                    if con.execute(
                            "SELECT 1 FROM (SELECT id_number FROM stays UNION ALL SELECT "
                            "id_number FROM visits UNION ALL SELECT id_number FROM trips) "
                            "WHERE id_number = ? LIMIT 1", [idn]).fetchall():
                        return idn
            for sql, args in (("SELECT person_id, name FROM persons WHERE name = ? "
                               "ORDER BY person_id", [q]),
                              ("SELECT person_id, name FROM persons WHERE contains(name, ?) "
                               "ORDER BY person_id LIMIT 11", [q])):
                found = con.execute(sql, args).fetchall()
                if len(found) == 1:
                    return found[0][0]
                if found:
                    listed = ", ".join(f"{pid} {name}" for pid, name in found[:10])
                    more = " ..." if len(found) > 10 else ""
                    raise WorkbenchError(f"{q!r} matches several persons: {listed}{more}")
        raise WorkbenchError(f"no person, number or name {q!r} in this case")

    def resolve_all(self, queries: Iterable[str]) -> list[str]:
        """:meth:`resolve` for each query, in order."""
        return [self.resolve(q) for q in queries]

    def names(self, ids: Iterable[str]) -> dict[str, str]:
        """Person id -> name for the ids that are known persons."""
        ids = sorted(set(ids))
        with self.open() as store:
            return {pid: name or "" for pid, name in store.con.execute(
                "SELECT person_id, name FROM persons WHERE person_id IN (SELECT unnest(?))",
                [ids]).fetchall()}

    def __repr__(self) -> str:
        return f"Case({str(self.path)!r})"
