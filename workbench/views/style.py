"""Colours, shapes and line styles shared by the snapshot, the diagrams and the legend.

Examples
--------
>>> ring_colour("R001") == ring_colour("R001")
True
>>> NODE_SHAPES["phone"]
'diamond'
"""

from __future__ import annotations

__all__ = ["PALETTE", "NO_RING", "NODE_SHAPES", "MPL_MARKERS", "LAYER_STYLES", "ring_colour",
           "ROLE_LABELS"]

# colour-blind-safe categorical palette (Okabe-Ito, extended)
PALETTE = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
           "#882255", "#44AA99", "#999933", "#AA4499", "#117733"]
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
}
ROLE_LABELS = {"organizer": "organizer", "member": "member", "broker": "broker",
               "associate": "associate"}


def ring_colour(ring: str | None, order: dict[str, int] | None = None) -> str:
    """Colour of a ring (grey for none), stable for a ring id."""
    if not ring:
        return NO_RING
    if order and ring in order:
        return PALETTE[order[ring] % len(PALETTE)]
    digits = "".join(ch for ch in ring if ch.isdigit())
    return PALETTE[(int(digits) - 1 if digits else sum(map(ord, ring))) % len(PALETTE)]


def main_layer(layers: str) -> str:
    """The layer that styles an edge: the strongest kind of evidence it carries."""
    present = set(filter(None, (layers or "").split(",")))
    for name in LAYER_STYLES:
        if name in present:
            return name
    return "calls"
