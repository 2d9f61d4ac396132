"""Numbers whose use contradicts their subscriber: a phone registered to one person and
used by a relative (a grandmother's second number that her grandson carries).

The attribution stays the subscriber's (the contract: the record names who it names); these
are review items. The evidence, all from the case:

1. **the subscriber calls themselves**: two numbers registered to the same person call each
   other while both are theirs. Nobody dials their own pocket; one of the two is used by
   someone else;
2. **which of them**: a number whose contacts reach the subscriber's own people that the
   probable users have nothing to do with (the subscriber's parents, brothers and sisters,
   colleagues paid from the same payroll account, the people their accounts deal with) is
   the subscriber's own, and the other one the relative's; else a number reaching the
   users' own people the subscriber has nothing to do with is the relative's. When the
   contacts do not tell (both reach only the family they share), the item names every
   number of the pair and says so (``certain`` false);
3. **who uses it**: the subscriber's kin and household members who hold no number of their
   own in the case, ranked by how many of the number's contacts are their kin.

Examples
--------
>>> from workbench.store import Store
>>> import tempfile, os
>>> with Store(os.path.join(tempfile.mkdtemp(), "c.duckdb")) as s:
...     contradicting_use(s.con)
[]
"""

from __future__ import annotations

from collections import defaultdict

import duckdb

__all__ = ["contradicting_use"]

_OWN = ("SELECT DISTINCT phone, person_id, since, until FROM phones "
        "WHERE person_id IS NOT NULL")
_DURING = ("({a}.since IS NULL OR c.started_at >= {a}.since) AND ({a}.until IS NULL "
           "OR c.started_at < {a}.until + INTERVAL 1 DAY)")
_KIN = ("SELECT person_a AS x, person_b AS y FROM kinship "
        "UNION SELECT person_b, person_a FROM kinship "
        "UNION SELECT p1.person_id, p2.person_id FROM persons p1 JOIN persons p2 "
        "ON p1.household_id = p2.household_id AND p1.person_id <> p2.person_id")
# the people a person deals with apart from their phones: whom their accounts pay or are
# paid by, and who is paid from the same account as they are (colleagues on one payroll)
_DEALS = ("WITH own AS (SELECT DISTINCT account_id, person_id FROM accounts "
          "WHERE person_id IS NOT NULL), t AS (SELECT DISTINCT from_account AS f, "
          "to_account AS o FROM transactions) "
          "SELECT a.person_id AS x, b.person_id AS y FROM t JOIN own a ON a.account_id = t.f "
          "JOIN own b ON b.account_id = t.o UNION SELECT b.person_id, a.person_id FROM t "
          "JOIN own a ON a.account_id = t.f JOIN own b ON b.account_id = t.o "
          "UNION SELECT a.person_id, b.person_id FROM t t1 JOIN t t2 ON t2.f = t1.f "
          "AND t2.o <> t1.o JOIN own a ON a.account_id = t1.o "
          "JOIN own b ON b.account_id = t2.o")


def _self_calls(con) -> list[tuple[str, str, str, int]]:
    """``(subscriber, number, other number, calls)``: numbers of one subscriber that call
    each other while both are theirs."""
    return con.execute(
        f"WITH own AS ({_OWN}) SELECT a.person_id, c.caller, c.callee, count(*) FROM calls c "
        "JOIN own a ON a.phone = c.caller JOIN own b ON b.phone = c.callee "
        f"AND b.person_id = a.person_id WHERE c.caller <> c.callee "
        f"AND {_DURING.format(a='a')} AND {_DURING.format(a='b')} "
        "GROUP BY ALL ORDER BY ALL").fetchall()


