"""SQL that types and validates the raw rows of one file, for :mod:`workbench.ingest.local`.

A *source* is a relation with ``_line BIGINT`` and one VARCHAR column ``c0, c1, ...`` per
header position: the stage table the readers fill. :func:`build_typed` types and checks
every row in one pass into a temporary table (typing from the stage costs less CPU than
typing straight from DuckDB's ``read_csv``: measured 1.65 against 2.0 CPU-seconds per million
call rows, staging included); :func:`insert_new` appends the new valid rows from it.

Identifier types (phones, accounts, ID numbers) are parsed in Python once per distinct raw
value (:func:`register_maps`) into a small lookup table keyed by the *untrimmed* raw text, so
neither the distinct pass nor the per-row join trims; every other type is parsed in SQL
(:func:`workbench.contract.values.sql_value`).

Examples
--------
>>> import duckdb
>>> from workbench.contract.kinds import KINDS
>>> con = duckdb.connect()
>>> _ = con.execute("CREATE TABLE src AS SELECT 2::BIGINT AS _line, ' P1 ' AS c0, 'Wang' AS c1")
>>> spec = KINDS["persons"]
>>> maps = register_maps(con, spec, {"person_id": 0, "name": 1}, "src", "CN")
>>> sql, params = typed_select(spec, {"person_id": 0, "name": 1}, {}, "src", "UTC", maps)
>>> con.execute(f"SELECT _line, person_id, name, _reason FROM ({sql})", params).fetchall()
[(2, 'P1', 'Wang', None)]
"""

from __future__ import annotations

import duckdb

from ..contract import PERSON_KINDS, Kind, parse_account, parse_phone, sql_value, stored_column
from ..errors import WorkbenchError
from ..identity.ids import as_given
from .scratch import ScratchNames

__all__ = ["PY_PARSERS", "parse_value", "raw_row_sql", "register_maps", "drop_scratch",
           "typed_select", "build_typed", "insert_new"]

#: an ID number is kept as its source gave it (one spelling): a wrong check character or a
#: legacy 15-digit form is resolved later (:mod:`workbench.identity`); a value that is not
#: an ID number at all rejects the row
PY_PARSERS = {"phone": parse_phone, "account": parse_account, "id_number": as_given}

#: columns added to a kind after its first release: hashed only when present, so that the
#: rows of files stored before keep their hash (a re-ingest is still a duplicate)
_LATER_COLUMNS = {
    "persons": ("aliases",),
    "phones": ("id_number", "name", "birth_date", "sex"),
    "accounts": ("id_number", "name", "birth_date", "sex"),
    "arrests": ("id_number", "name", "birth_date", "sex"),
    "stays": ("birth_date", "sex"),
    "visits": ("birth_date", "sex"),
    "trips": ("birth_date", "sex"),
}


def _python_types(spec: Kind, columns: dict[str, int]) -> dict[str, list[int]]:
    """Python-parsed value type -> header positions of the file's columns of that type."""
    out: dict[str, list[int]] = {}
    for col in spec.columns:
        if col.vtype in PY_PARSERS and col.name in columns:
            out.setdefault(col.vtype, []).append(columns[col.name])
    return out


def parse_value(vtype: str, trimmed: str | None, region: str) -> tuple[str | None, str | None]:
    """``(normalized, None)`` or ``(None, reason)`` for one trimmed value of a Python-parsed
    type; ``(None, None)`` for an absent (blank) one.

    Examples
    --------
    >>> parse_value("phone", "138 0013 8000", "CN")
    ('+8613800138000', None)
    >>> parse_value("phone", None, "CN")
    (None, None)
    """
    if not trimmed:
        return None, None
    parse = PY_PARSERS[vtype]
    try:
        return (parse(trimmed, region) if vtype == "phone" else parse(trimmed)), None
    except ValueError as exc:
        return None, str(exc)


