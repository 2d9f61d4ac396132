"""Holdings as identity evidence: how many other numbers (accounts) a candidate holds.

Most people use one number and one or two accounts. A phone record named only by a name
two persons share, where one of them already holds a number of the case and the other
none, more likely names the one without: how much more, the case says. For each open phone
or account record and each candidate, the level is how many *other* numbers (accounts) the
exactly attributed records give the candidate: ``0``, ``1`` or ``2+``. ``m`` is measured on
the exactly attributed numbers (accounts): how many others their holder has; ``u`` on the
case's persons: how many they hold.

Examples
--------
>>> LEVELS
('0', '1', '2+')
"""

from __future__ import annotations

import duckdb

from workbench.identity.weights import bounded_mu

__all__ = ["FIELD", "LEVELS", "holdings", "level_sql"]

FIELD = "holdings"
LEVELS = ("0", "1", "2+")
_LEVEL = "CASE WHEN {n} = 0 THEN '0' WHEN {n} = 1 THEN '1' ELSE '2+' END"


def level_sql(n: str) -> str:
    """SQL of the level of a count of other numbers (accounts).

    >>> level_sql("x")
    "CASE WHEN x = 0 THEN '0' WHEN x = 1 THEN '1' ELSE '2+' END"
    """
    return _LEVEL.format(n=n)


def holdings(con: duckdb.DuckDBPyConnection
             ) -> dict[str, dict[str, tuple[float, float]]]:
    """Build ``_hc(person_id, t, n)``: how many numbers (``t = 'p'``) and accounts
    (``'a'``) each person holds exactly; return ``{"phone": {level: (m, u)},
    "account": ...}``. A candidate's level for a record is :func:`level_sql` of its count
    less the record's own number (account) when the candidate holds it.

    Needs ``_own(t, ident, person_id)`` (:func:`workbench.identity.contacts.contacts`).
    """
    con.execute("CREATE OR REPLACE TEMP TABLE _hc AS SELECT person_id, t, "
                "count(DISTINCT ident) AS n FROM _own GROUP BY person_id, t")
    m_rows = con.execute(
        "WITH h AS (SELECT t, person_id, count(DISTINCT ident) AS n FROM _own "
        f"GROUP BY t, person_id) SELECT t, {_LEVEL.format(n='n - 1')} AS level, sum(n) "
        "FROM h GROUP BY ALL").fetchall()
    u_rows = con.execute(
        "WITH h AS (SELECT e.person_id, t.t, count(DISTINCT o.ident) AS n FROM _ent e "
        "CROSS JOIN (VALUES ('p'), ('a')) t(t) LEFT JOIN _own o "
        "ON o.person_id = e.person_id AND o.t = t.t GROUP BY e.person_id, t.t) "
        f"SELECT t, {_LEVEL.format(n='n')} AS level, count(*) FROM h GROUP BY ALL"
    ).fetchall()
    out = {}
    for t in ("p", "a"):
        m = {lv: float(c) for tt, lv, c in m_rows if tt == t}
        u = {lv: float(c) for tt, lv, c in u_rows if tt == t}
        nm, nu = sum(m.values()), sum(u.values())
        if not nm or not nu:
            continue
        out["phone" if t == "p" else "account"] = {  # what the sample surely supports
            lv: bounded_mu(m.get(lv, 0), nm, u.get(lv, 0), nu) for lv in LEVELS}
    return out
