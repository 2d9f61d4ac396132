"""The identifiers a case store holds, as SQL over any attached catalog.

Phones (``phones.phone``, both ends of ``calls``), accounts (``accounts.account_id``, both
ends of ``transactions``), resident ID numbers (every table with an ``id_number`` column)
and persons (``persons.id_number``): each occurrence with its table, source and line. The
SQL reads only the tables a store has, so stores of older schema versions compare too.

Examples
--------
>>> import duckdb
>>> con = duckdb.connect()
>>> _ = con.execute("CREATE TABLE calls (caller VARCHAR, callee VARCHAR, _source BIGINT, "
...                 "_line BIGINT)")
>>> print(occurrences_sql(con, "memory"))  # doctest: +NORMALIZE_WHITESPACE
SELECT 'phone' AS kind, caller AS value, 'calls' AS tbl, _source, _line
FROM "memory".calls WHERE caller IS NOT NULL UNION ALL SELECT 'phone' AS kind, callee AS value,
'calls' AS tbl, _source, _line FROM "memory".calls WHERE callee IS NOT NULL
"""

from __future__ import annotations

__all__ = ["quote", "IDENTIFIER_COLUMNS", "occurrences_sql", "hmac_sql", "hmac_pads", "KINDS"]

#: the kinds of identifiers two cases can share
KINDS = ("phone", "account", "id_number", "person")

#: (kind, table, column) of every identifier column, besides ``id_number`` everywhere
IDENTIFIER_COLUMNS = (
    ("phone", "phones", "phone"),
    ("phone", "calls", "caller"),
    ("phone", "calls", "callee"),
    ("account", "accounts", "account_id"),
    ("account", "transactions", "from_account"),
    ("account", "transactions", "to_account"),
    ("person", "persons", "id_number"),
)


def quote(identifier: str) -> str:
    """A SQL identifier in double quotes (quotes inside doubled).

    >>> quote('a"b')
    '"a""b"'
    """
    return '"' + str(identifier).replace('"', '""') + '"'


def _columns(con, catalog: str) -> dict[str, set[str]]:
    rows = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_catalog = ? AND table_schema = 'main'", [catalog]).fetchall()
    out: dict[str, set[str]] = {}
    for table, column in rows:
        out.setdefault(table, set()).add(column)
    return out


def occurrences_sql(con, catalog: str) -> str:
    """``SELECT kind, value, tbl, _source, _line`` over every identifier column of the
    store attached as ``catalog`` (identifiers are whitelisted names, never user text)."""
    cols = _columns(con, catalog)
    parts = []
    wanted = list(IDENTIFIER_COLUMNS) + [("id_number", t, "id_number") for t in sorted(cols)
                                         if "id_number" in cols[t]]
    for kind, table, column in wanted:
        if column in cols.get(table, set()) and {"_source", "_line"} <= cols[table]:
            parts.append(f"SELECT '{kind}' AS kind, {column} AS value, '{table}' AS tbl, "
                         f"_source, _line FROM {quote(catalog)}.{table} WHERE {column} IS NOT NULL")
    if not parts:
        return ("SELECT NULL::VARCHAR AS kind, NULL::VARCHAR AS value, NULL::VARCHAR AS tbl, "
                "NULL::BIGINT AS _source, NULL::BIGINT AS _line WHERE false")
    return " UNION ALL ".join(parts)


def hmac_pads(salt: str) -> tuple[bytes, bytes]:
    """The outer and inner HMAC-SHA256 key pads of ``salt`` (RFC 2104).

    Examples
    --------
    >>> outer, inner = hmac_pads("s")
    >>> len(outer), outer[0] ^ inner[0] == 0x5C ^ 0x36
    (64, True)
    """
    import hashlib

    key = salt.encode("utf-8")
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x5C for b in key), bytes(b ^ 0x36 for b in key)


def hmac_sql(text_expr: str) -> str:
    """SQL for HMAC-SHA256 (hex) of ``text_expr`` with the pads bound as two parameters
    (outer, inner), equal to Python's ``hmac.new(salt, text, sha256).hexdigest()``.

    Examples
    --------
    >>> import duckdb, hmac, hashlib
    >>> sql = "SELECT " + hmac_sql("'phone:+8613800138000'")
    >>> got = duckdb.connect().execute(sql, list(hmac_pads("salt"))).fetchall()[0][0]
    >>> got == hmac.new(b"salt", b"phone:+8613800138000", hashlib.sha256).hexdigest()
    True
    """
    return f"sha256(?::BLOB || unhex(sha256(?::BLOB || encode({text_expr}))))"
