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

__all__ = ["add_note", "export_report", "notes_row"]


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
