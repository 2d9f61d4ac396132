"""The SQL every stage shares: time windows, who owns a number at a time, aliased calls.

One rule for ownership lives here: a ``phones`` row says a person (its resolved
``person_id``: rows left unresolved own nothing) used a number from ``since`` to ``until``
(both dates, ``until`` inclusive); a missing ``since`` or ``until`` leaves that end open.
Each row is its own period. A period ends, at the latest, the day before another person's
later period on the same number starts (carriers recycle numbers: the newer registration
takes over); then the periods of one person that overlap or touch are joined, never across
another person's period. So with P1 in January and March and P3 in February, a February
call is P3's alone. Links, call views and time-respecting paths all join calls to owners
through :func:`owner_join`.

Examples
--------
>>> window("c.started_at", None)
('TRUE', [])
>>> "since IS NULL" in owner_join("pa", "c.caller", "c.started_at")
True
"""

from __future__ import annotations

import re

__all__ = ["PHONE_OWNERS", "ACCOUNT_OWNERS", "short_call_sql", "night_sql", "fixed_offset",
           "NUMBER_NODE", "ID_NUMBER_NODE", "window", "window_between", "owner_join",
           "phone_aliases_sql", "calls_aliased"]

#: a graph node that is a phone number standing for itself (E.164, or a short service number)
NUMBER_NODE = re.compile(r"^\+?[0-9]{3,16}$")
#: a graph node that is a person known only by an 18-character resident ID number
ID_NUMBER_NODE = re.compile(r"^[0-9]{17}[0-9X]$")

_FIRST, _LAST = "DATE '0001-01-01'", "DATE '9999-12-31'"
#: the registrations (number, person, first day, last day), ends open as far as dates go
_ROWS = ("SELECT DISTINCT phone, person_id, "
         f"coalesce(since, {_FIRST}) AS s, coalesce(until, {_LAST}) AS u FROM phones "
         "WHERE person_id IS NOT NULL")
#: the periods of use from the registrations in ``p`` (CTEs ``t`` to ``g``, then the rows)
_PERIODS = (
    # each period ends before another person's later period starts
    "t AS (SELECT p.phone, p.person_id, p.s, "
    "least(p.u, coalesce(CAST(min(o.s) - INTERVAL 1 DAY AS DATE), p.u)) AS u "
    "FROM p LEFT JOIN p o ON o.phone = p.phone AND o.person_id <> p.person_id AND o.s > p.s "
    "GROUP BY p.phone, p.person_id, p.s, p.u), "
    "v AS (SELECT * FROM t WHERE u >= s), "
    "w AS (SELECT v.*, max(u) OVER (PARTITION BY phone, person_id ORDER BY s, u "
    "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_u FROM v), "
    "g AS (SELECT w.*, sum(CASE WHEN prev_u IS NULL OR s > CAST(prev_u + INTERVAL 1 DAY AS DATE) "
    "THEN 1 ELSE 0 END) "
    "OVER (PARTITION BY phone, person_id ORDER BY s, u ROWS UNBOUNDED PRECEDING) AS grp "
    "FROM w) "
    f"SELECT phone AS id, person_id, CASE WHEN min(s) = {_FIRST} THEN NULL ELSE min(s) END "
    f"AS since, CASE WHEN max(u) = {_LAST} THEN NULL ELSE max(u) END AS until "
    "FROM g GROUP BY phone, person_id, grp"
)
#: (number, person, since, until): one row per period of use; NULL ends are open. A number
#: registered once is its own period (when it does not end before it starts): only the
#: numbers registered more than once go through the periods' joins and windows
PHONE_OWNERS = (
    f"WITH r AS ({_ROWS}), m AS (SELECT phone, count(*) > 1 AS multi FROM r GROUP BY phone), "
    "k AS (SELECT r.*, m.multi FROM r JOIN m ON m.phone = r.phone), "
    "p AS (SELECT phone, person_id, s, u FROM k WHERE multi), "
    + _PERIODS + " UNION ALL "
    f"SELECT phone, person_id, CASE WHEN s = {_FIRST} THEN NULL ELSE s END, "
    f"CASE WHEN u = {_LAST} THEN NULL ELSE u END FROM k WHERE NOT multi AND u >= s"
)
#: (account, person)
ACCOUNT_OWNERS = ("SELECT account_id AS id, person_id, NULL AS since, NULL AS until "
                  "FROM accounts WHERE person_id IS NOT NULL GROUP BY account_id, person_id")


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


