"""Money patterns drawn as flow arrows: each transfer of a ring's money pattern, from the
node that holds the paying account to the one that holds the receiving account, numbered in
time order (1 = first).

The arrows come from the rings the view shows (``vm.meta["rings"]``, each ring's
``evidence.patterns``: :func:`workbench.analysis.patterns.add_patterns`); an arrow is drawn
when both ends are in the view and differ (one person paying himself between two accounts is
listed, not drawn). The snapshot and the Explorer draw them as vis-network edges, the
diagram export as numbered arrows; the words are text for tooltips, never markup.

Examples
--------
>>> rings = [{"id": "R-1", "evidence": {"patterns": [{"kind": "cycle", "transfers": [
...     {"order": 2, "from": "B", "to": "A", "from_person": "P2", "to_person": "P1",
...      "at": "2024-01-03T10:00:00+08:00", "amount": "90.00", "currency": "CNY",
...      "file": "t.csv", "line": 3},
...     {"order": 1, "from": "A", "to": "B", "from_person": "P1", "to_person": "P2",
...      "at": "2024-01-01T10:00:00+08:00", "amount": "100.00", "currency": "CNY",
...      "file": "t.csv", "line": 2}]}]}}]
>>> [(f["from"], f["to"], f["label"]) for f in pattern_flows(rings, {"P1", "P2"})]
[('P1', 'P2', '1'), ('P2', 'P1', '2')]
"""

from __future__ import annotations

from ..contract import file_name

__all__ = ["FLOW_STYLE", "pattern_flows", "flow_lines"]

#: how a pattern's transfers look: a dashed orange arrow with its number
FLOW_STYLE = {"color": "#E65100", "dashes": [8, 4], "mpl": (0, (4, 2)),
              "label": "money pattern: numbered in time order"}


def pattern_flows(rings: list[dict], nodes) -> list[dict]:
    """The flow arrows of the rings' money patterns among ``nodes``, per pattern in time
    order (ties in time keep the pattern's order).

    Each arrow: ``from``, ``to`` (node ids), ``ring``, ``pattern`` (index in the ring),
    ``kind``, ``order`` and ``of`` (its place among the pattern's transfers), ``label``
    (the order as text), ``at``, ``amount``, ``currency``, ``file`` (name only), ``line``,
    ``accounts`` (payer, payee), ``words`` (tooltip lines), and the drawing's ``color``,
    ``dashes``, ``width``, ``arrows`` and ``smooth`` (a bend, so that arrows between one
    pair do not overlap each other or the money link).
    """
    nodes = {str(n) for n in nodes}
    out: list[dict] = []
    for ring in rings or []:
        for k, pattern in enumerate((ring.get("evidence") or {}).get("patterns") or []):
            transfers = sorted(pattern.get("transfers") or [],
                               key=lambda t: (str(t.get("at")), int(t.get("order", 0))))
            seen: dict[tuple, int] = {}
            for n, t in enumerate(transfers, start=1):
                a, b = str(t.get("from_person")), str(t.get("to_person"))
                if a not in nodes or b not in nodes or a == b:
                    continue
                pair = (min(a, b), max(a, b))
                bend = seen.get(pair, 0)
                seen[pair] = bend + 1
                source = file_name(t.get("file"))
                out.append({
                    "from": a, "to": b, "ring": str(ring.get("id", "")), "pattern": k,
                    "kind": str(pattern.get("kind", "")), "order": n, "of": len(transfers),
                    "label": str(n), "at": str(t.get("at", "")),
                    "amount": str(t.get("amount", "")), "currency": str(t.get("currency", "")),
                    "file": source, "line": t.get("line"),
                    "accounts": [str(t.get("from", "")), str(t.get("to", ""))],
                    "words": flow_lines(pattern, t, n, len(transfers), source),
                    "color": FLOW_STYLE["color"], "dashes": FLOW_STYLE["dashes"],
                    "width": 2.0, "arrows": "to",
                    "smooth": ["curvedCW", round(0.25 + 0.12 * bend, 2)]})
    return out


def flow_lines(pattern: dict, t: dict, n: int, total: int, source) -> list[list[str]]:
    """Tooltip lines of one arrow (label, value)."""
    return [["money pattern", f"{pattern.get('kind', '')}, transfer {n} of {total}"],
            ["when", str(t.get("at", ""))[:16].replace("T", " ")],
            ["amount", f"{t.get('currency', '')} {t.get('amount', '')}"],
            ["accounts", f"{t.get('from', '')} \u2192 {t.get('to', '')}"],
            ["record", f"{source}:{t.get('line')}"]]
