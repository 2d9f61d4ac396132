"""Vectorized call generation shared by the shape generators: pairs -> timed calls.

A call table is four numpy arrays (caller index, callee index, start second since the
case's start, duration seconds) over a table of numbers; :class:`Calls` collects them and
writes the export file in one go.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

DAY = 86_400

#: hours of day (start, length) of each kind of contact; night wraps past midnight
DAYTIME = (8, 12)
EVENING = (17, 6)
NIGHT = (21, 7)
WORKDAY = (9, 9)
ANY = (0, 24)


def mobiles(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct CN mobile numbers in E.164 (``+86`` + 11 digits)."""
    prefixes = np.array([130, 131, 132, 135, 136, 137, 138, 139, 150, 151, 152, 157, 158,
                         159, 177, 180, 182, 186, 187, 188, 189])
    out: np.ndarray = np.array([], dtype=np.int64)
    while len(out) < n:
        more = prefixes[rng.integers(0, len(prefixes), 2 * n + 16)] * 10**8 \
            + rng.integers(0, 10**8, 2 * n + 16)
        out = np.unique(np.concatenate([out, more]))
    out = rng.permutation(out)[:n]
    return np.char.add("+86", out.astype(str))


def local_spellings(rng: np.random.Generator, e164: np.ndarray, share: float) -> np.ndarray:
    """The numbers with ``share`` of them written as carriers do: bare 11 digits, ``0086``,
    or ``86`` with spaces; short service codes stay as they are."""
    out = e164.astype(object).copy()
    mobile = np.char.startswith(e164.astype(str), "+86")
    pick = mobile & (rng.random(len(e164)) < share)
    style = rng.integers(0, 3, len(e164))
    bare = np.char.lstrip(e164.astype(str), "+")  # 86138...
    eleven = np.array([s[2:] for s in bare[pick]], dtype=object)
    spelled = np.where(style[pick] == 0, eleven,
                       np.where(style[pick] == 1, "0086" + eleven,
                                np.array([f"86 {s[:3]} {s[3:7]} {s[7:]}" for s in eleven],
                                         dtype=object)))
    out[pick] = spelled
    return out


def times(rng: np.random.Generator, n: int, days: int, hours: tuple[int, int],
          burst_days: np.ndarray | None = None, burst_share: float = 0.0) -> np.ndarray:
    """``n`` start seconds within ``days`` at the given ``(first hour, hours long)``;
    ``burst_share`` of them on one of ``burst_days``."""
    day = rng.integers(0, days, n)
    if burst_days is not None and len(burst_days) and burst_share > 0:
        on = rng.random(n) < burst_share
        day[on] = burst_days[rng.integers(0, len(burst_days), on.sum())]
    first, length = hours
    sec = (first * 3600 + rng.integers(0, length * 3600, n))
    t = day * DAY + sec
    return np.minimum(t, days * DAY - 1)


class Calls:
    """Calls collected as arrays over a table of numbers (index -> E.164 or short code)."""

    def __init__(self, numbers: np.ndarray, rng: np.random.Generator, days: int):
        self.numbers = numbers
        self.rng = rng
        self.days = days
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def pairs(self, a, b, counts, hours, duration_s: float, *, forward: float = 0.5,
              burst_days=None, burst_share: float = 0.0, lognormal: bool = True) -> None:
        """Each pair ``(a[i], b[i])`` calls ``counts[i]`` times; ``forward`` is the share
        placed by ``a``; durations lognormal (or exponential) around ``duration_s``."""
        a, b, counts = (np.asarray(x, dtype=np.int64) for x in (a, b, counts))
        ca, cb = np.repeat(a, counts), np.repeat(b, counts)
        n = len(ca)
        if n == 0:
            return
        swap = self.rng.random(n) >= forward
        caller, callee = np.where(swap, cb, ca), np.where(swap, ca, cb)
        t = times(self.rng, n, self.days, hours, burst_days, burst_share)
        if lognormal:
            dur = self.rng.lognormal(np.log(duration_s), 0.6, n)
        else:
            dur = self.rng.exponential(duration_s, n) + 5
        self.parts.append((caller, callee, t, np.round(dur).astype(np.int64)))

    def add(self, caller: int, callee: int, t: int, duration_s: int) -> None:
        """One call at second ``t``."""
        self.parts.append(tuple(np.array([x], dtype=np.int64)
                                for x in (caller, callee, t, duration_s)))

    def switch(self, old: int, new: int, at: int) -> int:
        """Number ``old`` is replaced by ``new`` in every call from second ``at`` on (a
        handset switch); returns how many calls moved."""
        moved = 0
        for caller, callee, t, _ in self.parts:
            for side in (caller, callee):
                hit = (side == old) & (t >= at)
                side[hit] = new
                moved += int(hit.sum())
        return moved

    @property
    def count(self) -> int:
        return sum(len(p[0]) for p in self.parts)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        cols = [np.concatenate([p[i] for p in self.parts]) for i in range(4)]
        order = np.argsort(cols[2], kind="stable")
        return tuple(c[order] for c in cols)  # type: ignore[return-value]

    def write(self, path: Path, start: dt.datetime, *, chinese: bool = False,
              local_share: float = 0.0, cells: int = 0, time_style: str = "iso") -> int:
        """Write the calls file: contract headers (or the carriers' Chinese headers in
        GB18030), numbers partly in local spellings, optional ``cell_id``; ``time_style`` is
        ``iso`` (``2024-03-01 22:10:05``), ``slash`` (``2024/03/01 22:10:05``) or
        ``compact`` (``20240301221005``). Returns rows."""
        caller, callee, t, dur = self.arrays()
        ok = caller != callee
        caller, callee, t, dur = caller[ok], callee[ok], t[ok], dur[ok]
        stamps = np.datetime64(start, "s") + t.astype("timedelta64[s]")
        text = np.datetime_as_string(stamps, unit="s")
        if time_style == "compact":
            text = np.char.replace(np.char.replace(np.char.replace(text, "-", ""), ":", ""),
                                   "T", "")
        else:
            text = np.char.replace(text, "T", " ")
            if time_style == "slash":
                text = np.char.replace(text, "-", "/")
        frame = {
            "caller": local_spellings(self.rng, self.numbers[caller], local_share),
            "callee": local_spellings(self.rng, self.numbers[callee], local_share),
            "started_at": text,
            "duration_s": dur,
        }
        if cells:
            cid = self.rng.integers(0, cells, len(t))
            frame["cell_id"] = np.char.add("46000-", cid.astype(str))
        df = pd.DataFrame(frame)
        if chinese:
            df = df.rename(columns={"caller": "主叫号码", "callee": "被叫号码",
                                    "started_at": "通话开始时间", "duration_s": "通话时长",
                                    "cell_id": "基站"})
        path.parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(path, index=False, encoding="gb18030" if chinese else "utf-8")
        return len(df)


def mesh(members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All unordered pairs of ``members`` as two index arrays."""
    i, j = np.triu_indices(len(members), k=1)
    return members[i], members[j]
