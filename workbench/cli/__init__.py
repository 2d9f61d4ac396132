"""The ``workbench`` command line: click commands that parse, call the library, print."""

from __future__ import annotations

from .entry import run

__all__ = ["run"]
