"""The house rules: every module has a layer, imports only go down, and no cycles.

Walks every module of the package (sub-packages included), with the imports made inside
functions too: a lazy import still ties two modules together.
"""

from __future__ import annotations

import ast
import functools

import networkx as nx

from .conftest import ROOT

PACKAGE = ROOT / "workbench"

#: layer of each subpackage, lowest first (DESIGN.md's one-way flow, as the folders are); a
#: module's layer is its subpackage's. A new subpackage needs a line here.
LAYERS = {
    0: ["errors", "contract"],
    1: ["store"],
    2: ["engine", "hits"],
    3: ["ingest", "identity"],
    4: ["evidence"],
    5: ["graph"],
    6: ["rings", "money"],
    7: ["analysis"],
    8: ["scale", "sample"],
    9: ["views"],
    10: ["case"],
    11: ["explorer"],
    12: ["cli", "__main__", ""],
}
PACKAGE_LAYER = {m: n for n, mods in LAYERS.items() for m in mods}
#: the analysis core works on arrays: it never opens a store or a case
PURE = {"graph", "rings", "analysis"}
STORAGE = {"store", "ingest", "case", "engine", "identity"}
#: the only modules allowed at the package's top level
TOP_LEVEL = {"", "__main__", "errors"}
#: a module past this many lines holds more than one job (DESIGN.md: split at ~500)
MAX_LINES = 520


def top(name: str) -> str:
    return name.split(".")[0] if name else ""


class _Layer(dict):
    def __missing__(self, name):
        return PACKAGE_LAYER[top(name)]


LAYER = _Layer()


@functools.cache
def _modules() -> dict[str, ast.Module]:
    """Every module of the package, parsed once per test session (read only)."""
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
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and getattr(block.test, "id", "") == "TYPE_CHECKING"
                   for stmt in block.body for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue  # annotations only: no import at run time
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
    missing = sorted(m for m in _modules() if top(m) not in PACKAGE_LAYER)
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
            if top(name) in PURE:
                assert target.split(".")[0] not in STORAGE, f"{name} imports {target}"
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, f"import cycles: {cycles}"
    assert graph.number_of_edges() > 50  # the walk really saw the imports


def test_no_module_at_the_top_but_the_entry_points():
    loose = sorted(m for m in _modules() if "." not in m and m not in TOP_LEVEL
                   and not (PACKAGE / m / "__init__.py").exists())
    assert not loose, f"modules outside the subpackages: {loose}"


def test_every_subpackage_declares_its_public_surface():
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        names = [t.id for node in tree.body if isinstance(node, ast.Assign)
                 for t in node.targets if isinstance(t, ast.Name)]
        assert "__all__" in names, f"{init.parent.name}/__init__.py has no __all__"


def test_no_private_name_crosses_a_subpackage():
    modules = _modules()
    crossing = []
    for name, tree in modules.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level == 0 and not (node.module or "").startswith("workbench"):
                continue
            if node.level == 1 and "." in name:
                continue  # within the subpackage
            if node.level == 1 and "." not in name and not node.module:
                continue
            for alias in node.names:
                if alias.name.startswith("_") and alias.name != "__version__":
                    crossing.append(f"{name}: {node.module}.{alias.name}")
    assert not crossing, f"private names imported across subpackages: {crossing}"


def test_modules_stay_small():
    big = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not big, f"modules over {MAX_LINES} lines (split them): {big}"
