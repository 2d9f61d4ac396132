"""The heavy stage on any engine, and the single-machine core on the pairs it returns.

At province scale the records live as Parquet (``workbench export-parquet``, or the
carriers' and banks' exports converted once) and the aggregation runs on Spark:

1. records -> link layers on the engine (:func:`workbench.evidence.links.build_layers`): number-to-
   person resolution, services, the calls, money, co-arrest, kinship and shared layers;
2. candidate extraction: each pair table and the node tables the core reads are written
   as **pair Parquet** (``<out>/<table>.parquet``); ``min_pair_calls`` drops pairs seen in
   fewer calls that no other layer carries before they leave the cluster; ``cut`` keeps
   only the suspicious subgraph (:mod:`workbench.scale.cut`: seeds from arrests, ring-like calls
   and repeated money, expanded a few hops, never through a service);
3. the core on one machine: an in-memory DuckDB engine reads the pair Parquet, fuses the
   layers into arrays (:func:`workbench.graph.fused.build_graph`), Leiden and scoring
   (:func:`workbench.rings.search.find_rings`).

The evidence behind a ring is fetched back from the record Parquet
(:func:`evidence_from_parquet`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path

from ..analysis.patterns import add_money_patterns
from ..engine import DuckDBEngine, Engine
from ..engine.tables import REQUIRED, parquet_timezone
from ..errors import EngineError
from ..evidence import Layers, LinkParams, build_layers, file_names, records_among
from ..graph import LayerWeights, build_graph
from ..money import patterns_of_case
from ..rings import RingParams, RingResult, find_rings
from .cut import CutParams, cut_layers

__all__ = ["run_heavy_stage", "core_from_pairs", "rings_from_parquet", "evidence_from_parquet",
           "read_spark_config", "rings_on_spark", "rings_on_store"]

log = logging.getLogger(__name__)


def read_spark_config(path: str | Path) -> dict[str, str]:
    """Spark settings from a ``spark-defaults.conf``-style file.

    One setting a line, ``key value`` or ``key=value``; ``#`` starts a comment. A
    ``spark.master`` line sets the master.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "spark.conf")
    >>> _ = open(p, "w").write("# cluster\\nspark.master spark://h:7077\\n"
    ...                        "spark.executor.memory=8g\\n")
    >>> read_spark_config(p)
    {'spark.master': 'spark://h:7077', 'spark.executor.memory': '8g'}
    """
    out = {}
    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        key, sep, value = line.partition("=") if "=" in line.split()[0] else (
            line.partition(" ")[0], " ", line.partition(" ")[2])
        key, value = key.strip(), value.strip()
        if not sep or not key.startswith("spark.") or not value:
            raise EngineError(f"{path}:{number}: expected 'spark.key value', got {raw!r}")
        out[key] = value
    return out


def run_heavy_stage(engine: Engine, out: str | Path, params: LinkParams | None = None,
                    *, min_pair_calls: int = 1,
                    cut: CutParams | None = None) -> tuple[Layers, dict[str, Path]]:
    """Build the layers on ``engine`` and write every table the core reads to ``out``.

    ``cut`` (default none) writes only the suspicious subgraph (:func:`workbench.scale.cut.
    cut_layers`); what it kept, its thresholds and its seconds are in ``layers.cut``.
    Returns the layers (built on ``engine``) and the Parquet written per table.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    layers = build_layers(engine, params or LinkParams(), copresence=False, calls_view=False)
    handles = dict(layers.handles)
    if min_pair_calls > 1:
        handles.update(candidate_pairs(engine, layers, min_pair_calls))
    if cut is not None:
        t1 = time.perf_counter()
        result = cut_layers(engine, handles, cut, source=layers.handles)
        handles = result.handles
        layers.cut = {**result.params, "seconds": round(time.perf_counter() - t1, 3)}
    written = {name: engine.write_parquet(handle, out / f"{name}.parquet")
               for name, handle in handles.items()}
    log.info("heavy stage on %s: %d tables in %.1f s", engine.dialect, len(written),
             time.perf_counter() - t0)
    return layers, written


