"""Ingest on DuckDB against ingest on Spark, the same calls CSV, side by side.

Usage::

    .venv/bin/python benchmarks/spark_ingest.py                 # 1M call rows, local[2]
    .venv/bin/python benchmarks/spark_ingest.py --rows 200000 --master spark://host:7077

The file is ``benchmarks/ingest.py``'s calls CSV (phones in several spellings, 0.5%
re-exported rows, 0.1% invalid rows). Each side runs in a fresh process:

* ``duckdb``: ``ingest_paths`` into a new case store (the fast reader, full validation);
* ``spark``: ``workbench.spark_ingest.ingest_on_spark`` into a new Parquet case directory
  (session start timed apart).

It prints seconds and the per-file accounting of both (they must agree).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from ingest import WORK, make_calls, run

SPARK = """
import json, sys, time
from workbench.engine.spark_engine import LOCAL_CONFIG, spark_session
from workbench.ingest.spark_ingest import ingest_on_spark
t0 = time.perf_counter()
spark = spark_session(sys.argv[3], {**LOCAL_CONFIG, "spark.driver.memory": "2g"})
t1 = time.perf_counter()
r = ingest_on_spark(spark, [sys.argv[1]], sys.argv[2])
f = r.files[0]
print(json.dumps({"start": t1 - t0, "seconds": time.perf_counter() - t1,
                  "result": f"{f.rows} {f.stored} {f.duplicates} {f.rejected} spark"}))
"""


def run_spark(csv_path: Path, out: Path, master: str) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", SPARK, str(csv_path), str(out), master],
                          capture_output=True, text=True, check=True)
    doc = json.loads(done.stdout.strip().splitlines()[-1])
    doc.update(kind="spark", wall=time.perf_counter() - t0)
    return doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    csv_path = WORK / f"calls_{args.rows}.csv"
    if not csv_path.exists():
        make_calls(csv_path, args.rows)
    size_mb = csv_path.stat().st_size / 1e6
    duck = run("workbench", csv_path, WORK / "bench_spark_ingest.duckdb", 1024)
    spark = run_spark(csv_path, WORK / "bench_spark_ingest", args.master)
    agree = duck["result"].split()[:4] == spark["result"].split()[:4]
    print(f"{args.rows:,} call rows ({size_mb:.1f} MB), rows stored duplicates rejected")
    print(f"  duckdb ingest  {duck['seconds']:7.1f} s                      -> {duck['result']}")
    print(f"  spark ingest   {spark['seconds']:7.1f} s (+{spark['start']:.1f} s session start, "
          f"{args.master}) -> {spark['result']}")
    print(f"  accounting {'identical' if agree else 'DIFFERS'}; spark/duckdb "
          f"x{spark['seconds'] / duck['seconds']:.1f}")
    if args.json:
        print(json.dumps({"rows": args.rows, "duckdb": duck, "spark": spark, "agree": agree}))


if __name__ == "__main__":
    main()
