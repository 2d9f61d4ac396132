"""i2 Analyst's Notebook exchange files (``.anx``), written with anxwritter.

Persons, numbers and accounts become typed entities (``Person``, ``Phone``, ``Account``)
placed where the ring-aware layout puts them, with their ring, role, score and ring tags as
attributes; each link becomes one i2 link per layer it carries (calls, money, co-arrest,
kinship, shared identifiers, meetings), with the layer's strength in words and numbers, its
first and last date and its amounts, and every record behind it as a card citing the
source file's name and line (and its SHA-256 when the view knows it).

Examples
--------
>>> import networkx as nx
>>> from workbench.views.model import ViewModel
>>> g = nx.Graph()
>>> g.add_node("P1", kind="person", name="张伟", ring="R001", role="organizer", score=0.9)
>>> g.add_node("P2", kind="person", name="李娜", ring="R001", role="member", score=0.5)
>>> g.add_edge("P1", "P2", weight=2.0, layers="calls", n_calls=3, w_calls=1.5)
>>> xml = anx_xml(ViewModel(g, title="R001"))
>>> "张伟" in xml and 'Type="calls"' in xml
True
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..errors import WorkbenchError
from .layout import ring_layout
from .link_records import RECORD_KINDS, link_records
from .model import ViewModel
from .redact import Redactor
from .words import link_layers

__all__ = ["anx_chart", "anx_xml", "write_anx", "ENTITY_TYPES", "LINK_TYPES"]

log = logging.getLogger(__name__)

#: node kind -> i2 entity type (and its standard icon)
ENTITY_TYPES = {"person": ("Person", "Person"), "phone": ("Phone", "Phone"),
                "account": ("Account", "Bank Account"), "entity": ("Person", "Person")}
#: layer -> (i2 link type, the record kinds behind it)
LINK_TYPES = {"calls": ("calls", {"call"}), "money": ("money", {"transfer"}),
              "coarrest": ("co-arrest", {"arrest"}), "kinship": ("kinship", {"kinship"}),
              "shared": ("shared", set()), "copresence": ("meetings", {"meeting"})}
_STRENGTHS = (("strong", 2.0), ("medium", 0.75), ("weak", 0.0))


def _strength(w: float) -> str:
    return next(name for name, floor in _STRENGTHS if w >= floor)


def _split_time(text: str) -> tuple[str | None, str | None]:
    """``2019-01-02T03:04:05+08:00`` -> ``("2019-01-02", "03:04:05")`` (local time)."""
    if not text or len(text) < 10:
        return None, None
    return text[:10], (text[11:19] if len(text) >= 19 else None)


def _card(rec: dict, sha: dict[str, str]) -> dict:
    date, time = _split_time(rec["time"])
    bits = [RECORD_KINDS.get(rec["kind"], rec["kind"]), rec["what"]]
    if rec["amount"] is not None:
        bits.append(f"¥{float(rec['amount']):,.2f}")
    if rec["duration_s"] is not None:
        bits.append(f"{int(rec['duration_s'])} s")
    ref = f"{rec['file']}:{rec['line']}"
    card = {"summary": " ".join(bits), "source_ref": ref, "source_type": rec["kind"],
            "description": f"{ref} SHA-256 {sha[rec['file']]}" if rec["file"] in sha else ref}
    if date:
        card["date"] = date
    if time:
        card["time"] = time
    return card


def anx_chart(vm: ViewModel, *, redact: bool = False, redact_names: bool = False,
              seed: int = 0):
    """The view as an :class:`anxwritter.ANXChart` (see the module docstring)."""
    from anxwritter import ANXChart, Card

    redactor = Redactor(vm.identifiers, names=redact_names) if redact or redact_names else None
    text = redactor.text if redactor else (lambda s: s)
    sha = {str(k): str(v) for k, v in (vm.meta.get("sources") or {}).items()}
    chart = ANXChart()
    for name, floor in _STRENGTHS:
        chart.add_strength(name=name, dot_style="solid" if floor >= 2 else
                           ("dashed" if floor > 0 else "dotted"))
    for kind, (etype, icon) in sorted(set(ENTITY_TYPES.items())):
        if kind != "entity":
            chart.add_entity_type(name=etype, icon_file=icon)
    place = ring_layout(vm.graph, seed=seed)
    xs = [p[0] for p in place.pos.values()] or [0.0]
    ys = [p[1] for p in place.pos.values()] or [0.0]
    scale = 1200.0 / max(max(xs) - min(xs), max(ys) - min(ys), 1.0)
    ids = {}
    for n, d in sorted(vm.graph.nodes(data=True), key=lambda x: str(x[0])):
        node = text(str(n))
        ids[str(n)] = node
        etype = ENTITY_TYPES.get(d.get("kind", "person"), ENTITY_TYPES["person"])[0]
        name = str(d.get("name") or "")
        if redactor is not None and name:
            name = redactor.value(name, "name")
        attrs = {"ring": str(d.get("ring") or ""), "role": str(d.get("role") or ""),
                 "score": round(float(d.get("score") or 0.0), 4)}
        if d.get("ring_tags"):
            attrs["ring tags"] = str(d["ring_tags"])
        x, y = place.pos.get(n, (0.0, 0.0))
        chart.add_icon(id=node, type=etype, label=f"{name} ({node})" if name else node,
                       x=int(round((x - min(xs)) * scale)), y=int(round((y - min(ys)) * scale)),
                       attributes=attrs)
    for a, b, d in sorted(vm.graph.edges(data=True), key=lambda e: sorted(map(str, e[:2]))):
        u, v = sorted((str(a), str(b)))
        recs = link_records(vm.records, u, v)
        if redactor is not None:
            recs = redactor.value(recs)
        for layer in link_layers(d):
            ltype, kinds = LINK_TYPES.get(layer, (layer, set()))
            mine = [r for r in recs if r["kind"] in kinds]
            w = float(d.get(f"w_{layer}", d.get("weight", 0.0)) or 0.0)
            attrs = {"strength": round(w, 4)}
            if layer == "calls":
                attrs.update({"calls": int(d.get("n_calls", 0)),
                              "night calls": int(d.get("n_night", 0)),
                              "seconds": int(d.get("duration_s", 0))})
            elif layer == "money":
                attrs.update({"transfers": int(d.get("n_tx", 0)),
                              "amount": round(float(d.get("total_uv", 0.0))
                                              + float(d.get("total_vu", 0.0)), 2)})
            elif layer == "coarrest":
                attrs["shared cases"] = int(d.get("n_cases", 0))
            elif layer == "copresence":
                attrs["meetings"] = int(d.get("n_meet", 0))
            dated = sorted(r["time"] for r in mine if r["time"])
            if dated:
                attrs["first"], attrs["last"] = dated[0][:19], dated[-1][:19]
            date, time = _split_time(dated[0]) if dated else (None, None)
            arrow = None
            if layer == "money":
                uv, vu = float(d.get("total_uv", 0.0)), float(d.get("total_vu", 0.0))
                arrow = "ArrowOnBoth" if uv and vu else ("ArrowOnHead" if uv else
                                                         "ArrowOnTail")
            chart.add_link(from_id=ids[u], to_id=ids[v], type=ltype, strength=_strength(w),
                           label=ltype, date=date, time=time, arrow=arrow, attributes=attrs,
                           cards=[Card(**_card(r, sha)) for r in mine])
    return chart


def anx_xml(vm: ViewModel, **options) -> str:
    """The ANX document as text (what :func:`write_anx` writes, before UTF-16 encoding)."""
    return anx_chart(vm, **options).to_xml(compact=False)


def write_anx(vm: ViewModel, path, **options) -> Path:
    """Write the view as an i2 Analyst's Notebook exchange file; return the path."""
    path = Path(path)
    if path.suffix.lower() != ".anx":
        raise WorkbenchError(f"{path.name}: an i2 exchange file must end in .anx")
    chart = anx_chart(vm, **options)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        written = Path(chart.to_anx(str(path.with_suffix(""))))
    except OSError as exc:
        raise WorkbenchError(f"cannot write {path.name}: {exc.strerror or exc}") from None
    log.info("wrote %s (%d entities, %d links)", written.name, vm.graph.number_of_nodes(),
             vm.graph.number_of_edges())
    return written