def candidate_pairs(engine: Engine, layers: Layers, min_pair_calls: int) -> dict:
    """Layer handles with call pairs below ``min_pair_calls`` calls dropped unless another
    layer links the same pair (contact, not a relationship; the ring search skips them)."""
    calls = layers.handles["_l_calls"]
    others = [layers.handles[f"_l_{name}"] for name in ("money", "coarrest", "kinship",
                                                         "shared")]
    union = " UNION ".join(f"SELECT u, v FROM {h}" for h in others)
    kept = engine.materialize(
        "_l_calls_cut",
        f"SELECT c.* FROM {calls} c LEFT JOIN ({union}) o ON o.u = c.u AND o.v = c.v "
        "WHERE c.n_calls >= ? OR o.u IS NOT NULL", [int(min_pair_calls)])
    return {"_l_calls": kept}


def core_from_pairs(pairs: str | Path, layers: Layers, tz: str,
                    weights: LayerWeights | None = None):
    """The fused graph from pair Parquet, on an in-memory DuckDB engine (one machine).

    ``layers`` is what :func:`run_heavy_stage` returned; its handles are re-pointed at the
    Parquet files. Returns ``(graph, local_layers)``; close ``local_layers.engine`` after.
    """
    pairs = Path(pairs)
    local = DuckDBEngine.over_parquet(
        {name: pairs / f"{name}.parquet" for name in layers.handles}, tz)
    moved = replace(layers, engine=local,
                    handles={name: local.table(name) for name in layers.handles})
    return build_graph(local, moved, weights or LayerWeights()), moved


def rings_from_parquet(engine: Engine, data: str | Path, pairs: str | Path,
                       link_params: LinkParams | None = None,
                       ring_params: RingParams | None = None, *,
                       weights: LayerWeights | None = None,
                       min_pair_calls: int = 1, cut: CutParams | None = None) -> RingResult:
    """Rings of a case exported as Parquet: heavy stage on ``engine``, core on one machine.

    ``engine`` already has the export's tables registered (see
    :func:`workbench.engine.open_spark`); the pair Parquet goes to ``pairs``. ``data`` gives
    the case's time zone; ``None`` takes the engine's (a DuckDB engine on a store).
    """
    tz = parquet_timezone(data) if data is not None else engine.tz
    t0 = time.perf_counter()
    layers, _written = run_heavy_stage(engine, pairs, link_params,
                                       min_pair_calls=min_pair_calls, cut=cut)
    t1 = time.perf_counter()
    graph, local = core_from_pairs(pairs, layers, tz, weights)
    try:
        rows = {name: handle.count() for name, handle in local.handles.items()}
        t2 = time.perf_counter()
        ring_params = ring_params or RingParams()
        result, _ = find_rings(graph, ring_params)
    finally:
        local.engine.close()
    if cut is None and (weights is None or weights.money > 0):
        # money patterns as on the case path, the money SQL on this engine (Spark included)
        window = link_params or LinkParams()
        doc = patterns_of_case(engine, window.since, window.until)
        if doc is not None:
            add_money_patterns(doc, result, graph, min_size=ring_params.min_size,
                               trim=ring_params.trim)
    _flag_regional(engine, data, result)
    result.params.update({
        "engine": engine.dialect, "links": layers.params.as_dict(), "hubs": layers.hubs,
        "hub_threshold": layers.hub_threshold, "weights": graph.weights.as_dict(),
        "graph": {"nodes": graph.n, "edges": graph.m}, "pairs": rows,
        "min_pair_calls": int(min_pair_calls), "cut": layers.cut or None,
        "seconds": {"heavy": round(t1 - t0, 3), "graph": round(t2 - t1, 3),
                    "rings": round(time.perf_counter() - t2, 3)},
    })
    return result


def _flag_regional(engine: Engine, data: str | Path | None, result: RingResult) -> None:
    """The ``regional`` flags as the case path sets them: registration codes read from the
    store's own connection, or from the export's Parquet (persons, stays, visits, trips)."""
    from ..analysis import flag_rings, registration_codes

    if data is None:
        flag_rings(result, registration_codes(engine.con))
        return
    data = Path(data)
    local = DuckDBEngine.over_parquet({t: data / f"{t}.parquet"
                                       for t in ("persons", "stays", "visits", "trips",
                                                 "identity_persons")
                                       if (data / f"{t}.parquet").exists()},
                                      parquet_timezone(data))
    if not (data / "identity_persons.parquet").exists():  # a Spark-ingested directory
        local.con.execute("CREATE TEMP TABLE identity_persons (person_id VARCHAR, "
                          "id_number VARCHAR)")
    try:
        flag_rings(result, registration_codes(local.con))
    finally:
        local.close()


