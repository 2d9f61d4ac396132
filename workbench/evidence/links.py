"""Link layers: SQL over the case store turning records into person-to-person links.

Each layer is a temporary table (the calls layer may be a view: :func:`build_layers`) of
undirected node pairs ``(u, v)`` with ``u < v`` and the layer's own measures. Nodes are
person ids; a phone number that belongs to no person at the time of a call stands for itself
in E.164 (``+8613800138000``, a short service number as it is), an account that belongs to
no person as ``acct:<id>``. Nothing is dropped: every number in the calls is a node, so
numbers-only exports work like any other case.

Layers: ``calls`` (count, duration, night and short calls, first/last contact,
direction), ``money`` (transfers each way, totals, distinct amounts, first/last),
``coarrest`` (shared case numbers, trafficking charges), ``kinship`` (relations) and
``shared`` (two persons on one phone or account).

Service numbers and accounts (a taxi line, a carrier service, the power company) are
flagged by :func:`workbench.evidence.services.detect_services` from behaviour and records and
reported in :attr:`Layers.hubs`; their links stay, and the ring search gives them no weight.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from ..contract import DRUG_CHARGE, TRAFFICKING_CHARGE, file_name
from ..engine import Engine, Handle, Query, as_engine
from ..store import call_keys
from .owners import (
    ACCOUNT_OWNERS,
    PHONE_OWNERS,
    calls_aliased,
    fixed_offset,
    night_sql,
    owner_during,
    owner_join,
    phone_aliases_sql,
    short_call_sql,
    window,
)
from .services import (
    NumberPairs,
    detect_services,
    keyed_pairs_as_numbers,
    number_pairs,
    pairs_query,
)

if TYPE_CHECKING:  # pandas is loaded where it is used (a command that does not, starts faster)
    import pandas as pd

__all__ = ["LinkParams", "Layers", "build_layers", "LAYER_NAMES", "file_names"]

log = logging.getLogger(__name__)

LAYER_NAMES = ("calls", "money", "coarrest", "kinship", "shared", "copresence")


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
        :func:`workbench.evidence.services.detect_services`.
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
    """The layers built on an engine (handles by table name), and the services flagged."""

    params: LinkParams
    engine: Engine | None = None
    handles: dict[str, Handle] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)
    hubs: list[dict] = field(default_factory=list)
    hub_threshold: int | None = None
    service_info: dict = field(default_factory=dict)
    persons: int = 0
    copresence: dict = field(default_factory=dict)
    cut: dict = field(default_factory=dict)  # the suspicious-subgraph cut, when one ran
    #: whether the numbers' pairs were grouped on the calls' integer keys
    #: (:mod:`workbench.store.call_keys`) rather than on the numbers: the same rows
    keyed: bool = False
    #: the case's currency: money totals count transfers in it only
    currency: str = "CNY"
    #: ``(calls layer, numbers' pairs, owners, fetched pairs)`` when the calls layer is the
    #: numbers' pairs with each number standing for its one owner
    #: (:func:`calls_layer_from_pairs`): the graph then reads the fetched pairs
    #: (:func:`~workbench.evidence.services.number_pairs`; None: the layer's rows), as long
    #: as ``handles["_l_calls"]`` is that layer
    calls_pairs: tuple[Handle, Handle, Handle, NumberPairs | None] | None = None


def build_layers(source, params: LinkParams | None = None, *,
                 copresence: bool = True, calls_view: bool = True) -> Layers:
    """Build every layer on an engine; the handles are in :attr:`Layers.handles`.

    ``source`` is an :class:`~workbench.engine.Engine`, a :class:`~workbench.store.Store` or
    a store's DuckDB connection (then the layers are temp tables ``_l_<name>`` on it).
    ``copresence=False`` leaves the co-presence layer empty (the heavy stage).
    ``calls_view``: on DuckDB, when every number keeps one owner, the calls layer is a view
    over the numbers' pairs (:attr:`Layers.calls_pairs`: the graph reads the pairs); False
    stores it (for a stage that reads it several times, as the heavy stage does).

    Examples
    --------
    >>> from workbench.store.database import Store
    >>> import tempfile, os
    >>> with Store(os.path.join(tempfile.mkdtemp(), "c.duckdb")) as s:
    ...     layers = build_layers(s)
    ...     sorted(layers.tables)
    ['calls', 'coarrest', 'copresence', 'kinship', 'money', 'shared']
    """
    engine = as_engine(source)
    params = params or LinkParams()
    layers = Layers(params, engine=engine)
    h = layers.handles
    layers.persons = int(engine.scalar("SELECT count(*) FROM persons"))
    h["_persons"] = engine.materialize("_persons", "SELECT DISTINCT person_id FROM persons")
    h["_own_phones"] = engine.materialize("_own_phones", PHONE_OWNERS)
    h["_own_accounts"] = engine.materialize("_own_accounts", ACCOUNT_OWNERS)
    # the numbers' pairs serve the service rule and, when no number changes hands, the
    # calls layer too (one pass over the calls instead of two)
    linked = bool(engine.scalar(f"SELECT count(*) FROM ({phone_aliases_sql()}) a"))
    offset = fixed_offset(engine)  # night hours from the instants (DuckDB, no summer time)
    # grouped on the calls' integer keys when the store keeps them for these calls
    keyed = layers.keyed = (not linked and engine.dialect == "duckdb"
                            and bool(engine.scalar(call_keys.USABLE_SQL)))
    keys = (engine.materialize("_phone_pairs_k", *pairs_query(
        "phone", params, False, offset, keyed=True)) if keyed else None)
    # keyed: the pairs of numbers are a view over the keys' pairs (the services count on
    # the keys; the view is read if another layer or a forced hub needs the numbers)
    pairs = (engine.materialize("_phone_pairs", *keyed_pairs_as_numbers(keys), transient=True)
             if keyed else
             engine.materialize("_phone_pairs", *pairs_query("phone", params, linked, offset)))
    fixed = _owners_fixed(engine, h["_own_phones"])
    # the graph reads the pairs and owners (Layers.calls_pairs), fetched and encoded once
    # (the services count links among counterparts on them); the layer is a view over
    # them, computed only if something else reads it
    kept = calls_view and fixed and engine.dialect == "duckdb"
    try:
        coded = number_pairs(engine, keys if keyed else pairs, keyed=keyed) if kept else None
        layers.hubs, layers.service_info, h["_services"] = detect_services(
            engine, params, h["_own_phones"], h["_own_accounts"], phone_pairs=pairs,
            phone_codes=coded, phone_keys=keys)
        layers.hub_threshold = layers.service_info.get("phone", {}).get("busy_threshold")
        if kept:
            h["_l_calls"] = engine.materialize("_l_calls", *calls_layer_from_pairs(
                pairs, h["_own_phones"]), transient=True)
            layers.calls_pairs = (h["_l_calls"], pairs, h["_own_phones"], coded)
        elif fixed:
            h["_l_calls"] = engine.materialize("_l_calls", *calls_layer_from_pairs(
                pairs, h["_own_phones"], _one_to_one(engine, pairs, h["_own_phones"])))
        else:  # each layer aggregates its resolved rows as a subquery: nothing per call kept
            attr, args = calls_attr_query(params, h["_own_phones"])
            h["_l_calls"] = engine.materialize(
                "_l_calls", calls_layer_query(params, f"({attr}) attr", offset)[0], args)
    finally:
        if not kept:  # the view over the keys' pairs first
            engine.drop(pairs)
            if keys is not None:
                engine.drop(keys)
    layers.currency = str(engine.scalar(CASE_CURRENCY_SQL))
    attr, args = money_attr_query(params, h["_own_accounts"], layers.currency)
    h["_l_money"] = engine.materialize("_l_money", money_layer_query(f"({attr}) attr")[0],
                                       args)
    h["_arrests_w"] = engine.materialize("_arrests_w", *arrests_query(params))
    h["_l_coarrest"] = engine.materialize("_l_coarrest", *coarrest_query(h["_arrests_w"]))
    h["_l_kinship"] = engine.materialize("_l_kinship", *kinship_query())
    h["_l_shared"] = engine.materialize(
        "_l_shared", *shared_query(h["_own_phones"], h["_own_accounts"]))
    h["_l_copresence"], layers.copresence = _copresence(engine, params, copresence)
    layers.tables = {name: h[f"_l_{name}"].name for name in LAYER_NAMES}
    return layers


_NO_MEETINGS = ("SELECT CAST(NULL AS VARCHAR) AS u, CAST(NULL AS VARCHAR) AS v, "
                "CAST(0 AS BIGINT) AS n_meet, CAST(0 AS BIGINT) AS n_cell, "
                "CAST(0 AS DOUBLE) AS weight "
                "FROM (SELECT 1 AS one) t WHERE t.one = 0")


def _copresence(engine: Engine, params: LinkParams, wanted: bool) -> tuple[Handle, dict]:
    """The co-presence layer (:mod:`workbench.evidence.copresence`) on a DuckDB engine; an empty
    layer on Spark and in the heavy stage (which carries the record layers only), as its
    ``params`` say."""
    con = getattr(engine, "con", None)
    if con is None or not wanted:
        why = ("co-presence runs on the DuckDB engine only" if con is None else
               "the heavy stage carries the record layers; co-presence stays on DuckDB")
        return (engine.materialize("_l_copresence", _NO_MEETINGS),
                {"built": False, "why": why})
    from .copresence import build_copresence

    info = build_copresence(con, params)
    # the builder's fixed-name table becomes one named by content, like every other layer
    handle = engine.materialize("_l_copresence", "SELECT * FROM _l_copresence")
    con.execute("DROP TABLE IF EXISTS _l_copresence")
    return handle, {"built": True, **{
        k: v for k, v in info.items() if k in ("params", "pairs", "lookalikes")}}


def _endpoint(alias: str, number: str, when: str, owners: Handle) -> str:
    cond = f"{alias}.id = {number}"
    if when:
        cond += " AND " + owner_during(alias, when)
    return f"LEFT JOIN {owners} {alias} ON {cond}"


def calls_attr_query(params: LinkParams, owners: Handle) -> Query:
    """Calls in the window, each end resolved to its person at the time of the call."""
    calls, args = calls_aliased(params)
    # a confirmed successor number (workbench link-phone) counts as its old number; a
    # number nobody owns at the time of the call stands for itself
    return ("SELECT coalesce(pa.person_id, c.caller) AS a, "
            "coalesce(pb.person_id, c.callee) AS b, "
            f"c.started_at, c.duration_s FROM ({calls}) c "
            + _endpoint("pa", "c.caller", "c.started_at", owners) + " "
            + _endpoint("pb", "c.callee", "c.started_at", owners)), args


def calls_layer_query(params: LinkParams, attr: Handle | str,
                      offset_us: int | None = None) -> Query:
    """The calls layer from :func:`calls_attr_query`'s rows (a handle, or the query as an
    aliased subquery); ``offset_us``: see :func:`~workbench.evidence.owners.night_sql`."""
    night = night_sql(params, offset_us)
    short = short_call_sql(params.short_s)
    return ("SELECT least(a, b) AS u, greatest(a, b) AS v, count(*) AS n_calls, "
            "coalesce(sum(duration_s), 0) AS duration_s, "
            f"sum(CASE WHEN {night} THEN 1 ELSE 0 END) AS n_night, "
            f"sum(CASE WHEN {short} THEN 1 ELSE 0 END) AS n_short "
            # only what the graph uses: each further aggregate costs ~5% of the layer
            # (directions and first/last times are read from the records when shown)
            f"FROM {attr} WHERE a <> b GROUP BY least(a, b), greatest(a, b)"), []


def _owners_fixed(engine: Engine, owners: Handle) -> bool:
    """Every number has at most one owner row, open at both ends: a call's persons are
    then its numbers' owners whenever it was made."""
    row = engine.fetch_rows(
        "SELECT count(*) FILTER (WHERE since IS NOT NULL OR until IS NOT NULL) AS timed, "
        f"count(*) - count(DISTINCT id) AS shared FROM {owners}")[0]
    return not row["timed"] and not row["shared"]


