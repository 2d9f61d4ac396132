"""Night calls counted from the instants when the case's zone keeps one offset: the same
hours as the engine's calendar (``hour()``), and the calendar wherever the zone changes."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pytest

from workbench.engine import DuckDBEngine
from workbench.evidence import LinkParams
from workbench.evidence.owners import fixed_offset, night_sql


def _engine(tz: str, instants: list[dt.datetime]) -> DuckDBEngine:
    con = duckdb.connect()
    engine = DuckDBEngine(con, tz)
    con.execute("CREATE TABLE calls (started_at TIMESTAMPTZ)")
    if instants:
        con.executemany("INSERT INTO calls VALUES (?)", [[t] for t in instants])
    return engine


def _instants(rng, start: dt.datetime, days: int, n: int = 400) -> list[dt.datetime]:
    seconds = rng.integers(0, days * 86400, n)
    return [start + dt.timedelta(seconds=int(s)) for s in seconds]


UTC = dt.UTC


@pytest.mark.parametrize(("tz", "start", "days", "offset_h"), [
    ("Asia/Shanghai", dt.datetime(2019, 1, 1, tzinfo=UTC), 400, 8.0),
    ("Asia/Kolkata", dt.datetime(2020, 2, 1, tzinfo=UTC), 300, 5.5),
    ("Europe/Berlin", dt.datetime(2021, 11, 1, tzinfo=UTC), 120, 1.0),  # all in winter
    ("America/St_Johns", dt.datetime(2022, 11, 7, tzinfo=UTC), 100, -3.5),
])
def test_hours_from_the_instants_are_the_calendars_hours(tz, start, days, offset_h):
    rng = np.random.default_rng(len(tz))
    with _engine(tz, _instants(rng, start, days)) as engine:
        offset = fixed_offset(engine)
        assert offset == int(offset_h * 3_600_000_000)
        for night_start, night_end in ((22, 6), (0, 5), (20, 21), (23, 0), (6, 6)):
            params = LinkParams(night_start=night_start, night_end=night_end)
            rows = engine.fetch_rows(
                f"SELECT count(*) FILTER (WHERE {night_sql(params)}) AS calendar, "
                f"count(*) FILTER (WHERE {night_sql(params, offset)}) AS instants, "
                f"count(*) FILTER (WHERE {night_sql(params)} <> {night_sql(params, offset)}) "
                "AS differ FROM calls")[0]
            assert rows["differ"] == 0 and rows["calendar"] == rows["instants"]
        assert rows["calendar"] > 0 or (night_start, night_end) == (6, 6)


@pytest.mark.parametrize(("tz", "instants"), [
    # summer time starts inside the calls' time: the calendar decides
    ("Europe/Berlin", [dt.datetime(2021, 3, 1, tzinfo=UTC), dt.datetime(2021, 4, 1, tzinfo=UTC)]),
    # a stretch of summer time entirely between two calls
    ("Europe/Berlin", [dt.datetime(2021, 1, 1, tzinfo=UTC), dt.datetime(2022, 1, 1, tzinfo=UTC)]),
    ("Asia/Shanghai", [dt.datetime(1969, 12, 31, tzinfo=UTC), dt.datetime(1970, 3, 1, tzinfo=UTC)]),
    ("Asia/Shanghai", []),
])
def test_no_fixed_offset_where_the_zone_changes_or_before_1970(tz, instants):
    with _engine(tz, instants) as engine:
        assert fixed_offset(engine) is None


def test_the_layers_count_the_same_night_calls_either_way():
    """The calls layer's night calls with the offset and with the calendar, on a case
    whose calls straddle midnight local time."""
    from workbench.evidence.links import calls_attr_query, calls_layer_query

    with _engine("Asia/Shanghai", []) as engine:
        engine.con.execute("DROP TABLE calls")
        engine.con.execute(
            "CREATE TABLE calls AS SELECT 'A' || (i % 7) AS caller, 'B' || (i % 5) AS callee, "
            "make_timestamptz(CAST(1546300800000000 + i * 3599999999 AS BIGINT)) AS started_at, "
            "CAST(i % 97 AS INTEGER) AS duration_s, NULL AS cell_id FROM range(500) t(i)")
        engine.con.execute("CREATE TABLE phone_links (new VARCHAR, old VARCHAR, "
                           "unlinked_at TIMESTAMPTZ)")
        owners = engine.materialize("_own", "SELECT 'x' AS id, 'P' AS person_id, "
                                    "CAST(NULL AS DATE) AS since, CAST(NULL AS DATE) AS until")
        params = LinkParams()
        attr, args = calls_attr_query(params, owners)
        offset = fixed_offset(engine)
        assert offset == 8 * 3_600_000_000
        got = [engine.fetch_rows(calls_layer_query(params, f"({attr}) a", o)[0]
                                 + " ORDER BY u, v", args) for o in (None, offset)]
    assert got[0] == got[1] and sum(r["n_night"] for r in got[0]) > 0
