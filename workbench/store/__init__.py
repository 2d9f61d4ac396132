"""The DuckDB case store: schema, migrations, provenance, small lookups."""

from __future__ import annotations

from .database import Store

__all__ = ["Store"]