def _one_to_one(engine: Engine, pairs: Handle, owners: Handle) -> bool:
    """Whether two pairs of numbers never fall on one pair of persons: no person holds two
    numbers, and no number nobody holds (it stands for itself) is written as a person id."""
    row = engine.fetch_rows(
        f"SELECT (SELECT count(*) - count(DISTINCT person_id) FROM {owners}) AS shared, "
        f"(SELECT count(*) FROM (SELECT u AS x FROM {pairs} UNION SELECT v FROM {pairs}) n "
        f"WHERE x IN (SELECT person_id FROM {owners}) AND x NOT IN (SELECT id FROM {owners})"
        ") AS clash")[0]
    return not row["shared"] and not row["clash"]


def calls_layer_from_pairs(pairs: Handle, owners: Handle, one_to_one: bool = False) -> Query:
    """The calls layer from the numbers' pairs (:func:`~workbench.evidence.services.pairs_query`)
    when :func:`_owners_fixed`: the rows of :func:`calls_layer_query`, column for column,
    by a join of the pairs instead of every call (sums of sums: the same integers).
    ``one_to_one`` (:func:`_one_to_one`): each pair of persons has one pair of numbers, so
    its row is that pair's row, without summing again (the same values and types)."""
    if one_to_one:
        return ("SELECT least(a, b) AS u, greatest(a, b) AS v, CAST(n AS BIGINT) AS n_calls, "
                "coalesce(d, 0) AS duration_s, n_night, n_short FROM (SELECT "
                "coalesce(pa.person_id, p.u) AS a, coalesce(pb.person_id, p.v) AS b, p.n, "
                "p.duration_s AS d, p.n_night, p.n_short "
                f"FROM {pairs} p LEFT JOIN {owners} pa ON pa.id = p.u "
                f"LEFT JOIN {owners} pb ON pb.id = p.v) t WHERE a <> b"), []
    return ("SELECT least(a, b) AS u, greatest(a, b) AS v, CAST(sum(n) AS BIGINT) AS n_calls, "
            "coalesce(sum(d), 0) AS duration_s, sum(n_night) AS n_night, "
            "sum(n_short) AS n_short FROM (SELECT coalesce(pa.person_id, p.u) AS a, "
            "coalesce(pb.person_id, p.v) AS b, p.n, p.duration_s AS d, p.n_night, p.n_short "
            f"FROM {pairs} p LEFT JOIN {owners} pa ON pa.id = p.u "
            f"LEFT JOIN {owners} pb ON pb.id = p.v) t "
            "WHERE a <> b GROUP BY least(a, b), greatest(a, b)"), []


