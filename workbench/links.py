"""Link layers: SQL over the case store turning records into person-to-person links.

Each layer is a temporary table of undirected node pairs ``(u, v)`` with ``u < v`` and the
layer's own measures. Nodes are person ids; a phone number that belongs to no person at the
time of a call stands for itself in E.164 (``+8613800138000``, a short service number as it
is), an account that belongs to no person as ``acct:<id>``. Nothing is dropped: every
number in the calls is a node, so numbers-only exports work like any other case.

Layers: ``calls`` (count, duration, night and short calls, first/last contact,
direction), ``money`` (transfers each way, totals, distinct amounts, first/last),
``coarrest`` (shared case numbers, trafficking charges), ``kinship`` (relations) and
``shared`` (two persons on one phone or account).

Service numbers and accounts (a taxi line, a carrier service, the power company) are
flagged by :func:`workbench.services.detect_services` from behaviour and records and
reported in :attr:`Layers.hubs`; their links stay, and the ring search gives them no weight.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass, field

import duckdb

from .callsql import (
    ACCOUNT_OWNERS,
    PHONE_OWNERS,
    calls_aliased,
    owner_during,
    owner_join,
    window,
)
from .contract import DRUG_CHARGE, TRAFFICKING_CHARGE
from .services import detect_services

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
    hubs, not_hubs : tuple of str
        Numbers (E.164) or accounts the user marks as services, or as persons, overriding
        :func:`workbench.services.detect_services`.
    """

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    night_start: int = 22
    night_end: int = 6
    short_s: int = 60
    hubs: tuple[str, ...] = ()
    not_hubs: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        d = asdict(self)
        for k in ("since", "until"):
            if d[k] is not None:
                d[k] = d[k].isoformat()
        d["hubs"], d["not_hubs"] = list(self.hubs), list(self.not_hubs)
        return d


@dataclass
class Layers:
    """Names of the layer tables built in a connection, and the services flagged."""

    params: LinkParams
    tables: dict[str, str] = field(default_factory=dict)
    hubs: list[dict] = field(default_factory=list)
    hub_threshold: int | None = None
    service_info: dict = field(default_factory=dict)
    persons: int = 0


_window = window  # the name other modules imported


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
    _owners(con)
    layers.hubs, layers.service_info = detect_services(con, params)
    layers.hub_threshold = layers.service_info.get("phone", {}).get("busy_threshold")
    _calls(con, params)
    _money(con, params)
    _coarrest(con, params)
    _kinship(con)
    _shared(con)
    layers.tables = {name: f"_l_{name}" for name in LAYER_NAMES}
    return layers


_PHONE_OWNERS = PHONE_OWNERS
_ACCOUNT_OWNERS = ACCOUNT_OWNERS


def _owners(con) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE _own_phones AS {_PHONE_OWNERS}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _own_accounts AS {_ACCOUNT_OWNERS}")


def _endpoint(alias: str, number: str, when: str, table: str) -> str:
    cond = f"{alias}.id = {number}"
    if when:
        cond += " AND " + owner_during(alias, when)
    return f"LEFT JOIN _own_{table} {alias} ON {cond}"


def _calls(con, params: LinkParams) -> None:
    calls, args = calls_aliased(params)
    night = (f"(hour(started_at) >= {int(params.night_start)} OR "
             f"hour(started_at) < {int(params.night_end)})")
    short = f"duration_s <= {int(params.short_s)}"
    # a confirmed successor number (workbench link-phone) counts as its old number; a
    # number nobody owns at the time of the call stands for itself
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _calls_attr AS SELECT "
        "coalesce(pa.person_id, c.caller) AS a, coalesce(pb.person_id, c.callee) AS b, "
        f"c.started_at, c.duration_s FROM ({calls}) c "
        + _endpoint("pa", "c.caller", "c.started_at", "phones") + " "
        + _endpoint("pb", "c.callee", "c.started_at", "phones"),
        args,
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _l_calls AS SELECT "
        "least(a, b) AS u, greatest(a, b) AS v, count(*) AS n_calls, "
        "coalesce(sum(duration_s), 0) AS duration_s, "
        f"sum(CASE WHEN {night} THEN 1 ELSE 0 END) AS n_night, "
        f"sum(CASE WHEN {short} THEN 1 ELSE 0 END) AS n_short, "
        "sum(CASE WHEN a < b THEN 1 ELSE 0 END) AS n_uv, "
        "min(started_at) AS first_at, max(started_at) AS last_at "
        "FROM _calls_attr WHERE a <> b GROUP BY least(a, b), greatest(a, b)"
    )


