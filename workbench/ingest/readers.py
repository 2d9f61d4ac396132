"""Read export files into a staging table of raw text, one row per record, with line numbers.

Every reader fills a temporary stage table ``(_line BIGINT, c0 VARCHAR, c1 VARCHAR, ...)``, named
by :class:`~workbench.ingest.scratch.ScratchNames`,
(one ``c`` column per header position) and returns a :class:`SourceRead` describing the file:
its format, encoding, headers, physical lines and the *structural* rejects (records that are
not a row at all: wrong number of fields, an unbalanced quote).

CSV takes a fast path when the file's structure is clean: DuckDB reads it (a GB18030 file is
first transcoded to UTF-8 in a stream), and the record count is reconciled against the
physical line count, so no stray quote can swallow a line unseen. Otherwise the exact path
parses it in Python, tracking every physical line. Excel goes through openpyxl's streaming
reader (cells read as text: an Excel float ``13800138000.0`` is given back as digits), Parquet
through DuckDB.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..errors import InputFileError
from .scratch import ScratchNames

__all__ = ["SUPPORTED_SUFFIXES", "SourceRead", "FileScan", "scan_file", "stage_file"]

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx",
                      ".parquet": "parquet"}
_CHUNK = 1 << 22
_BATCH = 50_000
_BLANK = re.compile(rb"(?m)^[ \t\r]*\n")
_MAYBE_BLANK = re.compile(rb"\n[\n\r \t]")
csv.field_size_limit(1 << 24)


@dataclass
class FileScan:
    """What one pass over a file's bytes tells: hash, size, encoding, line structure."""

    sha256: str
    size: int
    encoding: str | None = None
    lines: int = 0
    blank_lines: list[int] = field(default_factory=list)


@dataclass
class SourceRead:
    """How a file was read into its stage table."""

    format: str
    headers: list[str]
    encoding: str | None = None
    delimiter: str | None = None
    physical_lines: int | None = None
    staged: int = 0
    structural: list[tuple[int, str, str]] = field(default_factory=list)
    method: str = ""


def file_format(path: Path) -> str:
    """The reader for a file, by extension; :class:`InputFileError` if unsupported."""
    fmt = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise InputFileError(
            f"{path}: unsupported file type {path.suffix or '(none)'!r} "
            f"(supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})"
        )
    return fmt


def scan_file(path: Path, encoding: str | None = None, text: bool = True) -> FileScan:
    """Hash a file and, for text, detect its encoding and map its lines, in one stream.

    Encoding: ``encoding`` when given (it must decode strictly); else UTF-8 (``utf-8-sig``
    with a BOM) when every byte decodes strictly, else GB18030 when that decodes strictly,
    else charset-normalizer's best guess.
    """
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder(encoding or "utf-8")("strict") if text else None
    scan = FileScan(sha256="", size=0)
    carry = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            if text and scan.size == 0 and chunk.startswith(codecs.BOM_UTF8) and not encoding:
                scan.encoding = "utf-8-sig"
            scan.size += len(chunk)
            if not text:
                continue
            if decoder is not None:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    decoder = None
            data = carry + chunk
            cut = data.rfind(b"\n") + 1
            block, carry = data[:cut], data[cut:]
            maybe_blank = block[:1] in (b"\n", b"\r", b" ", b"\t") or (
                _MAYBE_BLANK.search(block) is not None)
            for m in _BLANK.finditer(block) if maybe_blank else ():
                scan.blank_lines.append(scan.lines + block.count(b"\n", 0, m.start()) + 1)
            scan.lines += block.count(b"\n")
    scan.sha256 = digest.hexdigest()
    if not text:
        return scan
    if carry:
        scan.lines += 1
        if not carry.strip():
            scan.blank_lines.append(scan.lines)
    if decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            decoder = None
    if decoder is not None:
        scan.encoding = scan.encoding or encoding or "utf-8"
    elif encoding:
        raise InputFileError(f"{path}: cannot be decoded as {encoding}")
    elif _decodes(path, "gb18030"):
        scan.encoding = "gb18030"
    else:
        scan.encoding = _guess_encoding(path)
    return scan


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _guess_encoding(path: Path) -> str:
    from charset_normalizer import from_path

    best = from_path(path).best()
    if best is None:
        raise InputFileError(
            f"{path}: text encoding not recognised (not UTF-8 or GB18030); pass --encoding"
        )
    return best.encoding


def _sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def read_header(path: Path, fmt: str, encoding: str | None) -> tuple[list[str], str | None]:
    """Headers of a file (and the CSV delimiter), read without reading the whole file."""
    if fmt == "csv":
        with open(path, encoding=encoding or "utf-8-sig", errors="replace", newline="") as fh:
            for line in fh:
                if line.strip():
                    delim = _sniff_delimiter(line)
                    return next(csv.reader([line], delimiter=delim)), delim
        raise InputFileError(f"{path}: file is empty (no header line)")
    if fmt == "xlsx":
        for _line, values in _xlsx_rows(path):
            return [v or "" for v in values], None
        raise InputFileError(f"{path}: workbook has no rows (no header)")
    con = duckdb.connect()
    try:
        rows = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    except duckdb.Error as exc:
        raise InputFileError(f"{path}: not a readable Parquet file: {exc}") from None
    finally:
        con.close()
    return [r[0] for r in rows], None


