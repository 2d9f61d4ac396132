"""What the resolution did and what waits for an analyst: records, overlapping phone
periods, numbers whose use contradicts their subscriber.

Examples
--------
>>> from workbench.store import Store
>>> import tempfile, os
>>> with Store(os.path.join(tempfile.mkdtemp(), "c.duckdb")) as s:
...     identities(s.con), phone_overlaps(s.con), contradicting_use(s.con)
([], [], [])
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb

from .decisions import record_key
from .ids import typo_kind
from .relatives import contradicting_use

__all__ = ["identities", "phone_overlaps", "contradicting_use", "params", "REVIEW_P",
           "identity_summary"]

#: weighed records below this posterior are listed for review with the unresolved ones
REVIEW_P = 0.99

_RECORDS = (
    "SELECT r.kind, r._source, r._line, r.person_id, r.how, r.weight, r.p, r.candidate, "
    "r.fields, s.file, x.idg, x.name, e.id_number AS candidate_id FROM identity_records r "
    "JOIN sources s ON s.source_id = r._source "
    "JOIN ({records}) x ON x.kind = r.kind AND x._source = r._source AND x._line = r._line "
    "LEFT JOIN identity_persons e ON e.person_id = r.candidate")


def identities(con: duckdb.DuckDBPyConnection, *, review: bool = False,
               person: str | None = None, kind: str | None = None,
               limit: int | None = None) -> list[dict]:
    """How each record was attributed: ``{"kind", "key", "person_id", "how", "weight",
    "fields", ...}`` (``key`` is ``SOURCE:LINE``; ``fields`` the weight of each compared
    field, for weighed and unresolved records).

    ``review`` keeps the unresolved records and the weighed ones below :data:`REVIEW_P`,
    ``person`` the records of one person (or with them as best candidate), ``kind`` one kind.
    """
    from .resolve import records_sql

    _check_filters(con, person, kind)
    where, args = [], []
    if review:
        where.append("(r.person_id IS NULL OR (r.how = 'weights' AND r.p < ?))")
        args.append(REVIEW_P)
    if person is not None:
        where.append("(r.person_id = ? OR r.candidate = ?)")
        args += [person, person]
    if kind is not None:
        where.append("r.kind = ?")
        args.append(kind)
    sql = _RECORDS.format(records=records_sql()).replace("x.idg, x.name",
                                                        "x.idg, x.name_raw AS name")
    sql += (" WHERE " + " AND ".join(where)) if where else ""
    sql += " ORDER BY r.person_id IS NOT NULL, r.kind, s.file, r._line"
    if limit:
        sql += f" LIMIT {int(limit)}"
    out = []
    for (kind_, source, line, pid, how, weight, p, cand, fields, file, idg, name,
         cand_id) in con.execute(sql, args).fetchall():
        item = {"kind": kind_, "key": f"{source}:{line}", "ref": record_key(kind_, source, line),
                "person_id": pid, "how": how, "weight": weight,
                "fields": json.loads(fields) if fields else None, "p": p,
                "candidate": cand, "file": file, "line": line, "id_number": idg, "name": name}
        if item["fields"]:
            item["fields"] = {k: v for k, v in item["fields"].items() if v is not None}
            if idg and cand_id and "id_number" in item["fields"]:
                item["fields"]["id_number"]["detail"] = typo_kind(idg, cand_id)
        out.append(item)
    return out


def _check_filters(con: duckdb.DuckDBPyConnection, person: str | None,
                   kind: str | None) -> None:
    """A person or kind the case does not know is an error, not an empty list.

    >>> from workbench.store import Store
    >>> import tempfile, os
    >>> with Store(os.path.join(tempfile.mkdtemp(), "c.duckdb")) as s:
    ...     _check_filters(s.con, "P404", None)
    Traceback (most recent call last):
    ...
    workbench.errors.WorkbenchError: unknown person 'P404' (no record names it or has it as \
best candidate)
    """
    from ..errors import WorkbenchError

    if person is not None and not con.execute(
            "SELECT 1 FROM identity_persons WHERE person_id = ? UNION ALL "
            "SELECT 1 FROM identity_records WHERE person_id = ? OR candidate = ? LIMIT 1",
            [person, person, person]).fetchall():
        raise WorkbenchError(f"unknown person {person!r} (no record names it or has it as "
                             "best candidate)")
    if kind is not None:
        kinds = [r[0] for r in con.execute(
            "SELECT DISTINCT kind FROM identity_records ORDER BY kind").fetchall()]
        if kind not in kinds:
            raise WorkbenchError(f"unknown kind {kind!r} (the records' kinds: "
                                 f"{', '.join(kinds) or 'none yet'})")


def phone_overlaps(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Numbers whose periods of use by two different persons overlap: who holds a call in
    the overlap is taken from the later registration (the ownership rule); review it."""
    rows = con.execute(
        "WITH p AS (SELECT phone, person_id, coalesce(since, DATE '0001-01-01') AS s, "
        "coalesce(until, DATE '9999-12-31') AS u, since, until, _source, _line FROM phones "
        "WHERE person_id IS NOT NULL) "
        "SELECT a.phone, a.person_id, a.since, a.until, a._source, a._line, b.person_id, "
        "b.since, b.until, b._source, b._line FROM p a JOIN p b ON a.phone = b.phone "
        "AND a.person_id < b.person_id AND a.s <= b.u AND b.s <= a.u "
        "ORDER BY a.phone, a.person_id, b.person_id, a._line, b._line").fetchall()
    out = []
    for phone, pa, sa, ua, src_a, line_a, pb, sb, ub, src_b, line_b in rows:
        out.append({"phone": phone,
                    "periods": [{"person_id": pa, "since": _iso(sa), "until": _iso(ua),
                                 "record": record_key("phones", src_a, line_a)},
                                {"person_id": pb, "since": _iso(sb), "until": _iso(ub),
                                 "record": record_key("phones", src_b, line_b)}]})
    return out


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else None


def params(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The last resolution's parameters and counts (``identity_params``)."""
    return dict(con.execute("SELECT key, value FROM identity_params").fetchall())


def identity_summary(con: duckdb.DuckDBPyConnection) -> dict:
    """How many records name a person, how many were left unresolved (per kind), how many
    were weighed or decided: what every analysis on resolved persons rests on.

    >>> from workbench.store import Store
    >>> import tempfile, os
    >>> with Store(os.path.join(tempfile.mkdtemp(), "c.duckdb")) as s:
    ...     identity_summary(s.con)["unresolved"]
    0
    """
    rows = con.execute(
        "SELECT kind, count(*), count(*) FILTER (WHERE person_id IS NULL), "
        "count(*) FILTER (WHERE how = 'weights'), count(*) FILTER (WHERE how = 'decision') "
        "FROM identity_records GROUP BY kind ORDER BY kind").fetchall()
    return {"records": sum(r[1] for r in rows), "unresolved": sum(r[2] for r in rows),
            "weighed": sum(r[3] for r in rows), "decided": sum(r[4] for r in rows),
            "unresolved_by_kind": {r[0]: r[2] for r in rows if r[2]}}
