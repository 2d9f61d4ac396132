"""Money patterns: the SQL-first search against a naive networkx search, in one run.

Usage::

    .venv/bin/python benchmarks/money.py [--accounts 40000] [--naive-timeout 300]
    .venv/bin/python benchmarks/money.py --casegen 1,2,3,4,5 [--patterns 10]

A generated case of about a million transfers: every account pays two to four
counterparts every month for three to twelve months, half the accounts pay a utility, an
employer pays a tenth of them monthly, and one-off payments are scattered as noise; 20
groups of each kind (fan-in, fan-out, cycle, scatter-gather, gather-scatter, bipartite) are
planted with one transfer per pair. Reported, in one run:

* :func:`workbench.money.find_patterns` on the whole case: time, peak memory, and how
  many planted groups it finds (Jaccard >= 0.5), precision at K = planted, ties at the top;
* the naive path (the whole transaction graph in networkx: bounded ``simple_cycles``,
  every node's fans, every pair's common middles) on a sample it can finish, next to the
  SQL-first search on the same sample, as a ratio; and the naive path on the whole case,
  stopped at ``--naive-timeout``.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import resource
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pyarrow as pa

from workbench.money import find_patterns
from workbench.store import Store

log = logging.getLogger("benchmarks.money")

DAY = 86400
T0 = 1704038400  # 2024-01-01 00:00 +08:00
KINDS = ("fan-in", "fan-out", "cycle", "scatter-gather", "gather-scatter", "bipartite")


def generate(n_acc: int, seed: int = 3, per_kind: int = 20):
    """Columns of the transfers and the planted groups (lists of account ids)."""
    rng = np.random.default_rng(seed)
    src, dst, amt, ts = [], [], [], []
    # ordinary repeated payments: each account, 2-4 counterparts, monthly for 3-12 months
    k = rng.integers(2, 5, n_acc)
    a = np.repeat(np.arange(n_acc), k)
    b = rng.integers(0, n_acc, a.size)
    b = np.where(b == a, (b + 1) % n_acc, b)
    months = rng.integers(3, 13, a.size)
    base = rng.choice([200.0, 500.0, 800.0, 1500.0, 3000.0], a.size)
    offset = rng.uniform(0, 28, a.size)
    pa_ = np.repeat(a, months)
    pb_ = np.repeat(b, months)
    m_idx = np.concatenate([np.arange(m) for m in months])
    src.append(pa_)
    dst.append(pb_)
    amt.append(np.repeat(base, months))
    ts.append(T0 + (30 * m_idx + np.repeat(offset, months)) * DAY)
    grid, corp = n_acc, n_acc + 1  # a utility and an employer
    payers = rng.choice(n_acc, n_acc // 2, replace=False)
    src.append(payers)
    dst.append(np.full(payers.size, grid))
    amt.append(rng.uniform(50, 300, payers.size).round(2))
    ts.append(T0 + rng.uniform(0, 360, payers.size) * DAY)
    staff = rng.choice(n_acc, n_acc // 10, replace=False)
    src.append(np.full(staff.size * 12, corp))
    dst.append(np.repeat(staff, 12))
    amt.append(np.full(staff.size * 12, 6000.0))
    ts.append(T0 + (30 * np.tile(np.arange(12), staff.size) + 25) * DAY)
    noise = n_acc // 2  # one-off payments nobody repeats
    na, nb = rng.integers(0, n_acc, noise), rng.integers(0, n_acc, noise)
    keep = na != nb
    src.append(na[keep])
    dst.append(nb[keep])
    amt.append(rng.uniform(20, 5000, int(keep.sum())).round(2))
    ts.append(T0 + rng.uniform(0, 360, int(keep.sum())) * DAY)
    pool = list(rng.permutation(n_acc))
    planted, extra = [], []

    def take(n):
        return [int(pool.pop()) for _ in range(n)]

    def day():
        return float(rng.uniform(0, 330))

    for _ in range(per_kind):
        g = take(int(rng.integers(5, 9)))
        extra += [(s, g[0], rng.uniform(800, 3000), day()) for s in g[1:]]
        planted.append(("fan-in", g))
        g = take(int(rng.integers(5, 9)))
        extra += [(g[0], d, rng.uniform(800, 3000), day()) for d in g[1:]]
        planted.append(("fan-out", g))
        g, d0, x = take(int(rng.integers(3, 7))), day(), rng.uniform(5000, 50000)
        for i in range(len(g)):
            x *= rng.uniform(0.95, 0.99)
            extra.append((g[i], g[(i + 1) % len(g)], x, d0 + 2 * i + rng.random()))
        planted.append(("cycle", g))
        g, d0 = take(int(rng.integers(4, 7))), day()
        for m in g[1:-1]:
            x = rng.uniform(3000, 9000)
            extra += [(g[0], m, x, d0 + rng.random()), (m, g[-1], 0.97 * x, d0 + 3)]
        planted.append(("scatter-gather", g))
        g, d0 = take(int(rng.integers(5, 8))), day()
        mid = len(g) // 2
        extra += [(s, g[mid], rng.uniform(3000, 9000), d0 + rng.random()) for s in g[:mid]]
        extra += [(g[mid], d, rng.uniform(3000, 9000), d0 + 4) for d in g[mid + 1:]]
        planted.append(("gather-scatter", g))
        xs, ys = take(3), take(int(rng.integers(2, 4)))
        extra += [(x_, y, rng.uniform(2000, 6000), day()) for x_ in xs for y in ys]
        planted.append(("bipartite", xs + ys))
    e = np.array(extra, dtype=float)
    src.append(e[:, 0].astype(np.int64))
    dst.append(e[:, 1].astype(np.int64))
    amt.append(e[:, 2].round(2))
    ts.append(T0 + e[:, 3] * DAY)
    cols = {"a": np.concatenate(src), "b": np.concatenate(dst), "amount": np.concatenate(amt),
            "ts": np.concatenate(ts)}
    name = np.array([f"62{i:014d}" for i in range(n_acc + 2)])
    cols["a"], cols["b"] = name[cols["a"]], name[cols["b"]]
    return cols, [(kind, [str(name[x]) for x in g]) for kind, g in planted]


def load(store: Store, cols: dict, accounts: set | None = None) -> int:
    """Insert the transfers (only those among ``accounts`` when given)."""
    mask = np.ones(cols["a"].size, dtype=bool)
    if accounts is not None:
        mask = np.isin(cols["a"], list(accounts)) & np.isin(cols["b"], list(accounts))
    table = pa.table({k: pa.array(np.asarray(v)[mask]) for k, v in cols.items()})
    con = store.con
    con.register("_bench", table)
    con.execute("INSERT INTO transactions (from_account, to_account, amount, occurred_at, "
                "currency, _source, _line, _row_hash) SELECT a, b, CAST(round(amount, 2) AS "
                "DECIMAL(18,2)), to_timestamp(ts), 'CNY', 1, row_number() OVER (), "
                "row_number() OVER () FROM _bench")
    con.unregister("_bench")
    return int(mask.sum())


def naive(cols: dict, mask: np.ndarray | None = None) -> dict:
    """The whole transaction graph in networkx: cycles up to 8, fans, common middles."""
    a, b = cols["a"], cols["b"]
    if mask is not None:
        a, b = a[mask], b[mask]
    g = nx.DiGraph()
    g.add_edges_from(zip(a.tolist(), b.tolist(), strict=True))
    n_cycles = sum(1 for c in nx.simple_cycles(g, length_bound=8) if len(c) >= 3)
    fans = sum(1 for v in g if g.in_degree(v) >= 3 or g.out_degree(v) >= 3)
    middles = 0
    for v in g:
        reach: dict = {}
        for m in g.successors(v):
            for w in g.successors(m):
                if w != v:
                    reach[w] = reach.get(w, 0) + 1
        middles += sum(1 for c in reach.values() if c >= 2)
    return {"cycles": n_cycles, "fans": fans, "scatter_gather_pairs": middles}


def _naive_child(cols, mask, queue):
    queue.put(naive(cols, mask))


def timed_naive(cols: dict, mask, timeout: float) -> tuple[float, dict | None]:
    """The naive path in a child process, stopped after ``timeout`` seconds."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_naive_child, args=(cols, mask, queue))
    t0 = time.perf_counter()
    proc.start()
    proc.join(timeout)
    took = time.perf_counter() - t0
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return took, None
    return took, queue.get() if not queue.empty() else None


