"""The Explorer: an ipywidgets app for investigators in JupyterLab.

State and controls only: every result comes from :class:`~workbench.case.facade.Case` (cached
layers and graphs, warm-started Leiden), every drawing from :mod:`workbench.views`. The
graph view is an anywidget with vis-network inlined (no network access); a click on a node
sets :attr:`GraphView.selected`, which reaches Python and fills the details panel.

Examples
--------
>>> from workbench.explorer.widget import GraphView
>>> GraphView().selected
''
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from importlib import resources
from pathlib import Path

import anywidget
import ipywidgets as w
import pandas as pd
import traitlets

from ..case import Case
from ..errors import WorkbenchError
from ..evidence import LAYER_NAMES
from ..graph import LayerWeights
from ..rings import family_label
from ..views.model import ViewModel
from ..views.snapshot import snapshot_payload, vis_assets
from ..views.words import link_words, node_words

__all__ = ["Explorer", "GraphView"]

log = logging.getLogger(__name__)


def _esm() -> str:
    vis_js, _css = vis_assets()
    files = resources.files("workbench.views")
    own = [files.joinpath(f).read_text("utf-8") for f in ("wbvis.js", "graph_widget.js")]
    return "\n".join([vis_js, *own])


class GraphView(anywidget.AnyWidget):
    """vis-network in the notebook, offline; ``selected`` is the node last clicked."""

    _esm = _esm()
    _css = vis_assets()[1] + "\n.tip { font-size: 12px; max-width: 360px; }"
    nodes = traitlets.List([]).tag(sync=True)
    edges = traitlets.List([]).tag(sync=True)
    links = traitlets.List([]).tag(sync=True)
    regions = traitlets.List([]).tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    selected_link = traitlets.Int(-1).tag(sync=True)
    focus = traitlets.Unicode("").tag(sync=True)
    height = traitlets.Int(640).tag(sync=True)

    def show(self, vm: ViewModel) -> None:
        """Display a view model: the snapshot's positions, colours, regions and links."""
        data = snapshot_payload(vm, seed=0)
        self.links = data["links"]
        self.regions = data["regions"]
        self.edges = data["edges"]
        self.nodes = data["nodes"]


