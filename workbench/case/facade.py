"""``Case``: the facade the CLI and the notebook widgets use.

A ``Case`` knows the path of a case store and opens it only for the time of each call, so a
notebook never holds the file lock between cells. It is composed of parts that share one
:class:`~workbench.case.state.CaseState` (path, open connection, caches), as splink's
``Linker`` holds ``linker.inference`` and ``linker.training``: ``case.parts.records`` (ingest,
lookups, the records behind links), ``case.parts.rings`` (graph, rings, key players, paths),
``case.parts.time`` (successors, phone links, evolution), ``case.parts.views`` (what a
view shows) and ``case.parts.identity`` (who records name, decisions). Each public method
of a part is also a method of the case (a one-line delegate), so ``case.rings(...)`` and
``case.parts.rings.rings(...)`` are the same call.

Examples
--------
>>> import tempfile, os
>>> case = Case(os.path.join(tempfile.mkdtemp(), "case.duckdb"))
>>> case.counts()
Traceback (most recent call last):
...
workbench.errors.WorkbenchError: no case store at ...case.duckdb
>>> sorted(vars(case.parts))
['identity', 'records', 'report', 'rings', 'team', 'time', 'views']
"""

from __future__ import annotations

import functools
import os
from types import SimpleNamespace

from .identity import IdentityPart
from .over_time import TimePart
from .records import INGEST_MEMORY_MB, RecordsPart
from .report import ReportPart
from .rings import RingsPart
from .state import CaseState
from .team import TeamPart
from .views import ViewsPart

__all__ = ["Case", "INGEST_MEMORY_MB"]


def _delegate(part: str, method):
    """A method of :class:`Case` that calls ``method`` on the part ``part`` (same signature
    and docstring, so ``help(case.rings)`` reads as before)."""

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        return getattr(getattr(self.parts, part), method.__name__)(*args, **kwargs)

    return call


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
        self.state = CaseState(path, wait)
        self.parts = SimpleNamespace(records=RecordsPart(self.state, self),
                                     rings=RingsPart(self.state, self),
                                     time=TimePart(self.state, self),
                                     views=ViewsPart(self.state, self),
                                     team=TeamPart(self.state, self),
                                     report=ReportPart(self.state, self),
                                     identity=IdentityPart(self.state, self))

    @property
    def path(self):
        """The case file's path."""
        return self.state.path

    @property
    def wait(self) -> float:
        """Seconds to wait for another process to release the file."""
        return self.state.wait

    def open(self, *, write: bool = False):
        """Open the store for one block: ``with case.open() as store: ...`` (blocks nest)."""
        return self.state.open(write=write)

    # records: :class:`~workbench.case.records.RecordsPart`
    ingest = _delegate("records", RecordsPart.ingest)
    rejects = _delegate("records", RecordsPart.rejects)
    counts = _delegate("records", RecordsPart.counts)
    fingerprint = _delegate("records", RecordsPart.fingerprint)
    resolve = _delegate("records", RecordsPart.resolve)
    resolve_all = _delegate("records", RecordsPart.resolve_all)
    names = _delegate("records", RecordsPart.names)
    owners = _delegate("records", RecordsPart.owners)
    search = _delegate("records", RecordsPart.search)
    evidence = _delegate("records", RecordsPart.evidence)
    common_contacts = _delegate("records", RecordsPart.common_contacts)
    call_views = _delegate("records", RecordsPart.call_views)
    together = _delegate("records", RecordsPart.together)

    # rings: :class:`~workbench.case.rings.RingsPart`
    graph = _delegate("rings", RingsPart.graph)
    rings = _delegate("rings", RingsPart.rings)
    rank = _delegate("rings", RingsPart.rank)
    paths = _delegate("rings", RingsPart.paths)
    network = _delegate("rings", RingsPart.network)
    centrality = _delegate("rings", RingsPart.centrality)
    disruption = _delegate("rings", RingsPart.disruption)

    # time: :class:`~workbench.case.over_time.TimePart`
    successors = _delegate("time", TimePart.successors)
    link_phone = _delegate("time", TimePart.link_phone)
    unlink_phone = _delegate("time", TimePart.unlink_phone)
    phone_links = _delegate("time", TimePart.phone_links)
    evolution = _delegate("time", TimePart.evolution)
    temporal_path = _delegate("time", TimePart.temporal_path)

    # views: :class:`~workbench.case.views.ViewsPart`
    view = _delegate("views", ViewsPart.view)
    to_pyvis = _delegate("views", ViewsPart.to_pyvis)

    # the case team: :class:`~workbench.case.team.TeamPart`
    note = _delegate("team", TeamPart.note)
    notes = _delegate("team", TeamPart.notes)
    log = _delegate("team", TeamPart.log)
    verify_log = _delegate("team", TeamPart.verify_log)
    log_action = _delegate("team", TeamPart.log_action)
    hits = _delegate("team", TeamPart.hits)
    hits_export = _delegate("team", TeamPart.hits_export)
    seen_elsewhere = _delegate("team", TeamPart.seen_elsewhere)

    # the prosecutor's report: :class:`~workbench.case.report.ReportPart`
    report = _delegate("report", ReportPart.report)
    verify_report = _delegate("report", ReportPart.verify_report)
    # identity: :class:`~workbench.case.identity.IdentityPart`
    identities = _delegate("identity", IdentityPart.identities)
    decide = _delegate("identity", IdentityPart.decide)

    def __repr__(self) -> str:
        return f"Case({str(self.path)!r})"
