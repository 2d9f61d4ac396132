"""Small queries the facade and the Explorer need: who is this, what are their numbers, the
phone-link log. Every value is a parameter; each function takes the store's connection.

Examples
--------
>>> import tempfile, os
>>> from workbench.store.database import Store
>>> with Store(os.path.join(tempfile.mkdtemp(), "c.duckdb")) as s:
...     names(s.con, ["P1"]), is_person(s.con, "P1")
({}, False)
"""

from __future__ import annotations

import duckdb

__all__ = ["is_person", "owners_of_number", "number_in_calls", "persons_with_id_number",
           "id_number_in_presence", "persons_named", "names", "search", "numbers_of",
           "identifiers_of", "call_span", "numbers_present", "accounts_present",
           "active_links_touching",
           "add_phone_link", "end_phone_link", "phone_links"]


#: every known person: the resolved persons (workbench.identity), and registry rows of a
#: store whose records were written without the resolution stage
PEOPLE = ("(SELECT person_id, name, id_number FROM identity_persons UNION ALL "
          "SELECT person_id, name, id_number FROM persons p WHERE person_id IS NOT NULL "
          "AND NOT EXISTS (SELECT 1 FROM identity_persons i WHERE i.person_id = p.person_id))")


def is_person(con: duckdb.DuckDBPyConnection, person_id: str) -> bool:
    """Whether ``person_id`` is a known person."""
    return bool(con.execute(f"SELECT 1 FROM {PEOPLE} WHERE person_id = ?",
                            [person_id]).fetchall())


def owners_of_number(con: duckdb.DuckDBPyConnection, number: str) -> list[str]:
    """Persons a number (E.164) was ever registered to."""
    return [r[0] for r in con.execute(
        "SELECT DISTINCT person_id FROM phones WHERE phone = ? AND person_id IS NOT NULL "
        "ORDER BY 1",
        [number]).fetchall()]


def number_in_calls(con: duckdb.DuckDBPyConnection, number: str) -> bool:
    """Whether a number (E.164) made or took a call in the case."""
    return bool(con.execute("SELECT 1 FROM calls WHERE caller = ? OR callee = ? LIMIT 1",
                            [number, number]).fetchall())


def persons_with_id_number(con: duckdb.DuckDBPyConnection, id_number: str) -> list[str]:
    """Persons whose record carries this resident ID number."""
    return [r[0] for r in con.execute(
        f"SELECT DISTINCT person_id FROM {PEOPLE} WHERE id_number = ? ORDER BY 1",
        [id_number]).fetchall()]


def id_number_in_presence(con: duckdb.DuckDBPyConnection, id_number: str) -> bool:
    """Whether a hotel stay, venue sighting or ticket names this ID number."""
    return bool(con.execute(
        "SELECT 1 FROM (SELECT id_number FROM stays UNION ALL SELECT id_number FROM visits "
        "UNION ALL SELECT id_number FROM trips) WHERE id_number = ? LIMIT 1",
        [id_number]).fetchall())


def persons_named(con: duckdb.DuckDBPyConnection, text: str, exact: bool,
                  limit: int = 11) -> list[tuple[str, str]]:
    """``(person_id, name)`` of persons named ``text`` exactly, or whose name contains it."""
    cond = "name = ?" if exact else "contains(name, ?)"
    return con.execute(f"SELECT DISTINCT person_id, name FROM {PEOPLE} WHERE {cond} "
                       "ORDER BY person_id LIMIT ?", [text, limit]).fetchall()


def names(con: duckdb.DuckDBPyConnection, ids) -> dict[str, str]:
    """Person id -> name for the ids that are known persons."""
    ids = sorted({str(x) for x in ids if x})
    if not ids:
        return {}
    return {pid: name or "" for pid, name in con.execute(
        f"SELECT person_id, name FROM {PEOPLE} WHERE person_id IN (SELECT unnest(?))",
        [ids]).fetchall()}


def search(con: duckdb.DuckDBPyConnection, query: str) -> str | None:
    """The best match for a search box: a person id or exact name, then a number (or six
    or more of its digits), an account, then part of a name; None when nothing matches."""
    digits = "".join(c for c in query if c.isdigit())
    rows = con.execute(
        f"SELECT * FROM (SELECT person_id, 0 AS rank FROM {PEOPLE} WHERE person_id = ? "
        "OR name = ? UNION SELECT person_id, 1 FROM phones WHERE phone = ? OR phone = ? "
        "OR (length(?) >= 6 AND phone LIKE '%' || ? || '%') "
        "UNION SELECT person_id, 1 FROM accounts WHERE account_id = ? "
        f"UNION SELECT person_id, 2 FROM {PEOPLE} WHERE contains(name, ?)) "
        "WHERE person_id IS NOT NULL ORDER BY rank, person_id LIMIT 1",
        [query, query, query, "+86" + query, digits, digits, query, query]).fetchall()
    return rows[0][0] if rows else None


