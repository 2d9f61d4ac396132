"""``python -m workbench``: the command line."""

from .entry import run

run()
