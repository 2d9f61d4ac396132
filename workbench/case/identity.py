"""Who records name, and the analysts' decisions on it: part of :class:`~workbench.case.Case`.

Examples
--------
>>> import tempfile, os
>>> from workbench.case import Case
>>> case = Case(os.path.join(tempfile.mkdtemp(), "case.duckdb"))
>>> case.decide("merge", "P1", "P2")
Traceback (most recent call last):
...
workbench.errors.WorkbenchError: unknown person 'P1'
>>> case.identities()["records"]
[]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import WorkbenchError
from ..identity import add_decision, parse_ref, resolve, undo_decision
from ..identity.decisions import list_decisions
from ..identity.review import contradicting_use, identities, params, phone_overlaps
from ..store import log_action

if TYPE_CHECKING:
    from .facade import Case
    from .state import CaseState

__all__ = ["IdentityPart"]


class IdentityPart:
    """One part of :class:`~workbench.case.Case`: attribution of records to persons."""

    def __init__(self, state: CaseState, case: Case) -> None:
        self._state = state
        self._case = case

    def identities(self, *, review: bool = False, person: str | None = None,
                   kind: str | None = None, limit: int | None = None) -> dict:
        """How records were attributed (``{"records": [...]}``); with ``review``, the
        unresolved and uncertain records, overlapping phone periods (``overlaps``) and
        numbers whose use contradicts their subscriber (``contradictions``), and the
        decisions taken (``decisions``)."""
        with self._state.open() as store:
            con = store.con
            doc = {"records": identities(con, review=review, person=person, kind=kind,
                                         limit=limit),
                   "params": params(con)}
            if review:
                doc["overlaps"] = phone_overlaps(con)
                doc["contradictions"] = contradicting_use(con)
                doc["decisions"] = [
                    {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                     for k, v in d.items()} for d in list_decisions(con)]
        return doc

    def decide(self, action: str, target: str | None = None, other: str | None = None, *,
               by: str | None = None, why: str | None = None,
               undo: int | None = None) -> dict:
        """Record a decision (``accept``, ``reject``, ``merge``, ``split``) or undo one
        (``undo=DECISION_ID``, ``action`` ignored), then resolve again; returns the decision
        id and the resolution's counts.

        ``target`` and ``other`` are records (``KIND:SOURCE:LINE``) or person ids; an
        ``accept`` or ``reject`` of a record without a person means the person the record
        is attributed to now (or its best candidate, when unresolved).
        """
        with self._state.open(write=True) as store:
            with store.transaction() as con:
                if undo is not None:
                    undo_decision(con, int(undo), by=by, why=why)
                    decision_id = int(undo)
                else:
                    if target is None:
                        raise WorkbenchError(f"{action}: name a record or a person")
                    ref = parse_ref(target)
                    if other is None and isinstance(ref, tuple) and action in ("accept",
                                                                               "reject"):
                        row = con.execute(
                            "SELECT coalesce(person_id, candidate) FROM identity_records "
                            "WHERE kind = ? AND _source = ? AND _line = ?", list(ref)
                        ).fetchall()
                        other = row[0][0] if row else None
                        if other is None and row:
                            raise WorkbenchError(f"{target} has no person to {action}; "
                                                 "name one")
                    decision_id = add_decision(con, action, target, other, by=by, why=why)
                counts = resolve(con)
                # the case's action log (hash-chained), in the same transaction
                log_action(con, "identity", {
                    "decision": decision_id, "action": "undo" if undo is not None else action,
                    "target": target, "other": other, "why": why}, actor=by)
        return {"decision_id": decision_id, "identity": counts}
