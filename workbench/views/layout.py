"""Deterministic, ring-aware layouts computed in Python, so views never run physics.

Every ring gets its own round region: the organizer in the centre, members on a circle
around him, associates (people linked to the ring but not in it) on outer circles facing
the member they are tied to. People linked to no ring form regions of their own around their
best-connected person. Brokers are regions of one, pulled between the rings they serve.
Regions are arranged by a force layout of the region graph (igraph, seeded) and then pushed
apart until no two touch.

Each node reserves a disc that holds its marker and its label (two lines under the marker,
the way vis-network and the diagrams draw them), so no two markers and no two labels
overlap, at any zoom. Coordinates are screen-like: ``y`` grows downwards (vis-network's
convention); the diagrams flip the axis so every view has the same orientation.

Examples
--------
>>> import networkx as nx
>>> g = nx.Graph()
>>> g.add_nodes_from(["A", "B", "C"], ring="R001", role="member")
>>> g.nodes["A"]["role"] = "organizer"
>>> g.add_edges_from([("A", "B"), ("A", "C"), ("C", "D")])
>>> p = ring_layout(g)
>>> p.pos["A"] == ring_layout(g).pos["A"], p.regions[0]["ring"], overlaps(p)
(True, 'R001', 0)
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

__all__ = ["layout", "ring_layout", "Placement", "label_lines", "label_size", "node_size",
           "overlaps", "count_overlaps", "ring_title", "FONT_SIZE", "TITLE_SIZE"]

FONT_SIZE = 14          # label font size (px at zoom 1)
_LINE = 1.3 * FONT_SIZE  # line height
_GAP = 10.0              # free space between two node discs
_PAD = 16.0              # free space inside a region's edge
_HEAD = 30.0             # room at a ring region's top for its id and organizer
TITLE_SIZE = 15          # font size of a ring's title


def label_lines(node: str, data: dict) -> list[str]:
    """The label of a node as lines: name over id for people, the id otherwise; the
    organizer's name is starred."""
    name = str(data.get("name") or "")
    star = "\u2605 " if data.get("role") == "organizer" else ""
    if name and data.get("kind", "person") in ("person", "entity"):
        return [star + name, str(node)]
    return [star + str(node)]


def _text_width(text: str, size: float = FONT_SIZE) -> float:
    """Width of ``text`` in px: wide (CJK) characters one em, others 0.62 em (generous)."""
    return sum(size * (1.0 if unicodedata.east_asian_width(c) in "WF" else 0.62)
               for c in text)


def label_size(lines: list[str], size: float = FONT_SIZE) -> tuple[float, float]:
    """(width, height) of a label box in px at zoom 1."""
    return (max((_text_width(t, size) for t in lines), default=0.0) + 6,
            len(lines) * 1.3 * size + 4)


def node_size(data: dict) -> float:
    """Marker radius in px: 10 to 26 by key-player score (organizers at least 20)."""
    score = max(0.0, min(float(data.get("score") or 0.0), 1.0))
    size = 10 + 16 * score
    return round(max(size, 20.0) if data.get("role") == "organizer" else size, 1)


@dataclass
class Placement:
    """A layout: node positions, each node's footprint and the ring regions.

    Attributes
    ----------
    pos : dict
        node -> (x, y), ``y`` downwards.
    boxes : dict
        node -> (left, top, right, bottom) of marker plus label.
    regions : list of dict
        One per ring: ``ring``, ``x``, ``y``, ``r`` (centre and radius), ``organizer``.
    """

    pos: dict = field(default_factory=dict)
    boxes: dict = field(default_factory=dict)
    regions: list = field(default_factory=list)


def _footprint(node, data) -> tuple[float, float, float, float]:
    """(half width, half height, offset of the box centre below the marker, radius)."""
    size = node_size(data)
    w, h = label_size(label_lines(node, data))
    half_w = max(w, 2 * size) / 2
    half_h = (2 * size + 4 + h) / 2
    return half_w, half_h, half_h - size, math.hypot(half_w, half_h)


