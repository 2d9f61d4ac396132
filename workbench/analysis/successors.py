"""Successor and burner phones, from each number's activity and contacts (pure functions).

A **successor**: a number falls silent (90% of its calls are behind it well before the end
of the data) while a new number starts (its first 10% come after the data's start) and
calls the same people. Candidates are scored by the overlap of their contact sets, the
handover gap and the volume; a few stray calls on the old number after the switch do not
matter (quantiles, not first/last call). **Second order**: when a whole group switches at
once, the new numbers call each other's *new* numbers; contacts are then compared after
mapping the successors already found, round after round.

A **burner**: a number used only inside a small closed group: every number it calls calls
only numbers of the same group.

Examples
--------
>>> import pandas as pd
>>> day = 86400.0
>>> act = pd.DataFrame({
...     "number": ["old", "new", "a", "b", "c"], "calls": [20, 20, 40, 40, 40],
...     "q10": [0, 100 * day, 0, 0, 0],
...     "q90": [80 * day, 180 * day, 180 * day, 180 * day, 180 * day],
...     "contacts": [["a", "b", "c"], ["a", "b", "c"], ["old", "new"], ["old", "new"],
...                  ["old", "new"]], "owner": ["P1", None, "P2", "P3", "P4"]})
>>> [(s["old"], s["new"]) for s in find_successors(act)]
[('old', 'new')]
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is loaded where it is used (a command that does not, starts faster)
    import pandas as pd

__all__ = ["SuccessorParams", "find_successors", "find_burners", "local_time"]

DAY = 86400.0


@dataclass(frozen=True)
class SuccessorParams:
    """Rules of successor detection; kept with each result. ``None`` (the default) derives
    a rule from the data (:meth:`resolve`), so a ten-day export and a two-year one both work.

    Parameters
    ----------
    silence_days : float or None
        An old number must have 90% of its calls this long before the data ends (and a new
        number its first 10% this long after the data starts). Derived per number: three
        of its own mean intervals between calls, and at least 5% of the data's span.
    max_gap_days, overlap_days : float or None
        The new number starts at most ``max_gap_days`` after the old one's 90% mark, and at
        most ``overlap_days`` before it. Derived: 25% and 10% of the data's span.
    min_calls : int or None
        Volume of each number. Derived: the 25th percentile of calls per number, between
        3 and 5.
    min_shared : int
        Contacts in common.
    min_score : float
        Candidates below are not reported.
    rounds : int
        Rounds of second-order matching.
    """

    silence_days: float | None = None
    max_gap_days: float | None = None
    overlap_days: float | None = None
    min_calls: int | None = None
    min_shared: int = 2
    min_score: float = 0.3
    rounds: int = 3

    def as_dict(self) -> dict:
        return asdict(self)

    def resolve(self, activity: pd.DataFrame) -> SuccessorParams:
        """The same rules with every ``None`` derived from ``activity`` (see above)."""
        if activity.empty:
            return replace(self, silence_days=self.silence_days or 0.0,
                           max_gap_days=self.max_gap_days or 0.0,
                           overlap_days=self.overlap_days or 0.0,
                           min_calls=self.min_calls or 3)
        span = (float(activity["q90"].max()) - float(activity["q10"].min())) / DAY
        calls = activity["calls"].astype(float)
        return replace(
            self,
            max_gap_days=self.max_gap_days if self.max_gap_days is not None
            else round(0.25 * span, 3),
            overlap_days=self.overlap_days if self.overlap_days is not None
            else round(0.10 * span, 3),
            min_calls=self.min_calls if self.min_calls is not None
            else int(min(5, max(3, calls.quantile(0.25)))),
        )


def _silence(row, params: SuccessorParams, span: float) -> float:
    """How long (s) a number must be quiet (or not yet started) to count as switched:
    ``silence_days`` if given, else three of its own mean intervals between calls, and at
    least 5% of the data's span."""
    if params.silence_days is not None:
        return params.silence_days * DAY
    interval = max(float(row.q90) - float(row.q10), 3600.0) / max(0.8 * float(row.calls), 1.0)
    return max(3.0 * interval, 0.05 * span)


def _score(shared: int, old_n: int, new_n: int, gap: float, params: SuccessorParams) -> float:
    overlap = shared / max(1, min(old_n, new_n))
    timing = 1.0 - min(abs(gap), params.max_gap_days * DAY) / (2 * params.max_gap_days * DAY)
    volume = min(1.0, math.log1p(shared) / math.log1p(5))
    return overlap * timing * volume


