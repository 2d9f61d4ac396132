"""Contacts as identity evidence: a number or account that reaches a person's circle.

A phone or account record named only by a name several persons share (two 金海) may still
tell them apart by whom the number calls or the account pays: people call their families,
and a person's number and account deal with the same people. An arrest record so named,
by whom else its case (``case_id``) arrested: a ring's members are arrested together. For
every open phone, account or arrest record (``_q``), the persons its number calls or is
called by (owners through the exactly attributed phones, ``_ep``), its account pays or is
paid by (through ``_ea``), or its case arrested, are looked up in each candidate's
**circle**: the candidate's kin (``kinship``, both sides as resolved this run) and
household, and the persons the candidate's own other numbers, accounts and cases deal
with. ``_ck(rid, person_id)`` holds the candidates reached.

How much that says is measured on the case, separately for numbers, accounts and cases:
``m``, the share of exactly attributed numbers (accounts) held by one person whose contacts
reach their holder's circle (built without that number); ``u``, the share reaching the
circle of another person drawn from the case; each at the end of its confidence interval
nearer to the other (:func:`workbench.identity.weights.bounded_mu`). A case is measured
on the persons it arrested with someone else, each against the others it arrested
(:func:`_case_mu`): a case is not held by one person.

Examples
--------
>>> FIELD
'contacts'
"""

from __future__ import annotations

import duckdb

from workbench.identity.weights import bounded_mu

__all__ = ["FIELD", "LEVELS", "IDENT", "IDENT_T", "contacts"]

FIELD = "contacts"
#: SQL of a record's identifier (of ``q``) and its type: a number, an account, an arrest's
#: case (whoever else was arrested in it)
IDENT = "coalesce(q.phone, q.account, q.case_id)"
IDENT_T = ("CASE WHEN q.phone IS NOT NULL THEN 'p' WHEN q.account IS NOT NULL THEN 'a' "
           "ELSE 'c' END")
_NAMES = {"p": "phone", "a": "account", "c": "case"}

_KIN = (
    "SELECT a.pid AS x, b.pid AS y FROM _xr a JOIN _xr b ON a._source = b._source "
    "AND a._line = b._line AND a.kind = 'kinship.a' AND b.kind = 'kinship.b' "
    "UNION SELECT b.pid, a.pid FROM _xr a JOIN _xr b ON a._source = b._source "
    "AND a._line = b._line AND a.kind = 'kinship.a' AND b.kind = 'kinship.b' "
    "UNION SELECT e1.person_id, e2.person_id FROM _ent e1 JOIN _ent e2 "
    "ON e1.household = e2.household AND e1.person_id <> e2.person_id")

# (t, ident, person): the exactly attributed numbers ('p'), accounts ('a') and the cases
# of exactly attributed arrests ('c')
_OWN = ("SELECT 'p' AS t, phone AS ident, person_id FROM _ep "
        "UNION ALL SELECT 'a', account, person_id FROM _ea "
        "UNION ALL SELECT DISTINCT 'c', case_id, pid FROM _xr "
        "WHERE kind = 'arrests' AND case_id IS NOT NULL")
# (t, ident, other): whom a number calls or is called by, an account pays or is paid by
_EDGE = ("SELECT DISTINCT 'p' AS t, caller AS ident, callee AS other FROM calls "
         "UNION SELECT 'p', callee, caller FROM calls "
         "UNION SELECT 'a', from_account, to_account FROM transactions "
         "UNION SELECT 'a', to_account, from_account FROM transactions")


#: levels of the field, from the strongest: a contact is the candidate's kin or household;
#: two or more contacts shared with the candidate's other numbers and accounts; one
LEVELS = ("kin", "shared_2", "shared_1", "none")


def _levels(source: str, person: str, own: str = "_own", pc: str = "_pc") -> str:
    """SQL of ``(k, person_id, level)`` for the rows of ``source(k, t, ident, <person>)``
    whose identifier's contacts reach ``<person>``'s circle (see :data:`LEVELS`), the
    person themselves not counting; ``own``: whose numbers and accounts the circle holds;
    ``pc``: the table of each identifier's partners."""
    return (
        f"WITH kin AS (SELECT DISTINCT s.k, s.{person} AS person_id FROM {source} s "
        f"JOIN {pc} a ON a.t = s.t AND a.ident = s.ident "
        f"JOIN _kin kn ON kn.x = a.partner AND kn.y = s.{person}), "
        f"circ AS (SELECT s.k, s.{person} AS person_id, count(DISTINCT a.partner) AS n "
        f"FROM {source} s JOIN {pc} a ON a.t = s.t AND a.ident = s.ident "
        f"JOIN {own} o ON o.person_id = s.{person} AND NOT (o.t = s.t AND o.ident = s.ident) "
        f"JOIN {pc} b ON b.t = o.t AND b.ident = o.ident AND b.partner = a.partner "
        f"WHERE a.partner <> s.{person} GROUP BY s.k, s.{person}) "
        "SELECT coalesce(kin.k, circ.k) AS k, coalesce(kin.person_id, circ.person_id) "
        "AS person_id, CASE WHEN kin.k IS NOT NULL THEN 'kin' WHEN circ.n >= 2 "
        "THEN 'shared_2' ELSE 'shared_1' END AS level FROM kin FULL JOIN circ "
        "ON circ.k = kin.k AND circ.person_id = kin.person_id")


