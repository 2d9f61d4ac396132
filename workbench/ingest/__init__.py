"""Reading exports into the store: readers, the validating SELECT, ingest on DuckDB
and on Spark."""

from __future__ import annotations

from .local import IngestReport, ingest_paths, parse_map_option
from .spark_ingest import ingest_on_spark

__all__ = ["IngestReport", "ingest_on_spark", "ingest_paths", "parse_map_option"]
