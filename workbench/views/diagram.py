"""Diagrams for the case file and the prosecutor: PNG, SVG, PDF (matplotlib).

The same ring-aware layout and orientation as the snapshot (``y`` downwards), drawn to
scale: ring regions with their id and organizer, the organizer starred and outlined, one
line per link layer, money as arrows from payer to payee with the amount, a legend, and a
provenance footer. A4 landscape, A3 for larger views. The PDF has a second page: the
timeline of the view's first ring (or person). Chinese names are drawn with a CJK font
file registered with matplotlib directly (no stale font cache); SVG text is embedded as
glyph outlines, so it reads the same without the font installed.
"""

from __future__ import annotations

import glob
import logging
import warnings
from pathlib import Path

from .layout import FONT_SIZE, TITLE_SIZE, count_overlaps, label_lines, node_size, ring_layout
from .model import ViewModel, ring_keys
from .redact import Redactor
from .style import MPL_MARKERS, NO_RING, layer_style, ring_colours
from .words import layer_order, link_edges, money_text

__all__ = ["draw_diagram", "cjk_font", "PAPER"]

log = logging.getLogger(__name__)
#: CJK font files, best first (Debian/Ubuntu, Fedora, macOS, Windows locations)
_CJK_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
              "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
              "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
              "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
              "/usr/share/fonts/**/NotoSansCJK*-Regular.ttc",
              "/usr/share/fonts/**/NotoSansSC-Regular.*",
              "/System/Library/Fonts/PingFang.ttc",
              "C:/Windows/Fonts/msyh.ttc", "C:/Windows/Fonts/simhei.ttf")
PAPER = {"A4": (11.69, 8.27), "A3": (16.54, 11.69)}
_warned: list[bool] = []
_BEND = {"money": 0.18, "coarrest": -0.15, "kinship": -0.3, "shared": 0.38, "copresence": -0.6}


def cjk_font() -> str | None:
    """Register the first CJK font file found with matplotlib and return its family name;
    None (with one warning per process) when none is installed."""
    from matplotlib import font_manager

    for pattern in _CJK_FILES:
        for path in sorted(glob.glob(pattern, recursive=True)):
            try:
                font_manager.fontManager.addfont(path)
                return font_manager.FontProperties(fname=path).get_name()
            except (OSError, RuntimeError, ValueError):  # unreadable: try the next
                continue
    if not _warned:
        _warned.append(True)
        log.warning("no CJK font found (install fonts-wqy-microhei): Chinese names in "
                    "diagrams will print as boxes")
    return None


def _shape(kind: str, x: float, y: float, r: float, **style):
    from matplotlib.patches import Circle, Rectangle, RegularPolygon

    if kind == "phone":
        return RegularPolygon((x, y), 4, radius=r * 1.2, **style)
    if kind == "account":
        return RegularPolygon((x, y), 3, radius=r * 1.2, orientation=3.14159, **style)
    if kind == "entity":
        return Rectangle((x - r, y - r), 2 * r, 2 * r, **style)
    return Circle((x, y), r, **style)


