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
           "overlaps", "count_overlaps", "ring_title", "head_lines", "flatness", "label_above",
           "FONT_SIZE", "TITLE_SIZE", "PANE"]

FONT_SIZE = 14          # label font size (px at zoom 1)
_LINE = 1.3 * FONT_SIZE  # line height
_GAP = 8.0               # free space between two node footprints
_PAD = 10.0              # free space inside a region's edge
TITLE_SIZE = 15          # font size of a ring's title
#: the graph pane of a snapshot on a 1440 x 900 screen (px): what views are fitted to
PANE = (1076.0, 750.0)
#: views are packed for a pane that may grow to 1.35 times its height (the page scrolls)
ASPECT = PANE[0] / (PANE[1] * 1.35)


def label_lines(node: str, data: dict) -> list[str]:
    """The label of a node as lines: name over id for people, the id otherwise; the
    organizer's name is starred."""
    if data.get("kind") == "folded":
        count = int(data.get("folded") or 0)
        return [f"+{count} one-off contact{'s' if count != 1 else ''}"]
    name = str(data.get("name") or "")
    star = "\u2605 " if data.get("role") == "organizer" else ""
    if name and data.get("kind", "person") in ("person", "entity"):
        return [star + name, str(node)]
    return [star + str(node)]


def _text_width(text: str, size: float = FONT_SIZE) -> float:
    """Width of ``text`` in px (a little generous): wide (CJK) characters and the star one
    em, digits 0.58, capitals 0.66, other letters, spaces and marks 0.52 em."""
    def em(c: str) -> float:
        if unicodedata.east_asian_width(c) in "WFA" and ord(c) > 0x2000:
            return 1.0
        return 0.58 if c.isdigit() else 0.66 if c.isupper() else 0.52 if c.isascii() else 0.62
    return sum(size * em(c) for c in text)


def label_size(lines: list[str], size: float = FONT_SIZE) -> tuple[float, float]:
    """(width, height) of a label box in px at zoom 1."""
    return (max((_text_width(t, size) for t in lines), default=0.0) + 6,
            len(lines) * 1.3 * size + 4)


def node_size(data: dict) -> float:
    """Marker radius in px: 8 to 22 by key-player score (organizers at least 17; services
    and folded contacts 6)."""
    if data.get("role") in ("service", "folded"):
        return 6.0
    score = max(0.0, min(float(data.get("score") or 0.0), 1.0))
    size = 8 + 14 * score
    return round(max(size, 17.0) if data.get("role") == "organizer" else size, 1)


@dataclass
class Placement:
    """A layout: node positions, each node's footprint and the ring regions.

    Attributes
    ----------
    pos : dict
        node -> (x, y), ``y`` downwards.
    boxes : dict
        node -> (left, top, right, bottom) of marker plus label.
    above : set
        Nodes whose label is written above the marker (below otherwise).
    regions : list of dict
        One per ring: ``ring``, ``x``, ``y``, ``r`` (centre and radius), ``organizer``.
    """

    pos: dict = field(default_factory=dict)
    boxes: dict = field(default_factory=dict)
    regions: list = field(default_factory=list)
    above: set = field(default_factory=set)

    def bounds(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) of everything drawn: footprints and ring regions."""
        xs = [b[0] for b in self.boxes.values()] + [r["x"] - r["r"] for r in self.regions]
        ys = [b[1] for b in self.boxes.values()] + [r["y"] - r["r"] for r in self.regions]
        xe = [b[2] for b in self.boxes.values()] + [r["x"] + r["r"] for r in self.regions]
        ye = [b[3] for b in self.boxes.values()] + [r["y"] + r["r"] for r in self.regions]
        if not xs:
            return (0.0, 0.0, 0.0, 0.0)
        return (round(min(xs), 1), round(min(ys), 1), round(max(xe), 1), round(max(ye), 1))

    def fit_scale(self, width: float = PANE[0], height: float = PANE[1]) -> float:
        """The zoom at which everything drawn just fits a pane of ``width`` x ``height``
        px (at most 1): label size on screen is ``FONT_SIZE`` times this."""
        left, top, right, bottom = self.bounds()
        return min(1.0, width / max(right - left, 1.0), height / max(bottom - top, 1.0))


def _footprint(node, data, above: bool = False) -> tuple[float, float, float, float]:
    """(half width, half height, offset of the box centre below the marker (negative when
    the label is above it), radius of the disc around the box)."""
    size = node_size(data)
    w, h = label_size(label_lines(node, data))
    half_w = max(w, 2 * size) / 2
    half_h = (2 * size + 4 + h) / 2
    below = half_h - size
    return half_w, half_h, -below if above else below, math.hypot(half_w, half_h)


def label_above(offset: tuple[float, float]) -> bool:
    """Whether a node at ``offset`` from the centre of its region writes its label above its
    marker: when it sits clearly above the centre, so that links from below miss the label."""
    x, y = offset
    return y < -0.25 * math.hypot(x, y)


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


def _boxes(offs: dict, foot) -> dict:
    """Footprint boxes of markers at ``offs``; ``foot(n)`` gives the node's footprint."""
    out = {}
    for n, (x, y) in offs.items():
        hw, hh, dy, _ = foot(n)
        out[n] = (x - hw, y + dy - hh, x + hw, y + dy + hh)
    return out


