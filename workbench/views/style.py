"""Colours, shapes and line styles shared by the snapshot, the diagrams and the legend.

Examples
--------
>>> ring_colour("R001") == ring_colour("R001")
True
>>> colours = ring_colours({"R001": "7f56ff6cf4", "R002": "0a1b2c3d4e"})
>>> colours["R001"] != colours["R002"], colours == ring_colours({"R002": "0a1b2c3d4e",
...                                                              "R001": "7f56ff6cf4"})
(True, True)
>>> NODE_SHAPES["phone"]
'diamond'
"""

from __future__ import annotations

import hashlib

__all__ = ["PALETTE", "NO_RING", "NODE_SHAPES", "MPL_MARKERS", "LAYER_STYLES", "ring_colour",
           "ring_colours", "ring_pattern", "layer_style", "ROLE_LABELS"]

# colour-blind-safe categorical colours: Okabe-Ito, then Paul Tol's muted, bright and light
# sets (the greys left out), ordered so that neighbours differ in lightness as well as hue
PALETTE = ["#E69F00", "#0072B2", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#332288", "#44AA99", "#882255", "#DDCC77", "#117733", "#CC6677", "#88CCEE",
           "#AA4499", "#999933", "#4477AA", "#EE8866", "#228833", "#FFAABB", "#AA3377",
           "#BBCC33", "#77AADD", "#EEDD88"]
#: region outlines that tell rings apart once the colours run out (vis-network dashes)
PATTERNS = [False, [10, 6], [3, 5], [14, 4, 3, 4]]
NO_RING = "#B0B0B0"
NODE_SHAPES = {"person": "dot", "entity": "square", "phone": "diamond", "account": "triangle"}
MPL_MARKERS = {"person": "o", "entity": "s", "phone": "D", "account": "^"}
LAYER_STYLES = {
    "coarrest": {"color": "#C00000", "dashes": False, "mpl": "solid", "label": "co-arrest"},
    "money": {"color": "#2E7D32", "dashes": [8, 4], "mpl": "dashed", "label": "money"},
    "calls": {"color": "#37474F", "dashes": False, "mpl": "solid", "label": "calls"},
    "kinship": {"color": "#6A1B9A", "dashes": [2, 4], "mpl": "dotted", "label": "kinship"},
    "shared": {"color": "#EF6C00", "dashes": [12, 3, 2, 3], "mpl": "dashdot",
               "label": "shared phone/account"},
    "copresence": {"color": "#0072B2", "dashes": [4, 3], "mpl": (0, (4, 2)),
                   "label": "met (hotel, venue, trip, cell)"},
}
ROLE_LABELS = {"organizer": "organizer", "member": "member", "broker": "broker",
               "associate": "associate", "service": "service", "target": "target"}


def ring_colour(ring: str | None, order: dict[str, int] | None = None) -> str:
    """Colour of a ring (grey for none), stable for a ring id."""
    if not ring:
        return NO_RING
    if order and ring in order:
        return PALETTE[order[ring] % len(PALETTE)]
    digits = "".join(ch for ch in ring if ch.isdigit())
    return PALETTE[(int(digits) - 1 if digits else sum(map(ord, ring))) % len(PALETTE)]


def _slot(key: str) -> int:
    return int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) % len(PALETTE)


def ring_colours(keys: dict[str, str]) -> dict[str, str]:
    """Ring id -> colour, from each ring's identity (its ``key``, a hash of its members),
    never its rank. A ring takes the colour its key points at; when another ring of the
    view has it, the next free one (rings taken in key order, so every view of the same
    rings agrees). Past the palette, colours repeat and :func:`ring_pattern` differs."""
    taken: dict[int, int] = {}
    out = {}
    for ring, key in sorted(keys.items(), key=lambda kv: (kv[1] or kv[0], kv[0])):
        slot = _slot(key or ring)
        lap = len(out) // len(PALETTE)
        while taken.get(slot, -1) >= lap:
            slot = (slot + 1) % len(PALETTE)
        taken[slot] = lap
        out[ring] = PALETTE[slot]
    return out


def ring_pattern(ring: str, keys: dict[str, str]) -> int:
    """Which outline pattern (index into ``PATTERNS``) a ring's region gets: 0 while the
    palette lasts, then 1, 2, ... for each further lap of the colours."""
    order = sorted(keys, key=lambda r: (keys[r] or r, r))
    return (order.index(ring) // len(PALETTE)) % len(PATTERNS) if ring in order else 0


_SPARE = [("#1B9E77", [6, 3, 1, 3], "dashdot"), ("#7570B3", [1, 3], "dotted"),
          ("#E7298A", [9, 3], "dashed"), ("#66A61E", [4, 2], "dashed")]


def layer_style(name: str) -> dict:
    """Style of a link layer; layers this module does not know (e.g. ``copresence``) get a
    spare style picked from their name, so the legend can list whatever a graph carries."""
    if name in LAYER_STYLES:
        return LAYER_STYLES[name]
    color, dashes, mpl = _SPARE[int(hashlib.sha1(name.encode()).hexdigest()[:6], 16)
                                % len(_SPARE)]
    return {"color": color, "dashes": dashes, "mpl": mpl, "label": name.replace("_", " ")}


def main_layer(layers: str) -> str:
    """The layer that styles an edge: the strongest kind of evidence it carries."""
    present = set(filter(None, (layers or "").split(",")))
    for name in LAYER_STYLES:
        if name in present:
            return name
    return "calls"
