"""Candidate patterns by shape on the one-off transfer graph.

Every shape is a small layered structure of one-off transfers (a pair's only transfer):

==================  =====================================================================
``fan-in``          several sources -> one hub
``fan-out``         one hub -> several targets
``gather-scatter``  several sources -> one hub -> several targets
``scatter-gather``  one origin -> several middles -> one destination
``bipartite``       a set X -> a set Y, each payer paying several payees; chained layers
                    X -> Y -> Z ... when the payees pay on the same way (layering)
``cycle``           a directed cycle of 3 to ``max_cycle`` accounts
==================  =====================================================================

Candidates overlap (a scatter-gather's origin is also a fan-out hub); scoring decides
which one an analyst sees (:mod:`workbench.money.patterns`).

Examples
--------
>>> import pandas as pd, numpy as np
>>> e = pd.DataFrame({"a": [0, 1, 2], "b": [1, 2, 0]})
>>> [c.kind for c in cycles(e, 3)]
['cycle']
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .stats import scan_p, scan_rows

__all__ = ["Candidate", "candidates", "cycles", "KINDS"]

log = logging.getLogger(__name__)

KINDS = ("fan-in", "fan-out", "gather-scatter", "scatter-gather", "bipartite", "cycle")

#: smallest fan worth the name (two payments into one account are no pattern)
MIN_FAN = 3


@dataclass
class Candidate:
    """One candidate pattern: its transfers (row numbers of the edge table) and roles.

    ``through`` lists, per account money passes through, its incoming and outgoing
    transfers of the pattern; ``alike`` the transfers whose amounts should be alike (the
    spokes of a fan, the payments of one layer).
    """

    kind: str
    edges: list[int]
    roles: dict[str, list[int]]
    through: list[tuple[list[int], list[int]]] = field(default_factory=list)
    alike: list[list[int]] = field(default_factory=list)
    shape: dict = field(default_factory=dict)

    def nodes(self) -> list[int]:
        """Every account of the pattern (dense ids), in role order, once."""
        seen: dict[int, None] = {}
        for ids in self.roles.values():
            for v in ids:
                seen.setdefault(int(v), None)
        return list(seen)


class _Groups:
    """Row numbers grouped by key ``0..n-1`` (``groups[k]``: key ``k``'s rows, ascending),
    sliced when asked for: most of a county's accounts are never asked about."""

    def __init__(self, keys: np.ndarray, n: int) -> None:
        self.order = np.argsort(keys, kind="stable")
        self.bounds = np.searchsorted(keys[self.order], np.arange(n + 1))
        self.sizes = np.diff(self.bounds)

    def __getitem__(self, k: int) -> np.ndarray:
        return self.order[self.bounds[k]:self.bounds[k + 1]]


def candidates(edges: pd.DataFrame, n_nodes: int, two_paths: pd.DataFrame,
               co_targets: pd.DataFrame, *, max_cycle: int = 8,
               cycle_budget: int = 5_000_000, period: float | None = None,
               paid_as_business=None, paying_as_business=None) -> list[Candidate]:
    """All candidate patterns of the one-off graph.

    Parameters
    ----------
    edges : DataFrame
        One-off transfers with dense node ids ``a -> b``.
    n_nodes : int
        Number of dense node ids.
    two_paths, co_targets : DataFrame
        SQL's pairs ``(src, dst)`` with two or more one-off two-step paths, and payer pairs
        ``(x1, x2)`` sharing two or more payees (dense ids).
    max_cycle : int
        Longest cycle searched.
    cycle_budget : int
        Stop the cycle search after this many steps (logged).
    period : float or None
        Seconds the case spans (default: the one-off transfers' own span).
    paid_as_business, paying_as_business : array of bool or None
        Per node: a service paid (paying) by many as its business; it is no hub that way
        (no fan-in, gather or scatter-gather destination; no fan-out, scatter or origin),
        though its transfers unlike its business are spokes and links like anyone's.

    Returns
    -------
    list of Candidate

    Examples
    --------
    >>> e = pd.DataFrame({"a": [1, 2, 3], "b": [0, 0, 0], "ts": [0.0, 10.0, 20.0]})
    >>> none = pd.DataFrame({"src": [], "dst": [], "x1": [], "x2": []})
    >>> [(c.kind, c.roles) for c in candidates(e, 4, none, none)]
    [('fan-in', {'sources': [1, 2, 3], 'hub': [0]})]
    """
    a = edges["a"].to_numpy(dtype=np.int64)
    b = edges["b"].to_numpy(dtype=np.int64)
    ins, outs = _Groups(b, n_nodes), _Groups(a, n_nodes)
    no_in = (np.zeros(n_nodes, dtype=bool) if paid_as_business is None
             else np.asarray(paid_as_business, dtype=bool))
    no_out = (np.zeros(n_nodes, dtype=bool) if paying_as_business is None
              else np.asarray(paying_as_business, dtype=bool))
    found: list[Candidate] = []
    n_in = np.where(no_in, 0, ins.sizes)
    n_out = np.where(no_out, 0, outs.sizes)
    hubs = (n_in >= MIN_FAN) | (n_out >= MIN_FAN) | ((n_in >= 2) & (n_out >= 2))
    # each account's rows and their other ends, as lists sliced per account
    in_rows, in_from = ins.order.tolist(), a[ins.order].tolist()
    out_rows, out_to = outs.order.tolist(), b[outs.order].tolist()
    in_at = np.where(no_in, ins.bounds[1:], ins.bounds[:-1]).tolist()  # no fan: no rows
    out_at = np.where(no_out, outs.bounds[1:], outs.bounds[:-1]).tolist()
    in_end, out_end = ins.bounds[1:].tolist(), outs.bounds[1:].tolist()
    for v in np.flatnonzero(hubs).tolist():  # the accounts any of the three shapes needs
        i0, i1, o0, o1 = in_at[v], in_end[v], out_at[v], out_end[v]
        i_e, o_e = in_rows[i0:i1], out_rows[o0:o1]
        if len(i_e) >= MIN_FAN:
            found.append(Candidate("fan-in", i_e, {"sources": in_from[i0:i1], "hub": [v]},
                                   alike=[i_e], shape={"sources": len(i_e)}))
        if len(o_e) >= MIN_FAN:
            found.append(Candidate("fan-out", o_e, {"hub": [v], "targets": out_to[o0:o1]},
                                   alike=[o_e], shape={"targets": len(o_e)}))
        if len(i_e) >= 2 and len(o_e) >= 2:
            found.append(Candidate(
                "gather-scatter", i_e + o_e,
                {"sources": in_from[i0:i1], "hub": [v], "targets": out_to[o0:o1]},
                through=[(i_e, o_e)], alike=[i_e, o_e],
                shape={"sources": len(i_e), "targets": len(o_e)}))
    ts = edges["ts"].to_numpy(dtype=float)
    span = period if period is not None else (float(ts.max() - ts.min()) if ts.size else 1.0)
    found += _bursts(found, ts, max(span, 1.0))
    keep = ~(no_out[two_paths["src"].to_numpy(dtype=np.int64)]
             | no_in[two_paths["dst"].to_numpy(dtype=np.int64)])
    found += _scatter_gather(a, b, ins, outs, two_paths[keep])
    found += _bipartite(a, b, outs, co_targets)
    found += cycles(edges, max_cycle, budget=cycle_budget)
    return found


def _bursts(fans: list[Candidate], ts: np.ndarray, period: float) -> list[Candidate]:
    """For each fan, the fan of its tightest burst in time (when that leaves out some of
    its spokes): a dealer's week of sales among unrelated one-off payments to the same
    account. Scoring decides between the whole fan and the burst."""
    # a burst leaves some spokes out and keeps MIN_FAN: a fan of MIN_FAN has none
    fan = [c for c in fans if c.kind in ("fan-in", "fan-out") and len(c.edges) > MIN_FAN]
    cut = [None] * len(fan)  # per fan: (start, m) of its tightest burst, in time order
    lens = np.fromiter((len(c.edges) for c in fan), dtype=np.int64, count=len(fan))
    for k in np.unique(lens).tolist():
        at = np.flatnonzero(lens == k)
        rows = np.array([fan[i].edges for i in at.tolist()], dtype=np.int64).reshape(-1, k)
        # rows ascend, so a stable sort by time is the order by (time, row)
        rows = np.take_along_axis(rows, np.argsort(ts[rows], axis=1, kind="stable"), axis=1)
        t = ts[rows]
        ok = np.isfinite(t).all(axis=1) & (period > 0) & (k >= 3)
        _, start, m = scan_rows(t[ok], period)
        for i, order, b_start, b_m in zip(at[ok].tolist(), rows[ok].tolist(), start.tolist(),
                                          m.tolist(), strict=True):
            cut[i] = (order, b_start, b_m)
        for i in at[~ok].tolist():  # a time missing: as one fan at a time
            order = sorted(fan[i].edges, key=lambda r: (ts[r], r))
            cut[i] = (order, *scan_p([ts[r] for r in order], period)[1:])
    out = []
    for c, (order, start, m) in zip(fan, cut, strict=True):
        if MIN_FAN <= m < len(order):
            rows = order[start:start + m]
            side = "sources" if c.kind == "fan-in" else "targets"
            ends = [v for r, v in zip(c.edges, c.roles[side], strict=True) if r in set(rows)]
            roles = ({"sources": ends, "hub": c.roles["hub"]} if c.kind == "fan-in"
                     else {"hub": c.roles["hub"], "targets": ends})
            out.append(Candidate(c.kind, sorted(rows), roles, alike=[sorted(rows)],
                                 shape={side: len(rows), "burst_of": len(order)}))
    return out


def _scatter_gather(a, b, ins, outs, two_paths: pd.DataFrame) -> list[Candidate]:
    found = []
    for src, dst in zip(two_paths["src"].to_numpy(), two_paths["dst"].to_numpy(), strict=True):
        first = {int(b[e]): int(e) for e in outs[int(src)]}
        second = {int(a[e]): int(e) for e in ins[int(dst)]}
        middles = sorted(set(first) & set(second) - {int(src), int(dst)})
        if len(middles) < 2:
            continue
        e1, e2 = [first[m] for m in middles], [second[m] for m in middles]
        found.append(Candidate(
            "scatter-gather", e1 + e2,
            {"origin": [int(src)], "middles": middles, "destination": [int(dst)]},
            through=[([x], [y]) for x, y in zip(e1, e2, strict=True)], alike=[e1, e2],
            shape={"middles": len(middles)}))
    return found


def _find(parent: dict, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def _bipartite(a, b, outs, co_targets: pd.DataFrame) -> list[Candidate]:
    """Layers X -> Y (payers sharing payees), chained into X -> Y -> Z where Y pays on."""
    parent: dict[int, int] = {}
    for x1, x2 in zip(co_targets["x1"].to_numpy(), co_targets["x2"].to_numpy(), strict=True):
        x1, x2 = int(x1), int(x2)
        parent.setdefault(x1, x1)
        parent.setdefault(x2, x2)
        r1, r2 = _find(parent, x1), _find(parent, x2)
        if r1 != r2:
            parent[max(r1, r2)] = min(r1, r2)
    comps: dict[int, list[int]] = {}
    for x in parent:
        comps.setdefault(_find(parent, x), []).append(x)
    blocks = []
    for xs in comps.values():
        xs = sorted(xs)
        rows = [int(e) for x in xs for e in outs[x]]
        counts: dict[int, int] = {}
        for e in rows:
            counts[int(b[e])] = counts.get(int(b[e]), 0) + 1
        ys = sorted(y for y, c in counts.items() if c >= 2 and y not in set(xs))
        keep = [e for e in rows if int(b[e]) in set(ys)]
        if len(xs) >= 2 and len(ys) >= 2:
            blocks.append((xs, ys, keep))
    found = [Candidate("bipartite", keep, {"layer 1": xs, "layer 2": ys}, alike=[keep],
                       shape={"layers": [len(xs), len(ys)], "transfers": len(keep)})
             for xs, ys, keep in blocks]
    # layering: a block whose payees are (mostly) the payers of another block
    by_payer = {x: i for i, (xs, _, _) in enumerate(blocks) for x in xs}
    for i, (xs, ys, keep) in enumerate(blocks):
        layers, rows, through_nodes, seen = [xs, ys], list(keep), [], {i}
        while len(layers) <= 5:
            nxt = {by_payer[y] for y in layers[-1] if y in by_payer} - seen
            if not nxt:
                break
            j = min(nxt)
            xs2, ys2, keep2 = blocks[j]
            shared = set(layers[-1]) & set(xs2)
            if len(shared) < 2:
                break
            through_nodes += sorted(shared)
            layers[-1] = sorted(set(layers[-1]) | set(xs2))
            layers.append(ys2)
            rows += keep2
            seen.add(j)
        if len(layers) > 2:
            through = [([e for e in rows if int(b[e]) == v], [e for e in rows if int(a[e]) == v])
                       for v in through_nodes]
            found.append(Candidate(
                "bipartite", rows, {f"layer {k + 1}": ids for k, ids in enumerate(layers)},
                through=through, alike=[rows],
                shape={"layers": [len(x) for x in layers], "transfers": len(rows)}))
    return found


def _cycle_edges(a: np.ndarray, b: np.ndarray, max_cycle: int, budget: int):
    """Edge-index lists of the directed cycles of 3 to ``max_cycle`` nodes.

    A depth-bounded search from each node through larger nodes only, so each cycle is
    found once, from its smallest node (on the pruned one-off graph this is small); it
    stops after ``budget`` steps (logged) rather than run away on a dense graph.
    """
    codes, _ = pd.factorize(np.concatenate([a, b]))
    ia, ib = codes[:a.size].tolist(), codes[a.size:].tolist()
    out: dict[int, list[tuple[int, int]]] = {}
    for e, (x, y) in enumerate(zip(ia, ib, strict=True)):
        out.setdefault(x, []).append((y, e))
    steps = 0
    for start in sorted(out):
        path_nodes, path_edges = [start], []
        on_path = {start}
        stack = [iter(out.get(start, ()))]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                if path_edges:
                    path_edges.pop()
                    on_path.discard(path_nodes.pop())
                continue
            steps += 1
            if steps > budget:
                log.warning("money: cycle search stopped after %d steps", budget)
                return
            node, edge = nxt
            if node == start:
                if len(path_edges) + 1 >= 3:
                    yield path_edges + [edge]
                continue
            if node < start or node in on_path or len(path_nodes) >= max_cycle:
                continue
            path_nodes.append(node)
            path_edges.append(edge)
            on_path.add(node)
            stack.append(iter(out.get(node, ())))


def cycles(edges: pd.DataFrame, max_cycle: int = 8, *, budget: int = 5_000_000
           ) -> list[Candidate]:
    """Directed cycles of 3 to ``max_cycle`` accounts among one-off transfers.

    Nodes without an incoming or an outgoing one-off transfer are pruned first (repeatedly),
    so networkx only sees the part of the graph where a cycle can be.
    """
    a = edges["a"].to_numpy(dtype=np.int64)
    b = edges["b"].to_numpy(dtype=np.int64)
    rows = np.arange(len(a))
    n = int(max(a.max(), b.max())) + 1 if len(a) else 0
    while rows.size:  # a transfer stays while its payer is paid and its payee pays
        ra, rb = a[rows], b[rows]
        ok = (np.bincount(rb, minlength=n) > 0)[ra] & (np.bincount(ra, minlength=n) > 0)[rb]
        if ok.all():
            break
        rows = rows[ok]
    if rows.size == 0:
        return []
    found = []
    for es in _cycle_edges(a[rows], b[rows], max_cycle, budget):
        es = [int(rows[e]) for e in es]
        first = min(range(len(es)), key=lambda i: int(a[es[i]]))
        es = es[first:] + es[:first]
        order = [int(a[e]) for e in es]
        through = [([es[i - 1]], [es[i]]) for i in range(len(es))]
        found.append(Candidate("cycle", es, {"order": order}, through=through,
                               shape={"length": len(es)}))
    return found
