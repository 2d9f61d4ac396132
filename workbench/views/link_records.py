"""The records behind one link of a view, each reduced to what a reader needs: time, kind,
the numbers or accounts, amount, duration, source file name and line.

Examples
--------
>>> records = {"calls": [{"caller_person": "A", "callee_person": "B", "caller": "+861",
...            "callee": "+862", "started_at": "2019-01-02T03:04:05+08:00",
...            "duration_s": 30, "file": "calls.csv", "line": 7}]}
>>> [(r["kind"], r["what"], r["line"]) for r in link_records(records, "B", "A")]
[('call', '+861 → +862', 7)]
"""

from __future__ import annotations

from pathlib import PurePath

__all__ = ["link_records", "record_row", "RECORD_KINDS"]

#: kind of record -> the label a reader sees (Chinese, as in the report)
RECORD_KINDS = {"call": "通话", "transfer": "转账", "kinship": "亲属", "arrest": "同案抓获",
                "meeting": "同住/同行"}

_RELATIONS = {"spouse": "配偶", "parent": "父母子女", "sibling": "兄弟姐妹", "relative": "亲属"}


def _text(value) -> str:
    return "" if value is None else str(value)


def _name(value) -> str:
    """A file's name, never its directory."""
    return PurePath(_text(value)).name if value else ""


def record_row(kind: str, r: dict) -> dict:
    """One record as ``{"kind", "time", "what", "amount", "duration_s", "file", "line"}``."""
    if kind == "calls":
        return {"kind": "call", "time": _text(r.get("started_at")),
                "what": f"{_text(r.get('caller'))} → {_text(r.get('callee'))}",
                "amount": None, "duration_s": r.get("duration_s"),
                "file": _name(r.get("file")), "line": r.get("line")}
    if kind == "transactions":
        return {"kind": "transfer", "time": _text(r.get("occurred_at")),
                "what": f"{_text(r.get('from_account'))} → {_text(r.get('to_account'))}",
                "amount": r.get("amount"), "duration_s": None,
                "file": _name(r.get("file")), "line": r.get("line")}
    if kind == "kinship":
        relation = _text(r.get("relation"))
        return {"kind": "kinship", "time": "",
                "what": f"{_text(r.get('person_a'))} {_RELATIONS.get(relation, relation)} "
                        f"{_text(r.get('person_b'))}",
                "amount": None, "duration_s": None, "file": _name(r.get("file")),
                "line": r.get("line")}
    if kind == "arrests":
        return {"kind": "arrest", "time": _text(r.get("arrested_at")),
                "what": f"{_text(r.get('person_id'))} {_text(r.get('case_id'))} "
                        f"{_text(r.get('charge'))}".strip(),
                "amount": None, "duration_s": None, "file": _name(r.get("file")),
                "line": r.get("line")}
    when = r.get("time") or r.get("checked_in") or r.get("seen_at") or r.get("departs_at")
    other = ""
    if r.get("other_file"):
        other = f" (另一方记录 {_name(r['other_file'])}:{_text(r.get('other_line'))})"
    return {"kind": "meeting", "time": _text(when),
            "what": f"{_text(r.get('kind'))} {_text(r.get('place'))}{other}".strip(),
            "amount": None, "duration_s": None, "file": _name(r.get("file")),
            "line": r.get("line")}


def link_records(records: dict, u: str, v: str) -> list[dict]:
    """The records of a view (``ViewModel.records``) behind the link ``u``--``v``, in time
    order (then file and line): calls and transfers between them, their kinship, the
    arrests of both in a case they share, the meetings of the two."""
    pair = {str(u), str(v)}
    out = []
    for r in records.get("calls", []):
        if {str(r.get("caller_person")), str(r.get("callee_person"))} == pair:
            out.append(record_row("calls", r))
    for r in records.get("transactions", []):
        if {str(r.get("from_person")), str(r.get("to_person"))} == pair:
            out.append(record_row("transactions", r))
    for r in records.get("kinship", []):
        if {str(r.get("person_a")), str(r.get("person_b"))} == pair:
            out.append(record_row("kinship", r))
    cases: dict[str, set[str]] = {}
    for r in records.get("arrests", []):
        if r.get("case_id") and str(r.get("person_id")) in pair:
            cases.setdefault(str(r["case_id"]), set()).add(str(r["person_id"]))
    shared = {c for c, who in cases.items() if who == pair}
    for r in records.get("arrests", []):
        if str(r.get("case_id")) in shared and str(r.get("person_id")) in pair:
            out.append(record_row("arrests", r))
    for r in records.get("meetings", []):
        if {str(r.get("person")), str(r.get("other"))} == pair:
            out.append(record_row("meetings", r))
    return sorted(out, key=lambda x: (x["time"], x["file"], x["line"] or 0, x["kind"]))
