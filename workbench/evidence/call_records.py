"""Call-record views in SQL: number activity, hour x weekday heat, pair first/last contact,
call-frequency matrix, and the person-level call stream for time-respecting paths.

Hub numbers (:mod:`~workbench.evidence.links`) are left out of the activity views. Confirmed phone
links (``workbench link-phone``) make a new number count as its old one.

Examples
--------
>>> import tempfile, os
>>> from workbench.store.database import Store
>>> with Store(os.path.join(tempfile.mkdtemp(), "c.duckdb")) as s:
...     number_activity(s.con).empty
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from .links import LinkParams
from .owners import PHONE_OWNERS, calls_aliased, owner_join, phone_aliases_sql

if TYPE_CHECKING:  # pandas is loaded where it is used (a command that does not, starts faster)
    import pandas as pd

__all__ = ["number_activity", "heat_matrix", "pair_contacts", "frequency_matrix",
           "call_stream", "phone_aliases_sql"]


def number_activity(con: duckdb.DuckDBPyConnection, params: LinkParams | None = None,
                    services: list[str] | None = None) -> pd.DataFrame:
    """Per number: calls, first/last call, the 10% and 90% activity quantiles (epoch s),
    owner and the list of numbers it was in contact with.

    ``services`` (numbers flagged by :func:`workbench.evidence.services.detect_services`) are left
    out, as numbers and as counterparts.
    """
    params = params or LinkParams()
    calls, args = calls_aliased(params)
    return con.execute(
        f"WITH c AS ({calls}), e AS (SELECT caller AS x, callee AS y, started_at AS t FROM c "
        "  UNION ALL SELECT callee, caller, started_at FROM c), "
        "hubs AS (SELECT unnest(?) AS x) "
        "SELECT e.x AS number, count(*) AS calls, min(t) AS first_at, max(t) AS last_at, "
        "quantile_cont(epoch(t), 0.1) AS q10, quantile_cont(epoch(t), 0.9) AS q90, "
        "list(DISTINCT y ORDER BY y) FILTER (WHERE y NOT IN (SELECT x FROM hubs)) AS contacts, "
        "(SELECT string_agg(DISTINCT person_id, ',' ORDER BY person_id) FROM phones p "
        "WHERE p.phone = e.x) AS owner "
        "FROM e WHERE e.x NOT IN (SELECT x FROM hubs) GROUP BY e.x ORDER BY e.x",
        args + [list(services or [])],
    ).df()


def heat_matrix(con: duckdb.DuckDBPyConnection, phones: list[str],
                params: LinkParams | None = None) -> pd.DataFrame:
    """Calls of the given numbers by local hour (rows 0-23) and weekday (columns Mon-Sun)."""
    import pandas as pd

    params = params or LinkParams()
    calls, args = calls_aliased(params)
    df = con.execute(
        f"WITH c AS ({calls}) SELECT hour(started_at) AS hour, isodow(started_at) AS dow, "
        "count(*) AS n FROM c WHERE caller IN (SELECT unnest(?)) OR callee IN "
        "(SELECT unnest(?)) GROUP BY ALL", args + [phones, phones]).df()
    grid = pd.DataFrame(0, index=range(24), columns=range(1, 8))
    for row in df.itertuples():
        grid.loc[int(row.hour), int(row.dow)] = int(row.n)
    grid.columns = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    grid.index.name = "hour"
    return grid


def pair_contacts(con: duckdb.DuckDBPyConnection, phones: list[str],
                  params: LinkParams | None = None) -> pd.DataFrame:
    """First and last contact, calls and total duration for every pair among ``phones``."""
    params = params or LinkParams()
    calls, args = calls_aliased(params)
    return con.execute(
        f"WITH c AS ({calls}) SELECT least(caller, callee) AS a, greatest(caller, callee) AS b, "
        "count(*) AS calls, sum(duration_s) AS duration_s, min(started_at) AS first_contact, "
        "max(started_at) AS last_contact FROM c WHERE caller IN (SELECT unnest(?)) AND "
        "callee IN (SELECT unnest(?)) GROUP BY ALL ORDER BY calls DESC, a, b",
        args + [phones, phones]).df()


def frequency_matrix(con: duckdb.DuckDBPyConnection, phones: list[str],
                     params: LinkParams | None = None) -> pd.DataFrame:
    """Calls between every two of ``phones`` as a square matrix (caller rows)."""
    import pandas as pd

    params = params or LinkParams()
    calls, args = calls_aliased(params)
    df = con.execute(
        f"WITH c AS ({calls}) SELECT caller, callee, count(*) AS n FROM c WHERE caller IN "
        "(SELECT unnest(?)) AND callee IN (SELECT unnest(?)) GROUP BY ALL",
        args + [phones, phones]).df()
    grid = pd.DataFrame(0, index=sorted(phones), columns=sorted(phones))
    for row in df.itertuples():
        grid.loc[row.caller, row.callee] = int(row.n)
    return grid


def call_stream(con: duckdb.DuckDBPyConnection, params: LinkParams | None = None
                ) -> pd.DataFrame:
    """Every call as ``(a, b, t)`` between persons (or numbers nobody owns), by time (epoch s)."""
    params = params or LinkParams()
    calls, args = calls_aliased(params)
    return con.execute(
        f"WITH c AS ({calls}), own AS ({PHONE_OWNERS}) "
        "SELECT coalesce(pa.person_id, c.caller) AS a, "
        "coalesce(pb.person_id, c.callee) AS b, epoch(c.started_at) AS t "
        "FROM c " + owner_join("pa", "c.caller", "c.started_at", "own") + " "
        + owner_join("pb", "c.callee", "c.started_at", "own")
        + " ORDER BY t, a, b", args).df()
