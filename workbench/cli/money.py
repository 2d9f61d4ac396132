"""``workbench money``: money patterns among accounts, best first, or a trace of the money
from one account forward or back in time order."""

from __future__ import annotations

import click

from .common import _db_option, _echo, _emit, _json_option, _table, _wait_option, cli

KIND_CHOICES = ["fan-in", "fan-out", "cycle", "scatter-gather", "gather-scatter", "bipartite"]


@cli.command()
@_db_option
@click.option("--since", help="Only transfers from this local time on.")
@click.option("--until", help="Only transfers before this local time.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(KIND_CHOICES),
              help="Show only this kind of pattern (repeatable).")
@click.option("--top", type=click.IntRange(min=1), default=None,
              help="Show only the best N patterns.")
@click.option("--min-score", type=float, default=0.0, show_default=True,
              help="Report patterns scoring above this (log10 likelihood ratio; 0: more "
                   "likely planted than chance).")
@click.option("--trace", "trace_account", default=None, metavar="ACCOUNT",
              help="Follow the money from this account in time order instead.")
@click.option("--back", is_flag=True, help="With --trace: where the money came from.")
@click.option("--hops", type=click.IntRange(min=1, max=8), default=4, show_default=True,
              help="With --trace: longest chain.")
@_json_option
@_wait_option
def money(db, since, until, kinds, top, min_score, trace_account, back, hops, as_json, wait):
    """Money patterns among accounts, best first (fan-in, fan-out, cycle, scatter-gather,
    gather-scatter, bipartite layering); --trace ACCOUNT follows the money instead."""
    from ..case import case_window
    from ..money import MoneyParams, find_patterns, trace
    from ..store import Store

    if back and not trace_account:
        raise click.UsageError("--back goes with --trace ACCOUNT")
    with Store(db, read_only=True, wait=wait) as store:
        window = dict(zip(("since", "until"), case_window(since, until, store), strict=True))
        if trace_account:
            result = trace(store, trace_account, back=back, max_hops=hops, **window)
            doc = {"trace": {k: v for k, v in result.items() if k != "params"},
                   "params": result["params"]}
        else:
            doc = find_patterns(store, MoneyParams(kinds=tuple(kinds) or None,
                                                   min_score=min_score, **window), top=top)
    if as_json:
        _emit(doc)
    elif trace_account:
        _print_trace(doc["trace"])
    else:
        _print_patterns(doc)


def _print_patterns(doc: dict) -> None:
    if not doc["patterns"]:
        _echo("no money patterns found")
        return
    rows = []
    for i, p in enumerate(doc["patterns"], 1):
        amount = ", ".join(f"{cur} {v}" for cur, v in p["amount"].items())
        rows.append([i, p["kind"], f"{p['score']:.3f}", len(p["accounts"]), amount,
                     p["first"][:10], p["last"][:10], ", ".join(p["members"][:6])
                     + (" ..." if len(p["members"]) > 6 else "")])
    _echo(_table(rows, ["#", "kind", "score", "accounts", "amount", "first", "last",
                        "members"]))
    services = doc["params"].get("services") or []
    if services:
        _echo(f"services (their usual business left out): {', '.join(services[:10])}"
              + (" ..." if len(services) > 10 else ""))


def _print_trace(tr: dict) -> None:
    """The hops as a tree: each hop under the one that brought the money there."""
    if not tr["hops"]:
        _echo(f"no transfers {'to' if tr['direction'] == 'back' else 'from'} {tr['account']}")
        return
    children: dict = {}
    for h in tr["hops"]:
        children.setdefault(h["parent"], []).append(h)
    stack = list(reversed(children.get(None, [])))
    while stack:
        h = stack.pop()
        marks = [m for m, on in (("one-off", h["pair_transfers"] == 1),
                                 ("service", h["service"]), ("back round", h["returns"])) if on]
        _echo(f"{'  ' * (h['depth'] - 1)}{h['at']}  {h['from']} -> {h['to']}  "
              f"{h['currency']} {h['amount']}" + (f" ({', '.join(marks)})" if marks else "")
              + f"  [{h['file']}:{h['line']}]")
        stack.extend(reversed(children.get(h["id"], [])))
