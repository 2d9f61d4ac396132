"""One-sided exports: a court order gives the calls of the target numbers only.

A calls-only county is generated in full, then only the calls with a target number at one
end are kept (persons and phones stay: subscriber details come with the order). Targets are
two ring organizers and one ring member. The truth for each target is the part of its ring
that the export can show: the target and the ring members it called or was called by.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .county import county


def e164(raw: str) -> str:
    """A CN number as the contract stores it (enough for the spellings our generators use).

    Examples
    --------
    >>> e164("0086 138-1234-5678"), e164("86 138 1234 5678"), e164("10086")
    ('+8613812345678', '+8613812345678', '10086')
    """
    digits = re.sub(r"[\s\-.()]", "", str(raw))
    if digits.startswith("+"):
        return digits
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return "+86" + digits if len(digits) == 11 else digits


def keep_targets(calls_csv: Path, out_csv: Path, targets: set[str]) -> pd.DataFrame:
    """Copy ``calls_csv`` keeping only rows with a target number at one end; returns the
    kept rows with E.164 ``a``/``b`` columns added (not written)."""
    df = pd.read_csv(calls_csv, dtype=str, encoding="utf-8")
    a = df["caller"].map(e164)
    b = df["callee"].map(e164)
    keep = a.isin(targets) | b.isin(targets)
    df[keep].to_csv(out_csv, index=False)
    kept = df[keep].copy()
    kept["a"], kept["b"] = a[keep], b[keep]
    return kept


def one_sided(out: Path, *, seed: int = 0, persons: int = 3000) -> dict:
    """Write ``out/full`` (the whole county) and ``out/export`` (persons, phones and the
    targets' calls); return the truth with ``targets`` and ``around`` ({target: group})."""
    full, export = out / "full", out / "export"
    truth = county(full, persons, seed=seed, calls_only=True)
    export.mkdir(parents=True, exist_ok=True)
    phones = pd.read_csv(full / "phones.csv", dtype=str)
    number_of = dict(zip(phones["person_id"], phones["phone"], strict=True))
    rings = sorted(truth["rings"], key=len, reverse=True)
    rng = np.random.default_rng(seed)
    targets = [truth["organizers"][truth["rings"].index(rings[0])],
               truth["organizers"][truth["rings"].index(rings[1])]]
    third = rings[2]
    boss = truth["organizers"][truth["rings"].index(third)]
    targets.append(str(rng.choice([m for m in third if m != boss])))
    kept = keep_targets(full / "calls.csv", export / "calls.csv",
                        {number_of[t] for t in targets})
    for kind in ("persons", "phones"):
        (export / f"{kind}.csv").write_bytes((full / f"{kind}.csv").read_bytes())
    around = {}
    for t in targets:
        ring = next(r for r in rings if t in r)
        n = number_of[t]
        touched = set(kept.loc[kept["a"] == n, "b"]) | set(kept.loc[kept["b"] == n, "a"])
        around[t] = sorted({t} | {m for m in ring if number_of.get(m) in touched})
    return {**truth, "targets": targets, "around": around, "calls": int(len(kept)),
            "target_numbers": [number_of[t] for t in targets]}
