"""Reproducing a shared view: the request, the digest, and checking a snapshot against a store.

Every view records the request that made it (selection, time window, layers and weights,
ring parameters) and a digest of what it shows (the persons and numbers, the links and their
layers, the rings with members and roles, and the evidence records), computed on the
original identifiers before any redaction. ``workbench verify`` reads a snapshot, re-runs
its request on a store and says whether the store still holds the same data (fingerprint)
and whether the analysis gives the same view (digest): a case team can show that the
picture they shared came from these records with these parameters.

Examples
--------
>>> import networkx as nx
>>> from workbench.views.model import ViewModel
>>> g = nx.Graph(); g.add_edge("A", "B", weight=1.0, layers="calls")
>>> a = view_digest(ViewModel(g, meta={"rings": []}))
>>> g.add_edge("B", "C", weight=1.0, layers="money")
>>> a == view_digest(ViewModel(g, meta={"rings": []}))
False
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

from ..errors import WorkbenchError
from .digest import jsonable_request, view_digest

__all__ = ["view_digest", "jsonable_request", "read_snapshot", "verify_snapshot"]

_DATA = re.compile(r'<script type="application/json" id="wb-data">(.*?)</script>', re.S)


def read_snapshot(path: str | Path) -> dict:
    """The data block of a snapshot file written by :mod:`workbench.views.snapshot`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkbenchError(f"{path}: cannot read ({exc})") from None
    found = _DATA.search(text)
    if not found:
        raise WorkbenchError(f"{path}: not a workbench snapshot (no data block)")
    try:
        return json.loads(found.group(1))
    except json.JSONDecodeError as exc:
        raise WorkbenchError(f"{path}: damaged data block ({exc})") from None


def _request_keys(case) -> set[str]:
    """The keyword arguments a view request may carry."""
    keys = set(inspect.signature(case.view).parameters) | set(
        inspect.signature(case.rings).parameters)
    return keys - {"self", "ring_options"} | {"warm"}


def _pair(link: dict) -> tuple[str, str]:
    return str(link.get("from", "")), str(link.get("to", ""))


def _shown(data: dict) -> dict:
    """What a page shows, minus what may differ between two renderings of one view."""
    nodes = [{k: v for k, v in n.items() if k not in ("x", "y")} for n in data.get("nodes", [])]
    return {"nodes": sorted(nodes, key=lambda n: n.get("id", "")),
            "edges": sorted(data.get("edges", []), key=_pair),
            "records": data.get("records", {}),
            "links": sorted(data.get("links", []), key=_pair), "title": data.get("title", "")}


def verify_snapshot(case, path: str | Path) -> dict:
    """Re-run a snapshot's request on ``case`` and compare data and result.

    Returns a report: ``same_data`` (store fingerprint equals the snapshot's),
    ``reproduced`` (the re-run view has the snapshot's digest and, rendered with the same
    redaction, shows exactly the persons, links, tooltips and records of the file), the
    record counts that changed, the tool versions, and ``reason`` when it is not.
    """
    from .snapshot import snapshot_payload

    data = read_snapshot(path)
    meta = data.get("meta", {})
    request = meta.get("request")
    redaction = meta.get("redaction") or {}
    report = {"file": str(path), "title": data.get("title", ""),
              "snapshot_fingerprint": meta.get("fingerprint"),
              "store_fingerprint": case.fingerprint(),
              "redacted": bool(redaction.get("identifiers")),
              "tool": {"snapshot": meta.get("tool"), "now": None}, "request": request}
    report["same_data"] = report["snapshot_fingerprint"] == report["store_fingerprint"]
    counts_then = meta.get("counts") or {}
    counts_now = case.counts()
    report["changed_counts"] = {k: [counts_then.get(k), counts_now.get(k)]
                                for k in sorted(set(counts_then) | set(counts_now))
                                if counts_then.get(k) != counts_now.get(k)}
    if request is None or "digest" not in meta:
        report.update(reproduced=False,
                      reason="the snapshot records no request or digest (written by an "
                             "older version); only the data fingerprint can be compared")
        return report
    args = dict(request)
    unknown = sorted(set(args) - _request_keys(case))
    if unknown:
        report.update(reproduced=False, reason=f"the snapshot's request has unknown "
                      f"key(s) {', '.join(map(repr, unknown))}: written by another version?")
        return report
    if "weights" in args:
        from ..graph import LayerWeights

        args["weights"] = LayerWeights(**args["weights"])
    try:
        vm = case.view(**args)
    except WorkbenchError as exc:
        reason = str(exc)
        if report["redacted"]:
            reason += " (the request of a redacted snapshot holds pseudonyms)"
        report.update(reproduced=False, reason=reason)
        return report
    again = snapshot_payload(vm, redact=report["redacted"],
                             redact_names=bool(redaction.get("names")))
    report["tool"]["now"] = vm.meta.get("tool")
    report["same_digest"] = again["meta"]["digest"] == meta["digest"]
    report["same_content"] = _shown(again) == _shown(data)
    report["reproduced"] = report["same_digest"] and report["same_content"]
    if not report["reproduced"]:
        if not report["same_data"]:
            report["reason"] = "the data changed since the snapshot"
        elif report["same_digest"]:
            report["reason"] = "the file shows something other than its recorded result"
        else:
            report["reason"] = ("same data, different result: parameters or tool version "
                                "differ")
        if request.get("warm"):
            report["reason"] += "; the snapshot came from a warm-started run"
    return report