def numbers_of(con: duckdb.DuckDBPyConnection, persons) -> list[str]:
    """Every number registered to these persons, sorted."""
    return [r[0] for r in con.execute(
        "SELECT DISTINCT phone FROM phones WHERE person_id IN (SELECT unnest(?)) ORDER BY 1",
        [sorted(set(persons))]).fetchall()]


def identifiers_of(con: duckdb.DuckDBPyConnection, persons) -> dict[str, str]:
    """Phones, accounts, ID numbers and names of these persons: value -> kind."""
    out: dict[str, str] = {}
    persons = sorted(set(persons))
    for sql, kind in (
        ("SELECT phone FROM phones WHERE person_id IN (SELECT unnest(?))", "phone"),
        ("SELECT account_id FROM accounts WHERE person_id IN (SELECT unnest(?))", "account"),
        (f"SELECT id_number FROM {PEOPLE} WHERE person_id IN (SELECT unnest(?)) "
         "AND id_number IS NOT NULL", "id_number"),
        (f"SELECT name FROM {PEOPLE} WHERE person_id IN (SELECT unnest(?))", "name"),
    ):
        for (value,) in con.execute(sql, [persons]).fetchall():
            out.setdefault(str(value), kind)
    return out


def call_span(con: duckdb.DuckDBPyConnection):
    """First and last call time (aware datetimes), or ``(None, None)``."""
    return tuple(con.execute("SELECT min(started_at), max(started_at) FROM calls"
                             ).fetchall()[0])


def numbers_present(con: duckdb.DuckDBPyConnection, numbers) -> set[str]:
    """Which of these numbers appear in calls or phones."""
    return {r[0] for r in con.execute(
        "SELECT DISTINCT n FROM (SELECT caller AS n FROM calls UNION ALL "
        "SELECT callee FROM calls UNION ALL SELECT phone FROM phones) "
        "WHERE n IN (SELECT unnest(?))", [list(numbers)]).fetchall()}


def accounts_present(con: duckdb.DuckDBPyConnection, accounts) -> set[str]:
    """Which of these accounts appear in transactions or accounts."""
    return {r[0] for r in con.execute(
        "SELECT DISTINCT a FROM (SELECT from_account AS a FROM transactions UNION ALL "
        "SELECT to_account FROM transactions UNION ALL SELECT account_id FROM accounts) "
        "WHERE a IN (SELECT unnest(?))", [list(accounts)]).fetchall()}


def active_links_touching(con: duckdb.DuckDBPyConnection, old: str, new: str) -> list[tuple]:
    """Active phone links that already use ``new`` (either side) or ``old`` as a new one."""
    return con.execute(
        "SELECT old, new FROM phone_links WHERE unlinked_at IS NULL AND "
        "(new = ? OR old = ? OR new = ?)", [new, new, old]).fetchall()


def add_phone_link(con: duckdb.DuckDBPyConnection, old: str, new: str,
                   note: str | None) -> None:
    """Log a link (inside the caller's transaction)."""
    con.execute("INSERT INTO phone_links VALUES (?, ?, now(), ?, NULL)", [old, new, note])


def end_phone_link(con: duckdb.DuckDBPyConnection, old: str, new: str) -> int:
    """Mark an active link undone (inside the caller's transaction); rows changed."""
    return con.execute(
        "UPDATE phone_links SET unlinked_at = now() WHERE old = ? AND new = ? "
        "AND unlinked_at IS NULL", [old, new]).fetchall()[0][0]


def phone_links(con: duckdb.DuckDBPyConnection, active: bool = False) -> list[dict]:
    """The link log, oldest first (times as ISO text)."""
    cur = con.execute(
        "SELECT old, new, linked_at, note, unlinked_at FROM phone_links "
        + ("WHERE unlinked_at IS NULL " if active else "") + "ORDER BY linked_at")
    cols = [d[0] for d in cur.description]
    return [{k: (v.isoformat() if hasattr(v, "isoformat") else v)
             for k, v in zip(cols, row, strict=True)} for row in cur.fetchall()]
