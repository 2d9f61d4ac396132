"""The DuckDB case store: schema, migrations, provenance, small lookups."""

from __future__ import annotations

from .audit import log_action, log_entries, verify_chain
from .database import Store
from .notes import add_note, list_notes

__all__ = ["Store", "log_action", "log_entries", "verify_chain", "add_note", "list_notes"]
