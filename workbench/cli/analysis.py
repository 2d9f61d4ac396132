"""``workbench`` commands on the analysis: rings (one machine or Spark), rank, paths,
snapshots and exports, phones and time, disruption, calls, verify, together."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import WorkbenchError
from .common import (
    Case,
    _db_option,
    _echo,
    _emit,
    _hub_options,
    _json_option,
    _limit_options,
    _named,
    _ring_kwargs,
    _ring_options,
    _ring_table,
    _selection_options,
    _table,
    _via_services_option,
    _wait_option,
    _window_options,
    _writable,
    cli,
)


@cli.command()
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The case store file (DuckDB); not needed with --engine spark --data.")
@_window_options
@_ring_options
@click.option("--around", multiple=True, metavar="ID",
              help="Find the groups around these targets (ids, numbers or names; "
                   "`--around A B C` or repeated): for exports that hold only the "
                   "targets' own records.")
@click.argument("more_targets", nargs=-1, metavar="[ID]...")
@click.option("--top", type=click.IntRange(min=1), default=None,
              help="Show only the best N rings.")
@click.option("--engine", "engine", type=click.Choice(["duckdb", "spark"]), default="duckdb",
              show_default=True, help="Where the heavy SQL stage runs.")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Spark: the case as Parquet (`workbench export-parquet`).")
@click.option("--spark-master", default=None,
              help="Spark: master URL, e.g. spark://host:7077 (default local[2]).")
@click.option("--spark-config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Spark: settings file ('spark.key value' lines).")
@click.option("--pairs-out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Spark (or with --cut-hops): keep the pair Parquet the heavy stage "
                   "returns here.")
@click.option("--min-pair-calls", type=int, default=1, show_default=True,
              help="Spark (or with --cut-hops): drop pairs with fewer calls and no other "
                   "link before the core.")
@click.option("--cut-hops", type=click.IntRange(min=0), default=0, show_default=True,
              help="Keep only the suspicious subgraph before the core: seeds (arrests, "
                   "ring-like calls, repeated money) and N hops around them (0: no cut).")
@click.option("--cut-max-degree", type=click.IntRange(min=1), default=None,
              help="With --cut-hops: do not expand through nodes with more links than this.")
@_json_option
@_wait_option
def rings(db, since, until, layers, resolution, min_size, max_size, min_score, seed, hubs,
          not_hubs, around, more_targets, top, engine, data, spark_master, spark_config,
          pairs_out, min_pair_calls, cut_hops, cut_max_degree, as_json, wait):
    """Find and rank rings, best first, with their evidence."""
    if more_targets and not around:
        raise click.UsageError(f"unexpected argument {more_targets[0]!r} (targets go "
                               "after --around)")
    kwargs = _ring_kwargs(since, until, layers, resolution, min_size, max_size, min_score,
                          seed, hubs, not_hubs)
    case = Case(db, wait=wait) if db is not None else None
    cut = _cut_params(cut_hops, cut_max_degree)
    if (engine == "spark" or cut) and around:
        raise click.UsageError("--around works on a case store (--engine duckdb, no cut)")
    if engine == "spark":
        result = _spark_rings(db, data, spark_master, spark_config, pairs_out,
                              min_pair_calls, kwargs, cut)
    elif case is None:
        raise click.UsageError("--db is required (or --engine spark --data DIR)")
    elif cut:  # the heavy-stage path on the store's own DuckDB
        from ..scale import rings_on_store

        with case.open() as store:
            result = rings_on_store(store, pairs=pairs_out, min_pair_calls=min_pair_calls,
                                    cut=cut, **kwargs)
    else:
        result = case.rings(**kwargs, around=[*around, *more_targets] or None)
    if top is not None:
        result.rings = result.rings[:top]
    if as_json:
        _emit(result.as_dict())
        return
    absent = result.params.get("around_not_in_graph") or []
    lone = [t for t in result.params.get("around_without_group") or [] if t not in absent]
    names = case.names([*(m for r in result.rings for m in r.members),
                        *result.brokers, *lone, *absent]) if case else {}
    if absent:  # a target is never dropped silently
        _echo(f"no link of {', '.join(_named(t, names) for t in absent)} in this case or "
              "window (a number several persons held: name the holder)")
    if lone:
        _echo(f"no group around {', '.join(_named(t, names) for t in lone)}: fewer than "
              f"{result.params['ring']['min_size']} persons tied to them")
    if not result.rings:
        if not (lone or absent):  # the targets without a group are the whole answer
            _echo(_why_no_rings(result.params))
        return
    _echo(_ring_table(result.rings, names,
                      currency=result.params.get("currency", "CNY")))
    for r in result.rings:
        _echo(f"{r.id}: " + ", ".join(
            f"{_named(m, names)}{'*' if m == r.leader else ''}" for m in r.members))
        for p in r.evidence.get("patterns") or []:
            _echo(f"  {p['kind']} pattern, money in time order:")
            for t in p["transfers"][:8]:
                _echo(f"    {t['order']}. {t['at'][:16].replace('T', ' ')}  {t['from']} -> "
                      f"{t['to']}  {t['currency']} {t['amount']}  ({t['file']}:{t['line']})")
            if len(p["transfers"]) > 8:
                _echo(f"    ... and {len(p['transfers']) - 8} more (rings --json lists "
                      "every one)")
    if result.brokers:
        _echo(f"\n{len(result.brokers)} brokers (tied to two or more rings, kept out of "
              "them):")
        for pid, ring_ids in sorted(result.brokers.items(), key=lambda kv: (-len(kv[1]),
                                                                          kv[0])):
            _echo(f"  {_named(pid, names)}: {', '.join(ring_ids)}")
    hubs = result.params.get("hubs") or []
    if hubs:
        _echo(f"\n{len(hubs)} service numbers/accounts (their links do not group people):")
        for h in hubs[:5]:
            _echo(f"  {h['id']}: {h['reason']}")
        if len(hubs) > 5:
            _echo(f"  ... and {len(hubs) - 5} more (rings --json lists every one)")


def _local(value, tz: str | None) -> str | None:
    """An ISO time as the case's local time (``2019-06-01 00:00``)."""
    if not value:
        return None
    import datetime as dt
    from zoneinfo import ZoneInfo

    when = dt.datetime.fromisoformat(str(value))
    if tz and when.tzinfo is not None:
        when = when.astimezone(ZoneInfo(tz))
    return when.strftime("%Y-%m-%d %H:%M")