def draw_diagram(vm: ViewModel, path, *, redact: bool = False, redact_names: bool = False,
                 seed: int = 0, dpi: int = 200, paper: str | None = None,
                 report: dict | None = None) -> Path:
    """Draw the view to ``path``; the format follows the extension (.png, .svg, .pdf).
    The i2-style timeline of the view's first ring is the PDF's second page, and for PNG and
    SVG a second file beside it (``<stem>_timeline.png``).

    ``paper`` is ``"A4"`` or ``"A3"`` (default: A3 above 80 nodes); ``report``, when given,
    receives what was drawn: font, paper, labels and overlapping label pairs (measured on
    the rendered figure)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"diagram format must be png, svg or pdf, not {fmt!r}")
    redactor = Redactor(vm.identifiers, names=redact_names) if redact or redact_names else None
    text = redactor.text if redactor else (lambda s: s)
    paper = paper or ("A3" if vm.graph.number_of_nodes() > 80 else "A4")
    if paper not in PAPER:
        raise ValueError(f"paper must be one of {sorted(PAPER)}, not {paper!r}")
    font = cjk_font()
    rc = {"font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"],
          "svg.fonttype": "path", "pdf.fonttype": 42}
    path.parent.mkdir(parents=True, exist_ok=True)
    with plt.rc_context(rc), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Gg]lyph.*missing.*")
        fig, labels = _graph_figure(vm, text, seed, PAPER[paper])
        fig.canvas.draw()
        if report is not None:
            report.update({"font": font, "paper": paper, "labels": len(labels),
                           "label_overlaps": _overlaps(fig, labels)})
        meta = {"Creator": "workbench"} if fmt in ("pdf", "svg") else None
        if fmt == "pdf":
            with PdfPages(path, metadata=meta) as pdf:
                pdf.savefig(fig)
                page = _timeline_figure(vm, text, PAPER[paper])
                if page is not None:
                    pdf.savefig(page)
                    plt.close(page)
        else:  # one image per file: the timeline goes beside it, <stem>_timeline.<ext>
            fig.savefig(path, format=fmt, dpi=dpi, metadata=meta)
            page = _timeline_figure(vm, text, PAPER[paper])
            if page is not None:
                page.savefig(path.with_name(f"{path.stem}_timeline{path.suffix}"), format=fmt,
                             dpi=dpi, metadata=meta)
                plt.close(page)
        plt.close(fig)
    return path


def _fitting(fig, labels, extra) -> list:
    """Keep the texts of ``extra`` (money amounts) that overlap no label and no amount
    already kept, largest first; remove the others from the figure (every amount is still in
    the hover text, the evidence table and the CSV). Returns the kept ones."""
    renderer = fig.canvas.get_renderer()
    taken = [t.get_window_extent(renderer).extents.tolist() for t in labels]
    kept = []
    for t in sorted(extra, key=lambda t: -len(t.get_text())):
        x0, y0, x1, y1 = t.get_window_extent(renderer).extents.tolist()
        if any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in taken):
            t.remove()
            continue
        taken.append([x0, y0, x1, y1])
        kept.append(t)
    return kept


def _overlaps(fig, labels) -> int:
    renderer = fig.canvas.get_renderer()
    return count_overlaps(t.get_window_extent(renderer).extents.tolist() for t in labels)


def _graph_figure(vm: ViewModel, text, seed: int, size):
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle, FancyArrowPatch, Patch

    g = vm.graph
    place = ring_layout(g, seed=seed)
    colours = ring_colours(ring_keys(vm))
    fig = plt.figure(figsize=size)
    ax = fig.add_axes((0.01, 0.05, 0.76, 0.88))
    ax.set_axis_off()
    xs = [p[0] for p in place.pos.values()] + [r["x"] - r["r"] for r in place.regions] + [
        r["x"] + r["r"] for r in place.regions]
    ys = [p[1] for p in place.pos.values()] + [r["y"] - r["r"] for r in place.regions] + [
        r["y"] + r["r"] for r in place.regions]
    if not xs:
        xs, ys = [0.0], [0.0]
    lo_x, hi_x = min(xs) - 60, max(xs) + 60
    lo_y, hi_y = min(ys) - 60, max(ys) + 90
    bbox = ax.get_position()
    w_in, h_in = bbox.width * size[0], bbox.height * size[1]
    span = max((hi_x - lo_x) / w_in, (hi_y - lo_y) / h_in)  # data units per inch
    cx, cy = (lo_x + hi_x) / 2, (lo_y + hi_y) / 2
    ax.set_xlim(cx - span * w_in / 2, cx + span * w_in / 2)
    ax.set_ylim(cy + span * h_in / 2, cy - span * h_in / 2)  # y downwards, as on screen
    pt = 72.0 / span  # points per data unit
    for r in place.regions:
        colour = colours.get(r["ring"], NO_RING)
        ax.add_patch(Circle((r["x"], r["y"]), r["r"], facecolor=colour, alpha=0.10,
                            edgecolor="none", zorder=0))
        ax.add_patch(Circle((r["x"], r["y"]), r["r"], facecolor="none", edgecolor=colour,
                            linewidth=1.5, zorder=0))
    labels, amounts = [], []
    for r in place.regions:
        labels.append(ax.text(r["x"], r["title_y"], text(r["title"]), ha="center",
                              va="center", fontsize=TITLE_SIZE * pt,
                              zorder=5))
    present = set()
    for k, (a, b, d) in enumerate(g.edges(data=True)):
        u, v = sorted((str(a), str(b)))
        for e in link_edges(u, v, d, k):
            present.add(e["layer"])
            style = layer_style(e["layer"])
            p, q = place.pos[e["from"]], place.pos[e["to"]]
            width = max(0.4, e["width"] * pt)
            bend = _BEND.get(e["layer"], -0.45 if e["layer"] != "calls" else 0.0)
            arrow = FancyArrowPatch(
                p, q, connectionstyle=f"arc3,rad={bend}", color=style["color"],
                linestyle=style["mpl"], linewidth=width, alpha=0.75, zorder=1,
                arrowstyle="-|>" if e.get("arrows") else "-",
                mutation_scale=max(6.0, 14 * pt),
                shrinkA=node_size(g.nodes[e["from"]]) * pt,
                shrinkB=node_size(g.nodes[e["to"]]) * pt)
            ax.add_patch(arrow)
            if e.get("label"):
                mx, my = (p[0] + q[0]) / 2, (p[1] + q[1]) / 2
                dx, dy = q[0] - p[0], q[1] - p[1]
                mx, my = mx + bend * dy / 2, my - bend * dx / 2  # the arc's midpoint
                amounts.append(ax.text(
                    mx, my, e["label"], fontsize=max(3.0, 10 * pt), color="#1B5E20",
                    ha="center", va="center", zorder=4,
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none",
                          "alpha": 0.7}))
    from matplotlib import patheffects

    halo = [patheffects.withStroke(linewidth=max(1.0, 3 * pt), foreground="white")]
    small = FONT_SIZE * pt < 3.5  # too many to letter: name rings' people only
    for n, d in g.nodes(data=True):
        x, y = place.pos[n]
        size = node_size(d)
        organizer = d.get("role") == "organizer"
        ax.add_patch(_shape(d.get("kind", "person"), x, y, size,
                            facecolor=colours.get(d.get("ring"), NO_RING),
                            edgecolor="#000000" if organizer else "#37474F",
                            linewidth=(3.0 if organizer else 0.8) * max(pt, 0.4), zorder=3))
        if small and not d.get("ring"):
            continue
        labels.append(ax.text(x, y + size + 2, text("\n".join(label_lines(n, d))),
                              ha="center", va="top", fontsize=max(FONT_SIZE * pt, 2.5),
                              linespacing=1.1, zorder=4, path_effects=halo))
    labels += _fitting(fig, labels, amounts)
    # a ring's legend entry: its title, the tags on a second line, so the legend fits the
    # page's right margin
    handles = [Patch(facecolor=colours.get(r["ring"], NO_RING), edgecolor="#333333",
                     label=text(r["title"].replace(" \u00b7 ", "\n", 2)
                                .replace("\n", " \u00b7 ", 1)))
               for r in sorted(place.regions, key=lambda r: r["ring"])]
    handles.append(Patch(facecolor=NO_RING, edgecolor="#333333", label="not in a ring"))
    handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="white",
                          markeredgecolor="black", markeredgewidth=2.5, markersize=9,
                          label="\u2605 organizer (thick outline)"))
    kinds = {d.get("kind", "person") for _, d in g.nodes(data=True)}
    handles += [Line2D([], [], marker=m, linestyle="", color="#555555", label=k)
                for k, m in MPL_MARKERS.items() if k in kinds]
    for layer in sorted(present, key=layer_order):
        s = layer_style(layer)
        label = s["label"] + (": arrow payer \u2192 payee, amount" if layer == "money" else "")
        handles.append(Line2D([], [], color=s["color"], linestyle=s["mpl"], linewidth=2,
                              label=label))
    handles.append(Line2D([], [], color="#777777", linewidth=4,
                          label="line width: link strength"))
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.775, 0.93), fontsize=7,
               frameon=False)
    fig.suptitle(text(vm.title), fontsize=14, x=0.01, ha="left")
    _footer(fig, vm, text)
    return fig, labels


def _footer(fig, vm: ViewModel, text) -> None:
    meta = vm.meta
    filters = meta.get("filters") or {}
    window = f"{filters.get('since') or 'start'} .. {filters.get('until') or 'end'}"
    fig.text(0.01, 0.012, text(
        f"{meta.get('tool', 'workbench')} · store {meta.get('store', '')} · data "
        f"{str(meta.get('fingerprint', ''))[:12]} · window {window} · layers "
        f"{', '.join(filters.get('layers') or ['all'])} · generated "
        f"{meta.get('generated_at', '')} · view digest {str(meta.get('digest', ''))[:12]}"),
        fontsize=7, color="#555555")


def _timeline_figure(vm: ViewModel, text, size):
    """A page with the i2-style timeline of the view's first ring (or its people)."""
    import matplotlib.pyplot as plt
    import pandas as pd

    rings = sorted({d["ring"] for _, d in vm.graph.nodes(data=True) if d.get("ring")})
    nodes = dict(vm.graph.nodes(data=True))
    if rings:
        people = sorted((n for n, d in nodes.items() if d.get("ring") == rings[0]),
                        key=lambda n: (nodes[n].get("role") != "organizer", str(n)))
        heading = f"ring {rings[0]}"
    else:
        people = sorted(nodes, key=str)[:12]
        heading = "people shown"
    lane = {p: i for i, p in enumerate(people)}
    events = []
    for c in vm.records.get("calls", []):
        a, b = c.get("caller_person"), c.get("callee_person")
        if a in lane and b in lane:
            events.append(("call", c["started_at"], lane[a], lane[b], ""))
    for t in vm.records.get("transactions", []):
        a, b = t.get("from_person"), t.get("to_person")
        if a in lane and b in lane:
            events.append(("transfer", t["occurred_at"], lane[a], lane[b],
                           money_text(t.get("amount"), t.get("currency"))))
    for r in vm.records.get("arrests", []):
        if r.get("person_id") in lane:
            events.append(("arrest", r["arrested_at"], lane[r["person_id"]], None, ""))
    if not events:
        return None
    fig = plt.figure(figsize=size)
    ax = fig.add_axes((0.2, 0.12, 0.77, 0.78))
    times = pd.to_datetime([e[1] for e in events], utc=True)
    for (kind, _t, a, b, _amount), when in zip(events, times, strict=True):
        if kind == "arrest":
            ax.plot([when], [a], marker="D", color="#C62828", markersize=8, zorder=3)
        elif kind == "transfer":
            ax.annotate("", xy=(when, b), xytext=(when, a), zorder=2,
                        arrowprops={"arrowstyle": "-|>", "color": "#2E7D32", "lw": 1.4})
        else:
            ax.plot([when, when], [a, b], color="#546E7A", linewidth=0.6, alpha=0.6)
            ax.plot([when], [a], marker="o", color="#546E7A", markersize=2)
    ax.set_yticks(range(len(people)))
    ax.set_yticklabels([text(f"{nodes[p].get('name') or ''} ({p})") for p in people])
    ax.set_ylim(len(people) - 0.5, -0.5)
    ax.grid(axis="y", color="#CFD8DC")
    ax.set_title(text(f"Timeline of {heading}: calls (grey), transfers (green arrow, payer "
                      f"\u2192 payee), arrests (red)"), fontsize=11)
    _footer(fig, vm, text)
    return fig
