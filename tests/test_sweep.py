"""The resolution sweep in a forked child gives the sequential answer, and never hangs or
leaves a process behind; the candidates scored all at once score as one by one."""

from __future__ import annotations

import os
import signal
import threading

import numpy as np
import pytest

from workbench.graph.fused import EDGE_FIELDS, CaseGraph, layer_strengths
from workbench.graph.leiden import _RNG_LOCK
from workbench.graph.sweep import LeidenSweep, can_fork
from workbench.rings.batch import score_batch
from workbench.rings.scoring import Baseline, score_sums
from workbench.rings.search import RingParams, find_rings

forks = pytest.mark.skipif(not can_fork(), reason="the forked sweep runs on Linux only")


def _planted(seed: int, rings: int = 12, size: int = 5, background: int = 600) -> CaseGraph:
    """Rings of ``size`` calling each other at night, paying their first member, among
    persons who call at random."""
    rng = np.random.default_rng(seed)
    n = rings * size + background
    pairs = {}
    for r in range(rings):
        members = list(range(r * size, (r + 1) * size))
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                calls = int(rng.integers(4, 15))
                pairs[(a, b)] = (calls, calls - 1, calls - 2, int(a == members[0]))
    for a, b in rng.integers(0, n, (4 * n, 2)).tolist():
        if a != b:
            calls = int(rng.integers(1, 9))
            pairs.setdefault((min(a, b), max(a, b)),
                             (calls, int(rng.binomial(calls, 0.1)),
                              int(rng.binomial(calls, 0.2)), 0))
    keys = sorted(pairs)
    m = len(keys)
    ms = {k: np.zeros(m, dtype=np.int64) for k in EDGE_FIELDS}
    ms["meet_weight"] = np.zeros(m)
    ms["total_uv"], ms["total_vu"] = np.zeros(m), np.zeros(m)
    values = np.array([pairs[k] for k in keys], dtype=np.int64)
    ms["n_calls"], ms["n_night"], ms["n_short"] = values[:, 0], values[:, 1], values[:, 2]
    ms["n_vu_tx"] = values[:, 3] * 3  # the higher end pays the ring's first member
    ms["n_tx"] = ms["n_vu_tx"]
    ms["total_vu"] = ms["n_vu_tx"] * 500.0
    strength = layer_strengths(ms)
    return CaseGraph(ids=np.array([f"P{i:04d}" for i in range(n)], dtype=object),
                     u=np.array([k[0] for k in keys]), v=np.array([k[1] for k in keys]),
                     weight=sum(strength.values()), strength=strength, measures=ms,
                     node={"drug_arrests": np.zeros(n, dtype=np.int64)})


def _sweep_args(g: CaseGraph):
    return (g.n, g.u, g.v, g.weight, [0.4, 0.8, 1.6]), {"seed": 3, "n_iterations": 1}


def _sequential(args, kw) -> list[np.ndarray]:
    with LeidenSweep(*args, **kw, fork=False) as sweep:
        return list(sweep)


def _children() -> set[int]:
    """This process's child processes (zombies included), from /proc."""
    out = set()
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rpartition(")")[2].split()
        except (OSError, ValueError):
            continue
        if entry.isdigit() and int(fields[1]) == os.getpid():
            out.add(int(entry))
    return out


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@forks
@pytest.mark.parametrize("killed", [False, True])
def test_forked_sweep_gives_the_sequential_memberships_and_reaps_its_child(killed):
    """The child's memberships are the sequential ones; a child that dies is replaced by
    the same work here; either way it is reaped."""
    g = _planted(1 + killed)
    args, kw = _sweep_args(g)
    alone = _sequential(args, kw)
    with LeidenSweep(*args, **kw, fork=True) as sweep:
        pid = sweep._pid
        assert pid > 0
        if killed:
            os.kill(pid, signal.SIGKILL)
        forked = list(sweep)
    assert sweep.forked is not killed and _reaped(pid)
    assert len(alone) == 3 and len(np.unique(alone[-1])) > 12  # communities were found
    for a, b in zip(alone, forked, strict=True):
        assert np.array_equal(a, b)