def quality(patterns: list[dict], planted: list) -> dict:
    def jac(p, g):
        x, y = set(p["accounts"]), set(g)
        return len(x & y) / len(x | y)

    k = len(planted)
    top = patterns[:k]
    found = sum(any(jac(p, g) >= 0.5 for p in top) for _, g in planted) / k
    precision = sum(any(jac(p, g) >= 0.5 for _, g in planted) for p in top) / max(len(top), 1)
    anywhere = sum(any(jac(p, g) >= 0.5 for p in patterns) for _, g in planted) / k
    scores = [p["score"] for p in top]
    return {"found_at_K": round(found, 3), "precision_at_K": round(precision, 3),
            "found_anywhere": round(anywhere, 3), "K": k, "reported": len(patterns),
            "ties_in_top_K": len(scores) - len(set(scores))}


def run(n_acc: int, timeout: float, sample: float) -> None:
    cols, planted = generate(n_acc)
    with tempfile.TemporaryDirectory() as tmp:
        with Store(Path(tmp) / "big.duckdb") as store:
            n = load(store, cols)
            t0 = time.perf_counter()
            result = find_patterns(store)
            fast_big = time.perf_counter() - t0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{n} transfers, {n_acc} accounts: find_patterns {fast_big:.2f} s, "
              f"peak RSS {rss:.0f} MB, {result['params']['candidates']} candidates")
        print("planted groups:", quality(result["patterns"], planted))
        rng = np.random.default_rng(9)
        accounts = {x for x in np.unique(np.concatenate([cols["a"], cols["b"]]))
                    if rng.random() < sample}
        mask = np.isin(cols["a"], list(accounts)) & np.isin(cols["b"], list(accounts))
        with Store(Path(tmp) / "small.duckdb") as store:
            n_small = load(store, cols, accounts)
            t0 = time.perf_counter()
            find_patterns(store)
            fast_small = time.perf_counter() - t0
        slow_small, found = timed_naive(cols, mask, timeout)
        if found is None:
            print(f"sample of {n_small} transfers: naive stopped after {slow_small:.1f} s")
        else:
            print(f"sample of {n_small} transfers: find_patterns {fast_small:.2f} s, naive "
                  f"networkx {slow_small:.2f} s ({found}): ratio {slow_small / fast_small:.1f}x")
        slow_big, found = timed_naive(cols, None, timeout)
        if found is None:
            print(f"whole case: naive stopped after {slow_big:.0f} s (>= "
                  f"{slow_big / fast_big:.0f}x the SQL-first search)")
        else:
            print(f"whole case: naive {slow_big:.1f} s ({found}): ratio "
                  f"{slow_big / fast_big:.1f}x")


