"""What a view shows, reduced to a digest, and the request that made it as JSON.

Every view (snapshot, diagram, graph file) records its request and a SHA-256 digest of
what it shows; :mod:`workbench.views.reproduce` re-runs the request and compares digests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, is_dataclass

__all__ = ["jsonable_request", "view_digest"]


def _plain(value):
    """JSON-safe form: dates as ISO text, dataclasses as dicts, tuples as lists."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set) else items
    return value


def jsonable_request(**request) -> dict:
    """The arguments of :meth:`Case.view` as JSON-safe values (``None`` left out).

    Examples
    --------
    >>> import datetime as dt
    >>> jsonable_request(ring="R001", since=dt.date(2019, 1, 1), layers=("calls",), seed=0)
    {'ring': 'R001', 'since': '2019-01-01', 'layers': ['calls'], 'seed': 0}
    """
    return {k: _plain(v) for k, v in request.items() if v is not None}


def view_digest(vm) -> str:
    """SHA-256 of what a view shows, independent of layout, time of day and redaction."""
    g = vm.graph
    nodes = sorted([str(n), str(d.get("kind", "")), str(d.get("ring") or ""),
                    str(d.get("role") or ""), round(float(d.get("score") or 0.0), 4)]
                   for n, d in g.nodes(data=True))
    edges = sorted(sorted([str(a), str(b)]) + [str(d.get("layers", "")),
                                               round(float(d.get("weight", 0.0)), 4)]
                   for a, b, d in g.edges(data=True))
    rings = sorted([r.get("id"), sorted(r.get("members", [])), r.get("leader"),
                    round(float(r.get("score", 0.0)), 4)] for r in vm.meta.get("rings", []))
    doc = {"nodes": nodes, "edges": edges, "rings": rings, "records": vm.records}
    text = json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
