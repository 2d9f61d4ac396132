"""Link layers in SQL: calls, money, co-arrest, kinship, co-presence, services, and who
owned a number or account when."""

from __future__ import annotations

from .call_records import call_stream, frequency_matrix, heat_matrix, number_activity, pair_contacts
from .copresence import copresence_records, together
from .links import (
    LAYER_NAMES,
    Layers,
    LinkParams,
    build_layers,
    common_contacts,
    file_names,
    records_among,
)
from .owners import ID_NUMBER_NODE, NUMBER_NODE, window_between

__all__ = [
    'file_names',
    'window_between',
    "ID_NUMBER_NODE",
    "LAYER_NAMES",
    "Layers",
    "LinkParams",
    "NUMBER_NODE",
    "build_layers",
    "call_stream",
    "common_contacts",
    "copresence_records",
    "frequency_matrix",
    "heat_matrix",
    "number_activity",
    "pair_contacts",
    "records_among",
    "together",
]
