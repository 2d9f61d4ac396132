"""Service numbers and accounts: told apart from busy people by behaviour and by records.

A taxi line, a carrier's service number, a courier line, the power company's account or an
employer paying salaries touches a large part of the population. Such a node would glue
unrelated people into one group, so the ring search gives its links no weight. Nothing is
removed: a service stays in the graph, in ``rank``, ``path`` and every view, marked as such.

A node is looked at only when it is **busy**: its distinct counterparts are a far outlier
of the case's own distribution (above ``Q3 + 3 x IQR`` of counterparts per number, and at
least 10). Degree alone never decides. Its behaviour gives up to four service signals:

* ``one_way``: at least 90% of its calls (transfers) go one way;
* ``unrelated``: its counterparts are no more linked to each other than chance (link
  density among them at most twice the case's density);
* ``shallow``: it has fewer calls (transfers) per counterpart than the case's median pair;
* ``plain``: its calls are not ring-like (night and short shares at most 1.5 x the case's).

and one sign of a person (DOMAIN.md, "a busy person is not a hub"):

* ``close_tie``: someone it calls and is called by (pays and is paid by) far more than
  people ordinarily do: a pair above the case's far-out fence on contacts per pair
  (``tie_fence``, ``Q3 + 3 x IQR`` over every pair), both ways, and such ties carry at
  least ``person_share`` of its contacts (``1 / busy_threshold``: more than an even share
  of a busy node's calling). A seller calls his lieutenant and partner back and forth
  every other night; a service's clients each call it as ordinary pairs call, so its
  regular clients are a speck of its contacts.

Two of the service signals say little in a wiretap or one-sided export, where every call
touches a tapped target: the targets' counterparts' calls with each other are not in the
export (``unrelated`` holds for any busy target) and the case's night and short shares are
the ring's own (``plain``). So records and the person sign decide first: a node registered
to a person who has arrests, accounts with money or kin is a person and never a service;
one with a ``close_tie`` is a person; one registered to another known person is a service
only when its contacts go one way (a line is called, a courier calls out; a person's phone
calls and is called) and two more signals hold; an unattributed one needs one signal in a
case that has subscriber records (every known subscriber is in the data, so an unknown
busy number is an outside service) and two in a numbers-only case. ``hub`` / ``not_hub``
overrides win over all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ..engine import Engine, Handle
from ..store.call_keys import KEYED_CALLS, NUMBERS
from .owners import calls_aliased, night_sql, short_call_sql, window

__all__ = ["detect_services", "pairs_query", "number_pairs", "NumberPairs", "SERVICE_SIGNALS",
           "PERSON_SIGNALS"]

log = logging.getLogger(__name__)

SERVICE_SIGNALS = ("one_way", "unrelated", "shallow", "plain")
PERSON_SIGNALS = ("close_tie",)

_ONE_WAY = 0.9
_DENSITY_RATIO = 2.0
_RINGLIKE_RATIO = 1.5
_FLOOR = 10
#: at most this many busy numbers have the links among their counterparts counted in numpy
#: (one pass over the pairs each, on :class:`NumberPairs`); more, and the engine joins
_NUMPY_BUSY = 64


def pairs_query(kind: str, params, aliases: bool = True,
                offset_us: int | None = None, keyed: bool = False) -> tuple[str, list]:
    """Contacts per unordered pair ``(u, v, n, n_uv, n_night, n_short)`` of numbers or
    accounts, ``u < v``; ``n_uv``: calls or transfers from ``u`` to ``v``; numbers' pairs
    also carry ``duration_s`` (the calls' summed duration). ``offset_us``: the zone's one
    offset over the calls, if it keeps one (:func:`~workbench.evidence.owners.night_sql`).
    ``keyed``: the numbers' pairs from the calls' integer keys
    (:mod:`workbench.store.call_keys`, no aliases): ``u`` and ``v`` are keys, in the same
    order as the numbers, so every count is the same.

    >>> from workbench.evidence.links import LinkParams
    >>> pairs_query("account", LinkParams())[0].startswith("SELECT least(from_account")
    True
    """
    if kind == "phone":  # ``aliases``: see :func:`~workbench.evidence.owners.calls_aliased`
        if keyed:  # successor numbers are never keyed (the caller checks there are none)
            wc, args = window("c.started_at", params)
            calls = ("SELECT c.caller_key AS caller, c.callee_key AS callee, c.started_at, "
                     f"c.duration_s FROM {KEYED_CALLS} c WHERE {wc}")
        else:
            calls, args = calls_aliased(params, aliases)
        night = night_sql(params, offset_us)
        short = short_call_sql(params.short_s)
        # the two numbers compared once per call (least, greatest and the direction each
        # compared them again: the numbers are longer than the engine keeps inline)
        sql = ("SELECT u, v, count(*) AS n, sum(CASE WHEN fwd THEN 1 ELSE 0 END) AS n_uv, "
               f"sum(CASE WHEN {night} THEN 1 ELSE 0 END) AS n_night, "
               f"sum(CASE WHEN {short} THEN 1 ELSE 0 END) AS n_short, "
               # for the calls layer when numbers keep their owners (links.build_layers)
               "sum(duration_s) AS duration_s FROM ("
               "SELECT CASE WHEN fwd THEN caller ELSE callee END AS u, "
               "CASE WHEN fwd THEN callee ELSE caller END AS v, fwd, started_at, duration_s "
               "FROM (SELECT caller, callee, caller < callee AS fwd, started_at, duration_s "
               f"FROM ({calls}) c WHERE caller <> callee) d) e GROUP BY u, v")
        return sql, args
    wt, args = window("occurred_at", params)
    sql = ("SELECT least(from_account, to_account) AS u, greatest(from_account, to_account) "
           "AS v, count(*) AS n, sum(CASE WHEN from_account < to_account THEN 1 ELSE 0 END) "
           "AS n_uv, 0 AS n_night, 0 AS n_short "
           f"FROM transactions WHERE {wt} AND from_account <> to_account "
           "GROUP BY least(from_account, to_account), greatest(from_account, to_account)")
    return sql, args


@dataclass(frozen=True)
class NumberPairs:
    """The numbers' pairs (:func:`pairs_query`) fetched once, their numbers encoded.

    ``numbers``: the distinct numbers (an Arrow string array); ``a`` and ``b``: each pair's
    ends as positions in it; ``table``: per pair ``n_calls``, ``n_night``, ``n_short`` and
    ``duration_s`` (0 where no call has one), the calls layer's measures. ``keys``: from
    the calls' integer keys (``number_pairs(keyed=True)``), the key of each number (sorted:
    a key's position is ``np.searchsorted(keys, key)``); None otherwise.
    """

    numbers: object
    a: np.ndarray
    b: np.ndarray
    table: object
    keys: np.ndarray | None = None


_PAIR_FIELDS = ("CAST(n AS BIGINT) AS n_calls, CAST(n_night AS BIGINT) AS n_night, "
                "CAST(n_short AS BIGINT) AS n_short, "
                "CAST(coalesce(duration_s, 0) AS BIGINT) AS duration_s")


def keyed_pairs_as_numbers(keyed: Handle) -> tuple[str, list]:
    """The numbers' pairs :func:`pairs_query` gives, from its ``keyed`` form: each key
    replaced by its number (the rows and their order of ends are the same)."""
    return (f"SELECT a.number AS u, b.number AS v, p.* EXCLUDE (u, v) FROM {keyed} p "
            f"JOIN {NUMBERS} a ON a.key = p.u JOIN {NUMBERS} b ON b.key = p.v"), []


def number_pairs(engine: Engine, pairs: Handle, keyed: bool = False) -> NumberPairs | None:
    """The numbers' pairs as :class:`NumberPairs` (one Arrow dictionary encoding of their
    numbers), or None if a pair lacks a number. ``keyed``: ``pairs`` is the keyed form of
    :func:`pairs_query`: the numbers are those of its keys, in the keys' order (the
    numbers of the window only: a narrow window of a large case reads few)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table = engine.fetch_arrow(f"SELECT u, v, {_PAIR_FIELDS} FROM {pairs}")
    text = pa.large_string()  # 64-bit offsets: numbers past 2 GiB in all still fit
    if keyed:
        ends = [table.column(k) for k in ("u", "v")]
        if any(e.null_count for e in ends):
            return None
        a, b = (e.to_numpy() for e in ends)
        size = int(engine.scalar(f"SELECT count(*) FROM {NUMBERS}"))
        used = np.zeros(size, dtype=bool)  # the window's numbers only
        used[a] = True
        used[b] = True
        keys = np.flatnonzero(used)
        if 2 * len(keys) < size:  # few: read those alone
            numbers = _numbers_of_keys(engine, keys.tolist())
        else:
            numbers = engine.fetch_arrow(f"SELECT number FROM {NUMBERS} ORDER BY key").filter(
                pa.array(used)).column("number")
        place = np.cumsum(used) - 1  # a key's position among the used keys
        return NumberPairs(numbers.cast(text).combine_chunks(), place[a], place[b],
                           table.drop_columns(["u", "v"]), keys)
    chunks = [c for k in ("u", "v") for c in table.column(k).cast(text).chunks]
    coded = pc.dictionary_encode(pa.concat_arrays(chunks or [pa.array([], text)]))
    if coded.indices.null_count:
        return None
    ends = coded.indices.to_numpy(zero_copy_only=False)
    return NumberPairs(coded.dictionary, ends[:len(table)], ends[len(table):],
                       table.drop_columns(["u", "v"]))


