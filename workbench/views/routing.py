"""Where links run and where their amounts are written: clear of every node and label.

A link is drawn as vis-network draws it: a straight line, or a quadratic curve bent
clockwise or counter-clockwise (``smooth = [type, roundness]``), whose control point
:func:`control_point` computes exactly as vis-network does, so the snapshot, the Explorer and
the diagrams (matplotlib, the same curve as a path) agree. :func:`route` picks for each edge
the bend nearest its layer's own that runs through no other node's marker, no label (its
ends' labels included) and not over another layer of the same link. :func:`place_amounts`
puts each money amount beside its curve where it covers no marker, label, line or other
amount; an amount with no such place is left to the hover text.

Examples
--------
>>> control_point((0, 0), (100, 0), None)
(50.0, 0.0)
>>> [round(v) for v in control_point((0, 0), (100, 0), ["curvedCW", 0.5])]
[53, -53]
"""

from __future__ import annotations

import math

import numpy as np

from .layout import Placement, _text_width, node_size

__all__ = ["control_point", "curve_points", "route", "place_amounts", "AMOUNT_SIZE"]

AMOUNT_SIZE = 12          # font size of a money amount (px at zoom 1)
_STEPS = 24               # samples along a curve
_MARGIN = 3.0             # free space a line keeps from a box
_BENDS = [0.0, 0.15, -0.15, 0.3, -0.3, 0.45, -0.45, 0.6, -0.6, 0.8, -0.8, 1.0, -1.0]


def control_point(a, b, smooth) -> tuple[float, float]:
    """The quadratic curve's control point of an edge from ``a`` to ``b`` as vis-network
    computes it for ``smooth`` (``None``: straight, the midpoint)."""
    (ax, ay), (bx, by) = a, b
    if not smooth or not smooth[1]:
        return ((ax + bx) / 2, (ay + by) / 2)
    kind, f = smooth[0], float(smooth[1])
    dx, dy = bx - ax, ay - by
    length = math.hypot(dx, dy)
    turn = (0.5 * f + 0.5) if kind == "curvedCW" else (0.5 - 0.5 * f)
    angle = (math.atan2(dy, dx) + turn * math.pi) % (2 * math.pi)
    return (ax + (0.5 * f + 0.5) * length * math.sin(angle),
            ay + (0.5 * f + 0.5) * length * math.cos(angle))


def curve_points(a, b, smooth, steps: int = _STEPS) -> np.ndarray:
    """Points along the drawn edge from ``a`` to ``b`` (``steps + 1`` rows of x, y)."""
    c = control_point(a, b, smooth)
    t = np.linspace(0.0, 1.0, steps + 1)[:, None]
    return ((1 - t) ** 2 * np.asarray(a, float) + 2 * (1 - t) * t * np.asarray(c, float)
            + t ** 2 * np.asarray(b, float))


def bulge(signed: float, length: float) -> float:
    """How far the curve of a ``length`` px edge with this bend strays from the straight
    line (half its control point's distance from the line)."""
    k = 0.5 * abs(signed) + 0.5
    return 0.5 * k * length * math.sin(0.5 * abs(signed) * math.pi)


def _smooth(signed: float):
    if abs(signed) < 1e-9:
        return None
    return ["curvedCW" if signed > 0 else "curvedCCW", round(abs(signed), 2)]


def _signed(smooth) -> float:
    if not smooth:
        return 0.0
    return float(smooth[1]) * (1 if smooth[0] == "curvedCW" else -1)


