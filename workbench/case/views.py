"""What a snapshot, diagram or graph file shows: the view assembly of :class:`~workbench.case.Case`.

A part of the composed case: it works through the shared state (``self._state``: path,
open, time, caches) and reaches the other parts through the case (``self._case``).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..errors import WorkbenchError
from ..views.digest import jsonable_request, view_digest

if TYPE_CHECKING:
    from .facade import Case
    from .state import CaseState

__all__ = ["ViewsPart", "ring_tags"]


def ring_tags(ring, names: dict[str, str] | None = None) -> str:
    """What a ring's title says besides its id and organizer: its kinds of evidence, and
    ``family-based: 5 of 7 kin (<name>'s family)`` and ``regional <county>`` where they
    apply (``names``: person id -> name)."""
    from ..rings import family_label

    tags = [ring.tier]
    if ring.family:
        tags.append(family_label(ring.family, ring.size,
                                 (names or {}).get(ring.family.get("of"))))
    if ring.regional:
        place = str(ring.regional.get("place") or ring.regional.get("code"))
        tags.append(f"regional {place[-6:] if len(place) > 6 else place}")
    return " \u00b7 ".join(tags)


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


class ViewsPart:
    """One part of :class:`~workbench.case.Case`: it shares the case's
    :class:`~workbench.case.state.CaseState` (store path, caches) and reaches the other parts
    through the case."""

    def __init__(self, state: CaseState, case: Case) -> None:
        self._state = state
        self._case = case

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
        with self._state.open():
            return self._view(ring=ring, person=person, hops=hops, title=title, since=since,
                              until=until, record_limit=record_limit, **ring_options)

    def to_pyvis(self, *, redact: bool = False, redact_names: bool = False, **view_options):
        """What :meth:`view` shows as a pyvis ``Network`` (positions, colours, plain-text
        tooltips); writing it goes through the workbench's own offline, escaped snapshot
        (:func:`workbench.views.pyvis_network.to_pyvis`)."""
        from ..views.pyvis_network import to_pyvis

        return to_pyvis(self.view(**view_options), redact=redact, redact_names=redact_names)

    def _view(self, *, ring, person, hops, title, since, until, record_limit, **ring_options):
        from ..analysis import key_players
        from ..views.model import ViewModel

        result = self._case.rings(since=since, until=until, **ring_options)
        graph, info = self._case.graph(since=since, until=until,
                                 layers=ring_options.get("layers"),
                                 weights=ring_options.get("weights"),
                                 hubs=ring_options.get("hubs"),
                                 not_hubs=ring_options.get("not_hubs"))
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
            person = self._case.resolve(person)
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
        net = self._case.parts.rings.network_of(graph, sorted(seeds), hops=hops or 0)
        players_key = (info["fingerprint"], json.dumps(
            {k: v for k, v in result.params.items() if k != "seconds"}, sort_keys=True,
            default=str))
        if players_key not in self._state.players:
            self._state.players = {players_key: key_players(graph, result, top=None)}
        players = self._state.players[players_key]
        score = dict(zip(players["person_id"], players["score"], strict=True))
        ring_of = result.ring_of()
        roles = {m: role for r in result.rings for m, role in r.roles.items()}
        for pid in result.brokers:
            roles.setdefault(pid, "broker")
        family_names = self._case.names(r.family["of"] for r in result.rings if r.family)
        tags = {r.id: ring_tags(r, family_names) for r in result.rings}
        for n, d in net.nodes(data=True):
            d["ring"] = ring_of.get(n)
            d["role"] = roles.get(n, "associate" if d.get("kind") == "person" else "")
            d["score"] = float(score.get(n, 0.0))
            if d["ring"] and tags.get(d["ring"]):
                d["ring_tags"] = tags[d["ring"]]
        currency = result.params.get("currency", "CNY")
        for _, _, d in net.edges(data=True):
            if d.get("n_tx"):
                d["currency"] = currency
        persons = [n for n, d in net.nodes(data=True) if d.get("kind") in ("person", "entity")]
        evidence = self._case.evidence(persons, since=since, until=until, limit=record_limit)
        records = {k: _records(df) for k, df in evidence.items()}
        identifiers = self._case.parts.records.identifiers(
            persons, net, records, result.params.get("hubs", []))
        meta = {
            "title": heading, "selection": selection, "filters": {
                "since": info["links"]["since"], "until": info["links"]["until"],
                "layers": ring_options.get("layers")},
            "rings": [r.as_dict() for r in result.rings if set(r.members) & set(net.nodes)],
            "params": {k: v for k, v in result.params.items() if k not in ("counts",)},
            "fingerprint": info["fingerprint"], "counts": info["counts"],
            "store": str(self._state.path.name), "tool": f"workbench {__version__}",
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