def register_maps(con: duckdb.DuckDBPyConnection, spec: Kind, columns: dict[str, int],
                  source: str, region: str, names: ScratchNames | None = None) -> dict[str, str]:
    """Parse each distinct raw value of the Python-parsed columns once: one lookup table per
    type, named by ``names`` (``_map_<type>`` without); returns ``{type: table}`` for
    :func:`typed_select`'s ``maps``.

    A lookup is ``(raw, norm, err)``: ``raw`` is the value as read (untrimmed), ``norm`` the
    parsed value, ``err`` the reject reason; both are NULL for a value that is blank after
    trimming (absent). Trimming is DuckDB's ``trim``, on the distinct values only.
    """
    maps = {}
    for vtype, positions in _python_types(spec, columns).items():
        maps[vtype] = table = names.lookup(vtype) if names else f"_map_{vtype}"
        cols = ", ".join(f"c{p}" for p in positions)
        distinct = con.execute(
            f"SELECT v, nullif(trim(v), '') FROM (SELECT DISTINCT unnest([{cols}]) AS v "
            f"FROM {source}) WHERE v IS NOT NULL"
        ).fetchall()
        raws, norms, errs = [], [], []
        for raw, trimmed in distinct:
            raws.append(raw)
            norm, err = parse_value(vtype, trimmed, region)
            norms.append(norm)
            errs.append(err)
        # lists as parameters, not an Arrow table: building one imports pandas (0.3 s)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT CAST(unnest(?) AS VARCHAR) "
            "AS raw, CAST(unnest(?) AS VARCHAR) AS norm, CAST(unnest(?) AS VARCHAR) AS err",
            [raws, norms, errs],
        )
    return maps


def drop_scratch(con: duckdb.DuckDBPyConnection, names: ScratchNames) -> None:
    """Drop every temporary table of one file's ingest that exists (``names``)."""
    tables = [names.stage, names.typed, names.rejects, names.repeats,
              *(names.lookup(vtype) for vtype in PY_PARSERS)]
    for table in tables:
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _json_object(pairs: list[tuple[str, str]], params: list) -> str:
    """SQL ``json_object`` over (name, sql) pairs; names become bound parameters."""
    if not pairs:
        return "CAST(NULL AS VARCHAR)"
    args = []
    for name, expr in pairs:
        params.append(name)
        args.append(f"CAST(? AS VARCHAR), {expr}")  # the cast: sqlglot reads it (Spark)
    return f"CAST(json_object({', '.join(args)}) AS VARCHAR)"


def raw_row_sql(headers: list[str], params: list) -> str:
    """SQL of a row as read: JSON header -> text over the staged cells ``c0, c1, ...``
    (a blank header is ``column_<n>``); the header names are appended to ``params``."""
    return _json_object([(h if h.strip() else f"column_{i + 1}", f"c{i}")
                         for i, h in enumerate(headers)], params)


def _row_checks(kind: str) -> list[tuple[str, str, str]]:
    """Checks across the fields of one row: (column, SQL condition of failure, reason)."""
    if kind == "phones":
        return [("until", "until < since", "until is before since"),
                ("person_id", "person_id IS NULL AND id_number IS NULL AND name IS NULL",
                 "required field missing: person_id, id_number or name")]
    if kind == "kinship":
        return [("person_b", "person_a = person_b", "a person cannot be their own kin")]
    checks = []
    if kind == "persons":
        checks.append(("person_id", "person_id IS NULL AND id_number IS NULL",
                       "required field missing: person_id or id_number"))
    elif kind in PERSON_KINDS:
        checks.append(("person_id", "person_id IS NULL AND id_number IS NULL AND name IS NULL",
                       "required field missing: person_id, id_number or name"))
    if kind == "stays":
        checks.append(("checked_out", "checked_out < checked_in",
                       "checked_out is before checked_in"))
    return checks


