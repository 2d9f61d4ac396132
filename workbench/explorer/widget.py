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

import contextlib
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
from ..views.model import ViewModel
from ..views.snapshot import snapshot_payload, vis_assets
from ..views.words import link_words, node_words
from . import identity, team
from .helpers import (
    day,
    esc,
    flags,
    kept,
    legend_html,
    numbers,
    records_html,
    table,
    unused_path,
)

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
    #: money patterns' transfers, numbered arrows in time order
    flows = traitlets.List([]).tag(sync=True)
    regions = traitlets.List([]).tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    selected_link = traitlets.Int(-1).tag(sync=True)
    focus = traitlets.Unicode("").tag(sync=True)
    height = traitlets.Int(640).tag(sync=True)
    #: a refresh is running: the page shows a busy sign over the graph
    busy = traitlets.Bool(False).tag(sync=True)

    def show(self, vm: ViewModel) -> None:
        """Display a view model: the snapshot's positions, colours, regions and links."""
        data = snapshot_payload(vm, seed=0)
        self.links = data["links"]
        self.flows = data["flows"]  # before edges and nodes: their change draws
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
    against : list of path, optional
        Other case stores (or exchange files, with ``salt``): persons seen there are marked
        (``other_cases`` in the node data and its tooltip).
    salt : str, optional
        The salt of the exchange files in ``against``.
    """

    def __init__(self, case, out_dir=None, against=None, salt=None) -> None:
        self.case = case if isinstance(case, Case) else Case(case)
        self.seen_elsewhere = (self.case.seen_elsewhere(against, salt=salt) if against
                               else {})
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
        # wide enough for id, flags, organizer, size, score and tier (no cut at 290 px)
        self.ring_list = w.Select(options=[], rows=24, layout=w.Layout(
            width="34%", min_width="360px", max_width="560px", height="640px"))
        self.legend = w.HTML(legend_html(), layout=w.Layout(width="100%"))
        self.search = w.Text(placeholder="id, part of a name, phone or account", description="find",
                             continuous_update=False, layout=w.Layout(width="360px"))
        self.hops = w.IntSlider(value=1, min=0, max=3, description="hops")
        self.via_services = w.Checkbox(value=False, description="hops via services", indent=False)
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
        team_row = team.controls(self)  # notes on the selection, the report button
        identity_row = identity.controls(self)  # decide who the selected person is
        self.export_button = w.Button(description="export", icon="download")
        self.status = w.HTML()
        self.exported: list[Path] = []
        layer_rows = [w.HBox([self.layers[n], self.weights[n]]) for n in LAYER_NAMES]
        super().__init__([
            w.HBox([self.since, self.until, self.min_strength]),
            w.HBox([self.hubs, self.not_hubs]),
            w.HBox([self.size, self.auto_resolution, self.resolution]),
            w.HBox([w.VBox(layer_rows[:3]), w.VBox(layer_rows[3:])]),
            w.HBox([self.search, self.hops, self.via_services, self.focus_button]),
            w.HBox([self.ring_list, self.graph], layout=w.Layout(width="100%")),
            self.legend,
            self.timeline,
            self.details,
            identity_row,
            w.HBox([self.export_format, self.export_button, self.snapshot_button,
                    self.redact, self.redact_names]),
            team_row,
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
        self.via_services.observe(lambda _c: self.focus_on(self.search.value)
                                  if self.search.value else None, names="value")
        self.snapshot_button.on_click(lambda _b: self.export_snapshot())
        self.export_button.on_click(lambda _b: self.export_diagram())
        self.refresh()

    # -- state ----------------------------------------------------------------------------
    def options(self) -> dict:
        """The ring-search options the controls stand for."""
        layers = [n for n in LAYER_NAMES if self.layers[n].value]
        weights = LayerWeights(**{n: float(self.weights[n].value) for n in LAYER_NAMES})
        return {
            "since": day(self.since.value), "until": day(self.until.value, end=True),
            "layers": layers, "weights": weights, "min_weight": float(self.min_strength.value),
            "min_size": int(self.size.value[0]), "max_size": int(self.size.value[1]),
            "resolution": None if self.auto_resolution.value else float(self.resolution.value),
            "hubs": numbers(self.hubs.value), "not_hubs": numbers(self.not_hubs.value),
        }

    def refresh(self) -> None:
        """Re-run the ring search for the current filters (cached where nothing changed)."""
        with self._change():  # one store connection for the search, view and details
            self._refresh()

    @contextlib.contextmanager
    def _change(self):
        """One store connection for what a change shows; after the first graph, what it
        computed is kept in the store at the next write (a note, an export), not on the
        interaction path (a read-write open and close of the store: 0.3-0.6 s on a county)."""
        with contextlib.ExitStack() as stack:
            if self.result is not None:
                stack.enter_context(self.case.state.cache.deferred())
            stack.enter_context(self.case.open())
            yield

    def _refresh(self) -> None:
        t0 = time.perf_counter()
        previous = getattr(self, "result", None)
        picked = self.ring_list.value
        before = (next((set(r.members) for r in previous.rings if r.id == picked), None)
                  if previous is not None and picked else None)
        # a busy sign while the search runs (the message reaches the page at once)
        self.status.value = "<b>⏳ refreshing…</b>"
        self.ring_list.disabled = self.graph.busy = True
        try:
            self.result = self.case.rings(warm=True, **self.options())
        except WorkbenchError as exc:
            self.status.value = f"<b>error</b>: {esc(str(exc))}"
            self.ring_list.disabled = self.graph.busy = False
            return
        self.ring_list.disabled = False
        self._stable_ids()
        names = self._names([r.leader for r in self.result.rings])
        # flags first (family, regional), so a narrow list still shows them; the tier last
        names.update(self._names([r.family["of"] for r in self.result.rings if r.family]))
        labels = [(f"{self.ring_ids[r.id]}{flags(r, names)} · "
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
        self.ring_list.value = kept(self.result.rings, picked, before) if labels else None
        self.ring_list.observe(self._on_ring, names="value")
        self.timings["refresh"] = time.perf_counter() - t0
        try:
            self.show_ring(self.ring_list.value)
        finally:
            self.graph.busy = False
        self.status.value = (f"{len(self.result.rings)} rings · "
                             f"{self.timings['refresh']:.2f} s")

    def show_ring(self, ring_id: str | None) -> None:
        """Show one ring (members, brokers) in the graph and its evidence in the details."""
        if not ring_id:
            self.graph.nodes, self.graph.edges = [], []
            return
        with self._change():
            self._show_ring(ring_id)

    def _show_ring(self, ring_id: str) -> None:
        self._show(ring=ring_id, hops=0)
        ring = next(r for r in self.result.rings if r.id == ring_id)
        names = self._names(ring.members)
        shown = self.ring_ids.get(ring.id, ring.id)
        parts = [table(pd.DataFrame([{"member": m, "name": names.get(m, ""),
                                       "role": ring.roles.get(m, "member")}
                                      for m in ring.members]),
                        f"ring {shown}" + (f" ({self.ring_notes[ring.id]})"
                                           if ring.id in self.ring_notes else "")),
                 table(pd.DataFrame([{"measure": k.replace("_", " "), "value": v}
                                      for k, v in ring.evidence.items()]), "evidence")]
        parts.append(records_html(self.view.records, set(ring.members), names, inside=True))
        views = self.case.call_views(ring.members, since=self.options()["since"],
                                     until=self.options()["until"], views=("heat", "pairs"))
        parts.append(table(views["heat"], "calls by hour and weekday"))
        if not views["pairs"].empty:
            parts.append(table(views["pairs"], "first and last contact per pair"))
        self.details.value = "".join(parts)
        self._timeline(ring.members)

    def focus_on(self, query: str) -> None:
        """Find a person by id, part of a name, phone or account, and show him with
        ``hops`` around him; the ring list lets go of its ring."""
        with self._change():
            person = self._find(query.strip())
            if person is None:
                self.status.value = f"no person matches {esc(query)}"
                return
            self.status.value = ""
            self.ring_list.unobserve(self._on_ring, names="value")
            self.ring_list.value = None
            self.ring_list.observe(self._on_ring, names="value")
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
                                   hubs=opts["hubs"], not_hubs=opts["not_hubs"],
                                   via_services=self.via_services.value,
                                   # the refresh's own (warm) search, not a second cold one
                                   warm=True)
        for _n, d in self.view.graph.nodes(data=True):  # the ids the analyst cites
            if d.get("ring"):
                d["ring"] = self.ring_ids.get(d["ring"], d["ring"])
        for r in self.view.meta.get("rings", []):
            r["run_id"], r["id"] = r["id"], self.ring_ids.get(r["id"], r["id"])
        team.mark_seen(self.view, self.seen_elsewhere)
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
        with self._change():
            self._select(node)

    def _select(self, node: str) -> None:
        g = self.view.graph
        names = {str(n): str(d.get("name") or "") for n, d in g.nodes(data=True)}
        data = dict(g.nodes[node])
        rows = "".join(f"<tr><th>{esc(str(k))}</th><td>{esc(str(v))}</td></tr>"
                       for k, v in node_words(node, data))
        links = []
        for _, other, attrs in g.edges(node, data=True):
            u, v = sorted((str(node), str(other)))
            who = f"{names.get(other) or ''} ({other})"
            links.append(f"<li><b>{esc(who)}</b>: "
                         f"{esc('; '.join(link_words(u, v, attrs, names)))}</li>")
        title = f"{names.get(node) or ''} ({node})"
        rows += team.notes_row(self.view, node)
        if data.get("kind") != "person":
            self.id_record.options = []  # no record of the person selected before stays
        self.details.value = (f"<h4>{esc(title)}</h4><table>{rows}</table>"
                              f"<h4>links ({len(links)})</h4><ul>{''.join(links)}</ul>"
                              + records_html(self.view.records, {node}, names)
                              + self._together_html(node, names)
                              + (identity.person_html(self, node)
                                 if data.get("kind") == "person" else ""))
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
            f"<tr><td>{esc(str(r.time)[:16])}</td>"
            f"<td>{esc(names.get(str(r.other)) or '')} ({esc(str(r.other))})</td>"
            f"<td>{esc(str(r.kind))} {esc(str(r.place))}</td>"
            f"<td>{esc(' / '.join(str(x) for x in (r.pos, r.other_pos) if x))}"
            f"{' (adjacent)' if r.adjacent else ''}</td>"
            f"<td>{esc(Path(str(r.file)).name)}:{int(r.line)}</td></tr>"
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
        self.details.value = (f"<h4>{esc(heading)}</h4><ul>"
                              + "".join(f"<li>{esc(x)}</li>" for x in link["words"])
                              + "</ul>" + records_html(self.view.records, {a, b}, names,
                                                        link=(a, b)))
        self._timeline([a, b])

    def _names(self, ids) -> dict:
        """person id -> name for these ids (one query)."""
        return self.case.names(ids)

    def _stable_ids(self) -> None:
        """Each ring shows its own content id (the same members, the same id, whatever the
        filters); a ring whose members differ from the unfiltered run's closest ring is noted
        against it, and a ring found only with the filters is noted as such."""
        with self.case.open():  # the unfiltered run as `rings` gives it (kept in the store),
            base = self.case.rings().rings  # not a warm search of its own
        self.ring_ids, self.ring_notes = {}, {}
        for r in self.result.rings:
            self.ring_ids[r.id] = r.id
            mine = set(r.members)
            best, score = None, 0.0
            for b in base:
                j = len(mine & set(b.members)) / len(mine | set(b.members))
                if j > score:
                    best, score = b, j
            if best is None or score < 0.3:
                self.ring_notes[r.id] = "not found without the filters"
            elif best.id != r.id:
                gained, lost = mine - set(best.members), set(best.members) - mine
                self.ring_notes[r.id] = (f"≈ {best.id} without the filters: +{len(gained)} "
                                         f"−{len(lost)} members")

    # -- exports --------------------------------------------------------------------------
    def export_snapshot(self) -> Path | None:
        """Write the current view as an offline HTML snapshot; returns the path."""
        from ..views.snapshot import write_snapshot

        if self.view is None:
            return None
        path = write_snapshot(self.view, unused_path(self.out_dir, "snapshot", "html"),
                              redact=self.redact.value, redact_names=self.redact_names.value)
        self.exported.append(path)
        self.status.value = f"wrote {esc(str(path))}"
        return path

    def add_note(self, text: str, status: str = "open") -> dict | None:
        """Note or hypothesis on the selected person (logged); shown in the details."""
        return team.add_note(self, text, status)

    def export_report(self) -> Path | None:
        """Write the case report (PDF) of the current selection (logged)."""
        return team.export_report(self)

    def export_diagram(self) -> list[Path]:
        """Write the current view as a diagram or graph file in the chosen format."""
        from ..views.diagram import draw_diagram
        from ..views.files import write_csv, write_graph_file

        if self.view is None:
            return []
        fmt = self.export_format.value
        path = unused_path(self.out_dir, "view", fmt)
        opts = {"redact": self.redact.value, "redact_names": self.redact_names.value}
        if fmt in ("png", "svg", "pdf"):
            written = [draw_diagram(self.view, path, **opts)]
        elif fmt == "csv":
            written = write_csv(self.view, path, **opts)
        else:
            written = [write_graph_file(self.view, path, **opts)]
        self.exported += written
        self.status.value = "wrote " + ", ".join(esc(str(p)) for p in written)
        return written
