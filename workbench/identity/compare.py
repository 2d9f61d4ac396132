"""Blocking and field-by-field comparison of the records the exact stage left open.

Reads the stage's temporary tables (``_ir`` records, ``_ex`` exact attribution, ``_en``
names, ``_eid`` ID numbers, ``_ep`` / ``_ea`` phones and accounts of the persons, ``_tfn`` /
``_tfk`` name frequencies, ``_banned`` decisions) and writes ``_cand``: the best candidate
person of every open record with the level and the bits of each field, its match weight and
its posterior among all its candidates (:func:`workbench.identity.weights.posterior`, in
SQL).

:func:`check` weighs the phone and account records so attributed a second time, with the
other attributed numbers and accounts in their contacts, and keeps the lower posterior.

Blocks (a record is compared only with these persons): the valid ID numbers one typo away
from its own; the same Chinese name; the same pinyin (either spelling order of a name in
Latin letters); a person holding the same phone or account.

Examples
--------
>>> sorted(FIELDS)
['account', 'birth_date', 'contacts', 'holdings', 'household', 'id_number', 'name', 'phone',
 'sex']
"""

from __future__ import annotations

import copy

import duckdb

from .contacts import FIELD, IDENT, IDENT_T, contacts
from .holdings import FIELD as HOLD
from .holdings import LEVELS as HOLD_LEVELS
from .holdings import holdings
from .holdings import level_sql as hold_level
from .ids import typo_neighbours
from .weights import P_MIN, Weights

__all__ = ["FIELDS", "BLOCK_MAX", "open_records", "candidates", "by_id_numbers", "check"]

#: a name (or pinyin) shared by more persons than this brings no candidates: it cannot
#: single anyone out, and the block would hold most of a big case
BLOCK_MAX = 200
FIELDS = ("id_number", "name", "birth_date", "sex", "phone", "account", "household",
          "contacts", "holdings")


def _unnest(con, table: str, columns: dict[str, list]) -> None:
    sel = ", ".join(f"CAST(unnest(?) AS VARCHAR) AS {c}" for c in columns)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {sel}", list(columns.values()))


