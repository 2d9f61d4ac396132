"""The DuckDB case store: one file per case, its schema, versions, opening and locking.

The store holds one typed table per record kind of the contract, each row with its
provenance (``_source`` -> ``sources``: file, content hash, ingest batch; ``_line``), plus
``sources``, ``ingest_batches``, ``rejects`` and ``meta``.

Examples
--------
>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "case.duckdb")
>>> with Store(path) as store:
...     store.schema_version()
4
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
from pathlib import Path

import duckdb

from ..contract import (
    DEFAULT_TZ,
    GIVEN_PERSON_ID,
    KINDS,
    PERSON_KINDS,
    PRESENCE_KINDS,
    check_timezone,
)
from ..errors import StoreBusyError, StoreVersionError, WorkbenchError
from .audit import AUDIT_SCHEMA
from .notes import NOTES_SCHEMA

__all__ = ["SCHEMA_VERSION", "Store", "SQL_TYPES", "record_table_sql"]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 4

#: value type -> DuckDB column type
SQL_TYPES: dict[str, str] = {
    "id": "VARCHAR",
    "text": "VARCHAR",
    "phone": "VARCHAR",
    "account": "VARCHAR",
    "id_number": "VARCHAR",
    "relation": "VARCHAR",
    "sex": "VARCHAR",
    "currency": "VARCHAR",
    "timestamp": "TIMESTAMPTZ",
    "date": "DATE",
    "amount": "DECIMAL(18,2)",
    "quantity": "DECIMAL(18,3)",
    "duration": "INTEGER",
}

#: tables besides the record kinds that an export for another engine carries
EXPORT_TABLES = ("sources", "phone_links", "meta", "identity_persons")

#: provenance columns every record table carries, after the contract's columns
PROVENANCE_COLUMNS = ("extra", "_source", "_line", "_row_hash")


def record_table_sql(kind: str) -> str:
    """``CREATE TABLE`` statement of one record kind.

    Examples
    --------
    >>> print(record_table_sql("kinship"))  # doctest: +NORMALIZE_WHITESPACE
    CREATE TABLE IF NOT EXISTS kinship (person_a VARCHAR NOT NULL, person_b VARCHAR NOT NULL,
    relation VARCHAR NOT NULL, given_person_a VARCHAR, given_person_b VARCHAR, extra VARCHAR,
    _source BIGINT NOT NULL, _line BIGINT NOT NULL, _row_hash UHUGEINT NOT NULL)
    """
    spec = KINDS[kind]
    cols = [
        f"{c.name} {SQL_TYPES[c.vtype]}{' NOT NULL' if c.required else ''}" for c in spec.columns
    ]
    if kind in PERSON_KINDS:  # person_id: the resolved person; the source's in given_...
        cols.append(f"{GIVEN_PERSON_ID} VARCHAR")
    if kind == "kinship":
        cols += ["given_person_a VARCHAR", "given_person_b VARCHAR"]
    cols += ["extra VARCHAR", "_source BIGINT NOT NULL", "_line BIGINT NOT NULL"]
    cols += ["_row_hash UHUGEINT NOT NULL"]
    return f"CREATE TABLE IF NOT EXISTS {kind} ({', '.join(cols)})"


_PHONE_LINKS = """CREATE TABLE IF NOT EXISTS phone_links (
        old VARCHAR NOT NULL, new VARCHAR NOT NULL, linked_at TIMESTAMPTZ NOT NULL,
        note VARCHAR, unlinked_at TIMESTAMPTZ)"""

#: who each record names (workbench.identity): attribution, persons, parameters, decisions
IDENTITY_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS identity_records (
        kind VARCHAR NOT NULL, _source BIGINT NOT NULL, _line BIGINT NOT NULL,
        person_id VARCHAR, how VARCHAR, weight DOUBLE, p DOUBLE, candidate VARCHAR,
        fields VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS identity_persons (
        person_id VARCHAR NOT NULL, name VARCHAR, id_number VARCHAR, birth_date DATE,
        sex VARCHAR, origin VARCHAR, records BIGINT)""",
    """CREATE TABLE IF NOT EXISTS identity_params (
        key VARCHAR NOT NULL, value VARCHAR, explanation VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS identity_decisions (
        decision_id BIGINT NOT NULL, action VARCHAR NOT NULL, target VARCHAR NOT NULL,
        other VARCHAR, decided_by VARCHAR, decided_at TIMESTAMPTZ NOT NULL, why VARCHAR,
        undone_at TIMESTAMPTZ, undone_by VARCHAR, undo_why VARCHAR)""",
]


