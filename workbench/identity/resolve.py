"""The resolution stage: which person each record names, from all the case's records.

Runs after every ingest, inside its transaction, over every record of the kinds that name a
person (:data:`workbench.contract.PERSON_KINDS`), so the answer does not depend on the order
files came in. In order:

1. **exact**: a ``person_id`` as given; else a valid ID number (a 15-digit one converted) of
   a registry person; else a valid ID number no registry person has makes a person of its
   own, whose id is the 18-character number;
2. **decisions**: analysts' merges, splits, accepts and rejects
   (:mod:`workbench.identity.decisions`);
3. **weighed**: every other record (a wrong check character, a name without an ID number, a
   name in pinyin) is compared field by field with the persons it could be (blocking: the
   valid numbers one typo away, the same name, the same pinyin, the same phone or account)
   and attributed when the best candidate's posterior reaches
   :data:`workbench.identity.weights.P_MIN`; otherwise it stays **unresolved** (NULL);
4. **name-only round**: the phone, account and arrest records without ID number are
   weighed again with the attributions that stand on their own fields counted in their
   contacts (:func:`workbench.identity.compare.by_id_numbers`);
5. **check**: every phone, account or arrest record so attributed is weighed again with
   all the weighed numbers, accounts and arrests counted as their persons' in its
   contacts, and stays attributed only if its person's posterior still reaches ``P_MIN``
   (:func:`workbench.identity.compare.check`: a check takes attributions away, never
   makes one). Both rounds weigh only records whose identifier has contacts.

Results: ``person_id`` of each record table (NULL when unresolved), ``identity_records``
(how and with what weight each record was attributed, field by field),
``identity_persons`` and ``identity_params`` (every threshold and weight, and where it came
from).

Examples
--------
>>> from workbench.store import Store
>>> import tempfile, os
>>> with Store(os.path.join(tempfile.mkdtemp(), "c.duckdb")) as s:
...     resolve(s.con)["records"]
0
"""

from __future__ import annotations

import json
import logging
import time

import duckdb

from ..contract import PERSON_KINDS
from .compare import FIELDS, by_id_numbers, candidates, check, open_records
from .decisions import DecisionPlan, active_decisions
from .ids import typo_neighbours
from .names import clean_name, name_script, pinyin_keys
from .params import write_params
from .weights import DEFAULT_M, P_MIN, Weights, measured_m

__all__ = ["resolve", "records_sql", "P_NOBODY"]

#: below this posterior, the best candidate of a record is nobody's match
P_NOBODY = 0.05

log = logging.getLogger(__name__)

_EXTRA = {  # kind -> (phone, account, household, since, until, case) expressions
    "persons": ("NULL", "NULL", "household_id", "NULL", "NULL", "NULL"),
    "phones": ("phone", "NULL", "NULL", "since", "until", "NULL"),
    "accounts": ("NULL", "account_id", "NULL", "NULL", "NULL", "NULL"),
    "arrests": ("NULL", "NULL", "NULL", "NULL", "NULL", "case_id"),
}
_W17 = [pow(2, 17 - i, 11) for i in range(17)]


def _check_sql(body: str) -> str:
    """SQL of the check character of a 17-digit VARCHAR expression."""
    terms = " + ".join(f"TRY_CAST(substr({body}, {i + 1}, 1) AS INTEGER) * {w}"
                       for i, w in enumerate(_W17))
    return f"substr('10X98765432', CAST(({terms}) % 11 AS INTEGER) + 1, 1)"


