"""Who each record of a Spark-ingested case names: the resolution stage over its Parquet.

:func:`workbench.ingest.spark_ingest.ingest_on_spark` writes every kind's rows with the
identity columns as the source gave them. :func:`resolve_parquet_case` then runs the same
resolution as ``workbench ingest`` (:func:`workbench.identity.resolve`) over the case
directory, on DuckDB: the records that name a person (registry, phones, accounts, arrests,
stays, visits, trips) and the kinship are loaded into a scratch store, the calls are read in
place from their Parquet (the kin a number calls weigh for its holder), and the attributed
``person_id`` columns, ``identity_records``, ``identity_persons`` and ``identity_params`` are
written back as the Parquet ``workbench export-parquet`` would write for the same files.

Why DuckDB and not Spark: the resolution reads only the records that name a person, which are
few next to the calls and transactions Spark is there for (a county's 1M identity records
resolve in ~27 CPU-seconds, ``benchmarks/identity.py``), and it is one statement sequence
with DuckDB's ``levenshtein`` and list functions that the engine seam does not transpile.

Examples
--------
>>> import tempfile
>>> resolve_parquet_case(Path(tempfile.mkdtemp()))["records"]
0
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from ..contract import PERSON_KINDS
from ..engine import DuckDBEngine
from ..identity import resolve
from ..store import Store

__all__ = ["resolve_parquet_case", "IDENTITY_TABLES"]

log = logging.getLogger(__name__)

#: the resolution's own tables written next to the records
IDENTITY_TABLES = ("identity_records", "identity_persons", "identity_params")

#: the kinds whose rows the resolution rewrites (``person_id``; kinship's two persons)
RESOLVED_KINDS = (*PERSON_KINDS, "kinship")


def _has_rows(path: Path) -> bool:
    return path.exists() and (path.is_file() or any(path.glob("*.parquet")))


def _write(store: Store, table: str, path: Path) -> None:
    """One table as a single Parquet file at ``path``, replacing a file or a directory."""
    tmp = path.with_name(path.name + ".resolving")
    store.write_table_parquet(table, tmp)
    if path.is_dir():
        shutil.rmtree(path)
    tmp.replace(path)


def resolve_parquet_case(out: Path) -> dict:
    """Resolve who every record of the case directory ``out`` names; rewrite its Parquet.

    Parameters
    ----------
    out : Path
        A case directory written by the Spark ingest (``<kind>.parquet`` per kind).

    Returns
    -------
    dict
        The resolution's counts (``records``, ``exact``, ``weighed``, ``unresolved``, ...),
        as :func:`workbench.identity.resolve` returns them.
    """
    out = Path(out)
    present = [k for k in RESOLVED_KINDS if _has_rows(out / f"{k}.parquet")]
    with tempfile.TemporaryDirectory(prefix="workbench-resolve-") as tmp:
        with Store(Path(tmp) / "resolve.duckdb") as store:
            con = store.con
            engine = DuckDBEngine(con, "UTC")  # Parquet views on the scratch store
            for kind in present:  # by column name; row hashes back to numbers
                view = engine.register_parquet(f"_given_{kind}", out / f"{kind}.parquet")
                con.execute(f"INSERT INTO {kind} BY NAME SELECT * REPLACE "
                            f"(CAST(_row_hash AS UHUGEINT) AS _row_hash) FROM {view.name}")
            # read in place, never copied: the numbers a record's number calls and the
            # accounts its account pays weigh for its holder
            for big in ("calls", "transactions"):
                if _has_rows(out / f"{big}.parquet"):
                    con.execute(f"DROP TABLE {big}")
                    engine.register_parquet(big, out / f"{big}.parquet")
            counts = resolve(con) if present else {"records": 0}
            for table in (*present, *(IDENTITY_TABLES if present else ())):
                _write(store, table, out / f"{table}.parquet")
    log.info("identity of the Parquet case %s: %s", out.name, counts)
    return counts