def _clear(offs: dict, foot) -> bool:
    """No two footprint boxes of markers at ``offs`` come within ``_GAP`` of each other."""
    items = list(_boxes(offs, foot).values())
    for i, a in enumerate(items):
        for b in items[i + 1:]:
            if a[0] < b[2] + _GAP and b[0] < a[2] + _GAP and a[1] < b[3] + _GAP \
                    and b[1] < a[3] + _GAP:
                return False
    return True


def _polygon(centre, members: list, feet) -> dict:
    """Marker offsets of a ring's core: the organizer (``centre``) at (0, 0) and the members
    on the smallest circle around him on which no two footprints touch, rotated so that as
    few as possible sit right under his label; two members make a triangle with him (he at
    the bottom), one sits beside him. ``feet(n, above)`` gives footprints."""
    n = len(members)
    if n == 0:
        return {centre: (0.0, 0.0)}
    if n <= 2:  # a pair side by side; three people a triangle, the organizer at the bottom
        angles = [0.0] if n == 1 else [-math.pi / 3, -2 * math.pi / 3]
        offsets = [0.0]
    else:
        angles = [2 * math.pi * k / n for k in range(n)]
        offsets = [(-math.pi / 2) + f * 2 * math.pi / n for f in (0.0, 0.25, 0.5, 0.75)]
    best, best_score = None, math.inf
    for off in offsets:
        unit = [(math.cos(a + off), math.sin(a + off)) for a in angles]
        side = {m: label_above(u) for m, u in zip(members, unit, strict=True)}

        def foot(m, side=side):
            return feet(m, side.get(m, False))
        rad = max(foot(centre)[3], 20.0)
        for _ in range(200):
            offs = {centre: (0.0, 0.0)}
            offs.update({m: (rad * ux, rad * uy) for m, (ux, uy) in
                         zip(members, unit, strict=True)})
            if _clear(offs, foot):
                break
            rad *= 1.04
        # members right under the organizer's label make links through it: avoid them
        under = sum(1 for ux, uy in unit if uy > 0 and abs(ux) < 0.55 * uy)
        score = rad * (1 + 1.0 * under)
        if score < best_score - 1e-6:
            best, best_score = offs, score
    return best


def _centre_offsets(offs: dict, foot) -> dict:
    """Shift offsets so the middle of their footprints' bounding box is at (0, 0)."""
    boxes = list(_boxes(offs, foot).values())
    mx = (min(b[0] for b in boxes) + max(b[2] for b in boxes)) / 2
    my = (min(b[1] for b in boxes) + max(b[3] for b in boxes)) / 2
    return {n: (x - mx, y - my) for n, (x, y) in offs.items()}


def _tighten(offs: dict, foot) -> dict:
    """Shrink a small region's layout towards its centre while the boxes (not their
    circumscribed discs) stay clear of each other."""
    if 2 <= len(offs) <= 40:
        best = offs
        for f in np.arange(0.95, 0.3, -0.05):
            trial = {n: (x * f, y * f) for n, (x, y) in offs.items()}
            if not _clear(trial, foot):
                break
            best = trial
        offs = best
    return offs


