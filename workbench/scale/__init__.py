"""Province scale: the heavy stage on Spark and the suspicious-subgraph cut."""

from __future__ import annotations

from .cut import CutParams
from .spark_stage import read_spark_config, rings_on_spark, rings_on_store

__all__ = ["CutParams", "read_spark_config", "rings_on_spark", "rings_on_store"]