def _links_among(pairs: NumberPairs, ids: list[str]) -> list[int] | None:
    """Per busy number of ``ids``: the pairs whose both ends are its counterparts (the
    ``within`` count of :func:`_stats`' join); None if a number is not in the pairs."""
    import pyarrow as pa
    import pyarrow.compute as pc

    at = pc.index_in(pa.array(ids, pairs.numbers.type), value_set=pairs.numbers)
    if at.null_count:
        return None
    return _links_at(pairs, at.to_numpy(zero_copy_only=False).tolist())


def _links_at(pairs: NumberPairs, positions: list[int]) -> list[int]:
    """:func:`_links_among` of the numbers at ``positions`` of ``pairs.numbers``: one pass
    over the pairs per number."""
    a, b, out = pairs.a, pairs.b, []
    for c in positions:
        mark = np.zeros(len(pairs.numbers), dtype=bool)
        mark[b[a == c]] = True
        mark[a[b == c]] = True
        out.append(int(np.count_nonzero(mark[a] & mark[b])))
    return out


def _numbers_of_keys(engine: Engine, keys: list[int]):
    """The numbers of the calls' integer ``keys`` (distinct, ascending;
    :mod:`workbench.store.call_keys`), read from the store, in the keys' order."""
    return engine.fetch_arrow(f"SELECT number FROM {NUMBERS} WHERE key IN "
                              "(SELECT unnest(?)) ORDER BY key", [keys]).column("number")


