"""Speed of identity resolution on a generated case, with a naive exact-ID join side by side.

Usage::

    .venv/bin/python benchmarks/identity.py                      # 1M identity records
    .venv/bin/python benchmarks/identity.py --records 200000 1000000 --threads 2

The case is generated vectorized straight into a store (no ingest): a registry of persons
(one in four records; names drawn from 40 surnames and 400 given-name pairs, so names repeat
as in a county), and phones, accounts and hotel stays naming them as real exports do: 80%
by a valid ID number and name, 5% by the legacy 15-digit number, 4% with one digit changed,
3% with two adjacent digits swapped, 8% by name only (60% of those with the birth date);
bank accounts write 20% of the names in upper-case pinyin; 10% of the stays are travellers
the registry does not hold.

Timed in the same process, on ``--threads`` DuckDB threads:

* ``resolve``: :func:`workbench.identity.resolve` (exact, weighed, write-back of
  ``person_id`` into every table, identity tables);
* ``naive``: the exact-ID join an analyst would do in a spreadsheet or SQL: every record
  joined to the registry on its ID number as written, the person id written back.

The accuracy of each against the generated truth is printed too (share of the records
attributed right and wrong).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

log = logging.getLogger("benchmarks.identity")

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红")
_W = np.array([pow(2, 17 - i, 11) for i in range(17)])
_CHECK = np.array(list("10X98765432"))


def _ids(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` distinct valid 18-character ID numbers and their birth dates."""
    region = rng.choice([330681, 330682, 330683, 110105], n, p=[0.7, 0.1, 0.1, 0.1])
    born = np.datetime64("1950-01-01") + rng.integers(0, 365 * 55, n).astype("timedelta64[D]")
    ymd = np.char.replace(born.astype(str), "-", "")
    seq = np.arange(n) % 1000
    body = np.char.add(np.char.add(region.astype(str), ymd), np.char.zfill(seq.astype(str), 3))
    digits = np.frombuffer("".join(body).encode(), dtype=np.uint8).reshape(n, 17) - 48
    check = _CHECK[(digits * _W).sum(axis=1) % 11]
    return np.char.add(body, check), born


