"""``workbench`` commands on people, phones and time: successors, link-phone, evolution,
calls and together. Ids are shown with names wherever a name is known."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import WorkbenchError
from .common import (
    Case,
    _db_option,
    _echo,
    _emit,
    _json_option,
    _named,
    _table,
    _wait_option,
    _window_options,
    cli,
)

__all__ = ["successors", "link_phone", "evolution", "calls", "together"]


@cli.command()
@_db_option
@_window_options
@click.option("--top", type=click.IntRange(min=1), default=None, help="Show only the best N.")
@_json_option
@_wait_option
def successors(db, since, until, top, as_json, wait):
    """Numbers that took over from numbers that fell silent, best first; burner groups."""
    case = Case(db, wait=wait)
    found = case.successors(since=since, until=until)
    if top is not None:
        found["successors"] = found["successors"][:top]
    if as_json:
        _emit(found)
        return
    if not found["successors"]:
        _echo("no successor numbers found: no number fell silent while another with two or "
              "more of its contacts started within 45 days"
              + (" in this window" if since or until else ""))
    else:
        ev = [s["evidence"] for s in found["successors"]]
        names = case.names([e[k] for e in ev for k in ("old_owner", "new_owner")
                            if isinstance(e.get(k), str)])
        _echo(_table([[s["old"], s["new"], f"{s['score']:.3f}",
                       s["evidence"]["shared_contacts"], f"{s['evidence']['gap_days']:.1f}",
                       _named(s["evidence"]["old_owner"], names)
                       if isinstance(s["evidence"].get("old_owner"), str) else "-",
                       _named(s["evidence"]["new_owner"], names)
                       if isinstance(s["evidence"].get("new_owner"), str) else "-",
                       "yes" if s["evidence"]["second_order"] else ""]
                      for s in found["successors"]],
                     ["old", "new", "score", "shared", "gap days", "old owner", "new owner",
                      "group switch"]))
    for g in found["burners"]:
        _echo(f"burner group ({len(g['numbers'])} numbers, {g['calls']} calls): "
              + ", ".join(g["numbers"]))
    _echo(f"confirm a pair: workbench link-phone --db {db} OLD NEW")


@cli.command("link-phone")
@_db_option
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option("--note", default=None, help="Why (kept in the link log).")
@click.option("--undo", is_flag=True, help="Remove the link (it stays in the log).")
@click.option("--list", "show", is_flag=True, help="Show the link log and exit.")
@_wait_option
def link_phone(db, old, new, note, undo, show, wait):
    """Record that two numbers are one user (reversible, logged)."""
    case = Case(db, wait=wait)
    if show:
        links = case.phone_links()
        if not links:
            _echo("no phone links recorded in this case")
        for link in links:
            state = f"undone {link['unlinked_at']}" if link["unlinked_at"] else "active"
            _echo(f"{link['old']} -> {link['new']}  {link['linked_at']}  {state}  "
                  f"{link['note'] or ''}")
        return
    if not old or not new:
        raise click.UsageError("link-phone needs two numbers, OLD and NEW (or --list)")
    if undo:
        done = case.unlink_phone(old, new)
        _echo(f"unlinked {done['old']} -> {done['new']}")
    else:
        done = case.link_phone(old, new, note=note)
        _echo(f"linked {done['old']} -> {done['new']}: calls of the new number now count "
              "as the old one's user")


@cli.command()
@_db_option
@click.option("--window", "windows", multiple=True, metavar="START..END",
              help="A window (repeatable), e.g. 2019-01-01..2019-03-01; default: months.")
@_json_option
@_wait_option
def evolution(db, windows, as_json, wait):
    """Rings per time window, matched across windows, with the events between them."""
    parsed = None
    if windows:
        parsed = []
        for w in windows:
            start, sep, end = w.partition("..")
            if not sep or not start or not end:
                raise WorkbenchError(f"--window expects START..END, got {w!r}")
            parsed.append((start.strip(), end.strip()))
    case = Case(db, wait=wait)
    result = case.evolution(windows=parsed)
    if as_json:
        _emit(result)
        return
    if not result["windows"]:
        _echo(f"no windows: {result['params'].get('windows')}")
    names = case.names({r["leader"] for w in result["windows"] for r in w["rings"]
                        if r.get("leader")}
                       | {e.get(k) for e in result["events"] for k in ("old", "new")
                          if e.get(k)})
    for w in result["windows"]:
        _echo(f"{w['start']} .. {w['end']}: " + ("; ".join(
            f"{r['id']} ({len(r['members'])} active, organizer "
            f"{_named(r['leader'], names) if r['leader'] else 'not shown'})"
            for r in w["rings"]) or "no rings (no group of 3 or more linked strongly "
                                    "enough in this window)"))
    for e in result["events"]:  # every event, naming its ring
        before, after = ", ".join(e.get("from") or []), ", ".join(e.get("to") or [])
        if e["type"] == "organizer_changed":
            detail = (f"{after or before}: organizer {_named(e.get('old'), names)} -> "
                      f"{_named(e.get('new'), names)}")
        elif e["type"] == "formed":
            detail = after
        elif e["type"] == "dissolved":
            detail = before
        else:
            detail = f"{before} -> {after}"
        _echo(f"{e['window']}: {e['type'].replace('_', ' ')} {detail}")


@cli.command()
@_db_option
@click.argument("persons", nargs=-1, required=True)
@_window_options
@_json_option
@_wait_option
def calls(db, persons, since, until, as_json, wait):
    """Call-record views of persons' numbers: hour x weekday, pairs, common contacts."""
    case = Case(db, wait=wait)
    views = case.call_views(persons, since=since, until=until)
    if as_json:
        _emit({"phones": views["phones"],
               "heat": views["heat"].to_dict(orient="index"),
               "pairs": views["pairs"].to_dict(orient="records"),
               "frequency": views["frequency"].to_dict(orient="index"),
               "common": views["common"].to_dict(orient="records")})
        return
    owners = case.owners(views["phones"])
    names = case.names({p for ps in owners.values() for p in ps})

    def number(n: str) -> str:
        held = ", ".join(_named(p, names) for p in owners.get(n, []))
        return f"{n} ({held})" if held else n

    _echo("numbers: " + ", ".join(number(n) for n in views["phones"]))
    if not views["phones"]:
        _echo("no phone numbers are registered to them in this case")
        return
    heat = views["heat"].T
    _echo("\ncalls by weekday (rows) and hour of day (columns)")
    _echo(_table([[str(h), *[int(v) for v in row]] for h, row in heat.iterrows()],
                 ["day", *[str(c) for c in heat.columns]]))
    _echo("\nfirst and last contact per pair")
    pairs = views["pairs"].copy()
    for column in pairs.columns:
        if pairs[column].dtype == object and pairs[column].isin(views["phones"]).any():
            pairs[column] = pairs[column].map(lambda v: number(v) if isinstance(v, str) else v)
    _echo(pairs.to_string(index=False) if not pairs.empty else "no calls among them")
    _echo("\ncall frequency between the numbers")
    _echo(views["frequency"].to_string() if not views["frequency"].empty else "none")
    _echo("\ncommon contacts (numbers in touch with two or more of them)")
    common = views["common"].copy()
    if "owner" in common.columns:
        known = case.names(o for o in common["owner"] if isinstance(o, str))
        common["owner"] = [_named(o, known) if isinstance(o, str) else "-"
                           for o in common["owner"]]
    _echo(common.to_string(index=False) if not common.empty else "none")