#: the case's currency: the most frequent one among its transfers (no currency given: CNY)
CASE_CURRENCY_SQL = ("SELECT coalesce(max(c), 'CNY') FROM (SELECT coalesce(currency, 'CNY') AS c, "
                     "count(*) AS n FROM transactions GROUP BY coalesce(currency, 'CNY') "
                     "ORDER BY n DESC, c LIMIT 1) t")


def money_attr_query(params: LinkParams, owners: Handle, currency: str = "CNY") -> Query:
    """Transfers in the window, each end resolved to its account holder. Amounts count only
    in the case's ``currency`` (sums never mix currencies); a transfer in another currency
    is still a transfer (``fx`` = 1) with no amount."""
    wt, args = window("t.occurred_at", params)
    return ("SELECT coalesce(oa.person_id, 'acct:' || t.from_account) AS a, "
            "coalesce(ob.person_id, 'acct:' || t.to_account) AS b, "
            "CASE WHEN coalesce(t.currency, 'CNY') = ? THEN t.amount END AS amount, "
            "CASE WHEN coalesce(t.currency, 'CNY') = ? THEN 0 ELSE 1 END AS fx, "
            "t.occurred_at FROM transactions t "
            + _endpoint("oa", "t.from_account", "", owners) + " "
            + _endpoint("ob", "t.to_account", "", owners) + f" WHERE {wt}"), [currency,
                                                                               currency, *args]


