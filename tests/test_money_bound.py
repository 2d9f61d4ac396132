"""The money search's shortcuts give the answers of the long way: a candidate is left unscored
only when its bound (:mod:`workbench.money.bound`) is below the bar, and the bound is never
below the score; the two-step paths and co-payers computed in numpy are the pairs the SQL
self-joins give; the bursts' scan over arrays is :func:`~workbench.money.stats.scan_p`.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.test_money import generated_case, ingest, write_case
from workbench.money.batch import batch_columns, edge_columns, pre_of
from workbench.money.bound import ROUNDING, evidence_ceiling, fisher_floor, score_ceilings
from workbench.money.data import co_targets, load, two_paths
from workbench.money.score import null_model, score
from workbench.money.shapes import candidates
from workbench.money.stats import evidence, fisher, scan_p, scan_rows
from workbench.store import Store

#: the SQL the numpy pairs replace (one-off edges ``e(a, b)``, accounts compared as text)
TWO_PATHS = ("SELECT e1.a AS src, e2.b AS dst, count(*) AS k FROM e e1 JOIN e e2 "
             "ON e1.b = e2.a WHERE e1.a <> e2.b AND e2.b <> e1.b AND e1.a <> e1.b "
             "GROUP BY e1.a, e2.b HAVING count(*) >= 2")
CO_TARGETS = ("SELECT e1.a AS x1, e2.a AS x2, count(*) AS k FROM e e1 JOIN e e2 "
              "ON e1.b = e2.b AND e1.a < e2.a GROUP BY e1.a, e2.a HAVING count(*) >= 2")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_paths_and_co_payers_are_the_sql_pairs(seed):
    """On a random one-off graph with accounts named in mixed case, digits and Chinese
    (text order is not the dense ids' order), the numpy pairs are the SQL's, counts too."""
    rng = np.random.default_rng(seed)
    names = [f"{rng.choice(['a', 'B', '账户', '9', 'z'])}{i:03d}" for i in range(60)]
    pairs = {(int(x), int(y)) for x, y in rng.integers(0, 60, (700, 2)) if x != y}
    e = pd.DataFrame(sorted(pairs), columns=["a", "b"]).sample(frac=1.0, random_state=seed)
    codes, nodes = pd.factorize(pd.concat([e["a"], e["b"]], ignore_index=True))
    text = np.array([names[int(v)] for v in nodes])
    a, b = codes[:len(e)], codes[len(e):]
    con = duckdb.connect()
    con.register("e", pd.DataFrame({"a": text[a], "b": text[b]}))

    def sql(query, cols):
        got = con.execute(query).fetchall()
        return sorted((str(x), str(y), int(k)) for x, y, k in got), len(got)

    two, n_two = sql(TWO_PATHS, ("src", "dst"))
    co, n_co = sql(CO_TARGETS, ("x1", "x2"))
    mine_two = two_paths(a, b, len(text))
    mine_co = co_targets(a, b, text, len(text))
    assert sorted(zip(text[mine_two["src"]], text[mine_two["dst"]], mine_two["k"].tolist(),
                      strict=True)) == two
    assert sorted(zip(text[mine_co["x1"]], text[mine_co["x2"]], mine_co["k"].tolist(),
                      strict=True)) == co
    assert n_two > 5 and n_co > 5  # not an empty agreement


def test_scan_of_rows_is_scan_p():
    """:func:`~workbench.money.stats.scan_rows` gives :func:`scan_p`'s p-value, start and
    size for each row, float for float (tied times, far-apart times, 3 to 12 transfers)."""
    rng = np.random.default_rng(5)
    for k in range(3, 13):
        t = np.sort(np.round(rng.uniform(0, 3e7, (40, k)), -4), axis=1)
        t[::7, 1] = t[::7, 0]
        p, start, m = scan_rows(t, 3e7, 3600.0)
        for row, x, s, n in zip(t.tolist(), p.tolist(), start.tolist(), m.tolist(),
                                strict=True):
            assert (x, s, n) == scan_p(row, 3e7, 3600.0)


def test_fisher_floor_and_evidence_ceiling_bound_the_scorer():
    """The closed-form Fisher combination is never above the scorer's, down to p-values
    the scorer floors at 1e-300; the numpy evidence is the scorer's up to rounding."""
    rng = np.random.default_rng(11)
    lens = rng.integers(1, 40, 600)
    vals = 10.0 ** -rng.uniform(0, 8, int(lens.sum()))
    vals[::13] = 1.0
    low = fisher_floor(vals, lens)
    at = 0
    for n, lo in zip(lens.tolist(), low.tolist(), strict=True):
        exact = fisher(vals[at:at + n].tolist())
        assert exact * (1 - 1e-6) - 2e-15 <= lo <= exact
        at += n
    ps = np.concatenate([10.0 ** -rng.uniform(0, 300, 500), [1.0, 1 - 1e-10, 1 - 1e-8]])
    assert np.allclose(evidence_ceiling(ps), [evidence(p) for p in ps], rtol=0, atol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_no_candidate_left_out_could_be_reported(tmp_path, seed):
    """On a generated case with every kind planted, every candidate's score is at most its
    bound, and at every bar tried the candidates scoring above it are among those scored:
    the search reports what scoring every candidate reports. Some are left out at 0."""
    transfers, owners, _ = generated_case(seed, households=300, groups_per_kind=2)
    write_case(tmp_path / "files", transfers, owners)
    db = tmp_path / "c.duckdb"
    ingest(db, tmp_path / "files")
    with Store(db, read_only=True) as store:
        data = load(store)
    null = null_model(data)
    found = candidates(data.edges, len(data.nodes), data.two_paths, data.co_targets,
                       period=null.period, paid_as_business=data.business_in,
                       paying_as_business=data.business_out)
    cols = edge_columns(data.edges)
    tests = batch_columns(found, data, null, cols)
    ceiling = score_ceilings(found, tests, null, cols)
    scores = np.array([score(c, null, cols, pre_of(tests, i))[0]
                       for i, c in enumerate(found)])
    assert {c.kind for c in found} == {"fan-in", "fan-out", "gather-scatter",
                                       "scatter-gather", "bipartite", "cycle"}
    assert (scores <= ceiling).all()
    for bar in (-5.0, -1.0, 0.0, 1.0, 5.0):
        kept = ~(ceiling <= bar - ROUNDING)
        assert kept[scores > bar].all()
    assert 0 < (scores > 0).sum() <= (~(ceiling <= -ROUNDING)).sum() < len(found)