@cli.command()
@_db_option
@click.argument("person")
@click.option("--place", default=None, help="Only this hotel, venue, train/flight or cell id.")
@_window_options
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True)
@_json_option
@_wait_option
def together(db, person, place, since, until, limit, as_json, wait):
    """Who was with PERSON (id, number, ID number or name): shared hotel nights, venue
    checks, trips and cells, with both records' file and line."""
    case = Case(db, wait=wait)
    df = case.together(person, place, since=since, until=until, limit=limit)
    rows = [{k: (v.isoformat() if hasattr(v, "isoformat") else
                 None if isinstance(v, float) and v != v else v) for k, v in row.items()}
            for row in df.to_dict(orient="records")]
    if as_json:
        _emit({"person": person, "place": place, "together": rows})
        return
    if not rows:
        _echo(f"nobody was with {person}" + (f" at {place}" if place else "")
              + (" in this window" if since or until else "")
              + ": no hotel night, venue check, trip or cell shared with anyone")
        return
    names = case.names({r["other"] for r in rows})
    _echo(_table([[str(r["time"])[:16].replace("T", " "), _named(r["other"], names),
                   r["kind"], r["place"],
                   " / ".join(str(x) for x in (r["pos"], r["other_pos"]) if x)
                   + (" (adjacent)" if r["adjacent"] else ""),
                   f"{Path(str(r['file'])).name}:{r['line']}",
                   f"{Path(str(r['other_file'])).name}:{r['other_line']}"] for r in rows],
                 ["time", "with", "kind", "place", "room/seat", "record", "their record"]))
