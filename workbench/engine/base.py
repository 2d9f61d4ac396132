"""The engine seam: one SQL source (DuckDB's dialect), several engines that run it.

Modelled on splink's ``DatabaseAPI``: a stage is a plain ``SELECT`` builder returning
``(sql, params)``; an :class:`Engine` materializes its result (a DuckDB temp table, a cached
Spark table or Parquet) and returns a :class:`Handle`, which the next stage's builder puts
into its SQL. Stages never share tables by name.

The engine owns everything that differs between back ends:

* transpiling the DuckDB SQL to the engine's dialect (sqlglot);
* passing the positional ``?`` parameters: bound by the engine's client, never pasted into
  the SQL text;
* the session time zone, which ``hour()`` and date arithmetic on instants follow in both
  engines.

SQL written for the seam keeps to the portable subset: plain ``SELECT`` (no ``DELETE``,
no ``CREATE``), ``GROUP BY`` naming its keys, ``string_agg`` with an ``ORDER BY`` so lists
come out in one order on every engine.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import re
import secrets
import zoneinfo
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa

from ..errors import EngineError

__all__ = ["Engine", "Handle", "Query", "check_name", "normalize_params"]

#: a builder's product: SQL in DuckDB's dialect and its positional parameters
Query = tuple[str, list]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_SCALARS = (type(None), bool, int, float, str, decimal.Decimal, dt.date, dt.datetime)


def check_name(name: str) -> str:
    """``name`` if it is a plain SQL identifier (identifiers cannot be parameters).

    Examples
    --------
    >>> check_name("_l_calls")
    '_l_calls'
    >>> check_name("x; DROP TABLE calls")
    Traceback (most recent call last):
    ...
    workbench.errors.EngineError: not a plain table name: 'x; DROP TABLE calls'
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise EngineError(f"not a plain table name: {name!r}")
    return name


def normalize_params(params: Sequence | None, tz: str) -> list:
    """Check parameter values and give naive datetimes the session zone.

    A naive datetime means local time of the case on every engine (DuckDB reads it so;
    PySpark would read it in the Python process's own zone).

    Examples
    --------
    >>> normalize_params([dt.datetime(2019, 3, 1)], "Asia/Shanghai")[0].utcoffset()
    datetime.timedelta(seconds=28800)
    """
    out = []
    zone = zoneinfo.ZoneInfo(tz)
    for value in params or ():
        if isinstance(value, list | tuple):
            out.append([_scalar(v, zone) for v in value])
        else:
            out.append(_scalar(value, zone))
    return out


def _scalar(value, zone):
    if not isinstance(value, _SCALARS):
        raise EngineError(f"unsupported SQL parameter type {type(value).__name__}")
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=zone)
    return value


@dataclass(frozen=True, eq=False)
class Handle:
    """A materialized result inside one engine; the next stage's SQL reads it.

    ``str(handle)`` is the identifier to put in SQL; the name itself is the engine's
    business. ``arrow()`` and ``df()`` fetch the rows.
    """

    engine: Engine
    name: str
    owned: bool = True  # False for a table the engine did not create (a record table)
    key: str = ""  # the stage's own name for it (``_l_calls``); ``name`` is the table's

    def __str__(self) -> str:
        return self.name

    def arrow(self) -> pa.Table:
        """All rows as an Arrow table."""
        return self.engine.fetch_arrow(self)

    def df(self):
        """All rows as a pandas DataFrame."""
        return self.engine.fetch_df(self)

    def count(self) -> int:
        """Number of rows."""
        return int(self.engine.scalar(f"SELECT count(*) FROM {self.name}"))


