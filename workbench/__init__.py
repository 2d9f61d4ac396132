"""Investigative link-analysis workbench: case store, association graphs, ring detection.

Examples
--------
>>> import workbench
>>> "open_case" in workbench.__all__
True
"""

from __future__ import annotations

import logging

from .errors import InputFileError, StoreBusyError, StoreVersionError, WorkbenchError

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())


def __getattr__(name):
    if name == "Explorer":  # ipywidgets is imported only when the Explorer is asked for
        from .explorer import Explorer

        return Explorer
    raise AttributeError(name)


def open_case(path, **kwargs):
    """Open (or create) a case store; see :class:`workbench.case.facade.Case`."""
    from .case import Case

    return Case(path, **kwargs)


__all__ = [
    "__version__",
    "open_case",
    "Explorer",
    "WorkbenchError",
    "InputFileError",
    "StoreBusyError",
    "StoreVersionError",
]