def _identity_migration() -> list[str]:
    """Schema 4: records name persons by ID number and name; ``person_id`` is resolved."""
    out = list(IDENTITY_SCHEMA)
    for kind in PERSON_KINDS:
        spec = KINDS[kind]
        for c in spec.columns:
            out.append(f"ALTER TABLE {kind} ADD COLUMN IF NOT EXISTS {c.name} "
                       f"{SQL_TYPES[c.vtype]}")
        out.append(f"ALTER TABLE {kind} ADD COLUMN IF NOT EXISTS {GIVEN_PERSON_ID} VARCHAR")
        out.append(f"ALTER TABLE {kind} ALTER COLUMN person_id DROP NOT NULL")
        out.append(f"UPDATE {kind} SET {GIVEN_PERSON_ID} = person_id")
    for side in ("person_a", "person_b"):
        out.append(f"ALTER TABLE kinship ADD COLUMN IF NOT EXISTS given_{side} VARCHAR")
        out.append(f"UPDATE kinship SET given_{side} = {side}")
    return out


_BASE_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    _PHONE_LINKS,
    """CREATE TABLE IF NOT EXISTS ingest_batches (
        batch_id BIGINT PRIMARY KEY, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ,
        tool_version VARCHAR, options VARCHAR, files INTEGER)""",
    """CREATE TABLE IF NOT EXISTS sources (
        source_id BIGINT PRIMARY KEY, batch_id BIGINT NOT NULL, file VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL, size_bytes BIGINT, kind VARCHAR NOT NULL, format VARCHAR,
        encoding VARCHAR, delimiter VARCHAR, header VARCHAR, physical_lines BIGINT,
        rows BIGINT, stored BIGINT, duplicates BIGINT, rejected BIGINT)""",
    """CREATE TABLE IF NOT EXISTS rejects (
        source_id BIGINT NOT NULL, file VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
        line BIGINT NOT NULL, "column" VARCHAR, reason VARCHAR NOT NULL, raw VARCHAR)""",
]

# version -> statements that bring a store from version-1 to version
MIGRATIONS: dict[int, list[str]] = {
    2: [_PHONE_LINKS],  # confirmed successor numbers (workbench link-phone)
    3: [record_table_sql(k) for k in PRESENCE_KINDS],  # hotel stays, venue visits, trips
    4: _identity_migration(),
}

_LOCK_PATTERN = re.compile(r"lock|conflicting", re.IGNORECASE)
_PID_PATTERN = re.compile(r"PID (\d+)")


