"""Presence events: who was where and when, from stays, visits, trips and call cells.

One relation of events, each ``(node, src, place, slot, t, pos, _source, _line)``:

* ``stay``: one row per guest per night at a hotel (``slot`` = local day number);
* ``visit``: a sighting at a venue (``slot`` = time bucket of the venue window);
* ``trip``: a ticket (``place`` = service, ``slot`` = local day number of departure);
* ``cell``: the caller's cell of a call (``slot`` = time bucket of the cell window),
  for numbers that belong to a person.

Node ids: the resolved ``person_id`` of the row (:mod:`workbench.identity`: a person known
only by a valid ID number has that number as id); unresolved rows make no events.
Windows derive from the data (:func:`derive_windows`) unless set.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass

import duckdb

from .owners import PHONE_OWNERS, window_between

__all__ = ["CoPresenceParams", "derive_windows", "events_sql", "BAND_SOURCES", "SOURCES"]

log = logging.getLogger(__name__)

SOURCES = ("stay", "visit", "trip", "cell")
#: sources paired within a time window (adjacent buckets); the others by equal slot
BAND_SOURCES = ("visit", "cell")


@dataclass(frozen=True)
class CoPresenceParams:
    """How presence records become co-presence links; recorded with every result.

    Parameters
    ----------
    venue_window_min, cell_window_min : int or None
        Two sightings at one venue (one cell) this many minutes apart or less are together.
        ``None``: derived from the data (:func:`derive_windows`).
    max_stay_nights : int
        A stay counts at most this many nights (longer ones are residents, not guests).
    staff_share, staff_min_days : float, int
        A person seen on at least ``staff_share`` of a venue's check days, and on at least
        ``staff_min_days`` days, is its staff: meetings there are look-alikes.
    work_hours : tuple of int
        Departures on weekdays within these local hours are business trips; a pair that
        only travels together on them is a look-alike (coworkers).
    cells : bool
        Use ``calls.cell_id`` as presence.
    crowd_max : int
        A slot (a hotel night, a train on one day, a venue or cell time bucket) with more
        people than this pairs only neighbours (same or adjacent room, seat): in a crowd,
        being there together says nothing, and pairing everyone costs quadratic memory.
    """

    venue_window_min: int | None = None
    cell_window_min: int | None = None
    max_stay_nights: int = 31
    staff_share: float = 0.6
    staff_min_days: int = 3
    work_hours: tuple[int, int] = (7, 19)
    cells: bool = True
    crowd_max: int = 40

    def as_dict(self) -> dict:
        d = asdict(self)
        d["work_hours"] = list(self.work_hours)
        return d


def _gap_window(con: duckdb.DuckDBPyConnection, sql: str, lo: int, hi: int,
                default: int) -> tuple[int, str]:
    """Twice the median gap (of those under 3 hours) between consecutive events at one
    place, clamped to ``[lo, hi]`` minutes: the spacing of sightings in one check or one
    busy hour."""
    row = con.execute(
        f"SELECT quantile_cont(gap, 0.5), count(*) FROM (SELECT epoch(t) - epoch(lag(t) "
        f"OVER (PARTITION BY place ORDER BY t)) AS gap FROM ({sql})) "
        "WHERE gap > 0 AND gap <= 10800"
    ).fetchall()[0]
    if not row[1] or row[0] is None:
        return default, "default (no data)"
    minutes = int(round(2 * float(row[0]) / 60))
    return max(lo, min(hi, minutes)), f"2 x median of {row[1]} gaps under 3 h"


def derive_windows(con: duckdb.DuckDBPyConnection, cp: CoPresenceParams) -> dict:
    """The venue and cell windows in minutes, and how each was chosen."""
    out = {}
    if cp.venue_window_min is not None:
        out["venue_window_min"], out["venue_window_from"] = cp.venue_window_min, "set"
    else:
        out["venue_window_min"], out["venue_window_from"] = _gap_window(
            con, "SELECT place_id AS place, seen_at AS t FROM visits", 15, 120, 60)
    if cp.cell_window_min is not None:
        out["cell_window_min"], out["cell_window_from"] = cp.cell_window_min, "set"
    else:
        out["cell_window_min"], out["cell_window_from"] = _gap_window(
            con, "SELECT cell_id AS place, started_at AS t FROM calls WHERE cell_id IS NOT NULL",
            10, 60, 30)
    return out


_NODE = "r.person_id"
_IDMAP = ""


def events_sql(windows: dict, cp: CoPresenceParams, since: dt.datetime | None = None,
               until: dt.datetime | None = None,
               sources: tuple[str, ...] = SOURCES) -> tuple[str, list]:
    """SQL of the presence events (see the module docstring) and its parameters."""
    parts, args = [], []
    if "stay" in sources:
        w, a = window_between("r.checked_in", since, until)
        parts.append(
            f"SELECT {_NODE} AS node, 'stay' AS src, r.place_id AS place, "
            "CAST(r.checked_in AS DATE) - DATE '1970-01-01' + n.i AS slot, r.checked_in AS t, "
            "r.room AS pos, r._source, r._line FROM stays r "
            f"{_IDMAP} CROSS JOIN LATERAL (SELECT unnest(range(CAST(least(?, greatest(1, "
            "coalesce(CAST(r.checked_out AS DATE) - CAST(r.checked_in AS DATE), 1))) AS BIGINT)"
            ")) AS i) n "
            f"WHERE r.person_id IS NOT NULL AND {w}")
        args += [cp.max_stay_nights, *a]
    if "visit" in sources:
        w, a = window_between("r.seen_at", since, until)
        parts.append(
            f"SELECT {_NODE} AS node, 'visit' AS src, r.place_id AS place, "
            "CAST(floor(epoch(r.seen_at) / ?) AS BIGINT) AS slot, r.seen_at AS t, "
            f"NULL AS pos, r._source, r._line FROM visits r {_IDMAP} "
            f"WHERE r.person_id IS NOT NULL AND {w}")
        args += [windows["venue_window_min"] * 60, *a]
    if "trip" in sources:
        w, a = window_between("r.departs_at", since, until)
        parts.append(
            f"SELECT {_NODE} AS node, 'trip' AS src, r.service AS place, "
            "CAST(r.departs_at AS DATE) - DATE '1970-01-01' AS slot, r.departs_at AS t, "
            f"r.seat AS pos, r._source, r._line FROM trips r {_IDMAP} "
            f"WHERE r.person_id IS NOT NULL AND {w}")
        args += a
    if "cell" in sources and cp.cells:
        w, a = window_between("c.started_at", since, until)
        parts.append(
            "SELECT o.person_id AS node, 'cell' AS src, c.cell_id AS place, "
            "CAST(floor(epoch(c.started_at) / ?) AS BIGINT) AS slot, c.started_at AS t, "
            f"NULL AS pos, c._source, c._line FROM calls c JOIN ({PHONE_OWNERS}) o "
            "ON o.id = c.caller "
            "AND (o.since IS NULL OR c.started_at >= o.since) "
            "AND (o.until IS NULL OR c.started_at < o.until + INTERVAL 1 DAY) "
            f"WHERE c.cell_id IS NOT NULL AND {w}")
        args += [windows["cell_window_min"] * 60, *a]
    if not parts:
        return ("SELECT NULL::VARCHAR AS node, NULL::VARCHAR AS src, NULL::VARCHAR AS place, "
                "NULL::BIGINT AS slot, NULL::TIMESTAMPTZ AS t, NULL::VARCHAR AS pos, "
                "NULL::BIGINT AS _source, NULL::BIGINT AS _line WHERE FALSE"), []
    return " UNION ALL ".join(parts), args


def position_parts(src: str = "src", pos: str = "pos") -> dict[str, str]:
    """SQL of a position's parts, from the raw room or seat: ``num`` (a stay's room number;
    a trip's seat row), ``grp`` (a trip's coach and prefix), ``let`` (a trip's seat letter,
    A=1 .. F=6). The one parser of positions (the meetings and their records use it both).

    >>> sorted(position_parts())
    ['grp', 'let', 'num', 'pos', 'src']
    """
    return {
        "src": src, "pos": pos,
        "num": f"CASE {src} WHEN 'stay' THEN TRY_CAST(regexp_extract({pos}, '(\\d+)', 1) "
               f"AS INTEGER) WHEN 'trip' THEN TRY_CAST(regexp_extract(upper({pos}), "
               f"'(\\d+)[A-F]$', 1) AS INTEGER) END",
        "grp": f"CASE {src} WHEN 'trip' THEN regexp_extract(upper({pos}), "
               f"'^(.*?)(\\d+)[A-F]$', 1) END",
        "let": f"CASE {src} WHEN 'trip' THEN nullif(strpos('ABCDEF', right(upper({pos}), 1)), "
               f"0) END",
    }


def adjacent_sql(a: dict[str, str], b: dict[str, str]) -> str:
    """SQL of "the two positions are adjacent (or the same)": rooms on one floor one apart,
    seats in one row and coach side by side (A B C | D F on trains: D(4) and F(6) touch;
    A-F on flights). ``a`` and ``b`` are :func:`position_parts` (of raw columns, or of
    columns already parsed). The one rule of adjacency."""
    return (f"coalesce(CASE {a['src']} WHEN 'stay' THEN {a['pos']} = {b['pos']} OR "
            f"(({a['num']}) // 100 = ({b['num']}) // 100 AND "
            f"abs(({a['num']}) - ({b['num']})) = 1) WHEN 'trip' THEN "
            f"({a['grp']}) = ({b['grp']}) AND ({a['num']}) = ({b['num']}) AND "
            f"(abs(({a['let']}) - ({b['let']})) = 1 OR (({a['let']}) + ({b['let']}) = 10 AND "
            f"({a['let']}) <> ({b['let']}))) END, FALSE)")


#: adjacency of two raw event rows ``a`` and ``b`` (records views)
ADJACENT_SQL = adjacent_sql(position_parts("a.src", "a.pos"), position_parts("b.src", "b.pos"))
