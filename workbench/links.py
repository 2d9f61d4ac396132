"""Link layers: SQL over the case store turning records into person-to-person links.

Each layer is a temporary table of undirected node pairs ``(u, v)`` with ``u < v`` and the
layer's own measures. Nodes are person ids; a phone number or account that belongs to no
person stays in as ``tel:+86...`` / ``acct:...`` when it connects at least two persons.

Layers: ``calls`` (count, duration, night and short calls, first/last contact,
direction), ``money`` (transfers each way, totals, distinct amounts, first/last),
``coarrest`` (shared case numbers, trafficking charges), ``kinship`` (relations) and
``shared`` (two persons on one phone or account).

Hub rule: a number or account in contact with at least ``max(hub_min, hub_share x persons)``
distinct counterparts (a taxi line, a carrier service, an employer paying salaries, the
power company) is set aside: its calls and transfers make no person-to-person link, and it
is reported in :attr:`Layers.hubs`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass, field

import duckdb

from .contract import DRUG_CHARGE, TRAFFICKING_CHARGE

__all__ = ["LinkParams", "Layers", "build_layers", "LAYER_NAMES"]

log = logging.getLogger(__name__)

LAYER_NAMES = ("calls", "money", "coarrest", "kinship", "shared")


@dataclass(frozen=True)
class LinkParams:
    """How records become links. Every field is recorded with each result.

    Parameters
    ----------
    since, until : datetime or None
        Time window (aware datetimes; ``until`` exclusive) for calls, transfers, arrests.
    night_start, night_end : int
        Local hours that count as night (22 to 6 by default).
    short_s : int
        A call of at most this many seconds is short.
    hub_share, hub_min : float, int
        Hub rule (see the module docstring).
    """

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    night_start: int = 22
    night_end: int = 6
    short_s: int = 60
    hub_share: float = 0.02
    hub_min: int = 50

    def as_dict(self) -> dict:
        d = asdict(self)
        for k in ("since", "until"):
            if d[k] is not None:
                d[k] = d[k].isoformat()
        return d


@dataclass
class Layers:
    """Names of the layer tables built in a connection, and what was set aside."""

    params: LinkParams
    tables: dict[str, str] = field(default_factory=dict)
    hubs: list[dict] = field(default_factory=list)
    hub_threshold: int = 0
    persons: int = 0


def _window(column: str, params: LinkParams) -> tuple[str, list]:
    sql, args = [], []
    if params.since is not None:
        sql.append(f"{column} >= ?")
        args.append(params.since)
    if params.until is not None:
        sql.append(f"{column} < ?")
        args.append(params.until)
    return (" AND ".join(sql) if sql else "TRUE"), args


def build_layers(con: duckdb.DuckDBPyConnection, params: LinkParams | None = None) -> Layers:
    """Build every layer as temporary tables ``_l_<name>`` in ``con``.

    Examples
    --------
    >>> import duckdb
    >>> from workbench.store import Store
    >>> import tempfile, os
    >>> with Store(os.path.join(tempfile.mkdtemp(), "c.duckdb")) as s:
    ...     layers = build_layers(s.con)
    ...     sorted(layers.tables)
    ['calls', 'coarrest', 'kinship', 'money', 'shared']
    """
    params = params or LinkParams()
    layers = Layers(params)
    layers.persons = con.execute("SELECT count(*) FROM persons").fetchall()[0][0]
    population = layers.persons or con.execute(
        "SELECT count(DISTINCT person_id) FROM phones").fetchall()[0][0]
    threshold = max(params.hub_min, int(params.hub_share * population))
    layers.hub_threshold = threshold
    _owners(con)
    _hubs(con, params, threshold, layers)
    _calls(con, params)
    _money(con, params)
    _coarrest(con, params)
    _kinship(con)
    _shared(con)
    layers.tables = {name: f"_l_{name}" for name in LAYER_NAMES}
    return layers


_PHONE_OWNERS = (
    "SELECT phone AS id, person_id, "
    "CASE WHEN bool_or(since IS NULL) THEN NULL ELSE min(since) END AS since, "
    "CASE WHEN bool_or(until IS NULL) THEN NULL ELSE max(until) END AS until "
    "FROM phones GROUP BY phone, person_id"
)
_ACCOUNT_OWNERS = "SELECT account_id AS id, person_id FROM accounts GROUP BY account_id, person_id"


def _owners(con) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE _own_phones AS {_PHONE_OWNERS}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _own_accounts AS {_ACCOUNT_OWNERS}")


def _hubs(con, params: LinkParams, threshold: int, layers: Layers) -> None:
    wc, ac = _window("started_at", params)
    wt, at = _window("occurred_at", params)
    # calls (transfers) per number bound its distinct counterparts from above: only numbers
    # with enough of them need the exact distinct count
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _hub_candidates AS "
        "SELECT 'phone' AS kind, id FROM ("
        f"  SELECT caller AS id, count(*) AS n FROM calls WHERE {wc} GROUP BY caller "
        f"  UNION ALL SELECT callee, count(*) FROM calls WHERE {wc} GROUP BY callee) "
        "GROUP BY id HAVING sum(n) >= ? "
        "UNION ALL "
        "SELECT 'account', id FROM ("
        f"  SELECT from_account AS id, count(*) AS n FROM transactions WHERE {wt} "
        "   GROUP BY from_account "
        f"  UNION ALL SELECT to_account, count(*) FROM transactions WHERE {wt} "
        "   GROUP BY to_account) GROUP BY id HAVING sum(n) >= ?",
        ac + ac + [threshold] + at + at + [threshold],
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _hubs AS "
        "SELECT 'phone' AS kind, id, count(DISTINCT other) AS counterparts FROM ("
        f"  SELECT caller AS id, callee AS other FROM calls WHERE {wc} "
        "   AND caller IN (SELECT id FROM _hub_candidates WHERE kind = 'phone') "
        f"  UNION ALL SELECT callee, caller FROM calls WHERE {wc} "
        "   AND callee IN (SELECT id FROM _hub_candidates WHERE kind = 'phone')) GROUP BY id "
        "HAVING count(DISTINCT other) >= ? "
        "UNION ALL "
        "SELECT 'account', id, count(DISTINCT other) FROM ("
        f"  SELECT from_account AS id, to_account AS other FROM transactions WHERE {wt} "
        "   AND from_account IN (SELECT id FROM _hub_candidates WHERE kind = 'account') "
        f"  UNION ALL SELECT to_account, from_account FROM transactions WHERE {wt} "
        "   AND to_account IN (SELECT id FROM _hub_candidates WHERE kind = 'account')) "
        "GROUP BY id HAVING count(DISTINCT other) >= ?",
        ac + ac + [threshold] + at + at + [threshold],
    )
    rows = con.execute(
        "SELECT h.kind, h.id, h.counterparts, "
        "string_agg(DISTINCT o.person_id, ',' ORDER BY o.person_id) "
        "FROM _hubs h LEFT JOIN (SELECT id, person_id FROM _own_phones UNION ALL "
        "SELECT id, person_id FROM _own_accounts) o ON o.id = h.id "
        "GROUP BY ALL ORDER BY h.counterparts DESC, h.kind, h.id"
    ).fetchall()
    layers.hubs = [{"kind": k, "id": i, "counterparts": n, "owner": o} for k, i, n, o in rows]
    if rows:
        log.info("set aside %d hub numbers/accounts (>= %d counterparts)", len(rows), threshold)


def _endpoint(alias: str, number: str, when: str, table: str, prefix: str) -> str:
    if table == "phones":
        cond = (f"{alias}.id = {number} AND ({alias}.since IS NULL OR {when} >= {alias}.since) "
                f"AND ({alias}.until IS NULL OR {when} < {alias}.until + INTERVAL 1 DAY)")
    else:
        cond = f"{alias}.id = {number}"
    return f"LEFT JOIN _own_{table} {alias} ON {cond}"


def _calls(con, params: LinkParams) -> None:
    wc, args = _window("c.started_at", params)
    night = (f"(hour(started_at) >= {int(params.night_start)} OR "
             f"hour(started_at) < {int(params.night_end)})")
    # a confirmed successor number (workbench link-phone) counts as its old number
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _calls_attr AS SELECT "
        "coalesce(pa.person_id, 'tel:' || c.caller) AS a, "
        "coalesce(pb.person_id, 'tel:' || c.callee) AS b, c.started_at, c.duration_s "
        "FROM (SELECT coalesce(l1.old, k.caller) AS caller, coalesce(l2.old, k.callee) AS callee,"
        "  k.started_at, k.duration_s FROM calls k "
        "  LEFT JOIN (SELECT new, old FROM phone_links WHERE unlinked_at IS NULL) l1 "
        "    ON l1.new = k.caller "
        "  LEFT JOIN (SELECT new, old FROM phone_links WHERE unlinked_at IS NULL) l2 "
        "    ON l2.new = k.callee) c "
        + _endpoint("pa", "c.caller", "c.started_at", "phones", "tel") + " "
        + _endpoint("pb", "c.callee", "c.started_at", "phones", "tel") + " "
        f"WHERE {wc} AND c.caller NOT IN (SELECT id FROM _hubs WHERE kind = 'phone') "
        "AND c.callee NOT IN (SELECT id FROM _hubs WHERE kind = 'phone')",
        args,
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _l_calls AS SELECT "
        "least(a, b) AS u, greatest(a, b) AS v, count(*) AS n_calls, "
        "coalesce(sum(duration_s), 0) AS duration_s, "
        f"count(*) FILTER (WHERE {night}) AS n_night, "
        f"count(*) FILTER (WHERE duration_s <= {int(params.short_s)}) AS n_short, "
        "count(*) FILTER (WHERE a < b) AS n_uv, "
        "min(started_at) AS first_at, max(started_at) AS last_at "
        "FROM _calls_attr WHERE a <> b GROUP BY ALL"
    )
    _drop_dead_ends(con, "_l_calls")


def _drop_dead_ends(con, table: str) -> None:
    """Keep a number/account node only where it links at least two persons."""
    con.execute(
        f"DELETE FROM {table} WHERE (u LIKE 'tel:%' OR u LIKE 'acct:%' OR v LIKE 'tel:%' "
        "OR v LIKE 'acct:%') AND ("
        f"  (u LIKE 'tel:%' OR u LIKE 'acct:%') AND u NOT IN (SELECT x FROM ("
        f"    SELECT u AS x FROM {table} UNION ALL SELECT v FROM {table}) GROUP BY x "
        "    HAVING count(*) >= 2) "
        f"  OR (v LIKE 'tel:%' OR v LIKE 'acct:%') AND v NOT IN (SELECT x FROM ("
        f"    SELECT u AS x FROM {table} UNION ALL SELECT v FROM {table}) GROUP BY x "
        "    HAVING count(*) >= 2))"
    )


def _money(con, params: LinkParams) -> None:
    wt, args = _window("t.occurred_at", params)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _money_attr AS SELECT "
        "coalesce(oa.person_id, 'acct:' || t.from_account) AS a, "
        "coalesce(ob.person_id, 'acct:' || t.to_account) AS b, t.amount, t.occurred_at "
        "FROM transactions t "
        + _endpoint("oa", "t.from_account", "", "accounts", "acct") + " "
        + _endpoint("ob", "t.to_account", "", "accounts", "acct") + " "
        f"WHERE {wt} AND t.from_account NOT IN (SELECT id FROM _hubs WHERE kind = 'account') "
        "AND t.to_account NOT IN (SELECT id FROM _hubs WHERE kind = 'account')",
        args,
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _l_money AS SELECT "
        "least(a, b) AS u, greatest(a, b) AS v, count(*) AS n_tx, "
        "count(*) FILTER (WHERE a < b) AS n_uv, count(*) FILTER (WHERE a > b) AS n_vu, "
        "coalesce(sum(amount) FILTER (WHERE a < b), 0) AS total_uv, "
        "coalesce(sum(amount) FILTER (WHERE a > b), 0) AS total_vu, "
        "count(DISTINCT amount) AS n_amounts, "
        "min(occurred_at) AS first_at, max(occurred_at) AS last_at "
        "FROM _money_attr WHERE a <> b GROUP BY ALL"
    )
    _drop_dead_ends(con, "_l_money")


def _coarrest(con, params: LinkParams) -> None:
    wa, args = _window("arrested_at", params)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _arrests_w AS SELECT person_id, case_id, "
        f"regexp_matches(lower(coalesce(charge, '')), '{TRAFFICKING_CHARGE}') AS trafficking, "
        f"regexp_matches(lower(coalesce(charge, '')), '{DRUG_CHARGE}') OR drug IS NOT NULL "
        "AS drug_related, arrested_at FROM arrests WHERE " + wa,
        args,
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _l_coarrest AS SELECT "
        "least(x.person_id, y.person_id) AS u, greatest(x.person_id, y.person_id) AS v, "
        "count(DISTINCT x.case_id) AS n_cases, "
        "count(DISTINCT x.case_id) FILTER (WHERE x.trafficking OR y.trafficking) "
        "AS n_trafficking_cases, string_agg(DISTINCT x.case_id, ',') AS cases "
        "FROM _arrests_w x JOIN _arrests_w y ON x.case_id = y.case_id "
        "AND x.person_id < y.person_id WHERE x.case_id IS NOT NULL GROUP BY ALL"
    )


def _kinship(con) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _l_kinship AS SELECT "
        "least(person_a, person_b) AS u, greatest(person_a, person_b) AS v, "
        "string_agg(DISTINCT relation, ',') AS relations, count(*) AS n_relations "
        "FROM kinship WHERE person_a <> person_b GROUP BY ALL"
    )


def _shared(con) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _l_shared AS SELECT u, v, count(*) AS n_shared, "
        "string_agg(DISTINCT id, ',') AS identifiers FROM ("
        "  SELECT least(x.person_id, y.person_id) AS u, greatest(x.person_id, y.person_id) AS v,"
        "  x.id FROM (SELECT id, person_id FROM _own_phones UNION ALL "
        "             SELECT id, person_id FROM _own_accounts) x "
        "  JOIN (SELECT id, person_id FROM _own_phones UNION ALL "
        "        SELECT id, person_id FROM _own_accounts) y "
        "  ON x.id = y.id AND x.person_id < y.person_id) GROUP BY u, v"
    )


def _owner_cte() -> str:
    return f"WITH own_p AS ({_PHONE_OWNERS}), own_a AS ({_ACCOUNT_OWNERS}) "


def records_among(con: duckdb.DuckDBPyConnection, persons: list[str],
                  params: LinkParams | None = None, limit: int = 5000) -> dict:
    """The records behind the links among ``persons``: calls, transactions, co-arrests,
    kinship, each row with its source file and line (pandas DataFrames).

    Both ends of a call or transfer must belong to the set; arrests of the persons are all
    listed. ``limit`` caps each table (newest first).
    """
    params = params or LinkParams()
    ids = sorted(set(persons))
    wc, ac = _window("c.started_at", params)
    wt, at = _window("t.occurred_at", params)
    phone_when = ("({a}.since IS NULL OR c.started_at >= {a}.since) AND "
                  "({a}.until IS NULL OR c.started_at < {a}.until + INTERVAL 1 DAY)")
    calls = con.execute(
        _owner_cte()
        + "SELECT pa.person_id AS caller_person, pb.person_id AS callee_person, c.caller, "
        "c.callee, c.started_at, c.duration_s, c.cell_id, s.file, c._line AS line "
        "FROM calls c JOIN own_p pa ON pa.id = c.caller AND " + phone_when.format(a="pa")
        + " JOIN own_p pb ON pb.id = c.callee AND " + phone_when.format(a="pb")
        + " JOIN sources s ON s.source_id = c._source "
        f"WHERE pa.person_id IN (SELECT unnest(?)) AND pb.person_id IN (SELECT unnest(?)) "
        f"AND pa.person_id <> pb.person_id AND {wc} "
        "ORDER BY c.started_at DESC, c._source, c._line LIMIT ?",
        [ids, ids, *ac, limit],
    ).df()
    transactions = con.execute(
        _owner_cte()
        + "SELECT oa.person_id AS from_person, ob.person_id AS to_person, t.from_account, "
        "t.to_account, t.amount, t.occurred_at, t.channel, t.memo, t.tx_id, s.file, "
        "t._line AS line FROM transactions t JOIN own_a oa ON oa.id = t.from_account "
        "JOIN own_a ob ON ob.id = t.to_account JOIN sources s ON s.source_id = t._source "
        f"WHERE oa.person_id IN (SELECT unnest(?)) AND ob.person_id IN (SELECT unnest(?)) "
        f"AND oa.person_id <> ob.person_id AND {wt} "
        "ORDER BY t.occurred_at DESC, t._source, t._line LIMIT ?",
        [ids, ids, *at, limit],
    ).df()
    arrests = con.execute(
        "SELECT a.person_id, a.arrested_at, a.case_id, a.charge, a.drug, a.quantity_g, "
        "a.location, s.file, a._line AS line FROM arrests a "
        "JOIN sources s ON s.source_id = a._source WHERE a.person_id IN (SELECT unnest(?)) "
        "ORDER BY a.arrested_at DESC, a._source, a._line LIMIT ?",
        [ids, limit],
    ).df()
    kinship = con.execute(
        "SELECT k.person_a, k.person_b, k.relation, s.file, k._line AS line FROM kinship k "
        "JOIN sources s ON s.source_id = k._source WHERE k.person_a IN (SELECT unnest(?)) "
        "AND k.person_b IN (SELECT unnest(?)) "
        "ORDER BY k.person_a, k.person_b, k._source, k._line LIMIT ?",
        [ids, ids, limit],
    ).df()
    return {"calls": calls, "transactions": transactions, "arrests": arrests,
            "kinship": kinship}


def common_contacts(con: duckdb.DuckDBPyConnection, phones: list[str],
                    params: LinkParams | None = None, min_shared: int = 2):
    """Numbers in contact with at least ``min_shared`` of the given phones (E.164), with
    the call count to each (a DataFrame: contact, owner, shared, one column per phone)."""
    params = params or LinkParams()
    wc, args = _window("started_at", params)
    nums = sorted(set(phones))
    df = con.execute(
        "WITH x AS (SELECT caller AS phone, callee AS contact FROM calls "
        f"  WHERE caller IN (SELECT unnest(?)) AND {wc} "
        "  UNION ALL SELECT callee, caller FROM calls "
        f"  WHERE callee IN (SELECT unnest(?)) AND {wc}) "
        "SELECT contact, phone, count(*) AS calls FROM x WHERE contact NOT IN "
        "(SELECT unnest(?)) GROUP BY ALL",
        [nums, *args, nums, *args, nums],
    ).df()
    if df.empty:
        return df.assign(owner=None, shared=0)
    wide = df.pivot_table(index="contact", columns="phone", values="calls", fill_value=0)
    wide["shared"] = (wide > 0).sum(axis=1)
    wide = wide[wide["shared"] >= min_shared].sort_values("shared", ascending=False)
    owners = dict(con.execute(
        "SELECT phone, string_agg(DISTINCT person_id, ',') FROM phones "
        "WHERE phone IN (SELECT unnest(?)) GROUP BY phone", [list(wide.index)]).fetchall())
    wide.insert(0, "owner", [owners.get(c) for c in wide.index])
    return wide.reset_index()
