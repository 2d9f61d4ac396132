"""The ``workbench`` command line: each command opens the case, calls the library, reports.

Domain errors become one line on stderr and a non-zero exit; ``--json`` prints exactly one
JSON document on stdout.
"""

from __future__ import annotations

import json
import logging
import sys
import unicodedata
from pathlib import Path

import click

from . import __version__
from .errors import WorkbenchError

# the defaults shown by --help, spelled out so that --help loads no data library
# (tests/test_visual.py checks them against workbench.normalize)
DEFAULT_REGION, DEFAULT_TZ = "CN", "Asia/Shanghai"

__all__ = ["main", "cli"]

log = logging.getLogger(__name__)

def Case(*args, **kwargs):  # noqa: N802 - stands in for the class, imported on first use
    """:class:`workbench.case.Case`, imported when a command first needs the store (so
    ``--help`` and commands that draw nothing load neither matplotlib nor igraph)."""
    from .case import Case as _Case

    return _Case(*args, **kwargs)


def parse_map_option(maps):
    """:func:`workbench.ingest.parse_map_option`, imported on use."""
    from .ingest import parse_map_option as _parse

    return _parse(maps)


_db_option = click.option(
    "--db", "db", required=True, type=click.Path(dir_okay=False, path_type=Path),
    help="The case store file (DuckDB).",
)
_json_option = click.option("--json", "as_json", is_flag=True,
                            help="Print one JSON document on stdout.")
_wait_option = click.option("--wait", type=float, default=5.0, show_default=True,
                            help="Seconds to wait while another process holds the store.")


#: terminal control characters and bidirectional overrides: text from seized records must
#: not move the cursor, retitle the terminal or reorder what an investigator reads
_UNSAFE = [c for c in range(0x20) if chr(c) not in "\n\t"] + [0x7F] + list(range(0x80, 0xA0)) + [
    0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]
_VISIBLE = {c: f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}" for c in _UNSAFE}
_JSON_SAFE = {c: f"\\u{c:04x}" for c in _UNSAFE}


def _echo(message: str = "", err: bool = False) -> None:
    r"""``click.echo`` with control characters shown as escapes, never executed.

    Examples
    --------
    >>> _echo("Li\x1b[2J Wei\u202e")
    Li\x1b[2J Wei\u202e
    """
    click.echo(str(message).translate(_VISIBLE), err=err)


def _emit(doc: dict) -> None:
    """One JSON document on stdout; control characters as JSON escapes (same values)."""
    click.echo(json.dumps(doc, ensure_ascii=False, default=str).translate(_JSON_SAFE))


