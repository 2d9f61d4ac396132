"""Rings through time: rings per window, matched across windows, with the events between.

Windows are calendar months by default. Rings of consecutive windows are matched when they
share members (Jaccard >= ``match``); the events are ``formed``, ``dissolved``, ``grew``,
``shrank``, ``split``, ``merged`` and ``organizer_changed``.

Examples
--------
>>> a = [{"id": "R001", "members": ["A", "B", "C"], "leader": "A"}]
>>> b = [{"id": "R001", "members": ["A", "B", "C", "D"], "leader": "B"}]
>>> [e["type"] for e in match_windows([a, b], ["2019-01", "2019-02"])]
['formed', 'grew', 'organizer_changed']
"""

from __future__ import annotations

import datetime as dt
import itertools

__all__ = ["month_windows", "default_windows", "match_windows", "MONTHS_FROM_DAYS", "SHORT_WINDOWS"]

#: data spanning at least this many days is cut into calendar months
MONTHS_FROM_DAYS = 90
#: shorter data is cut into this many equal windows
SHORT_WINDOWS = 4


def month_windows(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Calendar months covering ``[start, end]`` as ``(first day, first day of next)``.

    Examples
    --------
    >>> [(f"{a}", f"{b}") for a, b in month_windows(dt.date(2019, 1, 15), dt.date(2019, 2, 3))]
    [('2019-01-01', '2019-02-01'), ('2019-02-01', '2019-03-01')]
    """
    out = []
    first = start.replace(day=1)
    while first <= end:
        nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        out.append((first, nxt))
        first = nxt
    return out


def default_windows(start: dt.datetime, end: dt.datetime) -> tuple[list[tuple[str, str]], str]:
    """Windows that fit the data's span, and the rule used: calendar months when the data
    spans :data:`MONTHS_FROM_DAYS` days or more, else :data:`SHORT_WINDOWS` equal windows
    (a ten-day export gets four windows of two and a half days).

    Examples
    --------
    >>> w, rule = default_windows(dt.datetime(2019, 1, 1), dt.datetime(2019, 1, 11))
    >>> len(w), w[0], rule
    (4, ('2019-01-01T00:00:00', '2019-01-03T12:00:00'), 'four equal windows of 2.5 days')
    """
    days = (end - start).total_seconds() / 86400
    if days >= MONTHS_FROM_DAYS:
        return ([(f"{a:%Y-%m-%d}", f"{b:%Y-%m-%d}")
                 for a, b in month_windows(start.date(), end.date())], "calendar months")
    first = dt.datetime.combine(start.date(), dt.time()).replace(tzinfo=start.tzinfo)
    step = ((end - first) + dt.timedelta(seconds=1)) / SHORT_WINDOWS
    bounds = [first + step * k for k in range(SHORT_WINDOWS + 1)]
    fmt = "%Y-%m-%dT%H:%M:%S"
    words = {4: "four"}.get(SHORT_WINDOWS, str(SHORT_WINDOWS))
    return ([(a.strftime(fmt), b.strftime(fmt)) for a, b in itertools.pairwise(bounds)],
            f"{words} equal windows of {step.total_seconds() / 86400:.1f} days")


def _jaccard(a, b) -> float:
    a, b = set(a), set(b)
    return len(a & b) / len(a | b) if a | b else 0.0


def match_windows(windows: list[list[dict]], labels: list[str], match: float = 0.3
                  ) -> list[dict]:
    """Events between consecutive windows of rings (each ring: id, members, leader)."""
    events: list[dict] = []
    for r in windows[0] if windows else []:
        events.append({"type": "formed", "window": labels[0], "to": [r["id"]],
                       "members": r["members"]})
    for w in range(1, len(windows)):
        prev, cur = windows[w - 1], windows[w]
        links = [(p, c) for p in prev for c in cur
                 if _jaccard(p["members"], c["members"]) >= match]
        label = labels[w]
        for c in cur:
            parents = [p for p, cc in links if cc is c]
            if not parents:
                events.append({"type": "formed", "window": label, "to": [c["id"]],
                               "members": c["members"]})
            elif len(parents) > 1:
                events.append({"type": "merged", "window": label,
                               "from": [p["id"] for p in parents], "to": [c["id"]]})
        for p in prev:
            children = [c for pp, c in links if pp is p]
            if not children:
                events.append({"type": "dissolved", "window": label, "from": [p["id"]],
                               "members": p["members"]})
            elif len(children) > 1:
                events.append({"type": "split", "window": label, "from": [p["id"]],
                               "to": [c["id"] for c in children]})
            else:
                c = children[0]
                if len([pp for pp, cc in links if cc is c]) > 1:
                    continue
                grew = sorted(set(c["members"]) - set(p["members"]))
                left = sorted(set(p["members"]) - set(c["members"]))
                if len(c["members"]) > len(p["members"]):
                    events.append({"type": "grew", "window": label, "from": [p["id"]],
                                   "to": [c["id"]], "joined": grew, "left": left})
                elif len(c["members"]) < len(p["members"]):
                    events.append({"type": "shrank", "window": label, "from": [p["id"]],
                                   "to": [c["id"]], "joined": grew, "left": left})
                before = p.get("leader") or p.get("last_leader")
                if c.get("leader") is None:
                    c["last_leader"] = before
                if before and c.get("leader") and before != c["leader"]:
                    events.append({"type": "organizer_changed", "window": label,
                                   "from": [p["id"]], "to": [c["id"]], "old": before,
                                   "new": c["leader"]})
    return _without_flips(events)


def _without_flips(events: list[dict]) -> list[dict]:
    """Drop an organizer change that a later window reverts (A -> B, then B -> A): two
    members of a quiet ring who lead it by turns in monthly counts is not a takeover.

    Examples
    --------
    >>> ev = [{"type": "organizer_changed", "old": "A", "new": "B"},
    ...       {"type": "grew"}, {"type": "organizer_changed", "old": "B", "new": "A"},
    ...       {"type": "organizer_changed", "old": "C", "new": "D"}]
    >>> [(e["type"], e.get("old")) for e in _without_flips(ev)]
    [('grew', None), ('organizer_changed', 'C')]
    """
    drop: set[int] = set()
    changes = [(k, e) for k, e in enumerate(events) if e["type"] == "organizer_changed"]
    for n, (k, e) in enumerate(changes):
        if k in drop:
            continue
        for k2, e2 in changes[n + 1:]:
            if k2 not in drop and e2["old"] == e["new"] and e2["new"] == e["old"]:
                drop.update((k, k2))
                break
    return [e for k, e in enumerate(events) if k not in drop]