def _numbers_at(engine: Engine, coded: NumberPairs | None, keys: list[int]) -> list[str]:
    """The numbers of ``keys`` (distinct, ascending): from the fetched pairs if there are
    any, else from the store."""
    if coded is not None:
        return coded.numbers.take(np.searchsorted(coded.keys, keys)).to_pylist()
    return _numbers_of_keys(engine, keys).to_pylist()


def case_figures(coded: NumberPairs) -> tuple[dict, np.ndarray]:
    """The case's figures that :func:`_stats` reads in SQL (contacts per number: quartiles
    and count; per pair: count, median and quartiles of contacts; night and short shares),
    from the numbers' pairs already fetched; and each number's count of counterparts (by
    position in ``coded.numbers``). The same values: DuckDB's ``quantile_cont`` and
    ``median`` interpolate linearly between the two nearest ranks, as numpy's quantiles
    do, and on counts (integers) at the quarter ranks both are exact.

    Examples
    --------
    >>> import pyarrow as pa
    >>> pairs = NumberPairs(pa.array(["a", "b", "c", "d"]), np.array([0, 0, 1]),
    ...                     np.array([1, 2, 2]), pa.table({
    ...                         "n_calls": [4, 1, 2], "n_night": [1, 0, 0],
    ...                         "n_short": [2, 1, 0]}))
    >>> figures, k = case_figures(pairs)
    >>> figures["nodes"], figures["median_pair"], figures["base_short"], k.tolist()
    (3, 2.0, 0.42857142857142855, [2, 2, 2, 0])
    """
    k = np.bincount(np.concatenate([coded.a, coded.b]),
                    minlength=len(coded.numbers)).astype(np.int64)
    deg = k[k > 0]
    n = coded.table.column("n_calls").to_numpy()
    figures = {"q1": None, "q3": None, "nodes": int(len(deg)), "pairs": int(len(n)),
               "median_pair": None, "p1": None, "p3": None, "base_night": None,
               "base_short": None}
    if len(deg):
        figures["q1"], figures["q3"] = (float(q) for q in np.quantile(deg, [0.25, 0.75]))
    if len(n):
        total = int(n.sum())
        figures["median_pair"] = float(np.median(n))
        figures["p1"], figures["p3"] = (float(q) for q in np.quantile(n, [0.25, 0.75]))
        for name, field in (("base_night", "n_night"), ("base_short", "n_short")):
            part = int(coded.table.column(field).to_numpy().sum())
            figures[name] = part / total if total else None
    return figures, k