def _why_no_rings(params: dict) -> str:
    """Why a search found nothing, from its parameters: no records in the window, no links,
    or groups that did not reach the size or score asked."""
    graph = params.get("graph") or {}
    links = params.get("links") or {}
    window = ""
    if links.get("since") or links.get("until"):
        tz = params.get("timezone")
        window = (f" between {_local(links.get('since'), tz) or 'the start'} and "
                  f"{_local(links.get('until'), tz) or 'the end'}")
    if graph and not graph.get("edges"):
        return f"no rings found: no links between people{window} (no calls, transfers, " \
               "arrests, kinship or meetings there)"
    ring = params.get("ring") or {}
    return (f"no rings found: {graph.get('nodes', 0):,} people and {graph.get('edges', 0):,} "
            f"links{window}, {params.get('candidates', 0)} candidate groups, none of "
            f"{ring.get('min_size')}-{ring.get('max_size')} members scoring at least "
            f"{ring.get('min_score')} (try --min-score, --min-size or a wider window)")


def _cut_params(hops: int, max_degree: int | None):
    """The cut's parameters from ``--cut-hops`` / ``--cut-max-degree`` (None: no cut)."""
    if not hops:
        if max_degree is not None:
            raise click.UsageError("--cut-max-degree needs --cut-hops N")
        return None
    from ..scale import CutParams

    return CutParams(hops=hops, max_degree=max_degree)


def _spark_rings(db, data, master, config_file, pairs_out, min_pair_calls, kwargs, cut):
    import tempfile

    from ..scale import read_spark_config, rings_on_spark

    config = read_spark_config(config_file) if config_file else None
    with tempfile.TemporaryDirectory(prefix="workbench-export-") as tmp:
        if data is None:  # a store: export it first (a province case arrives as Parquet)
            if db is None:
                raise click.UsageError("--engine spark needs --data DIR (or --db to export)")
            with Case(db).open() as store:
                store.export_parquet(tmp)
            data = Path(tmp)
        return rings_on_spark(data, master=master, config=config, pairs=pairs_out,
                              min_pair_calls=min_pair_calls, cut=cut, **kwargs)