def open_records(con: duckdb.DuckDBPyConnection) -> int:
    """``_q``: records neither exactly attributed nor forced by a decision."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _q AS SELECT r.* FROM _ir r JOIN _ex e USING (rid) "
        "LEFT JOIN _forced f ON f.kind = r.kind AND f.src = r._source AND f.line = r._line "
        "WHERE e.pid1 IS NULL AND f.kind IS NULL")
    return int(con.execute("SELECT count(*) FROM _q").fetchall()[0][0])


def _lg(m: float) -> str:
    return f"log2({max(m, 1e-9)!r})"


def candidates(con: duckdb.DuckDBPyConnection, w: Weights, *, keep: str | None = None,
               extra: str | None = None, units: str | None = None) -> int:
    """``_cand(rid, person_id, <field>_level, <field>_bits ..., weight, p)``: each open
    record's best candidate and its posterior among all its candidates; returns the
    number of candidate pairs.

    ``keep``: a table ``(rid, person_id)``: the posterior of that candidate instead of the
    best one's; ``extra``: numbers and accounts attributed by weights that the contacts
    count as their persons' (:func:`workbench.identity.contacts.contacts`); ``units``:
    the arrests among them attributed on their own fields, which measure a case's weight.
    """
    bad = [r[0] for r in con.execute(
        "SELECT DISTINCT idg FROM _q WHERE idg IS NOT NULL AND id18 IS NULL "
        "AND length(idg) = 18").fetchall()]
    pairs = [(b, c) for b in bad for c in typo_neighbours(b)]
    _unnest(con, "_nb", {"idg": [a for a, _ in pairs], "cand": [c for _, c in pairs]})
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _typo AS SELECT DISTINCT q.rid, e.person_id "
        "FROM _q q JOIN _nb n ON n.idg = q.idg JOIN _eid e ON e.id18 = n.cand")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _pairs AS SELECT rid, person_id FROM ("
        "SELECT rid, person_id FROM _typo "
        "UNION SELECT q.rid, e.person_id FROM _q q JOIN _eid e ON e.id18 = q.id18 "
        "UNION SELECT q.rid, n.person_id FROM _q q JOIN _en n ON n.name = q.name "
        "JOIN _tfn t ON t.name = n.name AND t.n <= ? "
        "UNION SELECT q.rid, n.person_id FROM _q q JOIN _en n ON n.key = q.key "
        "JOIN _tfk t ON t.key = n.key AND t.n <= ? "
        "UNION SELECT q.rid, n.person_id FROM _q q JOIN _en n ON n.key = q.key2 "
        "JOIN _tfk t ON t.key = n.key AND t.n <= ? "
        "UNION SELECT q.rid, p.person_id FROM _q q JOIN _ep p ON p.phone = q.phone "
        "UNION SELECT q.rid, a.person_id FROM _q q JOIN _ea a ON a.account = q.account) x "
        "WHERE NOT EXISTS (SELECT 1 FROM _banned b JOIN _q r ON b.kind = r.kind "
        "AND b.src = r._source AND b.line = r._line WHERE r.rid = x.rid "
        "AND b.pid = x.person_id)", [BLOCK_MAX] * 3)
    n = max(w.n, 1)
    m = w.m
    bits = {}  # field -> (level SQL, bits SQL)
    bits["id_number"] = (
        "CASE WHEN q.idg IS NULL OR e.id18 IS NULL THEN NULL "
        "WHEN q.id18 IS NOT NULL AND i.person_id IS NOT NULL THEN 'same' "
        "WHEN t.rid IS NOT NULL THEN 'typo' ELSE 'differs' END",
        "CASE id_number_level "
        f"WHEN 'same' THEN {_lg(m[('id_number', 'same')])} - log2(1.0 / {n}) "
        f"WHEN 'typo' THEN {_lg(m[('id_number', 'typo')])} - "
        f"{_lg(w.u[('id_number', 'typo')])} "
        f"WHEN 'differs' THEN {_lg(m[('id_number', 'differs')])} END")
    bits["name"] = (
        "CASE WHEN q.name IS NULL OR q.script IS NULL OR nf.person_id IS NULL THEN NULL "
        "WHEN q.script IN ('han', 'code') AND list_contains(nf.names, q.name) THEN 'exact' "
        "WHEN q.script = 'han' AND (list_contains(nf.keys, q.key) "
        "OR list_contains(nf.keys, q.key2)) THEN 'homophone' "
        "WHEN q.script IN ('han', 'code') AND kn.name IS NOT NULL THEN 'another_persons' "
        "WHEN q.script IN ('han', 'code') THEN 'differs' "
        "WHEN list_contains(nf.keys, q.key) OR list_contains(nf.keys, q.key2) THEN 'pinyin' "
        "ELSE 'pinyin_differs' END",
        "CASE name_level "
        f"WHEN 'exact' THEN {_lg(m[('name', 'exact')])} - log2(coalesce(tn.ne, 1) / {n}) "
        f"WHEN 'homophone' THEN {_lg(m[('name', 'homophone')])} - "
        f"log2(greatest(coalesce(tk.ne, 1) - coalesce(tn.n, 0), 1) / {n}) "
        f"WHEN 'differs' THEN {_lg(m[('name', 'differs')])} "
        f"WHEN 'another_persons' THEN {_lg(m[('name', 'another_persons')])} "
        f"WHEN 'pinyin' THEN {_lg(m[('name_latin', 'pinyin')])} - "
        f"log2(coalesce(tk.ne, 1) / {n}) "
        f"WHEN 'pinyin_differs' THEN {_lg(m[('name_latin', 'pinyin_differs')])} END")
    for fld, col in (("birth_date", "bd"), ("sex", "sex"), ("household", "household")):
        bits[fld] = (
            f"CASE WHEN q.{col} IS NULL OR e.{col} IS NULL THEN NULL "
            f"WHEN q.{col} = e.{col} THEN 'same' ELSE 'differs' END",
            f"CASE {fld}_level WHEN 'same' THEN {_lg(m[(fld, 'same')])} - "
            f"{_lg(w.u[(fld, 'same')])} WHEN 'differs' THEN {_lg(m[(fld, 'differs')])} - "
            f"{_lg(w.u[(fld, 'differs')])} END")
    bits["phone"] = ("CASE WHEN hp.person_id IS NOT NULL THEN 'shared' END",
                     f"CASE WHEN phone_level = 'shared' THEN {_lg(m[('phone', 'shared')])} - "
                     f"log2(coalesce(np.n, 1) / {n}) END")
    bits["account"] = ("CASE WHEN ha.person_id IS NOT NULL THEN 'shared' END",
                       f"CASE WHEN account_level = 'shared' THEN "
                       f"{_lg(m[('account', 'shared')])} - log2(coalesce(na.n, 1) / {n}) END")
    measured_mu, measured = contacts(con, extra, units)
    cases = []
    for ident, per_level in measured_mu.items():
        for lv, (cm, cu) in per_level.items():
            w.m[(f"{FIELD}_{ident}", lv)], w.u[(f"{FIELD}_{ident}", lv)] = cm, cu
            cases.append(f"WHEN {FIELD}_level = '{lv}' AND l.q_{ident} IS NOT NULL "
                         f"THEN {_lg(cm)} - {_lg(cu)} ")
    w.source[FIELD] = f"measured on {measured['held']} numbers and accounts held by one person"
    w.source["contacts_case"] = (
        f"m on {measured['arrested']} persons arrested in a case with someone else "
        f"(arrest attributed exactly or on its own fields), u on "
        f"{measured['arrested_u_pairs']} (arrested, other holder) pairs")
    bits[FIELD] = (  # no evidence when the record's contacts reach no candidate at all
        f"CASE WHEN {IDENT} IS NULL OR ckr.rid IS NULL THEN NULL "
        "ELSE coalesce(ck.level, 'none') END",
        f"CASE {''.join(cases)}END" if cases else "NULL")
    for ident, per_level in holdings(con).items():
        for lv, (hm, hu) in per_level.items():
            w.m[(f"{HOLD}_{ident}", lv)], w.u[(f"{HOLD}_{ident}", lv)] = hm, hu
    w.source[HOLD] = "m: other numbers (accounts) of the holders of the exactly " \
        "attributed ones; u: numbers (accounts) of the case's persons"
    hcases = "".join(
        f"WHEN {HOLD}_level = '{lv}' AND l.q_{ident} IS NOT NULL THEN "
        f"{_lg(w.m[(f'{HOLD}_{ident}', lv)])} - {_lg(w.u[(f'{HOLD}_{ident}', lv)])} "
        for ident in ("phone", "account") for lv in HOLD_LEVELS
        if (f"{HOLD}_{ident}", lv) in w.m)
    held = ("coalesce(hc.n, 0) - CASE WHEN hp.person_id IS NOT NULL "
            "OR ha.person_id IS NOT NULL THEN 1 ELSE 0 END")
    bits[HOLD] = (f"CASE WHEN q.phone IS NOT NULL OR q.account IS NOT NULL "
                  f"THEN {hold_level(held)} END", f"CASE {hcases}END" if hcases else "NULL")
    con.execute("CREATE OR REPLACE TEMP TABLE _enp AS SELECT person_id, list(DISTINCT name) "
                "AS names, list(DISTINCT key) FILTER (WHERE key IS NOT NULL) AS keys "
                "FROM _en GROUP BY person_id")
    levels = ", ".join(f"{sql} AS {fld}_level" for fld, (sql, _) in bits.items())
    weights = ", ".join(f"{b} AS {fld}_bits" for fld, (_, b) in bits.items())
    total = " + ".join(f"coalesce({fld}_bits, 0)" for fld in bits)
    lv = (f"SELECT p.rid, p.person_id, {levels}, q.kind AS q_kind, "
          "q.name AS q_name, q.key AS q_key, q.phone AS q_phone, q.account AS q_account, "
          "q.case_id AS q_case "
          "FROM _pairs p JOIN _q q USING (rid) JOIN _ent e ON e.person_id = p.person_id "
          "LEFT JOIN _typo t ON t.rid = p.rid AND t.person_id = p.person_id "
          "LEFT JOIN _eid i ON i.person_id = p.person_id AND i.id18 = q.id18 "
          "LEFT JOIN _enp nf ON nf.person_id = p.person_id "
          "LEFT JOIN _tfn kn ON kn.name = q.name "
          "LEFT JOIN _ck ck ON ck.rid = p.rid AND ck.person_id = p.person_id "
          "LEFT JOIN (SELECT DISTINCT rid FROM _ck) ckr ON ckr.rid = p.rid "
          "LEFT JOIN _hc hc ON hc.person_id = p.person_id "
          "AND hc.t = CASE WHEN q.phone IS NOT NULL THEN 'p' ELSE 'a' END "
          "LEFT JOIN _ep hp ON hp.person_id = p.person_id AND hp.phone = q.phone "
          "LEFT JOIN _ea ha ON ha.person_id = p.person_id AND ha.account = q.account")
    eps = w.eps
    lvl = ", ".join(f"l.{f}_level" for f in bits)
    cw = (f"SELECT l.rid, l.person_id, {lvl}, {weights}, "
          "coalesce(pk.pi, ?) AS pi, coalesce(pk.q, 1.0) AS q FROM l "
          "LEFT JOIN _pik pk ON pk.kind = l.q_kind LEFT JOIN _tfn tn ON tn.name = l.q_name "
          "LEFT JOIN _tfk tk ON tk.key = l.q_key LEFT JOIN _hp np ON np.phone = l.q_phone "
          "LEFT JOIN _ha na ON na.account = l.q_account")
    # the posterior of each candidate among the record's candidates and "someone else":
    # someone from outside the case (1 - pi), who bears a candidate's exact name as
    # often as the case measured (q), or someone of the case outside the candidates (eps)
    mass = f"pi / {n} * pow(2.0, least({total}, 1000.0))"
    # the same on the record's own fields alone: no other attribution behind it
    own = " + ".join(f"coalesce({fld}_bits, 0)" for fld in bits if fld not in (FIELD, HOLD))
    own_mass = f"pi / {n} * pow(2.0, least({own}, 1000.0))"
    con.execute(  # one statement: the levels and bits of millions of pairs never stored
        f"CREATE OR REPLACE TEMP TABLE _cm AS WITH l AS ({lv}), cw AS ({cw}) "
        f"SELECT *, {total} AS weight, {mass} AS mass, {own_mass} AS own_mass FROM cw", [w.pi])
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _cr AS SELECT rid, sum(mass) AS total, "
        "sum(own_mass) AS own_total, "
        "(1 - any_value(pi)) * CASE WHEN bool_or(name_level = 'exact') THEN any_value(q) "
        f"ELSE 1.0 END + any_value(pi) * {eps!r} AS outside FROM _cm GROUP BY rid")
    # each record's best candidate (the most mass; ties: the smallest person id), found
    # by aggregates (cheaper than a window over millions of pairs), and its posterior
    pick = keep or (
        "(SELECT c.rid, min(c.person_id) AS person_id FROM _cm c JOIN (SELECT rid, "
        "max(mass) AS mass FROM _cm GROUP BY rid) top USING (rid) "
        "WHERE c.mass = top.mass GROUP BY c.rid)")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _cand AS SELECT c.* EXCLUDE (mass, own_mass), "
        "c.mass / (r.total + r.outside) AS p, "
        f"c.own_mass / (r.own_total + r.outside) AS p_own FROM _cm c JOIN {pick} pick "
        "USING (rid, person_id) JOIN _cr r USING (rid)")
    pairs = int(con.execute("SELECT count(*) FROM _cm").fetchall()[0][0])
    for table in ("_cm", "_cr", "_enp", "_hc", "_pairs", "_nb"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return pairs


def _swap(con, tables: tuple[str, ...], suffix: str, back: bool = False) -> None:
    for table in tables:
        if back:
            con.execute(f"DROP TABLE IF EXISTS {table}")
            con.execute(f"ALTER TABLE {table}{suffix} RENAME TO {table}")
        else:
            con.execute(f"ALTER TABLE {table} RENAME TO {table}{suffix}")


def _reweigh(con, w: Weights, rids: str, *, extra: str, keep: str | None = None,
             units: str | None = None) -> Weights:
    """Weigh the records listed in table ``rids`` again (:func:`candidates` with ``extra``
    and ``keep``) on a copy of ``w``: the first round's candidates stay in ``_cand1``, the
    new ones are left in ``_cand2`` (``_q`` and ``_typo`` are as before); returns the
    weights this round measured."""
    _swap(con, ("_cand", "_q", "_typo"), "1")
    con.execute(f"CREATE TEMP TABLE _q AS SELECT * FROM _q1 WHERE rid IN (SELECT rid FROM {rids})")
    again = copy.deepcopy(w)
    candidates(con, again, keep=keep, extra=extra, units=units)
    con.execute("ALTER TABLE _cand RENAME TO _cand2")
    _swap(con, ("_q", "_typo"), "1", back=True)
    return again


# a record whose identifier has contacts (calls, transfers, others arrested in its case):
# only its contacts level can change in a later round (the other fields do not move)
_REACHABLE = (
    f"(EXISTS (SELECT 1 FROM _edges e WHERE e.t = {IDENT_T} AND e.ident = {IDENT}) "
    "OR (q.phone IS NULL AND q.account IS NULL AND q.case_id IN (SELECT case_id FROM _ir "
    "WHERE kind = 'arrests' GROUP BY case_id HAVING count(*) > 1)))")


def _contacts_weights(w: Weights) -> dict:
    """The contacts ``m`` and ``u`` a round measured (for the params table)."""
    return {"contacts": {k: v for k, v in w.m.items() if k[0].startswith("contacts")},
            "contacts_u": {k: v for k, v in w.u.items() if k[0].startswith("contacts")},
            "contacts_case": w.source.get("contacts_case", "")}


def by_id_numbers(con: duckdb.DuckDBPyConnection, w: Weights) -> dict:
    """The round of the name-only records: each phone, account or arrest record without an
    ID number whose number, account or case has contacts is weighed again with the numbers,
    accounts and arrests the weights attributed *on their own fields* (posterior at
    :data:`P_MIN` or above without the contacts and holdings: a mistyped ID number, a name
    with birth date) counted as their persons' in the contacts (a ring member's name-only
    arrest whose case arrested a member named with birth date). A name-only attribution
    never becomes evidence for another one; those arrests with the exactly attributed ones
    measure what a case says (:func:`workbench.identity.contacts.contacts`, ``units``).
    Replaces those records' rows of ``_cand``; returns ``again`` (how many were weighed
    again) and this round's contacts ``m`` and ``u``."""
    sel = (f"FROM _cand c JOIN _q q USING (rid) WHERE c.p >= {P_MIN!r} "
           f"AND c.p_own >= {P_MIN!r} AND {IDENT} IS NOT NULL")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _wi AS SELECT DISTINCT {IDENT_T} AS t, "
                f"{IDENT} AS ident, c.person_id {sel}")
    con.execute("CREATE OR REPLACE TEMP TABLE _qn AS SELECT rid FROM _q q WHERE q.idg IS NULL "
                f"AND q.gpid IS NULL AND {IDENT} IS NOT NULL AND {_REACHABLE}")
    n = int(con.execute("SELECT count(*) FROM _qn").fetchall()[0][0])
    if not n or not con.execute("SELECT count(*) FROM _wi").fetchall()[0][0]:
        con.execute("DROP TABLE _wi; DROP TABLE _qn")
        return {"again": 0, "contacts": {}, "contacts_u": {}}
    w2 = _reweigh(con, w, "_qn", extra="_wi", units="_wi")
    con.execute("CREATE TEMP TABLE _cand AS SELECT * FROM _cand1 WHERE rid NOT IN "
                "(SELECT rid FROM _qn) UNION ALL BY NAME SELECT * FROM _cand2")
    for table in ("_cand1", "_cand2", "_wi", "_qn"):
        con.execute(f"DROP TABLE {table}")
    return {"again": n, **_contacts_weights(w2)}


