"""Query engines behind one seam: DuckDB (the case store) and, optionally, Apache Spark.

See :mod:`workbench.engine.base` for the contract. ``SparkEngine`` is imported lazily so the
DuckDB path never loads pyspark.
"""

from __future__ import annotations

from .base import Engine, Handle, Query, check_name, normalize_params
from .duckdb_engine import DuckDBEngine

__all__ = [
    "Engine",
    "Handle",
    "Query",
    "DuckDBEngine",
    "as_engine",
    "check_name",
    "normalize_params",
    "open_spark",
]


def as_engine(source) -> Engine:
    """An engine from an engine, a :class:`~workbench.store.database.Store` or a store's DuckDB
    connection (the engine then works on that connection, in the case's time zone)."""
    if isinstance(source, Engine):
        return source
    if hasattr(source, "con") and hasattr(source, "timezone"):
        return DuckDBEngine.for_store(source)
    return DuckDBEngine.for_connection(source)


def open_spark(
    data: str | None,
    tz: str | None = None,
    *,
    master: str | None = None,
    config: dict | None = None,
    **options,
):
    """A :class:`~workbench.engine.spark_engine.SparkEngine` over an ``export-parquet``
    directory (or with no tables when ``data`` is None); ``tz`` defaults to the case's."""
    from .spark_engine import SparkEngine, spark_session
    from .tables import open_parquet_tables

    spark = spark_session(master, config)
    engine = SparkEngine(spark, tz or "UTC", **options)
    if data is not None:
        open_parquet_tables(engine, data, tz)
    return engine
