"""Ingest CSV export files on Apache Spark into a case directory of Parquet.

For exports too big for one machine. The result is what ``workbench export-parquet``
writes for a store that ingested the same files (``<out>/<table>.parquet`` for every
record kind, ``sources``, ``phone_links`` and ``meta``), so ``workbench rings --engine
spark --data OUT`` runs on it directly, plus ``rejects.parquet``. Every data row is
accounted for as in :mod:`workbench.ingest.local`: stored, duplicate (identical after
normalization to an earlier row of its kind, first by file order then line) or rejected
with file, line, column, reason and raw row; ``sources`` carries the counts per file.

One source of the rules: the typed, validated ``SELECT`` is built in DuckDB's dialect from
:func:`workbench.contract.values.sql_value` and the ingest's row checks and row hash, and the
Spark engine adapter transpiles it (:mod:`workbench.engine.spark_forms`). Phones, accounts
and ID numbers are parsed once per distinct raw value of the whole batch: Spark gathers the
distinct values, Python workers parse them (``mapInPandas`` calling
:func:`workbench.contract.values.parse_phone` and friends), and the lookup is joined back.

Who each record names is resolved last, by the resolution stage of ``workbench ingest`` run
on DuckDB over the written Parquet (:mod:`workbench.ingest.spark_identity`).

Reading is one record per physical line (:mod:`workbench.ingest.local.spark_read`); a file whose
records span lines is refused with a pointer to ``workbench ingest``.
"""

from __future__ import annotations

import functools
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..contract import (
    DEFAULT_REGION,
    DEFAULT_TZ,
    GIVEN_PERSON_ID,
    KINDS,
    PERSON_KINDS,
    check_timezone,
)
from ..engine.spark_forms import md5_number_sql
from ..errors import InputFileError, WorkbenchError
from .local import FileReport, IngestReport, _plan, expand_paths
from .spark_identity import resolve_parquet_case
from .spark_read import CsvFile, SparkLines, read_lines
from .validate import PY_PARSERS, hash_expr, parse_value, raw_row_sql
from .validate import typed_select as validated_select

__all__ = ["ingest_on_spark", "typed_select"]

log = logging.getLogger(__name__)


@dataclass
class _File:
    plan: object  # workbench.ingest._Plan
    lines: SparkLines
    source_id: int
    typed: str = ""  # the table of its validated rows, once made


def typed_select(plan, stage: str, tz: str, maps: dict[str, str] | None = None
                 ) -> tuple[str, list]:
    """The validating ``SELECT`` of one staged file, in DuckDB's dialect.

    ``stage`` holds ``(_line, c0, c1, ...)``; the lookups ``_map_phone``, ``_map_account``
    and ``_map_id_number`` hold ``(raw, norm, err)`` keyed by the cell as read. The rules
    are the DuckDB ingest's own (:func:`workbench.ingest.validate.typed_select`); on top come the
    row hash ``_h`` of a valid row (:func:`workbench.ingest.validate.hash_expr`) and the raw row
    ``_raw`` (JSON, header -> text) of a rejected one.
    """
    spec = plan.kind
    typed, params = validated_select(spec, plan.columns, plan.extras, stage, tz, maps)
    raw_params: list = []  # first: the raw row is in the outer SELECT list
    raw = raw_row_sql(plan.headers, raw_params)
    sql = (
        f"SELECT _line, extra, {', '.join(spec.names)}, _reason, _column, "
        f"CASE WHEN _reason IS NULL THEN {hash_expr(spec)} END AS _h, "
        f"CASE WHEN _reason IS NOT NULL THEN {raw} END AS _raw FROM ({typed}) t"
    )
    return sql, raw_params + params


def _parse_frames(frames, region: str):
    """``mapInPandas`` body: each distinct (type, raw value) parsed once: norm, or the
    reason."""
    import pandas as pd

    for frame in frames:
        norms, errs = [], []
        for vtype, raw in zip(frame["vtype"], frame["raw"], strict=True):
            # trimmed as DuckDB's trim() does: a blank cell is absent, not wrong
            norm, err = parse_value(vtype, raw.strip(" "), region)
            norms.append(norm)
            errs.append(err)
        yield pd.DataFrame({"vtype": frame["vtype"], "raw": frame["raw"], "norm": norms,
                            "err": errs})