def records_sql() -> str:
    """SQL of every record that names a person: kind, provenance and identity fields."""
    parts = []
    for kind in PERSON_KINDS:
        phone, account, household, since, until, case = _EXTRA.get(kind, ("NULL",) * 6)
        parts.append(
            f"SELECT '{kind}' AS kind, _source, _line, given_person_id AS gpid, "
            "id_number AS idg, name AS name_raw, birth_date AS bd, sex, "
            f"CAST({phone} AS VARCHAR) AS phone, CAST({account} AS VARCHAR) AS account, "
            f"CAST({household} AS VARCHAR) AS household, CAST({since} AS DATE) AS since, "
            f"CAST({until} AS DATE) AS until, CAST({case} AS VARCHAR) AS case_id, "
            f"_row_hash AS h FROM {kind} WHERE given_person_id IS NOT NULL "
            "OR id_number IS NOT NULL OR name IS NOT NULL")
    shape = "'[0-9]{17}[0-9X]|[0-9]{15}'"
    for side in ("a", "b"):  # kinship names each side by a person id or an ID number
        given = f"upper(given_person_{side})"
        parts.append(
            f"SELECT 'kinship.{side}' AS kind, _source, _line, CASE WHEN NOT "
            f"regexp_full_match({given}, {shape}) THEN given_person_{side} END AS gpid, "
            f"CASE WHEN regexp_full_match({given}, {shape}) THEN {given} END AS idg, "
            "CAST(NULL AS VARCHAR) AS name_raw, CAST(NULL AS DATE) AS bd, "
            "CAST(NULL AS VARCHAR) AS sex, CAST(NULL AS VARCHAR) AS phone, "
            "CAST(NULL AS VARCHAR) AS account, CAST(NULL AS VARCHAR) AS household, "
            "CAST(NULL AS DATE) AS since, CAST(NULL AS DATE) AS until, "
            f"CAST(NULL AS VARCHAR) AS case_id, _row_hash AS h FROM kinship "
            f"WHERE given_person_{side} IS NOT NULL")
    return " UNION ALL ".join(parts)


def _unnest(con, table: str, columns: dict[str, list], types: dict[str, str]) -> None:
    sel = ", ".join(f"CAST(unnest(?) AS {types.get(c, 'VARCHAR')}) AS {c}" for c in columns)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {sel}", list(columns.values()))


def _stage_records(con) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE _ir0 AS SELECT row_number() OVER () AS rid, * "
                f"FROM ({records_sql()})")
    raws = [r[0] for r in con.execute(
        "SELECT DISTINCT name_raw FROM _ir0 WHERE name_raw IS NOT NULL").fetchall()]
    names, scripts, keys, keys2 = [], [], [], []
    for raw in raws:
        name = clean_name(raw)
        ks = pinyin_keys(name)
        names.append(name)
        scripts.append(name_script(name))
        keys.append(ks[0] if ks else None)
        keys2.append(ks[1] if len(ks) > 1 else None)
    _unnest(con, "_nm", {"raw": raws, "name": names, "script": scripts, "key": keys,
                         "key2": keys2}, {})
    b15 = "substr(r.idg, 1, 6) || '19' || substr(r.idg, 7, 9)"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ir AS SELECT r.*, "
        "CASE WHEN length(r.idg) = 18 AND try_strptime(substr(r.idg, 7, 8), '%Y%m%d') "
        f"IS NOT NULL AND {_check_sql('r.idg')} = substr(r.idg, 18, 1) THEN r.idg "
        "WHEN length(r.idg) = 15 AND try_strptime('19' || substr(r.idg, 7, 6), '%Y%m%d') "
        f"IS NOT NULL THEN {b15} || {_check_sql(b15)} END AS id18, "
        "nm.name, nm.script, nm.key, nm.key2 FROM _ir0 r LEFT JOIN _nm nm "
        "ON nm.raw = r.name_raw")
    con.execute("DROP TABLE _ir0")


def _decisions(con) -> DecisionPlan:
    registry = {r[0] for r in con.execute(
        "SELECT DISTINCT gpid FROM _ir WHERE kind = 'persons' AND gpid IS NOT NULL"
    ).fetchall()}
    plan = DecisionPlan.build(active_decisions(con),
                              rank=lambda p: (0 if p in registry else 1, p))
    pids = list(plan.parent)
    _unnest(con, "_canon", {"pid": pids, "canon": [plan.canonical(p) for p in pids]}, {})
    forced = list(plan.forced.items())
    _unnest(con, "_forced", {"kind": [k[0] for k, _ in forced],
                             "src": [k[1] for k, _ in forced],
                             "line": [k[2] for k, _ in forced],
                             "pid": [plan.canonical(p) for _, p in forced]},
            {"src": "BIGINT", "line": "BIGINT"})
    banned = [(k, plan.canonical(p)) for k, ps in plan.banned.items() for p in ps]
    _unnest(con, "_banned", {"kind": [k[0] for k, _ in banned],
                             "src": [k[1] for k, _ in banned],
                             "line": [k[2] for k, _ in banned],
                             "pid": [p for _, p in banned]},
            {"src": "BIGINT", "line": "BIGINT"})
    return plan