@cli.command()
@_db_option
@_window_options
@_hub_options
@click.option("--top", type=click.IntRange(min=1), default=50, show_default=True)
@_json_option
@_wait_option
def rank(db, since, until, hubs, not_hubs, top, as_json, wait):
    """Everyone in the case ranked as a key player, best first."""
    case = Case(db, wait=wait)
    df = case.rank(since=since, until=until, top=top,
                   hubs=list(hubs) or None, not_hubs=list(not_hubs) or None)
    people = [{k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
              for row in df.to_dict(orient="records")]
    if as_json:  # how the betweenness was estimated (sources, exact or sampled)
        _emit({"people": people, "params": {"betweenness": df.attrs.get("betweenness")}})
        return
    names = case.names(p["person_id"] for p in people)
    _echo(_table([[_named(p["person_id"], names), f"{p['score']:.3f}", p["ring"] or "-",
                   p["role"], f"{p['strength']:.1f}", p["degree"]] for p in people],
                 ["person", "score", "ring", "role", "strength", "degree"]))


@cli.command()
@_db_option
@click.argument("a")
@click.argument("b")
@_window_options
@click.option("--temporal", is_flag=True,
              help="Earliest-arrival chain of calls in time order (from --since on).")
@_via_services_option
@_json_option
@_wait_option
def path(db, a, b, since, until, temporal, via_services, as_json, wait):
    """Strongest and shortest path between two persons, with evidence per hop; never through
    a service number or account unless --via-services."""
    case = Case(db, wait=wait)
    if temporal:
        hops = case.temporal_path(a, b, since=since, until=until, via_services=via_services)
        if as_json:
            _emit({"paths": [{"kind": "earliest_arrival", "hops": hops,
                              "nodes": [hops[0]["from"]] + [h["to"] for h in hops]
                              if hops else []}]})
            return
        if not hops:
            _echo(f"no chain of calls from {a} reaches {b} in time order")
        names = case.names([h["from"] for h in hops] + [h["to"] for h in hops])
        for h in hops:
            _echo(f"{h['at']}  {_named(h['from'], names)} -> {_named(h['to'], names)}")
        return
    paths = case.paths(a, b, since=since, until=until, via_services=via_services)
    if as_json:
        _emit({"paths": paths})
        return
    if not paths:
        _echo(f"no path between {a} and {b}"
              + ("" if via_services else " that avoids services (try --via-services)"))
        return
    names = case.names(n for p in paths for n in p["nodes"])
    for p in paths:
        _echo(f"{p['kind']} path ({len(p['hops'])} hops): "
              + " -> ".join(_named(n, names) for n in p["nodes"]))
        for h in p["hops"]:
            _echo(f"  {_named(h['from'], names)} - {_named(h['to'], names)}: "
                  f"{', '.join(h.get('layers', []))}; "
                  f"{int(h.get('n_calls', 0))} calls, {int(h.get('n_tx', 0))} transfers")


@cli.command()
@_db_option
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The HTML file to write.")
@_selection_options
@_limit_options
@_window_options
@_wait_option
def snapshot(db, out, ring, person, hops, redact, redact_names, title, record_limit,
             max_nodes, via_services, since, until, wait):
    """Write a self-contained, offline HTML snapshot of rings or a person's network."""
    from ..views.complete import completeness_text
    from ..views.snapshot import write_snapshot

    _writable(out)
    vm = Case(db, wait=wait).view(ring=ring, person=person, hops=hops, title=title,
                                  since=since, until=until, record_limit=record_limit,
                                  max_nodes=max_nodes, via_services=via_services)
    write_snapshot(vm, out, redact=redact, redact_names=redact_names)
    _logged(db, wait, "snapshot", out, vm, redact)
    _echo(f"wrote {out} ({vm.graph.number_of_nodes()} nodes, "
          f"{vm.graph.number_of_edges()} links{', redacted' if redact else ''})")
    _echo(completeness_text(vm.meta).replace("--db CASE", f"--db {db}"))


@cli.command()
@_db_option
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write: .png .svg .pdf (diagram), .graphml .gexf (Gephi), "
                   ".csv (members, links, evidence), .anx (i2 Analyst's Notebook).")
@_selection_options
@_limit_options
@click.option("--paper", type=click.Choice(["A4", "A3", "A2"]), default=None,
              help="Paper of a diagram (default: chosen from the number of people, so that "
                   "names print at 6 pt or more).")