def evidence_from_parquet(data: str | Path, persons: list[str],
                          params: LinkParams | None = None, limit: int = 5000) -> dict:
    """The records behind the links among ``persons`` read from an export's Parquet, with
    their source file and line (see :func:`workbench.evidence.links.records_among`)."""
    data = Path(data)
    engine = DuckDBEngine.over_parquet({t: data / f"{t}.parquet" for t in REQUIRED},
                                       parquet_timezone(data))
    try:
        records = records_among(engine, persons, params, limit=limit)
    finally:
        engine.close()
    # a record names its export, never the analyst's folders (as the case's records do)
    return {kind: file_names(df) for kind, df in records.items()}


def _requests(tz: str, options: dict) -> tuple[LinkParams, RingParams, LayerWeights]:
    """The options of :meth:`~workbench.case.Case.rings` as the stages' parameters, through
    the one request builder (:func:`workbench.rings.build_request`)."""
    from ..rings import build_request

    if options.get("around") or options.get("warm"):
        raise EngineError("--around and warm starts need the case store (not the heavy stage)")
    request = build_request(tz=tz, **options)
    return request.link_params(), request.ring, request.weights()


def rings_on_spark(data: str | Path, *, master: str | None = None,
                   config: dict | None = None, pairs: str | Path | None = None,
                   min_pair_calls: int = 1, cut: CutParams | None = None,
                   **options) -> RingResult:
    """``workbench rings --engine spark``: the options of :meth:`workbench.case.facade.Case.rings`
    (``since``, ``until``, ``layers``, ``resolution``, ``min_size``, ``max_size``,
    ``min_score``, ``seed``, ``hubs``, ``not_hubs``) on an export's Parquet, the heavy
    stage on Spark (``master`` such as ``local[2]`` or ``spark://host:7077``), the pair
    Parquet kept at ``pairs`` (default a temporary directory); ``cut`` keeps the suspicious
    subgraph only (:mod:`workbench.scale.cut`)."""

    from ..engine import open_spark

    tz = parquet_timezone(data)
    link, ring, weights = _requests(tz, options)
    engine = open_spark(data, tz, master=master, config=config)
    if cut is not None and "spark.sql.adaptive.enabled" not in (config or {}):
        # the cut's hop plans ran out of driver heap under adaptive execution (docs/SCALE.md)
        engine.set_conf("spark.sql.adaptive.enabled", "false")
        log.info("adaptive execution off for the cut (set it in --spark-config to choose)")
    return _rings_then_close(engine, data, pairs, link, ring, weights, min_pair_calls, cut)


def _rings_then_close(engine: Engine, data, pairs, link, ring, weights, min_pair_calls: int,
                      cut: CutParams | None) -> RingResult:
    """:func:`rings_from_parquet` with the pair Parquet at ``pairs`` (default a temporary
    directory); the engine is closed after."""
    import tempfile

    try:
        with tempfile.TemporaryDirectory(prefix="workbench-pairs-") as tmp:
            return rings_from_parquet(engine, data, pairs or tmp, link, ring, weights=weights,
                                      min_pair_calls=min_pair_calls, cut=cut)
    finally:
        engine.close()


def rings_on_store(store, *, pairs: str | Path | None = None, min_pair_calls: int = 1,
                   cut: CutParams | None = None, **options) -> RingResult:
    """The same heavy-stage path on a case store's own DuckDB (``workbench rings --db DB
    --cut-hops N``): layers, candidate pairs and the cut on the store's connection, pair
    Parquet, the core over it. Options as :func:`rings_on_spark`."""

    engine = DuckDBEngine.for_store(store)
    link, ring, weights = _requests(engine.tz, options)
    return _rings_then_close(engine, None, pairs, link, ring, weights, min_pair_calls, cut)
