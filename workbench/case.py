"""``Case``: the facade the CLI and the notebook widgets use.

A ``Case`` knows the path of a case store and opens it only for the time of each call, so a
notebook never holds the file lock between cells.

Examples
--------
>>> import tempfile, os
>>> case = Case(os.path.join(tempfile.mkdtemp(), "case.duckdb"))
>>> case.counts()
Traceback (most recent call last):
...
workbench.errors.WorkbenchError: no case store at ...case.duckdb
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from pathlib import Path

from .ingest import IngestReport, ingest_paths
from .normalize import DEFAULT_REGION, DEFAULT_TZ
from .store import Store

__all__ = ["Case", "INGEST_MEMORY_MB"]

#: default DuckDB memory cap of an ingest, in MB
INGEST_MEMORY_MB = 1024


class Case:
    """A case store by path; every method opens, works and closes.

    Parameters
    ----------
    path : str or Path
        The DuckDB case file (created on the first write).
    wait : float
        Seconds to wait for another process to release the file.
    """

    def __init__(self, path: str | os.PathLike, *, wait: float = 5.0) -> None:
        self.path = Path(path)
        self.wait = wait

    @contextmanager
    def open(self, *, write: bool = False):
        """Open the store for one block: ``with case.open() as store: ...``."""
        store = Store(self.path, read_only=not write, wait=self.wait)
        try:
            yield store
        finally:
            store.close()

    def ingest(
        self,
        paths: Iterable[str | os.PathLike],
        *,
        kind: str | None = None,
        mapping: Mapping[str, Mapping[str, str]] | None = None,
        encoding: str | None = None,
        tz: str = DEFAULT_TZ,
        region: str = DEFAULT_REGION,
        progress: bool = False,
        memory_mb: int | None = INGEST_MEMORY_MB,
    ) -> IngestReport:
        """Ingest files or directories; see :func:`workbench.ingest.ingest_paths`.

        ``memory_mb`` caps DuckDB's memory during the ingest (it spills to disk beyond it),
        so peak memory stays flat however large the files are.
        """
        store = Store(self.path, wait=self.wait, memory_limit=memory_mb)
        try:
            return ingest_paths(store, paths, kind=kind, mapping=mapping, encoding=encoding,
                                tz=tz, region=region, progress=progress)
        finally:
            store.close()

    def rejects(self) -> list[dict]:
        """Rejected rows with file, line, column, reason and raw row."""
        with self.open() as store:
            return store.rejects()

    def counts(self) -> dict[str, int]:
        """Stored records per kind, and rejects."""
        with self.open() as store:
            return store.counts()

    def fingerprint(self) -> str:
        """Hash of the stored content; see :meth:`Store.fingerprint`."""
        with self.open() as store:
            return store.fingerprint()

    def __repr__(self) -> str:
        return f"Case({str(self.path)!r})"