class Engine(ABC):
    """A SQL engine behind the seam (see the module docstring).

    Subclasses implement :meth:`_run_arrow`, :meth:`_materialize`, :meth:`_drop`,
    :meth:`_has_table`, :meth:`_set_timezone` and :meth:`close`.
    """

    #: sqlglot dialect name of the engine's SQL
    dialect: str = "duckdb"

    def __init__(self, tz: str) -> None:
        self.tz = tz
        self._handles: dict[str, Handle] = {}
        #: this engine's part of every table name it makes: two engines on one connection
        #: never share a table
        self._token = secrets.token_hex(3)

    # -- SQL ------------------------------------------------------------------------------
    def transpile(self, sql: str) -> str:
        """``sql`` (DuckDB dialect) in this engine's dialect."""
        if self.dialect == "duckdb":
            return sql
        import sqlglot

        try:
            return sqlglot.transpile(sql, read="duckdb", write=self.dialect)[0]
        except sqlglot.errors.SqlglotError as exc:
            raise EngineError(f"cannot translate SQL for {self.dialect}: {exc}") from None

    def set_timezone(self, tz: str) -> None:
        """Set the session time zone (an IANA name)."""
        self._set_timezone(tz)
        self.tz = tz

    # -- handles --------------------------------------------------------------------------
    def table(self, name: str) -> Handle:
        """A handle on an existing table or view of the engine (a record table)."""
        check_name(name)
        if not self._has_table(name):
            raise EngineError(f"no table {name!r} in the {self.dialect} engine")
        return Handle(self, name, owned=False)

    def materialize(self, name: str, sql: str, params: Sequence | None = None, *,
                    transient: bool = False) -> Handle:
        """Run a ``SELECT`` and keep its result under a handle (replacing one of the name).

        The table is named by its content, as splink's ``DatabaseAPI`` does: the stage's
        ``name`` as a template plus a hash of the SQL, its parameters and this engine, so
        stages (and engines sharing one connection) never overwrite each other's tables.
        ``transient``: the result is read at most once, by the next stage; an engine may
        keep it as a view instead of storing it (Spark always, DuckDB when the query has no
        parameters). Its rows are then computed when read, from the tables it names as
        they are then: drop none of them while the handle is in use.

        >>> from workbench.engine import DuckDBEngine
        >>> engine = DuckDBEngine.over_parquet({}, "UTC")
        >>> h = engine.materialize("_l_x", "SELECT ? AS a", [1])
        >>> h.key, h.name.startswith("_l_x_"), h.name == engine.materialize("_l_x", "SELECT 2").name
        ('_l_x', True, False)
        """
        check_name(name)
        values = normalize_params(params, self.tz)
        digest = hashlib.sha256(f"{self._token}\0{sql}\0{values!r}".encode()).hexdigest()
        table = check_name(f"{name[:48]}_{digest[:12]}")
        old = self._handles.pop(name, None)
        if old is not None:
            self._drop(old)
        self._materialize(table, sql, values, transient)
        handle = Handle(self, table, key=name)
        self._handles[name] = handle
        return handle

    def drop(self, handle: Handle) -> None:
        """Forget a materialized result and free what it holds."""
        key = handle.key or handle.name
        if handle.owned and self._handles.get(key) is handle:
            del self._handles[key]
            self._drop(handle)

    # -- fetching -------------------------------------------------------------------------
    def fetch_arrow(self, query: Handle | str, params: Sequence | None = None) -> pa.Table:
        """Rows of a handle or of a ``SELECT`` as an Arrow table."""
        if isinstance(query, Handle):
            query, params = f"SELECT * FROM {query.name}", []
        return self._run_arrow(query, normalize_params(params, self.tz))

    def fetch_df(self, query: Handle | str, params: Sequence | None = None):
        """Rows of a handle or of a ``SELECT`` as a pandas DataFrame: decimals as floats,
        instants in the session time zone (as DuckDB's own ``.df()`` gives them)."""
        table = self.fetch_arrow(query, params)
        columns = []
        for field, column in zip(table.schema, table.columns, strict=True):
            if pa.types.is_decimal(field.type):
                column = column.cast(pa.float64())
            elif pa.types.is_timestamp(field.type) and field.type.tz:
                column = column.cast(pa.timestamp(field.type.unit, tz=self.tz))
            columns.append(column)
        return pa.table(columns, names=table.column_names).to_pandas()

    def fetch_rows(self, query: Handle | str, params: Sequence | None = None) -> list[dict]:
        """Rows as dicts of Python values; whole-number decimals (DuckDB's 128-bit sums)
        come back as ``int``, so both engines give the same Python types."""
        rows = self.fetch_arrow(query, params).to_pylist()
        for row in rows:
            for key, value in row.items():
                if isinstance(value, decimal.Decimal) and value.as_tuple().exponent >= 0:
                    row[key] = int(value)
        return rows

    def fetch_numpy(self, query: Handle | str, params: Sequence | None = None) -> dict:
        """Columns of a handle or ``SELECT`` as numpy arrays (by column name)."""
        table = self.fetch_arrow(query, params)
        return {name: table.column(name).to_numpy(zero_copy_only=False)
                for name in table.column_names}

    def scalar(self, sql: str, params: Sequence | None = None):
        """The first column of the first row of a ``SELECT`` (``None`` if no rows)."""
        rows = self.fetch_rows(sql, params)
        return next(iter(rows[0].values())) if rows else None

    # -- engine specifics -----------------------------------------------------------------
    @abstractmethod
    def _run_arrow(self, sql: str, params: list) -> pa.Table: ...

    @abstractmethod
    def _materialize(self, name: str, sql: str, params: list, transient: bool) -> None: ...

    @abstractmethod
    def write_parquet(self, handle: Handle, path) -> object:
        """Write a handle's rows as Parquet at ``path`` (a file or a directory of parts)."""

    @abstractmethod
    def _drop(self, handle: Handle) -> None: ...

    @abstractmethod
    def _has_table(self, name: str) -> bool: ...

    @abstractmethod
    def _set_timezone(self, tz: str) -> None: ...

    @abstractmethod
    def close(self) -> None:
        """Release the engine's resources (a Spark engine keeps a shared session)."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
