"""Hand-built cases with known answers, shared by the tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from workbench.case.facade import Case

T0 = dt.datetime(2019, 3, 1)
PHONE = {p: f"1380000{i:04d}" for i, p in enumerate(
    ["A", "B", "C", "D", "E", "F", "H", "X", "Y", "Z", "P", "Q", "R", "S", "K1", "K2", "K3"])}


def _calls(rows, a, b, n, night, short, start_day=0):
    for k in range(n):
        day = start_day + (k * 3) % 80
        hour = 23 if k < n * night else 14
        dur = 30 if short else 400
        t = T0 + dt.timedelta(days=day, hours=hour, minutes=k % 60)
        src, dst = (a, b) if k % 2 else (b, a)
        rows.append(f"{PHONE[src]},{PHONE[dst]},{t:%Y-%m-%d %H:%M:%S},{dur}")


def _pay(rows, a, b, n, amount, start_day=0):
    for k in range(n):
        t = T0 + dt.timedelta(days=start_day + k * 9, hours=11)
        rows.append(f"T{a}{b}{k},ACC{a},ACC{b},{amount + 37 * k},{t:%Y-%m-%d %H:%M:%S}")


def build_known_case(d: Path, names: dict[str, str] | None = None,
                     memo: str = "") -> Case:
    """Two rings, a family around ring 1's organizer, a buyer, a broker, a family ring,
    and a night-shift look-alike (K1-K3). ``names`` overrides person names."""
    names = names or {}
    calls, tx = [], []
    # ring 1: A organizes B, C; A's wife D and child E are not in it; F buys from B
    _calls(calls, "A", "B", 20, 0.6, True)
    _calls(calls, "A", "C", 20, 0.6, True)
    _calls(calls, "B", "C", 8, 0.6, True)
    _calls(calls, "A", "D", 15, 0.0, False)
    _calls(calls, "A", "E", 10, 0.0, False)
    _calls(calls, "D", "E", 10, 0.0, False)
    _calls(calls, "F", "B", 3, 0.3, True)
    _pay(tx, "B", "A", 6, 5000)
    _pay(tx, "C", "A", 6, 7000)
    _pay(tx, "F", "B", 2, 300)
    # ring 2: X organizes Y, Z
    _calls(calls, "X", "Y", 20, 0.6, True)
    _calls(calls, "X", "Z", 20, 0.6, True)
    _calls(calls, "Y", "Z", 8, 0.6, True)
    _pay(tx, "Y", "X", 6, 4000)
    _pay(tx, "Z", "X", 6, 6000)
    # broker H supplies both organizers
    _calls(calls, "H", "A", 12, 0.6, True)
    _calls(calls, "H", "X", 12, 0.6, True)
    _pay(tx, "A", "H", 4, 50000)
    _pay(tx, "X", "H", 4, 60000)
    # a family ring: father P, sons Q and S, S's wife R
    for a, b in [("P", "Q"), ("P", "R"), ("P", "S"), ("Q", "S")]:
        _calls(calls, a, b, 16, 0.6, True)
    for a in ("Q", "R", "S"):
        _pay(tx, a, "P", 5, 8000)
    # look-alike: night-shift coworkers, long calls at night, no money
    for a, b in [("K1", "K2"), ("K1", "K3"), ("K2", "K3")]:
        _calls(calls, a, b, 14, 0.9, False)
    (d / "calls.csv").write_text("caller,callee,started_at,duration_s\n" + "\n".join(calls))
    (d / "transactions.csv").write_text(
        "tx_id,from_account,to_account,amount,occurred_at,memo\n"
        + "\n".join(row + "," + memo.replace(",", " ") for row in tx))
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["person_id", "name"])
    writer.writerows([p, names.get(p, f"Name {p}")] for p in PHONE)
    (d / "persons.csv").write_text(buf.getvalue())
    (d / "phones.csv").write_text("phone,person_id\n" + "\n".join(
        f"{n},{p}" for p, n in PHONE.items()))
    (d / "accounts.csv").write_text("account_id,person_id\n" + "\n".join(
        f"ACC{p},{p}" for p in PHONE))
    (d / "kinship.csv").write_text(
        "person_a,person_b,relation\nA,D,spouse\nA,E,parent\nD,E,parent\n"
        "P,Q,parent\nP,S,parent\nQ,S,sibling\nS,R,spouse\n")
    (d / "arrests.csv").write_text(
        "person_id,arrested_at,case_id,charge\nB,2019-05-20 10:00,AJ1,贩卖毒品\n"
        "C,2019-05-20 11:00,AJ1,贩卖毒品\n")
    case = Case(d / "case.duckdb")
    case.ingest([d])
    return case




def fused_graph(links: dict, n: int, weights=None):
    """A fused graph of ``n`` persons ``P00``, ``P01``... (``P0000``... from 100 persons on)
    from ``{(u, v): measures}`` (any of ``EDGE_FIELDS``; ``n_tx`` from the two directions).
    ``weights``: a :class:`LayerWeights` to fuse the layers with (default: their plain
    sum)."""
    import numpy as np

    from workbench.graph.fused import EDGE_FIELDS, CaseGraph, layer_strengths, reweight

    pairs = sorted(links)
    ms = {k: np.zeros(len(pairs), dtype=np.float64 if k in ("total_uv", "total_vu",
                                                           "meet_weight") else np.int64)
          for k in EDGE_FIELDS}
    for e, p in enumerate(pairs):
        for k, x in links[p].items():
            ms[k][e] = x
    ms["n_tx"] = ms["n_uv_tx"] + ms["n_vu_tx"]
    strength = layer_strengths(ms)
    width = 2 if n <= 100 else 4
    g = CaseGraph(ids=np.array([f"P{i:0{width}d}" for i in range(n)], dtype=object),
                  u=np.array([p[0] for p in pairs]), v=np.array([p[1] for p in pairs]),
                  weight=sum(strength.values()), strength=strength, measures=ms,
                  node={"drug_arrests": np.zeros(n, dtype=np.int64)})
    return g if weights is None else reweight(g, weights)
