"""The synthetic county with planted rings and its ground truth (``workbench sample``).

Modules: :mod:`.base` (the records being built, names, numbers, ID numbers),
:mod:`.county` (ordinary life and the order of planting), :mod:`.rings` (rings, burner
phones, successors, look-alikes), :mod:`.places` (hotels, venues, trips, registration
counties) and :mod:`.files` (messy exports and ``truth.json``).
"""

from .base import CARRIER, COURIER, DAYS, POWER_ACCOUNT, START, TAXI, County
from .county import build_county, write_sample

__all__ = [
    "build_county",
    "write_sample",
    "County",
    "START",
    "DAYS",
    "TAXI",
    "CARRIER",
    "COURIER",
    "POWER_ACCOUNT",
]