def _parse_distinct(engine, files: list[_File], region: str) -> None:
    """The lookups ``_map_phone``, ``_map_account``, ``_map_id_number`` of the batch: the
    distinct raw values of every file, parsed once (one Spark job)."""
    spark = engine.spark
    selects, params = [], []
    for f in files:
        for c in f.plan.kind.columns:
            if c.vtype in PY_PARSERS and c.name in f.plan.columns:
                selects.append(f"SELECT ? AS vtype, c{f.plan.columns[c.name]} AS raw "
                               f"FROM {f.lines.stage}")
                params.append(c.vtype)
    schema = "vtype string, raw string, norm string, err string"
    if selects:
        distinct = spark.sql(f"SELECT * FROM ({' UNION '.join(selects)}) WHERE raw IS NOT NULL",
                             args=params)
        parsed = distinct.mapInPandas(functools.partial(_parse_frames, region=region), schema)
    else:
        parsed = spark.createDataFrame([], schema)
    parsed.createOrReplaceTempView("_parsed")
    t0 = time.perf_counter()
    lookups = engine.materialize("_lookups", "SELECT * FROM _parsed")  # parsed once, kept
    n = lookups.count()
    log.info("%d distinct phones, accounts and ID numbers parsed in %.1f s", n,
             time.perf_counter() - t0)
    return {vtype: engine.materialize(f"_map_{vtype}", f"SELECT raw, norm, err FROM {lookups} "
                                      "WHERE vtype = ?", [vtype], transient=True).name
            for vtype in PY_PARSERS}


def _rank(engine, name: str, files: list[_File]):
    """The validated rows of one kind over its files, each valid row numbered within its
    row hash by file order then line (1: stored, more: duplicate); kept for the writes."""
    union = " UNION ALL ".join(f"SELECT *, CAST(? AS BIGINT) AS _source FROM {f.typed}"
                               for f in files)
    return engine.materialize(
        f"_ranked_{name}",
        "SELECT u.*, row_number() OVER (PARTITION BY coalesce(_h, concat('r', "
        "CAST(_source AS VARCHAR), ':', CAST(_line AS VARCHAR))) ORDER BY _source, _line) "
        f"AS _rn FROM ({union}) u", [f.source_id for f in files])


def _count(engine, ranked: list) -> dict[int, dict]:
    """Validated, rejected and stored rows per source (one Spark job for every kind)."""
    union = " UNION ALL ".join(
        "SELECT _source, count(*) AS staged, count(_reason) AS bad, "
        f"count_if(_reason IS NULL AND _rn = 1) AS stored FROM {h} GROUP BY _source"
        for h in ranked)
    return {r["_source"]: r for r in engine.fetch_rows(union)}


def _write_kind(engine, name: str, ranked, out: Path) -> None:
    """One kind's stored rows as Parquet, in the store's column order. The identity columns
    keep what the source gave (``given_...``); ``person_id`` is the given id until
    :func:`~workbench.ingest.spark_identity.resolve_parquet_case` resolves who each record
    names."""
    spec = KINDS[name]
    given = []
    if name in PERSON_KINDS:
        given = [f"person_id AS {GIVEN_PERSON_ID}"]
    elif name == "kinship":
        given = ["person_a AS given_person_a", "person_b AS given_person_b"]
    frame = engine.spark.sql(
        f"SELECT {', '.join([*spec.names, *given])}, extra, _source, _line, "
        f"{md5_number_sql('_h')} AS _row_hash FROM {ranked} WHERE _reason IS NULL AND _rn = 1")
    frame.write.mode("overwrite").parquet(str(out / f"{name}.parquet"))


