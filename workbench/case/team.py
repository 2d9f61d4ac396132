"""The case team's tools: notes and hypotheses, the action log, hits across cases: part of
:class:`~workbench.case.Case`.

A part of the composed case: it works through the shared state (``self._state``: path,
open, caches) and reaches the other parts through the case (``self._case``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..contract import parse_id_number, parse_phone
from ..errors import WorkbenchError
from ..store import add_note, list_notes, log_action, log_entries, lookups, verify_chain

if TYPE_CHECKING:
    from .facade import Case
    from .state import CaseState

__all__ = ["TeamPart", "notes_for_view"]

#: a ring id as ``workbench rings`` prints it (R001, R012, ...), or any id after ``ring:``
_RING = re.compile(r"^(R\d{2,}|[RA]-[0-9a-f]{6,})$")  # R-1fe08d (content id), A-... (around)


def _parsed(parse, text: str) -> str | None:
    try:
        return parse(text)
    except ValueError:
        return None


def notes_for_view(notes: list[dict], nodes, identifiers, rings) -> list[dict]:
    """The notes a view shows: on its nodes, on numbers, accounts or ID numbers it shows,
    on links between two of its nodes, on its rings.

    Examples
    --------
    >>> notes = [{"target": "P1--P2", "target_kind": "link"}, {"target": "ring:R009",
    ...          "target_kind": "ring"}, {"target": "P3", "target_kind": "person"}]
    >>> [n["target"] for n in notes_for_view(notes, ["P1", "P2"], {}, ["R001"])]
    ['P1--P2']
    """
    nodes = {str(n) for n in nodes}
    shown = nodes | {str(k) for k in identifiers} | {f"acct:{k}" for k in identifiers}
    ring_targets = {f"ring:{r}" for r in rings}
    out = []
    for note in notes:
        target, kind = note["target"], note["target_kind"]
        if kind == "link":
            a, _, b = target.partition("--")
            if a in nodes and b in nodes:
                out.append(note)
        elif kind == "ring":
            if target in ring_targets:
                out.append(note)
        elif target in shown:
            out.append(note)
    return out


class TeamPart:
    """One part of :class:`~workbench.case.Case`: it shares the case's
    :class:`~workbench.case.state.CaseState` (store path, caches) and reaches the other parts
    through the case."""

    def __init__(self, state: CaseState, case: Case) -> None:
        self._state = state
        self._case = case

    # -- notes -------------------------------------------------------------------------
    def note_target(self, target: str) -> tuple[str, str]:
        """The canonical form and kind of a note's target: a ring (``R003`` or
        ``ring:ID``), a link (``A--B``), an account (``acct:...`` or an account id of the
        case), a number (any format, in E.164), an ID number or a person (id or name)."""
        t = str(target).strip()
        if not t:
            raise WorkbenchError("an empty note target")
        if t.lower().startswith("ring:") or _RING.match(t):
            ring = t.split(":", 1)[1].strip() if ":" in t else t
            if not ring:
                raise WorkbenchError("an empty ring id")
            return f"ring:{ring}", "ring"
        if "--" in t:
            a, _, b = t.partition("--")
            ends = sorted(self._case.resolve_all([a.strip(), b.strip()]))
            if ends[0] == ends[1]:
                raise WorkbenchError(f"a link needs two different ends: {t!r}")
            return f"{ends[0]}--{ends[1]}", "link"
        with self._state.open() as store:
            con = store.con
            if lookups.is_person(con, t):
                return t, "person"
            account = t[5:] if t.startswith("acct:") else t
            if con.execute("SELECT count(*) FROM accounts WHERE account_id = ?",
                           [account]).fetchall()[0][0] or con.execute(
                    "SELECT count(*) FROM transactions WHERE from_account = ? "
                    "OR to_account = ?", [account, account]).fetchall()[0][0]:
                return f"acct:{account}", "account"
            if len(t) in (15, 18) and t[:-1].isdigit():
                idn = _parsed(parse_id_number, t)
                if idn is not None:
                    known = lookups.persons_with_id_number(con, idn)
                    return (known[0], "person") if len(known) == 1 else (idn, "person")
            number = _parsed(parse_phone, t)
            if number is not None and lookups.numbers_present(con, [number]):
                return number, "number"
        return self._case.resolve(t), "person"

    def note(self, target: str, text: str, *, status: str = "open", author: str | None = None,
             answers: int | None = None) -> dict:
        """Write a note or hypothesis on a person, number, account, link (``A--B``) or ring
        (``R003``): author, time, text, status (``open``, ``confirmed``, ``refuted``); it
        goes into the action log too. Returns the note."""
        canonical, kind = self.note_target(target)
        with self._state.open(write=True) as store:
            with store.transaction() as con:
                return add_note(con, canonical, kind, text, status=status, author=author,
                                answers=answers)

    def notes(self, target: str | None = None, *, upto: int | None = None) -> list[dict]:
        """Notes, oldest first; only those on ``target`` when given."""
        targets = None if target is None else [self.note_target(target)[0]]
        with self._state.open() as store:
            return list_notes(store.con, targets=targets, upto=upto)

    def notes_in_view(self, nodes, identifiers, rings, *, upto: int | None = None
                      ) -> list[dict]:
        """The notes on what a view shows (:func:`notes_for_view`)."""
        with self._state.open() as store:
            return notes_for_view(list_notes(store.con, upto=upto), nodes, identifiers, rings)

    def source_hashes(self) -> dict[str, str]:
        """Source file name -> its SHA-256 (names only, never directories; two files of
        one name give both hashes, ``" / "``-separated)."""
        with self._state.open() as store:
            rows = store.con.execute(
                "SELECT DISTINCT file, sha256 FROM sources ORDER BY sha256").fetchall()
        out: dict[str, list[str]] = {}
        for file, sha in rows:
            name = Path(str(file)).name
            if sha not in out.setdefault(name, []):
                out[name].append(sha)
        return {k: " / ".join(v) for k, v in sorted(out.items())}

    # -- the action log ----------------------------------------------------------------
    def log(self, *, upto: int | None = None) -> list[dict]:
        """The action log, oldest first (see :mod:`workbench.store.audit`)."""
        with self._state.open() as store:
            return log_entries(store.con, upto=upto)

    def verify_log(self) -> dict:
        """Whether the log's hash chain holds: ``{"intact", "entries", "head",
        "broken_at", "reason"}``."""
        with self._state.open() as store:
            return verify_chain(store.con)

    def log_action(self, action: str, details: dict | None = None,
                   actor: str | None = None) -> dict:
        """Append one entry to the action log (an export written, a decision taken)."""
        with self._state.open(write=True) as store:
            with store.transaction() as con:
                return log_action(con, action, details, actor)

    # -- hits across cases -------------------------------------------------------------
    def hits(self, against, *, salt: str | None = None, limit: int = 5) -> dict:
        """Phones, accounts, ID numbers and persons this case shares with other case stores
        (opened read-only) or salted exchange files (``salt``), with the records on both
        sides (file name and line); see :func:`workbench.hits.find_hits`."""
        from ..hits import find_hits

        against = [Path(p) for p in against]
        mine = self._state.path.resolve()
        for p in against:
            if p.exists() and p.resolve() == mine:
                raise WorkbenchError(f"{p.name} is this case's own store")
        with self._state.open() as store:
            return find_hits(store.con, against, salt=salt, limit=limit,
                             name=self._state.path.name)

    def hits_export(self, out, *, salt: str, actor: str | None = None) -> dict:
        """Write the salted digests of this case's identifiers for another office
        (:func:`workbench.hits.write_exchange`); logged."""
        from ..hits import write_exchange

        with self._state.open() as store:
            written = write_exchange(store.con, out, salt, label=self._state.path.stem)
        self.log_action("hits-export", written, actor)
        return written

    def seen_elsewhere(self, against, *, salt: str | None = None) -> dict[str, list[str]]:
        """Person id -> the other cases that hold one of its phones, accounts or its ID
        number (for the Explorer's marks)."""
        found = self.hits(against, salt=salt, limit=1)
        values: dict[str, set[str]] = {}
        for hit in found["hits"]:
            values.setdefault(hit["value"], set()).update(c for c in hit["cases"][1:])
        out: dict[str, set[str]] = {}
        with self._state.open() as store:
            for value, cases in values.items():
                rows = store.con.execute(
                    "SELECT person_id FROM phones WHERE phone = ? UNION "
                    "SELECT person_id FROM accounts WHERE account_id = ? UNION "
                    "SELECT person_id FROM persons WHERE id_number = ?",
                    [value, value, value]).fetchall()
                for (pid,) in rows:
                    if pid:
                        out.setdefault(pid, set()).update(cases)
                if not rows and value.startswith("+"):
                    out.setdefault(value, set()).update(cases)
        return {k: sorted(v) for k, v in sorted(out.items())}
