"""Hits across cases: identifiers and persons shared with other case stores, directly or
through salted exchange files."""

from __future__ import annotations

from .compare import EXCHANGE_FORMAT, find_hits, identifier_counts, write_exchange

__all__ = ["find_hits", "write_exchange", "identifier_counts", "EXCHANGE_FORMAT"]
