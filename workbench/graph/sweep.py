"""A CPM resolution sweep whose memberships arrive while the caller works on the ones before.

The ring search (:func:`workbench.rings.search.find_rings`) runs Leiden CPM at several
resolutions, each warm-started from the membership before, and scores the candidates of each
membership. Leiden (igraph's C code) holds the GIL, so a thread cannot overlap it with the
scoring; a forked child can. :class:`LeidenSweep` runs the sweep in a child on the machine's
other core and hands each membership over as soon as it is done (the membership through
shared memory, one byte on a pipe to say so), while this process scores the ones before.

The memberships are the sequential ones, bit for bit: the same graph, weights, seed and warm
start per resolution, through the same function (:func:`~workbench.graph.leiden.community`).

The child computes and writes bytes, nothing else: it takes no lock (not the one that keeps
igraph's generator to one run at a time either: it is alone in its process), logs nothing,
touches no store or open file, collects no garbage (a finalizer could reach a lock that
another thread of this process held at the fork), and leaves through ``os._exit``. Whatever
goes wrong in it (an error, a kill, silence past the patience, no fork on this platform),
this process computes the memberships still missing itself, from the last one received: the
answer is the same, and an error of Leiden's is raised here as it would be without a child.
The child is always reaped (no zombie): :meth:`LeidenSweep.close`, or leaving the ``with``.

When a fork pays
----------------
Measured on the 2-core test machine, shared (load 4-6 while measuring): the fork and reaping
of a child that does nothing took 6 ms in a process of 0.5 GB resident, up to 18 ms; a CPM
Leiden run took 0.76-1.0 us per link (the 2M-call county: 468,066 links, 0.30 s per
resolution, three resolutions). What the child saves is the part of the sweep that overlaps
this process's own work, at most the sweep itself: about 2.3 us per link for three
resolutions. From :data:`FORK_LINKS` links the sweep is 0.11 s or more, five times the
dearest fork measured; below it the sweep runs here (on the 3,000-person sample counties,
12,504 links, the forked search took 16 ms longer than the sequential one, 0.132 s against
0.116 s). And only when a core is free (:func:`idle_core`): on a machine whose cores are
busy with other processes the child shares this process's core and the search is slower
(0.61x, load 4 on 2 cores, another session's process at a higher priority).

Examples
--------
>>> import numpy as np
>>> u = np.array([0, 0, 1, 3, 3, 4, 2]); v = np.array([1, 2, 2, 4, 5, 5, 3])
>>> with LeidenSweep(6, u, v, np.ones(7), [0.5, 0.9], seed=0, n_iterations=2,
...                  fork=False) as sweep:
...     [m.tolist() for m in sweep]
[[0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1, 1]]
"""

from __future__ import annotations

import gc
import logging
import mmap
import os
import select
import signal
import sys
import time
import warnings
from collections.abc import Iterator, Sequence

import numpy as np

from .leiden import as_igraph, community, leiden, seed_alone

__all__ = ["LeidenSweep", "FORK_LINKS", "can_fork", "idle_core"]

log = logging.getLogger(__name__)

#: links from which the sweep runs in a forked child (see "When a fork pays" above)
FORK_LINKS = 50_000
#: seconds the parent waits for the child's next word: a fixed part plus one per link,
#: generous (a Leiden run takes about 1 s per million links on the test machine; 70x that):
#: a child that has not answered by then is given up (killed, its work done here), never
#: waited on for ever
_PATIENCE_S = 30.0
_PATIENCE_PER_LINK_S = 7e-5
_DONE, _FAILED = b"M", b"E"


def can_fork() -> bool:
    """Whether this platform forks the way the sweep needs (Linux: a fork copies only the
    calling thread and its memory, copy-on-write)."""
    return hasattr(os, "fork") and sys.platform.startswith("linux")


#: looks at the machine's runnable tasks, and the seconds between two (:func:`idle_core`)
_LOOKS, _LOOK_EVERY_S = 5, 0.002