def _in_pairs(engine: Engine, pair: Handle, x: str, keyed: bool = False) -> bool:
    """Whether ``x`` is at either end of one of ``pair`` (``keyed``: pairs of the calls'
    integer keys, :func:`pairs_query`; ``x`` is looked up by its key, never by joining
    every pair to its numbers)."""
    if keyed:
        x = engine.scalar(f"SELECT min(key) FROM {NUMBERS} WHERE number = ?", [x])
        if x is None:
            return False
    return bool(engine.scalar(f"SELECT count(*) FROM {pair} WHERE u = ? OR v = ?", [x, x]))


def _both_ways(pair: Handle) -> str:
    """Each node's view of its pairs ``(x, y, n, n_out, n_night, n_short)``: every pair
    twice, once from each end (a subquery, never stored)."""
    return (f"(SELECT u AS x, v AS y, n, n_uv AS n_out, n_night, n_short FROM {pair} "
            f"UNION ALL SELECT v, u, n, n - n_uv, n_night, n_short FROM {pair})")


def _stats(engine: Engine, kind: str, params, pair: Handle | None = None,
           coded: NumberPairs | None = None, keyed: bool = False
           ) -> tuple[list[dict], dict, Handle]:
    """The busy numbers or accounts of ``kind`` with their service signals, the case's
    thresholds, and the pairs read. ``keyed``: ``pair`` holds the calls' integer keys
    (:func:`pairs_query`), in the numbers' order; the busy ones get their numbers back."""
    if pair is None:
        pair = engine.materialize(f"_svc_pair_{kind}", *pairs_query(kind, params))
    if coded is None:
        deg = engine.materialize(
            "_svc_deg", f"SELECT x, count(*) AS k FROM (SELECT u AS x FROM {pair} UNION ALL "
            f"SELECT v FROM {pair}) e GROUP BY x")
        case = engine.fetch_rows(  # one pass over each table
            "SELECT d.q1, d.q3, d.nodes, p.pairs, p.median_pair, p.p1, p.p3, p.base_night, "
            "p.base_short FROM (SELECT quantile_cont(k, 0.25) AS q1, "
            f"quantile_cont(k, 0.75) AS q3, count(*) AS nodes FROM {deg}) d, "
            "(SELECT count(*) AS pairs, median(n) AS median_pair, "
            "quantile_cont(n, 0.25) AS p1, quantile_cont(n, 0.75) AS p3, "
            "sum(n_night) / nullif(sum(n), 0) AS base_night, "
            f"sum(n_short) / nullif(sum(n), 0) AS base_short FROM {pair}) p")[0]
        k_of = None
    else:  # the same figures from the pairs already fetched
        case, k_of = case_figures(coded)
    q1, q3, nodes, pairs, median_pair, p1, p3, base_night, base_short = case.values()
    if not nodes:
        if k_of is None:
            engine.drop(deg)
        return [], {"busy_threshold": None}, pair
    threshold = max(_FLOOR, int(q3 + 3 * (q3 - q1)) + 1)
    density = pairs / max(1.0, nodes * (nodes - 1) / 2)
    # a close tie: more contacts than the case's far-out fence on contacts per pair
    tie_fence = float(p3 + 3 * (p3 - p1))
    info = {"busy_threshold": threshold, "case_density": round(float(density), 6),
            "median_per_pair": float(median_pair or 0), "night_share": float(base_night or 0),
            "short_share": float(base_short or 0), "tie_fence": tie_fence,
            "person_share": round(1 / threshold, 6)}
    both = _both_ways(pair)
    if k_of is None:
        busy_sql, busy_args = f"SELECT x FROM {deg} WHERE k >= ?", [threshold]
    else:  # the busy numbers' keys (keyed pairs), else the numbers themselves
        at = np.flatnonzero(k_of >= threshold)
        busy_sql = "SELECT unnest(?)"
        busy_args = [coded.keys[at].tolist() if keyed else coded.numbers.take(at).to_pylist()]
    busy = engine.materialize(
        "_svc_busy", "SELECT x, count(*) AS k, sum(n) AS n, "
        "sum(n_out) AS n_out, sum(n_night) AS n_night, sum(n_short) AS n_short, "
        "median(n) AS per_counterpart, "
        "sum(CASE WHEN n > ? AND n_out > 0 AND n_out < n THEN n ELSE 0 END) AS n_close, "
        "count(CASE WHEN n > ? AND n_out > 0 AND n_out < n THEN 1 END) AS k_close "
        f"FROM {both} m WHERE x IN ({busy_sql}) GROUP BY x",
        [tie_fence, tie_fence, *busy_args])
    if k_of is None:
        engine.drop(deg)
    rows = engine.fetch_rows(
        "SELECT x, k, n, n_out, n_night, n_short, per_counterpart, n_close, k_close "
        f"FROM {busy} ORDER BY x")
    xs = [r["x"] for r in rows]
    if coded is None or len(rows) > _NUMPY_BUSY:
        linked = None
    else:
        linked = (_links_at(coded, np.searchsorted(coded.keys, xs).tolist()) if keyed
                  else _links_among(coded, xs))
    if linked is None:
        within = dict((r["x"], r["links"]) for r in engine.fetch_rows(
            # links among a busy node's counterparts: the pairs whose first end is one of
            # its counterparts, kept when the second end is one too (each pair once:
            # joining the counterpart lists with each other first would square them, and
            # reading every pair from both ends twice as many rows)
            f"WITH cp AS (SELECT p.x, p.y FROM {both} p JOIN {busy} b ON b.x = p.x) "
            f"SELECT a.x, count(*) AS links FROM {pair} q JOIN cp a ON a.y = q.u "
            "JOIN cp b ON b.y = q.v AND b.x = a.x GROUP BY a.x"))
        linked = [within.get(x, 0) for x in xs]
    engine.drop(busy)
    ids = _numbers_at(engine, coded, xs) if keyed else xs
    out = []
    for (_, k, n, n_out, n_night, n_short, per_cp, n_close, k_close), x, links in zip(
            (r.values() for r in rows), ids, linked, strict=True):
        possible = k * (k - 1) / 2
        ratio = (links / possible) / density if possible and density else 0.0
        signals = {
            "one_way": max(n_out, n - n_out) / n >= _ONE_WAY,
            "unrelated": ratio <= _DENSITY_RATIO,
            "shallow": float(per_cp) < info["median_per_pair"],
            "plain": kind == "phone" and (
                n_night / n <= _RINGLIKE_RATIO * info["night_share"]
                and n_short / n <= _RINGLIKE_RATIO * info["short_share"]),
        }
        close_share = float(n_close) / n
        person = {"close_tie": bool(k_close) and close_share >= info["person_share"]}
        out.append({"kind": kind, "id": x, "counterparts": int(k), "contacts": int(n),
                    "one_way_share": round(max(n_out, n - n_out) / n, 3),
                    "density_ratio": round(float(ratio), 3),
                    "per_counterpart": float(per_cp), "close_ties": int(k_close),
                    "close_share": round(close_share, 3), "signals": signals,
                    "person_signals": person})
    return out, info, pair