def _exact(con) -> None:
    """``_ex``: each record's exact person (pid1) and how, before weighing."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _idmap AS SELECT id18, "
        "CASE WHEN count(DISTINCT gpid) FILTER (WHERE kind = 'persons') = 1 "
        "THEN min(gpid) FILTER (WHERE kind = 'persons') "
        "WHEN count(DISTINCT gpid) FILTER (WHERE kind = 'persons') = 0 "
        "AND count(DISTINCT gpid) = 1 THEN min(gpid) END AS pid "
        "FROM _ir WHERE gpid IS NOT NULL AND id18 IS NOT NULL GROUP BY id18")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ex0 AS SELECT r.rid, "
        "CASE WHEN r.gpid IS NOT NULL THEN r.gpid WHEN m.pid IS NOT NULL THEN m.pid "
        "WHEN r.id18 IS NOT NULL AND m.id18 IS NULL THEN r.id18 END AS pid0, "
        "CASE WHEN r.gpid IS NOT NULL THEN 'person_id' "
        "WHEN r.id18 IS NOT NULL AND m.id18 IS NOT NULL AND m.pid IS NULL THEN NULL "
        "WHEN r.id18 IS NOT NULL AND length(r.idg) = 15 THEN 'id15' "
        "WHEN r.id18 IS NOT NULL THEN 'id_number' END AS how0 "
        "FROM _ir r LEFT JOIN _idmap m ON m.id18 = r.id18")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ex AS SELECT e.rid, "
        "CASE WHEN b.pid IS NULL THEN coalesce(c.canon, e.pid0) END AS pid1, "
        "CASE WHEN b.pid IS NULL THEN e.how0 END AS how1, e.pid0 "
        "FROM _ex0 e JOIN _ir r USING (rid) LEFT JOIN _canon c ON c.pid = e.pid0 "
        "LEFT JOIN _banned b ON b.kind = r.kind AND b.src = r._source AND b.line = r._line "
        "AND b.pid = coalesce(c.canon, e.pid0)")
    con.execute("DROP TABLE _ex0")


def _entities(con) -> int:
    """Persons and their profiles from the exactly attributed records; returns N."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _xr AS SELECT r.*, e.pid1 AS pid FROM _ir r "
        "JOIN _ex e USING (rid) WHERE e.pid1 IS NOT NULL")
    idbd = "CAST(try_strptime(substr(id18, 7, 8), '%Y%m%d') AS DATE)"
    idsex = "CASE WHEN CAST(substr(id18, 17, 1) AS INTEGER) % 2 = 1 THEN 'M' ELSE 'F' END"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ent AS SELECT pid AS person_id, "
        "coalesce(min(id18) FILTER (WHERE kind = 'persons'), min(id18)) AS id18, "
        f"coalesce(min(bd) FILTER (WHERE kind = 'persons'), min({idbd}), min(bd)) AS bd, "
        f"coalesce(min(sex) FILTER (WHERE kind = 'persons'), min({idsex}), min(sex)) AS sex, "
        "min(household) AS household, "
        "CASE WHEN bool_or(kind = 'persons') THEN 'registry' "
        "WHEN bool_or(gpid IS NOT NULL) THEN 'person_id' ELSE 'id_number' END AS origin, "
        "count(DISTINCT kind) AS kinds FROM _xr GROUP BY pid")
    con.execute("CREATE OR REPLACE TEMP TABLE _eid AS SELECT DISTINCT pid AS person_id, id18 "
                "FROM _xr WHERE id18 IS NOT NULL")
    con.execute("CREATE OR REPLACE TEMP TABLE _en AS SELECT DISTINCT pid AS person_id, name, "
                "script, key FROM _xr WHERE name IS NOT NULL")
    con.execute("CREATE OR REPLACE TEMP TABLE _ep AS SELECT DISTINCT pid AS person_id, phone "
                "FROM _xr WHERE phone IS NOT NULL")
    con.execute("CREATE OR REPLACE TEMP TABLE _ea AS SELECT DISTINCT pid AS person_id, "
                "account FROM _xr WHERE account IS NOT NULL")
    con.execute("CREATE OR REPLACE TEMP TABLE _tfn AS SELECT name, count(DISTINCT person_id) "
                "AS n FROM _en WHERE script IN ('han', 'code') GROUP BY name")
    con.execute("CREATE OR REPLACE TEMP TABLE _tfk AS SELECT key, count(DISTINCT person_id) "
                "AS n FROM _en WHERE key IS NOT NULL GROUP BY key")
    for table in ("_tfn", "_tfk"):
        _good_turing(con, table)
    con.execute("CREATE OR REPLACE TEMP TABLE _hp AS SELECT phone, count(*) AS n FROM _ep "
                "GROUP BY phone")
    con.execute("CREATE OR REPLACE TEMP TABLE _ha AS SELECT account, count(*) AS n FROM _ea "
                "GROUP BY account")
    return int(con.execute("SELECT count(*) FROM _ent").fetchall()[0][0])


