"""The records behind links, call-record views and co-presence of a case: part of
:class:`~workbench.case.Case`.

A mixin: the methods rely on ``self._state.open()``, ``self._state.time()`` and ``self.resolve()``
of :class:`~workbench.case.Case` and on its caches.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from ..contract import DEFAULT_REGION, DEFAULT_TZ, parse_id_number, parse_phone
from ..errors import WorkbenchError
from ..evidence import (
    ID_NUMBER_NODE,
    NUMBER_NODE,
    LinkParams,
    common_contacts,
    file_names,
    frequency_matrix,
    heat_matrix,
    pair_contacts,
    records_among,
)
from ..ingest import IngestReport, ingest_paths
from ..store import Store, lookups

if TYPE_CHECKING:
    import pandas as pd

    from .facade import Case
    from .state import CaseState

__all__ = ["RecordsPart", "CALL_VIEWS", "INGEST_MEMORY_MB"]

#: default DuckDB memory cap of an ingest, in MB
INGEST_MEMORY_MB = 1024


def _parsed(parse, text: str) -> str | None:
    """``parse(text)``, or None when the text is not such a value."""
    try:
        return parse(text)
    except ValueError:
        return None

#: the call-record views :meth:`Case.call_views` can build
CALL_VIEWS = ("heat", "pairs", "frequency", "common")


class RecordsPart:
    """One part of :class:`~workbench.case.Case`: it shares the case's
    :class:`~workbench.case.state.CaseState` (store path, caches) and reaches the other parts
    through the case."""

    def __init__(self, state: CaseState, case: Case) -> None:
        self._state = state
        self._case = case

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
        """Ingest files or directories; see :func:`workbench.ingest.local.ingest_paths`.

        ``memory_mb`` caps DuckDB's memory during the ingest (it spills to disk beyond it),
        so peak memory stays flat however large the files are.
        """
        store = Store(self._state.path, wait=self._state.wait, memory_limit=memory_mb)
        try:
            return ingest_paths(store, paths, kind=kind, mapping=mapping, encoding=encoding,
                                tz=tz, region=region, progress=progress)
        finally:
            store.close()

    def rejects(self) -> list[dict]:
        """Rejected rows with file, line, column, reason and raw row."""
        with self._state.open() as store:
            return store.rejects()

    def counts(self) -> dict[str, int]:
        """Stored records per kind, and rejects."""
        with self._state.open() as store:
            return store.counts()

    def fingerprint(self) -> str:
        """Hash of the stored content; see :meth:`Store.fingerprint`."""
        with self._state.open() as store:
            return store.fingerprint()

    def resolve(self, query: str) -> str:
        """The node id a user means: a person id, a phone number (its owner, or the number
        itself when nobody owns it), an exact name or a unique part of a name.

        Raises :class:`WorkbenchError` naming the query when nothing matches, and listing
        the candidates when a name is ambiguous.
        """
        q = str(query).strip()
        if not q:
            raise WorkbenchError("an empty id or name")
        with self._state.open() as store:
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
        with self._state.open() as store:
            return lookups.names(store.con, ids)

    def owners(self, numbers: Iterable[str]) -> dict[str, list[str]]:
        """Phone number -> the persons it is registered to (an empty list: nobody)."""
        with self._state.open() as store:
            return {str(n): lookups.owners_of_number(store.con, str(n)) for n in numbers}

    def search(self, query: str) -> str | None:
        """The best match for a search box (:func:`workbench.store.lookups.search`), or None."""
        with self._state.open() as store:
            return lookups.search(store.con, query)

    def evidence(self, persons: Iterable[str], *, since=None, until=None,
                 limit: int | None = 5000) -> dict:
        """The records behind the links among ``persons`` (calls, transactions, arrests,
        kinship, and ``meetings``: hotel stays, venue sightings, trips and cells shared),
        each with source file (its name, never its folder) and line, as DataFrames, newest
        first; ``limit`` caps each kind (``None``: every record)."""
        import pandas as pd

        from ..evidence import copresence_records

        persons = sorted(set(persons))
        with self._state.open() as store:
            params = LinkParams(*self._state.window(since, until, store))
            key = ("evidence", store.fingerprint(), tuple(persons), params.since, params.until,
                   limit)
            if key not in self._state.records:
                records = records_among(store.con, persons, params, limit=limit)
                met = copresence_records(store.con, persons, params, limit=limit,
                                         cp=self._presence(store))
                frames = [df.assign(kind=kind.rstrip("s")) for kind, df in met.items()
                          if not df.empty]
                records["meetings"] = (pd.concat(frames, ignore_index=True) if frames else
                                       pd.DataFrame(columns=["kind", "person", "other",
                                                             "place", "time"]))
                self._remember(key, {k: file_names(df) for k, df in records.items()})
        return {k: df.copy() for k, df in self._state.records[key].items()}

    def _remember(self, key: tuple, value: dict) -> None:
        """Keep record queries (a pure function of data, persons and window) for re-use:
        a filter change that keeps a ring's members shows the same records."""
        self._state.records = {**dict(list(self._state.records.items())[-15:]), key: value}

    def common_contacts(self, phones: Iterable[str], *, min_shared: int = 2):
        """Numbers in contact with at least ``min_shared`` of ``phones`` (a DataFrame)."""

        with self._state.open() as store:
            return common_contacts(store.con, [parse_phone(p) for p in phones],
                                   min_shared=min_shared)

    def call_views(self, persons: Iterable[str], *, since=None, until=None,
                   views: Iterable[str] = CALL_VIEWS) -> dict:
        """Call-record views of persons' numbers: hour x weekday heat matrix (``heat``),
        first and last contact per pair (``pairs``), call-frequency matrix (``frequency``),
        common contacts (``common``), as DataFrames; ``views`` picks which."""
        builders = {"heat": heat_matrix, "pairs": pair_contacts, "frequency": frequency_matrix,
                    "common": common_contacts}
        wanted = list(views)
        unknown = set(wanted) - set(builders)
        if unknown:
            raise WorkbenchError(f"unknown call view(s) {sorted(unknown)}; views: {CALL_VIEWS}")
        persons = sorted(set(self.resolve_all(persons)))
        with self._state.open() as store:
            window = LinkParams(*self._state.window(since, until, store))
            key = ("calls", store.fingerprint(), tuple(persons), window.since, window.until,
                   tuple(wanted))
            if key not in self._state.records:
                phones = sorted(set(lookups.numbers_of(store.con, persons))
                                | {p for p in persons if NUMBER_NODE.match(p)})
                out: dict = {"phones": phones}
                for name in wanted:
                    out[name] = builders[name](store.con, phones, window)
                self._remember(key, out)
        return {k: v.copy() for k, v in self._state.records[key].items()}  # lists and DataFrames

    def together(self, person: str, place: str | None = None, *, since=None,
                 until=None, limit: int = 5000) -> pd.DataFrame:
        """Who was with ``person`` (an id, number or name) at ``place`` (any place when
        None): hotel stays, venue sightings, trips and cells shared, with both records'
        file and line (:func:`workbench.evidence.copresence.together`)."""
        from ..evidence import together

        pid = self.resolve(person)
        with self._state.open() as store:
            params = LinkParams(*self._state.window(since, until, store))
            return file_names(together(store.con, pid, place=place, params=params,
                                       limit=limit, cp=self._presence(store)))

    def _presence(self, store):
        """Co-presence settings with the venue and cell windows the data gives
        (:func:`~workbench.evidence.presence.derive_windows`, two passes over the visits and
        calls) derived once per data, not per ring or person shown."""
        from ..evidence.presence import CoPresenceParams, derive_windows

        def derived() -> CoPresenceParams:
            w = derive_windows(store.con, CoPresenceParams())
            return CoPresenceParams(venue_window_min=w["venue_window_min"],
                                    cell_window_min=w["cell_window_min"])

        return self._state.remember("presence", self._state.token(store), derived)

    def identifiers(self, persons: list[str], net, records: dict, hubs: list[dict]) -> dict:
        """Every phone, account, ID number and name a view of these persons can show."""
        with self._state.open() as store:
            out = lookups.identifiers_of(store.con, persons)
        for n, d in net.nodes(data=True):  # nodes that are identifiers themselves
            if str(n).startswith("acct:"):
                out.setdefault(str(n)[5:], "account")
            elif d.get("kind") == "phone":
                out.setdefault(str(n), "phone")
            elif ID_NUMBER_NODE.match(str(n)):
                out.setdefault(str(n), "id_number")
        for rows, cols, kind in ((records.get("calls", []), ("caller", "callee"), "phone"),
                                 (records.get("transactions", []),
                                  ("from_account", "to_account"), "account")):
            for row in rows:
                for c in cols:
                    if row.get(c):
                        out.setdefault(str(row[c]), kind)
        for hub in hubs:
            out.setdefault(str(hub["id"]), "phone" if hub["kind"] == "phone" else "account")
        return out