def hash_expr(spec: Kind) -> str:
    """The row hash: MD5 over the kind and the normalized values (stable across versions)."""
    parts = []
    later = _LATER_COLUMNS.get(spec.name, ())
    for col in spec.columns:
        if col.vtype == "timestamp":
            text = f"CAST(epoch_us({col.name}) AS VARCHAR)"
        else:
            text = f"CAST({col.name} AS VARCHAR)"
        if col.name in later:  # NULL is skipped by concat_ws: old rows hash as before
            parts.append(f"'{col.name}=' || {text}")
        else:
            parts.append(f"coalesce({text}, chr(0))")
    parts.append("coalesce(extra, chr(0))")
    return f"md5_number(concat_ws(chr(31), '{spec.name}', {', '.join(parts)}))"


def _trimmed(pos: int | None) -> str:
    return f"nullif(trim(_t.c{pos}), '')" if pos is not None else "CAST(NULL AS VARCHAR)"


def typed_select(spec: Kind, columns: dict[str, int], extras: dict[int, str], source: str,
                 tz: str, maps: dict[str, str] | None = None) -> tuple[str, list]:
    """``SELECT _line, extra, <typed columns>, _reason, _column, c0, c1, ... FROM source``.

    ``_reason`` / ``_column`` name the first failing check (NULL for a valid row). The raw
    columns are passed through for the rejects' raw row. Returns the SQL and its
    parameters, which go before the source's own.
    """
    params: list = []
    extra_pairs = [(name, _trimmed(pos)) for pos, name in extras.items()]
    extra = _json_object(extra_pairs, params)
    joins, values, errors = [], [], []
    for i, col in enumerate(spec.columns):
        pos = columns.get(col.name)
        if col.vtype in PY_PARSERS and pos is not None:
            lookup = (maps or {}).get(col.vtype, f"_map_{col.vtype}")
            joins.append(f"LEFT JOIN {lookup} m{i} ON m{i}.raw = _t.c{pos}")
            value, error = f"m{i}.norm", f"m{i}.err"
            missing = f"m{i}.norm IS NULL AND m{i}.err IS NULL"
        elif col.vtype in PY_PARSERS:
            value, error, missing = "CAST(NULL AS VARCHAR)", "NULL", "true"
        else:
            r = _trimmed(pos)
            value, error = sql_value(col.vtype, r, tz)
            error = f"CASE WHEN ({error}) IS NOT NULL THEN concat(({error}), ': ''', {r}, '''') END"
            missing = f"{r} IS NULL"
        if col.required:
            error = f"CASE WHEN {missing} THEN 'required field missing' ELSE {error} END"
        values.append(f"{value} AS {col.name}")
        values.append(f"{error} AS e_{col.name}")
        errors.append((f"e_{col.name}", col.name))
    for check_column, condition, message in _row_checks(spec.name):
        errors.append((f"CASE WHEN {condition} THEN '{message}' END", check_column))
    reason = "coalesce(" + ", ".join(e for e, _ in errors) + ")"
    column = "CASE " + " ".join(f"WHEN ({e}) IS NOT NULL THEN '{n}'" for e, n in errors) + " END"
    raw_cols = "".join(f", _t.c{p}" for p in sorted({*columns.values(), *extras}))  # all
    sql = (
        f"SELECT *, {reason} AS _reason, {column} AS _column FROM ("
        f"SELECT _t._line, {extra} AS extra, {', '.join(values)}{raw_cols} "
        f"FROM {source} _t {' '.join(joins)})"
    )
    return sql, params