def _good_turing(con, table: str) -> dict[int, float]:
    """Add ``ne`` to a term-frequency table: the Good-Turing count of a name seen ``n``
    times, ``(n + 1) N(n+1) / N(n)`` for small ``n`` (never above ``n``). A name seen once
    among the case's persons is, in the population the records come from, rarer than once
    in N: how much rarer, the case's own counts of counts say."""
    counts = dict(con.execute(f"SELECT n, count(*) FROM {table} GROUP BY n").fetchall())
    star = {}
    for r in range(1, 6):
        if counts.get(r) and counts.get(r + 1):
            star[r] = min((r + 1) * counts[r + 1] / counts[r], float(r))
    for r in range(2, 6):  # keep the order of the counts
        if r in star and r - 1 in star:
            star[r] = max(star[r], star[r - 1])
    _unnest(con, "_gt", {"n": list(star), "ne": list(star.values())},
            {"n": "BIGINT", "ne": "DOUBLE"})
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT t.*, "
                f"coalesce(g.ne, CAST(t.n AS DOUBLE)) AS ne FROM {table} t "
                "LEFT JOIN _gt g ON g.n = t.n")
    con.execute("DROP TABLE _gt")
    return star


_NAME_LEVEL = (
    "CASE WHEN q.name IS NULL OR q.script IS NULL THEN NULL "
    "WHEN q.script IN ('han', 'code') AND {exact} THEN 'exact' "
    "WHEN q.script = 'han' AND {pin} THEN 'homophone' "
    "WHEN q.script IN ('han', 'code') AND {known} THEN 'another_persons' "
    "WHEN q.script IN ('han', 'code') THEN 'differs' "
    "WHEN {pin} THEN 'pinyin' ELSE 'pinyin_differs' END")


def _levels(x: str, y: str) -> str:
    return f"CASE WHEN {x} IS NULL OR {y} IS NULL THEN NULL WHEN {x} = {y} THEN 'same' " \
           "ELSE 'differs' END"


