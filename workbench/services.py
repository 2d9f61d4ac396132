"""Service numbers and accounts: told apart from busy people by behaviour and by records.

A taxi line, a carrier's service number, a courier line, the power company's account or an
employer paying salaries touches a large part of the population. Such a node would glue
unrelated people into one group, so the ring search gives its links no weight. Nothing is
removed: a service stays in the graph, in ``rank``, ``path`` and every view, marked as such.

A node is looked at only when it is **busy**: its distinct counterparts are a far outlier
of the case's own distribution (above ``Q3 + 3 x IQR`` of counterparts per number, and at
least 10). Degree alone never decides. Its behaviour gives up to four signals:

* ``one_way``: at least 90% of its calls (transfers) go one way;
* ``unrelated``: its counterparts are no more linked to each other than chance (link
  density among them at most twice the case's density);
* ``shallow``: it has fewer calls (transfers) per counterpart than the case's median pair;
* ``plain``: its calls are not ring-like (night and short shares at most 1.5 x the case's).

Records decide how many signals it takes: a node registered to a person who has arrests,
accounts with money or kin is a person and never a service; one registered to another known
person needs three signals; an unattributed one needs one in a case that has subscriber
records (every known subscriber is in the data, so an unknown busy number is an outside
service) and two in a numbers-only case. ``hub`` / ``not_hub`` overrides win over all.
"""

from __future__ import annotations

import logging

import duckdb

from .callsql import calls_aliased, window

__all__ = ["detect_services", "SERVICE_SIGNALS"]

log = logging.getLogger(__name__)

SERVICE_SIGNALS = ("one_way", "unrelated", "shallow", "plain")

_ONE_WAY = 0.9
_DENSITY_RATIO = 2.0
_RINGLIKE_RATIO = 1.5
_FLOOR = 10


def _edges_sql(kind: str, params) -> tuple[str, list]:
    """Directed contacts ``(x, y, t, out, night, short)`` of every number or account."""
    if kind == "phone":
        calls, args = calls_aliased(params)
        night = (f"(hour(started_at) >= {int(params.night_start)} OR "
                 f"hour(started_at) < {int(params.night_end)})")
        short = f"coalesce(duration_s, 0) <= {int(params.short_s)}"
        sql = (f"WITH c AS ({calls}) SELECT caller AS x, callee AS y, 1 AS out, "
               f"CAST({night} AS INTEGER) AS night, CAST({short} AS INTEGER) AS short "
               "FROM c WHERE caller <> callee UNION ALL SELECT callee, caller, 0, "
               f"CAST({night} AS INTEGER), CAST({short} AS INTEGER) FROM c "
               "WHERE caller <> callee")
        return sql, args
    wt, args = window("occurred_at", params)
    sql = (f"SELECT from_account AS x, to_account AS y, 1 AS out, 0 AS night, 0 AS short "
           f"FROM transactions WHERE {wt} AND from_account <> to_account UNION ALL "
           f"SELECT to_account, from_account, 0, 0, 0 FROM transactions WHERE {wt} "
           "AND from_account <> to_account")
    return sql, args + args


def _stats(con: duckdb.DuckDBPyConnection, kind: str, params) -> tuple[list[dict], dict]:
    edges, args = _edges_sql(kind, params)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _svc_e AS {edges}", args)
    con.execute("CREATE OR REPLACE TEMP TABLE _svc_pair AS SELECT x, y, count(*) AS n, "
                "sum(out) AS n_out, sum(night) AS n_night, sum(short) AS n_short "
                "FROM _svc_e GROUP BY x, y")
    case = con.execute(
        "WITH deg AS (SELECT x, count(*) AS k FROM _svc_pair GROUP BY x) SELECT "
        "(SELECT quantile_cont(k, 0.25) FROM deg), (SELECT quantile_cont(k, 0.75) FROM deg), "
        "(SELECT count(*) FROM deg), (SELECT count(*) / 2 FROM _svc_pair), "
        "(SELECT median(n) FROM _svc_pair), "
        "(SELECT sum(n_night) / nullif(sum(n), 0) FROM _svc_pair), "
        "(SELECT sum(n_short) / nullif(sum(n), 0) FROM _svc_pair)").fetchall()[0]
    q1, q3, nodes, pairs, median_pair, base_night, base_short = case
    if not nodes:
        return [], {"busy_threshold": None}
    threshold = max(_FLOOR, int(q3 + 3 * (q3 - q1)) + 1)
    density = pairs / max(1.0, nodes * (nodes - 1) / 2)
    info = {"busy_threshold": threshold, "case_density": round(float(density), 6),
            "median_per_pair": float(median_pair or 0), "night_share": float(base_night or 0),
            "short_share": float(base_short or 0)}
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _svc_busy AS SELECT x, count(*) AS k, sum(n) AS n, "
        "sum(n_out) AS n_out, sum(n_night) AS n_night, sum(n_short) AS n_short, "
        "median(n) AS per_counterpart FROM _svc_pair GROUP BY x HAVING count(*) >= ?",
        [threshold])
    rows = con.execute(
        "WITH cp AS (SELECT p.x, p.y FROM _svc_pair p JOIN _svc_busy b ON b.x = p.x), "
        "within AS (SELECT a.x, count(*) / 2 AS links FROM cp a "
        "  JOIN _svc_pair q ON q.x = a.y JOIN cp b ON b.x = a.x AND b.y = q.y "
        "  WHERE q.y <> a.x GROUP BY a.x) "
        "SELECT b.x, b.k, b.n, b.n_out, b.n_night, b.n_short, b.per_counterpart, "
        "coalesce(w.links, 0) FROM _svc_busy b LEFT JOIN within w ON w.x = b.x ORDER BY b.x"
    ).fetchall()
    out = []
    for x, k, n, n_out, n_night, n_short, per_cp, links in rows:
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
        out.append({"kind": kind, "id": x, "counterparts": int(k), "contacts": int(n),
                    "one_way_share": round(max(n_out, n - n_out) / n, 3),
                    "density_ratio": round(float(ratio), 3),
                    "per_counterpart": float(per_cp), "signals": signals})
    return out, info


