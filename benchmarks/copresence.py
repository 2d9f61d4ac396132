"""Co-presence from stays and visits: the windowed join against the naive self-join.

Usage::

    .venv/bin/python benchmarks/copresence.py [--records 1000000] [--naive-timeout 300]

A generated case (100k people, 600 hotels, 3000 venues with Zipf popularity, 1500
regulars who go to their own venue at their habitual hour, a half year) with ``--records``
stays and visits, and 30 planted pairs that meet four times each at different places
(two hotel nights in adjacent rooms, two venue sightings). Reported, in one run:

* the time, peak memory (RSS) and pair count of :func:`workbench.copresence.build_copresence`;
* the naive self-join (each place's records paired with each other, then filtered by the
  window) on the same data: its time, or the time it was stopped at;
* both on a 10% sample, where the pair sets of the venue window are compared (equal);
* challenge-style ranking: where the planted pairs rank among all pairs by raw meeting
  count and by the chance score (``weight``).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from workbench.evidence.copresence import CoPresenceParams, build_copresence
from workbench.store.database import Store

DAY = 86400
T0 = 1546272000  # 2019-01-01 00:00 +08:00


def generate(n: int, seed: int = 5) -> tuple[dict, list[tuple[str, str]]]:
    """Stays and visits (about half each) and the planted pairs."""
    rng = np.random.default_rng(seed)
    people, hotels, venues, days = 100_000, 600, 3000, 181
    n_stay, n_visit = n // 2, n - n // 2
    zipf_h = 1 / np.arange(1, hotels + 1) ** 0.9
    zipf_v = 1 / np.arange(1, venues + 1) ** 0.9
    stay_person = rng.integers(0, people, n_stay)
    stay_place = rng.choice(hotels, n_stay, p=zipf_h / zipf_h.sum())
    stay_in = T0 + rng.integers(0, days, n_stay) * DAY + rng.integers(19, 24, n_stay) * 3600
    stay_out = stay_in + rng.choice([1, 1, 1, 2, 3], n_stay) * DAY - 10 * 3600
    stay_room = rng.integers(2, 9, n_stay) * 100 + rng.integers(1, 30, n_stay)
    # regulars: each goes to a home venue (of the 200 busiest) at a habitual hour
    n_regulars = 1500
    regulars = rng.integers(0, people, n_regulars)
    home = rng.integers(0, 200, n_regulars)
    habit = rng.integers(20, 25, n_regulars) * 3600
    n_reg = int(n_visit * 0.3)
    pick = rng.integers(0, n_regulars, n_reg)
    visit_person = np.concatenate([regulars[pick], rng.integers(0, people, n_visit - n_reg)])
    visit_place = np.concatenate([home[pick], rng.choice(venues, n_visit - n_reg,
                                                         p=zipf_v / zipf_v.sum())])
    hours = rng.choice([19, 20, 21, 22, 23, 24, 25], n_visit, p=[.05, .1, .15, .2, .2, .2, .1])
    hours[:n_reg] = 0
    offset = np.concatenate([habit[pick] + rng.integers(0, 1200, n_reg),
                             rng.integers(0, 3600, n_visit - n_reg)])
    visit_t = T0 + rng.integers(0, days, n_visit) * DAY + hours * 3600 + offset
    planted = []
    extra_s, extra_v = [], []
    for k in range(30):
        a, b = f"Q{2 * k:04d}", f"Q{2 * k + 1:04d}"
        planted.append((a, b))
        for _ in range(2):
            h, d, room = int(rng.integers(0, hotels)), int(rng.integers(0, days)), 300 + k
            extra_s += [(a, h, T0 + d * DAY + 21 * 3600, room), (b, h, T0 + d * DAY + 22 * 3600,
                                                                  room + 1)]
            v, t = int(rng.integers(0, venues)), T0 + int(rng.integers(0, days)) * DAY + 23 * 3600
            extra_v += [(a, v, t), (b, v, t + 600)]
    sp = [f"P{int(x):06d}" for x in stay_person] + [e[0] for e in extra_s]
    stays = {
        "person_id": sp,
        "place_id": [f"H{int(x):04d}" for x in stay_place] + [f"H{e[1]:04d}" for e in extra_s],
        "checked_in": np.concatenate([stay_in, [e[2] for e in extra_s]]),
        "checked_out": np.concatenate([stay_out, [e[2] + 12 * 3600 for e in extra_s]]),
        "room": [str(int(x)) for x in stay_room] + [str(e[3]) for e in extra_s],
    }
    visits = {
        "person_id": [f"P{int(x):06d}" for x in visit_person] + [e[0] for e in extra_v],
        "place_id": [f"V{int(x):04d}" for x in visit_place] + [f"V{e[1]:04d}" for e in extra_v],
        "seen_at": np.concatenate([visit_t, [e[2] for e in extra_v]]),
    }
    return {"stays": stays, "visits": visits}, planted


def load(store: Store, data: dict, keep: float = 1.0, seed: int = 1) -> int:
    con = store.con
    rows = 0
    rng = np.random.default_rng(seed)
    for kind, cols in data.items():
        n = len(cols["person_id"])
        mask = rng.random(n) < keep if keep < 1 else np.ones(n, bool)
        table = pa.table({k: pa.array(np.asarray(v)[mask]) for k, v in cols.items()})
        con.register("_bench", table)
        times = [c for c in cols if c in ("checked_in", "checked_out", "seen_at")]
        select = ", ".join(f"to_timestamp({c}) AS {c}" if c in times else c for c in cols)
        con.execute(f"INSERT INTO {kind} ({', '.join(cols)}, _source, _line, _row_hash) "
                    f"SELECT {select}, 1, row_number() OVER (), row_number() OVER () "
                    "FROM _bench")
        con.unregister("_bench")
        rows += int(mask.sum())
    return rows


NAIVE = """SELECT count(*) FROM (
  SELECT DISTINCT a.person_id AS u, b.person_id AS v FROM visits a JOIN visits b
    ON a.place_id = b.place_id AND a.person_id < b.person_id
    WHERE abs(epoch(a.seen_at) - epoch(b.seen_at)) <= {w}
  UNION
  SELECT DISTINCT least(a.person_id, b.person_id), greatest(a.person_id, b.person_id)
    FROM stays a JOIN stays b ON a.place_id = b.place_id AND a.person_id < b.person_id
    WHERE a.checked_in < b.checked_out AND b.checked_in < a.checked_out)"""
VENUE_PAIRS_NAIVE = """SELECT DISTINCT a.person_id, b.person_id FROM visits a JOIN visits b
    ON a.place_id = b.place_id AND a.person_id < b.person_id
    WHERE abs(epoch(a.seen_at) - epoch(b.seen_at)) <= {w}"""


def naive(con, window_s: int, timeout: float) -> tuple[float, int | None]:
    timer = threading.Timer(timeout, con.interrupt)
    t0 = time.perf_counter()
    timer.start()
    try:
        n = con.execute(NAIVE.format(w=int(window_s))).fetchall()[0][0]
    except Exception:  # interrupted
        n = None
    finally:
        timer.cancel()
    return time.perf_counter() - t0, n


def ranks(con, planted) -> dict:
    df = con.execute("SELECT u, v, n_meet, weight FROM _l_copresence "
                     "WHERE n_hotel + n_venue > 0").df()
    df["raw"] = df.n_meet.rank(ascending=False, method="average")
    df["chance"] = df.weight.rank(ascending=False, method="average")
    keys = {tuple(sorted(p)) for p in planted}
    sel = df[[(u, v) in keys for u, v in zip(df.u, df.v, strict=True)]]
    return {"pairs": len(df), "found": len(sel), "median_raw": float(sel.raw.median()),
            "median_chance": float(sel.chance.median()),
            "top100_raw": int((sel.raw <= 100).sum()),
            "top100_chance": int((sel.chance <= 100).sum())}


def run(records: int, timeout: float) -> None:
    data, planted = generate(records)
    cp = CoPresenceParams(venue_window_min=30, cells=False)
    with tempfile.TemporaryDirectory() as tmp:
        with Store(Path(tmp) / "s.duckdb") as small:  # 10% sample: pair sets must agree
            load(small, data, keep=0.1)
            build_copresence(small.con, cp=cp)
            fast = set(small.con.execute("SELECT u, v FROM _l_copresence WHERE n_venue > 0"
                                         ).fetchall())
            slow = set(small.con.execute(VENUE_PAIRS_NAIVE.format(w=1800)).fetchall())
            print(f"10% sample: venue pairs windowed {len(fast)}, naive {len(slow)}, "
                  f"equal: {fast == slow}")
        with Store(Path(tmp) / "b.duckdb") as store:
            n = load(store, data)
            t0 = time.perf_counter()
            info = build_copresence(store.con, cp=cp)
            took = time.perf_counter() - t0
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{n} records: windowed join {took:.1f} s, {info['pairs']} pairs, "
                  f"peak RSS {rss:.0f} MB, events {info['events']}")
            print("planted pairs among hotel/venue pairs:", ranks(store.con, planted))
            secs, count = naive(store.con, 1800, timeout)
            print(f"naive self-join: {secs:.1f} s, "
                  + (f"{count} pairs" if count is not None else "stopped (timeout)"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--naive-timeout", type=float, default=300)
    args = ap.parse_args()
    run(args.records, args.naive_timeout)


if __name__ == "__main__":
    main()
