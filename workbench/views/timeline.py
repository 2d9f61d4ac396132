"""Evidence in reading order and the i2-style timeline, for the Explorer (server-side HTML).

The snapshot builds the same table and chart in the browser (``evidence.js``); here they are
strings of escaped HTML and SVG: nothing from a record is ever markup.

Examples
--------
>>> recs = {"calls": [{"caller_person": "A", "callee_person": "B", "caller": "+861",
...                    "callee": "+862", "started_at": "2019-01-02T10:00:00+08:00",
...                    "duration_s": 65, "file": "c.csv", "line": 7}]}
>>> row = reading_rows(recs, {"A"}, {"A": "Li"})["calls"][0]
>>> list(row.values())
['2019-01-02 10:00:00+08:00', 'Li (A)', 'B', '1 min 5 s', '', 'c.csv:7']
>>> "<svg" in svg_timeline(recs, ["A", "B"], {"A": "<b>Li</b>"}) and "<b>Li" not in svg_timeline(
...     recs, ["A", "B"], {"A": "<b>Li</b>"})
True
"""

from __future__ import annotations

import html

import pandas as pd

from .words import money_text

__all__ = ["reading_rows", "svg_timeline"]


def _who(names: dict, person, number=None) -> str:
    if person:
        return f"{names[person]} ({person})" if names.get(person) else str(person)
    return str(number or "")


def _src(r: dict) -> str:
    return f"{r.get('file') or ''}:{r.get('line')}" if r.get("line") is not None else str(
        r.get("file") or "")


def _t(value) -> str:
    return str(value or "").replace("T", " ")


def reading_rows(records: dict, persons: set, names: dict, *, inside: bool = False,
                 link: tuple | None = None) -> dict[str, list[dict]]:
    """Records touching ``persons`` (both ends with ``inside``; the two ends of ``link``),
    oldest first, columns in reading order."""
    persons = set(persons)

    def keep(a, b) -> bool:
        if link:
            return {a, b} == set(link)
        return (a in persons and b in persons) if inside else (a in persons or b in persons)

    out: dict[str, list[dict]] = {"calls": [], "transfers": [], "arrests": [], "kinship": []}
    for r in records.get("calls", []):
        a = r.get("caller_person") or f"tel:{r.get('caller')}"
        b = r.get("callee_person") or f"tel:{r.get('callee')}"
        if keep(a, b):
            s = int(r.get("duration_s") or 0)
            out["calls"].append({"time": _t(r.get("started_at")),
                                 "from": _who(names, r.get("caller_person"), r.get("caller")),
                                 "to": _who(names, r.get("callee_person"), r.get("callee")),
                                 "duration": f"{s // 60} min {s % 60} s",
                                 "cell": r.get("cell_id") or "", "file:line": _src(r)})
    for r in records.get("transactions", []):
        a = r.get("from_person") or f"acct:{r.get('from_account')}"
        b = r.get("to_person") or f"acct:{r.get('to_account')}"
        if keep(a, b):
            out["transfers"].append({
                "time": _t(r.get("occurred_at")),
                "from": _who(names, r.get("from_person"), r.get("from_account")),
                "to": _who(names, r.get("to_person"), r.get("to_account")),
                "amount": money_text(r.get("amount"), r.get("currency"), 2),
                "channel": r.get("channel") or "", "memo": r.get("memo") or "",
                "file:line": _src(r)})
    arrests = records.get("arrests", [])
    cases: dict = {}
    for r in arrests:
        cases.setdefault(r.get("case_id"), set()).add(r.get("person_id"))
    for r in arrests:
        p = r.get("person_id")
        if (set(link) <= cases.get(r.get("case_id"), set()) and p in link) if link else (
                p in persons):
            out["arrests"].append({"time": _t(r.get("arrested_at")), "person": _who(names, p),
                                   "case": r.get("case_id") or "", "charge": r.get("charge") or "",
                                   "drug": r.get("drug") or "",
                                   "quantity (g)": r.get("quantity_g"),
                                   "place": r.get("location") or "", "file:line": _src(r)})
    for r in records.get("kinship", []):
        if keep(r.get("person_a"), r.get("person_b")):
            out["kinship"].append({"from": _who(names, r.get("person_a")),
                                   "to": _who(names, r.get("person_b")),
                                   "relation": r.get("relation") or "", "file:line": _src(r)})
    for rows in out.values():
        rows.sort(key=lambda x: (x.get("time", ""), x["file:line"]))
    return out


