"""What every ``workbench`` command shares: the command group, the lazily imported
case, the common options and the output helpers (escaped text, aligned tables, one
JSON document).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import unicodedata
from pathlib import Path

import click

from .. import __version__
from ..errors import WorkbenchError

# the defaults shown by --help, spelled out so that --help loads no data library
# (tests/test_cli.py checks them against workbench.normalize)
DEFAULT_REGION, DEFAULT_TZ = "CN", "Asia/Shanghai"

__all__ = ["cli", "Case"]

log = logging.getLogger(__name__)

def Case(*args, **kwargs):  # noqa: N802 - stands in for the class, imported on first use
    """:class:`workbench.case.facade.Case`, imported when a command first needs the store (so
    ``--help`` and commands that draw nothing load neither matplotlib nor igraph)."""
    from ..case import Case as _Case

    return _Case(*args, **kwargs)


def parse_map_option(maps):
    """:func:`workbench.ingest.local.parse_map_option`, imported on use."""
    from ..ingest import parse_map_option as _parse

    return _parse(maps)


_db_option = click.option(
    "--db", "db", required=True, type=click.Path(dir_okay=False, path_type=Path),
    help="The case store file (DuckDB).",
)
_json_option = click.option("--json", "as_json", is_flag=True,
                            help="Print one JSON document on stdout.")
_wait_option = click.option("--wait", type=click.FloatRange(min=0), default=5.0,
                            show_default=True,
                            help="Seconds to wait while another process holds the store.")


def _known_encoding(_ctx, _param, value: str | None) -> str | None:
    """``--encoding``: a text encoding Python knows, or a one-line error."""
    import codecs

    if value is not None:
        try:
            codecs.lookup(value)
        except LookupError:
            raise click.BadParameter(f"unknown text encoding {value!r} (e.g. utf-8, gb18030)"
                                     ) from None
    return value


def _known_region(_ctx, _param, value: str) -> str:
    """``--region``: a region phone numbers are written in (two letters), or an error."""
    import phonenumbers

    if value.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise click.BadParameter(f"unknown region {value!r} (a two-letter code such as CN)")
    return value


#: terminal control characters and bidirectional overrides: text from seized records must
#: not move the cursor, retitle the terminal or reorder what an investigator reads
_UNSAFE = [c for c in range(0x20) if chr(c) not in "\n\t"] + [0x7F] + list(range(0x80, 0xA0)) + [
    0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]
_VISIBLE = {c: f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}" for c in _UNSAFE}
_JSON_SAFE = {c: f"\\u{c:04x}" for c in _UNSAFE}


def _echo(message: str = "", err: bool = False) -> None:
    r"""``click.echo`` with control characters shown as escapes, never executed.

    Examples
    --------
    >>> _echo("Li\x1b[2J Wei\u202e")
    Li\x1b[2J Wei\u202e
    """
    click.echo(str(message).translate(_VISIBLE), err=err)


def _strict(value):
    """``value`` with NaN and infinities as ``None`` (strict JSON has no NaN).

    >>> _strict({"a": float("nan"), "b": [1.5, float("inf")]})
    {'a': None, 'b': [1.5, None]}
    """
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strict(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            return _strict(value.item())
        except (TypeError, ValueError):
            return value
    return value


def _emit(doc: dict) -> None:
    """One strict JSON document on stdout (no NaN); control characters as JSON escapes."""
    click.echo(json.dumps(_strict(doc), ensure_ascii=False, default=str, allow_nan=False)
               .translate(_JSON_SAFE))


def _width(text: str) -> int:
    """Columns a text takes in a terminal: Chinese characters take two.

    >>> _width("董强国 (P1)")
    11
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(rows: list[list], headers: list[str]) -> str:
    cells = [headers] + [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths, strict=True))
             .rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _ingest_options(command):
    """The files and reading options ``ingest`` and ``ingest-spark`` share."""
    for option in reversed([
        click.argument("paths", nargs=-1, required=True,
                       type=click.Path(exists=False, path_type=Path)),
        click.option("--kind", help="Record kind of every file (default: told from file "
                     "names)."),
        click.option("--map", "maps", multiple=True, metavar="'HEADER=column'",
                     help="Map a source header to a canonical column (repeatable)."),
        click.option("--mapping", "mapping_file", type=click.Path(exists=True, dir_okay=False),
                     help='JSON file {"calls": {"Calling Number": "caller"}}.'),
        click.option("--encoding", callback=_known_encoding,
                     help="Text encoding of CSV files (default: detected)."),
        click.option("--tz", default=DEFAULT_TZ, show_default=True,
                     help="Time zone of the exports' local timestamps."),
        click.option("--region", default=DEFAULT_REGION, show_default=True,
                     callback=_known_region,
                     help="Region of phone numbers written without a country code."),
    ]):
        command = option(command)
    return command