class _Boxes:
    """Boxes ``(left, top, right, bottom, owner)`` in a grid of cells, for quick lookups."""

    def __init__(self, cell: float = 60.0) -> None:
        self.cell, self.cells, self.items = cell, {}, []

    def add(self, box, owner) -> None:
        k = len(self.items)
        self.items.append((*box, owner))
        c = self.cell
        for i in range(int(box[0] // c), int(box[2] // c) + 1):
            for j in range(int(box[1] // c), int(box[3] // c) + 1):
                self.cells.setdefault((i, j), []).append(k)

    def overlaps(self, box) -> bool:
        """Whether ``box`` overlaps any box (with the margin)."""
        c = self.cell
        for i in range(int(box[0] // c), int(box[2] // c) + 1):
            for j in range(int(box[1] // c), int(box[3] // c) + 1):
                for k in self.cells.get((i, j), ()):
                    b = self.items[k]
                    if (box[0] < b[2] + _MARGIN and b[0] - _MARGIN < box[2]
                            and box[1] < b[3] + _MARGIN and b[1] - _MARGIN < box[3]):
                        return True
        return False

    def hits(self, pts: np.ndarray, skip=()) -> int:
        """How many of ``pts`` lie in a box whose owner is not in ``skip`` (a point in a
        marker counts twenty times: a line may graze a label sooner than run through a node)."""
        c = self.cell
        near = set()
        for i, j in {(int(x // c), int(y // c)) for x, y in pts.tolist()}:
            near.update(self.cells.get((i, j), ()))
        near = [k for k in near if self.items[k][4] not in skip]
        if not near:
            return 0
        b = np.array([self.items[k][:4] for k in near], dtype=float)
        x, y = pts[:, 0:1], pts[:, 1:2]
        inside = ((x > b[:, 0] - _MARGIN) & (x < b[:, 2] + _MARGIN)
                  & (y > b[:, 1] - _MARGIN) & (y < b[:, 3] + _MARGIN))
        marker = np.array([self.items[k][4][0] == "m" for k in near])
        return int(inside.any(axis=1).sum()) + 19 * int(inside[:, marker].any(axis=1).sum())


def _obstacles(place: Placement, data: dict) -> _Boxes:
    """Every node's marker (owner ``("m", node)``) and label (owner ``("l", node)``)."""
    grid = _Boxes()
    for n, (x, y) in place.pos.items():
        s = node_size(data.get(n, {})) + 2
        grid.add((x - s, y - s, x + s, y + s), ("m", n))
        left, top, right, bottom = place.boxes[n]
        if n in place.above:
            grid.add((left, top, right, y - s), ("l", n))
        else:
            grid.add((left, y + s, right, bottom), ("l", n))
    for r in place.regions:
        grid.add(tuple(r["title_box"]), ("t", r["ring"]))
    return grid


def route(place: Placement, data: dict, edges: list[dict]) -> list[dict]:
    """Give each edge (``from``, ``to``, ``smooth``, ``link``) the bend, nearest its own,
    whose curve misses every other marker, every label and the other layers of its link;
    where none does, the bend with the fewest points in the way. Edits and returns
    ``edges``."""
    grid = _obstacles(place, data)
    mids: dict = {}
    for e in edges:
        a, b = place.pos[e["from"]], place.pos[e["to"]]
        base = _signed(e.get("smooth"))
        ra = node_size(data.get(e["from"], {})) + 2
        rb = node_size(data.get(e["to"], {})) + 2
        best, best_hits = None, math.inf
        length = math.hypot(b[0] - a[0], b[1] - a[1])
        limit = max(40.0, min(0.3 * length, 220.0))  # long links bend a little at most
        bends = [s for s in _BENDS if bulge(s, length) <= limit or abs(s) <= abs(base)]
        steps = max(_STEPS, int(length / 5) // 2 * 2)
        for s in sorted(bends + [base], key=lambda s: (abs(s - base), -s)):
            pts = curve_points(a, b, _smooth(s), steps)
            keep = ((np.hypot(pts[:, 0] - a[0], pts[:, 1] - a[1]) > ra)
                    & (np.hypot(pts[:, 0] - b[0], pts[:, 1] - b[1]) > rb))
            hits = grid.hits(pts[keep], skip={("m", e["from"]), ("m", e["to"])})
            mid = pts[steps // 2]
            hits += sum(3 for m in mids.get(e["link"], ())
                        if math.hypot(mid[0] - m[0], mid[1] - m[1]) < 8)
            if hits < best_hits:
                best, best_hits = s, hits
            if hits == 0:
                break
        e["smooth"] = _smooth(best)
        mids.setdefault(e["link"], []).append(curve_points(a, b, e["smooth"])[_STEPS // 2])
    return edges


def place_amounts(place: Placement, data: dict, edges: list[dict]) -> list[dict]:
    """Set ``label_xy`` (the centre of the amount's text) on each edge with a ``label``: the
    first spot beside its curve, near the middle, that covers no marker, label, line or
    amount already placed; ``None`` when there is none (the amount is in the hover text).
    Edits and returns ``edges``."""
    grid = _obstacles(place, data)
    curves, dots = [], []
    for e in edges:
        a, b = place.pos[e["from"]], place.pos[e["to"]]
        curves.append(curve_points(a, b, e.get("smooth")))
        steps = max(8, int(math.hypot(a[0] - b[0], a[1] - b[1]) / 3))
        dots.append(curve_points(a, b, e.get("smooth"), steps))
    dots = np.concatenate(dots) if dots else np.zeros((0, 2))
    cell = 40.0
    index: dict = {}
    for k, (x, y) in enumerate(dots.tolist()):
        index.setdefault((int(x // cell), int(y // cell)), []).append(k)

    def on_a_line(box) -> bool:
        near = [k for i in range(int(box[0] // cell), int(box[2] // cell) + 1)
                for j in range(int(box[1] // cell), int(box[3] // cell) + 1)
                for k in index.get((i, j), ())]
        if not near:
            return False
        p = dots[near]
        return bool(((p[:, 0] > box[0] - 1) & (p[:, 0] < box[2] + 1) & (p[:, 1] > box[1] - 1)
                     & (p[:, 1] < box[3] + 1)).any())
    for k, e in enumerate(edges):
        e["label_xy"] = None
        if not e.get("label"):
            continue
        pts = curves[k]
        w = _text_width(e["label"], AMOUNT_SIZE) + 4
        h = AMOUNT_SIZE * 1.25
        for t in (12, 10, 14, 8, 16, 6, 18):
            tx, ty = pts[t + 1] - pts[t - 1]
            norm = math.hypot(tx, ty) or 1.0
            nx_, ny_ = -ty / norm, tx / norm
            # from the line to the box's centre, so that the box just clears the line
            reach = abs(nx_) * w / 2 + abs(ny_) * h / 2 + 3
            for sign in (1, -1):
                cx, cy = pts[t][0] + sign * nx_ * reach, pts[t][1] + sign * ny_ * reach
                box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
                if grid.overlaps(box) or on_a_line(box):
                    continue
                e["label_xy"] = [round(float(cx), 1), round(float(cy), 1)]
                grid.add(box, ("a", k))
                break
            if e["label_xy"]:
                break
    return edges