def _owners(engine: Engine, tables: dict[str, tuple[Handle, list[str]]]
            ) -> dict[str, dict[str, dict]]:
    """Known persons registered to each id, and whether any has arrests, money or kin, per
    kind: ``tables`` maps a kind to its owner table and ids (one query for every kind)."""
    wanted = [(kind, table, ids) for kind, (table, ids) in tables.items() if ids]
    out: dict[str, dict[str, dict]] = {kind: {} for kind in tables}
    if not wanted:
        return out
    rows = engine.fetch_rows(
        # equi-joins on distinct person sets: an OR condition inside a correlated EXISTS
        # becomes a nested-loop join on Spark (17 s at 1M calls)
        "SELECT o.kind, o.id, o.person_id, ar.person_id IS NOT NULL AS arrests, "
        "mo.person_id IS NOT NULL AS money, ki.person_id IS NOT NULL AS kin FROM ("
        + " UNION ALL ".join(f"SELECT '{kind}' AS kind, id, person_id FROM {table} "
                             "WHERE id IN (SELECT unnest(?))" for kind, table, _ in wanted)
        + ") o JOIN persons p ON p.person_id = o.person_id "
        "LEFT JOIN (SELECT DISTINCT person_id FROM arrests) ar ON ar.person_id = o.person_id "
        "LEFT JOIN (SELECT DISTINCT ac.person_id FROM accounts ac JOIN ("
        "  SELECT from_account AS account FROM transactions UNION ALL "
        "  SELECT to_account FROM transactions) t ON t.account = ac.account_id) mo "
        "  ON mo.person_id = o.person_id "
        "LEFT JOIN (SELECT person_a AS person_id FROM kinship UNION "
        "  SELECT person_b FROM kinship) ki ON ki.person_id = o.person_id "
        "ORDER BY o.kind, o.id, o.person_id", [ids for _, _, ids in wanted])
    for kind, i, pid, arrests, money, kin in (r.values() for r in rows):
        entry = out[kind].setdefault(i, {"persons": [], "records": []})
        entry["persons"].append(pid)
        entry["records"] += [r for r, flag in (("arrests", arrests), ("money", money),
                                                ("kin", kin)) if flag]
    return out


