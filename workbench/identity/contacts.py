"""Calls as identity evidence: a number whose calls reach a person's kin or household.

A phone record named only by a name several persons share (two 金海) may still tell them
apart by whom the number calls: people call their families. For every open phone record
(``_q``), the persons its number calls or is called by (owners through the exactly
attributed phones, ``_ep``) are looked up among each candidate's kin (``kinship``, both
sides as resolved this run) and household; ``_ck(rid, person_id)`` holds the candidates
reached. How much that says is measured on the exactly attributed numbers: ``m``, the share
of numbers whose calls reach their own holder's kin; ``u``, the share reaching the kin of
another person drawn from the case.

Examples
--------
>>> FIELD
'kin_calls'
"""

from __future__ import annotations

import duckdb

__all__ = ["FIELD", "kin_contacts"]

FIELD = "kin_calls"

_KIN = (
    "SELECT a.pid AS x, b.pid AS y FROM _xr a JOIN _xr b ON a._source = b._source "
    "AND a._line = b._line AND a.kind = 'kinship.a' AND b.kind = 'kinship.b' "
    "UNION SELECT b.pid, a.pid FROM _xr a JOIN _xr b ON a._source = b._source "
    "AND a._line = b._line AND a.kind = 'kinship.a' AND b.kind = 'kinship.b' "
    "UNION SELECT e1.person_id, e2.person_id FROM _ent e1 JOIN _ent e2 "
    "ON e1.household = e2.household AND e1.person_id <> e2.person_id")


def _partners(source: str) -> str:
    """(rid or phone key, partner person) of the numbers in ``source(k, phone)``."""
    return (f"SELECT DISTINCT s.k, o.person_id AS partner FROM {source} s "
            "JOIN calls c ON c.caller = s.phone JOIN _ep o ON o.phone = c.callee "
            f"UNION SELECT DISTINCT s.k, o.person_id FROM {source} s "
            "JOIN calls c ON c.callee = s.phone JOIN _ep o ON o.phone = c.caller")


def kin_contacts(con: duckdb.DuckDBPyConnection) -> tuple[float, float, int]:
    """Build ``_ck`` for the open phone records; return ``(m, u, numbers measured)``."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _kin AS {_KIN}")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _qp AS SELECT rid AS k, phone FROM _q "
        "WHERE phone IS NOT NULL")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ck AS SELECT DISTINCT p.k AS rid, kn.y AS person_id "
        f"FROM ({_partners('_qp')}) p JOIN _kin kn ON kn.x = p.partner")
    # measured on up to 5,000 exactly attributed numbers, each against its holder and
    # against the next person in a fixed shuffled order
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _sp AS SELECT phone AS k, phone, person_id, "
        "lead(person_id) OVER (ORDER BY md5(phone)) AS other FROM ("
        "SELECT phone, min(person_id) AS person_id FROM _ep GROUP BY phone "
        "HAVING count(*) = 1) ORDER BY md5(phone) LIMIT 5000")
    row = con.execute(
        "WITH pa AS (" + _partners("_sp") + ") "
        "SELECT count(DISTINCT s.k), count(DISTINCT s.k) FILTER (WHERE own.x IS NOT NULL), "
        "count(DISTINCT s.k) FILTER (WHERE oth.x IS NOT NULL) FROM _sp s "
        "JOIN pa ON pa.k = s.k "
        "LEFT JOIN _kin own ON own.x = pa.partner AND own.y = s.person_id "
        "LEFT JOIN _kin oth ON oth.x = pa.partner AND oth.y = s.other").fetchall()[0]
    n, own, other = (int(x or 0) for x in row)
    for table in ("_qp", "_sp"):
        con.execute(f"DROP TABLE {table}")
    m = (own + 0.5) / (n + 1)
    u = (other + 0.5) / (n + 1)
    return m, u, n
