"""Rings held by money alone do not tie: known answers on a small hand-built case.

In a case whose only evidence is money, a group whose members all pay one of them has the
money component at its full 1.0, and so every such group scored ``bounded(1.0)`` =
0.963212: four families sending money home, from 300 to 4 000 a month, tied. The amount per
paying pair against the case's now counts too (as the calls' intensity does), so the family
that sends more ranks first and none tie.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.test_money import ingest, ordinary_transfers, write_case

HOUSEHOLDS = [f"H{i:02d}" for i in range(30)]
MONTHLY = {"A": 300, "B": 900, "C": 2000, "D": 4000}  # each family: two children, a parent


def _families() -> list[tuple[str, str, str, float]]:
    t = []
    for fam, amount in MONTHLY.items():
        for child in ("1", "2"):
            for month in range(12):
                t.append((f"{fam}{child}", f"{fam}0", f"{amount}.00", 30.0 * month + 3))
    return t


@pytest.mark.slow
def test_families_sending_money_home_do_not_tie(tmp_path):
    members = [f"{fam}{k}" for fam in MONTHLY for k in "012"]
    everyone = HOUSEHOLDS + members
    write_case(tmp_path / "files", ordinary_transfers(everyone, HOUSEHOLDS) + _families(),
               {a: f"P{a}" for a in everyone})
    ingest(tmp_path / "c.duckdb", tmp_path / "files")
    done = subprocess.run([sys.executable, "-m", "workbench", "rings", "--db",
                           str(tmp_path / "c.duckdb"), "--json"], capture_output=True,
                          text=True, check=True)
    rings = json.loads(done.stdout)["rings"]
    by_family = {}
    for r in rings:
        fams = {m[1] for m in r["members"]}  # "PA1" -> "A"
        if len(fams) == 1 and len(r["members"]) == 3 and fams <= set(MONTHLY):
            by_family[fams.pop()] = r["score"]
    assert sorted(by_family) == sorted(MONTHLY), [(r["members"], r["score"]) for r in rings]
    assert len(set(by_family.values())) == len(MONTHLY)
    assert sorted(by_family, key=by_family.get, reverse=True) == ["D", "C", "B", "A"]