def _write_rejects(engine, out: Path, files: list[_File], ranked: dict) -> None:
    rows = [(f.source_id, str(f.plan.path.resolve()), f.plan.scan.sha256) for f in files]
    engine.spark.createDataFrame(rows, "source_id BIGINT, file STRING, sha256 STRING") \
        .createOrReplaceTempView("_files")
    parts = [f'SELECT f.source_id, f.file, f.sha256, r._line AS line, r._column AS "column", '
             f"r._reason AS reason, r._raw AS raw FROM {handle} r "
             "JOIN _files f ON f.source_id = r._source WHERE r._reason IS NOT NULL"
             for handle in ranked.values()]
    parts += [f"SELECT f.source_id, f.file, f.sha256, s._line, CAST(NULL AS VARCHAR), "
              f"s.reason, s.raw FROM {f.lines.structural} s JOIN _files f "
              "ON f.source_id = ?" for f in files]
    rejects = engine.materialize("_rejects", " UNION ALL ".join(parts),
                                 [f.source_id for f in files], transient=True)
    engine.spark.table(str(rejects)).write.mode("overwrite").parquet(
        str(out / "rejects.parquet"))


def _write_small_tables(out: Path, reports: list[tuple[_File, FileReport]], tz: str,
                        options: dict, started: float, written: set[str]) -> None:
    """``sources``, ``phone_links``, ``meta`` and the empty kinds, through a scratch store
    (so their columns and types are the store's own, as ``export-parquet`` writes them)."""
    from .. import __version__
    from ..store import Store

    with tempfile.TemporaryDirectory(prefix="workbench-spark-ingest-") as tmp:
        with Store(Path(tmp) / "case.duckdb") as store:
            for f, rep in reports:
                plan = f.plan
                header = json.dumps({"headers": plan.headers, "columns": plan.columns,
                                     "extras": {str(k): v for k, v in plan.extras.items()}},
                                    ensure_ascii=False)
                store.con.execute(
                    "INSERT INTO sources VALUES (?, 1, ?, ?, ?, ?, 'csv', ?, ?, ?, ?, ?, ?, ?, ?)",
                    [f.source_id, rep.file, rep.sha256, plan.scan.size, rep.kind,
                     rep.encoding, plan.delimiter, header, rep.physical_lines, rep.rows,
                     rep.stored, rep.duplicates, rep.rejected])
            store.con.execute(
                "INSERT INTO ingest_batches VALUES (1, to_timestamp(?), now(), ?, ?, ?)",
                [started, __version__, json.dumps(options, ensure_ascii=False), len(reports)])
            store.set_meta("timezone", tz)
            store.set_meta("ingested_on", "spark")
            store.export_parquet(Path(tmp) / "pq")
        for table in ("sources", "phone_links", "meta", *(k for k in KINDS if k not in written)):
            shutil.move(str(Path(tmp) / "pq" / f"{table}.parquet"), str(out / f"{table}.parquet"))