def svg_timeline(records: dict, people: list, names: dict, width: int = 1100) -> str:
    """One lane per person (the rest: 'others'); calls join two lanes at their time (grey),
    transfers are green arrows payer -> payee, arrests red diamonds. Escaped SVG."""
    people = list(people)[:14]
    lane = {p: i for i, p in enumerate(people)}
    events = []
    for r in records.get("calls", []):
        a, b = r.get("caller_person"), r.get("callee_person")
        if a in lane or b in lane:
            events.append(("call", r.get("started_at"), a, b, r))
    for r in records.get("transactions", []):
        a, b = r.get("from_person"), r.get("to_person")
        if a in lane or b in lane:
            events.append(("transfer", r.get("occurred_at"), a, b, r))
    for r in records.get("arrests", []):
        if r.get("person_id") in lane:
            events.append(("arrest", r.get("arrested_at"), r.get("person_id"), None, r))
    events = [e for e in events if e[1]][:4000]
    if not events:
        return ""
    times = pd.to_datetime([e[1] for e in events], utc=True)
    t0, t1 = times.min(), times.max()
    span = (t1 - t0).total_seconds() or 86400.0
    left, right, step, top = 200, 20, 24, 28
    height = top + (len(people) + 1) * step + 28

    def x(t) -> float:
        return left + (width - left - right) * (t - t0).total_seconds() / span

    def y(p) -> float:
        return top + lane.get(p, len(people)) * step + step / 2

    esc = html.escape
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'role="img" style="background:#fff;border:1px solid #ddd">',
           '<defs><marker id="wbx-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
           'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
           '<path d="M0,0 L10,5 L0,10 z" fill="#2E7D32"/></marker></defs>',
           f'<text x="4" y="16" font-size="13" font-weight="bold">Timeline: {len(events)} '
           'records · grey: call · green arrow: transfer, payer → payee · red: arrest</text>']
    for i, p in enumerate([*people, "others"]):
        yy = top + i * step + step / 2
        label = "others" if p == "others" else _who(names, p)
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{yy}" y2="{yy}" '
                   f'stroke="#CFD8DC"/><text x="{left - 6}" y="{yy + 4}" font-size="12" '
                   f'text-anchor="end">{esc(label)}</text>')
    for month in pd.date_range(t0.normalize().replace(day=1), t1, freq="MS"):
        if month >= t0:
            xx = x(month)
            out.append(f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{top}" y2="{height - 24}" '
                       f'stroke="#ECEFF1"/><text x="{xx:.1f}" y="{height - 8}" font-size="11" '
                       f'text-anchor="middle">{month:%Y-%m}</text>')
    for (kind, _when, a, b, r), t in zip(events, times, strict=True):
        xx = x(t)
        tip = esc(f"{_t(_when)} · {kind} · {_who(names, a)}"
                  + (f" → {_who(names, b)}" if b else "") + f" · {_src(r)}")
        if kind == "arrest":
            ya = y(a)
            out.append(f'<path d="M{xx:.1f},{ya - 8} l6,8 l-6,8 l-6,-8 z" fill="#C62828">'
                       f"<title>{tip}</title></path>")
            continue
        colour = "#2E7D32" if kind == "transfer" else "#546E7A"
        marker = ' marker-end="url(#wbx-arrow)"' if kind == "transfer" else ""
        out.append(f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{y(a)}" y2="{y(b)}" '
                   f'stroke="{colour}" stroke-width="{2 if kind == "transfer" else 1}" '
                   f'opacity="0.7"{marker}><title>{tip}</title></line>')
    out.append("</svg>")
    return "".join(out)
