"""The co-presence layer: people together at a hotel, a venue, on a train, on a cell.

:func:`build_copresence` makes the temporary table ``_l_copresence`` of node pairs
``(u, v)``, ``u < v``, with the layer's measures, scored against chance:

* **Meetings** are joined per place and time slot, never per place alone: a hotel night,
  a train on one day, or a venue / cell time bucket paired with itself and the next bucket
  (a band join, ``|t_a - t_b| <= window``). Memory grows with the people present per slot.
* **Chance**, per place and hour of the day (venues and cells; a habit of going at 10 p.m.
  is not a link): under independence a person's presences at a place fall on its slots in
  proportion to the slot's traffic, so two people with ``c_u`` and ``c_v`` presences at a
  place meet there ``c_u c_v / T`` times by chance, ``T = N^2 / sum(n_s^2)`` (``n_s``
  people in slot ``s``, ``N = sum(n_s)``): busy places and busy times expect more.
  ``expected`` sums this over the places where they met (places both visited without
  meeting add nothing to the score, and joining every pair with every shared place costs
  far more). ``surprise`` sums, per place they met at, ``-log10 P(X >= k)`` for
  ``X ~ Poisson(expected there)`` and ``k`` meetings there,
  plus ``-log10(a / n_s)`` per meeting in the same or an adjacent room (``a = 3``) or seat
  (``a = 2``): meetings spread over varied places add up, repeats at one haunt barely do.
* **Look-alikes**: a meeting at a venue where one of the two is staff (seen on most of its
  check days), or on a weekday daytime trip (coworkers travelling), counts in ``surprise``
  but not in ``weight``; a pair whose weight is under half its surprise is marked
  ``lookalike`` (``staff`` or ``business``) and its weight is 0.
* Band meetings (venues, cells) expect ``1.5`` times as many chance meetings as one bucket
  gives: a meeting may straddle two buckets.

:func:`together` answers "who was with X (at place Y)" with both records; and
:func:`copresence_records` lists the records behind the links among a set of people.
"""

from __future__ import annotations

import logging
import math
import time

import duckdb
import numpy as np
import pyarrow as pa

from ..errors import WorkbenchError
from .presence import (
    ADJACENT_SQL,
    BAND_SOURCES,
    CoPresenceParams,
    adjacent_sql,
    derive_windows,
    events_sql,
    position_parts,
)

__all__ = ["CoPresenceParams", "build_copresence", "copresence_records", "together",
           "poisson_surprise", "COPRESENCE_COLUMNS"]

log = logging.getLogger(__name__)

#: columns of ``_l_copresence``
COPRESENCE_COLUMNS = ("u", "v", "n_meet", "n_places", "expected", "surprise", "weight",
                      "n_hotel", "n_room_adjacent", "n_venue", "n_trip", "n_seat_adjacent",
                      "n_cell", "n_staff", "n_business", "lookalike", "first_at", "last_at")

_ADJ_POSITIONS = {"stay": 3.0, "trip": 2.0}
#: a band-joined meeting may fall in the same or the next time bucket
_BAND_FACTOR = 1.5