def _create_stage(con: duckdb.DuckDBPyConnection, ncols: int, names: ScratchNames) -> None:
    cols = ", ".join(f"c{i} VARCHAR" for i in range(ncols))
    con.execute(f"DROP TABLE IF EXISTS {names.stage}")
    con.execute(f"CREATE TEMP TABLE {names.stage} (_line BIGINT, {cols})")


def _flush(con: duckdb.DuckDBPyConnection, lines: list[int], columns: list[list],
           names: ScratchNames) -> None:
    if not lines:
        return
    import pyarrow as pa  # here, not at the top: the fast readers need no Arrow (0.1 s)

    batch = pa.table(
        {"_line": pa.array(lines, pa.int64()),
         **{f"c{i}": pa.array(col, pa.string()) for i, col in enumerate(columns)}}
    )
    con.register(names.batch, batch)
    try:
        con.execute(f"INSERT INTO {names.stage} SELECT * FROM {names.batch}")
    finally:
        con.unregister(names.batch)
    lines.clear()
    for col in columns:
        col.clear()


class _Stager:
    """Collects rows in column batches and appends them to the stage table."""

    def __init__(self, con: duckdb.DuckDBPyConnection, ncols: int, tick: Callable[[int], None],
                 names: ScratchNames):
        self.con, self.ncols, self.tick, self.names = con, ncols, tick, names
        self.lines: list[int] = []
        self.columns: list[list] = [[] for _ in range(ncols)]
        self.staged = 0
        self.structural: list[tuple[int, str, str]] = []

    def add(self, line: int, values: list) -> None:
        if len(values) != self.ncols:
            extra = values[self.ncols:]
            if len(values) > self.ncols and not any((v or "").strip() for v in extra):
                values = values[: self.ncols]  # trailing empty cells: not data
            else:
                self.reject(line, f"expected {self.ncols} fields, found {len(values)}",
                            _join(values))
                return
        self.lines.append(line)
        for col, value in zip(self.columns, values, strict=True):
            col.append(value)
        self.staged += 1
        if len(self.lines) >= _BATCH:
            self.flush()

    def reject(self, line: int, reason: str, raw: str) -> None:
        self.structural.append((line, reason, raw))

    def flush(self) -> None:
        n = len(self.lines)
        _flush(self.con, self.lines, self.columns, self.names)
        self.tick(n)


def _join(values: list) -> str:
    return ",".join("" if v is None else str(v) for v in values)


def stage_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    fmt: str,
    scan: FileScan,
    headers: list[str],
    delimiter: str | None,
    names: ScratchNames,
    *,
    tick: Callable[[int], None] = lambda n: None,
    force_exact: bool = False,
) -> SourceRead:
    """Fill the stage table ``names.stage`` from one file; see the module docstring."""
    ncols = len(headers)
    if fmt == "parquet":
        return _stage_parquet(con, path, headers, names)
    if fmt == "xlsx":
        read = SourceRead("xlsx", headers, method="openpyxl")
        stager = _Stager(con, ncols, tick, names)
        _create_stage(con, ncols, names)
        rows = _xlsx_rows(path)
        next(rows, None)  # header
        for line, values in rows:
            stager.add(line, values + [None] * (ncols - len(values)))  # empty trailing cells
        stager.flush()
        read.staged, read.structural = stager.staged, stager.structural
        return read
    read = SourceRead("csv", headers, encoding=scan.encoding, delimiter=delimiter,
                      physical_lines=scan.lines)
    if not force_exact and _try_fast_csv(con, path, scan, ncols, delimiter, read, names):
        tick(read.staged)
        return read
    _stage_csv_exact(con, path, scan, ncols, delimiter, read, tick, names)
    return read


def _try_fast_csv(con, path: Path, scan: FileScan, ncols: int, delimiter: str,
                  read: SourceRead, names: ScratchNames) -> bool:
    nonblank = scan.lines - len(scan.blank_lines)
    last_nonblank = scan.lines
    blanks = set(scan.blank_lines)
    while last_nonblank in blanks:
        last_nonblank -= 1
    if any(b < last_nonblank for b in scan.blank_lines) or nonblank < 1:
        return False  # blank lines inside the data shift line numbers: exact path
    source = str(path)
    tmpdir = None
    if scan.encoding not in ("utf-8", "utf-8-sig"):
        tmpdir = tempfile.mkdtemp(prefix="workbench-")
        source = os.path.join(tmpdir, "utf8.csv")
        with open(path, encoding=scan.encoding, newline="") as src, \
                open(source, "w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(_CHUNK):
                dst.write(chunk)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(ncols)) + "}"
    try:
        con.execute(f"DROP TABLE IF EXISTS {names.stage}")
        con.execute(
            f"CREATE TEMP TABLE {names.stage} AS SELECT CAST(row_number() OVER () + 1 AS BIGINT) "
            f"AS _line, * FROM read_csv(?, header = true, auto_detect = false, "
            f"columns = {columns}, delim = ?, quote = '\"', escape = '\"', "
            "strict_mode = true, null_padding = false, parallel = true)",
            [source, delimiter],
        )
    except duckdb.Error as exc:
        log.info("%s: structure not clean for the fast reader (%s); exact path",
                 path, str(exc).splitlines()[0])
        return False
    finally:
        if tmpdir:
            os.remove(source)
            os.rmdir(tmpdir)
    staged = con.execute(f"SELECT count(*) FROM {names.stage}").fetchall()[0][0]
    if staged != nonblank - 1:
        log.info("%s: %d records for %d data lines; exact path", path, staged, nonblank - 1)
        return False
    read.staged, read.method = staged, "duckdb"
    return True


