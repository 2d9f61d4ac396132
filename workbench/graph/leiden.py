"""The community core: Leiden (igraph) on arrays, always with explicit objective, resolution
and seed.

* :func:`leiden` — one Leiden run: CPM or modularity, a resolution, a seed, optional warm
  start from a previous membership; communities are connected (Leiden's guarantee).
* :func:`best_modularity` — restarts to convergence, keeping the best modularity: reaches the
  proven optima of the classic graphs.
* :func:`resolution_sweep` — CPM at several resolutions, each run warm-started from the
  previous one: a hierarchy from large social groups down to 3-person cells.

Examples
--------
>>> import numpy as np
>>> u = np.array([0, 0, 1, 3, 3, 4, 2]); v = np.array([1, 2, 2, 4, 5, 5, 3])
>>> leiden(6, u, v, objective="modularity", resolution=1.0, seed=1).tolist()
[0, 0, 0, 1, 1, 1]
"""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Iterator, Sequence

# igraph imports matplotlib.pyplot at start-up for its own drawing; the workbench used to hide
# matplotlib from it (``sys.modules["matplotlib"] = None``), which left igraph's plotting broken
# for the rest of the process. A plain import: igraph stays whole for users' own code.
import igraph as ig
import numpy as np

__all__ = ["leiden", "community", "modularity", "best_modularity", "resolution_sweep", "as_igraph",
           "seed_alone"]


def as_igraph(n: int, u: np.ndarray, v: np.ndarray) -> ig.Graph:
    """An undirected igraph Graph of ``n`` nodes and edges ``u[i]-v[i]`` (given as an
    iterator: igraph reads it without a list of a million tuples first, 40% less time)."""
    return ig.Graph(n, zip(np.asarray(u).tolist(), np.asarray(v).tolist(), strict=True))


#: the generator igraph draws from, as last set through ``igraph.set_random_number_generator``
_IN_USE: list = [random]


def _set_and_record(generator) -> None:
    """``igraph.set_random_number_generator`` that remembers what it was given (igraph
    offers no getter), so :func:`seeded_rng` can put back the caller's own generator."""
    _IN_USE[0] = generator
    _ORIGINAL_SETTER(generator)


_ORIGINAL_SETTER = getattr(ig.set_random_number_generator, "__wrapped__",
                           ig.set_random_number_generator)
_set_and_record.__wrapped__ = _ORIGINAL_SETTER
ig.set_random_number_generator = _set_and_record


#: igraph's generator is one per process: one seeded run at a time (threads, widgets)
_RNG_LOCK = threading.RLock()


def seed_alone(seed: int) -> None:
    """Seed igraph's generator as :func:`seeded_rng` does, without its lock and without
    putting anything back: for a forked child, alone in its process (the lock may have been
    held by another thread of the parent at the fork, and is never released in the child)."""
    _ORIGINAL_SETTER(random.Random(seed))


@contextlib.contextmanager
def seeded_rng(seed: int) -> Iterator[None]:
    """igraph draws from a Python RNG: use our own, seeded, and put back the generator that
    was in use before (the caller's, or Python's ``random`` module). Runs hold a lock, so two
    threads never draw from each other's generator."""
    with _RNG_LOCK:
        previous = _IN_USE[0]
        seed_alone(seed)
        try:
            yield
        finally:
            _ORIGINAL_SETTER(previous)


def leiden(
    n: int,
    u: np.ndarray,
    v: np.ndarray,
    weights: np.ndarray | list | None = None,
    *,
    objective: str,
    resolution: float,
    seed: int,
    n_iterations: int = 2,
    initial: np.ndarray | None = None,
    beta: float = 0.01,
    graph: ig.Graph | None = None,
) -> np.ndarray:
    """Leiden communities as a membership array (community ids 0..k-1, by size).

    Parameters
    ----------
    n, u, v : int, arrays
        Node count and edge endpoints (dense ids).
    weights : array or list of float, optional
        Edge weights (default 1); a list is handed to igraph as it is (runs on the same
        graph convert their weights once).
    objective : {"CPM", "modularity"}
        Quality function; CPM's resolution is a density threshold in weight units.
    resolution : float
        Resolution parameter.
    seed : int
        Random seed; the same inputs and seed give the same membership.
    n_iterations : int
        Leiden iterations (negative: until stable).
    initial : array, optional
        Warm start: a previous membership.
    graph : igraph.Graph, optional
        The same edges already built (saves the construction on repeated runs).
    """
    if objective not in ("CPM", "modularity"):
        raise ValueError("objective must be 'CPM' or 'modularity'")
    g = graph if graph is not None else as_igraph(n, u, v)
    w = (weights if weights is None or isinstance(weights, list)
         else np.asarray(weights, dtype=float).tolist())
    with seeded_rng(seed):
        return community(g, w, objective=objective, resolution=resolution,
                         initial=initial, beta=beta, n_iterations=n_iterations)


