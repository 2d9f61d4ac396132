"""Helpers of the Explorer: the kept selection, the line legend, HTML tables of records,
control values read as filters.

Examples
--------
>>> esc("<b>")
'&lt;b&gt;'
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ..errors import WorkbenchError

__all__ = ["kept", "legend_html", "unused_path", "records_html", "table", "numbers", "flags",
           "esc", "day"]


def kept(rings, picked: str | None, before: set | None) -> str | None:
    """The ring to select after a refresh: the one selected before (same id), else the one
    sharing most of its members (at least 30%), else the best ring."""
    if not rings:
        return None
    if picked and any(r.id == picked for r in rings):
        return picked
    if before:
        best = max(rings, key=lambda r: len(before & set(r.members))
                   / len(before | set(r.members)))
        if len(before & set(best.members)) / len(before | set(best.members)) >= 0.3:
            return best.id
    return rings[0].id


def legend_html() -> str:
    """What each line style of the graph means (layers, in the graph's own colours)."""
    from ..evidence import LAYER_NAMES
    from ..views.style import layer_style

    items = []
    for name in LAYER_NAMES:
        style = layer_style(name)
        dash = "dashed" if style.get("dashes") else "solid"
        items.append(f'<span style="margin-right:14px;white-space:nowrap">'
                     f'<span style="display:inline-block;width:28px;vertical-align:middle;'
                     f'border-top:3px {dash} {esc(str(style["color"]))}"></span> '
                     f'{esc(str(style.get("label", name)))}</span>')
    return ('<div class="wb-legend" style="font-size:12px">lines: ' + "".join(items)
            + " · width: strength · arrow: money from payer to payee · ★ organizer</div>")


def unused_path(folder: Path, stem: str, suffix: str) -> Path:
    """``folder/stem-<time>.<suffix>``, numbered ``-2``, ``-3`` ... when that file (or, for
    CSV, its first part) exists already: two exports in one second never overwrite."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for n in range(1, 10_000):
        name = f"{stem}-{stamp}" + (f"-{n}" if n > 1 else "")
        taken = list(folder.glob(f"{name}.*")) + list(folder.glob(f"{name}_*"))
        if not taken:
            return folder / f"{name}.{suffix}"
    raise WorkbenchError(f"no free file name for {stem} in {folder}")


def records_html(records: dict, persons: set, names: dict, *, inside: bool = False,
                  link: tuple | None = None, limit: int = 200) -> str:
    """The evidence records of a selection in reading order (time, from, to, duration or
    amount, file:line), oldest first, as escaped HTML tables (at most ``limit`` per kind)."""
    from ..views.timeline import reading_rows

    parts = []
    for kind, rows in reading_rows(records, persons, names, inside=inside, link=link).items():
        if rows:
            df = pd.DataFrame(rows)
            parts.append(table(df.head(limit), f"{kind} ({len(rows)} records)"
                                + (f" (first {limit})" if len(rows) > limit else "")))
    return "".join(parts) or "<p>no records</p>"


def table(df: pd.DataFrame, caption: str) -> str:
    """A DataFrame as an HTML table; pandas escapes every cell (data is hostile)."""
    head = f"<h4>{esc(caption)}</h4>" if caption else ""
    return head + df.to_html(escape=True, border=0, max_rows=60)


def numbers(text: str) -> list[str] | None:
    """Comma- or space-separated numbers from a text box; None when empty."""
    items = [x for x in text.replace(",", " ").split() if x]
    return items or None


def flags(ring, names: dict | None = None) -> str:
    """`` · family-based: 5 of 7 kin (<name>'s family)`` and `` · regional <county>`` where
    they apply."""
    from ..rings import family_label

    out = (" · " + family_label(ring.family, ring.size,
                               (names or {}).get(ring.family.get("of")))) if ring.family else ""
    if ring.regional:
        place = str(ring.regional.get("place") or ring.regional.get("code"))
        out += f" · regional {place[-6:]}"
    return out


def esc(text: str) -> str:
    import html

    return html.escape(text)


def day(value, end: bool = False):
    if value is None:
        return None
    if end:
        value = value + dt.timedelta(days=1)
    return f"{value:%Y-%m-%d} 00:00:00"
