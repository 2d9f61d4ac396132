"""Ingest export files into the case store: map headers, normalize, validate, store.

Every data row of every file ends as exactly one of *stored*, *duplicate* (identical after
normalization to a stored row of its kind) or *rejected* (kept in ``rejects`` with file,
line, column, reason and the raw row). One call is one transaction: a failure anywhere leaves
the store as it was.

Examples
--------
>>> import tempfile, os, pathlib
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> _ = (tmp / "calls.csv").write_text(
...     "caller,callee,started_at\\n13800138000,+86 139 0013 9000,2019-04-01 23:30\\n"
...     "13800138000,abc,2019-04-01 23:31\\n")
>>> from workbench.store.database import Store
>>> with Store(tmp / "case.duckdb") as store:
...     report = ingest_paths(store, [tmp / "calls.csv"])
>>> [(f.kind, f.rows, f.stored, f.duplicates, f.rejected) for f in report.files]
[('calls', 2, 1, 0, 1)]
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from ..contract import (
    DEFAULT_REGION,
    DEFAULT_TZ,
    IDENTITY_COLUMNS,
    KIND_NAMES,
    KINDS,
    PERSON_KINDS,
    Kind,
    canonical_header,
    check_timezone,
    kind_from_filename,
)
from ..errors import InputFileError, WorkbenchError
from ..identity import resolve
from ..store import Store
from ..store.audit import log_action
from ..store.call_keys import refresh_call_keys
from .readers import SUPPORTED_SUFFIXES, SourceRead, file_format, read_header, scan_file, stage_file
from .scratch import ScratchNames
from .validate import build_typed, drop_scratch, insert_new, register_maps

__all__ = ["FileReport", "IngestReport", "ingest_paths", "expand_paths", "parse_map_option"]

log = logging.getLogger(__name__)

@dataclass
class FileReport:
    """The accounting of one ingested file: ``stored + duplicates + rejected == rows``."""

    file: str
    kind: str
    rows: int
    stored: int
    duplicates: int
    rejected: int
    format: str = ""
    encoding: str | None = None
    sha256: str = ""
    physical_lines: int | None = None
    method: str = ""
    seconds: float = 0.0

    def contract_dict(self) -> dict:
        """The keys the data contract promises for ``ingest --json``."""
        return {k: getattr(self, k) for k in ("file", "kind", "rows", "stored", "duplicates",
                                              "rejected")}


@dataclass
class IngestReport:
    """Result of one ingest call (one batch)."""

    batch_id: int
    files: list[FileReport] = field(default_factory=list)
    identity: dict | None = None  # counts of the resolution stage, when it ran

    def as_dict(self) -> dict:
        return {"batch_id": self.batch_id, "files": [asdict(f) for f in self.files],
                "identity": self.identity}


@dataclass
class _Plan:
    path: Path
    kind: Kind
    fmt: str
    headers: list[str]
    delimiter: str | None
    columns: dict[str, int]  # canonical name -> header position
    extras: dict[int, str]  # header position -> extra column name
    scan: object


def parse_map_option(items: Iterable[str]) -> dict[str, str]:
    """Turn ``--map 'Source Header=canonical'`` options into a dict.

    Examples
    --------
    >>> parse_map_option(["Calling Number=caller", " B = callee "])
    {'Calling Number': 'caller', 'B': 'callee'}
    """
    out: dict[str, str] = {}
    for item in items:
        src, sep, dst = item.rpartition("=")
        if not sep or not src.strip() or not dst.strip():
            raise WorkbenchError(f"--map expects 'Source Header=column', got {item!r}")
        out[src.strip()] = dst.strip()
    return out


def expand_paths(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files to ingest: files as given; for a directory, every supported file in it.

    Examples
    --------
    >>> expand_paths([]) == []
    True
    """
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(
                f for f in p.iterdir()
                if f.is_file() and not f.name.startswith(".")
                and f.suffix.lower() in SUPPORTED_SUFFIXES
            )
            if not found:
                raise InputFileError(f"{p}: directory holds no CSV, .xlsx or Parquet file")
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise InputFileError(f"{p}: no such file or directory")
    return out