def community(g: ig.Graph, weights: list | None, *, objective: str, resolution: float,
              initial: np.ndarray | None, beta: float, n_iterations: int) -> np.ndarray:
    """The Leiden run of :func:`leiden` on a built graph and its weights as a list, with
    igraph's generator as it is (the caller seeds it: :func:`seeded_rng`, or a forked
    child alone in its process, :mod:`workbench.graph.sweep`).

    It calls igraph's own run with the arguments ``Graph.community_leiden`` passes it,
    without the clustering object that method builds around the membership (a Python
    pass over every node, 8 ms on 66,669 nodes); an igraph whose run takes other
    arguments gets the method itself. The membership is the same either way."""
    init = None if initial is None else np.asarray(initial, dtype=np.int64).tolist()
    try:
        membership, _quality = ig.GraphBase.community_leiden(
            g, edge_weights=weights, node_weights=None, node_in_weights=None,
            resolution=resolution, normalize_resolution=objective == "modularity",
            beta=beta, initial_membership=init, n_iterations=n_iterations)
    except TypeError:  # another igraph: its method, with its own checks
        membership = g.community_leiden(
            objective_function=objective, weights=weights, resolution=resolution, beta=beta,
            initial_membership=init, n_iterations=n_iterations).membership
    return _relabel(np.asarray(membership, dtype=np.int64))


def _relabel(membership: np.ndarray) -> np.ndarray:
    """Community ids ordered by size (largest 0), ties by smallest member: deterministic."""
    if membership.size == 0:
        return membership
    ids, first, inverse, counts = np.unique(membership, return_index=True,
                                            return_inverse=True, return_counts=True)
    order = np.lexsort((first, -counts))
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    return rank[inverse]


def modularity(n: int, u: np.ndarray, v: np.ndarray, membership: np.ndarray,
               weights: np.ndarray | None = None, resolution: float = 1.0) -> float:
    """Newman modularity of a membership.

    Examples
    --------
    >>> import numpy as np
    >>> round(modularity(4, np.array([0, 2]), np.array([1, 3]), np.array([0, 0, 1, 1])), 3)
    0.5
    """
    g = as_igraph(n, u, v)
    w = None if weights is None else np.asarray(weights, dtype=float).tolist()
    return float(g.modularity(np.asarray(membership).tolist(), weights=w,
                              resolution=resolution))


def best_modularity(n: int, u: np.ndarray, v: np.ndarray, weights: np.ndarray | None = None,
                    *, restarts: int = 20, seed: int = 0) -> tuple[np.ndarray, float]:
    """The best modularity partition over ``restarts`` Leiden runs to convergence.

    Returns ``(membership, Q)``. Seeds ``seed, seed+1, ...`` make it reproducible.
    """
    g = as_igraph(n, u, v)
    w = None if weights is None else np.asarray(weights, dtype=float).tolist()
    best, best_q = None, -1.0
    for k in range(restarts):
        m = leiden(n, u, v, weights, objective="modularity", resolution=1.0, seed=seed + k,
                   n_iterations=-1, graph=g)
        q = float(g.modularity(m.tolist(), weights=w))
        if q > best_q + 1e-12:
            best, best_q = m, q
    return best, best_q


def resolution_sweep(n: int, u: np.ndarray, v: np.ndarray, weights: np.ndarray,
                     resolutions: Sequence[float], *, seed: int,
                     objective: str = "CPM") -> list[np.ndarray]:
    """Memberships at increasing resolutions, each run warm-started from the last."""
    g = as_igraph(n, u, v)
    out: list[np.ndarray] = []
    previous = None
    for r in sorted(resolutions):
        m = leiden(n, u, v, weights, objective=objective, resolution=r, seed=seed,
                   initial=previous, graph=g)
        out.append(m)
        previous = m
    return out