def _owners(con: duckdb.DuckDBPyConnection, kind: str, ids: list[str]) -> dict[str, dict]:
    """Known persons registered to each id, and whether any has arrests, money or kin."""
    if not ids:
        return {}
    table = "_own_phones" if kind == "phone" else "_own_accounts"
    rows = con.execute(
        f"SELECT o.id, o.person_id, "
        "EXISTS (SELECT 1 FROM arrests a WHERE a.person_id = o.person_id) AS arrests, "
        "EXISTS (SELECT 1 FROM accounts ac JOIN transactions t ON t.from_account = "
        "  ac.account_id OR t.to_account = ac.account_id WHERE ac.person_id = o.person_id) "
        "  AS money, "
        "EXISTS (SELECT 1 FROM kinship k WHERE k.person_a = o.person_id "
        "  OR k.person_b = o.person_id) AS kin "
        f"FROM {table} o JOIN persons p ON p.person_id = o.person_id "
        "WHERE o.id IN (SELECT unnest(?)) ORDER BY o.id, o.person_id", [ids]).fetchall()
    out: dict[str, dict] = {}
    for i, pid, arrests, money, kin in rows:
        entry = out.setdefault(i, {"persons": [], "records": []})
        entry["persons"].append(pid)
        entry["records"] += [r for r, flag in (("arrests", arrests), ("money", money),
                                                ("kin", kin)) if flag]
    return out


def detect_services(con: duckdb.DuckDBPyConnection, params) -> tuple[list[dict], dict]:
    """Flag service numbers and accounts (see the module docstring).

    Needs the owner tables ``_own_phones`` / ``_own_accounts`` in ``con``; creates the
    temp table ``_services (kind, id)``. Returns ``(flagged, info)``: each flagged node with
    its counterparts, signals and a ``reason`` in words; ``info`` holds the thresholds
    derived from the case and every busy node looked at.
    """
    subscribers = con.execute("SELECT count(*) FROM phones").fetchall()[0][0] > 0
    forced = set(getattr(params, "hubs", ()) or ())
    never = set(getattr(params, "not_hubs", ()) or ())
    flagged, info = [], {"busy": []}
    for kind in ("phone", "account"):
        stats, kinfo = _stats(con, kind, params)
        info[kind] = kinfo
        owners = _owners(con, kind, [s["id"] for s in stats])
        for s in stats:
            owner = owners.get(s["id"])
            n_signals = sum(s["signals"].values())
            names = [k for k, v in s["signals"].items() if v]
            if owner and owner["records"]:
                need, why = None, (f"registered to {','.join(owner['persons'])} who has "
                                   f"{'/'.join(sorted(set(owner['records'])))}")
            elif owner:
                need, why = 3, f"registered to {','.join(owner['persons'])}"
            elif subscribers or kind == "account":
                need, why = 1, "registered to no known person"
            else:
                need, why = 2, "numbers-only case"
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
            present = con.execute("SELECT count(*) FROM _svc_pair WHERE x = ?", [x]).fetchall()
            if present[0][0]:
                flagged.append({"kind": kind, "id": x, "counterparts": None, "signals": {},
                                "owner": None, "service": True,
                                "reason": "marked a service by the user (--hub)"})
    con.execute("CREATE OR REPLACE TEMP TABLE _services (kind VARCHAR, id VARCHAR)")
    if flagged:
        con.executemany("INSERT INTO _services VALUES (?, ?)",
                        [[s["kind"], s["id"]] for s in flagged])
    flagged.sort(key=lambda s: (-(s["counterparts"] or 0), s["kind"], s["id"]))
    if flagged:
        log.info("%d service numbers/accounts down-weighted for grouping", len(flagged))
    return flagged, info
