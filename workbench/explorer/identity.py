"""The Explorer's identity controls: how the selected person was put together, and the
analyst's decisions on it (accept, reject, merge, split), through the case's decisions API
(stored with who, when and why; in the action log; reversible).

The details panel of a selected person lists the records attributed to them (how: person
id, ID number, weights, decision) and, under "same person?", the records whose best
candidate they are but that were left unresolved or went to someone else, each with the
weight of every compared field. The record picker offers those records; ``accept`` says
the record names the selected person, ``reject`` that it does not; ``merge`` and ``split``
join or part the selected person and the person (or record) typed in ``other``.

Examples
--------
>>> fields_text({"name": {"level": "exact", "bits": 10.5}, "sex": {"level": "same",
...              "bits": 0.97}})
'name exact +10.5, sex same +0.97'
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import WorkbenchError

if TYPE_CHECKING:
    from .widget import Explorer

__all__ = ["controls", "person_html", "decide", "undo", "fields_text", "ACTIONS"]

ACTIONS = ("accept", "reject", "merge", "split")
#: records of one person shown in the details (the rest are counted)
LIMIT = 40


def _esc(text) -> str:
    return html.escape(str(text), quote=True)


def fields_text(fields: dict | None) -> str:
    """The compared fields of a weighed record, strongest first: ``field level +bits``."""
    if not fields:
        return ""
    items = sorted(((k, v) for k, v in fields.items() if v and v.get("bits") is not None),
                   key=lambda kv: -abs(float(kv[1]["bits"])))
    return ", ".join(f"{k} {v['level']} {float(v['bits']):+g}" for k, v in items)


def controls(explorer: Explorer):
    """The record picker, action, other party, who and why, the decide and undo buttons,
    wired to the Explorer (``id_record``, ``id_action``, ``id_other``, ``id_by``,
    ``id_why``, ``id_button``, ``id_undo``); the row that holds them."""
    import ipywidgets as w

    explorer.id_record = w.Dropdown(options=[], description="record",
                                    layout=w.Layout(width="330px"))
    explorer.id_action = w.Dropdown(options=list(ACTIONS), value="accept",
                                    layout=w.Layout(width="100px"))
    explorer.id_other = w.Text(placeholder="other person or record (merge, split)",
                               layout=w.Layout(width="230px"))
    explorer.id_by = w.Text(placeholder="analyst", layout=w.Layout(width="110px"))
    explorer.id_why = w.Text(placeholder="why", layout=w.Layout(width="220px"))
    explorer.id_button = w.Button(description="decide", icon="check")
    explorer.id_undo = w.Button(description="undo last", icon="undo", disabled=True)
    explorer.id_decisions = []  # decisions taken in this Explorer, last one last
    explorer.id_button.on_click(lambda _b: decide(explorer))
    explorer.id_undo.on_click(lambda _b: undo(explorer))
    return w.HBox([explorer.id_record, explorer.id_action, explorer.id_other,
                   explorer.id_by, explorer.id_why, explorer.id_button, explorer.id_undo])


def _row(r: dict) -> str:
    p = "" if r.get("p") is None else f"{float(r['p']):.3f}"
    return (f"<tr><td>{_esc(r['kind'])}</td>"
            f"<td>{_esc(Path(str(r['file'])).name)}:{int(r['line'])}</td>"
            f"<td>{_esc(r.get('name') or '')} {_esc(r.get('id_number') or '')}</td>"
            f"<td>{_esc(r['how'])}</td><td>{_esc(r.get('person_id') or '—')}</td>"
            f"<td>{_esc(p)}</td><td>{_esc(fields_text(r.get('fields')))}</td></tr>")


_HEAD = ("<tr><th>kind</th><th>record</th><th>as written</th><th>how</th><th>person</th>"
         "<th>p</th><th>fields (bits)</th></tr>")


def person_html(explorer: Explorer, node: str) -> str:
    """"How put together" and "same person?" sections for a person (escaped); fills the
    record picker with the person's records, the open ones first."""
    try:
        records = explorer.case.identities(person=node)["records"]
    except WorkbenchError:  # a number or account standing for itself: no records name it
        explorer.id_record.options = []  # nothing of the person selected before stays
        return ""
    mine = [r for r in records if r["person_id"] == node]
    maybe = [r for r in records if r["person_id"] != node]
    hows: dict[str, int] = {}
    for r in mine:
        hows[r["how"]] = hows.get(r["how"], 0) + 1
    summary = ", ".join(f"{n} by {h}" for h, n in sorted(hows.items()))
    picker = [(f"{r['ref']} {r['kind']} {r.get('name') or ''} (best candidate, "
               f"p={float(r.get('p') or 0):.2f})", r["ref"]) for r in maybe]
    picker += [(f"{r['ref']} {r['kind']} {r.get('name') or ''} ({r['how']})", r["ref"])
               for r in mine]
    explorer.id_record.options = picker
    out = (f"<h4>how {_esc(node)} was put together ({len(mine)} records: "
           f"{_esc(summary)})</h4><table>{_HEAD}"
           + "".join(_row(r) for r in mine[:LIMIT]) + "</table>")
    if len(mine) > LIMIT:
        out += f"<p>… {len(mine) - LIMIT} more</p>"
    if maybe:
        out += (f"<h4>same person? ({len(maybe)} records whose best candidate is "
                f"{_esc(node)})</h4><table>{_HEAD}"
                + "".join(_row(r) for r in maybe[:LIMIT]) + "</table>")
    return out