def ingest_on_spark(
    spark,
    paths: Iterable,
    out,
    *,
    kind: str | None = None,
    mapping: Mapping[str, Mapping[str, str]] | None = None,
    encoding: str | None = None,
    tz: str = DEFAULT_TZ,
    region: str = DEFAULT_REGION,
) -> IngestReport:
    """Validate CSV exports on Spark and write a case directory of Parquet at ``out``.

    Parameters
    ----------
    spark : SparkSession
        See :func:`workbench.engine.spark_engine.spark_session`.
    paths : iterable of path
        CSV files, or directories of them (paths every executor can read).
    out : path
        A new (or empty) directory.
    kind, mapping, encoding, tz, region
        As for :func:`workbench.ingest.local.ingest_paths`.

    Returns
    -------
    IngestReport
        Batch 1 with one :class:`~workbench.ingest.local.FileReport` per file.

    Notes
    -----
    The driver reads each file once as a stream (its SHA-256 for ``sources``, the encoding
    and the header), so the files must be readable from the driver too. The session's time
    zone becomes ``tz``; Parquet timestamps are written as microseconds, a header given
    twice keeps its last value in the raw-row JSON (DuckDB keeps both keys).
    """
    from ..engine.spark_engine import SparkEngine

    tz = check_timezone(tz)
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise WorkbenchError(f"{out} is not empty; the Spark ingest writes a new case directory")
    files = expand_paths(paths)
    if not files:
        raise InputFileError("no files to ingest")
    plans = [_plan(p, kind, mapping or {}, encoding) for p in files]  # refuse before work
    for plan in plans:
        if plan.fmt != "csv":
            raise InputFileError(f"{plan.path}: the Spark ingest reads CSV files; ingest "
                                 f"{plan.fmt} files with `workbench ingest`")
    started = time.time()
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    engine = SparkEngine(spark, tz)
    staged: list[_File] = []
    engine.set_conf("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    engine.set_conf("spark.sql.mapKeyDedupPolicy", "LAST_WIN")  # a header given twice
    try:
        csv = [CsvFile(plan.path, i, len(plan.headers), plan.delimiter, plan.scan.encoding,
                       _header_line(plan.scan)) for i, plan in enumerate(plans, start=1)]
        if any(c.encoding.lower().replace("_", "-") not in ("utf-8", "utf-8-sig", "utf8")
               for c in csv):
            engine.set_conf("spark.sql.legacy.javaCharsets", "true")  # GB18030 decoding
        staged = [_File(plan, lines, i) for i, (plan, lines)
                  in enumerate(zip(plans, read_lines(spark, csv), strict=True), start=1)]
        maps = _parse_distinct(engine, staged, region)
        for f in staged:
            sql, params = typed_select(f.plan, f.lines.stage, tz, maps)
            f.typed = engine.materialize(f"_typed{f.source_id}", sql, params,
                                         transient=True).name
        kinds = sorted({f.plan.kind.name for f in staged})
        ranked = {name: _rank(engine, name, [f for f in staged if f.plan.kind.name == name])
                  for name in kinds}
        counts = _count(engine, list(ranked.values()))
        for name, handle in ranked.items():
            _write_kind(engine, name, handle, out)
        _write_rejects(engine, out, staged, ranked)
        reports = [(f, _report(f, counts.get(f.source_id))) for f in staged]
        options = {"kind": kind, "mapping": mapping, "encoding": encoding, "tz": tz,
                   "region": region, "engine": "spark"}
        _write_small_tables(out, reports, tz, options, started, set(kinds))
        identity = resolve_parquet_case(out)  # who each record names, as `ingest` does
    except BaseException:
        if created:  # refused or failed: leave no half-written case behind
            shutil.rmtree(out, ignore_errors=True)
        raise
    finally:
        for f in staged:
            f.lines.frame.unpersist()
        engine.close()
    report = IngestReport(1, [rep for _f, rep in reports])
    report.identity = identity
    for rep in report.files:
        log.info("%s: %s rows %d stored %d duplicates %d rejected %d", rep.file, rep.kind,
                 rep.rows, rep.stored, rep.duplicates, rep.rejected)
    return report


def _header_line(scan) -> int:
    """The first line that is not blank (the header)."""
    blank = set(scan.blank_lines)
    return next(n for n in range(1, scan.lines + 2) if n not in blank)


def _report(f: _File, counts: dict | None) -> FileReport:
    counts = counts or {"staged": 0, "bad": 0, "stored": 0}
    lines = f.lines
    if counts["staged"] != lines.rows - lines.structural_rows:
        raise WorkbenchError(f"{f.plan.path}: internal accounting error ({counts['staged']} "
                             f"records validated of {lines.rows - lines.structural_rows})")
    stored, bad = int(counts["stored"]), int(counts["bad"])
    return FileReport(
        file=str(f.plan.path.resolve()), kind=f.plan.kind.name, rows=lines.rows,
        stored=stored, duplicates=lines.rows - lines.structural_rows - bad - stored,
        rejected=bad + lines.structural_rows, format="csv", encoding=f.plan.scan.encoding,
        sha256=f.plan.scan.sha256, physical_lines=f.plan.scan.lines, method="spark")
