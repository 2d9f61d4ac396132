"""Reading exports into the store: readers, the validating SELECT, ingest on DuckDB
and on Spark."""

from __future__ import annotations

from .local import IngestReport, expand_paths, ingest_paths, parse_map_option
from .spark_ingest import ingest_on_spark

__all__ = ["IngestReport", "expand_paths", "ingest_on_spark", "ingest_paths",
           "parse_map_option"]
