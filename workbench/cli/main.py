"""The ``workbench`` command line: each command opens the case, calls the library, reports.

Domain errors become one line on stderr and a non-zero exit; ``--json`` prints exactly one
JSON document on stdout. The commands live in :mod:`workbench.cli.records` and
:mod:`workbench.cli.analysis`; what they share in :mod:`workbench.cli.common`.
"""

from __future__ import annotations

import sys

import click

from ..errors import WorkbenchError
from . import analysis as cli_analysis  # noqa: F401 - importing them adds their commands
from . import records as cli_records  # noqa: F401
from .common import _duckdb_interrupt, _echo, cli

__all__ = ["main", "cli"]


def main() -> None:
    """Console entry point: run the CLI, turning domain errors into one-line messages."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        _echo("interrupted: nothing was changed", err=True)
        sys.exit(130)
    except click.UsageError as exc:  # one line, like every other error
        _echo(f"error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except WorkbenchError as exc:
        _echo(f"error: {exc}", err=True)
        sys.exit(1)
    except (KeyboardInterrupt, *_duckdb_interrupt()):
        _echo("interrupted: nothing was changed", err=True)
        sys.exit(130)
    except RuntimeError as exc:  # DuckDB reports Ctrl-C during a query this way
        if "interrupted" not in str(exc).lower():
            raise
        _echo("interrupted: nothing was changed", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
