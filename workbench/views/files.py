"""Graph files for Gephi and other tools (GraphML, GEXF) and CSV tables.

Attributes are written typed (numbers stay numbers, so Gephi can size and filter by them);
``None`` values are left out, since neither format has a null.
"""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx

from .flows import pattern_flows
from .model import ViewModel
from .redact import Redactor

__all__ = ["write_graph_file", "write_csv", "csv_safe"]

#: a spreadsheet reads a cell starting with one of these as a formula (OWASP CSV injection)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """A cell value that Excel, WPS or LibreOffice show as text, never run as a formula.

    Text starting with ``= + - @``, a tab or a carriage return gets a leading apostrophe
    (OWASP's rule). Phone numbers in E.164 (``+86...``) are text too: they get the same
    apostrophe, which spreadsheets hide and which keeps them from becoming numbers.

    Examples
    --------
    >>> print(csv_safe('=HYPERLINK("http://x","click")'), csv_safe("+8613800138000"))
    '=HYPERLINK("http://x","click") '+8613800138000
    """
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def _clean(value):
    if isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def _export_graph(vm: ViewModel, redactor: Redactor | None) -> nx.Graph:
    text = redactor.text if redactor else (lambda s: s)
    out = nx.Graph(title=text(vm.title), fingerprint=str(vm.meta.get("fingerprint", "")),
                   tool=str(vm.meta.get("tool", "")))
    for n, d in vm.graph.nodes(data=True):
        attrs = {k: _clean(v) for k, v in d.items() if v is not None}
        attrs.setdefault("ring", "")
        attrs.setdefault("role", "")
        attrs["score"] = float(attrs.get("score", 0.0))
        if redactor:
            attrs = {k: redactor.value(v, k) if isinstance(v, str) else v
                     for k, v in attrs.items()}
        out.add_node(text(str(n)), label=attrs.pop("name", None) or text(str(n)), **attrs)
    for a, b, d in vm.graph.edges(data=True):
        attrs = {k: _clean(v) for k, v in d.items() if v is not None}
        attrs["layer"] = attrs.pop("layers", "")
        out.add_edge(text(str(a)), text(str(b)), **attrs)
    # money patterns: on the link between payer and payee, their transfers in time order
    # (``3: 2024-05-30 10:00 A -> B CNY 5000.00``; GraphML and GEXF hold no edge lists)
    for f in pattern_flows(vm.meta.get("rings", []), vm.graph.nodes):
        a, b = text(f["from"]), text(f["to"])
        if not out.has_edge(a, b):
            out.add_edge(a, b, layer="money_pattern")
        said = text(f"{f['order']}: {f['at'][:16].replace('T', ' ')} {f['accounts'][0]} -> "
                    f"{f['accounts'][1]} {f['currency']} {f['amount']} ({f['kind']}, "
                    f"{f['ring']}, {f['file']}:{f['line']})")
        before = out.edges[a, b].get("money_pattern")
        out.edges[a, b]["money_pattern"] = f"{before}; {said}" if before else said
    return out


def write_graph_file(vm: ViewModel, path, *, redact: bool = False,
                     redact_names: bool = False) -> Path:
    """Write ``.graphml`` or ``.gexf`` by the extension of ``path``."""
    path = Path(path)
    redactor = Redactor(vm.identifiers, names=redact_names) if redact or redact_names else None
    g = _export_graph(vm, redactor)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".graphml":
        nx.write_graphml(g, path)
    elif path.suffix.lower() == ".gexf":
        nx.write_gexf(g, path)
    else:
        raise ValueError(f"graph file must be .graphml or .gexf, not {path.suffix!r}")
    return path


def write_csv(vm: ViewModel, path, *, redact: bool = False, redact_names: bool = False
              ) -> list[Path]:
    """``path``: the nodes (members, ring, role, score); ``<stem>_links.csv``: the links and
    their measures; ``<stem>_<kind>.csv``: each kind of evidence record;
    ``<stem>_flows.csv``: the money patterns' transfers in time order (when any)."""
    path = Path(path)
    redactor = Redactor(vm.identifiers, names=redact_names) if redact or redact_names else None
    g = _export_graph(vm, redactor)
    written = []

    def dump(target: Path, rows: list[dict]) -> None:
        cols: list[str] = []
        for r in rows:
            cols += [k for k in r if k not in cols]
        with open(target, "w", newline="", encoding="utf-8-sig") as fh:
            w = csv.DictWriter(fh, fieldnames=cols or ["empty"])
            w.writerow({c: csv_safe(c) for c in cols} if cols else {"empty": "empty"})
            w.writerows({k: csv_safe(v) for k, v in r.items()} for r in rows)
        written.append(target)

    path.parent.mkdir(parents=True, exist_ok=True)
    dump(path, [{"node": n, **d} for n, d in g.nodes(data=True)])
    dump(path.with_name(f"{path.stem}_links.csv"),
         [{"from": a, "to": b, **d} for a, b, d in g.edges(data=True)])
    flows = [{k: f[k] for k in ("ring", "kind", "order", "of", "at", "from", "to", "amount",
                                "currency", "file", "line")}
             | {"from_account": f["accounts"][0], "to_account": f["accounts"][1]}
             for f in pattern_flows(vm.meta.get("rings", []), vm.graph.nodes)]
    if flows:  # money patterns' transfers, in time order per pattern
        dump(path.with_name(f"{path.stem}_flows.csv"),
             redactor.value(flows) if redactor else flows)
    for kind, rows in vm.records.items():
        if rows:
            if redactor:
                rows = redactor.value(rows)
            dump(path.with_name(f"{path.stem}_{kind}.csv"), rows)
    return written
