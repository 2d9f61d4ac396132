"""Diagrams for the case file and the prosecutor: PNG, SVG, PDF (matplotlib).

A4 landscape, the same deterministic layout as the snapshot, colour by ring, marker by node
kind, line style by layer, a legend, labels readable on paper, Chinese glyphs through a CJK
font when one is installed (WenQuanYi Micro Hei, Noto Sans CJK).
"""

from __future__ import annotations

import logging
from pathlib import Path

from .layout import layout
from .model import ViewModel
from .redact import Redactor
from .style import LAYER_STYLES, MPL_MARKERS, NO_RING, PALETTE, main_layer

__all__ = ["draw_diagram", "cjk_font"]

log = logging.getLogger(__name__)
_CJK = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC",
        "Source Han Sans SC", "SimHei", "Microsoft YaHei")


def cjk_font() -> str | None:
    """Name of an installed font with Chinese glyphs, or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in _CJK if n in names), None)


def draw_diagram(vm: ViewModel, path, *, redact: bool = False, redact_names: bool = False,
                 seed: int = 0, dpi: int = 200) -> Path:
    """Draw the view to ``path``; the format follows the extension (.png, .svg, .pdf)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"diagram format must be png, svg or pdf, not {fmt!r}")
    redactor = Redactor(vm.identifiers, names=redact_names) if redact or redact_names else None
    text = redactor.text if redactor else (lambda s: s)
    font = cjk_font()
    rc = {"font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"],
          "svg.fonttype": "none", "pdf.fonttype": 42}
    g = vm.graph
    pos = layout(g, seed=seed)
    rings = sorted({d.get("ring") for _, d in g.nodes(data=True) if d.get("ring")})
    colour = {r: PALETTE[i % len(PALETTE)] for i, r in enumerate(rings)}
    with plt.rc_context(rc):
        fig, ax = plt.subplots(figsize=(11.69, 8.27))
        for a, b, d in g.edges(data=True):
            style = LAYER_STYLES[main_layer(d.get("layers", ""))]
            (x1, y1), (x2, y2) = pos[a], pos[b]
            ax.plot([x1, x2], [y1, y2], color=style["color"], linestyle=style["mpl"],
                    linewidth=0.6 + min(3.0, float(d.get("weight", 1.0)) / 2), alpha=0.7,
                    zorder=1)
        many = g.number_of_nodes() > 150
        for n, d in g.nodes(data=True):
            x, y = pos[n]
            kind = d.get("kind", "person")
            ax.scatter([x], [y], s=60 + 240 * float(d.get("score") or 0.0),
                       marker=MPL_MARKERS.get(kind, "o"), c=colour.get(d.get("ring"), NO_RING),
                       edgecolors="#333333", linewidths=0.6, zorder=2)
            if not many or d.get("ring"):
                name = d.get("name") or ""
                label = f"{name}\n{n}" if name and kind == "person" else str(n)
                ax.annotate(text(label), (x, y), xytext=(0, 7), textcoords="offset points",
                            ha="center", va="bottom", fontsize=7 if many else 8, zorder=3)
        handles = [Line2D([], [], marker="o", linestyle="", markerfacecolor=colour[r],
                          markeredgecolor="#333333", label=f"ring {r}") for r in rings]
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor=NO_RING,
                              markeredgecolor="#333333", label="not in a ring"))
        handles += [Line2D([], [], marker=m, linestyle="", color="#555555", label=k)
                    for k, m in MPL_MARKERS.items()]
        handles += [Line2D([], [], color=s["color"], linestyle=s["mpl"], label=s["label"])
                    for s in LAYER_STYLES.values()]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8,
                  frameon=False)
        ax.set_title(text(vm.title), fontsize=13)
        fp = vm.meta.get("fingerprint", "")
        fig.text(0.01, 0.01, text(f"{vm.meta.get('tool', '')} · data {fp[:12]} · "
                                  f"{vm.meta.get('generated_at', '')}"), fontsize=7,
                 color="#555555")
        ax.set_axis_off()
        ax.set_aspect("equal", adjustable="datalim")
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"Creator": "workbench"} if fmt in ("pdf", "svg") else None
        fig.savefig(path, format=fmt, dpi=dpi, metadata=meta)
        plt.close(fig)
    return path