def _width(text: str) -> int:
    """Columns a text takes in a terminal: Chinese characters take two.

    >>> _width("董强国 (P1)")
    11
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(rows: list[list], headers: list[str]) -> str:
    cells = [headers] + [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths, strict=True))
             .rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _ingest_options(command):
    """The files and reading options ``ingest`` and ``ingest-spark`` share."""
    for option in reversed([
        click.argument("paths", nargs=-1, required=True,
                       type=click.Path(exists=False, path_type=Path)),
        click.option("--kind", help="Record kind of every file (default: told from file "
                     "names)."),
        click.option("--map", "maps", multiple=True, metavar="'HEADER=column'",
                     help="Map a source header to a canonical column (repeatable)."),
        click.option("--mapping", "mapping_file", type=click.Path(exists=True, dir_okay=False),
                     help='JSON file {"calls": {"Calling Number": "caller"}}.'),
        click.option("--encoding", help="Text encoding of CSV files (default: detected)."),
        click.option("--tz", default=DEFAULT_TZ, show_default=True,
                     help="Time zone of the exports' local timestamps."),
        click.option("--region", default=DEFAULT_REGION, show_default=True,
                     help="Region of phone numbers written without a country code."),
    ]):
        command = option(command)
    return command


@click.group()
@click.version_option(__version__, prog_name="workbench")
@click.option("-v", "--verbose", count=True, help="Log progress (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """Investigative link-analysis workbench: case store, rings, snapshots."""
    level = logging.WARNING if not verbose else (logging.INFO if verbose == 1 else logging.DEBUG)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(message)s")


@cli.command()
@_db_option
@_ingest_options
@click.option("--progress/--no-progress", default=None,
              help="Progress bar (default: when stderr is a terminal).")
@click.option("--memory-mb", type=int, default=1024, show_default=True,
              help="Memory cap of the ingest; beyond it DuckDB spills to disk.")
@_json_option
@_wait_option
def ingest(db, paths, kind, maps, mapping_file, encoding, tz, region, progress, memory_mb,
           as_json, wait):
    """Ingest export files (CSV, .xlsx, Parquet) or directories of them."""
    mapping = _mapping(kind, maps, mapping_file)
    if progress is None:
        progress = sys.stderr.isatty()
    report = Case(db, wait=wait).ingest(paths, kind=kind, mapping=mapping, encoding=encoding,
                                        tz=tz, region=region, progress=progress,
                                        memory_mb=memory_mb)
    _echo_ingest(report, as_json, f"see `workbench rejects --db {db}`")


def _mapping(kind, maps, mapping_file) -> dict[str, dict[str, str]]:
    """``--mapping`` file and ``--map`` options as ``{kind or "*": {header: column}}``."""
    mapping: dict[str, dict[str, str]] = {}
    if mapping_file:
        try:
            loaded = json.loads(Path(mapping_file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise WorkbenchError(f"{mapping_file}: not a JSON mapping file: {exc}") from None
        if not isinstance(loaded, dict) or not all(
            isinstance(v, dict) for v in loaded.values()
        ):
            raise WorkbenchError(f'{mapping_file}: expected {{"kind": {{"Header": "column"}}}}')
        mapping.update(loaded)
    if maps:
        mapping.setdefault(kind or "*", {}).update(parse_map_option(maps))
    return mapping


def _echo_ingest(report, as_json: bool, rejects_hint: str) -> None:
    """An ingest report: one JSON document, or a table of the files and a total."""
    if as_json:
        _emit({"files": [f.contract_dict() for f in report.files]})
        return
    rows = [[f.file, f.kind, f.rows, f.stored, f.duplicates, f.rejected] for f in report.files]
    total = [sum(f.rows for f in report.files), sum(f.stored for f in report.files),
             sum(f.duplicates for f in report.files), sum(f.rejected for f in report.files)]
    rows.append(["total", "", *total])
    _echo(_table(rows, ["file", "kind", "rows", "stored", "duplicates", "rejected"]))
    if total[3]:
        _echo(f"{total[3]} rejected rows: {rejects_hint}")


@cli.command("ingest-spark")
@_ingest_options
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="New directory for the case as Parquet (the export-parquet layout).")
@click.option("--spark-master", default=None,
              help="Spark master URL, e.g. spark://host:7077 (default local[2]).")
@click.option("--spark-config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Spark settings file ('spark.key value' lines).")
@_json_option
def ingest_spark(paths, out, kind, maps, mapping_file, encoding, tz, region, spark_master,
                 spark_config, as_json):
    """Validate CSV exports on Apache Spark into a Parquet case directory (one record a
    line), for `workbench rings --engine spark --data OUT`."""
    from .engine.spark_engine import spark_session
    from .heavy import read_spark_config
    from .spark_ingest import ingest_on_spark

    config = read_spark_config(spark_config) if spark_config else None
    report = ingest_on_spark(spark_session(spark_master, config), paths, out, kind=kind,
                             mapping=_mapping(kind, maps, mapping_file), encoding=encoding,
                             tz=tz, region=region)
    _echo_ingest(report, as_json, f"see {out / 'rejects.parquet'}")


@cli.command()
@_db_option
@click.option("--limit", type=int, default=None, help="Show at most this many.")
@_json_option
@_wait_option
def rejects(db, limit, as_json, wait):
    """List rejected rows with file, line, column and reason."""
    found = Case(db, wait=wait).rejects()
    if limit is not None:
        found = found[:limit]
    if as_json:
        _emit({"rejects": found})
        return
    if not found:
        _echo("no rejected rows")
        return
    _echo(_table([[Path(r["file"]).name, r["line"], r["column"] or "-", r["reason"]]
                  for r in found], ["file", "line", "column", "reason"]))


@cli.command("export-parquet")
@_db_option
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for one Parquet file per table.")
@_json_option
@_wait_option
def export_parquet(db, out, as_json, wait):
    """Write the case's tables as Parquet, for `workbench rings --engine spark --data`."""
    if not db.exists():
        raise WorkbenchError(f"no case store at {db}")
    with Case(db, wait=wait).open() as store:
        written = store.export_parquet(out)
    if as_json:
        _emit({"out": str(out), "rows": written})
        return
    _echo(f"wrote {len(written)} tables ({sum(written.values())} rows) as Parquet to {out}")


