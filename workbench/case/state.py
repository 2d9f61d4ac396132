"""The state the parts of a :class:`~workbench.case.Case` share: the store's path, how long to
wait for it, the open connection of the current block, and the caches of built graphs, ring
results, key players and records (each keyed by the data's fingerprint and the request, so a
write to the store makes them miss).

Examples
--------
>>> import tempfile, os
>>> state = CaseState(os.path.join(tempfile.mkdtemp(), "case.duckdb"))
>>> state.graphs
{}
"""

from __future__ import annotations

import datetime as dt
import os
from contextlib import contextmanager
from pathlib import Path

from ..contract import DEFAULT_TZ, parse_timestamp
from ..errors import WorkbenchError
from ..store import Store
from .cache import AnalysisCache, data_token

__all__ = ["CaseState", "case_time", "case_window"]


class CaseState:
    """What the parts of a case share.

    Parameters
    ----------
    path : str or Path
        The DuckDB case file (created on the first write).
    wait : float
        Seconds to wait for another process to release the file.
    """

    def __init__(self, path: str | os.PathLike, wait: float = 5.0) -> None:
        self.path = Path(path)
        self.wait = wait
        #: (fingerprint, link params) -> (CaseGraph, info)
        self.graphs: dict[tuple, tuple] = {}
        #: graph key -> last Leiden membership (for warm starts)
        self.memberships: dict[tuple, object] = {}
        #: (fingerprint, RingRequest) -> RingResult
        self.results: dict[tuple, object] = {}
        #: key players per request
        self.players: dict[tuple, object] = {}
        #: (data token, since, until) -> the money search's patterns of that window
        self.patterns: dict[tuple, object] = {}
        #: (data token, graph digest) -> key players' betweenness and its params
        self.between: dict[tuple, tuple] = {}
        #: data token -> registration county per person (the regional flag)
        self.codes: dict[str, dict] = {}
        #: a view's node scores under filters, per graph options and ring list
        self.scores: dict[tuple, dict] = {}
        #: data token -> co-presence settings with the data's windows
        self.presence: dict[str, object] = {}
        #: records behind links per request
        self.records: dict[tuple, dict] = {}
        #: the store of the block being run, if any (blocks nest)
        self.active: Store | None = None
        #: the analysis kept in the store (read in any block, written read-write)
        self.cache = AnalysisCache()
        self._tokens: dict[int, str] = {}

    @contextmanager
    def open(self, *, write: bool = False):
        """Open the store for one block: ``with state.open() as store: ...``.

        Blocks nest: an inner read inside an outer block reuses the outer connection, so a
        compound call (a view: rings, evidence, identifiers) opens the file once.
        """
        active = self.active
        if active is not None and (not write or not active.read_only):
            yield active
            return
        store = Store(self.path, read_only=not write, wait=self.wait)
        self.active = store
        try:
            yield store
        finally:
            self.active = active
            self._tokens.pop(id(store), None)
            store.close()
        if active is None and self.cache.pending and (write or not self.cache.defer):
            # briefly: another reader (a notebook) keeps it from being written, and then the
            # analysis is simply not kept rather than waited for
            self.cache.flush(lambda: Store(self.path, read_only=False,
                                           wait=min(self.wait, 0.5)))

    def remember(self, slot: str, key, compute, keep: int = 1):
        """The value kept in the memo ``slot`` (one of the dicts above) for ``key``,
        computed by ``compute()`` the first time; the newest ``keep`` keys stay.

        >>> state = CaseState("unused.duckdb")
        >>> state.remember("codes", "t1", lambda: {"P1": "330102"})
        {'P1': '330102'}
        >>> state.remember("codes", "t1", lambda: {}), list(state.codes)
        ({'P1': '330102'}, ['t1'])
        """
        table = getattr(self, slot)
        if key not in table:
            older = list(table.items())[-(keep - 1):] if keep > 1 else []
            table = {**dict(older), key: compute()}
            setattr(self, slot, table)
        return table[key]

    def token(self, store: Store) -> str:
        """The data token of the open store (:func:`~workbench.case.cache.data_token`),
        computed once per block."""
        if id(store) not in self._tokens:
            self._tokens[id(store)] = data_token(store)
        return self._tokens[id(store)]

    def time(self, value, store: Store, name: str = "time") -> dt.datetime | None:
        """:func:`case_time` (a user's time in the case's zone, or a one-line error)."""
        return case_time(value, store, name)

    def window(self, since, until, store: Store) -> tuple:
        """:func:`case_window` (``(since, until)``, or an error when inverted)."""
        return case_window(since, until, store)


def case_time(value, store: Store, name: str = "time") -> dt.datetime | None:
    """A user's time (text or datetime) as an aware datetime in the case's zone; a
    one-line error naming the option (``--since``) when it is not a time."""
    if value is None or isinstance(value, dt.datetime):
        return value
    try:
        return parse_timestamp(str(value), tz=store.meta("timezone") or DEFAULT_TZ)
    except ValueError as exc:
        raise WorkbenchError(f"--{name}: {exc} (write YYYY-MM-DD or YYYY-MM-DD HH:MM, "
                             "the case's local time)") from None


def case_window(since, until, store: Store) -> tuple:
    """``(since, until)`` as aware datetimes; an error when the window ends before it
    starts."""
    lo, hi = case_time(since, store, "since"), case_time(until, store, "until")
    if lo is not None and hi is not None and lo > hi:
        raise WorkbenchError(f"the window ends ({until}) before it starts ({since}): "
                             "swap --since and --until")
    return lo, hi
