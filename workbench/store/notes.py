"""Analysts' notes and hypotheses on persons, numbers, accounts, links and rings.

A note is written once and never changed (author, time, text, status ``open``,
``confirmed`` or ``refuted``); a later note on the same target (a hypothesis confirmed,
refuted) is a new note that may name the one it answers. Every note is also an entry of the
action log (:mod:`workbench.store.audit`), in the same transaction.

Targets are stored in one canonical form: a person id (``P000643``), a number in E.164
(``+8613800138000``), an account (``acct:6222...``), a link ``A--B`` (the two ends sorted)
or a ring (``ring:R003``).

Examples
--------
>>> import duckdb
>>> con = duckdb.connect()
>>> add_note(con, "ring:R003", "ring", "organizer supplies R007?", author="li")["note_id"]
1
>>> [n["text"] for n in list_notes(con, targets=["ring:R003"])]
['organizer supplies R007?']
"""

from __future__ import annotations

import datetime as dt
import logging

from ..errors import WorkbenchError
from .audit import default_actor, log_action

__all__ = ["NOTES_SCHEMA", "NOTE_STATUSES", "NOTE_KINDS", "add_note", "list_notes"]

log = logging.getLogger(__name__)

NOTE_STATUSES = ("open", "confirmed", "refuted")
NOTE_KINDS = ("person", "number", "account", "link", "ring")

NOTES_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS notes (
        note_id BIGINT NOT NULL, target VARCHAR NOT NULL, target_kind VARCHAR NOT NULL,
        author VARCHAR NOT NULL, at_utc VARCHAR NOT NULL, text VARCHAR NOT NULL,
        status VARCHAR NOT NULL, answers BIGINT)""",
]

_COLUMNS = ("note_id", "target", "target_kind", "author", "at", "text", "status", "answers")


def _has_notes(con) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_name = 'notes'").fetchall()[0][0])


def add_note(con, target: str, kind: str, text: str, *, status: str = "open",
             author: str | None = None, answers: int | None = None) -> dict:
    """Write one note (and its log entry) inside the caller's transaction.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The case store's read-write connection.
    target : str
        The canonical target (see the module docstring).
    kind : str
        One of :data:`NOTE_KINDS`.
    text : str
        The note, as the analyst wrote it (stored as given; every view escapes it).
    status : str
        ``open``, ``confirmed`` or ``refuted``.
    author : str, optional
        Who wrote it (default ``$WORKBENCH_ACTOR`` or ``analyst``).
    answers : int, optional
        The note this one confirms or refutes.
    """
    if status not in NOTE_STATUSES:
        raise WorkbenchError(f"unknown status {status!r} (use {', '.join(NOTE_STATUSES)})")
    if kind not in NOTE_KINDS:
        raise WorkbenchError(f"unknown note target kind {kind!r}")
    if not str(text).strip():
        raise WorkbenchError("an empty note")
    for stmt in NOTES_SCHEMA:
        con.execute(stmt)
    author = (author or default_actor()).strip() or default_actor()
    if answers is not None and not con.execute(
            "SELECT count(*) FROM notes WHERE note_id = ?", [answers]).fetchall()[0][0]:
        raise WorkbenchError(f"no note {answers} to answer")
    note_id = con.execute("SELECT coalesce(max(note_id), 0) + 1 FROM notes").fetchall()[0][0]
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    con.execute("INSERT INTO notes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [note_id, target, kind, author, at, str(text), status, answers])
    note = dict(zip(_COLUMNS, (note_id, target, kind, author, at, str(text), status, answers),
                    strict=True))
    log_action(con, "note", {k: note[k] for k in ("note_id", "target", "status", "text",
                                                   "answers")}, actor=author)
    return note


def list_notes(con, *, targets=None, upto: int | None = None) -> list[dict]:
    """Notes, oldest first; only those on ``targets`` when given, and only up to note
    ``upto`` (a report rebuilt later shows the notes it showed then)."""
    if not _has_notes(con):
        return []
    rows = con.execute(
        "SELECT note_id, target, target_kind, author, at_utc, text, status, answers FROM notes "
        "WHERE (? IS NULL OR note_id <= ?) ORDER BY note_id", [upto, upto]).fetchall()
    wanted = None if targets is None else {str(t) for t in targets}
    return [dict(zip(_COLUMNS, r, strict=True)) for r in rows
            if wanted is None or r[1] in wanted]