def independent(seeds: list[int], accounts: int, patterns: int) -> None:
    """The independent generator (``tests/casegen/money_cases.py``, written from the
    shapes in words): found share and precision at K = planted (Jaccard >= 0.6, its own
    scorer), ties at the top, per seed, mean and worst; for ``workbench money`` (accounts)
    and for ``workbench rings`` (persons, the patterns as tier ``money-pattern``)."""
    import json
    import subprocess
    import sys

    from tests.casegen.money_cases import write_money_case
    from tests.casegen.score_rings import planted_patterns, read_money, score

    rows = []
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            case = Path(tmp) / "case"
            truth = write_money_case(case, seed, accounts, patterns)
            db = Path(tmp) / "c.duckdb"
            subprocess.run([sys.executable, "-m", "workbench", "ingest", "--db", str(db),
                            *(str(case / f"{k}.csv") for k in ("persons", "accounts",
                                                                 "transactions"))],
                           check=True, capture_output=True)
            with Store(db, read_only=True) as store:
                t0 = time.perf_counter()
                doc = find_patterns(store)
                took = time.perf_counter() - t0
            json.dumps(doc, allow_nan=False)
            planted = planted_patterns(truth)
            result = score(read_money(doc), planted)
            top = [p["score"] for p in doc["patterns"][:len(planted)]]
            ties = len(top) - len(set(top))
            # the same groups through ``rings`` (tier money-pattern), as persons, in a
            # fresh process as an analyst runs it
            t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
            done = subprocess.run([sys.executable, "-m", "workbench", "rings", "--db", str(db),
                                   "--json"], check=True, capture_output=True, text=True)
            r_wall = time.perf_counter() - t0
            c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            r_cpu = (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)
            rings = json.loads(done.stdout)["rings"]
            persons = [set(p["persons"]) for p in truth["patterns"]]
            by_rings = score([set(r["members"]) for r in rings], persons)
            r_top = [r["score"] for r in rings[:len(persons)]]
            n_pat = sum(1 for r in rings if "money-pattern" in r["tier"])
            rows.append((result["recall"], result["precision_at_k"], ties, by_rings["recall"],
                         by_rings["precision_at_k"], len(r_top) - len(set(r_top))))
            print(f"seed {seed}: {truth['counts']['transactions']} transfers, K={len(planted)}: "
                  f"found {result['recall']:.2f}, precision@K {result['precision_at_k']:.2f}, "
                  f"ties at the top {ties}, {took:.2f} s | rings: found "
                  f"{by_rings['recall']:.2f}, precision@K {by_rings['precision_at_k']:.2f}, "
                  f"ties {rows[-1][5]}, {n_pat} money-pattern of {len(rings)} rings, "
                  f"{r_wall:.1f} s wall, {r_cpu:.1f} CPU-s")
    if rows:
        n = len(rows)
        for label, i in (("money", 0), ("rings", 3)):
            found, prec = [r[i] for r in rows], [r[i + 1] for r in rows]
            print(f"{label}: mean found {sum(found) / n:.3f} (worst {min(found):.2f}), mean "
                  f"precision@K {sum(prec) / n:.3f} (worst {min(prec):.2f}), ties "
                  f"{sum(r[i + 2] for r in rows)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=40_000)
    ap.add_argument("--naive-timeout", type=float, default=300)
    ap.add_argument("--sample", type=float, default=0.25,
                    help="Share of accounts in the sample both paths run on.")
    ap.add_argument("--casegen", default=None, metavar="SEEDS",
                    help="Instead: the independent generator on these seeds (1,2,3,4,5).")
    ap.add_argument("--patterns", type=int, default=10,
                    help="With --casegen: planted patterns per case.")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.casegen:
        independent([int(x) for x in args.casegen.split(",")],
                    args.accounts if args.accounts != 40_000 else 5000, args.patterns)
        return
    run(args.accounts, args.naive_timeout, args.sample)


if __name__ == "__main__":
    main()