def poisson_surprise(k, lam) -> np.ndarray:
    """``-log10 P(X >= k)`` for ``X ~ Poisson(lam)``, elementwise; 0 where ``k < 1``.

    Examples
    --------
    >>> [round(float(x), 3) for x in poisson_surprise([0, 1, 2, 1], [1.0, 1.0, 0.01, 50])]
    [0.0, 0.199, 4.304, 0.0]
    """
    k = np.asarray(k, dtype=np.int64)
    lam = np.maximum(np.asarray(lam, dtype=np.float64), 1e-12)
    out = np.zeros(len(k))
    kmax = int(k.max()) if len(k) else 0
    lgam = np.array([math.lgamma(i + 1) for i in range(kmax + 62)])
    log_lam = np.log(lam)
    upper = (k >= 1) & (lam < k)
    if upper.any():  # the upper tail as a series: sum_{i=k}^{k+60} p(i), in log space
        ku, lu, llu = k[upper], lam[upper], log_lam[upper]
        acc = np.full(len(ku), -np.inf)
        for j in range(61):
            i = ku + j
            acc = np.logaddexp(acc, i * llu - lu - lgam[i])
        out[upper] = -acc / math.log(10)
    lower = (k >= 1) & ~upper
    if lower.any():  # 1 - P(X < k): at least about one half, no cancellation trouble
        kl, ll, lll = k[lower], lam[lower], log_lam[lower]
        cdf = np.zeros(len(kl))
        for i in range(int(kl.max())):
            m = i < kl
            cdf[m] += np.exp(i * lll[m] - ll[m] - lgam[i])
        out[lower] = -np.log10(np.clip(1.0 - cdf, 1e-300, 1.0))
    return np.maximum(out, 0.0)


def _events(con, windows, cp, params) -> None:
    """``_cp_ev``: events with parsed positions (room number and floor; coach, row and seat
    letter) and whether their slot is crowded; ``_cp_slot``: head count per slot."""
    sql, args = events_sql(windows, cp, getattr(params, "since", None),
                           getattr(params, "until", None))
    parts = position_parts()
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _cp_ev0 AS SELECT *, {parts['num']} AS p_num, "
        f"{parts['grp']} AS p_grp, {parts['let']} AS p_let "
        f"FROM (SELECT DISTINCT * FROM ({sql}) WHERE node IS NOT NULL)", args)
    # nodes and places as integers (in name order) for the joins; names come back at the end
    con.execute("CREATE OR REPLACE TEMP TABLE _cp_node AS SELECT node AS name, "
                "CAST(row_number() OVER (ORDER BY node) AS INTEGER) AS id "
                "FROM (SELECT DISTINCT node FROM _cp_ev0)")
    con.execute("CREATE OR REPLACE TEMP TABLE _cp_ev1 AS SELECT e.* EXCLUDE (node, place), "
                "nd.id AS node, pl.id AS place FROM _cp_ev0 e "
                "JOIN _cp_node nd ON nd.name = e.node JOIN (SELECT src, place AS name, "
                "CAST(row_number() OVER (ORDER BY src, place) AS INTEGER) AS id FROM "
                "(SELECT DISTINCT src, place FROM _cp_ev0)) pl ON pl.src = e.src "
                "AND pl.name = e.place")
    con.execute("CREATE OR REPLACE TEMP TABLE _cp_slot AS SELECT src, place, slot, "
                "count(DISTINCT node) AS n, CASE WHEN src IN ('visit', 'cell') THEN "
                "hour(min(t)) ELSE 0 END AS hod FROM _cp_ev1 GROUP BY src, place, slot")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _cp_ev AS SELECT e.*, sl.n > ? AS crowded, sl.hod, "
        "e.src <> 'stay' OR e.slot = CAST(e.t AS DATE) - DATE '1970-01-01' AS first, "
        "CASE e.src WHEN 'stay' THEN CAST(e.p_num // 100 AS VARCHAR) WHEN 'trip' THEN "
        "e.p_grp || '/' || e.p_num END AS p_key FROM _cp_ev1 e "
        "JOIN _cp_slot sl USING (src, place, slot)", [cp.crowd_max])
    con.execute("DROP TABLE _cp_ev0")
    con.execute("DROP TABLE _cp_ev1")


#: adjacency over the parsed columns of ``_cp_ev`` (the same rule as the records')
_ADJACENT = adjacent_sql(*({"src": f"{x}.src", "pos": f"{x}.pos", "num": f"{x}.p_num",
                            "grp": f"{x}.p_grp", "let": f"{x}.p_let"} for x in ("a", "b")))


