"""What the money-pattern search reads from a case: SQL over ``transactions`` through the
engine seam, aggregated there; only one-off transfers among ordinary accounts come back.

Stages (each a ``SELECT`` the engine materializes):

* ``_mx_t``: transfers in the window (epoch seconds, currency, provenance);
* ``_mx_p``: directed account pairs with their number of transfers and whether any
  transfer went the other way;
* ``_mx_a``: per account: counterparts, pairs, one-off pairs, one-off in/out degrees;
* ``_mx_s``: service-like accounts, by fences computed from ``_mx_a`` (a far outlier in
  counterparts that is paid or pays regularly, or an extreme outlier whatever it does),
  each with its business direction(s) and the amount beyond which a transfer in that
  direction is unlike its business;
* ``_mx_e``: one-off transfers (the only transfer between the two accounts, either way: a
  transfer and one back are a loan and its repayment) between accounts, a service's
  only when unlike its usual business (see :data:`UNLIKE_K`).

Examples
--------
>>> round(fence([1, 2, 2, 3, 4, 5, 40]), 2)
12.0
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..engine import as_engine
from ..evidence import file_names, window_between

__all__ = ["MoneyData", "fence", "load", "stage", "DEFAULT_CURRENCY"]

log = logging.getLogger(__name__)

#: the currency of a transfer whose record names none (Chinese bank exports: yuan)
DEFAULT_CURRENCY = "CNY"


def fence(values, k: float = 3.0) -> float:
    """Upper outlier fence ``Q3 + k * IQR`` of ``values`` (Tukey's far-out fence for 3).

    Examples
    --------
    >>> fence([1, 1, 1, 1])
    1.0
    """
    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        return math.inf
    q1, q3 = np.percentile(arr, [25, 75])
    return float(q3 + k * (q3 - q1))


def _log_fence(n_cp: np.ndarray) -> float:
    """Far-out fence of ``log(1 + counterparts)``, its IQR at least a doubling: beyond it an
    account is a service whatever its payments look like (a utility paid once by all)."""
    if n_cp.size == 0:
        return math.inf
    q1, q3 = np.percentile(np.log1p(n_cp), [25, 75])
    return float(q3 + 3.0 * max(q3 - q1, math.log(2.0)))


def transfers_query(since=None, until=None) -> tuple[str, list]:
    """Transfers in the window between two different accounts."""
    cond, args = window_between("t.occurred_at", since, until)
    return ("SELECT t.from_account AS a, t.to_account AS b, t.amount, "
            "CAST(t.amount AS DOUBLE) AS amt, "
            f"coalesce(t.currency, '{DEFAULT_CURRENCY}') AS cur, "
            "epoch(t.occurred_at) AS ts, t._source, t._line, "
            # chance that one of the payer's transfers is at least this large
            "cume_dist() OVER (PARTITION BY t.from_account ORDER BY t.amount DESC) AS p_big "
            f"FROM transactions t WHERE t.from_account <> t.to_account AND {cond}"), args


#: directed pairs, their number of transfers ``n`` and whether any went the other way
#: (``back``), from one count per unordered pair (no self-join; ``a <> b`` in ``t``)
PAIRS = (
    "WITH u AS (SELECT least(a, b) AS u, greatest(a, b) AS v, "
    "sum(CASE WHEN a < b THEN 1 ELSE 0 END) AS fwd, sum(CASE WHEN a < b THEN 0 ELSE 1 END) AS bwd "
    "FROM {t} GROUP BY least(a, b), greatest(a, b)) "
    "SELECT u AS a, v AS b, CAST(fwd AS BIGINT) AS n, bwd > 0 AS back FROM u WHERE fwd > 0 "
    "UNION ALL SELECT v AS a, u AS b, CAST(bwd AS BIGINT) AS n, fwd > 0 AS back FROM u "
    "WHERE bwd > 0"
)

#: per account; its counterparts are its pairs less those it has both ways (counted twice)
ACCOUNTS = (
    "WITH ends AS (SELECT a AS acct, n, 1 AS out_, back FROM {p} "
    "UNION ALL SELECT b AS acct, n, 0 AS out_, back FROM {p}) "
    "SELECT acct, CAST(count(*) - sum(CASE WHEN out_ = 1 AND back THEN 1 ELSE 0 END) "
    "AS BIGINT) AS n_cp, count(*) AS n_pairs, "
    "sum(CASE WHEN n = 1 THEN 1 ELSE 0 END) AS n_once, "
    "sum(1 - out_) AS n_in, sum(out_) AS n_out, "
    "sum(n) AS n_tx FROM ends GROUP BY acct"
)

#: Tukey's outlier fence (``Q3 + 1.5 IQR``) on the log amounts of a service's transfers in
#: its business direction: beyond it (about five times its upper quartile, for a shop) a
#: transfer is unlike the service's usual business, a courier's 5 000 paid to a noodle shop.
#: The far-out fence (3 IQR) decides that an account *is* a service, a strong claim that
#: takes its business out of every pattern; this one only lets a transfer be weighed as a
#: spoke or a link, never as the service's own fan (see ``business_in``).
UNLIKE_K = 1.5

#: A service's business: the direction(s) in which it has more counterparts than that
#: direction's own far-out fence (``Q3 + 3 IQR`` of every account's payers, or payees): a
#: shop is paid by hundreds, an employer pays hundreds. An account past the counterparts
#: fence with no such direction (a private person with a few tenants, family and shops, 27
#: counterparts against a fence of 24) is no service: its transfers are anyone's. A
#: service's transfers the other way are a private person's (a shop owner paying someone),
#: kept like anyone's; its business transfers are kept only past the amount fence.
#: ``in_min`` / ``out_min``: NULL when that direction is not its business.
SERVICES = (
    "WITH s AS (SELECT acct, n_in, n_out, n_in > ? AS bin, n_out > ? AS bout FROM {a} "
    "WHERE n_cp > ? AND (1.0 - n_once / n_pairs >= ? OR ln(1 + n_cp) > ?) "
    "AND (n_in > ? OR n_out > ?)), "
    "biz AS (SELECT s.acct, 1 AS inward, ln(t.amt) AS x FROM s JOIN {t} t ON t.b = s.acct "
    "WHERE s.bin AND t.amt > 0 UNION ALL SELECT s.acct, 0 AS inward, ln(t.amt) AS x "
    "FROM s JOIN {t} t ON t.a = s.acct WHERE s.bout AND t.amt > 0), "
    "q AS (SELECT acct, inward, quantile_cont(x, 0.25) AS q1, quantile_cont(x, 0.75) AS q3 "
    "FROM biz GROUP BY acct, inward) "
    "SELECT s.acct, s.bin, s.bout, "
    "CASE WHEN s.bin THEN coalesce(exp(qi.q3 + ? * (qi.q3 - qi.q1)), 0.0) END AS in_min, "
    "CASE WHEN s.bout THEN coalesce(exp(qo.q3 + ? * (qo.q3 - qo.q1)), 0.0) END AS out_min "
    "FROM s LEFT JOIN q qi ON qi.acct = s.acct AND qi.inward = 1 "
    "LEFT JOIN q qo ON qo.acct = s.acct AND qo.inward = 0"
)

#: one-off transfers (none back: a pair that paid each other once each way settled a loan, it
#: is no stranger); at a service only those unlike its business (or not its business)
EDGES = (
    "SELECT t.a, t.b, t.amount, t.amt, t.cur, t.ts, t.p_big, s.file, t._line AS line "
    "FROM {t} t JOIN {p} p ON p.a = t.a AND p.b = t.b AND p.n = 1 AND NOT p.back "
    "LEFT JOIN sources s ON s.source_id = t._source "
    "LEFT JOIN {s} sa ON sa.acct = t.a LEFT JOIN {s} sb ON sb.acct = t.b "
    "WHERE (sa.out_min IS NULL OR t.amt > sa.out_min) "
    "AND (sb.in_min IS NULL OR t.amt > sb.in_min)"
)

#: per account, its pairs with other ordinary accounts (services left out) and the one-offs
#: among them, as ``EDGES`` defines them (one transfer, none back)
ORDINARY = (
    "WITH o AS (SELECT x.a, x.b, x.n = 1 AND NOT x.back AS once FROM {p} x "
    "WHERE x.a NOT IN (SELECT acct FROM {s}) AND x.b NOT IN (SELECT acct FROM {s})), "
    "ends AS (SELECT a AS acct, once FROM o UNION ALL SELECT b AS acct, once FROM o) "
    "SELECT acct, count(*) AS n_pairs, sum(CASE WHEN once THEN 1 ELSE 0 END) AS n_once "
    "FROM ends GROUP BY acct ORDER BY acct"
)

def _pairs_through(probe: np.ndarray, key: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """All row pairs ``(i, j)`` with ``key[j] == probe[i]`` (the equi-join of the rows on
    ``probe = key``, both ids ``0..n-1``), ``i`` ascending, each ``i``'s ``j`` ascending."""
    order = np.argsort(key, kind="stable")
    bounds = np.searchsorted(key[order], np.arange(n + 1))
    reps = (bounds[probe + 1] - bounds[probe]).astype(np.int64)
    i = np.repeat(np.arange(probe.size, dtype=np.int64), reps)
    offset = np.arange(i.size, dtype=np.int64) - np.repeat(np.cumsum(reps) - reps, reps)
    return i, order[bounds[probe[i]] + offset]


def _at_least_two(x: np.ndarray, y: np.ndarray, n: int, names: tuple[str, str]
                  ) -> pd.DataFrame:
    """The pairs ``(x, y)`` occurring twice or more, with their count ``k``."""
    keys, k = np.unique(x.astype(np.int64) * n + y, return_counts=True)
    keys, k = keys[k >= 2], k[k >= 2]
    return pd.DataFrame({names[0]: keys // n, names[1]: keys % n, "k": k.astype(np.int64)})


def two_paths(a: np.ndarray, b: np.ndarray, n: int) -> pd.DataFrame:
    """Ordered account pairs ``(src, dst)`` joined by at least two one-off two-step paths
    ``src -> m -> dst`` (scatter-gather), ``k`` of them; dense ids.

    Examples
    --------
    >>> two_paths(np.array([0, 0, 1, 2]), np.array([1, 2, 3, 3]), 4).values.tolist()
    [[0, 3, 2]]
    """
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    e1, e2 = _pairs_through(b, a, n)  # e1's payee pays on: e2
    ok = (a[e1] != b[e2]) & (b[e2] != b[e1]) & (a[e1] != b[e1])
    return _at_least_two(a[e1][ok], b[e2][ok], n, ("src", "dst"))


def co_targets(a: np.ndarray, b: np.ndarray, names, n: int) -> pd.DataFrame:
    """Payer pairs ``(x1, x2)`` sharing at least two one-off payees (bipartite layers),
    ``k`` of them, ``x1`` the one whose account (``names``: per dense id) sorts first as
    text; dense ids.

    Examples
    --------
    >>> co_targets(np.array([0, 1, 0, 1]), np.array([2, 2, 3, 3]), ["b", "a", "c", "d"],
    ...            4).values.tolist()
    [[1, 0, 2]]
    """
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    e1, e2 = _pairs_through(b, b, n)  # two payments to the same payee
    ok = a[e1] < a[e2]  # each pair of payers once (by id; put in text order below)
    out = _at_least_two(a[e1][ok], a[e2][ok], n, ("x1", "x2"))
    first = [str(names[x]) < str(names[y]) for x, y in zip(out["x1"].tolist(),
                                                          out["x2"].tolist(), strict=True)]
    x1 = np.where(first, out["x1"], out["x2"]).astype(np.int64)
    x2 = np.where(first, out["x2"], out["x1"]).astype(np.int64)
    return pd.DataFrame({"x1": x1, "x2": x2, "k": out["k"].to_numpy()})


#: the per-account counts the fences are computed from
_STATS = ("n_cp", "n_pairs", "n_once", "n_in", "n_out")


@dataclass
class MoneyData:
    """The one-off transfer graph of a case and the distributions its null model uses.

    Attributes
    ----------
    edges : pandas.DataFrame
        One row per one-off transfer: ``a, b`` (dense node ids), ``amount`` (Decimal),
        ``amt`` (float), ``cur``, ``ts`` (epoch s), ``p_big`` (share of the payer's
        transfers in the window at least as large), ``file``, ``line``.
    nodes : numpy.ndarray
        Account id of each dense node id.
    n_pairs, n_once : numpy.ndarray
        Per node: directed pairs it takes part in with other ordinary accounts, and how
        many of them are one-offs (one transfer, none back, as in ``edges``).
    n_accounts : int
        Accounts with any transfer in the window (the null's population: a service takes
        part through its transfers unlike its business).
    din_all, dout_all : numpy.ndarray
        One-off in/out degrees (of the transfers weighed) of every account, zeros included.
    period : tuple of float
        First and last transfer of the window (epoch s).
    services : list of str
        Service-like accounts: their business (the direction in which they have hundreds
        of counterparts) is left out of every pattern, their other transfers are not.
    business_in, business_out : numpy.ndarray of bool
        Per node: a service paid (paying) as its business. Its transfers that way that are
        unlike its business are weighed as spokes or links, but it is never the hub of a
        fan that way: being paid by many is what a shop does.
    params : dict
        The fences and counts derived from the data.
    """

    edges: pd.DataFrame
    nodes: np.ndarray
    n_pairs: np.ndarray
    n_once: np.ndarray
    n_accounts: int
    din_all: np.ndarray
    dout_all: np.ndarray
    period: tuple[float, float]
    services: list[str]
    two_paths: pd.DataFrame
    co_targets: pd.DataFrame
    params: dict = field(default_factory=dict)
    business_in: np.ndarray | None = None
    business_out: np.ndarray | None = None


def stage(engine, *, since=None, until=None) -> tuple[dict, dict]:
    """Materialize the window's transfers (``t``), pairs (``p``), accounts (``a``) and
    services (``s``); returns the handles (the caller drops them) and the fences.

    Parameters
    ----------
    engine : Engine
        The engine of the case.
    since, until : datetime or None
        The window.

    Examples
    --------
    >>> import tempfile, os
    >>> from workbench.store import Store
    >>> from workbench.engine import as_engine
    >>> with Store(os.path.join(tempfile.mkdtemp(), "c.duckdb")) as store:
    ...     engine = as_engine(store)
    ...     handles, fences = stage(engine)
    ...     sorted(handles), fences["services"]
    ...     for h in handles.values():
    ...         engine.drop(h)
    (['a', 'p', 's', 't'], [])
    """
    handles: dict = {}
    try:
        sql, args = transfers_query(since, until)
        handles["t"] = engine.materialize("_mx_t", sql, args)
        handles["p"] = engine.materialize("_mx_p", PAIRS.format(t=handles["t"]))
        handles["a"] = engine.materialize("_mx_a", ACCOUNTS.format(p=handles["p"]))
        # counts as doubles (DuckDB's sums are 128-bit integers: decimals, one object each);
        # the fences are quantiles, whatever the accounts' order
        stats = engine.fetch_numpy(
            "SELECT " + ", ".join(f"CAST({k} AS DOUBLE) AS {k}" for k in _STATS)
            + f" FROM {handles['a']}")
        n_cp = np.asarray(stats["n_cp"], dtype=float)
        n_pairs = np.asarray(stats["n_pairs"], dtype=float)
        n_once = np.asarray(stats["n_once"], dtype=float)
        cp_fence, log_fence = fence(n_cp), _log_fence(n_cp)
        in_fence = fence(np.asarray(stats["n_in"], dtype=float))
        out_fence = fence(np.asarray(stats["n_out"], dtype=float))
        repeat = 1.0 - n_once / np.maximum(n_pairs, 1.0)
        regular = float(np.median(repeat)) if repeat.size else 1.0
        handles["s"] = engine.materialize(
            "_mx_s", SERVICES.format(a=handles["a"], t=handles["t"]),
            [in_fence, out_fence, cp_fence, regular, log_fence, in_fence, out_fence,
             UNLIKE_K, UNLIKE_K])
        services = sorted(str(x) for x in
                          engine.fetch_numpy(f"SELECT acct FROM {handles['s']}")["acct"])
    except BaseException:
        for h in handles.values():
            engine.drop(h)
        raise
    return handles, {"cp": cp_fence, "log": log_fence, "regular": regular,
                     "in": in_fence, "out": out_fence,
                     "services": services, "stats": stats}


def load(source, *, since=None, until=None) -> MoneyData:
    """Read and aggregate a case's transfers for the pattern search.

    Parameters
    ----------
    source : Store, engine or DuckDB connection
        The case (see :func:`workbench.engine.as_engine`).
    since, until : datetime or None
        The window (naive times are the case's local time).

    Returns
    -------
    MoneyData

    Examples
    --------
    >>> import tempfile, os
    >>> from workbench.store import Store
    >>> with Store(os.path.join(tempfile.mkdtemp(), "c.duckdb")) as store:
    ...     load(store).params["one_off_transfers"]
    0
    """
    engine = as_engine(source)
    handles, fences = stage(engine, since=since, until=until)
    try:
        t, p, a, s = (handles[k] for k in ("t", "p", "a", "s"))
        cp_fence, log_fence, regular = (fences[k] for k in ("cp", "log", "regular"))
        n_accounts = int(len(fences["stats"]["n_cp"]))
        span = engine.fetch_rows(f"SELECT min(ts) AS lo, max(ts) AS hi, count(*) AS n FROM {t}")
        services = fences["services"]
        e = engine.materialize("_mx_e", EDGES.format(t=t, p=p, s=s))
        business = engine.fetch_df(f"SELECT acct, bin, bout FROM {s}")
        handles["e"] = e
        table = engine.fetch_arrow(f"SELECT * FROM {e} ORDER BY ts, a, b, line")
        edges = table.drop_columns(["amount", "file"]).to_pandas()
        at = [c for c in table.column_names if c != "amount"].index("file")
        edges.insert(at, "file", _file_names(table.column("file")))  # names, not paths
        # the exact amounts as Decimal when read (a pattern's few), not 67 000 up front
        edges["amount"] = pd.arrays.ArrowExtensionArray(table.column("amount"))
        ordinary = engine.fetch_numpy(
            "SELECT acct, CAST(n_pairs AS DOUBLE) AS n_pairs, CAST(n_once AS DOUBLE) AS n_once "
            f"FROM ({ORDINARY.format(p=p, s=s)}) o")
    finally:
        for h in handles.values():
            engine.drop(h)
    codes, nodes = pd.factorize(pd.concat([edges["a"], edges["b"]], ignore_index=True))
    n_e = len(edges)
    names = pd.Index(np.asarray(nodes, dtype=object)).astype(str)
    service = names.isin(services)
    weighed = int(service[codes].sum())
    edges["a"] = codes[:n_e]
    edges["b"] = codes[n_e:]
    at = pd.Index(pd.Series(ordinary["acct"], dtype=object).astype(str)).get_indexer(names)
    own = {k: np.append(np.asarray(ordinary[k], dtype=float), 0.0)[at]  # -1: none, 0
           for k in ("n_pairs", "n_once")}
    row = span[0] if span else {"lo": None, "hi": None, "n": 0}
    lo, hi = (row["lo"] or 0.0), (row["hi"] or 0.0)
    two = two_paths(codes[:n_e], codes[n_e:], len(names))
    # payers compared as text, as SQL compares them (code points: UTF-8's byte order)
    co = co_targets(codes[:n_e], codes[n_e:], names, len(names))
    params = {
        "transfers": int(row["n"] or 0),
        "accounts": n_accounts,
        "service_counterparts_fence": round(cp_fence, 3),
        "service_log_counterparts_fence": round(log_fence, 3),
        "service_regular_share": round(regular, 3),
        "service_payers_fence": round(fences["in"], 3),
        "service_payees_fence": round(fences["out"], 3),
        "services": services,
        "service_unlike_business_k": UNLIKE_K,
        "services_paid_as_business": int(business["bin"].astype(bool).sum()),
        "services_paying_as_business": int(business["bout"].astype(bool).sum()),
        "service_transfers_weighed": weighed,
        "one_off_transfers": int(n_e),
    }
    log.info("money: %d transfers, %d one-off among ordinary accounts, %d services",
             params["transfers"], n_e, len(services))
    return MoneyData(
        edges=edges,
        nodes=np.asarray(nodes, dtype=object),
        n_pairs=own["n_pairs"],
        n_once=own["n_once"],
        n_accounts=n_accounts,
        din_all=_degrees(edges["b"].to_numpy(), len(nodes), n_accounts),
        dout_all=_degrees(edges["a"].to_numpy(), len(nodes), n_accounts),
        period=(float(lo), float(hi)),
        services=services,
        two_paths=two,
        co_targets=co,
        params=params,
        business_in=_flags(business, "bin", names),
        business_out=_flags(business, "bout", names),
    )


def _flags(business: pd.DataFrame, col: str, names: pd.Index) -> np.ndarray:
    """Per dense node (``names``: their accounts as text): a service whose business is this
    direction (no fan of its own)."""
    on = set(business.loc[business[col].astype(bool), "acct"].astype(str))
    return np.asarray(names.isin(on), dtype=bool)


def _file_names(column) -> np.ndarray:
    """The file name (no folders, :func:`~workbench.evidence.file_names`) of each row's
    source, computed once per source."""
    paths = pd.Series(column.to_pandas(), dtype=object)
    codes, uniques = pd.factorize(paths)
    named = file_names(pd.DataFrame({"file": np.asarray(uniques, dtype=object)}))["file"]
    return np.concatenate([named.to_numpy(dtype=object), [None]])[codes]


def _degrees(ends: np.ndarray, n_nodes: int, n_accounts: int) -> np.ndarray:
    """One-off degrees of the nodes, then zeros for the other ordinary accounts."""
    deg = np.bincount(ends.astype(np.int64), minlength=n_nodes).astype(float)
    return np.concatenate([deg, np.zeros(max(n_accounts - n_nodes, 0))])
