"""A money-only case: ordinary repeated payments and planted laundering patterns.

The patterns are planted the way third-party AML simulators (IBM AMLSim, AMLworld) plant
them: fan-in, fan-out, cycle, scatter-gather, gather-scatter and bipartite layering, with
one transfer per pair of accounts, among accounts that also make ordinary payments. Half of
the patterns are *slow* (transfers weeks or months apart, amounts unrelated) and half *fast*
(money moved on within days, amounts conserved within a few percent).

Written from the shapes in words (``DOMAIN.md``), independently of the detector.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from tests.casegen.evidence_county import (
    BANKS,
    LOCAL_REGIONS,
    LOCAL_WEIGHTS,
    SURNAMES,
    fmt_times,
    make_id_numbers,
    random_names,
)

KINDS = ("fan_in", "fan_out", "cycle", "scatter_gather", "gather_scatter", "bipartite")
DAYS = 365
N_EMPLOYERS = 40
HEADERS = {
    "persons": ["person_id", "name", "id_number", "birth_date", "sex"],
    "accounts": ["account_id", "person_id", "bank"],
    "transactions": ["tx_id", "from_account", "to_account", "amount", "occurred_at"],
}


def _seconds(rng, days, lo=8, hi=22):
    days = np.asarray(days, dtype=np.int64)
    return days * 86400 + rng.integers(lo * 3600, hi * 3600, days.shape)


class _Money:
    def __init__(self, seed: int, accounts: int, patterns: int):
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.n_accounts = accounts
        self.n_patterns = patterns
        self.rows: list[pd.DataFrame] = []

    def people(self):
        rng = self.rng
        n_org = N_EMPLOYERS + 2  # employers, the power company, the telecom
        n_personal = self.n_accounts - n_org
        n_people = int(n_personal * 0.88)
        ages = rng.uniform(18, 75, n_people)
        births = np.datetime64("2019-01-01") - (ages * 365.25).astype("timedelta64[D]")
        males = rng.random(n_people) < 0.5
        regions = rng.choice(LOCAL_REGIONS, n_people, p=LOCAL_WEIGHTS)
        surn = np.array(SURNAMES)[np.minimum(rng.exponential(18, n_people).astype(int),
                                             len(SURNAMES) - 1)]
        pids = np.char.add("P", np.char.zfill(np.arange(1, n_people + 1).astype(str), 6))
        orgs = ([f"诸暨市第{k + 1}制造有限公司" for k in range(N_EMPLOYERS)]
                + ["国网浙江诸暨市供电公司", "中国移动诸暨分公司"])
        org_ids = [f"ORG{k + 1:04d}" for k in range(n_org)]
        self.persons = pd.concat([
            pd.DataFrame({"person_id": pids, "name": random_names(rng, surn),
                          "id_number": make_id_numbers(rng, regions, births, males),
                          "birth_date": np.datetime_as_string(births),
                          "sex": np.where(males, "M", "F")}),
            pd.DataFrame({"person_id": org_ids, "name": orgs, "id_number": "", "birth_date": "",
                          "sex": ""})], ignore_index=True)
        owners = np.concatenate([np.arange(n_people),
                                 rng.integers(0, n_people, n_personal - n_people)])
        nums = rng.choice(10**12, self.n_accounts, replace=False)
        heads = np.array(["6222", "6217", "6228", "6230"])[rng.integers(0, 4, self.n_accounts)]
        acct = np.char.add(heads, np.char.zfill(nums.astype(str), 12))
        self.personal = acct[:n_personal]
        self.employers = acct[n_personal:n_personal + N_EMPLOYERS]
        self.power, self.telecom = acct[-2], acct[-1]
        owner_ids = np.concatenate([pids[owners], org_ids])
        self.accounts = pd.DataFrame({
            "account_id": acct, "person_id": owner_ids,
            "bank": np.array(BANKS)[rng.integers(0, len(BANKS), self.n_accounts)]})
        self.owner = dict(zip(acct, owner_ids, strict=True))
        self.owner_idx = owners

    def _add(self, src, dst, amount, secs, tag):
        self.rows.append(pd.DataFrame({"from_account": src, "to_account": dst,
                                       "amount": np.round(np.asarray(amount, float), 2),
                                       "t": secs, "tag": tag}))

    def ordinary(self):
        rng = self.rng
        acc = self.personal
        n = len(acc)
        months = np.array([0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334])
        # salaries
        emp = acc[rng.random(n) < 0.6]
        er = self.employers[rng.integers(0, N_EMPLOYERS, len(emp))]
        pay = np.round(rng.uniform(3000, 12000, len(emp)), -2)
        for m in months:
            self._add(er, emp, pay, _seconds(rng, m + 9 + rng.integers(0, 3, len(emp)), 9, 11),
                      "salary")
        # bills to the power company and the telecom
        for hub, share, lo, hi in ((self.power, 0.65, 60, 450), (self.telecom, 0.35, 30, 200)):
            payers = acc[rng.random(n) < share]
            for m in months:
                self._add(payers, np.full(len(payers), hub), rng.uniform(lo, hi, len(payers)),
                          _seconds(rng, m + rng.integers(5, 25, len(payers))), "bill")
        # rent to landlords
        landlords = acc[rng.choice(n, 150, replace=False)]
        tenants = acc[rng.random(n) < 0.12]
        ll = landlords[rng.integers(0, len(landlords), len(tenants))]
        ok = ll != tenants
        rent = np.round(rng.uniform(800, 2500, ok.sum()), -1)
        for m in months:
            self._add(tenants[ok], ll[ok], rent, _seconds(rng, m + rng.integers(0, 5, ok.sum())),
                      "rent")
        # family transfers, friends settling up: repeated pairs
        for count, kmin, kmax, amin, amax in ((int(0.25 * n), 2, 9, 200, 5000),
                                              (int(0.3 * n), 2, 6, 50, 1500)):
            a = acc[rng.integers(0, n, count)]
            b = acc[rng.integers(0, n, count)]
            k = rng.integers(kmin, kmax, count)
            ia = np.repeat(a, k)
            ib = np.repeat(b, k)
            ok = ia != ib
            flip = rng.random(ok.sum()) < 0.3
            src = np.where(flip, ib[ok], ia[ok])
            dst = np.where(flip, ia[ok], ib[ok])
            self._add(src, dst, np.round(rng.uniform(amin, amax, ok.sum()), -1),
                      _seconds(rng, rng.integers(0, DAYS, ok.sum())), "repeat")
        # shop payments to shop owners
        shops = acc[rng.choice(n, 60, replace=False)]
        k = 5 * n
        src = acc[rng.integers(0, n, k)]
        dst = shops[rng.integers(0, len(shops), k)]
        ok = src != dst
        self._add(src[ok], dst[ok], rng.lognormal(np.log(150), 0.9, ok.sum()),
                  _seconds(rng, rng.integers(0, DAYS, ok.sum()), 8, 23), "shop")
        # one-off transfers between strangers (single transfers are common and mean nothing)
        k = n
        src = acc[rng.integers(0, n, k)]
        dst = acc[rng.integers(0, n, k)]
        ok = src != dst
        self._add(src[ok], dst[ok], rng.uniform(100, 9000, ok.sum()),
                  _seconds(rng, rng.integers(0, DAYS, ok.sum())), "oneoff")

    def _chain_time(self, prev, fast):
        rng = self.rng
        if fast:
            return prev + int(rng.integers(2 * 3600, 3 * 86400))
        return prev + int(rng.integers(20, 80)) * 86400 + int(rng.integers(-3 * 3600, 3 * 3600))

    def _spread(self, k, fast, t0):
        """``k`` transfer times: within days of ``t0`` (fast) or over months (slow)."""
        if fast:
            return t0 + np.sort(self.rng.integers(0, 4 * 86400, k))
        return np.sort(self.rng.integers(0, DAYS * 86400 - 86400, k))

    def _keep(self, amount):
        return amount * (1 - self.rng.uniform(0.01, 0.04))

    def plant(self):
        rng = self.rng
        pool = list(rng.permutation(self.personal))
        self.patterns = []
        for i in range(self.n_patterns):
            kind = KINDS[i % len(KINDS)]
            fast = ((i // len(KINDS)) + i) % 2 == 1
            tx: list[tuple] = []
            t0 = int(rng.integers(5, 120 if not fast else 330)) * 86400 + int(
                rng.integers(9 * 3600, 20 * 3600))

            def take(k):
                return [pool.pop() for _ in range(k)]

            if kind in ("fan_in", "fan_out"):
                k = int(rng.integers(5, 12))
                center, others = take(1)[0], take(k)
                times = self._spread(k, fast, t0)
                amts = rng.uniform(800, 9800, k)
                for o, t, a in zip(others, times, amts, strict=True):
                    tx.append((o, center, a, t) if kind == "fan_in" else (center, o, a, t))
                accounts = [center] + others
            elif kind == "cycle":
                k = int(rng.integers(3, 7))
                accounts = take(k)
                amt = rng.uniform(20000, 90000)
                if fast:
                    times = t0 + np.cumsum(rng.integers(2 * 3600, 3 * 86400, k))
                else:  # weeks or months between hops, in order round the cycle
                    times = np.sort(rng.choice(np.arange(5, DAYS - 2), k, replace=False))
                    times = times * 86400 + rng.integers(9 * 3600, 20 * 3600, k)
                for j in range(k):
                    tx.append((accounts[j], accounts[(j + 1) % k], amt, times[j]))
                    amt = self._keep(amt) if fast else rng.uniform(20000, 90000)
            elif kind == "scatter_gather":
                k = int(rng.integers(3, 7))
                origin, mids, dest = take(1)[0], take(k), take(1)[0]
                total = rng.uniform(30000, 150000)
                parts = total * rng.dirichlet(np.full(k, 4.0))
                for m, p in zip(mids, parts, strict=True):
                    t1 = t0 + int(rng.integers(0, 86400)) if fast else int(
                        rng.integers(0, 150 * 86400))
                    tx.append((origin, m, p, t1))
                    t2 = self._chain_time(t1, fast)
                    tx.append((m, dest, self._keep(p) if fast else rng.uniform(5000, 40000), t2))
                accounts = [origin] + mids + [dest]
            elif kind == "gather_scatter":
                k, m_out = int(rng.integers(3, 7)), int(rng.integers(3, 7))
                sources, hub, targets = take(k), take(1)[0], take(m_out)
                amts = rng.uniform(5000, 30000, k)
                last = t0
                for s, a in zip(sources, amts, strict=True):
                    t1 = t0 + int(rng.integers(0, 2 * 86400)) if fast else int(
                        rng.integers(0, 150 * 86400))
                    last = max(last, t1)
                    tx.append((s, hub, a, t1))
                parts = self._keep(amts.sum()) * rng.dirichlet(np.full(m_out, 4.0))
                for tg, p in zip(targets, parts, strict=True):
                    t2 = self._chain_time(last, fast)
                    tx.append((hub, tg, p if fast else rng.uniform(5000, 30000), t2))
                accounts = sources + [hub] + targets
            else:  # bipartite layering: every account of one layer pays every one of the next
                k1, k2 = int(rng.integers(3, 5)), int(rng.integers(3, 5))
                left, right = take(k1), take(k2)
                times = self._spread(k1 * k2, fast, t0)
                order = rng.permutation(k1 * k2)
                for idx, t in zip(order, times, strict=True):
                    tx.append((left[idx // k2], right[idx % k2], rng.uniform(3000, 9900), t))
                accounts = left + right
            tx = [(s, d, round(float(a), 2), int(t)) for s, d, a, t in tx]
            self._add([x[0] for x in tx], [x[1] for x in tx], [x[2] for x in tx],
                      [x[3] for x in tx], f"pattern{i}")
            times = [x[3] for x in tx]
            persons = list(dict.fromkeys(self.owner[a] for a in accounts))
            self.patterns.append({
                "id": f"M{i + 1:02d}", "kind": kind, "accounts": [str(a) for a in accounts],
                "persons": persons, "fast": fast, "transfers": len(tx),
                "pairs": [[str(s), str(d)] for s, d, _, _ in tx],
                "first": str(fmt_times([min(times)])[0]), "last": str(fmt_times([max(times)])[0]),
            })

    def write(self, out: Path) -> dict:
        out.mkdir(parents=True, exist_ok=True)
        tx = pd.concat(self.rows, ignore_index=True)
        keep = (tx["t"] >= 0) & (tx["t"] < DAYS * 86400) & (tx["from_account"] != tx["to_account"])
        tx = tx[keep]
        # inside each pattern, only the pattern's own transfers (one per pair)
        ordinary = ~tx["tag"].str.startswith("pattern")
        inside = np.zeros(len(tx), dtype=bool)
        for p in self.patterns:
            members = set(p["accounts"])
            inside |= (tx["from_account"].isin(members) & tx["to_account"].isin(members)).to_numpy()
        tx = tx[~(inside & ordinary.to_numpy())]
        tx = tx.sort_values("t", kind="stable").reset_index(drop=True)
        tx["tx_id"] = np.char.add("TX", np.char.zfill(np.arange(1, len(tx) + 1).astype(str), 8))
        tx["amount"] = tx["amount"].map(lambda x: f"{x:.2f}")
        tx["occurred_at"] = fmt_times(tx["t"].to_numpy())
        files = {"persons": self.persons, "accounts": self.accounts, "transactions": tx}
        counts = {}
        for kind, df in files.items():
            df[HEADERS[kind]].to_csv(out / f"{kind}.csv", index=False)
            counts[kind] = len(df)
        truth = {"seed": self.seed, "patterns": self.patterns, "counts": counts,
                 "hubs": {"accounts": [str(self.power), str(self.telecom)],
                          "employers": [str(e) for e in self.employers]}}
        (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1),
                                        encoding="utf-8")
        return truth


def write_money_case(out_dir, seed: int, accounts: int = 5000, patterns: int = 10) -> dict:
    """Write a money-only case with planted laundering patterns and its truth.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Directory for ``persons.csv``, ``accounts.csv``, ``transactions.csv`` and
        ``truth.json`` (created if missing).
    seed : int
        Random seed; the same arguments give byte-identical files.
    accounts : int, optional
        Number of accounts (default 5000): personal accounts (some people hold two), 40
        employers, the power company and the telecom (organisations are ``ORG`` persons
        without an ID number).
    patterns : int, optional
        Number of planted patterns (default 10), kinds in turn: fan_in, fan_out, cycle,
        scatter_gather, gather_scatter, bipartite.

    Returns
    -------
    dict
        The truth: ``{"patterns": [{"id", "kind", "accounts", "persons", "fast",
        "transfers", "pairs", "first", "last"}], "hubs", "counts", "seed"}``. Each planted
        pair (``pairs``) transacts exactly once in the whole case; ``fast`` patterns move the
        money on within days with amounts conserved within a few percent.
    """
    m = _Money(seed, accounts, patterns)
    m.people()
    m.ordinary()
    m.plant()
    return m.write(Path(out_dir))


if __name__ == "__main__":  # python -m tests.casegen.money_cases OUT [--seed S]
    import argparse

    parser = argparse.ArgumentParser(description="write a synthetic money-only case")
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--patterns", type=int, default=10)
    args = parser.parse_args()
    result = write_money_case(args.out, args.seed, args.accounts, args.patterns)
    print(json.dumps(result["counts"]))
