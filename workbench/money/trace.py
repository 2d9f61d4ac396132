"""Follow money from an account forward (or back) in time order.

Each next hop must happen after the hop that brought the money (before it, going back),
inside the window. From every account the trace takes, per counterpart, the first transfer
after the money arrived (the last one before it left, going back), the soonest first, at
most ``max_branch`` of them. Service-like accounts (the same data-derived rule as the
pattern search) end a branch, and so does an account already on the branch (money that
came back round).

Examples
--------
>>> import tempfile, os
>>> from workbench.store import Store
>>> with Store(os.path.join(tempfile.mkdtemp(), "c.duckdb")) as store:
...     trace(store, "6222000011112222")
Traceback (most recent call last):
...
workbench.errors.WorkbenchError: no account '6222000011112222' in this case's transactions
"""

from __future__ import annotations

import logging
from decimal import Decimal

from ..contract import file_name
from ..engine import as_engine
from ..errors import WorkbenchError
from .data import stage
from .patterns import account_persons, local_time, render_time

__all__ = ["trace"]

log = logging.getLogger(__name__)

_STEP = (
    "SELECT t.a, t.b, t.amount, t.cur, t.ts, s.file, t._line AS line, p.n "
    "FROM {t} t JOIN {p} p ON p.a = t.a AND p.b = t.b "
    "LEFT JOIN sources s ON s.source_id = t._source "
    "WHERE t.{end} IN (SELECT unnest(?)) ORDER BY t.ts, t.a, t.b, t._line"
)


def trace(source, account: str, *, back: bool = False, since=None, until=None,
          max_hops: int = 4, max_branch: int = 8, max_total: int = 2000) -> dict:
    """The money from (or, with ``back``, to) ``account``, hop by hop in time order.

    Parameters
    ----------
    source : Store, engine or DuckDB connection
        The case.
    account : str
        Where to start.
    back : bool
        Follow where the money came from instead of where it went.
    since, until : datetime or None
        The window (the case's period by default).
    max_hops : int
        Longest chain.
    max_branch : int
        Most counterparts followed from one account.
    max_total : int
        Most hops reported (the trace stops there, and says so).

    Returns
    -------
    dict
        ``{"account", "direction", "hops": [{"id", "parent", "depth", "from", "to",
        "amount", "currency", "at", "file", "line", "pair_transfers", "service",
        "returns"}], "persons", "params"}``; a hop's ``parent`` is the hop that brought
        the money (took it on, going back), ``None`` for the first.

    Examples
    --------
    >>> import tempfile, os
    >>> from workbench.store import Store
    >>> with Store(os.path.join(tempfile.mkdtemp(), "c.duckdb")) as store:
    ...     trace(store, "6222000011112222", back=True)
    Traceback (most recent call last):
    ...
    workbench.errors.WorkbenchError: no account '6222000011112222' in this case's transactions
    """
    if max_hops < 1 or max_branch < 1:
        raise WorkbenchError("max_hops and max_branch must be at least 1")
    engine = as_engine(source)
    account = str(account).strip()
    known = engine.scalar("SELECT count(*) FROM transactions WHERE from_account = ? "
                          "OR to_account = ?", [account, account])
    if not known:
        raise WorkbenchError(f"no account {account!r} in this case's transactions")
    handles, fences = stage(engine, since=since, until=until)
    services = set(fences["services"])
    hops: list[dict] = []
    truncated = False
    try:
        near, far = ("b", "a") if back else ("a", "b")
        # frontier: (account, time the money was there, hop id, accounts on the branch)
        frontier = [(account, None, None, frozenset([account]))]
        for depth in range(max_hops):
            if not frontier:
                break
            rows = engine.fetch_rows(
                _STEP.format(t=handles["t"], p=handles["p"], end=near),
                [sorted({f[0] for f in frontier})])
            by_end: dict[str, list[dict]] = {}
            for r in rows:
                by_end.setdefault(str(r[near]), []).append(r)
            nxt = []
            for acct, when, parent, branch in frontier:
                for r in _next(by_end.get(acct, []), when, back, far, max_branch):
                    if len(hops) >= max_total:
                        truncated = True
                        break
                    other = str(r[far])
                    hop = {"id": len(hops), "parent": parent, "depth": depth + 1,
                           "from": str(r["a"]), "to": str(r["b"]),
                           "amount": str(Decimal(r["amount"])), "currency": r["cur"],
                           "at": render_time(r["ts"], engine.tz), "_ts": float(r["ts"]),
                           "file": file_name(r["file"]) if r["file"] else r["file"],
                           "line": int(r["line"]),
                           "pair_transfers": int(r["n"]), "service": other in services,
                           "returns": other in branch}
                    hops.append(hop)
                    if not hop["service"] and not hop["returns"]:
                        nxt.append((other, float(r["ts"]), hop["id"], branch | {other}))
            frontier = nxt
    finally:
        for h in handles.values():
            engine.drop(h)
    if truncated:
        log.warning("money trace: stopped at %d hops", max_total)
    for h in hops:
        del h["_ts"]
    accounts = {account} | {h["from"] for h in hops} | {h["to"] for h in hops}
    return {"account": account, "direction": "back" if back else "forward", "hops": hops,
            "persons": account_persons(engine, accounts),
            "params": {"max_hops": max_hops, "max_branch": max_branch, "max_total": max_total,
                       "truncated": truncated, "services": sorted(services & accounts),
                       "time_zone": engine.tz,
                       "since": local_time(since, engine.tz),
                       "until": local_time(until, engine.tz)}}


def _next(rows: list[dict], when: float | None, back: bool, far: str, limit: int) -> list:
    """Per counterpart the first transfer after ``when`` (last before it, going back),
    soonest first, at most ``limit``."""
    best: dict[str, dict] = {}
    for r in rows:
        ts = float(r["ts"])
        if when is not None and (ts >= when if back else ts <= when):
            continue
        key = str(r[far])
        have = best.get(key)
        if have is None or (ts > float(have["ts"]) if back else ts < float(have["ts"])):
            best[key] = r
    chosen = sorted(best.values(), key=lambda r: (abs(float(r["ts"]) - when)
                                                  if when is not None else 0.0,
                                                  float(r["ts"]), str(r[far])))
    return sorted(chosen[:limit], key=lambda r: (float(r["ts"]), str(r[far])))
