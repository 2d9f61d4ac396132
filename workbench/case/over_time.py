"""Time and phones of a case (successor numbers, phone links, evolution, time-respecting
paths): part of :class:`~workbench.case.Case`.

A part of the composed case: it works through the shared state (``self._state``: path,
open, time, caches) and reaches the other parts through the case (``self._case``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import sys
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .. import __version__
from ..analysis import (
    SuccessorParams,
    default_windows,
    find_burners,
    find_successors,
    match_windows,
)
from ..contract import DEFAULT_TZ, parse_phone
from ..errors import WorkbenchError
from ..evidence import LinkParams, call_stream, number_activity
from ..store import log_action, lookups

if TYPE_CHECKING:
    from .facade import Case
    from .state import CaseState

__all__ = ["TimePart"]


_ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")


def _local_json(value, zone):
    """``value`` with missing numbers (NaN) as ``None`` and times in the case's zone to the
    second (no float noise, no UTC): what every JSON document of the case shows."""
    if isinstance(value, dict):
        return {k: _local_json(v, zone) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_local_json(v, zone) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    # a NaT comes from pandas, loaded if there is one (perhaps still loading in a thread)
    nat = getattr(sys.modules.get("pandas"), "NaT", None)
    if nat is not None and value is nat:
        return None
    if isinstance(value, str) and _ISO_UTC.match(value):
        value = dt.datetime.fromisoformat(value[:19] + value[-6:] if "." in value else value)
    if isinstance(value, dt.datetime):
        import pandas as pd

        when = pd.Timestamp(value).round("s").to_pydatetime()
        if when.tzinfo is not None:
            when = when.astimezone(zone)
        return when.isoformat()
    if hasattr(value, "item") and not isinstance(value, str):
        return _local_json(value.item(), zone)
    return value


class TimePart:
    """One part of :class:`~workbench.case.Case`: it shares the case's
    :class:`~workbench.case.state.CaseState` (store path, caches) and reaches the other parts
    through the case."""

    def __init__(self, state: CaseState, case: Case) -> None:
        self._state = state
        self._case = case

    def successors(self, *, since=None, until=None,
                   params: SuccessorParams | None = None) -> dict:
        """Numbers that took over from numbers that fell silent, best first, and closed
        groups of burner numbers: ``{"successors", "burners", "params", "fingerprint"}``."""
        params = params or SuccessorParams()
        with self._state.open() as store:
            window = LinkParams(*self._state.window(since, until, store))
            _, info = self._case.graph(since=since, until=until)
            services = [h["id"] for h in info["hubs"] if h["kind"] == "phone"]
            activity = number_activity(store.con, window, services=services)
            links = self.phone_links(active=True)
            fingerprint = store.fingerprint()
            tz = store.meta("timezone") or DEFAULT_TZ
            zone = ZoneInfo(tz)
        linked = {(x["old"], x["new"]) for x in links}
        found = [_local_json(s, zone) for s in find_successors(activity, params, tz=tz)
                 if (s["old"], s["new"]) not in linked]
        return {"successors": found, "burners": find_burners(activity),
                "params": {**params.resolve(activity).as_dict(), "window": window.as_dict(),
                           "silence": "per number: 3 x its mean interval between calls, "
                                      "at least 5% of the span" if params.silence_days is None
                           else "fixed",
                           "tool": f"workbench {__version__}"},
                "fingerprint": fingerprint, "linked": links}

    def link_phone(self, old: str, new: str, note: str | None = None) -> dict:
        """Record that ``new`` is the same user as ``old``: graphs then count calls of ``new``
        as calls of ``old``. Reversible with :meth:`unlink_phone`; both are logged."""
        old_n, new_n = parse_phone(old), parse_phone(new)
        if old_n == new_n:
            raise WorkbenchError("the two numbers are the same")
        with self._state.open(write=True) as store:
            present = lookups.numbers_present(store.con, [old_n, new_n])
            missing = [x for x in (old_n, new_n) if x not in present]
            if missing:
                raise WorkbenchError(f"number(s) not in this case: {', '.join(missing)}")
            active = lookups.active_links_touching(store.con, old_n, new_n)
            if active:
                raise WorkbenchError(f"already linked: {active[0][0]} -> {active[0][1]}")
            with store.transaction() as con:
                lookups.add_phone_link(con, old_n, new_n, note)
                log_action(con, "link-phone", {"old": old_n, "new": new_n, "note": note})
        self._state.graphs, self._state.results = {}, {}
        return {"old": old_n, "new": new_n, "note": note}

    def unlink_phone(self, old: str, new: str) -> dict:
        """Undo :meth:`link_phone` (the link stays in the log with its end time)."""
        old_n, new_n = parse_phone(old), parse_phone(new)
        with self._state.open(write=True) as store:
            with store.transaction() as con:
                if not lookups.end_phone_link(con, old_n, new_n):
                    raise WorkbenchError(f"no active link {old_n} -> {new_n}")
                log_action(con, "unlink-phone", {"old": old_n, "new": new_n})
        self._state.graphs, self._state.results = {}, {}
        return {"old": old_n, "new": new_n, "unlinked": True}

    def phone_links(self, active: bool = False) -> list[dict]:
        """The link log: every link made, with when it was made and undone."""
        with self._state.open() as store:
            return lookups.phone_links(store.con, active)

    def evolution(self, *, windows: list[tuple[str, str]] | None = None, match: float = 0.3,
                  **ring_options) -> dict:
        """Rings per time window (calendar months by default), matched across windows, with
        the events between them (formed, grew, shrank, split, merged, dissolved, organizer
        changed)."""
        from ..rings import track_ring

        rule = "given"
        if windows is None:
            with self._state.open() as store:
                lo, hi = lookups.call_span(store.con)
                tz = ZoneInfo(store.meta("timezone") or DEFAULT_TZ)
            if lo is None:
                return {"windows": [], "events": [], "params": {"windows": "no calls"}}
            windows, rule = default_windows(lo.astimezone(tz).replace(tzinfo=None),
                                            hi.astimezone(tz).replace(tzinfo=None))
        known = self._case.rings(**ring_options).rings  # rings of the whole period: stable ids
        out, per_window, labels = [], [], []
        for start, end in windows:
            # the graph the ring search ran on: the same layers, services and min_weight
            graph = self._case.parts.rings.ring_graph(start, end, ring_options)
            rings = []
            for ring in known:
                seen = track_ring(graph, ring.members)
                if not seen or seen["score"] < 0.2:
                    continue
                parts = seen.pop("parts")
                if len(parts) >= 2:  # working as separate cells in this window
                    for k, part in enumerate(parts, start=1):
                        cell = track_ring(graph, part)
                        if cell:
                            cell.pop("parts")
                            rings.append({"id": f"{ring.id}.{k}", **cell})
                    continue
                if seen["evidence"]["payers_to_top"] < 2:
                    seen["leader"] = None  # no money flowing in: leadership not shown
                rings.append({"id": ring.id, **seen})
            for found in self._case.rings(since=start, until=end, **ring_options).rings:
                if not any(len(set(found.members) & set(r["members"]))
                           / len(set(found.members) | set(r["members"])) >= match
                           for r in rings):
                    rings.append({"id": found.id, "members": found.members,
                                  "leader": found.leader, "score": round(found.score, 4),
                                  "evidence": found.evidence})
            label = f"{start}..{end}"
            out.append({"start": start, "end": end, "rings": rings})
            per_window.append(rings)
            labels.append(label)
        events = match_windows(per_window, labels, match)
        # an organizer change counts when the new organizer is still in charge a window later
        # (or the data ends): one quiet month does not change who leads
        leaders = [{r["id"]: r["leader"] for r in rings} for rings in per_window]
        kept = []
        for e in events:
            if e["type"] == "organizer_changed":
                w = labels.index(e["window"])
                ring_id = e["to"][0]
                later = leaders[w + 1].get(ring_id) if w + 1 < len(leaders) else e["new"]
                if later not in (e["new"], None):
                    continue
            kept.append(e)
        return {"windows": out, "events": kept, "params": {"windows": rule, "match": match}}

    def temporal_path(self, a: str, b: str, *, since=None, until=None,
                      via_services: bool = False) -> list[dict]:
        """Earliest-arrival chain of calls from ``a`` to ``b`` (ids, numbers or names)
        starting at ``since``, with the time of each hop (case local time); never through
        a service number or its holder unless ``via_services``."""
        from ..analysis import services, temporal_path

        a, b = self._case.resolve(a), self._case.resolve(b)
        with self._state.open() as store:
            window = LinkParams(*self._state.window(since, until, store))
            stream = call_stream(store.con, window)
            tz = store.meta("timezone") or DEFAULT_TZ
        if not via_services:
            graph, _ = self._case.graph(since=since, until=until)
            gone = set(graph.ids[services(graph)].tolist()) - {a, b}
            if gone:
                stream = stream[~(stream["a"].isin(gone) | stream["b"].isin(gone))]
        import pandas as pd

        hops = temporal_path(stream, a, b)
        for h in hops:
            h["at"] = pd.Timestamp(h["at"], unit="s", tz="UTC").tz_convert(tz).isoformat()
        return hops