def check(con: duckdb.DuckDBPyConnection, w: Weights) -> dict:
    """The check round: each phone, account or arrest record the weights attributed is weighed
    again with every other weighed number and account counted as its person's in the
    contacts (whom the number calls, what a candidate's circle holds) and kept only when
    its person's posterior stays at :data:`P_MIN` or above. A check can only take an
    attribution away, never make one: evidence that rests on the first round's own
    attributions decides nothing by itself. In ``_cand`` each checked record keeps the
    lower of its two posteriors (and that round's fields). Returns ``checked``,
    ``taken_back`` and the check round's contacts ``m`` and ``u`` (a case's measured on
    the arrests attributed exactly or on their own fields)."""
    sel = f"FROM _cand c JOIN _q q USING (rid) WHERE c.p >= {P_MIN!r} AND {IDENT} IS NOT NULL"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _keep AS SELECT c.rid, c.person_id {sel} "
                f"AND {_REACHABLE}")
    if not con.execute("SELECT count(*) FROM _keep").fetchall()[0][0]:
        con.execute("DROP TABLE _keep")
        return {"checked": 0, "taken_back": 0, "contacts": {}, "contacts_u": {}}
    con.execute(f"CREATE OR REPLACE TEMP TABLE _wx AS SELECT DISTINCT {IDENT_T} AS t, "
                f"{IDENT} AS ident, c.person_id {sel}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _wu AS SELECT DISTINCT {IDENT_T} AS t, "
                f"{IDENT} AS ident, c.person_id {sel} AND c.p_own >= {P_MIN!r}")
    w2 = _reweigh(con, w, "_keep", extra="_wx", keep="_keep", units="_wu")
    lower = "EXISTS (SELECT 1 FROM _cand2 c2 WHERE c2.rid = c.rid AND c2.p < c.p)"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _cand AS "
        "SELECT c.* FROM _cand1 c WHERE c.rid NOT IN (SELECT rid FROM _keep) "
        f"OR (c.rid IN (SELECT rid FROM _cand2) AND NOT {lower}) "
        "UNION ALL BY NAME SELECT c2.* FROM _cand2 c2 JOIN _cand1 c ON c.rid = c2.rid "
        "WHERE c2.p < c.p UNION ALL BY NAME SELECT c.* REPLACE (0.0 AS p) FROM _cand1 c "
        "WHERE c.rid IN (SELECT rid FROM _keep) AND c.rid NOT IN (SELECT rid FROM _cand2)")
    row = con.execute(f"SELECT count(*), count(*) FILTER (WHERE p < {P_MIN!r}) FROM _cand "
                      "WHERE rid IN (SELECT rid FROM _keep)").fetchall()[0]
    checks = {"checked": int(row[0]), "taken_back": int(row[1]), **_contacts_weights(w2)}
    for table in ("_cand1", "_cand2", "_keep", "_wx", "_wu"):
        con.execute(f"DROP TABLE {table}")
    return checks