@cli.command()
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory to write the sample case into.")
@click.option("--persons", type=int, default=3000, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
def sample(out, persons, seed):
    """Write a synthetic county with planted rings and its ground truth."""
    from .sample import write_sample

    truth = write_sample(out, persons=persons, seed=seed)
    _echo(f"wrote {out}: {truth['counts']['persons']} persons, "
          f"{len(truth['rings'])} planted rings, truth in {out / 'truth.json'}")


@cli.command()
@click.option("--out", "out", default="demo-case", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Directory for the sample data and the case store.")
@click.option("--persons", type=int, default=3000, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
def demo(out, persons, seed):
    """Generate the sample case, ingest it, find rings, write snapshots and report."""
    from .sample import write_sample

    data = out / "data"
    db = out / "case.duckdb"
    if db.exists():
        db.unlink()
    truth = write_sample(data, persons=persons, seed=seed)
    _echo(f"sample county: {truth['counts']['persons']} persons, "
          f"{len(truth['rings'])} planted rings -> {data}")
    report = Case(db).ingest([data], progress=sys.stderr.isatty())
    rows = [[Path(f.file).name, f.kind, f.rows, f.stored, f.duplicates, f.rejected]
            for f in report.files]
    _echo(_table(rows, ["file", "kind", "rows", "stored", "duplicates", "rejected"]))
    _echo(f"case store: {db}")
    _echo(f"rejected rows: workbench rejects --db {db}")
    case = Case(db)
    result = case.rings()
    _echo(f"\ntop rings ({len(result.rings)} found):")
    names = case.names(m for r in result.rings for m in r.members)
    _echo(_ring_table(result.rings, names, limit=20))
    _echo(f"all rings: workbench rings --db {db}")
    if result.rings:
        from .views.snapshot import write_snapshot

        top = result.rings[0].id
        page = write_snapshot(Case(db).view(ring=top), out / f"snapshot_{top}.html")
        redacted = write_snapshot(Case(db).view(ring=top), out / f"snapshot_{top}_redacted.html",
                                  redact=True, redact_names=True)
        _echo(f"snapshot of the top ring: {page}")
        _echo(f"redacted snapshot to share: {redacted}")
        _echo(f"check a snapshot against the store: workbench verify --db {db} {redacted}")


def _window_options(f):
    f = click.option("--until", help="Only records before this local time.")(f)
    f = click.option("--since", help="Only records from this local time on.")(f)
    return f


def _hub_options(f):
    f = click.option("--not-hub", "not_hubs", multiple=True, metavar="NUMBER",
                     help="Treat this number or account as a person whatever its behaviour "
                          "(repeatable).")(f)
    f = click.option("--hub", "hubs", multiple=True, metavar="NUMBER",
                     help="Treat this number or account as a service: its links do not "
                          "group people (repeatable).")(f)
    return f


def _ring_options(f):
    f = _hub_options(f)
    f = click.option("--seed", type=int, default=0, show_default=True,
                     help="Leiden seed.")(f)
    f = click.option("--min-score", type=float, default=None,
                     help="Report rings scoring at least this (default 0.35).")(f)
    f = click.option("--max-size", type=int, default=12, show_default=True)(f)
    f = click.option("--min-size", type=int, default=3, show_default=True)(f)
    f = click.option("--resolution", type=float, default=None,
                     help="One CPM resolution instead of the automatic sweep.")(f)
    f = click.option("--layers", default=None,
                     help="Comma-separated layers: calls,money,coarrest,kinship,shared.")(f)
    return f


def _ring_kwargs(since, until, layers, resolution, min_size, max_size, min_score, seed,
                 hubs=(), not_hubs=()):
    return {"since": since, "until": until,
            "layers": [x.strip() for x in layers.split(",") if x.strip()] if layers else None,
            "resolution": resolution, "min_size": min_size, "max_size": max_size,
            "min_score": min_score, "seed": seed, "hubs": list(hubs) or None,
            "not_hubs": list(not_hubs) or None}


def _named(pid: str, names: dict[str, str]) -> str:
    """``name (id)`` for a known person, the id (a number, an ID number) otherwise."""
    name = names.get(pid)
    return f"{name} ({pid})" if name else str(pid)


def _ring_table(rings, names: dict[str, str], limit: int | None = None) -> str:
    rows = []
    for r in rings[:limit]:
        ev = r.evidence
        said = [f"{ev['calls']} calls ({ev['night_share']:.0%} night)"]
        if ev.get("transfers"):
            said.append(f"{ev['transfers']} transfers (¥{ev['amount']:,.2f})")
        if ev.get("coarrest_links"):
            said.append(f"{ev['coarrest_links']} co-arrest links")
        if ev.get("meeting_pairs"):
            said.append(f"{ev['meeting_pairs']} pairs meet")
        regional = (f"{r.regional['place']} ({r.regional['code']}, {r.regional['members']} "
                    f"of {r.size})" if r.regional else "")
        rows.append([r.id, r.tier, f"{r.score:.3f}", r.size, _named(r.leader, names),
                     "yes" if r.family else "", regional, ", ".join(said)])
    return _table(rows, ["ring", "tier", "score", "size", "organizer", "family", "regional",
                         "evidence"])


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
        from .heavy import rings_on_store

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
    _echo(_ring_table(result.rings, names))
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
    from .cut import CutParams

    return CutParams(hops=hops, max_degree=max_degree)


def _spark_rings(db, data, master, config_file, pairs_out, min_pair_calls, kwargs, cut):
    import tempfile

    from .heavy import read_spark_config, rings_on_spark

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


def _selection_options(f):
    f = click.option("--title", default=None, help="Heading of the view.")(f)
    f = click.option("--redact-names", is_flag=True, help="Also mask person names.")(f)
    f = click.option("--redact", is_flag=True,
                     help="Mask ID, phone and account numbers with consistent pseudonyms.")(f)
    f = click.option("--hops", type=int, default=None,
                     help="Expand this many hops around the selection.")(f)
    f = click.option("--person", default=None, help="Show this person (and --hops around).")(f)
    f = click.option("--ring", default=None, help="Show this ring (id from `workbench rings`).")(f)
    return f


@cli.command()
@_db_option
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The HTML file to write.")
@_selection_options
@_window_options
@_wait_option
def snapshot(db, out, ring, person, hops, redact, redact_names, title, since, until, wait):
    """Write a self-contained, offline HTML snapshot of rings or a person's network."""
    from .views.snapshot import write_snapshot

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
    from .views.diagram import draw_diagram
    from .views.files import write_csv, write_graph_file

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
    from .reproduce import verify_snapshot

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


def _duckdb_interrupt() -> tuple:
    """DuckDB's interrupt exception when DuckDB is loaded (it cannot be raised otherwise)."""
    duckdb = sys.modules.get("duckdb")
    return (duckdb.InterruptException,) if duckdb is not None else ()


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


def main() -> None:
    """Console entry point: run the CLI, turning domain errors into one-line messages."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        _echo("aborted", err=True)
        sys.exit(130)
    except click.UsageError as exc:  # one line, like every other error
        _echo(f"error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except WorkbenchError as exc:
        _echo(f"error: {exc}", err=True)
        sys.exit(1)
    except (KeyboardInterrupt, *_duckdb_interrupt()):
        _echo("interrupted: nothing was changed", err=True)
        sys.exit(130)
    except RuntimeError as exc:  # DuckDB reports Ctrl-C during a query this way
        if "interrupted" not in str(exc).lower():
            raise
        _echo("interrupted: nothing was changed", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