def money_layer_query(attr: Handle | str) -> Query:
    """The money layer from :func:`money_attr_query`'s rows (a handle or a subquery)."""
    return ("SELECT least(a, b) AS u, greatest(a, b) AS v, count(*) AS n_tx, "
            "sum(CASE WHEN a < b THEN 1 ELSE 0 END) AS n_uv, "
            "sum(CASE WHEN a > b THEN 1 ELSE 0 END) AS n_vu, "
            "coalesce(sum(CASE WHEN a < b THEN amount END), 0) AS total_uv, "
            "coalesce(sum(CASE WHEN a > b THEN amount END), 0) AS total_vu, "
            "count(DISTINCT amount) AS n_amounts, sum(fx) AS n_fx, "
            "min(occurred_at) AS first_at, max(occurred_at) AS last_at "
            f"FROM {attr} WHERE a <> b GROUP BY least(a, b), greatest(a, b)"), []


def arrests_query(params: LinkParams) -> Query:
    """Arrests in the window with trafficking and drug flags from the charge."""
    wa, args = window("arrested_at", params)
    return ("SELECT person_id, case_id, "
            f"regexp_matches(lower(coalesce(charge, '')), '{TRAFFICKING_CHARGE}') "
            "AS trafficking, "
            f"regexp_matches(lower(coalesce(charge, '')), '{DRUG_CHARGE}') OR drug IS NOT NULL "
            "AS drug_related, arrested_at FROM arrests WHERE " + wa), args


