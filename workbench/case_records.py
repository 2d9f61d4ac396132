"""The records behind links, call-record views and co-presence of a case: part of
:class:`workbench.case.Case`.

A mixin: the methods rely on ``self.open()``, ``self._time()`` and ``self.resolve()``
of :class:`workbench.case.Case` and on its caches.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from . import lookups
from .callsql import ID_NUMBER_NODE, NUMBER_NODE
from .cdr import frequency_matrix, heat_matrix, pair_contacts
from .errors import WorkbenchError
from .links import LinkParams, common_contacts, records_among
from .normalize import (
    parse_phone,
)

__all__ = ["RecordsMixin", "CALL_VIEWS"]

#: the call-record views :meth:`Case.call_views` can build
CALL_VIEWS = ("heat", "pairs", "frequency", "common")


class RecordsMixin:
    """Methods of :class:`workbench.case.Case` (see the module docstring)."""

    def evidence(self, persons: Iterable[str], *, since=None, until=None,
                 limit: int = 5000) -> dict:
        """The records behind the links among ``persons`` (calls, transactions, arrests,
        kinship, and ``meetings``: hotel stays, venue sightings, trips and cells shared),
        each with source file and line, as DataFrames."""
        from .copresence import copresence_records

        persons = sorted(set(persons))
        with self.open() as store:
            params = LinkParams(since=self._time(since, store), until=self._time(until, store))
            key = ("evidence", store.fingerprint(), tuple(persons), params.since, params.until,
                   limit)
            if key not in self._records:
                records = records_among(store.con, persons, params, limit=limit)
                met = copresence_records(store.con, persons, params, limit=limit)
                frames = [df.assign(kind=kind.rstrip("s")) for kind, df in met.items()
                          if not df.empty]
                records["meetings"] = (pd.concat(frames, ignore_index=True) if frames else
                                       pd.DataFrame(columns=["kind", "person", "other",
                                                             "place", "time"]))
                self._remember(key, records)
        return {k: df.copy() for k, df in self._records[key].items()}

    def _remember(self, key: tuple, value: dict) -> None:
        """Keep record queries (a pure function of data, persons and window) for re-use:
        a filter change that keeps a ring's members shows the same records."""
        self._records = {**dict(list(self._records.items())[-15:]), key: value}

    def common_contacts(self, phones: Iterable[str], *, min_shared: int = 2):
        """Numbers in contact with at least ``min_shared`` of ``phones`` (a DataFrame)."""

        with self.open() as store:
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
        with self.open() as store:
            window = LinkParams(since=self._time(since, store), until=self._time(until, store))
            key = ("calls", store.fingerprint(), tuple(persons), window.since, window.until,
                   tuple(wanted))
            if key not in self._records:
                phones = sorted(set(lookups.numbers_of(store.con, persons))
                                | {p for p in persons if NUMBER_NODE.match(p)})
                out: dict = {"phones": phones}
                for name in wanted:
                    out[name] = builders[name](store.con, phones, window)
                self._remember(key, out)
        return {k: v.copy() for k, v in self._records[key].items()}  # lists and DataFrames

    def together(self, person: str, place: str | None = None, *, since=None,
                 until=None, limit: int = 5000) -> pd.DataFrame:
        """Who was with ``person`` (an id, number or name) at ``place`` (any place when
        None): hotel stays, venue sightings, trips and cells shared, with both records'
        file and line (:func:`workbench.copresence.together`)."""
        from .copresence import together

        pid = self.resolve(person)
        with self.open() as store:
            params = LinkParams(since=self._time(since, store), until=self._time(until, store))
            return together(store.con, pid, place=place, params=params, limit=limit)

    def _identifiers(self, persons: list[str], net, records: dict, hubs: list[dict]) -> dict:
        """Every phone, account, ID number and name a view of these persons can show."""
        with self.open() as store:
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
