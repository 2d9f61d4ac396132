"""The house rules: every module has a layer, imports only go down, and no cycles.

Walks every module of the package (sub-packages included), with the imports made inside
functions too: a lazy import still ties two modules together.
"""

from __future__ import annotations

import ast

import networkx as nx

from .conftest import ROOT

PACKAGE = ROOT / "workbench"

#: layer of each module, lowest first (DESIGN.md's one-way flow); a new module needs a line
LAYERS = {
    0: ["errors", "contract", "normalize", "callsql"],
    1: ["store", "lookups"],
    2: ["readers", "validate", "ingest", "engine", "engine.base", "engine.tables",
        "engine.duckdb_engine", "engine.spark_engine", "engine.spark_forms", "spark_read"],
    3: ["services", "presence", "copresence", "links", "regional", "cdr", "spark_ingest"],
    4: ["graph", "community"],
    5: ["ring_scoring", "ring_candidates", "rings", "ring_focus", "analysis", "phones",
        "evolution", "cut"],
    6: ["views", "views.model", "views.style", "views.layout", "views.words",
        "views.timeline", "views.redact", "views.digest", "views.snapshot", "views.diagram",
        "views.files"],
    7: ["sample", "sample.base", "sample.county", "sample.rings", "sample.places",
        "sample.files"],
    8: ["case", "case_rings", "case_records", "case_time", "case_views"],
    9: ["reproduce", "widgets", "heavy"],
    10: ["cli_common", "cli_records", "cli_analysis", "cli", "entry", "__main__", ""],
}
LAYER = {m: n for n, mods in LAYERS.items() for m in mods}
#: the analysis core works on arrays: it never opens a store or a case
PURE = {"graph", "community", "ring_scoring", "ring_candidates", "rings", "ring_focus",
        "analysis", "phones", "evolution"}
STORAGE = {"store", "ingest", "readers", "case", "engine"}


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = ast.parse(path.read_text(encoding="utf-8"))
    return out


def _imports(name: str, tree: ast.Module, known: set[str]) -> set[str]:
    is_package = (PACKAGE / name.replace(".", "/") / "__init__.py").exists() if name else True
    here = name.split(".") if name else []
    if not is_package:
        here = here[:-1]
    found = set()
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)] if node.level > 1 else here
                mod = ".".join(base + (node.module.split(".") if node.module else []))
            elif node.module and node.module.split(".")[0] == "workbench":
                mod = node.module.partition(".")[2]
            else:
                continue
            targets = [f"{mod}.{a.name}" if mod else a.name for a in node.names] + [mod]
        elif isinstance(node, ast.Import):
            targets = [a.name.partition(".")[2] for a in node.names
                       if a.name.split(".")[0] == "workbench"]
        for t in targets:
            if t in known and t != name:
                found.add(t)
                break
    return found


def test_every_module_has_a_layer():
    missing = sorted(set(_modules()) - set(LAYER))
    assert not missing, f"modules with no layer in tests/test_layers.py: {missing}"


def test_imports_go_down_only_and_never_in_a_cycle():
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, tree in modules.items():
        for target in _imports(name, tree, set(modules)):
            if target == "" or (name.startswith(target + ".") and target):
                continue  # a sub-module may use its own package's namespace
            graph.add_edge(name, target)
            assert LAYER[target] <= LAYER[name], f"{name} (layer {LAYER[name]}) imports " \
                f"{target} (layer {LAYER[target]})"
            if name in PURE:
                assert target.split(".")[0] not in STORAGE, f"{name} imports {target}"
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, f"import cycles: {cycles}"
    assert graph.number_of_edges() > 50  # the walk really saw the imports