def _circle(radii: list[float], inner: float) -> tuple[float, list[float]]:
    """Radius of a circle (at least ``inner``) on which discs of ``radii`` sit side by side,
    and the angle each one takes."""
    need = sum(2 * r + _GAP for r in radii)
    rad = max(inner, need / (2 * math.pi))
    if len(radii) == 1:
        return rad, [0.0]
    angles, at = [], 0.0
    for r in radii:
        share = (2 * r + _GAP) / need * 2 * math.pi
        angles.append(at + share / 2)
        at += share
    return rad, angles


def _region(centre, rest: list, anchor_angle: dict, disc: dict) -> tuple[dict, float]:
    """Offsets of a region's discs: ``centre`` at (0, 0), ``rest`` on circles outwards,
    each circle holding as many as fit. Returns offsets and the region's radius."""
    out = {}
    reach = 0.0
    if centre is not None:
        out[centre] = (0.0, 0.0)
        reach = disc[centre]
    pending = sorted(rest, key=lambda n: (anchor_angle.get(n, 0.0), str(n)))
    while pending:
        inner = reach + _GAP + max(disc[n] for n in pending)
        # take as many as fit on a circle of radius ``inner`` (at least one)
        take, used = [], 0.0
        for n in pending:
            if take and used + 2 * disc[n] + _GAP > 2 * math.pi * inner:
                break
            take.append(n)
            used += 2 * disc[n] + _GAP
        rad, angles = _circle([disc[n] for n in take], inner)
        start = anchor_angle.get(take[0], -math.pi / 2) - angles[0]
        for n, a in zip(take, angles, strict=True):
            out[n] = (rad * math.cos(start + a), rad * math.sin(start + a))
        reach = rad + max(disc[n] for n in take)
        pending = pending[len(take):]
    return out, reach


def _clear(offs: dict, foot: dict) -> bool:
    """No two footprint boxes (centred at the offsets) come within ``_GAP`` of each other."""
    items = list(offs.items())
    for i, (a, (xa, ya)) in enumerate(items):
        for b, (xb, yb) in items[i + 1:]:
            if (abs(xa - xb) < foot[a][0] + foot[b][0] + _GAP
                    and abs(ya - yb) < foot[a][1] + foot[b][1] + _GAP):
                return False
    return True


def _tighten(offs: dict, foot: dict) -> tuple[dict, float]:
    """Shrink a small region's layout towards its centre while the boxes (not their
    circumscribed discs) stay clear of each other; returns offsets and the reach."""
    if 2 <= len(offs) <= 40:
        best = offs
        for f in np.arange(0.95, 0.3, -0.05):
            trial = {n: (x * f, y * f) for n, (x, y) in offs.items()}
            if not _clear(trial, foot):
                break
            best = trial
        offs = best
    reach = max(math.hypot(abs(x) + foot[n][0], abs(y) + foot[n][1])
                for n, (x, y) in offs.items())
    return offs, reach


def _assign(graph: nx.Graph, ring_of: dict) -> dict:
    """Home region of each node: its ring, else the ring (or group) it is most tied to."""
    home = {n: ("ring", r) for n, r in ring_of.items()}
    brokers = {n for n, d in graph.nodes(data=True)
               if d.get("role") == "broker" and n not in ring_of}
    for b in sorted(brokers):
        home[b] = ("broker", b)
    pending = [n for n in graph.nodes if n not in home]
    while pending:
        progress = False
        for n in sorted(pending, key=str):
            ties: dict = {}
            for m, d in graph[n].items():
                if m in home and home[m][0] == "ring":
                    ties[home[m]] = ties.get(home[m], 0.0) + float(d.get("weight", 1.0))
            if ties:
                home[n] = max(ties, key=lambda k: (ties[k], str(k)))
                progress = True
        pending = [n for n in pending if n not in home]
        if not progress:
            break
    rest = graph.subgraph(pending)
    for comp in sorted(nx.connected_components(rest), key=lambda c: min(map(str, c))):
        hub = max(comp, key=lambda n: (rest.degree(n, weight="weight"), str(n)))
        for n in comp:
            home[n] = ("group", hub)
    return home


