"""Money patterns (``workbench money``): known answers on small hand-built cases written as
real CSV files and ingested through the command line, and invariants on a generated case.

The hand-built case: households that pay a utility, rent and a friend every month and get a
salary, among which six groups move money once per pair in the six shapes. The utility,
the employer, the landlords and the friends are never a pattern.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.money import MoneyParams, find_patterns, trace
from workbench.store import Store

WORKBENCH = [sys.executable, "-m", "workbench"]
START = dt.datetime(2024, 1, 1, 9, 0)

#: the planted groups of the hand-built case: kind -> accounts
PLANTED = {
    "fan-in": ["FI1", "FI2", "FI3", "FI4", "FI5", "FIH"],
    "fan-out": ["FOH", "FO1", "FO2", "FO3", "FO4"],
    "cycle": ["CY1", "CY2", "CY3", "CY4"],
    "scatter-gather": ["SGA", "SGM1", "SGM2", "SGM3", "SGB"],
    "gather-scatter": ["GS1", "GS2", "GS3", "GSM", "GST1", "GST2", "GST3"],
    "bipartite": ["BX1", "BX2", "BX3", "BY1", "BY2"],
}


def _at(day: float) -> str:
    return (START + dt.timedelta(days=day)).strftime("%Y-%m-%d %H:%M:%S")


def planted_transfers() -> list[tuple[str, str, str, float]]:
    """``(from, to, amount, day)`` of the six planted groups: one transfer per pair,
    months apart for the fans, moved on within days for the flows."""
    t = []
    for i, s in enumerate(PLANTED["fan-in"][:-1]):  # buyers pay a dealer over months
        t.append((s, "FIH", f"{1800 + 37 * i}.00", 20 + 55 * i))
    for i, d in enumerate(PLANTED["fan-out"][1:]):  # the organizer pays couriers
        t.append(("FOH", d, f"{3000 + 110 * i}.00", 35 + 70 * i))
    cyc = PLANTED["cycle"]
    for i in range(4):  # round trip within days, a small cut each hop
        t.append((cyc[i], cyc[(i + 1) % 4], f"{50000 - 900 * i}.00", 150 + 2.5 * i))
    for i, m in enumerate(["SGM1", "SGM2", "SGM3"]):
        t.append(("SGA", m, f"{20000 + 300 * i}.00", 200 + 0.3 * i))
        t.append((m, "SGB", f"{19500 + 300 * i}.00", 203 + 0.4 * i))
    for i, s in enumerate(["GS1", "GS2", "GS3"]):
        t.append((s, "GSM", f"{9000 + 200 * i}.00", 240 + 1.1 * i))
    for i, d in enumerate(["GST1", "GST2", "GST3"]):
        t.append(("GSM", d, f"{8800 + 150 * i}.00", 246 + 0.7 * i))
    for i, x in enumerate(["BX1", "BX2", "BX3"]):
        for j, y in enumerate(["BY1", "BY2"]):
            t.append((x, y, f"{6000 + 100 * i + 40 * j}.00", 280 + 9 * i + 2 * j))
    return t


def ordinary_transfers(accounts: list[str], friends: list[str] | None = None, seed: int = 7
                       ) -> list[tuple[str, str, str, float]]:
    """Monthly utility bills, rent, salaries and quarterly payments to one friend (one of
    ``friends``, default ``accounts``) for every account."""
    rng = random.Random(seed)
    t = []
    landlords = ["LL1", "LL2", "LL3"]
    friends = friends or accounts
    for k, acct in enumerate(accounts):
        friend = friends[(k + 1) % len(friends)]
        friend = friend if friend != acct else friends[(k + 2) % len(friends)]
        rent = f"{rng.choice([1500, 1800, 2200, 2600])}.00"
        salary = f"{rng.choice([5200, 6100, 7400, 8800])}.00"
        for month in range(12):
            base = 30 * month + rng.random() * 3
            t.append((acct, "UTIL", f"{rng.uniform(80, 260):.2f}", base + 5))
            t.append(("EMPL", acct, salary, base + 1))
            t.append((acct, landlords[k % 3], rent, base + 2))
            if month % 3 == 0:
                t.append((acct, friend, f"{rng.choice([100, 200, 300])}.00", base + 10))
    return t


def write_case(directory: Path, transfers, accounts_of: dict[str, str],
               currency_of=None) -> None:
    """Write ``transactions.csv``, ``accounts.csv`` and ``persons.csv`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "transactions.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["tx_id", "from_account", "to_account", "amount", "occurred_at", "currency"])
        for n, (a, b, amount, day) in enumerate(transfers):
            cur = currency_of(a, b) if currency_of else "CNY"
            w.writerow([f"T{n:06d}", a, b, amount, _at(day), cur])
    persons = sorted(set(accounts_of.values()))
    with open(directory / "persons.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["person_id", "name"])
        for p in persons:
            w.writerow([p, f"Person {p}"])
    with open(directory / "accounts.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["account_id", "person_id", "bank"])
        for acct, p in sorted(accounts_of.items()):
            w.writerow([acct, p, "ICBC"])


def ingest(db: Path, directory: Path) -> None:
    files = [str(directory / n) for n in ("persons.csv", "accounts.csv", "transactions.csv")]
    done = subprocess.run([*WORKBENCH, "ingest", "--db", str(db), *files], capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)


def run_money(db: Path, *args: str) -> dict:
    done = subprocess.run([*WORKBENCH, "money", "--db", str(db), "--json", *args],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout)


def hand_case(directory: Path, db: Path) -> None:
    planted = sorted({a for accts in PLANTED.values() for a in accts})
    households = [f"H{i:02d}" for i in range(30)]
    everyone = households + planted
    transfers = ordinary_transfers(everyone, households) + planted_transfers()
    owners = {a: f"P{a}" for a in everyone}
    owners["GSM"] = owners["GST1"] = "PGANG"  # one person holds two accounts
    del owners["CY3"]  # an account nobody holds stands for itself
    write_case(directory, transfers, owners)
    ingest(db, directory)


@pytest.fixture(scope="module")
def hand(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("money")
    db = root / "case.duckdb"
    hand_case(root / "files", db)
    with Store(db, read_only=True) as store:
        result = find_patterns(store)
    return db, result


def _by_accounts(result: dict) -> dict[frozenset, dict]:
    return {frozenset(p["accounts"]): p for p in result["patterns"]}


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(PLANTED))
def test_each_shape_found_with_exactly_its_accounts(hand, kind):
    _, result = hand
    found = _by_accounts(result)
    pattern = found.get(frozenset(PLANTED[kind]))
    assert pattern is not None, [(p["kind"], p["accounts"]) for p in result["patterns"]]
    assert pattern["kind"] == kind


@pytest.mark.slow
def test_planted_groups_are_the_top_of_the_ranking(hand):
    _, result = hand
    top = result["patterns"][:len(PLANTED)]
    assert {frozenset(p["accounts"]) for p in top} == {frozenset(v) for v in PLANTED.values()}


def test_services_and_repeated_pairs_not_reported(hand):
    _, result = hand
    reported = {a for p in result["patterns"] for a in p["accounts"]}
    assert {"UTIL", "EMPL", "LL1", "LL2", "LL3"} <= set(result["params"]["services"])
    assert not reported & {"UTIL", "EMPL", "LL1", "LL2", "LL3"}
    households = {f"H{i:02d}" for i in range(30)}
    assert not reported & households  # friends, rent and bills repeat: no pattern


def test_scores_strictly_ordered(hand):
    _, result = hand
    scores = [p["score"] for p in result["patterns"]]
    assert all(x > y for x, y in zip(scores, scores[1:], strict=False))


def test_members_persons_amounts_and_records(hand):
    _, result = hand
    found = _by_accounts(result)
    gs = found[frozenset(PLANTED["gather-scatter"])]
    assert "PGANG" in gs["members"] and "GSM" not in gs["members"]
    assert len(gs["members"]) == len(gs["accounts"]) - 1
    cyc = found[frozenset(PLANTED["cycle"])]
    assert "CY3" in cyc["members"]  # nobody holds it: the account stands for itself
    assert cyc["amount"] == {"CNY": "194600.00"}
    assert cyc["first"].startswith("2024-05-30T") and cyc["first"].endswith("+08:00")
    transfers = cyc["evidence"]["transfers"]
    assert len(transfers) == 4
    assert all(t["file"].endswith("transactions.csv") and t["line"] > 1 for t in transfers)
    assert [t["at"] for t in transfers] == sorted(t["at"] for t in transfers)
    for name, value in result["params"].items():
        assert value == value, name  # no NaN anywhere


@pytest.mark.slow
def test_cli_json_is_strict_and_filters(hand):
    db, result = hand
    doc = run_money(db, "--top", "2")
    assert len(doc["patterns"]) == 2
    assert doc["patterns"][0]["accounts"] == result["patterns"][0]["accounts"]
    json.dumps(doc, allow_nan=False)
    only = run_money(db, "--kind", "cycle")
    assert [p["kind"] for p in only["patterns"]] == ["cycle"]


@pytest.mark.slow
def test_trace_forward_in_time_order(hand):
    db, _ = hand
    with Store(db, read_only=True) as store:
        got = trace(store, "SGA")
    hops = got["hops"]
    assert {h["to"] for h in hops if h["from"] == "SGA"} >= {"SGM1", "SGM2", "SGM3"}
    for h in hops:
        if h["parent"] is not None:
            assert h["at"] > hops[h["parent"]]["at"]
    assert any(h["to"] == "SGB" and hops[h["parent"]]["from"] == "SGA" for h in hops
               if h["parent"] is not None)
    back = run_money(db, "--trace", "SGB", "--back")["trace"]
    assert {h["from"] for h in back["hops"] if h["to"] == "SGB"} >= {"SGM1", "SGM2", "SGM3"}
    for h in back["hops"]:
        if h["parent"] is not None:
            assert h["at"] < back["hops"][h["parent"]]["at"]


@pytest.mark.slow
def test_currencies_never_summed(tmp_path):
    transfers = [(f"S{i}", "HUB", f"{1000 + i}.00", 10 + 40 * i) for i in range(6)]
    owners = {a: f"P{a}" for a in ["HUB"] + [f"S{i}" for i in range(6)]}
    everyone = sorted(owners)
    transfers += ordinary_transfers(everyone + [f"H{i}" for i in range(12)],
                                    [f"H{i}" for i in range(12)])
    owners.update({f"H{i}": f"PH{i}" for i in range(12)})

    def currency(a, b):
        return "USD" if a in ("S0", "S1") and b == "HUB" else "CNY"

    write_case(tmp_path / "files", transfers, owners, currency_of=currency)
    db = tmp_path / "c.duckdb"
    ingest(db, tmp_path / "files")
    doc = run_money(db, "--kind", "fan-in")
    fan = next(p for p in doc["patterns"] if "HUB" in p["accounts"])
    assert fan["amount"] == {"CNY": str(1002 + 1003 + 1004 + 1005) + ".00",
                             "USD": "2001.00"}


# -- a larger generated case: invariants ----------------------------------------------------
def generated_case(seed: int, households: int = 400, groups_per_kind: int = 3):
    """Ordinary monthly payments plus one-off noise, with planted groups of every kind;
    returns ``(transfers, owners, planted)`` where ``planted`` is a list of account sets."""
    rng = random.Random(seed)
    accts = [f"A{i:05d}" for i in range(households)]
    t = []
    for k, a in enumerate(accts):  # each account pays two to four counterparts repeatedly
        for c in rng.sample(accts, rng.randint(2, 4)):
            if c == a:
                continue
            amount, offset = rng.choice([200, 500, 800, 1500, 3000]), rng.uniform(0, 28)
            for month in range(rng.randint(3, 12)):
                t.append((a, c, f"{amount + rng.choice([0, 0, 10])}.00",
                          30 * month + offset + rng.random()))
        t.append((a, "GRID", f"{rng.uniform(50, 300):.2f}", rng.uniform(0, 360)))
        if k % 2 == 0:
            t += [("CORP", a, "6000.00", 30 * month + 25) for month in range(12)]
    for _ in range(households // 2):  # one-off noise: a payment nobody repeats
        a, b = rng.sample(accts, 2)
        t.append((a, b, f"{rng.uniform(20, 5000):.2f}", rng.uniform(0, 360)))
    pool = list(accts)
    rng.shuffle(pool)
    planted = []

    def take(n):
        return [pool.pop() for _ in range(n)]

    def day():
        return rng.uniform(0, 330)

    for _ in range(groups_per_kind):
        g = take(rng.randint(4, 7))
        for s in g[1:]:
            t.append((s, g[0], f"{rng.uniform(800, 3000):.2f}", day()))
        planted.append(("fan-in", g))
        g = take(rng.randint(4, 7))
        for d in g[1:]:
            t.append((g[0], d, f"{rng.uniform(800, 3000):.2f}", day()))
        planted.append(("fan-out", g))
        g = take(rng.randint(3, 6))
        d0, amount = day(), rng.uniform(5000, 50000)
        for i in range(len(g)):
            amount *= rng.uniform(0.95, 0.99)
            t.append((g[i], g[(i + 1) % len(g)], f"{amount:.2f}", d0 + 2 * i + rng.random()))
        planted.append(("cycle", g))
        g = take(rng.randint(4, 6))
        d0 = day()
        for m in g[1:-1]:
            amount = rng.uniform(3000, 9000)
            t.append((g[0], m, f"{amount:.2f}", d0 + rng.random()))
            t.append((m, g[-1], f"{amount * 0.97:.2f}", d0 + 3 + rng.random()))
        planted.append(("scatter-gather", g))
        g = take(rng.randint(5, 7))
        mid, d0 = len(g) // 2, day()
        for s in g[:mid]:
            t.append((s, g[mid], f"{rng.uniform(3000, 9000):.2f}", d0 + rng.random()))
        for d in g[mid + 1:]:
            t.append((g[mid], d, f"{rng.uniform(3000, 9000):.2f}", d0 + 4 + rng.random()))
        planted.append(("gather-scatter", g))
        xs, ys = take(3), take(rng.randint(2, 3))
        for x in xs:
            for y in ys:
                t.append((x, y, f"{rng.uniform(2000, 6000):.2f}", day()))
        planted.append(("bipartite", xs + ys))
    owners = {a: f"P{a}" for a in accts}
    return t, owners, planted


def evaluate(patterns: list[dict], planted: list[tuple[str, list[str]]], jaccard=0.5):
    """Found share of planted groups anywhere, precision and found share at K = planted."""
    def match(p, g):
        a, b = set(p["accounts"]), set(g)
        return len(a & b) / len(a | b) >= jaccard

    k = len(planted)
    found = sum(any(match(p, g) for p in patterns) for _, g in planted) / k
    top = patterns[:k]
    precision = sum(any(match(p, g) for _, g in planted) for p in top) / max(len(top), 1)
    found_top = sum(any(match(p, g) for p in top) for _, g in planted) / k
    return found, precision, found_top


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_generated_case_invariants(tmp_path, seed):
    transfers, owners, planted = generated_case(seed)
    write_case(tmp_path / "files", transfers, owners)
    db = tmp_path / "c.duckdb"
    ingest(db, tmp_path / "files")
    with Store(db, read_only=True) as store:
        result = find_patterns(store)
    patterns = result["patterns"]
    scores = [p["score"] for p in patterns]
    assert len(set(scores)) == len(scores)  # no tie anywhere
    assert scores == sorted(scores, reverse=True)
    assert "GRID" in result["params"]["services"] and "CORP" in result["params"]["services"]
    for p in patterns:
        assert not {"GRID", "CORP"} & set(p["accounts"])
        assert set(p["amount"]) == {"CNY"}
        assert p["first"] <= p["last"]
        for tr in p["evidence"]["transfers"]:
            assert tr["from"] in p["accounts"] and tr["to"] in p["accounts"]
    found, precision, found_top = evaluate(patterns, planted)
    assert found >= 0.8, (found, precision)
    assert found_top >= 0.8 and precision >= 0.7, (found_top, precision)


def test_params_validated():
    from workbench.errors import WorkbenchError

    with pytest.raises(WorkbenchError):
        MoneyParams(max_cycle=2).check()


# -- the independent generator (tests/casegen, written from the shapes in words) ------------
@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_independent_generator_targets(tmp_path, seed):
    """Issue 17's target on cases the detector was not written against: >= 80% of the
    planted laundering groups found (Jaccard >= 0.6) at precision >= 0.7, no tie at the top."""
    from tests.casegen.money_cases import write_money_case
    from tests.casegen.score_rings import planted_patterns, read_money, score

    truth = write_money_case(tmp_path / "case", seed)
    db = tmp_path / "c.duckdb"
    done = subprocess.run([*WORKBENCH, "ingest", "--db", str(db),
                           *(str(tmp_path / "case" / f"{k}.csv")
                             for k in ("persons", "accounts", "transactions"))],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    doc = run_money(db)
    planted = planted_patterns(truth)
    result = score(read_money(doc), planted)
    assert result["recall"] >= 0.8 and result["precision_at_k"] >= 0.7, result
    top = [p["score"] for p in doc["patterns"][:len(planted)]]
    assert len(set(top)) == len(top)


def test_alike_tests_of_all_candidates_at_once_are_the_one_by_one_values():
    """The batch of :mod:`workbench.money.batch` gives each candidate's ``alike`` p-values as
    :meth:`~workbench.money.score.AmountNull.alike_p` gives them one list at a time,
    float for float (lists of 2 to 80 transfers, mixed currencies and single transfers
    skipped)."""
    import numpy as np

    from workbench.money.batch import alike_ps
    from workbench.money.score import AmountNull
    from workbench.money.shapes import Candidate

    def one_list(rows, amt, cur, amounts):
        if len(rows) < 2 or len({cur[r] for r in rows}) != 1:
            return None
        return amounts.alike_p([amt[r] for r in rows])

    rng = np.random.default_rng(3)
    amt = np.round(rng.lognormal(7, 1.5, 3000), 2)
    amt[::97] = 5000.0  # round sums repeat
    cur = np.where(rng.random(3000) < 0.02, "USD", "CNY")
    null = AmountNull(amt[:2000])
    found = [Candidate("fan-in", [], {}, alike=[
        sorted(rng.choice(3000, int(rng.integers(1, 81)), replace=False).tolist())
        for _ in range(int(rng.integers(0, 4)))]) for _ in range(400)]
    one_by_one = [[p for p in (one_list(rows, amt, cur, null) for rows in c.alike)
                   if p is not None] for c in found]
    batch = alike_ps(found, amt, cur, null)
    assert batch == one_by_one
    assert sum(map(len, batch)) > 150 and any(len(c.alike) > len(b)
                                              for c, b in zip(found, batch, strict=True))


def test_rarity_and_time_scan_of_all_candidates_at_once_are_the_one_by_one_values():
    """:func:`workbench.money.batch.rarities` and :func:`~workbench.money.batch.span_ps`
    give the one-candidate definitions' values, float for float (repeated accounts, tied
    and far-apart times, candidates of 0 to 40 transfers)."""
    import math
    from types import SimpleNamespace

    import numpy as np

    from workbench.money.batch import rarities, span_ps
    from workbench.money.shapes import Candidate
    from workbench.money.stats import scan_p

    def rarity(c, data, null, a, b):
        """The rarity term (score's module doc), one candidate in plain Python."""
        k: dict[int, int] = {}
        for r in c.edges:
            for v in (int(a[r]), int(b[r])):
                k[v] = k.get(v, 0) + 1
        q = {v: (max(data.n_once[v] - kv, 0.0) + null.alpha)
             / (max(data.n_pairs[v] - kv, 0.0) + null.alpha + null.beta) for v, kv in k.items()}
        share = null.alpha / (null.alpha + null.beta)
        return float(sum(math.log10(share / min(max(q[int(a[r])], q[int(b[r])]), 1.0))
                         for r in c.edges))

    rng = np.random.default_rng(8)
    n_acc, n_edges = 300, 2000
    a, b = rng.integers(0, n_acc, n_edges), rng.integers(0, n_acc, n_edges)
    ts = np.round(rng.uniform(0, 3e7, n_edges), -3)  # times to the 1,000 s: ties
    ts[::50] = ts[0]
    pairs = rng.integers(1, 40, n_acc)
    data = SimpleNamespace(n_pairs=pairs.astype(float),
                           n_once=rng.integers(0, pairs + 1).astype(float))
    null = SimpleNamespace(alpha=0.7, beta=1.3)
    found = [Candidate("fan-in", rng.choice(n_edges, int(rng.integers(0, 41)),
                                            replace=False).tolist(), {}) for _ in range(500)]
    expected_rarity = [rarity(c, data, null, a, b) for c in found]
    assert rarities(found, data, null, a, b) == expected_rarity
    assert len(set(expected_rarity)) > 50
    expected = [scan_p([ts[r] for r in c.edges], 3e7, 3600.0)[0] for c in found]
    assert span_ps(found, ts, 3e7, 3600.0) == expected
    assert len(set(expected)) > 50
