"""What a view holds of what is behind it, in words: every record, or "showing N of M" and
how to get the rest; the same for people left out by a node limit.

Examples
--------
>>> meta = {"completeness": {"records": {"calls": {"shown": 28, "total": 251},
...                                      "arrests": {"shown": 3, "total": 3}},
...                          "nodes": {"shown": 40, "max_nodes": 2000, "cut": False},
...                          "complete": False},
...         "request": {"ring": "R-7f56ff", "record_limit": 28}}
>>> print(completeness_text(meta))  # doctest: +NORMALIZE_WHITESPACE
Showing 28 of 251 calls (the newest) and all 3 arrests. Every record:
workbench export --db CASE --out records.csv --ring R-7f56ff
>>> meta["completeness"]["records"]["calls"]["shown"] = 251
>>> meta["completeness"]["complete"] = True
>>> print(completeness_text(meta))
Every record behind this view is in this file: 251 calls, 3 arrests.
"""

from __future__ import annotations

__all__ = ["completeness_text", "selection_args"]

_NOUNS = {"calls": ("call", "calls"), "transactions": ("transfer", "transfers"),
          "arrests": ("arrest", "arrests"), "kinship": ("kinship record", "kinship records"),
          "meetings": ("meeting record", "meeting records")}


def _count(n: int, kind: str) -> str:
    one, many = _NOUNS.get(kind, (kind, kind))
    return f"{n:,} {one if n == 1 else many}"


def selection_args(request: dict) -> str:
    """The command-line options that select the same view (``--ring R-...``, ``--person
    ... --hops 2``, the window); never a path."""
    out = []
    for key, flag in (("ring", "--ring"), ("person", "--person"), ("hops", "--hops"),
                      ("since", "--since"), ("until", "--until")):
        value = request.get(key)
        if value not in (None, "", 0) or (key == "hops" and request.get("person")
                                           and value is not None):
            out.append(f"{flag} {value}")
    return " ".join(out)


def completeness_text(meta: dict) -> str:
    """One or two sentences on what the view holds; empty when the view says nothing of it
    (a view built before completeness was recorded)."""
    done = meta.get("completeness")
    if not done:
        return ""
    records = {k: v for k, v in done.get("records", {}).items() if v.get("total")}
    nodes = done.get("nodes") or {}
    args = selection_args(meta.get("request") or {})
    parts = []
    if all(v["shown"] >= v["total"] for v in records.values()):
        listed = ", ".join(_count(v["total"], k) for k, v in records.items()) or "none"
        parts.append(f"Every record behind this view is in this file: {listed}.")
    else:
        cut = [f"{v['shown']:,} of {_count(v['total'], k)} (the newest)"
               for k, v in records.items() if v["shown"] < v["total"]]
        whole = [f"all {_count(v['total'], k)}" for k, v in records.items()
                 if v["shown"] >= v["total"]]
        parts.append("Showing " + " and ".join([", ".join(cut)] + (
            [", ".join(whole)] if whole else [])) + ". Every record: workbench export --db "
                     f"CASE --out records.csv {args}".rstrip())
    if nodes.get("cut"):
        parts.append(f"The expansion stopped at the limit of {nodes['max_nodes']:,} people "
                     f"(--max-nodes): people further out are not shown; raise --max-nodes or "
                     f"lower --hops.")
    return "\n".join(parts)