def _need(s: dict, owner: dict | None, kinfo: dict, subscribers: bool
          ) -> tuple[int | None, str]:
    """How many service signals make busy node ``s`` a service (None: never), and why."""
    registered = f"registered to {','.join(owner['persons'])}" if owner else None
    if owner and owner["records"]:
        return None, f"{registered} who has {'/'.join(sorted(set(owner['records'])))}"
    if s["person_signals"]["close_tie"]:
        return None, (f"{registered or 'unregistered'}, calls like a person: "
                      f"{s['close_ties']} close tie(s) both ways above "
                      f"{kinfo['tie_fence']:g} contacts, {s['close_share']:.0%} of its contacts")
    if owner and not s["signals"]["one_way"]:
        return None, (f"{registered}, contacts both ways ({s['one_way_share']:.0%} one way) "
                      "as a person's do")
    if owner:
        return 3, f"{registered}, one way"
    if subscribers or s["kind"] == "account":
        return 1, "registered to no known person"
    return 2, "numbers-only case"


def detect_services(engine: Engine, params, own_phones: Handle, own_accounts: Handle,
                    phone_pairs: Handle | None = None, phone_codes: NumberPairs | None = None,
                    phone_keys: Handle | None = None) -> tuple[list[dict], dict, Handle]:
    """Flag service numbers and accounts (see the module docstring).

    Reads the owner tables (handles of :data:`~workbench.evidence.owners.PHONE_OWNERS` and
    :data:`~workbench.evidence.owners.ACCOUNT_OWNERS`). Returns ``(flagged, info, services)``:
    ``services`` is a handle of ``(kind, id)`` rows; each flagged node with
    its counterparts, signals and a ``reason`` in words; ``info`` holds the thresholds
    derived from the case and every busy node looked at. ``phone_pairs``: the numbers'
    :func:`pairs_query` rows when the caller has them (then the caller drops them);
    ``phone_codes``: those pairs as :func:`number_pairs` gives them, if the caller has them.
    ``phone_keys``: the same pairs on the calls' integer keys (``pairs_query(keyed=True)``),
    if the caller has them (their statistics are counted on the keys; ``phone_codes`` then
    from ``number_pairs(keyed=True)``).
    """
    if phone_keys is not None and phone_codes is not None and phone_codes.keys is None:
        raise ValueError("keyed pairs need their fetched form keyed too")
    subscribers = engine.scalar("SELECT count(*) FROM phones") > 0
    forced = set(getattr(params, "hubs", ()) or ())
    never = set(getattr(params, "not_hubs", ()) or ())
    flagged, info = [], {"busy": []}
    phone = ((phone_keys, phone_codes, True) if phone_keys is not None
             else (phone_pairs, phone_codes))
    found = {kind: _stats(engine, kind, params, *(phone if kind == "phone" else ()))
             for kind in ("phone", "account")}
    owners_of = _owners(engine, {kind: (own_phones if kind == "phone" else own_accounts,
                                        [s["id"] for s in stats])
                                 for kind, (stats, _, _) in found.items()})
    for kind, (stats, kinfo, pair) in found.items():
        info[kind] = kinfo
        owners = owners_of[kind]
        for s in stats:
            owner = owners.get(s["id"])
            n_signals = sum(s["signals"].values())
            names = [k for k, v in s["signals"].items() if v]
            need, why = _need(s, owner, kinfo, subscribers)
            is_service = need is not None and n_signals >= need
            s["owner"] = ",".join(owner["persons"]) if owner else None
            s["reason"] = (f"{s['counterparts']} counterparts (busy above "
                           f"{kinfo['busy_threshold']}); {why}; signals: "
                           f"{', '.join(names) or 'none'} (needs {need or 'never'})")
            if s["id"] in forced:
                is_service, s["reason"] = True, "marked a service by the user (--hub)"
            if s["id"] in never:
                is_service, s["reason"] = False, "marked a person by the user (--not-hub)"
            s["service"] = is_service
            info["busy"].append(s)
            if is_service:
                flagged.append(s)
        for x in sorted(forced - {s["id"] for s in stats}):
            if _in_pairs(engine, pair, x, keyed=kind == "phone" and phone_keys is not None):
                flagged.append({"kind": kind, "id": x, "counterparts": None, "signals": {},
                                "owner": None, "service": True,
                                "reason": "marked a service by the user (--hub)"})
        if pair is not phone_pairs and pair is not phone_keys:
            engine.drop(pair)
    services = engine.materialize("_services", *services_query(flagged))
    flagged.sort(key=lambda s: (-(s["counterparts"] or 0), s["kind"], s["id"]))
    if flagged:
        log.info("%d service numbers/accounts down-weighted for grouping", len(flagged))
    return flagged, info, services


def services_query(flagged: list[dict]) -> tuple[str, list]:
    """``(kind, id)`` rows of the flagged services, as a ``SELECT`` with parameters.

    Examples
    --------
    >>> services_query([])[0]
    'SELECT CAST(NULL AS VARCHAR) AS kind, CAST(NULL AS VARCHAR) AS id WHERE FALSE'
    """
    if not flagged:
        return "SELECT CAST(NULL AS VARCHAR) AS kind, CAST(NULL AS VARCHAR) AS id WHERE FALSE", []
    rows = ", ".join("(?, ?)" for _ in flagged)
    return (f"SELECT kind, id FROM (VALUES {rows}) s(kind, id)",
            [v for s in flagged for v in (s["kind"], s["id"])])
