"""The facade: one ``Case`` over a store, composed of parts."""

from __future__ import annotations

from .facade import Case
from .state import case_time, case_window

__all__ = ["Case", "case_time", "case_window"]
