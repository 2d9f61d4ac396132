"""Read a CSV export on Spark: one record per physical line, numbered by that line.

The distributed reader keeps the DuckDB reader's accounting (:mod:`workbench.ingest.readers`) for
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
  beyond the header are dropped;
* a line with an unpaired quote (a stray ``"``) is a structural reject, as in the DuckDB
  path, unless it opens a record the DuckDB reader keeps across lines (a quoted line
  break): those lines, few, are judged on the driver by the DuckDB reader's own rule.

A file holding a quoted line break, or a quoted field the quoting rule does not read, is
refused with one line naming it and the line: the DuckDB path (``workbench ingest``) reads
it exactly.
"""

from __future__ import annotations

import csv
import hashlib
import logging
from dataclasses import dataclass

from ..errors import InputFileError
from .readers import _keeps_together

__all__ = ["CsvFile", "SparkLines", "read_lines"]

log = logging.getLogger(__name__)

#: most lines with an unpaired quote a batch may hold (judged on the driver)
_MAX_ODD = 10_000
#: most lines between two unpaired quotes that may form one record
_MAX_SPAN = 1_000
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
    frame: object = None  # the numbered lines, persisted: ``unpersist()`` when done


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

    @property
    def tag(self) -> str:
        """What names this file's views: its place in the batch and a hash of its path, so
        that two batches in one Spark session never read each other's views."""
        digest = hashlib.blake2b(str(self.path).encode(), digest_size=6).hexdigest()
        return f"{self.index}_{digest}"


def _views(spark, f: CsvFile) -> None:
    """The lazy views of one file: ``_records{i}`` (every line: split into fields ``f``,
    ``g`` without empty cells past the header, flags), numbered later."""
    from pyspark.sql import functions as F

    i, d = f.tag, f.delimiter
    value = F.col("value")
    if f.encoding.lower().replace("_", "-") not in ("utf-8", "utf-8-sig", "utf8"):
        # needs spark.sql.legacy.javaCharsets (the caller's engine sets and restores it)
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
        "instr(value, '\"') > 0 AND NOT value RLIKE ? AS bad, "  # odd lines aside
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


def _line_break_kept(lines: list[str], ncols: int, delimiter: str) -> bool:
    """Whether the DuckDB reader keeps these physical lines (from one unpaired quote to the
    next) together as one record: a quoted line break, which one-line reading cannot give."""
    record = next(csv.reader(["\n".join(lines)], delimiter=delimiter, strict=False), [])
    return _keeps_together(record, list(enumerate(lines)), ncols, delimiter)


def read_lines(spark, files: list[CsvFile]) -> list[SparkLines]:
    """Read ``files`` on ``spark`` into the temp views ``_stage<tag>`` and ``_structural<tag>``
    (one Spark job for the whole batch); refuse a file (:class:`InputFileError`) when one of
    its records spans lines."""
    for f in files:
        _views(spark, f)
    # one pass: lines per split, records, structural rejects, the first unreadable line
    lines = " UNION ALL ".join(
        "SELECT CAST(? AS INT) AS file, blk, mid, value, blank, odd, bad, "
        "CASE WHEN instr(value, '\"') = 0 AND length(value) - length(replace(value, ?, '')) "
        f"= ? - 1 THEN false ELSE size(g) != ? END AS wrong FROM _records{f.tag}"
        for f in files)
    args = [a for f in files for a in (f.index, f.delimiter, f.ncols, f.ncols)]
    blocks = spark.sql(
        "SELECT file, blk, count(*) AS n, min(mid) AS lo, count_if(NOT blank) AS records, "
        "count_if(NOT blank AND (odd OR wrong)) AS structural, count_if(odd) AS odd, "
        f"min(CASE WHEN bad AND NOT odd THEN mid END) AS bad FROM ({lines}) GROUP BY file, blk",
        args=args).collect()
    odd = []
    if any(b["odd"] for b in blocks):  # stray quotes: few lines, judged on the driver
        if sum(b["odd"] for b in blocks) > _MAX_ODD:
            raise InputFileError(f"more than {_MAX_ODD} lines hold an unpaired quote; ingest "
                                 "these files with `workbench ingest` (DuckDB)")
        with_odd = sorted({b["file"] for b in blocks if b["odd"]})  # the other files: not read
        tags = {f.index: f.tag for f in files}
        odd = spark.sql(" UNION ALL ".join(
            f"SELECT CAST(? AS INT) AS file, blk, mid, value FROM _records{tags[i]} WHERE odd"
            for i in with_odd), args=with_odd).collect()
    out = []
    for f in files:
        mine = [b for b in blocks if b["file"] == f.index]
        shift = _shifts(mine)
        unpaired = sorted((r["mid"] + shift[r["blk"]], r["blk"], r["mid"]) for r in odd
                          if r["file"] == f.index and r["mid"] + shift[r["blk"]] > f.header_line)
        _refuse_line_breaks(spark, f, unpaired)
        out.append(_number(spark, f, mine, shift))
    return out


