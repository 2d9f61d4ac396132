"""The case's action log: append-only and hash-chained.

Every action that changes what a case holds or hands out (ingests with their files' SHA-256,
identity decisions, phone links, notes, exports, snapshots and reports written) is one
entry: sequence number, time (UTC), actor, action, details (canonical JSON), the hash of the
previous entry and its own hash, ``sha256`` over all of these. The head (last sequence
number and hash) is also kept in ``meta``. Changing, deleting or re-ordering any entry
outside the workbench breaks the chain at that entry; deleting the last entries disagrees
with the head; a report or snapshot that printed the head anchors it outside the store.

Other parts of the workbench record their actions with :func:`log_action`, inside their own
transaction, so the entry commits (or rolls back) with the change it describes.

Examples
--------
>>> import duckdb
>>> con = duckdb.connect()
>>> log_action(con, "note", {"target": "P1", "text": "supplier?"}, actor="li")["seq"]
1
>>> log_action(con, "export", {"file": "x.anx"}, actor="li")["seq"]
2
>>> verify_chain(con)["intact"]
True
>>> _ = con.execute("UPDATE action_log SET actor = 'wang' WHERE seq = 1")
>>> verify_chain(con)["broken_at"]
1
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os

__all__ = ["AUDIT_SCHEMA", "log_action", "log_entries", "verify_chain", "default_actor",
           "entry_hash", "GENESIS"]

log = logging.getLogger(__name__)

#: the previous-entry hash of the first entry
GENESIS = "0" * 64

AUDIT_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS action_log (
        seq BIGINT NOT NULL, at_utc VARCHAR NOT NULL, actor VARCHAR NOT NULL,
        action VARCHAR NOT NULL, details VARCHAR NOT NULL, prev_hash VARCHAR NOT NULL,
        hash VARCHAR NOT NULL)""",
]

_COLUMNS = ("seq", "at", "actor", "action", "details", "prev_hash", "hash")


def default_actor() -> str:
    """Who acts when nobody is named: ``$WORKBENCH_ACTOR``, else ``analyst``.

    The operating system's user name is never used: the log travels in reports.
    """
    return os.environ.get("WORKBENCH_ACTOR", "").strip() or "analyst"


def _canonical(details) -> str:
    return json.dumps(details, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)


def entry_hash(seq: int, at: str, actor: str, action: str, details: str, prev: str) -> str:
    """SHA-256 of one entry's fields and the previous entry's hash.

    Examples
    --------
    >>> len(entry_hash(1, "2026-01-01T00:00:00Z", "li", "note", "{}", GENESIS))
    64
    """
    text = json.dumps([int(seq), at, actor, action, details, prev], ensure_ascii=False,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _ensure(con) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    for stmt in AUDIT_SCHEMA:
        con.execute(stmt)


def _has_log(con) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_name = 'action_log'").fetchall()[0][0])


def log_action(con, action: str, details: dict | None = None, actor: str | None = None) -> dict:
    """Append one entry to the action log (inside the caller's transaction, if any).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The case store's read-write connection.
    action : str
        What was done: ``ingest``, ``identity``, ``link-phone``, ``note``, ``export``,
        ``snapshot``, ``report``, ...
    details : dict, optional
        What it was done to (JSON-serialisable; file names, never directories).
    actor : str, optional
        Who did it (default :func:`default_actor`).

    Returns
    -------
    dict
        The entry written.
    """
    _ensure(con)
    actor = (actor or default_actor()).strip() or default_actor()
    text = _canonical(details or {})
    last = con.execute(
        "SELECT seq, hash FROM action_log ORDER BY seq DESC LIMIT 1").fetchall()
    seq, prev = (last[0][0] + 1, last[0][1]) if last else (1, GENESIS)
    at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    own = entry_hash(seq, at, actor, action, text, prev)
    con.execute("INSERT INTO action_log VALUES (?, ?, ?, ?, ?, ?, ?)",
                [seq, at, actor, action, text, prev, own])
    con.execute("DELETE FROM meta WHERE key = 'log_head'")
    con.execute("INSERT INTO meta VALUES ('log_head', ?)", [f"{seq}:{own}"])
    log.info("logged %s #%d", action, seq)
    return {"seq": seq, "at": at, "actor": actor, "action": action,
            "details": json.loads(text), "prev_hash": prev, "hash": own}


def log_entries(con, *, upto: int | None = None) -> list[dict]:
    """The log, oldest first (details parsed; an unparseable one kept as text)."""
    if not _has_log(con):
        return []
    rows = con.execute(
        "SELECT seq, at_utc, actor, action, details, prev_hash, hash FROM action_log "
        "WHERE ? IS NULL OR seq <= ? ORDER BY seq", [upto, upto]).fetchall()
    out = []
    for row in rows:
        entry = dict(zip(_COLUMNS, row, strict=True))
        try:
            entry["details"] = json.loads(entry["details"])
        except (TypeError, json.JSONDecodeError):
            pass
        out.append(entry)
    return out


def verify_chain(con) -> dict:
    """Check the chain: ``{"intact", "entries", "head", "broken_at", "reason"}``.

    ``broken_at`` is the sequence number of the first entry that does not hold (changed,
    missing, out of order), ``None`` when the chain is intact.
    """
    if not _has_log(con):
        return {"intact": True, "entries": 0, "head": None, "broken_at": None, "reason": None}
    rows = con.execute("SELECT seq, at_utc, actor, action, details, prev_hash, hash "
                       "FROM action_log ORDER BY seq, hash").fetchall()
    prev, expected = GENESIS, 1
    for seq, at, actor, action, details, prev_hash, own in rows:
        reason = None
        if seq != expected:
            reason = (f"entry {expected} is missing" if seq > expected
                      else f"entry {seq} appears twice")
            seq = min(seq, expected)
        elif prev_hash != prev:
            reason = f"entry {seq} does not follow entry {seq - 1} (previous hash differs)"
        elif entry_hash(seq, at, actor, action, details, prev_hash) != own:
            reason = f"entry {seq} was changed after it was written (hash differs)"
        if reason:
            return {"intact": False, "entries": len(rows), "head": None, "broken_at": seq,
                    "reason": reason}
        prev, expected = own, expected + 1
    head = f"{expected - 1}:{prev}" if rows else None
    recorded = con.execute("SELECT value FROM meta WHERE key = 'log_head'").fetchall()
    if recorded and recorded[0][0] != head:
        last = recorded[0][0].split(":")[0]
        return {"intact": False, "entries": len(rows), "head": head, "broken_at": expected,
                "reason": f"the log ends at entry {expected - 1} but its recorded head is "
                          f"entry {last}: entries were removed from the end"}
    return {"intact": True, "entries": len(rows), "head": head, "broken_at": None,
            "reason": None}