class Store:
    """An open case store.

    Parameters
    ----------
    path : str or Path
        The case file. Created (with its schema) when it does not exist and ``read_only``
        is false.
    read_only : bool
        Open for reading: several readers may share the file, none while a writer holds it.
    wait : float
        Seconds to keep retrying while another process holds the file, then
        :class:`StoreBusyError`.
    display_tz : str or None
        Session time zone for showing timestamps; default the case's zone from ``meta``.
    memory_limit : int or None
        DuckDB memory limit in MB; beyond it, large ingests spill to ``<case>.tmp``.

    Notes
    -----
    Notebooks should open, read and close: while a process holds the file read-write, no
    other process can open it at all (DuckDB's file lock).
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        read_only: bool = False,
        wait: float = 5.0,
        display_tz: str | None = None,
        memory_limit: int | None = None,
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        if read_only and not self.path.exists():
            raise WorkbenchError(f"no case store at {self.path}")
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = self._connect(wait)
        try:
            self._check_or_create()
            if not read_only:  # the case team's tables (action log, notes): no version bump
                for stmt in (*AUDIT_SCHEMA, *NOTES_SCHEMA):
                    self.con.execute(stmt)
            self.con.execute("SET enable_progress_bar = false")
            if memory_limit:
                self.con.execute(f"SET memory_limit = '{int(memory_limit)}MB'")
            tz = display_tz or self.meta("timezone") or DEFAULT_TZ
            self.con.execute(f"SET TimeZone = '{check_timezone(tz)}'")
        except BaseException:
            self.con.close()
            raise

    # -- opening ---------------------------------------------------------------------
    def _connect(self, wait: float) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + max(wait, 0.0)
        delay = 0.05
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=self.read_only)
            except duckdb.IOException as exc:
                msg = str(exc)
                if not _LOCK_PATTERN.search(msg):
                    if "not a valid DuckDB" in msg or "database file" in msg.lower():
                        raise StoreVersionError(
                            f"{self.path} is not a workbench case store: {msg.splitlines()[0]}"
                        ) from None
                    first = msg.splitlines()[0]
                    raise WorkbenchError(f"cannot open {self.path}: {first}") from None
                if time.monotonic() >= deadline:
                    pid = _PID_PATTERN.search(msg)
                    who = f" (process {pid.group(1)})" if pid else ""
                    raise StoreBusyError(
                        f"case store {self.path} is in use by another process{who}; "
                        "close it there (a notebook: close the case) and retry"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
            except duckdb.Error as exc:
                raise StoreVersionError(
                    f"{self.path} is not a workbench case store: {str(exc).splitlines()[0]}"
                ) from None

    def _tables(self) -> set[str]:
        rows = self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
        return {r[0] for r in rows}

    def _check_or_create(self) -> None:
        tables = self._tables()
        if "meta" not in tables:
            if tables:
                raise StoreVersionError(
                    f"{self.path} is a DuckDB file but not a workbench case store "
                    f"(tables: {', '.join(sorted(tables)[:5])})"
                )
            if self.read_only:
                raise StoreVersionError(f"{self.path} is an empty file, not a case store")
            self._create()
            return
        version = self.schema_version()
        if version is None:
            raise StoreVersionError(f"{self.path} has no schema version: not a case store")
        if version > SCHEMA_VERSION:
            raise StoreVersionError(
                f"{self.path} has schema version {version}, newer than this workbench "
                f"({SCHEMA_VERSION}); upgrade the workbench"
            )
        if version < SCHEMA_VERSION:
            if self.read_only:
                raise StoreVersionError(
                    f"{self.path} has schema version {version}; open it once read-write "
                    f"to migrate it to {SCHEMA_VERSION}"
                )
            self._migrate(version)

    def _create(self) -> None:
        from .. import __version__

        self.con.execute("BEGIN TRANSACTION")
        try:
            for stmt in _BASE_SCHEMA:
                self.con.execute(stmt)
            for kind in KINDS:
                self.con.execute(record_table_sql(kind))
            for stmt in IDENTITY_SCHEMA:
                self.con.execute(stmt)
            self.con.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ["schema_version", str(SCHEMA_VERSION)],
                    ["created_by", f"workbench {__version__}"],
                    ["created_at", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())],
                ],
            )
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        log.info("created case store %s (schema %d)", self.path, SCHEMA_VERSION)

    def _migrate(self, version: int) -> None:
        missing = [v for v in range(version + 1, SCHEMA_VERSION + 1) if v not in MIGRATIONS]
        if missing:
            raise StoreVersionError(
                f"{self.path} has schema version {version}, which this workbench cannot "
                f"migrate (no migration to version {missing[0]})"
            )
        self.con.execute("BEGIN TRANSACTION")
        try:
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for stmt in MIGRATIONS[target]:
                    self.con.execute(stmt)
            self.set_meta("schema_version", str(SCHEMA_VERSION))
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        log.info("migrated %s from schema %d to %d", self.path, version, SCHEMA_VERSION)

    # -- meta ------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        """A value of the ``meta`` table, or ``None``."""
        rows = self.con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        """Insert or replace a ``meta`` value (inside the caller's transaction, if any)."""
        self.con.execute("DELETE FROM meta WHERE key = ?", [key])
        self.con.execute("INSERT INTO meta VALUES (?, ?)", [key, value])

    def schema_version(self) -> int | None:
        """The schema version recorded in the store."""
        value = self.meta("schema_version")
        return int(value) if value is not None and value.isdigit() else None

    def timezone(self) -> str:
        """The case's time zone (from ``meta``; the default zone for an empty store)."""
        return self.meta("timezone") or DEFAULT_TZ

    # -- reads -----------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Stored records per kind, and rejects.

        Examples
        --------
        >>> import tempfile, os
        >>> with Store(os.path.join(tempfile.mkdtemp(), "c.duckdb")) as s:
        ...     s.counts()["calls"]
        0
        """
        out = {}
        for kind in (*KINDS, "rejects"):
            out[kind] = self.con.execute(f"SELECT count(*) FROM {kind}").fetchall()[0][0]
        return out

    def fingerprint(self) -> str:
        """A hash of the stored content (row hashes of every kind): equal stores, equal prints.

        Every ingest records it in ``meta`` when it commits, so reading it is cheap; a store
        without the record (an older one) has it computed.

        Examples
        --------
        >>> import tempfile, os
        >>> with Store(os.path.join(tempfile.mkdtemp(), "c.duckdb")) as s:
        ...     len(s.fingerprint())
        32
        """
        recorded = self.meta("fingerprint")
        return recorded if recorded else self.compute_fingerprint()

    def compute_fingerprint(self) -> str:
        """Compute :meth:`fingerprint` from the rows (one pass over every table).

        Only stable digests go in: each row's MD5-based ``_row_hash`` (XOR over the table)
        and an MD5 of the parts, never DuckDB's internal ``hash()``, which may change
        between versions."""
        parts = []
        for kind in KINDS:
            row = self.con.execute(
                f"SELECT count(*), coalesce(bit_xor(_row_hash), 0) FROM {kind}"
            ).fetchall()[0]
            if row[0] or kind not in PRESENCE_KINDS:  # stores without them print as before
                parts.append(f"{kind}:{row[0]}:{row[1]}")
        links = self.con.execute(
            "SELECT string_agg(old || '>' || new, ',' ORDER BY old, new) FROM phone_links "
            "WHERE unlinked_at IS NULL").fetchall()[0][0]
        if links:
            parts.append(f"phone_links:{links}")
        decided = self.con.execute(
            "SELECT string_agg(concat_ws('/', decision_id, action, target, other, "
            "undone_at IS NOT NULL), ',' ORDER BY decision_id) FROM identity_decisions"
        ).fetchall()[0][0]
        if decided:
            parts.append(f"identity_decisions:{decided}")
        return self.con.execute("SELECT md5(?)", ["|".join(parts)]).fetchall()[0][0]

    def rejects(self) -> list[dict]:
        """Every rejected row, in file and line order."""
        cur = self.con.execute(
            'SELECT file, line, "column", reason, raw FROM rejects ORDER BY file, line'
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    # -- export ----------------------------------------------------------------------
    def export_parquet(self, out: str | os.PathLike) -> dict[str, int]:
        """Write every record table, ``sources``, ``phone_links`` and ``meta`` as Parquet.

        One file per table, ``<out>/<table>.parquet``, for an engine that reads Parquet
        (Spark). Row hashes (128-bit, which Parquet has no type for) are written as text.
        Returns rows written per table.

        Examples
        --------
        >>> import tempfile, os
        >>> d = tempfile.mkdtemp()
        >>> with Store(os.path.join(d, "c.duckdb")) as s:
        ...     s.export_parquet(os.path.join(d, "pq"))["calls"]
        0
        """
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        written = {table: self.write_table_parquet(table, out / f"{table}.parquet")
                   for table in (*KINDS, *EXPORT_TABLES)}
        log.info("exported %d tables as Parquet to %s", len(written), out)
        return written

    def write_table_parquet(self, table: str, path: str | os.PathLike) -> int:
        """One table of the store as one Parquet file at ``path`` (row hashes as text, as
        :meth:`export_parquet` writes them); returns its rows."""
        cols = self.con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
            [table]).fetchall()
        select = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" if c == "_row_hash" else f'"{c}"'
                           for (c,) in cols)
        self.con.execute(f"COPY (SELECT {select} FROM {table}) TO ? (FORMAT parquet)",
                         [str(path)])
        return self.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]

    # -- lifecycle -------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self):
        """One write as one transaction: committed at the end of the block, rolled back
        (and the error raised again) when the block fails; the fingerprint is recomputed
        before the commit."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
            self.set_meta("fingerprint", self.compute_fingerprint())
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def close(self) -> None:
        """Close the connection (releases the file lock)."""
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
