"""``workbench`` commands on the records: ingest (DuckDB or Spark), rejects, the
Parquet export, the sample county and the demo."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import WorkbenchError
from .common import (
    Case,
    _db_option,
    _echo,
    _emit,
    _ingest_options,
    _json_option,
    _ring_table,
    _table,
    _wait_option,
    cli,
    parse_map_option,
)


@cli.command()
@_db_option
@_ingest_options
@click.option("--progress/--no-progress", default=None,
              help="Progress bar (default: when stderr is a terminal).")
@click.option("--memory-mb", type=click.IntRange(min=64), default=1024, show_default=True,
              help="Memory cap of the ingest (64 or more); beyond it DuckDB spills to disk.")
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
    from ..contract import check_timezone
    from ..engine.spark_engine import spark_session
    from ..ingest import expand_paths, ingest_on_spark
    from ..scale import read_spark_config

    # refuse a bad file or zone before Spark starts (its start-up writes to stderr)
    expand_paths(paths)
    check_timezone(tz)
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
    from ..sample import write_sample

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
    from ..sample import write_sample

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
    _echo(_ring_table(result.rings, names, limit=20,
                      currency=result.params.get("currency", "CNY")))
    _echo(f"all rings: workbench rings --db {db}")
    if result.rings:
        from ..views.snapshot import write_snapshot

        top = result.rings[0].id
        page = write_snapshot(Case(db).view(ring=top), out / f"snapshot_{top}.html")
        redacted = write_snapshot(Case(db).view(ring=top), out / f"snapshot_{top}_redacted.html",
                                  redact=True, redact_names=True)
        _echo(f"snapshot of the top ring: {page}")
        _echo(f"redacted snapshot to share: {redacted}")
        _echo(f"check a snapshot against the store: workbench verify --db {db} {redacted}")
