"""What a snapshot, diagram or graph file shows: the view assembly of :class:`~workbench.case.Case`.

A part of the composed case: it works through the shared state (``self._state``: path,
open, time, caches) and reaches the other parts through the case (``self._case``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from .. import __version__
from ..contract import file_name
from ..errors import WorkbenchError
from ..views.digest import jsonable_request, view_digest

if TYPE_CHECKING:
    from .facade import Case
    from .state import CaseState

__all__ = ["ViewsPart", "ring_tags", "MAX_NODES", "fold_one_offs", "add_folds"]

#: people a view expands to by hops before it stops (and says so)
MAX_NODES = 2000

#: layers whose single record is still more than a passing contact
_STRONG = ("kinship", "coarrest", "shared")


def fold_one_offs(net, keep) -> dict:
    """Take out of ``net`` the one-off contacts: nodes (not in ``keep``) with one link in
    the view, made of a single call, transfer or meeting and no kinship, co-arrest or
    shared number. Returns ``{person they touched: how many}``."""
    out: dict = {}
    gone = []
    for n in sorted(net.nodes, key=str):
        if n in keep or net.degree(n) != 1 or net.nodes[n].get("ring"):
            continue
        (m, d), = net[n].items()
        contacts = sum(int(d.get(k) or 0) for k in ("n_calls", "n_tx", "n_meet"))
        if contacts <= 1 and not any((d.get("w_" + x) or 0) > 0 for x in _STRONG):
            out[m] = out.get(m, 0) + 1
            gone.append(n)
    net.remove_nodes_from(gone)
    return out


def add_folds(net, folded: dict) -> None:
    """One small marker per person whose one-off contacts were folded: "+N one-off
    contacts", tied to him (no drawn link)."""
    for m, count in sorted(folded.items(), key=lambda kv: str(kv[0])):
        node = f"+{count} one-off contact{'s' if count != 1 else ''} of {m}"
        net.add_node(node, kind="folded", name="", role="folded", score=0.0, ring=None,
                     folded=count)
        net.add_edge(node, m, weight=0.1, layers="")


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
            elif k == "file" or k.endswith("_file"):
                clean[k] = file_name(v)
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
        record_limit: int | None = None,
        max_nodes: int = MAX_NODES,
        via_services: bool = False,
        fold: bool = True,
        **ring_options,
    ):
        """What a snapshot, diagram or graph file shows, as a
        :class:`~workbench.views.model.ViewModel`.

        ``ring`` picks one ring (its members and brokers), ``person`` a person and ``hops``
        around him (default 1); with neither, every ring found with its brokers. Every
        record behind what is shown is in the view unless ``record_limit`` caps each kind
        (the newest kept); ``max_nodes`` caps the expansion by hops. What was left out, if
        anything, is in ``meta["completeness"]`` and said on the page. The hops never pass
        service numbers and accounts (nor their holders) unless ``via_services`` (then drawn
        as small grey markers); with ``fold``, the one-off contacts the hops reach (one
        call, transfer or meeting with someone shown, no other tie) become one "+N one-off
        contacts" marker beside that person.
        """
        if record_limit is not None and record_limit < 1:
            raise WorkbenchError(f"--record-limit must be at least 1 (got {record_limit})")
        if max_nodes < 1:
            raise WorkbenchError(f"--max-nodes must be at least 1 (got {max_nodes})")
        if hops is not None and hops < 0:
            raise WorkbenchError(f"--hops must be 0 or more (got {hops})")
        with self._state.open():
            return self._view(ring=ring, person=person, hops=hops, title=title, since=since,
                              until=until, record_limit=record_limit, max_nodes=max_nodes,
                              via_services=via_services, fold=fold, **ring_options)

    def to_pyvis(self, *, redact: bool = False, redact_names: bool = False, **view_options):
        """What :meth:`view` shows as a pyvis ``Network`` (positions, colours, plain-text
        tooltips); writing it goes through the workbench's own offline, escaped snapshot
        (:func:`workbench.views.pyvis_network.to_pyvis`)."""
        from ..views.pyvis_network import to_pyvis

        return to_pyvis(self.view(**view_options), redact=redact, redact_names=redact_names)

    def _view(self, *, ring, person, hops, title, since, until, record_limit, max_nodes,
              via_services, fold, **ring_options):
        from ..views.model import ViewModel

        result = self._case.rings(since=since, until=until, **ring_options)
        graph, info = self._case.graph(since=since, until=until,
                                 layers=ring_options.get("layers"),
                                 weights=ring_options.get("weights"),
                                 hubs=ring_options.get("hubs"),
                                 not_hubs=ring_options.get("not_hubs"))
        if ring is not None:
            chosen = self._case.parts.rings.find_ring(result, ring)
            ring = chosen.id
            seeds = set(chosen.members) | set(chosen.brokers)
            boss = self._case.names([chosen.leader]).get(chosen.leader)
            heading = title or (f"Ring {ring}: {chosen.size} members, organizer "
                                + (f"{boss} ({chosen.leader})" if boss else chosen.leader))
            selection = {"ring": ring, "hops": hops or 0}
        elif person is not None:
            person = self._case.resolve(person)
            try:
                graph.index(person)
            except KeyError:
                raise WorkbenchError(f"{person!r} has no links in this case") from None
            seeds = {person}
            hops = 1 if hops is None else hops
            who = self._case.names([person]).get(person)
            heading = title or f"{f'{who} ({person})' if who else person} and {hops} hop(s) around"
            selection = {"person": person, "hops": hops}
        else:
            seeds = {m for r in result.rings for m in r.members} | set(result.brokers)
            heading = title or f"Rings: {len(result.rings)} found"
            selection = {"all_rings": True, "hops": hops or 0}
        net = self._case.parts.rings.network_of(graph, sorted(seeds), hops=hops or 0,
                                                max_nodes=max(max_nodes, len(seeds)),
                                                via_services=via_services)
        nodes_cut = bool(hops) and net.number_of_nodes() >= max(max_nodes, len(seeds))
        folded = fold_one_offs(net, seeds) if fold and hops else {}
        score, score_note = self._case.parts.rings.node_scores(since=since, until=until,
                                                                **ring_options)
        ring_of = result.ring_of()
        roles = {m: role for r in result.rings for m, role in r.roles.items()}
        for pid in result.brokers:
            roles.setdefault(pid, "broker")
        family_names = self._case.names(r.family["of"] for r in result.rings if r.family)
        tags = {r.id: ring_tags(r, family_names) for r in result.rings}
        for n, d in net.nodes(data=True):
            d["ring"] = ring_of.get(n)
            d["role"] = roles.get(n, "associate" if d.get("kind") == "person" else "")
            if d.get("service") and n not in roles:
                d["role"] = "service"
            d["score"] = float(score.get(n, 0.0))
            if d["ring"] and tags.get(d["ring"]):
                d["ring_tags"] = tags[d["ring"]]
        add_folds(net, folded)
        currency = result.params.get("currency", "CNY")
        for _, _, d in net.edges(data=True):
            if d.get("n_tx"):
                d["currency"] = currency
        persons = [n for n, d in net.nodes(data=True) if d.get("kind") in ("person", "entity")]
        evidence = self._case.evidence(persons, since=since, until=until, limit=None)
        totals = {k: len(df) for k, df in evidence.items()}
        records = {k: _records(df if record_limit is None else df.head(record_limit))
                   for k, df in evidence.items()}
        completeness = {
            "records": {k: {"shown": len(records[k]), "total": totals[k]} for k in records},
            "nodes": {"shown": net.number_of_nodes(), "max_nodes": max_nodes,
                      "cut": nodes_cut},
            "complete": not nodes_cut and all(len(records[k]) == totals[k] for k in records)}
        identifiers = self._case.parts.records.identifiers(
            persons, net, records, result.params.get("hubs", []))
        for r in result.rings:  # money patterns name accounts of members out of view too
            if set(r.members) & set(net.nodes):
                for p in r.evidence.get("patterns") or []:
                    for acct in p["accounts"]:
                        identifiers.setdefault(str(acct), "account")
        meta = {
            "title": heading, "selection": {**selection, "via_services": via_services,
                                            "folded": sum(folded.values())}, "filters": {
                "since": info["links"]["since"], "until": info["links"]["until"],
                "layers": ring_options.get("layers")},
            "rings": [r.as_dict() for r in result.rings if set(r.members) & set(net.nodes)],
            "params": {k: v for k, v in result.params.items() if k not in ("counts",)},
            "fingerprint": info["fingerprint"], "counts": info["counts"],
            "store": str(self._state.path.name), "tool": f"workbench {__version__}",
            "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "request": jsonable_request(ring=ring, person=person, hops=hops, title=title,
                                        since=since, until=until, record_limit=record_limit,
                                        max_nodes=max_nodes,
                                        **({"via_services": True} if via_services else {}),
                                        **({"fold": False} if not fold else {}),
                                        **ring_options),
            "completeness": completeness,
        }
        if score_note:  # node sizes under filters (see RingsPart.node_scores)
            meta["node_scores"] = score_note
        if result.params.get("warm_start"):  # replayed cold: the previous partition is gone
            meta["request"]["warm"] = True
        vm = ViewModel(net, title=heading, meta=meta, records=records, identifiers=identifiers)
        meta["notes"] = self._case.parts.team.notes_in_view(  # the analysts' notes on it
            net.nodes, identifiers, [r["id"] for r in meta["rings"]])
        meta["sources"] = self._case.parts.team.source_hashes()  # file name -> SHA-256
        meta["digest"] = view_digest(vm)
        return vm