def _money(con, params: LinkParams) -> None:
    wt, args = window("t.occurred_at", params)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _money_attr AS SELECT "
        "coalesce(oa.person_id, 'acct:' || t.from_account) AS a, "
        "coalesce(ob.person_id, 'acct:' || t.to_account) AS b, t.amount, t.occurred_at "
        "FROM transactions t "
        + _endpoint("oa", "t.from_account", "", "accounts") + " "
        + _endpoint("ob", "t.to_account", "", "accounts") + f" WHERE {wt}",
        args,
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _l_money AS SELECT "
        "least(a, b) AS u, greatest(a, b) AS v, count(*) AS n_tx, "
        "sum(CASE WHEN a < b THEN 1 ELSE 0 END) AS n_uv, "
        "sum(CASE WHEN a > b THEN 1 ELSE 0 END) AS n_vu, "
        "coalesce(sum(CASE WHEN a < b THEN amount END), 0) AS total_uv, "
        "coalesce(sum(CASE WHEN a > b THEN amount END), 0) AS total_vu, "
        "count(DISTINCT amount) AS n_amounts, "
        "min(occurred_at) AS first_at, max(occurred_at) AS last_at "
        "FROM _money_attr WHERE a <> b GROUP BY least(a, b), greatest(a, b)"
    )


def _coarrest(con, params: LinkParams) -> None:
    wa, args = window("arrested_at", params)
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
        "count(DISTINCT CASE WHEN x.trafficking OR y.trafficking THEN x.case_id END) "
        "AS n_trafficking_cases, string_agg(DISTINCT x.case_id, ',') AS cases "
        "FROM _arrests_w x JOIN _arrests_w y ON x.case_id = y.case_id "
        "AND x.person_id < y.person_id WHERE x.case_id IS NOT NULL "
        "GROUP BY least(x.person_id, y.person_id), greatest(x.person_id, y.person_id)"
    )


def _kinship(con) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _l_kinship AS SELECT "
        "least(person_a, person_b) AS u, greatest(person_a, person_b) AS v, "
        "string_agg(DISTINCT relation, ',') AS relations, count(*) AS n_relations "
        "FROM kinship WHERE person_a <> person_b "
        "GROUP BY least(person_a, person_b), greatest(person_a, person_b)"
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
    calls = con.execute(
        _owner_cte()
        + "SELECT * FROM (SELECT coalesce(pa.person_id, c.caller) AS caller_person, "
        "coalesce(pb.person_id, c.callee) AS callee_person, c.caller, c.callee, "
        "c.started_at, c.duration_s, c.cell_id, s.file, c._line AS line, c._source "
        "FROM calls c " + owner_join("pa", "c.caller", "c.started_at", "own_p")
        + " " + owner_join("pb", "c.callee", "c.started_at", "own_p")
        + f" JOIN sources s ON s.source_id = c._source WHERE {wc}) "
        "WHERE caller_person IN (SELECT unnest(?)) AND callee_person IN (SELECT unnest(?)) "
        "AND caller_person <> callee_person "
        "ORDER BY started_at DESC, _source, line LIMIT ?",
        [*ac, ids, ids, limit],
    ).df().drop(columns="_source")
    transactions = con.execute(
        _owner_cte()
        + "SELECT * FROM (SELECT coalesce(oa.person_id, 'acct:' || t.from_account) "
        "AS from_person, coalesce(ob.person_id, 'acct:' || t.to_account) AS to_person, "
        "t.from_account, t.to_account, t.amount, t.occurred_at, t.channel, t.memo, t.tx_id, "
        "s.file, t._line AS line, t._source FROM transactions t "
        + owner_join("oa", "t.from_account", "", "own_a") + " "
        + owner_join("ob", "t.to_account", "", "own_a")
        + f" JOIN sources s ON s.source_id = t._source WHERE {wt}) "
        "WHERE from_person IN (SELECT unnest(?)) AND to_person IN (SELECT unnest(?)) "
        "AND from_person <> to_person ORDER BY occurred_at DESC, _source, line LIMIT ?",
        [*at, ids, ids, limit],
    ).df().drop(columns="_source")
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
