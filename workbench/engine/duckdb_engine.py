"""The DuckDB engine: results as temporary tables on a case store's connection.

The SQL source is DuckDB's own dialect, so nothing is transpiled; parameters are bound by
DuckDB.

Examples
--------
>>> import tempfile, os
>>> from workbench.store.database import Store
>>> with Store(os.path.join(tempfile.mkdtemp(), "c.duckdb")) as store:
...     engine = DuckDBEngine.for_store(store)
...     h = engine.materialize("x", "SELECT ? AS a UNION ALL SELECT ?", [1, 2])
...     sorted(h.df()["a"].tolist())
[1, 2]
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pyarrow as pa

from ..errors import EngineError
from .base import Engine, Handle, check_name, normalize_params

__all__ = ["DuckDBEngine"]

log = logging.getLogger(__name__)


class DuckDBEngine(Engine):
    """An engine over a DuckDB connection it does not own (a Store's), or over Parquet.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The connection; its session time zone is set to ``tz``.
    tz : str
        The case's time zone.
    """

    dialect = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection, tz: str, *, owns: bool = False) -> None:
        super().__init__(tz)
        self.con = con
        self._owns = owns
        self._views: set[str] = set()  # results kept as views (transient, see _materialize)
        self._set_timezone(tz)

    @classmethod
    def for_store(cls, store) -> DuckDBEngine:
        """The engine on a :class:`~workbench.store.Store`'s connection, in the case's zone."""
        return cls(store.con, store.timezone())

    @classmethod
    def for_connection(cls, con: duckdb.DuckDBPyConnection) -> DuckDBEngine:
        """The engine on a case store's connection, in the zone its ``meta`` records."""
        from ..contract import DEFAULT_TZ

        try:
            rows = con.execute("SELECT value FROM meta WHERE key = 'timezone'").fetchall()
        except duckdb.Error:
            rows = []
        return cls(con, rows[0][0] if rows else DEFAULT_TZ)

    @classmethod
    def over_parquet(cls, tables: dict[str, Path], tz: str) -> DuckDBEngine:
        """An in-memory engine with one view per Parquet file or directory."""
        engine = cls(duckdb.connect(), tz, owns=True)
        engine.con.execute("SET enable_progress_bar = false")
        for name, path in tables.items():
            engine.register_parquet(name, path)
        return engine

    def register_parquet(self, name: str, path: Path) -> Handle:
        """A view ``name`` over Parquet at ``path`` (a file, or a directory of parts)."""
        check_name(name)
        path = Path(path)
        pattern = str(path / "*.parquet") if path.is_dir() else str(path)
        # a view cannot keep a parameter: read through a table function on a literal
        literal = "'" + pattern.replace("'", "''") + "'"
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS "
                         f"SELECT * FROM read_parquet({literal})")
        return self.table(name)

    def _run_arrow(self, sql: str, params: list) -> pa.Table:
        try:
            return self.con.sql(sql, params=params or None).to_arrow_table()
        except duckdb.Error as exc:
            raise EngineError(f"duckdb: {str(exc).splitlines()[0]}") from exc

    def _materialize(self, name: str, sql: str, params: list, transient: bool) -> None:
        # a transient result without parameters (a view cannot keep them) is a view: it
        # costs nothing until read (the graph may never read it, see Engine.materialize)
        view = transient and not params
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP {'VIEW' if view else 'TABLE'} {name} "
                             f"AS {sql}", params)
        except duckdb.Error as exc:
            raise EngineError(f"duckdb: {str(exc).splitlines()[0]}") from exc
        if view:
            self._views.add(name)

    def fetch_df(self, query: Handle | str, params=None):
        """Rows as a pandas DataFrame, by DuckDB itself."""
        if isinstance(query, Handle):
            query, params = f"SELECT * FROM {query.name}", []
        try:
            return self.con.execute(query, normalize_params(params, self.tz)).df()
        except duckdb.Error as exc:
            raise EngineError(f"duckdb: {str(exc).splitlines()[0]}") from exc

    def write_parquet(self, handle: Handle, path: Path | str) -> Path:
        """Write a handle's rows as one Parquet file at ``path``."""
        self.con.execute(f"COPY (SELECT * FROM {handle.name}) TO ? (FORMAT parquet)",
                         [str(path)])
        return Path(path)

    def _drop(self, handle: Handle) -> None:
        if handle.name in self._views:
            self._views.discard(handle.name)
            self.con.execute(f"DROP VIEW IF EXISTS {handle.name}")
        else:
            self.con.execute(f"DROP TABLE IF EXISTS {handle.name}")

    def _has_table(self, name: str) -> bool:
        rows = self.con.execute(
            "SELECT 1 FROM duckdb_tables() WHERE table_name = ? UNION ALL "
            "SELECT 1 FROM duckdb_views() WHERE view_name = ?", [name, name]).fetchall()
        return bool(rows)

    def _set_timezone(self, tz: str) -> None:
        from ..contract import check_timezone

        self.con.execute(f"SET TimeZone = '{check_timezone(tz)}'")

    def close(self) -> None:
        for handle in list(self._handles.values()):
            self.drop(handle)
        if self._owns:
            self.con.close()
