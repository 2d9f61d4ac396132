"""The calls with their numbers as integer keys: a copy the link layers group faster.

Grouping two million calls by their pair of numbers hashes and compares the numbers as
strings (longer than the engine keeps inline); the same grouping on integers takes about
two thirds of the time, and the pairs then come out already numbered. Every ingest that
commits keeps two derived tables next to the calls, in its own transaction:

* ``call_numbers (key, number)``: every number at either end of a call, ``key`` its rank
  in the engine's order of strings (bytes), from 0: ``a < b`` as keys exactly when
  ``a < b`` as numbers, so a query over keys orients each pair as it would over numbers;
* ``call_keys (caller_key, callee_key, started_at, duration_s)``: one row per call.

The ``meta`` row ``call_keys`` records the calls they were made from (their count and the
XOR of their row hashes, as :meth:`~workbench.store.Store.fingerprint` reads them). The
layers read the copy only while that record still matches the calls
(:data:`USABLE_SQL`); a store written another way (an older store, rows written straight
into ``calls``, a case over Parquet) is grouped on the strings, with the same answer. The
record sees calls added, removed or exchanged for others (their row hashes); it would not
see a call edited in place with its row hash kept, which nothing in the workbench does (a
record is never edited: its hash is its provenance, and the fingerprint relies on it too).

Examples
--------
>>> import duckdb
>>> con = duckdb.connect()
>>> _ = con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
>>> _ = con.execute("CREATE TABLE calls (caller VARCHAR, callee VARCHAR, "
...                 "started_at TIMESTAMPTZ, duration_s INTEGER, _row_hash UHUGEINT)")
>>> _ = con.execute("INSERT INTO calls VALUES ('+8613', '10086', now(), 30, 7), "
...                 "('10086', '+8612', now(), 5, 9)")
>>> refresh_call_keys(con)
True
>>> con.execute("SELECT key, number FROM call_numbers ORDER BY key").fetchall()
[(0, '+8612'), (1, '+8613'), (2, '10086')]
>>> con.execute(USABLE_SQL).fetchone()[0]
True
>>> _ = con.execute("INSERT INTO calls VALUES ('+8613', '+8612', now(), 1, 3)")
>>> con.execute(USABLE_SQL).fetchone()[0]  # a call written past the copy
False
>>> refresh_call_keys(con), refresh_call_keys(con)
(True, False)
"""

from __future__ import annotations

import logging

__all__ = ["refresh_call_keys", "USABLE_SQL", "KEYED_CALLS", "NUMBERS"]

log = logging.getLogger(__name__)

#: the calls with integer keys, and the numbers by key
KEYED_CALLS, NUMBERS = "call_keys", "call_numbers"

_TAG_SQL = ("SELECT count(*) || ':' || coalesce(bit_xor(CAST(_row_hash AS UHUGEINT)), 0) "
            "FROM calls")  # the cast: a case over Parquet keeps the hashes as text

#: one boolean: the keyed copy exists and was made from the calls as they are
USABLE_SQL = (
    "SELECT coalesce((SELECT count(*) = 2 FROM duckdb_tables() WHERE schema_name = 'main' "
    "AND database_name = current_database() "
    f"AND table_name IN ('{KEYED_CALLS}', '{NUMBERS}')) "
    f"AND (SELECT value FROM meta WHERE key = 'call_keys') = ({_TAG_SQL}), false)")


def refresh_call_keys(con) -> bool:
    """Make the keyed copy of the calls again if the calls changed since it was made (on
    the store's DuckDB connection ``con``, in the caller's transaction: an ingest's, so
    the copy commits or rolls back with the calls). Whether it was made again."""
    tag = con.execute(_TAG_SQL).fetchone()[0]
    known = con.execute("SELECT value FROM meta WHERE key = 'call_keys'").fetchone()
    if known is not None and known[0] == tag and con.execute(USABLE_SQL).fetchone()[0]:
        return False
    con.execute(
        f"CREATE OR REPLACE TABLE {NUMBERS} AS SELECT CAST(row_number() OVER "
        "(ORDER BY number) - 1 AS INTEGER) AS key, number FROM (SELECT caller AS number "
        "FROM calls WHERE caller IS NOT NULL UNION SELECT callee FROM calls "
        "WHERE callee IS NOT NULL) n ORDER BY key")
    con.execute(
        f"CREATE OR REPLACE TABLE {KEYED_CALLS} AS SELECT a.key AS caller_key, "
        "b.key AS callee_key, c.started_at, c.duration_s FROM calls c "
        f"LEFT JOIN {NUMBERS} a ON a.number = c.caller "
        f"LEFT JOIN {NUMBERS} b ON b.number = c.callee")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('call_keys', ?)", [tag])
    log.info("calls keyed by number: %s", tag)
    return True
