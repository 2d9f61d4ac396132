"""How much the suspicious-subgraph cut shrinks the graph, and whether it loses rings.

Usage::

    .venv/bin/python benchmarks/cut.py                          # 1M calls
    .venv/bin/python benchmarks/cut.py --calls 1000000 10000000 --hops 2
    .venv/bin/python benchmarks/cut.py --engine spark           # heavy stage on local[2]
    .venv/bin/python benchmarks/cut.py --seeds arrest           # arrests alone as seeds

The case is ``benchmarks/core.py``'s generator with police records (``arrests=True``: one
or two members of about half of the planted ring-like groups arrested together, 0.5% of
the other persons arrested alone for drug use). Three runs of the heavy stage (on DuckDB
over the store, or on Spark over its ``export-parquet`` files), each writing pair Parquet:

* ``full``: every pair (the default path);
* ``pairs>=2``: single-call pairs that no other layer carries dropped (``min_pair_calls``);
* ``cut``: the same, then the cut (:mod:`workbench.cut`: seeds from arrests, ring-like
  calls and repeated money, ``--hops`` hops, never through a service).

Then the one-machine core (fusion, Leiden, scoring) on each pair directory, each in a
fresh process so its peak memory (RSS) is its own. Printed side by side: nodes and edges,
seeds by kind, heavy-stage and core seconds, core peak memory, the planted groups' members
kept, rings reported and how many have exactly the members of a ring found on the full
graph, and planted groups found (Jaccard >= 0.6 among the top K) with precision@K.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

VARIANTS = ("full", "pairs>=2", "cut")


def heavy(db: Path, out: Path, engine_kind: str, hops: int, max_degree: int | None,
          seeds: tuple[str, ...]) -> dict:
    """The three heavy-stage runs; pair Parquet under ``out/<variant>``."""
    from workbench.engine import DuckDBEngine
    from workbench.scale.cut import CutParams
    from workbench.scale.spark_stage import run_heavy_stage
    from workbench.store.database import Store

    res = {}
    with Store(db, read_only=True) as store:
        if engine_kind == "spark":
            from workbench.engine.spark_engine import LOCAL_CONFIG, SparkEngine, spark_session
            from workbench.engine.tables import open_parquet_tables

            data = out / "export"
            store.export_parquet(data)
            engine = SparkEngine(spark_session("local[2]", {
                **LOCAL_CONFIG, "spark.driver.memory": "4g"}), "UTC")
            open_parquet_tables(engine, data)
        else:
            engine = DuckDBEngine.for_store(store)
        try:
            for name, min_pair_calls, cut in (
                    ("full", 1, None), ("pairs>=2", 2, None),
                    ("cut", 2, CutParams(hops=hops, max_degree=max_degree, seeds=seeds))):
                t = time.perf_counter()
                layers, _ = run_heavy_stage(engine, out / name, min_pair_calls=min_pair_calls,
                                            cut=cut)
                res[name] = {"heavy": time.perf_counter() - t, "cut": layers.cut or None,
                             "tables": sorted(layers.handles), "tz": engine.tz}
        finally:
            engine.close()
    return res


def core(pairs: Path, tables: list[str], tz: str, calls: int) -> dict:
    """The one-machine core on pair Parquet: graph, rings, quality, peak memory."""
    from core import _quality, planted_rings

    from workbench.evidence.links import Layers, LinkParams
    from workbench.rings.search import find_rings
    from workbench.scale.spark_stage import core_from_pairs

    layers = Layers(LinkParams(), handles=dict.fromkeys(tables))
    t = time.perf_counter()
    graph, local = core_from_pairs(pairs, layers, tz)
    local.engine.close()
    t_graph = time.perf_counter() - t
    t = time.perf_counter()
    result, _ = find_rings(graph)
    t_rings = time.perf_counter() - t
    planted = planted_rings(calls)
    ids = set(map(str, graph.ids))
    members = [m for p in planted for m in p]
    return {"nodes": graph.n, "edges": graph.m, "graph": t_graph, "rings_s": t_rings,
            "rings": len(result.rings), "planted_members": len(members),
            "members": [sorted(r.members) for r in result.rings],
            "planted_kept": sum(m in ids for m in members),
            **_quality([r.members for r in result.rings], planted),
            "peak_mb": _peak_mb()}


def _peak_mb() -> float:
    """This process's peak resident memory (``VmHWM``: its own, where ``ru_maxrss`` of a
    forked child starts from the parent's peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(*args: str) -> dict:
    res = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                         text=True)
    if res.returncode:
        log = WORK / f"cut-{args[0]}.stderr"
        log.write_text(res.stderr)
        raise SystemExit(f"child {args[0]} failed (stderr in {log}):\n{res.stderr[-2000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def run(calls: int, engine_kind: str, hops: int, max_degree: int | None,
        seeds: str) -> None:
    from core import generate

    WORK.mkdir(exist_ok=True)
    db = WORK / f"core_arrests_{calls}.duckdb"
    if not db.exists():
        t = time.perf_counter()
        info = generate(db, calls, arrests=True)
        print(f"generated {info} in {time.perf_counter() - t:.1f} s", flush=True)
    with tempfile.TemporaryDirectory(prefix="cut-bench-", dir=WORK) as tmp:
        stage = _child("heavy", str(db), tmp, engine_kind, str(hops), str(max_degree or 0),
                       seeds)
        cores = {name: _child("core", str(Path(tmp) / name),
                              json.dumps(stage[name]["tables"]), stage[name]["tz"], str(calls))
                 for name in VARIANTS}
    cut = stage["cut"]["cut"]
    print(f"\n{calls:,} calls, heavy stage on {engine_kind}, cut: {hops} hops, max degree "
          f"{max_degree or 'none'}; seeds {cut['seeds']}; kept per hop "
          f"{cut['kept_per_hop']}; thresholds {json.dumps(cut['thresholds'])}")
    rows = [("nodes", lambda c, s: f"{c['nodes']:,}"),
            ("edges", lambda c, s: f"{c['edges']:,}"),
            ("heavy stage s", lambda c, s: f"{s['heavy']:.1f}"),
            ("  of which cut s", lambda c, s: f"{s['cut']['seconds']:.1f}" if s["cut"] else "-"),
            ("core: graph s", lambda c, s: f"{c['graph']:.2f}"),
            ("core: rings s", lambda c, s: f"{c['rings_s']:.2f}"),
            ("core peak MB", lambda c, s: f"{c['peak_mb']:,.0f}"),
            ("planted members kept", lambda c, s: f"{c['planted_kept']}/{c['planted_members']}"),
            ("rings reported", lambda c, s: f"{c['rings']}"),
            ("  same members as full", lambda c, s: f"{_same(c, cores['full'])}/{c['rings']}"),
            ("planted found", lambda c, s: f"{c['found']}/{c['planted']}"),
            ("precision@K", lambda c, s: f"{c['precision']:.2f}")]
    print(f"{'':22}" + "".join(f"{v:>14}" for v in VARIANTS))
    for label, fmt in rows:
        print(f"{label:22}" + "".join(f"{fmt(cores[v], stage[v]):>14}" for v in VARIANTS))
    for c in cores.values():
        c.pop("members")
    print(json.dumps({"calls": calls, "engine": engine_kind, "stage": stage, "core": cores}),
          flush=True)


def _same(run: dict, full: dict) -> int:
    """Rings of ``run`` whose members are exactly those of a ring of the full graph."""
    known = {tuple(m) for m in full["members"]}
    return sum(tuple(m) in known for m in run["members"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
    parser.add_argument("--hops", type=int, default=2)
    parser.add_argument("--max-degree", type=int, default=None)
    parser.add_argument("--seeds", default="arrest,ringlike,money",
                        help="seed kinds, comma-separated")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "heavy":
            db, out, engine_kind, hops, max_degree, seeds = rest
            out_data = heavy(Path(db), Path(out), engine_kind, int(hops),
                             int(max_degree) or None, tuple(seeds.split(",")))
        else:
            pairs, tables, tz, calls = rest
            out_data = core(Path(pairs), json.loads(tables), tz, int(calls))
        print(json.dumps(out_data))
        return
    for calls in args.calls:
        run(calls, args.engine, args.hops, args.max_degree, args.seeds)


if __name__ == "__main__":
    main()
