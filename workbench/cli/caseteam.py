"""``workbench`` commands of the case team and the prosecutor: ``note``, ``log``, ``hits``,
``hits-export`` and ``report``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import WorkbenchError
from .common import (
    Case,
    _db_option,
    _echo,
    _emit,
    _json_option,
    _selection_options,
    _table,
    _wait_option,
    _window_options,
    cli,
)

__all__ = ["note", "log_command", "hits", "hits_export", "report"]


@cli.command()
@_db_option
@click.argument("target", required=False)
@click.argument("text", required=False)
@click.option("--status", type=click.Choice(["open", "confirmed", "refuted"]), default="open",
              show_default=True, help="Where the hypothesis stands.")
@click.option("--author", default=None,
              help="Who writes it (default $WORKBENCH_ACTOR, else 'analyst').")
@click.option("--answers", type=int, default=None, help="The note this one answers.")
@click.option("--list", "show", is_flag=True, help="List the notes (on TARGET, if given).")
@_json_option
@_wait_option
def note(db, target, text, status, author, answers, show, as_json, wait):
    """Write a note or hypothesis on a person, number, account, link (A--B) or ring (R003).

    The note is kept with author, time and status, shown in the Explorer, snapshots and
    reports, and logged.
    """
    case = Case(db, wait=wait)
    if show or text is None:
        if not show:
            raise click.UsageError("give TARGET and TEXT, or --list")
        notes = case.notes(target)
        if as_json:
            _emit({"notes": notes})
            return
        if not notes:
            _echo("no notes")
            return
        _echo(_table([[n["note_id"], n["target"], n["status"], n["author"], n["at"],
                       n["text"]] for n in notes],
                     ["#", "on", "status", "author", "time (UTC)", "note"]))
        return
    if target is None:
        raise click.UsageError("give TARGET and TEXT")
    written = case.note(target, text, status=status, author=author, answers=answers)
    if as_json:
        _emit({"notes": [written]})
    else:
        _echo(f"note {written['note_id']} on {written['target']} ({written['status']})")


@cli.command("log")
@_db_option
@click.option("--verify", "check", is_flag=True,
              help="Check the hash chain; exit 1 when it is broken, saying where.")
@_json_option
@_wait_option
def log_command(db, check, as_json, wait):
    """The case's append-only, hash-chained action log."""
    case = Case(db, wait=wait)
    state = case.verify_log()
    if as_json:
        doc = {"intact": state["intact"], "broken_at": state["broken_at"],
               "reason": state["reason"], "head": state["head"]}
        if not check:
            doc = {"entries": case.log(), **doc}
        _emit(doc)
    elif check:
        if state["intact"]:
            _echo(f"log intact: {state['entries']} entries, head {state['head']}")
        else:
            _echo(f"log BROKEN at entry {state['broken_at']}: {state['reason']}")
    else:
        rows = [[e["seq"], e["at"], e["actor"], e["action"], _summary(e["details"])]
                for e in case.log()]
        _echo(_table(rows, ["#", "time (UTC)", "actor", "action", "details"]) if rows
              else "the log is empty")
        if not state["intact"]:
            _echo(f"log BROKEN at entry {state['broken_at']}: {state['reason']}", err=True)
    if not state["intact"]:
        sys.exit(1)


def _summary(details) -> str:
    if not isinstance(details, dict):
        return str(details)[:120]
    if "files" in details:
        return ", ".join(f"{f.get('file')} ({str(f.get('sha256', ''))[:12]})"
                         for f in details["files"])[:160]
    return ", ".join(f"{k}={v}" for k, v in details.items() if k != "request")[:160]


@cli.command()
@_db_option
@click.option("--against", "against", multiple=True, required=True, type=click.Path(
    dir_okay=False, path_type=Path), help="Another case store, or an exchange file from "
    "`hits-export` (repeatable).")
@click.option("--salt", default=None, help="The salt the exchange files were written with.")
@click.option("--limit", type=click.IntRange(min=1), default=5, show_default=True,
              help="Records listed per identifier and side.")
@_json_option
@_wait_option
def hits(db, against, salt, limit, as_json, wait):
    """Phones, accounts, ID numbers and persons this case shares with other cases."""
    found = Case(db, wait=wait).hits(list(against), salt=salt, limit=limit)
    if as_json:
        _emit(found)
        return
    if not found["hits"]:
        _echo(f"no hits in {len(found['compared'])} case(s)")
        return
    for h in found["hits"]:
        who = ", ".join(f"{p['name']} ({p['person_id']})" for p in h["here"]["persons"])
        _echo(f"{h['kind']} {h['value']}{'  ' + who if who else ''}")
        for side in [{"case": found["case"], **h["here"]}] + h["there"]:
            if side.get("hashed"):
                _echo(f"  {side['case']}: present (hashed exchange file)")
                continue
            cited = ", ".join(f"{r['file']}:{r['line']}" for r in side["records"])
            _echo(f"  {side['case']}: {side['count']} record(s): {cited}")


@cli.command("hits-export")
@_db_option
@click.option("--salt", required=True, help="The salt agreed with the other office.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The exchange file to write (Parquet).")
@_json_option
@_wait_option
def hits_export(db, salt, out, as_json, wait):
    """Write salted hashes of this case's identifiers for another office to compare."""
    written = Case(db, wait=wait).hits_export(out, salt=salt)
    if as_json:
        _emit(written)
    else:
        _echo(f"wrote {out} ({written['identifiers']} salted identifiers)")


@cli.command()
@_db_option
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The PDF file to write.")
@_selection_options
@_window_options
@_wait_option
def report(db, out, ring, person, hops, redact, redact_names, title, via_services, since,
           until, wait):
    """Write the case report for prosecutors (PDF): summary, chart, key players, every
    link's records with file, SHA-256 and line, timeline, notes and method."""
    if out.suffix.lower() != ".pdf":
        raise WorkbenchError(f"{out.name}: the report is a PDF (give a .pdf file)")
    written = Case(db, wait=wait).report(out, ring=ring, person=person, hops=hops,
                                         redact=redact, redact_names=redact_names,
                                         title=title, since=since, until=until,
                                         via_services=via_services)
    _echo(f"wrote {out} ({written['pages']} pages, {written['links']} links, "
          f"{written['records']} records)")
