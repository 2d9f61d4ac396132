"""The facade: one ``Case`` over a store, composed of parts."""

from __future__ import annotations

from .facade import Case

__all__ = ["Case"]