def _map_headers(path: Path, kind: Kind, headers: list[str],
                 user_map: Mapping[str, str]) -> tuple[dict[str, int], dict[int, str]]:
    user = {canonical_header(k): v for k, v in user_map.items()}
    for target in user.values():
        if target not in kind.names:
            raise InputFileError(
                f"{path}: --map target {target!r} is not a column of {kind.name} "
                f"({', '.join(kind.names)})"
            )
    aliases = {canonical_header(k): v for k, v in kind.aliases.items()}
    columns: dict[str, int] = {}
    extras: dict[int, str] = {}
    used_extra: set[str] = set()
    for pos, header in enumerate(headers):
        key = canonical_header(header)
        target = user.get(key) or (key if key in kind.names else None) or aliases.get(key)
        if target:
            if target in columns:
                raise InputFileError(
                    f"{path}: columns {headers[columns[target]]!r} and {header!r} both map "
                    f"to {target}; use --map to say which is which"
                )
            columns[target] = pos
        else:
            name = header.strip() or f"column_{pos + 1}"
            while name in used_extra:
                name += "_"
            used_extra.add(name)
            extras[pos] = name
    missing = [c for c in kind.required if c not in columns]
    if kind.name in PERSON_KINDS:
        who = ("person_id", "id_number") if kind.name == "persons" else IDENTITY_COLUMNS[:3]
        if not any(c in columns for c in who):
            missing.append(" or ".join(who))
    if missing:
        raise InputFileError(
            f"{path}: missing required column(s) {', '.join(missing)} for {kind.name} "
            f"(found: {', '.join(repr(h) for h in headers)}); map them with --map "
            "'Header=column'"
        )
    return columns, extras


def _plan(path: Path, kind: str | None, mapping: Mapping[str, Mapping[str, str]],
          encoding: str | None) -> _Plan:
    fmt = file_format(path)
    name = kind or kind_from_filename(path.name)
    if name is None:
        raise InputFileError(
            f"{path}: cannot tell the record kind from the file name; name the file after "
            f"its kind or pass --kind (one of: {', '.join(KIND_NAMES)})"
        )
    if name not in KINDS:
        raise InputFileError(f"unknown kind {name!r} (one of: {', '.join(KIND_NAMES)})")
    spec = KINDS[name]
    scan = scan_file(path, encoding=encoding, text=fmt == "csv")
    headers, delimiter = read_header(path, fmt, scan.encoding)
    user = {**mapping.get("*", {}), **mapping.get(name, {})}
    columns, extras = _map_headers(path, spec, headers, user)
    return _Plan(path, spec, fmt, headers, delimiter, columns, extras, scan)