def find_successors(activity: pd.DataFrame, params: SuccessorParams | None = None,
                    tz: str = "UTC") -> list[dict]:
    """Ranked successor candidates ``{"old", "new", "score", "evidence"}``, best first.

    Parameters
    ----------
    activity : pandas.DataFrame
        One row per number: ``number``, ``calls``, ``q10``, ``q90`` (epoch s), ``contacts``
        (list of numbers; NULL, ``None`` or ``pd.NA`` when every contact is a service) and
        ``owner`` (see :func:`~workbench.evidence.number_activity`).
    params : SuccessorParams, optional
        Rules; ``None`` derives them from the data.
    tz : str
        The case's time zone: activity times are given in it, to the second.

    Returns
    -------
    list of dict
        Each number is matched at most once as old and once as new; every value is plain
        JSON (no NaN: a number without an owner has ``None``).
    """
    params = (params or SuccessorParams()).resolve(activity)
    if activity.empty:
        return []
    act = activity[activity["calls"] >= params.min_calls]
    start, end = float(activity["q10"].min()), float(activity["q90"].max())
    span = end - start
    contacts = {r.number: _as_set(r.contacts) for r in act.itertuples()}
    info = {r.number: r for r in act.itertuples()}
    olds = [r.number for r in act.itertuples() if r.q90 < end - _silence(r, params, span)]
    news = [r.number for r in act.itertuples() if r.q10 > start + _silence(r, params, span)]
    succ: dict[str, str] = {}
    found: dict[tuple[str, str], dict] = {}
    for round_no in range(max(1, params.rounds)):
        mapped = {x: {succ.get(c, c) for c in cs} for x, cs in contacts.items()}
        by_contact: dict[str, list[str]] = defaultdict(list)
        for o in olds:
            if o not in succ:
                for c in mapped[o]:
                    by_contact[c].append(o)
        candidates = []
        taken_new = set(succ.values())
        for nw in news:
            if nw in taken_new:
                continue
            shared_count: dict[str, int] = defaultdict(int)
            for c in mapped[nw]:
                for o in by_contact.get(c, ()):
                    if o != nw:
                        shared_count[o] += 1
            for o, k in shared_count.items():
                if k < params.min_shared:
                    continue
                gap = float(info[nw].q10) - float(info[o].q90)
                if gap > params.max_gap_days * DAY or gap < -params.overlap_days * DAY:
                    continue
                score = _score(k, len(mapped[o]), len(mapped[nw]), gap, params)
                if score >= params.min_score:
                    candidates.append((score, o, nw, gap))
        added = 0
        for score, o, nw, gap in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
            if o in succ or nw in succ.values():
                continue
            succ[o] = nw
            added += 1
            shared = sorted(mapped[o] & mapped[nw])
            found[(o, nw)] = {
                "old": o, "new": nw, "score": round(score, 4),
                "evidence": {
                    "shared_contacts": len(shared), "contacts_sample": shared[:10],
                    "old_contacts": len(mapped[o]), "new_contacts": len(mapped[nw]),
                    "gap_days": round(gap / DAY, 1),
                    # what they are: 90% of the old number's calls came before this time,
                    # 10% of the new one's before that (not its first or last call)
                    "old_p90_call_at": local_time(info[o].q90, tz),
                    "new_p10_call_at": local_time(info[nw].q10, tz),
                    "old_calls": int(info[o].calls), "new_calls": int(info[nw].calls),
                    "old_owner": _text(info[o].owner), "new_owner": _text(info[nw].owner),
                    "second_order": round_no > 0,
                },
            }
        if not added:
            break
    return sorted(found.values(), key=lambda s: (-s["score"], s["old"], s["new"]))


def find_burners(activity: pd.DataFrame, max_group: int = 12, min_calls: int = 5
                 ) -> list[dict]:
    """Closed groups of numbers that call only each other, best (largest, busiest) first.

    Returns ``{"numbers", "owners", "calls"}`` per group of at least two numbers.
    """
    contacts = {r.number: _as_set(r.contacts) for r in activity.itertuples()}
    calls = {r.number: int(r.calls) for r in activity.itertuples()}
    owners = {r.number: _text(r.owner) for r in activity.itertuples()}
    groups = []
    seen: set[str] = set()
    for x, cs in sorted(contacts.items()):
        if x in seen or calls[x] < min_calls or not 1 <= len(cs) < max_group:
            continue
        group = cs | {x}
        if all(contacts.get(c, set()) <= group for c in cs) and len(group) >= 2:
            seen |= group
            groups.append({"numbers": sorted(group),
                           "owners": sorted({o for n in group for o in
                                             str(owners.get(n) or "").split(",") if o}),
                           "calls": sum(calls.get(n, 0) for n in group)})
    return sorted(groups, key=lambda g: (-len(g["numbers"]), -g["calls"], g["numbers"]))


def _missing(value) -> bool:
    """None, ``pd.NA``, ``NaN`` or ``NaT`` (a NULL as pandas 2 or 3 returns it)."""
    import pandas as pd

    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array: not a scalar NULL
        return False


def _as_set(values) -> set[str]:
    """Contacts from a list, a numpy array (as DuckDB returns lists) or a NULL (``None``,
    ``pd.NA``, ``NaN``: a number whose every contact is a service).

    Examples
    --------
    >>> import pandas as pd
    >>> sorted(_as_set(["b", "a"])), _as_set(pd.NA), _as_set(None), _as_set(float("nan"))
    (['a', 'b'], set(), set(), set())
    """
    if _missing(values):
        return set()
    return {str(v) for v in values if not _missing(v)}


def _text(value) -> str | None:
    """A text value, or None for any NULL (never NaN in JSON)."""
    return None if _missing(value) else str(value)


def local_time(epoch_s, tz: str = "UTC") -> str | None:
    """Epoch seconds as ISO text in time zone ``tz``, rounded to the second (quantiles of
    call times are floats: ``01:17:02.799999952`` reads ``01:17:03``).

    Examples
    --------
    >>> local_time(1546276622.799999952, "Asia/Shanghai")
    '2019-01-01T01:17:03+08:00'
    >>> local_time(float("nan")) is None
    True
    """
    import pandas as pd

    if _missing(epoch_s):
        return None
    stamp = pd.Timestamp(round(float(epoch_s)), unit="s", tz="UTC").tz_convert(tz)
    return stamp.isoformat()