def generate(db: Path, records: int, seed: int = 0) -> dict:
    """Write the case into a new store; return the truth (record -> person)."""
    import duckdb

    from workbench.store import Store

    rng = np.random.default_rng(seed)
    n_persons = records // 4
    ids, born = _ids(n_persons + records // 10, rng)  # extra: travellers outside the registry
    sur = rng.integers(0, len(SURNAMES), len(ids))
    g1 = rng.integers(0, len(GIVEN), len(ids))
    g2 = rng.integers(0, len(GIVEN), len(ids))
    names = np.char.add(np.char.add(np.array(SURNAMES)[sur], np.array(GIVEN)[g1]),
                        np.where(rng.random(len(ids)) < 0.7, np.array(GIVEN)[g2], ""))
    sex = np.where(np.char.mod("%s", ids).astype("U18").view("U1").reshape(-1, 18)[:, 16]
                   .astype(int) % 2 == 1, "M", "F")
    pids = np.char.add("P", np.char.zfill(np.arange(len(ids)).astype(str), 7))
    n_rec = records - n_persons
    who = rng.integers(0, n_persons, n_rec)
    kind = rng.choice(["phones", "accounts", "stays"], n_rec, p=[0.35, 0.35, 0.3])
    travellers = (kind == "stays") & (rng.random(n_rec) < 0.1)
    who[travellers] = n_persons + rng.integers(0, len(ids) - n_persons, travellers.sum())
    fault = rng.choice(["none", "id15", "digit", "swap", "no_id"], n_rec,
                       p=[0.80, 0.05, 0.04, 0.03, 0.08])
    rid = ids[who].astype("U18")
    chars = rid.view("U1").reshape(-1, 18).copy()
    pos = rng.integers(6, 17, n_rec)
    rows = np.arange(n_rec)
    dig = fault == "digit"
    old = chars[rows[dig], pos[dig]].astype(int)
    chars[rows[dig], pos[dig]] = ((old + rng.integers(1, 10, dig.sum())) % 10).astype(str)
    sw = (fault == "swap") & (chars[rows, pos] != chars[rows, pos + 1])
    a = chars[rows[sw], pos[sw]].copy()
    chars[rows[sw], pos[sw]] = chars[rows[sw], pos[sw] + 1]
    chars[rows[sw], pos[sw] + 1] = a
    given_id = chars.view("U18").ravel()
    l15 = (fault == "id15") & (born[who] < np.datetime64("2000-01-01"))  # legacy: 19xx only
    given_id = np.where(l15, np.char.add(np.char.ljust(given_id, 18).astype("U6"),
                                         np.array([s[8:17] for s in given_id])), given_id)
    given_id = np.where(fault == "no_id", None, given_id)
    rec_name = names[who].astype(object)
    bd = np.where((fault == "no_id") & (rng.random(n_rec) < 0.6), born[who].astype(str), None)
    con = duckdb.connect()
    with Store(db) as store:
        con = store.con
        con.execute("BEGIN TRANSACTION")
        con.execute(
            "INSERT INTO persons (person_id, given_person_id, name, id_number, birth_date, sex, "
            "_source, _line, _row_hash) SELECT p, p, n, i, CAST(b AS DATE), s, 1, "
            "row_number() OVER () + 1, row_number() OVER () FROM (SELECT unnest(?) AS p, "
            "unnest(?) AS n, unnest(?) AS i, unnest(?) AS b, unnest(?) AS s)",
            [pids[:n_persons].tolist(), names[:n_persons].tolist(), ids[:n_persons].tolist(),
             born[:n_persons].astype(str).tolist(), sex[:n_persons].tolist()])
        for src, k in enumerate(("phones", "accounts", "stays"), start=2):
            m = kind == k
            idx = np.flatnonzero(m)
            nm = rec_name[m]
            if k == "accounts":
                from workbench.identity import pinyin_key

                py = rng.random(len(idx)) < 0.2
                nm = np.where(py, [pinyin_key(x).upper() for x in nm], nm)
            cols = {"given_id": given_id[m].tolist(), "name": nm.tolist(),
                    "bd": bd[m].tolist(), "line": (idx + 2).tolist()}
            key = {"phones": ("phone", "'+861' || lpad(CAST(line AS VARCHAR), 10, '0')"),
                   "accounts": ("account_id", "'6222' || lpad(CAST(line AS VARCHAR), 12, '0')"),
                   "stays": ("place_id, checked_in", "'H' || (line % 50), "
                             "TIMESTAMPTZ '2019-01-01' + to_minutes(line % 100000)")}[k]
            con.execute(
                f"INSERT INTO {k} ({key[0]}, id_number, name, birth_date, _source, _line, "
                f"_row_hash) SELECT {key[1]}, i, n, CAST(b AS DATE), ?, line, "
                "line + ? * 100000000 FROM (SELECT unnest(?) AS i, unnest(?) AS n, "
                "unnest(?) AS b, unnest(?) AS line)",
                [src, src, cols["given_id"], cols["name"], cols["bd"], cols["line"]])
        con.execute("COMMIT")
    truth = {"kind": kind, "line": np.arange(n_rec) + 2, "true": pids[who],
             "outside": who >= n_persons}
    return truth


def _accuracy(con, truth: dict) -> dict:
    """Shares of the records attributed right and wrong (in SQL: 750k rows)."""
    con.execute("CREATE OR REPLACE TEMP TABLE _truth AS SELECT unnest(?) AS kind, "
                "unnest(?) AS line, unnest(?) AS true_id, unnest(?) AS outside",
                [truth["kind"].tolist(), truth["line"].tolist(), truth["true"].tolist(),
                 truth["outside"].tolist()])
    got = " UNION ALL ".join(f"SELECT '{k}' AS kind, _line AS line, person_id FROM {k}"
                             for k in ("phones", "accounts", "stays"))
    right, wrong, n = con.execute(
        f"SELECT count(*) FILTER (WHERE g.person_id IS NOT NULL AND CASE WHEN t.outside "
        "THEN NOT starts_with(g.person_id, 'P') ELSE g.person_id = t.true_id END), "
        "count(*) FILTER (WHERE g.person_id IS NOT NULL AND CASE WHEN t.outside "
        "THEN starts_with(g.person_id, 'P') ELSE g.person_id <> t.true_id END), count(*) "
        f"FROM _truth t LEFT JOIN ({got}) g ON g.kind = t.kind AND g.line = t.line"
    ).fetchall()[0]
    con.execute("DROP TABLE _truth")
    return {"right": round(right / n, 4), "wrong": round(wrong / n, 4)}


def measure(records: int, threads: int, seed: int = 0) -> dict:
    from workbench.identity import resolve
    from workbench.store import Store

    tmp = Path(tempfile.mkdtemp())
    t = time.perf_counter()
    truth = generate(tmp / "case.duckdb", records, seed)
    gen = time.perf_counter() - t
    # the naive join runs on its own copy of the generated store: rewriting rows the
    # resolver has just written in the same store costs DuckDB far more than the join
    shutil.copy(tmp / "case.duckdb", tmp / "naive.duckdb")
    with Store(tmp / "case.duckdb") as store:
        con = store.con
        con.execute(f"SET threads = {int(threads)}")
        load = os.getloadavg()[0]
        t, c = time.perf_counter(), time.process_time()
        con.execute("BEGIN TRANSACTION")
        counts = resolve(con)
        con.execute("COMMIT")
        ours, ours_cpu = time.perf_counter() - t, time.process_time() - c
        acc = _accuracy(con, truth)
    with Store(tmp / "naive.duckdb") as store:
        con = store.con
        con.execute(f"SET threads = {int(threads)}")
        t, c = time.perf_counter(), time.process_time()
        con.execute("BEGIN TRANSACTION")
        for k in ("phones", "accounts", "stays"):
            con.execute(f"UPDATE {k} SET person_id = p.person_id FROM persons p "
                        f"WHERE p.id_number = {k}.id_number")
        con.execute("COMMIT")
        naive, naive_cpu = time.perf_counter() - t, time.process_time() - c
        naive_acc = _accuracy(con, truth)
    shutil.rmtree(tmp, ignore_errors=True)
    return {"records": records, "threads": threads, "generate_s": round(gen, 2),
            "resolve_s": round(ours, 2), "naive_s": round(naive, 2),
            "resolve_cpu_s": round(ours_cpu, 2), "naive_cpu_s": round(naive_cpu, 2),
            "ratio": round(ours / naive, 1), "cpu_ratio": round(ours_cpu / naive_cpu, 1),
            "resolve": acc, "naive": naive_acc, "load_average": round(load, 2),
            "counts": {k: v for k, v in counts.items() if k != "decision_conflicts"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for n in args.records:
        m = measure(n, args.threads, args.seed)
        log.info("%11s records | resolve %.2f s wall, %.2f s CPU (right %.2f%%, wrong %.2f%%) "
                 "| naive exact-ID join %.2f s wall, %.2f s CPU (right %.2f%%, wrong %.2f%%) "
                 "| ratio %.1fx wall, %.1fx CPU | load %.1f | %s", f"{n:,}", m["resolve_s"],
                 m["resolve_cpu_s"], 100 * m["resolve"]["right"], 100 * m["resolve"]["wrong"],
                 m["naive_s"], m["naive_cpu_s"], 100 * m["naive"]["right"],
                 100 * m["naive"]["wrong"], m["ratio"], m["cpu_ratio"], m["load_average"],
                 json.dumps(m["counts"]))


if __name__ == "__main__":
    main()
