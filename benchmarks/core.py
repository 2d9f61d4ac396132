"""Speed of the ring core on large generated cases, with the networkx path side by side.

Usage::

    .venv/bin/python benchmarks/core.py                     # 100k, 1M and 10M calls
    .venv/bin/python benchmarks/core.py --calls 100000 1000000
    .venv/bin/python benchmarks/core.py --calls 2000000 --cli   # and as commands

Each size runs in a fresh process (peak memory is its own). The case is generated
vectorized straight into a store (one person per 30 calls; social groups of 3-30 people;
80% of calls inside a person's group; 3% of the groups of 3-6 people behave like rings:
short night calls and money to one member; three hub numbers). This generator was written
apart from the sample county's, so the planted ring-like groups found and precision@K are
reported too (a second check of the defaults).

``generate(..., arrests=True)`` (``--arrests``; off by default, so every figure above and in
RESULTS.md stays what it was) adds police records drawn from a separate random stream (the
calls, money and planted groups are the same): about half of the ring-like groups have one
or two members arrested together in one trafficking case, and 0.5% of the other persons
were arrested alone, for drug use or possession (users, not ring members). The planted truth
does not change: arrests are evidence and seeds for the cut (``benchmarks/cut.py``), not
answers. Then, timed separately:

* ``links``: the link layers in SQL; ``arrays``: the fused graph as numpy arrays;
* ``leiden``: the CPM resolution sweep (igraph); ``scoring``: candidates, trimming,
  evidence scores, selection;
* ``networkx``: the naive peer path: calls aggregated to person pairs in SQL, then
  ``from_pandas_edgelist`` + ``louvain_communities`` (seed 0); skipped above 2M calls
  (it does not finish in reasonable time on this machine).

Two ratios: *core* (arrays + Leiden + scoring against from_pandas_edgelist + Louvain) and
*end-to-end* (adding each side's SQL: our five layers, the naive path's call pairs).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"


def _groups(calls: int, seed: int = 0):
    """The social groups and the ring-like ones; the RNG is returned to go on drawing."""
    rng = np.random.default_rng(seed)
    n = max(300, calls // 30)
    sizes = rng.integers(3, 31, size=n // 3)
    group = np.repeat(np.arange(len(sizes)), sizes)[:n]
    if len(group) < n:
        group = np.concatenate([group, np.full(n - len(group), group[-1])])
    ring_groups = np.nonzero((sizes <= 6) & (rng.random(len(sizes)) < 0.03))[0]
    return rng, n, sizes, group, ring_groups


def planted_rings(calls: int, seed: int = 0) -> list[list[str]]:
    """Members of the ring-like groups that made it into the county (3 persons or more)."""
    _rng, _n, _sizes, group, ring_groups = _groups(calls, seed)
    order = np.argsort(group, kind="stable")
    starts = np.searchsorted(group[order], ring_groups)
    ends = np.searchsorted(group[order], ring_groups, side="right")
    out = []
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        if b - a >= 3:
            out.append([f"P{i:07d}" for i in sorted(order[a:b].tolist())])
    return out


def generate(db: Path, calls: int, seed: int = 0, arrests: bool = False) -> dict:
    """Write a synthetic case with ``calls`` calls straight into a new store (with police
    records when ``arrests``; see the module docstring)."""
    from workbench.store.database import Store

    rng, n, sizes, group, ring_groups = _groups(calls, seed)
    is_ring = np.isin(group, ring_groups)
    order = np.argsort(group, kind="stable")
    starts = np.searchsorted(group[order], np.arange(len(sizes)))
    counts = np.bincount(group, minlength=len(sizes))
    phones = np.array([f"+86138{i:08d}" for i in range(n)], dtype=object)
    caller = rng.integers(0, n, size=calls)
    inside = rng.random(calls) < 0.8
    g = group[caller]
    pick = starts[g] + (rng.random(calls) * counts[g]).astype(np.int64)
    callee = np.where(inside, order[np.minimum(pick, n - 1)], rng.integers(0, n, size=calls))
    ring_call = is_ring[caller] & inside
    night = ring_call & (rng.random(calls) < 0.6)
    hour = np.where(night, rng.choice([22, 23, 0, 1, 2], size=calls), rng.integers(8, 22, calls))
    t0 = np.datetime64("2019-01-01T00:00:00")
    ts = (t0 + rng.integers(0, 180, calls).astype("timedelta64[D]")
          + hour.astype("timedelta64[h]") + rng.integers(0, 3600, calls).astype("timedelta64[s]"))
    duration = np.where(ring_call, rng.integers(10, 80, calls),
                        rng.exponential(150, calls).astype(np.int64) + 5)
    callee_num = phones[callee]
    hub = rng.random(calls) < 0.02
    callee_num = np.where(hub, rng.choice(["10086", "+8657188888888", "95338"], calls),
                          callee_num)
    keep = caller != callee
    with Store(db) as store:
        con = store.con
        con.execute("SET TimeZone = 'UTC'")
        pid = np.array([f"P{i:07d}" for i in range(n)], dtype=object)
        con.register("_p", pa.table({"person_id": pid, "name": pid}))
        con.execute("INSERT INTO persons (person_id, name, _source, _line, _row_hash) "
                    "SELECT person_id, name, 0, row_number() OVER (), hash(person_id) FROM _p")
        con.register("_ph", pa.table({"phone": phones, "person_id": pid}))
        con.execute("INSERT INTO phones (phone, person_id, _source, _line, _row_hash) "
                    "SELECT phone, person_id, 0, row_number() OVER (), hash(phone) FROM _ph")
        con.execute("INSERT INTO accounts (account_id, person_id, _source, _line, _row_hash) "
                    "SELECT 'A' || person_id, person_id, 0, row_number() OVER (), "
                    "hash(person_id) FROM _p")
        con.register("_c", pa.table({
            "caller": phones[caller[keep]], "callee": callee_num[keep],
            "started_at": pa.array(ts[keep].astype("datetime64[us]")),
            "duration_s": duration[keep].astype(np.int32)}))
        con.execute(
            "INSERT INTO calls (caller, callee, started_at, duration_s, _source, _line, _row_hash) "
            "SELECT caller, callee, timezone('Asia/Shanghai', started_at), duration_s, 0, "
            "row_number() OVER (), hash(caller, callee, started_at) FROM _c")
        # money: ring members pay the first member of their group, others pay friends
        members = np.nonzero(is_ring)[0]
        boss = order[starts[group[members]]]
        payer = np.concatenate([np.repeat(members, 6), rng.integers(0, n, n)])
        payee = np.concatenate([np.repeat(boss, 6), rng.integers(0, n, n)])
        ok = payer != payee
        m = int(ok.sum())
        con.register("_t", pa.table({
            "f": np.array([f"AP{i:07d}" for i in payer[ok]], dtype=object),
            "t": np.array([f"AP{i:07d}" for i in payee[ok]], dtype=object),
            "amount": rng.integers(100, 30000, m).astype(np.float64),
            "ts": pa.array((t0 + rng.integers(0, 180 * 86400, m).astype("timedelta64[s]"))
                           .astype("datetime64[us]"))}))
        con.execute(
            "INSERT INTO transactions (from_account, to_account, amount, occurred_at, _source, "
            "_line, _row_hash) SELECT f, t, amount, timezone('Asia/Shanghai', ts), 0, "
            "row_number() OVER (), hash(f, t, ts, amount) FROM _t")
        n_arrests = _arrests(con, calls, seed) if arrests else 0
        con.execute("INSERT INTO meta VALUES ('timezone', 'Asia/Shanghai')")
    record_fingerprint(db)
    return {"persons": n, "calls": int(keep.sum()),
            "ring_groups": len(planted_rings(calls, seed)), "arrests": n_arrests}


def record_fingerprint(db: Path) -> None:
    """Record the store's fingerprint in ``meta`` and key its calls by number
    (:mod:`workbench.store.call_keys`), as every ingest does when it commits (a store
    written straight into its tables, as here, has neither: every command would compute
    the fingerprint from the rows, ~25 ms at 2M calls, twice per ``rings``, and group the
    calls on their numbers as strings)."""
    from workbench.store.call_keys import refresh_call_keys
    from workbench.store.database import Store

    with Store(db) as store:
        refresh_call_keys(store.con)
        if not store.meta("fingerprint"):
            store.set_meta("fingerprint", store.compute_fingerprint())


def arrested(calls: int, seed: int = 0) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``(ring, ordinary)`` arrests as ``(person, case)``: one or two members of about half
    of the planted groups, arrested together; 0.5% of the other persons, each alone. Drawn
    from a stream of its own, so the rest of the case is the one without arrests."""
    rng = np.random.default_rng([seed, 7])
    planted = planted_rings(calls, seed)
    ring, ordinary = [], []
    for k, members in enumerate(planted):
        if rng.random() < 0.5:
            for p in rng.choice(members, size=int(rng.integers(1, 3)), replace=False):
                ring.append((str(p), f"R{k:05d}"))
    _rng, n, _sizes, group, ring_groups = _groups(calls, seed)
    others = np.nonzero(~np.isin(group, ring_groups))[0]
    for k, i in enumerate(sorted(rng.choice(others, size=max(1, n // 200), replace=False))):
        ordinary.append((f"P{i:07d}", f"U{k:06d}"))
    return ring, ordinary


def _arrests(con, calls: int, seed: int) -> int:
    ring, ordinary = arrested(calls, seed)
    rng = np.random.default_rng([seed, 8])
    rows = ([(p, c, "贩卖毒品", "甲基苯丙胺") for p, c in ring]
            + [(p, c, "吸毒" if rng.random() < 0.7 else "非法持有毒品", "甲基苯丙胺")
               for p, c in ordinary])
    days = rng.integers(0, 180, len(rows))
    con.register("_a", pa.table({
        "person_id": [r[0] for r in rows], "case_id": [r[1] for r in rows],
        "charge": [r[2] for r in rows], "drug": [r[3] for r in rows],
        "ts": pa.array((np.datetime64("2019-01-01T10:00:00")
                        + days.astype("timedelta64[D]")).astype("datetime64[us]"))}))
    con.execute(
        "INSERT INTO arrests (person_id, arrested_at, arrest_id, case_id, charge, drug, "
        "_source, _line, _row_hash) SELECT person_id, timezone('Asia/Shanghai', ts), "
        "'AR' || row_number() OVER (), case_id, charge, drug, 0, row_number() OVER (), "
        "hash(person_id, case_id) FROM _a")
    return len(rows)


def _quality(rings: list[list[str]], planted: list[list[str]]) -> dict:
    """Planted ring-like groups found (Jaccard >= 0.6 among the top K) and precision@K."""
    def jac(a, b):
        return len(set(a) & set(b)) / len(set(a) | set(b))

    top = rings[:len(planted)]
    found = sum(any(jac(p, r) >= 0.6 for r in top) for p in planted)
    right = sum(any(jac(p, r) >= 0.6 for p in planted) for r in top)
    return {"planted": len(planted), "found": found,
            "precision": right / len(top) if top else 1.0}


def measure(db: Path, with_networkx: bool, calls: int) -> dict:
    import resource

    from workbench.evidence.links import build_layers
    from workbench.graph.fused import build_graph
    from workbench.rings.search import find_rings
    from workbench.store.database import Store

    out = {}
    with Store(db, read_only=True) as store:
        t = time.perf_counter()
        layers = build_layers(store.con)
        out["links"] = time.perf_counter() - t
        t = time.perf_counter()
        graph = build_graph(store.con, layers)
        out["arrays"] = time.perf_counter() - t
        pairs = None
        if with_networkx:  # the naive path's own aggregation: calls to person pairs
            t = time.perf_counter()
            pairs = store.con.execute(
                "SELECT least(pa.person_id, pb.person_id) AS u, "
                "greatest(pa.person_id, pb.person_id) AS v, count(*) AS n_calls FROM calls c "
                "JOIN phones pa ON pa.phone = c.caller JOIN phones pb ON pb.phone = c.callee "
                "WHERE pa.person_id <> pb.person_id GROUP BY ALL").df()
            out["networkx_sql"] = time.perf_counter() - t
    t = time.perf_counter()
    result, _ = find_rings(graph)
    total = time.perf_counter() - t
    out["leiden"] = result.params["timing"]["leiden"]
    out["scoring"] = total - out["leiden"]
    out["workbench_total"] = out["links"] + out["arrays"] + total
    out.update(nodes=graph.n, edges=graph.m, rings=len(result.rings),
               **_quality([r.members for r in result.rings], planted_rings(calls)))
    if with_networkx:
        import networkx as nx

        t = time.perf_counter()
        g = nx.from_pandas_edgelist(pairs, "u", "v", edge_attr="n_calls")
        nx.community.louvain_communities(g, weight="n_calls", seed=0)
        out["networkx"] = time.perf_counter() - t
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


NAIVE_SCRIPT = """
import sys, duckdb, networkx as nx
con = duckdb.connect(sys.argv[1], read_only=True)
pairs = con.execute(
    "SELECT least(pa.person_id, pb.person_id) AS u, greatest(pa.person_id, pb.person_id) AS v, "
    "count(*) AS n_calls FROM calls c JOIN phones pa ON pa.phone = c.caller "
    "JOIN phones pb ON pb.phone = c.callee WHERE pa.person_id <> pb.person_id "
    "GROUP BY ALL").df()
g = nx.from_pandas_edgelist(pairs, "u", "v", edge_attr="n_calls")
parts = nx.community.louvain_communities(g, weight="n_calls", seed=0)
print(len(parts))
"""


def measure_cli(db: Path) -> dict:
    """Wall seconds of the two commands as a user runs them, process start included:
    ``workbench rings --db DB --json`` against the naive script (SQL pairs + networkx
    Louvain) in a fresh interpreter. The store's kept analysis is dropped first, so the
    command does the whole search (and keeps it, as a user's first ``rings`` does)."""
    import resource

    import duckdb

    with duckdb.connect(str(db)) as con:  # a first `rings`: nothing kept from a run before
        con.execute("DROP TABLE IF EXISTS analysis_cache")
    out = {}
    for name, cmd in (("workbench", [sys.executable, "-m", "workbench", "rings",
                                     "--db", str(db), "--json"]),
                      ("networkx", [sys.executable, "-c", NAIVE_SCRIPT, str(db)])):
        t, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, check=True, capture_output=True)
        out[name] = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        out[name + "_cpu"] = (after.ru_utime - before.ru_utime
                              + after.ru_stime - before.ru_stime)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", action="store_true",
                        help="also time both paths as commands, process start included")
    parser.add_argument("--calls", type=int, nargs="*", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--networkx-max", type=int, default=2_000_000)
    parser.add_argument("--arrests", action="store_true",
                        help="cases with police records (see generate)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        db, nxflag, calls = args.child
        print(json.dumps(measure(Path(db), nxflag == "1", int(calls))))
        return
    WORK.mkdir(exist_ok=True)
    for calls in args.calls:
        db = WORK / f"core{'_arrests' if args.arrests else ''}_{calls}.duckdb"
        if not db.exists():
            t = time.perf_counter()
            info = generate(db, calls, arrests=args.arrests)
            print(f"generated {info} in {time.perf_counter() - t:.1f} s", flush=True)
        record_fingerprint(db)  # a store generated before the fingerprint was recorded
        res = subprocess.run(
            [sys.executable, __file__, "--child", str(db),
             "1" if calls <= args.networkx_max else "0", str(calls)],
            capture_output=True, text=True, check=True)
        m = json.loads(res.stdout.strip().splitlines()[-1])
        nxs = m.get("networkx")
        core = m["arrays"] + m["leiden"] + m["scoring"]
        ratio = (f"core x{nxs / core:.1f}, end-to-end x"
                 f"{(nxs + m['networkx_sql']) / m['workbench_total']:.1f}") if nxs else "skipped"
        print(f"{calls:>11,} calls | {m['nodes']:,} nodes {m['edges']:,} edges | links "
              f"{m['links']:.2f} s arrays {m['arrays']:.2f} s leiden {m['leiden']:.2f} s "
              f"scoring {m['scoring']:.2f} s | workbench {m['workbench_total']:.2f} s | "
              f"networkx {nxs and round(nxs, 2)} s ({ratio}) | rings {m['rings']}, planted "
              f"ring-like groups found {m['found']}/{m['planted']} precision@K "
              f"{m['precision']:.2f} | "
              f"peak {m['peak_mb']:.0f} MB", flush=True)
        if args.cli:
            c = measure_cli(db)
            print(f"{'':>11} as commands: workbench rings {c['workbench']:.2f} s "
                  f"(cpu {c['workbench_cpu']:.2f} s) | networkx script {c['networkx']:.2f} s "
                  f"(cpu {c['networkx_cpu']:.2f} s) | x{c['networkx'] / c['workbench']:.1f} "
                  f"(cpu x{c['networkx_cpu'] / c['workbench_cpu']:.1f})", flush=True)


if __name__ == "__main__":
    main()
