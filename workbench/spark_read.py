"""Read a CSV export on Spark: one record per physical line, numbered by that line.

The distributed reader keeps the DuckDB reader's accounting (:mod:`workbench.readers`) for
files whose every record is one line:

* lines are numbered as in the file: Spark's text source gives each line with the byte
  offset of its split (``_metadata.file_block_start``) and an id that counts up inside a
  task; the lines per split, gathered on the driver, turn these into physical line numbers
  with no sort and no single-task pass;
* GB18030 files are decoded on the executors (Java's decoder);
* a line without quotes is split on the delimiter; a line with quotes is split by the CSV
  quoting rule (``"a,b"`` one field, ``""`` a quote inside one), all on the JVM;
* blank lines are skipped; a line whose field count is not the header's is a structural
  reject (``expected N fields, found M``), as in the DuckDB path; empty trailing cells
  beyond the header are dropped.

A file whose quotes do not pair up on a line (a quoted line break, a damaged record) or
that quotes a field in a way the rule does not read is refused with one line naming it and
the first such line: the DuckDB path (``workbench ingest``) reads it exactly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .errors import InputFileError

__all__ = ["CsvFile", "SparkLines", "read_lines"]

log = logging.getLogger(__name__)

#: a field of a CSV line: quoted with doubled quotes inside, or unquoted without quotes
_FIELD = '"(?:[^"]|"")*"|[^"{d}]*'


@dataclass
class SparkLines:
    """One file read on Spark.

    ``stage`` is a temp view ``(_line, c0, c1, ...)`` of the well-formed records (empty
    cells as NULL), ``structural`` a temp view ``(_line, reason, raw)`` of the lines whose
    field count is wrong; ``rows`` counts both, ``structural_rows`` the second.
    """

    stage: str
    structural: str
    rows: int
    structural_rows: int
    physical_lines: int


def _java_quote(delimiter: str) -> str:
    return "\\Q" + delimiter + "\\E"


@dataclass(frozen=True)
class CsvFile:
    """What the driver knows of a file before Spark reads it (from its header line)."""

    path: object
    index: int  # position in the batch: names the file's views
    ncols: int
    delimiter: str
    encoding: str  # utf-8, utf-8-sig or a Java charset name (GB18030)
    header_line: int  # physical line of the header; lines up to it are not records


def _views(spark, f: CsvFile) -> None:
    """The lazy views of one file: ``_records{i}`` (every line: split into fields ``f``,
    ``g`` without empty cells past the header, flags), numbered later."""
    from pyspark.sql import functions as F

    i, d = f.index, f.delimiter
    value = F.col("value")
    if f.encoding.lower().replace("_", "-") not in ("utf-8", "utf-8-sig", "utf8"):
        spark.conf.set("spark.sql.legacy.javaCharsets", "true")
        value = F.decode(value.cast("binary"), f.encoding)
    spark.read.text(str(f.path)).select(
        value.alias("value"), F.col("_metadata.file_block_start").alias("blk"),
        F.monotonically_increasing_id().alias("mid")).createOrReplaceTempView(f"_text{i}")
    field = _FIELD.replace("{d}", d.replace("\\", "\\\\").replace("]", "\\]"))
    well_formed = f"^(?:{field})(?:{_java_quote(d)}(?:{field}))*\\z"
    pattern = f"(?:^|{_java_quote(d)})({field})"
    spark.sql(
        "SELECT value, blk, mid, value RLIKE '^[ \\t\\r]*$' AS blank, "
        "(length(value) - length(replace(value, '\"', ''))) % 2 = 1 AS odd, "
        "instr(value, '\"') > 0 AND NOT value RLIKE ? AS bad, "
        "CASE WHEN instr(value, '\"') = 0 THEN split(value, ?, -1) "
        "ELSE transform(regexp_extract_all(value, ?, 1), "
        "f -> CASE WHEN f LIKE '\"%' THEN replace(substr(f, 2, length(f) - 2), '\"\"', '\"') "
        f"ELSE f END) END AS f FROM _text{i}",
        args=[well_formed, _java_quote(d), pattern],
    ).createOrReplaceTempView(f"_fields{i}")
    # empty cells past the header's width are not data (as in the DuckDB reader)
    spark.sql(
        "SELECT *, CASE WHEN size(f) > ? AND forall(slice(f, ? + 1, size(f) - ?), "
        "x -> x RLIKE '^\\\\s*$') THEN slice(f, 1, ?) ELSE f END AS g "
        f"FROM _fields{i}", args=[f.ncols] * 4,
    ).createOrReplaceTempView(f"_records{i}")


def read_lines(spark, files: list[CsvFile]) -> list[SparkLines]:
    """Read ``files`` on ``spark`` into the temp views ``_stage{i}`` and ``_structural{i}``
    (one Spark job for the whole batch); refuse a file (:class:`InputFileError`) when one of
    its records spans lines."""
    for f in files:
        _views(spark, f)
    # one pass: lines per split, records, structural rejects, the first unreadable line
    stats = " UNION ALL ".join(
        "SELECT CAST(? AS INT) AS file, blk, count(*) AS n, min(mid) AS lo, "
        "count_if(NOT blank) AS records, count_if(NOT blank AND size(g) != ?) AS structural, "
        "min(CASE WHEN odd THEN mid END) AS odd, min(CASE WHEN bad THEN mid END) AS bad "
        f"FROM _records{f.index} GROUP BY blk" for f in files)
    blocks = spark.sql(stats, args=[a for f in files for a in (f.index, f.ncols)]).collect()
    return [_number(spark, f, [b for b in blocks if b["file"] == f.index]) for f in files]


def _number(spark, f: CsvFile, blocks: list) -> SparkLines:
    i = f.index
    base, offsets = 0, []
    for row in sorted(blocks, key=lambda r: r["blk"]):
        offsets.append((row["blk"], base - row["lo"] + 1))
        base += row["n"]
    shift = dict(offsets)
    for column, what in (("odd", "a quote that does not close on its line (a quoted line "
                                 "break or a damaged record)"),
                         ("bad", "a quoted field the one-line reader cannot read")):
        lines = [r[column] + shift[r["blk"]] for r in blocks if r[column] is not None]
        lines = [n for n in lines if n > f.header_line]
        if lines:
            raise InputFileError(
                f"{f.path}: line {min(lines)} has {what}; the Spark ingest reads one record "
                "per line: ingest this file with `workbench ingest` (DuckDB) instead")
    spark.createDataFrame(offsets, "blk BIGINT, shift BIGINT").createOrReplaceTempView(
        f"_blocks{i}")
    spark.sql(
        "SELECT CAST(r.mid + b.shift AS BIGINT) AS _line, r.f, r.g "
        f"FROM _records{i} r JOIN _blocks{i} b ON r.blk = b.blk "
        "WHERE r.mid + b.shift > ? AND NOT r.blank", args=[f.header_line],
    ).createOrReplaceTempView(f"_numbered{i}")
    cells = ", ".join(f"nullif(try_element_at(g, {k + 1}), '') AS c{k}" for k in range(f.ncols))
    spark.sql(f"SELECT _line, {cells} FROM _numbered{i} WHERE size(g) = ?",
              args=[f.ncols]).createOrReplaceTempView(f"_stage{i}")
    spark.sql(
        "SELECT _line, concat('expected ', ?, ' fields, found ', size(f)) AS reason, "
        f"array_join(f, ',') AS raw FROM _numbered{i} WHERE size(g) != ?",
        args=[str(f.ncols), f.ncols]).createOrReplaceTempView(f"_structural{i}")
    records = sum(r["records"] for r in blocks) - 1  # the header is a record of its own
    structural = sum(r["structural"] for r in blocks)
    return SparkLines(f"_stage{i}", f"_structural{i}", records, structural, base)