def _meetings(con, windows: dict) -> None:
    """``_cp_meet``: one row per meeting: a pair at a place in one slot (venues, trains,
    cells), or one pair of overlapping stays (however many nights they share).

    Slots up to ``crowd_max`` people pair everyone (a band join for venues and cells: each
    bucket with itself and the next); crowded slots pair only neighbours (same floor, same
    coach row) of hotels and trains, and nobody at venues and cells."""
    band = {"visit": windows["venue_window_min"] * 60, "cell": windows["cell_window_min"] * 60}
    pair = ("SELECT least(a.node, b.node) AS u, greatest(a.node, b.node) AS v, a.src, a.place, "
            f"least(a.slot, b.slot) AS slot, greatest(a.t, b.t) AS t, {_ADJACENT} AS adj, "
            "(a.src = 'trip' AND isodow(a.t) <= 5 AND hour(a.t) >= ? AND hour(a.t) < ?) "
            "AS workday ")
    # a pair of stays overlaps once: on the first night of the later one (b)
    order = ("CASE WHEN a.src = 'stay' THEN a.t < b.t OR (a.t = b.t AND a.node < b.node) "
             "ELSE a.node < b.node OR (b.shift = 1 AND a.node <> b.node) END")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _cp_meet AS SELECT u, v, src, place, slot, "
        "min(t) AS t, bool_or(adj) AS adj, bool_and(workday) AS workday FROM ("
        f"{pair} FROM (SELECT * FROM _cp_ev WHERE NOT crowded) a "
        "JOIN (SELECT *, slot AS k, 0 AS shift FROM _cp_ev WHERE NOT crowded AND first "
        "UNION ALL SELECT *, slot - 1 AS k, 1 AS shift FROM _cp_ev WHERE NOT crowded "
        "AND src IN ('visit', 'cell')) b "
        f"ON a.src = b.src AND a.place = b.place AND a.slot = b.k AND a.node <> b.node "
        f"WHERE {order} AND (b.shift = 0 AND a.src NOT IN ('visit', 'cell') "
        "OR abs(epoch(a.t) - epoch(b.t)) <= CASE a.src WHEN 'visit' THEN ? ELSE ? END) "
        f"UNION ALL {pair} FROM (SELECT * FROM _cp_ev WHERE crowded AND p_key IS NOT NULL) a "
        "JOIN (SELECT *, 0 AS shift FROM _cp_ev WHERE crowded AND p_key IS NOT NULL AND first) b "
        "ON a.src = b.src AND a.place = b.place AND a.slot = b.slot AND a.p_key = b.p_key "
        f"AND a.node <> b.node WHERE {order} AND {_ADJACENT}) "
        "GROUP BY u, v, src, place, slot",
        [*windows["work_hours"], band["visit"], band["cell"], *windows["work_hours"]],
    )