def _physical_lines(path: Path, encoding: str, consumed: list) -> Iterator[str]:
    with open(path, encoding=encoding, newline="") as fh:
        for lineno, line in enumerate(fh, start=1):
            consumed.append((lineno, line))
            yield line


def _stage_csv_exact(con, path: Path, scan: FileScan, ncols: int, delimiter: str,
                     read: SourceRead, tick: Callable[[int], None], names: ScratchNames) -> None:
    """Parse with Python's csv, accounting for every physical line.

    A record that spans several lines is kept only when it has the header's width and no
    line inside it would be a row of its own; otherwise each of its lines is read on its
    own, so a stray quote costs one rejected line, never the lines after it.
    """
    read.method = "python-csv"
    stager = _Stager(con, ncols, tick, names)
    _create_stage(con, ncols, names)
    consumed: list[tuple[int, str]] = []
    reader = csv.reader(_physical_lines(path, scan.encoding, consumed), delimiter=delimiter,
                        quotechar='"', doublequote=True, strict=False)
    header_seen = False
    while True:
        try:
            record = next(reader)
            error = None
        except StopIteration:
            if not consumed:
                break
            record, error = None, "unexpected end of file inside a quoted field"
        except csv.Error as exc:
            record, error = None, str(exc)
        lines, consumed[:] = list(consumed), []
        if not lines:
            break
        if record is not None and not record and len(lines) == 1:
            continue  # blank line
        if not header_seen:
            header_seen = True
            continue
        if record is not None and (len(lines) == 1 or _keeps_together(record, lines, ncols,
                                                                      delimiter)):
            stager.add(lines[0][0], record)
            continue
        for lineno, text in lines:
            _stage_single_line(stager, lineno, text, ncols, delimiter, error)
    stager.flush()
    read.staged, read.structural = stager.staged, stager.structural


def _keeps_together(record: list[str], lines: list[tuple[int, str]], ncols: int,
                    delimiter: str) -> bool:
    if len(record) != ncols:
        return False
    for _lineno, text in lines[1:]:
        if len(next(csv.reader([text], delimiter=delimiter), [])) == ncols:
            return False
    return True


def _stage_single_line(stager: _Stager, lineno: int, text: str, ncols: int, delimiter: str,
                       error: str | None) -> None:
    raw = text.rstrip("\r\n")
    if not raw.strip():
        return
    if raw.count('"') % 2:
        stager.reject(lineno, "unbalanced quote: the line's record does not end", raw)
        return
    try:
        values = next(csv.reader([raw], delimiter=delimiter, strict=True))
    except csv.Error as exc:
        stager.reject(lineno, f"malformed CSV line: {error or exc}", raw)
        return
    stager.add(lineno, values)


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str | None]]]:
    """Non-empty rows of the first non-empty worksheet, with their Excel row numbers."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise InputFileError(f"{path}: not a readable .xlsx workbook: {exc}") from None
    try:
        for ws in wb.worksheets:
            seen = False
            for rownum, row in enumerate(ws.iter_rows(values_only=True), start=1):
                values = [_cell_text(v) for v in row]
                while values and (values[-1] is None or values[-1] == ""):
                    values.pop()
                if not values:
                    continue
                seen = True
                yield rownum, values
            if seen:
                return
    finally:
        wb.close()


def _stage_parquet(con, path: Path, headers: list[str], names: ScratchNames) -> SourceRead:
    cols = [f"c{i}" for i in range(len(headers))]
    casts = ", ".join(f"CAST({n} AS VARCHAR) AS {n}" for n in cols)
    con.execute(f"DROP TABLE IF EXISTS {names.stage}")
    con.execute(
        f"CREATE TEMP TABLE {names.stage} AS SELECT CAST(_frn + 1 AS BIGINT) AS _line, {casts} "
        f"FROM read_parquet(?, file_row_number = true) AS t({', '.join(cols)}, _frn)",
        [str(path)],
    )
    staged = con.execute(f"SELECT count(*) FROM {names.stage}").fetchall()[0][0]
    return SourceRead("parquet", headers, staged=staged, method="duckdb")
