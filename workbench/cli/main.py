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
from . import caseteam as cli_caseteam  # noqa: F401
from . import identity as cli_identity  # noqa: F401
from . import money as cli_money  # noqa: F401
from . import people as cli_people  # noqa: F401
from . import records as cli_records  # noqa: F401
from .common import _duckdb_interrupt, _echo, cli

__all__ = ["main", "cli", "fault_message"]


_DISK_FULL = ("no space left", "disk full", "not enough space", "disk quota")
_DAMAGED = ("could not read enough bytes", "corrupt", "checksum", "invalid block",
            "not a valid duckdb", "failed to load metadata", "database file is damaged")


def fault_message(exc: BaseException) -> str | None:
    """One line for a fault of the machine or the store (a full disk, a damaged or
    unreadable file), saying what happened and what to do; ``None`` for anything else.

    Examples
    --------
    >>> fault_message(OSError(28, "No space left on device"))
    'the disk is full: nothing was changed in the case store; free some space and retry'
    >>> fault_message(RuntimeError('IO Error: Could not read enough bytes from "c.duckdb"'))[:40]
    'the case store is damaged (truncated or '
    >>> fault_message(ValueError("something else")) is None
    True
    """
    text = " ".join(str(exc).split())
    low = text.lower()
    first = text.split(" Stack Trace")[0][:160]
    if isinstance(exc, OSError) and exc.errno == 28 or any(m in low for m in _DISK_FULL):
        return ("the disk is full: nothing was changed in the case store; free some space "
                "and retry")
    if any(m in low for m in _DAMAGED):
        return ("the case store is damaged (truncated or corrupt: " + first + "); restore it "
                "from a backup, or ingest the exports again into a new store "
                "(workbench ingest --db NEW.duckdb FILES...)")
    if isinstance(exc, PermissionError):
        return f"permission denied: {exc.filename or text}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    if type(exc).__module__.split(".")[0] in ("duckdb", "_duckdb"):
        return f"database error: {first}"
    return None


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
        _echo(f"error: {fault_message(exc) or exc}", err=True)
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
    except Exception as exc:  # a fault (disk, damaged store): one line, never a traceback
        message = fault_message(exc)
        if message is None:
            raise
        _echo(f"error: {message}", err=True)
        sys.exit(1)
