"""``workbench identities``: how records were attributed to persons, what waits for
review, and the analysts' decisions (accept, reject, merge, split, undo)."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from ..errors import WorkbenchError
from .common import Case, _db_option, _echo, _emit, _json_option, _table, _wait_option, cli

__all__ = ["identities"]


def _who() -> str | None:
    """The OS user, recorded in the case store only (never in a shared file)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def _brief(fields: dict | None) -> str:
    if not fields:
        return ""
    return " ".join(f"{k}={v['level']}({v['bits']:+g}"
                    + (f" {v['detail']}" if v.get("detail") else "") + ")"
                    for k, v in fields.items())


@cli.command()
@_db_option
@click.option("--review", is_flag=True,
              help="Only what waits for review: unresolved and uncertain records, "
                   "overlapping phone periods, numbers used against their subscriber.")
@click.option("--person", default=None, help="Only the records of this person.")
@click.option("--kind", default=None, help="Only records of this kind.")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Show at most this many records.")
@click.option("--accept", "accept", metavar="RECORD",
              help="Decide: the record (KIND:SOURCE:LINE) names --to (default: its "
                   "current or best candidate person).")
@click.option("--reject", "reject", metavar="RECORD",
              help="Decide: the record does not name --to (default: its current person).")
@click.option("--to", "to", metavar="PERSON", default=None,
              help="The person of an --accept or --reject.")
@click.option("--merge", nargs=2, metavar="A B", default=None,
              help="Decide: two persons are one.")
@click.option("--split", nargs=2, metavar="A B", default=None,
              help="Decide: two persons are not one (a record and a person: reject).")
@click.option("--undo", type=int, metavar="DECISION_ID", default=None,
              help="Undo a decision (it stays logged).")
@click.option("--by", default=None,
              help="Who decides (default: the OS user; stored in the case store only).")
@click.option("--why", default=None, help="Why: stored with the decision.")
@_json_option
@_wait_option
def identities(db, review, person, kind, limit, accept, reject, to, merge, split, undo, by,
               why, as_json, wait):
    """How records were attributed to persons, and decisions on them."""
    if not Path(db).exists():
        raise WorkbenchError(f"no case store at {db}")
    case = Case(db, wait=wait)
    chosen = [x for x in (accept, reject, merge, split, undo) if x is not None]
    if len(chosen) > 1:
        raise WorkbenchError("take one decision at a time")
    if chosen:
        by = by or _who()
        if undo is not None:
            done = case.decide("undo", undo=undo, by=by, why=why)
        elif accept or reject:
            done = case.decide("accept" if accept else "reject", accept or reject, to,
                               by=by, why=why)
        else:
            a, b = merge or split
            done = case.decide("merge" if merge else "split", a, b, by=by, why=why)
        if as_json:
            _emit(done)
        else:
            c = done["identity"]
            _echo(f"decision {done['decision_id']} recorded; {c['records']} records: "
                  f"{c['unresolved']} unresolved")
        return
    doc = case.identities(review=review, person=person, kind=kind, limit=limit)
    if as_json:
        _emit(doc)
        return
    rows = [[r["kind"], r["ref"], r["person_id"] or "-", r["how"],
             "" if r["weight"] is None else f"{r['weight']:.1f}",
             r["name"] or "", r["id_number"] or "", r["candidate"] or "", _brief(r["fields"])]
            for r in doc["records"]]
    if rows:
        _echo(_table(rows, ["kind", "record", "person", "how", "weight", "name", "id number",
                            "best candidate", "fields (bits)"]))
    else:
        _echo("no records to review" if review else "no records name a person")
    p = doc["params"]
    if p:
        _echo(f"{p.get('records', 0)} records: {p.get('exact', 0)} exact, "
              f"{p.get('weighed', 0)} weighed, {p.get('decided', 0)} decided, "
              f"{p.get('unresolved', 0)} unresolved; {p.get('persons', 0)} persons")
    for item in doc.get("overlaps", []):
        a, b = item["periods"]
        _echo(f"overlap {item['phone']}: {a['person_id']} {a['since']}..{a['until']} and "
              f"{b['person_id']} {b['since']}..{b['until']}")
    for item in doc.get("contradictions", []):
        users = ", ".join(item["probable_users"]) or "unknown"
        _echo(f"use {item['phone']}: registered to {item['subscriber']}; {item['why']}; "
              f"probable user: {users}")