def _weights(con, n: int) -> Weights:
    """m measured on records attributed by ID number against their registry row; u from
    the case's persons; pi, the share of ID-bearing records whose person other sources
    know too."""
    pi_rows = con.execute(
        "SELECT x.kind, count(*), avg(CASE WHEN e.kinds >= 2 THEN 1.0 ELSE 0.0 END) FROM _xr x "
        "JOIN _ent e ON e.person_id = x.pid WHERE x.kind <> 'persons' AND x.id18 IS NOT NULL "
        "GROUP BY x.kind").fetchall()
    total = sum(r[1] for r in pi_rows)

    def clip(v: float) -> float:
        return min(max(v, 0.5), 0.995)

    pi = clip(sum(r[1] * float(r[2]) for r in pi_rows) / total) if total else 0.9
    # each kind its own: a subscriber file names the case's people, a hotel register also
    # travellers from elsewhere
    pi_kind = {k: clip(float(v)) for k, c, v in pi_rows if c >= 30}
    # how often a person from outside the registry bears a registry person's name, per
    # kind, measured on the ID-bearing records of persons the registry does not hold
    q_rows = con.execute(
        "SELECT x.kind, count(*), count(*) FILTER (WHERE x.name IN (SELECT name FROM _xr "
        "WHERE kind = 'persons' AND name IS NOT NULL)) FROM _xr x JOIN _ent e "
        "ON e.person_id = x.pid WHERE e.origin <> 'registry' AND x.kind <> 'persons' "
        "AND x.name IS NOT NULL AND EXISTS (SELECT 1 FROM _xr WHERE kind = 'persons') "
        "GROUP BY x.kind").fetchall()
    q_kind = {k: (hits + 0.5) / (c + 1) for k, c, hits in q_rows if c >= 30}
    kinds = sorted(set(pi_kind) | set(q_kind))
    _unnest(con, "_pik", {"kind": kinds, "pi": [pi_kind.get(k, pi) for k in kinds],
                          "q": [q_kind.get(k, 1.0) for k in kinds]},
            {"pi": "DOUBLE", "q": "DOUBLE"})
    name_level = _NAME_LEVEL.format(exact="q.name = p.name", pin="q.key = p.key "
                                    "OR q.key2 = p.key", known="kn.name IS NOT NULL")
    rows = con.execute(
        "WITH reg AS (SELECT pid, name, key, bd, sex, household FROM _xr "
        "WHERE kind = 'persons'), "
        "q AS (SELECT * FROM _xr WHERE kind <> 'persons' AND id18 IS NOT NULL "
        "AND gpid IS NULL) "
        f"SELECT 'name', {name_level}, count(*) FROM q JOIN reg p ON p.pid = q.pid "
        "LEFT JOIN (SELECT DISTINCT name FROM reg) kn ON kn.name = q.name GROUP BY 2 "
        f"UNION ALL SELECT 'birth_date', {_levels('q.bd', 'p.bd')}, count(*) FROM q "
        "JOIN reg p ON p.pid = q.pid GROUP BY 2 "
        f"UNION ALL SELECT 'sex', {_levels('q.sex', 'p.sex')}, count(*) FROM q "
        "JOIN reg p ON p.pid = q.pid GROUP BY 2").fetchall()
    obs = []
    for fld, level, count in rows:
        if level is None:
            continue
        if fld == "name" and level.startswith("pinyin"):
            fld = "name_latin"
        obs += [(fld, level)] * int(count)
    default = dict(DEFAULT_M)
    default[("name_latin", "pinyin")] = default.pop(("name", "pinyin"))
    default[("name_latin", "pinyin_differs")] = 0.10
    m, trained = measured_m(obs, default)
    w = Weights(n=n, pi=pi, m=m, pi_kind=pi_kind, q_kind=q_kind)
    # the person is in the case but outside the record's candidates when the name was
    # written unlike any of theirs: measured, never below half a percent
    w.eps = min(max(m[("name", "differs")] + m[("name", "homophone")], 0.005), 0.2)
    collide = {
        "birth_date": "SELECT sum(c * c) / (sum(c) * sum(c)) FROM (SELECT count(*) AS c "
                      "FROM _ent WHERE bd IS NOT NULL GROUP BY bd)",
        "sex": "SELECT sum(c * c) / (sum(c) * sum(c)) FROM (SELECT count(*) AS c FROM _ent "
               "WHERE sex IS NOT NULL GROUP BY sex)",
        "household": "SELECT sum(c * c) / (sum(c) * sum(c)) FROM (SELECT count(*) AS c "
                     "FROM _ent WHERE household IS NOT NULL GROUP BY household)",
    }
    for fld, sql in collide.items():
        u = con.execute(sql).fetchall()[0][0]
        u = float(u) if u is not None else 0.5
        w.u[(fld, "same")] = u
        w.u[(fld, "differs")] = 1 - u
    # typo neighbours among the case's own ID numbers: how often a number one typo away
    # from a person's is another person's
    sample = [r[0] for r in con.execute(
        "SELECT id18 FROM _eid ORDER BY md5(id18) LIMIT 1000").fetchall()]
    cands = [(s, c) for s in sample for c in typo_neighbours(s)]
    hits = 0
    if cands:
        _unnest(con, "_nbs", {"idg": [a for a, _ in cands], "cand": [b for _, b in cands]}, {})
        hits = con.execute("SELECT count(*) FROM _nbs JOIN _eid ON _eid.id18 = _nbs.cand"
                           ).fetchall()[0][0]
        con.execute("DROP TABLE _nbs")
    k = (hits + 0.5) / max(len(sample), 1)
    w.u[("id_number", "typo")] = min(k / max(n, 1), 1.0)
    w.u[("id_number", "same")] = 1 / max(n, 1)
    w.u[("id_number", "differs")] = 1.0
    w.m[("id_number", "same")] = 0.99
    for fld in ("name", "name_latin"):
        for level in ("differs", "pinyin_differs", "another_persons"):
            if (fld, level) in w.m:
                w.u[(fld, level)] = 1.0
    w.source = {"m": f"measured on {trained} field comparisons of ID-attributed records "
                     "with their registry row" if trained else "defaults (no registry)",
                "u": "frequencies among the case's persons", "pi": "share of ID-bearing "
                "records whose person another kind of record also names"}
    return w


