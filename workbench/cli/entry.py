"""The ``workbench`` console entry point, safe against Ctrl-C while the CLI is still loading.

Importing the command line pulls in DuckDB, numpy and pandas, which takes a moment on a cold
machine; an interrupt in that moment must end with a one-line message, like any other.

Examples
--------
>>> from workbench.cli.entry import run
>>> callable(run)
True
"""

from __future__ import annotations

import gc
import importlib.abc
import importlib.util
import sys

INTERRUPTED = "interrupted: nothing was changed"


class _IgraphWithoutDrawing(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Loads ``igraph`` with matplotlib hidden while its modules run: igraph imports
    ``matplotlib.pyplot`` at start-up for its own plotting (0.6 CPU-s of every ring command),
    which the command line never uses. Only for the command-line process, which runs no
    user code; a notebook's ``import workbench`` leaves igraph whole. matplotlib itself stays
    importable (the diagrams import it later as usual); only igraph's plotting is off.
    """

    def __init__(self) -> None:
        self.loader = None

    def find_spec(self, name, path=None, target=None):
        if name != "igraph":
            return None
        sys.meta_path.remove(self)  # once: the real finders locate it
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or "matplotlib" in sys.modules:
            return spec
        self.loader, spec.loader = spec.loader, self
        return spec

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        sys.modules["matplotlib"] = None  # an ImportError for igraph: its drawing is a stub
        try:
            self.loader.exec_module(module)
        finally:
            sys.modules.pop("matplotlib", None)


def run() -> None:
    """Import the CLI and run it; an interrupt during the import exits 130 with one line.

    When the command has ended, the collector is told that every object left is permanent
    (``gc.freeze``): the interpreter's shutdown then frees what its references free, and
    leaves the cycles among what is left (modules, classes, a search's data) to the end of
    the process instead of collecting them (0.13-0.25 s of every ``rings`` at 2M calls).
    Nothing is lost: the command has closed its store and every file it wrote by then
    (all are written in ``with`` blocks), and standard output is flushed as always."""
    if "igraph" not in sys.modules:
        sys.meta_path.insert(0, _IgraphWithoutDrawing())
    try:
        from .main import main
    except KeyboardInterrupt:
        sys.stderr.write(INTERRUPTED + "\n")
        sys.exit(130)
    # a command is one short process: the collector looks for cycles every 50,000 new
    # objects instead of every 700 (at 2M calls: 330 collections, 0.2 s of a rings, -> 13,
    # 0.07 s; memory the same); notebooks keep Python's default
    gc.set_threshold(50_000, *gc.get_threshold()[1:])
    try:
        main()
    finally:
        gc.freeze()