def contradicting_use(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Review items ``{"phone", "subscriber", "probable_users", "pair", "certain", "why",
    "calls_between"}`` (see the module docstring), one per number, best evidence first."""
    pairs: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for sub, x, y, n in _self_calls(con):
        for a, b in ((x, y), (y, x)):
            pairs[sub][a][b] = pairs[sub][a].get(b, 0) + int(n)
    if not pairs:
        return []
    subs = sorted(pairs)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rk AS {_KIN}")
    try:
        # candidate users: kin or household of the subscriber holding no number
        users = defaultdict(list)
        for sub, user in con.execute(
                "SELECT k.x, k.y FROM _rk k WHERE k.x IN (SELECT unnest(?)) AND NOT EXISTS "
                "(SELECT 1 FROM phones p WHERE p.person_id = k.y) ORDER BY k.x, k.y",
                [subs]).fetchall():
            users[sub].append(user)
        numbers = sorted({x for s in subs for x in pairs[s]})
        # contacts of each number: persons holding the numbers it calls or is called by
        contacts = defaultdict(set)
        for x, partner in con.execute(
                f"WITH own AS ({_OWN}), e AS (SELECT caller AS x, callee AS o FROM calls "
                "UNION SELECT callee, caller FROM calls) SELECT DISTINCT e.x, own.person_id "
                "FROM e JOIN own ON own.phone = e.o WHERE e.x IN (SELECT unnest(?))",
                [numbers]).fetchall():
            contacts[x].add(partner)
        kin, deals = defaultdict(set), defaultdict(set)
        people = sorted(set(subs) | {u for s in subs for u in users[s]})
        for x, y in con.execute("SELECT x, y FROM _rk WHERE x IN (SELECT unnest(?))",
                                [people]).fetchall():
            kin[x].add(y)
        for x, y in con.execute(f"SELECT x, y FROM ({_DEALS}) WHERE x IN (SELECT unnest(?)) "
                                "AND x <> y", [people]).fetchall():
            deals[x].add(y)
    finally:
        con.execute("DROP TABLE IF EXISTS _rk")
    out = []
    for sub in subs:
        cands = users.get(sub, [])
        theirs = set(cands) | {k for u in cands for k in kin[u] | deals[u]}
        mine_all = kin[sub] | deals[sub]
        own_only = mine_all - theirs - {sub}  # the subscriber's people the users are not in
        their_only = theirs - mine_all - {sub} - set(cands)
        group = sorted(pairs[sub])
        mine = {x: sorted(contacts[x] & own_only) for x in group}
        users_ = {x: sorted(contacts[x] & their_only) for x in group}
        others = [x for x in group if not mine[x]]
        certain, by = 0 < len(others) < len(group), "own"
        if not certain:  # the users' own people (their colleagues, their accounts' payers)
            others = [x for x in group if users_[x]]
            certain, by = 0 < len(others) < len(group), "users"
        flagged = others if certain else group
        for x in flagged:
            reach = {u: len(contacts[x] & (kin[u] | {u})) for u in cands}
            ranked = sorted(cands, key=lambda u: (-reach[u], u))
            partner = sorted(pairs[sub][x])
            n = sum(pairs[sub][x].values())
            why = (f"{x} and {', '.join(partner)} are both registered to {sub} and call each "
                   f"other ({n} calls): one of them is used by someone else")
            if certain and by == "own":
                own = [y for y in group if mine[y]]
                names = sorted(set().union(*(mine[y] for y in own)))[:3]
                why += (f"; {', '.join(own)} reach{'es' if len(own) == 1 else ''} "
                        f"people of {sub}'s ({', '.join(names)}) the relatives are not "
                        f"related to, {x} does not")
            elif certain:
                why += (f"; {x} reaches people of the relatives' ({', '.join(users_[x][:3])}) "
                        f"{sub} is not related to, {', '.join(partner)} do(es) not")
            else:
                why += "; the contacts do not tell which"
            if not ranked:
                why += f"; no relative of {sub} without a number of their own is known"
            out.append({"phone": x, "subscriber": sub, "probable_users": ranked,
                        "pair": partner, "certain": certain, "calls_between": n,
                        "why": why})
    out.sort(key=lambda i: (not i["certain"], -i["calls_between"], i["phone"]))
    return out
