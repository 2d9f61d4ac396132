"""A service account in a money pattern: known answers on a small hand-built case.

A shop owner's account is paid by 80 households (small sums, most of them twice): by the
data's own fence it is a service, and its business (being paid small sums by hundreds) is
no pattern. But money that passes through it unlike that business still is: a cycle goes
round through the shop (50 000 paid in, passed on within a day) and an organizer's fan-out
pays the shop as one of five couriers (4 000, far above what customers pay). Before, every
transfer of a service was left out, which broke the cycle and took a spoke off the fan.
"""

from __future__ import annotations

import random

import pytest

from tests.test_money import ingest, ordinary_transfers, write_case
from workbench.money import find_patterns
from workbench.store import Store

HOUSEHOLDS = [f"H{i:02d}" for i in range(80)]
CYCLE = ["CY1", "SHOP", "CY2", "CY3"]
FAN_OUT = ["FOH", "FO1", "FO2", "FO3", "FO4", "SHOP"]
BIG_BUYERS = [f"B{i}" for i in range(6)]


def _shop_business(seed: int = 3) -> list[tuple[str, str, str, float]]:
    """Every household buys at the shop: 30-280 yuan, twice (most) or once over the year;
    and six other customers once each for 1 500-2 500 (unlike its business, yet customers)."""
    rng = random.Random(seed)
    t = []
    for k, h in enumerate(HOUSEHOLDS):
        for n in range(1 if k % 4 == 0 else 2):
            t.append((h, "SHOP", f"{rng.uniform(30, 280):.2f}", 7 + 4 * k + 150 * n))
    for k, h in enumerate(BIG_BUYERS):
        t.append((h, "SHOP", f"{rng.uniform(1500, 2500):.2f}", 40 + 50 * k))
    return t


def _planted() -> list[tuple[str, str, str, float]]:
    t = []
    for i in range(4):  # round within two days, a small cut each hop, through the shop
        t.append((CYCLE[i], CYCLE[(i + 1) % 4], f"{50000 - 700 * i}.00", 120 + 0.5 * i))
    for i, d in enumerate(FAN_OUT[1:]):  # the organizer pays five couriers, one the shop
        t.append(("FOH", d, f"{4000 + 120 * i}.00", 30 + 60 * i))
    return t


@pytest.fixture(scope="module")
def shop_case(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("money_services")
    everyone = HOUSEHOLDS + BIG_BUYERS + sorted(set(CYCLE + FAN_OUT))
    transfers = (ordinary_transfers(everyone, HOUSEHOLDS) + _shop_business() + _planted())
    write_case(root / "files", transfers, {a: f"P{a}" for a in everyone})
    db = root / "case.duckdb"
    ingest(db, root / "files")
    with Store(db, read_only=True) as store:
        return find_patterns(store)


def _found(result: dict, accounts: list[str]) -> dict | None:
    return next((p for p in result["patterns"] if set(p["accounts"]) == set(accounts)), None)


def test_the_shop_is_a_service(shop_case):
    params = shop_case["params"]
    assert "SHOP" in params["services"]
    assert params["service_unlike_business_k"] == 1.5
    # the cycle's 50 000 in, the fan's 4 000 in and six large purchases (past the fence);
    # the shop's payment out
    assert params["service_transfers_weighed"] == 9


def test_cycle_through_the_shop_found(shop_case):
    pattern = _found(shop_case, CYCLE)
    assert pattern is not None, [(p["kind"], p["accounts"]) for p in shop_case["patterns"]]
    assert pattern["kind"] == "cycle"
    assert [t["from"] for t in pattern["evidence"]["transfers"]] == CYCLE


def test_fan_out_keeps_the_shop_as_a_spoke(shop_case):
    pattern = _found(shop_case, FAN_OUT)
    assert pattern is not None, [(p["kind"], p["accounts"]) for p in shop_case["patterns"]]
    assert pattern["kind"] == "fan-out"
    assert pattern["evidence"]["roles"]["hub"] == ["FOH"]


def test_the_shops_business_is_no_pattern(shop_case):
    # its customers' one-off payments never make it a hub (not even the six large ones, a
    # fan-in of six by shape), nor put a customer in a pattern
    for p in shop_case["patterns"]:
        roles = p["evidence"]["roles"]
        assert "SHOP" not in roles.get("hub", []) + roles.get("destination", [])
        assert not set(p["accounts"]) & set(HOUSEHOLDS + BIG_BUYERS)
    assert {frozenset(p["accounts"]) for p in shop_case["patterns"][:2]} == {
        frozenset(CYCLE), frozenset(FAN_OUT)}


def test_the_fence_is_the_shops_own(tmp_path):
    """A shop whose customers pay large sums: 4 000 is its business, not unlike it."""
    everyone = HOUSEHOLDS + ["FOH", "FO1", "FO2", "FO3", "FO4", "SHOP"]
    rng = random.Random(5)
    business = [(h, "SHOP", f"{rng.uniform(3000, 5000):.2f}", 7 + 4 * k + 150 * n)
                for k, h in enumerate(HOUSEHOLDS) for n in range(2)]
    fan = [("FOH", d, f"{4000 + 120 * i}.00", 30 + 60 * i) for i, d in enumerate(FAN_OUT[1:])]
    write_case(tmp_path / "files", ordinary_transfers(everyone, HOUSEHOLDS) + business + fan,
               {a: f"P{a}" for a in everyone})
    ingest(tmp_path / "c.duckdb", tmp_path / "files")
    with Store(tmp_path / "c.duckdb", read_only=True) as store:
        result = find_patterns(store)
    assert "SHOP" in result["params"]["services"]
    assert result["params"]["service_transfers_weighed"] == 0
    assert _found(result, FAN_OUT[:-1]) is not None  # four couriers; the shop was paid as usual
