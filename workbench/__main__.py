"""``python -m workbench``: the command line."""

from .cli import main

main()
