"""Slow fans against the case's own one-offs: is anything but the count evidence?

Usage::

    PYTHONPATH=. .venv/bin/python benchmarks/money_fans.py --seeds 604,656 [--patterns 8]

On cases of ``tests/casegen/money_cases.py`` (the independent generator), for each planted
*slow* fan (one-off transfers months apart): its spokes, its hub's one-off degree that way
(what the search weighs), how many ordinary accounts (in no planted group, not a service that
way) have at least as many, and whether ``find_patterns`` reports it (Jaccard >= 0.6, score
above zero). Then, per one-off transfer at any hub with five or more one-offs that way, what
its other end (the spoke) looks like: the transfer's amount against the spoke's own transfers
the same way (a robust z of the log amount, and the share at least as large), the spoke's
transfers, counterparts and other one-offs, its active days: planted slow-fan spokes against
the other spokes of such hubs. Last, the share of transfers between 23:00 and 08:00 local
time, planted against ordinary (a property of the generator, not of the shapes: the detector
does not read the hour).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from tests.casegen.money_cases import write_money_case
from tests.casegen.score_rings import jaccard
from workbench.engine import as_engine
from workbench.money import find_patterns
from workbench.money.data import load
from workbench.store import Store

SPOKE_SQL = (
    "SELECT x, count(*) AS n_tx, count(DISTINCT y) AS n_cp, "
    "(max(ts) - min(ts)) / 86400 AS days FROM ("
    "SELECT from_account AS x, to_account AS y, epoch(occurred_at) AS ts FROM transactions "
    "UNION ALL SELECT to_account, from_account, epoch(occurred_at) FROM transactions) "
    "GROUP BY x")


def _case(seed: int, patterns: int, tmp: Path):
    case = tmp / f"case{seed}"
    truth = write_money_case(case, seed, 5000, patterns)
    db = tmp / f"c{seed}.duckdb"
    subprocess.run([sys.executable, "-m", "workbench", "ingest", "--db", str(db),
                    *(str(case / f"{k}.csv") for k in ("persons", "accounts", "transactions"))],
                   check=True, capture_output=True)
    with Store(db, read_only=True) as store:
        engine = as_engine(store)
        data, doc = load(engine), find_patterns(store)
        tx = engine.fetch_df("SELECT from_account AS a, to_account AS b, "
                             "CAST(amount AS DOUBLE) AS amt, hour(occurred_at) AS h "
                             "FROM transactions")
        acct = engine.fetch_df(SPOKE_SQL).set_index("x")
    return truth, data, doc, tx, acct


def _spoke(tx_by, key, hub_side, a, b, amt) -> dict:
    """The transfer's amount against the spoke's own transfers the same way."""
    own = tx_by.get(key)
    if own is not None:
        own = own[~((own["a"] == a) & (own["b"] == b))]
    if own is None or len(own) < 3:
        return {"z": np.nan, "share_ge": np.nan}
    logs = np.log(own["amt"].clip(lower=0.01))
    q1, q3 = np.percentile(logs, [25, 75])
    return {"z": (np.log(amt) - np.median(logs)) / max((q3 - q1) / 1.349, 0.1),
            "share_ge": float((own["amt"] >= amt).mean())}


def study(seed: int, patterns: int, tmp: Path) -> tuple[list[dict], list[dict], dict]:
    truth, data, doc, tx, acct = _case(seed, patterns, tmp)
    nodes = np.asarray(data.nodes, dtype=str)
    e = data.edges
    a_s, b_s = nodes[e["a"].to_numpy()], nodes[e["b"].to_numpy()]
    planted = {(s, d): p for p in truth["patterns"] for s, d in p["pairs"]}
    in_groups = {x for p in truth["patterns"] for x in p["accounts"]}
    fans, spokes = [], []
    by_payer, by_payee = dict(tuple(tx.groupby("a"))), dict(tuple(tx.groupby("b")))
    for side, ends, others, business in (("in", b_s, a_s, data.business_in),
                                         ("out", a_s, b_s, data.business_out)):
        deg = pd.Series(ends).value_counts()
        svc = set(nodes[np.asarray(business, dtype=bool)])
        ordinary = deg[[h not in in_groups and h not in svc for h in deg.index]]
        for p in truth["patterns"]:
            if p["kind"] != f"fan_{side}" or p["fast"]:
                continue
            d = int(deg.get(p["accounts"][0], 0))
            best = max((jaccard(set(p["accounts"]), set(q["accounts"]))
                        for q in doc["patterns"]), default=0.0)
            fans.append({"seed": seed, "kind": p["kind"], "spokes": len(p["accounts"]) - 1,
                         "hub_degree": d, "ordinary_at_least": int((ordinary >= d).sum()),
                         "found": best >= 0.6})
        for i in np.flatnonzero(np.isin(ends, deg[deg >= 5].index.to_numpy())):
            p = planted.get((a_s[i], b_s[i]))
            spoke = others[i]
            row = {"class": ("slow fan" if p and p["kind"].startswith("fan") and not p["fast"]
                             else "other planted" if p else "ordinary"), "side": side}
            row.update(_spoke(by_payer if side == "in" else by_payee, spoke, side, a_s[i],
                              b_s[i], float(e["amt"].iloc[i])))
            row.update({"spoke_tx": acct.loc[spoke, "n_tx"], "spoke_cp": acct.loc[spoke, "n_cp"],
                        "spoke_days": acct.loc[spoke, "days"],
                        "spoke_one_offs": int((a_s == spoke).sum() + (b_s == spoke).sum()) - 1})
            spokes.append(row)
    tag = [("planted" if (x, y) in planted else "ordinary")
           for x, y in zip(tx["a"], tx["b"], strict=True)]
    night = pd.Series((tx["h"] < 8) | (tx["h"] >= 23)).groupby(tag).mean()
    return fans, spokes, night.to_dict()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="604,656")
    ap.add_argument("--patterns", type=int, default=8)
    args = ap.parse_args()
    fans, spokes, nights = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in [int(x) for x in args.seeds.split(",")]:
            f, s, n = study(seed, args.patterns, Path(tmp))
            fans += f
            spokes += s
            nights.append({"seed": seed, **n})
    pd.set_option("display.width", 160)
    fans_df = pd.DataFrame(fans).sort_values(["hub_degree", "seed"])
    print(fans_df.to_string(index=False))
    print(fans_df.groupby(fans_df["hub_degree"].clip(upper=9))["found"].agg(["mean", "size"]))
    spokes_df = pd.DataFrame(spokes)
    print(spokes_df.groupby(["side", "class"]).median(numeric_only=True).round(2).to_string())
    print(spokes_df.groupby(["side", "class"]).size().to_string())
    print("share of transfers 23:00-08:00:", json.dumps(nights))


if __name__ == "__main__":
    main()
