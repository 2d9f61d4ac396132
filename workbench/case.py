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

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import lookups
from .case_records import RecordsMixin
from .case_rings import RingsMixin
from .case_time import TimeMixin
from .case_views import ViewsMixin
from .errors import WorkbenchError
from .ingest import IngestReport, ingest_paths
from .normalize import (
    DEFAULT_REGION,
    DEFAULT_TZ,
    parse_id_number,
    parse_phone,
    parse_timestamp,
)
from .store import Store

if TYPE_CHECKING:
    from .graph import CaseGraph
    from .rings import RingResult

__all__ = ["Case", "INGEST_MEMORY_MB"]


def _parsed(parse, text: str) -> str | None:
    """``parse(text)``, or None when the text is not such a value."""
    try:
        return parse(text)
    except ValueError:
        return None


#: default DuckDB memory cap of an ingest, in MB
INGEST_MEMORY_MB = 1024


class Case(RingsMixin, RecordsMixin, TimeMixin, ViewsMixin):
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
        self._graphs: dict[tuple, tuple[CaseGraph, dict]] = {}
        self._memberships: dict[tuple, np.ndarray] = {}
        self._results: dict[tuple, RingResult] = {}
        self._players: dict[tuple, object] = {}
        self._records: dict[tuple, dict] = {}
        self._active: Store | None = None

    @contextmanager
    def open(self, *, write: bool = False):
        """Open the store for one block: ``with case.open() as store: ...``.

        Blocks nest: an inner read inside an outer block reuses the outer connection, so a
        compound call (a view: rings, evidence, identifiers) opens the file once.
        """
        active = self._active
        if active is not None and (not write or not active.read_only):
            yield active
            return
        store = Store(self.path, read_only=not write, wait=self.wait)
        self._active = store
        try:
            yield store
        finally:
            self._active = active
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

    def _time(self, value, store: Store) -> dt.datetime | None:
        if value is None or isinstance(value, dt.datetime):
            return value
        return parse_timestamp(str(value), tz=store.meta("timezone") or DEFAULT_TZ)

    def resolve(self, query: str) -> str:
        """The node id a user means: a person id, a phone number (its owner, or the number
        itself when nobody owns it), an exact name or a unique part of a name.

        Raises :class:`WorkbenchError` naming the query when nothing matches, and listing
        the candidates when a name is ambiguous.
        """
        q = str(query).strip()
        if not q:
            raise WorkbenchError("an empty id or name")
        with self.open() as store:
            con = store.con
            if lookups.is_person(con, q):
                return q
            number = _parsed(parse_phone, q)
            if number is not None:
                owners = lookups.owners_of_number(con, number)
                if len(owners) == 1:
                    return owners[0]
                if owners or lookups.number_in_calls(con, number):
                    return number
            if q.startswith("acct:"):
                return q
            if len(q) in (15, 18) and q[:-1].isdigit():  # a resident ID number
                idn = _parsed(parse_id_number, q)
                if idn is not None:
                    known = lookups.persons_with_id_number(con, idn)
                    if len(known) == 1:
                        return known[0]
                    if lookups.id_number_in_presence(con, idn):
                        return idn
            for exact in (True, False):
                found = lookups.persons_named(con, q, exact)
                if len(found) == 1:
                    return found[0][0]
                if found:
                    listed = ", ".join(f"{pid} {name}" for pid, name in found[:10])
                    more = " ..." if len(found) > 10 else ""
                    raise WorkbenchError(f"{q!r} matches several persons: {listed}{more}")
        raise WorkbenchError(f"no person, number or name {q!r} in this case")

    def resolve_all(self, queries: Iterable[str]) -> list[str]:
        """:meth:`resolve` for each query, in order."""
        return [self.resolve(q) for q in queries]

    def names(self, ids: Iterable[str]) -> dict[str, str]:
        """Person id -> name for the ids that are known persons."""
        with self.open() as store:
            return lookups.names(store.con, ids)

    def search(self, query: str) -> str | None:
        """The best match for a search box (:func:`workbench.lookups.search`), or None."""
        with self.open() as store:
            return lookups.search(store.con, query)

    def __repr__(self) -> str:
        return f"Case({str(self.path)!r})"
