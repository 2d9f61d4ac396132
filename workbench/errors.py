"""Domain errors: the CLI turns these into one-line messages, never tracebacks."""

from __future__ import annotations

__all__ = [
    "WorkbenchError",
    "InputFileError",
    "StoreBusyError",
    "StoreVersionError",
    "EngineError",
    "CutError",
]


class WorkbenchError(Exception):
    """Base class of every error the workbench reports to a user.

    Examples
    --------
    >>> str(WorkbenchError("no such case store"))
    'no such case store'
    """


class InputFileError(WorkbenchError):
    """A file cannot be ingested at all: unknown kind, unreadable, missing columns."""


class StoreBusyError(WorkbenchError):
    """The case store is held open for writing by another process."""


class StoreVersionError(WorkbenchError):
    """The case store was written by another schema version or is not a case store."""


class EngineError(WorkbenchError):
    """A query engine is missing, misconfigured or refused a statement."""


class CutError(WorkbenchError):
    """The suspicious-subgraph cut was asked for with parameters that make no sense."""