def _shifts(blocks: list) -> dict:
    """Split start -> what turns an id of that split into a physical line number."""
    base, shift = 0, {}
    for row in sorted(blocks, key=lambda r: r["blk"]):
        shift[row["blk"]] = base - row["lo"] + 1
        base += row["n"]
    return shift


def _refuse_line_breaks(spark, f: CsvFile, unpaired: list) -> None:
    """Refuse ``f`` if two unpaired quotes (in file order) enclose a record the DuckDB
    reader keeps whole; else the lines with them are rejected one by one, as there."""
    pairs = [(a, b) for a, b in zip(unpaired[::2], unpaired[1::2], strict=False)
             if a[1] == b[1] and b[0] - a[0] <= _MAX_SPAN]
    if not pairs:
        return
    ranges = " OR ".join("(mid BETWEEN ? AND ?)" for _ in pairs)
    rows = spark.sql(f"SELECT mid, value FROM _records{f.tag} WHERE {ranges}",
                     args=[m for a, b in pairs for m in (a[2], b[2])]).collect()
    text = {r["mid"]: r["value"] for r in rows}
    for (line, _blk, lo), (_line, _blk2, hi) in pairs:
        span = [text[m] for m in range(lo, hi + 1)]
        if _line_break_kept(span, f.ncols, f.delimiter):
            raise InputFileError(
                f"{f.path}: line {line} starts a record that spans lines (a quoted line "
                "break); the Spark ingest reads one record per line: ingest this file with "
                "`workbench ingest` (DuckDB) instead")


def _number(spark, f: CsvFile, blocks: list, shift: dict) -> SparkLines:
    i = f.tag
    bad = [r["bad"] + shift[r["blk"]] for r in blocks if r["bad"] is not None]
    bad = [n for n in bad if n > f.header_line]
    if bad:
        raise InputFileError(
            f"{f.path}: line {min(bad)} has a quoted field the one-line reader cannot read; "
            "ingest this file with `workbench ingest` (DuckDB) instead")
    offsets = sorted(shift.items())
    # the shift of each split as a CASE (a few splits per file: no join, no table)
    shift_sql = "CASE blk " + "WHEN ? THEN ? " * len(offsets) + "END"
    cells = ", ".join(f"nullif(try_element_at(g, {k + 1}), '') AS c{k}" for k in range(f.ncols))
    # kept: the cells of each record, the reason and raw text of a structural reject only
    numbered = spark.sql(
        f"SELECT CAST(mid + {shift_sql} AS BIGINT) AS _line, "
        "CASE WHEN odd THEN 'unbalanced quote: the line''s record does not end' "
        "WHEN size(g) != ? THEN concat('expected ', ?, ' fields, found ', size(f)) END AS reason, "
        "CASE WHEN odd THEN value WHEN size(g) != ? THEN array_join(f, ',') END AS raw, "
        f"{cells} FROM _records{i} WHERE mid + {shift_sql} > ? AND NOT blank",
        args=([v for pair in offsets for v in pair] + [f.ncols, str(f.ncols), f.ncols]
              + [v for pair in offsets for v in pair] + [f.header_line]),
    ).persist()  # read by the lookups, the validation and the rejects: read the file once
    numbered.createOrReplaceTempView(f"_numbered{i}")
    names = ", ".join(f"c{k}" for k in range(f.ncols))
    spark.sql(f"SELECT _line, {names} FROM _numbered{i} WHERE reason IS NULL") \
        .createOrReplaceTempView(f"_stage{i}")
    spark.sql(f"SELECT _line, reason, raw FROM _numbered{i} WHERE reason IS NOT NULL") \
        .createOrReplaceTempView(f"_structural{i}")
    records = sum(r["records"] for r in blocks) - 1  # the header is a record of its own
    structural = sum(r["structural"] for r in blocks)
    base = sum(r["n"] for r in blocks)
    return SparkLines(f"_stage{i}", f"_structural{i}", records, structural, base, numbered)