def coarrest_query(arrests: Handle) -> Query:
    """Pairs of persons arrested in one case."""
    return ("SELECT least(x.person_id, y.person_id) AS u, "
            "greatest(x.person_id, y.person_id) AS v, "
            "count(DISTINCT x.case_id) AS n_cases, "
            "count(DISTINCT CASE WHEN x.trafficking OR y.trafficking THEN x.case_id END) "
            "AS n_trafficking_cases, "
            "string_agg(DISTINCT x.case_id, ',' ORDER BY x.case_id) AS cases "
            f"FROM {arrests} x JOIN {arrests} y ON x.case_id = y.case_id "
            "AND x.person_id < y.person_id WHERE x.case_id IS NOT NULL "
            "GROUP BY least(x.person_id, y.person_id), greatest(x.person_id, y.person_id)"), []


def kinship_query() -> Query:
    """Pairs of related persons with their relations."""
    return ("SELECT least(person_a, person_b) AS u, greatest(person_a, person_b) AS v, "
            "string_agg(DISTINCT relation, ',' ORDER BY relation) AS relations, "
            "count(*) AS n_relations FROM kinship WHERE person_a <> person_b "
            "GROUP BY least(person_a, person_b), greatest(person_a, person_b)"), []


def shared_query(phones: Handle, accounts: Handle) -> Query:
    """Pairs of persons registered to one phone or account at the same time (a number
    that passed from one person to another links nobody)."""
    both = (f"(SELECT id, person_id, since, until FROM {phones} UNION ALL "
            f"SELECT id, person_id, since, until FROM {accounts})")
    return ("SELECT u, v, count(*) AS n_shared, "
            "string_agg(DISTINCT id, ',' ORDER BY id) AS identifiers FROM ("
            "  SELECT least(x.person_id, y.person_id) AS u, "
            "  greatest(x.person_id, y.person_id) AS v, x.id "
            f"  FROM {both} x JOIN {both} y ON x.id = y.id AND x.person_id < y.person_id "
            "  AND (x.since IS NULL OR y.until IS NULL OR x.since <= y.until) "
            "  AND (y.since IS NULL OR x.until IS NULL OR y.since <= x.until)) s "
            "GROUP BY u, v"), []


def _owner_cte() -> str:
    return f"WITH own_p AS ({PHONE_OWNERS}), own_a AS ({ACCOUNT_OWNERS}) "