def idle_core() -> bool:
    """Whether a core is free for a child now: this process may use two CPUs or more and the
    other processes' runnable tasks (``/proc/loadavg`` less this process's own threads in
    state R) leave one beside this process's, in the least busy of five looks 2 ms apart (a
    task that runs for a few milliseconds, such as the kernel writing pages out, does not
    count; a process that keeps a core busy is runnable at every look and does). On a busy
    machine the child would only share this process's core (measured: the search 0.6x as
    fast forked, load 4 on 2 cores); a child not forked when a core was free costs the
    search 0.6 s at 2M calls."""
    try:
        cpus = len(os.sched_getaffinity(0))
        others = []
        for look in range(_LOOKS):
            if look:
                time.sleep(_LOOK_EVERY_S)
            others.append(_others_running())
    except (OSError, ValueError, IndexError, AttributeError):
        return False
    return cpus >= 2 and min(others) <= cpus - 2


def _others_running() -> int:
    """Runnable tasks of the machine that are not this process's threads."""
    with open("/proc/loadavg", encoding="ascii") as f:
        running = int(f.read().split()[3].split("/")[0])
    ours = 0
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/stat", encoding="ascii", errors="replace") as f:
                ours += f.read().rpartition(")")[2].split()[0] == "R"
        except (OSError, IndexError):
            continue
    return running - ours


