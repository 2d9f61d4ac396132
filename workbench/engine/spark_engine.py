"""The Spark engine: record tables from Parquet, results cached or written as Parquet.

One ``SparkSession`` per process (Spark allows no more); the engine sets its session time
zone to the case's. DuckDB SQL is transpiled with sqlglot; the positional ``?`` parameters
are bound by Spark (``spark.sql(sql, args=[...])``), never pasted into the text.

Needs the ``spark`` extra (``pip install -e '.[spark]'``) and a Java 17 runtime.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa

from ..errors import EngineError
from .base import Engine, Handle, check_name

__all__ = ["SparkEngine", "spark_session", "LOCAL_CONFIG"]

log = logging.getLogger(__name__)

#: settings for a small local session (tests, one machine): few shuffle partitions, no UI
LOCAL_CONFIG = {
    "spark.sql.shuffle.partitions": "2",
    "spark.ui.enabled": "false",
    "spark.sql.adaptive.enabled": "false",
    "spark.driver.memory": "1g",
    "spark.ui.showConsoleProgress": "false",
}


def _pyspark():
    try:
        import pyspark.errors
        import pyspark.sql
    except ImportError:
        raise EngineError("the Spark engine needs pyspark: pip install -e '.[spark]' "
                          "(and a Java 17 runtime)") from None
    return pyspark


def spark_session(master: str | None = None, config: dict | None = None,
                  app_name: str = "workbench"):
    """The process's SparkSession, created on first use.

    Parameters
    ----------
    master : str, optional
        ``local[2]``, ``spark://host:7077``, ``yarn``... (default: Spark's own default or
        ``local[2]``).
    config : dict, optional
        Spark settings (``spark.*`` keys), e.g. read from a ``--spark-config`` file.
    """
    pyspark = _pyspark()
    builder = pyspark.sql.SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
    elif "spark.master" not in (config or {}):
        builder = builder.master("local[2]")
    for key, value in (config or {}).items():
        builder = builder.config(key, str(value))
    if (master or (config or {}).get("spark.master") or "local").startswith("local"):
        # local Python workers (the ingest's parsers) run this interpreter, not PATH's
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    t0 = time.perf_counter()
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # py4j / JVM start failures carry no common base class
        raise EngineError(f"cannot start Spark ({master or 'default master'}): "
                          f"{str(exc).splitlines()[0]}") from None
    spark.sparkContext.setLogLevel("FATAL")  # failures reach the caller as EngineError
    log.info("Spark session ready in %.1f s (master %s)", time.perf_counter() - t0,
             spark.sparkContext.master)
    return spark


def _distinct_string_agg(node):
    """``string_agg(DISTINCT x, sep [ORDER BY x])`` as Spark SQL giving DuckDB's result:
    the distinct values sorted and joined, NULL when there are none; ``None`` for any
    other form (left to sqlglot)."""
    import sqlglot
    from sqlglot import exp

    inner = node.this
    order = None
    if isinstance(inner, exp.Order):
        order, inner = inner.expressions, inner.this
    if not isinstance(inner, exp.Distinct) or len(inner.expressions) != 1:
        return None
    value = inner.expressions[0]
    if order and (len(order) != 1 or order[0].this != value or order[0].args.get("desc")):
        return None
    sep = node.args.get("separator") or exp.Literal.string(",")
    v, sep_sql = value.sql(dialect="spark"), sep.sql(dialect="spark")
    return sqlglot.parse_one(
        f"CASE WHEN count({v}) = 0 THEN NULL "
        f"ELSE array_join(array_sort(collect_set({v})), {sep_sql}) END", read="spark")


class SparkEngine(Engine):
    """An engine on a SparkSession.

    Parameters
    ----------
    spark : SparkSession
        The session (see :func:`spark_session`).
    tz : str
        The case's time zone; set as ``spark.sql.session.timeZone``.
    work_dir : Path, optional
        Where ``materialize`` writes Parquet when ``mode`` is ``"parquet"`` (default: a
        temporary directory removed by :meth:`close`). On a cluster it must be a path every
        executor can reach (HDFS, S3, a shared mount).
    mode : {"cache", "parquet"}
        Keep results cached in executor memory, or write them as Parquet and read them back
        (province-scale intermediates that do not fit in memory).
    """

    dialect = "spark"

    def __init__(self, spark, tz: str, *, work_dir: Path | str | None = None,
                 mode: str = "cache") -> None:
        if mode not in ("cache", "parquet"):
            raise EngineError(f"unknown materialize mode {mode!r} (cache or parquet)")
        super().__init__(tz)
        self.spark = spark
        self.mode = mode
        self._tmp = None
        if work_dir is None and mode == "parquet":
            self._tmp = tempfile.mkdtemp(prefix="workbench-spark-")
            work_dir = self._tmp
        self.work_dir = Path(work_dir) if work_dir is not None else None
        self._frames: dict[str, object] = {}
        self._views: set[str] = set()
        #: session settings this engine changed, with the value each had before
        self._restore: dict[str, str | None] = {}
        self._set_timezone(tz)

    def transpile(self, sql: str) -> str:
        """DuckDB SQL in Spark's dialect, with the forms sqlglot leaves Spark unable to run
        rewritten: ``quantile_cont(x, q)`` becomes Spark's exact ``percentile(x, q)``;
        ``string_agg(DISTINCT x, sep [ORDER BY x])`` becomes a sorted ``collect_set``
        (Spark 4.0's ``LISTAGG(DISTINCT)`` beside another distinct aggregate fails in its
        optimizer with a ClassCastException); the forms the ingest rules use are rewritten
        by :func:`workbench.engine.spark_forms.rewrite`."""
        import sqlglot
        from sqlglot import exp

        from .spark_forms import rewrite

        def fix(node):
            node = rewrite(node, self.tz)
            if isinstance(node, exp.PercentileCont) and node.args.get("expression"):
                return exp.Anonymous(this="percentile", expressions=[node.this,
                                                                      node.expression])
            if isinstance(node, exp.GroupConcat):
                return _distinct_string_agg(node) or node
            return node

        try:
            tree = sqlglot.parse_one(sql, read="duckdb")
        except sqlglot.errors.SqlglotError as exc:
            raise EngineError(f"cannot translate SQL for Spark: {exc}") from None
        return tree.transform(fix).sql(dialect="spark")

    def register_parquet(self, name: str, path: Path | str) -> Handle:
        """A temp view ``name`` over Parquet at ``path`` (file or directory)."""
        check_name(name)
        try:
            self.spark.read.parquet(str(path)).createOrReplaceTempView(name)
        except Exception as exc:
            raise EngineError(f"cannot read Parquet {path}: {str(exc).splitlines()[0]}") from None
        self._views.add(name)
        return self.table(name)

    def _sql(self, sql: str, params: list):
        pyspark = _pyspark()
        text = self.transpile(sql)
        try:
            return self.spark.sql(text, args=params or None)
        except pyspark.errors.PySparkException as exc:
            raise EngineError(f"spark: {str(exc).splitlines()[0]}\n{text}") from exc

    def _run_arrow(self, sql: str, params: list) -> pa.Table:
        return self._sql(sql, params).toArrow()

    def _materialize(self, name: str, sql: str, params: list, transient: bool) -> None:
        frame = self._sql(sql, params)
        if transient:
            pass  # a view: Spark plans it into the one stage that reads it
        elif self.mode == "parquet":
            path = self.work_dir / name
            frame.write.mode("overwrite").parquet(str(path))
            frame = self.spark.read.parquet(str(path))
        else:
            frame = frame.persist()  # computed by the first action that reads it
        frame.createOrReplaceTempView(name)
        self._frames[name] = (frame, transient)

    def write_parquet(self, handle: Handle, path: Path | str) -> Path:
        """Write a handle's rows as Parquet (a directory of parts) at ``path``."""
        self.spark.table(handle.name).write.mode("overwrite").parquet(str(path))
        return Path(path)

    def _drop(self, handle: Handle) -> None:
        frame, transient = self._frames.pop(handle.name, (None, True))
        self.spark.catalog.dropTempView(handle.name)
        if frame is not None and not transient and self.mode == "cache":
            frame.unpersist()
        if self.mode == "parquet" and not transient and self.work_dir is not None:
            shutil.rmtree(self.work_dir / handle.name, ignore_errors=True)

    def _has_table(self, name: str) -> bool:
        return bool(self.spark.catalog.tableExists(name))

    def _set_timezone(self, tz: str) -> None:
        from ..contract import check_timezone

        self.set_conf("spark.sql.session.timeZone", check_timezone(tz))

    def set_conf(self, key: str, value: str) -> None:
        """Set a session setting for this engine's work; :meth:`close` puts back the value it
        had (or unsets it), so a user's session is left as it was found."""
        if key not in self._restore:
            self._restore[key] = self.spark.conf.get(key, None)
        self.spark.conf.set(key, value)

    def close(self) -> None:
        """Drop this engine's results and views and restore the session settings it changed;
        the session stays for the process."""
        for key, value in self._restore.items():
            if value is None:
                self.spark.conf.unset(key)
            else:
                self.spark.conf.set(key, value)
        self._restore.clear()
        for handle in list(self._handles.values()):
            self.drop(handle)
        for name in self._views:
            self.spark.catalog.dropTempView(name)
        self._views.clear()
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
