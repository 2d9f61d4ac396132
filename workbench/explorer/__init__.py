"""The notebook widget (anywidget + vis-network) and its controls."""

from __future__ import annotations

from .widget import Explorer

__all__ = ["Explorer"]