@click.group()
@click.version_option(__version__, prog_name="workbench")
@click.option("-v", "--verbose", count=True, help="Log progress (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """Investigative link-analysis workbench: case store, rings, snapshots."""
    level = logging.WARNING if not verbose else (logging.INFO if verbose == 1 else logging.DEBUG)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(message)s")



def _window_options(f):
    f = click.option("--until", help="Only records before this local time.")(f)
    f = click.option("--since", help="Only records from this local time on.")(f)
    return f


def _hub_options(f):
    f = click.option("--not-hub", "not_hubs", multiple=True, metavar="NUMBER",
                     help="Treat this number or account as a person whatever its behaviour "
                          "(repeatable).")(f)
    f = click.option("--hub", "hubs", multiple=True, metavar="NUMBER",
                     help="Treat this number or account as a service: its links do not "
                          "group people (repeatable).")(f)
    return f


def _ring_options(f):
    f = _hub_options(f)
    f = click.option("--seed", type=int, default=0, show_default=True,
                     help="Leiden seed.")(f)
    f = click.option("--min-score", type=click.FloatRange(0.0, 1.0), default=None,
                     help="Report rings scoring at least this (default 0.35).")(f)
    f = click.option("--max-size", type=int, default=12, show_default=True)(f)
    f = click.option("--min-size", type=int, default=3, show_default=True)(f)
    f = click.option("--resolution", type=float, default=None,
                     help="One CPM resolution instead of the automatic sweep.")(f)
    f = click.option("--layers", default=None,
                     help="Comma-separated layers: calls,money,coarrest,kinship,shared.")(f)
    return f


def _ring_kwargs(since, until, layers, resolution, min_size, max_size, min_score, seed,
                 hubs=(), not_hubs=()):
    return {"since": since, "until": until,
            "layers": [x.strip() for x in layers.split(",") if x.strip()] if layers else None,
            "resolution": resolution, "min_size": min_size, "max_size": max_size,
            "min_score": min_score, "seed": seed, "hubs": list(hubs) or None,
            "not_hubs": list(not_hubs) or None}


def _named(pid: str, names: dict[str, str]) -> str:
    """``name (id)`` for a known person, the id (a number, an ID number) otherwise."""
    name = names.get(pid)
    return f"{name} ({pid})" if name else str(pid)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    """``1 co-arrest link``, ``2 co-arrest links``.

    >>> _plural(1, "co-arrest link"), _plural(3, "pair meets", "pairs meet")
    ('1 co-arrest link', '3 pairs meet')
    """
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def _ring_table(rings, names: dict[str, str], limit: int | None = None,
                currency: str = "CNY") -> str:
    from ..rings import family_label
    from ..views.words import money_text

    rows = []
    for r in rings[:limit]:
        ev = r.evidence
        said = [f"{_plural(int(ev['calls']), 'call')} ({ev['night_share']:.0%} night)"]
        if ev.get("transfers"):
            said.append(f"{_plural(int(ev['transfers']), 'transfer')} "
                        f"({money_text(ev['amount'], currency, 2)})")
        if ev.get("coarrest_links"):
            said.append(_plural(int(ev["coarrest_links"]), "co-arrest link"))
        if ev.get("meeting_pairs"):
            said.append(_plural(int(ev["meeting_pairs"]), "pair meets", "pairs meet"))
        for p in ev.get("patterns") or []:
            said.insert(0, f"{p['kind']} pattern of {_plural(len(p['accounts']), 'account')}"
                           f", {_plural(len(p['transfers']), 'transfer')} "
                           f"{p['first'][:10]}..{p['last'][:10]} (score {p['score']:.1f})")
        regional = (f"{r.regional['place']} ({r.regional['code']}, {r.regional['members']} "
                    f"of {r.size})" if r.regional else "")
        rows.append([r.rank or "", r.id, r.tier, f"{r.score:.3f}", r.size,
                     _named(r.leader, names),
                     family_label(r.family, r.size, names.get((r.family or {}).get("of"))),
                     regional, ", ".join(said)])
    return _table(rows, ["rank", "ring", "tier", "score", "size", "organizer", "family",
                         "regional", "evidence"])


def _via_services_option(f):
    return click.option("--via-services", is_flag=True,
                        help="Let hops and paths pass service numbers and accounts (the power "
                             "company, a carrier's line); drawn as small grey markers.")(f)


def _selection_options(f):
    f = _via_services_option(f)
    f = click.option("--title", default=None, help="Heading of the view.")(f)
    f = click.option("--redact-names", is_flag=True, help="Also mask person names.")(f)
    f = click.option("--redact", is_flag=True,
                     help="Mask ID, phone and account numbers with consistent pseudonyms.")(f)
    f = click.option("--hops", type=int, default=None,
                     help="Expand this many hops around the selection.")(f)
    f = click.option("--person", default=None, help="Show this person (and --hops around).")(f)
    f = click.option("--ring", default=None, help="Show this ring (id from `workbench rings`).")(f)
    return f


def _limit_options(f):
    f = click.option("--max-nodes", type=click.IntRange(min=1), default=2000,
                     show_default=True,
                     help="Stop expanding by --hops at this many people (the page says "
                          "so).")(f)
    f = click.option("--record-limit", type=click.IntRange(min=1), default=None,
                     help="Keep at most this many records of each kind, the newest (the "
                          "page says how many of how many); default: every record.")(f)
    return f


def _writable(out: Path) -> None:
    """A one-line error, before any work, when ``out`` cannot be written (missing folders
    are made on writing)."""
    if out.is_dir():
        raise WorkbenchError(f"cannot write {out}: it is a folder")
    folder = out.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise WorkbenchError(f"cannot write {out}: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise WorkbenchError(f"cannot write {out}: permission denied")


def _duckdb_interrupt() -> tuple:
    """DuckDB's interrupt exception when DuckDB is loaded (it cannot be raised otherwise)."""
    duckdb = sys.modules.get("duckdb")
    return (duckdb.InterruptException,) if duckdb is not None else ()
