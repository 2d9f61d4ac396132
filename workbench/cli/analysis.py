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
    _named,
    _ring_kwargs,
    _ring_options,
    _ring_table,
    _selection_options,
    _table,
    _wait_option,
    _window_options,
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
    if not result.rings:
        _echo("no rings found")
        return
    names = case.names(m for r in result.rings for m in r.members) if case else {}
    _echo(_ring_table(result.rings, names,
                      currency=result.params.get("currency", "CNY")))
    for r in result.rings:
        _echo(f"{r.id}: " + ", ".join(
            f"{_named(m, names)}{'*' if m == r.leader else ''}" for m in r.members))
    hubs = result.params.get("hubs") or []
    if hubs:
        _echo(f"\n{len(hubs)} service numbers/accounts (their links do not group people):")
        for h in hubs[:5]:
            _echo(f"  {h['id']}: {h['reason']}")
        if len(hubs) > 5:
            _echo(f"  ... and {len(hubs) - 5} more (rings --json lists every one)")


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
    if as_json:
        _emit({"people": people})
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
@_json_option
@_wait_option
def path(db, a, b, since, until, temporal, as_json, wait):
    """Strongest and shortest path between two persons, with evidence per hop."""
    case = Case(db, wait=wait)
    if temporal:
        hops = case.temporal_path(a, b, since=since, until=until)
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
    paths = case.paths(a, b, since=since, until=until)
    if as_json:
        _emit({"paths": paths})
        return
    if not paths:
        _echo(f"no path between {a} and {b}")
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
@_window_options
@_wait_option
def snapshot(db, out, ring, person, hops, redact, redact_names, title, since, until, wait):
    """Write a self-contained, offline HTML snapshot of rings or a person's network."""
    from ..views.snapshot import write_snapshot

    vm = Case(db, wait=wait).view(ring=ring, person=person, hops=hops, title=title,
                                  since=since, until=until)
    write_snapshot(vm, out, redact=redact, redact_names=redact_names)
    _echo(f"wrote {out} ({vm.graph.number_of_nodes()} nodes, "
          f"{vm.graph.number_of_edges()} links{', redacted' if redact else ''})")


@cli.command()
@_db_option
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write: .png .svg .pdf (diagram), .graphml .gexf (Gephi), "
                   ".csv (members, links, evidence).")
@_selection_options
@_window_options
@_wait_option
def export(db, out, ring, person, hops, redact, redact_names, title, since, until, wait):
    """Export a diagram, a graph file or CSV tables of rings or a person's network."""
    from ..views.diagram import draw_diagram
    from ..views.files import write_csv, write_graph_file

    suffix = out.suffix.lower()
    if suffix not in (".png", ".svg", ".pdf", ".graphml", ".gexf", ".csv"):
        raise WorkbenchError(f"{out}: unknown export type {suffix or '(none)'!r} (use .png, "
                             ".svg, .pdf, .graphml, .gexf or .csv)")
    vm = Case(db, wait=wait).view(ring=ring, person=person, hops=hops, title=title,
                                  since=since, until=until)
    options = {"redact": redact, "redact_names": redact_names}
    if suffix in (".png", ".svg", ".pdf"):
        written = [draw_diagram(vm, out, **options)]
    elif suffix == ".csv":
        written = write_csv(vm, out, **options)
    else:
        written = [write_graph_file(vm, out, **options)]
    for path in written:
        _echo(f"wrote {path}")


@cli.command()
@_db_option
@_window_options
@click.option("--top", type=click.IntRange(min=1), default=None, help="Show only the best N.")
@_json_option
@_wait_option
def successors(db, since, until, top, as_json, wait):
    """Numbers that took over from numbers that fell silent, best first; burner groups."""
    found = Case(db, wait=wait).successors(since=since, until=until)
    if top is not None:
        found["successors"] = found["successors"][:top]
    if as_json:
        _emit(found)
        return
    if not found["successors"]:
        _echo("no successor numbers found")
    else:
        _echo(_table([[s["old"], s["new"], f"{s['score']:.3f}",
                       s["evidence"]["shared_contacts"], s["evidence"]["gap_days"],
                       s["evidence"]["old_owner"] or "-",
                       "yes" if s["evidence"]["second_order"] else ""]
                      for s in found["successors"]],
                     ["old", "new", "score", "shared", "gap days", "old owner",
                      "group switch"]))
    for g in found["burners"]:
        _echo(f"burner group ({len(g['numbers'])} numbers, {g['calls']} calls): "
              + ", ".join(g["numbers"]))
    _echo(f"confirm a pair: workbench link-phone --db {db} OLD NEW")


@cli.command("link-phone")
@_db_option
@click.argument("old")
@click.argument("new")
@click.option("--note", default=None, help="Why (kept in the link log).")
@click.option("--undo", is_flag=True, help="Remove the link (it stays in the log).")
@click.option("--list", "show", is_flag=True, help="Show the link log and exit.")
@_wait_option
def link_phone(db, old, new, note, undo, show, wait):
    """Record that two numbers are one user (reversible, logged)."""
    case = Case(db, wait=wait)
    if show:
        for link in case.phone_links():
            state = f"undone {link['unlinked_at']}" if link["unlinked_at"] else "active"
            _echo(f"{link['old']} -> {link['new']}  {link['linked_at']}  {state}  "
                  f"{link['note'] or ''}")
        return
    if undo:
        done = case.unlink_phone(old, new)
        _echo(f"unlinked {done['old']} -> {done['new']}")
    else:
        done = case.link_phone(old, new, note=note)
        _echo(f"linked {done['old']} -> {done['new']}: calls of the new number now count "
              "as the old one's user")