class LeidenSweep:
    """CPM memberships at ``resolutions`` in order, each warm-started from the one before
    (the first from ``initial``), as :func:`~workbench.graph.leiden.leiden` gives them one
    by one; computed in a forked child when ``fork`` (default: on Linux, from
    :data:`FORK_LINKS` links, when a core is free, :func:`idle_core`), else here as they are
    asked for.

    Iterate it (or :meth:`get` one) inside ``with``, which ends the child.

    Parameters
    ----------
    n, u, v, weights
        Node count, links (dense ids) and their weights.
    resolutions : sequence of float
        CPM resolutions, in the order of the warm starts.
    seed, n_iterations, initial
        As for :func:`~workbench.graph.leiden.leiden`.
    fork : bool, optional
        Force the child (where the platform forks) or the sequential path.
    """

    def __init__(self, n: int, u: np.ndarray, v: np.ndarray, weights: np.ndarray,
                 resolutions: Sequence[float], *, seed: int, n_iterations: int,
                 initial: np.ndarray | None = None, fork: bool | None = None) -> None:
        self.n, self.u, self.v = n, u, v
        self.weights = np.asarray(weights, dtype=float)
        self.resolutions = list(resolutions)
        self.seed, self.n_iterations, self.initial = seed, n_iterations, initial
        self.memberships: list[np.ndarray] = []
        #: seconds the fork took, and whether the child delivered every membership
        self.fork_seconds = 0.0
        self.forked = False
        self._graph = None
        self._weights: list = []
        self._pid = 0
        self._read = -1
        self._shm: mmap.mmap | None = None
        self._ready = 0  # memberships the child reported done
        #: whether a core was free, when the choice was left to the sweep (None: not asked)
        self.idle: bool | None = None
        if fork is None and len(u) >= FORK_LINKS:
            self.idle = idle_core()
        want = bool(self.idle) if fork is None else fork
        if want and can_fork() and self.resolutions and n > 0:
            self._start()

    # the child ---------------------------------------------------------------------------
    def _start(self) -> None:
        size = len(self.resolutions) * self.n * 8
        read = write = -1
        try:
            self._shm = mmap.mmap(-1, size)  # anonymous and shared: the child writes here
            read, write = os.pipe()
            t0 = time.perf_counter()
            pid = os.fork()
        except OSError as err:  # no memory for a copy, no pipe: the sweep runs here
            log.debug("no forked sweep (%s): sequential", err)
            for fd in (read, write):
                if fd >= 0:
                    os.close(fd)
            self._close_shm()
            return
        if pid == 0:  # the child: compute, write bytes, leave
            code = 1
            try:
                gc.disable()
                # alone in its process: a warning must not wait for a stream lock that a
                # parent thread held at the fork (or write into a notebook's output)
                warnings.simplefilter("ignore")
                os.close(read)
                self._sweep_in_child(write)
                code = 0
            except BaseException as err:  # noqa: BLE001 - anything: say so, leave
                try:
                    os.write(write, _FAILED + repr(err).encode("utf-8", "replace")[:400])
                except BaseException:  # noqa: BLE001, S110 - the parent sees the pipe close
                    pass
            finally:
                os._exit(code)
        self._pid, self._read = pid, read  # first: an interrupt from here on ends the child
        self.fork_seconds = time.perf_counter() - t0
        os.close(write)
        self.forked = True

    def _sweep_in_child(self, write: int) -> None:
        graph = as_igraph(self.n, self.u, self.v)
        weights = self.weights.tolist()
        previous = self.initial
        for k, r in enumerate(self.resolutions):
            seed_alone(self.seed)  # as seeded_rng does, without its lock
            m = community(graph, weights, objective="CPM", resolution=r, initial=previous,
                          beta=0.01, n_iterations=self.n_iterations)
            np.frombuffer(self._shm, dtype=np.int64, count=self.n, offset=k * self.n * 8
                          )[:] = m
            os.write(write, _DONE)
            previous = m

    def _wait(self, k: int) -> None:
        """Wait until the child has done membership ``k``, or give it up (then the ones it
        has done stand, and this process computes the rest)."""
        patience = _PATIENCE_S + _PATIENCE_PER_LINK_S * len(self.u)
        while self._ready <= k:
            poller = select.poll()  # not select(): a descriptor past 1023 is fine
            poller.register(self._read, select.POLLIN | select.POLLHUP | select.POLLERR)
            ready = poller.poll(patience * 1000)
            data = os.read(self._read, 4096) if ready else b""
            done, failed, why = data.partition(_FAILED)
            self._ready += done.count(_DONE)
            if not data or failed:
                log.warning("forked Leiden sweep given up after %d of %d (%s): the rest "
                            "computed here", self._ready, len(self.resolutions),
                            why.decode("utf-8", "replace") if failed else
                            "ended" if ready else f"no word in {patience:.0f} s")
                self._end_child()
                return

    def _end_child(self) -> None:
        if self._pid:
            if self._ready < len(self.resolutions):  # still running: it is not waited for
                try:
                    os.kill(self._pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                os.waitpid(self._pid, 0)
            except ChildProcessError:  # reaped already (SIGCHLD ignored by the application)
                pass
            self._pid = 0
        if self._read >= 0:
            os.close(self._read)
            self._read = -1
        self.forked = self.forked and self._ready == len(self.resolutions)

    def _close_shm(self) -> None:
        if self._shm is not None:
            self._shm.close()
            self._shm = None

    # the memberships ---------------------------------------------------------------------
    def get(self, k: int) -> np.ndarray:
        """Membership ``k`` (of ``resolutions[k]``), waiting for the child if need be."""
        while len(self.memberships) <= k:
            j = len(self.memberships)
            if self._pid and self._ready <= j:
                self._wait(j)
            if self._ready > j:  # the child's (its bytes are written before its word)
                m = np.frombuffer(self._shm, dtype=np.int64, count=self.n,
                                  offset=j * self.n * 8).copy()
            else:
                m = self._here(j)
            self.memberships.append(m)
        return self.memberships[k]

    def _here(self, k: int) -> np.ndarray:
        if self._graph is None:  # built and its weights converted once, as in the child
            self._graph = as_igraph(self.n, self.u, self.v)
            self._weights = self.weights.tolist()
        previous = self.memberships[k - 1] if k else self.initial
        return leiden(self.n, self.u, self.v, self._weights, objective="CPM",
                      resolution=self.resolutions[k], seed=self.seed,
                      n_iterations=self.n_iterations, initial=previous, graph=self._graph)

    def __iter__(self) -> Iterator[np.ndarray]:
        for k in range(len(self.resolutions)):
            yield self.get(k)

    def close(self) -> None:
        """End the child (killed if it is still running) and reap it; free the memory."""
        self._end_child()
        self._close_shm()

    def __enter__(self) -> LeidenSweep:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_pid", 0):
            self.close()