@forks
@forks
def test_forked_sweep_with_descriptors_past_1023():
    """A long-running kernel may hold more than 1,023 open files: waiting on the child's
    pipe must not fail there (select() cannot watch such a descriptor; poll can)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip("the hard limit on open files is below 1,200")
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(4096, hard) if hard > 0 else 4096, hard))
    keep = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        g = _planted(3)
        args, kw = _sweep_args(g)
        with LeidenSweep(*args, **kw, fork=False) as sweep:
            alone = [m.tolist() for m in sweep]
        with LeidenSweep(*args, **kw, fork=True) as sweep:
            assert sweep.forked and sweep._read > 1023  # noqa: SLF001 - the case in point
            forked = [m.tolist() for m in sweep]
        assert forked == alone and alone
    finally:
        for fd in keep:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_an_error_in_the_child_is_raised_here_as_without_it():
    g = _planted(3)
    args, kw = _sweep_args(g)
    bad = np.zeros(g.n + 5, dtype=np.int64)  # a warm start of the wrong length
    errors = []
    for fork in (False, True):
        with pytest.raises(Exception) as err, LeidenSweep(*args, **kw, initial=bad,  # noqa: PT011
                                                           fork=fork) as sweep:
            list(sweep)
        errors.append(type(err.value))
    assert errors[0] is errors[1]


@forks
def test_forked_sweep_from_a_thread_while_another_holds_the_leiden_lock():
    """The child takes no lock a parent thread may hold (here igraph's generator's, held by
    another thread for the whole sweep): it must still deliver."""
    g = _planted(4)
    args, kw = _sweep_args(g)
    alone = _sequential(args, kw)
    out = []

    def run():
        with LeidenSweep(*args, **kw, fork=True) as sweep:
            out.append(list(sweep))

    with _RNG_LOCK:  # what a parent thread may hold at the fork
        worker = threading.Thread(target=run)
        worker.start()
        worker.join(timeout=60)
        assert not worker.is_alive()
    assert all(np.array_equal(a, b) for a, b in zip(alone, out[0], strict=True))


@forks
def test_forked_search_from_a_thread_while_another_queries_duckdb_and_logs():
    """As in a notebook or the Explorer while the money search runs: the search in a
    thread, another thread in DuckDB queries and logging at the fork; the same rings, and no
    child left behind."""
    import logging

    import duckdb

    g = _planted(7)
    before = _children()
    alone, _ = find_rings(g, RingParams(seed=7), fork=False)
    con = duckdb.connect()
    stop = threading.Event()

    def busy():
        cursor = con.cursor()
        while not stop.is_set():
            cursor.execute("SELECT sum(i * i) FROM range(2000000) t(i)").fetchall()
            logging.getLogger("workbench.test").info("a query")

    worker = threading.Thread(target=busy)
    worker.start()
    got = []
    try:
        for _ in range(3):
            search = threading.Thread(
                target=lambda: got.append(find_rings(g, RingParams(seed=7), fork=True)[0]))
            search.start()
            search.join(timeout=60)
            assert not search.is_alive()
    finally:
        stop.set()
        worker.join(timeout=60)
        con.close()
    expected = alone.as_dict()["rings"]
    assert len(got) == 3 and all(x.as_dict()["rings"] == expected for x in got)
    assert all(x.params["timing"]["forked"] == 1.0 for x in got)
    assert _children() <= before  # no child left, running or zombie


@forks
@pytest.mark.parametrize("seed", [5, 6])
def test_find_rings_forked_and_sequential_give_the_same_rings(seed):
    g = _planted(seed)
    params = RingParams(seed=seed)
    results = {}
    for fork in (False, True):
        result, memberships = find_rings(g, params, fork=fork)
        assert result.params["timing"]["forked"] == float(fork)
        doc = result.as_dict()
        doc["params"].pop("timing")
        results[fork] = (doc, result.brokers, result.reach, memberships)
    (a, *rest_a), (b, *rest_b) = results[False], results[True]
    assert a == b and rest_a[:2] == rest_b[:2]
    assert all(np.array_equal(x, y) for x, y in zip(rest_a[2], rest_b[2], strict=True))
    assert len(a["rings"]) >= 8  # the planted rings were found


def _random_sums(seed: int, n: int = 4000) -> dict[str, np.ndarray]:
    """Group sums over their whole range, zeros included (no calls, one member, no money)."""
    rng = np.random.default_rng(seed)
    size = rng.integers(1, 14, n)
    calls = rng.integers(0, 60, n) * (rng.random(n) < 0.9)
    links = rng.integers(0, 20, n)
    met = rng.integers(0, 6, n) * (rng.random(n) < 0.5)
    paid = rng.integers(0, 8, n) * (rng.random(n) < 0.6)
    return {"size": size, "n_calls": calls.astype(float),
            "n_night": rng.binomial(calls, rng.random(n)).astype(float),
            "n_short": rng.binomial(calls, rng.random(n)).astype(float),
            "n_tx": rng.integers(0, 9, n).astype(float),
            "call_pairs": np.minimum(calls, rng.integers(0, 30, n)).astype(float),
            "money_pairs": rng.integers(0, 6, n).astype(float), "links": links,
            "amount": rng.random(n) * 5e4 * (rng.random(n) < 0.7),
            "top_paid": paid, "top_paid_beyond_kin": np.minimum(paid, rng.integers(0, 8, n)),
            "hub_links": np.where(rng.random(n) < 0.3, links, links // 2),
            "cases": rng.integers(0, 3, n).astype(float),
            "co": (rng.integers(0, 7, n) * 0.5) * (rng.random(n) < 0.5),
            "numbers": rng.integers(0, 3, n).astype(float),
            "drug": rng.integers(0, 5, n).astype(float), "kin": rng.integers(0, 3, n) * 1.0,
            "met": met.astype(float), "met_often": np.minimum(met, rng.integers(0, 6, n)) * 1.0,
            "meeting": met * 1.0, "meet_strength": rng.random(n) * 12 * (met > 0)}


@pytest.mark.parametrize("seed", [11, 12])
@pytest.mark.parametrize("kinds", [("calls", "money", "arrests", "copresence"), ("calls",),
                                   ("money",), ("calls", "money")])
def test_candidates_scored_at_once_score_as_one_by_one(seed, kinds):
    sums = _random_sums(seed)
    base = Baseline(night=0.2, short=0.3, calls_per_pair=3.5, kinds=kinds, meet_q90=2.0,
                    meet_strong=4.0 if "copresence" in kinds else 0.0, amount_per_pair=900.0)
    together = score_batch(sums, base)
    above_knee = 0
    with np.errstate(all="ignore"):
        for i, got in enumerate(together):
            alone = score_sums({k: a[i] for k, a in sums.items()}, base, evidence=False)
            assert got == alone[:2] and list(got[1]) == list(alone[1])
            assert type(got[0]) is float and type(got[1]["kinds"]) is int
            above_knee += got[0] > 0.9
    assert "calls" not in kinds or above_knee > 0  # the exponential's branch was compared


@pytest.mark.parametrize("seed", [21, 22])
def test_selection_helpers_answer_as_the_scalar_rules(seed):
    """Suppliers of a group at once and on the money links alone, payments into a group on
    the money links, and members' ties to rings at once: as the one-node rules say."""
    from workbench.rings.arrays import money_links, pays_into, suppliers_in
    from workbench.rings.brokers import _ties_to_rings
    from workbench.rings.candidates import organizers
    from workbench.rings.scoring import is_supplier, organizer, ties

    g = _planted(seed, rings=20, size=6, background=200)
    rng = np.random.default_rng(seed)
    ms = g.measures
    ms["n_uv_tx"] = rng.integers(0, 3, g.m) * (rng.random(g.m) < 0.3)
    ms["n_vu_tx"] = rng.integers(0, 3, g.m) * (rng.random(g.m) < 0.3)
    money = money_links(g)
    assert 0 < money.m < g.m
    groups = [np.sort(rng.choice(g.n, 8, replace=False)) for _ in range(60)]
    groups += [np.arange(k * 6, k * 6 + 6) for k in range(20)]  # linked groups: the rings
    found = 0
    for arr in groups:
        members = set(arr.tolist())
        expected = [is_supplier(g, i, members) for i in arr.tolist()]
        assert suppliers_in(money, arr).tolist() == expected == suppliers_in(g, arr).tolist()
        found += sum(expected)
        for j in rng.choice(g.n, 5).tolist():
            assert pays_into(money, j, arr) == pays_into(g, j, arr)
    assert found > 0  # suppliers were there to find
    rings = [np.arange(k * 6, k * 6 + 6) for k in range(20)]
    tie_of = _ties_to_rings(g, rings)
    for k, ring in enumerate(rings):
        for i in ring.tolist():
            for j, other in enumerate(rings):
                expected = ties(g, i, set(other.tolist()))
                assert tie_of[i].get(j, 0.0) == expected
                assert (j in tie_of[i]) == bool(set(g.neighbours(i)[0].tolist()) & set(
                    other.tolist()))
        assert tie_of[int(ring[0])][k] > 0
    assert organizers(g, rings) == [organizer(g, ring) for ring in rings]
    assert len(set(organizers(g, rings))) == len(rings)


@pytest.mark.skipif(not can_fork(), reason="Linux only")
def test_no_core_is_idle_while_other_processes_keep_every_core_busy():
    import subprocess
    import sys
    import time

    from workbench.graph.sweep import idle_core

    cpus = len(os.sched_getaffinity(0))
    spin = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(cpus)]
    try:
        time.sleep(0.3)  # every spinner runs
        assert not idle_core()
    finally:
        for p in spin:
            p.kill()
            p.wait()