def ring_layout(graph: nx.Graph, seed: int = 0) -> Placement:
    """Ring-aware layout of ``graph`` (node attributes ``ring``, ``role``, ``name``,
    ``kind``, ``score``); see the module docstring."""
    import igraph as ig

    from ..graph import seeded_rng

    if graph.number_of_nodes() == 0:
        return Placement()
    data = dict(graph.nodes(data=True))
    foot = {n: _footprint(n, d) for n, d in data.items()}
    disc = {n: f[3] for n, f in foot.items()}
    ring_of = {n: d["ring"] for n, d in data.items() if d.get("ring")}
    home = _assign(graph, ring_of)
    members: dict = {}
    for n, h in home.items():
        members.setdefault(h, []).append(n)
    keys = sorted(members, key=lambda h: ({"ring": 0, "group": 1, "broker": 2}[h[0]],
                                          str(h[1])))
    local, radius, centre_of = {}, {}, {}
    for h in keys:
        group = members[h]
        if h[0] == "ring":
            inside = [n for n in group if ring_of.get(n) == h[1]]
            org = [n for n in inside if data[n].get("role") == "organizer"]
            centre = min(org, key=str) if org else max(
                inside, key=lambda n: (graph.degree(n, weight="weight"), str(n)))
        elif h[0] == "group":
            centre = h[1]
        else:
            centre = group[0]
        centre_of[h] = centre
        core = [n for n in group if n != centre and (h[0] != "ring" or ring_of.get(n) == h[1])]
        offs, reach = _region(centre, core, {}, disc)
        offs, reach = _tighten(offs, foot)
        outer = [n for n in group if n not in offs]
        if outer:  # associates face the member they are most tied to
            angle = {}
            for n in outer:
                ties = [(float(d.get("weight", 1.0)), str(m)) for m, d in graph[n].items()
                        if m in offs]
                if ties:
                    m = max(ties)[1]
                    m = next(x for x in offs if str(x) == m)
                    angle[n] = math.atan2(offs[m][1], offs[m][0]) if offs[m] != (0, 0) else 0.0
            ring_offs, _ = _region(None, outer, angle, disc)
            shift = reach + _GAP
            for n, (x, y) in ring_offs.items():
                d0 = math.hypot(x, y)
                scale = (d0 + shift) / d0 if d0 else 1.0
                if not d0:
                    x, y = math.cos(angle.get(n, 0.0)), math.sin(angle.get(n, 0.0))
                    scale = shift + disc[n]
                offs[n] = (x * scale, y * scale)
            reach = max(math.hypot(*offs[n]) + disc[n] for n in offs)
        local[h] = offs
        radius[h] = reach + (_PAD + _HEAD if h[0] == "ring" else _PAD / 2)
    centres = _arrange(graph, keys, home, radius, seed, ig, seeded_rng)
    out = Placement()
    for k, h in enumerate(keys):
        cx, cy = centres[k]
        shift_y = _HEAD / 2 if h[0] == "ring" else 0.0  # the ring's title sits at the top
        for n, (x, y) in local[h].items():
            half_w, half_h, below, _ = foot[n]
            bx, by = cx + x, cy + y + shift_y
            nx_, ny_ = round(bx, 1), round(by - below, 1)
            out.pos[n] = (nx_, ny_)
            out.boxes[n] = (bx - half_w, by - half_h, bx + half_w, by + half_h)
        if h[0] == "ring":
            org = centre_of[h]
            title = ring_title(h[1], data[org].get("name") or str(org),
                               data[org].get("ring_tags") or "")
            w, hgt = label_size([title], TITLE_SIZE)
            top = cy - radius[h] + 8
            out.regions.append({"ring": h[1], "x": round(cx, 1), "y": round(cy, 1),
                                "r": round(radius[h], 1), "organizer": str(org),
                                "title": title, "title_y": round(top + hgt / 2, 1),
                                "title_box": (cx - w / 2, top, cx + w / 2, top + hgt)})
    return out


def ring_title(ring: str, organizer: str, tags: str = "") -> str:
    """What a ring's region says at its top: id, organizer, and the ring's tags (tier,
    family, regional) when the view knows them."""
    return f"{ring} \u00b7 \u2605 {organizer}" + (f" \u00b7 {tags}" if tags else "")


