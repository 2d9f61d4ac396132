"""The case team's controls of the Explorer: notes on the selection, the report button.

Examples
--------
>>> notes_row(None, "P1")
''
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import WorkbenchError

if TYPE_CHECKING:
    from .widget import Explorer

__all__ = ["add_note", "export_report", "notes_row", "controls", "mark_seen"]


def controls(explorer: Explorer):
    """The note box, its status and button, and the report button, wired to the Explorer
    (set on it as ``note_text``, ``note_status``, ``note_button``, ``report_button``); the
    row that holds them."""
    import ipywidgets as w

    explorer.note_text = w.Text(placeholder="note or hypothesis on the selected person",
                                layout=w.Layout(width="360px"))
    explorer.note_status = w.Dropdown(options=["open", "confirmed", "refuted"], value="open",
                                      layout=w.Layout(width="110px"))
    explorer.note_button = w.Button(description="add note", icon="sticky-note")
    explorer.report_button = w.Button(description="report (PDF)", icon="file-pdf")
    explorer.note_button.on_click(lambda _b: explorer.add_note(explorer.note_text.value,
                                                               explorer.note_status.value))
    explorer.report_button.on_click(lambda _b: explorer.export_report())
    return w.HBox([explorer.note_text, explorer.note_status, explorer.note_button,
                   explorer.report_button])


def mark_seen(view, seen: dict) -> None:
    """Mark the view's persons seen in another case (``other_cases``: node data, tooltip)."""
    for n, d in view.graph.nodes(data=True):
        if str(n) in seen:
            d["other_cases"] = ", ".join(seen[str(n)])


def _esc(text: str) -> str:
    return html.escape(str(text), quote=True)


def notes_row(view, node: str) -> str:
    """A details-table row with the notes on ``node`` and its links (escaped)."""
    if view is None:
        return ""
    items = "".join(
        f"<li>#{n['note_id']} [{_esc(n['status'])}] {_esc(n['author'])}: "
        f"{_esc(n['text'])} <i>({_esc(n['target'])})</i></li>"
        for n in view.meta.get("notes", [])
        if n["target"] == node or node in str(n["target"]).split("--"))
    return f"<tr><th>notes</th><td><ul>{items}</ul></td></tr>" if items else ""


def add_note(explorer: Explorer, text: str, status: str = "open") -> dict | None:
    """Note or hypothesis on the selected person (logged); shown in the details."""
    node = explorer.graph.selected
    if not node or not str(text).strip():
        explorer.status.value = "select a person and write a note first"
        return None
    try:
        note = explorer.case.note(node, text, status=status)
    except WorkbenchError as exc:
        explorer.status.value = _esc(str(exc))
        return None
    explorer.note_text.value = ""
    explorer.view.meta.setdefault("notes", []).append(note)
    explorer._on_select({"new": node})
    explorer.status.value = f"note {note['note_id']} on {_esc(note['target'])}"
    return note


def export_report(explorer: Explorer) -> Path | None:
    """Write the case report (PDF) of the current selection: the ring, or the person
    and hops, in the time window (the default ring search; other filters are not
    carried); logged."""
    if explorer.view is None:
        return None
    sel = dict(explorer.view.meta.get("selection") or {})
    opts = explorer.options()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = explorer.out_dir / f"report-{stamp}.pdf"
    try:
        explorer.case.report(path, ring=sel.get("ring"), person=sel.get("person"),
                         hops=sel.get("hops") or None, since=opts["since"],
                         until=opts["until"], redact=explorer.redact.value,
                         redact_names=explorer.redact_names.value)
    except WorkbenchError as exc:
        explorer.status.value = _esc(str(exc))
        return None
    explorer.exported.append(path)
    explorer.status.value = f"wrote {_esc(str(path))}"
    return path
