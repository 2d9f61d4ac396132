"""The SQL every stage shares: time windows, who owns a number at a time, aliased calls.

One rule for ownership lives here: a ``phones`` row says a person used a number from
``since`` to ``until`` (both dates, ``until`` inclusive); a missing ``since`` or ``until``
leaves that end open. Several rows of one person for one number are merged (the earliest
start and the latest end, open if any row is open). Links, call views and time-respecting
paths all join calls to owners through :func:`owner_join`.

Examples
--------
>>> window("c.started_at", None)
('TRUE', [])
>>> "since IS NULL" in owner_join("pa", "c.caller", "c.started_at")
True
"""

from __future__ import annotations

import re

__all__ = ["PHONE_OWNERS", "ACCOUNT_OWNERS", "short_call_sql", "NUMBER_NODE", "ID_NUMBER_NODE",
           "window", "window_between", "owner_join", "phone_aliases_sql", "calls_aliased"]

#: a graph node that is a phone number standing for itself (E.164, or a short service number)
NUMBER_NODE = re.compile(r"^\+?[0-9]{3,16}$")
#: a graph node that is a person known only by an 18-character resident ID number
ID_NUMBER_NODE = re.compile(r"^[0-9]{17}[0-9X]$")

#: (number, person) with the merged period of use; NULL ends are open
PHONE_OWNERS = (
    "SELECT phone AS id, person_id, "
    "CASE WHEN bool_or(since IS NULL) THEN NULL ELSE min(since) END AS since, "
    "CASE WHEN bool_or(until IS NULL) THEN NULL ELSE max(until) END AS until "
    "FROM phones GROUP BY phone, person_id"
)
#: (account, person)
ACCOUNT_OWNERS = ("SELECT account_id AS id, person_id, NULL AS since, NULL AS until "
                  "FROM accounts GROUP BY account_id, person_id")


def window(column: str, params) -> tuple[str, list]:
    """``(condition, values)`` keeping ``column`` inside ``params.since``/``params.until``
    (``until`` exclusive); ``params`` may be None (no window)."""
    if params is None:
        return "TRUE", []
    return window_between(column, params.since, params.until)


def window_between(column: str, since, until) -> tuple[str, list]:
    """``(condition, values)`` keeping ``column`` in ``[since, until)``; either may be None.

    >>> window_between("t", None, 5)
    ('t < ?', [5])
    """
    sql, args = [], []
    if since is not None:
        sql.append(f"{column} >= ?")
        args.append(since)
    if until is not None:
        sql.append(f"{column} < ?")
        args.append(until)
    return (" AND ".join(sql) if sql else "TRUE"), args


def owner_during(alias: str, when: str) -> str:
    """Condition: the owner row ``alias`` covers the time ``when``."""
    return (f"({alias}.since IS NULL OR {when} >= {alias}.since) AND "
            f"({alias}.until IS NULL OR {when} < {alias}.until + INTERVAL 1 DAY)")


def owner_join(alias: str, number: str, when: str, table: str = "_own_phones",
               kind: str = "LEFT") -> str:
    """``LEFT JOIN`` of the owner table (``_own_phones`` or a CTE of :data:`PHONE_OWNERS`)
    on ``number`` at time ``when`` (no time condition when ``when`` is empty)."""
    cond = f"{alias}.id = {number}"
    if when:
        cond += " AND " + owner_during(alias, when)
    return f"{kind} JOIN {table} {alias} ON {cond}"


def phone_aliases_sql() -> str:
    """SQL of the active confirmed links ``(new, old)``: a new number stands for its old."""
    return "SELECT new, old FROM phone_links WHERE unlinked_at IS NULL"


def calls_aliased(params) -> tuple[str, list]:
    """Calls in the window with confirmed successor numbers counted as their old number:
    ``(caller, callee, started_at, duration_s, cell_id)``."""
    wc, args = window("c.started_at", params)
    sql = (
        "SELECT coalesce(a1.old, c.caller) AS caller, coalesce(a2.old, c.callee) AS callee, "
        "c.started_at, c.duration_s, c.cell_id FROM calls c "
        f"LEFT JOIN ({phone_aliases_sql()}) a1 ON a1.new = c.caller "
        f"LEFT JOIN ({phone_aliases_sql()}) a2 ON a2.new = c.callee WHERE {wc}"
    )
    return sql, args


def short_call_sql(short_s: int, column: str = "duration_s") -> str:
    """SQL of "a short call": at most ``short_s`` seconds. A call whose duration is unknown
    is not short (nothing says it was): the one rule, for the layers and the services.

    >>> short_call_sql(60)
    'coalesce(duration_s <= 60, FALSE)'
    """
    return f"coalesce({column} <= {int(short_s)}, FALSE)"
