"""A case exported as Parquet (``workbench export-parquet``) opened in an engine."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from ..contract import DEFAULT_TZ, KINDS, check_timezone
from ..errors import EngineError

__all__ = ["open_parquet_tables", "parquet_timezone", "REQUIRED"]

#: tables a case export must hold
REQUIRED = (*KINDS, "sources", "phone_links", "meta")


def parquet_timezone(data: str | Path) -> str:
    """The case's time zone recorded in an export's ``meta.parquet``."""
    path = Path(data) / "meta.parquet"
    if not path.exists():
        raise EngineError(f"{data} is not a case export (no meta.parquet); "
                          "write one with `workbench export-parquet`")
    meta = dict(zip(*pq.read_table(path).to_pydict().values(), strict=True))
    return check_timezone(meta.get("timezone") or DEFAULT_TZ)


def open_parquet_tables(engine, data: str | Path, tz: str | None = None) -> dict:
    """Register every table of an export as a view of ``engine``; set the case's zone.

    Returns the handles by table name.
    """
    data = Path(data)
    zone = tz or parquet_timezone(data)
    missing = [t for t in REQUIRED if not (data / f"{t}.parquet").exists()]
    if missing:
        raise EngineError(f"{data} lacks {', '.join(m + '.parquet' for m in missing)}; "
                          "write the export with `workbench export-parquet`")
    engine.set_timezone(zone)
    return {t: engine.register_parquet(t, data / f"{t}.parquet") for t in REQUIRED}