@cli.command()
@_db_option
@click.option("--window", "windows", multiple=True, metavar="START..END",
              help="A window (repeatable), e.g. 2019-01-01..2019-03-01; default: months.")
@_json_option
@_wait_option
def evolution(db, windows, as_json, wait):
    """Rings per time window, matched across windows, with the events between them."""
    parsed = None
    if windows:
        parsed = []
        for w in windows:
            start, sep, end = w.partition("..")
            if not sep or not start or not end:
                raise WorkbenchError(f"--window expects START..END, got {w!r}")
            parsed.append((start.strip(), end.strip()))
    result = Case(db, wait=wait).evolution(windows=parsed)
    if as_json:
        _emit(result)
        return
    for w in result["windows"]:
        _echo(f"{w['start']} .. {w['end']}: " + (", ".join(
            f"{r['id']} ({len(r['members'])}, {r['leader'] or '?'})" for r in w["rings"])
            or "no rings"))
    for e in result["events"]:  # every event, naming its ring
        before, after = ", ".join(e.get("from") or []), ", ".join(e.get("to") or [])
        if e["type"] == "organizer_changed":
            detail = f"{after or before}: organizer {e.get('old')} -> {e.get('new')}"
        elif e["type"] == "formed":
            detail = after
        elif e["type"] == "dissolved":
            detail = before
        else:
            detail = f"{before} -> {after}"
        _echo(f"{e['window']}: {e['type'].replace('_', ' ')} {detail}")


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
    df = Case(db, wait=wait).disruption(ring, max_k=max_k, top=top)
    rows = df.to_dict(orient="records")
    if as_json:
        _emit({"ring": ring, "options": rows})
        return
    _echo(_table([[r["remove"], r["k"], f"{r['impact']:.3f}", f"{r['fragmentation']:.2f}",
                   f"{r['money_cut']:.2f}", f"{r['brokerage_lost']:.2f}"] for r in rows],
                 ["remove", "k", "impact", "fragmentation", "money cut", "brokerage lost"]))


@cli.command()
@_db_option
@click.argument("persons", nargs=-1, required=True)
@_window_options
@_json_option
@_wait_option
def calls(db, persons, since, until, as_json, wait):
    """Call-record views of persons' numbers: hour x weekday, pairs, common contacts."""
    views = Case(db, wait=wait).call_views(persons, since=since, until=until)
    if as_json:
        _emit({"phones": views["phones"],
               "heat": views["heat"].to_dict(orient="index"),
               "pairs": views["pairs"].to_dict(orient="records"),
               "frequency": views["frequency"].to_dict(orient="index"),
               "common": views["common"].to_dict(orient="records")})
        return
    _echo("numbers: " + ", ".join(views["phones"]))
    heat = views["heat"].T
    _echo("\ncalls by weekday (rows) and hour of day (columns)")
    _echo(_table([[str(h), *[int(v) for v in row]] for h, row in heat.iterrows()],
                 ["day", *[str(c) for c in heat.columns]]))
    _echo("\nfirst and last contact per pair")
    _echo(views["pairs"].to_string(index=False) if not views["pairs"].empty
          else "no calls among them")
    _echo("\ncall frequency between the numbers")
    _echo(views["frequency"].to_string() if not views["frequency"].empty else "none")
    _echo("\ncommon contacts (numbers in touch with two or more of them)")
    _echo(views["common"].to_string(index=False) if not views["common"].empty else "none")


@cli.command()
@_db_option
@click.argument("snapshot_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_json_option
@_wait_option
def verify(db, snapshot_file, as_json, wait):
    """Re-run a snapshot's analysis on a store: same data? same result?

    Exit status 0 when the snapshot is reproduced, 1 when it is not (the reason is printed).
    """
    from ..views.reproduce import verify_snapshot

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


@cli.command()
@_db_option
@click.argument("person")
@click.option("--place", default=None, help="Only this hotel, venue, train/flight or cell id.")
@_window_options
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True)
@_json_option
@_wait_option
def together(db, person, place, since, until, limit, as_json, wait):
    """Who was with PERSON (id, number, ID number or name): shared hotel nights, venue
    checks, trips and cells, with both records' file and line."""
    df = Case(db, wait=wait).together(person, place, since=since, until=until, limit=limit)
    rows = [{k: (v.isoformat() if hasattr(v, "isoformat") else
                 None if isinstance(v, float) and v != v else v) for k, v in row.items()}
            for row in df.to_dict(orient="records")]
    if as_json:
        _emit({"person": person, "place": place, "together": rows})
        return
    if not rows:
        _echo(f"nobody was with {person}" + (f" at {place}" if place else ""))
        return
    _echo(_table([[r["time"], r["other"], r["kind"], r["place"],
                   " / ".join(str(x) for x in (r["pos"], r["other_pos"]) if x)
                   + (" (adjacent)" if r["adjacent"] else ""),
                   f"{Path(str(r['file'])).name}:{r['line']}",
                   f"{Path(str(r['other_file'])).name}:{r['other_line']}"] for r in rows],
                 ["time", "with", "kind", "place", "room/seat", "record", "their record"]))