def contacts(con: duckdb.DuckDBPyConnection, extra: str | None = None,
             units: str | None = None
             ) -> tuple[dict[str, dict[str, tuple[float, float]]], dict[str, int]]:
    """Build ``_ck(rid, person_id, level)`` for the open phone, account and arrest records
    of ``_pairs``; return ``({"phone": {level: (m, u)}, "account": ..., "case": ...},
    measured)``, ``measured``: ``held`` (numbers and accounts held by one person),
    ``arrested`` and ``arrested_u_pairs`` (what a case's ``m`` and ``u`` were measured on).

    ``extra``: a table ``(t, ident, person_id)`` of numbers and accounts attributed by
    weights, counted with the exactly attributed ones as whom a record's contacts are and
    what the candidates' circles hold (the check round of
    :func:`workbench.identity.compare.candidates`); ``m`` and ``u`` are then measured
    with the same holders. ``units``: a table ``(t, ident, person_id)`` of arrests
    attributed on their own fields (not through contacts), measured with the exactly
    attributed ones as cases' arrested persons (:func:`_case_mu`).
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE _kin AS {_KIN}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _own AS {_OWN}")
    own = "_own"
    if extra is not None:
        own = "_own2"
        con.execute(f"CREATE OR REPLACE TEMP TABLE _own2 AS SELECT * FROM _own "
                    f"UNION SELECT t, ident, person_id FROM {extra}")
    # the edges once per resolution: every call and transfer, both ways, distinct
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS _edges AS {_EDGE}")
    con.execute(  # a case's partners are the persons arrested in it
        "CREATE OR REPLACE TEMP TABLE _pc AS SELECT DISTINCT e.t, e.ident, o.person_id "
        f"AS partner FROM _edges e JOIN {own} o ON o.t = e.t AND o.ident = e.other "
        f"UNION SELECT t, ident, person_id FROM {own} WHERE t = 'c'")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _qx AS SELECT p.rid AS k, "
        f"{IDENT_T} AS t, {IDENT} AS ident, p.person_id FROM _pairs p "
        f"JOIN _q q USING (rid) WHERE {IDENT} IS NOT NULL")
    con.execute("CREATE OR REPLACE TEMP TABLE _ck AS SELECT k AS rid, person_id, level "
                f"FROM ({_levels('_qx', 'person_id', own)})")
    # measured on up to 5,000 exactly attributed numbers and accounts held by one person
    # (each kind), each against its holder and against the next person in a fixed
    # shuffled order
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _sp AS SELECT * FROM (SELECT t, ident, "
        "t || ident AS k, person_id, lead(person_id) OVER (PARTITION BY t "
        "ORDER BY md5(t || ident)) AS other, row_number() OVER (PARTITION BY t "
        "ORDER BY md5(t || ident)) AS i FROM (SELECT t, ident, min(person_id) AS person_id "
        "FROM _own WHERE t <> 'c' GROUP BY t, ident HAVING count(*) = 1) h "
        "WHERE EXISTS (SELECT 1 FROM _pc c WHERE c.t = h.t AND c.ident = h.ident)) "
        "WHERE i <= 5000 AND other IS NOT NULL")
    rows = con.execute(
        f"WITH own AS ({_levels('_sp', 'person_id', own)}), "
        f"oth AS ({_levels('_sp', 'other', own)}) "
        "SELECT s.t, coalesce(own.level, 'none'), coalesce(oth.level, 'none'), count(*) "
        "FROM _sp s LEFT JOIN own ON own.k = s.k LEFT JOIN oth ON oth.k = s.k "
        "GROUP BY ALL").fetchall()
    out, measured = {}, 0
    for t in ("p", "a"):
        mine = [r for r in rows if r[0] == t]
        n = sum(r[3] for r in mine)
        if not n:
            continue
        measured += n
        out[_NAMES[t]] = {  # what the sample surely supports (bounded_mu)
            lv: bounded_mu(sum(r[3] for r in mine if r[1] == lv), n,
                           sum(r[3] for r in mine if r[2] == lv), n)
            for lv in LEVELS}
    case_mu, n_case, n_pairs = _case_mu(con, own, units)
    if case_mu:
        out["case"] = case_mu
    measured = {"held": measured, "arrested": n_case, "arrested_u_pairs": n_pairs}
    for table in ("_qx", "_sp", "_own2", "_cu", "_co", "_hx", "_pcu"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return out, measured


#: at most this many arrests (in a fixed shuffled order) measure ``m`` of a case, and at
#: most this many (arrest, other person) pairs its ``u``
U_PAIRS = 5000


def _case_mu(con: duckdb.DuckDBPyConnection, own: str, units: str | None
             ) -> tuple[dict[str, tuple[float, float]], int, int]:
    """``m`` and ``u`` of an arrest's case as a contact: ``({level: (m, u)}, units,
    pairs)``.

    A unit is a person arrested in a case that arrested someone else too, the arrest
    attributed exactly or (``units``) on its own fields. ``m``: the share of units whose
    case's other arrested persons reach the person's circle (built without that case), by
    level; ``u``: the same share for other persons of the case, each unit against up to
    :data:`U_PAIRS` / units persons who hold a number or account (a circle to reach),
    drawn in a fixed shuffled order. One arrest per case-and-person: a case is not a
    number held by one person, every person it arrested is measured on the others.
    """
    src = "SELECT t, ident, person_id FROM _own"
    if units is not None:
        src += f" UNION SELECT t, ident, person_id FROM {units}"
    # a case's arrested persons as measured: those attributed exactly or on their own
    # fields only, never an arrest attributed through contacts (the check round's own
    # attributions would count as the successes that let them stand)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _pcu AS SELECT * FROM _pc WHERE t <> 'c' "
        f"UNION SELECT t, ident, person_id FROM ({src}) WHERE t = 'c'")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _cu AS SELECT 'c' AS t, ident, "
        "'c' || ident || '|' || person_id AS k, person_id, row_number() OVER "
        "(ORDER BY md5(ident || '|' || person_id)) - 1 AS i "
        f"FROM (SELECT DISTINCT ident, person_id FROM ({src}) WHERE t = 'c') x "
        "WHERE EXISTS (SELECT 1 FROM _pcu c WHERE c.t = 'c' AND c.ident = x.ident "
        "AND c.partner <> x.person_id) "
        "ORDER BY i LIMIT ?", [U_PAIRS])
    n = int(con.execute("SELECT count(*) FROM _cu").fetchall()[0][0])
    if not n:  # no arrest shares its case with another attributed one
        return {}, 0, 0
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _hx AS SELECT person_id, row_number() OVER "
        "(ORDER BY md5(person_id)) - 1 AS j FROM (SELECT DISTINCT person_id "
        f"FROM {own} WHERE t IN ('p', 'a'))")
    holders = int(con.execute("SELECT count(*) FROM _hx").fetchall()[0][0])
    if holders < 2:
        return {}, 0, 0
    per = max(1, min(holders - 1, U_PAIRS // n))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _co AS SELECT u.t, u.ident, "
        "u.k || '|' || h.person_id AS k, h.person_id AS other FROM _cu u "
        "CROSS JOIN range(?) r(x) JOIN _hx h ON h.j = (u.i * ? + r.x) % ? "
        "WHERE h.person_id <> u.person_id", [per, per, holders])
    mine = dict(con.execute(
        f"WITH lv AS ({_levels('_cu', 'person_id', own, '_pcu')}) SELECT coalesce(lv.level, "
        "'none'), count(*) FROM _cu s LEFT JOIN lv ON lv.k = s.k GROUP BY ALL").fetchall())
    other = dict(con.execute(
        f"WITH lv AS ({_levels('_co', 'other', own, '_pcu')}) SELECT coalesce(lv.level, "
        "'none'), count(*) FROM _co s LEFT JOIN lv ON lv.k = s.k GROUP BY ALL").fetchall())
    n_o = sum(other.values())
    if not n_o:
        return {}, 0, 0
    # bounded as numbers and accounts are: a few dozen arrests measure m widely, and a
    # level never seen among 5,000 others is not one that never happens
    return {lv: bounded_mu(mine.get(lv, 0), n, other.get(lv, 0), n_o)
            for lv in LEVELS}, n, n_o