def build_copresence(con: duckdb.DuckDBPyConnection, params=None,
                     cp: CoPresenceParams | None = None) -> dict:
    """Build ``_l_copresence`` (columns :data:`COPRESENCE_COLUMNS`) in ``con``.

    Parameters
    ----------
    con : duckdb connection
        An open case store.
    params : workbench.links.LinkParams, optional
        Only its ``since`` / ``until`` window is read.
    cp : CoPresenceParams, optional
        Windows and look-alike rules; windows left ``None`` derive from the data.

    Returns
    -------
    dict
        ``params`` (the co-presence parameters, windows as used and how they were chosen),
        ``pairs``, ``events`` per source, ``lookalikes`` per kind, ``seconds``.
    """
    cp = cp or CoPresenceParams()
    t0 = time.perf_counter()
    windows = derive_windows(con, cp)
    windows["work_hours"] = list(cp.work_hours)
    _events(con, windows, cp, params)
    _meetings(con, windows)
    # per place: traffic and the effective number of slots; per node and place: presences
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _cp_place AS SELECT src, place, hod, "
        "sum(n) * sum(n) / sum(n * n) AS t_eff FROM _cp_slot GROUP BY ALL")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _cp_cnt AS SELECT node, src, place, hod, "
        "count(DISTINCT slot) AS c FROM _cp_ev GROUP BY ALL")
    # staff: seen on most check days of a venue
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _cp_staff AS WITH d AS (SELECT node, place, "
        "CAST(t AS DATE) AS day FROM _cp_ev WHERE src = 'visit'), "
        "pd AS (SELECT place, count(DISTINCT day) AS days FROM d GROUP BY place) "
        "SELECT d.node, d.place FROM d JOIN pd USING (place) GROUP BY d.node, d.place, "
        "pd.days HAVING count(DISTINCT d.day) >= greatest(?, ? * pd.days)",
        [cp.staff_min_days, cp.staff_share])
    # each meeting: its slot's head count, whether it is a look-alike meeting (at a venue
    # where one of the two is staff, or a weekday daytime trip)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _cp_m AS SELECT m.*, sl.n, sl.hod, "
        "(st_u.node IS NOT NULL OR st_v.node IS NOT NULL) AS at_staff FROM _cp_meet m "
        "JOIN _cp_slot sl USING (src, place, slot) "
        "LEFT JOIN _cp_staff st_u ON m.src = 'visit' AND st_u.node = m.u AND st_u.place = m.place "
        "LEFT JOIN _cp_staff st_v ON m.src = 'visit' AND st_v.node = m.v AND st_v.place = m.place")
    factor = " + ".join(f"CASE WHEN met.src = '{s}' THEN {_BAND_FACTOR - 1} ELSE 0 END"
                        for s in BAND_SOURCES)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _cp_lam AS WITH met AS (SELECT u, v, src, place, hod, "
        "count(*) AS k, bool_and(at_staff OR workday) AS look FROM _cp_m GROUP BY ALL) "
        f"SELECT met.*, coalesce(x.c, 1) * coalesce(y.c, 1) * (1.0 + {factor}) / pl.t_eff "
        "AS lam FROM met "  # a meeting across an hour boundary: one side from the next hour
        "LEFT JOIN _cp_cnt x ON x.node = met.u AND x.src = met.src AND x.place = met.place "
        "AND x.hod = met.hod "
        "LEFT JOIN _cp_cnt y ON y.node = met.v AND y.src = met.src AND y.place = met.place "
        "AND y.hod = met.hod "
        "JOIN _cp_place pl ON pl.src = met.src AND pl.place = met.place AND pl.hod = met.hod")
    # per pair, summed in numpy in a fixed order (a parallel SQL sum adds in any order, and
    # the meeting strengths are compared with thresholds: the same data, the same floats)
    lam = con.execute("SELECT u, v, k, lam, look FROM _cp_lam WHERE k > 0 "
                      "ORDER BY u, v, src, place, hod").fetchnumpy()
    s = poisson_surprise(lam["k"], lam["lam"])
    pu, pv = np.asarray(lam["u"], dtype=np.int64), np.asarray(lam["v"], dtype=np.int64)
    first = np.flatnonzero(np.r_[True, (pu[1:] != pu[:-1]) | (pv[1:] != pv[:-1])]) \
        if len(pu) else np.zeros(0, dtype=np.int64)
    look = np.asarray(lam["look"], dtype=bool)
    total = np.add.reduceat(s, first) if len(first) else np.zeros(0)
    real = np.add.reduceat(np.where(look, 0.0, s), first) if len(first) else np.zeros(0)
    con.register("_cp_s_src", pa.table({"u": pa.array(pu[first], pa.int32()),
                                        "v": pa.array(pv[first], pa.int32()),
                                        "s": pa.array(total), "s_real": pa.array(real)}))
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _cp_s AS SELECT u, v, s, s_real "
                    "FROM _cp_s_src")
    finally:
        con.unregister("_cp_s_src")
    adj_cases = " ".join(f"WHEN '{k}' THEN {a}" for k, a in _ADJ_POSITIONS.items())
    adj = f"-log10(least(1.0, (CASE src {adj_cases} ELSE 1.0 END) / n))"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _l_copresence AS WITH agg AS (SELECT u, v, "
        "count(*) AS n_meet, "
        "count(*) FILTER (src = 'stay') AS n_hotel, "
        "count(*) FILTER (src = 'stay' AND adj) AS n_room_adjacent, "
        "count(*) FILTER (src = 'visit') AS n_venue, count(*) FILTER (src = 'trip') AS n_trip, "
        "count(*) FILTER (src = 'trip' AND adj) AS n_seat_adjacent, "
        "count(*) FILTER (src = 'cell') AS n_cell, count(*) FILTER (at_staff) AS n_staff, "
        "count(*) FILTER (workday) AS n_business, "
        f"coalesce(sum({adj}) FILTER (adj), 0) AS adj_s, "
        f"coalesce(sum({adj}) FILTER (adj AND NOT (at_staff OR workday)), 0) AS adj_real, "
        "min(t) AS first_at, max(t) AS last_at FROM _cp_m GROUP BY u, v), "
        "sc AS (SELECT agg.*, e.expected, e.n_places, "
        "round(coalesce(s.s, 0) + adj_s, 6) AS surprise, "
        "round(coalesce(s.s_real, 0) + adj_real, 6) AS real FROM agg "
        "JOIN (SELECT u, v, round(sum(lam), 6) AS expected, count(*) AS n_places "
        "FROM _cp_lam GROUP BY u, v) e "
        "USING (u, v) LEFT JOIN _cp_s s USING (u, v)) "
        "SELECT nu.name AS u, nv.name AS v, n_meet, n_places, expected, surprise, "
        "CASE WHEN real < 0.5 * surprise THEN 0 ELSE real END AS weight, "
        "n_hotel, n_room_adjacent, n_venue, n_trip, n_seat_adjacent, n_cell, n_staff, "
        "n_business, CASE WHEN real < 0.5 * surprise THEN CASE WHEN n_staff >= n_business "
        "THEN 'staff' ELSE 'business' END END AS lookalike, first_at, last_at FROM sc "
        "JOIN _cp_node nu ON nu.id = sc.u JOIN _cp_node nv ON nv.id = sc.v "
        "ORDER BY sc.u, sc.v")
    info = _summary(con, cp, windows)
    info["seconds"] = round(time.perf_counter() - t0, 3)
    for table in ("_cp_slot", "_cp_place", "_cp_cnt", "_cp_staff", "_cp_lam", "_cp_s",
                  "_cp_m", "_cp_meet", "_cp_ev", "_cp_node"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    log.info("co-presence: %d pairs from %s in %.2fs", info["pairs"], info["events"],
             info["seconds"])
    return info


def _summary(con, cp: CoPresenceParams, windows: dict) -> dict:
    events = dict(con.execute("SELECT src, count(*) FROM _cp_ev GROUP BY src ORDER BY src"
                              ).fetchall())
    looks = dict(con.execute("SELECT lookalike, count(*) FROM _l_copresence WHERE lookalike "
                             "IS NOT NULL GROUP BY ALL ORDER BY 1").fetchall())
    pairs = con.execute("SELECT count(*) FROM _l_copresence").fetchall()[0][0]
    staff = con.execute("SELECT count(*) FROM _cp_staff").fetchall()[0][0]
    params = cp.as_dict()
    params.update({k: v for k, v in windows.items() if k != "work_hours"})
    return {"params": params, "pairs": pairs, "events": events, "lookalikes": looks,
            "staff": staff}


def together(con: duckdb.DuckDBPyConnection, person: str, place: str | None = None,
             params=None, cp: CoPresenceParams | None = None, limit: int = 5000):
    """Who was with ``person`` (at ``place``: a hotel, venue, service or cell id), with
    both records: a DataFrame ``other, kind, place, time, other_time, pos, other_pos, adjacent,
    file, line, other_file, other_line``, earliest first."""
    if not person:
        raise WorkbenchError("together needs a person")
    cp = cp or CoPresenceParams()
    windows = derive_windows(con, cp)
    sql, args = events_sql(windows, cp, getattr(params, "since", None),
                           getattr(params, "until", None))
    band = {"visit": windows["venue_window_min"] * 60, "cell": windows["cell_window_min"] * 60}
    where_place = "AND a.place = ?" if place is not None else ""
    return con.execute(
        f"WITH ev AS (SELECT DISTINCT * FROM ({sql}) WHERE node IS NOT NULL) "
        "SELECT DISTINCT b.node AS other, a.src AS kind, a.place, a.t AS time, b.t AS other_time, "
        f"a.pos, b.pos AS other_pos, {ADJACENT_SQL} AS adjacent, "
        "sa.file, a._line AS line, sb.file AS other_file, b._line AS other_line "
        "FROM ev a JOIN ev b ON a.src = b.src AND a.place = b.place AND a.node <> b.node "
        "AND (CASE WHEN a.src IN ('visit', 'cell') THEN abs(epoch(a.t) - epoch(b.t)) <= "
        "CASE a.src WHEN 'visit' THEN ? ELSE ? END ELSE a.slot = b.slot END) "
        "JOIN sources sa ON sa.source_id = a._source JOIN sources sb ON sb.source_id = b._source "
        f"WHERE a.node = ? {where_place} "
        "ORDER BY time, kind, place, other, file, line, other_file, other_line LIMIT ?",
        [*args, band["visit"], band["cell"], person,
         *([place] if place is not None else []), limit],
    ).df()


def copresence_records(con: duckdb.DuckDBPyConnection, persons: list[str], params=None,
                       limit: int = 5000, cp: CoPresenceParams | None = None) -> dict:
    """The stays, visits, trips and call cells behind co-presence among ``persons``.

    Returns ``{"stays", "visits", "trips", "cells"}``: DataFrames of meetings, one row per
    pair of records (``person, other, place, time, other_time, pos, other_pos, adjacent, file,
    line, other_file, other_line``), each pair once (``person < other``), newest first.
    """
    cp = cp or CoPresenceParams()
    ids = sorted(set(persons))
    windows = derive_windows(con, cp)
    sql, args = events_sql(windows, cp, getattr(params, "since", None),
                           getattr(params, "until", None))
    band = {"visit": windows["venue_window_min"] * 60, "cell": windows["cell_window_min"] * 60}
    out = {}
    for name, src in (("stays", "stay"), ("visits", "visit"), ("trips", "trip"),
                      ("cells", "cell")):
        out[name] = con.execute(
            f"WITH ev AS (SELECT DISTINCT * FROM ({sql}) WHERE node IN (SELECT unnest(?)) "
            "AND src = ?) "
            "SELECT DISTINCT a.node AS person, b.node AS other, a.place, a.t AS time, "
            "b.t AS other_time, "
            f"a.pos, b.pos AS other_pos, {ADJACENT_SQL} AS adjacent, "
            "sa.file, a._line AS line, sb.file AS other_file, b._line AS other_line "
            "FROM ev a JOIN ev b ON a.place = b.place AND a.node < b.node "
            "AND (CASE WHEN a.src IN ('visit', 'cell') THEN abs(epoch(a.t) - epoch(b.t)) <= "
            "CASE a.src WHEN 'visit' THEN ? ELSE ? END ELSE a.slot = b.slot END) "
            "JOIN sources sa ON sa.source_id = a._source "
            "JOIN sources sb ON sb.source_id = b._source "
            "ORDER BY time DESC, person, other, file, line, other_file, other_line LIMIT ?",
            [*args, ids, src, band["visit"], band["cell"], limit],
        ).df()
    return out
