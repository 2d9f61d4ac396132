"""Analysts' decisions on who records name: stored, logged, reversible, applied transitively.

A decision is one row of ``identity_decisions`` (who, when, why); undoing it marks it undone
(who, when, why) and never deletes it. Every resolution applies the active decisions, in the
order they were taken, so they hold across later ingests:

``accept RECORD [PERSON]``
    the record names this person (default: the person it is attributed to now);
``reject RECORD [PERSON]``
    the record does not name this person (default: the one it is attributed to now);
``merge A B``
    two persons are one (union-find: merges chain); a record and a person: ``accept``;
``split A B``
    two persons are not one: no merge joins them (a later merge that would is skipped and
    reported); a record and a person: ``reject``.

A record is written ``KIND:SOURCE:LINE`` (``phones:2:15``: line 15 of source 2), as
``workbench identities`` lists it; anything else is a person id.

Examples
--------
>>> parse_ref("phones:2:15"), parse_ref("P000001")
(('phones', 2, 15), 'P000001')
>>> plan = DecisionPlan.build([(1, "merge", "P1", "P2"), (2, "merge", "P2", "P3"),
...                            (3, "split", "P1", "P4"), (4, "merge", "P3", "P4")])
>>> plan.canonical("P3"), plan.canonical("P4"), plan.conflicts
('P1', 'P4', [4])
>>> DecisionPlan.build([(1, "merge", "P1", "P2"), (2, "split", "P2", "P1")]).canonical("P2")
'P2'
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import duckdb

from ..contract import PERSON_KINDS
from ..errors import WorkbenchError

__all__ = ["ACTIONS", "parse_ref", "record_key", "DecisionPlan", "add_decision",
           "undo_decision", "active_decisions", "list_decisions"]

log = logging.getLogger(__name__)

ACTIONS = ("accept", "reject", "merge", "split")


def parse_ref(text: str) -> tuple[str, int, int] | str:
    """A record reference ``(kind, source, line)``, or a person id (the text itself).

    >>> parse_ref("stays:3:7")
    ('stays', 3, 7)
    """
    parts = text.split(":")
    if len(parts) == 3 and parts[0] in PERSON_KINDS and parts[1].isdigit() \
            and parts[2].isdigit():
        return parts[0], int(parts[1]), int(parts[2])
    return text


def record_key(kind: str, source: int, line: int) -> str:
    """The reference of a record, as :func:`parse_ref` reads it.

    >>> record_key("phones", 2, 15)
    'phones:2:15'
    """
    return f"{kind}:{source}:{line}"


@dataclass
class DecisionPlan:
    """The active decisions, ready to apply: canonical persons, forced and banned records."""

    parent: dict[str, str] = field(default_factory=dict)
    apart: set[frozenset] = field(default_factory=set)
    forced: dict[tuple, str | None] = field(default_factory=dict)
    banned: dict[tuple, set[str]] = field(default_factory=dict)
    conflicts: list[int] = field(default_factory=list)

    def _find(self, x: str) -> str:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while self.parent.get(x, x) != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def canonical(self, person: str | None) -> str | None:
        """The person ``person`` was merged into (itself when never merged)."""
        return None if person is None else self._find(person)

    def _members(self, root: str) -> set[str]:
        return {p for p in self.parent if self._find(p) == root} | {root}

    def _merge(self, a: str, b: str, rank) -> bool:
        ra, rb = self._find(a), self._find(b)
        if ra == rb:
            return True
        ma, mb = self._members(ra), self._members(rb)
        if any(frozenset((x, y)) in self.apart for x in ma for y in mb):
            return False
        keep, drop = sorted((ra, rb), key=rank)
        self.parent[drop] = keep
        self.parent.setdefault(keep, keep)
        return True

    @classmethod
    def build(cls, decisions, rank=None, current=None) -> DecisionPlan:
        """A plan from ``(decision_id, action, target, other)`` rows in decision order.

        ``rank(person)`` orders the persons of a merge (the first stays: a registry person
        before one made from an ID number); ``current(record)`` gives a record's person for
        an ``accept`` or ``reject`` that names none.
        """
        rank = rank or (lambda p: (0, p))
        plan = cls()
        merges: list[tuple] = []
        for decision_id, action, target, other in decisions:
            a, b = parse_ref(target), (parse_ref(other) if other else None)
            if isinstance(a, str) and isinstance(b, tuple):
                a, b = b, a
            if isinstance(a, tuple):  # a record
                person = b if isinstance(b, str) else (current(a) if current else None)
                if action in ("accept", "merge"):
                    plan.forced[a] = person
                    plan.banned.get(a, set()).discard(person)
                elif person is not None:  # reject, split
                    plan.banned.setdefault(a, set()).add(person)
                    if plan.forced.get(a) == person:
                        del plan.forced[a]
                continue
            if b is None:
                continue
            if action == "merge":
                merges.append((decision_id, a, b))
                if not plan._merge(a, b, rank):
                    plan.conflicts.append(decision_id)
                    log.warning("decision %s: merge of %s and %s skipped: a split keeps "
                                "them apart", decision_id, a, b)
            elif action == "split":
                plan.apart.add(frozenset((a, b)))
                if plan._find(a) == plan._find(b):  # the split wins: replay the merges
                    plan.parent = {}
                    plan.conflicts = [c for c in plan.conflicts
                                      if c not in {m[0] for m in merges}]
                    for mid, x, y in merges:
                        if not plan._merge(x, y, rank):
                            plan.conflicts.append(mid)
        return plan


def active_decisions(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """``(decision_id, action, target, other)`` of the decisions not undone, in order."""
    return con.execute(
        "SELECT decision_id, action, target, other FROM identity_decisions "
        "WHERE undone_at IS NULL ORDER BY decision_id").fetchall()


def list_decisions(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every decision, undone ones included, as dicts."""
    cur = con.execute("SELECT * FROM identity_decisions ORDER BY decision_id")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _check_ref(con: duckdb.DuckDBPyConnection, text: str) -> None:
    ref = parse_ref(text)
    if isinstance(ref, tuple):
        kind, source, line = ref
        if not con.execute(f"SELECT 1 FROM {kind} WHERE _source = ? AND _line = ?",
                           [source, line]).fetchall():
            raise WorkbenchError(f"unknown record {text!r} (write KIND:SOURCE:LINE as "
                                 "`workbench identities` lists it)")
        return
    given = " UNION ALL ".join(f"SELECT 1 FROM {k} WHERE given_person_id = ?"
                               for k in PERSON_KINDS)
    known = con.execute(  # a person merged away is still known by its given id
        f"SELECT 1 FROM identity_persons WHERE person_id = ? UNION ALL {given} LIMIT 1",
        [text] * (1 + len(PERSON_KINDS))).fetchall()
    if not known:
        raise WorkbenchError(f"unknown person {text!r}")


