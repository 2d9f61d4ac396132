"""Money patterns among accounts, best first: the library behind ``workbench money``.

Found by shape over the whole period on the case's one-off transfers (a pair's only
transfer) among ordinary accounts, scored against the case's own null model
(:mod:`workbench.money.score`), and chosen greedily best first so that one transfer
counts for one pattern (a pattern whose transfers are mostly in a better one is dropped).

Examples
--------
>>> import tempfile, os
>>> from workbench.store import Store
>>> with Store(os.path.join(tempfile.mkdtemp(), "c.duckdb")) as store:
...     find_patterns(store)["patterns"]
[]
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import math
import time
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np

from ..engine import as_engine
from ..errors import WorkbenchError
from .batch import batch_columns, edge_columns, pre_of
from .bound import ROUNDING, score_ceilings
from .data import MoneyData, load
from .score import null_model, score
from .shapes import KINDS, MIN_FAN, Candidate, candidates

__all__ = ["MoneyParams", "find_patterns", "account_persons", "local_time", "render_time"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MoneyParams:
    """Options of the pattern search (every threshold of the search itself comes from
    the data and is reported in ``params``).

    Parameters
    ----------
    since, until : datetime or None
        Window of transfers (naive: the case's local time).
    kinds : tuple of str or None
        Report only these kinds (the search still weighs all of them).
    max_cycle : int
        Longest cycle searched (accounts).
    max_overlap : float
        A pattern whose transfers are more than this share inside better patterns is
        not reported on its own.
    cycle_budget : int
        Most steps of the cycle search.
    min_score : float
        Report patterns scoring above this (0: more likely planted than chance under the
        case's null model).
    """

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    kinds: tuple[str, ...] | None = None
    max_cycle: int = 8
    max_overlap: float = 0.2
    cycle_budget: int = 5_000_000
    min_score: float = 0.0

    def check(self) -> MoneyParams:
        """Self, or :class:`WorkbenchError` naming what is wrong."""
        bad = [k for k in self.kinds or () if k not in KINDS]
        if bad:
            raise WorkbenchError(f"unknown pattern kind {bad[0]!r} (kinds: {', '.join(KINDS)})")
        if not 3 <= self.max_cycle <= 12:
            raise WorkbenchError("max_cycle must be between 3 and 12")
        if not 0.0 <= self.max_overlap < 1.0:
            raise WorkbenchError("max_overlap must be in [0, 1)")
        if not math.isfinite(self.min_score):
            raise WorkbenchError(f"min_score must be a number, not {self.min_score}")
        return self


def render_time(ts: float, tz: str) -> str:
    """Epoch seconds as an ISO time in the case's zone.

    >>> render_time(0, "Asia/Shanghai")
    '1970-01-01T08:00:00+08:00'
    """
    return dt.datetime.fromtimestamp(float(ts), ZoneInfo(tz)).isoformat()


def local_time(when: dt.datetime | None, tz: str) -> str | None:
    """A window bound in the case's zone (a naive one is already local).

    >>> local_time(dt.datetime(2024, 1, 1, tzinfo=dt.UTC), "Asia/Shanghai")
    '2024-01-01T08:00:00+08:00'
    """
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(tz))
    return when.astimezone(ZoneInfo(tz)).isoformat()


def account_persons(engine, accounts: Iterable[str]) -> dict[str, str]:
    """Resolved holder of each account (accounts nobody holds are left out).

    >>> account_persons(None, [])
    {}
    """
    accounts = sorted({str(x) for x in accounts})
    if not accounts:
        return {}
    rows = engine.fetch_rows(
        "SELECT account_id, min(person_id) AS person_id FROM accounts "
        "WHERE account_id IN (SELECT unnest(?)) AND person_id IS NOT NULL "
        "GROUP BY account_id", [accounts])
    return {r["account_id"]: r["person_id"] for r in rows}


def find_patterns(source, params: MoneyParams | None = None, *, top: int | None = None
                  ) -> dict:
    """Money patterns of a case, best first.

    Parameters
    ----------
    source : Store, engine or DuckDB connection
        The case.
    params : MoneyParams
        Window, kinds and limits.
    top : int or None
        Report only the best ``top`` patterns.

    Returns
    -------
    dict
        ``{"patterns": [{"kind", "members", "accounts", "amount", "first", "last",
        "score", "evidence"}], "params": {...}}``: amounts as decimal strings per currency,
        times in the case's zone, strict JSON.

    Examples
    --------
    >>> MoneyParams(kinds=("spiral",)).check()
    Traceback (most recent call last):
    ...
    workbench.errors.WorkbenchError: unknown pattern kind 'spiral' (kinds: fan-in, ...
    """
    params = (params or MoneyParams()).check()
    engine = as_engine(source)
    started = time.perf_counter()
    data = load(engine, since=params.since, until=params.until)
    loaded = time.perf_counter()
    with _collector_paused():
        return _search(engine, data, params, top, started, loaded)


@contextmanager
def _collector_paused():
    """Python's cyclic garbage collector paused while the block runs (when it was running).

    The search makes some 200 000 small lists, dicts and candidates on a county and keeps
    few; reference counting frees them (they hold no cycles), while each full pass of the
    collector walks every object of the process, the caller's too: a fifth of the search's
    time. It resumes afterwards, whatever happened (any cycle made meanwhile waits for it).

    >>> import gc
    >>> with _collector_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _search(engine, data: MoneyData, params: MoneyParams, top: int | None, started: float,
            loaded: float) -> dict:
    """:func:`find_patterns` once the data are loaded."""
    null = null_model(data)
    found = candidates(data.edges, len(data.nodes), data.two_paths, data.co_targets,
                       max_cycle=params.max_cycle, cycle_budget=params.cycle_budget,
                       period=null.period, paid_as_business=data.business_in,
                       paying_as_business=data.business_out)
    cols = edge_columns(data.edges)
    tests = batch_columns(found, data, null, cols)
    # only a score above the bar can be reported: the rest need not be computed in full
    bar = params.min_score - ROUNDING
    reach = np.flatnonzero(~(score_ceilings(found, tests, null, cols) <= bar)).tolist()
    scored = []
    for i in reach:
        s, parts = score(found[i], null, cols, pre_of(tests, i))
        if math.isfinite(s) and s > params.min_score:
            scored.append((s, found[i], parts))
    scored.sort(key=lambda x: (-x[0], x[1].kind, [str(data.nodes[v]) for v in x[1].nodes()]))
    chosen = _choose(scored, params.max_overlap, params.min_score)
    if params.kinds:
        chosen = [x for x in chosen if x[1].kind in params.kinds]
    if top is not None:
        chosen = chosen[:top]
    accounts = {str(data.nodes[v]) for _, c, _ in chosen for v in c.nodes()}
    persons = account_persons(engine, accounts)
    cols["amount"] = data.edges["amount"].array  # Decimal when read
    cols["file"] = data.edges["file"].tolist()
    cols["line"] = data.edges["line"].to_numpy()
    patterns = [_render(s, c, parts, data, persons, engine.tz, cols)
                for s, c, parts in chosen]
    out_params = {
        **data.params,
        "null": null.as_params(),
        "min_fan": MIN_FAN,
        "gather_scatter_structure": "the two sides' tails t_in, t_out combined as Fisher's "
                                    "method does: t (1 - ln t), t = t_in * t_out",
        "max_cycle": params.max_cycle,
        "max_overlap": params.max_overlap,
        "min_score": params.min_score,
        "candidates": len(found),
        "reported": len(patterns),
        "one_off": "a directed account pair with exactly one transfer in the window "
                   "and none back (a transfer and one back are a loan and its repayment: "
                   "two accounts that deal with each other)",
        "services": data.params["services"],
        "service_rule": "counterparts > service_counterparts_fence (Q3 + 3 IQR) and repeat "
                        "share >= service_regular_share (the case's median), or "
                        "log(1 + counterparts) > service_log_counterparts_fence, with a "
                        "business: a direction with more payers (payees) than "
                        "service_payers_fence (service_payees_fence), Q3 + 3 IQR of every "
                        "account's; its business is left out unless a transfer's amount is past "
                        "Q3 + service_unlike_business_k IQR of its business's log amounts "
                        "(then a spoke or a link, never the hub of a fan that way); "
                        "its transfers the other way are weighed like anyone's",
        "score": "log10 likelihood ratio: structure + rarity + time + amounts",
        "since": local_time(params.since, engine.tz),
        "until": local_time(params.until, engine.tz),
        "time_zone": engine.tz,
        "seconds": round(time.perf_counter() - started, 3),
        "seconds_sql": round(loaded - started, 3),
    }
    return {"patterns": patterns, "params": out_params}


def _choose(scored, max_overlap: float, min_score: float) -> list:
    """Best first; skip a pattern whose transfers are partly inside better ones."""
    claimed: set[int] = set()
    chosen = []
    for s, c, parts in scored:
        if s <= min_score:
            break
        inside = sum(1 for e in c.edges if e in claimed) / max(len(c.edges), 1)
        if inside > max_overlap:
            continue
        chosen.append((s, c, parts))
        claimed.update(c.edges)
    return chosen


def _render(s: float, c: Candidate, parts: dict, data: MoneyData, persons: dict[str, str],
            tz: str, cols: dict) -> dict:
    rows = sorted(c.edges, key=lambda r: (cols["ts"][r], r))
    name = {v: str(data.nodes[v]) for v in c.nodes()}
    accounts = [name[v] for v in c.nodes()]
    members = list(dict.fromkeys(persons.get(x, x) for x in accounts))
    totals: dict[str, Decimal] = {}
    transfers = []
    for r in rows:
        amount, cur = Decimal(cols["amount"][r]), str(cols["cur"][r])
        totals[cur] = totals.get(cur, Decimal(0)) + amount
        transfers.append({
            "from": str(data.nodes[cols["a"][r]]), "to": str(data.nodes[cols["b"][r]]),
            "amount": str(amount), "currency": cur, "at": render_time(cols["ts"][r], tz),
            "file": cols["file"][r], "line": int(cols["line"][r])})
    ts = np.asarray([cols["ts"][r] for r in rows], dtype=float)
    return {
        "kind": c.kind,
        "members": members,
        "accounts": accounts,
        "amount": {k: str(v) for k, v in sorted(totals.items())},
        "first": render_time(float(np.min(ts)), tz),
        "last": render_time(float(np.max(ts)), tz),
        "score": round(float(s), 6),
        "evidence": {
            **parts,
            "roles": {role: [name[int(v)] for v in ids] for role, ids in c.roles.items()},
            "shape": c.shape,
            "persons": {x: persons[x] for x in accounts if x in persons},
            "transfers": transfers,
        },
    }


def patterns_of_case(source, since=None, until=None) -> dict | None:
    """:func:`find_patterns` of the case's whole money for a ring search, or None when the
    case holds no transfer (``source`` as there: a store, connection or engine, Spark
    included)."""
    engine = as_engine(source)
    if not engine.fetch_rows("SELECT count(*) AS n FROM transactions")[0]["n"]:
        return None
    return find_patterns(engine, MoneyParams(since=since, until=until))