def _arrange(graph, keys, home, radius, seed, ig, seeded) -> np.ndarray:
    """Centres of the regions: a force layout of the region graph, pushed apart."""
    k = len(keys)
    r = np.array([radius[h] for h in keys])
    if k == 1:
        return np.zeros((1, 2))
    index = {h: i for i, h in enumerate(keys)}
    ties: dict = {}
    for a, b, d in graph.edges(data=True):
        i, j = index[home[a]], index[home[b]]
        if i != j:
            key = (min(i, j), max(i, j))
            ties[key] = ties.get(key, 0.0) + float(d.get("weight", 1.0))
    g = ig.Graph(k, list(ties))
    rng = np.random.default_rng(seed)
    start = rng.uniform(-1, 1, size=(k, 2)).tolist()
    with seeded(seed):
        lay = g.layout_fruchterman_reingold(weights=list(ties.values()) or None, seed=start,
                                            niter=500, grid="nogrid")
    xy = np.asarray(lay.coords, dtype=float)
    xy -= xy.mean(axis=0)
    spread = np.abs(xy).max() or 1.0
    xy *= math.sqrt(float((r ** 2).sum())) * 1.2 / spread
    edges = np.array(list(ties), dtype=np.int64).reshape(-1, 2)
    xy = _separate(xy, r, edges)
    for _ in range(12):  # gravity: draw the regions in, keeping them apart
        xy = _separate(xy * 0.85, r, edges, attract=False)
    return xy


def _separate(xy: np.ndarray, r: np.ndarray, edges: np.ndarray, rounds: int = 400,
              attract: bool = True) -> np.ndarray:
    """Push overlapping circles apart (and linked ones together, gently) until none touch."""
    k = len(r)
    need = r[:, None] + r[None, :] + _GAP
    np.fill_diagonal(need, 0.0)
    for step in range(rounds):
        d = xy[:, None, :] - xy[None, :, :]
        dist = np.hypot(d[..., 0], d[..., 1])
        np.fill_diagonal(dist, np.inf)
        short = np.where(dist < need, need + 1.0 - dist, 0.0)  # overshoot: settles
        if not short.any():
            break
        unit = d / np.where(dist == 0, 1.0, dist)[..., None]
        # identical centres: split along a fixed direction per pair
        same = dist == 0
        if same.any():
            unit[same] = np.array([1.0, 0.0])
        area = r ** 2
        share = area[None, :] / (area[:, None] + area[None, :])
        xy = xy + (unit * (short * share * 0.55)[..., None]).sum(axis=1)
        if attract and step < rounds // 2 and len(edges):  # linked regions drift back together
            a, b = edges[:, 0], edges[:, 1]
            v = xy[b] - xy[a]
            gap = np.hypot(v[:, 0], v[:, 1]) - (r[a] + r[b] + _GAP)
            pull = (np.clip(gap, 0, None) * 0.02)[:, None] * v / np.maximum(
                np.hypot(v[:, 0], v[:, 1]), 1e-9)[:, None]
            np.add.at(xy, a, pull)
            np.add.at(xy, b, -pull)
    else:  # not settled: fall back to a grid of cells as wide as the largest region
        cell = 2 * r.max() + _GAP
        side = math.ceil(math.sqrt(k))
        order = np.lexsort((xy[:, 0], np.floor(xy[:, 1] / cell)))
        xy = np.zeros((k, 2))
        for pos, i in enumerate(order):
            xy[i] = ((pos % side) * cell, (pos // side) * cell)
    return xy - xy.mean(axis=0)


def overlaps(placement: Placement) -> int:
    """Pairs of boxes that overlap (sort and sweep): node footprints (marker plus label)
    and ring titles."""
    return count_overlaps(list(placement.boxes.values())
                          + [tuple(r["title_box"]) for r in placement.regions])


def count_overlaps(boxes) -> int:
    """Pairs of ``(left, top, right, bottom)`` boxes that overlap, by sort and sweep.

    >>> count_overlaps([(0, 0, 2, 2), (1, 1, 3, 3), (5, 5, 6, 6)])
    1
    """
    items = sorted(tuple(b) for b in boxes)
    count = 0
    for i, (_l1, t1, r1, b1) in enumerate(items):
        for l2, t2, _r2, b2 in items[i + 1:]:
            if l2 >= r1:
                break
            if t2 < b1 and t1 < b2:
                count += 1
    return count


def layout(graph: nx.Graph, seed: int = 0) -> dict:
    """Node -> (x, y): the positions of :func:`ring_layout`."""
    return ring_layout(graph, seed=seed).pos