def build_typed(con: duckdb.DuckDBPyConnection, spec: Kind, columns: dict[str, int],
                extras: dict[int, str], headers: list[str], source: str, tz: str,
                table: str, maps: dict[str, str] | None = None) -> tuple[int, int]:
    """One pass over a source: the temporary table ``table`` of typed rows; its rejects.

    ``table`` holds the kind's columns, ``extra`` (only when the file has extra columns),
    ``_line`` and ``_h``, the row hash, NULL for a rejected row: nothing wider, so that
    millions of rows stay in memory. The few rejected rows are typed again, with reason,
    column and the row as read (JSON header -> text), into ``<table>_rej``. Returns (rows,
    rejected rows).
    """
    typed, params = typed_select(spec, columns, extras, source, tz, maps)
    extra = "extra, " if extras else ""
    con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(
        f"CREATE TEMP TABLE {table} AS SELECT {', '.join(spec.names)}, {extra}_line, "
        f"CASE WHEN _reason IS NULL THEN {hash_expr(spec)} END AS _h FROM ({typed})",
        params,
    )
    rows, rejected = con.execute(
        f"SELECT count(*), count(*) - count(_h) FROM {table}"
    ).fetchall()[0]
    bad = f"(SELECT * FROM {source} WHERE _line IN (SELECT _line FROM {table} WHERE _h IS NULL))"
    typed, params = typed_select(spec, columns, extras, bad, tz, maps)
    raw_params: list = []  # they come first: the raw row is in the outer SELECT list
    raw = raw_row_sql(headers, raw_params)
    con.execute(f"DROP TABLE IF EXISTS {table}_rej")
    con.execute(
        f"CREATE TEMP TABLE {table}_rej AS SELECT _line, _column, _reason, {raw} AS _raw "
        f"FROM ({typed}) WHERE _reason IS NOT NULL",
        raw_params + params,
    )
    typed_again = con.execute(f"SELECT count(*) FROM {table}_rej").fetchall()[0][0]
    if typed_again != rejected:
        raise WorkbenchError(f"internal error: {rejected} rows rejected, {typed_again} "
                             "reasons; nothing stored")
    return rows, rejected


def insert_new(con: duckdb.DuckDBPyConnection, spec: Kind, table: str, has_extra: bool,
               source_id: int, threads: int, repeats_table: str) -> int:
    """Insert the valid rows of ``table`` that are new, in line order; return how many.

    A row is new when no earlier line of the same file has its row hash and, only when the
    record table holds rows at all, no stored row has it. The repeats within the file are
    few: they are found by one aggregate over the hashes, and the rows are checked against
    that short list only, in the temporary table ``repeats_table``.

    The insert runs on one DuckDB thread, then ``threads`` are set again (after an error the
    caller sets them, once the transaction is rolled back): with two, DuckDB writes each
    thread's share in row groups of its own and merges them, which cost 0.75 against 0.45
    CPU-seconds per million call rows (5.3-5.6 against 4.2-4.6 at 5M).
    """
    names = ", ".join(spec.names)
    stored = [(stored_column(spec.name, c), c) for c in spec.names]
    # a given person is kept as given and is also the resolution's first guess
    targets = ", ".join([t for t, _ in stored] + [c for t, c in stored if t != c])
    names = ", ".join([c for _, c in stored] + [c for t, c in stored if t != c])
    extra = "v.extra" if has_extra else "NULL"
    repeats = con.execute(
        f"CREATE OR REPLACE TEMP TABLE {repeats_table} AS SELECT _h, min(_line) AS _first "
        f"FROM {table} WHERE _h IS NOT NULL GROUP BY _h HAVING count(*) > 1"
    ).fetchall()[0][0]
    first_only = ""
    if repeats:  # a join on the short list, not a correlated subquery (a join of all rows)
        first_only = (f"LEFT JOIN {repeats_table} r ON r._h = v._h "
                      "WHERE v._h IS NOT NULL AND (r._first IS NULL OR r._first = v._line)")
    stored_check = ""
    if con.execute(f"SELECT count(*) > 0 FROM {spec.name}").fetchall()[0][0]:
        stored_check = (f" AND NOT EXISTS (SELECT 1 FROM {spec.name} s "
                        "WHERE s._row_hash = v._h)")
    con.execute("SET threads = 1")
    row = con.execute(
        f"INSERT INTO {spec.name} ({targets}, extra, _source, _line, _row_hash) "
        f"SELECT {names}, {extra}, ?, v._line, v._h FROM {table} v "
        f"{first_only or 'WHERE v._h IS NOT NULL'}{stored_check}",
        [source_id],
    ).fetchall()
    con.execute(f"SET threads = {int(threads)}")
    con.execute(f"DROP TABLE {repeats_table}")  # on an error, the caller's clean-up drops it
    return int(row[0][0]) if row else 0