def records_among(source, persons: list[str],
                  params: LinkParams | None = None, limit: int = 5000) -> dict:
    """The records behind the links among ``persons``: calls, transactions, co-arrests,
    kinship, each row with its source file and line (pandas DataFrames).

    Both ends of a call or transfer must belong to the set; arrests of the persons are all
    listed. ``limit`` caps each table (newest first).
    """
    engine = as_engine(source)
    params = params or LinkParams()
    ids = sorted(set(persons))
    wc, ac = window("c.started_at", params)
    wt, at = window("t.occurred_at", params)
    calls = engine.fetch_df(
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
    ).drop(columns="_source")
    transactions = engine.fetch_df(
        _owner_cte()
        + "SELECT * FROM (SELECT coalesce(oa.person_id, 'acct:' || t.from_account) "
        "AS from_person, coalesce(ob.person_id, 'acct:' || t.to_account) AS to_person, "
        "t.from_account, t.to_account, CAST(t.amount AS VARCHAR) AS amount, "
        "coalesce(t.currency, 'CNY') AS currency, "
        "t.occurred_at, t.channel, t.memo, t.tx_id, "
        "s.file, t._line AS line, t._source FROM transactions t "
        + owner_join("oa", "t.from_account", "", "own_a") + " "
        + owner_join("ob", "t.to_account", "", "own_a")
        + f" JOIN sources s ON s.source_id = t._source WHERE {wt}) "
        "WHERE from_person IN (SELECT unnest(?)) AND to_person IN (SELECT unnest(?)) "
        "AND from_person <> to_person ORDER BY occurred_at DESC, _source, line LIMIT ?",
        [*at, ids, ids, limit],
    ).drop(columns="_source")
    arrests = engine.fetch_df(
        "SELECT a.person_id, a.arrested_at, a.case_id, a.charge, a.drug, a.quantity_g, "
        "a.location, s.file, a._line AS line FROM arrests a "
        "JOIN sources s ON s.source_id = a._source WHERE a.person_id IN (SELECT unnest(?)) "
        "ORDER BY a.arrested_at DESC, a._source, a._line LIMIT ?",
        [ids, limit],
    )
    kinship = engine.fetch_df(
        "SELECT k.person_a, k.person_b, k.relation, s.file, k._line AS line FROM kinship k "
        "JOIN sources s ON s.source_id = k._source WHERE k.person_a IN (SELECT unnest(?)) "
        "AND k.person_b IN (SELECT unnest(?)) "
        "ORDER BY k.person_a, k.person_b, k._source, k._line LIMIT ?",
        [ids, ids, limit],
    )
    return {"calls": calls, "transactions": transactions, "arrests": arrests,
            "kinship": kinship}


def common_contacts(source, phones: list[str],
                    params: LinkParams | None = None, min_shared: int = 2):
    """Numbers in contact with at least ``min_shared`` of the given phones (E.164), with
    the call count to each (a DataFrame: contact, owner, shared, one column per phone)."""
    engine = as_engine(source)
    params = params or LinkParams()
    wc, args = window("started_at", params)
    nums = sorted(set(phones))
    df = engine.fetch_df(
        "WITH x AS (SELECT caller AS phone, callee AS contact FROM calls "
        f"  WHERE caller IN (SELECT unnest(?)) AND {wc} "
        "  UNION ALL SELECT callee, caller FROM calls "
        f"  WHERE callee IN (SELECT unnest(?)) AND {wc}) "
        "SELECT contact, phone, count(*) AS calls FROM x WHERE contact NOT IN "
        "(SELECT unnest(?)) GROUP BY contact, phone",
        [nums, *args, nums, *args, nums],
    )
    if df.empty:
        return df.assign(owner=None, shared=0)
    wide = df.pivot_table(index="contact", columns="phone", values="calls", fill_value=0)
    wide["shared"] = (wide > 0).sum(axis=1)
    wide = wide[wide["shared"] >= min_shared].sort_values("shared", ascending=False)
    found = engine.fetch_arrow(
        "SELECT phone, string_agg(DISTINCT person_id, ',' ORDER BY person_id) AS owner "
        "FROM phones WHERE phone IN (SELECT unnest(?)) GROUP BY phone", [list(wide.index)])
    owners = dict(zip(found.column("phone").to_pylist(), found.column("owner").to_pylist(),
                      strict=True))
    wide.insert(0, "owner", [owners.get(c) for c in wide.index])
    return wide.reset_index()


def file_names(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every file column (``file``, ``other_file``, ...) reduced to the file's
    name: a record says which export it came from, never where the analyst keeps it."""
    cols = [c for c in df.columns if str(c) == "file" or str(c).endswith("_file")]
    if not cols:
        return df
    df = df.copy()
    for c in cols:
        df[c] = df[c].map(file_name)
    return df