def _results(con, plan: DecisionPlan) -> None:
    """``_res``: every record's person, how, weight, posterior and, for weighed records,
    the fields of the best candidate."""
    fields = ", ".join(
        f"'{f}', CASE WHEN c.{f}_level IS NOT NULL THEN json_object('level', c.{f}_level, "
        f"'bits', round(c.{f}_bits, 2)) END" for f in FIELDS)
    # an ID number whose check fails, one typo away from nobody's and like no one else's
    # record, names a person of its own (kept as given), as a valid unknown number does
    own = (f"(r.idg IS NOT NULL AND r.id18 IS NULL AND t.rid IS NULL "
           f"AND coalesce(c.p, 0) < {P_NOBODY!r})")
    # a named record like no one's (no candidate at all) is a person nobody else names
    lone = "(r.idg IS NULL AND r.gpid IS NULL AND r.script IS NOT NULL AND c.rid IS NULL)"
    lone_id = "'U:' || r.kind || ':' || substr(md5(CAST(r.h AS VARCHAR)), 1, 12)"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _res AS SELECT r.rid, r.kind, r._source, r._line, "
        "CASE WHEN f.kind IS NOT NULL THEN f.pid WHEN e.pid1 IS NOT NULL THEN e.pid1 "
        f"WHEN c.p >= {P_MIN!r} THEN c.person_id WHEN {own} THEN r.idg "
        f"WHEN {lone} THEN {lone_id} "
        "WHEN r.kind = 'persons' THEN coalesce(r.gpid, r.idg) END AS person_id, "
        "CASE WHEN f.kind IS NOT NULL THEN 'decision' WHEN e.pid1 IS NOT NULL THEN e.how1 "
        f"WHEN c.p >= {P_MIN!r} THEN 'weights' WHEN {own} THEN 'id_number unmatched' "
        f"WHEN {lone} THEN 'name unmatched' "
        "WHEN r.kind = 'persons' THEN 'registry row' ELSE 'unresolved' END AS how, "
        "c.weight, CASE WHEN f.kind IS NOT NULL OR e.pid1 IS NOT NULL THEN 1.0 "
        "ELSE coalesce(c.p, 0.0) END AS p, c.person_id AS candidate, "
        f"CASE WHEN c.rid IS NOT NULL THEN CAST(json_object({fields}) AS VARCHAR) END "
        "AS fields FROM _ir r JOIN _ex e USING (rid) "
        "LEFT JOIN _forced f ON f.kind = r.kind AND f.src = r._source AND f.line = r._line "
        "LEFT JOIN _cand c ON c.rid = r.rid AND f.kind IS NULL AND e.pid1 IS NULL "
        "LEFT JOIN (SELECT DISTINCT rid FROM _typo) t ON t.rid = r.rid")