def ingest_paths(
    store: Store,
    paths: Iterable[str | os.PathLike],
    *,
    kind: str | None = None,
    mapping: Mapping[str, Mapping[str, str]] | None = None,
    encoding: str | None = None,
    tz: str = DEFAULT_TZ,
    region: str = DEFAULT_REGION,
    progress: bool = False,
    force_exact: bool = False,
) -> IngestReport:
    """Ingest files (or directories of files) into ``store`` in one transaction.

    Parameters
    ----------
    store : Store
        A store opened read-write.
    paths : iterable of path
        Files, or directories whose supported files are all ingested.
    kind : str, optional
        Record kind for every file; default: told from each file name.
    mapping : dict, optional
        ``{kind: {source header: canonical column}}``; the key ``"*"`` applies to any kind.
    encoding : str, optional
        Text encoding of CSV files; default detected (UTF-8 with or without BOM, GB18030).
    tz : str
        Zone of the exports' local timestamps.
    region : str
        Default region of phone numbers without a country code.
    progress : bool
        Show a progress bar (tqdm) while reading.
    force_exact : bool
        Read CSV with the exact Python reader even when the fast reader would do.

    Returns
    -------
    IngestReport
    """
    if store.read_only:
        raise WorkbenchError("the case store is open read-only; cannot ingest")
    tz = check_timezone(tz)
    mapping = mapping or {}
    files = expand_paths(paths)
    if not files:
        raise InputFileError("no files to ingest")
    plans = [_plan(p, kind, mapping, encoding) for p in files]  # refuse before writing
    con = store.con
    from .. import __version__

    con.execute("SET TimeZone = 'UTC'")
    threads = int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])
    started = time.time()
    staged: list[_Staged] = []
    scratch: list[ScratchNames] = []
    try:
        # read, normalize and validate into temporary tables: nothing touches the store yet
        for plan in plans:
            names = ScratchNames.for_file(plan.scan.sha256, plan.kind.name, plan.headers)
            scratch.append(names)
            staged.append(_prepare(con, plan, names, tz, region, progress, force_exact))
        log.info("phase inserting: %d file(s)", len(staged))
        con.execute("BEGIN TRANSACTION")
        try:
            batch_id = con.execute(
                "SELECT coalesce(max(batch_id), 0) + 1 FROM ingest_batches"
            ).fetchall()[0][0]
            report = IngestReport(batch_id)
            for item in staged:
                report.files.append(_commit_one(con, item, batch_id, threads))
            # who each record names, from all of them (calls and kinship weigh too)
            if any(item.plan.kind.name in (*PERSON_KINDS, "kinship", "calls")
                   for item in staged):
                report.identity = resolve(con)
            options = {"kind": kind, "mapping": mapping, "encoding": encoding, "tz": tz,
                       "region": region}
            con.execute(
                "INSERT INTO ingest_batches VALUES (?, to_timestamp(?), now(), ?, ?, ?)",
                [batch_id, started, __version__, json.dumps(options, ensure_ascii=False),
                 len(plans)],
            )
            log_action(con, "ingest", {"batch": batch_id, "files": [
                {"file": Path(f.file).name, "sha256": f.sha256, "kind": f.kind, "rows": f.rows,
                 "stored": f.stored} for f in report.files]})
            if store.meta("timezone") is None:
                store.set_meta("timezone", tz)
            refresh_call_keys(con)  # the calls' integer keys, for the link layers
            store.set_meta("fingerprint", store.compute_fingerprint())
            con.execute("COMMIT")
        except BaseException:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:  # after an interrupt: closing the connection discards it
                log.debug("rollback failed after an error; the transaction is discarded")
            raise
    finally:
        _clean_up(con, scratch)
        _restore_session(store, threads)
    return report


def _restore_session(store: Store, threads: int) -> None:
    """Put back the connection's threads and time zone after an ingest. If that fails (the
    connection was interrupted), the connection is closed: used on with the ingest's UTC
    session it would read the case's times in the wrong zone."""
    con = store.con
    try:
        con.execute(f"SET threads = {threads}")  # insert_new lowers it
        tzname = store.meta("timezone") or DEFAULT_TZ
        con.execute(f"SET TimeZone = '{check_timezone(tzname)}'")
    except duckdb.Error as exc:
        log.warning("the store's session could not be restored after the ingest (%s); "
                    "its connection is closed", str(exc).splitlines()[0])
        store.close()


def _clean_up(con: duckdb.DuckDBPyConnection, scratch: list[ScratchNames]) -> None:
    """Drop the temporary tables of an ingest, whatever state it ended in."""
    try:
        for names in scratch:
            drop_scratch(con, names)
    except duckdb.Error:  # the connection may be unusable after an interrupt
        log.debug("temporary tables not dropped: the connection is unusable")


@dataclass
class _Staged:
    plan: _Plan
    read: SourceRead
    names: ScratchNames
    rows: int
    rejected_fields: int
    seconds: float


