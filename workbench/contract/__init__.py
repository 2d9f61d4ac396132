"""What the workbench accepts: record kinds, columns, header aliases, vocabularies, and
the value parsers (phone, ID number, timestamp, amount, name)."""

from __future__ import annotations

from .kinds import (
    DRUG_CHARGE,
    GIVEN_PERSON_ID,
    IDENTITY_ALIASES,
    IDENTITY_COLUMNS,
    KIND_NAMES,
    KINDS,
    PERSON_KINDS,
    PRESENCE_KINDS,
    TRAFFICKING_CHARGE,
    Kind,
    canonical_header,
    kind_from_filename,
    stored_column,
)
from .values import (
    DEFAULT_REGION,
    DEFAULT_TZ,
    check_timezone,
    file_name,
    is_service_code,
    parse_account,
    parse_id_number,
    parse_phone,
    parse_timestamp,
    sql_value,
)

__all__ = [
    "file_name",
    "GIVEN_PERSON_ID",
    "IDENTITY_ALIASES",
    "IDENTITY_COLUMNS",
    "PERSON_KINDS",
    "stored_column",
    "DEFAULT_REGION",
    "DEFAULT_TZ",
    "DRUG_CHARGE",
    "KINDS",
    "KIND_NAMES",
    "Kind",
    "PRESENCE_KINDS",
    "TRAFFICKING_CHARGE",
    "canonical_header",
    "check_timezone",
    "is_service_code",
    "kind_from_filename",
    "parse_account",
    "parse_id_number",
    "parse_phone",
    "parse_timestamp",
    "sql_value",
]
