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

import sys

INTERRUPTED = "interrupted: nothing was changed"


def run() -> None:
    """Import the CLI and run it; an interrupt during the import exits 130 with one line."""
    try:
        from .main import main
    except KeyboardInterrupt:
        sys.stderr.write(INTERRUPTED + "\n")
        sys.exit(130)
    main()