def _write(con) -> None:
    con.execute("DELETE FROM identity_records")
    con.execute("INSERT INTO identity_records SELECT kind, _source, _line, person_id, how, "
                "round(weight, 3), round(p, 6), candidate, fields FROM _res")
    for kind in PERSON_KINDS:
        con.execute(
            f"UPDATE {kind} SET person_id = r.person_id FROM _res r WHERE r.kind = ? "
            f"AND r._source = {kind}._source AND r._line = {kind}._line "
            f"AND {kind}.person_id IS DISTINCT FROM r.person_id", [kind])
    for side in ("a", "b"):  # an unresolved side keeps its given id: it stands for itself
        con.execute(
            f"UPDATE kinship SET person_{side} = coalesce(r.person_id, k.given_person_{side}) "
            f"FROM _res r, kinship k WHERE r.kind = ? AND r._source = kinship._source "
            f"AND r._line = kinship._line AND k._source = kinship._source "
            f"AND k._line = kinship._line AND kinship.person_{side} IS DISTINCT FROM "
            f"coalesce(r.person_id, k.given_person_{side})", [f"kinship.{side}"])
    # persons: named by the registry, else by the name their records give most often
    con.execute("DELETE FROM identity_persons")
    con.execute(
        "INSERT INTO identity_persons SELECT res.person_id, "
        "coalesce(arg_max(r.name, (r.kind = 'persons', r.script = 'han', 1)) FILTER "
        "(WHERE r.kind = 'persons'), mode(r.name) FILTER (WHERE r.script = 'han'), "
        "mode(r.name)), coalesce(min(e.id18), min(r.id18)), min(e.bd), min(e.sex), "
        "coalesce(min(e.origin), 'registry row'), count(*) "
        "FROM _res res JOIN _ir r USING (rid) LEFT JOIN _ent e ON e.person_id = res.person_id "
        "WHERE res.person_id IS NOT NULL GROUP BY res.person_id")


_TEMPS = ("_nm", "_ir", "_pik", "_kin", "_ck", "_own", "_pc", "_canon", "_forced",
          "_banned", "_idmap", "_ex", "_xr", "_ent", "_eid", "_en", "_ep", "_ea", "_tfn",
          "_tfk", "_hp", "_ha", "_q", "_typo", "_cand", "_res", "_edges", "_cand1", "_cand2",
          "_keep", "_wx", "_q1", "_typo1", "_wi", "_qn", "_wu", "_cu", "_co", "_hx",
          "_pcu")


def resolve(con: duckdb.DuckDBPyConnection) -> dict:
    """Attribute every record that names a person; write the results (see module doc).

    Runs inside the caller's transaction (an ingest's, a decision's). Returns the counts:
    ``records``, ``exact``, ``decided``, ``weighed``, ``unresolved``, ``persons``.
    """
    t0 = time.perf_counter()
    try:
        _stage_records(con)
        plan = _decisions(con)
        _exact(con)
        n = _entities(con)
        w = _weights(con, n)
        open_records(con)
        pairs = candidates(con, w)
        again = by_id_numbers(con, w)
        checks = check(con, w)
        _results(con, plan)
        _write(con)
        row = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE how IN ('person_id', 'id_number', "
            "'id15', 'id_number unmatched', 'name unmatched')), "
            "count(*) FILTER (WHERE how = 'decision'), "
            "count(*) FILTER (WHERE how = 'weights'), "
            "count(*) FILTER (WHERE person_id IS NULL) FROM _res").fetchall()[0]
        counts = dict(zip(("records", "exact", "decided", "weighed", "unresolved"),
                          map(int, row), strict=True))
        counts["candidate_pairs"] = pairs
        counts["name_only_again"] = again["again"]
        counts["checked"], counts["taken_back"] = checks["checked"], checks["taken_back"]
        counts["persons"] = int(con.execute("SELECT count(*) FROM identity_persons"
                                            ).fetchall()[0][0])
        seconds = time.perf_counter() - t0
        write_params(con, w, counts, seconds, checks, again)
        if plan.conflicts:
            counts["decision_conflicts"] = plan.conflicts
        log.info("identity: %s in %.2fs", json.dumps(counts), seconds)
        return counts
    finally:
        for table in _TEMPS:
            try:
                con.execute(f"DROP TABLE IF EXISTS {table}")
            except duckdb.Error:
                break