def _prepare(con: duckdb.DuckDBPyConnection, plan: _Plan, names: ScratchNames, tz: str,
             region: str, progress: bool, force_exact: bool) -> _Staged:
    """Read one file, type and check every row once: the temporary table ``names.typed``."""
    t0 = time.perf_counter()
    bar = None
    if progress:
        from tqdm.auto import tqdm

        total = plan.scan.lines - 1 if plan.scan.lines else None
        bar = tqdm(total=total, unit="rows", desc=plan.path.name, leave=False)
    log.info("phase reading: %s", plan.path.name)
    try:
        read = stage_file(con, plan.path, plan.fmt, plan.scan, plan.headers, plan.delimiter,
                          names, tick=(bar.update if bar else lambda n: None),
                          force_exact=force_exact)
    finally:
        if bar is not None:
            bar.close()
    log.info("phase validating: %s", plan.path.name)
    maps = register_maps(con, plan.kind, plan.columns, names.stage, region, names)
    rows, rejected = build_typed(con, plan.kind, plan.columns, plan.extras, plan.headers,
                                 names.stage, tz, names.typed, maps)
    con.execute(f"DROP TABLE {names.stage}")
    for table in maps.values():
        con.execute(f"DROP TABLE {table}")
    if rows != read.staged:
        raise WorkbenchError(f"{plan.path}: read {read.staged} rows but typed {rows}; "
                             "nothing stored")
    return _Staged(plan, read, names, rows, rejected, time.perf_counter() - t0)


def _commit_one(con: duckdb.DuckDBPyConnection, item: _Staged, batch_id: int,
                threads: int) -> FileReport:
    """Inside the ingest transaction: rejects, new rows and the source record of one file."""
    t0 = time.perf_counter()
    plan, read, names = item.plan, item.read, item.names
    path, spec = plan.path, plan.kind
    file_name = str(path.resolve())
    sha = plan.scan.sha256
    source_id = con.execute(
        "SELECT coalesce(max(source_id), 0) + 1 FROM sources"
    ).fetchall()[0][0]
    con.execute(
        f"INSERT INTO rejects SELECT ?, ?, ?, _line, _column, _reason, _raw FROM {names.rejects} v "
        "WHERE NOT EXISTS "
        "(SELECT 1 FROM rejects r WHERE r.sha256 = ? AND r.line = v._line)",
        [source_id, file_name, sha, sha],
    )
    if read.structural:
        lines, reasons, raws = (list(x) for x in zip(*read.structural, strict=True))
        con.execute(
            "INSERT INTO rejects SELECT ?, ?, ?, line, NULL, reason, raw FROM (SELECT "
            "CAST(unnest(?) AS BIGINT) AS line, CAST(unnest(?) AS VARCHAR) AS reason, "
            "CAST(unnest(?) AS VARCHAR) AS raw) s WHERE NOT EXISTS "
            "(SELECT 1 FROM rejects r WHERE r.sha256 = ? AND r.line = s.line)",
            [source_id, file_name, sha, lines, reasons, raws, sha],
        )
    valid = item.rows - item.rejected_fields
    stored = insert_new(con, spec, names.typed, bool(plan.extras), source_id, threads,
                        names.repeats)
    rows = item.rows + len(read.structural)
    report = FileReport(
        file=file_name, kind=spec.name, rows=rows, stored=stored, duplicates=valid - stored,
        rejected=item.rejected_fields + len(read.structural), format=read.format,
        encoding=read.encoding, sha256=sha, physical_lines=read.physical_lines,
        method=read.method, seconds=round(item.seconds + time.perf_counter() - t0, 3),
    )
    if report.stored + report.duplicates + report.rejected != report.rows:
        raise WorkbenchError(f"{path}: internal accounting error ({report}); nothing stored")
    con.execute(
        "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [source_id, batch_id, file_name, sha, plan.scan.size, spec.name, read.format,
         read.encoding, read.delimiter,
         json.dumps({"headers": plan.headers, "columns": plan.columns,
                     "extras": {str(k): v for k, v in plan.extras.items()}},
                    ensure_ascii=False),
         read.physical_lines, report.rows, report.stored, report.duplicates, report.rejected],
    )
    log.info("%s: %s rows %d stored %d duplicates %d rejected %d (%s, %.2fs)", path,
             spec.name, report.rows, report.stored, report.duplicates, report.rejected,
             read.method, report.seconds)
    return report
