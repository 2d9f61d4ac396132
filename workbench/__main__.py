"""``python -m workbench``: the command line."""

from .cli import run

run()