def calls_aliased(params, aliases: bool = True) -> tuple[str, list]:
    """Calls in the window with confirmed successor numbers counted as their old number:
    ``(caller, callee, started_at, duration_s, cell_id)``; ``aliases=False`` when the case
    has no active phone link (the same rows without the two joins).

    >>> from workbench.evidence.links import LinkParams
    >>> "phone_links" in calls_aliased(LinkParams(), aliases=False)[0]
    False
    """
    wc, args = window("c.started_at", params)
    if not aliases:
        return ("SELECT c.caller AS caller, c.callee AS callee, c.started_at, c.duration_s, "
                f"c.cell_id FROM calls c WHERE {wc}"), args
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


_HOUR_US = 3_600_000_000


def night_sql(params, offset_us: int | None = None, column: str = "started_at") -> str:
    """SQL of "a night call": the local hour of ``column`` in ``[night_start, night_end)``
    across midnight (``params``: :class:`~workbench.evidence.links.LinkParams`).

    ``offset_us`` (:func:`fixed_offset`): the case's zone keeps this one offset from UTC
    over every instant the SQL meets, so the local hour is counted from the instant itself
    (DuckDB's ``epoch_us``: the same hours as ``hour()``, without a calendar per row).

    >>> from workbench.evidence.links import LinkParams
    >>> night_sql(LinkParams())
    '(hour(started_at) >= 22 OR hour(started_at) < 6)'
    >>> night_sql(LinkParams(), 8 * 3_600_000_000)
    '(((epoch_us(started_at) + 28800000000) // 3600000000 % 24) NOT BETWEEN 6 AND 21)'
    """
    start, end = int(params.night_start), int(params.night_end)
    if offset_us is None:
        return f"(hour({column}) >= {start} OR hour({column}) < {end})"
    hour = f"((epoch_us({column}) + {int(offset_us)}) // {_HOUR_US} % 24)"
    if start <= end:  # no night across midnight (or none at all): the plain rule
        return f"({hour} >= {start} OR {hour} < {end})"
    return f"({hour} NOT BETWEEN {end} AND {start - 1})"


def fixed_offset(engine, table: str = "calls", column: str = "started_at") -> int | None:
    """The case zone's one offset from UTC (microseconds) over every instant of ``column``
    in ``table``, or None: the zone changes offset in that time (summer time), an instant
    is before 1970, or the engine is not DuckDB.

    The offset is read at every whole hour from the first instant to past the last, by the
    engine's own calendar (the one ``hour()`` follows); a zone changes offset at most once
    within an hour (none twice), so one offset at every hour is one offset throughout.

    >>> from workbench.engine import DuckDBEngine
    >>> engine = DuckDBEngine.over_parquet({}, "America/New_York")
    >>> _ = engine.con.execute("CREATE TABLE c AS SELECT * FROM (VALUES "
    ...     "(TIMESTAMPTZ '2019-01-01 12:00:00Z'), (TIMESTAMPTZ '2019-02-01 12:00:00Z')) "
    ...     "t(started_at)")
    >>> fixed_offset(engine, "c") // 3_600_000_000  # winter only: UTC-5 throughout
    -5
    >>> _ = engine.con.execute("INSERT INTO c VALUES (TIMESTAMPTZ '2019-07-01 12:00:00Z')")
    >>> fixed_offset(engine, "c") is None  # summer time began in between
    True
    """
    if getattr(engine, "dialect", None) != "duckdb":
        return None
    rows = engine.fetch_rows(
        f"WITH s AS (SELECT epoch_us(min({column})) AS lo, epoch_us(max({column})) AS hi "
        f"FROM {table}), t AS (SELECT make_timestamptz(x) AS t FROM s, "
        f"range(s.lo, s.hi + {_HOUR_US} + 1, {_HOUR_US}) r(x) "
        f"WHERE s.hi - s.lo < 200000 * CAST({_HOUR_US} AS BIGINT)) "
        "SELECT (SELECT lo FROM s) AS lo, count(DISTINCT o) AS offsets, min(o) AS offset_us "
        "FROM (SELECT epoch_us(CAST(t AS TIMESTAMP)) - epoch_us(t) AS o FROM t) x")
    lo, offsets, offset_us = (rows[0][k] for k in ("lo", "offsets", "offset_us"))
    if lo is None or offsets != 1 or lo + offset_us < 0:
        return None
    return int(offset_us)
