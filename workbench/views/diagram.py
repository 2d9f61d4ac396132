"""Diagrams for the case file and the prosecutor: PNG, SVG, PDF (matplotlib).

The same ring-aware layout and orientation as the snapshot (``y`` downwards), drawn to
scale: ring regions with their id and organizer, the organizer starred and outlined, one
line per link layer, money as arrows from payer to payee with the amount, a legend, and a
provenance footer. A4, A3 or A2 landscape: the smallest on which names print at 6 pt or
more, with the whole legend beside the graph. The PDF has a second page: the
timeline of the view's first ring (or person). Chinese names are drawn with a CJK font
file registered with matplotlib directly (no stale font cache); SVG text is embedded as
glyph outlines, so it reads the same without the font installed.
"""

from __future__ import annotations

import glob
import logging
import warnings
from pathlib import Path

from .flows import FLOW_STYLE, pattern_flows
from .layout import FONT_SIZE, TITLE_SIZE, count_overlaps, label_lines, node_size, ring_layout
from .model import ViewModel, ring_keys
from .redact import Redactor
from .routing import AMOUNT_SIZE, control_point, place_amounts, route
from .style import MPL_MARKERS, NO_RING, layer_style, ring_colours
from .words import layer_order, link_edges, link_layers, money_text

__all__ = ["draw_diagram", "cjk_font", "PAPER", "MIN_PT"]

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
PAPER = {"A4": (11.69, 8.27), "A3": (16.54, 11.69), "A2": (23.39, 16.54)}
_warned: list[bool] = []


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

    ``paper`` is ``"A4"``, ``"A3"`` or ``"A2"`` (default: the smallest on which names
    print at :data:`MIN_PT` or more, see :func:`choose_paper`); ``report``, when given,
    receives what was drawn: font, paper, labels, overlapping label pairs and the smallest
    type (pt), measured on the rendered figure."""
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
    if paper is not None and paper not in PAPER:
        raise ValueError(f"paper must be one of {sorted(PAPER)}, not {paper!r}")
    font = cjk_font()
    rc = {"font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"],
          "svg.fonttype": "path", "pdf.fonttype": 42}
    path.parent.mkdir(parents=True, exist_ok=True)
    with plt.rc_context(rc), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Gg]lyph.*missing.*")
        fig, labels, paper, name_pt = _graph_figure(vm, text, seed, paper)
        fig.canvas.draw()
        if report is not None:
            report.update({"font": font, "paper": paper, "labels": len(labels),
                           "label_overlaps": _overlaps(fig, labels),
                           "name_pt": name_pt})
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


def _overlaps(fig, labels) -> int:
    renderer = fig.canvas.get_renderer()
    return count_overlaps(t.get_window_extent(renderer).extents.tolist() for t in labels)


#: the graph's share of the page (left, bottom, width, height); the legend takes the rest
_AXES = (0.01, 0.05, 0.76, 0.88)
#: smallest type the names may print at (pt)
MIN_PT = 6.0


def _scale(place, width_in: float, height_in: float) -> float:
    """Points per layout px at which the view (with a margin) fills ``width_in`` x
    ``height_in`` inches."""
    left, top, right, bottom = place.bounds()
    w, h = max(right - left, 1.0) + 60, max(bottom - top, 1.0) + 60
    return 72.0 / max(w / width_in, h / height_in)


def _trimmed(a, b, smooth, ra: float, rb: float):
    """The drawn curve of an edge as a matplotlib path, cut where it enters its ends'
    markers (radii ``ra``, ``rb``)."""
    import numpy as np
    from matplotlib.path import Path as MPath

    c = np.asarray(control_point(a, b, smooth))
    a, b = np.asarray(a, float), np.asarray(b, float)

    def at(t):
        return (1 - t) ** 2 * a + 2 * (1 - t) * t * c + t ** 2 * b
    t = np.linspace(0, 1, 201)
    pts = at(t[:, None])
    out = np.hypot(*(pts - a).T) > ra
    inn = np.hypot(*(pts - b).T) > rb
    ok = np.flatnonzero(out & inn)
    if not len(ok):
        return None
    t0, t1 = t[ok[0]], t[ok[-1]]
    # the piece of a quadratic Bezier between t0 and t1 (blossoming)
    p0, p2 = at(t0), at(t1)
    p1 = (1 - t0) * ((1 - t1) * a + t1 * c) + t0 * ((1 - t1) * c + t1 * b)
    return MPath([p0, p1, p2], [MPath.MOVETO, MPath.CURVE3, MPath.CURVE3])


def _graph_figure(vm: ViewModel, text, seed: int, paper: str | None):
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, FancyArrowPatch

    g = vm.graph
    colours = ring_colours(ring_keys(vm))
    names = [paper] if paper else list(PAPER)
    for name in names:  # the smallest paper on which names print at MIN_PT or more
        size = PAPER[name]
        fig = plt.figure(figsize=size)
        box = _legend(fig, g, colours, text, vm)
        width = max(box.x0 - 0.015 - _AXES[0], 0.3)
        place = ring_layout(g, seed=seed, aspect=width * size[0] / (_AXES[3] * size[1]))
        pt = _scale(place, width * size[0], _AXES[3] * size[1])
        if FONT_SIZE * pt >= MIN_PT or name == names[-1]:
            paper = name
            break
        plt.close(fig)
    ax = fig.add_axes((_AXES[0], _AXES[1], width, _AXES[3]))
    ax.set_axis_off()
    left, top, right, bottom = place.bounds()
    cx, cy = (left + right) / 2, (top + bottom) / 2
    span = 72.0 / pt
    w_in, h_in = width * size[0], _AXES[3] * size[1]
    ax.set_xlim(cx - span * w_in / 2, cx + span * w_in / 2)
    ax.set_ylim(cy + span * h_in / 2, cy - span * h_in / 2)  # y downwards, as on screen
    font = max(FONT_SIZE * pt, MIN_PT)
    for r in place.regions:
        colour = colours.get(r["ring"], NO_RING)
        ax.add_patch(Circle((r["x"], r["y"]), r["r"], facecolor=colour, alpha=0.10,
                            edgecolor="none", zorder=0))
        ax.add_patch(Circle((r["x"], r["y"]), r["r"], facecolor="none", edgecolor=colour,
                            linewidth=1.5, zorder=0))
    labels = []
    for r in place.regions:
        labels.append(ax.text(r["x"], r["title_y"] - 0.65 * TITLE_SIZE, text("\n".join(
            r["head"])), ha="center", va="top", fontsize=max(TITLE_SIZE * pt, MIN_PT),
            linespacing=1.15, zorder=5))
    data = dict(g.nodes(data=True))
    edges = []
    for k, (a, b, d) in enumerate(g.edges(data=True)):
        u, v = sorted((str(a), str(b)))
        edges += link_edges(u, v, d, k)
    place_amounts(place, data, route(place, data, edges))

    def arrow(e, style, width, alpha, zorder):
        """The edge's curve drawn between its ends' markers (None when they touch)."""
        path = _trimmed(place.pos[e["from"]], place.pos[e["to"]], e["smooth"],
                        node_size(data[e["from"]]) + 1, node_size(data[e["to"]]) + 1)
        if path is not None:
            ax.add_patch(FancyArrowPatch(
                path=path, color=style["color"], linestyle=style["mpl"], linewidth=width,
                alpha=alpha, zorder=zorder, arrowstyle="-|>" if e.get("arrows") else "-",
                mutation_scale=max(5.0, 12 * pt)))
        return path

    for e in edges:
        if arrow(e, layer_style(e["layer"]), max(0.4, e["width"] * pt), 0.75, 1) is None:
            continue
        if e.get("label") and e.get("label_xy"):
            labels.append(ax.text(*e["label_xy"], e["label"], color="#1B5E20", zorder=4,
                                  fontsize=max(AMOUNT_SIZE * pt, 0.8 * MIN_PT),
                                  ha="center", va="center"))
    # a pale box behind each label, not a stroked halo: stroked text becomes outlines in a
    # PDF, which a reader can neither search nor copy
    halo = {"boxstyle": "square,pad=0.08", "fc": "white", "ec": "none", "alpha": 0.75}
    for f in pattern_flows(vm.meta.get("rings", []), data):  # numbered in time order
        path = arrow(f, FLOW_STYLE, max(0.5, 1.6 * pt), 0.9, 2)
        if path is None:
            continue
        mid = path.vertices[1] * 0.5 + (path.vertices[0] + path.vertices[2]) * 0.25
        labels.append(ax.text(*mid, f["label"], color=FLOW_STYLE["color"], zorder=4,
                               fontsize=max(AMOUNT_SIZE * pt, 0.8 * MIN_PT), ha="center",
                               va="center", fontweight="bold", bbox=halo))
    for n, d in g.nodes(data=True):
        x, y = place.pos[n]
        radius = node_size(d)
        organizer = d.get("role") == "organizer"
        ax.add_patch(_shape(d.get("kind", "person"), x, y, radius,
                            facecolor=colours.get(d.get("ring"), NO_RING),
                            edgecolor="#000000" if organizer else "#37474F",
                            linewidth=(3.0 if organizer else 0.8) * max(pt, 0.4), zorder=3))
        above = n in place.above
        labels.append(ax.text(x, y - radius - 2 if above else y + radius + 2,
                              text("\n".join(label_lines(n, d))), ha="center",
                              va="bottom" if above else "top", fontsize=font,
                              linespacing=1.1, zorder=4, bbox=halo))
    fig.suptitle(text(vm.title), fontsize=14, x=0.01, ha="left")
    _footer(fig, vm, text)
    return fig, labels, paper, font


def _legend(fig, g, colours, text, vm):
    """The legend in the right margin, whole: every ring (one line each past 20 rings) and
    the key, in as many columns as it takes. Returns its box in figure coordinates."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from .layout import head_lines, ring_title

    rings = sorted({str(d["ring"]) for _, d in g.nodes(data=True) if d.get("ring")})
    heads = {}
    for n, d in g.nodes(data=True):
        if d.get("ring") and d.get("role") == "organizer":
            heads[str(d["ring"])] = head_lines(ring_title(
                str(d["ring"]), d.get("name") or str(n), d.get("ring_tags") or ""))
    many = len(rings) > 20
    handles = [Patch(facecolor=colours.get(r, NO_RING), edgecolor="#333333",
                     label=text(heads.get(r, [r])[0] if many else "\n".join(heads.get(r, [r]))))
               for r in rings]
    handles.append(Patch(facecolor=NO_RING, edgecolor="#333333", label="not in a ring"))
    handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="white",
                          markeredgecolor="black", markeredgewidth=2.5, markersize=9,
                          label="\u2605 organizer (thick outline)"))
    kinds = {d.get("kind", "person") for _, d in g.nodes(data=True)}
    handles += [Line2D([], [], marker=m, linestyle="", color="#555555", label=k)
                for k, m in MPL_MARKERS.items() if k in kinds]
    layers = {x for _, _, d in g.edges(data=True) for x in link_layers(d)}
    for layer in sorted(layers, key=layer_order):
        s = layer_style(layer)
        label = s["label"] + (": arrow payer \u2192 payee, amount" if layer == "money" else "")
        handles.append(Line2D([], [], color=s["color"], linestyle=s["mpl"], linewidth=2,
                              label=label))
    if pattern_flows(vm.meta.get("rings", []), g.nodes):
        handles.append(Line2D([], [], color=FLOW_STYLE["color"], linestyle=FLOW_STYLE["mpl"],
                              linewidth=2, label=FLOW_STYLE["label"]))
    handles.append(Line2D([], [], color="#777777", linewidth=4,
                          label="line width: link strength"))
    renderer = fig.canvas.get_renderer()
    for ncol in range(1, 7):
        legend = fig.legend(handles=handles, loc="upper right", bbox_to_anchor=(0.995, 0.93),
                            fontsize=MIN_PT + 0.5, frameon=False, ncol=ncol,
                            handlelength=1.6, columnspacing=1.0)
        box = legend.get_window_extent(renderer).transformed(fig.transFigure.inverted())
        if box.y0 >= 0.035 or ncol == 6:
            return box
        legend.remove()
    return box


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