def decide(explorer: Explorer, action: str | None = None, target: str | None = None,
           other: str | None = None, why: str | None = None,
           by: str | None = None) -> dict | None:
    """Record a decision on the selected person through :meth:`Case.decide` and show the
    result. ``accept`` / ``reject``: the picked record (or ``target``) names / does not
    name the selected person; ``merge`` / ``split``: the selected person and ``other``
    (the ``other`` box). Returns the case's answer (decision id, resolution counts)."""
    node = explorer.graph.selected
    action = action or explorer.id_action.value
    why = why if why is not None else (explorer.id_why.value.strip() or None)
    by = by if by is not None else (explorer.id_by.value.strip() or None)
    if action in ("accept", "reject"):
        target = target or explorer.id_record.value
        other = other or node
    else:
        target = target or node
        other = other or explorer.id_other.value.strip() or None
    if not node or not target or not other:
        explorer.status.value = ("select a person and pick a record" if action in (
            "accept", "reject") else "select a person and name the other person")
        return None
    try:
        done = explorer.case.decide(action, target, other, by=by, why=why)
    except WorkbenchError as exc:
        explorer.status.value = _esc(exc)
        return None
    explorer.id_decisions.append(done["decision_id"])
    explorer.id_undo.disabled = False
    explorer.id_why.value = ""
    _reshow(explorer, node)
    explorer.status.value = (f"decision {done['decision_id']}: {_esc(action)} "
                             f"{_esc(target)} / {_esc(other)}; "
                             f"{done['identity'].get('unresolved', 0)} records unresolved")
    return done


def undo(explorer: Explorer, why: str | None = None) -> dict | None:
    """Undo the last decision taken in this Explorer (kept, marked undone, logged)."""
    if not explorer.id_decisions:
        explorer.status.value = "no decision to undo"
        return None
    decision_id = explorer.id_decisions.pop()
    by = explorer.id_by.value.strip() or None
    try:
        done = explorer.case.decide("undo", undo=decision_id, by=by,
                                    why=why or explorer.id_why.value.strip() or None)
    except WorkbenchError as exc:
        explorer.status.value = _esc(exc)
        return None
    explorer.id_undo.disabled = not explorer.id_decisions
    _reshow(explorer, explorer.graph.selected)
    explorer.status.value = f"decision {decision_id} undone"
    return done


def _reshow(explorer: Explorer, node: str | None) -> None:
    """Run the search again on the resolved persons and show the person again."""
    explorer.refresh()
    if node and explorer.view is not None and node not in explorer.view.graph:
        explorer.focus_on(node)
    if node and explorer.view is not None and node in explorer.view.graph:
        explorer._on_select({"new": node})
