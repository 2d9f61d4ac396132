"""A loan and its repayment are no one-off transfers: known answers on a small case.

``LEND`` lends once to each of five friends and each pays it back once, months later. Each
direction of each pair is a single transfer, and before they were weighed as one-offs (a
pair's only transfer, "at most one back"): the lender became the hub of a gather-scatter
(five sources, five targets, the same five friends). Two accounts that paid each other once
each way deal with each other; a real fan-out paid by the same organizer is still found.
"""

from __future__ import annotations

import pytest

from tests.test_money import ingest, ordinary_transfers, write_case
from workbench.money import find_patterns
from workbench.store import Store

HOUSEHOLDS = [f"H{i:02d}" for i in range(40)]
FRIENDS = [f"FR{i}" for i in range(5)]
COURIERS = [f"CO{i}" for i in range(5)]


def _loans() -> list[tuple[str, str, str, float]]:
    t = []
    for i, f in enumerate(FRIENDS):
        t.append(("LEND", f, f"{3000 + 500 * i}.00", 20.0 + 30 * i))
        t.append((f, "LEND", f"{3000 + 500 * i}.00", 120.0 + 30 * i))
    for i, c in enumerate(COURIERS):  # the lender also pays five couriers once each
        t.append(("LEND", c, f"{4100 + 60 * i}.00", 200.0 + 0.3 * i))
    return t


@pytest.fixture(scope="module")
def loans(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("money_loans")
    everyone = HOUSEHOLDS + FRIENDS + COURIERS + ["LEND"]
    write_case(root / "files", ordinary_transfers(everyone, HOUSEHOLDS) + _loans(),
               {a: f"P{a}" for a in everyone})
    ingest(root / "c.duckdb", root / "files")
    with Store(root / "c.duckdb", read_only=True) as store:
        return find_patterns(store)


def test_loans_repaid_are_no_pattern(loans):
    assert loans["patterns"]  # the couriers' fan-out at least (below)
    for p in loans["patterns"]:
        assert not set(p["accounts"]) & set(FRIENDS), (p["kind"], p["accounts"])
    assert "none back" in loans["params"]["one_off"]


def test_the_fan_out_is_still_found(loans):
    fans = [p for p in loans["patterns"] if set(p["accounts"]) == {"LEND", *COURIERS}]
    assert [p["kind"] for p in fans] == ["fan-out"]


def test_a_loan_and_its_repayment_are_no_one_offs_in_the_rarity_prior(tmp_path):
    """The accounts' own share of one-off pairs (the rarity prior and the null's ``alpha,
    beta``) counts one-offs as the weighed transfers are defined: the lender's ten loan and
    repayment pairs are not one-offs, its five couriers are."""
    everyone = HOUSEHOLDS + FRIENDS + COURIERS + ["LEND"]
    write_case(tmp_path / "files", ordinary_transfers(everyone, HOUSEHOLDS) + _loans(),
               {a: f"P{a}" for a in everyone})
    ingest(tmp_path / "c.duckdb", tmp_path / "files")
    from workbench.money.data import load

    with Store(tmp_path / "c.duckdb", read_only=True) as store:
        data = load(store)
    lend = list(data.nodes).index("LEND")
    assert data.n_once[lend] == len(COURIERS)
    assert data.n_pairs[lend] >= 2 * len(FRIENDS) + len(COURIERS)