def add_decision(con: duckdb.DuckDBPyConnection, action: str, target: str,
                 other: str | None = None, *, by: str | None = None,
                 why: str | None = None) -> int:
    """Store a decision (inside the caller's transaction); return its id.

    Raises
    ------
    WorkbenchError
        An unknown action, record or person, or a merge / split without a second party.
    """
    if action not in ACTIONS:
        raise WorkbenchError(f"unknown decision {action!r} (one of: {', '.join(ACTIONS)})")
    _check_ref(con, target)
    if other is not None:
        _check_ref(con, other)
    elif action in ("merge", "split"):
        raise WorkbenchError(f"{action} needs two persons (or a record and a person)")
    elif not isinstance(parse_ref(target), tuple):
        raise WorkbenchError(f"{action} takes a record (KIND:SOURCE:LINE), got {target!r}")
    if other is not None and isinstance(parse_ref(target), tuple) \
            and isinstance(parse_ref(other), tuple):
        raise WorkbenchError("a decision joins a record and a person, or two persons")
    decision_id = con.execute("SELECT coalesce(max(decision_id), 0) + 1 "
                              "FROM identity_decisions").fetchall()[0][0]
    con.execute("INSERT INTO identity_decisions VALUES (?, ?, ?, ?, ?, now(), ?, NULL, NULL, "
                "NULL)", [decision_id, action, target, other, by, why])
    return int(decision_id)


def undo_decision(con: duckdb.DuckDBPyConnection, decision_id: int, *,
                  by: str | None = None, why: str | None = None) -> None:
    """Mark a decision undone (it stays in the table, with who, when and why)."""
    row = con.execute("SELECT undone_at FROM identity_decisions WHERE decision_id = ?",
                      [decision_id]).fetchall()
    if not row:
        raise WorkbenchError(f"unknown decision {decision_id}")
    if row[0][0] is not None:
        raise WorkbenchError(f"decision {decision_id} is already undone")
    con.execute("UPDATE identity_decisions SET undone_at = now(), undone_by = ?, undo_why = ? "
                "WHERE decision_id = ?", [by, why, decision_id])
