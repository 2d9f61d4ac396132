"""Identity resolution on a county re-keyed by someone who has not read the resolver
(``tests/casegen/rekey.py``): files as exported, faults, shared names, recycled numbers,
relatives' phones, truth per record. One seed here; RESULTS.md has five."""

from __future__ import annotations

import pytest

from workbench.ingest.local import ingest_paths
from workbench.sample import write_sample
from workbench.store.database import Store

rekey = pytest.importorskip("tests.casegen.rekey")
scorer = pytest.importorskip("tests.casegen.score_identity")


def _ingest(db, files):
    with Store(db) as store:
        ingest_paths(store, files)


def _attribution(db) -> list[tuple]:
    with Store(db, read_only=True) as store:
        return sorted(store.con.execute(
            "SELECT r.kind, s.file, r._line, r.person_id FROM identity_records r "
            "JOIN sources s ON s.source_id = r._source").fetchall())


@pytest.mark.slow
def test_rekeyed_county_meets_the_bar_in_any_file_order(tmp_path):
    write_sample(tmp_path / "src", persons=2000, seed=3)
    truth = rekey.rekey_county(tmp_path / "src", tmp_path / "out", seed=3)
    files = sorted(p for p in (tmp_path / "out").iterdir() if p.suffix == ".csv")
    _ingest(tmp_path / "a.duckdb", files)
    for f in reversed(files):  # one file per ingest, the other way round
        _ingest(tmp_path / "b.duckdb", [f])
    got = scorer.score(tmp_path / "a.duckdb", truth)["categories"]
    assert got["id"]["share_correct"] >= 0.99
    assert got["name_only"]["share_correct"] >= 0.70
    assert got["name_only"]["share_wrong"] <= 0.03
    assert got["all"]["share_wrong"] <= 0.005
    assert _attribution(tmp_path / "a.duckdb") == _attribution(tmp_path / "b.duckdb")
