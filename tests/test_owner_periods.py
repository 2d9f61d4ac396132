"""Who owns a number when: the owner table takes numbers registered once straight through
and gives the rows the periods' joins and windows give for every number."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np

from workbench.evidence.owners import _PERIODS, _ROWS, PHONE_OWNERS


def _phones(con, rng, n: int) -> None:
    con.execute("CREATE OR REPLACE TABLE phones (phone VARCHAR, person_id VARCHAR, "
                "since DATE, until DATE)")
    day = dt.date(2019, 1, 1)
    rows = []
    for _ in range(n):
        since = None if rng.random() < 0.3 else day + dt.timedelta(int(rng.integers(0, 90)))
        until = None if rng.random() < 0.3 else day + dt.timedelta(int(rng.integers(0, 90)))
        person = None if rng.random() < 0.1 else f"P{int(rng.integers(0, 6))}"
        rows.append((f"+86138{int(rng.integers(0, 12)):08d}", person, since, until))
    con.executemany("INSERT INTO phones VALUES (?, ?, ?, ?)", rows)


def test_numbers_registered_once_take_the_short_way_to_the_same_periods():
    """Fuzzed registrations: recycled numbers, one person twice, open ends, a period that
    ends before it starts, unresolved rows; the same rows as the full periods' SQL."""
    rng = np.random.default_rng(11)
    con = duckdb.connect()
    full = f"WITH p AS ({_ROWS}), {_PERIODS}"
    once = 0
    for n in (1, 3, 8, 20, 40, 80):
        for _ in range(4):
            _phones(con, rng, n)
            got = sorted(con.execute(PHONE_OWNERS).fetchall(), key=repr)
            want = sorted(con.execute(full).fetchall(), key=repr)
            assert got == want
            once += con.execute("SELECT count(*) FROM (SELECT phone FROM phones GROUP BY phone "
                                "HAVING count(*) = 1)").fetchone()[0]
    assert once > 0  # the short way was taken
    types = [r[1] for r in con.execute(f"DESCRIBE {PHONE_OWNERS}").fetchall()]
    assert types == [r[1] for r in con.execute(f"DESCRIBE {full}").fetchall()]