def _reach(offs: dict, foot) -> float:
    """Radius of the smallest circle about (0, 0) holding every footprint box."""
    return max(max(math.hypot(b[0], b[1]), math.hypot(b[2], b[1]), math.hypot(b[0], b[3]),
                   math.hypot(b[2], b[3])) for b in _boxes(offs, foot).values())


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


def _local(graph, h, group, centre, ring_of, feet, spread=1.0) -> tuple[dict, dict]:
    """Marker offsets of one region's nodes about its centre, and which labels go above;
    a ring's polygon is widened ``spread`` times (room for links and amounts)."""
    core = [n for n in group if n != centre and (h[0] != "ring" or ring_of.get(n) == h[1])]
    side: dict = {}

    def foot(n):
        return feet(n, side.get(n, False))
    if h[0] == "ring" and len(core) <= 12:
        offs = {n: (x * spread, y * spread) for n, (x, y) in
                _polygon(centre, sorted(core, key=str), feet).items()}
        side.update({n: label_above(o) for n, o in offs.items() if n != centre})
        if len(core) == 2:  # the triangle: its middle at the region's centre
            dy = _centre_offsets(offs, foot)[centre][1]
            offs = {n: (x, y + dy) for n, (x, y) in offs.items()}
    else:
        disc = {n: feet(n, False)[3] for n in group}
        offs, _ = _region(centre, core, {}, disc)
        offs = _tighten({n: (x, y - feet(n, False)[2]) for n, (x, y) in offs.items()}, foot)
    reach = _reach(offs, foot)
    outer = [n for n in group if n not in offs]
    if outer:  # associates face the member they are most tied to, outside the core
        angle = {}
        for n in outer:
            ties = [(float(d.get("weight", 1.0)), str(m)) for m, d in graph[n].items()
                    if m in offs]
            if ties:
                m = max(ties)[1]
                m = next(x for x in offs if str(x) == m)
                angle[n] = math.atan2(offs[m][1], offs[m][0]) if offs[m] != (0, 0) else 0.0
        disc = {n: feet(n, False)[3] for n in outer}
        if len(outer) > 6:  # many: packed tight round the core, each facing its anchor
            return _packed(offs, side, reach, outer, angle, disc, foot)
        ring_offs, _ = _region(None, outer, angle, disc)
        shift = reach + _GAP
        for n, (x, y) in ring_offs.items():
            d0 = math.hypot(x, y)
            scale = (d0 + shift) / d0 if d0 else 1.0
            if not d0:
                x, y = math.cos(angle.get(n, 0.0)), math.sin(angle.get(n, 0.0))
                scale = shift + disc[n]
            side[n] = label_above((x, y))
            offs[n] = (x * scale, y * scale - foot(n)[2])
    return offs, side


def _packed(offs, side, reach, outer, angle, disc, foot) -> tuple[dict, dict]:
    """Associates packed round a region's core (a disc of radius ``reach``), nearest its
    centre first, in the order of the angle they face."""
    from .packing import pack

    order = sorted(outer, key=lambda n: (angle.get(n, 0.0), str(n)))
    r = np.array([reach] + [disc[n] for n in order])
    xy = pack(r, aspect=ASPECT, ties={(0, i + 1): 1.0 for i in range(len(order))}, first=[0])
    xy = xy[1:] - xy[0]
    for n, (x, y) in zip(order, xy.tolist(), strict=True):
        side[n] = label_above((x, y))
        offs[n] = (x, y - foot(n)[2])
    return offs, side