class Explorer(w.VBox):
    """Filters, ranked rings, search, graph, details, timeline and export buttons.

    Parameters
    ----------
    case : Case or path
        The case to explore (opened per call, never held).
    out_dir : path, optional
        Where the export buttons write (default: ``exports/`` beside the case store).
    """

    def __init__(self, case, out_dir=None) -> None:
        self.case = case if isinstance(case, Case) else Case(case)
        self.out_dir = Path(out_dir) if out_dir else self.case.path.parent / "exports"
        self.result = None
        self.view = None
        self.timings: dict[str, float] = {}
        style = {"description_width": "initial"}
        self.since = w.DatePicker(description="since", style=style)
        self.until = w.DatePicker(description="until", style=style)
        self.layers = {name: w.Checkbox(value=True, description=name, indent=False,
                                        layout=w.Layout(width="110px"))
                       for name in LAYER_NAMES}
        defaults = LayerWeights().as_dict()
        self.weights = {name: w.FloatSlider(value=defaults[name], min=0.0, max=5.0, step=0.1,
                                            description="weight", readout_format=".1f",
                                            layout=w.Layout(width="230px"))
                        for name in LAYER_NAMES}
        self.min_strength = w.FloatSlider(value=0.0, min=0.0, max=5.0, step=0.1,
                                          description="min link strength", style=style)
        # services overrides (as --hub / --not-hub): numbers or accounts, comma-separated
        self.hubs = w.Text(placeholder="numbers to treat as services", description="services",
                           continuous_update=False, style=style,
                           layout=w.Layout(width="330px"))
        self.not_hubs = w.Text(placeholder="numbers that are people", description="not services",
                               continuous_update=False, style=style,
                               layout=w.Layout(width="330px"))
        self.size = w.IntRangeSlider(value=(3, 12), min=2, max=30, description="ring size",
                                     style=style)
        self.auto_resolution = w.Checkbox(value=True, description="automatic resolution",
                                          indent=False)
        self.resolution = w.FloatText(value=1.0, description="resolution", disabled=True,
                                      style=style, layout=w.Layout(width="180px"))
        self.ring_list = w.Select(options=[], rows=24, layout=w.Layout(width="290px",
                                                                         height="640px"))
        self.search = w.Text(placeholder="id, part of a name, phone or account", description="find",
                             continuous_update=False, layout=w.Layout(width="360px"))
        self.hops = w.IntSlider(value=1, min=0, max=3, description="hops")
        self.focus_button = w.Button(description="focus", icon="crosshairs")
        self.graph = GraphView()
        self.details = w.HTML(layout=w.Layout(width="100%", max_height="520px",
                                              overflow="auto"))
        self.timeline = w.HTML()
        self.export_format = w.Dropdown(options=["png", "svg", "pdf", "graphml", "gexf", "csv"],
                                        value="png", description="diagram",
                                        layout=w.Layout(width="170px"))
        self.redact = w.Checkbox(value=False, description="redact identifiers", indent=False)
        self.redact_names = w.Checkbox(value=False, description="redact names", indent=False)
        self.snapshot_button = w.Button(description="HTML snapshot", icon="file-code")
        self.export_button = w.Button(description="export", icon="download")
        self.status = w.HTML()
        self.exported: list[Path] = []
        layer_rows = [w.HBox([self.layers[n], self.weights[n]]) for n in LAYER_NAMES]
        super().__init__([
            w.HBox([self.since, self.until, self.min_strength]),
            w.HBox([self.hubs, self.not_hubs]),
            w.HBox([self.size, self.auto_resolution, self.resolution]),
            w.HBox([w.VBox(layer_rows[:3]), w.VBox(layer_rows[3:])]),
            w.HBox([self.search, self.hops, self.focus_button]),
            w.HBox([self.ring_list, self.graph], layout=w.Layout(width="100%")),
            self.timeline,
            self.details,
            w.HBox([self.export_format, self.export_button, self.snapshot_button,
                    self.redact, self.redact_names]),
            self.status,
        ])
        self.graph.layout = w.Layout(flex="1 1 auto", min_width="0", width="auto")
        self.ring_ids: dict[str, str] = {}  # this run's ring id -> the stable id shown
        self.ring_notes: dict[str, str] = {}
        self.graph.observe(self._on_link, names="selected_link")
        filters = [self.since, self.until, self.min_strength, self.size, self.resolution,
                   self.auto_resolution, self.hubs, self.not_hubs] + list(
                       self.layers.values()) + list(
                       self.weights.values())
        for control in filters:
            control.observe(self._on_filter, names="value")
        self.auto_resolution.observe(
            lambda ch: setattr(self.resolution, "disabled", ch["new"]), names="value")
        self.ring_list.observe(self._on_ring, names="value")
        self.graph.observe(self._on_select, names="selected")
        self.focus_button.on_click(lambda _b: self.focus_on(self.search.value))
        self.search.observe(lambda ch: self.focus_on(ch["new"]) if ch["new"] else None,
                            names="value")
        self.snapshot_button.on_click(lambda _b: self.export_snapshot())
        self.export_button.on_click(lambda _b: self.export_diagram())
        self.refresh()

    # -- state ----------------------------------------------------------------------------
    def options(self) -> dict:
        """The ring-search options the controls stand for."""
        layers = [n for n in LAYER_NAMES if self.layers[n].value]
        weights = LayerWeights(**{n: float(self.weights[n].value) for n in LAYER_NAMES})
        return {
            "since": _day(self.since.value), "until": _day(self.until.value, end=True),
            "layers": layers, "weights": weights, "min_weight": float(self.min_strength.value),
            "min_size": int(self.size.value[0]), "max_size": int(self.size.value[1]),
            "resolution": None if self.auto_resolution.value else float(self.resolution.value),
            "hubs": _numbers(self.hubs.value), "not_hubs": _numbers(self.not_hubs.value),
        }

    def refresh(self) -> None:
        """Re-run the ring search for the current filters (cached where nothing changed)."""
        with self.case.open():  # one store connection for the search, view and details
            self._refresh()

    def _refresh(self) -> None:
        t0 = time.perf_counter()
        try:
            self.result = self.case.rings(warm=True, **self.options())
        except WorkbenchError as exc:
            self.status.value = f"<b>error</b>: {_esc(str(exc))}"
            return
        self._stable_ids()
        names = self._names([r.leader for r in self.result.rings])
        # flags first (family, regional), so a narrow list still shows them; the tier last
        names.update(self._names([r.family["of"] for r in self.result.rings if r.family]))
        labels = [(f"{self.ring_ids[r.id]}{_flags(r, names)} · "
                   f"{names.get(r.leader) or r.leader}"
                   f" · {r.size} people · {r.score:.2f} · {r.tier}"
                   f"{' · ' + self.ring_notes[r.id] if r.id in self.ring_notes else ''}", r.id)
                  for r in self.result.rings]
        if self.auto_resolution.value:  # show the case's own scale: the ladder's middle rung
            ladder = self.result.params.get("resolutions") or [1.0]
            self.resolution.unobserve(self._on_filter, names="value")
            self.resolution.value = float(ladder[len(ladder) // 2])
            self.resolution.observe(self._on_filter, names="value")
        self.ring_list.unobserve(self._on_ring, names="value")
        self.ring_list.options = labels
        self.ring_list.value = labels[0][1] if labels else None
        self.ring_list.observe(self._on_ring, names="value")
        self.timings["refresh"] = time.perf_counter() - t0
        self.show_ring(self.ring_list.value)
        self.status.value = (f"{len(self.result.rings)} rings · "
                             f"{self.timings['refresh']:.2f} s")

    def show_ring(self, ring_id: str | None) -> None:
        """Show one ring (members, brokers) in the graph and its evidence in the details."""
        if not ring_id:
            self.graph.nodes, self.graph.edges = [], []
            return
        with self.case.open():
            self._show_ring(ring_id)

    def _show_ring(self, ring_id: str) -> None:
        self._show(ring=ring_id, hops=0)
        ring = next(r for r in self.result.rings if r.id == ring_id)
        names = self._names(ring.members)
        shown = self.ring_ids.get(ring.id, ring.id)
        parts = [_table(pd.DataFrame([{"member": m, "name": names.get(m, ""),
                                       "role": ring.roles.get(m, "member")}
                                      for m in ring.members]),
                        f"ring {shown}" + (f" ({self.ring_notes[ring.id]})"
                                           if ring.id in self.ring_notes else "")),
                 _table(pd.DataFrame([{"measure": k.replace("_", " "), "value": v}
                                      for k, v in ring.evidence.items()]), "evidence")]
        parts.append(_records_html(self.view.records, set(ring.members), names, inside=True))
        views = self.case.call_views(ring.members, since=self.options()["since"],
                                     until=self.options()["until"], views=("heat", "pairs"))
        parts.append(_table(views["heat"], "calls by hour and weekday"))
        if not views["pairs"].empty:
            parts.append(_table(views["pairs"], "first and last contact per pair"))
        self.details.value = "".join(parts)
        self._timeline(ring.members)

    def focus_on(self, query: str) -> None:
        """Find a person by id, part of a name, phone or account, and show him with
        ``hops`` around him; the ring list lets go of its ring."""
        person = self._find(query.strip())
        if person is None:
            self.status.value = f"no person matches {_esc(query)}"
            return
        self.status.value = ""
        self.ring_list.unobserve(self._on_ring, names="value")
        self.ring_list.value = None
        self.ring_list.observe(self._on_ring, names="value")
        with self.case.open():
            self._show(person=person, hops=int(self.hops.value))
        self.graph.focus = person
        self.graph.selected = person

    def _find(self, query: str) -> str | None:
        if not query:
            return None
        graph, _ = self.case.graph(**{k: v for k, v in self.options().items()
                                      if k in ("since", "until", "layers", "weights", "hubs",
                                               "not_hubs")})
        try:
            graph.index(query)
            return query
        except KeyError:
            pass
        return self.case.search(query)

    def _show(self, **selection) -> None:
        t0 = time.perf_counter()
        opts = self.options()
        self.view = self.case.view(**selection, since=opts["since"], until=opts["until"],
                                   layers=opts["layers"], weights=opts["weights"],
                                   min_size=opts["min_size"], max_size=opts["max_size"],
                                   resolution=opts["resolution"], min_weight=opts["min_weight"],
                                   hubs=opts["hubs"], not_hubs=opts["not_hubs"])
        for _n, d in self.view.graph.nodes(data=True):  # the ids the analyst cites
            if d.get("ring"):
                d["ring"] = self.ring_ids.get(d["ring"], d["ring"])
        for r in self.view.meta.get("rings", []):
            r["run_id"], r["id"] = r["id"], self.ring_ids.get(r["id"], r["id"])
        self.graph.show(self.view)
        self.timings["view"] = time.perf_counter() - t0

    def _timeline(self, persons) -> None:
        """The i2-style timeline of the selection (calls, transfers, arrests) in
        :attr:`timeline`, and calls per week (``timeline_weeks``)."""
        from ..views.timeline import svg_timeline

        wanted = list(persons)
        records = self.view.records if self.view else {}
        calls = [c for c in records.get("calls", [])
                 if c.get("caller_person") in wanted or c.get("callee_person") in wanted]
        if not calls:
            self.timeline.value = ""
            return
        times = pd.to_datetime([c["started_at"] for c in calls], utc=True)
        self.timeline_weeks = len(pd.Series(1, index=times).resample("W").sum())
        self.timeline.value = svg_timeline(records, wanted, self._names(wanted))

    # -- events ---------------------------------------------------------------------------
    def _on_filter(self, _change) -> None:
        self.refresh()

    def _on_ring(self, change) -> None:
        self.show_ring(change["new"])

    def _on_select(self, change) -> None:
        node = change["new"]
        if not node or self.view is None or node not in self.view.graph:
            return
        g = self.view.graph
        names = {str(n): str(d.get("name") or "") for n, d in g.nodes(data=True)}
        data = dict(g.nodes[node])
        rows = "".join(f"<tr><th>{_esc(str(k))}</th><td>{_esc(str(v))}</td></tr>"
                       for k, v in node_words(node, data))
        links = []
        for _, other, attrs in g.edges(node, data=True):
            u, v = sorted((str(node), str(other)))
            who = f"{names.get(other) or ''} ({other})"
            links.append(f"<li><b>{_esc(who)}</b>: "
                         f"{_esc('; '.join(link_words(u, v, attrs, names)))}</li>")
        title = f"{names.get(node) or ''} ({node})"
        self.details.value = (f"<h4>{_esc(title)}</h4><table>{rows}</table>"
                              f"<h4>links ({len(links)})</h4><ul>{''.join(links)}</ul>"
                              + _records_html(self.view.records, {node}, names)
                              + self._together_html(node, names))
        if data.get("kind") == "person":
            self._timeline([node])

    def _together_html(self, node: str, names: dict, limit: int = 20) -> str:
        """Who was with this person: shared hotel nights, venue checks, trips and cells,
        with both records' file and line (the first ``limit``)."""
        opts = self.options()
        try:
            df = self.case.together(node, since=opts["since"], until=opts["until"],
                                    limit=limit + 1)
        except WorkbenchError:
            return ""
        if df.empty:
            return ""
        rows = "".join(
            f"<tr><td>{_esc(str(r.time)[:16])}</td>"
            f"<td>{_esc(names.get(str(r.other)) or '')} ({_esc(str(r.other))})</td>"
            f"<td>{_esc(str(r.kind))} {_esc(str(r.place))}</td>"
            f"<td>{_esc(' / '.join(str(x) for x in (r.pos, r.other_pos) if x))}"
            f"{' (adjacent)' if r.adjacent else ''}</td>"
            f"<td>{_esc(Path(str(r.file)).name)}:{int(r.line)}</td></tr>"
            for r in df.head(limit).itertuples())
        more = " (first 20)" if len(df) > limit else ""
        return (f"<h4>together{more}</h4><table><tr><th>time</th><th>with</th><th>where</th>"
                f"<th>room / seat</th><th>record</th></tr>{rows}</table>")

    def _on_link(self, change) -> None:
        """A click on a link lists its records: calls, transfers, arrests, kinship."""
        k = change["new"]
        if self.view is None or k is None or k < 0 or not self.graph.links or k >= len(
                self.graph.links):
            return
        link = self.graph.links[k]
        names = {str(n): str(d.get("name") or "") for n, d in self.view.graph.nodes(data=True)}
        a, b = link["a"], link["b"]
        heading = f"{names.get(a) or ''} ({a}) — {names.get(b) or ''} ({b})"
        self.details.value = (f"<h4>{_esc(heading)}</h4><ul>"
                              + "".join(f"<li>{_esc(x)}</li>" for x in link["words"])
                              + "</ul>" + _records_html(self.view.records, {a, b}, names,
                                                        link=(a, b)))
        self._timeline([a, b])

    def _names(self, ids) -> dict:
        """person id -> name for these ids (one query)."""
        return self.case.names(ids)

    def _stable_ids(self) -> None:
        """Ids that stay put when a filter changes: each ring of this run takes the id of
        the ring of the unfiltered run it shares most members with (Jaccard >= 0.3); a
        changed membership is noted, never renumbered; a ring found only now is 'new'."""
        with self.case.open():
            base = self.case.rings(warm=True).rings
        self.ring_ids, self.ring_notes = {}, {}
        used: set[str] = set()
        for r in self.result.rings:
            mine = set(r.members)
            best, score = None, 0.0
            for b in base:
                j = len(mine & set(b.members)) / len(mine | set(b.members))
                if j > score and b.id not in used:
                    best, score = b, j
            if best is None or score < 0.3:
                self.ring_ids[r.id] = f"new-{r.key[:6]}"
                self.ring_notes[r.id] = "not found without the filters"
                continue
            used.add(best.id)
            self.ring_ids[r.id] = best.id
            gained, lost = mine - set(best.members), set(best.members) - mine
            if gained or lost:
                self.ring_notes[r.id] = (f"members changed: +{len(gained)} −{len(lost)}"
                                         " against the unfiltered run")

    # -- exports --------------------------------------------------------------------------
    def export_snapshot(self) -> Path | None:
        """Write the current view as an offline HTML snapshot; returns the path."""
        from ..views.snapshot import write_snapshot

        if self.view is None:
            return None
        path = write_snapshot(self.view, _unused_path(self.out_dir, "snapshot", "html"),
                              redact=self.redact.value, redact_names=self.redact_names.value)
        self.exported.append(path)
        self.status.value = f"wrote {_esc(str(path))}"
        return path

    def export_diagram(self) -> list[Path]:
        """Write the current view as a diagram or graph file in the chosen format."""
        from ..views.diagram import draw_diagram
        from ..views.files import write_csv, write_graph_file

        if self.view is None:
            return []
        fmt = self.export_format.value
        path = _unused_path(self.out_dir, "view", fmt)
        opts = {"redact": self.redact.value, "redact_names": self.redact_names.value}
        if fmt in ("png", "svg", "pdf"):
            written = [draw_diagram(self.view, path, **opts)]
        elif fmt == "csv":
            written = write_csv(self.view, path, **opts)
        else:
            written = [write_graph_file(self.view, path, **opts)]
        self.exported += written
        self.status.value = "wrote " + ", ".join(_esc(str(p)) for p in written)
        return written


def _unused_path(folder: Path, stem: str, suffix: str) -> Path:
    """``folder/stem-<time>.<suffix>``, numbered ``-2``, ``-3`` ... when that file (or, for
    CSV, its first part) exists already: two exports in one second never overwrite."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for n in range(1, 10_000):
        name = f"{stem}-{stamp}" + (f"-{n}" if n > 1 else "")
        taken = list(folder.glob(f"{name}.*")) + list(folder.glob(f"{name}_*"))
        if not taken:
            return folder / f"{name}.{suffix}"
    raise WorkbenchError(f"no free file name for {stem} in {folder}")


def _records_html(records: dict, persons: set, names: dict, *, inside: bool = False,
                  link: tuple | None = None, limit: int = 200) -> str:
    """The evidence records of a selection in reading order (time, from, to, duration or
    amount, file:line), oldest first, as escaped HTML tables (at most ``limit`` per kind)."""
    from ..views.timeline import reading_rows

    parts = []
    for kind, rows in reading_rows(records, persons, names, inside=inside, link=link).items():
        if rows:
            df = pd.DataFrame(rows)
            parts.append(_table(df.head(limit), f"{kind} ({len(rows)} records)"
                                + (f" (first {limit})" if len(rows) > limit else "")))
    return "".join(parts) or "<p>no records</p>"


def _table(df: pd.DataFrame, caption: str) -> str:
    """A DataFrame as an HTML table; pandas escapes every cell (data is hostile)."""
    head = f"<h4>{_esc(caption)}</h4>" if caption else ""
    return head + df.to_html(escape=True, border=0, max_rows=60)


def _numbers(text: str) -> list[str] | None:
    """Comma- or space-separated numbers from a text box; None when empty."""
    items = [x for x in text.replace(",", " ").split() if x]
    return items or None


def _flags(ring, names: dict | None = None) -> str:
    """`` · family-based: 5 of 7 kin (<name>'s family)`` and `` · regional <county>`` where
    they apply."""
    out = (" · " + family_label(ring.family, ring.size,
                               (names or {}).get(ring.family.get("of")))) if ring.family else ""
    if ring.regional:
        place = str(ring.regional.get("place") or ring.regional.get("code"))
        out += f" · regional {place[-6:]}"
    return out


def _esc(text: str) -> str:
    import html

    return html.escape(text)


def _day(value, end: bool = False):
    if value is None:
        return None
    if end:
        value = value + dt.timedelta(days=1)
    return f"{value:%Y-%m-%d} 00:00:00"
