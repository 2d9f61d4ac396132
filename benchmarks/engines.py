"""Both engines on one generated case: DuckDB on the store, Spark (local) on its Parquet.

Usage::

    .venv/bin/python benchmarks/engines.py                      # 1M calls
    .venv/bin/python benchmarks/engines.py --calls 1000000 10000000
    .venv/bin/python benchmarks/engines.py --master spark://host:7077 --calls 10000000

The case comes from ``benchmarks/core.py``'s generator (one person per 30 calls, ring-like
groups, three hub numbers). Each size runs in a fresh process. Timed, in the same run:

* ``export``: ``Store.export_parquet`` (the case as Parquet for Spark);
* ``duckdb_layers``: the heavy stage (services, number-to-person resolution, the five
  layers) on the store's connection; ``duckdb_graph``, ``duckdb_rings``: the core;
* ``spark_start``: SparkSession start (a JVM; paid once per process);
* ``spark_heavy``: the same heavy stage on Spark, its tables written as pair Parquet;
  ``spark_graph``, ``spark_rings``: the core on one machine from the pair Parquet.

Checked: each layer table has the same rows on both engines (compared row for row), and
the rings have the same members.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def _canonical(table) -> list[tuple]:
    """Rows as sorted tuples with instants in UTC and integral decimals as ints."""
    rows = []
    names = table.column_names
    for batch in table.to_batches():
        for row in zip(*(batch.column(n).to_pylist() for n in names), strict=True):
            rows.append(tuple(
                v.astimezone(dt.UTC) if isinstance(v, dt.datetime)
                else int(v) if isinstance(v, Decimal) and v.as_tuple().exponent >= 0
                else float(v) if isinstance(v, Decimal) else v for v in row))
    rows.sort(key=repr)
    return rows


def measure(db: Path, calls: int, master: str, driver_memory: str) -> dict:
    from workbench.engine import DuckDBEngine
    from workbench.engine.spark_engine import LOCAL_CONFIG, SparkEngine, spark_session
    from workbench.engine.tables import open_parquet_tables
    from workbench.evidence.links import LAYER_NAMES, build_layers
    from workbench.graph.fused import build_graph
    from workbench.rings.search import find_rings
    from workbench.scale.spark_stage import core_from_pairs, run_heavy_stage
    from workbench.store.database import Store

    out: dict = {"calls": calls}
    data = WORK / f"engines-{calls}-parquet"
    with Store(db, read_only=True) as store:
        t = time.perf_counter()
        store.export_parquet(data)
        out["export"] = time.perf_counter() - t
        duck = DuckDBEngine.for_store(store)
        t = time.perf_counter()
        layers = build_layers(duck)
        out["duckdb_layers"] = time.perf_counter() - t
        t = time.perf_counter()
        graph = build_graph(duck, layers)
        out["duckdb_graph"] = time.perf_counter() - t
        t = time.perf_counter()
        result, _ = find_rings(graph)
        out["duckdb_rings"] = time.perf_counter() - t
        duck_layers = {name: _canonical(layers.handles[f"_l_{name}"].arrow())
                       for name in LAYER_NAMES}
        duck_members = [sorted(r.members) for r in result.rings]
    out["duckdb_total"] = out["duckdb_layers"] + out["duckdb_graph"] + out["duckdb_rings"]

    t = time.perf_counter()
    spark = spark_session(master, {**LOCAL_CONFIG, "spark.driver.memory": driver_memory})
    out["spark_start"] = time.perf_counter() - t
    engine = SparkEngine(spark, "UTC")
    open_parquet_tables(engine, data)
    with tempfile.TemporaryDirectory(dir=WORK) as pairs:
        t = time.perf_counter()
        slayers, _written = run_heavy_stage(engine, pairs)
        out["spark_heavy"] = time.perf_counter() - t
        t = time.perf_counter()
        sgraph, local = core_from_pairs(pairs, slayers, slayers.engine.tz)
        out["spark_graph"] = time.perf_counter() - t
        t = time.perf_counter()
        sresult, _ = find_rings(sgraph)
        out["spark_rings"] = time.perf_counter() - t
        same_rows = {name: _canonical(local.handles[f"_l_{name}"].arrow())
                     for name in LAYER_NAMES}
        same = {name: same_rows[name] == duck_layers[name] for name in LAYER_NAMES}
        local.engine.close()
    engine.close()
    spark.stop()
    out["spark_total"] = out["spark_heavy"] + out["spark_graph"] + out["spark_rings"]
    out["pairs"] = {k: len(v) for k, v in same_rows.items()}
    out["layers_identical"] = same
    out["rings"] = len(duck_members)
    out["same_rings"] = duck_members == [sorted(r.members) for r in sresult.rings]
    out["nodes"], out["edges"] = graph.n, graph.m
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="4g")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        db, calls = args.child
        print(json.dumps(measure(Path(db), int(calls), args.master, args.driver_memory)))
        return
    from core import generate

    WORK.mkdir(exist_ok=True)
    for calls in args.calls:
        db = WORK / f"core-{calls}.duckdb"
        if not db.exists():
            t = time.perf_counter()
            info = generate(db, calls)
            print(f"generated {info} in {time.perf_counter() - t:.1f} s", flush=True)
        done = subprocess.run([sys.executable, __file__, "--master", args.master,
                               "--driver-memory", args.driver_memory, "--child", str(db),
                               str(calls)], capture_output=True, text=True)
        if done.returncode:
            print(done.stderr[-3000:])
            raise SystemExit(done.returncode)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(json.dumps(r, indent=1))
        print(f"{calls:>11,} calls  export {r['export']:.1f} s | DuckDB layers "
              f"{r['duckdb_layers']:.1f} s, core {r['duckdb_graph'] + r['duckdb_rings']:.1f} s"
              f" | Spark start {r['spark_start']:.1f} s, heavy {r['spark_heavy']:.1f} s, core "
              f"{r['spark_graph'] + r['spark_rings']:.1f} s | heavy ratio "
              f"{r['spark_heavy'] / r['duckdb_layers']:.1f}x | same layers "
              f"{all(r['layers_identical'].values())}, same rings {r['same_rings']}")


if __name__ == "__main__":
    main()