def ring_layout(graph: nx.Graph, seed: int = 0, aspect: float = ASPECT) -> Placement:
    """Ring-aware layout of ``graph`` (node attributes ``ring``, ``role``, ``name``,
    ``kind``, ``score``); see the module docstring. ``aspect`` is the width over the height
    of the area the regions are packed into (a screen's graph pane by default)."""
    from .packing import arrange

    if graph.number_of_nodes() == 0:
        return Placement()
    data = dict(graph.nodes(data=True))
    cache: dict = {}

    def feet(n, above=False):
        if (n, above) not in cache:
            cache[(n, above)] = _footprint(n, data[n], above)
        return cache[(n, above)]
    ring_of = {n: d["ring"] for n, d in data.items() if d.get("ring")}
    home = _assign(graph, ring_of)
    members: dict = {}
    for n, h in home.items():
        members.setdefault(h, []).append(n)
    keys = sorted(members, key=lambda h: ({"ring": 0, "group": 1, "broker": 2}[h[0]],
                                          str(h[1])))
    local, sides, radius, centre_of, heads = {}, {}, {}, {}, {}
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
        offs, sides[h] = _local(graph, h, group, centre, ring_of, feet,
                                1.6 if graph.number_of_nodes() <= 16 else 1.0)
        boxes = list(_boxes(offs, lambda n, s=sides[h]: feet(n, s.get(n, False))).values())
        top, bottom = min(b[1] for b in boxes), max(b[3] for b in boxes)
        if h[0] == "ring":  # the title over the top footprint, the region's middle below it
            title = ring_title(h[1], data[centre].get("name") or str(centre),
                               data[centre].get("ring_tags") or "")
            lines = head_lines(title)
            tw, th = label_size(lines, TITLE_SIZE)
            top -= th + 4
            boxes.append((-tw / 2, top, tw / 2, top + th))
            heads[h] = (title, lines, tw, th)
        mid = (top + bottom) / 2
        local[h] = {n: (x, y - mid) for n, (x, y) in offs.items()}
        radius[h] = max(math.hypot(x, y - mid) for b in boxes for x in (b[0], b[2])
                        for y in (b[1], b[3])) + (_PAD if h[0] == "ring" else _PAD / 2)
        if h[0] == "ring":
            heads[h] += (top - mid,)
    centres = arrange(graph, keys, home, radius, seed, aspect)
    out = Placement()
    for k, h in enumerate(keys):
        cx, cy = float(centres[k][0]), float(centres[k][1])
        for n, (x, y) in local[h].items():
            above = sides[h].get(n, False)
            half_w, half_h, dy, _ = feet(n, above)
            mx, my = round(cx + x, 1), round(cy + y, 1)
            out.pos[n] = (mx, my)
            out.boxes[n] = (mx - half_w, my + dy - half_h, mx + half_w, my + dy + half_h)
            if above:
                out.above.add(n)
        if h[0] == "ring":
            title, lines, tw, th, top = heads[h]
            top += cy
            out.regions.append({"ring": h[1], "x": round(cx, 1), "y": round(cy, 1),
                                "r": round(radius[h], 1), "organizer": str(centre_of[h]),
                                "title": title, "head": lines,
                                "title_y": round(top + 2 + 0.65 * TITLE_SIZE, 1),
                                "title_box": (cx - tw / 2, top, cx + tw / 2, top + th)})
    return out


def head_lines(title: str) -> list[str]:
    """A ring's title as drawn in its region: id and organizer over the tags."""
    parts = title.split(" \u00b7 ")
    return [" \u00b7 ".join(parts[:2])] + ([" \u00b7 ".join(parts[2:])] if parts[2:] else [])


def ring_title(ring: str, organizer: str, tags: str = "") -> str:
    """What a ring's region says at its top: id, organizer, and the ring's tags (tier,
    family, regional) when the view knows them."""
    return f"{ring} \u00b7 \u2605 {organizer}" + (f" \u00b7 {tags}" if tags else "")


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


def flatness(points) -> float:
    """How round a set of positions is: the smaller over the larger principal axis (square
    roots of the eigenvalues of their covariance); 1 for a regular polygon, 0 for points on
    one line; 1 for fewer than three points.

    >>> flatness([(0, 0), (2, 0), (1, 1.7)]) > 0.9, flatness([(0, 0), (0, 1), (0, 2)])
    (True, 0.0)
    """
    xy = np.asarray(list(points), dtype=float).reshape(-1, 2)
    if len(xy) < 3:
        return 1.0
    ev = np.linalg.eigvalsh(np.cov(xy.T))
    return round(float(math.sqrt(max(ev[0], 0.0) / ev[1])) if ev[1] > 0 else 0.0, 3)


def layout(graph: nx.Graph, seed: int = 0) -> dict:
    """Node -> (x, y): the positions of :func:`ring_layout`."""
    return ring_layout(graph, seed=seed).pos