@_window_options
@_wait_option
def export(db, out, ring, person, hops, redact, redact_names, title, record_limit, max_nodes,
           via_services, paper, since, until, wait):
    """Export a diagram, a graph file or CSV tables of rings or a person's network."""
    from ..views.diagram import draw_diagram
    from ..views.files import write_csv, write_graph_file

    suffix = out.suffix.lower()
    if suffix not in (".png", ".svg", ".pdf", ".graphml", ".gexf", ".csv", ".anx"):
        raise WorkbenchError(f"{out}: unknown export type {suffix or '(none)'!r} (use .png, "
                             ".svg, .pdf, .graphml, .gexf, .csv or .anx)")
    _writable(out)
    vm = Case(db, wait=wait).view(ring=ring, person=person, hops=hops, title=title,
                                  since=since, until=until, record_limit=record_limit,
                                  max_nodes=max_nodes, via_services=via_services)
    options = {"redact": redact, "redact_names": redact_names}
    if suffix in (".png", ".svg", ".pdf"):
        written = [draw_diagram(vm, out, paper=paper, **options)]
    elif suffix == ".csv":
        written = write_csv(vm, out, **options)
    elif suffix == ".anx":
        from ..views.anx import write_anx

        written = [write_anx(vm, out, **options)]
    else:
        written = [write_graph_file(vm, out, **options)]
    for path in written:
        _echo(f"wrote {path}")
    _logged(db, wait, "export", out, vm, redact)


def _logged(db, wait, action: str, out: Path, vm, redact: bool) -> None:
    """Record a file written in the case's action log (its name, never its directory)."""
    Case(db, wait=wait).log_action(action, {"file": out.name, "request": vm.meta.get("request"),
                                            "digest": vm.meta.get("digest"),
                                            "redacted": bool(redact)})


@cli.command()
@_db_option
@click.argument("ring")
@click.option("--max-k", type=int, default=3, show_default=True,
              help="Consider up to this many arrests at once.")
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True,
              help="Best sets per k.")
@_json_option
@_wait_option
def disruption(db, ring, max_k, top, as_json, wait):
    """Which arrests break a ring apart most (fragmentation, money cut, brokerage lost)."""
    if max_k < 1:
        raise click.UsageError(f"--max-k must be at least 1 (got {max_k})")
    case = Case(db, wait=wait)
    df = case.disruption(ring, max_k=max_k, top=top)
    rows = df.to_dict(orient="records")
    if as_json:
        _emit({"ring": ring, "options": rows})
        return
    if not rows:
        _echo(f"no arrest set to rank: ring {ring} has fewer than two linked members")
        return
    names = case.names({p.strip() for r in rows for p in str(r["remove"]).split(",")})
    _echo(_table([[", ".join(_named(p.strip(), names) for p in str(r["remove"]).split(",")),
                   r["k"], f"{r['impact']:.3f}", f"{r['fragmentation']:.2f}",
                   f"{r['money_cut']:.2f}", f"{r['brokerage_lost']:.2f}"] for r in rows],
                 ["remove", "k", "impact", "fragmentation", "money cut", "brokerage lost"]))


@cli.command()
@_db_option
@click.argument("snapshot_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_json_option
@_wait_option
def verify(db, snapshot_file, as_json, wait):
    """Re-run a snapshot's (or a report's) analysis on a store: same data? same result?

    Exit status 0 when the snapshot is reproduced, 1 when it is not (the reason is printed).
    """
    from ..views.reproduce import verify_snapshot

    if snapshot_file.suffix.lower() == ".pdf":  # a case report: rebuilt and compared
        report = Case(db, wait=wait).verify_report(snapshot_file)
    else:
        report = verify_snapshot(Case(db, wait=wait), snapshot_file)
    if as_json:
        _emit(report)
    else:
        _echo(f"snapshot: {report['file']} ({report['title']})")
        _echo(f"data:     {'same' if report['same_data'] else 'CHANGED'} (snapshot "
              f"{report['snapshot_fingerprint']}, store {report['store_fingerprint']})")
        for kind, (then, now) in report["changed_counts"].items():
            _echo(f"          {kind}: {then} then, {now} now")
        _echo(f"result:   {'reproduced' if report['reproduced'] else 'NOT reproduced'}"
              + (f" ({report['reason']})" if report.get("reason") else ""))
    if not report["reproduced"]:
        sys.exit(1)
